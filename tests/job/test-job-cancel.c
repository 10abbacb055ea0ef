/* Cancelling jobs, and many jobs at once, against the local
 * fal-compatible server. */

#include "config.h"

#include "job-fixture.h"

/* ---- cancel ------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} CancelResult;

static void
cancel_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CancelResult *cancel = user_data;

  cancel->ok = ks_job_cancel_finish (KS_JOB (object), result, &cancel->error);
  cancel->done = TRUE;
}

static void
cancel_when_known (KsJob           *job,
                   const KsRequest *request,
                   CancelResult    *cancel)
{
  ks_job_cancel_async (job, NULL, cancel_cb, cancel);
}

static void
test_cancel_queued (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Never mind");
  CancelResult cancel = { 0 };
  RunResult run = { 0 };
  KsJob *job;

  g_object_set (fixture->server, "queue-delay", 20000, NULL);
  job = ks_job_new (fixture->client, params);
  g_signal_connect (job, "request-known", G_CALLBACK (cancel_when_known), &cancel);
  start_job (job, NULL, &run);
  wait_for (&cancel.done);
  g_assert_no_error (cancel.error);
  g_assert_true (cancel.ok);

  wait_for (&run.done);
  g_assert_false (run.ok);
  g_assert_error (run.error, KS_ERROR, KS_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_CANCELLED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_CANCEL), ==, 1);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_RESULT), ==, 0);

  finalize_job (job);
}

static void
test_cancel_after_completion (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Done already");
  g_autoptr(GError) error = NULL;
  CancelResult cancel = { 0 };
  KsJob *job;

  job = ks_job_new (fixture->client, params);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  ks_job_cancel_async (job, NULL, cancel_cb, &cancel);
  wait_for (&cancel.done);
  g_assert_false (cancel.ok);
  g_assert_error (cancel.error, KS_ERROR, KS_ERROR_ALREADY_COMPLETED);
  g_clear_error (&cancel.error);
  /* Reported truthfully: the job stays completed, its images stay. */
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 1);

  finalize_job (job);
}

static void
cancel_when_submitting (KsJob        *job,
                        GParamSpec   *pspec,
                        CancelResult *cancel)
{
  if (ks_job_get_state (job) == KS_JOB_STATE_SUBMITTING)
    {
      g_assert_null (ks_job_get_request_id (job));
      ks_job_cancel_async (job, NULL, cancel_cb, cancel);
    }
}

static void
test_cancel_before_request_id (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Changed my mind");
  CancelResult cancel = { 0 };
  RunResult run = { 0 };
  KsJob *job;

  g_object_set (fixture->server, "queue-delay", 20000, NULL);
  job = ks_job_new (fixture->client, params);
  g_signal_connect (job, "notify::state", G_CALLBACK (cancel_when_submitting), &cancel);
  start_job (job, NULL, &run);

  wait_for (&run.done);
  g_assert_error (run.error, KS_ERROR, KS_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_true (cancel.done);
  g_assert_no_error (cancel.error);
  g_assert_true (cancel.ok);

  /* The cancel went out once the service had named the request. */
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_CANCELLED);
  g_assert_nonnull (ks_job_get_request_id (job));
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_CANCEL), ==, 1);

  finalize_job (job);
}

static void
test_cancel_while_preparing (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, "Not this one");
  g_autofree char *path = write_reference (fixture, "ref.png", 0x00ff00ff);
  CancelResult cancel = { 0 };
  RunResult run = { 0 };
  KsJob *job;

  ks_params_add_reference (params, path);
  job = ks_job_new (fixture->client, params);
  start_job (job, NULL, &run);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_PREPARING);
  ks_job_cancel_async (job, NULL, cancel_cb, &cancel);

  wait_for (&run.done);
  wait_for (&cancel.done);
  g_assert_true (cancel.ok);
  g_assert_error (run.error, KS_ERROR, KS_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_CANCELLED);
  /* Nothing was sent, so nothing is billed. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 0);

  finalize_job (job);
}

static void
test_local_stop (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Stop watching");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunResult run = { 0 };
  double elapsed;
  KsJob *job;

  g_object_set (fixture->server, "queue-delay", 20000, NULL);
  job = ks_job_new (fixture->client, params);
  start_job (job, cancellable, &run);
  while (ks_job_get_request_id (job) == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_cancellable_cancel (cancellable);
  wait_for (&run.done);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&run.error);

  /* Not cancelled on the service, and the clock stopped. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_CANCEL), ==, 0);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_IN_QUEUE);
  elapsed = ks_job_get_elapsed (job);
  spin_for_ms (50);
  g_assert_cmpfloat (ks_job_get_elapsed (job), ==, elapsed);

  finalize_job (job);
}

/* ---- many at once ------------------------------------------------------- */

static void
on_extra_known (KsJob           *job,
                const KsRequest *request,
                gpointer         user_data)
{
  KsJob **jobs = user_data;
  guint *n_finished_at_known = g_object_get_data (G_OBJECT (job), "n-finished");

  *n_finished_at_known = 0;
  for (guint i = 0; i < 16; i++)
    if (ks_job_state_is_finished (ks_job_get_state (jobs[i])))
      (*n_finished_at_known)++;
}

static void
test_sixteen_concurrent (Fixture       *fixture,
                         gconstpointer  data)
{
  KsJob *jobs[16];
  RunResult runs[16] = { { 0 } };
  g_autoptr(KsParams) extra_params = make_params (KS_MODE_TEXT_TO_IMAGE, "One more");
  RunResult extra_run = { 0 };
  guint n_finished_at_known = G_MAXUINT;
  KsJob *extra;
  gboolean all_known = FALSE;

  g_object_set (fixture->server, "workers", 16, "queue-delay", 50, "run-time", 3000, NULL);

  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Crowd");

      jobs[i] = ks_job_new (fixture->client, params);
      start_job (jobs[i], NULL, &runs[i]);
    }

  /* Every job has its stream open: a submit must still get through. */
  while (!all_known)
    {
      g_main_context_iteration (NULL, TRUE);
      all_known = TRUE;
      for (guint i = 0; i < 16; i++)
        all_known &= ks_job_get_state (jobs[i]) >= KS_JOB_STATE_IN_QUEUE;
    }

  extra = ks_job_new (fixture->client, extra_params);
  g_object_set_data (G_OBJECT (extra), "n-finished", &n_finished_at_known);
  g_signal_connect (extra, "request-known", G_CALLBACK (on_extra_known), jobs);
  start_job (extra, NULL, &extra_run);

  for (guint i = 0; i < 16; i++)
    {
      wait_for (&runs[i].done);
      g_assert_no_error (runs[i].error);
      g_assert_true (runs[i].ok);
      g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (jobs[i])), ==, 1);
    }
  wait_for (&extra_run.done);
  g_assert_no_error (extra_run.error);

  /* The extra submit was answered while the sixteen were still running
   * (each runs for seconds; a submit takes milliseconds). */
  g_assert_cmpuint (n_finished_at_known, <, 16);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 17);

  for (guint i = 0; i < 16; i++)
    finalize_job (jobs[i]);
  finalize_job (extra);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/job/cancel/queued", test_cancel_queued);
  ADD ("/job/cancel/after-completion", test_cancel_after_completion);
  ADD ("/job/cancel/before-request-id", test_cancel_before_request_id);
  ADD ("/job/cancel/while-preparing", test_cancel_while_preparing);
  ADD ("/job/cancel/local-stop", test_local_stop);
  ADD ("/job/concurrent", test_sixteen_concurrent);

#undef ADD

  return g_test_run ();
}
