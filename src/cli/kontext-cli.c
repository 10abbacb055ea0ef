#define G_LOG_DOMAIN "ks-cli"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "ks-core.h"
#include "ks-cli-output.h"
#include "ks-cli-save.h"

typedef enum
{
  COMMAND_EDIT,
  COMMAND_GENERATE,
  COMMAND_STATUS,
  COMMAND_RESULT,
  COMMAND_CANCEL,
} Command;

typedef struct
{
  /* Options */
  char        **images;
  char         *prompt;
  char         *model;
  char         *endpoint;
  char         *guidance;
  char         *aspect;
  char         *safety;
  char         *seed;
  char         *num_images;
  char         *format;
  gboolean      enhance_prompt;
  gboolean      sync_mode;
  char         *out_dir;
  char         *base_url;
  char         *auth;
  gboolean      json;
  int           timeout;
  gboolean      upload;
  gboolean      poll;
  int           retry_base_delay;
  int           poll_interval;
  gboolean      version;

  /* State */
  Command       command;
  char         *request_id;      /* status, result, cancel */
  const char   *endpoint_id;
  GMainLoop    *loop;
  int           exit_code;
  KsCliOutput  *output;
  KsClient     *client;
  KsParams     *params;
  KsJob        *job;
  GFile        *directory;
  GCancellable *cancellable;
  guint         pending_saves;
  GQueue        save_queue;      /* KsJobImage waiting to be written, in order */
  gboolean      saving;
  gboolean      job_done;
  GError       *job_error;
  gboolean      interrupted;
  gboolean      timed_out;
  guint         sigint_source;
  guint         timeout_source;
  GPtrArray    *saved_paths;
} Cli;

static void
cli_clear (Cli *cli)
{
  g_clear_pointer (&cli->images, g_strfreev);
  g_clear_pointer (&cli->prompt, g_free);
  g_clear_pointer (&cli->model, g_free);
  g_clear_pointer (&cli->endpoint, g_free);
  g_clear_pointer (&cli->guidance, g_free);
  g_clear_pointer (&cli->aspect, g_free);
  g_clear_pointer (&cli->safety, g_free);
  g_clear_pointer (&cli->seed, g_free);
  g_clear_pointer (&cli->num_images, g_free);
  g_clear_pointer (&cli->format, g_free);
  g_clear_pointer (&cli->out_dir, g_free);
  g_clear_pointer (&cli->base_url, g_free);
  g_clear_pointer (&cli->auth, g_free);
  g_clear_pointer (&cli->request_id, g_free);
  g_clear_pointer (&cli->loop, g_main_loop_unref);
  g_clear_pointer (&cli->output, ks_cli_output_free);
  g_clear_object (&cli->job);
  g_clear_object (&cli->client);
  g_clear_object (&cli->params);
  g_clear_object (&cli->directory);
  g_clear_object (&cli->cancellable);
  g_clear_error (&cli->job_error);
  g_clear_handle_id (&cli->sigint_source, g_source_remove);
  g_clear_handle_id (&cli->timeout_source, g_source_remove);
  g_clear_pointer (&cli->saved_paths, g_ptr_array_unref);
  g_queue_clear_full (&cli->save_queue, g_object_unref);
}

static const char exit_codes_help[] =
  N_("Commands:\n"
     "  edit       edit one image (--image), or several with --image repeated\n"
     "  generate   make an image from the prompt alone\n"
     "  status ID  print the current state of a request once\n"
     "  result ID  follow a request to its end and save its images\n"
     "  cancel ID  ask the service to cancel a request\n"
     "\n"
     "The key comes from FAL_KEY, else from the keyring. Images are saved as\n"
     "DIR/<request-id>-<n>.<ext> with a sidecar DIR/<request-id>-<n>.json;\n"
     "their paths are printed on stdout, progress goes to stderr.\n"
     "\n"
     "Exit status:\n"
     "  0    success\n"
     "  1    anything else (a file could not be written; cancel: the request\n"
     "       had already completed)\n"
     "  2    usage or invalid parameters\n"
     "  3    no API key (FAL_KEY unset and nothing in the keyring, or no keyring)\n"
     "  4    the key was refused (401)\n"
     "  5    account locked or out of balance (403)\n"
     "  6    the service rejected a parameter (422)\n"
     "  7    content policy violation\n"
     "  8    rate limited (429), still after retries\n"
     "  9    server error (5xx), still after retries\n"
     "  10   timeout (--timeout, or the service's start deadline)\n"
     "  11   network: unreachable, or the connection dropped\n"
     "  12   a reply that could not be understood\n"
     "  13   unknown request, or its result has expired\n"
     "  14   an image (reference or result) that could not be read\n"
     "  15   the job was cancelled\n"
     "  16   the model failed\n"
     "  130  interrupted (Ctrl+C): the job goes on; follow it with\n"
     "       kontext-cli status ID, fetch it with kontext-cli result ID");

