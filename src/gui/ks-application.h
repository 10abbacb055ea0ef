#pragma once

#include <adwaita.h>

#include "ks-session.h"

G_BEGIN_DECLS

/* The schema keeps the base id in release and development builds alike. */
#define KS_SETTINGS_SCHEMA_ID "io.github.kontextstudio.KontextStudio"

#define KS_TYPE_APPLICATION (ks_application_get_type ())
G_DECLARE_FINAL_TYPE (KsApplication, ks_application, KS, APPLICATION, AdwApplication)

/* Properties: demo (run against the built-in simulated service; set by
 * the --demo command line option). */
KsApplication *ks_application_new      (void);
gboolean       ks_application_get_demo (KsApplication *self);
void           ks_application_set_demo (KsApplication *self,
                                        gboolean       demo);
GSettings     *ks_application_get_settings (KsApplication *self);
/* The one session of the application (created on first use). */
KsSession     *ks_application_get_session  (KsApplication *self);

G_END_DECLS
