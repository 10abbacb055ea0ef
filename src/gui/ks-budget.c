#define G_LOG_DOMAIN "ks-budget"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-budget.h"

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

#define RESPONSE_CANCEL "cancel"
#define RESPONSE_SUBMIT "submit"

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

#if ADW_CHECK_VERSION (1, 5, 0)

static void
choose_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *response = adw_alert_dialog_choose_finish (ADW_ALERT_DIALOG (object), result);

  g_task_return_boolean (task, g_strcmp0 (response, RESPONSE_SUBMIT) == 0);
}

static void
ask (GtkWindow    *parent,
     const char   *body,
     GCancellable *cancellable,
     GTask        *task)
{
  AdwDialog *dialog = adw_alert_dialog_new (_("Over your monthly budget"), body);

  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  RESPONSE_CANCEL, _("_Cancel"),
                                  RESPONSE_SUBMIT, _("_Submit Anyway"),
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), RESPONSE_SUBMIT,
                                            ADW_RESPONSE_DESTRUCTIVE);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), RESPONSE_CANCEL);
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), RESPONSE_CANCEL);

  adw_alert_dialog_choose (ADW_ALERT_DIALOG (dialog), parent ? GTK_WIDGET (parent) : NULL,
                           cancellable, choose_cb, g_object_ref (task));
}

#else /* libadwaita < 1.5: AdwMessageDialog, answered through "response" */

typedef struct
{
  GtkWindow *dialog;          /* a reference until answered */
  GSource   *cancel_source;   /* closes the dialog when the cancellable fires */
} ConfirmData;

static void
confirm_data_free (ConfirmData *data)
{
  if (data->cancel_source != NULL)
    {
      g_source_destroy (data->cancel_source);
      g_source_unref (data->cancel_source);
    }
  g_clear_object (&data->dialog);
  g_free (data);
}

static void
resolve (GTask    *task,
         gboolean  submit)
{
  ConfirmData *data = g_task_get_task_data (task);
  g_autoptr(GtkWindow) dialog = g_steal_pointer (&data->dialog);

  if (dialog == NULL)
    return;  /* already answered */

  g_signal_handlers_disconnect_by_data (dialog, task);
  if (data->cancel_source != NULL)
    {
      g_source_destroy (data->cancel_source);
      g_clear_pointer (&data->cancel_source, g_source_unref);
    }

  /* Answered through adw_message_dialog_response() the dialog stays up;
   * closed by its buttons it is gone already (destroying twice is a no-op). */
  gtk_window_destroy (dialog);

  g_task_return_boolean (task, submit);
  g_object_unref (task);  /* the reference the dialog held */
}

static void
on_response (AdwMessageDialog *dialog,
             const char       *response,
             GTask            *task)
{
  resolve (task, g_strcmp0 (response, RESPONSE_SUBMIT) == 0);
}

/* Destroyed without an answer (the application quitting): no. */
static void
on_destroy (GtkWindow *dialog,
            GTask     *task)
{
  resolve (task, FALSE);
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  resolve (G_TASK (user_data), FALSE);
  return G_SOURCE_REMOVE;
}

static void
ask (GtkWindow    *parent,
     const char   *body,
     GCancellable *cancellable,
     GTask        *task)
{
  ConfirmData *data = g_new0 (ConfirmData, 1);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (parent, _("Over your monthly budget"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    RESPONSE_CANCEL, _("_Cancel"),
                                    RESPONSE_SUBMIT, _("_Submit Anyway"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), RESPONSE_SUBMIT,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), RESPONSE_CANCEL);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), RESPONSE_CANCEL);
  gtk_window_set_modal (GTK_WINDOW (dialog), parent != NULL);

  data->dialog = GTK_WINDOW (g_object_ref (dialog));
  g_task_set_task_data (task, data, (GDestroyNotify) confirm_data_free);

  /* The dialog holds a reference on the task until it is answered. */
  g_signal_connect (dialog, "response", G_CALLBACK (on_response), g_object_ref (task));
  g_signal_connect (dialog, "destroy", G_CALLBACK (on_destroy), task);

  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (on_cancelled), task, NULL);
      g_source_attach (data->cancel_source, g_task_get_context (task));
    }

  gtk_window_present (GTK_WINDOW (dialog));
}

#endif

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
  ask (parent, body, cancellable, task);
}

gboolean
ks_budget_confirm_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_budget_confirm_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}
