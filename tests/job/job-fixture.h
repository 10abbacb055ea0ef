/* Shared set-up of the job tests: the local server, a client for it, a
 * scratch directory, and helpers that run the main context. */
#pragma once

#include "ks-core.h"

G_BEGIN_DECLS

#define DEADLINE_SECONDS 60

typedef struct
{
  KsSimServer *server;
  KsClient    *client;
  char        *tmpdir;
} Fixture;

void      fixture_set_up    (Fixture       *fixture,
                             gconstpointer  data);
void      fixture_tear_down (Fixture       *fixture,
                             gconstpointer  data);

/* Deletes @path and everything under it. */
void      remove_tree       (const char    *path);

/* Iterates the main context until *flag is set (fails after DEADLINE_SECONDS). */
void      wait_for          (gboolean      *flag);
/* Iterates the main context for @ms milliseconds. */
void      spin_for_ms       (guint          ms);
/* Waits until in-flight operations of an ended job let go of it, then
 * checks that the caller held the last reference. */
void      finalize_job      (KsJob         *job);
typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} RunResult;

/* Starts @job; @run is filled in when it ends (wait_for (&run->done)). */
void      start_job         (KsJob         *job,
                             GCancellable  *cancellable,
                             RunResult     *run);
/* Asks the server to cancel @job; @cancel is filled in with the answer. */
void      start_cancel      (KsJob         *job,
                             RunResult     *cancel);
/* Runs @job to its end on the main context. */
gboolean  run_job           (KsJob         *job,
                             GError       **error);

KsParams *make_params       (KsMode         mode,
                             const char    *prompt);
/* A 320 × 200 PNG of one colour in the scratch directory (path, free it). */
char     *write_reference   (Fixture       *fixture,
                             const char    *name,
                             guint32        rgba);

G_END_DECLS
