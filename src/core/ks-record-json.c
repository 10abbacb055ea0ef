#define G_LOG_DOMAIN "ks-record"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"
#include "ks-protocol.h"
#include "ks-record-private.h"

#define RECORD_VERSION 1

/* ---- writing ------------------------------------------------------------- */

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *member,
         gint64       value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_int_value (builder, value);
}

/* Durations: absent when unknown. */
static void
add_seconds (JsonBuilder *builder,
             const char  *member,
             double       value)
{
  if (value < 0)
    return;

  json_builder_set_member_name (builder, member);
  json_builder_add_double_value (builder, value);
}

static void
add_bool (JsonBuilder *builder,
          const char  *member,
          gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

static void
add_request (JsonBuilder     *builder,
             const KsRequest *request)
{
  json_builder_set_member_name (builder, "request");
  json_builder_begin_object (builder);
  add_string (builder, "endpoint_id", request->endpoint_id);
  add_string (builder, "request_id", request->request_id);
  add_string (builder, "status_url", request->status_url);
  add_string (builder, "response_url", request->response_url);
  add_string (builder, "cancel_url", request->cancel_url);
  json_builder_end_object (builder);
}

static void
add_references (JsonBuilder *builder,
                GPtrArray   *references)
{
  json_builder_set_member_name (builder, "references");
  json_builder_begin_array (builder);
  for (guint i = 0; i < references->len; i++)
    {
      const KsRecordReference *reference = g_ptr_array_index (references, i);

      json_builder_begin_object (builder);
      add_string (builder, "source_name", reference->source_name);
      add_string (builder, "url", reference->url);
      add_string (builder, "sha256", reference->sha256);
      add_string (builder, "mime_type", reference->mime_type);
      add_string (builder, "file", reference->file);
      add_int (builder, "width", reference->width);
      add_int (builder, "height", reference->height);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_images (JsonBuilder *builder,
            GPtrArray   *images)
{
  json_builder_set_member_name (builder, "images");
  json_builder_begin_array (builder);
  for (guint i = 0; i < images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (images, i);

      json_builder_begin_object (builder);
      add_int (builder, "index", image->index);
      add_string (builder, "url", image->url);
      add_string (builder, "content_type", image->content_type);
      add_string (builder, "file", image->file);
      add_int (builder, "width", image->width);
      add_int (builder, "height", image->height);
      add_bool (builder, "has_nsfw_concepts", image->has_nsfw_concepts);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/**
 * ks_record_to_json:
 * @length: (out) (optional): the length of the text
 *
 * Returns: (transfer full): the record as stored, a JSON object
 */
char *
ks_record_to_json (KsRecord *self,
                   gsize    *length)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (KS_IS_RECORD (self), NULL);
  g_return_val_if_fail (self->params != NULL, NULL);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  add_int (builder, "version", RECORD_VERSION);
  add_string (builder, "id", self->id);
  add_string (builder, "state", ks_record_state_to_string (self->state));
  json_builder_set_member_name (builder, "params");
  json_builder_add_value (builder, ks_params_to_json (self->params));
  add_string (builder, "base_url", self->base_url);
  add_bool (builder, "simulated", self->simulated);
  if (self->request != NULL)
    add_request (builder, self->request);
  add_int (builder, "created", self->created);
  add_int (builder, "submitted", self->submitted);
  add_int (builder, "finished", self->finished);
  add_int (builder, "updated", self->updated);
  add_string (builder, "seed", self->seed);
  add_seconds (builder, "inference_time", self->inference_time);
  add_seconds (builder, "queue_time", self->queue_time);
  add_seconds (builder, "total_time", self->total_time);
  add_string (builder, "returned_prompt", self->returned_prompt);
  add_string (builder, "error_code", self->error_code);
  add_string (builder, "error_message", self->error_message);
  add_string (builder, "logs_summary", self->logs_summary);
  add_int (builder, "n_logs", self->n_logs);
  /* Prices are far below 2^63 microdollars. */
  add_int (builder, "cost", (gint64) MIN (self->cost, (guint64) G_MAXINT64));
  add_string (builder, "parent_id", self->parent_id);
  if (self->parent_id != NULL)
    add_int (builder, "parent_image", self->parent_image);
  add_int (builder, "trashed", self->trashed);
  add_string (builder, "batch_id", self->batch_id);
  add_string (builder, "batch_label", self->batch_label);
  add_string (builder, "owner", self->owner);
  add_references (builder, self->references);
  add_images (builder, self->images);

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, length);
}

/* ---- reading ------------------------------------------------------------- */

typedef enum
{
  MEMBER_STRING,    /* char *: any text */
  MEMBER_DIGITS,    /* char *: decimal digits that fit 64 bits (a seed) */
  MEMBER_URL,       /* char *: an absolute http(s) URL */
  MEMBER_PATH,      /* char *: a path relative to the library, under the given folder */
  MEMBER_TIME,      /* gint64: ≥ 0 */
  MEMBER_UINT,      /* guint: ≥ 0 */
  MEMBER_UINT64,    /* guint64 */
  MEMBER_INT,       /* int: ≥ 0 (image sizes) */
  MEMBER_SECONDS,   /* double: ≥ 0 */
  MEMBER_BOOL,      /* gboolean */
} MemberType;

static gboolean
damaged (GError     **error,
         const char  *where,
         const char  *member,
         const char  *expected)
{
  g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
               _("A saved record is damaged: “%s%s%s” is not %s."),
               where != NULL ? where : "", where != NULL ? "." : "", member, expected);
  return FALSE;
}

static gboolean
path_is_safe (const char *path,
              const char *folder)
{
  g_auto(GStrv) parts = NULL;

  if (path[0] == '\0' || path[0] == '/' || strchr (path, '\\') != NULL ||
      !g_str_has_prefix (path, folder) || path[strlen (folder)] != '/')
    return FALSE;

  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
        return FALSE;
    }

  return TRUE;
}

static gboolean
url_is_web (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  const char *scheme;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);

  return g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0;
}

