#define G_LOG_DOMAIN "ks-budget"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-budget.h"
#include "ks-gui-compat.h"

#define BUDGET_KEY "monthly-budget"

guint64
ks_budget_get_cap (GSettings *settings)
{
  double dollars;

  g_return_val_if_fail (G_IS_SETTINGS (settings), 0);

  dollars = g_settings_get_double (settings, BUDGET_KEY);
  if (!(dollars > 0))
    return 0;

  /* Whole microdollars, as every price is kept. */
  return (guint64) (dollars * 1000000.0 + 0.5);
}

char *
ks_budget_describe (GSettings *settings,
                    KsLibrary *library,
                    gint64     now)
{
  g_autofree char *today = NULL;
  g_autofree char *month = NULL;
  guint64 cap;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (KS_IS_LIBRARY (library), NULL);

  cap = ks_budget_get_cap (settings);
  today = ks_format_price (ks_library_get_spent_day (library, now));
  month = ks_format_price (ks_library_get_spent_month (library, now));

  if (cap == 0)
    /* Translators: money spent on jobs, e.g. "$1.20 today · $9.96 this month" */
    return g_strdup_printf (_("%s today · %s this month"), today, month);

  {
    g_autofree char *budget = ks_format_price (cap);

    /* Translators: money spent on jobs against the monthly budget,
     * e.g. "$1.20 today · $9.96 this month of $10.00" */
    return g_strdup_printf (_("%s today · %s this month of %s"), today, month, budget);
  }
}

/* ---- confirmation --------------------------------------------------------- */

static char *
format_body (guint64 cost,
             guint64 spent,
             guint64 cap)
{
  g_autofree char *cost_text = ks_format_price (cost);
  g_autofree char *spent_text = ks_format_price (spent);
  g_autofree char *cap_text = ks_format_price (cap);

  /* Translators: e.g. "This job costs $0.08. You have spent $9.96 of
   * your $10.00 budget this month." */
  return g_strdup_printf (_("This job costs %s. You have spent %s of your %s budget this month."),
                          cost_text, spent_text, cap_text);
}

static void
confirm_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_boolean (task, ks_gui_confirm_finish (result));
}

void
ks_budget_confirm_async (GtkWindow           *parent,
                         GSettings           *settings,
                         KsLibrary           *library,
                         guint64              cost,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *body = NULL;
  guint64 cap;
  guint64 spent;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (KS_IS_LIBRARY (library));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_budget_confirm_async);

  cap = ks_budget_get_cap (settings);
  if (cap == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  spent = ks_library_get_spent_month (library, g_get_real_time ());
  if (spent <= cap && cost <= cap - spent)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_debug ("Over the monthly budget: %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT
           " > %" G_GUINT64_FORMAT " microdollars", spent, cost, cap);

  body = format_body (cost, spent, cap);
  ks_gui_confirm_async (parent, _("Over your monthly budget"), body,
                        "submit", _("_Submit Anyway"),
                        cancellable, confirm_cb, g_object_ref (task));
}

gboolean
ks_budget_confirm_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_budget_confirm_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}
