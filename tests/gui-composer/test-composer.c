/* The compose panel under a real display (Xvfb in CI): the reason Generate
 * is disabled, the cost, parameters that persist, references added by drop,
 * paste and data (and refused when they are not images), the mode following
 * the references, the aspect warning, and what Generate hands on. */

#define G_LOG_DOMAIN "test-composer"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <string.h>

#include "ks-core.h"

#include "composer-fixture.h"
#include "ks-test-gui.h"
#include "library-fixtures.h"

#define DEADLINE_MS 20000

typedef struct
{
  GSettingsBackend *backend;
  GSettings        *settings;
  GtkWindow        *window;
  KsComposer       *composer;
  GPtrArray        *errors;      /* messages of "error" */
  GPtrArray        *submitted;   /* KsParams of "submit" */
  char             *dir;         /* fixtures */
  char             *landscape;   /* a 400 × 300 PNG */
  char             *square;      /* a 256 × 256 JPEG */
  char             *text_file;   /* notes.txt */
} Fixture;

static void
on_submit (KsComposer *composer,
           KsParams   *params,
           Fixture    *fixture)
{
  g_ptr_array_add (fixture->submitted, g_object_ref (params));
}

static KsComposer *
open_composer (Fixture *fixture)
{
  KsComposer *composer = ks_test_composer_open (fixture->settings, fixture->errors,
                                                &fixture->window);

  g_signal_connect (composer, "submit", G_CALLBACK (on_submit), fixture);
  return composer;
}

static void
close_composer (Fixture *fixture)
{
  g_clear_pointer (&fixture->window, gtk_window_destroy);
  fixture->composer = NULL;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->backend = g_memory_settings_backend_new ();
  fixture->settings = g_settings_new_with_backend (BASE_APP_ID, fixture->backend);
  fixture->errors = g_ptr_array_new_with_free_func (g_free);
  fixture->submitted = g_ptr_array_new_with_free_func (g_object_unref);

  fixture->dir = g_dir_make_tmp ("composer-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->landscape = g_build_filename (fixture->dir, "flour.png", NULL);
  fixture->square = g_build_filename (fixture->dir, "donut.jpg", NULL);
  fixture->text_file = g_build_filename (fixture->dir, "notes.txt", NULL);
  ks_test_write_image (fixture->landscape, 400, 300, "png", 0xd9a066ff);
  ks_test_write_image (fixture->square, 256, 256, "jpeg", 0x6a8fd0ff);
  g_assert_true (g_file_set_contents (fixture->text_file, "Shopping list: flour, sugar, eggs.\n", -1, NULL));

  fixture->composer = open_composer (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  close_composer (fixture);
  g_remove (fixture->landscape);
  g_remove (fixture->square);
  g_remove (fixture->text_file);
  g_rmdir (fixture->dir);
  g_free (fixture->landscape);
  g_free (fixture->square);
  g_free (fixture->text_file);
  g_free (fixture->dir);
  g_ptr_array_unref (fixture->errors);
  g_ptr_array_unref (fixture->submitted);
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

typedef struct
{
  Fixture *fixture;
  guint    n;
} Count;

static gboolean
has_n_errors (gpointer data)
{
  Count *count = data;

  return count->fixture->errors->len >= count->n;
}

static gboolean
not_busy (gpointer data)
{
  gboolean busy = TRUE;

  g_object_get (data, "busy", &busy, NULL);
  return !busy;
}

static void
wait_errors (Fixture *fixture,
             guint    n)
{
  Count count = { fixture, n };

  g_assert_true (ks_test_gui_wait_until (has_n_errors, &count, DEADLINE_MS));
  g_assert_true (ks_test_gui_wait_until (not_busy, fixture->composer, DEADLINE_MS));
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }

  return NULL;
}

static gboolean
drop_value (Fixture      *fixture,
            const GValue *value)
{
  GtkDropTarget *target = find_drop_target (GTK_WIDGET (fixture->composer));
  gboolean handled = FALSE;

  g_assert_nonnull (target);
  g_signal_emit_by_name (target, "drop", value, 20.0, 20.0, &handled);
  return handled;
}

static gboolean
drop_files (Fixture    *fixture,
            const char *first_path,
            ...)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GValue) value = G_VALUE_INIT;
  va_list args;

  va_start (args, first_path);
  for (const char *path = first_path; path != NULL; path = va_arg (args, const char *))
    g_ptr_array_add (files, g_file_new_for_path (path));
  va_end (args);

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array ((GFile **) files->pdata, files->len));
  return drop_value (fixture, &value);
}

