#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-viewer-private.h"
#include "ks-tooltip.h"

/* "Compare With…": any image of the library as the other side of the
 * compare view. The list is made when the popover opens, in sections: the
 * stored references, the other results of the same sweep, the steps of
 * the lineage, and the most recent completed results. Choosing one
 * compares the result (A) with it (B) in the current mode, until another
 * item is shown. */

#define ROW_THUMBNAIL_SIZE 128
#define ROW_PICTURE_SIZE   40

/* The seed a record's result reported, else the one asked for. */
static char *
dup_record_seed (KsRecord *record)
{
  guint64 seed;

  if (ks_record_get_seed (record) != NULL)
    return g_strdup (ks_record_get_seed (record));
  if (ks_params_get_seed (ks_record_get_params (record), &seed))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, seed);

  return NULL;
}

char *
_ks_viewer_dup_result_label (KsRecord *record)
{
  g_autofree char *seed = record != NULL ? dup_record_seed (record) : NULL;

  if (seed != NULL)
    /* Translators: the compared result's label; %s is its seed */
    return g_strdup_printf (_("Result · seed %s"), seed);

  return g_strdup (_("Result"));
}

static gboolean
image_comparable (const KsRecordImage *image)
{
  return image != NULL && image->file != NULL && !image->has_nsfw_concepts;
}

static gboolean
is_current (KsViewer *self,
            KsRecord *record,
            guint     index)
{
  return record == _ks_viewer_get_record (self) &&
         (int) index == ks_gallery_item_get_image_index (self->item);
}

static void
append_section (GListStore *store,
                const char *heading,
                GPtrArray  *targets)
{
  g_autoptr(KsViewerTarget) header = NULL;

  if (targets->len == 0)
    return;

  header = ks_viewer_target_new_heading (heading);
  g_list_store_append (store, header);
  g_list_store_splice (store, g_list_model_get_n_items (G_LIST_MODEL (store)), 0,
                       targets->pdata, targets->len);
}

static void
add_references (KsViewer  *self,
                KsLibrary *library,
                KsRecord  *record,
                GPtrArray *targets)
{
  GPtrArray *references = ks_record_get_references (record);

  for (guint i = 0; references != NULL && i < references->len; i++)
    {
      const KsRecordReference *reference = g_ptr_array_index (references, i);
      g_autoptr(GFile) file = NULL;

      if (reference->file == NULL)
        continue;

      file = ks_library_resolve (library, reference->file);
      g_ptr_array_add (targets,
                       ks_viewer_target_new_file (file,
                                                  reference->source_name != NULL
                                                    ? reference->source_name : _("Reference"),
                                                  _("Reference")));
    }
}

/* Every comparable image of @record (but the one shown) as a target. */
static void
add_record_images (KsViewer   *self,
                   KsLibrary  *library,
                   KsRecord   *record,
                   const char *label,
                   const char *compare_label,
                   GPtrArray  *targets,
                   guint       max)
{
  GPtrArray *images = ks_record_get_images (record);
  guint n_images = images != NULL ? images->len : 0;

  for (guint i = 0; i < n_images && targets->len < max; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (images, i);
      g_autoptr(KsGalleryItem) item = NULL;
      g_autofree char *numbered = NULL;

      if (!image_comparable (image) || is_current (self, record, image->index))
        continue;

      if (n_images > 1)
        /* Translators: a result's label and which of its images, "Seed 42 · 2" */
        numbered = g_strdup_printf (_("%s · %u"), label, image->index + 1);

      item = ks_gallery_item_new (library, record, image->index);
      g_ptr_array_add (targets,
                       ks_viewer_target_new_item (item, numbered != NULL ? numbered : label,
                                                  compare_label));
    }
}

