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
#include "ks-viewer-target.h"
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

/* ---- Compare With… ---------------------------------------------------------- */

static GtkListView *
open_compare_with (GtkWidget *viewer)
{
  GtkMenuButton *button = GTK_MENU_BUTTON (ks_test_gui_get (viewer, "compare_with_button"));

  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  gtk_menu_button_popup (button);
  ks_test_gui_wait_frames (viewer, 2);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (gtk_menu_button_get_popover (button))));

  return GTK_LIST_VIEW (ks_test_gui_get (GTK_WIDGET (gtk_menu_button_get_popover (button)),
                                         "compare_with_list"));
}

/* The rows under @heading (up to the next heading); their positions in
 * @positions when not NULL. */
static GPtrArray *
section (GtkListView *list,
         const char  *heading,
         GArray      *positions)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list));
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean inside = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(KsViewerTarget) target = g_list_model_get_item (model, i);

      if (ks_viewer_target_get_heading (target))
        inside = g_str_equal (ks_viewer_target_get_label (target), heading);
      else if (inside)
        {
          g_ptr_array_add (rows, g_object_ref (target));
          if (positions != NULL)
            g_array_append_val (positions, i);
        }
    }

  return rows;
}

static gboolean
has_heading (GtkListView *list,
             const char  *heading)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(KsViewerTarget) target = g_list_model_get_item (model, i);

      if (ks_viewer_target_get_heading (target) &&
          g_str_equal (ks_viewer_target_get_label (target), heading))
        return TRUE;
    }

  return FALSE;
}

static gboolean
target_thumbnail_loaded (gpointer data)
{
  return ks_viewer_target_get_thumbnail (data) != NULL;
}

