/* The gallery on the library: results survive a restart with their
 * parameters, unfinished jobs resume, search and filters narrow the grid,
 * the trash undoes, and a large library opens without decoding what is
 * not on screen. A window and a session against the local server. */

#include "config.h"

#include <string.h>

#include "ks-core.h"
#include "ks-application.h"
#include "ks-gallery.h"
#include "ks-gallery-tile.h"
#include "ks-session.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "ks-window.h"

#define DEADLINE_MS 30000
#define TEST_KEY "test-id:test-secret"

static KsApplication *app;

typedef struct
{
  KsSimServer *server;
  KsSession   *session;
  KsWindow    *window;
  guint        n;
} Fixture;

/* ---- fixture ------------------------------------------------------------ */

static void
open_session (Fixture *fixture)
{
  fixture->session = ks_session_new (ks_application_get_settings (app));
  ks_session_use_service (fixture->session, ks_sim_server_get_base_url (fixture->server), TEST_KEY);
  g_object_set (ks_session_get_client (fixture->session),
                "retry-base-delay", 10,
                "poll-interval", 50,
                NULL);

  fixture->window = g_object_new (KS_TYPE_WINDOW,
                                  "application", app,
                                  "session", fixture->session,
                                  NULL);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (fixture->window));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
}

static gboolean
nothing_running (gpointer data)
{
  return ks_session_get_n_running (((Fixture *) data)->session) == 0;
}

/* Closes the window and ends the session, as quitting does; the library's
 * writes are on disk afterwards. */
static void
close_session (Fixture *fixture)
{
  KsLibrary *library = ks_session_get_library (fixture->session);

  g_assert_true (ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS));
  ks_library_flush (library);

  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  ks_test_gui_spin (50);
  g_assert_null (fixture->window);
  g_assert_finalize_object (fixture->session);
  fixture->session = NULL;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 200,
                "run-time", 500,
                "workers", 2,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);

  if (app == NULL)
    {
      app = ks_application_new ();
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->session != NULL)
    close_session (fixture);
  g_clear_object (&fixture->server);
}

/* ---- helpers ------------------------------------------------------------ */

static GListModel *
items (Fixture *fixture)
{
  return ks_session_get_items (fixture->session);
}

static gboolean
n_items_is (gpointer data)
{
  Fixture *fixture = data;

  return g_list_model_get_n_items (items (fixture)) == fixture->n;
}

static void
wait_n_items (Fixture *fixture,
              guint    n)
{
  fixture->n = n;
  if (!ks_test_gui_wait_until (n_items_is, fixture, DEADLINE_MS))
    g_error ("Expected %u gallery items, found %u", n, g_list_model_get_n_items (items (fixture)));
}

static gboolean
library_loaded (gpointer data)
{
  return ks_library_get_loaded (ks_session_get_library (((Fixture *) data)->session));
}

static KsParams *
make_params (const char *prompt,
             int         num_images,
             guint64     seed,
             double      guidance,
             const char *aspect_ratio)
{
  KsParams *params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));

  ks_params_set_prompt (params, prompt);
  ks_params_set_num_images (params, num_images);
  ks_params_set_seed (params, seed);
  ks_params_set_guidance_scale (params, guidance);
  ks_params_set_aspect_ratio (params, aspect_ratio);
  return params;
}

static KsGallery *
get_gallery (Fixture *fixture)
{
  return KS_GALLERY (ks_test_gui_find_by_type (GTK_WIDGET (fixture->window), KS_TYPE_GALLERY));
}

static guint
n_shown (Fixture *fixture)
{
  return g_list_model_get_n_items (ks_gallery_get_shown_model (get_gallery (fixture)));
}

/* ---- restart ------------------------------------------------------------ */

