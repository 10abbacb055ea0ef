#define G_LOG_DOMAIN "ks-composer"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-composer-private.h"
#include "ks-settings-bind.h"

/* The composer's parameters as GSettings keys: the bindings between keys
 * and controls, and the aspect ratio list, whose choices follow the mode. */

/* A chosen aspect ratio that differs from the reference's by more than this
 * (relative) crops it visibly. */
#define ASPECT_TOLERANCE 0.05

/* ---- Aspect ratio -------------------------------------------------------- */

/* The aspect ratios the model accepts, from the catalogue. */
const char * const *
_ks_composer_aspect_choices (void)
{
  const KsEndpoint *endpoint = ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE);
  const KsParamSpec *spec = ks_endpoint_get_param (endpoint, "aspect_ratio");

  g_assert (spec != NULL && spec->choices != NULL);

  return spec->choices;
}

static gboolean
parse_ratio (const char *text,
             double     *ratio)
{
  guint64 w, h;
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return FALSE;

  parts = g_strsplit (text, ":", 2);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, 1000, &w, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 1000, &h, NULL))
    return FALSE;

  *ratio = (double) w / (double) h;
  return TRUE;
}

void
_ks_composer_update_aspect_warning (KsComposer *self)
{
  g_autofree char *chosen = g_settings_get_string (self->settings, "aspect-ratio");
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));
  guint n_cropped = 0;
  double ratio;

  if (n > 0 && parse_ratio (chosen, &ratio))
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(KsReferenceItem) item = g_list_model_get_item (G_LIST_MODEL (self->references), i);
        int w = ks_reference_item_get_width (item);
        int h = ks_reference_item_get_height (item);

        if (w > 0 && h > 0 && fabs (ratio / ((double) w / h) - 1.0) > ASPECT_TOLERANCE)
          n_cropped++;
      }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->aspect_warning_row),
                                 n > 1 ? _("This crops some references") : _("This crops the reference"));
  gtk_widget_set_visible (GTK_WIDGET (self->aspect_warning_row), n_cropped > 0);
}

/* The aspect ratio list: “Match Input” only when there is an input. */
void
_ks_composer_sync_aspect_row (KsComposer *self)
{
  const char * const *choices = _ks_composer_aspect_choices ();
  gboolean with_match = _ks_composer_current_mode (self) != KS_MODE_TEXT_TO_IMAGE;
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  g_autofree char *value = g_settings_get_string (self->settings, "aspect-ratio");
  GListModel *old_model = adw_combo_row_get_model (self->aspect_row);
  guint selected = 0;
  guint offset = with_match ? 1 : 0;

  if (with_match)
    gtk_string_list_append (list, _("Match Input"));
  for (guint i = 0; choices[i] != NULL; i++)
    {
      gtk_string_list_append (list, choices[i]);
      if (g_strcmp0 (choices[i], value) == 0)
        selected = i + offset;
      else if (!with_match && g_strcmp0 (choices[i], "1:1") == 0 && g_strcmp0 (value, "match") == 0)
        selected = i;
    }

  self->syncing = TRUE;
  if (old_model == NULL ||
      g_list_model_get_n_items (old_model) != g_list_model_get_n_items (G_LIST_MODEL (list)))
    adw_combo_row_set_model (self->aspect_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->aspect_row, selected);
  self->syncing = FALSE;
}

static void
on_aspect_selected (KsComposer  *self,
                    GParamSpec  *pspec,
                    AdwComboRow *row)
{
  const char * const *choices = _ks_composer_aspect_choices ();
  gboolean with_match = _ks_composer_current_mode (self) != KS_MODE_TEXT_TO_IMAGE;
  guint selected = adw_combo_row_get_selected (row);
  guint n_choices = g_strv_length ((char **) choices);
  const char *value;

  if (self->syncing || selected == GTK_INVALID_LIST_POSITION)
    return;

  if (with_match)
    value = selected == 0 ? "match" : (selected - 1 < n_choices ? choices[selected - 1] : NULL);
  else
    value = selected < n_choices ? choices[selected] : NULL;

  if (value != NULL)
    g_settings_set_string (self->settings, "aspect-ratio", value);
}

/* ---- Settings bindings --------------------------------------------------- */

static gboolean
seed_mode_to_active (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_boolean (value, g_strcmp0 (g_variant_get_string (variant, NULL), "fixed") == 0);
  return TRUE;
}

static GVariant *
active_to_seed_mode (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  return g_variant_new_string (g_value_get_boolean (value) ? "fixed" : "random");
}

/* Only seeds that are seeds are kept. */
static GVariant *
text_to_fixed_seed (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  const char *text = g_value_get_string (value);
  g_autofree char *stripped = NULL;
  guint64 seed;

  if (text == NULL || *text == '\0')
    return g_variant_new_string ("");
  if (!_ks_composer_parse_seed (text, &seed))
    return NULL;

  stripped = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  return g_variant_new_string (stripped);
}

static gboolean
fixed_seed_to_text (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  KsComposer *self = user_data;
  const char *stored = g_variant_get_string (variant, NULL);
  guint64 typed, kept;

  /* Leave the entry alone while it holds the same number. */
  if (_ks_composer_parse_seed (gtk_editable_get_text (GTK_EDITABLE (self->seed_row)), &typed) &&
      _ks_composer_parse_seed (stored, &kept) && typed == kept)
    return FALSE;

  g_value_set_string (value, stored);
  return TRUE;
}

static const char * const model_nicks[] = { "pro", "max", NULL };
static const char * const format_nicks[] = { "jpeg", "png", NULL };

void
_ks_composer_bind_settings (KsComposer *self)
{
  g_autoptr(GtkStringList) models = gtk_string_list_new (NULL);

  for (guint i = 0; model_nicks[i] != NULL; i++)
    {
      KsModel model = i == 0 ? KS_MODEL_PRO : KS_MODEL_MAX;
      const KsEndpoint *endpoint = ks_endpoint_find (model, KS_MODE_EDIT);
      g_autofree char *price = ks_format_price (ks_endpoint_get_price_per_image (endpoint));
      g_autofree char *label = NULL;

      /* Translators: a model and its price, e.g. “Pro · $0.04 per image” */
      label = g_strdup_printf (_("%s · %s per image"),
                               model == KS_MODEL_PRO ? _("Pro") : _("Max"), price);
      gtk_string_list_append (models, label);
    }
  adw_combo_row_set_model (self->model_row, G_LIST_MODEL (models));

  ks_settings_bind_nicks (self->settings, "model", self->model_row, "selected", model_nicks);
  ks_settings_bind_nicks (self->settings, "output-format", self->format_row, "selected",
                          format_nicks);
  g_settings_bind (self->settings, "guidance",
                   gtk_spin_button_get_adjustment (self->guidance_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "num-images",
                   gtk_spin_button_get_adjustment (self->num_images_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "safety-tolerance",
                   gtk_range_get_adjustment (GTK_RANGE (self->safety_scale)), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "enhance-prompt", self->enhance_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "seed-mode", self->seed_switch, "active",
                                G_SETTINGS_BIND_DEFAULT, seed_mode_to_active, active_to_seed_mode,
                                NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "fixed-seed", self->seed_row, "text",
                                G_SETTINGS_BIND_DEFAULT, fixed_seed_to_text, text_to_fixed_seed,
                                self, NULL);

  g_signal_connect_object (self->aspect_row, "notify::selected",
                           G_CALLBACK (on_aspect_selected), self, G_CONNECT_SWAPPED);
}
