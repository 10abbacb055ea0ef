#pragma once

#include "ks-image.h"

G_BEGIN_DECLS

/* ks-image.c: the probe, shared with the decode */
gboolean         _ks_image_probe_internal (GBytes               *bytes,
                                           const KsImageLimits  *limits,
                                           KsImageInfo          *info,
                                           GError              **error);
GdkPixbufLoader *_ks_image_new_loader     (const char           *name,
                                           GError              **error);

/* What a JPEG's headers say, read without decoding anything. */
typedef struct
{
  guint    width;
  guint    height;
  guint64  blocks;          /* 8 × 8 blocks, all components together */
  gboolean progressive;
  gboolean arithmetic;
  gsize    scan_offset;     /* where the first scan's data begins; 0: none */
} KsJpegFrame;

/* FALSE when no frame header is found before the first scan or the
 * markers do not hold together. */
gboolean         _ks_image_read_jpeg_frame (const guint8      *data,
                                            gsize              size,
                                            KsJpegFrame       *frame);

G_END_DECLS
