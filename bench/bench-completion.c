/* bench-completion: from COMPLETED on the service to the first image
 * decoded and saved in the library.
 *
 *   bench-completion [--jobs 50] [--warmup 2] [--no-official]
 *
 * Starts kontext-sim-server as its own process and runs the jobs one
 * after another, as the app does: a KsJob from ks_library_create_job(),
 * following the status stream. The service notes when it marks each
 * request COMPLETED (monotonic µs, /_sim/stats); the job's "image-ready"
 * fires once the image is decoded and written into the library. Both use
 * CLOCK_MONOTONIC, which every process shares. Then the same span for the
 * official JavaScript client (bench/official/completion.mjs), in its
 * default polling mode and its streaming mode: COMPLETED → result JSON
 * and image bytes in hand. Prints one JSON object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdlib.h>

#include "bench-common.h"

#define TARGET_MEDIAN_MS        10.0
#define TARGET_P95_MS           30.0
#define TARGET_VS_POLLING       20.0   /* official polling median / ours */
#define TARGET_VS_STREAMING     1.0    /* official streaming median / ours: at least as fast */

static const char * const server_args[] = {
  "--workers", "4", "--queue-delay", "50", "--run-time", "200", "--log-lines", "4", NULL
};

typedef struct
{
  gint64   result_us;   /* the result JSON is in hand (state DOWNLOADING) */
  gint64   saved_us;    /* the first image is decoded and on disk */
  gboolean done;
  GError  *error;
} JobTimes;

static void
state_notify_cb (KsJob      *job,
                 GParamSpec *pspec,
                 JobTimes   *times)
{
  if (ks_job_get_state (job) == KS_JOB_STATE_DOWNLOADING && times->result_us == 0)
    times->result_us = g_get_monotonic_time ();
}

static void
image_ready_cb (KsJob      *job,
                KsJobImage *image,
                JobTimes   *times)
{
  if (times->saved_us == 0)
    times->saved_us = g_get_monotonic_time ();
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  JobTimes *times = user_data;

  ks_job_run_finish (KS_JOB (object), result, &times->error);
  times->done = TRUE;
}

/* Our client: @n jobs, one after another; fills the three spans (ms). */
static gboolean
run_ours (guint     warmup,
          guint     n,
          GArray   *total,
          GArray   *to_result,
          GArray   *to_saved,
          double   *cpu_ms_per_job,
          GError  **error)
{
  BenchUsage before, after, used;
  g_autoptr(BenchServer) server = bench_server_start (server_args, error);
  g_autoptr(BenchApp) app = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) all_times = g_array_new (FALSE, TRUE, sizeof (JobTimes));

  if (server == NULL)
    return FALSE;
  app = bench_app_new (bench_server_get_base_url (server), TRUE, error);
  if (app == NULL)
    return FALSE;

  g_array_set_size (all_times, warmup + n);
  for (guint i = 0; i < warmup + n; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("A lighthouse at dusk, take %u", i);
      g_autoptr(KsJob) job = NULL;
      JobTimes *times = &g_array_index (all_times, JobTimes, i);

      if (i == warmup)
        bench_usage_now (&before);
      job = bench_app_new_job (app, prompt);

      g_signal_connect (job, "notify::state", G_CALLBACK (state_notify_cb), times);
      g_signal_connect (job, "image-ready", G_CALLBACK (image_ready_cb), times);
      ks_job_run_async (job, NULL, run_done_cb, times);
      bench_wait_for (&times->done);
      g_signal_handlers_disconnect_by_data (job, times);

      if (times->error != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&times->error), "job %u: ", i);
          return FALSE;
        }
      g_ptr_array_add (ids, g_strdup (ks_job_get_request_id (job)));
    }

  bench_usage_now (&after);
  bench_usage_diff (&before, &after, &used);
  *cpu_ms_per_job = used.cpu_s * 1000 / n;

  stats = bench_server_get_stats (server, error);
  if (stats == NULL)
    return FALSE;

  for (guint i = warmup; i < warmup + n; i++)
    {
      JobTimes *times = &g_array_index (all_times, JobTimes, i);
      gint64 completed = bench_stats_completed_us (stats, g_ptr_array_index (ids, i));
      double ms;

      if (completed == 0 || times->saved_us == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "job %u has no completion time", i);
          return FALSE;
        }
      ms = (times->saved_us - completed) / 1000.0;
      g_array_append_val (total, ms);
      ms = (times->result_us - completed) / 1000.0;
      g_array_append_val (to_result, ms);
      ms = (times->saved_us - times->result_us) / 1000.0;
      g_array_append_val (to_saved, ms);
    }

  return TRUE;
}

static void
add_spread (JsonBuilder *builder,
            const char  *name,
            GArray      *samples,
            gboolean     with_samples)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  bench_add_double (builder, "median_ms", bench_percentile (samples, 50));
  bench_add_double (builder, "p95_ms", bench_percentile (samples, 95));
  bench_add_double (builder, "min_ms", bench_percentile (samples, 0));
  bench_add_double (builder, "max_ms", bench_percentile (samples, 100));
  if (with_samples)
    bench_add_samples (builder, "samples_ms", samples);
  json_builder_end_object (builder);
}

