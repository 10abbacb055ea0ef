#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ks-client.h"
#include "ks-sse.h"

G_BEGIN_DECLS

/* Replies read as JSON are capped at this; results, which may hold whole
 * images in sync mode, at max-download-bytes when that is larger. */
#define JSON_REPLY_CAP        (8 * 1024 * 1024)

struct _KsClient
{
  GObject       parent_instance;

  char         *base_url;
  char         *storage_url;
  char         *api_key;
  KsAuthScheme  auth_scheme;
  guint         request_timeout;
  KsPriority    priority;
  guint         retry_base_delay;
  guint         max_retries;
  guint         poll_interval;
  guint         http_timeout;
  guint         stream_timeout;
  guint64       max_download_bytes;
  guint         store_io : 1;
  guint         upload_references : 1;
  guint         use_streaming : 1;
  guint         monitor_explicit : 1;  /* set by ks_client_set_network_monitor() */

  GNetworkMonitor *network_monitor;  /* NULL until asked for: then the default */

  SoupSession  *session;         /* submits, status, results, downloads, uploads */
  SoupSession  *stream_session;  /* long-lived status streams only */
  GHashTable   *uploads;         /* sha256 → file_url */
};

typedef enum
{
  CALL_SUBMIT,
  CALL_STATUS,
  CALL_STREAM,
  CALL_RESULT,
  CALL_CANCEL,
  CALL_DOWNLOAD,
  CALL_UPLOAD_INITIATE,
  CALL_UPLOAD_PUT,
} CallKind;

typedef struct _Call Call;
typedef void (*CallDoneFunc) (GTask *task,
                              Call  *call);

/* One operation: the request, its retries and redirects, and the reply. */
struct _Call
{
  CallKind            kind;
  SoupSession        *session;
  char               *method;
  char               *url;
  char               *host;           /* for messages */
  GBytes             *body;
  char               *body_type;
  char               *accept;
  gboolean            authorize;
  gsize               max_body;
  CallDoneFunc        done;
  guint               attempt;
  guint               redirects;
  gboolean            refused;        /* the last attempt could not connect */

  /* the current attempt */
  SoupMessage        *message;
  GInputStream       *stream;
  GByteArray         *buffer;
  GBytes             *reply;
  guint               status;

  /* per operation */
  char               *endpoint_id;
  char               *base_url;
  int                 queue_position;
  GPtrArray          *field_errors;
  char               *content_type;
  char               *file_url;

  /* streams */
  KsSseParser        *sse;
  KsStatusFunc        func;
  gpointer            func_data;
  GDestroyNotify      func_data_destroy;
  KsStatus           *completed;
  GError             *stream_error;
  guint64             stream_bytes;   /* read so far, against a total cap */
};

/* ks-client.c */
SoupSession *_ks_client_get_session          (KsClient     *self,
                                              gboolean      for_streams);
char        *_ks_client_url_host             (const char   *url);
char        *_ks_client_with_logs_query      (const char   *url);
gboolean     _ks_client_check_url            (const char   *url,
                                              const char   *what,
                                              GError      **error);
gboolean     _ks_client_check_api_url        (KsClient     *self,
                                              const char   *url,
                                              GError      **error);

/* ks-client-call.c */
GTask       *_ks_client_call_new_task        (KsClient            *self,
                                              CallKind             kind,
                                              const char          *method,
                                              const char          *url,
                                              gboolean             authorize,
                                              CallDoneFunc         done,
                                              gpointer             source_tag,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
void         _ks_client_call_start           (GTask        *task);
void         _ks_client_call_start_for_api   (GTask        *task,
                                              const char   *api_url);

/* ks-client-errors.c */
void         _ks_client_call_return_error    (GTask        *task,
                                              GError       *error);
JsonNode    *_ks_client_call_parse_json      (GTask        *task,
                                              Call         *call);
const char  *_ks_client_reply_content_type   (Call         *call);
gboolean     _ks_client_is_json_type         (const char   *content_type);
GError      *_ks_client_http_error           (Call         *call,
                                              gboolean     *transient);
GError      *_ks_client_transport_error      (Call         *call,
                                              const GError *error,
                                              gboolean     *transient,
                                              gboolean     *refused);
GError      *_ks_client_too_large_error      (Call         *call);
void         _ks_client_redact_status        (KsClient     *self,
                                              KsStatus     *status);
char        *_ks_client_redact               (KsClient     *self,
                                              const char   *text);

/* ks-client-stream.c */
void         _ks_client_stream_begin         (GTask        *task);

G_END_DECLS
