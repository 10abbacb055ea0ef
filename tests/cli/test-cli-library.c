/* kontext-cli on the library: every job kept by default, --no-library,
 * list, resume after a crash (SIGKILL), resubmit. */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cli-test-util.h"

/* ---- the library ------------------------------------------------------ */

/* The JSON events of a --json run, parsed. */
static GPtrArray *
parse_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;

      if (lines[i][0] == '\0')
        continue;
      bytes = g_bytes_new (lines[i], strlen (lines[i]));
      root = ks_json_parse_bytes (bytes, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (root)));
    }

  return objects;
}

static JsonObject *
find_event (GPtrArray  *events,
            const char *type)
{
  for (guint i = 0; i < events->len; i++)
    if (g_strcmp0 (ks_json_get_string_member (g_ptr_array_index (events, i), "type"), type) == 0)
      return g_ptr_array_index (events, i);

  return NULL;
}

/* The record as stored on disk, read with the core's own parser. */
static KsRecord *
read_record (Fixture    *fixture,
             const char *id)
{
  g_autofree char *name = g_strconcat (id, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->library, "records", name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  KsRecord *record;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  assert_no_key (contents);
  record = ks_record_new_from_json (contents, length, &error);
  g_assert_no_error (error);

  return record;
}

static void
assert_image_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;
  KsImageInfo info = { 0 };
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  pixbuf = ks_image_decode (bytes, &limits, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pixbuf);
  ks_image_info_clear (&info);
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static void
test_library_by_default (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *reference = write_reference (fixture);
  const char *args[] = {
    "edit", "--image", reference, "--prompt", "Put a kettle on the stove",
    "--seed", BIG_SEED_TEXT, "--num-images", "2", "--json", "--out", fixture->outdir, NULL
  };
  g_auto(Run) run = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(KsRecord) record = NULL;
  g_autofree char *references = g_build_filename (fixture->library, "references", NULL);
  JsonObject *request;
  JsonObject *done;
  const char *record_id;
  GPtrArray *images;
  guint64 seed = 0;

  run_cli (fixture, &run, args);
  assert_exit (&run, 0);
  events = parse_lines (run.out);

  /* The submitted job names its record… */
  request = find_event (events, "request");
  g_assert_nonnull (request);
  record_id = ks_json_get_string_member (request, "record");
  g_assert_nonnull (record_id);
  done = find_event (events, "done");
  g_assert_nonnull (done);
  g_assert_cmpstr (ks_json_get_string_member (done, "record"), ==, record_id);

  /* …which is on disk, complete, with every field right. */
  record = read_record (fixture, record_id);
  g_assert_cmpstr (ks_record_get_id (record), ==, record_id);
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpstr (ks_record_get_prompt (record), ==, "Put a kettle on the stove");
  g_assert_cmpstr (ks_record_get_request_id (record), ==, ks_json_get_string_member (request, "request_id"));
  g_assert_cmpstr (ks_record_get_seed (record), ==, BIG_SEED_TEXT);
  g_assert_true (ks_params_get_seed (ks_record_get_params (record), &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);
  g_assert_cmpstr (ks_record_get_base_url (record), ==, ks_sim_server_get_base_url (fixture->server));
  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (ks_record_get_params (record))), ==,
                   "fal-ai/flux-pro/kontext");
  g_assert_cmpuint (ks_record_get_cost (record), >, 0);
  g_assert_cmpint (ks_record_get_created (record), >, 0);
  g_assert_cmpint (ks_record_get_finished (record), >=, ks_record_get_created (record));

  images = ks_record_get_images (record);
  g_assert_cmpuint (images->len, ==, 2);
  for (guint i = 0; i < images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (images, i);
      g_autofree char *path = NULL;

      g_assert_cmpuint (image->index, ==, i);
      g_assert_nonnull (image->file);
      g_assert_false (g_path_is_absolute (image->file));
      path = g_build_filename (fixture->library, image->file, NULL);
      assert_image_file (path);
      g_assert_cmpint (image->width, >, 0);
    }

  /* The reference as sent, kept once. */
  g_assert_cmpuint (ks_record_get_references (record)->len, ==, 1);
  g_assert_cmpstr (((KsRecordReference *) g_ptr_array_index (ks_record_get_references (record), 0))->source_name,
                   ==, "kitchen.png");
  g_assert_cmpuint (count_files (references), ==, 1);

  /* --out still gets its images and sidecars. */
  g_assert_cmpuint (count_files (fixture->outdir), ==, 4);
}

