/* Fuzz target: the status stream (ks_sse_parser_feed), each event read as
 * the client reads it (a status). The same bytes must give the same
 * events, comments and outcome however the network cuts them into
 * chunks: all at once, byte by byte, or in uneven pieces. */
#define G_LOG_DOMAIN "ks-fuzz"

#include "config.h"

#include <string.h>

#include "ks-json.h"
#include "ks-protocol.h"
#include "ks-sse.h"
#include "fuzz-common.h"

#define STREAM_LINE_CAP (1024 * 1024)   /* what the client allows */
#define SMALL_LINE_CAP  64              /* to reach the limits with small inputs */

typedef struct
{
  GString *seen;       /* every event and comment, in order, as text */
  guint    n_events;
} Collected;

static void
on_event (const char *event_type,
          const char *data,
          gpointer    user_data)
{
  Collected *c = user_data;
  g_autoptr(FuzzLeakPause) pause = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (event_type);
  g_assert_nonnull (data);
  g_assert_cmpuint (strlen (event_type), >, 0);

  c->n_events++;
  g_string_append_printf (c->seen, "E%zu:%s%zu:%s", strlen (event_type), event_type,
                          strlen (data), data);

  /* As the client does with each "message" event. */
  if (strcmp (event_type, "message") != 0)
    return;
  pause = fuzz_json_leak_pause (data, strlen (data));
  if (pause != NULL && FUZZ_SKIPS_MALFORMED_JSON)
    return;
  bytes = g_bytes_new_static (data, strlen (data));
  root = ks_json_parse_bytes (bytes, &error);
  if (root != NULL)
    status = ks_status_parse (root, &error);
  if (status == NULL)
    fuzz_assert_ks_error (error);
  else
    g_assert_nonnull (status->logs);
}

static void
on_comment (const char *comment,
            gpointer    user_data)
{
  Collected *c = user_data;

  g_assert_nonnull (comment);
  g_string_append_printf (c->seen, "C%zu:%s", strlen (comment), comment);
}

/* Feeds @data in pieces whose sizes come from @pattern (0: all at once),
 * stopping at the first error. Returns what was seen (each event and
 * comment, length-prefixed), and whether every feed succeeded. */
static GString *
run (const uint8_t *data,
     size_t         size,
     gsize          max_line,
     guint          pattern,
     gboolean      *ok)
{
  Collected c = { g_string_new (NULL), 0 };
  g_autoptr(KsSseParser) parser = ks_sse_parser_new (max_line, on_event, on_comment, &c);
  gsize pos = 0;
  guint32 state = pattern * 2654435761u + (guint32) size;

  *ok = TRUE;
  do
    {
      g_autoptr(GError) error = NULL;
      gsize piece;

      if (pattern == 0)
        piece = size;
      else if (pattern == 1)
        piece = MIN (1, size - pos);
      else
        {
          state = state * 1103515245u + 12345u;
          piece = MIN ((gsize) (state >> 16) % 17 + 1, size - pos);
        }

      /* Copied, so that a read past the piece is caught. */
      {
        g_autofree char *chunk = g_memdup2 (data + pos, piece);

        if (!ks_sse_parser_feed (parser, chunk, piece, &error))
          {
            fuzz_assert_ks_error (error);
            *ok = FALSE;
            g_string_append_c (c.seen, 'X');
            break;
          }
      }
      g_assert_no_error (error);
      pos += piece;
    }
  while (pos < size);

  /* Once failed, it stays failed. */
  if (!*ok)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (ks_sse_parser_feed (parser, "\n\n", 2, &error));
      fuzz_assert_ks_error (error);
    }

  return c.seen;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const gsize caps[] = { STREAM_LINE_CAP, SMALL_LINE_CAP };

  fuzz_init ();

  if (size > 64 * 1024)   /* byte by byte is slow; the stream is read in chunks anyway */
    return 0;

  for (guint i = 0; i < G_N_ELEMENTS (caps); i++)
    {
      g_autoptr(GString) whole = NULL;
      gboolean whole_ok;

      whole = run (data, size, caps[i], 0, &whole_ok);
      for (guint pattern = 1; pattern <= 3; pattern++)
        {
          g_autoptr(GString) pieces = NULL;
          gboolean pieces_ok;

          pieces = run (data, size, caps[i], pattern, &pieces_ok);
          g_assert_cmpint (pieces_ok, ==, whole_ok);
          g_assert_cmpmem (pieces->str, pieces->len, whole->str, whole->len);
        }
    }

  return 0;
}
