#pragma once

#include "ks-image.h"
#include "ks-job.h"
#include "ks-library.h"
#include "ks-protocol.h"

G_BEGIN_DECLS

typedef struct
{
  char       *content_type;  /* what the bytes are (pick_content_type) */
  GBytes     *bytes;
  KsJobImage *image;         /* NULL until decoded, or on failure */
  GError     *error;
  gboolean    write_failed;  /* decoded, but the library could not keep it */
  gboolean    done;
  /* With a library, the bytes are written while they are decoded. */
  gboolean    decoding;
  gboolean    writing;
  char       *file;          /* written: the path in the library */
  GError     *write_error;
} ImageSlot;

struct _KsJob
{
  GObject        parent_instance;

  KsClient      *client;
  KsParams      *params;

  KsJobState     state;
  KsRequest     *request;
  int            queue_position;
  gint64         start_time;        /* monotonic µs: the submit (or following) began */
  gint64         end_time;          /* monotonic µs: the job ended, 0 while running */
  double         inference_time;
  char          *seed;
  char          *returned_prompt;
  GListStore    *images;
  GError        *error;
  GPtrArray     *field_errors;
  GPtrArray     *logs;              /* KsLogEntry */
  GHashTable    *log_keys;          /* "timestamp\nmessage" */
  KsResult      *result;
  const char    *status_source;     /* static string */

  /* One run */
  GTask         *run_task;
  GCancellable  *cancellable;       /* internal: cancelled when the run ends */
  GMainContext  *context;
  GSource       *user_cancel_source;
  guint          elapsed_source;
  guint          poll_source;
  guint          poll_delay;

  GPtrArray     *prepared;          /* KsPreparedReference, in reference order */
  guint          n_preparing;

  ImageSlot     *slots;
  guint          n_slots;
  guint          n_slots_pending;
  guint          next_slot;         /* the next slot to append to images */
  KsImageLimits  result_limits;

  /* Waiting for the network */
  GNetworkMonitor *monitor;
  gulong         network_handler;
  guint          network_source;

  /* The library it writes ahead into (ks-job-journal.c); NULL without */
  KsLibrary     *library;
  KsRecord      *record;
  char          *submit_body;       /* built, kept while the write-ahead runs */
  gboolean       submit_uncertain;  /* the submit failed, but may have queued the job */
  guint          n_storing;         /* references being stored */
  GPtrArray     *stored;            /* KsRecordReference, in reference order */

  /* Cancellation on the server */
  gboolean       cancel_requested;
  gboolean       cancel_in_flight;
  GPtrArray     *cancel_waiters;    /* GTask */
};

/* ks-job.c: the job's properties and final states */
gboolean _ks_job_is_running              (KsJob            *self);
void     _ks_job_set_state               (KsJob            *self,
                                          KsJobState        state);
void     _ks_job_set_queue_position      (KsJob            *self,
                                          int               queue_position);
void     _ks_job_set_inference_time      (KsJob            *self,
                                          double            inference_time);
void     _ks_job_set_status_source       (KsJob            *self,
                                          const char       *status_source);
void     _ks_job_set_field_errors        (KsJob            *self,
                                          GPtrArray        *field_errors);
void     _ks_job_set_request             (KsJob            *self,
                                          const KsRequest  *request);
void     _ks_job_take_result             (KsJob            *self,
                                          KsResult         *result);
gboolean _ks_job_add_log                 (KsJob            *self,
                                          const KsLogEntry *entry);
void     _ks_job_add_image               (KsJob            *self,
                                          KsJobImage       *image);
void     _ks_job_start_clock             (KsJob            *self);
void     _ks_job_stop_clock              (KsJob            *self);
void     _ks_job_remove_source           (guint            *id,
                                          GMainContext     *context);
void     _ks_job_stop_sources            (KsJob            *self);
void     _ks_job_fail                    (KsJob            *self,
                                          GError           *error);
void     _ks_job_cancelled               (KsJob            *self);
void     _ks_job_completed               (KsJob            *self);
void     _ks_job_cancel_unstarted        (KsJob            *self);

/* ks-job-run.c: a run, and the cancel sent to the service */
void     _ks_job_end_run                 (KsJob            *self,
                                          const GError     *run_error);
void     _ks_job_send_cancel             (KsJob            *self);

/* ks-job-run.c: waiting for the network */
void     _ks_job_stop_waiting            (KsJob            *self);

/* ks-job-flow.c: the steps of a run */
void     _ks_job_prepare                 (KsJob            *self);
void     _ks_job_follow_status           (KsJob            *self);
void     _ks_job_clear_slots             (KsJob            *self);

/* ks-job-journal.c: the write-ahead into the library (each does nothing
 * for a job without one) */
void     _ks_job_journal_attach          (KsJob            *self,
                                          KsLibrary        *library,
                                          KsRecord         *record);
void     _ks_job_journal_clear           (KsJob            *self);
/* The job's state changed: WAITING, IN_QUEUE, IN_PROGRESS, DOWNLOADING
 * are written (the final states by _ks_job_journal_end()). */
void     _ks_job_journal_state_changed   (KsJob            *self);
/* Stores the prepared references, writes the record SUBMITTING and
 * completes once it is on disk: only then may the submit go out. */
void     _ks_job_journal_write_ahead_async  (KsJob               *self,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean _ks_job_journal_write_ahead_finish (KsJob               *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* Writes a downloaded image's bytes (while it is decoded); completes with
 * the file's path in the library once it is on disk. */
void     _ks_job_journal_write_image_async  (KsJob               *self,
                                             guint                index,
                                             const char          *content_type,
                                             GBytes              *bytes,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char    *_ks_job_journal_write_image_finish (KsJob               *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* Keeps a decoded image: its @file written by the above (NULL: written
 * now), then the record names it; completes once that is on disk. */
void     _ks_job_journal_store_image_async  (KsJob               *self,
                                             KsJobImage          *image,
                                             const char          *file,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean _ks_job_journal_store_image_finish (KsJob               *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* The run ended (@run_error as it ended): the final state, timings, logs
 * and error are saved, and the record no longer names the job. */
void     _ks_job_journal_end             (KsJob            *self,
                                          const GError     *run_error);

G_END_DECLS