/* The official client in @mode; its latencies land in @latencies. */
static JsonObject *
run_official (const char  *mode,
              guint        warmup,
              guint        n,
              GArray      *latencies,
              GError     **error)
{
  g_autoptr(BenchServer) server = bench_server_start (server_args, error);
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *n_text = g_strdup_printf ("%u", n);
  g_autofree char *warmup_text = g_strdup_printf ("%u", warmup);
  JsonArray *jobs;

  if (server == NULL)
    return NULL;

  {
    const char * const args[] = {
      bench_server_get_base_url (server), "--mode", mode, "--jobs", n_text, "--warmup", warmup_text, NULL
    };
    out = bench_run_official ("completion.mjs", args, error);
  }
  if (out == NULL)
    return NULL;

  stats = bench_server_get_stats (server, error);
  if (stats == NULL)
    return NULL;

  jobs = json_object_get_array_member (out, "jobs");
  for (guint i = 0; jobs != NULL && i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);
      const char *id = json_object_get_string_member_with_default (job, "request_id", NULL);
      gint64 done = json_object_get_int_member_with_default (job, "done_us", 0);
      gint64 completed = bench_stats_completed_us (stats, id);
      double ms;

      if (completed == 0 || done == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "official job %u has no times", i);
          return NULL;
        }
      ms = (done - completed) / 1000.0;
      g_array_append_val (latencies, ms);
    }

  if (latencies->len != n)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the official client ran %u jobs, not %u", latencies->len, n);
      return NULL;
    }

  return g_steal_pointer (&out);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— COMPLETED to image saved");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) total = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_result = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_saved = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean no_official = FALSE;
  int jobs = 50;
  int warmup = 2;
  double ours_median, ours_p95, ours_cpu_ms = 0;
  double ratio_polling = -1, ratio_streaming = -1;
  gboolean met_all;
  const GOptionEntry entries[] = {
    { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "Jobs measured", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Jobs run first and not counted", "N" },
    { "no-official", 0, 0, G_OPTION_ARG_NONE, &no_official, "Leave out the official client", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || jobs < 1 || warmup < 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--jobs must be at least 1");
      return 2;
    }

  if (!run_ours (warmup, jobs, total, to_result, to_saved, &ours_cpu_ms, &error))
    {
      g_printerr ("bench-completion: %s\n", error->message);
      return 1;
    }
  ours_median = bench_percentile (total, 50);
  ours_p95 = bench_percentile (total, 95);

  json_builder_begin_object (builder);
  bench_add_string (builder, "benchmark", "completion");
  bench_add_machine (builder);
  bench_add_string (builder, "span", "service marks COMPLETED → first image decoded and saved in the library "
                                     "(official client: → result JSON and image bytes in hand)");
  bench_add_int (builder, "jobs", jobs);
  bench_add_int (builder, "warmup_jobs", warmup);
  bench_add_string (builder, "image", "1024×1024 JPEG");
  bench_add_string (builder, "server", "kontext-sim-server --workers 4 --queue-delay 50 --run-time 200 (own process): COMPLETED comes about 250 ms after the submit, midway between two polls at the default 500 ms, the average case for polling");

  json_builder_set_member_name (builder, "ours");
  json_builder_begin_object (builder);
  bench_add_string (builder, "status", "stream");
  bench_add_double (builder, "cpu_ms_per_job", ours_cpu_ms);
  add_spread (builder, "completed_to_saved", total, TRUE);
  add_spread (builder, "completed_to_result", to_result, FALSE);
  add_spread (builder, "result_to_saved", to_saved, FALSE);
  json_builder_end_object (builder);

  if (!no_official)
    {
      static const char * const modes[] = { "polling", "streaming" };

      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        {
          g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
          g_autoptr(GError) official_error = NULL;
          g_autoptr(JsonObject) out = run_official (modes[m], warmup, jobs, latencies, &official_error);
          g_autofree char *name = g_strconcat ("official_", modes[m], NULL);

          json_builder_set_member_name (builder, name);
          json_builder_begin_object (builder);
          if (out == NULL)
            {
              bench_add_string (builder, "error", official_error->message);
              json_builder_end_object (builder);
              continue;
            }
          bench_add_string (builder, "client", json_object_get_string_member_with_default (out, "client", NULL));
          bench_add_string (builder, "options", json_object_get_string_member_with_default (out, "options", NULL));
          bench_add_double (builder, "cpu_ms_per_job", json_object_get_double_member_with_default (out, "cpu_ms_per_job", -1));
          add_spread (builder, "completed_to_bytes", latencies, TRUE);
          json_builder_end_object (builder);

          if (m == 0)
            ratio_polling = bench_percentile (latencies, 50) / MAX (ours_median, 0.001);
          else
            ratio_streaming = bench_percentile (latencies, 50) / MAX (ours_median, 0.001);
        }
    }

  json_builder_set_member_name (builder, "ratios");
  json_builder_begin_object (builder);
  bench_add_double (builder, "official_polling_median_over_ours", ratio_polling);
  bench_add_double (builder, "official_streaming_median_over_ours", ratio_streaming);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  bench_add_double (builder, "median_ms_max", TARGET_MEDIAN_MS);
  bench_add_double (builder, "p95_ms_max", TARGET_P95_MS);
  bench_add_double (builder, "official_polling_over_ours_min", TARGET_VS_POLLING);
  bench_add_double (builder, "official_streaming_over_ours_min", TARGET_VS_STREAMING);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "met");
  json_builder_begin_object (builder);
  bench_add_bool (builder, "median", ours_median <= TARGET_MEDIAN_MS);
  bench_add_bool (builder, "p95", ours_p95 <= TARGET_P95_MS);
  bench_add_bool (builder, "vs_polling", ratio_polling >= TARGET_VS_POLLING);
  bench_add_bool (builder, "vs_streaming", ratio_streaming >= TARGET_VS_STREAMING);
  json_builder_end_object (builder);

  met_all = ours_median <= TARGET_MEDIAN_MS && ours_p95 <= TARGET_P95_MS &&
            ratio_polling >= TARGET_VS_POLLING && ratio_streaming >= TARGET_VS_STREAMING;
  bench_add_bool (builder, "met_all", met_all);
  json_builder_end_object (builder);

  bench_print (builder);

  return 0;
}
