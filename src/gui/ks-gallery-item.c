#define G_LOG_DOMAIN "ks-gallery-item"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "ks-gallery-item.h"

struct _KsGalleryItem
{
  GObject       parent_instance;

  KsJob        *job;
  KsJobImage   *image;
  GdkTexture   *thumbnail;
  GdkTexture   *texture;
  GFile        *file;
  GCancellable *cancellable;

  guint         simulated : 1;
  guint         loading_thumbnail : 1;
  guint         loading_texture : 1;
};

G_DEFINE_FINAL_TYPE (KsGalleryItem, ks_gallery_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_JOB,
  PROP_IMAGE,
  PROP_THUMBNAIL,
  PROP_TEXTURE,
  PROP_SIMULATED,
  PROP_TITLE,
  PROP_SUBTITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Worker threads --------------------------------------------------- */

typedef struct
{
  GdkPixbuf *pixbuf;     /* decoded already, or NULL */
  GBytes    *bytes;      /* as downloaded, or NULL */
  int        size;       /* thumbnail: fit size × size; 0 for the full image */
  char      *file_path;  /* where to write the bytes for drags, or NULL */
  char      *format;     /* "jpeg" / "png" when the bytes must be encoded */
} LoadData;

typedef struct
{
  GdkPixbuf *pixbuf;
  GFile     *file;       /* written, or NULL */
} LoadResult;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->pixbuf);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data->file_path);
  g_free (data->format);
  g_free (data);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_object (&result->pixbuf);
  g_clear_object (&result->file);
  g_free (result);
}

static GdkPixbuf *
scale_to_fit (GdkPixbuf *pixbuf,
              int        size)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  double scale;

  if (size <= 0 || (width <= size && height <= size))
    return g_object_ref (pixbuf);

  scale = MIN ((double) size / width, (double) size / height);

  return gdk_pixbuf_scale_simple (pixbuf,
                                  MAX (1, (int) (width * scale + 0.5)),
                                  MAX (1, (int) (height * scale + 0.5)),
                                  GDK_INTERP_BILINEAR);
}

/* Writes the image for drags. Failure only means a drag offers the
 * texture alone, so it is logged at debug level. */
