#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Parsing outside data: every getter checks the member's type first and
 * falls back to a default; nothing here ever trusts a reply's shape. */

JsonNode   *ks_json_parse_bytes          (GBytes      *bytes,
                                          GError     **error);
/* json-glib parses (and frees) recursively: a reply of a few hundred
 * kilobytes of "[[[[…" overflows the stack. FALSE when @data nests
 * objects and arrays deeper than KS_JSON_MAX_DEPTH; check before parsing. */
#define KS_JSON_MAX_DEPTH 256
gboolean    ks_json_nesting_is_shallow   (const char  *data,
                                          gsize        length);
JsonObject *ks_json_get_object_member    (JsonObject  *object,
                                          const char  *member);   /* NULL unless an object */
JsonArray  *ks_json_get_array_member     (JsonObject  *object,
                                          const char  *member);   /* NULL unless an array */
const char *ks_json_get_string_member    (JsonObject  *object,
                                          const char  *member);   /* NULL unless a string of valid UTF-8 */
gboolean    ks_json_get_int_member       (JsonObject  *object,
                                          const char  *member,
                                          gint64      *out_value); /* FALSE unless an integer (or integral double) */
gboolean    ks_json_get_double_member    (JsonObject  *object,
                                          const char  *member,
                                          double      *out_value); /* integers accepted */
gboolean    ks_json_get_bool_member      (JsonObject  *object,
                                          const char  *member,
                                          gboolean    *out_value);
/* Seeds go past 2^63: json-glib stores such integers as wrapped gint64,
 * which this reads back exactly. Decimal strings are accepted too. */
gboolean    ks_json_get_uint64_member    (JsonObject  *object,
                                          const char  *member,
                                          guint64     *out_value);
/* Serialises @root (an object) and appends "member":<value> with the full
 * unsigned 64-bit value, which json-glib's generator cannot write. */
char       *ks_json_to_string_with_uint64 (JsonNode   *root,
                                           const char *member,
                                           guint64     value,
                                           gboolean    pretty);

G_END_DECLS
