/* The chain of edits in the viewer: records whose parent-id names the
 * result they edited, walked up through the library to the original and
 * down through the newest edits, shown as a strip of thumbnails that
 * steps the viewer along it. */

#include "config.h"

#include "ks-core.h"
#include "ks-gallery-item.h"
#include "ks-lineage.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "library-fixtures.h"

#define WAIT_MS 20000

/* ---- helpers -------------------------------------------------------------- */

static KsParams *
new_params (const char *prompt,
            const char *format,
            int         num_images)
{
  KsParams *params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));

  ks_params_set_prompt (params, prompt);
  ks_params_set_output_format (params, format);
  ks_params_set_num_images (params, num_images);
  ks_params_set_aspect_ratio (params, "4:3");
  ks_params_set_guidance_scale (params, 4.5);
  ks_params_set_safety_tolerance (params, 3);
  ks_params_set_seed (params, 42);

  return params;
}

/* A finished record with its image files in @library. */
static KsRecord *
add_record (KsLibrary  *library,
            const char *prompt,
            const char *format,
            guint       n_images,
            guint       n_flagged)
{
  g_autoptr(KsParams) params = new_params (prompt, format, n_images);

  /* A colour of its own, so the steps can be told apart on screen. */
  return ks_test_library_add_record (library, params, n_images, n_flagged, format,
                                     0x4080c0ff ^ (g_str_hash (prompt) & 0xffffff00u));
}

/* The viewer asks for both; both loads have ended. */
static gboolean
texture_ready (gpointer data)
{
  return ks_gallery_item_get_texture (KS_GALLERY_ITEM (data)) != NULL &&
         ks_gallery_item_get_thumbnail (KS_GALLERY_ITEM (data)) != NULL;
}

static GtkWidget *
show_viewer (GtkWindow **out_window)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *viewer = ks_viewer_new ();

  gtk_window_set_title (GTK_WINDOW (window), "Kontext Studio");
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  gtk_window_set_child (GTK_WINDOW (window), viewer);
  gtk_window_present (GTK_WINDOW (window));
  ks_test_gui_wait_frames (viewer, 2);

  *out_window = GTK_WINDOW (window);
  return viewer;
}

static const char *
label_text (GtkWidget  *root,
            const char *name)
{
  GtkWidget *label = ks_test_gui_find_by_name (root, name);

  g_assert_nonnull (label);
  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_label (GTK_LABEL (label));
}

static gboolean
stack_settled (gpointer data)
{
  return !gtk_stack_get_transition_running (GTK_STACK (data));
}

/* The window, once the viewer's page has finished changing. */
static guint
screenshot (GtkWidget  *viewer,
            GtkWindow  *window,
            const char *name)
{
  GtkWidget *stack = ks_test_gui_find_by_type (viewer, GTK_TYPE_STACK);

  g_assert_true (ks_test_gui_wait_until (stack_settled, stack, WAIT_MS));
  return ks_test_gui_screenshot (GTK_WIDGET (window), name);
}

/* ---- tests ---------------------------------------------------------------- */

static KsLineage *
find_lineage (GtkWidget *viewer)
{
  GtkWidget *lineage = ks_test_gui_find_by_type (viewer, KS_TYPE_LINEAGE);

  g_assert_nonnull (lineage);
  return KS_LINEAGE (lineage);
}

static KsRecord *
step_record (KsLineage *lineage,
             guint      position)
{
  g_autoptr(KsGalleryItem) step = g_list_model_get_item (ks_lineage_get_steps (lineage), position);

  g_assert_nonnull (step);
  return ks_gallery_item_get_record (step);
}

static KsRecord *
shown_record (GtkWidget *viewer)
{
  return ks_gallery_item_get_record (ks_viewer_get_item (KS_VIEWER (viewer)));
}

typedef struct
{
  GtkWidget *root;
  guint      n;
} Thumbnails;

/* Every step's image has its thumbnail, decoded off the main thread. */
static gboolean
thumbnails_shown (gpointer data)
{
  Thumbnails *thumbnails = data;
  GtkWidget *list = ks_test_gui_find_by_type (thumbnails->root, GTK_TYPE_LIST_VIEW);
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *image = ks_test_gui_find_by_type (row, GTK_TYPE_IMAGE);

      if (image != NULL && gtk_image_get_storage_type (GTK_IMAGE (image)) == GTK_IMAGE_PAINTABLE &&
          gtk_image_get_paintable (GTK_IMAGE (image)) != NULL)
        n++;
    }

  return n == thumbnails->n;
}