static GFile *
write_cache_file (LoadData  *data,
                  GdkPixbuf *pixbuf)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autofree char *dir = NULL;
  GBytes *bytes = data->bytes;

  if (bytes == NULL)
    {
      encoded = ks_image_encode (pixbuf, data->format, 92, &error);
      if (encoded == NULL)
        {
          g_debug ("Could not encode the image for drags: %s", error->message);
          return NULL;
        }
      bytes = encoded;
    }

  dir = g_path_get_dirname (data->file_path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_debug ("Could not create %s: %s", dir, g_strerror (errno));
      return NULL;
    }

  if (!g_file_set_contents (data->file_path,
                            g_bytes_get_data (bytes, NULL),
                            g_bytes_get_size (bytes),
                            &error))
    {
      g_debug ("Could not write the image for drags: %s", error->message);
      return NULL;
    }

  return g_file_new_for_path (data->file_path);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  LoadResult *result;

  if (data->pixbuf != NULL)
    pixbuf = g_object_ref (data->pixbuf);
  else if (data->bytes != NULL)
    {
      GError *error = NULL;
      KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;

      pixbuf = ks_image_decode (data->bytes, &limits, NULL, &error);
      if (pixbuf == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_BAD_IMAGE,
                               _("The image has not been downloaded."));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  result = g_new0 (LoadResult, 1);
  result->pixbuf = data->size > 0 ? scale_to_fit (pixbuf, data->size) : g_steal_pointer (&pixbuf);
  if (data->file_path != NULL)
    result->file = write_cache_file (data, pixbuf != NULL ? pixbuf : result->pixbuf);

  g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

static char *
cache_file_path (KsGalleryItem *self)
{
  const char *request_id = ks_job_get_request_id (self->job);
  g_autofree char *uuid = NULL;
  g_autofree char *name = NULL;

  if (request_id == NULL)
    request_id = uuid = g_uuid_string_random ();

  name = g_strdup_printf ("kontext-%s-%u.%s", request_id,
                          ks_job_image_get_index (self->image) + 1,
                          ks_job_image_get_extension (self->image));

  return g_build_filename (g_get_user_cache_dir (), "kontext-studio", "images", name, NULL);
}

static void
start_load (KsGalleryItem       *self,
            int                  size,
            gboolean             write_file,
            GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;
  GBytes *bytes;
  GdkPixbuf *pixbuf;

  data = g_new0 (LoadData, 1);
  pixbuf = ks_job_image_get_pixbuf (self->image);
  bytes = ks_job_image_get_bytes (self->image);
  data->pixbuf = pixbuf != NULL ? g_object_ref (pixbuf) : NULL;
  data->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  data->size = size;
  data->format = g_strcmp0 (ks_job_image_get_extension (self->image), "png") == 0
                 ? g_strdup ("png") : g_strdup ("jpeg");
  if (write_file && self->file == NULL)
    data->file_path = cache_file_path (self);

  task = g_task_new (self, self->cancellable, callback, NULL);
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

static void
thumbnail_loaded (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);
  g_autoptr(GError) error = NULL;
  LoadResult *loaded;

  loaded = g_task_propagate_pointer (G_TASK (result), &error);
  if (loaded == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("Could not make a thumbnail: %s", error->message);
          self->loading_thumbnail = FALSE;
        }
      return;
    }

  self->loading_thumbnail = FALSE;
  if (loaded->file != NULL && self->file == NULL)
    self->file = g_object_ref (loaded->file);
  g_clear_object (&self->thumbnail);
  self->thumbnail = gdk_texture_new_for_pixbuf (loaded->pixbuf);
  load_result_free (loaded);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

static void
texture_loaded (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);
  g_autoptr(GError) error = NULL;
  LoadResult *loaded;

  loaded = g_task_propagate_pointer (G_TASK (result), &error);
  if (loaded == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("Could not load the image: %s", error->message);
          self->loading_texture = FALSE;
        }
      return;
    }

  self->loading_texture = FALSE;
  g_clear_object (&self->texture);
  self->texture = gdk_texture_new_for_pixbuf (loaded->pixbuf);
  load_result_free (loaded);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

/* ---- Words ------------------------------------------------------------ */

static char *
dup_job_words (KsJob *job)
{
  int position;

  switch (ks_job_get_state (job))
    {
    case KS_JOB_STATE_PENDING:
      return g_strdup (_("Starting…"));
    case KS_JOB_STATE_PREPARING:
      return g_strdup (_("Preparing references…"));
    case KS_JOB_STATE_SUBMITTING:
      return g_strdup (_("Submitting…"));
    case KS_JOB_STATE_IN_QUEUE:
      position = ks_job_get_queue_position (job);
      if (position < 0)
        return g_strdup (_("In queue"));
      if (position == 0)
        return g_strdup (_("In queue · next"));
      /* The service counts from 0 (0 is next); people count from 1. */
      return g_strdup_printf (_("In queue · position %d"), position + 1);
    case KS_JOB_STATE_IN_PROGRESS:
      return g_strdup_printf (_("Generating · %d s"),
                              (int) MAX (0.0, ks_job_get_elapsed (job)));
    case KS_JOB_STATE_DOWNLOADING:
      return g_strdup (_("Downloading…"));
    case KS_JOB_STATE_COMPLETED:
      return g_strdup (_("Finished"));
    case KS_JOB_STATE_FAILED:
      {
        const GError *error = ks_job_get_error (job);

        if (error != NULL && error->message != NULL && *error->message != '\0')
          return g_strdup (error->message);
        return g_strdup (_("The job failed."));
      }
    case KS_JOB_STATE_CANCELLED:
      return g_strdup (_("Cancelled"));
    default:
      g_assert_not_reached ();
    }

  return NULL;
}

