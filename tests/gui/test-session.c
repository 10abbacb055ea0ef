/* KsSession without a window, against the local fal-compatible server:
 * the gallery model as jobs run and finish, Test Connection telling a
 * refused key from an unreachable service, the key stored in the keyring,
 * the demo service, settings followed by the client, and setup problems. */

#define G_LOG_DOMAIN "test-session"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-session.h"

#define GOOD_KEY "good-id:good-secret"
#define DEADLINE_SECONDS 30

typedef struct
{
  KsSimServer *server;
  GSettings   *settings;
  KsSession   *session;
  GPtrArray   *finished;   /* KsJob, in job-finished order */
  GPtrArray   *problems;   /* GError */
} Fixture;

static void
on_job_finished (KsSession *session,
                 KsJob     *job,
                 Fixture   *fixture)
{
  g_ptr_array_add (fixture->finished, g_object_ref (job));
}

static void
on_problem (KsSession    *session,
            const GError *error,
            Fixture      *fixture)
{
  g_ptr_array_add (fixture->problems, g_error_copy (error));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 200,
                "run-time", 500,
                "workers", 2,
                "api-key", GOOD_KEY,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);

  fixture->settings = g_settings_new ("io.github.kontextstudio.KontextStudio");
  fixture->session = ks_session_new (fixture->settings);
  fixture->finished = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_signal_connect (fixture->session, "job-finished", G_CALLBACK (on_job_finished), fixture);
  g_signal_connect (fixture->session, "problem", G_CALLBACK (on_problem), fixture);
}

/* Work the session started on its own (the key lookup, the library's load
 * and resume) holds a reference until it has answered: let it answer. */
static void
wait_session_idle (KsSession *session)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (G_OBJECT (session)->ref_count > 1 && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->finished, g_ptr_array_unref);
  g_clear_pointer (&fixture->problems, g_ptr_array_unref);
  wait_session_idle (fixture->session);
  g_assert_finalize_object (fixture->session);
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->server);
}

static void
use_server (Fixture    *fixture,
            const char *key)
{
  ks_session_use_service (fixture->session, ks_sim_server_get_base_url (fixture->server), key);
  g_object_set (ks_session_get_client (fixture->session),
                "retry-base-delay", 10,
                "poll-interval", 50,
                NULL);
}

static gboolean
deadline_cb (gpointer data)
{
  g_error ("Gave up waiting after %d s", DEADLINE_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
wait_until (gboolean (*predicate) (Fixture *fixture),
            Fixture   *fixture)
{
  guint id = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);

  while (!predicate (fixture))
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (id);
}

static gboolean
one_finished (Fixture *fixture)
{
  return fixture->finished->len >= 1;
}

static gboolean
two_finished (Fixture *fixture)
{
  return fixture->finished->len >= 2;
}

static KsParams *
make_params (const char *prompt,
             int         num_images)
{
  KsParams *params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));

  ks_params_set_prompt (params, prompt);
  ks_params_set_num_images (params, num_images);
  return params;
}

static gboolean
three_items (Fixture *fixture)
{
  return g_list_model_get_n_items (ks_session_get_items (fixture->session)) == 3;
}

static KsGalleryItem *
item_at (Fixture *fixture,
         guint    position)
{
  g_autoptr(KsGalleryItem) item = g_list_model_get_item (ks_session_get_items (fixture->session), position);

  return item;
}

/* ---- the gallery model -------------------------------------------------- */

