#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "ks-client.h"
#include "ks-core-enums.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"
#include "ks-sse.h"

#define USER_AGENT            "KontextStudio/" PACKAGE_VERSION
#define JSON_REPLY_CAP        (8 * 1024 * 1024)
#define ERROR_REPLY_CAP       (64 * 1024)
#define SSE_LINE_CAP          (1024 * 1024)
#define READ_CHUNK            (64 * 1024)
#define MAX_REDIRECTS         5
#define MAX_BACKOFF_MS        30000
#define MAX_RETRY_AFTER_MS    120000
#define STREAM_READ_TIMEOUT_S 60    /* the server pings at least every 15 s */
#define DETAIL_MAX_CHARS      400

struct _KsClient
{
  GObject       parent_instance;

  char         *base_url;
  char         *storage_url;
  char         *api_key;
  KsAuthScheme  auth_scheme;
  guint         request_timeout;
  KsPriority    priority;
  guint         retry_base_delay;
  guint         max_retries;
  guint         poll_interval;
  guint         http_timeout;
  guint64       max_download_bytes;
  guint         store_io : 1;
  guint         upload_references : 1;
  guint         use_streaming : 1;

  SoupSession  *session;         /* submits, status, results, downloads, uploads */
  SoupSession  *stream_session;  /* long-lived status streams only */
  GHashTable   *uploads;         /* sha256 → file_url */
};

G_DEFINE_FINAL_TYPE (KsClient, ks_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_STORAGE_URL,
  PROP_AUTH_SCHEME,
  PROP_REQUEST_TIMEOUT,
  PROP_PRIORITY,
  PROP_STORE_IO,
  PROP_UPLOAD_REFERENCES,
  PROP_RETRY_BASE_DELAY,
  PROP_MAX_RETRIES,
  PROP_POLL_INTERVAL,
  PROP_USE_STREAMING,
  PROP_HTTP_TIMEOUT,
  PROP_MAX_DOWNLOAD_BYTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  CALL_SUBMIT,
  CALL_STATUS,
  CALL_STREAM,
  CALL_RESULT,
  CALL_CANCEL,
  CALL_DOWNLOAD,
  CALL_UPLOAD_INITIATE,
  CALL_UPLOAD_PUT,
} CallKind;

typedef struct _Call Call;
typedef void (*CallDoneFunc) (GTask *task,
                              Call  *call);

/* One operation: the request, its retries and redirects, and the reply. */
struct _Call
{
  CallKind            kind;
  SoupSession        *session;
  char               *method;
  char               *url;
  char               *host;           /* for messages */
  GBytes             *body;
  char               *body_type;
  char               *accept;
  gboolean            authorize;
  gsize               max_body;
  CallDoneFunc        done;
  guint               attempt;
  guint               redirects;

  /* the current attempt */
  SoupMessage        *message;
  GInputStream       *stream;
  GByteArray         *buffer;
  GBytes             *reply;
  guint               status;

  /* per operation */
  char               *endpoint_id;
  char               *base_url;
  int                 queue_position;
  GPtrArray          *field_errors;
  char               *content_type;
  char               *file_url;

  /* streams */
  KsSseParser        *sse;
  KsStatusFunc        func;
  gpointer            func_data;
  GDestroyNotify      func_data_destroy;
  KsStatus           *completed;
  GError             *stream_error;
};

static void call_start (GTask *task);

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

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* https anywhere, http only to this computer. */
static gboolean
check_url (const char  *url,
           const char  *what,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri != NULL &&
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_INSECURE,
                   _("The %s address must start with https://."), what);
      return FALSE;
    }

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      /* Translators: %s is what the address is for, e.g. "service" or "image". */
      g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                   _("The %s address is not a valid URL."), what);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  if (g_ascii_strcasecmp (scheme, "http") == 0 && host_is_loopback (host))
    return TRUE;

  g_set_error (error, KS_ERROR, KS_ERROR_INSECURE,
               _("The %s address uses plain http to “%s”. Use https; plain http is only allowed to this computer."),
               what, host);

  return FALSE;
}

gboolean
ks_client_check_base_url (const char  *base_url,
                          GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  if (!check_url (base_url, _("service"), error))
    return FALSE;

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                           _("The service address must not contain a user name, a query or a fragment."));
      return FALSE;
    }

  return TRUE;
}

static int
uri_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;

  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
}

static gboolean
same_origin (const char *a,
             const char *b)
{
  g_autoptr(GUri) ua = g_uri_parse (a, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) ub = g_uri_parse (b, G_URI_FLAGS_NONE, NULL);

  return ua != NULL && ub != NULL &&
         g_uri_get_host (ua) != NULL && g_uri_get_host (ub) != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (ua), g_uri_get_scheme (ub)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (ua), g_uri_get_host (ub)) == 0 &&
         uri_port (ua) == uri_port (ub);
}

static char *
url_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup ("?");

  return g_strdup (g_uri_get_host (uri));
}

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

/* status_url + "/stream", keeping any query the server put there. */
static char *
stream_url_for (const char *status_url)
{
  g_autoptr(GUri) uri = g_uri_parse (status_url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *path = NULL;
  g_autofree char *stream_path = NULL;
  gsize len;

  if (uri == NULL)
    return NULL;

  path = g_strdup (g_uri_get_path (uri));
  len = strlen (path);
  while (len > 0 && path[len - 1] == '/')
    path[--len] = '\0';
  stream_path = g_strconcat (path, "/stream", NULL);

  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                     g_uri_get_host (uri), g_uri_get_port (uri),
                     stream_path, g_uri_get_query (uri), NULL);
}

static char *
with_logs_query (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *query = NULL;

  if (uri == NULL)
    return NULL;

  if (g_uri_get_query (uri) != NULL && strstr (g_uri_get_query (uri), "logs=") != NULL)
    return g_strdup (url);

  query = g_uri_get_query (uri) != NULL ? g_strconcat (g_uri_get_query (uri), "&logs=1", NULL)
                                        : g_strdup ("logs=1");

  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                     g_uri_get_host (uri), g_uri_get_port (uri),
                     g_uri_get_path (uri), query, NULL);
}

