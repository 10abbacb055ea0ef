/* The crash harness's tools: the table, the standalone server, a phase
 * (one server, one library), kontext-cli runs, the library as the files
 * show it. */

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <glib/gstdio.h>

#include "crash-util.h"

const char *cli_path;
const char *server_path;
char *tmp_root;
guint prompt_serial;

/* ---- the table ---------------------------------------------------------- */


GPtrArray *table;  /* Row */

Row *
row_new (const char *name)
{
  Row *row = g_new0 (Row, 1);

  row->name = g_strdup (name);
  row->at_kill = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_ptr_array_add (table, row);

  return row;
}

void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->name);
  g_hash_table_unref (row->at_kill);
  g_free (row);
}

void
row_count_at_kill (Row        *row,
                   const char *state)
{
  gpointer old = g_hash_table_lookup (row->at_kill, state);

  g_hash_table_replace (row->at_kill, g_strdup (state), GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
}

void
violation (Row        *row,
           const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  row->violations++;
  g_test_message ("VIOLATION [%s]: %s", row->name, text);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

void
print_table (void)
{
  guint totals[7] = { 0 };

  g_print ("# %-14s %6s %10s %9s %9s %8s %7s %6s  %s\n", "kill point", "kills", "completed",
           "unknown", "unk/unsent", "nothing", "resume", "bad", "state on disk at the kill");
  for (guint i = 0; i < table->len; i++)
    {
      Row *row = g_ptr_array_index (table, i);
      g_autoptr(GString) states = g_string_new (NULL);
      g_autofree gpointer *keys = NULL;
      guint n_keys = 0;

      keys = g_hash_table_get_keys_as_array (row->at_kill, &n_keys);
      qsort (keys, n_keys, sizeof (gpointer), compare_keys);
      for (guint k = 0; k < n_keys; k++)
        g_string_append_printf (states, "%s%s=%u", k > 0 ? " " : "", (char *) keys[k],
                                GPOINTER_TO_UINT (g_hash_table_lookup (row->at_kill, keys[k])));

      g_print ("# %-14s %6u %10u %9u %9u %8u %7u %6u  %s\n", row->name, row->kills, row->completed,
               row->unknown, row->unknown_unsent, row->nothing, row->resume_kills, row->violations,
               states->str);
      totals[0] += row->kills;
      totals[1] += row->completed;
      totals[2] += row->unknown;
      totals[3] += row->unknown_unsent;
      totals[4] += row->nothing;
      totals[5] += row->resume_kills;
      totals[6] += row->violations;
    }
  g_print ("# %-14s %6u %10u %9u %9u %8u %7u %6u\n", "total", totals[0], totals[1], totals[2],
           totals[3], totals[4], totals[5], totals[6]);
}

/* ---- files -------------------------------------------------------------- */

void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* ---- the server --------------------------------------------------------- */

/* A harness that dies (a failed assertion, meson's timeout) takes its
 * children along: none is left holding the test's output open. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}


Server *
server_start (guint queue_delay,
              guint run_time)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *queue_arg = g_strdup_printf ("--queue-delay=%u", queue_delay);
  g_autofree char *run_arg = g_strdup_printf ("--run-time=%u", run_time);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  Server *server = g_new0 (Server, 1);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error,
                                                 server_path, "--port=0", queue_arg, run_arg,
                                                 "--log-lines=1", "--ping-interval=100", "--workers=8",
                                                 "--key=" TEST_KEY, NULL);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  server->base_url = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (server->base_url);
  g_assert_true (g_str_has_prefix (server->base_url, "http://127.0.0.1:"));

  server->session = soup_session_new ();
  /* Loopback only: no proxy (and no GSettings schema to look one up in). */
  soup_session_set_proxy_resolver (server->session, NULL);
  soup_session_set_timeout (server->session, 10);

  return server;
}

void
server_free (Server *server)
{
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, NULL);
  g_object_unref (server->process);
  g_object_unref (server->session);
  g_free (server->base_url);
  g_free (server);
}


