/* Fuzz target: a stored library record (ks_record_new_from_json, what the
 * library's load reads from records/<id>.json). A record that loads names
 * only files inside the library and request URLs on its own service, and
 * saving it gives a record that loads back to the same text. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-params.h"
#include "ks-protocol.h"
#include "ks-record.h"
#include "fuzz-common.h"

static void
assert_file_inside (const char *file,
                    const char *folder)
{
  g_auto(GStrv) parts = NULL;

  if (file == NULL)
    return;

  g_assert_false (g_path_is_absolute (file));
  g_assert_true (g_str_has_prefix (file, folder));
  g_assert_null (strchr (file, '\\'));
  parts = g_strsplit (file, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_assert_cmpstr (parts[i], !=, "");
      g_assert_cmpstr (parts[i], !=, ".");
      g_assert_cmpstr (parts[i], !=, "..");
    }
}

static void
check_record (KsRecord *record)
{
  const KsRequest *request = ks_record_get_request (record);
  GPtrArray *references = ks_record_get_references (record);
  GPtrArray *images = ks_record_get_images (record);

  g_assert_nonnull (ks_record_get_id (record));
  g_assert_nonnull (ks_record_get_params (record));
  g_assert_nonnull (ks_record_get_base_url (record));
  g_assert_nonnull (ks_record_state_to_string (ks_record_get_state (record)));
  fuzz_assert_utf8 (ks_record_get_prompt (record));
  fuzz_assert_utf8 (ks_record_get_error_message (record));

  if (request != NULL)
    {
      g_assert_true (ks_request_id_is_valid (request->request_id));
      fuzz_assert_same_host (request->status_url, ks_record_get_base_url (record));
      fuzz_assert_same_host (request->response_url, ks_record_get_base_url (record));
      fuzz_assert_same_host (request->cancel_url, ks_record_get_base_url (record));
    }

  for (guint i = 0; i < references->len; i++)
    {
      const KsRecordReference *reference = g_ptr_array_index (references, i);

      g_assert_true (reference->url != NULL || reference->file != NULL);
      assert_file_inside (reference->file, "references/");
    }

  for (guint i = 0; i < images->len; i++)
    {
      const KsRecordImage *image = g_ptr_array_index (images, i);

      assert_file_inside (image->file, "images/");
      g_assert_true (ks_record_get_image (record, image->index) == image);
      if (i > 0)
        g_assert_cmpuint (((const KsRecordImage *) g_ptr_array_index (images, i - 1))->index, <, image->index);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause ((const char *) data, size);
  g_autoptr(KsRecord) record = NULL;
  g_autoptr(KsRecord) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *saved_again = NULL;
  gsize saved_length = 0;
  gsize again_length = 0;

  fuzz_init ();
  if (pause != NULL && FUZZ_SKIPS_MALFORMED_JSON)
    return 0;
  /* Exactly the bytes, no nul after them. */
  input = g_memdup2 (data, size);
  record = ks_record_new_from_json (input, size, &error);
  if (record == NULL)
    {
      fuzz_assert_ks_error (error);
      return 0;
    }

  g_assert_no_error (error);
  check_record (record);

  saved = ks_record_to_json (record, &saved_length);
  g_assert_nonnull (saved);
  g_assert_cmpuint (strlen (saved), ==, saved_length);

  again = ks_record_new_from_json (saved, saved_length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  check_record (again);

  saved_again = ks_record_to_json (again, &again_length);
  g_assert_cmpstr (saved_again, ==, saved);

  return 0;
}