static void
add_sweep (KsViewer  *self,
           KsLibrary *library,
           KsRecord  *record,
           GPtrArray *targets)
{
  const char *batch_id = ks_record_get_batch_id (record);
  GListModel *records = ks_library_get_records (library);
  guint n = g_list_model_get_n_items (records);

  if (batch_id == NULL)
    return;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsRecord) other = g_list_model_get_item (records, i);
      g_autofree char *result_label = NULL;
      const char *label;

      if (other == record || g_strcmp0 (ks_record_get_batch_id (other), batch_id) != 0)
        continue;

      result_label = _ks_viewer_dup_result_label (other);
      label = ks_record_get_batch_label (other) != NULL ? ks_record_get_batch_label (other) : result_label;
      add_record_images (self, library, other, label, label, targets, G_MAXUINT);
    }
}

/* The lineage strip's chain (original first), without the current step. */
static void
add_edits (KsViewer  *self,
           GPtrArray *targets)
{
  GListModel *steps = ks_lineage_get_steps (self->lineage);
  guint n = g_list_model_get_n_items (steps);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsGalleryItem) step = g_list_model_get_item (steps, i);
      const KsRecordImage *image = ks_gallery_item_get_image (step);
      g_autofree char *label = NULL;

      if (!image_comparable (image) ||
          is_current (self, ks_gallery_item_get_record (step), image->index))
        continue;

      if (i == 0)
        label = g_strdup (_("Original"));
      else
        /* Translators: a step of a chain of edits, "Step 2 of 3" */
        label = g_strdup_printf (_("Step %u of %u"), i + 1, n);

      g_ptr_array_add (targets, ks_viewer_target_new_item (step, label, label));
    }
}

static void
add_recent (KsViewer  *self,
            KsLibrary *library,
            GPtrArray *targets)
{
  GListModel *records = ks_library_get_records (library);
  guint n = g_list_model_get_n_items (records);

  for (guint i = 0; i < n && targets->len < KS_VIEWER_RECENT_MAX; i++)
    {
      g_autoptr(KsRecord) other = g_list_model_get_item (records, i);
      g_autofree char *result_label = NULL;

      if (ks_record_get_state (other) != KS_RECORD_STATE_COMPLETED)
        continue;

      result_label = _ks_viewer_dup_result_label (other);
      add_record_images (self, library, other, ks_record_get_prompt (other), result_label,
                         targets, KS_VIEWER_RECENT_MAX);
    }
}

void
_ks_viewer_rebuild_compare_targets (KsViewer *self)
{
  KsRecord *record = _ks_viewer_get_record (self);
  KsLibrary *library = self->item != NULL ? ks_gallery_item_get_library (self->item) : NULL;
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) sweep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) edits = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) recent = g_ptr_array_new_with_free_func (g_object_unref);

  g_list_store_remove_all (self->compare_targets);
  if (record == NULL || library == NULL || !_ks_viewer_has_pixels (self))
    return;

  add_references (self, library, record, references);
  add_sweep (self, library, record, sweep);
  add_edits (self, edits);
  add_recent (self, library, recent);

  append_section (self->compare_targets, _("Reference"), references);
  append_section (self->compare_targets, _("Sweep"), sweep);
  append_section (self->compare_targets, _("Edits"), edits);
  append_section (self->compare_targets, _("Recent"), recent);

  gtk_widget_set_visible (GTK_WIDGET (self->compare_with_empty),
                          g_list_model_get_n_items (G_LIST_MODEL (self->compare_targets)) == 0);
}

/* ---- choosing ----------------------------------------------------------------- */

void
_ks_viewer_set_compare_target (KsViewer       *self,
                               KsViewerTarget *target)
{
  g_return_if_fail (target == NULL || !ks_viewer_target_get_heading (target));

  g_set_object (&self->compare_target, target);

  if (target != NULL && !self->comparing)
    _ks_viewer_set_comparing (self, TRUE);
  else
    {
      _ks_viewer_update_compare (self);
      _ks_viewer_refresh_page (self);
    }
}

