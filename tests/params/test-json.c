/* The defensive JSON helpers every parser of outside data relies on. */

#include "config.h"

#include <string.h>

#include "ks-core.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  node = ks_json_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  return node;
}

static void
test_json_parse_bytes (void)
{
  static const char * const bad[] = { "", "   ", "{", "{\"a\":}", "<html>502 Bad Gateway</html>", "nul" };
  g_autoptr(JsonNode) node = parse ("{\"status\":\"IN_QUEUE\"}");

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (node), "status"), ==, "IN_QUEUE");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (bad[i], strlen (bad[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) bad_node = NULL;

      g_test_message ("%s", bad[i]);
      bad_node = ks_json_parse_bytes (bytes, &error);
      g_assert_null (bad_node);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      g_assert_cmpstr (error->message, !=, "");
    }
}

#define MIXED \
  "{\"s\":\"text\",\"i\":42,\"neg\":-7,\"d\":2.5,\"whole\":3.0,\"huge\":1e300," \
  "\"t\":true,\"f\":false,\"n\":null,\"o\":{\"x\":1},\"a\":[1,2],\"num_text\":\"42\"}"

/* Each getter answers only for its own type; everything else is "absent". */
static void
test_json_typed_getters (void)
{
  g_autoptr(JsonNode) node = parse (MIXED);
  JsonObject *object = json_node_get_object (node);
  static const char * const members[] = { "s", "i", "neg", "d", "whole", "huge", "t", "f", "n", "o", "a", "num_text", "missing" };
  gint64 i = -1;
  double d = -1;
  gboolean b = FALSE;

  for (guint k = 0; k < G_N_ELEMENTS (members); k++)
    {
      const char *m = members[k];
      gboolean is_int = g_str_equal (m, "i") || g_str_equal (m, "neg") || g_str_equal (m, "whole");
      gboolean is_number = is_int || g_str_equal (m, "d") || g_str_equal (m, "huge");

      g_test_message ("member %s", m);
      g_assert_true ((ks_json_get_string_member (object, m) != NULL) ==
                     (g_str_equal (m, "s") || g_str_equal (m, "num_text")));
      g_assert_true ((ks_json_get_object_member (object, m) != NULL) == g_str_equal (m, "o"));
      g_assert_true ((ks_json_get_array_member (object, m) != NULL) == g_str_equal (m, "a"));
      g_assert_cmpint (ks_json_get_int_member (object, m, NULL), ==, is_int);
      g_assert_cmpint (ks_json_get_double_member (object, m, NULL), ==, is_number);
      g_assert_cmpint (ks_json_get_bool_member (object, m, NULL), ==,
                       g_str_equal (m, "t") || g_str_equal (m, "f"));
    }

  g_assert_true (ks_json_get_int_member (object, "i", &i));
  g_assert_cmpint (i, ==, 42);
  g_assert_true (ks_json_get_int_member (object, "neg", &i));
  g_assert_cmpint (i, ==, -7);
  g_assert_true (ks_json_get_int_member (object, "whole", &i));
  g_assert_cmpint (i, ==, 3);
  g_assert_true (ks_json_get_double_member (object, "d", &d));
  g_assert_cmpfloat (d, ==, 2.5);
  g_assert_true (ks_json_get_double_member (object, "i", &d));
  g_assert_cmpfloat (d, ==, 42);
  g_assert_true (ks_json_get_bool_member (object, "f", &b));
  g_assert_false (b);
  g_assert_true (ks_json_get_bool_member (object, "t", &b));
  g_assert_true (b);
  g_assert_cmpint (json_object_get_size (ks_json_get_object_member (object, "o")), ==, 1);
  g_assert_cmpuint (json_array_get_length (ks_json_get_array_member (object, "a")), ==, 2);

  /* A refused read leaves the output alone. */
  i = 99;
  g_assert_false (ks_json_get_int_member (object, "d", &i));
  g_assert_cmpint (i, ==, 99);

  /* No object at all is not a crash. */
  g_assert_null (ks_json_get_string_member (NULL, "s"));
  g_assert_null (ks_json_get_object_member (NULL, "o"));
  g_assert_false (ks_json_get_int_member (NULL, "i", &i));
  g_assert_false (ks_json_get_uint64_member (NULL, "i", NULL));
}

