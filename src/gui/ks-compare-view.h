#pragma once

#include <gtk/gtk.h>

#include "ks-image-view.h"

G_BEGIN_DECLS

/* Two images side by side in one frame: a result and its reference, two
 * seeds, two steps of a chain. B is fitted into A's frame, centred, so
 * that what corresponds lines up even when the sizes differ.
 *
 * WIPE: A left of a slider, B right of it; drag or click the line, or use
 *   Left/Right (5 % a press) or the scale in the toolbar.
 * SIDE_BY_SIDE: two views whose zoom and pan are locked together.
 * TOGGLE: A, and B while Space (or the "Hold to Compare" button) is held.
 * In every mode both views share zoom and pan. */

typedef enum
{
  KS_COMPARE_MODE_WIPE,
  KS_COMPARE_MODE_SIDE_BY_SIDE,
  KS_COMPARE_MODE_TOGGLE,
} KsCompareMode;

#define KS_TYPE_COMPARE_VIEW (ks_compare_view_get_type ())

G_DECLARE_FINAL_TYPE (KsCompareView, ks_compare_view, KS, COMPARE_VIEW, GtkWidget)

GtkWidget     *ks_compare_view_new            (void);

KsCompareMode  ks_compare_view_get_mode       (KsCompareView *self);
void           ks_compare_view_set_mode       (KsCompareView *self,
                                               KsCompareMode  mode);

/* The wipe's split, 0 (all B) … 1 (all A), across the visible frame. */
double         ks_compare_view_get_position   (KsCompareView *self);
void           ks_compare_view_set_position   (KsCompareView *self,
                                               double         position);

/* Toggle mode: whether B is shown (while the key or button is held). */
gboolean       ks_compare_view_get_showing_b  (KsCompareView *self);
void           ks_compare_view_set_showing_b  (KsCompareView *self,
                                               gboolean       showing_b);

/* What the images are called on screen: "Reference", "Result", "Seed 42". */
const char    *ks_compare_view_get_label_a    (KsCompareView *self);
void           ks_compare_view_set_label_a    (KsCompareView *self,
                                               const char    *label);
const char    *ks_compare_view_get_label_b    (KsCompareView *self);
void           ks_compare_view_set_label_b    (KsCompareView *self,
                                               const char    *label);

void           ks_compare_view_set_labels     (KsCompareView *self,
                                               const char    *label_a,
                                               const char    *label_b);

/* The images: paintables, or files decoded off the main thread. */
void           ks_compare_view_set_paintables (KsCompareView *self,
                                               GdkPaintable  *a,
                                               GdkPaintable  *b);
void           ks_compare_view_set_files      (KsCompareView *self,
                                               GFile         *a,
                                               GFile         *b);

/* The two views, for zoom actions and the like. */
KsImageView   *ks_compare_view_get_view_a     (KsCompareView *self);
KsImageView   *ks_compare_view_get_view_b     (KsCompareView *self);

G_END_DECLS
