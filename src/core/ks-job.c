#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-image.h"
#include "ks-job.h"
#include "ks-params.h"
#include "ks-reference.h"

/* Polling backs off while nothing changes, up to this. */
#define MAX_POLL_INTERVAL_MS 5000

const char *
ks_job_state_to_string (KsJobState state)
{
  switch (state)
    {
    case KS_JOB_STATE_PENDING:
      return "pending";
    case KS_JOB_STATE_PREPARING:
      return "preparing";
    case KS_JOB_STATE_SUBMITTING:
      return "submitting";
    case KS_JOB_STATE_IN_QUEUE:
      return "in-queue";
    case KS_JOB_STATE_IN_PROGRESS:
      return "in-progress";
    case KS_JOB_STATE_DOWNLOADING:
      return "downloading";
    case KS_JOB_STATE_COMPLETED:
      return "completed";
    case KS_JOB_STATE_FAILED:
      return "failed";
    case KS_JOB_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
    }
}

gboolean
ks_job_state_is_finished (KsJobState state)
{
  return state == KS_JOB_STATE_COMPLETED ||
         state == KS_JOB_STATE_FAILED ||
         state == KS_JOB_STATE_CANCELLED;
}

/* ------------------------------------------------------------------------
 * KsJobImage
 * ------------------------------------------------------------------------ */

struct _KsJobImage
{
  GObject    parent_instance;

  guint      index;
  char      *url;
  int        width;
  int        height;
  char      *content_type;
  GBytes    *bytes;
  GdkPixbuf *pixbuf;
  gboolean   has_nsfw_concepts;
};

G_DEFINE_FINAL_TYPE (KsJobImage, ks_job_image, G_TYPE_OBJECT)

enum {
  IMAGE_PROP_0,
  IMAGE_PROP_INDEX,
  IMAGE_PROP_URL,
  IMAGE_PROP_WIDTH,
  IMAGE_PROP_HEIGHT,
  IMAGE_PROP_CONTENT_TYPE,
  IMAGE_PROP_BYTES,
  IMAGE_PROP_PIXBUF,
  IMAGE_PROP_HAS_NSFW_CONCEPTS,
  IMAGE_N_PROPS
};

static GParamSpec *image_properties[IMAGE_N_PROPS];

static void
ks_job_image_finalize (GObject *object)
{
  KsJobImage *self = (KsJobImage *)object;

  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_object (&self->pixbuf);

  G_OBJECT_CLASS (ks_job_image_parent_class)->finalize (object);
}

static void
ks_job_image_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KsJobImage *self = KS_JOB_IMAGE (object);

  switch (prop_id)
    {
    case IMAGE_PROP_INDEX:
      g_value_set_uint (value, self->index);
      break;
    case IMAGE_PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case IMAGE_PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;
    case IMAGE_PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;
    case IMAGE_PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case IMAGE_PROP_BYTES:
      g_value_set_boxed (value, self->bytes);
      break;
    case IMAGE_PROP_PIXBUF:
      g_value_set_object (value, self->pixbuf);
      break;
    case IMAGE_PROP_HAS_NSFW_CONCEPTS:
      g_value_set_boolean (value, self->has_nsfw_concepts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_job_image_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KsJobImage *self = KS_JOB_IMAGE (object);

  switch (prop_id)
    {
    case IMAGE_PROP_INDEX:
      self->index = g_value_get_uint (value);
      break;
    case IMAGE_PROP_URL:
      self->url = g_value_dup_string (value);
      break;
    case IMAGE_PROP_WIDTH:
      self->width = g_value_get_int (value);
      break;
    case IMAGE_PROP_HEIGHT:
      self->height = g_value_get_int (value);
      break;
    case IMAGE_PROP_CONTENT_TYPE:
      self->content_type = g_value_dup_string (value);
      break;
    case IMAGE_PROP_BYTES:
      self->bytes = g_value_dup_boxed (value);
      break;
    case IMAGE_PROP_PIXBUF:
      self->pixbuf = g_value_dup_object (value);
      break;
    case IMAGE_PROP_HAS_NSFW_CONCEPTS:
      self->has_nsfw_concepts = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_job_image_class_init (KsJobImageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                      G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ks_job_image_finalize;
  object_class->get_property = ks_job_image_get_property;
  object_class->set_property = ks_job_image_set_property;

  image_properties[IMAGE_PROP_INDEX] =
    g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0, flags);
  image_properties[IMAGE_PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL, flags);
  image_properties[IMAGE_PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0, flags);
  image_properties[IMAGE_PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0, flags);
  image_properties[IMAGE_PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL, flags);
  image_properties[IMAGE_PROP_BYTES] =
    g_param_spec_boxed ("bytes", NULL, NULL, G_TYPE_BYTES, flags);
  image_properties[IMAGE_PROP_PIXBUF] =
    g_param_spec_object ("pixbuf", NULL, NULL, GDK_TYPE_PIXBUF, flags);
  image_properties[IMAGE_PROP_HAS_NSFW_CONCEPTS] =
    g_param_spec_boolean ("has-nsfw-concepts", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, IMAGE_N_PROPS, image_properties);
}

static void
ks_job_image_init (KsJobImage *self)
{
}

guint
ks_job_image_get_index (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), 0);
  return self->index;
}

