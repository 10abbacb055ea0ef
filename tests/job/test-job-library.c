/* Jobs that write ahead into the library and resume after a restart,
 * against the local fal-compatible server. */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "job-library-fixture.h"

/* ---- write-ahead -------------------------------------------------------- */

typedef struct
{
  LibFixture *fixture;
  guint       submits_before;
  gboolean    checked_submitting;
  gboolean    checked_in_queue;
} AheadCheck;

static void
on_ahead_state (KsJob      *job,
                GParamSpec *pspec,
                AheadCheck *check)
{
  LibFixture *fixture = check->fixture;
  KsRecord *live = ks_job_get_record (job);
  g_autoptr(KsRecord) disk = NULL;

  if (ks_job_get_state (job) == KS_JOB_STATE_SUBMITTING)
    {
      const KsRecordReference *ref;

      /* The submit is about to go out: the server has seen nothing, and
       * the record is on disk already, complete. */
      g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT),
                        ==, check->submits_before);
      disk = read_record (fixture, ks_record_get_id (live));
      g_assert_nonnull (disk);
      g_assert_cmpint (ks_record_get_state (disk), ==, KS_RECORD_STATE_SUBMITTING);
      g_assert_cmpint (ks_record_get_submitted (disk), >, 0);
      g_assert_cmpstr (ks_record_get_prompt (disk), ==, ks_params_get_prompt (ks_job_get_params (job)));
      g_assert_cmpuint (ks_record_get_references (disk)->len, ==, 1);
      ref = g_ptr_array_index (ks_record_get_references (disk), 0);
      g_assert_nonnull (ref->sha256);
      g_assert_null (ref->url);
      g_assert_cmpstr (ref->source_name, ==, "flour.png");
      assert_file_holds (fixture, ref->file, NULL);
      check->checked_submitting = TRUE;
    }
  else if (ks_job_get_state (job) == KS_JOB_STATE_IN_QUEUE)
    {
      g_assert_true (check->checked_submitting);
      ks_library_flush (fixture->library);
      disk = read_record (fixture, ks_record_get_id (live));
      g_assert_cmpint (ks_record_get_state (disk), ==, KS_RECORD_STATE_IN_QUEUE);
      g_assert_nonnull (ks_job_get_request_id (job));
      g_assert_cmpstr (ks_record_get_request_id (disk), ==, ks_job_get_request_id (job));
      check->checked_in_queue = TRUE;
    }
}

static KsJob *
run_edit_job (LibFixture *fixture,
              const char *reference,
              const char *prompt,
              int         num_images)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, prompt);
  g_autoptr(GError) error = NULL;
  AheadCheck check = { fixture, 0, FALSE, FALSE };
  KsJob *job;

  ks_params_add_reference (params, reference);
  ks_params_set_num_images (params, num_images);
  check.submits_before = ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT);
  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  g_assert_nonnull (job);
  g_assert_true (ks_job_get_library (job) == fixture->library);
  g_assert_true (ks_record_get_job (ks_job_get_record (job)) == job);

  g_signal_connect (job, "notify::state", G_CALLBACK (on_ahead_state), &check);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);
  g_signal_handlers_disconnect_by_data (job, &check);

  g_assert_true (check.checked_submitting);
  g_assert_true (check.checked_in_queue);

  return job;
}

