/* The app's service address setting goes through the same check as the
 * client and kontext-cli: an address dressed up to look local is never
 * used, and the key never goes to it. */

#include "config.h"

#include <string.h>

#include "ks-core.h"
#include "ks-session.h"

static const char * const refused[] = {
  "http://example.com",
  "http://127.0.0.1.evil.com",
  "http://localhost.evil.com",
  "http://127.0.0.1@evil.com",
  "http://evil.com#@127.0.0.1",
  "HTTP://EXAMPLE.COM",
  "http://[::ffff:127.0.0.1]:8080",
  "ftp://127.0.0.1",
  "https://user:secret@proxy.example.com",
};

static void
wait_key_lookup (KsSession *session)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (ks_session_get_key_state (session) == KS_KEY_STATE_LOOKING)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static void
test_base_url_setting (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.kontextstudio.KontextStudio");
  g_autoptr(KsSession) session = ks_session_new (settings);

  /* Loopback http is taken. */
  g_settings_set_string (settings, "base-url", "http://127.0.0.1:9");
  g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (session)), ==, "http://127.0.0.1:9");
  wait_key_lookup (session);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      const char *base_url;

      g_settings_set_string (settings, "base-url", refused[i]);
      base_url = ks_client_get_base_url (ks_session_get_client (session));
      if (!g_str_equal (base_url, "https://queue.fal.run"))
        g_error ("The setting “%s” gave a client for “%s”", refused[i], base_url);
      wait_key_lookup (session);

      /* Back to a good one in between, so each change is a change. */
      g_settings_set_string (settings, "base-url", "https://proxy.example.com/fal");
      g_assert_cmpstr (ks_client_get_base_url (ks_session_get_client (session)), ==,
                       "https://proxy.example.com/fal");
      wait_key_lookup (session);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Never a real keyring from here: the lookup fails fast. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);

  g_test_add_func ("/security/gui/base-url-setting", test_base_url_setting);

  return g_test_run ();
}
