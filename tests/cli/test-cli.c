/* kontext-cli end to end: the built program against an in-process local
 * server, as a script would run it. */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cli-test-util.h"

/* ---- success ------------------------------------------------------------ */

static void
test_edit_saves_images (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *reference = write_reference (fixture);
  const char *args[] = {
    "edit", "--image", reference, "--prompt", "Put a donut next to the flour",
    "--seed", BIG_SEED_TEXT, "--num-images", "2", "--guidance", "4.5",
    "--out", fixture->outdir, NULL
  };
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint n_files = 0;

  run_cli (fixture, &run, args);
  assert_exit (&run, 0);
  assert_no_key (run.out);
  assert_no_key (run.err);

  /* stdout: the saved image paths, one per line. */
  lines = g_strsplit (g_strstrip (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *sidecar_path = NULL;
      g_autofree char *stem = NULL;
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) image_bytes = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;
      KsImageInfo info = { 0 };
      gsize length = 0;
      g_autoptr(GError) error = NULL;
      g_autofree char *expected_suffix = g_strdup_printf ("-%u.jpg", i + 1);
      g_autofree char *basename = g_path_get_basename (lines[i]);
      JsonObject *object;
      guint64 seed = 0;
      gboolean nsfw = TRUE;
      gint64 width = 0;

      g_assert_true (g_str_has_prefix (lines[i], fixture->outdir));
      g_assert_true (g_str_has_suffix (lines[i], expected_suffix));

      /* A real image (sniffed from its bytes)… */
      g_assert_true (g_file_get_contents (lines[i], &contents, &length, &error));
      g_assert_no_error (error);
      image_bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
      pixbuf = ks_image_decode (image_bytes, &limits, &info, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (info.mime_type, ==, "image/jpeg");
      ks_image_info_clear (&info);

      /* …with its sidecar next to it. */
      stem = g_strndup (lines[i], strlen (lines[i]) - strlen (".jpg"));
      sidecar_path = g_strconcat (stem, ".json", NULL);
      g_assert_true (g_file_get_contents (sidecar_path, &contents, NULL, &error));
      g_assert_no_error (error);
      assert_no_key (contents);

      bytes = g_bytes_new (contents, strlen (contents));
      root = ks_json_parse_bytes (bytes, &error);
      g_assert_no_error (error);
      object = json_node_get_object (root);

      /* The exact seed, as a number and as text. */
      g_assert_true (ks_json_get_uint64_member (object, "seed", &seed));
      g_assert_cmpuint (seed, ==, BIG_SEED);
      g_assert_nonnull (strstr (contents, "\"seed\" : " BIG_SEED_TEXT));
      g_assert_cmpstr (ks_json_get_string_member (object, "seed_string"), ==, BIG_SEED_TEXT);

      g_assert_cmpstr (ks_json_get_string_member (object, "endpoint"), ==, "fal-ai/flux-pro/kontext");
      g_assert_nonnull (ks_json_get_string_member (object, "request_id"));
      g_assert_true (g_str_has_prefix (basename, ks_json_get_string_member (object, "request_id")));
      g_assert_true (ks_json_get_bool_member (object, "has_nsfw_concepts", &nsfw));
      g_assert_false (nsfw);
      g_assert_true (ks_json_get_int_member (object, "width", &width));
      g_assert_cmpint (width, ==, gdk_pixbuf_get_width (pixbuf));
      g_assert_nonnull (ks_json_get_string_member (object, "prompt"));
      g_assert_nonnull (ks_json_get_object_member (object, "parameters"));
      g_assert_cmpstr (ks_json_get_string_member (ks_json_get_object_member (object, "parameters"), "prompt"),
                       ==, "Put a donut next to the flour");
    }

  /* Nothing else in the directory: no temporary files left behind, and no key. */
  dir = g_dir_open (fixture->outdir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->outdir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_str_has_suffix (name, ".jpg") || g_str_has_suffix (name, ".json"));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_null (g_strstr_len (contents, length, KEY_SECRET));
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, 4);

  /* The request id was told on stderr. */
  g_assert_nonnull (strstr (run.err, "Request ID: "));
}