/* ---- Sessions ---------------------------------------------------------------- */

static SoupSession *
create_session (KsClient *self,
                gboolean  for_streams)
{
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  SoupSession *session;

  session = g_object_new (SOUP_TYPE_SESSION,
                          "user-agent", USER_AGENT,
                          "max-conns", for_streams ? 256 : 32,
                          "max-conns-per-host", for_streams ? 128 : 12,
                          "timeout", for_streams ? STREAM_READ_TIMEOUT_S : self->http_timeout,
                          "idle-timeout", for_streams ? 0 : 60,
                          NULL);

  /* A proxy from the environment must never intercept loopback. */
  if (uri != NULL && host_is_loopback (g_uri_get_host (uri)))
    soup_session_set_proxy_resolver (session, NULL);

  return session;
}

static SoupSession *
get_session (KsClient *self,
             gboolean  for_streams)
{
  SoupSession **slot = for_streams ? &self->stream_session : &self->session;

  if (*slot == NULL)
    *slot = create_session (self, for_streams);

  return *slot;
}

static void
drop_sessions (KsClient *self)
{
  /* Operations under way keep their own reference. */
  g_clear_object (&self->session);
  g_clear_object (&self->stream_session);
}

/* ---- Errors -------------------------------------------------------------------- */

static char *
redact (KsClient   *self,
        const char *text)
{
  GString *out = g_string_new (text);
  const char *colon;

  if (self->api_key != NULL && self->api_key[0] != '\0')
    {
      g_string_replace (out, self->api_key, "***", 0);

      /* A fal key is "id:secret": neither half is shown alone either. */
      colon = strchr (self->api_key, ':');
      if (colon != NULL)
        {
          g_autofree char *id = g_strndup (self->api_key, colon - self->api_key);

          if (strlen (colon + 1) >= 6)
            g_string_replace (out, colon + 1, "***", 0);
          if (strlen (id) >= 6)
            g_string_replace (out, id, "***", 0);
        }
    }

  return g_string_free (out, FALSE);
}

static void
call_return_error (GTask  *task,
                   GError *error)
{
  KsClient *self = g_task_get_source_object (task);

  if (error->domain == KS_ERROR && self->api_key != NULL)
    {
      g_autofree char *message = redact (self, error->message);

      g_free (error->message);
      error->message = g_steal_pointer (&message);
    }

  g_task_return_error (task, error);
}

static const char *
reply_content_type (Call *call)
{
  if (call->message == NULL)
    return NULL;

  return soup_message_headers_get_content_type (soup_message_get_response_headers (call->message), NULL);
}

static gboolean
is_json_type (const char *content_type)
{
  return content_type == NULL ||
         g_ascii_strcasecmp (content_type, "application/json") == 0 ||
         g_ascii_strcasecmp (content_type, "text/json") == 0 ||
         g_str_has_suffix (content_type, "+json");
}

static JsonNode *
reply_json (Call *call)
{
  const char *content_type = reply_content_type (call);

  if (call->reply == NULL || content_type == NULL ||
      !is_json_type (content_type))
    return NULL;

  return ks_json_parse_bytes (call->reply, NULL);
}

/* fal's own words from an error reply, shortened and made printable. */
static char *
reply_detail (Call *call)
{
  g_autoptr(JsonNode) root = reply_json (call);
  JsonObject *object;
  const char *text = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *valid = NULL;
  GString *out;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  text = ks_json_get_string_member (object, "detail");
  if (text == NULL && ks_json_get_array_member (object, "detail") != NULL)
    {
      g_autoptr(GPtrArray) errors = ks_parse_validation_detail (root, NULL);
      GString *lines = g_string_new (NULL);

      for (guint i = 0; i < errors->len; i++)
        {
          KsFieldError *fe = g_ptr_array_index (errors, i);

          if (lines->len > 0)
            g_string_append (lines, "; ");
          if (fe->field != NULL)
            g_string_append_printf (lines, "%s: ", fe->field);
          g_string_append (lines, fe->message);
        }
      joined = g_string_free (lines, FALSE);
      text = joined;
    }
  if (text == NULL)
    text = ks_json_get_string_member (object, "message");
  if (text == NULL)
    text = ks_json_get_string_member (object, "error");
  if (text == NULL || text[0] == '\0')
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (const char *p = valid; *p != '\0' && g_utf8_strlen (out->str, -1) < DETAIL_MAX_CHARS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (out, g_unichar_iscntrl (c) && c != '\n' ? ' ' : c);
    }
  if (*g_utf8_offset_to_pointer (valid, MIN ((glong) g_utf8_strlen (valid, -1), DETAIL_MAX_CHARS)) != '\0')
    g_string_append (out, "…");

  return g_string_free (out, FALSE);
}

static GError *
validation_error (Call *call)
{
  g_autoptr(JsonNode) root = reply_json (call);
  gboolean content_policy = FALSE;
  GPtrArray *errors;
  GString *message;
  GError *error;

  errors = ks_parse_validation_detail (root, &content_policy);
  g_clear_pointer (&call->field_errors, g_ptr_array_unref);
  call->field_errors = errors;

  if (content_policy)
    return g_error_new_literal (KS_ERROR, KS_ERROR_CONTENT_POLICY,
                                _("The service’s content policy blocked this request. Change the prompt or the reference image and try again."));

  message = g_string_new (_("The service rejected these settings:"));
  for (guint i = 0; i < errors->len; i++)
    {
      KsFieldError *fe = g_ptr_array_index (errors, i);

      g_string_append (message, "\n");
      if (fe->field != NULL)
        g_string_append_printf (message, "%s: ", fe->field);
      g_string_append (message, fe->message);
    }
  if (errors->len == 0)
    g_string_append_printf (message, "\n%s", _("(no details were given)"));

  error = g_error_new_literal (KS_ERROR, KS_ERROR_VALIDATION, message->str);
  g_string_free (message, TRUE);

  return error;
}

