/* ks-sim-server-reply.c: replies, and bodies that go wrong on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-sim-server-private.h"

#define SLOW_PIECES         10
#define SLOW_INTERVAL_MS    120
#define OVERSIZED_CHUNK     (1024 * 1024)
#define OVERSIZED_TOTAL     ((guint64) 256 * 1024 * 1024)

static const char html_502[] =
  "<html>\r\n"
  "<head><title>502 Bad Gateway</title></head>\r\n"
  "<body>\r\n"
  "<center><h1>502 Bad Gateway</h1></center>\r\n"
  "<hr><center>nginx</center>\r\n"
  "</body>\r\n"
  "</html>\r\n";

typedef enum
{
  WRITER_SLOW,
  WRITER_CUT,
  WRITER_OVERSIZED,
} WriterKind;

typedef struct
{
  KsSimServer       *self;
  SoupServerMessage *msg;
  WriterKind         kind;
  GBytes            *body;
  gsize              offset;
  guint64            total;
  GSource           *timer;
  gulong             wrote_chunk_id;
  gulong             finished_id;
  gboolean           closing;
} Writer;

/* ------------------------------------------------------------------ */
/* Bodies that go wrong on the wire                                   */

/* Closes the connection under a message whose body is not complete: the
 * peer sees the stream end early. libsoup then fails its next write and
 * finishes the message. */
void
_ks_sim_server_kill_connection (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);

  soup_message_body_complete (soup_server_message_get_response_body (msg));
  soup_server_message_unpause (msg);
}

/* Takes @msg in and never answers it (the hang fault). */
void
_ks_sim_server_hold (KsSimServer       *self,
                     SoupServerMessage *msg)
{
  soup_server_message_pause (msg);
  self->held = g_list_prepend (self->held, g_object_ref (msg));
}

static void
writer_free (Writer *writer)
{
  _ks_sim_server_clear_source (&writer->timer);
  g_clear_signal_handler (&writer->wrote_chunk_id, writer->msg);
  g_clear_signal_handler (&writer->finished_id, writer->msg);
  g_clear_object (&writer->msg);
  g_clear_pointer (&writer->body, g_bytes_unref);
  g_free (writer);
}

static void
writer_finished_cb (SoupServerMessage *msg,
                    Writer            *writer)
{
  writer->self->writers = g_list_remove (writer->self->writers, writer);
  writer_free (writer);
}

static gboolean
writer_kill_cb (gpointer data)
{
  Writer *writer = data;

  g_clear_pointer (&writer->timer, g_source_unref);
  writer->closing = TRUE;
  _ks_sim_server_kill_connection (writer->msg);

  return G_SOURCE_REMOVE;
}

static gboolean
writer_slow_cb (gpointer data)
{
  Writer *writer = data;
  SoupMessageBody *body = soup_server_message_get_response_body (writer->msg);
  gsize length = g_bytes_get_size (writer->body);
  gsize piece = MAX (1, (length + SLOW_PIECES - 1) / SLOW_PIECES);
  gsize size = MIN (piece, length - writer->offset);

  if (size > 0)
    {
      g_autoptr(GBytes) piece_bytes = g_bytes_new_from_bytes (writer->body, writer->offset, size);

      soup_message_body_append_bytes (body, piece_bytes);
    }
  writer->offset += size;

  if (writer->offset >= length)
    {
      soup_message_body_complete (body);
      writer->closing = TRUE;
      g_clear_pointer (&writer->timer, g_source_unref);
      soup_server_message_unpause (writer->msg);
      return G_SOURCE_REMOVE;
    }

  soup_server_message_unpause (writer->msg);

  return G_SOURCE_CONTINUE;
}

static void
writer_wrote_chunk_cb (SoupServerMessage *msg,
                       Writer            *writer)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  if (writer->closing)
    return;

  switch (writer->kind)
    {
    case WRITER_CUT:
      if (writer->timer == NULL)
        writer->timer = _ks_sim_server_add_timeout (writer->self, 20, writer_kill_cb, writer);
      break;

    case WRITER_OVERSIZED:
      if (writer->total >= OVERSIZED_TOTAL)
        {
          writer->closing = TRUE;
          soup_message_body_complete (body);
        }
      else
        {
          soup_message_body_append_bytes (body, writer->body);
          writer->total += g_bytes_get_size (writer->body);
        }
      break;

    case WRITER_SLOW:
    default:
      break;
    }
}

