/* The result viewer under a display: results kept in a library on disk
 * (records and image files, as a finished job leaves them) shown with
 * every detail, saved, copied and dragged; the chain of edits each result
 * belongs to; and one job run for real against the local fal-compatible
 * server, then shown from its record. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-core.h"
#include "ks-gallery-item.h"
#include "ks-image-view.h"
#include "ks-lineage.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "library-fixtures.h"

#define BIG_SEED G_GUINT64_CONSTANT (15860307465884635512)
#define JOB_TIMEOUT_MS 60000
#define WAIT_MS 20000
#define COLOUR 0x4080c0ff

static KsSimServer *server;
static KsClient *client;

/* ---- helpers -------------------------------------------------------------- */

static GBytes *
library_bytes (KsGalleryItem *item)
{
  g_autoptr(GFile) file = ks_library_resolve (ks_gallery_item_get_library (item),
                                              ks_gallery_item_get_image (item)->file);
  g_autoptr(GError) error = NULL;
  GBytes *bytes = g_file_load_bytes (file, NULL, NULL, &error);

  g_assert_no_error (error);
  return bytes;
}

static gboolean
view_has_paintable (gpointer data)
{
  return ks_image_view_get_paintable (data) != NULL && !ks_image_view_get_loading (data);
}

/* The button (or any actionable) that triggers @action_name. */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  /* A split button forwards its action to the button inside: look there. */
  if (GTK_IS_ACTIONABLE (root) && !ADW_IS_SPLIT_BUTTON (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
action_enabled (GtkWidget  *viewer,
                const char *action_name)
{
  GtkWidget *button = find_actionable (viewer, action_name);

  g_assert_nonnull (button);
  /* Let the action muxer propagate the state to the button. */
  ks_test_gui_spin (20);
  return gtk_widget_get_sensitive (button);
}

static GtkDragSource *
find_drag_source (GtkWidget *viewer)
{
  GtkWidget *picture = ks_test_gui_find_by_name (viewer, "image_view");
  g_autoptr(GListModel) controllers = NULL;

  g_assert_nonnull (picture);
  controllers = gtk_widget_observe_controllers (picture);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (controller))
        return GTK_DRAG_SOURCE (controller);
    }

  return NULL;
}

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} AsyncWait;

static void
async_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
async_done (gpointer data)
{
  return ((AsyncWait *) data)->done;
}

static gboolean
save (GtkWidget   *viewer,
      GFile       *file,
      const char  *format,
      GError     **error)
{
  AsyncWait wait = { 0 };
  gboolean ok;

  ks_viewer_save_async (KS_VIEWER (viewer), file, format, NULL, async_wait_cb, &wait);
  g_assert_true (ks_test_gui_wait_until (async_done, &wait, WAIT_MS));
  ok = ks_viewer_save_finish (KS_VIEWER (viewer), wait.result, error);
  g_object_unref (wait.result);

  return ok;
}

static void
check_saved (GFile      *file,
             const char *format,
             int         width,
             int         height)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  GdkPixbufFormat *info;
  int w = 0, h = 0;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  info = gdk_pixbuf_get_file_info (path, &w, &h);
  g_assert_nonnull (info);
  {
    g_autofree char *name = gdk_pixbuf_format_get_name (info);

    g_assert_cmpstr (name, ==, format);
  }
  pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);
}

/* ---- tests ---------------------------------------------------------------- */

static const char * const item_actions[] = {
  "viewer.save-as",
  "viewer.copy",
  "viewer.use-as-reference",
  "viewer.reuse-settings",
  "viewer.run-again-same-seed",
  "viewer.delete",
  "viewer.close",
};

static void
test_no_item (void)
{
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  g_assert_null (ks_viewer_get_item (KS_VIEWER (viewer)));
  for (guint i = 0; i < G_N_ELEMENTS (item_actions); i++)
    g_assert_false (action_enabled (viewer, item_actions[i]));
  g_assert_nonnull (ks_test_gui_find_text (viewer, "No Result Selected"));
  g_assert_false (gtk_widget_get_visible (ks_test_gui_find_by_type (viewer, KS_TYPE_LINEAGE)));

  gtk_window_destroy (window);
}

