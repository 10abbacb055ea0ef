#define G_LOG_DOMAIN "ks-gallery-item"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-gallery-item.h"

struct _KsGalleryItem
{
  GObject       parent_instance;

  KsLibrary    *library;
  KsRecord     *record;
  int           image_index;

  GSignalGroup *job_signals;
  GdkTexture   *thumbnail;
  GdkTexture   *texture;
  GFile        *file;
  char         *folded_prompt;
  GCancellable *cancellable;
  /* In the recently used thumbnails while it holds one (main thread) */
  GList         thumbnail_link;

  guint         loading_thumbnail : 1;
  guint         loading_texture : 1;
};

G_DEFINE_FINAL_TYPE (KsGalleryItem, ks_gallery_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LIBRARY,
  PROP_RECORD,
  PROP_IMAGE_INDEX,
  PROP_JOB,
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
  GFile *file;        /* the image in the library */
  int    size;        /* thumbnail: covers size × size; 0 for the full image */
  char  *cache_path;  /* thumbnail cache file, or NULL */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_free (data->cache_path);
  g_free (data);
}

/* A thumbnail covers a square of @size: the shorter side is @size, so a
 * tile shows it at its own pixels, never stretched; the longer side stops
 * at twice that, so a panorama does not cost a panorama's memory. */
static GdkPixbuf *
scale_to_cover (GdkPixbuf *pixbuf,
                int        size)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  double scale;

  scale = MIN ((double) size / MIN (width, height), 2.0 * size / MAX (width, height));
  if (size <= 0 || scale >= 1.0)
    return g_object_ref (pixbuf);

  return gdk_pixbuf_scale_simple (pixbuf,
                                  MAX (1, (int) (width * scale + 0.5)),
                                  MAX (1, (int) (height * scale + 0.5)),
                                  GDK_INTERP_BILINEAR);
}

/* The cache is a convenience: a failure to write it costs a decode next
 * time, nothing more, so it is logged at debug level. */
static void
write_thumbnail_cache (const char *path,
                       GdkPixbuf  *thumbnail)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp_path = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_debug ("Could not create %s: %s", dir, g_strerror (errno));
      return;
    }

  /* Written aside, then renamed: a reader never sees half a file. */
  tmp_path = g_strdup_printf ("%s.%08x.tmp", path, g_random_int ());
  if (!gdk_pixbuf_save (thumbnail, tmp_path, "png", &error, NULL))
    {
      g_debug ("Could not write the thumbnail %s: %s", path, error->message);
      g_unlink (tmp_path);
      return;
    }
  if (g_rename (tmp_path, path) != 0)
    {
      g_debug ("Could not write the thumbnail %s: %s", path, g_strerror (errno));
      g_unlink (tmp_path);
    }
}

GBytes *
ks_gallery_item_read_image_file (GFile         *file,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  GBytes *bytes;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_file_load_bytes (file, cancellable, NULL, &local_error);
  if (bytes != NULL)
    return bytes;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  name = g_file_get_parse_name (file);
  g_set_error (error, KS_ERROR, KS_ERROR_IO,
               _("The image could not be read from the library (“%s”): %s"),
               name, local_error->message);
  return NULL;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;
  GError *error = NULL;

  /* A cached thumbnail is small and ours: read it back as it is. */
  if (data->cache_path != NULL && g_file_test (data->cache_path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GError) cache_error = NULL;

      result = gdk_pixbuf_new_from_file (data->cache_path, &cache_error);
      if (result != NULL)
        {
          g_task_return_pointer (task, g_steal_pointer (&result), g_object_unref);
          return;
        }
      g_debug ("Ignoring the cached thumbnail %s: %s", data->cache_path, cache_error->message);
    }

  bytes = ks_gallery_item_read_image_file (data->file, cancellable, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  pixbuf = ks_image_decode (bytes, &limits, NULL, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  result = data->size > 0 ? scale_to_cover (pixbuf, data->size) : g_steal_pointer (&pixbuf);
  if (data->cache_path != NULL)
    write_thumbnail_cache (data->cache_path, result);

  g_task_return_pointer (task, g_steal_pointer (&result), g_object_unref);
}

static void
thumbnail_worker (gpointer data,
                  gpointer user_data)
{
  g_autoptr(GTask) task = data;

  load_thread (task, g_task_get_source_object (task), g_task_get_task_data (task),
               g_task_get_cancellable (task));
}

/* Thumbnails are made by at most one thread fewer than there are
 * processors: a grid asks for dozens at once, and the main loop must keep
 * its share. The full image, asked for one at a time, goes to GTask's
 * pool and never waits behind them. */
static GThreadPool *
get_thumbnail_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      GThreadPool *new_pool = g_thread_pool_new (thumbnail_worker, NULL,
                                                 MAX (1, (int) g_get_num_processors () - 1),
                                                 FALSE, NULL);

      g_once_init_leave (&pool, new_pool);
    }

  return pool;
}

