#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-client-private.h"
#include "ks-error.h"

/* The request machinery every operation shares: one Call per operation,
 * sent with the key and the service's headers, retried with backoff,
 * redirected by hand for downloads, its reply read up to a cap. */

#define ERROR_REPLY_CAP       (64 * 1024)
#define READ_CHUNK            (64 * 1024)
#define MAX_REDIRECTS         5
#define MAX_BACKOFF_MS        30000
#define MAX_RETRY_AFTER_MS    120000

static void call_read_body (GTask *task);

static void
call_reset_attempt (Call *call)
{
  g_clear_object (&call->message);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->buffer, g_byte_array_unref);
  g_clear_pointer (&call->reply, g_bytes_unref);
  g_clear_pointer (&call->sse, ks_sse_parser_free);
  call->status = 0;
}

static void
call_free (Call *call)
{
  call_reset_attempt (call);
  g_clear_object (&call->session);
  g_free (call->method);
  g_free (call->url);
  g_free (call->host);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call->body_type);
  g_free (call->accept);
  g_free (call->endpoint_id);
  g_free (call->base_url);
  g_clear_pointer (&call->field_errors, g_ptr_array_unref);
  g_free (call->content_type);
  g_free (call->file_url);
  g_clear_pointer (&call->completed, ks_status_free);
  g_clear_error (&call->stream_error);
  if (call->func_data_destroy != NULL)
    call->func_data_destroy (call->func_data);
  g_free (call);
}

/* ---- URLs ------------------------------------------------------------------ */

/* For debug lines: scheme, host and path, never a query (signed upload
 * URLs carry tokens there). */
static char *
url_for_log (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL)
    return g_strdup ("(invalid URL)");

  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                     g_uri_get_host (uri), g_uri_get_port (uri),
                     g_uri_get_path (uri), NULL, NULL);
}

/* ---- Retries -------------------------------------------------------------------- */

static gint64
retry_after_ms (SoupMessage *message)
{
  const char *value;
  guint64 seconds;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (message == NULL)
    return -1;

  value = soup_message_headers_get_one (soup_message_get_response_headers (message), "Retry-After");
  if (value == NULL)
    return -1;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return MIN (seconds * 1000, (guint64) MAX_RETRY_AFTER_MS);

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;

  now = g_date_time_new_now_utc ();

  return CLAMP (g_date_time_difference (when, now) / 1000, 0, MAX_RETRY_AFTER_MS);
}

static gboolean
on_retry_ready (GCancellable *cancellable,
                gpointer      user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    _ks_client_call_start (task);

  return G_SOURCE_REMOVE;
}

/* TRUE when another attempt was scheduled. */
static gboolean
call_maybe_retry (GTask *task)
{
  KsClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GSource) source = NULL;
  gint64 delay;
  gint64 after;

  if (call->attempt >= self->max_retries)
    return FALSE;

  delay = (gint64) self->retry_base_delay << MIN (call->attempt, 20);
  delay = MIN (delay, MAX_BACKOFF_MS);
  delay = (gint64) (delay * g_random_double_range (0.75, 1.25));
  after = retry_after_ms (call->message);
  if (after > delay)
    delay = after;

  call->attempt++;
  g_debug ("Retrying %s %s in %" G_GINT64_FORMAT " ms (attempt %u)",
           call->method, call->host, delay, call->attempt + 1);

  /* A cancellable source with a ready time fires at the deadline, or at
   * once when the operation is cancelled. */
  source = g_cancellable_source_new (g_task_get_cancellable (task));
  g_source_set_ready_time (source, g_get_monotonic_time () + delay * 1000);
  g_source_set_callback (source, G_SOURCE_FUNC (on_retry_ready), g_object_ref (task), g_object_unref);
  g_source_attach (source, g_task_get_context (task));

  return TRUE;
}

static void
call_fail (GTask    *task,
           GError   *error,
           gboolean  transient)
{
  if (transient && call_maybe_retry (task))
    {
      g_autofree char *clean = _ks_client_redact (g_task_get_source_object (task), error->message);

      /* The service's words may repeat the key. */
      g_debug ("%s", clean);
      g_error_free (error);
      return;
    }

  _ks_client_call_return_error (task, error);
}

/* ---- The request cycle ------------------------------------------------------------- */

