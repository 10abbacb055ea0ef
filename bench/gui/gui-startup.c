/* gui-startup: how soon the app shows a large library, how it scrolls
 * through it, and what memory that leaves.
 *
 *   gui-startup [--records 2000] [--runs 5] [--no-scroll] [--no-gl] [--library DIR]
 *
 * Writes a library of --records finished jobs of 1–4 images each (with the
 * GUI tests' fixtures; --library keeps it in DIR and reuses it next time),
 * then starts the app --runs times, each time in a new process: this very
 * program, which runs the real KsApplication as main.c does, with the key in
 * FAL_KEY and settings in memory. Each run measures, from the moment the
 * driver spawned it (and /proc/self/stat as a cross-check), the first frame
 * painted, the first frame with gallery tiles on screen, and the frame in
 * which every tile on screen has its thumbnail. The last run then scrolls
 * the whole gallery page by page (each page until its thumbnails are
 * drawn), timing every frame, and reads the resident memory at the end.
 * Prints one JSON object with the figures, the targets and "met".
 *
 * Run it under a display, for instance:
 *   xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- \
 *     _build/benchgui/bench/gui/gui-startup --records 2000
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "bench-common.h"
#include "gui-bench.h"
#include "ks-application.h"
#include "ks-core.h"
#include "ks-gallery-item.h"
#include "ks-session.h"
#include "library-fixtures.h"

#define TARGET_FIRST_FRAME_MS  400.0
#define TARGET_RSS_BYTES       (300 * 1024 * 1024)
#define STARTUP_DEADLINE_S     60
#define SCROLL_DEADLINE_S      900
#define PAGE_THUMBNAIL_WAIT_MS 3000
#define SETTLE_MS              1000

/* ---- the child: one start of the app -------------------------------------------- */

typedef struct
{
  KsApplication *app;
  GtkWidget     *window;
  KsSession     *session;
  GuiFrames     *frames;
  GuiHeartbeat  *heartbeat;
  gboolean       scroll;
  gboolean       finished;
  gboolean       timed_out;

  gint64         t0;              /* when the driver spawned us, monotonic µs */
  double         age_at_main_ms;  /* from /proc/self/stat */
  gint64         t_main;
  gint64         t_realize;
  gint64         t_first_frame;
  gint64         t_items;
  gint64         t_thumbnails;
  gint64         t_loaded;
  gint64         t_key;
  guint          n_tiles_first;
  guint          n_tiles_built_first;
  guint          n_tiles_built_later;
  guint          n_items_first;

  /* Scrolling */
  GtkAdjustment *adjustment;
  guint          tick_id;
  gint64         page_started;
  gint64         step_started;
  guint          n_pages;
  guint          n_pages_late;    /* thumbnails not drawn within the wait */
  GHashTable    *seen;            /* KsGalleryItem whose thumbnail was made */
  GArray        *steps;           /* ms from a page's scroll to its frame */
  double         scroll_s;
} Child;

static double
since_t0 (Child  *child,
          gint64  t)
{
  return t > 0 ? (t - child->t0) / 1000.0 : -1;
}

static void
add_ms (JsonBuilder *builder,
        const char  *name,
        Child       *child,
        gint64       t)
{
  bench_add_double (builder, name, since_t0 (child, t));
}

