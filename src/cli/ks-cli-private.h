#pragma once

#include <glib.h>

#include "ks-core.h"
#include "ks-cli-output.h"

G_BEGIN_DECLS

/* The parts of kontext-cli:
 *   kontext-cli.c      main, options, the key, dispatch
 *   ks-cli-run.c       following a job (edit, generate, result, resubmit),
 *                      status and cancel
 *   ks-cli-library.c   the library: opening it, list, resume, resubmit
 */

typedef enum
{
  COMMAND_EDIT,
  COMMAND_GENERATE,
  COMMAND_STATUS,
  COMMAND_RESULT,
  COMMAND_CANCEL,
  COMMAND_LIST,
  COMMAND_RESUME,
  COMMAND_RESUBMIT,
} Command;

typedef struct
{
  /* Options */
  char        **images;
  char         *prompt;
  char         *model;
  char         *endpoint;
  char         *guidance;
  char         *aspect;
  char         *safety;
  char         *seed;
  char         *num_images;
  char         *format;
  gboolean      enhance_prompt;
  gboolean      sync_mode;
  char         *out_dir;
  char         *base_url;
  char         *auth;
  gboolean      json;
  int           timeout;
  gboolean      upload;
  gboolean      poll;
  int           retry_base_delay;
  int           poll_interval;
  gboolean      version;
  char         *library_dir;
  gboolean      no_library;
  gboolean      new_submit;

  /* State */
  Command       command;
  char         *request_id;      /* status, result, cancel */
  char         *record_id;       /* resubmit: an id or an unambiguous start of one */
  const char   *endpoint_id;
  GMainLoop    *loop;
  int           exit_code;
  KsCliOutput  *output;
  KsClient     *client;
  KsParams     *params;
  KsJob        *job;
  KsLibrary    *library;         /* NULL with --no-library */
  GFile        *directory;
  GCancellable *cancellable;
  guint         pending_saves;
  GQueue        save_queue;      /* KsJobImage waiting to be written, in order */
  gboolean      saving;
  gboolean      job_done;
  GError       *job_error;
  gboolean      interrupted;
  gboolean      timed_out;
  guint         sigint_source;
  guint         timeout_source;
  GPtrArray    *saved_paths;
  GPtrArray    *resumed_jobs;    /* KsJob started by resume */
} Cli;

/* ks-cli-run.c */
void     _ks_cli_report_error      (Cli          *cli,
                                    const GError *error,
                                    GPtrArray    *field_errors);
void     _ks_cli_quit              (Cli          *cli,
                                    int           exit_code);
void     _ks_cli_fail              (Cli          *cli,
                                    const GError *error);
void     _ks_cli_run_job           (Cli          *cli);
void     _ks_cli_start_status      (Cli          *cli,
                                    KsRequest    *request);
void     _ks_cli_start_cancel      (Cli          *cli,
                                    KsRequest    *request);

/* ks-cli-library.c */
/* The short form of a record id people see and may type: 8 characters. */
#define KS_CLI_SHORT_ID_LENGTH 8

/* Opens and loads the library (--library DIR, else the default), telling
 * damaged records on stderr. Blocking: fine on the command line. */
gboolean _ks_cli_open_library      (Cli          *cli,
                                    GError      **error);
/* `list`: prints every record and returns the exit code. */
int      _ks_cli_list              (Cli          *cli);
void     _ks_cli_start_resume      (Cli          *cli);
void     _ks_cli_start_resubmit    (Cli          *cli);

G_END_DECLS
