#define G_LOG_DOMAIN "ks-error"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-error.h"

G_DEFINE_QUARK (ks-error-quark, ks_error)

const char *
ks_error_code_nick (int code)
{
  static const char * const nicks[] = {
    [KS_ERROR_INVALID_PARAMS] = "invalid-params",
    [KS_ERROR_NO_KEY] = "no-key",
    [KS_ERROR_KEYRING] = "keyring",
    [KS_ERROR_UNAUTHORIZED] = "unauthorized",
    [KS_ERROR_FORBIDDEN] = "forbidden",
    [KS_ERROR_VALIDATION] = "validation",
    [KS_ERROR_CONTENT_POLICY] = "content-policy",
    [KS_ERROR_RATE_LIMITED] = "rate-limited",
    [KS_ERROR_SERVER] = "server",
    [KS_ERROR_TIMEOUT] = "timeout",
    [KS_ERROR_MALFORMED] = "malformed",
    [KS_ERROR_EXPIRED] = "expired",
    [KS_ERROR_NOT_FOUND] = "not-found",
    [KS_ERROR_BAD_IMAGE] = "bad-image",
    [KS_ERROR_TOO_LARGE] = "too-large",
    [KS_ERROR_UNSUPPORTED_FORMAT] = "unsupported-format",
    [KS_ERROR_NETWORK] = "network",
    [KS_ERROR_FAILED] = "failed",
    [KS_ERROR_CANCELLED] = "cancelled",
    [KS_ERROR_ALREADY_COMPLETED] = "already-completed",
    [KS_ERROR_INSECURE] = "insecure",
    [KS_ERROR_IO] = "io",
  };

  if (code < 0 || code >= (int) G_N_ELEMENTS (nicks) || nicks[code] == NULL)
    return "unknown";

  return nicks[code];
}

/* Worth another attempt later without changing anything. */
gboolean
ks_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != KS_ERROR)
    return FALSE;

  switch ((KsError) error->code)
    {
    case KS_ERROR_RATE_LIMITED:
    case KS_ERROR_SERVER:
    case KS_ERROR_NETWORK:
      return TRUE;

    case KS_ERROR_INVALID_PARAMS:
    case KS_ERROR_NO_KEY:
    case KS_ERROR_KEYRING:
    case KS_ERROR_UNAUTHORIZED:
    case KS_ERROR_FORBIDDEN:
    case KS_ERROR_VALIDATION:
    case KS_ERROR_CONTENT_POLICY:
    case KS_ERROR_TIMEOUT:
    case KS_ERROR_MALFORMED:
    case KS_ERROR_EXPIRED:
    case KS_ERROR_NOT_FOUND:
    case KS_ERROR_BAD_IMAGE:
    case KS_ERROR_TOO_LARGE:
    case KS_ERROR_UNSUPPORTED_FORMAT:
    case KS_ERROR_FAILED:
    case KS_ERROR_CANCELLED:
    case KS_ERROR_ALREADY_COMPLETED:
    case KS_ERROR_INSECURE:
    case KS_ERROR_IO:
    default:
      return FALSE;
    }
}
