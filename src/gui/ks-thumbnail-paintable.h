#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KS_TYPE_THUMBNAIL_PAINTABLE (ks_thumbnail_paintable_get_type ())
G_DECLARE_FINAL_TYPE (KsThumbnailPaintable, ks_thumbnail_paintable, KS, THUMBNAIL_PAINTABLE, GObject)

/* A thumbnail as a gallery tile draws it. With GL it is the texture. With
 * GTK's cairo renderer (software, no GPU) it is drawn through a cairo node
 * from a surface converted once: that renderer converts a texture's
 * pixels anew in every frame that draws it, which is most of the cost of
 * a frame that moves the tiles. */
KsThumbnailPaintable *ks_thumbnail_paintable_new         (GdkTexture           *texture);
GdkTexture           *ks_thumbnail_paintable_get_texture (KsThumbnailPaintable *self);
/* Whether the next snapshots are for the cairo renderer. */
void                  ks_thumbnail_paintable_set_for_cairo (KsThumbnailPaintable *self,
                                                            gboolean              for_cairo);

G_END_DECLS
