/* The application window under a real display (Xvfb in CI): it opens with
 * its title and welcome page, restores and saves its size, shows the files
 * it was asked to open, and draws something that is not blank. */

#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-window.h"

#define FRAMES_TO_WAIT 5
#define DEADLINE_SECONDS 60

typedef struct
{
  KsApplication *app;
  KsWindow      *window;
  const char    *png_name;
  const char    *expected_reference;
  guint          frames;
  guint          timeout_id;
  gboolean       check_about;
  gboolean       checked;
} Fixture;

static char **real_data_dirs;

/* The isolated data dirs hide the system's icon themes, which every
 * session has: bring them into the isolated dir by link, so the window
 * draws its real icons. */
static void
link_system_data (void)
{
  static const char * const subdirs[] = { "icons" };
  const char *isolated = g_get_system_data_dirs ()[0];

  g_assert_nonnull (isolated);
  g_assert_cmpint (g_mkdir_with_parents (isolated, 0700), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    for (guint j = 0; real_data_dirs[j] != NULL; j++)
      {
        g_autofree char *target = g_build_filename (real_data_dirs[j], subdirs[i], NULL);
        g_autofree char *link = g_build_filename (isolated, subdirs[i], NULL);

        if (!g_file_test (target, G_FILE_TEST_IS_DIR))
          continue;

        g_assert_no_errno (symlink (target, link));
        break;
      }
}

static gboolean
display_available (void)
{
  link_system_data ();

  if (gtk_init_check ())
    return TRUE;

  g_test_fail_printf ("No display could be opened (DISPLAY=%s, GDK_BACKEND=%s). "
                      "This test draws a real window: run it under xvfb-run, "
                      "as .ci/run does.",
                      g_getenv ("DISPLAY") ? g_getenv ("DISPLAY") : "unset",
                      g_getenv ("GDK_BACKEND") ? g_getenv ("GDK_BACKEND") : "unset");
  return FALSE;
}

static AdwStatusPage *
find_status_page (GtkWidget *widget)
{
  if (ADW_IS_STATUS_PAGE (widget))
    return ADW_STATUS_PAGE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *found = find_status_page (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
label_shows (GtkWidget  *widget,
             const char *needle)
{
  if (GTK_IS_LABEL (widget) &&
      gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_label (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_shows (child, needle))
      return TRUE;

  return FALSE;
}

/* Renders @widget as PLATFORM.md describes, saves it as a PNG in the build
 * dir and returns how many distinct colours it holds. */
static guint
render_to_png (GtkWidget  *widget,
               const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  g_autofree guchar *pixels = NULL;
  GskRenderer *renderer;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gsize stride;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("window drawn to %s", path);

  stride = (gsize) width * 4;
  pixels = g_malloc (stride * height);
  gdk_texture_download (texture, pixels, stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel;

        memcpy (&pixel, pixels + y * stride + x * 4, sizeof pixel);
        g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
      }

  return g_hash_table_size (colours);
}

/* About shows this version and the endpoints the core offers. libadwaita
 * 1.5 turned the About window into a dialog inside the main window. */
#if ADW_CHECK_VERSION (1, 5, 0)
# define ABOUT_GET(about, what) adw_about_dialog_get_##what (ADW_ABOUT_DIALOG (about))
#else
# define ABOUT_GET(about, what) adw_about_window_get_##what (ADW_ABOUT_WINDOW (about))
#endif

static GtkWidget *
find_about (Fixture *fixture)
{
#if ADW_CHECK_VERSION (1, 5, 0)
  AdwDialog *dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (fixture->window));

  return ADW_IS_ABOUT_DIALOG (dialog) ? GTK_WIDGET (dialog) : NULL;
#else
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *about = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (item))
        {
          about = GTK_WIDGET (item);
          g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (fixture->window));
        }
    }

  return about;
#endif
}

static void
check_about (Fixture *fixture)
{
  g_autofree char *count = NULL;
  const KsEndpoint * const *endpoints;
  GtkWidget *about;
  guint n_endpoints = 0;

  g_assert_null (find_about (fixture));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "about", NULL);
  about = find_about (fixture);
  g_assert_nonnull (about);
  g_assert_true (gtk_widget_get_visible (about));
  g_assert_cmpstr (ABOUT_GET (about, version), ==, PACKAGE_VERSION);
  g_assert_cmpstr (ABOUT_GET (about, application_icon), ==, APP_ID);

  endpoints = ks_endpoint_list (&n_endpoints);
  g_assert_cmpuint (n_endpoints, >, 0);
  count = g_strdup_printf ("through %u model endpoint", n_endpoints);
  g_assert_nonnull (strstr (ABOUT_GET (about, comments), count));
  for (guint i = 0; i < n_endpoints; i++)
    g_assert_nonnull (strstr (ABOUT_GET (about, debug_info), ks_endpoint_get_id (endpoints[i])));

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_force_close (ADW_DIALOG (about));
#else
  gtk_window_destroy (GTK_WINDOW (about));
#endif
}

