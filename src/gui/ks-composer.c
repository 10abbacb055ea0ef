#define G_LOG_DOMAIN "ks-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-composer-private.h"
#include "ks-tooltip.h"

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

KsMode
_ks_composer_current_mode (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  if (n == 0)
    return KS_MODE_TEXT_TO_IMAGE;

  return n == 1 ? KS_MODE_EDIT : KS_MODE_MULTI;
}

KsModel
_ks_composer_current_model (KsComposer *self)
{
  return g_settings_get_enum (self->settings, "model") == 1 ? KS_MODEL_MAX : KS_MODEL_PRO;
}

/* The fixed seed as typed: TRUE with @seed set when it is a valid one. */
gboolean
_ks_composer_parse_seed (const char *text,
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
  const KsEndpoint *endpoint = ks_endpoint_find (_ks_composer_current_model (self), KS_MODE_MULTI);
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

  switch (_ks_composer_current_mode (self))
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
    reason = _ks_composer_current_mode (self) == KS_MODE_TEXT_TO_IMAGE
             ? _("Describe the image you want")
             : _("Describe the change you want");
  else if (_ks_composer_is_busy (self))
    reason = _("Reading the reference image…");
  else if (errors->len > 0)
    reason = ((KsFieldError *) g_ptr_array_index (errors, 0))->message;
  else if (fixed && (seed_text == NULL || *seed_text == '\0'))
    reason = _("Enter a seed, or turn Fixed Seed off");
  else if (fixed && !_ks_composer_parse_seed (seed_text, &seed))
    reason = _("The seed must be a whole number from 0 to 18446744073709551615");

  set_reason (self, reason);

  if (seed_text != NULL && *seed_text != '\0' && !_ks_composer_parse_seed (seed_text, &seed))
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
                                   _ks_composer_current_model (self) == KS_MODEL_MAX ? _("Kontext Max") : _("Kontext Pro"),
                                   mode);
  gtk_label_set_label (self->endpoint_label, endpoint_text);

  gtk_label_set_label (self->prompt_hint,
                       _ks_composer_current_mode (self) == KS_MODE_TEXT_TO_IMAGE
                       ? _("Describe the picture, e.g. “A donut on a floury kitchen table”")
                       : _("Describe the change, e.g. “Put a donut next to the flour”"));
  gtk_widget_set_visible (GTK_WIDGET (self->prompt_hint),
                          gtk_text_buffer_get_char_count (gtk_text_view_get_buffer (self->prompt_view)) == 0);

  adw_action_row_set_subtitle (self->seed_mode_row,
                               fixed ? _("The same seed for every job")
                                     : _("A new random seed for every job"));

  _ks_composer_update_aspect_warning (self);
  update_actions (self);
}

/* Settings and references → the live parameter set. */
void
_ks_composer_sync_params (KsComposer *self)
{
  KsMode mode = _ks_composer_current_mode (self);
  const KsEndpoint *endpoint = ks_endpoint_find (_ks_composer_current_model (self), mode);
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
      _ks_composer_parse_seed (gtk_editable_get_text (GTK_EDITABLE (self->seed_row)), &seed))
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
    _ks_composer_sync_aspect_row (self);

  _ks_composer_sync_params (self);
}

static void
on_prompt_changed (KsComposer    *self,
                   GtkTextBuffer *buffer)
{
  _ks_composer_sync_params (self);
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

  _ks_composer_sync_params (self);
}

void
_ks_composer_references_changed (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  gtk_widget_set_visible (self->empty_button, n == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->references_box), n > 0);
  _ks_composer_update_positions (self);
  _ks_composer_check_parent (self);
  _ks_composer_sync_aspect_row (self);
  _ks_composer_sync_params (self);
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
  _ks_composer_sync_params (self);
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

/* ---- GObject ------------------------------------------------------------- */

static void
ks_composer_constructed (GObject *object)
{
  KsComposer *self = KS_COMPOSER (object);

  G_OBJECT_CLASS (ks_composer_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_APP_ID);

  _ks_composer_bind_settings (self);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed),
                           self, G_CONNECT_SWAPPED);
  _ks_composer_sync_aspect_row (self);
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
  g_clear_pointer (&self->parent_id, g_free);
  g_clear_pointer (&self->parent_source, g_free);

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
                           _ks_composer_create_tile, self, NULL);
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

  if (seed != NULL && !_ks_composer_parse_seed (seed, &value))
    seed = NULL;

  if (g_strcmp0 (self->last_seed, seed) == 0)
    return;

  g_free (self->last_seed);
  self->last_seed = g_strdup (seed);

  if (seed != NULL)
    {
      g_autofree char *tooltip = g_strdup_printf (_("Use the Last Seed (%s)"), seed);

      ks_set_tooltip (self->last_seed_button, tooltip);
    }
  else
    {
      ks_set_tooltip (self->last_seed_button, _("Use the Last Seed"));
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
