/* Credentials: FAL_KEY over the keyring, a real Secret Service round trip,
 * and a keyring that is absent or silent failing in time, never hanging.
 *
 * The suite runs with an unlocked Secret Service (dbus-run-session and
 * gnome-keyring-daemon --unlock). Where there is none on purpose, set
 * KS_TEST_NO_KEYRING=1: the keyring tests then assert the KS_ERROR_KEYRING
 * path instead. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <libsecret/secret.h>

#include "ks-core.h"

/* Generous: a loaded machine must not turn a pass into a failure. */
#define SHORT_TIMEOUT_MS 2000
#define SLACK_US         (8 * G_USEC_PER_SEC)

typedef struct
{
  gboolean     done;
  char        *key;
  KsKeySource  source;
  gboolean     ok;
  GError      *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  ks_credentials_free_key (outcome->key);
  g_clear_error (&outcome->error);
  memset (outcome, 0, sizeof *outcome);
}

static void
lookup_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->key = ks_credentials_lookup_finish (result, &outcome->source, &outcome->error);
  outcome->done = TRUE;
}

static void
store_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->ok = ks_credentials_store_finish (result, &outcome->error);
  outcome->done = TRUE;
}

static void
clear_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->ok = ks_credentials_clear_finish (result, &outcome->error);
  outcome->done = TRUE;
}

static void
wait_for (Outcome *outcome)
{
  while (!outcome->done)
    g_main_context_iteration (NULL, TRUE);
}

static gint64
lookup (const char   *base_url,
        guint         timeout_ms,
        GCancellable *cancellable,
        Outcome      *outcome)
{
  gint64 start = g_get_monotonic_time ();

  outcome_clear (outcome);
  ks_credentials_lookup_async (base_url, timeout_ms, cancellable, lookup_done, outcome);
  wait_for (outcome);

  return g_get_monotonic_time () - start;
}

static gint64
store (const char *base_url,
       const char *key,
       Outcome    *outcome)
{
  gint64 start = g_get_monotonic_time ();

  outcome_clear (outcome);
  ks_credentials_store_async (base_url, key, SHORT_TIMEOUT_MS, NULL, store_done, outcome);
  wait_for (outcome);

  return g_get_monotonic_time () - start;
}

static gint64
clear (const char *base_url,
       Outcome    *outcome)
{
  gint64 start = g_get_monotonic_time ();

  outcome_clear (outcome);
  ks_credentials_clear_async (base_url, SHORT_TIMEOUT_MS, NULL, clear_done, outcome);
  wait_for (outcome);

  return g_get_monotonic_time () - start;
}

static gboolean
keyring_expected (void)
{
  return g_strcmp0 (g_getenv ("KS_TEST_NO_KEYRING"), "1") != 0;
}

/* NULL when a Secret Service answers with an unlocked default collection;
 * otherwise why not. Storing into a missing or locked collection would
 * raise an unlock prompt, which cannot be shown here. */
static char *
keyring_unready_reason (void)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  if (service == NULL)
    return g_strdup (error->message);

  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  if (collection == NULL)
    return g_strdup (error != NULL ? error->message : "there is no default collection");

  if (secret_collection_get_locked (collection))
    return g_strdup ("the default collection is locked");

  return NULL;
}

static char *
unique_base_url (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strdup_printf ("https://proxy-%s.example.test/v1", uuid);
}

/* The error a person sees says what to do instead. */
static void
assert_keyring_error (const GError *error)
{
  g_assert_error (error, KS_ERROR, KS_ERROR_KEYRING);
  g_assert_nonnull (strstr (error->message, "FAL_KEY"));
}

