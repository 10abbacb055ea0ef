#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "ks-error.h"
#include "hostile-corpus.h"
#include "hostile-writers.h"
#include "image-fixtures.h"

/* Colours of the marked images: a red quarter in one corner, blue
 * elsewhere. */
#define RED_R 220
#define RED_G 30
#define RED_B 30
#define BLUE_R 30
#define BLUE_G 30
#define BLUE_B 220

static GdkPixbuf *
marked_pixbuf (int      width,
               int      height,
               gboolean alpha)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + (gsize) x * n;
        gboolean mark = x < width / 4 && y < height / 4;

        p[0] = mark ? RED_R : BLUE_R;
        p[1] = mark ? RED_G : BLUE_G;
        p[2] = mark ? RED_B : BLUE_B;
        if (alpha)
          p[3] = 255;
      }

  return pixbuf;
}

static GBytes *
marked_file (const char *format,
             int         width,
             int         height)
{
  g_autoptr(GdkPixbuf) pixbuf = marked_pixbuf (width, height, FALSE);

  return fixture_encode (pixbuf, format, g_str_equal (format, "jpeg") ? "92" : NULL);
}

/* Not images at all ---------------------------------------------------- */

static GBytes *
make_empty (const HostileEntry   *entry,
            const HostileContext *context)
{
  return g_bytes_new (NULL, 0);
}

static GBytes *
make_literal (const HostileEntry   *entry,
              const HostileContext *context)
{
  static const char * const texts[] = {
    "\xff",
    "Shopping list\n- flour\n- eggs\n- a donut\n",
    "<!DOCTYPE html>\n<html><head><title>photo.jpg</title></head><body><img src=\"photo.jpg\"></body></html>\n",
    "/* XPM */\nstatic char *icon[] = {\n\"2 2 2 1\",\n\"a c #ff0000\",\n\"b c #0000ff\",\n\"ab\",\n\"ba\"};\n",
  };

  g_assert_cmpint (entry->param, <, G_N_ELEMENTS (texts));
  return g_bytes_new_static (texts[entry->param], strlen (texts[entry->param]));
}

