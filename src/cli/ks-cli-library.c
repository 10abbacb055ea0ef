#define G_LOG_DOMAIN "ks-cli"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-cli-private.h"

#define PROMPT_COLUMNS 48

/* ---- opening ------------------------------------------------------------ */

static void
on_library_problem (KsLibrary    *library,
                    const GError *error,
                    Cli          *cli)
{
  ks_cli_output_message (cli->output, _("Library: %s"), error->message);
}

gboolean
_ks_cli_open_library (Cli     *cli,
                      GError **error)
{
  g_autoptr(GFile) directory = NULL;
  g_auto(GStrv) damaged = NULL;

  g_assert (cli->library == NULL);

  if (cli->library_dir != NULL)
    directory = g_file_new_for_commandline_arg (cli->library_dir);
  else
    directory = ks_library_default_directory ();

  cli->library = ks_library_new (directory);
  if (!ks_library_load (cli->library, &damaged, error))
    {
      g_autofree char *path = g_file_get_path (directory);

      g_prefix_error (error, _("The library %s could not be read: "), path);
      g_clear_object (&cli->library);
      return FALSE;
    }

  for (guint i = 0; damaged != NULL && damaged[i] != NULL; i++)
    ks_cli_output_message (cli->output,
                           _("A damaged record was set aside (not listed): %s"), damaged[i]);

  /* From now on, a write that fails (disk full, permissions) is told. */
  g_signal_connect (cli->library, "problem", G_CALLBACK (on_library_problem), cli);

  return TRUE;
}

/* ---- list --------------------------------------------------------------- */

static char *
short_id (KsRecord *record)
{
  return g_strndup (ks_record_get_id (record), KS_CLI_SHORT_ID_LENGTH);
}

/* Pads or cuts @text to @columns characters (not bytes), with an ellipsis
 * when cut. */
static char *
fit_columns (const char *text,
             guint       columns,
             gboolean    pad)
{
  g_autofree char *flat = g_strdup (text != NULL ? text : "");
  GString *out;
  glong length;

  /* One line per record, whatever the prompt holds. */
  g_strdelimit (flat, "\n\r\t", ' ');
  length = g_utf8_strlen (flat, -1);

  if ((guint) length > columns)
    {
      out = g_string_new (NULL);
      g_string_append_len (out, flat, g_utf8_offset_to_pointer (flat, columns - 1) - flat);
      g_string_append (out, "…");
      return g_string_free (out, FALSE);
    }

  out = g_string_new (flat);
  if (pad)
    for (glong i = length; i < (glong) columns; i++)
      g_string_append_c (out, ' ');

  return g_string_free (out, FALSE);
}

static char *
format_time (gint64   microseconds,
             gboolean iso8601)
{
  g_autoptr(GDateTime) time = NULL;

  if (microseconds <= 0)
    return NULL;

  time = g_date_time_new_from_unix_local (microseconds / G_USEC_PER_SEC);
  if (time == NULL)
    return NULL;

  return iso8601 ? g_date_time_format_iso8601 (time) : g_date_time_format (time, "%Y-%m-%d %H:%M");
}

/* The seed the result reported, else the one asked for. */
static char *
record_seed (KsRecord *record)
{
  guint64 seed = 0;

  if (ks_record_get_seed (record) != NULL)
    return g_strdup (ks_record_get_seed (record));
  if (ks_params_get_seed (ks_record_get_params (record), &seed))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, seed);

  return NULL;
}

static guint
count_written_images (KsRecord *record)
{
  GPtrArray *images = ks_record_get_images (record);
  guint n = 0;

  for (guint i = 0; images != NULL && i < images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (images, i);

      n += image->file != NULL;
    }

  return n;
}

static char *
absolute_path (Cli        *cli,
               const char *relative)
{
  g_autoptr(GFile) file = NULL;

  if (relative == NULL)
    return NULL;

  file = ks_library_resolve (cli->library, relative);
  return file != NULL ? g_file_get_path (file) : NULL;
}

