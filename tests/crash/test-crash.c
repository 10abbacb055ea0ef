/* The crash harness: kontext-cli killed with SIGKILL at many points of a
 * job, then `kontext-cli resume` and `kontext-cli list --json` against the
 * same library and server. Nothing paid for may be lost, nothing may be
 * sent twice, and the library must always load.
 *
 * The server is the standalone kontext-sim-server, one per kill point (each
 * with the timings that point needs), watched through GET /_sim/stats; the
 * library directory is watched through its record files. Kill points that
 * no outside hook can time (the middle of a record write) are hit by many
 * kills at delays drawn from a seeded GRand over a job's lifetime.
 *
 * Usage: test-crash KONTEXT_CLI KONTEXT_SIM_SERVER
 * KS_CRASH_SEED=N picks the random delays; KS_CRASH_KILLS=N how many. */

#include "config.h"

#include <string.h>

#include "crash-util.h"

#define DEFAULT_SEED 20250607
#define DEFAULT_RANDOM_KILLS 100
#define TARGETED_KILLS 3

/* ---- after the kill ----------------------------------------------------- */

typedef enum
{
  EXPECT_ANY,
  EXPECT_NOT_SENT,     /* killed before the submit could go */
  EXPECT_UNKNOWN,      /* killed while the submit's reply was held */
  EXPECT_COMPLETED,    /* killed once the request id was saved */
} Expect;

/* `list --json` against the library: every record, grouped by prompt. */
static GHashTable *
list_library (Phase *phase)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *damaged = g_build_filename (phase->library, "damaged", NULL);
  g_autoptr(GDir) dir = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *by_prompt = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) g_ptr_array_unref);
  int status;

  status = run_to_end (phase, "list", &out, &err);
  if (status != 0)
    violation (phase->row, "list exited with %d:\n%s", status, err);
  if (err != NULL && strstr (err, "damaged") != NULL)
    violation (phase->row, "list reported damaged records:\n%s", err);

  /* Nothing was ever set aside. */
  dir = g_dir_open (damaged, 0, NULL);
  if (dir != NULL && g_dir_read_name (dir) != NULL)
    violation (phase->row, "the library set records aside in %s", damaged);

  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *object;
      const char *prompt;
      GPtrArray *records;

      if (lines[i][0] == '\0')
        continue;

      bytes = g_bytes_new (lines[i], strlen (lines[i]));
      root = ks_json_parse_bytes (bytes, &error);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          violation (phase->row, "list --json printed a line that is not an object: %s", lines[i]);
          continue;
        }
      object = json_node_get_object (root);
      prompt = ks_json_get_string_member (object, "prompt");
      if (prompt == NULL)
        {
          violation (phase->row, "a listed record has no prompt: %s", lines[i]);
          continue;
        }

      records = g_hash_table_lookup (by_prompt, prompt);
      if (records == NULL)
        {
          records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
          g_hash_table_insert (by_prompt, g_strdup (prompt), records);
        }
      g_ptr_array_add (records, json_object_ref (object));
    }

  return by_prompt;
}

static void
check_completed (Phase      *phase,
                 Job        *job,
                 JsonObject *record)
{
  JsonArray *images = ks_json_get_array_member (record, "images");
  guint n = images != NULL ? json_array_get_length (images) : 0;

  if (n != job->num_images)
    violation (phase->row, "“%s” completed with %u image(s), %u asked for", job->prompt, n, job->num_images);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *image = json_array_get_object_element (images, i);
      const char *file = image != NULL ? ks_json_get_string_member (image, "file") : NULL;

      if (file == NULL || !g_path_is_absolute (file))
        violation (phase->row, "“%s” image %u has no absolute file", job->prompt, i);
      else if (!image_decodes (file))
        violation (phase->row, "“%s” image %u (%s) is missing or does not decode", job->prompt, i, file);
    }
}

/* An UNKNOWN record must still hold every parameter, to be resubmitted. */
static void
check_parameters (Phase      *phase,
                  Job        *job,
                  JsonObject *record)
{
  JsonObject *parameters = ks_json_get_object_member (record, "parameters");
  g_autofree char *seed = NULL;
  JsonNode *seed_node;

  if (parameters == NULL)
    {
      violation (phase->row, "“%s” lists no parameters", job->prompt);
      return;
    }
  if (g_strcmp0 (ks_json_get_string_member (parameters, "prompt"), job->prompt) != 0)
    violation (phase->row, "“%s” lists another prompt in its parameters", job->prompt);
  if (ks_json_get_string_member (record, "endpoint") == NULL)
    violation (phase->row, "“%s” lists no endpoint", job->prompt);

  seed_node = json_object_get_member (parameters, "seed");
  if (seed_node != NULL && JSON_NODE_HOLDS_VALUE (seed_node))
    seed = json_node_get_value_type (seed_node) == G_TYPE_STRING ?
           g_strdup (json_node_get_string (seed_node)) :
           g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (seed_node));
  if (g_strcmp0 (seed, job->seed) != 0)
    violation (phase->row, "“%s” lists seed %s, asked for %s", job->prompt, seed, job->seed);
  if (g_strcmp0 (ks_json_get_string_member (record, "seed"), job->seed) != 0)
    violation (phase->row, "“%s” lists seed %s, asked for %s", job->prompt,
               ks_json_get_string_member (record, "seed"), job->seed);
}

