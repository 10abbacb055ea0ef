#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An incremental text/event-stream parser (the WHATWG rules: lines ending
 * in LF, CR or CRLF; "data:" lines joined by LF; comments ignored; an event
 * dispatched at a blank line). Feed it bytes as they arrive, in chunks of
 * any size; a line longer than @max_line bytes is an error, and so is the
 * data of one event growing past @max_line bytes, so that a hostile stream
 * cannot make the parser grow without bound. After an error the parser
 * refuses further input. "id" and "retry" fields are accepted and ignored
 * (the queue does not use them). Bytes left at the end of the stream that
 * do not end in a blank line are not an event, as the rules say. */

typedef struct _KsSseParser KsSseParser;

/* Called once per complete event, with its type ("message" when none was
 * given) and its data. A comment line (": ping") calls @comment_func with
 * the text after the colon, one leading space removed ("ping"). Either
 * function may be NULL. */
typedef void (*KsSseEventFunc)   (const char *event_type,
                                  const char *data,
                                  gpointer    user_data);
typedef void (*KsSseCommentFunc) (const char *comment,
                                  gpointer    user_data);

KsSseParser *ks_sse_parser_new   (gsize             max_line,
                                  KsSseEventFunc    event_func,
                                  KsSseCommentFunc  comment_func,
                                  gpointer          user_data);
gboolean     ks_sse_parser_feed  (KsSseParser      *self,
                                  const char       *data,
                                  gsize             length,
                                  GError          **error);
void         ks_sse_parser_free  (KsSseParser      *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSseParser, ks_sse_parser_free)

G_END_DECLS