const char *
ks_job_image_get_url (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->url;
}

int
ks_job_image_get_width (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), 0);
  return self->width;
}

int
ks_job_image_get_height (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), 0);
  return self->height;
}

const char *
ks_job_image_get_content_type (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->content_type;
}

GBytes *
ks_job_image_get_bytes (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->bytes;
}

GdkPixbuf *
ks_job_image_get_pixbuf (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);
  return self->pixbuf;
}

gboolean
ks_job_image_get_has_nsfw_concepts (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), FALSE);
  return self->has_nsfw_concepts;
}

const char *
ks_job_image_get_extension (KsJobImage *self)
{
  g_return_val_if_fail (KS_IS_JOB_IMAGE (self), NULL);

  if (self->content_type == NULL)
    return "jpg";
  if (g_ascii_strcasecmp (self->content_type, "image/png") == 0)
    return "png";
  if (g_ascii_strcasecmp (self->content_type, "image/webp") == 0)
    return "webp";
  if (g_ascii_strcasecmp (self->content_type, "image/avif") == 0)
    return "avif";
  if (g_ascii_strcasecmp (self->content_type, "image/gif") == 0)
    return "gif";

  return "jpg";
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

/* ------------------------------------------------------------------------
 * KsJob
 * ------------------------------------------------------------------------ */

typedef struct
{
  char       *content_type;  /* as the download named it */
  GBytes     *bytes;
  KsJobImage *image;         /* NULL until decoded, or on failure */
  GError     *error;
  gboolean    done;
} ImageSlot;

struct _KsJob
{
  GObject        parent_instance;

  KsClient      *client;
  KsParams      *params;

  KsJobState     state;
  KsRequest     *request;
  int            queue_position;
  gint64         start_time;        /* monotonic µs: the submit (or following) began */
  gint64         end_time;          /* monotonic µs: the job ended, 0 while running */
  double         inference_time;
  char          *seed;
  char          *returned_prompt;
  GListStore    *images;
  GError        *error;
  GPtrArray     *field_errors;
  GPtrArray     *logs;              /* KsLogEntry */
  GHashTable    *log_keys;          /* "timestamp\nmessage" */
  KsResult      *result;
  const char    *status_source;     /* static string */

  /* One run */
  GTask         *run_task;
  GCancellable  *cancellable;       /* internal: cancelled when the run ends */
  GMainContext  *context;
  GSource       *user_cancel_source;
  guint          elapsed_source;
  guint          poll_source;
  guint          poll_delay;

  GPtrArray     *prepared;          /* KsPreparedReference, in reference order */
  guint          n_preparing;

  ImageSlot     *slots;
  guint          n_slots;
  guint          n_slots_pending;
  guint          next_slot;         /* the next slot to append to images */
  KsImageLimits  result_limits;

  /* Cancellation on the server */
  gboolean       cancel_requested;
  gboolean       cancel_in_flight;
  GPtrArray     *cancel_waiters;    /* GTask */
};

G_DEFINE_FINAL_TYPE (KsJob, ks_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_PARAMS,
  PROP_STATE,
  PROP_REQUEST,
  PROP_REQUEST_ID,
  PROP_QUEUE_POSITION,
  PROP_ELAPSED,
  PROP_INFERENCE_TIME,
  PROP_SEED,
  PROP_RETURNED_PROMPT,
  PROP_IMAGES,
  PROP_ERROR,
  PROP_FIELD_ERRORS,
  PROP_STATUS_SOURCE,
  N_PROPS
};

enum {
  LOG_ADDED,
  REQUEST_KNOWN,
  IMAGE_READY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void job_follow_status (KsJob *self);
static void job_send_cancel   (KsJob *self);

/* ---- small setters ------------------------------------------------------ */

static void
job_set_state (KsJob      *self,
               KsJobState  state)
{
  if (self->state == state)
    return;

  g_debug ("Job %s: %s → %s",
           self->request ? self->request->request_id : "(not submitted)",
           ks_job_state_to_string (self->state),
           ks_job_state_to_string (state));

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
job_set_queue_position (KsJob *self,
                        int    queue_position)
{
  if (self->queue_position == queue_position)
    return;

  self->queue_position = queue_position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_POSITION]);
}

static void
job_set_inference_time (KsJob  *self,
                        double  inference_time)
{
  if (self->inference_time == inference_time)
    return;

  self->inference_time = inference_time;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INFERENCE_TIME]);
}

