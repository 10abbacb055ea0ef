/* ks-sim-server.c: a fal-compatible queue service on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ks-core-enums.h"
#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-sim-image.h"
#include "ks-sim-server.h"

#define KONTEXT_PREFIX      "fal-ai/flux-pro/kontext"
#define SLOW_PIECES         10
#define SLOW_INTERVAL_MS    120
#define OVERSIZED_CHUNK     (1024 * 1024)
#define OVERSIZED_TOTAL     ((guint64) 256 * 1024 * 1024)
#define DROP_DELAY_MS       150
#define MAX_REFERENCE_PIXELS (64 * 1024 * 1024)

#define DETAIL_401 "No user found for Key ID and Secret"
#define DETAIL_403 "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."
#define DETAIL_CANCELLED "Request cancelled by the user."

static const char *aspect_ratios[] = {
  "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21", NULL
};

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
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_COMPLETED,
} JobState;

typedef struct
{
  char *message;
  char *timestamp;
} LogEntry;

typedef struct
{
  GBytes *bytes;
  char   *content_type;
  char   *path;          /* pending uploads: where the bytes will be served */
} StoredFile;

typedef struct
{
  KsSimFault fault;
  guint      remaining;  /* 0: until cleared */
} FaultEntry;

typedef struct
{
  KsSimStep  step;
  KsSimFault fault;
  guint      count;
} PlanItem;

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
  GList        *streams;
  GList        *writers;
};

G_DEFINE_FINAL_TYPE (KsSimServer, ks_sim_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_QUEUE_DELAY,
  PROP_RUN_TIME,
  PROP_WORKERS,
  PROP_LOG_LINES,
  PROP_LOG_WINDOW,
  PROP_PING_INTERVAL,
  PROP_API_KEY,
  PROP_RESULT_TTL,
  PROP_RETRY_AFTER,
  PROP_BASE_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void job_changed    (KsSimServer *self,
                            Job         *job);
static void schedule       (KsSimServer *self);

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static GSource *
add_timeout (KsSimServer *self,
             guint        interval_ms,
             GSourceFunc  func,
             gpointer     data)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);

  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
log_entry_free (gpointer data)
{
  LogEntry *entry = data;

  g_free (entry->message);
  g_free (entry->timestamp);
  g_free (entry);
}

static void
stored_file_free (gpointer data)
{
  StoredFile *file = data;

  g_clear_pointer (&file->bytes, g_bytes_unref);
  g_free (file->content_type);
  g_free (file->path);
  g_free (file);
}

static StoredFile *
stored_file_new (GBytes     *bytes,
                 const char *content_type)
{
  StoredFile *file = g_new0 (StoredFile, 1);

  file->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  file->content_type = g_strdup (content_type);

  return file;
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);

  return json_generator_to_data (generator, NULL);
}

static char *
detail_json (const char *detail,
             const char *error_type)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, detail);
  if (error_type != NULL)
    {
      json_builder_set_member_name (builder, "error_type");
      json_builder_add_string_value (builder, error_type);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return node_to_string (root);
}

static gboolean
query_flag (GHashTable *query,
            const char *name)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  return value != NULL &&
         (g_str_equal (value, "1") || g_ascii_strcasecmp (value, "true") == 0);
}

static char *
iso_timestamp_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

KsSimFault
ks_sim_fault_from_string (const char *text)
{
  g_autofree char *nick = NULL;
  GEnumClass *klass;
  GEnumValue *value;

  if (text == NULL)
    return KS_SIM_FAULT_NONE;

  nick = g_strstrip (g_ascii_strdown (text, -1));
  g_strdelimit (nick, "_ ", '-');

  if (g_str_equal (nick, "502"))
    return KS_SIM_FAULT_502_HTML;
  if (g_str_equal (nick, "504") || g_str_equal (nick, "504-user") ||
      g_str_equal (nick, "user-timeout"))
    return KS_SIM_FAULT_504_USER_TIMEOUT;
  if (g_str_equal (nick, "malformed"))
    return KS_SIM_FAULT_MALFORMED_JSON;
  if (g_str_equal (nick, "huge"))
    return KS_SIM_FAULT_HUGE_DIMENSIONS;

  klass = g_type_class_ref (KS_TYPE_SIM_FAULT);
  value = g_enum_get_value_by_nick (klass, nick);
  g_type_class_unref (klass);

  return value != NULL ? (KsSimFault) value->value : KS_SIM_FAULT_NONE;
}

KsSimStep
ks_sim_step_from_string (const char *text)
{
  g_autofree char *nick = NULL;
  GEnumClass *klass;
  GEnumValue *value;

  if (text == NULL)
    return KS_SIM_N_STEPS;

  nick = g_strstrip (g_ascii_strdown (text, -1));
  if (g_str_equal (nick, "*"))
    return KS_SIM_STEP_ANY;
  if (g_str_equal (nick, "n-steps"))
    return KS_SIM_N_STEPS;

  klass = g_type_class_ref (KS_TYPE_SIM_STEP);
  value = g_enum_get_value_by_nick (klass, nick);
  if (value == NULL)
    {
      g_autofree char *prefixed = g_strconcat ("step-", nick, NULL);

      value = g_enum_get_value_by_nick (klass, prefixed);
    }
  g_type_class_unref (klass);

  return value != NULL ? (KsSimStep) value->value : KS_SIM_N_STEPS;
}

void
ks_sim_server_add_fault (KsSimServer *self,
                         KsSimStep    step,
                         KsSimFault   fault,
                         guint        count)
{
  FaultEntry *entry;

  g_return_if_fail (KS_IS_SIM_SERVER (self));
  g_return_if_fail (step < KS_SIM_N_STEPS);

  if (fault == KS_SIM_FAULT_NONE)
    return;

  entry = g_new0 (FaultEntry, 1);
  entry->fault = fault;
  entry->remaining = count;
  g_queue_push_tail (&self->faults[step], entry);
}

void
ks_sim_server_clear_faults (KsSimServer *self)
{
  g_return_if_fail (KS_IS_SIM_SERVER (self));

  for (guint i = 0; i < KS_SIM_N_STEPS; i++)
    g_queue_clear_full (&self->faults[i], g_free);
}

gboolean
ks_sim_server_load_plan (KsSimServer  *self,
                         const char   *plan,
                         GError      **error)
{
  g_auto(GStrv) items = NULL;
  g_autoptr(GArray) parsed = NULL;

  g_return_val_if_fail (KS_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);

  parsed = g_array_new (FALSE, FALSE, sizeof (PlanItem));
  items = g_strsplit_set (plan, ",;\n", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) step_and_fault = NULL;
      g_auto(GStrv) fault_and_count = NULL;
      char *item = g_strstrip (items[i]);
      PlanItem parsed_item = { KS_SIM_STEP_ANY, KS_SIM_FAULT_NONE, 1 };

      if (*item == '\0' || *item == '#')
        continue;

      step_and_fault = g_strsplit (item, ":", 2);
      if (g_strv_length (step_and_fault) != 2)
        {
          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       _("“%s” in the fault plan is not of the form step:fault[*count]."), item);
          return FALSE;
        }

      parsed_item.step = ks_sim_step_from_string (step_and_fault[0]);
      if (parsed_item.step == KS_SIM_N_STEPS)
        {
          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       _("“%s” in the fault plan is not a step (submit, status, stream, result, cancel, image, upload or any)."),
                       g_strstrip (step_and_fault[0]));
          return FALSE;
        }

      fault_and_count = g_strsplit (step_and_fault[1], "*", 2);
      parsed_item.fault = ks_sim_fault_from_string (fault_and_count[0]);
      if (parsed_item.fault == KS_SIM_FAULT_NONE)
        {
          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       _("“%s” in the fault plan is not a known fault."),
                       g_strstrip (fault_and_count[0]));
          return FALSE;
        }

      if (fault_and_count[1] != NULL)
        {
          const char *count = g_strstrip (fault_and_count[1]);
          guint64 value;

          if (g_str_equal (count, "") || g_str_equal (count, "inf") || g_str_equal (count, "*"))
            value = 0;
          else if (!g_ascii_string_to_unsigned (count, 10, 0, G_MAXUINT, &value, NULL))
            {
              g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                           _("“%s” in the fault plan is not a count."), count);
              return FALSE;
            }
          parsed_item.count = (guint) value;
        }

      g_array_append_val (parsed, parsed_item);
    }

  ks_sim_server_clear_faults (self);
  for (guint i = 0; i < parsed->len; i++)
    {
      PlanItem *it = &g_array_index (parsed, PlanItem, i);

      ks_sim_server_add_fault (self, it->step, it->fault, it->count);
    }

  return TRUE;
}

