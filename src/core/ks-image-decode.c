#define G_LOG_DOMAIN "ks-image"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-image-private.h"

/* Decoding into pixbufs, after the probe (see ks-image.c for how the
 * bytes reach gdk-pixbuf), and encoding them back. */

#define DECODE_CHUNK_SIZE (1024 * 1024)

/* Decoding ------------------------------------------------------------- */

/* The largest size with the aspect of @width × @height and at most
 * @target pixels (each side at least one pixel). */
static void
compute_target_size (int      width,
                     int      height,
                     guint64  target,
                     int     *out_width,
                     int     *out_height)
{
  double scale;
  int w, h;

  if (target == 0 || (guint64) width * (guint64) height <= target)
    {
      *out_width = width;
      *out_height = height;
      return;
    }

  scale = sqrt ((double) target / ((double) width * (double) height));
  w = MAX (1, (int) floor (width * scale));
  h = MAX (1, (int) floor (height * scale));

  /* Rounding of the square root can overshoot by one row or column. */
  while ((guint64) w * h > target && w > 1 && h > 1)
    {
      if (w >= h)
        w--;
      else
        h--;
    }

  *out_width = w;
  *out_height = h;
}

/* libjpeg decodes at 1/2, 1/4 or 1/8 of the size nearly for free (it skips
 * most of the inverse DCT). Pick the smallest such size still at least
 * @want_width × @want_height, so the final resampling only ever shrinks a
 * little. The loader rounds sizes up the way libjpeg does. */
static void
jpeg_decode_size (int  width,
                  int  height,
                  int  want_width,
                  int  want_height,
                  int *out_width,
                  int *out_height)
{
  int denom;

  for (denom = 8; denom > 1; denom /= 2)
    {
      int w = (width + denom - 1) / denom;
      int h = (height + denom - 1) / denom;

      if (w >= want_width && h >= want_height)
        {
          *out_width = w;
          *out_height = h;
          return;
        }
    }

  *out_width = width;
  *out_height = height;
}

static void
set_decode_error (GError  *loader_error,
                  GError **error)
{
  if (loader_error == NULL)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The image is damaged or incomplete and cannot be read."));
      return;
    }

  if (g_error_matches (loader_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY))
    g_set_error_literal (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                         _("There is not enough memory to open this image. Use a smaller image."));
  else if (g_error_matches (loader_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNKNOWN_TYPE) ||
           g_error_matches (loader_error, GDK_PIXBUF_ERROR, GDK_PIXBUF_ERROR_UNSUPPORTED_OPERATION))
    g_set_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                 _("This kind of image cannot be read (%s). Use a PNG or JPEG image."),
                 loader_error->message);
  else
    g_set_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                 _("The image is damaged or incomplete and cannot be read (%s)."),
                 loader_error->message);
}

/* The PNG and JPEG loaders accept a file that stops short and leave the
 * missing rows grey; the rows they announce show how far they got. */
static void
area_updated_cb (GdkPixbufLoader *loader,
                 int              x,
                 int              y,
                 int              width,
                 int              height,
                 int             *rows_done)
{
  *rows_done = MAX (*rows_done, y + height);
}

static GdkPixbuf *
decode_internal (GBytes              *bytes,
                 const KsImageLimits *limits,
                 KsImageInfo         *info,
                 GCancellable        *cancellable,
                 GError             **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) loader_error = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  GdkPixbufAnimation *animation;
  GdkPixbuf *frame;
  const guint8 *data;
  gsize size;
  gsize offset = 0;
  int target_width, target_height;
  int rows_done = 0;
  gboolean check_rows;
  gboolean ok = TRUE;

  if (!_ks_image_probe_internal (bytes, limits, info, error))
    return NULL;

  compute_target_size (info->width, info->height,
                       limits != NULL ? limits->target_pixels : 0,
                       &target_width, &target_height);

  loader = _ks_image_new_loader (info->format_name, error);
  if (loader == NULL)
    return NULL;

  if (g_str_equal (info->format_name, "jpeg") &&
      (target_width != info->width || target_height != info->height))
    {
      int w, h;

      jpeg_decode_size (info->width, info->height, target_width, target_height, &w, &h);
      if (w != info->width || h != info->height)
        gdk_pixbuf_loader_set_size (loader, w, h);
    }

  check_rows = g_str_equal (info->format_name, "png") || g_str_equal (info->format_name, "jpeg");
  if (check_rows)
    g_signal_connect (loader, "area-updated", G_CALLBACK (area_updated_cb), &rows_done);

  data = g_bytes_get_data (bytes, &size);
  while (offset < size)
    {
      gsize chunk = MIN (size - offset, DECODE_CHUNK_SIZE);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          gdk_pixbuf_loader_close (loader, NULL);
          return NULL;
        }

      if (!gdk_pixbuf_loader_write (loader, data + offset, chunk, &loader_error))
        {
          ok = FALSE;
          break;
        }
      offset += chunk;
    }

  if (ok)
    ok = gdk_pixbuf_loader_close (loader, &loader_error);
  else
    gdk_pixbuf_loader_close (loader, NULL);

  if (!ok)
    {
      set_decode_error (loader_error, error);
      return NULL;
    }

  animation = gdk_pixbuf_loader_get_animation (loader);
  frame = gdk_pixbuf_loader_get_pixbuf (loader);
  if (frame == NULL)
    {
      set_decode_error (NULL, error);
      return NULL;
    }

  if (check_rows && rows_done < gdk_pixbuf_get_height (frame))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The image is incomplete: the file ends before its last rows. Save or download it again."));
      return NULL;
    }

  if (animation != NULL)
    info->animated = !gdk_pixbuf_animation_is_static_image (animation);

  /* The AVIF and HEIF loaders apply their own rotation: what they deliver
   * is the size to scale from. */
  compute_target_size (gdk_pixbuf_get_width (frame), gdk_pixbuf_get_height (frame),
                       limits != NULL ? limits->target_pixels : 0,
                       &target_width, &target_height);

  if (target_width != gdk_pixbuf_get_width (frame) ||
      target_height != gdk_pixbuf_get_height (frame))
    {
      scaled = gdk_pixbuf_scale_simple (frame, target_width, target_height, GDK_INTERP_BILINEAR);
      if (scaled == NULL)
        {
          set_decode_error (NULL, error);
          return NULL;
        }
      /* Keeps "orientation" for the step below. */
      gdk_pixbuf_copy_options (frame, scaled);
    }
  else
    {
      scaled = g_object_ref (frame);
    }

  return gdk_pixbuf_apply_embedded_orientation (scaled);
}

