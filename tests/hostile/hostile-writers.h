#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Writers for files no codec on this system writes: made by hand, byte
 * by byte, so that each one is exactly the hostile case it is named for. */

/* PNG ------------------------------------------------------------------ */

/* Appends one chunk with its length and CRC. */
void    hostile_png_chunk        (GByteArray   *png,
                                  const char   *type,
                                  const guint8 *data,
                                  gsize         len);
/* Signature and IHDR. */
void    hostile_png_start        (GByteArray   *png,
                                  guint32       width,
                                  guint32       height,
                                  guint8        bit_depth,
                                  guint8        colour_type,
                                  gboolean      interlaced);
/* A zlib stream of @length zero bytes, made in time and memory
 * proportional to its compressed size, not to @length: one block of
 * deflated zeros after a full flush is repeated. @length can be many
 * gigabytes. With @keep > 0, only the first @keep bytes are returned (a
 * bomb cut short). */
GBytes *hostile_zlib_zeros       (guint64       length,
                                  gsize         keep);
/* A complete PNG of @width × @height whose every row is zero: a
 * decompression bomb of 1000:1 and more. */
GBytes *hostile_png_bomb         (guint32       width,
                                  guint32       height,
                                  guint8        bit_depth,
                                  guint8        colour_type);
/* A PNG whose pixels are given (rows without filter bytes), with extra
 * chunks (already made with hostile_png_chunk) before the IDAT. */
GBytes *hostile_png_rows         (guint32       width,
                                  guint32       height,
                                  guint8        bit_depth,
                                  guint8        colour_type,
                                  const guint8 *rows,
                                  gsize         row_bytes,
                                  GBytes       *extra_chunks);

/* JPEG ----------------------------------------------------------------- */

/* The sample (0–255) of component @c for the 8 × 8 block at (@bx, @by). */
typedef guint8 (*HostileBlockFunc) (guint  bx,
                                    guint  by,
                                    guint  c,
                                    gpointer user_data);

/* A baseline JPEG whose every 8 × 8 block is one flat colour: only DC
 * coefficients are coded, so even 100 megapixels take a moment and a few
 * megabytes. @n_components is 1 (grey), 3 (YCbCr, JFIF) or 4 (CMYK
 * with an Adobe APP14 segment, stored inverted as Adobe writes it).
 * @segments (may be NULL) are inserted right after SOI. */
GBytes *hostile_jpeg_flat        (guint16           width,
                                  guint16           height,
                                  guint             n_components,
                                  HostileBlockFunc  block,
                                  gpointer          user_data,
                                  GBytes           *segments);
/* @jpeg with @segments inserted right after SOI. */
GBytes *hostile_jpeg_insert      (GBytes           *jpeg,
                                  GBytes           *segments);
/* APP2 ICC_PROFILE segments carrying a profile of @size bytes (at most
 * 255 segments, about 16 MB). */
GBytes *hostile_jpeg_icc         (gsize             size);

/* Others --------------------------------------------------------------- */

/* A GIF89a whose logical screen is @screen_width × @screen_height, with
 * one 1 × 1 frame. */
GBytes *hostile_gif_screen       (guint16           screen_width,
                                  guint16           screen_height);
/* A lossless WebP (VP8L) header claiming @width × @height (1–16 384),
 * with only a few bytes of image data. */
GBytes *hostile_webp_vp8l_header (guint             width,
                                  guint             height);
/* An extended WebP (VP8X) whose canvas is @width × @height (up to 2^24),
 * holding the image chunks of @still (a small WebP). */
GBytes *hostile_webp_canvas      (guint32           width,
                                  guint32           height,
                                  GBytes           *still);
/* An AVIF (ISO-BMFF) with only a header: ftyp and an ispe property of
 * @width × @height. */
GBytes *hostile_avif_header      (guint32           width,
                                  guint32           height);

/* The first @length bytes of @bytes. */
GBytes *hostile_truncate         (GBytes           *bytes,
                                  gsize             length);

G_END_DECLS