static void
child_print (Child *child)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GListModel *items = child->session != NULL ? ks_session_get_items (child->session) : NULL;

  json_builder_begin_object (builder);
  bench_add_bool (builder, "timed_out", child->timed_out);
  if (child->window != NULL && gtk_native_get_renderer (GTK_NATIVE (child->window)) != NULL)
    bench_add_string (builder, "renderer",
                      G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (child->window))));
  bench_add_double (builder, "process_age_at_main_ms", child->age_at_main_ms);
  add_ms (builder, "main_ms", child, child->t_main);
  add_ms (builder, "window_realized_ms", child, child->t_realize);
  add_ms (builder, "key_ms", child, child->t_key);
  add_ms (builder, "library_loaded_ms", child, child->t_loaded);
  add_ms (builder, "first_frame_ms", child, child->t_first_frame);
  add_ms (builder, "first_frame_with_items_ms", child, child->t_items);
  add_ms (builder, "first_page_thumbnails_ms", child, child->t_thumbnails);
  bench_add_int (builder, "tiles_in_first_frame", child->n_tiles_first);
  bench_add_int (builder, "items_at_first_frame", child->n_items_first);
  bench_add_int (builder, "tiles_built_at_first_frame", child->n_tiles_built_first);
  bench_add_int (builder, "tiles_built_at_first_thumbnails", child->n_tiles_built_later);
  bench_add_int (builder, "items", items != NULL ? g_list_model_get_n_items (items) : 0);

  if (child->scroll)
    {
      guint64 rss, peak;
      guint n_held = 0;

      for (guint i = 0, n = items != NULL ? g_list_model_get_n_items (items) : 0; i < n; i++)
        {
          g_autoptr(KsGalleryItem) item = g_list_model_get_item (items, i);

          if (ks_gallery_item_get_thumbnail (item) != NULL)
            n_held++;
        }
      gui_bench_memory (&rss, &peak);

      json_builder_set_member_name (builder, "scroll");
      json_builder_begin_object (builder);
      bench_add_int (builder, "pages", child->n_pages);
      bench_add_int (builder, "pages_late", child->n_pages_late);
      bench_add_double (builder, "seconds", child->scroll_s);
      bench_add_int (builder, "items_with_thumbnail_made", child->seen != NULL ? g_hash_table_size (child->seen) : 0);
      bench_add_int (builder, "thumbnails_held_at_end", n_held);
      gui_bench_add_summary (builder, "page_frame_ms", child->steps);
      gui_bench_add_summary (builder, "frame_work_ms", gui_frames_get_work (child->frames));
      gui_bench_add_summary (builder, "frame_interval_ms", gui_frames_get_intervals (child->frames));
      gui_bench_add_summary (builder, "main_loop_gap_ms", gui_heartbeat_get_gaps (child->heartbeat));
      bench_add_int (builder, "rss_bytes", rss);
      bench_add_int (builder, "peak_rss_bytes", peak);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static void
child_finish (Child *child)
{
  if (child->finished)
    return;
  child->finished = TRUE;

  if (child->tick_id != 0)
    gtk_widget_remove_tick_callback (child->window, child->tick_id);
  child->tick_id = 0;

  child_print (child);
  g_action_group_activate_action (G_ACTION_GROUP (child->app), "quit", NULL);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Child *child = user_data;

  child->timed_out = TRUE;
  child_finish (child);

  return G_SOURCE_REMOVE;
}

/* The whole library must be in before the figures are told: they say
 * whether every item arrived. */
static gboolean
settled_cb (gpointer user_data)
{
  Child *child = user_data;

  if (!ks_library_get_loaded (ks_session_get_library (child->session)))
    return G_SOURCE_CONTINUE;

  child_finish (child);
  return G_SOURCE_REMOVE;
}

static void
on_thumbnail (KsGalleryItem *item,
              GParamSpec    *pspec,
              Child         *child)
{
  if (ks_gallery_item_get_thumbnail (item) != NULL)
    g_hash_table_add (child->seen, item);
}

static gboolean
scroll_tick (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  Child *child = user_data;
  g_autoptr(GPtrArray) tiles = gui_bench_visible_tiles (child->window);
  gint64 now = g_get_monotonic_time ();
  double value, end;

  if (tiles == NULL || tiles->len == 0)
    return G_SOURCE_CONTINUE;

  if (!gui_bench_tiles_have_thumbnails (tiles))
    {
      if (now - child->page_started < PAGE_THUMBNAIL_WAIT_MS * 1000)
        return G_SOURCE_CONTINUE;
      child->n_pages_late++;
    }

  value = gtk_adjustment_get_value (child->adjustment);
  end = gtk_adjustment_get_upper (child->adjustment) - gtk_adjustment_get_page_size (child->adjustment);
  g_debug ("Page %u at %.0f of %.0f, %u tiles shown", child->n_pages, value, end, tiles->len);
  if (value >= end - 0.5)
    {
      child->tick_id = 0;
      child->scroll_s = (now - child->t_thumbnails) / (double) G_USEC_PER_SEC;
      g_timeout_add (SETTLE_MS, settled_cb, child);
      return G_SOURCE_REMOVE;
    }

  gtk_adjustment_set_value (child->adjustment,
                            MIN (value + gtk_adjustment_get_page_size (child->adjustment), end));
  child->n_pages++;
  child->page_started = child->step_started = now;

  return G_SOURCE_CONTINUE;
}

static void
start_scroll (Child *child)
{
  GListModel *items = ks_session_get_items (child->session);

  child->adjustment = gui_bench_get_gallery_adjustment (child->window);
  child->seen = g_hash_table_new (NULL, NULL);
  child->steps = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0, n = g_list_model_get_n_items (items); i < n; i++)
    {
      g_autoptr(KsGalleryItem) item = g_list_model_get_item (items, i);

      on_thumbnail (item, NULL, child);
      g_signal_connect (item, "notify::thumbnail", G_CALLBACK (on_thumbnail), child);
    }

  gui_frames_reset (child->frames);
  child->heartbeat = gui_heartbeat_start ();
  child->page_started = g_get_monotonic_time ();
  child->tick_id = gtk_widget_add_tick_callback (child->window, scroll_tick, child, NULL);
}