GdkPixbuf *
ks_image_decode (GBytes              *bytes,
                 const KsImageLimits *limits,
                 KsImageInfo         *info,
                 GError             **error)
{
  KsImageInfo local = { 0, };
  GdkPixbuf *pixbuf;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pixbuf = decode_internal (bytes, limits, &local, NULL, error);

  if (pixbuf != NULL && info != NULL)
    {
      ks_image_info_clear (info);
      *info = local;
    }
  else
    {
      ks_image_info_clear (&local);
    }

  return pixbuf;
}

typedef struct
{
  GBytes        *bytes;
  KsImageLimits  limits;
} DecodeData;

static void
decode_data_free (DecodeData *data)
{
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_free (data);
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DecodeData *data = task_data;
  KsImageInfo info = { 0, };
  GError *error = NULL;
  GdkPixbuf *pixbuf;

  pixbuf = decode_internal (data->bytes, &data->limits, &info, cancellable, &error);
  ks_image_info_clear (&info);

  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

void
ks_image_decode_async (GBytes              *bytes,
                       const KsImageLimits *limits,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  DecodeData *data;

  g_return_if_fail (bytes != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (DecodeData, 1);
  data->bytes = g_bytes_ref (bytes);
  if (limits != NULL)
    data->limits = *limits;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_image_decode_async);
  g_task_set_task_data (task, data, (GDestroyNotify) decode_data_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, decode_thread);
}

GdkPixbuf *
ks_image_decode_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_image_decode_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Encoding ------------------------------------------------------------- */

/* JPEG has no alpha: transparent parts go on white rather than on
 * whatever colour the invisible pixels happen to hold. */
static GdkPixbuf *
flatten_on_white (GdkPixbuf *pixbuf)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  GdkPixbuf *flat;

  flat = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  if (flat == NULL)
    return NULL;

  gdk_pixbuf_fill (flat, 0xffffffff);
  gdk_pixbuf_composite (pixbuf, flat, 0, 0, width, height,
                        0, 0, 1, 1, GDK_INTERP_NEAREST, 255);

  return flat;
}

GBytes *
ks_image_encode (GdkPixbuf   *pixbuf,
                 const char  *format,
                 int          quality,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) source = NULL;
  g_autofree char *buffer = NULL;
  gsize size = 0;
  gboolean ok;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_str_equal (format, "jpeg"))
    {
      g_autofree char *quality_text = g_strdup_printf ("%d", CLAMP (quality, 0, 100));

      if (gdk_pixbuf_get_has_alpha (pixbuf))
        source = flatten_on_white (pixbuf);
      else
        source = g_object_ref (pixbuf);

      if (source == NULL)
        {
          g_set_error_literal (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                               _("There is not enough memory to convert this image."));
          return NULL;
        }

      ok = gdk_pixbuf_save_to_buffer (source, &buffer, &size, "jpeg", &local_error,
                                      "quality", quality_text, NULL);
    }
  else if (g_str_equal (format, "png"))
    {
      ok = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &local_error, NULL);
    }
  else
    {
      g_set_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                   _("Images cannot be saved as “%s”; use JPEG or PNG."), format);
      return NULL;
    }

  if (!ok)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_FAILED,
                   _("The image could not be converted to %s (%s)."),
                   format, local_error != NULL ? local_error->message : _("unknown error"));
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&buffer), size);
}

