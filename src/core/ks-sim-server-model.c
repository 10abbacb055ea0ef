/* ks-sim-server-model.c: the simulated model: validation and images
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-sim-server-private.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-sim-image.h"

/* What happens to a job once it runs: its input is checked as the model
 * would (422 with a detail per field), "[policy]" and "[fail]" prompts
 * fail on purpose, and otherwise its images are made in a thread from the
 * prompt, the seed and the references. */

#define MAX_REFERENCE_PIXELS (64 * 1024 * 1024)

static const char *aspect_ratios[] = {
  "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21", NULL
};

/* ------------------------------------------------------------------ */
/* Validation, as the model does it when the result is asked for      */

void
_ks_sim_server_add_detail (JsonArray  *details,
                           const char *field,
                           const char *msg,
                           const char *type,
                           JsonNode   *input)
{
  JsonObject *item = json_object_new ();
  JsonArray *loc = json_array_new ();

  json_array_add_string_element (loc, "body");
  if (field != NULL)
    json_array_add_string_element (loc, field);
  json_object_set_array_member (item, "loc", loc);
  json_object_set_string_member (item, "msg", msg);
  json_object_set_string_member (item, "type", type);
  if (input != NULL)
    json_object_set_member (item, "input", json_node_copy (input));
  json_array_add_object_element (details, item);
}

static gboolean
member_is_null (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static void
check_number (JsonArray  *details,
              JsonObject *input,
              const char *field,
              double      minimum,
              double      maximum,
              gboolean    integer)
{
  JsonNode *node = json_object_get_member (input, field);
  g_autofree char *msg = NULL;
  double value;

  if (member_is_null (input, field))
    return;

  if (integer)
    {
      gint64 int_value;

      if (!ks_json_get_int_member (input, field, &int_value))
        {
          _ks_sim_server_add_detail (details, field, "Input should be a valid integer", "int_type", node);
          return;
        }
      value = (double) int_value;
    }
  else if (!ks_json_get_double_member (input, field, &value))
    {
      _ks_sim_server_add_detail (details, field, "Input should be a valid number", "float_type", node);
      return;
    }

  if (value < minimum)
    {
      msg = g_strdup_printf ("Input should be greater than or equal to %g", minimum);
      _ks_sim_server_add_detail (details, field, msg, "greater_than_equal", node);
    }
  else if (value > maximum)
    {
      msg = g_strdup_printf ("Input should be less than or equal to %g", maximum);
      _ks_sim_server_add_detail (details, field, msg, "less_than_equal", node);
    }
}

static void
check_choice (JsonArray          *details,
              JsonObject         *input,
              const char         *field,
              const char * const *choices)
{
  JsonNode *node = json_object_get_member (input, field);
  const char *value;
  GString *msg;

  if (member_is_null (input, field))
    return;

  value = ks_json_get_string_member (input, field);
  if (value != NULL && g_strv_contains (choices, value))
    return;

  msg = g_string_new ("Input should be ");
  for (guint i = 0; choices[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (msg, choices[i + 1] == NULL ? " or " : ", ");
      g_string_append_printf (msg, "'%s'", choices[i]);
    }
  _ks_sim_server_add_detail (details, field, msg->str, "literal_error", node);
  g_string_free (msg, TRUE);
}

static void
check_bool (JsonArray  *details,
            JsonObject *input,
            const char *field)
{
  if (!member_is_null (input, field) && !ks_json_get_bool_member (input, field, NULL))
    _ks_sim_server_add_detail (details, field, "Input should be a valid boolean", "bool_type",
                               json_object_get_member (input, field));
}

static void
check_string (JsonArray  *details,
              JsonObject *input,
              const char *field,
              gboolean    required)
{
  JsonNode *node = json_object_get_member (input, field);

  if (node == NULL)
    {
      if (required)
        _ks_sim_server_add_detail (details, field, "Field required", "missing", NULL);
      return;
    }

  if (ks_json_get_string_member (input, field) == NULL)
    _ks_sim_server_add_detail (details, field, "Input should be a valid string", "string_type", node);
}

static JsonArray *
validate_input (Job *job)
{
  static const char *formats[] = { "jpeg", "png", NULL };
  static const char *tolerances[] = { "1", "2", "3", "4", "5", "6", NULL };
  JsonObject *input = json_node_get_object (job->input);
  JsonArray *details = json_array_new ();

  check_string (details, input, "prompt", TRUE);

  if (job->mode == KS_MODE_EDIT)
    check_string (details, input, "image_url", TRUE);

  if (job->mode == KS_MODE_MULTI)
    {
      JsonArray *urls = ks_json_get_array_member (input, "image_urls");
      JsonNode *node = json_object_get_member (input, "image_urls");

      if (node == NULL)
        _ks_sim_server_add_detail (details, "image_urls", "Field required", "missing", NULL);
      else if (urls == NULL || json_array_get_length (urls) == 0)
        _ks_sim_server_add_detail (details, "image_urls", "Input should be a non-empty list of URLs", "list_type", node);
      else
        for (guint i = 0; i < json_array_get_length (urls); i++)
          {
            JsonNode *element = json_array_get_element (urls, i);

            if (!JSON_NODE_HOLDS_VALUE (element) ||
                json_node_get_value_type (element) != G_TYPE_STRING)
              {
                _ks_sim_server_add_detail (details, "image_urls", "Input should be a valid string", "string_type", element);
                break;
              }
          }
    }

  check_choice (details, input, "aspect_ratio", aspect_ratios);
  check_number (details, input, "guidance_scale", 1, 20, FALSE);
  check_number (details, input, "num_images", 1, 4, TRUE);
  if (!member_is_null (input, "seed") && !ks_json_get_uint64_member (input, "seed", NULL))
    _ks_sim_server_add_detail (details, "seed", "Input should be a valid integer", "int_type",
                               json_object_get_member (input, "seed"));
  check_choice (details, input, "output_format", formats);
  check_choice (details, input, "safety_tolerance", tolerances);
  check_bool (details, input, "sync_mode");
  check_bool (details, input, "enhance_prompt");

  return details;
}

/* {"detail":[…]}, the shape of fal's validation errors. */
char *
_ks_sim_server_details_json (JsonArray *details)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "detail", json_array_ref (details));
  json_node_take_object (root, object);

  return _ks_sim_server_node_to_string (root);
}

