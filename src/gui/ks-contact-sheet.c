#define G_LOG_DOMAIN "ks-contact-sheet"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-contact-sheet.h"
#include "ks-gallery-tile.h"

struct _KsContactSheet
{
  AdwWindow           parent_instance;

  /* Template widgets */
  AdwWindowTitle     *window_title;
  GtkLabel           *progress_label;
  GtkGridView        *grid_view;

  GListModel         *model;
  char               *batch_id;
  /* model → the batch's items → in submit order → selection */
  GtkFilterListModel *filtered;
  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;
  /* The batch's records whose state the progress follows (a set). */
  GHashTable         *records;
};

G_DEFINE_FINAL_TYPE (KsContactSheet, ks_contact_sheet, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_BATCH_ID,
  PROP_SELECTED_ITEM,
  N_PROPS
};

enum {
  SIGNAL_ITEM_ACTIVATED,
  SIGNAL_USE_AS_REFERENCE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- The batch ---------------------------------------------------------- */

static gboolean
in_batch (gpointer item,
          gpointer user_data)
{
  KsContactSheet *self = user_data;
  KsRecord *record = ks_gallery_item_get_record (item);

  return g_strcmp0 (ks_record_get_batch_id (record), self->batch_id) == 0;
}

/* In the order the jobs were made, then by image. */
static int
compare_items (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  KsRecord *record_a = ks_gallery_item_get_record ((gpointer) a);
  KsRecord *record_b = ks_gallery_item_get_record ((gpointer) b);
  gint64 created_a = ks_record_get_created (record_a);
  gint64 created_b = ks_record_get_created (record_b);
  int index_a = ks_gallery_item_get_image_index ((gpointer) a);
  int index_b = ks_gallery_item_get_image_index ((gpointer) b);
  int by_id;

  if (created_a != created_b)
    return created_a < created_b ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;
  by_id = g_strcmp0 (ks_record_get_id (record_a), ks_record_get_id (record_b));
  if (by_id != 0)
    return by_id < 0 ? GTK_ORDERING_SMALLER : GTK_ORDERING_LARGER;

  return index_a < index_b ? GTK_ORDERING_SMALLER : index_a > index_b;
}

char *
ks_contact_sheet_dup_label (KsGalleryItem *item)
{
  KsRecord *record;
  const char *label;
  int index;

  g_return_val_if_fail (KS_IS_GALLERY_ITEM (item), NULL);

  record = ks_gallery_item_get_record (item);
  label = ks_record_get_batch_label (record);
  if (label == NULL)
    label = ks_record_get_prompt (record);
  index = ks_gallery_item_get_image_index (item);

  if (index > 0 || (index == 0 && ks_params_get_num_images (ks_record_get_params (record)) > 1))
    /* Translators: a tile of a sweep whose jobs made several images: "Seed 1234 · 2" */
    return g_strdup_printf (_("%s · %d"), label, index + 1);

  return g_strdup (label);
}

/* ---- State ------------------------------------------------------------- */

static void update_progress (KsContactSheet *self);

static void
on_record_state_changed (KsContactSheet *self)
{
  update_progress (self);
}

static void
update_progress (KsContactSheet *self)
{
  GListModel *shown = G_LIST_MODEL (self->sorted);
  guint n = g_list_model_get_n_items (shown);
  g_autoptr(GHashTable) shown_records = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer record;
  guint done = 0;
  guint failed = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (shown, i);
      KsRecord *found = ks_gallery_item_get_record (item);

      if (i == 0)
        adw_window_title_set_subtitle (self->window_title, ks_record_get_prompt (found));

      g_hash_table_add (shown_records, found);
      if (!g_hash_table_contains (self->records, found))
        {
          g_hash_table_add (self->records, g_object_ref (found));
          g_signal_connect_object (found, "notify::state",
                                   G_CALLBACK (on_record_state_changed), self,
                                   G_CONNECT_SWAPPED);
        }
    }