static KsSimFault
pop_fault_from (GQueue *queue)
{
  FaultEntry *entry = g_queue_peek_head (queue);
  KsSimFault fault;

  if (entry == NULL)
    return KS_SIM_FAULT_NONE;

  fault = entry->fault;
  if (entry->remaining > 0 && --entry->remaining == 0)
    g_free (g_queue_pop_head (queue));

  return fault;
}

static KsSimFault
take_fault (KsSimServer       *self,
            SoupServerMessage *msg,
            KsSimStep          step)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *header = soup_message_headers_get_one (headers, "X-Sim-Fault");
  KsSimFault fault;

  if (header != NULL)
    return ks_sim_fault_from_string (header);

  fault = pop_fault_from (&self->faults[step]);
  if (fault == KS_SIM_FAULT_NONE)
    fault = pop_fault_from (&self->faults[KS_SIM_STEP_ANY]);

  return fault;
}

/* ------------------------------------------------------------------ */
/* Faulty bodies                                                        */

static guint32
crc32_of (const guint8 *data,
          gsize         length)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GOutputStream) memory = NULL;
  g_autoptr(GOutputStream) converter = NULL;
  const guint8 *out;
  gsize size;

  /* zlib's CRC-32 is the one PNG uses; the gzip trailer carries it. */
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 0);
  memory = g_memory_output_stream_new_resizable ();
  converter = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_output_stream_write_all (converter, data, length, NULL, NULL, NULL);
  g_output_stream_close (converter, NULL, NULL);

  out = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (memory));
  size = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory));
  g_assert (size >= 8);

  return (guint32) out[size - 8] |
         ((guint32) out[size - 7] << 8) |
         ((guint32) out[size - 6] << 16) |
         ((guint32) out[size - 5] << 24);
}

/* A small valid PNG whose header claims 100000 × 100000 pixels. */
static GBytes *
huge_png_new (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 8, 8);
  g_autofree char *buffer = NULL;
  gsize length = 0;
  guint8 *data;
  guint32 crc;

  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", NULL, NULL) || length < 33)
    return g_bytes_new_static ("", 0);

  data = (guint8 *) buffer;
  g_assert (memcmp (data + 12, "IHDR", 4) == 0);
  for (guint i = 0; i < 2; i++)
    {
      guint32 value = 100000;

      data[16 + 4 * i] = (value >> 24) & 0xff;
      data[17 + 4 * i] = (value >> 16) & 0xff;
      data[18 + 4 * i] = (value >> 8) & 0xff;
      data[19 + 4 * i] = value & 0xff;
    }
  crc = crc32_of (data + 12, 17);
  data[29] = (crc >> 24) & 0xff;
  data[30] = (crc >> 16) & 0xff;
  data[31] = (crc >> 8) & 0xff;
  data[32] = crc & 0xff;

  return g_bytes_new_take (g_steal_pointer (&buffer), length);
}

/* Valid JSON with every top-level member of the wrong type. */
static char *
wrong_types_json (GBytes *body)
{
  g_autoptr(JsonNode) root = ks_json_parse_bytes (body, NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) out = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("[\"not\", \"an\", \"object\"]");

  object = json_node_get_object (root);
  members = json_object_get_members (object);

  json_builder_begin_object (builder);
  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);

      json_builder_set_member_name (builder, l->data);
      switch (json_node_get_node_type (node))
        {
        case JSON_NODE_OBJECT:
          json_builder_begin_array (builder);
          json_builder_add_int_value (builder, 1);
          json_builder_end_array (builder);
          break;

        case JSON_NODE_ARRAY:
          json_builder_add_string_value (builder, "not a list");
          break;

        case JSON_NODE_VALUE:
          if (json_node_get_value_type (node) == G_TYPE_STRING)
            json_builder_add_int_value (builder, 42);
          else
            json_builder_add_string_value (builder, "forty-two");
          break;

        case JSON_NODE_NULL:
        default:
          json_builder_add_boolean_value (builder, TRUE);
          break;
        }
    }
  json_builder_end_object (builder);

  out = json_builder_get_root (builder);

  return node_to_string (out);
}

static GBytes *
json_fault_body (KsSimFault  fault,
                 GBytes     *body)
{
  switch (fault)
    {
    case KS_SIM_FAULT_MALFORMED_JSON:
      {
        gsize length;
        const char *data = g_bytes_get_data (body, &length);
        GString *text = g_string_new_len (data, length / 2);

        g_string_append (text, "<html><body>upstream said: \"");
        return g_string_free_to_bytes (text);
      }

    case KS_SIM_FAULT_WRONG_TYPES:
      {
        char *text = wrong_types_json (body);

        return g_bytes_new_take (text, strlen (text));
      }

    case KS_SIM_FAULT_MISSING_FIELDS:
      return g_bytes_new_static ("{}", 2);

    case KS_SIM_FAULT_NONE:
    case KS_SIM_FAULT_401:
    case KS_SIM_FAULT_403:
    case KS_SIM_FAULT_429:
    case KS_SIM_FAULT_500:
    case KS_SIM_FAULT_502_HTML:
    case KS_SIM_FAULT_503:
    case KS_SIM_FAULT_504_USER_TIMEOUT:
    case KS_SIM_FAULT_DROP:
    case KS_SIM_FAULT_SLOW:
    case KS_SIM_FAULT_TRUNCATED:
    case KS_SIM_FAULT_NOT_AN_IMAGE:
    case KS_SIM_FAULT_HUGE_DIMENSIONS:
    case KS_SIM_FAULT_OVERSIZED:
    case KS_SIM_FAULT_EXPIRED:
    case KS_SIM_FAULT_REFUSE:
    default:
      return g_bytes_ref (body);
    }
}

/* Closes the connection under a message whose body is not complete: the
 * peer sees the stream end early. libsoup then fails its next write and
 * finishes the message. */
static void
kill_connection (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);

  soup_message_body_complete (soup_server_message_get_response_body (msg));
  soup_server_message_unpause (msg);
}

static void
writer_free (Writer *writer)
{
  clear_source (&writer->timer);
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
  kill_connection (writer->msg);

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
        writer->timer = add_timeout (writer->self, 20, writer_kill_cb, writer);
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
      writer->timer = add_timeout (self, SLOW_INTERVAL_MS, writer_slow_cb, writer);
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

/* Sends @body with @status, mangled as @fault asks. Status-code faults
 * are handled before this is reached. */
static void
respond (KsSimServer       *self,
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

  soup_server_message_set_status (msg, status, status == 429 ? "Too Many Requests" : NULL);

  if (is_json)
    mangled = json_fault_body (fault, body);
  else if (is_image && fault == KS_SIM_FAULT_NOT_AN_IMAGE)
    mangled = g_bytes_new_static ("<!DOCTYPE html><html><body>Access denied</body></html>\n",
                                  strlen ("<!DOCTYPE html><html><body>Access denied</body></html>\n"));
  else if (is_image && fault == KS_SIM_FAULT_HUGE_DIMENSIONS)
    {
      mangled = huge_png_new ();
      content_type = "image/png";
    }
  else
    mangled = g_bytes_ref (body);

  soup_message_headers_replace (headers, "Content-Type", content_type);

  switch (fault)
    {
    case KS_SIM_FAULT_DROP:
    case KS_SIM_FAULT_TRUNCATED:
      start_writer (self, msg, WRITER_CUT, fault, mangled);
      return;

    case KS_SIM_FAULT_SLOW:
      start_writer (self, msg, WRITER_SLOW, fault, mangled);
      return;

    case KS_SIM_FAULT_OVERSIZED:
      start_writer (self, msg, WRITER_OVERSIZED, fault, mangled);
      return;

    case KS_SIM_FAULT_NONE:
    case KS_SIM_FAULT_401:
    case KS_SIM_FAULT_403:
    case KS_SIM_FAULT_429:
    case KS_SIM_FAULT_500:
    case KS_SIM_FAULT_502_HTML:
    case KS_SIM_FAULT_503:
    case KS_SIM_FAULT_504_USER_TIMEOUT:
    case KS_SIM_FAULT_MALFORMED_JSON:
    case KS_SIM_FAULT_WRONG_TYPES:
    case KS_SIM_FAULT_MISSING_FIELDS:
    case KS_SIM_FAULT_NOT_AN_IMAGE:
    case KS_SIM_FAULT_HUGE_DIMENSIONS:
    case KS_SIM_FAULT_EXPIRED:
    case KS_SIM_FAULT_REFUSE:
    default:
      if (g_bytes_get_size (mangled) > 0)
        soup_message_body_append_bytes (soup_server_message_get_response_body (msg), mangled);
      soup_message_headers_set_content_length (headers, g_bytes_get_size (mangled));
      return;
    }
}

static void
respond_text (KsSimServer       *self,
              SoupServerMessage *msg,
              guint              status,
              const char        *text,
              KsSimFault         fault)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  respond (self, msg, status, "application/json", body, fault);
}

