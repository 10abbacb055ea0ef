/* The key kept secret by the app: the window under a display, debug
 * output on, the key taken from FAL_KEY and then from the keyring; a job
 * composed and submitted in the window, its result exported with the
 * recipe through the viewer. Every log message, every file under the
 * test's home and XDG dirs (library, thumbnails, exports) and every
 * setting is searched for the key. */

#define G_LOG_DOMAIN "test-gui-key"

#include "config.h"

#include <string.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-gallery-item.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "ks-window.h"
#include "key-search.h"

#define DEADLINE_MS 30000

static char *key;
static GString *log_text;
static GMutex log_lock;

/* Every message, debug included, is kept; shown only with --verbose. */
static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);

  g_mutex_lock (&log_lock);
  g_string_append (log_text, line);
  g_string_append_c (log_text, '\n');
  g_mutex_unlock (&log_lock);

  if (g_test_verbose () || (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0)
    return g_log_writer_default (level, fields, n_fields, user_data);

  return G_LOG_WRITER_HANDLED;
}

typedef struct
{
  KsSimServer   *server;
  KsApplication *app;
  KsSession     *session;
  KsWindow      *window;
  KsJob         *job;
  guint          n_exports;
  guint          n_items;
} Fixture;

static gboolean
key_settled (gpointer data)
{
  Fixture *f = data;

  return ks_session_get_key_state (f->session) != KS_KEY_STATE_LOOKING &&
         ks_session_get_key_state (f->session) != KS_KEY_STATE_UNKNOWN;
}

static gboolean
can_submit (gpointer data)
{
  Fixture *f = data;

  return ks_composer_get_can_submit (ks_window_get_composer (f->window));
}

static gboolean
n_items_reached (gpointer data)
{
  Fixture *f = data;

  return g_list_model_get_n_items (ks_session_get_items (f->session)) >= f->n_items;
}

static gboolean
job_finished (gpointer data)
{
  Fixture *f = data;

  return ks_job_state_is_finished (ks_job_get_state (f->job));
}

static gboolean
nothing_running (gpointer data)
{
  Fixture *f = data;

  return ks_session_get_n_running (f->session) == 0;
}

static void
wait_for (gboolean  (*predicate) (gpointer),
          Fixture    *f,
          const char *what)
{
  if (!ks_test_gui_wait_until (predicate, f, DEADLINE_MS))
    g_error ("Gave up waiting for %s after %d s", what, DEADLINE_MS / 1000);
}

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} AsyncWait;

static void
async_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
async_done (gpointer data)
{
  return ((AsyncWait *) data)->done;
}

/* Types a prompt, presses Generate, waits for the job to complete, then
 * exports its image as PNG and JPEG with the recipe. */
