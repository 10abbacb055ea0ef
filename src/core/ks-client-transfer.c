#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client-private.h"
#include "ks-error.h"
#include "ks-json.h"

/* Images in and out: downloads of results, uploads of references. */

/* ---- Download ---------------------------------------------------------------------------- */

static void
download_done (GTask *task,
               Call  *call)
{
  call->content_type = g_strdup (_ks_client_reply_content_type (call));
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
      g_task_return_error (task, _ks_client_too_large_error (call));
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

  task = _ks_client_call_new_task (self, CALL_DOWNLOAD, SOUP_METHOD_GET,
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
          _ks_client_call_return_error (task, _ks_client_too_large_error (call));
          return;
        }
      call->url = g_strdup (url);
      g_task_run_in_thread (task, decode_data_uri_in_thread);
      return;
    }

  if (!_ks_client_check_url (url, _("image"), &error))
    {
      _ks_client_call_return_error (task, error);
      return;
    }

  _ks_client_call_start (task);
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
  g_autoptr(JsonNode) root = _ks_client_call_parse_json (task, call);
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
      _ks_client_call_return_error (task, g_error_new_literal (KS_ERROR, KS_ERROR_MALFORMED,
                                                               _("The storage service sent a reply without “upload_url” or “file_url”.")));
      return;
    }

  if (!_ks_client_check_url (upload_url, _("upload"), &error) ||
      !_ks_client_check_url (file_url, _("uploaded file"), &error))
    {
      _ks_client_call_return_error (task, error);
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
  call->host = _ks_client_url_host (upload_url);
  g_clear_pointer (&call->body, g_bytes_unref);
  call->body = g_bytes_ref (g_object_get_data (G_OBJECT (task), "ks-upload-bytes"));
  g_free (call->body_type);
  call->body_type = g_strdup (g_object_get_data (G_OBJECT (task), "ks-upload-type"));
  g_free (call->accept);
  call->accept = NULL;

  _ks_client_call_start (task);
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
  task = _ks_client_call_new_task (self, CALL_UPLOAD_INITIATE, SOUP_METHOD_POST, url, TRUE, upload_initiate_done,
                                   ks_client_upload_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  call->body = g_bytes_new (body, strlen (body));
  call->body_type = g_strdup ("application/json");
  g_object_set_data_full (G_OBJECT (task), "ks-upload-bytes", g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_object_set_data_full (G_OBJECT (task), "ks-upload-type", g_strdup (content_type), g_free);

  if (!ks_client_check_base_url (storage_base (self), &error))
    {
      _ks_client_call_return_error (task, error);
      return;
    }

  _ks_client_call_start (task);
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

