#define G_LOG_DOMAIN "ks-reference-item"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-reference-item.h"

/* Thumbnails are made to about this many pixels a side: enough for a
 * sharp tile on a 2× display. */
#define THUMBNAIL_SIZE 224

struct _KsReferenceItem
{
  GObject     parent_instance;

  char       *source;
  char       *name;
  int         width;
  int         height;
  GdkTexture *thumbnail;
  gboolean    remote;
  KsRecipe   *recipe;
  char       *recipe_error;
};

G_DEFINE_FINAL_TYPE (KsReferenceItem, ks_reference_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SOURCE,
  PROP_NAME,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_THUMBNAIL,
  PROP_REMOTE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_reference_item_finalize (GObject *object)
{
  KsReferenceItem *self = KS_REFERENCE_ITEM (object);

  g_clear_pointer (&self->source, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->recipe);
  g_clear_pointer (&self->recipe_error, g_free);

  G_OBJECT_CLASS (ks_reference_item_parent_class)->finalize (object);
}

static void
ks_reference_item_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KsReferenceItem *self = KS_REFERENCE_ITEM (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;

    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;

    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;

    case PROP_REMOTE:
      g_value_set_boolean (value, self->remote);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_reference_item_class_init (KsReferenceItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_reference_item_finalize;
  object_class->get_property = ks_reference_item_get_property;

  properties[PROP_SOURCE] =
    g_param_spec_string ("source", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0,
                      (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0,
                      (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_TEXTURE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_REMOTE] =
    g_param_spec_boolean ("remote", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_reference_item_init (KsReferenceItem *self)
{
}

/**
 * ks_reference_item_new_for_url:
 * @url: an http(s) address
 *
 * Returns: (transfer full): a reference passed through to the service as is
 */
KsReferenceItem *
ks_reference_item_new_for_url (const char *url)
{
  KsReferenceItem *self;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (KS_TYPE_REFERENCE_ITEM, NULL);
  self->source = g_strdup (url);
  self->remote = TRUE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_path (uri) != NULL)
    {
      g_autofree char *basename = g_path_get_basename (g_uri_get_path (uri));

      if (*basename != '\0' && g_strcmp0 (basename, "/") != 0 && g_strcmp0 (basename, ".") != 0)
        self->name = g_uri_unescape_string (basename, NULL);
    }
  if (self->name == NULL && uri != NULL && g_uri_get_host (uri) != NULL)
    self->name = g_strdup (g_uri_get_host (uri));
  if (self->name == NULL)
    self->name = g_strdup (url);

  return self;
}

const char *
ks_reference_item_get_source (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), NULL);

  return self->source;
}

const char *
ks_reference_item_get_name (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), NULL);

  return self->name;
}

int
ks_reference_item_get_width (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), 0);

  return self->width;
}

int
ks_reference_item_get_height (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), 0);

  return self->height;
}

GdkTexture *
ks_reference_item_get_thumbnail (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), NULL);

  return self->thumbnail;
}

gboolean
ks_reference_item_get_remote (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), FALSE);

  return self->remote;
}

char *
ks_reference_item_dup_size_label (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), NULL);

  if (self->width > 0 && self->height > 0)
    /* Translators: an image's size in pixels, width × height */
    return g_strdup_printf (_("%d × %d"), self->width, self->height);

  return g_strdup (_("Web address"));
}

KsRecipe *
ks_reference_item_get_recipe (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), NULL);

  return self->recipe;
}

const char *
ks_reference_item_get_recipe_error (KsReferenceItem *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (self), NULL);

  return self->recipe_error;
}

char *
ks_reference_item_dup_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "kontext-studio", "references", NULL);
}

/* ---- Loading, in a worker thread ---------------------------------------- */

typedef struct
{
  GFile      *file;       /* a file to read, or NULL */
  GBytes     *bytes;      /* image data to cache, or NULL */
  GdkTexture *texture;    /* a memory texture to encode in the thread, or NULL */
  char       *name;
} LoadData;

typedef struct
{
  char      *path;
  char      *name;
  int        width;
  int        height;
  GdkPixbuf *thumbnail;
  KsRecipe  *recipe;
  char      *recipe_error;
} LoadResult;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_clear_object (&data->texture);
  g_clear_pointer (&data->name, g_free);
  g_free (data);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->path, g_free);
  g_clear_pointer (&result->name, g_free);
  g_clear_object (&result->thumbnail);
  g_clear_object (&result->recipe);
  g_clear_pointer (&result->recipe_error, g_free);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadResult, load_result_free)

