/* gui-mainloop: how long the main loop stalls while jobs complete in the
 * window.
 *
 *   gui-mainloop [--runs 3] [--jobs 4] [--images 4] [--screenshot FILE]
 *
 * Opens the real window (KsApplication, KsSession, KsWindow) on a
 * kontext-sim-server in its own process, then, --runs times, submits --jobs
 * jobs of --images 1024 × 1024 JPEG images each at once and waits until every
 * job finished and every new tile shows its thumbnail: the images are
 * downloaded, decoded, scaled to thumbnails and written to the library
 * meanwhile. A 1 ms timeout on the main context records the gap between
 * beats (a stall is a gap less the beat's own 1 ms), and the window's frame
 * clock the work of each frame (before-paint to after-paint, split into
 * layout and paint) and the intervals between frames. Then the gallery is
 * scrolled by one pixel and back 30 times: what a frame that moves every
 * tile costs to lay out and paint here ("scroll_frame_*"). Prints one JSON
 * object with max and p99 over every run, the target and "met".
 *
 * Run it under a display, for instance:
 *   xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- \
 *     _build/benchgui/bench/gui/gui-mainloop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdlib.h>

#include "bench-common.h"
#include "gui-bench.h"
#include "ks-application.h"
#include "ks-core.h"
#include "ks-gallery-item.h"
#include "ks-session.h"
#include "ks-window.h"

#define TARGET_STALL_MS 8.0
#define RUN_DEADLINE_S  120
#define SETTLE_MS       1000
#define FULL_REPAINTS   30

typedef struct
{
  KsSession *session;
  GtkWidget *window;
  guint      n_expected;
  gboolean   deadline;
} Wait;

static gboolean
deadline_cb (gpointer user_data)
{
  ((Wait *) user_data)->deadline = TRUE;
  return G_SOURCE_REMOVE;
}

/* Every job finished, the newest @n_expected items have their image on
 * disk, and every tile on screen has its thumbnail. */
static gboolean
all_shown (Wait *wait)
{
  GListModel *items = ks_session_get_items (wait->session);
  g_autoptr(GPtrArray) tiles = NULL;

  if (ks_session_get_n_running (wait->session) > 0 ||
      g_list_model_get_n_items (items) < wait->n_expected)
    return FALSE;

  for (guint i = 0; i < wait->n_expected; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (items, i);

      if (ks_gallery_item_get_image_index (item) < 0 || ks_gallery_item_get_file (item) == NULL)
        return FALSE;
    }

  tiles = gui_bench_visible_tiles (wait->window);
  return tiles != NULL && tiles->len > 0 && gui_bench_tiles_have_thumbnails (tiles);
}

static gboolean
wait_until_shown (Wait  *wait,
                  guint  seconds)
{
  guint id;

  wait->deadline = FALSE;
  id = g_timeout_add_seconds (seconds, deadline_cb, wait);
  while (!wait->deadline && !all_shown (wait))
    g_main_context_iteration (NULL, TRUE);
  if (!wait->deadline)
    g_source_remove (id);

  return !wait->deadline;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
    }
}

static KsParams *
make_params (guint n,
             int   images)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  g_autofree char *prompt = g_strdup_printf ("A lighthouse on a cliff, study %u", n);

  ks_params_set_prompt (params, prompt);
  ks_params_set_aspect_ratio (params, "1:1");
  ks_params_set_output_format (params, "jpeg");
  ks_params_set_num_images (params, images);

  return g_steal_pointer (&params);
}

