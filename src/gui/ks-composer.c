#define G_LOG_DOMAIN "ks-composer"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ks-composer-private.h"
#include "ks-reference-tile.h"

/* A chosen aspect ratio that differs from the reference's by more than this
 * (relative) crops it visibly. */
#define ASPECT_TOLERANCE 0.05

G_DEFINE_FINAL_TYPE (KsComposer, ks_composer, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_PARAMS,
  PROP_CAN_SUBMIT,
  PROP_REASON,
  PROP_BUSY,
  N_PROPS
};

enum {
  SIGNAL_SUBMIT,
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- Helpers ------------------------------------------------------------- */

static KsMode
current_mode (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  if (n == 0)
    return KS_MODE_TEXT_TO_IMAGE;

  return n == 1 ? KS_MODE_EDIT : KS_MODE_MULTI;
}

static KsModel
current_model (KsComposer *self)
{
  return g_settings_get_enum (self->settings, "model") == 1 ? KS_MODEL_MAX : KS_MODEL_PRO;
}

/* The aspect ratios the model accepts, from the catalogue. */
static const char * const *
aspect_choices (void)
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

/* The fixed seed as typed: TRUE with @seed set when it is a valid one. */
static gboolean
parse_seed (const char *text,
            guint64    *seed)
{
  g_autofree char *stripped = NULL;

  if (text == NULL)
    return FALSE;

  stripped = g_strstrip (g_strdup (text));
  if (*stripped == '\0' || *stripped == '-' || *stripped == '+')
    return FALSE;

  return g_ascii_string_to_unsigned (stripped, 10, 0, G_MAXUINT64, seed, NULL);
}

static guint64
random_seed (void)
{
  return ((guint64) g_random_int () << 32) | (guint64) g_random_int ();
}

static char *
dup_prompt (KsComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->prompt_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

guint
_ks_composer_get_max_references (KsComposer *self)
{
  const KsEndpoint *endpoint = ks_endpoint_find (current_model (self), KS_MODE_MULTI);
  const KsParamSpec *spec = ks_endpoint_get_param (endpoint, "image_urls");

  if (spec != NULL && spec->maximum >= 1)
    return (guint) spec->maximum;

  return 10;
}

void
_ks_composer_emit_error (KsComposer *self,
                         const char *message)
{
  g_debug ("Reference refused: %s", message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

/* ---- State: one place that turns controls into parameters and words ------ */

static void
update_actions (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.generate", self->can_submit);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.clear-references", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.open-reference",
                                 n < _ks_composer_get_max_references (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.use-last-seed", self->last_seed != NULL);
}

static char *
dup_mode_text (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  switch (current_mode (self))
    {
    case KS_MODE_TEXT_TO_IMAGE:
      return g_strdup (_("Text to image"));

    case KS_MODE_EDIT:
      return g_strdup (_("Edit"));

    case KS_MODE_MULTI:
      return g_strdup_printf (ngettext ("Combine %u image", "Combine %u images", n), n);

    default:
      g_assert_not_reached ();
    }
}

static void
update_aspect_warning (KsComposer *self)
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

static void
set_reason (KsComposer *self,
            const char *reason)
{
  gboolean can_submit = reason == NULL;

  if (g_strcmp0 (self->reason, reason) != 0)
    {
      g_free (self->reason);
      self->reason = g_strdup (reason);
      gtk_label_set_label (self->reason_label, reason != NULL ? reason : "");
      gtk_widget_set_visible (GTK_WIDGET (self->reason_label), reason != NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
    }

  if (self->can_submit != can_submit)
    {
      self->can_submit = can_submit;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SUBMIT]);
    }
}

static void
update_state (KsComposer *self)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *price = NULL;
  g_autofree char *cost = NULL;
  g_autofree char *endpoint_text = NULL;
  const char *seed_text;
  const char *reason = NULL;
  gboolean fixed;
  guint64 seed;
  int n_images;

  prompt = g_strstrip (dup_prompt (self));
  errors = ks_params_check (self->params);
  fixed = g_settings_get_enum (self->settings, "seed-mode") == 1;
  seed_text = gtk_editable_get_text (GTK_EDITABLE (self->seed_row));

  if (*prompt == '\0')
    reason = current_mode (self) == KS_MODE_TEXT_TO_IMAGE
             ? _("Describe the image you want")
             : _("Describe the change you want");
  else if (_ks_composer_is_busy (self))
    reason = _("Reading the reference image…");
  else if (errors->len > 0)
    reason = ((KsFieldError *) g_ptr_array_index (errors, 0))->message;
  else if (fixed && (seed_text == NULL || *seed_text == '\0'))
    reason = _("Enter a seed, or turn Fixed Seed off");
  else if (fixed && !parse_seed (seed_text, &seed))
    reason = _("The seed must be a whole number from 0 to 18446744073709551615");

  set_reason (self, reason);

  if (seed_text != NULL && *seed_text != '\0' && !parse_seed (seed_text, &seed))
    gtk_widget_add_css_class (GTK_WIDGET (self->seed_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->seed_row), "error");

  /* The cost before spending it. */
  n_images = ks_params_get_num_images (self->params);
  price = ks_format_price (ks_params_get_cost (self->params));
  /* Translators: the cost of one submission, e.g. “3 images · $0.12” */
  cost = g_strdup_printf (ngettext ("%d image · %s", "%d images · %s", n_images), n_images, price);
  gtk_label_set_label (self->cost_label, cost);

  mode = dup_mode_text (self);
  gtk_label_set_label (self->mode_label, mode);
  endpoint_text = g_strdup_printf ("%s · %s",
                                   current_model (self) == KS_MODEL_MAX ? _("Kontext Max") : _("Kontext Pro"),
                                   mode);
  gtk_label_set_label (self->endpoint_label, endpoint_text);

  gtk_label_set_label (self->prompt_hint,
                       current_mode (self) == KS_MODE_TEXT_TO_IMAGE
                       ? _("Describe the picture, e.g. “A donut on a floury kitchen table”")
                       : _("Describe the change, e.g. “Put a donut next to the flour”"));
  gtk_widget_set_visible (GTK_WIDGET (self->prompt_hint),
                          gtk_text_buffer_get_char_count (gtk_text_view_get_buffer (self->prompt_view)) == 0);

  adw_action_row_set_subtitle (self->seed_mode_row,
                               fixed ? _("The same seed for every job")
                                     : _("A new random seed for every job"));

  update_aspect_warning (self);
  update_actions (self);
}

/* The aspect ratio list: “Match Input” only when there is an input. */
static void
sync_aspect_row (KsComposer *self)
{
  const char * const *choices = aspect_choices ();
  gboolean with_match = current_mode (self) != KS_MODE_TEXT_TO_IMAGE;
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
  const char * const *choices = aspect_choices ();
  gboolean with_match = current_mode (self) != KS_MODE_TEXT_TO_IMAGE;
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

/* Settings and references → the live parameter set. */
static void
sync_params (KsComposer *self)
{
  KsMode mode = current_mode (self);
  const KsEndpoint *endpoint = ks_endpoint_find (current_model (self), mode);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));
  g_autofree const char **references = g_new0 (const char *, n + 1);
  g_autofree char *aspect = g_settings_get_string (self->settings, "aspect-ratio");
  g_autofree char *format = g_settings_get_string (self->settings, "output-format");
  g_autofree char *prompt = dup_prompt (self);
  guint64 seed;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsReferenceItem) item = g_list_model_get_item (G_LIST_MODEL (self->references), i);

      references[i] = ks_reference_item_get_source (item);
    }

