#define G_LOG_DOMAIN "ks-recipe"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"
#include "ks-protocol.h"
#include "ks-record.h"
#include "ks-recipe-private.h"

#define RECIPE_MARKER     "kontext-studio-recipe"
#define RECIPE_VERSION    1
#define RECIPE_MAX_BYTES  (64 * 1024)
#define RECIPE_MAX_DEPTH  8
#define RECIPE_MAX_IMAGE  999

struct _KsRecipe
{
  GObject           parent_instance;

  const KsEndpoint *endpoint;
  char             *prompt;
  double            guidance_scale;
  int               num_images;
  char             *aspect_ratio;     /* NULL: unset */
  gboolean          has_seed;
  guint64           seed;
  char             *output_format;
  int               safety_tolerance;
  gboolean          enhance_prompt;
  char             *request_id;
  char             *parent_id;
  char             *record_id;
  guint             image_index;
};

G_DEFINE_FINAL_TYPE (KsRecipe, ks_recipe, G_TYPE_OBJECT)

static void
ks_recipe_finalize (GObject *object)
{
  KsRecipe *self = KS_RECIPE (object);

  g_clear_pointer (&self->prompt, g_free);
  g_clear_pointer (&self->aspect_ratio, g_free);
  g_clear_pointer (&self->output_format, g_free);
  g_clear_pointer (&self->request_id, g_free);
  g_clear_pointer (&self->parent_id, g_free);
  g_clear_pointer (&self->record_id, g_free);

  G_OBJECT_CLASS (ks_recipe_parent_class)->finalize (object);
}

static void
ks_recipe_class_init (KsRecipeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_recipe_finalize;
}

static void
ks_recipe_init (KsRecipe *self)
{
}

/* ---- from a record, to params --------------------------------------------- */

/**
 * ks_recipe_new_for_record:
 * @record: a record
 * @image_index: which of its images
 *
 * The seed is the one the result reported; the one asked for when the
 * result did not say.
 *
 * Returns: (transfer full): the recipe
 */
KsRecipe *
ks_recipe_new_for_record (KsRecord *record,
                          guint     image_index)
{
  KsRecipe *self;
  KsParams *params;
  const char *seed_text;
  guint64 seed;

  g_return_val_if_fail (KS_IS_RECORD (record), NULL);

  params = ks_record_get_params (record);
  g_return_val_if_fail (KS_IS_PARAMS (params), NULL);

  self = g_object_new (KS_TYPE_RECIPE, NULL);
  self->endpoint = ks_params_get_endpoint (params);
  self->prompt = g_strdup (ks_params_get_prompt (params));
  if (self->prompt == NULL)
    self->prompt = g_strdup ("");
  self->guidance_scale = ks_params_get_guidance_scale (params);
  self->num_images = ks_params_get_num_images (params);
  self->aspect_ratio = g_strdup (ks_params_get_aspect_ratio (params));
  self->output_format = g_strdup (ks_params_get_output_format (params));
  self->safety_tolerance = ks_params_get_safety_tolerance (params);
  self->enhance_prompt = ks_params_get_enhance_prompt (params);

  seed_text = ks_record_get_seed (record);
  if (seed_text != NULL &&
      g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed, NULL))
    {
      self->has_seed = TRUE;
      self->seed = seed;
    }
  else
    {
      self->has_seed = ks_params_get_seed (params, &self->seed);
    }

  self->request_id = g_strdup (ks_record_get_request_id (record));
  self->parent_id = g_strdup (ks_record_get_parent_id (record));
  self->record_id = g_strdup (ks_record_get_id (record));
  self->image_index = image_index;

  return self;
}

/**
 * ks_recipe_dup_params:
 * @self: a recipe
 *
 * Returns: (transfer full): new parameters for the recipe's endpoint,
 *   without references
 */
KsParams *
ks_recipe_dup_params (KsRecipe *self)
{
  KsParams *params;

  g_return_val_if_fail (KS_IS_RECIPE (self), NULL);

  params = ks_params_new (self->endpoint);
  ks_params_set_prompt (params, self->prompt);
  ks_params_set_guidance_scale (params, self->guidance_scale);
  ks_params_set_num_images (params, self->num_images);
  ks_params_set_aspect_ratio (params, self->aspect_ratio);
  if (self->has_seed)
    ks_params_set_seed (params, self->seed);
  else
    ks_params_unset_seed (params);
  if (self->output_format != NULL)
    ks_params_set_output_format (params, self->output_format);
  ks_params_set_safety_tolerance (params, self->safety_tolerance);
  ks_params_set_enhance_prompt (params, self->enhance_prompt);

  return params;
}

const char *
ks_recipe_get_request_id (KsRecipe *self)
{
  g_return_val_if_fail (KS_IS_RECIPE (self), NULL);

  return self->request_id;
}