static void
test_write_ahead (LibFixture    *fixture,
                  gconstpointer  data)
{
  g_autofree char *reference = write_reference (&fixture->base, "flour.png", 0xd0a070ff);
  g_autoptr(KsRecord) disk = NULL;
  g_autoptr(KsRecord) disk2 = NULL;
  g_autofree char *record_id = NULL;
  const KsRecordReference *ref, *ref2;
  KsRecord *record;
  KsJob *job, *job2;

  job = run_edit_job (fixture, reference, "A donut on the flour [nsfw]", 3);
  record = ks_job_get_record (job);
  record_id = g_strdup (ks_record_get_id (record));

  /* The live record: done, and no longer naming its job. */
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_null (ks_record_get_job (record));
  g_assert_true (ks_library_lookup (fixture->library, record_id) == record);

  /* And on disk, every field. */
  ks_library_flush (fixture->library);
  disk = read_record (fixture, record_id);
  g_assert_cmpint (ks_record_get_state (disk), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpstr (ks_record_get_request_id (disk), ==, ks_job_get_request_id (job));
  g_assert_cmpstr (ks_record_get_seed (disk), ==, ks_job_get_seed (job));
  g_assert_nonnull (ks_record_get_seed (disk));
  g_assert_cmpfloat (ks_record_get_inference_time (disk), >=, 0);
  g_assert_cmpfloat (ks_record_get_queue_time (disk), >=, 0);
  g_assert_cmpfloat (ks_record_get_total_time (disk), >, 0);
  g_assert_cmpfloat (ks_record_get_total_time (disk), >=, ks_record_get_queue_time (disk));
  g_assert_cmpint (ks_record_get_finished (disk), >=, ks_record_get_submitted (disk));
  g_assert_cmpint (ks_record_get_submitted (disk), >=, ks_record_get_created (disk));
  g_assert_cmpuint (ks_record_get_cost (disk), ==, ks_params_get_cost (ks_job_get_params (job)));
  g_assert_cmpuint (ks_record_get_cost (disk), >, 0);
  g_assert_cmpuint (ks_record_get_n_logs (disk), >, 0);
  g_assert_nonnull (ks_record_get_logs_summary (disk));
  g_assert_null (ks_record_get_error_code (disk));
  g_assert_cmpstr (ks_record_get_base_url (disk), ==, ks_sim_server_get_base_url (fixture->base.server));
  g_assert_false (ks_record_get_simulated (disk));

  /* Every image on disk, as downloaded, with its flag. */
  g_assert_cmpuint (ks_record_get_images (disk)->len, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(KsJobImage) image = g_list_model_get_item (ks_job_get_images (job), i);
      const KsRecordImage *entry = ks_record_get_image (disk, i);

      g_assert_nonnull (entry);
      g_assert_cmpint (entry->has_nsfw_concepts, ==, i % 2 == 0);
      g_assert_cmpint (entry->width, ==, ks_job_image_get_width (image));
      assert_file_holds (fixture, entry->file, ks_job_image_get_bytes (image));
    }
  g_assert_cmpuint (count_files (fixture, "images"), ==, 3);

  /* A second job with the same reference: stored once. */
  job2 = run_edit_job (fixture, reference, "The flour, again", 1);
  ks_library_flush (fixture->library);
  disk2 = read_record (fixture, ks_record_get_id (ks_job_get_record (job2)));
  ref = g_ptr_array_index (ks_record_get_references (disk), 0);
  ref2 = g_ptr_array_index (ks_record_get_references (disk2), 0);
  g_assert_cmpstr (ref->sha256, ==, ref2->sha256);
  g_assert_cmpstr (ref->file, ==, ref2->file);
  g_assert_cmpuint (count_files (fixture, "references"), ==, 1);
  g_assert_cmpuint (count_files (fixture, "records"), ==, 2);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 2);

  finalize_job (job);
  finalize_job (job2);
}

/* A job without a library: nothing written anywhere. */
static void
test_without_library (LibFixture    *fixture,
                      gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "No library");
  g_autoptr(GError) error = NULL;
  KsJob *job = ks_job_new (fixture->base.client, params);

  g_assert_null (ks_job_get_library (job));
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);
  g_assert_null (ks_job_get_record (job));
  ks_library_flush (fixture->library);
  g_assert_cmpuint (count_files (fixture, "records"), ==, 0);

  finalize_job (job);
}

/* Cancelled while the write-ahead runs: nothing sent, and the record's
 * last word on disk is CANCELLED, never a late SUBMITTING. */
static void
test_cancel_during_write_ahead (LibFixture    *fixture,
                                gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, "Changed my mind");
  g_autofree char *reference = write_reference (&fixture->base, "mind.png", 0x204060ff);
  RunResult run = { 0 };
  RunResult cancel = { 0 };
  KsJob *job;

  ks_params_add_reference (params, reference);
  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  start_job (job, NULL, &run);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_PREPARING);
  start_cancel (job, &cancel);
  wait_for (&run.done);
  wait_for (&cancel.done);

  g_assert_true (cancel.ok);
  g_assert_error (run.error, KS_ERROR, KS_ERROR_CANCELLED);
  g_clear_error (&run.error);
  /* Let anything still in flight land. */
  spin_for_ms (300);
  g_assert_cmpint (state_on_disk (fixture, ks_record_get_id (ks_job_get_record (job))),
                   ==, KS_RECORD_STATE_CANCELLED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 0);

  finalize_job (job);
}

