/* One cell of the fault matrix. */

#include "config.h"

#include <string.h>

#include "fault-cell.h"

#define TEST_KEY          "test-id:test-secret"
#define CELL_BOUND_MS     30000   /* no cell may take longer, under any load */
#define HTTP_TIMEOUT_S    1       /* a silent reply is given up after this */
#define MAX_RETRIES       4
#define PERSISTENT_RETRIES 2      /* keeps the cells that must fail short */
#define N_IMAGES_IMAGE_ROW 2

const RowInfo fault_rows[N_ROWS] = {
  [ROW_SUBMIT] = { "submit", KS_SIM_STEP_SUBMIT },
  [ROW_STREAM] = { "stream", KS_SIM_STEP_STREAM },
  [ROW_POLL]   = { "poll",   KS_SIM_STEP_STATUS },
  [ROW_RESULT] = { "result", KS_SIM_STEP_RESULT },
  [ROW_IMAGE]  = { "image",  KS_SIM_STEP_IMAGE },
  [ROW_UPLOAD] = { "upload", KS_SIM_STEP_UPLOAD },
};

const ColInfo fault_cols[N_COLS] = {
  [COL_429]         = { "429",     KS_SIM_FAULT_429,              TRUE,  KS_ERROR_RATE_LIMITED },
  [COL_500]         = { "500",     KS_SIM_FAULT_500,              TRUE,  KS_ERROR_SERVER },
  [COL_502]         = { "502",     KS_SIM_FAULT_502_HTML,         TRUE,  KS_ERROR_SERVER },
  [COL_503]         = { "503",     KS_SIM_FAULT_503,              TRUE,  KS_ERROR_SERVER },
  [COL_504]         = { "504",     KS_SIM_FAULT_504_GATEWAY,      TRUE,  KS_ERROR_SERVER },
  [COL_504_USER]    = { "504u",    KS_SIM_FAULT_504_USER_TIMEOUT, FALSE, KS_ERROR_TIMEOUT },
  [COL_RESET]       = { "reset",   KS_SIM_FAULT_DROP,             TRUE,  KS_ERROR_NETWORK },
  [COL_TIMEOUT]     = { "timeout", KS_SIM_FAULT_HANG,             TRUE,  KS_ERROR_TIMEOUT },
  [COL_TRUNCATED]   = { "trunc",   KS_SIM_FAULT_TRUNCATED,        TRUE,  KS_ERROR_NETWORK },
  [COL_MALFORMED]   = { "json",    KS_SIM_FAULT_MALFORMED_JSON,   FALSE, KS_ERROR_MALFORMED },
  [COL_WRONG_TYPES] = { "types",   KS_SIM_FAULT_WRONG_TYPES,      FALSE, KS_ERROR_MALFORMED },
  [COL_OVERSIZED]   = { "huge",    KS_SIM_FAULT_OVERSIZED,        FALSE, KS_ERROR_TOO_LARGE },
};

gboolean
fault_cell_applies (Row      row,
                    Col      col,
                    gboolean persistent)
{
  switch (row)
    {
    case ROW_SUBMIT:
      /* Only a 429 is retried at submit: the other faults end the job
       * at the first reply either way. */
      return !persistent || col == COL_429;

    case ROW_STREAM:
      /* A stream is opened once, then polling takes over; it has no
       * Content-Length to break. */
      return !persistent && col != COL_TRUNCATED;

    case ROW_POLL:
    case ROW_UPLOAD:
      /* The start deadline is reported on results only. */
      return col != COL_504_USER;

    case ROW_IMAGE:
      /* Image bytes are not JSON. */
      return col != COL_504_USER && col != COL_MALFORMED && col != COL_WRONG_TYPES;

    case ROW_RESULT:
      return TRUE;

    case N_ROWS:
    default:
      g_assert_not_reached ();
    }
}

/* The outcome the cell must reach: TRUE for COMPLETED, else FALSE and
 * the error code. */
