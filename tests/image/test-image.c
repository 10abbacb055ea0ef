#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ks-error.h"
#include "ks-image.h"
#include "image-fixtures.h"

static const KsImageLimits no_limits = { 0, 0, 0, 0 };

static gboolean
colour_near (GdkPixbuf *pixbuf,
             int        x,
             int        y,
             guint8     r,
             guint8     g,
             guint8     b)
{
  guint8 pr, pg, pb, pa;

  fixture_pixel (pixbuf, x, y, &pr, &pg, &pb, &pa);

  return ABS ((int) pr - r) < 60 && ABS ((int) pg - g) < 60 && ABS ((int) pb - b) < 60;
}

static void
assert_probe (GBytes     *bytes,
              const char *format_name,
              const char *mime_type,
              int         width,
              int         height)
{
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };

  g_assert_true (ks_image_probe (bytes, &KS_IMAGE_REFERENCE_LIMITS, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info.format_name, ==, format_name);
  g_assert_cmpstr (info.mime_type, ==, mime_type);
  g_assert_cmpint (info.width, ==, width);
  g_assert_cmpint (info.height, ==, height);
  ks_image_info_clear (&info);
}

static void
test_probe_formats (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (64, 48, FALSE);
  g_autoptr(GBytes) png = fixture_encode (pixbuf, "png", NULL);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", "90");
  g_autoptr(GBytes) webp = fixture_encode (pixbuf, "webp", NULL);
  g_autoptr(GBytes) gif = fixture_animated_gif ();

  assert_probe (png, "png", "image/png", 64, 48);
  assert_probe (jpeg, "jpeg", "image/jpeg", 64, 48);
  assert_probe (webp, "webp", "image/webp", 64, 48);
  assert_probe (gif, "gif", "image/gif", 2, 2);
}

static void
test_avif (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (64, 48, FALSE);
  g_autoptr(GBytes) avif = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };

  /* The AVIF loader (libavif-gdk-pixbuf) is a dependency of the app on
   * this platform: without it this test fails rather than skips. */
  if (!fixture_format_writable ("avif"))
    {
      g_test_message ("The gdk-pixbuf AVIF loader is missing or cannot write: "
                      "install libavif-gdk-pixbuf.");
      g_test_fail ();
      return;
    }

  avif = fixture_encode (pixbuf, "avif", "90");
  assert_probe (avif, "avif", "image/avif", 64, 48);

  decoded = ks_image_decode (avif, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 64);
  g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 48);
  g_assert_true (colour_near (decoded, 4, 4, 230, 20, 20));
  g_assert_true (colour_near (decoded, 60, 44, 20, 60, 230));
  ks_image_info_clear (&info);
}

/* The format comes from the bytes: a JPEG is a JPEG whatever anyone
 * calls it, and the same bytes behind another format's magic are not. */
