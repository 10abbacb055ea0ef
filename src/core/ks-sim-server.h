#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ks-types.h"

G_BEGIN_DECLS

/* A fal-compatible queue service on loopback, in-process (on the thread
 * default main context of the caller of ks_sim_server_listen()). It backs
 * the tests, the benchmarks, the demo mode of the app, and the standalone
 * `kontext-sim-server`. Its images are real and follow the input.
 *
 * What it serves, under its base URL http://127.0.0.1:PORT:
 *   POST /{endpoint id}                          submit (any fal-ai/flux-pro/kontext* endpoint)
 *   GET  /{owner}/{alias}/requests/{id}/status   202 IN_QUEUE / IN_PROGRESS, 200 COMPLETED
 *   GET  /{owner}/{alias}/requests/{id}/status/stream   SSE, ": ping" comments, closes after COMPLETED
 *   GET  /{owner}/{alias}/requests/{id}          result; 400 before completion
 *   PUT  /{owner}/{alias}/requests/{id}/cancel   202 CANCELLATION_REQUESTED / 400 ALREADY_COMPLETED
 *   POST /storage/upload/initiate?storage_type=fal-cdn-v3  {"upload_url","file_url"}
 *   PUT  /storage/upload/{token}                 the bytes (no auth)
 *   GET  /files/...                              result images and uploaded files
 *   POST /_sim/plan                              a fault plan as the body (see load_plan)
 *   GET  /_sim/stats                             {"requests":{"any":N,"submit":N,…},"jobs":N,
 *                                                "connections":N,"prompts":{prompt:N,…},
 *                                                "job_states":[{"id","prompt","state","completed_us"},…]}
 *                                                (state: queued, running, completed;
 *                                                completed_us: monotonic µs, 0 until then)
 * Trailing slashes, logs=1|0|true|false and bodiless GET/PUT with a JSON
 * content type are accepted. Every JSON reply has Content-Type
 * application/json and x-fal-request-id where a request is concerned.
 *
 * The simulated model:
 *   - input is validated when the result is asked for, not at submit, as
 *     fal does: a bad value gives 422 {"detail":[{"loc":["body",field],"msg","type"}]};
 *   - a prompt containing "[policy]" gives 422 of type content_policy_violation;
 *   - a prompt containing "[nsfw]" flags every other image (0, 2) in has_nsfw_concepts;
 *   - a prompt containing "[fail]" ends COMPLETED with "error" and error_type "runner_failed";
 *   - without a seed, one is drawn at random over the full 64 bits, so
 *     seeds above 2^63 occur;
 *   - sync_mode returns images as data URIs;
 *   - cancel while queued or running stops the job: status turns COMPLETED
 *     with error "Request cancelled by the user." and error_type
 *     "request_cancelled"; its result then answers 400 with a detail.
 *   - "[fail]" jobs answer their result with 500 and X-Fal-Error-Type: runner_failed;
 *   - x-fal-queue-priority: low queues a job behind every normal one;
 *   - an x-fal-request-timeout (seconds) that passes while the job is still
 *     queued ends it COMPLETED with error_type "request_timeout"; its result
 *     is 504 with X-Fal-Request-Timeout-Type: user;
 *   - an image_url that is a data: URI is decoded, one under {base}/files/
 *     is read back, any other URL gives a reference drawn from its text
 *     (no network); a reference that does not decode gives 422
 *     image_load_error. Images are made in a worker thread.
 *
 * Faults. Status faults (401 403 429 500 502 503 504 expired refuse)
 * refuse the request before anything happens: a refused submit queues no
 * job. Body faults act on the reply of a request that was processed: a
 * submit answered with drop/slow/truncated/malformed still queued its job
 * (as with a real ingress that fails after the fact).
 *   drop        half the body under its full Content-Length, then the
 *               connection closes; on a status stream: one or two events,
 *               never COMPLETED, then the connection closes (libsoup reports
 *               that as a plain end of the chunked body, so a client must
 *               treat an end without COMPLETED as a drop)
 *   truncated   the whole body under a Content-Length 1024 bytes larger, then close
 *   slow        the body in 10 pieces, 120 ms apart
 *   oversized   256 MiB of chunked filler after the real start of the body;
 *               on a status stream, one "data:" line that never ends
 *   malformed-json / wrong-types / missing-fields   JSON replies (and stream events)
 *   not-an-image / huge-dimensions   image replies (a 92-byte PNG claiming
 *               100000 × 100000; a decoder can stop before allocating by
 *               calling gdk_pixbuf_loader_set_size (loader, 0, 0) in
 *               "size-prepared")
 *   refuse      405 (meant for the stream: no SSE support)
 *   504-gateway a gateway timeout (504 without X-Fal-Request-Timeout-Type)
 *   hang        the request is processed (a submit queues its job) but no
 *               byte of the reply is sent: the connection stays open and
 *               silent until the client gives up or the server goes away
 * Note for decoders under G_TEST_OPTION_ISOLATE_DIRS: without a MIME
 * database gdk_pixbuf_loader_new() cannot sniff formats; name the type
 * (gdk_pixbuf_loader_new_with_mime_type) from the Content-Type.
 */

typedef enum
{
  KS_SIM_STEP_ANY,
  KS_SIM_STEP_SUBMIT,
  KS_SIM_STEP_STATUS,      /* GET …/status */
  KS_SIM_STEP_STREAM,      /* GET …/status/stream */
  KS_SIM_STEP_RESULT,      /* GET …/requests/{id} */
  KS_SIM_STEP_CANCEL,
  KS_SIM_STEP_IMAGE,       /* GET of a result image */
  KS_SIM_STEP_UPLOAD,      /* storage initiate and PUT */
  KS_SIM_N_STEPS,
} KsSimStep;