static void
respond_detail (KsSimServer       *self,
                SoupServerMessage *msg,
                guint              status,
                const char        *detail,
                KsSimFault         fault)
{
  g_autofree char *text = detail_json (detail, NULL);

  respond_text (self, msg, status, text, fault);
}

static void
set_request_id (SoupServerMessage *msg,
                const char        *request_id)
{
  if (request_id != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "x-fal-request-id", request_id);
}

/* Status-code faults: the request is refused before it is processed.
 * Returns TRUE when @fault was one of them. */
static gboolean
respond_fault_code (KsSimServer       *self,
                    SoupServerMessage *msg,
                    KsSimFault         fault,
                    const char        *request_id)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *text = NULL;

  switch (fault)
    {
    case KS_SIM_FAULT_401:
      respond_detail (self, msg, 401, DETAIL_401, KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_403:
      respond_detail (self, msg, 403, DETAIL_403, KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_429:
      text = g_strdup_printf ("%u", self->retry_after);
      soup_message_headers_replace (headers, "Retry-After", text);
      respond_detail (self, msg, 429, "Too many requests. Slow down and retry later.", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_500:
      set_request_id (msg, request_id);
      respond_detail (self, msg, 500, "Internal Server Error", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_502_HTML:
      {
        g_autoptr(GBytes) body = g_bytes_new_static (html_502, strlen (html_502));

        soup_message_headers_replace (headers, "Server", "nginx");
        respond (self, msg, 502, "text/html", body, KS_SIM_FAULT_NONE);
      }
      return TRUE;

    case KS_SIM_FAULT_503:
      respond_detail (self, msg, 503, "Service Unavailable", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_504_USER_TIMEOUT:
      set_request_id (msg, request_id);
      soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
      soup_message_headers_replace (headers, "X-Fal-Error-Type", "request_timeout");
      text = detail_json ("Request timed out before it could start.", "request_timeout");
      respond_text (self, msg, 504, text, KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_EXPIRED:
      set_request_id (msg, request_id);
      respond_detail (self, msg, 404, "Request not found. It may have expired.", KS_SIM_FAULT_NONE);
      return TRUE;

    case KS_SIM_FAULT_REFUSE:
      respond_detail (self, msg, 405, "Method Not Allowed", KS_SIM_FAULT_NONE);
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
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */

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

static void
job_free (Job *job)
{
  KsSimServer *self = job->self;

  clear_source (&job->timer);
  clear_source (&job->log_timer);
  clear_source (&job->deadline);
  clear_source (&job->expire);
  g_cancellable_cancel (job->cancellable);
  g_clear_object (&job->cancellable);

  for (GList *l = self->streams; l != NULL; l = l->next)
    {
      Stream *stream = l->data;

      if (stream->job == job)
        stream->job = NULL;
    }

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

static JsonNode *
job_status_node (KsSimServer *self,
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
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, status);
  json_builder_set_member_name (builder, "request_id");
  json_builder_add_string_value (builder, job->id);
  json_builder_set_member_name (builder, "response_url");
  json_builder_add_string_value (builder, response_url);
  json_builder_set_member_name (builder, "status_url");
  json_builder_add_string_value (builder, status_url);
  json_builder_set_member_name (builder, "cancel_url");
  json_builder_add_string_value (builder, cancel_url);

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
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, entry->message);
          json_builder_set_member_name (builder, "timestamp");
          json_builder_add_string_value (builder, entry->timestamp);
          json_builder_set_member_name (builder, "level");
          json_builder_add_string_value (builder, "INFO");
          json_builder_set_member_name (builder, "source");
          json_builder_add_string_value (builder, "USER");
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
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, job->error);
      json_builder_set_member_name (builder, "error_type");
      json_builder_add_string_value (builder, job->error_type);
    }

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static char *
job_status_text (KsSimServer *self,
                 Job         *job,
                 gboolean     with_logs)
{
  g_autoptr(JsonNode) node = job_status_node (self, job, with_logs);

  return node_to_string (node);
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

  if (n < G_N_ELEMENTS (messages))
    entry->message = g_strdup (messages[n]);
  else
    entry->message = g_strdup_printf ("Step %u of %u", n + 1, self->log_lines);
  entry->timestamp = iso_timestamp_now ();
  g_ptr_array_add (job->logs, entry);
}

static void
job_complete (KsSimServer *self,
              Job         *job,
              const char  *error,
              const char  *error_type)
{
  gint64 *completed;

  g_assert (job->state != JOB_COMPLETED);

  clear_source (&job->timer);
  clear_source (&job->log_timer);
  clear_source (&job->deadline);
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

  job->expire = add_timeout (self, self->result_ttl, job_expire_cb, job);

  job_changed (self, job);
  schedule (self);
}

static void
job_maybe_complete (KsSimServer *self,
                    Job         *job)
{
  if (job->state == JOB_RUNNING && job->run_elapsed && job->images_ready)
    job_complete (self, job, job->error, job->error_type);
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
  job_changed (self, job);

  return G_SOURCE_CONTINUE;
}

static gboolean
job_run_elapsed_cb (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->timer, g_source_unref);
  job->run_elapsed = TRUE;
  job_maybe_complete (job->self, job);

  return G_SOURCE_REMOVE;
}

static gboolean
job_ready_cb (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->timer, g_source_unref);
  job->ready = TRUE;
  schedule (job->self);

  return G_SOURCE_REMOVE;
}

static gboolean
job_deadline_cb (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->deadline, g_source_unref);
  if (job->state == JOB_QUEUED)
    {
      g_free (job->result_body);
      job->result_body = detail_json ("Request timed out before it could start.", "request_timeout");
      job->result_status = 504;
      g_free (job->result_error_type);
      job->result_error_type = g_strdup ("request_timeout");
      job_complete (job->self, job, "Request timed out before it could start.", "request_timeout");
    }

  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* Validation, as the model does it when the result is asked for        */

static void
add_detail (JsonArray  *details,
            const char *field,
            const char *msg,
            const char *type,
            JsonNode   *input)
{
  JsonObject *item = json_object_new ();
  JsonArray *loc = json_array_new ();

  json_array_add_string_element (loc, "body");
  if (field != NULL)
    json_array_add_string_element (loc, field);
  json_object_set_array_member (item, "loc", loc);
  json_object_set_string_member (item, "msg", msg);
  json_object_set_string_member (item, "type", type);
  if (input != NULL)
    json_object_set_member (item, "input", json_node_copy (input));
  json_array_add_object_element (details, item);
}

static gboolean
member_is_null (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

static void
check_number (JsonArray  *details,
              JsonObject *input,
              const char *field,
              double      minimum,
              double      maximum,
              gboolean    integer)
{
  JsonNode *node = json_object_get_member (input, field);
  g_autofree char *msg = NULL;
  double value;

  if (member_is_null (input, field))
    return;

  if (integer)
    {
      gint64 int_value;

      if (!ks_json_get_int_member (input, field, &int_value))
        {
          add_detail (details, field, "Input should be a valid integer", "int_type", node);
          return;
        }
      value = (double) int_value;
    }
  else if (!ks_json_get_double_member (input, field, &value))
    {
      add_detail (details, field, "Input should be a valid number", "float_type", node);
      return;
    }

  if (value < minimum)
    {
      msg = g_strdup_printf ("Input should be greater than or equal to %g", minimum);
      add_detail (details, field, msg, "greater_than_equal", node);
    }
  else if (value > maximum)
    {
      msg = g_strdup_printf ("Input should be less than or equal to %g", maximum);
      add_detail (details, field, msg, "less_than_equal", node);
    }
}

static void
check_choice (JsonArray          *details,
              JsonObject         *input,
              const char         *field,
              const char * const *choices)
{
  JsonNode *node = json_object_get_member (input, field);
  const char *value;
  GString *msg;

  if (member_is_null (input, field))
    return;

  value = ks_json_get_string_member (input, field);
  if (value != NULL && g_strv_contains (choices, value))
    return;

  msg = g_string_new ("Input should be ");
  for (guint i = 0; choices[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (msg, choices[i + 1] == NULL ? " or " : ", ");
      g_string_append_printf (msg, "'%s'", choices[i]);
    }
  add_detail (details, field, msg->str, "literal_error", node);
  g_string_free (msg, TRUE);
}

static void
check_bool (JsonArray  *details,
            JsonObject *input,
            const char *field)
{
  if (!member_is_null (input, field) && !ks_json_get_bool_member (input, field, NULL))
    add_detail (details, field, "Input should be a valid boolean", "bool_type",
                json_object_get_member (input, field));
}

static void
check_string (JsonArray  *details,
              JsonObject *input,
              const char *field,
              gboolean    required)
{
  JsonNode *node = json_object_get_member (input, field);

  if (node == NULL)
    {
      if (required)
        add_detail (details, field, "Field required", "missing", NULL);
      return;
    }

  if (ks_json_get_string_member (input, field) == NULL)
    add_detail (details, field, "Input should be a valid string", "string_type", node);
}

static JsonArray *
validate_input (Job *job)
{
  static const char *formats[] = { "jpeg", "png", NULL };
  static const char *tolerances[] = { "1", "2", "3", "4", "5", "6", NULL };
  JsonObject *input = json_node_get_object (job->input);
  JsonArray *details = json_array_new ();

  check_string (details, input, "prompt", TRUE);

  if (job->mode == KS_MODE_EDIT)
    check_string (details, input, "image_url", TRUE);

  if (job->mode == KS_MODE_MULTI)
    {
      JsonArray *urls = ks_json_get_array_member (input, "image_urls");
      JsonNode *node = json_object_get_member (input, "image_urls");

      if (node == NULL)
        add_detail (details, "image_urls", "Field required", "missing", NULL);
      else if (urls == NULL || json_array_get_length (urls) == 0)
        add_detail (details, "image_urls", "Input should be a non-empty list of URLs", "list_type", node);
      else
        for (guint i = 0; i < json_array_get_length (urls); i++)
          {
            JsonNode *element = json_array_get_element (urls, i);

            if (!JSON_NODE_HOLDS_VALUE (element) ||
                json_node_get_value_type (element) != G_TYPE_STRING)
              {
                add_detail (details, "image_urls", "Input should be a valid string", "string_type", element);
                break;
              }
          }
    }

  check_choice (details, input, "aspect_ratio", aspect_ratios);
  check_number (details, input, "guidance_scale", 1, 20, FALSE);
  check_number (details, input, "num_images", 1, 4, TRUE);
  if (!member_is_null (input, "seed") && !ks_json_get_uint64_member (input, "seed", NULL))
    add_detail (details, "seed", "Input should be a valid integer", "int_type",
                json_object_get_member (input, "seed"));
  check_choice (details, input, "output_format", formats);
  check_choice (details, input, "safety_tolerance", tolerances);
  check_bool (details, input, "sync_mode");
  check_bool (details, input, "enhance_prompt");

  return details;
}

static void
job_set_result_422 (Job       *job,
                    JsonArray *details,
                    const char *error_type)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_array_member (object, "detail", json_array_ref (details));
  json_node_take_object (root, object);

  g_free (job->result_body);
  job->result_body = node_to_string (root);
  job->result_status = 422;
  g_free (job->result_error_type);
  job->result_error_type = g_strdup (error_type);
}

/* ------------------------------------------------------------------ */
/* Image generation, in a thread                                        */

typedef struct
{
  char   *uri;           /* a data: URI, decoded in the thread */
  GBytes *bytes;         /* a file of our own */
  char   *content_type;  /* … and its type */
  char   *text;          /* any other URL: the picture is drawn from its text */
} RefSource;

typedef struct
{
  KsMode     mode;
  char      *prompt;
  guint64    seed;
  int        width;    /* 0: from the reference */
  int        height;
  guint      num_images;
  gboolean   png;
  gboolean   sync_mode;
  GPtrArray *refs;     /* RefSource */
} GenInput;

typedef struct
{
  GBytes *bytes;
  char   *data_uri;  /* sync_mode only */
  int     width;
  int     height;
} GenImage;

static void
ref_source_free (gpointer data)
{
  RefSource *ref = data;

  g_free (ref->uri);
  g_clear_pointer (&ref->bytes, g_bytes_unref);
  g_free (ref->content_type);
  g_free (ref->text);
  g_free (ref);
}

static void
gen_input_free (gpointer data)
{
  GenInput *gen = data;

  g_free (gen->prompt);
  g_clear_pointer (&gen->refs, g_ptr_array_unref);
  g_free (gen);
}

static void
gen_image_free (gpointer data)
{
  GenImage *image = data;

  g_clear_pointer (&image->bytes, g_bytes_unref);
  g_free (image->data_uri);
  g_free (image);
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gboolean        *too_large)
{
  if ((gint64) width * height > MAX_REFERENCE_PIXELS)
    {
      *too_large = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);  /* 0 × 0: the loader stops before allocating */
    }
}

static GdkPixbuf *
load_reference (RefSource  *ref,
                GError    **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *content_type = NULL;
  gboolean too_large = FALSE;
  GdkPixbuf *pixbuf;

  if (ref->text != NULL)
    return ks_sim_image_generate (ref->text, g_str_hash (ref->text), 1024, 768);

  if (ref->bytes != NULL)
    bytes = g_bytes_ref (ref->bytes);
  else
    bytes = soup_uri_decode_data_uri (ref->uri, &content_type);

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           "Failed to load the image: the data URI could not be decoded.");
      return NULL;
    }

  /* The declared type first: without a MIME database (a sandbox, an
   * isolated test) the loader cannot sniff the format by itself. */
  if (content_type == NULL)
    content_type = g_strdup (ref->content_type);
  if (content_type != NULL)
    loader = gdk_pixbuf_loader_new_with_mime_type (content_type, NULL);
  if (loader == NULL)
    loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &too_large);
  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, &local_error) ||
      !gdk_pixbuf_loader_close (loader, &local_error))
    {
      gdk_pixbuf_loader_close (loader, NULL);
      g_set_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                   "Failed to load the image: %s", local_error->message);
      return NULL;
    }

  if (too_large)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                           "Failed to load the image: it has too many pixels.");
      return NULL;
    }

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           "Failed to load the image: it is not an image.");
      return NULL;
    }

  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

