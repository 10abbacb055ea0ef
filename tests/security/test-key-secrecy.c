/* The key kept secret through a whole session: kontext-cli runs every
 * command against the local service with debug output on, the key given
 * once through FAL_KEY and once through the keyring; results are exported
 * with their recipe as the app exports them. Then every byte the programs
 * printed and every file under the session's home, XDG dirs, library and
 * output is searched for the key in each form it could take. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "key-search.h"
#include "security-util.h"

static const char *cli_path;
static char *key;

typedef struct
{
  KsSimServer *server;
  char        *root;       /* everything the session may write to */
  char        *home;
  char        *library;    /* where kontext-cli keeps it by default */
  char        *out;
  char        *reference;
  GString     *transcript; /* all stdout and stderr */
  gboolean     keyring;    /* the key from the keyring, not FAL_KEY */
} Session;

/* ---- Running kontext-cli ------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  int       status;
  char     *out;
  char     *err;
} CliRun;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  CliRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (G_SUBPROCESS (object)));
  run->status = g_subprocess_get_exit_status (G_SUBPROCESS (object));
  run->done = TRUE;
}

/* Runs kontext-cli in a clean environment that points every directory
 * into the session, with all debug output on. Returns the exit status. */
static int
run_cli (Session            *session,
         const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 2 * WAIT_LIMIT_S * G_USEC_PER_SEC;
  const char *bus = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *path = g_getenv ("PATH");
  CliRun run = { 0 };
  const char *dirs[][2] = {
    { "XDG_DATA_HOME", "data" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
    { "TMPDIR", "tmp" },
  };
  int status;

  g_subprocess_launcher_set_environ (launcher, NULL);
  g_subprocess_launcher_set_cwd (launcher, session->home);
  g_subprocess_launcher_setenv (launcher, "PATH", path != NULL ? path : "/usr/bin:/bin", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", session->home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (session->root, dirs[i][1], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_subprocess_launcher_setenv (launcher, dirs[i][0], dir, TRUE);
    }
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "gc-friendly", TRUE);
  if (session->keyring)
    {
      g_assert_nonnull (bus);
      g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", bus, TRUE);
    }
  else
    {
      g_subprocess_launcher_setenv (launcher, "FAL_KEY", key, TRUE);
      g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
    }

  g_ptr_array_add (argv, g_strdup (cli_path));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  if (!g_str_equal (args[0], "list"))
    {
      g_ptr_array_add (argv, g_strdup_printf ("--base-url=%s", ks_sim_server_get_base_url (session->server)));
      g_ptr_array_add (argv, g_strdup ("--retry-delay=10"));
      g_ptr_array_add (argv, g_strdup ("--poll-interval=50"));
    }
  g_ptr_array_add (argv, NULL);

  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (subprocess, NULL, NULL, communicate_cb, &run);
  while (!run.done)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("kontext-cli %s did not finish", args[0]);
    }

  g_string_append_printf (session->transcript, "$ kontext-cli %s …\n%s%s[exit %d]\n",
                          args[0], run.out, run.err, run.status);
  if (g_test_verbose ())
    g_printerr ("$ kontext-cli %s: exit %d (%" G_GSIZE_FORMAT " bytes out, %" G_GSIZE_FORMAT " bytes err)\n",
                args[0], run.status, strlen (run.out), strlen (run.err));

  status = run.status;
  g_free (run.out);
  g_free (run.err);

  return status;
}

static void
assert_run (Session            *session,
            int                 expected,
            const char * const *args)
{
  int status = run_cli (session, args);

  if (status != expected)
    g_error ("kontext-cli %s: exit %d, expected %d\n%s", args[0], status, expected,
             session->transcript->str);
}

/* ---- The session ---------------------------------------------------------------- */

static char *
first_request_id (Session *session)
{
  g_autoptr(GFile) directory = NULL;
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *records;

  directory = g_file_new_for_path (session->library);
  library = ks_library_new (directory);
  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  records = ks_library_get_records (library);

  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, i);

      if (ks_record_get_request_id (record) != NULL)
        return g_strdup (ks_record_get_request_id (record));
    }

  g_error ("No record with a request id in %s", session->library);
  return NULL;
}

/* Without a MIME database (isolated dirs), the loader is told the type. */
static GdkPixbuf *
load_image (const char *path)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  loader = gdk_pixbuf_loader_new_with_type (g_str_has_suffix (path, ".png") ? "png" : "jpeg", &error);
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_write (loader, (const guchar *) contents, length, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);

  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/* Every record's images, exported as the app exports them: PNG and JPEG
 * with the recipe embedded. Returns how many files were written. */
