/* The application window under a real display (Xvfb in CI): with no key
 * it opens on its welcome page, restores and saves its size, takes the
 * images it was asked to open as references, draws something that is not
 * blank, and with --demo runs a whole job on the simulated service. */

#define G_LOG_DOMAIN "test-window"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-window.h"

#define FRAMES_TO_WAIT 5
#define DEADLINE_SECONDS 60

typedef struct
{
  KsApplication *app;
  KsWindow      *window;
  const char    *png_name;
  const char    *reference_path;
  guint          frames;
  guint          settled_frames;
  guint          timeout_id;
  gboolean       check_about;
  gboolean       demo;
  gboolean       demo_started;
  gboolean       checked;
} Fixture;

static char **real_data_dirs;

/* The isolated data dirs hide the system's icon themes, which every
 * session has: add them to the icon theme's search path, so the window
 * draws its real icons. Never link them into the isolated dirs: GLib
 * removes those recursively at exit, following links, which would empty
 * the system's folders. */
static void
add_system_icons (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

  for (guint j = 0; real_data_dirs[j] != NULL; j++)
    {
      g_autofree char *icons = g_build_filename (real_data_dirs[j], "icons", NULL);

      if (g_file_test (icons, G_FILE_TEST_IS_DIR))
        gtk_icon_theme_add_search_path (theme, icons);
    }
}

static gboolean
display_available (void)
{
  if (gtk_init_check ())
    {
      add_system_icons ();
      return TRUE;
    }

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

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The key lookup has answered (there is none in these tests) and the
 * files given have become references. */
static gboolean
window_settled (Fixture *fixture)
{
  KsSession *session = ks_window_get_session (fixture->window);
  KsKeyState state = ks_session_get_key_state (session);

  if (state == KS_KEY_STATE_UNKNOWN || state == KS_KEY_STATE_LOOKING)
    return FALSE;

  /* --demo: a job submitted through the window has delivered its image. */
  if (fixture->demo)
    {
      g_autoptr(KsGalleryItem) item = NULL;
      GListModel *items = ks_session_get_items (session);

      if (state != KS_KEY_STATE_DEMO || !fixture->demo_started)
        return FALSE;
      if (g_list_model_get_n_items (items) == 0)
        return FALSE;
      item = g_list_model_get_item (items, 0);
      return ks_gallery_item_get_image (item) != NULL;
    }

  if (fixture->reference_path != NULL &&
      ks_composer_get_n_references (ks_window_get_composer (fixture->window)) < 1)
    return FALSE;

  return TRUE;
}

/* Renders @widget as PLATFORM.md describes, saves it as a PNG in the build
 * dir and returns how many distinct colours it holds. */
/* A relayout just before a capture leaves the paintable empty for a frame:
 * TRUE once @widget draws something. */
static gboolean
widget_draws (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                          gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));

  return node != NULL;
}

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