static GdkTexture *
new_texture (int     width,
             int     height,
             guint32 colour)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);

  gdk_pixbuf_fill (pixbuf, colour);
  return gdk_texture_new_for_pixbuf (pixbuf);
}

static KsMode
params_mode (Fixture *fixture)
{
  return ks_endpoint_get_mode (ks_params_get_endpoint (ks_composer_get_params (fixture->composer)));
}

/* ---- Tests --------------------------------------------------------------- */

static void
test_prompt_and_cost (Fixture       *fixture,
                      gconstpointer  data)
{
  KsComposer *composer = fixture->composer;
  GtkWidget *generate = find (fixture, "generate_button");
  KsParams *params = ks_composer_get_params (composer);

  /* Nothing typed: Generate is off and says why. */
  g_assert_false (ks_composer_get_can_submit (composer));
  g_assert_false (gtk_widget_get_sensitive (generate));
  g_assert_nonnull (strstr (ks_composer_get_reason (composer), "Describe the"));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, ks_composer_get_reason (composer)));
  g_assert_false (ks_composer_submit (composer));
  g_assert_cmpuint (fixture->submitted->len, ==, 0);
  /* Whitespace is not an instruction. */
  ks_composer_set_prompt (composer, "   \n ");
  g_assert_false (ks_composer_get_can_submit (composer));

  /* Typing, as a person would, into the prompt. */
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (GTK_TEXT_VIEW (find (fixture, "prompt_view"))),
                                    "A donut on a floury table", -1);
  g_assert_true (ks_composer_get_can_submit (composer));
  g_assert_null (ks_composer_get_reason (composer));
  g_assert_true (gtk_widget_get_sensitive (generate));
  g_assert_false (gtk_widget_get_visible (find (fixture, "reason_label")));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "1 image · $0.04"));
  g_assert_cmpstr (ks_params_get_prompt (params), ==, "   \n A donut on a floury table");
  g_assert_cmpint (params_mode (fixture), ==, KS_MODE_TEXT_TO_IMAGE);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Text to image"));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (fixture, "num_images_spin")), 3);
  g_assert_cmpint (g_settings_get_int (fixture->settings, "num-images"), ==, 3);
  g_assert_cmpint (ks_params_get_num_images (params), ==, 3);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "3 images · $0.12"));

  adw_combo_row_set_selected (ADW_COMBO_ROW (find (fixture, "model_row")), 1);
  {
    g_autofree char *value = g_settings_get_string (fixture->settings, "model");
    g_assert_cmpstr (value, ==, "max");
  }
  g_assert_cmpint (ks_endpoint_get_model (ks_params_get_endpoint (params)), ==, KS_MODEL_MAX);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "3 images · $0.24"));
  g_assert_cmpuint (ks_params_get_cost (params), ==, 240000);
}

static void
test_settings_persist (Fixture       *fixture,
                       gconstpointer  data)
{
  KsParams *params;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (fixture, "guidance_spin")), 7.5);
  gtk_range_set_value (GTK_RANGE (find (fixture, "safety_scale")), 5);
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (fixture, "format_row")), 1);
  gtk_switch_set_active (GTK_SWITCH (find (fixture, "enhance_switch")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (find (fixture, "seed_row")), "18446744073709551615");
  gtk_switch_set_active (GTK_SWITCH (find (fixture, "seed_switch")), TRUE);
  {
    g_autofree char *value = g_settings_get_string (fixture->settings, "fixed-seed");
    g_assert_cmpstr (value, ==, "18446744073709551615");
  }

  /* A seed that is not one is refused, in words, and not kept. */
  gtk_editable_set_text (GTK_EDITABLE (find (fixture, "seed_row")), "12ab");
  ks_composer_set_prompt (fixture->composer, "Make it night");
  g_assert_false (ks_composer_get_can_submit (fixture->composer));
  g_assert_nonnull (strstr (ks_composer_get_reason (fixture->composer), "seed"));
  {
    g_autofree char *value = g_settings_get_string (fixture->settings, "fixed-seed");
    g_assert_cmpstr (value, ==, "18446744073709551615");
  }
  gtk_editable_set_text (GTK_EDITABLE (find (fixture, "seed_row")), "18446744073709551615");
  g_assert_true (ks_composer_get_can_submit (fixture->composer));

  close_composer (fixture);
  fixture->composer = open_composer (fixture);
  params = ks_composer_get_params (fixture->composer);

  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (find (fixture, "guidance_spin"))), 7.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (find (fixture, "safety_scale"))), 5, 1e-9);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (fixture, "format_row"))), ==, 1);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find (fixture, "enhance_switch"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (find (fixture, "seed_switch"))));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (fixture, "seed_row"))), ==, "18446744073709551615");

  {
    guint64 seed = 0;

    g_assert_cmpfloat_with_epsilon (ks_params_get_guidance_scale (params), 7.5, 1e-9);
    g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 5);
    g_assert_cmpstr (ks_params_get_output_format (params), ==, "png");
    g_assert_true (ks_params_get_enhance_prompt (params));
    g_assert_true (ks_params_get_seed (params, &seed));
    g_assert_cmpuint (seed, ==, G_MAXUINT64);
  }
}