static char *
thumbnail_cache_path (KsGalleryItem *self,
                      int            size)
{
  g_autofree char *name = g_strdup_printf ("%s-%d-%dc.png",
                                           ks_record_get_id (self->record),
                                           self->image_index, size);

  return g_build_filename (g_get_user_cache_dir (), "kontext-studio", "thumbnails", name, NULL);
}

/* ---- Recently used thumbnails ------------------------------------------ */

/* Thumbnails are kept for the most recently made or asked for only: a
 * library of thousands of images scrolled from end to end would otherwise
 * keep every one of them (some 120 kB each at the normal size). The grid
 * binds at most a few hundred tiles at a time, and each bind asks for its
 * thumbnail, so a tile on screen is never among the ones let go. */
#define RECENT_THUMBNAILS 512

static GQueue recent_thumbnails = G_QUEUE_INIT;

static void
forget_thumbnail_use (KsGalleryItem *self)
{
  if (self->thumbnail_link.data == NULL)
    return;

  g_queue_unlink (&recent_thumbnails, &self->thumbnail_link);
  self->thumbnail_link.data = NULL;
}

static void
note_thumbnail_use (KsGalleryItem *self)
{
  forget_thumbnail_use (self);
  self->thumbnail_link.data = self;
  g_queue_push_head_link (&recent_thumbnails, &self->thumbnail_link);

  while (recent_thumbnails.length > RECENT_THUMBNAILS)
    {
      KsGalleryItem *oldest = g_queue_peek_tail (&recent_thumbnails);

      forget_thumbnail_use (oldest);
      g_clear_object (&oldest->thumbnail);
      /* Made again from the cache when its tile is drawn again. */
      g_object_notify_by_pspec (G_OBJECT (oldest), properties[PROP_THUMBNAIL]);
    }
}

static gboolean
start_load (KsGalleryItem       *self,
            int                  size,
            GAsyncReadyCallback  callback)
{
  g_autoptr(GTask) task = NULL;
  GFile *file = ks_gallery_item_get_file (self);
  LoadData *data;

  if (file == NULL)
    return FALSE;

  data = g_new0 (LoadData, 1);
  data->file = g_object_ref (file);
  data->size = size;
  if (size > 0)
    data->cache_path = thumbnail_cache_path (self, size);

  task = g_task_new (self, self->cancellable, callback, NULL);
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  if (size > 0)
    g_thread_pool_push (get_thumbnail_pool (), g_steal_pointer (&task), NULL);
  else
    g_task_run_in_thread (task, load_thread);

  return TRUE;
}