void
_ks_viewer_reset_compare_target (KsViewer *self)
{
  g_clear_object (&self->compare_target);
  g_list_store_remove_all (self->compare_targets);
  gtk_popover_popdown (self->compare_with_popover);
}

static void
on_target_activate (KsViewer    *self,
                    guint        position,
                    GtkListView *list)
{
  g_autoptr(KsViewerTarget) target =
    g_list_model_get_item (G_LIST_MODEL (self->compare_targets), position);

  if (target == NULL || ks_viewer_target_get_heading (target))
    return;

  gtk_popover_popdown (self->compare_with_popover);
  _ks_viewer_set_compare_target (self, target);
}

/* ---- rows ------------------------------------------------------------------- */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, ROW_PICTURE_SIZE, ROW_PICTURE_SIZE);
  gtk_widget_add_css_class (picture, "card");
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 24);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 32);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          KsViewer                 *self)
{
  KsViewerTarget *target = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *picture = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_last_child (box);
  gboolean heading = ks_viewer_target_get_heading (target);
  GBinding *binding;

  gtk_label_set_text (GTK_LABEL (label), ks_viewer_target_get_label (target));
  gtk_widget_set_visible (picture, !heading);
  gtk_list_item_set_activatable (list_item, !heading);
  gtk_list_item_set_selectable (list_item, !heading);
  if (heading)
    {
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_set_margin_top (box, 6);
      ks_set_tooltip (box, NULL);
      return;
    }

  gtk_widget_remove_css_class (label, "heading");
  gtk_widget_remove_css_class (label, "dim-label");
  gtk_widget_set_margin_top (box, 0);
  if (ks_viewer_target_get_item (target) != NULL)
    ks_set_tooltip (box, ks_gallery_item_get_title (ks_viewer_target_get_item (target)));
  else
    ks_set_tooltip (box, NULL);

  binding = g_object_bind_property (target, "thumbnail", picture, "paintable", G_BINDING_SYNC_CREATE);
  g_object_set_data (G_OBJECT (list_item), "ks-binding", binding);
  ks_viewer_target_ensure_thumbnail (target, ROW_THUMBNAIL_SIZE);

  {
    g_autofree char *name =
      /* Translators: the accessible name of a row of Compare With…: "Compare with Seed 42" */
      g_strdup_printf (_("Compare with %s"), ks_viewer_target_get_label (target));

    gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  }
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (list_item), "ks-binding");
  GtkWidget *box = gtk_list_item_get_child (list_item);

  if (binding != NULL)
    g_binding_unbind (binding);
  gtk_picture_set_paintable (GTK_PICTURE (gtk_widget_get_first_child (box)), NULL);
}

static void
on_create_popup (GtkMenuButton *button,
                 gpointer       user_data)
{
  _ks_viewer_rebuild_compare_targets (KS_VIEWER (user_data));
}

/* ---- setup ------------------------------------------------------------------ */

void
_ks_viewer_compare_init (KsViewer *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkNoSelection) selection = NULL;

  self->compare_targets = g_list_store_new (KS_TYPE_VIEWER_TARGET);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->compare_targets)));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_row), self, 0);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->compare_with_list, factory);
  gtk_list_view_set_model (self->compare_with_list, GTK_SELECTION_MODEL (selection));

  g_signal_connect_object (self->compare_with_list, "activate",
                           G_CALLBACK (on_target_activate), self, G_CONNECT_SWAPPED);
  /* Made afresh each time, before the popover is measured. */
  gtk_menu_button_set_create_popup_func (self->compare_with_button, on_create_popup, self, NULL);
}

void
_ks_viewer_compare_dispose (KsViewer *self)
{
  g_clear_object (&self->compare_target);
  g_clear_object (&self->compare_targets);
}

void
_ks_viewer_compare_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, KsViewer, compare_with_button);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, compare_with_popover);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, compare_with_list);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, compare_with_empty);

  g_type_ensure (KS_TYPE_VIEWER_TARGET);
}
