/* Export under a display: Save As writes the recipe of a result into the
 * file (PNG text chunks, a JPEG comment) unless the "embed-recipe"
 * preference is off, and never the key; every file is read back. Copy
 * hands other applications a texture and the file. An exported image
 * opened or dropped in the composer offers its settings back, and
 * restoring them puts every control where the recipe says; a damaged
 * recipe is said in words and the image still becomes a reference. */

#include "config.h"

#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "composer-fixture.h"
#include "ks-core.h"
#include "ks-gallery-item.h"
#include "ks-test-gui.h"
#include "ks-viewer.h"
#include "library-fixtures.h"

#define BIG_SEED G_GUINT64_CONSTANT (15860307465884635512)
#define WAIT_MS 20000
#define COLOUR 0x3a7bd5ff
#define SECRET_KEY "ks-test-key-0f9e8d7c6b5a:SECRETSECRET"
#define PROMPT "Make the sky a deep violet, keep the lighthouse"
#define PARENT_ID "parent-record-for-export"

/* ---- helpers -------------------------------------------------------------- */

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} AsyncWait;

static void
async_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
async_done (gpointer data)
{
  return ((AsyncWait *) data)->done;
}

static void
set_embed_recipe (gboolean embed)
{
  g_autoptr(GSettings) settings = g_settings_new (BASE_APP_ID);

  g_settings_set_boolean (settings, "embed-recipe", embed);
}

/* A finished result of [max], text to image, with every setting away from
 * its default, two images, an edit of PARENT_ID. */
static KsRecord *
add_result (KsLibrary  *library,
            const char *format)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_find (KS_MODEL_MAX, KS_MODE_TEXT_TO_IMAGE));
  KsRecord *record;

  ks_params_set_prompt (params, PROMPT);
  ks_params_set_output_format (params, format);
  ks_params_set_num_images (params, 2);
  ks_params_set_aspect_ratio (params, "16:9");
  ks_params_set_guidance_scale (params, 7.5);
  ks_params_set_safety_tolerance (params, 5);
  ks_params_set_enhance_prompt (params, TRUE);
  ks_params_set_seed (params, 42);

  record = ks_test_library_add_record (library, params, 2, 0, format, COLOUR);
  ks_record_set_parent (record, PARENT_ID, 0);

  return record;
}

typedef struct
{
  KsLibrary     *library;
  KsRecord      *record;
  KsGalleryItem *item;
  GtkWindow     *window;
  KsViewer      *viewer;
  char          *dir;
} Export;

static void
export_open (Export     *export,
             const char *format)
{
  export->library = ks_test_library_new ();
  export->record = add_result (export->library, format);
  export->item = ks_gallery_item_new (export->library, export->record, 1);
  export->viewer = KS_VIEWER (ks_test_gui_show (ks_viewer_new (), 1100, 760, &export->window));
  export->dir = g_dir_make_tmp ("ks-export-XXXXXX", NULL);
  g_assert_nonnull (export->dir);

  ks_viewer_set_item (export->viewer, export->item);
  g_assert_true (ks_test_gui_wait_item_loaded (export->item, WAIT_MS));
}

static void
export_close (Export *export)
{
  g_autoptr(GDir) dir = g_dir_open (export->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (export->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (export->dir);
  g_free (export->dir);
  gtk_window_destroy (export->window);
  g_clear_object (&export->item);
  g_clear_object (&export->library);
  set_embed_recipe (TRUE);
}

/* Saves through the viewer's public API (Save As without the portal) and
 * returns the file's bytes. */
static GBytes *
export_save (Export     *export,
             const char *name,
             const char *format,
             int         quality)
{
  g_autofree char *path = g_build_filename (export->dir, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };
  GBytes *bytes;

  ks_viewer_export_async (export->viewer, file, format, quality, NULL, async_wait_cb, &wait);
  g_assert_true (ks_test_gui_wait_until (async_done, &wait, WAIT_MS));
  g_assert_true (ks_viewer_save_finish (export->viewer, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);

  bytes = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  return bytes;
}

static GBytes *
library_bytes (Export *export)
{
  g_autoptr(GFile) file = ks_library_resolve (export->library, ks_gallery_item_get_image (export->item)->file);
  g_autoptr(GError) error = NULL;
  GBytes *bytes = g_file_load_bytes (file, NULL, NULL, &error);

  g_assert_no_error (error);
  return bytes;
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  gsize length = strlen (needle);

  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, needle, length) == 0)
      return TRUE;

  return FALSE;
}

static GdkPixbuf *
decode (GBytes *bytes)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pixbuf);
  return pixbuf;
}