static void
test_sniffing (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (32, 32, FALSE);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", NULL);
  g_autoptr(GBytes) mp4 = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 ftyp_mp4[] = { 0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
                              'i', 's', 'o', 'm', 'm', 'p', '4', '1' };
  KsImageInfo info = { 0, };

  assert_probe (jpeg, "jpeg", "image/jpeg", 32, 32);

  mp4 = g_bytes_new (ftyp_mp4, sizeof ftyp_mp4);
  g_assert_false (ks_image_probe (mp4, &no_limits, &info, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT);
  g_assert_null (info.format_name);
}

static void
assert_refused (GBytes     *bytes,
                int         code,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  KsImageInfo info = { 0, };

  g_test_message ("refusal case %s", message_part ? message_part : "-");
  g_assert_false (ks_image_probe (bytes, &KS_IMAGE_REFERENCE_LIMITS, &info, &error) &&
                  (pixbuf = ks_image_decode (bytes, &KS_IMAGE_REFERENCE_LIMITS, &info, &error)) != NULL);
  g_assert_error (error, KS_ERROR, code);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
  g_assert_null (pixbuf);
  ks_image_info_clear (&info);
}

static void
test_refusals (void)
{
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) text = g_bytes_new_static ("Put a donut next to the flour.\n", 31);
  const char *svg_text = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">"
                         "<rect width=\"100\" height=\"100\" fill=\"red\"/></svg>\n";
  g_autoptr(GBytes) svg = g_bytes_new_static (svg_text, strlen (svg_text));
  g_autoptr(GdkPixbuf) pixbuf = fixture_photo_pixbuf (256, 256, 7);
  g_autoptr(GBytes) png = fixture_encode (pixbuf, "png", NULL);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", "90");
  g_autoptr(GBytes) png_cut = g_bytes_new_from_bytes (png, 0, g_bytes_get_size (png) / 2);
  g_autoptr(GBytes) png_head_only = g_bytes_new_from_bytes (png, 0, 20);
  g_autoptr(GBytes) jpeg_head_only = g_bytes_new_from_bytes (jpeg, 0, 100);
  g_autoptr(GBytes) gif = fixture_animated_gif ();
  g_autoptr(GBytes) gif_cut = g_bytes_new_from_bytes (gif, 0, 12);
  guint8 noise[512];

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (i * 7919) ^ 0x5a;

  assert_refused (empty, KS_ERROR_BAD_IMAGE, NULL);
  assert_refused (text, KS_ERROR_UNSUPPORTED_FORMAT, "text");
  assert_refused (svg, KS_ERROR_UNSUPPORTED_FORMAT, "SVG");
  {
    g_autoptr(GBytes) random = g_bytes_new (noise, sizeof noise);
    assert_refused (random, KS_ERROR_UNSUPPORTED_FORMAT, NULL);
  }
  assert_refused (png_cut, KS_ERROR_BAD_IMAGE, NULL);
  assert_refused (png_head_only, KS_ERROR_BAD_IMAGE, NULL);
  assert_refused (jpeg_head_only, KS_ERROR_BAD_IMAGE, NULL);
  assert_refused (gif_cut, KS_ERROR_BAD_IMAGE, NULL);
}

