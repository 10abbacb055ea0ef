#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "ks-error.h"
#include "ks-job-private.h"
#include "ks-library.h"
#include "ks-record.h"
#include "ks-reference.h"

/* The write-ahead of a job into the library (see ks-library.h): the
 * record is on disk before the submit goes out, the request id as soon as
 * it is known, each image as it arrives, the final state last. A job
 * without a library skips all of it. */

static double
seconds_since (gint64 wall_time)
{
  if (wall_time <= 0)
    return -1;

  return MAX (0, g_get_real_time () - wall_time) / (double) G_USEC_PER_SEC;
}

void
_ks_job_journal_attach (KsJob     *self,
                        KsLibrary *library,
                        KsRecord  *record)
{
  /* The record may hold the last reference to this job. */
  g_autoptr(KsJob) hold = g_object_ref (self);

  if (self->record != NULL && self->record != record &&
      ks_record_get_job (self->record) == self)
    ks_record_set_job (self->record, NULL);

  g_set_object (&self->library, library);
  g_set_object (&self->record, record);

  /* The record names its job from now until the end of the run, so that
   * whoever shows the record can follow the job. */
  if (self->record != NULL)
    ks_record_set_job (self->record, self);
}

void
_ks_job_journal_clear (KsJob *self)
{
  g_clear_object (&self->library);
  g_clear_object (&self->record);
  g_clear_pointer (&self->submit_body, g_free);
  g_clear_pointer (&self->stored, g_ptr_array_unref);
}

/* ---- states on the way ---------------------------------------------------- */

/* How far a record has come: a late status never moves it back. */
static int
record_progress (KsRecordState state)
{
  switch (state)
    {
    case KS_RECORD_STATE_IN_QUEUE:
      return 1;
    case KS_RECORD_STATE_IN_PROGRESS:
      return 2;
    case KS_RECORD_STATE_DOWNLOADING:
      return 3;
    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_UNKNOWN:
    case KS_RECORD_STATE_COMPLETED:
    case KS_RECORD_STATE_FAILED:
    case KS_RECORD_STATE_CANCELLED:
    case KS_RECORD_STATE_EXPIRED:
    default:
      return 0;
    }
}

static void
record_advance (KsJob         *self,
                KsRecordState  state)
{
  if (record_progress (ks_record_get_state (self->record)) > record_progress (state))
    return;

  ks_record_set_state (self->record, state);
  ks_library_save (self->library, self->record);
}

void
_ks_job_journal_state_changed (KsJob *self)
{
  KsRecord *record = self->record;

  if (self->library == NULL)
    return;

  switch (self->state)
    {
    case KS_JOB_STATE_WAITING:
      /* A job that follows a request was sent already: its record keeps
       * its state while the network is away. */
      if (self->request == NULL)
        {
          ks_record_set_state (record, KS_RECORD_STATE_WAITING);
          ks_library_save (self->library, record);
        }
      break;

    case KS_JOB_STATE_IN_QUEUE:
      if (self->request != NULL &&
          g_strcmp0 (ks_record_get_request_id (record), self->request->request_id) != 0)
        ks_record_set_request (record, self->request);
      record_advance (self, KS_RECORD_STATE_IN_QUEUE);
      break;

    case KS_JOB_STATE_IN_PROGRESS:
      if (ks_record_get_queue_time (record) < 0)
        ks_record_set_queue_time (record, seconds_since (ks_record_get_submitted (record)));
      record_advance (self, KS_RECORD_STATE_IN_PROGRESS);
      break;

    case KS_JOB_STATE_DOWNLOADING:
      if (self->result != NULL)
        ks_record_set_result (record, self->result);
      record_advance (self, KS_RECORD_STATE_DOWNLOADING);
      break;

    case KS_JOB_STATE_PENDING:
    case KS_JOB_STATE_PREPARING:
    case KS_JOB_STATE_SUBMITTING:      /* written ahead, before the send */
    case KS_JOB_STATE_COMPLETED:       /* final states: _ks_job_journal_end() */
    case KS_JOB_STATE_FAILED:
    case KS_JOB_STATE_CANCELLED:
    default:
      break;
    }
}

/* ---- before the submit ---------------------------------------------------- */

typedef struct
{
  guint   pending;
  GError *error;
} WriteAhead;

static void
write_ahead_free (WriteAhead *data)
{
  g_clear_error (&data->error);
  g_free (data);
}

typedef struct
{
  GTask *task;
  guint  index;
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_clear_object (&data->task);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreData, store_data_free)

static void
record_reference_free0 (gpointer data)
{
  if (data != NULL)
    ks_record_reference_free (data);
}

/* What the user gave, in a few words: a file's name, a URL as is. */
static char *
describe_source (const char *source)
{
  if (source == NULL || g_str_has_prefix (source, "data:"))
    return g_strdup (_("Pasted image"));
  if (ks_reference_is_remote (source))
    return g_strdup (source);

  return g_path_get_basename (source);
}