static void
generate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GenInput *gen = task_data;
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (gen_image_free);
  int width = gen->width, height = gen->height;

  for (guint i = 0; i < gen->refs->len; i++)
    {
      GError *error = NULL;
      GdkPixbuf *pixbuf = load_reference (g_ptr_array_index (gen->refs, i), &error);

      if (pixbuf == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      g_ptr_array_add (references, pixbuf);
    }

  if (width == 0 || height == 0)
    {
      if (references->len > 0)
        {
          GdkPixbuf *first = g_ptr_array_index (references, 0);

          ks_sim_image_size_for_ratio ((double) gdk_pixbuf_get_width (first) /
                                       gdk_pixbuf_get_height (first), &width, &height);
        }
      else
        ks_sim_image_size_for_aspect ("1:1", &width, &height);
    }

  for (guint n = 0; n < gen->num_images; n++)
    {
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(GError) error = NULL;
      GenImage *image;
      char *buffer = NULL;
      gsize length = 0;
      gboolean saved;

      if (g_cancellable_is_cancelled (cancellable))
        break;

      if (references->len == 0)
        pixbuf = ks_sim_image_generate (gen->prompt, gen->seed + n, width, height);
      else
        {
          pixbuf = ks_sim_image_edit (g_ptr_array_index (references, 0),
                                      gen->prompt, gen->seed + n, width, height);

          /* Further references of a multi edit go in as insets. */
          for (guint r = 1; r < references->len && pixbuf != NULL; r++)
            {
              GdkPixbuf *extra = g_ptr_array_index (references, r);
              int inset_w = width / 4, inset_h = height / 4;
              int x = 16 + (int) (r - 1) * (inset_w + 16);

              if (x + inset_w > width)
                break;
              gdk_pixbuf_composite (extra, pixbuf, x, 16, inset_w, inset_h, x, 16,
                                    (double) inset_w / gdk_pixbuf_get_width (extra),
                                    (double) inset_h / gdk_pixbuf_get_height (extra),
                                    GDK_INTERP_BILINEAR, 255);
            }
        }

      if (pixbuf == NULL)
        {
          g_task_return_new_error (task, KS_ERROR, KS_ERROR_BAD_IMAGE,
                                   "Failed to load the image: it could not be scaled.");
          return;
        }

      if (gen->png)
        saved = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error,
                                           "compression", "1", NULL);
      else
        saved = gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "jpeg", &error,
                                           "quality", "90", NULL);
      if (!saved)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      image = g_new0 (GenImage, 1);
      image->bytes = g_bytes_new_take (buffer, length);
      image->width = width;
      image->height = height;
      if (gen->sync_mode)
        {
          g_autofree char *base64 = g_base64_encode ((const guchar *) g_bytes_get_data (image->bytes, NULL),
                                                     g_bytes_get_size (image->bytes));

          image->data_uri = g_strdup_printf ("data:%s;base64,%s",
                                             gen->png ? "image/png" : "image/jpeg", base64);
        }
      g_ptr_array_add (images, image);
    }

  g_task_return_pointer (task, g_steal_pointer (&images), (GDestroyNotify) g_ptr_array_unref);
}

