#define G_LOG_DOMAIN "ks-image"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-image-private.h"

/* How the bytes reach gdk-pixbuf.
 *
 * The format is recognised from the first bytes, and only the loader of
 * one of the accepted raster formats is ever handed the data: the many
 * other loaders gdk-pixbuf carries (icons, cursors, XPM, TGA, SVG…) never
 * see what a user drops on the window.
 *
 * The probe feeds the loader in small chunks and stops at "size-prepared",
 * the moment a loader knows the dimensions and before it allocates the
 * pixels. There the handler asks for a 0 × 0 image, which makes the PNG,
 * JPEG and GIF loaders give up without allocating; the WebP loader ignores
 * 0 × 0, so it is asked for 1 × 1, which it honours by setting up a scaled
 * decode into a one-pixel buffer. Nothing more is fed afterwards.
 *
 * The AVIF and HEIF loaders only announce the size after decoding the whole
 * picture, so for those ISO-BMFF containers the dimensions are read from
 * the "ispe" property boxes first, and the loader only runs in the decode.
 */

#define PROBE_CHUNK_SIZE (16 * 1024)

typedef enum
{
  FORMAT_UNKNOWN,
  FORMAT_PNG,
  FORMAT_JPEG,
  FORMAT_GIF,
  FORMAT_WEBP,
  FORMAT_ISOBMFF,
} SniffedFormat;

void
ks_image_info_clear (KsImageInfo *info)
{
  if (info == NULL)
    return;

  g_clear_pointer (&info->mime_type, g_free);
  g_clear_pointer (&info->format_name, g_free);
  info->width = 0;
  info->height = 0;
  info->animated = FALSE;
}

static gboolean
has_prefix (const guint8 *data,
            gsize         size,
            gsize         offset,
            const char   *magic)
{
  gsize len = strlen (magic);

  return size >= offset + len && memcmp (data + offset, magic, len) == 0;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static SniffedFormat
sniff_format (const guint8 *data,
              gsize         size)
{
  if (has_prefix (data, size, 0, "\x89PNG\r\n\x1a\n"))
    return FORMAT_PNG;
  if (has_prefix (data, size, 0, "\xff\xd8\xff"))
    return FORMAT_JPEG;
  if (has_prefix (data, size, 0, "GIF87a") || has_prefix (data, size, 0, "GIF89a"))
    return FORMAT_GIF;
  if (has_prefix (data, size, 0, "RIFF") && has_prefix (data, size, 8, "WEBP"))
    return FORMAT_WEBP;
  if (has_prefix (data, size, 4, "ftyp"))
    return FORMAT_ISOBMFF;

  return FORMAT_UNKNOWN;
}

/* Files people often take for images, by their first bytes: named in the
 * message, so that it says what to do with them. */
static const struct
{
  gsize       offset;
  const char *magic;
  gsize       length;
  const char *name;
} other_formats[] = {
  { 0, "II*\0", 4, N_("a TIFF image") },
  { 0, "MM\0*", 4, N_("a TIFF image") },
  { 0, "BM", 2, N_("a BMP image") },
  { 0, "\0\0\1\0", 4, N_("a Windows icon") },
  { 0, "\0\0\2\0", 4, N_("a Windows cursor") },
  { 0, "8BPS", 4, N_("a Photoshop document") },
  { 0, "%PDF", 4, N_("a PDF document") },
  { 0, "\xff\x0a", 2, N_("a JPEG XL image") },
  { 4, "jP  ", 4, N_("a JPEG 2000 image") },
  { 4, "JXL ", 4, N_("a JPEG XL image") },
  { 0, "\x1f\x8b", 2, N_("a compressed (gzip) file") },
  { 0, "PK\3\4", 4, N_("a compressed (zip) archive") },
};

/* Only for a helpful message: what the unreadable bytes look like. */
static void
set_unknown_format_error (const guint8  *data,
                          gsize          size,
                          GError       **error)
{
  gsize head = MIN (size, 4096);
  g_autofree char *start = g_strndup ((const char *) data, head);

  for (guint i = 0; i < G_N_ELEMENTS (other_formats); i++)
    if (size >= other_formats[i].offset + other_formats[i].length &&
        memcmp (data + other_formats[i].offset, other_formats[i].magic, other_formats[i].length) == 0)
      {
        /* TRANSLATORS: %s is what the file is, e.g. "a TIFF image" */
        g_set_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                     _("This is %s, which Kontext Studio cannot read. Save or export it as a PNG or JPEG image and use that."),
                     _(other_formats[i].name));
        return;
      }

  if (g_strstr_len (start, -1, "<svg") != NULL)
    g_set_error_literal (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                         _("This is an SVG drawing, not a photo. Export it as a PNG or JPEG image and use that."));
  else if (g_utf8_validate ((const char *) data, head, NULL) && memchr (data, '\0', head) == NULL)
    g_set_error_literal (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                         _("This is a text file, not an image. Use a PNG, JPEG, WebP, GIF, AVIF or HEIF image."));
  else
    g_set_error_literal (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                         _("This is not an image in a format Kontext Studio can read. Use a PNG, JPEG, WebP, GIF, AVIF or HEIF image."));
}

