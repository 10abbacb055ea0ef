#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <gio/gio.h>

#include "ks-error.h"
#include "hostile-check.h"
#include "image-fixtures.h"

#define TARGET_PIXELS 1048576
#define DEFAULT_MEMORY_MB 128

static void problem (GPtrArray  *problems,
                     const char *format,
                     ...) G_GNUC_PRINTF (2, 3);

static void
problem (GPtrArray  *problems,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (problems, g_strdup_vprintf (format, args));
  va_end (args);
}

static gboolean
has_any_word (const char *message,
              const char *words)
{
  g_autofree char *folded = g_utf8_casefold (message, -1);
  g_auto(GStrv) list = g_strsplit (words, "|", -1);

  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autofree char *word = g_utf8_casefold (list[i], -1);

      if (strstr (folded, word) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* What is sent is 8-bit sRGB: an 8-bit RGB or RGBA PNG, or a baseline
 * 8-bit JPEG with three components (never CMYK). */
static void
check_sent_format (GBytes     *sent,
                   const char *mime_type,
                   GPtrArray  *problems)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (sent, &len);

  if (g_strcmp0 (mime_type, "image/png") == 0)
    {
      if (len < 33 || memcmp (data, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp (data + 12, "IHDR", 4) != 0)
        problem (problems, "the PNG sent has no PNG header");
      else if (data[24] != 8 || (data[25] != 2 && data[25] != 6))
        problem (problems, "the PNG sent has bit depth %u and colour type %u, not 8-bit RGB(A)",
                 data[24], data[25]);
      return;
    }

  if (g_strcmp0 (mime_type, "image/jpeg") != 0)
    {
      problem (problems, "what is sent is %s, neither image/jpeg nor image/png", mime_type);
      return;
    }

  for (gsize i = 2; i + 10 <= len; )
    {
      guint8 marker;
      gsize segment;

      if (data[i] != 0xff)
        break;
      marker = data[i + 1];
      segment = ((gsize) data[i + 2] << 8) | data[i + 3];
      if (marker >= 0xc0 && marker <= 0xc2)
        {
          if (data[i + 4] != 8 || data[i + 9] != 3)
            problem (problems, "the JPEG sent has %u-bit samples and %u components, not 8-bit YCbCr",
                     data[i + 4], data[i + 9]);
          return;
        }
      i += 2 + segment;
    }

  problem (problems, "the JPEG sent has no frame header");
}

static void
check_colour (GdkPixbuf    *pixbuf,
              int           x,
              int           y,
              const guint8 *expected,
              int           tolerance,
              const char   *where,
              GPtrArray    *problems)
{
  guint8 rgba[4];

  fixture_pixel (pixbuf, x, y, &rgba[0], &rgba[1], &rgba[2], &rgba[3]);
  for (guint c = 0; c < 4; c++)
    if (ABS ((int) rgba[c] - (int) expected[c]) > tolerance)
      {
        problem (problems, "the %s corner at (%d, %d) is %u,%u,%u,%u; expected %u,%u,%u,%u (± %d)",
                 where, x, y, rgba[0], rgba[1], rgba[2], rgba[3],
                 expected[0], expected[1], expected[2], expected[3], tolerance);
        return;
      }
}

/* The red mark where EXIF orientation puts it; the other corners are
 * the rest's colour. */
static void
check_corners (const HostileEntry *entry,
               GdkPixbuf          *pixbuf,
               GPtrArray          *problems)
{
  static const guint8 red[4] = { 220, 30, 30, 255 };
  static const guint8 blue[4] = { 30, 30, 220, 255 };
  static const char * const names[] = { "top-left", "top-right", "bottom-right", "bottom-left" };
  int w = gdk_pixbuf_get_width (pixbuf);
  int h = gdk_pixbuf_get_height (pixbuf);
  const int xs[4] = { w / 8, w - 1 - w / 8, w - 1 - w / 8, w / 8 };
  const int ys[4] = { h / 8, h / 8, h - 1 - h / 8, h - 1 - h / 8 };
  const guint8 *mark = entry->tolerance == 0 ? red : entry->mark_rgba;
  const guint8 *rest = entry->tolerance == 0 ? blue : entry->rest_rgba;
  int tolerance = entry->tolerance == 0 ? 40 : entry->tolerance;

  for (int corner = 0; corner < 4; corner++)
    {
      gboolean marked = entry->mark != MARK_NONE && corner == (int) entry->mark - MARK_TOP_LEFT;

      check_colour (pixbuf, xs[corner], ys[corner], marked ? mark : rest, tolerance,
                    names[corner], problems);
    }
}

static char *
check_reference (const HostileEntry *entry,
                 JsonObject         *report,
                 const char         *sent_path,
                 GPtrArray          *problems)
{
  const char *mime_type = json_object_get_string_member_with_default (report, "mime_type", NULL);
  const char *sha256 = json_object_get_string_member_with_default (report, "sha256", "");
  gint64 width = json_object_get_int_member_with_default (report, "width", 0);
  gint64 height = json_object_get_int_member_with_default (report, "height", 0);
  gint64 original_width = json_object_get_int_member_with_default (report, "original_width", 0);
  gint64 original_height = json_object_get_int_member_with_default (report, "original_height", 0);
  g_autofree char *contents = NULL;
  g_autofree char *checksum = NULL;
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (entry->mime_type != NULL && g_strcmp0 (mime_type, entry->mime_type) != 0)
    problem (problems, "sent as %s; expected %s", mime_type, entry->mime_type);
  if (!json_object_get_boolean_member_with_default (report, "url_prefix_ok", FALSE))
    problem (problems, "the URL sent is not a data:image/ URI");
  if (original_width != entry->stored_width || original_height != entry->stored_height)
    problem (problems, "read as %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT "; the file is %d × %d",
             original_width, original_height, entry->stored_width, entry->stored_height);

  /* Bounded: about a megapixel at most, never nothing, and the picture's
   * aspect as shown (one pixel of rounding allowed). */
  if (width <= 0 || height <= 0 || width * height > TARGET_PIXELS)
    problem (problems, "sent at %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT ", not within 1 to %d pixels",
             width, height, TARGET_PIXELS);
  if (ABS (width * entry->shown_height - height * entry->shown_width) >
      MAX (entry->shown_width, entry->shown_height))
    problem (problems, "sent at %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT ", not in the aspect of %d × %d",
             width, height, entry->shown_width, entry->shown_height);

  if (!g_file_get_contents (sent_path, &contents, &len, &error))
    {
      problem (problems, "the bytes sent were not kept: %s", error->message);
      return g_strdup ("reference without bytes");
    }
  sent = g_bytes_new_take (g_steal_pointer (&contents), len);
  checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, sent);
  if (g_strcmp0 (checksum, sha256) != 0)
    problem (problems, "the SHA-256 given is not that of the bytes sent");
  check_sent_format (sent, mime_type, problems);

  stream = g_memory_input_stream_new_from_bytes (sent);
  pixbuf = gdk_pixbuf_new_from_stream (stream, NULL, &error);
  if (pixbuf == NULL)
    {
      problem (problems, "the bytes sent do not decode: %s", error->message);
      return g_strdup ("reference that does not decode");
    }
  if (gdk_pixbuf_get_width (pixbuf) != width || gdk_pixbuf_get_height (pixbuf) != height)
    problem (problems, "the image sent is %d × %d, not the %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " announced",
             gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf), width, height);
  else
    check_corners (entry, pixbuf, problems);

  return g_strdup_printf ("reference %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT " %s",
                          width, height, mime_type != NULL && strstr (mime_type, "png") ? "PNG" : "JPEG");
}