/* Every field of the recipe read back from @bytes is the record's. */
static void
check_recipe (GBytes   *bytes,
              KsRecord *record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) recipe = ks_recipe_read_from_bytes (bytes, &error);
  g_autoptr(KsParams) params = NULL;
  guint64 seed = 0;

  g_assert_no_error (error);
  g_assert_nonnull (recipe);
  params = ks_recipe_dup_params (recipe);

  g_assert_cmpstr (ks_params_get_prompt (params), ==, PROMPT);
  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (params)), ==, "fal-ai/flux-pro/kontext/max/text-to-image");
  /* The seed the result reported, exact past 2^63. */
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);
  g_assert_cmpuint (seed, >, G_GUINT64_CONSTANT (1) << 63);
  g_assert_cmpfloat_with_epsilon (ks_params_get_guidance_scale (params), 7.5, 1e-9);
  g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 5);
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "16:9");
  g_assert_cmpint (ks_params_get_num_images (params), ==, 2);
  g_assert_true (ks_params_get_enhance_prompt (params));
  g_assert_true (ks_params_get_references (params) == NULL || ks_params_get_references (params)[0] == NULL);
  g_assert_nonnull (ks_record_get_request_id (record));
  g_assert_cmpstr (ks_recipe_get_request_id (recipe), ==, ks_record_get_request_id (record));
  g_assert_cmpstr (ks_recipe_get_parent_id (recipe), ==, PARENT_ID);
  g_assert_cmpstr (ks_recipe_get_record_id (recipe), ==, ks_record_get_id (record));
  g_assert_cmpuint (ks_recipe_get_image_index (recipe), ==, 1);

  /* The key is nowhere in the file, whichever way it was given. */
  g_assert_false (bytes_contain (bytes, SECRET_KEY));
  g_assert_false (bytes_contain (bytes, "SECRETSECRET"));
}

/* ---- export ----------------------------------------------------------------- */

static void
test_png_with_recipe (void)
{
  Export export = { 0 };
  g_autoptr(KsClient) client = ks_client_new ("http://127.0.0.1:9");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  /* A key in the environment and on a client: neither may leak. */
  ks_client_set_api_key (client, SECRET_KEY);
  export_open (&export, "png");

  bytes = export_save (&export, "lighthouse.png", "png", 90);
  check_recipe (bytes, export.record);

  /* Real text chunks other programs show: the prompt and who made it. */
  g_assert_true (bytes_contain (bytes, "tEXt"));
  pixbuf = decode (bytes);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 320);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 240);
  g_assert_cmpstr (gdk_pixbuf_get_option (pixbuf, "tEXt::Description"), ==, PROMPT);
  g_assert_cmpstr (gdk_pixbuf_get_option (pixbuf, "tEXt::Software"), ==, "Kontext Studio");

  /* From a JPEG result too: re-encoded as PNG, the recipe inside. */
  export_close (&export);
  export_open (&export, "jpeg");
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = export_save (&export, "from-jpeg.png", "png", 90);
  check_recipe (bytes, export.record);

  export_close (&export);
}

static void
test_jpeg_with_recipe (void)
{
  Export export = { 0 };
  g_autoptr(GBytes) medium = NULL;
  g_autoptr(GBytes) best = NULL;
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  export_open (&export, "jpeg");
  original = library_bytes (&export);

  medium = export_save (&export, "medium.jpg", "jpeg", 80);
  check_recipe (medium, export.record);
  g_assert_true (bytes_contain (medium, "KontextStudio:Recipe"));
  /* A real JPEG (SOI first), not the library's file: that has no recipe. */
  g_assert_cmpuint (g_bytes_get_size (medium), >, 2);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (medium, NULL))[0], ==, 0xff);
  g_assert_cmpint (((const guint8 *) g_bytes_get_data (medium, NULL))[1], ==, 0xd8);
  g_assert_false (g_bytes_equal (medium, original));
  pixbuf = decode (medium);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 320);

  /* The quality asked for is the one used. */
  best = export_save (&export, "best.jpg", "jpeg", 95);
  check_recipe (best, export.record);
  g_test_message ("JPEG sizes: quality 80 %zu bytes, quality 95 %zu bytes",
                  g_bytes_get_size (medium), g_bytes_get_size (best));
  g_assert_cmpuint (g_bytes_get_size (medium), <, g_bytes_get_size (best));

  export_close (&export);
}