static void
test_json_events (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *args[] = {
    "generate", "--prompt", "A lighthouse at dusk [nsfw]", "--num-images", "2",
    "--format", "png", "--json", "--out", fixture->outdir, NULL
  };
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *request_id = NULL;
  guint n_images = 0;
  guint n_flagged = 0;

  run_cli (fixture, &run, args);
  assert_exit (&run, 0);
  assert_no_key (run.out);
  assert_no_key (run.err);

  lines = g_strsplit (g_strstrip (run.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >, 3);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (lines[i], strlen (lines[i]));
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *event;
      const char *type;

      root = ks_json_parse_bytes (bytes, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      event = json_node_get_object (root);
      type = ks_json_get_string_member (event, "type");
      g_assert_nonnull (type);
      g_hash_table_add (types, g_strdup (type));

      if (g_str_equal (type, "request"))
        {
          /* The request comes before any image and names the id. */
          g_assert_cmpuint (n_images, ==, 0);
          request_id = g_strdup (ks_json_get_string_member (event, "request_id"));
          g_assert_nonnull (request_id);
        }
      else if (g_str_equal (type, "image"))
        {
          const char *path = ks_json_get_string_member (event, "path");
          gboolean flagged = FALSE;

          g_assert_nonnull (path);
          g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
          g_assert_true (g_str_has_suffix (path, ".png"));
          g_assert_true (ks_json_get_bool_member (event, "has_nsfw_concepts", &flagged));
          n_flagged += flagged;
          n_images++;
        }
      else if (g_str_equal (type, "done"))
        {
          g_assert_cmpstr (ks_json_get_string_member (event, "request_id"), ==, request_id);
          /* The last line. */
          g_assert_null (lines[i + 1]);
        }
    }

  g_assert_true (g_hash_table_contains (types, "request"));
  g_assert_true (g_hash_table_contains (types, "status"));
  g_assert_true (g_hash_table_contains (types, "log"));
  g_assert_true (g_hash_table_contains (types, "image"));
  g_assert_true (g_hash_table_contains (types, "done"));
  g_assert_false (g_hash_table_contains (types, "error"));
  g_assert_cmpuint (n_images, ==, 2);
  /* "[nsfw]" flags the first of two images, and stderr says so. */
  g_assert_cmpuint (n_flagged, ==, 1);
  g_assert_nonnull (strstr (run.err, "has_nsfw_concepts"));
}

/* ---- failures ----------------------------------------------------------- */

static void
test_unauthorized (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Hello", "--out", fixture->outdir, "--json", NULL };
  g_auto(Run) run = { 0 };

  g_object_set (fixture->server, "api-key", "right-id:right-secret", NULL);
  run_cli (fixture, &run, args);
  assert_exit (&run, 4);
  assert_no_key (run.out);
  assert_no_key (run.err);
  g_assert_nonnull (strstr (run.out, "\"type\":\"error\""));
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);
}

typedef struct
{
  gboolean   done;
  KsRequest *request;
} Submit;

static void
submit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Submit *submit = user_data;
  g_autoptr(GError) error = NULL;

  submit->request = ks_client_submit_finish (KS_CLIENT (object), result, NULL, &error);
  g_assert_no_error (error);
  submit->done = TRUE;
}

/* Submits @body directly, as another client might, and returns the id. */
static char *
submit_raw (Fixture    *fixture,
            const char *body)
{
  g_autoptr(KsClient) client = ks_client_new (ks_sim_server_get_base_url (fixture->server));
  Submit submit = { 0 };
  char *id;

  ks_client_set_api_key (client, TEST_KEY);
  ks_client_submit_async (client, "fal-ai/flux-pro/kontext/text-to-image", body, NULL, submit_cb, &submit);
  while (!submit.done)
    g_main_context_iteration (NULL, TRUE);

  id = g_strdup (submit.request->request_id);
  ks_request_free (submit.request);

  return id;
}

