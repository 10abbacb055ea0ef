#define G_LOG_DOMAIN "ks-gallery"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery.h"
#include "ks-gallery-tile.h"
#include "ks-style.h"

/* The state filter's choices, in the drop-down's order. */
enum {
  STATE_ALL,
  STATE_FINISHED,
  STATE_RUNNING,
  STATE_ATTENTION,
};

/* The date filter's choices. */
enum {
  DATE_ANY,
  DATE_TODAY,
  DATE_WEEK,
  DATE_MONTH,
};

/* The model filter's first choices; the endpoints follow. */
enum {
  MODEL_ALL,
  MODEL_PRO,
  MODEL_MAX,
  MODEL_FIRST_ENDPOINT,
};

struct _KsGallery
{
  AdwBin              parent_instance;

  GListModel         *model;
  GtkFilterListModel *filter_model;
  GtkEveryFilter     *filter;
  GtkCustomFilter    *text_filter;
  GtkCustomFilter    *model_filter;
  GtkCustomFilter    *state_filter;
  GtkCustomFilter    *date_filter;
  GtkSingleSelection *selection;
  guint               scroll_tick_id;
  guint               columns_source;
  guint               scroll_ticks;

  /* What the filters ask for */
  char               *search_text;     /* lower-cased; NULL for none */
  guint               model_choice;
  guint               state_choice;
  guint               date_choice;
  gint64              date_from;       /* wall-clock µs, for date_choice */

  /* Template children */
  GtkWidget          *filter_bar;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *model_dropdown;
  GtkDropDown        *state_dropdown;
  GtkDropDown        *date_dropdown;
  GtkStack           *stack;
  GtkWidget          *empty_page;
  GtkWidget          *no_results_page;
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
  RESUBMIT_REQUESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
filters_active (KsGallery *self)
{
  return self->search_text != NULL ||
         self->model_choice != MODEL_ALL ||
         self->state_choice != STATE_ALL ||
         self->date_choice != DATE_ANY;
}

static void
update_empty_state (KsGallery *self)
{
  gboolean empty = self->model == NULL || g_list_model_get_n_items (self->model) == 0;
  gboolean none_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) == 0;
  const char *page;

  if (empty)
    page = "empty";
  else if (none_shown)
    page = "no-results";
  else
    page = "grid";

  gtk_stack_set_visible_child_name (self->stack, page);
  /* Nothing to search in an empty library, unless a filter emptied it. */
  gtk_widget_set_visible (self->filter_bar, !empty || filters_active (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gallery.clear-filters", filters_active (self));
}

/* ---- Filters ---------------------------------------------------------- */

static gboolean
text_filter_func (gpointer item,
                  gpointer user_data)
{
  KsGallery *self = user_data;

  return ks_gallery_item_matches (item, self->search_text);
}

static gboolean
model_filter_func (gpointer item,
                   gpointer user_data)
{
  KsGallery *self = user_data;
  KsParams *params;
  const KsEndpoint *endpoint;
  const KsEndpoint * const *endpoints;
  guint n_endpoints = 0;

  if (self->model_choice == MODEL_ALL)
    return TRUE;

  params = ks_record_get_params (ks_gallery_item_get_record (item));
  endpoint = params != NULL ? ks_params_get_endpoint (params) : NULL;
  if (endpoint == NULL)
    return FALSE;

  switch (self->model_choice)
    {
    case MODEL_PRO:
      return ks_endpoint_get_model (endpoint) == KS_MODEL_PRO;
    case MODEL_MAX:
      return ks_endpoint_get_model (endpoint) == KS_MODEL_MAX;
    default:
      endpoints = ks_endpoint_list (&n_endpoints);
      return self->model_choice - MODEL_FIRST_ENDPOINT < n_endpoints &&
             endpoints[self->model_choice - MODEL_FIRST_ENDPOINT] == endpoint;
    }
}

static gboolean
state_filter_func (gpointer item,
                   gpointer user_data)
{
  KsGallery *self = user_data;
  KsRecordState state;

  if (self->state_choice == STATE_ALL)
    return TRUE;

  state = ks_record_get_state (ks_gallery_item_get_record (item));

  switch (self->state_choice)
    {
    case STATE_FINISHED:
      return state == KS_RECORD_STATE_COMPLETED;
    case STATE_RUNNING:
      return ks_record_state_is_unfinished (state);
    case STATE_ATTENTION:
      return state == KS_RECORD_STATE_FAILED ||
             state == KS_RECORD_STATE_EXPIRED ||
             state == KS_RECORD_STATE_UNKNOWN;
    default:
      return TRUE;
    }
}

static gboolean
date_filter_func (gpointer item,
                  gpointer user_data)
{
  KsGallery *self = user_data;

  if (self->date_choice == DATE_ANY)
    return TRUE;

  return ks_record_get_created (ks_gallery_item_get_record (item)) >= self->date_from;
}

/* The start of the local day, week (from Monday) or month of now. */
static gint64
date_choice_start (guint choice)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) start = NULL;

