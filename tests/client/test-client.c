#include "config.h"

#include <string.h>

#include "ks-core.h"
#include "../ks-test-time.h"

#define KEY        "kid-4f1e9a:sec-9d8c7b6a5f4e3d2c1b0a"
#define KEY_SECRET "sec-9d8c7b6a5f4e3d2c1b0a"
#define T2I        "fal-ai/flux-pro/kontext/text-to-image"
#define T2I_BODY   "{\"prompt\":\"a red apple\",\"output_format\":\"png\",\"num_images\":1}"
#define WAIT_LIMIT_S 60

typedef struct
{
  KsSimServer *server;
  KsClient    *client;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = ks_sim_server_new ();
  g_object_set (f->server,
                "queue-delay", 30 * ks_test_time_scale (),
                "run-time", 120 * ks_test_time_scale (),
                "log-lines", 2,
                "ping-interval", 100,
                "retry-after", 0,
                "api-key", KEY,
                NULL);
  g_assert_true (ks_sim_server_listen (f->server, 0, &error));
  g_assert_no_error (error);

  f->client = ks_client_new (ks_sim_server_get_base_url (f->server));
  g_object_set (f->client, "retry-base-delay", 10, "max-retries", 3, NULL);
  ks_client_set_api_key (f->client, KEY);
}

static gboolean tick (gpointer data);

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gpointer weak = f->client;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint id = g_timeout_add (10, tick, NULL);

  /* No operation may keep the client alive. A worker thread that parsed a
   * result drops its reference just after the main loop saw the result, so
   * allow it a moment rather than asserting at once. */
  g_object_add_weak_pointer (G_OBJECT (f->client), &weak);
  g_clear_object (&f->client);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  g_assert_null (weak);
  g_clear_object (&f->server);

  /* Let closing connections and finished jobs settle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- Waiting on the main loop -------------------------------------------------- */

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates until *@result is set; a hang fails the test instead of the run. */
static void
wait_for (GAsyncResult **result)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;
  guint id = g_timeout_add (50, tick, NULL);

  while (*result == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("An operation did not finish within %d s", WAIT_LIMIT_S);
    }

  g_source_remove (id);
}

static void
sleep_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;
  guint id = g_timeout_add (MAX (ms / 4, 1), tick, NULL);

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (id);
}

/* Every error a person sees: never the key, nor its secret half. */
static void
assert_clean (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_null (strstr (error->message, KEY));
  g_assert_null (strstr (error->message, KEY_SECRET));
  g_assert_cmpuint (strlen (error->message), >, 0);
}