/* ---- resume ------------------------------------------------------------- */

typedef struct
{
  KsJobState    stop_at;
  GCancellable *cancellable;
} StopAt;

static void
on_stop_state (KsJob      *job,
               GParamSpec *pspec,
               StopAt     *stop)
{
  if (ks_job_get_state (job) == stop->stop_at)
    g_cancellable_cancel (stop->cancellable);
}

/* Runs a job until @state, then drops it without cancelling on the
 * server, as a crash would: returns the record's id. */
static char *
leave_job_at (LibFixture *fixture,
              KsJobState  state,
              const char *prompt,
              int         num_images)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, prompt);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  StopAt stop = { state, cancellable };
  RunResult run = { 0 };
  KsRecord *record;
  KsJob *job;
  char *id;

  ks_params_set_num_images (params, num_images);
  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  record = ks_job_get_record (job);
  id = g_strdup (ks_record_get_id (record));

  g_signal_connect (job, "notify::state", G_CALLBACK (on_stop_state), &stop);
  start_job (job, cancellable, &run);
  wait_for (&run.done);
  g_signal_handlers_disconnect_by_data (job, &stop);

  g_assert_false (run.ok);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_cmpint (ks_job_get_state (job), ==, state);
  g_assert_null (ks_record_get_job (record));

  finalize_job (job);
  ks_library_flush (fixture->library);

  return id;
}

