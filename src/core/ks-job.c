#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-error.h"
#include "ks-job-private.h"
#include "ks-params.h"

const char *
ks_job_state_to_string (KsJobState state)
{
  switch (state)
    {
    case KS_JOB_STATE_PENDING:
      return "pending";
    case KS_JOB_STATE_WAITING:
      return "waiting";
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

/* ---- small setters ------------------------------------------------------- */

void
_ks_job_set_state (KsJob      *self,
                   KsJobState  state)
{
  if (self->state == state)
    return;

  g_debug ("Job %s: %s → %s",
           self->request ? self->request->request_id : "(not submitted)",
           ks_job_state_to_string (self->state),
           ks_job_state_to_string (state));

  self->state = state;
  /* The record first: whoever watches the job finds it up to date. */
  _ks_job_journal_state_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
_ks_job_set_queue_position (KsJob *self,
                            int    queue_position)
{
  if (self->queue_position == queue_position)
    return;

  self->queue_position = queue_position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_POSITION]);
}

void
_ks_job_set_inference_time (KsJob  *self,
                            double  inference_time)
{
  if (self->inference_time == inference_time)
    return;

  self->inference_time = inference_time;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INFERENCE_TIME]);
}

void
_ks_job_set_status_source (KsJob      *self,
                           const char *status_source)
{
  if (g_strcmp0 (self->status_source, status_source) == 0)
    return;

  self->status_source = status_source;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_SOURCE]);
}

void
_ks_job_set_field_errors (KsJob     *self,
                          GPtrArray *field_errors)
{
  if (field_errors == NULL || field_errors->len == 0)
    return;

  g_clear_pointer (&self->field_errors, g_ptr_array_unref);
  self->field_errors = g_ptr_array_ref (field_errors);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIELD_ERRORS]);
}

/* The submit reply named the request: keep it and tell request-known. */
void
_ks_job_set_request (KsJob           *self,
                     const KsRequest *request)
{
  g_clear_pointer (&self->request, ks_request_free);
  self->request = request ? ks_request_copy (request) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_ID]);
  g_signal_emit (self, signals[REQUEST_KNOWN], 0, self->request);
}

gboolean
_ks_job_is_running (KsJob *self)
{
  return self->run_task != NULL;
}

/* Keeps the result and what it tells: the seed, the prompt as the
 * service states it, and the inference time if no status gave it. */
void
_ks_job_take_result (KsJob    *self,
                     KsResult *result)
{
  g_clear_pointer (&self->result, ks_result_free);
  self->result = result;

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
    _ks_job_set_inference_time (self, self->result->inference_time);
}

/* Adds a log line unless it was seen already (same timestamp and
 * message). TRUE when it was new. */
gboolean
_ks_job_add_log (KsJob            *self,
                 const KsLogEntry *entry)
{
  char *key = g_strconcat (entry->timestamp ? entry->timestamp : "", "\n", entry->message, NULL);

  if (!g_hash_table_add (self->log_keys, key))
    return FALSE;

  g_ptr_array_add (self->logs, ks_log_entry_copy (entry));
  g_signal_emit (self, signals[LOG_ADDED], 0, entry);

  return TRUE;
}

void
_ks_job_add_image (KsJob      *self,
                   KsJobImage *image)
{
  g_list_store_append (self->images, image);
  g_signal_emit (self, signals[IMAGE_READY], 0, image);
}
/* ---- elapsed ------------------------------------------------------------- */

static gboolean
elapsed_tick_cb (gpointer user_data)
{
  KsJob *self = user_data;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);

  return G_SOURCE_CONTINUE;
}

void
_ks_job_start_clock (KsJob *self)
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

void
_ks_job_stop_clock (KsJob *self)
{
  if (self->start_time != 0 && self->end_time == 0)
    {
      self->end_time = g_get_monotonic_time ();
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
    }
}
void
_ks_job_remove_source (guint        *id,
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

/* Stops the timers and no longer watches the caller's cancellable. */
void
_ks_job_stop_sources (KsJob *self)
{
  if (self->context != NULL)
    {
      _ks_job_remove_source (&self->elapsed_source, self->context);
      _ks_job_remove_source (&self->poll_source, self->context);
    }
  if (self->user_cancel_source != NULL)
    {
      g_source_destroy (self->user_cancel_source);
      g_clear_pointer (&self->user_cancel_source, g_source_unref);
    }
}
/* ---- final states -------------------------------------------------------- */

/* Ends the run in the final @state; @error, if any, becomes the job's. */
static void
job_end (KsJob        *self,
         KsJobState    state,
         const GError *error)
{
  if (error != NULL)
    {
      g_clear_error (&self->error);
      self->error = g_error_copy (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  _ks_job_set_queue_position (self, -1);
  _ks_job_set_state (self, state);
  _ks_job_end_run (self, error);
}
void
_ks_job_fail (KsJob  *self,
              GError *error)
{
  g_autoptr(GError) owned = error;

  g_assert (error != NULL);

  if (!_ks_job_is_running (self))
    return;

  g_debug ("Job failed: %s", error->message);

  job_end (self, KS_JOB_STATE_FAILED, owned);
}

void
_ks_job_cancelled (KsJob *self)
{
  g_autoptr(GError) error = NULL;

  if (!_ks_job_is_running (self))
    return;

  error = g_error_new_literal (KS_ERROR, KS_ERROR_CANCELLED,
                               _("The job was cancelled."));
  job_end (self, KS_JOB_STATE_CANCELLED, error);
}

void
_ks_job_completed (KsJob *self)
{
  if (!_ks_job_is_running (self))
    return;

  job_end (self, KS_JOB_STATE_COMPLETED, NULL);
}

/* A job that never ran, cancelled: it is over without a run to end. */
void
_ks_job_cancel_unstarted (KsJob *self)
{
  self->state = KS_JOB_STATE_CANCELLED;
  g_clear_error (&self->error);
  self->error = g_error_new_literal (KS_ERROR, KS_ERROR_CANCELLED,
                                     _("The job was cancelled."));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  _ks_job_journal_end (self, self->error);
}

/* ---- GObject ------------------------------------------------------------ */

static void
ks_job_dispose (GObject *object)
{
  KsJob *self = (KsJob *)object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  _ks_job_stop_sources (self);
  _ks_job_stop_waiting (self);

  G_OBJECT_CLASS (ks_job_parent_class)->dispose (object);
}

static void
ks_job_finalize (GObject *object)
{
  KsJob *self = (KsJob *)object;

  _ks_job_clear_slots (self);

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
  _ks_job_journal_clear (self);

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
ks_job_set_library (KsJob     *self,
                    KsLibrary *library,
                    KsRecord  *record)
{
  g_return_if_fail (KS_IS_JOB (self));
  g_return_if_fail (library == NULL || KS_IS_LIBRARY (library));
  g_return_if_fail ((library == NULL) == (record == NULL));
  g_return_if_fail (record == NULL || KS_IS_RECORD (record));
  g_return_if_fail (!_ks_job_is_running (self));

  _ks_job_journal_attach (self, library, record);
}

KsLibrary *
ks_job_get_library (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->library;
}

KsRecord *
ks_job_get_record (KsJob *self)
{
  g_return_val_if_fail (KS_IS_JOB (self), NULL);
  return self->record;
}
