#define G_LOG_DOMAIN "ks-preferences-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-preferences-window-private.h"
#include "ks-settings-bind.h"

#define GET_KEY_URI "https://fal.ai/dashboard/keys"

enum {
  SERVICE_FAL,
  SERVICE_COMPATIBLE,
};

G_DEFINE_FINAL_TYPE (KsPreferencesWindow, ks_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Enum keys as combo row positions, in the order of the .ui's lists. */
static const char * const auth_nicks[] = { "key", "bearer", NULL };
static const char * const priority_nicks[] = { "default", "normal", "low", NULL };

static void
update_actions (KsPreferencesWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.test-connection",
                                 self->session != NULL && !self->testing);
  _ks_preferences_window_update_library_actions (self);
}

/* ---- the service ---------------------------------------------------------- */

static void
show_base_url_error (KsPreferencesWindow *self,
                     const char          *message)
{
  gboolean error = message != NULL;

  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->base_url_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->base_url_row), "error");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->base_url_error_row),
                                 error ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->base_url_error_row), error);
}

static void
sync_service (KsPreferencesWindow *self)
{
  g_autofree char *base_url = g_settings_get_string (self->settings, "base-url");
  gboolean fal = ks_base_url_is_fal (base_url);
  guint selected = adw_combo_row_get_selected (self->service_row);
  gboolean compatible;

  /* A compatible service chosen but not applied yet keeps its row open. */
  if (!fal && selected != SERVICE_COMPATIBLE)
    adw_combo_row_set_selected (self->service_row, SERVICE_COMPATIBLE);

  compatible = adw_combo_row_get_selected (self->service_row) == SERVICE_COMPATIBLE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->base_url_row), compatible);
  gtk_widget_set_sensitive (GTK_WIDGET (self->auth_row), compatible);

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)), base_url) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->base_url_row), base_url);
  if (!compatible)
    show_base_url_error (self, NULL);
}

static void
on_service_selected (KsPreferencesWindow *self)
{
  if (adw_combo_row_get_selected (self->service_row) == SERVICE_FAL)
    {
      /* fal.ai: its own address and scheme. */
      g_settings_reset (self->settings, "base-url");
      g_settings_reset (self->settings, "auth-scheme");
    }
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->base_url_row));

  sync_service (self);
}

static void
on_base_url_changed (KsPreferencesWindow *self)
{
  show_base_url_error (self, NULL);
}

static void
on_base_url_apply (KsPreferencesWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row))));
  g_autoptr(GError) error = NULL;

  if (*text == '\0')
    {
      show_base_url_error (self, _("Type the address of the service, for example https://queue.example.com."));
      return;
    }

  if (!ks_client_check_base_url (text, &error))
    {
      show_base_url_error (self, error->message);
      return;
    }

  show_base_url_error (self, NULL);
  g_settings_set_string (self->settings, "base-url", text);
}

/* ---- the key -------------------------------------------------------------- */

static const char *
current_base_url (KsPreferencesWindow *self)
{
  KsClient *client = ks_session_get_client (self->session);

  return client != NULL ? ks_client_get_base_url (client) : NULL;
}

static void
set_key_source (KsPreferencesWindow *self,
                const char          *text,
                gboolean             error)
{
  adw_action_row_set_subtitle (self->key_source_row, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->key_source_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->key_source_row), "error");
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autofree char *text = NULL;
  KsKeySource source = KS_KEY_SOURCE_NONE;
  char *key;

  key = ks_credentials_lookup_finish (result, &source, &error);
  if (key != NULL)
    {
      description = ks_credentials_describe_key (key);
      ks_credentials_free_key (key);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_spinner_set_spinning (self->key_spinner, FALSE);

  if (error != NULL && g_error_matches (error, KS_ERROR, KS_ERROR_NO_KEY))
    {
      set_key_source (self, _("None yet. Type or paste a key above and apply it."), FALSE);
      return;
    }
  if (error != NULL)
    {
      set_key_source (self, error->message, TRUE);
      return;
    }

  switch (source)
    {
    case KS_KEY_SOURCE_ENVIRONMENT:
      /* Translators: %s is a key with its secret hidden, e.g. "abc:••••" */
      text = g_strdup_printf (_("%s, from the FAL_KEY environment variable"), description);
      break;

    case KS_KEY_SOURCE_KEYRING:
      /* Translators: %s is a key with its secret hidden, e.g. "abc:••••" */
      text = g_strdup_printf (_("%s, from the keyring"), description);
      break;

    case KS_KEY_SOURCE_NONE:
    default:
      text = g_strdup (_("None yet. Type or paste a key above and apply it."));
      break;
    }

  if (ks_session_get_key_state (self->session) == KS_KEY_STATE_REFUSED)
    {
      g_autofree char *refused =
        /* Translators: %s says where the key is, e.g. "abc:••••, from the keyring" */
        g_strdup_printf (_("%s. The service refused it: enter a new key."), text);

      set_key_source (self, refused, TRUE);
      return;
    }

  set_key_source (self, text, FALSE);
}

