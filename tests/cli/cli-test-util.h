#pragma once

#include "ks-core.h"

G_BEGIN_DECLS

#define BIG_SEED G_GUINT64_CONSTANT (15860307465884635512)
#define BIG_SEED_TEXT "15860307465884635512"
#define TEST_KEY "cli-test-id:cli-test-secret-7f3a"
#define KEY_SECRET "cli-test-secret-7f3a"
#define DEADLINE_SECONDS 60

extern const char *cli_path;

/* g_test_init() with isolated dirs, then cli_path from the first argument
 * or $KONTEXT_CLI (the test fails without either). */
void cli_test_init (int    *argc,
                    char ***argv);

/* Adds a test that runs between fixture_set_up() and fixture_tear_down(). */
#define CLI_TEST_ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

typedef struct
{
  KsSimServer *server;
  char        *tmpdir;
  char        *outdir;    /* not created: the program makes it */
  char        *library;   /* KS_LIBRARY_DIR of every run */
} Fixture;

void fixture_set_up    (Fixture       *fixture,
                        gconstpointer  data);
void fixture_tear_down (Fixture       *fixture,
                        gconstpointer  data);

typedef struct
{
  gboolean  done;
  int       exit_status;
  char     *out;
  char     *err;
} Run;

void run_clear (Run *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

gboolean             deadline_cb      (gpointer            data);
GSubprocessLauncher *make_launcher    (Fixture            *fixture,
                                       const char         *key);
/* Runs kontext-cli with @args (NULL-terminated, after the program name)
 * plus the base URL and fast retries, iterating the main context so the
 * in-process server answers. */
void                 run_cli_with_key (Fixture            *fixture,
                                       const char         *key,
                                       Run                *run,
                                       const char * const *args);
void                 run_cli          (Fixture            *fixture,
                                       Run                *run,
                                       const char * const *args);
void                 assert_exit      (Run                *run,
                                       int                 expected);
void                 assert_no_key    (const char         *text);
/* A 256 × 192 PNG, kitchen.png in the temporary directory. */
char                *write_reference  (Fixture            *fixture);

G_END_DECLS
