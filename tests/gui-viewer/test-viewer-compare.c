/* The viewer's image at any zoom (the toolbar's buttons and the keys act
 * on the image view), and comparing a result with its reference or with
 * the previous step of its lineage, in each mode; screenshots of each. */

#include "config.h"

#include <string.h>

#include "ks-compare-view.h"
#include "ks-core.h"
#include "ks-gallery-item.h"
#include "ks-image-view.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "library-fixtures.h"

#define WAIT_MS 20000
#define COLOUR 0x4080c0ff
#define REFERENCE_COLOUR 0xd9a066ff

static gboolean
view_loaded (gpointer data)
{
  return ks_image_view_get_paintable (data) != NULL && !ks_image_view_get_loading (data);
}

static gboolean
compare_loaded (gpointer data)
{
  KsCompareView *compare = data;

  return view_loaded (ks_compare_view_get_view_a (compare)) &&
         view_loaded (ks_compare_view_get_view_b (compare));
}

typedef struct
{
  GtkWidget  *viewer;
  const char *text;
} LabelWait;

static gboolean
zoom_label_is (gpointer data)
{
  LabelWait *wait = data;

  return g_strcmp0 (ks_test_gui_label_text (wait->viewer, "zoom_label"), wait->text) == 0;
}

static GFile *
result_file (KsLibrary     *library,
             KsGalleryItem *item)
{
  return ks_library_resolve (library, ks_gallery_item_get_image (item)->file);
}

static void
test_zoom (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "A lighthouse on a cliff at dusk", "png", 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  g_autoptr(GFile) file = result_file (library, item);
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  KsImageView *view = KS_IMAGE_VIEW (ks_test_gui_get (viewer, "image_view"));
  double fit_zoom;
  double zoom;

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_until (view_loaded, view, WAIT_MS));
  ks_test_gui_wait_frames (viewer, 2);

  /* From the library's file, fitted. */
  g_assert_true (g_file_equal (ks_image_view_get_file (view), file));
  g_assert_true (ks_image_view_get_fit (view));
  fit_zoom = ks_image_view_get_zoom (view);
  g_assert_cmpfloat (fit_zoom, >, 0.0);

  /* Zoom In from the toolbar. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-in", NULL));
  zoom = ks_image_view_get_zoom (view);
  g_assert_cmpfloat_with_epsilon (zoom, fit_zoom * 1.25, 1e-6);
  g_assert_false (ks_image_view_get_fit (view));

  /* Zoom Out. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-out", NULL));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (view), zoom / 1.25, 1e-6);

  /* The toggle: 100 %, then fit again; the label follows. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-fit", NULL));
  g_assert_true (ks_image_view_get_fit (view));
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-toggle", NULL));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (view), 1.0, 1e-9);
  g_assert_false (ks_image_view_get_fit (view));
  g_assert_true (ks_test_gui_wait_until (zoom_label_is, &(LabelWait) { viewer, "100 %" }, WAIT_MS));
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-toggle", NULL));
  g_assert_true (ks_image_view_get_fit (view));

  /* The keys: + and 1 and 0. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-100", NULL));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (view), 1.0, 1e-9);
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-in", NULL));
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-in", NULL));
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-in", NULL));
  g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (view), 1.25 * 1.25 * 1.25, 1e-6);
  g_assert_true (ks_test_gui_wait_until (zoom_label_is, &(LabelWait) { viewer, "195 %" }, WAIT_MS));

  ks_test_gui_wait_frames (viewer, 3);
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (window), "viewer-zoomed.png"), >, 20);

  gtk_window_destroy (window);
}

/* A result of an edit whose reference was stored. */
static KsRecord *
add_edit_with_reference (KsLibrary  *library,
                         GFile     **reference_file)
{
  g_autoptr(KsParams) params = ks_test_params_new ("Put a donut next to the flour", "png", 1);
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_record_reference_free);
  KsRecordReference *stored = ks_test_library_store_reference (library, "flour.png", 320, 240, REFERENCE_COLOUR);
  KsRecord *record;

  *reference_file = ks_library_resolve (library, stored->file);
  g_ptr_array_add (references, stored);
  record = ks_test_library_add_record (library, params, 1, 0, "png", COLOUR);
  ks_record_take_references (record, g_steal_pointer (&references));

  return record;
}

