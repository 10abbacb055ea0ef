#define G_LOG_DOMAIN "ks-params"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ks-params-private.h"

/* ---- KsFieldError ------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (KsFieldError, ks_field_error, ks_field_error_copy, ks_field_error_free)

KsFieldError *
ks_field_error_new (const char *field,
                    const char *message)
{
  KsFieldError *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = g_new0 (KsFieldError, 1);
  self->field = g_strdup (field);
  self->message = g_strdup (message);

  return self;
}

KsFieldError *
ks_field_error_copy (const KsFieldError *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ks_field_error_new (self->field, self->message);
}

void
ks_field_error_free (KsFieldError *self)
{
  if (self == NULL)
    return;

  g_free (self->field);
  g_free (self->message);
  g_free (self);
}

/* ---- KsParams ----------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (KsParams, ks_params, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENDPOINT_ID,
  PROP_PROMPT,
  PROP_GUIDANCE_SCALE,
  PROP_NUM_IMAGES,
  PROP_ASPECT_RATIO,
  PROP_SEED,
  PROP_OUTPUT_FORMAT,
  PROP_SAFETY_TOLERANCE,
  PROP_ENHANCE_PROMPT,
  PROP_SYNC_MODE,
  PROP_REFERENCES,
  PROP_COST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_ENDPOINT_ID "fal-ai/flux-pro/kontext"
static const char *
endpoint_default (const KsEndpoint *endpoint,
                  const char       *name)
{
  const KsParamSpec *spec = ks_endpoint_get_param (endpoint, name);

  return spec != NULL ? spec->default_value : NULL;
}

/* The schema's defaults are text; every one of them must parse. */
static void
apply_defaults (KsParams *self)
{
  guint n_params;
  const KsParamSpec *params = ks_endpoint_get_params (self->endpoint, &n_params);

  for (guint i = 0; i < n_params; i++)
    {
      g_autoptr(GError) error = NULL;

      if (params[i].default_value == NULL)
        continue;

      if (!ks_params_set_from_string (self, params[i].name, params[i].default_value, &error))
        g_critical ("Default of %s does not parse: %s", params[i].name, error->message);
    }
}

static void
ks_params_finalize (GObject *object)
{
  KsParams *self = (KsParams *) object;

  g_clear_pointer (&self->prompt, g_free);
  g_clear_pointer (&self->aspect_ratio, g_free);
  g_clear_pointer (&self->output_format, g_free);
  g_clear_pointer (&self->references, g_strfreev);

  G_OBJECT_CLASS (ks_params_parent_class)->finalize (object);
}