static void
on_painted (gpointer user_data,
            gint64   now)
{
  Child *child = user_data;
  g_autoptr(GPtrArray) tiles = NULL;

  if (child->finished)
    return;

  if (child->t_first_frame == 0)
    child->t_first_frame = now;

  if (child->step_started > 0)
    {
      double ms = (now - child->step_started) / 1000.0;

      g_array_append_val (child->steps, ms);
      child->step_started = 0;
    }

  if (child->t_thumbnails > 0)
    return;

  tiles = gui_bench_visible_tiles (child->window);
  g_debug ("Frame %u: %d tiles shown, %u items", gui_frames_get_count (child->frames),
           tiles != NULL ? (int) tiles->len : -1,
           g_list_model_get_n_items (ks_session_get_items (child->session)));
  if (tiles == NULL || tiles->len == 0)
    return;

  if (child->t_items == 0)
    {
      child->t_items = now;
      child->n_tiles_first = tiles->len;
      child->n_tiles_built_first = gui_bench_count_tiles (child->window);
      child->n_items_first = g_list_model_get_n_items (ks_session_get_items (child->session));
    }

  if (!gui_bench_tiles_have_thumbnails (tiles))
    return;

  child->t_thumbnails = now;
  child->n_tiles_built_later = gui_bench_count_tiles (child->window);
  if (child->scroll)
    start_scroll (child);
  else
    g_timeout_add (10, settled_cb, child);
}

static void
on_key_state (Child *child)
{
  KsKeyState state = ks_session_get_key_state (child->session);

  if (child->t_key == 0 && state != KS_KEY_STATE_UNKNOWN && state != KS_KEY_STATE_LOOKING)
    child->t_key = g_get_monotonic_time ();
}

static void
on_loaded (Child *child)
{
  if (child->t_loaded == 0 && ks_library_get_loaded (ks_session_get_library (child->session)))
    child->t_loaded = g_get_monotonic_time ();
}

static void
on_realize (GtkWidget *window,
            Child     *child)
{
  child->t_realize = g_get_monotonic_time ();
  child->frames = gui_frames_new (gtk_widget_get_frame_clock (window), on_painted, child);
}

static void
on_window_added (GtkApplication *app,
                 GtkWindow      *window,
                 Child          *child)
{
  KsLibrary *library;

  if (child->window != NULL)
    return;

  child->window = GTK_WIDGET (window);
  child->session = ks_application_get_session (child->app);
  library = ks_session_get_library (child->session);
  g_signal_connect_after (window, "realize", G_CALLBACK (on_realize), child);
  g_signal_connect_swapped (child->session, "notify::key-state", G_CALLBACK (on_key_state), child);
  g_signal_connect_swapped (library, "notify::loaded", G_CALLBACK (on_loaded), child);
  on_key_state (child);
  on_loaded (child);
}

