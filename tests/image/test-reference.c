#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "ks-client.h"
#include "ks-error.h"
#include "ks-image.h"
#include "ks-reference.h"
#include "ks-sim-server.h"
#include "image-fixtures.h"

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static KsPreparedReference *
prepare (const char  *source,
         KsClient    *client,
         GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ks_reference_prepare_async (source, client, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return ks_reference_prepare_finish (result, error);
}

static char *
write_file (const char *name,
            GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);

  return path;
}

/* The data URI decodes to exactly the bytes sent, whose hash is given,
 * and those bytes are an image of the announced size and type. */
static void
assert_data_uri (const KsPreparedReference *ref)
{
  g_autofree char *prefix = g_strdup_printf ("data:%s;base64,", ref->mime_type);
  g_autofree guchar *decoded = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };
  gsize len = 0;

  g_assert_true (g_str_has_prefix (ref->url, prefix));
  decoded = g_base64_decode (ref->url + strlen (prefix), &len);
  bytes = g_bytes_new (decoded, len);
  g_assert_true (g_bytes_equal (bytes, ref->bytes));

  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_assert_cmpstr (sha256, ==, ref->sha256);

  g_assert_true (ks_image_probe (bytes, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info.mime_type, ==, ref->mime_type);
  g_assert_cmpint (info.width, ==, ref->width);
  g_assert_cmpint (info.height, ==, ref->height);
  ks_image_info_clear (&info);
}

static void
test_local_photo (void)
{
  g_autoptr(GdkPixbuf) photo = fixture_photo_pixbuf (3000, 2000, 21);
  g_autoptr(GBytes) jpeg = fixture_encode (photo, "jpeg", "92");
  g_autofree char *path = write_file ("holiday.jpg", jpeg);
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(KsPreparedReference) copy = NULL;
  g_autoptr(GError) error = NULL;

  ref = prepare (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ref->source, ==, path);
  g_assert_cmpstr (ref->mime_type, ==, "image/jpeg");
  g_assert_cmpint (ref->original_width, ==, 3000);
  g_assert_cmpint (ref->original_height, ==, 2000);
  g_assert_cmpint ((gint64) ref->width * ref->height, <=, 1048576);
  g_assert_cmpint ((gint64) ref->width * ref->height, >=, 1000000);
  g_assert_cmpint (ABS (ref->width * 2 - ref->height * 3), <=, 3);
  g_assert_false (ref->uploaded);
  /* Much smaller than what the user had. */
  g_assert_cmpuint (g_bytes_get_size (ref->bytes), <, g_bytes_get_size (jpeg) / 3);
  assert_data_uri (ref);

  copy = ks_prepared_reference_copy (ref);
  g_assert_cmpstr (copy->url, ==, ref->url);
  g_assert_true (g_bytes_equal (copy->bytes, ref->bytes));

  /* A file: URI names the same file. */
  {
    g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
    g_autoptr(KsPreparedReference) by_uri = prepare (uri, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (by_uri->sha256, ==, ref->sha256);
  }
}

static void
test_remote_passes_through (void)
{
  const char *sources[] = {
    "https://v3.fal.media/files/kitchen.jpg",
    "HTTP://127.0.0.1:8080/files/a.png",
    "data:image/png;base64,iVBORw0KGgo=",
  };

  g_assert_false (ks_reference_is_remote ("/home/me/a.png"));
  g_assert_false (ks_reference_is_remote ("file:///home/me/a.png"));
  g_assert_false (ks_reference_is_remote ("photo.jpg"));

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autoptr(KsPreparedReference) ref = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (ks_reference_is_remote (sources[i]));
      ref = prepare (sources[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ref->url, ==, sources[i]);
      g_assert_cmpstr (ref->source, ==, sources[i]);
      g_assert_null (ref->bytes);
      g_assert_null (ref->sha256);
      g_assert_cmpint (ref->width, ==, 0);
    }
}

/* Transparency survives as PNG; an alpha channel nobody uses does not
 * cost a PNG. */
static void
test_alpha (void)
{
  g_autoptr(GdkPixbuf) clear = fixture_marked_pixbuf (200, 100, TRUE);
  g_autoptr(GdkPixbuf) opaque = fixture_marked_pixbuf (200, 100, TRUE);
  g_autoptr(GBytes) clear_png = NULL;
  g_autoptr(GBytes) opaque_png = NULL;
  g_autofree char *clear_path = NULL;
  g_autofree char *opaque_path = NULL;
  g_autoptr(KsPreparedReference) a = NULL;
  g_autoptr(KsPreparedReference) b = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *pixels = gdk_pixbuf_get_pixels (clear);

  pixels[gdk_pixbuf_get_rowstride (clear) * 50 + 100 * 4 + 3] = 0;
  clear_png = fixture_encode (clear, "png", NULL);
  opaque_png = fixture_encode (opaque, "png", NULL);
  clear_path = write_file ("cutout.png", clear_png);
  opaque_path = write_file ("flat.png", opaque_png);

  a = prepare (clear_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->mime_type, ==, "image/png");
  assert_data_uri (a);

  b = prepare (opaque_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->mime_type, ==, "image/jpeg");
  assert_data_uri (b);
}

/* The name means nothing; the bytes decide. */
static void
test_sniffing (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (120, 80, FALSE);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("not an image\n", 13);
  g_autofree char *jpeg_path = write_file ("really-a-jpeg.png", jpeg);
  g_autofree char *text_path = write_file ("notes.png", text);
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(KsPreparedReference) bad = NULL;
  g_autoptr(GError) error = NULL;

  ref = prepare (jpeg_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref->width, ==, 120);
  g_assert_cmpint (ref->height, ==, 80);

  bad = prepare (text_path, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT);
  g_assert_nonnull (strstr (error->message, "notes.png"));
}

static void
test_errors_name_the_file (void)
{
  g_autoptr(GBytes) huge = fixture_png_header (100000, 100000);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autofree char *huge_path = write_file ("enormous.png", huge);
  g_autofree char *empty_path = write_file ("nothing.jpg", empty);
  g_autofree char *missing_path = g_build_filename (g_get_tmp_dir (), "gone.jpg", NULL);
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(GError) error = NULL;

  ref = prepare (huge_path, NULL, &error);
  g_assert_null (ref);
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "enormous.png"));
  g_assert_nonnull (strstr (error->message, "100000 × 100000"));
  g_assert_nonnull (strstr (error->message, "30000"));
  g_clear_error (&error);

  ref = prepare (empty_path, NULL, &error);
  g_assert_null (ref);
  g_assert_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE);
  g_assert_nonnull (strstr (error->message, "nothing.jpg"));
  g_clear_error (&error);

  ref = prepare (missing_path, NULL, &error);
  g_assert_null (ref);
  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "gone.jpg"));
  g_clear_error (&error);

  ref = prepare (g_get_tmp_dir (), NULL, &error);
  g_assert_null (ref);
  g_assert_error (error, KS_ERROR, KS_ERROR_IO);
}

