#define G_LOG_DOMAIN "ks-sweep-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-sweep-dialog.h"

struct _KsSweepDialog
{
  AdwWindow       parent_instance;

  /* Template widgets */
  GtkCheckButton *seeds_check;
  GtkCheckButton *guidance_check;
  GtkSpinButton  *seeds_spin;
  AdwEntryRow    *guidance_entry;
  GtkLabel       *error_label;
  GtkLabel       *summary_label;

  KsParams       *base;
  /* The jobs as the controls stand; NULL when invalid (then error). */
  GPtrArray      *params;
  char           *error;
  char           *summary;
  gboolean        can_submit;
};

G_DEFINE_FINAL_TYPE (KsSweepDialog, ks_sweep_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_BASE,
  PROP_KIND,
  PROP_CAN_SUBMIT,
  N_PROPS
};

enum {
  SIGNAL_SUBMIT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- State: one place that turns the controls into jobs and words -------- */

static char *
describe (GPtrArray *params)
{
  guint n_jobs = params->len;
  guint n_images = ks_sweep_count_images (params);
  g_autofree char *price = ks_format_price (ks_sweep_cost (params));
  g_autofree char *jobs = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u job", "%u jobs", n_jobs),
                                           n_jobs);
  g_autofree char *images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image", "%u images",
                                                          n_images),
                                             n_images);

  /* Translators: "4 jobs · 4 images · $0.16" */
  return g_strdup_printf (_("%s · %s · %s"), jobs, images, price);
}

static void
update_state (KsSweepDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) params = NULL;
  KsSweepKind kind = ks_sweep_dialog_get_kind (self);
  gboolean can_submit;

  /* The template's signals come before the base is set. */
  if (self->base == NULL)
    return;

  if (kind == KS_SWEEP_SEEDS)
    {
      guint n = (guint) gtk_spin_button_get_value_as_int (self->seeds_spin);

      params = ks_sweep_make_params (self->base, kind, n, NULL, 0, &error);
    }
  else
    {
      g_autoptr(GArray) values = NULL;
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->guidance_entry));

      if (ks_sweep_parse_values (text, &values, &error))
        params = ks_sweep_make_params (self->base, kind, 0,
                                       (const double *) (gpointer) values->data, values->len,
                                       &error);
    }

  g_clear_pointer (&self->params, g_ptr_array_unref);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->summary, g_free);

  if (params != NULL)
    {
      self->summary = describe (params);
      self->params = g_steal_pointer (&params);
    }
  else
    self->error = g_strdup (error->message);

  gtk_label_set_label (self->error_label, self->error != NULL ? self->error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), self->error != NULL);
  gtk_label_set_label (self->summary_label, self->summary != NULL ? self->summary : "");
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), self->summary != NULL);

  /* The entry shows it is wrong only while it is the one in use. */
  if (kind == KS_SWEEP_GUIDANCE && self->error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->guidance_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->guidance_entry), "error");

  can_submit = self->params != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sweep.submit", can_submit);
  if (self->can_submit != can_submit)
    {
      self->can_submit = can_submit;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SUBMIT]);
    }
}

static void
on_values_changed (KsSweepDialog *self)
{
  update_state (self);
}

static void
on_kind_toggled (KsSweepDialog *self)
{
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

static void
on_entry_activated (KsSweepDialog *self)
{
  ks_sweep_dialog_submit (self);
}

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ks_sweep_dialog_submit (KS_SWEEP_DIALOG (widget));
}

/* ---- GObject ----------------------------------------------------------- */

static void
ks_sweep_dialog_constructed (GObject *object)
{
  KsSweepDialog *self = KS_SWEEP_DIALOG (object);

  G_OBJECT_CLASS (ks_sweep_dialog_parent_class)->constructed (object);

  g_assert (self->base != NULL);
  update_state (self);
}

static void
ks_sweep_dialog_dispose (GObject *object)
{
  KsSweepDialog *self = KS_SWEEP_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_SWEEP_DIALOG);
  g_clear_object (&self->base);
  g_clear_pointer (&self->params, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_sweep_dialog_parent_class)->dispose (object);
}

static void
ks_sweep_dialog_finalize (GObject *object)
{
  KsSweepDialog *self = KS_SWEEP_DIALOG (object);

  g_free (self->error);
  g_free (self->summary);

  G_OBJECT_CLASS (ks_sweep_dialog_parent_class)->finalize (object);
}

