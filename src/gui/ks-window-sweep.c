#define G_LOG_DOMAIN "ks-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-budget.h"
#include "ks-contact-sheet.h"
#include "ks-sweep-dialog.h"
#include "ks-window-private.h"

/* Sweeps from the window: "Sweep…" opens the dialog over the composer's
 * request; its Submit goes through the budget check to the session as one
 * batch, and the batch's contact sheet opens. */

/* ---- The contact sheet -------------------------------------------------- */

static void
on_sheet_item_activated (KsWindow       *self,
                         KsGalleryItem  *item,
                         KsContactSheet *sheet)
{
  _ks_window_show_viewer (self, item);
  gtk_window_present (GTK_WINDOW (self));
}

static void
on_sheet_use_as_reference (KsWindow       *self,
                           KsGalleryItem  *item,
                           KsContactSheet *sheet)
{
  ks_composer_use_item (self->composer, item);
  _ks_window_show_gallery (self);
  gtk_window_present (GTK_WINDOW (self));
  _ks_window_focus_prompt (self);
}

static KsContactSheet *
find_sheet (KsWindow   *self,
            const char *batch_id)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (KS_IS_CONTACT_SHEET (window) &&
          gtk_window_get_transient_for (window) == GTK_WINDOW (self) &&
          g_strcmp0 (ks_contact_sheet_get_batch_id (KS_CONTACT_SHEET (window)), batch_id) == 0)
        return KS_CONTACT_SHEET (window);
    }

  return NULL;
}

/* The batch's contact sheet, made when there is none yet, presented. */
KsContactSheet *
_ks_window_show_batch (KsWindow   *self,
                       const char *batch_id)
{
  KsContactSheet *sheet;

  g_return_val_if_fail (batch_id != NULL, NULL);

  sheet = find_sheet (self, batch_id);
  if (sheet == NULL)
    {
      sheet = KS_CONTACT_SHEET (ks_contact_sheet_new (GTK_WINDOW (self),
                                                      ks_session_get_items (self->session),
                                                      batch_id));
      g_signal_connect_object (sheet, "item-activated",
                               G_CALLBACK (on_sheet_item_activated), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (sheet, "use-as-reference",
                               G_CALLBACK (on_sheet_use_as_reference), self,
                               G_CONNECT_SWAPPED);
    }

  gtk_window_present (GTK_WINDOW (sheet));

  return sheet;
}

static void
show_batch_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  const char *batch_id = g_variant_get_string (parameter, NULL);

  if (*batch_id != '\0')
    _ks_window_show_batch (KS_WINDOW (widget), batch_id);
}

/* ---- Submitting --------------------------------------------------------- */

/* A sweep waiting for the budget check. */
typedef struct
{
  KsWindow    *window;
  GPtrArray   *params;
  KsSweepKind  kind;
  char        *parent_id;
  guint        parent_image;
} SweepData;

static void
sweep_data_free (SweepData *data)
{
  g_clear_object (&data->window);
  g_clear_pointer (&data->params, g_ptr_array_unref);
  g_free (data->parent_id);
  g_free (data);
}

static void
budget_confirmed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SweepData *data = user_data;
  KsWindow *self = data->window;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autofree char *text = NULL;
  const char *batch_id;
  AdwToast *toast;

  /* FALSE: over budget and the user said no, or the window went away. */
  if (!ks_budget_confirm_finish (result) || g_cancellable_is_cancelled (self->cancellable))
    {
      sweep_data_free (data);
      return;
    }

  jobs = ks_session_submit_sweep (self->session, data->params, data->kind,
                                  data->parent_id, data->parent_image);
  if (jobs == NULL || jobs->len == 0)
    {
      sweep_data_free (data);
      return;
    }

  if (_ks_window_viewer_is_shown (self))
    _ks_window_show_gallery (self);

  batch_id = ks_record_get_batch_id (ks_job_get_record (g_ptr_array_index (jobs, 0)));
  _ks_window_show_batch (self, batch_id);

  /* The sheet can be closed; the toast brings it back. */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Sweep of %u job submitted",
                                       "Sweep of %u jobs submitted", jobs->len),
                          jobs->len);
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("_Show"));
  adw_toast_set_action_name (toast, "win.show-batch");
  adw_toast_set_action_target_value (toast, g_variant_new_string (batch_id));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);

  sweep_data_free (data);
}

static void
on_sweep_dialog_submit (KsWindow      *self,
                        KsSweepKind    kind,
                        GPtrArray     *params,
                        KsSweepDialog *dialog)
{
  SweepData *data = g_new0 (SweepData, 1);

  data->window = g_object_ref (self);
  data->params = g_ptr_array_ref (params);
  data->kind = kind;
  /* Lineage as it is now: the references may change while the budget
   * question is open. */
  data->parent_id = g_strdup (ks_composer_get_parent (self->composer, &data->parent_image));

  ks_budget_confirm_async (GTK_WINDOW (self), self->settings,
                           ks_session_get_library (self->session),
                           ks_sweep_cost (params),
                           self->cancellable,
                           budget_confirmed_cb, data);
}

/* Opens the sweep dialog over the composer's request; returns it. */
KsSweepDialog *
_ks_window_open_sweep_dialog (KsWindow *self)
{
  GtkWidget *dialog;

  if (!ks_composer_get_can_submit (self->composer))
    {
      const char *reason = ks_composer_get_reason (self->composer);

      _ks_window_show_toast (self, reason != NULL ? reason : _("The request is not complete yet."));
      return NULL;
    }

  dialog = ks_sweep_dialog_new (GTK_WINDOW (self), ks_composer_get_params (self->composer));
  g_signal_connect_object (dialog, "submit",
                           G_CALLBACK (on_sweep_dialog_submit), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return KS_SWEEP_DIALOG (dialog);
}

static void
sweep_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  _ks_window_open_sweep_dialog (KS_WINDOW (widget));
}

void
_ks_window_class_add_sweep_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.sweep", NULL, sweep_action);
  gtk_widget_class_install_action (widget_class, "win.show-batch", "s", show_batch_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.sweep", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.sweep", NULL);
}
