/* bench-concurrency: 32 jobs at once against the slowest single job.
 *
 *   bench-concurrency [--jobs 32] [--singles 5] [--no-official]
 *
 * For each client (ours, then the official JavaScript client polling by
 * default and streaming), in a process of its own so that its CPU time
 * and peak memory are its alone:
 *   - "single": --singles jobs one after another, each timed from its
 *     start to its image in hand (ours: decoded and saved in the library);
 *   - "batch": --jobs jobs started at once, timed from the first start to
 *     the last image; the client process's CPU seconds and peak RSS, and
 *     the TCP connections the service accepted.
 * Each phase gets a fresh kontext-sim-server with more workers than jobs
 * (--workers 64), so every job runs at once and the service's queue is
 * not what is measured. Prints one JSON object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdlib.h>

#include "bench-common.h"

#define TARGET_RATIO 1.1

static const char * const server_args[] = {
  "--workers", "64", "--queue-delay", "100", "--run-time", "3000", "--log-lines", "4", NULL
};

typedef struct
{
  gint64   start_us;
  gint64   saved_us;
  gboolean done;
  GError  *error;
} JobTimes;

typedef struct
{
  guint pending;
} Batch;

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

/* In a child process: our client runs @n jobs, all at once or one after
 * another; prints the figures as one JSON object. */
static int
run_child (const char *phase,
           const char *base_url,
           guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchApp) app = bench_app_new (base_url, TRUE, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GArray) durations = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree JobTimes *times = g_new0 (JobTimes, n);
  g_autofree KsJob **jobs = g_new0 (KsJob *, n);
  gboolean at_once = g_str_equal (phase, "batch");
  BenchUsage before, after, used;
  gint64 first_start, last_saved = 0;

  if (app == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  bench_usage_now (&before);
  first_start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("A red bicycle against a blue wall, %s %u", phase, i);

      jobs[i] = bench_app_new_job (app, prompt);
      g_signal_connect (jobs[i], "image-ready", G_CALLBACK (image_ready_cb), &times[i]);
      times[i].start_us = g_get_monotonic_time ();
      ks_job_run_async (jobs[i], NULL, run_done_cb, &times[i]);
      if (!at_once)
        bench_wait_for (&times[i].done);
    }
  for (guint i = 0; i < n; i++)
    bench_wait_for (&times[i].done);
  bench_usage_now (&after);
  bench_usage_diff (&before, &after, &used);

  for (guint i = 0; i < n; i++)
    {
      double ms;

      if (times[i].error != NULL)
        {
          g_printerr ("job %u: %s\n", i, times[i].error->message);
          return 1;
        }
      ms = (times[i].saved_us - times[i].start_us) / 1000.0;
      g_array_append_val (durations, ms);
      last_saved = MAX (last_saved, times[i].saved_us);
      g_signal_handlers_disconnect_by_data (jobs[i], &times[i]);
      g_clear_object (&jobs[i]);
    }

  json_builder_begin_object (builder);
  bench_add_string (builder, "client", "kontext-studio core (KsJob + KsLibrary, status stream)");
  bench_add_samples (builder, "durations_ms", durations);
  bench_add_double (builder, "wall_ms", (last_saved - first_start) / 1000.0);
  bench_add_int (builder, "first_start_us", first_start);
  bench_add_double (builder, "cpu_s", used.cpu_s);
  bench_add_double (builder, "peak_rss_mb", used.max_rss_bytes / 1e6);
  json_builder_end_object (builder);
  bench_print (builder);

  return 0;
}

/* Runs @phase for @client ("ours", "polling", "streaming") against a
 * fresh server; adds the server's connection count to the figures. */
static JsonObject *
run_phase (const char  *self_exe,
           const char  *client,
           const char  *phase,
           guint        n,
           GError     **error)
{
  g_autoptr(BenchServer) server = bench_server_start (server_args, error);
  g_autoptr(JsonObject) figures = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *n_text = g_strdup_printf ("%u", n);

  if (server == NULL)
    return NULL;

  if (g_str_equal (client, "ours"))
    {
      const char * const argv[] = {
        self_exe, "--child", phase, "--base", bench_server_get_base_url (server), "--jobs", n_text, NULL
      };
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autofree char *out = NULL;
      int status = 0;

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_CHILD_INHERITS_STDERR, NULL, NULL,
                         &out, NULL, &status, error) ||
          !g_spawn_check_wait_status (status, error) ||
          !json_parser_load_from_data (parser, out, -1, error))
        return NULL;
      figures = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
    }
  else
    {
      const char * const args[] = {
        bench_server_get_base_url (server), "--mode", client, "--phase", phase, "--jobs", n_text, NULL
      };

      figures = bench_run_official ("concurrency.mjs", args, error);
      if (figures == NULL)
        return NULL;
    }

  stats = bench_server_get_stats (server, error);
  if (stats == NULL)
    return NULL;

  /* How long the service itself took to complete them all. */
  {
    JsonArray *states = json_object_get_array_member (stats, "job_states");
    gint64 first = json_object_get_int_member_with_default (figures, "first_start_us", 0);
    gint64 last = 0;

    for (guint i = 0; states != NULL && i < json_array_get_length (states); i++)
      last = MAX (last, json_object_get_int_member_with_default (json_array_get_object_element (states, i),
                                                                  "completed_us", 0));
    json_object_set_double_member (figures, "server_done_ms", first > 0 ? (last - first) / 1000.0 : -1);
  }

  /* The stats request itself came on one more connection. */
  json_object_set_int_member (figures, "connections",
                              json_object_get_int_member_with_default (stats, "connections", 1) - 1);

  return g_steal_pointer (&figures);
}