/* Maps a finished non-2xx reply; *transient says whether another attempt
 * could help. */
static GError *
http_error (Call     *call,
            gboolean *transient)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (call->message);
  g_autofree char *detail = reply_detail (call);
  guint status = call->status;

  *transient = FALSE;

  if (call->kind == CALL_DOWNLOAD)
    {
      if (status == 403 || status == 404 || status == 410)
        return g_error_new (KS_ERROR, KS_ERROR_EXPIRED,
                            _("The image is no longer available on %s (HTTP %u); result images are kept only for a limited time."),
                            call->host, status);
    }

  if (call->kind == CALL_UPLOAD_PUT && status >= 400 && status < 500 && status != 429)
    return g_error_new (KS_ERROR, KS_ERROR_FAILED,
                        _("The storage service refused the upload (HTTP %u)."), status);

  switch (status)
    {
    case 400:
      if (call->kind == CALL_CANCEL)
        return g_error_new_literal (KS_ERROR, KS_ERROR_ALREADY_COMPLETED,
                                    _("The request had already finished; it can no longer be cancelled."));
      if (call->kind == CALL_RESULT)
        return g_error_new (KS_ERROR, KS_ERROR_FAILED,
                            _("The service has no result for this request: %s"),
                            detail != NULL ? detail : _("it is not complete."));
      return g_error_new (KS_ERROR, KS_ERROR_FAILED,
                          _("The service rejected the request: %s"),
                          detail != NULL ? detail : _("bad request (HTTP 400)."));

    case 401:
      return g_error_new_literal (KS_ERROR, KS_ERROR_UNAUTHORIZED,
                                  _("The service refused the API key. Check the key in Preferences, or set FAL_KEY."));

    case 403:
      if (detail != NULL)
        return g_error_new (KS_ERROR, KS_ERROR_FORBIDDEN,
                            _("The service refused the request: %s"), detail);
      return g_error_new_literal (KS_ERROR, KS_ERROR_FORBIDDEN,
                                  _("The service refused the request for this key. The account may be locked or out of credit."));

    case 404:
      switch (call->kind)
        {
        case CALL_RESULT:
          return g_error_new_literal (KS_ERROR, KS_ERROR_EXPIRED,
                                      _("The result is no longer available on the service; results are kept only for a limited time."));
        case CALL_SUBMIT:
          return g_error_new (KS_ERROR, KS_ERROR_NOT_FOUND,
                              _("The service does not offer the endpoint “%s”."), call->endpoint_id);
        case CALL_STATUS:
        case CALL_STREAM:
        case CALL_CANCEL:
          return g_error_new_literal (KS_ERROR, KS_ERROR_NOT_FOUND,
                                      _("The service does not know this request. It may have been made with another account or service."));
        case CALL_DOWNLOAD:
        case CALL_UPLOAD_INITIATE:
        case CALL_UPLOAD_PUT:
        default:
          return g_error_new (KS_ERROR, KS_ERROR_NOT_FOUND,
                              _("%s does not offer this address (HTTP 404)."), call->host);
        }

    case 422:
      return validation_error (call);

    case 429:
      *transient = TRUE;
      return g_error_new_literal (KS_ERROR, KS_ERROR_RATE_LIMITED,
                                  _("The service is receiving too many requests from this account. Wait a moment and try again."));

    case 504:
      if (g_strcmp0 (soup_message_headers_get_one (headers, "X-Fal-Request-Timeout-Type"), "user") == 0)
        return g_error_new_literal (KS_ERROR, KS_ERROR_TIMEOUT,
                                    _("The request did not start before its start deadline. Submit it again, or allow a longer start timeout."));
      *transient = TRUE;
      return g_error_new (KS_ERROR, KS_ERROR_SERVER,
                          _("The service’s gateway timed out (HTTP 504). Try again later."));

    case 502:
      *transient = TRUE;
      return g_error_new_literal (KS_ERROR, KS_ERROR_SERVER,
                                  _("The service’s gateway failed (HTTP 502). Try again later."));

    case 503:
      *transient = TRUE;
      return g_error_new_literal (KS_ERROR, KS_ERROR_SERVER,
                                  _("The service is temporarily unavailable (HTTP 503). Try again later."));

    case 500:
      *transient = TRUE;
      if (detail != NULL)
        return g_error_new (KS_ERROR, KS_ERROR_SERVER,
                            _("The service had an internal error: %s"), detail);
      return g_error_new_literal (KS_ERROR, KS_ERROR_SERVER,
                                  _("The service had an internal error (HTTP 500). Try again later."));

    default:
      if (status >= 500 && status < 600)
        return g_error_new (KS_ERROR, KS_ERROR_SERVER,
                            _("The service failed (HTTP %u). Try again later."), status);
      if (detail != NULL)
        return g_error_new (KS_ERROR, KS_ERROR_FAILED,
                            _("The service refused the request (HTTP %u): %s"), status, detail);
      return g_error_new (KS_ERROR, KS_ERROR_FAILED,
                          _("The service answered with an unexpected status (HTTP %u)."), status);
    }
}

/* Maps a failure to connect, send or read. *refused: the request
 * certainly never reached the server. */