static void
thumbnail_loaded (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  pixbuf = g_task_propagate_pointer (G_TASK (result), &error);
  if (pixbuf == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* A file removed behind our back (the trash emptied elsewhere,
           * deleted by hand) leaves the tile without a picture; the viewer
           * says why in words when the image is opened. */
          g_debug ("Could not make a thumbnail: %s", error->message);
          self->loading_thumbnail = FALSE;
        }
      return;
    }

  self->loading_thumbnail = FALSE;
  g_clear_object (&self->thumbnail);
  self->thumbnail = gdk_texture_new_for_pixbuf (pixbuf);
  note_thumbnail_use (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

static void
texture_loaded (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  pixbuf = g_task_propagate_pointer (G_TASK (result), &error);
  if (pixbuf == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("Could not load the image: %s", error->message);
          self->loading_texture = FALSE;
        }
      return;
    }

  self->loading_texture = FALSE;
  g_clear_object (&self->texture);
  self->texture = gdk_texture_new_for_pixbuf (pixbuf);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

/* ---- Words ------------------------------------------------------------ */

/* A live job knows more than its record: the place in the queue, the
 * seconds it has been generating. */
static char *
dup_job_words (KsJob *job)
{
  int position;

  switch (ks_job_get_state (job))
    {
    case KS_JOB_STATE_PENDING:
      return g_strdup (_("Starting…"));
    case KS_JOB_STATE_WAITING:
      return g_strdup (_("Waiting for the network"));
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
    case KS_JOB_STATE_FAILED:
    case KS_JOB_STATE_CANCELLED:
    default:
      return NULL;
    }
}

static char *
dup_record_words (KsGalleryItem *self)
{
  KsJob *job = ks_record_get_job (self->record);
  KsRecordState state = ks_record_get_state (self->record);
  const char *message;

  if (job != NULL)
    {
      char *words = dup_job_words (job);

      if (words != NULL)
        return words;
    }

  /* Another window or a kontext-cli run follows it: it lands there. */
  if (job == NULL && ks_record_state_is_unfinished (state) &&
      ks_library_is_owned_elsewhere (self->library, self->record))
    return g_strdup_printf (_("%s · followed by another window or kontext-cli"), ks_record_state_describe (state));

  switch (state)
    {
    case KS_RECORD_STATE_FAILED:
      message = ks_record_get_error_message (self->record);
      if (message != NULL && *message != '\0')
        return g_strdup (message);
      return g_strdup (_("The job failed."));

    case KS_RECORD_STATE_COMPLETED:
      return g_strdup (_("Finished"));

    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_UNKNOWN:
    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
    case KS_RECORD_STATE_CANCELLED:
    case KS_RECORD_STATE_EXPIRED:
    default:
      return g_strdup (ks_record_state_describe (state));
    }
}

static char *
dup_image_words (KsGalleryItem *self)
{
  KsParams *params = ks_record_get_params (self->record);
  const KsRecordImage *image = ks_gallery_item_get_image (self);
  GString *words = g_string_new (NULL);
  const char *seed = ks_record_get_seed (self->record);
  g_autofree char *fixed_seed = NULL;

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

  if (image != NULL && image->width > 0 && image->height > 0)
    {
      if (words->len > 0)
        g_string_append (words, " · ");
      /* TRANSLATORS: an image's size in pixels, width × height */
      g_string_append_printf (words, _("%d × %d"), image->width, image->height);
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
on_words_changed (KsGalleryItem *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

static void
on_record_job_changed (KsGalleryItem *self)
{
  g_signal_group_set_target (self->job_signals, ks_record_get_job (self->record));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOB]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
}

static void
ks_gallery_item_constructed (GObject *object)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);
  static const char * const record_signals[] = {
    "notify::state", "notify::seed", "notify::error-message",
  };
  static const char * const job_signals[] = {
    "notify::state", "notify::queue-position", "notify::elapsed",
  };

  G_OBJECT_CLASS (ks_gallery_item_parent_class)->constructed (object);

  g_return_if_fail (KS_IS_LIBRARY (self->library));
  g_return_if_fail (KS_IS_RECORD (self->record));

  for (guint i = 0; i < G_N_ELEMENTS (record_signals); i++)
    {
      /* An image's words only depend on the seed. */
      if (self->image_index >= 0 && !g_str_equal (record_signals[i], "notify::seed"))
        continue;
      g_signal_connect_object (self->record, record_signals[i],
                               G_CALLBACK (on_words_changed), self,
                               G_CONNECT_SWAPPED);
    }

  g_signal_connect_object (self->record, "notify::job",
                           G_CALLBACK (on_record_job_changed), self,
                           G_CONNECT_SWAPPED);

  /* Only a record's own tile tells how its job is doing. */
  self->job_signals = g_signal_group_new (KS_TYPE_JOB);
  if (self->image_index < 0)
    for (guint i = 0; i < G_N_ELEMENTS (job_signals); i++)
      g_signal_group_connect_swapped (self->job_signals, job_signals[i],
                                      G_CALLBACK (on_words_changed), self);
  g_signal_group_set_target (self->job_signals, ks_record_get_job (self->record));
}

static void
ks_gallery_item_dispose (GObject *object)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);

  g_cancellable_cancel (self->cancellable);
  if (self->job_signals != NULL)
    g_signal_group_set_target (self->job_signals, NULL);
  forget_thumbnail_use (self);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (ks_gallery_item_parent_class)->dispose (object);
}

static void
ks_gallery_item_finalize (GObject *object)
{
  KsGalleryItem *self = KS_GALLERY_ITEM (object);

  g_clear_object (&self->job_signals);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_object (&self->record);
  g_clear_object (&self->library);
  g_clear_pointer (&self->folded_prompt, g_free);

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
    case PROP_LIBRARY:
      g_value_set_object (value, self->library);
      break;
    case PROP_RECORD:
      g_value_set_object (value, self->record);
      break;
    case PROP_IMAGE_INDEX:
      g_value_set_int (value, self->image_index);
      break;
    case PROP_JOB:
      g_value_set_object (value, ks_gallery_item_get_job (self));
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    case PROP_SIMULATED:
      g_value_set_boolean (value, ks_gallery_item_get_simulated (self));
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
    case PROP_LIBRARY:
      self->library = g_value_dup_object (value);
      break;
    case PROP_RECORD:
      self->record = g_value_dup_object (value);
      break;
    case PROP_IMAGE_INDEX:
      self->image_index = g_value_get_int (value);
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

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL,
                         KS_TYPE_LIBRARY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL,
                         KS_TYPE_RECORD,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_IMAGE_INDEX] =
    g_param_spec_int ("image-index", NULL, NULL,
                      -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL,
                         KS_TYPE_JOB,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

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
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

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
  self->image_index = -1;
  self->cancellable = g_cancellable_new ();
}

