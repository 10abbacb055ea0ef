#define G_LOG_DOMAIN "ks-library"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-error.h"
#include "ks-job.h"
#include "ks-library-private.h"

G_DEFINE_FINAL_TYPE (KsLibrary, ks_library, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_RECORDS,
  PROP_TRASH,
  PROP_LOADED,
  N_PROPS
};

enum {
  PROBLEM,
  JOB_STARTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- the writer thread --------------------------------------------------- */

typedef struct
{
  GTask           *task;   /* NULL: stop */
  GTaskThreadFunc  func;
} KsLibraryOp;

static void
writer_state_clear (gpointer data)
{
  KsLibraryWriter *state = data;

  g_async_queue_unref (state->queue);
  g_mutex_clear (&state->mutex);
  g_cond_clear (&state->idle);
}

static void
writer_state_unref (KsLibraryWriter *state)
{
  g_atomic_rc_box_release_full (state, writer_state_clear);
}

static gpointer
writer_main (gpointer data)
{
  KsLibraryWriter *state = data;

  for (;;)
    {
      KsLibraryOp *op = g_async_queue_pop (state->queue);

      if (op->task == NULL)
        {
          g_free (op);
          break;
        }

      op->func (op->task, g_task_get_source_object (op->task),
                g_task_get_task_data (op->task), g_task_get_cancellable (op->task));
      /* The task holds the library: this may be its last reference, so the
       * library is not touched after it. */
      g_object_unref (op->task);
      g_free (op);

      g_mutex_lock (&state->mutex);
      g_assert (state->pending > 0);
      if (--state->pending == 0)
        g_cond_broadcast (&state->idle);
      g_mutex_unlock (&state->mutex);
    }

  writer_state_unref (state);

  return NULL;
}

void
_ks_library_queue (KsLibrary       *self,
                   GTask           *task,
                   GTaskThreadFunc  func)
{
  KsLibraryOp *op;

  g_assert (KS_IS_LIBRARY (self));
  g_assert (g_task_get_source_object (task) == self);

  g_mutex_lock (&self->writer_state->mutex);
  self->writer_state->pending++;
  g_mutex_unlock (&self->writer_state->mutex);

  op = g_new0 (KsLibraryOp, 1);
  op->task = g_object_ref (task);
  op->func = func;
  g_async_queue_push (self->writer_state->queue, op);
}

/**
 * ks_library_flush:
 *
 * Blocks until every write queued so far is on disk. Never from the
 * writer itself; not for the GUI's main loop.
 */
void
ks_library_flush (KsLibrary *self)
{
  KsLibraryWriter *state;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (g_thread_self () != self->writer);

  state = self->writer_state;
  g_mutex_lock (&state->mutex);
  while (state->pending > 0)
    g_cond_wait (&state->idle, &state->mutex);
  g_mutex_unlock (&state->mutex);
}

/* ---- problems ------------------------------------------------------------ */

typedef struct
{
  KsLibrary *library;
  GError    *error;
} Problem;

static void
problem_free (gpointer data)
{
  Problem *problem = data;

  g_object_unref (problem->library);
  g_error_free (problem->error);
  g_free (problem);
}

static gboolean
emit_problem_cb (gpointer data)
{
  Problem *problem = data;

  g_signal_emit (problem->library, signals[PROBLEM], 0, problem->error);

  return G_SOURCE_REMOVE;
}

/* Runs @func on the library's context, always later and always there. Not
 * g_main_context_invoke(): called from the writer thread while the main
 * thread is between iterations, it acquires the context and runs @func on
 * the writer itself, which would put records into the models, and so
 * build widgets, off the main thread. */
void
_ks_library_invoke (KsLibrary      *self,
                    GSourceFunc     func,
                    gpointer        data,
                    GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[kontext] library");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

void
_ks_library_report (KsLibrary    *self,
                    const GError *error)
{
  Problem *problem;

  g_assert (error != NULL);

  problem = g_new0 (Problem, 1);
  problem->library = g_object_ref (self);
  problem->error = g_error_copy (error);
  _ks_library_invoke (self, emit_problem_cb, problem, problem_free);
}

GError *
_ks_library_io_error (KsLibrary  *self,
                      int         errsv,
                      const char *path)
{
  const char *advice;

  switch (errsv)
    {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      advice = _("Free some space; nothing was lost.");
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      advice = _("Check that you may write to that folder; nothing was lost.");
      break;
    default:
      advice = _("Check the disk; nothing was lost.");
      break;
    }

  g_debug ("Writing %s failed: %s", path, g_strerror (errsv));

  return g_error_new (KS_ERROR, KS_ERROR_IO,
                      /* TRANSLATORS: the library folder, the system's reason, advice */
                      _("Could not write to the library in %s: %s. %s"),
                      self->path, g_strerror (errsv), advice);
}

/* ---- atomic writes ------------------------------------------------------- */

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         length)
{
  while (length > 0)
    {
      gssize written = write (fd, data, MIN (length, (gsize) G_MAXSSIZE));

      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      length -= written;
    }

  return TRUE;
}

static gboolean
fsync_directory (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int errsv;

  if (fd < 0)
    return FALSE;
  if (fsync (fd) < 0 && errno != EINVAL)
    {
      errsv = errno;
      close (fd);
      errno = errsv;
      return FALSE;
    }
  close (fd);

  return TRUE;
}

gboolean
_ks_library_is_temp_name (const char *name)
{
  gsize len = strlen (name);

  /* ".<name>.XXXXXX" */
  return len > 9 && name[0] == '.' && name[len - 7] == '.';
}

/* A test hook: $KS_LIBRARY_TEST_WRITE_PAUSE_MS holds every write between
 * its temporary file and the rename, so that the crash harness can kill a
 * process in the middle of one. Unset, it costs one lookup per process. */
static void
pause_for_tests (void)
{
  static gsize pause_ms_once;
  static gulong pause_ms;

  if (g_once_init_enter (&pause_ms_once))
    {
      const char *value = g_getenv ("KS_LIBRARY_TEST_WRITE_PAUSE_MS");

      pause_ms = value != NULL ? (gulong) MIN (g_ascii_strtoull (value, NULL, 10), 10000) : 0;
      g_once_init_leave (&pause_ms_once, 1);
    }

  if (pause_ms > 0)
    g_usleep (pause_ms * 1000);
}

gboolean
_ks_library_write_file (KsLibrary   *self,
                        const char  *relative,
                        const void  *data,
                        gsize        length,
                        GError     **error)
{
  g_autofree char *path = g_build_filename (self->path, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *temp = NULL;
  g_autoptr(GError) local_error = NULL;
  int fd = -1;
  int errsv;

  /* Held before anything naming us is on disk. */
  _ks_library_lock_ensure (self);

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      errsv = errno;
      goto failed;
    }

  temp = _ks_library_temp_template (self, dir, base);
  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      errsv = errno;
      g_clear_pointer (&temp, g_free);
      goto failed;
    }

