#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-job-private.h"
#include "ks-params.h"
#include "ks-reference.h"

/* The steps of a run: prepare the references, submit, follow the status
 * (the stream, falling back to polling), fetch the result, download and
 * decode every image. */

/* Polling backs off while nothing changes, up to this. */
#define MAX_POLL_INTERVAL_MS 5000

static gboolean
is_cancelled_error (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The content type of what was actually received: the bytes decide (a CDN
 * may label a PNG as octet-stream), then the result's word, then the
 * download's header. */
static char *
pick_content_type (GBytes     *bytes,
                   const char *declared,
                   const char *downloaded)
{
  g_autofree char *guessed = NULL;
  g_autofree char *mime = NULL;
  gboolean uncertain = FALSE;
  gsize size = 0;
  const guchar *data = g_bytes_get_data (bytes, &size);

  guessed = g_content_type_guess (NULL, data, MIN (size, 4096), &uncertain);
  if (guessed != NULL)
    mime = g_content_type_get_mime_type (guessed);
  if (mime != NULL && !uncertain && g_str_has_prefix (mime, "image/"))
    return g_steal_pointer (&mime);

  if (declared != NULL && g_str_has_prefix (declared, "image/"))
    return g_strdup (declared);

  if (downloaded != NULL && g_str_has_prefix (downloaded, "image/"))
    {
      const char *semicolon = strchr (downloaded, ';');

      if (semicolon != NULL)
        return g_strstrip (g_strndup (downloaded, semicolon - downloaded));
      return g_strdup (downloaded);
    }

  return g_strdup ("image/jpeg");
}

/* ---- downloading -------------------------------------------------------- */

typedef struct
{
  KsJob *job;
  guint  index;
} SlotData;

static SlotData *
slot_data_new (KsJob *self,
               guint  index)
{
  SlotData *data = g_new0 (SlotData, 1);

  data->job = g_object_ref (self);
  data->index = index;

  return data;
}

static void
slot_data_free (SlotData *data)
{
  g_clear_object (&data->job);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlotData, slot_data_free)

void
_ks_job_clear_slots (KsJob *self)
{
  for (guint i = 0; i < self->n_slots; i++)
    {
      g_clear_pointer (&self->slots[i].content_type, g_free);
      g_clear_pointer (&self->slots[i].bytes, g_bytes_unref);
      g_clear_object (&self->slots[i].image);
      g_clear_error (&self->slots[i].error);
      g_clear_pointer (&self->slots[i].file, g_free);
      g_clear_error (&self->slots[i].write_error);
    }
  g_clear_pointer (&self->slots, g_free);
  self->n_slots = 0;
  self->n_slots_pending = 0;
  self->next_slot = 0;
}

/* Appends finished images in result order; a failed one is skipped so the
 * others are kept. */
static void
flush_slots (KsJob *self)
{
  while (self->next_slot < self->n_slots && self->slots[self->next_slot].done)
    {
      ImageSlot *slot = &self->slots[self->next_slot];

      self->next_slot++;

      if (slot->image != NULL)
        _ks_job_add_image (self, slot->image);
    }
}

static void
slot_finished (KsJob *self,
               guint  index)
{
  g_assert (index < self->n_slots);
  g_assert (!self->slots[index].done);

  self->slots[index].done = TRUE;
  self->n_slots_pending--;

  flush_slots (self);

  if (self->n_slots_pending > 0)
    return;

  for (guint i = 0; i < self->n_slots; i++)
    {
      if (self->slots[i].error != NULL)
        {
          _ks_job_fail (self, g_error_copy (self->slots[i].error));
          return;
        }
    }

  _ks_job_completed (self);
}

static void
image_stored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SlotData) data = user_data;
  KsJob *self = data->job;
  g_autoptr(GError) error = NULL;
  ImageSlot *slot;

  _ks_job_journal_store_image_finish (self, result, &error);
  if (!_ks_job_is_running (self))
    return;

  slot = &self->slots[data->index];

  /* The image is still shown; the job fails so that nobody believes it
   * is kept, and the record stays downloading for the next resume. */
  if (error != NULL)
    {
      slot->error = g_steal_pointer (&error);
      slot->write_failed = TRUE;
    }

  slot_finished (self, data->index);
}

/* Once the image is decoded and (with a library) its bytes written, the
 * record names the file; only then does the image count. */