static void
test_library_restart (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(KsParams) first = make_params ("A lighthouse at dusk", 1, 1234, 3.5, "16:9");
  g_autoptr(KsParams) second = make_params ("Two pears on a slate plate", 2, 987654321, 5.0, "1:1");
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *first_seed = NULL;
  guint n_colours;

  open_session (fixture);
  g_assert_true (ks_test_gui_wait_until (library_loaded, fixture, DEADLINE_MS));
  g_assert_cmpuint (g_list_model_get_n_items (items (fixture)), ==, 0);

  ks_session_submit (fixture->session, first);
  ks_session_submit (fixture->session, second);
  g_assert_true (ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS));
  wait_n_items (fixture, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (items (fixture), i);

      g_assert_nonnull (ks_gallery_item_get_file (item));
      g_ptr_array_add (titles, g_strdup (ks_gallery_item_get_title (item)));
    }
  {
    g_autoptr(KsGalleryItem) oldest = g_list_model_get_item (items (fixture), 2);

    first_seed = g_strdup (ks_record_get_seed (ks_gallery_item_get_record (oldest)));
    g_assert_nonnull (first_seed);
  }
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 2);

  close_session (fixture);

  /* A new session on the same data dir: the same results, nothing sent. */
  open_session (fixture);
  g_assert_true (ks_test_gui_wait_until (library_loaded, fixture, DEADLINE_MS));
  wait_n_items (fixture, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (items (fixture), i);

      g_assert_cmpint (ks_gallery_item_get_image_index (item), >=, 0);
      g_assert_cmpstr (ks_gallery_item_get_title (item), ==, g_ptr_array_index (titles, i));
      g_assert_nonnull (ks_gallery_item_get_file (item));
      g_assert_true (g_file_query_exists (ks_gallery_item_get_file (item), NULL));
    }

  /* Every parameter, read back from the item's record. */
  {
    g_autoptr(KsGalleryItem) newest = g_list_model_get_item (items (fixture), 0);
    g_autoptr(KsGalleryItem) oldest = g_list_model_get_item (items (fixture), 2);
    KsParams *params = ks_record_get_params (ks_gallery_item_get_record (newest));
    guint64 seed = 0;

    g_assert_cmpstr (ks_params_get_prompt (params), ==, "Two pears on a slate plate");
    g_assert_true (ks_params_get_seed (params, &seed));
    g_assert_cmpuint (seed, ==, 987654321);
    g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 5.0);
    g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "1:1");
    g_assert_cmpint (ks_params_get_num_images (params), ==, 2);
    g_assert_cmpint (ks_record_get_state (ks_gallery_item_get_record (newest)), ==, KS_RECORD_STATE_COMPLETED);

    params = ks_record_get_params (ks_gallery_item_get_record (oldest));
    g_assert_cmpstr (ks_params_get_prompt (params), ==, "A lighthouse at dusk");
    g_assert_true (ks_params_get_seed (params, &seed));
    g_assert_cmpuint (seed, ==, 1234);
    g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 3.5);
    g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "16:9");
    g_assert_cmpstr (ks_record_get_seed (ks_gallery_item_get_record (oldest)), ==, first_seed);
  }
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 2);
  g_assert_cmpuint (n_shown (fixture), ==, 3);

  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 10);
  ks_test_gui_spin (300);
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
  n_colours = ks_test_gui_screenshot (GTK_WIDGET (fixture->window), "library-restart.png");
  g_assert_cmpuint (n_colours, >, 100);
}

/* ---- resume ------------------------------------------------------------- */

typedef struct
{
  KsRequest *request;
  GError    *error;
  gboolean   done;
} SubmitAnswer;

static void
submit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SubmitAnswer *answer = user_data;

  answer->request = ks_client_submit_finish (KS_CLIENT (source), result, NULL, &answer->error);
  answer->done = TRUE;
}

static gboolean
answered (gpointer data)
{
  return ((SubmitAnswer *) data)->done;
}

static gboolean
first_item_has_image (gpointer data)
{
  Fixture *fixture = data;
  g_autoptr(KsGalleryItem) item = NULL;

  if (g_list_model_get_n_items (items (fixture)) == 0)
    return FALSE;
  item = g_list_model_get_item (items (fixture), 0);
  return ks_gallery_item_get_image_index (item) >= 0;
}

/* A previous run left a job IN_QUEUE on disk: the new session takes it up
 * on its status and writes its image, and the server saw one submit. */
