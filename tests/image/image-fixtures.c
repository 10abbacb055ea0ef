#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <malloc.h>
#include <sys/resource.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "image-fixtures.h"
#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>)
#  include <valgrind/valgrind.h>
# endif
#endif

static void
put_pixel (guint8 *p,
           guint8  r,
           guint8  g,
           guint8  b)
{
  p[0] = r;
  p[1] = g;
  p[2] = b;
}

GdkPixbuf *
fixture_marked_pixbuf (int      width,
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

        if (x < 16 && y < 16)
          put_pixel (p, 230, 20, 20);
        else
          put_pixel (p, 20, 20 + (x * 40) / MAX (width, 1), 230);
        if (alpha)
          p[3] = 255;
      }

  return pixbuf;
}

GdkPixbuf *
fixture_photo_pixbuf (int     width,
                      int     height,
                      guint32 seed)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  guint32 state = seed | 1;

  for (int y = 0; y < height; y++)
    {
      guint8 *row = pixels + (gsize) y * stride;

      for (int x = 0; x < width; x++)
        {
          int noise;

          /* xorshift: cheap grain, like a sensor's */
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          noise = (int) (state & 15) - 8;

          row[x * 3 + 0] = CLAMP ((x * 255) / width + noise, 0, 255);
          row[x * 3 + 1] = CLAMP ((y * 255) / height + noise, 0, 255);
          row[x * 3 + 2] = CLAMP (((x / 97 + y / 61) % 7) * 30 + noise, 0, 255);
        }
    }

  return pixbuf;
}

GBytes *
fixture_encode (GdkPixbuf  *pixbuf,
                const char *format,
                const char *quality)
{
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize size = 0;

  if (quality != NULL)
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &error, "quality", quality, NULL);
  else
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, format, &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, size);
}

gboolean
fixture_format_writable (const char *format)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *name = gdk_pixbuf_format_get_name (l->data);

      if (g_str_equal (name, format))
        return gdk_pixbuf_format_is_writable (l->data);
    }

  return FALSE;
}

/* CRC-32 as PNG wants it (ISO 3309), table-driven. */
static guint32
crc32_update (guint32       crc,
              const guint8 *data,
              gsize         len)
{
  static guint32 table[256];
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;

          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
          table[n] = c;
        }
      g_once_init_leave (&initialised, 1);
    }

  crc ^= 0xffffffffu;
  for (gsize i = 0; i < len; i++)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);

  return crc ^ 0xffffffffu;
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, b, 4);
}

static void
append_le24 (GByteArray *array,
             guint32     value)
{
  guint8 b[3] = { value, value >> 8, value >> 16 };

  g_byte_array_append (array, b, 3);
}

static void
append_le32 (GByteArray *array,
             guint32     value)
{
  guint8 b[4] = { value, value >> 8, value >> 16, value >> 24 };

  g_byte_array_append (array, b, 4);
}

static void
append_png_chunk (GByteArray   *png,
                  const char   *type,
                  const guint8 *data,
                  gsize         len)
{
  guint32 crc;

  append_be32 (png, len);
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (png, data, len);
  crc = crc32_update (0, (const guint8 *) type, 4);
  crc = crc32_update (crc, data, len);
  append_be32 (png, crc);
}

static void
append_png_start (GByteArray *png,
                  guint32     width,
                  guint32     height,
                  guint8      bit_depth,
                  guint8      colour_type)
{
  guint8 ihdr[13];

  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  ihdr[0] = width >> 24; ihdr[1] = width >> 16; ihdr[2] = width >> 8; ihdr[3] = width;
  ihdr[4] = height >> 24; ihdr[5] = height >> 16; ihdr[6] = height >> 8; ihdr[7] = height;
  ihdr[8] = bit_depth;
  ihdr[9] = colour_type;
  ihdr[10] = 0;   /* deflate */
  ihdr[11] = 0;   /* adaptive filtering */
  ihdr[12] = 0;   /* not interlaced */
  append_png_chunk (png, "IHDR", ihdr, sizeof ihdr);
}

