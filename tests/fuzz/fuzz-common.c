#define G_LOG_DOMAIN "ks-fuzz"
#define _GNU_SOURCE   /* dladdr() */

#include "config.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>
#include <libsoup/soup.h>

#include "ks-error.h"
#include "fuzz-common.h"

#if defined(__SANITIZE_ADDRESS__)
# define FUZZ_HAVE_LSAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define FUZZ_HAVE_LSAN 1
# endif
#endif
#ifdef FUZZ_HAVE_LSAN
# include <sanitizer/lsan_interface.h>
#endif

/* Warnings from our code and the libraries it drives directly are bugs;
 * those of the image codecs gdk-pixbuf loads (libheif says "Invalid input"
 * about a broken file, with no domain) are only words about the input,
 * which our code turns into an error of its own. Criticals always are. */
static gboolean
warning_is_fatal (const char *domain)
{
  static const char *const fatal_domains[] = {
    "GLib", "GLib-GObject", "GLib-GIO", "Json", "libsoup", "GdkPixbuf",
  };

  if (domain == NULL)
    return FALSE;
  if (g_str_has_prefix (domain, "ks-"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (fatal_domains); i++)
    if (g_str_equal (domain, fatal_domains[i]))
      return TRUE;

  return FALSE;
}

/* Faults of the image loaders gdk-pixbuf loads, not of our code: a
 * critical raised from inside a loader module is logged, not fatal. On
 * damaged files, webp-pixbuf-loader 0.2.1 (Debian 12) calls
 * gdk_pixbuf_animation_iter_get_pixbuf() and g_object_unref() on the
 * animation iterator it failed to make, and gdk-pixbuf's own GIF loader
 * asks gdk_pixbuf_calculate_rowstride() about a frame 0 pixels high. Our
 * code then reports the image as damaged, which the target checks. */
static gboolean
raised_in_image_loader (void)
{
  void *frames[64];
  int n = backtrace (frames, G_N_ELEMENTS (frames));

  for (int i = 0; i < n; i++)
    {
      Dl_info info;

      if (dladdr (frames[i], &info) != 0 && info.dli_fname != NULL &&
          strstr (info.dli_fname, "/gdk-pixbuf-2.0/") != NULL &&
          strstr (info.dli_fname, "/libpixbufloader-") != NULL)
        return TRUE;
    }

  return FALSE;
}

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *domain = NULL;
  GLogWriterOutput output;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;

  output = g_log_writer_default (log_level, fields, n_fields, user_data);

  if ((log_level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0 && raised_in_image_loader ())
    return output;

  if ((log_level & G_LOG_LEVEL_CRITICAL) != 0 ||
      ((log_level & G_LOG_LEVEL_WARNING) != 0 && warning_is_fatal (domain)))
    abort ();

  return output;
}

void
fuzz_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      /* Which warnings abort is the writer's decision, not G_DEBUG's. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
      g_unsetenv ("G_MESSAGES_DEBUG");
      g_once_init_leave (&initialized, 1);
    }
}

void
fuzz_assert_utf8 (const char *text)
{
  if (text != NULL)
    g_assert_true (g_utf8_validate (text, -1, NULL));
}

void
fuzz_assert_printable (const char *text)
{
  if (text == NULL)
    return;

  fuzz_assert_utf8 (text);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_true (!g_unichar_iscntrl (c) || c == '\n');
    }
}

void
fuzz_assert_ks_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == KS_ERROR);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
  fuzz_assert_utf8 (error->message);
}

void
fuzz_assert_same_host (const char *url,
                       const char *base_url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) base = NULL;

  g_assert_nonnull (url);
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  base = g_uri_parse (base_url, SOUP_HTTP_URI_FLAGS, NULL);
  g_assert_nonnull (uri);
  g_assert_nonnull (base);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, g_uri_get_scheme (base));
  g_assert_nonnull (g_uri_get_host (uri));
  g_assert_true (g_ascii_strcasecmp (g_uri_get_host (uri), g_uri_get_host (base)) == 0);
  g_assert_cmpint (g_uri_get_port (uri), ==, g_uri_get_port (base));
  g_assert_cmpstr (g_uri_get_user (uri), ==, g_uri_get_user (base));
  g_assert_cmpstr (g_uri_get_password (uri), ==, g_uri_get_password (base));
}

static gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
json_single_value (const char *data,
                   gsize       size)
{
  gsize i = 0;
  guint depth = 0;
  gboolean in_string = FALSE;

  while (i < size && is_json_space (data[i]))
    i++;
  if (i == size)
    return TRUE;

  if (data[i] == '{' || data[i] == '[' || data[i] == '"')
    {
      /* Up to the end of the first container or string. */
      for (; i < size; i++)
        {
          char c = data[i];

          if (in_string)
            {
              if (c == '\\')
                i++;
              else if (c == '"')
                {
                  in_string = FALSE;
                  if (depth == 0)
                    break;
                }
            }
          else if (c == '"')
            in_string = TRUE;
          else if (c == '{' || c == '[')
            depth++;
          else if (c == '}' || c == ']')
            {
              if (depth > 0 && --depth == 0)
                break;
            }
        }
      i++;
    }
  else
    {
      /* A bare word or number, up to a space or a structural character. */
      while (i < size && !is_json_space (data[i]) && strchr ("{}[],:\"", data[i]) == NULL)
        i++;
    }

  while (i < size && is_json_space (data[i]))
    i++;

  return i >= size;
}

