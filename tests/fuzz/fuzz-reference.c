/* Fuzz target: preparing a reference image from bytes
 * (ks_reference_prepare_bytes_async: sniffing, the bounded probe, decoding,
 * EXIF orientation, scaling, re-encoding, the data URI). What comes out is
 * an image the model can read, no larger than about one megapixel and 4096
 * a side; what does not is refused with words. The probe runs on every
 * input; inputs whose header announces a large picture that the limits
 * would still accept are only probed, so that no single input decodes for
 * seconds. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-image.h"
#include "ks-reference.h"
#include "fuzz-common.h"

#define FUZZ_MAX_PIXELS (512 * 512)
#define FUZZ_MAX_SIDE   4096

typedef struct
{
  gboolean             done;
  KsPreparedReference *ref;
  GError              *error;
} Outcome;

static void
prepared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->ref = ks_reference_prepare_finish (result, &outcome->error);
  outcome->done = TRUE;
}

static void
check_prepared (const KsPreparedReference *ref)
{
  const KsImageLimits limits = KS_IMAGE_RESULT_LIMITS;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  KsImageInfo info = { 0, };
  gboolean ok;

  g_assert_nonnull (ref->url);
  g_assert_nonnull (ref->bytes);
  g_assert_nonnull (ref->sha256);
  g_assert_false (ref->uploaded);
  g_assert_true (g_strcmp0 (ref->mime_type, "image/jpeg") == 0 ||
                 g_strcmp0 (ref->mime_type, "image/png") == 0);
  prefix = g_strconcat ("data:", ref->mime_type, ";base64,", NULL);
  g_assert_true (g_str_has_prefix (ref->url, prefix));

  /* Scaled to about one megapixel, never up. */
  g_assert_cmpint (ref->width, >, 0);
  g_assert_cmpint (ref->height, >, 0);
  g_assert_cmpuint ((guint64) ref->width * ref->height, <=, 1048576 + 2048);
  g_assert_cmpint (MAX (ref->width, ref->height), <=, 4096);
  g_assert_cmpint (MAX (ref->width, ref->height), <=,
                   MAX (ref->original_width, ref->original_height));

  /* What is sent reads back as what was announced. */
  ok = ks_image_probe (ref->bytes, &limits, &info, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpstr (info.mime_type, ==, ref->mime_type);
  g_assert_cmpint (info.width, ==, ref->width);
  g_assert_cmpint (info.height, ==, ref->height);
  ks_image_info_clear (&info);

  {
    g_autofree char *checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, ref->bytes);
    gsize decoded_length = 0;
    g_autofree guchar *decoded = g_base64_decode (ref->url + strlen (prefix), &decoded_length);

    g_assert_cmpstr (checksum, ==, ref->sha256);
    g_assert_cmpmem (decoded, decoded_length,
                     g_bytes_get_data (ref->bytes, NULL), g_bytes_get_size (ref->bytes));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const KsImageLimits probe_limits = { 0, 0, 0, 0 };
  const KsImageLimits reference_limits = KS_IMAGE_REFERENCE_LIMITS;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) probe_error = NULL;
  KsImageInfo info = { 0, };
  Outcome outcome = { FALSE, NULL, NULL };

  fuzz_init ();

  bytes = fuzz_bytes_new (data, size);

  if (ks_image_probe (bytes, &probe_limits, &info, &probe_error))
    {
      int width = info.width;
      int height = info.height;
      guint64 pixels = (guint64) width * height;
      gboolean refused = (guint) MAX (width, height) > reference_limits.max_dimension ||
                         pixels > reference_limits.max_pixels;

      g_assert_cmpint (width, >, 0);
      g_assert_cmpint (height, >, 0);
      g_assert_nonnull (info.mime_type);
      ks_image_info_clear (&info);
      if (!refused && (pixels > FUZZ_MAX_PIXELS || MAX (width, height) > FUZZ_MAX_SIDE))
        return 0;
    }
  else
    fuzz_assert_ks_error (probe_error);

  ks_reference_prepare_bytes_async (bytes, "fuzz-input", NULL, NULL, prepared_cb, &outcome);
  while (!outcome.done)
    g_main_context_iteration (NULL, TRUE);

  if (outcome.ref == NULL)
    {
      fuzz_assert_ks_error (outcome.error);
      g_clear_error (&outcome.error);
      return 0;
    }

  g_assert_no_error (outcome.error);
  check_prepared (outcome.ref);
  ks_prepared_reference_free (outcome.ref);

  return 0;
}