static void
ks_params_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsParams *self = KS_PARAMS (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT_ID:
      g_value_set_string (value, ks_endpoint_get_id (self->endpoint));
      break;

    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;

    case PROP_GUIDANCE_SCALE:
      g_value_set_double (value, self->guidance_scale);
      break;

    case PROP_NUM_IMAGES:
      g_value_set_int (value, self->num_images);
      break;

    case PROP_ASPECT_RATIO:
      g_value_set_string (value, self->aspect_ratio);
      break;

    case PROP_SEED:
      if (self->has_seed)
        g_value_take_string (value, g_strdup_printf ("%" G_GUINT64_FORMAT, self->seed));
      else
        g_value_set_string (value, NULL);
      break;

    case PROP_OUTPUT_FORMAT:
      g_value_set_string (value, self->output_format);
      break;

    case PROP_SAFETY_TOLERANCE:
      g_value_set_int (value, self->safety_tolerance);
      break;

    case PROP_ENHANCE_PROMPT:
      g_value_set_boolean (value, self->enhance_prompt);
      break;

    case PROP_SYNC_MODE:
      g_value_set_boolean (value, self->sync_mode);
      break;

    case PROP_REFERENCES:
      g_value_set_boxed (value, self->references);
      break;

    case PROP_COST:
      g_value_set_uint64 (value, ks_params_get_cost (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_params_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsParams *self = KS_PARAMS (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT_ID:
      {
        const char *id = g_value_get_string (value);
        const KsEndpoint *endpoint = ks_endpoint_lookup (id != NULL ? id : DEFAULT_ENDPOINT_ID);

        if (endpoint == NULL)
          g_warning ("Ignoring unknown endpoint “%s”", id);
        else
          ks_params_set_endpoint (self, endpoint);
      }
      break;

    case PROP_PROMPT:
      ks_params_set_prompt (self, g_value_get_string (value));
      break;

    case PROP_GUIDANCE_SCALE:
      ks_params_set_guidance_scale (self, g_value_get_double (value));
      break;

    case PROP_NUM_IMAGES:
      ks_params_set_num_images (self, g_value_get_int (value));
      break;

    case PROP_ASPECT_RATIO:
      ks_params_set_aspect_ratio (self, g_value_get_string (value));
      break;

    case PROP_SEED:
      {
        const char *text = g_value_get_string (value);
        guint64 seed;

        if (text == NULL || *text == '\0')
          ks_params_unset_seed (self);
        else if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &seed, NULL))
          ks_params_set_seed (self, seed);
        else
          g_warning ("Ignoring a seed that is not a decimal number");
      }
      break;

    case PROP_OUTPUT_FORMAT:
      ks_params_set_output_format (self, g_value_get_string (value));
      break;

    case PROP_SAFETY_TOLERANCE:
      ks_params_set_safety_tolerance (self, g_value_get_int (value));
      break;

    case PROP_ENHANCE_PROMPT:
      ks_params_set_enhance_prompt (self, g_value_get_boolean (value));
      break;

    case PROP_SYNC_MODE:
      ks_params_set_sync_mode (self, g_value_get_boolean (value));
      break;

    case PROP_REFERENCES:
      ks_params_set_references (self, g_value_get_boxed (value));
      break;

    case PROP_COST:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_params_class_init (KsParamsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_params_finalize;
  object_class->get_property = ks_params_get_property;
  object_class->set_property = ks_params_set_property;

  properties[PROP_ENDPOINT_ID] =
    g_param_spec_string ("endpoint-id", NULL, NULL,
                         DEFAULT_ENDPOINT_ID,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PROMPT] =
    g_param_spec_string ("prompt", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Ranges are wide on purpose: out-of-range values are kept and reported
   * by ks_params_check(), with the schema's limits, in words. */
  properties[PROP_GUIDANCE_SCALE] =
    g_param_spec_double ("guidance-scale", NULL, NULL,
                         -G_MAXDOUBLE, G_MAXDOUBLE, 3.5,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_NUM_IMAGES] =
    g_param_spec_int ("num-images", NULL, NULL,
                      G_MININT, G_MAXINT, 1,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ASPECT_RATIO] =
    g_param_spec_string ("aspect-ratio", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SEED] =
    g_param_spec_string ("seed", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_OUTPUT_FORMAT] =
    g_param_spec_string ("output-format", NULL, NULL,
                         "jpeg",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SAFETY_TOLERANCE] =
    g_param_spec_int ("safety-tolerance", NULL, NULL,
                      G_MININT, G_MAXINT, 2,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ENHANCE_PROMPT] =
    g_param_spec_boolean ("enhance-prompt", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SYNC_MODE] =
    g_param_spec_boolean ("sync-mode", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_REFERENCES] =
    g_param_spec_boxed ("references", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* num_images × price, in microdollars: what submitting would cost. */
  properties[PROP_COST] =
    g_param_spec_uint64 ("cost", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_params_init (KsParams *self)
{
  self->endpoint = ks_endpoint_lookup (DEFAULT_ENDPOINT_ID);
  self->prompt = g_strdup ("");
  self->references = g_new0 (char *, 1);
  apply_defaults (self);
}

/**
 * ks_params_new:
 * @endpoint: the endpoint whose schema gives the defaults
 *
 * Returns: (transfer full): a parameter set at the endpoint's defaults
 */
KsParams *
ks_params_new (const KsEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint != NULL, NULL);

  return g_object_new (KS_TYPE_PARAMS,
                       "endpoint-id", ks_endpoint_get_id (endpoint),
                       NULL);
}

KsParams *
ks_params_copy (KsParams *self)
{
  KsParams *copy;

  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  copy = ks_params_new (self->endpoint);
  ks_params_set_prompt (copy, self->prompt);
  ks_params_set_guidance_scale (copy, self->guidance_scale);
  ks_params_set_num_images (copy, self->num_images);
  ks_params_set_aspect_ratio (copy, self->aspect_ratio);
  if (self->has_seed)
    ks_params_set_seed (copy, self->seed);
  ks_params_set_output_format (copy, self->output_format);
  ks_params_set_safety_tolerance (copy, self->safety_tolerance);
  ks_params_set_enhance_prompt (copy, self->enhance_prompt);
  ks_params_set_sync_mode (copy, self->sync_mode);
  ks_params_set_references (copy, (const char * const *) self->references);

  return copy;
}

const KsEndpoint *
ks_params_get_endpoint (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  return self->endpoint;
}

/* Switching endpoints keeps every value the user chose. An aspect ratio
 * still at the old endpoint's default follows the new one's default
 * (text-to-image: "1:1"; edits: unset, so the reference's shape is kept). */
void
ks_params_set_endpoint (KsParams         *self,
                        const KsEndpoint *endpoint)
{
  const KsEndpoint *old;

  g_return_if_fail (KS_IS_PARAMS (self));
  g_return_if_fail (endpoint != NULL);

  if (self->endpoint == endpoint)
    return;

  old = self->endpoint;
  self->endpoint = endpoint;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENDPOINT_ID]);
  if (g_strcmp0 (self->aspect_ratio, endpoint_default (old, "aspect_ratio")) == 0)
    ks_params_set_aspect_ratio (self, endpoint_default (endpoint, "aspect_ratio"));
  if (ks_endpoint_get_price_per_image (old) != ks_endpoint_get_price_per_image (endpoint))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
ks_params_get_prompt (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  return self->prompt;
}

void
ks_params_set_prompt (KsParams   *self,
                      const char *prompt)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (prompt == NULL)
    prompt = "";

  if (g_strcmp0 (self->prompt, prompt) == 0)
    return;

  g_free (self->prompt);
  self->prompt = g_strdup (prompt);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROMPT]);
}

double
ks_params_get_guidance_scale (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), 0);

  return self->guidance_scale;
}

