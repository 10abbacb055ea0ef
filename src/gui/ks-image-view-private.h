#pragma once

#include "ks-image-view.h"

G_BEGIN_DECLS

struct _KsImageView
{
  GtkWidget     parent_instance;

  GdkPaintable *paintable;      /* what is drawn: with a file, a reduced decode first */
  int           image_width;    /* the full image, whatever size is decoded */
  int           image_height;
  int           frame_width;    /* 0: the image's own size */
  int           frame_height;

  double        zoom;           /* device pixels per frame pixel */
  double        center_x;       /* frame point in the middle of the view */
  double        center_y;
  gboolean      fit;

  /* ks-image-view-load.c */
  GFile        *file;
  GCancellable *cancellable;    /* per file */
  GError       *error;
  guint         loading_preview : 1;
  guint         loading_full : 1;
  guint         full_loaded : 1;
  guint         preview_pending : 1; /* waiting for a size to decode at */

  /* nearest-neighbour drawing on GTK 4.8: the texture as a cairo surface */
  cairo_surface_t *nearest_surface;
  GdkTexture      *nearest_texture;   /* unowned: which texture it was made from */

  /* input */
  double        pointer_x;
  double        pointer_y;
  gboolean      has_pointer;
  double        drag_center_x;
  double        drag_center_y;
  double        pinch_zoom;
};

/* ks-image-view.c */
void     _ks_image_view_get_frame        (KsImageView     *self,
                                          double          *width,
                                          double          *height);
gboolean _ks_image_view_has_geometry     (KsImageView     *self);
double   _ks_image_view_widget_scale     (KsImageView     *self);
void     _ks_image_view_get_image_in_frame (KsImageView   *self,
                                          graphene_rect_t *rect);
void     _ks_image_view_apply_view       (KsImageView     *self,
                                          gboolean         fit,
                                          double           zoom,
                                          double           center_x,
                                          double           center_y);
void     _ks_image_view_update_actions   (KsImageView     *self);
void     _ks_image_view_clear_nearest_surface (KsImageView *self);
void     _ks_image_view_take_texture     (KsImageView *self,
                                          GdkTexture  *texture,
                                          int          image_width,
                                          int          image_height,
                                          gboolean     refit);
double   _ks_image_view_shown_width      (KsImageView *self);
void     _ks_image_view_notify_file      (KsImageView *self);
void     _ks_image_view_notify_loading   (KsImageView *self);
void     _ks_image_view_notify_error     (KsImageView *self);

/* ks-image-view-draw.c */
void     _ks_image_view_snapshot         (GtkWidget       *widget,
                                          GtkSnapshot     *snapshot);

/* ks-image-view-input.c */
void     _ks_image_view_class_init_input (GtkWidgetClass  *widget_class);
void     _ks_image_view_init_input       (KsImageView     *self);

/* ks-image-view-load.c */
void     _ks_image_view_load_dispose     (KsImageView *self);
void     _ks_image_view_load_maybe_start (KsImageView *self);

G_END_DECLS
