/* Fuzz target: error replies: the 422 "detail" (ks_parse_validation_detail)
 * and the words the client makes of any error reply (status 400, 403,
 * 422, 500, …), through the client's own mapping with the reply as its
 * body. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-client-private.h"
#include "ks-error.h"
#include "ks-json.h"
#include "ks-params.h"
#include "ks-protocol.h"
#include "fuzz-common.h"

/* reply_detail() keeps at most this many characters of the service's words */
#define DETAIL_MAX_CHARS 400

static const struct {
  CallKind kind;
  guint    status;
} replies[] = {
  { CALL_RESULT, 422 },
  { CALL_SUBMIT, 400 },
  { CALL_RESULT, 400 },
  { CALL_SUBMIT, 403 },
  { CALL_STATUS, 500 },
  { CALL_RESULT, 418 },
};

static void
check_field_errors (GPtrArray *errors)
{
  g_assert_nonnull (errors);
  for (guint i = 0; i < errors->len; i++)
    {
      const KsFieldError *fe = g_ptr_array_index (errors, i);

      g_assert_nonnull (fe->message);
      fuzz_assert_printable (fe->message);
      fuzz_assert_printable (fe->field);
    }
}

static void
check_http_error (GBytes   *body,
                  CallKind  kind,
                  guint     status)
{
  g_autoptr(SoupMessage) message = soup_message_new ("GET", "https://queue.fal.run/fal-ai/flux-pro/requests/x");
  g_autoptr(GError) error = NULL;
  Call call = { 0, };
  gboolean transient = TRUE;

  soup_message_headers_set_content_type (soup_message_get_response_headers (message),
                                         "application/json", NULL);
  call.kind = kind;
  call.message = message;
  call.reply = body;
  call.status = status;
  call.host = (char *) "queue.fal.run";
  call.endpoint_id = (char *) "fal-ai/flux-pro/kontext";

  error = _ks_client_http_error (&call, &transient);
  fuzz_assert_ks_error (error);

  fuzz_assert_printable (error->message);

  if (status == 422)
    {
      g_assert_false (transient);
      g_assert_true (error->code == KS_ERROR_VALIDATION || error->code == KS_ERROR_CONTENT_POLICY);
      check_field_errors (call.field_errors);
    }
  else
    {
      /* The service's own words are shortened. */
      g_assert_cmpint (g_utf8_strlen (error->message, -1), <=, DETAIL_MAX_CHARS + 200);
      g_assert_null (call.field_errors);
    }

  g_clear_pointer (&call.field_errors, g_ptr_array_unref);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause ((const char *) data, size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;

  fuzz_init ();
  if (pause != NULL && FUZZ_SKIPS_MALFORMED_JSON)
    return 0;
  bytes = fuzz_bytes_new (data, size);
  root = ks_json_parse_bytes (bytes, NULL);

  /* The whole reply, and the detail alone. */
  for (guint pass = 0; pass < 2; pass++)
    {
      JsonNode *node = root;
      g_autoptr(GPtrArray) errors = NULL;
      gboolean content_policy = 2;

      if (pass == 1)
        {
          if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
            break;
          node = json_object_get_member (json_node_get_object (root), "detail");
        }

      errors = ks_parse_validation_detail (node, &content_policy);
      check_field_errors (errors);
      g_assert_true (content_policy == TRUE || content_policy == FALSE);
      if (node == NULL)
        g_assert_cmpuint (errors->len, ==, 0);
    }

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    check_http_error (bytes, replies[i].kind, replies[i].status);

  return 0;
}
