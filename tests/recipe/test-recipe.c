/* The recipe embedded in exported images: JSON, PNG text chunks, JPEG
 * comments, read back by our reader and by gdk-pixbuf. */

#include "config.h"

#include <string.h>

#include "recipe-fixtures.h"

/* ---- JSON ------------------------------------------------------------------- */

static void
test_json_round_trip (void)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autoptr(KsRecipe) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = ks_recipe_to_json (recipe);

  assert_expected_recipe (recipe);

  /* Compact, plain ASCII, the seed exact and as a string */
  g_assert_nonnull (strstr (json, "\"kontext-studio-recipe\":1"));
  g_assert_nonnull (strstr (json, "\"seed\":\"" BIG_SEED_TEXT "\""));
  g_assert_nonnull (strstr (json, "\"parent\":\"" PARENT_ID "\""));
  g_assert_null (strchr (json, '\n'));
  for (const char *p = json; *p != '\0'; p++)
    g_assert_cmpuint ((guchar) *p, <, 0x80);

  back = ks_recipe_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  assert_expected_recipe (back);
  assert_same_recipe (recipe, back);
  g_assert_finalize_object (g_steal_pointer (&back));
}

static void
test_json_seed_fallback (void)
{
  g_autoptr(KsRecord) record = make_record (FALSE);
  g_autoptr(KsRecipe) recipe = ks_recipe_new_for_record (record, 0);
  g_autoptr(KsParams) params = ks_recipe_dup_params (recipe);
  g_autoptr(KsParams) no_seed = NULL;
  g_autoptr(KsRecord) record2 = NULL;
  g_autoptr(KsRecipe) recipe2 = NULL;
  g_autofree char *json = NULL;
  guint64 seed = 0;

  /* No result seed: the one asked for */
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, 42);

  /* Neither: no seed member, and random when restored */
  no_seed = ks_params_copy (ks_record_get_params (record));
  ks_params_unset_seed (no_seed);
  record2 = ks_record_new (no_seed, BASE_URL, TRUE);
  recipe2 = ks_recipe_new_for_record (record2, 0);
  json = ks_recipe_to_json (recipe2);
  g_assert_null (strstr (json, "\"seed\""));
  g_assert_null (strstr (json, "\"request_id\""));
  g_assert_null (strstr (json, "\"parent\""));
  g_clear_object (&params);
  params = ks_recipe_dup_params (recipe2);
  g_assert_false (ks_params_get_seed (params, NULL));
  g_assert_null (ks_recipe_get_parent_id (recipe2));
  g_assert_null (ks_recipe_get_request_id (recipe2));
}

/* ---- PNG and JPEG ----------------------------------------------------------- */

static void
test_png_round_trip (void)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autoptr(GBytes) bytes = encode ("png", 0, recipe);
  g_autoptr(KsRecipe) back = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = ks_recipe_to_json (recipe);

  back = ks_recipe_read_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  assert_expected_recipe (back);
  assert_same_recipe (recipe, back);

  /* Any PNG reader sees the same text */
  pixbuf = decode (bytes, "png");
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 40);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 24);
  g_assert_cmpstr (gdk_pixbuf_get_option (pixbuf, "tEXt::" KEYWORD), ==, json);
  g_assert_cmpstr (gdk_pixbuf_get_option (pixbuf, "tEXt::Description"), ==, PROMPT);
  g_assert_cmpstr (gdk_pixbuf_get_option (pixbuf, "tEXt::Software"), ==, "Kontext Studio");
  g_assert_true (bytes_contain (bytes, "tEXt" KEYWORD));
}

static void
test_jpeg_round_trip (void)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autoptr(GBytes) bytes = encode ("jpeg", 90, recipe);
  g_autoptr(KsRecipe) back = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GString) markers = NULL;
  g_autoptr(GError) error = NULL;

  back = ks_recipe_read_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  assert_expected_recipe (back);
  assert_same_recipe (recipe, back);

  pixbuf = decode (bytes, "jpeg");
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 40);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 24);

  /* The comment right after the JFIF header, once */
  markers = jpeg_markers (bytes);
  g_assert_true (g_str_has_prefix (markers->str, "e0 fe "));
  g_assert_null (strstr (markers->str + 6, "fe "));
  g_assert_true (bytes_contain (bytes, KEYWORD " {"));
}

