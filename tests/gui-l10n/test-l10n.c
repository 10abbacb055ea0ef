/* test-l10n: the main window with results and the preferences window in
 * another language (KS_TEST_LOCALE, e.g. de_DE.UTF-8), with the catalogues
 * freshly built under the build dir's po/ (KS_TEST_LOCALEDIR). Asserts that
 * visible strings are translated and that the window keeps the width it
 * asked for, the viewer open or not, and saves window-<lang>.png,
 * viewer-<lang>.png and preferences-<lang>.png. */

#define G_LOG_DOMAIN "test-l10n"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-preferences-window.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "ks-window.h"
#include "library-fixtures.h"

#define TEST_KEY "test-id:test-secret"
#define DEADLINE_MS 30000

static const char *prompts[] = {
  "A lighthouse on a cliff at dusk, oil painting",
  "A paper boat on a rainy street",
  "A red fox asleep in the snow",
};

static const char *lang;

/* ---- the library on disk -------------------------------------------------- */

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  guint *pending = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (ks_library_save_finish (KS_LIBRARY (source), result, &error));
  g_assert_no_error (error);
  (*pending)--;
}

static gboolean
none_pending (gpointer data)
{
  return *(guint *) data == 0;
}

static void
write_library (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  guint pending = 0;

  for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
    {
      KsRecord *record = ks_test_library_add_result (library, prompts[i], "png", 1, 0,
                                                     0x30507000u + 0x30201000u * i);
      pending++;
      ks_library_save_async (library, record, NULL, saved_cb, &pending);
    }
  g_assert_true (ks_test_gui_wait_until (none_pending, &pending, DEADLINE_MS));
}

typedef struct
{
  KsSession *session;
} Filled;

static gboolean
gallery_filled (gpointer data)
{
  Filled *filled = data;

  return g_list_model_get_n_items (ks_session_get_items (filled->session)) >= G_N_ELEMENTS (prompts);
}

/* ---- the checks --------------------------------------------------------------- */

#define WINDOW_WIDTH  1280
#define WINDOW_HEIGHT 800

/* The catalogue's translation of @msgid without its mnemonic;
 * fails when the catalogue leaves it in English. */
static char *
translated (const char *msgid)
{
  const char *text = g_dgettext (GETTEXT_PACKAGE, msgid);
  GString *plain = g_string_new (NULL);

  const char *end;

  if (g_str_equal (text, msgid))
    g_error ("“%s” is not translated for %s: is po/%s.po built and complete?", msgid, lang, lang);
  /* CJK translations put the mnemonic after the text, as “生成(_G)”. */
  end = strstr (text, "(_");
  if (end == NULL)
    end = text + strlen (text);
  for (const char *p = text; p < end; p++)
    if (*p != '_')
      g_string_append_c (plain, *p);
  return g_string_free (plain, FALSE);
}

/* Each of @msgids is shown, translated, somewhere under @root. */
static void
assert_shown (GtkWidget   *root,
              const char  *where,
              const char **msgids)
{
  for (guint i = 0; msgids[i] != NULL; i++)
    {
      g_autofree char *text = translated (msgids[i]);

      if (ks_test_gui_find_text (root, text) == NULL)
        g_error ("%s: “%s” (%s) is not shown", where, text, msgids[i]);
      g_test_message ("%s: “%s” shown as “%s”", where, msgids[i], text);
    }
}

/* Prints, from @widget down, the visible children whose minimum width
 * comes near @budget: the path to what holds the window wider than it
 * was asked to be. */
static void
print_wide (GtkWidget *widget,
            int        budget,
            guint      depth)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *id = GTK_IS_BUILDABLE (child) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (child)) : NULL;
      int minimum = 0;

      if (!gtk_widget_get_visible (child))
        continue;
      gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      if (minimum < budget)
        continue;
      g_printerr ("# %*s%s%s%s: minimum width %d\n", (int) depth * 2, "",
                  G_OBJECT_TYPE_NAME (child), id ? "#" : "", id ? id : "", minimum);
      print_wide (child, budget, depth + 1);
    }
}

/* The window is as wide as it was asked to be: no translation makes a
 * part of it demand more. The surface has the requested size; the
 * window's own width is that less its frame. */
