#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The API key lives in the Secret Service (the Secret portal inside
 * Flatpak). FAL_KEY in the environment overrides it. A keyring that is
 * missing, locked, or does not answer within @timeout_ms fails with
 * KS_ERROR_KEYRING rather than hanging; no key anywhere is KS_ERROR_NO_KEY.
 * The key is returned in non-pageable memory when possible and must be
 * freed with ks_credentials_free_key(); it is never logged.
 *
 * Keys are kept per service: @base_url NULL means fal's queue
 * (https://queue.fal.run); a trailing slash makes no difference. A
 * @timeout_ms of 0 means KS_CREDENTIALS_DEFAULT_TIMEOUT_MS. Cancelling
 * answers G_IO_ERROR_CANCELLED at once. Clearing a key that is not there
 * succeeds. */

typedef enum
{
  KS_KEY_SOURCE_NONE,
  KS_KEY_SOURCE_ENVIRONMENT,
  KS_KEY_SOURCE_KEYRING,
} KsKeySource;

#define KS_CREDENTIALS_DEFAULT_TIMEOUT_MS 5000

void      ks_credentials_lookup_async   (const char          *base_url,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char     *ks_credentials_lookup_finish  (GAsyncResult        *result,
                                         KsKeySource         *source,
                                         GError             **error);
void      ks_credentials_store_async    (const char          *base_url,
                                         const char          *key,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean  ks_credentials_store_finish   (GAsyncResult        *result,
                                         GError             **error);
void      ks_credentials_clear_async    (const char          *base_url,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean  ks_credentials_clear_finish   (GAsyncResult        *result,
                                         GError             **error);
void      ks_credentials_free_key       (char                *key);

/* "id:secret" keys are shown as "id:••••" and bearer tokens as "••••1234"
 * only where a person must recognise which key is set. */
char     *ks_credentials_describe_key   (const char          *key);

G_END_DECLS