static void
slot_keep (KsJob    *self,
           SlotData *data)
{
  g_autoptr(SlotData) owned = data;
  ImageSlot *slot = &self->slots[data->index];

  if (slot->decoding || slot->writing)
    return;

  /* Bytes that were written but do not decode are not kept. */
  if (slot->image == NULL && slot->file != NULL)
    {
      g_autoptr(GFile) file = ks_library_resolve (self->library, slot->file);

      g_file_delete_async (file, G_PRIORITY_LOW, NULL, NULL, NULL);
      g_clear_pointer (&slot->file, g_free);
    }

  if (slot->image != NULL && slot->write_error != NULL)
    {
      /* The image is still shown; the job fails so that nobody believes
       * it is kept, and the record stays downloading for the next resume. */
      slot->error = g_steal_pointer (&slot->write_error);
      slot->write_failed = TRUE;
    }

  if (slot->image != NULL && slot->error == NULL && self->library != NULL)
    {
      _ks_job_journal_store_image_async (self, slot->image, slot->file, image_stored_cb,
                                         g_steal_pointer (&owned));
      return;
    }

  slot_finished (self, data->index);
}

static void
image_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SlotData) data = user_data;
  KsJob *self = data->job;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  ImageSlot *slot;

  file = _ks_job_journal_write_image_finish (self, result, &error);
  if (!_ks_job_is_running (self))
    return;

  slot = &self->slots[data->index];
  slot->writing = FALSE;
  slot->file = g_steal_pointer (&file);
  slot->write_error = g_steal_pointer (&error);
  slot_keep (self, g_steal_pointer (&data));
}

static void
image_decoded_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SlotData) data = user_data;
  KsJob *self = data->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  const KsResultImage *entry;
  ImageSlot *slot;

  pixbuf = ks_image_decode_finish (result, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  slot = &self->slots[data->index];
  entry = g_ptr_array_index (self->result->images, data->index);
  slot->decoding = FALSE;

  if (pixbuf == NULL)
    slot->error = g_error_new (KS_ERROR, KS_ERROR_BAD_IMAGE,
                               _("Image %u of %u from the service could not be read: %s"),
                               data->index + 1, self->n_slots, error->message);
  else
    slot->image = g_object_new (KS_TYPE_JOB_IMAGE,
                                "index", data->index,
                                "url", entry->url,
                                "width", gdk_pixbuf_get_width (pixbuf),
                                "height", gdk_pixbuf_get_height (pixbuf),
                                "content-type", slot->content_type,
                                "bytes", slot->bytes,
                                "pixbuf", pixbuf,
                                "has-nsfw-concepts", entry->has_nsfw_concepts,
                                NULL);

  slot_keep (self, g_steal_pointer (&data));
}

static void
image_downloaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SlotData) data = user_data;
  KsJob *self = data->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *content_type = NULL;
  ImageSlot *slot;

  bytes = ks_client_download_finish (KS_CLIENT (object), result, &content_type, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  slot = &self->slots[data->index];

  if (bytes == NULL)
    {
      slot->error = g_error_new (error->domain, error->code,
                                 _("Image %u of %u could not be downloaded: %s"),
                                 data->index + 1, self->n_slots, error->message);
      slot_finished (self, data->index);
      return;
    }

  slot->bytes = g_bytes_ref (bytes);
  slot->content_type = pick_content_type (bytes,
                                          ((const KsResultImage *) g_ptr_array_index (self->result->images,
                                                                                      data->index))->content_type,
                                          content_type);

  /* The bytes go to disk while they are decoded: the two take about as
   * long, and the image is kept once both are done. */
  if (self->library != NULL)
    {
      slot->writing = TRUE;
      _ks_job_journal_write_image_async (self, data->index, slot->content_type, bytes,
                                         image_written_cb, slot_data_new (self, data->index));
    }

  slot->decoding = TRUE;
  ks_image_decode_async (bytes,
                         &self->result_limits,
                         self->cancellable,
                         image_decoded_cb,
                         g_steal_pointer (&data));
}

