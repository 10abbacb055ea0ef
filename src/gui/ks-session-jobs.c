#define G_LOG_DOMAIN "ks-session"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-session-private.h"

/* The library and its jobs: loading it at start, resuming what was left
 * unfinished, submitting, and the gallery items derived from its records. */

static void track_job (KsSession *self,
                       KsJob     *job);

/* ---- problems ----------------------------------------------------------- */

/* Setup problems get a banner; everything else stays on the job's tile. */
static void
report_job_problem (KsSession    *self,
                    const GError *error)
{
  if (error == NULL || error->domain != KS_ERROR)
    return;

  switch ((KsError) error->code)
    {
    case KS_ERROR_UNAUTHORIZED:
      _ks_session_set_key_state (self, KS_KEY_STATE_REFUSED, error->message);
      _ks_session_emit_problem (self, error);
      break;

    case KS_ERROR_NO_KEY:
    case KS_ERROR_KEYRING:
    case KS_ERROR_FORBIDDEN:
    case KS_ERROR_NETWORK:
    case KS_ERROR_INSECURE:
    case KS_ERROR_IO:
      _ks_session_emit_problem (self, error);
      break;

    case KS_ERROR_INVALID_PARAMS:
    case KS_ERROR_VALIDATION:
    case KS_ERROR_CONTENT_POLICY:
    case KS_ERROR_RATE_LIMITED:
    case KS_ERROR_SERVER:
    case KS_ERROR_TIMEOUT:
    case KS_ERROR_MALFORMED:
    case KS_ERROR_EXPIRED:
    case KS_ERROR_NOT_FOUND:
    case KS_ERROR_BAD_IMAGE:
    case KS_ERROR_TOO_LARGE:
    case KS_ERROR_UNSUPPORTED_FORMAT:
    case KS_ERROR_FAILED:
    case KS_ERROR_CANCELLED:
    case KS_ERROR_ALREADY_COMPLETED:
    default:
      break;
    }
}

static void
on_library_problem (KsSession    *self,
                    const GError *error,
                    KsLibrary    *library)
{
  if (error == NULL)
    return;

  /* At load, a damaged record is told once, with the others, when the
   * load ends. */
  if (self->loading)
    {
      g_clear_error (&self->load_problem);
      self->load_problem = g_error_copy (error);
      return;
    }

  _ks_session_emit_problem (self, error);
}

/* ---- jobs --------------------------------------------------------------- */

static void
on_job_state_changed (KsSession  *self,
                      GParamSpec *pspec,
                      KsJob      *job)
{
  g_autoptr(KsJob) finished = NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  if (!ks_job_state_is_finished (ks_job_get_state (job)))
    return;

  finished = g_object_ref (job);
  g_signal_handlers_disconnect_by_func (job, on_job_state_changed, self);
  if (!g_hash_table_remove (self->running_jobs, job))
    return;

  _ks_session_set_n_running (self, g_hash_table_size (self->running_jobs));

  if (ks_job_get_state (job) == KS_JOB_STATE_FAILED)
    report_job_problem (self, ks_job_get_error (job));

  _ks_session_emit_job_finished (self, job);
}

/* Every job the session shows, whoever started it, is counted once and
 * announced once when it ends. */
static void
track_job (KsSession *self,
           KsJob     *job)
{
  if (job == NULL || g_hash_table_contains (self->running_jobs, job))
    return;
  if (ks_job_state_is_finished (ks_job_get_state (job)))
    return;

  g_hash_table_add (self->running_jobs, g_object_ref (job));
  g_signal_connect_object (job, "notify::state",
                           G_CALLBACK (on_job_state_changed), self,
                           G_CONNECT_SWAPPED);
  _ks_session_set_n_running (self, g_hash_table_size (self->running_jobs));
}

static void
on_library_job_started (KsSession *self,
                        KsJob     *job,
                        KsLibrary *library)
{
  track_job (self, job);
}

