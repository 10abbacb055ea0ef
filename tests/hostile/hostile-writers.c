#include "config.h"

#include <string.h>
#include <zlib.h>

#include "hostile-writers.h"

static void
append_be16 (GByteArray *array,
             guint16     value)
{
  guint8 b[2] = { value >> 8, value };

  g_byte_array_append (array, b, 2);
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, b, 4);
}

static void
append_le16 (GByteArray *array,
             guint16     value)
{
  guint8 b[2] = { value, value >> 8 };

  g_byte_array_append (array, b, 2);
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
append_text (GByteArray *array,
             const char *text)
{
  g_byte_array_append (array, (const guint8 *) text, strlen (text));
}

GBytes *
hostile_truncate (GBytes *bytes,
                  gsize   length)
{
  g_assert_cmpuint (length, <=, g_bytes_get_size (bytes));

  return g_bytes_new_from_bytes (bytes, 0, length);
}

/* PNG ------------------------------------------------------------------ */

void
hostile_png_chunk (GByteArray   *png,
                   const char   *type,
                   const guint8 *data,
                   gsize         len)
{
  uLong crc = crc32 (0, Z_NULL, 0);

  append_be32 (png, len);
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (png, data, len);
  crc = crc32 (crc, (const Bytef *) type, 4);
  /* crc32() takes a uInt length: feed large chunks in pieces. */
  for (gsize done = 0; done < len; )
    {
      uInt piece = (uInt) MIN (len - done, (gsize) G_MAXINT32);

      crc = crc32 (crc, data + done, piece);
      done += piece;
    }
  append_be32 (png, crc);
}

void
hostile_png_start (GByteArray *png,
                   guint32     width,
                   guint32     height,
                   guint8      bit_depth,
                   guint8      colour_type,
                   gboolean    interlaced)
{
  g_autoptr(GByteArray) ihdr = g_byte_array_new ();
  const guint8 tail[] = { bit_depth, colour_type, 0, 0, interlaced ? 1 : 0 };

  append_text (png, "\x89PNG\r\n\x1a\n");
  append_be32 (ihdr, width);
  append_be32 (ihdr, height);
  g_byte_array_append (ihdr, tail, sizeof tail);
  hostile_png_chunk (png, "IHDR", ihdr->data, ihdr->len);
}

static void
deflate_step (z_stream   *stream,
              guint8     *input,
              gsize       input_len,
              int         flush,
              GByteArray *out)
{
  guint8 buffer[64 * 1024];
  int status;

  stream->next_in = input;
  stream->avail_in = input_len;
  do
    {
      stream->next_out = buffer;
      stream->avail_out = sizeof buffer;
      status = deflate (stream, flush);
      g_assert_true (status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR);
      g_byte_array_append (out, buffer, sizeof buffer - stream->avail_out);
    }
  while (stream->avail_out == 0);
  g_assert_cmpuint (stream->avail_in, ==, 0);
}

#define ZERO_BLOCK (1024 * 1024)

GBytes *
hostile_zlib_zeros (guint64 length,
                    gsize   keep)
{
  g_autofree guint8 *zeros = g_malloc0 (ZERO_BLOCK);
  g_autoptr(GByteArray) head = g_byte_array_new ();
  g_autoptr(GByteArray) block = g_byte_array_new ();
  g_autoptr(GByteArray) again = g_byte_array_new ();
  g_autoptr(GByteArray) tail = g_byte_array_new ();
  GByteArray *out = g_byte_array_new ();
  z_stream stream = { 0, };
  guint64 n_blocks = length / ZERO_BLOCK;
  guint64 rest = length % ZERO_BLOCK;
  guint32 adler;

  g_assert_cmpint (deflateInit (&stream, 9), ==, Z_OK);

  if (n_blocks < 3)
    {
      /* Small enough to deflate for real. */
      for (guint64 i = 0; i < n_blocks; i++)
        deflate_step (&stream, zeros, ZERO_BLOCK, Z_NO_FLUSH, out);
      deflate_step (&stream, zeros, rest, Z_FINISH, out);
      deflateEnd (&stream);
      if (keep > 0 && keep < out->len)
        g_byte_array_set_size (out, keep);
      return g_byte_array_free_to_bytes (out);
    }

  /* After a full flush deflate forgets everything it saw, so the block
   * it writes for the next megabyte of zeros is the same every time. */
  deflate_step (&stream, zeros, ZERO_BLOCK, Z_FULL_FLUSH, head);
  deflate_step (&stream, zeros, ZERO_BLOCK, Z_FULL_FLUSH, block);
  deflate_step (&stream, zeros, ZERO_BLOCK, Z_FULL_FLUSH, again);
  g_assert_cmpmem (block->data, block->len, again->data, again->len);
  deflate_step (&stream, zeros, rest, Z_FINISH, tail);
  deflateEnd (&stream);
  g_assert_cmpuint (tail->len, >, 4);

  g_byte_array_append (out, head->data, head->len);
  for (guint64 i = 1; i < n_blocks; i++)
    {
      g_byte_array_append (out, block->data, block->len);
      if (keep > 0 && out->len >= keep)
        {
          g_byte_array_set_size (out, keep);
          return g_byte_array_free_to_bytes (out);
        }
    }
  /* The stream's own checksum covers only what deflate saw: put the one
   * of all @length zeros in its place. Adler-32 of zeros: A = 1, B = n. */
  g_byte_array_append (out, tail->data, tail->len - 4);
  adler = ((guint32) (length % 65521) << 16) | 1;
  append_be32 (out, adler);

  if (keep > 0 && keep < out->len)
    g_byte_array_set_size (out, keep);

  return g_byte_array_free_to_bytes (out);
}

static guint
png_bits_per_pixel (guint8 bit_depth,
                    guint8 colour_type)
{
  switch (colour_type)
    {
    case 0: return bit_depth;
    case 2: return bit_depth * 3;
    case 3: return bit_depth;
    case 4: return bit_depth * 2;
    case 6: return bit_depth * 4;
    default: g_assert_not_reached ();
    }
}

GBytes *
hostile_png_bomb (guint32 width,
                  guint32 height,
                  guint8  bit_depth,
                  guint8  colour_type)
{
  guint64 row = 1 + ((guint64) width * png_bits_per_pixel (bit_depth, colour_type) + 7) / 8;
  g_autoptr(GBytes) idat = hostile_zlib_zeros (row * height, 0);
  GByteArray *png = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (idat, &len);

  hostile_png_start (png, width, height, bit_depth, colour_type, FALSE);
  if (colour_type == 3)
    {
      const guint8 palette[] = { 0, 0, 0 };

      hostile_png_chunk (png, "PLTE", palette, sizeof palette);
    }
  /* In IDAT chunks of at most 1 MB, as encoders write them. */
  for (gsize offset = 0; offset < len; offset += 1024 * 1024)
    hostile_png_chunk (png, "IDAT", data + offset, MIN (len - offset, 1024 * 1024));
  hostile_png_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (png);
}

GBytes *
hostile_png_rows (guint32       width,
                  guint32       height,
                  guint8        bit_depth,
                  guint8        colour_type,
                  const guint8 *rows,
                  gsize         row_bytes,
                  GBytes       *extra_chunks)
{
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  GByteArray *png = g_byte_array_new ();
  g_autofree guint8 *compressed = NULL;
  uLongf compressed_len;

  for (guint32 y = 0; y < height; y++)
    {
      const guint8 filter = 0;

      g_byte_array_append (raw, &filter, 1);
      g_byte_array_append (raw, rows + (gsize) y * row_bytes, row_bytes);
    }

  compressed_len = compressBound (raw->len);
  compressed = g_malloc (compressed_len);
  g_assert_cmpint (compress2 (compressed, &compressed_len, raw->data, raw->len, 6), ==, Z_OK);

  hostile_png_start (png, width, height, bit_depth, colour_type, FALSE);
  if (extra_chunks != NULL)
    g_byte_array_append (png, g_bytes_get_data (extra_chunks, NULL), g_bytes_get_size (extra_chunks));
  hostile_png_chunk (png, "IDAT", compressed, compressed_len);
  hostile_png_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (png);
}

/* JPEG ----------------------------------------------------------------- */

/* The luminance DC table of the JPEG standard (K.3), and an AC table
 * with a single one-bit code: end of block. */
static const guint8 dc_bits[16] = { 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };
static const guint8 dc_values[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
static const guint8 ac_bits[16] = { 1, 0, };
static const guint8 ac_values[1] = { 0x00 };

typedef struct
{
  GByteArray *out;
  guint32     bits;
  guint       n_bits;
} BitWriter;

static void
put_bits (BitWriter *w,
          guint32    code,
          guint      length)
{
  for (guint i = length; i > 0; i--)
    {
      w->bits = (w->bits << 1) | ((code >> (i - 1)) & 1);
      if (++w->n_bits == 8)
        {
          guint8 byte = w->bits & 0xff;
          const guint8 stuffed = 0;

          g_byte_array_append (w->out, &byte, 1);
          if (byte == 0xff)
            g_byte_array_append (w->out, &stuffed, 1);
          w->bits = 0;
          w->n_bits = 0;
        }
    }
}

static void
flush_bits (BitWriter *w)
{
  while (w->n_bits != 0)
    put_bits (w, 1, 1);
}

static void
append_segment (GByteArray   *out,
                guint8        marker,
                const guint8 *data,
                gsize         len)
{
  const guint8 head[2] = { 0xff, marker };

  g_assert_cmpuint (len + 2, <=, 0xffff);
  g_byte_array_append (out, head, 2);
  append_be16 (out, len + 2);
  g_byte_array_append (out, data, len);
}

static void
append_huffman_table (GByteArray   *out,
                      guint8        class_id,
                      const guint8 *bits,
                      const guint8 *values,
                      gsize         n_values)
{
  g_autoptr(GByteArray) dht = g_byte_array_new ();

  g_byte_array_append (dht, &class_id, 1);
  g_byte_array_append (dht, bits, 16);
  g_byte_array_append (dht, values, n_values);
  append_segment (out, 0xc4, dht->data, dht->len);
}

GBytes *
hostile_jpeg_flat (guint16           width,
                   guint16           height,
                   guint             n_components,
                   HostileBlockFunc  block,
                   gpointer          user_data,
                   GBytes           *segments)
{
  static const guint8 jfif[] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
  /* "Adobe", version 100, no flags, transform 0: CMYK as stored. */
  static const guint8 adobe[] = { 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0 };
  GByteArray *out = g_byte_array_new ();
  g_autoptr(GByteArray) seg = g_byte_array_new ();
  guint16 dc_code[12];
  guint8 dc_length[12];
  guint blocks_x = (width + 7) / 8;
  guint blocks_y = (height + 7) / 8;
  int predictor[4] = { 0, };
  BitWriter writer = { out, 0, 0 };
  guint8 q = 0;

  g_assert_true (n_components == 1 || n_components == 3 || n_components == 4);

  /* Canonical Huffman codes from the code lengths. */
  {
    guint code = 0, k = 0;

    for (guint length = 1; length <= 16; length++)
      {
        for (guint i = 0; i < dc_bits[length - 1]; i++, k++)
          {
            dc_code[dc_values[k]] = code++;
            dc_length[dc_values[k]] = length;
          }
        code <<= 1;
      }
  }

  g_byte_array_append (out, (const guint8 *) "\xff\xd8", 2);
  if (n_components == 4)
    append_segment (out, 0xee, adobe, sizeof adobe);
  else
    append_segment (out, 0xe0, jfif, sizeof jfif);
  if (segments != NULL)
    g_byte_array_append (out, g_bytes_get_data (segments, NULL), g_bytes_get_size (segments));

  /* One quantisation table of ones: the DC value is exact. */
  g_byte_array_append (seg, &q, 1);
  for (guint i = 0; i < 64; i++)
    {
      const guint8 one = 1;

      g_byte_array_append (seg, &one, 1);
    }
  append_segment (out, 0xdb, seg->data, seg->len);

  /* Baseline frame, no subsampling. */
  g_byte_array_set_size (seg, 0);
  {
    const guint8 precision = 8;
    const guint8 n = n_components;

    g_byte_array_append (seg, &precision, 1);
    append_be16 (seg, height);
    append_be16 (seg, width);
    g_byte_array_append (seg, &n, 1);
    for (guint c = 0; c < n_components; c++)
      {
        const guint8 component[3] = { c + 1, 0x11, 0 };

        g_byte_array_append (seg, component, 3);
      }
  }
  append_segment (out, 0xc0, seg->data, seg->len);

  append_huffman_table (out, 0x00, dc_bits, dc_values, sizeof dc_values);
  append_huffman_table (out, 0x10, ac_bits, ac_values, sizeof ac_values);

  g_byte_array_set_size (seg, 0);
  {
    const guint8 n = n_components;
    const guint8 spectral[3] = { 0, 63, 0 };

    g_byte_array_append (seg, &n, 1);
    for (guint c = 0; c < n_components; c++)
      {
        const guint8 component[2] = { c + 1, 0x00 };

        g_byte_array_append (seg, component, 2);
      }
    g_byte_array_append (seg, spectral, 3);
  }
  append_segment (out, 0xda, seg->data, seg->len);

  for (guint by = 0; by < blocks_y; by++)
    for (guint bx = 0; bx < blocks_x; bx++)
      for (guint c = 0; c < n_components; c++)
        {
          /* A flat block's only coefficient: 8 × (sample − 128). */
          int dc = 8 * ((int) block (bx, by, c, user_data) - 128);
          int diff = dc - predictor[c];
          guint magnitude = ABS (diff);
          guint category = 0;

          predictor[c] = dc;
          while (magnitude >> category)
            category++;
          put_bits (&writer, dc_code[category], dc_length[category]);
          if (category > 0)
            put_bits (&writer, diff < 0 ? (guint32) (diff - 1) & ((1u << category) - 1) : (guint32) diff,
                      category);
          put_bits (&writer, 0, 1);   /* end of block */
        }
  flush_bits (&writer);

  g_byte_array_append (out, (const guint8 *) "\xff\xd9", 2);

  return g_byte_array_free_to_bytes (out);
}

GBytes *
hostile_jpeg_insert (GBytes *jpeg,
                     GBytes *segments)
{
  GByteArray *out = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);

  g_assert_cmpuint (len, >, 2);
  g_assert_true (data[0] == 0xff && data[1] == 0xd8);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, g_bytes_get_data (segments, NULL), g_bytes_get_size (segments));
  g_byte_array_append (out, data + 2, len - 2);

  return g_byte_array_free_to_bytes (out);
}

