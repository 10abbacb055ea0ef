/* ks-thumbnail-paintable.c: a thumbnail as a gallery tile draws it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-thumbnail"

#include "config.h"

#include "ks-thumbnail-paintable.h"

struct _KsThumbnailPaintable
{
  GObject          parent_instance;

  GdkTexture      *texture;
  cairo_surface_t *surface;     /* the texture as cairo draws it; made on first use */
  gboolean         for_cairo;
};

static void ks_thumbnail_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsThumbnailPaintable, ks_thumbnail_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      ks_thumbnail_paintable_iface_init))

static cairo_surface_t *
ensure_surface (KsThumbnailPaintable *self)
{
  if (self->surface == NULL)
    {
      int width = gdk_texture_get_width (self->texture);
      int height = gdk_texture_get_height (self->texture);

      self->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      if (cairo_surface_status (self->surface) == CAIRO_STATUS_SUCCESS)
        {
          gdk_texture_download (self->texture,
                                cairo_image_surface_get_data (self->surface),
                                cairo_image_surface_get_stride (self->surface));
          cairo_surface_mark_dirty (self->surface);
        }
    }

  return self->surface;
}

static void
ks_thumbnail_paintable_snapshot (GdkPaintable *paintable,
                                 GdkSnapshot  *snapshot,
                                 double        width,
                                 double        height)
{
  KsThumbnailPaintable *self = KS_THUMBNAIL_PAINTABLE (paintable);
  cairo_surface_t *surface;
  cairo_t *cr;

  if (!self->for_cairo || width <= 0 || height <= 0)
    {
      gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
      return;
    }

  surface = ensure_surface (self);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
      return;
    }

  cr = gtk_snapshot_append_cairo (GTK_SNAPSHOT (snapshot), &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_scale (cr,
               width / cairo_image_surface_get_width (surface),
               height / cairo_image_surface_get_height (surface));
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
}

static int
ks_thumbnail_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return gdk_texture_get_width (KS_THUMBNAIL_PAINTABLE (paintable)->texture);
}

static int
ks_thumbnail_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return gdk_texture_get_height (KS_THUMBNAIL_PAINTABLE (paintable)->texture);
}

static GdkPaintableFlags
ks_thumbnail_paintable_get_flags (GdkPaintable *paintable)
{
  return GDK_PAINTABLE_STATIC_CONTENTS | GDK_PAINTABLE_STATIC_SIZE;
}

static void
ks_thumbnail_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = ks_thumbnail_paintable_snapshot;
  iface->get_intrinsic_width = ks_thumbnail_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = ks_thumbnail_paintable_get_intrinsic_height;
  iface->get_flags = ks_thumbnail_paintable_get_flags;
}

static void
ks_thumbnail_paintable_finalize (GObject *object)
{
  KsThumbnailPaintable *self = KS_THUMBNAIL_PAINTABLE (object);

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_object (&self->texture);

  G_OBJECT_CLASS (ks_thumbnail_paintable_parent_class)->finalize (object);
}

static void
ks_thumbnail_paintable_class_init (KsThumbnailPaintableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_thumbnail_paintable_finalize;
}

static void
ks_thumbnail_paintable_init (KsThumbnailPaintable *self)
{
}

KsThumbnailPaintable *
ks_thumbnail_paintable_new (GdkTexture *texture)
{
  KsThumbnailPaintable *self;

  g_return_val_if_fail (GDK_IS_TEXTURE (texture), NULL);

  self = g_object_new (KS_TYPE_THUMBNAIL_PAINTABLE, NULL);
  self->texture = g_object_ref (texture);

  return self;
}

GdkTexture *
ks_thumbnail_paintable_get_texture (KsThumbnailPaintable *self)
{
  g_return_val_if_fail (KS_IS_THUMBNAIL_PAINTABLE (self), NULL);

  return self->texture;
}

void
ks_thumbnail_paintable_set_for_cairo (KsThumbnailPaintable *self,
                                      gboolean              for_cairo)
{
  g_return_if_fail (KS_IS_THUMBNAIL_PAINTABLE (self));

  self->for_cairo = !!for_cairo;
  /* The surface is kept only while it is drawn from. */
  if (!self->for_cairo)
    g_clear_pointer (&self->surface, cairo_surface_destroy);
}
