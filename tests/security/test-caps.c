/* Caps: a service that never stops talking is cut off with a clear error,
 * on every kind of reply, and the client's memory stays bounded. The
 * figures (bytes the server got out, resident growth) are printed with
 * --verbose. */

#include "config.h"

#include <string.h>

#include "security-util.h"

#define KEY         "ks-caps-id:ks-caps-secret-0b5e55ed"
#define MIB         ((guint64) 1024 * 1024)
#define JSON_CAP    (8 * MIB)     /* the client's cap on JSON replies */
#define ERROR_CAP   (64 * 1024)   /* and on error pages */
#define STREAM_CAP  (64 * MIB)    /* and on a status stream in all */
/* What may be on the way (socket buffers, a chunk in flight) when the
 * client stops reading. */
#define SLACK       (32 * MIB)

typedef struct
{
  Hostile  *hostile;
  KsClient *client;
  char     *base;
  guint64   baseline;
  guint64   peak;
  guint     sampler;
} Fixture;

static gboolean
sample_cb (gpointer data)
{
  Fixture *f = data;

  f->peak = MAX (f->peak, resident_bytes ());

  return G_SOURCE_CONTINUE;
}

static void
fixture_use (Fixture    *f,
             const char *mode)
{
  g_clear_object (&f->client);
  g_free (f->base);
  f->base = hostile_url (f->hostile, mode);
  f->client = ks_client_new (f->base);
  ks_client_set_api_key (f->client, KEY);
  g_object_set (f->client, "max-retries", 0, "retry-base-delay", 10, NULL);

  f->hostile->bytes_sent = 0;
  f->baseline = resident_bytes ();
  f->peak = f->baseline;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->hostile = hostile_new (NULL);
  f->sampler = g_timeout_add (5, sample_cb, f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_handle_id (&f->sampler, g_source_remove);
  g_clear_object (&f->client);
  g_clear_pointer (&f->hostile, hostile_free);
  g_free (f->base);
}

/* The reply was cut off near @cap, and the client grew by no more than a
 * few times what it may hold. */
static void
assert_bounded (Fixture    *f,
                const char *what,
                guint64     cap)
{
  guint64 sent;
  guint64 growth;

  hostile_wait_cut_off (f->hostile);
  sample_cb (f);
  sent = f->hostile->bytes_sent;
  growth = f->peak > f->baseline ? f->peak - f->baseline : 0;

  g_test_message ("%s: cap %" G_GUINT64_FORMAT " KiB, server got out %" G_GUINT64_FORMAT
                  " KiB before the cut, resident growth %" G_GUINT64_FORMAT " KiB",
                  what, cap / 1024, sent / 1024, growth / 1024);
  if (g_test_verbose ())
    g_printerr ("%-28s cap %8" G_GUINT64_FORMAT " KiB  sent %8" G_GUINT64_FORMAT
                " KiB  growth %8" G_GUINT64_FORMAT " KiB\n",
                what, cap / 1024, sent / 1024, growth / 1024);

  g_assert_cmpuint (sent, <=, cap + SLACK);
#ifdef __SANITIZE_ADDRESS__
  /* The sanitizer's redzones and freed-memory quarantine hold more. */
  g_assert_cmpuint (growth, <=, 4 * cap + 64 * MIB);
#else
  g_assert_cmpuint (growth, <=, 3 * cap + 32 * MIB);
#endif

  /* The next call is measured on its own. */
  f->hostile->bytes_sent = 0;
  f->baseline = resident_bytes ();
  f->peak = f->baseline;
}

static void
test_submit (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;

  fixture_use (f, "json");
  request = do_submit (f->client, &error);
  g_assert_null (request);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "larger than");
  g_assert_cmpuint (f->hostile->bytes_sent, >=, JSON_CAP);
  assert_bounded (f, "submit reply", JSON_CAP);
  g_clear_error (&error);

  /* Announced too large: refused before reading. */
  fixture_use (f, "json-length");
  request = do_submit (f->client, &error);
  g_assert_null (request);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "larger than");
}

static void
test_status_and_result (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;

  fixture_use (f, "json");
  request = ks_request_new (f->base, "fal-ai/flux-pro/kontext", "abc");

  status = do_status (f->client, request, &error);
  g_assert_null (status);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "larger than");
  assert_bounded (f, "status reply", JSON_CAP);
  g_clear_error (&error);

  /* A result may carry images inline: its cap is the larger of the two. */
  g_object_set (f->client, "max-download-bytes", (guint64) MIB, NULL);
  result = do_result (f->client, request, &error);
  g_assert_null (result);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "larger than");
  assert_bounded (f, "result reply", JSON_CAP);
  g_clear_error (&error);

  /* With the default caps too. */
  fixture_use (f, "json");
  result = do_result (f->client, request, &error);
  g_assert_null (result);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "larger than");
  assert_bounded (f, "result reply (default cap)", 64 * MIB);
}

static void
test_upload_reply (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file_url = NULL;

  fixture_use (f, "json");
  file_url = do_upload (f->client, &error);
  g_assert_null (file_url);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "larger than");
  assert_bounded (f, "upload reply", JSON_CAP);
}

