#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* The hostile corpus: each entry makes one file at run time and says what
 * reference preparation must make of it. */

typedef enum
{
  HOSTILE_REFERENCE,   /* a correct reference */
  HOSTILE_REFUSED,     /* a KS error whose message names the cause */
  HOSTILE_EITHER,      /* a correct reference, or refused for its size */
} HostileExpect;

typedef enum
{
  MARK_NONE,
  MARK_TOP_LEFT,
  MARK_TOP_RIGHT,
  MARK_BOTTOM_RIGHT,
  MARK_BOTTOM_LEFT,
} HostileMark;

typedef struct
{
  const char *dir;     /* where the corpus is written */
  const char *fifo;    /* a named pipe nobody writes to: reading it hangs */
  guint16     port;    /* a local HTTP port that counts connections */
} HostileContext;

typedef struct _HostileEntry HostileEntry;

struct _HostileEntry
{
  const char    *name;          /* the file name, extension included */
  GBytes       *(*make)       (const HostileEntry    *entry,
                               const HostileContext  *context);
  HostileExpect  expect;
  /* Refused: the KS_ERROR code and words of which one must be in the
   * message ("|"-separated, compared without case). */
  int            code;
  const char    *words;
  /* A reference: the size as stored, the size as shown (after EXIF
   * orientation; the reference keeps its aspect), where the red mark
   * must be seen, the other corners being blue; and colours to find. */
  int            stored_width;
  int            stored_height;
  int            shown_width;
  int            shown_height;
  HostileMark    mark;
  const char    *mime_type;     /* what is sent, or NULL for either */
  guint8         mark_rgba[4];  /* the mark's colour */
  guint8         rest_rgba[4];  /* the rest's */
  int            tolerance;     /* per channel; 0: red mark, blue rest, 40 */
  /* The memory the preparation may take, at most (0: 128 MB); and the
   * time, when more than the default (decoding 200 megapixels of PNG
   * takes seconds of inflating alone). */
  guint          max_memory_mb;
  guint          max_seconds;
  /* An optional parameter for the generator. */
  int            param;
};

const HostileEntry *hostile_corpus       (guint *n_entries);

G_END_DECLS
