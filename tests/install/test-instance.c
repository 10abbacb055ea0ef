/* One instance: with the application registered on the session bus, a
 * second `kontext-studio FILE` hands its file to the running window and
 * exits, and a D-Bus activation Open (what Files does through the desktop
 * entry, DBusActivatable=true) adds a reference to the same window. No
 * second window is ever opened. Needs a display and a session bus: run
 * under xvfb-run and dbus-run-session, as .ci/run does. */

#define G_LOG_DOMAIN "test-instance"

#include "config.h"

#include <glib/gstdio.h>

#include "ks-core.h"

#include "ks-application.h"
#include "ks-composer.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-window.h"

#define DEADLINE_MS 30000

typedef struct
{
  KsApplication *app;
  KsWindow      *window;
  guint          wanted_references;
  gboolean       exited;
  GError        *exit_error;
  gboolean       called;
  GError        *call_error;
} Fixture;

static char *
write_png (const char *name,
           guint32     colour)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, colour);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

static guint
n_references (Fixture *fixture)
{
  return ks_composer_get_n_references (ks_window_get_composer (fixture->window));
}

static guint
n_windows (Fixture *fixture)
{
  return g_list_length (gtk_application_get_windows (GTK_APPLICATION (fixture->app)));
}

static gboolean
key_settled (gpointer data)
{
  Fixture *fixture = data;
  KsKeyState state = ks_session_get_key_state (ks_window_get_session (fixture->window));

  return state != KS_KEY_STATE_UNKNOWN && state != KS_KEY_STATE_LOOKING;
}

static gboolean
second_instance_done (gpointer data)
{
  Fixture *fixture = data;

  return fixture->exited && n_references (fixture) >= fixture->wanted_references;
}

static gboolean
open_call_done (gpointer data)
{
  Fixture *fixture = data;

  return fixture->called && n_references (fixture) >= fixture->wanted_references;
}

static void
on_second_instance_exited (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &fixture->exit_error);
  fixture->exited = TRUE;
}

static void
on_open_called (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &fixture->call_error);
  fixture->called = TRUE;
}

static void
test_instance_open (void)
{
  g_autofree char *first = write_png ("instance-first.png", 0xd8c8a0ff);
  g_autofree char *second = write_png ("instance-second.png", 0x4060a0ff);
  g_autofree char *second_uri = g_filename_to_uri (second, NULL, NULL);
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GError) error = NULL;
  const char *uris[] = { second_uri, NULL };
  Fixture fixture = { 0 };
  GDBusConnection *bus;

  /* The first instance: the real application object, unique on the bus. */
  fixture.app = ks_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (fixture.app), NULL, &error));
  g_assert_no_error (error);
  if (g_application_get_is_remote (G_APPLICATION (fixture.app)))
    {
      g_test_fail_printf ("%s is already running on this session bus; run this test "
                          "in a session of its own (dbus-run-session), as .ci/run does",
                          APP_ID);
      g_clear_object (&fixture.app);
      return;
    }
  bus = g_application_get_dbus_connection (G_APPLICATION (fixture.app));
  g_assert_nonnull (bus);

  g_application_hold (G_APPLICATION (fixture.app));
  g_application_activate (G_APPLICATION (fixture.app));
  fixture.window = KS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture.app)));
  g_assert_true (KS_IS_WINDOW (fixture.window));
  g_assert_true (ks_test_gui_wait_until (key_settled, &fixture, DEADLINE_MS));
  g_assert_cmpuint (n_references (&fixture), ==, 0);
  g_assert_cmpuint (n_windows (&fixture), ==, 1);

  /* A second `kontext-studio FILE`, as from a terminal or Exec=…%U: the
   * real program, which finds the first instance on the bus, forwards the
   * file and exits successfully. */
  subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                 KONTEXT_STUDIO_PROGRAM, first, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check_async (subprocess, NULL, on_second_instance_exited, &fixture);
  fixture.wanted_references = 1;
  if (!ks_test_gui_wait_until (second_instance_done, &fixture, DEADLINE_MS))
    g_test_fail_printf ("the second instance %s, and the window has %u reference(s) "
                        "instead of 1 after %d s",
                        fixture.exited ? "exited" : "is still running",
                        n_references (&fixture), DEADLINE_MS / 1000);
  g_assert_no_error (fixture.exit_error);
  g_assert_cmpuint (n_references (&fixture), ==, 1);
  g_assert_cmpuint (n_windows (&fixture), ==, 1);
  g_assert_true (KS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (fixture.app))) == fixture.window);

  /* What a file manager does with a DBusActivatable desktop entry:
   * org.freedesktop.Application.Open on the application's object path. */
  g_dbus_connection_call (bus, APP_ID,
                          g_application_get_dbus_object_path (G_APPLICATION (fixture.app)),
                          "org.freedesktop.Application", "Open",
                          g_variant_new ("(^asa{sv})", uris, NULL),
                          NULL, G_DBUS_CALL_FLAGS_NONE, DEADLINE_MS, NULL,
                          on_open_called, &fixture);
  fixture.wanted_references = 2;
  if (!ks_test_gui_wait_until (open_call_done, &fixture, DEADLINE_MS))
    g_test_fail_printf ("after org.freedesktop.Application.Open the window has %u "
                        "reference(s) instead of 2", n_references (&fixture));
  g_assert_no_error (fixture.call_error);
  g_assert_cmpuint (n_references (&fixture), ==, 2);
  g_assert_cmpuint (n_windows (&fixture), ==, 1);

  g_object_add_weak_pointer (G_OBJECT (fixture.window), (gpointer *) &fixture.window);
  gtk_window_destroy (GTK_WINDOW (fixture.window));
  ks_test_gui_spin (50);
  g_assert_null (fixture.window);
  g_application_release (G_APPLICATION (fixture.app));
  g_clear_object (&fixture.app);

  g_unlink (first);
  g_unlink (second);
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add_func ("/instance/open", test_instance_open);

  return g_test_run ();
}
