#define G_LOG_DOMAIN "ks-params"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-json.h"
#include "ks-params-private.h"

/* ---- JSON ----------------------------------------------------------------- */

/**
 * ks_params_to_request_body:
 * @image_urls: (nullable): the prepared references
 *
 * Returns: (transfer full): the JSON text to submit
 */
char *
ks_params_to_request_body (KsParams           *self,
                           const char * const *image_urls)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  const KsParamSpec *params;
  gboolean send_seed = FALSE;
  guint n_params;

  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  params = ks_endpoint_get_params (self->endpoint, &n_params);
  for (guint i = 0; i < n_params; i++)
    {
      const KsParamSpec *spec = &params[i];

      switch (spec->type)
        {
        case KS_PARAM_STRING:
          json_builder_set_member_name (builder, spec->name);
          json_builder_add_string_value (builder, self->prompt);
          break;

        case KS_PARAM_URL:
          if (image_urls != NULL && image_urls[0] != NULL)
            {
              json_builder_set_member_name (builder, spec->name);
              json_builder_add_string_value (builder, image_urls[0]);
            }
          break;

        case KS_PARAM_URL_LIST:
          if (image_urls != NULL)
            {
              json_builder_set_member_name (builder, spec->name);
              json_builder_begin_array (builder);
              for (guint j = 0; image_urls[j] != NULL; j++)
                json_builder_add_string_value (builder, image_urls[j]);
              json_builder_end_array (builder);
            }
          break;

        case KS_PARAM_NUMBER:
          json_builder_set_member_name (builder, spec->name);
          json_builder_add_double_value (builder, _ks_params_get_number_value (self, spec->name));
          break;

        case KS_PARAM_INTEGER:
          json_builder_set_member_name (builder, spec->name);
          json_builder_add_int_value (builder, (gint64) _ks_params_get_number_value (self, spec->name));
          break;

        case KS_PARAM_SEED:
          send_seed = self->has_seed;
          break;

        case KS_PARAM_BOOLEAN:
          json_builder_set_member_name (builder, spec->name);
          json_builder_add_boolean_value (builder, _ks_params_get_boolean_value (self, spec->name));
          break;

        case KS_PARAM_CHOICE:
          {
            g_autofree char *value = _ks_params_dup_choice_value (self, spec->name);

            if (value != NULL)
              {
                json_builder_set_member_name (builder, spec->name);
                json_builder_add_string_value (builder, value);
              }
          }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  /* The seed can be 2^63 or more, which json-glib cannot write. */
  if (send_seed)
    return ks_json_to_string_with_uint64 (root, "seed", self->seed, FALSE);

  generator = json_generator_new ();
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

/**
 * ks_params_to_json:
 *
 * Every parameter, the references as given, and the endpoint id. The seed
 * is a decimal string so that all 64 bits survive any JSON reader.
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
ks_params_to_json (KsParams *self)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "endpoint_id");
  json_builder_add_string_value (builder, ks_endpoint_get_id (self->endpoint));
  json_builder_set_member_name (builder, "prompt");
  json_builder_add_string_value (builder, self->prompt);
  json_builder_set_member_name (builder, "guidance_scale");
  json_builder_add_double_value (builder, self->guidance_scale);
  json_builder_set_member_name (builder, "num_images");
  json_builder_add_int_value (builder, self->num_images);
  if (self->aspect_ratio != NULL)
    {
      json_builder_set_member_name (builder, "aspect_ratio");
      json_builder_add_string_value (builder, self->aspect_ratio);
    }
  if (self->has_seed)
    {
      g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, self->seed);

      json_builder_set_member_name (builder, "seed");
      json_builder_add_string_value (builder, seed);
    }
  json_builder_set_member_name (builder, "output_format");
  json_builder_add_string_value (builder, self->output_format);
  json_builder_set_member_name (builder, "safety_tolerance");
  json_builder_add_int_value (builder, self->safety_tolerance);
  json_builder_set_member_name (builder, "enhance_prompt");
  json_builder_add_boolean_value (builder, self->enhance_prompt);
  json_builder_set_member_name (builder, "sync_mode");
  json_builder_add_boolean_value (builder, self->sync_mode);
  json_builder_set_member_name (builder, "references");
  json_builder_begin_array (builder);
  for (guint i = 0; self->references[i] != NULL; i++)
    json_builder_add_string_value (builder, self->references[i]);
  json_builder_end_array (builder);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
member_present (JsonObject *object,
                const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

/* A text member, in the shape of the ks_json_get_*_member() getters. */
static gboolean
get_text_member (JsonObject  *object,
                 const char  *member,
                 const char **out_text)
{
  *out_text = ks_json_get_string_member (object, member);

  return *out_text != NULL;
}

static gboolean
damaged (GError     **error,
         const char  *member,
         const char  *expected)
{
  g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
               _("The saved parameters are damaged: “%s” is not %s."), member, expected);
  return FALSE;
}

/**
 * ks_params_new_from_json:
 * @node: an object as written by ks_params_to_json()
 *
 * Missing members take the endpoint's defaults; a member of the wrong type
 * is KS_ERROR_MALFORMED, an unknown endpoint KS_ERROR_INVALID_PARAMS.
 * Values are not range-checked here: ks_params_check() reports them.
 *
 * Returns: (transfer full): the parameters, or %NULL with @error set
 */
KsParams *
ks_params_new_from_json (JsonNode  *node,
                         GError   **error)
{
  g_autoptr(KsParams) self = NULL;
  const KsEndpoint *endpoint;
  JsonObject *object;
  const char *text;
  double number;
  gint64 integer;
  guint64 seed;
  gboolean flag;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The saved parameters are damaged: they are not a JSON object."));
      return NULL;
    }
  object = json_node_get_object (node);

  text = ks_json_get_string_member (object, "endpoint_id");
  if (text == NULL)
    {
      damaged (error, "endpoint_id", _("a model name"));
      return NULL;
    }
  endpoint = ks_endpoint_lookup (text);
  if (endpoint == NULL)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                   _("Unknown model “%s”: this version of Kontext Studio does not know it."), text);
      return NULL;
    }

  self = ks_params_new (endpoint);