static void
test_jpeg_quality (void)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autoptr(GBytes) low = encode ("jpeg", 20, recipe);
  g_autoptr(GBytes) high = encode ("jpeg", 98, recipe);
  g_autoptr(KsRecipe) back = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("quality 20: %" G_GSIZE_FORMAT " bytes; quality 98: %" G_GSIZE_FORMAT " bytes",
                  g_bytes_get_size (low), g_bytes_get_size (high));
  g_assert_cmpuint (g_bytes_get_size (high), >, g_bytes_get_size (low) + 200);

  back = ks_recipe_read_from_bytes (low, &error);
  g_assert_no_error (error);
  assert_expected_recipe (back);
}

static void
test_no_recipe (void)
{
  g_autoptr(GBytes) png = encode ("png", 0, NULL);
  g_autoptr(GBytes) jpeg = encode ("jpeg", 85, NULL);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GString) markers = NULL;
  gsize size;
  const guint8 *data;

  data = g_bytes_get_data (png, &size);
  expect_none ("plain PNG", data, size);
  g_assert_false (bytes_contain (png, "tEXt"));
  g_assert_false (bytes_contain (png, "iTXt"));
  g_assert_false (bytes_contain (png, "zTXt"));
  pixbuf = decode (png, "png");
  g_assert_null (gdk_pixbuf_get_option (pixbuf, "tEXt::" KEYWORD));
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 40);

  data = g_bytes_get_data (jpeg, &size);
  expect_none ("plain JPEG", data, size);
  markers = jpeg_markers (jpeg);
  g_assert_null (strstr (markers->str, "fe "));
  g_assert_false (bytes_contain (jpeg, KEYWORD));
}

static void
test_no_key (void)
{
  g_autoptr(KsRecipe) recipe = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *json = NULL;

  g_setenv ("FAL_KEY", FAKE_KEY, TRUE);
  recipe = make_recipe ();
  json = ks_recipe_to_json (recipe);
  png = encode ("png", 0, recipe);
  jpeg = encode ("jpeg", 90, recipe);

  g_assert_null (strstr (json, FAKE_KEY));
  g_assert_null (strstr (json, "abcdef0123456789"));
  g_assert_null (strstr (json, BASE_MARKER));
  g_assert_null (strstr (json, "queue.example.test"));
  for (guint i = 0; i < 2; i++)
    {
      GBytes *bytes = i == 0 ? png : jpeg;

      g_assert_true (bytes_contain (bytes, REQUEST_ID));   /* the search can succeed */
      g_assert_false (bytes_contain (bytes, FAKE_KEY));
      g_assert_false (bytes_contain (bytes, "abcdef0123456789"));
      g_assert_false (bytes_contain (bytes, BASE_MARKER));
      g_assert_false (bytes_contain (bytes, "queue.example.test"));
    }
  g_unsetenv ("FAL_KEY");
}

static void
test_unsupported_format (void)
{
  g_autoptr(GdkPixbuf) pixbuf = make_pixbuf (4, 4, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = ks_recipe_encode_image (pixbuf, "gif", 0, NULL, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT);
  g_assert_null (bytes);
}

/* Chunks other programs might write: iTXt, Latin-1 tEXt. */
static void
test_png_other_writers (void)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autofree char *json = ks_recipe_to_json (recipe);
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) back = NULL;
  g_autoptr(KsParams) params = NULL;
  g_autoptr(GBytes) itxt = NULL;
  g_autoptr(GBytes) latin1 = NULL;
  GByteArray *head;

  head = png_head ();
  put_text_chunk (head, "tEXt", "Comment", "something else");
  put_text_chunk (head, "iTXt", KEYWORD, json);
  itxt = png_finish (head);
  back = ks_recipe_read_from_bytes (itxt, &error);
  g_assert_no_error (error);
  assert_same_recipe (recipe, back);
  g_clear_object (&back);

  /* Latin-1 bytes in a tEXt chunk come back as UTF-8 */
  head = png_head ();
  put_text_chunk (head, "tEXt", KEYWORD,
                  "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"caf\xe9\"}");
  latin1 = png_finish (head);
  back = ks_recipe_read_from_bytes (latin1, &error);
  g_assert_no_error (error);
  params = ks_recipe_dup_params (back);
  g_assert_cmpstr (ks_params_get_prompt (params), ==, "café");
  g_assert_false (ks_params_get_seed (params, NULL));
  g_assert_null (ks_recipe_get_record_id (back));
}

