/* ks-sim-server-private.h: what the parts of KsSimServer share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ks-endpoint.h"
#include "ks-sim-server.h"

G_BEGIN_DECLS

/* The parts:
 *   ks-sim-server.c          the object, its properties, listen, counters
 *   ks-sim-server-routes.c   HTTP routing, auth, submit/status/result/cancel replies
 *   ks-sim-server-queue.c    jobs: the queue, workers, time-driven states, logs
 *   ks-sim-server-model.c    the simulated model: validation (422), images in a thread
 *   ks-sim-server-stream.c   status streams (SSE) with pings
 *   ks-sim-server-storage.c  storage initiate/PUT and the files served
 *   ks-sim-server-faults.c   fault queues, plans, what a fault does to a body
 *   ks-sim-server-reply.c    replies, status-code faults, bodies that go wrong on the wire
 */

#define DETAIL_401       "No user found for Key ID and Secret"
#define DETAIL_403       "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."
#define DETAIL_CANCELLED "Request cancelled by the user."
#define DETAIL_TIMEOUT   "Request timed out before it could start."

typedef enum
{
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_COMPLETED,
} JobState;

typedef struct
{
  GBytes *bytes;
  char   *content_type;
  char   *path;          /* pending uploads: where the bytes will be served */
} StoredFile;

typedef struct
{
  KsSimServer  *self;          /* unowned */
  char         *id;
  char         *app_root;      /* "owner/alias" */
  KsMode        mode;
  JsonNode     *input;
  JobState      state;
  gboolean      low_priority;  /* x-fal-queue-priority: low */
  gboolean      ready;         /* the queue delay has passed */
  GSource      *timer;         /* queue delay, then run time */
  GSource      *log_timer;
  GSource      *deadline;      /* x-fal-request-timeout */
  GSource      *expire;
  GCancellable *cancellable;   /* image generation */
  GPtrArray    *logs;          /* LogEntry */
  guint         logs_emitted;
  gboolean      run_elapsed;
  gboolean      images_ready;
  gint64        started_us;
  gint64        completed_us;
  char         *error;
  char         *error_type;
  guint         result_status;
  char         *result_body;
  char         *result_error_type;
  GPtrArray    *file_paths;    /* keys in self->files */
} Job;

struct _KsSimServer
{
  GObject       parent_instance;

  SoupServer   *soup;
  GMainContext *context;
  char         *base_url;
  char         *api_key;

  guint         queue_delay;
  guint         run_time;
  guint         workers;
  guint         log_lines;
  guint         log_window;
  guint         ping_interval;
  guint         result_ttl;
  guint         retry_after;

  GHashTable   *jobs;            /* id → Job */
  GQueue        queue;           /* Job, waiting, in submit order */
  guint         running;
  GPtrArray    *inputs;          /* JsonNode, per accepted job */
  GHashTable   *completed_times; /* id → gint64 * */
  GHashTable   *files;           /* "/files/…" → StoredFile */
  GHashTable   *uploads;         /* token → StoredFile (content type and path) */
  GQueue        faults[KS_SIM_N_STEPS];
  guint         counts[KS_SIM_N_STEPS];
  guint         faulted[KS_SIM_N_STEPS];
  guint         connections;     /* TCP connections accepted */
  GList        *streams;         /* Stream */
  GList        *writers;         /* Writer */
  GList        *held;            /* SoupServerMessage never answered (hang) */
};

/* ks-sim-server.c: shared by the parts */
GSource    *_ks_sim_server_add_timeout         (KsSimServer        *self,
                                                guint               interval_ms,
                                                GSourceFunc         func,
                                                gpointer            data);
void        _ks_sim_server_clear_source        (GSource           **source);
char       *_ks_sim_server_node_to_string      (JsonNode           *node);
void        _ks_sim_server_add_string_member   (JsonBuilder        *builder,
                                                const char         *name,
                                                const char         *value);
char       *_ks_sim_server_detail_json         (const char         *detail,
                                                const char         *error_type);

/* ks-sim-server-routes.c */
void        _ks_sim_server_handle_request      (SoupServer         *server,
                                                SoupServerMessage  *msg,
                                                const char         *path,
                                                GHashTable         *query,
                                                gpointer            user_data);
