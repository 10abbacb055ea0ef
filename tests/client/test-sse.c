#include "config.h"

#include <string.h>

#include "ks-error.h"
#include "ks-sse.h"

typedef struct
{
  GPtrArray *events;    /* "type|data" */
  GPtrArray *comments;
} Collected;

static void
collect_event (const char *event_type,
               const char *data,
               gpointer    user_data)
{
  Collected *c = user_data;

  g_ptr_array_add (c->events, g_strdup_printf ("%s|%s", event_type, data));
}

static void
collect_comment (const char *comment,
                 gpointer    user_data)
{
  Collected *c = user_data;

  g_ptr_array_add (c->comments, g_strdup (comment));
}

static void
collected_init (Collected *c)
{
  c->events = g_ptr_array_new_with_free_func (g_free);
  c->comments = g_ptr_array_new_with_free_func (g_free);
}

static void
collected_clear (Collected *c)
{
  g_clear_pointer (&c->events, g_ptr_array_unref);
  g_clear_pointer (&c->comments, g_ptr_array_unref);
}

/* Feeds @text split into pieces of @chunk bytes (0: all at once). */
static gboolean
feed_in_chunks (KsSseParser  *parser,
                const char   *text,
                gsize         chunk,
                GError      **error)
{
  gsize len = strlen (text);
  gsize pos = 0;

  if (chunk == 0)
    return ks_sse_parser_feed (parser, text, len, error);

  while (pos < len)
    {
      gsize n = MIN (chunk, len - pos);

      if (!ks_sse_parser_feed (parser, text + pos, n, error))
        return FALSE;
      pos += n;
    }

  return TRUE;
}

