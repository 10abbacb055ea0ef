#define G_LOG_DOMAIN "ks-viewer-target"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-viewer-target.h"

struct _KsViewerTarget
{
  GObject        parent_instance;

  gboolean       heading;
  char          *label;
  char          *compare_label;
  KsGalleryItem *item;
  GFile         *file;
  GdkPaintable  *thumbnail;
  GCancellable  *cancellable;
  gboolean       loading;
};

G_DEFINE_FINAL_TYPE (KsViewerTarget, ks_viewer_target, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HEADING,
  PROP_LABEL,
  PROP_COMPARE_LABEL,
  PROP_ITEM,
  PROP_FILE,
  PROP_THUMBNAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_item_thumbnail (KsViewerTarget *self)
{
  GdkTexture *texture = ks_gallery_item_get_thumbnail (self->item);

  if (g_set_object (&self->thumbnail, GDK_PAINTABLE (texture)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

KsViewerTarget *
ks_viewer_target_new_heading (const char *label)
{
  KsViewerTarget *self = g_object_new (KS_TYPE_VIEWER_TARGET, NULL);

  self->heading = TRUE;
  self->label = g_strdup (label);

  return self;
}

KsViewerTarget *
ks_viewer_target_new_file (GFile      *file,
                           const char *label,
                           const char *compare_label)
{
  KsViewerTarget *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (KS_TYPE_VIEWER_TARGET, NULL);
  self->file = g_object_ref (file);
  self->label = g_strdup (label);
  self->compare_label = g_strdup (compare_label);

  return self;
}

KsViewerTarget *
ks_viewer_target_new_item (KsGalleryItem *item,
                           const char    *label,
                           const char    *compare_label)
{
  KsViewerTarget *self;
  const KsRecordImage *image;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (item), NULL);

  image = ks_gallery_item_get_image (item);
  g_return_val_if_fail (image != NULL && image->file != NULL, NULL);

  self = g_object_new (KS_TYPE_VIEWER_TARGET, NULL);
  self->item = g_object_ref (item);
  self->file = ks_library_resolve (ks_gallery_item_get_library (item), image->file);
  self->label = g_strdup (label);
  self->compare_label = g_strdup (compare_label);
  g_signal_connect_object (item, "notify::thumbnail",
                           G_CALLBACK (on_item_thumbnail), self, G_CONNECT_SWAPPED);
  on_item_thumbnail (self);

  return self;
}

gboolean
ks_viewer_target_get_heading (KsViewerTarget *self)
{
  g_return_val_if_fail (KS_IS_VIEWER_TARGET (self), FALSE);

  return self->heading;
}

const char *
ks_viewer_target_get_label (KsViewerTarget *self)
{
  g_return_val_if_fail (KS_IS_VIEWER_TARGET (self), NULL);

  return self->label;
}

const char *
ks_viewer_target_get_compare_label (KsViewerTarget *self)
{
  g_return_val_if_fail (KS_IS_VIEWER_TARGET (self), NULL);

  return self->compare_label;
}

KsGalleryItem *
ks_viewer_target_get_item (KsViewerTarget *self)
{
  g_return_val_if_fail (KS_IS_VIEWER_TARGET (self), NULL);

  return self->item;
}

GFile *
ks_viewer_target_get_file (KsViewerTarget *self)
{
  g_return_val_if_fail (KS_IS_VIEWER_TARGET (self), NULL);

  return self->file;
}

GdkPaintable *
ks_viewer_target_get_thumbnail (KsViewerTarget *self)
{
  g_return_val_if_fail (KS_IS_VIEWER_TARGET (self), NULL);

  return self->thumbnail;
}

/* ---- a reference's thumbnail, decoded off the main thread ------------------ */

static void
on_pixbuf_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(KsViewerTarget) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_stream_finish (result, &error);

  if (pixbuf == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail for a reference: %s", error->message);
      return;
    }

  g_clear_object (&self->thumbnail);
  self->thumbnail = GDK_PAINTABLE (gdk_texture_new_for_pixbuf (pixbuf));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

typedef struct
{
  KsViewerTarget *self;
  int             size;
} ReadData;

static void
on_file_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadData *data = user_data;
  g_autoptr(KsViewerTarget) self = data->self;
  int size = data->size;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) stream = g_file_read_finish (G_FILE (source), result, &error);

  g_free (data);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail for a reference: %s", error->message);
      return;
    }

  gdk_pixbuf_new_from_stream_at_scale_async (G_INPUT_STREAM (stream), size, size, TRUE,
                                             self->cancellable, on_pixbuf_loaded,
                                             g_object_ref (self));
}

void
ks_viewer_target_ensure_thumbnail (KsViewerTarget *self,
                                   int             size)
{
  ReadData *data;

  g_return_if_fail (KS_IS_VIEWER_TARGET (self));

  if (self->heading || self->thumbnail != NULL)
    return;

  if (self->item != NULL)
    {
      ks_gallery_item_ensure_thumbnail (self->item, size);
      return;
    }

  if (self->loading)
    return;

  self->loading = TRUE;
  self->cancellable = g_cancellable_new ();
  data = g_new0 (ReadData, 1);
  data->self = g_object_ref (self);
  data->size = size;
  g_file_read_async (self->file, G_PRIORITY_LOW, self->cancellable, on_file_read, data);
}

/* ---- GObject ---------------------------------------------------------------- */

static void
ks_viewer_target_dispose (GObject *object)
{
  KsViewerTarget *self = KS_VIEWER_TARGET (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->item);
  g_clear_object (&self->file);
  g_clear_object (&self->thumbnail);

  G_OBJECT_CLASS (ks_viewer_target_parent_class)->dispose (object);
}

static void
ks_viewer_target_finalize (GObject *object)
{
  KsViewerTarget *self = KS_VIEWER_TARGET (object);

  g_free (self->label);
  g_free (self->compare_label);

  G_OBJECT_CLASS (ks_viewer_target_parent_class)->finalize (object);
}

static void
ks_viewer_target_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KsViewerTarget *self = KS_VIEWER_TARGET (object);

  switch (prop_id)
    {
    case PROP_HEADING:
      g_value_set_boolean (value, self->heading);
      break;

    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;

    case PROP_COMPARE_LABEL:
      g_value_set_string (value, self->compare_label);
      break;

    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;

    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;

    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_viewer_target_class_init (KsViewerTargetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_viewer_target_dispose;
  object_class->finalize = ks_viewer_target_finalize;
  object_class->get_property = ks_viewer_target_get_property;

  properties[PROP_HEADING] =
    g_param_spec_boolean ("heading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARE_LABEL] =
    g_param_spec_string ("compare-label", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, KS_TYPE_GALLERY_ITEM,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL, GDK_TYPE_PAINTABLE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_viewer_target_init (KsViewerTarget *self)
{
}
