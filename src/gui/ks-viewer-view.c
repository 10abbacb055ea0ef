#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-viewer-private.h"

/* The image at any zoom, loaded from the library's file (so a large image
 * is decoded at the size shown first), and comparing it: with its first
 * reference as it was sent, or, when none was stored, with the previous
 * step of its lineage (the parent's image). */

#define ZOOM_STEP 1.25

KsImageView *
_ks_viewer_get_active_view (KsViewer *self)
{
  if (self->comparing)
    return ks_compare_view_get_view_a (self->compare_view);

  return self->image_view;
}

/* ---- zoom ------------------------------------------------------------------- */

static void
sync_zoom_label (KsViewer *self)
{
  KsImageView *view = _ks_viewer_get_active_view (self);
  gboolean fit = ks_image_view_get_fit (view);
  double zoom = ks_image_view_get_zoom (view);
  g_autofree char *text = NULL;

  /* Translators: the zoom level in the viewer's toolbar */
  text = g_strdup_printf (_("%.0f %%"), round (zoom * 100.0));
  gtk_label_set_text (self->zoom_label, text);
  gtk_widget_set_tooltip_text (self->zoom_button,
                               fit ? _("Show at 100 % (1)") : _("Fit to the Window (0)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->zoom_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fit ? _("Show at 100 %") : _("Fit to the Window"),
                                  -1);
}

static gboolean
sync_zoom_label_idle (gpointer data)
{
  KsViewer *self = data;

  self->zoom_label_idle = 0;
  sync_zoom_label (self);

  return G_SOURCE_REMOVE;
}

/* The zoom changes during layout too (fitting follows the size): the
 * label, which would need a new layout itself, follows after it. */
static void
update_zoom_label (KsViewer *self)
{
  if (self->zoom_label_idle == 0)
    self->zoom_label_idle = g_idle_add (sync_zoom_label_idle, self);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);
  KsImageView *view = _ks_viewer_get_active_view (self);
  double width = gtk_widget_get_width (GTK_WIDGET (view));
  double height = gtk_widget_get_height (GTK_WIDGET (view));

  if (g_str_equal (action_name, "viewer.zoom-in"))
    ks_image_view_zoom_at (view, ZOOM_STEP, width / 2.0, height / 2.0);
  else if (g_str_equal (action_name, "viewer.zoom-out"))
    ks_image_view_zoom_at (view, 1.0 / ZOOM_STEP, width / 2.0, height / 2.0);
  else if (g_str_equal (action_name, "viewer.zoom-fit"))
    ks_image_view_zoom_to_fit (view);
  else if (g_str_equal (action_name, "viewer.zoom-100"))
    ks_image_view_set_zoom (view, 1.0);
  else if (ks_image_view_get_fit (view))  /* zoom-toggle */
    ks_image_view_set_zoom (view, 1.0);
  else
    ks_image_view_zoom_to_fit (view);
}

/* ---- what is shown ------------------------------------------------------------ */

void
_ks_viewer_update_view (KsViewer *self)
{
  g_autoptr(GFile) file = _ks_viewer_has_pixels (self) ? _ks_viewer_dup_file (self) : NULL;
  GFile *shown = ks_image_view_get_file (self->image_view);

  if (file == NULL && shown == NULL)
    return;
  if (file != NULL && shown != NULL && g_file_equal (file, shown))
    return;

  ks_image_view_set_file (self->image_view, file);
  if (file != NULL)
    ks_image_view_zoom_to_fit (self->image_view);
}

/* What the result is compared with: the first stored reference, else the
 * parent's image. NULL when there is neither. */
static GFile *
dup_compare_source (KsViewer    *self,
                    const char **label)
{
  KsRecord *record = _ks_viewer_get_record (self);
  KsLibrary *library = self->item != NULL ? ks_gallery_item_get_library (self->item) : NULL;
  GPtrArray *references;
  const char *parent_id;

  if (record == NULL || library == NULL)
    return NULL;

  references = ks_record_get_references (record);
  for (guint i = 0; references != NULL && i < references->len; i++)
    {
      const KsRecordReference *reference = g_ptr_array_index (references, i);

      if (reference->file != NULL)
        {
          *label = _("Reference");
          return ks_library_resolve (library, reference->file);
        }
    }

  parent_id = ks_record_get_parent_id (record);
  if (parent_id != NULL)
    {
      KsRecord *parent = ks_library_lookup (library, parent_id);
      const KsRecordImage *image = parent != NULL
        ? ks_record_get_image (parent, ks_record_get_parent_image (record))
        : NULL;

      if (image != NULL && image->file != NULL && !image->has_nsfw_concepts)
        {
          *label = _("Previous Step");
          return ks_library_resolve (library, image->file);
        }
    }

  return NULL;
}

static gboolean
can_compare (KsViewer *self)
{
  const char *label = NULL;
  g_autoptr(GFile) source = NULL;

  if (!_ks_viewer_has_pixels (self))
    return FALSE;

  if (self->compare_target != NULL)
    return TRUE;

  source = dup_compare_source (self, &label);
  return source != NULL;
}

