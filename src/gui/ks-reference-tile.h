#pragma once

#include <gtk/gtk.h>

#include "ks-reference-item.h"

G_BEGIN_DECLS

#define KS_TYPE_REFERENCE_TILE (ks_reference_tile_get_type ())
G_DECLARE_FINAL_TYPE (KsReferenceTile, ks_reference_tile, KS, REFERENCE_TILE, GtkFlowBoxChild)

/* One reference in the composer's strip: its thumbnail, name, pixel size,
 * position badge and a remove button. Dragging a tile onto another moves it
 * there.
 *
 * Actions ("tile." prefix): remove (Delete), move-left (Alt+Left),
 * move-right (Alt+Right); also in the context menu.
 *
 * Signals:
 *   remove ()                      the user asked to remove the reference
 *   move (int delta)               move by @delta places (-1 or +1)
 *   reorder (KsReferenceItem*)     a tile was dropped here: move it to this place
 */
GtkWidget       *ks_reference_tile_new          (KsReferenceItem *item);
KsReferenceItem *ks_reference_tile_get_item     (KsReferenceTile *self);
/* Its place in the strip, 0-based, of @n_items: updates the badge and
 * which moves are possible. */
void             ks_reference_tile_set_position (KsReferenceTile *self,
                                                 guint            position,
                                                 guint            n_items);

G_END_DECLS
