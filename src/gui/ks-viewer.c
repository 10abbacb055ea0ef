#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-viewer.h"

#define SUGGESTED_NAME_MAX_CHARS 60
#define JPEG_QUALITY 92
#define DRAG_ICON_SIZE 128
#define THUMBNAIL_SIZE 256

struct _KsViewer
{
  AdwBin          parent_instance;

  KsGalleryItem  *item;
  GSignalGroup   *item_signals;

  GCancellable   *item_cancellable;
  GtkNativeDialog *chooser;

  GtkLabel       *title_label;
  GtkStack       *image_stack;
  GtkPicture     *picture;
  GtkSpinner     *loading_spinner;
  GtkLabel       *prompt_label;
  GtkLabel       *returned_prompt_heading;
  GtkLabel       *returned_prompt_label;

  AdwActionRow   *model_row;
  GtkLabel       *model_value;
  AdwActionRow   *mode_row;
  GtkLabel       *mode_value;
  AdwActionRow   *guidance_row;
  GtkLabel       *guidance_value;
  AdwActionRow   *safety_row;
  GtkLabel       *safety_value;
  AdwActionRow   *aspect_row;
  GtkLabel       *aspect_value;
  AdwActionRow   *size_row;
  GtkLabel       *size_value;
  AdwActionRow   *seed_row;
  GtkLabel       *seed_value;
  AdwActionRow   *format_row;
  GtkLabel       *format_value;
  AdwActionRow   *enhance_row;
  GtkLabel       *enhance_value;
  AdwActionRow   *inference_row;
  GtkLabel       *inference_value;
  AdwActionRow   *request_row;
  GtkLabel       *request_value;
  AdwActionRow   *service_row;
  GtkLabel       *service_value;
};