/* Reads @member of @object into @out by @type. An absent or null member
 * leaves @out as it is, unless @required. @folder is for MEMBER_PATH. */
static gboolean
read_member (JsonObject  *object,
             const char  *where,
             const char  *member,
             MemberType   type,
             gboolean     required,
             const char  *folder,
             gpointer     out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *text = NULL;
  gint64 integer = 0;
  double number = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return required ? damaged (error, where, member, _("present")) : TRUE;

  switch (type)
    {
    case MEMBER_STRING:
    case MEMBER_DIGITS:
    case MEMBER_URL:
    case MEMBER_PATH:
      text = ks_json_get_string_member (object, member);
      if (text == NULL)
        return damaged (error, where, member, _("text"));
      if (type == MEMBER_DIGITS &&
          !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, NULL, NULL))
        return damaged (error, where, member, _("a number in decimal digits"));
      if (type == MEMBER_URL && !url_is_web (text))
        return damaged (error, where, member, _("a web address"));
      if (type == MEMBER_PATH && !path_is_safe (text, folder))
        return damaged (error, where, member, _("a file inside the library"));
      g_free (*(char **) out);
      *(char **) out = g_strdup (text);
      return TRUE;

    case MEMBER_TIME:
    case MEMBER_UINT:
    case MEMBER_UINT64:
    case MEMBER_INT:
      if (!ks_json_get_int_member (object, member, &integer) || integer < 0)
        return damaged (error, where, member, _("a whole number of at least 0"));
      if (type == MEMBER_TIME)
        *(gint64 *) out = integer;
      else if (type == MEMBER_UINT64)
        *(guint64 *) out = (guint64) integer;
      else if (integer > G_MAXINT)
        return damaged (error, where, member, _("a number in range"));
      else if (type == MEMBER_UINT)
        *(guint *) out = (guint) integer;
      else
        *(int *) out = (int) integer;
      return TRUE;

    case MEMBER_SECONDS:
      if (!ks_json_get_double_member (object, member, &number) || number < 0)
        return damaged (error, where, member, _("a number of seconds"));
      *(double *) out = number;
      return TRUE;

    case MEMBER_BOOL:
      if (!ks_json_get_bool_member (object, member, (gboolean *) out))
        return damaged (error, where, member, _("true or false"));
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* The array member @member: NULL (and no error) when absent. */
static JsonArray *
read_array (JsonObject  *object,
            const char  *member,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      damaged (error, NULL, member, _("a list"));
      return NULL;
    }

  return json_node_get_array (node);
}