static void
test_no_library (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *args[] = {
    "generate", "--prompt", "Nothing kept", "--json", "--no-library", "--out", fixture->outdir, NULL
  };
  g_auto(Run) run = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  JsonObject *request;

  run_cli (fixture, &run, args);
  assert_exit (&run, 0);
  events = parse_lines (run.out);
  request = find_event (events, "request");
  g_assert_nonnull (request);
  g_assert_null (ks_json_get_string_member (request, "record"));

  /* Not even the directory. */
  g_assert_false (g_file_test (fixture->library, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (fixture->outdir), ==, 2);
}

static char *
generate_into_library (Fixture    *fixture,
                       const char *prompt,
                       const char *seed)
{
  const char *args[] = {
    "generate", "--prompt", prompt, "--seed", seed, "--json", "--out", fixture->outdir, NULL
  };
  g_auto(Run) run = { 0 };
  g_autoptr(GPtrArray) events = NULL;
  JsonObject *request;

  run_cli (fixture, &run, args);
  assert_exit (&run, 0);
  events = parse_lines (run.out);
  request = find_event (events, "request");
  g_assert_nonnull (request);

  return g_strdup (ks_json_get_string_member (request, "record"));
}

static void
test_list (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *first = generate_into_library (fixture, "A red bicycle", "11");
  g_autofree char *second = generate_into_library (fixture, "A very long prompt about a garden with "
                                                   "many paths, fountains and hedges, at noon", "22");
  g_autofree char *garbage = g_build_filename (fixture->library, "records",
                                               "0badc0de-0000-4000-8000-000000000000.json", NULL);
  g_autofree char *first_short = g_strndup (first, 8);
  g_autofree char *second_short = g_strndup (second, 8);
  g_auto(Run) text = { 0 };
  g_auto(Run) json = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) records = NULL;

  g_assert_true (g_file_set_contents (garbage, "{\"version\": 1, \"id\": tor", -1, NULL));

  {
    const char *args[] = { "list", NULL };
    run_cli (fixture, &text, args);
  }
  assert_exit (&text, 0);
  /* The damaged record is told, not listed. */
  g_assert_nonnull (strstr (text.err, "0badc0de-0000-4000-8000-000000000000"));

  lines = g_strsplit (g_strchomp (text.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  /* Newest first: short id, date, state, model, images, seed, cost, prompt. */
  g_assert_true (g_str_has_prefix (lines[0], second_short));
  g_assert_true (g_str_has_prefix (lines[1], first_short));
  g_assert_nonnull (strstr (lines[1], " pro "));
  g_assert_nonnull (strstr (lines[1], "1 image "));
  g_assert_nonnull (strstr (lines[1], " 11 "));
  g_assert_nonnull (strstr (lines[1], "$0."));
  g_assert_true (g_str_has_suffix (lines[1], "A red bicycle"));
  /* A long prompt is cut with an ellipsis. */
  g_assert_true (g_str_has_suffix (lines[0], "…"));
  g_assert_null (strstr (lines[0], "at noon"));

  {
    const char *args[] = { "list", "--json", NULL };
    run_cli (fixture, &json, args);
  }
  assert_exit (&json, 0);
  records = parse_lines (json.out);
  g_assert_cmpuint (records->len, ==, 2);

  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records, i);
      JsonArray *images = ks_json_get_array_member (record, "images");
      JsonObject *image;
      g_autoptr(GDateTime) created = NULL;
      double cost;

      g_assert_cmpstr (ks_json_get_string_member (record, "id"), ==, i == 0 ? second : first);
      g_assert_cmpstr (ks_json_get_string_member (record, "state"), ==, "completed");
      g_assert_cmpstr (ks_json_get_string_member (record, "endpoint"), ==, "fal-ai/flux-pro/kontext/text-to-image");
      g_assert_cmpstr (ks_json_get_string_member (record, "seed"), ==, i == 0 ? "22" : "11");
      g_assert_nonnull (ks_json_get_string_member (record, "request_id"));
      g_assert_true (json_object_has_member (record, "parent"));
      g_assert_true (json_object_get_null_member (record, "parent"));
      created = g_date_time_new_from_iso8601 (ks_json_get_string_member (record, "created"), NULL);
      g_assert_nonnull (created);
      cost = json_object_get_double_member (record, "cost_usd");
      g_assert_cmpfloat (cost, >, 0);
      g_assert_cmpfloat (cost, <, 1);

      g_assert_nonnull (images);
      g_assert_cmpuint (json_array_get_length (images), ==, 1);
      image = json_array_get_object_element (images, 0);
      g_assert_true (g_path_is_absolute (ks_json_get_string_member (image, "file")));
      assert_image_file (ks_json_get_string_member (image, "file"));
    }
  g_assert_cmpstr (ks_json_get_string_member (g_ptr_array_index (records, 1), "prompt"), ==, "A red bicycle");
}