static void
set_optional_string (JsonObject *object,
                     const char *name,
                     const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

static void
set_optional_time (JsonObject *object,
                   const char *name,
                   gint64      microseconds)
{
  g_autofree char *text = format_time (microseconds, TRUE);

  set_optional_string (object, name, text);
}

static JsonObject *
record_to_json (Cli      *cli,
                KsRecord *record)
{
  JsonObject *object = json_object_new ();
  KsParams *params = ks_record_get_params (record);
  JsonArray *images = json_array_new ();
  JsonArray *references = json_array_new ();
  GPtrArray *record_images = ks_record_get_images (record);
  GPtrArray *record_references = ks_record_get_references (record);
  g_autofree char *seed = record_seed (record);

  json_object_set_string_member (object, "id", ks_record_get_id (record));
  json_object_set_string_member (object, "state", ks_record_state_to_string (ks_record_get_state (record)));
  set_optional_time (object, "created", ks_record_get_created (record));
  set_optional_time (object, "submitted", ks_record_get_submitted (record));
  set_optional_time (object, "finished", ks_record_get_finished (record));
  json_object_set_string_member (object, "endpoint", ks_endpoint_get_id (ks_params_get_endpoint (params)));
  json_object_set_string_member (object, "model",
                                 ks_model_to_string (ks_endpoint_get_model (ks_params_get_endpoint (params))));
  set_optional_string (object, "prompt", ks_record_get_prompt (record));
  set_optional_string (object, "seed", seed);
  set_optional_string (object, "request_id", ks_record_get_request_id (record));
  set_optional_string (object, "base_url", ks_record_get_base_url (record));
  json_object_set_boolean_member (object, "simulated", ks_record_get_simulated (record));

  for (guint i = 0; record_images != NULL && i < record_images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (record_images, i);
      JsonObject *item = json_object_new ();
      g_autofree char *path = absolute_path (cli, image->file);

      json_object_set_int_member (item, "index", image->index);
      set_optional_string (item, "file", path);
      set_optional_string (item, "url", image->url);
      set_optional_string (item, "content_type", image->content_type);
      json_object_set_int_member (item, "width", image->width);
      json_object_set_int_member (item, "height", image->height);
      json_object_set_boolean_member (item, "has_nsfw_concepts", image->has_nsfw_concepts);
      json_array_add_object_element (images, item);
    }
  json_object_set_array_member (object, "images", images);

  for (guint i = 0; record_references != NULL && i < record_references->len; i++)
    {
      const KsRecordReference *reference = g_ptr_array_index (record_references, i);
      JsonObject *item = json_object_new ();
      g_autofree char *path = absolute_path (cli, reference->file);

      set_optional_string (item, "source_name", reference->source_name);
      set_optional_string (item, "url", reference->url);
      set_optional_string (item, "file", path);
      set_optional_string (item, "sha256", reference->sha256);
      set_optional_string (item, "mime_type", reference->mime_type);
      json_object_set_int_member (item, "width", reference->width);
      json_object_set_int_member (item, "height", reference->height);
      json_array_add_object_element (references, item);
    }
  json_object_set_array_member (object, "references", references);

  json_object_set_double_member (object, "cost_usd", ks_record_get_cost (record) / 1e6);
  /* Exact, for sums. */
  json_object_set_int_member (object, "cost_microdollars", (gint64) ks_record_get_cost (record));
  set_optional_string (object, "parent", ks_record_get_parent_id (record));
  if (ks_record_get_parent_id (record) != NULL)
    json_object_set_int_member (object, "parent_image", ks_record_get_parent_image (record));
  set_optional_string (object, "error_code", ks_record_get_error_code (record));
  set_optional_string (object, "error_message", ks_record_get_error_message (record));
  if (ks_record_get_inference_time (record) >= 0)
    json_object_set_double_member (object, "inference_time", ks_record_get_inference_time (record));
  if (ks_record_get_total_time (record) >= 0)
    json_object_set_double_member (object, "total_time", ks_record_get_total_time (record));
  json_object_set_member (object, "parameters", ks_params_to_json (params));

  return object;
}

/* As wide as the longest state in words, in this language. */
static guint
state_columns (void)
{
  static guint columns = 0;

  if (columns == 0)
    for (KsRecordState state = KS_RECORD_STATE_WAITING; state <= KS_RECORD_STATE_EXPIRED; state++)
      columns = MAX (columns, (guint) g_utf8_strlen (ks_record_state_describe (state), -1));

  return columns;
}

static char *
record_to_line (KsRecord *record)
{
  KsParams *params = ks_record_get_params (record);
  g_autofree char *id = short_id (record);
  g_autofree char *date = format_time (ks_record_get_created (record), FALSE);
  g_autofree char *state = fit_columns (ks_record_state_describe (ks_record_get_state (record)),
                                        state_columns (), TRUE);
  g_autofree char *seed = record_seed (record);
  g_autofree char *cost = ks_format_price (ks_record_get_cost (record));
  g_autofree char *prompt = fit_columns (ks_record_get_prompt (record), PROMPT_COLUMNS, FALSE);
  g_autofree char *images = NULL;
  guint n_images = count_written_images (record);

  images = g_strdup_printf (ngettext ("%u image", "%u images", n_images), n_images);

  return g_strdup_printf ("%s  %s  %s  %-3s  %-8s  %-20s  %6s  %s",
                          id, date != NULL ? date : "-", state,
                          ks_model_to_string (ks_endpoint_get_model (ks_params_get_endpoint (params))),
                          images, seed != NULL ? seed : "-", cost, prompt);
}

int
_ks_cli_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  GListModel *records;
  guint n;

  if (!_ks_cli_open_library (cli, &error))
    {
      _ks_cli_report_error (cli, error, NULL);
      return KS_CLI_EXIT_LIBRARY;
    }

  records = ks_library_get_records (cli->library);
  n = g_list_model_get_n_items (records);
  if (n == 0)
    ks_cli_output_message (cli->output, _("The library is empty."));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, i);

      if (ks_cli_output_is_json (cli->output))
        {
          ks_cli_output_event (cli->output, record_to_json (cli, record));
        }
      else
        {
          g_autofree char *line = record_to_line (record);

          ks_cli_output_result (cli->output, line);
        }
    }

  return KS_CLI_EXIT_OK;
}