static void
test_shows_result (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "A lighthouse on a cliff at dusk", "png", 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  g_autofree char *cost = ks_format_price (ks_record_get_cost (record));
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  guint colours;

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_viewer_get_item (KS_VIEWER (viewer)) == item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));

  /* Every detail comes from the record. */
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "prompt_label"), ==, "A lighthouse on a cliff at dusk");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "returned_prompt_label"), ==, "An enhanced prompt, as the service wrote it");
  /* The result's seed, exact past 2^63, rather than the one asked for. */
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "seed_value"), ==, KS_TEST_RESULT_SEED_TEXT);
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "size_value"), ==, "320 × 240 px");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "format_value"), ==, "PNG");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "aspect_value"), ==, "4:3");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "guidance_value"), ==, "4.5");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "safety_value"), ==, "3 of 6 · Balanced");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "model_value"), ==, "FLUX.1 Kontext [pro]");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "mode_value"), ==, "Text to Image");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "request_value"), ==, ks_record_get_request_id (record));
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "inference_value"), ==, "1.2 s");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "queue_value"), ==, "0.5 s");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "nsfw_value"), ==, "Passed");
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "state_value"), ==,
                   ks_record_state_describe (KS_RECORD_STATE_COMPLETED));
  if (ks_record_get_cost (record) > 0)
    g_assert_cmpstr (ks_test_gui_label_text (viewer, "cost_value"), ==, cost);
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "created_value"), !=, "");
  g_assert_nonnull (ks_test_gui_find_text (viewer, "Simulated"));

  /* The record changes (a resumed job, say): the panel follows. */
  ks_record_set_inference_time (record, 2.5);
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "inference_value"), ==, "2.5 s");

  /* The image view shows the library's file, and every item action is on. */
  {
    KsImageView *view = KS_IMAGE_VIEW (ks_test_gui_get (viewer, "image_view"));
    g_autoptr(GFile) expected = ks_library_resolve (library, ks_gallery_item_get_image (item)->file);

    g_assert_nonnull (ks_image_view_get_file (view));
    g_assert_true (g_file_equal (ks_image_view_get_file (view), expected));
    g_assert_true (ks_test_gui_wait_until (view_has_paintable, view, WAIT_MS));
    g_assert_true (ks_image_view_get_fit (view));
  }
  for (guint i = 0; i < G_N_ELEMENTS (item_actions); i++)
    g_assert_true (action_enabled (viewer, item_actions[i]));
  /* An original with no edits: no lineage strip. */
  g_assert_false (gtk_widget_get_visible (ks_test_gui_find_by_type (viewer, KS_TYPE_LINEAGE)));

  g_assert_true (ks_test_gui_wait_stack_settled (viewer, WAIT_MS));
  colours = ks_test_gui_screenshot (GTK_WIDGET (window), "viewer-result.png");
  g_assert_cmpuint (colours, >, 20);

  ks_viewer_set_item (KS_VIEWER (viewer), NULL);
  g_assert_false (action_enabled (viewer, "viewer.copy"));
  gtk_window_destroy (window);
}

static void
check_save_both_ways (const char *own_format,
                      const char *other_format)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "Put a donut next to the flour", own_format, 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  g_autoptr(GBytes) original = library_bytes (item);
  g_autofree char *dir = g_dir_make_tmp ("ks-viewer-XXXXXX", NULL);
  g_autofree char *same_path = g_build_filename (dir, "same", NULL);
  g_autofree char *other_path = g_build_filename (dir, "other", NULL);
  g_autoptr(GFile) same = g_file_new_for_path (same_path);
  g_autoptr(GFile) other = g_file_new_for_path (other_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  g_assert_nonnull (dir);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));

  /* The image's own format with the recipe left out (the privacy
   * preference): the library's file, byte for byte. With the recipe, see
   * tests/gui-export. */
  {
    g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);

    g_settings_set_boolean (settings, "embed-recipe", FALSE);
  }
  g_assert_true (save (viewer, same, own_format, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (same_path, &contents, &length, NULL));
  g_assert_cmpuint (g_bytes_get_size (original), ==, length);
  g_assert_true (memcmp (contents, g_bytes_get_data (original, NULL), length) == 0);
  check_saved (same, own_format, 320, 240);

  /* The other format: re-encoded, same size. */
  g_assert_true (save (viewer, other, other_format, &error));
  g_assert_no_error (error);
  check_saved (other, other_format, 320, 240);

  /* An existing file is replaced whole. */
  g_assert_true (save (viewer, other, own_format, &error));
  g_assert_no_error (error);
  check_saved (other, own_format, 320, 240);

  /* A folder that does not exist: an error that names the file. */
  {
    g_autofree char *bad_path = g_build_filename (dir, "missing", "x.png", NULL);
    g_autoptr(GFile) bad = g_file_new_for_path (bad_path);

    g_assert_false (save (viewer, bad, "png", &error));
    g_assert_error (error, KS_ERROR, KS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "x.png"));
    g_clear_error (&error);
  }

  /* The library's file gone (deleted by hand): said in words. */
  {
    g_autoptr(GFile) source = ks_library_resolve (library, ks_gallery_item_get_image (item)->file);

    g_assert_true (g_file_delete (source, NULL, NULL));
    g_assert_false (save (viewer, same, own_format, &error));
    g_assert_error (error, KS_ERROR, KS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "library"));
  }

  g_unlink (same_path);
  g_unlink (other_path);
  g_rmdir (dir);
  gtk_window_destroy (window);
  {
    g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);

    g_settings_reset (settings, "embed-recipe");
  }
}

