#pragma once

#include <gio/gio.h>

#include "ks-core.h"
#include "ks-gallery-item.h"

G_BEGIN_DECLS

typedef enum
{
  KS_KEY_STATE_UNKNOWN,      /* not looked up yet */
  KS_KEY_STATE_LOOKING,      /* asking the keyring */
  KS_KEY_STATE_MISSING,      /* no key anywhere: show the welcome page */
  KS_KEY_STATE_PRESENT,      /* a key is set (keyring or FAL_KEY) */
  KS_KEY_STATE_REFUSED,      /* the service answered 401 */
  KS_KEY_STATE_KEYRING_ERROR,/* the keyring is missing, locked or silent */
  KS_KEY_STATE_DEMO,         /* the built-in simulated service needs no key */
} KsKeyState;

#define KS_TYPE_SESSION (ks_session_get_type ())
G_DECLARE_FINAL_TYPE (KsSession, ks_session, KS, SESSION, GObject)

/* Everything the window shows that is not drawing: the client configured
 * from GSettings and the key, the built-in demo service, and the gallery
 * model. One per application.
 *
 * Properties:
 *   settings     GSettings, construct-only
 *   client       KsClient, follows the connection settings
 *   demo         gboolean: the client points at the built-in simulated service
 *   key-state    KsKeyState
 *   key-message  why the key state is what it is, for a banner (NULL when fine)
 *   library      KsLibrary: ks_library_default_directory(), loaded at start
 *   items        GListModel of KsGalleryItem, newest first, derived from the
 *                library's records (see ks-gallery-items.h)
 *   n-running    jobs not finished yet
 *
 * Signals:
 *   job-finished (KsJob*)   a job reached COMPLETED, FAILED or CANCELLED
 *   problem (GError*)       a setup problem worth a banner or toast: no key,
 *                           bad key, locked account, offline, keyring, or
 *                           the library could not be written (KS_ERROR_IO)
 *   notice (const char*)    something the user asked for turned out in a
 *                           way worth a toast (a cancel that came too late,
 *                           damaged records set aside at load)
 */
KsSession  *ks_session_new                 (GSettings     *settings);
KsClient   *ks_session_get_client          (KsSession     *self);
/* The library the gallery shows and every job writes into. */
KsLibrary  *ks_session_get_library         (KsSession     *self);
GListModel *ks_session_get_items           (KsSession     *self);
gboolean    ks_session_get_demo            (KsSession     *self);
KsKeyState  ks_session_get_key_state       (KsSession     *self);
const char *ks_session_get_key_message     (KsSession     *self);
guint       ks_session_get_n_running       (KsSession     *self);

/* Looks the key up (keyring, FAL_KEY) and sets key-state. */
void        ks_session_load_key            (KsSession     *self);
/* Stores @key in the keyring for the current base URL and uses it. */
void        ks_session_store_key_async     (KsSession     *self,
                                            const char    *key,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean    ks_session_store_key_finish    (KsSession     *self,
                                            GAsyncResult  *result,
                                            GError       **error);
/* Starts the built-in simulated service in-process and points the client
 * at it (no key, no network). */
gboolean    ks_session_start_demo          (KsSession     *self,
                                            GError       **error);
void        ks_session_stop_demo           (KsSession     *self);
/* Points the client at @base_url with @api_key, leaving the settings and
 * the keyring alone (tests, and services chosen for one run). @api_key
 * NULL means none: key-state becomes MISSING. */
void        ks_session_use_service         (KsSession     *self,
                                            const char    *base_url,
                                            const char    *api_key);

/* Submits a copy of @params as a new job, written ahead into the library;
 * a tile appears at position 0 at once. Returns the job (transfer none). */
KsJob      *ks_session_submit              (KsSession     *self,
                                            KsParams      *params);
/* The same, recording that the reference came from image @parent_image of
 * the record @parent_id ("Use as reference"); @parent_id NULL for none. */
KsJob      *ks_session_submit_with_parent  (KsSession     *self,
                                            KsParams      *params,
                                            const char    *parent_id,
                                            guint          parent_image);
/* A sweep: one job per entry of @params (from ks_sweep_make_params()),
 * written ahead into the library as one batch (ks_library_create_batch())
 * and run now; a tile appears for each at once. Returns the jobs
 * (transfer container), whose records share the batch id. */
GPtrArray  *ks_session_submit_sweep        (KsSession     *self,
                                            GPtrArray     *params,
                                            KsSweepKind    kind,
                                            const char    *parent_id,
                                            guint          parent_image);
/* A job whose submit may or may not have reached the service (UNKNOWN),
 * or that failed or expired: a new record with the same parameters and
 * references, run now. The caller has warned that it may bill twice. */
KsJob      *ks_session_resubmit            (KsSession     *self,
                                            KsGalleryItem *item);
/* Submits the item's parameters again; @new_seed draws a new seed;
 * @safety_tolerance > 0 overrides the tolerance. */
KsJob      *ks_session_run_again           (KsSession     *self,
                                            KsGalleryItem *item,
                                            gboolean       new_seed,
                                            int            safety_tolerance);
void        ks_session_cancel              (KsSession     *self,
                                            KsGalleryItem *item);
/* Moves the item's record to the library's trash (every tile of it
 * leaves the gallery); returns the item's position, for undo. */
guint       ks_session_remove              (KsSession     *self,
                                            KsGalleryItem *item);
/* Takes the item's record out of the trash again. */
void        ks_session_restore             (KsSession     *self,
                                            KsGalleryItem *item,
                                            guint          position);

/* Checks the connection with the current settings and key: reaches the
 * service and reports what it found (reachable, key accepted or not) as a
 * sentence. */
void        ks_session_test_connection_async  (KsSession     *self,
                                               GCancellable  *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer       user_data);
char       *ks_session_test_connection_finish (KsSession     *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
