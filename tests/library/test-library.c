/* The library on disk: records as JSON, atomic ordered writes, loading,
 * damaged and half-written files, the trash, spending. */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <utime.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ks-core.h"
#include "../ks-test-time.h"

#define BIG_SEED G_GUINT64_CONSTANT (15860307465884635512)
#define BIG_SEED_TEXT "15860307465884635512"
#define BASE_URL "https://queue.fal.run"
#define ENDPOINT_ID "fal-ai/flux-pro/kontext"
#define DEADLINE_SECONDS 30

/* ---- helpers ------------------------------------------------------------ */

static gboolean
deadline_cb (gpointer data)
{
  g_error ("Test did not finish within %d s", DEADLINE_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
wait_for_result (GAsyncResult **result)
{
  guint deadline = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

static void
wait_for_count (guint *count,
                guint  wanted)
{
  guint deadline = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);

  while (*count < wanted)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

/* Lets the callbacks of writes already done run (they hold the library). */
static void
drain (KsLibrary *library)
{
  ks_library_flush (library);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static char *
library_path (void)
{
  /* G_TEST_OPTION_ISOLATE_DIRS: a fresh data dir per test. */
  return g_build_filename (g_get_user_data_dir (), "library", NULL);
}

static KsLibrary *
library_new (void)
{
  g_autofree char *path = library_path ();
  g_autoptr(GFile) dir = g_file_new_for_path (path);

  return ks_library_new (dir);
}

static char *
library_file (const char *relative)
{
  g_autofree char *path = library_path ();

  return g_build_filename (path, relative, NULL);
}

static KsParams *
params_new (void)
{
  KsParams *params = ks_params_new (ks_endpoint_lookup (ENDPOINT_ID));

  ks_params_set_prompt (params, "Make the cat wear a hat");
  ks_params_set_seed (params, BIG_SEED);
  ks_params_set_num_images (params, 2);
  ks_params_add_reference (params, "/home/someone/cat.png");

  return params;
}

static KsRecord *
record_new (void)
{
  g_autoptr(KsParams) params = params_new ();

  return ks_record_new (params, BASE_URL, FALSE);
}

static KsRecord *
record_read (const char *id)
{
  g_autofree char *name = g_strdup_printf ("records/%s.json", id);
  g_autofree char *path = library_file (name);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  KsRecord *record;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  record = ks_record_new_from_json (contents, length, &error);
  g_assert_no_error (error);

  return record;
}

static void
problem_cb (KsLibrary    *library,
            const GError *error,
            gpointer      user_data)
{
  guint *count = user_data;

  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
  g_test_message ("problem: %s", error->message);
  (*count)++;
}

static guint
count_files (const char *folder,
             gboolean    temp_only)
{
  g_autofree char *path = library_file (folder);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      if (!temp_only || name[0] == '.')
        n++;
    }

  return n;
}

static KsRecordReference *
reference_new (const char *name,
               const char *sha256)
{
  KsRecordReference *reference = g_new0 (KsRecordReference, 1);

  reference->source_name = g_strdup (name);
  reference->sha256 = g_strdup (sha256);
  reference->mime_type = g_strdup ("image/png");
  reference->file = g_strdup_printf ("references/%s.png", sha256);
  reference->width = 640;
  reference->height = 480;

  return reference;
}

static KsRecordImage *
image_new (guint index)
{
  KsRecordImage *image = g_new0 (KsRecordImage, 1);

  image->index = index;
  image->url = g_strdup_printf ("https://v3.fal.media/files/cat-%u.jpg", index);
  image->content_type = g_strdup ("image/jpeg");
  image->width = 1024;
  image->height = 768;
  image->has_nsfw_concepts = index == 1;

  return image;
}

/* ---- the record as JSON ------------------------------------------------- */

static KsRecord *
record_new_full (void)
{
  KsRecord *record = record_new ();
  g_autoptr(KsRequest) request = ks_request_new (BASE_URL, ENDPOINT_ID, "req-0123-abcd");
  g_autoptr(GError) error = g_error_new_literal (KS_ERROR, KS_ERROR_EXPIRED, "The result is gone.");
  g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_log_entry_free);
  GPtrArray *references = g_ptr_array_new ();

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *message = g_strdup_printf ("step %u of 25", i);
      g_autofree char *timestamp = g_strdup_printf ("2025-01-01T00:00:%02uZ", i);

      g_ptr_array_add (logs, ks_log_entry_new (message, timestamp, "info", NULL));
    }

  ks_record_set_state (record, KS_RECORD_STATE_COMPLETED);
  ks_record_set_request (record, request);
  ks_record_set_submitted (record, 1700000000000001);
  ks_record_set_finished (record, 1700000000900002);
  ks_record_set_seed (record, "18446744073709551615");
  ks_record_set_inference_time (record, 3.25);
  ks_record_set_queue_time (record, 1.0 / 3.0);
  ks_record_set_total_time (record, 7.125);
  ks_record_set_returned_prompt (record, "A cat wearing a hat, “quoted”\n");
  ks_record_set_error (record, error);
  ks_record_set_logs (record, logs);
  ks_record_set_parent (record, "0f8fad5b-d9cb-469f-a165-70867728950e", 1);
  ks_record_set_trashed (record, 1700000001000003);
  ks_record_set_batch (record, "9b2c41e0-5d7a-4c1e-8f3b-2a6d0c9e7f11", "Seed 1234");

  g_ptr_array_add (references, reference_new ("cat.png", "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11"));
  g_ptr_array_add (references, g_new0 (KsRecordReference, 1));
  ((KsRecordReference *) references->pdata[1])->source_name = g_strdup ("https://example.com/dog.jpg");
  ((KsRecordReference *) references->pdata[1])->url = g_strdup ("https://example.com/dog.jpg");
  ks_record_take_references (record, references);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(KsRecordImage) image = image_new (1 - i);

      if (i == 0)
        image->file = g_strdup_printf ("images/%s-1.jpg", ks_record_get_id (record));
      ks_record_set_image (record, image);
    }

  return record;
}

static char *
params_text (KsParams *params)
{
  g_autoptr(JsonNode) node = ks_params_to_json (params);

  return json_to_string (node, FALSE);
}