static gboolean tick_cb (gpointer data);

/* Runs kontext-cli @args and kills it (SIGKILL, as a crash) as soon as
 * @until says so; @until sees the server and the JSON events so far. */
typedef gboolean (*KillWhen) (Fixture   *fixture,
                              GPtrArray *events);

typedef struct
{
  GDataInputStream *lines;
  GPtrArray        *events;
  gboolean          eof;
  gboolean          exited;
} Killed;

static void
killed_line_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Killed *state = user_data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (state->lines, result, NULL, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (line == NULL)
    {
      state->eof = TRUE;
      return;
    }

  bytes = g_bytes_new (line, strlen (line));
  root = ks_json_parse_bytes (bytes, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    g_ptr_array_add (state->events, json_object_ref (json_node_get_object (root)));

  g_data_input_stream_read_line_async (state->lines, G_PRIORITY_DEFAULT, NULL, killed_line_cb, state);
}

static void
killed_wait_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Killed *state = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  state->exited = TRUE;
}

static GPtrArray *
run_and_kill (Fixture            *fixture,
              const char * const *args,
              KillWhen            until)
{
  g_autoptr(GSubprocessLauncher) launcher = make_launcher (fixture, TEST_KEY);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Killed state = { 0 };
  gboolean killed = FALSE;
  guint deadline;
  guint tick;

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_ptr_array_add (argv, (char *) cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, (char *) "--json");
  g_ptr_array_add (argv, (char *) "--base-url");
  g_ptr_array_add (argv, (char *) ks_sim_server_get_base_url (fixture->server));
  g_ptr_array_add (argv, NULL);
  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  state.events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  state.lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (subprocess));
  g_data_input_stream_read_line_async (state.lines, G_PRIORITY_DEFAULT, NULL, killed_line_cb, &state);
  g_subprocess_wait_async (subprocess, NULL, killed_wait_cb, &state);

  deadline = g_timeout_add_seconds (DEADLINE_SECONDS, deadline_cb, NULL);
  /* Files change without waking the main context: look every 10 ms too. */
  tick = g_timeout_add (10, tick_cb, NULL);
  while (!state.exited || !state.eof)
    {
      g_main_context_iteration (NULL, TRUE);
      if (!killed && !state.exited && until (fixture, state.events))
        {
          g_subprocess_send_signal (subprocess, SIGKILL);
          killed = TRUE;
        }
    }
  g_source_remove (tick);
  g_source_remove (deadline);

  /* It was killed, it did not end by itself. */
  g_assert_true (killed);
  g_assert_true (g_subprocess_get_if_signaled (subprocess));
  g_clear_object (&state.lines);

  return state.events;
}

/* Once the request id is on disk: the "request" event comes first, the
 * record's write follows. */
