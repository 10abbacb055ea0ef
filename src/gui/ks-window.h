#pragma once

#include <adwaita.h>

#include "ks-application.h"

G_BEGIN_DECLS

#define KS_TYPE_WINDOW (ks_window_get_type ())
G_DECLARE_FINAL_TYPE (KsWindow, ks_window, KS, WINDOW, AdwApplicationWindow)

KsWindow *ks_window_new             (KsApplication *application);
/* The files given on the command line or through "open": they become the
 * references of the next job. @n_files 0 clears them. */
void      ks_window_set_references  (KsWindow      *self,
                                     GFile        **files,
                                     int            n_files);

G_END_DECLS
