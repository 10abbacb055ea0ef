/* The compare view under a display: each mode rendered and sampled with
 * solid test images (wipe, side by side, toggle), zoom and pan locked both
 * ways, images of different sizes in one frame, and screenshots of each
 * mode with real-looking pictures. */

#include "config.h"

#include <math.h>

#include <glib/gstdio.h>

#include "compare-util.h"
#include "ks-compare-view.h"
#include "ks-core.h"
#include "ks-sim-image.h"
#include "ks-test-gui.h"

#define RED   0xdd2222
#define BLUE  0x2244dd
#define GREEN 0x22aa22

typedef struct
{
  GtkWidget     *window;
  KsCompareView *compare;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->compare = KS_COMPARE_VIEW (ks_compare_view_new ());
  fixture->window = compare_test_window (GTK_WIDGET (fixture->compare), 800, 600);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (20);
}

static void
set_solid_images (Fixture *fixture,
                  int      a_width,
                  int      a_height,
                  int      b_width,
                  int      b_height)
{
  g_autoptr(GdkTexture) a = compare_test_solid_texture (a_width, a_height, RED);
  g_autoptr(GdkTexture) b = compare_test_solid_texture (b_width, b_height, BLUE);

  ks_compare_view_set_paintables (fixture->compare, GDK_PAINTABLE (a), GDK_PAINTABLE (b));
  ks_compare_view_set_labels (fixture->compare, "Reference", "Result");
}

/* The visible frame of @view in the compare view's coordinates. */
static graphene_rect_t
visible_frame (Fixture     *fixture,
               KsImageView *view)
{
  graphene_rect_t frame, bounds, visible;

  ks_image_view_get_frame_rect (view, &frame);
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (view), GTK_WIDGET (fixture->compare), &bounds));
  frame.origin.x += bounds.origin.x;
  frame.origin.y += bounds.origin.y;
  g_assert_true (graphene_rect_intersection (&frame, &bounds, &visible));

  return visible;
}

static guint32
sample (GdkTexture            *render,
        const graphene_rect_t *rect,
        double                 fx,
        double                 fy)
{
  return compare_test_pixel (render,
                             (int) (rect->origin.x + fx * rect->size.width),
                             (int) (rect->origin.y + fy * rect->size.height));
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

static gboolean
press_key (Fixture *fixture,
           guint    keyval)
{
  GtkEventController *keys = find_controller (GTK_WIDGET (fixture->compare), GTK_TYPE_EVENT_CONTROLLER_KEY);
  gboolean handled = FALSE;

  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
  return handled;
}

static void
release_key (Fixture *fixture,
             guint    keyval)
{
  GtkEventController *keys = find_controller (GTK_WIDGET (fixture->compare), GTK_TYPE_EVENT_CONTROLLER_KEY);

  g_signal_emit_by_name (keys, "key-released", keyval, 0, (GdkModifierType) 0);
}

static GdkTexture *
render (Fixture *fixture)
{
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->compare), 3);
  return compare_test_render (GTK_WIDGET (fixture->compare));
}

/* Exactly the button of the current mode is down. */
static void
assert_mode_buttons (Fixture    *fixture,
                     const char *active)
{
  const char *names[] = { "Wipe", "Side by Side", "Toggle" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GtkWidget *button = ks_test_gui_find_text (GTK_WIDGET (fixture->compare), names[i]);

      g_assert_nonnull (button);
      while (!GTK_IS_TOGGLE_BUTTON (button))
        button = gtk_widget_get_parent (button);
      g_assert_cmpint (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)), ==,
                       g_str_equal (names[i], active));
    }
}

/* ---- wipe ----------------------------------------------------------------- */