static void
test_session_items (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KsParams) first = make_params ("A lighthouse", 1);
  g_autoptr(KsParams) second = make_params ("Two pears on a plate", 2);
  GListModel *items = ks_session_get_items (fixture->session);
  KsGalleryItem *kept;
  KsJob *job1, *job2;
  guint position;

  use_server (fixture, GOOD_KEY);
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_PRESENT);

  job1 = ks_session_submit (fixture->session, first);
  /* A copy was submitted: later edits of the composer's set change nothing. */
  g_assert_true (ks_job_get_params (job1) != first);
  ks_params_set_prompt (first, "changed");
  g_assert_cmpstr (ks_params_get_prompt (ks_job_get_params (job1)), ==, "A lighthouse");

  job2 = ks_session_submit (fixture->session, second);

  /* Both tiles at once, newest first, each on its record in the library. */
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 2);
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 0)) == ks_job_get_record (job2));
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 1)) == ks_job_get_record (job1));
  g_assert_true (ks_gallery_item_get_job (item_at (fixture, 0)) == job2);
  g_assert_null (ks_gallery_item_get_image (item_at (fixture, 0)));
  g_assert_cmpint (ks_gallery_item_get_image_index (item_at (fixture, 0)), ==, -1);
  g_assert_cmpuint (ks_session_get_n_running (fixture->session), ==, 2);

  wait_until (two_finished, fixture);
  g_assert_cmpuint (ks_session_get_n_running (fixture->session), ==, 0);

  /* Each record's tile gave way in place to one item per written image. */
  wait_until (three_items, fixture);
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 0)) == ks_job_get_record (job2));
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 1)) == ks_job_get_record (job2));
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 2)) == ks_job_get_record (job1));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_nonnull (ks_gallery_item_get_image (item_at (fixture, i)));
      g_assert_nonnull (ks_gallery_item_get_file (item_at (fixture, i)));
      g_assert_false (ks_gallery_item_get_simulated (item_at (fixture, i)));
    }
  g_assert_cmpuint (ks_gallery_item_get_image (item_at (fixture, 0))->index, ==, 0);
  g_assert_cmpuint (ks_gallery_item_get_image (item_at (fixture, 1))->index, ==, 1);
  g_assert_cmpuint (fixture->problems->len, ==, 0);

  /* Delete moves the record to the trash (both of its images go);
   * undo takes it out again, where it was. */
  kept = g_object_ref (item_at (fixture, 2));
  position = ks_session_remove (fixture->session, kept);
  g_assert_cmpuint (position, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (ks_session_get_library (fixture->session))), ==, 1);
  ks_session_restore (fixture->session, kept, position);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 3);
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 2)) == ks_gallery_item_get_record (kept));
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (ks_session_get_library (fixture->session))), ==, 0);
  g_object_unref (kept);
}

/* ---- run again and cancel ----------------------------------------------- */

static void
test_session_run_again (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params ("A kite over a beach", 1);
  g_autofree char *same_seed = NULL;
  g_autofree char *fresh_seed = NULL;
  KsGalleryItem *result;
  KsJob *job, *same, *fresh;
  guint64 seed;

  use_server (fixture, GOOD_KEY);
  job = ks_session_submit (fixture->session, params);
  wait_until (one_finished, fixture);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_nonnull (ks_job_get_seed (job));
  g_assert_cmpstr (ks_record_get_seed (ks_job_get_record (job)), ==, ks_job_get_seed (job));
  result = item_at (fixture, 0);

  /* Same seed: the seed the result states, although none was asked for. */
  same = ks_session_run_again (fixture->session, result, FALSE, 5);
  g_assert_true (ks_params_get_seed (ks_job_get_params (same), &seed));
  same_seed = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  g_assert_cmpstr (same_seed, ==, ks_job_get_seed (job));
  g_assert_cmpint (ks_params_get_safety_tolerance (ks_job_get_params (same)), ==, 5);
  g_assert_cmpstr (ks_params_get_prompt (ks_job_get_params (same)), ==, "A kite over a beach");

  /* New seed: a fixed, different one; the tolerance stays when not overridden. */
  fresh = ks_session_run_again (fixture->session, result, TRUE, 0);
  g_assert_true (ks_params_get_seed (ks_job_get_params (fresh), &seed));
  fresh_seed = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  g_assert_cmpstr (fresh_seed, !=, ks_job_get_seed (job));
  g_assert_cmpint (ks_params_get_safety_tolerance (ks_job_get_params (fresh)), ==, 2);

  /* Cancel the newest while it waits. */
  ks_session_cancel (fixture->session, item_at (fixture, 0));
  while (fixture->finished->len < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ks_job_get_state (fresh), ==, KS_JOB_STATE_CANCELLED);
  /* A cancelled job keeps its tile, which says so. */
  g_assert_true (ks_gallery_item_get_record (item_at (fixture, 0)) == ks_job_get_record (fresh));
  g_assert_null (ks_gallery_item_get_image (item_at (fixture, 0)));
  g_assert_cmpint (ks_record_get_state (ks_job_get_record (fresh)), ==, KS_RECORD_STATE_CANCELLED);
  g_assert_cmpuint (fixture->problems->len, ==, 0);
}