static JsonObject *
array_object (JsonArray   *array,
              guint        i,
              const char  *member,
              GError     **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      damaged (error, NULL, member, _("a list of objects"));
      return NULL;
    }

  return json_node_get_object (node);
}

/* Moves *@url into *@field when it is on the same scheme, host and port as
 * @base_url; an absent *@url keeps *@field. */
static gboolean
take_url_on_host (char       **field,
                  char       **url,
                  const char  *base_url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) base = NULL;

  if (*url == NULL)
    return TRUE;

  uri = g_uri_parse (*url, G_URI_FLAGS_NONE, NULL);
  base = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || base == NULL ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (base) == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (uri), g_uri_get_scheme (base)) != 0 ||
      g_ascii_strcasecmp (g_uri_get_host (uri), g_uri_get_host (base)) != 0 ||
      g_uri_get_port (uri) != g_uri_get_port (base))
    return FALSE;

  g_free (*field);
  *field = g_steal_pointer (url);

  return TRUE;
}

static gboolean
read_request (KsRecord    *self,
              JsonObject  *root,
              GError     **error)
{
  g_autoptr(KsRequest) request = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *endpoint_id = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *status_url = NULL;
  g_autofree char *response_url = NULL;
  g_autofree char *cancel_url = NULL;
  JsonNode *node = json_object_get_member (root, "request");
  JsonObject *object;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return damaged (error, NULL, "request", _("an object"));
  object = json_node_get_object (node);

  if (!read_member (object, "request", "endpoint_id", MEMBER_STRING, TRUE, NULL, &endpoint_id, error) ||
      !read_member (object, "request", "request_id", MEMBER_STRING, TRUE, NULL, &request_id, error) ||
      !read_member (object, "request", "status_url", MEMBER_URL, FALSE, NULL, &status_url, error) ||
      !read_member (object, "request", "response_url", MEMBER_URL, FALSE, NULL, &response_url, error) ||
      !read_member (object, "request", "cancel_url", MEMBER_URL, FALSE, NULL, &cancel_url, error))
    return FALSE;

  if (!ks_request_check_endpoint_id (endpoint_id, &local_error))
    return damaged (error, "request", "endpoint_id", _("a model name"));
  if (!ks_request_id_is_valid (request_id))
    return damaged (error, "request", "request_id", _("a request id"));

  /* URLs missing from an older record are rebuilt by the app-id rule. */
  request = ks_request_new (self->base_url, endpoint_id, request_id);
  if (request == NULL)
    return damaged (error, "request", "request_id", _("a request id"));
  /* The key goes with every request to these: never to another host. */
  if (!take_url_on_host (&request->status_url, &status_url, self->base_url))
    return damaged (error, "request", "status_url", _("a web address of the service"));
  if (!take_url_on_host (&request->response_url, &response_url, self->base_url))
    return damaged (error, "request", "response_url", _("a web address of the service"));
  if (!take_url_on_host (&request->cancel_url, &cancel_url, self->base_url))
    return damaged (error, "request", "cancel_url", _("a web address of the service"));

  self->request = g_steal_pointer (&request);

  return TRUE;
}

static gboolean
read_references (KsRecord    *self,
                 JsonObject  *root,
                 GError     **error)
{
  JsonArray *array = read_array (root, "references", error);

  if (array == NULL)
    return error == NULL || *error == NULL;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(KsRecordReference) reference = g_new0 (KsRecordReference, 1);
      JsonObject *object = array_object (array, i, "references", error);

      if (object == NULL ||
          !read_member (object, "references", "source_name", MEMBER_STRING, FALSE, NULL, &reference->source_name, error) ||
          !read_member (object, "references", "url", MEMBER_URL, FALSE, NULL, &reference->url, error) ||
          !read_member (object, "references", "sha256", MEMBER_STRING, FALSE, NULL, &reference->sha256, error) ||
          !read_member (object, "references", "mime_type", MEMBER_STRING, FALSE, NULL, &reference->mime_type, error) ||
          !read_member (object, "references", "file", MEMBER_PATH, FALSE, "references", &reference->file, error) ||
          !read_member (object, "references", "width", MEMBER_INT, FALSE, NULL, &reference->width, error) ||
          !read_member (object, "references", "height", MEMBER_INT, FALSE, NULL, &reference->height, error))
        return FALSE;

      if (reference->url == NULL && reference->file == NULL)
        return damaged (error, "references", "file", _("present (nor is “url”)"));

      g_ptr_array_add (self->references, g_steal_pointer (&reference));
    }

  return TRUE;
}