static GBytes *
zlib_compress (const guint8 *data,
               gsize         len)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) stream = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (stream, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (stream, NULL, &error);
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

GBytes *
fixture_png_header (guint32 width,
                    guint32 height)
{
  GByteArray *png = g_byte_array_new ();
  /* One row's worth of deflated zeros: enough to reach the first IDAT. */
  static const guint8 row[64] = { 0, };
  g_autoptr(GBytes) idat = zlib_compress (row, sizeof row);
  gsize idat_len;
  const guint8 *idat_data = g_bytes_get_data (idat, &idat_len);

  append_png_start (png, width, height, 8, 6);
  append_png_chunk (png, "IDAT", idat_data, idat_len);
  append_png_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (png);
}

GBytes *
fixture_png_raw (guint32       width,
                 guint32       height,
                 guint8        bit_depth,
                 guint8        colour_type,
                 const guint8 *rows,
                 gsize         row_bytes)
{
  GByteArray *png = g_byte_array_new ();
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GBytes) idat = NULL;
  const guint8 *idat_data;
  gsize idat_len;

  for (guint32 y = 0; y < height; y++)
    {
      guint8 filter = 0;

      g_byte_array_append (raw, &filter, 1);
      g_byte_array_append (raw, rows + (gsize) y * row_bytes, row_bytes);
    }

  idat = zlib_compress (raw->data, raw->len);
  idat_data = g_bytes_get_data (idat, &idat_len);

  append_png_start (png, width, height, bit_depth, colour_type);
  append_png_chunk (png, "IDAT", idat_data, idat_len);
  append_png_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (png);
}

GBytes *
fixture_jpeg_with_orientation (GBytes *jpeg,
                               guint   orientation)
{
  const guint8 app1[] = {
    0xff, 0xe1, 0x00, 0x22,
    'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,   /* big-endian TIFF, IFD0 at 8 */
    0x00, 0x01,                                     /* one entry */
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, /* Orientation, SHORT, 1 value */
    0x00, (guint8) orientation, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,                         /* no next IFD */
  };
  GByteArray *out = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);

  g_assert_cmpuint (len, >, 2);
  g_assert_cmpuint (sizeof app1, ==, 0x22 + 2);
  g_byte_array_append (out, data, 2);           /* SOI */
  g_byte_array_append (out, app1, sizeof app1);
  g_byte_array_append (out, data + 2, len - 2);

  return g_byte_array_free_to_bytes (out);
}

GBytes *
fixture_jpeg_with_size (GBytes  *jpeg,
                        guint16  width,
                        guint16  height)
{
  gsize len;
  const guint8 *original = g_bytes_get_data (jpeg, &len);
  guint8 *data = g_memdup2 (original, len);
  gsize i = 2;

  /* Walk the marker segments up to the frame header (SOF0..SOF2). */
  while (i + 9 < len)
    {
      guint8 marker;
      gsize seg;

      g_assert_cmpuint (data[i], ==, 0xff);
      marker = data[i + 1];
      seg = ((gsize) data[i + 2] << 8) | data[i + 3];
      if (marker >= 0xc0 && marker <= 0xc2)
        {
          data[i + 5] = height >> 8;
          data[i + 6] = height & 0xff;
          data[i + 7] = width >> 8;
          data[i + 8] = width & 0xff;
          return g_bytes_new_take (data, len);
        }
      i += 2 + seg;
    }

  g_assert_not_reached ();
}

/* Packs 3-bit LZW codes, least significant bit first, as GIF does. */
static void
append_gif_frame (GByteArray *gif,
                  guint8      index)
{
  const guint8 gce[] = { 0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00 };
  const guint8 descriptor[] = { 0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0x00 };
  /* A clear code before every pixel keeps the code width at 3 bits. */
  const guint codes[] = { 4, index, 4, index, 4, index, 4, index, 5 };
  guint8 packed[8] = { 0, };
  guint bit = 0;
  guint8 header[2] = { 0x02, 0 };  /* minimum code size, then block length */
  guint8 end = 0;

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    for (guint b = 0; b < 3; b++, bit++)
      if (codes[i] & (1u << b))
        packed[bit / 8] |= 1u << (bit % 8);

  header[1] = (bit + 7) / 8;
  g_byte_array_append (gif, gce, sizeof gce);
  g_byte_array_append (gif, descriptor, sizeof descriptor);
  g_byte_array_append (gif, header, 2);
  g_byte_array_append (gif, packed, header[1]);
  g_byte_array_append (gif, &end, 1);
}