/* ---- the end ------------------------------------------------------------ */

static void
cli_report_error (Cli          *cli,
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

static void
cli_quit (Cli *cli,
          int  exit_code)
{
  cli->exit_code = exit_code;
  g_main_loop_quit (cli->loop);
}

static void
cli_fail (Cli          *cli,
          const GError *error)
{
  cli_report_error (cli, error, NULL);
  cli_quit (cli, ks_cli_exit_code_for_error (error));
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
      cli_report_error (cli, error, NULL);
      cli_print_resume_hint (cli);
      cli_quit (cli, cli->timed_out ? KS_CLI_EXIT_TIMEOUT : KS_CLI_EXIT_INTERRUPTED);
      return;
    }

  if (cli->job_error != NULL)
    {
      cli_report_error (cli, cli->job_error, ks_job_get_field_errors (cli->job));
      /* The job may well have finished at the service: its images can
       * still be fetched while the service keeps them. */
      if (ks_error_is_transient (cli->job_error) ||
          g_error_matches (cli->job_error, KS_ERROR, KS_ERROR_MALFORMED))
        cli_print_resume_hint (cli);
      cli_quit (cli, ks_cli_exit_code_for_error (cli->job_error));
      return;
    }

  {
    JsonObject *event = ks_cli_event_new ("done");
    JsonArray *files = json_array_new ();
    double elapsed = ks_job_get_elapsed (cli->job);

    for (guint i = 0; i < cli->saved_paths->len; i++)
      json_array_add_string_element (files, g_ptr_array_index (cli->saved_paths, i));

    json_object_set_string_member (event, "request_id", ks_job_get_request_id (cli->job));
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
    cli_quit (cli, cli->exit_code);
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
      cli_report_error (cli, error, NULL);
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

static void
cli_run_job (Cli *cli)
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
        cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
      else
        cli_fail (cli, error);
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

  cli_quit (cli, KS_CLI_EXIT_OK);
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
          cli_quit (cli, KS_CLI_EXIT_OTHER);
          return;
        }

      if (cli->interrupted)
        cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
      else
        cli_fail (cli, error);
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
  cli_quit (cli, KS_CLI_EXIT_OK);
}

/* ---- start -------------------------------------------------------------- */

static void
cli_start_command (Cli *cli)
{
  g_autoptr(KsRequest) request = NULL;

  if (cli->request_id != NULL)
    {
      request = ks_request_new (cli->base_url, cli->endpoint_id, cli->request_id);
      if (request == NULL)
        {
          g_autoptr(GError) error = g_error_new (KS_ERROR, KS_ERROR_INVALID_PARAMS,
                                                 _("“%s” is not a request ID."),
                                                 cli->request_id);
          cli_fail (cli, error);
          return;
        }
    }

  switch (cli->command)
    {
    case COMMAND_EDIT:
    case COMMAND_GENERATE:
      cli->job = ks_job_new (cli->client, cli->params);
      cli_run_job (cli);
      break;

    case COMMAND_RESULT:
      cli->job = ks_job_new_for_request (cli->client, NULL, request);
      cli_run_job (cli);
      break;

    case COMMAND_STATUS:
      ks_client_get_status_async (cli->client, request, cli->cancellable, status_cb, cli);
      break;

    case COMMAND_CANCEL:
      cli->job = ks_job_new_for_request (cli->client, NULL, request);
      ks_job_cancel_async (cli->job, cli->cancellable, cancel_cb, cli);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
key_lookup_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  KsKeySource source = KS_KEY_SOURCE_NONE;
  char *key;

  key = ks_credentials_lookup_finish (result, &source, &error);
  if (key == NULL)
    {
      if (cli->interrupted)
        {
          cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
          return;
        }

      if (g_error_matches (error, KS_ERROR, KS_ERROR_KEYRING))
        ks_cli_output_message (cli->output,
                               _("The keyring could not be read, and FAL_KEY is not set."));
      cli_report_error (cli, error, NULL);
      ks_cli_output_message (cli->output,
                             _("Set FAL_KEY=<key id>:<secret>, or store the key from Kontext Studio's preferences."));
      cli_quit (cli, KS_CLI_EXIT_NO_KEY);
      return;
    }

  g_debug ("Using the key from %s",
           source == KS_KEY_SOURCE_ENVIRONMENT ? "the environment" : "the keyring");
  ks_client_set_api_key (cli->client, key);
  ks_credentials_free_key (key);

  cli_start_command (cli);
}

static gboolean
on_sigint (gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->interrupted)
    {
      /* A second Ctrl+C: leave now. */
      cli->exit_code = KS_CLI_EXIT_INTERRUPTED;
      g_main_loop_quit (cli->loop);
      return G_SOURCE_CONTINUE;
    }

  cli->interrupted = TRUE;
  g_cancellable_cancel (cli->cancellable);

  return G_SOURCE_CONTINUE;
}

