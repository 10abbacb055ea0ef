/* The preferences window under a display: the key goes to the keyring of
 * the test session, connection settings go to GSettings, and Test
 * Connection talks to the local fal-compatible server. */

#include "config.h"

#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "ks-application.h"
#include "ks-core.h"
#include "ks-preferences-window.h"
#include "ks-session.h"
#include "ks-test-gui.h"

#define WAIT_MS 20000
#define SECRET "s3cret-Value-0123456789"

static KsSimServer *server;

typedef struct
{
  GSettings *settings;
  KsSession *session;
  GtkWidget *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  fixture->settings = g_settings_new_with_backend (KS_SETTINGS_SCHEMA_ID, backend);
  g_settings_set_string (fixture->settings, "base-url", ks_sim_server_get_base_url (server));
  fixture->session = ks_session_new (fixture->settings);
  g_object_set (ks_session_get_client (fixture->session), "retry-base-delay", 10, NULL);
  g_object_set (server, "api-key", NULL, NULL);

  fixture->window = ks_preferences_window_new (NULL, fixture->session);
  gtk_window_present (GTK_WINDOW (fixture->window));
  ks_test_gui_wait_frames (fixture->window, 2);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (50);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->settings);
}

static GtkWidget *
find (Fixture    *fixture,
      const char *name)
{
  return ks_test_gui_get (fixture->window, name);
}

static const char *
subtitle (Fixture    *fixture,
          const char *row_name)
{
  return ks_test_gui_row_subtitle (fixture->window, row_name);
}

/* Every text the window shows: labels (row titles and subtitles are
 * labels too) and editable fields. */
static gboolean
shows_text (GtkWidget  *root,
            const char *needle)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_label (GTK_LABEL (root)), needle) != NULL)
    return TRUE;
  if (GTK_IS_TEXT (root) && strstr (gtk_editable_get_text (GTK_EDITABLE (root)), needle) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, needle))
      return TRUE;

  return FALSE;
}

static gboolean
key_row_settled (gpointer data)
{
  Fixture *fixture = data;
  gboolean spinning;

  g_object_get (find (fixture, "key_spinner"), "spinning", &spinning, NULL);
  return !spinning && gtk_widget_get_sensitive (find (fixture, "key_row"));
}

static void
store_key_through_row (Fixture    *fixture,
                       const char *key)
{
  GtkWidget *row = find (fixture, "key_row");

  gtk_editable_set_text (GTK_EDITABLE (row), key);
  g_signal_emit_by_name (row, "apply");
  g_assert_true (ks_test_gui_wait_until (key_row_settled, fixture, WAIT_MS));

  if (gtk_widget_has_css_class (find (fixture, "key_source_row"), "error"))
    g_error ("Storing the key failed: “%s”. These tests need an unlocked Secret Service "
             "on the session bus: run them under dbus-run-session with "
             "“gnome-keyring-daemon --unlock --components=secrets”, as .ci/run does.",
             subtitle (fixture, "key_source_row"));
}

static gboolean
key_lookup_idle (gpointer data)
{
  Fixture *fixture = data;
  gboolean spinning;

  g_object_get (find (fixture, "key_spinner"), "spinning", &spinning, NULL);
  return !spinning;
}

/* Screenshots once the window has settled: the key lookup answered and
 * toasts and rows have finished moving, so the capture is never taken
 * in the middle of a relayout. */
static guint
screenshot (Fixture    *fixture,
            const char *name)
{
  g_assert_true (ks_test_gui_wait_until (key_lookup_idle, fixture, WAIT_MS));
  ks_test_gui_spin (600);
  return ks_test_gui_screenshot (fixture->window, name);
}

typedef struct
{
  gboolean     done;
  char        *key;
  KsKeySource  source;
  GError      *error;
} Lookup;

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Lookup *lookup = user_data;

  lookup->key = ks_credentials_lookup_finish (result, &lookup->source, &lookup->error);
  lookup->done = TRUE;
}

