/* The compose panel and the library: "Reuse settings" puts every
 * parameter of a stored job back in the controls, with its references as
 * they were sent; "Use as reference" takes a result's file from the
 * library and remembers the result as the parent of what comes next. */

#define G_LOG_DOMAIN "test-composer-library"

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <string.h>

#include "ks-core.h"

#include "composer-fixture.h"
#include "ks-gallery-item.h"
#include "ks-test-gui.h"
#include "library-fixtures.h"

#define DEADLINE_MS 20000
#define DONUT_URL "https://example.com/images/donut.png"

typedef struct
{
  GSettingsBackend *backend;
  GSettings        *settings;
  GtkWindow        *window;
  KsComposer       *composer;
  KsLibrary        *library;
  GPtrArray        *errors;      /* messages of "error" */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->backend = g_memory_settings_backend_new ();
  fixture->settings = g_settings_new_with_backend (BASE_APP_ID, fixture->backend);
  fixture->errors = g_ptr_array_new_with_free_func (g_free);
  fixture->library = ks_test_library_new ();

  fixture->composer = ks_test_composer_open (fixture->settings, fixture->errors,
                                             &fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->window, gtk_window_destroy);
  g_clear_object (&fixture->library);
  g_ptr_array_unref (fixture->errors);
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->backend);
}

/* ---- Helpers ------------------------------------------------------------- */

static GtkWidget *
find (Fixture    *fixture,
      const char *name)
{
  return ks_test_composer_find (fixture->composer, name);
}

static char *
dup_prompt_text (Fixture *fixture)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (find (fixture, "prompt_view")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
selected_aspect (Fixture *fixture)
{
  AdwComboRow *row = ADW_COMBO_ROW (find (fixture, "aspect_row"));
  GtkStringObject *selected = adw_combo_row_get_selected_item (row);

  g_assert_nonnull (selected);
  return gtk_string_object_get_string (selected);
}

static char *
resolve_path (Fixture    *fixture,
              const char *relative)
{
  g_autoptr(GFile) file = ks_library_resolve (fixture->library, relative);

  return g_file_get_path (file);
}

/* An edit combining a stored reference and an address, with every
 * parameter away from its default. */
static KsRecord *
add_multi_record (Fixture  *fixture,
                  char    **stored_path)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_find (KS_MODEL_MAX, KS_MODE_MULTI));
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_record_reference_free);
  KsRecordReference *stored;
  KsRecordReference address = { 0 };
  KsRecord *record;
  const char *sent[3];

  stored = ks_test_library_store_reference (fixture->library, "flour.png", 400, 300, 0xd9a066ff);
  *stored_path = resolve_path (fixture, stored->file);
  address.source_name = (char *) DONUT_URL;
  address.url = (char *) DONUT_URL;
  g_ptr_array_add (references, stored);
  g_ptr_array_add (references, ks_record_reference_copy (&address));

  sent[0] = *stored_path;
  sent[1] = DONUT_URL;
  sent[2] = NULL;
  ks_params_set_references (params, sent);
  ks_params_set_prompt (params, "Put the donut next to the flour");
  ks_params_set_guidance_scale (params, 7.5);
  ks_params_set_aspect_ratio (params, "16:9");
  ks_params_set_safety_tolerance (params, 5);
  ks_params_set_num_images (params, 3);
  ks_params_set_output_format (params, "png");
  ks_params_set_enhance_prompt (params, TRUE);
  ks_params_set_seed (params, 7);   /* asked for; the result reports another */

  record = ks_test_library_add_record (fixture->library, params, 1, 0, "png", 0x3060a0ff);
  ks_record_take_references (record, g_steal_pointer (&references));

  return record;
}

/* ---- Tests --------------------------------------------------------------- */