JsonNode *
server_stats (Server *server)
{
  g_autofree char *url = g_strconcat (server->base_url, "/_sim/stats", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  body = soup_session_send_and_read (server->session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  root = ks_json_parse_bytes (body, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return root;
}

void
server_plan (Server     *server,
             const char *plan)
{
  g_autofree char *url = g_strconcat (server->base_url, "/_sim/plan", NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (plan, strlen (plan));
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_set_request_body_from_bytes (message, "text/plain", request);
  body = soup_session_send_and_read (server->session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
}

guint
stats_prompt_count (JsonNode   *stats,
                    const char *prompt)
{
  JsonObject *prompts = ks_json_get_object_member (json_node_get_object (stats), "prompts");

  g_assert_nonnull (prompts);
  return (guint) json_object_get_int_member_with_default (prompts, prompt, 0);
}

guint
stats_request_count (JsonNode   *stats,
                     const char *step)
{
  JsonObject *requests = ks_json_get_object_member (json_node_get_object (stats), "requests");

  g_assert_nonnull (requests);
  return (guint) json_object_get_int_member_with_default (requests, step, 0);
}

const char *
stats_job_state (JsonNode   *stats,
                 const char *prompt)
{
  JsonArray *jobs = ks_json_get_array_member (json_node_get_object (stats), "job_states");

  g_assert_nonnull (jobs);
  for (guint i = 0; i < json_array_get_length (jobs); i++)
    {
      JsonObject *job = json_array_get_object_element (jobs, i);

      if (g_strcmp0 (ks_json_get_string_member (job, "prompt"), prompt) == 0)
        return ks_json_get_string_member (job, "state");
    }

  return NULL;
}

guint
server_prompt_count (Server     *server,
                     const char *prompt)
{
  g_autoptr(JsonNode) stats = server_stats (server);

  return stats_prompt_count (stats, prompt);
}

/* ---- a phase: one server, one library ----------------------------------- */


Phase *
phase_new (const char *name,
           guint       queue_delay,
           guint       run_time)
{
  Phase *phase = g_new0 (Phase, 1);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 96, 64);
  g_autoptr(GError) error = NULL;

  phase->row = row_new (name);
  phase->server = server_start (queue_delay, run_time);
  phase->dir = g_build_filename (tmp_root, name, NULL);
  phase->library = g_build_filename (phase->dir, "library", NULL);
  phase->out = g_build_filename (phase->dir, "out", NULL);
  phase->reference = g_build_filename (phase->dir, "reference.png", NULL);
  g_assert_cmpint (g_mkdir_with_parents (phase->dir, 0700), ==, 0);

  gdk_pixbuf_fill (pixbuf, 0x4080c0ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, phase->reference, "png", &error, NULL));
  g_assert_no_error (error);

  return phase;
}

void
phase_free (Phase *phase)
{
  if (phase->row->violations > 0)
    g_test_fail_printf ("%u violation(s) at kill point “%s” (library kept in %s)",
                        phase->row->violations, phase->row->name, phase->dir);
  else
    remove_tree (phase->dir);

  server_free (phase->server);
  g_free (phase->dir);
  g_free (phase->library);
  g_free (phase->out);
  g_free (phase->reference);
  g_free (phase);
}


GSubprocessLauncher *
phase_launcher (Phase              *phase,
                GSubprocessFlags    flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_autofree char *log = g_build_filename (phase->dir, "last-killed.log", NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);

  g_subprocess_launcher_set_cwd (launcher, phase->dir);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", TEST_KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_LIBRARY_DIR", phase->library, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "KONTEXT_BASE_URL");
  g_subprocess_launcher_setenv (launcher, "KS_TEST_NO_KEYRING", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  if (phase->write_pause_ms > 0)
    {
      g_autofree char *pause = g_strdup_printf ("%u", phase->write_pause_ms);

      g_subprocess_launcher_setenv (launcher, "KS_LIBRARY_TEST_WRITE_PAUSE_MS", pause, TRUE);
    }
  else
    g_subprocess_launcher_unsetenv (launcher, "KS_LIBRARY_TEST_WRITE_PAUSE_MS");
  if (!(flags & G_SUBPROCESS_FLAGS_STDERR_PIPE))
    g_subprocess_launcher_set_stderr_file_path (launcher, log);

  return launcher;
}

GPtrArray *
cli_argv (Phase      *phase,
          const char *command)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (cli_path));
  g_ptr_array_add (argv, g_strdup (command));
  g_ptr_array_add (argv, g_strdup ("--base-url"));
  g_ptr_array_add (argv, g_strdup (phase->server->base_url));
  g_ptr_array_add (argv, g_strdup ("--retry-delay=10"));
  g_ptr_array_add (argv, g_strdup ("--poll-interval=50"));
  g_ptr_array_add (argv, g_strdup ("--json"));

  return argv;
}


void
job_clear (Job *job)
{
  g_free (job->prompt);
  g_free (job->seed);
}


void
job_init (Job      *job,
          Phase    *phase,
          gboolean  edit,
          guint     num_images)
{
  guint serial = ++prompt_serial;

  job->prompt = g_strdup_printf ("crash %s #%u: a teapot on a windowsill", phase->row->name, serial);
  job->seed = g_strdup_printf ("%u", 1000 + serial);
  job->edit = edit;
  job->num_images = num_images;
}

/* Starts the job's kontext-cli; its output goes nowhere that can block. */
GSubprocess *
job_spawn (Phase *phase,
           Job   *job)
{
  g_autoptr(GSubprocessLauncher) launcher = phase_launcher (phase, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = cli_argv (phase, job->edit ? "edit" : "generate");
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, g_strdup ("--prompt"));
  g_ptr_array_add (argv, g_strdup (job->prompt));
  g_ptr_array_add (argv, g_strdup ("--seed"));
  g_ptr_array_add (argv, g_strdup (job->seed));
  g_ptr_array_add (argv, g_strdup_printf ("--num-images=%u", job->num_images));
  g_ptr_array_add (argv, g_strdup ("--out"));
  g_ptr_array_add (argv, g_strdup (phase->out));
  if (job->edit)
    {
      g_ptr_array_add (argv, g_strdup ("--image"));
      g_ptr_array_add (argv, g_strdup (phase->reference));
    }
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  return process;
}

void
kill_now (GSubprocess *process)
{
  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, NULL);
}

