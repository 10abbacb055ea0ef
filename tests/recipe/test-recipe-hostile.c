/* The recipe reader against hostile files: broken chunks and segments,
 * lengths past the end, wrong JSON, seeded random bytes and every
 * single-byte change of real files. NULL or KS_ERROR_MALFORMED, never a
 * crash (run it under ASan too). */

#include "config.h"

#include <string.h>

#include "recipe-fixtures.h"

/* ---- hostile input ------------------------------------------------------------ */

static void
expect_png_text (const char *what,
                 const char *type,
                 const char *text,
                 gboolean    malformed)
{
  GByteArray *head = png_head ();
  g_autoptr(GBytes) bytes = NULL;

  put_text_chunk (head, type, KEYWORD, text);
  bytes = png_finish (head);
  if (malformed)
    expect_malformed (what, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  else
    expect_none (what, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_hostile_json (void)
{
  static const struct { const char *what; const char *json; } cases[] = {
    { "empty text", "" },
    { "not JSON", "not json at all" },
    { "an array", "[1,2,3]" },
    { "a string", "\"kontext-studio-recipe\"" },
    { "no marker", "{\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\"}" },
    { "marker as string", "{\"kontext-studio-recipe\":\"1\",\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\"}" },
    { "newer version", "{\"kontext-studio-recipe\":2,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\"}" },
    { "unknown endpoint", "{\"kontext-studio-recipe\":1,\"endpoint\":\"evil/model\",\"prompt\":\"x\"}" },
    { "prompt a number", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":5}" },
    { "no prompt", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\"}" },
    { "seed not digits", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"seed\":\"12a\"}" },
    { "seed over 2^64", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"seed\":\"18446744073709551616\"}" },
    { "seed negative", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"seed\":\"-1\"}" },
    { "guidance a string", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"guidance_scale\":\"3\"}" },
    { "guidance out of range", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"guidance_scale\":1e300}" },
    { "num_images huge", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"num_images\":4294967297}" },
    { "safety 9", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"safety_tolerance\":9}" },
    { "aspect unknown", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"aspect_ratio\":\"7:5\"}" },
    { "format an object", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"output_format\":{}}" },
    { "enhance a number", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"enhance_prompt\":1}" },
    { "parent leaves the directory", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"parent\":\"../../etc\"}" },
    { "record with a slash", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"record\":\"a/b\"}" },
    { "request id an array", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"request_id\":[]}" },
    { "image negative", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"image\":-1}" },
    { "truncated object", "{\"kontext-studio-recipe\":1,\"endpoint\":\"" },
  };
  g_autoptr(GString) deep = g_string_new ("{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"x\",\"extra\":");
  g_autoptr(GString) big = g_string_new ("{\"kontext-studio-recipe\":1,\"endpoint\":\"" ENDPOINT_ID "\",\"prompt\":\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) recipe = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      expect_png_text (cases[i].what, "tEXt", cases[i].json, TRUE);
      g_clear_error (&error);
      recipe = ks_recipe_new_from_json (cases[i].json, -1, &error);
      g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      g_assert_null (recipe);
    }

  /* Nesting that would run json-glib's recursion deep */
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 20000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  expect_png_text ("deep nesting", "tEXt", deep->str, TRUE);

  /* Over 64 KiB */
  for (guint i = 0; i < 70000; i++)
    g_string_append_c (big, 'a');
  g_string_append (big, "\"}");
  expect_png_text ("over 64 KiB", "tEXt", big->str, TRUE);

  /* Invalid UTF-8 and a nul, through the JSON entry point */
  g_clear_error (&error);
  recipe = ks_recipe_new_from_json ("{\"kontext-studio-recipe\":1,\"prompt\":\"\xff\xfe\"}", -1, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
  g_clear_error (&error);
  recipe = ks_recipe_new_from_json ("{\"kontext-studio-recipe\":1}\0{}", 30, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
}

static void
test_hostile_png (void)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autofree char *json = ks_recipe_to_json (recipe);
  g_autoptr(GBytes) good = encode ("png", 0, recipe);
  const guint8 *good_data;
  gsize good_size;
  gsize chunk_at = 0;
  GByteArray *a;
  g_autoptr(GBytes) b = NULL;

  expect_none ("0 bytes", (const guint8 *) "", 0);
  expect_none ("1 byte", sig, 1);
  expect_none ("truncated signature", sig, 7);
  expect_none ("signature only", sig, 8);

  /* signature + half a chunk header */
  a = g_byte_array_new ();
  g_byte_array_append (a, sig, 8);
  g_byte_array_append (a, (const guint8 *) "\0\0\0\x0dIH", 6);
  expect_none ("half a chunk header", a->data, a->len);
  g_byte_array_unref (a);

  /* lengths that go past the end or wrap around */
  for (guint i = 0; i < 3; i++)
    {
      static const guint32 lengths[] = { 0xffffffff, 0x7fffffff, 0x80000000 };

      a = png_head ();
      put_chunk_full (a, "tEXt", KEYWORD "\0{}", sizeof KEYWORD + 2, lengths[i], TRUE);
      b = png_finish (a);
      /* Ours is cut short only when the length is credible */
      if (lengths[i] == 0x7fffffff)
        expect_malformed ("tEXt length past the end", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      else
        expect_none ("chunk length 0x8000000 or more", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      g_clear_pointer (&b, g_bytes_unref);
    }

  /* an unrelated chunk whose length points past the end hides what follows */
  a = png_head ();
  put_chunk_full (a, "abCd", "xx", 2, 0xfffffff0, TRUE);
  put_text_chunk (a, "tEXt", KEYWORD, json);
  b = png_finish (a);
  expect_none ("huge unknown chunk", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* tEXt without its nul: not identifiable as ours */
  a = png_head ();
  put_chunk (a, "tEXt", KEYWORD, strlen (KEYWORD));
  b = png_finish (a);
  expect_none ("tEXt without nul", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* a zero-length chunk */
  a = png_head ();
  put_chunk (a, "tEXt", "", 0);
  put_text_chunk (a, "tEXt", KEYWORD, json);
  b = png_finish (a);
  {
    g_autoptr(KsRecipe) after_empty = read_recipe (g_bytes_get_data (b, NULL), g_bytes_get_size (b), NULL);

    g_assert_nonnull (after_empty);
  }
  g_clear_pointer (&b, g_bytes_unref);

  /* a bad checksum on an otherwise good recipe */
  a = png_head ();
  put_bad_crc_recipe (a, json);
  b = png_finish (a);
  expect_malformed ("bad CRC", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* compressed: zTXt, iTXt with the flag set */
  a = png_head ();
  put_chunk (a, "zTXt", KEYWORD "\0\0x\x9c", sizeof KEYWORD + 3);
  b = png_finish (a);
  expect_malformed ("zTXt", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  a = png_head ();
  put_chunk (a, "iTXt", KEYWORD "\0\1\0\0\0{}", sizeof KEYWORD + 6);
  b = png_finish (a);
  expect_malformed ("compressed iTXt", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* iTXt cut inside its header */
  a = png_head ();
  put_chunk (a, "iTXt", KEYWORD "\0\0\0en", sizeof KEYWORD + 4);
  b = png_finish (a);
  expect_malformed ("iTXt without its language nul", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* a recipe after IEND is not read */
  a = g_byte_array_new ();
  {
    g_autoptr(GBytes) plain = encode ("png", 0, NULL);

    g_byte_array_append (a, g_bytes_get_data (plain, NULL), g_bytes_get_size (plain));
  }
  put_text_chunk (a, "tEXt", KEYWORD, json);
  b = g_byte_array_free_to_bytes (a);
  expect_none ("after IEND", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* nor after 64 chunks */
  a = png_head ();
  for (guint i = 0; i < 70; i++)
    put_chunk (a, "abCd", "x", 1);
  put_text_chunk (a, "tEXt", KEYWORD, json);
  b = png_finish (a);
  expect_none ("after 70 chunks", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* the real file cut at every length up to the end of the recipe chunk */
  good_data = g_bytes_get_data (good, &good_size);
  for (gsize i = 8; i + 8 < good_size; i++)
    if (memcmp (good_data + i, "tEXt" KEYWORD, 4 + strlen (KEYWORD)) == 0)
      {
        chunk_at = i - 4;
        break;
      }
  g_assert_cmpuint (chunk_at, >, 0);
  for (gsize cut = 0; cut < chunk_at + 12 + sizeof KEYWORD + strlen (json); cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRecipe) back = read_recipe (good_data, cut, &error);

      g_assert_null (back);
      /* once our keyword is there, the reader says the recipe is cut short */
      if (cut >= chunk_at + 8 + 1)
        g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      else
        g_assert_no_error (error);
    }
}

static void
test_hostile_jpeg (void)
{
  static const guint8 soi[] = { 0xff, 0xd8 };
  static const guint8 soi_ff[] = { 0xff, 0xd8, 0xff };
  static const guint8 fills[] = { 0xff, 0xd8, 0xff, 0xff, 0xff, 0xff, 0xff };
  static const guint8 len0[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00, 'J', 'F' };
  static const guint8 len1[] = { 0xff, 0xd8, 0xff, 0xfe, 0x00, 0x01, 'K', 'o' };
  static const guint8 over[] = { 0xff, 0xd8, 0xff, 0xe1, 0xff, 0xf0, 'E', 'x', 'i', 'f' };
  static const guint8 len_cut[] = { 0xff, 0xd8, 0xff, 0xfe, 0x00 };
  static const guint8 no_marker[] = { 0xff, 0xd8, 0x00, 0x10, 'J', 'F', 'I', 'F' };
  static const guint8 rst_then_eoi[] = { 0xff, 0xd8, 0xff, 0xd0, 0xff, 0x01, 0xff, 0xd9 };
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autoptr(GBytes) good = encode ("jpeg", 90, recipe);
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GString) sos_first = g_string_new (NULL);
  const guint8 *good_data;
  gsize good_size;
  gsize com_at = 0;

  expect_none ("SOI only", soi, sizeof soi);
  expect_none ("SOI and 0xff", soi_ff, sizeof soi_ff);
  expect_none ("fill bytes to the end", fills, sizeof fills);
  expect_none ("segment length 0", len0, sizeof len0);
  expect_none ("segment length 1", len1, sizeof len1);
  expect_none ("segment length over the end", over, sizeof over);
  expect_none ("length cut in half", len_cut, sizeof len_cut);
  expect_none ("no marker after SOI", no_marker, sizeof no_marker);
  expect_none ("RST, TEM, EOI", rst_then_eoi, sizeof rst_then_eoi);

  /* a COM with our prefix and JSON of the wrong types */
  b = jpeg_comment (KEYWORD " {\"kontext-studio-recipe\":1,\"endpoint\":7,\"prompt\":\"x\"}");
  expect_malformed ("COM with wrong types", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* a COM from another program */
  b = jpeg_comment ("Created with something else");
  expect_none ("foreign COM", g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_clear_pointer (&b, g_bytes_unref);

  /* a COM after SOS is entropy-coded data's business, not ours */
  {
    static const guint8 sos[] = { 0xff, 0xda, 0x00, 0x02 };
    g_autoptr(KsRecipe) ok = make_recipe ();
    g_autofree char *json = ks_recipe_to_json (ok);
    g_autofree char *text = g_strconcat (KEYWORD " ", json, NULL);
    gsize len = strlen (text);
    guint8 header[4] = { 0xff, 0xfe, (len + 2) >> 8, (len + 2) & 0xff };

    g_string_append_len (sos_first, (const char *) soi, 2);
    g_string_append_len (sos_first, (const char *) sos, 4);
    g_string_append_len (sos_first, (const char *) header, 4);
    g_string_append (sos_first, text);
    expect_none ("COM after SOS", (const guint8 *) sos_first->str, sos_first->len);
  }

  /* the real file cut at every length through the comment */
  good_data = g_bytes_get_data (good, &good_size);
  for (gsize i = 2; i + 1 < good_size; i++)
    if (good_data[i] == 0xff && good_data[i + 1] == 0xfe)
      {
        com_at = i;
        break;
      }
  g_assert_cmpuint (com_at, >, 0);
  for (gsize cut = 0; cut < com_at + 2 + ((good_data[com_at + 2] << 8) | good_data[com_at + 3]); cut++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KsRecipe) back = read_recipe (good_data, cut, &error);

      g_assert_null (back);
      if (cut > com_at + 4)
        g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
      else
        g_assert_no_error (error);
    }
}

static void
test_hostile_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x6b73);
  guint8 buffer[4096];

  for (guint round = 0; round < 3000; round++)
    {
      gsize size = g_rand_int_range (rand, 0, sizeof buffer);

      for (gsize i = 0; i < size; i++)
        buffer[i] = (guint8) g_rand_int (rand);
      /* a third of them with a real signature in front */
      if (round % 3 == 1 && size >= 8)
        memcpy (buffer, "\x89PNG\r\n\x1a\n", 8);
      else if (round % 3 == 2 && size >= 2)
        memcpy (buffer, "\xff\xd8", 2);
      if (round % 3 == 0)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(KsRecipe) recipe = read_recipe (buffer, size, &error);

          /* neither signature (the seed makes this certain): not looked at */
          g_assert_no_error (error);
          g_assert_null (recipe);
        }
      else
        read_anything (buffer, size);
    }
}

/* Every single-byte change of real files with a recipe. */
static void
test_hostile_mutations (void)
{
  g_autoptr(KsRecipe) recipe = make_recipe ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  guint found = 0, malformed = 0;

  for (guint f = 0; f < 2; f++)
    {
      g_autoptr(GBytes) bytes = encode (f == 0 ? "png" : "jpeg", 90, recipe);
      gsize size;
      const guint8 *data = g_bytes_get_data (bytes, &size);
      g_autofree guint8 *copy = g_memdup2 (data, size);
      gsize limit = MIN (size, (gsize) 1200);

      for (gsize i = 0; i < limit; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(KsRecipe) back = NULL;
          guint8 saved = copy[i];

          copy[i] ^= (guint8) g_rand_int_range (rand, 1, 256);
          back = read_recipe (copy, size, &error);
          if (error != NULL)
            {
              g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
              malformed++;
            }
          found += back != NULL;
          copy[i] = saved;
        }
    }

  g_test_message ("mutations: %u still read, %u damaged", found, malformed);
  g_assert_cmpuint (malformed, >, 0);
  g_assert_cmpuint (found, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/recipe/hostile/json", test_hostile_json);
  g_test_add_func ("/recipe/hostile/png", test_hostile_png);
  g_test_add_func ("/recipe/hostile/jpeg", test_hostile_jpeg);
  g_test_add_func ("/recipe/hostile/random", test_hostile_random);
  g_test_add_func ("/recipe/hostile/mutations", test_hostile_mutations);

  return g_test_run ();
}