/* What the result request will answer: @status and @body (taken), with
 * @error_type in X-Fal-Error-Type when set. */
void
_ks_sim_server_job_set_result (Job        *job,
                               guint       status,
                               char       *body,
                               const char *error_type)
{
  g_free (job->result_body);
  job->result_body = body;
  job->result_status = status;
  g_free (job->result_error_type);
  job->result_error_type = g_strdup (error_type);
}

static void
job_set_result_422 (Job        *job,
                    JsonArray  *details,
                    const char *error_type)
{
  _ks_sim_server_job_set_result (job, 422, _ks_sim_server_details_json (details), error_type);
}

/* ------------------------------------------------------------------ */
/* Image generation, in a thread                                      */

typedef struct
{
  char   *uri;           /* a data: URI, decoded in the thread */
  GBytes *bytes;         /* a file of our own */
  char   *content_type;  /* … and its type */
  char   *text;          /* any other URL: the picture is drawn from its text */
} RefSource;

typedef struct
{
  KsMode     mode;
  char      *prompt;
  guint64    seed;
  int        width;    /* 0: from the reference */
  int        height;
  guint      num_images;
  gboolean   png;
  gboolean   sync_mode;
  GPtrArray *refs;     /* RefSource */
} GenInput;

typedef struct
{
  GBytes *bytes;
  char   *data_uri;  /* sync_mode only */
  int     width;
  int     height;
} GenImage;

static void
ref_source_free (gpointer data)
{
  RefSource *ref = data;

  g_free (ref->uri);
  g_clear_pointer (&ref->bytes, g_bytes_unref);
  g_free (ref->content_type);
  g_free (ref->text);
  g_free (ref);
}

static void
gen_input_free (gpointer data)
{
  GenInput *gen = data;

  g_free (gen->prompt);
  g_clear_pointer (&gen->refs, g_ptr_array_unref);
  g_free (gen);
}

