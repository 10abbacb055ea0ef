#define G_LOG_DOMAIN "ks-cli"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-cli-private.h"
#include "ks-cli-save.h"

/* ---- the end ------------------------------------------------------------ */

void
_ks_cli_report_error (Cli          *cli,
                  const GError *error,
                  GPtrArray    *field_errors)
{
  JsonObject *event = ks_cli_event_new ("error");
  const char *code = error->domain == KS_ERROR ? ks_error_code_nick (error->code) : "other";

  ks_cli_output_message (cli->output, _("Error: %s"), error->message);
  for (guint i = 0; field_errors != NULL && i < field_errors->len; i++)
    {
      const KsFieldError *fe = g_ptr_array_index (field_errors, i);

      /* Already told by the message itself. */
      if (fe->message != NULL && strstr (error->message, fe->message) != NULL)
        continue;
      if (fe->field != NULL)
        ks_cli_output_message (cli->output, "  %s: %s", fe->field, fe->message);
      else
        ks_cli_output_message (cli->output, "  %s", fe->message);
    }

  json_object_set_string_member (event, "code", code);
  json_object_set_int_member (event, "exit_code", ks_cli_exit_code_for_error (error));
  json_object_set_string_member (event, "message", error->message);
  if (cli->job != NULL && ks_job_get_request_id (cli->job) != NULL)
    json_object_set_string_member (event, "request_id", ks_job_get_request_id (cli->job));
  if (field_errors != NULL && field_errors->len > 0)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < field_errors->len; i++)
        {
          const KsFieldError *fe = g_ptr_array_index (field_errors, i);
          JsonObject *item = json_object_new ();

          if (fe->field != NULL)
            json_object_set_string_member (item, "field", fe->field);
          json_object_set_string_member (item, "message", fe->message);
          json_array_add_object_element (array, item);
        }
      json_object_set_array_member (event, "field_errors", array);
    }
  ks_cli_output_event (cli->output, event);
}

void
_ks_cli_quit (Cli *cli,
          int  exit_code)
{
  cli->exit_code = exit_code;
  g_main_loop_quit (cli->loop);
}

void
_ks_cli_fail (Cli          *cli,
          const GError *error)
{
  _ks_cli_report_error (cli, error, NULL);
  _ks_cli_quit (cli, ks_cli_exit_code_for_error (error));
}

static void
cli_print_resume_hint (Cli *cli)
{
  const char *id = cli->job ? ks_job_get_request_id (cli->job) : NULL;
  g_autofree char *extra = NULL;

  if (id == NULL)
    {
      ks_cli_output_message (cli->output,
                             _("Stopped before the service named the request; if it was sent, it may still run."));
      if (cli->job != NULL && ks_job_get_record (cli->job) != NULL)
        ks_cli_output_message (cli->output,
                               _("Its parameters are kept in the library: “kontext-cli list” shows it, "
                                 "“kontext-cli resubmit ID” sends it again."));
      return;
    }

  {
    g_autofree char *root = ks_endpoint_id_app_root (cli->endpoint_id);
    g_autofree char *default_root =
      ks_endpoint_id_app_root (ks_endpoint_get_id (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_EDIT)));

    /* Requests live under owner/alias: only another one needs naming. */
    if (g_strcmp0 (root, default_root) != 0)
      extra = g_strdup_printf (" --endpoint %s", cli->endpoint_id);
  }
  if (g_strcmp0 (cli->base_url, KS_DEFAULT_BASE_URL) != 0)
    {
      g_autofree char *prev = g_steal_pointer (&extra);
      extra = g_strdup_printf ("%s --base-url %s", prev ? prev : "", cli->base_url);
    }

  ks_cli_output_message (cli->output,
                         _("The job may go on at the service. Follow it with:\n"
                           "  kontext-cli status %s%s\n"
                           "and fetch its images with:\n"
                           "  kontext-cli result %s%s"),
                         id, extra ? extra : "", id, extra ? extra : "");
  if (cli->job != NULL && ks_job_get_record (cli->job) != NULL)
    ks_cli_output_message (cli->output,
                           _("It is kept in the library: “kontext-cli resume” takes it up again."));
}