static void
call_body_complete (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  GError *error;
  gboolean transient;

  call->reply = g_byte_array_free_to_bytes (g_steal_pointer (&call->buffer));

  if (SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      call->done (task, call);
      return;
    }

  error = _ks_client_http_error (call, &transient);

  if (call->kind == CALL_STREAM)
    {
      /* Only a real refusal is an error; anything else means "poll". */
      if (call->status != 401 && call->status != 403 && call->status != 404)
        {
          g_clear_error (&error);
          error = g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                               _("The status stream is not available (HTTP %u)."), call->status);
        }
      _ks_client_call_return_error (task, error);
      return;
    }

  if (call->kind == CALL_SUBMIT)
    transient = call->status == 429;

  call_fail (task, error, transient);
}

static void
on_body_read (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean transient;
  gboolean refused;
  gsize cap;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      GError *mapped = _ks_client_transport_error (call, error, &transient, &refused);

      if (call->kind == CALL_SUBMIT || call->kind == CALL_STREAM)
        transient = FALSE;
      call_fail (task, mapped, transient);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      call_body_complete (task);
      return;
    }

  /* An error page is read only as far as it explains itself; the cap of
   * the operation stays for the next attempt. */
  cap = SOUP_STATUS_IS_SUCCESSFUL (call->status) ? call->max_body
                                                 : MIN (call->max_body, ERROR_REPLY_CAP);
  if (call->buffer->len + g_bytes_get_size (bytes) > cap)
    {
      if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
        {
          /* An error page: what was read is enough to explain it. */
          call_body_complete (task);
          return;
        }

      _ks_client_call_return_error (task, _ks_client_too_large_error (call));
      return;
    }

  g_byte_array_append (call->buffer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  call_read_body (task);
}

static void
call_read_body (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   on_body_read, g_object_ref (task));
}

static gboolean
call_follow_redirect (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (call->message);
  const char *location = soup_message_headers_get_one (headers, "Location");
  g_autofree char *target = NULL;
  g_autoptr(GError) error = NULL;

  if (location == NULL)
    return FALSE;

  if (++call->redirects > MAX_REDIRECTS)
    {
      _ks_client_call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                                                       _("%s redirected too many times."), call->host));
      return TRUE;
    }

  target = g_uri_resolve_relative (call->url, location, G_URI_FLAGS_NONE, NULL);
  if (target == NULL || !_ks_client_check_url (target, _("image"), &error))
    {
      _ks_client_call_return_error (task, error != NULL ? g_steal_pointer (&error)
                                                        : g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                                                                       _("%s redirected to an invalid address."),
                                                                       call->host));
      return TRUE;
    }

  g_free (call->url);
  call->url = g_steal_pointer (&target);
  g_free (call->host);
  call->host = _ks_client_url_host (call->url);
  _ks_client_call_start (task);

  return TRUE;
}

static void
on_sent (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  goffset length;

  call->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (call->stream == NULL)
    {
      gboolean transient;
      gboolean refused;
      GError *mapped = _ks_client_transport_error (call, error, &transient, &refused);

      call->refused = refused;
      /* A submit is sent again only when it certainly never arrived and
       * another attempt may help (a refused certificate will not). */
      if (call->kind == CALL_SUBMIT)
        transient = transient && refused;
      else if (call->kind == CALL_STREAM)
        transient = FALSE;
      call_fail (task, mapped, transient);
      return;
    }

  call->status = soup_message_get_status (call->message);
  headers = soup_message_get_response_headers (call->message);
  g_debug ("%s %s: HTTP %u", call->method, call->host, call->status);

  if (call->kind == CALL_DOWNLOAD && SOUP_STATUS_IS_REDIRECTION (call->status) &&
      call_follow_redirect (task))
    return;

  /* Only downloads are redirected: a request to the service carries the
   * key, and a redirect must not take it (or plain http) anywhere. */
  if (call->kind != CALL_DOWNLOAD && call->kind != CALL_STREAM &&
      SOUP_STATUS_IS_REDIRECTION (call->status))
    {
      _ks_client_call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_INSECURE,
                                                       _("%s answered with a redirect (HTTP %u), which is not followed: requests that carry the key go only to the configured address. Check the service address."),
                                                       call->host, call->status));
      return;
    }

  if (call->kind == CALL_STREAM && SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      const char *type = soup_message_headers_get_content_type (headers, NULL);

      if (type == NULL || g_ascii_strcasecmp (type, "text/event-stream") != 0)
        {
          _ks_client_call_return_error (task, g_error_new_literal (KS_ERROR, KS_ERROR_NETWORK,
                                                                   _("The service does not offer a status stream.")));
          return;
        }
      _ks_client_stream_begin (task);
      return;
    }

  if (SOUP_STATUS_IS_SUCCESSFUL (call->status) &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (length = soup_message_headers_get_content_length (headers)) > 0 &&
      (guint64) length > call->max_body)
    {
      _ks_client_call_return_error (task, _ks_client_too_large_error (call));
      return;
    }

  call->buffer = g_byte_array_new ();
  call_read_body (task);
}