static void
record_saved_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ks_library_save_finish (KS_LIBRARY (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Every reference is stored: the record, complete, goes to disk. */
static void
write_record (GTask *task)
{
  KsJob *self = g_task_get_source_object (task);
  WriteAhead *data = g_task_get_task_data (task);

  if (data->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&data->error));
      g_object_unref (task);
      return;
    }

  /* Ended (cancelled) while the references were stored: its final state
   * is written already and must stay the last word. */
  if (!_ks_job_is_running (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The job ended before its record was written.");
      g_object_unref (task);
      return;
    }

  if (self->stored != NULL)
    ks_record_take_references (self->record, g_steal_pointer (&self->stored));
  ks_record_set_state (self->record, KS_RECORD_STATE_SUBMITTING);
  ks_record_set_submitted (self->record, g_get_real_time ());

  ks_library_save_async (self->library,
                         self->record,
                         g_task_get_cancellable (task),
                         record_saved_cb,
                         task);
}

static void
reference_stored_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(StoreData) store = user_data;
  KsJob *self = g_task_get_source_object (store->task);
  WriteAhead *data = g_task_get_task_data (store->task);
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;

  file = ks_library_store_reference_finish (KS_LIBRARY (object), result, &error);
  if (file == NULL && data->error == NULL)
    data->error = g_steal_pointer (&error);
  else if (file != NULL && self->stored != NULL)
    {
      KsRecordReference *ref = g_ptr_array_index (self->stored, store->index);
      ref->file = g_steal_pointer (&file);
    }

  if (--data->pending == 0)
    write_record (g_steal_pointer (&store->task));
}

/* The bytes of a reference sent as is: a data: URI is kept as a file (it
 * would bloat the record), a URL is kept as a URL. */
static GBytes *
reference_bytes (const KsPreparedReference *prepared,
                 char                     **mime_type)
{
  if (prepared->bytes != NULL)
    {
      *mime_type = g_strdup (prepared->mime_type);
      return g_bytes_ref (prepared->bytes);
    }

  if (prepared->url != NULL && g_str_has_prefix (prepared->url, "data:"))
    return soup_uri_decode_data_uri (prepared->url, mime_type);

  return NULL;
}

void
_ks_job_journal_write_ahead_async (KsJob               *self,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteAhead *data;
  guint n_refs = self->prepared != NULL ? self->prepared->len : 0;

  g_assert (self->library != NULL);

  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, _ks_job_journal_write_ahead_async);
  data = g_new0 (WriteAhead, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) write_ahead_free);

  g_clear_pointer (&self->stored, g_ptr_array_unref);
  self->stored = g_ptr_array_new_full (n_refs, record_reference_free0);

  /* One more than the stores, so that none completes the task early. */
  data->pending = 1;

  for (guint i = 0; i < n_refs; i++)
    {
      const KsPreparedReference *prepared = g_ptr_array_index (self->prepared, i);
      KsRecordReference *ref = g_new0 (KsRecordReference, 1);
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *mime_type = NULL;
      StoreData *store;

      g_ptr_array_add (self->stored, ref);
      ref->source_name = describe_source (prepared->source);
      ref->width = prepared->width;
      ref->height = prepared->height;

      bytes = reference_bytes (prepared, &mime_type);
      if (bytes == NULL)
        {
          ref->url = g_strdup (prepared->url);
          continue;
        }

      ref->mime_type = g_strdup (mime_type != NULL ? mime_type : "application/octet-stream");
      ref->sha256 = prepared->sha256 != NULL && prepared->bytes != NULL
                      ? g_strdup (prepared->sha256)
                      : g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

      store = g_new0 (StoreData, 1);
      store->task = g_object_ref (task);
      store->index = i;
      data->pending++;

      ks_library_store_reference_async (self->library,
                                        bytes,
                                        ref->sha256,
                                        ref->mime_type,
                                        self->cancellable,
                                        reference_stored_cb,
                                        store);
    }

  if (--data->pending == 0)
    write_record (g_steal_pointer (&task));
}

