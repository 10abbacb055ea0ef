/* The image view under a display: zoom toward a point, the zoom actions,
 * fit that follows the size, panning clamped to the frame, pixels drawn
 * where the geometry says, and a large file decoded at the shown size
 * first and at full size later, off the main thread. */

#include "config.h"

#include <math.h>

#include <glib/gstdio.h>

#include "compare-util.h"
#include "ks-image-view.h"
#include "ks-test-gui.h"

#define WAIT_MS 30000

typedef struct
{
  GtkWidget   *window;
  GtkWidget   *box;
  KsImageView *view;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  fixture->view = KS_IMAGE_VIEW (ks_image_view_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (fixture->view), TRUE);
  gtk_box_append (GTK_BOX (fixture->box), GTK_WIDGET (fixture->view));
  fixture->window = compare_test_window (fixture->box, 800, 600);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (20);
}

static void
show_texture (Fixture *fixture,
              int      width,
              int      height,
              guint32  rgb)
{
  g_autoptr(GdkTexture) texture = compare_test_solid_texture (width, height, rgb);

  ks_image_view_set_paintable (fixture->view, GDK_PAINTABLE (texture));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->view), 2);
}

static double
expected_fit (Fixture *fixture,
              double   frame_width,
              double   frame_height)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (fixture->view));

  return MIN (gtk_widget_get_width (GTK_WIDGET (fixture->view)) * scale / frame_width,
              gtk_widget_get_height (GTK_WIDGET (fixture->view)) * scale / frame_height);
}

/* ---- zoom ----------------------------------------------------------------- */

static void
test_zoom_at_keeps_point (Fixture       *fixture,
                          gconstpointer  data)
{
  struct { double factor, x, y; } steps[] = {
    { 2.0, 300, 200 }, { 1.5, 120, 400 }, { 0.8, 650, 90 }, { 3.0, 400, 300 },
  };
  double fit;

  show_texture (fixture, 1000, 800, 0x3366cc);

  fit = expected_fit (fixture, 1000, 800);
  g_assert_true (ks_image_view_get_fit (fixture->view));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), fit, 1e-9);
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_fit_zoom (fixture->view), fit, 1e-9);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      double before_x, before_y, after_x, after_y;
      double zoom = ks_image_view_get_zoom (fixture->view);

      ks_image_view_widget_to_frame (fixture->view, steps[i].x, steps[i].y, &before_x, &before_y);
      /* The point is on the image, so nothing clamps it away. */
      g_assert_cmpfloat (before_x, >, 0);
      g_assert_cmpfloat (before_x, <, 1000);
      g_assert_cmpfloat (before_y, >, 0);
      g_assert_cmpfloat (before_y, <, 800);

      ks_image_view_zoom_at (fixture->view, steps[i].factor, steps[i].x, steps[i].y);
      ks_image_view_widget_to_frame (fixture->view, steps[i].x, steps[i].y, &after_x, &after_y);

      g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), zoom * steps[i].factor, 1e-9);
      g_assert_cmpfloat_with_epsilon (after_x, before_x, 1e-6);
      g_assert_cmpfloat_with_epsilon (after_y, before_y, 1e-6);
      g_assert_false (ks_image_view_get_fit (fixture->view));
    }

  /* Clamped at 16× and at the smaller of fit and 5 %. */
  ks_image_view_zoom_at (fixture->view, 1000, 10, 10);
  g_assert_cmpfloat (ks_image_view_get_zoom (fixture->view), ==, KS_IMAGE_VIEW_MAX_ZOOM);
  ks_image_view_zoom_at (fixture->view, 1e-6, 10, 10);
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), MIN (fit, 0.05), 1e-9);
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_type_is_a (G_OBJECT_TYPE (controller), type))
        return controller;
    }

  return NULL;
}

/* The wheel and a pinch, through their controllers' handlers: toward the
 * pointer (as the motion controller last saw it). */
