#define G_LOG_DOMAIN "ks-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-window-private.h"

G_DEFINE_FINAL_TYPE (KsWindow, ks_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- small helpers ------------------------------------------------------ */

void
_ks_window_show_toast (KsWindow   *self,
            const char *text)
{
  AdwToast *toast = adw_toast_new (text);

  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

gboolean
_ks_window_viewer_is_shown (KsWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "viewer") == 0;
}

void
_ks_window_show_gallery (KsWindow *self)
{
  gtk_stack_set_visible_child_name (self->content_stack, "gallery");
  _ks_window_update_actions (self);
}

void
_ks_window_show_viewer (KsWindow      *self,
             KsGalleryItem *item)
{
  KsViewer *viewer = _ks_window_ensure_viewer (self);

  ks_viewer_set_item (viewer, item);
  gtk_stack_set_visible_child_name (self->content_stack, "viewer");
  /* The viewer's shortcuts (Ctrl+S, Ctrl+C, Delete, Escape) act where the
   * focus is. */
  gtk_widget_grab_focus (GTK_WIDGET (viewer));
  _ks_window_update_actions (self);
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (g_type_is_a (G_OBJECT_TYPE (child), type))
        return child;

      found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }

  return NULL;
}

void
_ks_window_focus_prompt (KsWindow *self)
{
  GtkWidget *prompt = find_descendant (GTK_WIDGET (self->composer), GTK_TYPE_TEXT_VIEW);

  if (prompt != NULL)
    gtk_widget_grab_focus (prompt);
}

/* ---- pages and banner --------------------------------------------------- */

void
_ks_window_hide_banner (KsWindow *self)
{
  self->banner_code = -1;
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

void
_ks_window_show_banner (KsWindow   *self,
             int         code,
             const char *text)
{
  const char *button_label;
  const char *action;
  g_autofree char *target_uri = NULL;

  switch (code)
    {
    case KS_ERROR_NETWORK:
      button_label = _("_Try Again");
      action = "win.retry-connection";
      break;

    case KS_ERROR_IO:
      /* The library could not be written (a full disk, permissions): the
       * message names the path; the button opens the library's folder. */
      button_label = _("_Open Folder");
      action = "win.open-folder";
      target_uri = g_file_get_uri (ks_library_get_directory (ks_session_get_library (self->session)));
      break;

    default:
      button_label = _("Open _Preferences");
      action = "app.preferences";
      break;
    }

  self->banner_code = code;
  gtk_label_set_label (self->banner_label, text);
  gtk_button_set_label (self->banner_button, button_label);
  /* Name and target change together: without the old name in between,
   * neither order leaves the button briefly mismatched. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->banner_button), NULL);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->banner_button),
                                          target_uri != NULL ? g_variant_new_string (target_uri) : NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->banner_button), action);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
update_page (KsWindow *self)
{
  KsKeyState state = ks_session_get_key_state (self->session);
  const char *message = ks_session_get_key_message (self->session);
  const char *page = NULL;

  switch (state)
    {
    case KS_KEY_STATE_UNKNOWN:
    case KS_KEY_STATE_LOOKING:
      page = self->studio_shown ? "studio" : "loading";
      break;

    case KS_KEY_STATE_MISSING:
    case KS_KEY_STATE_KEYRING_ERROR:
      if (self->studio_shown)
        {
          page = "studio";
          _ks_window_show_banner (self,
                       state == KS_KEY_STATE_MISSING ? KS_ERROR_NO_KEY : KS_ERROR_KEYRING,
                       message != NULL ? message : _("No API key is set."));
        }
      else
        page = "welcome";
      break;

    case KS_KEY_STATE_REFUSED:
      page = "studio";
      _ks_window_show_banner (self, KS_ERROR_UNAUTHORIZED,
                   message != NULL ? message : _("The service refused the API key."));
      break;

    case KS_KEY_STATE_PRESENT:
    case KS_KEY_STATE_DEMO:
      page = "studio";
      /* A key problem the banner showed is solved; a kept-for-this-run
       * notice stays. */
      if (message != NULL)
        _ks_window_show_banner (self, KS_ERROR_KEYRING, message);
      else if (self->banner_code == KS_ERROR_UNAUTHORIZED ||
               self->banner_code == KS_ERROR_NO_KEY ||
               self->banner_code == KS_ERROR_KEYRING ||
               self->banner_code == KS_ERROR_FORBIDDEN)
        _ks_window_hide_banner (self);
      break;

    default:
      g_assert_not_reached ();
    }

  if (g_str_equal (page, "welcome"))
    {
      gboolean keyring_error = state == KS_KEY_STATE_KEYRING_ERROR && message != NULL;

      gtk_label_set_label (self->welcome_error_label, keyring_error ? message : NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->welcome_error_label), keyring_error);
    }

  if (g_str_equal (page, "studio") && !self->studio_shown)
    {
      self->studio_shown = TRUE;
      gtk_stack_set_visible_child_name (self->main_stack, page);
      _ks_window_focus_prompt (self);
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, page);

  _ks_window_update_actions (self);
}

