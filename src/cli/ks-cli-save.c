#define G_LOG_DOMAIN "ks-cli"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"
#include "ks-cli-save.h"

char *
ks_cli_image_basename (KsJob      *job,
                       KsJobImage *image)
{
  return g_strdup_printf ("%s-%u.%s",
                          ks_job_get_request_id (job),
                          ks_job_image_get_index (image) + 1,
                          ks_job_image_get_extension (image));
}

char *
ks_cli_build_sidecar (KsJob      *job,
                      KsJobImage *image,
                      const char *file_name)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  const KsRequest *request = ks_job_get_request (job);
  const KsResult *result = ks_job_get_result (job);
  KsParams *params = ks_job_get_params (job);
  const char *url = ks_job_image_get_url (image);
  const char *endpoint_id = request ? request->endpoint_id : NULL;
  const char *seed = ks_job_get_seed (job);
  g_autofree char *text = NULL;

  json_node_take_object (root, object);

  if (endpoint_id == NULL && params != NULL)
    endpoint_id = ks_endpoint_get_id (ks_params_get_endpoint (params));

  json_object_set_string_member (object, "file", file_name);
  json_object_set_string_member (object, "request_id", ks_job_get_request_id (job));
  if (endpoint_id != NULL)
    json_object_set_string_member (object, "endpoint", endpoint_id);
  json_object_set_int_member (object, "index", ks_job_image_get_index (image));
  json_object_set_int_member (object, "width", ks_job_image_get_width (image));
  json_object_set_int_member (object, "height", ks_job_image_get_height (image));
  json_object_set_string_member (object, "content_type", ks_job_image_get_content_type (image));
  json_object_set_boolean_member (object, "has_nsfw_concepts",
                                  ks_job_image_get_has_nsfw_concepts (image));
  /* Data URIs (sync mode) are the image itself: the file holds that. */
  if (url != NULL && !g_str_has_prefix (url, "data:"))
    json_object_set_string_member (object, "url", url);
  if (ks_job_get_returned_prompt (job) != NULL)
    json_object_set_string_member (object, "prompt", ks_job_get_returned_prompt (job));
  if (ks_job_get_inference_time (job) >= 0)
    json_object_set_double_member (object, "inference_time", ks_job_get_inference_time (job));
  if (params != NULL)
    json_object_set_member (object, "parameters", ks_params_to_json (params));
  if (seed != NULL)
    json_object_set_string_member (object, "seed_string", seed);

  if (result != NULL && result->has_seed)
    text = ks_json_to_string_with_uint64 (root, "seed", result->seed, TRUE);
  else
    text = json_to_string (root, TRUE);

  return g_strconcat (text, "\n", NULL);
}

typedef struct
{
  char   *image_path;
  char   *sidecar_path;
  GBytes *bytes;
  char   *sidecar;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->image_path);
  g_free (data->sidecar_path);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data->sidecar);
  g_free (data);
}

static gboolean
write_atomically (const char  *path,
                  const char  *contents,
                  gsize        length,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, contents, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                 &local_error))
    {
      g_set_error (error, KS_ERROR, KS_ERROR_IO,
                   _("Could not write %s: %s"), path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  GError *error = NULL;
  gsize size = 0;
  const char *bytes = g_bytes_get_data (data->bytes, &size);

  if (!write_atomically (data->image_path, bytes, size, &error) ||
      !write_atomically (data->sidecar_path, data->sidecar, strlen (data->sidecar), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
ks_cli_save_image_async (KsJob               *job,
                         KsJobImage          *image,
                         GFile               *directory,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) image_file = NULL;
  g_autofree char *basename = NULL;
  g_autoptr(GFile) sidecar_file = NULL;
  g_autofree char *sidecar_name = NULL;
  SaveData *data;

  g_return_if_fail (KS_IS_JOB (job));
  g_return_if_fail (KS_IS_JOB_IMAGE (image));
  g_return_if_fail (G_IS_FILE (directory));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cli_save_image_async);

  basename = ks_cli_image_basename (job, image);
  sidecar_name = g_strdup_printf ("%s-%u.json",
                                  ks_job_get_request_id (job),
                                  ks_job_image_get_index (image) + 1);
  image_file = g_file_get_child (directory, basename);
  sidecar_file = g_file_get_child (directory, sidecar_name);

  data = g_new0 (SaveData, 1);
  data->image_path = g_file_get_path (image_file);
  data->sidecar_path = g_file_get_path (sidecar_file);
  data->bytes = g_bytes_ref (ks_job_image_get_bytes (image));
  data->sidecar = ks_cli_build_sidecar (job, image, basename);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  g_task_run_in_thread (task, save_thread);
}

gboolean
ks_cli_save_image_finish (GAsyncResult  *result,
                          char         **image_path,
                          char         **sidecar_path,
                          GError       **error)
{
  SaveData *data;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  data = g_task_get_task_data (G_TASK (result));
  if (image_path != NULL)
    *image_path = g_strdup (data->image_path);
  if (sidecar_path != NULL)
    *sidecar_path = g_strdup (data->sidecar_path);

  return TRUE;
}
