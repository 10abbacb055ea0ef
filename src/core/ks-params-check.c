#define G_LOG_DOMAIN "ks-params"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-params-private.h"

/* What is wrong with a parameter set, in words, and values given as text
 * (the command line, the schema's defaults), checked as they are set. */

/* ---- Messages ----------------------------------------------------------- */

static char *
format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.15g", value));
}

static char *
range_message (const KsParamSpec *spec,
               const char        *got)
{
  g_autofree char *min = format_number (spec->minimum);
  g_autofree char *max = format_number (spec->maximum);

  if (spec->type == KS_PARAM_INTEGER)
    /* Translators: "Number of images must be a whole number between 1 and 4 (got 7)." */
    return g_strdup_printf (_("%s must be a whole number between %s and %s (got %s)."),
                            ks_param_spec_get_label (spec), min, max, got);

  /* Translators: "Guidance must be between 1 and 20 (got 25)." */
  return g_strdup_printf (_("%s must be between %s and %s (got %s)."),
                          ks_param_spec_get_label (spec), min, max, got);
}

/* "1–6" for a run of consecutive integers, else "jpeg, png". */
static char *
describe_choices (const KsParamSpec *spec)
{
  const char * const *choices = spec->choices;
  guint n = g_strv_length ((char **) choices);
  gboolean consecutive = n > 2;

  for (guint i = 0; consecutive && i < n; i++)
    {
      gint64 value;

      if (!g_ascii_string_to_signed (choices[i], 10, G_MININT, G_MAXINT, &value, NULL))
        consecutive = FALSE;
      else if (i > 0 && value != g_ascii_strtoll (choices[i - 1], NULL, 10) + 1)
        consecutive = FALSE;
    }

  if (consecutive)
    return g_strdup_printf ("%s–%s", choices[0], choices[n - 1]);

  return g_strjoinv (", ", (char **) choices);
}

static char *
choice_message (const KsParamSpec *spec,
                const char        *got)
{
  g_autofree char *allowed = describe_choices (spec);

  /* Translators: "Aspect ratio must be one of 21:9, 16:9, … (got “5:4”)." */
  return g_strdup_printf (_("%s must be one of %s (got “%s”)."),
                          ks_param_spec_get_label (spec), allowed, got);
}

/* A value given as text that is not a number in the allowed range. */
static gboolean
set_range_error (GError            **error,
                 const KsParamSpec  *spec,
                 const char         *value)
{
  g_autofree char *got = g_strdup_printf ("“%s”", value);
  g_autofree char *message = range_message (spec, got);

  g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, message);

  return FALSE;
}

static void
add_error (GPtrArray  *errors,
           const char *field,
           char       *message)
{
  g_ptr_array_add (errors, ks_field_error_new (field, message));
  g_free (message);
}

/* ---- Validation --------------------------------------------------------- */

static void
check_prompt (KsParams          *self,
              const KsParamSpec *spec,
              GPtrArray         *errors)
{
  g_autofree char *stripped = NULL;
  glong length;

  if (!g_utf8_validate (self->prompt, -1, NULL))
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("%s is not valid UTF-8 text."),
                                  ks_param_spec_get_label (spec)));
      return;
    }

  stripped = g_strstrip (g_strdup (self->prompt));
  if (spec->required && *stripped == '\0')
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("%s must not be empty: describe the change or the picture you want."),
                                  ks_param_spec_get_label (spec)));
      return;
    }

  length = g_utf8_strlen (self->prompt, -1);
  if (spec->maximum > 0 && length > spec->maximum)
    add_error (errors, spec->name,
               g_strdup_printf (_("%s must be at most %.0f characters long (got %ld)."),
                                ks_param_spec_get_label (spec), spec->maximum, length));
}

static void
check_references (KsParams          *self,
                  const KsParamSpec *spec,
                  GPtrArray         *errors)
{
  guint n = g_strv_length (self->references);

  if (spec == NULL)
    {
      if (n > 0)
        add_error (errors, "image_url",
                   g_strdup_printf (_("Text to image takes no reference image; %u given. Remove it or choose Edit."), n));
      return;
    }

  if (spec->type == KS_PARAM_URL && n != 1)
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("This model needs exactly one reference image; %u given."), n));
      return;
    }

  if (spec->type == KS_PARAM_URL_LIST && n < spec->minimum)
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("Multiple references need at least %.0f reference images; %u given."),
                                  spec->minimum, n));
      return;
    }

  if (spec->type == KS_PARAM_URL_LIST && spec->maximum > 0 && n > spec->maximum)
    {
      add_error (errors, spec->name,
                 g_strdup_printf (_("Multiple references take at most %.0f reference images; %u given."),
                                  spec->maximum, n));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      if (*self->references[i] == '\0')
        add_error (errors, spec->name,
                   g_strdup_printf (_("%s %u is empty: give a file, an https address or a data URI."),
                                    ks_param_spec_get_label (spec), i + 1));
    }
}

/**
 * ks_params_check:
 *
 * Returns: (transfer full) (element-type KsFieldError): every violation
 */
