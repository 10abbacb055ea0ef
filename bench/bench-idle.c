/* bench-idle: what jobs cost while they only wait in the service's queue.
 *
 *   bench-idle [--jobs 16] [--seconds 60] [--mode stream|polling|both]
 *
 * Starts --jobs jobs against a kontext-sim-server (own process) that keeps
 * them IN_QUEUE longer than the measurement lasts, lets them settle, then
 * measures this process over --seconds: CPU seconds (getrusage, every
 * thread), context switches, times put on a CPU (schedstat: wakeups), and
 * the status requests the service received. "stream" follows the status
 * streams (as the app does); "polling" is the fallback, which backs off.
 * Prints one JSON object.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdlib.h>

#include "bench-common.h"

#define TARGET_CORE_FRACTION 0.01
#define SETTLE_MS            3000

typedef struct
{
  gboolean done;
} RunState;

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  RunState *state = user_data;

  ks_job_run_finish (KS_JOB (object), result, NULL);
  state->done = TRUE;
}

static gint64
status_requests (JsonObject *stats)
{
  JsonObject *requests = json_object_get_object_member (stats, "requests");

  if (requests == NULL)
    return -1;

  return json_object_get_int_member_with_default (requests, "status", 0) +
         json_object_get_int_member_with_default (requests, "stream", 0);
}

/* One mode; adds its figures under @mode. FALSE when it could not run. */
static gboolean
run_mode (JsonBuilder  *builder,
          const char   *mode,
          guint         n,
          guint         seconds,
          gboolean     *met,
          GError      **error)
{
  g_autofree char *queue_delay = g_strdup_printf ("%u", (seconds + 120) * 1000);
  g_autofree char *workers = g_strdup_printf ("%u", n);
  const char * const server_args[] = {
    "--workers", workers, "--queue-delay", queue_delay, "--ping-interval", "10000", NULL
  };
  g_autoptr(BenchServer) server = bench_server_start (server_args, error);
  g_autoptr(BenchApp) app = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(JsonObject) stats_before = NULL;
  g_autoptr(JsonObject) stats_after = NULL;
  g_autofree RunState *states = g_new0 (RunState, n);
  g_autofree KsJob **jobs = g_new0 (KsJob *, n);
  BenchUsage before, after, used;
  gboolean stream = g_str_equal (mode, "stream");
  guint in_queue = 0;
  double fraction;

  if (server == NULL)
    return FALSE;
  app = bench_app_new (bench_server_get_base_url (server), stream, error);
  if (app == NULL)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("A fox in the snow, waiting %u", i);

      jobs[i] = bench_app_new_job (app, prompt);
      ks_job_run_async (jobs[i], cancellable, run_done_cb, &states[i]);
    }

  /* Every job submitted and following its status, the first polls over. */
  bench_spin_for (SETTLE_MS);
  for (guint i = 0; i < n; i++)
    in_queue += ks_job_get_state (jobs[i]) == KS_JOB_STATE_IN_QUEUE;
  if (in_queue != n)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "only %u of %u jobs reached the queue", in_queue, n);
      goto out;
    }

  stats_before = bench_server_get_stats (server, error);
  if (stats_before == NULL)
    goto out;

  bench_usage_now (&before);
  bench_spin_for (seconds * 1000);
  bench_usage_now (&after);
  bench_usage_diff (&before, &after, &used);

  stats_after = bench_server_get_stats (server, error);
  if (stats_after == NULL)
    goto out;

  fraction = used.cpu_s / used.wall_s;
  *met = *met && fraction < TARGET_CORE_FRACTION;

  json_builder_set_member_name (builder, mode);
  json_builder_begin_object (builder);
  bench_add_int (builder, "jobs_in_queue", in_queue);
  bench_add_double (builder, "cpu_s", used.cpu_s);
  bench_add_double (builder, "wall_s", used.wall_s);
  bench_add_double (builder, "core_percent", 100 * fraction);
  bench_add_int (builder, "voluntary_switches", used.voluntary_switches);
  bench_add_int (builder, "involuntary_switches", used.involuntary_switches);
  bench_add_int (builder, "timeslices", used.timeslices);
  bench_add_double (builder, "wakeups_per_s", used.timeslices / used.wall_s);
  bench_add_int (builder, "status_requests", status_requests (stats_after) - status_requests (stats_before));
  bench_add_bool (builder, "met", fraction < TARGET_CORE_FRACTION);
  json_builder_end_object (builder);

out:
  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < n; i++)
    {
      bench_wait_for (&states[i].done);
      g_clear_object (&jobs[i]);
    }

  return error == NULL || *error == NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("— jobs waiting in the queue");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *mode = NULL;
  gboolean met = TRUE;
  int jobs = 16;
  int seconds = 60;
  const GOptionEntry entries[] = {
    { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "Jobs waiting", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "How long to measure", "S" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "stream, polling or both (default)", "MODE" },
    { NULL }
  };
  static const char * const modes[] = { "stream", "polling" };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || jobs < 1 || seconds < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "counts must be at least 1");
      return 2;
    }

  json_builder_begin_object (builder);
  bench_add_string (builder, "benchmark", "idle");
  bench_add_machine (builder);
  bench_add_int (builder, "jobs", jobs);
  bench_add_int (builder, "seconds", seconds);
  bench_add_double (builder, "target_core_percent_max", 100 * TARGET_CORE_FRACTION);
  bench_add_string (builder, "server", "kontext-sim-server, jobs kept IN_QUEUE, a stream ping every 10 s (own process)");

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      if (mode != NULL && !g_str_equal (mode, "both") && !g_str_equal (mode, modes[m]))
        continue;
      if (!run_mode (builder, modes[m], jobs, seconds, &met, &error))
        {
          g_printerr ("bench-idle: %s: %s\n", modes[m], error->message);
          return 1;
        }
    }

  bench_add_bool (builder, "met_all", met);
  json_builder_end_object (builder);
  bench_print (builder);

  return 0;
}
