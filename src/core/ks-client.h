#pragma once

#include <gio/gio.h>

#include "ks-types.h"
#include "ks-protocol.h"

G_BEGIN_DECLS

#define KS_DEFAULT_BASE_URL    "https://queue.fal.run"
#define KS_DEFAULT_STORAGE_URL "https://rest.fal.ai"

typedef enum
{
  KS_AUTH_KEY,     /* Authorization: Key <key>    (fal) */
  KS_AUTH_BEARER,  /* Authorization: Bearer <key> (compatible services) */
} KsAuthScheme;

typedef enum
{
  KS_PRIORITY_DEFAULT,  /* header not sent */
  KS_PRIORITY_NORMAL,
  KS_PRIORITY_LOW,
} KsPriority;

#define KS_TYPE_CLIENT (ks_client_get_type ())
G_DECLARE_FINAL_TYPE (KsClient, ks_client, KS, CLIENT, GObject)

/* One client per connection setting. It owns two SoupSessions: one for
 * long-lived status streams and one for everything else, so open streams
 * never starve submits, results or downloads of connections.
 *
 * Properties (all notify):
 *   base-url          default KS_DEFAULT_BASE_URL; http only for loopback
 *   storage-url       default: KS_DEFAULT_STORAGE_URL for fal's base, else base-url
 *   auth-scheme       KsAuthScheme
 *   request-timeout   seconds, 0 = header not sent (x-fal-request-timeout)
 *   priority          KsPriority (x-fal-queue-priority)
 *   store-io          gboolean, default TRUE; FALSE sends X-Fal-Store-IO: 0
 *   upload-references gboolean, default FALSE: upload local references through storage
 *   retry-base-delay  milliseconds, default 1000 (tests lower it)
 *   max-retries       default 5 (attempts after the first)
 *   poll-interval     milliseconds, default 500; backs off ×1.5 up to 5 s while nothing changes
 *   use-streaming     gboolean, default TRUE; FALSE polls only
 *   http-timeout      seconds for one ordinary request, default 60
 *   stream-timeout    seconds a status stream may stay silent, default 60
 *                     (then the job is followed by polling)
 *   max-download-bytes default 64 MiB
 *   network-monitor   GNetworkMonitor, default g_network_monitor_get_default();
 *                     tests give their own
 *
 * The key is set with ks_client_set_api_key() and is not a property, so
 * it never shows in a property dump or a log. */
KsClient   *ks_client_new                (const char           *base_url);
void        ks_client_set_api_key        (KsClient             *self,
                                          const char           *api_key);
gboolean    ks_client_has_api_key        (KsClient             *self);
const char *ks_client_get_base_url       (KsClient             *self);
void        ks_client_set_base_url       (KsClient             *self,
                                          const char           *base_url);
gboolean    ks_client_is_fal_base        (KsClient             *self);
KsAuthScheme ks_client_get_auth_scheme   (KsClient             *self);
void        ks_client_set_auth_scheme    (KsClient             *self,
                                          KsAuthScheme          scheme);
gboolean    ks_client_get_upload_references (KsClient          *self);
gboolean    ks_client_get_use_streaming  (KsClient             *self);
guint       ks_client_get_poll_interval  (KsClient             *self);
guint       ks_client_get_retry_base_delay (KsClient           *self);

GNetworkMonitor *ks_client_get_network_monitor (KsClient       *self);
void        ks_client_set_network_monitor (KsClient            *self,
                                          GNetworkMonitor      *monitor);
/* TRUE when a request could go out now: the base URL is on a loopback
 * host, or the network monitor says the network is available. A job that
 * finds it FALSE waits (KS_JOB_STATE_WAITING) until the monitor's
 * "network-changed" says otherwise. The loopback shortcut applies only to
 * the default monitor: a monitor set with ks_client_set_network_monitor()
 * is always asked, whatever the base URL (tests simulate going offline
 * against the local server that way). Setting NULL goes back to the
 * default. */
gboolean    ks_client_is_online          (KsClient             *self);

/* Checks a base URL: https, or http to a loopback host. */
gboolean    ks_client_check_base_url     (const char           *base_url,
                                          GError              **error);

/* POST {base}/{endpoint_id}. Retried only on 429 (honouring Retry-After)
 * or when the connection was refused, i.e. when the request certainly did
 * not reach the server: a submit is never sent twice otherwise. */
