#define G_LOG_DOMAIN "ks-reference"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-error.h"
#include "ks-image.h"
#include "ks-reference.h"

#define JPEG_QUALITY 90

G_DEFINE_BOXED_TYPE (KsPreparedReference, ks_prepared_reference,
                     ks_prepared_reference_copy, ks_prepared_reference_free)

KsPreparedReference *
ks_prepared_reference_copy (const KsPreparedReference *self)
{
  KsPreparedReference *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KsPreparedReference, 1);
  *copy = *self;
  copy->source = g_strdup (self->source);
  copy->url = g_strdup (self->url);
  copy->sha256 = g_strdup (self->sha256);
  copy->mime_type = g_strdup (self->mime_type);
  copy->bytes = self->bytes != NULL ? g_bytes_ref (self->bytes) : NULL;

  return copy;
}

void
ks_prepared_reference_free (KsPreparedReference *self)
{
  if (self == NULL)
    return;

  g_free (self->source);
  g_free (self->url);
  g_free (self->sha256);
  g_free (self->mime_type);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self);
}

gboolean
ks_reference_is_remote (const char *source)
{
  g_autofree char *scheme = NULL;

  if (source == NULL)
    return FALSE;

  scheme = g_uri_parse_scheme (source);
  if (scheme == NULL)
    return FALSE;

  return g_ascii_strcasecmp (scheme, "https") == 0 ||
         g_ascii_strcasecmp (scheme, "http") == 0 ||
         g_ascii_strcasecmp (scheme, "data") == 0;
}

typedef struct
{
  char      *source;    /* what the user gave, for the result */
  char      *name;      /* shown in messages, used for the upload's file name */
  GFile     *file;      /* a local file to read, or NULL */
  GBytes    *bytes;     /* bytes given directly, or NULL */
  KsClient  *client;
  KsPreparedReference *prepared;  /* while its upload runs */
} PrepareData;

static void
prepare_data_free (PrepareData *data)
{
  g_free (data->source);
  g_free (data->name);
  g_clear_object (&data->file);
  g_clear_pointer (&data->bytes, g_bytes_unref);
  g_clear_object (&data->client);
  g_clear_pointer (&data->prepared, ks_prepared_reference_free);
  g_free (data);
}

/* "photo.heic" → "photo.jpg": the name the storage sees. */
static char *
upload_file_name (const char *name,
                  const char *mime_type)
{
  const char *extension = g_str_equal (mime_type, "image/png") ? ".png" : ".jpg";
  g_autofree char *stem = NULL;
  const char *dot;

  if (name == NULL || *name == '\0')
    return g_strconcat ("reference", extension, NULL);

  dot = strrchr (name, '.');
  stem = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);

  return g_strconcat (stem, extension, NULL);
}

static gboolean
has_visible_alpha (GdkPixbuf *pixbuf)
{
  const guint8 *pixels;
  int width, height, rowstride;

  if (!gdk_pixbuf_get_has_alpha (pixbuf) || gdk_pixbuf_get_n_channels (pixbuf) != 4)
    return FALSE;

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    {
      const guint8 *row = pixels + (gsize) y * rowstride;

      for (int x = 0; x < width; x++)
        if (row[x * 4 + 3] != 0xff)
          return TRUE;
    }

  return FALSE;
}

GBytes *
ks_reference_load_file (GFile         *file,
                        const char    *name,
                        gsize          max_bytes,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  goffset size;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &local_error);
  if (info == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, KS_ERROR, KS_ERROR_IO,
                     _("“%s” does not exist. It may have been moved or deleted; choose the image again."),
                     name);
      else
        g_set_error (error, KS_ERROR, KS_ERROR_IO,
                     _("“%s” cannot be opened: %s"), name, local_error->message);
      return NULL;
    }

  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_IO,
                   _("“%s” is a folder, not an image. Choose an image file."), name);
      return NULL;
    }

  size = g_file_info_get_size (info);
  if (size == 0)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_BAD_IMAGE,
                   _("“%s” is empty: it holds no image. Choose another file."), name);
      return NULL;
    }

  if (max_bytes > 0 && (guint64) size > max_bytes)
    {
      g_autofree char *have = g_format_size (size);
      g_autofree char *allowed = g_format_size (max_bytes);

      g_set_error (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                   _("“%s” is %s; references can be at most %s. Use a smaller export of the image."),
                   name, have, allowed);
      return NULL;
    }

  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, KS_ERROR, KS_ERROR_IO,
                     _("“%s” cannot be read: %s"), name, local_error->message);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