static void
job_run_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The state tells the rest (on_job_state_changed); the record keeps the
   * error for the tile. */
  if (!ks_job_run_finish (KS_JOB (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("A job ended: %s", error->message);
}

static void
run_job (KsSession *self,
         KsJob     *job)
{
  track_job (self, job);
  ks_job_run_async (job, self->cancellable, job_run_cb, NULL);
}

KsJob *
ks_session_submit_with_parent (KsSession  *self,
                               KsParams   *params,
                               const char *parent_id,
                               guint       parent_image)
{
  g_autoptr(KsParams) copy = NULL;
  g_autoptr(KsJob) job = NULL;

  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  g_return_val_if_fail (KS_IS_PARAMS (params), NULL);

  copy = ks_params_copy (params);
  /* The record (and its tile, at the top) exists from here on. */
  job = ks_library_create_job (self->library, self->client, copy, parent_id, parent_image);
  g_return_val_if_fail (KS_IS_JOB (job), NULL);

  run_job (self, job);

  /* The running set holds the job; its record holds it afterwards. */
  return job;
}

KsJob *
ks_session_submit (KsSession *self,
                   KsParams  *params)
{
  return ks_session_submit_with_parent (self, params, NULL, 0);
}

GPtrArray *
ks_session_submit_sweep (KsSession   *self,
                         GPtrArray   *params,
                         KsSweepKind  kind,
                         const char  *parent_id,
                         guint        parent_image)
{
  g_autoptr(GPtrArray) jobs = NULL;
  GPtrArray *result;

  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  g_return_val_if_fail (params != NULL && params->len > 0, NULL);

  /* Every record (and its tile) exists, batch and label set, before the
   * first job runs. */
  jobs = ks_library_create_batch (self->library, self->client, params, kind,
                                  parent_id, parent_image);
  g_return_val_if_fail (jobs != NULL, NULL);

  result = g_ptr_array_new ();
  for (guint i = 0; i < jobs->len; i++)
    {
      KsJob *job = g_ptr_array_index (jobs, i);

      run_job (self, job);
      /* The running set holds it from here on. */
      g_ptr_array_add (result, job);
    }

  return result;
}

static guint64
draw_seed (void)
{
  return ((guint64) g_random_int () << 32) | g_random_int ();
}

KsJob *
ks_session_run_again (KsSession     *self,
                      KsGalleryItem *item,
                      gboolean       new_seed,
                      int            safety_tolerance)
{
  g_autoptr(KsParams) params = NULL;
  KsRecord *record;
  KsParams *old_params;

  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (item), NULL);

  record = ks_gallery_item_get_record (item);
  old_params = ks_record_get_params (record);
  g_return_val_if_fail (old_params != NULL, NULL);

  /* Accepted by the service and lost while being followed: its result
   * may be waiting, paid for. Retry follows the same request. */
  if (!new_seed && safety_tolerance <= 0 && self->client != NULL &&
      ks_record_can_follow_again (record))
    {
      g_autoptr(KsJob) job = ks_library_follow_again (self->library, record, self->client);

      run_job (self, job);
      /* The running set holds the job; its record holds it afterwards. */
      return job;
    }

  params = ks_params_copy (old_params);

  if (new_seed)
    ks_params_set_seed (params, draw_seed ());
  else
    {
      /* The seed that made this image, which the result states even when
       * the request left it to the service. */
      const char *used = ks_record_get_seed (record);
      guint64 seed;

      if (used != NULL &&
          g_ascii_string_to_unsigned (used, 10, 0, G_MAXUINT64, &seed, NULL))
        ks_params_set_seed (params, seed);
    }

  if (safety_tolerance > 0)
    ks_params_set_safety_tolerance (params, safety_tolerance);

  return ks_session_submit (self, params);
}

KsJob *
ks_session_resubmit (KsSession     *self,
                     KsGalleryItem *item)
{
  KsRecord *record;
  KsJob *job;

  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (item), NULL);

  record = ks_library_resubmit (self->library, ks_gallery_item_get_record (item), self->client);
  g_return_val_if_fail (KS_IS_RECORD (record), NULL);

  job = ks_record_get_job (record);
  g_return_val_if_fail (KS_IS_JOB (job), NULL);
  run_job (self, job);

  return job;
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (ks_job_cancel_finish (KS_JOB (source), result, &error))
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The tile shows the job's real end; the toast says why the cancel did
   * not take. */
  if (g_error_matches (error, KS_ERROR, KS_ERROR_ALREADY_COMPLETED))
    _ks_session_emit_notice (self, _("Too late to cancel: the job had already finished."));
  else
    {
      g_autofree char *text = g_strdup_printf (_("The job could not be cancelled: %s"),
                                               error->message);

      _ks_session_emit_notice (self, text);
    }
}

void
ks_session_cancel (KsSession     *self,
                   KsGalleryItem *item)
{
  KsJob *job;

  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (KS_IS_GALLERY_ITEM (item));

  job = ks_gallery_item_get_job (item);
  if (job == NULL || ks_job_state_is_finished (ks_job_get_state (job)))
    return;

  ks_job_cancel_async (job, self->cancellable, cancel_cb, g_object_ref (self));
}

