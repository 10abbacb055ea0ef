#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-gallery-item.h"
#include "ks-viewer-private.h"

/* Saving: re-encoded with the recipe embedded (PNG text chunks, a JPEG
 * comment) unless the "embed-recipe" preference is off; then the
 * library's file is copied as it is when the format matches. Always off
 * the main thread and atomically. */

#define SUGGESTED_NAME_MAX_CHARS 60
#define SETTINGS_KEY_EMBED_RECIPE "embed-recipe"
#define CHOICE_FORMAT "format"
#define CHOICE_QUALITY "quality"

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

/* ---- saving --------------------------------------------------------------- */

typedef struct
{
  GFile    *source;      /* the image in the library */
  GFile    *file;        /* where to */
  char     *format;      /* requested */
  int       quality;     /* JPEG, 1–100 */
  KsRecipe *recipe;      /* to embed, or NULL */
  gboolean  same_format;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->source);
  g_clear_object (&data->file);
  g_clear_object (&data->recipe);
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
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name (data->file);

  input = ks_gallery_item_read_image_file (data->source, cancellable, &error);
  if (input == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The library's file carries no recipe: only without one may it be
   * copied as it is. */
  if (data->same_format && data->recipe == NULL)
    {
      output = g_steal_pointer (&input);
    }
  else
    {
      KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;
      g_autoptr(GdkPixbuf) pixbuf = ks_image_decode (input, &limits, NULL, &error);

      if (pixbuf == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      if (g_task_return_error_if_cancelled (task))
        return;

      output = ks_recipe_encode_image (pixbuf, data->format, data->quality, data->recipe, &error);
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
  ks_viewer_export_async (self, file, format, KS_VIEWER_JPEG_QUALITY_DEFAULT,
                          cancellable, callback, user_data);
}

void
ks_viewer_export_async (KsViewer            *self,
                        GFile               *file,
                        const char          *format,
                        int                  quality,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (KS_IS_VIEWER (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (format != NULL);
  g_return_if_fail (quality >= 1 && quality <= 100);
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

  if (_ks_viewer_is_filtered (self))
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_CONTENT_POLICY,
                               _("This image was filtered by the safety check and cannot be saved."));
      return;
    }

  if (!_ks_viewer_has_pixels (self))
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_IO,
                               _("There is no image to save yet."));
      return;
    }

  data = g_new0 (SaveData, 1);
  data->source = _ks_viewer_dup_file (self);
  data->file = g_object_ref (file);
  data->format = g_strdup (format);
  data->quality = quality;
  if (g_settings_get_boolean (self->settings, SETTINGS_KEY_EMBED_RECIPE))
    data->recipe = ks_recipe_new_for_record (_ks_viewer_get_record (self),
                                             ks_gallery_item_get_image_index (self->item));
  data->same_format = g_strcmp0 (_ks_viewer_image_format (_ks_viewer_get_image (self)), format) == 0;
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

/* ---- Save As -------------------------------------------------------------- */

static void
save_as_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  KsViewer *self = KS_VIEWER (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;

  if (ks_viewer_save_finish (self, result, &error))
    _ks_viewer_emit_saved (self, file);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _ks_viewer_emit_error (self, error->message);
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
            const char *choice,
            const char *quality_choice)
{
  guint64 quality = KS_VIEWER_JPEG_QUALITY_DEFAULT;

  if (quality_choice != NULL)
    g_ascii_string_to_unsigned (quality_choice, 10, 1, 100, &quality, NULL);

  ks_viewer_export_async (self, file, pick_save_format (file, choice), (int) quality,
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

  start_save (self, file, NULL, NULL);
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
      const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), CHOICE_FORMAT);
      const char *quality = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), CHOICE_QUALITY);

      if (file != NULL)
        start_save (self, file, choice, quality);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  g_clear_object (&self->chooser);
}
#endif

void
_ks_viewer_save_as (KsViewer *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWindow *parent = GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
  const char *own;
  g_autofree char *name = NULL;

  if (!_ks_viewer_has_pixels (self))
    return;

  own = _ks_viewer_image_format (_ks_viewer_get_image (self));
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
    static const char *quality_options[] = { "95", "90", "80", NULL };
    const char *quality_labels[] = {
      /* Translators: JPEG quality choices in the Save As dialog */
      _("Best (95)"), _("High (90)"), _("Medium (80)"), NULL
    };
    g_autoptr(GtkFileFilter) png_filter = gtk_file_filter_new ();
    g_autoptr(GtkFileFilter) jpeg_filter = gtk_file_filter_new ();
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
    gtk_file_filter_set_name (png_filter, _("PNG Images"));
    gtk_file_filter_add_mime_type (png_filter, "image/png");
    gtk_file_filter_add_suffix (png_filter, "png");
    gtk_file_filter_set_name (jpeg_filter, _("JPEG Images"));
    gtk_file_filter_add_mime_type (jpeg_filter, "image/jpeg");
    gtk_file_filter_add_suffix (jpeg_filter, "jpg");
    gtk_file_filter_add_suffix (jpeg_filter, "jpeg");
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), png_filter);
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), jpeg_filter);
    gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (chooser),
                                 g_str_equal (own, "png") ? png_filter : jpeg_filter);
    gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), CHOICE_FORMAT, _("Format"),
                                 options, labels);
    gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), CHOICE_FORMAT, own);
    gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), CHOICE_QUALITY, _("JPEG Quality"),
                                 quality_options, quality_labels);
    gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), CHOICE_QUALITY, "90");
    g_signal_connect_object (chooser, "response", G_CALLBACK (on_chooser_response),
                             self, G_CONNECT_SWAPPED);
    self->chooser = GTK_NATIVE_DIALOG (chooser);
    gtk_native_dialog_show (self->chooser);
  }
#endif
}