/* ISO-BMFF (AVIF, HEIF) ------------------------------------------------ */

typedef struct
{
  guint32  width;
  guint32  height;
  gboolean found;
} IspeSearch;

static gboolean
is_image_brand (const guint8 *brand)
{
  static const char * const brands[] = {
    "avif", "avis", "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (brands); i++)
    if (memcmp (brand, brands[i], 4) == 0)
      return TRUE;

  return FALSE;
}

/* Walks the boxes in [data, data + size), descending into the containers
 * that lead to the item properties (meta → iprp → ipco), and keeps the
 * largest "ispe" (image spatial extents) found: the primary image, or the
 * full canvas of a grid, is never smaller than its tiles or thumbnails. */
static gboolean
find_ispe (const guint8 *data,
           gsize         size,
           guint         depth,
           IspeSearch   *search)
{
  gsize offset = 0;

  if (depth > 4)
    return FALSE;

  while (size - offset >= 8)
    {
      guint64 box_size = read_be32 (data + offset);
      const guint8 *type = data + offset + 4;
      gsize header = 8;

      if (box_size == 1)
        {
          if (size - offset < 16)
            return FALSE;
          box_size = ((guint64) read_be32 (data + offset + 8) << 32) | read_be32 (data + offset + 12);
          header = 16;
        }
      else if (box_size == 0)
        {
          box_size = size - offset;
        }

      if (box_size < header || box_size > size - offset)
        return FALSE;

      if (memcmp (type, "meta", 4) == 0)
        {
          /* A full box: version and flags come first. */
          if (box_size < header + 4 ||
              !find_ispe (data + offset + header + 4, box_size - header - 4, depth + 1, search))
            return FALSE;
        }
      else if (memcmp (type, "iprp", 4) == 0 || memcmp (type, "ipco", 4) == 0)
        {
          if (!find_ispe (data + offset + header, box_size - header, depth + 1, search))
            return FALSE;
        }
      else if (memcmp (type, "ispe", 4) == 0 && box_size >= header + 12)
        {
          guint32 w = read_be32 (data + offset + header + 4);
          guint32 h = read_be32 (data + offset + header + 8);

          if ((guint64) w * h > (guint64) search->width * search->height)
            {
              search->width = w;
              search->height = h;
            }
          search->found = TRUE;
        }

      offset += box_size;
    }

  return TRUE;
}

static gboolean
probe_isobmff (const guint8  *data,
               gsize          size,
               KsImageInfo   *info,
               GError       **error)
{
  guint32 ftyp_size;
  gboolean image_brand = FALSE;
  gboolean avif = FALSE;
  IspeSearch search = { 0, };

  ftyp_size = read_be32 (data);
  if (ftyp_size < 16 || ftyp_size > size)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The image is damaged or incomplete: its header is cut short."));
      return FALSE;
    }

  /* Major brand at 8, minor version at 12, compatible brands from 16. */
  for (gsize o = 8; o + 4 <= ftyp_size; o += 4)
    {
      if (o == 12)
        continue;
      if (is_image_brand (data + o))
        image_brand = TRUE;
      if (memcmp (data + o, "avif", 4) == 0 || memcmp (data + o, "avis", 4) == 0)
        avif = TRUE;
    }

  if (!image_brand)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                           _("This is a video or another media file, not an image. Use a PNG, JPEG, WebP, GIF, AVIF or HEIF image."));
      return FALSE;
    }

  if (!find_ispe (data, size, 0, &search) || !search.found ||
      search.width == 0 || search.height == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The image is damaged or incomplete: its size cannot be read."));
      return FALSE;
    }

  info->width = MIN (search.width, (guint32) G_MAXINT);
  info->height = MIN (search.height, (guint32) G_MAXINT);
  /* Our own pick of loader: libavif for AVIF, libheif for HEIF. */
  info->format_name = g_strdup (avif ? "avif" : "heif/avif");
  info->mime_type = g_strdup (avif ? "image/avif" : "image/heif");
  info->animated = memcmp (data + 8, "avis", 4) == 0 || memcmp (data + 8, "msf1", 4) == 0;

  return TRUE;
}