gboolean
_ks_job_journal_write_ahead_finish (KsJob         *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- images --------------------------------------------------------------- */

static void
image_stored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ks_library_store_image_finish (KS_LIBRARY (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
image_named_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ks_library_save_finish (KS_LIBRARY (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
image_file_written_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *file = ks_library_write_image_finish (KS_LIBRARY (object), result, &error);

  if (file == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, file, g_free);
}

void
_ks_job_journal_write_image_async (KsJob               *self,
                                   guint                index,
                                   const char          *content_type,
                                   GBytes              *bytes,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_assert (self->library != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, _ks_job_journal_write_image_async);
  ks_library_write_image_async (self->library, self->record, index, content_type, bytes,
                                image_file_written_cb, task);
}

char *
_ks_job_journal_write_image_finish (KsJob         *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_ks_job_journal_store_image_async (KsJob               *self,
                                   KsJobImage          *image,
                                   const char          *file,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *url = ks_job_image_get_url (image);
  KsRecordImage entry = {
    .index = ks_job_image_get_index (image),
    /* An image sent inline is kept as the file, not as its data URI. */
    .url = (char *) (url != NULL && !g_str_has_prefix (url, "data:") ? url : NULL),
    .content_type = (char *) ks_job_image_get_content_type (image),
    .file = (char *) file,
    .width = ks_job_image_get_width (image),
    .height = ks_job_image_get_height (image),
    .has_nsfw_concepts = ks_job_image_get_has_nsfw_concepts (image),
  };

  g_assert (self->library != NULL);

  /* Not the run's cancellable: an image that was paid for is written even
   * if the run ends meanwhile. */
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, _ks_job_journal_store_image_async);

  /* Written already (while it was decoded): the record names it now. */
  if (file != NULL)
    {
      ks_record_set_image (self->record, &entry);
      ks_library_save_async (self->library, self->record, NULL,
                             image_named_cb, g_steal_pointer (&task));
      return;
    }

  ks_library_store_image_async (self->library,
                                self->record,
                                &entry,
                                ks_job_image_get_bytes (image),
                                NULL,
                                image_stored_cb,
                                g_steal_pointer (&task));
}

gboolean
_ks_job_journal_store_image_finish (KsJob         *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the end -------------------------------------------------------------- */

static gboolean
image_write_failed (KsJob *self)
{
  for (guint i = 0; i < self->n_slots; i++)
    if (self->slots[i].write_failed)
      return TRUE;

  return FALSE;
}

/* The record of a job that failed: FAILED, EXPIRED, or left unfinished
 * when the failure says nothing about the job itself. */
static void
record_failed (KsJob        *self,
               const GError *error)
{
  KsRecord *record = self->record;

  /* An image could not be written: the record stays downloading, so that
   * the next resume fetches the result again. */
  if (image_write_failed (self))
    return;

  /* The network went away while the job ran on the service: it may well
   * complete there; the next resume follows it. */
  if (self->request != NULL && g_error_matches (error, KS_ERROR, KS_ERROR_NETWORK))
    return;

  /* The submit went out and no readable answer came back: the service
   * may have queued (and will bill) the job. Offered for resubmission
   * with that warning, never resubmitted by itself. */
  if (self->request == NULL && self->submit_uncertain)
    {
      ks_record_set_error (record, error);
      ks_record_set_state (record, KS_RECORD_STATE_UNKNOWN);
      ks_record_set_finished (record, g_get_real_time ());
      return;
    }

  if (self->request != NULL &&
      (g_error_matches (error, KS_ERROR, KS_ERROR_EXPIRED) ||
       g_error_matches (error, KS_ERROR, KS_ERROR_NOT_FOUND)))
    {
      g_autoptr(GError) expired = NULL;

      expired = g_error_new (KS_ERROR, KS_ERROR_EXPIRED,
                             _("The service no longer has this result (request %s). "
                               "Results are kept there for a limited time only; "
                               "the parameters are kept here, so it can be submitted again."),
                             self->request->request_id);
      ks_record_set_error (record, expired);
      ks_record_set_state (record, KS_RECORD_STATE_EXPIRED);
      ks_record_set_finished (record, g_get_real_time ());
      return;
    }

  ks_record_set_error (record, error);
  ks_record_set_state (record, KS_RECORD_STATE_FAILED);
  ks_record_set_finished (record, g_get_real_time ());
}

void
_ks_job_journal_end (KsJob        *self,
                     const GError *run_error)
{
  KsRecord *record = self->record;

  if (self->library == NULL)
    return;

  if (self->request != NULL &&
      g_strcmp0 (ks_record_get_request_id (record), self->request->request_id) != 0)
    ks_record_set_request (record, self->request);

  switch (self->state)
    {
    case KS_JOB_STATE_COMPLETED:
      ks_record_set_error (record, NULL);
      ks_record_set_state (record, KS_RECORD_STATE_COMPLETED);
      ks_record_set_finished (record, g_get_real_time ());
      ks_record_set_total_time (record, seconds_since (ks_record_get_submitted (record)));
      break;

    case KS_JOB_STATE_CANCELLED:
      ks_record_set_state (record, KS_RECORD_STATE_CANCELLED);
      ks_record_set_finished (record, g_get_real_time ());
      break;

    case KS_JOB_STATE_FAILED:
      record_failed (self, self->error != NULL ? self->error : run_error);
      break;

    case KS_JOB_STATE_PENDING:
    case KS_JOB_STATE_WAITING:
    case KS_JOB_STATE_PREPARING:
    case KS_JOB_STATE_SUBMITTING:
    case KS_JOB_STATE_IN_QUEUE:
    case KS_JOB_STATE_IN_PROGRESS:
    case KS_JOB_STATE_DOWNLOADING:
    default:
      /* Stopped following locally: the record keeps its state, and the
       * next resume takes it up (a submit that may be on the wire is
       * found SUBMITTING and becomes UNKNOWN). */
      break;
    }

  if (self->seed != NULL)
    ks_record_set_seed (record, self->seed);
  if (self->inference_time >= 0)
    ks_record_set_inference_time (record, self->inference_time);
  if (self->returned_prompt != NULL)
    ks_record_set_returned_prompt (record, self->returned_prompt);
  if (self->logs != NULL && self->logs->len > 0)
    ks_record_set_logs (record, self->logs);

  if (ks_record_get_job (record) == self)
    ks_record_set_job (record, NULL);

  ks_library_save (self->library, record);
}