  /* Only the records still shown: a trashed one leaves the sheet. */
  g_hash_table_iter_init (&iter, shown_records);
  while (g_hash_table_iter_next (&iter, &record, NULL))
    {
      KsRecordState state = ks_record_get_state (record);

      if (state == KS_RECORD_STATE_COMPLETED)
        done++;
      else if (!ks_record_state_is_unfinished (state))
        failed++;
    }

  n = g_hash_table_size (shown_records);
  if (n == 0)
    text = g_strdup (_("Nothing of this sweep is left: it was moved to the trash."));
  else if (done == n)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The job is done: pick a result.",
                                         "All %u jobs are done: pick a result.", n),
                            n);
  else if (failed > 0)
    /* Translators: "2 of 4 jobs done, 1 did not finish" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u jobs done, %u did not finish",
                                         "%u of %u jobs done, %u did not finish", n),
                            done, n, failed);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u job done",
                                         "%u of %u jobs done", n),
                            done, n);

  gtk_label_set_label (self->progress_label, text);
}

static void
update_actions (KsContactSheet *self)
{
  KsGalleryItem *item = ks_contact_sheet_get_selected_item (self);
  const KsRecordImage *image = item != NULL ? ks_gallery_item_get_image (item) : NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.open", image != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.use-as-reference",
                                 image != NULL && image->file != NULL && !image->has_nsfw_concepts);
}

static void
on_items_changed (KsContactSheet *self,
                  guint           position,
                  guint           removed,
                  guint           added,
                  GListModel     *model)
{
  update_progress (self);
  update_actions (self);
}

static void
on_selection_changed (KsContactSheet *self)
{
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_ITEM]);
}

static void
on_grid_activate (KsContactSheet *self,
                  guint           position,
                  GtkGridView    *grid_view)
{
  g_autoptr(KsGalleryItem) item = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  /* A running or failed job shows everything on its tile. */
  if (item != NULL && ks_gallery_item_get_image (item) != NULL)
    g_signal_emit (self, signals[SIGNAL_ITEM_ACTIVATED], 0, item);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsContactSheet *self = KS_CONTACT_SHEET (widget);
  KsGalleryItem *item = ks_contact_sheet_get_selected_item (self);

  if (item != NULL && ks_gallery_item_get_image (item) != NULL)
    g_signal_emit (self, signals[SIGNAL_ITEM_ACTIVATED], 0, item);
}

static void
use_as_reference_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KsContactSheet *self = KS_CONTACT_SHEET (widget);
  KsGalleryItem *item = ks_contact_sheet_get_selected_item (self);

  if (item != NULL && ks_gallery_item_get_image (item) != NULL)
    g_signal_emit (self, signals[SIGNAL_USE_AS_REFERENCE], 0, item);
}

/* ---- The cells --------------------------------------------------------- */

static void
setup_cell (KsContactSheet           *self,
            GtkListItem              *list_item,
            GtkSignalListItemFactory *factory)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_name (label, "batch_label");
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_set_margin_bottom (label, 6);
  gtk_box_append (GTK_BOX (box), ks_gallery_tile_new ());
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_cell (KsContactSheet           *self,
           GtkListItem              *list_item,
           GtkSignalListItemFactory *factory)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  KsGalleryItem *item = gtk_list_item_get_item (list_item);
  g_autofree char *label = ks_contact_sheet_dup_label (item);

  ks_gallery_tile_set_item (KS_GALLERY_TILE (gtk_widget_get_first_child (box)), item);
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_last_child (box)), label);
}

static void
unbind_cell (KsContactSheet           *self,
             GtkListItem              *list_item,
             GtkSignalListItemFactory *factory)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);

  ks_gallery_tile_set_item (KS_GALLERY_TILE (gtk_widget_get_first_child (box)), NULL);
}

/* ---- GObject ----------------------------------------------------------- */

static void
ks_contact_sheet_constructed (GObject *object)
{
  KsContactSheet *self = KS_CONTACT_SHEET (object);
  GtkListItemFactory *factory;

  G_OBJECT_CLASS (ks_contact_sheet_parent_class)->constructed (object);

  g_assert (self->model != NULL && self->batch_id != NULL);

  self->filtered = gtk_filter_list_model_new (g_object_ref (self->model),
                                              GTK_FILTER (gtk_custom_filter_new (in_batch, self, NULL)));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filtered)),
                                          GTK_SORTER (gtk_custom_sorter_new (compare_items, NULL, NULL)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);

  g_signal_connect_object (self->sorted, "items-changed",
                           G_CALLBACK (on_items_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selection_changed), self,
                           G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_cell), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_cell), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_cell), self, G_CONNECT_SWAPPED);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));

  update_progress (self);
  update_actions (self);
}