/* ---- resume ------------------------------------------------------------- */

typedef struct
{
  KsRecord      *record;
  KsRecordState  before;
} Snapshot;

static void
snapshot_free (gpointer data)
{
  Snapshot *snapshot = data;

  g_object_unref (snapshot->record);
  g_free (snapshot);
}

/* Every record that resume may touch, with its state now: after, what
 * changed is told record by record. */
static GPtrArray *
take_snapshot (Cli *cli)
{
  GListModel *records = ks_library_get_records (cli->library);
  GPtrArray *snapshots = g_ptr_array_new_with_free_func (snapshot_free);

  for (guint i = 0; i < g_list_model_get_n_items (records); i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, i);
      KsRecordState state = ks_record_get_state (record);
      Snapshot *snapshot;

      if (!ks_record_state_is_unfinished (state) && state != KS_RECORD_STATE_UNKNOWN)
        continue;

      snapshot = g_new0 (Snapshot, 1);
      snapshot->record = g_steal_pointer (&record);
      snapshot->before = state;
      g_ptr_array_add (snapshots, snapshot);
    }

  return snapshots;
}

static void
on_resume_job_started (KsLibrary *library,
                       KsJob     *job,
                       Cli       *cli)
{
  KsRecord *record = ks_job_get_record (job);
  JsonObject *event = ks_cli_event_new ("resuming");
  g_autofree char *id = NULL;
  g_autofree char *prompt = NULL;

  g_ptr_array_add (cli->resumed_jobs, g_object_ref (job));
  if (record == NULL)
    return;

  id = short_id (record);
  prompt = fit_columns (ks_record_get_prompt (record), PROMPT_COLUMNS, FALSE);
  json_object_set_string_member (event, "record", ks_record_get_id (record));
  json_object_set_string_member (event, "state", ks_record_state_to_string (ks_record_get_state (record)));
  if (ks_record_get_request_id (record) != NULL)
    json_object_set_string_member (event, "request_id", ks_record_get_request_id (record));
  ks_cli_output_event (cli->output, event);
  ks_cli_output_message (cli->output, _("Resuming %s (%s): “%s”"),
                         id, ks_record_state_describe (ks_record_get_state (record)), prompt);
}