static GError *
transport_error (Call         *call,
                 const GError *error,
                 gboolean     *transient,
                 gboolean     *refused)
{
  *transient = FALSE;
  *refused = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (KS_ERROR, KS_ERROR_TIMEOUT,
                        _("%s did not answer in time. Check the network connection and try again."),
                        call->host);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      *transient = TRUE;
      *refused = TRUE;
      return g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                          _("Could not connect to %s: the connection was refused."), call->host);
    }

  if (error->domain == G_RESOLVER_ERROR)
    {
      *transient = TRUE;
      return g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                          _("Could not find %s. Check the network connection."), call->host);
    }

  if (error->domain == G_TLS_ERROR)
    return g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                        _("Could not make a secure connection to %s: %s"), call->host, error->message);

  if (g_error_matches (error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS))
    return g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                        _("%s redirected too many times."), call->host);

  if (error->domain == SOUP_SESSION_ERROR || error->domain == G_IO_ERROR)
    *transient = TRUE;

  return g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                      _("The connection to %s failed: %s"), call->host, error->message);
}

static GError *
too_large_error (Call *call)
{
  g_autofree char *limit = g_format_size (call->max_body);

  if (call->kind == CALL_DOWNLOAD)
    return g_error_new (KS_ERROR, KS_ERROR_TOO_LARGE,
                        _("The image is larger than the limit of %s."), limit);

  return g_error_new (KS_ERROR, KS_ERROR_TOO_LARGE,
                      _("The service sent a reply larger than %s; it was not read."), limit);
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
    call_start (task);

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
      g_debug ("%s", error->message);
      g_error_free (error);
      return;
    }

  call_return_error (task, error);
}

/* ---- The request cycle ------------------------------------------------------------- */

static void call_read_body (GTask *task);
static void stream_read_next (GTask *task);

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

  error = http_error (call, &transient);

  if (call->kind == CALL_STREAM)
    {
      /* Only a real refusal is an error; anything else means "poll". */
      if (call->status != 401 && call->status != 403 && call->status != 404)
        {
          g_clear_error (&error);
          error = g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                               _("The status stream is not available (HTTP %u)."), call->status);
        }
      call_return_error (task, error);
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

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      GError *mapped = transport_error (call, error, &transient, &refused);

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

  if (call->buffer->len + g_bytes_get_size (bytes) > call->max_body)
    {
      if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
        {
          /* An error page: what was read is enough to explain it. */
          call_body_complete (task);
          return;
        }

      call_return_error (task, too_large_error (call));
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
      call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                                            _("%s redirected too many times."), call->host));
      return TRUE;
    }

  target = g_uri_resolve_relative (call->url, location, G_URI_FLAGS_NONE, NULL);
  if (target == NULL || !check_url (target, _("image"), &error))
    {
      call_return_error (task, error != NULL ? g_steal_pointer (&error)
                                             : g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                                                            _("%s redirected to an invalid address."),
                                                            call->host));
      return TRUE;
    }

  g_free (call->url);
  call->url = g_steal_pointer (&target);
  g_free (call->host);
  call->host = url_host (call->url);
  call_start (task);

  return TRUE;
}

static void
stream_begin (GTask *task);

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
      GError *mapped = transport_error (call, error, &transient, &refused);

      if (call->kind == CALL_SUBMIT)
        transient = refused;
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

  if (call->kind == CALL_STREAM && SOUP_STATUS_IS_SUCCESSFUL (call->status))
    {
      const char *type = soup_message_headers_get_content_type (headers, NULL);

      if (type == NULL || g_ascii_strcasecmp (type, "text/event-stream") != 0)
        {
          call_return_error (task, g_error_new_literal (KS_ERROR, KS_ERROR_NETWORK,
                                                        _("The service does not offer a status stream.")));
          return;
        }
      stream_begin (task);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (call->status))
    call->max_body = MIN (call->max_body, ERROR_REPLY_CAP);

  if (SOUP_STATUS_IS_SUCCESSFUL (call->status) &&
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (length = soup_message_headers_get_content_length (headers)) > 0 &&
      (guint64) length > call->max_body)
    {
      call_return_error (task, too_large_error (call));
      return;
    }

  call->buffer = g_byte_array_new ();
  call_read_body (task);
}

static void
call_start (GTask *task)
{
  KsClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  g_autofree char *log_url = NULL;

  call_reset_attempt (call);

  call->message = soup_message_new (call->method, call->url);
  if (call->message == NULL)
    {
      call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                                            _("The address for %s cannot be used."), call->host));
      return;
    }

  /* Redirects are followed by hand, for downloads only, so that every hop
   * is checked and no key ever follows one. */
  soup_message_add_flags (call->message, SOUP_MESSAGE_NO_REDIRECT);

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

static GTask *
call_new_task (KsClient            *self,
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
  call->session = g_object_ref (get_session (self, kind == CALL_STREAM));
  call->method = g_strdup (method);
  call->url = g_strdup (url);
  call->host = url != NULL ? url_host (url) : g_strdup ("?");
  call->authorize = authorize;
  call->accept = g_strdup ("application/json");
  call->max_body = JSON_REPLY_CAP;
  call->done = done;
  call->queue_position = -1;
  call->base_url = g_strdup (self->base_url);

  return task;
}

/* Checks an address that will carry the key: https (or loopback http), and
 * on the configured service, never on a host a reply named. */
static gboolean
check_api_url (KsClient    *self,
               const char  *url,
               GError     **error)
{
  if (!ks_client_check_base_url (self->base_url, error))
    return FALSE;

  if (!check_url (url, _("request"), error))
    return FALSE;

  if (!same_origin (url, self->base_url) &&
      !(ks_base_url_is_fal (self->base_url) && same_origin (url, KS_DEFAULT_BASE_URL)))
    {
      g_autofree char *host = url_host (url);

      g_set_error (error, KS_ERROR, KS_ERROR_INSECURE,
                   _("The request belongs to another service (%s) than the configured one; the key is not sent there."),
                   host);
      return FALSE;
    }

  return TRUE;
}

