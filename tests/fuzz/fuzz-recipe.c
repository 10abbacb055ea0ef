/* Fuzz target: reading the recipe of an exported image
 * (ks_recipe_read_from_bytes: PNG chunk and JPEG segment walking, then the
 * recipe's JSON), and the JSON reader on its own. A recipe that reads
 * holds parameters the app accepts, and writes back to JSON that reads
 * to the same recipe. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-params.h"
#include "ks-protocol.h"
#include "ks-recipe.h"
#include "fuzz-common.h"

static void
check_recipe (KsRecipe *recipe)
{
  g_autoptr(KsParams) params = NULL;
  g_autoptr(KsRecipe) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  const char *id;

  params = ks_recipe_dup_params (recipe);
  g_assert_nonnull (params);

  /* Ids go into file names and URLs: plain tokens or nothing. */
  id = ks_recipe_get_request_id (recipe);
  g_assert_true (id == NULL || ks_request_id_is_valid (id));
  id = ks_recipe_get_parent_id (recipe);
  g_assert_true (id == NULL || ks_request_id_is_valid (id));
  id = ks_recipe_get_record_id (recipe);
  g_assert_true (id == NULL || ks_request_id_is_valid (id));

  json = ks_recipe_to_json (recipe);
  g_assert_nonnull (json);
  for (const char *p = json; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, <, 0x80);   /* plain ASCII: fits tEXt and COM */

  again = ks_recipe_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  json_again = ks_recipe_to_json (again);
  g_assert_cmpstr (json_again, ==, json);
  g_assert_cmpuint (ks_recipe_get_image_index (again), ==, ks_recipe_get_image_index (recipe));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KsRecipe) recipe = NULL;
  g_autoptr(KsRecipe) from_json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) json_error = NULL;

  fuzz_init ();

  /* As an exported image. The recipe's JSON inside cannot be told apart
   * cheaply: only a stray surrogate escape anywhere is skipped here, and
   * .ci/fuzz suppresses json-glib's other leaks for this target. */
  if (fuzz_json_has_stray_surrogate ((const char *) data, size))
    return 0;
  bytes = fuzz_bytes_new (data, size);
  recipe = ks_recipe_read_from_bytes (bytes, &error);
  if (recipe != NULL)
    {
      g_assert_no_error (error);
      check_recipe (recipe);
    }
  else if (error != NULL)
    fuzz_assert_ks_error (error);

  /* As the recipe's text alone (the same reader the image path ends in). */
  if (size > 0)
    {
      g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause ((const char *) data, size);
      g_autofree char *text = NULL;

      if (pause != NULL && FUZZ_SKIPS_MALFORMED_JSON)
        return 0;
      text = g_memdup2 (data, size);

      from_json = ks_recipe_new_from_json (text, (gssize) size, &json_error);
      if (from_json != NULL)
        {
          g_assert_no_error (json_error);
          check_recipe (from_json);
        }
      else
        fuzz_assert_ks_error (json_error);
    }

  return 0;
}