/* JPEG headers --------------------------------------------------------- */

static gboolean
is_jpeg_frame_marker (guint8 marker)
{
  /* SOF0–SOF15, less DHT (C4), JPG (C8) and DAC (CC). */
  return marker >= 0xc0 && marker <= 0xcf &&
         marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

gboolean
_ks_image_read_jpeg_frame (const guint8 *data,
                           gsize         size,
                           KsJpegFrame  *frame)
{
  gboolean have_frame = FALSE;
  gsize i = 2;

  memset (frame, 0, sizeof *frame);

  while (i + 4 <= size)
    {
      guint8 marker;
      gsize length;

      if (data[i] != 0xff)
        return FALSE;
      marker = data[i + 1];
      if (marker == 0xff)
        {
          i++;   /* fill byte */
          continue;
        }
      if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        {
          i += 2;   /* markers without a length */
          continue;
        }
      if (marker == 0xd9)
        return have_frame;

      length = ((gsize) data[i + 2] << 8) | data[i + 3];
      if (length < 2 || i + 2 + length > size)
        return have_frame;

      if (is_jpeg_frame_marker (marker))
        {
          const guint8 *p = data + i + 4;
          guint n, h_max = 1, v_max = 1;

          if (length < 8 || length < 8 + 3 * (gsize) p[5])
            return FALSE;
          n = p[5];
          frame->height = ((guint) p[1] << 8) | p[2];
          frame->width = ((guint) p[3] << 8) | p[4];
          frame->progressive = marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce;
          frame->arithmetic = marker >= 0xc9;
          frame->blocks = 0;

          for (guint c = 0; c < n; c++)
            {
              guint h = p[6 + 3 * c + 1] >> 4, v = p[6 + 3 * c + 1] & 0x0f;

              if (h == 0 || v == 0)
                return FALSE;
              h_max = MAX (h_max, h);
              v_max = MAX (v_max, v);
            }
          for (guint c = 0; c < n; c++)
            {
              guint h = p[6 + 3 * c + 1] >> 4, v = p[6 + 3 * c + 1] & 0x0f;
              guint64 w = ((guint64) frame->width * h + h_max - 1) / h_max;
              guint64 ht = ((guint64) frame->height * v + v_max - 1) / v_max;

              frame->blocks += ((w + 7) / 8) * ((ht + 7) / 8);
            }
          have_frame = TRUE;
        }
      else if (marker == 0xda)
        {
          frame->scan_offset = i + 2 + length;
          return have_frame;
        }

      i += 2 + length;
    }

  return have_frame;
}

/* The size the header declares, for the message when a loader refuses it
 * for being beyond what it can decode at all. */
static gboolean
declared_size (SniffedFormat  format,
               const guint8  *data,
               gsize          size,
               guint64       *width,
               guint64       *height)
{
  KsJpegFrame frame;

  switch (format)
    {
    case FORMAT_PNG:
      if (size < 24 || memcmp (data + 12, "IHDR", 4) != 0)
        return FALSE;
      *width = read_be32 (data + 16);
      *height = read_be32 (data + 20);
      return TRUE;

    case FORMAT_JPEG:
      if (!_ks_image_read_jpeg_frame (data, size, &frame))
        return FALSE;
      *width = frame.width;
      *height = frame.height;
      return TRUE;

    case FORMAT_GIF:
    case FORMAT_WEBP:
    case FORMAT_ISOBMFF:
    case FORMAT_UNKNOWN:
    default:
      return FALSE;
    }
}

/* The loader-driven probe ---------------------------------------------- */

typedef struct
{
  int      width;
  int      height;
  gboolean prepared;
  gboolean webp;
} ProbeState;

static void
probe_size_prepared_cb (GdkPixbufLoader *loader,
                        int              width,
                        int              height,
                        ProbeState      *state)
{
  state->width = width;
  state->height = height;
  state->prepared = TRUE;

  /* Stop before the pixels are allocated: see the comment at the top. */
  if (state->webp)
    gdk_pixbuf_loader_set_size (loader, 1, 1);
  else
    gdk_pixbuf_loader_set_size (loader, 0, 0);
}

static const char *
loader_name_for (SniffedFormat format)
{
  switch (format)
    {
    case FORMAT_PNG:
      return "png";
    case FORMAT_JPEG:
      return "jpeg";
    case FORMAT_GIF:
      return "gif";
    case FORMAT_WEBP:
      return "webp";
    case FORMAT_ISOBMFF:
    case FORMAT_UNKNOWN:
    default:
      return NULL;
    }
}

GdkPixbufLoader *
_ks_image_new_loader (const char  *name,
                      GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GdkPixbufLoader *loader;

  loader = gdk_pixbuf_loader_new_with_type (name, &local_error);
  if (loader == NULL)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                   _("Images of type “%s” cannot be read on this system: its image loader is not installed."),
                   name);
      return NULL;
    }

  return loader;
}