static void
test_too_many_bytes (void)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (64, 64, FALSE);
  g_autoptr(GBytes) png = fixture_encode (pixbuf, "png", NULL);
  KsImageLimits limits = { 100, 0, 0, 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (ks_image_probe (png, &limits, NULL, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
}

/* Huge headers: refused, or at least probed, without the pixels ever
 * being allocated. Runs in a fresh process so the allocator's peak is
 * this test's own. */
static void
test_huge_headers_subprocess (void)
{
  g_autoptr(GBytes) huge = fixture_png_header (100000, 100000);
  g_autoptr(GBytes) big = fixture_png_header (30000, 30000);
  g_autoptr(GdkPixbuf) pixbuf = fixture_marked_pixbuf (64, 64, FALSE);
  g_autoptr(GBytes) jpeg = fixture_encode (pixbuf, "jpeg", NULL);
  g_autoptr(GBytes) huge_jpeg = fixture_jpeg_with_size (jpeg, 60000, 60000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  KsImageInfo info = { 0, };
  guint64 rss_before, mmap_before;
  gint64 start;
  gpointer control;

  rss_before = fixture_peak_rss ();
  mmap_before = fixture_peak_mmap_bytes ();
  start = g_get_monotonic_time ();

  /* Refused for its size, at once. */
  g_assert_false (ks_image_probe (huge, &KS_IMAGE_REFERENCE_LIMITS, &info, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "100000"));
  g_clear_error (&error);

  decoded = ks_image_decode (huge, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
  g_assert_null (decoded);
  g_clear_error (&error);

  /* 30 000 a side is within the side limit but not the pixel count. */
  g_assert_false (ks_image_probe (big, &KS_IMAGE_REFERENCE_LIMITS, &info, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Without limits the probe still only reads the header. */
  g_assert_true (ks_image_probe (big, &no_limits, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.width, ==, 30000);
  g_assert_cmpint (info.height, ==, 30000);
  ks_image_info_clear (&info);

  g_assert_true (ks_image_probe (huge, &no_limits, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.width, ==, 100000);
  ks_image_info_clear (&info);

  g_assert_true (ks_image_probe (huge_jpeg, &no_limits, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.width, ==, 60000);
  g_assert_cmpint (info.height, ==, 60000);
  ks_image_info_clear (&info);

  g_test_message ("probing took %.1f ms, peak RSS grew %.1f MB, peak mmap grew %.1f MB",
                  (g_get_monotonic_time () - start) / 1000.0,
                  (fixture_peak_rss () - rss_before) / 1e6,
                  (fixture_peak_mmap_bytes () - mmap_before) / 1e6);
  /* memcheck replaces glibc's allocator, keeps no mmap figures and adds
   * its own memory and time: the main and sanitizer passes check these
   * bounds; here the refusals and probes above are what is checked (a
   * skip would end this child with status 77, which the parent takes for
   * a failure). */
  if (fixture_running_on_valgrind ())
    {
      g_test_message ("memory bounds not checked: memcheck gives no figures of the program's own memory");
      return;
    }
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (fixture_peak_rss () - rss_before, <, 50 * 1024 * 1024);

  /* glibc serves every block this size with mmap(), touched or not. */
  if (mmap_before == 0 && fixture_peak_mmap_bytes () == 0)
    {
      g_test_message ("malloc_stats() gives no mmap figures here");
      g_test_fail ();
      return;
    }
  g_assert_cmpuint (fixture_peak_mmap_bytes () - mmap_before, <, 50 * 1024 * 1024);

  /* And the measurement does see an allocation of that kind. */
  control = g_try_malloc (512 * 1024 * 1024);
  g_assert_nonnull (control);
  g_assert_cmpuint (fixture_peak_mmap_bytes () - mmap_before, >=, 512 * 1024 * 1024);
  g_free (control);
}

static void
test_huge_headers (void)
{
  g_test_trap_subprocess ("/image/probe/huge-headers/subprocess", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static char *
dct_input_path (void)
{
  return g_build_filename (g_get_tmp_dir (), "ks-test-image-24mp.jpg", NULL);
}

/* A 24-megapixel JPEG is decoded at a quarter of its size by libjpeg:
 * the full 72 MB of pixels are never allocated. */
static void
test_jpeg_dct_scaling_subprocess (void)
{
  g_autofree char *path = dct_input_path ();
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };
  gsize length = 0;
  guint64 mmap_before;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  jpeg = g_bytes_new_take (g_steal_pointer (&contents), length);

  mmap_before = fixture_peak_mmap_bytes ();
  decoded = ks_image_decode (jpeg, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info.width, ==, 6000);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 1254);
  g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 836);
  g_test_message ("decoding grew the allocator's peak by %.1f MB",
                  (fixture_peak_mmap_bytes () - mmap_before) / 1e6);
  g_assert_cmpuint (fixture_peak_mmap_bytes () - mmap_before, <, 30 * 1000 * 1000);
  ks_image_info_clear (&info);
}

static void
test_jpeg_dct_scaling (void)
{
  g_autofree char *path = dct_input_path ();
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(GdkPixbuf) photo = fixture_photo_pixbuf (6000, 4000, 13);
    g_autoptr(GBytes) jpeg = fixture_encode (photo, "jpeg", "90");

    g_file_set_contents (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), &error);
    g_assert_no_error (error);
  }

  g_test_trap_subprocess ("/image/decode/jpeg-dct-scaling/subprocess", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_unlink (path);
  g_test_trap_assert_passed ();
}

static void
assert_scaled (GdkPixbuf *pixbuf,
               int        orig_width,
               int        orig_height,
               guint64    target)
{
  int w = gdk_pixbuf_get_width (pixbuf);
  int h = gdk_pixbuf_get_height (pixbuf);
  double aspect = (double) orig_width / orig_height;

  g_assert_cmpuint ((guint64) w * h, <=, target);
  g_assert_cmpuint ((guint64) w * h, >=, target * 98 / 100);
  g_assert_cmpfloat (fabs ((double) w / h - aspect) / aspect, <, 0.01);
}

static void
test_decode_scales (void)
{
  g_autoptr(GdkPixbuf) photo = fixture_photo_pixbuf (3000, 2000, 3);
  g_autoptr(GBytes) png = fixture_encode (photo, "png", NULL);
  g_autoptr(GBytes) jpeg = fixture_encode (photo, "jpeg", "90");
  g_autoptr(GdkPixbuf) tall_source = fixture_photo_pixbuf (600, 2400, 5);
  g_autoptr(GBytes) tall = fixture_encode (tall_source, "jpeg", "90");
  g_autoptr(GBytes) small = NULL;
  g_autoptr(GdkPixbuf) small_source = fixture_marked_pixbuf (300, 200, FALSE);
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };
  const char *names[] = { "png", "jpeg" };
  GBytes *inputs[] = { png, jpeg };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GdkPixbuf) decoded = ks_image_decode (inputs[i], &KS_IMAGE_REFERENCE_LIMITS, &info, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (info.format_name, ==, names[i]);
      g_assert_cmpint (info.width, ==, 3000);
      g_assert_cmpint (info.height, ==, 2000);
      g_assert_false (info.animated);
      assert_scaled (decoded, 3000, 2000, KS_IMAGE_REFERENCE_LIMITS.target_pixels);
      ks_image_info_clear (&info);
    }

  {
    g_autoptr(GdkPixbuf) decoded = ks_image_decode (tall, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);

    g_assert_no_error (error);
    assert_scaled (decoded, 600, 2400, KS_IMAGE_REFERENCE_LIMITS.target_pixels);
    ks_image_info_clear (&info);
  }

  /* A sliver within a megapixel still loses its length: 4096 a side at most. */
  {
    g_autoptr(GdkPixbuf) sliver_source = fixture_photo_pixbuf (16, 20000, 7);
    g_autoptr(GBytes) sliver = fixture_encode (sliver_source, "png", NULL);
    g_autoptr(GdkPixbuf) decoded = ks_image_decode (sliver, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);

    g_assert_no_error (error);
    g_assert_cmpint (info.height, ==, 20000);
    g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 4096);
    g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 3);
    ks_image_info_clear (&info);
  }

  /* Small images are left as they are. */
  small = fixture_encode (small_source, "png", NULL);
  {
    g_autoptr(GdkPixbuf) decoded = ks_image_decode (small, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);

    g_assert_no_error (error);
    g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 300);
    g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 200);
    ks_image_info_clear (&info);
  }
}

/* Where the stored top-left corner lands once the EXIF orientation is
 * applied, and whether the sides swap. */
static void
test_orientation (void)
{
  g_autoptr(GdkPixbuf) source = fixture_marked_pixbuf (64, 32, FALSE);
  g_autoptr(GBytes) jpeg = fixture_encode (source, "jpeg", "95");
  static const struct { guint o; gboolean swap; gboolean right; gboolean bottom; } cases[] = {
    { 1, FALSE, FALSE, FALSE },
    { 2, FALSE, TRUE,  FALSE },
    { 3, FALSE, TRUE,  TRUE  },
    { 4, FALSE, FALSE, TRUE  },
    { 5, TRUE,  FALSE, FALSE },
    { 6, TRUE,  TRUE,  FALSE },
    { 7, TRUE,  TRUE,  TRUE  },
    { 8, TRUE,  FALSE, TRUE  },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) oriented = fixture_jpeg_with_orientation (jpeg, cases[i].o);
      g_autoptr(GdkPixbuf) decoded = NULL;
      g_autoptr(GError) error = NULL;
      KsImageInfo info = { 0, };
      int w, h, mx, my, ox, oy;

      decoded = ks_image_decode (oriented, &no_limits, &info, &error);
      g_assert_no_error (error);
      /* As stored, before orientation. */
      g_assert_cmpint (info.width, ==, 64);
      g_assert_cmpint (info.height, ==, 32);

      w = gdk_pixbuf_get_width (decoded);
      h = gdk_pixbuf_get_height (decoded);
      g_assert_cmpint (w, ==, cases[i].swap ? 32 : 64);
      g_assert_cmpint (h, ==, cases[i].swap ? 64 : 32);

      /* The centre of the red block, and the opposite corner. */
      mx = cases[i].right ? w - 8 : 7;
      my = cases[i].bottom ? h - 8 : 7;
      ox = cases[i].right ? 4 : w - 5;
      oy = cases[i].bottom ? 4 : h - 5;
      if (!colour_near (decoded, mx, my, 230, 20, 20) || colour_near (decoded, ox, oy, 230, 20, 20))
        g_error ("orientation %u: the marked corner is not where it belongs", cases[i].o);
      ks_image_info_clear (&info);
    }
}