static void
assert_width (GtkWidget *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  int minimum = 0;

  gtk_widget_measure (window, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_test_message ("%s: surface %d × %d, window %d × %d, minimum width %d", lang,
                  gdk_surface_get_width (surface), gdk_surface_get_height (surface),
                  gtk_widget_get_width (window), gtk_widget_get_height (window), minimum);
  if (gdk_surface_get_width (surface) != WINDOW_WIDTH || minimum > gtk_widget_get_width (window))
    {
      g_printerr ("# %s: the window is %d px wide, asked for %d; what holds it:\n",
                  lang, gdk_surface_get_width (surface), WINDOW_WIDTH);
      print_wide (window, WINDOW_WIDTH / 4, 0);
    }
  g_assert_cmpint (gdk_surface_get_width (surface), ==, WINDOW_WIDTH);
  g_assert_cmpint (gdk_surface_get_height (surface), ==, WINDOW_HEIGHT);
  /* Every page of the window fits, the viewer's included. */
  g_assert_cmpint (minimum, <=, gtk_widget_get_width (window));
}

static gboolean
viewer_shown (gpointer data)
{
  GtkWidget *viewer = ks_test_gui_find_by_name (data, "viewer");
  GtkWidget *image = viewer != NULL ? ks_test_gui_find_by_name (viewer, "image_view") : NULL;

  return viewer != NULL && gtk_widget_get_mapped (viewer) &&
         ks_viewer_get_item (KS_VIEWER (viewer)) != NULL &&
         image != NULL && gtk_widget_get_mapped (image);
}

/* The viewer's toolbar, with the longest labels of the window, fits in
 * the same width: the window does not grow when a result opens. */
static void
check_viewer (GtkWidget  *window,
              const char *name)
{
  GtkWidget *grid = ks_test_gui_get (window, "grid_view");

  g_assert_true (gtk_widget_activate_action (grid, "list.activate-item", "u", 0));
  g_assert_true (ks_test_gui_wait_until (viewer_shown, window, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_stack_settled (ks_test_gui_get (window, "content_stack"), DEADLINE_MS));
  ks_test_gui_wait_frames (window, 5);
  g_assert_cmpuint (ks_test_gui_screenshot (window, name), >, 30);
  assert_width (window);
}

static void
test_windows (void)
{
  static const char *window_msgids[] = { "_Generate", "_Instruction", "Parameters", NULL };
  static const char *preferences_msgids[] = { "Connection", "API Key", "Test Connection", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *library_dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autofree char *window_name = g_strdup_printf ("window-%s.png", lang);
  g_autofree char *preferences_name = g_strdup_printf ("preferences-%s.png", lang);
  g_autofree char *viewer_name = g_strdup_printf ("viewer-%s.png", lang);
  g_autoptr(KsApplication) app = NULL;
  g_autoptr(KsSession) session = NULL;
  KsWindow *window;
  GtkWidget *preferences;
  Filled filled;

  g_setenv ("KS_LIBRARY_DIR", library_dir, TRUE);
  write_library ();

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  session = ks_session_new (ks_application_get_settings (app));
  ks_session_use_service (session, "http://127.0.0.1:9", TEST_KEY);
  window = g_object_new (KS_TYPE_WINDOW, "application", app, "session", session, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_present (GTK_WINDOW (window));
  filled.session = session;
  g_assert_true (ks_test_gui_wait_until (gallery_filled, &filled, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_stack_settled (ks_test_gui_get (ks_test_gui_get (GTK_WIDGET (window), "gallery"), "stack"),
                                                 DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (window), 5);

  assert_shown (GTK_WIDGET (window), "main window", window_msgids);
  assert_width (GTK_WIDGET (window));
  if (g_str_equal (lang, "de"))
    g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (window), "Erzeugen"));
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (window), window_name), >, 30);
  check_viewer (GTK_WIDGET (window), viewer_name);

  preferences = ks_preferences_window_new (GTK_WINDOW (window), session);
  gtk_window_set_default_size (GTK_WINDOW (preferences), 640, 720);
  gtk_window_present (GTK_WINDOW (preferences));
  ks_test_gui_wait_frames (preferences, 5);
  assert_shown (preferences, "preferences", preferences_msgids);
  if (g_str_equal (lang, "de"))
    g_assert_nonnull (ks_test_gui_find_text (preferences, "Verbindung"));
  g_assert_cmpuint (ks_test_gui_screenshot (preferences, preferences_name), >, 30);

  gtk_window_destroy (GTK_WINDOW (preferences));
  gtk_window_destroy (GTK_WINDOW (window));
  ks_test_gui_spin (50);
}

int
main (int   argc,
      char *argv[])
{
  const char *locale = g_getenv ("KS_TEST_LOCALE");
  const char *localedir = g_getenv ("KS_TEST_LOCALEDIR");

  lang = g_getenv ("KS_TEST_LANG");
  if (locale == NULL || lang == NULL || localedir == NULL)
    {
      g_printerr ("KS_TEST_LOCALE, KS_TEST_LANG and KS_TEST_LOCALEDIR must be set (tests/gui-l10n/meson.build sets them)\n");
      return 1;
    }
  /* GTK calls setlocale (LC_ALL, "") itself: the environment decides. */
  g_setenv ("LC_ALL", locale, TRUE);
  g_setenv ("LANGUAGE", lang, TRUE);
  if (setlocale (LC_ALL, locale) == NULL)
    {
      g_printerr ("The locale %s is not available on this system. Generate it "
                  "(.ci/install-deps does: locales, with %s in /etc/locale.gen, then locale-gen).\n",
                  locale, locale);
      return 1;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add_func ("/l10n/windows", test_windows);

  return g_test_run ();
}