/* ---- seed files for a fuzzer ---------------------------------------------------- */

static void
write_file (const char *dir,
            const char *name,
            GBytes     *bytes)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}

static int
write_corpus (const char *dir)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autofree char *json = ks_recipe_to_json (recipe);
  g_autoptr(GdkPixbuf) pixbuf = make_pixbuf (8, 8, 3);
  struct { const char *name; GBytes *bytes; } files[8];
  GByteArray *a;
  gsize size;

  files[0].name = "png-recipe.png";
  files[0].bytes = ks_recipe_encode_image (pixbuf, "png", 0, recipe, NULL);
  files[1].name = "png-plain.png";
  files[1].bytes = ks_recipe_encode_image (pixbuf, "png", 0, NULL, NULL);
  files[2].name = "jpeg-recipe.jpg";
  files[2].bytes = ks_recipe_encode_image (pixbuf, "jpeg", 50, recipe, NULL);
  files[3].name = "jpeg-plain.jpg";
  files[3].bytes = ks_recipe_encode_image (pixbuf, "jpeg", 50, NULL, NULL);

  a = png_head ();
  put_text_chunk (a, "iTXt", KEYWORD, json);
  files[4].name = "png-itxt-recipe.png";
  files[4].bytes = png_finish (a);

  a = png_head ();
  put_bad_crc_recipe (a, json);
  files[5].name = "png-bad-crc.png";
  files[5].bytes = png_finish (a);

  files[6].name = "jpeg-recipe-cut.jpg";
  size = g_bytes_get_size (files[2].bytes);
  files[6].bytes = g_bytes_new_from_bytes (files[2].bytes, 0, MIN (size, (gsize) 120));

  files[7].name = "jpeg-wrong-types.jpg";
  files[7].bytes = jpeg_comment (KEYWORD " {\"kontext-studio-recipe\":1,\"endpoint\":7,\"prompt\":[]}");

  g_mkdir_with_parents (dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_assert_nonnull (files[i].bytes);
      write_file (dir, files[i].name, files[i].bytes);
      g_bytes_unref (files[i].bytes);
    }

  return 0;
}

/* The kept corpus still reads as it did when written. */
static void
test_corpus (void)
{
  static const struct { const char *name; int expect; } files[] = {
    { "png-recipe.png", 1 }, { "png-plain.png", 0 }, { "jpeg-recipe.jpg", 1 },
    { "jpeg-plain.jpg", 0 }, { "png-itxt-recipe.png", 1 }, { "png-bad-crc.png", -1 },
    { "jpeg-recipe-cut.jpg", -1 }, { "jpeg-wrong-types.jpg", -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (TEST_SRCDIR, "recipe", "corpus", files[i].name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRecipe) recipe = NULL;
      g_autofree char *data = NULL;
      gsize size;

      g_file_get_contents (path, &data, &size, &error);
      g_assert_no_error (error);
      recipe = read_recipe ((const guint8 *) data, size, &error);
      if (files[i].expect == 1)
        {
          g_assert_no_error (error);
          assert_expected_recipe (recipe);
        }
      else if (files[i].expect == 0)
        {
          g_assert_no_error (error);
          g_assert_null (recipe);
        }
      else
        {
          g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
          g_assert_null (recipe);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--write-corpus"))
    return write_corpus (argv[2]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/recipe/json/round-trip", test_json_round_trip);
  g_test_add_func ("/recipe/json/seed-fallback", test_json_seed_fallback);
  g_test_add_func ("/recipe/png/round-trip", test_png_round_trip);
  g_test_add_func ("/recipe/png/other-writers", test_png_other_writers);
  g_test_add_func ("/recipe/jpeg/round-trip", test_jpeg_round_trip);
  g_test_add_func ("/recipe/jpeg/quality", test_jpeg_quality);
  g_test_add_func ("/recipe/none", test_no_recipe);
  g_test_add_func ("/recipe/no-key", test_no_key);
  g_test_add_func ("/recipe/unsupported-format", test_unsupported_format);
  g_test_add_func ("/recipe/corpus", test_corpus);

  return g_test_run ();
}
