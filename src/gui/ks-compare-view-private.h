#pragma once

#include "ks-compare-view.h"

G_BEGIN_DECLS

struct _KsCompareView
{
  GtkWidget      parent_instance;

  KsCompareMode  mode;
  double         position;
  gboolean       showing_b;
  gboolean       syncing;      /* copying one view's zoom and pan to the other */

  /* template */
  GtkWidget     *toolbar;
  GtkToggleButton *wipe_button;
  GtkToggleButton *side_button;
  GtkToggleButton *toggle_button;
  GtkWidget     *position_scale;
  GtkAdjustment *position_adjustment;
  GtkWidget     *hold_button;
  KsImageView   *view_a;
  KsImageView   *view_b;
  GtkLabel      *label_a;
  GtkLabel      *label_b;
};

/* ks-compare-view-layout.c */
void     _ks_compare_view_visible_frame  (KsImageView     *view,
                                          graphene_rect_t *rect);
double   _ks_compare_view_split_x        (KsCompareView   *self,
                                          graphene_rect_t *out_visible);
void     _ks_compare_view_measure        (GtkWidget       *widget,
                                          GtkOrientation   orientation,
                                          int              for_size,
                                          int             *minimum,
                                          int             *natural,
                                          int             *minimum_baseline,
                                          int             *natural_baseline);
void     _ks_compare_view_size_allocate  (GtkWidget       *widget,
                                          int              width,
                                          int              height,
                                          int              baseline);
void     _ks_compare_view_snapshot       (GtkWidget       *widget,
                                          GtkSnapshot     *snapshot);

G_END_DECLS