static void
job_build_result (KsSimServer *self,
                  Job         *job,
                  GenInput    *gen,
                  GPtrArray   *images)
{
  JsonObject *input = json_node_get_object (job->input);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *content_type = gen->png ? "image/png" : "image/jpeg";
  const char *ext = gen->png ? "png" : "jpeg";
  g_autofree char *lower = g_utf8_strdown (gen->prompt, -1);
  gboolean nsfw = strstr (lower, "[nsfw]") != NULL;
  gboolean enhance = FALSE;

  ks_json_get_bool_member (input, "enhance_prompt", &enhance);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < images->len; i++)
    {
      GenImage *image = g_ptr_array_index (images, i);
      g_autofree char *url = NULL;

      if (gen->sync_mode)
        url = g_strdup (image->data_uri);
      else
        {
          char *path = g_strdup_printf ("/files/%s/%u.%s", job->id, i, ext);

          url = g_strconcat (self->base_url, path, NULL);
          g_hash_table_replace (self->files, path, stored_file_new (image->bytes, content_type));
          g_ptr_array_add (job->file_paths, g_strdup (path));
        }

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, url);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, image->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, image->height);
      json_builder_set_member_name (builder, "content_type");
      json_builder_add_string_value (builder, content_type);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "timings");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "inference");
  json_builder_add_double_value (builder, self->run_time / 1000.0);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "has_nsfw_concepts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < images->len; i++)
    json_builder_add_boolean_value (builder, nsfw && i % 2 == 0);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "prompt");
  if (enhance)
    {
      g_autofree char *enhanced = g_strconcat (gen->prompt, ", highly detailed, balanced composition, soft natural light", NULL);

      json_builder_add_string_value (builder, enhanced);
    }
  else
    json_builder_add_string_value (builder, gen->prompt);

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  g_free (job->result_body);
  job->result_body = ks_json_to_string_with_uint64 (root, "seed", gen->seed, FALSE);
  job->result_status = 200;
}

static void
generate_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = G_TASK (result);
  KsSimServer *self = user_data;
  g_autoptr(GPtrArray) images = NULL;
  g_autoptr(GError) error = NULL;
  GenInput *gen;
  Job *job;

  /* The job (and maybe the server) is gone once its cancellable fired. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;

  job = g_object_get_data (G_OBJECT (task), "job");
  g_assert (job != NULL);
  gen = g_task_get_task_data (task);

  images = g_task_propagate_pointer (task, &error);
  if (images == NULL)
    {
      g_autoptr(JsonArray) details = json_array_new ();
      const char *field = job->mode == KS_MODE_MULTI ? "image_urls" : "image_url";

      add_detail (details, field, error->message, "image_load_error", NULL);
      job_set_result_422 (job, details, "image_load_error");
    }
  else
    job_build_result (self, job, gen, images);

  job->images_ready = TRUE;
  job_maybe_complete (self, job);
}

static RefSource *
ref_source_for_url (KsSimServer *self,
                    const char  *url)
{
  RefSource *ref = g_new0 (RefSource, 1);
  g_autofree char *own_prefix = g_strconcat (self->base_url, "/files/", NULL);

  if (g_ascii_strncasecmp (url, "data:", 5) == 0)
    ref->uri = g_strdup (url);
  else if (g_str_has_prefix (url, own_prefix))
    {
      const char *path = url + strlen (self->base_url);
      g_autofree char *clean = g_strndup (path, strcspn (path, "?#"));
      StoredFile *file = g_hash_table_lookup (self->files, clean);

      /* An empty reference fails to load, as a 404 would. */
      ref->bytes = file != NULL ? g_bytes_ref (file->bytes) : g_bytes_new_static ("", 0);
      ref->content_type = file != NULL ? g_strdup (file->content_type) : NULL;
    }
  else
    ref->text = g_strdup (url);

  return ref;
}

static void
job_start (KsSimServer *self,
           Job         *job)
{
  g_autoptr(JsonArray) details = NULL;
  JsonObject *input = json_node_get_object (job->input);
  const char *prompt;

  g_assert (job->state == JOB_QUEUED);

  g_queue_remove (&self->queue, job);
  self->running++;
  job->state = JOB_RUNNING;
  job->started_us = g_get_monotonic_time ();
  clear_source (&job->deadline);

  job->timer = add_timeout (self, self->run_time, job_run_elapsed_cb, job);
  if (self->log_lines > 0)
    job->log_timer = add_timeout (self, MAX (1, self->run_time / (self->log_lines + 1)),
                                  job_log_cb, job);

  details = validate_input (job);
  prompt = ks_json_get_string_member (input, "prompt");

  if (json_array_get_length (details) > 0)
    {
      job_set_result_422 (job, details, NULL);
      job->images_ready = TRUE;
    }
  else if (strstr (prompt, "[policy]") != NULL)
    {
      g_autoptr(JsonArray) policy = json_array_new ();

      add_detail (policy, "prompt",
                  "The content could not be processed because it was flagged by a content checker.",
                  "content_policy_violation", json_object_get_member (input, "prompt"));
      job_set_result_422 (job, policy, "content_policy_violation");
      job->images_ready = TRUE;
    }
  else if (strstr (prompt, "[fail]") != NULL)
    {
      job->error = g_strdup ("The model failed while generating the image.");
      job->error_type = g_strdup ("runner_failed");
      job->result_body = detail_json (job->error, job->error_type);
      job->result_status = 500;
      job->result_error_type = g_strdup ("runner_failed");
      job->images_ready = TRUE;
    }
  else
    {
      g_autoptr(GTask) task = NULL;
      GenInput *gen = g_new0 (GenInput, 1);
      const char *aspect = ks_json_get_string_member (input, "aspect_ratio");
      const char *format = ks_json_get_string_member (input, "output_format");
      gint64 num_images = 1;

      gen->mode = job->mode;
      gen->prompt = g_strdup (prompt);
      if (!ks_json_get_uint64_member (input, "seed", &gen->seed))
        gen->seed = ((guint64) g_random_int () << 32) | g_random_int ();
      ks_json_get_int_member (input, "num_images", &num_images);
      gen->num_images = (guint) CLAMP (num_images, 1, 4);
      gen->png = g_strcmp0 (format, "png") == 0;
      ks_json_get_bool_member (input, "sync_mode", &gen->sync_mode);
      gen->refs = g_ptr_array_new_with_free_func (ref_source_free);

      if (aspect != NULL)
        ks_sim_image_size_for_aspect (aspect, &gen->width, &gen->height);
      else if (job->mode == KS_MODE_TEXT_TO_IMAGE)
        ks_sim_image_size_for_aspect ("1:1", &gen->width, &gen->height);

      if (job->mode == KS_MODE_EDIT)
        g_ptr_array_add (gen->refs, ref_source_for_url (self, ks_json_get_string_member (input, "image_url")));
      else if (job->mode == KS_MODE_MULTI)
        {
          JsonArray *urls = ks_json_get_array_member (input, "image_urls");

          for (guint i = 0; i < json_array_get_length (urls); i++)
            g_ptr_array_add (gen->refs,
                             ref_source_for_url (self, json_array_get_string_element (urls, i)));
        }

      task = g_task_new (NULL, job->cancellable, generate_cb, self);
      g_task_set_source_tag (task, job_start);
      g_task_set_task_data (task, gen, gen_input_free);
      g_object_set_data (G_OBJECT (task), "job", job);
      g_task_run_in_thread (task, generate_thread);
    }

  job_changed (self, job);
}

