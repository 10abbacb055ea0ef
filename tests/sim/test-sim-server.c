/* test-sim-server.c: the local fal-compatible server, driven over HTTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"
#include "../ks-test-time.h"

#include <libsoup/soup.h>
#include <math.h>
#include <string.h>

#include "ks-error.h"
#include "ks-json.h"
#include "ks-sim-image.h"
#include "ks-sim-server.h"

#define EDIT_ENDPOINT "fal-ai/flux-pro/kontext"
#define T2I_ENDPOINT  "fal-ai/flux-pro/kontext/text-to-image"
#define DEADLINE_US   (30 * G_USEC_PER_SEC)

typedef struct
{
  KsSimServer *server;
  SoupSession *session;
  const char  *base;
} Fixture;

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  GError             *error;
  gint64              elapsed_us;
} Response;

static void
response_free (Response *response)
{
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_error (&response->error);
  g_free (response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 50,
                "run-time", 300,
                "log-lines", 4,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);
  fixture->base = ks_sim_server_get_base_url (fixture->server);
  g_assert_true (g_str_has_prefix (fixture->base, "http://127.0.0.1:"));

  fixture->session = soup_session_new_with_options ("proxy-resolver", NULL,
                                                    "timeout", 60,
                                                    NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_assert_finalize_object (fixture->server);
}

static void
wait_for (gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!*done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
sleep_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

typedef struct
{
  gboolean done;
  GBytes  *body;
  GError  *error;
} Pending;

static void
send_and_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Pending *pending = user_data;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &pending->error);
  pending->done = TRUE;
}

/* One request; @header_pairs is NULL or name, value, …, NULL. */
static Response *
http_full (Fixture     *fixture,
           const char  *method,
           const char  *url,
           const char  *content_type,
           GBytes      *body,
           const char  *header_name,
           const char  *header_value)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Response *response = g_new0 (Response, 1);
  Pending pending = { FALSE, NULL, NULL };
  gint64 start = g_get_monotonic_time ();

  g_assert_nonnull (msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  else if (content_type != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Type", content_type);
  if (header_name != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header_name, header_value);

  soup_session_send_and_read_async (fixture->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    send_and_read_cb, &pending);
  wait_for (&pending.done);

  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  response->body = pending.body;
  response->error = pending.error;
  response->elapsed_us = g_get_monotonic_time () - start;

  return response;
}

static Response *
http (Fixture    *fixture,
      const char *method,
      const char *url)
{
  return http_full (fixture, method, url, NULL, NULL, NULL, NULL);
}

/* A parsed reply that the caller frees. */
static JsonNode *
response_node (Response *response)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_no_error (response->error);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
  node = ks_json_parse_bytes (response->body, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return node;
}

static char *
submit_json (Fixture    *fixture,
             const char *endpoint,
             const char *input,
             JsonNode  **out_reply)
{
  g_autofree char *url = g_strdup_printf ("%s/%s", fixture->base, endpoint);
  g_autoptr(GBytes) body = g_bytes_new (input, strlen (input));
  g_autoptr(Response) response = http_full (fixture, "POST", url, "application/json", body, NULL, NULL);
  g_autoptr(JsonNode) node = NULL;
  const char *id;

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 200);
  node = response_node (response);
  id = ks_json_get_string_member (json_node_get_object (node), "request_id");
  g_assert_nonnull (id);
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "x-fal-request-id"), ==, id);

  if (out_reply != NULL)
    *out_reply = json_node_ref (node);

  return g_strdup (id);
}

static char *
request_url (Fixture    *fixture,
             const char *id,
             const char *suffix)
{
  return g_strdup_printf ("%s/fal-ai/flux-pro/requests/%s%s", fixture->base, id, suffix);
}

/* Polls the status until it is COMPLETED; returns the last reply. */
static JsonNode *
wait_completed (Fixture    *fixture,
                const char *id)
{
  g_autofree char *url = request_url (fixture, id, "/status?logs=1");
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  for (;;)
    {
      g_autoptr(Response) response = http (fixture, "GET", url);
      g_autoptr(JsonNode) node = response_node (response);
      const char *status = ks_json_get_string_member (json_node_get_object (node), "status");

      if (g_strcmp0 (status, "COMPLETED") == 0)
        {
          g_assert_cmpuint (response->status, ==, 200);
          return g_steal_pointer (&node);
        }

      g_assert_cmpuint (response->status, ==, 202);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      sleep_ms (20);
    }
}

/* Decodes with the loader named by @content_type: under isolated
 * directories there is no MIME database to sniff formats with. */
static GdkPixbuf *
decode (GBytes     *bytes,
        const char *content_type)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) error = NULL;

  loader = gdk_pixbuf_loader_new_with_mime_type (content_type, &error);
  g_assert_no_error (error);

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &error) ||
      !gdk_pixbuf_loader_close (loader, &error))
    {
      g_test_message ("not decoded: %s", error->message);
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }

  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/* The mean of each channel, for "is this visibly different". */
static void
mean_colour (GdkPixbuf *pixbuf,
             double     mean[3])
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  guint64 sum[3] = { 0, 0, 0 };

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < 3; c++)
        sum[c] += pixels[y * stride + x * channels + c];

  for (int c = 0; c < 3; c++)
    mean[c] = (double) sum[c] / ((double) width * height);
}

static double
colour_distance (GdkPixbuf *a,
                 GdkPixbuf *b)
{
  double ma[3], mb[3];

  mean_colour (a, ma);
  mean_colour (b, mb);

  return fabs (ma[0] - mb[0]) + fabs (ma[1] - mb[1]) + fabs (ma[2] - mb[2]);
}

/* Fetches image @index of a completed request's result. */
static GdkPixbuf *
fetch_result_image (Fixture    *fixture,
                    const char *id,
                    guint       index,
                    char      **out_url)
{
  g_autofree char *url = request_url (fixture, id, "");
  g_autoptr(Response) response = http (fixture, "GET", url);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(Response) image = NULL;
  JsonArray *images;
  JsonObject *entry;
  const char *image_url;
  GdkPixbuf *pixbuf;
  gint64 width, height;

  g_assert_cmpuint (response->status, ==, 200);
  node = response_node (response);
  images = ks_json_get_array_member (json_node_get_object (node), "images");
  g_assert_nonnull (images);
  g_assert_cmpuint (json_array_get_length (images), >, index);
  entry = json_array_get_object_element (images, index);
  image_url = ks_json_get_string_member (entry, "url");
  g_assert_nonnull (image_url);
  g_assert_true (ks_json_get_int_member (entry, "width", &width));
  g_assert_true (ks_json_get_int_member (entry, "height", &height));

  if (g_str_has_prefix (image_url, "data:"))
    {
      g_autofree char *content_type = NULL;
      g_autoptr(GBytes) bytes = soup_uri_decode_data_uri (image_url, &content_type);

      pixbuf = decode (bytes, content_type);
    }
  else
    {
      image = http (fixture, "GET", image_url);
      g_assert_cmpuint (image->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_content_type (image->headers, NULL), ==,
                       ks_json_get_string_member (entry, "content_type"));
      pixbuf = decode (image->body, ks_json_get_string_member (entry, "content_type"));
    }

  g_assert_nonnull (pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);

  if (out_url != NULL)
    *out_url = g_strdup (image_url);

  return pixbuf;
}

