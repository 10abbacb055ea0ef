#pragma once

#include <libsoup/soup.h>

#include "ks-core.h"

G_BEGIN_DECLS

#define WAIT_LIMIT_S 30

/* A hostile service on 127.0.0.1 (or on https with @certificate). The
 * first path segment picks what every request under it gets, so a base
 * URL "{base}/{mode}" makes the whole queue protocol misbehave one way:
 *
 *   json        200 application/json, a chunked body that never ends
 *   json-length 200 application/json announcing a 4 GiB Content-Length
 *   error500    500 application/json, a body that never ends
 *   error401    401 application/json, a body that never ends
 *   sse-line    200 text/event-stream, one "data:" line that never ends
 *   sse-total   200 text/event-stream: IN_QUEUE events and long comment
 *               lines, each well under any line cap, forever
 *   image       200 image/png, a body that never ends
 *   redirect    302 to the "to" query parameter, taken literally
 *   hop         /hop/N: 302 to /hop/N+1, forever
 *   small.png   200 image/png, a real 4 × 4 PNG
 *   ok          200 application/json {"status":"IN_QUEUE",…}
 *   echo        the Authorization header repeated back in every text a
 *               reply has: status error and logs (also as a stream), a
 *               500 detail for a POST and for request id "retry", a 422
 *               field message otherwise
 *
 * Every request is recorded: its path and its Authorization header. */
typedef struct
{
  SoupServer *server;
  char       *base_url;        /* http(s)://127.0.0.1:PORT, no slash */
  GPtrArray  *paths;           /* of every request */
  GPtrArray  *authorizations;  /* "" when a request had none */
  guint64     bytes_sent;      /* by endless replies, all of them */
  guint       endless_started;
  guint       endless_finished;  /* cut off by the client, or done */
  GBytes     *chunk;           /* what endless replies repeat */
} Hostile;

Hostile    *hostile_new           (GTlsCertificate  *certificate);
void        hostile_free          (Hostile          *hostile);
/* "{base}/{mode}" */
char       *hostile_url           (Hostile          *hostile,
                                   const char       *mode);
/* The number of requests whose path starts with @prefix. */
guint       hostile_count         (Hostile          *hostile,
                                   const char       *prefix);
/* Iterates until every endless reply was cut off, or fails the test. */
void        hostile_wait_cut_off  (Hostile          *hostile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Hostile, hostile_free)

/* Waiting on the main loop with a deadline instead of hanging. */
void        store_result          (GObject          *object,
                                   GAsyncResult     *result,
                                   gpointer          user_data);
void        wait_for              (GAsyncResult    **result);

/* The resident set of this process, in bytes. */
guint64     resident_bytes        (void);

/* Synchronous wrappers over the client, iterating the main context. */
KsRequest  *do_submit             (KsClient         *client,
                                   GError          **error);
KsStatus   *do_status             (KsClient         *client,
                                   const KsRequest  *request,
                                   GError          **error);
KsStatus   *do_stream             (KsClient         *client,
                                   const KsRequest  *request,
                                   guint            *n_events,
                                   GError          **error);
KsResult   *do_result             (KsClient         *client,
                                   const KsRequest  *request,
                                   GError          **error);
GBytes     *do_download           (KsClient         *client,
                                   const char       *url,
                                   GError          **error);
char       *do_upload             (KsClient         *client,
                                   GError          **error);

/* An error a person can act on: set, in the expected domain and code,
 * with a non-empty message containing @needle (case-insensitive; NULL: any). */
void        assert_error_says     (const GError     *error,
                                   int               code,
                                   const char       *needle);

G_END_DECLS
