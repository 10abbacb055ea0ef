#define G_LOG_DOMAIN "ks-test-gui"

#include "config.h"

#include <string.h>

#include "ks-test-gui.h"
#include "ks-gallery-item.h"

static char **real_data_dirs;

void
ks_test_gui_preinit (void)
{
  real_data_dirs = g_strdupv ((char **) g_get_system_data_dirs ());
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

/* The isolated dirs of G_TEST_OPTION_ISOLATE_DIRS hide the system's MIME
 * database and icon themes. Point GIO and GTK at the real ones by path.
 * Never link them into the isolated dirs: GLib removes those recursively
 * at exit, following links, which would empty the system's folders. */
static void
use_system_data (void)
{
  g_autoptr(GPtrArray) mime_dirs = g_ptr_array_new_with_free_func (g_free);

  if (real_data_dirs == NULL)
    return;

  /* The MIME directories themselves, not the data dirs that hold them. */
  g_ptr_array_add (mime_dirs, g_build_filename (g_get_user_data_dir (), "mime", NULL));
  for (guint i = 0; real_data_dirs[i] != NULL; i++)
    g_ptr_array_add (mime_dirs, g_build_filename (real_data_dirs[i], "mime", NULL));
  g_ptr_array_add (mime_dirs, NULL);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs->pdata);
}

static void
add_icon_paths (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

  for (guint i = 0; real_data_dirs != NULL && real_data_dirs[i] != NULL; i++)
    {
      g_autofree char *icons = g_build_filename (real_data_dirs[i], "icons", NULL);

      if (g_file_test (icons, G_FILE_TEST_IS_DIR))
        gtk_icon_theme_add_search_path (theme, icons);
    }
}

/* The test session bus has no notification server, and GIO warns (a
 * fatal warning in tests) when a notification cannot be delivered. Own the
 * name on the bus and answer as a minimal server. */
static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
  "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static guint n_notifications;
static gboolean notifications_name_acquired;

static void
on_notifications_call (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  if (g_strcmp0 (method_name, "Notify") == 0)
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", ++n_notifications));
  else if (g_strcmp0 (method_name, "GetCapabilities") == 0)
    {
      const char *caps[] = { "body", "actions", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_strcmp0 (method_name, "GetServerInformation") == 0)
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(ssss)", "test", "kontext-studio", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
on_notifications_name_acquired (GDBusConnection *connection,
                                const char      *name,
                                gpointer         user_data)
{
  notifications_name_acquired = TRUE;
}

static gboolean
notifications_ready (gpointer data)
{
  return notifications_name_acquired;
}

void
ks_test_gui_serve_notifications (void)
{
  static const GDBusInterfaceVTable vtable = { on_notifications_call, NULL, NULL };
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      /* No session bus: the app's notifications go nowhere and GIO says
       * so; the suite runs under dbus-run-session, as .ci/run does. */
      g_test_message ("No session bus for a notification server: %s", error->message);
      return;
    }

  info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (bus, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (bus, "org.freedesktop.Notifications",
                                G_BUS_NAME_OWNER_FLAGS_NONE,
                                on_notifications_name_acquired, NULL, NULL, NULL);
  if (!ks_test_gui_wait_until (notifications_ready, NULL, 10000))
    g_test_message ("Could not own org.freedesktop.Notifications on the test bus");
}

gboolean
ks_test_gui_init (void)
{
  use_system_data ();
  ks_test_gui_serve_notifications ();

  /* A display that is busy accepting other test programs can refuse a
   * connection now and then: try a few times before giving up. */
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      /* After a refused first try, GTK can count itself initialized
       * without a default display: open it here then. */
      if (gtk_init_check () && gdk_display_get_default () == NULL)
        {
          GdkDisplay *display = gdk_display_open (NULL);

          if (display != NULL)
            gdk_display_manager_set_default_display (gdk_display_manager_get (), display);
        }
      if (gdk_display_get_default () != NULL)
        {
          adw_init ();
          add_icon_paths ();
          return TRUE;
        }
      g_usleep (200 * 1000);
    }

  g_printerr ("No display could be opened (DISPLAY=%s, GDK_BACKEND=%s). "
              "This test draws real windows: run it under xvfb-run, "
              "as .ci/run does.\n",
              g_getenv ("DISPLAY") ? g_getenv ("DISPLAY") : "unset",
              g_getenv ("GDK_BACKEND") ? g_getenv ("GDK_BACKEND") : "unset");
  return FALSE;
}

gboolean
ks_test_gui_wait_until (gboolean (*predicate) (gpointer data),
                        gpointer   data,
                        guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!predicate (data))
    {
      if (g_get_monotonic_time () > deadline)
        return predicate (data);

      /* Blocking would stall on a quiet context; poll with short sleeps. */
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }

  return TRUE;
}

