#define G_LOG_DOMAIN "ks-reference-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-reference-tile.h"
#include "ks-tooltip.h"

struct _KsReferenceTile
{
  GtkFlowBoxChild  parent_instance;

  KsReferenceItem *item;
  guint            position;
  guint            n_items;

  GtkStack        *stack;
  GtkPicture      *picture;
  GtkLabel        *position_label;
  GtkLabel        *name_label;
  GtkLabel        *size_label;
  GMenuModel      *tile_menu;
  GtkWidget       *context_menu;
};

G_DEFINE_FINAL_TYPE (KsReferenceTile, ks_reference_tile, GTK_TYPE_FLOW_BOX_CHILD)

enum {
  SIGNAL_REMOVE,
  SIGNAL_MOVE,
  SIGNAL_REORDER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_actions (KsReferenceTile *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.move-left", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.move-right",
                                 self->position + 1 < self->n_items);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_REMOVE], 0);
}

static void
move_left_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_MOVE], 0, -1);
}

static void
move_right_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_MOVE], 0, 1);
}

static void
show_menu_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KsReferenceTile *self = KS_REFERENCE_TILE (widget);

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), NULL);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
on_secondary_pressed (KsReferenceTile *self,
                      int              n_press,
                      double           x,
                      double           y,
                      GtkGestureClick *gesture)
{
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static GdkContentProvider *
on_drag_prepare (KsReferenceTile *self,
                 double           x,
                 double           y,
                 GtkDragSource   *source)
{
  GdkTexture *thumbnail = ks_reference_item_get_thumbnail (self->item);

  if (thumbnail != NULL)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (thumbnail), 24, 24);

  return gdk_content_provider_new_typed (KS_TYPE_REFERENCE_ITEM, self->item);
}

static gboolean
on_drop (KsReferenceTile *self,
         const GValue    *value,
         double           x,
         double           y,
         GtkDropTarget   *target)
{
  KsReferenceItem *dragged;

  if (!G_VALUE_HOLDS (value, KS_TYPE_REFERENCE_ITEM))
    return FALSE;

  dragged = g_value_get_object (value);
  if (dragged == NULL || dragged == self->item)
    return FALSE;

  g_signal_emit (self, signals[SIGNAL_REORDER], 0, dragged);
  return TRUE;
}

static void
ks_reference_tile_dispose (GObject *object)
{
  KsReferenceTile *self = KS_REFERENCE_TILE (object);

  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_REFERENCE_TILE);
  g_clear_object (&self->item);

  G_OBJECT_CLASS (ks_reference_tile_parent_class)->dispose (object);
}

static void
ks_reference_tile_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  KsReferenceTile *self = KS_REFERENCE_TILE (widget);

  GTK_WIDGET_CLASS (ks_reference_tile_parent_class)->size_allocate (widget, width, height, baseline);

  if (self->context_menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
ks_reference_tile_class_init (KsReferenceTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_reference_tile_dispose;
  widget_class->size_allocate = ks_reference_tile_size_allocate;

  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MOVE] =
    g_signal_new ("move", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_REORDER] =
    g_signal_new ("reorder", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_REFERENCE_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-reference-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, KsReferenceTile, stack);
  gtk_widget_class_bind_template_child (widget_class, KsReferenceTile, picture);
  gtk_widget_class_bind_template_child (widget_class, KsReferenceTile, position_label);
  gtk_widget_class_bind_template_child (widget_class, KsReferenceTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, KsReferenceTile, size_label);
  gtk_widget_class_bind_template_child (widget_class, KsReferenceTile, tile_menu);

  gtk_widget_class_install_action (widget_class, "tile.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "tile.move-left", NULL, move_left_action);
  gtk_widget_class_install_action (widget_class, "tile.move-right", NULL, move_right_action);
  gtk_widget_class_install_action (widget_class, "tile.show-menu", NULL, show_menu_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "tile.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "tile.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "tile.remove", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "tile.move-left", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "tile.move-right", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "tile.show-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "tile.show-menu", NULL);
}

static void
ks_reference_tile_init (KsReferenceTile *self)
{
  GtkGesture *click;
  GtkDragSource *drag;
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->context_menu = gtk_popover_menu_new_from_model (self->tile_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_secondary_pressed), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  drag = gtk_drag_source_new ();
  gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE);
  g_signal_connect_object (drag, "prepare", G_CALLBACK (on_drag_prepare), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  drop = gtk_drop_target_new (KS_TYPE_REFERENCE_ITEM, GDK_ACTION_MOVE);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

GtkWidget *
ks_reference_tile_new (KsReferenceItem *item)
{
  KsReferenceTile *self;
  g_autofree char *size = NULL;
  g_autofree char *accessible = NULL;

  g_return_val_if_fail (KS_IS_REFERENCE_ITEM (item), NULL);

  self = g_object_new (KS_TYPE_REFERENCE_TILE, NULL);
  self->item = g_object_ref (item);

  size = ks_reference_item_dup_size_label (item);
  gtk_label_set_label (self->name_label, ks_reference_item_get_name (item));
  gtk_label_set_label (self->size_label, size);
  ks_set_tooltip (GTK_WIDGET (self), ks_reference_item_get_source (item));

  if (ks_reference_item_get_thumbnail (item) != NULL)
    {
      gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (ks_reference_item_get_thumbnail (item)));
      gtk_stack_set_visible_child_name (self->stack, "picture");
    }
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "remote");
    }

  /* Translators: the accessible name of a reference tile: file name, size */
  accessible = g_strdup_printf (_("Reference %s, %s"), ks_reference_item_get_name (item), size);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);

  ks_reference_tile_set_position (self, 0, 1);

  return GTK_WIDGET (self);
}

KsReferenceItem *
ks_reference_tile_get_item (KsReferenceTile *self)
{
  g_return_val_if_fail (KS_IS_REFERENCE_TILE (self), NULL);

  return self->item;
}

void
ks_reference_tile_set_position (KsReferenceTile *self,
                                guint            position,
                                guint            n_items)
{
  g_autofree char *text = NULL;

  g_return_if_fail (KS_IS_REFERENCE_TILE (self));

  self->position = position;
  self->n_items = n_items;

  text = g_strdup_printf ("%u", position + 1);
  gtk_label_set_label (self->position_label, text);
  /* The badge only matters when the order does. */
  gtk_widget_set_visible (GTK_WIDGET (self->position_label), n_items > 1);

  update_actions (self);
}
