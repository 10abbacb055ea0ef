/* TLS: a service whose certificate is not trusted is refused, with words
 * that say so, by the client and by kontext-cli; nothing in the code
 * accepts a certificate the system does not. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "security-util.h"

#define KEY "ks-tls-id:ks-tls-secret-7e57c0de"

static const char *cli_path;
static char *tmpdir;
static char *cert_path;
static GTlsCertificate *certificate;

/* A self-signed certificate for 127.0.0.1, made for this run. */
static void
make_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (openssl == NULL)
    g_error ("openssl is needed to make a test certificate (apt-get install openssl)");

  tmpdir = g_dir_make_tmp ("ks-sec-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert_path = g_build_filename (tmpdir, "cert.pem", NULL);
  key_path = g_build_filename (tmpdir, "key.pem", NULL);

  {
    const char *argv[] = {
      openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-keyout", key_path, "-out", cert_path, "-days", "2",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      NULL
    };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("openssl could not make a certificate: %s", err);
  }

  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);
  g_unlink (key_path);
}

/* The server is sound: a session that trusts this very certificate gets
 * its answer. What the client refuses is the trust, nothing else. */
static void
test_server_works_when_trusted (void)
{
  g_autoptr(Hostile) hostile = hostile_new (certificate);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (cert_path, &error);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("tls-database", database,
                                                                  "proxy-resolver", NULL, NULL);
  g_autofree char *url = hostile_url (hostile, "ok");
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (url, "https://127.0.0.1:"));

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, store_result, &result);
  wait_for (&result);
  body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "IN_QUEUE"));
  g_assert_cmpuint (hostile_count (hostile, "/ok"), ==, 1);
}

static void
test_client_refuses (void)
{
  g_autoptr(Hostile) hostile = hostile_new (certificate);
  g_autofree char *base = hostile_url (hostile, "ok");
  g_autofree char *image = hostile_url (hostile, "small.png");
  g_autoptr(KsClient) client = ks_client_new (base);
  g_autoptr(KsRequest) made = ks_request_new (base, "fal-ai/flux-pro/kontext", "abc");
  g_autoptr(GError) error = NULL;

  ks_client_set_api_key (client, KEY);
  g_object_set (client, "max-retries", 2, "retry-base-delay", 10, NULL);

  {
    g_autoptr(KsRequest) request = do_submit (client, &error);

    g_assert_null (request);
    assert_error_says (error, KS_ERROR_NETWORK, "secure connection");
    assert_error_says (error, KS_ERROR_NETWORK, "127.0.0.1");
    g_assert_null (strstr (error->message, "ks-tls-secret"));
    g_clear_error (&error);
  }
  {
    g_autoptr(KsStatus) status = do_status (client, made, &error);

    g_assert_null (status);
    assert_error_says (error, KS_ERROR_NETWORK, "secure connection");
    g_clear_error (&error);
  }
  {
    g_autoptr(KsResult) result = do_result (client, made, &error);

    g_assert_null (result);
    assert_error_says (error, KS_ERROR_NETWORK, "secure connection");
    g_clear_error (&error);
  }
  {
    guint n_events = 0;
    g_autoptr(KsStatus) status = do_stream (client, made, &n_events, &error);

    g_assert_null (status);
    g_assert_nonnull (error);
    g_assert_cmpuint (n_events, ==, 0);
    g_clear_error (&error);
  }
  {
    g_autoptr(GBytes) bytes = do_download (client, image, &error);

    g_assert_null (bytes);
    assert_error_says (error, KS_ERROR_NETWORK, "secure connection");
    g_clear_error (&error);
  }
  {
    g_autofree char *file_url = do_upload (client, &error);

    g_assert_null (file_url);
    assert_error_says (error, KS_ERROR_NETWORK, "secure connection");
    g_clear_error (&error);
  }

  /* Not one request got through the handshake. */
  g_assert_cmpuint (hostile->paths->len, ==, 0);
}

typedef struct
{
  gboolean  done;
  int       status;
  char     *out;
  char     *err;
} CliRun;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  CliRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (G_SUBPROCESS (object)));
  run->status = g_subprocess_get_exit_status (G_SUBPROCESS (object));
  run->done = TRUE;
}

