#define G_LOG_DOMAIN "ks-test-recipe"

#include "config.h"

#include <string.h>

#include "recipe-fixtures.h"

/* ---- helpers ------------------------------------------------------------ */

KsRecord *
make_record (gboolean with_seed)
{
  g_autoptr(KsParams) params = ks_params_new (ks_endpoint_lookup (ENDPOINT_ID));
  g_autoptr(KsRequest) request = ks_request_new (BASE_URL, ENDPOINT_ID, REQUEST_ID);
  KsRecord *record;

  ks_params_set_prompt (params, PROMPT);
  ks_params_set_guidance_scale (params, 4.5);
  ks_params_set_num_images (params, 2);
  ks_params_set_aspect_ratio (params, "16:9");
  ks_params_set_safety_tolerance (params, 4);
  ks_params_set_enhance_prompt (params, TRUE);
  ks_params_set_output_format (params, "png");
  ks_params_set_seed (params, 42);

  record = ks_record_new (params, BASE_URL, FALSE);
  ks_record_set_request (record, request);
  if (with_seed)
    ks_record_set_seed (record, BIG_SEED_TEXT);
  ks_record_set_parent (record, PARENT_ID, 1);

  return record;
}

KsRecipe *
make_recipe (void)
{
  g_autoptr(KsRecord) record = make_record (TRUE);

  return ks_recipe_new_for_record (record, 1);
}

GdkPixbuf *
make_pixbuf (int     width,
             int     height,
             guint32 seed)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * 3; x++)
      pixels[y * stride + x] = (guint8) ((x * 7 + y * 3) ^ g_rand_int_range (rand, 0, 64));

  return pixbuf;
}

GBytes *
encode (const char *format,
        int         quality,
        KsRecipe   *recipe)
{
  g_autoptr(GdkPixbuf) pixbuf = make_pixbuf (40, 24, 7);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  bytes = ks_recipe_encode_image (pixbuf, format, quality, recipe, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);

  return bytes;
}

/* By type: the isolated test dirs hide the MIME database that
 * gdk-pixbuf's sniffing needs. */
GdkPixbuf *
decode (GBytes     *bytes,
        const char *type)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) error = NULL;

  loader = gdk_pixbuf_loader_new_with_type (type, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_write_bytes (loader, bytes, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);

  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  gsize len = strlen (needle);

  for (gsize i = 0; len <= size && i <= size - len; i++)
    if (memcmp (data + i, needle, len) == 0)
      return TRUE;

  return FALSE;
}

void
assert_same_recipe (KsRecipe *a,
                    KsRecipe *b)
{
  g_autofree char *ja = ks_recipe_to_json (a);
  g_autofree char *jb = ks_recipe_to_json (b);

  g_assert_cmpstr (ja, ==, jb);
}

void
assert_expected_recipe (KsRecipe *recipe)
{
  g_autoptr(KsParams) params = ks_recipe_dup_params (recipe);
  guint64 seed = 0;

  g_assert_cmpstr (ks_endpoint_get_id (ks_params_get_endpoint (params)), ==, ENDPOINT_ID);
  g_assert_cmpstr (ks_params_get_prompt (params), ==, PROMPT);
  g_assert_cmpfloat (ks_params_get_guidance_scale (params), ==, 4.5);
  g_assert_cmpint (ks_params_get_num_images (params), ==, 2);
  g_assert_cmpstr (ks_params_get_aspect_ratio (params), ==, "16:9");
  g_assert_true (ks_params_get_seed (params, &seed));
  g_assert_cmpuint (seed, ==, BIG_SEED);
  g_assert_cmpstr (ks_params_get_output_format (params), ==, "png");
  g_assert_cmpint (ks_params_get_safety_tolerance (params), ==, 4);
  g_assert_true (ks_params_get_enhance_prompt (params));
  g_assert_null (ks_params_get_references (params) != NULL ? ks_params_get_references (params)[0] : NULL);
  g_assert_cmpstr (ks_recipe_get_request_id (recipe), ==, REQUEST_ID);
  g_assert_cmpstr (ks_recipe_get_parent_id (recipe), ==, PARENT_ID);
  g_assert_nonnull (ks_recipe_get_record_id (recipe));
  g_assert_cmpuint (ks_recipe_get_image_index (recipe), ==, 1);
}

KsRecipe *
read_recipe (const guint8 *data,
             gsize         size,
             GError      **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);

  return ks_recipe_read_from_bytes (bytes, error);
}

void
expect_none (const char   *what,
             const guint8 *data,
             gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) recipe = NULL;

  g_test_message ("no recipe: %s", what);
  recipe = read_recipe (data, size, &error);
  g_assert_no_error (error);
  g_assert_null (recipe);
}