static void
test_reuse_settings (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *stored_path = NULL;
  KsRecord *record = add_multi_record (fixture, &stored_path);
  KsParams *params = ks_composer_get_params (fixture->composer);
  g_autofree char *prompt = NULL;
  g_autoptr(KsParams) plain = NULL;
  KsRecord *text_record;
  guint64 seed = 0;

  /* Something already there, to be replaced. */
  ks_composer_set_prompt (fixture->composer, "Something else");
  {
    g_autofree char *scratch = g_build_filename (g_get_user_cache_dir (), "old.png", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (scratch);

    ks_test_write_image (scratch, 64, 64, "png", 0x808080ff);
    ks_composer_add_file (fixture->composer, file);
    ks_test_composer_wait_references (fixture->composer, 1);
  }

  ks_composer_reuse_record (fixture->composer, fixture->library, record);
  ks_test_composer_wait_references (fixture->composer, 2);
  g_assert_cmpuint (fixture->errors->len, ==, 0);

  /* Every control, as it was. */
  prompt = dup_prompt_text (fixture);
  g_assert_cmpstr (prompt, ==, "Put the donut next to the flour");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (fixture, "model_row"))), ==, 1);
  g_assert_cmpstr (selected_aspect (fixture), ==, "16:9");
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find (fixture, "guidance_spin"))), 7.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find (fixture, "num_images_spin"))), 3, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (find (fixture, "safety_scale"))), 5, 1e-9);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (fixture, "format_row"))), ==, 1);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find (fixture, "enhance_switch"))));
  /* The result's seed, fixed, so the same image can be had again. */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find (fixture, "seed_switch"))));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (fixture, "seed_row"))), ==, KS_TEST_RESULT_SEED_TEXT);

  /* The references as they were sent, in order: the library's stored copy
   * (shown under the name it had) and the address. */
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 0), ==, stored_path);
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 1), ==, DONUT_URL);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "flour.png"));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "400 × 300"));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Combine 2 images"));

  /* And so the parameters that Generate would send. */
  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (params)), ==, "fal-ai/flux-pro/kontext/max/multi");
  g_assert_cmpstr (ks_params_get_prompt (params), ==, "Put the donut next to the flour");
  g_assert_cmpfloat_with_epsilon (ks_params_get_guidance_scale (params), 7.5, 1e-9);
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "16:9");
  g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 5);
  g_assert_cmpint (ks_params_get_num_images (params), ==, 3);
  g_assert_cmpstr (ks_params_get_output_format (params), ==, "png");
  g_assert_true (ks_params_get_enhance_prompt (params));
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, G_GUINT64_CONSTANT (15860307465884635512));
  g_assert_true (ks_composer_get_can_submit (fixture->composer));
  /* Not an edit of a result. */
  g_assert_null (ks_composer_get_parent (fixture->composer, NULL));

  /* A plain text-to-image job afterwards: everything changes again, the
   * references go. */
  plain = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  ks_params_set_prompt (plain, "A lighthouse at dusk");
  ks_params_set_aspect_ratio (plain, "3:4");
  ks_params_set_guidance_scale (plain, 2.5);
  ks_params_set_safety_tolerance (plain, 1);
  ks_params_set_num_images (plain, 1);
  ks_params_set_output_format (plain, "jpeg");
  ks_params_set_enhance_prompt (plain, FALSE);
  text_record = ks_test_library_add_record (fixture->library, plain, 1, 0, "jpeg", 0x20a040ff);

  ks_composer_reuse_record (fixture->composer, fixture->library, text_record);
  ks_test_composer_wait_references (fixture->composer, 0);
  g_clear_pointer (&prompt, g_free);
  prompt = dup_prompt_text (fixture);
  g_assert_cmpstr (prompt, ==, "A lighthouse at dusk");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (fixture, "model_row"))), ==, 0);
  g_assert_cmpstr (selected_aspect (fixture), ==, "3:4");
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find (fixture, "guidance_spin"))), 2.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find (fixture, "num_images_spin"))), 1, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (find (fixture, "safety_scale"))), 1, 1e-9);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (fixture, "format_row"))), ==, 0);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (find (fixture, "enhance_switch"))));
  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (params)), ==, "fal-ai/flux-pro/kontext/text-to-image");
  g_assert_cmpuint (ks_composer_get_n_references (fixture->composer), ==, 0);
}

