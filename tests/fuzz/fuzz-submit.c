/* Fuzz target: the submit reply (ks_request_parse_submit). Whatever the
 * reply says, the request it yields names a plain request id and sends
 * nothing to a host other than the configured one. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-json.h"
#include "ks-protocol.h"
#include "fuzz-common.h"

static const char *const bases[] = {
  "https://queue.fal.run",            /* fal: its own https URLs are kept */
  "https://proxy.example.com/fal/",   /* a compatible service: everything rebuilt */
  "http://127.0.0.1:8765",            /* the local service */
};

static const char *const endpoints[] = {
  "fal-ai/flux-pro/kontext",
  "fal-ai/flux-pro/kontext/max/multi",
};

static void
check_request (const KsRequest *request,
               const char      *base_url,
               const char      *endpoint_id,
               int              position)
{
  g_autoptr(KsRequest) copy = NULL;
  const char *urls[3];

  g_assert_cmpint (position, >=, -1);
  g_assert_cmpstr (request->endpoint_id, ==, endpoint_id);
  g_assert_true (ks_request_id_is_valid (request->request_id));

  urls[0] = request->status_url;
  urls[1] = request->response_url;
  urls[2] = request->cancel_url;
  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      fuzz_assert_same_host (urls[i], base_url);
      /* A compatible service gets only URLs built under its base. */
      if (!ks_base_url_is_fal (base_url))
        {
          g_autofree char *prefix = g_str_has_suffix (base_url, "/") ?
                                    g_strdup (base_url) : g_strconcat (base_url, "/", NULL);

          g_assert_true (g_str_has_prefix (urls[i], prefix));
          g_assert_nonnull (strstr (urls[i], request->request_id));
        }
    }

  copy = ks_request_copy (request);
  g_assert_cmpstr (copy->request_id, ==, request->request_id);
  g_assert_cmpstr (copy->status_url, ==, request->status_url);
  g_assert_cmpstr (copy->response_url, ==, request->response_url);
  g_assert_cmpstr (copy->cancel_url, ==, request->cancel_url);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(FuzzLeakPause) pause = fuzz_json_leak_pause ((const char *) data, size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) parse_error = NULL;

  fuzz_init ();
  if (pause != NULL && FUZZ_SKIPS_MALFORMED_JSON)
    return 0;
  bytes = fuzz_bytes_new (data, size);
  root = ks_json_parse_bytes (bytes, &parse_error);
  if (root == NULL)
    {
      fuzz_assert_ks_error (parse_error);
      return 0;
    }

  for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
    for (guint e = 0; e < G_N_ELEMENTS (endpoints); e++)
      {
        g_autoptr(KsRequest) request = NULL;
        g_autoptr(GError) error = NULL;
        int position = -2;

        request = ks_request_parse_submit (bases[b], endpoints[e], root, &position, &error);
        if (request == NULL)
          {
            fuzz_assert_ks_error (error);
            g_assert_cmpint (position, ==, -1);
            continue;
          }

        g_assert_no_error (error);
        check_request (request, bases[b], endpoints[e], position);
      }

  return 0;
}