/* Called when the job has ended and every save has too. */
static void
cli_maybe_finish_job (Cli *cli)
{
  if (!cli->job_done || cli->pending_saves > 0)
    return;

  if ((cli->interrupted || cli->timed_out) &&
      g_error_matches (cli->job_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autoptr(GError) error = NULL;

      if (cli->timed_out)
        error = g_error_new (KS_ERROR, KS_ERROR_TIMEOUT,
                             _("No result within %d s (--timeout)."), cli->timeout);
      else
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("Interrupted."));
      _ks_cli_report_error (cli, error, NULL);
      cli_print_resume_hint (cli);
      _ks_cli_quit (cli, cli->timed_out ? KS_CLI_EXIT_TIMEOUT : KS_CLI_EXIT_INTERRUPTED);
      return;
    }

  if (cli->job_error != NULL)
    {
      _ks_cli_report_error (cli, cli->job_error, ks_job_get_field_errors (cli->job));
      /* The job may well have finished at the service: its images can
       * still be fetched while the service keeps them. */
      if (ks_error_is_transient (cli->job_error) ||
          g_error_matches (cli->job_error, KS_ERROR, KS_ERROR_MALFORMED))
        cli_print_resume_hint (cli);
      _ks_cli_quit (cli, ks_cli_exit_code_for_error (cli->job_error));
      return;
    }

  {
    JsonObject *event = ks_cli_event_new ("done");
    JsonArray *files = json_array_new ();
    double elapsed = ks_job_get_elapsed (cli->job);

    for (guint i = 0; i < cli->saved_paths->len; i++)
      json_array_add_string_element (files, g_ptr_array_index (cli->saved_paths, i));

    json_object_set_string_member (event, "request_id", ks_job_get_request_id (cli->job));
    if (ks_job_get_record (cli->job) != NULL)
      json_object_set_string_member (event, "record", ks_record_get_id (ks_job_get_record (cli->job)));
    json_object_set_string_member (event, "state", ks_job_state_to_string (ks_job_get_state (cli->job)));
    if (ks_job_get_seed (cli->job) != NULL)
      json_object_set_string_member (event, "seed", ks_job_get_seed (cli->job));
    if (ks_job_get_inference_time (cli->job) >= 0)
      json_object_set_double_member (event, "inference_time", ks_job_get_inference_time (cli->job));
    json_object_set_int_member (event, "elapsed_ms", (gint64) (elapsed * 1000));
    json_object_set_array_member (event, "files", files);
    ks_cli_output_event (cli->output, event);

    if (ks_job_get_seed (cli->job) != NULL)
      ks_cli_output_message (cli->output,
                             ngettext ("Done in %.1f s: %u image saved (seed %s).",
                                       "Done in %.1f s: %u images saved (seed %s).",
                                       cli->saved_paths->len),
                             elapsed, cli->saved_paths->len, ks_job_get_seed (cli->job));
    else
      ks_cli_output_message (cli->output,
                             ngettext ("Done in %.1f s: %u image saved.",
                                       "Done in %.1f s: %u images saved.",
                                       cli->saved_paths->len),
                             elapsed, cli->saved_paths->len);
    _ks_cli_quit (cli, cli->exit_code);
  }
}

/* ---- following a job ---------------------------------------------------- */

static void
cli_update_progress (Cli *cli)
{
  KsJob *job = cli->job;
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;
  int seconds = (int) ks_job_get_elapsed (job);
  int position = ks_job_get_queue_position (job);

  switch (ks_job_get_state (job))
    {
    case KS_JOB_STATE_PENDING:
      key = g_strdup (_("Asking the service…"));
      break;
    case KS_JOB_STATE_WAITING:
      key = g_strdup (_("Waiting for the network…"));
      break;
    case KS_JOB_STATE_PREPARING:
      key = g_strdup (_("Preparing…"));
      break;
    case KS_JOB_STATE_SUBMITTING:
      key = g_strdup (_("Submitting…"));
      break;
    case KS_JOB_STATE_IN_QUEUE:
      if (position > 0)
        key = g_strdup_printf (ngettext ("In queue, %d job ahead", "In queue, %d jobs ahead", position), position);
      else if (position == 0)
        key = g_strdup (_("In queue, next in line"));
      else
        key = g_strdup (_("In queue"));
      break;
    case KS_JOB_STATE_IN_PROGRESS:
      key = g_strdup (_("Running"));
      break;
    case KS_JOB_STATE_DOWNLOADING:
      key = g_strdup (_("Downloading images"));
      break;
    case KS_JOB_STATE_COMPLETED:
    case KS_JOB_STATE_FAILED:
    case KS_JOB_STATE_CANCELLED:
    default:
      ks_cli_output_end_progress (cli->output);
      return;
    }

  text = g_strdup_printf ("[%4d s] %s", seconds, key);
  ks_cli_output_progress (cli->output, key, text);
}

