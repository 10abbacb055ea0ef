#pragma once

#include <gio/gio.h>

#include "ks-types.h"

G_BEGIN_DECLS

/* One job as the library keeps it: everything needed to show, recall and
 * resume it, long after the process that ran it is gone. A record is the
 * model object the gallery and the command line show; a live KsJob (while
 * one runs in this process) writes its progress into its record, and the
 * library writes the record to disk (see ks-library.h). */

typedef enum
{
  KS_RECORD_STATE_WAITING,      /* offline: not sent; goes out when the network returns */
  KS_RECORD_STATE_SUBMITTING,   /* written just before the submit: it may be on the wire */
  KS_RECORD_STATE_UNKNOWN,      /* found SUBMITTING after a crash: may have been billed;
                                 * offered for resubmission, never resubmitted by itself */
  KS_RECORD_STATE_IN_QUEUE,
  KS_RECORD_STATE_IN_PROGRESS,
  KS_RECORD_STATE_DOWNLOADING,  /* result known, images being fetched and written */
  KS_RECORD_STATE_COMPLETED,    /* every image is in the library */
  KS_RECORD_STATE_FAILED,       /* error-code and error-message tell why */
  KS_RECORD_STATE_CANCELLED,
  KS_RECORD_STATE_EXPIRED,      /* the server no longer had the result when asked */
} KsRecordState;

/* KS_TYPE_RECORD_STATE comes from ks-core-enums.h */
const char   *ks_record_state_to_string     (KsRecordState state); /* "in-queue", … as stored */
gboolean      ks_record_state_from_string   (const char   *nick,
                                             KsRecordState *state);
/* Waiting, submitting, in queue, in progress, downloading: a job that
 * ks_library_resume_async() takes up again. */
gboolean      ks_record_state_is_unfinished (KsRecordState state);
/* In words, for people: "Waiting for the network", "Unknown — may have
 * been billed", "Expired on the server", … (translated). */
const char   *ks_record_state_describe      (KsRecordState state);

/* A reference image as it was sent. A local or pasted image is stored once
 * in the library under its content hash; a URL given as is keeps only the
 * URL. */
#define KS_TYPE_RECORD_REFERENCE (ks_record_reference_get_type ())
typedef struct
{
  char *source_name;   /* what the user gave: a file's base name, a URL, "Pasted image" */
  char *url;           /* an http(s) URL passed through; NULL when stored */
  char *sha256;        /* of the bytes sent; NULL for a URL */
  char *mime_type;     /* of the bytes sent */
  char *file;          /* path relative to the library directory; NULL for a URL */
  int   width;         /* as sent; 0 for a URL */
  int   height;
} KsRecordReference;

GType              ks_record_reference_get_type (void) G_GNUC_CONST;
KsRecordReference *ks_record_reference_copy     (const KsRecordReference *self);
void               ks_record_reference_free     (KsRecordReference       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsRecordReference, ks_record_reference_free)

/* One result image. */
#define KS_TYPE_RECORD_IMAGE (ks_record_image_get_type ())
typedef struct
{
  guint    index;              /* position in the result */
  char    *url;                /* as the result named it (may expire) */
  char    *content_type;
  char    *file;               /* relative to the library directory; NULL until written */
  int      width;
  int      height;
  gboolean has_nsfw_concepts;
} KsRecordImage;

GType          ks_record_image_get_type (void) G_GNUC_CONST;
KsRecordImage *ks_record_image_copy     (const KsRecordImage *self);
void           ks_record_image_free     (KsRecordImage       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsRecordImage, ks_record_image_free)

#define KS_TYPE_RECORD (ks_record_get_type ())
G_DECLARE_FINAL_TYPE (KsRecord, ks_record, KS, RECORD, GObject)

/* Properties (all notify on change, on the thread that changes them — the
 * main context in practice):
 *   id                 string: a UUID chosen when the record is made; names its files
 *   state              KsRecordState
 *   params             KsParams: every parameter as submitted (a copy; never changed
 *                      after the submit). The prompt, endpoint, seed asked for, …
 *   base-url           the service it was sent to (never the key)
 *   simulated          gboolean: sent to the built-in demo service
 *   request            KsRequest (boxed): request id and follow-up URLs; NULL until known
 *   created            gint64: wall-clock µs (g_get_real_time) when made
 *   submitted          gint64: wall-clock µs when the submit was sent; 0 before
 *   finished           gint64: wall-clock µs when it reached a final state; 0 before
 *   updated            gint64: wall-clock µs of the last change
 *   seed               string of decimal digits the result reported; NULL until known
 *   inference-time     double seconds the service reported; < 0 when unknown
 *   queue-time         double seconds from submit to IN_PROGRESS; < 0 when unknown
 *   total-time         double seconds from submit to the last image written; < 0 when unknown
 *   returned-prompt    the prompt as the result states it; NULL until known
 *   error-code         the KsError nick ("expired", "content-policy", "io", …) when
 *                      FAILED or EXPIRED; NULL otherwise
 *   error-message      the error's message for people; NULL when none
 *   logs-summary       the last log lines (at most 20, "\n"-separated) and a count line;
 *                      NULL when none
 *   n-logs             guint: how many log lines were seen
 *   cost               guint64 microdollars: price per image × images asked for; what a
 *                      billed job cost
 *   parent-id          the id of the record whose result was used as this one's
 *                      reference ("Use as reference"); NULL for an original
 *   parent-image       guint: which image of the parent
 *   trashed            gint64: wall-clock µs when moved to the trash; 0 when not
 *   batch-id           string: the id shared by the records of one sweep (several
 *                      jobs submitted as one, see ks-sweep.h); NULL when not in one
 *   batch-label        string: what sets this record apart in its sweep, for people:
 *                      "Seed 1234", "Guidance 5.0"; NULL when not in one
 *   job                KsJob: the job running it in this process; NULL otherwise
 *
 * The references and images are arrays (getters below); changes to them
 * notify "references" and "images" (both read-only pseudo-properties of
 * type G_TYPE_PTR_ARRAY).
 */
