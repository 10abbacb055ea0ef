/* gui-bench.h: what the GUI benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* ---- frames ----------------------------------------------------------------
 * Follows a frame clock: how long each frame's work took (from
 * "before-paint" to "after-paint": tick callbacks, layout, paint) and how
 * far apart the frames were. Times in milliseconds. */
typedef struct _GuiFrames GuiFrames;

typedef void (*GuiFramePainted) (gpointer user_data,
                                 gint64   now_us);

GuiFrames   *gui_frames_new             (GdkFrameClock   *clock,
                                         GuiFramePainted  painted,
                                         gpointer         user_data);
/* Forgets the figures so far (the frame count stays). */
void         gui_frames_reset           (GuiFrames       *self);
guint        gui_frames_get_count       (GuiFrames       *self);
GArray      *gui_frames_get_work        (GuiFrames       *self);
/* The same frames' work split in two: tick callbacks and layout, then
 * snapshot and rendering. */
GArray      *gui_frames_get_layout      (GuiFrames       *self);
GArray      *gui_frames_get_paint       (GuiFrames       *self);
GArray      *gui_frames_get_intervals   (GuiFrames       *self);
void         gui_frames_free            (GuiFrames       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GuiFrames, gui_frames_free)

/* ---- the main loop's heartbeat ---------------------------------------------
 * A 1 ms timeout on the default main context at default priority: the gap
 * between two beats is how long the loop could not answer (a handler, a
 * dispatch, a frame's layout and paint). Gaps in milliseconds. */
typedef struct _GuiHeartbeat GuiHeartbeat;

GuiHeartbeat *gui_heartbeat_start       (void);
void          gui_heartbeat_reset       (GuiHeartbeat    *self);
GArray       *gui_heartbeat_get_gaps    (GuiHeartbeat    *self);
/* Adds [{ "at_ms", "gap_ms" }] for every gap of @threshold_ms or more, in
 * order (call before anything sorts the gaps). */
void          gui_heartbeat_add_long_gaps (GuiHeartbeat *self,
                                           JsonBuilder  *builder,
                                           const char   *name,
                                           double        threshold_ms);
void          gui_heartbeat_stop        (GuiHeartbeat    *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GuiHeartbeat, gui_heartbeat_stop)

/* ---- the process ---------------------------------------------------------- */

/* Resident and peak resident memory (VmRSS, VmHWM) in bytes. */
void          gui_bench_memory          (guint64         *rss,
                                         guint64         *peak);
/* How long ago the process started, in ms, from /proc/self/stat
 * (10 ms resolution), or -1. */
double        gui_bench_process_age_ms  (void);

/* ---- summaries -------------------------------------------------------------- */

/* Adds { "n", "max", "p99", "p50" } under @name (@values sorted in place). */
void          gui_bench_add_summary     (JsonBuilder     *builder,
                                         const char      *name,
                                         GArray          *values);
double        gui_bench_max             (GArray          *values);

/* ---- the gallery -------------------------------------------------------------- */

/* The gallery tiles under @window that are mapped and at least partly
 * inside the grid's scrolled window; NULL when the grid is not shown. */
GPtrArray    *gui_bench_visible_tiles   (GtkWidget       *window);
/* Every tile the gallery's grid holds, on screen or not. */
guint         gui_bench_count_tiles     (GtkWidget       *window);
/* The vertical adjustment of the gallery's grid, or NULL. */
GtkAdjustment *gui_bench_get_gallery_adjustment (GtkWidget *window);
/* Whether every tile in @tiles that shows an image has its thumbnail. */
gboolean      gui_bench_tiles_have_thumbnails (GPtrArray *tiles);

/* Renders @widget as it is now and writes it to @path as PNG. */
gboolean      gui_bench_save_screenshot (GtkWidget      *widget,
                                         const char     *path,
                                         GError        **error);

G_END_DECLS