JsonNode   *_ks_sim_server_read_json_object    (SoupServerMessage  *msg);

/* ks-sim-server-queue.c */
Job        *_ks_sim_server_job_submit          (KsSimServer        *self,
                                                const char         *endpoint_id,
                                                KsMode              mode,
                                                JsonNode           *input,
                                                gboolean            low_priority,
                                                double              timeout_seconds);
void        _ks_sim_server_job_free            (Job                *job);
JsonNode   *_ks_sim_server_job_status_node     (KsSimServer        *self,
                                                Job                *job,
                                                gboolean            with_logs);
char       *_ks_sim_server_job_status_text     (KsSimServer        *self,
                                                Job                *job,
                                                gboolean            with_logs);
void        _ks_sim_server_job_complete        (KsSimServer        *self,
                                                Job                *job,
                                                const char         *error,
                                                const char         *error_type);
void        _ks_sim_server_job_maybe_complete  (KsSimServer        *self,
                                                Job                *job);
void        _ks_sim_server_schedule            (KsSimServer        *self);

/* ks-sim-server-model.c */
void        _ks_sim_server_model_run           (KsSimServer        *self,
                                                Job                *job);
void        _ks_sim_server_job_set_result      (Job                *job,
                                                guint               status,
                                                char               *body,
                                                const char         *error_type);
void        _ks_sim_server_add_detail          (JsonArray          *details,
                                                const char         *field,
                                                const char         *msg,
                                                const char         *type,
                                                JsonNode           *input);
char       *_ks_sim_server_details_json        (JsonArray          *details);

/* ks-sim-server-stream.c */
void        _ks_sim_server_start_stream        (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                Job                *job,
                                                gboolean            with_logs,
                                                KsSimFault          fault);
void        _ks_sim_server_job_changed         (KsSimServer        *self,
                                                Job                *job);
void        _ks_sim_server_forget_job          (KsSimServer        *self,
                                                Job                *job);
void        _ks_sim_server_close_streams       (KsSimServer        *self);

/* ks-sim-server-storage.c */
StoredFile *_ks_sim_server_stored_file_new     (GBytes             *bytes,
                                                const char         *content_type);
void        _ks_sim_server_stored_file_free    (gpointer            data);
void        _ks_sim_server_handle_upload_initiate (KsSimServer     *self,
                                                SoupServerMessage  *msg,
                                                KsSimFault          fault);
void        _ks_sim_server_handle_upload_put   (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                const char         *token,
                                                KsSimFault          fault);
void        _ks_sim_server_handle_file         (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                const char         *path,
                                                KsSimFault          fault);

/* ks-sim-server-faults.c */
KsSimFault  _ks_sim_server_take_fault          (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                KsSimStep           step);
GBytes     *_ks_sim_server_json_fault_body     (KsSimFault          fault,
                                                GBytes             *body);
GBytes     *_ks_sim_server_image_fault_body    (KsSimFault          fault,
                                                GBytes             *body,
                                                const char        **content_type);

/* ks-sim-server-reply.c */
void        _ks_sim_server_respond             (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                guint               status,
                                                const char         *content_type,
                                                GBytes             *body,
                                                KsSimFault          fault);
void        _ks_sim_server_respond_text        (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                guint               status,
                                                const char         *text,
                                                KsSimFault          fault);
void        _ks_sim_server_respond_detail      (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                guint               status,
                                                const char         *detail,
                                                KsSimFault          fault);
void        _ks_sim_server_set_request_id      (SoupServerMessage  *msg,
                                                const char         *request_id);
gboolean    _ks_sim_server_respond_fault_code  (KsSimServer        *self,
                                                SoupServerMessage  *msg,
                                                KsSimFault          fault,
                                                const char         *request_id);
void        _ks_sim_server_kill_connection     (SoupServerMessage  *msg);
void        _ks_sim_server_hold                (KsSimServer        *self,
                                                SoupServerMessage  *msg);
void        _ks_sim_server_close_writers       (KsSimServer        *self);

G_END_DECLS
