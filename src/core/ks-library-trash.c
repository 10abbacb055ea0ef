#define G_LOG_DOMAIN "ks-library"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-error.h"
#include "ks-library-private.h"

/* Measured: what the library holds (damaged/ is not counted). */
static const char * const folders[] = { "records", "images", "references" };

/* ---- trash --------------------------------------------------------------- */

static void
move_record (KsRecord   *record,
             GListStore *from,
             GListStore *to,
             GCompareDataFunc compare)
{
  guint position;

  if (g_list_store_find (from, record, &position))
    g_list_store_remove (from, position);
  g_list_store_insert_sorted (to, record, compare, NULL);
}

void
ks_library_trash (KsLibrary *self,
                  KsRecord  *record)
{
  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));

  if (ks_record_get_trashed (record) != 0)
    return;

  g_object_ref (record);
  ks_record_set_trashed (record, g_get_real_time ());
  move_record (record, self->records, self->trash, _ks_library_compare_trashed);
  ks_library_save (self, record);
  g_object_unref (record);
}

void
ks_library_untrash (KsLibrary *self,
                    KsRecord  *record)
{
  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));

  if (ks_record_get_trashed (record) == 0)
    return;

  g_object_ref (record);
  ks_record_set_trashed (record, 0);
  move_record (record, self->trash, self->records, _ks_library_compare_created);
  ks_library_save (self, record);
  g_object_unref (record);
}

/* ---- spending ------------------------------------------------------------ */

/* Whether the service may have charged for @record. Waiting records were
 * never sent; a cancel only succeeds in the queue; a failure or a local
 * cancel counts once the model ran (it reached IN_PROGRESS, which set the
 * queue time). */
static gboolean
record_is_billed (KsRecord *record)
{
  switch (ks_record_get_state (record))
    {
    case KS_RECORD_STATE_UNKNOWN:
    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
    case KS_RECORD_STATE_COMPLETED:
    case KS_RECORD_STATE_EXPIRED:
      return TRUE;

    case KS_RECORD_STATE_FAILED:
    case KS_RECORD_STATE_CANCELLED:
      return ks_record_get_request (record) != NULL && ks_record_get_queue_time (record) >= 0;

    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    default:
      return FALSE;
    }
}

guint64
ks_library_get_spent (KsLibrary *self,
                      gint64     from,
                      gint64     to)
{
  GHashTableIter iter;
  gpointer value;
  guint64 spent = 0;

  g_return_val_if_fail (KS_IS_LIBRARY (self), 0);

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      KsRecord *record = value;
      gint64 when = ks_record_get_submitted (record);

      if (when == 0)
        when = ks_record_get_created (record);
      if (when >= from && when < to && record_is_billed (record))
        spent += ks_record_get_cost (record);
    }

  return spent;
}

static guint64
get_spent_in (KsLibrary *self,
              gint64     now,
              gboolean   month)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;

  local = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);
  g_return_val_if_fail (local != NULL, 0);

  start = g_date_time_new_local (g_date_time_get_year (local), g_date_time_get_month (local),
                                 month ? 1 : g_date_time_get_day_of_month (local), 0, 0, 0);
  end = month ? g_date_time_add_months (start, 1) : g_date_time_add_days (start, 1);

  return ks_library_get_spent (self,
                               g_date_time_to_unix (start) * G_USEC_PER_SEC,
                               g_date_time_to_unix (end) * G_USEC_PER_SEC);
}

guint64
ks_library_get_spent_day (KsLibrary *self,
                          gint64     now)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), 0);

  return get_spent_in (self, now, FALSE);
}

guint64
ks_library_get_spent_month (KsLibrary *self,
                            gint64     now)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), 0);

  return get_spent_in (self, now, TRUE);
}

/* ---- emptying the trash and measuring -------------------------------------- */

