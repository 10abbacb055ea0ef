/* The error domain: stable nicks for scripts, and which failures are worth
 * retrying without changing anything. */

#include "config.h"

#include "ks-core.h"
#include "ks-core-enums.h"

/* The nicks a script sees match the enum's registered nicks, one each. */
static void
test_error_nicks (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (KS_TYPE_ERROR);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (klass->n_values, ==, KS_ERROR_IO + 1);

  for (guint i = 0; i < klass->n_values; i++)
    {
      const GEnumValue *value = &klass->values[i];
      const char *nick = ks_error_code_nick (value->value);

      g_assert_cmpstr (nick, ==, value->value_nick);
      g_assert_cmpstr (nick, !=, "unknown");
      g_assert_false (g_hash_table_contains (seen, nick));
      g_hash_table_add (seen, (gpointer) nick);
    }

  g_assert_cmpstr (ks_error_code_nick (KS_ERROR_NO_KEY), ==, "no-key");
  g_assert_cmpstr (ks_error_code_nick (KS_ERROR_KEYRING), ==, "keyring");
  g_assert_cmpstr (ks_error_code_nick (-1), ==, "unknown");
  g_assert_cmpstr (ks_error_code_nick (KS_ERROR_IO + 1), ==, "unknown");
  g_assert_cmpstr (ks_error_code_nick (G_MAXINT), ==, "unknown");
}

static void
test_error_transient (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (KS_TYPE_ERROR);
  g_autoptr(GError) io_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");

  for (guint i = 0; i < klass->n_values; i++)
    {
      int code = klass->values[i].value;
      g_autoptr(GError) error = g_error_new_literal (KS_ERROR, code, "x");
      gboolean expected = code == KS_ERROR_RATE_LIMITED || code == KS_ERROR_SERVER ||
                          code == KS_ERROR_NETWORK;

      g_test_message ("%s", ks_error_code_nick (code));
      g_assert_cmpint (ks_error_is_transient (error), ==, expected);
    }

  /* Only our own domain is judged. */
  g_assert_false (ks_error_is_transient (io_error));
  g_assert_false (ks_error_is_transient (NULL));
  g_assert_cmpstr (g_quark_to_string (KS_ERROR), ==, "ks-error-quark");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/error/nicks", test_error_nicks);
  g_test_add_func ("/error/transient", test_error_transient);

  return g_test_run ();
}
