#pragma once

#include <gtk/gtk.h>

#include "ks-gallery-item.h"

G_BEGIN_DECLS

/* One row of the viewer's "Compare With…" list: a section heading
 * ("Reference", "Sweep", "Edits", "Recent"), or an image the result can be
 * compared with — a stored reference (a file) or another result (a
 * KsGalleryItem, whose thumbnail it shows).
 *
 * Properties (read-only):
 *   heading     gboolean: a section heading, not a choice
 *   label       what the row says: "Seed 42", "Original", a prompt
 *   compare-label  what the compare view calls the image: "Reference", "Seed 42", …
 *   item        KsGalleryItem or NULL (a reference)
 *   file        GFile of the image, NULL for a heading
 *   thumbnail   GdkPaintable or NULL; ks_viewer_target_ensure_thumbnail()
 *               loads it off the main thread */

#define KS_TYPE_VIEWER_TARGET (ks_viewer_target_get_type ())
G_DECLARE_FINAL_TYPE (KsViewerTarget, ks_viewer_target, KS, VIEWER_TARGET, GObject)

KsViewerTarget *ks_viewer_target_new_heading    (const char     *label);
KsViewerTarget *ks_viewer_target_new_file       (GFile          *file,
                                                 const char     *label,
                                                 const char     *compare_label);
KsViewerTarget *ks_viewer_target_new_item       (KsGalleryItem  *item,
                                                 const char     *label,
                                                 const char     *compare_label);
gboolean        ks_viewer_target_get_heading    (KsViewerTarget *self);
const char     *ks_viewer_target_get_label      (KsViewerTarget *self);
const char     *ks_viewer_target_get_compare_label (KsViewerTarget *self);
KsGalleryItem  *ks_viewer_target_get_item       (KsViewerTarget *self);
GFile          *ks_viewer_target_get_file       (KsViewerTarget *self);
GdkPaintable   *ks_viewer_target_get_thumbnail  (KsViewerTarget *self);
void            ks_viewer_target_ensure_thumbnail (KsViewerTarget *self,
                                                   int             size);

G_END_DECLS
