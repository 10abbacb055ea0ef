#define G_LOG_DOMAIN "ks-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-budget.h"
#include "ks-window-private.h"

/* The window's actions, and what the composer, the gallery and the viewer
 * ask of it. */

/* ---- template callbacks ------------------------------------------------- */

/* A submit waiting for the budget check. */
typedef struct
{
  KsWindow *window;
  KsParams *params;
  char     *parent_id;
  guint     parent_image;
} SubmitData;

static void
submit_data_free (SubmitData *data)
{
  g_clear_object (&data->window);
  g_clear_object (&data->params);
  g_free (data->parent_id);
  g_free (data);
}

static void
budget_confirmed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SubmitData *data = user_data;
  KsWindow *self = data->window;

  /* FALSE: over budget and the user said no, or the window went away. */
  if (ks_budget_confirm_finish (result) && !g_cancellable_is_cancelled (self->cancellable))
    {
      ks_session_submit_with_parent (self->session, data->params,
                                     data->parent_id, data->parent_image);
      if (_ks_window_viewer_is_shown (self))
        _ks_window_show_gallery (self);
    }

  submit_data_free (data);
}

static void
on_composer_submit (KsWindow   *self,
                    KsParams   *params,
                    KsComposer *composer)
{
  SubmitData *data = g_new0 (SubmitData, 1);

  data->window = g_object_ref (self);
  data->params = ks_params_copy (params);
  /* Lineage as it is now: the references may change while the budget
   * question is open. */
  data->parent_id = g_strdup (ks_composer_get_parent (composer, &data->parent_image));

  ks_budget_confirm_async (GTK_WINDOW (self), self->settings,
                           ks_session_get_library (self->session),
                           ks_params_get_cost (params),
                           self->cancellable,
                           budget_confirmed_cb, data);
}


static void
on_composer_error (KsWindow   *self,
                   const char *message,
                   KsComposer *composer)
{
  _ks_window_show_toast (self, message);
}

void
_ks_window_connect_composer (KsWindow *self)
{
  g_signal_connect_object (self->composer, "submit",
                           G_CALLBACK (on_composer_submit), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->composer, "error",
                           G_CALLBACK (on_composer_error), self,
                           G_CONNECT_SWAPPED);
  /* "Sweep…" follows Generate. */
  g_signal_connect_object (self->composer, "notify::can-submit",
                           G_CALLBACK (_ks_window_update_actions), self,
                           G_CONNECT_SWAPPED);
}

static void
on_gallery_item_activated (KsWindow      *self,
                           KsGalleryItem *item,
                           KsGallery     *gallery)
{
  /* Running or failed jobs show everything on their tile. */
  if (item == NULL || ks_gallery_item_get_image (item) == NULL)
    return;

  _ks_window_show_viewer (self, item);
}

static void
on_gallery_cancel_requested (KsWindow      *self,
                             KsGalleryItem *item,
                             KsGallery     *gallery)
{
  ks_session_cancel (self->session, item);
}

static void
on_resubmit_response (KsWindow       *self,
                      const char     *response,
                      AdwMessageDialog *dialog)
{
  KsGalleryItem *item = g_object_get_data (G_OBJECT (dialog), "item");

  if (g_strcmp0 (response, "resubmit") == 0 && item != NULL)
    ks_session_resubmit (self->session, item);
}

/* An UNKNOWN job may have been billed already: say so before sending it
 * again. */
