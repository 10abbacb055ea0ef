#pragma once

#include <gio/gio.h>

#include "ks-types.h"

G_BEGIN_DECLS

/* Sweeps: the same edit submitted several times, over seeds or over
 * guidance values, as one batch. Every job of a batch is an ordinary job
 * with its own record; the records share a "batch-id" and each carries a
 * "batch-label" ("Seed 1234", "Guidance 5.0") so that the results can be
 * shown side by side as a contact sheet. */

typedef enum
{
  KS_SWEEP_SEEDS,     /* N seeds: the base seed + i, or N distinct random seeds */
  KS_SWEEP_GUIDANCE,  /* one job per guidance value */
} KsSweepKind;

/* KS_TYPE_SWEEP_KIND comes from ks-core-enums.h */

#define KS_SWEEP_MIN_JOBS 2
#define KS_SWEEP_MAX_JOBS 16

/* Copies of @base, one per job:
 *   KS_SWEEP_SEEDS     @n_seeds copies with distinct seeds: the base seed
 *                      + i when @base has one, else distinct random 64-bit
 *                      seeds; @guidance_values is ignored;
 *   KS_SWEEP_GUIDANCE  one copy per value of @guidance_values, each checked
 *                      against the endpoint's range; a value listed twice is
 *                      refused; @n_seeds is ignored. All share one seed:
 *                      @base's, or one drawn at random when it has none,
 *                      so that only the guidance differs.
 * Between KS_SWEEP_MIN_JOBS and KS_SWEEP_MAX_JOBS jobs. Fails with
 * KS_ERROR_INVALID_PARAMS naming the bad value or count.
 * Returns: (transfer full) (element-type KsParams) */
GPtrArray    *ks_sweep_make_params   (KsParams      *base,
                                      KsSweepKind    kind,
                                      guint          n_seeds,
                                      const double  *guidance_values,
                                      guint          n_values,
                                      GError       **error);

/* What sets @params apart in a sweep of @kind, for people: "Seed 1234",
 * "Guidance 5.0" (translated). */
char         *ks_sweep_label         (KsSweepKind    kind,
                                      KsParams      *params);

/* The whole batch: the sum of each job's cost, in microdollars. */
guint64       ks_sweep_cost          (GPtrArray     *params);

/* How many images the batch asks for in all. */
guint         ks_sweep_count_images  (GPtrArray     *params);

/* Parses a list of numbers such as "2, 3.5, 5" (separated by commas,
 * semicolons or spaces; '.' as the decimal mark, whatever the locale) into
 * @values (a new GArray of double). Fails with KS_ERROR_INVALID_PARAMS
 * naming the item that is not a number, or when there is none. */
gboolean      ks_sweep_parse_values  (const char    *text,
                                      GArray       **values,
                                      GError       **error);

/* The jobs of a batch, one per @params entry (as ks_sweep_make_params()
 * makes them): each made by ks_library_create_job() with @parent_id and
 * @parent_image, its record given a new batch id shared by all and its
 * label, before anything is written, so the write-ahead save already
 * holds them. Run each with ks_job_run_async().
 * Returns: (transfer full) (element-type KsJob) */
GPtrArray    *ks_library_create_batch (KsLibrary    *library,
                                       KsClient     *client,
                                       GPtrArray    *params,
                                       KsSweepKind   kind,
                                       const char   *parent_id,
                                       guint         parent_image);

G_END_DECLS