static gboolean
when_request_saved (Fixture   *fixture,
                    GPtrArray *events)
{
  JsonObject *request = find_event (events, "request");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(KsRecord) record = NULL;
  gsize length = 0;

  if (request == NULL)
    return FALSE;

  name = g_strconcat (ks_json_get_string_member (request, "record"), ".json", NULL);
  path = g_build_filename (fixture->library, "records", name, NULL);
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  record = ks_record_new_from_json (contents, length, NULL);

  return record != NULL && ks_record_get_request_id (record) != NULL;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
when_submit_arrived (Fixture   *fixture,
                     GPtrArray *events)
{
  return ks_sim_server_get_job_count (fixture->server) > 0;
}

static void
test_resume (Fixture       *fixture,
             gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Left in the queue", "--out", fixture->outdir, NULL };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(KsRecord) before = NULL;
  g_autoptr(KsRecord) after = NULL;
  g_auto(Run) resume = { 0 };
  g_auto(Run) again = { 0 };
  const char *record_id;

  /* Long enough in the queue to be killed there. */
  g_object_set (fixture->server, "queue-delay", 1500, NULL);
  events = run_and_kill (fixture, args, when_request_saved);
  record_id = ks_json_get_string_member (find_event (events, "request"), "record");
  g_assert_nonnull (record_id);

  before = read_record (fixture, record_id);
  g_assert_true (ks_record_state_is_unfinished (ks_record_get_state (before)));
  g_assert_nonnull (ks_record_get_request_id (before));

  {
    const char *resume_args[] = { "resume", NULL };
    run_cli (fixture, &resume, resume_args);
  }
  assert_exit (&resume, 0);
  assert_no_key (resume.err);
  g_assert_nonnull (strstr (resume.err, "1 resumed: 1 completed"));

  after = read_record (fixture, record_id);
  g_assert_cmpint (ks_record_get_state (after), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpstr (ks_record_get_request_id (after), ==, ks_record_get_request_id (before));
  g_assert_cmpuint (ks_record_get_images (after)->len, ==, 1);
  {
    const KsRecordImage *image = ks_record_get_image (after, 0);
    g_autofree char *path = g_build_filename (fixture->library, image->file, NULL);

    assert_image_file (path);
  }
  /* Followed, never sent again. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);

  /* A second resume has nothing to do. */
  {
    const char *resume_args[] = { "resume", NULL };
    run_cli (fixture, &again, resume_args);
  }
  assert_exit (&again, 0);
  g_assert_nonnull (strstr (again.err, "Nothing to resume"));
}

static void
test_resume_unknown_and_resubmit (Fixture       *fixture,
                                  gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Maybe billed", "--seed", "77", "--out", fixture->outdir, NULL };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) resubmitted = NULL;
  g_auto(Run) resume = { 0 };
  g_auto(Run) list = { 0 };
  g_auto(Run) resubmit = { 0 };
  g_auto(Run) refused = { 0 };
  g_autofree char *unknown_id = NULL;
  g_autofree char *short_id = NULL;
  g_autoptr(KsRecord) unknown = NULL;
  JsonObject *request;
  guint64 seed = 0;

  /* The server takes the submit but its reply trickles: killed in between,
   * nobody knows whether the job was billed. */
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_SUBMIT, KS_SIM_FAULT_SLOW, 1);
  events = run_and_kill (fixture, args, when_submit_arrived);
  g_assert_null (find_event (events, "request"));

  {
    const char *resume_args[] = { "resume", "--json", NULL };
    run_cli (fixture, &resume, resume_args);
  }
  assert_exit (&resume, 0);
  g_assert_nonnull (strstr (resume.err, "1 unknown — may have been billed, not resubmitted"));
  g_assert_nonnull (strstr (resume.err, "kontext-cli resubmit ID"));
  /* Never sent again by itself. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);

  {
    const char *list_args[] = { "list", "--json", NULL };
    run_cli (fixture, &list, list_args);
  }
  assert_exit (&list, 0);
  listed = parse_lines (list.out);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (ks_json_get_string_member (g_ptr_array_index (listed, 0), "state"), ==, "unknown");
  unknown_id = g_strdup (ks_json_get_string_member (g_ptr_array_index (listed, 0), "id"));
  unknown = read_record (fixture, unknown_id);
  g_assert_cmpstr (ks_record_get_prompt (unknown), ==, "Maybe billed");
  g_assert_true (ks_params_get_seed (ks_record_get_params (unknown), &seed));
  g_assert_cmpuint (seed, ==, 77);

  /* Resubmitted by hand, by its short id: a new record, sent once more. */
  short_id = g_strndup (unknown_id, 8);
  {
    const char *resubmit_args[] = { "resubmit", short_id, "--json", "--out", fixture->outdir, NULL };
    run_cli (fixture, &resubmit, resubmit_args);
  }
  assert_exit (&resubmit, 0);
  resubmitted = parse_lines (resubmit.out);
  request = find_event (resubmitted, "request");
  g_assert_nonnull (request);
  g_assert_cmpstr (ks_json_get_string_member (request, "record"), !=, unknown_id);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 2);
  {
    g_autoptr(KsRecord) copy = read_record (fixture, ks_json_get_string_member (request, "record"));
    g_assert_cmpint (ks_record_get_state (copy), ==, KS_RECORD_STATE_COMPLETED);
    g_assert_cmpstr (ks_record_get_seed (copy), ==, "77");
    g_assert_cmpstr (ks_record_get_prompt (copy), ==, "Maybe billed");
  }

  /* A completed record has nothing to resubmit. */
  {
    const char *resubmit_args[] = { "resubmit", ks_json_get_string_member (request, "record"), NULL };
    run_cli (fixture, &refused, resubmit_args);
  }
  assert_exit (&refused, 2);
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 2);
}