static void
compose_submit_export (Fixture    *f,
                       const char *prompt)
{
  g_autoptr(KsGalleryItem) item = NULL;
  g_autofree char *exports = g_build_filename (g_get_home_dir (), "Pictures", NULL);
  GtkWindow *viewer_window = NULL;
  KsViewer *viewer;

  ks_composer_set_prompt (ks_window_get_composer (f->window), prompt);
  wait_for (can_submit, f, "Generate to be possible");
  f->n_items = g_list_model_get_n_items (ks_session_get_items (f->session)) + 1;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.generate", NULL));
  /* The tile comes once the budget check said yes. */
  wait_for (n_items_reached, f, "the job's tile");

  item = g_list_model_get_item (ks_session_get_items (f->session), 0);
  g_assert_nonnull (ks_gallery_item_get_job (item));
  g_set_object (&f->job, ks_gallery_item_get_job (item));
  wait_for (job_finished, f, "the job to finish");
  g_assert_cmpint (ks_job_get_state (f->job), ==, KS_JOB_STATE_COMPLETED);
  wait_for (nothing_running, f, "the session to settle");
  g_clear_object (&item);

  item = g_list_model_get_item (ks_session_get_items (f->session), 0);
  g_assert_nonnull (ks_gallery_item_get_image (item));

  g_assert_cmpint (g_mkdir_with_parents (exports, 0700), ==, 0);
  viewer = KS_VIEWER (ks_test_gui_show (ks_viewer_new (), 1000, 700, &viewer_window));
  ks_viewer_set_item (viewer, item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, DEADLINE_MS));

  for (guint i = 0; i < 2; i++)
    {
      const char *format = i == 0 ? "png" : "jpeg";
      g_autofree char *name = g_strdup_printf ("export-%u.%s", f->n_exports++, i == 0 ? "png" : "jpg");
      g_autofree char *path = g_build_filename (exports, name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(KsRecipe) recipe = NULL;
      AsyncWait wait = { 0 };

      ks_viewer_export_async (viewer, file, format, 90, NULL, async_wait_cb, &wait);
      g_assert_true (ks_test_gui_wait_until (async_done, &wait, DEADLINE_MS));
      g_assert_true (ks_viewer_save_finish (viewer, wait.result, &error));
      g_assert_no_error (error);
      g_clear_object (&wait.result);

      /* The recipe really is in there. */
      bytes = g_file_load_bytes (file, NULL, NULL, &error);
      g_assert_no_error (error);
      recipe = ks_recipe_read_from_bytes (bytes, &error);
      g_assert_no_error (error);
      g_assert_nonnull (recipe);
      g_assert_cmpstr (ks_recipe_get_request_id (recipe), ==, ks_job_get_request_id (f->job));
    }

  gtk_window_destroy (viewer_window);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Stored;

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Stored *stored = user_data;

  ks_credentials_store_finish (result, &stored->error);
  stored->done = TRUE;
}

static void
cleared_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Stored *stored = user_data;

  ks_credentials_clear_finish (result, &stored->error);
  stored->done = TRUE;
}

static gboolean
stored_done (gpointer data)
{
  return ((Stored *) data)->done;
}

static void
assert_no_trace_in_settings (KeySearch *search,
                             GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);
      g_autofree char *form = key_search_bytes (search, (const guint8 *) text, strlen (text));

      if (form != NULL)
        g_error ("The setting %s holds %s", keys[i], form);
    }
}

