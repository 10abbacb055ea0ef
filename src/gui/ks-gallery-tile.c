#define G_LOG_DOMAIN "ks-gallery-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-tile.h"

#define TILE_SIZE KS_GALLERY_TILE_SIZE
#define MAX_SAFETY_TOLERANCE 6

struct _KsGalleryTile
{
  GtkWidget      parent_instance;

  KsGalleryItem *item;
  GSignalGroup  *item_signals;
  GSignalGroup  *job_signals;
  char          *status_text;
  GString       *logs;

  /* Template children */
  GtkWidget     *overlay;
  GtkStack      *stack;
  GtkPicture    *picture;
  GtkSpinner    *spinner;
  GtkLabel      *status_label;
  GtkLabel      *job_prompt_label;
  GtkWidget     *logs_button;
  GtkWidget     *cancel_button;
  GtkLabel      *logs_label;       /* made when the logs are first shown */
  GtkImage      *failed_icon;
  GtkLabel      *failed_title_label;
  GtkLabel      *reason_label;
  GtkWidget     *retry_button;
  AdwButtonContent *retry_content;
  GtkLabel      *filtered_detail_label;
  GtkLabel      *tolerance_label;
  GtkWidget     *tolerance_button;
  GtkWidget     *caption_label;
  GtkWidget     *simulated_badge;
  GtkWidget     *sweep_button;
  guint          tooltips_set;     /* TooltipGroup bits */
};

/* Tooltips cost a good part of a tile's making, and most tiles are
 * images: the buttons of the other pages get theirs when first shown. */
typedef enum {
  TOOLTIPS_JOB       = 1 << 0,
  TOOLTIPS_SWEEP     = 1 << 1,
  TOOLTIPS_SIMULATED = 1 << 2,
} TooltipGroup;