static void
test_library_resume (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params ("A lantern in the snow", 1, 42, 3.5, "1:1");
  g_autoptr(KsClient) client = ks_client_new (ks_sim_server_get_base_url (fixture->server));
  g_autoptr(KsRecord) record = NULL;
  g_autoptr(GFile) directory = ks_library_default_directory ();
  g_autoptr(GFile) records = g_file_get_child (directory, "records");
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *json = NULL;
  g_autofree char *name = NULL;
  SubmitAnswer answer = { NULL };
  KsGalleryItem *item;
  gsize length;

  g_object_set (fixture->server, "queue-delay", 800, NULL);

  /* What the crashed run had sent and written. */
  ks_client_set_api_key (client, TEST_KEY);
  body = ks_params_to_request_body (params, NULL);
  g_assert_nonnull (body);
  ks_client_submit_async (client, ks_endpoint_get_id (ks_params_get_endpoint (params)), body,
                          NULL, submit_cb, &answer);
  g_assert_true (ks_test_gui_wait_until (answered, &answer, DEADLINE_MS));
  g_assert_no_error (answer.error);
  g_assert_nonnull (answer.request);

  record = ks_record_new (params, ks_sim_server_get_base_url (fixture->server), FALSE);
  ks_record_set_request (record, answer.request);
  ks_record_set_submitted (record, g_get_real_time ());
  ks_record_set_state (record, KS_RECORD_STATE_IN_QUEUE);
  json = ks_record_to_json (record, &length);
  g_assert_true (g_file_make_directory_with_parents (records, NULL, &error) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&error);
  name = g_strdup_printf ("%s.json", ks_record_get_id (record));
  file = g_file_get_child (records, name);
  g_assert_true (g_file_replace_contents (file, json, length, NULL, FALSE, G_FILE_CREATE_NONE,
                                          NULL, NULL, &error));
  g_assert_no_error (error);
  ks_request_free (answer.request);

  open_session (fixture);
  g_assert_true (ks_test_gui_wait_until (library_loaded, fixture, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_until (first_item_has_image, fixture, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS));

  g_assert_cmpuint (g_list_model_get_n_items (items (fixture)), ==, 1);
  item = g_list_model_get_item (items (fixture), 0);
  g_assert_cmpstr (ks_record_get_id (ks_gallery_item_get_record (item)), ==, ks_record_get_id (record));
  g_assert_cmpint (ks_record_get_state (ks_gallery_item_get_record (item)), ==, KS_RECORD_STATE_COMPLETED);
  g_assert_nonnull (ks_gallery_item_get_file (item));
  g_object_unref (item);
  g_assert_cmpuint (ks_sim_server_get_job_count (fixture->server), ==, 1);
}

/* ---- search and filters ------------------------------------------------- */

static void
set_search (Fixture    *fixture,
            const char *text)
{
  GtkWidget *entry = ks_test_gui_find_by_name (GTK_WIDGET (fixture->window), "search_entry");

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* GtkSearchEntry waits a moment before "search-changed". */
  g_signal_emit_by_name (entry, "search-changed");
}

static void
set_dropdown (Fixture    *fixture,
              const char *name,
              guint       position)
{
  GtkWidget *dropdown = ks_test_gui_find_by_name (GTK_WIDGET (fixture->window), name);

  g_assert_true (GTK_IS_DROP_DOWN (dropdown));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), position);
}

static const char *
visible_gallery_page (Fixture *fixture)
{
  GtkWidget *stack = ks_test_gui_find_by_name (GTK_WIDGET (get_gallery (fixture)), "stack");

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static void
test_library_search_filters (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(KsParams) pro = make_params ("A blue heron in the reeds", 1, 1, 3.5, "1:1");
  g_autoptr(KsParams) max = make_params ("A red fox in the snow", 1, 2, 3.5, "1:1");
  g_autoptr(KsParams) failing = make_params ("A red barn [fail]", 1, 3, 3.5, "1:1");

  ks_params_set_endpoint (max, ks_endpoint_find (KS_MODEL_MAX, KS_MODE_TEXT_TO_IMAGE));

  open_session (fixture);
  g_assert_true (ks_test_gui_wait_until (library_loaded, fixture, DEADLINE_MS));
  ks_session_submit (fixture->session, pro);
  ks_session_submit (fixture->session, max);
  ks_session_submit (fixture->session, failing);
  g_assert_true (ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS));
  wait_n_items (fixture, 3);
  g_assert_cmpuint (n_shown (fixture), ==, 3);
  g_assert_cmpstr (visible_gallery_page (fixture), ==, "grid");

  /* The prompt, whatever the case. */
  set_search (fixture, "RED");
  g_assert_cmpuint (n_shown (fixture), ==, 2);
  set_search (fixture, "heron");
  g_assert_cmpuint (n_shown (fixture), ==, 1);
  set_search (fixture, "");
  g_assert_cmpuint (n_shown (fixture), ==, 3);

  /* Models: All, Pro, Max, then the endpoints one by one. */
  set_dropdown (fixture, "model_dropdown", 2);
  g_assert_cmpuint (n_shown (fixture), ==, 1);
  set_dropdown (fixture, "model_dropdown", 1);
  g_assert_cmpuint (n_shown (fixture), ==, 2);
  set_dropdown (fixture, "model_dropdown", 0);

  /* States: All, Finished, Running, Needs attention. */
  set_dropdown (fixture, "state_dropdown", 1);
  g_assert_cmpuint (n_shown (fixture), ==, 2);
  set_dropdown (fixture, "state_dropdown", 3);
  g_assert_cmpuint (n_shown (fixture), ==, 1);
  set_dropdown (fixture, "state_dropdown", 2);
  g_assert_cmpuint (n_shown (fixture), ==, 0);
  set_dropdown (fixture, "state_dropdown", 0);

  /* Dates: everything here was made today. */
  set_dropdown (fixture, "date_dropdown", 1);
  g_assert_cmpuint (n_shown (fixture), ==, 3);
  set_dropdown (fixture, "date_dropdown", 3);
  g_assert_cmpuint (n_shown (fixture), ==, 3);

  /* Filters combine; no match shows the empty state, whose button clears
   * them all. */
  set_search (fixture, "fox");
  set_dropdown (fixture, "model_dropdown", 1);
  g_assert_cmpuint (n_shown (fixture), ==, 0);
  g_assert_cmpstr (visible_gallery_page (fixture), ==, "no-results");
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->window), "No results match"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (get_gallery (fixture)), "gallery.clear-filters", NULL));
  g_assert_cmpuint (n_shown (fixture), ==, 3);
  g_assert_cmpstr (visible_gallery_page (fixture), ==, "grid");

  /* Ctrl+F's action focuses the search entry. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.find", NULL));
  {
    GtkWidget *entry = ks_test_gui_find_by_name (GTK_WIDGET (fixture->window), "search_entry");
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (fixture->window));

    g_assert_nonnull (focus);
    g_assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));
  }
}

/* ---- trash -------------------------------------------------------------- */

