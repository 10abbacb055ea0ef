#include "config.h"

#include <string.h>

#include "ks-core.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  JsonNode *root = ks_json_parse_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);

  return root;
}

/* ---- Requests ---------------------------------------------------------------- */

static void
test_request_new (void)
{
  g_autoptr(KsRequest) r = ks_request_new ("https://queue.fal.run/", "fal-ai/flux-pro/kontext/max", "abc-123");
  g_autoptr(KsRequest) copy = NULL;

  g_assert_cmpstr (r->endpoint_id, ==, "fal-ai/flux-pro/kontext/max");
  g_assert_cmpstr (r->request_id, ==, "abc-123");
  g_assert_cmpstr (r->status_url, ==, "https://queue.fal.run/fal-ai/flux-pro/requests/abc-123/status");
  g_assert_cmpstr (r->response_url, ==, "https://queue.fal.run/fal-ai/flux-pro/requests/abc-123");
  g_assert_cmpstr (r->cancel_url, ==, "https://queue.fal.run/fal-ai/flux-pro/requests/abc-123/cancel");

  copy = g_boxed_copy (KS_TYPE_REQUEST, r);
  g_assert_cmpstr (copy->cancel_url, ==, r->cancel_url);
  g_assert_true (copy->cancel_url != r->cancel_url);
}

static void
test_request_parse_submit_fal (void)
{
  g_autoptr(JsonNode) root = parse ("{\"status\":\"IN_QUEUE\",\"request_id\":\"7f1c2a\","
                                    "\"response_url\":\"https://queue.fal.run/fal-ai/flux-pro/requests/7f1c2a\","
                                    "\"status_url\":\"https://queue.fal.run/fal-ai/flux-pro/requests/7f1c2a/status?x=1\","
                                    "\"cancel_url\":\"https://evil.example/fal-ai/flux-pro/requests/7f1c2a/cancel\","
                                    "\"queue_position\":3}");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) r = NULL;
  int position = -5;

  r = ks_request_parse_submit ("https://queue.fal.run", "fal-ai/flux-pro/kontext", root, &position, &error);
  g_assert_no_error (error);
  g_assert_cmpint (position, ==, 3);
  g_assert_cmpstr (r->request_id, ==, "7f1c2a");
  /* fal's own URLs are kept as named… */
  g_assert_cmpstr (r->status_url, ==, "https://queue.fal.run/fal-ai/flux-pro/requests/7f1c2a/status?x=1");
  /* …but one on another host is rebuilt. */
  g_assert_cmpstr (r->cancel_url, ==, "https://queue.fal.run/fal-ai/flux-pro/requests/7f1c2a/cancel");
}

/* A compatible service: every URL goes under the configured base, even
 * when the reply names another host. */