G_DEFINE_FINAL_TYPE (KsGalleryTile, ks_gallery_tile, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

enum {
  CANCEL_REQUESTED,
  RETRY_REQUESTED,
  RESUBMIT_REQUESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_status_text (KsGalleryTile *self,
                 const char    *text)
{
  if (g_strcmp0 (self->status_text, text) == 0)
    return;

  g_free (self->status_text);
  self->status_text = g_strdup (text);
}

static void
ensure_tooltips (KsGalleryTile *self,
                 TooltipGroup   group)
{
  if (self->tooltips_set & group)
    return;

  self->tooltips_set |= group;
  switch (group)
    {
    case TOOLTIPS_JOB:
      gtk_widget_set_tooltip_text (self->logs_button, _("Show Logs"));
      gtk_widget_set_tooltip_text (self->cancel_button, _("Cancel this job"));
      break;
    case TOOLTIPS_SWEEP:
      gtk_widget_set_tooltip_text (self->sweep_button,
                                   _("Show every result of this sweep side by side"));
      break;
    case TOOLTIPS_SIMULATED:
      gtk_widget_set_tooltip_text (self->simulated_badge,
                                   _("Made by the built-in demo service, not by the real model"));
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
item_is_filtered (KsGalleryItem *item)
{
  const KsRecordImage *image = ks_gallery_item_get_image (item);

  return image != NULL && image->has_nsfw_concepts;
}

static gboolean
item_is_record_tile (KsGalleryItem *item)
{
  return item != NULL && ks_gallery_item_get_image_index (item) < 0;
}

/* The job running the item's record in this process, while it runs. */
static KsJob *
item_get_running_job (KsGalleryItem *item)
{
  KsJob *job = item != NULL ? ks_gallery_item_get_job (item) : NULL;

  if (job == NULL || ks_job_state_is_finished (ks_job_get_state (job)))
    return NULL;

  return job;
}

/* The tolerance a filtered image's retry asks for: one step more
 * permissive than the job's, or 0 when it is already at the top. */
static int
retry_tolerance (KsGalleryTile *self)
{
  int tolerance = ks_gallery_item_get_safety_tolerance (self->item);

  return tolerance < MAX_SAFETY_TOLERANCE ? tolerance + 1 : 0;
}

static void
update_actions (KsGalleryTile *self)
{
  KsRecordState state = KS_RECORD_STATE_COMPLETED;
  gboolean record_tile = item_is_record_tile (self->item);
  gboolean running = FALSE;

  if (record_tile)
    {
      state = ks_record_get_state (ks_gallery_item_get_record (self->item));
      running = item_get_running_job (self->item) != NULL;
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.cancel", record_tile && running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.retry",
                                 record_tile && !running &&
                                 (state == KS_RECORD_STATE_FAILED ||
                                  state == KS_RECORD_STATE_CANCELLED ||
                                  state == KS_RECORD_STATE_EXPIRED));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.resubmit",
                                 record_tile && !running && state == KS_RECORD_STATE_UNKNOWN);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tile.retry-tolerance",
                                 self->item != NULL &&
                                 item_is_filtered (self->item) &&
                                 retry_tolerance (self) > 0);
}

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

static void
on_log_added (KsGalleryTile    *self,
              const KsLogEntry *entry)
{
  append_log (self, entry);
  update_logs (self);
}

static void
reload_logs (KsGalleryTile *self)
{
  KsJob *job;

  g_string_truncate (self->logs, 0);

  if (item_is_record_tile (self->item))
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

static void
update_image (KsGalleryTile *self)
{
  GdkTexture *thumbnail;

  /* A flagged image's pixels are never put on screen. */
  if (item_is_filtered (self->item))
    {
      gtk_picture_set_paintable (self->picture, NULL);
      return;
    }

  /* The thumbnail itself is asked for when the tile is first drawn. */
  thumbnail = ks_gallery_item_get_thumbnail (self->item);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (thumbnail));
  if (thumbnail == NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_filtered (KsGalleryTile *self)
{
  int tolerance = retry_tolerance (self);

  gtk_stack_set_visible_child_name (self->stack, "filtered");
  set_status_text (self, _("Filtered by the safety check"));
  gtk_label_set_text (self->filtered_detail_label, ks_gallery_item_get_title (self->item));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->filtered_detail_label),
                               ks_gallery_item_get_title (self->item));

  if (tolerance > 0)
    {
      g_autofree char *label = g_strdup_printf (_("Retry with tolerance %d"), tolerance);

      gtk_label_set_text (self->tolerance_label, label);
      gtk_widget_set_tooltip_text (self->tolerance_button,
                                   _("Submit the same job again with a more permissive safety tolerance"));
    }
  else
    {
      gtk_label_set_text (self->tolerance_label, _("Already at the most permissive tolerance"));
      gtk_widget_set_tooltip_text (self->tolerance_button,
                                   _("The safety tolerance is already at its most permissive, 6"));
    }
  /* The name follows the words on the button (the .ui gives one for
   * before they are set). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->tolerance_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_text (self->tolerance_label),
                                  -1);
}

static void
show_ended (KsGalleryTile *self,
            const char    *icon_name,
            const char    *icon_class,
            const char    *title,
            const char    *reason,
            gboolean       reason_dim,
            const char    *tooltip)
{
  gtk_stack_set_visible_child_name (self->stack, "failed");
  gtk_image_set_from_icon_name (self->failed_icon, icon_name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->failed_icon), "dim-label");
  gtk_widget_remove_css_class (GTK_WIDGET (self->failed_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->failed_icon), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->failed_icon), icon_class);
  gtk_label_set_text (self->failed_title_label, title);
  gtk_label_set_text (self->reason_label, reason);
  if (reason_dim)
    gtk_widget_add_css_class (GTK_WIDGET (self->reason_label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->reason_label), "dim-label");
  /* The label shows at most four lines; the tooltip has it all. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->reason_label), tooltip != NULL ? tooltip : reason);
  gtk_spinner_stop (self->spinner);
}

static void
set_retry_button (KsGalleryTile *self,
                  gboolean       resubmit)
{
  if (resubmit)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "tile.resubmit");
      adw_button_content_set_label (self->retry_content, _("_Resubmit…"));
      gtk_widget_set_tooltip_text (self->retry_button,
                                   _("Send the same job again. If the first one reached the service, "
                                     "it is billed twice."));
    }
  else
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->retry_button), "tile.retry");
      adw_button_content_set_label (self->retry_content, _("_Retry"));
      gtk_widget_set_tooltip_text (self->retry_button,
                                   ks_record_can_follow_again (ks_gallery_item_get_record (self->item))
                                   ? _("Fetch the result of the same request again, at no new cost")
                                   : _("Submit the same job again"));
    }
}

/* A record's own tile: where its job is, or how it ended. */
static void
update_record (KsGalleryTile *self)
{
  KsRecord *record = ks_gallery_item_get_record (self->item);
  KsRecordState state = ks_record_get_state (record);
  const char *title = ks_gallery_item_get_title (self->item);
  g_autofree char *words = ks_gallery_item_dup_subtitle (self->item);
  gboolean running = item_get_running_job (self->item) != NULL;

  /* The Retry button is on the page of jobs that ended without images. */
  if (state == KS_RECORD_STATE_FAILED || state == KS_RECORD_STATE_CANCELLED ||
      state == KS_RECORD_STATE_EXPIRED || state == KS_RECORD_STATE_UNKNOWN)
    set_retry_button (self, state == KS_RECORD_STATE_UNKNOWN);

  switch (state)
    {
    case KS_RECORD_STATE_FAILED:
      show_ended (self, "dialog-error-symbolic", "error", _("Failed"), words, FALSE, NULL);
      break;

    case KS_RECORD_STATE_CANCELLED:
      show_ended (self, "process-stop-symbolic", "dim-label", words, title, TRUE, NULL);
      break;

    case KS_RECORD_STATE_EXPIRED:
      {
        const char *request_id = ks_record_get_request_id (record);
        g_autofree char *tooltip = NULL;

        if (request_id != NULL)
          tooltip = g_strdup_printf (_("The service no longer had the result of request %s when asked."),
                                     request_id);
        show_ended (self, "document-open-recent-symbolic", "dim-label", words, title, TRUE, NULL);
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->failed_title_label), tooltip);
      }
      break;

    case KS_RECORD_STATE_UNKNOWN:
      show_ended (self, "dialog-warning-symbolic", "warning", words, title, TRUE, NULL);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->failed_title_label),
                                   _("Kontext Studio stopped while this job was being sent: "
                                     "the service may have received it, and billed it."));
      break;

    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
    case KS_RECORD_STATE_COMPLETED:
      gtk_stack_set_visible_child_name (self->stack, "job");
      ensure_tooltips (self, TOOLTIPS_JOB);
      gtk_label_set_text (self->status_label, words);
      gtk_label_set_text (self->job_prompt_label, title);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->job_prompt_label), title);
      /* A record left unfinished by an earlier run and not taken up (another
       * service) is not moving: no spinner then. */
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
      gtk_spinner_set_spinning (self->spinner, running);
      gtk_widget_set_visible (self->cancel_button, running);
      break;

    default:
      g_assert_not_reached ();
    }

  if (state != KS_RECORD_STATE_EXPIRED && state != KS_RECORD_STATE_UNKNOWN)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->failed_title_label), NULL);

  set_status_text (self, words);
}