/* ------------------------------------------------------------------ */

static void
test_submit_reply (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *id = submit_json (fixture, EDIT_ENDPOINT "/max",
                                     "{\"prompt\":\"a cat\",\"image_url\":\"https://example.com/cat.png\"}",
                                     &reply);
  g_autofree char *status_url = request_url (fixture, id, "/status");
  g_autofree char *response_url = request_url (fixture, id, "");
  g_autofree char *cancel_url = request_url (fixture, id, "/cancel");
  g_autofree char *slash_url = g_strconcat (status_url, "/?logs=true", NULL);
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(Response) status = NULL;
  g_autoptr(Response) bad = NULL;
  g_autoptr(GBytes) junk = g_bytes_new_static ("{not json", strlen ("{not json"));
  g_autofree char *submit_url = g_strdup_printf ("%s/%s", fixture->base, EDIT_ENDPOINT);
  JsonObject *object = json_node_get_object (reply);
  gint64 position = -1;

  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpstr (ks_json_get_string_member (object, "status"), ==, "IN_QUEUE");
  /* The app-id rule: the /kontext/max suffix is dropped. */
  g_assert_cmpstr (ks_json_get_string_member (object, "status_url"), ==, status_url);
  g_assert_cmpstr (ks_json_get_string_member (object, "response_url"), ==, response_url);
  g_assert_cmpstr (ks_json_get_string_member (object, "cancel_url"), ==, cancel_url);
  g_assert_true (ks_json_get_int_member (object, "queue_position", &position));
  g_assert_cmpint (position, ==, 0);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (ks_sim_server_get_job_input (fixture->server, 0)),
                                              "prompt"), ==, "a cat");

  /* A trailing slash, logs=true and a bodiless GET with a JSON type. */
  status = http_full (fixture, "GET", slash_url, "application/json", NULL, NULL, NULL);
  g_assert_cmpuint (status->status, ==, 202);
  g_assert_cmpstr (soup_message_headers_get_one (status->headers, "x-fal-request-id"), ==, id);

  done = wait_completed (fixture, id);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);
  g_assert_cmpint (ks_sim_server_get_completed_time (fixture->server, id), >, 0);
  g_assert_cmpint (ks_sim_server_get_completed_time (fixture->server, id), <=, g_get_monotonic_time ());

  /* A body that is not an object is refused at submit and queues nothing. */
  bad = http_full (fixture, "POST", submit_url, "application/json", junk, NULL, NULL);
  g_assert_cmpuint (bad->status, ==, 422);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);
}

static void
test_status_codes_and_logs (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"a lighthouse\"}", NULL);
  g_autofree char *url = request_url (fixture, id, "/status?logs=1");
  g_autofree char *url_no_logs = request_url (fixture, id, "/status?logs=0");
  g_autofree char *unknown = request_url (fixture, "00000000-0000-4000-8000-000000000000", "/status");
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(Response) no_logs = NULL;
  g_autoptr(Response) missing = NULL;
  gboolean saw_progress = FALSE;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  JsonObject *metrics;
  JsonArray *logs;
  double inference_time = 0;

  for (;;)
    {
      g_autoptr(Response) response = http (fixture, "GET", url);
      g_autoptr(JsonNode) node = response_node (response);
      const char *status = ks_json_get_string_member (json_node_get_object (node), "status");

      if (g_strcmp0 (status, "COMPLETED") == 0)
        break;
      g_assert_cmpuint (response->status, ==, 202);
      if (g_strcmp0 (status, "IN_PROGRESS") == 0)
        {
          saw_progress = TRUE;
          g_assert_nonnull (ks_json_get_array_member (json_node_get_object (node), "logs"));
          g_assert_nonnull (ks_json_get_object_member (json_node_get_object (node), "metrics"));
        }
      else
        g_assert_cmpstr (status, ==, "IN_QUEUE");
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      sleep_ms (15);
    }
  g_assert_true (saw_progress);

  done = wait_completed (fixture, id);
  metrics = ks_json_get_object_member (json_node_get_object (done), "metrics");
  g_assert_nonnull (metrics);
  g_assert_true (ks_json_get_double_member (metrics, "inference_time", &inference_time));
  g_assert_cmpfloat (inference_time, >=, 0.29);
  logs = ks_json_get_array_member (json_node_get_object (done), "logs");
  g_assert_nonnull (logs);
  /* A sliding window of the latest lines, each a full entry. */
  g_assert_cmpuint (json_array_get_length (logs), ==, 3);
  for (guint i = 0; i < json_array_get_length (logs); i++)
    {
      JsonObject *entry = json_array_get_object_element (logs, i);

      g_assert_nonnull (ks_json_get_string_member (entry, "message"));
      g_assert_nonnull (ks_json_get_string_member (entry, "timestamp"));
      g_assert_cmpstr (ks_json_get_string_member (entry, "level"), ==, "INFO");
      g_assert_nonnull (ks_json_get_string_member (entry, "source"));
    }

  no_logs = http (fixture, "GET", url_no_logs);
  g_assert_cmpuint (no_logs->status, ==, 200);
  {
    g_autoptr(JsonNode) node = response_node (no_logs);

    g_assert_true (json_object_has_member (json_node_get_object (node), "logs"));
    g_assert_null (ks_json_get_array_member (json_node_get_object (node), "logs"));
  }

  missing = http (fixture, "GET", unknown);
  g_assert_cmpuint (missing->status, ==, 404);
}

/* The messages of a completed job's logs, joined with "|". */
static char *
completed_log_text (Fixture    *fixture,
                    const char *id)
{
  g_autoptr(JsonNode) done = wait_completed (fixture, id);
  JsonArray *logs = ks_json_get_array_member (json_node_get_object (done), "logs");
  g_autoptr(GString) text = g_string_new (NULL);

  g_assert_nonnull (logs);
  for (guint i = 0; i < json_array_get_length (logs); i++)
    {
      JsonObject *entry = json_array_get_object_element (logs, i);

      g_string_append_printf (text, "%s%s", i > 0 ? "|" : "",
                              ks_json_get_string_member (entry, "message"));
    }

  return g_strdup (text->str);
}

static void
test_log_lines (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *t2i_id = NULL;
  g_autofree char *edit_id = NULL;
  g_autofree char *t2i_logs = NULL;
  g_autofree char *edit_logs = NULL;

  g_object_set (fixture->server, "log-window", 10, NULL);
  t2i_id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"a lighthouse\"}", NULL);
  edit_id = submit_json (fixture, EDIT_ENDPOINT,
                         "{\"prompt\":\"add a boat\",\"image_url\":\"https://example.com/harbour.jpg\"}", NULL);

  /* Only a job with a reference image says it encodes one. */
  t2i_logs = completed_log_text (fixture, t2i_id);
  g_assert_cmpstr (t2i_logs, ==,
                   "Loading FLUX.1 Kontext weights|Encoding the prompt|Denoising|Decoding latents");
  edit_logs = completed_log_text (fixture, edit_id);
  g_assert_cmpstr (edit_logs, ==,
                   "Loading FLUX.1 Kontext weights|Encoding the prompt|Encoding the reference image|Denoising");
}