  g_object_freeze_notify (G_OBJECT (self->params));
  ks_params_set_endpoint (self->params, endpoint);
  ks_params_set_references (self->params, references);
  ks_params_set_prompt (self->params, prompt);
  if (g_strcmp0 (aspect, "match") == 0)
    ks_params_set_aspect_ratio (self->params, mode == KS_MODE_TEXT_TO_IMAGE ? "1:1" : NULL);
  else
    ks_params_set_aspect_ratio (self->params, aspect);
  ks_params_set_guidance_scale (self->params, g_settings_get_double (self->settings, "guidance"));
  ks_params_set_num_images (self->params, g_settings_get_int (self->settings, "num-images"));
  ks_params_set_safety_tolerance (self->params, g_settings_get_int (self->settings, "safety-tolerance"));
  ks_params_set_output_format (self->params, format);
  ks_params_set_enhance_prompt (self->params, g_settings_get_boolean (self->settings, "enhance-prompt"));
  if (g_settings_get_enum (self->settings, "seed-mode") == 1 &&
      parse_seed (gtk_editable_get_text (GTK_EDITABLE (self->seed_row)), &seed))
    ks_params_set_seed (self->params, seed);
  else
    ks_params_unset_seed (self->params);
  g_object_thaw_notify (G_OBJECT (self->params));

