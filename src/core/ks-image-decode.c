#define G_LOG_DOMAIN "ks-image"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-image-private.h"

/* Decoding into pixbufs, after the probe (see ks-image.c for how the
 * bytes reach gdk-pixbuf), and encoding them back. */

#define DECODE_CHUNK_SIZE (1024 * 1024)

/* Decodes that need more than this for their pixels take turns, so that
 * several large references prepared at once (a multi-image edit, the
 * thumbnail and the job) never hold more than one such buffer. */
#define LARGE_DECODE_BYTES ((guint64) 256 * 1024 * 1024)
static GMutex large_decode_lock;

/* Deflate turns at most 258 bytes into 2 bits: no PNG holds more than
 * 1032 bytes of rows per byte of image data. */
#define DEFLATE_MAX_RATIO 1032

/* Decoding ------------------------------------------------------------- */

/* The largest size with the aspect of @width × @height and at most
 * @target pixels, no side longer than four times the side of a square of
 * @target (each side at least one pixel): a sliver 16 pixels wide and
 * 24 000 high is within a megapixel, yet no decoder or model wants it
 * at that length. */
static void
compute_target_size (int      width,
                     int      height,
                     guint64  target,
                     int     *out_width,
                     int     *out_height)
{
  double scale, max_side;
  int w, h;

  max_side = floor (4.0 * sqrt ((double) target));
  if (target == 0 ||
      ((guint64) width * (guint64) height <= target && MAX (width, height) <= max_side))
    {
      *out_width = width;
      *out_height = height;
      return;
    }

  scale = MIN (sqrt ((double) target / ((double) width * (double) height)),
               max_side / MAX (width, height));
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

/* Completeness, from the structure alone --------------------------------
 *
 * A file that claims many pixels but holds far too little data for them
 * (a bomb cut short, a header spliced onto a thumbnail) is refused before
 * a buffer for those pixels is allocated; and a JPEG or WebP that stops
 * short, which their loaders quietly fill with grey or black, is refused
 * rather than sent half empty. */

static guint32
read_le32 (const guint8 *p)
{
  return p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
set_too_little_data_error (const KsImageInfo  *info,
                           GError            **error)
{
  g_set_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
               _("The image is damaged or incomplete: it claims %d × %d pixels but holds far too little data for them. Save or download it again."),
               info->width, info->height);
}

static void
set_cut_short_error (GError **error)
{
  g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                       _("The image is incomplete: the file ends before its last rows. Save or download it again."));
}

static gboolean
check_png_data (const guint8       *data,
                gsize               size,
                const KsImageInfo  *info,
                GError            **error)
{
  static const guint8 channels[7] = { 1, 0, 3, 1, 2, 0, 4 };
  guint64 compressed = 0;
  guint64 row_bits, needed;
  guint8 depth, colour;

  if (size < 33)
    return TRUE;
  depth = data[24];
  colour = data[25];
  if (colour >= G_N_ELEMENTS (channels) || channels[colour] == 0)
    return TRUE;   /* the loader says what is wrong */

  for (gsize offset = 8; offset + 8 <= size; )
    {
      guint64 length = read_be32 (data + offset);

      if (memcmp (data + offset + 4, "IDAT", 4) == 0)
        compressed += MIN (length, size - offset - 8);
      else if (memcmp (data + offset + 4, "IEND", 4) == 0)
        break;
      offset += MIN (length + 12, size - offset);
    }

  row_bits = (guint64) info->width * depth * channels[colour];
  needed = (guint64) info->height * ((row_bits + 7) / 8);
  if (compressed * DEFLATE_MAX_RATIO < needed)
    {
      set_too_little_data_error (info, error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_jpeg_data (const guint8       *data,
                 gsize               size,
                 const KsImageInfo  *info,
                 GError            **error)
{
  KsJpegFrame frame;
  gsize i;

  if (!_ks_image_read_jpeg_frame (data, size, &frame) || frame.scan_offset == 0)
    return TRUE;   /* the loader says what is wrong */

  /* With Huffman coding every block takes at least two bits (one in a
   * progressive file's first scan); arithmetic coding has no such floor. */
  if (!frame.arithmetic &&
      (guint64) (size - frame.scan_offset) * 8 < frame.blocks * (frame.progressive ? 1 : 2))
    {
      set_too_little_data_error (info, error);
      return FALSE;
    }

  /* The scans end with EOI; 0xff 0xd9 appears nowhere else after them. */
  for (i = size - 1; i > frame.scan_offset; i--)
    if (data[i] == 0xd9 && data[i - 1] == 0xff)
      return TRUE;

  set_cut_short_error (error);
  return FALSE;
}

static gboolean
check_complete (GBytes             *bytes,
                const KsImageInfo  *info,
                GError            **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (g_strcmp0 (info->format_name, "png") == 0)
    return check_png_data (data, size, info, error);

  if (g_strcmp0 (info->format_name, "jpeg") == 0)
    return check_jpeg_data (data, size, info, error);

  /* RIFF gives the length of what follows it. */
  if (g_strcmp0 (info->format_name, "webp") == 0 && size >= 12 &&
      (guint64) read_le32 (data + 4) + 8 > size)
    {
      set_cut_short_error (error);
      return FALSE;
    }

  return TRUE;
}

/* A still WebP (no animation flag in a VP8X header). */
static gboolean
is_still_webp (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  if (size >= 21 && memcmp (data + 12, "VP8X", 4) == 0)
    return (data[20] & 0x02) == 0;

  return TRUE;
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
  /* Declared first, released last: after the loader and its pixels. */
  g_autoptr(GMutexLocker) large = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) loader_error = NULL;
  g_autoptr(GdkPixbuf) scaled = NULL;
  GdkPixbufAnimation *animation;
  GdkPixbuf *frame;
  const guint8 *data;
  gsize size;
  gsize offset = 0;
  int target_width, target_height;
  int decode_width, decode_height;
  int rows_done = 0;
  gboolean check_rows;
  gboolean ok = TRUE;

  if (!_ks_image_probe_internal (bytes, limits, info, error))
    return NULL;

  if (!check_complete (bytes, info, error))
    return NULL;

  compute_target_size (info->width, info->height,
                       limits != NULL ? limits->target_pixels : 0,
                       &target_width, &target_height);

  loader = _ks_image_new_loader (info->format_name, error);
  if (loader == NULL)
    return NULL;

  decode_width = info->width;
  decode_height = info->height;
  if (g_str_equal (info->format_name, "jpeg") &&
      (target_width != info->width || target_height != info->height))
    {
      jpeg_decode_size (info->width, info->height, target_width, target_height,
                        &decode_width, &decode_height);
      if (decode_width != info->width || decode_height != info->height)
        gdk_pixbuf_loader_set_size (loader, decode_width, decode_height);
    }
  else if (g_str_equal (info->format_name, "webp") &&
           (target_width != info->width || target_height != info->height) &&
           is_still_webp (bytes))
    {
      /* libwebp scales while decoding, averaging as it goes. */
      decode_width = target_width;
      decode_height = target_height;
      gdk_pixbuf_loader_set_size (loader, decode_width, decode_height);
    }

  if ((guint64) decode_width * decode_height * 4 > LARGE_DECODE_BYTES)
    large = g_mutex_locker_new (&large_decode_lock);

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

