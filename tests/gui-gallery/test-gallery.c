/* The gallery, its tiles and items, against the local fal-compatible
 * server and real jobs, under a display. */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ks-core.h"
#include "ks-gallery.h"
#include "ks-gallery-item.h"
#include "ks-gallery-tile.h"
#include "ks-test-gui.h"
#include "ks-thumbnail-paintable.h"
#include "../ks-test-time.h"

#define DEADLINE_MS 30000

typedef struct
{
  KsSimServer *server;
  KsClient    *client;
  GtkWidget   *window;
  KsGallery   *gallery;
  KsLibrary   *library;
  GListStore  *store;
  GCancellable *cancellable;
  guint        n_running;

  /* What the gallery's signals reported */
  KsGalleryItem *cancelled_item;
  KsGalleryItem *activated_item;
  KsGalleryItem *retried_item;
  int            retried_safety;
  guint          n_retries;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = ks_sim_server_new ();
  g_object_set (fixture->server,
                "queue-delay", 300,
                "run-time", 800,
                "log-lines", 3,
                "ping-interval", 200,
                NULL);
  g_assert_true (ks_sim_server_listen (fixture->server, 0, &error));
  g_assert_no_error (error);

  fixture->client = ks_client_new (ks_sim_server_get_base_url (fixture->server));
  ks_client_set_api_key (fixture->client, "test-id:test-secret");
  g_object_set (fixture->client,
                "retry-base-delay", 10,
                "poll-interval", 50,
                NULL);

  /* A library of its own, in the test's isolated data dir. */
  {
    g_autoptr(GFile) directory = g_file_new_build_filename (g_get_user_data_dir (), "gallery-library", NULL);

    fixture->library = ks_library_new (directory);
    g_assert_true (ks_library_load (fixture->library, NULL, &error));
    g_assert_no_error (error);
  }

  fixture->cancellable = g_cancellable_new ();
  fixture->store = g_list_store_new (KS_TYPE_GALLERY_ITEM);
  fixture->gallery = KS_GALLERY (ks_gallery_new ());
  ks_gallery_set_model (fixture->gallery, G_LIST_MODEL (fixture->store));

  fixture->window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (fixture->window), "Gallery");
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 940, 720);
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->gallery));
  gtk_window_present (GTK_WINDOW (fixture->window));
  ks_test_gui_wait_frames (fixture->window, 2);
}

static gboolean
no_job_running (gpointer data)
{
  return ((Fixture *) data)->n_running == 0;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Stop following what still runs, and let the callbacks land. */
  g_cancellable_cancel (fixture->cancellable);
  g_assert_true (ks_test_gui_wait_until (no_job_running, fixture, DEADLINE_MS));

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->store);
  ks_library_flush (fixture->library);
  g_clear_object (&fixture->library);
  g_clear_object (&fixture->cancelled_item);
  g_clear_object (&fixture->activated_item);
  g_clear_object (&fixture->retried_item);
  g_clear_object (&fixture->cancellable);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->server);
}

/* ---- Helpers ---------------------------------------------------------- */

static void
job_run_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fixture = user_data;

  ks_job_run_finish (KS_JOB (object), result, NULL);
  fixture->n_running--;
}

/* A job writing into the fixture's library through a record of its own;
 * @simulated marks the record as the demo service's. */
static KsJob *
start_job_full (Fixture    *fixture,
                const char *prompt,
                int         num_images,
                int         safety_tolerance,
                gboolean    simulated)
{
  g_autoptr(KsParams) params = NULL;
  g_autoptr(KsRecord) record = NULL;
  KsJob *job;

  params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  ks_params_set_prompt (params, prompt);
  ks_params_set_num_images (params, num_images);
  ks_params_set_safety_tolerance (params, safety_tolerance);

  record = ks_record_new (params, ks_client_get_base_url (fixture->client), simulated);
  ks_library_add (fixture->library, record);
  job = ks_job_new (fixture->client, params);
  ks_job_set_library (job, fixture->library, record);
  fixture->n_running++;
  ks_job_run_async (job, fixture->cancellable, job_run_done, fixture);

  return job;
}

static KsJob *
start_job (Fixture    *fixture,
           const char *prompt,
           int         num_images,
           int         safety_tolerance)
{
  return start_job_full (fixture, prompt, num_images, safety_tolerance, FALSE);
}

static KsJob *
start_simulated_job (Fixture    *fixture,
                     const char *prompt,
                     int         num_images,
                     int         safety_tolerance)
{
  return start_job_full (fixture, prompt, num_images, safety_tolerance, TRUE);
}

static gboolean
job_finished (gpointer data)
{
  return ks_job_state_is_finished (ks_job_get_state (data));
}

static void
wait_job_finished (KsJob *job)
{
  g_assert_true (ks_test_gui_wait_until (job_finished, job, DEADLINE_MS));
}

static gboolean
job_has_logs (gpointer data)
{
  GPtrArray *logs = ks_job_get_logs (data);

  return logs != NULL && logs->len > 0;
}

/* The record's own tile for a job. */
static KsGalleryItem *
add_job_item (Fixture *fixture,
              KsJob   *job)
{
  g_autoptr(KsGalleryItem) item = ks_gallery_item_new (fixture->library, ks_job_get_record (job), -1);

  g_assert_true (ks_gallery_item_get_job (item) == job ||
                 ks_job_state_is_finished (ks_job_get_state (job)));
  g_list_store_insert (fixture->store, 0, item);
  return item;
}

