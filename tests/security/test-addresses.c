/* Addresses: https for any service that is not this computer, the same
 * check in the client and in kontext-cli, no redirect for requests that
 * carry the key, and result images only from https, loopback http or
 * data: URLs, on every hop. */

#include "config.h"

#include <string.h>

#include "security-util.h"

#define KEY "ks-addr-id:ks-addr-secret-51c0ffee"

static const char *cli_path;

/* ---- Base URLs ------------------------------------------------------------ */

static const char * const allowed_bases[] = {
  "https://queue.fal.run",
  "HTTPS://Queue.Fal.Run",
  "https://proxy.example.com/fal",
  "https://proxy.example.com:8443/fal/",
  "http://127.0.0.1",
  "http://127.0.0.1:8080",
  "http://127.9.9.9:1",
  "HTTP://127.0.0.1:8080",
  "http://[::1]",
  "http://[::1]:9000/prefix",
  "http://localhost",
  "http://LOCALHOST:9000",
};

/* Plain http to somewhere else, however it is dressed up. */
static const char * const insecure_bases[] = {
  "http://example.com",
  "HTTP://EXAMPLE.COM",
  "http://queue.fal.run",
  "http://127.0.0.1.evil.com",
  "http://127.0.0.1.nip.io",
  "http://localhost.evil.com",
  "http://localhost.",
  "http://evil.com#@127.0.0.1",
  "http://evil.com?@localhost",
  "http://127.0.0.1@evil.com",
  "http://localhost:80@evil.com",
  "http://127.0.0.1:8080\\@evil.com",
  "http://10.0.0.1",
  "http://192.168.1.10:8080",
  "http://0.0.0.0:8080",
  "http://[::]:8080",
  "http://[::ffff:127.0.0.1]",
  "http://127.1",
  "http://2130706433",
  "http://0x7f.0.0.1",
  "http://%6c%6fcalhost.evil.com",
};

/* Not a usable service address at all. */
static const char * const invalid_bases[] = {
  "",
  "not a url",
  "queue.fal.run",
  "//queue.fal.run",
  "https://",
  "http:///path",
  "ftp://queue.fal.run",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "data:text/plain,hello",
  "ws://127.0.0.1:8080",
  "https://user:password@queue.fal.run",
  "https://127.0.0.1@queue.fal.run",
  "https://queue.fal.run/?token=abc",
  "https://queue.fal.run/#fragment",
};

static void
test_base_urls (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (allowed_bases); i++)
    {
      g_autoptr(GError) error = NULL;

      if (!ks_client_check_base_url (allowed_bases[i], &error))
        g_error ("“%s” was refused: %s", allowed_bases[i], error->message);
    }

  for (guint i = 0; i < G_N_ELEMENTS (insecure_bases); i++)
    {
      g_autoptr(GError) error = NULL;

      if (ks_client_check_base_url (insecure_bases[i], &error))
        g_error ("“%s” was accepted", insecure_bases[i]);
      g_assert_nonnull (error);
      g_assert_true (error->domain == KS_ERROR);
      g_assert_true (error->code == KS_ERROR_INSECURE || error->code == KS_ERROR_INVALID_PARAMS);
      /* Says what to do about it. */
      if (error->code == KS_ERROR_INSECURE)
        assert_error_says (error, KS_ERROR_INSECURE, "https");
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid_bases); i++)
    {
      g_autoptr(GError) error = NULL;

      if (ks_client_check_base_url (invalid_bases[i], &error))
        g_error ("“%s” was accepted", invalid_bases[i]);
      g_assert_nonnull (error);
      g_assert_true (error->domain == KS_ERROR);
      g_assert_cmpuint (strlen (error->message), >, 10);
    }

  /* Only fal's own queue counts as fal's (its status URLs and its storage
   * host then get the key too). */
  g_assert_true (ks_base_url_is_fal ("https://queue.fal.run"));
  g_assert_true (ks_base_url_is_fal ("HTTPS://QUEUE.FAL.RUN/"));
  g_assert_false (ks_base_url_is_fal ("http://queue.fal.run"));
  g_assert_false (ks_base_url_is_fal ("https://queue.fal.run.evil.com"));
  g_assert_false (ks_base_url_is_fal ("https://queue.fal.run@evil.com"));
  g_assert_false (ks_base_url_is_fal ("https://evil.com@queue.fal.run"));
  g_assert_false (ks_base_url_is_fal ("https://evil.com/queue.fal.run"));
  g_assert_false (ks_base_url_is_fal ("https://queue.fal.run:8443"));
  g_assert_false (ks_base_url_is_fal ("https://queue.fal.run/proxy"));

  /* The message names the host and the way out. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (ks_client_check_base_url ("http://example.com/fal", &error));
    assert_error_says (error, KS_ERROR_INSECURE, "example.com");
    assert_error_says (error, KS_ERROR_INSECURE, "https");
  }
}

/* A client built on a refused base sends nothing, whatever the call. */
static void
test_client_refuses_base (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (insecure_bases); i++)
    {
      g_autoptr(KsClient) client = ks_client_new (insecure_bases[i]);
      g_autoptr(KsRequest) request = NULL;
      g_autoptr(KsRequest) made = ks_request_new (insecure_bases[i],
                                                  "fal-ai/flux-pro/kontext", "abc");
      g_autoptr(KsStatus) status = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) status_error = NULL;
      g_autoptr(GError) upload_error = NULL;
      g_autofree char *file_url = NULL;

      ks_client_set_api_key (client, KEY);
      request = do_submit (client, &error);
      g_assert_null (request);
      g_assert_true (g_error_matches (error, KS_ERROR, KS_ERROR_INSECURE) ||
                     g_error_matches (error, KS_ERROR, KS_ERROR_INVALID_PARAMS));
      g_assert_null (strstr (error->message, "ks-addr-secret"));

      if (made != NULL)
        {
          status = do_status (client, made, &status_error);
          g_assert_null (status);
          g_assert_nonnull (status_error);
        }

      file_url = do_upload (client, &upload_error);
      g_assert_null (file_url);
      g_assert_nonnull (upload_error);
    }
}