static void
test_request_parse_submit_other_base (void)
{
  g_autoptr(JsonNode) root = parse ("{\"request_id\":\"req_1\","
                                    "\"response_url\":\"https://queue.fal.run/fal-ai/flux-pro/requests/req_1\","
                                    "\"status_url\":\"https://attacker.example/steal\","
                                    "\"cancel_url\":\"http://127.0.0.1:1/x\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) r = NULL;
  int position = 7;

  r = ks_request_parse_submit ("https://proxy.example.com/fal/", "fal-ai/flux-pro/kontext/text-to-image",
                               root, &position, &error);
  g_assert_no_error (error);
  g_assert_cmpint (position, ==, -1);
  g_assert_cmpstr (r->status_url, ==, "https://proxy.example.com/fal/fal-ai/flux-pro/requests/req_1/status");
  g_assert_cmpstr (r->response_url, ==, "https://proxy.example.com/fal/fal-ai/flux-pro/requests/req_1");
  g_assert_cmpstr (r->cancel_url, ==, "https://proxy.example.com/fal/fal-ai/flux-pro/requests/req_1/cancel");
  g_assert_false (ks_base_url_is_fal ("https://proxy.example.com/fal"));
  g_assert_false (ks_base_url_is_fal ("http://queue.fal.run"));
  g_assert_false (ks_base_url_is_fal ("https://queue.fal.run.evil.example"));
  g_assert_true (ks_base_url_is_fal ("https://QUEUE.fal.run/"));
}

/* A request id goes into URLs: anything that could change the path,
 * query or host is refused. */
static void
test_request_id_sanitising (void)
{
  static const char * const bad[] = {
    "", ".", "..", "a/b", "../x", "a..b", "a?b", "a#b", "a b", "a\nb", "a\tb",
    "a%2fb", "a\\b", "é", "a:b", "a@evil",
  };
  static const char * const good[] = {
    "764cabcf-b745-4b3e-ae38-1200304cf45b", "req_1", "A.b~c", "x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *json = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRequest) r = NULL;

      g_assert_false (ks_request_id_is_valid (bad[i]));

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "request_id");
      json_builder_add_string_value (builder, bad[i]);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);

      r = ks_request_parse_submit ("https://queue.fal.run", "fal-ai/flux-pro/kontext", root, NULL, &error);
      g_assert_null (r);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    }

  {
    g_autofree char *long_id = g_strnfill (129, 'a');

    g_assert_false (ks_request_id_is_valid (long_id));
  }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (ks_request_id_is_valid (good[i]));

  g_assert_true (ks_request_check_endpoint_id ("fal-ai/flux-pro/kontext/max/multi", NULL));
  g_assert_false (ks_request_check_endpoint_id ("fal-ai", NULL));
  g_assert_false (ks_request_check_endpoint_id ("fal-ai/../x", NULL));
  g_assert_false (ks_request_check_endpoint_id ("fal-ai//x", NULL));
  g_assert_false (ks_request_check_endpoint_id ("fal-ai/x?y", NULL));
}

static void
test_request_parse_submit_bad (void)
{
  static const char * const replies[] = {
    "[]",
    "{}",
    "{\"request_id\":42}",
    "{\"request_id\":null}",
    "{\"request_id\":\"ok\",\"queue_position\":\"3\"}",
    "{\"request_id\":\"ok\",\"queue_position\":-1}",
    "{\"request_id\":\"ok\",\"queue_position\":1.5}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonNode) root = parse (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRequest) r = ks_request_parse_submit ("https://queue.fal.run", "fal-ai/flux-pro/kontext",
                                                        root, NULL, &error);

      g_assert_null (r);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    }
}

/* ---- Status -------------------------------------------------------------------- */

static void
test_status_parse (void)
{
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(JsonNode) root = parse ("{\"status\":\"IN_QUEUE\",\"queue_position\":4,\"logs\":null}");
    g_autoptr(KsStatus) s = ks_status_parse (root, &error);

    g_assert_no_error (error);
    g_assert_cmpint (s->state, ==, KS_QUEUE_STATE_IN_QUEUE);
    g_assert_cmpint (s->queue_position, ==, 4);
    g_assert_nonnull (s->logs);
    g_assert_cmpuint (s->logs->len, ==, 0);
    g_assert_cmpfloat (s->inference_time, <, 0);
    g_assert_null (s->error);
    g_assert_cmpstr (ks_queue_state_to_string (s->state), ==, "IN_QUEUE");
  }

  {
    g_autoptr(JsonNode) root = parse ("{\"status\":\"IN_PROGRESS\",\"metrics\":{},"
                                      "\"logs\":[{\"message\":\"Loading\",\"timestamp\":\"2025-01-01T00:00:00Z\",\"level\":\"INFO\",\"source\":\"user\",\"labels\":{}},"
                                      "{\"message\":\"Step 2\",\"timestamp\":\"2025-01-01T00:00:01Z\"}]}");
    g_autoptr(KsStatus) s = ks_status_parse (root, &error);
    g_autoptr(KsStatus) copy = NULL;
    KsLogEntry *e;

    g_assert_no_error (error);
    g_assert_cmpint (s->state, ==, KS_QUEUE_STATE_IN_PROGRESS);
    g_assert_cmpint (s->queue_position, ==, -1);
    g_assert_cmpuint (s->logs->len, ==, 2);
    e = g_ptr_array_index (s->logs, 0);
    g_assert_cmpstr (e->message, ==, "Loading");
    g_assert_cmpstr (e->timestamp, ==, "2025-01-01T00:00:00Z");
    g_assert_cmpstr (e->level, ==, "INFO");
    g_assert_cmpstr (e->source, ==, "user");
    e = g_ptr_array_index (s->logs, 1);
    g_assert_null (e->level);
    g_assert_null (e->source);

    copy = g_boxed_copy (KS_TYPE_STATUS, s);
    g_assert_cmpuint (copy->logs->len, ==, 2);
    g_assert_cmpstr (((KsLogEntry *) g_ptr_array_index (copy->logs, 1))->message, ==, "Step 2");
  }

  {
    g_autoptr(JsonNode) root = parse ("{\"status\":\"COMPLETED\",\"metrics\":{\"inference_time\":3.25},"
                                      "\"error\":\"Request timed out\",\"error_type\":\"request_timeout\"}");
    g_autoptr(KsStatus) s = ks_status_parse (root, &error);

    g_assert_no_error (error);
    g_assert_cmpint (s->state, ==, KS_QUEUE_STATE_COMPLETED);
    g_assert_cmpfloat_with_epsilon (s->inference_time, 3.25, 1e-9);
    g_assert_cmpstr (s->error, ==, "Request timed out");
    g_assert_cmpstr (s->error_type, ==, "request_timeout");
  }
}