typedef struct
{
  GPtrArray *records;     /* KsRecord to delete (main context only) */
  GPtrArray *files;       /* GStrv per record: its images, then its record file last */
  GPtrArray *references;  /* char *: files only those records used */
  GPtrArray *deleted;     /* KsRecord whose record file is gone (filled by the writer) */
  guint64    freed;
  guint64    total;
  guint64    in_trash;
} TrashData;

static void
trash_data_free (gpointer data)
{
  TrashData *trash = data;

  g_ptr_array_unref (trash->records);
  g_ptr_array_unref (trash->files);
  g_ptr_array_unref (trash->references);
  g_ptr_array_unref (trash->deleted);
  g_free (trash);
}

/* On the main context: the files of every record in the trash, and the
 * references no other record uses. */
static TrashData *
trash_data_new (KsLibrary *self)
{
  TrashData *trash = g_new0 (TrashData, 1);
  g_autoptr(GHashTable) kept = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) candidates = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer value;
  guint n_trashed = g_list_model_get_n_items (G_LIST_MODEL (self->trash));

  trash->records = g_ptr_array_new_with_free_func (g_object_unref);
  trash->files = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  trash->references = g_ptr_array_new_with_free_func (g_free);
  trash->deleted = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n_trashed; i++)
    {
      g_autoptr(KsRecord) record = g_list_model_get_item (G_LIST_MODEL (self->trash), i);
      GPtrArray *images = ks_record_get_images (record);
      g_autoptr(GStrvBuilder) files = g_strv_builder_new ();
      g_autofree char *record_file = g_strdup_printf ("records/%s.json", ks_record_get_id (record));

      for (guint j = 0; j < images->len; j++)
        {
          const KsRecordImage *image = g_ptr_array_index (images, j);

          if (image->file != NULL)
            g_strv_builder_add (files, image->file);
        }

      g_strv_builder_add (files, record_file);
      g_ptr_array_add (trash->files, g_strv_builder_end (files));
      g_ptr_array_add (trash->records, g_object_ref (record));
    }

  /* References: those of the trash that no other record names. */
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *references = ks_record_get_references (value);
      GHashTable *set = ks_record_get_trashed (value) != 0 ? candidates : kept;

      for (guint j = 0; j < references->len; j++)
        {
          const KsRecordReference *reference = g_ptr_array_index (references, j);

          if (reference->file != NULL)
            g_hash_table_add (set, reference->file);
        }
    }
  g_hash_table_iter_init (&iter, candidates);
  while (g_hash_table_iter_next (&iter, &value, NULL))
    {
      if (!g_hash_table_contains (kept, value))
        g_ptr_array_add (trash->references, g_strdup (value));
    }

  return trash;
}

/* Deletes @relative; adds its size to *@freed. A file already gone is
 * fine. */
static gboolean
delete_file (KsLibrary   *self,
             const char  *relative,
             guint64     *freed,
             GError     **error)
{
  g_autofree char *path = g_build_filename (self->path, relative, NULL);
  GStatBuf buf;
  int errsv;

  if (g_lstat (path, &buf) < 0 || g_unlink (path) < 0)
    {
      errsv = errno;
      if (errsv == ENOENT)
        return TRUE;
      g_set_error (error, KS_ERROR, KS_ERROR_IO,
                   _("Could not delete %s from the library: %s. Check that you may write to %s."),
                   relative, g_strerror (errsv), self->path);
      return FALSE;
    }

  *freed += buf.st_size;

  return TRUE;
}