/* ---- options ------------------------------------------------------------ */

static gboolean
parse_command (Cli     *cli,
               int      argc,
               char   **argv,
               GError **error)
{
  static const struct {
    const char *name;
    Command     command;
    gboolean    takes_id;
  } commands[] = {
    { "edit", COMMAND_EDIT, FALSE },
    { "generate", COMMAND_GENERATE, FALSE },
    { "status", COMMAND_STATUS, TRUE },
    { "result", COMMAND_RESULT, TRUE },
    { "cancel", COMMAND_CANCEL, TRUE },
  };

  if (argc < 2)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("No command given: edit, generate, status, result or cancel."));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (argv[1], commands[i].name) != 0)
        continue;

      cli->command = commands[i].command;
      if (commands[i].takes_id)
        {
          if (argc != 3)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("“%s” takes exactly one request ID."), argv[1]);
              return FALSE;
            }
          if (!ks_request_id_is_valid (argv[2]))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("“%s” is not a request ID."), argv[2]);
              return FALSE;
            }
          cli->request_id = g_strdup (argv[2]);
        }
      else if (argc != 2)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       _("Unexpected argument “%s”."), argv[2]);
          return FALSE;
        }
      return TRUE;
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
               _("Unknown command “%s”: use edit, generate, status, result or cancel."), argv[1]);
  return FALSE;
}

static gboolean
set_param (KsParams    *params,
           const char  *field,
           const char  *value,
           GError     **error)
{
  if (value == NULL)
    return TRUE;

  return ks_params_set_from_string (params, field, value, error);
}

static gboolean
build_params (Cli     *cli,
              GError **error)
{
  const KsEndpoint *endpoint;
  KsModel model = KS_MODEL_PRO;
  KsMode mode;
  guint n_images = cli->images ? g_strv_length (cli->images) : 0;

  if (cli->command == COMMAND_GENERATE)
    {
      if (n_images > 0)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                               _("“generate” takes no --image: use “edit” to change an image."));
          return FALSE;
        }
      mode = KS_MODE_TEXT_TO_IMAGE;
    }
  else
    {
      if (n_images == 0)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                               _("“edit” needs --image FILE|URL (repeat it to combine several images)."));
          return FALSE;
        }
      mode = n_images > 1 ? KS_MODE_MULTI : KS_MODE_EDIT;
    }

  if (cli->endpoint != NULL)
    {
      endpoint = ks_endpoint_lookup (cli->endpoint);
      if (endpoint == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown endpoint “%s”."), cli->endpoint);
          return FALSE;
        }
      if (ks_endpoint_get_mode (endpoint) != mode)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Endpoint “%s” does not fit “%s” with %u image(s)."),
                       cli->endpoint, cli->command == COMMAND_GENERATE ? "generate" : "edit", n_images);
          return FALSE;
        }
    }
  else
    {
      if (cli->model != NULL && !ks_model_from_string (cli->model, &model))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown model “%s”: use pro or max."), cli->model);
          return FALSE;
        }
      endpoint = ks_endpoint_find (model, mode);
    }

  cli->params = ks_params_new (endpoint);
  cli->endpoint_id = ks_endpoint_get_id (endpoint);

  if (cli->prompt != NULL)
    ks_params_set_prompt (cli->params, cli->prompt);

  for (guint i = 0; i < n_images; i++)
    {
      const char *image = cli->images[i];

      if (!ks_reference_is_remote (image) && !g_file_test (image, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("No such image file: %s"), image);
          return FALSE;
        }
      ks_params_add_reference (cli->params, image);
    }

  if (!set_param (cli->params, "guidance_scale", cli->guidance, error) ||
      !set_param (cli->params, "aspect_ratio", cli->aspect, error) ||
      !set_param (cli->params, "safety_tolerance", cli->safety, error) ||
      !set_param (cli->params, "seed", cli->seed, error) ||
      !set_param (cli->params, "num_images", cli->num_images, error) ||
      !set_param (cli->params, "output_format", cli->format, error))
    return FALSE;

  if (cli->enhance_prompt)
    ks_params_set_enhance_prompt (cli->params, TRUE);
  if (cli->sync_mode)
    ks_params_set_sync_mode (cli->params, TRUE);

  return ks_params_validate (cli->params, error);
}

