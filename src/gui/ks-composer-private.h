#pragma once

#include "ks-composer.h"
#include "ks-reference-item.h"

G_BEGIN_DECLS

struct _KsComposer
{
  AdwBin          parent_instance;

  GSettings      *settings;
  KsParams       *params;
  GListStore     *references;     /* KsReferenceItem, in order */
  GQueue          pending;        /* PendingLoad, read one at a time */
  GCancellable   *cancellable;    /* the reference being read */
  char           *last_seed;
  char           *reason;
  gboolean        can_submit;
  gboolean        loading;
  gboolean        syncing;        /* the aspect ratio list is being rebuilt */

  /* Lineage: the result the current reference came from ("Use as
   * reference"), kept while that reference (parent_source) is there. */
  char           *parent_id;
  guint           parent_image;
  char           *parent_source;
  gboolean        moving;         /* a reference is being moved in the strip */

  /* The offer to restore the settings embedded in a reference (an image
   * Kontext Studio exported); built in code under the reference strip. */
  GtkRevealer    *recipe_offer;
  GtkLabel       *recipe_label;
  GtkWidget      *recipe_button;
  KsRecipe       *offered_recipe;

  /* template */
  GtkLabel       *mode_label;
  GtkWidget      *empty_button;
  GtkFlowBox     *references_box;
  GtkTextView    *prompt_view;
  GtkLabel       *prompt_hint;
  AdwComboRow    *model_row;
  AdwComboRow    *aspect_row;
  AdwActionRow   *aspect_warning_row;
  GtkSpinButton  *guidance_spin;
  GtkSpinButton  *num_images_spin;
  AdwComboRow    *format_row;
  GtkSwitch      *enhance_switch;
  GtkScale       *safety_scale;
  AdwActionRow   *seed_mode_row;
  GtkSwitch      *seed_switch;
  AdwEntryRow    *seed_row;
  GtkWidget      *last_seed_button;
  GtkLabel       *endpoint_label;
  GtkLabel       *cost_label;
  GtkButton      *generate_button;
  GtkLabel       *reason_label;
  GtkWidget      *drop_overlay;
  GtkDropTarget  *drop_target;
};

/* ks-composer.c */
KsMode    _ks_composer_current_mode       (KsComposer      *self);
KsModel   _ks_composer_current_model      (KsComposer      *self);
gboolean  _ks_composer_parse_seed         (const char      *text,
                                           guint64         *seed);
/* Settings and references → the live parameter set, and the words. */
void      _ks_composer_sync_params        (KsComposer      *self);
void      _ks_composer_references_changed (KsComposer      *self);
void      _ks_composer_emit_error         (KsComposer      *self,
                                           const char      *message);
void      _ks_composer_notify_busy        (KsComposer      *self);
guint     _ks_composer_get_max_references (KsComposer      *self);

/* ks-composer-settings.c: GSettings keys ↔ controls, the aspect list. */
const char * const *_ks_composer_aspect_choices (void);
void      _ks_composer_bind_settings      (KsComposer      *self);
void      _ks_composer_sync_aspect_row    (KsComposer      *self);
void      _ks_composer_update_aspect_warning (KsComposer   *self);

/* ks-composer-references.c: the reference strip's tiles, and references
 * that come from the library (use as reference, reuse settings). */
GtkWidget *_ks_composer_create_tile       (gpointer         item,
                                           gpointer         user_data);
void      _ks_composer_update_positions   (KsComposer      *self);
/* Forgets the parent once its reference is gone. */
void      _ks_composer_check_parent       (KsComposer      *self);
/* Makes @parent_id (NULL: none) the parent, for as long as the reference
 * @source is in the strip. */
void      _ks_composer_set_parent         (KsComposer      *self,
                                           const char      *parent_id,
                                           guint            parent_image,
                                           const char      *source);

/* ks-composer-references.c: the recipe offer. */
void      _ks_composer_build_recipe_offer (KsComposer      *self);
/* Offers @item's recipe (or says why it cannot be read). */
void      _ks_composer_offer_recipe       (KsComposer      *self,
                                           KsReferenceItem *item);
void      _ks_composer_clear_recipe_offer (KsComposer      *self);

/* ks-composer-input.c: adding references from files, data, the clipboard,
 * drops and the file chooser, one at a time, each checked off the main
 * thread before it is accepted. */
void      _ks_composer_input_init         (KsComposer      *self);
void      _ks_composer_input_dispose      (KsComposer      *self);
gboolean  _ks_composer_is_busy            (KsComposer      *self);
void      _ks_composer_add_url            (KsComposer      *self,
                                           const char      *url);
void      _ks_composer_add_file_full      (KsComposer      *self,
                                           GFile           *file,
                                           gboolean         replace);
/* A file shown under @name (NULL: its base name); when @parent_id is
 * given, accepting it makes that result the composer's parent. */
void      _ks_composer_add_named_file     (KsComposer      *self,
                                           GFile           *file,
                                           const char      *name,
                                           gboolean         replace,
                                           const char      *parent_id,
                                           guint            parent_image);
void      _ks_composer_add_bytes_full     (KsComposer      *self,
                                           GBytes          *bytes,
                                           const char      *name,
                                           gboolean         replace);
void      _ks_composer_cancel_pending     (KsComposer      *self);
void      _ks_composer_paste              (KsComposer      *self);
void      _ks_composer_open_reference     (KsComposer      *self);
/* TRUE when the clipboard offers an image or files rather than text. */
gboolean  _ks_composer_clipboard_has_image (KsComposer     *self);

G_END_DECLS
