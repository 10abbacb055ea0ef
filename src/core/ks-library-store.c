#define G_LOG_DOMAIN "ks-library"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-error.h"
#include "ks-library-private.h"
#include "ks-record-private.h"

static const char * const folders[] = { "records", "images", "references", "damaged" };

GFile *
ks_library_default_directory (void)
{
  const char *dir = g_getenv ("KS_LIBRARY_DIR");

  if (dir != NULL && dir[0] != '\0')
    return g_file_new_for_path (dir);

  return g_file_new_build_filename (g_get_user_data_dir (), "kontext-studio", "library", NULL);
}

GFile *
ks_library_resolve (KsLibrary  *self,
                    const char *relative)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (relative != NULL && !g_path_is_absolute (relative), NULL);

  return g_file_resolve_relative_path (self->directory, relative);
}

/* ---- load ---------------------------------------------------------------- */

typedef struct
{
  GPtrArray *records;   /* KsRecord */
  GPtrArray *damaged;   /* char *: names set aside, NULL-terminated */
  GPtrArray *elsewhere; /* char *: ids of records another live library follows */
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_ptr_array_unref (loaded->records);
  g_ptr_array_unref (loaded->damaged);
  g_ptr_array_unref (loaded->elsewhere);
  g_free (loaded);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Loaded, loaded_free)

/* A copy of the names set aside, never NULL. */
static char **
loaded_dup_damaged (Loaded *loaded)
{
  if (loaded == NULL || loaded->damaged->len == 0)
    return g_new0 (char *, 1);

  return g_strdupv ((char **) loaded->damaged->pdata);
}

static Loaded *
loaded_new (void)
{
  Loaded *loaded = g_new0 (Loaded, 1);

  loaded->records = g_ptr_array_new_with_free_func (g_object_unref);
  loaded->damaged = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  loaded->elsewhere = g_ptr_array_new_with_free_func (g_free);

  return loaded;
}

/* Removes what a write cut short by a crash left in @folder; another live
 * process's write in flight is left alone. */
static void
remove_temp_files (KsLibrary  *self,
                   const char *folder,
                   GHashTable *owners)
{
  g_autofree char *dir_path = g_build_filename (self->path, folder, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      if (_ks_library_is_temp_name (name) &&
          _ks_library_temp_is_leftover (self, dir_path, name, owners))
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);

          g_unlink (path);
        }
    }
}

/* Moves records/@name to damaged/, under a new name if that one is taken,
 * and reports it. */
static void
set_aside (KsLibrary    *self,
           const char   *name,
           const GError *reason,
           Loaded       *loaded)
{
  g_autofree char *from = g_build_filename (self->path, "records", name, NULL);
  g_autofree char *target_name = g_strdup (name);
  g_autofree char *to = g_build_filename (self->path, "damaged", name, NULL);
  g_autoptr(GError) error = NULL;

  for (guint n = 0; g_file_test (to, G_FILE_TEST_EXISTS); n++)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

      g_free (target_name);
      target_name = n == 0 ? g_strdup_printf ("%s.%s", name, stamp)
                           : g_strdup_printf ("%s.%s-%u", name, stamp, n);
      g_free (to);
      to = g_build_filename (self->path, "damaged", target_name, NULL);
    }

  if (g_rename (from, to) < 0)
    {
      int errsv = errno;

      error = g_error_new (KS_ERROR, KS_ERROR_IO,
                           _("The saved job %s in %s could not be read (%s), nor set aside (%s). "
                             "Check that you may write to that folder."),
                           name, self->path, reason->message, g_strerror (errsv));
    }
  else
    {
      g_ptr_array_add (loaded->damaged, g_strdup (target_name));
      error = g_error_new (KS_ERROR, KS_ERROR_IO,
                           _("The saved job %s could not be read, so it was set aside in %s. %s"),
                           name, to, reason->message);
    }

  _ks_library_report (self, error);
}

