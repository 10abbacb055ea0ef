#pragma once

#include <adwaita.h>

#include "ks-session.h"

G_BEGIN_DECLS

#define KS_TYPE_PREFERENCES_WINDOW (ks_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (KsPreferencesWindow, ks_preferences_window, KS, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* Connection: the service (fal.ai, or a compatible service with its base
 * URL and Key/Bearer scheme), the API key kept in the keyring (a password
 * row; never shown back in full), upload of references, and "Test
 * connection" reporting what it found. Settings bind to GSettings.
 *
 * Property: session (KsSession, construct-only). */
GtkWidget *ks_preferences_window_new (GtkWindow *parent,
                                      KsSession *session);

G_END_DECLS
