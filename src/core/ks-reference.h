#pragma once

#include <gio/gio.h>

#include "ks-types.h"

G_BEGIN_DECLS

/* Turning what the user gave as a reference into what the model reads:
 * - an http(s) URL or a data: URI passes through untouched;
 * - a local file is read (bounded), decoded, EXIF-oriented, scaled to
 *   about one megapixel, re-encoded (JPEG, or PNG when it has alpha) and
 *   sent as a data URI — or, with @client given and its upload mode on,
 *   uploaded once through fal storage; the file_url is cached by content
 *   hash and reused by later jobs with the same image.
 * All of the work runs in a worker thread. */

#define KS_TYPE_PREPARED_REFERENCE (ks_prepared_reference_get_type ())

typedef struct
{
  char    *source;           /* what the user gave */
  char    *url;              /* what is sent: https URL, data URI or uploaded file_url */
  char    *sha256;           /* of the bytes sent (NULL for passthrough) */
  char    *mime_type;        /* of the bytes sent */
  GBytes  *bytes;            /* the bytes sent (NULL for passthrough) */
  int      width;            /* as sent (0 for passthrough) */
  int      height;
  int      original_width;   /* as the file stores it, before orientation */
  int      original_height;
  gboolean uploaded;         /* TRUE when url is a storage file_url */
} KsPreparedReference;

GType                ks_prepared_reference_get_type (void) G_GNUC_CONST;
KsPreparedReference *ks_prepared_reference_copy     (const KsPreparedReference *self);
void                 ks_prepared_reference_free     (KsPreparedReference       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsPreparedReference, ks_prepared_reference_free)

gboolean             ks_reference_is_remote         (const char                *source); /* http(s):// or data: */

/* @client may be NULL (always a data URI). */
void                 ks_reference_prepare_async     (const char                *source,
                                                     KsClient                  *client,
                                                     GCancellable              *cancellable,
                                                     GAsyncReadyCallback        callback,
                                                     gpointer                   user_data);
KsPreparedReference *ks_reference_prepare_finish    (GAsyncResult              *result,
                                                     GError                   **error);

/* The same for bytes already in memory (pasted or dropped image data). */
void                 ks_reference_prepare_bytes_async (GBytes                  *bytes,
                                                       const char              *name,
                                                       KsClient                *client,
                                                       GCancellable            *cancellable,
                                                       GAsyncReadyCallback      callback,
                                                       gpointer                 user_data);

/* Reads a local reference file whole, for worker threads only: a missing
 * file, a folder, an empty file or one over @max_bytes (0: no limit) is
 * refused, before reading, with a message naming @name. */
GBytes              *ks_reference_load_file         (GFile                     *file,
                                                     const char                *name,
                                                     gsize                      max_bytes,
                                                     GCancellable              *cancellable,
                                                     GError                   **error);

G_END_DECLS
