#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What kontext-cli tells people (stderr) and scripts (stdout).
 *
 * Exit codes, one per failure class (also listed by --help):
 *   0   success
 *   1   anything else (a file that could not be written, a cancel that
 *       came too late: the request had already completed)
 *   2   usage or invalid parameters
 *   3   no API key: neither FAL_KEY nor the keyring has one, or the
 *       keyring could not be reached
 *   4   the key was refused (401)
 *   5   the account is locked or out of balance (403)
 *   6   the service rejected a parameter (422)
 *   7   the content policy was violated
 *   8   rate limited, still after retries (429)
 *   9   server error, still after retries (5xx)
 *   10  timeout: --timeout passed, or the service's start deadline
 *   11  network: the service could not be reached or the connection dropped
 *   12  a reply that could not be understood
 *   13  the request is unknown, or its result has expired
 *   14  an image (reference or result) that could not be read
 *   15  the job was cancelled
 *   16  the model failed
 *   17  resume: a job taken up again failed, or had expired on the server
 *   18  the library could not be read or written (opening it, list)
 *   130 interrupted (Ctrl+C); the job goes on at the service
 */
typedef enum
{
  KS_CLI_EXIT_OK = 0,
  KS_CLI_EXIT_OTHER = 1,
  KS_CLI_EXIT_USAGE = 2,
  KS_CLI_EXIT_NO_KEY = 3,
  KS_CLI_EXIT_UNAUTHORIZED = 4,
  KS_CLI_EXIT_FORBIDDEN = 5,
  KS_CLI_EXIT_VALIDATION = 6,
  KS_CLI_EXIT_CONTENT_POLICY = 7,
  KS_CLI_EXIT_RATE_LIMITED = 8,
  KS_CLI_EXIT_SERVER = 9,
  KS_CLI_EXIT_TIMEOUT = 10,
  KS_CLI_EXIT_NETWORK = 11,
  KS_CLI_EXIT_MALFORMED = 12,
  KS_CLI_EXIT_NOT_FOUND = 13,
  KS_CLI_EXIT_BAD_IMAGE = 14,
  KS_CLI_EXIT_CANCELLED = 15,
  KS_CLI_EXIT_FAILED = 16,
  KS_CLI_EXIT_RESUME_INCOMPLETE = 17,
  KS_CLI_EXIT_LIBRARY = 18,
  KS_CLI_EXIT_INTERRUPTED = 130,
} KsCliExit;

int          ks_cli_exit_code_for_error (const GError *error);

typedef struct _KsCliOutput KsCliOutput;

KsCliOutput *ks_cli_output_new       (gboolean     json);
void         ks_cli_output_free      (KsCliOutput *self);
gboolean     ks_cli_output_is_json   (KsCliOutput *self);

/* The transient progress line: rewritten in place on a terminal, printed
 * as a plain line otherwise (only when it says something new). @key is
 * what counts as "new" (the text without the clock). */
void         ks_cli_output_progress  (KsCliOutput *self,
                                      const char  *key,
                                      const char  *text);
/* A lasting line on stderr. */
void         ks_cli_output_message   (KsCliOutput *self,
                                      const char  *format,
                                      ...) G_GNUC_PRINTF (2, 3);
/* A line on stdout for scripts (file paths), only without --json. */
void         ks_cli_output_result    (KsCliOutput *self,
                                      const char  *line);
/* One JSON line on stdout with --json; a no-op otherwise. Takes @event. */
JsonObject  *ks_cli_event_new        (const char  *type);
void         ks_cli_output_event     (KsCliOutput *self,
                                      JsonObject  *event);
/* Ends the progress line, if one is showing. */
void         ks_cli_output_end_progress (KsCliOutput *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCliOutput, ks_cli_output_free)

G_END_DECLS