static void
test_library_trash (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(KsParams) params = make_params ("A teapot on a windowsill", 1, 7, 3.5, "1:1");
  g_autoptr(KsParams) other = make_params ("A kettle on a stove", 1, 8, 3.5, "1:1");
  g_autoptr(KsGalleryItem) item = NULL;
  KsLibrary *library;
  KsRecord *record;

  open_session (fixture);
  library = ks_session_get_library (fixture->session);
  g_assert_true (ks_test_gui_wait_until (library_loaded, fixture, DEADLINE_MS));
  ks_session_submit (fixture->session, params);
  ks_session_submit (fixture->session, other);
  g_assert_true (ks_test_gui_wait_until (nothing_running, fixture, DEADLINE_MS));
  wait_n_items (fixture, 2);

  /* Trash, then Undo from the toast. */
  item = g_list_model_get_item (items (fixture), 1);
  record = ks_gallery_item_get_record (item);
  g_signal_emit_by_name (get_gallery (fixture), "item-activated", item);
  g_assert_true (gtk_widget_activate_action (ks_test_gui_find_by_type (GTK_WIDGET (fixture->window), KS_TYPE_VIEWER
                                             ), "viewer.delete", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (items (fixture)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (library)), ==, 1);
  g_assert_cmpint (ks_record_get_trashed (record), >, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.undo-delete", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (items (fixture)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (library)), ==, 0);
  g_assert_cmpint (ks_record_get_trashed (record), ==, 0);
  {
    g_autoptr(KsGalleryItem) back = g_list_model_get_item (items (fixture), 1);

    g_assert_true (ks_gallery_item_get_record (back) == record);
  }

  /* Trash without undo: it stays in the library's trash, files and all. */
  ks_session_remove (fixture->session, item);
  g_assert_cmpuint (g_list_model_get_n_items (items (fixture)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (ks_library_get_trash (library)), ==, 1);
  {
    g_autoptr(KsRecord) trashed = g_list_model_get_item (ks_library_get_trash (library), 0);

    g_assert_true (trashed == record);
  }
  g_assert_true (g_file_query_exists (ks_gallery_item_get_file (item), NULL));
}

/* ---- a large library ---------------------------------------------------- */

static gboolean
gallery_has_tiles (gpointer data)
{
  Fixture *fixture = data;
  GtkWidget *grid;

  if (g_list_model_get_n_items (items (fixture)) == 0)
    return FALSE;
  grid = ks_test_gui_find_by_name (GTK_WIDGET (fixture->window), "grid_view");
  return grid != NULL && gtk_widget_get_mapped (grid) &&
         ks_test_gui_find_by_type (grid, KS_TYPE_GALLERY_TILE) != NULL;
}

static guint
count_thumbnails (Fixture *fixture)
{
  guint n = 0;

  for (guint i = 0, n_items = g_list_model_get_n_items (items (fixture)); i < n_items; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (items (fixture), i);

      if (ks_gallery_item_get_thumbnail (item) != NULL)
        n++;
    }

  return n;
}

static gboolean
some_thumbnails (gpointer data)
{
  return count_thumbnails (data) > 0;
}

/* 2000 records of 1–4 tiny images each, written to disk as a previous run
 * would have left them. */
static guint
write_library (guint n_records)
{
  g_autoptr(GFile) directory = ks_library_default_directory ();
  g_autoptr(GFile) records = g_file_get_child (directory, "records");
  g_autoptr(GFile) images = g_file_get_child (directory, "images");
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 8, 8);
  g_autoptr(GError) error = NULL;
  g_autofree char *png = NULL;
  gsize png_length;
  gint64 now = g_get_real_time ();
  guint n_images = 0;

  g_assert_true (g_file_make_directory_with_parents (records, NULL, &error));
  g_assert_true (g_file_make_directory_with_parents (images, NULL, &error));
  gdk_pixbuf_fill (pixbuf, 0x3070b0ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_length, "png", &error, NULL));

  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("Study number %u of a quiet room", i);
      g_autoptr(KsParams) params = make_params (prompt, 1 + i % 4, i, 3.5, "1:1");
      g_autoptr(KsRecord) record = ks_record_new (params, "https://queue.fal.run", FALSE);
      g_autofree char *json = NULL;
      g_autofree char *record_path = NULL;
      gsize length;

      for (guint j = 0; j < 1 + i % 4; j++)
        {
          g_autofree char *name = g_strdup_printf ("%s-%u.png", ks_record_get_id (record), j);
          g_autofree char *path = g_build_filename (g_file_peek_path (images), name, NULL);
          g_autofree char *relative = g_strconcat ("images/", name, NULL);
          KsRecordImage image = { j, (char *) "https://example.com/x.png", (char *) "image/png",
                                  relative, 8, 8, FALSE };

          g_assert_true (g_file_set_contents (path, png, png_length, &error));
          ks_record_set_image (record, &image);
          n_images++;
        }
      ks_record_set_submitted (record, now - (gint64) (n_records - i) * G_USEC_PER_SEC);
      ks_record_set_finished (record, now - (gint64) (n_records - i) * G_USEC_PER_SEC + 1000);
      ks_record_set_seed (record, "7");
      ks_record_set_state (record, KS_RECORD_STATE_COMPLETED);

      json = ks_record_to_json (record, &length);
      record_path = g_strdup_printf ("%s/%s.json", g_file_peek_path (records), ks_record_get_id (record));
      g_assert_true (g_file_set_contents (record_path, json, length, &error));
    }

  return n_images;
}