static void
test_validation (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *id = submit_raw (fixture, "{\"prompt\":\"too much\",\"guidance_scale\":50}");
  const char *args[] = { "result", id, "--out", fixture->outdir, NULL };
  g_auto(Run) run = { 0 };

  run_cli (fixture, &run, args);
  assert_exit (&run, 6);
  /* The field is named for the person who has to fix it. */
  g_assert_nonnull (strstr (run.err, "guidance_scale"));
}

static void
test_content_policy (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Something [policy]", "--out", fixture->outdir, NULL };
  g_auto(Run) run = { 0 };

  run_cli (fixture, &run, args);
  assert_exit (&run, 7);
}

static void
test_invalid_parameter (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Hi", "--guidance", "50", NULL };
  g_auto(Run) run = { 0 };

  run_cli (fixture, &run, args);
  assert_exit (&run, 2);
  /* Refused before anything was sent. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 0);
}

static void
test_result_keeps_dropping (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Unlucky", "--out", fixture->outdir, NULL };
  g_auto(Run) run = { 0 };

  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_STREAM, KS_SIM_FAULT_DROP, 1);
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_DROP, 0);
  run_cli (fixture, &run, args);
  assert_exit (&run, 11);
  /* Every attempt was made before giving up. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_RESULT), >, 1);
  /* It says how to come back for the images later. */
  g_assert_nonnull (strstr (run.err, "Request ID: "));
}

static void
test_no_key (Fixture       *fixture,
             gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Hi", "--out", fixture->outdir, NULL };
  g_auto(Run) run = { 0 };

  run_cli_with_key (fixture, "", &run, args);
  assert_exit (&run, 3);
  g_assert_nonnull (strstr (run.err, "FAL_KEY"));
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 0);
}

static void
test_cancel_unknown (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *args[] = { "cancel", "0f0e0d0c-0000-4000-8000-000000000000", NULL };
  g_auto(Run) run = { 0 };

  run_cli (fixture, &run, args);
  assert_exit (&run, 13);
}

static void
test_cancel_and_status (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_auto(Run) status_run = { 0 };
  g_auto(Run) cancel_run = { 0 };
  g_auto(Run) again_run = { 0 };

  g_object_set (fixture->server, "queue-delay", 30000, NULL);
  id = submit_raw (fixture, "{\"prompt\":\"wait for it\"}");

  {
    const char *args[] = { "status", id, NULL };
    run_cli (fixture, &status_run, args);
    assert_exit (&status_run, 0);
    g_assert_true (g_str_has_prefix (status_run.out, "IN_QUEUE"));
  }

  {
    const char *args[] = { "cancel", id, NULL };
    run_cli (fixture, &cancel_run, args);
    assert_exit (&cancel_run, 0);
    g_assert_cmpstr (g_strstrip (cancel_run.out), ==, "accepted");
  }

  {
    /* Once cancelled it is over: a second cancel is told so. */
    const char *args[] = { "cancel", id, NULL };
    run_cli (fixture, &again_run, args);
    assert_exit (&again_run, 1);
    g_assert_cmpstr (g_strstrip (again_run.out), ==, "already-completed");
  }
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(Run) no_command = { 0 };
  g_auto(Run) generate_with_image = { 0 };
  g_auto(Run) bad_id = { 0 };

  {
    const char *args[] = { "--json", NULL };
    run_cli (fixture, &no_command, args);
    assert_exit (&no_command, 2);
  }
  {
    const char *args[] = { "generate", "--prompt", "x", "--image", "a.png", NULL };
    run_cli (fixture, &generate_with_image, args);
    assert_exit (&generate_with_image, 2);
  }
  {
    const char *args[] = { "status", "../../etc", NULL };
    run_cli (fixture, &bad_id, args);
    assert_exit (&bad_id, 2);
  }
}