static void
fill_format (KsImageInfo     *info,
             GdkPixbufLoader *loader,
             const char      *fallback_name)
{
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);
  g_auto(GStrv) mime_types = NULL;

  g_free (info->format_name);
  g_free (info->mime_type);

  if (format != NULL)
    {
      info->format_name = gdk_pixbuf_format_get_name (format);
      mime_types = gdk_pixbuf_format_get_mime_types (format);
    }
  else
    {
      info->format_name = g_strdup (fallback_name);
    }

  if (mime_types != NULL && mime_types[0] != NULL)
    info->mime_type = g_strdup (mime_types[0]);
  else
    info->mime_type = g_strdup_printf ("image/%s", fallback_name);
}

static gboolean
probe_with_loader (const guint8  *data,
                   gsize          size,
                   const char    *name,
                   KsImageInfo   *info,
                   GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  ProbeState state = { 0, };
  gsize offset = 0;
  gboolean failed = FALSE;

  loader = _ks_image_new_loader (name, error);
  if (loader == NULL)
    return FALSE;

  state.webp = g_str_equal (name, "webp");
  g_signal_connect (loader, "size-prepared", G_CALLBACK (probe_size_prepared_cb), &state);

  while (offset < size && !state.prepared)
    {
      gsize chunk = MIN (size - offset, PROBE_CHUNK_SIZE);

      if (!gdk_pixbuf_loader_write (loader, data + offset, chunk, &local_error))
        {
          failed = TRUE;
          break;
        }
      offset += chunk;
    }

  /* Closing after a stop or with data missing fails; that is expected. */
  gdk_pixbuf_loader_close (loader, NULL);

  if (!state.prepared)
    {
      if (failed && local_error != NULL)
        g_set_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                     _("The image is damaged and cannot be read (%s)."), local_error->message);
      else
        g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                             _("The image is damaged or incomplete: the file ends before its size is known."));
      return FALSE;
    }

  if (state.width <= 0 || state.height <= 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The image is damaged: it claims to have no pixels."));
      return FALSE;
    }

  fill_format (info, loader, name);
  info->width = state.width;
  info->height = state.height;

  return TRUE;
}

