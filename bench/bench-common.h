/* bench-common.h: what the benchmark programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ks-client.h"
#include "ks-job.h"
#include "ks-library.h"

G_BEGIN_DECLS

/* The key the local service is started with. It guards nothing. */
#define BENCH_KEY "bench-id:bench-secret"

/* ---- the local service, as a separate process ---------------------------
 * The client's CPU time and memory are then its own: the service (and
 * the images it makes) run elsewhere. */
typedef struct _BenchServer BenchServer;

/* Starts kontext-sim-server with @args (NULL-terminated, e.g.
 * "--workers", "32") and waits for its base URL. */
BenchServer *bench_server_start       (const char * const *args,
                                       GError            **error);
const char  *bench_server_get_base_url (BenchServer       *self);
/* GET /_sim/stats (blocking: call outside measured spans). */
JsonObject  *bench_server_get_stats   (BenchServer        *self,
                                       GError            **error);
/* When the request became COMPLETED (monotonic µs) from @stats, 0 if not. */
gint64       bench_stats_completed_us (JsonObject         *stats,
                                       const char         *request_id);
void         bench_server_stop        (BenchServer        *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchServer, bench_server_stop)

/* ---- our client, set up as the app sets it up ---------------------------- */
typedef struct
{
  GFile     *dir;      /* a temporary library directory, removed at the end */
  KsLibrary *library;
  KsClient  *client;
} BenchApp;

BenchApp    *bench_app_new            (const char         *base_url,
                                       gboolean            use_streaming,
                                       GError            **error);
void         bench_app_free           (BenchApp           *app);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchApp, bench_app_free)

/* A text-to-image job of one 1:1 JPEG (1024 × 1024) that writes into the
 * library, as the app makes it. */
KsJob       *bench_app_new_job        (BenchApp           *app,
                                       const char         *prompt);
/* Spins the thread-default main context until *@flag is TRUE. */
void         bench_wait_for           (gboolean           *flag);
/* Spins the main context for @ms milliseconds. */
void         bench_spin_for           (guint               ms);

/* ---- figures ----------------------------------------------------------- */
typedef struct
{
  double   cpu_s;          /* user + system, every thread */
  double   user_s;
  double   sys_s;
  double   wall_s;         /* monotonic */
  guint64  max_rss_bytes;  /* peak so far, whole process life */
  guint64  voluntary_switches;
  guint64  involuntary_switches;
  guint64  timeslices;     /* from /proc/self/task/N/schedstat: times put on a CPU */
} BenchUsage;

void         bench_usage_now          (BenchUsage         *usage);
/* @after minus @before (max_rss_bytes: @after's). */
void         bench_usage_diff         (const BenchUsage   *before,
                                       const BenchUsage   *after,
                                       BenchUsage         *out);
void         bench_add_usage          (JsonBuilder        *builder,
                                       const char         *name,
                                       const BenchUsage   *usage);

/* Percentile @p (0–100) of @values (sorted in place), nearest rank. */
double       bench_percentile         (GArray             *values,
                                       double              p);
void         bench_add_double         (JsonBuilder        *builder,
                                       const char         *name,
                                       double              value);
void         bench_add_int            (JsonBuilder        *builder,
                                       const char         *name,
                                       gint64              value);
void         bench_add_bool           (JsonBuilder        *builder,
                                       const char         *name,
                                       gboolean            value);
void         bench_add_string         (JsonBuilder        *builder,
                                       const char         *name,
                                       const char         *value);
void         bench_add_samples        (JsonBuilder        *builder,
                                       const char         *name,
                                       GArray             *values);
/* "machine": processors and the load average when the benchmark began. */
void         bench_add_machine        (JsonBuilder        *builder);
/* Prints the builder's root on stdout, pretty. */
void         bench_print              (JsonBuilder        *builder);

/* ---- the official JavaScript client (bench/official) -------------------- */
/* Runs `node bench/official/@script @args…` and parses the one JSON object
 * it prints. NULL with @error when node or the client is missing (run
 * bench/official/install.sh) or the script failed. */
JsonObject  *bench_run_official       (const char         *script,
                                       const char * const *args,
                                       GError            **error);

G_END_DECLS