static void
test_status_parse_bad (void)
{
  static const char * const replies[] = {
    "\"COMPLETED\"",
    "{}",
    "{\"status\":\"FAILED\"}",
    "{\"status\":\"CANCELLED\"}",
    "{\"status\":\"completed\"}",
    "{\"status\":1}",
    "{\"status\":\"IN_QUEUE\",\"queue_position\":\"1\"}",
    "{\"status\":\"IN_QUEUE\",\"queue_position\":-2}",
    "{\"status\":\"IN_PROGRESS\",\"logs\":{}}",
    "{\"status\":\"IN_PROGRESS\",\"logs\":[\"text\"]}",
    "{\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":3}]}",
    "{\"status\":\"IN_PROGRESS\",\"logs\":[{\"timestamp\":\"t\"}]}",
    "{\"status\":\"COMPLETED\",\"metrics\":[]}",
    "{\"status\":\"COMPLETED\",\"metrics\":{\"inference_time\":\"1s\"}}",
    "{\"status\":\"COMPLETED\",\"error\":{\"msg\":\"x\"}}",
    "{\"status\":\"COMPLETED\",\"error_type\":5}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonNode) root = parse (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(KsStatus) s = ks_status_parse (root, &error);

      g_assert_null (s);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    }
}

/* ---- Result --------------------------------------------------------------------- */