static KsRequest *
submit (Fixture     *f,
        const char  *endpoint,
        const char  *body,
        int         *position,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_submit_async (f->client, endpoint, body, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_submit_finish (f->client, result, position, error);
}

static KsStatus *
get_status (Fixture          *f,
            const KsRequest  *request,
            GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_get_status_async (f->client, request, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_get_status_finish (f->client, result, error);
}

static KsResult *
get_result (Fixture          *f,
            const KsRequest  *request,
            GPtrArray       **field_errors,
            GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_get_result_async (f->client, request, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_get_result_finish (f->client, result, field_errors, error);
}

static GBytes *
download (Fixture     *f,
          const char  *url,
          char       **content_type,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_download_async (f->client, url, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_download_finish (f->client, result, content_type, error);
}

static gboolean
cancel (Fixture          *f,
        const KsRequest  *request,
        GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_cancel_async (f->client, request, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_cancel_finish (f->client, result, error);
}

typedef struct
{
  guint    events;
  guint    log_lines;
  gboolean saw_completed;
  gboolean destroyed;
} StreamCounts;

static void
count_status (const KsStatus *status,
              gpointer        user_data)
{
  StreamCounts *counts = user_data;

  counts->events++;
  counts->log_lines += status->logs->len;
  if (status->state == KS_QUEUE_STATE_COMPLETED)
    counts->saw_completed = TRUE;
}

static void
mark_destroyed (gpointer user_data)
{
  StreamCounts *counts = user_data;

  counts->destroyed = TRUE;
}

static KsStatus *
stream (Fixture          *f,
        const KsRequest  *request,
        StreamCounts     *counts,
        GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_stream_status_async (f->client, request, count_status, counts, mark_destroyed,
                                 NULL, store_result, &result);
  wait_for (&result);

  return ks_client_stream_status_finish (f->client, result, error);
}

/* Follows a request to COMPLETED by polling, as the fallback does. */
static KsStatus *
poll_until_completed (Fixture         *f,
                      const KsRequest *request,
                      guint           *n_polls)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      KsStatus *status = get_status (f, request, &error);

      g_assert_no_error (error);
      if (n_polls != NULL)
        (*n_polls)++;
      if (status->state == KS_QUEUE_STATE_COMPLETED)
        return status;
      ks_status_free (status);
      sleep_ms (20);
    }
}

/* ---- The happy paths ------------------------------------------------------------ */

static void
test_submit_stream_result (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *prefix = NULL;
  StreamCounts counts = { 0 };
  KsResultImage *image;
  JsonNode *input;
  int position = -5;

  request = submit (f, T2I, T2I_BODY, &position, &error);
  g_assert_no_error (error);
  g_assert_nonnull (request);
  g_assert_cmpint (position, >=, 0);
  g_assert_true (ks_request_id_is_valid (request->request_id));
  /* Requests live under owner/alias, without the endpoint's path. */
  prefix = g_strdup_printf ("%s/fal-ai/flux-pro/requests/%s", ks_sim_server_get_base_url (f->server), request->request_id);
  g_assert_cmpstr (request->response_url, ==, prefix);
  g_assert_true (g_str_has_prefix (request->status_url, prefix));

  /* The server received exactly the body that was sent. */
  g_assert_cmpuint (ks_sim_server_get_job_count (f->server), ==, 1);
  input = ks_sim_server_get_job_input (f->server, 0);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (input), "prompt"), ==, "a red apple");

  status = stream (f, request, &counts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status->state, ==, KS_QUEUE_STATE_COMPLETED);
  g_assert_null (status->error);
  g_assert_true (counts.saw_completed);
  g_assert_cmpuint (counts.events, >=, 2);
  g_assert_cmpuint (counts.log_lines, >, 0);
  g_assert_true (counts.destroyed);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STATUS), ==, 0);

  result = get_result (f, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->images->len, ==, 1);
  g_assert_true (result->has_seed);
  image = g_ptr_array_index (result->images, 0);
  g_assert_cmpint (image->width, >, 0);

  bytes = download (f, image->url, &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (content_type, ==, "image/png");
  /* Real image bytes that decode (the type is named: with isolated XDG
   * dirs there is no MIME database to sniff with). */
  loader = gdk_pixbuf_loader_new_with_type ("png", &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_write_bytes (loader, bytes, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (gdk_pixbuf_loader_get_pixbuf (loader)), ==, image->width);
}

static void
test_polling (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) first = NULL;
  g_autoptr(KsStatus) last = NULL;
  guint polls = 0;

  g_object_set (f->client, "use-streaming", FALSE, NULL);
  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);

  first = get_status (f, request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first->state, !=, KS_QUEUE_STATE_COMPLETED);

  last = poll_until_completed (f, request, &polls);
  g_assert_null (last->error);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STATUS), ==, polls + 1);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STREAM), ==, 0);
}

/* ---- Failures, one class at a time ------------------------------------------------------ */

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;

  /* The server's own key check, not an injected fault. */
  ks_client_set_api_key (f->client, "kid-0000:wrong-secret-value");
  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_null (request);
  g_assert_error (error, KS_ERROR, KS_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_assert_null (strstr (error->message, "wrong-secret-value"));
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_SUBMIT), ==, 1);
  g_assert_cmpuint (ks_sim_server_get_job_count (f->server), ==, 0);
}

