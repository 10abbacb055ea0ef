#define G_LOG_DOMAIN "ks-image-view"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-image-view-private.h"


G_DEFINE_FINAL_TYPE (KsImageView, ks_image_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PAINTABLE,
  PROP_FILE,
  PROP_LOADING,
  PROP_ERROR,
  PROP_ZOOM,
  PROP_FIT,
  PROP_CENTER_X,
  PROP_CENTER_Y,
  N_PROPS
};

enum {
  VIEW_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- Geometry ------------------------------------------------------------- */

void
_ks_image_view_get_frame (KsImageView *self,
           double      *width,
           double      *height)
{
  if (self->frame_width > 0 && self->frame_height > 0)
    {
      *width = self->frame_width;
      *height = self->frame_height;
    }
  else
    {
      *width = self->image_width;
      *height = self->image_height;
    }
}

gboolean
_ks_image_view_has_geometry (KsImageView *self)
{
  double fw, fh;

  _ks_image_view_get_frame (self, &fw, &fh);
  return fw > 0 && fh > 0 &&
         gtk_widget_get_width (GTK_WIDGET (self)) > 0 &&
         gtk_widget_get_height (GTK_WIDGET (self)) > 0;
}

double
ks_image_view_get_fit_zoom (KsImageView *self)
{
  int scale;
  double fw, fh;

  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), 1.0);

  if (!_ks_image_view_has_geometry (self))
    return 1.0;

  scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  _ks_image_view_get_frame (self, &fw, &fh);
  return MIN (gtk_widget_get_width (GTK_WIDGET (self)) * scale / fw,
              gtk_widget_get_height (GTK_WIDGET (self)) * scale / fh);
}

static double
clamp_zoom (KsImageView *self,
            double       zoom)
{
  double low = MIN (ks_image_view_get_fit_zoom (self), KS_IMAGE_VIEW_MIN_ZOOM);

  return CLAMP (zoom, low, KS_IMAGE_VIEW_MAX_ZOOM);
}

/* Along one axis: a frame smaller than the view is centred, a larger one
 * may not show anything beyond its edges. */
static double
clamp_axis (double center,
            double frame,
            double view_extent)
{
  if (view_extent >= frame)
    return frame / 2;
  return CLAMP (center, view_extent / 2, frame - view_extent / 2);
}

static void
clamp_center (KsImageView *self,
              double       zoom,
              double      *x,
              double      *y)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double fw, fh;

  if (!_ks_image_view_has_geometry (self))
    return;

  _ks_image_view_get_frame (self, &fw, &fh);
  *x = clamp_axis (*x, fw, gtk_widget_get_width (GTK_WIDGET (self)) * scale / zoom);
  *y = clamp_axis (*y, fh, gtk_widget_get_height (GTK_WIDGET (self)) * scale / zoom);
}

/* Widget pixels per frame pixel. */
double
_ks_image_view_widget_scale (KsImageView *self)
{
  return self->zoom / gtk_widget_get_scale_factor (GTK_WIDGET (self));
}

void
ks_image_view_get_frame_rect (KsImageView     *self,
                              graphene_rect_t *rect)
{
  double f, fw, fh;

  g_return_if_fail (KS_IS_IMAGE_VIEW (self));
  g_return_if_fail (rect != NULL);

  f = _ks_image_view_widget_scale (self);
  _ks_image_view_get_frame (self, &fw, &fh);
  graphene_rect_init (rect,
                      gtk_widget_get_width (GTK_WIDGET (self)) / 2.0 - self->center_x * f,
                      gtk_widget_get_height (GTK_WIDGET (self)) / 2.0 - self->center_y * f,
                      fw * f, fh * f);
}

/* Where the image lies in the frame: fitted inside, centred. */
void
_ks_image_view_get_image_in_frame (KsImageView     *self,
                    graphene_rect_t *rect)
{
  double fw, fh, k;

  _ks_image_view_get_frame (self, &fw, &fh);
  if (self->image_width <= 0 || self->image_height <= 0)
    {
      graphene_rect_init (rect, 0, 0, fw, fh);
      return;
    }

  k = MIN (fw / self->image_width, fh / self->image_height);
  graphene_rect_init (rect,
                      (fw - k * self->image_width) / 2, (fh - k * self->image_height) / 2,
                      k * self->image_width, k * self->image_height);
}

/* How many device pixels wide the whole image is drawn at this zoom. */
double
_ks_image_view_shown_width (KsImageView *self)
{
  graphene_rect_t rect;

  _ks_image_view_get_image_in_frame (self, &rect);
  return rect.size.width * self->zoom;
}

void
ks_image_view_widget_to_frame (KsImageView *self,
                               double       x,
                               double       y,
                               double      *frame_x,
                               double      *frame_y)
{
  double f;

  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  f = _ks_image_view_widget_scale (self);
  if (frame_x != NULL)
    *frame_x = self->center_x + (x - gtk_widget_get_width (GTK_WIDGET (self)) / 2.0) / f;
  if (frame_y != NULL)
    *frame_y = self->center_y + (y - gtk_widget_get_height (GTK_WIDGET (self)) / 2.0) / f;
}