static void
job_download_images (KsJob *self)
{
  GPtrArray *entries = self->result->images;

  _ks_job_set_queue_position (self, -1);
  _ks_job_set_state (self, KS_JOB_STATE_DOWNLOADING);

  if (entries == NULL || entries->len == 0)
    {
      _ks_job_fail (self, g_error_new_literal (KS_ERROR, KS_ERROR_MALFORMED,
                                               _("The service reported success but returned no image.")));
      return;
    }

  _ks_job_clear_slots (self);
  self->n_slots = entries->len;
  self->n_slots_pending = entries->len;
  self->slots = g_new0 (ImageSlot, entries->len);

  for (guint i = 0; i < entries->len; i++)
    {
      const KsResultImage *entry = g_ptr_array_index (entries, i);

      if (entry->url == NULL || entry->url[0] == '\0')
        {
          self->slots[i].error = g_error_new (KS_ERROR, KS_ERROR_MALFORMED,
                                              _("Image %u of %u has no address in the service's reply."),
                                              i + 1, entries->len);
          continue;
        }

      ks_client_download_async (self->client,
                                entry->url,
                                self->cancellable,
                                image_downloaded_cb,
                                slot_data_new (self, i));
    }

  /* Entries without an address are finished already. */
  for (guint i = 0; i < entries->len && _ks_job_is_running (self); i++)
    {
      if (self->slots[i].error != NULL && !self->slots[i].done)
        slot_finished (self, i);
    }
}

/* ---- result ------------------------------------------------------------- */

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) field_errors = NULL;
  g_autoptr(KsResult) res = NULL;

  res = ks_client_get_result_finish (KS_CLIENT (object), result, &field_errors, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  if (res == NULL)
    {
      _ks_job_set_field_errors (self, field_errors);
      _ks_job_fail (self, g_steal_pointer (&error));
      return;
    }

  _ks_job_take_result (self, g_steal_pointer (&res));
  job_download_images (self);
}

static void
job_fetch_result (KsJob *self)
{
  _ks_job_set_queue_position (self, -1);
  ks_client_get_result_async (self->client,
                              self->request,
                              self->cancellable,
                              result_cb,
                              g_object_ref (self));
}

/* ---- status ------------------------------------------------------------- */

/* Applies a status that is not final. TRUE when anything changed. */
static gboolean
job_apply_status (KsJob          *self,
                  const KsStatus *status)
{
  gboolean changed = FALSE;

  switch (status->state)
    {
    case KS_QUEUE_STATE_IN_QUEUE:
      /* A late reply never moves a running job back into the queue. */
      if (self->state != KS_JOB_STATE_IN_PROGRESS)
        {
          changed |= self->state != KS_JOB_STATE_IN_QUEUE;
          _ks_job_set_state (self, KS_JOB_STATE_IN_QUEUE);
          if (status->queue_position >= 0)
            {
              changed |= self->queue_position != status->queue_position;
              _ks_job_set_queue_position (self, status->queue_position);
            }
        }
      break;

    case KS_QUEUE_STATE_IN_PROGRESS:
      changed |= self->state != KS_JOB_STATE_IN_PROGRESS;
      _ks_job_set_queue_position (self, -1);
      _ks_job_set_state (self, KS_JOB_STATE_IN_PROGRESS);
      break;

    case KS_QUEUE_STATE_COMPLETED:
      changed = TRUE;
      break;

    default:
      g_assert_not_reached ();
    }

  for (guint i = 0; status->logs != NULL && i < status->logs->len; i++)
    {
      const KsLogEntry *entry = g_ptr_array_index (status->logs, i);

      if (entry->message == NULL || !_ks_job_add_log (self, entry))
        continue;

      changed = TRUE;

      if (!_ks_job_is_running (self))
        return changed;
    }

  if (status->inference_time >= 0)
    _ks_job_set_inference_time (self, status->inference_time);

  return changed;
}

static void
job_handle_completed (KsJob          *self,
                      const KsStatus *status)
{
  job_apply_status (self, status);
  if (!_ks_job_is_running (self))
    return;

  if (status->error == NULL)
    {
      job_fetch_result (self);
      return;
    }

  if (g_strcmp0 (status->error_type, "request_timeout") == 0)
    _ks_job_fail (self, g_error_new (KS_ERROR, KS_ERROR_TIMEOUT,
                                     _("The service did not start the job in time: %s"),
                                     status->error));
  else if (g_strcmp0 (status->error_type, "request_cancelled") == 0)
    {
      if (self->cancel_requested)
        _ks_job_cancelled (self);
      else
        _ks_job_fail (self, g_error_new (KS_ERROR, KS_ERROR_CANCELLED,
                                         _("The job was cancelled on the service: %s"),
                                         status->error));
    }
  else
    _ks_job_fail (self, g_error_new (KS_ERROR, KS_ERROR_FAILED,
                                     _("The model failed: %s"),
                                     status->error));
}

static void job_poll_now (KsJob *self);

static gboolean
poll_timeout_cb (gpointer user_data)
{
  KsJob *self = user_data;

  self->poll_source = 0;
  job_poll_now (self);

  return G_SOURCE_REMOVE;
}