static void
test_queue_positions (Fixture       *fixture,
                      gconstpointer  data)
{
  char *ids[3];
  gint64 last_position = G_MAXINT64;
  gboolean saw_one = FALSE, saw_zero = FALSE;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  /* The three submits must all arrive before the first job leaves the
   * queue, however slowly this build runs. */
  g_object_set (fixture->server, "workers", 1,
                "queue-delay", 300 * ks_test_time_scale (),
                "run-time", 400 * ks_test_time_scale (), NULL);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonNode) reply = NULL;
      gint64 position = -1;

      ids[i] = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"queued\",\"output_format\":\"png\"}", &reply);
      g_assert_true (ks_json_get_int_member (json_node_get_object (reply), "queue_position", &position));
      g_assert_cmpint (position, ==, i);
    }

  /* The third job waits behind the others, moving up one place at a time. */
  for (;;)
    {
      g_autofree char *url = request_url (fixture, ids[2], "/status");
      g_autoptr(Response) response = http (fixture, "GET", url);
      g_autoptr(JsonNode) node = response_node (response);
      JsonObject *object = json_node_get_object (node);
      const char *status = ks_json_get_string_member (object, "status");
      gint64 position;

      if (g_strcmp0 (status, "IN_QUEUE") != 0)
        break;

      g_assert_cmpuint (response->status, ==, 202);
      g_assert_true (ks_json_get_int_member (object, "queue_position", &position));
      g_assert_cmpint (position, <=, last_position);
      g_assert_cmpint (position, >=, 0);
      g_assert_cmpint (position, <=, 2);
      saw_one |= position == 1;
      saw_zero |= position == 0;
      last_position = position;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      sleep_ms (15);
    }
  g_assert_true (saw_one);
  g_assert_true (saw_zero);

  /* One worker: the first two finished before the third ran. */
  g_assert_cmpint (ks_sim_server_get_completed_time (fixture->server, ids[0]), <,
                   ks_sim_server_get_completed_time (fixture->server, ids[1]));
  g_assert_cmpint (ks_sim_server_get_completed_time (fixture->server, ids[0]), >, 0);
  g_assert_cmpint (ks_sim_server_get_completed_time (fixture->server, ids[1]), >, 0);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonNode) done = wait_completed (fixture, ids[i]);

      g_free (ids[i]);
    }
}

static void
test_low_priority (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/%s", fixture->base, T2I_ENDPOINT);
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"prompt\":\"p\"}", strlen ("{\"prompt\":\"p\"}"));
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) low = NULL;
  g_autoptr(Response) normal = NULL;
  g_autoptr(JsonNode) low_node = NULL;
  g_autoptr(JsonNode) normal_node = NULL;
  g_autoptr(JsonNode) low_status = NULL;
  g_autofree char *low_url = NULL;
  g_autoptr(Response) low_again = NULL;
  gint64 position = -1;

  g_object_set (fixture->server, "workers", 1, "queue-delay", 2000, NULL);
  first = http_full (fixture, "POST", url, "application/json", body, NULL, NULL);
  low = http_full (fixture, "POST", url, "application/json", body, "x-fal-queue-priority", "low");
  normal = http_full (fixture, "POST", url, "application/json", body, "x-fal-queue-priority", "normal");
  g_assert_cmpuint (first->status, ==, 200);

  low_node = response_node (low);
  g_assert_true (ks_json_get_int_member (json_node_get_object (low_node), "queue_position", &position));
  g_assert_cmpint (position, ==, 1);
  /* The normal job goes ahead of the low one. */
  normal_node = response_node (normal);
  g_assert_true (ks_json_get_int_member (json_node_get_object (normal_node), "queue_position", &position));
  g_assert_cmpint (position, ==, 1);
  low_url = request_url (fixture, ks_json_get_string_member (json_node_get_object (low_node), "request_id"), "/status");
  low_again = http (fixture, "GET", low_url);
  low_status = response_node (low_again);
  g_assert_true (ks_json_get_int_member (json_node_get_object (low_status), "queue_position", &position));
  g_assert_cmpint (position, ==, 2);
}

/* ------------------------------------------------------------------ */
/* Streams                                                             */

typedef struct
{
  GPtrArray *events;        /* the JSON texts of "data:" lines */
  guint      pings;
  gboolean   first_event_before_completion;
  gboolean   eof;
  GError    *error;
  guint      status;
} StreamLog;

static void
stream_log_clear (StreamLog *log)
{
  g_clear_pointer (&log->events, g_ptr_array_unref);
  g_clear_error (&log->error);
}

typedef struct
{
  gboolean      done;
  GInputStream *stream;
  GBytes       *bytes;
  GError       *error;
} StreamPending;

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  StreamPending *pending = user_data;

  pending->stream = soup_session_send_finish (SOUP_SESSION (object), result, &pending->error);
  pending->done = TRUE;
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  StreamPending *pending = user_data;

  pending->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &pending->error);
  pending->done = TRUE;
}

static void
read_stream (Fixture    *fixture,
             const char *id,
             const char *fault,
             StreamLog  *log)
{
  g_autofree char *url = request_url (fixture, id, "/status/stream?logs=1");
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GString) buffer = g_string_new (NULL);
  StreamPending pending = { FALSE, NULL, NULL, NULL };

  log->events = g_ptr_array_new_with_free_func (g_free);
  if (fault != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Sim-Fault", fault);

  soup_session_send_async (fixture->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &pending);
  wait_for (&pending.done);
  log->status = soup_message_get_status (msg);
  if (pending.error != NULL)
    {
      log->error = pending.error;
      return;
    }
  stream = pending.stream;

  if (log->status == 200)
    g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                     ==, "text/event-stream");

  for (;;)
    {
      char *end;

      pending.done = FALSE;
      pending.bytes = NULL;
      g_input_stream_read_bytes_async (stream, 4096, G_PRIORITY_DEFAULT, NULL, read_cb, &pending);
      wait_for (&pending.done);
      if (pending.error != NULL)
        {
          log->error = pending.error;
          return;
        }
      if (g_bytes_get_size (pending.bytes) == 0)
        {
          g_bytes_unref (pending.bytes);
          log->eof = TRUE;
          return;
        }
      g_string_append_len (buffer, g_bytes_get_data (pending.bytes, NULL), g_bytes_get_size (pending.bytes));
      g_bytes_unref (pending.bytes);

      while ((end = strstr (buffer->str, "\n\n")) != NULL)
        {
          g_autofree char *block = g_strndup (buffer->str, end - buffer->str);

          g_string_erase (buffer, 0, end - buffer->str + 2);
          if (g_str_has_prefix (block, ": ping"))
            log->pings++;
          else if (g_str_has_prefix (block, "data: "))
            {
              if (log->events->len == 0)
                log->first_event_before_completion =
                  ks_sim_server_get_completed_time (fixture->server, id) == 0;
              g_ptr_array_add (log->events, g_strdup (block + 6));
            }
          else
            g_assert_not_reached ();
        }
    }
}