static void
job_set_status_source (KsJob      *self,
                       const char *status_source)
{
  if (g_strcmp0 (self->status_source, status_source) == 0)
    return;

  self->status_source = status_source;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_SOURCE]);
}

static void
job_set_field_errors (KsJob     *self,
                      GPtrArray *field_errors)
{
  if (field_errors == NULL || field_errors->len == 0)
    return;

  g_clear_pointer (&self->field_errors, g_ptr_array_unref);
  self->field_errors = g_ptr_array_ref (field_errors);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIELD_ERRORS]);
}

static void
job_set_request (KsJob           *self,
                 const KsRequest *request)
{
  g_clear_pointer (&self->request, ks_request_free);
  self->request = request ? ks_request_copy (request) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_ID]);
}

static gboolean
job_is_running (KsJob *self)
{
  return self->run_task != NULL;
}

static gboolean
is_cancelled_error (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- elapsed ------------------------------------------------------------ */

static gboolean
elapsed_tick_cb (gpointer user_data)
{
  KsJob *self = user_data;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);

  return G_SOURCE_CONTINUE;
}

static void
job_start_clock (KsJob *self)
{
  g_autoptr(GSource) source = NULL;

  self->start_time = g_get_monotonic_time ();
  self->end_time = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);

  if (self->elapsed_source != 0)
    return;

  source = g_timeout_source_new_seconds (1);
  g_source_set_callback (source, elapsed_tick_cb, self, NULL);
  g_source_set_static_name (source, "[ks-job-elapsed]");
  self->elapsed_source = g_source_attach (source, self->context);
}

static void
remove_source (guint        *id,
               GMainContext *context)
{
  GSource *source;

  if (*id == 0)
    return;

  source = g_main_context_find_source_by_id (context, *id);
  if (source != NULL)
    g_source_destroy (source);
  *id = 0;
}

/* ---- the end of a run --------------------------------------------------- */

static void
complete_cancel_waiters (KsJob        *self,
                         gboolean      accepted,
                         const GError *error)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (self->cancel_waiters == NULL || self->cancel_waiters->len == 0)
    return;

  waiters = g_steal_pointer (&self->cancel_waiters);
  self->cancel_waiters = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, accepted);
    }
}

