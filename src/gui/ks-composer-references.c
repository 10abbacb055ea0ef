#define G_LOG_DOMAIN "ks-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-composer-private.h"
#include "ks-reference-tile.h"

/* The reference strip's tiles (remove, move, reorder), and references that
 * come back from the library: a result used as the reference (remembering
 * it as the parent of what comes next) and a stored job's settings. */

void
_ks_composer_update_positions (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  for (guint i = 0; i < n; i++)
    {
      GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->references_box, i);

      if (KS_IS_REFERENCE_TILE (child))
        ks_reference_tile_set_position (KS_REFERENCE_TILE (child), i, n);
    }
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

  /* Out and back in: the parent stays while its reference is away. */
  self->moving = TRUE;
  g_list_store_remove (self->references, from);
  self->moving = FALSE;
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

GtkWidget *
_ks_composer_create_tile (gpointer item,
                          gpointer user_data)
{
  KsComposer *self = user_data;
  GtkWidget *tile = ks_reference_tile_new (item);

  g_signal_connect_object (tile, "remove", G_CALLBACK (on_tile_remove), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tile, "move", G_CALLBACK (on_tile_move), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tile, "reorder", G_CALLBACK (on_tile_reorder), self, G_CONNECT_SWAPPED);

  return tile;
}

/* ---- Lineage -------------------------------------------------------------- */

void
_ks_composer_set_parent (KsComposer *self,
                         const char *parent_id,
                         guint       parent_image,
                         const char *source)
{
  g_free (self->parent_id);
  self->parent_id = g_strdup (parent_id);
  self->parent_image = parent_id != NULL ? parent_image : 0;
  g_free (self->parent_source);
  self->parent_source = parent_id != NULL ? g_strdup (source) : NULL;
}

void
_ks_composer_check_parent (KsComposer *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->references));

  if (self->parent_id == NULL || self->moving)
    return;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(KsReferenceItem) item = g_list_model_get_item (G_LIST_MODEL (self->references), i);

      if (g_strcmp0 (ks_reference_item_get_source (item), self->parent_source) == 0)
        return;
    }

  /* The result's image is no longer among the references. */
  _ks_composer_set_parent (self, NULL, 0, NULL);
}

const char *
ks_composer_get_parent (KsComposer *self,
                        guint      *image_index)
{
  g_return_val_if_fail (KS_IS_COMPOSER (self), NULL);

  if (image_index != NULL)
    *image_index = self->parent_image;

  return self->parent_id;
}

/* ---- From the library ----------------------------------------------------- */

void
ks_composer_use_item (KsComposer    *self,
                      KsGalleryItem *item)
{
  const KsRecordImage *image;
  KsRecord *record;
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (KS_IS_GALLERY_ITEM (item));

  image = ks_gallery_item_get_image (item);
  if (image == NULL || image->file == NULL)
    {
      _ks_composer_emit_error (self, _("This result has no image yet. Wait until it is finished."));
      return;
    }
  if (image->has_nsfw_concepts)
    {
      _ks_composer_emit_error (self, _("The safety check withheld this image, so it cannot be used as a reference. Run the job again with a new seed."));
      return;
    }

  record = ks_gallery_item_get_record (item);
  file = ks_library_resolve (ks_gallery_item_get_library (item), image->file);
  if (ks_record_get_seed (record) != NULL)
    /* Translators: a result used as a reference, e.g. “Result 2 · seed 42” */
    name = g_strdup_printf (_("Result %u · seed %s"), image->index + 1, ks_record_get_seed (record));
  else
    name = g_strdup_printf (_("Result %u"), image->index + 1);

  _ks_composer_cancel_pending (self);
  _ks_composer_add_named_file (self, file, name, TRUE, ks_record_get_id (record), image->index);
}

/* Every setting but the prompt and the references; @seed (decimal) wins
 * over the one in @params. */
