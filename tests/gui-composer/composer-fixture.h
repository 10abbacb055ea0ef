#pragma once

#include "ks-composer.h"

G_BEGIN_DECLS

/* Shared by the composer tests: the compose panel alone in a window, and
 * waiting on it. */

/* A composer for @settings in a new 380 × 1000 window (in @out_window),
 * painted; its "error" messages are appended to @errors (strings). */
KsComposer *ks_test_composer_open            (GSettings   *settings,
                                              GPtrArray   *errors,
                                              GtkWindow  **out_window);
/* Waits until @composer is not busy and holds @n references, all read. */
void        ks_test_composer_wait_references (KsComposer  *composer,
                                              guint        n);
/* The widget named @name in @composer; fails the test when none. */
GtkWidget  *ks_test_composer_find            (KsComposer  *composer,
                                              const char  *name);
/* Whether @composer shows @text, after a frame. */
gboolean    ks_test_composer_shows_text      (KsComposer  *composer,
                                              const char  *text);
/* The @i-th reference of the composer's parameters; fails when fewer. */
const char *ks_test_composer_reference       (KsComposer  *composer,
                                              guint        i);

G_END_DECLS
