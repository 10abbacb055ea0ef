/* Fuzz target: the result reply (ks_result_parse): the images to fetch,
 * their advisory sizes, the NSFW flags and the exact seed. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-json.h"
#include "ks-protocol.h"
#include "fuzz-common.h"

static void
check_result (const KsResult *result)
{
  g_autoptr(KsResult) copy = NULL;

  g_assert_nonnull (result->images);
  g_assert_nonnull (result->raw);
  fuzz_assert_utf8 (result->prompt);

  for (guint i = 0; i < result->images->len; i++)
    {
      const KsResultImage *image = g_ptr_array_index (result->images, i);

      g_assert_nonnull (image->url);
      g_assert_cmpuint (strlen (image->url), >, 0);
      fuzz_assert_utf8 (image->url);
      fuzz_assert_utf8 (image->content_type);
      /* Advisory sizes: 0 (unknown) or a side an image can have. */
      g_assert_cmpint (image->width, >=, 0);
      g_assert_cmpint (image->width, <=, 65536);
      g_assert_cmpint (image->height, >=, 0);
      g_assert_cmpint (image->height, <=, 65536);
    }

  copy = ks_result_copy (result);
  g_assert_cmpuint (copy->images->len, ==, result->images->len);
  g_assert_cmpint (copy->has_seed, ==, result->has_seed);
  g_assert_cmpuint (copy->seed, ==, result->seed);
  g_assert_cmpstr (copy->prompt, ==, result->prompt);
  g_assert_true (json_node_equal (copy->raw, result->raw));
  for (guint i = 0; i < result->images->len; i++)
    {
      const KsResultImage *a = g_ptr_array_index (result->images, i);
      const KsResultImage *b = g_ptr_array_index (copy->images, i);

      g_assert_cmpstr (a->url, ==, b->url);
      g_assert_cmpint (a->width, ==, b->width);
      g_assert_cmpint (a->height, ==, b->height);
      g_assert_cmpint (a->has_nsfw_concepts, ==, b->has_nsfw_concepts);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause ((const char *) data, size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(KsResult) result = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init ();
  if (pause != NULL && FUZZ_SKIPS_MALFORMED_JSON)
    return 0;
  bytes = fuzz_bytes_new (data, size);
  root = ks_json_parse_bytes (bytes, &error);
  if (root == NULL)
    {
      fuzz_assert_ks_error (error);
      return 0;
    }

  result = ks_result_parse (root, &error);
  if (result == NULL)
    {
      fuzz_assert_ks_error (error);
      return 0;
    }

  g_assert_no_error (error);
  check_result (result);

  return 0;
}
