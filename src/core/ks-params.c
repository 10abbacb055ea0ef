#define G_LOG_DOMAIN "ks-params"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"

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

struct _KsParams
{
  GObject           parent_instance;

  const KsEndpoint *endpoint;
  char             *prompt;
  double            guidance_scale;
  int               num_images;
  char             *aspect_ratio;      /* NULL: unset, not sent */
  guint64           seed;
  gboolean          has_seed;          /* FALSE: random, not sent */
  char             *output_format;
  int               safety_tolerance;
  gboolean          enhance_prompt;
  gboolean          sync_mode;
  char            **references;        /* never NULL */
};

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

static gboolean
parse_boolean (const char *text,
               gboolean   *out_value)
{
  static const char * const truths[] = { "true", "yes", "on", "1", NULL };
  static const char * const falsehoods[] = { "false", "no", "off", "0", NULL };

  for (guint i = 0; truths[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (text, truths[i]) == 0)
        {
          *out_value = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, falsehoods[i]) == 0)
        {
          *out_value = FALSE;
          return TRUE;
        }
    }

  return FALSE;
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
static char *
dup_choice_value (KsParams   *self,
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

static gboolean
set_choice_value (KsParams   *self,
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

static double
get_number_value (KsParams   *self,
                  const char *name)
{
  if (g_str_equal (name, "guidance_scale"))
    return self->guidance_scale;
  if (g_str_equal (name, "num_images"))
    return self->num_images;

  g_return_val_if_reached (NAN);
}

static gboolean
get_boolean_value (KsParams   *self,
                   const char *name)
{
  if (g_str_equal (name, "enhance_prompt"))
    return self->enhance_prompt;
  if (g_str_equal (name, "sync_mode"))
    return self->sync_mode;

  g_return_val_if_reached (FALSE);
}

static void
set_boolean_value (KsParams   *self,
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

/* ---- Messages ----------------------------------------------------------- */

static char *
format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.15g", value));
}

static char *
range_message (const KsParamSpec *spec,
               const char        *got)
{
  g_autofree char *min = format_number (spec->minimum);
  g_autofree char *max = format_number (spec->maximum);

  if (spec->type == KS_PARAM_INTEGER)
    /* Translators: "Number of images must be a whole number between 1 and 4 (got 7)." */
    return g_strdup_printf (_("%s must be a whole number between %s and %s (got %s)."),
                            ks_param_spec_get_label (spec), min, max, got);

  /* Translators: "Guidance must be between 1 and 20 (got 25)." */
  return g_strdup_printf (_("%s must be between %s and %s (got %s)."),
                          ks_param_spec_get_label (spec), min, max, got);
}

/* "1–6" for a run of consecutive integers, else "jpeg, png". */
static char *
describe_choices (const KsParamSpec *spec)
{
  const char * const *choices = spec->choices;
  guint n = g_strv_length ((char **) choices);
  gboolean consecutive = n > 2;

  for (guint i = 0; consecutive && i < n; i++)
    {
      gint64 value;

      if (!g_ascii_string_to_signed (choices[i], 10, G_MININT, G_MAXINT, &value, NULL))
        consecutive = FALSE;
      else if (i > 0 && value != g_ascii_strtoll (choices[i - 1], NULL, 10) + 1)
        consecutive = FALSE;
    }

  if (consecutive)
    return g_strdup_printf ("%s–%s", choices[0], choices[n - 1]);

  return g_strjoinv (", ", (char **) choices);
}

static char *
choice_message (const KsParamSpec *spec,
                const char        *got)
{
  g_autofree char *allowed = describe_choices (spec);

  /* Translators: "Aspect ratio must be one of 21:9, 16:9, … (got “5:4”)." */
  return g_strdup_printf (_("%s must be one of %s (got “%s”)."),
                          ks_param_spec_get_label (spec), allowed, got);
}

static void
add_error (GPtrArray  *errors,
           const char *field,
           char       *message)
{
  g_ptr_array_add (errors, ks_field_error_new (field, message));
  g_free (message);
}

/* ---- Validation --------------------------------------------------------- */

static void
check_prompt (KsParams          *self,
              const KsParamSpec *spec,
              GPtrArray         *errors)
{
  g_autofree char *stripped = NULL;
  glong length;

  if (!g_utf8_validate (self->prompt, -1, NULL))
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("%s is not valid UTF-8 text."),
                                  ks_param_spec_get_label (spec)));
      return;
    }

  stripped = g_strstrip (g_strdup (self->prompt));
  if (spec->required && *stripped == '\0')
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("%s must not be empty: describe the change or the picture you want."),
                                  ks_param_spec_get_label (spec)));
      return;
    }

  length = g_utf8_strlen (self->prompt, -1);
  if (spec->maximum > 0 && length > spec->maximum)
    add_error (errors, spec->name,
               g_strdup_printf (_("%s must be at most %.0f characters long (got %ld)."),
                                ks_param_spec_get_label (spec), spec->maximum, length));
}

