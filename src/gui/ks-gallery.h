#pragma once

#include <adwaita.h>

#include "ks-gallery-item.h"

G_BEGIN_DECLS

#define KS_TYPE_GALLERY (ks_gallery_get_type ())
G_DECLARE_FINAL_TYPE (KsGallery, ks_gallery, KS, GALLERY, AdwBin)

/* A GtkGridView over the session's items (newest first), one
 * KsGalleryTile each, under a search entry (the prompt) and filters by
 * model, by state (finished, running, needing attention) and by date; an
 * empty state when there is nothing yet, and "No results match" with a
 * button to clear the filters when they hide everything.
 *
 * Properties: model (GListModel of KsGalleryItem), selected-item.
 *
 * Signals (the window forwards them to the session or the viewer):
 *   item-activated (KsGalleryItem*)               open it large
 *   cancel-requested (KsGalleryItem*)             a running job's Cancel
 *   retry-requested (KsGalleryItem*, int safety)  Retry after a failure
 *                                                 (safety -1: unchanged), or
 *                                                 "Retry with tolerance N"
 *                                                 on a filtered image
 *   resubmit-requested (KsGalleryItem*)           Resubmit… on a job that
 *                                                 may have been billed
 *
 * Action: gallery.clear-filters. */
GtkWidget     *ks_gallery_new               (void);
void           ks_gallery_set_model         (KsGallery     *self,
                                             GListModel    *model);
GListModel    *ks_gallery_get_model         (KsGallery     *self);
KsGalleryItem *ks_gallery_get_selected_item (KsGallery     *self);
/* The items the grid shows: the model through the search and filters. */
GListModel    *ks_gallery_get_shown_model   (KsGallery     *self);
/* Ctrl+F: shows and focuses the search entry. */
void           ks_gallery_focus_search      (KsGallery     *self);
/* Empties the search and sets every filter back to "All". */
void           ks_gallery_clear_filters     (KsGallery     *self);

G_END_DECLS