static void
assert_records_equal (KsRecord *a,
                      KsRecord *b)
{
  g_autofree char *params_a = params_text (ks_record_get_params (a));
  g_autofree char *params_b = params_text (ks_record_get_params (b));
  const KsRequest *ra = ks_record_get_request (a);
  const KsRequest *rb = ks_record_get_request (b);
  GPtrArray *refs_a = ks_record_get_references (a);
  GPtrArray *refs_b = ks_record_get_references (b);
  GPtrArray *images_a = ks_record_get_images (a);
  GPtrArray *images_b = ks_record_get_images (b);

  g_assert_cmpstr (ks_record_get_id (a), ==, ks_record_get_id (b));
  g_assert_cmpint (ks_record_get_state (a), ==, ks_record_get_state (b));
  g_assert_cmpstr (params_a, ==, params_b);
  g_assert_cmpstr (ks_record_get_base_url (a), ==, ks_record_get_base_url (b));
  g_assert_cmpint (ks_record_get_simulated (a), ==, ks_record_get_simulated (b));
  g_assert_true ((ra == NULL) == (rb == NULL));
  if (ra != NULL)
    {
      g_assert_cmpstr (ra->endpoint_id, ==, rb->endpoint_id);
      g_assert_cmpstr (ra->request_id, ==, rb->request_id);
      g_assert_cmpstr (ra->status_url, ==, rb->status_url);
      g_assert_cmpstr (ra->response_url, ==, rb->response_url);
      g_assert_cmpstr (ra->cancel_url, ==, rb->cancel_url);
    }
  g_assert_cmpint (ks_record_get_created (a), ==, ks_record_get_created (b));
  g_assert_cmpint (ks_record_get_submitted (a), ==, ks_record_get_submitted (b));
  g_assert_cmpint (ks_record_get_finished (a), ==, ks_record_get_finished (b));
  g_assert_cmpint (ks_record_get_updated (a), ==, ks_record_get_updated (b));
  g_assert_cmpstr (ks_record_get_seed (a), ==, ks_record_get_seed (b));
  g_assert_cmpfloat (ks_record_get_inference_time (a), ==, ks_record_get_inference_time (b));
  g_assert_cmpfloat (ks_record_get_queue_time (a), ==, ks_record_get_queue_time (b));
  g_assert_cmpfloat (ks_record_get_total_time (a), ==, ks_record_get_total_time (b));
  g_assert_cmpstr (ks_record_get_returned_prompt (a), ==, ks_record_get_returned_prompt (b));
  g_assert_cmpstr (ks_record_get_error_code (a), ==, ks_record_get_error_code (b));
  g_assert_cmpstr (ks_record_get_error_message (a), ==, ks_record_get_error_message (b));
  g_assert_cmpstr (ks_record_get_logs_summary (a), ==, ks_record_get_logs_summary (b));
  g_assert_cmpuint (ks_record_get_n_logs (a), ==, ks_record_get_n_logs (b));
  g_assert_cmpuint (ks_record_get_cost (a), ==, ks_record_get_cost (b));
  g_assert_cmpstr (ks_record_get_parent_id (a), ==, ks_record_get_parent_id (b));
  g_assert_cmpstr (ks_record_get_batch_id (a), ==, ks_record_get_batch_id (b));
  g_assert_cmpstr (ks_record_get_batch_label (a), ==, ks_record_get_batch_label (b));
  g_assert_cmpuint (ks_record_get_parent_image (a), ==, ks_record_get_parent_image (b));
  g_assert_cmpint (ks_record_get_trashed (a), ==, ks_record_get_trashed (b));

  g_assert_cmpuint (refs_a->len, ==, refs_b->len);
  for (guint i = 0; i < refs_a->len; i++)
    {
      const KsRecordReference *x = refs_a->pdata[i], *y = refs_b->pdata[i];

      g_assert_cmpstr (x->source_name, ==, y->source_name);
      g_assert_cmpstr (x->url, ==, y->url);
      g_assert_cmpstr (x->sha256, ==, y->sha256);
      g_assert_cmpstr (x->mime_type, ==, y->mime_type);
      g_assert_cmpstr (x->file, ==, y->file);
      g_assert_cmpint (x->width, ==, y->width);
      g_assert_cmpint (x->height, ==, y->height);
    }

  g_assert_cmpuint (images_a->len, ==, images_b->len);
  for (guint i = 0; i < images_a->len; i++)
    {
      const KsRecordImage *x = images_a->pdata[i], *y = images_b->pdata[i];

      g_assert_cmpuint (x->index, ==, y->index);
      g_assert_cmpstr (x->url, ==, y->url);
      g_assert_cmpstr (x->content_type, ==, y->content_type);
      g_assert_cmpstr (x->file, ==, y->file);
      g_assert_cmpint (x->width, ==, y->width);
      g_assert_cmpint (x->height, ==, y->height);
      g_assert_cmpint (x->has_nsfw_concepts, ==, y->has_nsfw_concepts);
    }
}

