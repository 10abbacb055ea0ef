/* Sweeps: one edit over several seeds or guidance values, as one batch of
 * jobs whose records share a batch id; the batch fields of records. */

#include "config.h"

#include <locale.h>
#include <math.h>

#include "job-library-fixture.h"

#define BATCH_ID "9b2c41e0-5d7a-4c1e-8f3b-2a6d0c9e7f11"

/* ---- records ------------------------------------------------------------ */

static KsRecord *
record_new (void)
{
  g_autoptr(KsParams) params = make_params (KS_MODE_EDIT, "A cat in a hat");

  return ks_record_new (params, "https://queue.fal.run", FALSE);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_record_batch (void)
{
  g_autoptr(KsRecord) record = record_new ();
  g_autoptr(KsRecord) copy = NULL;
  g_autoptr(KsRecord) plain_copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plain_json = NULL;
  g_autofree char *json = NULL;
  g_autofree char *label = NULL;
  guint id_notified = 0;
  guint label_notified = 0;

  g_assert_null (ks_record_get_batch_id (record));
  g_assert_null (ks_record_get_batch_label (record));

  /* A record of before sweeps: no batch members at all, and it loads. */
  plain_json = ks_record_to_json (record, NULL);
  g_assert_null (strstr (plain_json, "batch"));
  plain_copy = ks_record_new_from_json (plain_json, -1, &error);
  g_assert_no_error (error);
  g_assert_null (ks_record_get_batch_id (plain_copy));
  g_assert_null (ks_record_get_batch_label (plain_copy));

  g_signal_connect (record, "notify::batch-id", G_CALLBACK (count_notify_cb), &id_notified);
  g_signal_connect (record, "notify::batch-label", G_CALLBACK (count_notify_cb), &label_notified);
  ks_record_set_batch (record, BATCH_ID, "Seed 1234");
  ks_record_set_batch (record, BATCH_ID, "Seed 1234");
  g_assert_cmpuint (id_notified, ==, 1);
  g_assert_cmpuint (label_notified, ==, 1);
  g_object_get (record, "batch-label", &label, NULL);
  g_assert_cmpstr (label, ==, "Seed 1234");

  json = ks_record_to_json (record, NULL);
  g_assert_nonnull (strstr (json, "\"batch_id\" : \"" BATCH_ID "\""));
  copy = ks_record_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_record_get_batch_id (copy), ==, BATCH_ID);
  g_assert_cmpstr (ks_record_get_batch_label (copy), ==, "Seed 1234");

  /* Out of a batch again. */
  ks_record_set_batch (record, NULL, NULL);
  g_assert_null (ks_record_get_batch_id (record));
  g_assert_cmpuint (id_notified, ==, 2);
}

/* A stored record with its batch members replaced by @members. */
static KsRecord *
load_with_batch (const char  *members,
                 GError     **error)
{
  g_autoptr(KsRecord) record = record_new ();
  g_autofree char *json = ks_record_to_json (record, NULL);
  g_autoptr(GString) text = g_string_new (json);
  g_autofree char *insert = g_strdup_printf ("{ %s,", members);

  g_string_replace (text, "{", insert, 1);

  return ks_record_new_from_json (text->str, text->len, error);
}

static void
test_record_batch_malformed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecord) record = NULL;

  record = load_with_batch ("\"batch_id\" : \"../../etc\"", &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "batch_id"));
  g_assert_null (record);
  g_clear_error (&error);

  record = load_with_batch ("\"batch_id\" : 12", &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
  g_assert_null (record);
  g_clear_error (&error);

  /* A label without a batch means nothing: dropped. */
  record = load_with_batch ("\"batch_label\" : \"Seed 3\"", &error);
  g_assert_no_error (error);
  g_assert_null (ks_record_get_batch_label (record));
}

/* ---- parameters --------------------------------------------------------- */

static guint64
seed_of (GPtrArray *params,
         guint      i)
{
  guint64 seed = 0;

  g_assert_true (ks_params_get_seed (g_ptr_array_index (params, i), &seed));

  return seed;
}

