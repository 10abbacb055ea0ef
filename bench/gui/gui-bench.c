/* gui-bench.c: frames, the main loop's heartbeat, memory and the gallery's
 * visible tiles, for the GUI benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"
#include "gui-bench.h"
#include "ks-gallery.h"
#include "ks-gallery-item.h"
#include "ks-gallery-tile.h"

/* ---- frames ----------------------------------------------------------------- */

struct _GuiFrames
{
  GdkFrameClock   *clock;
  GuiFramePainted  painted;
  gpointer         user_data;
  gulong           before_id;
  gulong           layout_id;
  gulong           after_id;
  gint64           before_us;
  gint64           layout_us;
  gint64           last_after_us;
  guint            count;
  GArray          *work;        /* ms */
  GArray          *layout;      /* ms, before-paint to the end of layout */
  GArray          *paint;       /* ms, the end of layout to after-paint */
  GArray          *intervals;   /* ms */
};

static void
on_before_paint (GdkFrameClock *clock,
                 GuiFrames     *self)
{
  self->before_us = g_get_monotonic_time ();
  self->layout_us = 0;
}

/* Connected after GTK's own handler, so this runs when layout is done. */
static void
on_layout (GdkFrameClock *clock,
           GuiFrames     *self)
{
  self->layout_us = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                GuiFrames     *self)
{
  gint64 now = g_get_monotonic_time ();

  self->count++;
  if (self->before_us > 0)
    {
      double work = (now - self->before_us) / 1000.0;

      g_array_append_val (self->work, work);
      if (self->layout_us >= self->before_us)
        {
          double layout = (self->layout_us - self->before_us) / 1000.0;
          double paint = (now - self->layout_us) / 1000.0;

          g_array_append_val (self->layout, layout);
          g_array_append_val (self->paint, paint);
        }
    }
  if (self->last_after_us > 0)
    {
      double interval = (now - self->last_after_us) / 1000.0;

      g_array_append_val (self->intervals, interval);
    }
  self->last_after_us = now;
  self->before_us = 0;

  if (self->painted != NULL)
    self->painted (self->user_data, now);
}

GuiFrames *
gui_frames_new (GdkFrameClock   *clock,
                GuiFramePainted  painted,
                gpointer         user_data)
{
  GuiFrames *self = g_new0 (GuiFrames, 1);

  self->clock = g_object_ref (clock);
  self->painted = painted;
  self->user_data = user_data;
  self->work = g_array_new (FALSE, FALSE, sizeof (double));
  self->layout = g_array_new (FALSE, FALSE, sizeof (double));
  self->paint = g_array_new (FALSE, FALSE, sizeof (double));
  self->intervals = g_array_new (FALSE, FALSE, sizeof (double));
  self->before_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), self);
  self->layout_id = g_signal_connect (clock, "layout", G_CALLBACK (on_layout), self);
  self->after_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), self);

  return self;
}

void
gui_frames_reset (GuiFrames *self)
{
  g_array_set_size (self->work, 0);
  g_array_set_size (self->layout, 0);
  g_array_set_size (self->paint, 0);
  g_array_set_size (self->intervals, 0);
  self->last_after_us = 0;
}

guint
gui_frames_get_count (GuiFrames *self)
{
  return self->count;
}

GArray *
gui_frames_get_work (GuiFrames *self)
{
  return self->work;
}

GArray *
gui_frames_get_layout (GuiFrames *self)
{
  return self->layout;
}

GArray *
gui_frames_get_paint (GuiFrames *self)
{
  return self->paint;
}

GArray *
gui_frames_get_intervals (GuiFrames *self)
{
  return self->intervals;
}