/* A job the service accepted, then lost while its result was fetched: Retry
 * follows the same request, paid for once, instead of submitting again. */
static void
test_session_retry_follows (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params ("A boat in the fog", 1);
  KsRecord *record;
  KsJob *job, *again;

  use_server (fixture, GOOD_KEY);
  g_object_set (ks_session_get_client (fixture->session), "max-retries", 1, NULL);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_500, 0);

  job = ks_session_submit (fixture->session, params);
  wait_until (one_finished, fixture);
  record = ks_job_get_record (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_FAILED);
  g_assert_nonnull (ks_record_get_request_id (record));
  g_assert_true (ks_record_can_follow_again (record));
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);

  ks_sim_server_clear_faults (fixture->server);
  again = ks_session_run_again (fixture->session, item_at (fixture, 0), FALSE, 0);
  g_assert_nonnull (again);
  g_assert_true (ks_job_get_record (again) == record);
  wait_until (two_finished, fixture);

  g_assert_cmpint (ks_job_get_state (again), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_null (ks_record_get_error_code (record));
  g_assert_nonnull (ks_gallery_item_get_image (item_at (fixture, 0)));
  /* One job on the service, one record in the gallery. */
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (ks_session_get_items (fixture->session)), ==, 1);
  g_assert_false (ks_record_can_follow_again (record));
}

/* ---- setup problems ----------------------------------------------------- */

static void
test_session_problems (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params ("A fox in the snow", 1);
  g_autoptr(KsSimServer) gone = ks_sim_server_new ();
  g_autofree char *gone_url = NULL;
  const GError *error;
  KsJob *job;

  /* A refused key: the key state says so, and a problem is raised. */
  use_server (fixture, "wrong-id:wrong-secret");
  job = ks_session_submit (fixture->session, params);
  wait_until (one_finished, fixture);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_REFUSED);
  g_assert_nonnull (ks_session_get_key_message (fixture->session));
  g_assert_cmpuint (fixture->problems->len, ==, 1);
  error = g_ptr_array_index (fixture->problems, 0);
  g_assert_error (error, KS_ERROR, KS_ERROR_UNAUTHORIZED);

  /* Offline: a service that is not there. */
  g_assert_true (ks_sim_server_listen (gone, 0, NULL));
  gone_url = g_strdup (ks_sim_server_get_base_url (gone));
  g_clear_object (&gone);
  ks_session_use_service (fixture->session, gone_url, GOOD_KEY);
  g_object_set (ks_session_get_client (fixture->session), "retry-base-delay", 1, "max-retries", 1, NULL);
  job = ks_session_submit (fixture->session, params);
  wait_until (two_finished, fixture);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  g_assert_cmpuint (fixture->problems->len, ==, 2);
  error = g_ptr_array_index (fixture->problems, 1);
  g_assert_error (error, KS_ERROR, KS_ERROR_NETWORK);
  g_test_message ("offline: %s", error->message);
}

/* ---- test connection ---------------------------------------------------- */

typedef struct
{
  gboolean  done;
  char     *text;
  GError   *error;
} Answer;

static void
test_connection_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Answer *answer = user_data;

  answer->text = ks_session_test_connection_finish (KS_SESSION (source), result, &answer->error);
  answer->done = TRUE;
}

static void
run_test_connection (Fixture *fixture,
                     Answer  *answer)
{
  guint id = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);

  *answer = (Answer) { 0 };
  ks_session_test_connection_async (fixture->session, NULL, test_connection_cb, answer);
  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  g_test_message ("test connection: %s", answer->text ? answer->text : answer->error->message);
}

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->text, g_free);
  g_clear_error (&answer->error);
}