/* The service's answer to a request that carries the key is never
 * followed to another address, https or not. */
static void
test_api_redirects (void)
{
  g_autoptr(Hostile) hostile = hostile_new (NULL);
  g_autoptr(Hostile) elsewhere = hostile_new (NULL);
  const char *targets[] = {
    "http://example.com/fal-ai/flux-pro/kontext/text-to-image",
    "https://example.com/fal-ai/flux-pro/kontext/text-to-image",
    NULL,   /* the other local server */
  };
  g_autofree char *local = hostile_url (elsewhere, "ok");

  targets[2] = local;

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (targets[i], NULL, FALSE);
      g_autofree char *base = g_strdup_printf ("%s/redirect?to=%s", hostile->base_url, escaped);
      g_autofree char *base_path = g_strdup_printf ("%s/redirect", hostile->base_url);
      g_autoptr(KsClient) client = NULL;
      g_autoptr(KsRequest) request = NULL;
      g_autoptr(KsRequest) made = NULL;
      g_autoptr(KsStatus) status = NULL;
      g_autoptr(KsResult) result = NULL;
      g_autoptr(GError) error = NULL;
      guint before = hostile->paths->len;

      /* A base with a query is refused outright... */
      g_assert_false (ks_client_check_base_url (base, NULL));

      /* ...so the redirect comes from a base that looks fine. The query
       * for the hostile server rides on the endpoint's path instead. */
      client = ks_client_new (base_path);
      ks_client_set_api_key (client, KEY);
      g_object_set (client, "max-retries", 0, NULL);

      made = ks_request_new (base_path, "fal-ai/flux-pro/kontext", "abc");
      g_assert_nonnull (made);
      g_free (made->status_url);
      made->status_url = g_strdup_printf ("%s/fal-ai/flux-pro/requests/abc/status?to=%s", base_path, escaped);
      g_free (made->response_url);
      made->response_url = g_strdup_printf ("%s/fal-ai/flux-pro/requests/abc?to=%s", base_path, escaped);

      status = do_status (client, made, &error);
      g_assert_null (status);
      assert_error_says (error, KS_ERROR_INSECURE, "redirect");
      g_assert_null (strstr (error->message, "ks-addr-secret"));
      g_clear_error (&error);

      result = do_result (client, made, &error);
      g_assert_null (result);
      assert_error_says (error, KS_ERROR_INSECURE, "redirect");
      g_clear_error (&error);

      request = do_submit (client, &error);
      g_assert_null (request);
      g_assert_nonnull (error);
      g_clear_error (&error);

      /* Asked, answered with a redirect, and nothing more. */
      g_assert_cmpuint (hostile->paths->len, >, before);
      g_assert_cmpuint (elsewhere->paths->len, ==, 0);
    }
}

