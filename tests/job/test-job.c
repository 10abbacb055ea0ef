/* The job state machine, end to end against the local fal-compatible server. */

#include "config.h"

#include <glib/gstdio.h>

#include "job-fixture.h"

#define BIG_SEED G_GUINT64_CONSTANT (15860307465884635512)
#define BIG_SEED_TEXT "15860307465884635512"

/* ---- recording what a job does ------------------------------------------ */

typedef struct
{
  GArray    *states;
  GArray    *positions;
  GPtrArray *log_keys;
  guint      n_request_known;
  guint      n_image_ready;
  char      *request_id_at_signal;
} Recorder;

static void
on_state (KsJob      *job,
          GParamSpec *pspec,
          Recorder   *rec)
{
  KsJobState state = ks_job_get_state (job);
  g_array_append_val (rec->states, state);
}

static void
on_position (KsJob      *job,
             GParamSpec *pspec,
             Recorder   *rec)
{
  int position = ks_job_get_queue_position (job);

  if (position >= 0)
    g_array_append_val (rec->positions, position);
}

static void
on_log (KsJob            *job,
        const KsLogEntry *entry,
        Recorder         *rec)
{
  g_ptr_array_add (rec->log_keys, g_strconcat (entry->timestamp, "|", entry->message, NULL));
}

static void
on_request_known (KsJob           *job,
                  const KsRequest *request,
                  Recorder        *rec)
{
  rec->n_request_known++;
  g_assert_nonnull (request->request_id);
  g_free (rec->request_id_at_signal);
  rec->request_id_at_signal = g_strdup (ks_job_get_request_id (job));
}

static void
on_image_ready (KsJob      *job,
                KsJobImage *image,
                Recorder   *rec)
{
  rec->n_image_ready++;
}

static Recorder *
recorder_new (KsJob *job)
{
  Recorder *rec = g_new0 (Recorder, 1);

  rec->states = g_array_new (FALSE, FALSE, sizeof (KsJobState));
  rec->positions = g_array_new (FALSE, FALSE, sizeof (int));
  rec->log_keys = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (job, "notify::state", G_CALLBACK (on_state), rec);
  g_signal_connect (job, "notify::queue-position", G_CALLBACK (on_position), rec);
  g_signal_connect (job, "log-added", G_CALLBACK (on_log), rec);
  g_signal_connect (job, "request-known", G_CALLBACK (on_request_known), rec);
  g_signal_connect (job, "image-ready", G_CALLBACK (on_image_ready), rec);

  return rec;
}