GPtrArray *
ks_params_check (KsParams *self)
{
  g_autoptr(GPtrArray) errors = NULL;
  const KsParamSpec *params;
  const KsParamSpec *reference_spec = NULL;
  guint n_params;

  g_return_val_if_fail (KS_IS_PARAMS (self), NULL);

  errors = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_field_error_free);
  params = ks_endpoint_get_params (self->endpoint, &n_params);

  for (guint i = 0; i < n_params; i++)
    {
      const KsParamSpec *spec = &params[i];

      switch (spec->type)
        {
        case KS_PARAM_STRING:
          check_prompt (self, spec, errors);
          break;

        case KS_PARAM_URL:
        case KS_PARAM_URL_LIST:
          reference_spec = spec;
          break;

        case KS_PARAM_NUMBER:
        case KS_PARAM_INTEGER:
          {
            double value = _ks_params_get_number_value (self, spec->name);

            if (!isfinite (value) || value < spec->minimum || value > spec->maximum)
              {
                g_autofree char *got = format_number (value);

                add_error (errors, spec->name, range_message (spec, got));
              }
          }
          break;

        case KS_PARAM_CHOICE:
          {
            g_autofree char *value = _ks_params_dup_choice_value (self, spec->name);

            if (value == NULL && spec->required)
              add_error (errors, spec->name, choice_message (spec, ""));
            else if (value != NULL && !ks_param_spec_has_choice (spec, value))
              add_error (errors, spec->name, choice_message (spec, value));
          }
          break;

        case KS_PARAM_SEED:
        case KS_PARAM_BOOLEAN:
        default:
          break;
        }
    }

  check_references (self, reference_spec, errors);

  return g_steal_pointer (&errors);
}

gboolean
ks_params_validate (KsParams  *self,
                    GError   **error)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);

  errors = ks_params_check (self);
  if (errors->len == 0)
    return TRUE;

  text = g_string_new (NULL);
  for (guint i = 0; i < errors->len; i++)
    {
      const KsFieldError *field_error = g_ptr_array_index (errors, i);

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, field_error->message);
    }

  g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, text->str);

  return FALSE;
}

/* ---- From text (the command line) ---------------------------------------- */

static gboolean
parse_boolean (const char *text,
               gboolean   *out_value)
{
  static const char * const truths[] = { "true", "yes", "on", "1", NULL };
  static const char * const falsehoods[] = { "false", "no", "off", "0", NULL };

  for (guint i = 0; truths[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (text, truths[i]) == 0)
        {
          *out_value = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, falsehoods[i]) == 0)
        {
          *out_value = FALSE;
          return TRUE;
        }
    }

  return FALSE;
}

static char *
known_fields (const KsEndpoint *endpoint)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  const KsParamSpec *params;
  guint n_params;

  params = ks_endpoint_get_params (endpoint, &n_params);
  for (guint i = 0; i < n_params; i++)
    {
      if (params[i].type != KS_PARAM_URL && params[i].type != KS_PARAM_URL_LIST)
        g_strv_builder_add (builder, params[i].name);
    }
  names = g_strv_builder_end (builder);

  return g_strjoinv (", ", names);
}

gboolean
ks_params_set_from_string (KsParams    *self,
                           const char  *field,
                           const char  *value,
                           GError     **error)
{
  g_autofree char *name = NULL;
  const KsParamSpec *spec;

  g_return_val_if_fail (KS_IS_PARAMS (self), FALSE);
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* "guidance-scale" is accepted as well as "guidance_scale". */
  name = g_strdelimit (g_strdup (field), "-", '_');
  spec = ks_endpoint_get_param (self->endpoint, name);

  if (spec == NULL || spec->type == KS_PARAM_URL || spec->type == KS_PARAM_URL_LIST)
    {
      g_autofree char *known = known_fields (self->endpoint);

      g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                   _("Unknown parameter “%s”: use one of %s."), field, known);
      return FALSE;
    }

  switch (spec->type)
    {
    case KS_PARAM_STRING:
      if (!g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                       _("%s is not valid UTF-8 text."), ks_param_spec_get_label (spec));
          return FALSE;
        }
      ks_params_set_prompt (self, value);
      return TRUE;

    case KS_PARAM_NUMBER:
      {
        char *end = NULL;
        double number = g_ascii_strtod (value, &end);

        if (*value == '\0' || g_ascii_isspace (*value) || end == NULL || *end != '\0' ||
            !isfinite (number) || number < spec->minimum || number > spec->maximum)
          return set_range_error (error, spec, value);

        ks_params_set_guidance_scale (self, number);
        return TRUE;
      }

    case KS_PARAM_INTEGER:
      {
        gint64 number;

        if (!g_ascii_string_to_signed (value, 10, (gint64) spec->minimum, (gint64) spec->maximum,
                                       &number, NULL))
          return set_range_error (error, spec, value);

        ks_params_set_num_images (self, (int) number);
        return TRUE;
      }

    case KS_PARAM_SEED:
      {
        guint64 seed;

        if (*value == '\0' || g_ascii_strcasecmp (value, "random") == 0)
          {
            ks_params_unset_seed (self);
            return TRUE;
          }

        if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &seed, NULL))
          {
            g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                         _("%s must be a whole number from 0 to 18446744073709551615 or “random” (got “%s”)."),
                         ks_param_spec_get_label (spec), value);
            return FALSE;
          }

        ks_params_set_seed (self, seed);
        return TRUE;
      }

    case KS_PARAM_BOOLEAN:
      {
        gboolean flag;

        if (!parse_boolean (value, &flag))
          {
            g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                         _("%s must be true or false (got “%s”)."),
                         ks_param_spec_get_label (spec), value);
            return FALSE;
          }

        _ks_params_set_boolean_value (self, spec->name, flag);
        return TRUE;
      }

    case KS_PARAM_CHOICE:
      if (*value == '\0' && !spec->required && spec->default_value == NULL)
        {
          _ks_params_set_choice_value (self, spec->name, NULL);
          return TRUE;
        }

      if (!ks_param_spec_has_choice (spec, value) || !_ks_params_set_choice_value (self, spec->name, value))
        {
          g_autofree char *message = choice_message (spec, value);

          g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS, message);
          return FALSE;
        }
      return TRUE;

    case KS_PARAM_URL:
    case KS_PARAM_URL_LIST:
    default:
      g_return_val_if_reached (FALSE);
    }
}

