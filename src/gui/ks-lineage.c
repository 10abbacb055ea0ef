#define G_LOG_DOMAIN "ks-lineage"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-item.h"
#include "ks-lineage.h"
#include "ks-style.h"

/* Thumbnails are asked for at twice their shown size, for 2× displays. */
#define STEP_THUMBNAIL_SIZE 128

struct _KsLineage
{
  AdwBin              parent_instance;

  KsLibrary          *library;
  GSignalGroup       *library_signals;
  KsRecord           *record;
  GListStore         *steps;        /* KsGalleryItem, original first */
  GtkSingleSelection *selection;
  guint               position;
  gboolean            selecting;    /* the selection is being set from here */

  /* template */
  GtkListView        *list_view;
  GtkLabel           *position_label;
};

G_DEFINE_FINAL_TYPE (KsLineage, ks_lineage, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_LIBRARY,
  PROP_RECORD,
  PROP_STEPS,
  PROP_POSITION,
  N_PROPS
};

enum {
  ACTIVATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- The chain ------------------------------------------------------------ */

/* The newest edit of image @image of @record that is not in @seen (one of
 * the same image if there is one, else of any); NULL when there is none.
 * A scan of the library: fine for thousands of records. */
static KsRecord *
find_child (KsLineage  *self,
            KsRecord   *record,
            int         image,
            GHashTable *seen)
{
  GListModel *records = ks_library_get_records (self->library);
  const char *id = ks_record_get_id (record);
  guint n = g_list_model_get_n_items (records);
  KsRecord *any = NULL;

  /* Newest first: the first match is the newest. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsRecord) candidate = g_list_model_get_item (records, i);

      if (g_strcmp0 (ks_record_get_parent_id (candidate), id) != 0 ||
          g_hash_table_contains (seen, ks_record_get_id (candidate)))
        continue;

      if (image < 0 || ks_record_get_parent_image (candidate) == (guint) image)
        return candidate;
      if (any == NULL)
        any = candidate;
    }

  return any;
}

static KsGalleryItem *
new_step (KsLineage *self,
          KsRecord  *record,
          int        image)
{
  return ks_gallery_item_new (self->library, record, image);
}

static void
update_position (KsLineage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->steps));
  g_autofree char *text = NULL;

  if (n > 1)
    /* Translators: where this result is in its chain of edits, e.g. "2 of 3" */
    text = g_strdup_printf (_("%u of %u"), self->position + 1, n);

  gtk_label_set_label (self->position_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self), n > 1);

  /* Thumbnails only for a strip that is shown (a no-op once loaded). */
  for (guint i = 0; n > 1 && i < n; i++)
    {
      g_autoptr(KsGalleryItem) step = g_list_model_get_item (G_LIST_MODEL (self->steps), i);

      ks_gallery_item_ensure_thumbnail (step, STEP_THUMBNAIL_SIZE);
    }

  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, n > 0 ? self->position : GTK_INVALID_LIST_POSITION);
  self->selecting = FALSE;

  if (n > 1)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", self->position);
}

static void
rebuild (KsLineage *self,
         int        image)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func (g_object_unref);
  KsRecord *current;
  int current_image;

  if (self->record == NULL || self->library == NULL)
    {
      g_list_store_remove_all (self->steps);
      self->position = 0;
      update_position (self);
      return;
    }

  g_hash_table_add (seen, g_strdup (ks_record_get_id (self->record)));

  /* Up to the original. */
  current = self->record;
  while (ks_record_get_parent_id (current) != NULL)
    {
      const char *parent_id = ks_record_get_parent_id (current);
      KsRecord *parent;

      if (g_hash_table_contains (seen, parent_id))
        break;  /* a cycle: written by hand, or damaged */
      parent = ks_library_lookup (self->library, parent_id);
      if (parent == NULL)
        break;  /* deleted for good */

      g_hash_table_add (seen, g_strdup (parent_id));
      g_ptr_array_add (before, new_step (self, parent, (int) ks_record_get_parent_image (current)));
      current = parent;
    }

  for (guint i = before->len; i > 0; i--)
    g_ptr_array_add (chain, g_object_ref (g_ptr_array_index (before, i - 1)));
  self->position = chain->len;
  g_ptr_array_add (chain, new_step (self, self->record, image));

  /* Down through the newest edits. */
  current = self->record;
  current_image = image;
  for (;;)
    {
      KsRecord *child = find_child (self, current, current_image, seen);

      if (child == NULL)
        break;

      g_hash_table_add (seen, g_strdup (ks_record_get_id (child)));
      g_ptr_array_add (chain, new_step (self, child, 0));
      current = child;
      current_image = 0;
    }

  self->selecting = TRUE;
  g_list_store_splice (self->steps, 0, g_list_model_get_n_items (G_LIST_MODEL (self->steps)),
                       chain->pdata, chain->len);
  self->selecting = FALSE;
  update_position (self);
}

static gboolean
find_step (KsLineage *self,
           KsRecord  *record,
           int        image,
           guint     *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->steps));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsGalleryItem) step = g_list_model_get_item (G_LIST_MODEL (self->steps), i);

      if (ks_gallery_item_get_record (step) == record &&
          (image < 0 || ks_gallery_item_get_image_index (step) == image))
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* A record came or went: an edit may have appeared or disappeared. */
static void
on_records_changed (KsLineage  *self,
                    guint       position,
                    guint       removed,
                    guint       added,
                    GListModel *records)
{
  g_autoptr(KsGalleryItem) step = NULL;

  if (self->record == NULL)
    return;

  step = g_list_model_get_item (G_LIST_MODEL (self->steps), self->position);
  rebuild (self, step != NULL ? ks_gallery_item_get_image_index (step) : 0);
}