static gboolean
expect_completed (Cell    *cell,
                  KsError *code)
{
  const ColInfo *col = &fault_cols[cell->col];

  *code = col->code;

  /* A broken stream only means polling. */
  if (cell->row == ROW_STREAM)
    return TRUE;

  /* A submit is retried only when the service certainly did not take
   * it; one it took whose reply broke is followed by the request id of
   * the reply's headers. A submit that is never answered may have been
   * taken: it is left to the user, with that warning. */
  if (cell->row == ROW_SUBMIT)
    return !cell->persistent &&
           (cell->col == COL_429 || cell->col == COL_RESET || cell->col == COL_TRUNCATED ||
            cell->col == COL_MALFORMED || cell->col == COL_WRONG_TYPES || cell->col == COL_OVERSIZED);

  return !cell->persistent && col->transient;
}

G_GNUC_PRINTF (2, 3)
static void
problem (Cell       *cell,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (cell->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

Cell *
fault_cell_new (Row      row,
                Col      col,
                gboolean persistent,
                guint    index)
{
  Cell *cell = g_new0 (Cell, 1);

  cell->row = row;
  cell->col = col;
  cell->persistent = persistent;
  cell->index = index;
  cell->problems = g_ptr_array_new_with_free_func (g_free);
  cell->prompt = g_strdup_printf ("A lighthouse at dusk, cell %s%s/%s",
                                  fault_rows[row].name, persistent ? "*" : "",
                                  fault_cols[col].name);

  return cell;
}

void
fault_cell_free (Cell *cell)
{
  g_assert (cell->job == NULL && cell->retry_job == NULL);

  g_clear_error (&cell->error);
  g_free (cell->action);
  g_free (cell->prompt);
  g_ptr_array_unref (cell->problems);
  g_free (cell);
}

/* ---- checks -------------------------------------------------------------- */

static void
check_params (Cell       *cell,
              KsRecord   *record,
              const char *where)
{
  KsParams *params = ks_record_get_params (record);
  guint64 seed = 0;

  if (params == NULL)
    {
      problem (cell, "%s: the record has no parameters", where);
      return;
    }

  if (g_strcmp0 (ks_params_get_prompt (params), cell->prompt) != 0 ||
      !ks_params_get_seed (params, &seed) || seed != 4000 + cell->index ||
      ks_params_get_guidance_scale (params) != 4.5 ||
      g_strcmp0 (ks_params_get_aspect_ratio (params), "16:9") != 0 ||
      g_strcmp0 (ks_params_get_output_format (params), "png") != 0 ||
      ks_params_get_num_images (params) != (cell->row == ROW_IMAGE ? N_IMAGES_IMAGE_ROW : 1))
    problem (cell, "%s: the record lost parameters", where);

  /* Stored with the record once it is written ahead; before that (the
   * upload failed), named by the parameters. */
  if (cell->row == ROW_UPLOAD &&
      (ks_record_get_references (record) == NULL || ks_record_get_references (record)->len != 1) &&
      (ks_params_get_references (params) == NULL || g_strv_length ((char **) ks_params_get_references (params)) != 1))
    problem (cell, "%s: the record lost its reference", where);
}

/* The images of a completed job are in the library, byte for byte. */
static void
check_images (Cell     *cell,
              KsJob    *job,
              KsRecord *record)
{
  GListModel *images = ks_job_get_images (job);
  guint expected = ks_params_get_num_images (ks_job_get_params (job));
  GPtrArray *entries = ks_record_get_images (record);

  if (g_list_model_get_n_items (images) != expected || entries == NULL || entries->len != expected)
    {
      problem (cell, "%u of %u images kept", entries != NULL ? entries->len : 0, expected);
      return;
    }

  for (guint i = 0; i < expected; i++)
    {
      g_autoptr(KsJobImage) image = g_list_model_get_item (images, i);
      const KsRecordImage *entry = ks_record_get_image (record, i);
      g_autoptr(GFile) file = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (entry == NULL || entry->file == NULL)
        {
          problem (cell, "image %u is not in the library", i);
          continue;
        }

      file = ks_library_resolve (cell->f.library, entry->file);
      bytes = g_file_load_bytes (file, NULL, NULL, NULL);
      if (bytes == NULL || !g_bytes_equal (bytes, ks_job_image_get_bytes (image)))
        problem (cell, "image %u in the library differs from the one downloaded", i);
    }
}

/* The record on disk says what the one in memory says. */
static void
check_on_disk (Cell     *cell,
               KsRecord *record)
{
  g_autoptr(KsRecord) disk = NULL;

  ks_library_flush (cell->f.library);
  disk = read_record (&cell->f, ks_record_get_id (record));
  if (disk == NULL)
    {
      problem (cell, "the record is not on disk");
      return;
    }

  if (ks_record_get_state (disk) != ks_record_get_state (record) ||
      g_strcmp0 (ks_record_get_error_code (disk), ks_record_get_error_code (record)) != 0 ||
      g_strcmp0 (ks_record_get_request_id (disk), ks_record_get_request_id (record)) != 0)
    problem (cell, "the record on disk (%s) differs from the one in memory (%s)",
             ks_record_state_to_string (ks_record_get_state (disk)),
             ks_record_state_to_string (ks_record_get_state (record)));

  check_params (cell, disk, "on disk");

  if (ks_record_get_job (record) != NULL)
    problem (cell, "the record still names its job after the run");
}

/* What the record offers now that its job has failed. */
static const char *
retry_action_for (KsRecord *record)
{
  /* Accepted and then lost while being followed: its result may be
   * waiting, paid for. Retry follows the same request. */
  if (ks_record_can_follow_again (record))
    return "follow";

  switch (ks_record_get_state (record))
    {
    case KS_RECORD_STATE_FAILED:
    case KS_RECORD_STATE_CANCELLED:
    case KS_RECORD_STATE_EXPIRED:
      return "retry";

    case KS_RECORD_STATE_UNKNOWN:
      return "resubmit";

    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
      /* Followed again by the next resume, without a new submit. */
      return ks_record_get_request_id (record) != NULL ? "resume" : NULL;

    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_COMPLETED:
    default:
      return NULL;
    }
}

static void
check_run (Cell *cell)
{
  KsRecord *record = ks_job_get_record (cell->job);
  KsError code;
  gboolean want_completed = expect_completed (cell, &code);
  gboolean refused_submit;

  if (cell->faults_served == 0)
    problem (cell, "the fault was never served");

  /* A refused submit queues nothing, nor does a failed upload (nothing
   * is submitted without its reference); any other job exactly once. */
  refused_submit = cell->state != KS_JOB_STATE_COMPLETED &&
                   ((cell->row == ROW_SUBMIT && cell->col <= COL_504_USER) || cell->row == ROW_UPLOAD);
  if (cell->accepted != (refused_submit ? 0 : 1))
    problem (cell, "the server took %u jobs", cell->accepted);

  if (cell->state == KS_JOB_STATE_COMPLETED)
    {
      if (!want_completed)
        problem (cell, "completed, but %s was expected", ks_error_code_nick (code));
      if (ks_record_get_state (record) != KS_RECORD_STATE_COMPLETED)
        problem (cell, "the job completed, the record is %s",
                 ks_record_state_to_string (ks_record_get_state (record)));
      check_images (cell, cell->job, record);
      if (cell->row == ROW_STREAM && g_strcmp0 (ks_job_get_status_source (cell->job), "polling") != 0)
        problem (cell, "the broken stream was believed");
    }
  else if (cell->state == KS_JOB_STATE_FAILED)
    {
      KsRecordState state = ks_record_get_state (record);

      if (want_completed)
        problem (cell, "failed (%s), but it should have completed",
                 cell->error != NULL ? cell->error->message : "no error");
      else if (!g_error_matches (cell->error, KS_ERROR, code))
        problem (cell, "failed with %s, %s was expected",
                 cell->error != NULL && cell->error->domain == KS_ERROR
                   ? ks_error_code_nick (cell->error->code) : "a foreign error",
                 ks_error_code_nick (code));

      if (cell->error == NULL || cell->error->message == NULL || strlen (cell->error->message) < 10 ||
          strstr (cell->error->message, "(null)") != NULL)
        problem (cell, "no message a person can read");
      else if (strstr (cell->error->message, "test-secret") != NULL ||
               strstr (cell->error->message, TEST_KEY) != NULL)
        problem (cell, "the key is in the message");

      /* A job the service may have taken must not look free to retry. */
      if (ks_job_get_request_id (cell->job) == NULL && cell->accepted > 0 &&
          state != KS_RECORD_STATE_UNKNOWN)
        problem (cell, "the server has the job, the record says %s", ks_record_state_to_string (state));
      if (ks_job_get_request_id (cell->job) == NULL && cell->accepted == 0 &&
          state != KS_RECORD_STATE_FAILED)
        problem (cell, "refused at submit, the record says %s", ks_record_state_to_string (state));

      if ((state == KS_RECORD_STATE_FAILED || state == KS_RECORD_STATE_UNKNOWN) &&
          cell->error != NULL && cell->error->domain == KS_ERROR &&
          g_strcmp0 (ks_record_get_error_code (record), ks_error_code_nick (cell->error->code)) != 0)
        problem (cell, "the record keeps error %s", ks_record_get_error_code (record));

      if (retry_action_for (record) == NULL)
        problem (cell, "no retry action: the record is %s", ks_record_state_to_string (state));
    }
  else
    problem (cell, "ended %s", ks_job_state_to_string (cell->state));

  check_params (cell, record, "in memory");
  check_on_disk (cell, record);
}

/* ---- running ------------------------------------------------------------- */

static gboolean
cell_finish_cb (gpointer data)
{
  Cell *cell = data;

  g_clear_handle_id (&cell->bound_source, g_source_remove);
  g_clear_object (&cell->job);
  g_clear_object (&cell->retry_job);
  g_clear_object (&cell->cancellable);
  lib_tear_down (&cell->f, NULL);
  cell->phase = CELL_DONE;
  cell->done (cell);

  return G_SOURCE_REMOVE;
}

static void
cell_finish (Cell *cell)
{
  g_idle_add (cell_finish_cb, cell);
}

static gboolean
cell_bound_cb (gpointer data)
{
  Cell *cell = data;

  cell->bound_source = 0;
  problem (cell, "still %s after %u s", cell->phase == CELL_RUNNING ? "running" : "retrying",
           cell->bound_ms / 1000);
  g_cancellable_cancel (cell->cancellable);

  return G_SOURCE_REMOVE;
}

static void
retry_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cell *cell = user_data;
  g_autoptr(GError) error = NULL;
  KsJob *job = KS_JOB (object);
  KsRecord *record = ks_job_get_record (job);

  if (!ks_job_run_finish (job, result, &error))
    problem (cell, "the %s failed: %s", cell->action, error->message);
  else
    {
      cell->action_ok = TRUE;
      check_images (cell, job, record);
      check_params (cell, record, "resubmitted");
    }

  /* Exactly one more job on the server. */
  if (ks_sim_server_get_job_count (cell->f.base.server) != cell->accepted + 1)
    problem (cell, "the %s left %u jobs on the server", cell->action,
             ks_sim_server_get_job_count (cell->f.base.server));

  cell_finish (cell);
}

static void
resume_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Cell *cell = user_data;
  g_autoptr(GError) error = NULL;
  KsResumeSummary summary = { 0 };
  KsRecord *record = ks_job_get_record (cell->job);

  if (!ks_library_resume_finish (KS_LIBRARY (object), result, &summary, &error))
    problem (cell, "the resume failed: %s", error->message);
  else if (summary.completed != 1 || ks_record_get_state (record) != KS_RECORD_STATE_COMPLETED)
    problem (cell, "the resume left the record %s",
             ks_record_state_to_string (ks_record_get_state (record)));
  else
    cell->action_ok = TRUE;

  /* Following the same request again submits nothing. */
  if (ks_sim_server_get_job_count (cell->f.base.server) != cell->accepted)
    problem (cell, "the resume submitted again");

  cell_finish (cell);
}

