#define G_LOG_DOMAIN "ks-record"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-job.h"
#include "ks-params.h"
#include "ks-protocol.h"
#include "ks-record-private.h"

#define MAX_LOG_LINES 20

/* ---- state, for people ---------------------------------------------------- */

const char *
ks_record_state_describe (KsRecordState state)
{
  switch (state)
    {
    case KS_RECORD_STATE_WAITING:
      return _("Waiting for the network");
    case KS_RECORD_STATE_SUBMITTING:
      return _("Sending");
    case KS_RECORD_STATE_UNKNOWN:
      return _("Unknown — may have been billed");
    case KS_RECORD_STATE_IN_QUEUE:
      return _("In the queue");
    case KS_RECORD_STATE_IN_PROGRESS:
      return _("Generating");
    case KS_RECORD_STATE_DOWNLOADING:
      return _("Downloading the images");
    case KS_RECORD_STATE_COMPLETED:
      return _("Completed");
    case KS_RECORD_STATE_FAILED:
      return _("Failed");
    case KS_RECORD_STATE_CANCELLED:
      return _("Cancelled");
    case KS_RECORD_STATE_EXPIRED:
      return _("Expired on the server");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* ---- KsRecord ------------------------------------------------------------ */

G_DEFINE_FINAL_TYPE (KsRecord, ks_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_STATE,
  PROP_PARAMS,
  PROP_BASE_URL,
  PROP_SIMULATED,
  PROP_REQUEST,
  PROP_CREATED,
  PROP_SUBMITTED,
  PROP_FINISHED,
  PROP_UPDATED,
  PROP_SEED,
  PROP_INFERENCE_TIME,
  PROP_QUEUE_TIME,
  PROP_TOTAL_TIME,
  PROP_RETURNED_PROMPT,
  PROP_ERROR_CODE,
  PROP_ERROR_MESSAGE,
  PROP_LOGS_SUMMARY,
  PROP_N_LOGS,
  PROP_COST,
  PROP_PARENT_ID,
  PROP_PARENT_IMAGE,
  PROP_TRASHED,
  PROP_BATCH_ID,
  PROP_BATCH_LABEL,
  PROP_JOB,
  PROP_REFERENCES,
  PROP_IMAGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_record_dispose (GObject *object)
{
  KsRecord *self = KS_RECORD (object);

  g_clear_object (&self->job);
  g_clear_object (&self->params);

  G_OBJECT_CLASS (ks_record_parent_class)->dispose (object);
}

static void
ks_record_finalize (GObject *object)
{
  KsRecord *self = KS_RECORD (object);

  g_free (self->id);
  g_free (self->base_url);
  g_clear_pointer (&self->request, ks_request_free);
  g_free (self->seed);
  g_free (self->returned_prompt);
  g_free (self->error_code);
  g_free (self->error_message);
  g_free (self->logs_summary);
  g_free (self->parent_id);
  g_free (self->batch_id);
  g_free (self->batch_label);
  g_free (self->owner);
  g_clear_pointer (&self->references, g_ptr_array_unref);
  g_clear_pointer (&self->images, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_record_parent_class)->finalize (object);
}

static void
ks_record_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsRecord *self = KS_RECORD (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PARAMS:
      g_value_set_object (value, self->params);
      break;
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_SIMULATED:
      g_value_set_boolean (value, self->simulated);
      break;
    case PROP_REQUEST:
      g_value_set_boxed (value, self->request);
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;
    case PROP_SUBMITTED:
      g_value_set_int64 (value, self->submitted);
      break;
    case PROP_FINISHED:
      g_value_set_int64 (value, self->finished);
      break;
    case PROP_UPDATED:
      g_value_set_int64 (value, self->updated);
      break;
    case PROP_SEED:
      g_value_set_string (value, self->seed);
      break;
    case PROP_INFERENCE_TIME:
      g_value_set_double (value, self->inference_time);
      break;
    case PROP_QUEUE_TIME:
      g_value_set_double (value, self->queue_time);
      break;
    case PROP_TOTAL_TIME:
      g_value_set_double (value, self->total_time);
      break;
    case PROP_RETURNED_PROMPT:
      g_value_set_string (value, self->returned_prompt);
      break;
    case PROP_ERROR_CODE:
      g_value_set_string (value, self->error_code);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_LOGS_SUMMARY:
      g_value_set_string (value, self->logs_summary);
      break;
    case PROP_N_LOGS:
      g_value_set_uint (value, self->n_logs);
      break;
    case PROP_COST:
      g_value_set_uint64 (value, self->cost);
      break;
    case PROP_PARENT_ID:
      g_value_set_string (value, self->parent_id);
      break;
    case PROP_PARENT_IMAGE:
      g_value_set_uint (value, self->parent_image);
      break;
    case PROP_TRASHED:
      g_value_set_int64 (value, self->trashed);
      break;
    case PROP_BATCH_ID:
      g_value_set_string (value, self->batch_id);
      break;
    case PROP_BATCH_LABEL:
      g_value_set_string (value, self->batch_label);
      break;
    case PROP_JOB:
      g_value_set_object (value, self->job);
      break;
    case PROP_REFERENCES:
      g_value_set_boxed (value, self->references);
      break;
    case PROP_IMAGES:
      g_value_set_boxed (value, self->images);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_record_class_init (KsRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ks_record_dispose;
  object_class->finalize = ks_record_finalize;
  object_class->get_property = ks_record_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KS_TYPE_RECORD_STATE, KS_RECORD_STATE_WAITING, flags);
  properties[PROP_PARAMS] = g_param_spec_object ("params", NULL, NULL, KS_TYPE_PARAMS, flags);
  properties[PROP_BASE_URL] = g_param_spec_string ("base-url", NULL, NULL, NULL, flags);
  properties[PROP_SIMULATED] = g_param_spec_boolean ("simulated", NULL, NULL, FALSE, flags);
  properties[PROP_REQUEST] = g_param_spec_boxed ("request", NULL, NULL, KS_TYPE_REQUEST, flags);
  properties[PROP_CREATED] = g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SUBMITTED] = g_param_spec_int64 ("submitted", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FINISHED] = g_param_spec_int64 ("finished", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_UPDATED] = g_param_spec_int64 ("updated", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SEED] = g_param_spec_string ("seed", NULL, NULL, NULL, flags);
  properties[PROP_INFERENCE_TIME] =
    g_param_spec_double ("inference-time", NULL, NULL, -1, G_MAXDOUBLE, -1, flags);
  properties[PROP_QUEUE_TIME] =
    g_param_spec_double ("queue-time", NULL, NULL, -1, G_MAXDOUBLE, -1, flags);
  properties[PROP_TOTAL_TIME] =
    g_param_spec_double ("total-time", NULL, NULL, -1, G_MAXDOUBLE, -1, flags);
  properties[PROP_RETURNED_PROMPT] = g_param_spec_string ("returned-prompt", NULL, NULL, NULL, flags);
  properties[PROP_ERROR_CODE] = g_param_spec_string ("error-code", NULL, NULL, NULL, flags);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, flags);
  properties[PROP_LOGS_SUMMARY] = g_param_spec_string ("logs-summary", NULL, NULL, NULL, flags);
  properties[PROP_N_LOGS] = g_param_spec_uint ("n-logs", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_COST] = g_param_spec_uint64 ("cost", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_PARENT_ID] = g_param_spec_string ("parent-id", NULL, NULL, NULL, flags);
  properties[PROP_PARENT_IMAGE] = g_param_spec_uint ("parent-image", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_TRASHED] = g_param_spec_int64 ("trashed", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_BATCH_ID] = g_param_spec_string ("batch-id", NULL, NULL, NULL, flags);
  properties[PROP_BATCH_LABEL] = g_param_spec_string ("batch-label", NULL, NULL, NULL, flags);
  properties[PROP_JOB] = g_param_spec_object ("job", NULL, NULL, KS_TYPE_JOB, flags);
  properties[PROP_REFERENCES] =
    g_param_spec_boxed ("references", NULL, NULL, G_TYPE_PTR_ARRAY, flags);
  properties[PROP_IMAGES] = g_param_spec_boxed ("images", NULL, NULL, G_TYPE_PTR_ARRAY, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_record_init (KsRecord *self)
{
  self->state = KS_RECORD_STATE_WAITING;
  self->inference_time = -1;
  self->queue_time = -1;
  self->total_time = -1;
  self->references = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_record_reference_free);
  self->images = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_record_image_free);
}

KsRecord *
_ks_record_new_empty (void)
{
  return g_object_new (KS_TYPE_RECORD, NULL);
}

gboolean
_ks_record_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;

  len = strlen (id);
  if (len == 0 || len > 64)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (id[i]) && id[i] != '-')
        return FALSE;
    }

  return TRUE;
}