static void
check_references (KsParams          *self,
                  const KsParamSpec *spec,
                  GPtrArray         *errors)
{
  guint n = g_strv_length (self->references);

  if (spec == NULL)
    {
      if (n > 0)
        add_error (errors, "image_url",
                   g_strdup_printf (_("Text to image takes no reference image; %u given. Remove it or choose Edit."), n));
      return;
    }

  if (spec->type == KS_PARAM_URL && n != 1)
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("This model needs exactly one reference image; %u given."), n));
      return;
    }

  if (spec->type == KS_PARAM_URL_LIST && n < spec->minimum)
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("Multiple references need at least %.0f reference images; %u given."),
                                  spec->minimum, n));
      return;
    }

  if (spec->type == KS_PARAM_URL_LIST && spec->maximum > 0 && n > spec->maximum)
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("Multiple references take at most %.0f reference images; %u given."),
                                  spec->maximum, n));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      if (*self->references[i] == '\0')
        add_error (errors, spec->name,
                   g_strdup_printf (_("%s %u is empty: give a file, an https address or a data URI."),
                                    ks_param_spec_get_label (spec), i + 1));
    }
}

/**
 * ks_params_check:
 *
 * Returns: (transfer full) (element-type KsFieldError): every violation
 */
GPtrArray *
ks_params_check (KsParams *self)
{
  g_autoptr(GPtrArray) errors = NULL;
  const KsParamSpec *params;
  const KsParamSpec *reference_spec = NULL;
  guint n_params;

  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  errors = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_field_error_free);
  params = ks_endpoint_get_params (self->endpoint, &n_params);

  for (guint i = 0; i < n_params; i++)
    {
      const KsParamSpec *spec = &params[i];

      switch (spec->type)
        {
        case KS_PARAM_STRING:
          check_prompt (self, spec, errors);
          break;

        case KS_PARAM_URL:
        case KS_PARAM_URL_LIST:
          reference_spec = spec;
          break;

        case KS_PARAM_NUMBER:
        case KS_PARAM_INTEGER:
          {
            double value = get_number_value (self, spec->name);

            if (!isfinite (value) || value < spec->minimum || value > spec->maximum)
              {
                g_autofree char *got = format_number (value);

                add_error (errors, spec->name, range_message (spec, got));
              }
          }
          break;

        case KS_PARAM_CHOICE:
          {
            g_autofree char *value = dup_choice_value (self, spec->name);

            if (value == NULL && spec->required)
              add_error (errors, spec->name, choice_message (spec, ""));
            else if (value != NULL && !ks_param_spec_has_choice (spec, value))
              add_error (errors, spec->name, choice_message (spec, value));
          }
          break;

        case KS_PARAM_SEED:
        case KS_PARAM_BOOLEAN:
        default:
          break;
        }
    }

  check_references (self, reference_spec, errors);

  return g_steal_pointer (&errors);
}

gboolean
ks_params_validate (KsParams  *self,
                    GError   **error)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);

  errors = ks_params_check (self);
  if (errors->len == 0)
    return TRUE;

  text = g_string_new (NULL);
  for (guint i = 0; i < errors->len; i++)
    {
      const KsFieldError *field_error = g_ptr_array_index (errors, i);

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, field_error->message);
    }

  g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, text->str);

  return FALSE;
}

/* ---- From text (the command line) ---------------------------------------- */

static char *
known_fields (const KsEndpoint *endpoint)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  const KsParamSpec *params;
  guint n_params;

  params = ks_endpoint_get_params (endpoint, &n_params);
  for (guint i = 0; i < n_params; i++)
    {
      if (params[i].type != KS_PARAM_URL && params[i].type != KS_PARAM_URL_LIST)
        g_strv_builder_add (builder, params[i].name);
    }
  names = g_strv_builder_end (builder);

  return g_strjoinv (", ", names);
}

