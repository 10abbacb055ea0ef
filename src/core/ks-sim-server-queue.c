/* ks-sim-server-queue.c: jobs: the queue, workers, time-driven states and logs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-sim-server-private.h"
#include "ks-json.h"

/* A job waits queue-delay ms, then for a free worker, runs run-time ms
 * while its log lines come out, and once its images are made too it is
 * COMPLETED; its result is kept result-ttl ms. */

/* Which simulated log line speaks of the reference image. */
#define REFERENCE_LOG_LINE 2

typedef struct
{
  char *message;
  char *timestamp;
} LogEntry;

static void
log_entry_free (gpointer data)
{
  LogEntry *entry = data;

  g_free (entry->message);
  g_free (entry->timestamp);
  g_free (entry);
}

static char *
iso_timestamp_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static char *
job_url (KsSimServer *self,
         Job         *job,
         const char  *suffix)
{
  return g_strdup_printf ("%s/%s/requests/%s%s", self->base_url, job->app_root, job->id, suffix);
}

static guint
job_queue_position (KsSimServer *self,
                    Job         *job)
{
  int index = g_queue_index (&self->queue, job);

  return index < 0 ? 0 : (guint) index;
}

void
_ks_sim_server_job_free (Job *job)
{
  KsSimServer *self = job->self;

  _ks_sim_server_clear_source (&job->timer);
  _ks_sim_server_clear_source (&job->log_timer);
  _ks_sim_server_clear_source (&job->deadline);
  _ks_sim_server_clear_source (&job->expire);
  g_cancellable_cancel (job->cancellable);
  g_clear_object (&job->cancellable);

  _ks_sim_server_forget_job (self, job);

  g_clear_pointer (&job->logs, g_ptr_array_unref);
  g_clear_pointer (&job->file_paths, g_ptr_array_unref);
  g_clear_pointer (&job->input, json_node_unref);
  g_free (job->id);
  g_free (job->app_root);
  g_free (job->error);
  g_free (job->error_type);
  g_free (job->result_body);
  g_free (job->result_error_type);
  g_free (job);
}