static void
test_drop (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = new_texture (64, 48, 0x2080c0ff);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autofree char *cache_dir = NULL;
  g_autoptr(GFile) text = g_file_new_for_path (fixture->text_file);
  KsParams *params = ks_composer_get_params (fixture->composer);
  GtkWidget *tile;

  ks_composer_set_prompt (fixture->composer, "Put a donut next to the flour");

  /* An image file from Files. */
  g_assert_true (drop_files (fixture, fixture->landscape, NULL));
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 0), ==, fixture->landscape);
  g_assert_cmpint (params_mode (fixture), ==, KS_MODE_EDIT);
  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (params)), ==, "fal-ai/flux-pro/kontext");
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "flour.png"));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "400 × 300"));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Edit"));
  g_assert_true (ks_composer_get_can_submit (fixture->composer));

  /* A file that is not an image: refused with its name, the reference stays. */
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, text);
  g_assert_true (drop_value (fixture, &value));
  wait_errors (fixture, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->errors, 0), "notes.txt"));
  g_assert_cmpuint (ks_composer_get_n_references (fixture->composer), ==, 1);
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 0), ==, fixture->landscape);

  /* Image data, e.g. from a browser: kept in the cache as a file. */
  g_value_unset (&value);
  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_value_set_object (&value, texture);
  g_assert_true (drop_value (fixture, &value));
  ks_test_composer_wait_references (fixture->composer, 2);
  cache_dir = g_build_filename (g_get_user_cache_dir (), "kontext-studio", "references", NULL);
  g_assert_true (g_str_has_prefix (ks_test_composer_reference (fixture->composer, 1), cache_dir));
  g_assert_true (g_str_has_suffix (ks_test_composer_reference (fixture->composer, 1), ".png"));
  g_assert_true (g_file_test (ks_test_composer_reference (fixture->composer, 1), G_FILE_TEST_IS_REGULAR));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "64 × 48"));

  /* Two references: the multi endpoint. */
  g_assert_cmpint (params_mode (fixture), ==, KS_MODE_MULTI);
  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (params)), ==, "fal-ai/flux-pro/kontext/multi");
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Combine 2 images"));
  g_assert_true (ks_composer_get_can_submit (fixture->composer));

  /* Reorder from the keyboard: the first moves right. */
  tile = GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (find (fixture, "references_box")), 0));
  g_assert_true (gtk_widget_activate_action (tile, "tile.move-right", NULL));
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 1), ==, fixture->landscape);

  /* Remove one: back to an edit. */
  tile = GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (find (fixture, "references_box")), 0));
  g_assert_true (gtk_widget_activate_action (tile, "tile.remove", NULL));
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 0), ==, fixture->landscape);
  g_assert_cmpint (params_mode (fixture), ==, KS_MODE_EDIT);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "Edit"));

  /* Clearing: text to image again. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.clear-references", NULL));
  g_assert_cmpuint (ks_composer_get_n_references (fixture->composer), ==, 0);
  g_assert_cmpint (params_mode (fixture), ==, KS_MODE_TEXT_TO_IMAGE);
}

static void
test_paste (Fixture       *fixture,
            gconstpointer  data)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->composer));
  g_autoptr(GdkTexture) texture = new_texture (120, 90, 0xc04040ff);
  g_autoptr(GFile) text = g_file_new_for_path (fixture->text_file);
  g_autoptr(GFile) image = g_file_new_for_path (fixture->square);
  g_autofree char *prompt = NULL;

  /* An image copied in another application. */
  gdk_clipboard_set_texture (clipboard, texture);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.paste", NULL));
  ks_test_composer_wait_references (fixture->composer, 1);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "120 × 90"));
  g_assert_true (g_file_test (ks_test_composer_reference (fixture->composer, 0), G_FILE_TEST_IS_REGULAR));

  /* A copied file that is not an image: refused, the reference stays. */
  gdk_clipboard_set (clipboard, G_TYPE_FILE, text);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.paste", NULL));
  wait_errors (fixture, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (fixture->errors, 0), "notes.txt"));
  g_assert_cmpuint (ks_composer_get_n_references (fixture->composer), ==, 1);

  /* A copied image file is added. */
  gdk_clipboard_set (clipboard, G_TYPE_FILE, image);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.paste", NULL));
  ks_test_composer_wait_references (fixture->composer, 2);
  g_assert_cmpstr (ks_test_composer_reference (fixture->composer, 1), ==, fixture->square);
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "256 × 256"));

  /* Plain text goes to the prompt, as a paste would. */
  gdk_clipboard_set_text (clipboard, "a cat in a hat");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.paste", NULL));
  g_assert_true (ks_test_gui_wait_until ((gboolean (*) (gpointer)) ks_composer_get_can_submit,
                                         fixture->composer, DEADLINE_MS));
  prompt = g_strdup (ks_params_get_prompt (ks_composer_get_params (fixture->composer)));
  g_assert_cmpstr (prompt, ==, "a cat in a hat");
  g_assert_cmpuint (ks_composer_get_n_references (fixture->composer), ==, 2);
  g_assert_cmpuint (fixture->errors->len, ==, 1);
}

