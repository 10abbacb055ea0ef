#define G_LOG_DOMAIN "ks-image-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-image-view-private.h"

/* Drawing: the texture placed by the zoom and centre, smooth when
 * reduced, in pixel squares when much enlarged. */

/* Past this many device pixels per texture pixel, pixels are drawn as
 * squares rather than blurred. */
#define NEAREST_ABOVE 2.0

#if !GTK_CHECK_VERSION (4, 10, 0)
/* GTK 4.8 has no filter on texture nodes: draw the visible part with
 * cairo, pixel squares and all. */
static void
append_nearest (KsImageView           *self,
                GtkSnapshot           *snapshot,
                GdkTexture            *texture,
                const graphene_rect_t *dest)
{
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0,
                                               gtk_widget_get_width (GTK_WIDGET (self)),
                                               gtk_widget_get_height (GTK_WIDGET (self)));
  graphene_rect_t visible;
  cairo_pattern_t *pattern;
  cairo_t *cr;
  int tw = gdk_texture_get_width (texture);
  int th = gdk_texture_get_height (texture);

  if (!graphene_rect_intersection (&bounds, dest, &visible))
    return;

  if (self->nearest_texture != texture)
    {
      _ks_image_view_clear_nearest_surface (self);
      self->nearest_surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, tw, th);
      gdk_texture_download (texture,
                            cairo_image_surface_get_data (self->nearest_surface),
                            cairo_image_surface_get_stride (self->nearest_surface));
      cairo_surface_mark_dirty (self->nearest_surface);
      self->nearest_texture = texture;
    }

  cr = gtk_snapshot_append_cairo (snapshot, &visible);
  cairo_translate (cr, dest->origin.x, dest->origin.y);
  cairo_scale (cr, dest->size.width / tw, dest->size.height / th);
  cairo_set_source_surface (cr, self->nearest_surface, 0, 0);
  pattern = cairo_get_source (cr);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, tw, th);
  cairo_fill (cr);
  cairo_destroy (cr);
}
#endif

void
_ks_image_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  KsImageView *self = KS_IMAGE_VIEW (widget);
  graphene_rect_t frame, image, dest;
  double f;

  if (self->paintable == NULL || !_ks_image_view_has_geometry (self))
    return;

  f = _ks_image_view_widget_scale (self);
  ks_image_view_get_frame_rect (self, &frame);
  _ks_image_view_get_image_in_frame (self, &image);
  graphene_rect_init (&dest,
                      frame.origin.x + image.origin.x * f,
                      frame.origin.y + image.origin.y * f,
                      image.size.width * f,
                      image.size.height * f);

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0,
                                                         gtk_widget_get_width (widget),
                                                         gtk_widget_get_height (widget)));
  if (GDK_IS_TEXTURE (self->paintable))
    {
      GdkTexture *texture = GDK_TEXTURE (self->paintable);
      double density = dest.size.width * gtk_widget_get_scale_factor (widget) /
                       gdk_texture_get_width (texture);

#if GTK_CHECK_VERSION (4, 10, 0)
      gtk_snapshot_append_scaled_texture (snapshot, texture,
                                          density > NEAREST_ABOVE ? GSK_SCALING_FILTER_NEAREST
                                                                  : GSK_SCALING_FILTER_LINEAR,
                                          &dest);
#else
      if (density > NEAREST_ABOVE)
        append_nearest (self, snapshot, texture, &dest);
      else
        gtk_snapshot_append_texture (snapshot, texture, &dest);
#endif
    }
  else
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &dest.origin);
      gdk_paintable_snapshot (self->paintable, GDK_SNAPSHOT (snapshot),
                              dest.size.width, dest.size.height);
      gtk_snapshot_restore (snapshot);
    }
  gtk_snapshot_pop (snapshot);
}