static void
test_save_png (void)
{
  check_save_both_ways ("png", "jpeg");
}

static void
test_save_jpeg (void)
{
  check_save_both_ways ("jpeg", "png");
}

static void
test_copy (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "A red bicycle", "jpeg", 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };
  GdkClipboard *clipboard;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));
  clipboard = gtk_widget_get_clipboard (viewer);
  gdk_clipboard_set_text (clipboard, "something else");

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.copy", NULL));
  g_assert_true (gdk_content_formats_contain_gtype (gdk_clipboard_get_formats (clipboard),
                                                    GDK_TYPE_TEXTURE));

  gdk_clipboard_read_texture_async (clipboard, NULL, async_wait_cb, &wait);
  g_assert_true (ks_test_gui_wait_until (async_done, &wait, WAIT_MS));
  texture = gdk_clipboard_read_texture_finish (clipboard, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 320);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 240);

  gtk_window_destroy (window);
}

static void
test_drag_source (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "A paper boat", "png", 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  g_autoptr(GdkContentProvider) provider = NULL;
  g_autoptr(GdkContentFormats) formats = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GtkDragSource *source;
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  source = find_drag_source (viewer);
  g_assert_nonnull (source);

  /* No item: nothing to drag. */
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &provider);
  g_assert_null (provider);

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &provider);
  g_assert_nonnull (provider);
  formats = gdk_content_provider_ref_formats (provider);
  g_assert_true (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE));

  /* The library's own file. */
  g_value_init (&value, G_TYPE_FILE);
  g_assert_true (gdk_content_provider_get_value (provider, &value, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GFile) expected = ks_library_resolve (library, ks_gallery_item_get_image (item)->file);

    g_assert_true (g_file_equal (g_value_get_object (&value), expected));
  }

  gtk_window_destroy (window);
}

typedef struct
{
  KsGalleryItem *use_as_reference;
  KsGalleryItem *reuse_settings;
  KsGalleryItem *run_again;
  int            run_again_new_seed;
  KsGalleryItem *delete_requested;
  guint          close_requested;
} Signals;

static void
on_use_as_reference (KsViewer      *viewer,
                     KsGalleryItem *item,
                     Signals       *seen)
{
  seen->use_as_reference = item;
}

static void
on_reuse_settings (KsViewer      *viewer,
                   KsGalleryItem *item,
                   Signals       *seen)
{
  seen->reuse_settings = item;
}

static void
on_run_again (KsViewer      *viewer,
              KsGalleryItem *item,
              gboolean       new_seed,
              Signals       *seen)
{
  seen->run_again = item;
  seen->run_again_new_seed = new_seed;
}

static void
on_delete_requested (KsViewer      *viewer,
                     KsGalleryItem *item,
                     Signals       *seen)
{
  seen->delete_requested = item;
}

static void
on_close_requested (KsViewer *viewer,
                    Signals  *seen)
{
  seen->close_requested++;
}