GBytes *
hostile_jpeg_icc (gsize size)
{
  const gsize per_segment = 65519 - 14;   /* room after "ICC_PROFILE\0", seq, count */
  guint count = (size + per_segment - 1) / per_segment;
  GByteArray *out = g_byte_array_new ();
  g_autoptr(GByteArray) seg = g_byte_array_new ();
  gsize done = 0;

  g_assert_cmpuint (count, >=, 1);
  g_assert_cmpuint (count, <=, 255);

  for (guint i = 0; i < count; i++)
    {
      const guint8 numbers[2] = { i + 1, count };
      gsize len = MIN (per_segment, size - done);

      g_byte_array_set_size (seg, 0);
      g_byte_array_append (seg, (const guint8 *) "ICC_PROFILE", 12);
      g_byte_array_append (seg, numbers, 2);
      if (i == 0)
        {
          /* A profile header that claims the whole size, then filler. */
          append_be32 (seg, size);
          append_text (seg, "lcmsmntrRGB XYZ ");
          len -= 20;
        }
      for (gsize k = 0; k < len; k++)
        {
          guint8 filler = (guint8) (k * 7 + i);

          g_byte_array_append (seg, &filler, 1);
        }
      done += len + (i == 0 ? 20 : 0);
      append_segment (out, 0xe2, seg->data, seg->len);
    }

  return g_byte_array_free_to_bytes (out);
}