static char *
dup_image_words (KsGalleryItem *self)
{
  KsParams *params = ks_job_get_params (self->job);
  GdkPixbuf *pixbuf = ks_job_image_get_pixbuf (self->image);
  GString *words = g_string_new (NULL);
  const char *seed = ks_job_get_seed (self->job);
  g_autofree char *fixed_seed = NULL;
  int width, height;

  if (params != NULL)
    {
      switch (ks_endpoint_get_model (ks_params_get_endpoint (params)))
        {
        case KS_MODEL_PRO:
          g_string_append (words, _("Pro"));
          break;
        case KS_MODEL_MAX:
          g_string_append (words, _("Max"));
          break;
        default:
          g_assert_not_reached ();
        }
    }

  if (pixbuf != NULL)
    {
      width = gdk_pixbuf_get_width (pixbuf);
      height = gdk_pixbuf_get_height (pixbuf);
    }
  else
    {
      width = ks_job_image_get_width (self->image);
      height = ks_job_image_get_height (self->image);
    }

  if (width > 0 && height > 0)
    {
      if (words->len > 0)
        g_string_append (words, " · ");
      /* TRANSLATORS: an image's size in pixels, width × height */
      g_string_append_printf (words, _("%d × %d"), width, height);
    }

  if (seed == NULL && params != NULL)
    {
      guint64 value;

      if (ks_params_get_seed (params, &value))
        seed = fixed_seed = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
    }

  if (seed != NULL)
    {
      if (words->len > 0)
        g_string_append (words, " · ");
      g_string_append_printf (words, _("seed %s"), seed);
    }

  return g_string_free (words, FALSE);
}

/* ---- GObject ---------------------------------------------------------- */

static void
on_job_changed (KsGalleryItem *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

static void
ks_gallery_item_constructed (GObject *object)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);
  static const char * const job_signals[] = {
    "notify::state", "notify::queue-position", "notify::elapsed",
    "notify::error", "notify::seed",
  };

  G_OBJECT_CLASS (ks_gallery_item_parent_class)->constructed (object);

  g_return_if_fail (KS_IS_JOB (self->job));

  for (guint i = 0; i < G_N_ELEMENTS (job_signals); i++)
    {
      /* An image's words only depend on the seed. */
      if (self->image != NULL && !g_str_equal (job_signals[i], "notify::seed"))
        continue;
      g_signal_connect_object (self->job, job_signals[i],
                               G_CALLBACK (on_job_changed), self,
                               G_CONNECT_SWAPPED);
    }
}

static void
ks_gallery_item_dispose (GObject *object)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (ks_gallery_item_parent_class)->dispose (object);
}

static void
ks_gallery_item_finalize (GObject *object)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_object (&self->image);
  g_clear_object (&self->job);

  G_OBJECT_CLASS (ks_gallery_item_parent_class)->finalize (object);
}

