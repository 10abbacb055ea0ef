#define G_LOG_DOMAIN "ks-protocol"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"
#include "ks-protocol.h"

#define MAX_REQUEST_ID_LENGTH 128
#define MAX_IMAGE_SIDE        65536

G_DEFINE_BOXED_TYPE (KsRequest, ks_request, ks_request_copy, ks_request_free)
G_DEFINE_BOXED_TYPE (KsLogEntry, ks_log_entry, ks_log_entry_copy, ks_log_entry_free)
G_DEFINE_BOXED_TYPE (KsStatus, ks_status, ks_status_copy, ks_status_free)
G_DEFINE_BOXED_TYPE (KsResultImage, ks_result_image, ks_result_image_copy, ks_result_image_free)
G_DEFINE_BOXED_TYPE (KsResult, ks_result, ks_result_copy, ks_result_free)

/* ---- Helpers ------------------------------------------------------------ */

static gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static gboolean
is_plain_segment (const char *segment,
                  gsize       length)
{
  gsize i;

  if (length == 0 || length > MAX_REQUEST_ID_LENGTH)
    return FALSE;

  if ((length == 1 && segment[0] == '.') ||
      (length == 2 && segment[0] == '.' && segment[1] == '.'))
    return FALSE;

  for (i = 0; i < length; i++)
    if (!is_token_char (segment[i]))
      return FALSE;

  return TRUE;
}

gboolean
ks_request_id_is_valid (const char *request_id)
{
  if (request_id == NULL)
    return FALSE;

  return is_plain_segment (request_id, strlen (request_id)) &&
         strstr (request_id, "..") == NULL;
}

gboolean
ks_request_check_endpoint_id (const char  *endpoint_id,
                              GError     **error)
{
  g_auto(GStrv) parts = NULL;
  guint n;

  if (endpoint_id == NULL || strlen (endpoint_id) > 256)
    goto invalid;

  parts = g_strsplit (endpoint_id, "/", -1);
  n = g_strv_length (parts);
  if (n < 2)
    goto invalid;

  for (guint i = 0; i < n; i++)
    if (!is_plain_segment (parts[i], strlen (parts[i])) || strchr (parts[i], '~') != NULL)
      goto invalid;

  return TRUE;

invalid:
  g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
               _("“%s” is not a valid endpoint id; it looks like “fal-ai/flux-pro/kontext”."),
               endpoint_id != NULL ? endpoint_id : "");
  return FALSE;
}

gboolean
ks_base_url_is_fal (const char *base_url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;

  if (base_url == NULL)
    return FALSE;

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  path = g_uri_get_path (uri);

  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 &&
         g_uri_get_host (uri) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (uri), "queue.fal.run") == 0 &&
         (g_uri_get_port (uri) == -1 || g_uri_get_port (uri) == 443) &&
         g_uri_get_userinfo (uri) == NULL &&
         g_uri_get_query (uri) == NULL &&
         g_uri_get_fragment (uri) == NULL &&
         (path[0] == '\0' || strcmp (path, "/") == 0);
}

/* A URL named by fal's own queue: kept only when it is https on fal's queue
 * host, so that a reply can never send our key elsewhere. */
static gboolean
is_fal_queue_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL)
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 &&
         g_uri_get_host (uri) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (uri), "queue.fal.run") == 0 &&
         (g_uri_get_port (uri) == -1 || g_uri_get_port (uri) == 443) &&
         g_uri_get_userinfo (uri) == NULL &&
         g_uri_get_fragment (uri) == NULL;
}

static void
replace_string (char       **field,
                const char  *value)
{
  char *old = *field;

  *field = g_strdup (value);
  g_free (old);
}

static char *
strip_trailing_slashes (const char *base_url)
{
  char *base = g_strdup (base_url);
  gsize len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';

  return base;
}

/* The service's words as shown to people (and printed on terminals):
 * valid UTF-8, control characters other than line ends made spaces.
 * NULL stays NULL. */
static char *
printable_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (out, g_unichar_iscntrl (c) && c != '\n' ? ' ' : c);
    }

  return g_string_free (out, FALSE);
}

static gboolean
malformed (GError     **error,
           const char  *what,
           const char  *member)
{
  /* Translators: the first %s is the kind of reply ("status"), the second a JSON member name. */
  g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
               _("The service sent a %s reply that cannot be read: “%s” is missing or of the wrong type."),
               what, member);
  return FALSE;
}