GBytes *
fixture_animated_gif (void)
{
  const guint8 start[] = {
    'G', 'I', 'F', '8', '9', 'a',
    2, 0, 2, 0, 0x80, 0, 0,          /* 2 × 2, global colour table of 2 */
    0xff, 0x00, 0x00, 0x00, 0xff, 0x00,
    0x21, 0xff, 0x0b, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0',
    0x03, 0x01, 0x00, 0x00, 0x00,
  };
  const guint8 trailer = 0x3b;
  GByteArray *gif = g_byte_array_new ();

  g_byte_array_append (gif, start, sizeof start);
  append_gif_frame (gif, 0);
  append_gif_frame (gif, 1);
  g_byte_array_append (gif, &trailer, 1);

  return g_byte_array_free_to_bytes (gif);
}

static void
append_riff_chunk (GByteArray   *out,
                   const char   *type,
                   const guint8 *data,
                   gsize         len)
{
  const guint8 pad = 0;

  g_byte_array_append (out, (const guint8 *) type, 4);
  append_le32 (out, len);
  g_byte_array_append (out, data, len);
  if (len & 1)
    g_byte_array_append (out, &pad, 1);
}

/* The chunks of a still WebP after its RIFF header, minus any VP8X. */
static GByteArray *
webp_frame_chunks (GdkPixbuf *pixbuf)
{
  g_autoptr(GBytes) still = fixture_encode (pixbuf, "webp", NULL);
  GByteArray *chunks = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (still, &len);
  gsize i = 12;

  while (i + 8 <= len)
    {
      guint32 size = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | ((guint32) data[i + 7] << 24);
      gsize padded = 8 + size + (size & 1);

      g_assert_cmpuint (i + 8 + size, <=, len);
      if (memcmp (data + i, "VP8X", 4) != 0)
        g_byte_array_append (chunks, data + i, MIN (padded, len - i));
      i += padded;
    }

  return chunks;
}

GBytes *
fixture_animated_webp (GdkPixbuf *first,
                       GdkPixbuf *second)
{
  int width = gdk_pixbuf_get_width (first);
  int height = gdk_pixbuf_get_height (first);
  GByteArray *body = g_byte_array_new ();
  GByteArray *out = g_byte_array_new ();
  GdkPixbuf *frames[] = { first, second };
  guint8 vp8x[10] = { 0x02, 0, 0, 0, };
  const guint8 anim[6] = { 0xff, 0xff, 0xff, 0xff, 0, 0 };

  vp8x[4] = (width - 1); vp8x[5] = (width - 1) >> 8; vp8x[6] = (width - 1) >> 16;
  vp8x[7] = (height - 1); vp8x[8] = (height - 1) >> 8; vp8x[9] = (height - 1) >> 16;
  g_byte_array_append (body, (const guint8 *) "WEBP", 4);
  append_riff_chunk (body, "VP8X", vp8x, sizeof vp8x);
  append_riff_chunk (body, "ANIM", anim, sizeof anim);

  for (guint f = 0; f < G_N_ELEMENTS (frames); f++)
    {
      g_autoptr(GByteArray) chunks = webp_frame_chunks (frames[f]);
      g_autoptr(GByteArray) anmf = g_byte_array_new ();
      const guint8 flags = 0x02;   /* no blending */

      append_le24 (anmf, 0);
      append_le24 (anmf, 0);
      append_le24 (anmf, width - 1);
      append_le24 (anmf, height - 1);
      append_le24 (anmf, 100);
      g_byte_array_append (anmf, &flags, 1);
      g_byte_array_append (anmf, chunks->data, chunks->len);
      append_riff_chunk (body, "ANMF", anmf->data, anmf->len);
    }

  g_byte_array_append (out, (const guint8 *) "RIFF", 4);
  append_le32 (out, body->len);
  g_byte_array_append (out, body->data, body->len);
  g_byte_array_unref (body);

  return g_byte_array_free_to_bytes (out);
}

