#define G_LOG_DOMAIN "ks-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-budget.h"
#include "ks-gui-compat.h"
#include "ks-preferences-window-private.h"

/* The Library page: where the library is, how much room it takes, the
 * trash, and what was spent against the monthly budget. */

void
_ks_preferences_window_update_library_actions (KsPreferencesWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  guint n_trashed = 0;

  if (self->library != NULL)
    n_trashed = g_list_model_get_n_items (ks_library_get_trash (self->library));

  gtk_widget_action_set_enabled (widget, "prefs.open-library", self->library != NULL);
  gtk_widget_action_set_enabled (widget, "prefs.empty-trash",
                                 self->library != NULL && !self->emptying && n_trashed > 0);
}

/* ---- spending ------------------------------------------------------------- */

static void
update_spending (KsPreferencesWindow *self)
{
  g_autofree char *text = NULL;

  if (self->library == NULL)
    return;

  text = ks_budget_describe (self->settings, self->library, g_get_real_time ());
  adw_action_row_set_subtitle (self->spent_row, text);
}

/* ---- size and trash ------------------------------------------------------- */

static void
update_trash_row (KsPreferencesWindow *self)
{
  guint n_trashed = g_list_model_get_n_items (ks_library_get_trash (self->library));
  g_autofree char *text = NULL;

  if (self->emptying)
    text = g_strdup (_("Emptying the trash…"));
  else if (n_trashed == 0)
    text = g_strdup (_("Empty. Jobs you delete stay here until the trash is emptied."));
  else
    /* Translators: jobs moved to the trash, not yet deleted */
    text = g_strdup_printf (ngettext ("%u job, kept until the trash is emptied",
                                      "%u jobs, kept until the trash is emptied",
                                      n_trashed),
                            n_trashed);

  adw_action_row_set_subtitle (self->trash_row, text);
  _ks_preferences_window_update_library_actions (self);
}

static void
measure_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint64 total = 0;
  guint64 in_trash = 0;

  if (!ks_library_measure_finish (KS_LIBRARY (object), result, &total, &in_trash, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->measure_cancellable);
  gtk_spinner_set_spinning (self->size_spinner, FALSE);

  if (error != NULL)
    {
      /* Translators: %s says why, e.g. "Permission denied" */
      text = g_strdup_printf (_("Could not be measured: %s"), error->message);
      adw_action_row_set_subtitle (self->size_row, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->size_row), "error");
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->size_row), "error");

  if (in_trash > 0)
    {
      g_autofree char *total_text = g_format_size (total);
      g_autofree char *trash_text = g_format_size (in_trash);

      /* Translators: sizes on disk, e.g. "1.2 GB, 36 MB in the trash" */
      text = g_strdup_printf (_("%s, %s in the trash"), total_text, trash_text);
    }
  else
    text = g_format_size (total);

  adw_action_row_set_subtitle (self->size_row, text);
}

static void
measure (KsPreferencesWindow *self)
{
  g_cancellable_cancel (self->measure_cancellable);
  g_clear_object (&self->measure_cancellable);

  self->measure_cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->size_spinner, TRUE);
  adw_action_row_set_subtitle (self->size_row, _("Measuring…"));

  ks_library_measure_async (self->library, self->measure_cancellable,
                            measure_cb, g_object_ref (self));
}

static void
on_trash_changed (KsPreferencesWindow *self)
{
  update_trash_row (self);
  update_spending (self);
  if (!self->emptying)
    measure (self);
}

static void
empty_trash_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint64 freed = 0;

  if (!ks_library_empty_trash_finish (KS_LIBRARY (object), result, &freed, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->emptying = FALSE;
  update_trash_row (self);
  measure (self);

  if (error != NULL)
    {
      /* Translators: %s says why, e.g. "Permission denied" */
      g_autofree char *text = g_strdup_printf (_("The trash was not emptied: %s"), error->message);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
      return;
    }

  {
    g_autofree char *size = g_format_size (freed);
    /* Translators: %s is a size, e.g. "36 MB" */
    g_autofree char *text = g_strdup_printf (_("Trash emptied: %s freed"), size);

    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
  }
}

static void
empty_trash (KsPreferencesWindow *self)
{
  if (self->emptying)
    return;

  self->emptying = TRUE;
  update_trash_row (self);

  /* The measurement would be stale the moment it lands. */
  g_cancellable_cancel (self->measure_cancellable);
  g_clear_object (&self->measure_cancellable);
  gtk_spinner_set_spinning (self->size_spinner, TRUE);

  ks_library_empty_trash_async (self->library, self->cancellable,
                                empty_trash_cb, g_object_ref (self));
}

static char *
empty_trash_body (KsPreferencesWindow *self)
{
  guint n_trashed = g_list_model_get_n_items (ks_library_get_trash (self->library));

  return g_strdup_printf (ngettext ("The job in the trash and its images will be deleted for good.",
                                    "The %u jobs in the trash and their images will be deleted for good.",
                                    n_trashed),
                          n_trashed);
}

static void
empty_trash_confirm_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;

  if (ks_gui_confirm_finish (result) && !g_cancellable_is_cancelled (self->cancellable))
    empty_trash (self);
}