static void
schedule (KsSimServer *self)
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
      job_changed (self, l->data);
}

/* ------------------------------------------------------------------ */
/* Status streams                                                      */

static void
stream_free (Stream *stream)
{
  clear_source (&stream->ping);
  clear_source (&stream->drop_timer);
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
  clear_source (&stream->ping);
  clear_source (&stream->drop_timer);
  kill_connection (stream->msg);
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
        stream->drop_timer = add_timeout (self, 20, stream_drop_cb, stream);
      return;
    }

  text = job_status_text (self, stream->job, stream->with_logs);
  if (g_strcmp0 (text, stream->last_text) == 0)
    return;

  event = g_bytes_new (text, strlen (text));
  mangled = json_fault_body (stream->fault, event);
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
      clear_source (&stream->ping);
      soup_message_body_complete (body);
    }
  else if (stream->fault == KS_SIM_FAULT_DROP && stream->drop_timer == NULL)
    stream->drop_timer = add_timeout (self, DROP_DELAY_MS, stream_drop_cb, stream);

  soup_server_message_unpause (stream->msg);
}

static void
job_changed (KsSimServer *self,
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

static void
start_stream (KsSimServer       *self,
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
  set_request_id (msg, job->id);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);

  stream->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (stream_finished_cb), stream);
  self->streams = g_list_prepend (self->streams, stream);

  if (self->ping_interval > 0)
    stream->ping = add_timeout (self, self->ping_interval, stream_ping_cb, stream);

  stream_emit (stream);
}

/* ------------------------------------------------------------------ */
/* Request handlers                                                    */

static gboolean
check_auth (KsSimServer       *self,
            SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *header;
  const char *key = NULL;

  if (self->api_key == NULL || *self->api_key == '\0')
    return TRUE;

  header = soup_message_headers_get_one (headers, "Authorization");
  if (header != NULL)
    {
      if (g_ascii_strncasecmp (header, "Key ", 4) == 0)
        key = header + 4;
      else if (g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
        key = header + 7;
    }

  while (key != NULL && *key == ' ')
    key++;

  return key != NULL && g_str_equal (key, self->api_key);
}

static void
handle_submit (KsSimServer       *self,
               SoupServerMessage *msg,
               const char        *endpoint_id,
               KsSimFault         fault)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) segments = NULL;
  const char *timeout;
  Job *job;
  KsMode mode = KS_MODE_EDIT;

  if (!g_str_has_prefix (endpoint_id, KONTEXT_PREFIX) ||
      (endpoint_id[strlen (KONTEXT_PREFIX)] != '\0' &&
       endpoint_id[strlen (KONTEXT_PREFIX)] != '/'))
    {
      g_autofree char *detail = g_strdup_printf ("Application '%s' not found", endpoint_id);

      respond_detail (self, msg, 404, detail, KS_SIM_FAULT_NONE);
      return;
    }

  if (g_str_has_suffix (endpoint_id, "/text-to-image"))
    mode = KS_MODE_TEXT_TO_IMAGE;
  else if (g_str_has_suffix (endpoint_id, "/multi"))
    mode = KS_MODE_MULTI;

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (body) > 0)
    input = ks_json_parse_bytes (body, NULL);
  else
    input = NULL;

  if (input == NULL || !JSON_NODE_HOLDS_OBJECT (input))
    {
      g_autoptr(JsonArray) details = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      add_detail (details, NULL, "Input should be a valid dictionary or object to extract fields from",
                  "model_attributes_type", NULL);
      json_object_set_array_member (object, "detail", json_array_ref (details));
      json_node_take_object (root, object);
      text = node_to_string (root);
      respond_text (self, msg, 422, text, KS_SIM_FAULT_NONE);
      return;
    }

  job = g_new0 (Job, 1);
  job->self = self;
  job->id = g_uuid_string_random ();
  segments = g_strsplit (endpoint_id, "/", 3);
  job->app_root = g_strdup_printf ("%s/%s", segments[0], segments[1]);
  job->mode = mode;
  job->input = json_node_ref (input);
  job->state = JOB_QUEUED;
  job->cancellable = g_cancellable_new ();
  job->logs = g_ptr_array_new_with_free_func (log_entry_free);
  job->file_paths = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_insert (self->jobs, job->id, job);
  g_ptr_array_add (self->inputs, json_node_ref (input));

  /* Low priority waits behind every normal job. */
  job->low_priority = g_strcmp0 (soup_message_headers_get_one (request_headers, "x-fal-queue-priority"), "low") == 0;
  if (job->low_priority)
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
  job->timer = add_timeout (self, self->queue_delay, job_ready_cb, job);

  timeout = soup_message_headers_get_one (request_headers, "x-fal-request-timeout");
  if (timeout != NULL)
    {
      double seconds = g_ascii_strtod (timeout, NULL);

      if (seconds > 0)
        job->deadline = add_timeout (self, (guint) MIN (seconds * 1000, G_MAXUINT), job_deadline_cb, job);
    }

  g_debug ("accepted %s for %s", job->id, endpoint_id);

  reply = job_status_node (self, job, FALSE);
  json_object_remove_member (json_node_get_object (reply), "logs");
  text = node_to_string (reply);
  set_request_id (msg, job->id);
  respond_text (self, msg, 200, text, fault);
}

static Job *
lookup_job (KsSimServer       *self,
            SoupServerMessage *msg,
            const char        *owner,
            const char        *alias,
            const char        *id)
{
  Job *job = g_hash_table_lookup (self->jobs, id);
  g_autofree char *root = g_strdup_printf ("%s/%s", owner, alias);

  if (job == NULL || !g_str_equal (job->app_root, root))
    {
      respond_detail (self, msg, 404, "Request not found", KS_SIM_FAULT_NONE);
      return NULL;
    }

  return job;
}

static void
handle_result (KsSimServer       *self,
               SoupServerMessage *msg,
               Job               *job,
               KsSimFault         fault)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  set_request_id (msg, job->id);

  if (job->state != JOB_COMPLETED)
    {
      respond_detail (self, msg, 400, "Request is still in progress", fault);
      return;
    }

  if (job->error_type != NULL && g_str_equal (job->error_type, "request_cancelled"))
    {
      g_autofree char *text = detail_json (DETAIL_CANCELLED, "request_cancelled");

      soup_message_headers_replace (headers, "X-Fal-Error-Type", "request_cancelled");
      respond_text (self, msg, 400, text, fault);
      return;
    }

  if (job->result_status == 504)
    soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
  if (job->result_error_type != NULL)
    soup_message_headers_replace (headers, "X-Fal-Error-Type", job->result_error_type);

  respond_text (self, msg, job->result_status, job->result_body, fault);
}

static void
handle_cancel (KsSimServer       *self,
               SoupServerMessage *msg,
               Job               *job,
               KsSimFault         fault)
{
  set_request_id (msg, job->id);

  if (job->state == JOB_COMPLETED)
    {
      respond_text (self, msg, 400, "{\"status\":\"ALREADY_COMPLETED\"}", fault);
      return;
    }

  job_complete (self, job, DETAIL_CANCELLED, "request_cancelled");
  respond_text (self, msg, 202, "{\"status\":\"CANCELLATION_REQUESTED\"}", fault);
}