  if (!write_all (fd, data, length) || fsync (fd) < 0)
    {
      errsv = errno;
      goto failed;
    }

  if (close (fd) < 0)
    {
      fd = -1;
      errsv = errno;
      goto failed;
    }
  fd = -1;

  pause_for_tests ();

  if (g_rename (temp, path) < 0)
    {
      errsv = errno;
      goto failed;
    }
  g_clear_pointer (&temp, g_free);

  if (!fsync_directory (dir))
    {
      errsv = errno;
      goto failed;
    }

  return TRUE;

failed:
  if (fd >= 0)
    close (fd);
  if (temp != NULL)
    g_unlink (temp);

  local_error = _ks_library_io_error (self, errsv, path);
  _ks_library_report (self, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));

  return FALSE;
}

/* ---- GObject ------------------------------------------------------------- */

static void
ks_library_constructed (GObject *object)
{
  KsLibrary *self = KS_LIBRARY (object);

  G_OBJECT_CLASS (ks_library_parent_class)->constructed (object);

  g_assert (self->directory != NULL);
  self->path = g_file_get_path (self->directory);
  g_assert (self->path != NULL);
}

static void
ks_library_dispose (GObject *object)
{
  KsLibrary *self = KS_LIBRARY (object);

  if (self->records != NULL)
    g_list_store_remove_all (self->records);
  if (self->trash != NULL)
    g_list_store_remove_all (self->trash);
  g_hash_table_remove_all (self->by_id);

  G_OBJECT_CLASS (ks_library_parent_class)->dispose (object);
}

static void
ks_library_finalize (GObject *object)
{
  KsLibrary *self = KS_LIBRARY (object);
  KsLibraryOp *stop = g_new0 (KsLibraryOp, 1);

  /* Every op holds the library, so the queue is empty here. The last
   * reference may go in the writer itself: then it stops on its own. */
  g_async_queue_push (self->writer_state->queue, stop);
  if (g_thread_self () == self->writer)
    g_thread_unref (self->writer);
  else
    g_thread_join (self->writer);
  writer_state_unref (self->writer_state);
  g_clear_pointer (&self->load_waiters, g_ptr_array_unref);
  g_clear_object (&self->records);
  g_clear_object (&self->trash);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->elsewhere, g_hash_table_unref);
  _ks_library_lock_release (self);
  g_clear_object (&self->directory);
  g_free (self->path);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ks_library_parent_class)->finalize (object);
}