static void
test_signals (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "A teapot in the snow", "jpeg", 1, 0, COLOUR);
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (library, record, 0);
  Signals seen = { NULL, NULL, NULL, -1, NULL, 0 };
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);

  g_signal_connect (viewer, "use-as-reference", G_CALLBACK (on_use_as_reference), &seen);
  g_signal_connect (viewer, "reuse-settings", G_CALLBACK (on_reuse_settings), &seen);
  g_signal_connect (viewer, "run-again", G_CALLBACK (on_run_again), &seen);
  g_signal_connect (viewer, "delete-requested", G_CALLBACK (on_delete_requested), &seen);
  g_signal_connect (viewer, "close-requested", G_CALLBACK (on_close_requested), &seen);

  /* Without an item the actions do nothing. */
  gtk_widget_activate_action (viewer, "viewer.delete", NULL);
  gtk_widget_activate_action (viewer, "viewer.use-as-reference", NULL);
  gtk_widget_activate_action (viewer, "viewer.reuse-settings", NULL);
  g_assert_null (seen.delete_requested);
  g_assert_null (seen.use_as_reference);
  g_assert_null (seen.reuse_settings);

  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.use-as-reference", NULL));
  g_assert_true (seen.use_as_reference == item);

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.reuse-settings", NULL));
  g_assert_true (seen.reuse_settings == item);

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.run-again-same-seed", NULL));
  g_assert_true (seen.run_again == item);
  g_assert_cmpint (seen.run_again_new_seed, ==, FALSE);

  seen.run_again = NULL;
  g_assert_true (gtk_widget_activate_action (viewer, "viewer.run-again-new-seed", NULL));
  g_assert_true (seen.run_again == item);
  g_assert_cmpint (seen.run_again_new_seed, ==, TRUE);

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.delete", NULL));
  g_assert_true (seen.delete_requested == item);

  g_assert_true (gtk_widget_activate_action (viewer, "viewer.close", NULL));
  g_assert_cmpuint (seen.close_requested, ==, 1);

  gtk_window_destroy (window);
}

static void
test_filtered (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  KsRecord *record = ks_test_library_add_result (library, "A statue", "png", 2, 1, COLOUR);
  g_autoptr(KsGalleryItem) flagged = ks_gallery_item_new (library, record, 0);
  g_autoptr(KsGalleryItem) clean = ks_gallery_item_new (library, record, 1);
  g_autoptr(GdkContentProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-viewer-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "filtered.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWindow *window;
  GtkWidget *viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  GtkWidget *picture = ks_test_gui_get (viewer, "image_view");

  g_assert_true (ks_gallery_item_get_image (flagged)->has_nsfw_concepts);
  g_assert_false (ks_gallery_item_get_image (clean)->has_nsfw_concepts);

  ks_viewer_set_item (KS_VIEWER (viewer), flagged);
  ks_test_gui_wait_frames (viewer, 2);

  /* A notice in words, never the pixels, and nothing to take away. */
  g_assert_nonnull (ks_test_gui_find_text (viewer, "Filtered by the Safety Check"));
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "nsfw_value"), ==, "Flagged: pixels withheld");
  g_assert_false (gtk_widget_get_mapped (picture));
  g_assert_null (ks_image_view_get_file (KS_IMAGE_VIEW (picture)));
  g_assert_null (ks_image_view_get_paintable (KS_IMAGE_VIEW (picture)));
  g_assert_false (action_enabled (viewer, "viewer.save-as"));
  g_assert_false (action_enabled (viewer, "viewer.copy"));
  g_assert_false (action_enabled (viewer, "viewer.use-as-reference"));
  g_assert_true (action_enabled (viewer, "viewer.run-again-new-seed"));
  g_assert_true (action_enabled (viewer, "viewer.reuse-settings"));
  g_assert_true (action_enabled (viewer, "viewer.delete"));

  g_signal_emit_by_name (find_drag_source (viewer), "prepare", 10.0, 10.0, &provider);
  g_assert_null (provider);

  g_assert_false (save (viewer, file, "png", &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_CONTENT_POLICY);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (ks_test_gui_wait_stack_settled (viewer, WAIT_MS));
  ks_test_gui_screenshot (GTK_WIDGET (window), "viewer-filtered.png");

  /* The job's other image is fine. */
  ks_viewer_set_item (KS_VIEWER (viewer), clean);
  g_assert_true (ks_test_gui_wait_item_loaded (clean, WAIT_MS));
  g_assert_true (action_enabled (viewer, "viewer.save-as"));
  g_assert_true (action_enabled (viewer, "viewer.copy"));
  g_assert_null (ks_test_gui_find_text (viewer, "Filtered by the Safety Check"));

  g_rmdir (dir);
  gtk_window_destroy (window);
}

/* ---- a real job ------------------------------------------------------------ */