static void
test_params_seeds (void)
{
  g_autoptr(KsParams) base = make_params (KS_MODE_EDIT, "A cat in a hat");
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) random = NULL;
  g_autoptr(GPtrArray) wrapped = NULL;
  g_autoptr(GError) error = NULL;
  guint64 seed = 0;

  ks_params_set_guidance_scale (base, 4.5);
  ks_params_set_seed (base, 1000);
  params = ks_sweep_make_params (base, KS_SWEEP_SEEDS, 4, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (params->len, ==, 4);
  for (guint i = 0; i < params->len; i++)
    {
      KsParams *p = g_ptr_array_index (params, i);

      g_assert_true (p != base);
      g_assert_cmpuint (seed_of (params, i), ==, 1000 + i);
      g_assert_cmpstr (ks_params_get_prompt (p), ==, "A cat in a hat");
      g_assert_cmpfloat (ks_params_get_guidance_scale (p), ==, 4.5);
      g_assert_true (ks_params_get_endpoint (p) == ks_params_get_endpoint (base));
    }
  g_assert_true (ks_params_get_seed (base, &seed));
  g_assert_cmpuint (seed, ==, 1000);

  /* At the very top of the range the seeds wrap, still distinct. */
  ks_params_set_seed (base, G_MAXUINT64 - 1);
  wrapped = ks_sweep_make_params (base, KS_SWEEP_SEEDS, 3, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seed_of (wrapped, 0), ==, G_MAXUINT64 - 1);
  g_assert_cmpuint (seed_of (wrapped, 1), ==, G_MAXUINT64);
  g_assert_cmpuint (seed_of (wrapped, 2), ==, 0);

  /* No seed asked for: 16 random ones, all different, the base untouched. */
  ks_params_unset_seed (base);
  random = ks_sweep_make_params (base, KS_SWEEP_SEEDS, KS_SWEEP_MAX_JOBS, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (random->len, ==, KS_SWEEP_MAX_JOBS);
  for (guint i = 0; i < random->len; i++)
    for (guint j = 0; j < i; j++)
      g_assert_cmpuint (seed_of (random, i), !=, seed_of (random, j));
  g_assert_false (ks_params_get_seed (base, &seed));
}

static void
test_params_guidance (void)
{
  g_autoptr(KsParams) base = make_params (KS_MODE_EDIT, "A cat in a hat");
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;
  const double values[] = { 2, 3.5, 5, 7 };

  ks_params_set_seed (base, 42);
  params = ks_sweep_make_params (base, KS_SWEEP_GUIDANCE, 0, values, G_N_ELEMENTS (values), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (params->len, ==, 4);
  for (guint i = 0; i < params->len; i++)
    {
      g_assert_cmpfloat (ks_params_get_guidance_scale (g_ptr_array_index (params, i)), ==, values[i]);
      /* The seed stays: only guidance changes. */
      g_assert_cmpuint (seed_of (params, i), ==, 42);
    }
  g_assert_cmpfloat (ks_params_get_guidance_scale (base), ==, 3.5);

  /* No seed asked for: one drawn, the same for every value. */
  ks_params_unset_seed (base);
  g_clear_pointer (&params, g_ptr_array_unref);
  params = ks_sweep_make_params (base, KS_SWEEP_GUIDANCE, 0, values, G_N_ELEMENTS (values), &error);
  g_assert_no_error (error);
  for (guint i = 1; i < params->len; i++)
    g_assert_cmpuint (seed_of (params, i), ==, seed_of (params, 0));
  g_assert_false (ks_params_get_seed (base, NULL));
}

static void
assert_refused (KsSweepKind   kind,
                guint         n_seeds,
                const double *values,
                guint         n_values,
                const char   *in_message)
{
  g_autoptr(KsParams) base = make_params (KS_MODE_EDIT, "A cat in a hat");
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;

  params = ks_sweep_make_params (base, kind, n_seeds, values, n_values, &error);
  g_assert_null (params);
  g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
  if (strstr (error->message, in_message) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, in_message);
}

static void
test_params_refused (void)
{
  const double too_high[] = { 2, 25, 5 };
  const double too_low[] = { 0.5, 2 };
  const double twice[] = { 2, 5, 5 };
  const double nan_value[] = { 2, NAN };
  const double one[] = { 2 };
  double many[KS_SWEEP_MAX_JOBS + 1];

  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = 1 + i;

  assert_refused (KS_SWEEP_GUIDANCE, 0, too_high, G_N_ELEMENTS (too_high), "25.0");
  assert_refused (KS_SWEEP_GUIDANCE, 0, too_high, G_N_ELEMENTS (too_high), "between 1.0 and 20.0");
  assert_refused (KS_SWEEP_GUIDANCE, 0, too_low, G_N_ELEMENTS (too_low), "0.5");
  assert_refused (KS_SWEEP_GUIDANCE, 0, twice, G_N_ELEMENTS (twice), "5.0 is listed twice");
  assert_refused (KS_SWEEP_GUIDANCE, 0, nan_value, G_N_ELEMENTS (nan_value), "out of range");
  assert_refused (KS_SWEEP_GUIDANCE, 0, one, G_N_ELEMENTS (one), "(got 1)");
  assert_refused (KS_SWEEP_GUIDANCE, 0, many, G_N_ELEMENTS (many), "(got 17)");
  assert_refused (KS_SWEEP_SEEDS, 1, NULL, 0, "between 2 and 16 jobs (got 1)");
  assert_refused (KS_SWEEP_SEEDS, 0, NULL, 0, "(got 0)");
  assert_refused (KS_SWEEP_SEEDS, 17, NULL, 0, "(got 17)");
}

static void
assert_label (KsSweepKind  kind,
              KsParams    *params,
              const char  *expected)
{
  g_autofree char *label = ks_sweep_label (kind, params);

  g_assert_cmpstr (label, ==, expected);
}

static void
test_label_and_cost (void)
{
  g_autoptr(KsParams) base = make_params (KS_MODE_EDIT, "A cat in a hat");
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GError) error = NULL;
  guint64 price = ks_endpoint_get_price_per_image (ks_params_get_endpoint (base));

  ks_params_set_seed (base, 1234);
  assert_label (KS_SWEEP_SEEDS, base, "Seed 1234");
  ks_params_set_seed (base, G_MAXUINT64);
  assert_label (KS_SWEEP_SEEDS, base, "Seed 18446744073709551615");
  ks_params_set_guidance_scale (base, 5);
  assert_label (KS_SWEEP_GUIDANCE, base, "Guidance 5.0");
  ks_params_set_guidance_scale (base, 3.5);
  assert_label (KS_SWEEP_GUIDANCE, base, "Guidance 3.5");
  ks_params_set_guidance_scale (base, 2.25);
  assert_label (KS_SWEEP_GUIDANCE, base, "Guidance 2.25");

  ks_params_set_num_images (base, 2);
  params = ks_sweep_make_params (base, KS_SWEEP_SEEDS, 4, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (price, >, 0);
  g_assert_cmpuint (ks_sweep_cost (params), ==, 4 * 2 * price);
  g_assert_cmpuint (ks_sweep_count_images (params), ==, 8);
}

/* ---- parsing ------------------------------------------------------------ */

static void
assert_parses (const char   *text,
               const double *expected,
               guint         n_expected)
{
  g_autoptr(GArray) values = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_sweep_parse_values (text, &values, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (values->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpfloat (g_array_index (values, double, i), ==, expected[i]);
}

static void
assert_parse_fails (const char *text,
                    const char *in_message)
{
  g_autoptr(GArray) values = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (ks_sweep_parse_values (text, &values, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS);
  g_assert_null (values);
  if (strstr (error->message, in_message) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, in_message);
}

static void
test_parse_values (void)
{
  const double four[] = { 2, 3.5, 5, 7 };
  const double three[] = { 2, 3.5, 5 };
  const double ten[] = { 10 };

  assert_parses ("2, 3.5, 5, 7", four, 4);
  assert_parses ("  2;3.5\t5,,7 ,", four, 4);
  assert_parses ("2 3.5 5", three, 3);
  assert_parses ("1e1", ten, 1);

  assert_parse_fails ("2, abc, 5", "“abc” is not a number");
  assert_parse_fails ("2, 3.5x", "“3.5x”");
  assert_parse_fails ("nan", "“nan”");
  assert_parse_fails ("", "such as 2, 3.5, 5");
  assert_parse_fails (" , ; ", "such as 2, 3.5, 5");

  /* Whatever the locale's decimal mark. */
  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") != NULL ||
      setlocale (LC_NUMERIC, "fr_FR.UTF-8") != NULL)
    {
      assert_parses ("2, 3.5, 5, 7", four, 4);
      setlocale (LC_NUMERIC, "C");
    }
}

/* ---- a batch against the local server ----------------------------------- */

typedef struct
{
  guint   ended;
  guint   failed;
} BatchRun;

static void
batch_job_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  BatchRun *run = user_data;
  g_autoptr(GError) error = NULL;

  if (!ks_job_run_finish (KS_JOB (object), result, &error))
    {
      g_printerr ("# job failed: %s\n", error->message);
      run->failed++;
    }
  run->ended++;
}

static gboolean
on_disk (LibFixture *fixture,
         const char *id)
{
  g_autofree char *relative = g_strdup_printf ("records/%s.json", id);
  g_autoptr(GFile) file = g_file_resolve_relative_path (fixture->dir, relative);

  return g_file_query_exists (file, NULL);
}

static void
test_batch_runs (LibFixture    *fixture,
                 gconstpointer  data)
{
  g_autoptr(KsParams) base = make_params (KS_MODE_TEXT_TO_IMAGE, "A lighthouse at dusk");
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsLibrary) reopened = NULL;
  BatchRun run = { 0 };
  const char *batch_id;
  gint64 deadline;

  /* No seed asked for: four random ones. */
  params = ks_sweep_make_params (base, KS_SWEEP_SEEDS, 4, NULL, 0, &error);
  g_assert_no_error (error);

  jobs = ks_library_create_batch (fixture->library, fixture->base.client, params,
                                  KS_SWEEP_SEEDS, NULL, 0);
  g_assert_cmpuint (jobs->len, ==, 4);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_records (fixture->library)), ==, 4);

  batch_id = ks_record_get_batch_id (ks_job_get_record (g_ptr_array_index (jobs, 0)));
  g_assert_true (g_uuid_string_is_valid (batch_id));

  for (guint i = 0; i < jobs->len; i++)
    {
      KsJob *job = g_ptr_array_index (jobs, i);
      KsRecord *record = ks_job_get_record (job);
      g_autofree char *label = g_strdup_printf ("Seed %" G_GUINT64_FORMAT, seed_of (params, i));

      g_ptr_array_add (records, g_object_ref (record));
      g_assert_cmpstr (ks_record_get_batch_id (record), ==, batch_id);
      g_assert_cmpstr (ks_record_get_batch_label (record), ==, label);
      ks_job_run_async (job, NULL, batch_job_done_cb, &run);
    }

  /* The first save of each (write-ahead, while it runs) has the batch. */
  deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;
  for (guint i = 0; i < records->len; i++)
    {
      KsRecord *record = g_ptr_array_index (records, i);
      g_autoptr(KsRecord) stored = NULL;

      while (!on_disk (fixture, ks_record_get_id (record)))
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, TRUE);
        }
      stored = read_record (fixture, ks_record_get_id (record));
      g_assert_cmpstr (ks_record_get_batch_id (stored), ==, batch_id);
      g_assert_cmpstr (ks_record_get_batch_label (stored), ==, ks_record_get_batch_label (record));
    }

  while (run.ended < jobs->len)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (run.failed, ==, 0);

  /* The server saw exactly four submits, with the four seeds. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->base.server, KS_SIM_STEP_SUBMIT), ==, 4);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->base.server), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonNode *input = ks_sim_server_get_job_input (fixture->base.server, i);
      guint64 seed = 0;

      g_assert_true (ks_json_get_uint64_member (json_node_get_object (input), "seed", &seed));
      g_hash_table_add (sent, g_memdup2 (&seed, sizeof seed));
    }
  g_assert_cmpuint (g_hash_table_size (sent), ==, 4);

  for (guint i = 0; i < records->len; i++)
    {
      KsRecord *record = g_ptr_array_index (records, i);
      guint64 asked = seed_of (params, i);
      g_autofree char *asked_text = g_strdup_printf ("%" G_GUINT64_FORMAT, asked);

      g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
      g_assert_true (g_hash_table_contains (sent, &asked));
      /* The service used the seed it was given. */
      g_assert_cmpstr (ks_record_get_seed (record), ==, asked_text);
      g_assert_nonnull (ks_record_get_image (record, 0)->file);
    }

  /* After a restart the library still knows the batch. */
  ks_library_flush (fixture->library);
  reopened = open_library (fixture->dir);
  for (guint i = 0; i < records->len; i++)
    {
      KsRecord *record = g_ptr_array_index (records, i);
      KsRecord *loaded = ks_library_lookup (reopened, ks_record_get_id (record));

      g_assert_nonnull (loaded);
      g_assert_cmpstr (ks_record_get_batch_id (loaded), ==, batch_id);
      g_assert_cmpstr (ks_record_get_batch_label (loaded), ==, ks_record_get_batch_label (record));
    }

  g_clear_pointer (&jobs, g_ptr_array_unref);
}