/* Others --------------------------------------------------------------- */

GBytes *
hostile_gif_screen (guint16 screen_width,
                    guint16 screen_height)
{
  /* One 1 × 1 frame: clear code, index 0, end code in 3-bit LZW codes. */
  static const guint8 frame[] = {
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00,
    0x02, 0x02, 0x44, 0x01, 0x00,
  };
  static const guint8 palette[] = { 0xff, 0x00, 0x00, 0x00, 0x00, 0xff };
  const guint8 flags[3] = { 0x80, 0, 0 };   /* global colour table of 2 */
  GByteArray *gif = g_byte_array_new ();

  append_text (gif, "GIF89a");
  append_le16 (gif, screen_width);
  append_le16 (gif, screen_height);
  g_byte_array_append (gif, flags, 3);
  g_byte_array_append (gif, palette, sizeof palette);
  g_byte_array_append (gif, frame, sizeof frame);
  g_byte_array_append (gif, (const guint8 *) ";", 1);

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

static GBytes *
riff_webp (GByteArray *body)
{
  GByteArray *out = g_byte_array_new ();

  append_text (out, "RIFF");
  append_le32 (out, body->len + 4);
  append_text (out, "WEBP");
  g_byte_array_append (out, body->data, body->len);

  return g_byte_array_free_to_bytes (out);
}

GBytes *
hostile_webp_vp8l_header (guint width,
                          guint height)
{
  g_autoptr(GByteArray) vp8l = g_byte_array_new ();
  g_autoptr(GByteArray) body = g_byte_array_new ();
  const guint8 signature = 0x2f;
  const guint8 data[8] = { 0, };

  g_assert_cmpuint (width, >=, 1);
  g_assert_cmpuint (width, <=, 16384);
  g_assert_cmpuint (height, >=, 1);
  g_assert_cmpuint (height, <=, 16384);

  g_byte_array_append (vp8l, &signature, 1);
  append_le32 (vp8l, (width - 1) | ((guint32) (height - 1) << 14));
  g_byte_array_append (vp8l, data, sizeof data);
  append_riff_chunk (body, "VP8L", vp8l->data, vp8l->len);

  return riff_webp (body);
}

GBytes *
hostile_webp_canvas (guint32  width,
                     guint32  height,
                     GBytes  *still)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) vp8x = g_byte_array_new ();
  gsize len;
  const guint8 *data = g_bytes_get_data (still, &len);
  const guint8 flags[4] = { 0, };

  g_byte_array_append (vp8x, flags, 4);
  append_le24 (vp8x, width - 1);
  append_le24 (vp8x, height - 1);
  append_riff_chunk (body, "VP8X", vp8x->data, vp8x->len);

  /* The still's chunks, without any VP8X of its own. */
  for (gsize i = 12; i + 8 <= len; )
    {
      guint32 size = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | ((guint32) data[i + 7] << 24);
      gsize padded = 8 + size + (size & 1);

      g_assert_cmpuint (i + 8 + size, <=, len);
      if (memcmp (data + i, "VP8X", 4) != 0)
        g_byte_array_append (body, data + i, MIN (padded, len - i));
      i += padded;
    }

  return riff_webp (body);
}