static void
update_title (KsWindow *self)
{
  gboolean demo = ks_session_get_demo (self->session);

  adw_window_title_set_subtitle (self->window_title, demo ? _("Simulated service") : NULL);
  if (demo)
    gtk_widget_add_css_class (GTK_WIDGET (self->window_title), "simulated");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->window_title), "simulated");
}

static void
update_running (KsWindow *self)
{
  guint n_running = ks_session_get_n_running (self->session);
  g_autofree char *text = NULL;

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u job running",
                                       "%u jobs running",
                                       n_running),
                          n_running);
  gtk_label_set_label (self->running_label, text);
  gtk_spinner_set_spinning (self->running_spinner, n_running > 0);
  gtk_widget_set_visible (self->running_box, n_running > 0);
}

/* ---- session signals ---------------------------------------------------- */

static void
on_session_problem (KsWindow     *self,
                    const GError *error,
                    KsSession    *session)
{
  if (error == NULL)
    return;

  if (error->domain == KS_ERROR)
    _ks_window_show_banner (self, error->code, error->message);
  else
    _ks_window_show_banner (self, KS_ERROR_NETWORK, error->message);
}

static void
on_session_notice (KsWindow   *self,
                   const char *text,
                   KsSession  *session)
{
  _ks_window_show_toast (self, text);
}

static void
send_notification (KsWindow *self,
                   KsJob    *job)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;
  KsParams *params = ks_job_get_params (job);
  const char *prompt = params != NULL ? ks_params_get_prompt (params) : NULL;

  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self)))
    return;

  switch (ks_job_get_state (job))
    {
    case KS_JOB_STATE_COMPLETED:
      {
        guint n_images = g_list_model_get_n_items (ks_job_get_images (job));

        notification = g_notification_new (g_dngettext (GETTEXT_PACKAGE,
                                                        "Image ready",
                                                        "Images ready",
                                                        n_images));
        if (prompt != NULL)
          g_notification_set_body (notification, prompt);
      }
      break;

    case KS_JOB_STATE_FAILED:
      {
        const GError *error = ks_job_get_error (job);

        notification = g_notification_new (_("Generation failed"));
        g_notification_set_body (notification,
                                 error != NULL ? error->message : _("The job failed."));
      }
      break;

    case KS_JOB_STATE_PENDING:
    case KS_JOB_STATE_WAITING:
    case KS_JOB_STATE_PREPARING:
    case KS_JOB_STATE_SUBMITTING:
    case KS_JOB_STATE_IN_QUEUE:
    case KS_JOB_STATE_IN_PROGRESS:
    case KS_JOB_STATE_DOWNLOADING:
    case KS_JOB_STATE_CANCELLED:
    default:
      /* The user cancelled it: nothing to announce. */
      return;
    }

  /* Clicking it activates the application, which presents this window. */
  id = g_strdup_printf ("job-%s", ks_job_get_request_id (job) != NULL
                                  ? ks_job_get_request_id (job) : "local");
  g_application_send_notification (app, id, notification);
}