static gboolean
setup (Cli     *cli,
       int      argc,
       char   **argv,
       GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  const char *env_base;
  GOptionEntry entries[] = {
    { "image", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &cli->images,
      N_("Image to edit: a file or an http(s) URL; repeat for several"), N_("FILE|URL") },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &cli->prompt,
      N_("What to do or draw"), N_("TEXT") },
    { "model", 'm', 0, G_OPTION_ARG_STRING, &cli->model,
      N_("FLUX.1 Kontext model: pro (default) or max"), N_("pro|max") },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &cli->endpoint,
      N_("Endpoint id, e.g. fal-ai/flux-pro/kontext/max (instead of --model)"), N_("ID") },
    { "guidance", 'g', 0, G_OPTION_ARG_STRING, &cli->guidance,
      N_("Guidance scale, 1 to 20 (default 3.5)"), "N" },
    { "aspect", 'a', 0, G_OPTION_ARG_STRING, &cli->aspect,
      N_("Aspect ratio: 21:9 16:9 4:3 3:2 1:1 2:3 3:4 9:16 9:21"), N_("RATIO") },
    { "safety", 0, 0, G_OPTION_ARG_STRING, &cli->safety,
      N_("Safety tolerance, 1 (strictest) to 6 (default 2)"), "N" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &cli->seed,
      N_("Seed, 0 to 18446744073709551615 (default: random)"), "N" },
    { "num-images", 'n', 0, G_OPTION_ARG_STRING, &cli->num_images,
      N_("How many images, 1 to 4 (default 1)"), "N" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &cli->format,
      N_("Output format: jpeg (default) or png"), N_("jpeg|png") },
    { "enhance-prompt", 0, 0, G_OPTION_ARG_NONE, &cli->enhance_prompt,
      N_("Let the service enhance the prompt"), NULL },
    { "sync-mode", 0, 0, G_OPTION_ARG_NONE, &cli->sync_mode,
      N_("Return images inline, not kept in the service's history"), NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &cli->out_dir,
      N_("Directory for the images (default: the current one; created if missing)"), N_("DIR") },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &cli->base_url,
      N_("Queue service (default: $KONTEXT_BASE_URL or https://queue.fal.run)"), N_("URL") },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &cli->auth,
      N_("Authorization scheme: key (fal, default) or bearer"), N_("key|bearer") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &cli->json,
      N_("Print one JSON object per event on stdout"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &cli->timeout,
      N_("Give up following after this many seconds (the job goes on)"), N_("SECONDS") },
    { "upload", 0, 0, G_OPTION_ARG_NONE, &cli->upload,
      N_("Upload local images through the service's storage instead of inlining them"), NULL },
    { "poll", 0, 0, G_OPTION_ARG_NONE, &cli->poll,
      N_("Follow the status by polling instead of streaming"), NULL },
    { "retry-delay", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &cli->retry_base_delay,
      N_("First delay between retries, in milliseconds"), N_("MS") },
    { "poll-interval", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &cli->poll_interval,
      N_("Delay between status polls, in milliseconds"), N_("MS") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &cli->version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("COMMAND [REQUEST_ID] — edit and generate images with FLUX.1 Kontext"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, _(exit_codes_help));

  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;

  if (cli->version)
    return TRUE;

  if (!parse_command (cli, argc, argv, error))
    return FALSE;

  if (cli->base_url == NULL)
    {
      env_base = g_getenv ("KONTEXT_BASE_URL");
      cli->base_url = g_strdup (env_base != NULL && env_base[0] != '\0' ? env_base : KS_DEFAULT_BASE_URL);
    }
  if (!ks_client_check_base_url (cli->base_url, error))
    return FALSE;

  if (cli->timeout < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--timeout must be a number of seconds."));
      return FALSE;
    }

  cli->client = ks_client_new (cli->base_url);
  if (cli->auth != NULL)
    {
      if (g_ascii_strcasecmp (cli->auth, "key") == 0)
        ks_client_set_auth_scheme (cli->client, KS_AUTH_KEY);
      else if (g_ascii_strcasecmp (cli->auth, "bearer") == 0)
        ks_client_set_auth_scheme (cli->client, KS_AUTH_BEARER);
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown --auth “%s”: use key or bearer."), cli->auth);
          return FALSE;
        }
    }
  g_object_set (cli->client,
                "upload-references", cli->upload,
                "use-streaming", !cli->poll,
                NULL);
  if (cli->retry_base_delay > 0)
    g_object_set (cli->client, "retry-base-delay", (guint) cli->retry_base_delay, NULL);
  if (cli->poll_interval > 0)
    g_object_set (cli->client, "poll-interval", (guint) cli->poll_interval, NULL);

  switch (cli->command)
    {
    case COMMAND_EDIT:
    case COMMAND_GENERATE:
      if (!build_params (cli, error))
        return FALSE;
      break;

    case COMMAND_STATUS:
    case COMMAND_RESULT:
    case COMMAND_CANCEL:
      {
        const KsEndpoint *endpoint;
        KsModel model = KS_MODEL_PRO;

        if (cli->endpoint != NULL)
          endpoint = ks_endpoint_lookup (cli->endpoint);
        else if (cli->model == NULL || ks_model_from_string (cli->model, &model))
          endpoint = ks_endpoint_find (model, KS_MODE_EDIT);
        else
          endpoint = NULL;

        if (endpoint == NULL)
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("Unknown model or endpoint: use --model pro|max or --endpoint ID."));
            return FALSE;
          }
        cli->endpoint_id = ks_endpoint_get_id (endpoint);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  if (cli->command != COMMAND_STATUS && cli->command != COMMAND_CANCEL)
    {
      g_autoptr(GError) local_error = NULL;

      cli->directory = g_file_new_for_commandline_arg (cli->out_dir ? cli->out_dir : ".");
      if (!g_file_make_directory_with_parents (cli->directory, NULL, &local_error) &&
          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_autofree char *path = g_file_get_path (cli->directory);

          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Cannot create the output directory %s: %s"),
                       path, local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  Cli cli = { 0 };
  g_autoptr(GError) error = NULL;
  int exit_code;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("kontext-cli");
  /* stdout is for scripts: diagnostics, even debug output, go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (!setup (&cli, argc, argv, &error))
    {
      cli.output = ks_cli_output_new (cli.json);
      if (error->domain == G_OPTION_ERROR)
        {
          JsonObject *event = ks_cli_event_new ("error");

          json_object_set_string_member (event, "code", "usage");
          json_object_set_int_member (event, "exit_code", KS_CLI_EXIT_USAGE);
          json_object_set_string_member (event, "message", error->message);
          ks_cli_output_event (cli.output, event);
          ks_cli_output_message (cli.output, _("Error: %s"), error->message);
          ks_cli_output_message (cli.output, _("Run “kontext-cli --help” for the options."));
          exit_code = KS_CLI_EXIT_USAGE;
        }
      else
        {
          cli_report_error (&cli, error, NULL);
          exit_code = ks_cli_exit_code_for_error (error);
        }
      cli_clear (&cli);
      return exit_code;
    }

  if (cli.version)
    {
      g_print ("kontext-cli %s\n", PACKAGE_VERSION);
      cli_clear (&cli);
      return KS_CLI_EXIT_OK;
    }

  cli.output = ks_cli_output_new (cli.json);
  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.cancellable = g_cancellable_new ();
  cli.saved_paths = g_ptr_array_new_with_free_func (g_free);
  cli.sigint_source = g_unix_signal_add (SIGINT, on_sigint, &cli);

  ks_credentials_lookup_async (cli.base_url,
                               KS_CREDENTIALS_DEFAULT_TIMEOUT_MS,
                               cli.cancellable,
                               key_lookup_cb,
                               &cli);

  g_main_loop_run (cli.loop);

  exit_code = cli.exit_code;
  cli_clear (&cli);

  return exit_code;
}