/* Writes @bytes to the cache under their hash, once. */
static char *
cache_bytes (GBytes       *bytes,
             const char   *extension,
             GError      **error)
{
  g_autofree char *dir = ks_reference_item_dup_cache_dir ();
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *basename = g_strconcat (sha256, ".", extension, NULL);
  g_autofree char *path = g_build_filename (dir, basename, NULL);
  g_autoptr(GError) local_error = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, KS_ERROR, KS_ERROR_IO,
                   _("The image could not be kept: the folder “%s” cannot be made (%s)."),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &local_error))
    {
      g_set_error (error, KS_ERROR, KS_ERROR_IO,
                   _("The image could not be kept: %s"), local_error->message);
      return NULL;
    }

  return g_steal_pointer (&path);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const KsImageLimits limits = KS_IMAGE_REFERENCE_LIMITS;
  LoadData *data = task_data;
  g_autoptr(LoadResult) result = g_new0 (LoadResult, 1);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  KsImageLimits thumbnail_limits = limits;
  KsImageInfo info = { 0, };
  const char *extension;

  result->name = g_strdup (data->name);

  if (data->file != NULL)
    {
      bytes = ks_reference_load_file (data->file, data->name, limits.max_bytes, cancellable, &error);
      if (bytes == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      result->path = g_file_get_path (data->file);
    }
  else if (data->texture != NULL)
    {
      bytes = gdk_texture_save_to_png_bytes (data->texture);
    }
  else
    {
      bytes = g_bytes_ref (data->bytes);
    }

  if (!ks_image_probe (bytes, &limits, &info, &error))
    {
      g_task_return_new_error (task, error->domain, error->code,
                               _("“%s” cannot be used: %s"), data->name, error->message);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      ks_image_info_clear (&info);
      return;
    }

  if (result->path == NULL)
    {
      extension = g_strcmp0 (info.format_name, "jpeg") == 0 ? "jpg" : info.format_name;
      result->path = cache_bytes (bytes, extension != NULL ? extension : "img", &error);
      if (result->path == NULL)
        {
          ks_image_info_clear (&info);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  ks_image_info_clear (&info);

  /* An exported image may carry the settings it was made with; a damaged
   * recipe is said in words, and the image is still a reference. */
  if (data->texture == NULL)
    {
      g_autoptr(GError) recipe_error = NULL;

      result->recipe = ks_recipe_read_from_bytes (bytes, &recipe_error);
      if (recipe_error != NULL)
        result->recipe_error = g_strdup (recipe_error->message);
    }

  thumbnail_limits.target_pixels = THUMBNAIL_SIZE * THUMBNAIL_SIZE;
  result->thumbnail = ks_image_decode (bytes, &thumbnail_limits, &info, &error);
  if (result->thumbnail == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               _("“%s” cannot be used: %s"), data->name, error->message);
      return;
    }

  /* The size as shown: EXIF orientation may have turned the picture. */
  result->width = info.width;
  result->height = info.height;
  if (info.width != info.height &&
      (info.width > info.height) !=
      (gdk_pixbuf_get_width (result->thumbnail) > gdk_pixbuf_get_height (result->thumbnail)))
    {
      result->width = info.height;
      result->height = info.width;
    }
  ks_image_info_clear (&info);

  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) load_result_free);
}

static void
start_load (LoadData            *data,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_reference_item_load_file_async);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

void
ks_reference_item_load_file_async (GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->file = g_object_ref (file);
  data->name = g_file_get_basename (file);
  if (data->name == NULL)
    data->name = g_file_get_uri (file);

  start_load (data, cancellable, callback, user_data);
}

void
ks_reference_item_load_named_file_async (GFile               *file,
                                         const char          *name,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (name != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->file = g_object_ref (file);
  data->name = g_strdup (name);

  start_load (data, cancellable, callback, user_data);
}

void
ks_reference_item_load_bytes_async (GBytes              *bytes,
                                    const char          *name,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (bytes != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->bytes = g_bytes_ref (bytes);
  data->name = g_strdup (name != NULL ? name : _("Pasted image"));

  start_load (data, cancellable, callback, user_data);
}

void
ks_reference_item_load_texture_async (GdkTexture          *texture,
                                      const char          *name,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  LoadData *data;

  g_return_if_fail (GDK_IS_TEXTURE (texture));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->name = g_strdup (name != NULL ? name : _("Pasted image"));

  /* Memory textures are plain pixels and can be encoded in the thread;
   * any other kind lives in a GL context and is read back here. */
  if (GDK_IS_MEMORY_TEXTURE (texture))
    data->texture = g_object_ref (texture);
  else
    data->bytes = gdk_texture_save_to_png_bytes (texture);

  start_load (data, cancellable, callback, user_data);
}

/**
 * ks_reference_item_load_finish:
 *
 * Returns: (transfer full): the checked reference, or %NULL with @error set
 */
KsReferenceItem *
ks_reference_item_load_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_autoptr(LoadResult) loaded = NULL;
  KsReferenceItem *self;

  g_return_val_if_fail (G_IS_TASK (result), NULL);

  loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return NULL;

  self = g_object_new (KS_TYPE_REFERENCE_ITEM, NULL);
  self->source = g_steal_pointer (&loaded->path);
  self->name = g_steal_pointer (&loaded->name);
  self->width = loaded->width;
  self->height = loaded->height;
  self->thumbnail = gdk_texture_new_for_pixbuf (loaded->thumbnail);
  self->recipe = g_steal_pointer (&loaded->recipe);
  self->recipe_error = g_steal_pointer (&loaded->recipe_error);

  return self;
}