static gboolean
lookup_done (gpointer data)
{
  return ((Lookup *) data)->done;
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_store_key (Fixture       *fixture,
                gconstpointer  data)
{
  Lookup lookup = { 0 };
  const char *key = "pref-id:" SECRET;

  store_key_through_row (fixture, key);

  /* The keyring of the session now holds it, for this service. */
  ks_credentials_lookup_async (ks_sim_server_get_base_url (server), 0, NULL, lookup_cb, &lookup);
  g_assert_true (ks_test_gui_wait_until (lookup_done, &lookup, WAIT_MS));
  if (lookup.error != NULL)
    g_error ("The key could not be read back from the keyring: %s", lookup.error->message);
  g_assert_cmpint (lookup.source, ==, KS_KEY_SOURCE_KEYRING);
  g_assert_cmpstr (lookup.key, ==, key);
  ks_credentials_free_key (lookup.key);

  /* The window tells where the key is, recognisably but never in full. */
  g_assert_nonnull (strstr (subtitle (fixture, "key_source_row"), "pref-id:"));
  g_assert_nonnull (strstr (subtitle (fixture, "key_source_row"), "keyring"));
  g_assert_false (shows_text (fixture->window, SECRET));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (fixture, "key_row"))), ==, "");
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_PRESENT);

  g_assert_cmpuint (screenshot (fixture, "preferences.png"), >, 20);
}

static void
test_insecure_base_url (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWidget *row = find (fixture, "base_url_row");
  GtkWidget *error_row = find (fixture, "base_url_error_row");
  g_autofree char *saved = NULL;

  adw_combo_row_set_selected (ADW_COMBO_ROW (find (fixture, "service_row")), 1);
  g_assert_true (gtk_widget_get_sensitive (row));

  gtk_editable_set_text (GTK_EDITABLE (row), "http://example.com");
  g_signal_emit_by_name (row, "apply");

  saved = g_settings_get_string (fixture->settings, "base-url");
  g_assert_cmpstr (saved, ==, ks_sim_server_get_base_url (server));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_true (gtk_widget_get_visible (error_row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row)), !=, "");
  ks_test_gui_wait_frames (fixture->window, 2);
  g_assert_nonnull (ks_test_gui_find_text (fixture->window,
                                           adw_preferences_row_get_title (ADW_PREFERENCES_ROW (error_row))));
  screenshot (fixture, "preferences-insecure-url.png");

  /* Typing again clears the complaint. */
  gtk_editable_set_text (GTK_EDITABLE (row), "https://");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_get_visible (error_row));
}