/* ---- Result images ------------------------------------------------------------- */

static void
test_image_urls (void)
{
  g_autoptr(Hostile) hostile = hostile_new (NULL);
  g_autoptr(KsClient) client = ks_client_new (hostile->base_url);
  g_autofree char *small = hostile_url (hostile, "small.png");
  g_autofree char *small_localhost = NULL;
  const char *refused[] = {
    "file:///etc/passwd",
    "FILE:///etc/hostname",
    "ftp://127.0.0.1/image.png",
    "http://example.com/image.png",
    "http://10.0.0.1/image.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1.evil.com/image.png",
    "http://127.0.0.1@evil.com/image.png",
    "javascript:alert(1)",
    "resource:///io/github/kontextstudio/KontextStudio/icon.png",
    "/etc/passwd",
    "image.png",
    "",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  ks_client_set_api_key (client, KEY);
  g_object_set (client, "max-retries", 0, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) none = do_download (client, refused[i], &local_error);

      if (none != NULL)
        g_error ("The image address “%s” was fetched", refused[i]);
      g_assert_nonnull (local_error);
      g_assert_true (local_error->domain == KS_ERROR);
      g_assert_cmpuint (strlen (local_error->message), >, 10);
    }
  g_assert_cmpuint (hostile->paths->len, ==, 0);

  /* A data: URL of an absurd size is refused before it is decoded. */
  {
    gsize size = 200 * 1024 * 1024;
    char *uri = g_malloc (size + 1);
    g_autoptr(GBytes) none = NULL;

    memcpy (uri, "data:image/png;base64,", 22);
    memset (uri + 22, 'A', size - 22);
    uri[size] = '\0';
    none = do_download (client, uri, &error);
    g_free (uri);
    g_assert_null (none);
    assert_error_says (error, KS_ERROR_TOO_LARGE, NULL);
    g_clear_error (&error);
  }

  /* Under the cap, data: is fine, and so is loopback http, without the key. */
  {
    static const guchar payload[] = { 0x89, 'P', 'N', 'G', 1, 2, 3 };
    g_autofree char *b64 = g_base64_encode (payload, sizeof payload);
    g_autofree char *uri = g_strconcat ("data:image/png;base64,", b64, NULL);

    bytes = do_download (client, uri, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), payload, sizeof payload);
    g_clear_pointer (&bytes, g_bytes_unref);
  }

  bytes = do_download (client, small, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), >, 8);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_assert_cmpuint (hostile->paths->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (hostile->authorizations, 0), ==, "");
}

/* Every hop of a download's redirects is held to the same rule, and the
 * hops are counted. */
static void
test_image_redirects (void)
{
  g_autoptr(Hostile) hostile = hostile_new (NULL);
  g_autoptr(KsClient) client = ks_client_new (hostile->base_url);
  g_autofree char *small = hostile_url (hostile, "small.png");
  const char *refused[] = {
    "file:///etc/passwd",
    "http://10.0.0.1/image.png",
    "http://example.com/image.png",
    "ftp://127.0.0.1/image.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "javascript:alert(1)",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  ks_client_set_api_key (client, KEY);
  g_object_set (client, "max-retries", 0, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (refused[i], NULL, FALSE);
      g_autofree char *url = g_strdup_printf ("%s/redirect/image.png?to=%s", hostile->base_url, escaped);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) none = do_download (client, url, &local_error);

      if (none != NULL)
        g_error ("A redirect to “%s” was followed", refused[i]);
      g_assert_nonnull (local_error);
      g_assert_true (g_error_matches (local_error, KS_ERROR, KS_ERROR_INSECURE) ||
                     g_error_matches (local_error, KS_ERROR, KS_ERROR_INVALID_PARAMS));
    }
  /* Each asked once, and nothing else was fetched. */
  g_assert_cmpuint (hostile->paths->len, ==, G_N_ELEMENTS (refused));

  /* A redirect that never ends stops after a few hops. */
  {
    g_autofree char *url = hostile_url (hostile, "hop/0");

    bytes = do_download (client, url, &error);
    g_assert_null (bytes);
    assert_error_says (error, KS_ERROR_NETWORK, "redirect");
    g_clear_error (&error);
    g_assert_cmpuint (hostile_count (hostile, "/hop/"), >=, 2);
    g_assert_cmpuint (hostile_count (hostile, "/hop/"), <=, 10);
  }

  /* An allowed hop is followed, and never with the key. */
  {
    g_autofree char *escaped = g_uri_escape_string (small, NULL, FALSE);
    g_autofree char *url = g_strdup_printf ("%s/redirect/image.png?to=%s", hostile->base_url, escaped);

    bytes = do_download (client, url, &error);
    g_assert_no_error (error);
    g_assert_nonnull (bytes);
    g_assert_cmpuint (hostile_count (hostile, "/small.png"), ==, 1);
  }

  for (guint i = 0; i < hostile->authorizations->len; i++)
    g_assert_cmpstr (g_ptr_array_index (hostile->authorizations, i), ==, "");
}

