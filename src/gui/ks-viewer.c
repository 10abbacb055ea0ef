#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-viewer.h"

struct _KsViewer
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (KsViewer, ks_viewer, ADW_TYPE_BIN)

static void
ks_viewer_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_VIEWER);

  G_OBJECT_CLASS (ks_viewer_parent_class)->dispose (object);
}

static void
ks_viewer_class_init (KsViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_viewer_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-viewer.ui");
}

static void
ks_viewer_init (KsViewer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