static void
test_resume (LibFixture    *fixture,
             gconstpointer  data)
{
  KsJobState stop_at = GPOINTER_TO_INT (data);
  KsRecordState expected = stop_at == KS_JOB_STATE_IN_QUEUE ? KS_RECORD_STATE_IN_QUEUE
                                                           : KS_RECORD_STATE_DOWNLOADING;
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(KsClient) client = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autofree char *id = NULL;
  g_autofree char *request_id = NULL;
  KsResumeSummary summary;
  KsRecord *record;

  if (stop_at == KS_JOB_STATE_IN_QUEUE)
    g_object_set (fixture->base.server, "queue-delay", 1500, NULL);

  id = leave_job_at (fixture, stop_at, "Left behind", 2);
  g_assert_cmpint (state_on_disk (fixture, id), ==, expected);

  /* "Restart": a new library on the same directory, a new client. */
  library = open_library (fixture->dir);
  client = new_client (fixture);
  record = ks_library_lookup (library, id);
  g_assert_nonnull (record);
  g_assert_cmpint (ks_record_get_state (record), ==, expected);
  request_id = g_strdup (ks_record_get_request_id (record));
  g_assert_nonnull (request_id);

  started = resume (library, client, &summary);
  g_assert_cmpuint (summary.resumed, ==, 1);
  g_assert_cmpuint (summary.completed, ==, 1);
  g_assert_cmpuint (summary.expired + summary.failed + summary.unknown + summary.skipped, ==, 0);
  g_assert_cmpuint (started->len, ==, 1);
  g_assert_true (ks_job_get_record (g_ptr_array_index (started, 0)) == record);

  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpstr (ks_record_get_request_id (record), ==, request_id);
  g_assert_cmpuint (ks_record_get_images (record)->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    assert_file_holds (fixture, ks_record_get_image (record, i)->file, NULL);

  ks_library_flush (library);
  {
    g_autoptr(KsRecord) disk = read_record (fixture, id);

    g_assert_cmpint (ks_record_get_state (disk), ==, KS_RECORD_STATE_COMPLETED);
    g_assert_cmpuint (ks_record_get_images (disk)->len, ==, 2);
    g_assert_nonnull (ks_record_get_image (disk, 1)->file);
  }

  /* Exactly one submit: the resume followed the request. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->base.server), ==, 1);
}

typedef struct
{
  gboolean        done;
  GError         *error;
  KsResumeSummary summary;
} StoppedResume;

static void
stopped_resume_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  StoppedResume *run = user_data;

  g_assert_false (ks_library_resume_finish (KS_LIBRARY (object), result, &run->summary, &run->error));
  run->done = TRUE;
}

static void
on_started_stop (KsLibrary    *library,
                 KsJob        *job,
                 GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

/* Interrupted (Ctrl+C in the command line): the record stays as it was
 * for the next resume, which completes it. */
static void
test_resume_interrupted (LibFixture    *fixture,
                         gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autofree char *id = NULL;
  StoppedResume run = { 0 };
  KsResumeSummary summary;
  gulong handler;

  g_object_set (fixture->base.server, "queue-delay", 1000, NULL);
  id = leave_job_at (fixture, KS_JOB_STATE_IN_QUEUE, "Interrupted twice", 1);

  library = open_library (fixture->dir);
  handler = g_signal_connect (library, "job-started", G_CALLBACK (on_started_stop), cancellable);
  ks_library_resume_async (library, fixture->base.client, cancellable, stopped_resume_cb, &run);
  wait_for (&run.done);
  g_signal_handler_disconnect (library, handler);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_assert_cmpuint (run.summary.resumed, ==, 1);
  g_assert_cmpuint (run.summary.completed, ==, 0);
  g_assert_cmpint (ks_record_get_state (ks_library_lookup (library, id)), ==, KS_RECORD_STATE_IN_QUEUE);
  g_assert_null (ks_record_get_job (ks_library_lookup (library, id)));

  started = resume (library, fixture->base.client, &summary);
  g_assert_cmpuint (summary.completed, ==, 1);
  g_assert_cmpint (ks_record_get_state (ks_library_lookup (library, id)), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  ks_library_flush (library);
}

static void
test_resume_expired (LibFixture    *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autofree char *id = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr(KsRecord) disk = NULL;
  KsResumeSummary summary;
  KsRecord *record;

  g_object_set (fixture->base.server, "queue-delay", 1500, NULL);
  id = leave_job_at (fixture, KS_JOB_STATE_IN_QUEUE, "Gone by then", 1);

  /* The service has forgotten the request. */
  ks_sim_server_add_fault (fixture->base.server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_EXPIRED, 0);
  ks_sim_server_add_fault (fixture->base.server, KS_SIM_STEP_STATUS, KS_SIM_FAULT_EXPIRED, 0);

  library = open_library (fixture->dir);
  record = ks_library_lookup (library, id);
  request_id = g_strdup (ks_record_get_request_id (record));

  started = resume (library, fixture->base.client, &summary);
  g_assert_cmpuint (summary.resumed, ==, 1);
  g_assert_cmpuint (summary.expired, ==, 1);
  g_assert_cmpuint (summary.completed + summary.failed, ==, 0);

  /* Never dropped: expired, with its request id and a message naming it. */
  g_assert_true (ks_library_lookup (library, id) == record);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_EXPIRED);
  g_assert_cmpstr (ks_record_get_request_id (record), ==, request_id);
  g_assert_cmpstr (ks_record_get_error_code (record), ==, "expired");
  g_assert_nonnull (strstr (ks_record_get_error_message (record), request_id));

  ks_library_flush (library);
  disk = read_record (fixture, id);
  g_assert_cmpint (ks_record_get_state (disk), ==, KS_RECORD_STATE_EXPIRED);
  g_assert_cmpstr (ks_record_get_request_id (disk), ==, request_id);
}

static void
test_unknown_resubmit (LibFixture    *fixture,
                       gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Did it go out?");
  g_autoptr(KsRecord) written = NULL;
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJob) job = NULL;
  KsResumeSummary summary;
  KsRecord *record, *again;

  /* A crash between the write-ahead and the submit reply. */
  written = ks_record_new (params, ks_sim_server_get_base_url (fixture->base.server), FALSE);
  ks_record_set_state (written, KS_RECORD_STATE_SUBMITTING);
  ks_record_set_submitted (written, g_get_real_time ());
  ks_library_add (fixture->library, written);
  ks_library_save (fixture->library, written);
  ks_library_flush (fixture->library);

  library = open_library (fixture->dir);
  record = ks_library_lookup (library, ks_record_get_id (written));
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_UNKNOWN);

  started = resume (library, fixture->base.client, &summary);
  g_assert_cmpuint (summary.unknown, ==, 1);
  g_assert_cmpuint (summary.resumed, ==, 0);
  g_assert_cmpuint (started->len, ==, 0);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 0);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_UNKNOWN);

  /* The user decides to send it again: a new record that completes. */
  again = ks_library_resubmit (library, record, fixture->base.client);
  g_assert_nonnull (again);
  g_assert_true (again != record);
  g_assert_cmpstr (ks_record_get_id (again), !=, ks_record_get_id (record));
  g_assert_cmpstr (ks_record_get_prompt (again), ==, "Did it go out?");
  job = g_object_ref (ks_record_get_job (again));
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ks_record_get_state (again), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_UNKNOWN);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  ks_library_flush (library);
}

