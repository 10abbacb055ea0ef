#pragma once

#include <adwaita.h>

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-session.h"

G_BEGIN_DECLS

#define KS_TYPE_WINDOW (ks_window_get_type ())
G_DECLARE_FINAL_TYPE (KsWindow, ks_window, KS, WINDOW, AdwApplicationWindow)

/* The main window: a welcome page until there is a key (or the demo
 * runs), then the studio: the composer beside the gallery and the viewer.
 *
 * Property: session (KsSession, construct-only; ks_window_new() takes the
 * application's). */
KsWindow   *ks_window_new             (KsApplication *application);
KsSession  *ks_window_get_session     (KsWindow      *self);
KsComposer *ks_window_get_composer    (KsWindow      *self);
/* The files given on the command line or through "open": they become
 * references in the composer. @n_files 0 clears them. */
void        ks_window_set_references  (KsWindow      *self,
                                       GFile        **files,
                                       int            n_files);

G_END_DECLS