/* ---- The user's choice ---------------------------------------------------- */

static void
on_selected (KsLineage          *self,
             GParamSpec         *pspec,
             GtkSingleSelection *selection)
{
  KsGalleryItem *step;
  int image;

  if (self->selecting)
    return;

  step = gtk_single_selection_get_selected_item (selection);
  if (step == NULL || gtk_single_selection_get_selected (selection) == self->position)
    return;

  /* The viewer answers by showing it, which moves the mark here. */
  image = ks_gallery_item_get_image_index (step);
  g_signal_emit (self, signals[ACTIVATE], 0, ks_gallery_item_get_record (step), (guint) MAX (image, 0));

  /* Nobody followed: keep the mark on what is shown. */
  if (gtk_single_selection_get_selected (selection) != self->position)
    update_position (self);
}

gboolean
ks_lineage_step (KsLineage *self,
                 int        delta)
{
  guint n;
  gint64 target;

  g_return_val_if_fail (KS_IS_LINEAGE (self), FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->steps));
  target = (gint64) self->position + delta;
  if (n < 2 || delta == 0 || target < 0 || target >= n)
    return FALSE;

  gtk_single_selection_set_selected (self->selection, (guint) target);
  return TRUE;
}

/* ---- Public --------------------------------------------------------------- */

GtkWidget *
ks_lineage_new (void)
{
  return g_object_new (KS_TYPE_LINEAGE, NULL);
}

KsLibrary *
ks_lineage_get_library (KsLineage *self)
{
  g_return_val_if_fail (KS_IS_LINEAGE (self), NULL);

  return self->library;
}

KsRecord *
ks_lineage_get_record (KsLineage *self)
{
  g_return_val_if_fail (KS_IS_LINEAGE (self), NULL);

  return self->record;
}

GListModel *
ks_lineage_get_steps (KsLineage *self)
{
  g_return_val_if_fail (KS_IS_LINEAGE (self), NULL);

  return G_LIST_MODEL (self->steps);
}

guint
ks_lineage_get_position (KsLineage *self)
{
  g_return_val_if_fail (KS_IS_LINEAGE (self), 0);

  return self->position;
}

void
ks_lineage_set_record (KsLineage *self,
                       KsLibrary *library,
                       KsRecord  *record,
                       int        image)
{
  gboolean library_changed;
  gboolean record_changed;
  guint position;

  g_return_if_fail (KS_IS_LINEAGE (self));
  g_return_if_fail (library == NULL || KS_IS_LIBRARY (library));
  g_return_if_fail (record == NULL || KS_IS_RECORD (record));

  library_changed = g_set_object (&self->library, library);
  if (library_changed)
    g_signal_group_set_target (self->library_signals,
                               library != NULL ? ks_library_get_records (library) : NULL);
  record_changed = g_set_object (&self->record, record);

  if (!library_changed && record != NULL && find_step (self, record, image, &position))
    {
      /* Along the chain shown: keep it, move the mark. */
      self->position = position;
      update_position (self);
    }
  else
    {
      rebuild (self, image);
    }

  if (library_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIBRARY]);
  if (record_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ks_lineage_dispose (GObject *object)
{
  KsLineage *self = KS_LINEAGE (object);

  if (self->library_signals != NULL)
    g_signal_group_set_target (self->library_signals, NULL);
  g_clear_object (&self->library_signals);

  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_LINEAGE);

  g_clear_object (&self->selection);
  g_clear_object (&self->steps);
  g_clear_object (&self->record);
  g_clear_object (&self->library);

  G_OBJECT_CLASS (ks_lineage_parent_class)->dispose (object);
}

static void
ks_lineage_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsLineage *self = KS_LINEAGE (object);

  switch (prop_id)
    {
    case PROP_LIBRARY:
      g_value_set_object (value, self->library);
      break;

    case PROP_RECORD:
      g_value_set_object (value, self->record);
      break;

    case PROP_STEPS:
      g_value_set_object (value, self->steps);
      break;

    case PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_lineage_class_init (KsLineageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_lineage_dispose;
  object_class->get_property = ks_lineage_get_property;

  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL, KS_TYPE_LIBRARY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL, KS_TYPE_RECORD,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STEPS] =
    g_param_spec_object ("steps", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSITION] =
    g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACTIVATE] =
    g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, KS_TYPE_RECORD, G_TYPE_UINT);

  /* The step template looks the type up by name. */
  g_type_ensure (KS_TYPE_GALLERY_ITEM);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-lineage.ui");
  gtk_widget_class_bind_template_child (widget_class, KsLineage, list_view);
  gtk_widget_class_bind_template_child (widget_class, KsLineage, position_label);
  gtk_widget_class_set_css_name (widget_class, "lineage");
}

static void
ks_lineage_init (KsLineage *self)
{
  ks_style_ensure (RESOURCE_PREFIX "/ks-lineage.css");
  gtk_widget_init_template (GTK_WIDGET (self));

  self->steps = g_list_store_new (KS_TYPE_GALLERY_ITEM);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->steps)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, FALSE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (on_selected), self, G_CONNECT_SWAPPED);

  self->library_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_object (self->library_signals, "items-changed",
                                 G_CALLBACK (on_records_changed), self, G_CONNECT_SWAPPED);
}