static void
empty_trash_in_writer (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  KsLibrary *self = source_object;
  TrashData *trash = task_data;
  g_autoptr(GError) first_error = NULL;

  for (guint i = 0; i < trash->files->len; i++)
    {
      char **files = g_ptr_array_index (trash->files, i);
      gboolean images_gone = TRUE;

      for (guint j = 0; files[j] != NULL; j++)
        {
          g_autoptr(GError) error = NULL;

          /* The record file goes last, and only once its images are gone:
           * a crash half-way leaves a record naming what remains. */
          if (files[j + 1] == NULL && !images_gone)
            break;
          if (!delete_file (self, files[j], &trash->freed, &error))
            {
              images_gone = FALSE;
              if (first_error == NULL)
                first_error = g_steal_pointer (&error);
            }
          else if (files[j + 1] == NULL)
            g_ptr_array_add (trash->deleted, g_object_ref (g_ptr_array_index (trash->records, i)));
        }
    }

  for (guint i = 0; i < trash->references->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!delete_file (self, g_ptr_array_index (trash->references, i), &trash->freed, &error) &&
          first_error == NULL)
        first_error = g_steal_pointer (&error);
    }

  if (first_error != NULL)
    {
      _ks_library_report (self, first_error);
      g_task_return_error (task, g_steal_pointer (&first_error));
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
trash_emptied_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KsLibrary *self = KS_LIBRARY (object);
  g_autoptr(GTask) task = user_data;
  TrashData *trash = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  /* Whatever was deleted leaves the models, even after a failure. */
  for (guint i = 0; i < trash->deleted->len; i++)
    {
      KsRecord *record = g_ptr_array_index (trash->deleted, i);
      guint position;

      if (g_list_store_find (self->trash, record, &position))
        g_list_store_remove (self->trash, position);
      g_hash_table_remove (self->by_id, ks_record_get_id (record));
    }

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    {
      guint64 *freed = g_new (guint64, 1);

      *freed = trash->freed;
      g_task_return_pointer (task, freed, g_free);
    }
}

void
ks_library_empty_trash_async (KsLibrary           *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) work = NULL;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_empty_trash_async);

  /* Once started it finishes: a half-emptied trash helps nobody. */
  work = g_task_new (self, NULL, trash_emptied_cb, g_steal_pointer (&task));
  g_task_set_task_data (work, trash_data_new (self), trash_data_free);
  _ks_library_queue (self, work, empty_trash_in_writer);
}

gboolean
ks_library_empty_trash_finish (KsLibrary     *self,
                               GAsyncResult  *result,
                               guint64       *freed,
                               GError       **error)
{
  g_autofree guint64 *value = NULL;

  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    return FALSE;
  if (freed != NULL)
    *freed = *value;

  return TRUE;
}

static guint64
file_size (KsLibrary  *self,
           const char *relative)
{
  g_autofree char *path = g_build_filename (self->path, relative, NULL);
  GStatBuf buf;

  return g_lstat (path, &buf) == 0 && S_ISREG (buf.st_mode) ? (guint64) buf.st_size : 0;
}

static void
measure_in_writer (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  KsLibrary *self = source_object;
  TrashData *trash = task_data;

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *dir_path = g_build_filename (self->path, folders[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *relative = g_build_filename (folders[i], name, NULL);

          trash->total += file_size (self, relative);
        }
    }

  for (guint i = 0; i < trash->files->len; i++)
    {
      char **files = g_ptr_array_index (trash->files, i);

      for (guint j = 0; files[j] != NULL; j++)
        trash->in_trash += file_size (self, files[j]);
    }
  for (guint i = 0; i < trash->references->len; i++)
    trash->in_trash += file_size (self, g_ptr_array_index (trash->references, i));

  g_task_return_boolean (task, TRUE);
}

void
ks_library_measure_async (KsLibrary           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_measure_async);
  g_task_set_task_data (task, trash_data_new (self), trash_data_free);
  _ks_library_queue (self, task, measure_in_writer);
}

gboolean
ks_library_measure_finish (KsLibrary     *self,
                           GAsyncResult  *result,
                           guint64       *total,
                           guint64       *in_trash,
                           GError       **error)
{
  TrashData *trash;

  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  trash = g_task_get_task_data (G_TASK (result));
  if (total != NULL)
    *total = trash->total;
  if (in_trash != NULL)
    *in_trash = trash->in_trash;

  return TRUE;
}