static void
gen_image_free (gpointer data)
{
  GenImage *image = data;

  g_clear_pointer (&image->bytes, g_bytes_unref);
  g_free (image->data_uri);
  g_free (image);
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gboolean        *too_large)
{
  if ((gint64) width * height > MAX_REFERENCE_PIXELS)
    {
      *too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);  /* 0 × 0: the loader stops before allocating */
    }
}

static GdkPixbuf *
load_reference (RefSource  *ref,
                GError    **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *content_type = NULL;
  gboolean too_large = FALSE;
  GdkPixbuf *pixbuf;

  if (ref->text != NULL)
    return ks_sim_image_generate (ref->text, g_str_hash (ref->text), 1024, 768);

  if (ref->bytes != NULL)
    bytes = g_bytes_ref (ref->bytes);
  else
    bytes = soup_uri_decode_data_uri (ref->uri, &content_type);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           "Failed to load the image: the data URI could not be decoded.");
      return NULL;
    }

  /* The declared type first: without a MIME database (a sandbox, an
   * isolated test) the loader cannot sniff the format by itself. */
  if (content_type == NULL)
    content_type = g_strdup (ref->content_type);
  if (content_type != NULL)
    loader = gdk_pixbuf_loader_new_with_mime_type (content_type, NULL);
  if (loader == NULL)
    loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &too_large);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error) ||
      !gdk_pixbuf_loader_close (loader, &local_error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      g_set_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                   "Failed to load the image: %s", local_error->message);
      return NULL;
    }

  if (too_large)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                           "Failed to load the image: it has too many pixels.");
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           "Failed to load the image: it is not an image.");
      return NULL;
    }

  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

static void
generate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GenInput *gen = task_data;
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (gen_image_free);
  int width = gen->width, height = gen->height;

  for (guint i = 0; i < gen->refs->len; i++)
    {
      GError *error = NULL;
      GdkPixbuf *pixbuf = load_reference (g_ptr_array_index (gen->refs, i), &error);

      if (pixbuf == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (references, pixbuf);
    }

  if (width == 0 || height == 0)
    {
      if (references->len > 0)
        {
          GdkPixbuf *first = g_ptr_array_index (references, 0);

          ks_sim_image_size_for_ratio ((double) gdk_pixbuf_get_width (first) /
                                       gdk_pixbuf_get_height (first), &width, &height);
        }
      else
        ks_sim_image_size_for_aspect ("1:1", &width, &height);
    }

  for (guint n = 0; n < gen->num_images; n++)
    {
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GError) error = NULL;
      GenImage *image;
      char *buffer = NULL;
      gsize length = 0;
      gboolean saved;

      if (g_cancellable_is_cancelled (cancellable))
        break;

      if (references->len == 0)
        pixbuf = ks_sim_image_generate (gen->prompt, gen->seed + n, width, height);
      else
        {
          pixbuf = ks_sim_image_edit (g_ptr_array_index (references, 0),
                                      gen->prompt, gen->seed + n, width, height);

          /* Further references of a multi edit go in as insets. */
          for (guint r = 1; r < references->len && pixbuf != NULL; r++)
            {
              GdkPixbuf *extra = g_ptr_array_index (references, r);
              int inset_w = width / 4, inset_h = height / 4;
              int x = 16 + (int) (r - 1) * (inset_w + 16);

              if (x + inset_w > width)
                break;
              gdk_pixbuf_composite (extra, pixbuf, x, 16, inset_w, inset_h, x, 16,
                                    (double) inset_w / gdk_pixbuf_get_width (extra),
                                    (double) inset_h / gdk_pixbuf_get_height (extra),
                                    GDK_INTERP_BILINEAR, 255);
            }
        }

      if (pixbuf == NULL)
        {
          g_task_return_new_error (task, KS_ERROR, KS_ERROR_BAD_IMAGE,
                                   "Failed to load the image: it could not be scaled.");
          return;
        }

      if (gen->png)
        saved = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error,
                                           "compression", "1", NULL);
      else
        saved = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "jpeg", &error,
                                           "quality", "90", NULL);
      if (!saved)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      image = g_new0 (GenImage, 1);
      image->bytes = g_bytes_new_take (buffer, length);
      image->width = width;
      image->height = height;
      if (gen->sync_mode)
        {
          g_autofree char *base64 = g_base64_encode ((const guchar *) g_bytes_get_data (image->bytes, NULL),
                                                     g_bytes_get_size (image->bytes));

          image->data_uri = g_strdup_printf ("data:%s;base64,%s",
                                             gen->png ? "image/png" : "image/jpeg", base64);
        }
      g_ptr_array_add (images, image);
    }

  g_task_return_pointer (task, g_steal_pointer (&images), (GDestroyNotify) g_ptr_array_unref);
}