JsonNode *
_ks_sim_server_job_status_node (KsSimServer *self,
                                Job         *job,
                                gboolean     with_logs)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *response_url = job_url (self, job, "");
  g_autofree char *status_url = job_url (self, job, "/status");
  g_autofree char *cancel_url = job_url (self, job, "/cancel");
  const char *status;

  switch (job->state)
    {
    case JOB_QUEUED: status = "IN_QUEUE"; break;
    case JOB_RUNNING: status = "IN_PROGRESS"; break;
    case JOB_COMPLETED:
    default: status = "COMPLETED"; break;
    }

  json_builder_begin_object (builder);
  _ks_sim_server_add_string_member (builder, "status", status);
  _ks_sim_server_add_string_member (builder, "request_id", job->id);
  _ks_sim_server_add_string_member (builder, "response_url", response_url);
  _ks_sim_server_add_string_member (builder, "status_url", status_url);
  _ks_sim_server_add_string_member (builder, "cancel_url", cancel_url);

  if (job->state == JOB_QUEUED)
    {
      json_builder_set_member_name (builder, "queue_position");
      json_builder_add_int_value (builder, job_queue_position (self, job));
    }

  json_builder_set_member_name (builder, "logs");
  if (with_logs)
    {
      guint first = job->logs->len > self->log_window ? job->logs->len - self->log_window : 0;

      json_builder_begin_array (builder);
      for (guint i = first; i < job->logs->len; i++)
        {
          LogEntry *entry = g_ptr_array_index (job->logs, i);

          json_builder_begin_object (builder);
          _ks_sim_server_add_string_member (builder, "message", entry->message);
          _ks_sim_server_add_string_member (builder, "timestamp", entry->timestamp);
          _ks_sim_server_add_string_member (builder, "level", "INFO");
          _ks_sim_server_add_string_member (builder, "source", "USER");
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  else
    json_builder_add_null_value (builder);

  if (job->state != JOB_QUEUED)
    {
      json_builder_set_member_name (builder, "metrics");
      json_builder_begin_object (builder);
      if (job->state == JOB_COMPLETED && job->started_us > 0)
        {
          json_builder_set_member_name (builder, "inference_time");
          json_builder_add_double_value (builder, (job->completed_us - job->started_us) / 1e6);
        }
      json_builder_end_object (builder);
    }

  if (job->state == JOB_COMPLETED && job->error != NULL)
    {
      _ks_sim_server_add_string_member (builder, "error", job->error);
      _ks_sim_server_add_string_member (builder, "error_type", job->error_type);
    }

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
_ks_sim_server_job_status_text (KsSimServer *self,
                                Job         *job,
                                gboolean     with_logs)
{
  g_autoptr(JsonNode) node = _ks_sim_server_job_status_node (self, job, with_logs);

  return _ks_sim_server_node_to_string (node);
}

static gboolean
job_expire_cb (gpointer data)
{
  Job *job = data;
  KsSimServer *self = job->self;

  g_clear_pointer (&job->expire, g_source_unref);
  for (guint i = 0; i < job->file_paths->len; i++)
    g_hash_table_remove (self->files, g_ptr_array_index (job->file_paths, i));
  g_hash_table_remove (self->jobs, job->id);

  return G_SOURCE_REMOVE;
}

/* Whether the job's input names the image(s) it edits. */
static gboolean
job_has_reference (Job *job)
{
  JsonObject *input = json_node_get_object (job->input);

  switch (job->mode)
    {
    case KS_MODE_EDIT:
      return ks_json_get_string_member (input, "image_url") != NULL;

    case KS_MODE_MULTI:
      return ks_json_get_array_member (input, "image_urls") != NULL;

    case KS_MODE_TEXT_TO_IMAGE:
    default:
      return FALSE;
    }
}

static void
job_append_log (KsSimServer *self,
                Job         *job)
{
  static const char *messages[] = {
    "Loading FLUX.1 Kontext weights",
    "Encoding the prompt",
    "Encoding the reference image",
    "Denoising",
    "Decoding latents",
    "Running the safety checker",
    "Uploading images",
  };
  LogEntry *entry = g_new0 (LogEntry, 1);
  guint n = job->logs_emitted++;
  guint line = n;

  /* Text to image has no reference to encode. */
  if (line >= REFERENCE_LOG_LINE && !job_has_reference (job))
    line++;

  if (line < G_N_ELEMENTS (messages))
    entry->message = g_strdup (messages[line]);
  else
    entry->message = g_strdup_printf ("Step %u of %u", n + 1, self->log_lines);
  entry->timestamp = iso_timestamp_now ();
  g_ptr_array_add (job->logs, entry);
}

void
_ks_sim_server_job_complete (KsSimServer *self,
                             Job         *job,
                             const char  *error,
                             const char  *error_type)
{
  gint64 *completed;

  g_assert (job->state != JOB_COMPLETED);

  _ks_sim_server_clear_source (&job->timer);
  _ks_sim_server_clear_source (&job->log_timer);
  _ks_sim_server_clear_source (&job->deadline);
  g_cancellable_cancel (job->cancellable);

  if (job->state == JOB_RUNNING)
    {
      g_assert (self->running > 0);
      self->running--;
      /* A finished run has told all it had to say. */
      if (error == NULL)
        while (job->logs_emitted < self->log_lines)
          job_append_log (self, job);
    }
  else
    g_queue_remove (&self->queue, job);

  job->state = JOB_COMPLETED;
  job->completed_us = g_get_monotonic_time ();
  completed = g_new (gint64, 1);
  *completed = job->completed_us;
  g_hash_table_replace (self->completed_times, g_strdup (job->id), completed);

  if (error != NULL && error != job->error)
    {
      g_free (job->error);
      g_free (job->error_type);
      job->error = g_strdup (error);
      job->error_type = g_strdup (error_type);
    }

  job->expire = _ks_sim_server_add_timeout (self, self->result_ttl, job_expire_cb, job);

  _ks_sim_server_job_changed (self, job);
  _ks_sim_server_schedule (self);
}

void
_ks_sim_server_job_maybe_complete (KsSimServer *self,
                                   Job         *job)
{
  if (job->state == JOB_RUNNING && job->run_elapsed && job->images_ready)
    _ks_sim_server_job_complete (self, job, job->error, job->error_type);
}

static gboolean
job_log_cb (gpointer data)
{
  Job *job = data;
  KsSimServer *self = job->self;

  if (job->logs_emitted >= self->log_lines)
    {
      g_clear_pointer (&job->log_timer, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  job_append_log (self, job);
  _ks_sim_server_job_changed (self, job);

  return G_SOURCE_CONTINUE;
}

static gboolean
job_run_elapsed_cb (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->timer, g_source_unref);
  job->run_elapsed = TRUE;
  _ks_sim_server_job_maybe_complete (job->self, job);

  return G_SOURCE_REMOVE;
}

static gboolean
job_ready_cb (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->timer, g_source_unref);
  job->ready = TRUE;
  _ks_sim_server_schedule (job->self);

  return G_SOURCE_REMOVE;
}

static gboolean
job_deadline_cb (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->deadline, g_source_unref);
  if (job->state == JOB_QUEUED)
    {
      _ks_sim_server_job_set_result (job, 504,
                                     _ks_sim_server_detail_json (DETAIL_TIMEOUT, "request_timeout"),
                                     "request_timeout");
      _ks_sim_server_job_complete (job->self, job, DETAIL_TIMEOUT, "request_timeout");
    }

  return G_SOURCE_REMOVE;
}

static void
job_start (KsSimServer *self,
           Job         *job)
{
  g_assert (job->state == JOB_QUEUED);

  g_queue_remove (&self->queue, job);
  self->running++;
  job->state = JOB_RUNNING;
  job->started_us = g_get_monotonic_time ();
  _ks_sim_server_clear_source (&job->deadline);

  job->timer = _ks_sim_server_add_timeout (self, self->run_time, job_run_elapsed_cb, job);
  if (self->log_lines > 0)
    job->log_timer = _ks_sim_server_add_timeout (self, MAX (1, self->run_time / (self->log_lines + 1)),
                                                 job_log_cb, job);

  _ks_sim_server_model_run (self, job);
  _ks_sim_server_job_changed (self, job);
}

void
_ks_sim_server_schedule (KsSimServer *self)
{
  while (self->running < self->workers)
    {
      Job *next = NULL;

      for (GList *l = self->queue.head; l != NULL; l = l->next)
        {
          Job *job = l->data;

          if (job->ready)
            {
              next = job;
              break;
            }
        }

      if (next == NULL)
        break;

      job_start (self, next);
    }

  /* Everyone behind may have moved up (streams skip repeats). */
  for (GList *l = self->queue.head; l != NULL; l = l->next)
    _ks_sim_server_job_changed (self, l->data);
}

/* Queues a job for @input; it starts once the queue delay has passed and
 * a worker is free. A low-priority job waits behind every normal one. A
 * @timeout_seconds above 0 is a deadline for starting. */
Job *
_ks_sim_server_job_submit (KsSimServer *self,
                           const char  *endpoint_id,
                           KsMode       mode,
                           JsonNode    *input,
                           gboolean     low_priority,
                           double       timeout_seconds)
{
  g_auto(GStrv) segments = g_strsplit (endpoint_id, "/", 3);
  Job *job = g_new0 (Job, 1);

  g_assert (segments[0] != NULL && segments[1] != NULL);

  job->self = self;
  job->id = g_uuid_string_random ();
  job->app_root = g_strdup_printf ("%s/%s", segments[0], segments[1]);
  job->mode = mode;
  job->input = json_node_ref (input);
  job->state = JOB_QUEUED;
  job->low_priority = low_priority;
  job->cancellable = g_cancellable_new ();
  job->logs = g_ptr_array_new_with_free_func (log_entry_free);
  job->file_paths = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_insert (self->jobs, job->id, job);
  g_ptr_array_add (self->inputs, json_node_ref (input));

  if (low_priority)
    g_queue_push_tail (&self->queue, job);
  else
    {
      GList *l;

      for (l = self->queue.head; l != NULL; l = l->next)
        if (((Job *) l->data)->low_priority)
          break;

      if (l != NULL)
        g_queue_insert_before (&self->queue, l, job);
      else
        g_queue_push_tail (&self->queue, job);
    }
  job->timer = _ks_sim_server_add_timeout (self, self->queue_delay, job_ready_cb, job);

  if (timeout_seconds > 0)
    job->deadline = _ks_sim_server_add_timeout (self, (guint) MIN (timeout_seconds * 1000, G_MAXUINT),
                                                job_deadline_cb, job);

  return job;
}