/* ---- Ctrl+C ------------------------------------------------------------- */

typedef struct
{
  GSubprocess *subprocess;
  GDataInputStream *stdout_lines;
  char *request_id;
  gboolean done;
  gboolean eof;
  GString *output;
} Interrupt;

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Interrupt *state = user_data;
  g_autofree char *line = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, NULL);
  if (line == NULL)
    {
      state->eof = TRUE;
      return;
    }

  g_string_append_printf (state->output, "%s\n", line);

  bytes = g_bytes_new (line, strlen (line));
  root = ks_json_parse_bytes (bytes, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      g_strcmp0 (ks_json_get_string_member (json_node_get_object (root), "type"), "request") == 0)
    {
      state->request_id = g_strdup (ks_json_get_string_member (json_node_get_object (root), "request_id"));
      g_subprocess_send_signal (state->subprocess, SIGINT);
    }

  g_data_input_stream_read_line_async (state->stdout_lines, G_PRIORITY_DEFAULT, NULL, read_line_cb, state);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Interrupt *state = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  state->done = TRUE;
}

static void
test_interrupt (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = make_launcher (fixture, TEST_KEY);
  g_autoptr(GError) error = NULL;
  g_autofree char *hint = NULL;
  Interrupt state = { 0 };
  guint deadline;

  g_object_set (fixture->server, "queue-delay", 30000, NULL);
  state.output = g_string_new (NULL);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  state.subprocess = g_subprocess_launcher_spawn (launcher, &error, cli_path,
                                                  "generate", "--prompt", "Slow one", "--json",
                                                  "--out", fixture->outdir,
                                                  "--base-url", ks_sim_server_get_base_url (fixture->server),
                                                  NULL);
  g_assert_no_error (error);

  state.stdout_lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (state.subprocess));
  g_data_input_stream_read_line_async (state.stdout_lines, G_PRIORITY_DEFAULT, NULL, read_line_cb, &state);
  g_subprocess_wait_async (state.subprocess, NULL, wait_cb, &state);

  deadline = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);
  /* Until it has exited and everything it said has been read. */
  while (!state.done || !state.eof)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);

  g_assert_nonnull (state.request_id);
  g_assert_true (g_subprocess_get_if_exited (state.subprocess));
  g_assert_cmpint (g_subprocess_get_exit_status (state.subprocess), ==, 130);
  /* The job was not cancelled on the service: the user can come back. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_CANCEL), ==, 0);

  /* And it told how to come back. */
  hint = g_strdup_printf ("kontext-cli status %s", state.request_id);
  g_assert_nonnull (strstr (state.output->str, hint));

  g_clear_object (&state.stdout_lines);
  g_clear_object (&state.subprocess);
  g_free (state.request_id);
  g_string_free (state.output, TRUE);
}

int
main (int    argc,
      char **argv)
{
  cli_test_init (&argc, &argv);

  CLI_TEST_ADD ("/cli/edit/saves-images", test_edit_saves_images);
  CLI_TEST_ADD ("/cli/generate/json-events", test_json_events);
  CLI_TEST_ADD ("/cli/exit/unauthorized", test_unauthorized);
  CLI_TEST_ADD ("/cli/exit/validation", test_validation);
  CLI_TEST_ADD ("/cli/exit/content-policy", test_content_policy);
  CLI_TEST_ADD ("/cli/exit/invalid-parameter", test_invalid_parameter);
  CLI_TEST_ADD ("/cli/exit/network", test_result_keeps_dropping);
  CLI_TEST_ADD ("/cli/exit/no-key", test_no_key);
  CLI_TEST_ADD ("/cli/exit/cancel-unknown", test_cancel_unknown);
  CLI_TEST_ADD ("/cli/exit/usage", test_usage);
  CLI_TEST_ADD ("/cli/cancel-and-status", test_cancel_and_status);
  CLI_TEST_ADD ("/cli/interrupt", test_interrupt);

  return g_test_run ();
}
