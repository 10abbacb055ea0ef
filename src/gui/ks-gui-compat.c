#define G_LOG_DOMAIN "ks-gui-compat"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gui-compat.h"

void
ks_gui_present_about (GtkWindow  *parent,
                      const char *first_property_name,
                      ...)
{
  GObject *about;
  va_list args;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  va_start (args, first_property_name);
#if ADW_CHECK_VERSION (1, 5, 0)
  about = g_object_new_valist (ADW_TYPE_ABOUT_DIALOG, first_property_name, args);
#else
  about = g_object_new_valist (ADW_TYPE_ABOUT_WINDOW, first_property_name, args);
#endif
  va_end (args);

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_present (ADW_DIALOG (about), parent ? GTK_WIDGET (parent) : NULL);
#else
  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_set_modal (GTK_WINDOW (about), parent != NULL);
  gtk_window_present (GTK_WINDOW (about));
#endif
}