/* ---- Public API ------------------------------------------------------- */

KsGalleryItem *
ks_gallery_item_new (KsLibrary *library,
                     KsRecord  *record,
                     int        image_index)
{
  g_return_val_if_fail (KS_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (KS_IS_RECORD (record), NULL);
  g_return_val_if_fail (image_index >= -1, NULL);

  return g_object_new (KS_TYPE_GALLERY_ITEM,
                       "library", library,
                       "record", record,
                       "image-index", image_index,
                       NULL);
}

KsLibrary *
ks_gallery_item_get_library (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->library;
}

KsRecord *
ks_gallery_item_get_record (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return self->record;
}

int
ks_gallery_item_get_image_index (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), -1);

  return self->image_index;
}

const KsRecordImage *
ks_gallery_item_get_image (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->image_index < 0)
    return NULL;

  return ks_record_get_image (self->record, self->image_index);
}

KsJob *
ks_gallery_item_get_job (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  return ks_record_get_job (self->record);
}

gboolean
ks_gallery_item_get_simulated (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), FALSE);

  return ks_record_get_simulated (self->record);
}

const char *
ks_gallery_item_get_title (KsGalleryItem *self)
{
  const char *prompt;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  prompt = ks_record_get_prompt (self->record);
  if (prompt == NULL || *prompt == '\0')
    prompt = ks_record_get_returned_prompt (self->record);

  return prompt != NULL ? prompt : "";
}

char *
ks_gallery_item_dup_subtitle (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->image_index >= 0)
    return dup_image_words (self);

  return dup_record_words (self);
}

GdkTexture *
ks_gallery_item_get_thumbnail (KsGalleryItem *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->thumbnail != NULL)
    note_thumbnail_use (self);

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
  const KsRecordImage *image;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->file != NULL)
    return self->file;

  image = ks_gallery_item_get_image (self);
  if (image == NULL || image->file == NULL)
    return NULL;

  self->file = ks_library_resolve (self->library, image->file);

  return self->file;
}

int
ks_gallery_item_get_safety_tolerance (KsGalleryItem *self)
{
  KsParams *params;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), 2);

  params = ks_record_get_params (self->record);
  if (params == NULL)
    return 2;

  return ks_params_get_safety_tolerance (params);
}

gboolean
ks_gallery_item_matches (KsGalleryItem *self,
                         const char    *text)
{
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), FALSE);

  if (text == NULL || *text == '\0')
    return TRUE;

  /* The prompt never changes after the submit: fold it once. */
  if (self->folded_prompt == NULL)
    self->folded_prompt = g_utf8_strdown (ks_gallery_item_get_title (self), -1);

  return strstr (self->folded_prompt, text) != NULL;
}

void
ks_gallery_item_ensure_thumbnail (KsGalleryItem *self,
                                  int            size)
{
  g_return_if_fail (KS_IS_GALLERY_ITEM (self));
  g_return_if_fail (size > 0);

  if (self->image_index < 0 || self->thumbnail != NULL || self->loading_thumbnail)
    return;

  self->loading_thumbnail = start_load (self, size, thumbnail_loaded);
}

void
ks_gallery_item_ensure_texture (KsGalleryItem *self)
{
  g_return_if_fail (KS_IS_GALLERY_ITEM (self));

  if (self->image_index < 0 || self->texture != NULL || self->loading_texture)
    return;

  self->loading_texture = start_load (self, 0, texture_loaded);
}

GdkContentProvider *
ks_gallery_item_create_content (KsGalleryItem *self)
{
  GdkContentProvider *providers[2];
  guint n_providers = 0;
  GFile *file;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (self), NULL);

  if (self->image_index < 0)
    return NULL;

  file = ks_gallery_item_get_file (self);
  if (file != NULL)
    providers[n_providers++] = gdk_content_provider_new_typed (G_TYPE_FILE, file);
  if (self->texture != NULL)
    providers[n_providers++] = gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, self->texture);

  if (n_providers == 0)
    return NULL;

  return gdk_content_provider_new_union (providers, n_providers);
}
