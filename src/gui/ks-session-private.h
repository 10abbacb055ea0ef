#pragma once

#include "ks-gallery-items.h"
#include "ks-session.h"

G_BEGIN_DECLS

/* Shared by ks-session.c (the object and the client), ks-session-jobs.c
 * (the library, its jobs and the gallery items) and ks-session-connection.c
 * (the key and "Test connection"). */

struct _KsSession
{
  GObject       parent_instance;

  GSettings    *settings;
  KsClient     *client;
  KsLibrary    *library;
  KsGalleryItems *items;

  /* Jobs not finished yet, whether submitted here or resumed by the
   * library: a set of references. */
  GHashTable   *running_jobs;
  /* The client the library last resumed with (not a reference; only
   * compared), so that each service resumes once. */
  KsClient     *resumed_client;
  /* A problem the library reported while loading, held until the load
   * tells whether it was a damaged record. */
  GError       *load_problem;
  guint         resume_idle_id;

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

  guint         loading : 1;
  guint         loaded : 1;
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
void        _ks_session_emit_notice     (KsSession    *self,
                                         const char   *text);
void        _ks_session_set_n_running   (KsSession    *self,
                                         guint         n_running);
void        _ks_session_emit_job_finished (KsSession  *self,
                                         KsJob        *job);

/* ks-session-jobs.c */
void        _ks_session_init_library    (KsSession    *self);
void        _ks_session_dispose_library (KsSession    *self);
/* Resumes the library's unfinished jobs once it is loaded and the key
 * state allows it, once per client. */
void        _ks_session_maybe_resume    (KsSession    *self);

G_END_DECLS