/* original → edit → edit of the edit, made by "Use as reference". */
static void
test_lineage_chain (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *original = add_record (library, "A lighthouse on a cliff", "png", 2, 0);
  KsRecord *edit = add_record (library, "Make it night", "png", 1, 0);
  KsRecord *again = add_record (library, "Add a full moon", "png", 1, 0);
  KsRecord *elsewhere = add_record (library, "A paper boat", "png", 1, 0);
  g_autoptr(KsGalleryItem) item = NULL;
  Thumbnails thumbnails;
  KsLineage *lineage;
  GtkWindow *window;
  GtkWidget *viewer = show_viewer (&window);
  GtkSelectionModel *selection;

  ks_record_set_parent (edit, ks_record_get_id (original), 1);
  ks_record_set_parent (again, ks_record_get_id (edit), 0);

  item = ks_gallery_item_new (library, again, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  lineage = find_lineage (viewer);

  /* Three steps, the original first, this one marked. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (lineage)));
  g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 3);
  g_assert_true (step_record (lineage, 0) == original);
  g_assert_true (step_record (lineage, 1) == edit);
  g_assert_true (step_record (lineage, 2) == again);
  {
    g_autoptr(KsGalleryItem) first = g_list_model_get_item (ks_lineage_get_steps (lineage), 0);

    /* The image of the original that was edited. */
    g_assert_cmpint (ks_gallery_item_get_image_index (first), ==, 1);
  }
  g_assert_cmpuint (ks_lineage_get_position (lineage), ==, 2);
  g_assert_nonnull (ks_test_gui_find_text (viewer, "3 of 3"));
  selection = gtk_list_view_get_model (GTK_LIST_VIEW (ks_test_gui_find_by_type (GTK_WIDGET (lineage),
                                                                                 GTK_TYPE_LIST_VIEW)));
  g_assert_true (gtk_selection_model_is_selected (selection, 2));
  /* Alt+Right at the newest step goes nowhere. */
  gtk_widget_activate_action (viewer, "viewer.lineage-next", NULL);
  g_assert_true (ks_viewer_get_item (KS_VIEWER (viewer)) == item);

  thumbnails.root = GTK_WIDGET (lineage);
  thumbnails.n = 3;
  g_assert_true (ks_test_gui_wait_until (thumbnails_shown, &thumbnails, WAIT_MS));
  g_assert_true (ks_test_gui_wait_until (texture_ready, item, WAIT_MS));
  g_assert_cmpuint (screenshot (viewer, window, "viewer-lineage.png"), >, 20);

  /* A click on step 1 (it selects it): the viewer shows the original's
   * edited image, and the strip stays as it was, marked there. */
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (shown_record (viewer) == original);
  g_assert_cmpint (ks_gallery_item_get_image_index (ks_viewer_get_item (KS_VIEWER (viewer))), ==, 1);
  g_assert_cmpstr (label_text (viewer, "prompt_label"), ==, "A lighthouse on a cliff");
  g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 3);
  g_assert_cmpuint (ks_lineage_get_position (lineage), ==, 0);
  g_assert_nonnull (ks_test_gui_find_text (viewer, "1 of 3"));
  gtk_widget_activate_action (viewer, "viewer.lineage-previous", NULL);
  g_assert_true (shown_record (viewer) == original);

  /* Alt+Right and Alt+Left step along it. */
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.lineage-next", NULL));
  g_assert_true (shown_record (viewer) == edit);
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.lineage-next", NULL));
  g_assert_true (shown_record (viewer) == again);
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.lineage-previous", NULL));
  g_assert_true (shown_record (viewer) == edit);
  g_assert_cmpuint (ks_lineage_get_position (lineage), ==, 1);

  /* From the original alone, its edits are found in the library. */
  {
    g_autoptr(KsGalleryItem) root = ks_gallery_item_new (library, original, 1);

    ks_viewer_set_item (KS_VIEWER (viewer), NULL);
    ks_viewer_set_item (KS_VIEWER (viewer), root);
    g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 3);
    g_assert_cmpuint (ks_lineage_get_position (lineage), ==, 0);
    g_assert_true (step_record (lineage, 2) == again);
    /* Every load started ends within the test. */
    g_assert_true (ks_test_gui_wait_until (thumbnails_shown, &thumbnails, WAIT_MS));
    g_assert_true (ks_test_gui_wait_until (texture_ready, root, WAIT_MS));
  }

  /* A result outside the chain: no strip. */
  {
    g_autoptr(KsGalleryItem) other = ks_gallery_item_new (library, elsewhere, 0);

    ks_viewer_set_item (KS_VIEWER (viewer), other);
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (lineage)));
    g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 1);
    g_assert_true (ks_test_gui_wait_until (texture_ready, other, WAIT_MS));
  }

  gtk_window_destroy (window);
}

static void
test_lineage_missing_parent (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *orphan = add_record (library, "Make it night", "png", 1, 0);
  KsRecord *first = add_record (library, "A loop, written by hand", "png", 1, 0);
  KsRecord *second = add_record (library, "The other half of the loop", "png", 1, 0);
  g_autoptr(KsGalleryItem) item = NULL;
  GtkWindow *window;
  GtkWidget *viewer = show_viewer (&window);
  KsLineage *lineage = find_lineage (viewer);

  /* The parent was deleted for good: only this one, and no strip. */
  ks_record_set_parent (orphan, "0a4b9a8e-0000-4000-8000-000000000000", 0);
  item = ks_gallery_item_new (library, orphan, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 1);
  g_assert_true (step_record (lineage, 0) == orphan);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (lineage)));
  gtk_widget_activate_action (viewer, "viewer.lineage-previous", NULL);
  gtk_widget_activate_action (viewer, "viewer.lineage-next", NULL);
  g_assert_true (ks_viewer_get_item (KS_VIEWER (viewer)) == item);

  /* A cycle ends the walk instead of looping. */
  ks_record_set_parent (first, ks_record_get_id (second), 0);
  ks_record_set_parent (second, ks_record_get_id (first), 0);
  g_clear_object (&item);
  item = ks_gallery_item_new (library, first, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 2);
  g_assert_true (step_record (lineage, 0) == second);
  g_assert_true (step_record (lineage, 1) == first);
  {
    Thumbnails thumbnails = { GTK_WIDGET (lineage), 2 };

    g_assert_true (ks_test_gui_wait_until (thumbnails_shown, &thumbnails, WAIT_MS));
    g_assert_true (ks_test_gui_wait_until (texture_ready, item, WAIT_MS));
  }

  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  ks_test_gui_preinit ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (!ks_test_gui_init ())
    return 1;

  g_test_add_func ("/lineage/chain", test_lineage_chain);
  g_test_add_func ("/lineage/missing-parent", test_lineage_missing_parent);

  return g_test_run ();
}
