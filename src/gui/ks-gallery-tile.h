#pragma once

#include <adwaita.h>

#include "ks-gallery-item.h"

G_BEGIN_DECLS

/* Every tile has the same size, so the grid reads as a contact sheet:
 * KS_GALLERY_TILE_SIZE at the normal text size, larger in proportion
 * when the text is scaled (see ks_gallery_tile_get_size()). */
#define KS_GALLERY_TILE_SIZE 200

#define KS_TYPE_GALLERY_TILE (ks_gallery_tile_get_type ())
G_DECLARE_FINAL_TYPE (KsGalleryTile, ks_gallery_tile, KS, GALLERY_TILE, GtkWidget)

/* One cell of the gallery. For a record whose job runs: where it is in
 * words and numbers ("In queue · position 3", "Generating · 12 s"), a
 * Cancel button, the logs on demand. For one that ended without images:
 * how, in words (failed with the reason, cancelled, "Expired on the
 * server" with the request id in the tooltip, "Unknown — may have been
 * billed"), and Retry, or Resubmit… for an unknown one. For an image: the
 * thumbnail, or — when flagged by has_nsfw_concepts — a labelled
 * "Filtered by the safety check" tile with "Retry with tolerance N".
 * A "Simulated" badge on the demo service's results.
 *
 * Property: item (KsGalleryItem). Signals: cancel-requested,
 * retry-requested (int safety), resubmit-requested, as KsGallery
 * forwards them. */
GtkWidget     *ks_gallery_tile_new      (void);
KsGalleryItem *ks_gallery_tile_get_item (KsGalleryTile *self);
void           ks_gallery_tile_set_item (KsGalleryTile *self,
                                         KsGalleryItem *item);
/* The side of every tile, in pixels, for @widget's settings: the words of
 * a job tile fit at any text scale, so all tiles of a grid are equal. */
int            ks_gallery_tile_get_size (GtkWidget     *widget);
/* The words the tile shows for its state, for tests. */
const char    *ks_gallery_tile_get_status_text (KsGalleryTile *self);

G_END_DECLS