static void
test_record_round_trip (void)
{
  g_autoptr(KsRecord) record = record_new_full ();
  g_autoptr(KsRecord) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  guint64 seed = 0;
  gsize length;

  /* What the setters did. */
  g_assert_cmpuint (ks_record_get_n_logs (record), ==, 25);
  g_assert_nonnull (strstr (ks_record_get_logs_summary (record), "step 24 of 25"));
  g_assert_null (strstr (ks_record_get_logs_summary (record), "step 4 of 25"));
  g_assert_cmpstr (ks_record_get_error_code (record), ==, "expired");
  g_assert_cmpstr (ks_record_get_request_id (record), ==, "req-0123-abcd");
  g_assert_cmpuint (ks_record_get_cost (record), ==, ks_params_get_cost (ks_record_get_params (record)));
  g_assert_cmpuint (ks_record_get_cost (record), >, 0);
  g_assert_cmpuint (ks_record_get_images (record)->len, ==, 2);
  g_assert_cmpuint (((KsRecordImage *) ks_record_get_images (record)->pdata[0])->index, ==, 0);
  g_assert_nonnull (ks_record_get_image (record, 1)->file);

  json = ks_record_to_json (record, &length);
  g_assert_nonnull (strstr (json, "\"version\" : 1"));
  copy = ks_record_new_from_json (json, length, &error);
  g_assert_no_error (error);
  assert_records_equal (record, copy);

  g_assert_true (ks_params_get_seed (ks_record_get_params (copy), &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);

  again = ks_record_to_json (copy, NULL);
  g_assert_cmpstr (json, ==, again);

  /* A minimal record too: nothing optional set. */
  {
    g_autoptr(KsRecord) bare = record_new ();
    g_autoptr(KsRecord) bare_copy = NULL;
    g_autofree char *bare_json = ks_record_to_json (bare, &length);

    bare_copy = ks_record_new_from_json (bare_json, length, &error);
    g_assert_no_error (error);
    assert_records_equal (bare, bare_copy);
    g_assert_cmpfloat (ks_record_get_inference_time (bare_copy), <, 0);
    g_assert_null (ks_record_get_request (bare_copy));
  }
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  GString *names = user_data;

  g_string_append_printf (names, "%s;", pspec->name);
}

/* Exactly @name and "updated", once each, in any order. */
static void
assert_notified (GString    *names,
                 const char *name)
{
  g_assert_nonnull (strstr (names->str, name));
  g_assert_nonnull (strstr (names->str, "updated;"));
  g_assert_cmpuint (names->len, ==, strlen (name) + strlen ("updated;"));
}

static void
test_record_notify (void)
{
  g_autoptr(KsRecord) record = record_new ();
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(KsRecordImage) image = image_new (0);
  gint64 updated = ks_record_get_updated (record);

  g_signal_connect (record, "notify", G_CALLBACK (notify_cb), names);

  ks_record_set_state (record, KS_RECORD_STATE_WAITING);
  g_assert_cmpstr (names->str, ==, "");

  ks_record_set_state (record, KS_RECORD_STATE_IN_QUEUE);
  g_assert_nonnull (strstr (names->str, "state;"));
  g_assert_nonnull (strstr (names->str, "updated;"));
  g_assert_cmpint (ks_record_get_updated (record), >, updated);

  g_string_truncate (names, 0);
  ks_record_set_image (record, image);
  ks_record_set_image (record, image);
  assert_notified (names, "images;");

  g_string_truncate (names, 0);
  ks_record_set_seed (record, "42");
  ks_record_set_seed (record, "42");
  assert_notified (names, "seed;");

  g_assert_cmpstr (ks_record_state_to_string (KS_RECORD_STATE_IN_QUEUE), ==, "in-queue");
  for (guint i = KS_RECORD_STATE_WAITING; i <= KS_RECORD_STATE_EXPIRED; i++)
    {
      KsRecordState state;

      g_assert_true (ks_record_state_from_string (ks_record_state_to_string (i), &state));
      g_assert_cmpint (state, ==, i);
      g_assert_nonnull (ks_record_state_describe (i));
    }
  g_assert_true (ks_record_state_is_unfinished (KS_RECORD_STATE_DOWNLOADING));
  g_assert_false (ks_record_state_is_unfinished (KS_RECORD_STATE_UNKNOWN));
}

#define P "\"params\":{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"prompt\":\"x\"}"
#define HEAD "{\"version\":1,\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"state\":\"completed\"," \
             P ",\"base_url\":\"https://queue.fal.run\",\"created\":1"

static void
test_record_malformed (void)
{
  static const struct { const char *json; const char *member; } cases[] = {
    { "", NULL },
    { "   ", NULL },
    { "[]", NULL },
    { "null", NULL },
    { "42", NULL },
    { "\"a record\"", NULL },
    { "{\"version\":1", NULL },
    { "\xff\xfe\x00garbage", NULL },
    { "{\"version\":1,\"state\":\"completed\"," P ",\"base_url\":\"https://queue.fal.run\",\"created\":1}", "id" },
    { "{\"version\":1,\"id\":7,\"state\":\"completed\"," P ",\"base_url\":\"https://queue.fal.run\",\"created\":1}", "id" },
    { "{\"version\":1,\"id\":\"../../etc\",\"state\":\"completed\"," P ",\"base_url\":\"https://queue.fal.run\",\"created\":1}", "id" },
    { "{\"version\":\"1\",\"id\":\"x\"}", "version" },
    { "{\"version\":2,\"id\":\"x\"}", "version" },
    { "{\"version\":1,\"id\":\"0f8fad5b\",\"state\":\"flying\"," P ",\"base_url\":\"https://queue.fal.run\",\"created\":1}", "state" },
    { "{\"version\":1,\"id\":\"0f8fad5b\",\"state\":3," P ",\"base_url\":\"https://queue.fal.run\",\"created\":1}", "state" },
    { "{\"version\":1,\"id\":\"0f8fad5b\",\"state\":\"completed\",\"params\":[],\"created\":1}", "params" },
    { "{\"version\":1,\"id\":\"0f8fad5b\",\"state\":\"completed\",\"params\":{\"endpoint_id\":\"nope/nope\"},\"created\":1}", "params" },
    { HEAD ",\"created\":\"yesterday\"}", "created" },
    { HEAD ",\"submitted\":-5}", "submitted" },
    { HEAD ",\"simulated\":\"yes\"}", "simulated" },
    { HEAD ",\"seed\":\"12ab\"}", "seed" },
    { HEAD ",\"seed\":12}", "seed" },
    { HEAD ",\"inference_time\":\"fast\"}", "inference_time" },
    { HEAD ",\"images\":{}}", "images" },
    { HEAD ",\"images\":[3]}", "images" },
    { HEAD ",\"images\":[{\"index\":0,\"file\":\"images/../../etc/passwd\"}]}", "file" },
    { HEAD ",\"images\":[{\"index\":0,\"file\":\"/etc/passwd\"}]}", "file" },
    { HEAD ",\"images\":[{\"index\":0,\"file\":\"records/x.json\"}]}", "file" },
    { HEAD ",\"images\":[{\"file\":\"images/a.jpg\"}]}", "index" },
    { HEAD ",\"images\":[{\"index\":0},{\"index\":0}]}", "index" },
    { HEAD ",\"references\":[{\"file\":\"references/../x\"}]}", "file" },
    { HEAD ",\"references\":[{\"width\":\"wide\",\"file\":\"references/a.png\"}]}", "width" },
    { HEAD ",\"request\":\"abc\"}", "request" },
    { HEAD ",\"request\":{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"request_id\":\"../x\"}}", "request_id" },
    { HEAD ",\"request\":{\"endpoint_id\":\"../..\",\"request_id\":\"abc\"}}", "endpoint_id" },
    { HEAD ",\"request\":{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"request_id\":\"abc\","
      "\"status_url\":\"https://evil.example/status\"}}", "status_url" },
    { HEAD ",\"request\":{\"endpoint_id\":\"fal-ai/flux-pro/kontext\",\"request_id\":\"abc\","
      "\"cancel_url\":\"http://queue.fal.run/cancel\"}}", "cancel_url" },
    { HEAD ",\"parent_id\":\"../x\"}", "parent_id" },
    { HEAD ",\"base_url\":\"file:///etc\"}", "base_url" },
  };

  /* The shape they vary is valid. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KsRecord) record = ks_record_new_from_json (HEAD "}", -1, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (ks_record_get_prompt (record), ==, "x");
    g_clear_object (&record);
    record = ks_record_new_from_json (HEAD ",\"unknown_member\":[1,2],\"images\":[{\"index\":0,\"file\":\"images/a-0.jpg\"}]}",
                                      -1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (ks_record_get_image (record, 0)->file, ==, "images/a-0.jpg");
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRecord) record = NULL;

      record = ks_record_new_from_json (cases[i].json, strlen (cases[i].json), &error);
      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(accepted)");
      g_assert_null (record);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      if (cases[i].member != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].member));
    }

  /* Zero bytes, with a length. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (ks_record_new_from_json ("", 0, &error));
    g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
  }
}

/* ---- saving and loading ----------------------------------------------------- */

static void
save_and_wait (KsLibrary *library,
               KsRecord  *record)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ks_library_save_async (library, record, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_true (ks_library_save_finish (library, result, &error));
  g_assert_no_error (error);
}

static void
test_library_add_save_load (void)
{
  g_autoptr(KsLibrary) library = library_new ();
  g_autoptr(KsLibrary) again = NULL;
  g_autoptr(KsRecord) first = record_new ();
  g_autoptr(KsRecord) second = record_new_full ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) damaged = NULL;
  g_autoptr(KsRecord) top = NULL;
  guint problems = 0;

  g_signal_connect (library, "problem", G_CALLBACK (problem_cb), &problems);

  ks_library_load_async (library, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_true (ks_library_load_finish (library, result, &damaged, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (damaged), ==, 0);
  g_assert_true (ks_library_get_loaded (library));

  ks_library_add (library, first);
  ks_library_add (library, second);   /* trashed: goes to the trash */
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_records (library)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (library)), ==, 1);
  g_assert_true (ks_library_lookup (library, ks_record_get_id (first)) == first);
  g_assert_true (ks_library_lookup (library, ks_record_get_id (second)) == second);
  g_assert_null (ks_library_lookup (library, "nope"));

  save_and_wait (library, first);
  ks_library_save (library, second);
  ks_library_flush (library);
  g_assert_cmpuint (count_files ("records", FALSE), ==, 2);
  g_assert_cmpuint (count_files ("records", TRUE), ==, 0);
  g_assert_cmpuint (problems, ==, 0);

  again = library_new ();
  g_clear_pointer (&damaged, g_strfreev);
  g_assert_true (ks_library_load (again, &damaged, &error));
  g_assert_cmpuint (g_strv_length (damaged), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_records (again)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (again)), ==, 1);
  top = g_list_model_get_item (ks_library_get_records (again), 0);
  assert_records_equal (first, top);
  assert_records_equal (second, ks_library_lookup (again, ks_record_get_id (second)));

  {
    g_autoptr(GFile) file = ks_library_resolve (again, "images/x-0.jpg");
    g_autofree char *path = g_file_get_path (file);
    g_autofree char *expected = library_file ("images/x-0.jpg");

    g_assert_cmpstr (path, ==, expected);
  }

  g_clear_object (&result);
  drain (again);
  g_assert_finalize_object (g_steal_pointer (&again));
  drain (library);
  g_assert_finalize_object (g_steal_pointer (&library));
}