const char *
ks_recipe_get_parent_id (KsRecipe *self)
{
  g_return_val_if_fail (KS_IS_RECIPE (self), NULL);

  return self->parent_id;
}

const char *
ks_recipe_get_record_id (KsRecipe *self)
{
  g_return_val_if_fail (KS_IS_RECIPE (self), NULL);

  return self->record_id;
}

guint
ks_recipe_get_image_index (KsRecipe *self)
{
  g_return_val_if_fail (KS_IS_RECIPE (self), 0);

  return self->image_index;
}

/* ---- JSON ------------------------------------------------------------------ */

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

/* Plain ASCII whatever the prompt holds: a PNG tEXt chunk is Latin-1 and a
 * JPEG comment has no encoding at all. Outside strings JSON is ASCII, so
 * only string contents change, into \u escapes (surrogate pairs beyond the
 * BMP). */
static char *
to_ascii (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x80)
        g_string_append_c (out, (char) c);
      else if (c < 0x10000)
        g_string_append_printf (out, "\\u%04x", c);
      else
        {
          c -= 0x10000;
          g_string_append_printf (out, "\\u%04x\\u%04x",
                                  0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
        }
    }

  return g_string_free (out, FALSE);
}

/**
 * ks_recipe_to_json:
 * @self: a recipe
 *
 * Returns: (transfer full): compact JSON, plain ASCII, the seed as a
 *   decimal string
 */
char *
ks_recipe_to_json (KsRecipe *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (KS_IS_RECIPE (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, RECIPE_MARKER);
  json_builder_add_int_value (builder, RECIPE_VERSION);
  add_string (builder, "endpoint", ks_endpoint_get_id (self->endpoint));
  add_string (builder, "prompt", self->prompt);
  if (self->has_seed)
    {
      g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, self->seed);

      add_string (builder, "seed", seed);
    }
  json_builder_set_member_name (builder, "guidance_scale");
  json_builder_add_double_value (builder, self->guidance_scale);
  json_builder_set_member_name (builder, "safety_tolerance");
  json_builder_add_int_value (builder, self->safety_tolerance);
  json_builder_set_member_name (builder, "aspect_ratio");
  if (self->aspect_ratio != NULL)
    json_builder_add_string_value (builder, self->aspect_ratio);
  else
    json_builder_add_null_value (builder);
  add_string (builder, "output_format", self->output_format);
  json_builder_set_member_name (builder, "num_images");
  json_builder_add_int_value (builder, self->num_images);
  json_builder_set_member_name (builder, "enhance_prompt");
  json_builder_add_boolean_value (builder, self->enhance_prompt);
  add_string (builder, "request_id", self->request_id);
  add_string (builder, "parent", self->parent_id);
  add_string (builder, "record", self->record_id);
  json_builder_set_member_name (builder, "image");
  json_builder_add_int_value (builder, self->image_index);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);

  return to_ascii (text);
}

static gboolean
damaged (GError     **error,
         const char  *member)
{
  g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
               _("The recipe in this image is damaged: “%s” does not hold a valid value."),
               member);
  return FALSE;
}

/* json-glib parses recursively: refuse deep nesting before it sees it. */
static gboolean
nesting_is_shallow (const char *json,
                    gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = json[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > RECIPE_MAX_DEPTH)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }

  return TRUE;
}

static gboolean
member_present (JsonObject *object,
                const char *member)
{
  return json_object_has_member (object, member);
}

/* An optional string member; NULL when absent or null. */
static gboolean
read_optional_string (JsonObject  *object,
                      const char  *member,
                      const char **out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  *out = ks_json_get_string_member (object, member);
  if (*out == NULL)
    return damaged (error, member);

  return TRUE;
}

static gboolean
read_optional_id (JsonObject  *object,
                  const char  *member,
                  char       **out,
                  GError     **error)
{
  const char *text;

  if (!read_optional_string (object, member, &text, error))
    return FALSE;
  /* Ids end up in file names and URLs: plain tokens only. */
  if (text != NULL && !ks_request_id_is_valid (text))
    return damaged (error, member);
  *out = g_strdup (text);

  return TRUE;
}

static gboolean
in_spec_range (const KsEndpoint *endpoint,
               const char       *name,
               double            value)
{
  const KsParamSpec *spec = ks_endpoint_get_param (endpoint, name);

  if (spec == NULL)
    return TRUE;

  return isfinite (value) && value >= spec->minimum && value <= spec->maximum;
}

static gboolean
is_spec_choice (const KsEndpoint *endpoint,
                const char       *name,
                const char       *value)
{
  const KsParamSpec *spec = ks_endpoint_get_param (endpoint, name);

  return spec == NULL || ks_param_spec_has_choice (spec, value);
}