static GBytes *
make_binary (const HostileEntry   *entry,
             const HostileContext *context)
{
  static const struct { const char *magic; gsize len; } heads[] = {
    { "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15 },
    { "\x7f" "ELF\x02\x01\x01", 7 },
    { "PK\x03\x04\x14\x00", 6 },
    { "", 0 },                           /* random bytes */
    { "8BPS\x00\x01", 6 },               /* Photoshop */
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (40 + entry->param);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, (const guint8 *) heads[entry->param].magic, heads[entry->param].len);
  while (out->len < 4096)
    {
      guint8 byte = g_rand_int_range (rand, 0, 256);

      g_byte_array_append (out, &byte, 1);
    }

  return g_byte_array_free_to_bytes (out);
}

static GBytes *
make_mp4 (const HostileEntry   *entry,
          const HostileContext *context)
{
  static const guint8 mp4[] = {
    0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
    'i', 's', 'o', 'm', 'm', 'p', '4', '1',
    0, 0, 0, 8, 'm', 'd', 'a', 't',
  };

  return g_bytes_new_static (mp4, sizeof mp4);
}

static GBytes *
make_svg (const HostileEntry   *entry,
          const HostileContext *context)
{
  g_autofree char *fifo_uri = g_filename_to_uri (context->fifo, NULL, NULL);
  char *svg;

  /* External entities (a system file, and a pipe that would hang whoever
   * reads it) and remote images on a port that counts connections. */
  svg = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<!DOCTYPE svg [\n"
                         "  <!ENTITY passwd SYSTEM \"file:///etc/passwd\">\n"
                         "  <!ENTITY pipe SYSTEM \"%s\">\n"
                         "]>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"64\" height=\"64\">\n"
                         "  <text>&passwd;&pipe;</text>\n"
                         "  <image xlink:href=\"http://127.0.0.1:%u/remote.png\" width=\"64\" height=\"64\"/>\n"
                         "  <image href=\"http://127.0.0.1:%u/other.png\" width=\"64\" height=\"64\"/>\n"
                         "</svg>\n",
                         fifo_uri, context->port, context->port);

  if (entry->param == 0)
    return g_bytes_new_take (svg, strlen (svg));

  /* The same, gzipped (.svgz). */
  {
    g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
    g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
    g_autoptr(GOutputStream) stream = g_converter_output_stream_new (memory, G_CONVERTER (gzip));
    g_autoptr(GError) error = NULL;

    g_output_stream_write_all (stream, svg, strlen (svg), NULL, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_close (stream, NULL, &error);
    g_assert_no_error (error);
    g_free (svg);

    return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
  }
}

/* Formats gdk-pixbuf writes but references do not take. */
static GBytes *
make_other_format (const HostileEntry   *entry,
                   const HostileContext *context)
{
  static const char * const formats[] = { "tiff", "bmp", "ico" };

  if (!fixture_format_writable (formats[entry->param]))
    return NULL;

  return marked_file (formats[entry->param], 64, 48);
}

static GBytes *
make_avif_header (const HostileEntry   *entry,
                  const HostileContext *context)
{
  return hostile_avif_header (entry->stored_width, entry->stored_height);
}

/* Names that lie ------------------------------------------------------- */

static GBytes *
make_marked (const HostileEntry   *entry,
             const HostileContext *context)
{
  static const char * const formats[] = { "png", "jpeg", "webp" };

  if (!fixture_format_writable (formats[entry->param]))
    return NULL;

  return marked_file (formats[entry->param], entry->stored_width, entry->stored_height);
}

/* Cut short ------------------------------------------------------------ */

static GBytes *
make_truncated (const HostileEntry   *entry,
                const HostileContext *context)
{
  /* param: format × 1000 + where: 1–899 bytes kept, 900 half, 901–999
   * that many bytes fewer than the whole. */
  static const char * const formats[] = { "png", "jpeg", "gif", "webp" };
  int format = entry->param / 1000;
  int where = entry->param % 1000;
  g_autoptr(GBytes) whole = NULL;
  gsize len;

  if (format == 2)
    whole = fixture_animated_gif ();
  else if (!fixture_format_writable (formats[format]))
    return NULL;
  else
    whole = marked_file (formats[format], 300, 200);

  len = g_bytes_get_size (whole);
  if (where == 900)
    return hostile_truncate (whole, len / 2);
  if (where > 900)
    return hostile_truncate (whole, len - (where - 900));

  return hostile_truncate (whole, MIN ((gsize) where, len));
}

/* PNG ------------------------------------------------------------------ */

static void
put16 (guint8  *p,
       guint16  value)
{
  p[0] = value >> 8;
  p[1] = value & 0xff;
}

/* param: 0 RGB 16, 1 RGBA 16, 2 grey+alpha 8, 3 grey+alpha 16, 4 grey 16,
 * 5 palette with transparency. The mark is the top-left quarter. */
static GBytes *
make_png_deep (const HostileEntry   *entry,
               const HostileContext *context)
{
  static const guint8 colour_types[] = { 2, 6, 4, 4, 0, 3 };
  static const guint8 depths[] = { 16, 16, 8, 16, 16, 8 };
  static const guint channels[] = { 3, 4, 2, 2, 1, 1 };
  int width = entry->stored_width, height = entry->stored_height;
  guint bytes = channels[entry->param] * depths[entry->param] / 8;
  gsize row_bytes = (gsize) width * bytes;
  g_autofree guint8 *rows = g_malloc0 (row_bytes * height);
  g_autoptr(GByteArray) extra = g_byte_array_new ();
  g_autoptr(GBytes) extra_bytes = NULL;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gboolean mark = x < width / 4 && y < height / 4;
        guint8 *p = rows + (gsize) y * row_bytes + (gsize) x * bytes;

        switch (entry->param)
          {
          case 0:
          case 1:
            /* High and low bytes differ, so the wrong one shows. */
            put16 (p + 0, mark ? 0xe0f1 : 0x1234);
            put16 (p + 2, mark ? 0x1005 : 0x5678);
            put16 (p + 4, mark ? 0x2010 : 0xc0de);
            if (entry->param == 1)
              put16 (p + 6, mark ? 0xffff : 0x8000);
            break;
          case 2:
            p[0] = mark ? 200 : 60;
            p[1] = mark ? 255 : 128;
            break;
          case 3:
            put16 (p + 0, mark ? 0xc812 : 0x3c00);
            put16 (p + 2, mark ? 0xffff : 0x8000);
            break;
          case 4:
            put16 (p + 0, mark ? 0xc812 : 0x3c00);
            break;
          case 5:
            p[0] = mark ? 0 : 1;
            break;
          default:
            g_assert_not_reached ();
          }
      }

  if (entry->param == 5)
    {
      const guint8 palette[] = { RED_R, RED_G, RED_B, BLUE_R, BLUE_G, BLUE_B };
      const guint8 alpha[] = { 255, 128 };

      hostile_png_chunk (extra, "PLTE", palette, sizeof palette);
      hostile_png_chunk (extra, "tRNS", alpha, sizeof alpha);
    }
  extra_bytes = g_bytes_new (extra->data, extra->len);

  return hostile_png_rows (width, height, depths[entry->param], colour_types[entry->param],
                           rows, row_bytes, extra_bytes);
}

/* A very wide, very flat picture: all of it blue. */
static GBytes *
make_png_wide (const HostileEntry   *entry,
               const HostileContext *context)
{
  int width = entry->stored_width, height = entry->stored_height;
  gsize row_bytes = (gsize) width * 3;
  g_autofree guint8 *rows = g_malloc (row_bytes * height);

  for (gsize i = 0; i < row_bytes * height; i += 3)
    {
      rows[i] = BLUE_R;
      rows[i + 1] = BLUE_G;
      rows[i + 2] = BLUE_B;
    }

  return hostile_png_rows (width, height, 8, 2, rows, row_bytes, NULL);
}

/* param: bit depth × 10 + colour type. */
static GBytes *
make_png_bomb (const HostileEntry   *entry,
               const HostileContext *context)
{
  return hostile_png_bomb (entry->stored_width, entry->stored_height,
                           entry->param / 10, entry->param % 10);
}

/* A bomb cut to its first megabytes: the header is all that matters. */
static GBytes *
make_png_bomb_cut (const HostileEntry   *entry,
                   const HostileContext *context)
{
  guint64 row = 1 + (guint64) entry->stored_width * 4;
  g_autoptr(GBytes) idat = hostile_zlib_zeros (row * entry->stored_height, entry->param);
  GByteArray *png = g_byte_array_new ();

  hostile_png_start (png, entry->stored_width, entry->stored_height, 8, 6, FALSE);
  hostile_png_chunk (png, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));

  return g_byte_array_free_to_bytes (png);
}

