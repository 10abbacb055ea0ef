#define G_LOG_DOMAIN "ks-recipe"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-recipe-private.h"

/* Writing the recipe into PNG and JPEG files, and finding it again by
 * walking chunks and segments: bounded, overflow-safe, never decoding
 * pixels (a fuzz target). */

/* The PNG keyword (1–79 Latin-1 bytes; gdk-pixbuf takes ASCII, ':' too) and
 * the JPEG comment prefix. */
#define PNG_KEYWORD       "KontextStudio:Recipe"
#define JPEG_PREFIX       PNG_KEYWORD " "
#define SOFTWARE_NAME     "Kontext Studio"

#define PNG_MAX_CHUNKS    64
#define PNG_MAX_WALK      (16 * 1024 * 1024)
#define JPEG_MAX_SEGMENTS 64
#define JPEG_MAX_PAYLOAD  65533

/* ---- encoding -------------------------------------------------------------- */

static GBytes *
encode_png (GdkPixbuf  *pixbuf,
            KsRecipe   *recipe,
            GError    **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GPtrArray) values = g_ptr_array_new ();
  g_autofree char *json = NULL;
  char *buffer = NULL;
  gsize size = 0;

  g_ptr_array_add (keys, (char *) "compression");
  g_ptr_array_add (values, (char *) "6");

  if (recipe != NULL)
    {
      json = ks_recipe_to_json (recipe);
      g_ptr_array_add (keys, (char *) "tEXt::" PNG_KEYWORD);
      g_ptr_array_add (values, json);
      if (_ks_recipe_get_prompt (recipe)[0] != '\0')
        {
          g_ptr_array_add (keys, (char *) "tEXt::Description");
          g_ptr_array_add (values, (char *) _ks_recipe_get_prompt (recipe));
        }
      g_ptr_array_add (keys, (char *) "tEXt::Software");
      g_ptr_array_add (values, (char *) SOFTWARE_NAME);
    }
  g_ptr_array_add (keys, NULL);
  g_ptr_array_add (values, NULL);

  if (!gdk_pixbuf_save_to_bufferv (pixbuf, &buffer, &size, "png",
                                   (char **) keys->pdata, (char **) values->pdata,
                                   error))
    return NULL;

  return g_bytes_new_take (buffer, size);
}

static guint
read_be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Puts a COM segment (@payload, at most JPEG_MAX_PAYLOAD bytes) after SOI
 * and any APPn segments of @jpeg. */
static GBytes *
insert_jpeg_comment (const guint8 *jpeg,
                     gsize         size,
                     const char   *payload,
                     gsize         payload_len)
{
  GByteArray *out;
  guint8 header[4];
  gsize pos = 2;

  g_assert (size >= 2 && payload_len <= JPEG_MAX_PAYLOAD);

  while (size - pos >= 4 && jpeg[pos] == 0xff && jpeg[pos + 1] >= 0xe0 && jpeg[pos + 1] <= 0xef)
    {
      guint length = read_be16 (jpeg + pos + 2);

      if (length < 2 || length > size - pos - 2)
        break;
      pos += 2 + length;
    }

  header[0] = 0xff;
  header[1] = 0xfe;
  header[2] = (guint8) ((payload_len + 2) >> 8);
  header[3] = (guint8) ((payload_len + 2) & 0xff);

  out = g_byte_array_sized_new (size + sizeof header + payload_len);
  g_byte_array_append (out, jpeg, pos);
  g_byte_array_append (out, header, sizeof header);
  g_byte_array_append (out, (const guint8 *) payload, payload_len);
  g_byte_array_append (out, jpeg + pos, size - pos);

  return g_byte_array_free_to_bytes (out);
}

static GBytes *
encode_jpeg (GdkPixbuf  *pixbuf,
             int         quality,
             KsRecipe   *recipe,
             GError    **error)
{
  g_autofree char *buffer = NULL;
  g_autofree char *quality_text = g_strdup_printf ("%d", quality);
  g_autofree char *json = NULL;
  g_autofree char *payload = NULL;
  char *keys[] = { (char *) "quality", NULL };
  char *values[] = { quality_text, NULL };
  gsize size = 0;
  gsize payload_len = 0;

  if (recipe != NULL)
    {
      json = ks_recipe_to_json (recipe);
      payload = g_strconcat (JPEG_PREFIX, json, NULL);
      payload_len = strlen (payload);
      if (payload_len > JPEG_MAX_PAYLOAD)
        {
          g_set_error_literal (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                               _("The recipe is too long to fit in a JPEG file. Save as PNG, or leave the recipe out."));
          return NULL;
        }
    }

  if (!gdk_pixbuf_save_to_bufferv (pixbuf, &buffer, &size, "jpeg", keys, values, error))
    return NULL;

  if (size < 2 || (guint8) buffer[0] != 0xff || (guint8) buffer[1] != 0xd8)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                           _("The image could not be written as JPEG."));
      return NULL;
    }

  if (recipe == NULL)
    return g_bytes_new_take (g_steal_pointer (&buffer), size);

  return insert_jpeg_comment ((const guint8 *) buffer, size, payload, payload_len);
}