/* ---- running to the end ------------------------------------------------- */

typedef struct
{
  gboolean done;
  char    *out;
  char    *err;
} Communicate;

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;

  return G_SOURCE_REMOVE;
}

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communicate *state = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &state->out, &state->err, NULL);
  state->done = TRUE;
}

int
run_to_end (Phase       *phase,
            const char  *command,
            char       **out,
            char       **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    phase_launcher (phase, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = cli_argv (phase, command);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communicate state = { 0 };
  gboolean timed_out = FALSE;
  guint deadline;

  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  deadline = g_timeout_add_seconds (RUN_SECONDS, set_flag_cb, &timed_out);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &state);
  while (!state.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (deadline);

  if (!state.done)
    {
      kill_now (process);
      while (!state.done)
        g_main_context_iteration (NULL, TRUE);
    }

  if (out != NULL)
    *out = g_steal_pointer (&state.out);
  if (err != NULL)
    *err = g_steal_pointer (&state.err);
  g_free (state.out);
  g_free (state.err);

  if (g_subprocess_get_if_exited (process))
    return g_subprocess_get_exit_status (process);

  return -1;
}

/* ---- the library on disk ------------------------------------------------ */


void
disk_view_clear (DiskView *view)
{
  g_free (view->state);
}


/* Other files (temporary ones) are ignored, as the library must ignore them. */
void
disk_look (Phase      *phase,
           const char *prompt,
           DiskView   *view)
{
  g_autofree char *records = g_build_filename (phase->library, "records", NULL);
  g_autoptr(GDir) dir = g_dir_open (records, 0, NULL);
  const char *name;

  g_clear_pointer (&view->state, g_free);
  view->n_records = 0;
  view->has_request = FALSE;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (records, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(KsRecord) record = NULL;
      g_autoptr(GError) error = NULL;
      gsize length = 0;

      if (name[0] == '.' || !g_str_has_suffix (name, ".json"))
        continue;
      /* Renamed away between the listing and the read: not torn. */
      if (!g_file_get_contents (path, &contents, &length, &error))
        continue;

      record = ks_record_new_from_json (contents, length, &error);
      if (record == NULL)
        {
          violation (phase->row, "record file %s does not parse: %s", name, error->message);
          continue;
        }
      if (g_strcmp0 (ks_record_get_prompt (record), prompt) != 0)
        continue;

      view->n_records++;
      g_free (view->state);
      view->state = g_strdup (ks_record_state_to_string (ks_record_get_state (record)));
      view->has_request = ks_record_get_request_id (record) != NULL;
    }

  if (view->state == NULL)
    view->state = g_strdup ("nothing");
}

gboolean
image_decodes (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;
  KsImageInfo info = { 0 };
  gsize length = 0;

  if (path == NULL || !g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  pixbuf = ks_image_decode (bytes, &limits, &info, NULL);
  ks_image_info_clear (&info);

  return pixbuf != NULL;
}