/* A resubmitted job of a sweep stays in its batch. */
static void
test_batch_resubmit (LibFixture    *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsParams) base = make_params (KS_MODE_TEXT_TO_IMAGE, "A lighthouse at dusk");
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GError) error = NULL;
  KsRecord *original;
  KsRecord *again;

  params = ks_sweep_make_params (base, KS_SWEEP_SEEDS, 2, NULL, 0, &error);
  g_assert_no_error (error);
  jobs = ks_library_create_batch (fixture->library, fixture->base.client, params,
                                  KS_SWEEP_SEEDS, NULL, 0);
  original = ks_job_get_record (g_ptr_array_index (jobs, 1));
  ks_record_set_state (original, KS_RECORD_STATE_UNKNOWN);

  again = ks_library_resubmit (fixture->library, original, fixture->base.client);
  g_assert_nonnull (again);
  g_assert_cmpstr (ks_record_get_id (again), !=, ks_record_get_id (original));
  g_assert_cmpstr (ks_record_get_batch_id (again), ==, ks_record_get_batch_id (original));
  g_assert_cmpstr (ks_record_get_batch_label (again), ==, ks_record_get_batch_label (original));

  /* None of these jobs runs: detach them, or each record keeps its job,
   * and each job its library, forever. */
  ks_job_set_library (ks_record_get_job (again), NULL, NULL);
  for (guint i = 0; i < jobs->len; i++)
    ks_job_set_library (g_ptr_array_index (jobs, i), NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/sweep/record/batch", test_record_batch);
  g_test_add_func ("/sweep/record/batch-malformed", test_record_batch_malformed);
  g_test_add_func ("/sweep/params/seeds", test_params_seeds);
  g_test_add_func ("/sweep/params/guidance", test_params_guidance);
  g_test_add_func ("/sweep/params/refused", test_params_refused);
  g_test_add_func ("/sweep/label-and-cost", test_label_and_cost);
  g_test_add_func ("/sweep/parse-values", test_parse_values);
  g_test_add ("/sweep/batch/runs", LibFixture, NULL, lib_set_up, test_batch_runs, lib_tear_down);
  g_test_add ("/sweep/batch/resubmit", LibFixture, NULL, lib_set_up, test_batch_resubmit, lib_tear_down);

  return g_test_run ();
}