static void
check_mode (GtkWidget     *viewer,
            GtkWindow     *window,
            const char    *mode,
            KsCompareMode  expected,
            GFile         *a,
            GFile         *b,
            const char    *label_a,
            const char    *screenshot)
{
  KsCompareView *compare = KS_COMPARE_VIEW (ks_test_gui_get (viewer, "compare_view"));
  GtkStack *stack = GTK_STACK (ks_test_gui_get (viewer, "image_stack"));

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.compare-mode", "s", mode));
  ks_test_gui_wait_frames (viewer, 2);

  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "compare");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (compare)));
  g_assert_cmpint (ks_compare_view_get_mode (compare), ==, expected);
  g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_a (compare)), a));
  g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_b (compare)), b));
  g_assert_cmpstr (ks_compare_view_get_label_a (compare), ==, label_a);
  g_assert_cmpstr (ks_compare_view_get_label_b (compare), ==, "Result · seed " KS_TEST_RESULT_SEED_TEXT);
  g_assert_true (ks_test_gui_wait_until (compare_loaded, compare, WAIT_MS));

  if (expected == KS_COMPARE_MODE_TOGGLE)
    ks_compare_view_set_showing_b (compare, FALSE);
  ks_test_gui_wait_frames (viewer, 3);
  if (screenshot != NULL)
    g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (window), screenshot), >, 20);
}

static void
test_compare_reference (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  g_autoptr(GFile) reference = NULL;
  KsRecord *record = add_edit_with_reference (library, &reference);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  g_autoptr(GFile) result = result_file (library, item);
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  GtkStack *stack = GTK_STACK (ks_test_gui_get (viewer, "image_stack"));
  gboolean comparing = TRUE;

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_until (view_loaded, ks_test_gui_get (viewer, "image_view"), WAIT_MS));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "picture");

  check_mode (viewer, window, "wipe", KS_COMPARE_MODE_WIPE, reference, result, "Reference", "viewer-compare-wipe.png");
  check_mode (viewer, window, "side-by-side", KS_COMPARE_MODE_SIDE_BY_SIDE, reference, result, "Reference", "viewer-compare-side.png");
  check_mode (viewer, window, "toggle", KS_COMPARE_MODE_TOGGLE, reference, result, "Reference", "viewer-compare-toggle.png");

  /* Zoom acts on the compared views while comparing. */
  {
    KsCompareView *compare = KS_COMPARE_VIEW (ks_test_gui_get (viewer, "compare_view"));

    g_assert_true (gtk_widget_activate_action (viewer, "viewer.zoom-100", NULL));
    g_assert_cmpfloat_with_epsilon (ks_image_view_get_zoom (ks_compare_view_get_view_a (compare)), 1.0, 1e-9);
  }

  /* Back to the image alone. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.comparing", NULL));
  g_object_get (viewer, "comparing", &comparing, NULL);
  g_assert_false (comparing);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "picture");

  gtk_window_destroy (window);
}

static void
test_compare_previous_step (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *parent = ks_test_library_add_result (library, "A lighthouse", "png", 2, 0, 0x204060ff);
  KsRecord *edit = ks_test_library_add_result (library, "Make it night", "png", 1, 0, COLOUR);
  KsRecord *original = ks_test_library_add_result (library, "Nothing before", "png", 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = NULL;
  g_autoptr(KsGalleryItem) alone = NULL;
  g_autoptr(GFile) parent_file = NULL;
  g_autoptr(GFile) result = NULL;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  gboolean comparing = TRUE;

  ks_record_set_parent (edit, ks_record_get_id (parent), 1);
  parent_file = ks_library_resolve (library, ks_record_get_image (parent, 1)->file);
  item = ks_gallery_item_new (library, edit, 0);
  result = result_file (library, item);

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  check_mode (viewer, window, "side-by-side", KS_COMPARE_MODE_SIDE_BY_SIDE, parent_file, result,
              "Previous Step", NULL);

  /* An original with no reference: nothing to compare, comparing stops. */
  alone = ks_gallery_item_new (library, original, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), alone);
  g_object_get (viewer, "comparing", &comparing, NULL);
  g_assert_false (comparing);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (ks_test_gui_get (viewer, "image_stack"))), ==, "picture");
  g_assert_false (gtk_widget_is_sensitive (ks_test_gui_get (viewer, "compare_button")));

  gtk_window_destroy (window);
}

int
main (int    argc,
      char **argv)
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add_func ("/viewer-compare/zoom", test_zoom);
  g_test_add_func ("/viewer-compare/reference", test_compare_reference);
  g_test_add_func ("/viewer-compare/previous-step", test_compare_previous_step);

  return g_test_run ();
}