static void
test_forbidden (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;

  ks_sim_server_add_fault (f->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_403, 1);
  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_null (request);
  g_assert_error (error, KS_ERROR, KS_ERROR_FORBIDDEN);
  assert_clean (error);
  /* fal's own words are kept. */
  g_assert_nonnull (strstr (error->message, "Exhausted balance"));
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_SUBMIT), ==, 1);
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;
  g_autoptr(GPtrArray) field_errors = NULL;
  gboolean found = FALSE;

  /* Accepted at submit, refused at the result, as fal does. */
  request = submit (f, T2I, "{\"prompt\":\"x\",\"guidance_scale\":50}", NULL, &error);
  g_assert_no_error (error);
  status = poll_until_completed (f, request, NULL);

  result = get_result (f, request, &field_errors, &error);
  g_assert_null (result);
  g_assert_error (error, KS_ERROR, KS_ERROR_VALIDATION);
  assert_clean (error);
  g_assert_nonnull (strstr (error->message, "guidance_scale"));
  g_assert_nonnull (field_errors);
  for (guint i = 0; i < field_errors->len; i++)
    {
      KsFieldError *fe = g_ptr_array_index (field_errors, i);

      if (g_strcmp0 (fe->field, "guidance_scale") == 0)
        found = TRUE;
    }
  g_assert_true (found);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_RESULT), ==, 1);
}

static void
test_content_policy (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;
  g_autoptr(GPtrArray) field_errors = NULL;

  request = submit (f, T2I, "{\"prompt\":\"[policy] something\"}", NULL, &error);
  g_assert_no_error (error);
  status = poll_until_completed (f, request, NULL);

  result = get_result (f, request, &field_errors, &error);
  g_assert_null (result);
  g_assert_error (error, KS_ERROR, KS_ERROR_CONTENT_POLICY);
  assert_clean (error);
  g_assert_nonnull (field_errors);
  g_assert_cmpuint (field_errors->len, >=, 1);
}

static void
test_rate_limited_submit (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  gint64 start;

  /* Retry-After: 1 is honoured even though the backoff is 10 ms. */
  g_object_set (f->server, "retry-after", 1, NULL);
  ks_sim_server_add_fault (f->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_429, 1);
  start = g_get_monotonic_time ();
  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (request);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_SUBMIT), ==, 2);
  g_assert_cmpuint (ks_sim_server_get_job_count (f->server), ==, 1);

  /* When 429 persists, it ends as RATE_LIMITED after max-retries. */
  g_object_set (f->server, "retry-after", 0, NULL);
  ks_sim_server_add_fault (f->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_429, 0);
  g_clear_pointer (&request, ks_request_free);
  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_RATE_LIMITED);
  assert_clean (error);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_SUBMIT), ==, 2 + 4);
}

/* A submit that may have reached the server is never sent twice. */
static void
test_submit_not_retried (Fixture       *f,
                         gconstpointer  data)
{
  static const KsSimFault faults[] = { KS_SIM_FAULT_502_HTML, KS_SIM_FAULT_500, KS_SIM_FAULT_503, KS_SIM_FAULT_DROP };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRequest) request = NULL;

      ks_sim_server_add_fault (f->server, KS_SIM_STEP_SUBMIT, faults[i], 1);
      request = submit (f, T2I, T2I_BODY, NULL, &error);
      g_assert_null (request);
      g_assert_nonnull (error);
      assert_clean (error);
      g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_SUBMIT), ==, i + 1);

      if (faults[i] == KS_SIM_FAULT_502_HTML)
        {
          g_assert_error (error, KS_ERROR, KS_ERROR_SERVER);
          g_assert_nonnull (strstr (error->message, "gateway"));
          g_assert_null (strstr (error->message, "<"));
        }
    }
}

static void
test_status_retried (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;

  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);

  ks_sim_server_add_fault (f->server, KS_SIM_STEP_STATUS, KS_SIM_FAULT_500, 1);
  ks_sim_server_add_fault (f->server, KS_SIM_STEP_STATUS, KS_SIM_FAULT_502_HTML, 1);
  status = get_status (f, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (status);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STATUS), ==, 3);

  /* A 500 that never ends gives up after max-retries. */
  g_clear_pointer (&status, ks_status_free);
  ks_sim_server_add_fault (f->server, KS_SIM_STEP_STATUS, KS_SIM_FAULT_500, 0);
  status = get_status (f, request, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_SERVER);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STATUS), ==, 3 + 4);
}