static KsGalleryItem *
add_simulated_job_item (Fixture *fixture,
                        KsJob   *job)
{
  KsGalleryItem *item = add_job_item (fixture, job);

  g_assert_true (ks_gallery_item_get_simulated (item));
  return item;
}

/* A tile for image @index of a finished job, as written in the library. */
static KsGalleryItem *
add_image_item (Fixture  *fixture,
                KsJob    *job,
                guint     index,
                gboolean  simulated)
{
  g_autoptr(KsGalleryItem) item = NULL;
  const KsRecordImage *image = ks_record_get_image (ks_job_get_record (job), index);

  g_assert_nonnull (image);
  g_assert_nonnull (image->file);
  item = ks_gallery_item_new (fixture->library, ks_job_get_record (job), (int) index);
  g_assert_true (ks_gallery_item_get_simulated (item) == simulated);
  g_list_store_insert (fixture->store, 0, item);
  return item;
}

/* The tile the grid bound to @item, or NULL. */
static KsGalleryTile *
find_tile (GtkWidget     *root,
           KsGalleryItem *item)
{
  if (KS_IS_GALLERY_TILE (root) && ks_gallery_tile_get_item (KS_GALLERY_TILE (root)) == item)
    return KS_GALLERY_TILE (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      KsGalleryTile *tile = find_tile (child, item);

      if (tile != NULL)
        return tile;
    }

  return NULL;
}

typedef struct
{
  Fixture       *fixture;
  KsGalleryItem *item;
  const char    *text;
} TextWait;

static gboolean
tile_says (gpointer data)
{
  TextWait *wait = data;
  KsGalleryTile *tile = find_tile (GTK_WIDGET (wait->fixture->gallery), wait->item);

  return tile != NULL && g_strcmp0 (ks_gallery_tile_get_status_text (tile), wait->text) == 0;
}

static KsGalleryTile *
wait_tile_says (Fixture       *fixture,
                KsGalleryItem *item,
                const char    *text)
{
  TextWait wait = { fixture, item, text };
  KsGalleryTile *tile;

  if (!ks_test_gui_wait_until (tile_says, &wait, DEADLINE_MS))
    {
      tile = find_tile (GTK_WIDGET (fixture->gallery), item);
      g_error ("The tile says “%s”, not “%s”",
               tile != NULL ? ks_gallery_tile_get_status_text (tile) : "(no tile)", text);
    }

  /* The words are on screen, not only in the accessor. */
  tile = find_tile (GTK_WIDGET (fixture->gallery), item);
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (tile), text));
  return tile;
}

static gboolean
tile_generating (gpointer data)
{
  TextWait *wait = data;
  KsGalleryTile *tile = find_tile (GTK_WIDGET (wait->fixture->gallery), wait->item);
  const char *status = tile != NULL ? ks_gallery_tile_get_status_text (tile) : NULL;

  return status != NULL && g_str_has_prefix (status, wait->text);
}

/* Returns the N of "Generating · N s" once it is at least @at_least. */
static int
wait_generating (Fixture       *fixture,
                 KsGalleryItem *item,
                 int            at_least)
{
  TextWait wait = { fixture, item, "Generating · " };
  gint64 deadline = g_get_monotonic_time () + DEADLINE_MS * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      KsGalleryTile *tile;
      const char *status;
      char *end = NULL;
      long seconds;

      g_assert_true (ks_test_gui_wait_until (tile_generating, &wait, DEADLINE_MS));
      tile = find_tile (GTK_WIDGET (fixture->gallery), item);
      status = ks_gallery_tile_get_status_text (tile);
      seconds = strtol (status + strlen ("Generating · "), &end, 10);
      g_assert_true (end != NULL && g_str_equal (end, " s"));
      if (seconds >= at_least)
        {
          g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (tile), status));
          return (int) seconds;
        }
      ks_test_gui_spin (20);
    }

  g_error ("The tile never said “Generating · %d s”", at_least);
  return -1;
}

static void
on_cancel_requested (KsGallery     *gallery,
                     KsGalleryItem *item,
                     Fixture       *fixture)
{
  g_set_object (&fixture->cancelled_item, item);
  ks_job_cancel_async (ks_gallery_item_get_job (item), NULL, NULL, NULL);
}

static void
on_retry_requested (KsGallery     *gallery,
                    KsGalleryItem *item,
                    int            safety,
                    Fixture       *fixture)
{
  g_set_object (&fixture->retried_item, item);
  fixture->retried_safety = safety;
  fixture->n_retries++;
}

static void
connect_gallery (Fixture *fixture)
{
  g_signal_connect (fixture->gallery, "cancel-requested", G_CALLBACK (on_cancel_requested), fixture);
  g_signal_connect (fixture->gallery, "retry-requested", G_CALLBACK (on_retry_requested), fixture);
}

static GtkWidget *
tile_child (KsGalleryTile *tile,
            const char    *name)
{
  GtkWidget *child = ks_test_gui_find_by_name (GTK_WIDGET (tile), name);

  g_assert_nonnull (child);
  return child;
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
thumbnail_loaded (gpointer data)
{
  return ks_gallery_item_get_thumbnail (data) != NULL;
}

/* ---- Tests ------------------------------------------------------------ */

typedef struct
{
  Fixture       *fixture;
  KsGalleryItem *items[3];
  KsGalleryItem *generating;
  KsGalleryItem *next;
  KsGalleryItem *behind;
} QueueWait;

/* The submits race each other, so which job the server takes first is
 * not known in advance: wait until one runs, one is next and one waits
 * behind it, whichever they are. */
static gboolean
queue_seen (gpointer data)
{
  QueueWait *wait = data;

  wait->generating = wait->next = wait->behind = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (wait->items); i++)
    {
      KsGalleryTile *tile = find_tile (GTK_WIDGET (wait->fixture->gallery), wait->items[i]);
      const char *status = tile != NULL ? ks_gallery_tile_get_status_text (tile) : NULL;

      if (status == NULL)
        continue;
      if (g_str_has_prefix (status, "Generating · "))
        wait->generating = wait->items[i];
      else if (g_str_equal (status, "In queue · next"))
        wait->next = wait->items[i];
      else if (g_str_equal (status, "In queue · position 2"))
        wait->behind = wait->items[i];
    }

  return wait->generating != NULL && wait->next != NULL && wait->behind != NULL;
}

