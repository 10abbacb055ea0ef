#define G_LOG_DOMAIN "ks-compare-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-compare-view-private.h"
#include "ks-gui-enums.h"
#include "ks-style.h"

#define GRAB_DISTANCE 20 /* how near the line a press takes the slider */
#define KEY_STEP 0.05

G_DEFINE_FINAL_TYPE (KsCompareView, ks_compare_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODE,
  PROP_POSITION,
  PROP_SHOWING_B,
  PROP_LABEL_A,
  PROP_LABEL_B,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_position_from_x (KsCompareView *self,
                     double         x)
{
  graphene_rect_t visible;

  _ks_compare_view_split_x (self, &visible);
  if (visible.size.width <= 0)
    return;
  ks_compare_view_set_position (self, (x - visible.origin.x) / visible.size.width);
}

/* ---- Locked views --------------------------------------------------------- */

static void
on_view_changed (KsImageView   *view,
                 KsCompareView *self)
{
  KsImageView *other = view == self->view_a ? self->view_b : self->view_a;
  double cx, cy;

  if (!self->syncing)
    {
      self->syncing = TRUE;
      ks_image_view_get_center (view, &cx, &cy);
      ks_image_view_set_view (other, ks_image_view_get_fit (view),
                              ks_image_view_get_zoom (view), cx, cy);
      self->syncing = FALSE;
    }

  /* The labels follow the frame; the wipe line follows it too. */
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

/* B is fitted into A's frame as soon as A's size is known. */
static void
on_view_a_paintable (KsImageView   *view,
                     GParamSpec    *pspec,
                     KsCompareView *self)
{
  int width, height;

  ks_image_view_get_image_size (self->view_a, &width, &height);
  ks_image_view_set_frame_size (self->view_b, width, height);
  on_view_changed (self->view_a, self);
}

/* ---- Mode, labels, showing ------------------------------------------------ */

static void
update_children (KsCompareView *self)
{
  gboolean toggle = self->mode == KS_COMPARE_MODE_TOGGLE;

  gtk_widget_set_visible (self->position_scale, self->mode == KS_COMPARE_MODE_WIPE);
  gtk_widget_set_visible (self->hold_button, toggle);
  gtk_widget_set_visible (GTK_WIDGET (self->label_a), !toggle || !self->showing_b);
  gtk_widget_set_visible (GTK_WIDGET (self->label_b), !toggle || self->showing_b);

  gtk_toggle_button_set_active (self->wipe_button, self->mode == KS_COMPARE_MODE_WIPE);
  gtk_toggle_button_set_active (self->side_button, self->mode == KS_COMPARE_MODE_SIDE_BY_SIDE);
  gtk_toggle_button_set_active (self->toggle_button, toggle);

  /* Only what is on screen can be reached: in the toggle, the hidden one
   * is not; in the wipe, both are (they are locked, so either will do). */
  gtk_widget_set_can_target (GTK_WIDGET (self->view_a), !toggle || !self->showing_b);
  gtk_widget_set_can_target (GTK_WIDGET (self->view_b), !toggle || self->showing_b);

  gtk_accessible_update_state (GTK_ACCESSIBLE (self->hold_button),
                               GTK_ACCESSIBLE_STATE_PRESSED, toggle && self->showing_b,
                               -1);

  gtk_widget_queue_allocate (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_accessible_names (KsCompareView *self)
{
  g_autofree char *a = g_strdup_printf (_("Image A: %s"), gtk_label_get_label (self->label_a));
  g_autofree char *b = g_strdup_printf (_("Image B: %s"), gtk_label_get_label (self->label_b));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view_a),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view_b),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, b,
                                  -1);
}

static void
on_mode_button_toggled (GtkToggleButton *button,
                        gpointer         user_data)
{
  KsCompareView *self = KS_COMPARE_VIEW (user_data);

  if (!gtk_toggle_button_get_active (button))
    return;

  if (button == self->wipe_button)
    ks_compare_view_set_mode (self, KS_COMPARE_MODE_WIPE);
  else if (button == self->side_button)
    ks_compare_view_set_mode (self, KS_COMPARE_MODE_SIDE_BY_SIDE);
  else
    ks_compare_view_set_mode (self, KS_COMPARE_MODE_TOGGLE);
}

/* Enter on the focused button latches, for whoever cannot hold a key. */
static void
on_hold_button_clicked (KsCompareView *self)
{
  ks_compare_view_set_showing_b (self, !self->showing_b);
}

static void
on_hold_pressed (GtkGestureClick *click,
                 int              n_press,
                 double           x,
                 double           y,
                 KsCompareView   *self)
{
  /* Ours, not the button's: a press is not a click here. */
  gtk_gesture_set_state (GTK_GESTURE (click), GTK_EVENT_SEQUENCE_CLAIMED);
  ks_compare_view_set_showing_b (self, TRUE);
}

static void
on_hold_released (GtkGestureClick *click,
                  int              n_press,
                  double           x,
                  double           y,
                  KsCompareView   *self)
{
  ks_compare_view_set_showing_b (self, FALSE);
}

static void
on_hold_cancel (GtkGesture       *click,
                GdkEventSequence *sequence,
                KsCompareView    *self)
{
  ks_compare_view_set_showing_b (self, FALSE);
}

static gboolean
on_key_pressed (GtkEventControllerKey *keys,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                KsCompareView         *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  if (self->mode == KS_COMPARE_MODE_TOGGLE && (keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Space))
    {
      ks_compare_view_set_showing_b (self, TRUE);
      return TRUE;
    }

  if (self->mode == KS_COMPARE_MODE_WIPE && (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left))
    {
      ks_compare_view_set_position (self, self->position - KEY_STEP);
      return TRUE;
    }

  if (self->mode == KS_COMPARE_MODE_WIPE && (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right))
    {
      ks_compare_view_set_position (self, self->position + KEY_STEP);
      return TRUE;
    }

  return FALSE;
}

static void
on_key_released (GtkEventControllerKey *keys,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 KsCompareView         *self)
{
  if (keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Space)
    ks_compare_view_set_showing_b (self, FALSE);
}

/* Releasing Space elsewhere must not leave B up. */
static void
on_focus_leave (GtkEventControllerFocus *focus,
                KsCompareView           *self)
{
  ks_compare_view_set_showing_b (self, FALSE);
}

/* ---- The wipe's handle ---------------------------------------------------- */

static void
on_wipe_drag_begin (GtkGestureDrag *drag,
                    double          x,
                    double          y,
                    KsCompareView  *self)
{
  graphene_rect_t visible;
  double line = _ks_compare_view_split_x (self, &visible);

  if (self->mode != KS_COMPARE_MODE_WIPE || fabs (x - line) > GRAB_DISTANCE ||
      y < visible.origin.y || y > visible.origin.y + visible.size.height)
    {
      gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_CLAIMED);
  set_position_from_x (self, x);
}

static void
on_wipe_drag_update (GtkGestureDrag *drag,
                     double          offset_x,
                     double          offset_y,
                     KsCompareView  *self)
{
  double x, y;

  if (gtk_gesture_drag_get_start_point (drag, &x, &y))
    set_position_from_x (self, x + offset_x);
}

/* A click (a press without a drag) anywhere on the images moves the line. */
static void
on_wipe_click_released (GtkGestureClick *click,
                        int              n_press,
                        double           x,
                        double           y,
                        KsCompareView   *self)
{
  graphene_rect_t visible;

  if (self->mode != KS_COMPARE_MODE_WIPE)
    return;

  _ks_compare_view_split_x (self, &visible);
  if (graphene_rect_contains_point (&visible, &GRAPHENE_POINT_INIT (x, y)))
    set_position_from_x (self, x);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ks_compare_view_dispose (GObject *object)
{
  KsCompareView *self = KS_COMPARE_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_COMPARE_VIEW);

  G_OBJECT_CLASS (ks_compare_view_parent_class)->dispose (object);
}

static void
ks_compare_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsCompareView *self = KS_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_POSITION:
      g_value_set_double (value, self->position);
      break;
    case PROP_SHOWING_B:
      g_value_set_boolean (value, self->showing_b);
      break;
    case PROP_LABEL_A:
      g_value_set_string (value, ks_compare_view_get_label_a (self));
      break;
    case PROP_LABEL_B:
      g_value_set_string (value, ks_compare_view_get_label_b (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_compare_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KsCompareView *self = KS_COMPARE_VIEW (object);

  switch (prop_id)
    {
    case PROP_MODE:
      ks_compare_view_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_POSITION:
      ks_compare_view_set_position (self, g_value_get_double (value));
      break;
    case PROP_SHOWING_B:
      ks_compare_view_set_showing_b (self, g_value_get_boolean (value));
      break;
    case PROP_LABEL_A:
      ks_compare_view_set_label_a (self, g_value_get_string (value));
      break;
    case PROP_LABEL_B:
      ks_compare_view_set_label_b (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_compare_view_class_init (KsCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_compare_view_dispose;
  object_class->get_property = ks_compare_view_get_property;
  object_class->set_property = ks_compare_view_set_property;

  widget_class->measure = _ks_compare_view_measure;
  widget_class->size_allocate = _ks_compare_view_size_allocate;
  widget_class->snapshot = _ks_compare_view_snapshot;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL,
                       KS_TYPE_COMPARE_MODE, KS_COMPARE_MODE_WIPE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSITION] =
    g_param_spec_double ("position", NULL, NULL,
                         0.0, 1.0, 0.5,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOWING_B] =
    g_param_spec_boolean ("showing-b", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL_A] =
    g_param_spec_string ("label-a", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABEL_B] =
    g_param_spec_string ("label-b", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KS_TYPE_IMAGE_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, toolbar);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, wipe_button);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, side_button);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, toggle_button);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, position_scale);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, position_adjustment);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, hold_button);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, view_a);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, view_b);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, label_a);
  gtk_widget_class_bind_template_child (widget_class, KsCompareView, label_b);
  gtk_widget_class_bind_template_callback (widget_class, on_mode_button_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_hold_button_clicked);

  gtk_widget_class_set_css_name (widget_class, "ks-compare-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ks_compare_view_init (KsCompareView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  self->position = 0.5;

  ks_style_ensure (RESOURCE_PREFIX "/ks-compare-view.css");
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Compare images"),
                                  -1);

  g_object_bind_property (self->position_adjustment, "value", self, "position",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  g_signal_connect_object (self->view_a, "view-changed", G_CALLBACK (on_view_changed), self, 0);
  g_signal_connect_object (self->view_b, "view-changed", G_CALLBACK (on_view_changed), self, 0);
  g_signal_connect_object (self->view_a, "notify::paintable", G_CALLBACK (on_view_a_paintable), self, 0);

  /* Hold: ours in the capture phase, before the button's own click. */
  gesture = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (gesture), GTK_PHASE_CAPTURE);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_hold_pressed), self);
  g_signal_connect (gesture, "released", G_CALLBACK (on_hold_released), self);
  g_signal_connect (gesture, "cancel", G_CALLBACK (on_hold_cancel), self);
  gtk_widget_add_controller (self->hold_button, GTK_EVENT_CONTROLLER (gesture));

  /* The wipe's line: taken before the views pan, when pressed near it. */
  gesture = gtk_gesture_drag_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (gesture), GTK_PHASE_CAPTURE);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_wipe_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_wipe_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "released", G_CALLBACK (on_wipe_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  /* Capture: Space must reach us before it activates a focused button. */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  update_accessible_names (self);
  update_children (self);
}