gboolean
ks_params_set_from_string (KsParams    *self,
                           const char  *field,
                           const char  *value,
                           GError     **error)
{
  g_autofree char *name = NULL;
  const KsParamSpec *spec;

  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* "guidance-scale" is accepted as well as "guidance_scale". */
  name = g_strdelimit (g_strdup (field), "-", '_');
  spec = ks_endpoint_get_param (self->endpoint, name);

  if (spec == NULL || spec->type == KS_PARAM_URL || spec->type == KS_PARAM_URL_LIST)
    {
      g_autofree char *known = known_fields (self->endpoint);

      g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                   _("Unknown parameter “%s”: use one of %s."), field, known);
      return FALSE;
    }

  switch (spec->type)
    {
    case KS_PARAM_STRING:
      if (!g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       _("%s is not valid UTF-8 text."), ks_param_spec_get_label (spec));
          return FALSE;
        }
      ks_params_set_prompt (self, value);
      return TRUE;

    case KS_PARAM_NUMBER:
      {
        char *end = NULL;
        double number = g_ascii_strtod (value, &end);

        if (*value == '\0' || g_ascii_isspace (*value) || end == NULL || *end != '\0' ||
            !isfinite (number) || number < spec->minimum || number > spec->maximum)
          {
            g_autofree char *got = g_strdup_printf ("“%s”", value);
            g_autofree char *message = range_message (spec, got);

            g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, message);
            return FALSE;
          }

        ks_params_set_guidance_scale (self, number);
        return TRUE;
      }

    case KS_PARAM_INTEGER:
      {
        gint64 number;

        if (!g_ascii_string_to_signed (value, 10, (gint64) spec->minimum, (gint64) spec->maximum,
                                       &number, NULL))
          {
            g_autofree char *got = g_strdup_printf ("“%s”", value);
            g_autofree char *message = range_message (spec, got);

            g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, message);
            return FALSE;
          }

        ks_params_set_num_images (self, (int) number);
        return TRUE;
      }

    case KS_PARAM_SEED:
      {
        guint64 seed;

        if (*value == '\0' || g_ascii_strcasecmp (value, "random") == 0)
          {
            ks_params_unset_seed (self);
            return TRUE;
          }

        if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &seed, NULL))
          {
            g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                         _("%s must be a whole number from 0 to %" G_GUINT64_FORMAT " or “random” (got “%s”)."),
                         ks_param_spec_get_label (spec), G_MAXUINT64, value);
            return FALSE;
          }

        ks_params_set_seed (self, seed);
        return TRUE;
      }

    case KS_PARAM_BOOLEAN:
      {
        gboolean flag;

        if (!parse_boolean (value, &flag))
          {
            g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                         _("%s must be true or false (got “%s”)."),
                         ks_param_spec_get_label (spec), value);
            return FALSE;
          }

        set_boolean_value (self, spec->name, flag);
        return TRUE;
      }

    case KS_PARAM_CHOICE:
      if (*value == '\0' && !spec->required && spec->default_value == NULL)
        {
          set_choice_value (self, spec->name, NULL);
          return TRUE;
        }

      if (!ks_param_spec_has_choice (spec, value) || !set_choice_value (self, spec->name, value))
        {
          g_autofree char *message = choice_message (spec, value);

          g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, message);
          return FALSE;
        }
      return TRUE;

    case KS_PARAM_URL:
    case KS_PARAM_URL_LIST:
    default:
      g_return_val_if_reached (FALSE);
    }
}

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
          json_builder_add_double_value (builder, get_number_value (self, spec->name));
          break;

        case KS_PARAM_INTEGER:
          json_builder_set_member_name (builder, spec->name);
          json_builder_add_int_value (builder, (gint64) get_number_value (self, spec->name));
          break;

        case KS_PARAM_SEED:
          send_seed = self->has_seed;
          break;

        case KS_PARAM_BOOLEAN:
          json_builder_set_member_name (builder, spec->name);
          json_builder_add_boolean_value (builder, get_boolean_value (self, spec->name));
          break;

        case KS_PARAM_CHOICE:
          {
            g_autofree char *value = dup_choice_value (self, spec->name);

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

  if (member_present (object, "prompt"))
    {
      if ((text = ks_json_get_string_member (object, "prompt")) == NULL)
        {
          damaged (error, "prompt", _("text"));
          return NULL;
        }
      ks_params_set_prompt (self, text);
    }

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

  if (member_present (object, "aspect_ratio"))
    {
      if ((text = ks_json_get_string_member (object, "aspect_ratio")) == NULL)
        {
          damaged (error, "aspect_ratio", _("text"));
          return NULL;
        }
      ks_params_set_aspect_ratio (self, text);
    }
  else
    ks_params_set_aspect_ratio (self, NULL);

  READ_MEMBER ("seed", ks_json_get_uint64_member, &seed, _("a whole number"));
  if (member_present (object, "seed"))
    ks_params_set_seed (self, seed);

  if (member_present (object, "output_format"))
    {
      if ((text = ks_json_get_string_member (object, "output_format")) == NULL)
        {
          damaged (error, "output_format", _("text"));
          return NULL;
        }
      ks_params_set_output_format (self, text);
    }

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