static int
compare_images (gconstpointer a,
                gconstpointer b)
{
  const KsRecordImage *image_a = *(const KsRecordImage * const *) a;
  const KsRecordImage *image_b = *(const KsRecordImage * const *) b;

  return image_a->index < image_b->index ? -1 : image_a->index > image_b->index;
}

static gboolean
read_images (KsRecord    *self,
             JsonObject  *root,
             GError     **error)
{
  JsonArray *array = read_array (root, "images", error);

  if (array == NULL)
    return error == NULL || *error == NULL;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(KsRecordImage) image = g_new0 (KsRecordImage, 1);
      JsonObject *object = array_object (array, i, "images", error);

      if (object == NULL ||
          !read_member (object, "images", "index", MEMBER_UINT, TRUE, NULL, &image->index, error) ||
          !read_member (object, "images", "url", MEMBER_STRING, FALSE, NULL, &image->url, error) ||
          !read_member (object, "images", "content_type", MEMBER_STRING, FALSE, NULL, &image->content_type, error) ||
          !read_member (object, "images", "file", MEMBER_PATH, FALSE, "images", &image->file, error) ||
          !read_member (object, "images", "width", MEMBER_INT, FALSE, NULL, &image->width, error) ||
          !read_member (object, "images", "height", MEMBER_INT, FALSE, NULL, &image->height, error) ||
          !read_member (object, "images", "has_nsfw_concepts", MEMBER_BOOL, FALSE, NULL, &image->has_nsfw_concepts, error))
        return FALSE;

      if (ks_record_get_image (self, image->index) != NULL)
        return damaged (error, "images", "index", _("different for every image"));

      g_ptr_array_add (self->images, g_steal_pointer (&image));
    }

  g_ptr_array_sort (self->images, compare_images);

  return TRUE;
}