/**
 * ks_recipe_encode_image:
 * @pixbuf: the image
 * @format: "png" or "jpeg"
 * @quality: 1–100, for JPEG
 * @recipe: (nullable): the recipe to embed; %NULL for none and no other text
 * @error: return location for an error
 *
 * Pure CPU: call it from a worker thread.
 *
 * Returns: (transfer full): the file's bytes, or %NULL with @error set
 */
GBytes *
ks_recipe_encode_image (GdkPixbuf   *pixbuf,
                        const char  *format,
                        int          quality,
                        KsRecipe    *recipe,
                        GError     **error)
{
  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (recipe == NULL || KS_IS_RECIPE (recipe), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_strcmp0 (format, "png") == 0)
    return encode_png (pixbuf, recipe, error);

  if (g_strcmp0 (format, "jpeg") == 0 || g_strcmp0 (format, "jpg") == 0)
    {
      g_return_val_if_fail (quality >= 1 && quality <= 100, NULL);
      return encode_jpeg (pixbuf, quality, recipe, error);
    }

  g_set_error (error, KS_ERROR, KS_ERROR_UNSUPPORTED_FORMAT,
               _("Images cannot be saved as “%s”: choose PNG or JPEG."), format);
  return NULL;
}

/* ---- reading: PNG chunks ----------------------------------------------------- */

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static gboolean
truncated (GError **error)
{
  g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                       _("The recipe in this image is damaged: the file is cut short."));
  return FALSE;
}

static guint32
png_crc (const guint8 *data,
         gsize         size)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < size; i++)
    {
      crc ^= data[i];
      for (guint bit = 0; bit < 8; bit++)
        crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
    }

  return crc ^ 0xffffffff;
}

/* Whether @data (@size bytes, maybe cut short) starts with our keyword and
 * its terminating nul, or with as much of it as there is. */
static gboolean
starts_with_keyword (const guint8 *data,
                     gsize         size,
                     gboolean      allow_partial)
{
  gsize wanted = sizeof PNG_KEYWORD;  /* with the nul */

  if (size < wanted)
    return allow_partial && size > 0 && memcmp (data, PNG_KEYWORD, size) == 0;

  return memcmp (data, PNG_KEYWORD, wanted) == 0;
}

static gboolean
is_text_chunk (const guint8 *type)
{
  return memcmp (type, "tEXt", 4) == 0 || memcmp (type, "iTXt", 4) == 0 ||
         memcmp (type, "zTXt", 4) == 0;
}

/* Latin-1 to UTF-8, every byte a character. */
static char *
latin1_to_utf8 (const guint8 *data,
                gsize         size,
                gsize        *out_length)
{
  GString *out = g_string_sized_new (size);

  for (gsize i = 0; i < size; i++)
    g_string_append_unichar (out, data[i]);
  *out_length = out->len;

  return g_string_free (out, FALSE);
}

static char *
compressed (GError **error)
{
  g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                       _("The recipe in this image was compressed by another program and cannot be read."));
  return NULL;
}

/* The text of our chunk (@body, @length bytes, keyword and nul first). */
static char *
png_chunk_text (const guint8  *type,
                const guint8  *body,
                gsize          length,
                gsize         *out_length,
                GError       **error)
{
  const guint8 *p = body + sizeof PNG_KEYWORD;
  const guint8 *end = body + length;

  if (memcmp (type, "tEXt", 4) == 0)
    return latin1_to_utf8 (p, end - p, out_length);

  if (memcmp (type, "zTXt", 4) == 0)
    return compressed (error);

  /* iTXt: compression flag, method, language tag\0, translated keyword\0,
   * then the UTF-8 text */
  if (end - p < 2)
    {
      truncated (error);
      return NULL;
    }
  if (p[0] != 0)
    return compressed (error);
  p += 2;
  for (guint i = 0; i < 2; i++)
    {
      const guint8 *nul = memchr (p, '\0', end - p);

      if (nul == NULL)
        {
          truncated (error);
          return NULL;
        }
      p = nul + 1;
    }

  *out_length = end - p;
  return g_memdup2 (p, end - p);
}