static JsonNode *
call_parse_json (GTask *task,
                 Call  *call)
{
  const char *content_type = reply_content_type (call);
  GError *error = NULL;
  JsonNode *root;

  if (!is_json_type (content_type))
    {
      if (content_type != NULL && g_ascii_strcasecmp (content_type, "text/html") == 0)
        error = g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                             _("%s sent a web page instead of data. A proxy or a captive portal may be in the way."),
                             call->host);
      else
        error = g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                             _("%s sent “%s” instead of JSON."), call->host, content_type);
      call_return_error (task, error);
      return NULL;
    }

  root = ks_json_parse_bytes (call->reply, &error);
  if (root == NULL)
    call_return_error (task, error);

  return root;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ks_client_finalize (GObject *object)
{
  KsClient *self = (KsClient *) object;

  drop_sessions (self);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_free (self->base_url);
  g_free (self->storage_url);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);

  G_OBJECT_CLASS (ks_client_parent_class)->finalize (object);
}

static void
ks_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsClient *self = KS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_STORAGE_URL:
      g_value_set_string (value, self->storage_url);
      break;
    case PROP_AUTH_SCHEME:
      g_value_set_enum (value, self->auth_scheme);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, self->request_timeout);
      break;
    case PROP_PRIORITY:
      g_value_set_enum (value, self->priority);
      break;
    case PROP_STORE_IO:
      g_value_set_boolean (value, self->store_io);
      break;
    case PROP_UPLOAD_REFERENCES:
      g_value_set_boolean (value, self->upload_references);
      break;
    case PROP_RETRY_BASE_DELAY:
      g_value_set_uint (value, self->retry_base_delay);
      break;
    case PROP_MAX_RETRIES:
      g_value_set_uint (value, self->max_retries);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    case PROP_USE_STREAMING:
      g_value_set_boolean (value, self->use_streaming);
      break;
    case PROP_HTTP_TIMEOUT:
      g_value_set_uint (value, self->http_timeout);
      break;
    case PROP_MAX_DOWNLOAD_BYTES:
      g_value_set_uint64 (value, self->max_download_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define SET_FIELD(field, new_value, prop)               \
  G_STMT_START {                                        \
    if (self->field != (new_value))                     \
      {                                                 \
        self->field = (new_value);                      \
        g_object_notify_by_pspec (object, properties[prop]); \
      }                                                 \
  } G_STMT_END

static void
ks_client_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsClient *self = KS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      ks_client_set_base_url (self, g_value_get_string (value));
      break;
    case PROP_STORAGE_URL:
      if (g_strcmp0 (self->storage_url, g_value_get_string (value)) != 0)
        {
          g_free (self->storage_url);
          self->storage_url = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_AUTH_SCHEME:
      ks_client_set_auth_scheme (self, g_value_get_enum (value));
      break;
    case PROP_REQUEST_TIMEOUT:
      SET_FIELD (request_timeout, g_value_get_uint (value), PROP_REQUEST_TIMEOUT);
      break;
    case PROP_PRIORITY:
      SET_FIELD (priority, (KsPriority) g_value_get_enum (value), PROP_PRIORITY);
      break;
    case PROP_STORE_IO:
      SET_FIELD (store_io, g_value_get_boolean (value) ? 1 : 0, PROP_STORE_IO);
      break;
    case PROP_UPLOAD_REFERENCES:
      SET_FIELD (upload_references, g_value_get_boolean (value) ? 1 : 0, PROP_UPLOAD_REFERENCES);
      break;
    case PROP_RETRY_BASE_DELAY:
      SET_FIELD (retry_base_delay, g_value_get_uint (value), PROP_RETRY_BASE_DELAY);
      break;
    case PROP_MAX_RETRIES:
      SET_FIELD (max_retries, g_value_get_uint (value), PROP_MAX_RETRIES);
      break;
    case PROP_POLL_INTERVAL:
      SET_FIELD (poll_interval, g_value_get_uint (value), PROP_POLL_INTERVAL);
      break;
    case PROP_USE_STREAMING:
      SET_FIELD (use_streaming, g_value_get_boolean (value) ? 1 : 0, PROP_USE_STREAMING);
      break;
    case PROP_HTTP_TIMEOUT:
      if (self->http_timeout != g_value_get_uint (value))
        {
          self->http_timeout = g_value_get_uint (value);
          drop_sessions (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_DOWNLOAD_BYTES:
      SET_FIELD (max_download_bytes, g_value_get_uint64 (value), PROP_MAX_DOWNLOAD_BYTES);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#undef SET_FIELD

static void
ks_client_class_init (KsClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ks_client_finalize;
  object_class->get_property = ks_client_get_property;
  object_class->set_property = ks_client_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, KS_DEFAULT_BASE_URL, flags);
  properties[PROP_STORAGE_URL] =
    g_param_spec_string ("storage-url", NULL, NULL, NULL, flags);
  properties[PROP_AUTH_SCHEME] =
    g_param_spec_enum ("auth-scheme", NULL, NULL, KS_TYPE_AUTH_SCHEME, KS_AUTH_KEY, flags);
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL, 0, 24 * 3600, 0, flags);
  properties[PROP_PRIORITY] =
    g_param_spec_enum ("priority", NULL, NULL, KS_TYPE_PRIORITY, KS_PRIORITY_DEFAULT, flags);
  properties[PROP_STORE_IO] =
    g_param_spec_boolean ("store-io", NULL, NULL, TRUE, flags);
  properties[PROP_UPLOAD_REFERENCES] =
    g_param_spec_boolean ("upload-references", NULL, NULL, FALSE, flags);
  properties[PROP_RETRY_BASE_DELAY] =
    g_param_spec_uint ("retry-base-delay", NULL, NULL, 0, 60000, 1000, flags);
  properties[PROP_MAX_RETRIES] =
    g_param_spec_uint ("max-retries", NULL, NULL, 0, 20, 5, flags);
  properties[PROP_POLL_INTERVAL] =
    g_param_spec_uint ("poll-interval", NULL, NULL, 10, 60000, 500, flags);
  properties[PROP_USE_STREAMING] =
    g_param_spec_boolean ("use-streaming", NULL, NULL, TRUE, flags);
  properties[PROP_HTTP_TIMEOUT] =
    g_param_spec_uint ("http-timeout", NULL, NULL, 1, 3600, 60, flags);
  properties[PROP_MAX_DOWNLOAD_BYTES] =
    g_param_spec_uint64 ("max-download-bytes", NULL, NULL, 1024, G_MAXUINT32, 64 * 1024 * 1024, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_client_init (KsClient *self)
{
  self->base_url = g_strdup (KS_DEFAULT_BASE_URL);
  self->auth_scheme = KS_AUTH_KEY;
  self->priority = KS_PRIORITY_DEFAULT;
  self->store_io = TRUE;
  self->retry_base_delay = 1000;
  self->max_retries = 5;
  self->poll_interval = 500;
  self->use_streaming = TRUE;
  self->http_timeout = 60;
  self->max_download_bytes = 64 * 1024 * 1024;
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

KsClient *
ks_client_new (const char *base_url)
{
  return g_object_new (KS_TYPE_CLIENT,
                       "base-url", base_url != NULL ? base_url : KS_DEFAULT_BASE_URL,
                       NULL);
}

void
ks_client_set_api_key (KsClient   *self,
                       const char *api_key)
{
  g_autofree char *key = NULL;

  g_return_if_fail (KS_IS_CLIENT (self));

  if (api_key != NULL)
    key = g_strstrip (g_strdup (api_key));

  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);

  if (key != NULL && key[0] != '\0')
    {
      /* A header value cannot carry line breaks or other control bytes. */
      for (const char *p = key; *p != '\0'; p++)
        if ((guchar) *p < 0x20 || (guchar) *p == 0x7f)
          {
            g_warning ("Ignoring an API key that contains control characters");
            return;
          }
      self->api_key = g_steal_pointer (&key);
    }
}

gboolean
ks_client_has_api_key (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return self->api_key != NULL;
}

const char *
ks_client_get_base_url (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);

  return self->base_url;
}

void
ks_client_set_base_url (KsClient   *self,
                        const char *base_url)
{
  g_autofree char *value = NULL;
  gsize len;

  g_return_if_fail (KS_IS_CLIENT (self));

  value = g_strdup (base_url != NULL ? base_url : KS_DEFAULT_BASE_URL);
  g_strstrip (value);
  len = strlen (value);
  while (len > 0 && value[len - 1] == '/')
    value[--len] = '\0';

  if (g_strcmp0 (self->base_url, value) == 0)
    return;

  g_free (self->base_url);
  self->base_url = g_steal_pointer (&value);
  drop_sessions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
}

gboolean
ks_client_is_fal_base (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return ks_base_url_is_fal (self->base_url);
}

KsAuthScheme
ks_client_get_auth_scheme (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), KS_AUTH_KEY);

  return self->auth_scheme;
}

void
ks_client_set_auth_scheme (KsClient     *self,
                           KsAuthScheme  scheme)
{
  g_return_if_fail (KS_IS_CLIENT (self));

  if (self->auth_scheme == scheme)
    return;

  self->auth_scheme = scheme;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_SCHEME]);
}

