#pragma once

#include "ks-preferences-window.h"

G_BEGIN_DECLS

struct _KsPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  KsSession            *session;
  GSettings            *settings;
  GCancellable         *cancellable;        /* for the window's lifetime */
  GCancellable         *lookup_cancellable; /* the current key lookup */
  gboolean              storing_key;
  gboolean              testing;

  /* Connection */
  AdwComboRow          *service_row;
  AdwEntryRow          *base_url_row;
  AdwActionRow         *base_url_error_row;
  AdwComboRow          *auth_row;
  AdwPasswordEntryRow  *key_row;
  AdwActionRow         *key_source_row;
  GtkSpinner           *key_spinner;
  GtkSwitch            *upload_switch;
  GtkSwitch            *no_history_switch;
  GtkSwitch            *embed_recipe_switch;
  AdwComboRow          *priority_row;
  GtkSpinButton        *timeout_spin;
  AdwActionRow         *test_row;
  GtkImage             *test_icon;
  GtkSpinner           *test_spinner;

  /* Library (ks-preferences-window-library.c) */
  KsLibrary            *library;
  GCancellable         *measure_cancellable; /* the current measurement */
  gboolean              emptying;
  AdwPreferencesPage   *library_page;
  AdwActionRow         *location_row;
  AdwActionRow         *size_row;
  GtkSpinner           *size_spinner;
  AdwActionRow         *trash_row;
  AdwActionRow         *spent_row;
  GtkSpinButton        *budget_spin;
};

void _ks_preferences_window_class_init_library (GtkWidgetClass      *widget_class);
void _ks_preferences_window_init_library       (KsPreferencesWindow *self);
void _ks_preferences_window_dispose_library    (KsPreferencesWindow *self);
void _ks_preferences_window_update_library_actions (KsPreferencesWindow *self);

G_END_DECLS
