#define G_LOG_DOMAIN "ks-composer"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-composer-private.h"

/* References arrive from files, image data, textures, the clipboard, drops
 * and the file chooser. Each is read and checked in a worker thread; they
 * are taken one at a time so they land in the order they were given. */

typedef enum
{
  PENDING_FILE,
  PENDING_BYTES,
  PENDING_TEXTURE,
  PENDING_URL,      /* nothing to read; queued only to keep the order */
} PendingKind;

typedef struct
{
  PendingKind  kind;
  GFile       *file;
  GBytes      *bytes;
  GdkTexture  *texture;
  char        *name;
  gboolean     replace;   /* becomes the only reference */
  char        *parent_id; /* the result it came from, or NULL */
  guint        parent_image;
} PendingLoad;

static void start_next (KsComposer *self);

static void
pending_load_free (PendingLoad *load)
{
  g_clear_object (&load->file);
  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_clear_object (&load->texture);
  g_clear_pointer (&load->name, g_free);
  g_clear_pointer (&load->parent_id, g_free);
  g_free (load);
}

gboolean
_ks_composer_is_busy (KsComposer *self)
{
  return self->loading || !g_queue_is_empty (&self->pending);
}

static gboolean
has_source (KsComposer *self,
            const char *source)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsReferenceItem) item = g_list_model_get_item (G_LIST_MODEL (self->references), i);

      if (g_strcmp0 (ks_reference_item_get_source (item), source) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Accepts a checked reference, unless it is already there or the strip is full. */
static void
accept_item (KsComposer      *self,
             KsReferenceItem *item,
             gboolean         replace,
             const char      *parent_id,
             guint            parent_image)
{
  guint max = _ks_composer_get_max_references (self);

  if (replace)
    {
      g_list_store_remove_all (self->references);
    }
  else if (has_source (self, ks_reference_item_get_source (item)))
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is already a reference."), ks_reference_item_get_name (item));

      _ks_composer_emit_error (self, message);
      return;
    }
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->references)) >= max)
    {
      g_autofree char *message =
        g_strdup_printf (ngettext ("“%s” was not added: at most %u reference can be combined. Remove one first.",
                                   "“%s” was not added: at most %u references can be combined. Remove one first.",
                                   max),
                         ks_reference_item_get_name (item), max);

      _ks_composer_emit_error (self, message);
      return;
    }

  /* Before it is added, so the strip's change keeps the parent. */
  if (parent_id != NULL)
    _ks_composer_set_parent (self, parent_id, parent_image, ks_reference_item_get_source (item));

  g_list_store_append (self->references, item);

  if (ks_reference_item_get_recipe (item) != NULL ||
      ks_reference_item_get_recipe_error (item) != NULL)
    _ks_composer_offer_recipe (self, item);
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsComposer) self = user_data;
  g_autoptr(KsReferenceItem) item = NULL;
  g_autoptr(GError) error = NULL;
  PendingLoad *load;

  item = ks_reference_item_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  load = g_queue_pop_head (&self->pending);
  self->loading = FALSE;
  g_clear_object (&self->cancellable);

  if (item == NULL)
    _ks_composer_emit_error (self, error->message);
  else
    accept_item (self, item,
                 load != NULL && load->replace,
                 load != NULL ? load->parent_id : NULL,
                 load != NULL ? load->parent_image : 0);

  g_clear_pointer (&load, pending_load_free);

  start_next (self);
  _ks_composer_notify_busy (self);
}

static void
start_next (KsComposer *self)
{
  PendingLoad *load;

  if (self->loading)
    return;

  /* Addresses are taken as they are, in their place in the queue. */
  while ((load = g_queue_peek_head (&self->pending)) != NULL && load->kind == PENDING_URL)
    {
      g_autoptr(KsReferenceItem) item = ks_reference_item_new_for_url (load->name);

      g_queue_pop_head (&self->pending);
      accept_item (self, item, load->replace, NULL, 0);
      pending_load_free (load);
    }

  if (load == NULL)
    return;

  self->loading = TRUE;
  self->cancellable = g_cancellable_new ();

  switch (load->kind)
    {
    case PENDING_FILE:
      if (load->name != NULL)
        ks_reference_item_load_named_file_async (load->file, load->name, self->cancellable,
                                                 on_loaded, g_object_ref (self));
      else
        ks_reference_item_load_file_async (load->file, self->cancellable,
                                           on_loaded, g_object_ref (self));
      break;

    case PENDING_BYTES:
      ks_reference_item_load_bytes_async (load->bytes, load->name, self->cancellable,
                                          on_loaded, g_object_ref (self));
      break;

    case PENDING_TEXTURE:
      ks_reference_item_load_texture_async (load->texture, load->name, self->cancellable,
                                            on_loaded, g_object_ref (self));
      break;

    case PENDING_URL:
    default:
      g_assert_not_reached ();
    }
}