static void
test_zoom_wheel_and_pinch (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->view);
  GtkEventController *motion = find_controller (widget, GTK_TYPE_EVENT_CONTROLLER_MOTION);
  GtkEventController *scroll = find_controller (widget, GTK_TYPE_EVENT_CONTROLLER_SCROLL);
  GtkEventController *pinch = find_controller (widget, GTK_TYPE_GESTURE_ZOOM);
  double before_x, before_y, after_x, after_y, zoom;
  gboolean handled = FALSE;

  g_assert_nonnull (motion);
  g_assert_nonnull (scroll);
  g_assert_nonnull (pinch);
  show_texture (fixture, 1000, 800, 0x3366cc);
  zoom = ks_image_view_get_zoom (fixture->view);

  g_signal_emit_by_name (motion, "motion", 250.0, 180.0);
  ks_image_view_widget_to_frame (fixture->view, 250, 180, &before_x, &before_y);
  g_signal_emit_by_name (scroll, "scroll", 0.0, -2.0, &handled);
  g_assert_true (handled);
  g_assert_cmpfloat (ks_image_view_get_zoom (fixture->view), >, zoom * 1.2);
  ks_image_view_widget_to_frame (fixture->view, 250, 180, &after_x, &after_y);
  g_assert_cmpfloat_with_epsilon (after_x, before_x, 1e-6);
  g_assert_cmpfloat_with_epsilon (after_y, before_y, 1e-6);

  /* Scrolling down comes back. */
  g_signal_emit_by_name (scroll, "scroll", 0.0, 2.0, &handled);
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), zoom, 1e-9);

  /* A pinch to twice the size, then to three times: from where it began. */
  g_signal_emit_by_name (pinch, "begin", NULL);
  g_signal_emit_by_name (pinch, "scale-changed", 2.0);
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), zoom * 2, 1e-9);
  g_signal_emit_by_name (pinch, "scale-changed", 3.0);
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), zoom * 3, 1e-9);
  ks_image_view_widget_to_frame (fixture->view, 250, 180, &after_x, &after_y);
  g_assert_cmpfloat_with_epsilon (after_x, before_x, 1e-6);
  g_assert_cmpfloat_with_epsilon (after_y, before_y, 1e-6);
}

static double last_zoom;

static void
on_zoom_notify (KsImageView *view,
                GParamSpec  *pspec,
                guint       *count)
{
  (*count)++;
  last_zoom = ks_image_view_get_zoom (view);
}

static void
test_zoom_actions (Fixture       *fixture,
                   gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->view);
  guint notifies = 0;
  double zoom, fit;

  show_texture (fixture, 1000, 800, 0x3366cc);
  fit = ks_image_view_get_zoom (fixture->view);
  g_signal_connect (fixture->view, "notify::zoom", G_CALLBACK (on_zoom_notify), &notifies);

  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-in", NULL));
  zoom = ks_image_view_get_zoom (fixture->view);
  g_assert_cmpfloat_with_epsilon (zoom / fit, 1.25, 1e-9);
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_cmpfloat (last_zoom, ==, zoom);
  g_assert_false (ks_image_view_get_fit (fixture->view));

  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-in", NULL));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view) / zoom, 1.25, 1e-9);
  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-out", NULL));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), zoom, 1e-9);

  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-100", NULL));
  g_assert_cmpfloat (ks_image_view_get_zoom (fixture->view), ==, 1.0);
  g_assert_false (ks_image_view_get_fit (fixture->view));

  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-fit", NULL));
  g_assert_true (ks_image_view_get_fit (fixture->view));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), fit, 1e-9);

  g_signal_handlers_disconnect_by_func (fixture->view, on_zoom_notify, &notifies);
}