G_DEFINE_FINAL_TYPE (KsViewer, ks_viewer, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

enum {
  USE_AS_REFERENCE,
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

static KsJobImage *
get_image (KsViewer *self)
{
  if (self->item == NULL)
    return NULL;

  return ks_gallery_item_get_image (self->item);
}

static gboolean
is_filtered (KsViewer *self)
{
  KsJobImage *image = get_image (self);

  return image != NULL && ks_job_image_get_has_nsfw_concepts (image);
}

/* TRUE when there are pixels the user may save, copy or drag. */
static gboolean
has_pixels (KsViewer *self)
{
  KsJobImage *image = get_image (self);

  if (image == NULL || is_filtered (self))
    return FALSE;

  return ks_job_image_get_pixbuf (image) != NULL || ks_job_image_get_bytes (image) != NULL;
}

/* "png" or "jpeg": the format of the image's own bytes. */
static const char *
image_format (KsJobImage *image)
{
  const char *content_type = ks_job_image_get_content_type (image);

  if (content_type != NULL && g_ascii_strcasecmp (content_type, "image/png") == 0)
    return "png";
  if (content_type != NULL && (g_ascii_strcasecmp (content_type, "image/jpeg") == 0 ||
                               g_ascii_strcasecmp (content_type, "image/jpg") == 0))
    return "jpeg";

  return NULL;
}

static KsParams *
get_params (KsViewer *self)
{
  if (self->item == NULL)
    return NULL;

  return ks_job_get_params (ks_gallery_item_get_job (self->item));
}

static const char *
get_seed (KsViewer *self)
{
  if (self->item == NULL)
    return NULL;

  return ks_job_get_seed (ks_gallery_item_get_job (self->item));
}

/* What copy and drag offer: the image itself and, once the item has
 * written it, the original file, so that every kind of receiver gets a
 * real image. Nothing for a filtered image. */
static GdkContentProvider *
create_content_provider (KsViewer *self)
{
  if (!has_pixels (self))
    return NULL;

  return ks_gallery_item_create_content (self->item);
}

/* ---- file names ----------------------------------------------------------- */

char *
ks_viewer_suggest_file_name (const char *prompt,
                             const char *format)
{
  g_autoptr(GString) name = g_string_new (NULL);
  const char *extension = g_strcmp0 (format, "png") == 0 ? "png" : "jpg";
  gboolean pending_dash = FALSE;
  guint n_chars = 0;

  for (const char *p = prompt; p != NULL && *p != '\0' && n_chars < SUGGESTED_NAME_MAX_CHARS;
       p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;

      if (g_unichar_isalnum (c))
        {
          if (pending_dash && name->len > 0 && n_chars + 1 < SUGGESTED_NAME_MAX_CHARS)
            {
              g_string_append_c (name, '-');
              n_chars++;
            }
          pending_dash = FALSE;
          g_string_append_unichar (name, g_unichar_tolower (c));
          n_chars++;
        }
      else
        pending_dash = TRUE;
    }

  if (name->len == 0)
    g_string_append (name, _("kontext-image"));

  g_string_append_printf (name, ".%s", extension);

  return g_string_free (g_steal_pointer (&name), FALSE);
}

/* ---- the parameters panel ------------------------------------------------- */

static void
set_row (AdwActionRow *row,
         GtkLabel     *value_label,
         const char   *value)
{
  gtk_widget_set_visible (GTK_WIDGET (row), value != NULL);
  gtk_label_set_label (value_label, value != NULL ? value : "");
}

static const char *
mode_to_label (KsMode mode)
{
  switch (mode)
    {
    case KS_MODE_EDIT:
      return _("Edit");
    case KS_MODE_TEXT_TO_IMAGE:
      return _("Text to Image");
    case KS_MODE_MULTI:
      return _("Several References");
    default:
      g_assert_not_reached ();
    }
}

static const char *
model_to_label (KsModel model)
{
  switch (model)
    {
    case KS_MODEL_PRO:
      return _("FLUX.1 Kontext [pro]");
    case KS_MODEL_MAX:
      return _("FLUX.1 Kontext [max]");
    default:
      g_assert_not_reached ();
    }
}

static char *
describe_tolerance (int tolerance)
{
  const char *words;

  if (tolerance <= 2)
    words = _("Strict");
  else if (tolerance <= 4)
    words = _("Balanced");
  else
    words = _("Permissive");

  /* Translators: safety tolerance, e.g. "2 of 6 · Strict" */
  return g_strdup_printf (_("%d of 6 · %s"), tolerance, words);
}

static void
update_details (KsViewer *self)
{
  KsParams *params = get_params (self);
  KsJobImage *image = get_image (self);
  KsJob *job = self->item != NULL ? ks_gallery_item_get_job (self->item) : NULL;
  g_autofree char *guidance = NULL;
  g_autofree char *tolerance = NULL;
  g_autofree char *size = NULL;
  g_autofree char *inference = NULL;
  const char *prompt = NULL;
  const char *returned_prompt = NULL;
  const char *model = NULL;
  const char *mode = NULL;
  const char *aspect = NULL;
  const char *format = NULL;
  const char *enhance = NULL;
  const char *request_id = NULL;
  g_autofree char *returned_stripped = NULL;
  gboolean show_returned;

  if (params != NULL)
    {
      const KsEndpoint *endpoint = ks_params_get_endpoint (params);

      prompt = ks_params_get_prompt (params);
      model = model_to_label (ks_endpoint_get_model (endpoint));
      mode = mode_to_label (ks_endpoint_get_mode (endpoint));
      guidance = g_strdup_printf ("%.1f", ks_params_get_guidance_scale (params));
      tolerance = describe_tolerance (ks_params_get_safety_tolerance (params));
      aspect = ks_params_get_aspect_ratio (params);
      if (aspect == NULL)
        aspect = _("Match Input");
      enhance = ks_params_get_enhance_prompt (params) ? _("On") : _("Off");
      format = g_strcmp0 (ks_params_get_output_format (params), "png") == 0 ? _("PNG") : _("JPEG");
    }

  if (job != NULL)
    {
      returned_prompt = ks_job_get_returned_prompt (job);
      request_id = ks_job_get_request_id (job);
      if (ks_job_get_inference_time (job) >= 0)
        /* Translators: a duration in seconds */
        inference = g_strdup_printf (_("%.1f s"), ks_job_get_inference_time (job));
    }

  if (prompt == NULL && self->item != NULL)
    prompt = ks_gallery_item_get_title (self->item);
  if (prompt == NULL && returned_prompt != NULL)
    prompt = returned_prompt;

  if (image != NULL)
    {
      GdkPixbuf *pixbuf = ks_job_image_get_pixbuf (image);
      int width = pixbuf != NULL ? gdk_pixbuf_get_width (pixbuf) : ks_job_image_get_width (image);
      int height = pixbuf != NULL ? gdk_pixbuf_get_height (pixbuf) : ks_job_image_get_height (image);
      const char *own = image_format (image);

      if (width > 0 && height > 0)
        /* Translators: an image size in pixels */
        size = g_strdup_printf (_("%d × %d px"), width, height);
      if (own != NULL)
        format = g_str_equal (own, "png") ? _("PNG") : _("JPEG");
    }

  gtk_label_set_label (self->title_label, prompt != NULL ? prompt : "");
  gtk_label_set_label (self->prompt_label, prompt != NULL ? prompt : "");

  if (returned_prompt != NULL)
    returned_stripped = g_strstrip (g_strdup (returned_prompt));
  show_returned = returned_stripped != NULL && *returned_stripped != '\0' &&
                  g_strcmp0 (returned_stripped, prompt) != 0;
  gtk_label_set_label (self->returned_prompt_label, show_returned ? returned_prompt : "");
  gtk_widget_set_visible (GTK_WIDGET (self->returned_prompt_heading), show_returned);
  gtk_widget_set_visible (GTK_WIDGET (self->returned_prompt_label), show_returned);

  set_row (self->model_row, self->model_value, model);
  set_row (self->mode_row, self->mode_value, mode);
  set_row (self->guidance_row, self->guidance_value, guidance);
  set_row (self->safety_row, self->safety_value, tolerance);
  set_row (self->aspect_row, self->aspect_value, params != NULL ? aspect : NULL);
  set_row (self->size_row, self->size_value, size);
  set_row (self->seed_row, self->seed_value, get_seed (self));
  set_row (self->format_row, self->format_value, format);
  set_row (self->enhance_row, self->enhance_value, enhance);
  set_row (self->inference_row, self->inference_value, inference);
  set_row (self->request_row, self->request_value, request_id);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->request_value), request_id);
  set_row (self->service_row, self->service_value,
           self->item != NULL && ks_gallery_item_get_simulated (self->item)
           ? _("Simulated (demo service, no key)") : NULL);
}

