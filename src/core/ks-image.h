#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* Decoding with bounds. Nothing is allocated for the pixels before the
 * header has been read and the dimensions checked, so a 100 000 × 100 000
 * PNG of a few kilobytes is refused at once. Formats are sniffed from the
 * bytes, never from the file name. */

typedef struct
{
  gsize   max_bytes;       /* refuse inputs larger than this (0: no limit) */
  guint64 max_pixels;      /* refuse width × height above this (0: no limit) */
  guint   max_dimension;   /* refuse a side longer than this (0: no limit) */
  guint64 target_pixels;   /* scale down, keeping the aspect, to at most this many pixels and
                            * no side over 4 × √target_pixels (0: keep size) */
} KsImageLimits;

/* Limits for a reference the user gives: up to 200 MB, 200 megapixels,
 * sides up to 30 000; scaled to about one megapixel, 4096 a side at most. */
#define KS_IMAGE_REFERENCE_LIMITS ((KsImageLimits) { 200 * 1024 * 1024, 200000000, 30000, 1048576 })
/* Limits for a downloaded result: 64 MB, 64 megapixels, 16 384 a side. */
#define KS_IMAGE_RESULT_LIMITS ((KsImageLimits) { 64 * 1024 * 1024, 64000000, 16384, 0 })

typedef struct
{
  char  *mime_type;        /* sniffed, e.g. "image/png" */
  char  *format_name;      /* gdk-pixbuf's name, e.g. "png" */
  int    width;            /* as stored, before orientation */
  int    height;
  gboolean animated;
} KsImageInfo;

void        ks_image_info_clear     (KsImageInfo         *info);

/* Reads only the header. Fails with KS_ERROR_UNSUPPORTED_FORMAT,
 * KS_ERROR_BAD_IMAGE or KS_ERROR_TOO_LARGE. Thread-safe. */
gboolean    ks_image_probe          (GBytes              *bytes,
                                     const KsImageLimits *limits,
                                     KsImageInfo         *info,
                                     GError             **error);

/* Synchronous decode, for worker threads only: probe, decode (first frame
 * of an animation), apply EXIF orientation, scale to target_pixels. */
GdkPixbuf  *ks_image_decode         (GBytes              *bytes,
                                     const KsImageLimits *limits,
                                     KsImageInfo         *info,
                                     GError             **error);

/* The same on a worker thread. */
void        ks_image_decode_async   (GBytes              *bytes,
                                     const KsImageLimits *limits,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
GdkPixbuf  *ks_image_decode_finish  (GAsyncResult        *result,
                                     GError             **error);

/* Encodes as "jpeg" (quality 0–100) or "png". Thread-safe. */
GBytes     *ks_image_encode         (GdkPixbuf           *pixbuf,
                                     const char          *format,
                                     int                  quality,
                                     GError             **error);

G_END_DECLS