/* TRUE when a backslash in the text starts anything but one of JSON's
 * escapes. json-glib's scanner reads those its own way (a "\\u" followed
 * by less than four hex digits takes the byte after them too), so where
 * its strings end can no longer be told from the text. */
static gboolean
json_has_odd_escape (const char *data,
                     gsize       size)
{
  for (gsize i = 0; i < size; i++)
    {
      if (data[i] != '\\')
        continue;
      if (i + 1 >= size)
        return TRUE;
      if (data[i + 1] == 'u')
        {
          for (gsize k = i + 2; k < i + 6; k++)
            if (k >= size || !g_ascii_isxdigit (data[k]))
              return TRUE;
          i += 5;
        }
      else if (data[i + 1] != '\0' && strchr ("\"\\/bfnrt", data[i + 1]) != NULL)
        i++;
      else
        return TRUE;
    }

  return FALSE;
}

static int
hex_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

/* The value of the JSON escape "backslash u XXXX" at @p (6 bytes available), or -1. */
static int
unicode_escape (const char *p)
{
  int value = 0;

  if (p[0] != '\\' || p[1] != 'u')
    return -1;
  for (int i = 2; i < 6; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }

  return value;
}

/* TRUE when the text holds "u" and a surrogate's first two hex digits
 * ("uD8" to "uDF"), escaped or not. */
static gboolean
has_surrogate_text (const char *data,
                    gsize       size)
{
  for (gsize i = 0; i + 2 < size; i++)
    if (g_ascii_tolower (data[i]) == 'u' && g_ascii_tolower (data[i + 1]) == 'd' &&
        data[i + 2] != '\0' && strchr ("89abcdefABCDEF", data[i + 2]) != NULL)
      return TRUE;

  return FALSE;
}

/* Walks the escapes as JSON reads them. TRUE for any escape that starts
 * like a surrogate ("backslash u D8…" to "…DF…") but is not a whole high
 * surrogate followed by a whole low one, and for any text with surrogate
 * digits that also holds escapes JSON does not have: json-glib's scanner
 * reads those its own way, so after one of them a backslash may start or
 * end somewhere else, and what follows may become a malformed pair. */
gboolean
fuzz_json_has_stray_surrogate (const char *data,
                               gsize       size)
{
  gboolean odd = FALSE;

  for (gsize i = 0; i < size; i++)
    {
      char c;

      if (data[i] != '\\')
        continue;
      if (i + 1 >= size)
        {
          odd = TRUE;
          break;
        }

      c = data[i + 1];
      if (c == 'u')
        {
          int value = i + 6 <= size ? unicode_escape (data + i) : -1;
          int low;

          if (value < 0)
            {
              if (i + 3 < size && g_ascii_tolower (data[i + 2]) == 'd' &&
                  data[i + 3] != '\0' && strchr ("89abcdefABCDEF", data[i + 3]) != NULL)
                return TRUE;
              odd = TRUE;
              i++;
              continue;
            }
          if (value >= 0xdc00 && value <= 0xdfff)
            return TRUE;
          if (value >= 0xd800 && value <= 0xdbff)
            {
              low = i + 12 <= size ? unicode_escape (data + i + 6) : -1;
              if (low < 0xdc00 || low > 0xdfff)
                return TRUE;
              i += 11;
              continue;
            }
          i += 5;
          continue;
        }

      if (c == '\0' || strchr ("\"\\/bfnrt", c) == NULL)
        odd = TRUE;
      i++;
    }

  return odd && has_surrogate_text (data, size);
}

/* The address of this stands for a pause in leak checking. */
static int leak_pause_token;

FuzzLeakPause *
fuzz_json_leak_pause (const char *data,
                      gsize       size)
{
  if (json_single_value (data, size) && !json_has_odd_escape (data, size) &&
      !fuzz_json_has_stray_surrogate (data, size))
    return NULL;

#ifdef FUZZ_HAVE_LSAN
  __lsan_disable ();
#endif
  return (FuzzLeakPause *) &leak_pause_token;
}

void
fuzz_leak_pause_end (FuzzLeakPause *pause)
{
  g_assert (pause == (FuzzLeakPause *) &leak_pause_token);
#ifdef FUZZ_HAVE_LSAN
  __lsan_enable ();
#endif
}

GBytes *
fuzz_bytes_new (const uint8_t *data,
                size_t         size)
{
  return g_bytes_new (data, size);
}