static void
test_gui_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KeySearch) search = key_search_new (key);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *base_url = NULL;
  g_autofree char *in_log = NULL;
  const char *roots[5];
  guint64 bytes = 0;
  guint n_files = 0;
  Fixture f = { 0 };
  Stored stored = { 0 };

  f.server = ks_sim_server_new ();
  g_object_set (f.server, "queue-delay", 100, "run-time", 300, "log-lines", 3,
                "ping-interval", 100, "api-key", key, NULL);
  g_assert_true (ks_sim_server_listen (f.server, 0, &error));
  g_assert_no_error (error);
  base_url = g_strdup (ks_sim_server_get_base_url (f.server));

  f.app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (f.app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (f.app), NULL, &error));
  g_assert_no_error (error);

  /* The key from the environment, as the app is started with FAL_KEY. */
  g_setenv ("FAL_KEY", key, TRUE);
  g_settings_set_string (ks_application_get_settings (f.app), "base-url", base_url);
  f.session = ks_session_new (ks_application_get_settings (f.app));
  f.window = g_object_new (KS_TYPE_WINDOW, "application", f.app, "session", f.session, NULL);
  gtk_window_set_default_size (GTK_WINDOW (f.window), 1280, 800);
  gtk_window_present (GTK_WINDOW (f.window));
  ks_test_gui_wait_frames (GTK_WIDGET (f.window), 3);
  ks_session_load_key (f.session);
  wait_for (key_settled, &f, "the key");
  g_assert_cmpint (ks_session_get_key_state (f.session), ==, KS_KEY_STATE_PRESENT);
  g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (f.session)), ==, base_url);
  g_object_set (ks_session_get_client (f.session), "retry-base-delay", 10, "poll-interval", 50, NULL);

  compose_submit_export (&f, "A lighthouse at dusk, from the environment");

  /* Then from the keyring. */
  g_unsetenv ("FAL_KEY");
  ks_credentials_store_async (base_url, key, 0, NULL, stored_cb, &stored);
  g_assert_true (ks_test_gui_wait_until (stored_done, &stored, DEADLINE_MS));
  if (g_error_matches (stored.error, KS_ERROR, KS_ERROR_KEYRING) &&
      g_strcmp0 (g_getenv ("KS_TEST_NO_KEYRING"), "1") == 0)
    {
      /* Said, not hidden: the keyring half did not run. */
      g_test_message ("KS_TEST_NO_KEYRING=1: the key was not taken from a keyring");
      g_clear_error (&stored.error);
    }
  else
    {
      if (stored.error != NULL)
        g_error ("The key could not be stored in the keyring (run under a D-Bus session with an "
                 "unlocked keyring, or set KS_TEST_NO_KEYRING=1): %s", stored.error->message);
      ks_session_load_key (f.session);
      wait_for (key_settled, &f, "the key from the keyring");
      g_assert_cmpint (ks_session_get_key_state (f.session), ==, KS_KEY_STATE_PRESENT);
      g_object_set (ks_session_get_client (f.session), "retry-base-delay", 10, "poll-interval", 50, NULL);

      compose_submit_export (&f, "A fox in the snow, from the keyring");
    }
  ks_library_flush (ks_session_get_library (f.session));

  /* Everything the app said and left. */
  g_mutex_lock (&log_lock);
  in_log = key_search_bytes (search, (const guint8 *) log_text->str, log_text->len);
  g_assert_nonnull (strstr (log_text->str, "Authorization: Key ***"));
  g_mutex_unlock (&log_lock);
  if (in_log != NULL)
    g_error ("The log holds %s", in_log);
  assert_no_trace_in_settings (search, ks_application_get_settings (f.app));

  roots[0] = g_get_home_dir ();
  roots[1] = g_get_user_data_dir ();
  roots[2] = g_get_user_cache_dir ();
  roots[3] = g_get_user_config_dir ();
  roots[4] = g_get_user_runtime_dir ();
  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      gboolean nested = FALSE;

      /* Each tree once. */
      for (guint j = 0; j < i; j++)
        if (g_str_has_prefix (roots[i], roots[j]))
          nested = TRUE;
      if (!nested)
        n_files += key_search_tree (search, roots[i], found, &bytes);
    }
  {
    g_autofree char *library = g_file_get_path (ks_library_get_directory (ks_session_get_library (f.session)));
    gboolean inside = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
      if (g_str_has_prefix (library, roots[i]))
        inside = TRUE;
    if (!inside)
      n_files += key_search_tree (search, library, found, &bytes);
  }

  g_test_message ("searched %u forms of the key in %" G_GSIZE_FORMAT " bytes of log and %u files (%"
                  G_GUINT64_FORMAT " bytes)", key_search_n_forms (search), log_text->len, n_files, bytes);
  if (g_test_verbose ())
    g_printerr ("searched %u forms of the key in %" G_GSIZE_FORMAT " bytes of log and %u files (%"
                G_GUINT64_FORMAT " bytes)\n", key_search_n_forms (search), log_text->len, n_files, bytes);
  for (guint i = 0; i < found->len; i++)
    g_printerr ("The key was found in %s\n", (char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);
  /* Records, their images and the exports at least. */
  g_assert_cmpuint (n_files, >=, 5);

  {
    Stored cleared = { 0 };

    ks_credentials_clear_async (base_url, 0, NULL, cleared_cb, &cleared);
    g_assert_true (ks_test_gui_wait_until (stored_done, &cleared, DEADLINE_MS));
    g_clear_error (&cleared.error);
  }

  gtk_window_destroy (GTK_WINDOW (f.window));
  ks_test_gui_spin (50);
  g_clear_object (&f.job);
  g_clear_object (&f.session);
  g_clear_object (&f.app);
  g_clear_object (&f.server);
}

int
main (int   argc,
      char *argv[])
{
  /* Debug output on, before anything logs. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_log_writer_default_set_use_stderr (TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  if (!ks_test_gui_setup (&argc, &argv))
    return g_test_run ();

  key = g_strdup_printf ("ks-test-id-%08x:ks-test-secret-%08x%08x",
                         g_random_int (), g_random_int (), g_random_int ());

  g_test_add_func ("/security/gui/key-secrecy", test_gui_session);

  return g_test_run ();
}