/* Resume (after an optional second kill, during it), then list, then the
 * rules. */
static void
resume_and_check (Phase    *phase,
                  Job      *job,
                  Expect    expect,
                  gboolean  kill_resume,
                  double    resume_kill_ms)
{
  g_autoptr(GHashTable) listed = NULL;
  g_autofree char *err = NULL;
  GPtrArray *records;
  guint sent;
  int status;

  if (kill_resume)
    {
      g_autoptr(GSubprocessLauncher) launcher = phase_launcher (phase, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      g_autoptr(GPtrArray) argv = cli_argv (phase, "resume");
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;

      g_ptr_array_add (argv, NULL);
      process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
      g_assert_no_error (error);
      /* A kill at a drawn moment: this is the point, not a wait. */
      g_usleep ((gulong) (resume_kill_ms * 1000));
      kill_now (process);
      phase->row->resume_kills++;
    }

  status = run_to_end (phase, "resume", NULL, &err);
  if (status != 0)
    violation (phase->row, "resume exited with %d after a kill (“%s”):\n%s", status, job->prompt, err);

  listed = list_library (phase);
  sent = server_prompt_count (phase->server, job->prompt);

  /* Nothing ever twice, for any job so far. */
  {
    g_autoptr(JsonNode) stats = server_stats (phase->server);
    JsonObject *prompts = ks_json_get_object_member (json_node_get_object (stats), "prompts");
    GHashTableIter iter;
    gpointer key, value;

    g_autoptr(GList) members = json_object_get_members (prompts);

    for (GList *l = members; l != NULL; l = l->next)
      if (json_object_get_int_member (prompts, l->data) > 1)
        violation (phase->row, "“%s” was submitted %" G_GINT64_FORMAT " times", (char *) l->data,
                   json_object_get_int_member (prompts, l->data));

    g_hash_table_iter_init (&iter, listed);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (((GPtrArray *) value)->len > 1)
        violation (phase->row, "“%s” has %u records", (char *) key, ((GPtrArray *) value)->len);
  }

  records = g_hash_table_lookup (listed, job->prompt);
  if (records == NULL || records->len == 0)
    {
      if (sent > 0)
        violation (phase->row, "“%s” reached the server but left no record: lost", job->prompt);
      else if (expect == EXPECT_UNKNOWN || expect == EXPECT_COMPLETED)
        violation (phase->row, "“%s”: expected a record, found nothing", job->prompt);
      phase->row->nothing++;
      return;
    }

  {
    JsonObject *record = g_ptr_array_index (records, records->len - 1);
    const char *state = ks_json_get_string_member (record, "state");

    if (g_strcmp0 (state, "completed") == 0)
      {
        if (sent != 1)
          violation (phase->row, "“%s” completed, but the server saw %u submits", job->prompt, sent);
        if (expect == EXPECT_UNKNOWN || expect == EXPECT_NOT_SENT)
          violation (phase->row, "“%s” completed where %s was expected", job->prompt,
                     expect == EXPECT_UNKNOWN ? "unknown" : "nothing sent");
        check_completed (phase, job, record);
        phase->row->completed++;
      }
    else if (g_strcmp0 (state, "unknown") == 0)
      {
        if (expect == EXPECT_COMPLETED)
          violation (phase->row, "“%s” unknown where completed was expected", job->prompt);
        check_parameters (phase, job, record);
        if (sent > 0)
          phase->row->unknown++;
        else
          phase->row->unknown_unsent++;
      }
    else if (g_strcmp0 (state, "waiting") == 0)
      {
        if (sent > 0)
          violation (phase->row, "“%s” is waiting, but the server has it", job->prompt);
        if (expect == EXPECT_UNKNOWN || expect == EXPECT_COMPLETED)
          violation (phase->row, "“%s” waiting where more was expected", job->prompt);
        check_parameters (phase, job, record);
        phase->row->nothing++;
      }
    else
      {
        violation (phase->row, "“%s” left in state %s after resume", job->prompt, state);
      }
  }
}

/* ---- kill points -------------------------------------------------------- */

typedef enum
{
  POINT_START,      /* right after the start: before the submit */
  POINT_SUBMIT,     /* the server took the submit; its reply is held (slow) */
  POINT_QUEUED,     /* queued at the server, the request id saved */
  POINT_RUNNING,    /* running at the server, the request id saved */
  POINT_DOWNLOAD,   /* an image is being downloaded (slow) */
  POINT_MID_WRITE,  /* a library write is between its temporary file and its rename */
} Point;

/* A temporary file of a write in progress is under the
 * library (records/ or images/): a write is in its middle. */
static gboolean
write_in_progress (Phase *phase)
{
  static const char * const dirs[] = { "records", "images" };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (phase->library, dirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (name[0] == '.')
          return TRUE;
    }

  return FALSE;
}

/* Polls the server and the library until @point is reached. FALSE when
 * the deadline passed (or the job ended first). */
static gboolean
wait_for_point (Phase       *phase,
                Job         *job,
                GSubprocess *process,
                Point        point,
                guint        images_before)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  g_auto(DiskView) view = { 0 };

  if (point == POINT_START)
    return TRUE;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonNode) stats = server_stats (phase->server);
      const char *state = stats_job_state (stats, job->prompt);
      gboolean reached = FALSE;

      switch (point)
        {
        case POINT_SUBMIT:
          reached = stats_prompt_count (stats, job->prompt) > 0;
          break;
        case POINT_QUEUED:
        case POINT_RUNNING:
          if (g_strcmp0 (state, point == POINT_QUEUED ? "queued" : "running") == 0)
            {
              disk_look (phase, job->prompt, &view);
              reached = view.has_request;
            }
          break;
        case POINT_DOWNLOAD:
          reached = stats_request_count (stats, "image") > images_before;
          break;
        case POINT_MID_WRITE:
          /* Kill 0 lands in the record's write before the submit, kill 1
           * in a write once the server has the job (the request id),
           * kill 2 in one once the request id is on disk (an image, the end). */
          if (phase->row->kills == 0)
            reached = write_in_progress (phase);
          else if (phase->row->kills == 1)
            reached = stats_prompt_count (stats, job->prompt) > 0 && write_in_progress (phase);
          else
            {
              disk_look (phase, job->prompt, &view);
              reached = view.has_request && write_in_progress (phase);
            }
          break;
        case POINT_START:
        default:
          g_assert_not_reached ();
        }

      if (reached)
        return TRUE;

      /* Ended before the point: nothing to kill there. */
      if (g_subprocess_get_identifier (process) == NULL)
        return FALSE;
      g_usleep (POLL_US);
    }

  return FALSE;
}