static void
ks_library_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsLibrary *self = KS_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_object (value, self->directory);
      break;
    case PROP_RECORDS:
      g_value_set_object (value, self->records);
      break;
    case PROP_TRASH:
      g_value_set_object (value, self->trash);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_library_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KsLibrary *self = KS_LIBRARY (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      self->directory = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_library_class_init (KsLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_library_constructed;
  object_class->dispose = ks_library_dispose;
  object_class->finalize = ks_library_finalize;
  object_class->get_property = ks_library_get_property;
  object_class->set_property = ks_library_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_object ("directory", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORDS] =
    g_param_spec_object ("records", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TRASH] =
    g_param_spec_object ("trash", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PROBLEM] =
    g_signal_new ("problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[JOB_STARTED] =
    g_signal_new ("job-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KS_TYPE_JOB);
}

static void
ks_library_init (KsLibrary *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->records = g_list_store_new (KS_TYPE_RECORD);
  self->trash = g_list_store_new (KS_TYPE_RECORD);
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->load_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->elsewhere = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  _ks_library_lock_init (self);
  self->writer_state = g_atomic_rc_box_new0 (KsLibraryWriter);
  self->writer_state->queue = g_async_queue_new ();
  g_mutex_init (&self->writer_state->mutex);
  g_cond_init (&self->writer_state->idle);
  self->writer = g_thread_new ("ks-library-writer", writer_main,
                               g_atomic_rc_box_acquire (self->writer_state));
}

KsLibrary *
ks_library_new (GFile *directory)
{
  g_return_val_if_fail (G_IS_FILE (directory), NULL);
  g_return_val_if_fail (g_file_is_native (directory), NULL);

  return g_object_new (KS_TYPE_LIBRARY, "directory", directory, NULL);
}

GFile *
ks_library_get_directory (KsLibrary *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);

  return self->directory;
}

GListModel *
ks_library_get_records (KsLibrary *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);

  return G_LIST_MODEL (self->records);
}

GListModel *
ks_library_get_trash (KsLibrary *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);

  return G_LIST_MODEL (self->trash);
}

gboolean
ks_library_get_loaded (KsLibrary *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);

  return self->loaded;
}

/* ---- records ------------------------------------------------------------- */

KsRecord *
ks_library_lookup (KsLibrary  *self,
                   const char *id)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);

  if (id == NULL)
    return NULL;

  return g_hash_table_lookup (self->by_id, id);
}

void
ks_library_add (KsLibrary *self,
                KsRecord  *record)
{
  const char *id;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));

  id = ks_record_get_id (record);
  if (g_hash_table_contains (self->by_id, id))
    return;

  g_hash_table_insert (self->by_id, g_strdup (id), g_object_ref (record));
  g_list_store_insert (ks_record_get_trashed (record) != 0 ? self->trash : self->records, 0, record);
}

int
_ks_library_compare_created (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  gint64 created_a = ks_record_get_created ((KsRecord *) a);
  gint64 created_b = ks_record_get_created ((KsRecord *) b);

  /* Newest first; the id breaks ties so that the order is stable. */
  if (created_a != created_b)
    return created_a > created_b ? -1 : 1;

  return g_strcmp0 (ks_record_get_id ((KsRecord *) a), ks_record_get_id ((KsRecord *) b));
}

int
_ks_library_compare_trashed (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  gint64 trashed_a = ks_record_get_trashed ((KsRecord *) a);
  gint64 trashed_b = ks_record_get_trashed ((KsRecord *) b);

  if (trashed_a != trashed_b)
    return trashed_a > trashed_b ? -1 : 1;

  return _ks_library_compare_created (a, b, user_data);
}

static int
compare_created_ptr (gconstpointer a,
                     gconstpointer b)
{
  return _ks_library_compare_created (*(gpointer *) a, *(gpointer *) b, NULL);
}

static int
compare_trashed_ptr (gconstpointer a,
                     gconstpointer b)
{
  return _ks_library_compare_trashed (*(gpointer *) a, *(gpointer *) b, NULL);
}

static int
compare_with_data (gconstpointer a,
                   gconstpointer b,
                   gpointer      compare)
{
  return ((GCompareDataFunc) compare) (*(gpointer *) a, *(gpointer *) b, NULL);
}

/* Adds @sorted (in @compare's order) to @store, which is in that order
 * too, in one splice: the views hear of the whole library at once. A load
 * lands at the end; when the first page was shown ahead of the rest and a
 * record read later belongs above some of it, the store's tail from there
 * on is merged with the new records. */