static char *
sanitize_file_name (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name != NULL ? name : ""; *p != '\0'; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_' ? *p : '_');

  if (out->len == 0 || out->str[0] == '.')
    g_string_prepend (out, "upload");

  return g_string_free (out, FALSE);
}

static void
handle_upload_initiate (KsSimServer       *self,
                        SoupServerMessage *msg,
                        KsSimFault         fault)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonNode) root = g_bytes_get_size (body) > 0 ? ks_json_parse_bytes (body, NULL) : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *token = g_uuid_string_random ();
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *file_url = NULL;
  g_autofree char *text = NULL;
  const char *content_type = NULL;
  StoredFile *pending;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      content_type = ks_json_get_string_member (json_node_get_object (root), "content_type");
      name = sanitize_file_name (ks_json_get_string_member (json_node_get_object (root), "file_name"));
    }
  else
    name = sanitize_file_name (NULL);

  path = g_strdup_printf ("/files/uploads/%s/%s", token, name);
  upload_url = g_strdup_printf ("%s/storage/upload/%s", self->base_url, token);
  file_url = g_strconcat (self->base_url, path, NULL);
  pending = stored_file_new (NULL, content_type != NULL ? content_type : "application/octet-stream");
  pending->path = g_steal_pointer (&path);
  g_hash_table_replace (self->uploads, g_strdup (token), pending);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "upload_url");
  json_builder_add_string_value (builder, upload_url);
  json_builder_set_member_name (builder, "file_url");
  json_builder_add_string_value (builder, file_url);
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);
  text = node_to_string (reply);

  respond_text (self, msg, 200, text, fault);
}

static void
handle_upload_put (KsSimServer       *self,
                   SoupServerMessage *msg,
                   const char        *token,
                   KsSimFault         fault)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  StoredFile *pending = g_hash_table_lookup (self->uploads, token);
  const char *content_type;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) empty = NULL;

  if (pending == NULL)
    {
      respond_detail (self, msg, 404, "Upload not found", KS_SIM_FAULT_NONE);
      return;
    }

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type == NULL)
    content_type = pending->content_type;

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_hash_table_replace (self->files, g_strdup (pending->path), stored_file_new (body, content_type));

  empty = g_bytes_new_static ("", 0);
  respond (self, msg, 200, "text/plain", empty, fault);
}

static void
handle_file (KsSimServer       *self,
             SoupServerMessage *msg,
             const char        *path,
             KsSimFault         fault)
{
  StoredFile *file = g_hash_table_lookup (self->files, path);

  if (file == NULL)
    {
      respond_detail (self, msg, 404, "File not found", KS_SIM_FAULT_NONE);
      return;
    }

  respond (self, msg, 200, file->content_type, file->bytes, fault);
}

static void
handle_plan (KsSimServer       *self,
             SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *plan = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_autoptr(GError) error = NULL;

  if (!ks_sim_server_load_plan (self, plan, &error))
    {
      respond_detail (self, msg, 400, error->message, KS_SIM_FAULT_NONE);
      return;
    }

  respond_text (self, msg, 200, "{\"status\":\"OK\"}", KS_SIM_FAULT_NONE);
}

/* GET /_sim/stats: the counters, for tests that drive the standalone
 * program from another process. */
static void
handle_stats (KsSimServer       *self,
              SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GEnumClass *klass = g_type_class_ref (KS_TYPE_SIM_STEP);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "requests");
  json_builder_begin_object (builder);
  for (guint i = 0; i < KS_SIM_N_STEPS; i++)
    {
      GEnumValue *value = g_enum_get_value (klass, i);
      const char *nick = value->value_nick;

      if (g_str_has_prefix (nick, "step-"))
        nick += strlen ("step-");
      json_builder_set_member_name (builder, nick);
      json_builder_add_int_value (builder, self->counts[i]);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "jobs");
  json_builder_add_int_value (builder, self->inputs->len);
  json_builder_end_object (builder);
  g_type_class_unref (klass);

  root = json_builder_get_root (builder);
  text = node_to_string (root);
  respond_text (self, msg, 200, text, KS_SIM_FAULT_NONE);
}

static void
method_not_allowed (KsSimServer       *self,
                    SoupServerMessage *msg)
{
  respond_detail (self, msg, 405, "Method Not Allowed", KS_SIM_FAULT_NONE);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  KsSimServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_auto(GStrv) raw = g_strsplit (path, "/", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) seg = NULL;
  guint n;
  KsSimStep step = KS_SIM_N_STEPS;
  KsSimFault fault = KS_SIM_FAULT_NONE;
  gboolean is_get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  gboolean is_put = g_str_equal (method, "PUT");
  gboolean is_post = g_str_equal (method, "POST");
  gboolean needs_auth = TRUE;
  const char *request_id = NULL;

  for (guint i = 0; raw[i] != NULL; i++)
    if (*raw[i] != '\0')
      g_strv_builder_add (builder, raw[i]);
  seg = g_strv_builder_end (builder);
  n = g_strv_length (seg);

  /* Which step is this? */
  if (n >= 1 && g_str_equal (seg[0], "files"))
    {
      step = KS_SIM_STEP_IMAGE;
      needs_auth = FALSE;
    }
  else if (n == 2 && g_str_equal (seg[0], "_sim") && g_str_equal (seg[1], "plan"))
    {
      if (is_post)
        handle_plan (self, msg);
      else
        method_not_allowed (self, msg);
      return;
    }
  else if (n == 2 && g_str_equal (seg[0], "_sim") && g_str_equal (seg[1], "stats"))
    {
      if (is_get)
        handle_stats (self, msg);
      else
        method_not_allowed (self, msg);
      return;
    }
  else if (n >= 3 && g_str_equal (seg[0], "storage") && g_str_equal (seg[1], "upload"))
    {
      step = KS_SIM_STEP_UPLOAD;
      needs_auth = n == 3 && g_str_equal (seg[2], "initiate");
    }
  else if (n >= 4 && g_str_equal (seg[2], "requests"))
    {
      request_id = seg[3];
      if (n == 4)
        step = KS_SIM_STEP_RESULT;
      else if (n == 5 && g_str_equal (seg[4], "status"))
        step = KS_SIM_STEP_STATUS;
      else if (n == 6 && g_str_equal (seg[4], "status") && g_str_equal (seg[5], "stream"))
        step = KS_SIM_STEP_STREAM;
      else if (n == 5 && g_str_equal (seg[4], "cancel"))
        step = KS_SIM_STEP_CANCEL;
    }
  else if (n >= 2 && is_post)
    step = KS_SIM_STEP_SUBMIT;

  if (step == KS_SIM_N_STEPS)
    {
      respond_detail (self, msg, 404, "Not Found", KS_SIM_FAULT_NONE);
      return;
    }

  self->counts[step]++;
  self->counts[KS_SIM_STEP_ANY]++;

  fault = take_fault (self, msg, step);
  if (respond_fault_code (self, msg, fault, request_id))
    return;

  if (needs_auth && !check_auth (self, msg))
    {
      respond_detail (self, msg, 401, DETAIL_401, KS_SIM_FAULT_NONE);
      return;
    }

  switch (step)
    {
    case KS_SIM_STEP_SUBMIT:
      {
        g_autofree char *endpoint_id = g_strjoinv ("/", seg);

        handle_submit (self, msg, endpoint_id, fault);
      }
      return;

    case KS_SIM_STEP_STATUS:
    case KS_SIM_STEP_STREAM:
    case KS_SIM_STEP_RESULT:
    case KS_SIM_STEP_CANCEL:
      {
        Job *job;

        if ((step == KS_SIM_STEP_CANCEL && !is_put) ||
            (step != KS_SIM_STEP_CANCEL && !is_get))
          {
            method_not_allowed (self, msg);
            return;
          }

        job = lookup_job (self, msg, seg[0], seg[1], seg[3]);
        if (job == NULL)
          return;

        if (step == KS_SIM_STEP_STATUS)
          {
            g_autofree char *text = job_status_text (self, job, query_flag (query, "logs"));

            set_request_id (msg, job->id);
            respond_text (self, msg, job->state == JOB_COMPLETED ? 200 : 202, text, fault);
          }
        else if (step == KS_SIM_STEP_STREAM && fault == KS_SIM_FAULT_OVERSIZED)
          {
            /* One event line that never ends. */
            static const char start[] = "data: {\"status\":\"IN_PROGRESS\",\"pad\":\"";
            g_autoptr(GBytes) body = g_bytes_new_static (start, strlen (start));

            set_request_id (msg, job->id);
            respond (self, msg, 200, "text/event-stream", body, fault);
          }
        else if (step == KS_SIM_STEP_STREAM)
          start_stream (self, msg, job, query_flag (query, "logs"), fault);
        else if (step == KS_SIM_STEP_RESULT)
          handle_result (self, msg, job, fault);
        else
          handle_cancel (self, msg, job, fault);
      }
      return;

    case KS_SIM_STEP_UPLOAD:
      if (n == 3 && g_str_equal (seg[2], "initiate") && is_post)
        handle_upload_initiate (self, msg, fault);
      else if (n == 3 && is_put)
        handle_upload_put (self, msg, seg[2], fault);
      else
        method_not_allowed (self, msg);
      return;

    case KS_SIM_STEP_IMAGE:
      {
        g_autofree char *joined = g_strjoinv ("/", seg);
        g_autofree char *file_path = g_strconcat ("/", joined, NULL);

        if (!is_get)
          method_not_allowed (self, msg);
        else
          handle_file (self, msg, file_path, fault);
      }
      return;

    case KS_SIM_STEP_ANY:
    case KS_SIM_N_STEPS:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------ */
/* The object                                                          */

static void
ks_sim_server_dispose (GObject *object)
{
  KsSimServer *self = (KsSimServer *) object;

  /* Let go of every open message before the server closes them, so no
   * handler of ours runs on a half-destroyed server. */
  while (self->streams != NULL)
    {
      Stream *stream = self->streams->data;

      self->streams = g_list_delete_link (self->streams, self->streams);
      stream_free (stream);
    }

  while (self->writers != NULL)
    {
      Writer *writer = self->writers->data;

      self->writers = g_list_delete_link (self->writers, self->writers);
      writer_free (writer);
    }

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }

  g_queue_clear (&self->queue);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  ks_sim_server_clear_faults (self);

  G_OBJECT_CLASS (ks_sim_server_parent_class)->dispose (object);
}

static void
ks_sim_server_finalize (GObject *object)
{
  KsSimServer *self = (KsSimServer *) object;

  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->completed_times, g_hash_table_unref);
  g_clear_pointer (&self->files, g_hash_table_unref);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);

  G_OBJECT_CLASS (ks_sim_server_parent_class)->finalize (object);
}