static void
ks_sweep_dialog_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsSweepDialog *self = KS_SWEEP_DIALOG (object);

  switch (prop_id)
    {
    case PROP_BASE:
      g_value_set_object (value, self->base);
      break;
    case PROP_KIND:
      g_value_set_enum (value, ks_sweep_dialog_get_kind (self));
      break;
    case PROP_CAN_SUBMIT:
      g_value_set_boolean (value, self->can_submit);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sweep_dialog_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KsSweepDialog *self = KS_SWEEP_DIALOG (object);

  switch (prop_id)
    {
    case PROP_BASE:
      g_assert (self->base == NULL);
      self->base = ks_params_copy (g_value_get_object (value));
      break;
    case PROP_KIND:
      ks_sweep_dialog_set_kind (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sweep_dialog_class_init (KsSweepDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ks_sweep_dialog_constructed;
  object_class->dispose = ks_sweep_dialog_dispose;
  object_class->finalize = ks_sweep_dialog_finalize;
  object_class->get_property = ks_sweep_dialog_get_property;
  object_class->set_property = ks_sweep_dialog_set_property;

  properties[PROP_BASE] =
    g_param_spec_object ("base", NULL, NULL, KS_TYPE_PARAMS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, KS_TYPE_SWEEP_KIND, KS_SWEEP_SEEDS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_SUBMIT] =
    g_param_spec_boolean ("can-submit", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, KS_TYPE_SWEEP_KIND, G_TYPE_PTR_ARRAY);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/kontextstudio/KontextStudio/ks-sweep-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KsSweepDialog, seeds_check);
  gtk_widget_class_bind_template_child (widget_class, KsSweepDialog, guidance_check);
  gtk_widget_class_bind_template_child (widget_class, KsSweepDialog, seeds_spin);
  gtk_widget_class_bind_template_child (widget_class, KsSweepDialog, guidance_entry);
  gtk_widget_class_bind_template_child (widget_class, KsSweepDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, KsSweepDialog, summary_label);
  gtk_widget_class_bind_template_callback (widget_class, on_values_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);

  gtk_widget_class_install_action (widget_class, "sweep.submit", NULL, submit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ks_sweep_dialog_init (KsSweepDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ---- Public ------------------------------------------------------------ */

GtkWidget *
ks_sweep_dialog_new (GtkWindow *parent,
                     KsParams  *base)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KS_IS_PARAMS (base), NULL);

  return g_object_new (KS_TYPE_SWEEP_DIALOG,
                       "transient-for", parent,
                       "base", base,
                       NULL);
}

KsSweepKind
ks_sweep_dialog_get_kind (KsSweepDialog *self)
{
  g_return_val_if_fail (KS_IS_SWEEP_DIALOG (self), KS_SWEEP_SEEDS);

  return gtk_check_button_get_active (self->guidance_check) ? KS_SWEEP_GUIDANCE : KS_SWEEP_SEEDS;
}

void
ks_sweep_dialog_set_kind (KsSweepDialog *self,
                          KsSweepKind    kind)
{
  g_return_if_fail (KS_IS_SWEEP_DIALOG (self));

  /* The radio group notifies; on_kind_toggled() follows. */
  gtk_check_button_set_active (kind == KS_SWEEP_GUIDANCE ? self->guidance_check : self->seeds_check,
                               TRUE);
}

void
ks_sweep_dialog_set_n_seeds (KsSweepDialog *self,
                             guint          n_seeds)
{
  g_return_if_fail (KS_IS_SWEEP_DIALOG (self));

  gtk_spin_button_set_value (self->seeds_spin, n_seeds);
}

void
ks_sweep_dialog_set_guidance_text (KsSweepDialog *self,
                                   const char    *text)
{
  g_return_if_fail (KS_IS_SWEEP_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->guidance_entry), text != NULL ? text : "");
}

gboolean
ks_sweep_dialog_get_can_submit (KsSweepDialog *self)
{
  g_return_val_if_fail (KS_IS_SWEEP_DIALOG (self), FALSE);

  return self->can_submit;
}

GPtrArray *
ks_sweep_dialog_get_params (KsSweepDialog *self)
{
  g_return_val_if_fail (KS_IS_SWEEP_DIALOG (self), NULL);

  return self->params;
}

const char *
ks_sweep_dialog_get_error (KsSweepDialog *self)
{
  g_return_val_if_fail (KS_IS_SWEEP_DIALOG (self), NULL);

  return self->error;
}

const char *
ks_sweep_dialog_get_summary (KsSweepDialog *self)
{
  g_return_val_if_fail (KS_IS_SWEEP_DIALOG (self), NULL);

  return self->summary;
}

gboolean
ks_sweep_dialog_submit (KsSweepDialog *self)
{
  g_autoptr(GPtrArray) params = NULL;

  g_return_val_if_fail (KS_IS_SWEEP_DIALOG (self), FALSE);

  if (self->params == NULL)
    return FALSE;

  params = g_ptr_array_ref (self->params);
  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0, ks_sweep_dialog_get_kind (self), params);
  gtk_window_close (GTK_WINDOW (self));

  return TRUE;
}