void
expect_malformed (const char   *what,
                  const guint8 *data,
                  gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) recipe = NULL;

  g_test_message ("damaged recipe: %s", what);
  recipe = read_recipe (data, size, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
  g_assert_null (recipe);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Whatever happens: a recipe, nothing, or MALFORMED — never a crash. */
void
read_anything (const guint8 *data,
               gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRecipe) recipe = read_recipe (data, size, &error);

  if (error != NULL)
    g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
  if (recipe != NULL)
    g_assert_no_error (error);
}

/* ---- hand-built files ------------------------------------------------------ */

static guint32
crc32_png (const guint8 *data,
           gsize         size)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < size; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320 : crc >> 1;
    }

  return ~crc;
}

static void
put_be32 (GByteArray *out,
          guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, b, 4);
}

/* A chunk with the given declared length (the data is written as given). */
void
put_chunk_full (GByteArray   *out,
                const char   *type,
                const void   *data,
                gsize         size,
                guint32       declared,
                gboolean      good_crc)
{
  g_autoptr(GByteArray) crc_input = g_byte_array_new ();

  g_byte_array_append (crc_input, (const guint8 *) type, 4);
  g_byte_array_append (crc_input, data, size);

  put_be32 (out, declared);
  g_byte_array_append (out, (const guint8 *) type, 4);
  g_byte_array_append (out, data, size);
  put_be32 (out, crc32_png (crc_input->data, crc_input->len) ^ (good_crc ? 0 : 1));
}

void
put_chunk (GByteArray *out,
           const char *type,
           const void *data,
           gsize       size)
{
  put_chunk_full (out, type, data, size, size, TRUE);
}

void
put_bad_crc_recipe (GByteArray *out,
                    const char *json)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  g_byte_array_append (body, (const guint8 *) KEYWORD, sizeof KEYWORD);
  g_byte_array_append (body, (const guint8 *) json, strlen (json));
  put_chunk_full (out, "tEXt", body->data, body->len, body->len, FALSE);
}

void
put_text_chunk (GByteArray *out,
                const char *type,
                const char *keyword,
                const char *text)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  g_byte_array_append (body, (const guint8 *) keyword, strlen (keyword) + 1);
  if (g_str_equal (type, "iTXt"))
    g_byte_array_append (body, (const guint8 *) "\0\0\0\0", 4); /* flag, method, lang, translated */
  g_byte_array_append (body, (const guint8 *) text, strlen (text));
  put_chunk (out, type, body->data, body->len);
}

/* A real plain PNG, split after IHDR so chunks can go in between. */
GByteArray *
png_head (void)
{
  g_autoptr(GBytes) plain = encode ("png", 0, NULL);
  const guint8 *data = g_bytes_get_data (plain, NULL);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, data, 33);  /* signature + IHDR */
  return out;
}

GBytes *
png_finish (GByteArray *head)
{
  g_autoptr(GBytes) plain = encode ("png", 0, NULL);
  gsize size;
  const guint8 *data = g_bytes_get_data (plain, &size);

  g_byte_array_append (head, data + 33, size - 33);
  return g_byte_array_free_to_bytes (head);
}

/* A real plain JPEG with @segment put right after SOI. */
GBytes *
jpeg_with (const void *segment,
           gsize       size)
{
  g_autoptr(GBytes) plain = encode ("jpeg", 90, NULL);
  gsize plain_size;
  const guint8 *data = g_bytes_get_data (plain, &plain_size);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, segment, size);
  g_byte_array_append (out, data + 2, plain_size - 2);
  return g_byte_array_free_to_bytes (out);
}

GBytes *
jpeg_comment (const char *text)
{
  g_autoptr(GByteArray) segment = g_byte_array_new ();
  gsize len = strlen (text);
  guint8 header[4] = { 0xff, 0xfe, (len + 2) >> 8, (len + 2) & 0xff };

  g_byte_array_append (segment, header, 4);
  g_byte_array_append (segment, (const guint8 *) text, len);
  return jpeg_with (segment->data, segment->len);
}

/* The markers of the segments before SOS, in order. */
GString *
jpeg_markers (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  GString *markers = g_string_new (NULL);
  gsize pos = 2;

  g_assert_cmpuint (size, >, 4);
  g_assert_cmphex (data[0], ==, 0xff);
  g_assert_cmphex (data[1], ==, 0xd8);
  while (pos + 4 <= size && data[pos] == 0xff && data[pos + 1] != 0xda)
    {
      g_string_append_printf (markers, "%02x ", data[pos + 1]);
      pos += 2 + ((data[pos + 2] << 8) | data[pos + 3]);
    }

  return markers;
}