/**
 * ks_record_new:
 * @params: the parameters as they will be submitted (copied)
 * @base_url: the service it goes to
 * @simulated: sent to the built-in demo service
 *
 * Returns: (transfer full): a new record in state WAITING with a new id
 */
KsRecord *
ks_record_new (KsParams   *params,
               const char *base_url,
               gboolean    simulated)
{
  KsRecord *self;

  g_return_val_if_fail (KS_IS_PARAMS (params), NULL);
  g_return_val_if_fail (base_url != NULL, NULL);

  self = _ks_record_new_empty ();
  self->id = g_uuid_string_random ();
  self->params = ks_params_copy (params);
  self->base_url = g_strdup (base_url);
  self->simulated = !!simulated;
  self->created = g_get_real_time ();
  self->updated = self->created;
  self->cost = ks_params_get_cost (self->params);

  return self;
}

/* ---- getters ------------------------------------------------------------- */

#define RECORD_GETTER(type, name, fallback)              \
  type                                                   \
  ks_record_get_##name (KsRecord *self)                  \
  {                                                      \
    g_return_val_if_fail (KS_IS_RECORD (self), fallback); \
    return self->name;                                   \
  }

RECORD_GETTER (const char *, id, NULL)
RECORD_GETTER (KsRecordState, state, KS_RECORD_STATE_WAITING)
RECORD_GETTER (KsParams *, params, NULL)
RECORD_GETTER (const char *, base_url, NULL)
RECORD_GETTER (gboolean, simulated, FALSE)
RECORD_GETTER (const KsRequest *, request, NULL)
RECORD_GETTER (gint64, created, 0)
RECORD_GETTER (gint64, submitted, 0)
RECORD_GETTER (gint64, finished, 0)
RECORD_GETTER (gint64, updated, 0)
RECORD_GETTER (const char *, seed, NULL)
RECORD_GETTER (double, inference_time, -1)
RECORD_GETTER (double, queue_time, -1)
RECORD_GETTER (double, total_time, -1)
RECORD_GETTER (const char *, returned_prompt, NULL)
RECORD_GETTER (const char *, error_code, NULL)
RECORD_GETTER (const char *, error_message, NULL)
RECORD_GETTER (const char *, logs_summary, NULL)
RECORD_GETTER (guint, n_logs, 0)
RECORD_GETTER (guint64, cost, 0)
RECORD_GETTER (const char *, parent_id, NULL)
RECORD_GETTER (guint, parent_image, 0)
RECORD_GETTER (gint64, trashed, 0)
RECORD_GETTER (const char *, batch_id, NULL)
RECORD_GETTER (const char *, batch_label, NULL)
RECORD_GETTER (KsJob *, job, NULL)
RECORD_GETTER (GPtrArray *, references, NULL)
RECORD_GETTER (GPtrArray *, images, NULL)