/* An error page is read only as far as needed to explain it. */
static void
test_error_bodies (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *image = NULL;

  fixture_use (f, "error500");
  g_object_set (f->client, "max-retries", 1, NULL);
  request = ks_request_new (f->base, "fal-ai/flux-pro/kontext", "abc");
  status = do_status (f->client, request, &error);
  g_assert_null (status);
  assert_error_says (error, KS_ERROR_SERVER, "500");
  assert_bounded (f, "500 page, twice", 2 * ERROR_CAP);
  /* Retried once, each attempt cut off. */
  g_assert_cmpuint (f->hostile->endless_started, ==, 2);
  g_clear_error (&error);
  g_clear_pointer (&request, ks_request_free);

  fixture_use (f, "error401");
  request = do_submit (f->client, &error);
  g_assert_null (request);
  assert_error_says (error, KS_ERROR_UNAUTHORIZED, "key");
  assert_bounded (f, "401 page", ERROR_CAP);
  g_clear_error (&error);

  fixture_use (f, "error500");
  image = hostile_url (f->hostile, "error500/image.png");
  bytes = do_download (f->client, image, &error);
  g_assert_null (bytes);
  g_assert_nonnull (error);
  assert_bounded (f, "500 page for an image", ERROR_CAP);
}

static void
test_stream (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  guint n_events = 0;

  fixture_use (f, "sse-line");
  request = ks_request_new (f->base, "fal-ai/flux-pro/kontext", "abc");
  status = do_stream (f->client, request, &n_events, &error);
  g_assert_null (status);
  assert_error_says (error, KS_ERROR_MALFORMED, "line");
  assert_bounded (f, "stream line", MIB);
  g_assert_cmpuint (n_events, ==, 0);
  g_clear_error (&error);
  g_clear_pointer (&request, ks_request_free);

  /* Every line short, events coming: still cut off in the end. */
  fixture_use (f, "sse-total");
  request = ks_request_new (f->base, "fal-ai/flux-pro/kontext", "abc");
  status = do_stream (f->client, request, &n_events, &error);
  g_assert_null (status);
  assert_error_says (error, KS_ERROR_MALFORMED, "cut off");
  g_assert_cmpuint (f->hostile->bytes_sent, >=, STREAM_CAP);
  assert_bounded (f, "stream in all", STREAM_CAP);
  g_assert_cmpuint (n_events, >, 10);
}

static void
test_image (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *image = NULL;

  fixture_use (f, "image");
  g_object_set (f->client, "max-download-bytes", (guint64) 2 * MIB, NULL);
  image = hostile_url (f->hostile, "image/result.png");
  bytes = do_download (f->client, image, &error);
  g_assert_null (bytes);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "image");
  assert_bounded (f, "image (2 MiB cap)", 2 * MIB);
  g_clear_error (&error);

  fixture_use (f, "image");
  bytes = do_download (f->client, image, &error);
  g_assert_null (bytes);
  assert_error_says (error, KS_ERROR_TOO_LARGE, "image");
  assert_bounded (f, "image (default cap)", 64 * MIB);
}

/* The local fal-compatible server's own fault: 256 MiB after a real start,
 * on each step of the protocol. */
static void
test_sim_oversized (void)
{
  g_autoptr(KsSimServer) server = ks_sim_server_new ();
  g_autoptr(KsClient) client = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(KsResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  KsResultImage *image;
  guint n_events = 0;
  gint64 deadline;

  g_object_set (server, "queue-delay", 20, "run-time", 50, "ping-interval", 100, NULL);
  g_assert_true (ks_sim_server_listen (server, 0, &error));
  g_assert_no_error (error);
  client = ks_client_new (ks_sim_server_get_base_url (server));
  ks_client_set_api_key (client, KEY);
  g_object_set (client, "max-retries", 0, NULL);

  ks_sim_server_add_fault (server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_OVERSIZED, 1);
  request = do_submit (client, &error);
  g_assert_null (request);
  assert_error_says (error, KS_ERROR_TOO_LARGE, NULL);
  g_clear_error (&error);

  request = do_submit (client, &error);
  g_assert_no_error (error);

  ks_sim_server_add_fault (server, KS_SIM_STEP_STATUS, KS_SIM_FAULT_OVERSIZED, 1);
  status = do_status (client, request, &error);
  g_assert_null (status);
  assert_error_says (error, KS_ERROR_TOO_LARGE, NULL);
  g_clear_error (&error);

  ks_sim_server_add_fault (server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_OVERSIZED, 1);
  status = do_stream (client, request, &n_events, &error);
  g_assert_null (status);
  assert_error_says (error, KS_ERROR_MALFORMED, NULL);
  g_clear_error (&error);

  /* Then the job completes, and its result is the next to misbehave. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while ((status = do_status (client, request, &error)) != NULL &&
         status->state != KS_QUEUE_STATE_COMPLETED)
    {
      g_clear_pointer (&status, ks_status_free);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
  g_assert_no_error (error);

  ks_sim_server_add_fault (server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_OVERSIZED, 1);
  result = do_result (client, request, &error);
  g_assert_null (result);
  assert_error_says (error, KS_ERROR_TOO_LARGE, NULL);
  g_clear_error (&error);

  result = do_result (client, request, &error);
  g_assert_no_error (error);
  image = g_ptr_array_index (result->images, 0);

  ks_sim_server_add_fault (server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_OVERSIZED, 1);
  bytes = do_download (client, image->url, &error);
  g_assert_null (bytes);
  assert_error_says (error, KS_ERROR_TOO_LARGE, NULL);
  g_clear_error (&error);

  bytes = do_download (client, image->url, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/security/caps/submit", test_submit);
  ADD ("/security/caps/status-and-result", test_status_and_result);
  ADD ("/security/caps/upload-reply", test_upload_reply);
  ADD ("/security/caps/error-bodies", test_error_bodies);
  ADD ("/security/caps/stream", test_stream);
  ADD ("/security/caps/image", test_image);
#undef ADD
  g_test_add_func ("/security/caps/sim-oversized", test_sim_oversized);

  return g_test_run ();
}