static void
test_wipe (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) after = NULL;
  graphene_rect_t visible;

  set_solid_images (fixture, 400, 300, 400, 300);
  g_assert_cmpint (ks_compare_view_get_mode (fixture->compare), ==, KS_COMPARE_MODE_WIPE);
  assert_mode_buttons (fixture, "Wipe");
  ks_compare_view_set_position (fixture->compare, 0.3);
  before = render (fixture);
  visible = visible_frame (fixture, ks_compare_view_get_view_a (fixture->compare));
  g_assert_cmpfloat (visible.size.width, >, 300);

  /* Away from the handle (mid-height) and two pixels off the line. */
  g_assert_true (compare_test_colour_near (sample (before, &visible, 0.02, 0.2), RED));
  g_assert_true (compare_test_colour_near (sample (before, &visible, 0.27, 0.2), RED));
  g_assert_true (compare_test_colour_near (sample (before, &visible, 0.33, 0.2), BLUE));
  g_assert_true (compare_test_colour_near (sample (before, &visible, 0.98, 0.8), BLUE));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Reference"));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Result"));

  /* Right moves the line by 5 %; the toolbar's scale follows. */
  g_assert_true (press_key (fixture, GDK_KEY_Right));
  g_assert_cmpfloat_with_epsilon (ks_compare_view_get_position (fixture->compare), 0.35, 1e-9);
  g_assert_true (press_key (fixture, GDK_KEY_Left));
  g_assert_true (press_key (fixture, GDK_KEY_Left));
  g_assert_cmpfloat_with_epsilon (ks_compare_view_get_position (fixture->compare), 0.25, 1e-9);
  {
    GtkWidget *scale = ks_test_gui_find_by_type (GTK_WIDGET (fixture->compare), GTK_TYPE_SCALE);

    g_assert_nonnull (scale);
    g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (scale)), 0.25, 1e-9);
    gtk_range_set_value (GTK_RANGE (scale), 0.6);
    g_assert_cmpfloat_with_epsilon (ks_compare_view_get_position (fixture->compare), 0.6, 1e-9);
  }

  after = render (fixture);
  g_assert_true (compare_test_colour_near (sample (after, &visible, 0.45, 0.2), RED));
  g_assert_true (compare_test_colour_near (sample (after, &visible, 0.65, 0.2), BLUE));

  /* Zoomed in, the line spans the view and both halves stay locked. */
  ks_image_view_zoom_at (ks_compare_view_get_view_b (fixture->compare), 3.0, 100, 100);
  g_assert_cmpfloat (ks_image_view_get_zoom (ks_compare_view_get_view_a (fixture->compare)), ==,
                     ks_image_view_get_zoom (ks_compare_view_get_view_b (fixture->compare)));
}

/* ---- side by side ------------------------------------------------------- */

static void
assert_locked (Fixture *fixture)
{
  KsImageView *a = ks_compare_view_get_view_a (fixture->compare);
  KsImageView *b = ks_compare_view_get_view_b (fixture->compare);
  double ax, ay, bx, by;

  ks_image_view_get_center (a, &ax, &ay);
  ks_image_view_get_center (b, &bx, &by);
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (a), ks_image_view_get_zoom (b), 1e-9);
  g_assert_cmpfloat_with_epsilon (ax, bx, 1e-9);
  g_assert_cmpfloat_with_epsilon (ay, by, 1e-9);
  g_assert_cmpint (ks_image_view_get_fit (a), ==, ks_image_view_get_fit (b));
}

static void
test_side_by_side (Fixture       *fixture,
                   gconstpointer  data)
{
  KsImageView *a = ks_compare_view_get_view_a (fixture->compare);
  KsImageView *b = ks_compare_view_get_view_b (fixture->compare);
  g_autoptr(GdkTexture) shot = NULL;
  graphene_rect_t va, vb;
  double ax, ay, before_x;

  set_solid_images (fixture, 1000, 800, 1000, 800);
  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_SIDE_BY_SIDE);
  assert_mode_buttons (fixture, "Side by Side");
  shot = render (fixture);

  va = visible_frame (fixture, a);
  vb = visible_frame (fixture, b);
  g_assert_cmpfloat (va.origin.x + va.size.width, <=, vb.origin.x);
  g_assert_true (compare_test_colour_near (sample (shot, &va, 0.5, 0.5), RED));
  g_assert_true (compare_test_colour_near (sample (shot, &vb, 0.5, 0.5), BLUE));
  assert_locked (fixture);

  /* A leads … */
  ks_image_view_zoom_at (a, 3.0, 50, 60);
  g_assert_false (ks_image_view_get_fit (b));
  assert_locked (fixture);
  ks_image_view_get_center (a, &ax, &ay);
  before_x = ax;

  /* … then B, by its drag gesture. */
  ks_image_view_pan (b, -40, -30);
  ks_image_view_get_center (a, &ax, &ay);
  g_assert_cmpfloat (ax, >, before_x);
  assert_locked (fixture);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (b), "image.zoom-100", NULL));
  g_assert_cmpfloat (ks_image_view_get_zoom (a), ==, 1.0);
  assert_locked (fixture);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (a), "image.zoom-fit", NULL));
  g_assert_true (ks_image_view_get_fit (b));
  assert_locked (fixture);
}