guint
ks_session_remove (KsSession     *self,
                   KsGalleryItem *item)
{
  GListModel *items;
  guint position = 0;

  g_return_val_if_fail (KS_IS_SESSION (self), 0);
  g_return_val_if_fail (KS_IS_GALLERY_ITEM (item), 0);

  items = G_LIST_MODEL (self->items);
  for (guint i = 0, n = g_list_model_get_n_items (items); i < n; i++)
    {
      g_autoptr(KsGalleryItem) other = g_list_model_get_item (items, i);

      if (other == item)
        {
          position = i;
          break;
        }
    }

  /* The files stay until the trash is emptied: undo is cheap. */
  ks_library_trash (self->library, ks_gallery_item_get_record (item));

  return position;
}

void
ks_session_restore (KsSession     *self,
                    KsGalleryItem *item,
                    guint          position)
{
  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (KS_IS_GALLERY_ITEM (item));

  /* Records keep their order by creation: the tile comes back where it
   * was among them. */
  if (ks_record_get_trashed (ks_gallery_item_get_record (item)) != 0)
    ks_library_untrash (self->library, ks_gallery_item_get_record (item));
}

/* ---- load and resume ---------------------------------------------------- */

static void
resume_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsSession) self = user_data;
  g_autoptr(GError) error = NULL;
  KsResumeSummary summary = { 0, };

  if (!ks_library_resume_finish (KS_LIBRARY (source), result, &summary, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _ks_session_emit_problem (self, error);
      return;
    }

  g_debug ("Resumed %u jobs: %u completed, %u expired, %u failed, %u unknown, %u skipped",
           summary.resumed, summary.completed, summary.expired, summary.failed,
           summary.unknown, summary.skipped);

  if (summary.expired > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u unfinished job had expired on the server; its tile says so.",
                                      "%u unfinished jobs had expired on the server; their tiles say so.",
                                      summary.expired),
                         summary.expired);

      _ks_session_emit_notice (self, text);
    }
}

static gboolean
resume_idle_cb (gpointer user_data)
{
  KsSession *self = user_data;

  self->resume_idle_id = 0;

  if (!self->loaded || self->client == NULL || self->resumed_client == self->client)
    return G_SOURCE_REMOVE;

  /* Not in a key-less state: resuming would only fail. In the demo, the
   * library turns simulated records into expired ones. */
  if (self->key_state != KS_KEY_STATE_PRESENT && self->key_state != KS_KEY_STATE_DEMO)
    return G_SOURCE_REMOVE;

  self->resumed_client = self->client;
  ks_library_resume_async (self->library, self->client, self->cancellable,
                           resume_cb, g_object_ref (self));

  return G_SOURCE_REMOVE;
}

/* Deferred to an idle: the client and its key change in several steps. */
void
_ks_session_maybe_resume (KsSession *self)
{
  if (self->library == NULL || !self->loaded || self->resume_idle_id != 0)
    return;

  self->resume_idle_id = g_idle_add (resume_idle_cb, self);
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(KsSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) damaged = NULL;
  g_autoptr(GError) problem = NULL;

  if (!ks_library_load_finish (KS_LIBRARY (source), result, &damaged, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->loading = FALSE;
  self->loaded = TRUE;
  problem = g_steal_pointer (&self->load_problem);

  if (error != NULL)
    _ks_session_emit_problem (self, error);
  else if (damaged != NULL && damaged[0] != NULL)
    {
      guint n_damaged = g_strv_length (damaged);
      g_autoptr(GFile) directory = g_file_get_child (ks_library_get_directory (self->library),
                                                     "damaged");
      g_autofree char *path = g_file_get_path (directory);
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u job in the library could not be read. It was set aside in %s.",
                                      "%u jobs in the library could not be read. They were set aside in %s.",
                                      n_damaged),
                         n_damaged, path);

      _ks_session_emit_notice (self, text);
    }
  else if (problem != NULL)
    _ks_session_emit_problem (self, problem);

  _ks_session_maybe_resume (self);
}

void
_ks_session_init_library (KsSession *self)
{
  g_autoptr(GFile) directory = ks_library_default_directory ();

  self->library = ks_library_new (directory);
  self->items = ks_gallery_items_new (self->library);

  g_signal_connect_object (self->library, "problem",
                           G_CALLBACK (on_library_problem), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->library, "job-started",
                           G_CALLBACK (on_library_job_started), self,
                           G_CONNECT_SWAPPED);

  self->loading = TRUE;
  ks_library_load_async (self->library, self->cancellable, load_cb, g_object_ref (self));
}

void
_ks_session_dispose_library (KsSession *self)
{
  GHashTableIter iter;
  gpointer job;

  g_clear_handle_id (&self->resume_idle_id, g_source_remove);

  if (self->running_jobs != NULL)
    {
      g_hash_table_iter_init (&iter, self->running_jobs);
      while (g_hash_table_iter_next (&iter, &job, NULL))
        g_signal_handlers_disconnect_by_func (job, on_job_state_changed, self);
      g_hash_table_remove_all (self->running_jobs);
    }
}