/* A member that may be absent or null; otherwise it must be a string. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *member,
                     const char **out_value)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  *out_value = ks_json_get_string_member (object, member);

  return *out_value != NULL;
}

static gboolean
get_optional_double (JsonObject *object,
                     const char *member,
                     double     *out_value)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_value = -1;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  return ks_json_get_double_member (object, member, out_value);
}

static gboolean
get_optional_object (JsonObject  *object,
                     const char  *member,
                     JsonObject **out_value)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  *out_value = ks_json_get_object_member (object, member);

  return *out_value != NULL;
}

static gboolean
get_optional_array (JsonObject  *object,
                    const char  *member,
                    JsonArray  **out_value)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_value = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  *out_value = ks_json_get_array_member (object, member);

  return *out_value != NULL;
}

/* ---- Request -------------------------------------------------------------- */

KsRequest *
ks_request_new (const char *base_url,
                const char *endpoint_id,
                const char *request_id)
{
  g_autofree char *base = NULL;
  g_autofree char *root = NULL;
  KsRequest *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (ks_request_check_endpoint_id (endpoint_id, NULL), NULL);
  g_return_val_if_fail (ks_request_id_is_valid (request_id), NULL);

  base = strip_trailing_slashes (base_url);
  root = ks_endpoint_id_app_root (endpoint_id);
  g_return_val_if_fail (root != NULL, NULL);

  self = g_new0 (KsRequest, 1);
  self->endpoint_id = g_strdup (endpoint_id);
  self->request_id = g_strdup (request_id);
  self->response_url = g_strdup_printf ("%s/%s/requests/%s", base, root, request_id);
  self->status_url = g_strdup_printf ("%s/status", self->response_url);
  self->cancel_url = g_strdup_printf ("%s/cancel", self->response_url);

  return self;
}

KsRequest *
ks_request_copy (const KsRequest *self)
{
  KsRequest *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KsRequest, 1);
  copy->endpoint_id = g_strdup (self->endpoint_id);
  copy->request_id = g_strdup (self->request_id);
  copy->status_url = g_strdup (self->status_url);
  copy->response_url = g_strdup (self->response_url);
  copy->cancel_url = g_strdup (self->cancel_url);

  return copy;
}

void
ks_request_free (KsRequest *self)
{
  if (self == NULL)
    return;

  g_free (self->endpoint_id);
  g_free (self->request_id);
  g_free (self->status_url);
  g_free (self->response_url);
  g_free (self->cancel_url);
  g_free (self);
}

KsRequest *
ks_request_parse_submit (const char  *base_url,
                         const char  *endpoint_id,
                         JsonNode    *root,
                         int         *queue_position,
                         GError     **error)
{
  g_autoptr(KsRequest) request = NULL;
  JsonObject *object;
  const char *request_id;
  gint64 position = -1;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (queue_position != NULL)
    *queue_position = -1;

  if (!ks_request_check_endpoint_id (endpoint_id, error))
    return NULL;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent a submit reply that is not a JSON object."));
      return NULL;
    }

  object = json_node_get_object (root);
  request_id = ks_json_get_string_member (object, "request_id");
  if (request_id == NULL)
    {
      malformed (error, "submit", "request_id");
      return NULL;
    }

  if (!ks_request_id_is_valid (request_id))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent a request id that is not a plain token; it was not used."));
      return NULL;
    }

  if (json_object_has_member (object, "queue_position") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "queue_position")))
    {
      if (!ks_json_get_int_member (object, "queue_position", &position) ||
          position < 0 || position > G_MAXINT)
        {
          malformed (error, "submit", "queue_position");
          return NULL;
        }
    }

  request = ks_request_new (base_url, endpoint_id, request_id);
  g_assert (request != NULL);

  if (ks_base_url_is_fal (base_url))
    {
      const char *status_url = ks_json_get_string_member (object, "status_url");
      const char *response_url = ks_json_get_string_member (object, "response_url");
      const char *cancel_url = ks_json_get_string_member (object, "cancel_url");

      if (is_fal_queue_url (status_url))
        replace_string (&request->status_url, status_url);
      if (is_fal_queue_url (response_url))
        replace_string (&request->response_url, response_url);
      if (is_fal_queue_url (cancel_url))
        replace_string (&request->cancel_url, cancel_url);
    }

  if (queue_position != NULL)
    *queue_position = (int) position;

  return g_steal_pointer (&request);
}

/* ---- Log entries ------------------------------------------------------------ */

KsLogEntry *
ks_log_entry_new (const char *message,
                  const char *timestamp,
                  const char *level,
                  const char *source)
{
  KsLogEntry *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = g_new0 (KsLogEntry, 1);
  self->message = g_strdup (message);
  self->timestamp = g_strdup (timestamp);
  self->level = g_strdup (level);
  self->source = g_strdup (source);

  return self;
}

