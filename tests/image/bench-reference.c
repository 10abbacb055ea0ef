/* Preparing large references: bytes sent, time, extra peak memory.
 *
 *   bench-reference [--runs N]
 *
 * Writes a 24-megapixel JPEG and a 50-megapixel PNG, then prepares each
 * N times in a fresh child process (so the peak memory is the preparing
 * alone), and prints the figures as JSON. */

#include "config.h"

#include <stdlib.h>
#include <glib/gstdio.h>

#include "ks-reference.h"
#include "image-fixtures.h"

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* In the child: prepare @path @runs times, print one JSON object. */
static int
run_child (const char *path,
           guint       runs)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 rss_before = fixture_peak_rss ();
  gsize bytes_sent = 0;
  int width = 0, height = 0;
  g_autofree char *mime_type = NULL;

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(KsPreparedReference) ref = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      double ms;

      ks_reference_prepare_async (path, NULL, NULL, done_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      ref = ks_reference_prepare_finish (result, &error);
      if (ref == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (times, ms);
      bytes_sent = g_bytes_get_size (ref->bytes);
      width = ref->width;
      height = ref->height;
      g_free (mime_type);
      mime_type = g_strdup (ref->mime_type);
    }

  g_array_sort (times, compare_doubles);
  g_print ("{\"bytes_sent\": %" G_GSIZE_FORMAT ", \"sent_size\": \"%dx%d\", \"mime_type\": \"%s\", "
           "\"runs\": %u, \"median_ms\": %.1f, \"min_ms\": %.1f, \"max_ms\": %.1f, "
           "\"peak_rss_growth_mb\": %.1f}",
           bytes_sent, width, height, mime_type, runs,
           g_array_index (times, double, times->len / 2),
           g_array_index (times, double, 0),
           g_array_index (times, double, times->len - 1),
           (fixture_peak_rss () - rss_before) / 1e6);

  return 0;
}

static char *
write_input (const char *name,
             int         width,
             int         height,
             const char *format,
             const char *quality,
             gsize      *size)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_photo_pixbuf (width, height, 1234);
  g_autoptr(GBytes) bytes = fixture_encode (pixbuf, format, quality);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  *size = g_bytes_get_size (bytes);

  return path;
}

int
main (int   argc,
      char *argv[])
{
  static const struct { const char *label; const char *name; int w; int h; const char *format; const char *quality; } inputs[] = {
    { "jpeg_24mp", "bench-24mp.jpg", 6000, 4000, "jpeg", "92" },
    { "png_50mp", "bench-50mp.png", 8660, 5774, "png", NULL },
  };
  g_autofree char *tmpdir = NULL;
  guint runs = 5;

  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], (guint) atoi (argv[3]));
  if (argc == 3 && g_str_equal (argv[1], "--runs"))
    runs = MAX (1, atoi (argv[2]));

  tmpdir = g_dir_make_tmp ("bench-reference-XXXXXX", NULL);
  g_setenv ("TMPDIR", tmpdir, TRUE);

  g_print ("{\n");
  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *runs_text = g_strdup_printf ("%u", runs);
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      gsize input_size = 0;
      int status = 0;

      path = write_input (inputs[i].name, inputs[i].w, inputs[i].h,
                          inputs[i].format, inputs[i].quality, &input_size);
      {
        const char *child_argv[] = { argv[0], "--child", path, runs_text, NULL };

        g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                      &out, NULL, &status, &error);
      }
      g_assert_no_error (error);
      g_print ("  \"%s\": {\"input\": \"%dx%d\", \"input_bytes\": %" G_GSIZE_FORMAT ", \"result\": %s}%s\n",
               inputs[i].label, inputs[i].w, inputs[i].h, input_size,
               status == 0 && out != NULL && *out != '\0' ? out : "null",
               i + 1 < G_N_ELEMENTS (inputs) ? "," : "");
      g_unlink (path);
    }
  g_print ("}\n");

  g_rmdir (tmpdir);

  return 0;
}
