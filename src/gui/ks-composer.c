#define G_LOG_DOMAIN "ks-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-composer.h"

struct _KsComposer
{
  AdwBin parent_instance;
};

G_DEFINE_FINAL_TYPE (KsComposer, ks_composer, ADW_TYPE_BIN)

static void
ks_composer_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_COMPOSER);

  G_OBJECT_CLASS (ks_composer_parent_class)->dispose (object);
}

static void
ks_composer_class_init (KsComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_composer_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-composer.ui");
}

static void
ks_composer_init (KsComposer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