/* Three jobs on one worker: the tiles say where each is, in words and
 * numbers, and follow the jobs live. */
static void
test_gallery_job_states (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(KsJob) first = NULL;
  g_autoptr(KsJob) second = NULL;
  g_autoptr(KsJob) third = NULL;
  QueueWait wait = { fixture, { NULL } };
  KsGalleryTile *tile;
  GtkWidget *spinner;
  int seconds;

  g_object_set (fixture->server, "workers", 1, "queue-delay", 200, "run-time", 4000, NULL);

  first = start_job (fixture, "A lighthouse at dusk", 1, 2);
  wait.items[0] = add_job_item (fixture, first);
  second = start_job (fixture, "The same lighthouse in fog", 1, 2);
  wait.items[1] = add_job_item (fixture, second);
  third = start_job (fixture, "The lighthouse under snow", 1, 2);
  wait.items[2] = add_job_item (fixture, third);

  /* Queue positions are 0-based on the wire, 1-based for people. */
  g_assert_true (ks_test_gui_wait_until (queue_seen, &wait, DEADLINE_MS));
  tile = wait_tile_says (fixture, wait.behind, "In queue · position 2");
  spinner = tile_child (tile, "spinner");
  g_assert_true (gtk_widget_get_mapped (spinner));
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  g_assert_true (gtk_widget_get_mapped (tile_child (tile, "cancel_button")));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (tile), ks_gallery_item_get_title (wait.behind)));
  wait_tile_says (fixture, wait.next, "In queue · next");

  /* The running one counts its seconds, and the count moves on. */
  seconds = wait_generating (fixture, wait.generating, 0);
  g_test_message ("seen as “Generating · %d s”", seconds);
  wait_generating (fixture, wait.generating, seconds + 1);

  /* The logs are there on demand. */
  g_assert_true (ks_test_gui_wait_until (job_has_logs, ks_gallery_item_get_job (wait.generating), DEADLINE_MS));
  tile = find_tile (GTK_WIDGET (fixture->gallery), wait.generating);
  gtk_menu_button_popup (GTK_MENU_BUTTON (tile_child (tile, "logs_button")));
  ks_test_gui_wait_frames (fixture->window, 2);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (tile_child (tile, "logs_label"))), !=, "No log lines yet.");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (tile_child (tile, "logs_label"))), ==,
                   ((KsLogEntry *) g_ptr_array_index (ks_job_get_logs (ks_gallery_item_get_job (wait.generating)), 0))->message);

  gtk_menu_button_popdown (GTK_MENU_BUTTON (tile_child (tile, "logs_button")));

  /* The queue moves up as the first finishes. */
  wait_tile_says (fixture, wait.behind, "In queue · next");
  wait_tile_says (fixture, wait.generating, "Finished");
  g_assert_false (gtk_widget_get_mapped (tile_child (find_tile (GTK_WIDGET (fixture->gallery), wait.generating),
                                                     "cancel_button")));
}

/* Cancel on a queued job's tile reaches the gallery's signal; the tile
 * then says Cancelled and offers Retry. */
static void
test_gallery_cancel (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  KsGalleryItem *item;
  KsGalleryTile *tile;

  g_object_set (fixture->server, "queue-delay", 20000, NULL);
  connect_gallery (fixture);

  job = start_job (fixture, "A cat on a windowsill", 1, 2);
  item = add_job_item (fixture, job);
  tile = wait_tile_says (fixture, item, "In queue · next");

  click (tile_child (tile, "cancel_button"));
  g_assert_true (fixture->cancelled_item == item);

  wait_job_finished (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_CANCELLED);
  tile = wait_tile_says (fixture, item, "Cancelled");
  g_assert_false (gtk_widget_get_mapped (tile_child (tile, "cancel_button")));

  click (tile_child (tile, "retry_button"));
  g_assert_cmpuint (fixture->n_retries, ==, 1);
  g_assert_true (fixture->retried_item == item);
  g_assert_cmpint (fixture->retried_safety, ==, -1);
}

/* A failed job's tile gives the reason in words and a Retry. */
static void
test_gallery_failed (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  KsGalleryItem *item;
  KsGalleryTile *tile;
  const GError *error;
  GtkWidget *reason;

  connect_gallery (fixture);

  job = start_job (fixture, "A bridge of glass [fail]", 1, 2);
  item = add_job_item (fixture, job);
  wait_job_finished (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_FAILED);
  error = ks_job_get_error (job);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, !=, "");

  tile = wait_tile_says (fixture, item, error->message);
  reason = tile_child (tile, "reason_label");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (reason)), ==, error->message);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (reason), ==, error->message);
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (tile), "Failed"));
  g_assert_false (gtk_widget_get_mapped (tile_child (tile, "spinner")));

  click (tile_child (tile, "retry_button"));
  g_assert_cmpuint (fixture->n_retries, ==, 1);
  g_assert_true (fixture->retried_item == item);
  g_assert_cmpint (fixture->retried_safety, ==, -1);
  g_assert_null (fixture->cancelled_item);
}