static gboolean
record_finished (gpointer data)
{
  KsRecordState state = ks_record_get_state (KS_RECORD (data));

  return state == KS_RECORD_STATE_COMPLETED || state == KS_RECORD_STATE_FAILED ||
         state == KS_RECORD_STATE_CANCELLED || state == KS_RECORD_STATE_EXPIRED;
}

static void
test_real_job (void)
{
  g_autoptr(KsLibrary) library = ks_test_library_new ();
  g_autoptr(KsParams) params = ks_test_params_new ("A lighthouse on a cliff at dusk", "png", 1);
  g_autoptr(KsGalleryItem) item = NULL;
  g_autofree char *seed = NULL;
  KsRecord *record;
  KsJob *job;
  GtkWindow *window;
  GtkWidget *viewer;

  ks_params_set_seed (params, BIG_SEED);
  job = ks_library_create_job (library, client, params, NULL, 0);
  record = ks_job_get_record (job);
  g_assert_nonnull (record);
  ks_job_run_async (job, NULL, NULL, NULL);
  g_object_unref (job);
  g_assert_true (ks_test_gui_wait_until (record_finished, record, JOB_TIMEOUT_MS));
  g_assert_cmpint (ks_record_get_state (record), ==, KS_RECORD_STATE_COMPLETED);

  viewer = ks_test_gui_show (ks_viewer_new (), 1100, 760, &window);
  item = ks_gallery_item_new (library, record, 0);
  ks_viewer_set_item (KS_VIEWER (viewer), item);
  g_assert_true (ks_test_gui_wait_item_loaded (item, WAIT_MS));
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "request_value"), ==, ks_record_get_request_id (record));
  seed = g_strdup_printf ("%" G_GUINT64_FORMAT, BIG_SEED);
  g_assert_cmpstr (ks_test_gui_label_text (viewer, "seed_value"), ==, seed);
  g_assert_true (action_enabled (viewer, "viewer.save-as"));

  gtk_window_destroy (window);
}

static void
test_file_name (void)
{
  g_autofree char *plain = ks_viewer_suggest_file_name ("Put a donut next to the flour!", "png");
  g_autofree char *jpeg = ks_viewer_suggest_file_name ("  Café / “night” shot  ", "jpeg");
  g_autofree char *empty = ks_viewer_suggest_file_name ("!!!", "png");
  g_autofree char *traversal = ks_viewer_suggest_file_name ("../../etc/passwd", "png");
  g_autofree char *long_name = ks_viewer_suggest_file_name ("A very long instruction that goes on and on "
                                                            "about the colour of the sky and the sea", "jpeg");

  g_assert_cmpstr (plain, ==, "put-a-donut-next-to-the-flour.png");
  g_assert_cmpstr (jpeg, ==, "café-night-shot.jpg");
  g_assert_cmpstr (empty, ==, "kontext-image.png");
  g_assert_cmpstr (traversal, ==, "etc-passwd.png");
  g_assert_true (g_str_has_suffix (long_name, ".jpg"));
  g_assert_cmpint (g_utf8_strlen (long_name, -1) - 4, <=, 60);
  g_assert_true (g_str_has_prefix (long_name, "a-very-long-instruction"));
  g_assert_false (g_str_has_suffix (long_name, "-.jpg"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  server = ks_sim_server_new ();
  g_object_set (server,
                "queue-delay", 200,
                "run-time", 500,
                "log-lines", 2,
                NULL);
  if (!ks_sim_server_listen (server, 0, &error))
    g_error ("The local server could not listen: %s", error->message);

  client = ks_client_new (ks_sim_server_get_base_url (server));
  ks_client_set_api_key (client, "test-id:test-secret");
  g_object_set (client, "retry-base-delay", 10, NULL);

  g_test_add_func ("/viewer/file-name", test_file_name);
  g_test_add_func ("/viewer/no-item", test_no_item);
  g_test_add_func ("/viewer/shows-result", test_shows_result);
  g_test_add_func ("/viewer/save-png", test_save_png);
  g_test_add_func ("/viewer/save-jpeg", test_save_jpeg);
  g_test_add_func ("/viewer/copy", test_copy);
  g_test_add_func ("/viewer/drag-source", test_drag_source);
  g_test_add_func ("/viewer/signals", test_signals);
  g_test_add_func ("/viewer/filtered", test_filtered);
  g_test_add_func ("/viewer/real-job", test_real_job);

  status = g_test_run ();

  g_clear_object (&client);
  g_clear_object (&server);

  return status;
}