static void
start_writer (KsSimServer       *self,
              SoupServerMessage *msg,
              WriterKind         kind,
              KsSimFault         fault,
              GBytes            *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *response = soup_server_message_get_response_body (msg);
  Writer *writer = g_new0 (Writer, 1);
  gsize length = g_bytes_get_size (body);

  writer->self = self;
  writer->msg = g_object_ref (msg);
  writer->kind = kind;
  soup_message_body_set_accumulate (response, FALSE);

  switch (kind)
    {
    case WRITER_SLOW:
      writer->body = g_bytes_ref (body);
      soup_message_headers_set_content_length (headers, length);
      writer->timer = _ks_sim_server_add_timeout (self, SLOW_INTERVAL_MS, writer_slow_cb, writer);
      break;

    case WRITER_CUT:
      /* Then the connection closes. A drop: half of the body under its
       * true Content-Length. A truncation: all of it under a
       * Content-Length that promises more. */
      if (fault == KS_SIM_FAULT_TRUNCATED)
        {
          soup_message_headers_set_content_length (headers, length + 1024);
          if (length > 0)
            soup_message_body_append_bytes (response, body);
        }
      else
        {
          g_autoptr(GBytes) half = g_bytes_new_from_bytes (body, 0, MAX (1, length / 2));

          soup_message_headers_set_content_length (headers, MAX (length, 2));
          soup_message_body_append_bytes (response, half);
        }
      break;

    case WRITER_OVERSIZED:
    default:
      {
        guint8 *filler = g_malloc (OVERSIZED_CHUNK);

        memset (filler, ' ', OVERSIZED_CHUNK);
        writer->body = g_bytes_new_take (filler, OVERSIZED_CHUNK);
        soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
        soup_message_body_append_bytes (response, body);
        writer->total = g_bytes_get_size (body);
      }
      break;
    }

  writer->wrote_chunk_id = g_signal_connect (msg, "wrote-chunk",
                                             G_CALLBACK (writer_wrote_chunk_cb), writer);
  writer->finished_id = g_signal_connect (msg, "finished",
                                          G_CALLBACK (writer_finished_cb), writer);
  self->writers = g_list_prepend (self->writers, writer);
}

/* ------------------------------------------------------------------ */
/* Replies                                                            */

/* Sends @body with @status, mangled as @fault asks. Status-code faults
 * are handled before this is reached. */
void
_ks_sim_server_respond (KsSimServer       *self,
                        SoupServerMessage *msg,
                        guint              status,
                        const char        *content_type,
                        GBytes            *body,
                        KsSimFault         fault)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gboolean is_json = g_str_equal (content_type, "application/json");
  gboolean is_image = g_str_has_prefix (content_type, "image/");
  g_autoptr(GBytes) mangled = NULL;

  if (fault == KS_SIM_FAULT_HANG)
    {
      _ks_sim_server_hold (self, msg);
      return;
    }

  soup_server_message_set_status (msg, status, status == 429 ? "Too Many Requests" : NULL);

  if (is_json)
    mangled = _ks_sim_server_json_fault_body (fault, body);
  else if (is_image)
    mangled = _ks_sim_server_image_fault_body (fault, body, &content_type);
  else
    mangled = g_bytes_ref (body);

  soup_message_headers_replace (headers, "Content-Type", content_type);

  /* The faults of the wire; any other body goes out whole. */
  if (fault == KS_SIM_FAULT_DROP || fault == KS_SIM_FAULT_TRUNCATED)
    start_writer (self, msg, WRITER_CUT, fault, mangled);
  else if (fault == KS_SIM_FAULT_SLOW)
    start_writer (self, msg, WRITER_SLOW, fault, mangled);
  else if (fault == KS_SIM_FAULT_OVERSIZED)
    start_writer (self, msg, WRITER_OVERSIZED, fault, mangled);
  else
    {
      if (g_bytes_get_size (mangled) > 0)
        soup_message_body_append_bytes (soup_server_message_get_response_body (msg), mangled);
      soup_message_headers_set_content_length (headers, g_bytes_get_size (mangled));
    }
}

