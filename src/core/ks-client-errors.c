#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client-private.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"

/* Replies and errors: what the service said (or the network did), in
 * words a person can act on, and never with the key in them. */

#define DETAIL_MAX_CHARS      400

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

void
_ks_client_call_return_error (GTask  *task,
                              GError *error)
{
  KsClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  if (error->domain == KS_ERROR && self->api_key != NULL)
    {
      g_autofree char *message = redact (self, error->message);

      g_free (error->message);
      error->message = g_steal_pointer (&message);
    }

  /* A 422's field messages are the service's words too. */
  if (self->api_key != NULL && call != NULL && call->field_errors != NULL)
    for (guint i = 0; i < call->field_errors->len; i++)
      {
        KsFieldError *fe = g_ptr_array_index (call->field_errors, i);
        char *clean = fe->message != NULL ? redact (self, fe->message) : NULL;

        g_free (fe->message);
        fe->message = clean;
      }

  g_task_return_error (task, error);
}

void
_ks_client_redact_status (KsClient *self,
                          KsStatus *status)
{
  if (status->error != NULL && self->api_key != NULL)
    {
      char *clean = redact (self, status->error);

      g_free (status->error);
      status->error = clean;
    }

  /* Log lines are shown and kept in the record. */
  for (guint i = 0; self->api_key != NULL && status->logs != NULL && i < status->logs->len; i++)
    {
      KsLogEntry *entry = g_ptr_array_index (status->logs, i);
      char *clean = entry->message != NULL ? redact (self, entry->message) : NULL;

      g_free (entry->message);
      entry->message = clean;
    }
}

/* For debug lines that carry the service's words. */
char *
_ks_client_redact (KsClient   *self,
                   const char *text)
{
  return redact (self, text);
}

const char *
_ks_client_reply_content_type (Call *call)
{
  if (call->message == NULL)
    return NULL;

  return soup_message_headers_get_content_type (soup_message_get_response_headers (call->message), NULL);
}

gboolean
_ks_client_is_json_type (const char *content_type)
{
  return content_type == NULL ||
         g_ascii_strcasecmp (content_type, "application/json") == 0 ||
         g_ascii_strcasecmp (content_type, "text/json") == 0 ||
         g_str_has_suffix (content_type, "+json");
}

static JsonNode *
reply_json (Call *call)
{
  const char *content_type = _ks_client_reply_content_type (call);

  if (call->reply == NULL || content_type == NULL ||
      !_ks_client_is_json_type (content_type))
    return NULL;

  return ks_json_parse_bytes (call->reply, NULL);
}

/* "field: message" for each error, after what @out holds already, with
 * @separator between them. */
static void
append_field_errors (GString    *out,
                     GPtrArray  *errors,
                     const char *separator)
{
  for (guint i = 0; i < errors->len; i++)
    {
      KsFieldError *fe = g_ptr_array_index (errors, i);

      if (out->len > 0)
        g_string_append (out, separator);
      if (fe->field != NULL)
        g_string_append_printf (out, "%s: ", fe->field);
      g_string_append (out, fe->message);
    }
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

      append_field_errors (lines, errors, "; ");
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
  append_field_errors (message, errors, "\n");
  if (errors->len == 0)
    g_string_append_printf (message, "\n%s", _("(no details were given)"));

  error = g_error_new_literal (KS_ERROR, KS_ERROR_VALIDATION, message->str);
  g_string_free (message, TRUE);

  return error;
}

/* Maps a finished non-2xx reply; *transient says whether another attempt
 * could help. */
GError *
_ks_client_http_error (Call     *call,
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
GError *
_ks_client_transport_error (Call         *call,
                            const GError *error,
                            gboolean     *transient,
                            gboolean     *refused)
{
  *transient = FALSE;
  *refused = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  /* Another attempt may well be answered; a submit is not retried on it
   * (its caller decides: it may have reached the service). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      *transient = TRUE;
      return g_error_new (KS_ERROR, KS_ERROR_TIMEOUT,
                          _("%s did not answer in time. Check the network connection and try again."),
                          call->host);
    }

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

  /* A certificate refused, or no TLS at all: the handshake failed before
   * a byte of the request went out. Never retried, never bypassed. */
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
      g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) ||
      g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE))
    *refused = TRUE;

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

GError *
_ks_client_too_large_error (Call *call)
{
  g_autofree char *limit = g_format_size (call->max_body);

  if (call->kind == CALL_DOWNLOAD)
    return g_error_new (KS_ERROR, KS_ERROR_TOO_LARGE,
                        _("The image is larger than the limit of %s."), limit);

  return g_error_new (KS_ERROR, KS_ERROR_TOO_LARGE,
                      _("The service sent a reply larger than %s; it was not read."), limit);
}

JsonNode *
_ks_client_call_parse_json (GTask *task,
                            Call  *call)
{
  const char *content_type = _ks_client_reply_content_type (call);
  GError *error = NULL;
  JsonNode *root;

  if (!_ks_client_is_json_type (content_type))
    {
      if (content_type != NULL && g_ascii_strcasecmp (content_type, "text/html") == 0)
        error = g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                             _("%s sent a web page instead of data. A proxy or a captive portal may be in the way."),
                             call->host);
      else
        error = g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                             _("%s sent “%s” instead of JSON."), call->host, content_type);
      _ks_client_call_return_error (task, error);
      return NULL;
    }

  root = ks_json_parse_bytes (call->reply, &error);
  if (root == NULL)
    _ks_client_call_return_error (task, error);

  return root;
}