static void
test_aspect_warning (Fixture       *fixture,
                     gconstpointer  data)
{
  AdwComboRow *aspect = ADW_COMBO_ROW (find (fixture, "aspect_row"));
  GtkWidget *warning = find (fixture, "aspect_warning_row");
  KsParams *params = ks_composer_get_params (fixture->composer);
  g_autoptr(GFile) file = g_file_new_for_path (fixture->landscape);
  g_autoptr(GtkStringObject) first = NULL;
  GListModel *model;

  /* Text to image: no “Match Input”, and 1:1 is what is sent. */
  model = adw_combo_row_get_model (aspect);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 9);
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "1:1");

  ks_composer_add_file (fixture->composer, file);
  ks_test_composer_wait_references (fixture->composer, 1);
  model = adw_combo_row_get_model (aspect);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 10);
  first = g_list_model_get_item (model, 0);
  g_assert_cmpstr (gtk_string_object_get_string (first), ==, "Match Input");
  g_assert_cmpuint (adw_combo_row_get_selected (aspect), ==, 0);
  g_assert_null (ks_params_get_aspect_ratio (params));
  g_assert_false (gtk_widget_get_visible (warning));

  /* 16:9 on a 4:3 picture crops it. */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), "16:9") == 0)
        adw_combo_row_set_selected (aspect, i);
    }
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "16:9");
  {
    g_autofree char *value = g_settings_get_string (fixture->settings, "aspect-ratio");
    g_assert_cmpstr (value, ==, "16:9");
  }
  g_assert_true (gtk_widget_get_visible (warning));
  g_assert_true (ks_test_composer_shows_text (fixture->composer, "This crops the reference"));

  /* 4:3 does not. */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), "4:3") == 0)
        adw_combo_row_set_selected (aspect, i);
    }
  g_assert_false (gtk_widget_get_visible (warning));
}