/* The disk refuses every write (RLIMIT_FSIZE, which holds even for
 * root): the job fails with KS_ERROR_IO and nothing reaches the server. */
static void
test_disk_failure (LibFixture    *fixture,
                   gconstpointer  data)
{
  g_autoptr(KsParams) params = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit limit = { 0 };
  KsJob *job;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  signal (SIGXFSZ, SIG_IGN);
  limit.rlim_cur = limit.rlim_max = 8;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  params = make_params (KS_MODE_TEXT_TO_IMAGE, "Nowhere to write");
  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 0);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_ANY), ==, 0);
  /* The final save has failed too by then, and left nothing behind. */
  ks_library_flush (fixture->library);
  g_assert_cmpuint (count_files (fixture, "records"), ==, 0);

  finalize_job (job);
}

static void
limit_file_size (rlim_t size)
{
  struct rlimit limit = { 0 };

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  limit.rlim_cur = size;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
}

static void
on_downloading_fill_disk (KsJob      *job,
                          GParamSpec *pspec,
                          gpointer    user_data)
{
  if (ks_job_get_state (job) == KS_JOB_STATE_DOWNLOADING)
    limit_file_size (8);
}

/* The disk fills up while the images arrive: the job fails with
 * KS_ERROR_IO but keeps its images, the record stays downloading, and the
 * next resume fetches and writes them. */
static void
test_image_write_failure (LibFixture    *fixture,
                          gconstpointer  data)
{
  g_autoptr(KsParams) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autofree char *id = NULL;
  KsResumeSummary summary;
  KsRecord *record;
  KsJob *job;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  signal (SIGXFSZ, SIG_IGN);

  params = make_params (KS_MODE_TEXT_TO_IMAGE, "Disk full halfway");
  ks_params_set_num_images (params, 2);
  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  record = ks_job_get_record (job);
  id = g_strdup (ks_record_get_id (record));
  g_signal_connect (job, "notify::state", G_CALLBACK (on_downloading_fill_disk), NULL);

  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  /* Still shown. */
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 2);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_DOWNLOADING);
  g_assert_null (ks_record_get_job (record));
  g_assert_cmpuint (count_files (fixture, "images"), ==, 0);
  finalize_job (job);

  /* Space again: the record is saved as it is, and a restart finishes it. */
  limit_file_size (RLIM_INFINITY);
  ks_library_save (fixture->library, record);
  g_assert_cmpint (state_on_disk (fixture, id), ==, KS_RECORD_STATE_DOWNLOADING);

  library = open_library (fixture->dir);
  started = resume (library, fixture->base.client, &summary);
  g_assert_cmpuint (summary.completed, ==, 1);
  record = ks_library_lookup (library, id);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
  for (guint i = 0; i < 2; i++)
    assert_file_holds (fixture, ks_record_get_image (record, i)->file, NULL);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  ks_library_flush (library);
}

/* ---- records resume cannot follow -------------------------------------- */

static KsRecord *
add_queued_record (KsLibrary  *library,
                   const char *base_url,
                   gboolean    simulated)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Elsewhere");
  const char *endpoint_id = ks_endpoint_get_id (ks_params_get_endpoint (params));
  g_autoptr(KsRequest) request = ks_request_new (base_url, endpoint_id,
                                                 "0b3c9a4e-1111-2222-3333-444455556666");
  KsRecord *record = ks_record_new (params, base_url, simulated);

  g_assert_nonnull (request);
  ks_record_set_request (record, request);
  ks_record_set_submitted (record, g_get_real_time ());
  ks_record_set_state (record, KS_RECORD_STATE_IN_QUEUE);
  ks_library_add (library, record);
  ks_library_save (library, record);

  return record;
}