/* An image flagged by has_nsfw_concepts never shows its pixels: a labelled
 * tile offers one step more tolerance, up to the most permissive. */
static void
test_gallery_filtered (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  g_autoptr(KsJob) permissive = NULL;
  g_autoptr(KsGalleryItem) capped_item = NULL;
  g_autoptr(GdkContentProvider) content = NULL;
  KsGalleryItem *filtered_item, *clean_item;
  KsGalleryTile *tile;
  GtkWidget *button;
  GtkDragSource *source = NULL;
  GListModel *controllers;

  connect_gallery (fixture);

  job = start_job (fixture, "A portrait in oils [nsfw]", 2, 2);
  wait_job_finished (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  g_assert_true (ks_record_get_image (ks_job_get_record (job), 0)->has_nsfw_concepts);

  clean_item = add_image_item (fixture, job, 1, FALSE);
  filtered_item = add_image_item (fixture, job, 0, FALSE);

  tile = wait_tile_says (fixture, filtered_item, "Filtered by the safety check");
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (tile), "Retry with tolerance 3"));
  /* Never a silent black square: no pixels at all, and nothing to drag. */
  g_assert_null (gtk_picture_get_paintable (GTK_PICTURE (tile_child (tile, "picture"))));
  g_assert_false (gtk_widget_get_mapped (tile_child (tile, "picture")));
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (tile));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (controller))
        source = GTK_DRAG_SOURCE (controller);
    }
  g_object_unref (controllers);
  g_assert_nonnull (source);
  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &content);
  g_assert_null (content);

  button = tile_child (tile, "tolerance_button");
  click (button);
  g_assert_cmpuint (fixture->n_retries, ==, 1);
  g_assert_true (fixture->retried_item == filtered_item);
  g_assert_cmpint (fixture->retried_safety, ==, 3);

  /* The unflagged image of the same job shows its thumbnail. */
  g_assert_true (ks_test_gui_wait_until (thumbnail_loaded, clean_item, DEADLINE_MS));
  tile = find_tile (GTK_WIDGET (fixture->gallery), clean_item);
  {
    GdkPaintable *shown = gtk_picture_get_paintable (GTK_PICTURE (tile_child (tile, "picture")));

    g_assert_true (KS_IS_THUMBNAIL_PAINTABLE (shown));
    g_assert_true (ks_thumbnail_paintable_get_texture (KS_THUMBNAIL_PAINTABLE (shown)) ==
                   ks_gallery_item_get_thumbnail (clean_item));
  }

  /* At tolerance 6 there is nothing more permissive to ask for. */
  permissive = start_job (fixture, "A portrait in oils [nsfw]", 1, 6);
  wait_job_finished (permissive);
  g_assert_true (ks_record_get_image (ks_job_get_record (permissive), 0)->has_nsfw_concepts);
  capped_item = g_object_ref (add_image_item (fixture, permissive, 0, FALSE));
  tile = wait_tile_says (fixture, capped_item, "Filtered by the safety check");
  button = tile_child (tile, "tolerance_button");
  g_assert_nonnull (ks_test_gui_find_text (button, "Already at the most permissive"));
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_cmpuint (fixture->n_retries, ==, 1);
}

static gint64 last_tick;
static gint64 longest_gap;

static gboolean
on_tick_timeout (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_tick != 0)
    longest_gap = MAX (longest_gap, now - last_tick);
  last_tick = now;

  return G_SOURCE_CONTINUE;
}

static gboolean
all_thumbnails_loaded (gpointer data)
{
  GPtrArray *items = data;

  for (guint i = 0; i < items->len; i++)
    if (ks_gallery_item_get_thumbnail (g_ptr_array_index (items, i)) == NULL)
      return FALSE;

  return TRUE;
}

/* Eight thumbnails of one-megapixel images load while the main loop keeps
 * ticking every millisecond. */
static void
test_gallery_thumbnails_off_main_thread (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(KsJob) first = NULL;
  g_autoptr(KsJob) second = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  guint tick_id;
  gint64 started;

  g_object_set (fixture->server, "queue-delay", 50, "run-time", 200, NULL);
  first = start_simulated_job (fixture, "A field of poppies", 4, 2);
  second = start_simulated_job (fixture, "A field of tulips", 4, 2);
  wait_job_finished (first);
  wait_job_finished (second);
  g_assert_cmpint (ks_job_get_state (first), ==, KS_JOB_STATE_COMPLETED);
  g_assert_cmpint (ks_job_get_state (second), ==, KS_JOB_STATE_COMPLETED);

  last_tick = 0;
  longest_gap = 0;
  tick_id = g_timeout_add (1, on_tick_timeout, NULL);
  ks_test_gui_spin (20);
  started = g_get_monotonic_time ();

  for (guint i = 0; i < 8; i++)
    {
      KsJob *job = i < 4 ? first : second;
      KsGalleryItem *item = add_image_item (fixture, job, i % 4, TRUE);
      const KsRecordImage *image = ks_gallery_item_get_image (item);

      g_assert_cmpint (image->width * image->height, >=, 1000000);
      g_ptr_array_add (items, item);
    }

  g_assert_true (ks_test_gui_wait_until (all_thumbnails_loaded, items, DEADLINE_MS));
  ks_test_gui_wait_frames (fixture->window, 2);
  g_source_remove (tick_id);

  g_test_message ("8 thumbnails of 1 MP images in %.0f ms; longest main loop gap %.1f ms",
                  (g_get_monotonic_time () - started) / 1000.0, longest_gap / 1000.0);
  g_assert_cmpint (longest_gap, <, 100 * 1000 * (gint64) ks_test_time_scale ());

  for (guint i = 0; i < items->len; i++)
    {
      GdkTexture *thumbnail = ks_gallery_item_get_thumbnail (g_ptr_array_index (items, i));

      g_assert_cmpint (MAX (gdk_texture_get_width (thumbnail), gdk_texture_get_height (thumbnail)), <=, 200 * 2);
      g_assert_cmpint (MAX (gdk_texture_get_width (thumbnail), gdk_texture_get_height (thumbnail)), >=, 180);
    }

  /* Finished, simulated results: the subtitle says model, size and seed. */
  {
    KsGalleryItem *item = g_ptr_array_index (items, 0);
    g_autofree char *subtitle = ks_gallery_item_dup_subtitle (item);
    g_autofree char *expected = g_strdup_printf ("Pro · %d × %d · seed %s",
                                                 ks_gallery_item_get_image (item)->width,
                                                 ks_gallery_item_get_image (item)->height,
                                                 ks_job_get_seed (first));

    g_assert_cmpstr (subtitle, ==, expected);
    g_assert_cmpstr (ks_gallery_item_get_title (item), ==, "A field of poppies");
    g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->gallery), "Simulated"));
  }
}