static gboolean
read_object (KsRecipe    *self,
             JsonObject  *object,
             GError     **error)
{
  const char *text;
  gint64 integer;
  double number;
  guint64 seed;

  if (!ks_json_get_int_member (object, RECIPE_MARKER, &integer))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("This is not a Kontext Studio recipe."));
      return FALSE;
    }
  if (integer != RECIPE_VERSION)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("This recipe was written by a newer version of Kontext Studio. Update the app to use it."));
      return FALSE;
    }

  text = ks_json_get_string_member (object, "endpoint");
  if (text == NULL)
    return damaged (error, "endpoint");
  self->endpoint = ks_endpoint_lookup (text);
  if (self->endpoint == NULL)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("The recipe names the model “%s”, which this version of Kontext Studio does not know."),
                   text);
      return FALSE;
    }

  text = ks_json_get_string_member (object, "prompt");
  if (text == NULL)
    return damaged (error, "prompt");
  self->prompt = g_strdup (text);

  if (member_present (object, "seed"))
    {
      if (!ks_json_get_uint64_member (object, "seed", &seed))
        return damaged (error, "seed");
      self->has_seed = TRUE;
      self->seed = seed;
    }

  self->guidance_scale = 3.5;
  if (member_present (object, "guidance_scale"))
    {
      if (!ks_json_get_double_member (object, "guidance_scale", &number) ||
          !in_spec_range (self->endpoint, "guidance_scale", number))
        return damaged (error, "guidance_scale");
      self->guidance_scale = number;
    }

  self->safety_tolerance = 2;
  if (member_present (object, "safety_tolerance"))
    {
      char digits[24];

      if (!ks_json_get_int_member (object, "safety_tolerance", &integer))
        return damaged (error, "safety_tolerance");
      g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, integer);
      if (!is_spec_choice (self->endpoint, "safety_tolerance", digits))
        return damaged (error, "safety_tolerance");
      self->safety_tolerance = (int) integer;
    }

  if (!read_optional_string (object, "aspect_ratio", &text, error))
    return FALSE;
  if (text != NULL && !is_spec_choice (self->endpoint, "aspect_ratio", text))
    return damaged (error, "aspect_ratio");
  self->aspect_ratio = g_strdup (text);

  if (!read_optional_string (object, "output_format", &text, error))
    return FALSE;
  if (text != NULL && !is_spec_choice (self->endpoint, "output_format", text))
    return damaged (error, "output_format");
  self->output_format = g_strdup (text);

  self->num_images = 1;
  if (member_present (object, "num_images"))
    {
      if (!ks_json_get_int_member (object, "num_images", &integer) ||
          !in_spec_range (self->endpoint, "num_images", (double) integer))
        return damaged (error, "num_images");
      self->num_images = (int) integer;
    }

  if (member_present (object, "enhance_prompt") &&
      !ks_json_get_bool_member (object, "enhance_prompt", &self->enhance_prompt))
    return damaged (error, "enhance_prompt");

  if (!read_optional_id (object, "request_id", &self->request_id, error) ||
      !read_optional_id (object, "parent", &self->parent_id, error) ||
      !read_optional_id (object, "record", &self->record_id, error))
    return FALSE;

  if (member_present (object, "image"))
    {
      if (!ks_json_get_int_member (object, "image", &integer) ||
          integer < 0 || integer > RECIPE_MAX_IMAGE)
        return damaged (error, "image");
      self->image_index = (guint) integer;
    }

  return TRUE;
}

/**
 * ks_recipe_new_from_json:
 * @json: the recipe's text (outside data)
 * @length: its length in bytes, or -1 when nul-terminated
 * @error: return location for an error
 *
 * Returns: (transfer full): the recipe, or %NULL with
 *   %KS_ERROR_MALFORMED
 */
KsRecipe *
ks_recipe_new_from_json (const char  *json,
                         gssize       length,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(KsRecipe) self = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  gsize size;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  size = length < 0 ? strnlen (json, RECIPE_MAX_BYTES + 1) : (gsize) length;
  if (size > RECIPE_MAX_BYTES)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("The recipe in this image is damaged: it is larger than %d KiB."),
                   RECIPE_MAX_BYTES / 1024);
      return NULL;
    }
  if (size == 0 || !g_utf8_validate (json, size, NULL) || !nesting_is_shallow (json, size))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The recipe in this image is damaged: it is not valid JSON."));
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, size, &local_error))
    {
      /* json-glib quotes the text, escapes decoded: not always UTF-8. */
      g_autofree char *why = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("The recipe in this image is damaged: it is not valid JSON (%s)."), why);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("This is not a Kontext Studio recipe."));
      return NULL;
    }

  self = g_object_new (KS_TYPE_RECIPE, NULL);
  if (!read_object (self, json_node_get_object (root), error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
_ks_recipe_get_prompt (KsRecipe *self)
{
  g_assert (KS_IS_RECIPE (self));

  return self->prompt;
}
