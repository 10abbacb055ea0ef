#define G_LOG_DOMAIN "ks-endpoint"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-endpoint.h"

/* The catalogue of PROTOCOL.md's "Kontext endpoints (inputs)". The three
 * parameter tables are shared by [pro] and [max], which take the same
 * inputs and differ only in price. */

struct _KsEndpoint
{
  const char        *id;
  const char        *title;          /* untranslated */
  KsModel            model;
  KsMode             mode;
  guint64            price_per_image; /* microdollars */
  const KsParamSpec *params;
  guint              n_params;
};

/* fal documents no upper bound for either; these keep a request sane. */
#define PROMPT_MAX_CHARS   4000
#define MULTI_MAX_IMAGES   10

#define PRICE_PRO  40000  /* $0.04 per image */
#define PRICE_MAX  80000  /* $0.08 per image */

static const char * const aspect_ratios[] = {
  "21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21", NULL
};

static const char * const output_formats[] = {
  "jpeg", "png", NULL
};

static const char * const safety_tolerances[] = {
  "1", "2", "3", "4", "5", "6", NULL
};

/* The members every endpoint shares, after the prompt and the references. */
#define COMMON_PARAMS(aspect_default)                                          \
  { "guidance_scale", N_("Guidance"), KS_PARAM_NUMBER, FALSE, 1, 20, "3.5", NULL }, \
  { "num_images", N_("Number of images"), KS_PARAM_INTEGER, FALSE, 1, 4, "1", NULL }, \
  { "aspect_ratio", N_("Aspect ratio"), KS_PARAM_CHOICE, FALSE, 0, 0, aspect_default, aspect_ratios }, \
  { "seed", N_("Seed"), KS_PARAM_SEED, FALSE, 0, 0, NULL, NULL },             \
  { "output_format", N_("Output format"), KS_PARAM_CHOICE, FALSE, 0, 0, "jpeg", output_formats }, \
  { "safety_tolerance", N_("Safety tolerance"), KS_PARAM_CHOICE, FALSE, 0, 0, "2", safety_tolerances }, \
  { "sync_mode", N_("Sync mode"), KS_PARAM_BOOLEAN, FALSE, 0, 0, "false", NULL }, \
  { "enhance_prompt", N_("Enhance prompt"), KS_PARAM_BOOLEAN, FALSE, 0, 0, "false", NULL }

#define PROMPT_PARAM \
  { "prompt", N_("Prompt"), KS_PARAM_STRING, TRUE, 0, PROMPT_MAX_CHARS, NULL, NULL }

static const KsParamSpec edit_params[] = {
  PROMPT_PARAM,
  { "image_url", N_("Reference image"), KS_PARAM_URL, TRUE, 0, 0, NULL, NULL },
  COMMON_PARAMS (NULL),
};

static const KsParamSpec text_to_image_params[] = {
  PROMPT_PARAM,
  COMMON_PARAMS ("1:1"),
};

static const KsParamSpec multi_params[] = {
  PROMPT_PARAM,
  { "image_urls", N_("Reference images"), KS_PARAM_URL_LIST, TRUE, 2, MULTI_MAX_IMAGES, NULL, NULL },
  COMMON_PARAMS (NULL),
};

#define ENDPOINT(id_, title_, model_, mode_, price_, table_) \
  { id_, title_, model_, mode_, price_, table_, G_N_ELEMENTS (table_) }

static const KsEndpoint endpoints[] = {
  ENDPOINT ("fal-ai/flux-pro/kontext", N_("FLUX.1 Kontext [pro] · Edit"),
            KS_MODEL_PRO, KS_MODE_EDIT, PRICE_PRO, edit_params),
  ENDPOINT ("fal-ai/flux-pro/kontext/text-to-image", N_("FLUX.1 Kontext [pro] · Text to Image"),
            KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE, PRICE_PRO, text_to_image_params),
  ENDPOINT ("fal-ai/flux-pro/kontext/multi", N_("FLUX.1 Kontext [pro] · Multiple References"),
            KS_MODEL_PRO, KS_MODE_MULTI, PRICE_PRO, multi_params),
  ENDPOINT ("fal-ai/flux-pro/kontext/max", N_("FLUX.1 Kontext [max] · Edit"),
            KS_MODEL_MAX, KS_MODE_EDIT, PRICE_MAX, edit_params),
  ENDPOINT ("fal-ai/flux-pro/kontext/max/text-to-image", N_("FLUX.1 Kontext [max] · Text to Image"),
            KS_MODEL_MAX, KS_MODE_TEXT_TO_IMAGE, PRICE_MAX, text_to_image_params),
  ENDPOINT ("fal-ai/flux-pro/kontext/max/multi", N_("FLUX.1 Kontext [max] · Multiple References"),
            KS_MODEL_MAX, KS_MODE_MULTI, PRICE_MAX, multi_params),
};

