#pragma once

#include <gio/gio.h>

#include "ks-job.h"

G_BEGIN_DECLS

/* The base name an image of @job is saved under: "<request-id>-<n>.<ext>",
 * n counting from 1 in result order. */
char     *ks_cli_image_basename      (KsJob        *job,
                                      KsJobImage   *image);

/* The JSON sidecar of an image: every parameter, the endpoint, the request
 * id, the exact seed (as text and as a number), the image's flags and size
 * and the prompt as returned. Never the key. */
char     *ks_cli_build_sidecar       (KsJob        *job,
                                      KsJobImage   *image,
                                      const char   *file_name);

/* Writes the image and its sidecar ("<request-id>-<n>.json") into @directory, each
 * atomically (a temporary file renamed into place), in a worker thread. */
void      ks_cli_save_image_async    (KsJob               *job,
                                      KsJobImage          *image,
                                      GFile               *directory,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean  ks_cli_save_image_finish   (GAsyncResult        *result,
                                      char               **image_path,
                                      char               **sidecar_path,
                                      GError             **error);

G_END_DECLS