void
ks_params_set_guidance_scale (KsParams *self,
                              double    guidance_scale)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (self->guidance_scale == guidance_scale)
    return;

  self->guidance_scale = guidance_scale;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GUIDANCE_SCALE]);
}

int
ks_params_get_num_images (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), 0);

  return self->num_images;
}

void
ks_params_set_num_images (KsParams *self,
                          int       num_images)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (self->num_images == num_images)
    return;

  self->num_images = num_images;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NUM_IMAGES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
ks_params_get_aspect_ratio (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  return self->aspect_ratio;
}

/* NULL or "" unsets it: then it is not sent. */
void
ks_params_set_aspect_ratio (KsParams   *self,
                            const char *aspect_ratio)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (aspect_ratio != NULL && *aspect_ratio == '\0')
    aspect_ratio = NULL;

  if (g_strcmp0 (self->aspect_ratio, aspect_ratio) == 0)
    return;

  g_free (self->aspect_ratio);
  self->aspect_ratio = g_strdup (aspect_ratio);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ASPECT_RATIO]);
}

gboolean
ks_params_get_seed (KsParams *self,
                    guint64  *seed)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);

  if (seed != NULL)
    *seed = self->has_seed ? self->seed : 0;

  return self->has_seed;
}

void
ks_params_set_seed (KsParams *self,
                    guint64   seed)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (self->has_seed && self->seed == seed)
    return;

  self->has_seed = TRUE;
  self->seed = seed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
}

void
ks_params_unset_seed (KsParams *self)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (!self->has_seed)
    return;

  self->has_seed = FALSE;
  self->seed = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
}

const char *
ks_params_get_output_format (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  return self->output_format;
}

void
ks_params_set_output_format (KsParams   *self,
                             const char *output_format)
{
  g_return_if_fail (KS_IS_PARAMS (self));
  g_return_if_fail (output_format != NULL);

  if (g_strcmp0 (self->output_format, output_format) == 0)
    return;

  g_free (self->output_format);
  self->output_format = g_strdup (output_format);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_FORMAT]);
}

int
ks_params_get_safety_tolerance (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), 0);

  return self->safety_tolerance;
}

void
ks_params_set_safety_tolerance (KsParams *self,
                                int       safety_tolerance)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  if (self->safety_tolerance == safety_tolerance)
    return;

  self->safety_tolerance = safety_tolerance;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAFETY_TOLERANCE]);
}

gboolean
ks_params_get_enhance_prompt (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);

  return self->enhance_prompt;
}