static void
refresh_key_source (KsPreferencesWindow *self)
{
  if (self->storing_key)
    return;

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  if (ks_session_get_demo (self->session))
    {
      gtk_spinner_set_spinning (self->key_spinner, FALSE);
      set_key_source (self, _("The demo service is simulated and needs no key."), FALSE);
      return;
    }

  self->lookup_cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->key_spinner, TRUE);
  set_key_source (self, _("Looking in the keyring…"), FALSE);
  ks_credentials_lookup_async (current_base_url (self), 0, self->lookup_cancellable,
                               lookup_cb, g_object_ref (self));
}

typedef struct
{
  KsPreferencesWindow *self;
  char                *description;   /* "id:••••", never the key */
} StoreData;

static void
store_key_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  StoreData *data = user_data;
  g_autoptr(KsPreferencesWindow) self = data->self;
  g_autofree char *description = data->description;
  g_autoptr(GError) error = NULL;

  g_free (data);

  if (!ks_session_store_key_finish (KS_SESSION (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->storing_key = FALSE;
  gtk_spinner_set_spinning (self->key_spinner, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->key_row), TRUE);

  if (error != NULL)
    {
      g_autofree char *text =
        /* Translators: %s says why, e.g. "The keyring is locked." */
        g_strdup_printf (_("The key was not stored: %s"), error->message);

      set_key_source (self, text, TRUE);
      return;
    }

  {
    g_autofree char *text =
      /* Translators: %s is a key with its secret hidden, e.g. "abc:••••" */
      g_strdup_printf (_("%s, stored in the keyring"), description);

    /* The key has done its job in the entry: do not keep it there. */
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
    set_key_source (self, text, FALSE);
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                      adw_toast_new (_("Key stored in the keyring")));
  }
}

static void
on_key_apply (KsPreferencesWindow *self)
{
  g_autofree char *key = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->key_row))));
  StoreData *data;

  if (*key == '\0')
    {
      set_key_source (self, _("Type or paste a key first."), TRUE);
      return;
    }

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  data = g_new0 (StoreData, 1);
  data->self = g_object_ref (self);
  data->description = ks_credentials_describe_key (key);

  self->storing_key = TRUE;
  gtk_spinner_set_spinning (self->key_spinner, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->key_row), FALSE);
  set_key_source (self, _("Storing the key in the keyring…"), FALSE);
  ks_session_store_key_async (self->session, key, self->cancellable, store_key_cb, data);

  /* The copy made for stripping is wiped before it is freed. */
  memset (key, 0, strlen (key));
}

static void
get_key_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  gtk_show_uri (GTK_WINDOW (widget), GET_KEY_URI, GDK_CURRENT_TIME);
}

/* ---- test connection ------------------------------------------------------ */

static void
show_test_result (KsPreferencesWindow *self,
                  const char          *icon_name,
                  const char          *text,
                  gboolean             error)
{
  gtk_spinner_set_spinning (self->test_spinner, FALSE);
  gtk_image_set_from_icon_name (self->test_icon, icon_name);
  gtk_widget_set_visible (GTK_WIDGET (self->test_icon), icon_name != NULL);
  adw_action_row_set_subtitle (self->test_row, text);

  gtk_widget_remove_css_class (GTK_WIDGET (self->test_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_icon), "error");
  if (icon_name != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->test_icon), error ? "error" : "success");
}