KsLogEntry *
ks_log_entry_copy (const KsLogEntry *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ks_log_entry_new (self->message, self->timestamp, self->level, self->source);
}

void
ks_log_entry_free (KsLogEntry *self)
{
  if (self == NULL)
    return;

  g_free (self->message);
  g_free (self->timestamp);
  g_free (self->level);
  g_free (self->source);
  g_free (self);
}

/* ---- Status ------------------------------------------------------------------ */

const char *
ks_queue_state_to_string (KsQueueState state)
{
  switch (state)
    {
    case KS_QUEUE_STATE_IN_QUEUE:
      return "IN_QUEUE";
    case KS_QUEUE_STATE_IN_PROGRESS:
      return "IN_PROGRESS";
    case KS_QUEUE_STATE_COMPLETED:
      return "COMPLETED";
    default:
      g_return_val_if_reached (NULL);
    }
}

static KsStatus *
ks_status_new (KsQueueState state)
{
  KsStatus *self = g_new0 (KsStatus, 1);

  self->state = state;
  self->queue_position = -1;
  self->inference_time = -1;
  self->logs = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_log_entry_free);

  return self;
}

static gboolean
parse_logs (JsonArray  *array,
            GPtrArray  *logs,
            GError    **error)
{
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *entry;
      const char *message;
      const char *timestamp;
      const char *level;
      const char *source;
      g_autofree char *shown = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return malformed (error, "status", "logs");

      entry = json_node_get_object (node);
      message = ks_json_get_string_member (entry, "message");
      if (message == NULL)
        return malformed (error, "status", "logs.message");
      if (!get_optional_string (entry, "timestamp", &timestamp))
        return malformed (error, "status", "logs.timestamp");
      if (!get_optional_string (entry, "level", &level))
        return malformed (error, "status", "logs.level");
      if (!get_optional_string (entry, "source", &source))
        return malformed (error, "status", "logs.source");

      /* Log lines are printed as they come: no escape sequences. */
      shown = printable_text (message);
      g_ptr_array_add (logs, ks_log_entry_new (shown, timestamp, level, source));
    }

  return TRUE;
}

KsStatus *
ks_status_parse (JsonNode  *root,
                 GError   **error)
{
  g_autoptr(KsStatus) status = NULL;
  JsonObject *object;
  JsonObject *metrics;
  JsonArray *logs;
  const char *state;
  const char *text;
  KsQueueState queue_state;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent a status reply that is not a JSON object."));
      return NULL;
    }

  object = json_node_get_object (root);
  state = ks_json_get_string_member (object, "status");
  if (state == NULL)
    {
      malformed (error, "status", "status");
      return NULL;
    }

  if (strcmp (state, "IN_QUEUE") == 0)
    queue_state = KS_QUEUE_STATE_IN_QUEUE;
  else if (strcmp (state, "IN_PROGRESS") == 0)
    queue_state = KS_QUEUE_STATE_IN_PROGRESS;
  else if (strcmp (state, "COMPLETED") == 0)
    queue_state = KS_QUEUE_STATE_COMPLETED;
  else
    {
      g_autofree char *shown = g_utf8_make_valid (state, MIN (strlen (state), 64));

      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("The service reported an unknown request state “%s”."), shown);
      return NULL;
    }

  status = ks_status_new (queue_state);

  if (json_object_has_member (object, "queue_position") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "queue_position")))
    {
      gint64 position;

      if (!ks_json_get_int_member (object, "queue_position", &position) ||
          position < 0 || position > G_MAXINT)
        {
          malformed (error, "status", "queue_position");
          return NULL;
        }
      status->queue_position = (int) position;
    }

  if (!get_optional_array (object, "logs", &logs))
    {
      malformed (error, "status", "logs");
      return NULL;
    }
  if (logs != NULL && !parse_logs (logs, status->logs, error))
    return NULL;

  if (!get_optional_object (object, "metrics", &metrics))
    {
      malformed (error, "status", "metrics");
      return NULL;
    }
  if (metrics != NULL && !get_optional_double (metrics, "inference_time", &status->inference_time))
    {
      malformed (error, "status", "metrics.inference_time");
      return NULL;
    }

  if (!get_optional_string (object, "error", &text))
    {
      malformed (error, "status", "error");
      return NULL;
    }
  status->error = printable_text (text);

  if (!get_optional_string (object, "error_type", &text))
    {
      malformed (error, "status", "error_type");
      return NULL;
    }
  status->error_type = g_strdup (text);

  return g_steal_pointer (&status);
}

