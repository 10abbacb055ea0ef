#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Newer libadwaita API, chosen at build time: libadwaita 1.5 replaced the
 * About window by an About dialog. The properties are the same for both. */
void ks_gui_present_about (GtkWindow  *parent,
                           const char *first_property_name,
                           ...) G_GNUC_NULL_TERMINATED;

/* Asks a yes-or-no question over @parent: "Cancel" (the default, and
 * closing the dialog) against @accept_label, shown as destructive, with the
 * response id @accept_response. Resolves TRUE only when @accept_response is
 * chosen; cancelling @cancellable closes the dialog and resolves FALSE.
 * AdwAlertDialog on libadwaita 1.5 and later, AdwMessageDialog before. */
void     ks_gui_confirm_async  (GtkWindow           *parent,
                                const char          *heading,
                                const char          *body,
                                const char          *accept_response,
                                const char          *accept_label,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
gboolean ks_gui_confirm_finish (GAsyncResult        *result);

G_END_DECLS