static char *
event_status (const char *event)
{
  g_autoptr(GBytes) bytes = g_bytes_new (event, strlen (event));
  g_autoptr(JsonNode) node = ks_json_parse_bytes (bytes, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return g_strdup (ks_json_get_string_member (json_node_get_object (node), "status"));
}

static void
test_stream_live (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *last = NULL;
  StreamLog log = { 0 };
  gboolean saw_progress = FALSE;

  g_object_set (fixture->server, "ping-interval", 40, "queue-delay", 150, "run-time", 400, NULL);
  id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"streamed\"}", NULL);
  read_stream (fixture, id, NULL, &log);

  g_assert_no_error (log.error);
  g_assert_cmpuint (log.status, ==, 200);
  /* Events arrive while the job runs, not all at the end. */
  g_assert_true (log.first_event_before_completion);
  g_assert_cmpuint (log.events->len, >=, 3);
  g_assert_cmpuint (log.pings, >=, 1);
  for (guint i = 0; i + 1 < log.events->len; i++)
    {
      g_autofree char *status = event_status (g_ptr_array_index (log.events, i));

      g_assert_true (g_strcmp0 (status, "IN_QUEUE") == 0 || g_strcmp0 (status, "IN_PROGRESS") == 0);
      saw_progress |= g_strcmp0 (status, "IN_PROGRESS") == 0;
    }
  g_assert_true (saw_progress);
  /* The last event is COMPLETED, then the server closed the stream. */
  last = event_status (g_ptr_array_index (log.events, log.events->len - 1));
  g_assert_cmpstr (last, ==, "COMPLETED");
  g_assert_true (log.eof);

  stream_log_clear (&log);
}

/* ------------------------------------------------------------------ */
/* Results, validation, cancel                                         */

static void
test_early_result_and_cancel (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *result_url = NULL;
  g_autofree char *cancel_url = NULL;
  g_autoptr(Response) early = NULL;
  g_autoptr(Response) cancel = NULL;
  g_autoptr(Response) again = NULL;
  g_autoptr(Response) after = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) cancel_node = NULL;
  g_autoptr(JsonNode) again_node = NULL;
  JsonObject *object;

  g_object_set (fixture->server, "queue-delay", 5000, NULL);
  id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"never\"}", NULL);
  result_url = request_url (fixture, id, "");
  cancel_url = request_url (fixture, id, "/cancel");

  early = http (fixture, "GET", result_url);
  g_assert_cmpuint (early->status, ==, 400);

  /* A bodiless PUT with a JSON content type. */
  cancel = http_full (fixture, "PUT", cancel_url, "application/json", NULL, NULL, NULL);
  g_assert_cmpuint (cancel->status, ==, 202);
  cancel_node = response_node (cancel);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (cancel_node), "status"), ==,
                   "CANCELLATION_REQUESTED");

  done = wait_completed (fixture, id);
  object = json_node_get_object (done);
  g_assert_cmpstr (ks_json_get_string_member (object, "error_type"), ==, "request_cancelled");
  g_assert_nonnull (ks_json_get_string_member (object, "error"));

  again = http (fixture, "PUT", cancel_url);
  g_assert_cmpuint (again->status, ==, 400);
  again_node = response_node (again);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (again_node), "status"), ==,
                   "ALREADY_COMPLETED");

  after = http (fixture, "GET", result_url);
  g_assert_cmpuint (after->status, ==, 400);
}

static JsonObject *
find_detail (JsonArray  *details,
             const char *field)
{
  for (guint i = 0; i < json_array_get_length (details); i++)
    {
      JsonObject *item = json_array_get_object_element (details, i);
      JsonArray *loc = ks_json_get_array_member (item, "loc");

      if (loc != NULL && json_array_get_length (loc) == 2 &&
          g_strcmp0 (json_array_get_string_element (loc, 0), "body") == 0 &&
          g_strcmp0 (json_array_get_string_element (loc, 1), field) == 0)
        return item;
    }

  return NULL;
}

static void
test_validation (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *bad = submit_json (fixture, EDIT_ENDPOINT,
                                      "{\"prompt\":\"x\",\"guidance_scale\":25,\"safety_tolerance\":2,"
                                      "\"num_images\":7,\"output_format\":\"webp\",\"aspect_ratio\":\"5:4\"}",
                                      NULL);
  g_autofree char *policy = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"[policy] something\"}", NULL);
  g_autofree char *good = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"fine\",\"safety_tolerance\":\"6\"}", NULL);
  g_autoptr(JsonNode) d1 = wait_completed (fixture, bad);
  g_autoptr(JsonNode) d2 = wait_completed (fixture, policy);
  g_autoptr(JsonNode) d3 = wait_completed (fixture, good);
  g_autofree char *bad_url = request_url (fixture, bad, "");
  g_autofree char *policy_url = request_url (fixture, policy, "");
  g_autofree char *good_url = request_url (fixture, good, "");
  g_autoptr(Response) r1 = http (fixture, "GET", bad_url);
  g_autoptr(Response) r2 = http (fixture, "GET", policy_url);
  g_autoptr(Response) r3 = http (fixture, "GET", good_url);
  g_autoptr(JsonNode) n1 = response_node (r1);
  g_autoptr(JsonNode) n2 = response_node (r2);
  JsonArray *details;
  JsonObject *item;

  g_assert_cmpuint (r1->status, ==, 422);
  details = ks_json_get_array_member (json_node_get_object (n1), "detail");
  g_assert_nonnull (details);
  item = find_detail (details, "guidance_scale");
  g_assert_nonnull (item);
  g_assert_cmpstr (ks_json_get_string_member (item, "type"), ==, "less_than_equal");
  g_assert_nonnull (ks_json_get_string_member (item, "msg"));
  item = find_detail (details, "safety_tolerance");  /* a number, not a string */
  g_assert_nonnull (item);
  g_assert_nonnull (find_detail (details, "image_url"));
  g_assert_cmpstr (ks_json_get_string_member (find_detail (details, "image_url"), "type"), ==, "missing");
  g_assert_nonnull (find_detail (details, "num_images"));
  g_assert_nonnull (find_detail (details, "output_format"));
  g_assert_nonnull (find_detail (details, "aspect_ratio"));
  g_assert_null (find_detail (details, "prompt"));

  g_assert_cmpuint (r2->status, ==, 422);
  details = ks_json_get_array_member (json_node_get_object (n2), "detail");
  g_assert_nonnull (details);
  item = find_detail (details, "prompt");
  g_assert_nonnull (item);
  g_assert_cmpstr (ks_json_get_string_member (item, "type"), ==, "content_policy_violation");

  g_assert_cmpuint (r3->status, ==, 200);
}