/* A job the service took, then lost while its result was fetched: resubmit
 * follows the same request again, paid for once; --new sends a new job. */
static void
test_resubmit_follows (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *args[] = { "generate", "--prompt", "Paid for once", "--retry-delay", "1",
                         "--out", fixture->outdir, "--json", NULL };
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) followed = NULL;
  g_auto(Run) failing = { 0 };
  g_auto(Run) follow = { 0 };
  g_auto(Run) fresh = { 0 };
  g_autofree char *short_id = NULL;
  JsonObject *request;
  const char *record_id;

  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_500, 0);
  run_cli (fixture, &failing, args);
  g_assert_cmpint (failing.exit_status, !=, 0);
  first = parse_lines (failing.out);
  request = find_event (first, "request");
  g_assert_nonnull (request);
  record_id = ks_json_get_string_member (request, "record");
  {
    g_autoptr(KsRecord) record = read_record (fixture, record_id);
    g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_FAILED);
    g_assert_true (ks_record_can_follow_again (record));
  }
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);

  ks_sim_server_clear_faults (fixture->server);
  short_id = g_strndup (record_id, 8);
  {
    const char *resubmit_args[] = { "resubmit", short_id, "--json", "--out", fixture->outdir, NULL };
    run_cli (fixture, &follow, resubmit_args);
  }
  assert_exit (&follow, 0);
  g_assert_nonnull (strstr (follow.err, "at no new cost"));
  /* The same request, the same record, nothing submitted. */
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 1);
  followed = parse_lines (follow.out);
  g_assert_nonnull (find_event (followed, "image"));
  {
    g_autoptr(KsRecord) record = read_record (fixture, record_id);
    g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
    g_assert_cmpuint (ks_record_get_images (record)->len, ==, 1);
  }

  /* --new: a new job all the same. */
  ks_sim_server_add_fault (fixture->server, KS_SIM_STEP_RESULT, KS_SIM_FAULT_500, 0);
  {
    g_auto(Run) again = { 0 };
    g_autoptr(GPtrArray) lines = NULL;

    run_cli (fixture, &again, args);
    lines = parse_lines (again.out);
    g_free (short_id);
    short_id = g_strndup (ks_json_get_string_member (find_event (lines, "request"), "record"), 8);
  }
  ks_sim_server_clear_faults (fixture->server);
  {
    const char *resubmit_args[] = { "resubmit", short_id, "--new", "--out", fixture->outdir, NULL };
    run_cli (fixture, &fresh, resubmit_args);
  }
  assert_exit (&fresh, 0);
  g_assert_null (strstr (fresh.err, "at no new cost"));
  g_assert_cmpuint (ks_sim_server_get_request_count (fixture->server, KS_SIM_STEP_SUBMIT), ==, 3);
}

int
main (int    argc,
      char **argv)
{
  cli_test_init (&argc, &argv);

  CLI_TEST_ADD ("/cli/library/by-default", test_library_by_default);
  CLI_TEST_ADD ("/cli/library/opt-out", test_no_library);
  CLI_TEST_ADD ("/cli/library/list", test_list);
  CLI_TEST_ADD ("/cli/library/resume", test_resume);
  CLI_TEST_ADD ("/cli/library/resume-unknown-and-resubmit", test_resume_unknown_and_resubmit);
  CLI_TEST_ADD ("/cli/library/resubmit-follows", test_resubmit_follows);

  return g_test_run ();
}