/* Lets the crossfade between the empty state and the grid end: both
 * pages are on screen while it runs. */
static void
wait_stack_settled (Fixture *fixture)
{
  /* By name: the drop-downs above the grid have stacks of their own. */
  GtkWidget *stack = ks_test_gui_find_by_name (GTK_WIDGET (fixture->gallery), "stack");

  ks_test_gui_wait_frames (fixture->window, 2);
  g_assert_true (ks_test_gui_wait_stack_settled (stack, DEADLINE_MS));
  ks_test_gui_wait_frames (fixture->window, 1);
}

typedef struct
{
  Fixture       *fixture;
  KsGalleryItem *last;
} ScrollWait;

static gboolean
scrolled_to_last (gpointer data)
{
  ScrollWait *wait = data;
  /* The grid's own scrolled window (AdwStatusPage has one by that id too). */
  GtkWidget *grid = ks_test_gui_find_by_type (GTK_WIDGET (wait->fixture->gallery), GTK_TYPE_GRID_VIEW);
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (gtk_widget_get_parent (grid)));
  KsGalleryTile *tile;

  /* The grid estimates its height until it has seen the rows: keep going
   * down until the end is the end. */
  gtk_adjustment_set_value (vadjustment,
                            gtk_adjustment_get_upper (vadjustment) - gtk_adjustment_get_page_size (vadjustment));
  tile = find_tile (GTK_WIDGET (wait->fixture->gallery), wait->last);

  return tile != NULL && gtk_widget_get_mapped (GTK_WIDGET (tile));
}

static gboolean
at_top_with (gpointer data)
{
  ScrollWait *wait = data;
  GtkWidget *grid = ks_test_gui_find_by_type (GTK_WIDGET (wait->fixture->gallery), GTK_TYPE_GRID_VIEW);
  GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (grid));
  KsGalleryTile *tile = find_tile (GTK_WIDGET (wait->fixture->gallery), wait->last);

  return gtk_adjustment_get_value (vadjustment) == 0 &&
         tile != NULL && gtk_widget_get_mapped (GTK_WIDGET (tile));
}

/* Three hundred results: the grid scrolls to the end and binds the last. */
static void
test_gallery_many_items (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  ScrollWait wait = { fixture, NULL };
  KsGalleryTile *tile;
  g_autoptr(KsGalleryItem) newest = NULL;
  GtkAdjustment *vadjustment;
  graphene_rect_t bounds;
  GtkWidget *grid;
  guint n_tiles = 0;
  guint n_loaded = 0;
  double value;

  g_object_set (fixture->server, "queue-delay", 50, "run-time", 200, NULL);
  job = start_job (fixture, "A tiled floor", 4, 2);
  wait_job_finished (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);

  for (guint i = 0; i < 300; i++)
    g_ptr_array_add (items, ks_gallery_item_new (fixture->library, ks_job_get_record (job), i % 4));
  g_list_store_splice (fixture->store, 0, 0, items->pdata, items->len);
  wait.last = g_ptr_array_index (items, items->len - 1);
  wait_stack_settled (fixture);

  grid = ks_test_gui_find_by_name (GTK_WIDGET (fixture->gallery), "grid_view");
  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n_tiles++;
  g_test_message ("%u tiles made for 300 items", n_tiles);

  /* Only what is on screen is decoded and scaled. */
  g_assert_true (ks_test_gui_wait_until (thumbnail_loaded, g_ptr_array_index (items, 0), DEADLINE_MS));
  ks_test_gui_wait_frames (fixture->window, 2);
  for (guint i = 0; i < items->len; i++)
    if (ks_gallery_item_get_thumbnail (g_ptr_array_index (items, i)) != NULL)
      n_loaded++;
  g_test_message ("%u thumbnails loaded before scrolling", n_loaded);
  g_assert_cmpuint (n_loaded, >, 0);
  g_assert_cmpuint (n_loaded, <, 100);
  g_assert_null (ks_gallery_item_get_thumbnail (wait.last));
  g_assert_true (ks_test_gui_wait_until (scrolled_to_last, &wait, DEADLINE_MS));
  tile = find_tile (GTK_WIDGET (fixture->gallery), wait.last);
  g_assert_true (ks_test_gui_wait_until (thumbnail_loaded, wait.last, DEADLINE_MS));
  ks_test_gui_wait_frames (fixture->window, 2);
  g_assert_true (gtk_picture_get_paintable (GTK_PICTURE (tile_child (tile, "picture"))) != NULL);
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "gallery-scrolled-end.png"), >, 100);

  /* A new result lands at the top: the view stays where the user is
   * reading further down... */
  vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (gtk_widget_get_parent (grid)));
  value = gtk_adjustment_get_value (vadjustment);
  g_assert_cmpfloat (value, >, 1000);
  newest = ks_gallery_item_new (fixture->library, ks_job_get_record (job), 0);
  g_list_store_insert (fixture->store, 0, newest);
  ks_test_gui_wait_frames (fixture->window, 3);
  g_assert_cmpfloat (fabs (gtk_adjustment_get_value (vadjustment) - value), <, 300);
  tile = find_tile (GTK_WIDGET (fixture->gallery), newest);
  g_assert_true (tile == NULL || !gtk_widget_get_mapped (GTK_WIDGET (tile)));

  /* ...and it comes into view when the user is looking at the top rows. */
  gtk_adjustment_set_value (vadjustment, 60);
  ks_test_gui_wait_frames (fixture->window, 3);
  g_clear_object (&newest);
  newest = ks_gallery_item_new (fixture->library, ks_job_get_record (job), 1);
  g_list_store_insert (fixture->store, 0, newest);
  wait.last = newest;
  g_assert_true (ks_test_gui_wait_until (at_top_with, &wait, DEADLINE_MS));
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment), ==, 0);
  tile = find_tile (GTK_WIDGET (fixture->gallery), newest);
  g_assert_nonnull (tile);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (tile)));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (tile), grid, &bounds));
  g_assert_cmpfloat (bounds.origin.y, <, 100);
}