/* A result of a sweep leads to the whole sweep's contact sheet. */
static void
update_sweep_button (KsGalleryTile *self)
{
  const char *batch_id = ks_record_get_batch_id (ks_gallery_item_get_record (self->item));

  gtk_widget_set_visible (self->sweep_button, batch_id != NULL);
  /* The target first: an action name without it would be activated with none. */
  if (batch_id != NULL)
    {
      ensure_tooltips (self, TOOLTIPS_SWEEP);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->sweep_button), "s", batch_id);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->sweep_button), "win.show-batch");
    }
  else
    gtk_actionable_set_action_name (GTK_ACTIONABLE (self->sweep_button), NULL);
}

static void
update (KsGalleryTile *self)
{
  g_autofree char *accessible = NULL;
  gboolean image_shown = FALSE;

  if (self->item == NULL)
    {
      gtk_picture_set_paintable (self->picture, NULL);
      gtk_spinner_stop (self->spinner);
      gtk_widget_set_visible (self->simulated_badge, FALSE);
      gtk_widget_set_visible (self->sweep_button, FALSE);
      gtk_widget_set_visible (self->caption_label, FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self), "simulated");
      set_status_text (self, NULL);
      update_actions (self);
      return;
    }

  if (item_is_record_tile (self->item))
    update_record (self);
  else if (item_is_filtered (self->item))
    {
      gtk_spinner_stop (self->spinner);
      update_filtered (self);
    }
  else
    {
      gtk_spinner_stop (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "image");
      gtk_label_set_text (GTK_LABEL (self->caption_label), ks_gallery_item_get_title (self->item));
      set_status_text (self, ks_gallery_item_get_title (self->item));
      update_image (self);
      image_shown = TRUE;
    }

  gtk_widget_set_visible (self->caption_label, image_shown);
  gtk_widget_set_visible (self->simulated_badge, ks_gallery_item_get_simulated (self->item));
  update_sweep_button (self);
  /* Words on a simulated tile start below the badge. */
  if (ks_gallery_item_get_simulated (self->item))
    {
      ensure_tooltips (self, TOOLTIPS_SIMULATED);
      gtk_widget_add_css_class (GTK_WIDGET (self), "simulated");
    }
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "simulated");

  accessible = g_strdup_printf ("%s, %s", ks_gallery_item_get_title (self->item),
                                self->status_text != NULL ? self->status_text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  /* The image itself carries the prompt as its alternative text. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ks_gallery_item_get_title (self->item),
                                  -1);
  update_actions (self);
}

/* The logs popover is made on first use: most tiles never show it, and a
 * grid makes many tiles while scrolling. */
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

static void
on_item_job_changed (KsGalleryTile *self)
{
  g_signal_group_set_target (self->job_signals,
                             item_is_record_tile (self->item)
                             ? ks_gallery_item_get_job (self->item) : NULL);
  reload_logs (self);
  update (self);
}

/* ---- Drag and drop ---------------------------------------------------- */

static GdkContentProvider *
on_drag_prepare (KsGalleryTile *self,
                 double         x,
                 double         y,
                 GtkDragSource *source)
{
  /* Record tiles have nothing to give; filtered images are never handed out. */
  if (self->item == NULL || item_is_record_tile (self->item) ||
      item_is_filtered (self->item))
    return NULL;

  return ks_gallery_item_create_content (self->item);
}

static void
on_drag_begin (KsGalleryTile *self,
               GdkDrag       *drag,
               GtkDragSource *source)
{
  GdkTexture *thumbnail = ks_gallery_item_get_thumbnail (self->item);

  if (thumbnail != NULL)
    gtk_drag_source_set_icon (source, GDK_PAINTABLE (thumbnail),
                              gdk_texture_get_width (thumbnail) / 4,
                              gdk_texture_get_height (thumbnail) / 4);
}

/* ---- Actions ---------------------------------------------------------- */

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[CANCEL_REQUESTED], 0);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  g_signal_emit (widget, signals[RETRY_REQUESTED], 0, -1);
}