static void
append_sorted (GListStore       *store,
               GPtrArray        *sorted,
               GCompareDataFunc  compare)
{
  GListModel *model = G_LIST_MODEL (store);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GPtrArray) merged = NULL;
  guint low = 0;
  guint high = n;

  if (sorted->len == 0)
    return;

  if (n > 0)
    {
      g_autoptr(GObject) last = g_list_model_get_item (model, n - 1);

      if (compare (g_ptr_array_index (sorted, 0), last, NULL) < 0)
        {
          /* The first store position the newest new record goes above. */
          while (low < high)
            {
              guint middle = low + (high - low) / 2;
              g_autoptr(GObject) item = g_list_model_get_item (model, middle);

              if (compare (g_ptr_array_index (sorted, 0), item, NULL) < 0)
                high = middle;
              else
                low = middle + 1;
            }
        }
      else
        low = n;
    }

  merged = g_ptr_array_new_full (n - low + sorted->len, g_object_unref);
  for (guint i = low; i < n; i++)
    g_ptr_array_add (merged, g_list_model_get_item (model, i));
  for (guint i = 0; i < sorted->len; i++)
    g_ptr_array_add (merged, g_object_ref (g_ptr_array_index (sorted, i)));
  if (low < n)
    g_ptr_array_sort_with_data (merged, compare_with_data, compare);

  g_list_store_splice (store, low, n - low, merged->pdata, merged->len);
}

void
_ks_library_take_loaded (KsLibrary *self,
                         GPtrArray *records)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) trashed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < records->len; i++)
    {
      KsRecord *record = g_ptr_array_index (records, i);
      const char *id = ks_record_get_id (record);

      if (g_hash_table_contains (self->by_id, id))
        continue;

      g_hash_table_insert (self->by_id, g_strdup (id), g_object_ref (record));
      g_ptr_array_add (ks_record_get_trashed (record) != 0 ? trashed : kept, g_object_ref (record));
    }

  g_ptr_array_sort (kept, compare_created_ptr);
  g_ptr_array_sort (trashed, compare_trashed_ptr);

  append_sorted (self->records, kept, _ks_library_compare_created);
  append_sorted (self->trash, trashed, _ks_library_compare_trashed);
}

/* ---- saving -------------------------------------------------------------- */

typedef struct
{
  char  *relative;
  char  *json;
  gsize  length;
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *save = data;

  g_free (save->relative);
  g_free (save->json);
  g_free (save);
}

static void
save_in_writer (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SaveData *save = task_data;
  GError *error = NULL;

  if (!_ks_library_write_file (source_object, save->relative, save->json, save->length, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
queue_save (KsLibrary    *self,
            KsRecord     *record,
            GCancellable *cancellable,
            GAsyncReadyCallback callback,
            gpointer      user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *save;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_save_async);

  save = g_new0 (SaveData, 1);
  save->relative = g_strdup_printf ("records%c%s.json", G_DIR_SEPARATOR, ks_record_get_id (record));
  _ks_library_stamp_owner (self, record);
  save->json = ks_record_to_json (record, &save->length);
  g_task_set_task_data (task, save, save_data_free);

  _ks_library_queue (self, task, save_in_writer);
}

void
ks_library_save (KsLibrary *self,
                 KsRecord  *record)
{
  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));

  /* A failure is reported through "problem" by the writer. */
  queue_save (self, record, NULL, NULL, NULL);
}

void
ks_library_save_async (KsLibrary           *self,
                       KsRecord            *record,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  queue_save (self, record, cancellable, callback, user_data);
}

gboolean
ks_library_save_finish (KsLibrary     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- for resume ---------------------------------------------------------- */

GListStore *
_ks_library_get_record_store (KsLibrary *self)
{
  return self->records;
}

void
_ks_library_set_state_and_save (KsLibrary     *self,
                                KsRecord      *record,
                                KsRecordState  state)
{
  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_RECORD (record));

  g_object_freeze_notify (G_OBJECT (record));
  ks_record_set_state (record, state);
  if (!ks_record_state_is_unfinished (state) && state != KS_RECORD_STATE_UNKNOWN &&
      ks_record_get_finished (record) == 0)
    ks_record_set_finished (record, g_get_real_time ());
  g_object_thaw_notify (G_OBJECT (record));

  ks_library_save (self, record);
}

GPtrArray *
_ks_library_list_resumable (KsLibrary *self)
{
  GPtrArray *records = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      KsRecordState state = ks_record_get_state (value);

      if (ks_record_state_is_unfinished (state) || state == KS_RECORD_STATE_UNKNOWN)
        g_ptr_array_add (records, value);
    }

  /* Oldest first: they go out in the order they were made. */
  g_ptr_array_sort (records, compare_created_ptr);
  for (guint i = 0; i < records->len / 2; i++)
    {
      gpointer swap = records->pdata[i];

      records->pdata[i] = records->pdata[records->len - 1 - i];
      records->pdata[records->len - 1 - i] = swap;
    }

  return records;
}

void
_ks_library_emit_job_started (KsLibrary *self,
                              KsJob     *job)
{
  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_JOB (job));

  g_signal_emit (self, signals[JOB_STARTED], 0, job);
}
