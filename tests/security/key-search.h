#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Looks for a secret in every form it could leak in: as it is, each half
 * of an "id:secret" key that is long enough to matter, percent-encoded,
 * and in base64 (standard and URL-safe, at each of the three alignments
 * it can take inside a longer encoded text). Text is searched raw, and
 * again after inflating every zlib stream found in it (PNG text chunks,
 * each PNG's image data as a whole, anything else compressed). */
typedef struct _KeySearch KeySearch;

KeySearch *key_search_new        (const char  *key);
void       key_search_free       (KeySearch   *self);
/* How many forms are searched. */
guint      key_search_n_forms    (KeySearch   *self);
/* NULL when @data holds no form of the key; else which form, and where. */
char      *key_search_bytes      (KeySearch   *self,
                                  const guint8 *data,
                                  gsize        length);
/* Every regular file under @path, recursively (symbolic links are not
 * followed). Adds "path: form" to @found for each file with a form of the
 * key; returns the number of files read, and their total size in @bytes. */
guint      key_search_tree       (KeySearch   *self,
                                  const char  *path,
                                  GPtrArray   *found,
                                  guint64     *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeySearch, key_search_free)

G_END_DECLS
