/* What the security tests share: a hostile local service, waiting on the
 * main loop, and the client's calls made synchronous. */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "security-util.h"

#define CHUNK_SIZE   (256 * 1024)
#define T2I          "fal-ai/flux-pro/kontext/text-to-image"
#define T2I_BODY     "{\"prompt\":\"a red apple\",\"output_format\":\"png\",\"num_images\":1}"
#define EVENT        "data: {\"status\":\"IN_QUEUE\",\"queue_position\":3}\n\n"

typedef enum
{
  ENDLESS_FILLER,   /* the chunk again and again */
  ENDLESS_LINE,     /* the same, after "data: ": one line that never ends */
  ENDLESS_EVENTS,   /* events and comment lines, each line short enough */
} EndlessKind;

typedef struct
{
  Hostile           *hostile;
  SoupServerMessage *msg;
  EndlessKind        kind;
  guint              n_chunks;
  gboolean           finished;
} Endless;

static GBytes *
comment_chunk (void)
{
  static GBytes *chunk;

  if (chunk == NULL)
    {
      char *text = g_malloc (CHUNK_SIZE);

      memset (text, 'p', CHUNK_SIZE);
      text[0] = ':';
      text[CHUNK_SIZE - 1] = '\n';
      chunk = g_bytes_new_take (text, CHUNK_SIZE);
    }

  return chunk;
}

static void
endless_append (Endless *endless)
{
  SoupMessageBody *body = soup_server_message_get_response_body (endless->msg);
  GBytes *chunk = endless->hostile->chunk;

  if (endless->kind == ENDLESS_EVENTS)
    {
      if (endless->n_chunks % 4 == 0)
        soup_message_body_append (body, SOUP_MEMORY_STATIC, EVENT, strlen (EVENT));
      chunk = comment_chunk ();
    }

  soup_message_body_append_bytes (body, chunk);
  endless->hostile->bytes_sent += g_bytes_get_size (chunk);
  endless->n_chunks++;
}

static void
endless_wrote_chunk_cb (SoupServerMessage *msg,
                        Endless           *endless)
{
  if (!endless->finished)
    endless_append (endless);
}

static void
endless_finished_cb (SoupServerMessage *msg,
                     Endless           *endless)
{
  if (endless->finished)
    return;

  endless->finished = TRUE;
  endless->hostile->endless_finished++;
}

static void
start_endless (Hostile           *hostile,
               SoupServerMessage *msg,
               guint              status,
               const char        *content_type,
               const char        *start,
               EndlessKind        kind)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  Endless *endless = g_new0 (Endless, 1);

  endless->hostile = hostile;
  endless->msg = msg;
  endless->kind = kind;
  hostile->endless_started++;

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (headers, "Content-Type", content_type);
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_append (body, SOUP_MEMORY_COPY, start, strlen (start));
  endless_append (endless);

  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (endless_wrote_chunk_cb), endless);
  g_signal_connect (msg, "finished", G_CALLBACK (endless_finished_cb), endless);
  g_signal_connect (msg, "disconnected", G_CALLBACK (endless_finished_cb), endless);
  g_object_set_data_full (G_OBJECT (msg), "endless", endless, g_free);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         const char        *body,
         gsize              length)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, body, length);
}

/* A service that repeats what it was sent, the key included, in every
 * place a reply has for text. */
static void
respond_echo (SoupServerMessage *msg,
              const char        *path,
              const char        *authorization)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *said = g_strdup_printf ("You sent “%s”, which is not a valid key", authorization);
  g_autofree char *json = NULL;
  gboolean stream = g_str_has_suffix (path, "/status/stream");
  gboolean status = stream || g_str_has_suffix (path, "/status");
  const char *method = soup_server_message_get_method (msg);

  json_builder_begin_object (builder);
  if (status)
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "COMPLETED");
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, said);
      json_builder_set_member_name (builder, "logs");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, said);
      json_builder_set_member_name (builder, "timestamp");
      json_builder_add_string_value (builder, "2026-11-22T06:17:59Z");
      json_builder_end_object (builder);
      json_builder_end_array (builder);
    }
  else if (g_str_equal (method, "POST"))
    {
      json_builder_set_member_name (builder, "detail");
      json_builder_add_string_value (builder, said);
    }
  else
    {
      json_builder_set_member_name (builder, "detail");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "loc");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, "body");
      json_builder_add_string_value (builder, "prompt");
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "msg");
      json_builder_add_string_value (builder, said);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "value_error");
      json_builder_end_object (builder);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);

  if (stream)
    {
      g_autofree char *event = g_strdup_printf ("data: %s\n\n", json);

      respond (msg, 200, "text/event-stream", event, strlen (event));
    }
  else if (status)
    respond (msg, 200, "application/json", json, strlen (json));
  else
    respond (msg, g_str_equal (method, "POST") ? 500 : 422, "application/json", json, strlen (json));
}

