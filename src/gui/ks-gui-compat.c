#define G_LOG_DOMAIN "ks-gui-compat"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gui-compat.h"

void
ks_gui_present_about (GtkWindow  *parent,
                      const char *first_property_name,
                      ...)
{
  GObject *about;
  va_list args;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  va_start (args, first_property_name);
#if ADW_CHECK_VERSION (1, 5, 0)
  about = g_object_new_valist (ADW_TYPE_ABOUT_DIALOG, first_property_name, args);
#else
  about = g_object_new_valist (ADW_TYPE_ABOUT_WINDOW, first_property_name, args);
#endif
  va_end (args);

#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_present (ADW_DIALOG (about), parent ? GTK_WIDGET (parent) : NULL);
#else
  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_set_modal (GTK_WINDOW (about), parent != NULL);
  gtk_window_present (GTK_WINDOW (about));
#endif
}

/* ---- confirmation --------------------------------------------------------- */

#define RESPONSE_CANCEL "cancel"

#if ADW_CHECK_VERSION (1, 5, 0)

static void
confirm_choose_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *accept_response = g_task_get_task_data (task);
  const char *response = adw_alert_dialog_choose_finish (ADW_ALERT_DIALOG (object), result);

  g_task_return_boolean (task, g_strcmp0 (response, accept_response) == 0);
}

static void
confirm_ask (GtkWindow    *parent,
             const char   *heading,
             const char   *body,
             const char   *accept_response,
             const char   *accept_label,
             GCancellable *cancellable,
             GTask        *task)
{
  AdwDialog *dialog = adw_alert_dialog_new (heading, body);

  g_task_set_task_data (task, g_strdup (accept_response), g_free);

  adw_alert_dialog_add_responses (ADW_ALERT_DIALOG (dialog),
                                  RESPONSE_CANCEL, _("_Cancel"),
                                  accept_response, accept_label,
                                  NULL);
  adw_alert_dialog_set_response_appearance (ADW_ALERT_DIALOG (dialog), accept_response,
                                            ADW_RESPONSE_DESTRUCTIVE);
  adw_alert_dialog_set_default_response (ADW_ALERT_DIALOG (dialog), RESPONSE_CANCEL);
  adw_alert_dialog_set_close_response (ADW_ALERT_DIALOG (dialog), RESPONSE_CANCEL);

  adw_alert_dialog_choose (ADW_ALERT_DIALOG (dialog), parent ? GTK_WIDGET (parent) : NULL,
                           cancellable, confirm_choose_cb, g_object_ref (task));
}

#else /* libadwaita < 1.5: AdwMessageDialog, answered through "response" */

typedef struct
{
  GtkWindow *dialog;          /* a reference until answered */
  GSource   *cancel_source;   /* closes the dialog when the cancellable fires */
  char      *accept_response;
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
  g_free (data->accept_response);
  g_free (data);
}

static void
confirm_resolve (GTask    *task,
                 gboolean  accepted)
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

  g_task_return_boolean (task, accepted);
  g_object_unref (task);  /* the reference the dialog held */
}

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     GTask            *task)
{
  ConfirmData *data = g_task_get_task_data (task);

  confirm_resolve (task, g_strcmp0 (response, data->accept_response) == 0);
}

/* Destroyed without an answer (the application quitting): no. */
static void
on_confirm_destroy (GtkWindow *dialog,
                    GTask     *task)
{
  confirm_resolve (task, FALSE);
}

static gboolean
on_confirm_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  confirm_resolve (G_TASK (user_data), FALSE);
  return G_SOURCE_REMOVE;
}

static void
confirm_ask (GtkWindow    *parent,
             const char   *heading,
             const char   *body,
             const char   *accept_response,
             const char   *accept_label,
             GCancellable *cancellable,
             GTask        *task)
{
  ConfirmData *data = g_new0 (ConfirmData, 1);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (parent, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    RESPONSE_CANCEL, _("_Cancel"),
                                    accept_response, accept_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), accept_response,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), RESPONSE_CANCEL);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), RESPONSE_CANCEL);
  gtk_window_set_modal (GTK_WINDOW (dialog), parent != NULL);

  data->dialog = GTK_WINDOW (g_object_ref (dialog));
  data->accept_response = g_strdup (accept_response);
  g_task_set_task_data (task, data, (GDestroyNotify) confirm_data_free);

  /* The dialog holds a reference on the task until it is answered. */
  g_signal_connect (dialog, "response", G_CALLBACK (on_confirm_response), g_object_ref (task));
  g_signal_connect (dialog, "destroy", G_CALLBACK (on_confirm_destroy), task);

  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (on_confirm_cancelled),
                             task, NULL);
      g_source_attach (data->cancel_source, g_task_get_context (task));
    }

  gtk_window_present (GTK_WINDOW (dialog));
}

#endif

void
ks_gui_confirm_async (GtkWindow           *parent,
                      const char          *heading,
                      const char          *body,
                      const char          *accept_response,
                      const char          *accept_label,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (heading != NULL);
  g_return_if_fail (accept_response != NULL);
  g_return_if_fail (g_strcmp0 (accept_response, RESPONSE_CANCEL) != 0);
  g_return_if_fail (accept_label != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_gui_confirm_async);

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_boolean (task, FALSE);
      return;
    }

  confirm_ask (parent, heading, body, accept_response, accept_label, cancellable, task);
}

gboolean
ks_gui_confirm_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_gui_confirm_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), NULL);
}