static void
test_use_as_reference (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  KsRecord *record;
  g_autoptr(KsGalleryItem) second = NULL;
  g_autoptr(KsGalleryItem) flagged = NULL;
  g_autofree char *path = NULL;
  g_autofree char *other_path = g_build_filename (g_get_user_cache_dir (), "other.png", NULL);
  g_autoptr(GFile) other = g_file_new_for_path (other_path);
  guint image = 99;
  GtkWidget *tile;

  ks_params_set_prompt (params, "A lighthouse on a cliff");
  ks_params_set_num_images (params, 2);
  record = ks_test_library_add_record (fixture->library, params, 2, 0, "png", 0x4080c0ff);
  second = ks_gallery_item_new (fixture->library, record, 1);
  path = resolve_path (fixture, ks_gallery_item_get_image (second)->file);
  ks_test_write_image (other_path, 64, 48, "png", 0x808080ff);

  /* Nothing yet. */
  g_assert_null (ks_composer_get_parent (fixture->composer, &image));

  /* The result's own file becomes the only reference; the result is the
   * parent, with the image used. */
  ks_composer_add_file (fixture->composer, other);
  ks_test_composer_wait_references (fixture->composer, 1);
  ks_composer_use_item (fixture->composer, second);
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 0), ==, path);
  g_assert_cmpstr (ks_composer_get_parent (fixture->composer, &image), ==, ks_record_get_id (record));
  g_assert_cmpuint (image, ==, 1);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Result 2 · seed " KS_TEST_RESULT_SEED_TEXT));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "320 × 240"));

  /* Another reference beside it: still an edit of that result, also
   * once the result is moved after it. */
  ks_composer_add_file (fixture->composer, other);
  ks_test_composer_wait_references (fixture->composer, 2);
  g_assert_cmpstr (ks_composer_get_parent (fixture->composer, NULL), ==, ks_record_get_id (record));
  tile = GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (find (fixture, "references_box")), 0));
  g_assert_true (gtk_widget_activate_action (tile, "tile.move-right", NULL));
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 1), ==, path);
  g_assert_cmpstr (ks_composer_get_parent (fixture->composer, NULL), ==, ks_record_get_id (record));

  /* Cleared: no parent. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.clear-references", NULL));
  ks_test_composer_wait_references (fixture->composer, 0);
  g_assert_null (ks_composer_get_parent (fixture->composer, &image));

  /* Again, then the result's tile removed: no parent either. */
  ks_composer_use_item (fixture->composer, second);
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_nonnull (ks_composer_get_parent (fixture->composer, NULL));
  tile = GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (find (fixture, "references_box")), 0));
  g_assert_true (gtk_widget_activate_action (tile, "tile.remove", NULL));
  ks_test_composer_wait_references (fixture->composer, 0);
  g_assert_null (ks_composer_get_parent (fixture->composer, NULL));

  /* Again, then replaced by the settings of an original: no parent. */
  ks_composer_use_item (fixture->composer, second);
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_nonnull (ks_composer_get_parent (fixture->composer, NULL));
  ks_composer_reuse_record (fixture->composer, fixture->library, record);
  ks_test_composer_wait_references (fixture->composer, 0);
  g_assert_null (ks_composer_get_parent (fixture->composer, NULL));

  /* An image the safety check withheld cannot be used: said why. */
  {
    g_autoptr(KsRecordImage) withheld = ks_record_image_copy (ks_record_get_image (record, 0));

    withheld->has_nsfw_concepts = TRUE;
    ks_record_set_image (record, withheld);
  }
  flagged = ks_gallery_item_new (fixture->library, record, 0);
  ks_composer_use_item (fixture->composer, flagged);
  g_assert_cmpuint (fixture->errors->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->errors, 0), "safety check"));
  g_assert_cmpuint (ks_composer_get_n_references (fixture->composer), ==, 0);
  g_assert_null (ks_composer_get_parent (fixture->composer, NULL));
}

/* Reusing the settings of an edit keeps it an edit of the same result. */
static void
test_reuse_keeps_parent (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(KsParams) original_params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));
  g_autoptr(KsParams) edit_params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_EDIT));
  g_autoptr(GPtrArray) references = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_record_reference_free);
  KsRecord *original;
  KsRecord *edit;
  guint image = 99;

  ks_params_set_prompt (original_params, "A lighthouse");
  original = ks_test_library_add_record (fixture->library, original_params, 1, 0, "png", 0x4080c0ff);

  ks_params_set_prompt (edit_params, "Make it night");
  edit = ks_test_library_add_record (fixture->library, edit_params, 1, 0, "png", 0x102040ff);
  g_ptr_array_add (references, ks_test_library_store_reference (fixture->library, "Result 1", 320, 240, 0x4080c0ff));
  ks_record_take_references (edit, g_steal_pointer (&references));
  ks_record_set_parent (edit, ks_record_get_id (original), 0);

  ks_composer_reuse_record (fixture->composer, fixture->library, edit);
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_cmpstr (ks_composer_get_parent (fixture->composer, &image), ==, ks_record_get_id (original));
  g_assert_cmpuint (image, ==, 0);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Edit"));
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/composer-library/reuse-settings", test_reuse_settings);
  ADD ("/composer-library/use-as-reference", test_use_as_reference);
  ADD ("/composer-library/reuse-keeps-parent", test_reuse_keeps_parent);

#undef ADD

  return g_test_run ();
}
