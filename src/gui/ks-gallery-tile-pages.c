/* ks-gallery-tile-pages.c: a gallery tile's pages other than its image
 *
 * Most tiles of a grid show an image all their life. The words and
 * buttons of a running job, of a job that ended without images and of a
 * flagged image are built the first time a tile shows one of them: a
 * grid that takes in a dozen new results makes a dozen small tiles, not a
 * dozen whole forms, in the frame that lays them out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-gallery-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-tile-private.h"
#include "ks-tooltip.h"

#define PAGES_RESOURCE RESOURCE_PREFIX "/ks-gallery-tile-pages.ui"

/* Builds the page @id from the pages' .ui and adds it to the stack as
 * @name; returns the builder to take its children from. */
static GtkBuilder *
add_page (KsGalleryTile *self,
          const char    *id,
          const char    *name)
{
  GtkBuilder *builder = gtk_builder_new ();
  const char *ids[] = { id, NULL };
  g_autoptr(GError) error = NULL;

  /* The .ui is ours, in the resources: failing to read it is a bug. */
  if (!gtk_builder_add_objects_from_resource (builder, PAGES_RESOURCE, ids, &error))
    g_error ("%s", error->message);

  gtk_stack_add_named (self->stack, GTK_WIDGET (gtk_builder_get_object (builder, id)), name);

  return builder;
}

#define GET(builder, type, name) type (gtk_builder_get_object ((builder), (name)))

void
_ks_gallery_tile_forget_pages (KsGalleryTile *self)
{
  self->spinner = NULL;
  self->status_label = NULL;
  self->job_prompt_label = NULL;
  self->logs_button = NULL;
  self->cancel_button = NULL;
  self->logs_label = NULL;
  self->failed_icon = NULL;
  self->failed_title_label = NULL;
  self->reason_label = NULL;
  self->retry_button = NULL;
  self->retry_content = NULL;
  self->filtered_detail_label = NULL;
  self->tolerance_label = NULL;
  self->tolerance_button = NULL;
}

/* ---- Logs ----------------------------------------------------------------- */

static void
update_logs (KsGalleryTile *self)
{
  if (self->logs_label == NULL)
    return;

  if (self->logs->len == 0)
    gtk_label_set_text (self->logs_label, _("No log lines yet."));
  else
    gtk_label_set_text (self->logs_label, self->logs->str);
}

static void
append_log (KsGalleryTile    *self,
            const KsLogEntry *entry)
{
  if (entry == NULL || entry->message == NULL)
    return;

  if (self->logs->len > 0)
    g_string_append_c (self->logs, '\n');
  g_string_append (self->logs, entry->message);
}

void
_ks_gallery_tile_add_log (KsGalleryTile    *self,
                          const KsLogEntry *entry)
{
  append_log (self, entry);
  update_logs (self);
}

void
_ks_gallery_tile_reload_logs (KsGalleryTile *self)
{
  KsJob *job;

  g_string_truncate (self->logs, 0);

  if (_ks_gallery_tile_item_is_record (self->item))
    {
      job = ks_gallery_item_get_job (self->item);
      if (job != NULL)
        {
          GPtrArray *logs = ks_job_get_logs (job);

          for (guint i = 0; logs != NULL && i < logs->len; i++)
            append_log (self, g_ptr_array_index (logs, i));
        }
      else
        {
          /* A job from an earlier run: what the library kept of its logs. */
          const char *summary = ks_record_get_logs_summary (ks_gallery_item_get_record (self->item));

          if (summary != NULL)
            g_string_append (self->logs, summary);
        }
    }

  update_logs (self);
}

/* The logs popover is made on first use: most job tiles never show it. */
static void
create_logs_popover (GtkMenuButton *button,
                     gpointer       user_data)
{
  KsGalleryTile *self = user_data;
  GtkWidget *popover, *scrolled, *label;

  if (gtk_menu_button_get_popover (button) != NULL)
    return;

  label = gtk_label_new (NULL);
  gtk_widget_set_name (label, "logs_label");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "caption");

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  gtk_widget_set_size_request (scrolled, 320, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), label);

  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), scrolled);
  gtk_menu_button_set_popover (button, popover);

  self->logs_label = GTK_LABEL (label);
  update_logs (self);
}

