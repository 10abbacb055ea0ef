#define G_LOG_DOMAIN "ks-gallery"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery.h"

struct _KsGallery
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (KsGallery, ks_gallery, ADW_TYPE_BIN)

static void
ks_gallery_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_GALLERY);

  G_OBJECT_CLASS (ks_gallery_parent_class)->dispose (object);
}

static void
ks_gallery_class_init (KsGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_gallery_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-gallery.ui");
}

static void
ks_gallery_init (KsGallery *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
