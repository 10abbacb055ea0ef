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

/* A finished record with its image files in @library, in a colour of its
 * own, so the steps can be told apart on screen. */
static KsRecord *
add_record (KsLibrary  *library,
            const char *prompt,
            guint       n_images)
{
  return ks_test_library_add_result (library, prompt, "png", n_images, 0,
                                     0x4080c0ff ^ (g_str_hash (prompt) & 0xffffff00u));
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
  KsRecord *original = add_record (library, "A lighthouse on a cliff", 2);
  KsRecord *edit = add_record (library, "Make it night", 1);
  KsRecord *again = add_record (library, "Add a full moon", 1);
  KsRecord *elsewhere = add_record (library, "A paper boat", 1);
  g_autoptr(KsGalleryItem) item = NULL;
  Thumbnails thumbnails;
  KsLineage *lineage;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
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
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));
  g_assert_true (ks_test_gui_wait_stack_settled (viewer, WAIT_MS));
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (window), "viewer-lineage.png"), >, 20);

  /* A click on step 1 (it selects it): the viewer shows the original's
   * edited image, and the strip stays as it was, marked there. */
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (shown_record (viewer) == original);
  g_assert_cmpint (ks_gallery_item_get_image_index (ks_viewer_get_item (KS_VIEWER (viewer))), ==, 1);
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "prompt_label"), ==, "A lighthouse on a cliff");
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
    g_assert_true (ks_test_gui_wait_item_loaded (root, WAIT_MS));
  }

  /* A result outside the chain: no strip. */
  {
    g_autoptr(KsGalleryItem) other = ks_gallery_item_new (library, elsewhere, 0);

    ks_viewer_set_item (KS_VIEWER (viewer), other);
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (lineage)));
    g_assert_cmpuint (g_list_model_get_n_items (ks_lineage_get_steps (lineage)), ==, 1);
    g_assert_true (ks_test_gui_wait_item_loaded (other, WAIT_MS));
  }

  gtk_window_destroy (window);
}

static void
test_lineage_missing_parent (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *orphan = add_record (library, "Make it night", 1);
  KsRecord *first = add_record (library, "A loop, written by hand", 1);
  KsRecord *second = add_record (library, "The other half of the loop", 1);
  g_autoptr(KsGalleryItem) item = NULL;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
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
    g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));
  }

  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add_func ("/lineage/chain", test_lineage_chain);
  g_test_add_func ("/lineage/missing-parent", test_lineage_missing_parent);

  return g_test_run ();
}
