#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* One image with zoom and pan.
 *
 * Coordinates: the view shows a *frame* of image pixels. By default the
 * frame is the image itself; ks_image_view_set_frame_size() gives another
 * one (the compare view puts B in A's frame), and the image is then fitted
 * inside it, centred. "zoom" 1.0 means one frame pixel per device pixel
 * (on a 2× display, one image pixel per physical pixel: 100 % is sharp).
 * "center-x"/"center-y" are the frame point in the middle of the view.
 *
 * Input: the scroll wheel zooms toward the pointer, with or without Ctrl;
 * smooth (touchpad) scrolling pans, and zooms with Ctrl. A pinch zooms
 * around its centre; dragging pans. Keys: + = KP_Add (zoom in), − KP_Subtract
 * (zoom out), 0 / Ctrl+0 (fit), 1 / Ctrl+1 (100 %), as the actions
 * "image.zoom-in", "image.zoom-out", "image.zoom-fit" and "image.zoom-100".
 *
 * ks_image_view_set_file() decodes on a worker thread, first at the size
 * the view shows, then at full size once the zoom asks for more pixels. */

#define KS_TYPE_IMAGE_VIEW (ks_image_view_get_type ())

G_DECLARE_FINAL_TYPE (KsImageView, ks_image_view, KS, IMAGE_VIEW, GtkWidget)

#define KS_IMAGE_VIEW_MAX_ZOOM 16.0
#define KS_IMAGE_VIEW_MIN_ZOOM 0.05

GtkWidget    *ks_image_view_new              (void);

/* The shown paintable. Setting it drops any file being loaded; with a
 * file, it is the decoded texture (a smaller one first). */
GdkPaintable *ks_image_view_get_paintable    (KsImageView *self);
void          ks_image_view_set_paintable    (KsImageView  *self,
                                              GdkPaintable *paintable);

/* Loads @file off the main thread (NULL clears). "paintable" changes when
 * each decode arrives; "loading" is TRUE meanwhile; "error" says why a
 * file could not be shown. */
GFile        *ks_image_view_get_file         (KsImageView *self);
void          ks_image_view_set_file         (KsImageView *self,
                                              GFile       *file);
gboolean      ks_image_view_get_loading      (KsImageView *self);
const GError *ks_image_view_get_error        (KsImageView *self);

/* The full size of the image (of the file, not of a reduced decode);
 * 0 × 0 while unknown. */
void          ks_image_view_get_image_size   (KsImageView *self,
                                              int         *width,
                                              int         *height);

/* The frame the image is fitted in; 0 × 0 (the default) means the image's
 * own size. */
void          ks_image_view_set_frame_size   (KsImageView *self,
                                              int          width,
                                              int          height);
void          ks_image_view_get_frame_size   (KsImageView *self,
                                              int         *width,
                                              int         *height);

double        ks_image_view_get_zoom         (KsImageView *self);
void          ks_image_view_set_zoom         (KsImageView *self,
                                              double       zoom);
/* The zoom at which the frame fits the widget. */
double        ks_image_view_get_fit_zoom     (KsImageView *self);
gboolean      ks_image_view_get_fit          (KsImageView *self);
void          ks_image_view_zoom_to_fit      (KsImageView *self);
/* Multiplies the zoom by @factor keeping the frame point under the widget
 * point (@x, @y) where it is. Turns "fit" off. */
void          ks_image_view_zoom_at          (KsImageView *self,
                                              double       factor,
                                              double       x,
                                              double       y);

void          ks_image_view_get_center       (KsImageView *self,
                                              double      *x,
                                              double      *y);
/* Pans; clamped so the frame cannot leave the view. */
void          ks_image_view_set_center       (KsImageView *self,
                                              double       x,
                                              double       y);
/* Moves the content by (@dx, @dy) widget pixels, as a drag does. */
void          ks_image_view_pan              (KsImageView *self,
                                              double       dx,
                                              double       dy);
/* Zoom and centre in one step, one "view-changed"; used to lock views.
 * @fit TRUE ignores the others. */
void          ks_image_view_set_view         (KsImageView *self,
                                              gboolean     fit,
                                              double       zoom,
                                              double       center_x,
                                              double       center_y);

/* Widget point → frame point, and the frame's rectangle in widget
 * coordinates (may extend past the widget). */
void          ks_image_view_widget_to_frame  (KsImageView     *self,
                                              double           x,
                                              double           y,
                                              double          *frame_x,
                                              double          *frame_y);
void          ks_image_view_get_frame_rect   (KsImageView     *self,
                                              graphene_rect_t *rect);

G_END_DECLS
