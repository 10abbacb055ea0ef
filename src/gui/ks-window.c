#define G_LOG_DOMAIN "ks-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-window.h"

struct _KsWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwWindowTitle       *window_title;
  AdwStatusPage        *status_page;
  GtkLabel             *reference_label;

  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (KsWindow, ks_window, ADW_TYPE_APPLICATION_WINDOW)

KsWindow *
ks_window_new (KsApplication *application)
{
  g_return_val_if_fail (KS_IS_APPLICATION (application), NULL);

  return g_object_new (KS_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

void
ks_window_set_references (KsWindow  *self,
                          GFile    **files,
                          int        n_files)
{
  g_autoptr(GString) text = NULL;

  g_return_if_fail (KS_IS_WINDOW (self));
  g_return_if_fail (n_files == 0 || files != NULL);

  if (n_files <= 0)
    {
      gtk_label_set_label (self->reference_label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->reference_label), FALSE);
      return;
    }

  text = g_string_new (NULL);
  g_string_append (text, g_dngettext (GETTEXT_PACKAGE,
                                      "Reference image:",
                                      "Reference images:",
                                      n_files));
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_file_get_parse_name (files[i]);

      g_string_append_c (text, '\n');
      g_string_append (text, name);
    }

  gtk_label_set_label (self->reference_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->reference_label), TRUE);
}

static void
ks_window_notify_application (KsWindow   *self,
                              GParamSpec *pspec,
                              gpointer    user_data)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  gboolean demo = KS_IS_APPLICATION (app) && ks_application_get_demo (KS_APPLICATION (app));

  adw_window_title_set_subtitle (self->window_title, demo ? _("Simulated service") : NULL);
}

static void
ks_window_dispose (GObject *object)
{
  KsWindow *self = KS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_window_parent_class)->dispose (object);
}

static void
ks_window_class_init (KsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, reference_label);
}

static void
ks_window_init (KsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  adw_status_page_set_icon_name (self->status_page, APP_ID);

  /* The size is restored from and saved to the settings as it changes. */
  self->settings = g_settings_new (KS_SETTINGS_SCHEMA_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  /* "application" is set after construction: follow it. */
  g_signal_connect (self, "notify::application", G_CALLBACK (ks_window_notify_application), NULL);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}