static void
update_picture (KsViewer *self)
{
  GdkTexture *paintable = NULL;
  const char *page = "empty";

  if (self->item != NULL && get_image (self) != NULL)
    {
      if (is_filtered (self))
        page = "filtered";
      else
        {
          paintable = ks_gallery_item_get_texture (self->item);
          if (paintable == NULL)
            paintable = ks_gallery_item_get_thumbnail (self->item);
          page = paintable != NULL ? "picture" : "loading";
        }
    }

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (paintable));
  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (page, "loading"));
  gtk_stack_set_visible_child_name (self->image_stack, page);

  if (paintable != NULL && self->item != NULL)
    {
      g_autofree char *description =
        /* Translators: the accessible description of the large image */
        g_strdup_printf (_("Result: %s"), ks_gallery_item_get_title (self->item));

      gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                      -1);
    }
}

static void
update_actions (KsViewer *self)
{
  gboolean has_item = self->item != NULL;
  gboolean pixels = has_pixels (self);
  gboolean has_params = get_params (self) != NULL;
  gboolean has_seed = get_seed (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.save-as", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.use-as-reference", pixels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.run-again-same-seed", has_params && has_seed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.run-again-new-seed", has_params);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.copy-seed", has_item && has_seed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.delete", has_item);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.close", has_item);
}