static void
enqueue (KsComposer  *self,
         PendingLoad *load)
{
  g_queue_push_tail (&self->pending, load);
  start_next (self);
  _ks_composer_notify_busy (self);
}

void
_ks_composer_cancel_pending (KsComposer *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_load_free);
  self->loading = FALSE;
  _ks_composer_notify_busy (self);
}

void
_ks_composer_add_url (KsComposer *self,
                      const char *url)
{
  PendingLoad *load = g_new0 (PendingLoad, 1);

  load->kind = PENDING_URL;
  load->name = g_strdup (url);
  enqueue (self, load);
}

void
_ks_composer_add_file_full (KsComposer *self,
                            GFile      *file,
                            gboolean    replace)
{
  _ks_composer_add_named_file (self, file, NULL, replace, NULL, 0);
}

void
_ks_composer_add_named_file (KsComposer *self,
                             GFile      *file,
                             const char *name,
                             gboolean    replace,
                             const char *parent_id,
                             guint       parent_image)
{
  g_autofree char *uri = NULL;
  g_autofree char *scheme = NULL;
  PendingLoad *load;

  if (!g_file_is_native (file))
    {
      /* Addresses from a browser are passed through as they are. */
      uri = g_file_get_uri (file);
      scheme = g_uri_parse_scheme (uri);
      if (scheme != NULL &&
          (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0))
        {
          _ks_composer_add_url (self, uri);
        }
      else
        {
          g_autofree char *message =
            g_strdup_printf (_("“%s” is neither a local file nor an http(s) address. Save the image to a folder first."),
                             uri);

          _ks_composer_emit_error (self, message);
        }
      return;
    }

  load = g_new0 (PendingLoad, 1);
  load->kind = PENDING_FILE;
  load->file = g_object_ref (file);
  load->name = g_strdup (name);
  load->replace = replace;
  load->parent_id = g_strdup (parent_id);
  load->parent_image = parent_image;
  enqueue (self, load);
}

void
_ks_composer_add_bytes_full (KsComposer *self,
                             GBytes     *bytes,
                             const char *name,
                             gboolean    replace)
{
  PendingLoad *load = g_new0 (PendingLoad, 1);

  load->kind = PENDING_BYTES;
  load->bytes = g_bytes_ref (bytes);
  load->name = g_strdup (name);
  load->replace = replace;
  enqueue (self, load);
}

void
ks_composer_add_file (KsComposer *self,
                      GFile      *file)
{
  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  _ks_composer_add_file_full (self, file, FALSE);
}

void
ks_composer_add_bytes (KsComposer *self,
                       GBytes     *bytes,
                       const char *name)
{
  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (bytes != NULL);

  _ks_composer_add_bytes_full (self, bytes, name, FALSE);
}

void
ks_composer_add_texture (KsComposer *self,
                         GdkTexture *texture)
{
  PendingLoad *load;

  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  load = g_new0 (PendingLoad, 1);
  load->kind = PENDING_TEXTURE;
  load->texture = g_object_ref (texture);
  load->name = g_strdup (_("Pasted image"));
  enqueue (self, load);
}

/* Text that names images: a URI list of file:// and http(s) addresses. */
static gboolean
add_uri_text (KsComposer *self,
              const char *text)
{
  g_auto(GStrv) uris = NULL;
  g_autofree char *stripped = NULL;

  if (text == NULL)
    return FALSE;

  stripped = g_strstrip (g_strdup (text));
  uris = g_uri_list_extract_uris (stripped);
  if (uris == NULL || uris[0] == NULL)
    return FALSE;

  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autofree char *scheme = g_uri_parse_scheme (uris[i]);

      if (scheme == NULL ||
          (g_ascii_strcasecmp (scheme, "file") != 0 &&
           g_ascii_strcasecmp (scheme, "http") != 0 &&
           g_ascii_strcasecmp (scheme, "https") != 0) ||
          strchr (uris[i], ' ') != NULL)
        return FALSE;
    }

  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uris[i]);

      _ks_composer_add_file_full (self, file, FALSE);
    }

  return TRUE;
}

static void
add_file_list (KsComposer *self,
               GSList     *files)
{
  for (GSList *l = files; l != NULL; l = l->next)
    _ks_composer_add_file_full (self, l->data, FALSE);
}

static gboolean
add_value (KsComposer   *self,
           const GValue *value)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GdkFileList *list = g_value_get_boxed (value);
      g_autoptr(GSList) files = list != NULL ? gdk_file_list_get_files (list) : NULL;

      if (files == NULL)
        return FALSE;

      add_file_list (self, files);
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GFile *file = g_value_get_object (value);

      if (file == NULL)
        return FALSE;

      _ks_composer_add_file_full (self, file, FALSE);
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      GdkTexture *texture = g_value_get_object (value);

      if (texture == NULL)
        return FALSE;

      ks_composer_add_texture (self, texture);
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      const char *text = g_value_get_string (value);

      if (add_uri_text (self, text))
        return TRUE;

      /* Plain text dropped beside the prompt goes into it. */
      if (text != NULL && *text != '\0')
        {
          GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->prompt_view);

          gtk_text_buffer_insert_at_cursor (buffer, text, -1);
          gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));
          return TRUE;
        }
    }

  return FALSE;
}