static void
test_compatible_bearer (Fixture       *fixture,
                        gconstpointer  data)
{
  GtkWidget *service = find (fixture, "service_row");
  GtkWidget *row = find (fixture, "base_url_row");
  GtkWidget *auth = find (fixture, "auth_row");
  g_autofree char *saved = NULL;
  g_autofree char *after_reset = NULL;

  adw_combo_row_set_selected (ADW_COMBO_ROW (service), 1);
  gtk_editable_set_text (GTK_EDITABLE (row), "  https://proxy.example.com/fal  ");
  g_signal_emit_by_name (row, "apply");
  adw_combo_row_set_selected (ADW_COMBO_ROW (auth), 1);

  saved = g_settings_get_string (fixture->settings, "base-url");
  g_assert_cmpstr (saved, ==, "https://proxy.example.com/fal");
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "auth-scheme"), ==, KS_AUTH_BEARER);
  g_assert_false (gtk_widget_has_css_class (row, "error"));

  /* The switches and rows of the Requests group are bound too. */
  gtk_switch_set_active (GTK_SWITCH (find (fixture, "no_history_switch")), TRUE);
  g_assert_false (g_settings_get_boolean (fixture->settings, "store-io"));
  gtk_switch_set_active (GTK_SWITCH (find (fixture, "upload_switch")), TRUE);
  g_assert_true (g_settings_get_boolean (fixture->settings, "upload-references"));
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (fixture, "priority_row")), 2);
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "queue-priority"), ==, KS_PRIORITY_LOW);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (fixture, "timeout_spin")), 90);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "request-timeout"), ==, 90);

  /* Privacy: the recipe in exported images, on by default. */
  g_assert_true (g_settings_get_boolean (fixture->settings, "embed-recipe"));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find (fixture, "embed_recipe_switch"))));
  gtk_switch_set_active (GTK_SWITCH (find (fixture, "embed_recipe_switch")), FALSE);
  g_assert_false (g_settings_get_boolean (fixture->settings, "embed-recipe"));
  g_settings_set_boolean (fixture->settings, "embed-recipe", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find (fixture, "embed_recipe_switch"))));

  /* Back to fal.ai: its own address and scheme, and the fields lock. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (service), 0);
  after_reset = g_settings_get_string (fixture->settings, "base-url");
  g_assert_cmpstr (after_reset, ==, KS_DEFAULT_BASE_URL);
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "auth-scheme"), ==, KS_AUTH_KEY);
  g_assert_false (gtk_widget_get_sensitive (row));
  g_assert_false (gtk_widget_get_sensitive (auth));
}

static gboolean
test_finished (gpointer data)
{
  Fixture *fixture = data;
  gboolean spinning;

  g_object_get (find (fixture, "test_spinner"), "spinning", &spinning, NULL);
  return !spinning && gtk_widget_get_visible (find (fixture, "test_icon"));
}

static void
run_connection_test (Fixture *fixture)
{
  gboolean spinning;

  g_assert_true (gtk_widget_activate_action (fixture->window, "prefs.test-connection", NULL));

  /* Never a silent spinner. */
  g_object_get (find (fixture, "test_spinner"), "spinning", &spinning, NULL);
  g_assert_true (spinning);
  g_assert_cmpstr (subtitle (fixture, "test_row"), !=, "");

  g_assert_true (ks_test_gui_wait_until (test_finished, fixture, WAIT_MS));
  g_test_message ("Test Connection said: %s", subtitle (fixture, "test_row"));
}

static void
test_connection_ok (Fixture       *fixture,
                    gconstpointer  data)
{
  g_object_set (server, "api-key", "good-id:" SECRET, NULL);
  store_key_through_row (fixture, "good-id:" SECRET);

  run_connection_test (fixture);
  g_assert_true (gtk_widget_has_css_class (find (fixture, "test_icon"), "success"));
  g_assert_nonnull (strstr (subtitle (fixture, "test_row"), "127.0.0.1"));
  g_assert_false (shows_text (fixture->window, SECRET));
  screenshot (fixture, "preferences-connection-ok.png");
}

static void
test_connection_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_object_set (server, "api-key", "good-id:" SECRET, NULL);
  store_key_through_row (fixture, "bad-id:wrong-secret-0000");

  run_connection_test (fixture);
  g_assert_true (gtk_widget_has_css_class (find (fixture, "test_icon"), "error"));
  g_assert_nonnull (strstr (subtitle (fixture, "test_row"), "refused the key"));
  g_assert_false (shows_text (fixture->window, "wrong-secret"));
  screenshot (fixture, "preferences-key-refused.png");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  server = ks_sim_server_new ();
  g_object_set (server, "queue-delay", 200, "run-time", 500, NULL);
  if (!ks_sim_server_listen (server, 0, &error))
    g_error ("The local server could not listen: %s", error->message);

  g_test_add ("/preferences/store-key", Fixture, NULL,
              fixture_set_up, test_store_key, fixture_tear_down);
  g_test_add ("/preferences/insecure-base-url", Fixture, NULL,
              fixture_set_up, test_insecure_base_url, fixture_tear_down);
  g_test_add ("/preferences/compatible-bearer", Fixture, NULL,
              fixture_set_up, test_compatible_bearer, fixture_tear_down);
  g_test_add ("/preferences/test-connection", Fixture, NULL,
              fixture_set_up, test_connection_ok, fixture_tear_down);
  g_test_add ("/preferences/test-connection-refused", Fixture, NULL,
              fixture_set_up, test_connection_refused, fixture_tear_down);

  status = g_test_run ();

  g_clear_object (&server);

  return status;
}
