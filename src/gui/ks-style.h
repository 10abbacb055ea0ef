#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Loads the stylesheet at @resource_path into the default display once per
 * process, for widgets that carry their own CSS next to their template. */
void ks_style_ensure (const char *resource_path);

G_END_DECLS
