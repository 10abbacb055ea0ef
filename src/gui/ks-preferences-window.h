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
 * Library (the page named "library"): where the session's library is, with
 * a button that opens the folder; its size on disk and how much of it is
 * in the trash; "Empty Trash…" after a confirmation; what was spent today
 * and this month, and the monthly budget ("monthly-budget"; see
 * ks-budget.h).
 *
 * Property: session (KsSession, construct-only). */
GtkWidget *ks_preferences_window_new (GtkWindow *parent,
                                      KsSession *session);

G_END_DECLS