static void
test_cli_refuses (void)
{
  g_autoptr(Hostile) hostile = hostile_new (certificate);
  g_autofree char *base = hostile_url (hostile, "ok");
  g_autofree char *library = g_build_filename (tmpdir, "library", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;
  CliRun run = { 0 };

  g_assert_nonnull (cli_path);
  g_subprocess_launcher_set_cwd (launcher, tmpdir);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_LIBRARY_DIR", library, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  subprocess = g_subprocess_launcher_spawn (launcher, &error, cli_path, "generate",
                                            "--prompt", "a lighthouse", "--out", tmpdir,
                                            "--retry-delay=10", "--base-url", base, NULL);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (subprocess, NULL, NULL, communicate_cb, &run);
  while (!run.done)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("kontext-cli did not finish");
    }
  if (g_test_verbose ())
    g_printerr ("exit %d\n%s%s", run.status, run.out, run.err);

  /* 11: network. */
  g_assert_cmpint (run.status, ==, 11);
  g_assert_nonnull (strstr (run.err, "secure connection"));
  g_assert_null (strstr (run.err, "ks-tls-secret"));
  g_assert_null (strstr (run.out, "ks-tls-secret"));
  g_assert_cmpuint (hostile->paths->len, ==, 0);

  /* Nothing went out, and the library says so: failed, not "may have
   * been billed". */
  {
    g_autoptr(GFile) directory = g_file_new_for_path (library);
    g_autoptr(KsLibrary) records = ks_library_new (directory);
    g_autoptr(KsRecord) record = NULL;

    g_assert_true (ks_library_load (records, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_records (records)), ==, 1);
    record = g_list_model_get_item (ks_library_get_records (records), 0);
    g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_FAILED);
  }

  g_free (run.out);
  g_free (run.err);
}

/* Nothing in the program may loosen certificate checks: no handler that
 * accepts a certificate, no interaction, no validation flags. */
static void
test_no_bypass_in_code (void)
{
  const char *forbidden[] = {
    "accept-certificate",
    "accept_certificate",
    "tls-interaction",
    "soup_session_set_tls_interaction",
    "ssl-strict",
    "tls-validation-flags",
    "g_tls_client_connection_set_validation_flags",
    "soup_message_set_tls_client_certificate",
    "soup_session_set_tls_database",
    "tls-database",
    "G_TLS_CERTIFICATE_VALIDATE",
  };
  g_autofree char *src = g_build_filename (TEST_SRCDIR, "..", "src", NULL);
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  guint n_files = 0;

  g_ptr_array_add (dirs, g_steal_pointer (&src));

  while (dirs->len > 0)
    {
      g_autofree char *dir_path = g_ptr_array_steal_index (dirs, dirs->len - 1);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          g_autofree char *text = NULL;

          if (g_file_test (path, G_FILE_TEST_IS_DIR))
            {
              g_ptr_array_add (dirs, g_steal_pointer (&path));
              continue;
            }
          if (!g_str_has_suffix (name, ".c") && !g_str_has_suffix (name, ".h"))
            continue;
          /* The test server may serve TLS; it never is a client. */
          if (g_str_has_prefix (name, "ks-sim-"))
            continue;

          g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
          n_files++;
          for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
            if (strstr (text, forbidden[i]) != NULL)
              g_error ("%s mentions %s", path, forbidden[i]);
        }
    }

  /* The walk found the program's sources. */
  g_assert_cmpuint (n_files, >, 50);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  cli_path = argc > 1 ? argv[1] : g_getenv ("KONTEXT_CLI");
  make_certificate ();

  g_test_add_func ("/security/tls/server-works-when-trusted", test_server_works_when_trusted);
  g_test_add_func ("/security/tls/client-refuses", test_client_refuses);
  g_test_add_func ("/security/tls/cli-refuses", test_cli_refuses);
  g_test_add_func ("/security/tls/no-bypass-in-code", test_no_bypass_in_code);

  status = g_test_run ();

  g_clear_object (&certificate);
  g_unlink (cert_path);
  g_rmdir (tmpdir);
  g_free (cert_path);
  g_free (tmpdir);

  return status;
}