KsStatus *
ks_status_copy (const KsStatus *self)
{
  KsStatus *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = ks_status_new (self->state);
  copy->queue_position = self->queue_position;
  copy->inference_time = self->inference_time;
  copy->error = g_strdup (self->error);
  copy->error_type = g_strdup (self->error_type);
  for (guint i = 0; i < self->logs->len; i++)
    g_ptr_array_add (copy->logs, ks_log_entry_copy (g_ptr_array_index (self->logs, i)));

  return copy;
}

void
ks_status_free (KsStatus *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->logs, g_ptr_array_unref);
  g_free (self->error);
  g_free (self->error_type);
  g_free (self);
}

/* ---- Result ------------------------------------------------------------------ */

KsResultImage *
ks_result_image_copy (const KsResultImage *self)
{
  KsResultImage *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KsResultImage, 1);
  copy->url = g_strdup (self->url);
  copy->width = self->width;
  copy->height = self->height;
  copy->content_type = g_strdup (self->content_type);
  copy->has_nsfw_concepts = self->has_nsfw_concepts;

  return copy;
}

void
ks_result_image_free (KsResultImage *self)
{
  if (self == NULL)
    return;

  g_free (self->url);
  g_free (self->content_type);
  g_free (self);
}

static gboolean
get_dimension (JsonObject *object,
               const char *member,
               int        *out_value)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 value;

  *out_value = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!ks_json_get_int_member (object, member, &value))
    {
      double d;

      /* 1024.5 is odd but a number: unknown, not broken. */
      return ks_json_get_double_member (object, member, &d);
    }

  if (value > 0 && value <= MAX_IMAGE_SIDE)
    *out_value = (int) value;
  else
    g_debug ("Ignoring an image %s of %" G_GINT64_FORMAT, member, value);

  return TRUE;
}

static KsResultImage *
parse_result_image (JsonNode  *node,
                    GError   **error)
{
  g_autoptr(KsResultImage) image = NULL;
  JsonObject *object;
  const char *url;
  const char *content_type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, "result", "images");
      return NULL;
    }

  object = json_node_get_object (node);
  url = ks_json_get_string_member (object, "url");
  if (url == NULL || url[0] == '\0')
    {
      malformed (error, "result", "images.url");
      return NULL;
    }

  image = g_new0 (KsResultImage, 1);
  image->url = g_strdup (url);

  if (!get_dimension (object, "width", &image->width))
    {
      malformed (error, "result", "images.width");
      return NULL;
    }
  if (!get_dimension (object, "height", &image->height))
    {
      malformed (error, "result", "images.height");
      return NULL;
    }
  if (!get_optional_string (object, "content_type", &content_type))
    {
      malformed (error, "result", "images.content_type");
      return NULL;
    }
  image->content_type = g_strdup (content_type);

  return g_steal_pointer (&image);
}

KsResult *
ks_result_parse (JsonNode  *root,
                 GError   **error)
{
  g_autoptr(KsResult) result = NULL;
  JsonObject *object;
  JsonObject *timings;
  JsonArray *images;
  JsonArray *nsfw;
  JsonNode *seed;
  const char *prompt;
  guint n_images;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The service sent a result that is not a JSON object."));
      return NULL;
    }

  object = json_node_get_object (root);
  images = ks_json_get_array_member (object, "images");
  if (images == NULL)
    {
      malformed (error, "result", "images");
      return NULL;
    }

  result = g_new0 (KsResult, 1);
  result->images = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_result_image_free);
  result->inference_time = -1;

  n_images = json_array_get_length (images);
  for (guint i = 0; i < n_images; i++)
    {
      KsResultImage *image = parse_result_image (json_array_get_element (images, i), error);

      if (image == NULL)
        return NULL;
      g_ptr_array_add (result->images, image);
    }

  if (!get_optional_array (object, "has_nsfw_concepts", &nsfw))
    {
      malformed (error, "result", "has_nsfw_concepts");
      return NULL;
    }
  if (nsfw != NULL)
    {
      guint n = json_array_get_length (nsfw);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *flag = json_array_get_element (nsfw, i);

          if (JSON_NODE_HOLDS_NULL (flag))
            continue;
          if (!JSON_NODE_HOLDS_VALUE (flag) || json_node_get_value_type (flag) != G_TYPE_BOOLEAN)
            {
              malformed (error, "result", "has_nsfw_concepts");
              return NULL;
            }
          if (i < result->images->len)
            {
              KsResultImage *image = g_ptr_array_index (result->images, i);

              image->has_nsfw_concepts = json_node_get_boolean (flag);
            }
        }
    }

  seed = json_object_get_member (object, "seed");
  if (seed != NULL && !JSON_NODE_HOLDS_NULL (seed))
    {
      /* Exact over the full 64 bits (json-glib wraps values above 2^63). */
      if (!ks_json_get_uint64_member (object, "seed", &result->seed))
        {
          malformed (error, "result", "seed");
          return NULL;
        }
      result->has_seed = TRUE;
    }

  if (!get_optional_string (object, "prompt", &prompt))
    {
      malformed (error, "result", "prompt");
      return NULL;
    }
  result->prompt = g_strdup (prompt);

  if (!get_optional_object (object, "timings", &timings))
    {
      malformed (error, "result", "timings");
      return NULL;
    }
  if (timings != NULL && !get_optional_double (timings, "inference", &result->inference_time))
    {
      malformed (error, "result", "timings.inference");
      return NULL;
    }

  result->raw = json_node_copy (root);

  return g_steal_pointer (&result);
}