static void
test_result_parse (void)
{
  g_autoptr(JsonNode) root = parse ("{\"images\":[{\"url\":\"https://v3.fal.media/files/a.jpg\",\"width\":1024,\"height\":768,\"content_type\":\"image/jpeg\"},"
                                    "{\"url\":\"data:image/png;base64,AAAA\"},"
                                    "{\"url\":\"https://v3.fal.media/files/c.jpg\",\"width\":-5,\"height\":1000000000}],"
                                    "\"timings\":{\"inference\":2.5},\"seed\":42,"
                                    "\"has_nsfw_concepts\":[false,true],\"prompt\":\"A donut\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsResult) r = ks_result_parse (root, &error);
  g_autoptr(KsResult) copy = NULL;
  KsResultImage *image;

  g_assert_no_error (error);
  g_assert_cmpuint (r->images->len, ==, 3);

  image = g_ptr_array_index (r->images, 0);
  g_assert_cmpstr (image->url, ==, "https://v3.fal.media/files/a.jpg");
  g_assert_cmpint (image->width, ==, 1024);
  g_assert_cmpint (image->height, ==, 768);
  g_assert_cmpstr (image->content_type, ==, "image/jpeg");
  g_assert_false (image->has_nsfw_concepts);

  image = g_ptr_array_index (r->images, 1);
  g_assert_cmpstr (image->url, ==, "data:image/png;base64,AAAA");
  g_assert_cmpint (image->width, ==, 0);
  g_assert_null (image->content_type);
  g_assert_true (image->has_nsfw_concepts);

  /* Absurd sizes read as unknown, never as a value to allocate for. */
  image = g_ptr_array_index (r->images, 2);
  g_assert_cmpint (image->width, ==, 0);
  g_assert_cmpint (image->height, ==, 0);
  g_assert_false (image->has_nsfw_concepts);

  g_assert_true (r->has_seed);
  g_assert_cmpuint (r->seed, ==, 42);
  g_assert_cmpstr (r->prompt, ==, "A donut");
  g_assert_cmpfloat_with_epsilon (r->inference_time, 2.5, 1e-9);
  g_assert_nonnull (r->raw);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->raw));

  copy = g_boxed_copy (KS_TYPE_RESULT, r);
  g_assert_cmpuint (copy->images->len, ==, 3);
  g_assert_true (((KsResultImage *) g_ptr_array_index (copy->images, 1))->has_nsfw_concepts);
  g_assert_cmpuint (copy->seed, ==, 42);
}

/* Seeds are exact over all 64 bits: a reproduced image needs the very seed. */
static void
test_result_seeds (void)
{
  static const struct { const char *text; guint64 value; } seeds[] = {
    { "0", 0 },
    { "1", 1 },
    { "9223372036854775807", G_GUINT64_CONSTANT (9223372036854775807) },
    { "9223372036854775808", G_GUINT64_CONSTANT (9223372036854775808) },
    { "15860307465884635512", G_GUINT64_CONSTANT (15860307465884635512) },
    { "18446744073709551615", G_MAXUINT64 },
    { "\"15860307465884635512\"", G_GUINT64_CONSTANT (15860307465884635512) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"images\":[],\"seed\":%s}", seeds[i].text);
      g_autoptr(JsonNode) root = parse (json);
      g_autoptr(GError) error = NULL;
      g_autoptr(KsResult) r = ks_result_parse (root, &error);

      g_assert_no_error (error);
      g_assert_true (r->has_seed);
      g_assert_cmpuint (r->seed, ==, seeds[i].value);
    }

  {
    g_autoptr(JsonNode) root = parse ("{\"images\":[],\"seed\":null}");
    g_autoptr(KsResult) r = ks_result_parse (root, NULL);

    g_assert_nonnull (r);
    g_assert_false (r->has_seed);
    g_assert_null (r->prompt);
    g_assert_cmpfloat (r->inference_time, <, 0);
  }
}

static void
test_result_parse_bad (void)
{
  static const char * const replies[] = {
    "[]",
    "{}",
    "{\"images\":{}}",
    "{\"images\":[\"https://x/y.png\"]}",
    "{\"images\":[{}]}",
    "{\"images\":[{\"url\":\"\"}]}",
    "{\"images\":[{\"url\":7}]}",
    "{\"images\":[{\"url\":\"https://x\",\"width\":\"1024\"}]}",
    "{\"images\":[{\"url\":\"https://x\",\"content_type\":[]}]}",
    "{\"images\":[],\"seed\":true}",
    "{\"images\":[],\"seed\":\"12x\"}",
    "{\"images\":[],\"seed\":-1.5}",
    "{\"images\":[],\"seed\":{}}",
    "{\"images\":[],\"has_nsfw_concepts\":true}",
    "{\"images\":[],\"has_nsfw_concepts\":[\"no\"]}",
    "{\"images\":[],\"prompt\":5}",
    "{\"images\":[],\"timings\":3}",
    "{\"images\":[],\"timings\":{\"inference\":\"fast\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonNode) root = parse (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(KsResult) r = ks_result_parse (root, &error);

      if (r != NULL)
        g_error ("accepted %s", replies[i]);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    }
}