/* An empty gallery says what to do; it goes once there is something. */
static void
test_gallery_empty_state (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  GtkWidget *empty_page;
  GtkWidget *grid;

  empty_page = ks_test_gui_find_by_name (GTK_WIDGET (fixture->gallery), "empty_page");
  grid = ks_test_gui_find_by_name (GTK_WIDGET (fixture->gallery), "grid_view");
  g_assert_true (gtk_widget_get_mapped (empty_page));
  g_assert_false (gtk_widget_get_mapped (grid));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->gallery), "No images yet"));
  g_assert_nonnull (ks_test_gui_find_text (GTK_WIDGET (fixture->gallery), "press Generate"));
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "gallery-empty.png"), >, 10);

  g_object_set (fixture->server, "queue-delay", 20000, NULL);
  job = start_job (fixture, "A quiet harbour", 1, 2);
  add_job_item (fixture, job);
  wait_stack_settled (fixture);
  g_assert_false (gtk_widget_get_mapped (empty_page));
  g_assert_true (gtk_widget_get_mapped (grid));
  g_assert_null (ks_test_gui_find_text (GTK_WIDGET (fixture->gallery), "No images yet"));

  g_list_store_remove_all (fixture->store);
  wait_stack_settled (fixture);
  g_assert_true (gtk_widget_get_mapped (empty_page));
  g_assert_false (gtk_widget_get_mapped (grid));
}

static gboolean
texture_loaded (gpointer data)
{
  return ks_gallery_item_get_texture (data) != NULL;
}

static gboolean
file_written (gpointer data)
{
  return ks_gallery_item_get_file (data) != NULL;
}

/* Dragging a result out offers a real image: a texture and a file with
 * the downloaded bytes. */
static void
test_gallery_drag_content (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  g_autoptr(GdkContentProvider) content = NULL;
  g_autoptr(GdkContentFormats) formats = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  GValue value = G_VALUE_INIT;
  GtkDragSource *source = NULL;
  GListModel *controllers;
  KsGalleryItem *item;
  KsGalleryTile *tile;
  g_autoptr(KsJobImage) image = NULL;
  GBytes *bytes;
  GdkTexture *texture;
  GFile *file;
  gsize length;

  g_object_set (fixture->server, "queue-delay", 50, "run-time", 200, NULL);
  job = start_job (fixture, "A red kite over hills", 1, 2);
  wait_job_finished (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);
  item = add_image_item (fixture, job, 0, FALSE);
  image = g_list_model_get_item (ks_job_get_images (job), 0);
  g_assert_true (ks_test_gui_wait_until (file_written, item, DEADLINE_MS));
  /* The texture joins the file once decoded. */
  ks_gallery_item_ensure_texture (item);
  g_assert_true (ks_test_gui_wait_until (texture_loaded, item, DEADLINE_MS));
  tile = find_tile (GTK_WIDGET (fixture->gallery), item);
  g_assert_nonnull (tile);

  controllers = gtk_widget_observe_controllers (GTK_WIDGET (tile));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DRAG_SOURCE (controller))
        source = GTK_DRAG_SOURCE (controller);
    }
  g_object_unref (controllers);
  g_assert_nonnull (source);

  g_signal_emit_by_name (source, "prepare", 10.0, 10.0, &content);
  g_assert_nonnull (content);
  formats = gdk_content_provider_ref_formats (content);
  g_assert_true (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE));
  g_assert_true (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE));

  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);
  texture = g_value_get_object (&value);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, ks_job_image_get_width (image));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, ks_job_image_get_height (image));
  g_value_unset (&value);

  g_value_init (&value, G_TYPE_FILE);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);
  file = g_value_get_object (&value);
  g_assert_true (g_file_load_contents (file, NULL, &contents, &length, NULL, &error));
  g_assert_no_error (error);
  bytes = ks_job_image_get_bytes (image);
  g_assert_cmpmem (contents, length, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_value_unset (&value);
}