static void
follow_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Cell *cell = user_data;
  g_autoptr(GError) error = NULL;
  KsJob *job = KS_JOB (object);
  KsRecord *record = ks_job_get_record (job);

  if (!ks_job_run_finish (job, result, &error))
    problem (cell, "following again failed: %s", error->message);
  else if (ks_record_get_state (record) != KS_RECORD_STATE_COMPLETED)
    problem (cell, "following again left the record %s",
             ks_record_state_to_string (ks_record_get_state (record)));
  else if (ks_record_get_error_code (record) != NULL)
    problem (cell, "the completed record still says %s", ks_record_get_error_code (record));
  else
    {
      cell->action_ok = TRUE;
      check_images (cell, job, record);
      check_params (cell, record, "followed again");
    }

  /* The same request: nothing submitted, nothing billed twice. */
  if (ks_sim_server_get_job_count (cell->f.base.server) != cell->accepted)
    problem (cell, "following again submitted a new job");

  cell_finish (cell);
}

/* Takes the action the record offers, with the fault gone. */
static void
cell_take_action (Cell *cell)
{
  KsRecord *record = ks_job_get_record (cell->job);
  const char *action = retry_action_for (record);

  if (action == NULL)
    {
      cell_finish (cell);
      return;
    }

  cell->action = g_strdup (action);
  cell->phase = CELL_RETRYING;
  ks_sim_server_clear_faults (cell->f.base.server);

  if (g_str_equal (action, "resume"))
    {
      ks_library_resume_async (cell->f.library, cell->f.base.client, cell->cancellable,
                               resume_done_cb, cell);
      return;
    }

  if (g_str_equal (action, "follow"))
    {
      cell->retry_job = ks_library_follow_again (cell->f.library, record, cell->f.base.client);
      ks_job_run_async (cell->retry_job, cell->cancellable, follow_done_cb, cell);
      return;
    }

  record = ks_library_resubmit (cell->f.library, record, cell->f.base.client);
  cell->retry_job = g_object_ref (ks_record_get_job (record));
  ks_job_run_async (cell->retry_job, cell->cancellable, retry_done_cb, cell);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Cell *cell = user_data;
  gboolean ok;

  ok = ks_job_run_finish (cell->job, result, &cell->error);
  cell->seconds = (g_get_monotonic_time () - cell->started) / (double) G_USEC_PER_SEC;
  cell->state = ks_job_get_state (cell->job);
  cell->faults_served = ks_sim_server_get_fault_count (cell->f.base.server, fault_rows[cell->row].step);
  cell->accepted = ks_sim_server_get_job_count (cell->f.base.server);

  if (ok != (cell->state == KS_JOB_STATE_COMPLETED))
    problem (cell, "the run said %s, the job is %s", ok ? "ok" : "failed",
             ks_job_state_to_string (cell->state));

  if (g_cancellable_is_cancelled (cell->cancellable))
    {
      cell_finish (cell);
      return;
    }

  check_run (cell);

  if (cell->state == KS_JOB_STATE_FAILED)
    cell_take_action (cell);
  else
    cell_finish (cell);
}