/* ---- Validation details ------------------------------------------------------------- */

static void
test_validation_detail (void)
{
  gboolean policy = TRUE;

  {
    g_autoptr(JsonNode) root = parse ("{\"detail\":[{\"loc\":[\"body\",\"guidance_scale\"],\"msg\":\"ensure this value is less than or equal to 20\",\"type\":\"less_than_equal\",\"ctx\":{\"le\":20}},"
                                      "{\"loc\":[\"body\",\"image_urls\",1],\"msg\":\"bad url\",\"type\":\"value_error\"},"
                                      "{\"loc\":[\"body\"],\"msg\":\"whole body\",\"type\":\"x\"},"
                                      "{\"loc\":\"not-an-array\",\"type\":\"y\"},"
                                      "42]}");
    g_autoptr(GPtrArray) errors = ks_parse_validation_detail (root, &policy);
    KsFieldError *fe;

    g_assert_false (policy);
    g_assert_cmpuint (errors->len, ==, 4);
    fe = g_ptr_array_index (errors, 0);
    g_assert_cmpstr (fe->field, ==, "guidance_scale");
    g_assert_cmpstr (fe->message, ==, "ensure this value is less than or equal to 20");
    fe = g_ptr_array_index (errors, 1);
    g_assert_cmpstr (fe->field, ==, "image_urls");
    fe = g_ptr_array_index (errors, 2);
    g_assert_null (fe->field);
    g_assert_cmpstr (fe->message, ==, "whole body");
    fe = g_ptr_array_index (errors, 3);
    g_assert_null (fe->field);
    g_assert_nonnull (fe->message);
  }

  {
    g_autoptr(JsonNode) root = parse ("{\"detail\":[{\"loc\":[\"body\",\"prompt\"],\"msg\":\"The content was flagged.\",\"type\":\"content_policy_violation\"}]}");
    g_autoptr(GPtrArray) errors = ks_parse_validation_detail (root, &policy);

    g_assert_true (policy);
    g_assert_cmpuint (errors->len, ==, 1);
    g_assert_cmpstr (((KsFieldError *) g_ptr_array_index (errors, 0))->field, ==, "prompt");
  }

  {
    g_autoptr(JsonNode) root = parse ("{\"detail\":\"Image could not be downloaded\"}");
    g_autoptr(GPtrArray) errors = ks_parse_validation_detail (root, &policy);

    g_assert_false (policy);
    g_assert_cmpuint (errors->len, ==, 1);
    g_assert_null (((KsFieldError *) g_ptr_array_index (errors, 0))->field);
    g_assert_cmpstr (((KsFieldError *) g_ptr_array_index (errors, 0))->message, ==, "Image could not be downloaded");
  }

  {
    g_autoptr(JsonNode) root = parse ("{\"detail\":7}");
    g_autoptr(GPtrArray) errors = ks_parse_validation_detail (root, &policy);
    g_autoptr(GPtrArray) none = ks_parse_validation_detail (NULL, NULL);

    g_assert_cmpuint (errors->len, ==, 0);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/protocol/request/new", test_request_new);
  g_test_add_func ("/protocol/request/submit-fal", test_request_parse_submit_fal);
  g_test_add_func ("/protocol/request/submit-other-base", test_request_parse_submit_other_base);
  g_test_add_func ("/protocol/request/id-sanitising", test_request_id_sanitising);
  g_test_add_func ("/protocol/request/submit-bad", test_request_parse_submit_bad);
  g_test_add_func ("/protocol/status/parse", test_status_parse);
  g_test_add_func ("/protocol/status/bad", test_status_parse_bad);
  g_test_add_func ("/protocol/result/parse", test_result_parse);
  g_test_add_func ("/protocol/result/seeds", test_result_seeds);
  g_test_add_func ("/protocol/result/bad", test_result_parse_bad);
  g_test_add_func ("/protocol/validation-detail", test_validation_detail);

  return g_test_run ();
}