  update_state (self);
}

static void
on_settings_changed (KsComposer *self,
                     const char *key,
                     GSettings  *settings)
{
  if (g_strcmp0 (key, "aspect-ratio") == 0)
    sync_aspect_row (self);

  sync_params (self);
}

static void
on_prompt_changed (KsComposer    *self,
                   GtkTextBuffer *buffer)
{
  sync_params (self);
}

static void
on_seed_text_changed (KsComposer  *self,
                      GParamSpec  *pspec,
                      AdwEntryRow *row)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (row));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* Typing a seed means wanting it. */
  if (text != NULL && *text != '\0' && focus != NULL &&
      (focus == GTK_WIDGET (row) || gtk_widget_is_ancestor (focus, GTK_WIDGET (row))))
    g_settings_set_enum (self->settings, "seed-mode", 1);

  sync_params (self);
}

static void
update_positions (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  for (guint i = 0; i < n; i++)
    {
      GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->references_box, i);

      if (KS_IS_REFERENCE_TILE (child))
        ks_reference_tile_set_position (KS_REFERENCE_TILE (child), i, n);
    }
}

void
_ks_composer_references_changed (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  gtk_widget_set_visible (self->empty_button, n == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->references_box), n > 0);
  update_positions (self);
  sync_aspect_row (self);
  sync_params (self);
}

void
_ks_composer_notify_busy (KsComposer *self)
{
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
on_references_changed (KsComposer *self,
                       guint       position,
                       guint       removed,
                       guint       added,
                       GListModel *model)
{
  _ks_composer_references_changed (self);
}

/* ---- Reference tiles ----------------------------------------------------- */

static gboolean
find_item (KsComposer      *self,
           KsReferenceItem *item,
           guint           *position)
{
  return g_list_store_find (self->references, item, position);
}

static void
on_tile_remove (KsComposer      *self,
                KsReferenceTile *tile)
{
  guint position;

  if (find_item (self, ks_reference_tile_get_item (tile), &position))
    g_list_store_remove (self->references, position);
}

static void
move_item (KsComposer      *self,
           KsReferenceItem *item,
           guint            to)
{
  g_autoptr(KsReferenceItem) held = g_object_ref (item);
  guint from;

  if (!find_item (self, held, &from) || from == to)
    return;

  g_list_store_remove (self->references, from);
  g_list_store_insert (self->references, MIN (to, g_list_model_get_n_items (G_LIST_MODEL (self->references))), held);

  /* Keep the moved reference under the keyboard focus. */
  if (find_item (self, held, &to))
    gtk_widget_grab_focus (GTK_WIDGET (gtk_flow_box_get_child_at_index (self->references_box, to)));
}

static void
on_tile_move (KsComposer      *self,
              int              delta,
              KsReferenceTile *tile)
{
  KsReferenceItem *item = ks_reference_tile_get_item (tile);
  guint position;

  if (!find_item (self, item, &position))
    return;
  if ((delta < 0 && position == 0) ||
      (delta > 0 && position + 1 >= g_list_model_get_n_items (G_LIST_MODEL (self->references))))
    return;

  move_item (self, item, position + delta);
}

static void
on_tile_reorder (KsComposer      *self,
                 KsReferenceItem *dragged,
                 KsReferenceTile *tile)
{
  guint to;

  if (find_item (self, ks_reference_tile_get_item (tile), &to))
    move_item (self, dragged, to);
}

static GtkWidget *
create_tile (gpointer item,
             gpointer user_data)
{
  KsComposer *self = user_data;
  GtkWidget *tile = ks_reference_tile_new (item);

  g_signal_connect_object (tile, "remove", G_CALLBACK (on_tile_remove), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tile, "move", G_CALLBACK (on_tile_move), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tile, "reorder", G_CALLBACK (on_tile_reorder), self, G_CONNECT_SWAPPED);

  return tile;
}

/* ---- Actions ------------------------------------------------------------- */

static void
generate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ks_composer_submit (KS_COMPOSER (widget));
}

static void
open_reference_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  _ks_composer_open_reference (KS_COMPOSER (widget));
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  _ks_composer_paste (KS_COMPOSER (widget));
}