  midnight = g_date_time_new_local (g_date_time_get_year (now),
                                    g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now),
                                    0, 0, 0);
  switch (choice)
    {
    case DATE_TODAY:
      start = g_date_time_ref (midnight);
      break;
    case DATE_WEEK:
      start = g_date_time_add_days (midnight, 1 - g_date_time_get_day_of_week (now));
      break;
    case DATE_MONTH:
      start = g_date_time_add_days (midnight, 1 - g_date_time_get_day_of_month (now));
      break;
    default:
      return G_MININT64;
    }

  return g_date_time_to_unix (start) * G_USEC_PER_SEC;
}

static void
on_search_changed (KsGallery      *self,
                   GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *folded = NULL;

  if (text != NULL && *text != '\0')
    folded = g_utf8_strdown (text, -1);

  if (g_strcmp0 (folded, self->search_text) == 0)
    return;

  g_free (self->search_text);
  self->search_text = g_steal_pointer (&folded);
  gtk_filter_changed (GTK_FILTER (self->text_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty_state (self);
}

static void
on_stop_search (KsGallery      *self,
                GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_model_filter_changed (KsGallery *self)
{
  guint choice = gtk_drop_down_get_selected (self->model_dropdown);

  if (choice == GTK_INVALID_LIST_POSITION || choice == self->model_choice)
    return;

  self->model_choice = choice;
  gtk_filter_changed (GTK_FILTER (self->model_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty_state (self);
}

static void
on_state_filter_changed (KsGallery *self)
{
  guint choice = gtk_drop_down_get_selected (self->state_dropdown);

  if (choice == GTK_INVALID_LIST_POSITION || choice == self->state_choice)
    return;

  self->state_choice = choice;
  gtk_filter_changed (GTK_FILTER (self->state_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty_state (self);
}

static void
on_date_filter_changed (KsGallery *self)
{
  guint choice = gtk_drop_down_get_selected (self->date_dropdown);

  if (choice == GTK_INVALID_LIST_POSITION || choice == self->date_choice)
    return;

  self->date_choice = choice;
  self->date_from = date_choice_start (choice);
  gtk_filter_changed (GTK_FILTER (self->date_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_empty_state (self);
}

static void
clear_filters_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ks_gallery_clear_filters (KS_GALLERY (widget));
}

static GtkStringList *
new_model_choices (void)
{
  const KsEndpoint * const *endpoints;
  guint n_endpoints = 0;
  GtkStringList *choices = gtk_string_list_new (NULL);

  gtk_string_list_append (choices, _("All models"));
  gtk_string_list_append (choices, _("Pro"));
  gtk_string_list_append (choices, _("Max"));

  endpoints = ks_endpoint_list (&n_endpoints);
  for (guint i = 0; i < n_endpoints; i++)
    gtk_string_list_append (choices, ks_endpoint_get_title (endpoints[i]));

  return choices;
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

  item = g_list_model_get_item (G_LIST_MODEL (self->filter_model), position);
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
on_tile_resubmit_requested (KsGallery     *self,
                            KsGalleryTile *tile)
{
  KsGalleryItem *item = ks_gallery_tile_get_item (tile);

  if (item != NULL)
    g_signal_emit (self, signals[RESUBMIT_REQUESTED], 0, item);
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
  g_signal_connect_object (tile, "resubmit-requested",
                           G_CALLBACK (on_tile_resubmit_requested), self,
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

/* ---- GObject ---------------------------------------------------------- */

/* ---- columns ------------------------------------------------------------ */

/* A tile with 6 px of padding each side (ks-gallery.css); the grid has 12 px. */
#define TILE_PADDING  12
#define GRID_PADDING  24
#define MAX_COLUMNS   8

/* The tiles grow with the text scale: so do the columns. */
static guint
columns_for_width (KsGallery *self,
                   int        width)
{
  int stride = ks_gallery_tile_get_size (GTK_WIDGET (self)) + TILE_PADDING;

  return CLAMP ((width - GRID_PADDING) / stride, 1, MAX_COLUMNS);
}

/* GtkGridView keeps about thirty rows of max-columns tiles alive around
 * what is shown, so max-columns follows what fits: a wide max-columns on a
 * narrow window makes hundreds of tiles nobody sees. */
static gboolean
update_columns (gpointer user_data)
{
  KsGallery *self = user_data;
  guint columns = columns_for_width (self, gtk_widget_get_width (GTK_WIDGET (self)));

  self->columns_source = 0;
  if (gtk_grid_view_get_max_columns (self->grid_view) != columns)
    gtk_grid_view_set_max_columns (self->grid_view, columns);

  return G_SOURCE_REMOVE;
}

/* The grid's width shows in its horizontal adjustment's page size. */
static void
on_grid_width_changed (KsGallery *self)
{
  guint columns = columns_for_width (self, gtk_widget_get_width (GTK_WIDGET (self)));

  /* Not from inside the allocation: changing it queues a resize. */
  if (gtk_grid_view_get_max_columns (self->grid_view) != columns && self->columns_source == 0)
    self->columns_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_columns, self, NULL);
}

static void
on_text_scale_changed (KsGallery   *self,
                       GParamSpec  *pspec,
                       GtkSettings *settings)
{
  on_grid_width_changed (self);
}

/* High contrast wants the tiles' edges drawn firmly (see ks-gallery.css). */
static void
on_high_contrast_changed (KsGallery       *self,
                          GParamSpec      *pspec,
                          AdwStyleManager *style_manager)
{
  if (adw_style_manager_get_high_contrast (style_manager))
    gtk_widget_add_css_class (GTK_WIDGET (self->grid_view), "high-contrast");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->grid_view), "high-contrast");
}

static void
ks_gallery_dispose (GObject *object)
{
  KsGallery *self = KS_GALLERY (object);

  g_clear_handle_id (&self->columns_source, g_source_remove);

  if (self->scroll_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick_id);
      self->scroll_tick_id = 0;
    }
  if (self->grid_view != NULL)
    gtk_grid_view_set_model (self->grid_view, NULL);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->model);

  /* AdwBin owns the template's top child: let it drop it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_GALLERY);

  G_OBJECT_CLASS (ks_gallery_parent_class)->dispose (object);
}

static void
ks_gallery_finalize (GObject *object)
{
  KsGallery *self = KS_GALLERY (object);

  g_clear_pointer (&self->search_text, g_free);

  G_OBJECT_CLASS (ks_gallery_parent_class)->finalize (object);
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
  object_class->finalize = ks_gallery_finalize;
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

  signals[RESUBMIT_REQUESTED] =
    g_signal_new ("resubmit-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-gallery.ui");
  gtk_widget_class_bind_template_child (widget_class, KsGallery, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, search_entry);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, model_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, date_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, stack);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, empty_page);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, KsGallery, grid_view);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_model_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_state_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_date_filter_changed);

  gtk_widget_class_install_action (widget_class, "gallery.clear-filters", NULL, clear_filters_action);

  g_type_ensure (KS_TYPE_GALLERY_TILE);
}

static void
ks_gallery_init (KsGallery *self)
{
  GtkListItemFactory *factory;
  g_autoptr(GtkStringList) model_choices = NULL;

  ks_style_ensure (RESOURCE_PREFIX "/ks-gallery.css");

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (adw_style_manager_get_default (), "notify::high-contrast",
                           G_CALLBACK (on_high_contrast_changed), self, G_CONNECT_SWAPPED);
  on_high_contrast_changed (self, NULL, adw_style_manager_get_default ());

  model_choices = new_model_choices ();
  gtk_drop_down_set_model (self->model_dropdown, G_LIST_MODEL (model_choices));

  /* Every filter must agree; each one says yes at once when it is at "All". */
  self->filter = gtk_every_filter_new ();
  self->text_filter = gtk_custom_filter_new (text_filter_func, self, NULL);
  self->model_filter = gtk_custom_filter_new (model_filter_func, self, NULL);
  self->state_filter = gtk_custom_filter_new (state_filter_func, self, NULL);
  self->date_filter = gtk_custom_filter_new (date_filter_func, self, NULL);
  /* The multi filter takes the references. */
  gtk_multi_filter_append (GTK_MULTI_FILTER (self->filter), GTK_FILTER (self->text_filter));
  gtk_multi_filter_append (GTK_MULTI_FILTER (self->filter), GTK_FILTER (self->model_filter));
  gtk_multi_filter_append (GTK_MULTI_FILTER (self->filter), GTK_FILTER (self->state_filter));
  gtk_multi_filter_append (GTK_MULTI_FILTER (self->filter), GTK_FILTER (self->date_filter));
  /* Takes the filter. Not incremental: a count is right as soon as asked. */
  self->filter_model = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  gtk_filter_list_model_set_incremental (self->filter_model, FALSE);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_tile), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_tile), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_tile), self, G_CONNECT_SWAPPED);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_signal_connect_object (gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->grid_view)),
                           "changed", G_CALLBACK (on_grid_width_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_widget_get_settings (GTK_WIDGET (self)), "notify::gtk-xft-dpi",
                           G_CALLBACK (on_text_scale_changed), self, G_CONNECT_SWAPPED);
  g_object_unref (factory);

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filter_model)));
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

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_object (model, "items-changed",
                             G_CALLBACK (update_empty_state), self,
                             G_CONNECT_SWAPPED | G_CONNECT_AFTER);

  gtk_filter_list_model_set_model (self->filter_model, model);
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

GListModel *
ks_gallery_get_shown_model (KsGallery *self)
{
  g_return_val_if_fail (KS_IS_GALLERY (self), NULL);

  return G_LIST_MODEL (self->filter_model);
}

void
ks_gallery_focus_search (KsGallery *self)
{
  g_return_if_fail (KS_IS_GALLERY (self));

  gtk_widget_set_visible (self->filter_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
ks_gallery_clear_filters (KsGallery *self)
{
  g_return_if_fail (KS_IS_GALLERY (self));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->model_dropdown, MODEL_ALL);
  gtk_drop_down_set_selected (self->state_dropdown, STATE_ALL);
  gtk_drop_down_set_selected (self->date_dropdown, DATE_ANY);
}
