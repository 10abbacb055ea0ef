#define G_LOG_DOMAIN "ks-image-view"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-core.h"
#include "ks-image-view-private.h"

/* Files are decoded twice at most: first at the size the view shows them
 * (fitted, in device pixels), then, once the zoom wants more pixels than
 * that, at full size. The smaller one stays on screen meanwhile. Both run
 * on a worker thread; a new file or dispose cancels them. */

/* What we open: the bounds of a reference the user gives. */
#define VIEW_LIMITS_BYTES      (200 * 1024 * 1024)
#define VIEW_LIMITS_PIXELS     G_GUINT64_CONSTANT (200000000)
#define VIEW_LIMITS_DIMENSION  30000

typedef struct
{
  GFile *file;
  int    view_width;   /* device pixels; 0: full size */
  int    view_height;
} LoadData;

typedef struct
{
  GdkTexture *texture;
  int         image_width;
  int         image_height;
  gboolean    full;
  gboolean    first;       /* the first texture of this file: fit it */
} LoadResult;

static void
load_data_free (LoadData *data)
{
  g_clear_object (&data->file);
  g_free (data);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_object (&result->texture);
  g_free (result);
}

/* Pixels of @width × @height fitted into @view_width × @view_height,
 * never enlarged. */
static guint64
fitted_pixels (int width,
               int height,
               int view_width,
               int view_height)
{
  double scale = MIN (1.0, MIN ((double) view_width / width, (double) view_height / height));

  return (guint64) MAX (1, (int) (width * scale)) * (guint64) MAX (1, (int) (height * scale));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  KsImageLimits limits = { VIEW_LIMITS_BYTES, VIEW_LIMITS_PIXELS, VIEW_LIMITS_DIMENSION, 0 };
  KsImageInfo info = { 0, };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  LoadResult *result;
  int width, height;

  bytes = g_file_load_bytes (data->file, cancellable, NULL, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        {
          g_autofree char *name = g_file_get_parse_name (data->file);

          g_task_return_new_error (task, KS_ERROR, KS_ERROR_IO,
                                   _("The image “%s” could not be read: %s"),
                                   name, error->message);
        }
      return;
    }

  if (!ks_image_probe (bytes, &limits, &info, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->view_width > 0 && data->view_height > 0)
    {
      /* As stored: a file that asks to be turned a quarter comes out
       * with the same number of pixels, only a side may be a little
       * longer than the view's; the full decode is there for zooming. */
      guint64 target = fitted_pixels (info.width, info.height, data->view_width, data->view_height);

      if (target < (guint64) info.width * info.height)
        limits.target_pixels = target;
    }
  width = info.width;
  height = info.height;
  ks_image_info_clear (&info);

  if (g_task_return_error_if_cancelled (task))
    return;

  pixbuf = ks_image_decode (bytes, &limits, NULL, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (LoadResult, 1);
  /* EXIF rotation by a quarter turn swaps the sides. */
  if (width != height &&
      (gdk_pixbuf_get_width (pixbuf) > gdk_pixbuf_get_height (pixbuf)) != (width > height))
    {
      result->image_width = height;
      result->image_height = width;
    }
  else
    {
      result->image_width = width;
      result->image_height = height;
    }
  result->full = limits.target_pixels == 0;
  result->first = data->view_width > 0;
  result->texture = gdk_texture_new_for_pixbuf (pixbuf);

  g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

static void
load_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  KsImageView *self = user_data;
  g_autoptr(GError) error = NULL;
  LoadResult *result;

  result = g_task_propagate_pointer (G_TASK (res), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->loading_preview = FALSE;
  self->loading_full = FALSE;

  if (result == NULL)
    {
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      g_debug ("%s", self->error->message);
      _ks_image_view_notify_error (self);
      _ks_image_view_notify_loading (self);
      return;
    }

  if (result->full)
    self->full_loaded = TRUE;
  _ks_image_view_take_texture (self, g_steal_pointer (&result->texture),
                               result->image_width, result->image_height, result->first);
  load_result_free (result);
  _ks_image_view_notify_loading (self);

  /* The zoom may already ask for more. */
  _ks_image_view_load_maybe_start (self);
}

static void
start_load (KsImageView *self,
            int          view_width,
            int          view_height)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  data = g_new0 (LoadData, 1);
  data->file = g_object_ref (self->file);
  data->view_width = view_width;
  data->view_height = view_height;

  /* No source object: a view being disposed must not be kept alive by its
   * decode; dispose cancels, and the callback returns before touching it. */
  task = g_task_new (NULL, self->cancellable, load_cb, self);
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

/* Starts the decode the view needs now, if any. */
void
_ks_image_view_load_maybe_start (KsImageView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int scale;

  if (self->file == NULL || self->error != NULL || self->loading_preview || self->loading_full)
    return;

  scale = gtk_widget_get_scale_factor (widget);

  if (self->preview_pending)
    {
      if (gtk_widget_get_width (widget) <= 0 || gtk_widget_get_height (widget) <= 0)
        return;
      self->preview_pending = FALSE;
      self->loading_preview = TRUE;
      start_load (self, gtk_widget_get_width (widget) * scale, gtk_widget_get_height (widget) * scale);
      _ks_image_view_notify_loading (self);
      return;
    }

  if (self->full_loaded || !GDK_IS_TEXTURE (self->paintable))
    return;

  /* A few per cent of enlargement are not worth a full decode. */
  if (_ks_image_view_shown_width (self) > gdk_texture_get_width (GDK_TEXTURE (self->paintable)) * 1.05)
    {
      self->loading_full = TRUE;
      start_load (self, 0, 0);
      _ks_image_view_notify_loading (self);
    }
}

void
_ks_image_view_load_dispose (KsImageView *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->file);
  g_clear_error (&self->error);
}

GFile *
ks_image_view_get_file (KsImageView *self)
{
  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), NULL);

  return self->file;
}

gboolean
ks_image_view_get_loading (KsImageView *self)
{
  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), FALSE);

  return self->loading_preview || self->loading_full || self->preview_pending;
}

const GError *
ks_image_view_get_error (KsImageView *self)
{
  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), NULL);

  return self->error;
}

void
ks_image_view_set_file (KsImageView *self,
                        GFile       *file)
{
  gboolean had_error;

  g_return_if_fail (KS_IS_IMAGE_VIEW (self));
  g_return_if_fail (!file || G_IS_FILE (file));

  if (self->file == file || (self->file != NULL && file != NULL && g_file_equal (self->file, file)))
    return;

  had_error = self->error != NULL;
  _ks_image_view_load_dispose (self);
  self->loading_preview = FALSE;
  self->loading_full = FALSE;
  self->full_loaded = FALSE;
  self->preview_pending = FALSE;

  if (file != NULL)
    {
      self->file = g_object_ref (file);
      self->cancellable = g_cancellable_new ();
      self->preview_pending = TRUE;
      /* The previous image stays until the new one can be shown. */
      _ks_image_view_load_maybe_start (self);
    }

  _ks_image_view_notify_file (self);
  _ks_image_view_notify_loading (self);
  if (had_error)
    _ks_image_view_notify_error (self);
}