static void
test_fit_follows_size (Fixture       *fixture,
                       gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->view);
  double first;

  show_texture (fixture, 1000, 800, 0x3366cc);
  gtk_widget_set_vexpand (widget, FALSE);
  gtk_widget_set_halign (widget, GTK_ALIGN_START);
  gtk_widget_set_size_request (widget, 500, 200);
  ks_test_gui_wait_frames (widget, 3);
  g_assert_cmpint (gtk_widget_get_width (widget), ==, 500);
  first = ks_image_view_get_zoom (fixture->view);
  g_assert_cmpfloat_with_epsilon (first, expected_fit (fixture, 1000, 800), 1e-9);

  gtk_widget_set_size_request (widget, 350, 500);
  ks_test_gui_wait_frames (widget, 3);
  g_assert_cmpint (gtk_widget_get_width (widget), ==, 350);
  g_assert_true (ks_image_view_get_fit (fixture->view));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (fixture->view), expected_fit (fixture, 1000, 800), 1e-9);
  g_assert_cmpfloat (ks_image_view_get_zoom (fixture->view), !=, first);

  /* Off fit, a resize keeps the zoom. */
  ks_image_view_set_zoom (fixture->view, 0.5);
  gtk_widget_set_size_request (widget, 400, 400);
  ks_test_gui_wait_frames (widget, 3);
  g_assert_cmpfloat (ks_image_view_get_zoom (fixture->view), ==, 0.5);
}

/* The texture lands where the frame rectangle says, at every zoom. */
static void
test_drawn_where_frame_is (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->view);
  g_autoptr(GdkTexture) split = compare_test_split_texture (400, 300, 0xdd2222, 0x22aa22);
  g_autoptr(GdkTexture) render = NULL;
  graphene_rect_t rect;

  ks_image_view_set_paintable (fixture->view, GDK_PAINTABLE (split));
  ks_image_view_zoom_at (fixture->view, 4.0, 390, 300);
  ks_test_gui_wait_frames (widget, 3);

  ks_image_view_get_frame_rect (fixture->view, &rect);
  render = compare_test_render (widget);

  /* Either side of the split, two widget pixels away from it. */
  {
    int mid = (int) (rect.origin.x + rect.size.width / 2);
    int y = gtk_widget_get_height (widget) / 2;

    g_assert_cmpint (mid, >, 4);
    g_assert_cmpint (mid, <, gtk_widget_get_width (widget) - 4);
    g_assert_true (compare_test_colour_near (compare_test_pixel (render, mid - 3, y), 0xdd2222));
    g_assert_true (compare_test_colour_near (compare_test_pixel (render, mid + 3, y), 0x22aa22));
  }
}

/* ---- pan ------------------------------------------------------------------ */

static void
test_pan_clamped (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->view);
  GtkEventController *drag = find_controller (widget, GTK_TYPE_GESTURE_DRAG);
  int scale = gtk_widget_get_scale_factor (widget);
  double cx, cy, cx2, cy2, half_w, half_h;

  show_texture (fixture, 2000, 1600, 0x3366cc);

  /* Fitted: nothing to pan. */
  ks_image_view_get_center (fixture->view, &cx, &cy);
  ks_image_view_pan (fixture->view, 100, 100);
  ks_image_view_get_center (fixture->view, &cx2, &cy2);
  g_assert_cmpfloat (cx2, ==, cx);
  g_assert_cmpfloat (cy2, ==, cy);

  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-100", NULL));
  ks_image_view_get_center (fixture->view, &cx, &cy);
  ks_image_view_pan (fixture->view, -100, -50);
  ks_image_view_get_center (fixture->view, &cx2, &cy2);
  g_assert_cmpfloat_with_epsilon (cx2, cx + 100 * scale, 1e-9);
  g_assert_cmpfloat_with_epsilon (cy2, cy + 50 * scale, 1e-9);

  /* Far past the corner: the frame's edge stops at the view's. */
  half_w = gtk_widget_get_width (widget) * scale / 2.0;
  half_h = gtk_widget_get_height (widget) * scale / 2.0;
  ks_image_view_pan (fixture->view, -100000, -100000);
  ks_image_view_get_center (fixture->view, &cx2, &cy2);
  g_assert_cmpfloat_with_epsilon (cx2, 2000 - half_w, 1e-9);
  g_assert_cmpfloat_with_epsilon (cy2, 1600 - half_h, 1e-9);
  ks_image_view_pan (fixture->view, 100000, 100000);
  ks_image_view_get_center (fixture->view, &cx2, &cy2);
  g_assert_cmpfloat_with_epsilon (cx2, half_w, 1e-9);
  g_assert_cmpfloat_with_epsilon (cy2, half_h, 1e-9);

  /* The drag gesture's own handlers do the same. */
  g_assert_nonnull (drag);

  ks_image_view_get_center (fixture->view, &cx, &cy);
  g_signal_emit_by_name (drag, "drag-begin", 400.0, 300.0);
  g_signal_emit_by_name (drag, "drag-update", -30.0, -20.0);
  g_signal_emit_by_name (drag, "drag-update", -60.0, -40.0);
  g_signal_emit_by_name (drag, "drag-end", -60.0, -40.0);
  ks_image_view_get_center (fixture->view, &cx2, &cy2);
  g_assert_cmpfloat_with_epsilon (cx2, cx + 60 * scale, 1e-9);
  g_assert_cmpfloat_with_epsilon (cy2, cy + 40 * scale, 1e-9);
}