static void
test_simulated_and_foreign (LibFixture    *fixture,
                            gconstpointer  data)
{
  const char *base = ks_sim_server_get_base_url (fixture->base.server);
  g_autoptr(KsRecord) simulated = add_queued_record (fixture->library, base, TRUE);
  g_autoptr(KsRecord) foreign = add_queued_record (fixture->library, "https://queue.example.com", FALSE);
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Demo");
  g_autoptr(KsJob) demo = NULL;
  RunResult cancel = { 0 };
  KsResumeSummary summary;
  KsRecord *record;

  ks_library_flush (fixture->library);
  library = open_library (fixture->dir);

  started = resume (library, fixture->base.client, &summary);
  g_assert_cmpuint (summary.resumed, ==, 0);
  g_assert_cmpuint (summary.expired, ==, 1);
  g_assert_cmpuint (summary.skipped, ==, 1);
  g_assert_cmpuint (started->len, ==, 0);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_ANY), ==, 0);

  record = ks_library_lookup (library, ks_record_get_id (simulated));
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_EXPIRED);
  g_assert_nonnull (ks_record_get_error_message (record));
  g_assert_nonnull (ks_record_get_request_id (record));
  record = ks_library_lookup (library, ks_record_get_id (foreign));
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_IN_QUEUE);

  /* A job on the demo service makes a simulated record. */
  g_assert_null (ks_library_get_demo_base_url (library));
  ks_library_set_demo_base_url (library, base);
  g_assert_cmpstr (ks_library_get_demo_base_url (library), ==, base);
  demo = ks_library_create_job (library, fixture->base.client, params, "parent-id", 2);
  g_assert_true (ks_record_get_simulated (ks_job_get_record (demo)));
  g_assert_cmpstr (ks_record_get_parent_id (ks_job_get_record (demo)), ==, "parent-id");
  g_assert_cmpuint (ks_record_get_parent_image (ks_job_get_record (demo)), ==, 2);

  /* Cancelled before it ran: the record says so, and lets go of it. */
  start_cancel (demo, &cancel);
  wait_for (&cancel.done);
  g_assert_true (cancel.ok);
  g_assert_cmpint (ks_record_get_state (ks_job_get_record (demo)), ==, KS_RECORD_STATE_CANCELLED);
  g_assert_null (ks_record_get_job (ks_job_get_record (demo)));
  ks_library_flush (library);
}

/* ---- two libraries on one directory --------------------------------- */

static void
on_in_queue (KsJob      *job,
             GParamSpec *pspec,
             gboolean   *reached)
{
  if (ks_job_get_state (job) == KS_JOB_STATE_IN_QUEUE)
    *reached = TRUE;
}

/* Library A (the fixture's) follows a job; library B on the same directory
 * (as another process would: flock() locks belong to each open file, so
 * two libraries of one process exclude each other as two processes do)
 * loads and resumes while A's job waits in the queue: B leaves the record
 * to A, which completes it, with one submit and no request from B. */
