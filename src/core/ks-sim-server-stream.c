/* ks-sim-server-stream.c: status streams (server-sent events) with pings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-sim-server-private.h"

#define DROP_DELAY_MS 150   /* a dropping stream: how long after its last event */

typedef struct
{
  KsSimServer       *self;
  Job               *job;      /* unowned, NULL once the job is gone */
  SoupServerMessage *msg;
  gboolean           with_logs;
  KsSimFault         fault;
  guint              events;
  char              *last_text;
  GSource           *ping;
  GSource           *drop_timer;
  gulong             finished_id;
  gboolean           closing;
} Stream;

static void
stream_free (Stream *stream)
{
  _ks_sim_server_clear_source (&stream->ping);
  _ks_sim_server_clear_source (&stream->drop_timer);
  g_clear_signal_handler (&stream->finished_id, stream->msg);
  g_clear_object (&stream->msg);
  g_free (stream->last_text);
  g_free (stream);
}

static void
stream_finished_cb (SoupServerMessage *msg,
                    Stream            *stream)
{
  stream->self->streams = g_list_remove (stream->self->streams, stream);
  stream_free (stream);
}

static void
stream_kill (Stream *stream)
{
  if (stream->closing)
    return;

  stream->closing = TRUE;
  _ks_sim_server_clear_source (&stream->ping);
  _ks_sim_server_clear_source (&stream->drop_timer);
  _ks_sim_server_kill_connection (stream->msg);
}

static gboolean
stream_drop_cb (gpointer data)
{
  Stream *stream = data;

  g_clear_pointer (&stream->drop_timer, g_source_unref);
  stream_kill (stream);

  return G_SOURCE_REMOVE;
}

static gboolean
stream_ping_cb (gpointer data)
{
  Stream *stream = data;

  soup_message_body_append (soup_server_message_get_response_body (stream->msg),
                            SOUP_MEMORY_STATIC, ": ping\n\n", 8);
  soup_server_message_unpause (stream->msg);

  return G_SOURCE_CONTINUE;
}

static void
stream_emit (Stream *stream)
{
  KsSimServer *self = stream->self;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) event = NULL;
  g_autoptr(GBytes) mangled = NULL;
  g_autoptr(GString) chunk = NULL;
  gboolean completed;

  if (stream->closing || stream->job == NULL)
    return;

  completed = stream->job->state == JOB_COMPLETED;

  if (stream->fault == KS_SIM_FAULT_DROP && (completed || stream->events >= 2))
    {
      /* Never the COMPLETED event; the headers still go out first. */
      if (stream->drop_timer == NULL)
        stream->drop_timer = _ks_sim_server_add_timeout (self, 20, stream_drop_cb, stream);
      return;
    }

  text = _ks_sim_server_job_status_text (self, stream->job, stream->with_logs);
  if (g_strcmp0 (text, stream->last_text) == 0)
    return;

  event = g_bytes_new (text, strlen (text));
  mangled = _ks_sim_server_json_fault_body (stream->fault, event);
  chunk = g_string_new ("data: ");
  g_string_append_len (chunk, g_bytes_get_data (mangled, NULL), g_bytes_get_size (mangled));
  g_string_append (chunk, "\n\n");
  soup_message_body_append (body, SOUP_MEMORY_COPY, chunk->str, chunk->len);

  g_free (stream->last_text);
  stream->last_text = g_steal_pointer (&text);
  stream->events++;

  if (completed)
    {
      stream->closing = TRUE;
      _ks_sim_server_clear_source (&stream->ping);
      soup_message_body_complete (body);
    }
  else if (stream->fault == KS_SIM_FAULT_DROP && stream->drop_timer == NULL)
    stream->drop_timer = _ks_sim_server_add_timeout (self, DROP_DELAY_MS, stream_drop_cb, stream);

  soup_server_message_unpause (stream->msg);
}

/* Every stream of @job sends the job's status, unless it repeats itself. */
void
_ks_sim_server_job_changed (KsSimServer *self,
                            Job         *job)
{
  g_autoptr(GList) streams = g_list_copy (self->streams);

  for (GList *l = streams; l != NULL; l = l->next)
    {
      Stream *stream = l->data;

      if (stream->job == job)
        stream_emit (stream);
    }
}

void
_ks_sim_server_start_stream (KsSimServer       *self,
                             SoupServerMessage *msg,
                             Job               *job,
                             gboolean           with_logs,
                             KsSimFault         fault)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  Stream *stream = g_new0 (Stream, 1);

  stream->self = self;
  stream->job = job;
  stream->msg = g_object_ref (msg);
  stream->with_logs = with_logs;
  stream->fault = fault;

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (headers, "Content-Type", "text/event-stream");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  _ks_sim_server_set_request_id (msg, job->id);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  stream->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), stream);
  self->streams = g_list_prepend (self->streams, stream);

  if (self->ping_interval > 0)
    stream->ping = _ks_sim_server_add_timeout (self, self->ping_interval, stream_ping_cb, stream);

  stream_emit (stream);
}

/* @job is going away: its streams send nothing more. */
void
_ks_sim_server_forget_job (KsSimServer *self,
                           Job         *job)
{
  for (GList *l = self->streams; l != NULL; l = l->next)
    {
      Stream *stream = l->data;

      if (stream->job == job)
        stream->job = NULL;
    }
}

/* Lets go of every open stream, before the server closes them, so no
 * handler of ours runs on a half-destroyed server. */
void
_ks_sim_server_close_streams (KsSimServer *self)
{
  g_clear_list (&self->streams, (GDestroyNotify) stream_free);
}