/* A phone photo taken upright: stored landscape, sent portrait. */
static void
test_orientation (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_photo_pixbuf (1600, 1200, 4);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", "90");
  g_autoptr(GBytes) rotated = fixture_jpeg_with_orientation (jpeg, 6);
  g_autofree char *path = write_file ("upright.jpg", rotated);
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(GError) error = NULL;

  ref = prepare (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref->original_width, ==, 1600);
  g_assert_cmpint (ref->original_height, ==, 1200);
  g_assert_cmpint (ref->width, <, ref->height);
  assert_data_uri (ref);
}

static void
test_bytes (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (300, 200, FALSE);
  g_autoptr(GBytes) png = fixture_encode (pixbuf, "png", NULL);
  g_autoptr(GBytes) text = g_bytes_new_static ("hello", 5);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(GError) error = NULL;

  ks_reference_prepare_bytes_async (png, "clipboard.png", NULL, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ref = ks_reference_prepare_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ref->width, ==, 300);
  g_assert_cmpint (ref->height, ==, 200);
  g_assert_cmpstr (ref->mime_type, ==, "image/jpeg");
  assert_data_uri (ref);

  ks_reference_prepare_bytes_async (text, "clipboard.png", NULL, NULL, done_cb, &result2);
  while (result2 == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ks_reference_prepare_finish (result2, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT);
  g_assert_nonnull (strstr (error->message, "clipboard.png"));
}

static void
test_cancelled (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (300, 200, FALSE);
  g_autoptr(GBytes) png = fixture_encode (pixbuf, "png", NULL);
  g_autofree char *path = write_file ("cancel.png", png);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  ks_reference_prepare_async (path, NULL, cancellable, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ks_reference_prepare_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* With uploads on, the image goes to storage once; the same image later
 * reuses its file_url without another upload. */
static void
test_upload_once (void)
{
  g_autoptr(KsSimServer) server = ks_sim_server_new ();
  g_autoptr(KsClient) client = NULL;
  g_autoptr(GdkPixbuf) pixbuf = fixture_photo_pixbuf (1200, 900, 8);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", "90");
  g_autofree char *path = write_file ("kitchen.jpg", jpeg);
  g_autofree char *copy_path = write_file ("kitchen-copy.jpg", jpeg);
  g_autoptr(KsPreparedReference) first = NULL;
  g_autoptr(KsPreparedReference) second = NULL;
  g_autoptr(GError) error = NULL;
  guint uploads;

  g_assert_true (ks_sim_server_listen (server, 0, &error));
  g_assert_no_error (error);
  client = ks_client_new (ks_sim_server_get_base_url (server));
  ks_client_set_api_key (client, "test-id:test-secret");
  g_object_set (client, "upload-references", TRUE, "retry-base-delay", 10, NULL);

  first = prepare (path, client, &error);
  g_assert_no_error (error);
  g_assert_true (first->uploaded);
  g_assert_true (g_str_has_prefix (first->url, ks_sim_server_get_base_url (server)));
  g_assert_nonnull (first->sha256);
  uploads = ks_sim_server_get_request_count (server, KS_SIM_STEP_UPLOAD);
  g_assert_cmpuint (uploads, >=, 1);

  second = prepare (copy_path, client, &error);
  g_assert_no_error (error);
  g_assert_true (second->uploaded);
  g_assert_cmpstr (second->url, ==, first->url);
  g_assert_cmpuint (ks_sim_server_get_request_count (server, KS_SIM_STEP_UPLOAD), ==, uploads);

  /* What was uploaded is what the hash names. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GBytes) fetched = NULL;
    g_autofree char *sha256 = NULL;

    ks_client_download_async (client, first->url, NULL, done_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    fetched = ks_client_download_finish (client, result, NULL, &error);
    g_assert_no_error (error);
    sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, fetched);
    g_assert_cmpstr (sha256, ==, first->sha256);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/reference/local-photo", test_local_photo);
  g_test_add_func ("/reference/remote", test_remote_passes_through);
  g_test_add_func ("/reference/alpha", test_alpha);
  g_test_add_func ("/reference/sniffing", test_sniffing);
  g_test_add_func ("/reference/errors", test_errors_name_the_file);
  g_test_add_func ("/reference/orientation", test_orientation);
  g_test_add_func ("/reference/bytes", test_bytes);
  g_test_add_func ("/reference/cancelled", test_cancelled);
  g_test_add_func ("/reference/upload-once", test_upload_once);

  return g_test_run ();
}