static gboolean
read_record (KsRecord    *self,
             JsonObject  *root,
             GError     **error)
{
  g_autoptr(GError) params_error = NULL;
  g_autofree char *state = NULL;
  gint64 version = 0;
  JsonNode *params;

  if (!read_member (root, NULL, "version", MEMBER_TIME, TRUE, NULL, &version, error))
    return FALSE;
  if (version != RECORD_VERSION)
    {
      /* Formatted apart: gettext cannot read a format macro in a message. */
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, version);

      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("A saved record has version %s, which this version of "
                     "Kontext Studio cannot read. Update Kontext Studio to see it."), number);
      return FALSE;
    }

  if (!read_member (root, NULL, "id", MEMBER_STRING, TRUE, NULL, &self->id, error))
    return FALSE;
  if (!_ks_record_id_is_valid (self->id))
    return damaged (error, NULL, "id", _("a record id"));

  if (!read_member (root, NULL, "state", MEMBER_STRING, TRUE, NULL, &state, error))
    return FALSE;
  if (!ks_record_state_from_string (state, &self->state))
    return damaged (error, NULL, "state", _("a known state"));

  params = json_object_get_member (root, "params");
  if (params == NULL || !JSON_NODE_HOLDS_OBJECT (params))
    return damaged (error, NULL, "params", _("an object"));
  self->params = ks_params_new_from_json (params, &params_error);
  if (self->params == NULL)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("A saved record is damaged: “params” cannot be read (%s)"),
                   params_error->message);
      return FALSE;
    }

  if (!read_member (root, NULL, "base_url", MEMBER_URL, TRUE, NULL, &self->base_url, error) ||
      !read_member (root, NULL, "simulated", MEMBER_BOOL, FALSE, NULL, &self->simulated, error) ||
      !read_request (self, root, error) ||
      !read_member (root, NULL, "created", MEMBER_TIME, TRUE, NULL, &self->created, error) ||
      !read_member (root, NULL, "submitted", MEMBER_TIME, FALSE, NULL, &self->submitted, error) ||
      !read_member (root, NULL, "finished", MEMBER_TIME, FALSE, NULL, &self->finished, error) ||
      !read_member (root, NULL, "updated", MEMBER_TIME, FALSE, NULL, &self->updated, error) ||
      !read_member (root, NULL, "seed", MEMBER_DIGITS, FALSE, NULL, &self->seed, error) ||
      !read_member (root, NULL, "inference_time", MEMBER_SECONDS, FALSE, NULL, &self->inference_time, error) ||
      !read_member (root, NULL, "queue_time", MEMBER_SECONDS, FALSE, NULL, &self->queue_time, error) ||
      !read_member (root, NULL, "total_time", MEMBER_SECONDS, FALSE, NULL, &self->total_time, error) ||
      !read_member (root, NULL, "returned_prompt", MEMBER_STRING, FALSE, NULL, &self->returned_prompt, error) ||
      !read_member (root, NULL, "error_code", MEMBER_STRING, FALSE, NULL, &self->error_code, error) ||
      !read_member (root, NULL, "error_message", MEMBER_STRING, FALSE, NULL, &self->error_message, error) ||
      !read_member (root, NULL, "logs_summary", MEMBER_STRING, FALSE, NULL, &self->logs_summary, error) ||
      !read_member (root, NULL, "n_logs", MEMBER_UINT, FALSE, NULL, &self->n_logs, error) ||
      !read_member (root, NULL, "cost", MEMBER_UINT64, FALSE, NULL, &self->cost, error) ||
      !read_member (root, NULL, "parent_id", MEMBER_STRING, FALSE, NULL, &self->parent_id, error) ||
      !read_member (root, NULL, "parent_image", MEMBER_UINT, FALSE, NULL, &self->parent_image, error) ||
      !read_member (root, NULL, "trashed", MEMBER_TIME, FALSE, NULL, &self->trashed, error) ||
      !read_member (root, NULL, "batch_id", MEMBER_STRING, FALSE, NULL, &self->batch_id, error) ||
      !read_member (root, NULL, "batch_label", MEMBER_STRING, FALSE, NULL, &self->batch_label, error) ||
      !read_member (root, NULL, "owner", MEMBER_STRING, FALSE, NULL, &self->owner, error) ||
      !read_references (self, root, error) ||
      !read_images (self, root, error))
    return FALSE;

  if (self->parent_id != NULL && !_ks_record_id_is_valid (self->parent_id))
    return damaged (error, NULL, "parent_id", _("a record id"));
  if (self->batch_id != NULL && !_ks_record_id_is_valid (self->batch_id))
    return damaged (error, NULL, "batch_id", _("a batch id"));
  /* A label names a record of a batch; alone it means nothing. */
  if (self->batch_id == NULL)
    g_clear_pointer (&self->batch_label, g_free);
  /* It names a lock file: anything but an id is no owner (a job is never
   * set aside for that). */
  if (self->owner != NULL && !g_uuid_string_is_valid (self->owner))
    g_clear_pointer (&self->owner, g_free);

  return TRUE;
}

/**
 * ks_record_new_from_json:
 * @data: the text of a stored record
 * @length: its length, or -1 when nul-terminated
 *
 * Returns: (transfer full): the record, or %NULL with @error set
 *   (KS_ERROR_MALFORMED)
 */
KsRecord *
ks_record_new_from_json (const char  *data,
                         gsize        length,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(KsRecord) self = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length == (gsize) -1)
    length = strlen (data);

  if (length == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("A saved record is empty."));
      return NULL;
    }

  if (!ks_json_nesting_is_shallow (data, length) ||
      !json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_autofree char *why = g_utf8_make_valid (local_error != NULL ? local_error->message
                                                                    : _("nested too deeply"), -1);

      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("A saved record is not valid JSON (%s)."), why);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("A saved record is damaged: it is not a JSON object."));
      return NULL;
    }

  self = _ks_record_new_empty ();
  if (!read_record (self, json_node_get_object (root), error))
    return NULL;

  return g_steal_pointer (&self);
}