static void
test_connection_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *sentence = NULL;

  sentence = ks_session_test_connection_finish (KS_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->testing = FALSE;

  if (sentence != NULL)
    show_test_result (self, "emblem-ok-symbolic", sentence, FALSE);
  else
    show_test_result (self, "dialog-warning-symbolic", error->message, TRUE);

  update_actions (self);
}

static void
test_connection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (widget);

  if (self->testing)
    return;

  self->testing = TRUE;
  show_test_result (self, NULL, _("Contacting the service…"), FALSE);
  gtk_spinner_set_spinning (self->test_spinner, TRUE);
  update_actions (self);

  ks_session_test_connection_async (self->session, self->cancellable,
                                    test_connection_cb, g_object_ref (self));
}

/* ---- GObject -------------------------------------------------------------- */

static void
ks_preferences_window_constructed (GObject *object)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (ks_preferences_window_parent_class)->constructed (object);

  g_assert (KS_IS_SESSION (self->session));
  g_object_get (self->session, "settings", &self->settings, NULL);
  g_assert (G_IS_SETTINGS (self->settings));

  sync_service (self);
  g_signal_connect_object (self->settings, "changed::base-url",
                           G_CALLBACK (sync_service), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->service_row, "notify::selected",
                           G_CALLBACK (on_service_selected), self, G_CONNECT_SWAPPED);

  ks_settings_bind_nicks (self->settings, "auth-scheme", self->auth_row, "selected",
                          auth_nicks);
  ks_settings_bind_nicks (self->settings, "queue-priority", self->priority_row, "selected",
                          priority_nicks);
  g_settings_bind (self->settings, "upload-references",
                   self->upload_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "store-io",
                   self->no_history_switch, "active",
                   G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_INVERT_BOOLEAN);
  g_settings_bind (self->settings, "request-timeout",
                   self->timeout_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "embed-recipe",
                   self->embed_recipe_switch, "active", G_SETTINGS_BIND_DEFAULT);

  /* Where the key comes from follows the service and the session. */
  g_signal_connect_object (self->session, "notify::key-state",
                           G_CALLBACK (refresh_key_source), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::client",
                           G_CALLBACK (refresh_key_source), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::demo",
                           G_CALLBACK (refresh_key_source), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::base-url",
                           G_CALLBACK (refresh_key_source), self, G_CONNECT_SWAPPED);
  refresh_key_source (self);

  _ks_preferences_window_init_library (self);

  update_actions (self);
}

static void
ks_preferences_window_dispose (GObject *object)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  _ks_preferences_window_dispose_library (self);

  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (ks_preferences_window_parent_class)->dispose (object);
}

static void
ks_preferences_window_finalize (GObject *object)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (ks_preferences_window_parent_class)->finalize (object);
}

static void
ks_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

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
ks_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* AdwPreferencesWindow's own search entry has only a placeholder, which
 * is no accessible name. */
static gboolean
label_search_entry (GtkWidget *widget)
{
  if (GTK_IS_SEARCH_ENTRY (widget))
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search Preferences"),
                                      -1);
      return TRUE;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_search_entry (child))
      return TRUE;

  return FALSE;
}

static void
ks_preferences_window_class_init (KsPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ks_preferences_window_constructed;
  object_class->dispose = ks_preferences_window_dispose;
  object_class->finalize = ks_preferences_window_finalize;
  object_class->get_property = ks_preferences_window_get_property;
  object_class->set_property = ks_preferences_window_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         KS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, service_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, base_url_error_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, auth_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, key_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, key_source_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, key_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, upload_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, no_history_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, embed_recipe_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, priority_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, test_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, test_icon);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, test_spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_base_url_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_base_url_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_key_apply);

  gtk_widget_class_install_action (widget_class, "prefs.test-connection", NULL, test_connection_action);
  gtk_widget_class_install_action (widget_class, "prefs.get-key", NULL, get_key_action);

  _ks_preferences_window_class_init_library (widget_class);
}

static void
ks_preferences_window_init (KsPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  label_search_entry (GTK_WIDGET (self));
}

GtkWidget *
ks_preferences_window_new (GtkWindow *parent,
                           KsSession *session)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KS_IS_SESSION (session), NULL);

  return g_object_new (KS_TYPE_PREFERENCES_WINDOW,
                       "session", session,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
}
