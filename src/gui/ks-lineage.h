#pragma once

#include <adwaita.h>

#include "ks-core.h"

G_BEGIN_DECLS

#define KS_TYPE_LINEAGE (ks_lineage_get_type ())
G_DECLARE_FINAL_TYPE (KsLineage, ks_lineage, KS, LINEAGE, AdwBin)

/* The chain of edits a result belongs to, as a row of small thumbnails:
 * from the original (found by following parent-id through the library,
 * stopping at a missing parent or a cycle) to the current result, then on
 * through its newest edit, and that one's, and so on. The current step is
 * the selected one. Hidden while the chain has a single step.
 *
 * Moving along the chain in this process (a click, the arrow keys in the
 * strip, ks_lineage_step()) keeps the chain as it is, so that one can go
 * back and forth; a record outside it makes a new chain.
 *
 * Properties:
 *   library    KsLibrary or NULL
 *   record     KsRecord or NULL: the current step (read-only; see set_record)
 *   steps      GListModel of KsGalleryItem, original first (read-only)
 *   position   guint: the current step's place in steps (read-only)
 *
 * Signal:
 *   activate (KsRecord*, guint image)  the user chose another step: show it
 */
GtkWidget  *ks_lineage_new           (void);
KsLibrary  *ks_lineage_get_library   (KsLineage  *self);
KsRecord   *ks_lineage_get_record    (KsLineage  *self);
GListModel *ks_lineage_get_steps     (KsLineage  *self);
guint       ks_lineage_get_position  (KsLineage  *self);
/* Shows the chain through image @image of @record (-1: the record has no
 * image to show); NULL @record empties it. */
void        ks_lineage_set_record    (KsLineage  *self,
                                      KsLibrary  *library,
                                      KsRecord   *record,
                                      int         image);
/* Chooses the step @delta places along (-1 towards the original); emits
 * "activate" and returns TRUE when there is one. */
gboolean    ks_lineage_step          (KsLineage  *self,
                                      int         delta);

G_END_DECLS