static void
check_no_recipe (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) recipe = ks_recipe_read_from_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_null (recipe);
  g_assert_false (bytes_contain (bytes, "tEXt"));
  g_assert_false (bytes_contain (bytes, "iTXt"));
  g_assert_false (bytes_contain (bytes, "zTXt"));
  g_assert_false (bytes_contain (bytes, "KontextStudio"));
  g_assert_false (bytes_contain (bytes, "kontext-studio-recipe"));
  g_assert_false (bytes_contain (bytes, PROMPT));
  g_assert_false (bytes_contain (bytes, PARENT_ID));
  g_assert_false (bytes_contain (bytes, SECRET_KEY));
}

static void
test_without_recipe (void)
{
  Export export = { 0 };
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) same = NULL;
  g_autoptr(GBytes) other = NULL;
  g_autoptr(GBytes) on_again = NULL;

  set_embed_recipe (FALSE);
  export_open (&export, "png");
  original = library_bytes (&export);

  /* The same format: the library's file as it is. */
  same = export_save (&export, "private.png", "png", 90);
  g_assert_true (g_bytes_equal (same, original));
  check_no_recipe (same);

  /* Re-encoded: still nothing but pixels. */
  other = export_save (&export, "private.jpg", "jpeg", 80);
  check_no_recipe (other);
  g_clear_pointer (&other, g_bytes_unref);

  /* The preference is read at each save. */
  set_embed_recipe (TRUE);
  on_again = export_save (&export, "again.png", "png", 90);
  check_recipe (on_again, export.record);
  set_embed_recipe (FALSE);

  export_close (&export);
  set_embed_recipe (FALSE);

  /* And from a JPEG result, as PNG. */
  export_open (&export, "jpeg");
  other = export_save (&export, "private-from-jpeg.png", "png", 90);
  check_no_recipe (other);
  export_close (&export);
}

/* ---- copy ------------------------------------------------------------------- */

static void
test_copy_texture_and_file (void)
{
  Export export = { 0 };
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GFile) expected = NULL;
  g_autoptr(GError) error = NULL;
  AsyncWait wait = { 0 };
  GdkClipboard *clipboard;
  GdkContentFormats *formats;
  const GValue *value;
  GFile *file;

  export_open (&export, "png");
  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (export.viewer));
  gdk_clipboard_set_text (clipboard, "not an image");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (export.viewer), "viewer.copy", NULL));
  formats = gdk_clipboard_get_formats (clipboard);
  g_assert_true (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE));
  g_assert_true (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE));
  /* An image, not only an address: a receiver gets pixels. */
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "image/png"));

  /* Read back: the texture in full size… */
  gdk_clipboard_read_texture_async (clipboard, NULL, async_wait_cb, &wait);
  g_assert_true (ks_test_gui_wait_until (async_done, &wait, WAIT_MS));
  texture = gdk_clipboard_read_texture_finish (clipboard, wait.result, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 320);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 240);

  /* …and the library's file itself. */
  wait.done = FALSE;
  gdk_clipboard_read_value_async (clipboard, G_TYPE_FILE, G_PRIORITY_DEFAULT, NULL, async_wait_cb, &wait);
  g_assert_true (ks_test_gui_wait_until (async_done, &wait, WAIT_MS));
  value = gdk_clipboard_read_value_finish (clipboard, wait.result, &error);
  g_assert_no_error (error);
  file = g_value_get_object (value);
  expected = ks_library_resolve (export.library, ks_gallery_item_get_image (export.item)->file);
  g_assert_true (g_file_equal (file, expected));
  g_clear_object (&wait.result);

  export_close (&export);
}

/* ---- restoring ---------------------------------------------------------------- */

typedef struct
{
  GSettings  *settings;
  GPtrArray  *errors;
  GtkWindow  *window;
  KsComposer *composer;
} Restore;

static void
restore_open (Restore *restore)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  restore->settings = g_settings_new_with_backend (BASE_APP_ID, backend);
  restore->errors = g_ptr_array_new_with_free_func (g_free);
  restore->composer = ks_test_composer_open (restore->settings, restore->errors, &restore->window);
}

