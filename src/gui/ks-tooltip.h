#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Sets @widget's tooltip only when the words change. GTK asks the display
 * where the pointer is each time a tooltip is set on a visible widget (a
 * round trip to the X server), and a tile's words change with every step
 * of its job. */
static inline void
ks_set_tooltip (GtkWidget  *widget,
                const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

G_END_DECLS