void
fixture_pixel (GdkPixbuf *pixbuf,
               int        x,
               int        y,
               guint8    *r,
               guint8    *g,
               guint8    *b,
               guint8    *a)
{
  const guint8 *p;
  int n = gdk_pixbuf_get_n_channels (pixbuf);

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, gdk_pixbuf_get_width (pixbuf));
  g_assert_cmpint (y, <, gdk_pixbuf_get_height (pixbuf));

  p = gdk_pixbuf_read_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf) + (gsize) x * n;
  *r = p[0];
  *g = p[1];
  *b = p[2];
  *a = n == 4 ? p[3] : 255;
}

gboolean
fixture_running_on_valgrind (void)
{
#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>)
  return RUNNING_ON_VALGRIND != 0;
# endif
#endif
  return FALSE;
}

guint64
fixture_peak_rss (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);

  return (guint64) usage.ru_maxrss * 1024;
}

#ifdef __SANITIZE_ADDRESS__
/* Under AddressSanitizer malloc_stats() tells nothing of glibc: the
 * sanitizer's allocator serves every block. Its hooks see each one, so
 * the peak of the bytes held in blocks of 128 KiB or more (glibc's
 * smallest mmap threshold) stands in for glibc's "max mmap bytes". */
void __sanitizer_install_malloc_and_free_hooks (void (*malloc_hook) (const volatile void *, size_t),
                                                void (*free_hook) (const volatile void *));
size_t __sanitizer_get_allocated_size (const volatile void *p);

#define LARGE_BLOCK (128 * 1024)

static guint64 large_bytes;
static guint64 large_bytes_peak;

static void
large_malloc_hook (const volatile void *ptr,
                   size_t               size)
{
  guint64 now, peak;

  if (size < LARGE_BLOCK)
    return;

  now = __atomic_add_fetch (&large_bytes, size, __ATOMIC_RELAXED);
  peak = __atomic_load_n (&large_bytes_peak, __ATOMIC_RELAXED);
  while (now > peak &&
         !__atomic_compare_exchange_n (&large_bytes_peak, &peak, now, TRUE,
                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
}

static void
large_free_hook (const volatile void *ptr)
{
  size_t size = __sanitizer_get_allocated_size (ptr);

  if (size >= LARGE_BLOCK)
    __atomic_sub_fetch (&large_bytes, size, __ATOMIC_RELAXED);
}

guint64
fixture_peak_mmap_bytes (void)
{
  static gsize installed = 0;

  if (g_once_init_enter (&installed))
    {
      __sanitizer_install_malloc_and_free_hooks (large_malloc_hook, large_free_hook);
      g_once_init_leave (&installed, 1);
    }

  return __atomic_load_n (&large_bytes_peak, __ATOMIC_RELAXED);
}
#else
/* malloc_stats() prints "max mmap bytes = N" to stderr; borrow fd 2. */
guint64
fixture_peak_mmap_bytes (void)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *line;
  int saved, fd;
  guint64 value = 0;

  fd = g_file_open_tmp ("malloc-stats-XXXXXX", &path, NULL);
  if (fd < 0)
    return 0;

  fflush (stderr);
  saved = dup (2);
  dup2 (fd, 2);
  malloc_stats ();
  fflush (stderr);
  dup2 (saved, 2);
  close (saved);
  close (fd);

  if (g_file_get_contents (path, &text, NULL, NULL) &&
      (line = strstr (text, "max mmap bytes")) != NULL)
    {
      const char *eq = strchr (line, '=');

      if (eq != NULL)
        value = g_ascii_strtoull (eq + 1, NULL, 10);
    }
  g_unlink (path);

  return value;
}
#endif
