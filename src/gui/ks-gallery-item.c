#define G_LOG_DOMAIN "ks-gallery-item"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-item.h"

struct _KsGalleryItem
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (KsGalleryItem, ks_gallery_item, G_TYPE_OBJECT)

static void
ks_gallery_item_class_init (KsGalleryItemClass *klass)
{
}

static void
ks_gallery_item_init (KsGalleryItem *self)
{
}