KsResult *
ks_result_copy (const KsResult *self)
{
  KsResult *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KsResult, 1);
  copy->images = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_result_image_free);
  for (guint i = 0; i < self->images->len; i++)
    g_ptr_array_add (copy->images, ks_result_image_copy (g_ptr_array_index (self->images, i)));
  copy->has_seed = self->has_seed;
  copy->seed = self->seed;
  copy->prompt = g_strdup (self->prompt);
  copy->inference_time = self->inference_time;
  copy->raw = self->raw != NULL ? json_node_copy (self->raw) : NULL;

  return copy;
}

void
ks_result_free (KsResult *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->images, g_ptr_array_unref);
  g_free (self->prompt);
  g_clear_pointer (&self->raw, json_node_unref);
  g_free (self);
}

/* ---- Validation details -------------------------------------------------- */

/* A field error in the service's words, printable (see printable_text()). */
static KsFieldError *
printable_field_error (const char *field,
                       const char *message)
{
  g_autofree char *shown_field = printable_text (field);
  g_autofree char *shown_message = printable_text (message);

  return ks_field_error_new (shown_field, shown_message);
}

static char *
field_from_loc (JsonArray *loc)
{
  guint n = json_array_get_length (loc);
  GString *field = NULL;

  /* ["body", "guidance_scale"] → "guidance_scale";
   * ["body", "image_urls", 1] → "image_urls". */
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (loc, i);
      const char *part;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;

      part = json_node_get_string (node);
      if (i == 0 && (strcmp (part, "body") == 0 || strcmp (part, "query") == 0))
        continue;

      if (field == NULL)
        field = g_string_new (part);
      break;
    }

  return field != NULL ? g_string_free (field, FALSE) : NULL;
}

GPtrArray *
ks_parse_validation_detail (JsonNode *root,
                            gboolean *content_policy)
{
  GPtrArray *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_field_error_free);
  JsonNode *detail = root;

  if (content_policy != NULL)
    *content_policy = FALSE;

  if (root == NULL)
    return errors;

  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      const char *error_type = ks_json_get_string_member (object, "error_type");

      if (error_type != NULL && strcmp (error_type, "content_policy_violation") == 0 &&
          content_policy != NULL)
        *content_policy = TRUE;

      detail = json_object_get_member (object, "detail");
      if (detail == NULL)
        return errors;
    }

  if (JSON_NODE_HOLDS_VALUE (detail) && json_node_get_value_type (detail) == G_TYPE_STRING)
    {
      g_ptr_array_add (errors, printable_field_error (NULL, json_node_get_string (detail)));
      return errors;
    }

  if (JSON_NODE_HOLDS_ARRAY (detail))
    {
      JsonArray *array = json_node_get_array (detail);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          JsonObject *entry;
          JsonArray *loc;
          const char *msg;
          const char *type;
          g_autofree char *field = NULL;

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            {
              g_ptr_array_add (errors, printable_field_error (NULL, json_node_get_string (node)));
              continue;
            }
          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;

          entry = json_node_get_object (node);
          loc = ks_json_get_array_member (entry, "loc");
          msg = ks_json_get_string_member (entry, "msg");
          type = ks_json_get_string_member (entry, "type");

          if (type != NULL && strcmp (type, "content_policy_violation") == 0 &&
              content_policy != NULL)
            *content_policy = TRUE;

          if (loc != NULL)
            field = field_from_loc (loc);

          if (msg == NULL || msg[0] == '\0')
            {
              if (type != NULL && strcmp (type, "content_policy_violation") == 0)
                msg = _("The content policy does not allow this request.");
              else
                msg = _("The service did not accept this value.");
            }

          g_ptr_array_add (errors, printable_field_error (field, msg));
        }
    }

  return errors;
}