static void
test_user_timeout_not_retried (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsResult) result = NULL;

  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  ks_sim_server_add_fault (f->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_504_USER_TIMEOUT, 1);
  result = get_result (f, request, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, KS_ERROR, KS_ERROR_TIMEOUT);
  assert_clean (error);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_RESULT), ==, 1);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  static const KsSimFault faults[] = { KS_SIM_FAULT_MALFORMED_JSON, KS_SIM_FAULT_WRONG_TYPES, KS_SIM_FAULT_MISSING_FIELDS };
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;

  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(KsStatus) status = NULL;

      ks_sim_server_add_fault (f->server, KS_SIM_STEP_STATUS, faults[i], 1);
      status = get_status (f, request, &error);
      g_assert_null (status);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      assert_clean (error);
      g_clear_error (&error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(KsRequest) other = NULL;

      ks_sim_server_add_fault (f->server, KS_SIM_STEP_SUBMIT, faults[i], 1);
      other = submit (f, T2I, T2I_BODY, NULL, &error);
      g_assert_null (other);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      g_clear_error (&error);
    }

  /* Not retried: the same bytes would come again. */
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STATUS), ==, G_N_ELEMENTS (faults));
}

static void
test_expired_and_unknown (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsRequest) unknown = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;

  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  status = poll_until_completed (f, request, NULL);

  ks_sim_server_add_fault (f->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_EXPIRED, 1);
  result = get_result (f, request, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, KS_ERROR, KS_ERROR_EXPIRED);
  g_clear_error (&error);

  /* A request id the server never issued. */
  g_clear_pointer (&status, ks_status_free);
  unknown = ks_request_new (ks_sim_server_get_base_url (f->server), T2I, "no-such-request");
  status = get_status (f, unknown, &error);
  g_assert_null (status);
  g_assert_error (error, KS_ERROR, KS_ERROR_NOT_FOUND);
}

/* A stream that cannot be had, or drops, is a network error: the caller
 * falls back to polling. A refused key is a real error. */
static void
test_stream_fallbacks (Fixture       *f,
                       gconstpointer  data)
{
  static const KsSimFault faults[] = { KS_SIM_FAULT_DROP, KS_SIM_FAULT_REFUSE, KS_SIM_FAULT_503 };
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;

  g_object_set (f->server, "run-time", 2000, NULL);
  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(KsStatus) status = NULL;
      StreamCounts counts = { 0 };

      ks_sim_server_add_fault (f->server, KS_SIM_STEP_STREAM, faults[i], 1);
      status = stream (f, request, &counts, &error);
      g_assert_null (status);
      g_assert_error (error, KS_ERROR, KS_ERROR_NETWORK);
      g_assert_false (counts.saw_completed);
      g_assert_true (counts.destroyed);
      g_clear_error (&error);
    }

  /* Not retried behind the caller's back. */
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STREAM), ==, G_N_ELEMENTS (faults));

  {
    g_autoptr(KsStatus) status = NULL;
    StreamCounts counts = { 0 };

    ks_sim_server_add_fault (f->server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_401, 1);
    status = stream (f, request, &counts, &error);
    g_assert_error (error, KS_ERROR, KS_ERROR_UNAUTHORIZED);
  }
}

/* ---- Downloads ------------------------------------------------------------------------ */

static void
test_download_data_uri (Fixture       *f,
                        gconstpointer  data)
{
  static const guchar payload[] = { 0x89, 'P', 'N', 'G', 0, 1, 2, 3, 255 };
  g_autofree char *b64 = g_base64_encode (payload, sizeof payload);
  g_autofree char *uri = g_strdup_printf ("data:image/png;base64,%s", b64);
  g_autofree char *content_type = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) refused = NULL;
  g_autofree char *big = NULL;
  g_autofree char *big_uri = NULL;

  bytes = download (f, uri, &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (content_type, ==, "image/png");
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), payload, sizeof payload);

  /* Over the cap, a data URI is refused too. */
  g_object_set (f->client, "max-download-bytes", (guint64) 1024, NULL);
  big = g_strnfill (4000, 'A');
  big_uri = g_strdup_printf ("data:image/png;base64,%s", big);
  refused = download (f, big_uri, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);

  /* Nothing went over the network. */
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_ANY), ==, 0);
}