/* param: 0 a huge chunk length, 1 a wrong CRC in the image data. */
static GBytes *
make_png_broken (const HostileEntry   *entry,
                 const HostileContext *context)
{
  g_autoptr(GBytes) whole = marked_file ("png", 300, 200);
  gsize len;
  const guint8 *data = g_bytes_get_data (whole, &len);
  guint8 *copy = g_memdup2 (data, len);

  /* The first chunk after IHDR starts at 33. */
  g_assert_cmpuint (len, >, 64);
  if (entry->param == 0)
    {
      copy[33] = 0x7f;
      copy[34] = 0xff;
      copy[35] = 0xff;
      copy[36] = 0xf0;
    }
  else
    {
      copy[len / 2] ^= 0x55;
    }

  return g_bytes_new_take (copy, len);
}

/* A small picture carrying a compressed chunk that inflates to 1 GB:
 * param 0 zTXt (text), 1 iCCP (colour profile). */
static GBytes *
make_png_chunk_bomb (const HostileEntry   *entry,
                     const HostileContext *context)
{
  static const guint8 rows[4 * 4 * 3] = { 0, };
  g_autoptr(GBytes) zeros = hostile_zlib_zeros ((guint64) 1 << 30, 0);
  g_autoptr(GByteArray) chunk = g_byte_array_new ();
  g_autoptr(GByteArray) extra = g_byte_array_new ();
  g_autoptr(GBytes) extra_bytes = NULL;
  const char *name = entry->param == 0 ? "Comment" : "bomb";
  const guint8 method = 0;

  g_byte_array_append (chunk, (const guint8 *) name, strlen (name) + 1);
  g_byte_array_append (chunk, &method, 1);
  g_byte_array_append (chunk, g_bytes_get_data (zeros, NULL), g_bytes_get_size (zeros));
  hostile_png_chunk (extra, entry->param == 0 ? "zTXt" : "iCCP", chunk->data, chunk->len);
  extra_bytes = g_bytes_new (extra->data, extra->len);

  return hostile_png_rows (4, 4, 8, 2, rows, 4 * 3, extra_bytes);
}

/* JPEG ----------------------------------------------------------------- */

typedef struct
{
  guint blocks_x;
  guint blocks_y;
  gboolean cmyk;
} FlatImage;

