#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client-private.h"
#include "ks-error.h"
#include "ks-json.h"

/* The queue API: submit, status, result and cancel. */

/* ---- Submit ------------------------------------------------------------------------------ */

KsRequest *
ks_client_submit_accepted_request (KsClient     *self,
                                   GAsyncResult *result)
{
  Call *call;
  const char *id;

  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  call = g_task_get_task_data (G_TASK (result));
  if (call->message == NULL || !SOUP_STATUS_IS_SUCCESSFUL (call->status))
    return NULL;

  id = soup_message_headers_get_one (soup_message_get_response_headers (call->message),
                                     "x-fal-request-id");
  if (id == NULL || !ks_request_id_is_valid (id))
    return NULL;

  return ks_request_new (call->base_url, call->endpoint_id, id);
}

static void
submit_done (GTask *task,
             Call  *call)
{
  g_autoptr(JsonNode) root = _ks_client_call_parse_json (task, call);
  GError *error = NULL;
  KsRequest *request;

  if (root == NULL)
    return;

  request = ks_request_parse_submit (call->base_url, call->endpoint_id, root,
                                     &call->queue_position, &error);
  if (request == NULL)
    {
      _ks_client_call_return_error (task, error);
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
  task = _ks_client_call_new_task (self, CALL_SUBMIT, SOUP_METHOD_POST, url, TRUE, submit_done,
                                   ks_client_submit_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  call->endpoint_id = g_strdup (endpoint_id);
  call->body = g_bytes_new (body_json, strlen (body_json));
  call->body_type = g_strdup ("application/json");

  if (!ks_client_check_base_url (self->base_url, &error) ||
      !ks_request_check_endpoint_id (endpoint_id, &error))
    {
      _ks_client_call_return_error (task, error);
      return;
    }

  _ks_client_call_start (task);
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

gboolean
ks_client_submit_may_be_queued (KsClient     *self,
                                GAsyncResult *result)
{
  Call *call;

  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  call = g_task_get_task_data (G_TASK (result));

  /* No answer although the request went out, or an answer of success
   * that could not be read. */
  if (call->status == 0)
    return !call->refused;

  return SOUP_STATUS_IS_SUCCESSFUL (call->status);
}

/* ---- Status ------------------------------------------------------------------------------ */

static void
status_done (GTask *task,
             Call  *call)
{
  g_autoptr(JsonNode) root = _ks_client_call_parse_json (task, call);
  GError *error = NULL;
  KsStatus *status;

  if (root == NULL)
    return;

  status = ks_status_parse (root, &error);
  if (status == NULL)
    {
      _ks_client_call_return_error (task, error);
      return;
    }

  _ks_client_redact_status (g_task_get_source_object (task), status);
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

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->status_url != NULL);

  url = _ks_client_with_logs_query (request->status_url);
  task = _ks_client_call_new_task (self, CALL_STATUS, SOUP_METHOD_GET, url, TRUE, status_done,
                                   ks_client_get_status_async, cancellable, callback, user_data);

  _ks_client_call_start_for_api (task, request->status_url);
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

/* ---- Result ------------------------------------------------------------------------------ */

#define SMALL_RESULT_BYTES (64 * 1024)

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
    _ks_client_call_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) ks_result_free);
}

static void
result_done (GTask *task,
             Call  *call)
{
  const char *content_type = _ks_client_reply_content_type (call);

  if (!_ks_client_is_json_type (content_type))
    {
      g_autoptr(JsonNode) root = _ks_client_call_parse_json (task, call);

      g_assert (root == NULL);
      return;
    }

  /* A small reply (no inline images) is parsed at once: the trip to a
   * worker and back costs more than the parse, on the way from COMPLETED
   * to the images. */
  if (call->reply != NULL && g_bytes_get_size (call->reply) <= SMALL_RESULT_BYTES)
    {
      parse_result_in_thread (task, g_task_get_source_object (task), call,
                              g_task_get_cancellable (task));
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
  Call *call;

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->response_url != NULL);

  task = _ks_client_call_new_task (self, CALL_RESULT, SOUP_METHOD_GET, request->response_url, TRUE, result_done,
                                   ks_client_get_result_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  /* Results in sync mode hold the images themselves. */
  call->max_body = MAX ((guint64) JSON_REPLY_CAP, self->max_download_bytes);

  _ks_client_call_start_for_api (task, request->response_url);
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

  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (request != NULL && request->cancel_url != NULL);

  task = _ks_client_call_new_task (self, CALL_CANCEL, SOUP_METHOD_PUT, request->cancel_url, TRUE, cancel_done,
                                   ks_client_cancel_async, cancellable, callback, user_data);

  _ks_client_call_start_for_api (task, request->cancel_url);
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

