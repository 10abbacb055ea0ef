#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Newer libadwaita API, chosen at build time: libadwaita 1.5 replaced the
 * About window by an About dialog. The properties are the same for both. */
void ks_gui_present_about (GtkWindow  *parent,
                           const char *first_property_name,
                           ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
