#define G_LOG_DOMAIN "ks-sweep"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-endpoint.h"
#include "ks-error.h"
#include "ks-job.h"
#include "ks-library.h"
#include "ks-params.h"
#include "ks-record.h"
#include "ks-sweep.h"

/* A guidance value for people and labels: at least one decimal, at most
 * two, '.' whatever the locale ("5.0", "3.5", "2.25"). */
static char *
format_guidance (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  gsize len;

  g_ascii_formatd (buffer, sizeof buffer, "%.2f", value);
  len = strlen (buffer);
  if (len >= 4 && buffer[len - 1] == '0')
    buffer[len - 1] = '\0';

  return g_strdup (buffer);
}

static gboolean
check_count (guint    n,
             GError **error)
{
  if (n >= KS_SWEEP_MIN_JOBS && n <= KS_SWEEP_MAX_JOBS)
    return TRUE;

  g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
               /* Translators: "A sweep runs between 2 and 16 jobs (got 1)." */
               _("A sweep runs between %d and %d jobs (got %u)."),
               KS_SWEEP_MIN_JOBS, KS_SWEEP_MAX_JOBS, n);
  return FALSE;
}

static guint64
random_seed (GRand *rand)
{
  return ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
}

static gboolean
seed_taken (const guint64 *seeds,
            guint          n,
            guint64        seed)
{
  for (guint i = 0; i < n; i++)
    {
      if (seeds[i] == seed)
        return TRUE;
    }

  return FALSE;
}

static GPtrArray *
make_seeds (KsParams *base,
            guint     n)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree guint64 *seeds = g_new0 (guint64, n);
  guint64 base_seed = 0;

  if (ks_params_get_seed (base, &base_seed))
    {
      /* Wrapping past 2^64 − 1 keeps them distinct: n is at most 16. */
      for (guint i = 0; i < n; i++)
        seeds[i] = base_seed + i;
    }
  else
    {
      /* g_rand_new() seeds itself from /dev/urandom. */
      g_autoptr(GRand) rand = g_rand_new ();

      for (guint i = 0; i < n; i++)
        {
          guint64 seed;

          do
            seed = random_seed (rand);
          while (seed_taken (seeds, i, seed));
          seeds[i] = seed;
        }
    }

  for (guint i = 0; i < n; i++)
    {
      KsParams *params = ks_params_copy (base);

      ks_params_set_seed (params, seeds[i]);
      g_ptr_array_add (result, params);
    }

  return g_steal_pointer (&result);
}

static GPtrArray *
make_guidance (KsParams      *base,
               const double  *values,
               guint          n,
               GError       **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(KsParams) seeded = ks_params_copy (base);
  const KsParamSpec *spec;
  guint64 seed;

  /* One seed for every value, so that only the guidance differs. */
  if (!ks_params_get_seed (seeded, &seed))
    {
      g_autoptr(GRand) rand = g_rand_new ();

      ks_params_set_seed (seeded, random_seed (rand));
    }

  spec = ks_endpoint_get_param (ks_params_get_endpoint (base), "guidance_scale");
  if (spec == NULL)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                   _("%s has no guidance to sweep over."),
                   ks_endpoint_get_title (ks_params_get_endpoint (base)));
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      KsParams *params;

      if (!(values[i] >= spec->minimum && values[i] <= spec->maximum))
        {
          g_autofree char *got = format_guidance (values[i]);
          g_autofree char *min = format_guidance (spec->minimum);
          g_autofree char *max = format_guidance (spec->maximum);

          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       /* Translators: "Guidance 25.0 is out of range: use values between 1.0 and 20.0." */
                       _("%s %s is out of range: use values between %s and %s."),
                       ks_param_spec_get_label (spec), got, min, max);
          return NULL;
        }

      for (guint j = 0; j < i; j++)
        {
          if (values[j] == values[i])
            {
              g_autofree char *got = format_guidance (values[i]);

              g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                           /* Translators: "Guidance 5.0 is listed twice." */
                           _("%s %s is listed twice."),
                           ks_param_spec_get_label (spec), got);
              return NULL;
            }
        }

      params = ks_params_copy (seeded);
      ks_params_set_guidance_scale (params, values[i]);
      g_ptr_array_add (result, params);
    }

  return g_steal_pointer (&result);
}

/**
 * ks_sweep_make_params:
 *
 * Returns: (transfer full) (element-type KsParams): the parameters of each
 *   job, or %NULL with @error set
 */