static void
job_build_result (KsSimServer *self,
                  Job         *job,
                  GenInput    *gen,
                  GPtrArray   *images)
{
  JsonObject *input = json_node_get_object (job->input);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *content_type = gen->png ? "image/png" : "image/jpeg";
  const char *ext = gen->png ? "png" : "jpeg";
  g_autofree char *lower = g_utf8_strdown (gen->prompt, -1);
  gboolean nsfw = strstr (lower, "[nsfw]") != NULL;
  gboolean enhance = FALSE;

  ks_json_get_bool_member (input, "enhance_prompt", &enhance);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < images->len; i++)
    {
      GenImage *image = g_ptr_array_index (images, i);
      g_autofree char *url = NULL;

      if (gen->sync_mode)
        url = g_strdup (image->data_uri);
      else
        {
          char *path = g_strdup_printf ("/files/%s/%u.%s", job->id, i, ext);

          url = g_strconcat (self->base_url, path, NULL);
          g_hash_table_replace (self->files, path, _ks_sim_server_stored_file_new (image->bytes, content_type));
          g_ptr_array_add (job->file_paths, g_strdup (path));
        }

      json_builder_begin_object (builder);
      _ks_sim_server_add_string_member (builder, "url", url);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, image->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, image->height);
      _ks_sim_server_add_string_member (builder, "content_type", content_type);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "timings");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "inference");
  json_builder_add_double_value (builder, self->run_time / 1000.0);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "has_nsfw_concepts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < images->len; i++)
    json_builder_add_boolean_value (builder, nsfw && i % 2 == 0);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "prompt");
  if (enhance)
    {
      g_autofree char *enhanced = g_strconcat (gen->prompt, ", highly detailed, balanced composition, soft natural light", NULL);

      json_builder_add_string_value (builder, enhanced);
    }
  else
    json_builder_add_string_value (builder, gen->prompt);

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  g_free (job->result_body);
  job->result_body = ks_json_to_string_with_uint64 (root, "seed", gen->seed, FALSE);
  job->result_status = 200;
}

static void
generate_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = G_TASK (result);
  KsSimServer *self = user_data;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;
  GenInput *gen;
  Job *job;

  /* The job (and maybe the server) is gone once its cancellable fired. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;

  job = g_object_get_data (G_OBJECT (task), "job");
  g_assert (job != NULL);
  gen = g_task_get_task_data (task);

  images = g_task_propagate_pointer (task, &error);
  if (images == NULL)
    {
      g_autoptr(JsonArray) details = json_array_new ();
      const char *field = job->mode == KS_MODE_MULTI ? "image_urls" : "image_url";

      _ks_sim_server_add_detail (details, field, error->message, "image_load_error", NULL);
      job_set_result_422 (job, details, "image_load_error");
    }
  else
    job_build_result (self, job, gen, images);

  job->images_ready = TRUE;
  _ks_sim_server_job_maybe_complete (self, job);
}

static RefSource *
ref_source_for_url (KsSimServer *self,
                    const char  *url)
{
  RefSource *ref = g_new0 (RefSource, 1);
  g_autofree char *own_prefix = g_strconcat (self->base_url, "/files/", NULL);

  if (g_ascii_strncasecmp (url, "data:", 5) == 0)
    ref->uri = g_strdup (url);
  else if (g_str_has_prefix (url, own_prefix))
    {
      const char *path = url + strlen (self->base_url);
      g_autofree char *clean = g_strndup (path, strcspn (path, "?#"));
      StoredFile *file = g_hash_table_lookup (self->files, clean);

      /* An empty reference fails to load, as a 404 would. */
      ref->bytes = file != NULL ? g_bytes_ref (file->bytes) : g_bytes_new_static ("", 0);
      ref->content_type = file != NULL ? g_strdup (file->content_type) : NULL;
    }
  else
    ref->text = g_strdup (url);

  return ref;
}