static void
check_window (Fixture *fixture)
{
  GtkWidget *widget = GTK_WIDGET (fixture->window);
  GSettings *settings = ks_application_get_settings (fixture->app);
  AdwStatusPage *page;
  g_autofree char *png = NULL;
  guint n_colours;
  int width, height;

  g_assert_true (gtk_widget_get_mapped (widget));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (widget)), ==, "Kontext Studio");

  page = find_status_page (widget);
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Kontext Studio");
  g_assert_nonnull (adw_status_page_get_description (page));
  g_assert_cmpstr (adw_status_page_get_icon_name (page), ==, APP_ID);

  /* The size stored in the settings is the size the window opened with. */
  gtk_window_get_default_size (GTK_WINDOW (widget), &width, &height);
  g_assert_cmpint (width, ==, g_settings_get_int (settings, "window-width"));
  g_assert_cmpint (height, ==, g_settings_get_int (settings, "window-height"));
  g_assert_false (gtk_window_is_maximized (GTK_WINDOW (widget)));

  /* Files given on the command line are listed as references. */
  if (fixture->expected_reference != NULL)
    g_assert_true (label_shows (widget, fixture->expected_reference));
  else
    g_assert_false (label_shows (widget, "Reference"));

  /* The primary actions exist; Preferences is a disabled placeholder. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "quit"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "about"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "preferences"));

  /* Ctrl+Q quits; the shortcuts window is found in the resources. */
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "app.quit");

    g_assert_true (g_strv_contains ((const char * const *) accels, "<Control>q"));
  }
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (widget), "show-help-overlay"));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (widget)));

  png = g_build_filename (TEST_BUILDDIR, fixture->png_name, NULL);
  n_colours = render_to_png (widget, png);
  /* A blank or black window has one or two colours; text, an icon and a
   * header bar give hundreds. */
  g_assert_cmpuint (n_colours, >, 50);

  /* A new size is written back to the settings, to be restored next time. */
  gtk_window_set_default_size (GTK_WINDOW (widget), 700, 500);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 700);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 500);

  if (fixture->check_about)
    check_about (fixture);

  fixture->checked = TRUE;
}

/* Closing the last window lets the application finish on its own, as it
 * does for a user; the quit is a safeguard. */
static gboolean
close_and_quit (gpointer user_data)
{
  Fixture *fixture = user_data;
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (fixture->app))) != NULL)
    gtk_window_destroy (windows->data);
  fixture->window = NULL;
  g_application_quit (G_APPLICATION (fixture->app));

  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Fixture *fixture = user_data;

  if (++fixture->frames < FRAMES_TO_WAIT)
    return G_SOURCE_CONTINUE;

  check_window (fixture);
  g_idle_add (close_and_quit, fixture);

  return G_SOURCE_REMOVE;
}

static void
on_window_added (GtkApplication *app,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  Fixture *fixture = user_data;

  if (!KS_IS_WINDOW (window) || fixture->window != NULL)
    return;

  fixture->window = KS_WINDOW (window);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, fixture, NULL);
}

static gboolean
on_deadline (gpointer user_data)
{
  Fixture *fixture = user_data;

  fixture->timeout_id = 0;
  g_test_fail_printf ("The window did not draw %d frames within %d s (drew %u)",
                      FRAMES_TO_WAIT, DEADLINE_SECONDS, fixture->frames);
  close_and_quit (fixture);

  return G_SOURCE_REMOVE;
}

static void
run_app (Fixture *fixture,
         int      argc,
         char   **argv)
{
  g_autoptr(GSettings) settings = g_settings_new (KS_SETTINGS_SCHEMA_ID);
  int status;

  /* A size other than the default, as if saved by an earlier run. */
  g_settings_set_int (settings, "window-width", 820);
  g_settings_set_int (settings, "window-height", 640);

  fixture->app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (fixture->app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect (fixture->app, "window-added", G_CALLBACK (on_window_added), fixture);
  fixture->timeout_id = g_timeout_add_seconds (DEADLINE_SECONDS, on_deadline, fixture);

  status = g_application_run (G_APPLICATION (fixture->app), argc, argv);

  g_clear_handle_id (&fixture->timeout_id, g_source_remove);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (fixture->checked || g_test_failed ());
  g_assert_finalize_object (fixture->app);
}

static void
test_window_activate (void)
{
  Fixture fixture = { .png_name = "window.png", .check_about = TRUE };
  char *argv[] = { (char *) "kontext-studio", NULL };

  if (!display_available ())
    return;

  run_app (&fixture, 1, argv);
}

static void
test_window_open (void)
{
  Fixture fixture = { .png_name = "window-open.png", .expected_reference = "flour.png" };
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "flour.png", NULL);
  char *argv[] = { (char *) "kontext-studio", path, NULL };

  if (!display_available ())
    return;

  run_app (&fixture, 2, argv);
}

int
main (int   argc,
      char *argv[])
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");

  if (data_dirs == NULL || *data_dirs == '\0')
    data_dirs = "/usr/local/share:/usr/share";
  real_data_dirs = g_strsplit (data_dirs, G_SEARCHPATH_SEPARATOR_S, -1);

  /* Keep the system's MIME database, or gdk-pixbuf cannot recognise an
   * SVG icon; this must come before the dirs are isolated. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/window/activate", test_window_activate);
  g_test_add_func ("/window/open", test_window_open);

  return g_test_run ();
}
