/* ks-library-private.h: KsLibrary internals shared by ks-library.c (the
 * object, the writer, saving), ks-library-store.c (load, stored files),
 * ks-library-trash.c (trash, size, spending) and ks-library-resume.c */
#pragma once

#include "ks-library.h"

G_BEGIN_DECLS

/* Reference counted (g_atomic_rc_box): the writer thread keeps it past
 * the library's own end. */
typedef struct
{
  GAsyncQueue  *queue;           /* KsLibraryOp */
  GMutex        mutex;
  GCond         idle;            /* signalled when pending drops to 0 */
  guint         pending;         /* ops queued or running */
} KsLibraryWriter;

struct _KsLibrary
{
  GObject       parent_instance;

  GFile        *directory;
  char         *path;            /* of directory */
  GMainContext *context;         /* where the library was made: signals, models */

  GListStore   *records;         /* KsRecord, not trashed, newest first */
  GListStore   *trash;           /* KsRecord, trashed, most recently trashed first */
  GHashTable   *by_id;           /* id → KsRecord (both stores) */

  gboolean      loaded;
  gboolean      loading;
  GPtrArray    *load_waiters;    /* GTask: ks_library_load_async() calls while loading */

  /* The one writer: every file operation runs there, in order. */
  GThread      *writer;
  KsLibraryWriter *writer_state; /* shared with the thread, which may outlive us */

  /* Ownership (ks-library-lock.c). */
  char         *owner_id;        /* this library's id: locks/<owner_id>.lock */
  GMutex        lock_mutex;      /* lock_fd, lock_failed: the writer and ks_library_load() */
  int           lock_fd;         /* flock()ed for our lifetime; -1 until the first load or write */
  gboolean      lock_failed;
  GHashTable   *elsewhere;       /* record ids followed by another live library, at load */
};

/* ---- the writer (ks-library.c) ------------------------------------------ */

/* Runs @func (@task, source, task data, cancellable) in the writer thread
 * after every operation queued before it; @func returns through @task. */
void      _ks_library_queue          (KsLibrary        *self,
                                      GTask            *task,
                                      GTaskThreadFunc   func);
/* In the writer: writes @relative (under the directory) atomically — a
 * temporary ".<name>.<owner>.XXXXXX" in the same folder, fsync, rename, fsync of
 * the folder. On failure the temporary file is gone, the old file (if any)
 * is intact, "problem" is emitted, and @error is KS_ERROR_IO with a
 * sentence for people. */
gboolean  _ks_library_write_file     (KsLibrary        *self,
                                      const char       *relative,
                                      const void       *data,
                                      gsize             length,
                                      GError          **error);
/* TRUE for the name of a temporary file _ks_library_write_file() left. */
gboolean  _ks_library_is_temp_name   (const char       *name);
/* Runs @func on the library's context later, from any thread; never at
 * once on the calling thread. */
void      _ks_library_invoke         (KsLibrary        *self,
                                      GSourceFunc       func,
                                      gpointer          data,
                                      GDestroyNotify    notify);
/* Emits "problem" with a copy of @error on the library's context (from any
 * thread). */
void      _ks_library_report         (KsLibrary        *self,
                                      const GError     *error);
/* KS_ERROR_IO for a failure of @errsv at @path. */
GError   *_ks_library_io_error       (KsLibrary        *self,
                                      int               errsv,
                                      const char       *path);

/* ---- ownership (ks-library-lock.c) -------------------------------------- */

void      _ks_library_lock_init      (KsLibrary        *self);
/* In finalize: the lock file removed and let go. */
void      _ks_library_lock_release   (KsLibrary        *self);
/* Any thread: holds locks/<id>.lock from now on (once). */
void      _ks_library_lock_ensure    (KsLibrary        *self);
const char *_ks_library_get_owner_id (KsLibrary        *self);
/* An owner id → whether it is alive, for one load (transfer full). */
GHashTable *_ks_library_owner_cache_new (void);
/* TRUE when @owner is another library, held by a live process. Removes a
 * dead owner's lock file. */
gboolean  _ks_library_owner_is_other_live (KsLibrary   *self,
                                           const char  *owner,
                                           GHashTable  *cache);
/* Removes the lock files of dead owners (filling @cache). */
void      _ks_library_clean_locks    (KsLibrary        *self,
                                      GHashTable       *cache);
/* The mkstemp template for a write of @base in @dir (names our id). */
char     *_ks_library_temp_template  (KsLibrary        *self,
                                      const char       *dir,
                                      const char       *base);
/* TRUE when the temporary file @name in @dir_path is nobody's write in
 * flight: its owner is dead, or it names none and is old. */
gboolean  _ks_library_temp_is_leftover (KsLibrary      *self,
                                        const char     *dir_path,
                                        const char     *name,
                                        GHashTable     *cache);
/* Main context, before a record's JSON is made: sets or clears its
 * "owner". */
void      _ks_library_stamp_owner    (KsLibrary        *self,
                                      KsRecord         *record);

/* ---- records (ks-library.c), main context ------------------------------ */

/* The list store behind "records" (transfer none): resume adds to it
 * through ks_library_add(); exposed for iteration. */
GListStore *_ks_library_get_record_store (KsLibrary    *self);
/* Sets @record's state (and "finished" for a final state) and saves it. */
void      _ks_library_set_state_and_save (KsLibrary    *self,
                                          KsRecord     *record,
                                          KsRecordState state);
/* Every unfinished or UNKNOWN record, oldest first (transfer container). */
GPtrArray *_ks_library_list_resumable    (KsLibrary    *self);
/* Emits "job-started". */
void      _ks_library_emit_job_started   (KsLibrary    *self,
                                          KsJob        *job);
/* Newest first by created (ties by id); most recently trashed first. */
int       _ks_library_compare_created    (gconstpointer a,
                                          gconstpointer b,
                                          gpointer      user_data);
int       _ks_library_compare_trashed    (gconstpointer a,
                                          gconstpointer b,
                                          gpointer      user_data);
/* Takes the records read by the load (owned, in any order) into the
 * models and the index, newest first, in one splice each. */
void      _ks_library_take_loaded        (KsLibrary    *self,
                                          GPtrArray    *records);

G_END_DECLS