/* The window with the popover drawn where it is on screen. */
static void
screenshot_with_popover (GtkWindow  *window,
                         GtkPopover *popover,
                         const char *name)
{
  g_autoptr(GdkPaintable) window_paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  g_autoptr(GdkPaintable) popover_paintable = gtk_widget_paintable_new (GTK_WIDGET (popover));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (popover));
  int width = gtk_widget_get_width (GTK_WIDGET (window));
  int height = gtk_widget_get_height (GTK_WIDGET (window));
  double wx, wy, px, py;
  const char *dir = g_getenv ("KS_SCREENSHOT_DIR");

  /* A relayout just before the capture leaves a paintable empty for a
   * frame: try again a few times. */
  for (guint attempt = 0; node == NULL && attempt < 10; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      ks_test_gui_wait_frames (GTK_WIDGET (popover), 2);
    gtk_native_get_surface_transform (GTK_NATIVE (window), &wx, &wy);
    gtk_native_get_surface_transform (GTK_NATIVE (popover), &px, &py);
    gdk_paintable_snapshot (window_paintable, GDK_SNAPSHOT (snapshot), width, height);
    gtk_snapshot_save (snapshot);
    gtk_snapshot_translate (snapshot,
                            &GRAPHENE_POINT_INIT (gdk_popup_get_position_x (GDK_POPUP (surface)) + px - wx,
                                                  gdk_popup_get_position_y (GDK_POPUP (surface)) + py - wy));
    gdk_paintable_snapshot (popover_paintable, GDK_SNAPSHOT (snapshot),
                            gtk_widget_get_width (GTK_WIDGET (popover)),
                            gtk_widget_get_height (GTK_WIDGET (popover)));
    gtk_snapshot_restore (snapshot);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (dir == NULL || *dir == '\0')
    dir = g_getenv ("G_TEST_BUILDDIR");
  path = g_build_filename (dir != NULL ? dir : ".", name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
test_compare_with_sweep (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  g_autofree char *batch = g_uuid_string_random ();
  g_autoptr(GFile) reference = NULL;
  KsRecord *first = add_edit_with_reference (library, &reference);
  KsRecord *second = ks_test_library_add_result (library, "Put a donut next to the flour", "png", 1, 0, 0x40c080ff);
  KsRecord *other = ks_test_library_add_result (library, "Not in the sweep", "png", 1, 0, 0xc04080ff);
  g_autoptr(KsGalleryItem) item = NULL;
  g_autoptr(GFile) result = NULL;
  g_autoptr(GFile) sibling = NULL;
  g_autoptr(GPtrArray) sweep = NULL;
  g_autoptr(GPtrArray) references = NULL;
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  KsCompareView *compare;
  GtkListView *list;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (ks_test_gui_get (viewer, "compare_with_button")));
  gboolean comparing = FALSE;

  ks_record_set_batch (first, batch, "Seed 42");
  ks_record_set_batch (second, batch, "Seed 43");
  item = ks_gallery_item_new (library, first, 0);
  result = result_file (library, item);
  sibling = ks_library_resolve (library, ks_record_get_image (second, 0)->file);
  compare = KS_COMPARE_VIEW (ks_test_gui_get (viewer, "compare_view"));

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_until (view_loaded, ks_test_gui_get (viewer, "image_view"), WAIT_MS));
  /* Side by side first: choosing keeps the mode. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.compare-mode", "s", "side-by-side"));
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.comparing", NULL));
  g_object_get (viewer, "comparing", &comparing, NULL);
  g_assert_false (comparing);

  list = open_compare_with (viewer);

  /* The stored reference, and the sibling alone under "Sweep". */
  references = section (list, "Reference", NULL);
  g_assert_cmpuint (references->len, ==, 1);
  g_assert_true (g_file_equal (ks_viewer_target_get_file (g_ptr_array_index (references, 0)), reference));
  g_assert_cmpstr (ks_viewer_target_get_label (g_ptr_array_index (references, 0)), ==, "flour.png");
  sweep = section (list, "Sweep", positions);
  g_assert_cmpuint (sweep->len, ==, 1);
  g_assert_cmpstr (ks_viewer_target_get_label (g_ptr_array_index (sweep, 0)), ==, "Seed 43");
  g_assert_true (ks_gallery_item_get_record (ks_viewer_target_get_item (g_ptr_array_index (sweep, 0))) == second);
  g_assert_false (has_heading (list, "Edits"));
  {
    g_autoptr(GPtrArray) recent = section (list, "Recent", NULL);
    gboolean found_other = FALSE;

    for (guint i = 0; i < recent->len; i++)
      {
        KsGalleryItem *entry = ks_viewer_target_get_item (g_ptr_array_index (recent, i));

        g_assert_true (ks_gallery_item_get_record (entry) != first);
        found_other |= ks_gallery_item_get_record (entry) == other;
      }
    g_assert_true (found_other);
  }

  /* Thumbnails come for the rows shown: the reference's and the sibling's. */
  g_assert_true (ks_test_gui_wait_until (target_thumbnail_loaded, g_ptr_array_index (references, 0), WAIT_MS));
  g_assert_true (ks_test_gui_wait_until (target_thumbnail_loaded, g_ptr_array_index (sweep, 0), WAIT_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (popover), 3);
  screenshot_with_popover (window, popover, "viewer-compare-with.png");

  /* Choosing the sibling: A the result, B the sibling, side by side. */
  g_signal_emit_by_name (list, "activate", g_array_index (positions, guint, 0));
  ks_test_gui_wait_frames (viewer, 2);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (popover)));
  g_object_get (viewer, "comparing", &comparing, NULL);
  g_assert_true (comparing);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (ks_test_gui_get (viewer, "image_stack"))), ==, "compare");
  g_assert_cmpint (ks_compare_view_get_mode (compare), ==, KS_COMPARE_MODE_SIDE_BY_SIDE);
  g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_a (compare)), result));
  g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_b (compare)), sibling));
  g_assert_cmpstr (ks_compare_view_get_label_a (compare), ==, "Result · seed " KS_TEST_RESULT_SEED_TEXT);
  g_assert_cmpstr (ks_compare_view_get_label_b (compare), ==, "Seed 43");
  g_assert_true (ks_test_gui_wait_until (compare_loaded, compare, WAIT_MS));
  ks_test_gui_wait_frames (viewer, 3);
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (window), "viewer-compare-with-sweep.png"), >, 20);

  /* Another mode keeps the chosen image. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.compare-mode", "s", "wipe"));
  g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_b (compare)), sibling));

  /* Another item: back to its default (the sibling's has none: comparing stops). */
  {
    g_autoptr(KsGalleryItem) second_item = ks_gallery_item_new (library, second, 0);

    ks_viewer_set_item (KS_VIEWER (viewer), second_item);
    g_object_get (viewer, "comparing", &comparing, NULL);
    g_assert_false (comparing);
  }
  /* And back: the reference again, as before choosing. */
  {
    g_autoptr(KsGalleryItem) again = ks_gallery_item_new (library, first, 0);

    ks_viewer_set_item (KS_VIEWER (viewer), again);
    g_assert_true (gtk_widget_activate_action (viewer, "viewer.compare-mode", "s", "wipe"));
    g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_a (compare)), reference));
    g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_b (compare)), result));
    g_assert_cmpstr (ks_compare_view_get_label_a (compare), ==, "Reference");
  }

  gtk_window_destroy (window);
}

