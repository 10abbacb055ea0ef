#pragma once

#include "ks-session.h"

G_BEGIN_DECLS

/* Shared by ks-session.c (the object, the client, jobs and items) and
 * ks-session-connection.c (the key and "Test connection"). */

struct _KsSession
{
  GObject       parent_instance;

  GSettings    *settings;
  KsClient     *client;
  GListStore   *items;

  /* Cancelled in dispose: every operation the session started. */
  GCancellable *cancellable;
  /* The key lookup in flight, replaced by a newer one. */
  GCancellable *lookup_cancellable;

  KsSimServer  *sim_server;

  /* The key in use, in non-pageable memory; never logged. */
  char         *api_key;

  KsKeyState    key_state;
  char         *key_message;
  guint         n_running;

  guint         demo : 1;
  /* The client was pointed somewhere by ks_session_use_service(): the
   * base-url setting no longer moves it. */
  guint         overridden : 1;
};

char       *_ks_session_secure_strdup   (const char   *text);
void        _ks_session_set_api_key     (KsSession    *self,
                                         const char   *key);
void        _ks_session_set_key_state   (KsSession    *self,
                                         KsKeyState    state,
                                         const char   *message);
const char *_ks_session_key_base_url    (KsSession    *self);
void        _ks_session_emit_problem    (KsSession    *self,
                                         const GError *error);

G_END_DECLS