/* --demo starts straight into the simulated service: no key, no network. */
static void
start_demo_job (Fixture *fixture)
{
  KsWindow *window = fixture->window;
  KsSession *session = ks_window_get_session (window);
  if (fixture->demo_started ||
      ks_session_get_key_state (session) != KS_KEY_STATE_DEMO ||
      !gtk_widget_get_mapped (GTK_WIDGET (ks_window_get_composer (window))))
    return;

  g_assert_true (ks_session_get_demo (session));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (find_named (GTK_WIDGET (window), "main_stack"))),
                   ==, "studio");
  g_assert_cmpstr (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (find_named (GTK_WIDGET (window), "window_title"))),
                   ==, "Simulated service");

  ks_composer_set_prompt (ks_window_get_composer (window), "A bowl of lemons");
  g_assert_true (ks_composer_get_can_submit (ks_window_get_composer (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.generate", NULL));
  /* The tile appears once the budget check has let the job go. */
  fixture->demo_started = TRUE;
}

static void
check_demo_window (Fixture *fixture)
{
  GtkWidget *widget = GTK_WIDGET (fixture->window);
  g_autoptr(KsGalleryItem) item = g_list_model_get_item (ks_session_get_items (ks_window_get_session (fixture->window)), 0);
  g_autofree char *png = g_build_filename (TEST_BUILDDIR, fixture->png_name, NULL);

  g_assert_cmpint (ks_record_get_state (ks_gallery_item_get_record (item)), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_cmpstr (ks_record_get_prompt (ks_gallery_item_get_record (item)), ==, "A bowl of lemons");
  g_assert_true (ks_gallery_item_get_simulated (item));
  g_assert_true (g_str_has_prefix (ks_client_get_base_url (ks_session_get_client (ks_window_get_session (fixture->window))),
                                   "http://127.0.0.1:"));
  g_assert_cmpuint (render_to_png (widget, png), >, 50);

  fixture->checked = TRUE;
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

  /* No key anywhere: the welcome page says what the app does, where to
   * get a key, and offers the demo. */
  g_assert_cmpint (ks_session_get_key_state (ks_window_get_session (fixture->window)), !=, KS_KEY_STATE_PRESENT);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (find_named (widget, "main_stack"))), ==, "welcome");
  page = find_status_page (widget);
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Welcome to Kontext Studio");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "FLUX.1 Kontext"));
  g_assert_cmpstr (adw_status_page_get_icon_name (page), ==, APP_ID);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (find_named (widget, "welcome_key_label"))),
                            "https://fal.ai/dashboard/keys"));
  g_assert_true (gtk_widget_get_mapped (find_named (widget, "demo_button")));
  g_assert_false (gtk_widget_get_sensitive (find_named (widget, "save_key_button")));

  /* The size stored in the settings is the size the window opened with. */
  gtk_window_get_default_size (GTK_WINDOW (widget), &width, &height);
  g_assert_cmpint (width, ==, g_settings_get_int (settings, "window-width"));
  g_assert_cmpint (height, ==, g_settings_get_int (settings, "window-height"));
  g_assert_false (gtk_window_is_maximized (GTK_WINDOW (widget)));

  /* Images given on the command line become the composer's references. */
  g_assert_cmpuint (ks_composer_get_n_references (ks_window_get_composer (fixture->window)),
                    ==, fixture->reference_path != NULL ? 1 : 0);

  /* The primary actions exist and work. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "quit"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "about"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "preferences"));

  /* Ctrl+Q quits, Ctrl+, opens the preferences, F1 the shortcuts window,
   * which is found in the resources. */
  {
    g_auto(GStrv) quit = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "app.quit");
    g_auto(GStrv) prefs = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "app.preferences");
    g_auto(GStrv) help = gtk_application_get_accels_for_action (GTK_APPLICATION (fixture->app), "win.show-help-overlay");

    g_assert_true (g_strv_contains ((const char * const *) quit, "<Control>q"));
    g_assert_true (g_strv_contains ((const char * const *) prefs, "<Control>comma"));
    g_assert_true (g_strv_contains ((const char * const *) help, "F1"));
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

  ++fixture->frames;
  if (fixture->demo)
    start_demo_job (fixture);
  /* Count frames from the moment the page is final, so that it has been
   * laid out and drawn (and its crossfade has ended). */
  if (!window_settled (fixture))
    {
      fixture->settled_frames = 0;
      return G_SOURCE_CONTINUE;
    }
  if (++fixture->settled_frames < FRAMES_TO_WAIT ||
      gtk_stack_get_transition_running (GTK_STACK (find_named (widget, "main_stack"))) ||
      !widget_draws (widget))
    return G_SOURCE_CONTINUE;

  if (fixture->demo)
    check_demo_window (fixture);
  else
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
  g_test_fail_printf ("The window did not settle within %d s (drew %u frames; "
                      "the key lookup or the references did not finish)",
                      DEADLINE_SECONDS, fixture->frames);
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
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "flour.png", NULL);
  Fixture fixture = { .png_name = "window-open.png", .reference_path = path };
  char *argv[] = { (char *) "kontext-studio", path, NULL };
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(GError) error = NULL;

  if (!display_available ())
    return;

  /* A real image, as Files would hand over. */
  gdk_pixbuf_fill (pixbuf, 0xd8c8a0ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);

  run_app (&fixture, 2, argv);
}

static void
test_window_demo (void)
{
  Fixture fixture = { .png_name = "window-demo.png", .demo = TRUE };
  char *argv[] = { (char *) "kontext-studio", (char *) "--demo", NULL };

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
  /* A job that finishes while the window is not active is announced. */
  ks_test_gui_serve_notifications ();

  g_test_add_func ("/window/activate", test_window_activate);
  g_test_add_func ("/window/open", test_window_open);
  g_test_add_func ("/window/demo", test_window_demo);

  return g_test_run ();
}
