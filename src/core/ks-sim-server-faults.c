/* ks-sim-server-faults.c: which requests fail, and what a fault does to a body
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "ks-sim-server-private.h"
#include "ks-core-enums.h"
#include "ks-error.h"
#include "ks-json.h"

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

/* What a CDN's error page looks like where an image was expected. */
static const char not_an_image[] = "<!DOCTYPE html><html><body>Access denied</body></html>\n";

/* ------------------------------------------------------------------ */
/* Fault names                                                        */

/* The value of @type whose nick is @nick (or "@prefix@nick"); -1 if none. */
static int
enum_value_by_nick (GType       type,
                    const char *nick,
                    const char *prefix)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *value = g_enum_get_value_by_nick (klass, nick);
  int result;

  if (value == NULL && prefix != NULL)
    {
      g_autofree char *prefixed = g_strconcat (prefix, nick, NULL);

      value = g_enum_get_value_by_nick (klass, prefixed);
    }
  result = value != NULL ? value->value : -1;
  g_type_class_unref (klass);

  return result;
}

KsSimFault
ks_sim_fault_from_string (const char *text)
{
  g_autofree char *nick = NULL;
  int value;

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

  value = enum_value_by_nick (KS_TYPE_SIM_FAULT, nick, NULL);

  return value >= 0 ? (KsSimFault) value : KS_SIM_FAULT_NONE;
}

KsSimStep
ks_sim_step_from_string (const char *text)
{
  g_autofree char *nick = NULL;
  int value;

  if (text == NULL)
    return KS_SIM_N_STEPS;

  nick = g_strstrip (g_ascii_strdown (text, -1));
  if (g_str_equal (nick, "*"))
    return KS_SIM_STEP_ANY;
  if (g_str_equal (nick, "n-steps"))
    return KS_SIM_N_STEPS;

  value = enum_value_by_nick (KS_TYPE_SIM_STEP, nick, "step-");

  return value >= 0 ? (KsSimStep) value : KS_SIM_N_STEPS;
}

/* ------------------------------------------------------------------ */
/* Fault queues and plans                                             */

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

KsSimFault
_ks_sim_server_take_fault (KsSimServer       *self,
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
/* Faulty bodies                                                      */

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

static void
put_be32 (guint8  *data,
          guint32  value)
{
  data[0] = (value >> 24) & 0xff;
  data[1] = (value >> 16) & 0xff;
  data[2] = (value >> 8) & 0xff;
  data[3] = value & 0xff;
}

/* A small valid PNG whose header claims 100000 × 100000 pixels. */
static GBytes *
huge_png_new (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 8, 8);
  g_autofree char *buffer = NULL;
  gsize length = 0;
  guint8 *data;

  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", NULL, NULL) || length < 33)
    return g_bytes_new_static ("", 0);

  data = (guint8 *) buffer;
  g_assert (memcmp (data + 12, "IHDR", 4) == 0);
  put_be32 (data + 16, 100000);   /* width */
  put_be32 (data + 20, 100000);   /* height */
  put_be32 (data + 29, crc32_of (data + 12, 17));

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

  return _ks_sim_server_node_to_string (out);
}

/* What @fault does to a JSON reply or stream event. */
GBytes *
_ks_sim_server_json_fault_body (KsSimFault  fault,
                                GBytes     *body)
{
  if (fault == KS_SIM_FAULT_MALFORMED_JSON)
    {
      gsize length;
      const char *data = g_bytes_get_data (body, &length);
      GString *text = g_string_new_len (data, length / 2);

      g_string_append (text, "<html><body>upstream said: \"");
      return g_string_free_to_bytes (text);
    }

  if (fault == KS_SIM_FAULT_WRONG_TYPES)
    {
      char *text = wrong_types_json (body);

      return g_bytes_new_take (text, strlen (text));
    }

  if (fault == KS_SIM_FAULT_MISSING_FIELDS)
    return g_bytes_new_static ("{}", 2);

  return g_bytes_ref (body);
}

/* What @fault does to an image reply; @content_type may change with it. */
GBytes *
_ks_sim_server_image_fault_body (KsSimFault   fault,
                                 GBytes      *body,
                                 const char **content_type)
{
  if (fault == KS_SIM_FAULT_NOT_AN_IMAGE)
    return g_bytes_new_static (not_an_image, strlen (not_an_image));

  if (fault == KS_SIM_FAULT_HUGE_DIMENSIONS)
    {
      *content_type = "image/png";
      return huge_png_new ();
    }

  return g_bytes_ref (body);
}