static void
test_session_test_connection (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(KsSimServer) gone = ks_sim_server_new ();
  g_autofree char *gone_url = NULL;
  Answer answer;

  /* The key is accepted. */
  use_server (fixture, GOOD_KEY);
  run_test_connection (fixture, &answer);
  g_assert_no_error (answer.error);
  g_assert_nonnull (strstr (answer.text, "accepted the key"));
  g_assert_nonnull (strstr (answer.text, "127.0.0.1"));
  /* It never says the key, not even in part. */
  g_assert_null (strstr (answer.text, "good-secret"));
  answer_clear (&answer);

  /* The key is refused. */
  use_server (fixture, "good-id:bad-secret");
  run_test_connection (fixture, &answer);
  g_assert_error (answer.error, KS_ERROR, KS_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (answer.error->message, "refused the key"));
  g_assert_null (strstr (answer.error->message, "bad-secret"));
  answer_clear (&answer);

  /* Nothing answers. */
  g_assert_true (ks_sim_server_listen (gone, 0, NULL));
  gone_url = g_strdup (ks_sim_server_get_base_url (gone));
  g_clear_object (&gone);
  ks_session_use_service (fixture->session, gone_url, GOOD_KEY);
  run_test_connection (fixture, &answer);
  g_assert_error (answer.error, KS_ERROR, KS_ERROR_NETWORK);
  g_assert_nonnull (strstr (answer.error->message, "Could not reach"));
  answer_clear (&answer);

  /* No key: nothing is sent. */
  use_server (fixture, NULL);
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_MISSING);
  run_test_connection (fixture, &answer);
  g_assert_error (answer.error, KS_ERROR, KS_ERROR_NO_KEY);
  answer_clear (&answer);
}

/* ---- the keyring -------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  char     *key;
  GError   *error;
} KeyAnswer;

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  KeyAnswer *answer = user_data;

  answer->ok = ks_session_store_key_finish (KS_SESSION (source), result, &answer->error);
  answer->done = TRUE;
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  KeyAnswer *answer = user_data;

  answer->key = ks_credentials_lookup_finish (result, NULL, &answer->error);
  answer->done = TRUE;
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  KeyAnswer *answer = user_data;

  answer->ok = ks_credentials_clear_finish (result, &answer->error);
  answer->done = TRUE;
}

static void
wait_answer (KeyAnswer *answer)
{
  guint id = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);

  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
test_session_store_key (Fixture       *fixture,
                        gconstpointer  data)
{
  KeyAnswer stored = { 0 }, looked_up = { 0 }, cleared = { 0 };
  g_autoptr(KsParams) params = make_params ("A quiet harbour", 1);
  const char *base_url = ks_sim_server_get_base_url (fixture->server);
  KsJob *job;

  /* The key entered in Preferences or on the welcome page (pasted with
   * stray spaces) goes to the keyring under this service... */
  use_server (fixture, NULL);
  ks_session_store_key_async (fixture->session, "  " GOOD_KEY "\n", NULL, store_cb, &stored);
  wait_answer (&stored);
  g_assert_no_error (stored.error);
  g_assert_true (stored.ok);
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_PRESENT);
  /* A keyring that worked leaves nothing to warn about. */
  g_assert_null (ks_session_get_key_message (fixture->session));

  ks_credentials_lookup_async (base_url, 0, NULL, lookup_cb, &looked_up);
  wait_answer (&looked_up);
  g_assert_no_error (looked_up.error);
  g_assert_cmpstr (looked_up.key, ==, GOOD_KEY);
  ks_credentials_free_key (looked_up.key);

  /* ...and is in use at once. */
  g_object_set (ks_session_get_client (fixture->session), "retry-base-delay", 10, NULL);
  job = ks_session_submit (fixture->session, params);
  wait_until (one_finished, fixture);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);

  /* An empty key is refused before the keyring is asked. */
  stored = (KeyAnswer) { 0 };
  ks_session_store_key_async (fixture->session, "   ", NULL, store_cb, &stored);
  wait_answer (&stored);
  g_assert_error (stored.error, KS_ERROR, KS_ERROR_NO_KEY);
  g_clear_error (&stored.error);

  ks_credentials_clear_async (base_url, 0, NULL, clear_cb, &cleared);
  wait_answer (&cleared);
  g_assert_no_error (cleared.error);
}

