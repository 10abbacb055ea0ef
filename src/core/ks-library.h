#pragma once

#include <gio/gio.h>

#include "ks-types.h"
#include "ks-record.h"

G_BEGIN_DECLS

/* The library: every job ever submitted, on disk, so that nothing paid for
 * is lost. Layout under the directory (default
 * $XDG_DATA_HOME/kontext-studio/library, or $KS_LIBRARY_DIR when set):
 *
 *   records/<id>.json            one record per job (ks_record_to_json)
 *   images/<id>-<n>.<ext>        result images, as downloaded
 *   references/<sha256>.<ext>    reference images as sent, stored once
 *   damaged/<name>               records that could not be read, set aside
 *   locks/<library-id>.lock      held (flock) by each live KsLibrary
 *
 * Several processes may use one library at once (the app, any number of
 * kontext-cli runs). Each KsLibrary has an id and, from its first load or
 * write until it is finalized, holds an exclusive flock() on its lock
 * file; the system lets go of it when the process dies, however it dies.
 * A record is "owned" (JSON "owner") by the library whose job follows it
 * while it is unfinished. An unfinished record whose owner is alive in
 * another library is left alone by load and resume (see
 * ks_library_is_owned_elsewhere()); once its owner is gone, the next load
 * or resume takes it up. Temporary files name their writer; a load
 * removes only those of dead owners (or, naming none, older than ten
 * minutes).
 *
 * Every write is atomic: a temporary file in the same directory, written
 * whole, fsync'd, renamed over the old name, and the directory fsync'd.
 * Writes run in one worker thread, in the order they were asked for, so a
 * later save of a record never lands before an earlier one; the main loop
 * never waits on the disk.
 *
 * Write-ahead, as KsJob uses it (ks_job_set_library()):
 *   - the record (state SUBMITTING, every parameter, the references stored)
 *     is on disk before the submit is sent; if it cannot be written the job
 *     fails with KS_ERROR_IO and nothing is sent;
 *   - the request id is saved as soon as the submit reply arrives;
 *   - each image is written as it arrives, then the record names it;
 *   - the final state is saved last.
 *
 * Properties:
 *   directory    GFile, construct-only
 *   records      GListModel of KsRecord not in the trash, newest first (by created)
 *   trash        GListModel of KsRecord in the trash, most recently trashed first
 *   loaded       gboolean: ks_library_load_async() has finished
 *
 * Signals:
 *   problem (GError*)            a write failed (disk full, permissions) or a
 *                                damaged record was set aside at load; for a
 *                                banner or a message. KS_ERROR_IO.
 *   job-started (KsJob*)         ks_library_resume_async() (or a waiting record
 *                                going out) started a job for a record: show it
 */

#define KS_TYPE_LIBRARY (ks_library_get_type ())
G_DECLARE_FINAL_TYPE (KsLibrary, ks_library, KS, LIBRARY, GObject)

/* $KS_LIBRARY_DIR, else $XDG_DATA_HOME/kontext-studio/library. */
GFile        *ks_library_default_directory (void);

KsLibrary    *ks_library_new               (GFile        *directory);
GFile        *ks_library_get_directory     (KsLibrary    *self);
GListModel   *ks_library_get_records       (KsLibrary    *self);
GListModel   *ks_library_get_trash         (KsLibrary    *self);
gboolean      ks_library_get_loaded        (KsLibrary    *self);

/* Reads every record in a worker thread (creating the directories when
 * missing). A record that cannot be read is moved to damaged/ and reported
 * through "problem" and in @damaged (names of files set aside); it never
 * stops the load. Records found SUBMITTING become UNKNOWN (and are saved
 * so), unless another live library owns them. Idempotent: a second call
 * does nothing, so records owned elsewhere stay as they were loaded even
 * once their owner has changed or finished them on disk. */