static guint expected_items;

/* The library arrives newest first, in two steps: the first page, then
 * the rest. */
static gboolean
all_items_loaded (gpointer data)
{
  Fixture *fixture = data;

  return g_list_model_get_n_items (items (fixture)) == expected_items;
}

static void
test_library_large (Fixture       *fixture,
                    gconstpointer  data)
{
  guint n_images = write_library (2000);
  gint64 started;
  double elapsed_ms;
  guint n_decoded;

  started = g_get_monotonic_time ();
  open_session (fixture);
  g_assert_true (ks_test_gui_wait_until (gallery_has_tiles, fixture, DEADLINE_MS));
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 1);
  elapsed_ms = (g_get_monotonic_time () - started) / 1000.0;
  g_assert_cmpuint (g_list_model_get_n_items (items (fixture)), >, 0);
  expected_items = n_images;
  g_assert_true (ks_test_gui_wait_until (all_items_loaded, fixture, DEADLINE_MS));

  g_assert_true (ks_test_gui_wait_until (some_thumbnails, fixture, DEADLINE_MS));
  ks_test_gui_spin (500);
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
  n_decoded = count_thumbnails (fixture);

  g_test_message ("2000 records, %u images: first frame with items after %.0f ms; "
                  "%u thumbnails made before any scrolling",
                  n_images, elapsed_ms, n_decoded);
  g_assert_cmpuint (n_decoded, >, 0);
  g_assert_cmpuint (n_decoded, <, 100);
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (fixture->window), "library-large.png"), >, 20);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!ks_test_gui_setup (&argc, &argv))
    return g_test_run ();

  g_test_add ("/library/restart", Fixture, NULL, fixture_set_up, test_library_restart, fixture_tear_down);
  g_test_add ("/library/resume", Fixture, NULL, fixture_set_up, test_library_resume, fixture_tear_down);
  g_test_add ("/library/search-filters", Fixture, NULL, fixture_set_up, test_library_search_filters, fixture_tear_down);
  g_test_add ("/library/trash", Fixture, NULL, fixture_set_up, test_library_trash, fixture_tear_down);
  g_test_add ("/library/large", Fixture, NULL, fixture_set_up, test_library_large, fixture_tear_down);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