/* The images of @job, made in a thread from its input. */
static void
start_generation (KsSimServer *self,
                  Job         *job)
{
  JsonObject *input = json_node_get_object (job->input);
  g_autoptr(GTask) task = NULL;
  GenInput *gen = g_new0 (GenInput, 1);
  const char *aspect = ks_json_get_string_member (input, "aspect_ratio");
  const char *format = ks_json_get_string_member (input, "output_format");
  gint64 num_images = 1;

  gen->mode = job->mode;
  gen->prompt = g_strdup (ks_json_get_string_member (input, "prompt"));
  if (!ks_json_get_uint64_member (input, "seed", &gen->seed))
    gen->seed = ((guint64) g_random_int () << 32) | g_random_int ();
  ks_json_get_int_member (input, "num_images", &num_images);
  gen->num_images = (guint) CLAMP (num_images, 1, 4);
  gen->png = g_strcmp0 (format, "png") == 0;
  ks_json_get_bool_member (input, "sync_mode", &gen->sync_mode);
  gen->refs = g_ptr_array_new_with_free_func (ref_source_free);

  if (aspect != NULL)
    ks_sim_image_size_for_aspect (aspect, &gen->width, &gen->height);
  else if (job->mode == KS_MODE_TEXT_TO_IMAGE)
    ks_sim_image_size_for_aspect ("1:1", &gen->width, &gen->height);

  if (job->mode == KS_MODE_EDIT)
    g_ptr_array_add (gen->refs, ref_source_for_url (self, ks_json_get_string_member (input, "image_url")));
  else if (job->mode == KS_MODE_MULTI)
    {
      JsonArray *urls = ks_json_get_array_member (input, "image_urls");

      for (guint i = 0; i < json_array_get_length (urls); i++)
        g_ptr_array_add (gen->refs,
                         ref_source_for_url (self, json_array_get_string_element (urls, i)));
    }

  task = g_task_new (NULL, job->cancellable, generate_cb, self);
  g_task_set_source_tag (task, start_generation);
  g_task_set_task_data (task, gen, gen_input_free);
  g_object_set_data (G_OBJECT (task), "job", job);
  g_task_run_in_thread (task, generate_thread);
}

/* A job has started: decide its outcome, or set its images going. It
 * completes once both this and its run time are done. */
void
_ks_sim_server_model_run (KsSimServer *self,
                          Job         *job)
{
  g_autoptr(JsonArray) details = NULL;
  JsonObject *input = json_node_get_object (job->input);
  const char *prompt;

  details = validate_input (job);
  prompt = ks_json_get_string_member (input, "prompt");

  if (json_array_get_length (details) > 0)
    {
      job_set_result_422 (job, details, NULL);
      job->images_ready = TRUE;
    }
  else if (strstr (prompt, "[policy]") != NULL)
    {
      g_autoptr(JsonArray) policy = json_array_new ();

      _ks_sim_server_add_detail (policy, "prompt",
                                 "The content could not be processed because it was flagged by a content checker.",
                                 "content_policy_violation", json_object_get_member (input, "prompt"));
      job_set_result_422 (job, policy, "content_policy_violation");
      job->images_ready = TRUE;
    }
  else if (strstr (prompt, "[fail]") != NULL)
    {
      job->error = g_strdup ("The model failed while generating the image.");
      job->error_type = g_strdup ("runner_failed");
      _ks_sim_server_job_set_result (job, 500, _ks_sim_server_detail_json (job->error, job->error_type),
                                     "runner_failed");
      job->images_ready = TRUE;
    }
  else
    {
      start_generation (self, job);
    }
}