KsRecord     *ks_record_new                (KsParams      *params,
                                            const char    *base_url,
                                            gboolean       simulated);

const char   *ks_record_get_id             (KsRecord      *self);
KsRecordState ks_record_get_state          (KsRecord      *self);
KsParams     *ks_record_get_params         (KsRecord      *self);
const char   *ks_record_get_base_url       (KsRecord      *self);
gboolean      ks_record_get_simulated      (KsRecord      *self);
const KsRequest *ks_record_get_request     (KsRecord      *self);
const char   *ks_record_get_request_id     (KsRecord      *self); /* shortcut; NULL until known */
gint64        ks_record_get_created        (KsRecord      *self);
gint64        ks_record_get_submitted      (KsRecord      *self);
gint64        ks_record_get_finished       (KsRecord      *self);
gint64        ks_record_get_updated        (KsRecord      *self);
const char   *ks_record_get_seed           (KsRecord      *self);
double        ks_record_get_inference_time (KsRecord      *self);
double        ks_record_get_queue_time     (KsRecord      *self);
double        ks_record_get_total_time     (KsRecord      *self);
const char   *ks_record_get_returned_prompt(KsRecord      *self);
const char   *ks_record_get_error_code     (KsRecord      *self);
const char   *ks_record_get_error_message  (KsRecord      *self);
const char   *ks_record_get_logs_summary   (KsRecord      *self);
guint         ks_record_get_n_logs         (KsRecord      *self);
guint64       ks_record_get_cost           (KsRecord      *self);
const char   *ks_record_get_parent_id      (KsRecord      *self);
guint         ks_record_get_parent_image   (KsRecord      *self);
gint64        ks_record_get_trashed        (KsRecord      *self);
const char   *ks_record_get_batch_id       (KsRecord      *self);
const char   *ks_record_get_batch_label    (KsRecord      *self);
KsJob        *ks_record_get_job            (KsRecord      *self);
/* KsRecordReference, in reference order (transfer none) */
GPtrArray    *ks_record_get_references     (KsRecord      *self);
/* KsRecordImage, in result order (transfer none); entries whose file is
 * NULL are known from the result but not written yet. */
GPtrArray    *ks_record_get_images         (KsRecord      *self);
/* The image at result position @index, or NULL. */
const KsRecordImage *ks_record_get_image   (KsRecord      *self,
                                            guint          index);
/* The prompt (from params) — for titles and search. */
const char   *ks_record_get_prompt         (KsRecord      *self);

/* Setters: each notifies and bumps "updated". They change memory only;
 * the library writes (ks_library_save()). */
void          ks_record_set_state          (KsRecord      *self,
                                            KsRecordState  state);
void          ks_record_set_request        (KsRecord      *self,
                                            const KsRequest *request);
void          ks_record_set_submitted      (KsRecord      *self,
                                            gint64         when);
void          ks_record_set_finished       (KsRecord      *self,
                                            gint64         when);
void          ks_record_set_seed           (KsRecord      *self,
                                            const char    *seed);
void          ks_record_set_inference_time (KsRecord      *self,
                                            double         seconds);
void          ks_record_set_queue_time     (KsRecord      *self,
                                            double         seconds);
void          ks_record_set_total_time     (KsRecord      *self,
                                            double         seconds);
void          ks_record_set_returned_prompt(KsRecord      *self,
                                            const char    *prompt);
/* Sets error-code (from @error's code when in KS_ERROR, else "failed") and
 * error-message; NULL clears both. */
void          ks_record_set_error          (KsRecord      *self,
                                            const GError  *error);
void          ks_record_set_logs           (KsRecord      *self,
                                            GPtrArray     *logs);  /* KsLogEntry */
void          ks_record_set_parent         (KsRecord      *self,
                                            const char    *parent_id,
                                            guint          parent_image);
void          ks_record_set_trashed        (KsRecord      *self,
                                            gint64         when);
/* Both NULL: not in a batch. @batch_id must be a valid id (a UUID). */
void          ks_record_set_batch          (KsRecord      *self,
                                            const char    *batch_id,
                                            const char    *batch_label);
void          ks_record_set_job            (KsRecord      *self,
                                            KsJob         *job);
void          ks_record_take_references    (KsRecord      *self,
                                            GPtrArray     *references); /* KsRecordReference */
/* Adds or replaces the entry at @image->index (copied). */
void          ks_record_set_image          (KsRecord      *self,
                                            const KsRecordImage *image);
/* Images the result announced: entries without files, replacing any
 * not yet written. */
void          ks_record_set_result         (KsRecord      *self,
                                            const KsResult *result);

/* The record as stored: a JSON object with "version": 1. Never contains
 * the key. */
char         *ks_record_to_json            (KsRecord      *self,
                                            gsize         *length);
/* Parses a stored record. Outside data: any shape error is
 * KS_ERROR_MALFORMED naming the member; relative file names that would
 * leave the library directory ("..", absolute paths) are refused. */
KsRecord     *ks_record_new_from_json      (const char    *data,
                                            gsize          length,
                                            GError       **error);

G_END_DECLS