static void
test_submit (Fixture       *fixture,
             gconstpointer  data)
{
  const char * const urls[] = { "https://example.com/flour.png", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  KsParams *sent;
  JsonObject *object;
  g_autoptr(GFile) file = g_file_new_for_path (fixture->landscape);
  guint64 seed = 0;

  ks_composer_add_file (fixture->composer, file);
  ks_test_composer_wait_references (fixture->composer, 1);
  ks_composer_set_prompt (fixture->composer, "Put a donut next to the flour");

  /* Random seed mode: a seed is drawn into the snapshot. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.generate", NULL));
  g_assert_cmpuint (fixture->submitted->len, ==, 1);
  sent = g_ptr_array_index (fixture->submitted, 0);
  g_assert_true (sent != ks_composer_get_params (fixture->composer));
  g_assert_true (ks_params_validate (sent, &error));
  g_assert_no_error (error);
  g_assert_true (ks_params_get_seed (sent, &seed));
  g_assert_false (ks_params_get_seed (ks_composer_get_params (fixture->composer), NULL));

  body = ks_params_to_request_body (sent, urls);
  g_assert_true (json_parser_load_from_data (parser, body, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (ks_json_get_string_member (object, "prompt"), ==, "Put a donut next to the flour");
  g_assert_cmpstr (ks_json_get_string_member (object, "image_url"), ==, urls[0]);
  g_assert_cmpstr (ks_json_get_string_member (object, "safety_tolerance"), ==, "2");
  {
    guint64 body_seed = 0;

    g_assert_true (ks_json_get_uint64_member (object, "seed", &body_seed));
    g_assert_cmpuint (body_seed, ==, seed);
  }

  /* The drawn seed is one click away. */
  g_assert_true (gtk_widget_get_sensitive (find (fixture, "last_seed_button")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->composer), "composer.use-last-seed", NULL));
  g_assert_cmpint (g_settings_get_enum (fixture->settings, "seed-mode"), ==, 1);
  {
    guint64 fixed = 0;

    g_assert_true (ks_params_get_seed (ks_composer_get_params (fixture->composer), &fixed));
    g_assert_cmpuint (fixed, ==, seed);
  }

  /* Fixed seeds keep all 64 bits on the way out. */
  gtk_editable_set_text (GTK_EDITABLE (find (fixture, "seed_row")), "15860307465884635512");
  g_assert_true (ks_composer_submit (fixture->composer));
  g_assert_cmpuint (fixture->submitted->len, ==, 2);
  g_clear_pointer (&body, g_free);
  body = ks_params_to_request_body (g_ptr_array_index (fixture->submitted, 1), urls);
  g_assert_nonnull (strstr (body, "\"seed\":15860307465884635512"));
}

static void
test_shortcut (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (fixture->composer));
  g_autoptr(GtkShortcutTrigger) ctrl_enter = gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK);
  GtkShortcut *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && found == NULL; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), ctrl_enter) &&
              GTK_IS_NAMED_ACTION (action) &&
              g_strcmp0 (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), "composer.generate") == 0)
            {
              found = shortcut;
              /* Ctrl+Enter must win over the prompt's own Enter. */
              g_assert_cmpint (gtk_event_controller_get_propagation_phase (GTK_EVENT_CONTROLLER (controller)),
                               ==, GTK_PHASE_CAPTURE);
              break;
            }
        }
    }
  g_assert_nonnull (found);

  ks_composer_set_prompt (fixture->composer, "A lighthouse at dusk");
  gtk_widget_grab_focus (find (fixture, "prompt_view"));
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (found), 0,
                                               find (fixture, "prompt_view"), NULL));
  g_assert_cmpuint (fixture->submitted->len, ==, 1);
  g_assert_cmpstr (ks_params_get_prompt (g_ptr_array_index (fixture->submitted, 0)), ==, "A lighthouse at dusk");
}

static void
test_screenshots (Fixture       *fixture,
                  gconstpointer  data)
{
  guint colours;

  colours = ks_test_gui_screenshot (GTK_WIDGET (fixture->window), "composer-empty.png");
  g_assert_cmpuint (colours, >, 20);

  g_assert_true (drop_files (fixture, fixture->landscape, fixture->square, NULL));
  ks_test_composer_wait_references (fixture->composer, 2);
  ks_composer_set_prompt (fixture->composer,
                          "Put the donut from the second picture next to the flour, "
                          "on the same wooden table, in soft morning light");
  ks_test_gui_wait_frames (GTK_WIDGET (fixture->window), 3);
  g_assert_true (ks_composer_get_can_submit (fixture->composer));

  colours = ks_test_gui_screenshot (GTK_WIDGET (fixture->window), "composer-references.png");
  g_assert_cmpuint (colours, >, 50);
}

int
main (int   argc,
      char *argv[])
{
  if (!ks_test_gui_setup (&argc, &argv))
    return g_test_run ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/composer/prompt-and-cost", test_prompt_and_cost);
  ADD ("/composer/settings-persist", test_settings_persist);
  ADD ("/composer/drop", test_drop);
  ADD ("/composer/paste", test_paste);
  ADD ("/composer/aspect-warning", test_aspect_warning);
  ADD ("/composer/submit", test_submit);
  ADD ("/composer/shortcut", test_shortcut);
  ADD ("/composer/screenshots", test_screenshots);

#undef ADD

  return g_test_run ();
}
