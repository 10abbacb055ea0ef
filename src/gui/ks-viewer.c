#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-viewer-private.h"

#define DRAG_ICON_SIZE 128
#define THUMBNAIL_SIZE 256

G_DEFINE_FINAL_TYPE (KsViewer, ks_viewer, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ITEM,
  PROP_COMPARING,
  PROP_COMPARE_MODE,
  N_PROPS
};

enum {
  USE_AS_REFERENCE,
  REUSE_SETTINGS,
  RUN_AGAIN,
  DELETE_REQUESTED,
  CLOSE_REQUESTED,
  SAVED,
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- what the current item offers --------------------------------------- */

KsRecord *
_ks_viewer_get_record (KsViewer *self)
{
  return self->item != NULL ? ks_gallery_item_get_record (self->item) : NULL;
}

const KsRecordImage *
_ks_viewer_get_image (KsViewer *self)
{
  return self->item != NULL ? ks_gallery_item_get_image (self->item) : NULL;
}

gboolean
_ks_viewer_is_filtered (KsViewer *self)
{
  const KsRecordImage *image = _ks_viewer_get_image (self);

  return image != NULL && image->has_nsfw_concepts;
}

gboolean
_ks_viewer_has_pixels (KsViewer *self)
{
  const KsRecordImage *image = _ks_viewer_get_image (self);

  return image != NULL && image->file != NULL && !image->has_nsfw_concepts;
}

GFile *
_ks_viewer_dup_file (KsViewer *self)
{
  const KsRecordImage *image = _ks_viewer_get_image (self);

  if (image == NULL || image->file == NULL)
    return NULL;

  return ks_library_resolve (ks_gallery_item_get_library (self->item), image->file);
}

const char *
_ks_viewer_image_format (const KsRecordImage *image)
{
  const char *content_type = image->content_type;
  const char *dot = image->file != NULL ? strrchr (image->file, '.') : NULL;

  if (content_type != NULL && g_ascii_strcasecmp (content_type, "image/png") == 0)
    return "png";
  if (content_type != NULL && (g_ascii_strcasecmp (content_type, "image/jpeg") == 0 ||
                               g_ascii_strcasecmp (content_type, "image/jpg") == 0))
    return "jpeg";
  if (dot != NULL && g_ascii_strcasecmp (dot, ".png") == 0)
    return "png";
  if (dot != NULL && (g_ascii_strcasecmp (dot, ".jpg") == 0 || g_ascii_strcasecmp (dot, ".jpeg") == 0))
    return "jpeg";

  return NULL;
}

char *
_ks_viewer_dup_seed (KsViewer *self)
{
  KsRecord *record = _ks_viewer_get_record (self);
  guint64 seed;

  if (record == NULL)
    return NULL;
  if (ks_record_get_seed (record) != NULL)
    return g_strdup (ks_record_get_seed (record));
  if (ks_params_get_seed (ks_record_get_params (record), &seed))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, seed);

  return NULL;
}

void
_ks_viewer_emit_saved (KsViewer *self,
                       GFile    *file)
{
  g_signal_emit (self, signals[SAVED], 0, file);
}

void
_ks_viewer_emit_error (KsViewer   *self,
                       const char *message)
{
  g_signal_emit (self, signals[ERROR], 0, message);
}

/* What copy and drag offer: the image itself and, once the item has
 * written it, the original file, so that every kind of receiver gets a
 * real image. Nothing for a filtered image. */
static GdkContentProvider *
create_content_provider (KsViewer *self)
{
  if (!_ks_viewer_has_pixels (self))
    return NULL;

  return ks_gallery_item_create_content (self->item);
}

/* The image comes from the library's file through the image view (decoded
 * at the size shown first); "loading" only while the file is not written. */
void
_ks_viewer_refresh_page (KsViewer *self)
{
  const char *page = "empty";

  if (self->item != NULL && _ks_viewer_get_image (self) != NULL)
    {
      if (_ks_viewer_is_filtered (self))
        page = "filtered";
      else if (_ks_viewer_has_pixels (self))
        page = self->comparing ? "compare" : "picture";
      else
        page = "loading";
    }

  _ks_viewer_update_view (self);
  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->image_stack, page);

  if (self->item != NULL && _ks_viewer_has_pixels (self))
    {
      g_autofree char *description =
        /* Translators: the accessible description of the large image */
        g_strdup_printf (_("Result: %s"), ks_gallery_item_get_title (self->item));

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->image_view),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                      -1);
    }
}