static void
test_animated_gif (void)
{
  g_autoptr(GBytes) gif = fixture_animated_gif ();
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };

  decoded = ks_image_decode (gif, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_true (info.animated);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 2);
  g_assert_cmpint (gdk_pixbuf_get_height (decoded), ==, 2);
  /* The first frame is red, the second green. */
  g_assert_true (colour_near (decoded, 0, 0, 255, 0, 0));
  g_assert_true (colour_near (decoded, 1, 1, 255, 0, 0));
  ks_image_info_clear (&info);
}

static void
test_animated_webp (void)
{
  g_autoptr(GdkPixbuf) red = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 32, 32);
  g_autoptr(GdkPixbuf) green = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 32, 32);
  g_autoptr(GBytes) webp = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };

  gdk_pixbuf_fill (red, 0xff0000ff);
  gdk_pixbuf_fill (green, 0x00ff00ff);
  webp = fixture_animated_webp (red, green);

  decoded = ks_image_decode (webp, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info.format_name, ==, "webp");
  g_assert_true (info.animated);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded), ==, 32);
  g_assert_true (colour_near (decoded, 16, 16, 255, 0, 0));
  ks_image_info_clear (&info);
}

static void
test_webp (void)
{
  g_autoptr(GdkPixbuf) source = fixture_photo_pixbuf (1600, 1200, 11);
  g_autoptr(GBytes) webp = fixture_encode (source, "webp", NULL);
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };

  decoded = ks_image_decode (webp, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_false (info.animated);
  g_assert_cmpint (info.width, ==, 1600);
  assert_scaled (decoded, 1600, 1200, KS_IMAGE_REFERENCE_LIMITS.target_pixels);
  ks_image_info_clear (&info);
}