static void
append_box (GByteArray   *out,
            const char   *type,
            const guint8 *data,
            gsize         len)
{
  append_be32 (out, len + 8);
  g_byte_array_append (out, (const guint8 *) type, 4);
  g_byte_array_append (out, data, len);
}

GBytes *
hostile_avif_header (guint32 width,
                     guint32 height)
{
  g_autoptr(GByteArray) ftyp = g_byte_array_new ();
  g_autoptr(GByteArray) ispe = g_byte_array_new ();
  g_autoptr(GByteArray) ipco = g_byte_array_new ();
  g_autoptr(GByteArray) iprp = g_byte_array_new ();
  g_autoptr(GByteArray) meta = g_byte_array_new ();
  GByteArray *out = g_byte_array_new ();

  append_text (ftyp, "avif");
  append_be32 (ftyp, 0);
  append_text (ftyp, "avifmif1miaf");
  append_box (out, "ftyp", ftyp->data, ftyp->len);

  append_be32 (ispe, 0);            /* version, flags */
  append_be32 (ispe, width);
  append_be32 (ispe, height);
  append_box (ipco, "ispe", ispe->data, ispe->len);
  append_box (iprp, "ipco", ipco->data, ipco->len);
  append_be32 (meta, 0);            /* version, flags */
  append_box (meta, "iprp", iprp->data, iprp->len);
  append_box (out, "meta", meta->data, meta->len);

  return g_byte_array_free_to_bytes (out);
}