static void
on_job_state (KsJob      *job,
              GParamSpec *pspec,
              Cli        *cli)
{
  KsJobState state = ks_job_get_state (job);
  JsonObject *event = ks_cli_event_new ("status");

  json_object_set_string_member (event, "state", ks_job_state_to_string (state));
  if (ks_job_get_request_id (job) != NULL)
    json_object_set_string_member (event, "request_id", ks_job_get_request_id (job));
  if (ks_job_get_queue_position (job) >= 0)
    json_object_set_int_member (event, "queue_position", ks_job_get_queue_position (job));
  json_object_set_int_member (event, "elapsed_ms", (gint64) (ks_job_get_elapsed (job) * 1000));
  ks_cli_output_event (cli->output, event);

  cli_update_progress (cli);
}

static void
on_job_queue_position (KsJob      *job,
                       GParamSpec *pspec,
                       Cli        *cli)
{
  if (ks_job_get_state (job) != KS_JOB_STATE_IN_QUEUE || ks_job_get_queue_position (job) < 0)
    return;

  /* A queue move is a status event of its own. */
  on_job_state (job, pspec, cli);
}

static void
on_job_status_source (KsJob      *job,
                      GParamSpec *pspec,
                      Cli        *cli)
{
  if (!cli->poll && g_strcmp0 (ks_job_get_status_source (job), "polling") == 0)
    ks_cli_output_message (cli->output,
                           _("The status stream ended early; following the job by polling instead."));
}

static void
on_job_elapsed (KsJob      *job,
                GParamSpec *pspec,
                Cli        *cli)
{
  if (!ks_job_state_is_finished (ks_job_get_state (job)))
    cli_update_progress (cli);
}

static void
on_job_log (KsJob            *job,
            const KsLogEntry *entry,
            Cli              *cli)
{
  JsonObject *event = ks_cli_event_new ("log");

  json_object_set_string_member (event, "message", entry->message);
  if (entry->timestamp != NULL)
    json_object_set_string_member (event, "timestamp", entry->timestamp);
  if (entry->level != NULL)
    json_object_set_string_member (event, "level", entry->level);
  ks_cli_output_event (cli->output, event);

  ks_cli_output_message (cli->output, "  %s", entry->message);
  cli_update_progress (cli);
}

static void
on_request_known (KsJob           *job,
                  const KsRequest *request,
                  Cli             *cli)
{
  JsonObject *event = ks_cli_event_new ("request");

  json_object_set_string_member (event, "request_id", request->request_id);
  json_object_set_string_member (event, "endpoint", request->endpoint_id);
  if (request->status_url != NULL)
    json_object_set_string_member (event, "status_url", request->status_url);
  if (request->response_url != NULL)
    json_object_set_string_member (event, "response_url", request->response_url);
  if (request->cancel_url != NULL)
    json_object_set_string_member (event, "cancel_url", request->cancel_url);
  if (ks_job_get_record (job) != NULL)
    json_object_set_string_member (event, "record", ks_record_get_id (ks_job_get_record (job)));
  ks_cli_output_event (cli->output, event);

  ks_cli_output_message (cli->output, _("Request ID: %s"), request->request_id);
}

static void cli_save_next (Cli *cli);