static void
restore_close (Restore *restore)
{
  gtk_window_destroy (restore->window);
  g_ptr_array_unref (restore->errors);
  g_clear_object (&restore->settings);
}

static char *
dup_prompt_text (KsComposer *composer)
{
  GtkWidget *view = ks_test_composer_find (composer, "prompt_view");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
offer_shown (gpointer data)
{
  GtkWidget *offer = ks_test_gui_find_by_name (data, "recipe_offer");

  return offer != NULL && gtk_revealer_get_child_revealed (GTK_REVEALER (offer));
}

static gboolean
offer_hidden (gpointer data)
{
  GtkWidget *offer = ks_test_gui_find_by_name (data, "recipe_offer");

  return offer != NULL && !gtk_revealer_get_reveal_child (GTK_REVEALER (offer)) &&
         !gtk_revealer_get_child_revealed (GTK_REVEALER (offer));
}

/* Every control of @composer holds what the exported recipe says. */
static void
check_controls_restored (KsComposer *composer,
                         GSettings  *settings,
                         const char *format)
{
  KsParams *params = ks_composer_get_params (composer);
  g_autofree char *prompt = dup_prompt_text (composer);
  AdwComboRow *aspect_row = ADW_COMBO_ROW (ks_test_composer_find (composer, "aspect_row"));
  GtkStringObject *aspect = adw_combo_row_get_selected_item (aspect_row);
  guint64 seed = 0;

  g_assert_cmpstr (prompt, ==, PROMPT);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (ks_test_composer_find (composer, "model_row"))), ==, 1);
  g_assert_nonnull (aspect);
  g_assert_cmpstr (gtk_string_object_get_string (aspect), ==, "16:9");
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (ks_test_composer_find (composer, "guidance_spin"))), 7.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (ks_test_composer_find (composer, "num_images_spin"))), 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (GTK_RANGE (ks_test_composer_find (composer, "safety_scale"))), 5, 1e-9);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (ks_test_composer_find (composer, "format_row"))), ==,
                    g_str_equal (format, "png") ? 1 : 0);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (ks_test_composer_find (composer, "enhance_switch"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (ks_test_composer_find (composer, "seed_switch"))));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (ks_test_composer_find (composer, "seed_row"))), ==, KS_TEST_RESULT_SEED_TEXT);

  /* And so what Generate would send. */
  g_assert_cmpstr (ks_params_get_prompt (params), ==, PROMPT);
  g_assert_cmpfloat_with_epsilon (ks_params_get_guidance_scale (params), 7.5, 1e-9);
  g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 5);
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "16:9");
  g_assert_cmpstr (ks_params_get_output_format (params), ==, format);
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);
  g_assert_cmpstr (g_settings_get_string (settings, "model"), ==, "max");
}

static void
check_restore (const char *format)
{
  Export export = { 0 };
  Restore restore = { 0 };
  g_autofree char *name = g_strdup_printf ("exported.%s", g_str_equal (format, "png") ? "png" : "jpg");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *screenshot = NULL;
  GtkWidget *button;
  const char *text;

  export_open (&export, format);
  bytes = export_save (&export, name, format, 90);
  path = g_build_filename (export.dir, name, NULL);
  file = g_file_new_for_path (path);

  restore_open (&restore);
  ks_composer_set_prompt (restore.composer, "Something else entirely");
  g_assert_true (offer_hidden (restore.composer));

  /* Opened (or dropped: the same path) as a reference. */
  ks_composer_add_file (restore.composer, file);
  ks_test_composer_wait_references (restore.composer, 1);
  g_assert_true (ks_test_gui_wait_until (offer_shown, restore.composer, WAIT_MS));
  text = ks_test_gui_label_text (GTK_WIDGET (restore.composer), "recipe_label");
  g_assert_nonnull (strstr (text, name));
  g_assert_nonnull (strstr (text, "settings it was made with"));
  button = ks_test_gui_get (GTK_WIDGET (restore.composer), "recipe_restore_button");
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  /* Nothing changed before the offer is taken. */
  {
    g_autofree char *prompt = dup_prompt_text (restore.composer);

    g_assert_cmpstr (prompt, ==, "Something else entirely");
  }

  screenshot = g_strdup_printf ("composer-recipe-offer-%s.png", format);
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (restore.window), screenshot), >, 20);

  g_signal_emit_by_name (button, "clicked");
  check_controls_restored (restore.composer, restore.settings, format);
  g_assert_true (ks_test_gui_wait_until (offer_hidden, restore.composer, WAIT_MS));

  /* The image just added stays the (only) reference. */
  g_assert_cmpuint (ks_composer_get_n_references (restore.composer), ==, 1);
  g_assert_cmpstr (ks_test_composer_reference (restore.composer, 0), ==, path);
  g_assert_cmpuint (restore.errors->len, ==, 0);

  /* Image data (a paste) offers it too, from the same read. */
  ks_composer_add_bytes (restore.composer, bytes, "pasted");
  ks_test_composer_wait_references (restore.composer, 2);
  g_assert_true (ks_test_gui_wait_until (offer_shown, restore.composer, WAIT_MS));
  g_signal_emit_by_name (ks_test_gui_get (GTK_WIDGET (restore.composer), "recipe_dismiss_button"), "clicked");
  g_assert_true (ks_test_gui_wait_until (offer_hidden, restore.composer, WAIT_MS));

  restore_close (&restore);
  export_close (&export);
}