/* Red top-left quarter, blue elsewhere; as YCbCr, grey, or CMYK stored
 * inverted (Adobe): C' = R, M' = G, Y' = B, K' = 255 means no ink; the
 * blue part has some black. */
static guint8
flat_block (guint    bx,
            guint    by,
            guint    c,
            gpointer user_data)
{
  const FlatImage *image = user_data;
  gboolean mark = bx < image->blocks_x / 4 && by < image->blocks_y / 4;
  double r = mark ? RED_R : BLUE_R, g = mark ? RED_G : BLUE_G, b = mark ? RED_B : BLUE_B;
  double v;

  if (image->cmyk)
    {
      static const guint8 red[4] = { RED_R, RED_G, RED_B, 255 };
      static const guint8 dark_blue[4] = { 60, 60, 255, 128 };

      return mark ? red[c] : dark_blue[c];
    }

  switch (c)
    {
    case 0: v = 0.299 * r + 0.587 * g + 0.114 * b; break;
    case 1: v = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b; break;
    default: v = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b; break;
    }

  return (guint8) CLAMP (v + 0.5, 0, 255);
}

/* param: number of components (1 grey, 3 colour, 4 CMYK). */
static GBytes *
make_jpeg_flat (const HostileEntry   *entry,
                const HostileContext *context)
{
  FlatImage image = {
    (entry->stored_width + 7) / 8,
    (entry->stored_height + 7) / 8,
    entry->param == 4,
  };

  return hostile_jpeg_flat (entry->stored_width, entry->stored_height, entry->param,
                            flat_block, &image, NULL);
}

static GBytes *
exif_segment (guint    orientation,
              gboolean little_endian,
              int      damage)
{
  GByteArray *out = g_byte_array_new ();
  guint8 tiff[26] = { 0, };
  guint16 length = 2 + 6 + sizeof tiff;
  const guint8 head[4] = { 0xff, 0xe1, length >> 8, length & 0xff };
  guint32 ifd = damage == 1 ? 0x7ffffff0 : 8;
  guint16 entries = damage == 2 ? 0xffff : 1;

  /* TIFF header, IFD0 with Orientation (0x0112, SHORT, 1). */
  if (little_endian)
    {
      memcpy (tiff, "II\x2a\x00", 4);
      tiff[4] = ifd; tiff[5] = ifd >> 8; tiff[6] = ifd >> 16; tiff[7] = ifd >> 24;
      tiff[8] = entries; tiff[9] = entries >> 8;
      tiff[10] = 0x12; tiff[11] = 0x01; tiff[12] = 3; tiff[13] = 0;
      tiff[14] = 1; tiff[15] = 0; tiff[16] = 0; tiff[17] = 0;
      tiff[18] = orientation; tiff[19] = 0;
    }
  else
    {
      memcpy (tiff, "MM\x00\x2a", 4);
      tiff[4] = ifd >> 24; tiff[5] = ifd >> 16; tiff[6] = ifd >> 8; tiff[7] = ifd;
      tiff[8] = entries >> 8; tiff[9] = entries;
      tiff[10] = 0x01; tiff[11] = 0x12; tiff[12] = 0; tiff[13] = 3;
      tiff[14] = 0; tiff[15] = 0; tiff[16] = 0; tiff[17] = 1;
      tiff[18] = 0; tiff[19] = orientation;
    }

  g_byte_array_append (out, head, 4);
  g_byte_array_append (out, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (out, tiff, sizeof tiff);

  return g_byte_array_free_to_bytes (out);
}

/* param: orientation + 10 × damage (1 IFD out of bounds, 2 absurd entry
 * count); orientations 1–4 are written big-endian, 5–8 little-endian. */
static GBytes *
make_jpeg_exif (const HostileEntry   *entry,
                const HostileContext *context)
{
  guint orientation = entry->param % 10;
  g_autoptr(GBytes) jpeg = marked_file ("jpeg", entry->stored_width, entry->stored_height);
  g_autoptr(GBytes) exif = exif_segment (orientation, orientation >= 5, entry->param / 10);

  return hostile_jpeg_insert (jpeg, exif);
}

static GBytes *
make_jpeg_icc (const HostileEntry   *entry,
               const HostileContext *context)
{
  g_autoptr(GBytes) jpeg = marked_file ("jpeg", entry->stored_width, entry->stored_height);
  g_autoptr(GBytes) icc = hostile_jpeg_icc ((gsize) entry->param * 1024 * 1024);

  return hostile_jpeg_insert (jpeg, icc);
}

/* A small JPEG whose frame header claims another size. */
static GBytes *
make_jpeg_sof (const HostileEntry   *entry,
               const HostileContext *context)
{
  g_autoptr(GBytes) jpeg = marked_file ("jpeg", 64, 48);

  return fixture_jpeg_with_size (jpeg, entry->stored_width, entry->stored_height);
}

/* GIF and WebP --------------------------------------------------------- */

static GBytes *
make_gif_animated (const HostileEntry   *entry,
                   const HostileContext *context)
{
  return fixture_animated_gif ();
}

static GBytes *
make_gif_screen (const HostileEntry   *entry,
                 const HostileContext *context)
{
  return hostile_gif_screen (entry->stored_width, entry->stored_height);
}

static GBytes *
make_webp_animated (const HostileEntry   *entry,
                    const HostileContext *context)
{
  g_autoptr(GdkPixbuf) first = NULL;
  g_autoptr(GdkPixbuf) second = NULL;

  if (!fixture_format_writable ("webp"))
    return NULL;

  first = marked_pixbuf (entry->stored_width, entry->stored_height, FALSE);
  second = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, entry->stored_width, entry->stored_height);
  gdk_pixbuf_fill (second, 0x20c020ff);

  return fixture_animated_webp (first, second);
}

