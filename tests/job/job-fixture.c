/* Shared set-up of the job tests. */

#include "config.h"

#include <glib/gstdio.h>

#include "job-fixture.h"
#include "../ks-test-time.h"

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 100,
                /* Long enough for the client to see each log line, however
                 * slowly this build runs. */
                "run-time", 250 * ks_test_time_scale (),
                "log-lines", 4,
                "workers", 4,
                "ping-interval", 100,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);

  fixture->client = ks_client_new (ks_sim_server_get_base_url (fixture->server));
  ks_client_set_api_key (fixture->client, "test-id:test-secret");
  g_object_set (fixture->client,
                "retry-base-delay", 10,
                "poll-interval", 50,
                NULL);

  fixture->tmpdir = g_dir_make_tmp ("ks-test-job-XXXXXX", &error);
  g_assert_no_error (error);
}

void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        {
          g_chmod (child, 0700);
          remove_tree (child);
        }
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);

  g_clear_object (&fixture->client);
  g_clear_object (&fixture->server);
}

static gboolean
deadline_cb (gpointer data)
{
  g_error ("Test did not finish within %d s", DEADLINE_SECONDS);
  return G_SOURCE_REMOVE;
}

void
wait_for (gboolean *flag)
{
  guint deadline = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (deadline);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
spin_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
finalize_job (KsJob *job)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (G_OBJECT (job)->ref_count > 1 && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  g_assert_finalize_object (job);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  RunResult *run = user_data;

  run->ok = ks_job_run_finish (KS_JOB (object), result, &run->error);
  run->done = TRUE;
}

void
start_job (KsJob        *job,
           GCancellable *cancellable,
           RunResult    *run)
{
  ks_job_run_async (job, cancellable, run_cb, run);
}

static void
cancel_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  RunResult *cancel = user_data;

  cancel->ok = ks_job_cancel_finish (KS_JOB (object), result, &cancel->error);
  cancel->done = TRUE;
}

void
start_cancel (KsJob     *job,
              RunResult *cancel)
{
  ks_job_cancel_async (job, NULL, cancel_done_cb, cancel);
}

gboolean
run_job (KsJob   *job,
         GError **error)
{
  RunResult run = { 0 };

  start_job (job, NULL, &run);
  wait_for (&run.done);

  if (run.error != NULL)
    g_propagate_error (error, run.error);

  return run.ok;
}

KsParams *
make_params (KsMode      mode,
             const char *prompt)
{
  KsParams *params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, mode));

  ks_params_set_prompt (params, prompt);

  return params;
}

char *
write_reference (Fixture    *fixture,
                 const char *name,
                 guint32     rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 200);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->tmpdir, name, NULL);

  gdk_pixbuf_fill (pixbuf, rgba);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);

  return path;
}
