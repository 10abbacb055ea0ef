#define G_LOG_DOMAIN "ks-compare-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-compare-view-private.h"

/* Layout and drawing: the toolbar on top, the two views over each other
 * (wipe, toggle) or next to each other, the names over the images, and
 * the wipe's line and handle. */

#define GAP 6            /* between the views side by side */
#define LABEL_MARGIN 12
#define HANDLE_RADIUS 16

/* The part of the frame that is on screen, in @view's coordinates. */
void
_ks_compare_view_visible_frame (KsImageView     *view,
               graphene_rect_t *rect)
{
  graphene_rect_t frame;
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0,
                                               gtk_widget_get_width (GTK_WIDGET (view)),
                                               gtk_widget_get_height (GTK_WIDGET (view)));

  ks_image_view_get_frame_rect (view, &frame);
  if (!graphene_rect_intersection (&frame, &bounds, rect))
    *rect = bounds;
}

/* The wipe's line, in our coordinates, and the visible frame around it. */
double
_ks_compare_view_split_x (KsCompareView   *self,
         graphene_rect_t *out_visible)
{
  graphene_rect_t visible;
  graphene_point_t origin;

  _ks_compare_view_visible_frame (self->view_a, &visible);
  if (!gtk_widget_compute_point (GTK_WIDGET (self->view_a), GTK_WIDGET (self),
                                 &GRAPHENE_POINT_INIT (visible.origin.x, visible.origin.y),
                                 &origin))
    origin = visible.origin;
  visible.origin = origin;
  if (out_visible != NULL)
    *out_visible = visible;

  return visible.origin.x + round (self->position * visible.size.width);
}

void
_ks_compare_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  KsCompareView *self = KS_COMPARE_VIEW (widget);
  int tmin, tnat, vmin, vnat;

  gtk_widget_measure (self->toolbar, orientation, -1, &tmin, &tnat, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (self->view_a), orientation, -1, &vmin, &vnat, NULL, NULL);

  if (orientation == GTK_ORIENTATION_VERTICAL)
    {
      *minimum = tmin + vmin;
      *natural = tnat + vnat;
    }
  else
    {
      *minimum = MAX (tmin, 2 * vmin + GAP);
      *natural = MAX (tnat, 2 * vnat + GAP);
    }
}

static void
allocate_label (GtkWidget *label,
                double     x,
                double     y,
                gboolean   from_right)
{
  int width, height;

  if (!gtk_widget_get_visible (label))
    return;

  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &width, NULL, NULL);
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, width, NULL, &height, NULL, NULL);
  if (from_right)
    x -= width;
  gtk_widget_size_allocate (label, &(GtkAllocation) { (int) x, (int) y, width, height }, -1);
}