static void
on_session_job_finished (KsWindow  *self,
                         KsJob     *job,
                         KsSession *session)
{
  const char *seed = ks_job_get_seed (job);

  if (seed != NULL)
    ks_composer_set_last_seed (self->composer, seed);

  /* The service answered: an offline banner is out of date. */
  if (ks_job_get_state (job) == KS_JOB_STATE_COMPLETED && self->banner_code == KS_ERROR_NETWORK)
    _ks_window_hide_banner (self);

  send_notification (self, job);
}

/* ---- public ------------------------------------------------------------- */

KsWindow *
ks_window_new (KsApplication *application)
{
  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  return g_object_new (KS_TYPE_WINDOW,
                       "application", application,
                       "session", ks_application_get_session (application),
                       NULL);
}

KsSession *
ks_window_get_session (KsWindow *self)
{
  g_return_val_if_fail (KS_IS_WINDOW (self), NULL);

  return self->session;
}

KsComposer *
ks_window_get_composer (KsWindow *self)
{
  g_return_val_if_fail (KS_IS_WINDOW (self), NULL);

  return self->composer;
}

void
ks_window_set_references (KsWindow  *self,
                          GFile    **files,
                          int        n_files)
{
  g_return_if_fail (KS_IS_WINDOW (self));
  g_return_if_fail (n_files == 0 || files != NULL);

  if (n_files <= 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self->composer), "composer.clear-references", NULL);
      return;
    }

  for (int i = 0; i < n_files; i++)
    ks_composer_add_file (self->composer, files[i]);
}

/* ---- GObject ------------------------------------------------------------ */

static void
ks_window_constructed (GObject *object)
{
  KsWindow *self = KS_WINDOW (object);

  G_OBJECT_CLASS (ks_window_parent_class)->constructed (object);

  g_assert (KS_IS_SESSION (self->session));

  g_object_get (self->session, "settings", &self->settings, NULL);

  /* The size is restored from and saved to the settings as it changes. */
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  self->composer = KS_COMPOSER (ks_composer_new (self->settings));
  adw_clamp_set_child (self->composer_clamp, GTK_WIDGET (self->composer));
  _ks_window_connect_composer (self);

  ks_gallery_set_model (self->gallery, ks_session_get_items (self->session));

  g_signal_connect_object (self->session, "notify::key-state",
                           G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::key-message",
                           G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::demo",
                           G_CALLBACK (update_title), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::n-running",
                           G_CALLBACK (update_running), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "problem",
                           G_CALLBACK (on_session_problem), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notice",
                           G_CALLBACK (on_session_notice), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "job-finished",
                           G_CALLBACK (on_session_job_finished), self,
                           G_CONNECT_SWAPPED);

  update_title (self);
  update_running (self);
  update_page (self);
}

static void
ks_window_dispose (GObject *object)
{
  KsWindow *self = KS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_WINDOW);
  /* It was the content stack's, gone with the template. */
  self->viewer = NULL;

  g_clear_object (&self->undo_item);
  self->undo_toast = NULL;
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_window_parent_class)->dispose (object);
}

static void
ks_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsWindow *self = KS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsWindow *self = KS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_window_class_init (KsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ks_window_constructed;
  object_class->dispose = ks_window_dispose;
  object_class->get_property = ks_window_get_property;
  object_class->set_property = ks_window_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         KS_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KS_TYPE_GALLERY);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, key_row);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, welcome_error_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, running_box);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, running_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, running_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, banner_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, composer_clamp);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, gallery);
  _ks_window_class_add_actions (widget_class);
  _ks_window_class_add_sweep_actions (widget_class);
}

static void
ks_window_init (KsWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->banner_code = -1;

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_status_page_set_icon_name (self->welcome_page, APP_ID);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}