static void
ks_contact_sheet_dispose (GObject *object)
{
  KsContactSheet *self = KS_CONTACT_SHEET (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_CONTACT_SHEET);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->model);
  g_clear_pointer (&self->records, g_hash_table_unref);

  G_OBJECT_CLASS (ks_contact_sheet_parent_class)->dispose (object);
}

static void
ks_contact_sheet_finalize (GObject *object)
{
  KsContactSheet *self = KS_CONTACT_SHEET (object);

  g_free (self->batch_id);

  G_OBJECT_CLASS (ks_contact_sheet_parent_class)->finalize (object);
}

static void
ks_contact_sheet_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KsContactSheet *self = KS_CONTACT_SHEET (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_BATCH_ID:
      g_value_set_string (value, self->batch_id);
      break;
    case PROP_SELECTED_ITEM:
      g_value_set_object (value, ks_contact_sheet_get_selected_item (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_contact_sheet_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KsContactSheet *self = KS_CONTACT_SHEET (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_BATCH_ID:
      self->batch_id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_contact_sheet_class_init (KsContactSheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ks_contact_sheet_constructed;
  object_class->dispose = ks_contact_sheet_dispose;
  object_class->finalize = ks_contact_sheet_finalize;
  object_class->get_property = ks_contact_sheet_get_property;
  object_class->set_property = ks_contact_sheet_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BATCH_ID] =
    g_param_spec_string ("batch-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_ITEM] =
    g_param_spec_object ("selected-item", NULL, NULL, KS_TYPE_GALLERY_ITEM,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ITEM_ACTIVATED] =
    g_signal_new ("item-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);
  signals[SIGNAL_USE_AS_REFERENCE] =
    g_signal_new ("use-as-reference", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/kontextstudio/KontextStudio/ks-contact-sheet.ui");
  gtk_widget_class_bind_template_child (widget_class, KsContactSheet, window_title);
  gtk_widget_class_bind_template_child (widget_class, KsContactSheet, progress_label);
  gtk_widget_class_bind_template_child (widget_class, KsContactSheet, grid_view);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);

  gtk_widget_class_install_action (widget_class, "sheet.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "sheet.use-as-reference", NULL, use_as_reference_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
ks_contact_sheet_init (KsContactSheet *self)
{
  self->records = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ---- Public ------------------------------------------------------------ */

GtkWidget *
ks_contact_sheet_new (GtkWindow  *parent,
                      GListModel *model,
                      const char *batch_id)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  g_return_val_if_fail (batch_id != NULL, NULL);

  return g_object_new (KS_TYPE_CONTACT_SHEET,
                       "transient-for", parent,
                       "model", model,
                       "batch-id", batch_id,
                       NULL);
}

const char *
ks_contact_sheet_get_batch_id (KsContactSheet *self)
{
  g_return_val_if_fail (KS_IS_CONTACT_SHEET (self), NULL);

  return self->batch_id;
}

GListModel *
ks_contact_sheet_get_shown_model (KsContactSheet *self)
{
  g_return_val_if_fail (KS_IS_CONTACT_SHEET (self), NULL);

  return G_LIST_MODEL (self->sorted);
}

KsGalleryItem *
ks_contact_sheet_get_selected_item (KsContactSheet *self)
{
  g_return_val_if_fail (KS_IS_CONTACT_SHEET (self), NULL);

  if (self->selection == NULL)
    return NULL;

  return gtk_single_selection_get_selected_item (self->selection);
}

void
ks_contact_sheet_select (KsContactSheet *self,
                         guint           position)
{
  g_return_if_fail (KS_IS_CONTACT_SHEET (self));

  gtk_single_selection_set_selected (self->selection, position);
}