static void
on_gallery_resubmit_requested (KsWindow      *self,
                               KsGalleryItem *item,
                               KsGallery     *gallery)
{
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   _("Resubmit This Job?"),
                                   _("Kontext Studio stopped while this job was being sent, so the "
                                     "service may have received it. If it did, it was billed, and "
                                     "resubmitting bills it a second time."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "resubmit", _("_Resubmit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "resubmit",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "item", g_object_ref (item), g_object_unref);
  g_signal_connect_object (dialog, "response",
                           G_CALLBACK (on_resubmit_response), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_gallery_retry_requested (KsWindow      *self,
                            KsGalleryItem *item,
                            int            safety_tolerance,
                            KsGallery     *gallery)
{
  ks_session_run_again (self->session, item, FALSE, safety_tolerance);
}

static void
on_viewer_use_as_reference (KsWindow      *self,
                            KsGalleryItem *item,
                            KsViewer      *viewer)
{
  ks_composer_use_item (self->composer, item);
  _ks_window_show_gallery (self);
  _ks_window_focus_prompt (self);
}

static void
on_viewer_reuse_settings (KsWindow      *self,
                          KsGalleryItem *item,
                          KsViewer      *viewer)
{
  ks_composer_reuse_record (self->composer,
                            ks_gallery_item_get_library (item),
                            ks_gallery_item_get_record (item));
  _ks_window_show_gallery (self);
  _ks_window_focus_prompt (self);
}

static void
on_viewer_run_again (KsWindow      *self,
                     KsGalleryItem *item,
                     gboolean       new_seed,
                     KsViewer      *viewer)
{
  ks_session_run_again (self->session, item, new_seed, 0);
  _ks_window_show_gallery (self);
}

static void
on_undo_toast_dismissed (KsWindow *self,
                         AdwToast *toast)
{
  if (self->undo_toast != toast)
    return;

  self->undo_toast = NULL;
  g_clear_object (&self->undo_item);
}

static void
on_viewer_delete_requested (KsWindow      *self,
                            KsGalleryItem *item,
                            KsViewer      *viewer)
{
  AdwToast *toast;

  g_set_object (&self->undo_item, item);
  self->undo_position = ks_session_remove (self->session, item);

  ks_viewer_set_item (viewer, NULL);
  _ks_window_show_gallery (self);

  /* The record goes to the library's trash, its files kept until the
   * trash is emptied. */
  toast = adw_toast_new (_("Moved to the trash"));
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect_object (toast, "dismissed",
                           G_CALLBACK (on_undo_toast_dismissed), self,
                           G_CONNECT_SWAPPED);
  self->undo_toast = toast;
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  _ks_window_update_actions (self);
}

static void
on_viewer_close_requested (KsWindow *self,
                           KsViewer *viewer)
{
  _ks_window_show_gallery (self);
}

static void
on_viewer_saved (KsWindow *self,
                 GFile    *file,
                 KsViewer *viewer)
{
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = g_strdup_printf (_("Saved to “%s”"), name);
  AdwToast *toast = adw_toast_new (title);

  if (parent != NULL)
    {
      g_autofree char *uri = g_file_get_uri (parent);

      adw_toast_set_button_label (toast, _("_Open Folder"));
      adw_toast_set_action_name (toast, "win.open-folder");
      adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_viewer_error (KsWindow   *self,
                 const char *message,
                 KsViewer   *viewer)
{
  _ks_window_show_toast (self, message);
}

/* The viewer is built the first time an image is opened: it is the
 * largest part of the window, and building it with the window cost a
 * good share of the time to the first frame. */
KsViewer *
_ks_window_ensure_viewer (KsWindow *self)
{
  static const struct {
    const char *signal;
    GCallback   callback;
  } handlers[] = {
    { "use-as-reference", G_CALLBACK (on_viewer_use_as_reference) },
    { "reuse-settings", G_CALLBACK (on_viewer_reuse_settings) },
    { "run-again", G_CALLBACK (on_viewer_run_again) },
    { "delete-requested", G_CALLBACK (on_viewer_delete_requested) },
    { "close-requested", G_CALLBACK (on_viewer_close_requested) },
    { "saved", G_CALLBACK (on_viewer_saved) },
    { "error", G_CALLBACK (on_viewer_error) },
  };

  if (self->viewer != NULL)
    return self->viewer;

  self->viewer = KS_VIEWER (ks_viewer_new ());
  gtk_widget_set_name (GTK_WIDGET (self->viewer), "viewer");
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect_object (self->viewer, handlers[i].signal, handlers[i].callback,
                             self, G_CONNECT_SWAPPED);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->viewer), "viewer");

  return self->viewer;
}

static void
on_key_row_changed (KsWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->welcome_error_label), FALSE);
  _ks_window_update_actions (self);
}

static void
on_key_row_activated (KsWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.save-key", NULL);
}

/* ---- actions ------------------------------------------------------------ */

void
_ks_window_update_actions (KsWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->main_stack);
  gboolean studio = g_strcmp0 (page, "studio") == 0;
  const char *key_text = gtk_editable_get_text (GTK_EDITABLE (self->key_row));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-key",
                                 !self->storing_key && key_text != NULL && *key_text != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.start-demo", !self->storing_key);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", studio && _ks_window_viewer_is_shown (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.generate", studio);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sweep",
                                 studio && self->composer != NULL &&
                                 ks_composer_get_can_submit (self->composer));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-reference", studio);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.paste", studio);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", studio);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo-delete", self->undo_item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-connection", !self->testing_connection);
}

