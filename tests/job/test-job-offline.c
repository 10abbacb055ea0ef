/* Jobs that wait for the network, against the local fal-compatible
 * server with a network monitor the test controls. */

#include "config.h"

#include "job-library-fixture.h"
#include "test-monitor.h"

/* ---- offline ------------------------------------------------------------ */

static void
test_online_check (LibFixture    *fixture,
                   gconstpointer  data)
{
  g_autoptr(KsClient) v4 = ks_client_new ("http://127.0.0.2:8080");
  g_autoptr(KsClient) v6 = ks_client_new ("http://[::1]:8080");
  g_autoptr(KsClient) name = ks_client_new ("http://localhost:8080");
  g_autoptr(KsClient) remote = ks_client_new ("https://queue.example.com");
  g_autoptr(TestMonitor) monitor = test_monitor_new (FALSE);

  /* Loopback is reachable whatever the system's monitor says. */
  g_assert_true (ks_client_is_online (v4));
  g_assert_true (ks_client_is_online (v6));
  g_assert_true (ks_client_is_online (name));
  g_assert_true (G_IS_NETWORK_MONITOR (ks_client_get_network_monitor (remote)));

  /* A monitor given explicitly is always asked. */
  ks_client_set_network_monitor (remote, G_NETWORK_MONITOR (monitor));
  ks_client_set_network_monitor (v4, G_NETWORK_MONITOR (monitor));
  g_assert_false (ks_client_is_online (remote));
  g_assert_false (ks_client_is_online (v4));
  test_monitor_set_available (monitor, TRUE);
  g_assert_true (ks_client_is_online (remote));
  g_assert_true (ks_client_is_online (v4));
}

static KsJob *
start_offline_job (LibFixture  *fixture,
                   TestMonitor *monitor,
                   const char  *prompt,
                   GCancellable *cancellable,
                   RunResult   *run)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, prompt);
  KsJob *job;

  ks_client_set_network_monitor (fixture->base.client, G_NETWORK_MONITOR (monitor));
  g_assert_false (ks_client_is_online (fixture->base.client));

  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  start_job (job, cancellable, run);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_WAITING);
  g_assert_cmpint (state_on_disk (fixture, ks_record_get_id (ks_job_get_record (job))),
                   ==, KS_RECORD_STATE_WAITING);

  /* It stays so while offline. */
  spin_for_ms (300);
  g_assert_false (run->done);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_WAITING);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_ANY), ==, 0);

  return job;
}

static void
test_offline_then_online (LibFixture    *fixture,
                          gconstpointer  data)
{
  g_autoptr(TestMonitor) monitor = test_monitor_new (FALSE);
  RunResult run = { 0 };
  KsJob *job;

  job = start_offline_job (fixture, monitor, "Once the network is back", NULL, &run);

  /* A change that is not the network coming back changes nothing. */
  test_monitor_set_available (monitor, FALSE);
  spin_for_ms (50);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_WAITING);

  test_monitor_set_available (monitor, TRUE);
  wait_for (&run.done);
  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  g_assert_cmpint (state_on_disk (fixture, ks_record_get_id (ks_job_get_record (job))),
                   ==, KS_RECORD_STATE_COMPLETED);

  finalize_job (job);
}

static void
test_offline_cancel (LibFixture    *fixture,
                     gconstpointer  data)
{
  g_autoptr(TestMonitor) monitor = test_monitor_new (FALSE);
  RunResult run = { 0 };
  RunResult cancel = { 0 };
  KsJob *job;

  job = start_offline_job (fixture, monitor, "Never mind", NULL, &run);

  start_cancel (job, &cancel);
  wait_for (&cancel.done);
  wait_for (&run.done);
  g_assert_no_error (cancel.error);
  g_assert_true (cancel.ok);
  g_assert_error (run.error, KS_ERROR, KS_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_CANCELLED);
  g_assert_cmpint (state_on_disk (fixture, ks_record_get_id (ks_job_get_record (job))),
                   ==, KS_RECORD_STATE_CANCELLED);

  /* The network coming back later sends nothing. */
  test_monitor_set_available (monitor, TRUE);
  spin_for_ms (200);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_ANY), ==, 0);

  finalize_job (job);
}

/* A waiting record survives a restart and goes out on resume. */
static void
test_resume_waiting (LibFixture    *fixture,
                     gconstpointer  data)
{
  g_autoptr(TestMonitor) monitor = test_monitor_new (FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(KsClient) client = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autofree char *id = NULL;
  KsResumeSummary summary;
  RunResult run = { 0 };
  KsJob *job;

  job = start_offline_job (fixture, monitor, "Sent after a restart", cancellable, &run);
  id = g_strdup (ks_record_get_id (ks_job_get_record (job)));
  g_cancellable_cancel (cancellable);
  wait_for (&run.done);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&run.error);
  finalize_job (job);
  g_assert_cmpint (state_on_disk (fixture, id), ==, KS_RECORD_STATE_WAITING);

  library = open_library (fixture->dir);
  client = new_client (fixture);
  started = resume (library, client, &summary);
  g_assert_cmpuint (summary.resumed, ==, 1);
  g_assert_cmpuint (summary.completed, ==, 1);
  g_assert_cmpint (ks_record_get_state (ks_library_lookup (library, id)), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  ks_library_flush (library);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, data) \
  g_test_add (path, LibFixture, data, lib_set_up, func, lib_tear_down)

  ADD ("/job-offline/online-check", test_online_check, NULL);
  ADD ("/job-offline/then-online", test_offline_then_online, NULL);
  ADD ("/job-offline/cancel", test_offline_cancel, NULL);
  ADD ("/job-offline/resume-waiting", test_resume_waiting, NULL);

#undef ADD

  return g_test_run ();
}
