/* What the kontext-cli tests share: a local server, a temporary
 * directory, and running the built program as a script would. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cli-test-util.h"

const char *cli_path;

void
cli_test_init (int    *argc,
               char ***argv)
{
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  cli_path = g_getenv ("KONTEXT_CLI");
  if (*argc > 1)
    cli_path = (*argv)[1];
  if (cli_path == NULL)
    g_error ("Pass the path of kontext-cli as the first argument or in KONTEXT_CLI");
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 100,
                "run-time", 200,
                "log-lines", 3,
                "ping-interval", 100,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);

  fixture->tmpdir = g_dir_make_tmp ("ks-test-cli-XXXXXX", &error);
  g_assert_no_error (error);
  /* Not created: the program makes it. */
  fixture->outdir = g_build_filename (fixture->tmpdir, "out", "nested", NULL);
  fixture->library = g_build_filename (fixture->tmpdir, "library", NULL);
}

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->outdir);
  g_free (fixture->library);
  g_clear_object (&fixture->server);
}

void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  GSubprocess *subprocess = G_SUBPROCESS (object);

  g_subprocess_communicate_utf8_finish (subprocess, result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (subprocess));
  run->exit_status = g_subprocess_get_exit_status (subprocess);
  run->done = TRUE;
}

gboolean
deadline_cb (gpointer data)
{
  g_error ("kontext-cli did not finish within %d s", DEADLINE_SECONDS);
  return G_SOURCE_REMOVE;
}

GSubprocessLauncher *
make_launcher (Fixture    *fixture,
               const char *key)
{
  GSubprocessLauncher *launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_set_cwd (launcher, fixture->tmpdir);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", key, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "KONTEXT_BASE_URL");
  /* Never a real keyring from a test. */
  g_subprocess_launcher_setenv (launcher, "KS_TEST_NO_KEYRING", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_LIBRARY_DIR", fixture->library, TRUE);

  return launcher;
}

/* Runs kontext-cli with @args (NULL-terminated, after the program name)
 * plus the base URL and fast retries, iterating the main context so the
 * in-process server answers. */
void
run_cli_with_key (Fixture            *fixture,
                  const char         *key,
                  Run                *run,
                  const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = make_launcher (fixture, key);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  guint deadline;

  g_ptr_array_add (argv, (char *) cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, (char *) "--base-url");
  g_ptr_array_add (argv, (char *) ks_sim_server_get_base_url (fixture->server));
  g_ptr_array_add (argv, (char *) "--retry-delay=10");
  g_ptr_array_add (argv, (char *) "--poll-interval=50");
  g_ptr_array_add (argv, NULL);

  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  deadline = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);
  g_subprocess_communicate_utf8_async (subprocess, NULL, NULL, communicate_cb, run);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);

  if (g_test_verbose ())
    g_printerr ("--- stdout\n%s--- stderr\n%s--- exit %d\n", run->out, run->err, run->exit_status);
}

void
run_cli (Fixture            *fixture,
         Run                *run,
         const char * const *args)
{
  run_cli_with_key (fixture, TEST_KEY, run, args);
}

void
assert_exit (Run *run,
             int  expected)
{
  if (run->exit_status != expected)
    g_error ("Expected exit status %d, got %d.\nstdout:\n%s\nstderr:\n%s",
             expected, run->exit_status, run->out, run->err);
}

void
assert_no_key (const char *text)
{
  g_assert_null (strstr (text, KEY_SECRET));
}

char *
write_reference (Fixture *fixture)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 256, 192);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->tmpdir, "kitchen.png", NULL);

  gdk_pixbuf_fill (pixbuf, 0xe0c090ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);

  return path;
}