static KsRecord *
read_record_file (KsLibrary   *self,
                  const char  *name,
                  GError     **error)
{
  g_autofree char *path = g_build_filename (self->path, "records", name, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(KsRecord) record = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  record = ks_record_new_from_json (contents, length, error);
  if (record == NULL)
    return NULL;

  /* A record is saved under its id: a file under another name would be
   * written twice. */
  expected = g_strdup_printf ("%s.json", ks_record_get_id (record));
  if (!g_str_equal (expected, name))
    {
      g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                   _("it names the job “%s”"), ks_record_get_id (record));
      return NULL;
    }

  return g_steal_pointer (&record);
}

/* ---- the first page, ahead of the rest ---------------------------------- */

/* Records read before the rest, so that a large library shows its newest
 * results at once: about a screenful of tiles. */
#define FIRST_PAGE 64

typedef struct
{
  char   *name;
  gint64  mtime;
} RecordName;

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const RecordName *x = a;
  const RecordName *y = b;

  return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

static void
record_name_clear (gpointer data)
{
  g_free (((RecordName *) data)->name);
}

/* The record files' names, the most recently written first when
 * @by_time (a file is written when its job is made and when it changes,
 * so that order is close to the newest-first of the gallery). */
static GArray *
list_record_names (const char *records_path,
                   GDir       *dir,
                   gboolean    by_time)
{
  GArray *names = g_array_new (FALSE, FALSE, sizeof (RecordName));
  const char *name;

  g_array_set_clear_func (names, record_name_clear);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      RecordName entry = { NULL, 0 };

      if (!g_str_has_suffix (name, ".json") || name[0] == '.')
        continue;

      entry.name = g_strdup (name);
      if (by_time)
        {
          g_autofree char *path = g_build_filename (records_path, name, NULL);
          GStatBuf buf;

          if (g_stat (path, &buf) == 0)
            entry.mtime = (gint64) buf.st_mtim.tv_sec * G_USEC_PER_SEC + buf.st_mtim.tv_nsec / 1000;
        }
      g_array_append_val (names, entry);
    }

  if (by_time)
    g_array_sort (names, compare_newest_first);

  return names;
}

typedef struct
{
  KsLibrary *library;
  GPtrArray *records;   /* KsRecord */
  GPtrArray *elsewhere; /* char * */
} FirstPage;

static gboolean
first_page_take (gpointer data)
{
  FirstPage *page = data;
  KsLibrary *self = page->library;

  /* The whole load may have landed first (it never does in order). */
  if (!self->loaded)
    {
      for (guint i = 0; i < page->elsewhere->len; i++)
        g_hash_table_add (self->elsewhere, g_strdup (g_ptr_array_index (page->elsewhere, i)));
      _ks_library_take_loaded (self, page->records);
      g_debug ("The first %u records shown ahead of the rest", page->records->len);
    }

  return G_SOURCE_REMOVE;
}

static void
first_page_free (gpointer data)
{
  FirstPage *page = data;

  g_object_unref (page->library);
  g_ptr_array_unref (page->records);
  g_ptr_array_unref (page->elsewhere);
  g_free (page);
}

/* From the writer: hands what was read so far to the library's context. */
static void
send_first_page (KsLibrary *self,
                 Loaded    *loaded)
{
  FirstPage *page = g_new0 (FirstPage, 1);

  page->library = g_object_ref (self);
  page->records = g_ptr_array_new_full (loaded->records->len, g_object_unref);
  for (guint i = 0; i < loaded->records->len; i++)
    g_ptr_array_add (page->records, g_object_ref (g_ptr_array_index (loaded->records, i)));
  page->elsewhere = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < loaded->elsewhere->len; i++)
    g_ptr_array_add (page->elsewhere, g_strdup (g_ptr_array_index (loaded->elsewhere, i)));

  _ks_library_invoke (self, first_page_take, page, first_page_free);
}

/* The load itself: on the writer (or, for ks_library_load(), the caller
 * once every write is done). With @first_page, the newest records go to
 * the library's context as soon as they are read. */
