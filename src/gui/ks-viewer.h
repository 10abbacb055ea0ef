#pragma once

#include <adwaita.h>

#include "ks-gallery-item.h"

G_BEGIN_DECLS

#define KS_TYPE_VIEWER (ks_viewer_get_type ())
G_DECLARE_FINAL_TYPE (KsViewer, ks_viewer, KS, VIEWER, AdwBin)

/* A result shown large from the library, with every detail of its record
 * (prompt, parameters, seed, times, cost, state, the safety check's flag),
 * the chain of edits it belongs to (KsLineage), and what can be done with
 * it: Save As (portal file chooser, JPEG or PNG, the recipe embedded
 * unless the "embed-recipe" preference is off), Copy image, drag out, Use as reference,
 * Reuse settings, Run again (same seed or new seed), Delete (with undo, by
 * the window).
 *
 * Property: item (KsGalleryItem or NULL).
 *
 * Actions ("viewer." prefix): save-as (Ctrl+S), copy (Ctrl+C),
 * use-as-reference (Ctrl+E), reuse-settings, run-again-same-seed,
 * run-again-new-seed, delete (Delete), close (Escape), lineage-previous
 * (Alt+Left), lineage-next (Alt+Right). Choosing a step of the lineage
 * shows that result here (a new item for its record and image).
 *
 * Signals (the window acts on them):
 *   use-as-reference (KsGalleryItem*)   → ks_composer_use_item()
 *   reuse-settings (KsGalleryItem*)     → ks_composer_reuse_record()
 *   run-again (KsGalleryItem*, gboolean new_seed)
 *   delete-requested (KsGalleryItem*)
 *   close-requested ()
 *   saved (GFile*)              after Save As wrote the file
 *   error (const char*)         something failed: the message says why */
GtkWidget     *ks_viewer_new      (void);
KsGalleryItem *ks_viewer_get_item (KsViewer      *self);
void           ks_viewer_set_item (KsViewer      *self,
                                   KsGalleryItem *item);
/* The JPEG quality Save As offers first. */
#define KS_VIEWER_JPEG_QUALITY_DEFAULT 90

/* Saves the image to @file as @format ("png" or "jpeg") off the main
 * thread, with its recipe embedded unless the "embed-recipe" preference is
 * off (then the library's file is copied as it is when the format
 * matches); JPEG at KS_VIEWER_JPEG_QUALITY_DEFAULT. */
void           ks_viewer_save_async  (KsViewer            *self,
                                      GFile               *file,
                                      const char          *format,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* The same at JPEG @quality (1–100); used by Save As and by tests.
 * Finish with ks_viewer_save_finish(). */
void           ks_viewer_export_async (KsViewer            *self,
                                       GFile               *file,
                                       const char          *format,
                                       int                  quality,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean       ks_viewer_save_finish (KsViewer            *self,
                                      GAsyncResult        *result,
                                      GError             **error);

/* A file name for Save As: the prompt lowercased, every run of
 * characters other than letters and digits turned into one '-', at most
 * 60 characters, then ".png" or ".jpg" for @format ("png" / "jpeg"). */
char          *ks_viewer_suggest_file_name (const char *prompt,
                                            const char *format);

G_END_DECLS