static void
test_compare_with_chain (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *original = ks_test_library_add_result (library, "A lighthouse", "png", 1, 0, 0x204060ff);
  KsRecord *middle = ks_test_library_add_result (library, "Make it night", "png", 1, 0, COLOUR);
  KsRecord *last = ks_test_library_add_result (library, "Add a moon", "png", 1, 0, 0xe0e0a0ff);
  g_autoptr(KsGalleryItem) item = NULL;
  g_autoptr(GPtrArray) edits = NULL;
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GFile) original_file = NULL;
  KsCompareView *compare;
  GtkListView *list;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  ks_record_set_parent (middle, ks_record_get_id (original), 0);
  ks_record_set_parent (last, ks_record_get_id (middle), 0);
  original_file = ks_library_resolve (library, ks_record_get_image (original, 0)->file);
  compare = KS_COMPARE_VIEW (ks_test_gui_get (viewer, "compare_view"));

  item = ks_gallery_item_new (library, middle, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  list = open_compare_with (viewer);

  /* The middle step: the original before it, the last step after it. */
  edits = section (list, "Edits", positions);
  g_assert_cmpuint (edits->len, ==, 2);
  g_assert_cmpstr (ks_viewer_target_get_label (g_ptr_array_index (edits, 0)), ==, "Original");
  g_assert_true (ks_gallery_item_get_record (ks_viewer_target_get_item (g_ptr_array_index (edits, 0))) == original);
  g_assert_cmpstr (ks_viewer_target_get_label (g_ptr_array_index (edits, 1)), ==, "Step 3 of 3");
  g_assert_true (ks_gallery_item_get_record (ks_viewer_target_get_item (g_ptr_array_index (edits, 1))) == last);
  g_assert_false (has_heading (list, "Sweep"));
  g_assert_false (has_heading (list, "Reference"));

  /* Comparing with the original, in the default mode. */
  g_signal_emit_by_name (list, "activate", g_array_index (positions, guint, 0));
  g_assert_cmpint (ks_compare_view_get_mode (compare), ==, KS_COMPARE_MODE_WIPE);
  g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_b (compare)), original_file));
  g_assert_cmpstr (ks_compare_view_get_label_b (compare), ==, "Original");

  /* Headings cannot be chosen. */
  {
    g_autoptr(GFile) shown = g_object_ref (ks_image_view_get_file (ks_compare_view_get_view_b (compare)));

    list = open_compare_with (viewer);
    g_signal_emit_by_name (list, "activate", 0u);
    g_assert_true (g_file_equal (ks_image_view_get_file (ks_compare_view_get_view_b (compare)), shown));
    gtk_popover_popdown (gtk_menu_button_get_popover (GTK_MENU_BUTTON (ks_test_gui_get (viewer, "compare_with_button"))));
  }

  /* Stepping along the lineage shows another item: the chosen image goes. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.lineage-next", NULL));
  g_assert_true (ks_gallery_item_get_record (ks_viewer_get_item (KS_VIEWER (viewer))) == last);
  g_assert_cmpstr (ks_compare_view_get_label_a (compare), ==, "Previous Step");

  /* From the last step, the two before it. */
  list = open_compare_with (viewer);
  g_clear_pointer (&edits, g_ptr_array_unref);
  edits = section (list, "Edits", NULL);
  g_assert_cmpuint (edits->len, ==, 2);
  g_assert_cmpstr (ks_viewer_target_get_label (g_ptr_array_index (edits, 1)), ==, "Step 2 of 3");

  gtk_window_destroy (window);
}

static void
test_compare_with_recent (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  g_autoptr(KsGalleryItem) item = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  KsRecord *newest = NULL;
  KsRecord *failed;
  GtkListView *list;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("Result %u", i);

      newest = ks_test_library_add_result (library, prompt, "png", 1, 0, 0x10101000u * (i + 1) | 0xff);
    }
  failed = ks_test_library_add_result (library, "Failed", "png", 1, 0, COLOUR);
  ks_record_set_state (failed, KS_RECORD_STATE_FAILED);

  item = ks_gallery_item_new (library, newest, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  list = open_compare_with (viewer);

  recent = section (list, "Recent", NULL);
  g_assert_cmpuint (recent->len, ==, 20);
  for (guint i = 0; i < recent->len; i++)
    {
      KsRecord *record = ks_gallery_item_get_record (ks_viewer_target_get_item (g_ptr_array_index (recent, i)));

      g_assert_true (record != newest);
      g_assert_true (record != failed);
      g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);
    }

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
  g_test_add_func ("/viewer-compare/with-sweep", test_compare_with_sweep);
  g_test_add_func ("/viewer-compare/with-chain", test_compare_with_chain);
  g_test_add_func ("/viewer-compare/with-recent", test_compare_with_recent);

  return g_test_run ();
}