static Loaded *
load_records (KsLibrary  *self,
              gboolean    first_page,
              GError    **error)
{
  g_autoptr(Loaded) loaded = loaded_new ();
  g_autofree char *records_path = g_build_filename (self->path, "records", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GHashTable) owners = _ks_library_owner_cache_new ();
  g_autoptr(GArray) names = NULL;

  _ks_library_lock_ensure (self);

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (self->path, folders[i], NULL);

      if (g_mkdir_with_parents (path, 0700) < 0)
        {
          int errsv = errno;

          g_set_error (error, KS_ERROR, KS_ERROR_IO,
                       _("Could not open the library in %s: %s. Check that you may write to that folder."),
                       self->path, g_strerror (errsv));
          return NULL;
        }
    }

  _ks_library_clean_locks (self, owners);
  for (guint i = 0; i < 3; i++)
    remove_temp_files (self, folders[i], owners);

  dir = g_dir_open (records_path, 0, error);
  if (dir == NULL)
    {
      g_prefix_error (error, _("Could not open the library in %s: "), self->path);
      if (error != NULL)
        (*error)->domain = KS_ERROR, (*error)->code = KS_ERROR_IO;
      return NULL;
    }

  names = list_record_names (records_path, dir, first_page);
  first_page = first_page && names->len > FIRST_PAGE;

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(KsRecord) record = NULL;
      const char *name = g_array_index (names, RecordName, i).name;

      if (first_page && i == FIRST_PAGE)
        send_first_page (self, loaded);

      record = read_record_file (self, name, &local_error);
      if (record == NULL)
        {
          set_aside (self, name, local_error, loaded);
          continue;
        }

      /* Another live process follows it: as it is, not ours to change. */
      if (ks_record_state_is_unfinished (ks_record_get_state (record)) &&
          _ks_library_owner_is_other_live (self, record->owner, owners))
        {
          g_ptr_array_add (loaded->elsewhere, g_strdup (ks_record_get_id (record)));
          g_ptr_array_add (loaded->records, g_steal_pointer (&record));
          continue;
        }

      /* Its owner ended, perhaps after the read above and a last write:
       * read again, now that nobody writes it. */
      if (ks_record_state_is_unfinished (ks_record_get_state (record)) && record->owner != NULL &&
          g_strcmp0 (record->owner, _ks_library_get_owner_id (self)) != 0)
        {
          g_autoptr(KsRecord) again = read_record_file (self, name, NULL);

          if (again != NULL)
            g_set_object (&record, again);
        }

      /* It may be on the wire or may have been billed: never sent again by
       * itself. */
      if (ks_record_get_state (record) == KS_RECORD_STATE_SUBMITTING)
        {
          g_autofree char *json = NULL;
          g_autofree char *relative = g_build_filename ("records", name, NULL);
          gsize length;

          ks_record_set_state (record, KS_RECORD_STATE_UNKNOWN);
          g_clear_pointer (&record->owner, g_free);
          json = ks_record_to_json (record, &length);
          _ks_library_write_file (self, relative, json, length, NULL);
        }

      g_ptr_array_add (loaded->records, g_steal_pointer (&record));
    }

  return g_steal_pointer (&loaded);
}

static void
load_in_writer (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  Loaded *loaded = load_records (source_object, TRUE, &error);

  if (loaded == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
}

static void
set_loaded (KsLibrary *self,
            Loaded    *loaded)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < loaded->elsewhere->len; i++)
    g_hash_table_add (self->elsewhere, g_strdup (g_ptr_array_index (loaded->elsewhere, i)));
  _ks_library_take_loaded (self, loaded->records);
  g_debug ("%u records taken into the models in %" G_GINT64_FORMAT " µs",
           loaded->records->len, g_get_monotonic_time () - start);

  self->loaded = TRUE;
  g_object_notify (G_OBJECT (self), "loaded");
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  KsLibrary *self = KS_LIBRARY (object);
  g_autoptr(Loaded) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiters = NULL;

  loaded = g_task_propagate_pointer (G_TASK (result), &error);
  self->loading = FALSE;
  if (loaded != NULL)
    set_loaded (self, loaded);

  waiters = g_steal_pointer (&self->load_waiters);
  self->load_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (loaded == NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, loaded_dup_damaged (loaded), (GDestroyNotify) g_strfreev);
    }
}

