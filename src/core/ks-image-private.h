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

G_END_DECLS