/* ---- Public API ----------------------------------------------------------- */

GtkWidget *
ks_compare_view_new (void)
{
  return g_object_new (KS_TYPE_COMPARE_VIEW, NULL);
}

KsCompareMode
ks_compare_view_get_mode (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), KS_COMPARE_MODE_WIPE);

  return self->mode;
}

void
ks_compare_view_set_mode (KsCompareView *self,
                          KsCompareMode  mode)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));
  g_return_if_fail (mode <= KS_COMPARE_MODE_TOGGLE);

  if (self->mode == mode)
    return;

  self->mode = mode;
  if (self->showing_b)
    {
      self->showing_b = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOWING_B]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  update_children (self);
}

double
ks_compare_view_get_position (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), 0.5);

  return self->position;
}

void
ks_compare_view_set_position (KsCompareView *self,
                              double         position)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  position = CLAMP (position, 0.0, 1.0);
  if (self->position == position)
    return;

  self->position = position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ks_compare_view_get_showing_b (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), FALSE);

  return self->showing_b;
}

void
ks_compare_view_set_showing_b (KsCompareView *self,
                               gboolean       showing_b)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  showing_b = !!showing_b;
  if (self->mode != KS_COMPARE_MODE_TOGGLE)
    showing_b = FALSE;
  if (self->showing_b == showing_b)
    return;

  self->showing_b = showing_b;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOWING_B]);
  update_children (self);
}