/* ---- Drop ---------------------------------------------------------------- */

static GdkDragAction
on_drop_enter (KsComposer    *self,
               double         x,
               double         y,
               GtkDropTarget *target)
{
  gtk_widget_set_visible (self->drop_overlay, TRUE);
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (KsComposer    *self,
               GtkDropTarget *target)
{
  gtk_widget_set_visible (self->drop_overlay, FALSE);
}

static gboolean
on_drop (KsComposer    *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  gtk_widget_set_visible (self->drop_overlay, FALSE);

  return add_value (self, value);
}

/* ---- Paste --------------------------------------------------------------- */

static GdkContentFormats *
dup_clipboard_formats (KsComposer *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  GdkContentFormats *formats = gdk_content_formats_ref (gdk_clipboard_get_formats (clipboard));

  /* What can be had from the offered MIME types, not only local values. */
  return gdk_content_formats_union_deserialize_gtypes (formats);
}

gboolean
_ks_composer_clipboard_has_image (KsComposer *self)
{
  g_autoptr(GdkContentFormats) formats = dup_clipboard_formats (self);

  return gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST) ||
         gdk_content_formats_contain_gtype (formats, G_TYPE_FILE) ||
         gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE);
}

static void
on_paste_value (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  if (value == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      message = g_strdup_printf (_("Nothing could be pasted: %s"), error->message);
      _ks_composer_emit_error (self, message);
      return;
    }

  if (!add_value (self, value))
    _ks_composer_emit_error (self, _("The clipboard holds nothing that can be used as a reference. Copy an image or an image file."));
}

static void
on_paste_text (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(KsComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  if (text == NULL)
    return;

  if (add_uri_text (self, text))
    return;

  /* Not an image: what a normal paste would do, into the prompt. */
  gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));
  gtk_text_buffer_paste_clipboard (gtk_text_view_get_buffer (self->prompt_view),
                                   GDK_CLIPBOARD (object), NULL, TRUE);
}

void
_ks_composer_paste (KsComposer *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  g_autoptr(GdkContentFormats) formats = dup_clipboard_formats (self);
  GType type = G_TYPE_INVALID;

  /* Files first: they keep their names and original bytes. */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    type = GDK_TYPE_FILE_LIST;
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE))
    type = G_TYPE_FILE;
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    type = GDK_TYPE_TEXTURE;

  if (type != G_TYPE_INVALID)
    gdk_clipboard_read_value_async (clipboard, type, G_PRIORITY_DEFAULT, NULL,
                                    on_paste_value, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    gdk_clipboard_read_text_async (clipboard, NULL, on_paste_text, g_object_ref (self));
  else
    _ks_composer_emit_error (self, _("The clipboard is empty. Copy an image or an image file first."));
}

/* ---- Open ---------------------------------------------------------------- */

static GtkFileFilter *
new_image_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  gtk_file_filter_add_pixbuf_formats (filter);

  return filter;
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
on_open_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(KsComposer) self = user_data;
  g_autoptr(GListModel) files = NULL;

  files = gtk_file_dialog_open_multiple_finish (GTK_FILE_DIALOG (object), result, NULL);
  if (files == NULL)
    return;

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      _ks_composer_add_file_full (self, file, FALSE);
    }
}

void
_ks_composer_open_reference (KsComposer *self)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr(GtkFileFilter) filter = new_image_filter ();
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

  g_list_store_append (filters, filter);
  gtk_file_dialog_set_title (dialog, _("Add Reference Images"));
  gtk_file_dialog_set_accept_label (dialog, _("_Add"));
  gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
  gtk_file_dialog_set_default_filter (dialog, filter);
  gtk_file_dialog_open_multiple (dialog, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                 NULL, on_open_done, g_object_ref (self));
}
#else
static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(KsComposer) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          _ks_composer_add_file_full (self, file, FALSE);
        }
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
_ks_composer_open_reference (KsComposer *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = new_image_filter ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  chooser = gtk_file_chooser_native_new (_("Add Reference Images"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Add"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
#endif

/* ---- Setup --------------------------------------------------------------- */

void
_ks_composer_input_init (KsComposer *self)
{
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE, G_TYPE_STRING };

  g_queue_init (&self->pending);

  self->drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (self->drop_target, types, G_N_ELEMENTS (types));
  g_signal_connect_object (self->drop_target, "enter", G_CALLBACK (on_drop_enter), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->drop_target, "leave", G_CALLBACK (on_drop_leave), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->drop_target, "drop", G_CALLBACK (on_drop), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));

  _ks_composer_build_recipe_offer (self);
}

void
_ks_composer_input_dispose (KsComposer *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_load_free);
  self->loading = FALSE;
  g_clear_object (&self->offered_recipe);
}