static void
resubmit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  g_signal_emit (widget, signals[RESUBMIT_REQUESTED], 0);
}

static void
retry_tolerance_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  KsGalleryTile *self = KS_GALLERY_TILE (widget);
  int tolerance = retry_tolerance (self);

  if (tolerance > 0)
    g_signal_emit (widget, signals[RETRY_REQUESTED], 0, tolerance);
}

/* ---- GtkWidget -------------------------------------------------------- */

/* GNOME's text scaling factor reaches GTK as gtk-xft-dpi (96 dpi, in
 * 1/1024, at 1.0); tiles grow with it, and never shrink below the size
 * the thumbnails are made for. */
int
ks_gallery_tile_get_size (GtkWidget *widget)
{
  int dpi = -1;
  double scale = 1.0;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), TILE_SIZE);

  g_object_get (gtk_widget_get_settings (widget), "gtk-xft-dpi", &dpi, NULL);
  if (dpi > 0)
    scale = CLAMP (dpi / (96.0 * 1024.0), 1.0, 4.0);

  return (int) (TILE_SIZE * scale + 0.5);
}

/* The badges share the top edge, "Simulated" at the start and "Sweep" at
 * the end. When they do not fit side by side (a long translation), the
 * sweep badge goes below the other one: never over it. */
static gboolean
on_overlay_get_child_position (KsGalleryTile *self,
                               GtkWidget     *child,
                               GdkRectangle  *allocation,
                               GtkOverlay    *overlay)
{
  int width = gtk_widget_get_width (GTK_WIDGET (overlay));
  GtkRequisition sweep;

  if (child != self->sweep_button)
    return FALSE;

  gtk_widget_get_preferred_size (child, NULL, &sweep);
  allocation->width = MIN (sweep.width, width);
  allocation->height = sweep.height;
  allocation->x = gtk_widget_get_direction (child) == GTK_TEXT_DIR_RTL ? 0 : width - allocation->width;
  allocation->y = 0;

  if (gtk_widget_get_visible (self->simulated_badge))
    {
      GtkRequisition simulated;

      gtk_widget_get_preferred_size (self->simulated_badge, NULL, &simulated);
      /* Each has its 8 px margin on the outer sides: 4 px between them. */
      if (simulated.width + allocation->width - 4 > width)
        allocation->y = simulated.height - 4;
    }

  return TRUE;
}

