#define G_LOG_DOMAIN "ks-gallery-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-tile.h"

struct _KsGalleryTile
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (KsGalleryTile, ks_gallery_tile, GTK_TYPE_WIDGET)

static void
ks_gallery_tile_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_GALLERY_TILE);

  G_OBJECT_CLASS (ks_gallery_tile_parent_class)->dispose (object);
}

static void
ks_gallery_tile_class_init (KsGalleryTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_gallery_tile_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-gallery-tile.ui");
}

static void
ks_gallery_tile_init (KsGalleryTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