const char *
ks_compare_view_get_label_a (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), NULL);

  return gtk_label_get_label (self->label_a);
}

void
ks_compare_view_set_label_a (KsCompareView *self,
                             const char    *label)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  if (label == NULL)
    label = "A";
  if (g_strcmp0 (label, gtk_label_get_label (self->label_a)) == 0)
    return;

  gtk_label_set_label (self->label_a, label);
  update_accessible_names (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL_A]);
}

const char *
ks_compare_view_get_label_b (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), NULL);

  return gtk_label_get_label (self->label_b);
}

void
ks_compare_view_set_label_b (KsCompareView *self,
                             const char    *label)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  if (label == NULL)
    label = "B";
  if (g_strcmp0 (label, gtk_label_get_label (self->label_b)) == 0)
    return;

  gtk_label_set_label (self->label_b, label);
  update_accessible_names (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL_B]);
}

void
ks_compare_view_set_labels (KsCompareView *self,
                            const char    *label_a,
                            const char    *label_b)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  ks_compare_view_set_label_a (self, label_a);
  ks_compare_view_set_label_b (self, label_b);
}

void
ks_compare_view_set_paintables (KsCompareView *self,
                                GdkPaintable  *a,
                                GdkPaintable  *b)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  ks_image_view_set_paintable (self->view_a, a);
  ks_image_view_set_paintable (self->view_b, b);
}

void
ks_compare_view_set_files (KsCompareView *self,
                           GFile         *a,
                           GFile         *b)
{
  g_return_if_fail (KS_IS_COMPARE_VIEW (self));

  ks_image_view_set_file (self->view_a, a);
  ks_image_view_set_file (self->view_b, b);
}

KsImageView *
ks_compare_view_get_view_a (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), NULL);

  return self->view_a;
}

KsImageView *
ks_compare_view_get_view_b (KsCompareView *self)
{
  g_return_val_if_fail (KS_IS_COMPARE_VIEW (self), NULL);

  return self->view_b;
}