static void
recorder_free (Recorder *rec)
{
  g_array_unref (rec->states);
  g_array_unref (rec->positions);
  g_ptr_array_unref (rec->log_keys);
  g_free (rec->request_id_at_signal);
  g_free (rec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

static void
assert_states (Recorder         *rec,
               const KsJobState *expected,
               guint             n_expected)
{
  g_autoptr(GString) seen = g_string_new (NULL);

  for (guint i = 0; i < rec->states->len; i++)
    g_string_append_printf (seen, "%s ", ks_job_state_to_string (g_array_index (rec->states, KsJobState, i)));

  if (rec->states->len != n_expected)
    g_error ("Expected %u state changes, saw: %s", n_expected, seen->str);

  for (guint i = 0; i < n_expected; i++)
    if (g_array_index (rec->states, KsJobState, i) != expected[i])
      g_error ("State %u should be %s; saw: %s", i, ks_job_state_to_string (expected[i]), seen->str);
}

/* ---- the whole flow ----------------------------------------------------- */

static void
test_text_to_image (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "A donut on a plate");
  g_autoptr(GError) error = NULL;
  g_autoptr(Recorder) rec = NULL;
  g_autoptr(GHashTable) unique = g_hash_table_new (g_str_hash, g_str_equal);
  static const KsJobState expected[] = {
    KS_JOB_STATE_PREPARING, KS_JOB_STATE_SUBMITTING, KS_JOB_STATE_IN_QUEUE,
    KS_JOB_STATE_IN_PROGRESS, KS_JOB_STATE_DOWNLOADING, KS_JOB_STATE_COMPLETED,
  };
  JsonNode *input;
  guint64 sent_seed = 0;
  double elapsed;
  KsJob *job;

  ks_params_set_num_images (params, 2);
  ks_params_set_seed (params, BIG_SEED);

  job = ks_job_new (fixture->client, params);
  rec = recorder_new (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_PENDING);
  g_assert_null (ks_job_get_request_id (job));

  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  assert_states (rec, expected, G_N_ELEMENTS (expected));
  g_assert_cmpuint (rec->n_request_known, ==, 1);
  g_assert_cmpstr (rec->request_id_at_signal, ==, ks_job_get_request_id (job));
  g_assert_cmpstr (ks_job_get_status_source (job), ==, "stream");

  /* The seed survives the round trip exactly, both ways. */
  input = ks_sim_server_get_job_input (fixture->server, 0);
  g_assert_nonnull (input);
  g_assert_true (ks_json_get_uint64_member (json_node_get_object (input), "seed", &sent_seed));
  g_assert_cmpuint (sent_seed, ==, BIG_SEED);
  g_assert_cmpstr (ks_job_get_seed (job), ==, BIG_SEED_TEXT);
  g_assert_nonnull (ks_job_get_result (job));
  g_assert_cmpuint (ks_job_get_result (job)->seed, ==, BIG_SEED);
  g_assert_nonnull (ks_job_get_returned_prompt (job));

  /* Two decoded images, in result order. */
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 2);
  g_assert_cmpuint (rec->n_image_ready, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(KsJobImage) image = g_list_model_get_item (ks_job_get_images (job), i);
      GdkPixbuf *pixbuf = ks_job_image_get_pixbuf (image);

      g_assert_cmpuint (ks_job_image_get_index (image), ==, i);
      g_assert_nonnull (pixbuf);
      g_assert_cmpint (ks_job_image_get_width (image), ==, gdk_pixbuf_get_width (pixbuf));
      g_assert_cmpint (ks_job_image_get_height (image), ==, gdk_pixbuf_get_height (pixbuf));
      g_assert_cmpint (ks_job_image_get_width (image), >, 0);
      g_assert_nonnull (ks_job_image_get_bytes (image));
      g_assert_cmpuint (g_bytes_get_size (ks_job_image_get_bytes (image)), >, 0);
      g_assert_cmpstr (ks_job_image_get_content_type (image), ==, "image/jpeg");
      g_assert_cmpstr (ks_job_image_get_extension (image), ==, "jpg");
      g_assert_false (ks_job_image_get_has_nsfw_concepts (image));
      g_assert_nonnull (ks_job_image_get_url (image));
    }

  /* Logs: each line once, however often the sliding window repeated it. */
  g_assert_cmpuint (rec->log_keys->len, ==, 4);
  g_assert_cmpuint (ks_job_get_logs (job)->len, ==, rec->log_keys->len);
  for (guint i = 0; i < rec->log_keys->len; i++)
    g_assert_true (g_hash_table_add (unique, g_ptr_array_index (rec->log_keys, i)));

  /* The clock stops with the job. */
  elapsed = ks_job_get_elapsed (job);
  g_assert_cmpfloat (elapsed, >, 0);
  g_usleep (20000);
  g_assert_cmpfloat (ks_job_get_elapsed (job), ==, elapsed);
  g_assert_cmpint (ks_job_get_queue_position (job), ==, -1);
  g_assert_null (ks_job_get_error (job));

  finalize_job (job);
}

static void
test_params_copied (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "first prompt");
  g_autoptr(GError) error = NULL;
  JsonNode *input;
  KsJob *job;

  job = ks_job_new (fixture->client, params);
  /* Editing the form after submitting does not change the job. */
  ks_params_set_prompt (params, "second prompt");
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (ks_params_get_prompt (ks_job_get_params (job)), ==, "first prompt");
  input = ks_sim_server_get_job_input (fixture->server, 0);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (input), "prompt"), ==, "first prompt");

  finalize_job (job);
}