static GBytes *
make_webp_vp8l (const HostileEntry   *entry,
                const HostileContext *context)
{
  return hostile_webp_vp8l_header (entry->stored_width, entry->stored_height);
}

static GBytes *
make_webp_canvas (const HostileEntry   *entry,
                  const HostileContext *context)
{
  g_autoptr(GBytes) still = NULL;

  if (!fixture_format_writable ("webp"))
    return NULL;

  still = marked_file ("webp", 16, 16);
  return hostile_webp_canvas (entry->stored_width, entry->stored_height, still);
}

#define NOT_IMAGE   "not an image|text file|cannot read|SVG|document|video"
#define DAMAGED     "damaged|incomplete|cut short|ends before"
#define TOO_LARGE   "pixels|at most|too large|not enough memory"

#define REFUSED(file, fn, p, error_code, message_words) \
  { .name = file, .make = fn, .param = p, .expect = HOSTILE_REFUSED, \
    .code = error_code, .words = message_words }

#define REFUSED_SIZE(file, fn, p, w, h, error_code, message_words) \
  { .name = file, .make = fn, .param = p, .expect = HOSTILE_REFUSED, \
    .code = error_code, .words = message_words, .stored_width = w, .stored_height = h, \
    .max_memory_mb = 64 }

#define MARKED(file, fn, p, w, h, sw, sh, where) \
  { .name = file, .make = fn, .param = p, .expect = HOSTILE_REFERENCE, \
    .stored_width = w, .stored_height = h, .shown_width = sw, .shown_height = sh, \
    .mark = where }