static KsParams *
cell_params (Cell *cell)
{
  g_autoptr(KsParams) params = NULL;

  if (cell->row == ROW_UPLOAD)
    {
      g_autofree char *reference = write_reference (&cell->f.base, "reference.png", 0x3366ccff);

      params = make_params (KS_MODE_EDIT, cell->prompt);
      ks_params_add_reference (params, reference);
    }
  else
    params = make_params (KS_MODE_TEXT_TO_IMAGE, cell->prompt);

  ks_params_set_seed (params, 4000 + cell->index);
  ks_params_set_guidance_scale (params, 4.5);
  ks_params_set_aspect_ratio (params, "16:9");
  ks_params_set_output_format (params, "png");
  ks_params_set_num_images (params, cell->row == ROW_IMAGE ? N_IMAGES_IMAGE_ROW : 1);

  return g_steal_pointer (&params);
}

void
fault_cell_start (Cell         *cell,
                  CellDoneFunc  done)
{
  const ColInfo *col = &fault_cols[cell->col];
  g_autoptr(KsParams) params = NULL;
  guint count;

  cell->done = done;
  lib_set_up (&cell->f, NULL);

  g_object_set (cell->f.base.server,
                "queue-delay", 20,
                "run-time", 120,
                "log-lines", 2,
                NULL);
  g_object_set (cell->f.base.client,
                "http-timeout", HTTP_TIMEOUT_S,
                "stream-timeout", HTTP_TIMEOUT_S,
                "max-retries", cell->persistent ? PERSISTENT_RETRIES : MAX_RETRIES,
                "use-streaming", cell->row != ROW_POLL,
                "upload-references", cell->row == ROW_UPLOAD,
                "max-download-bytes", (guint64) 4 * 1024 * 1024,
                NULL);

  /* Transient faults twice in a row; the others once; persistent ones on
   * every request. */
  count = cell->persistent ? 0 : (col->transient && cell->row != ROW_STREAM ? 2 : 1);
  ks_sim_server_add_fault (cell->f.base.server, fault_rows[cell->row].step, col->fault, count);

  params = cell_params (cell);
  cell->job = ks_library_create_job (cell->f.library, cell->f.base.client, params, NULL, 0);
  cell->cancellable = g_cancellable_new ();
  cell->bound_ms = CELL_BOUND_MS;
  cell->bound_source = g_timeout_add (cell->bound_ms, cell_bound_cb, cell);
  cell->started = g_get_monotonic_time ();
  cell->phase = CELL_RUNNING;

  ks_job_run_async (cell->job, cell->cancellable, run_done_cb, cell);
}