/* ---- State ---------------------------------------------------------------- */

void
_ks_image_view_update_actions (KsImageView *self)
{
  gboolean have = self->paintable != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-in",
                                 have && self->zoom < KS_IMAGE_VIEW_MAX_ZOOM);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-out",
                                 have && self->zoom > clamp_zoom (self, 0));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-fit", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "image.zoom-100", have);
}

/* Every change of zoom, fit and centre goes through here: clamped, each
 * changed property notified, then one "view-changed". */
void
_ks_image_view_apply_view (KsImageView *self,
            gboolean     fit,
            double       zoom,
            double       center_x,
            double       center_y)
{
  gboolean changed = FALSE;
  double fw, fh;

  _ks_image_view_get_frame (self, &fw, &fh);
  if (fit)
    {
      zoom = ks_image_view_get_fit_zoom (self);
      center_x = fw / 2;
      center_y = fh / 2;
    }
  zoom = clamp_zoom (self, zoom);
  clamp_center (self, zoom, &center_x, &center_y);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->fit != fit)
    {
      self->fit = fit;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
    }
  if (self->zoom != zoom)
    {
      self->zoom = zoom;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
    }
  if (self->center_x != center_x)
    {
      self->center_x = center_x;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CENTER_X]);
    }
  if (self->center_y != center_y)
    {
      self->center_y = center_y;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CENTER_Y]);
    }
  g_object_thaw_notify (G_OBJECT (self));

  _ks_image_view_update_actions (self);

  if (changed)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_signal_emit (self, signals[VIEW_CHANGED], 0);
      _ks_image_view_load_maybe_start (self);
    }
}

static void
reapply_view (KsImageView *self)
{
  _ks_image_view_apply_view (self, self->fit, self->zoom, self->center_x, self->center_y);
}

void
_ks_image_view_clear_nearest_surface (KsImageView *self)
{
  g_clear_pointer (&self->nearest_surface, cairo_surface_destroy);
  self->nearest_texture = NULL;
}

/* A new texture: of a new image (fit again), or the same image sharper. */
void
_ks_image_view_take_texture (KsImageView *self,
                             GdkTexture  *texture,
                             int          image_width,
                             int          image_height,
                             gboolean     refit)
{
  _ks_image_view_clear_nearest_surface (self);
  g_set_object (&self->paintable, GDK_PAINTABLE (texture));
  g_clear_object (&texture);
  self->image_width = image_width;
  self->image_height = image_height;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAINTABLE]);

  if (refit)
    _ks_image_view_apply_view (self, TRUE, 1.0, 0, 0);
  else
    reapply_view (self);
  _ks_image_view_update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_ks_image_view_notify_file (KsImageView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

void
_ks_image_view_notify_loading (KsImageView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

void
_ks_image_view_notify_error (KsImageView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
ks_image_view_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  /* Any size will do: the image is fitted or zoomed into it. */
  *minimum = 32;
  *natural = 320;
}

static void
ks_image_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  KsImageView *self = KS_IMAGE_VIEW (widget);

  reapply_view (self);
  _ks_image_view_load_maybe_start (self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ks_image_view_dispose (GObject *object)
{
  KsImageView *self = KS_IMAGE_VIEW (object);

  _ks_image_view_load_dispose (self);
  _ks_image_view_clear_nearest_surface (self);
  g_clear_object (&self->paintable);

  G_OBJECT_CLASS (ks_image_view_parent_class)->dispose (object);
}

static void
ks_image_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsImageView *self = KS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, ks_image_view_get_loading (self));
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_FIT:
      g_value_set_boolean (value, self->fit);
      break;
    case PROP_CENTER_X:
      g_value_set_double (value, self->center_x);
      break;
    case PROP_CENTER_Y:
      g_value_set_double (value, self->center_y);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_image_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KsImageView *self = KS_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      ks_image_view_set_paintable (self, g_value_get_object (value));
      break;
    case PROP_FILE:
      ks_image_view_set_file (self, g_value_get_object (value));
      break;
    case PROP_ZOOM:
      ks_image_view_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_FIT:
      if (g_value_get_boolean (value))
        ks_image_view_zoom_to_fit (self);
      else
        _ks_image_view_apply_view (self, FALSE, self->zoom, self->center_x, self->center_y);
      break;
    case PROP_CENTER_X:
      ks_image_view_set_center (self, g_value_get_double (value), self->center_y);
      break;
    case PROP_CENTER_Y:
      ks_image_view_set_center (self, self->center_x, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_image_view_class_init (KsImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_image_view_dispose;
  object_class->get_property = ks_image_view_get_property;
  object_class->set_property = ks_image_view_set_property;

  widget_class->snapshot = _ks_image_view_snapshot;
  widget_class->measure = ks_image_view_measure;
  widget_class->size_allocate = ks_image_view_size_allocate;

  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL,
                         GDK_TYPE_PAINTABLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL,
                        G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL,
                         0.0, KS_IMAGE_VIEW_MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CENTER_X] =
    g_param_spec_double ("center-x", NULL, NULL,
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CENTER_Y] =
    g_param_spec_double ("center-y", NULL, NULL,
                         -G_MAXDOUBLE, G_MAXDOUBLE, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * KsImageView::view-changed:
   *
   * Zoom, fit or centre changed (once per change, after the notifies).
   */
  signals[VIEW_CHANGED] =
    g_signal_new ("view-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  _ks_image_view_class_init_input (widget_class);

  gtk_widget_class_set_css_name (widget_class, "ks-image-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ks_image_view_init (KsImageView *self)
{
  self->zoom = 1.0;
  self->fit = TRUE;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Image"),
                                  -1);

  _ks_image_view_init_input (self);

  _ks_image_view_update_actions (self);
}

/* ---- Public API ----------------------------------------------------------- */

GtkWidget *
ks_image_view_new (void)
{
  return g_object_new (KS_TYPE_IMAGE_VIEW, NULL);
}

GdkPaintable *
ks_image_view_get_paintable (KsImageView *self)
{
  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), NULL);

  return self->paintable;
}

void
ks_image_view_set_paintable (KsImageView  *self,
                             GdkPaintable *paintable)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));
  g_return_if_fail (!paintable || GDK_IS_PAINTABLE (paintable));

  if (self->file != NULL)
    ks_image_view_set_file (self, NULL);

  if (self->paintable == paintable)
    return;

  _ks_image_view_clear_nearest_surface (self);
  g_set_object (&self->paintable, paintable);
  self->image_width = paintable ? gdk_paintable_get_intrinsic_width (paintable) : 0;
  self->image_height = paintable ? gdk_paintable_get_intrinsic_height (paintable) : 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAINTABLE]);

  _ks_image_view_apply_view (self, TRUE, 1.0, 0, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ks_image_view_get_image_size (KsImageView *self,
                              int         *width,
                              int         *height)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  if (width != NULL)
    *width = self->image_width;
  if (height != NULL)
    *height = self->image_height;
}