static void
test_library_default_directory (void)
{
  g_autoptr(GFile) dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "kontext-studio", "library", NULL);

  g_unsetenv ("KS_LIBRARY_DIR");
  dir = ks_library_default_directory ();
  path = g_file_get_path (dir);
  g_assert_cmpstr (path, ==, expected);

  g_setenv ("KS_LIBRARY_DIR", "/somewhere/else", TRUE);
  g_clear_object (&dir);
  g_clear_pointer (&path, g_free);
  dir = ks_library_default_directory ();
  path = g_file_get_path (dir);
  g_assert_cmpstr (path, ==, "/somewhere/else");
  g_unsetenv ("KS_LIBRARY_DIR");
}

static void
write_raw (const char *relative,
           const char *data,
           gssize      length)
{
  g_autofree char *path = library_file (relative);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, data, length, &error));
  g_assert_no_error (error);
}

/* Sets the file's times eleven minutes back. */
static void
make_old (const char *relative)
{
  g_autofree char *path = library_file (relative);
  struct utimbuf times;

  times.actime = times.modtime = time (NULL) - 11 * 60;
  g_assert_cmpint (utime (path, &times), ==, 0);
}

static void
test_library_damaged (void)
{
  g_autoptr(KsLibrary) writer = library_new ();
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(KsRecord) good = record_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) damaged = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  guint problems = 0;
  gsize length;

  ks_library_save (writer, good);
  ks_library_flush (writer);
  g_clear_object (&writer);

  json = ks_record_to_json (good, &length);
  write_raw ("records/11111111-1111-4111-8111-111111111111.json", json, length / 2);
  write_raw ("records/22222222-2222-4222-8222-222222222222.json", "\x01\x02\xff\xfe garbage", -1);
  write_raw ("records/33333333-3333-4333-8333-333333333333.json", "", 0);
  /* A name taken in damaged/ already: the new one gets a suffix. */
  write_raw ("damaged/33333333-3333-4333-8333-333333333333.json", "older", -1);

  library = library_new ();
  g_signal_connect (library, "problem", G_CALLBACK (problem_cb), &problems);
  ks_library_load_async (library, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_true (ks_library_load_finish (library, result, &damaged, &error));
  g_assert_no_error (error);
  wait_for_count (&problems, 3);

  g_assert_cmpuint (g_strv_length (damaged), ==, 3);
  g_assert_true (g_strv_contains ((const char * const *) damaged,
                                  "11111111-1111-4111-8111-111111111111.json"));
  g_assert_cmpuint (problems, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_records (library)), ==, 1);
  g_assert_nonnull (ks_library_lookup (library, ks_record_get_id (good)));
  g_assert_cmpuint (count_files ("records", FALSE), ==, 1);
  g_assert_cmpuint (count_files ("damaged", FALSE), ==, 4);
}