/* PNG flavours gdk-pixbuf cannot write: 16 bits per channel, grey + alpha. */
static void
test_png_flavours (void)
{
  guint8 rgb16[4 * 3 * 6];
  guint8 grey_alpha[4 * 2 * 4];
  g_autoptr(GBytes) png16 = NULL;
  g_autoptr(GBytes) png_ga = NULL;
  g_autoptr(GdkPixbuf) decoded16 = NULL;
  g_autoptr(GdkPixbuf) decoded_ga = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };
  guint8 r, g, b, a;

  /* 4 × 3, every pixel (0xff00, 0x8000, 0x0000). */
  for (guint i = 0; i < sizeof rgb16; i += 6)
    {
      rgb16[i + 0] = 0xff; rgb16[i + 1] = 0x00;
      rgb16[i + 2] = 0x80; rgb16[i + 3] = 0x00;
      rgb16[i + 4] = 0x00; rgb16[i + 5] = 0x00;
    }
  png16 = fixture_png_raw (4, 3, 16, 2, rgb16, 4 * 6);
  decoded16 = ks_image_decode (png16, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (decoded16), ==, 4);
  g_assert_cmpint (gdk_pixbuf_get_height (decoded16), ==, 3);
  fixture_pixel (decoded16, 3, 2, &r, &g, &b, &a);
  g_assert_cmpint (r, ==, 0xff);
  g_assert_cmpint (ABS (g - 0x80), <=, 1);
  g_assert_cmpint (b, ==, 0);
  ks_image_info_clear (&info);

  /* 4 × 4 grey 0x40; the left half opaque, the right half transparent. */
  for (guint y = 0; y < 4; y++)
    for (guint x = 0; x < 4; x++)
      {
        grey_alpha[(y * 4 + x) * 2] = 0x40;
        grey_alpha[(y * 4 + x) * 2 + 1] = x < 2 ? 0xff : 0x00;
      }
  png_ga = fixture_png_raw (4, 4, 8, 4, grey_alpha, 4 * 2);
  decoded_ga = ks_image_decode (png_ga, &KS_IMAGE_REFERENCE_LIMITS, &info, &error);
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_get_has_alpha (decoded_ga));
  fixture_pixel (decoded_ga, 0, 0, &r, &g, &b, &a);
  g_assert_cmpint (r, ==, 0x40);
  g_assert_cmpint (g, ==, 0x40);
  g_assert_cmpint (a, ==, 0xff);
  fixture_pixel (decoded_ga, 3, 3, &r, &g, &b, &a);
  g_assert_cmpint (a, ==, 0);
  ks_image_info_clear (&info);
}