/* The label's corner of the visible frame of @view placed at (@vx, @vy). */
static void
place_labels (KsCompareView *self,
              int            ax,
              int            bx,
              int            top)
{
  graphene_rect_t va, vb;

  _ks_compare_view_visible_frame (self->view_a, &va);
  _ks_compare_view_visible_frame (self->view_b, &vb);

  switch (self->mode)
    {
    case KS_COMPARE_MODE_WIPE:
      allocate_label (GTK_WIDGET (self->label_a), ax + va.origin.x + LABEL_MARGIN,
                      top + va.origin.y + LABEL_MARGIN, FALSE);
      allocate_label (GTK_WIDGET (self->label_b), ax + va.origin.x + va.size.width - LABEL_MARGIN,
                      top + va.origin.y + LABEL_MARGIN, TRUE);
      break;
    case KS_COMPARE_MODE_SIDE_BY_SIDE:
    case KS_COMPARE_MODE_TOGGLE:
      allocate_label (GTK_WIDGET (self->label_a), ax + va.origin.x + LABEL_MARGIN,
                      top + va.origin.y + LABEL_MARGIN, FALSE);
      allocate_label (GTK_WIDGET (self->label_b), bx + vb.origin.x + LABEL_MARGIN,
                      top + vb.origin.y + LABEL_MARGIN, FALSE);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
_ks_compare_view_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  KsCompareView *self = KS_COMPARE_VIEW (widget);
  int toolbar_height, area_height, half;

  gtk_widget_measure (self->toolbar, GTK_ORIENTATION_VERTICAL, width, NULL, &toolbar_height, NULL, NULL);
  gtk_widget_size_allocate (self->toolbar, &(GtkAllocation) { 0, 0, width, toolbar_height }, -1);
  area_height = MAX (0, height - toolbar_height);

  if (self->mode == KS_COMPARE_MODE_SIDE_BY_SIDE)
    {
      half = (width - GAP) / 2;
      gtk_widget_size_allocate (GTK_WIDGET (self->view_a),
                                &(GtkAllocation) { 0, toolbar_height, half, area_height }, -1);
      gtk_widget_size_allocate (GTK_WIDGET (self->view_b),
                                &(GtkAllocation) { half + GAP, toolbar_height, width - half - GAP, area_height }, -1);
      place_labels (self, 0, half + GAP, toolbar_height);
    }
  else
    {
      gtk_widget_size_allocate (GTK_WIDGET (self->view_a),
                                &(GtkAllocation) { 0, toolbar_height, width, area_height }, -1);
      gtk_widget_size_allocate (GTK_WIDGET (self->view_b),
                                &(GtkAllocation) { 0, toolbar_height, width, area_height }, -1);
      place_labels (self, 0, 0, toolbar_height);
    }
}

/* A white line with a dark edge, and a round handle with two arrows. */
static void
snapshot_divider (KsCompareView         *self,
                  GtkSnapshot           *snapshot,
                  double                 x,
                  const graphene_rect_t *visible,
                  double                 top,
                  double                 bottom)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (x - HANDLE_RADIUS - 2, top,
                                               2 * HANDLE_RADIUS + 4, bottom - top);
  double cy = visible->origin.y + visible->size.height / 2;
  cairo_t *cr;

  cr = gtk_snapshot_append_cairo (snapshot, &bounds);

  cairo_set_line_width (cr, 4);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
  cairo_move_to (cr, x, top);
  cairo_line_to (cr, x, bottom);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x, top);
  cairo_line_to (cr, x, bottom);
  cairo_stroke (cr);

  cairo_arc (cr, x, cy, HANDLE_RADIUS, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);

  /* ◀ ▶ */
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_move_to (cr, x - 3, cy - 6);
  cairo_line_to (cr, x - 10, cy);
  cairo_line_to (cr, x - 3, cy + 6);
  cairo_close_path (cr);
  cairo_move_to (cr, x + 3, cy - 6);
  cairo_line_to (cr, x + 10, cy);
  cairo_line_to (cr, x + 3, cy + 6);
  cairo_close_path (cr);
  cairo_fill (cr);

  cairo_destroy (cr);
}

void
_ks_compare_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  KsCompareView *self = KS_COMPARE_VIEW (widget);
  GtkWidget *a = GTK_WIDGET (self->view_a);
  GtkWidget *b = GTK_WIDGET (self->view_b);
  graphene_rect_t visible, area;
  double x, top, bottom;
  int width = gtk_widget_get_width (widget);

  gtk_widget_snapshot_child (widget, self->toolbar, snapshot);

  switch (self->mode)
    {
    case KS_COMPARE_MODE_WIPE:
      x = _ks_compare_view_split_x (self, &visible);
      if (!gtk_widget_compute_bounds (a, widget, &area))
        break;
      top = area.origin.y;
      bottom = top + area.size.height;

      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, top, x, bottom - top));
      gtk_widget_snapshot_child (widget, a, snapshot);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (x, top, width - x, bottom - top));
      gtk_widget_snapshot_child (widget, b, snapshot);
      gtk_snapshot_pop (snapshot);

      if (ks_image_view_get_paintable (self->view_a) != NULL ||
          ks_image_view_get_paintable (self->view_b) != NULL)
        snapshot_divider (self, snapshot, x, &visible, visible.origin.y,
                          visible.origin.y + visible.size.height);
      break;
    case KS_COMPARE_MODE_SIDE_BY_SIDE:
      gtk_widget_snapshot_child (widget, a, snapshot);
      gtk_widget_snapshot_child (widget, b, snapshot);
      break;
    case KS_COMPARE_MODE_TOGGLE:
      gtk_widget_snapshot_child (widget, self->showing_b ? b : a, snapshot);
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_widget_snapshot_child (widget, GTK_WIDGET (self->label_a), snapshot);
  gtk_widget_snapshot_child (widget, GTK_WIDGET (self->label_b), snapshot);
}