static guint
export_with_recipes (Session *session)
{
  g_autoptr(GFile) directory = g_file_new_for_path (session->library);
  g_autoptr(KsLibrary) library = ks_library_new (directory);
  g_autofree char *exports = g_build_filename (session->home, "Pictures", NULL);
  g_autoptr(GError) error = NULL;
  GListModel *records;
  guint n = 0;

  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (exports, 0700), ==, 0);
  records = ks_library_get_records (library);

  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, i);
      GPtrArray *images = ks_record_get_images (record);

      for (guint j = 0; j < images->len; j++)
        {
          const KsRecordImage *image = g_ptr_array_index (images, j);
          g_autoptr(GFile) file = NULL;
          g_autoptr(GdkPixbuf) pixbuf = NULL;
          g_autoptr(KsRecipe) recipe = NULL;
          g_autofree char *path = NULL;

          if (image->file == NULL)
            continue;
          file = ks_library_resolve (library, image->file);
          path = g_file_get_path (file);
          pixbuf = load_image (path);
          recipe = ks_recipe_new_for_record (record, image->index);

          for (guint f = 0; f < 2; f++)
            {
              const char *format = f == 0 ? "png" : "jpeg";
              g_autoptr(GBytes) bytes = ks_recipe_encode_image (pixbuf, format, 90, recipe, &error);
              g_autoptr(KsRecipe) back = NULL;
              g_autofree char *name = g_strdup_printf ("%s-%u.%s", ks_record_get_id (record), j, f == 0 ? "png" : "jpg");
              g_autofree char *target = g_build_filename (exports, name, NULL);

              g_assert_no_error (error);
              /* The recipe really is in there. */
              back = ks_recipe_read_from_bytes (bytes, &error);
              g_assert_no_error (error);
              g_assert_nonnull (back);
              g_assert_cmpstr (ks_recipe_get_record_id (back), ==, ks_record_get_id (record));
              g_assert_true (g_file_set_contents (target, g_bytes_get_data (bytes, NULL),
                                                  g_bytes_get_size (bytes), &error));
              g_assert_no_error (error);
              n++;
            }
        }
    }

  return n;
}

static void
write_reference (Session *session)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 160, 120);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, 0xc08040ff);
  session->reference = g_build_filename (session->home, "kitchen.png", NULL);
  g_assert_true (gdk_pixbuf_save (pixbuf, session->reference, "png", &error, NULL));
  g_assert_no_error (error);
}