void
ks_library_load_async (KsLibrary           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) load = NULL;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_load_async);

  if (self->loaded)
    {
      g_task_return_pointer (task, g_new0 (char *, 1), (GDestroyNotify) g_strfreev);
      return;
    }

  g_ptr_array_add (self->load_waiters, g_steal_pointer (&task));
  if (self->loading)
    return;

  /* The load itself is not cancelled: the library is shared. */
  self->loading = TRUE;
  load = g_task_new (self, NULL, load_done_cb, NULL);
  g_task_set_source_tag (load, load_in_writer);
  _ks_library_queue (self, load, load_in_writer);
}

gboolean
ks_library_load_finish (KsLibrary     *self,
                        GAsyncResult  *result,
                        GStrv         *damaged,
                        GError       **error)
{
  g_auto(GStrv) names = NULL;

  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  names = g_task_propagate_pointer (G_TASK (result), error);
  if (names == NULL)
    return FALSE;

  if (damaged != NULL)
    *damaged = g_steal_pointer (&names);

  return TRUE;
}

gboolean
ks_library_load (KsLibrary  *self,
                 GStrv      *damaged,
                 GError    **error)
{
  g_autoptr(Loaded) loaded = NULL;

  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (!self->loading, FALSE);

  if (!self->loaded)
    {
      /* Nothing else writes while the caller waits here. */
      ks_library_flush (self);
      loaded = load_records (self, FALSE, error);
      if (loaded == NULL)
        return FALSE;
      set_loaded (self, loaded);
    }

  if (damaged != NULL)
    *damaged = loaded_dup_damaged (loaded);

  return TRUE;
}

/* ---- stored files -------------------------------------------------------- */

