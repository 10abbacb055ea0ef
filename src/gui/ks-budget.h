#pragma once

#include <adwaita.h>

#include "ks-core.h"

G_BEGIN_DECLS

/* The monthly budget ("monthly-budget" in GSettings, in dollars; 0 means
 * no budget) against what the library says was spent. */

/* The budget in microdollars; 0 when none is set. */
guint64   ks_budget_get_cap          (GSettings           *settings);

/* Resolves TRUE at once when no budget is set, or when this calendar
 * month's spending plus @cost (microdollars) stays within it. Otherwise
 * asks, in a dialog over @parent, whether to submit anyway: "Cancel"
 * (the default, and closing the dialog) resolves FALSE, "Submit Anyway"
 * TRUE. Cancelling @cancellable closes the dialog and resolves FALSE. */
void      ks_budget_confirm_async    (GtkWindow           *parent,
                                      GSettings           *settings,
                                      KsLibrary           *library,
                                      guint64              cost,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean  ks_budget_confirm_finish   (GAsyncResult        *result);

/* One line for people: "$1.20 today · $9.96 this month of $10.00" (without
 * " of …" when no budget is set), for the day and month containing @now
 * (wall-clock µs). */
char     *ks_budget_describe         (GSettings           *settings,
                                      KsLibrary           *library,
                                      gint64               now);

G_END_DECLS
