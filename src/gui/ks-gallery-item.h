#pragma once

#include <gtk/gtk.h>

#include "ks-core.h"

G_BEGIN_DECLS

#define KS_TYPE_GALLERY_ITEM (ks_gallery_item_get_type ())
G_DECLARE_FINAL_TYPE (KsGalleryItem, ks_gallery_item, KS, GALLERY_ITEM, GObject)

/* One tile of the gallery, backed by the library: one image of a record,
 * or a record that has no image to show (running, waiting, failed,
 * expired, unknown, cancelled): image-index -1. The session shows one
 * image-less tile per record until its first image is written, then one
 * tile per image.
 *
 * Properties (all notify):
 *   library     KsLibrary, construct-only (resolves the record's files)
 *   record      KsRecord, construct-only
 *   image-index int, construct-only; -1 for the record's own tile
 *   job         KsJob or NULL: the record's live job (follows the record's "job")
 *   thumbnail   GdkTexture or NULL; loaded off the main thread by
 *               ks_gallery_item_ensure_thumbnail(), from an on-disk cache
 *               ($XDG_CACHE_HOME/kontext-studio/thumbnails/<id>-<n>-<size>c.png)
 *               when present, else decoded from the image file and cached
 *   texture     GdkTexture of the full image or NULL; ks_gallery_item_ensure_texture()
 *   simulated   gboolean: produced by the built-in demo service
 *   title       the prompt, for labels and accessible names
 *   subtitle    "Pro · 1024 × 1024 · seed 42" for images; the record's state in words otherwise
 */
KsGalleryItem *ks_gallery_item_new            (KsLibrary      *library,
                                               KsRecord       *record,
                                               int             image_index);
KsLibrary     *ks_gallery_item_get_library    (KsGalleryItem  *self);
KsRecord      *ks_gallery_item_get_record     (KsGalleryItem  *self);
int            ks_gallery_item_get_image_index (KsGalleryItem *self);
/* The record's image entry for an image tile; NULL for a record tile. */
const KsRecordImage *ks_gallery_item_get_image (KsGalleryItem *self);
KsJob         *ks_gallery_item_get_job        (KsGalleryItem  *self);
gboolean       ks_gallery_item_get_simulated  (KsGalleryItem  *self);
const char    *ks_gallery_item_get_title      (KsGalleryItem  *self);
char          *ks_gallery_item_dup_subtitle   (KsGalleryItem  *self);
GdkTexture    *ks_gallery_item_get_thumbnail  (KsGalleryItem  *self);
GdkTexture    *ks_gallery_item_get_texture    (KsGalleryItem  *self);
/* Scales the image to fit @size × @size in a worker thread; notifies
 * "thumbnail" when done. Does nothing for record tiles or when loaded. */
void           ks_gallery_item_ensure_thumbnail (KsGalleryItem *self,
                                                 int            size);
/* Makes the full-size texture (off the main thread); notifies "texture". */
void           ks_gallery_item_ensure_texture (KsGalleryItem  *self);

/* The image file in the library; NULL for record tiles. */
GFile         *ks_gallery_item_get_file       (KsGalleryItem  *self);

/* Reads @file, an image in the library, in full. It blocks: call it from a
 * worker thread. Cancellation comes back as G_IO_ERROR_CANCELLED, anything
 * else as KS_ERROR_IO naming the file. */
GBytes        *ks_gallery_item_read_image_file (GFile        *file,
                                                GCancellable *cancellable,
                                                GError      **error);
/* What a drag or the clipboard offers for an image item: the GFile and,
 * once decoded, a GdkTexture. NULL for record tiles. */
GdkContentProvider *ks_gallery_item_create_content (KsGalleryItem *self);
/* The safety tolerance the record asked for (1–6; 2 when unknown). */
int            ks_gallery_item_get_safety_tolerance (KsGalleryItem *self);
/* TRUE when @text (already lower-cased) is in the prompt, case-insensitively. */
gboolean       ks_gallery_item_matches        (KsGalleryItem  *self,
                                               const char     *text);

G_END_DECLS