static void
update_picture (KsViewer *self)
{
  _ks_viewer_update_compare (self);
  _ks_viewer_refresh_page (self);
}

static void
update_actions (KsViewer *self)
{
  gboolean has_item = self->item != NULL;
  gboolean pixels = _ks_viewer_has_pixels (self);
  KsRecord *record = _ks_viewer_get_record (self);
  gboolean has_params = record != NULL;
  g_autofree char *seed = _ks_viewer_dup_seed (self);
  gboolean has_seed = seed != NULL;
  KsLineage *lineage = self->lineage;
  guint n_steps = g_list_model_get_n_items (ks_lineage_get_steps (lineage));
  guint position = ks_lineage_get_position (lineage);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.save-as", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.use-as-reference", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.reuse-settings", has_params);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.lineage-previous", n_steps > 1 && position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.lineage-next", n_steps > 1 && position + 1 < n_steps);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.run-again-same-seed", has_params && has_seed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.run-again-new-seed", has_params);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy-seed", has_item && has_seed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.delete", has_item);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.close", has_item);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-in", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-out", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-fit", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-100", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-toggle", pixels);
}

static void
on_item_images_changed (KsViewer *self)
{
  update_picture (self);
  update_actions (self);
}

/* The record changes while its job runs or is resumed. */
static void
on_record_changed (KsViewer *self)
{
  _ks_viewer_update_details (self);
  update_picture (self);
  update_actions (self);
}

static void
update_lineage (KsViewer *self)
{
  if (self->item == NULL)
    ks_lineage_set_record (self->lineage, NULL, NULL, -1);
  else
    ks_lineage_set_record (self->lineage,
                           ks_gallery_item_get_library (self->item),
                           ks_gallery_item_get_record (self->item),
                           ks_gallery_item_get_image_index (self->item));
}

/* ---- the item ------------------------------------------------------------- */

KsGalleryItem *
ks_viewer_get_item (KsViewer *self)
{
  g_return_val_if_fail (KS_IS_VIEWER (self), NULL);

  return self->item;
}

void
ks_viewer_set_item (KsViewer      *self,
                    KsGalleryItem *item)
{
  g_return_if_fail (KS_IS_VIEWER (self));
  g_return_if_fail (item == NULL || KS_IS_GALLERY_ITEM (item));

  if (self->item == item)
    return;

  g_cancellable_cancel (self->item_cancellable);
  g_clear_object (&self->item_cancellable);
  g_set_object (&self->item, item);
  _ks_viewer_reset_compare_target (self);
  g_signal_group_set_target (self->item_signals, item);
  g_signal_group_set_target (self->record_signals,
                             item != NULL ? ks_gallery_item_get_record (item) : NULL);

  if (item != NULL)
    {
      self->item_cancellable = g_cancellable_new ();
      if (_ks_viewer_get_image (self) != NULL && !_ks_viewer_is_filtered (self))
        {
          ks_gallery_item_ensure_thumbnail (item, THUMBNAIL_SIZE);
          ks_gallery_item_ensure_texture (item);
        }
    }

  _ks_viewer_update_details (self);
  update_picture (self);
  update_lineage (self);
  update_actions (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

/* ---- other actions ---------------------------------------------------------- */

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  _ks_viewer_save_as (KS_VIEWER (widget));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);
  g_autoptr(GdkContentProvider) provider = create_content_provider (self);

  if (provider == NULL)
    return;

  gdk_clipboard_set_content (gtk_widget_get_clipboard (widget), provider);
}

static void
copy_seed_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);
  g_autofree char *seed = _ks_viewer_dup_seed (self);

  if (seed != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), seed);
}

static void
use_as_reference_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  if (_ks_viewer_has_pixels (self))
    g_signal_emit (self, signals[USE_AS_REFERENCE], 0, self->item);
}

