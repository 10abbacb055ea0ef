#define G_LOG_DOMAIN "ks-viewer"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-viewer-private.h"
#include "ks-tooltip.h"

/* The panel beside the image: the prompt and every parameter of the
 * record, and what the service said about the result. */

static void
set_row (AdwActionRow *row,
         GtkLabel     *value_label,
         const char   *value)
{
  gtk_widget_set_visible (GTK_WIDGET (row), value != NULL);
  gtk_label_set_label (value_label, value != NULL ? value : "");
}

static const char *
mode_to_label (KsMode mode)
{
  switch (mode)
    {
    case KS_MODE_EDIT:
      return _("Edit");
    case KS_MODE_TEXT_TO_IMAGE:
      return _("Text to Image");
    case KS_MODE_MULTI:
      return _("Several References");
    default:
      g_assert_not_reached ();
    }
}

static const char *
model_to_label (KsModel model)
{
  switch (model)
    {
    case KS_MODEL_PRO:
      return _("FLUX.1 Kontext [pro]");
    case KS_MODEL_MAX:
      return _("FLUX.1 Kontext [max]");
    default:
      g_assert_not_reached ();
    }
}

static char *
describe_tolerance (int tolerance)
{
  const char *words;

  if (tolerance <= 2)
    words = _("Strict");
  else if (tolerance <= 4)
    words = _("Balanced");
  else
    words = _("Permissive");

  /* Translators: safety tolerance, e.g. "2 of 6 · Strict" */
  return g_strdup_printf (_("%d of 6 · %s"), tolerance, words);
}

static char *
describe_seconds (double seconds)
{
  if (seconds < 0)
    return NULL;

  /* Translators: a duration in seconds */
  return g_strdup_printf (_("%.1f s"), seconds);
}

static char *
describe_time (gint64 when)
{
  g_autoptr(GDateTime) date = NULL;

  if (when <= 0)
    return NULL;

  date = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
  if (date == NULL)
    return NULL;

  /* Translators: when a job was made, as strftime() formats it */
  return g_date_time_format (date, _("%Y-%m-%d %H:%M"));
}

void
_ks_viewer_update_details (KsViewer *self)
{
  KsRecord *record = _ks_viewer_get_record (self);
  const KsRecordImage *image = _ks_viewer_get_image (self);
  KsParams *params = record != NULL ? ks_record_get_params (record) : NULL;
  g_autofree char *guidance = NULL;
  g_autofree char *tolerance = NULL;
  g_autofree char *size = NULL;
  g_autofree char *inference = NULL;
  g_autofree char *queue = NULL;
  g_autofree char *cost = NULL;
  g_autofree char *created = NULL;
  g_autofree char *seed = _ks_viewer_dup_seed (self);
  g_autofree char *returned_stripped = NULL;
  const char *prompt = NULL;
  const char *returned_prompt = NULL;
  const char *model = NULL;
  const char *mode = NULL;
  const char *aspect = NULL;
  const char *format = NULL;
  const char *enhance = NULL;
  const char *request_id = NULL;
  const char *state = NULL;
  const char *nsfw = NULL;
  gboolean show_returned;

  if (params != NULL)
    {
      const KsEndpoint *endpoint = ks_params_get_endpoint (params);

      prompt = ks_params_get_prompt (params);
      model = model_to_label (ks_endpoint_get_model (endpoint));
      mode = mode_to_label (ks_endpoint_get_mode (endpoint));
      guidance = g_strdup_printf ("%.1f", ks_params_get_guidance_scale (params));
      tolerance = describe_tolerance (ks_params_get_safety_tolerance (params));
      aspect = ks_params_get_aspect_ratio (params);
      if (aspect == NULL)
        aspect = _("Match Input");
      enhance = ks_params_get_enhance_prompt (params) ? _("On") : _("Off");
      format = g_strcmp0 (ks_params_get_output_format (params), "png") == 0 ? _("PNG") : _("JPEG");
    }

  if (record != NULL)
    {
      returned_prompt = ks_record_get_returned_prompt (record);
      request_id = ks_record_get_request_id (record);
      inference = describe_seconds (ks_record_get_inference_time (record));
      queue = describe_seconds (ks_record_get_queue_time (record));
      cost = ks_record_get_cost (record) > 0 ? ks_format_price (ks_record_get_cost (record)) : NULL;
      created = describe_time (ks_record_get_created (record));
      state = ks_record_state_describe (ks_record_get_state (record));
    }

  if (prompt == NULL && self->item != NULL)
    prompt = ks_gallery_item_get_title (self->item);
  if (prompt == NULL && returned_prompt != NULL)
    prompt = returned_prompt;

  if (image != NULL)
    {
      const char *own = _ks_viewer_image_format (image);

      if (image->width > 0 && image->height > 0)
        /* Translators: an image size in pixels */
        size = g_strdup_printf (_("%d × %d px"), image->width, image->height);
      if (own != NULL)
        format = g_str_equal (own, "png") ? _("PNG") : _("JPEG");
      nsfw = image->has_nsfw_concepts ? _("Flagged: pixels withheld") : _("Passed");
    }

  gtk_label_set_label (self->title_label, prompt != NULL ? prompt : "");
  gtk_label_set_label (self->prompt_label, prompt != NULL ? prompt : "");

  if (returned_prompt != NULL)
    returned_stripped = g_strstrip (g_strdup (returned_prompt));
  show_returned = returned_stripped != NULL && *returned_stripped != '\0' &&
                  g_strcmp0 (returned_stripped, prompt) != 0;
  gtk_label_set_label (self->returned_prompt_label, show_returned ? returned_prompt : "");
  gtk_widget_set_visible (GTK_WIDGET (self->returned_prompt_heading), show_returned);
  gtk_widget_set_visible (GTK_WIDGET (self->returned_prompt_label), show_returned);

  set_row (self->state_row, self->state_value, state);
  set_row (self->model_row, self->model_value, model);
  set_row (self->mode_row, self->mode_value, mode);
  set_row (self->guidance_row, self->guidance_value, guidance);
  set_row (self->safety_row, self->safety_value, tolerance);
  set_row (self->aspect_row, self->aspect_value, params != NULL ? aspect : NULL);
  set_row (self->size_row, self->size_value, size);
  set_row (self->seed_row, self->seed_value, seed);
  set_row (self->format_row, self->format_value, format);
  set_row (self->enhance_row, self->enhance_value, enhance);
  set_row (self->nsfw_row, self->nsfw_value, nsfw);
  set_row (self->inference_row, self->inference_value, inference);
  set_row (self->queue_row, self->queue_value, queue);
  set_row (self->cost_row, self->cost_value, cost);
  set_row (self->created_row, self->created_value, created);
  set_row (self->request_row, self->request_value, request_id);
  ks_set_tooltip (GTK_WIDGET (self->request_value), request_id);
  set_row (self->service_row, self->service_value,
           self->item != NULL && ks_gallery_item_get_simulated (self->item)
           ? _("Simulated (demo service, no key)") : NULL);
}