void
ks_test_gui_spin (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

typedef struct
{
  guint remaining;
} FrameWait;

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  FrameWait *wait = user_data;

  if (wait->remaining > 0)
    wait->remaining--;

  return wait->remaining > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
frames_done (gpointer data)
{
  return ((FrameWait *) data)->remaining == 0;
}

void
ks_test_gui_wait_frames (GtkWidget *widget,
                         guint      n_frames)
{
  FrameWait wait = { n_frames };
  guint id;

  id = gtk_widget_add_tick_callback (widget, on_tick, &wait, NULL);
  gtk_widget_queue_draw (widget);
  if (!ks_test_gui_wait_until (frames_done, &wait, 10000))
    {
      /* An unmapped widget never ticks: stop waiting, but say so. */
      gtk_widget_remove_tick_callback (widget, id);
      g_test_message ("%s did not draw %u frames within 10 s",
                      G_OBJECT_TYPE_NAME (widget), n_frames);
    }
}

guint
ks_test_gui_screenshot (GtkWidget  *widget,
                        const char *name)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
  g_autofree guchar *pixels = NULL;
  g_autofree char *path = NULL;
  const char *dir;
  GskRenderer *renderer;
  int width = 0, height = 0;
  gsize stride;

  /* A relayout just before the capture leaves the paintable empty for a
   * frame: wait and try again a few times before calling it blank. */
  for (guint attempt = 0; node == NULL && attempt < 10; attempt++)
    {
      ks_test_gui_wait_frames (widget, 3);

      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      g_assert_cmpint (width, >, 0);
      g_assert_cmpint (height, >, 0);

      g_clear_object (&paintable);
      paintable = gtk_widget_paintable_new (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);

  dir = g_getenv ("KS_SCREENSHOT_DIR");
  if (dir == NULL || *dir == '\0')
    dir = g_getenv ("G_TEST_BUILDDIR");
  if (dir == NULL)
    dir = ".";
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);

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

GtkWidget *
ks_test_gui_find_by_type (GtkWidget *root,
                          GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ks_test_gui_find_by_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static const char *
widget_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (ADW_IS_STATUS_PAGE (widget))
    return adw_status_page_get_title (ADW_STATUS_PAGE (widget));
  if (ADW_IS_PREFERENCES_ROW (widget))
    return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  return NULL;
}

GtkWidget *
ks_test_gui_find_text (GtkWidget  *root,
                       const char *needle)
{
  const char *text = widget_text (root);

  if (text != NULL && gtk_widget_get_mapped (root) && strstr (text, needle) != NULL)
    return root;

  if (ADW_IS_STATUS_PAGE (root) && gtk_widget_get_mapped (root))
    {
      const char *description = adw_status_page_get_description (ADW_STATUS_PAGE (root));

      if (description != NULL && strstr (description, needle) != NULL)
        return root;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ks_test_gui_find_text (child, needle);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
ks_test_gui_find_by_name (GtkWidget  *root,
                          const char *name)
{
  const char *id = gtk_buildable_get_buildable_id (GTK_BUILDABLE (root));

  if (g_strcmp0 (id, name) == 0 || g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ks_test_gui_find_by_name (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
ks_test_gui_get (GtkWidget  *root,
                 const char *name)
{
  GtkWidget *widget = ks_test_gui_find_by_name (root, name);

  if (widget == NULL)
    g_error ("No widget named “%s” in the %s", name, G_OBJECT_TYPE_NAME (root));
  return widget;
}

const char *
ks_test_gui_label_text (GtkWidget  *root,
                        const char *name)
{
  GtkWidget *label = ks_test_gui_get (root, name);

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_label (GTK_LABEL (label));
}

const char *
ks_test_gui_row_subtitle (GtkWidget  *root,
                          const char *name)
{
  const char *text = adw_action_row_get_subtitle (ADW_ACTION_ROW (ks_test_gui_get (root, name)));

  return text != NULL ? text : "";
}

GtkWidget *
ks_test_gui_show (GtkWidget  *child,
                  int         width,
                  int         height,
                  GtkWindow **out_window)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_title (GTK_WINDOW (window), "Kontext Studio");
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  ks_test_gui_wait_frames (child, 2);

  *out_window = GTK_WINDOW (window);
  return child;
}

static gboolean
stack_settled (gpointer data)
{
  return !gtk_stack_get_transition_running (GTK_STACK (data));
}

gboolean
ks_test_gui_wait_stack_settled (GtkWidget *root,
                                guint      timeout_ms)
{
  GtkWidget *stack = GTK_IS_STACK (root) ? root : ks_test_gui_find_by_type (root, GTK_TYPE_STACK);

  g_assert_nonnull (stack);
  return ks_test_gui_wait_until (stack_settled, stack, timeout_ms);
}

AdwMessageDialog *
ks_test_gui_find_message_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();
  AdwMessageDialog *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      {
        g_assert_null (found);  /* one dialog at a time */
        found = ADW_MESSAGE_DIALOG (l->data);
      }

  return found;
}

static gboolean
message_dialog_shown (gpointer data)
{
  AdwMessageDialog *dialog = ks_test_gui_find_message_dialog ();

  return dialog != NULL && gtk_widget_get_mapped (GTK_WIDGET (dialog));
}

static gboolean
message_dialog_gone (gpointer data)
{
  return ks_test_gui_find_message_dialog () == NULL;
}

AdwMessageDialog *
ks_test_gui_wait_message_dialog (guint timeout_ms)
{
  if (!ks_test_gui_wait_until (message_dialog_shown, NULL, timeout_ms))
    return NULL;

  return ks_test_gui_find_message_dialog ();
}

gboolean
ks_test_gui_wait_message_dialog_gone (guint timeout_ms)
{
  return ks_test_gui_wait_until (message_dialog_gone, NULL, timeout_ms);
}

static gboolean
item_loaded (gpointer data)
{
  return ks_gallery_item_get_texture (KS_GALLERY_ITEM (data)) != NULL &&
         ks_gallery_item_get_thumbnail (KS_GALLERY_ITEM (data)) != NULL;
}

gboolean
ks_test_gui_wait_item_loaded (KsGalleryItem *item,
                              guint          timeout_ms)
{
  return ks_test_gui_wait_until (item_loaded, item, timeout_ms);
}

gboolean
ks_test_gui_setup (int    *argc,
                   char ***argv)
{
  ks_test_gui_preinit ();
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  return ks_test_gui_init ();
}