static void
on_item_activated (KsGallery     *gallery,
                   KsGalleryItem *item,
                   Fixture       *fixture)
{
  g_set_object (&fixture->activated_item, item);
}

static void
on_selected_item_notify (KsGallery  *gallery,
                         GParamSpec *pspec,
                         guint      *n_notifies)
{
  (*n_notifies)++;
}

/* Clicking a tile selects it (the window shows it large); double-click or
 * Enter activates it; newest first. */
static void
test_gallery_select_activate (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(KsJob) job = NULL;
  KsGalleryItem *oldest, *newest;
  KsGalleryTile *tile;
  GtkWidget *grid;
  guint n_notifies = 0;

  g_object_set (fixture->server, "queue-delay", 50, "run-time", 200, NULL);
  job = start_job (fixture, "Three pears on a plate", 3, 2);
  wait_job_finished (job);
  g_assert_cmpint (ks_job_get_state (job), ==, KS_JOB_STATE_COMPLETED);

  oldest = add_image_item (fixture, job, 0, FALSE);
  add_image_item (fixture, job, 1, FALSE);
  newest = add_image_item (fixture, job, 2, FALSE);
  wait_stack_settled (fixture);
  g_signal_connect (fixture->gallery, "item-activated", G_CALLBACK (on_item_activated), fixture);
  g_signal_connect (fixture->gallery, "notify::selected-item", G_CALLBACK (on_selected_item_notify), &n_notifies);

  /* Nothing is selected until the user picks something. */
  g_assert_null (ks_gallery_get_selected_item (fixture->gallery));

  grid = ks_test_gui_find_by_type (GTK_WIDGET (fixture->gallery), GTK_TYPE_GRID_VIEW);
  gtk_widget_activate_action (grid, "list.select-item", "(ubb)", 2, FALSE, FALSE);
  g_assert_true (ks_gallery_get_selected_item (fixture->gallery) == oldest);
  g_assert_cmpuint (n_notifies, ==, 1);

  gtk_widget_activate_action (grid, "list.select-item", "(ubb)", 0, FALSE, FALSE);
  g_assert_true (ks_gallery_get_selected_item (fixture->gallery) == newest);
  g_assert_cmpuint (n_notifies, ==, 2);
  g_assert_null (fixture->activated_item);

  gtk_widget_activate_action (grid, "list.activate-item", "u", 0);
  g_assert_true (fixture->activated_item == newest);

  /* The selected tile is marked on screen. */
  g_assert_true (ks_test_gui_wait_until (thumbnail_loaded, newest, DEADLINE_MS));
  tile = find_tile (GTK_WIDGET (fixture->gallery), newest);
  g_assert_true (gtk_widget_get_state_flags (gtk_widget_get_parent (GTK_WIDGET (tile))) & GTK_STATE_FLAG_SELECTED);
  gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (tile)));
  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "gallery-selected.png"), >, 100);

  /* A selected result that goes away leaves nothing selected. */
  g_list_store_remove (fixture->store, 0);
  g_assert_null (ks_gallery_get_selected_item (fixture->gallery));
  g_assert_cmpuint (n_notifies, ==, 3);
}

static gboolean
job_in_queue (gpointer data)
{
  return ks_job_get_state (data) == KS_JOB_STATE_IN_QUEUE;
}

typedef struct
{
  Fixture       *fixture;
  KsGalleryItem *items[2];
  int            at_least;
} PairWait;

/* One of two jobs on one worker counts its seconds, the other is next;
 * which is which depends on how the submits raced. */
static gboolean
pair_seen (gpointer data)
{
  PairWait *wait = data;
  gboolean generating = FALSE, next = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (wait->items); i++)
    {
      KsGalleryTile *tile = find_tile (GTK_WIDGET (wait->fixture->gallery), wait->items[i]);
      const char *status = tile != NULL ? ks_gallery_tile_get_status_text (tile) : NULL;

      if (status == NULL)
        continue;
      if (g_str_has_prefix (status, "Generating · ") &&
          atoi (status + strlen ("Generating · ")) >= wait->at_least)
        generating = TRUE;
      else if (g_str_equal (status, "In queue · next"))
        next = TRUE;
    }

  return generating && next;
}

