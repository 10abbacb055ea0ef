#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compare-util.h"
#include "ks-test-gui.h"

static GdkPixbuf *
solid_pixbuf (int     width,
              int     height,
              guint32 rgb)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);

  gdk_pixbuf_fill (pixbuf, (rgb << 8) | 0xff);
  return pixbuf;
}

GdkTexture *
compare_test_solid_texture (int     width,
                            int     height,
                            guint32 rgb)
{
  g_autoptr(GdkPixbuf) pixbuf = solid_pixbuf (width, height, rgb);

  return gdk_texture_new_for_pixbuf (pixbuf);
}

GdkTexture *
compare_test_split_texture (int     width,
                            int     height,
                            guint32 left,
                            guint32 right)
{
  g_autoptr(GdkPixbuf) pixbuf = solid_pixbuf (width, height, left);
  g_autoptr(GdkPixbuf) half = gdk_pixbuf_new_subpixbuf (pixbuf, width / 2, 0, width - width / 2, height);

  gdk_pixbuf_fill (half, (right << 8) | 0xff);
  return gdk_texture_new_for_pixbuf (pixbuf);
}

GdkTexture *
compare_test_render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

guint32
compare_test_pixel (GdkTexture *texture,
                    int         x,
                    int         y)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = NULL;
  guint32 pixel;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, width);
  g_assert_cmpint (y, <, height);

  /* Cairo's ARGB32, native endian: one guint32 per pixel. */
  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  memcpy (&pixel, pixels + ((gsize) y * width + x) * 4, sizeof pixel);

  return pixel & 0xffffff;
}

gboolean
compare_test_colour_near (guint32 pixel,
                          guint32 rgb)
{
  for (int shift = 0; shift <= 16; shift += 8)
    if (abs ((int) ((pixel >> shift) & 0xff) - (int) ((rgb >> shift) & 0xff)) > 24)
      return FALSE;
  return TRUE;
}

static gboolean
is_laid_out (gpointer data)
{
  GtkWidget *child = data;

  return gtk_widget_get_mapped (child) && gtk_widget_get_width (child) > 0;
}

GtkWidget *
compare_test_window (GtkWidget *child,
                     int        width,
                     int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ks_test_gui_wait_until (is_laid_out, child, 10000));
  ks_test_gui_wait_frames (child, 2);

  return window;
}