static void
image_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(KsJobImage) image = g_queue_pop_head (&cli->save_queue);
  g_autoptr(GError) error = NULL;
  g_autofree char *image_path = NULL;
  g_autofree char *sidecar_path = NULL;
  guint number = ks_job_image_get_index (image) + 1;

  cli->saving = FALSE;
  cli->pending_saves--;

  if (!ks_cli_save_image_finish (result, &image_path, &sidecar_path, &error))
    {
      /* The job itself went well: say so, and which file is missing. */
      _ks_cli_report_error (cli, error, NULL);
      if (cli->exit_code == KS_CLI_EXIT_OK)
        cli->exit_code = KS_CLI_EXIT_OTHER;
    }
  else
    {
      JsonObject *event = ks_cli_event_new ("image");
      gboolean nsfw = ks_job_image_get_has_nsfw_concepts (image);

      g_ptr_array_add (cli->saved_paths, g_strdup (image_path));

      json_object_set_int_member (event, "index", ks_job_image_get_index (image));
      json_object_set_string_member (event, "path", image_path);
      json_object_set_string_member (event, "sidecar", sidecar_path);
      json_object_set_int_member (event, "width", ks_job_image_get_width (image));
      json_object_set_int_member (event, "height", ks_job_image_get_height (image));
      json_object_set_string_member (event, "content_type", ks_job_image_get_content_type (image));
      json_object_set_boolean_member (event, "has_nsfw_concepts", nsfw);
      ks_cli_output_event (cli->output, event);

      ks_cli_output_message (cli->output, _("Saved image %u: %s (%d × %d)"), number, image_path,
                             ks_job_image_get_width (image),
                             ks_job_image_get_height (image));
      if (nsfw)
        ks_cli_output_message (cli->output,
                               _("Image %u was flagged by the safety checker (has_nsfw_concepts)."),
                               number);
      ks_cli_output_result (cli->output, image_path);
    }

  cli_save_next (cli);
  cli_maybe_finish_job (cli);
}

/* One file at a time, so that stdout lists them in result order. */
static void
cli_save_next (Cli *cli)
{
  KsJobImage *image = g_queue_peek_head (&cli->save_queue);

  if (cli->saving || image == NULL)
    return;

  cli->saving = TRUE;
  /* No cancellable: an image that was paid for is written even when the
   * user interrupts. */
  ks_cli_save_image_async (cli->job, image, cli->directory, NULL, image_saved_cb, cli);
}

static void
on_image_ready (KsJob      *job,
                KsJobImage *image,
                Cli        *cli)
{
  cli->pending_saves++;
  g_queue_push_tail (&cli->save_queue, g_object_ref (image));
  cli_save_next (cli);
}

static void
job_run_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Cli *cli = user_data;

  ks_job_run_finish (KS_JOB (object), result, &cli->job_error);
  cli->job_done = TRUE;
  g_clear_handle_id (&cli->timeout_source, g_source_remove);
  ks_cli_output_end_progress (cli->output);

  cli_maybe_finish_job (cli);
}

static gboolean
on_timeout (gpointer user_data)
{
  Cli *cli = user_data;

  cli->timeout_source = 0;
  cli->timed_out = TRUE;
  g_cancellable_cancel (cli->cancellable);

  return G_SOURCE_REMOVE;
}

void
_ks_cli_run_job (Cli *cli)
{
  g_signal_connect (cli->job, "notify::state", G_CALLBACK (on_job_state), cli);
  g_signal_connect (cli->job, "notify::queue-position", G_CALLBACK (on_job_queue_position), cli);
  g_signal_connect (cli->job, "notify::elapsed", G_CALLBACK (on_job_elapsed), cli);
  g_signal_connect (cli->job, "notify::status-source", G_CALLBACK (on_job_status_source), cli);
  g_signal_connect (cli->job, "log-added", G_CALLBACK (on_job_log), cli);
  g_signal_connect (cli->job, "request-known", G_CALLBACK (on_request_known), cli);
  g_signal_connect (cli->job, "image-ready", G_CALLBACK (on_image_ready), cli);

  if (cli->timeout > 0)
    cli->timeout_source = g_timeout_add_seconds (cli->timeout, on_timeout, cli);

  ks_job_run_async (cli->job, cli->cancellable, job_run_cb, cli);
}