static void
job_schedule_poll (KsJob    *self,
                   gboolean  changed)
{
  g_autoptr(GSource) source = NULL;
  guint interval = MAX (1, ks_client_get_poll_interval (self->client));

  if (changed || self->poll_delay == 0)
    self->poll_delay = interval;
  else
    self->poll_delay = MIN (MAX (interval, MAX_POLL_INTERVAL_MS),
                            (guint) (self->poll_delay * 1.5));

  _ks_job_remove_source (&self->poll_source, self->context);
  source = g_timeout_source_new (self->poll_delay);
  g_source_set_callback (source, poll_timeout_cb, self, NULL);
  g_source_set_static_name (source, "[ks-job-poll]");
  self->poll_source = g_source_attach (source, self->context);
}

static void
poll_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsStatus) status = NULL;
  gboolean changed;

  status = ks_client_get_status_finish (KS_CLIENT (object), result, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  if (status == NULL)
    {
      _ks_job_fail (self, g_steal_pointer (&error));
      return;
    }

  if (status->state == KS_QUEUE_STATE_COMPLETED)
    {
      job_handle_completed (self, status);
      return;
    }

  changed = job_apply_status (self, status);
  if (_ks_job_is_running (self))
    job_schedule_poll (self, changed);
}

static void
job_poll_now (KsJob *self)
{
  ks_client_get_status_async (self->client,
                              self->request,
                              self->cancellable,
                              poll_cb,
                              g_object_ref (self));
}

static void
job_start_polling (KsJob *self)
{
  _ks_job_set_status_source (self, "polling");
  self->poll_delay = 0;
  job_poll_now (self);
}

static void
stream_status_cb (const KsStatus *status,
                  gpointer        user_data)
{
  KsJob *self = user_data;

  if (!_ks_job_is_running (self))
    return;

  /* The final status is handled when the stream completes. */
  if (status->state != KS_QUEUE_STATE_COMPLETED)
    job_apply_status (self, status);
}

static void
stream_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsStatus) status = NULL;

  status = ks_client_stream_status_finish (KS_CLIENT (object), result, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  if (status != NULL)
    {
      job_handle_completed (self, status);
      return;
    }

  /* A stream that is refused, drops or talks nonsense is no reason to
   * give up on the job: polling will tell, and report real errors. */
  if (g_error_matches (error, KS_ERROR, KS_ERROR_NETWORK) ||
      g_error_matches (error, KS_ERROR, KS_ERROR_SERVER) ||
      g_error_matches (error, KS_ERROR, KS_ERROR_RATE_LIMITED) ||
      g_error_matches (error, KS_ERROR, KS_ERROR_MALFORMED) ||
      g_error_matches (error, KS_ERROR, KS_ERROR_TIMEOUT))
    {
      g_debug ("Status stream ended early (%s); polling instead", error->message);
      job_start_polling (self);
      return;
    }

  _ks_job_fail (self, g_steal_pointer (&error));
}

void
_ks_job_follow_status (KsJob *self)
{
  if (!ks_client_get_use_streaming (self->client))
    {
      job_start_polling (self);
      return;
    }

  _ks_job_set_status_source (self, "stream");
  ks_client_stream_status_async (self->client,
                                 self->request,
                                 stream_status_cb,
                                 g_object_ref (self),
                                 g_object_unref,
                                 self->cancellable,
                                 stream_done_cb,
                                 g_object_ref (self));
}

/* ---- submit ------------------------------------------------------------- */

static void
submit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRequest) request = NULL;
  int queue_position = -1;

  request = ks_client_submit_finish (KS_CLIENT (object), result, &queue_position, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  /* Taken, but its reply broke: followed by the id its headers named. */
  if (request == NULL && !is_cancelled_error (error))
    {
      request = ks_client_submit_accepted_request (KS_CLIENT (object), result);
      if (request != NULL)
        g_debug ("The submit reply could not be read (%s); following %s",
                 error->message, request->request_id);
    }

  if (request == NULL)
    {
      self->submit_uncertain = ks_client_submit_may_be_queued (KS_CLIENT (object), result);
      _ks_job_fail (self, g_steal_pointer (&error));
      return;
    }

  _ks_job_set_request (self, request);
  if (!_ks_job_is_running (self))
    return;

  _ks_job_set_queue_position (self, queue_position >= 0 ? queue_position : -1);
  _ks_job_set_state (self, KS_JOB_STATE_IN_QUEUE);

  if (self->cancel_waiters->len > 0)
    _ks_job_send_cancel (self);

  _ks_job_follow_status (self);
}