static KsCompareMode
parse_mode (const char *mode)
{
  if (g_strcmp0 (mode, "side-by-side") == 0)
    return KS_COMPARE_MODE_SIDE_BY_SIDE;
  if (g_strcmp0 (mode, "toggle") == 0)
    return KS_COMPARE_MODE_TOGGLE;

  return KS_COMPARE_MODE_WIPE;
}

void
_ks_viewer_update_compare (KsViewer *self)
{
  gboolean pixels = _ks_viewer_has_pixels (self);
  gboolean possible = can_compare (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.comparing", possible || self->comparing);
  gtk_widget_set_sensitive (GTK_WIDGET (self->compare_with_button), pixels);

  if (self->comparing && possible)
    {
      const char *label = NULL;
      g_autoptr(GFile) source = NULL;
      g_autoptr(GFile) result = _ks_viewer_dup_file (self);
      g_autofree char *result_label = _ks_viewer_dup_result_label (_ks_viewer_get_record (self));
      GFile *shown_a = ks_image_view_get_file (ks_compare_view_get_view_a (self->compare_view));
      GFile *shown_b = ks_image_view_get_file (ks_compare_view_get_view_b (self->compare_view));
      GFile *a;
      GFile *b;

      ks_compare_view_set_mode (self->compare_view, parse_mode (self->compare_mode));
      if (self->compare_target != NULL)
        {
          /* A chosen image: the result first, the other one second. */
          a = result;
          b = ks_viewer_target_get_file (self->compare_target);
          ks_compare_view_set_labels (self->compare_view, result_label,
                                      ks_viewer_target_get_compare_label (self->compare_target));
        }
      else
        {
          source = dup_compare_source (self, &label);
          a = source;
          b = result;
          ks_compare_view_set_labels (self->compare_view, label, result_label);
        }

      if (shown_a == NULL || shown_b == NULL ||
          !g_file_equal (shown_a, a) || !g_file_equal (shown_b, b))
        ks_compare_view_set_files (self->compare_view, a, b);
    }
  else if (self->comparing)
    {
      /* Nothing to compare with any more (another item). */
      _ks_viewer_set_comparing (self, FALSE);
    }
}

void
_ks_viewer_set_comparing (KsViewer *self,
                          gboolean  comparing)
{
  comparing = !!comparing;
  if (self->comparing == comparing)
    return;

  self->comparing = comparing;
  _ks_viewer_update_compare (self);
  _ks_viewer_refresh_page (self);
  update_zoom_label (self);
  g_object_notify (G_OBJECT (self), "comparing");
}

void
_ks_viewer_set_compare_mode (KsViewer   *self,
                             const char *mode)
{
  if (mode == NULL || (!g_str_equal (mode, "wipe") && !g_str_equal (mode, "side-by-side") &&
                       !g_str_equal (mode, "toggle")))
    mode = "wipe";

  if (g_strcmp0 (self->compare_mode, mode) != 0)
    {
      g_free (self->compare_mode);
      self->compare_mode = g_strdup (mode);
      ks_compare_view_set_mode (self->compare_view, parse_mode (mode));
      g_object_notify (G_OBJECT (self), "compare-mode");
    }

  /* Choosing a mode, even the current one, starts comparing. */
  if (!self->comparing && can_compare (self))
    _ks_viewer_set_comparing (self, TRUE);
}

/* ---- setup ------------------------------------------------------------------ */

/* The compare view's own buttons change the mode too. */
static void
on_compare_mode_changed (KsViewer *self)
{
  static const char * const names[] = { "wipe", "side-by-side", "toggle" };
  KsCompareMode mode = ks_compare_view_get_mode (self->compare_view);

  if (mode < G_N_ELEMENTS (names) && g_strcmp0 (self->compare_mode, names[mode]) != 0)
    _ks_viewer_set_compare_mode (self, names[mode]);
}

void
_ks_viewer_view_init (KsViewer *self)
{
  self->compare_mode = g_strdup ("wipe");

  g_signal_connect_object (self->compare_view, "notify::mode",
                           G_CALLBACK (on_compare_mode_changed), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->image_view, "notify::zoom",
                           G_CALLBACK (update_zoom_label), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->image_view, "notify::fit",
                           G_CALLBACK (update_zoom_label), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ks_compare_view_get_view_a (self->compare_view), "notify::zoom",
                           G_CALLBACK (update_zoom_label), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ks_compare_view_get_view_a (self->compare_view), "notify::fit",
                           G_CALLBACK (update_zoom_label), self, G_CONNECT_SWAPPED);
  sync_zoom_label (self);
}

void
_ks_viewer_view_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "viewer.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-100", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-toggle", NULL, zoom_action);
  gtk_widget_class_install_property_action (widget_class, "viewer.comparing", "comparing");
  gtk_widget_class_install_property_action (widget_class, "viewer.compare-mode", "compare-mode");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "viewer.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, 0, "viewer.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "viewer.zoom-100", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1, 0, "viewer.zoom-100", NULL);

  g_type_ensure (KS_TYPE_IMAGE_VIEW);
  g_type_ensure (KS_TYPE_COMPARE_VIEW);
}
