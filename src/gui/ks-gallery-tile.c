#define G_LOG_DOMAIN "ks-gallery-tile"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-gallery-tile-private.h"
#include "ks-tooltip.h"
#include "ks-thumbnail-paintable.h"

#define TILE_SIZE KS_GALLERY_TILE_SIZE

/* Tooltips cost a good part of a tile's making, and most tiles are
 * images without badges: the badges get theirs when first shown. */
typedef enum {
  TOOLTIPS_SWEEP     = 1 << 0,
  TOOLTIPS_SIMULATED = 1 << 1,
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

void
_ks_gallery_tile_set_status_text (KsGalleryTile *self,
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
    case TOOLTIPS_SWEEP:
      ks_set_tooltip (self->sweep_button,
                                   _("Show every result of this sweep side by side"));
      break;
    case TOOLTIPS_SIMULATED:
      ks_set_tooltip (self->simulated_badge,
                                   _("Made by the built-in demo service, not by the real model"));
      break;
    default:
      g_assert_not_reached ();
    }
}

gboolean
_ks_gallery_tile_item_is_filtered (KsGalleryItem *item)
{
  const KsRecordImage *image = ks_gallery_item_get_image (item);

  return image != NULL && image->has_nsfw_concepts;
}

gboolean
_ks_gallery_tile_item_is_record (KsGalleryItem *item)
{
  return item != NULL && ks_gallery_item_get_image_index (item) < 0;
}

/* The job running the item's record in this process, while it runs. */
KsJob *
_ks_gallery_tile_item_running_job (KsGalleryItem *item)
{
  KsJob *job = item != NULL ? ks_gallery_item_get_job (item) : NULL;

  if (job == NULL || ks_job_state_is_finished (ks_job_get_state (job)))
    return NULL;

  return job;
}

/* The tolerance a filtered image's retry asks for: one step more
 * permissive than the job's, or 0 when it is already at the top. */
int
_ks_gallery_tile_retry_tolerance (KsGalleryTile *self)
{
  int tolerance = ks_gallery_item_get_safety_tolerance (self->item);

  return tolerance < KS_GALLERY_TILE_MAX_SAFETY_TOLERANCE ? tolerance + 1 : 0;
}

static void
update_actions (KsGalleryTile *self)
{
  KsRecordState state = KS_RECORD_STATE_COMPLETED;
  gboolean record_tile = _ks_gallery_tile_item_is_record (self->item);
  gboolean running = FALSE;

  if (record_tile)
    {
      state = ks_record_get_state (ks_gallery_item_get_record (self->item));
      running = _ks_gallery_tile_item_running_job (self->item) != NULL;
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
                                 _ks_gallery_tile_item_is_filtered (self->item) &&
                                 _ks_gallery_tile_retry_tolerance (self) > 0);
}

static void
update_image (KsGalleryTile *self)
{
  GdkTexture *thumbnail;

  /* A flagged image's pixels are never put on screen. */
  if (_ks_gallery_tile_item_is_filtered (self->item))
    {
      gtk_picture_set_paintable (self->picture, NULL);
      return;
    }

  /* The thumbnail itself is asked for when the tile is first drawn. */
  thumbnail = ks_gallery_item_get_thumbnail (self->item);
  if (thumbnail == NULL)
    gtk_picture_set_paintable (self->picture, NULL);
  else if (!KS_IS_THUMBNAIL_PAINTABLE (gtk_picture_get_paintable (self->picture)) ||
           ks_thumbnail_paintable_get_texture (KS_THUMBNAIL_PAINTABLE (gtk_picture_get_paintable (self->picture))) != thumbnail)
    {
      g_autoptr(KsThumbnailPaintable) paintable = ks_thumbnail_paintable_new (thumbnail);

      gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (paintable));
    }
  if (thumbnail == NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
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
      _ks_gallery_tile_stop_spinner (self);
      gtk_widget_set_visible (self->simulated_badge, FALSE);
      gtk_widget_set_visible (self->sweep_button, FALSE);
      gtk_widget_set_visible (self->caption_label, FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self), "simulated");
      _ks_gallery_tile_set_status_text (self, NULL);
      update_actions (self);
      return;
    }

  if (_ks_gallery_tile_item_is_record (self->item))
    _ks_gallery_tile_show_record (self);
  else if (_ks_gallery_tile_item_is_filtered (self->item))
    _ks_gallery_tile_show_filtered (self);
  else
    {
      _ks_gallery_tile_stop_spinner (self);
      gtk_stack_set_visible_child_name (self->stack, "image");
      gtk_label_set_text (GTK_LABEL (self->caption_label), ks_gallery_item_get_title (self->item));
      _ks_gallery_tile_set_status_text (self, ks_gallery_item_get_title (self->item));
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

static void
on_item_job_changed (KsGalleryTile *self)
{
  g_signal_group_set_target (self->job_signals,
                             _ks_gallery_tile_item_is_record (self->item)
                             ? ks_gallery_item_get_job (self->item) : NULL);
  _ks_gallery_tile_reload_logs (self);
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
  if (self->item == NULL || _ks_gallery_tile_item_is_record (self->item) ||
      _ks_gallery_tile_item_is_filtered (self->item))
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
  int tolerance = _ks_gallery_tile_retry_tolerance (self);

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
  GdkPaintable *paintable = gtk_picture_get_paintable (self->picture);

  /* How the thumbnail is drawn depends on the renderer (see
   * ks-thumbnail-paintable.h). */
  if (KS_IS_THUMBNAIL_PAINTABLE (paintable))
    ks_thumbnail_paintable_set_for_cairo (KS_THUMBNAIL_PAINTABLE (paintable),
                                          GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (gtk_widget_get_native (widget))));

  if (self->item != NULL &&
      !_ks_gallery_tile_item_is_record (self->item) &&
      !_ks_gallery_tile_item_is_filtered (self->item) &&
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

  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_GALLERY_TILE);
  _ks_gallery_tile_forget_pages (self);

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

  self->item_signals = g_signal_group_new (KS_TYPE_GALLERY_ITEM);
  g_signal_group_connect_swapped (self->item_signals, "notify::subtitle",
                                  G_CALLBACK (update), self);
  g_signal_group_connect_swapped (self->item_signals, "notify::thumbnail",
                                  G_CALLBACK (update_image), self);
  g_signal_group_connect_swapped (self->item_signals, "notify::job",
                                  G_CALLBACK (on_item_job_changed), self);

  self->job_signals = g_signal_group_new (KS_TYPE_JOB);
  g_signal_group_connect_swapped (self->job_signals, "log-added",
                                  G_CALLBACK (_ks_gallery_tile_add_log), self);

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
                             _ks_gallery_tile_item_is_record (item) ? ks_gallery_item_get_job (item) : NULL);

  _ks_gallery_tile_reload_logs (self);
  update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

const char *
ks_gallery_tile_get_status_text (KsGalleryTile *self)
{
  g_return_val_if_fail (KS_IS_GALLERY_TILE (self), NULL);

  return self->status_text;
}