static void
clear_references_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KsComposer *self = KS_COMPOSER (widget);

  _ks_composer_cancel_pending (self);
  g_list_store_remove_all (self->references);
}

static void
use_seed (KsComposer *self,
          const char *seed)
{
  gtk_editable_set_text (GTK_EDITABLE (self->seed_row), seed);
  g_settings_set_string (self->settings, "fixed-seed", seed);
  g_settings_set_enum (self->settings, "seed-mode", 1);
  sync_params (self);
}

static void
random_seed_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, random_seed ());

  use_seed (KS_COMPOSER (widget), seed);
}

static void
use_last_seed_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KsComposer *self = KS_COMPOSER (widget);

  if (self->last_seed != NULL)
    use_seed (self, self->last_seed);
}

/* In the prompt, Ctrl+V of an image or of files adds references; text
 * pastes as usual. */
static void
on_prompt_paste (KsComposer  *self,
                 GtkTextView *view)
{
  if (!_ks_composer_clipboard_has_image (self))
    return;

  g_signal_stop_emission_by_name (view, "paste-clipboard");
  _ks_composer_paste (self);
}

/* ---- Settings bindings --------------------------------------------------- */

static gboolean
enum_to_selected (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_strcmp0 (nicks[i], nick) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
selected_to_enum (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint selected = g_value_get_uint (value);

  if (selected >= g_strv_length ((char **) nicks))
    return NULL;

  return g_variant_new_string (nicks[selected]);
}

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
  if (!parse_seed (text, &seed))
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
  if (parse_seed (gtk_editable_get_text (GTK_EDITABLE (self->seed_row)), &typed) &&
      parse_seed (stored, &kept) && typed == kept)
    return FALSE;

  g_value_set_string (value, stored);
  return TRUE;
}

static const char * const model_nicks[] = { "pro", "max", NULL };
static const char * const format_nicks[] = { "jpeg", "png", NULL };

static void
bind_settings (KsComposer *self)
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

  g_settings_bind_with_mapping (self->settings, "model", self->model_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) model_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "output-format", self->format_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_to_selected, selected_to_enum,
                                (gpointer) format_nicks, NULL);
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

  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed),
                           self, G_CONNECT_SWAPPED);
}

/* ---- GObject ------------------------------------------------------------- */

static void
ks_composer_constructed (GObject *object)
{
  KsComposer *self = KS_COMPOSER (object);

  G_OBJECT_CLASS (ks_composer_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_APP_ID);

  bind_settings (self);
  sync_aspect_row (self);
  g_signal_connect_object (self->aspect_row, "notify::selected",
                           G_CALLBACK (on_aspect_selected), self, G_CONNECT_SWAPPED);
  _ks_composer_references_changed (self);
}

static void
ks_composer_dispose (GObject *object)
{
  KsComposer *self = KS_COMPOSER (object);

  _ks_composer_input_dispose (self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  gtk_widget_dispose_template (GTK_WIDGET (object), KS_TYPE_COMPOSER);

  g_clear_object (&self->references);
  g_clear_object (&self->params);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->last_seed, g_free);
  g_clear_pointer (&self->reason, g_free);

  G_OBJECT_CLASS (ks_composer_parent_class)->dispose (object);
}