static const char *
extension_for (const char *content_type,
               GBytes     *bytes)
{
  static const struct { const char *type; const char *ext; } types[] = {
    { "image/jpeg", "jpg" }, { "image/jpg", "jpg" }, { "image/png", "png" }, { "image/webp", "webp" },
  };
  gsize size;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;

  for (guint i = 0; content_type != NULL && i < G_N_ELEMENTS (types); i++)
    {
      if (g_ascii_strcasecmp (content_type, types[i].type) == 0)
        return types[i].ext;
    }

  /* No usable type: the bytes tell. */
  if (data != NULL && size >= 12)
    {
      if (data[0] == 0xff && data[1] == 0xd8)
        return "jpg";
      if (memcmp (data, "\x89PNG", 4) == 0)
        return "png";
      if (memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
        return "webp";
    }

  return "bin";
}

typedef struct
{
  char   *relative;
  GBytes *bytes;
} StoreData;

static void
store_data_free (gpointer data)
{
  StoreData *store = data;

  g_free (store->relative);
  g_bytes_unref (store->bytes);
  g_free (store);
}

static StoreData *
store_data_new (char   *relative,
                GBytes *bytes)
{
  StoreData *store = g_new0 (StoreData, 1);

  store->relative = relative;
  store->bytes = g_bytes_ref (bytes);

  return store;
}

static void
store_reference_in_writer (GTask        *task,
                           gpointer      source_object,
                           gpointer      task_data,
                           GCancellable *cancellable)
{
  KsLibrary *self = source_object;
  StoreData *store = task_data;
  g_autofree char *path = g_build_filename (self->path, store->relative, NULL);
  GStatBuf buf;
  GError *error = NULL;

  /* Stored once: the name is the content's hash. */
  if (g_stat (path, &buf) == 0 && S_ISREG (buf.st_mode) &&
      (guint64) buf.st_size == g_bytes_get_size (store->bytes))
    {
      g_task_return_pointer (task, g_strdup (store->relative), g_free);
      return;
    }

  if (!_ks_library_write_file (self, store->relative,
                               g_bytes_get_data (store->bytes, NULL),
                               g_bytes_get_size (store->bytes), &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (store->relative), g_free);
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;

  for (guint i = 0; i < 64; i++)
    {
      if (!g_ascii_isxdigit (text[i]))
        return FALSE;
    }

  return TRUE;
}

void
ks_library_store_reference_async (KsLibrary           *self,
                                  GBytes              *bytes,
                                  const char          *sha256,
                                  const char          *mime_type,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (is_sha256 (sha256));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_store_reference_async);

  name = g_ascii_strdown (sha256, -1);
  g_task_set_task_data (task,
                        store_data_new (g_strdup_printf ("references/%s.%s", name,
                                                         extension_for (mime_type, bytes)),
                                        bytes),
                        store_data_free);
  _ks_library_queue (self, task, store_reference_in_writer);
}

char *
ks_library_store_reference_finish (KsLibrary     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  KsRecord      *record;
  KsRecordImage *image;   /* with its file set */
} ImageData;

static void
image_data_free (gpointer data)
{
  ImageData *image_data = data;

  g_object_unref (image_data->record);
  ks_record_image_free (image_data->image);
  g_free (image_data);
}

static void
write_image_in_writer (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  StoreData *store = task_data;
  GError *error = NULL;

  if (!_ks_library_write_file (source_object, store->relative,
                               g_bytes_get_data (store->bytes, NULL),
                               g_bytes_get_size (store->bytes), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
image_record_saved_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!ks_library_save_finish (KS_LIBRARY (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
image_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsLibrary *self = KS_LIBRARY (object);
  g_autoptr(GTask) task = user_data;
  ImageData *image_data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* On the main context: the record names the file only once it is there,
   * and the save goes after the image in the writer's order. */
  ks_record_set_image (image_data->record, image_data->image);
  ks_library_save_async (self, image_data->record, NULL,
                         image_record_saved_cb, g_steal_pointer (&task));
}

void
ks_library_store_image_async (KsLibrary           *self,
                              KsRecord            *record,
                              const KsRecordImage *image,
                              GBytes              *bytes,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) write = NULL;
  ImageData *image_data;
  const char *ext;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));
  g_return_if_fail (image != NULL);
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_store_image_async);

  ext = extension_for (image->content_type, bytes);
  image_data = g_new0 (ImageData, 1);
  image_data->record = g_object_ref (record);
  image_data->image = ks_record_image_copy (image);
  g_free (image_data->image->file);
  image_data->image->file = g_strdup_printf ("images/%s-%u.%s", ks_record_get_id (record),
                                             image->index, ext);
  g_task_set_task_data (task, image_data, image_data_free);

  /* The write itself goes on even when cancelled: half a job is worse. */
  write = g_task_new (self, NULL, image_written_cb, g_steal_pointer (&task));
  g_task_set_source_tag (write, write_image_in_writer);
  g_task_set_task_data (write,
                        store_data_new (g_strdup (image_data->image->file), bytes),
                        store_data_free);
  _ks_library_queue (self, write, write_image_in_writer);
}

static void
write_image_file_in_writer (GTask        *task,
                            gpointer      source_object,
                            gpointer      task_data,
                            GCancellable *cancellable)
{
  StoreData *store = task_data;
  GError *error = NULL;

  if (!_ks_library_write_file (source_object, store->relative,
                               g_bytes_get_data (store->bytes, NULL),
                               g_bytes_get_size (store->bytes), &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (store->relative), g_free);
}

void
ks_library_write_image_async (KsLibrary           *self,
                              KsRecord            *record,
                              guint                index,
                              const char          *content_type,
                              GBytes              *bytes,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));
  g_return_if_fail (bytes != NULL);

  /* No cancellable: the write goes on, as in ks_library_store_image_async(). */
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, ks_library_write_image_async);
  g_task_set_task_data (task,
                        store_data_new (g_strdup_printf ("images/%s-%u.%s", ks_record_get_id (record),
                                                         index, extension_for (content_type, bytes)),
                                        bytes),
                        store_data_free);
  _ks_library_queue (self, task, write_image_file_in_writer);
}

char *
ks_library_write_image_finish (KsLibrary     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
ks_library_store_image_finish (KsLibrary     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
