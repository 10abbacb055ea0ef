#pragma once

#include <json-glib/json-glib.h>

#include "ks-types.h"
#include "ks-endpoint.h"

G_BEGIN_DECLS

/* One violation, by field, whether found by us or returned in a 422. */
struct _KsFieldError
{
  char *field;    /* JSON field name, e.g. "guidance_scale"; NULL when it concerns the whole request */
  char *message;  /* for people: "Guidance must be between 1 and 20." */
};

#define KS_TYPE_FIELD_ERROR (ks_field_error_get_type ())
GType         ks_field_error_get_type (void) G_GNUC_CONST;
KsFieldError *ks_field_error_new      (const char         *field,
                                       const char         *message);
KsFieldError *ks_field_error_copy     (const KsFieldError *self);
void          ks_field_error_free     (KsFieldError       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsFieldError, ks_field_error_free)

#define KS_TYPE_PARAMS (ks_params_get_type ())
G_DECLARE_FINAL_TYPE (KsParams, ks_params, KS, PARAMS, GObject)

/* A parameter set for one endpoint. Values start at the schema's defaults;
 * optional values without a default (aspect ratio for edits, seed) start
 * unset and are then not sent at all. References are what the user gave:
 * http(s) URLs, data URIs, or local paths, prepared later by KsJob.
 * Properties: endpoint-id, prompt, guidance-scale, num-images, aspect-ratio
 * (NULL = unset), seed (string of decimal digits, NULL = random),
 * output-format, safety-tolerance (int 1–6), enhance-prompt, sync-mode,
 * references (GStrv), and the read-only cost (guint64 microdollars,
 * num_images × price). All notify, only on change. Out-of-range values are
 * stored as given and reported by ks_params_check(). Changing the endpoint
 * keeps every value; an aspect ratio still at the old endpoint's default
 * follows the new one's ("1:1" for text-to-image, unset for the others). */
KsParams          *ks_params_new                 (const KsEndpoint  *endpoint);
KsParams          *ks_params_copy                (KsParams          *self);
const KsEndpoint  *ks_params_get_endpoint        (KsParams          *self);
void               ks_params_set_endpoint        (KsParams          *self,
                                                  const KsEndpoint  *endpoint);
const char        *ks_params_get_prompt          (KsParams          *self);
void               ks_params_set_prompt          (KsParams          *self,
                                                  const char        *prompt);
double             ks_params_get_guidance_scale  (KsParams          *self);
void               ks_params_set_guidance_scale  (KsParams          *self,
                                                  double             guidance_scale);
int                ks_params_get_num_images      (KsParams          *self);
void               ks_params_set_num_images      (KsParams          *self,
                                                  int                num_images);
const char        *ks_params_get_aspect_ratio    (KsParams          *self);
void               ks_params_set_aspect_ratio    (KsParams          *self,
                                                  const char        *aspect_ratio);
gboolean           ks_params_get_seed            (KsParams          *self,
                                                  guint64           *seed);  /* FALSE when random */
void               ks_params_set_seed            (KsParams          *self,
                                                  guint64            seed);
void               ks_params_unset_seed          (KsParams          *self);
const char        *ks_params_get_output_format   (KsParams          *self);  /* "jpeg" / "png" */
void               ks_params_set_output_format   (KsParams          *self,
                                                  const char        *output_format);
int                ks_params_get_safety_tolerance (KsParams         *self);
void               ks_params_set_safety_tolerance (KsParams         *self,
                                                   int               safety_tolerance);
gboolean           ks_params_get_enhance_prompt  (KsParams          *self);
void               ks_params_set_enhance_prompt  (KsParams          *self,
                                                  gboolean           enhance_prompt);
gboolean           ks_params_get_sync_mode       (KsParams          *self);
void               ks_params_set_sync_mode       (KsParams          *self,
                                                  gboolean           sync_mode);
const char * const *ks_params_get_references     (KsParams          *self);
void               ks_params_set_references      (KsParams          *self,
                                                  const char * const *references);
void               ks_params_add_reference       (KsParams          *self,
                                                  const char        *reference);

/* Sets a value from text, as the CLI gets it ("guidance_scale", "4.5").
 * Fails with KS_ERROR_INVALID_PARAMS naming the field and what is allowed. */
gboolean           ks_params_set_from_string     (KsParams          *self,
                                                  const char        *field,
                                                  const char        *value,
                                                  GError           **error);

/* Every violation, one KsFieldError each (empty array when valid). Checks
 * required fields (prompt, the reference count the mode needs), ranges,
 * enums. */
GPtrArray         *ks_params_check               (KsParams          *self);
/* KS_ERROR_INVALID_PARAMS with all violations, one per line. */
gboolean           ks_params_validate            (KsParams          *self,
                                                  GError           **error);

/* The request body for the endpoint, with references already turned into
 * URLs (@image_urls: one for edit, several for multi, NULL for
 * text-to-image). Never contains a null; safety_tolerance is a string; the
 * seed keeps all 64 bits. */
char              *ks_params_to_request_body     (KsParams          *self,
                                                  const char * const *image_urls);
/* Every parameter as a JSON object (for sidecars and the library), and back. */
JsonNode          *ks_params_to_json             (KsParams          *self);
KsParams          *ks_params_new_from_json       (JsonNode          *node,
                                                  GError           **error);

/* num_images × the endpoint's price per image, in microdollars. */
guint64            ks_params_get_cost            (KsParams          *self);

G_END_DECLS