static void
ks_composer_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KsComposer *self = KS_COMPOSER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_PARAMS:
      g_value_set_object (value, self->params);
      break;

    case PROP_CAN_SUBMIT:
      g_value_set_boolean (value, self->can_submit);
      break;

    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, _ks_composer_is_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_composer_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  KsComposer *self = KS_COMPOSER (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_composer_class_init (KsComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ks_composer_constructed;
  object_class->dispose = ks_composer_dispose;
  object_class->get_property = ks_composer_get_property;
  object_class->set_property = ks_composer_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PARAMS] =
    g_param_spec_object ("params", NULL, NULL, KS_TYPE_PARAMS,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CAN_SUBMIT] =
    g_param_spec_boolean ("can-submit", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_REASON] =
    g_param_spec_string ("reason", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_PARAMS);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ks-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, KsComposer, mode_label);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, empty_button);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, references_box);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, prompt_hint);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, model_row);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, aspect_row);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, aspect_warning_row);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, guidance_spin);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, num_images_spin);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, format_row);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, enhance_switch);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, safety_scale);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, seed_mode_row);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, seed_switch);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, seed_row);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, last_seed_button);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, endpoint_label);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, cost_label);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, generate_button);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, reason_label);
  gtk_widget_class_bind_template_child (widget_class, KsComposer, drop_overlay);

  gtk_widget_class_install_action (widget_class, "composer.generate", NULL, generate_action);
  gtk_widget_class_install_action (widget_class, "composer.open-reference", NULL, open_reference_action);
  gtk_widget_class_install_action (widget_class, "composer.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "composer.clear-references", NULL, clear_references_action);
  gtk_widget_class_install_action (widget_class, "composer.random-seed", NULL, random_seed_action);
  gtk_widget_class_install_action (widget_class, "composer.use-last-seed", NULL, use_last_seed_action);

  /* Bubble phase: a focused text field pastes text itself first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "composer.open-reference", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "composer.paste", NULL);
}

static void
ks_composer_init (KsComposer *self)
{
  GtkEventController *controller;
  GtkTextBuffer *buffer;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  self->references = g_list_store_new (KS_TYPE_REFERENCE_ITEM);
  gtk_flow_box_bind_model (self->references_box, G_LIST_MODEL (self->references),
                           create_tile, self, NULL);
  g_signal_connect_object (self->references, "items-changed",
                           G_CALLBACK (on_references_changed), self, G_CONNECT_SWAPPED);

  buffer = gtk_text_view_get_buffer (self->prompt_view);
  g_signal_connect_object (buffer, "changed", G_CALLBACK (on_prompt_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->prompt_view, "paste-clipboard",
                           G_CALLBACK (on_prompt_paste), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->seed_row, "notify::text",
                           G_CALLBACK (on_seed_text_changed), self, G_CONNECT_SWAPPED);

  /* Ctrl+Enter submits from anywhere in the composer, the prompt included,
   * so it is caught before the text view turns it into a new line. */
  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_name (controller, "composer-generate-shortcuts");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("composer.generate")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Enter, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("composer.generate")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  _ks_composer_input_init (self);
}

/* ---- Public API ---------------------------------------------------------- */

GtkWidget *
ks_composer_new (GSettings *settings)
{
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (KS_TYPE_COMPOSER, "settings", settings, NULL);
}

KsParams *
ks_composer_get_params (KsComposer *self)
{
  g_return_val_if_fail (KS_IS_COMPOSER (self), NULL);

  return self->params;
}

gboolean
ks_composer_get_can_submit (KsComposer *self)
{
  g_return_val_if_fail (KS_IS_COMPOSER (self), FALSE);

  return self->can_submit;
}

const char *
ks_composer_get_reason (KsComposer *self)
{
  g_return_val_if_fail (KS_IS_COMPOSER (self), NULL);

  return self->reason;
}

guint
ks_composer_get_n_references (KsComposer *self)
{
  g_return_val_if_fail (KS_IS_COMPOSER (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->references));
}

void
ks_composer_set_prompt (KsComposer *self,
                        const char *prompt)
{
  g_return_if_fail (KS_IS_COMPOSER (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->prompt_view),
                            prompt != NULL ? prompt : "", -1);
}

void
ks_composer_set_last_seed (KsComposer *self,
                           const char *seed)
{
  guint64 value;

  g_return_if_fail (KS_IS_COMPOSER (self));

  if (seed != NULL && !parse_seed (seed, &value))
    seed = NULL;

  if (g_strcmp0 (self->last_seed, seed) == 0)
    return;

  g_free (self->last_seed);
  self->last_seed = g_strdup (seed);

  if (seed != NULL)
    {
      g_autofree char *tooltip = g_strdup_printf (_("Use the Last Seed (%s)"), seed);

      gtk_widget_set_tooltip_text (self->last_seed_button, tooltip);
    }
  else
    {
      gtk_widget_set_tooltip_text (self->last_seed_button, _("Use the Last Seed"));
    }

  update_actions (self);
}

gboolean
ks_composer_submit (KsComposer *self)
{
  g_autoptr(KsParams) snapshot = NULL;
  g_autofree char *seed_text = NULL;
  guint64 seed;

  g_return_val_if_fail (KS_IS_COMPOSER (self), FALSE);

  if (!self->can_submit)
    return FALSE;

  snapshot = ks_params_copy (self->params);
  if (!ks_params_get_seed (snapshot, &seed))
    {
      /* Drawn here, so the seed of every job is known and shown. */
      seed = random_seed ();
      ks_params_set_seed (snapshot, seed);
    }

  seed_text = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  ks_composer_set_last_seed (self, seed_text);

  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0, snapshot);
  return TRUE;
}