static void
decode_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_decode_async (void)
{
  g_autoptr(GdkPixbuf) source = fixture_photo_pixbuf (2048, 1024, 9);
  g_autoptr(GBytes) jpeg = fixture_encode (source, "jpeg", "90");
  g_autoptr(GBytes) text = g_bytes_new_static ("hello", 5);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GdkPixbuf) decoded = NULL;
  g_autoptr(GError) error = NULL;

  ks_image_decode_async (jpeg, &KS_IMAGE_REFERENCE_LIMITS, NULL, decode_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  decoded = ks_image_decode_finish (result, &error);
  g_assert_no_error (error);
  assert_scaled (decoded, 2048, 1024, KS_IMAGE_REFERENCE_LIMITS.target_pixels);

  ks_image_decode_async (text, &KS_IMAGE_REFERENCE_LIMITS, NULL, decode_done_cb, &result2);
  while (result2 == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ks_image_decode_finish (result2, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT);
}

static void
test_decode_cancelled (void)
{
  g_autoptr(GdkPixbuf) source = fixture_marked_pixbuf (64, 64, FALSE);
  g_autoptr(GBytes) png = fixture_encode (source, "png", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  ks_image_decode_async (png, &KS_IMAGE_REFERENCE_LIMITS, cancellable, decode_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ks_image_decode_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_encode (void)
{
  g_autoptr(GdkPixbuf) opaque = fixture_marked_pixbuf (40, 30, FALSE);
  g_autoptr(GdkPixbuf) clear = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 40, 30);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GBytes) flattened = NULL;
  g_autoptr(GdkPixbuf) back = NULL;
  g_autoptr(GError) error = NULL;
  KsImageInfo info = { 0, };

  jpeg = ks_image_encode (opaque, "jpeg", 90, &error);
  g_assert_no_error (error);
  assert_probe (jpeg, "jpeg", "image/jpeg", 40, 30);

  png = ks_image_encode (opaque, "png", 0, &error);
  g_assert_no_error (error);
  back = ks_image_decode (png, &no_limits, &info, &error);
  g_assert_no_error (error);
  g_assert_true (colour_near (back, 2, 2, 230, 20, 20));
  ks_image_info_clear (&info);
  g_clear_object (&back);

  /* Fully transparent black, as JPEG: white, not black. */
  gdk_pixbuf_fill (clear, 0x00000000);
  flattened = ks_image_encode (clear, "jpeg", 90, &error);
  g_assert_no_error (error);
  back = ks_image_decode (flattened, &no_limits, &info, &error);
  g_assert_no_error (error);
  g_assert_true (colour_near (back, 20, 15, 255, 255, 255));
  ks_image_info_clear (&info);

  g_assert_null (ks_image_encode (opaque, "tiff", 0, &error));
  g_assert_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/image/probe/formats", test_probe_formats);
  g_test_add_func ("/image/probe/sniffing", test_sniffing);
  g_test_add_func ("/image/probe/refusals", test_refusals);
  g_test_add_func ("/image/probe/too-many-bytes", test_too_many_bytes);
  g_test_add_func ("/image/probe/huge-headers", test_huge_headers);
  g_test_add_func ("/image/probe/huge-headers/subprocess", test_huge_headers_subprocess);
  g_test_add_func ("/image/decode/scales", test_decode_scales);
  g_test_add_func ("/image/decode/jpeg-dct-scaling", test_jpeg_dct_scaling);
  g_test_add_func ("/image/decode/jpeg-dct-scaling/subprocess", test_jpeg_dct_scaling_subprocess);
  g_test_add_func ("/image/decode/orientation", test_orientation);
  g_test_add_func ("/image/decode/animated-gif", test_animated_gif);
  g_test_add_func ("/image/decode/animated-webp", test_animated_webp);
  g_test_add_func ("/image/decode/webp", test_webp);
  g_test_add_func ("/image/decode/avif", test_avif);
  g_test_add_func ("/image/decode/png-flavours", test_png_flavours);
  g_test_add_func ("/image/decode/async", test_decode_async);
  g_test_add_func ("/image/decode/cancelled", test_decode_cancelled);
  g_test_add_func ("/image/encode", test_encode);

  return g_test_run ();
}