static void
test_owned_by_other_library (LibFixture    *fixture,
                             gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Mine, not yours");
  g_autoptr(KsLibrary) other = NULL;
  g_autoptr(KsClient) client = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autoptr(KsRecord) disk = NULL;
  g_autofree char *id = NULL;
  KsResumeSummary summary;
  RunResult run = { 0 };
  gboolean in_queue = FALSE;
  KsRecord *seen;
  KsJob *job;
  guint requests;

  g_object_set (fixture->base.server, "queue-delay", 1500, NULL);
  job = ks_library_create_job (fixture->library, fixture->base.client, params, NULL, 0);
  id = g_strdup (ks_record_get_id (ks_job_get_record (job)));
  g_signal_connect (job, "notify::state", G_CALLBACK (on_in_queue), &in_queue);
  start_job (job, NULL, &run);
  wait_for (&in_queue);
  g_assert_cmpint (state_on_disk (fixture, id), ==, KS_RECORD_STATE_IN_QUEUE);

  other = open_library (fixture->dir);
  client = new_client (fixture);
  seen = ks_library_lookup (other, id);
  g_assert_nonnull (seen);
  g_assert_cmpint (ks_record_get_state (seen), ==, KS_RECORD_STATE_IN_QUEUE);
  g_assert_true (ks_library_is_owned_elsewhere (other, seen));
  g_assert_false (ks_library_is_owned_elsewhere (fixture->library, ks_job_get_record (job)));

  requests = ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_ANY);
  started = resume (other, client, &summary);
  g_assert_cmpuint (summary.elsewhere, ==, 1);
  g_assert_cmpuint (summary.resumed + summary.unknown + summary.skipped + summary.expired, ==, 0);
  g_assert_cmpuint (started->len, ==, 0);
  g_assert_null (ks_record_get_job (seen));
  g_assert_cmpint (ks_record_get_state (seen), ==, KS_RECORD_STATE_IN_QUEUE);
  ks_library_flush (other);

  /* A goes on and completes it; B sent nothing. */
  g_assert_false (run.done);
  wait_for (&run.done);
  g_assert_true (run.ok);
  g_assert_cmpint (state_on_disk (fixture, id), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 1);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->base.server), ==, 1);
  /* Only A's own requests (its stream, the result, the images). */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_ANY), >, requests);
  disk = read_record (fixture, id);
  g_assert_cmpint (ks_record_get_state (disk), ==, KS_RECORD_STATE_COMPLETED);
  g_signal_handlers_disconnect_by_data (job, &in_queue);
  finalize_job (job);
}

/* The owner gone (its library finalized, as when a process ends), the
 * same record is anyone's again. */
static void
test_owner_gone (LibFixture    *fixture,
                 gconstpointer  data)
{
  g_autoptr(KsLibrary) other = NULL;
  g_autoptr(GPtrArray) started = NULL;
  g_autofree char *id = NULL;
  g_autofree char *lock_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  KsResumeSummary summary;

  g_object_set (fixture->base.server, "queue-delay", 1500, NULL);
  id = leave_job_at (fixture, KS_JOB_STATE_IN_QUEUE, "Left to whoever comes", 1);
  g_clear_object (&fixture->library);

  other = open_library (fixture->dir);
  g_assert_false (ks_library_is_owned_elsewhere (other, ks_library_lookup (other, id)));
  started = resume (other, fixture->base.client, &summary);
  g_assert_cmpuint (summary.elsewhere, ==, 0);
  g_assert_cmpuint (summary.completed, ==, 1);
  ks_library_flush (other);

  /* Only the lock of the library alive now. */
  lock_dir = g_build_filename (g_file_peek_path (fixture->dir), "locks", NULL);
  dir = g_dir_open (lock_dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_nonnull (g_dir_read_name (dir));
  g_assert_null (g_dir_read_name (dir));
  fixture->library = g_steal_pointer (&other);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, data) \
  g_test_add (path, LibFixture, data, lib_set_up, func, lib_tear_down)

  ADD ("/job-library/write-ahead", test_write_ahead, NULL);
  ADD ("/job-library/without-library", test_without_library, NULL);
  ADD ("/job-library/cancel-during-write-ahead", test_cancel_during_write_ahead, NULL);
  ADD ("/job-library/resume/in-queue", test_resume, GINT_TO_POINTER (KS_JOB_STATE_IN_QUEUE));
  ADD ("/job-library/resume/downloading", test_resume, GINT_TO_POINTER (KS_JOB_STATE_DOWNLOADING));
  ADD ("/job-library/resume/interrupted", test_resume_interrupted, NULL);
  ADD ("/job-library/resume/expired", test_resume_expired, NULL);
  ADD ("/job-library/resume/unknown", test_unknown_resubmit, NULL);
  ADD ("/job-library/resume/simulated-and-foreign", test_simulated_and_foreign, NULL);
  ADD ("/job-library/disk-failure", test_disk_failure, NULL);
  ADD ("/job-library/image-write-failure", test_image_write_failure, NULL);
  ADD ("/job-library/owned-by-other-library", test_owned_by_other_library, NULL);
  ADD ("/job-library/owner-gone", test_owner_gone, NULL);

#undef ADD

  return g_test_run ();
}