GPtrArray *
ks_sweep_make_params (KsParams      *base,
                      KsSweepKind    kind,
                      guint          n_seeds,
                      const double  *guidance_values,
                      guint          n_values,
                      GError       **error)
{
  g_return_val_if_fail (KS_IS_PARAMS (base), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch (kind)
    {
    case KS_SWEEP_SEEDS:
      if (!check_count (n_seeds, error))
        return NULL;
      return make_seeds (base, n_seeds);

    case KS_SWEEP_GUIDANCE:
      g_return_val_if_fail (guidance_values != NULL || n_values == 0, NULL);
      if (!check_count (n_values, error))
        return NULL;
      return make_guidance (base, guidance_values, n_values, error);

    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * ks_sweep_label:
 *
 * Returns: (transfer full): "Seed 1234", "Guidance 5.0"
 */
char *
ks_sweep_label (KsSweepKind  kind,
                KsParams    *params)
{
  g_return_val_if_fail (KS_IS_PARAMS (params), NULL);

  switch (kind)
    {
    case KS_SWEEP_SEEDS:
      {
        g_autofree char *digits = NULL;
        guint64 seed = 0;

        if (!ks_params_get_seed (params, &seed))
          return g_strdup (_("Random seed"));
        digits = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
        /* Translators: a job of a sweep over seeds, "Seed 1234" */
        return g_strdup_printf (_("Seed %s"), digits);
      }

    case KS_SWEEP_GUIDANCE:
      {
        g_autofree char *value = format_guidance (ks_params_get_guidance_scale (params));

        /* Translators: a job of a sweep over guidance values, "Guidance 5.0" */
        return g_strdup_printf (_("Guidance %s"), value);
      }

    default:
      g_return_val_if_reached (NULL);
    }
}

guint64
ks_sweep_cost (GPtrArray *params)
{
  guint64 total = 0;

  g_return_val_if_fail (params != NULL, 0);

  for (guint i = 0; i < params->len; i++)
    total += ks_params_get_cost (g_ptr_array_index (params, i));

  return total;
}

guint
ks_sweep_count_images (GPtrArray *params)
{
  guint total = 0;

  g_return_val_if_fail (params != NULL, 0);

  for (guint i = 0; i < params->len; i++)
    total += (guint) MAX (ks_params_get_num_images (g_ptr_array_index (params, i)), 0);

  return total;
}

static gboolean
is_separator (char c)
{
  return c == ',' || c == ';' || g_ascii_isspace (c);
}

/**
 * ks_sweep_parse_values:
 * @values: (out) (transfer full): the numbers, in order
 */
gboolean
ks_sweep_parse_values (const char  *text,
                       GArray     **values,
                       GError     **error)
{
  g_autoptr(GArray) result = g_array_new (FALSE, FALSE, sizeof (double));
  const char *p = text;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (values != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (;;)
    {
      const char *start;
      char *end = NULL;
      double value;

      while (*p != '\0' && is_separator (*p))
        p++;
      if (*p == '\0')
        break;

      start = p;
      while (*p != '\0' && !is_separator (*p))
        p++;

      value = g_ascii_strtod (start, &end);
      if (end != p || !isfinite (value))
        {
          g_autofree char *item = g_strndup (start, p - start);

          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       /* Translators: "“3,5x” is not a number: write values such as 2, 3.5, 5." */
                       _("“%s” is not a number: write values such as 2, 3.5, 5."), item);
          return FALSE;
        }
      g_array_append_val (result, value);
    }

  if (result->len == 0)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                           _("Write the guidance values to try, such as 2, 3.5, 5."));
      return FALSE;
    }

  *values = g_steal_pointer (&result);

  return TRUE;
}

/**
 * ks_library_create_batch:
 *
 * Returns: (transfer full) (element-type KsJob): one job per entry of @params
 */
GPtrArray *
ks_library_create_batch (KsLibrary   *library,
                         KsClient    *client,
                         GPtrArray   *params,
                         KsSweepKind  kind,
                         const char  *parent_id,
                         guint        parent_image)
{
  g_autoptr(GPtrArray) jobs = NULL;
  g_autofree char *batch_id = NULL;

  g_return_val_if_fail (KS_IS_LIBRARY (library), NULL);
  g_return_val_if_fail (KS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (params != NULL && params->len > 0, NULL);

  batch_id = g_uuid_string_random ();
  jobs = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < params->len; i++)
    {
      KsParams *job_params = g_ptr_array_index (params, i);
      g_autofree char *label = ks_sweep_label (kind, job_params);
      KsJob *job;

      job = ks_library_create_job (library, client, job_params, parent_id, parent_image);
      /* Before the job runs: its write-ahead save carries the batch. */
      ks_record_set_batch (ks_job_get_record (job), batch_id, label);
      g_ptr_array_add (jobs, job);
    }

  return g_steal_pointer (&jobs);
}
