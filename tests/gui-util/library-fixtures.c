#include "config.h"

#include <glib/gstdio.h>

#include "library-fixtures.h"

#define RESULT_WIDTH 320
#define RESULT_HEIGHT 240

void
ks_test_write_image (const char *path,
                     int         width,
                     int         height,
                     const char *type,
                     guint32     colour)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  gdk_pixbuf_fill (pixbuf, colour);
  for (int i = 0; i < 6; i++)
    {
      g_autoptr(GdkPixbuf) band = gdk_pixbuf_new_subpixbuf (pixbuf, i * width / 6, 0, width / 12, height);

      gdk_pixbuf_fill (band, (colour ^ (0x30507000u * (i + 1))) | 0xff);
    }
  g_assert_true (gdk_pixbuf_save (pixbuf, path, type, &error, NULL));
  g_assert_no_error (error);
}

static char *
library_path (KsLibrary  *library,
              const char *relative)
{
  g_autoptr(GFile) file = ks_library_resolve (library, relative);

  return g_file_get_path (file);
}

KsParams *
ks_test_params_new (const char *prompt,
                    const char *format,
                    int         num_images)
{
  KsParams *params = ks_params_new (ks_endpoint_find (KS_MODEL_PRO, KS_MODE_TEXT_TO_IMAGE));

  ks_params_set_prompt (params, prompt);
  ks_params_set_output_format (params, format);
  ks_params_set_num_images (params, num_images);
  ks_params_set_aspect_ratio (params, "4:3");
  ks_params_set_guidance_scale (params, 4.5);
  ks_params_set_safety_tolerance (params, 3);
  ks_params_set_seed (params, 42);

  return params;
}

KsLibrary *
ks_test_library_new (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "library", NULL);
  g_autoptr(GFile) directory = g_file_new_for_path (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *references = g_build_filename (dir, "references", NULL);
  KsLibrary *library = ks_library_new (directory);

  g_assert_true (ks_library_load (library, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (images, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (references, 0700), ==, 0);

  return library;
}

KsRecord *
ks_test_library_add_record (KsLibrary  *library,
                            KsParams   *params,
                            guint       n_images,
                            guint       n_flagged,
                            const char *format,
                            guint32     colour)
{
  g_autoptr(KsRecord) record = ks_record_new (params, "http://127.0.0.1:9", TRUE);
  const char *endpoint_id = ks_endpoint_get_id (ks_params_get_endpoint (params));
  g_autofree char *request_id = g_strdup_printf ("req-%.8s", ks_record_get_id (record));
  g_autoptr(KsRequest) request = ks_request_new ("http://127.0.0.1:9", endpoint_id, request_id);
  const char *extension = g_str_equal (format, "png") ? "png" : "jpg";
  gint64 now = g_get_real_time ();

  ks_record_set_request (record, request);
  ks_record_set_submitted (record, now);
  ks_record_set_seed (record, KS_TEST_RESULT_SEED_TEXT);
  ks_record_set_inference_time (record, 1.25);
  ks_record_set_queue_time (record, 0.5);
  ks_record_set_returned_prompt (record, "An enhanced prompt, as the service wrote it");

  for (guint i = 0; i < n_images; i++)
    {
      g_autofree char *relative = g_strdup_printf ("images/%s-%u.%s", ks_record_get_id (record), i, extension);
      g_autofree char *path = library_path (library, relative);
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/files/%u.%s", i, extension);
      KsRecordImage image = {
        .index = i,
        .url = url,
        .content_type = (char *) (g_str_equal (format, "png") ? "image/png" : "image/jpeg"),
        .file = relative,
        .width = RESULT_WIDTH,
        .height = RESULT_HEIGHT,
        .has_nsfw_concepts = i < n_flagged,
      };

      ks_test_write_image (path, RESULT_WIDTH, RESULT_HEIGHT, format, colour + 0x1020300u * i);
      ks_record_set_image (record, &image);
    }

  ks_record_set_finished (record, now);
  ks_record_set_state (record, KS_RECORD_STATE_COMPLETED);
  ks_library_add (library, record);

  return ks_library_lookup (library, ks_record_get_id (record));
}

KsRecord *
ks_test_library_add_result (KsLibrary  *library,
                            const char *prompt,
                            const char *format,
                            guint       n_images,
                            guint       n_flagged,
                            guint32     colour)
{
  g_autoptr(KsParams) params = ks_test_params_new (prompt, format, n_images);

  return ks_test_library_add_record (library, params, n_images, n_flagged, format, colour);
}

KsRecordReference *
ks_test_library_store_reference (KsLibrary  *library,
                                 const char *name,
                                 int         width,
                                 int         height,
                                 guint32     colour)
{
  g_autofree char *scratch = g_build_filename (g_get_user_cache_dir (), "reference-scratch.png", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *path = NULL;
  g_autofree char *sha256 = NULL;
  KsRecordReference reference = { 0 };
  gsize length;

  ks_test_write_image (scratch, width, height, "png", colour);
  g_assert_true (g_file_get_contents (scratch, &contents, &length, NULL));
  g_remove (scratch);

  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  relative = g_strdup_printf ("references/%s.png", sha256);
  path = library_path (library, relative);
  g_assert_true (g_file_set_contents (path, contents, length, NULL));

  /* Copied, so that the library's own free function owns it. */
  reference.source_name = (char *) name;
  reference.sha256 = sha256;
  reference.mime_type = (char *) "image/png";
  reference.file = relative;
  reference.width = width;
  reference.height = height;

  return ks_record_reference_copy (&reference);
}