static void
test_credentials_environment (void)
{
  Outcome outcome = { 0, };
  gint64 elapsed;

  g_setenv ("FAL_KEY", "6b2f1c9e-id:0123456789abcdef", TRUE);
  elapsed = lookup (NULL, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.key, ==, "6b2f1c9e-id:0123456789abcdef");
  g_assert_cmpint (outcome.source, ==, KS_KEY_SOURCE_ENVIRONMENT);
  /* No keyring is asked: this is immediate even without any bus. */
  g_assert_cmpint (elapsed, <, SLACK_US);

  /* Whatever the base URL. */
  lookup ("http://127.0.0.1:8080", SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_cmpstr (outcome.key, ==, "6b2f1c9e-id:0123456789abcdef");
  g_assert_cmpint (outcome.source, ==, KS_KEY_SOURCE_ENVIRONMENT);

  /* Empty counts as unset: the keyring is asked, which (for a base URL
   * nobody stored a key for) never yields the environment. */
  g_setenv ("FAL_KEY", "", TRUE);
  {
    g_autofree char *url = unique_base_url ();

    lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
    g_assert_null (outcome.key);
    g_assert_cmpint (outcome.source, ==, KS_KEY_SOURCE_NONE);
    g_assert_nonnull (outcome.error);
    g_assert_true (outcome.error->domain == KS_ERROR);
    g_assert_true (outcome.error->code == KS_ERROR_NO_KEY || outcome.error->code == KS_ERROR_KEYRING);
  }

  g_unsetenv ("FAL_KEY");
  outcome_clear (&outcome);
}

static void
test_credentials_no_key (void)
{
  g_autofree char *url = unique_base_url ();
  Outcome outcome = { 0, };
  gint64 elapsed;

  g_unsetenv ("FAL_KEY");
  elapsed = lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_null (outcome.key);
  g_assert_cmpint (elapsed, <, SHORT_TIMEOUT_MS * 1000 + SLACK_US);

  if (g_error_matches (outcome.error, KS_ERROR, KS_ERROR_KEYRING) && keyring_expected ())
    {
      g_test_fail_printf ("This suite needs an unlocked keyring (run it under dbus-run-session "
                          "with gnome-keyring-daemon --unlock), or set KS_TEST_NO_KEYRING=1: %s",
                          outcome.error->message);
      outcome_clear (&outcome);
      return;
    }

  if (keyring_expected ())
    {
      g_assert_error (outcome.error, KS_ERROR, KS_ERROR_NO_KEY);
      g_assert_nonnull (strstr (outcome.error->message, "FAL_KEY"));
    }
  else
    assert_keyring_error (outcome.error);

  outcome_clear (&outcome);
}

static void
test_credentials_round_trip (void)
{
  g_autofree char *url = unique_base_url ();
  g_autofree char *url_slash = g_strconcat (url, "/", NULL);
  g_autofree char *other = unique_base_url ();
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *key = g_strdup_printf ("%s:%s", uuid, "c0ffee-secret-part");
  g_autofree char *token = g_strdup_printf ("tok-%s", uuid);
  Outcome outcome = { 0, };
  gint64 elapsed;

  g_unsetenv ("FAL_KEY");

  if (keyring_expected ())
    {
      g_autofree char *reason = keyring_unready_reason ();

      if (reason != NULL)
        {
          g_test_fail_printf ("This suite needs an unlocked keyring (run it under dbus-run-session "
                              "with gnome-keyring-daemon --unlock), or set KS_TEST_NO_KEYRING=1: %s",
                              reason);
          return;
        }
    }

  elapsed = store (url, key, &outcome);
  g_assert_cmpint (elapsed, <, SHORT_TIMEOUT_MS * 1000 + SLACK_US);
  if (!keyring_expected ())
    {
      g_assert_false (outcome.ok);
      assert_keyring_error (outcome.error);
      lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
      assert_keyring_error (outcome.error);
      clear (url, &outcome);
      assert_keyring_error (outcome.error);
      outcome_clear (&outcome);
      return;
    }
  if (outcome.error != NULL)
    {
      g_test_fail_printf ("This suite needs an unlocked keyring (run it under dbus-run-session "
                          "with gnome-keyring-daemon --unlock), or set KS_TEST_NO_KEYRING=1: %s",
                          outcome.error->message);
      outcome_clear (&outcome);
      return;
    }
  g_assert_true (outcome.ok);

  lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.key, ==, key);
  g_assert_cmpint (outcome.source, ==, KS_KEY_SOURCE_KEYRING);

  /* The same service however its URL is written. */
  lookup (url_slash, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.key, ==, key);

  /* Another service has its own key. */
  lookup (other, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_error (outcome.error, KS_ERROR, KS_ERROR_NO_KEY);

  /* FAL_KEY wins over a stored key. */
  g_setenv ("FAL_KEY", "env-id:env-secret", TRUE);
  lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_cmpstr (outcome.key, ==, "env-id:env-secret");
  g_assert_cmpint (outcome.source, ==, KS_KEY_SOURCE_ENVIRONMENT);
  g_unsetenv ("FAL_KEY");

  /* Storing again replaces. */
  store (url, token, &outcome);
  g_assert_no_error (outcome.error);
  lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_cmpstr (outcome.key, ==, token);

  clear (url, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);

  lookup (url, SHORT_TIMEOUT_MS, NULL, &outcome);
  g_assert_null (outcome.key);
  g_assert_error (outcome.error, KS_ERROR, KS_ERROR_NO_KEY);

  /* Clearing what is not there is not an error. */
  clear (url, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (outcome.ok);

  outcome_clear (&outcome);
}

/* Run in a child process: the session bus address is read once per
 * process, so each bus situation needs a fresh one. */
static void
test_credentials_no_bus (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("ks-no-bus-XXXXXX", NULL);
      g_autofree char *address = g_strdup_printf ("unix:path=%s/no-such-socket", dir);
      Outcome outcome = { 0, };
      gint64 elapsed;

      g_unsetenv ("FAL_KEY");
      g_unsetenv ("DISPLAY");
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);

      elapsed = lookup (NULL, SHORT_TIMEOUT_MS, NULL, &outcome);
      g_test_message ("lookup without a bus failed in %" G_GINT64_FORMAT " ms: %s",
                      elapsed / 1000, outcome.error ? outcome.error->message : "(no error)");
      g_assert_null (outcome.key);
      assert_keyring_error (outcome.error);
      g_assert_cmpint (outcome.source, ==, KS_KEY_SOURCE_NONE);
      g_assert_cmpint (elapsed, <, SHORT_TIMEOUT_MS * 1000 + SLACK_US);

      elapsed = store (NULL, "id:secret", &outcome);
      g_assert_false (outcome.ok);
      assert_keyring_error (outcome.error);
      g_assert_cmpint (elapsed, <, SHORT_TIMEOUT_MS * 1000 + SLACK_US);

      elapsed = clear (NULL, &outcome);
      g_assert_false (outcome.ok);
      assert_keyring_error (outcome.error);
      g_assert_cmpint (elapsed, <, SHORT_TIMEOUT_MS * 1000 + SLACK_US);

      /* The environment still works without any keyring. */
      g_setenv ("FAL_KEY", "id:secret", TRUE);
      lookup (NULL, SHORT_TIMEOUT_MS, NULL, &outcome);
      g_assert_cmpstr (outcome.key, ==, "id:secret");

      outcome_clear (&outcome);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
}

/* A bus that accepts the connection and then never says a word: the
 * worst case, as when a keyring waits on a prompt nobody can see. */
static GSocket *
silent_bus (const char *path)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (socket, 16);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);

  return socket;
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_credentials_timeout (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("ks-silent-bus-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "bus", NULL);
      g_autofree char *address = g_strdup_printf ("unix:path=%s", path);
      g_autoptr(GSocket) bus = silent_bus (path);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Outcome outcome = { 0, };
      gint64 elapsed;

      g_unsetenv ("FAL_KEY");
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);

      elapsed = lookup (NULL, 1000, NULL, &outcome);
      g_test_message ("lookup against a silent bus gave up after %" G_GINT64_FORMAT " ms",
                      elapsed / 1000);
      g_assert_null (outcome.key);
      assert_keyring_error (outcome.error);
      g_assert_nonnull (strstr (outcome.error->message, "did not answer within 1 s"));
      g_assert_cmpint (elapsed, >=, 900 * 1000);
      g_assert_cmpint (elapsed, <, 1000 * 1000 + SLACK_US);

      /* Storing is bounded the same way. */
      elapsed = store (NULL, "id:secret", &outcome);
      assert_keyring_error (outcome.error);
      g_assert_cmpint (elapsed, <, SHORT_TIMEOUT_MS * 1000 + SLACK_US);

      /* The caller's cancellable answers at once, long before the deadline. */
      g_timeout_add (100, cancel_later, cancellable);
      elapsed = lookup (NULL, 60000, cancellable, &outcome);
      g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpint (elapsed, <, SLACK_US);

      outcome_clear (&outcome);
      g_socket_close (bus, NULL);
      g_unlink (path);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 40 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
}

static void
test_credentials_describe_key (void)
{
  static const struct { const char *key; const char *shown; } cases[] = {
    { "6b2f1c9e-1d2a:0123456789abcdef", "6b2f1c9e-1d2a:••••" },
    { ":secret", "••••" },
    { "sk-proxy-token-98761234", "••••1234" },
    { "short", "••••" },
    { "", "••••" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = ks_credentials_describe_key (cases[i].key);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }

  /* The secret part never shows. */
  {
    g_autofree char *shown = ks_credentials_describe_key ("id:0123456789abcdef");

    g_assert_null (strstr (shown, "0123"));
  }
  g_assert_null (ks_credentials_describe_key (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/credentials/describe-key", test_credentials_describe_key);
  g_test_add_func ("/credentials/environment", test_credentials_environment);
  g_test_add_func ("/credentials/no-key", test_credentials_no_key);
  g_test_add_func ("/credentials/round-trip", test_credentials_round_trip);
  g_test_add_func ("/credentials/no-bus", test_credentials_no_bus);
  g_test_add_func ("/credentials/timeout", test_credentials_timeout);

  return g_test_run ();
}
