#pragma once

#include <gio/gio.h>

#include "ks-core.h"
#include "ks-gallery-item.h"

G_BEGIN_DECLS

#define KS_TYPE_GALLERY_ITEMS (ks_gallery_items_get_type ())
G_DECLARE_FINAL_TYPE (KsGalleryItems, ks_gallery_items, KS, GALLERY_ITEMS, GObject)

/* The gallery's tiles, derived from a library's records (newest first):
 * one image-less tile per record until its first image file is written,
 * then one tile per written image, in result order. Follows the records
 * model's items-changed and each record's "images"; the initial fill of a
 * loaded library is one items-changed. Lookups are O(log n).
 *
 * A GListModel of KsGalleryItem. Property: library (construct-only). */
KsGalleryItems *ks_gallery_items_new          (KsLibrary      *library);
/* The position of @record's first tile, or FALSE when it has none. */
gboolean        ks_gallery_items_find_record  (KsGalleryItems *self,
                                               KsRecord       *record,
                                               guint          *position);

G_END_DECLS
