/* Looking for a secret in every form it could leak in. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "key-search.h"

#define MAX_INFLATED   (64 * 1024 * 1024)

typedef struct
{
  char   *name;
  GBytes *needle;
} Form;

struct _KeySearch
{
  GPtrArray *forms;
};

static void
form_free (Form *form)
{
  g_free (form->name);
  g_bytes_unref (form->needle);
  g_free (form);
}

static void
add_form (KeySearch  *self,
          const char *name,
          const char *needle,
          gsize       length)
{
  Form *form;

  /* Too short a fragment would match by chance. */
  if (length < 8)
    return;

  for (guint i = 0; i < self->forms->len; i++)
    {
      Form *other = g_ptr_array_index (self->forms, i);

      if (g_bytes_get_size (other->needle) == length &&
          memcmp (g_bytes_get_data (other->needle, NULL), needle, length) == 0)
        return;
    }

  form = g_new0 (Form, 1);
  form->name = g_strdup (name);
  form->needle = g_bytes_new (needle, length);
  g_ptr_array_add (self->forms, form);
}

/* The part of base64(@offset unknown bytes + @text) that depends on @text
 * alone: what shows up when @text sits at that alignment in a longer
 * encoded buffer. */
static void
add_base64_forms (KeySearch  *self,
                  const char *label,
                  const char *text)
{
  gsize length = strlen (text);

  for (guint offset = 0; offset < 3; offset++)
    {
      g_autofree guint8 *data = g_malloc0 (offset + length);
      g_autofree char *encoded = NULL;
      g_autofree char *name = NULL;
      gsize skip = offset == 0 ? 0 : offset == 1 ? 2 : 3;
      gsize end = 4 * ((offset + length) / 3);

      memcpy (data + offset, text, length);
      encoded = g_base64_encode (data, offset + length);
      if (end <= skip)
        continue;

      name = g_strdup_printf ("%s in base64 (alignment %u)", label, offset);
      add_form (self, name, encoded + skip, end - skip);

      /* The URL-safe alphabet. */
      for (char *p = encoded; *p != '\0'; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
      g_free (name);
      name = g_strdup_printf ("%s in URL-safe base64 (alignment %u)", label, offset);
      add_form (self, name, encoded + skip, end - skip);
    }
}

static void
add_text_forms (KeySearch  *self,
                const char *label,
                const char *text)
{
  g_autofree char *escaped = g_uri_escape_string (text, NULL, FALSE);
  g_autofree char *escaped_name = g_strdup_printf ("%s, percent-encoded", label);

  add_form (self, label, text, strlen (text));
  add_form (self, escaped_name, escaped, strlen (escaped));
  add_base64_forms (self, label, text);
}

KeySearch *
key_search_new (const char *key)
{
  KeySearch *self = g_new0 (KeySearch, 1);
  const char *colon = strchr (key, ':');

  self->forms = g_ptr_array_new_with_free_func ((GDestroyNotify) form_free);
  add_text_forms (self, "the key", key);
  if (colon != NULL)
    add_text_forms (self, "the key's secret half", colon + 1);

  return self;
}

void
key_search_free (KeySearch *self)
{
  g_ptr_array_unref (self->forms);
  g_free (self);
}

guint
key_search_n_forms (KeySearch *self)
{
  return self->forms->len;
}

static gboolean
contains (const guint8 *haystack,
          gsize         length,
          GBytes       *needle)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (needle, &size);

  if (size == 0 || size > length)
    return FALSE;

  for (const guint8 *p = haystack; p + size <= haystack + length;)
    {
      const guint8 *hit = memchr (p, data[0], (haystack + length) - p - size + 1);

      if (hit == NULL)
        return FALSE;
      if (memcmp (hit, data, size) == 0)
        return TRUE;
      p = hit + 1;
    }

  return FALSE;
}

static const char *
search_raw (KeySearch    *self,
            const guint8 *data,
            gsize         length)
{
  for (guint i = 0; i < self->forms->len; i++)
    {
      Form *form = g_ptr_array_index (self->forms, i);

      if (contains (data, length, form->needle))
        return form->name;
    }

  return NULL;
}

/* What a zlib stream at @data inflates to, as far as it goes. */
static GByteArray *
inflate_from (const guint8 *data,
              gsize         length)
{
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  GByteArray *out = g_byte_array_new ();
  guint8 buffer[16 * 1024];
  gsize position = 0;

  while (out->len < MAX_INFLATED)
    {
      gsize bytes_read = 0;
      gsize bytes_written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (decompressor), data + position, length - position,
                                    buffer, sizeof buffer, G_CONVERTER_INPUT_AT_END,
                                    &bytes_read, &bytes_written, NULL);
      if (result == G_CONVERTER_ERROR)
        break;
      position += bytes_read;
      g_byte_array_append (out, buffer, bytes_written);
      if (result == G_CONVERTER_FINISHED || (bytes_read == 0 && bytes_written == 0))
        break;
    }

  return out;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* A PNG's image data spans IDAT chunks: put it together first. */
static GByteArray *
png_image_data (const guint8 *data,
                gsize         length)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *idat;
  gsize position = 8;

  if (length < 8 || memcmp (data, signature, 8) != 0)
    return NULL;

  idat = g_byte_array_new ();
  while (position + 12 <= length)
    {
      guint32 size = read_be32 (data + position);

      if (size > length - position - 12)
        break;
      if (memcmp (data + position + 4, "IDAT", 4) == 0)
        g_byte_array_append (idat, data + position + 8, size);
      position += 12 + (gsize) size;
    }

  return idat;
}

char *
key_search_bytes (KeySearch    *self,
                  const guint8 *data,
                  gsize         length)
{
  const char *form;
  g_autoptr(GByteArray) idat = NULL;

  form = search_raw (self, data, length);
  if (form != NULL)
    return g_strdup_printf ("%s, as it is", form);

  idat = png_image_data (data, length);
  if (idat != NULL && idat->len > 0)
    {
      g_autoptr(GByteArray) pixels = inflate_from (idat->data, idat->len);

      form = search_raw (self, pixels->data, pixels->len);
      if (form != NULL)
        return g_strdup_printf ("%s, in the PNG image data", form);
    }

  /* Every zlib stream: a header whose check bits hold. */
  for (gsize i = 0; i + 2 < length; i++)
    {
      g_autoptr(GByteArray) inflated = NULL;

      if (data[i] != 0x78 || ((data[i] << 8) | data[i + 1]) % 31 != 0)
        continue;

      inflated = inflate_from (data + i, length - i);
      form = search_raw (self, inflated->data, inflated->len);
      if (form != NULL)
        return g_strdup_printf ("%s, zlib-compressed at byte %" G_GSIZE_FORMAT, form, i);
    }

  return NULL;
}

guint
key_search_tree (KeySearch  *self,
                 const char *path,
                 GPtrArray  *found,
                 guint64    *bytes)
{
  GStatBuf st;
  guint n = 0;

  if (g_lstat (path, &st) != 0)
    return 0;

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          n += key_search_tree (self, child, found, bytes);
        }
    }
  else if (S_ISREG (st.st_mode))
    {
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_autofree char *form = NULL;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        g_error ("Could not read %s", path);
      n = 1;
      if (bytes != NULL)
        *bytes += length;

      form = key_search_bytes (self, (const guint8 *) contents, length);
      if (form != NULL)
        g_ptr_array_add (found, g_strdup_printf ("%s: %s", path, form));
    }

  return n;
}