static void
kill_at_point (Phase  *phase,
               Point   point,
               Expect  expect,
               guint   index)
{
  g_auto(Job) job = { 0 };
  g_auto(DiskView) view = { 0 };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonNode) before = server_stats (phase->server);
  guint images_before = stats_request_count (before, "image");

  job_init (&job, phase, index % 2 == 1, 1 + index % 2);

  switch (point)
    {
    case POINT_SUBMIT:
      server_plan (phase->server, "submit:slow*1");
      break;
    case POINT_DOWNLOAD:
      server_plan (phase->server, "image:slow*1");
      break;
    case POINT_START:
    case POINT_QUEUED:
    case POINT_RUNNING:
    case POINT_MID_WRITE:
    default:
      server_plan (phase->server, "");
      break;
    }

  process = job_spawn (phase, &job);
  if (!wait_for_point (phase, &job, process, point, images_before))
    violation (phase->row, "“%s”: the kill point was not reached within %d s", job.prompt, WAIT_SECONDS);
  kill_now (process);
  phase->row->kills++;

  disk_look (phase, job.prompt, &view);
  row_count_at_kill (phase->row, view.state);
  if (view.n_records > 1)
    violation (phase->row, "“%s” has %u record files", job.prompt, view.n_records);

  /* Faults left over must not slow the resume down. */
  server_plan (phase->server, "");
  resume_and_check (phase, &job, expect, FALSE, 0);
}

static void
test_point (gconstpointer data)
{
  static const struct {
    const char *name;
    Point       point;
    Expect      expect;
    guint       queue_delay;
    guint       run_time;
  } points[] = {
    { "before-submit", POINT_START, EXPECT_ANY, 100, 100 },
    { "during-submit", POINT_SUBMIT, EXPECT_UNKNOWN, 100, 100 },
    { "queued", POINT_QUEUED, EXPECT_COMPLETED, 1500, 100 },
    { "running", POINT_RUNNING, EXPECT_COMPLETED, 0, 1500 },
    { "download", POINT_DOWNLOAD, EXPECT_COMPLETED, 0, 100 },
    { "mid-write", POINT_MID_WRITE, EXPECT_ANY, 100, 100 },
  };
  guint which = GPOINTER_TO_UINT (data);
  g_autoptr(Phase) phase = phase_new (points[which].name, points[which].queue_delay, points[which].run_time);

  if (points[which].point == POINT_MID_WRITE)
    phase->write_pause_ms = 400;

  for (guint i = 0; i < TARGETED_KILLS; i++)
    kill_at_point (phase, points[which].point, points[which].expect, i);

  g_assert_cmpuint (phase->row->kills, ==, TARGETED_KILLS);
  /* Killed before the submit: the server must have nothing. */
  if (points[which].point == POINT_START)
    g_assert_cmpuint (phase->row->completed + phase->row->unknown, <=, phase->row->kills);
}

