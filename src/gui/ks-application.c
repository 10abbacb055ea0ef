#define G_LOG_DOMAIN "ks-application"

#include "config.h"

#include <glib/gi18n.h>

#include <libsoup/soup.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-gui-compat.h"
#include "ks-preferences-window.h"
#include "ks-window.h"

struct _KsApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  KsSession      *session;
  gboolean        demo;
  gboolean        started;
};

G_DEFINE_FINAL_TYPE (KsApplication, ks_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_DEMO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

KsApplication *
ks_application_new (void)
{
  return g_object_new (KS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}

gboolean
ks_application_get_demo (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), FALSE);

  return self->demo;
}

void
ks_application_set_demo (KsApplication *self,
                         gboolean       demo)
{
  g_return_if_fail (KS_IS_APPLICATION (self));

  demo = !!demo;
  if (self->demo == demo)
    return;

  self->demo = demo;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
}

/**
 * ks_application_get_settings:
 *
 * Returns: (transfer none): the application's settings
 */
GSettings *
ks_application_get_settings (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    self->settings = g_settings_new (KS_SETTINGS_SCHEMA_ID);

  return self->settings;
}

/**
 * ks_application_get_session:
 *
 * Returns: (transfer none): the application's session
 */
KsSession *
ks_application_get_session (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  if (self->session == NULL)
    self->session = ks_session_new (ks_application_get_settings (self));

  return self->session;
}

/* The first window starts the session: the demo when asked for, else the
 * key lookup that decides between the welcome page and the studio. */
static void
ks_application_start_session (KsApplication *self)
{
  KsSession *session = ks_application_get_session (self);
  g_autoptr(GError) error = NULL;

  if (self->started)
    return;
  self->started = TRUE;

  if (self->demo && ks_session_start_demo (session, &error))
    return;

  if (error != NULL)
    g_printerr (_("The demo service could not start: %s\n"), error->message);

  if (ks_session_get_key_state (session) == KS_KEY_STATE_UNKNOWN)
    ks_session_load_key (session);
}

static KsWindow *
ks_application_ensure_window (KsApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (!KS_IS_WINDOW (window))
    window = GTK_WINDOW (ks_window_new (self));

  ks_application_start_session (self);

  return KS_WINDOW (window);
}

static void
ks_application_activate (GApplication *app)
{
  KsWindow *window = ks_application_ensure_window (KS_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
}

static void
ks_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  KsWindow *window = ks_application_ensure_window (KS_APPLICATION (app));

  ks_window_set_references (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static int
ks_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  KsApplication *self = KS_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_contains (options, "demo"))
    ks_application_set_demo (self, TRUE);

  return G_APPLICATION_CLASS (ks_application_parent_class)->handle_local_options (app, options);
}

static void
ks_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  KsApplication *self = user_data;
  GList *windows;

  /* Closing the windows first lets each one save its state. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (windows->data);

  g_application_quit (G_APPLICATION (self));
}

/* What a bug report needs; never anything about the key. */
static char *
ks_application_dup_debug_info (KsApplication *self)
{
  GString *info = g_string_new (NULL);
  const KsEndpoint * const *endpoints;
  guint n_endpoints = 0;

  g_string_append_printf (info, "%s %s (%s, %s)\n",
                          PACKAGE_NAME, PACKAGE_VERSION, APP_ID, PROFILE);
  g_string_append_printf (info, "GLib %u.%u.%u\n",
                          glib_major_version, glib_minor_version, glib_micro_version);
  g_string_append_printf (info, "GTK %u.%u.%u\n",
                          gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version ());
  g_string_append_printf (info, "libadwaita %u.%u.%u\n",
                          adw_get_major_version (), adw_get_minor_version (), adw_get_micro_version ());
  g_string_append_printf (info, "libsoup %u.%u.%u\n",
                          soup_get_major_version (), soup_get_minor_version (), soup_get_micro_version ());
  g_string_append_printf (info, "Demo mode: %s\n",
                          self->session != NULL && ks_session_get_demo (self->session) ? "yes" : "no");

  endpoints = ks_endpoint_list (&n_endpoints);
  g_string_append_printf (info, "Endpoints (%u):\n", n_endpoints);
  for (guint i = 0; i < n_endpoints; i++)
    g_string_append_printf (info, "  %s\n", ks_endpoint_get_id (endpoints[i]));

  return g_string_free (info, FALSE);
}

static void
ks_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  static const char * const developers[] = { "Kontext Studio contributors", NULL };
  KsApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autofree char *comments = NULL;
  g_autofree char *debug_info = NULL;
  guint n_endpoints = 0;

  ks_endpoint_list (&n_endpoints);
  comments = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Edit and generate images with FLUX.1 Kontext, through %u model endpoint.",
                                           "Edit and generate images with FLUX.1 Kontext, through %u model endpoints.",
                                           n_endpoints),
                              n_endpoints);
  debug_info = ks_application_dup_debug_info (self);

  ks_gui_present_about (window,
                        "application-name", _("Kontext Studio"),
                        "application-icon", APP_ID,
                        "developer-name", _("Kontext Studio contributors"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", comments,
                        "debug-info", debug_info,
                        "website", "https://github.com/kontextstudio/kontext-studio",
                        "issue-url", "https://github.com/kontextstudio/kontext-studio/issues",
                        "copyright", "© 2025 Kontext Studio contributors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
}

static void
ks_application_preferences_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  KsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *preferences;

  /* The session of the window it was asked from. */
  preferences = ks_preferences_window_new (parent,
                                           KS_IS_WINDOW (parent)
                                           ? ks_window_get_session (KS_WINDOW (parent))
                                           : ks_application_get_session (self));
  gtk_window_present (GTK_WINDOW (preferences));
}

static const GActionEntry app_actions[] = {
  { "quit", ks_application_quit_action },
  { "about", ks_application_about_action },
  { "preferences", ks_application_preferences_action },
};

static void
ks_application_startup (GApplication *app)
{
  KsApplication *self = KS_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *help_accels[] = { "<Control>question", "F1", NULL };

  G_APPLICATION_CLASS (ks_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay", help_accels);
}

static void
ks_application_dispose (GObject *object)
{
  KsApplication *self = KS_APPLICATION (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_application_parent_class)->dispose (object);
}

static void
ks_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsApplication *self = KS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DEMO:
      g_value_set_boolean (value, self->demo);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_application_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KsApplication *self = KS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DEMO:
      ks_application_set_demo (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_application_class_init (KsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ks_application_dispose;
  object_class->get_property = ks_application_get_property;
  object_class->set_property = ks_application_set_property;

  app_class->startup = ks_application_startup;
  app_class->activate = ks_application_activate;
  app_class->open = ks_application_open;
  app_class->handle_local_options = ks_application_handle_local_options;

  properties[PROP_DEMO] =
    g_param_spec_boolean ("demo", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_application_init (KsApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_("Run against a simulated service on this computer: no key, no network, nothing billed"), NULL },
    { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_("Show the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[IMAGE…]"));
}