static void
test_download_refusals (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  KsResultImage *image;

  request = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  status = poll_until_completed (f, request, NULL);
  result = get_result (f, request, NULL, &error);
  g_assert_no_error (error);
  image = g_ptr_array_index (result->images, 0);

  /* A body far over the cap is refused, whether announced or not. */
  ks_sim_server_add_fault (f->server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_OVERSIZED, 1);
  bytes = download (f, image->url, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_object_set (f->client, "max-download-bytes", (guint64) 1024, NULL);
  bytes = download (f, image->url, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Plain http is only for this computer. */
  bytes = download (f, "http://example.com/image.png", NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, KS_ERROR, KS_ERROR_INSECURE);
  g_clear_error (&error);

  bytes = download (f, "file:///etc/passwd", NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, KS_ERROR, KS_ERROR_INSECURE);
}

static void
test_insecure_base (void)
{
  g_autoptr(KsClient) client = ks_client_new ("http://example.com");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;

  ks_client_set_api_key (client, KEY);
  ks_client_submit_async (client, T2I, T2I_BODY, NULL, store_result, &result);
  wait_for (&result);
  request = ks_client_submit_finish (client, result, NULL, &error);
  g_assert_null (request);
  g_assert_error (error, KS_ERROR, KS_ERROR_INSECURE);
  assert_clean (error);

  g_assert_true (ks_client_check_base_url ("https://proxy.example.com/fal", NULL));
  g_assert_true (ks_client_check_base_url ("http://127.0.0.1:8080", NULL));
  g_assert_true (ks_client_check_base_url ("http://127.4.5.6", NULL));
  g_assert_true (ks_client_check_base_url ("http://[::1]:9000", NULL));
  g_assert_true (ks_client_check_base_url ("http://localhost:9000", NULL));
  g_assert_false (ks_client_check_base_url ("http://192.168.1.10", NULL));
  g_assert_false (ks_client_check_base_url ("http://localhost.example.com", NULL));
  g_assert_false (ks_client_check_base_url ("ftp://queue.fal.run", NULL));
  g_assert_false (ks_client_check_base_url ("not a url", NULL));

  {
    g_autoptr(KsClient) fal = ks_client_new (NULL);

    g_assert_true (ks_client_is_fal_base (fal));
    g_assert_false (ks_client_is_fal_base (client));
  }
}

/* Upload: an authorised initiate, then the bytes to the upload URL; the
 * file URL then serves the same bytes. */
static void
test_upload (Fixture       *f,
             gconstpointer  data)
{
  static const char payload[] = "not really a png, but bytes all the same";
  g_autoptr(GBytes) bytes = g_bytes_new_static (payload, sizeof payload - 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autofree char *file_url = NULL;

  ks_client_upload_async (f->client, bytes, "image/png", "ref.png", NULL, store_result, &result);
  wait_for (&result);
  file_url = ks_client_upload_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file_url);
  g_assert_true (g_str_has_prefix (file_url, ks_sim_server_get_base_url (f->server)));

  back = download (f, file_url, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (back, bytes));

  g_assert_null (ks_client_lookup_upload (f->client, "abc"));
  ks_client_remember_upload (f->client, "abc", file_url);
  g_assert_cmpstr (ks_client_lookup_upload (f->client, "abc"), ==, file_url);
}

/* A request that names another host than the configured service never
 * gets the key. */
static void
test_key_stays_home (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(KsRequest) request = ks_request_new ("https://elsewhere.example", T2I, "abc");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsStatus) status = get_status (f, request, &error);

  g_assert_null (status);
  g_assert_error (error, KS_ERROR, KS_ERROR_INSECURE);
  g_assert_cmpuint (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_ANY), ==, 0);
}