static void
store_key_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KsSession *session = KS_SESSION (source);
  g_autoptr(GError) error = NULL;
  KsWindow *self;

  if (!ks_session_store_key_finish (session, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = KS_WINDOW (user_data);
  self->storing_key = FALSE;

  if (error != NULL)
    {
      gtk_label_set_label (self->welcome_error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->welcome_error_label), TRUE);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");

  _ks_window_update_actions (self);
}

static void
save_key_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->key_row));

  if (self->storing_key || key == NULL || *key == '\0')
    return;

  self->storing_key = TRUE;
  _ks_window_update_actions (self);
  ks_session_store_key_async (self->session, key, self->cancellable, store_key_cb, self);
}

static void
start_demo_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!ks_session_start_demo (self->session, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The demo service could not start: %s"),
                                               error->message);

      gtk_label_set_label (self->welcome_error_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->welcome_error_label), TRUE);
    }
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  _ks_window_show_gallery (KS_WINDOW (widget));
}

static void
generate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (!ks_composer_submit (self->composer))
    {
      const char *reason = ks_composer_get_reason (self->composer);

      _ks_window_show_toast (self, reason != NULL ? reason : _("The request is not complete yet."));
    }
}

static void
open_reference_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  gtk_widget_activate_action (GTK_WIDGET (self->composer), "composer.open-reference", NULL);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  gtk_widget_activate_action (GTK_WIDGET (self->composer), "composer.paste", NULL);
}

static void
undo_delete_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(KsGalleryItem) item = g_steal_pointer (&self->undo_item);

  self->undo_toast = NULL;
  if (item != NULL)
    ks_session_restore (self->session, item, self->undo_position);
  _ks_window_update_actions (self);
}

static void
open_folder_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_debug ("Could not open the folder: %s", error->message);
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  g_autoptr(GdkAppLaunchContext) context = NULL;

  context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
  g_app_info_launch_default_for_uri_async (g_variant_get_string (parameter, NULL),
                                           G_APP_LAUNCH_CONTEXT (context),
                                           self->cancellable,
                                           open_folder_cb, NULL);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (_ks_window_viewer_is_shown (self))
    _ks_window_show_gallery (self);
  ks_gallery_focus_search (self->gallery);
}

static void
dismiss_banner_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  _ks_window_hide_banner (KS_WINDOW (widget));
}

static void
test_connection_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  KsWindow *self;

  text = ks_session_test_connection_finish (KS_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = KS_WINDOW (user_data);
  self->testing_connection = FALSE;
  _ks_window_update_actions (self);

  if (text != NULL)
    {
      _ks_window_hide_banner (self);
      _ks_window_show_toast (self, text);
    }
  else
    _ks_window_show_banner (self, error->domain == KS_ERROR ? error->code : KS_ERROR_NETWORK, error->message);
}

static void
retry_connection_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->testing_connection)
    return;

  self->testing_connection = TRUE;
  _ks_window_update_actions (self);
  gtk_label_set_label (self->banner_label, _("Checking the connection…"));
  ks_session_test_connection_async (self->session, self->cancellable, test_connection_cb, self);
}


void
_ks_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, on_gallery_item_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_gallery_cancel_requested);
  gtk_widget_class_bind_template_callback (widget_class, on_gallery_retry_requested);
  gtk_widget_class_bind_template_callback (widget_class, on_gallery_resubmit_requested);
  gtk_widget_class_bind_template_callback (widget_class, on_key_row_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_key_row_activated);

  gtk_widget_class_install_action (widget_class, "win.save-key", NULL, save_key_action);
  gtk_widget_class_install_action (widget_class, "win.start-demo", NULL, start_demo_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.generate", NULL, generate_action);
  gtk_widget_class_install_action (widget_class, "win.open-reference", NULL, open_reference_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", NULL, undo_delete_action);
  gtk_widget_class_install_action (widget_class, "win.open-folder", "s", open_folder_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-banner", NULL, dismiss_banner_action);
  gtk_widget_class_install_action (widget_class, "win.retry-connection", NULL, retry_connection_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.generate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.generate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-reference", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
}