/* ---- toggle --------------------------------------------------------------- */

static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GdkTexture) shot_a = NULL;
  g_autoptr(GdkTexture) shot_b = NULL;
  g_autoptr(GdkTexture) shot_again = NULL;
  graphene_rect_t visible;

  set_solid_images (fixture, 400, 300, 400, 300);
  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_SIDE_BY_SIDE);
  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_TOGGLE);
  assert_mode_buttons (fixture, "Toggle");
  shot_a = render (fixture);
  visible = visible_frame (fixture, ks_compare_view_get_view_a (fixture->compare));
  g_assert_true (compare_test_colour_near (sample (shot_a, &visible, 0.5, 0.5), RED));
  g_assert_true (compare_test_colour_near (sample (shot_a, &visible, 0.9, 0.9), RED));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Reference"));
  g_assert_null (ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Result"));

  /* Space held: B. */
  g_assert_true (press_key (fixture, GDK_KEY_space));
  g_assert_true (ks_compare_view_get_showing_b (fixture->compare));
  g_assert_true (press_key (fixture, GDK_KEY_space));   /* auto-repeat changes nothing */
  shot_b = render (fixture);
  g_assert_true (compare_test_colour_near (sample (shot_b, &visible, 0.5, 0.5), BLUE));
  g_assert_true (compare_test_colour_near (sample (shot_b, &visible, 0.1, 0.1), BLUE));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Result"));
  g_assert_null (ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Reference"));

  /* Released: A again. */
  release_key (fixture, GDK_KEY_space);
  g_assert_false (ks_compare_view_get_showing_b (fixture->compare));
  shot_again = render (fixture);
  g_assert_true (compare_test_colour_near (sample (shot_again, &visible, 0.5, 0.5), RED));

  /* The button: held by its press gesture. */
  {
    GtkWidget *button = ks_test_gui_find_text (GTK_WIDGET (fixture->compare), "Hold to Compare");
    GtkEventController *click;

    g_assert_nonnull (button);
    while (!GTK_IS_BUTTON (button))
      button = gtk_widget_get_parent (button);
    click = find_controller (button, GTK_TYPE_GESTURE_CLICK);
    g_assert_nonnull (click);
    g_assert_cmpint (gtk_event_controller_get_propagation_phase (click), ==, GTK_PHASE_CAPTURE);
    g_signal_emit_by_name (click, "pressed", 1, 10.0, 10.0);
    g_assert_true (ks_compare_view_get_showing_b (fixture->compare));
    g_signal_emit_by_name (click, "released", 1, 10.0, 10.0);
    g_assert_false (ks_compare_view_get_showing_b (fixture->compare));
  }

  /* Space means nothing in the other modes. */
  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_WIPE);
  g_assert_false (press_key (fixture, GDK_KEY_space));
  g_assert_false (ks_compare_view_get_showing_b (fixture->compare));
}

/* ---- different sizes ---------------------------------------------------- */