/* ---- A job on its way ------------------------------------------------------- */

static void
ensure_job_page (KsGalleryTile *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->spinner != NULL)
    return;

  builder = add_page (self, "job_page", "job");
  self->spinner = GET (builder, GTK_SPINNER, "spinner");
  self->status_label = GET (builder, GTK_LABEL, "status_label");
  self->job_prompt_label = GET (builder, GTK_LABEL, "job_prompt_label");
  self->logs_button = GET (builder, GTK_WIDGET, "logs_button");
  self->cancel_button = GET (builder, GTK_WIDGET, "cancel_button");

  ks_set_tooltip (self->logs_button, _("Show Logs"));
  ks_set_tooltip (self->cancel_button, _("Cancel this job"));
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->logs_button),
                                         create_logs_popover, self, NULL);
}

void
_ks_gallery_tile_stop_spinner (KsGalleryTile *self)
{
  if (self->spinner != NULL)
    gtk_spinner_stop (self->spinner);
}

/* ---- A job that ended without images ------------------------------------------ */

static void
ensure_ended_page (KsGalleryTile *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->failed_icon != NULL)
    return;

  builder = add_page (self, "ended_page", "failed");
  self->failed_icon = GET (builder, GTK_IMAGE, "failed_icon");
  self->failed_title_label = GET (builder, GTK_LABEL, "failed_title_label");
  self->reason_label = GET (builder, GTK_LABEL, "reason_label");
  self->retry_button = GET (builder, GTK_WIDGET, "retry_button");
  self->retry_content = GET (builder, ADW_BUTTON_CONTENT, "retry_content");
}

static void
show_ended (KsGalleryTile *self,
            const char    *icon_name,
            const char    *icon_class,
            const char    *title,
            const char    *reason,
            gboolean       reason_dim,
            const char    *title_tooltip)
{
  ensure_ended_page (self);
  gtk_stack_set_visible_child_name (self->stack, "failed");
  gtk_image_set_from_icon_name (self->failed_icon, icon_name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->failed_icon), "dim-label");
  gtk_widget_remove_css_class (GTK_WIDGET (self->failed_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->failed_icon), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->failed_icon), icon_class);
  gtk_label_set_text (self->failed_title_label, title);
  ks_set_tooltip (GTK_WIDGET (self->failed_title_label), title_tooltip);
  gtk_label_set_text (self->reason_label, reason);
  if (reason_dim)
    gtk_widget_add_css_class (GTK_WIDGET (self->reason_label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->reason_label), "dim-label");
  /* The label shows at most four lines; the tooltip has it all. */
  ks_set_tooltip (GTK_WIDGET (self->reason_label), reason);
  _ks_gallery_tile_stop_spinner (self);
}

static void
set_retry_button (KsGalleryTile *self,
                  gboolean       resubmit)
{
  if (resubmit)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "tile.resubmit");
      adw_button_content_set_label (self->retry_content, _("_Resubmit…"));
      ks_set_tooltip (self->retry_button,
                                   _("Send the same job again. If the first one reached the service, "
                                     "it is billed twice."));
    }
  else
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "tile.retry");
      adw_button_content_set_label (self->retry_content, _("_Retry"));
      ks_set_tooltip (self->retry_button,
                                   ks_record_can_follow_again (ks_gallery_item_get_record (self->item))
                                   ? _("Fetch the result of the same request again, at no new cost")
                                   : _("Submit the same job again"));
    }
}

/* ---- A record's own tile ------------------------------------------------------- */