static void
test_result_output (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *id = submit_json (fixture, T2I_ENDPOINT,
                                     "{\"prompt\":\"two owls [nsfw]\",\"seed\":15860307465884635512,"
                                     "\"num_images\":2,\"aspect_ratio\":\"16:9\",\"output_format\":\"png\"}",
                                     NULL);
  g_autoptr(JsonNode) done = wait_completed (fixture, id);
  g_autofree char *url = request_url (fixture, id, "");
  g_autoptr(Response) response = http (fixture, "GET", url);
  g_autoptr(JsonNode) node = response_node (response);
  g_autoptr(GdkPixbuf) first = fetch_result_image (fixture, id, 0, NULL);
  g_autoptr(GdkPixbuf) second = fetch_result_image (fixture, id, 1, NULL);
  g_autofree char *text = g_strndup (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body));
  JsonObject *object = json_node_get_object (node);
  JsonArray *nsfw;
  JsonObject *image;
  guint64 seed = 0;
  int width, height;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (response->headers, "x-fal-request-id"), ==, id);
  /* The seed above 2^63 comes back exactly, as a JSON number. */
  g_assert_nonnull (strstr (text, "\"seed\":15860307465884635512"));
  g_assert_true (ks_json_get_uint64_member (object, "seed", &seed));
  g_assert_cmpuint (seed, ==, G_GUINT64_CONSTANT (15860307465884635512));
  g_assert_cmpstr (ks_json_get_string_member (object, "prompt"), ==, "two owls [nsfw]");
  g_assert_nonnull (ks_json_get_object_member (object, "timings"));
  nsfw = ks_json_get_array_member (object, "has_nsfw_concepts");
  g_assert_nonnull (nsfw);
  g_assert_cmpuint (json_array_get_length (nsfw), ==, 2);
  g_assert_true (json_array_get_boolean_element (nsfw, 0));
  g_assert_false (json_array_get_boolean_element (nsfw, 1));

  image = json_array_get_object_element (ks_json_get_array_member (object, "images"), 0);
  g_assert_cmpstr (ks_json_get_string_member (image, "content_type"), ==, "image/png");
  ks_sim_image_size_for_aspect ("16:9", &width, &height);
  g_assert_cmpint (gdk_pixbuf_get_width (first), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (first), ==, height);
  g_assert_cmpint (width % 16, ==, 0);
  g_assert_cmpint (height % 16, ==, 0);
  g_assert_cmpint (width, >, height);
  /* Different seeds (seed, seed + 1) give different pictures. */
  g_assert_cmpfloat (colour_distance (first, second), >, 3.0);
}

static void
test_sync_mode (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *id = submit_json (fixture, T2I_ENDPOINT,
                                     "{\"prompt\":\"inline\",\"sync_mode\":true,\"aspect_ratio\":\"9:16\"}", NULL);
  g_autoptr(JsonNode) done = wait_completed (fixture, id);
  g_autofree char *url = NULL;
  g_autoptr(GdkPixbuf) pixbuf = fetch_result_image (fixture, id, 0, &url);

  g_assert_true (g_str_has_prefix (url, "data:image/jpeg;base64,"));
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), >, gdk_pixbuf_get_width (pixbuf));
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_IMAGE), ==, 0);
}

static char *
data_uri_of_colour (guint32 rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  g_autofree char *buffer = NULL;
  g_autofree char *base64 = NULL;
  gsize length;

  gdk_pixbuf_fill (pixbuf, rgba);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", NULL, NULL));
  base64 = g_base64_encode ((guchar *) buffer, length);

  return g_strdup_printf ("data:image/png;base64,%s", base64);
}

static void
test_data_uri_input (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *red = data_uri_of_colour (0xe02020ff);
  g_autofree char *blue = data_uri_of_colour (0x2040e0ff);
  g_autofree char *input_red = g_strdup_printf ("{\"prompt\":\"add a hat\",\"seed\":7,\"image_url\":\"%s\"}", red);
  g_autofree char *input_blue = g_strdup_printf ("{\"prompt\":\"add a hat\",\"seed\":7,\"image_url\":\"%s\"}", blue);
  g_autofree char *id_red = submit_json (fixture, EDIT_ENDPOINT, input_red, NULL);
  g_autofree char *id_blue = submit_json (fixture, EDIT_ENDPOINT, input_blue, NULL);
  g_autoptr(JsonNode) d1 = wait_completed (fixture, id_red);
  g_autoptr(JsonNode) d2 = wait_completed (fixture, id_blue);
  g_autoptr(GdkPixbuf) out_red = fetch_result_image (fixture, id_red, 0, NULL);
  g_autoptr(GdkPixbuf) out_blue = fetch_result_image (fixture, id_blue, 0, NULL);
  double mean_red[3], mean_blue[3];

  /* The output follows the reference (and its 4:3 shape). */
  mean_colour (out_red, mean_red);
  mean_colour (out_blue, mean_blue);
  g_assert_cmpfloat (mean_red[0] - mean_red[2], >, mean_blue[0] - mean_blue[2] + 30);
  g_assert_cmpfloat ((double) gdk_pixbuf_get_width (out_red) / gdk_pixbuf_get_height (out_red), >, 1.25);

  /* Several references for the multi endpoint. */
  {
    g_autofree char *input_multi = g_strdup_printf ("{\"prompt\":\"both\",\"aspect_ratio\":\"1:1\","
                                                    "\"image_urls\":[\"%s\",\"%s\"]}", red, blue);
    g_autofree char *id_multi = submit_json (fixture, EDIT_ENDPOINT "/multi", input_multi, NULL);
    g_autoptr(JsonNode) d3 = wait_completed (fixture, id_multi);
    g_autoptr(GdkPixbuf) out_multi = fetch_result_image (fixture, id_multi, 0, NULL);

    g_assert_cmpint (gdk_pixbuf_get_width (out_multi), ==, gdk_pixbuf_get_height (out_multi));
  }
}

static void
test_storage_round_trip (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *initiate_url = g_strdup_printf ("%s/storage/upload/initiate?storage_type=fal-cdn-v3",
                                                   fixture->base);
  g_autoptr(GBytes) request = g_bytes_new_static ("{\"content_type\":\"image/png\",\"file_name\":\"ref one.png\"}", strlen ("{\"content_type\":\"image/png\",\"file_name\":\"ref one.png\"}"));
  g_autoptr(Response) initiate = http_full (fixture, "POST", initiate_url, "application/json", request, NULL, NULL);
  g_autoptr(JsonNode) node = response_node (initiate);
  g_autofree char *green = data_uri_of_colour (0x20c040ff);
  g_autoptr(GBytes) png = soup_uri_decode_data_uri (green, NULL);
  const char *upload_url = ks_json_get_string_member (json_node_get_object (node), "upload_url");
  const char *file_url = ks_json_get_string_member (json_node_get_object (node), "file_url");
  g_autoptr(Response) put = NULL;
  g_autoptr(Response) get = NULL;
  g_autofree char *input = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(GdkPixbuf) out = NULL;
  double mean[3];

  g_assert_cmpuint (initiate->status, ==, 200);
  g_assert_nonnull (upload_url);
  g_assert_nonnull (file_url);
  g_assert_true (g_str_has_prefix (file_url, fixture->base));

  put = http_full (fixture, "PUT", upload_url, "image/png", png, NULL, NULL);
  g_assert_cmpuint (put->status, ==, 200);

  get = http (fixture, "GET", file_url);
  g_assert_cmpuint (get->status, ==, 200);
  g_assert_true (g_bytes_equal (get->body, png));
  g_assert_cmpstr (soup_message_headers_get_content_type (get->headers, NULL), ==, "image/png");
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_UPLOAD), ==, 2);

  /* The uploaded file works as a reference, and it shows in the result:
   * greener than the same edit of a blue reference. */
  input = g_strdup_printf ("{\"prompt\":\"keep it\",\"seed\":11,\"image_url\":\"%s\"}", file_url);
  id = submit_json (fixture, EDIT_ENDPOINT, input, NULL);
  done = wait_completed (fixture, id);
  out = fetch_result_image (fixture, id, 0, NULL);
  mean_colour (out, mean);
  {
    g_autofree char *blue = data_uri_of_colour (0x2040e0ff);
    g_autofree char *blue_input = g_strdup_printf ("{\"prompt\":\"keep it\",\"seed\":11,\"image_url\":\"%s\"}", blue);
    g_autofree char *blue_id = submit_json (fixture, EDIT_ENDPOINT, blue_input, NULL);
    g_autoptr(JsonNode) blue_done = wait_completed (fixture, blue_id);
    g_autoptr(GdkPixbuf) blue_out = fetch_result_image (fixture, blue_id, 0, NULL);
    double blue_mean[3];

    mean_colour (blue_out, blue_mean);
    g_assert_cmpfloat (mean[1] - mean[2], >, blue_mean[1] - blue_mean[2] + 30);
  }
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static Response *
submit_raw (Fixture    *fixture,
            const char *fault)
{
  g_autofree char *url = g_strdup_printf ("%s/%s", fixture->base, T2I_ENDPOINT);
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"prompt\":\"faulty\"}", strlen ("{\"prompt\":\"faulty\"}"));

  return http_full (fixture, "POST", url, "application/json", body,
                    fault != NULL ? "X-Sim-Fault" : NULL, fault);
}