static void
test_restore_png (void)
{
  check_restore ("png");
}

static void
test_restore_jpeg (void)
{
  check_restore ("jpeg");
}

static void
test_plain_image_no_offer (void)
{
  Restore restore = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("ks-plain-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "plain.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  ks_test_write_image (path, 200, 150, "png", 0x20a040ff);
  restore_open (&restore);
  ks_composer_add_file (restore.composer, file);
  ks_test_composer_wait_references (restore.composer, 1);
  ks_test_gui_wait_frames (GTK_WIDGET (restore.window), 3);
  g_assert_true (offer_hidden (restore.composer));
  g_assert_cmpuint (restore.errors->len, ==, 0);

  restore_close (&restore);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_damaged_recipe (void)
{
  Restore restore = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("ks-damaged-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "damaged.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;
  const char *text;

  /* A recipe chunk whose JSON is cut short. */
  gdk_pixbuf_fill (pixbuf, 0x804020ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error,
                                  "tEXt::KontextStudio:Recipe", "{\"kontext-studio-recipe\": 1, \"prompt\": \"cut",
                                  NULL));
  g_assert_no_error (error);

  restore_open (&restore);
  ks_composer_set_prompt (restore.composer, "Kept as it was");
  ks_composer_add_file (restore.composer, file);

  /* Still a reference… */
  ks_test_composer_wait_references (restore.composer, 1);
  g_assert_cmpstr (ks_test_composer_reference (restore.composer, 0), ==, path);
  /* …and the message says why the settings cannot come back. */
  g_assert_true (ks_test_gui_wait_until (offer_shown, restore.composer, WAIT_MS));
  text = ks_test_gui_label_text (GTK_WIDGET (restore.composer), "recipe_label");
  g_test_message ("damaged: %s", text);
  g_assert_nonnull (strstr (text, "damaged.png"));
  g_assert_nonnull (strstr (text, "cannot be restored"));
  g_assert_false (gtk_widget_get_visible (ks_test_gui_get (GTK_WIDGET (restore.composer), "recipe_restore_button")));
  g_assert_cmpuint (ks_test_gui_screenshot (GTK_WIDGET (restore.window), "composer-recipe-damaged.png"), >, 20);
  prompt = dup_prompt_text (restore.composer);
  g_assert_cmpstr (prompt, ==, "Kept as it was");

  restore_close (&restore);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  /* Before any thread starts. */
  g_setenv ("FAL_KEY", SECRET_KEY, TRUE);

  if (!ks_test_gui_setup (&argc, &argv))
    return 1;

  g_test_add_func ("/export/png-with-recipe", test_png_with_recipe);
  g_test_add_func ("/export/jpeg-with-recipe", test_jpeg_with_recipe);
  g_test_add_func ("/export/without-recipe", test_without_recipe);
  g_test_add_func ("/export/copy-texture-and-file", test_copy_texture_and_file);
  g_test_add_func ("/export/restore-png", test_restore_png);
  g_test_add_func ("/export/restore-jpeg", test_restore_jpeg);
  g_test_add_func ("/export/plain-image-no-offer", test_plain_image_no_offer);
  g_test_add_func ("/export/damaged-recipe", test_damaged_recipe);

  return g_test_run ();
}