/* Many kills at drawn moments over a job's whole life: the ones that land
 * in the middle of a record write (or an image write) are among them. */
static void
test_random (void)
{
  const char *seed_env = g_getenv ("KS_CRASH_SEED");
  const char *kills_env = g_getenv ("KS_CRASH_KILLS");
  guint32 seed = seed_env != NULL ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : DEFAULT_SEED;
  guint kills = kills_env != NULL ? (guint) g_ascii_strtoull (kills_env, NULL, 10) : DEFAULT_RANDOM_KILLS;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(Phase) phase = phase_new ("random", 50, 150);
  double lifetime_ms;

  g_print ("# random kills: seed %u (KS_CRASH_SEED=%u to repeat), %u kills\n", seed, seed, kills);

  /* A job's life, measured: spawn to exit, not killed. */
  {
    g_auto(Job) job = { 0 };
    g_autoptr(GSubprocess) process = NULL;
    gint64 start = g_get_monotonic_time ();

    job_init (&job, phase, FALSE, 1);
    process = job_spawn (phase, &job);
    g_assert_true (g_subprocess_wait (process, NULL, NULL));
    lifetime_ms = (g_get_monotonic_time () - start) / 1000.0;
    g_assert_true (g_subprocess_get_if_exited (process));
    g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
    resume_and_check (phase, &job, EXPECT_COMPLETED, FALSE, 0);
    g_assert_cmpuint (phase->row->completed, ==, 1);
    phase->row->completed = 0;
    g_print ("# a job lives %.0f ms; kills drawn over [0, %.0f] ms\n", lifetime_ms, lifetime_ms * 1.1);
  }

  for (guint i = 0; i < kills; i++)
    {
      g_auto(Job) job = { 0 };
      g_auto(DiskView) view = { 0 };
      g_autoptr(GSubprocess) process = NULL;
      double delay = g_rand_double_range (rand, 0, lifetime_ms * 1.1);
      gboolean kill_resume = i % 4 == 3;
      double resume_delay = g_rand_double_range (rand, 0, lifetime_ms);

      job_init (&job, phase, i % 3 == 2, 1 + i % 2);
      process = job_spawn (phase, &job);
      /* The kill lands at a drawn moment: this is the point, not a wait. */
      g_usleep ((gulong) (delay * 1000));
      kill_now (process);
      phase->row->kills++;

      disk_look (phase, job.prompt, &view);
      row_count_at_kill (phase->row, view.state);
      if (view.n_records > 1)
        violation (phase->row, "“%s” has %u record files", job.prompt, view.n_records);

      resume_and_check (phase, &job, EXPECT_ANY, kill_resume, resume_delay);
    }

  g_assert_cmpuint (phase->row->kills, ==, kills);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (argc < 3)
    g_error ("Usage: test-crash KONTEXT_CLI KONTEXT_SIM_SERVER");
  /* Children run in other directories. */
  cli_path = g_canonicalize_filename (argv[1], NULL);
  server_path = g_canonicalize_filename (argv[2], NULL);

  tmp_root = g_dir_make_tmp ("ks-test-crash-XXXXXX", &error);
  g_assert_no_error (error);
  table = g_ptr_array_new_with_free_func (row_free);

  g_test_add_data_func ("/crash/before-submit", GUINT_TO_POINTER (0), test_point);
  g_test_add_data_func ("/crash/during-submit", GUINT_TO_POINTER (1), test_point);
  g_test_add_data_func ("/crash/queued", GUINT_TO_POINTER (2), test_point);
  g_test_add_data_func ("/crash/running", GUINT_TO_POINTER (3), test_point);
  g_test_add_data_func ("/crash/download", GUINT_TO_POINTER (4), test_point);
  g_test_add_data_func ("/crash/mid-write", GUINT_TO_POINTER (5), test_point);
  g_test_add_func ("/crash/random", test_random);

  status = g_test_run ();

  print_table ();
  g_ptr_array_unref (table);
  if (status == 0)
    remove_tree (tmp_root);
  else
    g_print ("# libraries of the failing kill points are kept under %s\n", tmp_root);
  g_free (tmp_root);

  return status;
}
