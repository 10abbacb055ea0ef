#pragma once

#include <gtk/gtk.h>

#include "ks-core.h"

G_BEGIN_DECLS

#define KS_TYPE_GALLERY_ITEM (ks_gallery_item_get_type ())
G_DECLARE_FINAL_TYPE (KsGalleryItem, ks_gallery_item, KS, GALLERY_ITEM, GObject)

/* One tile of the gallery: a job still running or failed (image NULL), or
 * one of a finished job's images. The session replaces a job's tile by its
 * image tiles when the job completes.
 *
 * Properties (all notify):
 *   job         KsJob, construct-only
 *   image       KsJobImage or NULL, construct-only
 *   thumbnail   GdkTexture or NULL; loaded off the main thread by
 *               ks_gallery_item_ensure_thumbnail()
 *   texture     GdkTexture of the full image or NULL; ks_gallery_item_ensure_texture()
 *   simulated   gboolean: produced by the built-in demo service
 *   title       the prompt, for labels and accessible names
 *   subtitle    "Pro · 1024 × 1024 · seed 42" for images; the job's state in words otherwise
 */
KsGalleryItem *ks_gallery_item_new            (KsJob          *job,
                                               KsJobImage     *image,
                                               gboolean        simulated);
KsJob         *ks_gallery_item_get_job        (KsGalleryItem  *self);
KsJobImage    *ks_gallery_item_get_image      (KsGalleryItem  *self);
gboolean       ks_gallery_item_get_simulated  (KsGalleryItem  *self);
const char    *ks_gallery_item_get_title      (KsGalleryItem  *self);
char          *ks_gallery_item_dup_subtitle   (KsGalleryItem  *self);
GdkTexture    *ks_gallery_item_get_thumbnail  (KsGalleryItem  *self);
GdkTexture    *ks_gallery_item_get_texture    (KsGalleryItem  *self);
/* Scales the image to fit @size × @size in a worker thread; notifies
 * "thumbnail" when done. Does nothing for job tiles or when loaded. */
void           ks_gallery_item_ensure_thumbnail (KsGalleryItem *self,
                                                 int            size);
/* Makes the full-size texture (off the main thread); notifies "texture". */
void           ks_gallery_item_ensure_texture (KsGalleryItem  *self);

/* A copy of the image bytes in the cache directory, written once by the
 * thumbnail worker, so that a drag can offer a real file. NULL for job
 * tiles and until written. */
GFile         *ks_gallery_item_get_file       (KsGalleryItem  *self);
/* What a drag or the clipboard offers for an image item: a GdkTexture and,
 * once written, the GFile. NULL for job tiles. Cheap: the pixels are
 * already decoded. */
GdkContentProvider *ks_gallery_item_create_content (KsGalleryItem *self);
/* The safety tolerance the job asked for (1–6; 2 when unknown). */
int            ks_gallery_item_get_safety_tolerance (KsGalleryItem *self);

G_END_DECLS
