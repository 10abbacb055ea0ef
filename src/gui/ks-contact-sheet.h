#pragma once

#include <adwaita.h>

#include "ks-gallery-item.h"

G_BEGIN_DECLS

#define KS_TYPE_CONTACT_SHEET (ks_contact_sheet_get_type ())
G_DECLARE_FINAL_TYPE (KsContactSheet, ks_contact_sheet, KS, CONTACT_SHEET, AdwWindow)

/* The results of one sweep side by side, to pick from: a window with a
 * grid of the batch's tiles (KsGalleryTile: the image, or the job's state
 * while it runs), each labelled with what sets it apart ("Seed 1234",
 * "Guidance 5.0"), in the order they were submitted. It follows the
 * session's items, so tiles fill in as the jobs finish.
 *
 * Properties:
 *   model          GListModel of KsGalleryItem, construct-only: every item
 *                  (the session's); the sheet shows those of its batch
 *   batch-id       construct-only
 *   selected-item  KsGalleryItem or NULL, read-only
 *
 * Signals (the main window handles them):
 *   item-activated (KsGalleryItem*)    open this image in the viewer
 *   use-as-reference (KsGalleryItem*)  edit this image further
 *
 * Actions: sheet.open, sheet.use-as-reference (on the selected image). */
GtkWidget     *ks_contact_sheet_new               (GtkWindow      *parent,
                                                   GListModel     *model,
                                                   const char     *batch_id);
const char    *ks_contact_sheet_get_batch_id      (KsContactSheet *self);
/* The batch's items as shown, in order. */
GListModel    *ks_contact_sheet_get_shown_model   (KsContactSheet *self);
KsGalleryItem *ks_contact_sheet_get_selected_item (KsContactSheet *self);
void           ks_contact_sheet_select            (KsContactSheet *self,
                                                   guint           position);
/* The label under a tile: the record's batch label, with the image's
 * number when a job made several ("Seed 1234 · 2"). */
char          *ks_contact_sheet_dup_label         (KsGalleryItem  *item);

G_END_DECLS