static void
respond_echo_500 (SoupServerMessage *msg,
                  const char        *authorization)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *said = g_strdup_printf ("Internal error while checking “%s”", authorization);
  g_autofree char *json = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, said);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  respond (msg, 500, "application/json", json, strlen (json));
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Hostile *hostile = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (request_headers, "Authorization");
  g_auto(GStrv) segments = g_strsplit (path + 1, "/", 3);
  const char *mode = segments[0] != NULL ? segments[0] : "";

  g_ptr_array_add (hostile->paths, g_strdup (path));
  g_ptr_array_add (hostile->authorizations, g_strdup (authorization != NULL ? authorization : ""));

  if (g_str_equal (mode, "json"))
    start_endless (hostile, msg, 200, "application/json", "{\"detail\":\"", ENDLESS_FILLER);
  else if (g_str_equal (mode, "json-length"))
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_replace (headers, "Content-Type", "application/json");
      soup_message_headers_set_content_length (headers, G_GINT64_CONSTANT (4) << 30);
      soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, "{", 1);
    }
  else if (g_str_equal (mode, "error500"))
    start_endless (hostile, msg, 500, "application/json", "{\"detail\":\"", ENDLESS_FILLER);
  else if (g_str_equal (mode, "error401"))
    start_endless (hostile, msg, 401, "application/json", "{\"detail\":\"", ENDLESS_FILLER);
  else if (g_str_equal (mode, "sse-line"))
    start_endless (hostile, msg, 200, "text/event-stream", "data: ", ENDLESS_LINE);
  else if (g_str_equal (mode, "sse-total"))
    start_endless (hostile, msg, 200, "text/event-stream", ": hello\n\n", ENDLESS_EVENTS);
  else if (g_str_equal (mode, "image"))
    start_endless (hostile, msg, 200, "image/png", "\x89PNG\r\n\x1a\n", ENDLESS_FILLER);
  else if (g_str_equal (mode, "redirect"))
    {
      const char *to = query != NULL ? g_hash_table_lookup (query, "to") : NULL;

      soup_server_message_set_redirect (msg, 302, to != NULL ? to : "/");
    }
  else if (g_str_equal (mode, "hop"))
    {
      guint64 n = segments[1] != NULL ? g_ascii_strtoull (segments[1], NULL, 10) : 0;
      g_autofree char *next = g_strdup_printf ("/hop/%" G_GUINT64_FORMAT, n + 1);

      soup_server_message_set_redirect (msg, 302, next);
    }
  else if (g_str_equal (mode, "small.png"))
    {
      g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4, 4);
      g_autofree char *png = NULL;
      gsize size = 0;

      gdk_pixbuf_fill (pixbuf, 0x3080c0ff);
      g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &size, "png", NULL, NULL));
      respond (msg, 200, "image/png", png, size);
    }
  else if (g_str_equal (mode, "echo") && strstr (path, "/requests/retry") != NULL)
    respond_echo_500 (msg, authorization != NULL ? authorization : "");
  else if (g_str_equal (mode, "echo"))
    respond_echo (msg, path, authorization != NULL ? authorization : "");
  else if (g_str_equal (mode, "ok"))
    {
      static const char ok[] = "{\"status\":\"IN_QUEUE\",\"request_id\":\"r-1\",\"queue_position\":0}";

      respond (msg, 200, "application/json", ok, strlen (ok));
    }
  else
    respond (msg, 404, "application/json", "{\"detail\":\"Not Found\"}", 22);
}