static const HostileEntry corpus[] = {
  /* Not an image at all. */
  REFUSED ("zero-bytes.png", make_empty, 0, KS_ERROR_BAD_IMAGE, "empty"),
  REFUSED ("one-byte.jpg", make_literal, 0, KS_ERROR_UNSUPPORTED_FORMAT, NOT_IMAGE),
  REFUSED ("notes.png", make_literal, 1, KS_ERROR_UNSUPPORTED_FORMAT, "text file"),
  REFUSED ("page.jpg", make_literal, 2, KS_ERROR_UNSUPPORTED_FORMAT, "text file"),
  REFUSED ("icon.xpm", make_literal, 3, KS_ERROR_UNSUPPORTED_FORMAT, "text file"),
  REFUSED ("scan.pdf.png", make_binary, 0, KS_ERROR_UNSUPPORTED_FORMAT, "PDF"),
  REFUSED ("program.jpg", make_binary, 1, KS_ERROR_UNSUPPORTED_FORMAT, NOT_IMAGE),
  REFUSED ("archive.png", make_binary, 2, KS_ERROR_UNSUPPORTED_FORMAT, NOT_IMAGE),
  REFUSED ("noise.webp", make_binary, 3, KS_ERROR_UNSUPPORTED_FORMAT, NOT_IMAGE),
  REFUSED ("layers.psd", make_binary, 4, KS_ERROR_UNSUPPORTED_FORMAT, "Photoshop"),
  REFUSED ("clip.mp4.jpg", make_mp4, 0, KS_ERROR_UNSUPPORTED_FORMAT, "video"),
  REFUSED ("entities.svg", make_svg, 0, KS_ERROR_UNSUPPORTED_FORMAT, "SVG"),
  REFUSED ("entities.svgz", make_svg, 1, KS_ERROR_UNSUPPORTED_FORMAT, "compressed|SVG|not an image"),
  /* Images in formats references do not take. */
  REFUSED ("marked.tiff", make_other_format, 0, KS_ERROR_UNSUPPORTED_FORMAT, "TIFF"),
  REFUSED ("marked.bmp", make_other_format, 1, KS_ERROR_UNSUPPORTED_FORMAT, "BMP"),
  REFUSED ("marked.ico", make_other_format, 2, KS_ERROR_UNSUPPORTED_FORMAT, "icon"),

  /* The name lies; the bytes decide. */
  MARKED ("png-named.jpg", make_marked, 0, 300, 200, 300, 200, MARK_TOP_LEFT),
  MARKED ("jpeg-named.png", make_marked, 1, 300, 200, 300, 200, MARK_TOP_LEFT),
  MARKED ("webp-named.png", make_marked, 2, 300, 200, 300, 200, MARK_TOP_LEFT),
  /* Large enough to be scaled while decoding (libjpeg, libwebp). */
  MARKED ("large-3000x2000.webp", make_marked, 2, 3000, 2000, 3000, 2000, MARK_TOP_LEFT),
  MARKED ("large-3000x2000.jpg", make_marked, 1, 3000, 2000, 3000, 2000, MARK_TOP_LEFT),

  /* Cut short. */
  REFUSED ("cut-8.png", make_truncated, 8, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-20.png", make_truncated, 20, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-33.png", make_truncated, 33, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-half.png", make_truncated, 900, KS_ERROR_BAD_IMAGE, DAMAGED),
  MARKED ("cut-iend.png", make_truncated, 912, 300, 200, 300, 200, MARK_TOP_LEFT),
  REFUSED ("cut-3.jpg", make_truncated, 1003, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-100.jpg", make_truncated, 1100, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-half.jpg", make_truncated, 1900, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-eoi.jpg", make_truncated, 1902, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-half.gif", make_truncated, 2900, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("cut-half.webp", make_truncated, 3900, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("huge-chunk.png", make_png_broken, 0, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED ("bad-crc.png", make_png_broken, 1, KS_ERROR_BAD_IMAGE, DAMAGED),

  /* Deep, grey, transparent and palette PNGs: 8-bit sRGB comes out. */
  { .name = "rgb16.png", .make = make_png_deep, .param = 0, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/jpeg",
    .mark_rgba = { 224, 16, 32, 255 }, .rest_rgba = { 18, 86, 192, 255 }, .tolerance = 16 },
  { .name = "rgba16.png", .make = make_png_deep, .param = 1, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/png",
    .mark_rgba = { 224, 16, 32, 255 }, .rest_rgba = { 18, 86, 192, 128 }, .tolerance = 2 },
  { .name = "grey-alpha.png", .make = make_png_deep, .param = 2, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/png",
    .mark_rgba = { 200, 200, 200, 255 }, .rest_rgba = { 60, 60, 60, 128 }, .tolerance = 2 },
  { .name = "grey-alpha16.png", .make = make_png_deep, .param = 3, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/png",
    .mark_rgba = { 200, 200, 200, 255 }, .rest_rgba = { 60, 60, 60, 128 }, .tolerance = 2 },
  { .name = "grey16.png", .make = make_png_deep, .param = 4, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/jpeg",
    .mark_rgba = { 200, 200, 200, 255 }, .rest_rgba = { 60, 60, 60, 255 }, .tolerance = 16 },
  { .name = "palette-alpha.png", .make = make_png_deep, .param = 5, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/png",
    .mark_rgba = { RED_R, RED_G, RED_B, 255 }, .rest_rgba = { BLUE_R, BLUE_G, BLUE_B, 128 },
    .tolerance = 2 },
  { .name = "wide-30000x2.png", .make = make_png_wide, .expect = HOSTILE_REFERENCE,
    .stored_width = 30000, .stored_height = 2, .shown_width = 30000, .shown_height = 2,
    .mark = MARK_NONE, .mime_type = "image/jpeg" },

  /* JPEG: CMYK, grey, a 10 MB colour profile, 100 megapixels. */
  { .name = "cmyk-adobe.jpg", .make = make_jpeg_flat, .param = 4, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/jpeg",
    .mark_rgba = { RED_R, RED_G, RED_B, 255 }, .rest_rgba = { 30, 30, 128, 255 }, .tolerance = 16 },
  { .name = "grey.jpg", .make = make_jpeg_flat, .param = 1, .expect = HOSTILE_REFERENCE,
    .stored_width = 320, .stored_height = 240, .shown_width = 320, .shown_height = 240,
    .mark = MARK_TOP_LEFT, .mime_type = "image/jpeg",
    .mark_rgba = { 87, 87, 87, 255 }, .rest_rgba = { 52, 52, 52, 255 }, .tolerance = 16 },
  MARKED ("icc-10mb.jpg", make_jpeg_icc, 10, 320, 240, 320, 240, MARK_TOP_LEFT),
  { .name = "100-megapixels.jpg", .make = make_jpeg_flat, .param = 3, .expect = HOSTILE_REFERENCE,
    .stored_width = 12500, .stored_height = 8000, .shown_width = 12500, .shown_height = 8000,
    .mark = MARK_TOP_LEFT, .mime_type = "image/jpeg", .max_memory_mb = 192 },
  { .name = "200-megapixels.jpg", .make = make_jpeg_flat, .param = 3, .expect = HOSTILE_REFERENCE,
    .stored_width = 30000, .stored_height = 6664, .shown_width = 30000, .shown_height = 6664,
    .mark = MARK_TOP_LEFT, .mime_type = "image/jpeg", .max_memory_mb = 192 },
  REFUSED_SIZE ("sof-65535.jpg", make_jpeg_sof, 0, 65535, 65535, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("sof-30001x100.jpg", make_jpeg_sof, 0, 30001, 100, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("sof-0x0.jpg", make_jpeg_sof, 0, 0, 0, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED_SIZE ("sof-lies.jpg", make_jpeg_sof, 0, 12000, 9000, KS_ERROR_BAD_IMAGE, DAMAGED),

  /* EXIF orientations: the red corner lands where a viewer shows it. */
  MARKED ("exif-1.jpg", make_jpeg_exif, 1, 240, 160, 240, 160, MARK_TOP_LEFT),
  MARKED ("exif-2.jpg", make_jpeg_exif, 2, 240, 160, 240, 160, MARK_TOP_RIGHT),
  MARKED ("exif-3.jpg", make_jpeg_exif, 3, 240, 160, 240, 160, MARK_BOTTOM_RIGHT),
  MARKED ("exif-4.jpg", make_jpeg_exif, 4, 240, 160, 240, 160, MARK_BOTTOM_LEFT),
  MARKED ("exif-5.jpg", make_jpeg_exif, 5, 240, 160, 160, 240, MARK_TOP_LEFT),
  MARKED ("exif-6.jpg", make_jpeg_exif, 6, 240, 160, 160, 240, MARK_TOP_RIGHT),
  MARKED ("exif-7.jpg", make_jpeg_exif, 7, 240, 160, 160, 240, MARK_BOTTOM_RIGHT),
  MARKED ("exif-8.jpg", make_jpeg_exif, 8, 240, 160, 160, 240, MARK_BOTTOM_LEFT),
  MARKED ("exif-6-large.jpg", make_jpeg_exif, 6, 3200, 2400, 2400, 3200, MARK_TOP_RIGHT),
  MARKED ("exif-0.jpg", make_jpeg_exif, 0, 240, 160, 240, 160, MARK_TOP_LEFT),
  MARKED ("exif-9.jpg", make_jpeg_exif, 9, 240, 160, 240, 160, MARK_TOP_LEFT),
  MARKED ("exif-bad-offset.jpg", make_jpeg_exif, 16, 240, 160, 240, 160, MARK_TOP_LEFT),
  MARKED ("exif-bad-count.jpg", make_jpeg_exif, 26, 240, 160, 240, 160, MARK_TOP_LEFT),

  /* Animations: the first frame. */
  { .name = "animated.gif", .make = make_gif_animated, .expect = HOSTILE_REFERENCE,
    .stored_width = 2, .stored_height = 2, .shown_width = 2, .shown_height = 2,
    .mark = MARK_NONE, .mime_type = "image/jpeg",
    .mark_rgba = { 255, 0, 0, 255 }, .rest_rgba = { 255, 0, 0, 255 }, .tolerance = 60 },
  MARKED ("animated.webp", make_webp_animated, 0, 200, 120, 200, 120, MARK_TOP_LEFT),

  /* Bombs and lies about the size. */
  REFUSED_SIZE ("bomb-30000x30000.png", make_png_bomb, 86, 30000, 30000, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("bomb-100000x100000.png", make_png_bomb_cut, 4 << 20, 100000, 100000, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("bomb-2147483647x1.png", make_png_bomb_cut, 1 << 20, 2147483647, 1, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("bomb-0x0.png", make_png_bomb_cut, 1024, 0, 0, KS_ERROR_BAD_IMAGE, DAMAGED),
  { .name = "bomb-14000x14000.png", .make = make_png_bomb, .param = 86, .expect = HOSTILE_EITHER,
    .stored_width = 14000, .stored_height = 14000, .shown_width = 14000, .shown_height = 14000,
    .code = KS_ERROR_TOO_LARGE, .words = TOO_LARGE, .mime_type = "image/png",
    .mark_rgba = { 0, 0, 0, 0 }, .rest_rgba = { 0, 0, 0, 0 }, .tolerance = 2,
    .max_memory_mb = 900, .max_seconds = 30 },
  { .name = "bomb-16bit-10000x10000.png", .make = make_png_bomb, .param = 166, .expect = HOSTILE_EITHER,
    .stored_width = 10000, .stored_height = 10000, .shown_width = 10000, .shown_height = 10000,
    .code = KS_ERROR_TOO_LARGE, .words = TOO_LARGE, .mime_type = "image/png",
    .mark_rgba = { 0, 0, 0, 0 }, .rest_rgba = { 0, 0, 0, 0 }, .tolerance = 2,
    .max_memory_mb = 900, .max_seconds = 30 },
  REFUSED_SIZE ("bomb-cut-14000x14000.png", make_png_bomb_cut, 4096, 14000, 14000, KS_ERROR_BAD_IMAGE, DAMAGED),
  { .name = "ztxt-bomb.png", .make = make_png_chunk_bomb, .param = 0, .expect = HOSTILE_REFERENCE,
    .stored_width = 4, .stored_height = 4, .shown_width = 4, .shown_height = 4,
    .mark = MARK_NONE, .mime_type = "image/jpeg", .max_memory_mb = 64,
    .rest_rgba = { 0, 0, 0, 255 }, .tolerance = 8 },
  { .name = "iccp-bomb.png", .make = make_png_chunk_bomb, .param = 1, .expect = HOSTILE_REFERENCE,
    .stored_width = 4, .stored_height = 4, .shown_width = 4, .shown_height = 4,
    .mark = MARK_NONE, .mime_type = "image/jpeg", .max_memory_mb = 64,
    .rest_rgba = { 0, 0, 0, 255 }, .tolerance = 8 },
  REFUSED_SIZE ("gif-screen-65535.gif", make_gif_screen, 0, 65535, 65535, KS_ERROR_TOO_LARGE, TOO_LARGE),
  { .name = "gif-screen-14000.gif", .make = make_gif_screen, .expect = HOSTILE_EITHER,
    .stored_width = 14000, .stored_height = 14000, .shown_width = 14000, .shown_height = 14000,
    .code = KS_ERROR_TOO_LARGE, .words = TOO_LARGE, .max_memory_mb = 900, .max_seconds = 30,
    .mark = MARK_NONE, .tolerance = 255 },
  REFUSED_SIZE ("webp-16384.webp", make_webp_vp8l, 0, 16384, 16384, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("webp-header-14000.webp", make_webp_vp8l, 0, 14000, 14000, KS_ERROR_BAD_IMAGE, DAMAGED),
  REFUSED_SIZE ("webp-canvas-2^24.webp", make_webp_canvas, 0, 1 << 24, 1 << 24, -1, TOO_LARGE "|" DAMAGED),
  REFUSED_SIZE ("avif-100000.avif", make_avif_header, 0, 100000, 100000, KS_ERROR_TOO_LARGE, TOO_LARGE),
  REFUSED_SIZE ("avif-header-only.avif", make_avif_header, 0, 4000, 3000, KS_ERROR_BAD_IMAGE, DAMAGED),
};

const HostileEntry *
hostile_corpus (guint *n_entries)
{
  *n_entries = G_N_ELEMENTS (corpus);
  return corpus;
}