static double
max_of (JsonArray *values)
{
  double max = -1;

  for (guint i = 0; values != NULL && i < json_array_get_length (values); i++)
    max = MAX (max, json_array_get_double_element (values, i));

  return max;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— many jobs at once");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *child = NULL;
  g_autofree char *base = NULL;
  gboolean no_official = FALSE;
  gboolean met_all = TRUE;
  int jobs = 32;
  int singles = 5;
  const GOptionEntry entries[] = {
    { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "Jobs started at once", "N" },
    { "singles", 0, 0, G_OPTION_ARG_INT, &singles, "Single jobs timed first", "N" },
    { "no-official", 0, 0, G_OPTION_ARG_NONE, &no_official, "Leave out the official client", NULL },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child, NULL, NULL },
    { "base", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &base, NULL, NULL },
    { NULL }
  };
  static const char * const clients[] = { "ours", "polling", "streaming" };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || jobs < 1 || singles < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "counts must be at least 1");
      return 2;
    }

  if (child != NULL && base != NULL)
    return run_child (child, base, jobs);

  json_builder_begin_object (builder);
  bench_add_string (builder, "benchmark", "concurrency");
  bench_add_machine (builder);
  bench_add_int (builder, "jobs", jobs);
  bench_add_int (builder, "singles", singles);
  bench_add_string (builder, "server", "kontext-sim-server --workers 64 --queue-delay 100 --run-time 3000 "
                                       "(own process, a fresh one per phase: every job runs at once)");
  bench_add_double (builder, "target_batch_over_slowest_single_max", TARGET_RATIO);

  for (guint c = 0; c < G_N_ELEMENTS (clients); c++)
    {
      g_autoptr(JsonObject) single = NULL;
      g_autoptr(JsonObject) batch = NULL;
      g_autoptr(GError) phase_error = NULL;
      const char *name = c == 0 ? "ours" : c == 1 ? "official_polling" : "official_streaming";
      double slowest, ratio;

      if (c > 0 && no_official)
        break;

      single = run_phase (argv[0], clients[c], "single", singles, &phase_error);
      if (single != NULL)
        batch = run_phase (argv[0], clients[c], "batch", jobs, &phase_error);

      json_builder_set_member_name (builder, name);
      json_builder_begin_object (builder);
      if (batch == NULL)
        {
          bench_add_string (builder, "error", phase_error->message);
          json_builder_end_object (builder);
          if (c == 0)
            met_all = FALSE;
          continue;
        }

      slowest = max_of (json_object_get_array_member (single, "durations_ms"));
      ratio = json_object_get_double_member (batch, "wall_ms") / MAX (slowest, 0.001);

      bench_add_string (builder, "client", json_object_get_string_member_with_default (batch, "client", NULL));
      bench_add_double (builder, "slowest_single_ms", slowest);
      bench_add_double (builder, "batch_wall_ms", json_object_get_double_member (batch, "wall_ms"));
      bench_add_double (builder, "batch_over_slowest_single", ratio);
      bench_add_double (builder, "batch_server_done_ms", json_object_get_double_member (batch, "server_done_ms"));
      bench_add_double (builder, "batch_client_tail_ms",
                        json_object_get_double_member (batch, "wall_ms") -
                        json_object_get_double_member (batch, "server_done_ms"));
      bench_add_int (builder, "batch_connections", json_object_get_int_member (batch, "connections"));
      bench_add_double (builder, "batch_cpu_s", json_object_get_double_member (batch, "cpu_s"));
      bench_add_double (builder, "batch_peak_rss_mb", json_object_get_double_member (batch, "peak_rss_mb"));
      bench_add_int (builder, "single_connections", json_object_get_int_member (single, "connections"));
      bench_add_double (builder, "single_cpu_s", json_object_get_double_member (single, "cpu_s"));
      json_builder_set_member_name (builder, "single_durations_ms");
      json_builder_add_value (builder, json_node_copy (json_object_get_member (single, "durations_ms")));
      json_builder_set_member_name (builder, "batch_durations_ms");
      json_builder_add_value (builder, json_node_copy (json_object_get_member (batch, "durations_ms")));
      if (c == 0)
        {
          bench_add_bool (builder, "met", ratio <= TARGET_RATIO);
          met_all = ratio <= TARGET_RATIO;
        }
      json_builder_end_object (builder);
    }

  bench_add_bool (builder, "met_all", met_all);
  json_builder_end_object (builder);
  bench_print (builder);

  return 0;
}
