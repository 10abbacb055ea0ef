/* Fuzz target: the status reply (ks_status_parse), as polled and as each
 * event of the status stream carries it. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include "ks-json.h"
#include "ks-protocol.h"
#include "fuzz-common.h"

static void
check_status (const KsStatus *status)
{
  g_autoptr(KsStatus) copy = NULL;

  g_assert_nonnull (ks_queue_state_to_string (status->state));
  g_assert_cmpint (status->queue_position, >=, -1);
  g_assert_nonnull (status->logs);
  fuzz_assert_printable (status->error);
  fuzz_assert_utf8 (status->error_type);

  for (guint i = 0; i < status->logs->len; i++)
    {
      const KsLogEntry *entry = g_ptr_array_index (status->logs, i);

      g_assert_nonnull (entry->message);
      fuzz_assert_printable (entry->message);
      fuzz_assert_utf8 (entry->timestamp);
      fuzz_assert_utf8 (entry->level);
      fuzz_assert_utf8 (entry->source);
    }

  copy = ks_status_copy (status);
  g_assert_cmpint (copy->state, ==, status->state);
  g_assert_cmpint (copy->queue_position, ==, status->queue_position);
  g_assert_cmpuint (copy->logs->len, ==, status->logs->len);
  g_assert_cmpstr (copy->error, ==, status->error);
  g_assert_cmpstr (copy->error_type, ==, status->error_type);
  for (guint i = 0; i < status->logs->len; i++)
    {
      const KsLogEntry *a = g_ptr_array_index (status->logs, i);
      const KsLogEntry *b = g_ptr_array_index (copy->logs, i);

      g_assert_cmpstr (a->message, ==, b->message);
      g_assert_cmpstr (a->timestamp, ==, b->timestamp);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause ((const char *) data, size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(KsStatus) status = NULL;
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

  status = ks_status_parse (root, &error);
  if (status == NULL)
    {
      fuzz_assert_ks_error (error);
      return 0;
    }

  g_assert_no_error (error);
  check_status (status);

  return 0;
}
