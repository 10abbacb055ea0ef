/* bench-reference: preparing large references — bytes sent, time, extra
 * peak memory.
 *
 *   bench-reference [--runs N]
 *
 * Writes a 24-megapixel JPEG and a 50-megapixel PNG (photo-like content
 * from the image test fixtures), then prepares each N times with
 * ks_reference_prepare_async() — as a job does with a local file — in a
 * fresh child process, so that the peak memory is the preparing alone.
 * Prints one JSON object with the targets and whether they were met.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ks-reference.h"
#include "image-fixtures.h"

typedef struct
{
  const char *label;
  const char *name;
  int         width;
  int         height;
  const char *format;
  const char *quality;
  /* targets; 0: none */
  guint64     max_bytes;
  double      max_ms;
  double      max_growth_mb;
} Input;

static const Input inputs[] = {
  { "jpeg_24mp", "bench-24mp.jpg", 6000, 4000, "jpeg", "92", 1500 * 1000, 200, 0 },
  { "png_50mp", "bench-50mp.png", 8660, 5774, "png", NULL, 0, 2000, 400 },
};

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

  return (x > y) - (x < y);
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
write_input (const Input *input,
             gsize       *size)
{
  g_autoptr(GdkPixbuf) pixbuf = fixture_photo_pixbuf (input->width, input->height, 1234);
  g_autoptr(GBytes) bytes = fixture_encode (pixbuf, input->format, input->quality);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), input->name, NULL);

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  *size = g_bytes_get_size (bytes);

  return path;
}

/* Adds the targets of @input and whether @result meets them. */
static gboolean
add_verdict (JsonBuilder *builder,
             const Input *input,
             JsonObject  *result)
{
  gboolean met = result != NULL;

  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  if (input->max_bytes > 0)
    {
      json_builder_set_member_name (builder, "bytes_sent_max");
      json_builder_add_int_value (builder, input->max_bytes);
      met = met && (guint64) json_object_get_int_member (result, "bytes_sent") <= input->max_bytes;
    }
  if (input->max_ms > 0)
    {
      json_builder_set_member_name (builder, "median_ms_max");
      json_builder_add_double_value (builder, input->max_ms);
      met = met && json_object_get_double_member (result, "median_ms") <= input->max_ms;
    }
  if (input->max_growth_mb > 0)
    {
      json_builder_set_member_name (builder, "peak_rss_growth_mb_max");
      json_builder_add_double_value (builder, input->max_growth_mb);
      met = met && json_object_get_double_member (result, "peak_rss_growth_mb") <= input->max_growth_mb;
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "met");
  json_builder_add_boolean_value (builder, met);

  return met;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *text = NULL;
  gboolean met_all = TRUE;
  guint runs = 5;

  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], (guint) atoi (argv[3]));
  if (argc == 3 && g_str_equal (argv[1], "--runs"))
    runs = MAX (1, atoi (argv[2]));

  tmpdir = g_dir_make_tmp ("bench-reference-XXXXXX", NULL);
  g_setenv ("TMPDIR", tmpdir, TRUE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "benchmark");
  json_builder_add_string_value (builder, "reference");

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *runs_text = g_strdup_printf ("%u", runs);
      g_autofree char *out = NULL;
      g_autofree char *size = g_strdup_printf ("%dx%d", inputs[i].width, inputs[i].height);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      JsonObject *result = NULL;
      gsize input_size = 0;
      int status = 0;

      path = write_input (&inputs[i], &input_size);
      {
        const char *child_argv[] = { argv[0], "--child", path, runs_text, NULL };

        g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_CHILD_INHERITS_STDERR, NULL, NULL,
                      &out, NULL, &status, &error);
      }
      if (error == NULL && g_spawn_check_wait_status (status, &error) &&
          json_parser_load_from_data (parser, out, -1, &error) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        result = json_node_get_object (json_parser_get_root (parser));

      json_builder_set_member_name (builder, inputs[i].label);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "input");
      json_builder_add_string_value (builder, size);
      json_builder_set_member_name (builder, "input_bytes");
      json_builder_add_int_value (builder, input_size);
      json_builder_set_member_name (builder, "result");
      if (result != NULL)
        json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
      else
        json_builder_add_string_value (builder, error != NULL ? error->message : "no output");
      met_all &= add_verdict (builder, &inputs[i], result);
      json_builder_end_object (builder);

      g_unlink (path);
    }

  json_builder_set_member_name (builder, "met_all");
  json_builder_add_boolean_value (builder, met_all);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);

  g_rmdir (tmpdir);

  return 0;
}