static void
test_json_uint64 (void)
{
  static const struct { const char *text; guint64 value; } good[] = {
    { "0", 0 },
    { "1", 1 },
    { "9007199254740993", G_GUINT64_CONSTANT (9007199254740993) },        /* 2^53 + 1: no double can hold it */
    { "9223372036854775807", G_GUINT64_CONSTANT (9223372036854775807) },  /* 2^63 - 1 */
    { "9223372036854775808", G_GUINT64_CONSTANT (9223372036854775808) },  /* 2^63 */
    { "15860307465884635512", G_GUINT64_CONSTANT (15860307465884635512) },/* fal's documented example */
    { "18446744073709551615", G_MAXUINT64 },                               /* 2^64 - 1 */
  };
  static const char * const bad_members[] = {
    "{\"seed\":\"-1\"}",
    "{\"seed\":\"18446744073709551616\"}",
    "{\"seed\":\"12abc\"}",
    "{\"seed\":\"\"}",
    "{\"seed\":\" 5\"}",
    "{\"seed\":1.5}",
    "{\"seed\":-2.0}",
    "{\"seed\":1e300}",
    "{\"seed\":true}",
    "{\"seed\":null}",
    "{\"seed\":[1]}",
    "{\"seed\":{\"v\":1}}",
    "{\"other\":1}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *as_number = g_strdup_printf ("{\"seed\":%s}", good[i].text);
      g_autofree char *as_string = g_strdup_printf ("{\"seed\":\"%s\"}", good[i].text);
      g_autoptr(JsonNode) number_node = parse (as_number);
      g_autoptr(JsonNode) string_node = parse (as_string);
      g_autoptr(JsonNode) empty = parse ("{\"prompt\":\"x\"}");
      g_autoptr(JsonNode) back = NULL;
      g_autofree char *written = NULL;
      g_autofree char *pretty = NULL;
      guint64 value = 12345;

      g_test_message ("%s", good[i].text);
      g_assert_true (ks_json_get_uint64_member (json_node_get_object (number_node), "seed", &value));
      g_assert_cmpuint (value, ==, good[i].value);
      value = 12345;
      g_assert_true (ks_json_get_uint64_member (json_node_get_object (string_node), "seed", &value));
      g_assert_cmpuint (value, ==, good[i].value);

      /* Written with all its digits, read back exactly. */
      written = ks_json_to_string_with_uint64 (empty, "seed", good[i].value, FALSE);
      g_assert_nonnull (strstr (written, good[i].text));
      back = parse (written);
      value = 12345;
      g_assert_true (ks_json_get_uint64_member (json_node_get_object (back), "seed", &value));
      g_assert_cmpuint (value, ==, good[i].value);
      g_assert_cmpstr (ks_json_get_string_member (json_node_get_object (back), "prompt"), ==, "x");

      pretty = ks_json_to_string_with_uint64 (empty, "seed", good[i].value, TRUE);
      g_assert_nonnull (strstr (pretty, good[i].text));
      g_clear_pointer (&back, json_node_unref);
      back = parse (pretty);
      g_assert_true (ks_json_get_uint64_member (json_node_get_object (back), "seed", &value));
      g_assert_cmpuint (value, ==, good[i].value);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_members); i++)
    {
      g_autoptr(JsonNode) node = parse (bad_members[i]);
      guint64 value = 12345;

      g_test_message ("%s", bad_members[i]);
      g_assert_false (ks_json_get_uint64_member (json_node_get_object (node), "seed", &value));
      g_assert_cmpuint (value, ==, 12345);
    }
}

static void
test_json_to_string_with_uint64 (void)
{
  g_autoptr(JsonNode) empty = parse ("{}");
  g_autoptr(JsonNode) full = parse ("{\"prompt\":\"a \\\"quoted\\\" é\",\"seed\":1,\"n\":[1,2]}");
  g_autoptr(JsonNode) back = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  guint64 value = 0;

  /* Into an empty object. */
  text = ks_json_to_string_with_uint64 (empty, "seed", 7, FALSE);
  g_assert_cmpstr (text, ==, "{\"seed\":7}");
  g_clear_pointer (&text, g_free);
  text = ks_json_to_string_with_uint64 (empty, "seed", 7, TRUE);
  back = parse (text);
  g_assert_true (ks_json_get_uint64_member (json_node_get_object (back), "seed", &value));
  g_assert_cmpuint (value, ==, 7);

  /* An existing member of that name is replaced, not duplicated; the input
   * is left as it was. */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&back, json_node_unref);
  text = ks_json_to_string_with_uint64 (full, "seed", G_MAXUINT64, FALSE);
  g_assert_nonnull (strstr (text, "18446744073709551615"));
  g_assert_null (strstr (text, "\"seed\":1,"));
  back = parse (text);
  object = json_node_get_object (back);
  g_assert_cmpuint (json_object_get_size (object), ==, 3);
  g_assert_cmpstr (ks_json_get_string_member (object, "prompt"), ==, "a \"quoted\" é");
  g_assert_true (ks_json_get_uint64_member (object, "seed", &value));
  g_assert_cmpuint (value, ==, G_MAXUINT64);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (full), "seed"), ==, 1);

  /* Member names are escaped as JSON, whatever they hold. */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&back, json_node_unref);
  text = ks_json_to_string_with_uint64 (empty, "sé\"\\\n", 5, FALSE);
  back = parse (text);
  g_assert_true (ks_json_get_uint64_member (json_node_get_object (back), "sé\"\\\n", &value));
  g_assert_cmpuint (value, ==, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/json/parse-bytes", test_json_parse_bytes);
  g_test_add_func ("/json/typed-getters", test_json_typed_getters);
  g_test_add_func ("/json/uint64", test_json_uint64);
  g_test_add_func ("/json/to-string-with-uint64", test_json_to_string_with_uint64);

  return g_test_run ();
}