void
_ks_sim_server_respond_text (KsSimServer       *self,
                             SoupServerMessage *msg,
                             guint              status,
                             const char        *text,
                             KsSimFault         fault)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  _ks_sim_server_respond (self, msg, status, "application/json", body, fault);
}

void
_ks_sim_server_respond_detail (KsSimServer       *self,
                               SoupServerMessage *msg,
                               guint              status,
                               const char        *detail,
                               KsSimFault         fault)
{
  g_autofree char *text = _ks_sim_server_detail_json (detail, NULL);

  _ks_sim_server_respond_text (self, msg, status, text, fault);
}

void
_ks_sim_server_set_request_id (SoupServerMessage *msg,
                               const char        *request_id)
{
  if (request_id != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "x-fal-request-id", request_id);
}

/* Status-code faults: the request is refused before it is processed.
 * Returns TRUE when @fault was one of them. */
gboolean
_ks_sim_server_respond_fault_code (KsSimServer       *self,
                                   SoupServerMessage *msg,
                                   KsSimFault         fault,
                                   const char        *request_id)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *text = NULL;

  switch (fault)
    {
    case KS_SIM_FAULT_401:
      _ks_sim_server_respond_detail (self, msg, 401, DETAIL_401, KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_403:
      _ks_sim_server_respond_detail (self, msg, 403, DETAIL_403, KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_429:
      text = g_strdup_printf ("%u", self->retry_after);
      soup_message_headers_replace (headers, "Retry-After", text);
      _ks_sim_server_respond_detail (self, msg, 429, "Too many requests. Slow down and retry later.", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_500:
      _ks_sim_server_set_request_id (msg, request_id);
      _ks_sim_server_respond_detail (self, msg, 500, "Internal Server Error", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_502_HTML:
      {
        g_autoptr(GBytes) body = g_bytes_new_static (html_502, strlen (html_502));

        soup_message_headers_replace (headers, "Server", "nginx");
        _ks_sim_server_respond (self, msg, 502, "text/html", body, KS_SIM_FAULT_NONE);
      }
      return TRUE;

    case KS_SIM_FAULT_503:
      _ks_sim_server_respond_detail (self, msg, 503, "Service Unavailable", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_504_USER_TIMEOUT:
      _ks_sim_server_set_request_id (msg, request_id);
      soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
      soup_message_headers_replace (headers, "X-Fal-Error-Type", "request_timeout");
      text = _ks_sim_server_detail_json (DETAIL_TIMEOUT, "request_timeout");
      _ks_sim_server_respond_text (self, msg, 504, text, KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_EXPIRED:
      _ks_sim_server_set_request_id (msg, request_id);
      _ks_sim_server_respond_detail (self, msg, 404, "Request not found. It may have expired.", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_REFUSE:
      _ks_sim_server_respond_detail (self, msg, 405, "Method Not Allowed", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_504_GATEWAY:
      _ks_sim_server_respond_detail (self, msg, 504, "Gateway Timeout", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_NONE:
    case KS_SIM_FAULT_DROP:
    case KS_SIM_FAULT_SLOW:
    case KS_SIM_FAULT_TRUNCATED:
    case KS_SIM_FAULT_MALFORMED_JSON:
    case KS_SIM_FAULT_WRONG_TYPES:
    case KS_SIM_FAULT_MISSING_FIELDS:
    case KS_SIM_FAULT_NOT_AN_IMAGE:
    case KS_SIM_FAULT_HUGE_DIMENSIONS:
    case KS_SIM_FAULT_OVERSIZED:
    case KS_SIM_FAULT_HANG:
    default:
      return FALSE;
    }
}

/* Lets go of the messages still being written, before the server closes
 * them, so no handler of ours runs on a half-destroyed server. */
void
_ks_sim_server_close_writers (KsSimServer *self)
{
  g_clear_list (&self->writers, (GDestroyNotify) writer_free);
}
