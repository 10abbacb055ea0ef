#pragma once

#include <adwaita.h>

#include "ks-core.h"
#include "ks-gallery-item.h"

G_BEGIN_DECLS

#define KS_TYPE_COMPOSER (ks_composer_get_type ())
G_DECLARE_FINAL_TYPE (KsComposer, ks_composer, KS, COMPOSER, AdwBin)

/* The compose panel: references (drop, paste, open, reorder, remove),
 * prompt, parameters bound to GSettings, the cost, and Generate.
 *
 * Properties:
 *   settings     GSettings, construct-only: where the parameters persist
 *   params       KsParams, the live parameter set (read-only)
 *   can-submit   gboolean: the prompt and references make a valid request
 *   reason       why Generate is disabled, in words (NULL when enabled)
 *   busy         gboolean: a reference is being read
 *
 * Signals:
 *   submit (KsParams*)  Generate was pressed (or Ctrl+Enter): a snapshot
 *                       with the seed resolved (a random one drawn when the
 *                       seed mode is random), ready for the session
 *   error (const char*) a reference was refused: the message says why
 *                       (the window shows it as a toast)
 *
 * Actions (on the widget, "composer." prefix): generate, open-reference
 * (Ctrl+O through the portal file chooser), paste (Ctrl+V), clear-references,
 * random-seed, use-last-seed. */
GtkWidget  *ks_composer_new                  (GSettings     *settings);
KsParams   *ks_composer_get_params           (KsComposer    *self);
gboolean    ks_composer_get_can_submit       (KsComposer    *self);
const char *ks_composer_get_reason           (KsComposer    *self);
/* Adds a reference; a non-image or over-limit file shows why in a toast
 * (via the "error" signal) and keeps the previous references. */
void        ks_composer_add_file             (KsComposer    *self,
                                              GFile         *file);
void        ks_composer_add_bytes            (KsComposer    *self,
                                              GBytes        *bytes,
                                              const char    *name);
void        ks_composer_add_texture          (KsComposer    *self,
                                              GdkTexture    *texture);
/* Use as reference ("Edit further"): the item's image file in the library
 * becomes the only reference, and its record the parent (below). A
 * withheld (NSFW) or unwritten image is refused through "error". */
void        ks_composer_use_item             (KsComposer    *self,
                                              KsGalleryItem *item);
/* The record whose result the current references came from, for
 * ks_library_create_job(); @image_index (may be NULL) gets which image.
 * NULL when the references did not come from a result, or once that
 * reference was removed, replaced or cleared. */
const char *ks_composer_get_parent           (KsComposer    *self,
                                              guint         *image_index);
/* Puts every parameter of @params back into the controls. */
void        ks_composer_load_params          (KsComposer    *self,
                                              KsParams      *params);
/* Reuse settings: every parameter of @record in one action — endpoint,
 * prompt, guidance, aspect ratio, safety, the result's seed (fixed), number
 * of images, format, enhance prompt — and its references as they were
 * sent (the library's stored copies; addresses as they were). A record
 * that was an edit of a result keeps that result as the parent. */
void        ks_composer_reuse_record         (KsComposer    *self,
                                              KsLibrary     *library,
                                              KsRecord      *record);
void        ks_composer_set_prompt           (KsComposer    *self,
                                              const char    *prompt);
/* The seed of the last job, for the "last seed" button. */
void        ks_composer_set_last_seed        (KsComposer    *self,
                                              const char    *seed);
guint       ks_composer_get_n_references     (KsComposer    *self);
/* Emits "submit" when can-submit; returns whether it did. */
gboolean    ks_composer_submit               (KsComposer    *self);

G_END_DECLS