void          ks_library_load_async        (KsLibrary    *self,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
gboolean      ks_library_load_finish       (KsLibrary    *self,
                                            GAsyncResult *result,
                                            GStrv        *damaged,
                                            GError      **error);
/* The same, blocking: for the command line and tests, never the GUI. */
gboolean      ks_library_load              (KsLibrary    *self,
                                            GStrv        *damaged,
                                            GError      **error);

KsRecord     *ks_library_lookup            (KsLibrary    *self,
                                            const char   *id);  /* transfer none; trash too */

/* TRUE when @record is unfinished and followed by another live library
 * (another window or kontext-cli run, or another KsLibrary of this
 * process), as found at load: "running in another window". Not updated
 * after the load. */
gboolean      ks_library_is_owned_elsewhere (KsLibrary   *self,
                                             KsRecord    *record);

/* Adds a new record (not yet written: the job's write-ahead writes it).
 * It appears at the top of "records". */
void          ks_library_add               (KsLibrary    *self,
                                            KsRecord     *record);

/* Queues an atomic write of the record as it is now (the JSON is made on
 * the calling thread). A failure is reported through "problem". */
void          ks_library_save              (KsLibrary    *self,
                                            KsRecord     *record);
/* The same, completing once the record is on disk (fsync'd). */
void          ks_library_save_async        (KsLibrary    *self,
                                            KsRecord     *record,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
gboolean      ks_library_save_finish       (KsLibrary    *self,
                                            GAsyncResult *result,
                                            GError      **error);
/* Blocks until every queued write is done (the CLI before exiting, tests). */
void          ks_library_flush             (KsLibrary    *self);

/* Stores reference bytes under references/<sha256>.<ext> (once: an
 * existing file with that name is kept) and returns the relative path
 * through the task. */
void          ks_library_store_reference_async  (KsLibrary    *self,
                                                 GBytes       *bytes,
                                                 const char   *sha256,
                                                 const char   *mime_type,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer      user_data);
char         *ks_library_store_reference_finish (KsLibrary    *self,
                                                 GAsyncResult *result,
                                                 GError      **error);
/* Writes a result image to images/<id>-<index>.<ext>, then sets the
 * record's image entry (file, size, type, flag) and saves the record. */
void          ks_library_store_image_async (KsLibrary    *self,
                                            KsRecord     *record,
                                            const KsRecordImage *image,
                                            GBytes       *bytes,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
gboolean      ks_library_store_image_finish (KsLibrary   *self,
                                            GAsyncResult *result,
                                            GError      **error);
/* The first half of the above alone: writes the bytes to
 * images/<id>-<index>.<ext> and returns that relative path; the record
 * does not name the file yet (set it with ks_record_set_image(), then
 * save). A job writes while it decodes this way. */
void          ks_library_write_image_async (KsLibrary    *self,
                                            KsRecord     *record,
                                            guint         index,
                                            const char   *content_type,
                                            GBytes       *bytes,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
char         *ks_library_write_image_finish (KsLibrary   *self,
                                            GAsyncResult *result,
                                            GError      **error);

/* The absolute file of a path stored in a record (reference or image). */
GFile        *ks_library_resolve           (KsLibrary    *self,
                                            const char   *relative);

/* ---- resume ----------------------------------------------------------- */

typedef struct
{
  guint resumed;     /* jobs started again (queued, running, downloading, waiting) */
  guint completed;   /* of those, now COMPLETED with every image */
  guint expired;     /* the server no longer had them: EXPIRED, request id kept */
  guint failed;      /* ended FAILED for another reason */
  guint unknown;     /* UNKNOWN: may have been billed; not resubmitted */
  guint skipped;     /* sent to another service than @client's (left as they are) */
  guint elsewhere;   /* followed by another live process (left to it) */
} KsResumeSummary;

/* Takes up every unfinished record with @client — the same code for the
 * app at start and `kontext-cli resume`:
 *   queued / running → back on its status stream (a job for the request);
 *   downloading      → result fetched again, every image written;
 *   waiting          → submitted when the network is there;
 *   a 404 for the request → EXPIRED, with its request id, never dropped;
 *   UNKNOWN          → counted, left for the user to resubmit.
 * Records sent to the built-in simulated service cannot outlive it: they
 * become EXPIRED. Records for another base URL are skipped; records
 * another live library follows (ks_library_is_owned_elsewhere()) are
 * left to it and counted in "elsewhere". Each job
 * started is announced by "job-started". Completes when every started job
 * has ended. Cancelling @cancellable stops following (the records stay
 * unfinished, for the next resume) and the finish returns
 * G_IO_ERROR_CANCELLED, with @summary filled in as far as it got. */
void          ks_library_resume_async      (KsLibrary    *self,
                                            KsClient     *client,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
gboolean      ks_library_resume_finish     (KsLibrary    *self,
                                            GAsyncResult *result,
                                            KsResumeSummary *summary,
                                            GError      **error);

/* A new job for @record (UNKNOWN, FAILED, EXPIRED, CANCELLED): a new
 * record with the same parameters and references, added and returned
 * (transfer none); run it with ks_job_run_async (ks_record_get_job ()). */
KsRecord     *ks_library_resubmit          (KsLibrary    *self,
                                            KsRecord     *record,
                                            KsClient     *client);

/* Whether @record (FAILED) is a job the service accepted and that failed
 * while being followed (rate limits, server errors, timeouts, unreadable
 * or oversized replies, the network, a full disk): its result may be
 * waiting, paid for. Not for the service's own verdicts (validation,
 * content policy, a failed model run), results that are gone, or jobs
 * simulated by the demo service. */
gboolean      ks_record_can_follow_again   (KsRecord     *record);

/* Follows @record's request again, without a new submit: a job attached
 * to the same record (transfer full), to run with ks_job_run_async().
 * Only when ks_record_can_follow_again(); otherwise NULL. */
KsJob        *ks_library_follow_again      (KsLibrary    *self,
                                            KsRecord     *record,
                                            KsClient     *client);

/* The base URL of the built-in demo service the app started (NULL: none).
 * Records made by ks_library_create_job() with a client on that base are
 * marked simulated; ks_library_resume_async() expires them, as that
 * service keeps nothing once the app is closed. */
void          ks_library_set_demo_base_url (KsLibrary    *self,
                                            const char   *base_url);
const char   *ks_library_get_demo_base_url (KsLibrary    *self);

/* A job that writes into the library: a new record for @params, added,
 * attached to a new job (ks_job_set_library()). @parent_id/@parent_image
 * record lineage ("Use as reference"); NULL for an original. */
KsJob        *ks_library_create_job        (KsLibrary    *self,
                                            KsClient     *client,
                                            KsParams     *params,
                                            const char   *parent_id,
                                            guint         parent_image);

/* ---- trash ------------------------------------------------------------ */

/* Moves to the trash (saved; files kept): undo with ks_library_untrash(). */
void          ks_library_trash             (KsLibrary    *self,
                                            KsRecord     *record);
void          ks_library_untrash           (KsLibrary    *self,
                                            KsRecord     *record);
/* Deletes every record in the trash with its images, and any reference
 * no record uses any more. Returns the bytes freed. */
void          ks_library_empty_trash_async (KsLibrary    *self,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
gboolean      ks_library_empty_trash_finish(KsLibrary    *self,
                                            GAsyncResult *result,
                                            guint64      *freed,
                                            GError      **error);
/* Bytes on disk under the directory (records, images, references), and in
 * the trash; measured in a worker thread. */
void          ks_library_measure_async     (KsLibrary    *self,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer      user_data);
gboolean      ks_library_measure_finish    (KsLibrary    *self,
                                            GAsyncResult *result,
                                            guint64      *total,
                                            guint64      *in_trash,
                                            GError      **error);

/* ---- spending --------------------------------------------------------- */

/* Microdollars spent on records submitted in [@from, @to) (wall-clock µs):
 * every record that reached the service and may have been billed — queued,
 * running, downloading, completed, expired, unknown — trash included (the
 * money is spent). Failed before running, cancelled in queue and waiting
 * records cost nothing. */
guint64       ks_library_get_spent         (KsLibrary    *self,
                                            gint64        from,
                                            gint64        to);
/* The local day and the calendar month containing @now (wall-clock µs). */
guint64       ks_library_get_spent_day     (KsLibrary    *self,
                                            gint64        now);
guint64       ks_library_get_spent_month   (KsLibrary    *self,
                                            gint64        now);

G_END_DECLS