/* Where a record's job is, or how it ended. */
void
_ks_gallery_tile_show_record (KsGalleryTile *self)
{
  KsRecord *record = ks_gallery_item_get_record (self->item);
  KsRecordState state = ks_record_get_state (record);
  const char *title = ks_gallery_item_get_title (self->item);
  g_autofree char *words = ks_gallery_item_dup_subtitle (self->item);
  gboolean running = _ks_gallery_tile_item_running_job (self->item) != NULL;

  switch (state)
    {
    case KS_RECORD_STATE_FAILED:
      show_ended (self, "dialog-error-symbolic", "error", _("Failed"), words, FALSE, NULL);
      set_retry_button (self, FALSE);
      break;

    case KS_RECORD_STATE_CANCELLED:
      show_ended (self, "process-stop-symbolic", "dim-label", words, title, TRUE, NULL);
      set_retry_button (self, FALSE);
      break;

    case KS_RECORD_STATE_EXPIRED:
      {
        const char *request_id = ks_record_get_request_id (record);
        g_autofree char *tooltip = NULL;

        if (request_id != NULL)
          tooltip = g_strdup_printf (_("The service no longer had the result of request %s when asked."),
                                     request_id);
        show_ended (self, "document-open-recent-symbolic", "dim-label", words, title, TRUE, tooltip);
        set_retry_button (self, FALSE);
      }
      break;

    case KS_RECORD_STATE_UNKNOWN:
      show_ended (self, "dialog-warning-symbolic", "warning", words, title, TRUE,
                  _("Kontext Studio stopped while this job was being sent: "
                    "the service may have received it, and billed it."));
      set_retry_button (self, TRUE);
      break;

    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
    case KS_RECORD_STATE_COMPLETED:
      ensure_job_page (self);
      gtk_stack_set_visible_child_name (self->stack, "job");
      gtk_label_set_text (self->status_label, words);
      gtk_label_set_text (self->job_prompt_label, title);
      ks_set_tooltip (GTK_WIDGET (self->job_prompt_label), title);
      /* A record left unfinished by an earlier run and not taken up (another
       * service) is not moving: no spinner then. */
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
      gtk_spinner_set_spinning (self->spinner, running);
      gtk_widget_set_visible (self->cancel_button, running);
      break;

    default:
      g_assert_not_reached ();
    }

  _ks_gallery_tile_set_status_text (self, words);
}

/* ---- A flagged image ------------------------------------------------------------ */

static void
ensure_filtered_page (KsGalleryTile *self)
{
  g_autoptr(GtkBuilder) builder = NULL;

  if (self->tolerance_button != NULL)
    return;

  builder = add_page (self, "filtered_page", "filtered");
  self->filtered_detail_label = GET (builder, GTK_LABEL, "filtered_detail_label");
  self->tolerance_label = GET (builder, GTK_LABEL, "tolerance_label");
  self->tolerance_button = GET (builder, GTK_WIDGET, "tolerance_button");
}

void
_ks_gallery_tile_show_filtered (KsGalleryTile *self)
{
  int tolerance = _ks_gallery_tile_retry_tolerance (self);

  _ks_gallery_tile_stop_spinner (self);
  ensure_filtered_page (self);
  gtk_stack_set_visible_child_name (self->stack, "filtered");
  _ks_gallery_tile_set_status_text (self, _("Filtered by the safety check"));
  gtk_label_set_text (self->filtered_detail_label, ks_gallery_item_get_title (self->item));
  ks_set_tooltip (GTK_WIDGET (self->filtered_detail_label),
                               ks_gallery_item_get_title (self->item));

  if (tolerance > 0)
    {
      g_autofree char *label = g_strdup_printf (_("Retry with tolerance %d"), tolerance);

      gtk_label_set_text (self->tolerance_label, label);
      ks_set_tooltip (self->tolerance_button,
                                   _("Submit the same job again with a more permissive safety tolerance"));
    }
  else
    {
      gtk_label_set_text (self->tolerance_label, _("Already at the most permissive tolerance"));
      ks_set_tooltip (self->tolerance_button,
                                   _("The safety tolerance is already at its most permissive, 6"));
    }
  /* The name follows the words on the button (the .ui gives one for
   * before they are set). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->tolerance_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_text (self->tolerance_label),
                                  -1);
}