static int
child_main (gboolean  scroll,
            char     *argv0)
{
  g_autoptr(KsApplication) app = NULL;
  char *app_argv[] = { argv0, NULL };
  const char *t0 = g_getenv ("KS_BENCH_T0");
  Child child = { 0 };
  int status;

  child.t_main = g_get_monotonic_time ();
  child.age_at_main_ms = gui_bench_process_age_ms ();
  child.t0 = t0 != NULL ? g_ascii_strtoll (t0, NULL, 10) : child.t_main;
  child.scroll = scroll;

  /* As main.c does. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name (_("Kontext Studio"));

  app = ks_application_new ();
  child.app = app;
  g_signal_connect (app, "window-added", G_CALLBACK (on_window_added), &child);
  g_timeout_add_seconds (scroll ? SCROLL_DEADLINE_S : STARTUP_DEADLINE_S, deadline_cb, &child);

  status = g_application_run (G_APPLICATION (app), 1, app_argv);

  if (!child.finished)
    {
      child.timed_out = TRUE;
      child_print (&child);
    }
  g_clear_pointer (&child.frames, gui_frames_free);
  g_clear_pointer (&child.heartbeat, gui_heartbeat_stop);
  g_clear_pointer (&child.seen, g_hash_table_unref);
  g_clear_pointer (&child.steps, g_array_unref);

  return status;
}

/* ---- the driver -------------------------------------------------------------------- */

static guint
count_library_images (GFile *directory)
{
  g_autoptr(KsLibrary) library = ks_library_new (directory);
  g_autoptr(GError) error = NULL;
  GListModel *records;
  guint n = 0;

  if (!ks_library_load (library, NULL, &error))
    g_error ("The library could not be loaded: %s", error->message);

  records = ks_library_get_records (library);
  for (guint i = 0, n_records = g_list_model_get_n_items (records); i < n_records; i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (records, i);
      GPtrArray *images = ks_record_get_images (record);
      guint n_files = 0;

      for (guint j = 0; images != NULL && j < images->len; j++)
        if (((KsRecordImage *) g_ptr_array_index (images, j))->file != NULL)
          n_files++;
      /* A record without images is one tile of its own. */
      n += MAX (n_files, 1);
    }

  return n;
}

static guint
count_records (GFile *directory)
{
  g_autoptr(GFile) records = g_file_get_child (directory, "records");
  g_autoptr(GFileEnumerator) enumerator =
    g_file_enumerate_children (records, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  guint n = 0;
  GFileInfo *info;

  while (enumerator != NULL &&
         (info = g_file_enumerator_next_file (enumerator, NULL, NULL)) != NULL)
    {
      if (g_str_has_suffix (g_file_info_get_name (info), ".json"))
        n++;
      g_object_unref (info);
    }

  return n;
}

static void
write_library (GFile *directory,
               guint  n_records)
{
  g_autoptr(KsLibrary) library = ks_library_new (directory);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) images = g_file_get_child (directory, "images");

  if (!ks_library_load (library, NULL, &error) ||
      (!g_file_make_directory_with_parents (images, NULL, &error) &&
       !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS)))
    g_error ("The library could not be made: %s", error->message);

  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *prompt = g_strdup_printf ("Study number %u of a quiet room", i);

      KsRecord *record = ks_test_library_add_result (library, prompt, i % 3 == 0 ? "png" : "jpeg",
                                                     1 + i % 4, 0, 0x20406080u + 0x01030507u * i);

      ks_library_save (library, record);
    }
  ks_library_flush (library);
}

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) enumerator =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  /* Into folders only: a link is removed, never followed. */
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