static char *
find_png_recipe (const guint8  *data,
                 gsize          size,
                 gsize         *out_length,
                 GError       **error)
{
  gsize pos = sizeof png_signature;

  for (guint n = 0; n < PNG_MAX_CHUNKS && pos <= PNG_MAX_WALK; n++)
    {
      const guint8 *type;
      const guint8 *body;
      guint32 length;
      gsize avail;

      if (size - pos < 8)
        return NULL;

      length = read_be32 (data + pos);
      type = data + pos + 4;
      body = data + pos + 8;
      avail = size - pos - 8;   /* bytes after the type */

      if (length > 0x7fffffff)
        return NULL;

      if (avail < 4 || length > avail - 4)
        {
          /* Cut short: only ours is worth a word. */
          if (is_text_chunk (type) && starts_with_keyword (body, MIN (avail, (gsize) length), TRUE))
            truncated (error);
          return NULL;
        }

      if (memcmp (type, "IEND", 4) == 0)
        return NULL;

      if (is_text_chunk (type) && starts_with_keyword (body, length, FALSE))
        {
          if (png_crc (type, (gsize) length + 4) != read_be32 (body + length))
            {
              g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                                   _("The recipe in this image is damaged: its checksum does not match."));
              return NULL;
            }

          return png_chunk_text (type, body, length, out_length, error);
        }

      pos += 12 + (gsize) length;
    }

  return NULL;
}

/* ---- reading: JPEG segments ------------------------------------------------- */

static char *
find_jpeg_recipe (const guint8  *data,
                  gsize          size,
                  gsize         *out_length,
                  GError       **error)
{
  const gsize prefix_len = strlen (JPEG_PREFIX);
  gsize pos = 2;

  for (guint n = 0; n < JPEG_MAX_SEGMENTS; n++)
    {
      const guint8 *payload;
      guint8 marker;
      guint length;

      if (pos >= size || data[pos] != 0xff)
        return NULL;
      while (pos < size && data[pos] == 0xff)   /* fill bytes */
        pos++;
      if (pos >= size)
        return NULL;

      marker = data[pos++];
      if (marker == 0xd9 || marker == 0xda)     /* EOI, SOS */
        return NULL;
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        continue;                               /* no length */
      if (marker == 0x00 || marker == 0xd8)
        return NULL;

      if (size - pos < 2)
        return NULL;
      length = read_be16 (data + pos);
      if (length < 2)
        return NULL;
      payload = data + pos + 2;

      if (length > size - pos)
        {
          gsize avail = size - pos - 2;

          if (marker == 0xfe && avail > 0 &&
              memcmp (payload, JPEG_PREFIX, MIN (avail, prefix_len)) == 0)
            truncated (error);
          return NULL;
        }

      if (marker == 0xfe && length - 2 >= prefix_len &&
          memcmp (payload, JPEG_PREFIX, prefix_len) == 0)
        {
          *out_length = length - 2 - prefix_len;
          return g_memdup2 (payload + prefix_len, *out_length);
        }

      pos += length;
    }

  return NULL;
}

/**
 * ks_recipe_read_from_bytes:
 * @bytes: a PNG or JPEG file's bytes (outside data)
 * @error: return location for an error
 *
 * Walks chunks or segments only; never decodes pixels.
 *
 * Returns: (transfer full) (nullable): the recipe; %NULL without an error
 *   when there is none, with %KS_ERROR_MALFORMED when it is damaged
 */
KsRecipe *
ks_recipe_read_from_bytes (GBytes  *bytes,
                           GError **error)
{
  g_autofree char *json = NULL;
  g_autoptr(GError) local_error = NULL;
  const guint8 *data;
  gsize size;
  gsize length = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  if (data == NULL)
    return NULL;

  if (size >= sizeof png_signature && memcmp (data, png_signature, sizeof png_signature) == 0)
    json = find_png_recipe (data, size, &length, &local_error);
  else if (size >= 2 && data[0] == 0xff && data[1] == 0xd8)
    json = find_jpeg_recipe (data, size, &length, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (json == NULL)
    return NULL;

  return ks_recipe_new_from_json (json, length, error);
}
