#define G_LOG_DOMAIN "ks-gallery"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery.h"
#include "ks-gallery-tile.h"

struct _KsGallery
{
  AdwBin              parent_instance;

  GListModel         *model;
  GtkSingleSelection *selection;
  guint               scroll_tick_id;
  guint               scroll_ticks;

  /* Template children */
  GtkStack           *stack;
  GtkWidget          *empty_page;
  GtkScrolledWindow  *scrolled_window;
  GtkGridView        *grid_view;
};

G_DEFINE_FINAL_TYPE (KsGallery, ks_gallery, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SELECTED_ITEM,
  N_PROPS
};

enum {
  ITEM_ACTIVATED,
  CANCEL_REQUESTED,
  RETRY_REQUESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
update_empty_state (KsGallery *self)
{
  gboolean empty = self->model == NULL || g_list_model_get_n_items (self->model) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "grid");
}

static gboolean
scroll_to_top_cb (GtkWidget     *widget,
                  GdkFrameClock *frame_clock,
                  gpointer       user_data)
{
  KsGallery *self = KS_GALLERY (widget);

  /* Ticks come before layout: the first one is in the frame that lays
   * the new item out, so scroll in the one after. */
  if (self->scroll_ticks++ == 0)
    return G_SOURCE_CONTINUE;

  self->scroll_tick_id = 0;
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scrolled_window), 0);

  return G_SOURCE_REMOVE;
}

/* Connected to the selection after the grid view, so the grid has taken
 * the change in when this runs. */
static void
on_items_changed (KsGallery  *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *model)
{
  GtkAdjustment *vadjustment;

  update_empty_state (self);

  /* A new job lands at the top: bring it into view when the user was
   * already looking at the top rows. The grid takes the new item in on
   * its next layout; moving the adjustment before that trips it up. */
  vadjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  if (position == 0 && added > 0 && self->scroll_tick_id == 0 &&
      gtk_adjustment_get_value (vadjustment) < gtk_adjustment_get_page_size (vadjustment) / 2)
    {
      self->scroll_ticks = 0;
      self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_to_top_cb,
                                                           NULL, NULL);
    }
}

static void
on_selected_item_changed (KsGallery *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
}

static void
on_grid_activate (KsGallery *self,
                  guint      position)
{
  g_autoptr(KsGalleryItem) item = NULL;

  if (self->model == NULL)
    return;

  item = g_list_model_get_item (self->model, position);
  if (item != NULL)
    g_signal_emit (self, signals[ITEM_ACTIVATED], 0, item);
}

static void
on_tile_cancel_requested (KsGallery     *self,
                          KsGalleryTile *tile)
{
  KsGalleryItem *item = ks_gallery_tile_get_item (tile);

  if (item != NULL)
    g_signal_emit (self, signals[CANCEL_REQUESTED], 0, item);
}

static void
on_tile_retry_requested (KsGallery     *self,
                         int            safety,
                         KsGalleryTile *tile)
{
  KsGalleryItem *item = ks_gallery_tile_get_item (tile);

  if (item != NULL)
    g_signal_emit (self, signals[RETRY_REQUESTED], 0, item, safety);
}

/* ---- The tiles -------------------------------------------------------- */

static void
setup_tile (KsGallery                *self,
            GtkListItem              *list_item,
            GtkSignalListItemFactory *factory)
{
  GtkWidget *tile = ks_gallery_tile_new ();

  g_signal_connect_object (tile, "cancel-requested",
                           G_CALLBACK (on_tile_cancel_requested), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (tile, "retry-requested",
                           G_CALLBACK (on_tile_retry_requested), self,
                           G_CONNECT_SWAPPED);
  gtk_list_item_set_child (list_item, tile);
}

static void
bind_tile (KsGallery                *self,
           GtkListItem              *list_item,
           GtkSignalListItemFactory *factory)
{
  ks_gallery_tile_set_item (KS_GALLERY_TILE (gtk_list_item_get_child (list_item)),
                            gtk_list_item_get_item (list_item));
}

static void
unbind_tile (KsGallery                *self,
             GtkListItem              *list_item,
             GtkSignalListItemFactory *factory)
{
  ks_gallery_tile_set_item (KS_GALLERY_TILE (gtk_list_item_get_child (list_item)), NULL);
}

static void
load_style (void)
{
  static gsize loaded;

  if (g_once_init_enter (&loaded))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
      GdkDisplay *display = gdk_display_get_default ();

      gtk_css_provider_load_from_resource (provider, RESOURCE_PREFIX "/ks-gallery.css");
      if (display != NULL)
        gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                                    GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&loaded, 1);
    }
}

/* ---- GObject ---------------------------------------------------------- */

static void
ks_gallery_dispose (GObject *object)
{
  KsGallery *self = KS_GALLERY (object);

  if (self->scroll_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick_id);
      self->scroll_tick_id = 0;
    }
  if (self->grid_view != NULL)
    gtk_grid_view_set_model (self->grid_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);

  /* AdwBin owns the template's top child: let it drop it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_GALLERY);

  G_OBJECT_CLASS (ks_gallery_parent_class)->dispose (object);
}

static void
ks_gallery_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsGallery *self = KS_GALLERY (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_SELECTED_ITEM:
      g_value_set_object (value, ks_gallery_get_selected_item (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KsGallery *self = KS_GALLERY (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      ks_gallery_set_model (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_class_init (KsGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_gallery_dispose;
  object_class->get_property = ks_gallery_get_property;
  object_class->set_property = ks_gallery_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SELECTED_ITEM] =
    g_param_spec_object ("selected-item", NULL, NULL,
                         KS_TYPE_GALLERY_ITEM,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ITEM_ACTIVATED] =
    g_signal_new ("item-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);

  signals[CANCEL_REQUESTED] =
    g_signal_new ("cancel-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);

  /* @safety: -1 to keep the job's tolerance, else the tolerance to use. */
  signals[RETRY_REQUESTED] =
    g_signal_new ("retry-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, KS_TYPE_GALLERY_ITEM, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, KsGallery, stack);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, grid_view);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);

  g_type_ensure (KS_TYPE_GALLERY_TILE);
}

static void
ks_gallery_init (KsGallery *self)
{
  GtkListItemFactory *factory;

  load_style ();

  gtk_widget_init_template (GTK_WIDGET (self));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_tile), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_tile), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_tile), self, G_CONNECT_SWAPPED);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);

  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_changed), self,
                           G_CONNECT_SWAPPED);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "items-changed",
                           G_CALLBACK (on_items_changed), self,
                           G_CONNECT_SWAPPED);

  update_empty_state (self);
}

GtkWidget *
ks_gallery_new (void)
{
  return g_object_new (KS_TYPE_GALLERY, NULL);
}

void
ks_gallery_set_model (KsGallery  *self,
                      GListModel *model)
{
  g_return_if_fail (KS_IS_GALLERY (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  g_set_object (&self->model, model);

  gtk_single_selection_set_model (self->selection, model);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  update_empty_state (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

GListModel *
ks_gallery_get_model (KsGallery *self)
{
  g_return_val_if_fail (KS_IS_GALLERY (self), NULL);

  return self->model;
}

KsGalleryItem *
ks_gallery_get_selected_item (KsGallery *self)
{
  g_return_val_if_fail (KS_IS_GALLERY (self), NULL);

  return gtk_single_selection_get_selected_item (self->selection);
}
