#pragma once

#include "ks-params.h"

G_BEGIN_DECLS

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

/* Values by schema name ("aspect_ratio", "guidance_scale", …) */
char     *_ks_params_dup_choice_value  (KsParams   *self,
                                        const char *name);
gboolean  _ks_params_set_choice_value  (KsParams   *self,
                                        const char *name,
                                        const char *value);
double    _ks_params_get_number_value  (KsParams   *self,
                                        const char *name);
gboolean  _ks_params_get_boolean_value (KsParams   *self,
                                        const char *name);
void      _ks_params_set_boolean_value (KsParams   *self,
                                        const char *name,
                                        gboolean    value);

G_END_DECLS