static const KsEndpoint * const endpoint_list[] = {
  &endpoints[0], &endpoints[1], &endpoints[2],
  &endpoints[3], &endpoints[4], &endpoints[5],
  NULL
};

/**
 * ks_endpoint_list:
 * @n_endpoints: (out) (optional): the number of endpoints
 *
 * Returns: (transfer none): the catalogue, NULL-terminated
 */
const KsEndpoint * const *
ks_endpoint_list (guint *n_endpoints)
{
  if (n_endpoints != NULL)
    *n_endpoints = G_N_ELEMENTS (endpoints);

  return endpoint_list;
}

const KsEndpoint *
ks_endpoint_lookup (const char *endpoint_id)
{
  if (endpoint_id == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      if (strcmp (endpoints[i].id, endpoint_id) == 0)
        return &endpoints[i];
    }

  return NULL;
}

const KsEndpoint *
ks_endpoint_find (KsModel model,
                  KsMode  mode)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      if (endpoints[i].model == model && endpoints[i].mode == mode)
        return &endpoints[i];
    }

  return NULL;
}

const char *
ks_endpoint_get_id (const KsEndpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

const char *
ks_endpoint_get_title (const KsEndpoint *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return _(self->title);
}

KsModel
ks_endpoint_get_model (const KsEndpoint *self)
{
  g_return_val_if_fail (self != NULL, KS_MODEL_PRO);

  return self->model;
}

KsMode
ks_endpoint_get_mode (const KsEndpoint *self)
{
  g_return_val_if_fail (self != NULL, KS_MODE_EDIT);

  return self->mode;
}

guint64
ks_endpoint_get_price_per_image (const KsEndpoint *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->price_per_image;
}

const KsParamSpec *
ks_endpoint_get_params (const KsEndpoint *self,
                        guint            *n_params)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n_params != NULL)
    *n_params = self->n_params;

  return self->params;
}

const KsParamSpec *
ks_endpoint_get_param (const KsEndpoint *self,
                       const char       *name)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (name == NULL)
    return NULL;

  for (guint i = 0; i < self->n_params; i++)
    {
      if (strcmp (self->params[i].name, name) == 0)
        return &self->params[i];
    }

  return NULL;
}

const char *
ks_param_spec_get_label (const KsParamSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  return _(spec->label);
}

gboolean
ks_param_spec_has_choice (const KsParamSpec *spec,
                          const char        *value)
{
  g_return_val_if_fail (spec != NULL, FALSE);

  if (spec->choices == NULL || value == NULL)
    return FALSE;

  return g_strv_contains ((const char * const *) spec->choices, value);
}

/* "fal-ai/flux-pro/kontext/max" → "fal-ai/flux-pro". */
char *
ks_endpoint_id_app_root (const char *endpoint_id)
{
  g_auto(GStrv) parts = NULL;

  if (endpoint_id == NULL)
    return NULL;

  parts = g_strsplit (endpoint_id, "/", 3);
  if (g_strv_length (parts) < 2 || parts[0][0] == '\0' || parts[1][0] == '\0')
    return NULL;

  return g_strconcat (parts[0], "/", parts[1], NULL);
}

const char *
ks_model_to_string (KsModel model)
{
  switch (model)
    {
    case KS_MODEL_PRO:
      return "pro";
    case KS_MODEL_MAX:
      return "max";
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
ks_model_from_string (const char *text,
                      KsModel    *model)
{
  KsModel value;

  if (text == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (text, "pro") == 0)
    value = KS_MODEL_PRO;
  else if (g_ascii_strcasecmp (text, "max") == 0)
    value = KS_MODEL_MAX;
  else
    return FALSE;

  if (model != NULL)
    *model = value;

  return TRUE;
}

/* Integer arithmetic only, so the result never depends on the locale:
 * at least two decimals, more only when a sub-cent digit needs them
 * (5000 → "$0.005", 1234567 → "$1.234567"). */
char *
ks_format_price (guint64 microdollars)
{
  guint64 dollars = microdollars / 1000000;
  char fraction[8];
  int len;

  g_snprintf (fraction, sizeof fraction, "%06u", (guint) (microdollars % 1000000));
  len = 6;
  while (len > 2 && fraction[len - 1] == '0')
    len--;
  fraction[len] = '\0';

  return g_strdup_printf ("$%" G_GUINT64_FORMAT ".%s", dollars, fraction);
}