/* ---- a large file --------------------------------------------------------- */

typedef struct
{
  KsImageView  *view;
  GdkPaintable *first;
  guint         heartbeats;
  gboolean      went_blank;
} LargeWait;

static gboolean
heartbeat (gpointer data)
{
  ((LargeWait *) data)->heartbeats++;
  return G_SOURCE_CONTINUE;
}

static gboolean
have_paintable (gpointer data)
{
  LargeWait *wait = data;

  return ks_image_view_get_paintable (wait->view) != NULL;
}

static gboolean
paintable_replaced (gpointer data)
{
  LargeWait *wait = data;
  GdkPaintable *now = ks_image_view_get_paintable (wait->view);

  if (now == NULL)
    wait->went_blank = TRUE;
  return now != NULL && now != wait->first;
}

static GFile *
write_large_png (const char *dir)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 6000, 4000);
  g_autofree char *path = g_build_filename (dir, "large.png", NULL);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, 0x204060ff);
  for (int i = 0; i < 12; i++)
    {
      g_autoptr(GdkPixbuf) band = gdk_pixbuf_new_subpixbuf (pixbuf, i * 500, (i % 4) * 1000, 500, 1000);

      gdk_pixbuf_fill (band, 0xc08020ff + ((guint32) i << 16));
    }
  gdk_pixbuf_save (pixbuf, path, "png", &error, "compression", "1", NULL);
  g_assert_no_error (error);

  return g_file_new_for_path (path);
}