static const char *
short_code (const GError *error)
{
  if (error == NULL || error->domain != KS_ERROR)
    return "?";

  switch (error->code)
    {
    case KS_ERROR_RATE_LIMITED: return "rate";
    case KS_ERROR_NETWORK:      return "net";
    case KS_ERROR_MALFORMED:    return "json";
    case KS_ERROR_TOO_LARGE:    return "big";
    default:                    return ks_error_code_nick (error->code);
    }
}

char *
fault_cell_label (Cell *cell)
{
  GString *label = g_string_new (NULL);

  if (cell->state == KS_JOB_STATE_COMPLETED)
    {
      g_string_append (label, "ok");
      if (cell->row == ROW_STREAM)
        g_string_append (label, "~poll");
      else if (cell->row == ROW_SUBMIT && cell->col != COL_429)
        g_string_append (label, "~id");
      else if (cell->faults_served > 0)
        g_string_append_printf (label, "+%ur", cell->faults_served);
    }
  else if (cell->state == KS_JOB_STATE_FAILED)
    {
      g_string_append_printf (label, "E:%s", short_code (cell->error));
      if (g_strcmp0 (cell->action, "retry") == 0)
        g_string_append (label, "/R");
      else if (g_strcmp0 (cell->action, "resubmit") == 0)
        g_string_append (label, "/U");
      else if (g_strcmp0 (cell->action, "resume") == 0)
        g_string_append (label, "/M");
      else if (g_strcmp0 (cell->action, "follow") == 0)
        g_string_append (label, "/F");
    }
  else
    g_string_append (label, ks_job_state_to_string (cell->state));

  if (cell->problems->len > 0)
    g_string_append_c (label, '!');

  return g_string_free (label, FALSE);
}