static gboolean
check_limits (const KsImageInfo    *info,
              gsize                 size,
              const KsImageLimits  *limits,
              GError              **error)
{
  guint64 pixels = (guint64) info->width * (guint64) info->height;

  if (limits == NULL)
    return TRUE;

  if (limits->max_dimension > 0 &&
      ((guint) info->width > limits->max_dimension || (guint) info->height > limits->max_dimension))
    {
      g_set_error (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                   _("The image is %d × %d pixels; images can be at most %u pixels a side here."),
                   info->width, info->height, limits->max_dimension);
      return FALSE;
    }

  if (limits->max_pixels > 0 && pixels > limits->max_pixels)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                   _("The image is %d × %d pixels (%.0f megapixels); images can have at most %.0f megapixels here."),
                   info->width, info->height, pixels / 1e6, limits->max_pixels / 1e6);
      return FALSE;
    }

  return TRUE;
}

gboolean
_ks_image_probe_internal (GBytes              *bytes,
                          const KsImageLimits *limits,
                          KsImageInfo         *info,
                          GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  const guint8 *data;
  gsize size;
  SniffedFormat format;
  gboolean ok;

  data = g_bytes_get_data (bytes, &size);

  if (size == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The file is empty: it holds no image."));
      return FALSE;
    }

  if (limits != NULL && limits->max_bytes > 0 && size > limits->max_bytes)
    {
      g_autofree char *have = g_format_size (size);
      g_autofree char *allowed = g_format_size (limits->max_bytes);

      g_set_error (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                   _("The image file is %s; images can be at most %s here."),
                   have, allowed);
      return FALSE;
    }

  format = sniff_format (data, size);
  switch (format)
    {
    case FORMAT_UNKNOWN:
      set_unknown_format_error (data, size, error);
      return FALSE;

    case FORMAT_ISOBMFF:
      ok = probe_isobmff (data, size, info, &local_error);
      break;

    case FORMAT_PNG:
    case FORMAT_JPEG:
    case FORMAT_GIF:
    case FORMAT_WEBP:
    default:
      ok = probe_with_loader (data, size, loader_name_for (format), info, &local_error);
      break;
    }

  if (!ok)
    {
      guint64 width = 0, height = 0;

      /* libjpeg stops at 65 500 pixels a side and libpng well before
       * 2^31: say "too large" rather than "damaged". */
      if (g_error_matches (local_error, KS_ERROR, KS_ERROR_BAD_IMAGE) &&
          declared_size (format, data, size, &width, &height) &&
          width > 0 && height > 0 && (width > 65500 || height > 65500))
        {
          g_clear_error (&local_error);
          g_set_error (&local_error, KS_ERROR, KS_ERROR_TOO_LARGE,
                       _("The image claims to be %u × %u pixels, more than can be opened. Use a smaller export of the image."),
                       (guint) MIN (width, G_MAXUINT), (guint) MIN (height, G_MAXUINT));
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return check_limits (info, size, limits, error);
}

gboolean
ks_image_probe (GBytes              *bytes,
                const KsImageLimits *limits,
                KsImageInfo         *info,
                GError             **error)
{
  KsImageInfo local = { 0, };

  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_ks_image_probe_internal (bytes, limits, &local, error))
    {
      ks_image_info_clear (&local);
      return FALSE;
    }

  if (info != NULL)
    {
      ks_image_info_clear (info);
      *info = local;
    }
  else
    {
      ks_image_info_clear (&local);
    }

  return TRUE;
}