typedef enum
{
  KS_SIM_FAULT_NONE,
  KS_SIM_FAULT_401,             /* {"detail":"No user found for Key ID and Secret"} */
  KS_SIM_FAULT_403,             /* {"detail":"User is locked. Reason: Exhausted balance. …"} */
  KS_SIM_FAULT_429,             /* with Retry-After */
  KS_SIM_FAULT_500,
  KS_SIM_FAULT_502_HTML,        /* an nginx-style HTML page */
  KS_SIM_FAULT_503,
  KS_SIM_FAULT_504_USER_TIMEOUT,/* X-Fal-Request-Timeout-Type: user */
  KS_SIM_FAULT_DROP,            /* the connection closes mid-body (a dropped stream) */
  KS_SIM_FAULT_SLOW,            /* the body trickles out */
  KS_SIM_FAULT_TRUNCATED,       /* Content-Length larger than what is sent */
  KS_SIM_FAULT_MALFORMED_JSON,
  KS_SIM_FAULT_WRONG_TYPES,     /* valid JSON, members of the wrong type */
  KS_SIM_FAULT_MISSING_FIELDS,  /* valid JSON, required members missing */
  KS_SIM_FAULT_NOT_AN_IMAGE,    /* image bytes that are not an image */
  KS_SIM_FAULT_HUGE_DIMENSIONS, /* a real image header claiming absurd dimensions */
  KS_SIM_FAULT_OVERSIZED,       /* a body far over any sane cap */
  KS_SIM_FAULT_EXPIRED,         /* 404 for a request that existed */
  KS_SIM_FAULT_REFUSE,          /* the stream endpoint answers 405/404 (no SSE support) */
  KS_SIM_FAULT_504_GATEWAY,     /* a gateway's 504, without the user-timeout header */
  KS_SIM_FAULT_HANG,            /* the request is taken in and never answered */
} KsSimFault;

#define KS_TYPE_SIM_SERVER (ks_sim_server_get_type ())
G_DECLARE_FINAL_TYPE (KsSimServer, ks_sim_server, KS, SIM_SERVER, GObject)

/* Properties:
 *   queue-delay       ms a job waits IN_QUEUE (default 300); jobs run one
 *                     at a time per "worker", see workers
 *   run-time          ms a job is IN_PROGRESS (default 700)
 *   workers           how many jobs run at once (default 4); the rest queue
 *                     with real queue positions
 *   log-lines         log lines emitted while running (default 4)
 *   log-window        how many of the latest log lines a status carries (default 3)
 *   ping-interval     ms between ": ping" comments on streams (default 10000)
 *   api-key           when set, the only key accepted (Key or Bearer)
 *   result-ttl        ms a completed result is kept (default 1 h)
 *   retry-after       seconds sent with 429 (default 1)
 *   base-url          read-only, "http://127.0.0.1:PORT" once listening
 */
KsSimServer *ks_sim_server_new            (void);
gboolean     ks_sim_server_listen         (KsSimServer  *self,
                                           guint         port,     /* 0: any free port */
                                           GError      **error);
const char  *ks_sim_server_get_base_url   (KsSimServer  *self);

/* Faults: the next @count requests of @step get @fault (count 0: every one
 * until cleared). Faults queue in order per step. */
void         ks_sim_server_add_fault      (KsSimServer  *self,
                                           KsSimStep     step,
                                           KsSimFault    fault,
                                           guint         count);
void         ks_sim_server_clear_faults   (KsSimServer  *self);
/* A scripted plan, e.g. "submit:429*2, stream:drop, result:500, image:not-an-image".
 * Also reachable over HTTP: POST {base}/_sim/plan with the plan as body. A
 * single request can also carry the header "X-Sim-Fault: 500" (it does not
 * use up queued faults). Items are step:fault[*count], separated by commas,
 * semicolons or newlines; count 0 (or "*" alone) means every request until
 * cleared. A plan replaces the faults queued before; on a syntax error
 * nothing changes and @error says which item is wrong. */
gboolean     ks_sim_server_load_plan      (KsSimServer  *self,
                                           const char   *plan,
                                           GError      **error);
KsSimFault   ks_sim_fault_from_string     (const char   *text);   /* "429", "drop", …; KS_SIM_FAULT_NONE if unknown */
KsSimStep    ks_sim_step_from_string      (const char   *text);   /* "submit", …; KS_SIM_N_STEPS if unknown */

/* How many requests each step has received (faulted ones included) and
 * how many jobs were accepted: tests assert retry counts with these. */
guint        ks_sim_server_get_request_count (KsSimServer *self,
                                              KsSimStep    step);
guint        ks_sim_server_get_job_count  (KsSimServer  *self);
/* How many requests of @step were given a fault (queued or by header). */
guint        ks_sim_server_get_fault_count (KsSimServer *self,
                                            KsSimStep    step);
/* TCP connections accepted so far (each counted at its first request). */
guint        ks_sim_server_get_connection_count (KsSimServer *self);
/* The parsed input of the @n-th accepted job (0-based), for assertions. */
JsonNode    *ks_sim_server_get_job_input  (KsSimServer  *self,
                                           guint         n);
/* When a job became COMPLETED (monotonic µs), for benchmarks; 0 if not yet. */
gint64       ks_sim_server_get_completed_time (KsSimServer *self,
                                               const char  *request_id);

G_END_DECLS