/* ---- demo and settings -------------------------------------------------- */

static void
test_session_demo (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params ("A red kettle", 1);
  g_autoptr(GError) error = NULL;
  KsJob *job;

  g_assert_false (ks_session_get_demo (fixture->session));
  g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (fixture->session)), ==, "https://queue.fal.run");

  g_assert_true (ks_session_start_demo (fixture->session, &error));
  g_assert_no_error (error);
  g_assert_true (ks_session_get_demo (fixture->session));
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_DEMO);
  g_assert_true (g_str_has_prefix (ks_client_get_base_url (ks_session_get_client (fixture->session)),
                                   "http://127.0.0.1:"));

  g_object_set (ks_session_get_client (fixture->session), "retry-base-delay", 10, NULL);
  job = ks_session_submit (fixture->session, params);
  g_assert_true (ks_gallery_item_get_simulated (item_at (fixture, 0)));
  wait_until (one_finished, fixture);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_true (ks_gallery_item_get_simulated (item_at (fixture, 0)));
  g_assert_nonnull (ks_gallery_item_get_image (item_at (fixture, 0)));

  /* Leaving the demo goes back to the configured service. */
  ks_session_stop_demo (fixture->session);
  g_assert_false (ks_session_get_demo (fixture->session));
  g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (fixture->session)), ==, "https://queue.fal.run");
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_LOOKING);
  while (ks_session_get_key_state (fixture->session) == KS_KEY_STATE_LOOKING)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_session_settings (Fixture       *fixture,
                       gconstpointer  data)
{
  KsClient *before = ks_session_get_client (fixture->session);
  KsPriority priority;
  gboolean store_io;
  guint timeout;

  g_settings_set_enum (fixture->settings, "queue-priority", KS_PRIORITY_LOW);
  g_settings_set_boolean (fixture->settings, "store-io", FALSE);
  g_settings_set_uint (fixture->settings, "request-timeout", 90);
  g_settings_set_enum (fixture->settings, "auth-scheme", KS_AUTH_BEARER);
  g_object_get (before, "priority", &priority, "store-io", &store_io, "request-timeout", &timeout, NULL);
  g_assert_cmpint (priority, ==, KS_PRIORITY_LOW);
  g_assert_false (store_io);
  g_assert_cmpuint (timeout, ==, 90);
  g_assert_cmpint (ks_client_get_auth_scheme (before), ==, KS_AUTH_BEARER);

  /* Another service gets a client of its own (running jobs keep theirs),
   * configured the same way, and its own key lookup. */
  g_settings_set_string (fixture->settings, "base-url", "https://proxy.example.com/fal");
  g_assert_true (ks_session_get_client (fixture->session) != before);
  g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (fixture->session)), ==, "https://proxy.example.com/fal");
  g_assert_cmpint (ks_client_get_auth_scheme (ks_session_get_client (fixture->session)), ==, KS_AUTH_BEARER);
  g_assert_cmpint (ks_session_get_key_state (fixture->session), ==, KS_KEY_STATE_LOOKING);

  /* An address that would send the key in the clear is not used. */
  g_settings_set_string (fixture->settings, "base-url", "http://example.com");
  g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (fixture->session)), ==, "https://queue.fal.run");

  while (ks_session_get_key_state (fixture->session) == KS_KEY_STATE_LOOKING)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/session/items", test_session_items);
  ADD ("/session/run-again-cancel", test_session_run_again);
  ADD ("/session/retry-follows", test_session_retry_follows);
  ADD ("/session/problems", test_session_problems);
  ADD ("/session/test-connection", test_session_test_connection);
  ADD ("/session/store-key", test_session_store_key);
  ADD ("/session/demo", test_session_demo);
  ADD ("/session/settings", test_session_settings);

  return g_test_run ();
}