/* Turns bytes into what is sent. Runs in the worker thread. */
static KsPreparedReference *
prepare_bytes (GBytes        *bytes,
               const char    *source,
               const char    *name,
               GCancellable  *cancellable,
               GError       **error)
{
  const KsImageLimits limits = KS_IMAGE_REFERENCE_LIMITS;
  const KsImageLimits probe_limits = { limits.max_bytes, 0, 0, 0 };
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *base64 = NULL;
  KsImageInfo info = { 0, };
  const guint8 *data;
  gsize size;
  gboolean alpha;

  /* The header first, so the size limits speak of references. */
  if (!ks_image_probe (bytes, &probe_limits, &info, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("“%s” cannot be used: %s"), name, local_error->message);
      return NULL;
    }

  if ((guint) info.width > limits.max_dimension || (guint) info.height > limits.max_dimension)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                   _("“%s” is %d × %d pixels; references can be at most %u pixels a side. Use a smaller export of the image."),
                   name, info.width, info.height, limits.max_dimension);
      ks_image_info_clear (&info);
      return NULL;
    }

  if ((guint64) info.width * (guint64) info.height > limits.max_pixels)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_TOO_LARGE,
                   _("“%s” is %d × %d pixels; references can have at most %.0f megapixels. Use a smaller export of the image."),
                   name, info.width, info.height, limits.max_pixels / 1e6);
      ks_image_info_clear (&info);
      return NULL;
    }
  ks_image_info_clear (&info);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  pixbuf = ks_image_decode (bytes, &limits, &info, &local_error);
  if (pixbuf == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("“%s” cannot be used: %s"), name, local_error->message);
      return NULL;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      ks_image_info_clear (&info);
      return NULL;
    }

  ref = g_new0 (KsPreparedReference, 1);
  ref->source = g_strdup (source);
  ref->width = gdk_pixbuf_get_width (pixbuf);
  ref->height = gdk_pixbuf_get_height (pixbuf);
  /* A loader can announce one size and deliver a larger picture (a HEIF
   * whose header disagrees with its image): the picture decides. The
   * picture may have been turned by EXIF orientation; the original size
   * is as stored, before that. */
  {
    gboolean turned = info.width != info.height && ref->width != ref->height &&
                      (info.width > info.height) != (ref->width > ref->height);
    int stored_width = turned ? ref->height : ref->width;
    int stored_height = turned ? ref->width : ref->height;

    ref->original_width = MAX (info.width, stored_width);
    ref->original_height = MAX (info.height, stored_height);
  }
  ks_image_info_clear (&info);

  alpha = has_visible_alpha (pixbuf);
  encoded = ks_image_encode (pixbuf, alpha ? "png" : "jpeg", JPEG_QUALITY, &local_error);
  if (encoded == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   _("“%s” cannot be used: %s"), name, local_error->message);
      return NULL;
    }

  ref->mime_type = g_strdup (alpha ? "image/png" : "image/jpeg");
  ref->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, encoded);

  data = g_bytes_get_data (encoded, &size);
  base64 = g_base64_encode (data, size);
  ref->url = g_strconcat ("data:", ref->mime_type, ";base64,", base64, NULL);
  ref->bytes = g_steal_pointer (&encoded);

  return g_steal_pointer (&ref);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareData *data = task_data;
  const KsImageLimits limits = KS_IMAGE_REFERENCE_LIMITS;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  KsPreparedReference *ref;

  if (data->bytes != NULL)
    bytes = g_bytes_ref (data->bytes);
  else
    bytes = ks_reference_load_file (data->file, data->name, limits.max_bytes, cancellable, &error);

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  ref = prepare_bytes (bytes, data->source, data->name, cancellable, &error);
  if (ref == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ref, (GDestroyNotify) ks_prepared_reference_free);
}