/* ---- kontext-cli ------------------------------------------------------------------- */

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

/* Runs kontext-cli with @base_url in --base-url (or, when @from_env, in
 * KONTEXT_BASE_URL), iterating the main loop so local servers answer. */
static void
run_cli (const char *base_url,
         gboolean    from_env,
         CliRun     *run)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-sec-cli-XXXXXX", &error);
  g_autofree char *library = g_build_filename (dir, "library", NULL);
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_LIBRARY_DIR", library, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  if (from_env)
    {
      g_subprocess_launcher_setenv (launcher, "KONTEXT_BASE_URL", base_url, TRUE);
      subprocess = g_subprocess_launcher_spawn (launcher, &error, cli_path, "generate",
                                                "--prompt", "a lighthouse", "--no-library",
                                                "--out", dir, "--retry-delay=10", NULL);
    }
  else
    {
      g_subprocess_launcher_unsetenv (launcher, "KONTEXT_BASE_URL");
      subprocess = g_subprocess_launcher_spawn (launcher, &error, cli_path, "generate",
                                                "--prompt", "a lighthouse", "--no-library",
                                                "--out", dir, "--retry-delay=10",
                                                "--base-url", base_url, NULL);
    }
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (subprocess, NULL, NULL, communicate_cb, run);
  while (!run->done)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("kontext-cli did not finish");
    }

  if (g_test_verbose ())
    g_printerr ("kontext-cli --base-url %s: exit %d\n%s%s", base_url, run->status, run->out, run->err);

  g_assert_null (strstr (run->out, "ks-addr-secret"));
  g_assert_null (strstr (run->err, "ks-addr-secret"));
}

static void
cli_run_clear (CliRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

static void
test_cli_base_urls (void)
{
  g_autoptr(Hostile) hostile = hostile_new (NULL);
  const char *refused[] = {
    "http://example.com",
    "http://127.0.0.1.evil.com",
    "http://localhost.evil.com",
    "http://127.0.0.1@evil.com",
    "HTTP://EXAMPLE.COM",
    "ftp://127.0.0.1",
    "https://user@example.com",
  };

  g_assert_nonnull (cli_path);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    for (int env = 0; env < 2; env++)
      {
        CliRun run = { 0 };

        run_cli (refused[i], env, &run);
        /* Usage: nothing was sent. */
        g_assert_cmpint (run.status, ==, 2);
        g_assert_nonnull (strstr (run.err, "address"));
        cli_run_clear (&run);
      }

  /* The same check lets loopback http through: the request reaches the
   * local server (which answers with a redirect, not followed). */
  {
    CliRun run = { 0 };
    g_autofree char *escaped = g_uri_escape_string ("http://example.com/x", NULL, FALSE);
    g_autofree char *base = hostile_url (hostile, "redirect");

    run_cli (base, FALSE, &run);
    g_assert_cmpint (run.status, !=, 0);
    g_assert_nonnull (strstr (run.err, "redirect"));
    g_assert_cmpuint (hostile_count (hostile, "/redirect/fal-ai/flux-pro/kontext/text-to-image"), ==, 1);
    cli_run_clear (&run);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  cli_path = argc > 1 ? argv[1] : g_getenv ("KONTEXT_CLI");

  g_test_add_func ("/security/addresses/base-urls", test_base_urls);
  g_test_add_func ("/security/addresses/client-refuses-base", test_client_refuses_base);
  g_test_add_func ("/security/addresses/api-redirects", test_api_redirects);
  g_test_add_func ("/security/addresses/image-urls", test_image_urls);
  g_test_add_func ("/security/addresses/image-redirects", test_image_redirects);
  g_test_add_func ("/security/addresses/cli", test_cli_base_urls);

  return g_test_run ();
}