#undef RECORD_GETTER

const char *
ks_record_get_request_id (KsRecord *self)
{
  g_return_val_if_fail (KS_IS_RECORD (self), NULL);

  return self->request != NULL ? self->request->request_id : NULL;
}

const KsRecordImage *
ks_record_get_image (KsRecord *self,
                     guint     index)
{
  g_return_val_if_fail (KS_IS_RECORD (self), NULL);

  for (guint i = 0; i < self->images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (self->images, i);

      if (image->index == index)
        return image;
    }

  return NULL;
}

const char *
ks_record_get_prompt (KsRecord *self)
{
  g_return_val_if_fail (KS_IS_RECORD (self), NULL);

  return self->params != NULL ? ks_params_get_prompt (self->params) : NULL;
}

/* ---- setters ------------------------------------------------------------- */

/* Every change: notify the property, then "updated". */
static void
changed (KsRecord *self,
         guint     prop_id)
{
  self->updated = MAX (g_get_real_time (), self->updated + 1);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_string (KsRecord    *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  changed (self, prop_id);
}

#define SET_SCALAR(field, value, prop_id)  \
  G_STMT_START {                           \
    if (self->field == (value))            \
      return;                              \
    self->field = (value);                 \
    changed (self, prop_id);               \
  } G_STMT_END

void
ks_record_set_state (KsRecord      *self,
                     KsRecordState  state)
{
  g_return_if_fail (KS_IS_RECORD (self));
  g_return_if_fail ((guint) state < (guint) KS_RECORD_STATE_EXPIRED + 1);

  SET_SCALAR (state, state, PROP_STATE);
}

static gboolean
request_equal (const KsRequest *a,
               const KsRequest *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return g_strcmp0 (a->endpoint_id, b->endpoint_id) == 0 &&
         g_strcmp0 (a->request_id, b->request_id) == 0 &&
         g_strcmp0 (a->status_url, b->status_url) == 0 &&
         g_strcmp0 (a->response_url, b->response_url) == 0 &&
         g_strcmp0 (a->cancel_url, b->cancel_url) == 0;
}

void
ks_record_set_request (KsRecord        *self,
                       const KsRequest *request)
{
  g_return_if_fail (KS_IS_RECORD (self));

  if (request_equal (self->request, request))
    return;

  g_clear_pointer (&self->request, ks_request_free);
  if (request != NULL)
    self->request = ks_request_copy (request);
  changed (self, PROP_REQUEST);
}

void
ks_record_set_submitted (KsRecord *self,
                         gint64    when)
{
  g_return_if_fail (KS_IS_RECORD (self));

  SET_SCALAR (submitted, when, PROP_SUBMITTED);
}

void
ks_record_set_finished (KsRecord *self,
                        gint64    when)
{
  g_return_if_fail (KS_IS_RECORD (self));

  SET_SCALAR (finished, when, PROP_FINISHED);
}

void
ks_record_set_seed (KsRecord   *self,
                    const char *seed)
{
  g_return_if_fail (KS_IS_RECORD (self));

  set_string (self, &self->seed, seed, PROP_SEED);
}

void
ks_record_set_inference_time (KsRecord *self,
                              double    seconds)
{
  g_return_if_fail (KS_IS_RECORD (self));

  SET_SCALAR (inference_time, seconds < 0 ? -1 : seconds, PROP_INFERENCE_TIME);
}

void
ks_record_set_queue_time (KsRecord *self,
                          double    seconds)
{
  g_return_if_fail (KS_IS_RECORD (self));

  SET_SCALAR (queue_time, seconds < 0 ? -1 : seconds, PROP_QUEUE_TIME);
}

void
ks_record_set_total_time (KsRecord *self,
                          double    seconds)
{
  g_return_if_fail (KS_IS_RECORD (self));

  SET_SCALAR (total_time, seconds < 0 ? -1 : seconds, PROP_TOTAL_TIME);
}

void
ks_record_set_returned_prompt (KsRecord   *self,
                               const char *prompt)
{
  g_return_if_fail (KS_IS_RECORD (self));

  set_string (self, &self->returned_prompt, prompt, PROP_RETURNED_PROMPT);
}

void
ks_record_set_error (KsRecord     *self,
                     const GError *error)
{
  const char *code = NULL;

  g_return_if_fail (KS_IS_RECORD (self));

  if (error != NULL)
    code = error->domain == KS_ERROR ? ks_error_code_nick (error->code) : "failed";

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->error_code, code, PROP_ERROR_CODE);
  set_string (self, &self->error_message, error != NULL ? error->message : NULL, PROP_ERROR_MESSAGE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
ks_record_set_logs (KsRecord  *self,
                    GPtrArray *logs)
{
  g_autoptr(GString) summary = NULL;
  guint n = logs != NULL ? logs->len : 0;
  guint first = n > MAX_LOG_LINES ? n - MAX_LOG_LINES : 0;

  g_return_if_fail (KS_IS_RECORD (self));

  if (n > 0)
    {
      summary = g_string_new (NULL);
      for (guint i = first; i < n; i++)
        {
          const KsLogEntry *entry = g_ptr_array_index (logs, i);

          if (entry->timestamp != NULL)
            g_string_append_printf (summary, "%s ", entry->timestamp);
          g_string_append (summary, entry->message != NULL ? entry->message : "");
          g_string_append_c (summary, '\n');
        }
      g_string_append_printf (summary,
                              g_dngettext (GETTEXT_PACKAGE, "%u log line in all",
                                           "%u log lines in all", n),
                              n);
    }

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->logs_summary, summary != NULL ? summary->str : NULL, PROP_LOGS_SUMMARY);
  if (self->n_logs != n)
    {
      self->n_logs = n;
      changed (self, PROP_N_LOGS);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
ks_record_set_parent (KsRecord   *self,
                      const char *parent_id,
                      guint       parent_image)
{
  g_return_if_fail (KS_IS_RECORD (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->parent_id, parent_id, PROP_PARENT_ID);
  if (self->parent_image != parent_image)
    {
      self->parent_image = parent_image;
      changed (self, PROP_PARENT_IMAGE);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
ks_record_set_trashed (KsRecord *self,
                       gint64    when)
{
  g_return_if_fail (KS_IS_RECORD (self));

  SET_SCALAR (trashed, when, PROP_TRASHED);
}

void
ks_record_set_batch (KsRecord   *self,
                     const char *batch_id,
                     const char *batch_label)
{
  g_return_if_fail (KS_IS_RECORD (self));
  g_return_if_fail (batch_id == NULL || _ks_record_id_is_valid (batch_id));
  g_return_if_fail (batch_id != NULL || batch_label == NULL);

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->batch_id, batch_id, PROP_BATCH_ID);
  set_string (self, &self->batch_label, batch_label, PROP_BATCH_LABEL);
  g_object_thaw_notify (G_OBJECT (self));
}

void
ks_record_set_job (KsRecord *self,
                   KsJob    *job)
{
  g_return_if_fail (KS_IS_RECORD (self));
  g_return_if_fail (job == NULL || KS_IS_JOB (job));

  if (g_set_object (&self->job, job))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOB]);
}

#undef SET_SCALAR

void
ks_record_take_references (KsRecord  *self,
                           GPtrArray *references)
{
  g_return_if_fail (KS_IS_RECORD (self));
  g_return_if_fail (references != NULL);

  g_ptr_array_set_free_func (references, (GDestroyNotify) ks_record_reference_free);
  g_ptr_array_unref (self->references);
  self->references = references;
  changed (self, PROP_REFERENCES);
}

static gboolean
image_equal (const KsRecordImage *a,
             const KsRecordImage *b)
{
  return a->index == b->index &&
         g_strcmp0 (a->url, b->url) == 0 &&
         g_strcmp0 (a->content_type, b->content_type) == 0 &&
         g_strcmp0 (a->file, b->file) == 0 &&
         a->width == b->width &&
         a->height == b->height &&
         !a->has_nsfw_concepts == !b->has_nsfw_concepts;
}

/* Puts @image (owned) in index order, replacing any entry with its index.
 * Returns FALSE when an equal entry was already there. */
static gboolean
put_image (KsRecord      *self,
           KsRecordImage *image)
{
  guint i;

  for (i = 0; i < self->images->len; i++)
    {
      KsRecordImage *old = g_ptr_array_index (self->images, i);

      if (old->index == image->index)
        {
          if (image_equal (old, image))
            {
              ks_record_image_free (image);
              return FALSE;
            }
          ks_record_image_free (g_ptr_array_steal_index (self->images, i));
          break;
        }
      if (old->index > image->index)
        break;
    }

  g_ptr_array_insert (self->images, i, image);

  return TRUE;
}

void
ks_record_set_image (KsRecord            *self,
                     const KsRecordImage *image)
{
  g_return_if_fail (KS_IS_RECORD (self));
  g_return_if_fail (image != NULL);

  if (put_image (self, ks_record_image_copy (image)))
    changed (self, PROP_IMAGES);
}

void
ks_record_set_result (KsRecord       *self,
                      const KsResult *result)
{
  gboolean images_changed = FALSE;

  g_return_if_fail (KS_IS_RECORD (self));
  g_return_if_fail (result != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  for (guint i = 0; result->images != NULL && i < result->images->len; i++)
    {
      const KsResultImage *announced = g_ptr_array_index (result->images, i);
      const KsRecordImage *known = ks_record_get_image (self, i);
      KsRecordImage *image;

      /* An image already written stays as it is. */
      if (known != NULL && known->file != NULL)
        continue;

      image = g_new0 (KsRecordImage, 1);
      image->index = i;
      image->url = g_strdup (announced->url);
      image->content_type = g_strdup (announced->content_type);
      image->width = announced->width;
      image->height = announced->height;
      image->has_nsfw_concepts = announced->has_nsfw_concepts;
      images_changed |= put_image (self, image);
    }
  if (images_changed)
    changed (self, PROP_IMAGES);

  if (result->has_seed)
    {
      g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, result->seed);

      ks_record_set_seed (self, seed);
    }
  if (result->inference_time >= 0)
    ks_record_set_inference_time (self, result->inference_time);
  if (result->prompt != NULL)
    ks_record_set_returned_prompt (self, result->prompt);

  g_object_thaw_notify (G_OBJECT (self));
}