static void
ks_gallery_tile_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  KsGalleryTile *self = KS_GALLERY_TILE (widget);
  int size = ks_gallery_tile_get_size (widget);
  int child_min = 0;

  gtk_widget_measure (self->overlay, orientation,
                      for_size < 0 ? size : for_size,
                      &child_min, NULL, NULL, NULL);

  *minimum = *natural = MAX (size, child_min);
}

static void
ks_gallery_tile_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  KsGalleryTile *self = KS_GALLERY_TILE (widget);

  gtk_widget_allocate (self->overlay, width, height, baseline, NULL);
}

/* A grid makes, and briefly maps, far more tiles than it shows: the
 * thumbnail is decoded and scaled only for a tile that is drawn. */
static void
ks_gallery_tile_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  KsGalleryTile *self = KS_GALLERY_TILE (widget);

  if (self->item != NULL &&
      !item_is_record_tile (self->item) &&
      !item_is_filtered (self->item) &&
      ks_gallery_item_get_thumbnail (self->item) == NULL)
    ks_gallery_item_ensure_thumbnail (self->item,
                                      ks_gallery_tile_get_size (widget) * gtk_widget_get_scale_factor (widget));

  GTK_WIDGET_CLASS (ks_gallery_tile_parent_class)->snapshot (widget, snapshot);
}

/* ---- GObject ---------------------------------------------------------- */

static void
ks_gallery_tile_dispose (GObject *object)
{
  KsGalleryTile *self = KS_GALLERY_TILE (object);

  if (self->item_signals != NULL)
    g_signal_group_set_target (self->item_signals, NULL);
  if (self->job_signals != NULL)
    g_signal_group_set_target (self->job_signals, NULL);
  g_clear_object (&self->item);
  self->logs_label = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_GALLERY_TILE);

  G_OBJECT_CLASS (ks_gallery_tile_parent_class)->dispose (object);
}

static void
ks_gallery_tile_finalize (GObject *object)
{
  KsGalleryTile *self = KS_GALLERY_TILE (object);

  g_clear_object (&self->item_signals);
  g_clear_object (&self->job_signals);
  g_clear_pointer (&self->status_text, g_free);
  g_string_free (self->logs, TRUE);

  G_OBJECT_CLASS (ks_gallery_tile_parent_class)->finalize (object);
}