Hostile *
hostile_new (GTlsCertificate *certificate)
{
  Hostile *hostile = g_new0 (Hostile, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  char *filler = g_malloc (CHUNK_SIZE);

  memset (filler, 'x', CHUNK_SIZE);
  hostile->chunk = g_bytes_new_take (filler, CHUNK_SIZE);
  hostile->paths = g_ptr_array_new_with_free_func (g_free);
  hostile->authorizations = g_ptr_array_new_with_free_func (g_free);
  hostile->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (hostile->server, NULL, handle, hostile, NULL);
  soup_server_listen_local (hostile->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY |
                            (certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0),
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (hostile->server);
  g_assert_nonnull (uris);
  hostile->base_url = g_strdup_printf ("%s://127.0.0.1:%d",
                                       certificate != NULL ? "https" : "http",
                                       g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  return hostile;
}

void
hostile_free (Hostile *hostile)
{
  soup_server_disconnect (hostile->server);
  g_clear_object (&hostile->server);
  /* Let closing connections settle before the handler data goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (hostile->paths);
  g_ptr_array_unref (hostile->authorizations);
  g_bytes_unref (hostile->chunk);
  g_free (hostile->base_url);
  g_free (hostile);
}

char *
hostile_url (Hostile    *hostile,
             const char *mode)
{
  return g_strdup_printf ("%s/%s", hostile->base_url, mode);
}

guint
hostile_count (Hostile    *hostile,
               const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < hostile->paths->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (hostile->paths, i), prefix))
      n++;

  return n;
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
hostile_wait_cut_off (Hostile *hostile)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint id = g_timeout_add (20, tick, NULL);

  while (hostile->endless_finished < hostile->endless_started)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("A reply that never ends was still being read 20 s after the client gave up "
                 "(%u started, %u cut off)", hostile->endless_started, hostile->endless_finished);
    }

  g_source_remove (id);
}

/* ---- Waiting ------------------------------------------------------------- */

void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

void
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

guint64
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  fields = g_strsplit (statm, " ", -1);
  g_assert_nonnull (fields[1]);

  return g_ascii_strtoull (fields[1], NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
}

/* ---- The client, synchronously ------------------------------------------- */

KsRequest *
do_submit (KsClient  *client,
           GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_submit_async (client, T2I, T2I_BODY, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_submit_finish (client, result, NULL, error);
}

KsStatus *
do_status (KsClient         *client,
           const KsRequest  *request,
           GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_get_status_async (client, request, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_get_status_finish (client, result, error);
}

static void
count_event (const KsStatus *status,
             gpointer        user_data)
{
  guint *n_events = user_data;

  (*n_events)++;
}

KsStatus *
do_stream (KsClient         *client,
           const KsRequest  *request,
           guint            *n_events,
           GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_stream_status_async (client, request, count_event, n_events, NULL,
                                 NULL, store_result, &result);
  wait_for (&result);

  return ks_client_stream_status_finish (client, result, error);
}

KsResult *
do_result (KsClient         *client,
           const KsRequest  *request,
           GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_get_result_async (client, request, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_get_result_finish (client, result, NULL, error);
}

GBytes *
do_download (KsClient    *client,
             const char  *url,
             GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_download_async (client, url, NULL, store_result, &result);
  wait_for (&result);

  return ks_client_download_finish (client, result, NULL, error);
}

char *
do_upload (KsClient  *client,
           GError   **error)
{
  static const char payload[] = "reference bytes";
  g_autoptr(GBytes) bytes = g_bytes_new_static (payload, sizeof payload - 1);
  g_autoptr(GAsyncResult) result = NULL;

  ks_client_upload_async (client, bytes, "image/png", "ref.png", NULL, store_result, &result);
  wait_for (&result);

  return ks_client_upload_finish (client, result, error);
}

void
assert_error_says (const GError *error,
                   int           code,
                   const char   *needle)
{
  g_assert_nonnull (error);
  if (g_test_verbose ())
    g_printerr ("  error: %s\n", error->message);
  g_assert_error ((GError *) error, KS_ERROR, code);
  g_assert_cmpuint (strlen (error->message), >, 10);

  if (needle != NULL)
    {
      g_autofree char *message = g_utf8_casefold (error->message, -1);
      g_autofree char *folded = g_utf8_casefold (needle, -1);

      if (strstr (message, folded) == NULL)
        g_error ("The error “%s” does not mention “%s”", error->message, needle);
    }
}