void
ks_params_set_enhance_prompt (KsParams *self,
                              gboolean  enhance_prompt)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  enhance_prompt = !!enhance_prompt;
  if (self->enhance_prompt == enhance_prompt)
    return;

  self->enhance_prompt = enhance_prompt;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENHANCE_PROMPT]);
}

gboolean
ks_params_get_sync_mode (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);

  return self->sync_mode;
}

void
ks_params_set_sync_mode (KsParams *self,
                         gboolean  sync_mode)
{
  g_return_if_fail (KS_IS_PARAMS (self));

  sync_mode = !!sync_mode;
  if (self->sync_mode == sync_mode)
    return;

  self->sync_mode = sync_mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_MODE]);
}

/**
 * ks_params_get_references:
 *
 * Returns: (transfer none): the references, never NULL (possibly empty)
 */
const char * const *
ks_params_get_references (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  return (const char * const *) self->references;
}

void
ks_params_set_references (KsParams           *self,
                          const char * const *references)
{
  static const char * const empty[] = { NULL };

  g_return_if_fail (KS_IS_PARAMS (self));

  if (references == NULL)
    references = empty;

  if (g_strv_equal ((const char * const *) self->references, references))
    return;

  g_strfreev (self->references);
  self->references = g_strdupv ((char **) references);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFERENCES]);
}

void
ks_params_add_reference (KsParams   *self,
                         const char *reference)
{
  guint n;

  g_return_if_fail (KS_IS_PARAMS (self));
  g_return_if_fail (reference != NULL);

  n = g_strv_length (self->references);
  self->references = g_renew (char *, self->references, n + 2);
  self->references[n] = g_strdup (reference);
  self->references[n + 1] = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFERENCES]);
}

guint64
ks_params_get_cost (KsParams *self)
{
  g_return_val_if_fail (KS_IS_PARAMS (self), 0);

  if (self->num_images <= 0)
    return 0;

  return (guint64) self->num_images * ks_endpoint_get_price_per_image (self->endpoint);
}

/* ---- Values by schema name ---------------------------------------------- */

/* The current value of a CHOICE parameter as the text that is sent, or
 * NULL when unset. */
char *
_ks_params_dup_choice_value (KsParams   *self,
                             const char *name)
{
  if (g_str_equal (name, "aspect_ratio"))
    return g_strdup (self->aspect_ratio);
  if (g_str_equal (name, "output_format"))
    return g_strdup (self->output_format);
  if (g_str_equal (name, "safety_tolerance"))
    return g_strdup_printf ("%d", self->safety_tolerance);

  g_return_val_if_reached (NULL);
}

gboolean
_ks_params_set_choice_value (KsParams   *self,
                             const char *name,
                             const char *value)
{
  if (g_str_equal (name, "aspect_ratio"))
    ks_params_set_aspect_ratio (self, value);
  else if (g_str_equal (name, "output_format"))
    ks_params_set_output_format (self, value);
  else if (g_str_equal (name, "safety_tolerance"))
    {
      gint64 level;

      if (!g_ascii_string_to_signed (value, 10, G_MININT, G_MAXINT, &level, NULL))
        return FALSE;
      ks_params_set_safety_tolerance (self, (int) level);
    }
  else
    g_return_val_if_reached (FALSE);

  return TRUE;
}

double
_ks_params_get_number_value (KsParams   *self,
                             const char *name)
{
  if (g_str_equal (name, "guidance_scale"))
    return self->guidance_scale;
  if (g_str_equal (name, "num_images"))
    return self->num_images;

  g_return_val_if_reached (NAN);
}

gboolean
_ks_params_get_boolean_value (KsParams   *self,
                              const char *name)
{
  if (g_str_equal (name, "enhance_prompt"))
    return self->enhance_prompt;
  if (g_str_equal (name, "sync_mode"))
    return self->sync_mode;

  g_return_val_if_reached (FALSE);
}

void
_ks_params_set_boolean_value (KsParams   *self,
                              const char *name,
                              gboolean    value)
{
  if (g_str_equal (name, "enhance_prompt"))
    ks_params_set_enhance_prompt (self, value);
  else if (g_str_equal (name, "sync_mode"))
    ks_params_set_sync_mode (self, value);
  else
    g_return_if_reached ();
}