gboolean
ks_client_get_upload_references (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return self->upload_references;
}

gboolean
ks_client_get_use_streaming (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return self->use_streaming;
}

guint
ks_client_get_poll_interval (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), 500);

  return self->poll_interval;
}

guint
ks_client_get_retry_base_delay (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), 1000);

  return self->retry_base_delay;
}

/* ---- Submit ------------------------------------------------------------------------------ */

static void
submit_done (GTask *task,
             Call  *call)
{
  g_autoptr(JsonNode) root = call_parse_json (task, call);
  GError *error = NULL;
  KsRequest *request;

  if (root == NULL)
    return;

  request = ks_request_parse_submit (call->base_url, call->endpoint_id, root,
                                     &call->queue_position, &error);
  if (request == NULL)
    {
      call_return_error (task, error);
      return;
    }

  g_debug ("Submitted %s as %s", call->endpoint_id, request->request_id);
  g_task_return_pointer (task, request, (GDestroyNotify) ks_request_free);
}

void
ks_client_submit_async (KsClient            *self,
                        const char          *endpoint_id,
                        const char          *body_json,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (endpoint_id != NULL);
  g_return_if_fail (body_json != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  url = g_strdup_printf ("%s/%s", self->base_url, endpoint_id);
  task = call_new_task (self, CALL_SUBMIT, SOUP_METHOD_POST, url, TRUE, submit_done,
                        ks_client_submit_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  call->endpoint_id = g_strdup (endpoint_id);
  call->body = g_bytes_new (body_json, strlen (body_json));
  call->body_type = g_strdup ("application/json");

  if (!ks_client_check_base_url (self->base_url, &error) ||
      !ks_request_check_endpoint_id (endpoint_id, &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

KsRequest *
ks_client_submit_finish (KsClient      *self,
                         GAsyncResult  *result,
                         int           *queue_position,
                         GError       **error)
{
  KsRequest *request;

  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  request = g_task_propagate_pointer (G_TASK (result), error);
  if (queue_position != NULL)
    {
      Call *call = g_task_get_task_data (G_TASK (result));

      *queue_position = request != NULL ? call->queue_position : -1;
    }

  return request;
}

/* ---- Status ------------------------------------------------------------------------------ */

static void
redact_status (KsClient *self,
               KsStatus *status)
{
  if (status->error != NULL && self->api_key != NULL)
    {
      char *clean = redact (self, status->error);

      g_free (status->error);
      status->error = clean;
    }
}

static void
status_done (GTask *task,
             Call  *call)
{
  g_autoptr(JsonNode) root = call_parse_json (task, call);
  GError *error = NULL;
  KsStatus *status;

  if (root == NULL)
    return;

  status = ks_status_parse (root, &error);
  if (status == NULL)
    {
      call_return_error (task, error);
      return;
    }

  redact_status (g_task_get_source_object (task), status);
  g_task_return_pointer (task, status, (GDestroyNotify) ks_status_free);
}

void
ks_client_get_status_async (KsClient            *self,
                            const KsRequest     *request,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->status_url != NULL);

  url = with_logs_query (request->status_url);
  task = call_new_task (self, CALL_STATUS, SOUP_METHOD_GET, url, TRUE, status_done,
                        ks_client_get_status_async, cancellable, callback, user_data);

  if (!check_api_url (self, request->status_url, &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

KsStatus *
ks_client_get_status_finish (KsClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Status stream ----------------------------------------------------------------------- */

static void
on_sse_event (const char *event_type,
              const char *data,
              gpointer    user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(KsStatus) status = NULL;
  GError *error = NULL;

  if (call->completed != NULL || call->stream_error != NULL)
    return;

  if (strcmp (event_type, "message") != 0)
    return;

  bytes = g_bytes_new_static (data, strlen (data));
  root = ks_json_parse_bytes (bytes, &error);
  if (root != NULL)
    status = ks_status_parse (root, &error);

  if (status == NULL)
    {
      call->stream_error = error;
      return;
    }

  redact_status (g_task_get_source_object (task), status);

  if (call->func != NULL)
    call->func (status, call->func_data);

  if (status->state == KS_QUEUE_STATE_COMPLETED)
    call->completed = g_steal_pointer (&status);
}

static void
on_stream_read (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize size;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        call_return_error (task, g_steal_pointer (&error));
      else
        call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                                              _("The status stream broke off: %s"), error->message));
      return;
    }

  size = g_bytes_get_size (bytes);
  if (size == 0)
    {
      call_return_error (task, g_error_new_literal (KS_ERROR, KS_ERROR_NETWORK,
                                                    _("The status stream closed early.")));
      return;
    }

  if (!ks_sse_parser_feed (call->sse, g_bytes_get_data (bytes, NULL), size, &error))
    {
      call_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (call->stream_error != NULL)
    {
      call_return_error (task, g_steal_pointer (&call->stream_error));
      return;
    }

  if (call->completed != NULL)
    {
      /* The server closes after COMPLETED; nothing more is read. */
      g_clear_object (&call->stream);
      g_task_return_pointer (task, g_steal_pointer (&call->completed), (GDestroyNotify) ks_status_free);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  stream_read_next (task);
}

static void
stream_read_next (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->stream, 16 * 1024, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task),
                                   on_stream_read, g_object_ref (task));
}

static void
stream_begin (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  /* The parser calls back with the task, which the pending read keeps alive. */
  call->sse = ks_sse_parser_new (SSE_LINE_CAP, on_sse_event, NULL, task);
  stream_read_next (task);
}

static void
stream_not_expected (GTask *task,
                     Call  *call)
{
  /* A 2xx reply is handled by stream_begin(); this is never reached. */
  g_assert_not_reached ();
}

void
ks_client_stream_status_async (KsClient            *self,
                               const KsRequest     *request,
                               KsStatusFunc         func,
                               gpointer             func_data,
                               GDestroyNotify       func_data_destroy,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *stream_url = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->status_url != NULL);

  stream_url = stream_url_for (request->status_url);
  url = stream_url != NULL ? with_logs_query (stream_url) : NULL;
  task = call_new_task (self, CALL_STREAM, SOUP_METHOD_GET, url, TRUE, stream_not_expected,
                        ks_client_stream_status_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  g_free (call->accept);
  call->accept = g_strdup ("text/event-stream");
  call->func = func;
  call->func_data = func_data;
  call->func_data_destroy = func_data_destroy;

  if (!check_api_url (self, request->status_url, &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

KsStatus *
ks_client_stream_status_finish (KsClient      *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Result ------------------------------------------------------------------------------ */

static void
parse_result_in_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  Call *call = task_data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  KsResult *result;

  /* Results in sync mode carry whole images as data URIs: parse off the
   * main loop. */
  root = ks_json_parse_bytes (call->reply, &error);
  result = root != NULL ? ks_result_parse (root, &error) : NULL;

  if (result == NULL)
    call_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) ks_result_free);
}

static void
result_done (GTask *task,
             Call  *call)
{
  const char *content_type = reply_content_type (call);

  if (!is_json_type (content_type))
    {
      g_autoptr(JsonNode) root = call_parse_json (task, call);

      g_assert (root == NULL);
      return;
    }

  g_task_run_in_thread (task, parse_result_in_thread);
}

void
ks_client_get_result_async (KsClient            *self,
                            const KsRequest     *request,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->response_url != NULL);

  task = call_new_task (self, CALL_RESULT, SOUP_METHOD_GET, request->response_url, TRUE, result_done,
                        ks_client_get_result_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  /* Results in sync mode hold the images themselves. */
  call->max_body = MAX ((guint64) JSON_REPLY_CAP, self->max_download_bytes);

  if (!check_api_url (self, request->response_url, &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

KsResult *
ks_client_get_result_finish (KsClient      *self,
                             GAsyncResult  *result,
                             GPtrArray    **field_errors,
                             GError       **error)
{
  Call *call;

  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  call = g_task_get_task_data (G_TASK (result));
  if (field_errors != NULL)
    *field_errors = call->field_errors != NULL ? g_ptr_array_ref (call->field_errors) : NULL;

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Cancel ------------------------------------------------------------------------------ */

static void
cancel_done (GTask *task,
             Call  *call)
{
  g_task_return_boolean (task, TRUE);
}

void
ks_client_cancel_async (KsClient            *self,
                        const KsRequest     *request,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->cancel_url != NULL);

  task = call_new_task (self, CALL_CANCEL, SOUP_METHOD_PUT, request->cancel_url, TRUE, cancel_done,
                        ks_client_cancel_async, cancellable, callback, user_data);

  if (!check_api_url (self, request->cancel_url, &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

gboolean
ks_client_cancel_finish (KsClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Download ---------------------------------------------------------------------------- */

static void
download_done (GTask *task,
               Call  *call)
{
  call->content_type = g_strdup (reply_content_type (call));
  g_task_return_pointer (task, g_bytes_ref (call->reply), (GDestroyNotify) g_bytes_unref);
}

static void
decode_data_uri_in_thread (GTask        *task,
                           gpointer      source_object,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  Call *call = task_data;
  g_autofree char *content_type = NULL;
  GBytes *bytes;

  bytes = soup_uri_decode_data_uri (call->url, &content_type);
  if (bytes == NULL)
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_MALFORMED,
                               _("The service sent an image as a data URI that cannot be decoded."));
      return;
    }

  if (g_bytes_get_size (bytes) > call->max_body)
    {
      g_bytes_unref (bytes);
      g_task_return_error (task, too_large_error (call));
      return;
    }

  call->content_type = g_steal_pointer (&content_type);
  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
ks_client_download_async (KsClient            *self,
                          const char          *url,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (url != NULL);

  task = call_new_task (self, CALL_DOWNLOAD, SOUP_METHOD_GET,
                        g_ascii_strncasecmp (url, "data:", 5) == 0 ? NULL : url,
                        FALSE, download_done,
                        ks_client_download_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  g_free (call->accept);
  call->accept = g_strdup ("image/*");
  call->max_body = self->max_download_bytes;

  if (g_ascii_strncasecmp (url, "data:", 5) == 0)
    {
      /* The base64 text is already a third larger than the bytes. */
      if (strlen (url) / 4 * 3 > self->max_download_bytes + 3)
        {
          call_return_error (task, too_large_error (call));
          return;
        }
      call->url = g_strdup (url);
      g_task_run_in_thread (task, decode_data_uri_in_thread);
      return;
    }

  if (!check_url (url, _("image"), &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

GBytes *
ks_client_download_finish (KsClient      *self,
                           GAsyncResult  *result,
                           char         **content_type,
                           GError       **error)
{
  GBytes *bytes;

  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (content_type != NULL)
    {
      Call *call = g_task_get_task_data (G_TASK (result));

      *content_type = bytes != NULL ? g_strdup (call->content_type) : NULL;
    }

  return bytes;
}

/* ---- Upload ------------------------------------------------------------------------------ */

static const char *
storage_base (KsClient *self)
{
  if (self->storage_url != NULL && self->storage_url[0] != '\0')
    return self->storage_url;

  return ks_base_url_is_fal (self->base_url) ? KS_DEFAULT_STORAGE_URL : self->base_url;
}

static void
upload_put_done (GTask *task,
                 Call  *call)
{
  g_task_return_pointer (task, g_steal_pointer (&call->file_url), g_free);
}

static void
upload_initiate_done (GTask *task,
                      Call  *call)
{
  g_autoptr(JsonNode) root = call_parse_json (task, call);
  JsonObject *object;
  const char *upload_url;
  const char *file_url;
  GError *error = NULL;

  if (root == NULL)
    return;

  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  upload_url = ks_json_get_string_member (object, "upload_url");
  file_url = ks_json_get_string_member (object, "file_url");
  if (upload_url == NULL || file_url == NULL)
    {
      call_return_error (task, g_error_new_literal (KS_ERROR, KS_ERROR_MALFORMED,
                                                    _("The storage service sent a reply without “upload_url” or “file_url”.")));
      return;
    }

  if (!check_url (upload_url, _("upload"), &error) ||
      !check_url (file_url, _("uploaded file"), &error))
    {
      call_return_error (task, error);
      return;
    }

  /* The second step: an unauthenticated PUT of the bytes. */
  call->kind = CALL_UPLOAD_PUT;
  call->authorize = FALSE;
  call->attempt = 0;
  call->done = upload_put_done;
  call->file_url = g_strdup (file_url);
  g_free (call->method);
  call->method = g_strdup (SOUP_METHOD_PUT);
  g_free (call->url);
  call->url = g_strdup (upload_url);
  g_free (call->host);
  call->host = url_host (upload_url);
  g_clear_pointer (&call->body, g_bytes_unref);
  call->body = g_bytes_ref (g_object_get_data (G_OBJECT (task), "ks-upload-bytes"));
  g_free (call->body_type);
  call->body_type = g_strdup (g_object_get_data (G_OBJECT (task), "ks-upload-type"));
  g_free (call->accept);
  call->accept = NULL;

  call_start (task);
}

void
ks_client_upload_async (KsClient            *self,
                        GBytes              *bytes,
                        const char          *content_type,
                        const char          *file_name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  GError *error = NULL;
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (content_type != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "content_type");
  json_builder_add_string_value (builder, content_type);
  json_builder_set_member_name (builder, "file_name");
  json_builder_add_string_value (builder, file_name != NULL ? file_name : "image");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, NULL);

  url = g_strdup_printf ("%s/storage/upload/initiate?storage_type=fal-cdn-v3", storage_base (self));
  task = call_new_task (self, CALL_UPLOAD_INITIATE, SOUP_METHOD_POST, url, TRUE, upload_initiate_done,
                        ks_client_upload_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  call->body = g_bytes_new (body, strlen (body));
  call->body_type = g_strdup ("application/json");
  g_object_set_data_full (G_OBJECT (task), "ks-upload-bytes", g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "ks-upload-type", g_strdup (content_type), g_free);

  if (!ks_client_check_base_url (storage_base (self), &error))
    {
      call_return_error (task, error);
      return;
    }

  call_start (task);
}

char *
ks_client_upload_finish (KsClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
ks_client_lookup_upload (KsClient   *self,
                         const char *sha256)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  return g_hash_table_lookup (self->uploads, sha256);
}

void
ks_client_remember_upload (KsClient   *self,
                           const char *sha256,
                           const char *file_url)
{
  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (sha256 != NULL);
  g_return_if_fail (file_url != NULL);

  g_hash_table_replace (self->uploads, g_strdup (sha256), g_strdup (file_url));
}