void
ks_composer_use_item (KsComposer    *self,
                      KsGalleryItem *item)
{
  KsJobImage *image;
  KsJob *job;
  GBytes *bytes;
  g_autofree char *name = NULL;

  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (KS_IS_GALLERY_ITEM (item));

  image = ks_gallery_item_get_image (item);
  if (image == NULL || (bytes = ks_job_image_get_bytes (image)) == NULL)
    {
      _ks_composer_emit_error (self, _("This result has no image yet. Wait until it is finished."));
      return;
    }

  job = ks_gallery_item_get_job (item);
  if (job != NULL && ks_job_get_seed (job) != NULL)
    name = g_strdup_printf ("kontext-%s-%u.%s", ks_job_get_seed (job),
                            ks_job_image_get_index (image) + 1,
                            ks_job_image_get_extension (image));
  else
    name = g_strdup_printf ("kontext-result-%u.%s", ks_job_image_get_index (image) + 1,
                            ks_job_image_get_extension (image));

  _ks_composer_cancel_pending (self);
  _ks_composer_add_bytes_full (self, bytes, name, TRUE);
}

void
ks_composer_load_params (KsComposer *self,
                         KsParams   *params)
{
  const KsEndpoint *endpoint;
  const char * const *references;
  const char *aspect;
  guint64 seed;

  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (KS_IS_PARAMS (params));

  endpoint = ks_params_get_endpoint (params);
  aspect = ks_params_get_aspect_ratio (params);

  g_settings_delay (self->settings);
  g_settings_set_enum (self->settings, "model", ks_endpoint_get_model (endpoint) == KS_MODEL_MAX ? 1 : 0);
  if (aspect != NULL && g_strv_contains (aspect_choices (), aspect) &&
      !(ks_endpoint_get_mode (endpoint) == KS_MODE_TEXT_TO_IMAGE && g_strcmp0 (aspect, "1:1") == 0))
    g_settings_set_string (self->settings, "aspect-ratio", aspect);
  else
    g_settings_set_string (self->settings, "aspect-ratio", "match");
  g_settings_set_double (self->settings, "guidance",
                         CLAMP (ks_params_get_guidance_scale (params), 1.0, 20.0));
  g_settings_set_int (self->settings, "num-images", CLAMP (ks_params_get_num_images (params), 1, 4));
  g_settings_set_int (self->settings, "safety-tolerance",
                      CLAMP (ks_params_get_safety_tolerance (params), 1, 6));
  g_settings_set_string (self->settings, "output-format",
                         g_strcmp0 (ks_params_get_output_format (params), "png") == 0 ? "png" : "jpeg");
  g_settings_set_boolean (self->settings, "enhance-prompt", ks_params_get_enhance_prompt (params));
  if (ks_params_get_seed (params, &seed))
    {
      g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);

      g_settings_set_string (self->settings, "fixed-seed", text);
      g_settings_set_enum (self->settings, "seed-mode", 1);
    }
  else
    {
      g_settings_set_enum (self->settings, "seed-mode", 0);
    }
  g_settings_apply (self->settings);

  ks_composer_set_prompt (self, ks_params_get_prompt (params));

  _ks_composer_cancel_pending (self);
  g_list_store_remove_all (self->references);
  references = ks_params_get_references (params);
  for (guint i = 0; references != NULL && references[i] != NULL; i++)
    {
      g_autofree char *scheme = g_uri_parse_scheme (references[i]);
      g_autoptr(GFile) file = NULL;

      if (ks_reference_is_remote (references[i]) &&
          (scheme == NULL || g_ascii_strcasecmp (scheme, "data") != 0))
        {
          _ks_composer_add_url (self, references[i]);
          continue;
        }

      if (scheme != NULL && g_ascii_strcasecmp (scheme, "data") == 0)
        {
          _ks_composer_emit_error (self, _("A reference given as embedded data cannot be shown again; add the image once more."));
          continue;
        }

      file = scheme != NULL ? g_file_new_for_uri (references[i]) : g_file_new_for_path (references[i]);
      _ks_composer_add_file_full (self, file, FALSE);
    }

  sync_params (self);
}