static void
session_init (Session  *session,
              gboolean  keyring)
{
  g_autoptr(GError) error = NULL;

  session->keyring = keyring;
  session->server = ks_sim_server_new ();
  g_object_set (session->server,
                "queue-delay", 50, "run-time", 150, "log-lines", 3,
                "ping-interval", 50, "retry-after", 0,
                "api-key", key,     /* any other key is refused: the key is really used */
                NULL);
  g_assert_true (ks_sim_server_listen (session->server, 0, &error));
  g_assert_no_error (error);

  session->root = g_dir_make_tmp ("ks-sec-session-XXXXXX", &error);
  g_assert_no_error (error);
  session->home = g_build_filename (session->root, "home", NULL);
  session->library = g_build_filename (session->root, "data", "kontext-studio", "library", NULL);
  session->out = g_build_filename (session->home, "shots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (session->home, 0700), ==, 0);
  session->transcript = g_string_new (NULL);
  write_reference (session);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
session_clear (Session *session)
{
  remove_tree (session->root);
  g_clear_object (&session->server);
  g_free (session->root);
  g_free (session->home);
  g_free (session->library);
  g_free (session->out);
  g_free (session->reference);
  g_string_free (session->transcript, TRUE);
}

/* Searches everything the session left; fails on any trace of the key. */
static void
assert_no_trace (Session *session)
{
  g_autoptr(KeySearch) search = key_search_new (key);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *in_transcript = NULL;
  guint64 bytes = 0;
  guint n_files;

  in_transcript = key_search_bytes (search, (const guint8 *) session->transcript->str,
                                    session->transcript->len);
  if (in_transcript != NULL)
    g_error ("The programs printed %s:\n%s", in_transcript, session->transcript->str);

  n_files = key_search_tree (search, session->root, found, &bytes);
  g_test_message ("searched %u forms of the key in %" G_GSIZE_FORMAT " bytes of output and %u files (%"
                  G_GUINT64_FORMAT " bytes)", key_search_n_forms (search), session->transcript->len,
                  n_files, bytes);
  if (g_test_verbose ())
    g_printerr ("searched %u forms of the key in %" G_GSIZE_FORMAT " bytes of output and %u files (%"
                G_GUINT64_FORMAT " bytes)\n", key_search_n_forms (search), session->transcript->len,
                n_files, bytes);

  for (guint i = 0; i < found->len; i++)
    g_printerr ("The key was found in %s\n", (char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);

  /* The search covered a real session: records, images, sidecars,
   * references, exports, and plenty of debug output. */
  g_assert_cmpuint (n_files, >=, 12);
  g_assert_nonnull (strstr (session->transcript->str, "ks-client-DEBUG"));
  g_assert_nonnull (strstr (session->transcript->str, "Authorization: Key ***"));
}

/* ---- The tests ------------------------------------------------------------------ */

static void
run_session (Session *session)
{
  g_autofree char *request_id = NULL;
  g_autofree char *result_dir = g_build_filename (session->home, "again", NULL);

  {
    const char *args[] = { "edit", "--image", session->reference, "--prompt", "Put a donut next to the flour",
                           "--num-images", "2", "--format", "png", "--seed", "15860307465884635512",
                           "--upload", "--out", session->out, NULL };
    assert_run (session, 0, args);
  }
  {
    const char *args[] = { "generate", "--prompt", "A lighthouse at dusk", "--format", "jpeg",
                           "--sync-mode", "--json", "--out", session->out, NULL };
    assert_run (session, 0, args);
  }
  {
    /* Errors on the way: a refused status stream, a failing result (retried). */
    const char *args[] = { "generate", "--prompt", "A fox in the snow", "--out", session->out, NULL };

    ks_sim_server_add_fault (session->server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_REFUSE, 1);
    ks_sim_server_add_fault (session->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_500, 1);
    assert_run (session, 0, args);
  }
  {
    /* A submit the service refuses: the error is printed. */
    const char *args[] = { "generate", "--prompt", "A locked account", "--poll", NULL };

    ks_sim_server_add_fault (session->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_403, 1);
    assert_run (session, 5, args);
  }

  request_id = first_request_id (session);
  {
    const char *args[] = { "status", request_id, NULL };
    assert_run (session, 0, args);
  }
  {
    const char *args[] = { "result", request_id, "--out", result_dir, NULL };
    assert_run (session, 0, args);
  }
  {
    const char *args[] = { "resume", NULL };
    run_cli (session, args);
  }
  {
    const char *args[] = { "list", "--json", NULL };
    assert_run (session, 0, args);
  }

  g_assert_cmpuint (export_with_recipes (session), >=, 8);
  assert_no_trace (session);
}

static void
test_key_from_environment (void)
{
  Session session = { 0 };

  session_init (&session, FALSE);
  run_session (&session);
  g_assert_nonnull (strstr (session.transcript->str, "from the environment"));
  session_clear (&session);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Stored;

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Stored *stored = user_data;

  stored->ok = ks_credentials_store_finish (result, &stored->error);
  stored->done = TRUE;
}

static void
cleared_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Stored *stored = user_data;

  stored->ok = ks_credentials_clear_finish (result, &stored->error);
  stored->done = TRUE;
}

static void
wait_stored (Stored *stored)
{
  while (!stored->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_key_from_keyring (void)
{
  Session session = { 0 };
  Stored stored = { 0 };

  session_init (&session, TRUE);

  g_unsetenv ("FAL_KEY");
  ks_credentials_store_async (ks_sim_server_get_base_url (session.server), key, 0, NULL,
                              stored_cb, &stored);
  wait_stored (&stored);
  if (g_error_matches (stored.error, KS_ERROR, KS_ERROR_KEYRING) &&
      g_strcmp0 (g_getenv ("KS_TEST_NO_KEYRING"), "1") == 0)
    {
      g_test_skip ("KS_TEST_NO_KEYRING=1: no keyring to take the key from");
      g_clear_error (&stored.error);
      session_clear (&session);
      return;
    }
  if (stored.error != NULL)
    g_error ("The key could not be stored in the keyring (run under a D-Bus session with an "
             "unlocked keyring, or set KS_TEST_NO_KEYRING=1): %s", stored.error->message);

  run_session (&session);
  g_assert_nonnull (strstr (session.transcript->str, "keyring"));
  g_assert_null (strstr (session.transcript->str, "from the environment"));

  stored.done = FALSE;
  ks_credentials_clear_async (ks_sim_server_get_base_url (session.server), 0, NULL, cleared_cb, &stored);
  wait_stored (&stored);
  g_assert_no_error (stored.error);
  session_clear (&session);
}

/* ---- The search can fail ------------------------------------------------------------ */

static void
assert_found (const char *name,
              const char *contents,
              gsize       length)
{
  g_autoptr(KeySearch) search = key_search_new (key);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-sec-plant-XXXXXX", &error);
  g_autofree char *sub = g_build_filename (dir, "deep", "er", NULL);
  g_autofree char *path = g_build_filename (sub, name, NULL);

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, length, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (key_search_tree (search, dir, found, NULL), ==, 1);
  if (found->len != 1)
    g_error ("A key planted in %s was not found", name);
  if (g_test_verbose ())
    g_printerr ("planted, found: %s\n", (char *) g_ptr_array_index (found, 0));

  g_unlink (path);
  remove_tree (dir);
}

static void
test_search_finds_planted_keys (void)
{
  g_autoptr(KeySearch) search = key_search_new (key);
  const char *secret = strchr (key, ':') + 1;
  g_autoptr(GError) error = NULL;

  /* A clean file is clean. */
  {
    static const char clean[] = "Authorization: Key ***\nnothing to see here\n";

    g_assert_null (key_search_bytes (search, (const guint8 *) clean, strlen (clean)));
  }

  /* As it is, in a log line. */
  {
    g_autofree char *text = g_strdup_printf ("debug: POST … (Authorization: Key %s)\n", key);
    assert_found ("session.log", text, strlen (text));
  }

  /* Only the secret half, in a JSON record. */
  {
    g_autofree char *text = g_strdup_printf ("{\"note\":\"%s\"}", secret);
    assert_found ("record.json", text, strlen (text));
  }

  /* Percent-encoded, in a URL. */
  {
    g_autofree char *escaped = g_uri_escape_string (key, NULL, FALSE);
    g_autofree char *text = g_strdup_printf ("https://example.com/?k=%s", escaped);
    assert_found ("url.txt", text, strlen (text));
  }

  /* In base64, at each alignment, in both alphabets. */
  for (guint offset = 0; offset < 3; offset++)
    for (guint safe = 0; safe < 2; safe++)
      {
        g_autofree char *plain = g_strdup_printf ("%.*sBasic %s", offset, "xyz", key);
        g_autofree char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));
        g_autofree char *text = NULL;

        if (safe)
          for (char *p = encoded; *p != '\0'; p++)
            *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
        text = g_strdup_printf ("{\"blob\":\"%s\"}", encoded);
        assert_found ("blob.json", text, strlen (text));
      }

  /* zlib-compressed, inside binary data. */
  {
    g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
    g_autofree char *plain = g_strdup_printf ("KontextStudio:Recipe {\"x\":\"%s\"}", key);
    guint8 buffer[4096];
    gsize bytes_read = 0;
    gsize bytes_written = 0;
    GByteArray *data = g_byte_array_new ();
    g_autoptr(GBytes) bytes = NULL;

    for (guint i = 0; i < 300; i++)
      {
        guint8 noise = (guint8) g_random_int_range (0, 256);
        g_byte_array_append (data, &noise, 1);
      }
    g_assert_cmpint (g_converter_convert (G_CONVERTER (compressor), plain, strlen (plain),
                                          buffer, sizeof buffer, G_CONVERTER_INPUT_AT_END,
                                          &bytes_read, &bytes_written, &error), ==, G_CONVERTER_FINISHED);
    g_assert_no_error (error);
    /* Not there as it is: only inflating finds it. */
    {
      g_autofree char *form = key_search_bytes (search, buffer, bytes_written);

      g_assert_nonnull (form);
      g_assert_nonnull (strstr (form, "zlib-compressed"));
    }
    g_byte_array_append (data, buffer, bytes_written);
    g_byte_array_append (data, (const guint8 *) "trailer", 7);
    bytes = g_byte_array_free_to_bytes (data);
    assert_found ("image.bin", g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }

  /* In a PNG's text, as gdk-pixbuf writes it. */
  {
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 16);
    g_autofree char *png = NULL;
    gsize size = 0;

    gdk_pixbuf_fill (pixbuf, 0x102030ff);
    g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &size, "png", &error,
                                              "tEXt::Comment", key, NULL));
    g_assert_no_error (error);
    assert_found ("export.png", png, size);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  cli_path = argc > 1 ? argv[1] : g_getenv ("KONTEXT_CLI");
  if (cli_path == NULL)
    g_error ("Pass the path of kontext-cli as the first argument or in KONTEXT_CLI");

  /* Distinctive, and new for every run. */
  key = g_strdup_printf ("ks-test-id-%08x:ks-test-secret-%08x%08x",
                         g_random_int (), g_random_int (), g_random_int ());

  g_test_add_func ("/security/key/search-finds-planted-keys", test_search_finds_planted_keys);
  g_test_add_func ("/security/key/from-environment", test_key_from_environment);
  g_test_add_func ("/security/key/from-keyring", test_key_from_keyring);

  return g_test_run ();
}