static void
on_item_images_changed (KsViewer *self)
{
  update_picture (self);
  update_actions (self);
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
  g_signal_group_set_target (self->item_signals, item);

  if (item != NULL)
    {
      self->item_cancellable = g_cancellable_new ();
      if (get_image (self) != NULL && !is_filtered (self))
        {
          ks_gallery_item_ensure_thumbnail (item, THUMBNAIL_SIZE);
          ks_gallery_item_ensure_texture (item);
        }
    }

  update_details (self);
  update_picture (self);
  update_actions (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

/* ---- saving --------------------------------------------------------------- */

typedef struct
{
  GFile     *file;
  GBytes    *bytes;      /* the original, written as is when the format matches */
  GdkPixbuf *pixbuf;     /* decoded, for re-encoding; may be NULL */
  char      *format;     /* requested */
  gboolean   same_format;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->file);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_clear_object (&data->pixbuf);
  g_free (data->format);
  g_free (data);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *data = task_data;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name (data->file);

  if (data->same_format && data->bytes != NULL)
    output = g_bytes_ref (data->bytes);
  else
    {
      g_autoptr(GdkPixbuf) pixbuf = data->pixbuf != NULL ? g_object_ref (data->pixbuf) : NULL;

      if (pixbuf == NULL)
        {
          KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;

          pixbuf = ks_image_decode (data->bytes, &limits, NULL, &error);
          if (pixbuf == NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
        }

      if (g_task_return_error_if_cancelled (task))
        return;

      output = ks_image_encode (pixbuf, data->format, JPEG_QUALITY, &error);
      if (output == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  /* Written to a temporary file and renamed over the target: a failure
   * never leaves half an image behind. */
  if (!g_file_replace_contents (data->file,
                                g_bytes_get_data (output, NULL),
                                g_bytes_get_size (output),
                                NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                NULL, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, KS_ERROR, KS_ERROR_IO,
                                 _("Could not save the image as “%s”: %s"),
                                 name, error->message);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
ks_viewer_save_async (KsViewer            *self,
                      GFile               *file,
                      const char          *format,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  KsJobImage *image;
  SaveData *data;
  const char *own;

  g_return_if_fail (KS_IS_VIEWER (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (format != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_viewer_save_async);

  if (!g_str_equal (format, "png") && !g_str_equal (format, "jpeg"))
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
                               _("Images can be saved as PNG or JPEG, not as “%s”."),
                               format);
      return;
    }

  if (is_filtered (self))
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_CONTENT_POLICY,
                               _("This image was filtered by the safety check and cannot be saved."));
      return;
    }

  if (!has_pixels (self))
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_IO,
                               _("There is no image to save yet."));
      return;
    }

  image = get_image (self);
  own = image_format (image);

  data = g_new0 (SaveData, 1);
  data->file = g_object_ref (file);
  data->format = g_strdup (format);
  data->same_format = g_strcmp0 (own, format) == 0;
  if (ks_job_image_get_bytes (image) != NULL)
    data->bytes = g_bytes_ref (ks_job_image_get_bytes (image));
  if (ks_job_image_get_pixbuf (image) != NULL)
    data->pixbuf = g_object_ref (ks_job_image_get_pixbuf (image));
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  g_task_run_in_thread (task, save_thread);
}

gboolean
ks_viewer_save_finish (KsViewer      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (KS_IS_VIEWER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_as_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  KsViewer *self = KS_VIEWER (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;

  if (ks_viewer_save_finish (self, result, &error))
    g_signal_emit (self, signals[SAVED], 0, file);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[ERROR], 0, error->message);
}

/* The format the user asked for: a typed extension wins over the choice. */
static const char *
pick_save_format (GFile      *file,
                  const char *choice)
{
  g_autofree char *base = g_file_get_basename (file);
  const char *dot = base != NULL ? strrchr (base, '.') : NULL;

  if (dot != NULL && g_ascii_strcasecmp (dot, ".png") == 0)
    return "png";
  if (dot != NULL && (g_ascii_strcasecmp (dot, ".jpg") == 0 || g_ascii_strcasecmp (dot, ".jpeg") == 0))
    return "jpeg";
  if (g_strcmp0 (choice, "png") == 0)
    return "png";

  return "jpeg";
}

static void
start_save (KsViewer   *self,
            GFile      *file,
            const char *choice)
{
  ks_viewer_save_async (self, file, pick_save_format (file, choice),
                        self->item_cancellable, save_as_cb, g_object_ref (file));
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
save_dialog_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = gtk_file_dialog_save_finish (GTK_FILE_DIALOG (object), result, &error);

  if (file == NULL)
    return;

  start_save (self, file, NULL);
}
#else
static void
on_chooser_response (KsViewer             *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "format");

      if (file != NULL)
        start_save (self, file, choice);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_clear_object (&self->chooser);
}
#endif

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
  const char *own;
  g_autofree char *name = NULL;

  if (!has_pixels (self))
    return;

  own = image_format (get_image (self));
  if (own == NULL)
    own = "png";
  name = ks_viewer_suggest_file_name (ks_gallery_item_get_title (self->item), own);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, _("Save Image"));
    gtk_file_dialog_set_initial_name (dialog, name);
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_save (dialog, parent, self->item_cancellable, save_dialog_cb, g_object_ref (self));
  }
