#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Helpers of the gui-compare tests: solid and split test images, a widget
 * rendered to a texture and its pixels read back. */

/* 0xRRGGBB, opaque. */
GdkTexture *compare_test_solid_texture   (int          width,
                                          int          height,
                                          guint32      rgb);
/* Left half @left, right half @right. */
GdkTexture *compare_test_split_texture   (int          width,
                                          int          height,
                                          guint32      left,
                                          guint32      right);

/* @widget as drawn now, at its size, by its window's renderer. */
GdkTexture *compare_test_render          (GtkWidget   *widget);
/* 0xRRGGBB of the pixel at (@x, @y) (alpha dropped). */
guint32     compare_test_pixel           (GdkTexture  *texture,
                                          int          x,
                                          int          y);
/* Within a small distance of @rgb, channel by channel. */
gboolean    compare_test_colour_near     (guint32      pixel,
                                          guint32      rgb);

/* A window of @width × @height holding @child, presented and laid out. */
GtkWidget  *compare_test_window          (GtkWidget   *child,
                                          int          width,
                                          int          height);

G_END_DECLS