void
gui_frames_free (GuiFrames *self)
{
  /* A frame clock that was disposed has let go of its handlers already. */
  if (g_signal_handler_is_connected (self->clock, self->before_id))
    g_signal_handler_disconnect (self->clock, self->before_id);
  if (g_signal_handler_is_connected (self->clock, self->layout_id))
    g_signal_handler_disconnect (self->clock, self->layout_id);
  if (g_signal_handler_is_connected (self->clock, self->after_id))
    g_signal_handler_disconnect (self->clock, self->after_id);
  g_clear_object (&self->clock);
  g_array_unref (self->work);
  g_array_unref (self->layout);
  g_array_unref (self->paint);
  g_array_unref (self->intervals);
  g_free (self);
}

/* ---- heartbeat ---------------------------------------------------------------- */

struct _GuiHeartbeat
{
  guint   source_id;
  gint64  last_us;
  gint64  start_us;
  GArray *gaps;       /* ms */
  GArray *times;      /* ms since the start or reset, when each gap began */
};

static gboolean
beat_cb (gpointer user_data)
{
  GuiHeartbeat *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->last_us > 0)
    {
      double gap = (now - self->last_us) / 1000.0;

      double at = (self->last_us - self->start_us) / 1000.0;

      g_array_append_val (self->gaps, gap);
      g_array_append_val (self->times, at);
    }
  self->last_us = now;

  return G_SOURCE_CONTINUE;
}

GuiHeartbeat *
gui_heartbeat_start (void)
{
  GuiHeartbeat *self = g_new0 (GuiHeartbeat, 1);

  self->gaps = g_array_new (FALSE, FALSE, sizeof (double));
  self->times = g_array_new (FALSE, FALSE, sizeof (double));
  self->start_us = g_get_monotonic_time ();
  self->source_id = g_timeout_add (1, beat_cb, self);

  return self;
}

void
gui_heartbeat_reset (GuiHeartbeat *self)
{
  g_array_set_size (self->gaps, 0);
  g_array_set_size (self->times, 0);
  self->last_us = 0;
  self->start_us = g_get_monotonic_time ();
}

GArray *
gui_heartbeat_get_gaps (GuiHeartbeat *self)
{
  return self->gaps;
}

void
gui_heartbeat_add_long_gaps (GuiHeartbeat *self,
                             JsonBuilder  *builder,
                             const char   *name,
                             double        threshold_ms)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->gaps->len; i++)
    {
      if (g_array_index (self->gaps, double, i) < threshold_ms)
        continue;
      json_builder_begin_object (builder);
      bench_add_double (builder, "at_ms", g_array_index (self->times, double, i));
      bench_add_double (builder, "gap_ms", g_array_index (self->gaps, double, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

void
gui_heartbeat_stop (GuiHeartbeat *self)
{
  g_clear_handle_id (&self->source_id, g_source_remove);
  g_array_unref (self->gaps);
  g_array_unref (self->times);
  g_free (self);
}

/* ---- the process ---------------------------------------------------------------- */

static guint64
status_kib (const char *status,
            const char *field)
{
  const char *line = strstr (status, field);

  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

void
gui_bench_memory (guint64 *rss,
                  guint64 *peak)
{
  g_autofree char *status = NULL;

  *rss = *peak = 0;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return;

  *rss = status_kib (status, "VmRSS:") * 1024;
  *peak = status_kib (status, "VmHWM:") * 1024;
}

double
gui_bench_process_age_ms (void)
{
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *end;
  struct timespec now;
  guint64 start_ticks;
  long ticks_per_s = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL))
    return -1;

  /* The command name may hold spaces: fields count from after its ')'. */
  end = strrchr (stat, ')');
  if (end == NULL || ticks_per_s <= 0)
    return -1;
  fields = g_strsplit (end + 2, " ", -1);
  /* starttime is field 22; fields[0] here is field 3 (state). */
  if (g_strv_length (fields) < 20)
    return -1;
  start_ticks = g_ascii_strtoull (fields[19], NULL, 10);

  if (clock_gettime (CLOCK_BOOTTIME, &now) != 0)
    return -1;

  return (now.tv_sec * 1000.0 + now.tv_nsec / 1e6) - start_ticks * 1000.0 / ticks_per_s;
}

/* ---- summaries ------------------------------------------------------------------- */

double
gui_bench_max (GArray *values)
{
  double max = 0;

  for (guint i = 0; i < values->len; i++)
    max = MAX (max, g_array_index (values, double, i));

  return max;
}

void
gui_bench_add_summary (JsonBuilder *builder,
                       const char  *name,
                       GArray      *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  bench_add_int (builder, "n", values->len);
  bench_add_double (builder, "max", gui_bench_max (values));
  bench_add_double (builder, "p99", bench_percentile (values, 99));
  bench_add_double (builder, "p50", bench_percentile (values, 50));
  json_builder_end_object (builder);
}

/* ---- the gallery -------------------------------------------------------------------- */

static GtkWidget *
find_by_type (GtkWidget *root,
              GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static guint
count_tiles (GtkWidget *widget)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += KS_IS_GALLERY_TILE (child) ? 1 : count_tiles (child);

  return n;
}

guint
gui_bench_count_tiles (GtkWidget *window)
{
  GtkWidget *gallery = find_by_type (window, KS_TYPE_GALLERY);
  GtkWidget *grid = gallery != NULL ? find_by_type (gallery, GTK_TYPE_GRID_VIEW) : NULL;

  return grid != NULL ? count_tiles (grid) : 0;
}

static void
collect_tiles (GtkWidget *widget,
               GtkWidget *viewport,
               GPtrArray *tiles)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_mapped (child))
        continue;

      if (KS_IS_GALLERY_TILE (child))
        {
          graphene_rect_t bounds;

          if (ks_gallery_tile_get_item (KS_GALLERY_TILE (child)) != NULL &&
              gtk_widget_compute_bounds (child, viewport, &bounds) &&
              bounds.origin.y + bounds.size.height > 0 &&
              bounds.origin.y < gtk_widget_get_height (viewport) &&
              bounds.origin.x + bounds.size.width > 0 &&
              bounds.origin.x < gtk_widget_get_width (viewport))
            g_ptr_array_add (tiles, child);
          continue;
        }

      collect_tiles (child, viewport, tiles);
    }
}