static void
test_large_file (Fixture       *fixture,
                 gconstpointer  data)
{
  GtkWidget *widget = GTK_WIDGET (fixture->view);
  g_autofree char *dir = g_dir_make_tmp ("ks-image-view-XXXXXX", NULL);
  g_autoptr(GFile) file = write_large_png (dir);
  LargeWait wait = { fixture->view, NULL, 0, FALSE };
  int scale = gtk_widget_get_scale_factor (widget);
  int width, height;
  double fit;
  guint id;

  id = g_timeout_add (5, heartbeat, &wait);

  ks_image_view_set_file (fixture->view, file);
  g_assert_true (ks_image_view_get_loading (fixture->view));
  g_assert_true (ks_test_gui_wait_until (have_paintable, &wait, WAIT_MS));
  g_assert_null (ks_image_view_get_error (fixture->view));

  /* The first one is the size shown, not the file's. */
  ks_image_view_get_image_size (fixture->view, &width, &height);
  g_assert_cmpint (width, ==, 6000);
  g_assert_cmpint (height, ==, 4000);
  fit = MIN ((double) gtk_widget_get_width (widget) * scale / 6000,
             (double) gtk_widget_get_height (widget) * scale / 4000);
  wait.first = ks_image_view_get_paintable (fixture->view);
  g_assert_true (GDK_IS_TEXTURE (wait.first));
  g_test_message ("first decode: %d × %d for a view of %d × %d",
                  gdk_texture_get_width (GDK_TEXTURE (wait.first)),
                  gdk_texture_get_height (GDK_TEXTURE (wait.first)),
                  gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (wait.first)), <=, (int) ceil (6000 * fit));
  g_assert_cmpint (gdk_texture_get_height (GDK_TEXTURE (wait.first)), <=, (int) ceil (4000 * fit));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (wait.first)), >=, (int) (6000 * fit) - 2);
  g_assert_true (ks_image_view_get_fit (fixture->view));
  g_assert_false (ks_image_view_get_loading (fixture->view));

  /* 100 %: the full image comes, the small one stays meanwhile, and the
   * main loop keeps turning. */
  wait.heartbeats = 0;
  g_assert_true (gtk_widget_activate_action (widget, "image.zoom-100", NULL));
  g_assert_true (ks_image_view_get_loading (fixture->view));
  g_assert_true (ks_image_view_get_paintable (fixture->view) == wait.first);
  g_assert_true (ks_test_gui_wait_until (paintable_replaced, &wait, WAIT_MS));
  g_assert_false (wait.went_blank);
  g_test_message ("%u heartbeats during the full decode", wait.heartbeats);
  g_assert_cmpuint (wait.heartbeats, >=, 5);
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (ks_image_view_get_paintable (fixture->view))), ==, 6000);
  g_assert_cmpint (gdk_texture_get_height (GDK_TEXTURE (ks_image_view_get_paintable (fixture->view))), ==, 4000);
  g_assert_cmpfloat (ks_image_view_get_zoom (fixture->view), ==, 1.0);
  g_assert_false (ks_image_view_get_loading (fixture->view));

  g_source_remove (id);
  ks_image_view_set_file (fixture->view, NULL);
  g_unlink (g_file_peek_path (file));
  g_rmdir (dir);
}

/* A file that is not an image says so, and a new file while decoding
 * cancels the old one without a trace. */
static void
test_file_errors_and_cancel (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("ks-image-view-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "not-an-image.png", NULL);
  g_autoptr(GFile) bad = g_file_new_for_path (path);
  g_autoptr(GFile) large = write_large_png (dir);
  LargeWait wait = { fixture->view, NULL, 0, FALSE };

  g_assert_true (g_file_set_contents (path, "hello", -1, NULL));

  ks_image_view_set_file (fixture->view, large);
  ks_image_view_set_file (fixture->view, bad);
  g_assert_true (ks_test_gui_wait_until ((gboolean (*) (gpointer)) ks_image_view_get_error,
                                         fixture->view, WAIT_MS));
  g_test_message ("error: %s", ks_image_view_get_error (fixture->view)->message);
  g_assert_false (ks_image_view_get_loading (fixture->view));
  /* The large file's decode was dropped, not shown late. */
  ks_test_gui_spin (300);
  g_assert_false (have_paintable (&wait));

  ks_image_view_set_file (fixture->view, NULL);
  g_unlink (path);
  g_unlink (g_file_peek_path (large));
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/image-view/zoom/at-point", test_zoom_at_keeps_point);
  ADD ("/image-view/zoom/actions", test_zoom_actions);
  ADD ("/image-view/zoom/wheel-and-pinch", test_zoom_wheel_and_pinch);
  ADD ("/image-view/zoom/fit-follows-size", test_fit_follows_size);
  ADD ("/image-view/zoom/drawn-where-frame-is", test_drawn_where_frame_is);
  ADD ("/image-view/pan/clamped", test_pan_clamped);
  ADD ("/image-view/file/large", test_large_file);
  ADD ("/image-view/file/errors-and-cancel", test_file_errors_and_cancel);
#undef ADD

  return g_test_run ();
}