static void
run_again_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);
  gboolean new_seed = g_str_equal (action_name, "viewer.run-again-new-seed");

  if (self->item != NULL)
    g_signal_emit (self, signals[RUN_AGAIN], 0, self->item, new_seed);
}

static void
reuse_settings_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  if (self->item != NULL)
    g_signal_emit (self, signals[REUSE_SETTINGS], 0, self->item);
}

static void
lineage_step_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  ks_lineage_step (self->lineage, g_str_equal (action_name, "viewer.lineage-previous") ? -1 : +1);
}

/* A step of the lineage was chosen: show that result here. */
static void
on_lineage_activate (KsViewer  *self,
                     KsRecord  *record,
                     guint      image,
                     KsLineage *lineage)
{
  g_autoptr(KsGalleryItem) item = NULL;
  const KsRecordImage *entry = ks_record_get_image (record, image);

  item = ks_gallery_item_new (ks_lineage_get_library (lineage), record,
                              entry != NULL ? (int) image : -1);
  ks_viewer_set_item (self, item);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  if (self->item != NULL)
    g_signal_emit (self, signals[DELETE_REQUESTED], 0, self->item);
}

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[CLOSE_REQUESTED], 0);
}

/* ---- drag out ------------------------------------------------------------- */

/* Dragging pans a zoomed image; at fit it takes the image out. */
static GdkContentProvider *
on_drag_prepare (KsViewer      *self,
                 double         x,
                 double         y,
                 GtkDragSource *source)
{
  if (!ks_image_view_get_fit (self->image_view))
    return NULL;

  return create_content_provider (self);
}

static void
on_drag_begin (KsViewer      *self,
               GdkDrag       *drag,
               GtkDragSource *source)
{
  GdkPaintable *icon = NULL;
  GtkWidget *picture;

  if (self->item != NULL)
    icon = GDK_PAINTABLE (ks_gallery_item_get_thumbnail (self->item));
  if (icon == NULL)
    icon = ks_image_view_get_paintable (self->image_view);
  if (icon == NULL)
    return;

  picture = gtk_picture_new_for_paintable (icon);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (picture, DRAG_ICON_SIZE, DRAG_ICON_SIZE);
  gtk_drag_icon_set_child (GTK_DRAG_ICON (gtk_drag_icon_get_for_drag (drag)), picture);
  gdk_drag_set_hotspot (drag, DRAG_ICON_SIZE / 2, DRAG_ICON_SIZE / 2);
}

/* ---- GObject -------------------------------------------------------------- */

/* The settings outlive dispose: a save may still be asked for then. */
static void
ks_viewer_finalize (GObject *object)
{
  KsViewer *self = KS_VIEWER (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_viewer_parent_class)->finalize (object);
}