#define READ_MEMBER(member, getter, out, expected)              \
  if (member_present (object, member) && !getter (object, member, out)) \
    {                                                           \
      damaged (error, member, expected);                        \
      return NULL;                                              \
    }

  READ_MEMBER ("prompt", get_text_member, &text, _("text"));
  if (member_present (object, "prompt"))
    ks_params_set_prompt (self, text);

  READ_MEMBER ("guidance_scale", ks_json_get_double_member, &number, _("a number"));
  if (member_present (object, "guidance_scale"))
    ks_params_set_guidance_scale (self, number);

  READ_MEMBER ("num_images", ks_json_get_int_member, &integer, _("a whole number"));
  if (member_present (object, "num_images"))
    {
      if (integer < G_MININT || integer > G_MAXINT)
        {
          damaged (error, "num_images", _("a whole number"));
          return NULL;
        }
      ks_params_set_num_images (self, (int) integer);
    }

  READ_MEMBER ("aspect_ratio", get_text_member, &text, _("text"));
  ks_params_set_aspect_ratio (self, member_present (object, "aspect_ratio") ? text : NULL);

  READ_MEMBER ("seed", ks_json_get_uint64_member, &seed, _("a whole number"));
  if (member_present (object, "seed"))
    ks_params_set_seed (self, seed);

  READ_MEMBER ("output_format", get_text_member, &text, _("text"));
  if (member_present (object, "output_format"))
    ks_params_set_output_format (self, text);

  /* Written as a number; the string form fal uses is read as well. */
  if (member_present (object, "safety_tolerance"))
    {
      text = ks_json_get_string_member (object, "safety_tolerance");
      if (text != NULL)
        {
          if (!g_ascii_string_to_signed (text, 10, G_MININT, G_MAXINT, &integer, NULL))
            {
              damaged (error, "safety_tolerance", _("a whole number"));
              return NULL;
            }
        }
      else if (!ks_json_get_int_member (object, "safety_tolerance", &integer) ||
               integer < G_MININT || integer > G_MAXINT)
        {
          damaged (error, "safety_tolerance", _("a whole number"));
          return NULL;
        }
      ks_params_set_safety_tolerance (self, (int) integer);
    }

  READ_MEMBER ("enhance_prompt", ks_json_get_bool_member, &flag, _("true or false"));
  if (member_present (object, "enhance_prompt"))
    ks_params_set_enhance_prompt (self, flag);

  READ_MEMBER ("sync_mode", ks_json_get_bool_member, &flag, _("true or false"));
  if (member_present (object, "sync_mode"))
    ks_params_set_sync_mode (self, flag);

#undef READ_MEMBER

  if (member_present (object, "references"))
    {
      JsonArray *array = ks_json_get_array_member (object, "references");
      g_autoptr(GStrvBuilder) builder = NULL;
      g_auto(GStrv) references = NULL;
      guint n;

      if (array == NULL)
        {
          damaged (error, "references", _("a list"));
          return NULL;
        }

      builder = g_strv_builder_new ();
      n = json_array_get_length (array);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            {
              damaged (error, "references", _("a list of text"));
              return NULL;
            }
          g_strv_builder_add (builder, json_node_get_string (element));
        }
      references = g_strv_builder_end (builder);
      ks_params_set_references (self, (const char * const *) references);
    }

  return g_steal_pointer (&self);
}