GtkAdjustment *
gui_bench_get_gallery_adjustment (GtkWidget *window)
{
  GtkWidget *gallery = find_by_type (window, KS_TYPE_GALLERY);
  GtkWidget *grid = gallery != NULL ? find_by_type (gallery, GTK_TYPE_GRID_VIEW) : NULL;
  GtkWidget *scrolled = grid != NULL ? gtk_widget_get_ancestor (grid, GTK_TYPE_SCROLLED_WINDOW) : NULL;

  return scrolled != NULL ? gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)) : NULL;
}

GPtrArray *
gui_bench_visible_tiles (GtkWidget *window)
{
  GtkWidget *gallery = find_by_type (window, KS_TYPE_GALLERY);
  GtkWidget *grid = gallery != NULL ? find_by_type (gallery, GTK_TYPE_GRID_VIEW) : NULL;
  GtkWidget *scrolled = grid != NULL ? gtk_widget_get_ancestor (grid, GTK_TYPE_SCROLLED_WINDOW) : NULL;
  GPtrArray *tiles;

  if (scrolled == NULL || !gtk_widget_get_mapped (grid))
    return NULL;

  tiles = g_ptr_array_new ();
  collect_tiles (scrolled, scrolled, tiles);

  return tiles;
}

gboolean
gui_bench_tiles_have_thumbnails (GPtrArray *tiles)
{
  for (guint i = 0; i < tiles->len; i++)
    {
      KsGalleryItem *item = ks_gallery_tile_get_item (g_ptr_array_index (tiles, i));

      if (ks_gallery_item_get_image_index (item) >= 0 &&
          ks_gallery_item_get_thumbnail (item) == NULL)
        return FALSE;
    }

  return TRUE;
}

gboolean
gui_bench_save_screenshot (GtkWidget   *widget,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL || renderer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window drew nothing");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write %s", path);
      return FALSE;
    }
  return TRUE;
}
