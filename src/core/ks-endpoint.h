#pragma once

#include "ks-types.h"

G_BEGIN_DECLS

typedef enum
{
  KS_MODEL_PRO,
  KS_MODEL_MAX,
} KsModel;

typedef enum
{
  KS_MODE_EDIT,           /* one reference: image_url */
  KS_MODE_TEXT_TO_IMAGE,  /* no reference */
  KS_MODE_MULTI,          /* several references: image_urls */
} KsMode;

typedef enum
{
  KS_PARAM_STRING,        /* free text (prompt) */
  KS_PARAM_URL,           /* image_url: https URL or data URI */
  KS_PARAM_URL_LIST,      /* image_urls */
  KS_PARAM_NUMBER,        /* double with min/max */
  KS_PARAM_INTEGER,       /* integer with min/max */
  KS_PARAM_SEED,          /* unsigned 64-bit integer */
  KS_PARAM_BOOLEAN,
  KS_PARAM_CHOICE,        /* one of @choices, sent as a JSON string */
} KsParamType;

struct _KsParamSpec
{
  const char         *name;          /* JSON field name, e.g. "guidance_scale" */
  const char         *label;         /* for people, untranslated: show _(label) */
  KsParamType         type;
  gboolean            required;
  double              minimum;       /* NUMBER / INTEGER; URL_LIST: fewest entries */
  double              maximum;       /* NUMBER / INTEGER; URL_LIST: most entries;
                                      * STRING: most characters (0 = no limit) */
  const char         *default_value; /* as text, NULL when there is none (optional, not sent) */
  const char * const *choices;       /* CHOICE: NULL-terminated */
};

/* The Kontext endpoints, in a fixed order: pro edit, pro text-to-image,
 * pro multi, max edit, max text-to-image, max multi. */
const KsEndpoint * const *ks_endpoint_list           (guint            *n_endpoints);
const KsEndpoint         *ks_endpoint_lookup         (const char       *endpoint_id);
const KsEndpoint         *ks_endpoint_find           (KsModel           model,
                                                      KsMode            mode);
const char               *ks_endpoint_get_id         (const KsEndpoint *self); /* "fal-ai/flux-pro/kontext" */
const char               *ks_endpoint_get_title      (const KsEndpoint *self); /* "FLUX.1 Kontext [pro] · Edit" */
KsModel                   ks_endpoint_get_model      (const KsEndpoint *self);
KsMode                    ks_endpoint_get_mode       (const KsEndpoint *self);
/* Price per image in millionths of a US dollar ($0.04 = 40000). */
guint64                   ks_endpoint_get_price_per_image (const KsEndpoint *self);
const KsParamSpec        *ks_endpoint_get_params     (const KsEndpoint *self,
                                                      guint            *n_params);
const KsParamSpec        *ks_endpoint_get_param      (const KsEndpoint *self,
                                                      const char       *name);

/* The translated label of a parameter, e.g. "Guidance". */
const char               *ks_param_spec_get_label    (const KsParamSpec *spec);
/* TRUE when @value is one of a CHOICE parameter's choices. */
gboolean                  ks_param_spec_has_choice   (const KsParamSpec *spec,
                                                      const char        *value);

/* "owner/alias" of an endpoint id: the path under which its requests live.
 * NULL unless the id has two non-empty leading segments. */
char                     *ks_endpoint_id_app_root    (const char       *endpoint_id);

const char               *ks_model_to_string         (KsModel           model); /* "pro" / "max" */
gboolean                  ks_model_from_string       (const char       *text,
                                                      KsModel          *model);

/* Formats a price such as 120000 as "$0.12" (always a '.', whatever the
 * locale; sub-cent values keep their digits: 5000 → "$0.005"). */
char                     *ks_format_price            (guint64           microdollars);

G_END_DECLS