void
_ks_client_call_start (GTask *task)
{
  KsClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  g_autofree char *log_url = NULL;

  call_reset_attempt (call);

  call->message = soup_message_new (call->method, call->url);
  if (call->message == NULL)
    {
      _ks_client_call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                                                       _("The address for %s cannot be used."), call->host));
      return;
    }

  /* Redirects are followed by hand, for downloads only, so that every hop
   * is checked and no key ever follows one. */
  soup_message_add_flags (call->message, SOUP_MESSAGE_NO_REDIRECT);
  /* The key goes in our own header; libsoup's HTTP authentication is never
   * used. Left on, it reads the whole body of a 401 or 407 into memory
   * before the reply is handed over, with no cap. */
  soup_message_disable_feature (call->message, SOUP_TYPE_AUTH_MANAGER);

  headers = soup_message_get_request_headers (call->message);
  if (call->accept != NULL)
    soup_message_headers_replace (headers, "Accept", call->accept);

  if (call->authorize && self->api_key != NULL)
    {
      g_autofree char *value = g_strdup_printf ("%s %s",
                                                self->auth_scheme == KS_AUTH_BEARER ? "Bearer" : "Key",
                                                self->api_key);

      soup_message_headers_replace (headers, "Authorization", value);
    }

  if (call->kind == CALL_SUBMIT)
    {
      if (self->request_timeout > 0)
        {
          g_autofree char *seconds = g_strdup_printf ("%u", self->request_timeout);

          soup_message_headers_replace (headers, "x-fal-request-timeout", seconds);
        }
      if (self->priority == KS_PRIORITY_NORMAL)
        soup_message_headers_replace (headers, "x-fal-queue-priority", "normal");
      else if (self->priority == KS_PRIORITY_LOW)
        soup_message_headers_replace (headers, "x-fal-queue-priority", "low");
      if (!self->store_io)
        soup_message_headers_replace (headers, "X-Fal-Store-IO", "0");
    }

  if (call->body != NULL)
    soup_message_set_request_body_from_bytes (call->message, call->body_type, call->body);

  log_url = url_for_log (call->url);
  g_debug ("%s %s%s", call->method, log_url,
           call->authorize && self->api_key != NULL
             ? (self->auth_scheme == KS_AUTH_BEARER ? " (Authorization: Bearer ***)" : " (Authorization: Key ***)")
             : "");

  soup_session_send_async (call->session, call->message, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), on_sent, g_object_ref (task));
}

GTask *
_ks_client_call_new_task (KsClient            *self,
                          CallKind             kind,
                          const char          *method,
                          const char          *url,
                          gboolean             authorize,
                          CallDoneFunc         done,
                          gpointer             source_tag,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  call->kind = kind;
  call->session = g_object_ref (_ks_client_get_session (self, kind == CALL_STREAM));
  call->method = g_strdup (method);
  call->url = g_strdup (url);
  call->host = url != NULL ? _ks_client_url_host (url) : g_strdup ("?");
  call->authorize = authorize;
  call->accept = g_strdup ("application/json");
  call->max_body = JSON_REPLY_CAP;
  call->done = done;
  call->queue_position = -1;
  call->base_url = g_strdup (self->base_url);

  return task;
}

/* Starts a call to the queue API once @api_url, an address the service
 * named, has been found fit to carry the key. */
void
_ks_client_call_start_for_api (GTask      *task,
                               const char *api_url)
{
  KsClient *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!_ks_client_check_api_url (self, api_url, &error))
    {
      _ks_client_call_return_error (task, error);
      return;
    }

  _ks_client_call_start (task);
}
