#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

#include "ks-types.h"
#include "ks-protocol.h"
#include "ks-core-enums.h"

G_BEGIN_DECLS

typedef enum
{
  KS_JOB_STATE_PENDING,      /* created, not started */
  KS_JOB_STATE_WAITING,      /* offline: waits for the network before preparing (or,
                              * for a job following a request, before following it) */
  KS_JOB_STATE_PREPARING,    /* references being read, scaled, encoded or uploaded */
  KS_JOB_STATE_SUBMITTING,   /* the submit is on the wire */
  KS_JOB_STATE_IN_QUEUE,     /* queue-position tells where */
  KS_JOB_STATE_IN_PROGRESS,  /* the model runs */
  KS_JOB_STATE_DOWNLOADING,  /* result known, images coming */
  KS_JOB_STATE_COMPLETED,    /* every image downloaded and decoded */
  KS_JOB_STATE_FAILED,       /* error tells why */
  KS_JOB_STATE_CANCELLED,    /* cancelled by the user */
} KsJobState;

/* KS_TYPE_JOB_STATE comes from ks-core-enums.h */
const char *ks_job_state_to_string (KsJobState state);  /* "in-queue", … */
gboolean    ks_job_state_is_finished (KsJobState state);

/* ---- KsJobImage: one result image, downloaded and decoded ------------- */

#define KS_TYPE_JOB_IMAGE (ks_job_image_get_type ())
G_DECLARE_FINAL_TYPE (KsJobImage, ks_job_image, KS, JOB_IMAGE, GObject)

/* Properties: index, url, width, height, content-type, bytes (GBytes as
 * downloaded), pixbuf (decoded), has-nsfw-concepts. */
guint       ks_job_image_get_index             (KsJobImage *self);
const char *ks_job_image_get_url               (KsJobImage *self);
int         ks_job_image_get_width             (KsJobImage *self);
int         ks_job_image_get_height            (KsJobImage *self);
const char *ks_job_image_get_content_type      (KsJobImage *self);
GBytes     *ks_job_image_get_bytes             (KsJobImage *self);
GdkPixbuf  *ks_job_image_get_pixbuf            (KsJobImage *self);
gboolean    ks_job_image_get_has_nsfw_concepts (KsJobImage *self);
const char *ks_job_image_get_extension         (KsJobImage *self); /* "jpg" / "png" */

/* ---- KsJob: one submission, from parameters to decoded images --------- */

#define KS_TYPE_JOB (ks_job_get_type ())
G_DECLARE_FINAL_TYPE (KsJob, ks_job, KS, JOB, GObject)

/* Properties (all notify, on the main context the job was started on):
 *   client, params          construct-only
 *   state                   KsJobState
 *   request                 KsRequest (boxed), NULL until the submit reply
 *   request-id              string, NULL until known
 *   queue-position          int, -1 when not in queue
 *   elapsed                 double seconds since the submit was sent (notified once a second while running)
 *   inference-time          double seconds, < 0 until known
 *   seed                    string of decimal digits, NULL until known
 *   returned-prompt         the prompt as the result states it
 *   images                  GListModel of KsJobImage, in result order, growing as they arrive
 *   error                   GError (boxed) when FAILED
 *   field-errors            GPtrArray of KsFieldError for validation failures
 *   status-source           "stream" or "polling": how status is being followed
 *
 * Signals:
 *   log-added (KsLogEntry*)        a new log line (deduplicated on timestamp + message)
 *   request-known (KsRequest*)     the submit reply arrived: the request id is known
 *   image-ready (KsJobImage*)      an image has been downloaded and decoded
 */
KsJob        *ks_job_new                  (KsClient        *client,
                                           KsParams        *params);
/* A job that follows an existing request (status/result/cancel by id,
 * resuming after a restart): it starts at the status step. @params may be
 * NULL when unknown. */
KsJob        *ks_job_new_for_request      (KsClient        *client,
                                           KsParams        *params,
                                           const KsRequest *request);

KsClient     *ks_job_get_client           (KsJob           *self);
KsParams     *ks_job_get_params           (KsJob           *self);
KsJobState    ks_job_get_state            (KsJob           *self);
const KsRequest *ks_job_get_request       (KsJob           *self);
const char   *ks_job_get_request_id       (KsJob           *self);
int           ks_job_get_queue_position   (KsJob           *self);
double        ks_job_get_elapsed          (KsJob           *self);
double        ks_job_get_inference_time   (KsJob           *self);
const char   *ks_job_get_seed             (KsJob           *self);
const char   *ks_job_get_returned_prompt  (KsJob           *self);
GListModel   *ks_job_get_images           (KsJob           *self);
const GError *ks_job_get_error            (KsJob           *self);
GPtrArray    *ks_job_get_field_errors     (KsJob           *self);
GPtrArray    *ks_job_get_logs             (KsJob           *self);  /* KsLogEntry, all seen so far */
const KsResult *ks_job_get_result         (KsJob           *self);  /* NULL until known */
const char   *ks_job_get_status_source    (KsJob           *self);

/* Makes the job write ahead into @library through @record (see
 * ks-library.h): before the submit, on the reply, per image, at the end.
 * Call before ks_job_run_async(). ks_library_create_job() does this. The
 * record's "job" is this job from then until the run ends (or until a
 * cancel before it ran): the two hold each other meanwhile, so run or
 * cancel every job made so. */
void          ks_job_set_library          (KsJob           *self,
                                           KsLibrary       *library,
                                           KsRecord        *record);
KsLibrary    *ks_job_get_library          (KsJob           *self);
KsRecord     *ks_job_get_record           (KsJob           *self);

/* Runs the whole flow: prepare references → submit → follow status (SSE,
 * falling back to polling) → result → download and decode every image.
 * Completes when the job reaches COMPLETED, FAILED or CANCELLED; the error
 * is the job's error. @cancellable stops following the job locally (it
 * does not cancel on the server: use ks_job_cancel_async()). */
void          ks_job_run_async            (KsJob           *self,
                                           GCancellable    *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer         user_data);
gboolean      ks_job_run_finish           (KsJob           *self,
                                           GAsyncResult    *result,
                                           GError         **error);

/* Asks the server to cancel. TRUE when accepted (the job then ends
 * CANCELLED, or COMPLETED if it was already running and finished anyway);
 * KS_ERROR_ALREADY_COMPLETED when it was too late. Before the request id is
 * known the cancel is remembered and sent as soon as it is. */
void          ks_job_cancel_async         (KsJob           *self,
                                           GCancellable    *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer         user_data);
gboolean      ks_job_cancel_finish        (KsJob           *self,
                                           GAsyncResult    *result,
                                           GError         **error);

G_END_DECLS