static void
empty_trash_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (widget);
  g_autofree char *body = empty_trash_body (self);

  ks_gui_confirm_async (GTK_WINDOW (self), _("Empty the Trash?"), body,
                        "empty", _("_Empty Trash"),
                        self->cancellable, empty_trash_confirm_cb, g_object_ref (self));
}

/* ---- the folder ----------------------------------------------------------- */

static void
show_folder_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KsPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

#if GTK_CHECK_VERSION (4, 10, 0)
  if (gtk_file_launcher_launch_finish (GTK_FILE_LAUNCHER (object), result, &error))
    return;
#else
  if (gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error))
    return;
#endif

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->cancellable))
    return;

  /* Translators: %s says why, e.g. "No application is registered for folders" */
  text = g_strdup_printf (_("The folder could not be opened: %s"), error->message);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void
open_library_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (widget);
  GFile *directory = ks_library_get_directory (self->library);

#if GTK_CHECK_VERSION (4, 10, 0)
  g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (directory);

  gtk_file_launcher_launch (launcher, GTK_WINDOW (self), self->cancellable,
                            show_folder_cb, g_object_ref (self));
#else
  g_autofree char *uri = g_file_get_uri (directory);

  gtk_show_uri_full (GTK_WINDOW (self), uri, GDK_CURRENT_TIME, self->cancellable,
                     show_folder_cb, g_object_ref (self));
#endif
}

/* ---- setup ---------------------------------------------------------------- */

/* The folder as people write it: "~/.local/share/…" under the home folder. */
static char *
describe_location (GFile *directory)
{
  g_autoptr(GFile) home = g_file_new_for_path (g_get_home_dir ());
  g_autofree char *relative = g_file_get_relative_path (home, directory);
  g_autofree char *path = NULL;

  if (relative != NULL)
    return g_build_filename ("~", relative, NULL);

  path = g_file_get_path (directory);
  return path != NULL ? g_steal_pointer (&path) : g_file_get_uri (directory);
}

void
_ks_preferences_window_init_library (KsPreferencesWindow *self)
{
  KsLibrary *library = ks_session_get_library (self->session);
  g_autofree char *path = NULL;

  /* The budget is a setting whether or not there is a library. */
  g_settings_bind (self->settings, "monthly-budget",
                   self->budget_spin, "value", G_SETTINGS_BIND_DEFAULT);

  if (library == NULL)
    {
      adw_action_row_set_subtitle (self->location_row, _("The library is not available."));
      gtk_widget_set_visible (GTK_WIDGET (self->size_row), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->trash_row), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->spent_row), FALSE);
      return;
    }

  self->library = g_object_ref (library);

  path = describe_location (ks_library_get_directory (library));
  adw_action_row_set_subtitle (self->location_row, path);

  g_signal_connect_object (ks_library_get_trash (library), "items-changed",
                           G_CALLBACK (on_trash_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (ks_library_get_records (library), "items-changed",
                           G_CALLBACK (update_spending), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (library, "notify::loaded",
                           G_CALLBACK (update_spending), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "job-finished",
                           G_CALLBACK (update_spending), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::monthly-budget",
                           G_CALLBACK (update_spending), self, G_CONNECT_SWAPPED);
  /* Costs change with the jobs' states: show today's figures when shown. */
  g_signal_connect_object (self->library_page, "map",
                           G_CALLBACK (update_spending), self, G_CONNECT_SWAPPED);

  update_spending (self);
  update_trash_row (self);
  measure (self);
}

void
_ks_preferences_window_dispose_library (KsPreferencesWindow *self)
{
  g_cancellable_cancel (self->measure_cancellable);
  g_clear_object (&self->measure_cancellable);
  g_clear_object (&self->library);
}

void
_ks_preferences_window_class_init_library (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, library_page);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, location_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, size_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, size_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, trash_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, spent_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, budget_spin);

  gtk_widget_class_install_action (widget_class, "prefs.open-library", NULL, open_library_action);
  gtk_widget_class_install_action (widget_class, "prefs.empty-trash", NULL, empty_trash_action);
}