static void
test_nsfw_flags (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "A statue [nsfw]");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  ks_params_set_num_images (params, 3);
  job = ks_job_new (fixture->client, params);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(KsJobImage) image = g_list_model_get_item (ks_job_get_images (job), i);

      g_assert_cmpint (ks_job_image_get_has_nsfw_concepts (image), ==, i % 2 == 0);
    }

  finalize_job (job);
}

static void
test_edit_local_file (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, "Put a donut next to the flour");
  g_autofree char *path = write_reference (fixture, "flour.png", 0xd0a070ff);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJobImage) image = NULL;
  const char *image_url;
  JsonNode *input;
  KsJob *job;

  ks_params_add_reference (params, path);
  ks_params_set_output_format (params, "png");
  job = ks_job_new (fixture->client, params);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  /* The local file went out as a data URI, never as a path. */
  input = ks_sim_server_get_job_input (fixture->server, 0);
  image_url = ks_json_get_string_member (json_node_get_object (input), "image_url");
  g_assert_nonnull (image_url);
  g_assert_true (g_str_has_prefix (image_url, "data:image/"));

  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 1);
  image = g_list_model_get_item (ks_job_get_images (job), 0);
  g_assert_cmpstr (ks_job_image_get_content_type (image), ==, "image/png");
  g_assert_cmpstr (ks_job_image_get_extension (image), ==, "png");

  finalize_job (job);
}

static void
test_edit_uploaded (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, "Make it night");
  g_autofree char *path = write_reference (fixture, "day.png", 0x80c0ffff);
  g_autoptr(GError) error = NULL;
  const char *image_url;
  JsonNode *input;
  KsJob *job;

  g_object_set (fixture->client, "upload-references", TRUE, NULL);
  ks_params_add_reference (params, path);
  job = ks_job_new (fixture->client, params);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  input = ks_sim_server_get_job_input (fixture->server, 0);
  image_url = ks_json_get_string_member (json_node_get_object (input), "image_url");
  g_assert_true (g_str_has_prefix (image_url, ks_sim_server_get_base_url (fixture->server)));
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_UPLOAD), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 1);

  finalize_job (job);
}

static void
test_multi (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_MULTI, "Combine the two");
  g_autofree char *first = write_reference (fixture, "a.png", 0xff0000ff);
  g_autofree char *second = write_reference (fixture, "b.png", 0x0000ffff);
  g_autoptr(GError) error = NULL;
  JsonArray *urls;
  JsonNode *input;
  KsJob *job;

  ks_params_add_reference (params, first);
  ks_params_add_reference (params, second);
  job = ks_job_new (fixture->client, params);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  input = ks_sim_server_get_job_input (fixture->server, 0);
  urls = ks_json_get_array_member (json_node_get_object (input), "image_urls");
  g_assert_nonnull (urls);
  g_assert_cmpuint (json_array_get_length (urls), ==, 2);
  /* In the order given: different colours give different data. */
  g_assert_cmpstr (json_array_get_string_element (urls, 0), !=, json_array_get_string_element (urls, 1));
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 1);

  finalize_job (job);
}

static void
test_missing_reference (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, "Edit this");
  g_autofree char *path = g_build_filename (fixture->tmpdir, "missing.png", NULL);
  g_autoptr(GError) error = NULL;
  KsJob *job;

  ks_params_add_reference (params, path);
  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == KS_ERROR);
  g_assert_cmpstr (error->message, ==, ks_job_get_error (job)->message);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  /* Nothing reached the service. */
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 0);

  finalize_job (job);
}

static void
test_invalid_params (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "");
  g_autoptr(GError) error = NULL;
  GPtrArray *field_errors;
  gboolean found = FALSE;
  KsJob *job;

  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);

  field_errors = ks_job_get_field_errors (job);
  g_assert_nonnull (field_errors);
  for (guint i = 0; i < field_errors->len; i++)
    found |= g_strcmp0 (((KsFieldError *) g_ptr_array_index (field_errors, i))->field, "prompt") == 0;
  g_assert_true (found);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 0);

  finalize_job (job);
}