static void
ks_gallery_tile_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsGalleryTile *self = KS_GALLERY_TILE (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_tile_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KsGalleryTile *self = KS_GALLERY_TILE (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      ks_gallery_tile_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_gallery_tile_class_init (KsGalleryTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_gallery_tile_dispose;
  object_class->finalize = ks_gallery_tile_finalize;
  object_class->get_property = ks_gallery_tile_get_property;
  object_class->set_property = ks_gallery_tile_set_property;

  widget_class->measure = ks_gallery_tile_measure;
  widget_class->size_allocate = ks_gallery_tile_size_allocate;
  widget_class->snapshot = ks_gallery_tile_snapshot;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         KS_TYPE_GALLERY_ITEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CANCEL_REQUESTED] =
    g_signal_new ("cancel-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /* @safety: -1 to keep the job's tolerance, else the tolerance to use. */
  signals[RETRY_REQUESTED] =
    g_signal_new ("retry-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);

  /* An UNKNOWN job's "Resubmit…": the window asks first. */
  signals[RESUBMIT_REQUESTED] =
    g_signal_new ("resubmit-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-gallery-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, overlay);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, stack);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, picture);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, spinner);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, status_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, job_prompt_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, logs_button);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, failed_icon);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, failed_title_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, reason_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, retry_button);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, retry_content);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, filtered_detail_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, tolerance_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, tolerance_button);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, caption_label);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, simulated_badge);
  gtk_widget_class_bind_template_child (widget_class, KsGalleryTile, sweep_button);
  gtk_widget_class_bind_template_callback (widget_class, on_overlay_get_child_position);

  gtk_widget_class_install_action (widget_class, "tile.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "tile.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "tile.resubmit", NULL, resubmit_action);
  gtk_widget_class_install_action (widget_class, "tile.retry-tolerance", NULL, retry_tolerance_action);

  gtk_widget_class_set_css_name (widget_class, "ks-gallery-tile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
ks_gallery_tile_init (KsGalleryTile *self)
{
  GtkDragSource *drag_source;

  self->logs = g_string_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->logs_button),
                                         create_logs_popover, self, NULL);

  self->item_signals = g_signal_group_new (KS_TYPE_GALLERY_ITEM);
  g_signal_group_connect_swapped (self->item_signals, "notify::subtitle",
                                  G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->item_signals, "notify::thumbnail",
                                  G_CALLBACK (update_image), self);
  g_signal_group_connect_swapped (self->item_signals, "notify::job",
                                  G_CALLBACK (on_item_job_changed), self);

  self->job_signals = g_signal_group_new (KS_TYPE_JOB);
  g_signal_group_connect_swapped (self->job_signals, "log-added",
                                  G_CALLBACK (on_log_added), self);

  drag_source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (drag_source, GDK_ACTION_COPY);
  g_signal_connect_object (drag_source, "prepare",
                           G_CALLBACK (on_drag_prepare), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (drag_source, "drag-begin",
                           G_CALLBACK (on_drag_begin), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag_source));

  update (self);
}

GtkWidget *
ks_gallery_tile_new (void)
{
  return g_object_new (KS_TYPE_GALLERY_TILE, NULL);
}

KsGalleryItem *
ks_gallery_tile_get_item (KsGalleryTile *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_TILE (self), NULL);

  return self->item;
}

void
ks_gallery_tile_set_item (KsGalleryTile *self,
                          KsGalleryItem *item)
{
  g_return_if_fail (KS_IS_GALLERY_TILE (self));
  g_return_if_fail (item == NULL || KS_IS_GALLERY_ITEM (item));

  if (!g_set_object (&self->item, item))
    return;

  g_signal_group_set_target (self->item_signals, item);
  g_signal_group_set_target (self->job_signals,
                             item_is_record_tile (item) ? ks_gallery_item_get_job (item) : NULL);

  reload_logs (self);
  update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

const char *
ks_gallery_tile_get_status_text (KsGalleryTile *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_TILE (self), NULL);

  return self->status_text;
}
