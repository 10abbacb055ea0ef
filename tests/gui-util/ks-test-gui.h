#pragma once

#include <adwaita.h>

#include "ks-gallery-item.h"

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
/* Owns org.freedesktop.Notifications on the session bus with a stand-in
 * that accepts and forgets notifications (ks_test_gui_init() calls it). */
void      ks_test_gui_serve_notifications (void);
/* ks_test_gui_preinit(), g_test_init() with isolated dirs, then
 * ks_test_gui_init(): the start of every GUI test's main(). */
gboolean  ks_test_gui_setup          (int         *argc,
                                      char      ***argv);

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
/* Like ks_test_gui_find_by_name(), but fails the test when there is none. */
GtkWidget *ks_test_gui_get           (GtkWidget   *root,
                                      const char  *name);
/* The text of the GtkLabel named @name under @root. */
const char *ks_test_gui_label_text   (GtkWidget   *root,
                                      const char  *name);
/* The subtitle of the AdwActionRow named @name under @root; "" when none. */
const char *ks_test_gui_row_subtitle (GtkWidget   *root,
                                      const char  *name);

/* Presents @child alone in a new window titled "Kontext Studio" of
 * @width × @height, lets it lay out and paint, and returns @child; the
 * window in @out_window. */
GtkWidget *ks_test_gui_show          (GtkWidget   *child,
                                      int          width,
                                      int          height,
                                      GtkWindow  **out_window);
/* Waits until @root, when a GtkStack, or else the first GtkStack under it,
 * has finished its transition; FALSE when it has not within @timeout_ms. */
gboolean  ks_test_gui_wait_stack_settled (GtkWidget *root,
                                          guint      timeout_ms);

/* The AdwMessageDialog among the toplevels, or NULL; fails the test when
 * there is more than one. */
AdwMessageDialog *ks_test_gui_find_message_dialog      (void);
/* Waits until a message dialog is up (mapped) and returns it; NULL when
 * none came within @timeout_ms. */
AdwMessageDialog *ks_test_gui_wait_message_dialog      (guint timeout_ms);
/* Waits until no message dialog is left; FALSE when one still is after
 * @timeout_ms. */
gboolean          ks_test_gui_wait_message_dialog_gone (guint timeout_ms);
/* Waits until @item has both its thumbnail and its full texture (what the
 * viewer asks for); FALSE when not within @timeout_ms. */
gboolean          ks_test_gui_wait_item_loaded (KsGalleryItem *item,
                                                guint          timeout_ms);

G_END_DECLS
