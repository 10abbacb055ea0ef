#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Test inputs, all made at run time. */

/* @width × @height, opaque or not; the top-left 16 × 16 block is red, the
 * rest blue, with a soft gradient so encoders have something to do. */
GdkPixbuf *fixture_marked_pixbuf      (int          width,
                                       int          height,
                                       gboolean     alpha);
/* Smooth colours plus fine noise: compresses like a photo. */
GdkPixbuf *fixture_photo_pixbuf       (int          width,
                                       int          height,
                                       guint32      seed);
GBytes    *fixture_encode             (GdkPixbuf   *pixbuf,
                                       const char  *format,   /* png, jpeg, webp, avif */
                                       const char  *quality); /* or NULL */
gboolean   fixture_format_writable    (const char  *format);
/* A PNG of which only the header is real: IHDR says @width × @height. */
GBytes    *fixture_png_header         (guint32      width,
                                       guint32      height);
/* A real PNG written by hand (gdk-pixbuf only writes 8-bit RGB/RGBA). */
GBytes    *fixture_png_raw            (guint32      width,
                                       guint32      height,
                                       guint8       bit_depth,
                                       guint8       colour_type,
                                       const guint8 *rows,    /* without filter bytes */
                                       gsize        row_bytes);
/* @jpeg with an EXIF APP1 segment holding only Orientation = @orientation. */
GBytes    *fixture_jpeg_with_orientation (GBytes    *jpeg,
                                          guint      orientation);
/* A copy of @jpeg whose frame header claims @width × @height. */
GBytes    *fixture_jpeg_with_size     (GBytes      *jpeg,
                                       guint16      width,
                                       guint16      height);
/* A 2 × 2 GIF with two frames: red, then green. */
GBytes    *fixture_animated_gif       (void);
/* An animated WebP of two frames, @first then @second, each a still
 * WebP written by gdk-pixbuf. */
GBytes    *fixture_animated_webp      (GdkPixbuf   *first,
                                       GdkPixbuf   *second);
/* The colour at (x, y). */
void       fixture_pixel              (GdkPixbuf   *pixbuf,
                                       int          x,
                                       int          y,
                                       guint8      *r,
                                       guint8      *g,
                                       guint8      *b,
                                       guint8      *a);
/* Peak resident memory of this process, in bytes. */
gboolean   fixture_running_on_valgrind (void);
guint64    fixture_peak_rss           (void);
/* Peak bytes glibc's allocator ever held in mmap()ed blocks: every large
 * allocation, touched or not, shows here. 0 when it cannot be read. */
guint64    fixture_peak_mmap_bytes    (void);

G_END_DECLS