/* Stops timers and in-flight work, and completes the run. */
static void
job_end_run (KsJob        *self,
             const GError *run_error)
{
  g_autoptr(GTask) task = NULL;

  if (self->start_time != 0 && self->end_time == 0)
    {
      self->end_time = g_get_monotonic_time ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
    }

  remove_source (&self->elapsed_source, self->context);
  remove_source (&self->poll_source, self->context);
  if (self->user_cancel_source != NULL)
    {
      g_source_destroy (self->user_cancel_source);
      g_clear_pointer (&self->user_cancel_source, g_source_unref);
    }

  /* Whatever is still on the wire (other downloads, an open stream) is
   * of no use any more. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  /* A cancel still waiting for the request id will never be sent. */
  if (self->request == NULL && !self->cancel_in_flight)
    {
      if (self->state == KS_JOB_STATE_CANCELLED)
        complete_cancel_waiters (self, TRUE, NULL);
      else
        {
          g_autoptr(GError) error = NULL;

          if (ks_job_state_is_finished (self->state))
            error = g_error_new_literal (KS_ERROR, KS_ERROR_ALREADY_COMPLETED,
                                         _("The job ended before it reached the service: there is nothing to cancel."));
          else
            error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _("Stopped before the service named the request."));
          complete_cancel_waiters (self, FALSE, error);
        }
    }

  task = g_steal_pointer (&self->run_task);
  if (task == NULL)
    return;

  if (run_error != NULL)
    g_task_return_error (task, g_error_copy (run_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
job_fail (KsJob  *self,
          GError *error)
{
  g_autoptr(GError) owned = error;

  g_assert (error != NULL);

  if (!job_is_running (self))
    return;

  g_debug ("Job failed: %s", error->message);

  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  job_set_queue_position (self, -1);
  job_set_state (self, KS_JOB_STATE_FAILED);
  job_end_run (self, owned);
}

static void
job_cancelled (KsJob *self)
{
  g_autoptr(GError) error = NULL;

  if (!job_is_running (self))
    return;

  error = g_error_new_literal (KS_ERROR, KS_ERROR_CANCELLED,
                               _("The job was cancelled."));
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  job_set_queue_position (self, -1);
  job_set_state (self, KS_JOB_STATE_CANCELLED);
  job_end_run (self, error);
}

static void
job_completed (KsJob *self)
{
  if (!job_is_running (self))
    return;

  job_set_queue_position (self, -1);
  job_set_state (self, KS_JOB_STATE_COMPLETED);
  job_end_run (self, NULL);
}

/* The caller's cancellable fired: stop following, leave the state as it
 * was (the job may well go on on the server). */
static gboolean
user_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  KsJob *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!job_is_running (self))
    return G_SOURCE_REMOVE;

  g_debug ("Stopped following the job locally");

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Stopped following the job; it may still run on the service."));
  job_end_run (self, error);

  return G_SOURCE_REMOVE;
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

static void
clear_slots (KsJob *self)
{
  for (guint i = 0; i < self->n_slots; i++)
    {
      g_clear_pointer (&self->slots[i].content_type, g_free);
      g_clear_pointer (&self->slots[i].bytes, g_bytes_unref);
      g_clear_object (&self->slots[i].image);
      g_clear_error (&self->slots[i].error);
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
        {
          g_list_store_append (self->images, slot->image);
          g_signal_emit (self, signals[IMAGE_READY], 0, slot->image);
        }
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
          job_fail (self, g_error_copy (self->slots[i].error));
          return;
        }
    }

  job_completed (self);
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
  g_autofree char *content_type = NULL;
  const KsResultImage *entry;
  ImageSlot *slot;

  pixbuf = ks_image_decode_finish (result, &error);
  if (!job_is_running (self) || is_cancelled_error (error))
    return;

  slot = &self->slots[data->index];
  entry = g_ptr_array_index (self->result->images, data->index);

  if (pixbuf == NULL)
    {
      slot->error = g_error_new (KS_ERROR, KS_ERROR_BAD_IMAGE,
                                 _("Image %u of %u from the service could not be read: %s"),
                                 data->index + 1, self->n_slots, error->message);
      slot_finished (self, data->index);
      return;
    }

  content_type = pick_content_type (slot->bytes, entry->content_type, slot->content_type);
  slot->image = g_object_new (KS_TYPE_JOB_IMAGE,
                              "index", data->index,
                              "url", entry->url,
                              "width", gdk_pixbuf_get_width (pixbuf),
                              "height", gdk_pixbuf_get_height (pixbuf),
                              "content-type", content_type,
                              "bytes", slot->bytes,
                              "pixbuf", pixbuf,
                              "has-nsfw-concepts", entry->has_nsfw_concepts,
                              NULL);
  slot_finished (self, data->index);
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
  if (!job_is_running (self) || is_cancelled_error (error))
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
  slot->content_type = g_steal_pointer (&content_type);

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

  job_set_queue_position (self, -1);
  job_set_state (self, KS_JOB_STATE_DOWNLOADING);

  if (entries == NULL || entries->len == 0)
    {
      job_fail (self, g_error_new_literal (KS_ERROR, KS_ERROR_MALFORMED,
                                           _("The service reported success but returned no image.")));
      return;
    }

  clear_slots (self);
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
  for (guint i = 0; i < entries->len && job_is_running (self); i++)
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
  if (!job_is_running (self) || is_cancelled_error (error))
    return;

  if (res == NULL)
    {
      job_set_field_errors (self, field_errors);
      job_fail (self, g_steal_pointer (&error));
      return;
    }

  g_clear_pointer (&self->result, ks_result_free);
  self->result = g_steal_pointer (&res);

  if (self->result->has_seed)
    {
      g_free (self->seed);
      self->seed = g_strdup_printf ("%" G_GUINT64_FORMAT, self->result->seed);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
    }

  if (self->result->prompt != NULL &&
      g_strcmp0 (self->result->prompt, self->returned_prompt) != 0)
    {
      g_free (self->returned_prompt);
      self->returned_prompt = g_strdup (self->result->prompt);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETURNED_PROMPT]);
    }

  if (self->inference_time < 0 && self->result->inference_time >= 0)
    job_set_inference_time (self, self->result->inference_time);

  job_download_images (self);
}

