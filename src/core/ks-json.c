#define G_LOG_DOMAIN "ks-json"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-json.h"

JsonNode *
ks_json_parse_bytes (GBytes  *bytes,
                     GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize size;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent an empty reply."));
      return NULL;
    }

  if (!ks_json_nesting_is_shallow (data, size))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent a reply nested too deeply to be read."));
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, size, &local_error))
    {
      g_autofree char *why = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("The service sent a reply that is not valid JSON (%s)."), why);
      return NULL;
    }

  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent an empty reply."));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

gboolean
ks_json_nesting_is_shallow (const char *data,
                            gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > KS_JSON_MAX_DEPTH)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }

  return TRUE;
}

static JsonNode *
get_member (JsonObject *object,
            const char *member)
{
  if (object == NULL || member == NULL)
    return NULL;

  return json_object_get_member (object, member);
}

JsonObject *
ks_json_get_object_member (JsonObject *object,
                           const char *member)
{
  JsonNode *node = get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
ks_json_get_array_member (JsonObject *object,
                          const char *member)
{
  JsonNode *node = get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
ks_json_get_string_member (JsonObject *object,
                           const char *member)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  /* json-glib turns escapes such as "\\377" into bytes that are not
   * UTF-8: such a string is as unusable as a missing one. */
  if (!g_utf8_validate (json_node_get_string (node), -1, NULL))
    return NULL;

  return json_node_get_string (node);
}

gboolean
ks_json_get_int_member (JsonObject *object,
                        const char *member,
                        gint64     *out_value)
{
  JsonNode *node = get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      if (out_value != NULL)
        *out_value = json_node_get_int (node);
      return TRUE;
    }

  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (!isfinite (d) || d != floor (d) || d < -9.2e18 || d > 9.2e18)
        return FALSE;
      if (out_value != NULL)
        *out_value = (gint64) d;
      return TRUE;
    }

  return FALSE;
}

gboolean
ks_json_get_double_member (JsonObject *object,
                           const char *member,
                           double     *out_value)
{
  JsonNode *node = get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;

  if (out_value != NULL)
    *out_value = json_node_get_double (node);

  return TRUE;
}

gboolean
ks_json_get_bool_member (JsonObject *object,
                         const char *member,
                         gboolean   *out_value)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;

  if (out_value != NULL)
    *out_value = json_node_get_boolean (node);

  return TRUE;
}

gboolean
ks_json_get_uint64_member (JsonObject *object,
                           const char *member,
                           guint64    *out_value)
{
  JsonNode *node = get_member (object, member);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);

  /* json-glib reads integers into a gint64 with two's-complement
   * wrap-around, so the bits of a value in [2^63, 2^64) survive intact.
   * Seeds are never negative, so the cast back is exact. */
  if (type == G_TYPE_INT64)
    {
      if (out_value != NULL)
        *out_value = (guint64) json_node_get_int (node);
      return TRUE;
    }

  if (type == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      guint64 value;

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &value, NULL))
        return FALSE;
      if (out_value != NULL)
        *out_value = value;
      return TRUE;
    }

  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* Precision is already lost above 2^53; accept only exact integers. */
      if (!isfinite (d) || d < 0 || d != floor (d) || d > 9007199254740992.0)
        return FALSE;
      if (out_value != NULL)
        *out_value = (guint64) d;
      return TRUE;
    }

  return FALSE;
}

char *
ks_json_to_string_with_uint64 (JsonNode   *root,
                               const char *member,
                               guint64     value,
                               gboolean    pretty)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) copy = NULL;
  g_autoptr(JsonNode) name_node = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *text = NULL;
  g_autofree char *quoted = NULL;
  JsonObject *object;
  GString *out;
  char *close;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);
  g_return_val_if_fail (member != NULL, NULL);

  /* Generate without the member, then append it by hand: json-glib can only
   * write signed 64-bit integers. The members go into a new object because
   * json_node_copy() shares the caller's, which may also be sealed. */
  object = json_object_new ();
  members = json_object_get_members (json_node_get_object (root));
  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (g_strcmp0 (l->data, member) != 0)
        json_object_set_member (object, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (root), l->data)));
    }
  copy = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  generator = json_generator_new ();
  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, copy);
  text = json_generator_to_data (generator, NULL);

  close = strrchr (text, '}');
  g_assert (close != NULL);

  /* The member name goes through the generator too, so that quotes,
   * control characters and UTF-8 come out as valid JSON (g_strescape()
   * would write octal escapes, which JSON does not have). */
  name_node = json_node_init_string (json_node_alloc (), member);
  json_generator_set_pretty (generator, FALSE);
  json_generator_set_root (generator, name_node);
  quoted = json_generator_to_data (generator, NULL);

  out = g_string_new_len (text, close - text);
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  if (out->len > 0 && out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  if (pretty)
    g_string_append (out, "\n  ");
  g_string_append_printf (out, "%s%s%" G_GUINT64_FORMAT, quoted, pretty ? " : " : ":", value);
  if (pretty)
    g_string_append_c (out, '\n');
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}