static guint *
uint_field (KsSimServer *self,
            guint        prop_id)
{
  switch (prop_id)
    {
    case PROP_QUEUE_DELAY: return &self->queue_delay;
    case PROP_RUN_TIME: return &self->run_time;
    case PROP_WORKERS: return &self->workers;
    case PROP_LOG_LINES: return &self->log_lines;
    case PROP_LOG_WINDOW: return &self->log_window;
    case PROP_PING_INTERVAL: return &self->ping_interval;
    case PROP_RESULT_TTL: return &self->result_ttl;
    case PROP_RETRY_AFTER: return &self->retry_after;
    default: return NULL;
    }
}

static void
ks_sim_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsSimServer *self = KS_SIM_SERVER (object);
  guint *field = uint_field (self, prop_id);

  if (field != NULL)
    {
      g_value_set_uint (value, *field);
      return;
    }

  switch (prop_id)
    {
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;

    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sim_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KsSimServer *self = KS_SIM_SERVER (object);
  guint *field = uint_field (self, prop_id);

  if (field != NULL)
    {
      if (*field != g_value_get_uint (value))
        {
          *field = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
          if (prop_id == PROP_WORKERS && self->jobs != NULL)
            schedule (self);
        }
      return;
    }

  switch (prop_id)
    {
    case PROP_API_KEY:
      if (g_strcmp0 (self->api_key, g_value_get_string (value)) != 0)
        {
          g_free (self->api_key);
          self->api_key = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
uint_param (const char *name,
            const char *blurb,
            guint       minimum,
            guint       maximum,
            guint       default_value)
{
  return g_param_spec_uint (name, NULL, blurb, minimum, maximum, default_value,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
ks_sim_server_class_init (KsSimServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_sim_server_dispose;
  object_class->finalize = ks_sim_server_finalize;
  object_class->get_property = ks_sim_server_get_property;
  object_class->set_property = ks_sim_server_set_property;

  properties[PROP_QUEUE_DELAY] =
    uint_param ("queue-delay", "Milliseconds a job waits in the queue", 0, G_MAXINT, 300);
  properties[PROP_RUN_TIME] =
    uint_param ("run-time", "Milliseconds a job runs", 0, G_MAXINT, 700);
  properties[PROP_WORKERS] =
    uint_param ("workers", "How many jobs run at once", 1, 1024, 4);
  properties[PROP_LOG_LINES] =
    uint_param ("log-lines", "Log lines emitted while a job runs", 0, 1000, 4);
  properties[PROP_LOG_WINDOW] =
    uint_param ("log-window", "How many of the latest log lines a status carries", 1, 1000, 3);
  properties[PROP_PING_INTERVAL] =
    uint_param ("ping-interval", "Milliseconds between pings on a status stream (0: none)", 0, G_MAXINT, 10000);
  properties[PROP_RESULT_TTL] =
    uint_param ("result-ttl", "Milliseconds a completed request is kept", 1, G_MAXINT, 3600 * 1000);
  properties[PROP_RETRY_AFTER] =
    uint_param ("retry-after", "Seconds sent in Retry-After with a 429", 0, 3600, 1);

  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, "The only key accepted, if set",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, "http://127.0.0.1:PORT once listening",
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_sim_server_init (KsSimServer *self)
{
  self->queue_delay = 300;
  self->run_time = 700;
  self->workers = 4;
  self->log_lines = 4;
  self->log_window = 3;
  self->ping_interval = 10000;
  self->result_ttl = 3600 * 1000;
  self->retry_after = 1;

  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) job_free);
  g_queue_init (&self->queue);
  self->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->completed_times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stored_file_free);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stored_file_free);
  for (guint i = 0; i < KS_SIM_N_STEPS; i++)
    g_queue_init (&self->faults[i]);
}

KsSimServer *
ks_sim_server_new (void)
{
  return g_object_new (KS_TYPE_SIM_SERVER, NULL);
}

gboolean
ks_sim_server_listen (KsSimServer  *self,
                      guint         port,
                      GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GSList *uris;
  int bound_port = 0;

  g_return_val_if_fail (KS_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  self->context = g_main_context_ref_thread_default ();
  self->soup = soup_server_new ("server-header", "kontext-sim-server ", NULL);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);

  if (!soup_server_listen_local (self->soup, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &local_error))
    {
      g_set_error (error, KS_ERROR, KS_ERROR_NETWORK,
                   _("The local service could not listen on port %u: %s"),
                   port, local_error->message);
      g_clear_object (&self->soup);
      return FALSE;
    }

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    bound_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_free (self->base_url);
  self->base_url = g_strdup_printf ("http://127.0.0.1:%d", bound_port);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);

  return TRUE;
}

const char *
ks_sim_server_get_base_url (KsSimServer *self)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), NULL);

  return self->base_url;
}

guint
ks_sim_server_get_request_count (KsSimServer *self,
                                 KsSimStep    step)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);
  g_return_val_if_fail (step < KS_SIM_N_STEPS, 0);

  return self->counts[step];
}

guint
ks_sim_server_get_job_count (KsSimServer *self)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);

  return self->inputs->len;
}

JsonNode *
ks_sim_server_get_job_input (KsSimServer *self,
                             guint        n)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), NULL);

  if (n >= self->inputs->len)
    return NULL;

  return g_ptr_array_index (self->inputs, n);
}

gint64
ks_sim_server_get_completed_time (KsSimServer *self,
                                  const char  *request_id)
{
  gint64 *completed;

  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);
  g_return_val_if_fail (request_id != NULL, 0);

  completed = g_hash_table_lookup (self->completed_times, request_id);

  return completed != NULL ? *completed : 0;
}