static void
job_send_submit (KsJob *self)
{
  g_autofree char *body = g_steal_pointer (&self->submit_body);
  const KsEndpoint *endpoint = ks_params_get_endpoint (self->params);

  _ks_job_set_state (self, KS_JOB_STATE_SUBMITTING);
  _ks_job_start_clock (self);

  ks_client_submit_async (self->client,
                          ks_endpoint_get_id (endpoint),
                          body,
                          self->cancellable,
                          submit_cb,
                          g_object_ref (self));
}

static void
written_ahead_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!_ks_job_journal_write_ahead_finish (self, result, &error))
    {
      if (_ks_job_is_running (self) && !is_cancelled_error (error))
        _ks_job_fail (self, g_steal_pointer (&error));
      return;
    }

  if (!_ks_job_is_running (self))
    return;

  /* A cancel that came while the record was written: nothing sent. */
  if (self->cancel_requested)
    {
      _ks_job_cancelled (self);
      return;
    }

  job_send_submit (self);
}

static void
job_submit (KsJob *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  g_autofree char *body = NULL;

  if (self->cancel_requested)
    {
      /* Nothing has reached the service yet: nothing to bill, nothing to
       * cancel there. */
      _ks_job_cancelled (self);
      return;
    }

  for (guint i = 0; self->prepared != NULL && i < self->prepared->len; i++)
    {
      KsPreparedReference *ref = g_ptr_array_index (self->prepared, i);
      g_ptr_array_add (urls, ref->url);
    }
  g_ptr_array_add (urls, NULL);

  body = ks_params_to_request_body (self->params,
                                    urls->len > 1 ? (const char * const *) urls->pdata : NULL);
  if (body == NULL)
    {
      _ks_job_fail (self, g_error_new_literal (KS_ERROR, KS_ERROR_INVALID_PARAMS,
                                               _("The request could not be built from these parameters.")));
      return;
    }

  self->submit_body = g_steal_pointer (&body);

  if (self->library == NULL)
    {
      job_send_submit (self);
      return;
    }

  /* Nothing goes out before the record is on disk. */
  _ks_job_journal_write_ahead_async (self, written_ahead_cb, g_object_ref (self));
}

/* ---- preparing ---------------------------------------------------------- */

static void
reference_prepared_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(SlotData) data = user_data;
  KsJob *self = data->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(KsPreparedReference) prepared = NULL;

  prepared = ks_reference_prepare_finish (result, &error);
  if (!_ks_job_is_running (self) || is_cancelled_error (error))
    return;

  if (prepared == NULL)
    {
      const char * const *refs = ks_params_get_references (self->params);
      guint n_refs = refs ? g_strv_length ((char **) refs) : 0;

      if (n_refs > 1)
        _ks_job_fail (self, g_error_new (error->domain, error->code,
                                         _("Reference %u of %u: %s"),
                                         data->index + 1, n_refs, error->message));
      else
        _ks_job_fail (self, g_steal_pointer (&error));
      return;
    }

  g_assert (data->index < self->prepared->len);
  g_ptr_array_index (self->prepared, data->index) = g_steal_pointer (&prepared);

  if (--self->n_preparing == 0)
    job_submit (self);
}

static void
prepared_reference_free0 (gpointer data)
{
  if (data != NULL)
    ks_prepared_reference_free (data);
}

void
_ks_job_prepare (KsJob *self)
{
  g_autoptr(GError) error = NULL;
  const char * const *refs;
  guint n_refs;

  _ks_job_set_state (self, KS_JOB_STATE_PREPARING);

  /* Checked before anything is read or uploaded. */
  if (!ks_params_validate (self->params, &error))
    {
      g_autoptr(GPtrArray) field_errors = ks_params_check (self->params);

      _ks_job_set_field_errors (self, field_errors);
      _ks_job_fail (self, g_steal_pointer (&error));
      return;
    }

  refs = ks_params_get_references (self->params);
  n_refs = refs ? g_strv_length ((char **) refs) : 0;

  g_clear_pointer (&self->prepared, g_ptr_array_unref);
  self->prepared = g_ptr_array_new_full (n_refs, prepared_reference_free0);
  g_ptr_array_set_size (self->prepared, n_refs);

  if (n_refs == 0)
    {
      job_submit (self);
      return;
    }

  self->n_preparing = n_refs;
  for (guint i = 0; i < n_refs; i++)
    ks_reference_prepare_async (refs[i],
                                self->client,
                                self->cancellable,
                                reference_prepared_cb,
                                slot_data_new (self, i));
}