static JsonObject *
run_child (const char *self_path,
           const char *root,
           const char *library_dir,
           gboolean    scroll,
           gboolean    no_gl,
           GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *t0 = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { self_path, "--child", scroll ? "--scroll" : NULL, NULL };
  const char *dirs[][2] = {
    { "HOME", "home" }, { "XDG_CONFIG_HOME", "config" }, { "XDG_CACHE_HOME", "cache" },
    { "XDG_DATA_HOME", "data" }, { "XDG_RUNTIME_DIR", "runtime" },
  };
  JsonNode *node;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (root, dirs[i][1], NULL);

      g_mkdir_with_parents (path, 0700);
      g_subprocess_launcher_setenv (launcher, dirs[i][0], path, TRUE);
    }
  g_subprocess_launcher_setenv (launcher, "KS_LIBRARY_DIR", library_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", BENCH_KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", BENCH_SCHEMA_DIR, TRUE);
  g_subprocess_launcher_setenv (launcher, "GDK_BACKEND", "x11", FALSE);
  /* Without a GPU, GL is drawn by the CPU (llvmpipe) and costs more than
   * the app: cairo, as in the GUI tests, unless GSK_RENDERER says. */
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", FALSE);
  if (no_gl)
    g_subprocess_launcher_setenv (launcher, "GDK_DEBUG", "gl-disable", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", FALSE);
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");

  t0 = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_monotonic_time ());
  g_subprocess_launcher_setenv (launcher, "KS_BENCH_T0", t0, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return NULL;

  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, error))
    return NULL;

  /* The figures are the last line; anything before it is not ours. */
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  if (lines[0] == NULL ||
      !json_parser_load_from_data (parser, lines[g_strv_length (lines) - 1], -1, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The run printed no figures");
      return NULL;
    }

  node = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The run printed no figures");
      return NULL;
    }

  return json_object_ref (json_node_get_object (node));
}

static double
member_ms (JsonObject *object,
           const char *name)
{
  return json_object_get_double_member_with_default (object, name, -1);
}

static void
add_runs_summary (JsonBuilder *builder,
                  const char  *name,
                  GPtrArray   *runs,
                  double      *median,
                  double      *max)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < runs->len; i++)
    {
      double value = member_ms (g_ptr_array_index (runs, i), name);

      g_array_append_val (values, value);
    }

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  bench_add_samples (builder, "runs", values);
  *max = gui_bench_max (values);
  *median = bench_percentile (values, 50);
  bench_add_double (builder, "median", *median);
  bench_add_double (builder, "max", *max);
  json_builder_end_object (builder);
}