static void
load_settings (KsComposer *self,
               KsParams   *params,
               const char *seed_text)
{
  const KsEndpoint *endpoint = ks_params_get_endpoint (params);
  const char *aspect = ks_params_get_aspect_ratio (params);
  guint64 seed;
  gboolean has_seed;

  has_seed = _ks_composer_parse_seed (seed_text, &seed) || ks_params_get_seed (params, &seed);

  g_settings_delay (self->settings);
  g_settings_set_enum (self->settings, "model", ks_endpoint_get_model (endpoint) == KS_MODEL_MAX ? 1 : 0);
  if (aspect != NULL && g_strv_contains (_ks_composer_aspect_choices (), aspect) &&
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
  if (has_seed)
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
}

static void
clear_references (KsComposer *self)
{
  _ks_composer_cancel_pending (self);
  _ks_composer_set_parent (self, NULL, 0, NULL);
  g_list_store_remove_all (self->references);
  _ks_composer_clear_recipe_offer (self);
}

/* References as KsParams names them: paths, file: URIs and http(s) URLs. */
static void
add_param_references (KsComposer *self,
                      KsParams   *params)
{
  const char * const *references = ks_params_get_references (params);

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
}

void
ks_composer_load_params (KsComposer *self,
                         KsParams   *params)
{
  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (KS_IS_PARAMS (params));

  load_settings (self, params, NULL);
  clear_references (self);
  add_param_references (self, params);
  _ks_composer_sync_params (self);
}

void
ks_composer_reuse_record (KsComposer *self,
                          KsLibrary  *library,
                          KsRecord   *record)
{
  KsParams *params;
  GPtrArray *references;

  g_return_if_fail (KS_IS_COMPOSER (self));
  g_return_if_fail (KS_IS_LIBRARY (library));
  g_return_if_fail (KS_IS_RECORD (record));

  params = ks_record_get_params (record);
  references = ks_record_get_references (record);

  load_settings (self, params, ks_record_get_seed (record));
  clear_references (self);

  /* Records made before their references were stored name them only in
   * the parameters. */
  if (references == NULL || references->len == 0)
    {
      add_param_references (self, params);
      _ks_composer_sync_params (self);
      return;
    }

  for (guint i = 0; i < references->len; i++)
    {
      const KsRecordReference *reference = g_ptr_array_index (references, i);

      if (reference->file != NULL)
        {
          g_autoptr(GFile) file = ks_library_resolve (library, reference->file);
          /* An edit of an edit stays one: the first reference was the
           * parent's image. */
          const char *parent_id = i == 0 ? ks_record_get_parent_id (record) : NULL;

          _ks_composer_add_named_file (self, file, reference->source_name, FALSE,
                                       parent_id, ks_record_get_parent_image (record));
        }
      else if (reference->url != NULL)
        {
          _ks_composer_add_url (self, reference->url);
        }
    }

  _ks_composer_sync_params (self);
}

/* ---- the recipe offer ----------------------------------------------------- */

/* Exported images carry the settings they were made with. Restoring puts
 * those settings (and the prompt) into the controls and leaves the
 * references as they are: the image just dropped stays the reference. */

static void
on_recipe_restore (KsComposer *self)
{
  g_autoptr(KsParams) params = NULL;

  if (self->offered_recipe == NULL)
    return;

  params = ks_recipe_dup_params (self->offered_recipe);
  load_settings (self, params, NULL);
  _ks_composer_sync_params (self);
  _ks_composer_clear_recipe_offer (self);
}

void
_ks_composer_clear_recipe_offer (KsComposer *self)
{
  g_clear_object (&self->offered_recipe);
  if (self->recipe_offer != NULL)
    gtk_revealer_set_reveal_child (self->recipe_offer, FALSE);
}

void
_ks_composer_offer_recipe (KsComposer      *self,
                           KsReferenceItem *item)
{
  KsRecipe *recipe = ks_reference_item_get_recipe (item);
  const char *problem = ks_reference_item_get_recipe_error (item);
  g_autofree char *text = NULL;

  g_set_object (&self->offered_recipe, recipe);

  if (recipe != NULL)
    /* Translators: %s is the file name of a reference image */
    text = g_strdup_printf (_("“%s” has the settings it was made with."),
                            ks_reference_item_get_name (item));
  else
    /* Translators: %s is the file name, the second %s why its settings cannot be read */
    text = g_strdup_printf (_("“%s” was added as a reference, but its settings cannot be restored. %s"),
                            ks_reference_item_get_name (item), problem);

  gtk_label_set_text (self->recipe_label, text);
  gtk_widget_set_visible (self->recipe_button, recipe != NULL);
  gtk_revealer_set_reveal_child (self->recipe_offer, TRUE);
}

void
_ks_composer_build_recipe_offer (KsComposer *self)
{
  GtkWidget *strip = GTK_WIDGET (self->references_box);
  GtkWidget *parent = gtk_widget_get_parent (strip);
  GtkWidget *box;
  GtkWidget *label;
  GtkWidget *button;
  GtkWidget *close;

  g_assert (GTK_IS_BOX (parent));

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 4);

  label = gtk_label_new (NULL);
  gtk_widget_set_name (label, "recipe_label");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 8);
  gtk_widget_set_margin_bottom (label, 8);
  gtk_box_append (GTK_BOX (box), label);

  button = gtk_button_new_with_mnemonic (_("_Restore Settings"));
  gtk_widget_set_name (button, "recipe_restore_button");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Put the prompt, model, seed and every setting of this image into the composer"));
  gtk_widget_add_css_class (button, "suggested-action");
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_recipe_restore), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), button);

  close = gtk_button_new_from_icon_name ("window-close-symbolic");
  gtk_widget_set_name (close, "recipe_dismiss_button");
  gtk_widget_set_valign (close, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_end (close, 6);
  gtk_widget_set_tooltip_text (close, _("Dismiss"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (close),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Dismiss"),
                                  -1);
  gtk_widget_add_css_class (close, "flat");
  gtk_widget_add_css_class (close, "circular");
  g_signal_connect_object (close, "clicked", G_CALLBACK (_ks_composer_clear_recipe_offer),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), close);

  self->recipe_offer = GTK_REVEALER (gtk_revealer_new ());
  gtk_widget_set_name (GTK_WIDGET (self->recipe_offer), "recipe_offer");
  gtk_revealer_set_transition_type (self->recipe_offer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_revealer_set_child (self->recipe_offer, box);
  self->recipe_label = GTK_LABEL (label);
  self->recipe_button = button;

  gtk_box_insert_child_after (GTK_BOX (parent), GTK_WIDGET (self->recipe_offer), strip);
}
