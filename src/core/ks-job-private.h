#pragma once

#include "ks-image.h"
#include "ks-job.h"
#include "ks-protocol.h"

G_BEGIN_DECLS

typedef struct
{
  char       *content_type;  /* as the download named it */
  GBytes     *bytes;
  KsJobImage *image;         /* NULL until decoded, or on failure */
  GError     *error;
  gboolean    done;
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

/* ks-job-flow.c: the steps of a run */
void     _ks_job_prepare                 (KsJob            *self);
void     _ks_job_follow_status           (KsJob            *self);
void     _ks_job_clear_slots             (KsJob            *self);

G_END_DECLS
