#define G_LOG_DOMAIN "ks-library"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ks-library-private.h"
#include "ks-record-private.h"

/* Several processes on one library: the app and any number of kontext-cli
 * runs. Each KsLibrary has an id (a random UUID) and, from its first load
 * or write, holds flock (LOCK_EX) on locks/<id>.lock until it is
 * finalized. The kernel lets go of it when the process dies, however it
 * dies, so a lock that can be taken is a dead owner's.
 *
 * Records this library follows (a job of this process is attached) carry
 * "owner": <id> while unfinished; a finished record, or one whose run
 * stopped short (saved once its job let go of it), has no owner. At load,
 * an unfinished record whose owner is alive elsewhere is left exactly as
 * it is, and resume skips it; once its owner is gone the next load or
 * resume takes it up as any other.
 *
 * Temporary files of the atomic writes carry the writer's id in their
 * name (".<name>.<id>.XXXXXX"): at load, one is removed only when its
 * owner is dead (or, for a name without an id, when it is older than
 * TEMP_MAX_AGE), so another live process's write in flight is never cut
 * short. */

#define LOCKS_FOLDER "locks"
#define LOCK_SUFFIX ".lock"
#define UUID_LENGTH 36
/* A temporary file without an owner's id, or a lock file that never got
 * its name, is a leftover once this old. */
#define TEMP_MAX_AGE (10 * 60)

void
_ks_library_lock_init (KsLibrary *self)
{
  self->owner_id = g_uuid_string_random ();
  self->lock_fd = -1;
  g_mutex_init (&self->lock_mutex);
}

void
_ks_library_lock_release (KsLibrary *self)
{
  if (self->lock_fd >= 0)
    {
      g_autofree char *name = g_strconcat (self->owner_id, LOCK_SUFFIX, NULL);
      g_autofree char *path = g_build_filename (self->path, LOCKS_FOLDER, name, NULL);

      /* Removed while still held: nobody can mistake it for a dead one. */
      g_unlink (path);
      close (self->lock_fd);
      self->lock_fd = -1;
    }

  g_mutex_clear (&self->lock_mutex);
  g_clear_pointer (&self->owner_id, g_free);
}

const char *
_ks_library_get_owner_id (KsLibrary *self)
{
  return self->owner_id;
}

/* The lock file appears under its name already locked (made under a
 * temporary name, locked, renamed), so a prober never takes the lock of
 * an owner between its open and its flock. */
static gboolean
create_lock (KsLibrary *self)
{
  g_autofree char *dir = g_build_filename (self->path, LOCKS_FOLDER, NULL);
  g_autofree char *temp = NULL;
  g_autofree char *name = g_strconcat (self->owner_id, LOCK_SUFFIX, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    return FALSE;

  temp = g_strdup_printf ("%s/.%s.XXXXXX", dir, name);
  fd = g_mkstemp_full (temp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return FALSE;

  if (flock (fd, LOCK_EX | LOCK_NB) < 0 || g_rename (temp, path) < 0)
    {
      int errsv = errno;

      close (fd);
      g_unlink (temp);
      errno = errsv;
      return FALSE;
    }

  self->lock_fd = fd;

  return TRUE;
}

void
_ks_library_lock_ensure (KsLibrary *self)
{
  g_mutex_lock (&self->lock_mutex);
  if (self->lock_fd < 0 && !self->lock_failed)
    {
      /* Without it, this library's records look like a dead owner's to
       * others: they are taken up as before there were locks. */
      if (!create_lock (self))
        {
          g_debug ("Could not hold a lock in %s/%s: %s", self->path, LOCKS_FOLDER,
                   g_strerror (errno));
          self->lock_failed = TRUE;
        }
    }
  g_mutex_unlock (&self->lock_mutex);
}

/* TRUE when the library @owner is held by a live process (this one's other
 * libraries included). A dead owner's lock file is removed. @cache (owner
 * id → GINT_TO_POINTER (alive + 1)) may be NULL. */
static gboolean
probe_owner (KsLibrary  *self,
             const char *owner,
             GHashTable *cache)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  gboolean alive;
  int fd;

  if (cache != NULL && g_hash_table_contains (cache, owner))
    return GPOINTER_TO_INT (g_hash_table_lookup (cache, owner)) - 1;

  name = g_strconcat (owner, LOCK_SUFFIX, NULL);
  path = g_build_filename (self->path, LOCKS_FOLDER, name, NULL);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    alive = FALSE;                         /* gone: its owner ended */
  else if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    alive = errno == EWOULDBLOCK || errno == EINTR;
  else
    {
      /* Taken: its owner is dead. Removed while held, so that its owner
       * cannot be alive again under that name. */
      alive = FALSE;
      g_unlink (path);
    }
  if (fd >= 0)
    close (fd);

  if (cache != NULL)
    g_hash_table_insert (cache, g_strdup (owner), GINT_TO_POINTER (alive + 1));

  return alive;
}

gboolean
_ks_library_owner_is_other_live (KsLibrary  *self,
                                 const char *owner,
                                 GHashTable *cache)
{
  if (owner == NULL || g_str_equal (owner, self->owner_id) || !g_uuid_string_is_valid (owner))
    return FALSE;

  return probe_owner (self, owner, cache);
}

GHashTable *
_ks_library_owner_cache_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static gboolean
is_old (const char *path)
{
  GStatBuf buf;

  if (g_stat (path, &buf) < 0)
    return FALSE;

  return (gint64) buf.st_mtime < g_get_real_time () / G_USEC_PER_SEC - TEMP_MAX_AGE;
}

void
_ks_library_clean_locks (KsLibrary  *self,
                         GHashTable *cache)
{
  g_autofree char *dir_path = g_build_filename (self->path, LOCKS_FOLDER, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);

      if (name[0] == '.')
        {
          /* A lock that never got its name: its maker died between the
           * two (or is about to rename it, if recent). */
          if (is_old (path))
            g_unlink (path);
          continue;
        }

      if (strlen (name) == UUID_LENGTH + strlen (LOCK_SUFFIX) &&
          g_str_has_suffix (name, LOCK_SUFFIX))
        {
          g_autofree char *owner = g_strndup (name, UUID_LENGTH);

          /* The probe removes a dead owner's file. */
          if (g_uuid_string_is_valid (owner))
            _ks_library_owner_is_other_live (self, owner, cache);
        }
    }
}

