#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client-private.h"
#include "ks-error.h"
#include "ks-json.h"

/* The status stream: GET status_url/stream (server-sent events). */

#define SSE_LINE_CAP          (1024 * 1024)
/* A stream's status events are small and it closes after COMPLETED: one
 * that goes on past this is cut off, and the job is followed by polling. */
#define SSE_TOTAL_CAP         ((guint64) 64 * 1024 * 1024)

static void stream_read_next (GTask *task);

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

  _ks_client_redact_status (g_task_get_source_object (task), status);

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
        _ks_client_call_return_error (task, g_steal_pointer (&error));
      else
        _ks_client_call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_NETWORK,
                                                         _("The status stream broke off: %s"), error->message));
      return;
    }

  size = g_bytes_get_size (bytes);
  if (size == 0)
    {
      _ks_client_call_return_error (task, g_error_new_literal (KS_ERROR, KS_ERROR_NETWORK,
                                                               _("The status stream closed early.")));
      return;
    }

  call->stream_bytes += size;
  if (call->stream_bytes > SSE_TOTAL_CAP)
    {
      g_autofree char *limit = g_format_size (SSE_TOTAL_CAP);

      _ks_client_call_return_error (task, g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                                                       _("The status stream sent more than %s without finishing; it was cut off."),
                                                       limit));
      return;
    }

  if (!ks_sse_parser_feed (call->sse, g_bytes_get_data (bytes, NULL), size, &error))
    {
      _ks_client_call_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (call->stream_error != NULL)
    {
      _ks_client_call_return_error (task, g_steal_pointer (&call->stream_error));
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

void
_ks_client_stream_begin (GTask *task)
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
  /* A 2xx reply is handled by _ks_client_stream_begin(); this is never reached. */
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
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->status_url != NULL);

  stream_url = stream_url_for (request->status_url);
  url = stream_url != NULL ? _ks_client_with_logs_query (stream_url) : NULL;
  task = _ks_client_call_new_task (self, CALL_STREAM, SOUP_METHOD_GET, url, TRUE, stream_not_expected,
                                   ks_client_stream_status_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  g_free (call->accept);
  call->accept = g_strdup ("text/event-stream");
  call->func = func;
  call->func_data = func_data;
  call->func_data_destroy = func_data_destroy;

  _ks_client_call_start_for_api (task, request->status_url);
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