static void
tell_outcomes (Cli       *cli,
               GPtrArray *snapshots)
{
  for (guint i = 0; i < snapshots->len; i++)
    {
      Snapshot *snapshot = g_ptr_array_index (snapshots, i);
      KsRecord *record = snapshot->record;
      KsRecordState state = ks_record_get_state (record);
      JsonObject *event;
      g_autofree char *id = NULL;
      g_autofree char *prompt = NULL;

      /* Left as it was: another service's, or still waiting. */
      if (state == snapshot->before && state != KS_RECORD_STATE_UNKNOWN)
        continue;

      id = short_id (record);
      prompt = fit_columns (ks_record_get_prompt (record), PROMPT_COLUMNS, FALSE);

      event = ks_cli_event_new ("outcome");
      json_object_set_string_member (event, "record", ks_record_get_id (record));
      json_object_set_string_member (event, "before", ks_record_state_to_string (snapshot->before));
      json_object_set_string_member (event, "state", ks_record_state_to_string (state));
      if (ks_record_get_request_id (record) != NULL)
        json_object_set_string_member (event, "request_id", ks_record_get_request_id (record));
      if (ks_record_get_error_code (record) != NULL)
        json_object_set_string_member (event, "error_code", ks_record_get_error_code (record));
      if (ks_record_get_error_message (record) != NULL)
        json_object_set_string_member (event, "error_message", ks_record_get_error_message (record));
      ks_cli_output_event (cli->output, event);

      switch (state)
        {
        case KS_RECORD_STATE_COMPLETED:
          {
            guint n = count_written_images (record);

            ks_cli_output_message (cli->output,
                                   ngettext ("  %s “%s”: completed, %u image in the library",
                                             "  %s “%s”: completed, %u images in the library", n),
                                   id, prompt, n);
          }
          break;

        case KS_RECORD_STATE_UNKNOWN:
          ks_cli_output_message (cli->output,
                                 _("  %s “%s”: unknown — may have been billed, not resubmitted"),
                                 id, prompt);
          break;

        case KS_RECORD_STATE_FAILED:
        case KS_RECORD_STATE_EXPIRED:
        case KS_RECORD_STATE_CANCELLED:
        case KS_RECORD_STATE_WAITING:
        case KS_RECORD_STATE_SUBMITTING:
        case KS_RECORD_STATE_IN_QUEUE:
        case KS_RECORD_STATE_IN_PROGRESS:
        case KS_RECORD_STATE_DOWNLOADING:
        default:
          if (ks_record_get_error_message (record) != NULL)
            ks_cli_output_message (cli->output, "  %s “%s”: %s. %s", id, prompt,
                                   ks_record_state_describe (state),
                                   ks_record_get_error_message (record));
          else
            ks_cli_output_message (cli->output, "  %s “%s”: %s", id, prompt,
                                   ks_record_state_describe (state));
          break;
        }
    }
}

static void
tell_summary (Cli                   *cli,
              const KsResumeSummary *summary)
{
  JsonObject *event = ks_cli_event_new ("summary");
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  json_object_set_int_member (event, "resumed", summary->resumed);
  json_object_set_int_member (event, "completed", summary->completed);
  json_object_set_int_member (event, "expired", summary->expired);
  json_object_set_int_member (event, "failed", summary->failed);
  json_object_set_int_member (event, "unknown", summary->unknown);
  json_object_set_int_member (event, "skipped", summary->skipped);
  json_object_set_int_member (event, "elsewhere", summary->elsewhere);
  ks_cli_output_event (cli->output, event);

  if (summary->resumed == 0 && summary->unknown == 0 && summary->skipped == 0 &&
      summary->elsewhere == 0 && summary->expired == 0 && summary->failed == 0)
    {
      ks_cli_output_message (cli->output, _("Nothing to resume: every job in the library has ended."));
      return;
    }

  if (summary->completed > 0)
    g_ptr_array_add (parts, g_strdup_printf (_("%u completed"), summary->completed));
  if (summary->expired > 0)
    g_ptr_array_add (parts, g_strdup_printf (_("%u expired on the server"), summary->expired));
  if (summary->failed > 0)
    g_ptr_array_add (parts, g_strdup_printf (_("%u failed"), summary->failed));

  g_string_append_printf (line, _("%u resumed"), summary->resumed);
  for (guint i = 0; i < parts->len; i++)
    g_string_append_printf (line, "%s%s", i == 0 ? ": " : ", ", (char *) g_ptr_array_index (parts, i));

  if (summary->unknown > 0)
    g_string_append_printf (line,
                            _("; %u unknown — may have been billed, not resubmitted "
                              "(run `kontext-cli resubmit ID`)"),
                            summary->unknown);
  if (summary->skipped > 0)
    g_string_append_printf (line,
                            ngettext ("; %u skipped: sent to another service (resume with its --base-url)",
                                      "; %u skipped: sent to other services (resume with their --base-url)",
                                      summary->skipped),
                            summary->skipped);
  if (summary->elsewhere > 0)
    g_string_append_printf (line,
                            ngettext ("; %u left to the app or kontext-cli that is running it",
                                      "; %u left to the apps or kontext-cli runs that are running them",
                                      summary->elsewhere),
                            summary->elsewhere);

  ks_cli_output_message (cli->output, "%s", line->str);
}

typedef struct
{
  Cli       *cli;
  GPtrArray *snapshots;
} ResumeData;

