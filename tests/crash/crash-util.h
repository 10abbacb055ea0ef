#pragma once

#include <libsoup/soup.h>

#include "ks-core.h"

G_BEGIN_DECLS

#define TEST_KEY "crash-id:crash-secret-51c2"
#define WAIT_SECONDS 20          /* for any one condition */
#define RUN_SECONDS 60           /* for a resume or a list to finish */
#define POLL_US (5 * 1000)       /* between two looks at the server or the disk */

extern const char *cli_path;
extern const char *server_path;
extern char       *tmp_root;
extern guint       prompt_serial;

/* ---- the table: one row per kill point ---------------------------------- */

typedef struct
{
  char       *name;
  guint       kills;
  guint       completed;       /* record COMPLETED, every image on disk and decodable */
  guint       unknown;         /* the server took it, the reply was never saved: UNKNOWN */
  guint       unknown_unsent;  /* UNKNOWN, and the server never saw it */
  guint       nothing;         /* nothing sent: no record, or one waiting */
  guint       resume_kills;    /* a second kill, during resume */
  guint       violations;
  GHashTable *at_kill;         /* state on disk right after the kill → count */
} Row;

extern GPtrArray *table;       /* Row */

Row        *row_new           (const char *name);
void        row_free          (gpointer    data);
void        row_count_at_kill (Row        *row,
                               const char *state);
/* Counts and tells a broken rule; the test fails at the end of its phase. */
void        violation         (Row        *row,
                               const char *format,
                               ...) G_GNUC_PRINTF (2, 3);
void        print_table       (void);
void        remove_tree       (const char *path);

/* ---- the standalone server ---------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  char        *base_url;
  SoupSession *session;
} Server;

Server     *server_start        (guint       queue_delay,
                                 guint       run_time);
void        server_free         (Server     *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)
JsonNode   *server_stats        (Server     *server);
/* Replaces the fault plan ("" clears it). */
void        server_plan         (Server     *server,
                                 const char *plan);
guint       server_prompt_count (Server     *server,
                                 const char *prompt);
guint       stats_prompt_count  (JsonNode   *stats,
                                 const char *prompt);
guint       stats_request_count (JsonNode   *stats,
                                 const char *step);
/* "queued", "running", "completed", or NULL when the server has no job for @prompt. */
const char *stats_job_state     (JsonNode   *stats,
                                 const char *prompt);

/* ---- a phase: one server, one library ----------------------------------- */

typedef struct
{
  Row    *row;
  Server *server;
  char   *dir;
  char   *library;
  char   *out;
  char   *reference;
  guint   write_pause_ms;  /* > 0: every library write of a child waits this long before its rename */
} Phase;

Phase               *phase_new      (const char       *name,
                                     guint             queue_delay,
                                     guint             run_time);
void                 phase_free     (Phase            *phase);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Phase, phase_free)
GSubprocessLauncher *phase_launcher (Phase            *phase,
                                     GSubprocessFlags  flags);
/* kontext-cli COMMAND against the phase's server, fast retries, --json;
 * add arguments, then NULL. */
GPtrArray           *cli_argv       (Phase            *phase,
                                     const char       *command);
/* Runs kontext-cli @command to its end; its exit status, or -1 when it did
 * not end within RUN_SECONDS (it is killed then). */
int                  run_to_end     (Phase            *phase,
                                     const char       *command,
                                     char            **out,
                                     char            **err);

/* ---- a job: a unique prompt, and the kontext-cli that runs it ----------- */

typedef struct
{
  char     *prompt;
  char     *seed;
  guint     num_images;
  gboolean  edit;
} Job;

void         job_init  (Job         *job,
                        Phase       *phase,
                        gboolean     edit,
                        guint        num_images);
void         job_clear (Job         *job);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Job, job_clear)
GSubprocess *job_spawn (Phase       *phase,
                        Job         *job);
void         kill_now  (GSubprocess *process);

/* ---- the library as its files show it ----------------------------------- */

typedef struct
{
  guint     n_records;     /* records of the job's prompt */
  char     *state;         /* the state of the last one, or "nothing" */
  gboolean  has_request;
} DiskView;

void     disk_view_clear (DiskView   *view);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DiskView, disk_view_clear)
/* Reads records/ as it is now. Any file named as a record must parse: a
 * torn write must never leave one behind (a violation otherwise). */
void     disk_look       (Phase      *phase,
                          const char *prompt,
                          DiskView   *view);
gboolean image_decodes   (const char *path);

G_END_DECLS