static void
test_library_temp_and_submitting (void)
{
  g_autoptr(KsLibrary) writer = library_new ();
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(KsRecord) record = record_new ();
  g_autoptr(KsRecord) on_disk = NULL;
  g_autoptr(GError) error = NULL;
  KsRecord *loaded;

  ks_record_set_state (record, KS_RECORD_STATE_SUBMITTING);
  ks_library_save (writer, record);
  ks_library_flush (writer);
  g_clear_object (&writer);

  /* Without an owner's id in the name: removed once old (ten minutes),
   * kept while it may still be someone's write. */
  write_raw ("records/.0f8fad5b-d9cb-469f-a165-70867728950e.json.Ab12Cd", "{\"version\":1,", -1);
  write_raw ("images/.abc-0.jpg.Zz99Yy", "\xff\xd8", 2);
  make_old ("records/.0f8fad5b-d9cb-469f-a165-70867728950e.json.Ab12Cd");
  make_old ("images/.abc-0.jpg.Zz99Yy");
  write_raw ("images/.abc-1.jpg.Yy88Xx", "\xff\xd8", 2);
  /* Naming an owner that holds no lock: removed at once. */
  write_raw ("records/.0f8fad5b-d9cb-469f-a165-70867728950e.json.6a1b3c2d-0000-4000-8000-000000000001.Qq77Ww",
             "{", -1);
  g_assert_cmpuint (count_files ("records", TRUE), ==, 2);

  library = library_new ();
  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files ("records", TRUE), ==, 0);
  g_assert_cmpuint (count_files ("images", TRUE), ==, 1);
  g_assert_cmpuint (count_files ("damaged", FALSE), ==, 0);

  loaded = ks_library_lookup (library, ks_record_get_id (record));
  g_assert_nonnull (loaded);
  g_assert_cmpint (ks_record_get_state (loaded), ==, KS_RECORD_STATE_UNKNOWN);
  ks_library_flush (library);
  on_disk = record_read (ks_record_get_id (record));
  g_assert_cmpint (ks_record_get_state (on_disk), ==, KS_RECORD_STATE_UNKNOWN);
}