int
main (int   argc,
      char *argv[])
{
  int records = 2000;
  int runs = 5;
  gboolean no_scroll = FALSE;
  gboolean no_gl = FALSE;
  gboolean child = FALSE;
  gboolean scroll = FALSE;
  g_autofree char *library_arg = NULL;
  const GOptionEntry entries[] = {
    { "records", 0, 0, G_OPTION_ARG_INT, &records, "Records in the library (default 2000)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Starts of the app (default 5)", "N" },
    { "no-scroll", 0, 0, G_OPTION_ARG_NONE, &no_scroll, "Do not scroll through the gallery", NULL },
    { "no-gl", 0, 0, G_OPTION_ARG_NONE, &no_gl, "Start without GL (GDK_DEBUG=gl-disable): GDK then skips "
      "setting up GL, which a machine without a GPU does on the CPU", NULL },
    { "library", 0, 0, G_OPTION_ARG_FILENAME, &library_arg, "Keep the library in DIR, and reuse it", "DIR" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &child, NULL, NULL },
    { "scroll", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &scroll, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— start-up and scrolling of a large library");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GFile) library_dir = NULL;
  g_autoptr(GFile) root_file = NULL;
  g_autofree char *root = NULL;
  g_autofree char *self_path = NULL;
  JsonObject *scroll_run = NULL;
  double first_median, first_max, other_median, other_max, rss_mb = -1;
  guint expected;
  gboolean correct = TRUE;
  gboolean met;

  if (argc > 1 && g_str_equal (argv[1], "--child"))
    return child_main (argc > 2 && g_str_equal (argv[2], "--scroll"), argv[0]);

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (records < 1 || runs < 1)
    {
      g_printerr ("--records and --runs must be at least 1\n");
      return EXIT_FAILURE;
    }

  self_path = g_file_read_link ("/proc/self/exe", NULL);
  root = g_dir_make_tmp ("ks-bench-gui-XXXXXX", &error);
  if (root == NULL)
    g_error ("%s", error->message);
  root_file = g_file_new_for_path (root);
  library_dir = library_arg != NULL
                ? g_file_new_for_commandline_arg (library_arg)
                : g_file_new_build_filename (root, "library", NULL);

  if (count_records (library_dir) != (guint) records)
    {
      if (library_arg != NULL)
        remove_tree (library_dir);
      write_library (library_dir, records);
    }
  expected = count_library_images (library_dir);

  for (int i = 0; i < runs; i++)
    {
      gboolean scroll_this = !no_scroll && i == runs - 1;
      JsonObject *result = run_child (self_path, root, g_file_peek_path (library_dir), scroll_this, no_gl,
                                      &error);

      if (result == NULL)
        g_error ("Run %d failed: %s", i + 1, error->message);
      g_ptr_array_add (results, result);
      if (scroll_this)
        scroll_run = result;
    }

  json_builder_begin_object (builder);
  bench_add_string (builder, "benchmark", "gui-startup");
  bench_add_int (builder, "records", records);
  bench_add_int (builder, "items_expected", expected);
  bench_add_int (builder, "runs", runs);
  bench_add_string (builder, "renderer",
                    json_object_get_string_member_with_default (g_ptr_array_index (results, 0), "renderer", NULL));
  bench_add_bool (builder, "gl", !no_gl);
  bench_add_int (builder, "processors", g_get_num_processors ());

  add_runs_summary (builder, "first_frame_with_items_ms", results, &first_median, &first_max);
  add_runs_summary (builder, "first_frame_ms", results, &other_median, &other_max);
  add_runs_summary (builder, "first_page_thumbnails_ms", results, &other_median, &other_max);
  add_runs_summary (builder, "library_loaded_ms", results, &other_median, &other_max);
  add_runs_summary (builder, "key_ms", results, &other_median, &other_max);
  add_runs_summary (builder, "window_realized_ms", results, &other_median, &other_max);
  add_runs_summary (builder, "main_ms", results, &other_median, &other_max);
  add_runs_summary (builder, "process_age_at_main_ms", results, &other_median, &other_max);

  /* Every run showed the whole library, and none ran out of time. */
  for (guint i = 0; i < results->len; i++)
    {
      JsonObject *result = g_ptr_array_index (results, i);

      if (json_object_get_boolean_member_with_default (result, "timed_out", TRUE) ||
          json_object_get_int_member_with_default (result, "items", 0) != expected ||
          member_ms (result, "first_frame_with_items_ms") < 0)
        correct = FALSE;
    }

  if (scroll_run != NULL)
    {
      JsonObject *figures = json_object_get_object_member (scroll_run, "scroll");
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      if (figures == NULL)
        g_error ("The scrolling run printed no figures");
      rss_mb = json_object_get_int_member_with_default (figures, "rss_bytes", 0) / (1024.0 * 1024.0);
      /* Every image was drawn once on the way down. */
      if (json_object_get_int_member_with_default (figures, "items_with_thumbnail_made", 0) != expected)
        correct = FALSE;

      json_node_set_object (node, figures);
      json_builder_set_member_name (builder, "scroll");
      json_builder_add_value (builder, node);
      bench_add_double (builder, "rss_after_scroll_mb", rss_mb);
    }

  json_builder_set_member_name (builder, "runs_detail");
  json_builder_begin_array (builder);
  for (guint i = 0; i < results->len; i++)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, g_ptr_array_index (results, i));
      json_builder_add_value (builder, node);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  bench_add_double (builder, "first_frame_with_items_ms", TARGET_FIRST_FRAME_MS);
  bench_add_double (builder, "rss_after_scroll_mb", TARGET_RSS_BYTES / (1024.0 * 1024.0));
  json_builder_end_object (builder);

  met = correct && first_median <= TARGET_FIRST_FRAME_MS &&
        (scroll_run == NULL || rss_mb * 1024 * 1024 < TARGET_RSS_BYTES);
  bench_add_bool (builder, "correct", correct);
  bench_add_bool (builder, "met_all_runs", met && first_max <= TARGET_FIRST_FRAME_MS);
  bench_add_bool (builder, "met", met);
  json_builder_end_object (builder);
  bench_print (builder);

  if (library_arg == NULL)
    remove_tree (root_file);
  else
    {
      /* The library stays; the rest of the run's home goes. */
      const char *dirs[] = { "home", "config", "cache", "data", "runtime" };

      for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
        {
          g_autoptr(GFile) dir = g_file_get_child (root_file, dirs[i]);

          remove_tree (dir);
        }
      g_file_delete (root_file, NULL, NULL);
    }

  return EXIT_SUCCESS;
}
