#define G_LOG_DOMAIN "ks-style"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-style.h"

void
ks_style_ensure (const char *resource_path)
{
  static GHashTable *loaded; /* resource paths, for the life of the process */
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display;

  g_return_if_fail (resource_path != NULL);

  /* Widgets are made on the GTK thread only, so the set needs no lock. */
  if (loaded == NULL)
    loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  else if (g_hash_table_contains (loaded, resource_path))
    return;

  g_hash_table_add (loaded, g_strdup (resource_path));

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, resource_path);

  display = gdk_display_get_default ();
  if (display != NULL)
    gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}