char *
_ks_library_temp_template (KsLibrary  *self,
                           const char *dir,
                           const char *base)
{
  return g_strdup_printf ("%s/.%s.%s.XXXXXX", dir, base, self->owner_id);
}

gboolean
_ks_library_temp_is_leftover (KsLibrary  *self,
                              const char *dir_path,
                              const char *name,
                              GHashTable *cache)
{
  g_autofree char *path = g_build_filename (dir_path, name, NULL);
  gsize len = strlen (name);

  /* ".<name>.<owner>.XXXXXX" */
  if (len > 1 + UUID_LENGTH + 8 && name[len - 8 - UUID_LENGTH] == '.')
    {
      g_autofree char *owner = g_strndup (name + len - 7 - UUID_LENGTH, UUID_LENGTH);

      if (g_uuid_string_is_valid (owner))
        return !g_str_equal (owner, self->owner_id) &&
               !_ks_library_owner_is_other_live (self, owner, cache);
    }

  /* Made before temporary files named their owner. */
  return is_old (path);
}

void
_ks_library_stamp_owner (KsLibrary *self,
                         KsRecord  *record)
{
  if (!ks_record_state_is_unfinished (ks_record_get_state (record)))
    {
      g_clear_pointer (&record->owner, g_free);
      return;
    }

  /* Followed here: ours. No longer followed here (a run stopped short):
   * nobody's, for the next resume anywhere. Otherwise the owner it had is
   * kept (a live one elsewhere goes on following it; a dead one's is taken
   * up by whoever resumes it). */
  if (ks_record_get_job (record) != NULL)
    {
      if (g_strcmp0 (record->owner, self->owner_id) != 0)
        {
          g_free (record->owner);
          record->owner = g_strdup (self->owner_id);
        }
    }
  else if (g_strcmp0 (record->owner, self->owner_id) == 0)
    g_clear_pointer (&record->owner, g_free);
}

/**
 * ks_library_is_owned_elsewhere:
 * @self: a library
 * @record: one of its records
 *
 * Whether @record is unfinished and followed by another live library —
 * another process (another window, a kontext-cli run) or another
 * KsLibrary of this one — as found when this library loaded. Such a
 * record is left as it is: neither made UNKNOWN at load nor taken up by
 * ks_library_resume_async(). This library does not watch the disk: the
 * record (and this answer) stay as loaded even after the other process
 * has finished it or ended.
 *
 * Returns: %TRUE for "running in another window"
 */
gboolean
ks_library_is_owned_elsewhere (KsLibrary *self,
                               KsRecord  *record)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (KS_IS_RECORD (record), FALSE);

  return ks_record_get_job (record) == NULL &&
         ks_record_state_is_unfinished (ks_record_get_state (record)) &&
         g_hash_table_contains (self->elsewhere, ks_record_get_id (record));
}
