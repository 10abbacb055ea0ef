/* The job tests with a library. */

#include "config.h"

#include "job-library-fixture.h"

KsLibrary *
open_library (GFile *dir)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) damaged = NULL;
  KsLibrary *library = ks_library_new (dir);

  g_assert_true (ks_library_load (library, &damaged, &error));
  g_assert_no_error (error);
  g_assert_true (damaged == NULL || damaged[0] == NULL);

  return library;
}

void
lib_set_up (LibFixture    *fixture,
            gconstpointer  data)
{
  g_autofree char *path = NULL;

  fixture_set_up (&fixture->base, data);
  path = g_build_filename (fixture->base.tmpdir, "library", NULL);
  fixture->dir = g_file_new_for_path (path);
  fixture->library = open_library (fixture->dir);
}

void
lib_tear_down (LibFixture    *fixture,
               gconstpointer  data)
{
  ks_library_flush (fixture->library);
  g_clear_object (&fixture->library);
  g_clear_object (&fixture->dir);
  fixture_tear_down (&fixture->base, data);
}

static char *
library_path (LibFixture *fixture,
              const char *relative)
{
  g_autoptr(GFile) file = g_file_resolve_relative_path (fixture->dir, relative);

  return g_file_get_path (file);
}

/* The record as it is on disk now. */
KsRecord *
read_record (LibFixture *fixture,
             const char *id)
{
  g_autofree char *relative = g_strdup_printf ("records/%s.json", id);
  g_autofree char *path = library_path (fixture, relative);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  KsRecord *record;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;

  record = ks_record_new_from_json (contents, length, &error);
  g_assert_no_error (error);

  return record;
}

KsRecordState
state_on_disk (LibFixture *fixture,
               const char *id)
{
  g_autoptr(KsRecord) record = NULL;

  ks_library_flush (fixture->library);
  record = read_record (fixture, id);
  g_assert_nonnull (record);

  return ks_record_get_state (record);
}

guint
count_files (LibFixture *fixture,
             const char *subdir)
{
  g_autofree char *path = library_path (fixture, subdir);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

void
assert_file_holds (LibFixture *fixture,
                   const char *relative,
                   GBytes     *expected)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_nonnull (relative);
  path = library_path (fixture, relative);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  if (expected != NULL)
    g_assert_cmpmem (contents, length,
                     g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

KsClient *
new_client (LibFixture *fixture)
{
  KsClient *client = ks_client_new (ks_sim_server_get_base_url (fixture->base.server));

  ks_client_set_api_key (client, "test-id:test-secret");
  g_object_set (client, "retry-base-delay", 10, "poll-interval", 50, NULL);

  return client;
}

typedef struct
{
  gboolean        done;
  gboolean        ok;
  KsResumeSummary summary;
  GPtrArray      *started;
} ResumeRun;

static void
on_job_started (KsLibrary *library,
                KsJob     *job,
                ResumeRun *run)
{
  g_ptr_array_add (run->started, g_object_ref (job));
}

static void
resume_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ResumeRun *run = user_data;
  g_autoptr(GError) error = NULL;

  run->ok = ks_library_resume_finish (KS_LIBRARY (object), result, &run->summary, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Resumes and waits; the jobs started are returned (they have ended). */
GPtrArray *
resume (KsLibrary       *library,
        KsClient        *client,
        KsResumeSummary *summary)
{
  ResumeRun run = { 0 };
  gulong handler;

  run.started = g_ptr_array_new_with_free_func (g_object_unref);
  handler = g_signal_connect (library, "job-started", G_CALLBACK (on_job_started), &run);
  ks_library_resume_async (library, client, NULL, resume_cb, &run);
  wait_for (&run.done);
  g_signal_handler_disconnect (library, handler);

  g_assert_true (run.ok);
  *summary = run.summary;

  for (guint i = 0; i < run.started->len; i++)
    g_assert_true (ks_job_state_is_finished (ks_job_get_state (g_ptr_array_index (run.started, i))));

  return run.started;
}