/* Every kind of tile at once, for the eye. */
static void
test_gallery_screenshot (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(KsJob) done = NULL;
  g_autoptr(KsJob) flagged = NULL;
  g_autoptr(KsJob) failed = NULL;
  g_autoptr(KsJob) cancelled = NULL;
  g_autoptr(KsJob) running = NULL;
  g_autoptr(KsJob) queued = NULL;
  PairWait wait = { fixture, { NULL }, 1 };
  KsGalleryItem *item;

  /* Finished, flagged and failed jobs. */
  g_object_set (fixture->server, "queue-delay", 50, "run-time", 300, "workers", 2, NULL);
  done = start_simulated_job (fixture, "Put a donut next to the flour, warm morning light", 2, 2);
  flagged = start_simulated_job (fixture, "A figure study in charcoal [nsfw]", 1, 2);
  failed = start_simulated_job (fixture, "Turn the kitchen into a greenhouse [fail]", 1, 2);
  wait_job_finished (done);
  wait_job_finished (flagged);
  wait_job_finished (failed);

  add_simulated_job_item (fixture, failed);
  add_image_item (fixture, flagged, 0, TRUE);
  add_image_item (fixture, done, 1, TRUE);
  item = add_image_item (fixture, done, 0, TRUE);
  g_assert_true (ks_test_gui_wait_until (thumbnail_loaded, item, DEADLINE_MS));

  /* A job cancelled while it waited. */
  g_object_set (fixture->server, "queue-delay", 20000, NULL);
  cancelled = start_job (fixture, "Replace the sky with a storm", 1, 2);
  add_job_item (fixture, cancelled);
  g_assert_true (ks_test_gui_wait_until (job_in_queue, cancelled, DEADLINE_MS));
  ks_job_cancel_async (cancelled, NULL, NULL, NULL);
  wait_job_finished (cancelled);
  g_assert_cmpint (ks_job_get_state (cancelled), ==, KS_JOB_STATE_CANCELLED);

  /* One running, one waiting for the single worker. */
  g_object_set (fixture->server, "queue-delay", 200, "run-time", 20000, "workers", 1, NULL);
  running = start_simulated_job (fixture, "Make it a watercolour with soft edges", 1, 2);
  wait.items[0] = add_simulated_job_item (fixture, running);
  queued = start_job (fixture, "Add a second cup of coffee on the left", 1, 2);
  wait.items[1] = add_job_item (fixture, queued);
  g_assert_true (ks_test_gui_wait_until (pair_seen, &wait, DEADLINE_MS));

  g_assert_cmpuint (ks_test_gui_screenshot (fixture->window, "gallery-tiles.png"), >, 100);

  /* Running, queued, cancelled, failed, filtered and finished tiles, with
   * and without the badge, all have one size. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->store)), ==, 7);
  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(KsGalleryItem) shown = g_list_model_get_item (G_LIST_MODEL (fixture->store), i);
      KsGalleryTile *tile = find_tile (GTK_WIDGET (fixture->gallery), shown);

      g_assert_nonnull (tile);
      g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (tile)), ==, 200);
      g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (tile)), ==, 200);
    }
}

/* A thumbnail drawn for the cairo renderer (a cairo node from a surface
 * converted once) has the pixels the texture itself would give, at its
 * own size and scaled down. */
static void
draw_node (GskRenderNode *node,
           int            size,
           guint32       *pixels)
{
  cairo_surface_t *surface = cairo_image_surface_create_for_data ((guchar *) pixels, CAIRO_FORMAT_ARGB32,
                                                                  size, size, size * 4);
  cairo_t *cr = cairo_create (surface);

  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
}

static void
test_gallery_thumbnail_paintable (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 8, 8);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(KsThumbnailPaintable) paintable = NULL;
  const int sizes[] = { 8, 4 };

  /* Quarters of four colours. */
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 8; x++)
      {
        guchar *p = gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) + x * 3;

        p[0] = x < 4 ? 200 : 20;
        p[1] = y < 4 ? 180 : 40;
        p[2] = (x < 4) == (y < 4) ? 250 : 10;
      }
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  paintable = ks_thumbnail_paintable_new (texture);
  g_assert_true (ks_thumbnail_paintable_get_texture (paintable) == texture);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 8);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (paintable)), ==, 8);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int size = sizes[i];
      g_autofree guint32 *with_texture = g_new0 (guint32, size * size);
      g_autofree guint32 *with_cairo = g_new0 (guint32, size * size);

      for (int cairo = 0; cairo <= 1; cairo++)
        {
          g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
          g_autoptr(GskRenderNode) node = NULL;

          ks_thumbnail_paintable_set_for_cairo (paintable, cairo);
          gdk_paintable_snapshot (GDK_PAINTABLE (paintable), GDK_SNAPSHOT (snapshot), size, size);
          node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
          g_assert_nonnull (node);
          g_assert_cmpint (gsk_render_node_get_node_type (node), ==,
                           cairo ? GSK_CAIRO_NODE : GSK_TEXTURE_NODE);
          draw_node (node, size, cairo ? with_cairo : with_texture);
        }

      /* Opaque, and the same pixels both ways (one step of rounding). */
      for (int p = 0; p < size * size; p++)
        {
          g_assert_cmphex (with_cairo[p] >> 24, ==, 0xff);
          for (int shift = 0; shift < 24; shift += 8)
            g_assert_cmpint (ABS ((int) ((with_cairo[p] >> shift) & 0xff) -
                                  (int) ((with_texture[p] >> shift) & 0xff)), <=, 1);
        }
      /* The top-left corner is the first quarter's colour. */
      g_assert_cmphex (with_cairo[0] & 0xffffff, ==, (200u << 16) | (180u << 8) | 250u);
    }
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return g_test_run ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/gallery/job-states", test_gallery_job_states);
  ADD ("/gallery/cancel", test_gallery_cancel);
  ADD ("/gallery/failed", test_gallery_failed);
  ADD ("/gallery/filtered", test_gallery_filtered);
  ADD ("/gallery/thumbnails-off-main-thread", test_gallery_thumbnails_off_main_thread);
  ADD ("/gallery/many-items", test_gallery_many_items);
  ADD ("/gallery/empty-state", test_gallery_empty_state);
  ADD ("/gallery/drag-content", test_gallery_drag_content);
  ADD ("/gallery/select-activate", test_gallery_select_activate);
  ADD ("/gallery/screenshot", test_gallery_screenshot);

#undef ADD

  g_test_add_func ("/gallery/thumbnail-paintable", test_gallery_thumbnail_paintable);

  return g_test_run ();
}