/* ---- Cancel ---------------------------------------------------------------------------- */

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) queued = NULL;
  g_autoptr(KsRequest) done = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsStatus) done_status = NULL;
  StreamCounts counts = { 0 };

  /* Finished one first, at the default speed. */
  done = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  done_status = stream (f, done, &counts, &error);
  g_assert_no_error (error);

  g_object_set (f->server, "queue-delay", 10000, NULL);
  queued = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (cancel (f, queued, &error));
  g_assert_no_error (error);
  status = poll_until_completed (f, queued, NULL);
  g_assert_nonnull (status->error);
  g_assert_cmpstr (status->error_type, ==, "request_cancelled");

  g_assert_false (cancel (f, done, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_ALREADY_COMPLETED);
  assert_clean (error);
}

/* ---- Many streams ------------------------------------------------------------------------ */

#define N_STREAMS 16

static void
test_many_streams (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) finished = NULL;
  g_autoptr(KsStatus) finished_status = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(KsRequest) late = NULL;
  g_autoptr(KsResult) result = NULL;
  GAsyncResult *stream_results[N_STREAMS] = { NULL, };
  KsRequest *requests[N_STREAMS];
  StreamCounts counts[N_STREAMS] = { { 0 } };
  gint64 start;
  gint64 elapsed;

  finished = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  finished_status = poll_until_completed (f, finished, NULL);

  /* Sixteen jobs that stay queued, each followed by an open stream. */
  g_object_set (f->server, "queue-delay", 600000, NULL);
  for (guint i = 0; i < N_STREAMS; i++)
    {
      requests[i] = submit (f, T2I, T2I_BODY, NULL, &error);
      g_assert_no_error (error);
      ks_client_stream_status_async (f->client, requests[i], count_status, &counts[i], NULL,
                                     cancellable, store_result, &stream_results[i]);
    }

  while (ks_sim_server_get_request_count (f->server, KS_SIM_STEP_STREAM) < N_STREAMS)
    sleep_ms (20);

  /* With every stream open, a submit and a result still go through at once. */
  start = g_get_monotonic_time ();
  late = submit (f, T2I, T2I_BODY, NULL, &error);
  g_assert_no_error (error);
  result = get_result (f, finished, NULL, &error);
  g_assert_no_error (error);
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("submit + result with %d open streams: %.1f ms", N_STREAMS, elapsed / 1000.0);
  g_assert_cmpint (elapsed, <, 10 * G_USEC_PER_SEC);

  for (guint i = 0; i < N_STREAMS; i++)
    {
      g_assert_null (stream_results[i]);
      g_assert_cmpuint (counts[i].events, >=, 1);
    }

  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < N_STREAMS; i++)
    {
      g_autoptr(KsStatus) status = NULL;

      wait_for (&stream_results[i]);
      status = ks_client_stream_status_finish (f->client, stream_results[i], &error);
      g_assert_null (status);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_clear_object (&stream_results[i]);
      ks_request_free (requests[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/client/submit-stream-result", test_submit_stream_result);
  ADD ("/client/polling", test_polling);
  ADD ("/client/error/unauthorized", test_unauthorized);
  ADD ("/client/error/forbidden", test_forbidden);
  ADD ("/client/error/validation", test_validation);
  ADD ("/client/error/content-policy", test_content_policy);
  ADD ("/client/error/rate-limited-submit", test_rate_limited_submit);
  ADD ("/client/error/submit-not-retried", test_submit_not_retried);
  ADD ("/client/error/status-retried", test_status_retried);
  ADD ("/client/error/user-timeout", test_user_timeout_not_retried);
  ADD ("/client/error/malformed", test_malformed);
  ADD ("/client/error/expired-and-unknown", test_expired_and_unknown);
  ADD ("/client/stream/fallbacks", test_stream_fallbacks);
  ADD ("/client/download/data-uri", test_download_data_uri);
  ADD ("/client/download/refusals", test_download_refusals);
  ADD ("/client/key-stays-home", test_key_stays_home);
  ADD ("/client/cancel", test_cancel);
  ADD ("/client/many-streams", test_many_streams);
  g_test_add_func ("/client/insecure-base", test_insecure_base);
  ADD ("/client/upload", test_upload);

#undef ADD

  return g_test_run ();
}
