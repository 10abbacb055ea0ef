#pragma once

#include "ks-compare-view.h"
#include "ks-image-view.h"
#include "ks-lineage.h"
#include "ks-viewer.h"
#include "ks-viewer-target.h"

G_BEGIN_DECLS

struct _KsViewer
{
  AdwBin           parent_instance;

  KsGalleryItem   *item;
  GSignalGroup    *item_signals;
  GSignalGroup    *record_signals;

  GCancellable    *item_cancellable;
  GSettings       *settings;          /* "embed-recipe", read at each save */
  GtkNativeDialog *chooser;

  /* template */
  GtkLabel        *title_label;
  GtkStack        *image_stack;
  KsImageView     *image_view;
  KsCompareView   *compare_view;
  GtkLabel        *zoom_label;
  guint            zoom_label_idle;
  GtkWidget       *zoom_button;
  gboolean         comparing;
  char            *compare_mode;  /* "wipe", "side-by-side", "toggle" */
  GtkSpinner      *loading_spinner;
  KsLineage       *lineage;
  /* Compare With…: the list made when its popover opens, and the image
   * chosen (NULL: the reference or the previous step). */
  GtkMenuButton   *compare_with_button;
  GtkPopover      *compare_with_popover;
  GtkListView     *compare_with_list;
  GtkLabel        *compare_with_empty;
  GListStore      *compare_targets;
  KsViewerTarget  *compare_target;
  GtkLabel        *prompt_label;
  GtkLabel        *returned_prompt_heading;
  GtkLabel        *returned_prompt_label;

  AdwActionRow    *state_row;
  GtkLabel        *state_value;
  AdwActionRow    *model_row;
  GtkLabel        *model_value;
  AdwActionRow    *mode_row;
  GtkLabel        *mode_value;
  AdwActionRow    *guidance_row;
  GtkLabel        *guidance_value;
  AdwActionRow    *safety_row;
  GtkLabel        *safety_value;
  AdwActionRow    *aspect_row;
  GtkLabel        *aspect_value;
  AdwActionRow    *size_row;
  GtkLabel        *size_value;
  AdwActionRow    *seed_row;
  GtkLabel        *seed_value;
  AdwActionRow    *format_row;
  GtkLabel        *format_value;
  AdwActionRow    *enhance_row;
  GtkLabel        *enhance_value;
  AdwActionRow    *nsfw_row;
  GtkLabel        *nsfw_value;
  AdwActionRow    *inference_row;
  GtkLabel        *inference_value;
  AdwActionRow    *queue_row;
  GtkLabel        *queue_value;
  AdwActionRow    *cost_row;
  GtkLabel        *cost_value;
  AdwActionRow    *created_row;
  GtkLabel        *created_value;
  AdwActionRow    *request_row;
  GtkLabel        *request_value;
  AdwActionRow    *service_row;
  GtkLabel        *service_value;
};

/* ks-viewer.c: what the current item offers. */
KsRecord            *_ks_viewer_get_record   (KsViewer *self);
const KsRecordImage *_ks_viewer_get_image    (KsViewer *self);
/* Withheld by the safety check: no pixels to show or take away. */
gboolean             _ks_viewer_is_filtered  (KsViewer *self);
/* An image file in the library that may be saved, copied or dragged. */
gboolean             _ks_viewer_has_pixels   (KsViewer *self);
/* The library file of the image, or NULL. */
GFile               *_ks_viewer_dup_file     (KsViewer *self);
/* "png" or "jpeg": the format of @image's own file, or NULL. */
const char          *_ks_viewer_image_format (const KsRecordImage *image);
/* The seed the result reported, else the one asked for, in decimal; NULL
 * when neither is known. */
char                *_ks_viewer_dup_seed     (KsViewer *self);

/* ks-viewer-view.c: the image (zoom and pan) and comparing it. */
/* The image view that zoom acts on: the compare view's first while
 * comparing. */
KsImageView         *_ks_viewer_get_active_view (KsViewer *self);
void                 _ks_viewer_view_init       (KsViewer *self);
void                 _ks_viewer_view_class_init (GtkWidgetClass *widget_class);
/* The item changed, or its record did: what the image view shows and
 * what comparing compares. */
void                 _ks_viewer_update_view     (KsViewer *self);
void                 _ks_viewer_update_compare  (KsViewer *self);
void                 _ks_viewer_set_comparing   (KsViewer   *self,
                                                 gboolean    comparing);
void                 _ks_viewer_set_compare_mode (KsViewer  *self,
                                                  const char *mode);
/* ks-viewer.c: the image, the compare view, loading, filtered or empty. */
void                 _ks_viewer_refresh_page    (KsViewer *self);

/* ks-viewer-compare.c: Compare With… */
/* At most this many results under "Recent". */
#define KS_VIEWER_RECENT_MAX 20
void                 _ks_viewer_compare_init    (KsViewer *self);
void                 _ks_viewer_compare_dispose (KsViewer *self);
void                 _ks_viewer_compare_class_init (GtkWidgetClass *widget_class);
/* Fills the list from the library: Reference, Sweep, Edits, Recent. */
void                 _ks_viewer_rebuild_compare_targets (KsViewer *self);
/* Compares the result with @target (turning comparing on); NULL goes
 * back to the reference or the previous step. */
void                 _ks_viewer_set_compare_target (KsViewer       *self,
                                                    KsViewerTarget *target);
/* Another item is shown: back to the default target. */
void                 _ks_viewer_reset_compare_target (KsViewer *self);
/* "Result · seed N" for @record ("Result" without a seed). */
char                *_ks_viewer_dup_result_label (KsRecord *record);

/* ks-viewer-details.c: the parameters panel, from the record. */
void                 _ks_viewer_update_details (KsViewer *self);

/* ks-viewer-save.c: Save As (the portal's file chooser). */
void                 _ks_viewer_save_as        (KsViewer *self);
void                 _ks_viewer_emit_saved     (KsViewer *self,
                                                GFile    *file);
void                 _ks_viewer_emit_error     (KsViewer *self,
                                                const char *message);

G_END_DECLS
