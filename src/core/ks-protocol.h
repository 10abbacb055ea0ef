#pragma once

#include <json-glib/json-glib.h>

#include "ks-types.h"

G_BEGIN_DECLS

/* Parsed forms of the queue's replies. Parsers take outside data and never
 * trust its shape: a wrong type or a missing member is KS_ERROR_MALFORMED
 * with a message saying which. */

/* ---- Request: where a submitted job lives ---------------------------- */

struct _KsRequest
{
  char *endpoint_id;   /* "fal-ai/flux-pro/kontext" */
  char *request_id;
  char *status_url;    /* as the server named them, or rebuilt by the app-id rule */
  char *response_url;
  char *cancel_url;
};

#define KS_TYPE_REQUEST (ks_request_get_type ())
GType      ks_request_get_type    (void) G_GNUC_CONST;
/* Builds every URL from @base_url by the app-id rule. @endpoint_id must
 * pass ks_request_check_endpoint_id() and @request_id
 * ks_request_id_is_valid(); NULL otherwise. */
KsRequest *ks_request_new         (const char      *base_url,
                                   const char      *endpoint_id,
                                   const char      *request_id);
KsRequest *ks_request_copy        (const KsRequest *self);
void       ks_request_free        (KsRequest       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsRequest, ks_request_free)

/* A request id is put into URLs: it must be a plain token (letters,
 * digits, '-', '_', '.', '~'; at most 128 bytes; never "." or ".."), never
 * anything that could change the path, query or host. */
gboolean   ks_request_id_is_valid (const char      *request_id);
/* An endpoint id goes into URLs too: two or more segments of letters,
 * digits, '-', '_', '.', never "." or "..". KS_ERROR_INVALID_PARAMS otherwise. */
gboolean   ks_request_check_endpoint_id (const char  *endpoint_id,
                                         GError     **error);
/* TRUE when @base_url is fal's own queue host (https://queue.fal.run). */
gboolean   ks_base_url_is_fal     (const char      *base_url);

/* Parses a submit reply. URLs the server names are kept when @base_url is
 * fal's own queue host and they are https URLs on that host (else they are
 * rebuilt); otherwise (a compatible service) every URL is
 * rebuilt under @base_url by the app-id rule, so that no request ever goes
 * to a host other than the configured one. */
KsRequest *ks_request_parse_submit (const char  *base_url,
                                    const char  *endpoint_id,
                                    JsonNode    *root,
                                    int         *queue_position,
                                    GError     **error);

/* ---- Status ----------------------------------------------------------- */

typedef enum
{
  KS_QUEUE_STATE_IN_QUEUE,
  KS_QUEUE_STATE_IN_PROGRESS,
  KS_QUEUE_STATE_COMPLETED,
} KsQueueState;

struct _KsLogEntry
{
  char *message;
  char *timestamp;     /* as sent, ISO 8601 */
  char *level;         /* may be NULL */
  char *source;        /* may be NULL */
};

#define KS_TYPE_LOG_ENTRY (ks_log_entry_get_type ())
GType       ks_log_entry_get_type (void) G_GNUC_CONST;
KsLogEntry *ks_log_entry_new      (const char       *message,
                                   const char       *timestamp,
                                   const char       *level,
                                   const char       *source);
KsLogEntry *ks_log_entry_copy     (const KsLogEntry *self);
void        ks_log_entry_free     (KsLogEntry       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsLogEntry, ks_log_entry_free)

struct _KsStatus
{
  KsQueueState state;
  int          queue_position;    /* -1 when not given */
  GPtrArray   *logs;              /* KsLogEntry, never NULL (may be empty) */
  double       inference_time;    /* seconds, < 0 when not given */
  char        *error;             /* COMPLETED with an error: the failure text, else NULL */
  char        *error_type;        /* e.g. "request_timeout", else NULL */
};

#define KS_TYPE_STATUS (ks_status_get_type ())
GType     ks_status_get_type (void) G_GNUC_CONST;
KsStatus *ks_status_parse    (JsonNode        *root,
                              GError         **error);
KsStatus *ks_status_copy     (const KsStatus  *self);
void      ks_status_free     (KsStatus        *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsStatus, ks_status_free)
const char *ks_queue_state_to_string (KsQueueState state); /* "IN_QUEUE", … */

/* ---- Result ----------------------------------------------------------- */

/* Width and height are advisory (the decoder checks the real pixels): a
 * value that is absent, null, negative or above 65536 reads as 0. A member
 * of the wrong JSON type is KS_ERROR_MALFORMED, like everywhere else. */
struct _KsResultImage
{
  char    *url;            /* https URL or data URI */
  int      width;          /* 0 when not given */
  int      height;
  char    *content_type;   /* may be NULL */
  gboolean has_nsfw_concepts;
};

struct _KsResult
{
  GPtrArray *images;       /* KsResultImage */
  gboolean   has_seed;
  guint64    seed;         /* exact, even above 2^63 */
  char      *prompt;       /* as returned (enhanced prompts differ); may be NULL */
  double     inference_time; /* timings.inference, < 0 when not given */
  JsonNode  *raw;          /* the whole reply, for sidecars */
};

#define KS_TYPE_RESULT_IMAGE (ks_result_image_get_type ())
GType          ks_result_image_get_type (void) G_GNUC_CONST;
KsResultImage *ks_result_image_copy     (const KsResultImage *self);
void           ks_result_image_free     (KsResultImage       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsResultImage, ks_result_image_free)

#define KS_TYPE_RESULT (ks_result_get_type ())
GType     ks_result_get_type (void) G_GNUC_CONST;
KsResult *ks_result_parse    (JsonNode        *root,
                              GError         **error);
KsResult *ks_result_copy     (const KsResult  *self);
void      ks_result_free     (KsResult        *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsResult, ks_result_free)

/* ---- Errors in replies ------------------------------------------------ */

/* Turns a 422 "detail" (an array of {loc, msg, type} or a plain string)
 * into field errors; loc ["body","guidance_scale"] becomes the field
 * "guidance_scale". Sets *content_policy when any entry is of type
 * content_policy_violation. @root may be the whole reply (an object with
 * "detail") or the detail itself. Never NULL: an array of KsFieldError
 * that owns its elements, empty when nothing could be read. */
GPtrArray *ks_parse_validation_detail (JsonNode  *root,
                                       gboolean  *content_policy);

G_END_DECLS
