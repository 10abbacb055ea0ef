#pragma once

#include <gtk/gtk.h>

#include "ks-recipe.h"

G_BEGIN_DECLS

#define KS_TYPE_REFERENCE_ITEM (ks_reference_item_get_type ())
G_DECLARE_FINAL_TYPE (KsReferenceItem, ks_reference_item, KS, REFERENCE_ITEM, GObject)

/* One reference image of the composer, checked before it was accepted:
 * a local path (pasted and dropped image data are first written to the
 * cache, so every reference is a path) or an http(s) address, which is
 * passed through as given.
 *
 * Properties (read-only, set when made):
 *   source      the path or address that goes into KsParams
 *   name        for people: the file name, or the address's host
 *   width       in pixels, as shown (EXIF orientation applied); 0 when unknown
 *   height      likewise
 *   thumbnail   GdkTexture, NULL for addresses
 *   remote      gboolean: an http(s) address
 */
KsReferenceItem *ks_reference_item_new_for_url       (const char       *url);
const char      *ks_reference_item_get_source        (KsReferenceItem  *self);
const char      *ks_reference_item_get_name          (KsReferenceItem  *self);
int              ks_reference_item_get_width         (KsReferenceItem  *self);
int              ks_reference_item_get_height        (KsReferenceItem  *self);
GdkTexture      *ks_reference_item_get_thumbnail     (KsReferenceItem  *self);
gboolean         ks_reference_item_get_remote        (KsReferenceItem  *self);
/* The recipe embedded in the file or data (an image Kontext Studio
 * exported), read in the same worker; NULL when there is none. */
KsRecipe        *ks_reference_item_get_recipe        (KsReferenceItem  *self);
/* Why an embedded recipe could not be read, in words; NULL when there was
 * none or it was read. */
const char      *ks_reference_item_get_recipe_error  (KsReferenceItem  *self);
/* "1024 × 768", or "Web address" when the size is unknown. */
char            *ks_reference_item_dup_size_label    (KsReferenceItem  *self);

/* Reading, checking (bounded, as the core reads references), caching and
 * thumbnailing happen in a worker thread. A file that is not an image or
 * is over the limits fails with the core's message, naming the file. */
void             ks_reference_item_load_file_async   (GFile               *file,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* The same, shown (and named in errors) as @name rather than the file's
 * base name: a result or a stored reference from the library. */
void             ks_reference_item_load_named_file_async (GFile            *file,
                                                          const char       *name,
                                                          GCancellable     *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer          user_data);
/* Image data: written once to the cache as <sha256>.<format>. */
void             ks_reference_item_load_bytes_async  (GBytes              *bytes,
                                                      const char          *name,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* A texture: encoded as PNG and written to the cache as <sha256>.png. */
void             ks_reference_item_load_texture_async (GdkTexture         *texture,
                                                       const char         *name,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
KsReferenceItem *ks_reference_item_load_finish       (GAsyncResult        *result,
                                                      GError             **error);

/* The folder pasted and dropped image data is written to. */
char            *ks_reference_item_dup_cache_dir     (void);

G_END_DECLS
