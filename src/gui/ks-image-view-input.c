#define G_LOG_DOMAIN "ks-image-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-image-view-private.h"

/* Pointer, touch and keys: zoom toward the pointer, pinch, drag to pan,
 * and the zoom actions with their shortcuts. */

/* One step of the keys and actions; two steps of the wheel make one. */
#define ZOOM_STEP 1.25
#define WHEEL_STEP 1.118

static void
pointer_point (KsImageView *self,
               double      *x,
               double      *y)
{
  if (self->has_pointer)
    {
      *x = self->pointer_x;
      *y = self->pointer_y;
    }
  else
    {
      *x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      *y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
    }
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           KsImageView              *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->has_pointer = TRUE;
}

static void
on_leave (GtkEventControllerMotion *motion,
          KsImageView              *self)
{
  self->has_pointer = FALSE;
}

/* A wheel notch zooms at the pointer, Ctrl or not; a touchpad pans, and
 * zooms with Ctrl held. */
static gboolean
on_scroll (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           KsImageView              *self)
{
  GdkModifierType state;
  GdkScrollUnit unit;
  double x, y;

  if (self->paintable == NULL)
    return FALSE;

  /* No event: emitted by hand (tests, accessibility); a plain wheel. */
  if (gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (scroll)) != NULL)
    {
      state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
      unit = gtk_event_controller_scroll_get_unit (scroll);
    }
  else
    {
      state = 0;
      unit = GDK_SCROLL_UNIT_WHEEL;
    }

  if (unit == GDK_SCROLL_UNIT_WHEEL)
    {
      if (dy == 0)
        return FALSE;
      pointer_point (self, &x, &y);
      ks_image_view_zoom_at (self, pow (WHEEL_STEP, -dy), x, y);
    }
  else if ((state & GDK_CONTROL_MASK) != 0)
    {
      pointer_point (self, &x, &y);
      ks_image_view_zoom_at (self, exp (-dy / 100.0), x, y);
    }
  else
    {
      ks_image_view_pan (self, -dx, -dy);
    }

  return TRUE;
}

static void
on_pinch_begin (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                KsImageView      *self)
{
  self->pinch_zoom = self->zoom;
}

static void
on_pinch_scale_changed (GtkGestureZoom *gesture,
                        double          scale,
                        KsImageView    *self)
{
  double x, y;

  /* Emitted with no touch points (by hand): around the pointer. */
  if (!gtk_gesture_is_active (GTK_GESTURE (gesture)) ||
      !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y))
    pointer_point (self, &x, &y);
  ks_image_view_zoom_at (self, self->pinch_zoom * scale / self->zoom, x, y);
}

static void
on_drag_begin (GtkGestureDrag *drag,
               double          x,
               double          y,
               KsImageView    *self)
{
  if (self->paintable == NULL)
    {
      gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  self->drag_center_x = self->center_x;
  self->drag_center_y = self->center_y;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
on_drag_update (GtkGestureDrag *drag,
                double          offset_x,
                double          offset_y,
                KsImageView    *self)
{
  double f = _ks_image_view_widget_scale (self);

  _ks_image_view_apply_view (self, self->fit, self->zoom,
              self->drag_center_x - offset_x / f,
              self->drag_center_y - offset_y / f);
}

static void
on_drag_end (GtkGestureDrag *drag,
             double          offset_x,
             double          offset_y,
             KsImageView    *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsImageView *self = KS_IMAGE_VIEW (widget);
  double cx = gtk_widget_get_width (widget) / 2.0;
  double cy = gtk_widget_get_height (widget) / 2.0;

  if (g_str_equal (action_name, "image.zoom-in"))
    ks_image_view_zoom_at (self, ZOOM_STEP, cx, cy);
  else if (g_str_equal (action_name, "image.zoom-out"))
    ks_image_view_zoom_at (self, 1 / ZOOM_STEP, cx, cy);
  else if (g_str_equal (action_name, "image.zoom-fit"))
    ks_image_view_zoom_to_fit (self);
  else if (g_str_equal (action_name, "image.zoom-100"))
    ks_image_view_set_zoom (self, 1.0);
  else
    g_assert_not_reached ();
}

void
_ks_image_view_class_init_input (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "image.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "image.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "image.zoom-fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "image.zoom-100", NULL, zoom_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "image.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "image.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "image.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "image.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "image.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "image.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "image.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "image.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "image.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, 0, "image.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "image.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "image.zoom-100", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1, 0, "image.zoom-100", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "image.zoom-100", NULL);
}

void
_ks_image_view_init_input (KsImageView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_pinch_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}