/* ---- status following --------------------------------------------------- */

static void
test_queue_positions (Fixture       *fixture,
                      gconstpointer  data)
{
  KsJob *jobs[3];
  Recorder *recs[3];
  RunResult runs[3] = { { 0 } };
  gboolean saw_decrease = FALSE;

  g_object_set (fixture->server, "workers", 1, "queue-delay", 50, "run-time", 300, NULL);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "A queue");

      jobs[i] = ks_job_new (fixture->client, params);
      recs[i] = recorder_new (jobs[i]);
      start_job (jobs[i], NULL, &runs[i]);
    }

  for (guint i = 0; i < 3; i++)
    {
      wait_for (&runs[i].done);
      g_assert_no_error (runs[i].error);
      g_assert_true (runs[i].ok);
    }

  for (guint i = 0; i < 3; i++)
    {
      GArray *positions = recs[i]->positions;

      /* Never moving back in the queue. */
      for (guint j = 1; j < positions->len; j++)
        g_assert_cmpint (g_array_index (positions, int, j), <=, g_array_index (positions, int, j - 1));
      if (positions->len >= 2 &&
          g_array_index (positions, int, positions->len - 1) < g_array_index (positions, int, 0))
        saw_decrease = TRUE;
    }
  /* With one worker and three jobs, somebody waited behind the others and
   * saw the line move. */
  g_assert_true (saw_decrease);

  for (guint i = 0; i < 3; i++)
    {
      recorder_free (recs[i]);
      finalize_job (jobs[i]);
    }
}

static void
run_expecting_polling (Fixture *fixture)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Keep going");
  g_autoptr(GError) error = NULL;
  g_autoptr(Recorder) rec = NULL;
  KsJob *job;

  job = ks_job_new (fixture->client, params);
  rec = recorder_new (job);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpstr (ks_job_get_status_source (job), ==, "polling");
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_STATUS), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 1);
  /* The logs still arrive, once each, through polling. */
  g_assert_cmpuint (ks_job_get_logs (job)->len, ==, rec->log_keys->len);
  g_assert_cmpuint (rec->log_keys->len, <=, 4);

  finalize_job (job);
}

static void
test_stream_drop_falls_back (Fixture       *fixture,
                             gconstpointer  data)
{
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_DROP, 1);
  run_expecting_polling (fixture);
}

static void
test_stream_refused_falls_back (Fixture       *fixture,
                                gconstpointer  data)
{
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_REFUSE, 0);
  run_expecting_polling (fixture);
}

static void
test_polling_only (Fixture       *fixture,
                   gconstpointer  data)
{
  g_object_set (fixture->client, "use-streaming", FALSE, NULL);
  run_expecting_polling (fixture);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_STREAM), ==, 0);
}

/* ---- failures ----------------------------------------------------------- */

static void
test_completed_with_error (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "This will [fail]");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_FAILED);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_error ((GError *) ks_job_get_error (job), KS_ERROR, KS_ERROR_FAILED);
  /* A failed job has no result to fetch. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_RESULT), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 0);

  finalize_job (job);
}

typedef struct
{
  gboolean   done;
  KsRequest *request;
  GError    *error;
} SubmitResult;

static void
submit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  SubmitResult *submit = user_data;

  submit->request = ks_client_submit_finish (KS_CLIENT (object), result, NULL, &submit->error);
  submit->done = TRUE;
}

static void
test_validation_422 (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *endpoint_id = ks_endpoint_get_id (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  SubmitResult submit = { 0 };
  g_autoptr(GError) error = NULL;
  GPtrArray *field_errors;
  gboolean found = FALSE;
  KsJob *job;

  /* A value our own checks would never let through, as another client
   * might send it: the service only objects when the result is asked for. */
  ks_client_submit_async (fixture->client, endpoint_id,
                          "{\"prompt\":\"too much guidance\",\"guidance_scale\":50}",
                          NULL, submit_cb, &submit);
  wait_for (&submit.done);
  g_assert_no_error (submit.error);

  job = ks_job_new_for_request (fixture->client, NULL, submit.request);
  g_assert_cmpstr (ks_job_get_request_id (job), ==, submit.request->request_id);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_VALIDATION);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);

  field_errors = ks_job_get_field_errors (job);
  g_assert_nonnull (field_errors);
  for (guint i = 0; i < field_errors->len; i++)
    found |= g_strcmp0 (((KsFieldError *) g_ptr_array_index (field_errors, i))->field, "guidance_scale") == 0;
  g_assert_true (found);

  ks_request_free (submit.request);
  finalize_job (job);
}