void
ks_image_view_set_frame_size (KsImageView *self,
                              int          width,
                              int          height)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  width = MAX (width, 0);
  height = MAX (height, 0);
  if (width == 0 || height == 0)
    width = height = 0;

  if (self->frame_width == width && self->frame_height == height)
    return;

  self->frame_width = width;
  self->frame_height = height;
  reapply_view (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ks_image_view_get_frame_size (KsImageView *self,
                              int         *width,
                              int         *height)
{
  double fw, fh;

  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  _ks_image_view_get_frame (self, &fw, &fh);
  if (width != NULL)
    *width = (int) fw;
  if (height != NULL)
    *height = (int) fh;
}

double
ks_image_view_get_zoom (KsImageView *self)
{
  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), 1.0);

  return self->zoom;
}

/* Zooms around the centre of the view. */
void
ks_image_view_set_zoom (KsImageView *self,
                        double       zoom)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  _ks_image_view_apply_view (self, FALSE, zoom, self->center_x, self->center_y);
}

gboolean
ks_image_view_get_fit (KsImageView *self)
{
  g_return_val_if_fail (KS_IS_IMAGE_VIEW (self), TRUE);

  return self->fit;
}

void
ks_image_view_zoom_to_fit (KsImageView *self)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  _ks_image_view_apply_view (self, TRUE, 1.0, 0, 0);
}

void
ks_image_view_zoom_at (KsImageView *self,
                       double       factor,
                       double       x,
                       double       y)
{
  double px, py, zoom, f;
  double hw, hh;

  g_return_if_fail (KS_IS_IMAGE_VIEW (self));
  g_return_if_fail (factor > 0);

  /* The frame point under (x, y) stays under it at the new zoom. */
  ks_image_view_widget_to_frame (self, x, y, &px, &py);
  zoom = clamp_zoom (self, self->zoom * factor);
  f = zoom / gtk_widget_get_scale_factor (GTK_WIDGET (self));
  hw = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  hh = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;

  _ks_image_view_apply_view (self, FALSE, zoom, px - (x - hw) / f, py - (y - hh) / f);
}

void
ks_image_view_get_center (KsImageView *self,
                          double      *x,
                          double      *y)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  if (x != NULL)
    *x = self->center_x;
  if (y != NULL)
    *y = self->center_y;
}

void
ks_image_view_set_center (KsImageView *self,
                          double       x,
                          double       y)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  _ks_image_view_apply_view (self, self->fit, self->zoom, x, y);
}

void
ks_image_view_pan (KsImageView *self,
                   double       dx,
                   double       dy)
{
  double f;

  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  f = _ks_image_view_widget_scale (self);
  _ks_image_view_apply_view (self, self->fit, self->zoom, self->center_x - dx / f, self->center_y - dy / f);
}

void
ks_image_view_set_view (KsImageView *self,
                        gboolean     fit,
                        double       zoom,
                        double       center_x,
                        double       center_y)
{
  g_return_if_fail (KS_IS_IMAGE_VIEW (self));

  _ks_image_view_apply_view (self, fit, zoom, center_x, center_y);
}