static void
isolate (const char *root)
{
  const char *dirs[][2] = {
    { "HOME", "home" }, { "XDG_CONFIG_HOME", "config" }, { "XDG_CACHE_HOME", "cache" },
    { "XDG_DATA_HOME", "data" }, { "KS_LIBRARY_DIR", "library" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (root, dirs[i][1], NULL);

      g_mkdir_with_parents (path, 0700);
      g_setenv (dirs[i][0], path, TRUE);
    }
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", BENCH_SCHEMA_DIR, TRUE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  /* Without a GPU, GL is drawn by the CPU (llvmpipe) and costs more than
   * the app: cairo, as in the GUI tests, unless GSK_RENDERER says. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_unsetenv ("WAYLAND_DISPLAY");
  g_unsetenv ("FAL_KEY");
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) enumerator =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (enumerator != NULL &&
         (info = g_file_enumerator_next_file (enumerator, NULL, NULL)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_file_delete (child, NULL, NULL);
      g_object_unref (info);
    }
  g_file_delete (file, NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *screenshot = NULL;
  int runs = 3;
  int n_jobs = 4;
  int n_images = 4;
  const GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Rounds of jobs (default 3)", "N" },
    { "jobs", 0, 0, G_OPTION_ARG_INT, &n_jobs, "Jobs per round (default 4)", "N" },
    { "images", 0, 0, G_OPTION_ARG_INT, &n_images, "Images per job, 1–4 (default 4)", "N" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot, "Save the window as it was after the last run (PNG)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— main-loop stalls while jobs complete");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autoptr(KsApplication) app = NULL;
  g_autoptr(KsSession) session = NULL;
  g_autoptr(GuiFrames) frames = NULL;
  g_autoptr(GuiHeartbeat) heartbeat = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GArray) all_gaps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) all_work = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) all_intervals = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) all_layout = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) all_paint = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) durations = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GFile) root_file = NULL;
  g_autofree char *root = NULL;
  const char * const server_args[] = { "--workers", "8", "--queue-delay", "300", "--run-time", "1500", NULL };
  GtkWidget *window;
  Wait wait = { NULL };
  gboolean complete = TRUE;
  double max_gap, max_stall;
  guint n_over = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  n_images = CLAMP (n_images, 1, 4);
  runs = MAX (runs, 1);
  n_jobs = MAX (n_jobs, 1);

  root = g_dir_make_tmp ("ks-bench-mainloop-XXXXXX", &error);
  if (root == NULL)
    g_error ("%s", error->message);
  root_file = g_file_new_for_path (root);
  isolate (root);

  server = bench_server_start (server_args, &error);
  if (server == NULL)
    g_error ("The local service did not start: %s", error->message);

  app = ks_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);

  session = ks_session_new (ks_application_get_settings (app));
  ks_session_use_service (session, bench_server_get_base_url (server), BENCH_KEY);
  window = g_object_new (KS_TYPE_WINDOW, "application", app, "session", session, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  while (!ks_library_get_loaded (ks_session_get_library (session)) || !gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  spin (SETTLE_MS);

  frames = gui_frames_new (gtk_widget_get_frame_clock (window), NULL, NULL);
  wait.session = session;
  wait.window = window;

  json_builder_begin_object (builder);
  bench_add_string (builder, "benchmark", "gui-mainloop");
  bench_add_int (builder, "runs", runs);
  bench_add_int (builder, "jobs", n_jobs);
  bench_add_int (builder, "images_per_job", n_images);
  bench_add_string (builder, "renderer", G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  bench_add_int (builder, "processors", g_get_num_processors ());
  json_builder_set_member_name (builder, "per_run");
  json_builder_begin_array (builder);

  for (int run = 0; run < runs; run++)
    {
      gint64 started;
      double seconds;
      GArray *gaps;

      /* The new tiles come in at the top: be there to see them. */
      if (gui_bench_get_gallery_adjustment (window) != NULL)
        gtk_adjustment_set_value (gui_bench_get_gallery_adjustment (window), 0);
      spin (200);
      heartbeat = gui_heartbeat_start ();
      gui_frames_reset (frames);
      started = g_get_monotonic_time ();

      for (int j = 0; j < n_jobs; j++)
        {
          g_autoptr(KsParams) params = make_params (run * n_jobs + j, n_images);

          ks_session_submit (session, params);
        }
      wait.n_expected = n_jobs * n_images;
      if (!wait_until_shown (&wait, RUN_DEADLINE_S))
        complete = FALSE;
      seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
      spin (200);

      gaps = gui_heartbeat_get_gaps (heartbeat);
      for (guint i = 0; i < gaps->len; i++)
        {
          double gap = g_array_index (gaps, double, i);

          g_array_append_val (all_gaps, gap);
          if (gap - 1.0 >= TARGET_STALL_MS)
            n_over++;
        }
      g_array_append_vals (all_work, gui_frames_get_work (frames)->data, gui_frames_get_work (frames)->len);
      g_array_append_vals (all_intervals, gui_frames_get_intervals (frames)->data,
                           gui_frames_get_intervals (frames)->len);
      g_array_append_vals (all_layout, gui_frames_get_layout (frames)->data, gui_frames_get_layout (frames)->len);
      g_array_append_vals (all_paint, gui_frames_get_paint (frames)->data, gui_frames_get_paint (frames)->len);
      g_array_append_val (durations, seconds);

      json_builder_begin_object (builder);
      bench_add_double (builder, "seconds", seconds);
      gui_heartbeat_add_long_gaps (heartbeat, builder, "long_gaps", TARGET_STALL_MS + 1.0);
      gui_bench_add_summary (builder, "main_loop_gap_ms", gaps);
      gui_bench_add_summary (builder, "frame_work_ms", gui_frames_get_work (frames));
      json_builder_end_object (builder);

      g_clear_pointer (&heartbeat, gui_heartbeat_stop);
    }
  json_builder_end_array (builder);

  max_gap = gui_bench_max (all_gaps);
  max_stall = MAX (0, max_gap - 1.0);
  gui_bench_add_summary (builder, "main_loop_gap_ms", all_gaps);
  bench_add_double (builder, "longest_stall_ms", max_stall);
  bench_add_double (builder, "stall_p99_ms", MAX (0, bench_percentile (all_gaps, 99) - 1.0));
  bench_add_int (builder, "stalls_over_target", n_over);
  gui_bench_add_summary (builder, "frame_work_ms", all_work);
  gui_bench_add_summary (builder, "frame_layout_ms", all_layout);
  gui_bench_add_summary (builder, "frame_paint_ms", all_paint);
  gui_bench_add_summary (builder, "frame_interval_ms", all_intervals);
  bench_add_samples (builder, "run_seconds", durations);
  /* What a frame that moves every tile costs here: the gallery scrolled
   * by one pixel and back, the tiles' content as it was. */
  {
    GtkAdjustment *adjustment = gui_bench_get_gallery_adjustment (window);

    gui_frames_reset (frames);
    for (int i = 0; adjustment != NULL && i < FULL_REPAINTS; i++)
      {
        guint count = gui_frames_get_count (frames);

        gtk_adjustment_set_value (adjustment, i % 2 == 0 ? 1 : 0);
        while (gui_frames_get_count (frames) == count)
          g_main_context_iteration (NULL, TRUE);
      }
    gui_bench_add_summary (builder, "scroll_frame_layout_ms", gui_frames_get_layout (frames));
    gui_bench_add_summary (builder, "scroll_frame_paint_ms", gui_frames_get_paint (frames));
  }

  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  bench_add_double (builder, "longest_stall_ms", TARGET_STALL_MS);
  json_builder_end_object (builder);
  bench_add_bool (builder, "complete", complete);
  bench_add_bool (builder, "met", complete && max_stall < TARGET_STALL_MS);
  json_builder_end_object (builder);
  bench_print (builder);

  if (screenshot != NULL && !gui_bench_save_screenshot (window, screenshot, &error))
    g_printerr ("The screenshot was not saved: %s\n", error->message);

  g_clear_pointer (&frames, gui_frames_free);
  gtk_window_destroy (GTK_WINDOW (window));
  ks_library_flush (ks_session_get_library (session));
  remove_tree (root_file);

  return EXIT_SUCCESS;
}