/* ---- status and cancel -------------------------------------------------- */

static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(GString) line = NULL;
  JsonObject *event;

  status = ks_client_get_status_finish (KS_CLIENT (object), result, &error);
  if (status == NULL)
    {
      if (cli->interrupted)
        _ks_cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
      else
        _ks_cli_fail (cli, error);
      return;
    }

  for (guint i = 0; i < status->logs->len; i++)
    {
      const KsLogEntry *entry = g_ptr_array_index (status->logs, i);
      JsonObject *log_event = ks_cli_event_new ("log");

      if (entry->message == NULL)
        continue;
      json_object_set_string_member (log_event, "message", entry->message);
      if (entry->timestamp != NULL)
        json_object_set_string_member (log_event, "timestamp", entry->timestamp);
      if (entry->level != NULL)
        json_object_set_string_member (log_event, "level", entry->level);
      ks_cli_output_event (cli->output, log_event);
      ks_cli_output_message (cli->output, "  %s", entry->message);
    }

  event = ks_cli_event_new ("status");
  json_object_set_string_member (event, "request_id", cli->request_id);
  json_object_set_string_member (event, "status", ks_queue_state_to_string (status->state));
  if (status->queue_position >= 0)
    json_object_set_int_member (event, "queue_position", status->queue_position);
  if (status->inference_time >= 0)
    json_object_set_double_member (event, "inference_time", status->inference_time);
  if (status->error != NULL)
    json_object_set_string_member (event, "error", status->error);
  if (status->error_type != NULL)
    json_object_set_string_member (event, "error_type", status->error_type);
  ks_cli_output_event (cli->output, event);

  line = g_string_new (ks_queue_state_to_string (status->state));
  if (status->state == KS_QUEUE_STATE_IN_QUEUE && status->queue_position >= 0)
    g_string_append_printf (line, " position=%d", status->queue_position);
  if (status->inference_time >= 0)
    g_string_append_printf (line, " inference_time=%.2f", status->inference_time);
  if (status->error_type != NULL)
    g_string_append_printf (line, " error_type=%s", status->error_type);
  if (status->error != NULL)
    g_string_append_printf (line, " error=\"%s\"", status->error);
  ks_cli_output_result (cli->output, line->str);

  _ks_cli_quit (cli, KS_CLI_EXIT_OK);
}

static void
cancel_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *event;

  if (!ks_job_cancel_finish (KS_JOB (object), result, &error))
    {
      if (g_error_matches (error, KS_ERROR, KS_ERROR_ALREADY_COMPLETED))
        {
          event = ks_cli_event_new ("done");
          json_object_set_string_member (event, "request_id", cli->request_id);
          json_object_set_string_member (event, "cancel", "already-completed");
          ks_cli_output_event (cli->output, event);
          ks_cli_output_message (cli->output,
                                 _("Request %s had already completed: nothing was cancelled."),
                                 cli->request_id);
          ks_cli_output_result (cli->output, "already-completed");
          _ks_cli_quit (cli, KS_CLI_EXIT_OTHER);
          return;
        }

      if (cli->interrupted)
        _ks_cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
      else
        _ks_cli_fail (cli, error);
      return;
    }

  event = ks_cli_event_new ("done");
  json_object_set_string_member (event, "request_id", cli->request_id);
  json_object_set_string_member (event, "cancel", "accepted");
  ks_cli_output_event (cli->output, event);
  ks_cli_output_message (cli->output,
                         _("Cancellation of %s accepted. A job that was already running may still finish (and be billed)."),
                         cli->request_id);
  ks_cli_output_result (cli->output, "accepted");
  _ks_cli_quit (cli, KS_CLI_EXIT_OK);
}

void
_ks_cli_start_status (Cli       *cli,
                      KsRequest *request)
{
  ks_client_get_status_async (cli->client, request, cli->cancellable, status_cb, cli);
}

void
_ks_cli_start_cancel (Cli       *cli,
                      KsRequest *request)
{
  cli->job = ks_job_new_for_request (cli->client, NULL, request);
  ks_job_cancel_async (cli->job, cli->cancellable, cancel_cb, cli);
}