static char *
check_refused (const HostileEntry *entry,
               const char         *path,
               JsonObject         *report,
               GPtrArray          *problems)
{
  const char *domain = json_object_get_string_member_with_default (report, "domain", "");
  const char *message = json_object_get_string_member_with_default (report, "message", "");
  gint64 code = json_object_get_int_member_with_default (report, "code", -1);
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *short_message = NULL;

  if (g_strcmp0 (domain, g_quark_to_string (KS_ERROR)) != 0)
    problem (problems, "refused with a %s error, not one of ours: %s", domain, message);
  else if (entry->code >= 0 && code != entry->code)
    problem (problems, "refused with code %" G_GINT64_FORMAT ", expected %d: %s",
             code, entry->code, message);

  /* Words a person can act on: which file, and what is wrong with it. */
  if (strlen (message) < 20)
    problem (problems, "the message is too short to say anything: “%s”", message);
  if (strstr (message, name) == NULL)
    problem (problems, "the message does not name the file: “%s”", message);
  /* The name itself ("marked.tiff") does not count as saying why. */
  {
    g_autoptr(GString) without_name = g_string_new (message);

    g_string_replace (without_name, name, "", 0);
    if (!has_any_word (without_name->str, entry->words))
      problem (problems, "the message does not say why (%s): “%s”", entry->words, message);
  }

  /* The cause, for the table: the message after the file's name. */
  short_message = g_strdup (strstr (message, ": ") != NULL ? strstr (message, ": ") + 2 : message);
  return g_strdup_printf ("refused: %s", short_message);
}

char *
hostile_check_report (const HostileEntry *entry,
                      const char         *path,
                      JsonObject         *report,
                      const char         *sent_path,
                      GPtrArray          *problems)
{
  gboolean ok = json_object_get_boolean_member_with_default (report, "ok", FALSE);
  gint64 memory = json_object_get_int_member_with_default (report, "peak_rss", 0) -
                  json_object_get_int_member_with_default (report, "base_rss", 0);
  guint max_mb = entry->max_memory_mb > 0 ? entry->max_memory_mb : DEFAULT_MEMORY_MB;
  char *outcome;

  if (ok && entry->expect == HOSTILE_REFUSED)
    {
      problem (problems, "made into a reference, but must be refused (%s)", entry->words);
      outcome = g_strdup ("reference (should be refused)");
    }
  else if (ok)
    {
      outcome = check_reference (entry, report, sent_path, problems);
    }
  else if (entry->expect == HOSTILE_REFERENCE)
    {
      problem (problems, "refused, but must make a reference: %s",
               json_object_get_string_member_with_default (report, "message", ""));
      outcome = g_strdup_printf ("refused: %s (should be a reference)",
                                 json_object_get_string_member_with_default (report, "message", ""));
    }
  else
    {
      outcome = check_refused (entry, path, report, problems);
    }

  if (memory > (gint64) max_mb << 20)
    problem (problems, "preparing it took %.0f MB of memory; at most %u MB is allowed",
             memory / 1048576.0, max_mb);

  return outcome;
}
