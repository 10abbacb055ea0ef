#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_ERROR (ks_error_quark ())

/* Every failure class an artist or a script can act on has its own code.
 * Messages are written for people: what happened and what to do. They
 * never contain the API key. */
typedef enum
{
  KS_ERROR_INVALID_PARAMS,      /* our own validation, before anything is sent */
  KS_ERROR_NO_KEY,              /* no key in the keyring nor in FAL_KEY */
  KS_ERROR_KEYRING,             /* Secret Service missing, locked or not answering */
  KS_ERROR_UNAUTHORIZED,        /* 401: the key was refused */
  KS_ERROR_FORBIDDEN,           /* 403: account locked, balance exhausted (fal's words kept) */
  KS_ERROR_VALIDATION,          /* 422 with field details */
  KS_ERROR_CONTENT_POLICY,      /* 422 content_policy_violation */
  KS_ERROR_RATE_LIMITED,        /* 429 after retries */
  KS_ERROR_SERVER,              /* 5xx after retries */
  KS_ERROR_TIMEOUT,             /* our deadline, or 504 with the user-timeout header */
  KS_ERROR_MALFORMED,           /* a reply we cannot understand */
  KS_ERROR_EXPIRED,             /* 404 for a request that had completed: the result is gone */
  KS_ERROR_NOT_FOUND,           /* 404 for an unknown request id */
  KS_ERROR_BAD_IMAGE,           /* bytes that do not decode as an image */
  KS_ERROR_TOO_LARGE,           /* over a byte or pixel cap */
  KS_ERROR_UNSUPPORTED_FORMAT,  /* an image format we cannot read */
  KS_ERROR_NETWORK,             /* connection refused, reset, DNS, offline */
  KS_ERROR_FAILED,              /* COMPLETED with an error, or another model failure */
  KS_ERROR_CANCELLED,           /* the request was cancelled on the server */
  KS_ERROR_ALREADY_COMPLETED,   /* cancel arrived after completion */
  KS_ERROR_INSECURE,            /* plain http to a host that is not loopback */
  KS_ERROR_IO,                  /* a local file could not be read or written */
} KsError;

GQuark      ks_error_quark        (void);
const char *ks_error_code_nick    (int           code);
gboolean    ks_error_is_transient (const GError *error);

G_END_DECLS