#else
  {
    static const char *options[] = { "png", "jpeg", NULL };
    const char *labels[] = { _("PNG (lossless)"), _("JPEG"), NULL };
    GtkFileChooserNative *chooser;

    if (self->chooser != NULL)
      {
        gtk_native_dialog_show (self->chooser);
        return;
      }

    chooser = gtk_file_chooser_native_new (_("Save Image"), parent,
                                           GTK_FILE_CHOOSER_ACTION_SAVE,
                                           _("_Save"), _("_Cancel"));
    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
    gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "format", _("Format"),
                                 options, labels);
    gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "format", own);
    g_signal_connect_object (chooser, "response", G_CALLBACK (on_chooser_response),
                             self, G_CONNECT_SWAPPED);
    self->chooser = GTK_NATIVE_DIALOG (chooser);
    gtk_native_dialog_show (self->chooser);
  }
#endif
}

/* ---- other actions ---------------------------------------------------------- */

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
  const char *seed = get_seed (self);

  if (seed != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), seed);
}

static void
use_as_reference_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  if (has_pixels (self))
    g_signal_emit (self, signals[USE_AS_REFERENCE], 0, self->item);
}

static void
run_again_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);
  gboolean new_seed = g_str_equal (action_name, "viewer.run-again-new-seed");

  if (self->item != NULL && get_params (self) != NULL)
    g_signal_emit (self, signals[RUN_AGAIN], 0, self->item, new_seed);
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

static GdkContentProvider *
on_drag_prepare (KsViewer      *self,
                 double         x,
                 double         y,
                 GtkDragSource *source)
{
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
    icon = gtk_picture_get_paintable (self->picture);
  if (icon == NULL)
    return;

  picture = gtk_picture_new_for_paintable (icon);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request (picture, DRAG_ICON_SIZE, DRAG_ICON_SIZE);
  gtk_drag_icon_set_child (GTK_DRAG_ICON (gtk_drag_icon_get_for_drag (drag)), picture);
  gdk_drag_set_hotspot (drag, DRAG_ICON_SIZE / 2, DRAG_ICON_SIZE / 2);
}

/* ---- GObject -------------------------------------------------------------- */

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
  g_clear_object (&self->item);

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
  object_class->get_property = ks_viewer_get_property;
  object_class->set_property = ks_viewer_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         KS_TYPE_GALLERY_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[USE_AS_REFERENCE] =
    g_signal_new ("use-as-reference", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
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
  gtk_widget_class_bind_template_child (widget_class, KsViewer, picture);
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

  gtk_widget_class_install_action (widget_class, "viewer.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "viewer.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "viewer.copy-seed", NULL, copy_seed_action);
  gtk_widget_class_install_action (widget_class, "viewer.use-as-reference", NULL, use_as_reference_action);
  gtk_widget_class_install_action (widget_class, "viewer.run-again-same-seed", NULL, run_again_action);
  gtk_widget_class_install_action (widget_class, "viewer.run-again-new-seed", NULL, run_again_action);
  gtk_widget_class_install_action (widget_class, "viewer.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "viewer.close", NULL, close_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "viewer.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "viewer.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "viewer.use-as-reference", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "viewer.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "viewer.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "viewer.close", NULL);
}

static void
ks_viewer_init (KsViewer *self)
{
  GtkDragSource *source;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->item_signals = g_signal_group_new (KS_TYPE_GALLERY_ITEM);
  g_signal_group_connect_object (self->item_signals, "notify::texture",
                                 G_CALLBACK (on_item_images_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->item_signals, "notify::thumbnail",
                                 G_CALLBACK (on_item_images_changed), self, G_CONNECT_SWAPPED);

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect_object (source, "prepare", G_CALLBACK (on_drag_prepare), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (source, "drag-begin", G_CALLBACK (on_drag_begin), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->picture), GTK_EVENT_CONTROLLER (source));

  update_details (self);
  update_picture (self);
  update_actions (self);
}

GtkWidget *
ks_viewer_new (void)
{
  return g_object_new (KS_TYPE_VIEWER, NULL);
}
