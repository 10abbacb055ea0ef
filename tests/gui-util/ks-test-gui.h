#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Shared by the GUI tests: a real display (Xvfb in CI), the system's MIME
 * database and icons inside the isolated test dirs, screenshots, and
 * waiting on the main loop with a deadline instead of sleeping. */

/* Call before g_test_init(): keeps the system MIME database visible
 * (G_TEST_OPTION_ISOLATE_DIRS hides it, and gdk-pixbuf needs it). */
void      ks_test_gui_preinit        (void);
/* Call after g_test_init(): links the system icon themes into the isolated
 * data dir and opens the display; fails the test (never skips) when there
 * is no display. Returns FALSE then. */
gboolean  ks_test_gui_init           (void);

/* Iterates the default main context until @predicate returns TRUE or
 * @timeout_ms passes; returns the predicate's last answer. */
gboolean  ks_test_gui_wait_until     (gboolean   (*predicate) (gpointer data),
                                      gpointer     data,
                                      guint        timeout_ms);
/* Lets @widget's frame clock tick @n_frames times (layout and paint). */
void      ks_test_gui_wait_frames    (GtkWidget   *widget,
                                      guint        n_frames);
/* Iterates the main context for @ms milliseconds. */
void      ks_test_gui_spin           (guint        ms);

/* Renders @widget's window content to @name (a PNG) in the screenshot
 * directory ($KS_SCREENSHOT_DIR, else the test's build dir) and returns
 * the number of distinct colours, so a blank render can be asserted
 * against. */
guint     ks_test_gui_screenshot     (GtkWidget   *widget,
                                      const char  *name);

/* Depth-first search of @root's widget tree. */
GtkWidget *ks_test_gui_find_by_type  (GtkWidget   *root,
                                      GType        type);
/* The first mapped GtkLabel whose text contains @needle (also buttons'
 * labels, AdwStatusPage titles and descriptions, AdwActionRow titles). */
GtkWidget *ks_test_gui_find_text     (GtkWidget   *root,
                                      const char  *needle);
/* The first widget with the given GtkBuildable id or widget name. */
GtkWidget *ks_test_gui_find_by_name  (GtkWidget   *root,
                                      const char  *name);

G_END_DECLS