static void
upload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  KsClient *client = KS_CLIENT (object);
  g_autoptr(GTask) task = user_data;
  PrepareData *data = g_task_get_task_data (task);
  g_autoptr(KsPreparedReference) ref = g_steal_pointer (&data->prepared);
  g_autoptr(GError) error = NULL;
  g_autofree char *file_url = NULL;

  file_url = ks_client_upload_finish (client, result, &error);
  if (file_url == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, error->domain, error->code,
                                 _("“%s” could not be uploaded: %s"),
                                 data->name, error->message);
      return;
    }

  ks_client_remember_upload (client, ref->sha256, file_url);

  g_free (ref->url);
  ref->url = g_steal_pointer (&file_url);
  ref->uploaded = TRUE;

  g_task_return_pointer (task, g_steal_pointer (&ref), (GDestroyNotify) ks_prepared_reference_free);
}

static void
prepared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PrepareData *data = g_task_get_task_data (task);
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autofree char *file_name = NULL;
  GError *error = NULL;
  const char *cached;

  ref = g_task_propagate_pointer (G_TASK (result), &error);
  if (ref == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (data->client == NULL || !ks_client_get_upload_references (data->client))
    {
      g_task_return_pointer (task, g_steal_pointer (&ref), (GDestroyNotify) ks_prepared_reference_free);
      return;
    }

  /* The same image, uploaded before: its file_url serves again. */
  cached = ks_client_lookup_upload (data->client, ref->sha256);
  if (cached != NULL)
    {
      g_free (ref->url);
      ref->url = g_strdup (cached);
      ref->uploaded = TRUE;
      g_task_return_pointer (task, g_steal_pointer (&ref), (GDestroyNotify) ks_prepared_reference_free);
      return;
    }

  file_name = upload_file_name (data->name, ref->mime_type);
  data->prepared = g_steal_pointer (&ref);
  ks_client_upload_async (data->client,
                          data->prepared->bytes,
                          data->prepared->mime_type,
                          file_name,
                          g_task_get_cancellable (task),
                          upload_cb,
                          g_object_ref (task));
}

static void
start (GTask       *task,
       PrepareData *data)
{
  g_autoptr(GTask) worker = NULL;

  g_task_set_task_data (task, data, (GDestroyNotify) prepare_data_free);

  /* The decoding runs in a thread; the upload, if any, continues here
   * on the caller's main context, where the client lives. */
  worker = g_task_new (NULL, g_task_get_cancellable (task), prepared_cb, g_object_ref (task));
  g_task_set_source_tag (worker, start);
  g_task_set_task_data (worker, data, NULL);
  g_task_run_in_thread (worker, prepare_thread);
}

void
ks_reference_prepare_async (const char          *source,
                            KsClient            *client,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *scheme = NULL;
  PrepareData *data;

  g_return_if_fail (source != NULL);
  g_return_if_fail (client == NULL || KS_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_reference_prepare_async);

  if (ks_reference_is_remote (source))
    {
      KsPreparedReference *ref = g_new0 (KsPreparedReference, 1);

      ref->source = g_strdup (source);
      ref->url = g_strdup (source);
      g_task_return_pointer (task, ref, (GDestroyNotify) ks_prepared_reference_free);
      return;
    }

  scheme = g_uri_parse_scheme (source);
  if (scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0)
    file = g_file_new_for_uri (source);
  else if (scheme == NULL || g_path_is_absolute (source))
    file = g_file_new_for_path (source);

  if (file == NULL || !g_file_is_native (file))
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                               _("“%s” is neither a file nor an http(s) address. Choose an image file or paste an image address."),
                               source);
      return;
    }

  data = g_new0 (PrepareData, 1);
  data->source = g_strdup (source);
  data->name = g_file_get_basename (file);
  data->file = g_steal_pointer (&file);
  data->client = client != NULL ? g_object_ref (client) : NULL;

  start (task, data);
}

void
ks_reference_prepare_bytes_async (GBytes              *bytes,
                                  const char          *name,
                                  KsClient            *client,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PrepareData *data;

  g_return_if_fail (bytes != NULL);
  g_return_if_fail (client == NULL || KS_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_reference_prepare_async);

  data = g_new0 (PrepareData, 1);
  data->name = g_strdup (name != NULL && *name != '\0' ? name : _("Pasted image"));
  data->source = g_strdup (data->name);
  data->bytes = g_bytes_ref (bytes);
  data->client = client != NULL ? g_object_ref (client) : NULL;

  start (task, data);
}

KsPreparedReference *
ks_reference_prepare_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_reference_prepare_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