static void
ks_gallery_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);

  switch (prop_id)
    {
    case PROP_JOB:
      g_value_set_object (value, self->job);
      break;
    case PROP_IMAGE:
      g_value_set_object (value, self->image);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    case PROP_SIMULATED:
      g_value_set_boolean (value, self->simulated);
      break;
    case PROP_TITLE:
      g_value_set_string (value, ks_gallery_item_get_title (self));
      break;
    case PROP_SUBTITLE:
      g_value_take_string (value, ks_gallery_item_dup_subtitle (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_item_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);

  switch (prop_id)
    {
    case PROP_JOB:
      self->job = g_value_dup_object (value);
      break;
    case PROP_IMAGE:
      self->image = g_value_dup_object (value);
      break;
    case PROP_SIMULATED:
      self->simulated = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_item_class_init (KsGalleryItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_gallery_item_constructed;
  object_class->dispose = ks_gallery_item_dispose;
  object_class->finalize = ks_gallery_item_finalize;
  object_class->get_property = ks_gallery_item_get_property;
  object_class->set_property = ks_gallery_item_set_property;

  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL,
                         KS_TYPE_JOB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_IMAGE] =
    g_param_spec_object ("image", NULL, NULL,
                         KS_TYPE_JOB_IMAGE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL,
                         GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL,
                         GDK_TYPE_TEXTURE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SIMULATED] =
    g_param_spec_boolean ("simulated", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_gallery_item_init (KsGalleryItem *self)
{
  self->cancellable = g_cancellable_new ();
}

/* ---- Public API ------------------------------------------------------- */

KsGalleryItem *
ks_gallery_item_new (KsJob      *job,
                     KsJobImage *image,
                     gboolean    simulated)
{
  g_return_val_if_fail (KS_IS_JOB (job), NULL);
  g_return_val_if_fail (image == NULL || KS_IS_JOB_IMAGE (image), NULL);

  return g_object_new (KS_TYPE_GALLERY_ITEM,
                       "job", job,
                       "image", image,
                       "simulated", simulated,
                       NULL);
}

KsJob *
ks_gallery_item_get_job (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->job;
}

KsJobImage *
ks_gallery_item_get_image (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->image;
}

gboolean
ks_gallery_item_get_simulated (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), FALSE);

  return self->simulated;
}

const char *
ks_gallery_item_get_title (KsGalleryItem *self)
{
  KsParams *params;
  const char *prompt = NULL;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  params = ks_job_get_params (self->job);
  if (params != NULL)
    prompt = ks_params_get_prompt (params);
  if (prompt == NULL || *prompt == '\0')
    prompt = ks_job_get_returned_prompt (self->job);

  return prompt != NULL ? prompt : "";
}

char *
ks_gallery_item_dup_subtitle (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->image != NULL)
    return dup_image_words (self);

  return dup_job_words (self->job);
}

GdkTexture *
ks_gallery_item_get_thumbnail (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->thumbnail;
}

GdkTexture *
ks_gallery_item_get_texture (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->texture;
}

GFile *
ks_gallery_item_get_file (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->file;
}

int
ks_gallery_item_get_safety_tolerance (KsGalleryItem *self)
{
  KsParams *params;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), 2);

  params = ks_job_get_params (self->job);
  if (params == NULL)
    return 2;

  return ks_params_get_safety_tolerance (params);
}

void
ks_gallery_item_ensure_thumbnail (KsGalleryItem *self,
                                  int            size)
{
  g_return_if_fail (KS_IS_GALLERY_ITEM (self));
  g_return_if_fail (size > 0);

  if (self->image == NULL || self->thumbnail != NULL || self->loading_thumbnail)
    return;

  self->loading_thumbnail = TRUE;
  start_load (self, size, TRUE, thumbnail_loaded);
}

void
ks_gallery_item_ensure_texture (KsGalleryItem *self)
{
  g_return_if_fail (KS_IS_GALLERY_ITEM (self));

  if (self->image == NULL || self->texture != NULL || self->loading_texture)
    return;

  self->loading_texture = TRUE;
  start_load (self, 0, FALSE, texture_loaded);
}

GdkContentProvider *
ks_gallery_item_create_content (KsGalleryItem *self)
{
  g_autoptr(GdkTexture) texture = NULL;
  GdkContentProvider *providers[2];
  guint n_providers = 0;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->image == NULL)
    return NULL;

  if (self->texture != NULL)
    texture = g_object_ref (self->texture);
  else if (ks_job_image_get_pixbuf (self->image) != NULL)
    /* Wraps the decoded pixels without copying them. */
    texture = gdk_texture_new_for_pixbuf (ks_job_image_get_pixbuf (self->image));
  else if (self->thumbnail != NULL)
    texture = g_object_ref (self->thumbnail);

  if (texture != NULL)
    providers[n_providers++] = gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, texture);
  if (self->file != NULL)
    providers[n_providers++] = gdk_content_provider_new_typed (G_TYPE_FILE, self->file);

  if (n_providers == 0)
    return NULL;

  return gdk_content_provider_new_union (providers, n_providers);
}