static void
assert_events (Collected          *c,
               const char * const *expected)
{
  guint n = g_strv_length ((char **) expected);

  g_assert_cmpuint (c->events->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (g_ptr_array_index (c->events, i), ==, expected[i]);
}

#define STREAM \
  ": ping\r\n" \
  "data: {\"status\":\"IN_QUEUE\",\"queue_position\":2}\r\n" \
  "\r\n" \
  "event: update\n" \
  "data:first line\n" \
  "data: second line\n" \
  "id: 7\n" \
  "retry: 1000\n" \
  "\n" \
  ":no space comment\r" \
  "data: cr only\r" \
  "\r" \
  "data\n" \
  "\n" \
  "data: {\"status\":\"COMPLETED\"}\n" \
  "\n"

static const char * const stream_events[] = {
  "message|{\"status\":\"IN_QUEUE\",\"queue_position\":2}",
  "update|first line\nsecond line",
  "message|cr only",
  "message|",
  "message|{\"status\":\"COMPLETED\"}",
  NULL
};

/* The server's events must come out the same however the network splits
 * them: at every byte boundary, and with every chunk size. */
static void
test_sse_every_split (void)
{
  gsize len = strlen (STREAM);

  for (gsize split = 0; split <= len; split++)
    {
      g_autoptr(KsSseParser) parser = NULL;
      g_autoptr(GError) error = NULL;
      Collected c;

      collected_init (&c);
      parser = ks_sse_parser_new (1024, collect_event, collect_comment, &c);
      g_assert_true (ks_sse_parser_feed (parser, STREAM, split, &error));
      g_assert_no_error (error);
      g_assert_true (ks_sse_parser_feed (parser, STREAM + split, len - split, &error));
      g_assert_no_error (error);
      assert_events (&c, stream_events);
      g_assert_cmpuint (c.comments->len, ==, 2);
      g_assert_cmpstr (g_ptr_array_index (c.comments, 0), ==, "ping");
      g_assert_cmpstr (g_ptr_array_index (c.comments, 1), ==, "no space comment");
      collected_clear (&c);
    }

  for (gsize chunk = 1; chunk <= 17; chunk++)
    {
      g_autoptr(KsSseParser) parser = NULL;
      g_autoptr(GError) error = NULL;
      Collected c;

      collected_init (&c);
      parser = ks_sse_parser_new (1024, collect_event, collect_comment, &c);
      g_assert_true (feed_in_chunks (parser, STREAM, chunk, &error));
      g_assert_no_error (error);
      assert_events (&c, stream_events);
      collected_clear (&c);
    }
}

/* A CR at the end of one chunk and a LF at the start of the next are one
 * line end, not two (which would dispatch an event too early). */
static void
test_sse_crlf_split (void)
{
  g_autoptr(KsSseParser) parser = NULL;
  Collected c;
  static const char * const expected[] = { "message|a\nb", NULL };

  collected_init (&c);
  parser = ks_sse_parser_new (64, collect_event, NULL, &c);
  g_assert_true (ks_sse_parser_feed (parser, "data: a\r", 8, NULL));
  g_assert_true (ks_sse_parser_feed (parser, "\ndata: b\r", 9, NULL));
  g_assert_cmpuint (c.events->len, ==, 0);
  g_assert_true (ks_sse_parser_feed (parser, "\n\r\n", 3, NULL));
  assert_events (&c, expected);
  collected_clear (&c);
}

/* An event without its closing blank line is never dispatched; a blank
 * line with no data dispatches nothing; a BOM at the start is ignored. */
static void
test_sse_incomplete_and_empty (void)
{
  g_autoptr(KsSseParser) parser = NULL;
  Collected c;
  static const char * const expected[] = { "message|x", NULL };
  const char *text = "\xEF\xBB\xBF" "data: x\n\n\n\nevent: lone\n\ndata: unfinished\n";

  collected_init (&c);
  parser = ks_sse_parser_new (64, collect_event, NULL, &c);
  g_assert_true (feed_in_chunks (parser, text, 1, NULL));
  assert_events (&c, expected);
  collected_clear (&c);
}

/* A line that never ends cannot grow without bound; neither can an event
 * made of many data lines. After an error the parser refuses input. */
static void
test_sse_line_cap (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_line = g_strnfill (100, 'x');
  Collected c;

  collected_init (&c);
  {
    g_autoptr(KsSseParser) parser = ks_sse_parser_new (64, collect_event, NULL, &c);

    /* Exactly at the cap is fine. */
    g_assert_true (ks_sse_parser_feed (parser, "data: ", 6, NULL));
    g_assert_true (ks_sse_parser_feed (parser, long_line, 58, NULL));
    g_assert_true (ks_sse_parser_feed (parser, "\n\n", 2, NULL));
    g_assert_cmpuint (c.events->len, ==, 1);

    /* One past it, in small pieces with no line end, fails. */
    for (guint i = 0; i < 64; i++)
      g_assert_true (ks_sse_parser_feed (parser, "y", 1, NULL));
    g_assert_false (ks_sse_parser_feed (parser, "y", 1, &error));
    g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    g_clear_error (&error);

    g_assert_false (ks_sse_parser_feed (parser, "\n\n", 2, &error));
    g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    g_clear_error (&error);
    g_assert_cmpuint (c.events->len, ==, 1);
  }

  {
    g_autoptr(KsSseParser) parser = ks_sse_parser_new (64, collect_event, NULL, &c);
    gboolean ok = TRUE;

    for (guint i = 0; i < 100 && ok; i++)
      ok = ks_sse_parser_feed (parser, "data: 0123456789\n", 17, &error);
    g_assert_false (ok);
    g_assert_error (error, KS_ERROR, KS_ERROR_MALFORMED);
    g_assert_cmpuint (c.events->len, ==, 1);
  }

  collected_clear (&c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/sse/every-split", test_sse_every_split);
  g_test_add_func ("/sse/crlf-split", test_sse_crlf_split);
  g_test_add_func ("/sse/incomplete-and-empty", test_sse_incomplete_and_empty);
  g_test_add_func ("/sse/line-cap", test_sse_line_cap);

  return g_test_run ();
}