void        ks_client_submit_async       (KsClient             *self,
                                          const char           *endpoint_id,
                                          const char           *body_json,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
KsRequest  *ks_client_submit_finish      (KsClient             *self,
                                          GAsyncResult         *result,
                                          int                  *queue_position,
                                          GError              **error);

/* After a failed submit: FALSE when the service certainly did not take
 * the job (it answered with an error status, or could not be reached);
 * TRUE when it may have: the connection broke or went silent after the
 * request went out, or a reply of success could not be read. */
gboolean    ks_client_submit_may_be_queued (KsClient           *self,
                                            GAsyncResult       *result);
/* After a failed submit: the request a reply of success named in its
 * x-fal-request-id header although its body broke off or could not be
 * read (the job is queued: follow it by that id rather than lose it),
 * with its URLs built under the base URL by the app-id rule; NULL when
 * there is none. */
KsRequest  *ks_client_submit_accepted_request (KsClient        *self,
                                               GAsyncResult    *result);

/* GET status_url?logs=1, retrying transient failures (429, 5xx, resets)
 * with exponential backoff and jitter. */
void        ks_client_get_status_async   (KsClient             *self,
                                          const KsRequest      *request,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
KsStatus   *ks_client_get_status_finish  (KsClient             *self,
                                          GAsyncResult         *result,
                                          GError              **error);

/* GET status_url/stream?logs=1 (SSE). @func is called on the main context
 * for every status event; the call completes with the COMPLETED status, or
 * fails (KS_ERROR_NETWORK) when the stream is refused or drops before it,
 * in which case the caller falls back to polling. */
typedef void (*KsStatusFunc) (const KsStatus *status,
                              gpointer        user_data);
void        ks_client_stream_status_async  (KsClient           *self,
                                            const KsRequest    *request,
                                            KsStatusFunc        func,
                                            gpointer            func_data,
                                            GDestroyNotify      func_data_destroy,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
KsStatus   *ks_client_stream_status_finish (KsClient           *self,
                                            GAsyncResult       *result,
                                            GError            **error);

/* GET response_url. 422 becomes KS_ERROR_VALIDATION or
 * KS_ERROR_CONTENT_POLICY with *field_errors (KsFieldError) filled; 404
 * becomes KS_ERROR_EXPIRED (the request was known to have completed);
 * 504 with X-Fal-Request-Timeout-Type: user becomes KS_ERROR_TIMEOUT and is
 * not retried; 400 (not complete yet, or cancelled) becomes KS_ERROR_FAILED
 * with the service's detail. The reply is parsed in a worker thread (sync
 * mode puts whole images in it) and capped at max(8 MiB, max-download-bytes). */
void        ks_client_get_result_async   (KsClient             *self,
                                          const KsRequest      *request,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
KsResult   *ks_client_get_result_finish  (KsClient             *self,
                                          GAsyncResult         *result,
                                          GPtrArray           **field_errors,
                                          GError              **error);

/* PUT cancel_url. TRUE when the server accepted the request (202);
 * KS_ERROR_ALREADY_COMPLETED when it had finished (400). */
void        ks_client_cancel_async       (KsClient             *self,
                                          const KsRequest      *request,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean    ks_client_cancel_finish      (KsClient             *self,
                                          GAsyncResult         *result,
                                          GError              **error);

/* Fetches an image: https (http only on loopback), following redirects,
 * or a data: URI decoded locally. Capped at max-download-bytes (the
 * Content-Length is checked before reading, and the body while reading).
 * Transient failures are retried. */
void        ks_client_download_async     (KsClient             *self,
                                          const char           *url,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
GBytes     *ks_client_download_finish    (KsClient             *self,
                                          GAsyncResult         *result,
                                          char                **content_type,
                                          GError              **error);

/* Storage upload: POST {storage}/storage/upload/initiate?storage_type=fal-cdn-v3
 * then an unauthenticated PUT of the bytes to upload_url. Returns file_url. */
void        ks_client_upload_async       (KsClient             *self,
                                          GBytes               *bytes,
                                          const char           *content_type,
                                          const char           *file_name,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
char       *ks_client_upload_finish      (KsClient             *self,
                                          GAsyncResult         *result,
                                          GError              **error);

/* The file_url a previous upload of content @sha256 produced, or NULL. */
const char *ks_client_lookup_upload      (KsClient             *self,
                                          const char           *sha256);
void        ks_client_remember_upload    (KsClient             *self,
                                          const char           *sha256,
                                          const char           *file_url);

G_END_DECLS