static void
test_auth (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/%s", fixture->base, T2I_ENDPOINT);
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"prompt\":\"auth\"}", strlen ("{\"prompt\":\"auth\"}"));
  g_autoptr(Response) none = NULL;
  g_autoptr(Response) wrong = NULL;
  g_autoptr(Response) key = NULL;
  g_autoptr(Response) bearer = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_object_set (fixture->server, "api-key", "id:secret", NULL);

  none = http_full (fixture, "POST", url, "application/json", body, NULL, NULL);
  g_assert_cmpuint (none->status, ==, 401);
  node = response_node (none);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (node), "detail"), ==,
                   "No user found for Key ID and Secret");
  wrong = http_full (fixture, "POST", url, "application/json", body, "Authorization", "Key id:wrong");
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 0);

  key = http_full (fixture, "POST", url, "application/json", body, "Authorization", "Key id:secret");
  g_assert_cmpuint (key->status, ==, 200);
  bearer = http_full (fixture, "POST", url, "application/json", body, "Authorization", "Bearer id:secret");
  g_assert_cmpuint (bearer->status, ==, 200);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 2);
}

static void
test_fault_codes (Fixture       *fixture,
                  gconstpointer  data)
{
  struct { const char *name; guint status; } codes[] = {
    { "401", 401 }, { "403", 403 }, { "500", 500 }, { "503", 503 }, { "expired", 404 },
  };
  g_autoptr(Response) r429 = NULL;
  g_autoptr(Response) r502 = NULL;
  g_autoptr(Response) r504 = NULL;
  g_autofree char *body502 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(Response) response = submit_raw (fixture, codes[i].name);
      g_autoptr(JsonNode) node = response_node (response);

      g_assert_cmpuint (response->status, ==, codes[i].status);
      g_assert_nonnull (ks_json_get_string_member (json_node_get_object (node), "detail"));
    }

  g_object_set (fixture->server, "retry-after", 7, NULL);
  r429 = submit_raw (fixture, "429");
  g_assert_cmpuint (r429->status, ==, 429);
  g_assert_cmpstr (soup_message_headers_get_one (r429->headers, "Retry-After"), ==, "7");

  r502 = submit_raw (fixture, "502");
  g_assert_cmpuint (r502->status, ==, 502);
  g_assert_cmpstr (soup_message_headers_get_content_type (r502->headers, NULL), ==, "text/html");
  g_assert_null (soup_message_headers_get_one (r502->headers, "x-fal-request-id"));
  body502 = g_strndup (g_bytes_get_data (r502->body, NULL), g_bytes_get_size (r502->body));
  g_assert_nonnull (strstr (body502, "nginx"));

  r504 = submit_raw (fixture, "504");
  g_assert_cmpuint (r504->status, ==, 504);
  g_assert_cmpstr (soup_message_headers_get_one (r504->headers, "X-Fal-Request-Timeout-Type"), ==, "user");

  /* Refused requests queue nothing. */
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 0);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 8);
}

static void
test_fault_queue_and_plan (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plan_url = g_strdup_printf ("%s/_sim/plan", fixture->base);
  g_autoptr(GBytes) plan = g_bytes_new_static ("submit:503*2", strlen ("submit:503*2"));
  g_autoptr(GBytes) bad_plan = g_bytes_new_static ("submit:explode", strlen ("submit:explode"));
  g_autoptr(Response) posted = NULL;
  g_autoptr(Response) refused = NULL;

  g_assert_cmpint (ks_sim_fault_from_string ("not-an-image"), ==, KS_SIM_FAULT_NOT_AN_IMAGE);
  g_assert_cmpint (ks_sim_fault_from_string ("502"), ==, KS_SIM_FAULT_502_HTML);
  g_assert_cmpint (ks_sim_fault_from_string ("bogus"), ==, KS_SIM_FAULT_NONE);
  g_assert_cmpint (ks_sim_step_from_string ("stream"), ==, KS_SIM_STEP_STREAM);

  /* Two 429s, then success: the counters show the retries. */
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_429, 2);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Response) response = submit_raw (fixture, NULL);

      g_assert_cmpuint (response->status, ==, i < 2 ? 429 : 200);
    }
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 3);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);

  /* Count 0: every request until cleared. */
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_ANY, KS_SIM_FAULT_500, 0);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Response) response = submit_raw (fixture, NULL);

      g_assert_cmpuint (response->status, ==, 500);
    }
  ks_sim_server_clear_faults (fixture->server);

  /* A plan, over HTTP. */
  posted = http_full (fixture, "POST", plan_url, "text/plain", plan, NULL, NULL);
  g_assert_cmpuint (posted->status, ==, 200);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Response) response = submit_raw (fixture, NULL);

      g_assert_cmpuint (response->status, ==, i < 2 ? 503 : 200);
    }
  refused = http_full (fixture, "POST", plan_url, "text/plain", bad_plan, NULL, NULL);
  g_assert_cmpuint (refused->status, ==, 400);

  {
    g_autofree char *stats_url = g_strdup_printf ("%s/_sim/stats", fixture->base);
    g_autoptr(Response) stats = http (fixture, "GET", stats_url);
    g_autoptr(JsonNode) stats_node = response_node (stats);
    JsonObject *requests = ks_json_get_object_member (json_node_get_object (stats_node), "requests");
    gint64 value = -1;

    g_assert_nonnull (requests);
    g_assert_true (ks_json_get_int_member (requests, "submit", &value));
    g_assert_cmpint (value, ==, ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT));
    g_assert_true (ks_json_get_int_member (json_node_get_object (stats_node), "jobs", &value));
    g_assert_cmpint (value, ==, 2);
  }

  g_assert_true (ks_sim_server_load_plan (fixture->server, "result:500, image:not-an-image*2", &error));
  g_assert_no_error (error);
  g_assert_false (ks_sim_server_load_plan (fixture->server, "nowhere:500", &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
}

static void
test_fault_bodies (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(Response) malformed = submit_raw (fixture, "malformed-json");
  g_autoptr(Response) wrong = submit_raw (fixture, "wrong-types");
  g_autoptr(Response) missing = submit_raw (fixture, "missing-fields");
  g_autoptr(Response) dropped = submit_raw (fixture, "drop");
  g_autoptr(Response) truncated = submit_raw (fixture, "truncated");
  g_autoptr(Response) slow = submit_raw (fixture, "slow");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) wrong_node = NULL;
  g_autoptr(JsonNode) missing_node = NULL;
  JsonObject *object;

  g_assert_cmpuint (malformed->status, ==, 200);
  node = ks_json_parse_bytes (malformed->body, &error);
  g_assert_null (node);
  g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);

  wrong_node = response_node (wrong);
  object = json_node_get_object (wrong_node);
  g_assert_true (json_object_has_member (object, "status"));
  g_assert_null (ks_json_get_string_member (object, "status"));
  g_assert_null (ks_json_get_string_member (object, "request_id"));

  missing_node = response_node (missing);
  g_assert_false (json_object_has_member (json_node_get_object (missing_node), "request_id"));

  /* The connection closes mid-body. */
  g_assert_nonnull (dropped->error);
  g_assert_nonnull (truncated->error);

  /* A slow body still arrives whole, over many writes. */
  g_assert_no_error (slow->error);
  g_assert_cmpuint (slow->status, ==, 200);
  g_assert_cmpint (slow->elapsed_us, >=, 500 * 1000);
  {
    g_autoptr(JsonNode) slow_node = response_node (slow);

    g_assert_nonnull (ks_json_get_string_member (json_node_get_object (slow_node), "request_id"));
  }

  /* Body faults hit after the submit was taken: the jobs exist. */
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 6);
}