static void
ks_viewer_dispose (GObject *object)
{
  KsViewer *self = KS_VIEWER (object);

  g_cancellable_cancel (self->item_cancellable);
  g_clear_object (&self->item_cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  if (self->item_signals != NULL)
    g_signal_group_set_target (self->item_signals, NULL);
  g_clear_object (&self->item_signals);
  if (self->record_signals != NULL)
    g_signal_group_set_target (self->record_signals, NULL);
  g_clear_object (&self->record_signals);
  g_clear_object (&self->item);
  g_clear_pointer (&self->compare_mode, g_free);
  _ks_viewer_compare_dispose (self);
  g_clear_handle_id (&self->zoom_label_idle, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_VIEWER);

  G_OBJECT_CLASS (ks_viewer_parent_class)->dispose (object);
}

static void
ks_viewer_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsViewer *self = KS_VIEWER (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;

    case PROP_COMPARING:
      g_value_set_boolean (value, self->comparing);
      break;

    case PROP_COMPARE_MODE:
      g_value_set_string (value, self->compare_mode);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_viewer_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsViewer *self = KS_VIEWER (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      ks_viewer_set_item (self, g_value_get_object (value));
      break;

    case PROP_COMPARING:
      _ks_viewer_set_comparing (self, g_value_get_boolean (value));
      break;

    case PROP_COMPARE_MODE:
      _ks_viewer_set_compare_mode (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_viewer_class_init (KsViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_viewer_dispose;
  object_class->finalize = ks_viewer_finalize;
  object_class->get_property = ks_viewer_get_property;
  object_class->set_property = ks_viewer_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         KS_TYPE_GALLERY_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARING] =
    g_param_spec_boolean ("comparing", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPARE_MODE] =
    g_param_spec_string ("compare-mode", NULL, NULL, "wipe",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[USE_AS_REFERENCE] =
    g_signal_new ("use-as-reference", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);
  signals[REUSE_SETTINGS] =
    g_signal_new ("reuse-settings", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);
  signals[RUN_AGAIN] =
    g_signal_new ("run-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, KS_TYPE_GALLERY_ITEM, G_TYPE_BOOLEAN);
  signals[DELETE_REQUESTED] =
    g_signal_new ("delete-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_GALLERY_ITEM);
  signals[CLOSE_REQUESTED] =
    g_signal_new ("close-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-viewer.ui");
  gtk_widget_class_bind_template_child (widget_class, KsViewer, title_label);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, image_stack);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, image_view);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, compare_view);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, zoom_button);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, returned_prompt_heading);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, returned_prompt_label);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, model_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, model_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, mode_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, mode_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, guidance_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, guidance_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, safety_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, safety_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, aspect_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, aspect_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, size_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, size_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, seed_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, seed_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, format_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, format_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, enhance_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, enhance_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, inference_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, inference_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, request_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, request_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, service_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, service_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, lineage);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, state_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, state_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, nsfw_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, nsfw_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, queue_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, queue_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, cost_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, cost_value);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, created_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, created_value);
  gtk_widget_class_bind_template_callback (widget_class, on_lineage_activate);

  gtk_widget_class_install_action (widget_class, "viewer.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "viewer.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "viewer.copy-seed", NULL, copy_seed_action);
  gtk_widget_class_install_action (widget_class, "viewer.use-as-reference", NULL, use_as_reference_action);
  gtk_widget_class_install_action (widget_class, "viewer.run-again-same-seed", NULL, run_again_action);
  gtk_widget_class_install_action (widget_class, "viewer.run-again-new-seed", NULL, run_again_action);
  gtk_widget_class_install_action (widget_class, "viewer.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "viewer.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "viewer.reuse-settings", NULL, reuse_settings_action);
  gtk_widget_class_install_action (widget_class, "viewer.lineage-previous", NULL, lineage_step_action);
  gtk_widget_class_install_action (widget_class, "viewer.lineage-next", NULL, lineage_step_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "viewer.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "viewer.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "viewer.use-as-reference", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "viewer.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "viewer.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "viewer.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "viewer.lineage-previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "viewer.lineage-next", NULL);

  _ks_viewer_view_class_init (widget_class);
  _ks_viewer_compare_class_init (widget_class);

  g_type_ensure (KS_TYPE_LINEAGE);
}

static void
ks_viewer_init (KsViewer *self)
{
  GtkDragSource *source;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (BASE_APP_ID);
  _ks_viewer_view_init (self);
  _ks_viewer_compare_init (self);

  self->item_signals = g_signal_group_new (KS_TYPE_GALLERY_ITEM);
  g_signal_group_connect_object (self->item_signals, "notify::texture",
                                 G_CALLBACK (on_item_images_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->item_signals, "notify::thumbnail",
                                 G_CALLBACK (on_item_images_changed), self, G_CONNECT_SWAPPED);

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect_object (source, "prepare", G_CALLBACK (on_drag_prepare), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (source, "drag-begin", G_CALLBACK (on_drag_begin), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->image_view), GTK_EVENT_CONTROLLER (source));

  self->record_signals = g_signal_group_new (KS_TYPE_RECORD);
  g_signal_group_connect_object (self->record_signals, "notify",
                                 G_CALLBACK (on_record_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->lineage, "notify::position",
                           G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  _ks_viewer_update_details (self);
  update_picture (self);
  update_actions (self);
}

GtkWidget *
ks_viewer_new (void)
{
  return g_object_new (KS_TYPE_VIEWER, NULL);
}