static void
resume_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ResumeData *data = user_data;
  Cli *cli = data->cli;
  g_autoptr(GPtrArray) snapshots = data->snapshots;
  g_autoptr(GError) error = NULL;
  KsResumeSummary summary = { 0 };

  g_free (data);

  if (!ks_library_resume_finish (KS_LIBRARY (object), result, &summary, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          ks_cli_output_message (cli->output,
                                 _("Interrupted. What is unfinished stays in the library: "
                                   "run “kontext-cli resume” again."));
          _ks_cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
          return;
        }
      _ks_cli_fail (cli, error);
      return;
    }

  tell_outcomes (cli, snapshots);
  tell_summary (cli, &summary);

  _ks_cli_quit (cli, summary.failed > 0 || summary.expired > 0 ?
                     KS_CLI_EXIT_RESUME_INCOMPLETE : KS_CLI_EXIT_OK);
}

void
_ks_cli_start_resume (Cli *cli)
{
  ResumeData *data = g_new0 (ResumeData, 1);

  g_assert (cli->library != NULL);

  cli->resumed_jobs = g_ptr_array_new_with_free_func (g_object_unref);
  data->cli = cli;
  data->snapshots = take_snapshot (cli);

  g_signal_connect (cli->library, "job-started", G_CALLBACK (on_resume_job_started), cli);
  ks_library_resume_async (cli->library, cli->client, cli->cancellable, resume_cb, data);
}

/* ---- resubmit ----------------------------------------------------------- */

static void
find_by_prefix (GListModel  *model,
                const char  *prefix,
                GPtrArray   *found)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (model, i);

      if (g_str_has_prefix (ks_record_get_id (record), prefix))
        g_ptr_array_add (found, g_steal_pointer (&record));
    }
}

static KsRecord *
find_record (Cli     *cli,
             GError **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_object_unref);
  KsRecord *record = ks_library_lookup (cli->library, cli->record_id);

  if (record != NULL)
    return record;

  find_by_prefix (ks_library_get_records (cli->library), cli->record_id, found);
  find_by_prefix (ks_library_get_trash (cli->library), cli->record_id, found);

  if (found->len == 1)
    return g_ptr_array_index (found, 0);   /* the library keeps it alive */

  if (found->len == 0)
    g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                 _("No record “%s” in the library (“kontext-cli list” shows them)."),
                 cli->record_id);
  else
    g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                 _("“%s” starts %u record IDs: give more of it."), cli->record_id, found->len);

  return NULL;
}

void
_ks_cli_start_resubmit (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old_id = NULL;
  g_autofree char *new_id = NULL;
  KsRecord *record;
  KsRecord *copy;
  KsRecordState state;

  g_assert (cli->library != NULL);

  record = find_record (cli, &error);
  if (record == NULL)
    {
      _ks_cli_fail (cli, error);
      return;
    }

  state = ks_record_get_state (record);
  old_id = short_id (record);
  if (state != KS_RECORD_STATE_UNKNOWN && state != KS_RECORD_STATE_FAILED &&
      state != KS_RECORD_STATE_EXPIRED && state != KS_RECORD_STATE_CANCELLED)
    {
      error = g_error_new (KS_ERROR, KS_ERROR_INVALID_PARAMS,
                           ks_record_state_is_unfinished (state) ?
                           _("Record %s is not finished (%s): “kontext-cli resume” takes it up.") :
                           _("Record %s has nothing to resubmit (%s)."),
                           old_id, ks_record_state_describe (state));
      _ks_cli_fail (cli, error);
      return;
    }

  /* Taken by the service, then lost while its result was fetched: that
   * result may be waiting, paid for. Follow the same request. */
  if (!cli->new_submit && ks_record_can_follow_again (record))
    {
      cli->job = ks_library_follow_again (cli->library, record, cli->client);
      cli->endpoint_id = ks_endpoint_get_id (ks_params_get_endpoint (ks_record_get_params (record)));
      ks_cli_output_message (cli->output,
                             _("Following request %s of record %s again, at no new cost "
                               "(--new sends a new job instead)."),
                             ks_record_get_request_id (record), old_id);
      _ks_cli_run_job (cli);
      return;
    }

  copy = ks_library_resubmit (cli->library, record, cli->client);
  cli->job = g_object_ref (ks_record_get_job (copy));
  cli->endpoint_id = ks_endpoint_get_id (ks_params_get_endpoint (ks_record_get_params (copy)));
  new_id = short_id (copy);
  ks_cli_output_message (cli->output, _("Sending %s again as a new record, %s."), old_id, new_id);

  _ks_cli_run_job (cli);
}