static void
test_library_save_order (void)
{
  g_autoptr(KsLibrary) library = library_new ();
  g_autoptr(KsRecord) record = record_new ();
  g_autoptr(KsRecord) on_disk = NULL;
  static const KsRecordState states[] = {
    KS_RECORD_STATE_SUBMITTING, KS_RECORD_STATE_IN_QUEUE,
    KS_RECORD_STATE_IN_PROGRESS, KS_RECORD_STATE_DOWNLOADING,
  };

  for (guint i = 0; i < 200; i++)
    {
      ks_record_set_state (record, states[i % G_N_ELEMENTS (states)]);
      ks_record_set_submitted (record, i + 1);
      ks_library_save (library, record);
    }
  ks_record_set_state (record, KS_RECORD_STATE_COMPLETED);
  ks_library_save (library, record);
  ks_library_flush (library);

  on_disk = record_read (ks_record_get_id (record));
  g_assert_cmpint (ks_record_get_state (on_disk), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpint (ks_record_get_submitted (on_disk), ==, 200);
  g_assert_cmpuint (count_files ("records", FALSE), ==, 1);
}

/* ---- a full disk -------------------------------------------------------------- */

static void
full_disk_child (void)
{
  g_autoptr(KsLibrary) library = library_new ();
  g_autoptr(KsRecord) record = record_new ();
  g_autoptr(KsRecord) on_disk = NULL;
  g_autoptr(GPtrArray) logs = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_log_entry_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecordImage) image = image_new (0);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *image_path = NULL;
  g_autofree char *image_name = NULL;
  g_autofree char *big = NULL;
  g_autofree guint8 *pixels = NULL;
  struct rlimit limit = { 64 * 1024, 64 * 1024 };
  guint problems = 0;

  g_signal_connect (library, "problem", G_CALLBACK (problem_cb), &problems);

  /* A complete version first. */
  save_and_wait (library, record);
  g_assert_cmpuint (problems, ==, 0);

  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  /* Then one too big to fit. */
  big = g_strnfill (8000, 'x');
  for (guint i = 0; i < 20; i++)
    g_ptr_array_add (logs, ks_log_entry_new (big, "2025-01-01T00:00:00Z", NULL, NULL));
  ks_record_set_logs (record, logs);
  ks_record_set_state (record, KS_RECORD_STATE_IN_QUEUE);

  ks_library_save_async (library, record, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_false (ks_library_save_finish (library, result, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "library"));
  g_assert_nonnull (strstr (error->message, "nothing was lost"));
  wait_for_count (&problems, 1);

  /* The previous version is whole; no temporary file remains. */
  on_disk = record_read (ks_record_get_id (record));
  g_assert_cmpint (ks_record_get_state (on_disk), ==, KS_RECORD_STATE_WAITING);
  g_assert_null (ks_record_get_logs_summary (on_disk));
  g_assert_cmpuint (count_files ("records", TRUE), ==, 0);
  g_assert_cmpuint (count_files ("records", FALSE), ==, 1);

  /* A 1 MB image does not fit either. */
  pixels = g_malloc0 (1024 * 1024);
  pixels[0] = 0xff;
  pixels[1] = 0xd8;
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), 1024 * 1024);
  g_clear_object (&result);
  g_clear_error (&error);
  ks_library_store_image_async (library, record, image, bytes, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_false (ks_library_store_image_finish (library, result, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
  wait_for_count (&problems, 2);

  image_name = g_strdup_printf ("images/%s-0.jpg", ks_record_get_id (record));
  image_path = library_file (image_name);
  g_assert_false (g_file_test (image_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files ("images", FALSE), ==, 0);
  g_assert_null (ks_record_get_image (record, 0));
}

static void
test_library_full_disk (void)
{
  if (g_test_subprocess ())
    {
      full_disk_child ();
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- the trash ------------------------------------------------------------------ */

#define SHA_SHARED "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_ALONE  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char *
store_reference (KsLibrary  *library,
                 const char *sha256,
                 gsize       size)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *data = g_malloc0 (size);
  char *relative;

  memcpy (data, "\x89PNG\r\n\x1a\n", 8);
  bytes = g_bytes_new_take (data, size);
  ks_library_store_reference_async (library, bytes, sha256, "image/png", NULL, result_cb, &result);
  wait_for_result (&result);
  relative = ks_library_store_reference_finish (library, result, &error);
  g_assert_no_error (error);

  return relative;
}

static void
measure (KsLibrary *library,
         guint64   *total,
         guint64   *in_trash)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ks_library_measure_async (library, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_true (ks_library_measure_finish (library, result, total, in_trash, &error));
  g_assert_no_error (error);
}

static gboolean
library_has (const char *relative)
{
  g_autofree char *path = library_file (relative);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_library_trash (void)
{
  g_autoptr(KsLibrary) library = library_new ();
  g_autoptr(KsRecord) kept = record_new ();
  g_autoptr(KsRecord) gone = record_new ();
  g_autoptr(KsRecord) other = record_new ();
  g_autoptr(KsRecordImage) image = image_new (0);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KsRecord) on_disk = NULL;
  g_autofree char *shared = NULL;
  g_autofree char *alone = NULL;
  g_autofree char *again = NULL;
  g_autofree char *gone_json = NULL;
  g_autofree char *gone_image = NULL;
  GPtrArray *references;
  guint64 total_before, in_trash_before, total_after, in_trash_after, freed = 0;
  GListModel *records = NULL, *trash = NULL;

  g_assert_true (ks_library_load (library, NULL, &error));
  records = ks_library_get_records (library);
  trash = ks_library_get_trash (library);

  shared = store_reference (library, SHA_SHARED, 5000);
  alone = store_reference (library, SHA_ALONE, 7000);
  g_assert_cmpstr (shared, ==, "references/" SHA_SHARED ".png");
  again = store_reference (library, SHA_SHARED, 5000);
  g_assert_cmpstr (again, ==, shared);
  g_assert_cmpuint (count_files ("references", FALSE), ==, 2);

  references = g_ptr_array_new ();
  g_ptr_array_add (references, reference_new ("cat.png", SHA_SHARED));
  ks_record_take_references (kept, references);
  references = g_ptr_array_new ();
  g_ptr_array_add (references, reference_new ("cat.png", SHA_SHARED));
  g_ptr_array_add (references, reference_new ("dog.png", SHA_ALONE));
  ks_record_take_references (gone, references);

  ks_library_add (library, kept);
  ks_library_add (library, gone);
  ks_library_add (library, other);
  ks_library_save (library, kept);
  ks_library_save (library, gone);
  ks_library_save (library, other);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 3);

  /* An image written, then named by the record on disk. */
  bytes = g_bytes_new_static ("\xff\xd8 not really a jpeg, but bytes", 32);
  ks_library_store_image_async (library, gone, image, bytes, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_true (ks_library_store_image_finish (library, result, &error));
  g_assert_no_error (error);
  gone_image = g_strdup_printf ("images/%s-0.jpg", ks_record_get_id (gone));
  g_assert_cmpstr (ks_record_get_image (gone, 0)->file, ==, gone_image);
  g_assert_true (library_has (gone_image));
  on_disk = record_read (ks_record_get_id (gone));
  g_assert_cmpstr (ks_record_get_image (on_disk, 0)->file, ==, gone_image);
  g_clear_object (&on_disk);

  /* Trash and back. */
  ks_library_trash (library, gone);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (trash), ==, 1);
  g_assert_true (g_list_model_get_item (trash, 0) == (gpointer) gone);
  g_object_unref (gone);
  g_assert_cmpint (ks_record_get_trashed (gone), >, 0);
  ks_library_flush (library);
  on_disk = record_read (ks_record_get_id (gone));
  g_assert_cmpint (ks_record_get_trashed (on_disk), ==, ks_record_get_trashed (gone));
  g_clear_object (&on_disk);

  ks_library_untrash (library, gone);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (trash), ==, 0);
  g_assert_cmpint (ks_record_get_trashed (gone), ==, 0);

  ks_library_trash (library, gone);
  ks_library_trash (library, other);
  g_assert_cmpuint (g_list_model_get_n_items (trash), ==, 2);
  g_assert_true (g_list_model_get_item (trash, 0) == (gpointer) other);
  g_object_unref (other);

  measure (library, &total_before, &in_trash_before);
  g_assert_cmpuint (in_trash_before, >, 7000);
  g_assert_cmpuint (total_before, >, in_trash_before + 5000);

  g_clear_object (&result);
  ks_library_empty_trash_async (library, NULL, result_cb, &result);
  wait_for_result (&result);
  g_assert_true (ks_library_empty_trash_finish (library, result, &freed, &error));
  g_assert_no_error (error);
  g_test_message ("freed %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes", freed, total_before);

  measure (library, &total_after, &in_trash_after);
  g_assert_cmpuint (freed, ==, in_trash_before);
  g_assert_cmpuint (total_after, ==, total_before - freed);
  g_assert_cmpuint (in_trash_after, ==, 0);

  gone_json = g_strdup_printf ("records/%s.json", ks_record_get_id (gone));
  g_assert_false (library_has (gone_json));
  g_assert_false (library_has (gone_image));
  g_assert_true (library_has (shared));
  g_assert_false (library_has (alone));
  g_assert_cmpuint (g_list_model_get_n_items (trash), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (records), ==, 1);
  g_assert_null (ks_library_lookup (library, ks_record_get_id (gone)));
  g_assert_true (ks_library_lookup (library, ks_record_get_id (kept)) == kept);
}

/* ---- spending ------------------------------------------------------------------ */

static gint64
local_time (int year, int month, int day, int hour, int minute)
{
  g_autoptr(GDateTime) time = g_date_time_new_local (year, month, day, hour, minute, 0);

  return g_date_time_to_unix (time) * G_USEC_PER_SEC;
}

static KsRecord *
spend (KsLibrary     *library,
       KsRecordState  state,
       gint64         submitted,
       gboolean       with_request,
       double         queue_time)
{
  g_autoptr(KsRecord) record = record_new ();

  ks_record_set_state (record, state);
  ks_record_set_submitted (record, submitted);
  ks_record_set_queue_time (record, queue_time);
  if (with_request)
    {
      g_autoptr(KsRequest) request = ks_request_new (BASE_URL, ENDPOINT_ID, "req-1");

      ks_record_set_request (record, request);
    }
  ks_library_add (library, record);

  return record;
}

static void
test_library_spending (void)
{
  g_autoptr(KsLibrary) library = library_new ();
  gint64 now = local_time (2024, 5, 15, 12, 0);
  gint64 hour = (gint64) G_USEC_PER_SEC * 3600;
  guint64 cost;
  KsRecord *trashed;

  spend (library, KS_RECORD_STATE_COMPLETED, now - hour, TRUE, 1);                          /* day */
  spend (library, KS_RECORD_STATE_IN_QUEUE, local_time (2024, 5, 14, 12, 0), TRUE, -1);     /* month */
  spend (library, KS_RECORD_STATE_COMPLETED, local_time (2024, 4, 30, 23, 0), TRUE, 1);     /* neither */
  spend (library, KS_RECORD_STATE_WAITING, now - 2 * hour, FALSE, -1);                      /* free */
  spend (library, KS_RECORD_STATE_CANCELLED, now - 3 * hour, FALSE, -1);                    /* free */
  spend (library, KS_RECORD_STATE_CANCELLED, now - 3 * hour, TRUE, -1);                     /* free: in queue */
  spend (library, KS_RECORD_STATE_FAILED, now - 3 * hour, FALSE, -1);                       /* free */
  spend (library, KS_RECORD_STATE_UNKNOWN, now - 4 * hour, FALSE, -1);                      /* day */
  trashed = spend (library, KS_RECORD_STATE_COMPLETED, now - 5 * hour, TRUE, 1);            /* day */
  spend (library, KS_RECORD_STATE_EXPIRED, local_time (2024, 5, 1, 0, 30), TRUE, 1);        /* month */
  spend (library, KS_RECORD_STATE_FAILED, now - 6 * hour, TRUE, 2);                         /* day: it ran */
  spend (library, KS_RECORD_STATE_COMPLETED, local_time (2024, 5, 16, 0, 0), TRUE, 1);      /* month */

  ks_library_trash (library, trashed);
  ks_library_flush (library);

  cost = ks_record_get_cost (trashed);
  g_assert_cmpuint (cost, >, 0);
  g_assert_cmpuint (ks_library_get_spent_day (library, now), ==, 4 * cost);
  g_assert_cmpuint (ks_library_get_spent_month (library, now), ==, 7 * cost);
  g_assert_cmpuint (ks_library_get_spent (library, now - 5 * hour, now), ==, 3 * cost);
  g_assert_cmpuint (ks_library_get_spent_day (library, local_time (2024, 5, 16, 8, 0)), ==, cost);
  g_assert_cmpuint (ks_library_get_spent_month (library, local_time (2024, 4, 2, 8, 0)), ==, cost);
}

/* ---- many records ---------------------------------------------------------------- */

static void
count_cb (GListModel *model,
          guint       position,
          guint       removed,
          guint       added,
          gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* The thread that runs the tests, with their main loop. */
static GThread *test_thread;

/* Counts changes made on any thread but the one that runs the test. */
static void
off_thread_cb (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               gpointer    user_data)
{
  if (g_thread_self () != test_thread)
    (*(guint *) user_data)++;
}

static void
test_library_many (void)
{
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gint64 base = local_time (2024, 1, 1, 0, 0);
  gint64 start, previous = G_MAXINT64;
  GListModel *records;
  guint changes = 0;
  guint off_thread = 0;
  const guint n = 2000;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsRecord) record = record_new ();
      g_autofree char *json = ks_record_to_json (record, NULL);
      g_autoptr(JsonNode) node = json_from_string (json, &error);
      g_autofree char *text = NULL;
      g_autofree char *name = NULL;

      g_assert_no_error (error);
      /* Created times shuffled over the files. */
      json_object_set_int_member (json_node_get_object (node), "created",
                                  base + (gint64) ((i * 7919) % n) * 1000);
      text = json_to_string (node, FALSE);
      name = g_strdup_printf ("records/%s.json", ks_record_get_id (record));
      write_raw (name, text, -1);
      g_ptr_array_add (ids, g_strdup (ks_record_get_id (record)));
    }

  library = library_new ();
  records = ks_library_get_records (library);
  g_signal_connect (records, "items-changed", G_CALLBACK (count_cb), &changes);
  g_signal_connect (records, "items-changed", G_CALLBACK (off_thread_cb), &off_thread);

  start = g_get_monotonic_time ();
  ks_library_load_async (library, NULL, result_cb, &result);
  /* The main loop is not running while the writer reads the newest
   * records: their page must still reach the models on this thread, where
   * the widgets that show them live, never on the writer's. */
  g_usleep (300 * 1000 * ks_test_time_scale ());
  wait_for_result (&result);
  g_assert_true (ks_library_load_finish (library, result, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("loaded %u records in %.1f ms", n, (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (g_list_model_get_n_items (records), ==, n);
  /* The newest files first (a screenful), then the rest in one change. */
  g_assert_cmpuint (changes, ==, 2);
  g_assert_cmpuint (off_thread, ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, i);

      g_assert_cmpint (ks_record_get_created (record), <, previous);
      previous = ks_record_get_created (record);
      g_assert_nonnull (ks_library_lookup (library, g_ptr_array_index (ids, i)));
    }
  g_assert_cmpint (previous, ==, base);
}

/* ---- several processes ------------------------------------------------------ */

#define HOLD_OPTION "--hold-library"

/* The other process (this binary, run with HOLD_OPTION DIR): a library on
 * DIR with a job's record SUBMITTING on disk and a write of that record in
 * flight (a temporary file under the writer's own name), then it waits on
 * its standard input until it is killed. Prints "<id> <temp name>". */
static int
hold_library (const char *path)
{
  g_autoptr(GFile) dir = g_file_new_for_path (path);
  g_autoptr(KsLibrary) library = ks_library_new (dir);
  g_autoptr(KsClient) client = ks_client_new (BASE_URL);
  g_autoptr(KsParams) params = params_new ();
  g_autoptr(KsJob) job = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *temp_path = NULL;
  const char *owner;
  KsRecord *record;
  char c;

  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  job = ks_library_create_job (library, client, params, NULL, 0);
  record = ks_job_get_record (job);
  ks_record_set_state (record, KS_RECORD_STATE_SUBMITTING);
  ks_library_save (library, record);
  ks_library_flush (library);

  file = g_strdup_printf ("%s/records/%s.json", path, ks_record_get_id (record));
  g_assert_true (json_parser_load_from_file (parser, file, &error));
  g_assert_no_error (error);
  owner = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "owner");
  g_assert_nonnull (owner);
  g_assert_true (g_uuid_string_is_valid (owner));

  temp = g_strdup_printf (".%s.json.%s.Ab12Cd", ks_record_get_id (record), owner);
  temp_path = g_build_filename (path, "records", temp, NULL);
  g_assert_true (g_file_set_contents (temp_path, "{\"version\":", -1, &error));
  g_assert_no_error (error);

  printf ("%s %s\n", ks_record_get_id (record), temp);
  fflush (stdout);

  while (read (STDIN_FILENO, &c, 1) > 0)
    ;

  return 0;
}

static guint
count_lock_files (void)
{
  return count_files ("locks", FALSE);
}

/* Another process holds the library and is submitting a job: a load here
 * leaves its record and its write in flight alone, and the resume would
 * leave it to that process. Once that process is killed, the next load
 * takes the record up (UNKNOWN) and removes what it left. */
static void
test_library_other_process (void)
{
  g_autofree char *path = library_path ();
  g_autoptr(GSubprocess) other = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(KsLibrary) library = NULL;
  g_autoptr(KsRecord) on_disk = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *line = NULL;
  g_autofree char *temp_relative = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *record_relative = NULL;
  g_autofree char *record_file = NULL;
  g_autofree char *contents = NULL;
  KsRecord *loaded;
  /* The program's own path (under valgrind /proc/self/exe is valgrind). */
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);

  g_assert_nonnull (self_exe);
  other = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                            self_exe, HOLD_OPTION, path, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (other));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  words = g_strsplit (line, " ", 2);
  g_assert_cmpuint (g_strv_length (words), ==, 2);
  temp_relative = g_build_filename ("records", words[1], NULL);
  temp = library_file (temp_relative);
  record_relative = g_strdup_printf ("records/%s.json", words[0]);
  record_file = library_file (record_relative);

  library = library_new ();
  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  ks_library_flush (library);
  loaded = ks_library_lookup (library, words[0]);
  g_assert_nonnull (loaded);
  g_assert_cmpint (ks_record_get_state (loaded), ==, KS_RECORD_STATE_SUBMITTING);
  g_assert_true (ks_library_is_owned_elsewhere (library, loaded));
  on_disk = record_read (words[0]);
  g_assert_cmpint (ks_record_get_state (on_disk), ==, KS_RECORD_STATE_SUBMITTING);
  g_clear_object (&on_disk);
  /* Its write in flight is still there, and both libraries hold a lock. */
  g_assert_true (g_file_test (temp, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_lock_files (), ==, 2);
  g_clear_object (&library);
  g_assert_cmpuint (count_lock_files (), ==, 1);

  /* Killed: no chance to let go of anything. */
  g_subprocess_force_exit (other);
  g_assert_true (g_subprocess_wait (other, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (other));
  g_assert_cmpint (g_subprocess_get_term_sig (other), ==, SIGKILL);
  g_assert_cmpuint (count_lock_files (), ==, 1);

  library = library_new ();
  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  ks_library_flush (library);
  loaded = ks_library_lookup (library, words[0]);
  g_assert_cmpint (ks_record_get_state (loaded), ==, KS_RECORD_STATE_UNKNOWN);
  g_assert_false (ks_library_is_owned_elsewhere (library, loaded));
  on_disk = record_read (words[0]);
  g_assert_cmpint (ks_record_get_state (on_disk), ==, KS_RECORD_STATE_UNKNOWN);
  g_assert_true (g_file_get_contents (record_file, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "\"owner\""));
  g_assert_false (g_file_test (temp, G_FILE_TEST_EXISTS));
  /* Only the lock of the library alive now. */
  g_assert_cmpuint (count_lock_files (), ==, 1);
  g_clear_object (&library);
  g_assert_cmpuint (count_lock_files (), ==, 0);
}

/* ---- main ------------------------------------------------------------------ */

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], HOLD_OPTION))
    return hold_library (argv[2]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  test_thread = g_thread_self ();

  g_test_add_func ("/library/record/round-trip", test_record_round_trip);
  g_test_add_func ("/library/record/notify", test_record_notify);
  g_test_add_func ("/library/record/malformed", test_record_malformed);
  g_test_add_func ("/library/default-directory", test_library_default_directory);
  g_test_add_func ("/library/add-save-load", test_library_add_save_load);
  g_test_add_func ("/library/damaged", test_library_damaged);
  g_test_add_func ("/library/temp-and-submitting", test_library_temp_and_submitting);
  g_test_add_func ("/library/save-order", test_library_save_order);
  g_test_add_func ("/library/full-disk", test_library_full_disk);
  g_test_add_func ("/library/trash", test_library_trash);
  g_test_add_func ("/library/spending", test_library_spending);
  g_test_add_func ("/library/many", test_library_many);
  g_test_add_func ("/library/other-process", test_library_other_process);

  return g_test_run ();
}