static void
job_fetch_result (KsJob *self)
{
  job_set_queue_position (self, -1);
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
          job_set_state (self, KS_JOB_STATE_IN_QUEUE);
          if (status->queue_position >= 0)
            {
              changed |= self->queue_position != status->queue_position;
              job_set_queue_position (self, status->queue_position);
            }
        }
      break;

    case KS_QUEUE_STATE_IN_PROGRESS:
      changed |= self->state != KS_JOB_STATE_IN_PROGRESS;
      job_set_queue_position (self, -1);
      job_set_state (self, KS_JOB_STATE_IN_PROGRESS);
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
      char *key;

      if (entry->message == NULL)
        continue;

      key = g_strconcat (entry->timestamp ? entry->timestamp : "", "\n", entry->message, NULL);
      if (!g_hash_table_add (self->log_keys, key))
        continue;

      g_ptr_array_add (self->logs, ks_log_entry_copy (entry));
      changed = TRUE;
      g_signal_emit (self, signals[LOG_ADDED], 0, entry);

      if (!job_is_running (self))
        return changed;
    }

  if (status->inference_time >= 0)
    job_set_inference_time (self, status->inference_time);

  return changed;
}

static void
job_handle_completed (KsJob          *self,
                      const KsStatus *status)
{
  job_apply_status (self, status);
  if (!job_is_running (self))
    return;

  if (status->error == NULL)
    {
      job_fetch_result (self);
      return;
    }

  if (g_strcmp0 (status->error_type, "request_timeout") == 0)
    job_fail (self, g_error_new (KS_ERROR, KS_ERROR_TIMEOUT,
                                 _("The service did not start the job in time: %s"),
                                 status->error));
  else if (g_strcmp0 (status->error_type, "request_cancelled") == 0)
    {
      if (self->cancel_requested)
        job_cancelled (self);
      else
        job_fail (self, g_error_new (KS_ERROR, KS_ERROR_CANCELLED,
                                     _("The job was cancelled on the service: %s"),
                                     status->error));
    }
  else
    job_fail (self, g_error_new (KS_ERROR, KS_ERROR_FAILED,
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

  remove_source (&self->poll_source, self->context);
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
  if (!job_is_running (self) || is_cancelled_error (error))
    return;

  if (status == NULL)
    {
      job_fail (self, g_steal_pointer (&error));
      return;
    }

  if (status->state == KS_QUEUE_STATE_COMPLETED)
    {
      job_handle_completed (self, status);
      return;
    }

  changed = job_apply_status (self, status);
  if (job_is_running (self))
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
  job_set_status_source (self, "polling");
  self->poll_delay = 0;
  job_poll_now (self);
}

static void
stream_status_cb (const KsStatus *status,
                  gpointer        user_data)
{
  KsJob *self = user_data;

  if (!job_is_running (self))
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
  if (!job_is_running (self) || is_cancelled_error (error))
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

  job_fail (self, g_steal_pointer (&error));
}

static void
job_follow_status (KsJob *self)
{
  if (!ks_client_get_use_streaming (self->client))
    {
      job_start_polling (self);
      return;
    }

  job_set_status_source (self, "stream");
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
  if (!job_is_running (self) || is_cancelled_error (error))
    return;

  if (request == NULL)
    {
      job_fail (self, g_steal_pointer (&error));
      return;
    }

  job_set_request (self, request);
  g_signal_emit (self, signals[REQUEST_KNOWN], 0, self->request);
  if (!job_is_running (self))
    return;

  job_set_queue_position (self, queue_position >= 0 ? queue_position : -1);
  job_set_state (self, KS_JOB_STATE_IN_QUEUE);

  if (self->cancel_waiters->len > 0)
    job_send_cancel (self);

  job_follow_status (self);
}

static void
job_submit (KsJob *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  g_autofree char *body = NULL;
  const KsEndpoint *endpoint = ks_params_get_endpoint (self->params);

  if (self->cancel_requested)
    {
      /* Nothing has reached the service yet: nothing to bill, nothing to
       * cancel there. */
      job_cancelled (self);
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
      job_fail (self, g_error_new_literal (KS_ERROR, KS_ERROR_INVALID_PARAMS,
                                           _("The request could not be built from these parameters.")));
      return;
    }

  job_set_state (self, KS_JOB_STATE_SUBMITTING);
  job_start_clock (self);

  ks_client_submit_async (self->client,
                          ks_endpoint_get_id (endpoint),
                          body,
                          self->cancellable,
                          submit_cb,
                          g_object_ref (self));
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
  if (!job_is_running (self) || is_cancelled_error (error))
    return;

  if (prepared == NULL)
    {
      const char * const *refs = ks_params_get_references (self->params);
      guint n_refs = refs ? g_strv_length ((char **) refs) : 0;

      if (n_refs > 1)
        job_fail (self, g_error_new (error->domain, error->code,
                                     _("Reference %u of %u: %s"),
                                     data->index + 1, n_refs, error->message));
      else
        job_fail (self, g_steal_pointer (&error));
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

static void
job_prepare (KsJob *self)
{
  g_autoptr(GError) error = NULL;
  const char * const *refs;
  guint n_refs;

  job_set_state (self, KS_JOB_STATE_PREPARING);

  /* Checked before anything is read or uploaded. */
  if (!ks_params_validate (self->params, &error))
    {
      g_autoptr(GPtrArray) field_errors = ks_params_check (self->params);

      job_set_field_errors (self, field_errors);
      job_fail (self, g_steal_pointer (&error));
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

/* ---- cancel on the service ---------------------------------------------- */

static void
cancel_reply_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean accepted;

  accepted = ks_client_cancel_finish (KS_CLIENT (object), result, &error);
  self->cancel_in_flight = FALSE;

  g_debug ("Cancel %s", accepted ? "accepted" : error->message);

  complete_cancel_waiters (self, accepted, error);
}

static void
job_send_cancel (KsJob *self)
{
  g_assert (self->request != NULL);

  if (self->cancel_in_flight)
    return;

  self->cancel_in_flight = TRUE;
  /* Not the run's cancellable: the cancel must reach the service even if
   * the caller stops following the job. Each waiter has its own. */
  ks_client_cancel_async (self->client,
                          self->request,
                          NULL,
                          cancel_reply_cb,
                          g_object_ref (self));
}

/* ---- GObject ------------------------------------------------------------ */

static void
ks_job_dispose (GObject *object)
{
  KsJob *self = (KsJob *)object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  if (self->context != NULL)
    {
      remove_source (&self->elapsed_source, self->context);
      remove_source (&self->poll_source, self->context);
    }
  if (self->user_cancel_source != NULL)
    {
      g_source_destroy (self->user_cancel_source);
      g_clear_pointer (&self->user_cancel_source, g_source_unref);
    }

  G_OBJECT_CLASS (ks_job_parent_class)->dispose (object);
}

static void
ks_job_finalize (GObject *object)
{
  KsJob *self = (KsJob *)object;

  clear_slots (self);

  g_clear_object (&self->client);
  g_clear_object (&self->params);
  g_clear_pointer (&self->request, ks_request_free);
  g_clear_pointer (&self->seed, g_free);
  g_clear_pointer (&self->returned_prompt, g_free);
  g_clear_object (&self->images);
  g_clear_error (&self->error);
  g_clear_pointer (&self->field_errors, g_ptr_array_unref);
  g_clear_pointer (&self->logs, g_ptr_array_unref);
  g_clear_pointer (&self->log_keys, g_hash_table_unref);
  g_clear_pointer (&self->result, ks_result_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->prepared, g_ptr_array_unref);
  g_clear_pointer (&self->cancel_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_job_parent_class)->finalize (object);
}

static void
ks_job_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  KsJob *self = KS_JOB (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_PARAMS:
      g_value_set_object (value, self->params);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_REQUEST:
      g_value_set_boxed (value, self->request);
      break;
    case PROP_REQUEST_ID:
      g_value_set_string (value, ks_job_get_request_id (self));
      break;
    case PROP_QUEUE_POSITION:
      g_value_set_int (value, self->queue_position);
      break;
    case PROP_ELAPSED:
      g_value_set_double (value, ks_job_get_elapsed (self));
      break;
    case PROP_INFERENCE_TIME:
      g_value_set_double (value, self->inference_time);
      break;
    case PROP_SEED:
      g_value_set_string (value, self->seed);
      break;
    case PROP_RETURNED_PROMPT:
      g_value_set_string (value, self->returned_prompt);
      break;
    case PROP_IMAGES:
      g_value_set_object (value, self->images);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_FIELD_ERRORS:
      g_value_set_boxed (value, self->field_errors);
      break;
    case PROP_STATUS_SOURCE:
      g_value_set_string (value, self->status_source);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_job_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  KsJob *self = KS_JOB (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_PARAMS:
      /* A job is one submission: later edits of the caller's parameters
       * must not change what it reports having sent. */
      if (g_value_get_object (value) != NULL)
        self->params = ks_params_copy (g_value_get_object (value));
      break;
    case PROP_REQUEST:
      self->request = g_value_dup_boxed (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_job_class_init (KsJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                   G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ks_job_dispose;
  object_class->finalize = ks_job_finalize;
  object_class->get_property = ks_job_get_property;
  object_class->set_property = ks_job_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, KS_TYPE_CLIENT, co);
  properties[PROP_PARAMS] =
    g_param_spec_object ("params", NULL, NULL, KS_TYPE_PARAMS, co);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KS_TYPE_JOB_STATE, KS_JOB_STATE_PENDING, ro);
  properties[PROP_REQUEST] =
    g_param_spec_boxed ("request", NULL, NULL, KS_TYPE_REQUEST, co);
  properties[PROP_REQUEST_ID] =
    g_param_spec_string ("request-id", NULL, NULL, NULL, ro);
  properties[PROP_QUEUE_POSITION] =
    g_param_spec_int ("queue-position", NULL, NULL, -1, G_MAXINT, -1, ro);
  properties[PROP_ELAPSED] =
    g_param_spec_double ("elapsed", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_INFERENCE_TIME] =
    g_param_spec_double ("inference-time", NULL, NULL, -1, G_MAXDOUBLE, -1, ro);
  properties[PROP_SEED] =
    g_param_spec_string ("seed", NULL, NULL, NULL, ro);
  properties[PROP_RETURNED_PROMPT] =
    g_param_spec_string ("returned-prompt", NULL, NULL, NULL, ro);
  properties[PROP_IMAGES] =
    g_param_spec_object ("images", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);
  properties[PROP_FIELD_ERRORS] =
    g_param_spec_boxed ("field-errors", NULL, NULL, G_TYPE_PTR_ARRAY, ro);
  properties[PROP_STATUS_SOURCE] =
    g_param_spec_string ("status-source", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LOG_ADDED] =
    g_signal_new ("log-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  KS_TYPE_LOG_ENTRY | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[REQUEST_KNOWN] =
    g_signal_new ("request-known",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  KS_TYPE_REQUEST | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[IMAGE_READY] =
    g_signal_new ("image-ready",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  KS_TYPE_JOB_IMAGE);
}

static void
ks_job_init (KsJob *self)
{
  self->state = KS_JOB_STATE_PENDING;
  self->queue_position = -1;
  self->inference_time = -1;
  self->images = g_list_store_new (KS_TYPE_JOB_IMAGE);
  self->logs = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_log_entry_free);
  self->log_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancel_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->result_limits = KS_IMAGE_RESULT_LIMITS;
}

/* ---- public API --------------------------------------------------------- */

KsJob *
ks_job_new (KsClient *client,
            KsParams *params)
{
  g_return_val_if_fail (KS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (KS_IS_PARAMS (params), NULL);

  return g_object_new (KS_TYPE_JOB,
                       "client", client,
                       "params", params,
                       NULL);
}

KsJob *
ks_job_new_for_request (KsClient        *client,
                        KsParams        *params,
                        const KsRequest *request)
{
  g_return_val_if_fail (KS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (params == NULL || KS_IS_PARAMS (params), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (request->request_id != NULL, NULL);

  return g_object_new (KS_TYPE_JOB,
                       "client", client,
                       "params", params,
                       "request", request,
                       NULL);
}

KsClient *
ks_job_get_client (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->client;
}

KsParams *
ks_job_get_params (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->params;
}

KsJobState
ks_job_get_state (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), KS_JOB_STATE_PENDING);
  return self->state;
}

const KsRequest *
ks_job_get_request (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->request;
}

const char *
ks_job_get_request_id (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->request ? self->request->request_id : NULL;
}

int
ks_job_get_queue_position (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), -1);
  return self->queue_position;
}

double
ks_job_get_elapsed (KsJob *self)
{
  gint64 end;

  g_return_val_if_fail (KS_IS_JOB (self), 0);

  if (self->start_time == 0)
    return 0;

  end = self->end_time != 0 ? self->end_time : g_get_monotonic_time ();

  return MAX (0, end - self->start_time) / (double) G_USEC_PER_SEC;
}

double
ks_job_get_inference_time (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), -1);
  return self->inference_time;
}

const char *
ks_job_get_seed (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->seed;
}

const char *
ks_job_get_returned_prompt (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->returned_prompt;
}

GListModel *
ks_job_get_images (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return G_LIST_MODEL (self->images);
}

const GError *
ks_job_get_error (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->error;
}

GPtrArray *
ks_job_get_field_errors (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->field_errors;
}

GPtrArray *
ks_job_get_logs (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->logs;
}

const KsResult *
ks_job_get_result (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->result;
}

const char *
ks_job_get_status_source (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->status_source;
}

void
ks_job_run_async (KsJob               *self,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_JOB (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_job_run_async);
  /* The job's state is the truth, whatever happened to the cancellable
   * after it ended. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->run_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The job is already running."));
      return;
    }

  if (ks_job_state_is_finished (self->state))
    {
      if (self->state == KS_JOB_STATE_COMPLETED)
        g_task_return_boolean (task, TRUE);
      else if (self->error != NULL)
        g_task_return_error (task, g_error_copy (self->error));
      else
        g_task_return_new_error (task, KS_ERROR, KS_ERROR_CANCELLED,
                                 _("The job was cancelled."));
      return;
    }

  if (self->request == NULL && self->params == NULL)
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                               _("The job has neither parameters nor a request to follow."));
      return;
    }

  self->run_task = g_steal_pointer (&task);

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (cancellable != NULL)
    {
      self->user_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->user_cancel_source,
                             G_SOURCE_FUNC (user_cancelled_cb), self, NULL);
      g_source_set_static_name (self->user_cancel_source, "[ks-job-cancel]");
      g_source_attach (self->user_cancel_source, self->context);
    }

  if (self->request != NULL)
    {
      /* Following an existing request: time counts from now. */
      job_start_clock (self);
      if (self->cancel_waiters->len > 0)
        job_send_cancel (self);
      job_follow_status (self);
    }
  else
    job_prepare (self);
}

gboolean
ks_job_run_finish (KsJob         *self,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (KS_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_job_cancel_async (KsJob               *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_JOB (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_job_cancel_async);

  self->cancel_requested = TRUE;

  if (self->request != NULL)
    {
      g_ptr_array_add (self->cancel_waiters, g_steal_pointer (&task));
      job_send_cancel (self);
      return;
    }

  if (ks_job_state_is_finished (self->state))
    {
      if (self->state == KS_JOB_STATE_CANCELLED)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_new_error (task, KS_ERROR, KS_ERROR_ALREADY_COMPLETED,
                                 _("The job ended before it reached the service: there is nothing to cancel."));
      return;
    }

  if (!job_is_running (self))
    {
      /* Never started: it never will. */
      self->state = KS_JOB_STATE_CANCELLED;
      g_clear_error (&self->error);
      self->error = g_error_new_literal (KS_ERROR, KS_ERROR_CANCELLED,
                                         _("The job was cancelled."));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->cancel_waiters, g_steal_pointer (&task));

  /* Preparing: nothing has reached the service, the submit is never sent.
   * Submitting: the cancel goes out as soon as the service names the
   * request. */
  if (self->state == KS_JOB_STATE_PREPARING)
    job_cancelled (self);
}

gboolean
ks_job_cancel_finish (KsJob         *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (KS_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
