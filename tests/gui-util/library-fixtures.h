#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ks-core.h"

G_BEGIN_DECLS

/* Records made by hand in a library on disk, for the viewer, lineage and
 * composer tests: every field a finished job would have, and real image files. */

#define KS_TEST_RESULT_SEED_TEXT "15860307465884635512"

/* Writes a @width × @height image with some structure (so thumbnails and
 * screenshots are not flat) as @type ("png" or "jpeg"). */
void       ks_test_write_image          (const char *path,
                                         int         width,
                                         int         height,
                                         const char *type,
                                         guint32     colour);

/* Text-to-image parameters for [pro] with @prompt, @format and
 * @num_images, aspect 4:3, guidance 4.5, safety 3, seed 42. */
KsParams  *ks_test_params_new           (const char *prompt,
                                         const char *format,
                                         int         num_images);

/* A library in the test's (isolated) data dir, loaded. */
KsLibrary *ks_test_library_new          (void);

/* A finished record for @params with @n_images image files written as
 * @format, added to @library (transfer none). Seed
 * KS_TEST_RESULT_SEED_TEXT, a request id, times, a returned prompt. The
 * first @n_flagged images are flagged by the safety check. */
KsRecord  *ks_test_library_add_record   (KsLibrary  *library,
                                         KsParams   *params,
                                         guint       n_images,
                                         guint       n_flagged,
                                         const char *format,
                                         guint32     colour);

/* ks_test_library_add_record() for ks_test_params_new (@prompt, @format,
 * @n_images). */
KsRecord  *ks_test_library_add_result   (KsLibrary  *library,
                                         const char *prompt,
                                         const char *format,
                                         guint       n_images,
                                         guint       n_flagged,
                                         guint32     colour);

/* A reference image stored as the library stores them; returns the entry
 * (source_name @name). */
KsRecordReference *ks_test_library_store_reference (KsLibrary  *library,
                                                    const char *name,
                                                    int         width,
                                                    int         height,
                                                    guint32     colour);

G_END_DECLS