typedef struct
{
  int width;
  int height;
} Prepared;

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  Prepared        *prepared)
{
  prepared->width = width;
  prepared->height = height;
  gdk_pixbuf_loader_set_size (loader, 0, 0);  /* 0 × 0: the loader stops before allocating */
}

static void
test_fault_images (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"faulty images\"}", NULL);
  g_autoptr(JsonNode) done = wait_completed (fixture, id);
  g_autofree char *url = NULL;
  g_autoptr(GdkPixbuf) good = fetch_result_image (fixture, id, 0, &url);
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
  g_autoptr(Response) not_image = NULL;
  g_autoptr(Response) huge = NULL;
  g_autoptr(Response) dropped = NULL;
  g_autoptr(Response) expired = NULL;
  g_autoptr(GdkPixbuf) bad = NULL;
  Prepared prepared = { 0, 0 };

  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_NOT_AN_IMAGE, 1);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_HUGE_DIMENSIONS, 1);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_DROP, 1);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_IMAGE, KS_SIM_FAULT_EXPIRED, 1);

  not_image = http (fixture, "GET", url);
  g_assert_cmpuint (not_image->status, ==, 200);
  bad = decode (not_image->body, "image/jpeg");
  g_assert_null (bad);

  huge = http (fixture, "GET", url);
  g_assert_cmpuint (huge->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (huge->body), <, 4096);
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &prepared);
  gdk_pixbuf_loader_write_bytes (loader, huge->body, NULL);
  gdk_pixbuf_loader_close (loader, NULL);
  g_assert_cmpint (prepared.width, ==, 100000);
  g_assert_cmpint (prepared.height, ==, 100000);

  dropped = http (fixture, "GET", url);
  g_assert_nonnull (dropped->error);

  expired = http (fixture, "GET", url);
  g_assert_cmpuint (expired->status, ==, 404);

  /* The faults were used up in order. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_IMAGE), ==, 5);
}

static void
test_fault_oversized (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"big\"}", NULL);
  g_autoptr(JsonNode) done = wait_completed (fixture, id);
  g_autofree char *url = NULL;
  g_autoptr(GdkPixbuf) good = fetch_result_image (fixture, id, 0, &url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  StreamPending pending = { FALSE, NULL, NULL, NULL };
  guint64 received = 0;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Sim-Fault", "oversized");
  soup_session_send_async (fixture->session, msg, G_PRIORITY_DEFAULT, cancellable, send_cb, &pending);
  wait_for (&pending.done);
  g_assert_no_error (pending.error);
  stream = pending.stream;

  /* Far more than any sane cap (64 MiB) keeps coming; stop reading there. */
  while (received <= 64 * 1024 * 1024)
    {
      pending.done = FALSE;
      g_input_stream_read_bytes_async (stream, 1024 * 1024, G_PRIORITY_DEFAULT, cancellable, read_cb, &pending);
      wait_for (&pending.done);
      g_assert_no_error (pending.error);
      g_assert_cmpuint (g_bytes_get_size (pending.bytes), >, 0);
      received += g_bytes_get_size (pending.bytes);
      g_bytes_unref (pending.bytes);
    }
  g_cancellable_cancel (cancellable);
  g_input_stream_close (stream, NULL, NULL);
  g_assert_cmpuint (received, >, 64 * 1024 * 1024);
}

static void
test_fault_streams (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *id2 = NULL;
  StreamLog dropped = { 0 };
  StreamLog refused = { 0 };
  g_autoptr(JsonNode) done = NULL;

  g_object_set (fixture->server, "queue-delay", 300, "run-time", 600, NULL);
  id = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"dropped stream\"}", NULL);
  read_stream (fixture, id, "drop", &dropped);
  g_assert_cmpuint (dropped.status, ==, 200);
  /* One or two events, never COMPLETED, then the connection ends. */
  g_assert_nonnull (dropped.events);
  g_assert_cmpuint (dropped.events->len, >=, 1);
  g_assert_cmpuint (dropped.events->len, <=, 2);
  for (guint i = 0; i < dropped.events->len; i++)
    {
      g_autofree char *status = event_status (g_ptr_array_index (dropped.events, i));

      g_assert_cmpstr (status, !=, "COMPLETED");
    }
  g_assert_true (dropped.error != NULL || dropped.eof);

  /* The job itself goes on; polling finds it completed. */
  done = wait_completed (fixture, id);

  id2 = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"no streams here\"}", NULL);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_REFUSE, 1);
  read_stream (fixture, id2, NULL, &refused);
  g_assert_cmpuint (refused.status, ==, 405);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_STREAM), ==, 2);

  /* An oversized stream: one event line that goes on past any sane cap. */
  {
    g_autofree char *url = request_url (fixture, id2, "/status/stream");
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GInputStream) stream = NULL;
    StreamPending pending = { FALSE, NULL, NULL, NULL };
    guint64 received = 0;
    gboolean newline = FALSE;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Sim-Fault", "oversized");
    soup_session_send_async (fixture->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &pending);
    wait_for (&pending.done);
    g_assert_no_error (pending.error);
    stream = pending.stream;
    g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                     ==, "text/event-stream");
    while (received <= 8 * 1024 * 1024)
      {
        pending.done = FALSE;
        g_input_stream_read_bytes_async (stream, 1024 * 1024, G_PRIORITY_DEFAULT, NULL, read_cb, &pending);
        wait_for (&pending.done);
        g_assert_no_error (pending.error);
        g_assert_cmpuint (g_bytes_get_size (pending.bytes), >, 0);
        newline |= memchr (g_bytes_get_data (pending.bytes, NULL), '\n', g_bytes_get_size (pending.bytes)) != NULL;
        received += g_bytes_get_size (pending.bytes);
        g_bytes_unref (pending.bytes);
      }
    g_assert_false (newline);
    g_input_stream_close (stream, NULL, NULL);
  }

  stream_log_clear (&dropped);
  stream_log_clear (&refused);
}

