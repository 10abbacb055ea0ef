#pragma once

#include <adwaita.h>

#include "ks-gallery-item.h"

G_BEGIN_DECLS

#define KS_TYPE_GALLERY (ks_gallery_get_type ())
G_DECLARE_FINAL_TYPE (KsGallery, ks_gallery, KS, GALLERY, AdwBin)

/* A GtkGridView over the session's items (newest first), one
 * KsGalleryTile each; an empty state when there is nothing yet.
 *
 * Properties: model (GListModel of KsGalleryItem), selected-item.
 *
 * Signals (the window forwards them to the session or the viewer):
 *   item-activated (KsGalleryItem*)               open it large
 *   cancel-requested (KsGalleryItem*)             a running job's Cancel
 *   retry-requested (KsGalleryItem*, int safety)  Retry after a failure
 *                                                 (safety -1: unchanged), or
 *                                                 "Retry with tolerance N"
 *                                                 on a filtered image */
GtkWidget     *ks_gallery_new               (void);
void           ks_gallery_set_model         (KsGallery     *self,
                                             GListModel    *model);
GListModel    *ks_gallery_get_model         (KsGallery     *self);
KsGalleryItem *ks_gallery_get_selected_item (KsGallery     *self);

G_END_DECLS