static void
test_different_sizes (Fixture       *fixture,
                      gconstpointer  data)
{
  KsImageView *a = ks_compare_view_get_view_a (fixture->compare);
  KsImageView *b = ks_compare_view_get_view_b (fixture->compare);
  g_autoptr(GdkTexture) red = compare_test_solid_texture (400, 300, RED);
  g_autoptr(GdkTexture) split = compare_test_split_texture (800, 600, GREEN, BLUE);
  g_autoptr(GdkTexture) square = compare_test_solid_texture (600, 600, BLUE);
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GdkTexture) shot_square = NULL;
  graphene_rect_t fa, fb;
  int width, height;
  guint32 outside;

  ks_compare_view_set_paintables (fixture->compare, GDK_PAINTABLE (red), GDK_PAINTABLE (split));
  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_TOGGLE);
  ks_compare_view_set_showing_b (fixture->compare, TRUE);
  shot = render (fixture);

  /* B lives in A's frame: same rectangle on screen. */
  ks_image_view_get_frame_size (b, &width, &height);
  g_assert_cmpint (width, ==, 400);
  g_assert_cmpint (height, ==, 300);
  fa = visible_frame (fixture, a);
  fb = visible_frame (fixture, b);
  g_assert_true (graphene_rect_equal (&fa, &fb));

  /* The 800 × 600 image fills it: its halves are A's halves. */
  g_assert_true (compare_test_colour_near (sample (shot, &fa, 0.01, 0.5), GREEN));
  g_assert_true (compare_test_colour_near (sample (shot, &fa, 0.45, 0.02), GREEN));
  g_assert_true (compare_test_colour_near (sample (shot, &fa, 0.55, 0.98), BLUE));
  g_assert_true (compare_test_colour_near (sample (shot, &fa, 0.99, 0.5), BLUE));

  /* Locked in frame units even though B has twice the pixels. */
  ks_image_view_zoom_at (a, 2.0, 300, 300);
  assert_locked (fixture);

  /* Another shape: fitted inside A's frame, centred (x 50 … 350 of 400). */
  ks_image_view_zoom_to_fit (a);
  ks_image_view_set_paintable (b, GDK_PAINTABLE (square));
  shot_square = render (fixture);
  fa = visible_frame (fixture, a);
  outside = sample (shot_square, &fa, 0.06, 0.5);
  g_assert_false (compare_test_colour_near (outside, BLUE));
  g_assert_true (compare_test_colour_near (sample (shot_square, &fa, 0.15, 0.5), BLUE));
  g_assert_true (compare_test_colour_near (sample (shot_square, &fa, 0.85, 0.02), BLUE));
  g_assert_false (compare_test_colour_near (sample (shot_square, &fa, 0.94, 0.5), BLUE));
}

/* ---- files ------------------------------------------------------------------ */

static gboolean
both_loaded (gpointer data)
{
  KsCompareView *compare = data;

  return ks_image_view_get_paintable (ks_compare_view_get_view_a (compare)) != NULL &&
         ks_image_view_get_paintable (ks_compare_view_get_view_b (compare)) != NULL;
}

static GFile *
save_pixbuf (GdkPixbuf  *pixbuf,
             const char *dir,
             const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

/* ---- screenshots -------------------------------------------------------- */

static void
test_screenshots (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("ks-compare-XXXXXX", NULL);
  g_autoptr(GdkPixbuf) reference = ks_sim_image_generate ("a lighthouse on a cliff above the sea at sunset",
                                                          42, 1024, 768);
  g_autoptr(GdkPixbuf) result = ks_sim_image_edit (reference, "make it a stormy night", 7, 1024, 768);
  g_autoptr(GFile) file_a = save_pixbuf (reference, dir, "reference.png");
  g_autoptr(GFile) file_b = save_pixbuf (result, dir, "result.png");
  KsImageView *a = ks_compare_view_get_view_a (fixture->compare);

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 960, 680);
  ks_compare_view_set_files (fixture->compare, file_a, file_b);
  ks_compare_view_set_labels (fixture->compare, "Reference", "Result");
  g_assert_true (ks_test_gui_wait_until (both_loaded, fixture->compare, 20000));

  ks_compare_view_set_position (fixture->compare, 0.45);
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "compare-wipe.png"), >, 1000);

  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_SIDE_BY_SIDE);
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->compare), 2);
  ks_image_view_zoom_at (a, 1.6, gtk_widget_get_width (GTK_WIDGET (a)) * 0.55,
                         gtk_widget_get_height (GTK_WIDGET (a)) * 0.45);
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "compare-side-by-side.png"), >, 1000);

  ks_compare_view_set_mode (fixture->compare, KS_COMPARE_MODE_TOGGLE);
  ks_image_view_zoom_to_fit (a);
  g_assert_true (press_key (fixture, GDK_KEY_space));
  assert_mode_buttons (fixture, "Toggle");
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "compare-toggle.png"), >, 1000);
  release_key (fixture, GDK_KEY_space);

  ks_compare_view_set_files (fixture->compare, NULL, NULL);
  g_unlink (g_file_peek_path (file_a));
  g_unlink (g_file_peek_path (file_b));
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;
  /* Screenshots show states, not the cross-fades between them. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/compare-view/wipe", test_wipe);
  ADD ("/compare-view/side-by-side", test_side_by_side);
  ADD ("/compare-view/toggle", test_toggle);
  ADD ("/compare-view/different-sizes", test_different_sizes);
  ADD ("/compare-view/screenshots", test_screenshots);
#undef ADD

  return g_test_run ();
}