static void
test_failures_and_expiry (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *failed = NULL;
  g_autofree char *late = NULL;
  g_autofree char *url = NULL;
  g_autofree char *late_url = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) late_done = NULL;
  g_autoptr(Response) timed_out = NULL;
  g_autoptr(Response) gone = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"prompt\":\"deadline\"}", strlen ("{\"prompt\":\"deadline\"}"));
  g_autofree char *submit_url = g_strdup_printf ("%s/%s", fixture->base, T2I_ENDPOINT);
  g_autoptr(Response) submitted = NULL;
  g_autoptr(JsonNode) submitted_node = NULL;
  gint64 deadline;

  failed = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"[fail] please\"}", NULL);
  done = wait_completed (fixture, failed);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (done), "error_type"), ==, "runner_failed");
  g_assert_nonnull (ks_json_get_string_member (json_node_get_object (done), "error"));

  /* A start deadline that passes while queued: 504 with the user header. */
  g_object_set (fixture->server, "queue-delay", 3000, NULL);
  submitted = http_full (fixture, "POST", submit_url, "application/json", body, "x-fal-request-timeout", "0.1");
  submitted_node = response_node (submitted);
  late = g_strdup (ks_json_get_string_member (json_node_get_object (submitted_node), "request_id"));
  late_done = wait_completed (fixture, late);
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (late_done), "error_type"), ==, "request_timeout");
  late_url = request_url (fixture, late, "");
  timed_out = http (fixture, "GET", late_url);
  g_assert_cmpuint (timed_out->status, ==, 504);
  g_assert_cmpstr (soup_message_headers_get_one (timed_out->headers, "X-Fal-Request-Timeout-Type"), ==, "user");

  /* Results expire after result-ttl. */
  g_object_set (fixture->server, "result-ttl", 100, "queue-delay", 10, NULL);
  g_free (failed);
  failed = submit_json (fixture, T2I_ENDPOINT, "{\"prompt\":\"short lived\"}", NULL);
  g_clear_pointer (&done, json_node_unref);
  done = wait_completed (fixture, failed);
  url = request_url (fixture, failed, "");
  deadline = g_get_monotonic_time () + DEADLINE_US;
  for (;;)
    {
      g_clear_pointer (&gone, response_free);
      gone = http (fixture, "GET", url);
      if (gone->status == 404)
        break;
      g_assert_cmpuint (gone->status, ==, 200);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      sleep_ms (20);
    }
  /* The completion time is still known for benchmarks. */
  g_assert_cmpint (ks_sim_server_get_completed_time (fixture->server, failed), >, 0);
}

static void
test_images_module (void)
{
  g_autoptr(GdkPixbuf) a = NULL;
  g_autoptr(GdkPixbuf) b = NULL;
  g_autoptr(GdkPixbuf) edit = NULL;
  g_autofree char *buffer = NULL;
  gsize length;
  int width, height;
  gint64 start;
  double ms;

  ks_sim_image_size_for_aspect ("1:1", &width, &height);
  g_assert_cmpint (width, ==, 1024);
  g_assert_cmpint (height, ==, 1024);
  ks_sim_image_size_for_aspect ("21:9", &width, &height);
  g_assert_cmpint (width % 16, ==, 0);
  g_assert_cmpint (height % 16, ==, 0);
  g_assert_cmpint ((gint64) width * height, >, 900000);
  g_assert_cmpint ((gint64) width * height, <, 1200000);
  g_assert_cmpfloat ((double) width / height, >, 2.2);
  ks_sim_image_size_for_aspect ("nonsense", &width, &height);
  g_assert_cmpint (width, ==, height);

  start = g_get_monotonic_time ();
  a = ks_sim_image_generate ("a red barn", 1, 1024, 1024);
  g_assert_true (gdk_pixbuf_save_to_buffer (a, &buffer, &length, "jpeg", NULL, "quality", "90", NULL));
  ms = (g_get_monotonic_time () - start) / 1000.0;
  g_test_message ("1 MP generate + JPEG encode: %.1f ms, %" G_GSIZE_FORMAT " bytes", ms, length);
  b = ks_sim_image_generate ("a red barn", 2, 1024, 1024);
  g_assert_cmpfloat (colour_distance (a, b), >, 3.0);

  edit = ks_sim_image_edit (a, "make it black and white", 3, 512, 288);
  g_assert_cmpint (gdk_pixbuf_get_width (edit), ==, 512);
  g_assert_cmpint (gdk_pixbuf_get_height (edit), ==, 288);
  {
    double mean[3];

    /* Monochrome: the channels agree away from the mark. */
    g_autoptr(GdkPixbuf) corner = gdk_pixbuf_new_subpixbuf (edit, 0, 0, 200, 100);

    mean_colour (corner, mean);
    g_assert_cmpfloat (fabs (mean[0] - mean[1]), <, 1.0);
    g_assert_cmpfloat (fabs (mean[1] - mean[2]), <, 1.0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/sim/image/module", test_images_module);
  ADD ("/sim/submit/reply", test_submit_reply);
  ADD ("/sim/status/codes-and-logs", test_status_codes_and_logs);
  ADD ("/sim/status/log-lines", test_log_lines);
  ADD ("/sim/status/queue-positions", test_queue_positions);
  ADD ("/sim/status/low-priority", test_low_priority);
  ADD ("/sim/stream/live", test_stream_live);
  ADD ("/sim/result/early-and-cancel", test_early_result_and_cancel);
  ADD ("/sim/result/validation", test_validation);
  ADD ("/sim/result/output", test_result_output);
  ADD ("/sim/result/sync-mode", test_sync_mode);
  ADD ("/sim/input/data-uri", test_data_uri_input);
  ADD ("/sim/storage/round-trip", test_storage_round_trip);
  ADD ("/sim/auth", test_auth);
  ADD ("/sim/fault/codes", test_fault_codes);
  ADD ("/sim/fault/queue-and-plan", test_fault_queue_and_plan);
  ADD ("/sim/fault/bodies", test_fault_bodies);
  ADD ("/sim/fault/images", test_fault_images);
  ADD ("/sim/fault/oversized", test_fault_oversized);
  ADD ("/sim/fault/streams", test_fault_streams);
  ADD ("/sim/result/failures-and-expiry", test_failures_and_expiry);

#undef ADD

  return g_test_run ();
}