static void
test_content_policy (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Something [policy]");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_CONTENT_POLICY);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);

  finalize_job (job);
}

static void
test_expired_result (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Too late");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_EXPIRED, 0);
  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_EXPIRED);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);

  finalize_job (job);
}

static void
test_bad_image (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Two pictures");
  g_autoptr(GError) error = NULL;
  g_autoptr(Recorder) rec = NULL;
  KsJob *job;

  ks_params_set_num_images (params, 2);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_NOT_AN_IMAGE, 1);
  job = ks_job_new (fixture->client, params);
  rec = recorder_new (job);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE);
  /* It says which image. */
  g_assert_nonnull (strstr (error->message, "of 2"));
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  /* The good one is kept. */
  g_assert_cmpuint (g_list_model_get_n_items (ks_job_get_images (job)), ==, 1);
  g_assert_cmpuint (rec->n_image_ready, ==, 1);

  finalize_job (job);
}

static void
test_submit_429_retried (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Patience");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  g_object_set (fixture->server, "retry-after", 0, NULL);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_429, 1);
  job = ks_job_new (fixture->client, params);
  g_assert_true (run_job (job, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 2);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);

  finalize_job (job);
}

static void
test_submit_502_not_retried (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Once only");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_502_HTML, 0);
  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_SERVER);
  /* No HTML in a message meant for people. */
  g_assert_null (strstr (error->message, "<html"));
  g_assert_null (strstr (error->message, "<HTML"));

  /* It may have reached the service: sending it again could bill twice. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_null (ks_job_get_request_id (job));

  finalize_job (job);
}

static void
test_unauthorized (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_TEXT_TO_IMAGE, "Who am I");
  g_autoptr(GError) error = NULL;
  KsJob *job;

  g_object_set (fixture->server, "api-key", "right-id:right-secret", NULL);
  ks_client_set_api_key (fixture->client, "wrong-id:wrong-secret");
  job = ks_job_new (fixture->client, params);
  g_assert_false (run_job (job, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_UNAUTHORIZED);
  g_assert_null (strstr (error->message, "wrong-secret"));

  finalize_job (job);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/job/text-to-image", test_text_to_image);
  ADD ("/job/params-copied", test_params_copied);
  ADD ("/job/nsfw-flags", test_nsfw_flags);
  ADD ("/job/edit/local-file", test_edit_local_file);
  ADD ("/job/edit/uploaded", test_edit_uploaded);
  ADD ("/job/edit/multi", test_multi);
  ADD ("/job/edit/missing-reference", test_missing_reference);
  ADD ("/job/invalid-params", test_invalid_params);
  ADD ("/job/status/queue-positions", test_queue_positions);
  ADD ("/job/status/stream-drop", test_stream_drop_falls_back);
  ADD ("/job/status/stream-refused", test_stream_refused_falls_back);
  ADD ("/job/status/polling-only", test_polling_only);
  ADD ("/job/failure/completed-with-error", test_completed_with_error);
  ADD ("/job/failure/validation", test_validation_422);
  ADD ("/job/failure/content-policy", test_content_policy);
  ADD ("/job/failure/expired", test_expired_result);
  ADD ("/job/failure/bad-image", test_bad_image);
  ADD ("/job/failure/unauthorized", test_unauthorized);
  ADD ("/job/submit/429-retried", test_submit_429_retried);
  ADD ("/job/submit/502-not-retried", test_submit_502_not_retried);

#undef ADD

  return g_test_run ();
}
