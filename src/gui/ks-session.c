#define G_LOG_DOMAIN "ks-session"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "ks-gui-enums.h"
#include "ks-session-private.h"

#define DEMO_KEY "demo:simulated"

G_DEFINE_FINAL_TYPE (KsSession, ks_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_CLIENT,
  PROP_LIBRARY,
  PROP_DEMO,
  PROP_KEY_STATE,
  PROP_KEY_MESSAGE,
  PROP_ITEMS,
  PROP_N_RUNNING,
  N_PROPS
};

enum {
  JOB_FINISHED,
  PROBLEM,
  NOTICE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- shared with ks-session-connection.c -------------------------------- */

char *
_ks_session_secure_strdup (const char *text)
{
  SecretValue *value;

  if (text == NULL)
    return NULL;

  value = secret_value_new (text, -1, "text/plain");
  return secret_value_unref_to_password (value, NULL);
}

void
_ks_session_set_api_key (KsSession  *self,
                         const char *key)
{
  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  self->api_key = _ks_session_secure_strdup (key);
  ks_client_set_api_key (self->client, key);
}

void
_ks_session_set_key_state (KsSession  *self,
                           KsKeyState  state,
                           const char *message)
{
  gboolean state_changed = self->key_state != state;
  gboolean message_changed = g_strcmp0 (self->key_message, message) != 0;

  if (message_changed)
    {
      g_free (self->key_message);
      self->key_message = g_strdup (message);
    }
  if (state_changed)
    {
      self->key_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_STATE]);
      _ks_session_maybe_resume (self);
    }
  if (message_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_MESSAGE]);
}

/* The base URL under which keys are kept: NULL stands for fal's queue. */
const char *
_ks_session_key_base_url (KsSession *self)
{
  const char *base_url = ks_client_get_base_url (self->client);

  return ks_base_url_is_fal (base_url) ? NULL : base_url;
}

void
_ks_session_emit_problem (KsSession    *self,
                          const GError *error)
{
  g_signal_emit (self, signals[PROBLEM], 0, error);
}

void
_ks_session_emit_notice (KsSession  *self,
                         const char *text)
{
  g_signal_emit (self, signals[NOTICE], 0, text);
}

void
_ks_session_emit_job_finished (KsSession *self,
                               KsJob     *job)
{
  g_signal_emit (self, signals[JOB_FINISHED], 0, job);
}

void
_ks_session_set_n_running (KsSession *self,
                           guint      n_running)
{
  if (self->n_running == n_running)
    return;

  self->n_running = n_running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
}

/* ---- the client --------------------------------------------------------- */

static KsClient *
session_new_client (KsSession  *self,
                    const char *base_url)
{
  KsClient *client = ks_client_new (base_url);

  /* One way: the settings drive the client, never the reverse. */
  g_settings_bind (self->settings, "auth-scheme", client, "auth-scheme", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "upload-references", client, "upload-references", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "request-timeout", client, "request-timeout", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "queue-priority", client, "priority", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "store-io", client, "store-io", G_SETTINGS_BIND_GET);

  return client;
}

/* Jobs keep the client they started with; a new connection setting gets a
 * new client, so running jobs are never redirected half-way. */
static void
session_replace_client (KsSession *self,
                        KsClient  *client)
{
  g_autoptr(KsClient) old = g_steal_pointer (&self->client);

  self->client = client;

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
  _ks_session_maybe_resume (self);
}

static void
session_apply_base_url (KsSession *self)
{
  g_autofree char *base_url = g_settings_get_string (self->settings, "base-url");
  g_autoptr(GError) error = NULL;

  if (!ks_client_check_base_url (base_url, &error))
    {
      g_debug ("Ignoring the service address setting: %s", error->message);
      g_clear_pointer (&base_url, g_free);
      base_url = g_strdup (KS_DEFAULT_BASE_URL);
    }

  if (self->client != NULL && g_strcmp0 (ks_client_get_base_url (self->client), base_url) == 0)
    return;

  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  session_replace_client (self, session_new_client (self, base_url));
}

static void
on_base_url_changed (KsSession  *self,
                     const char *key,
                     GSettings  *settings)
{
  if (self->demo || self->overridden)
    return;

  session_apply_base_url (self);
  /* Keys are kept per service. */
  ks_session_load_key (self);
}

/* ---- demo and explicit services ----------------------------------------- */

gboolean
ks_session_start_demo (KsSession  *self,
                       GError    **error)
{
  g_autoptr(KsClient) client = NULL;

  g_return_val_if_fail (KS_IS_SESSION (self), FALSE);

  if (self->demo)
    return TRUE;

  if (self->sim_server == NULL)
    {
      g_autoptr(KsSimServer) server = ks_sim_server_new ();

      /* Slow enough to watch a job wait and run; two workers so that a
       * third job shows its place in the queue. */
      g_object_set (server,
                    "queue-delay", 800,
                    "run-time", 2500,
                    "log-lines", 4,
                    "workers", 2,
                    NULL);
      if (!ks_sim_server_listen (server, 0, error))
        return FALSE;

      self->sim_server = g_steal_pointer (&server);
    }

  /* What the library writes for it is marked simulated, and expires
   * when a later run finds it unfinished. */
  ks_library_set_demo_base_url (self->library, ks_sim_server_get_base_url (self->sim_server));

  if (self->lookup_cancellable != NULL)
    g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  client = session_new_client (self, ks_sim_server_get_base_url (self->sim_server));
  ks_client_set_api_key (client, DEMO_KEY);
  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  self->api_key = _ks_session_secure_strdup (DEMO_KEY);
  session_replace_client (self, g_steal_pointer (&client));

  self->demo = TRUE;
  self->overridden = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
  _ks_session_set_key_state (self, KS_KEY_STATE_DEMO, NULL);

  return TRUE;
}

void
ks_session_stop_demo (KsSession *self)
{
  g_return_if_fail (KS_IS_SESSION (self));

  if (!self->demo)
    return;

  /* The simulated service stays up until the session ends: jobs that
   * still run on it finish normally. */
  self->demo = FALSE;
  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  g_clear_object (&self->client);
  session_apply_base_url (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
  ks_session_load_key (self);
}

void
ks_session_use_service (KsSession  *self,
                        const char *base_url,
                        const char *api_key)
{
  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (base_url != NULL);

  if (self->lookup_cancellable != NULL)
    g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  if (self->demo)
    {
      self->demo = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO]);
    }
  self->overridden = TRUE;

  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  g_clear_object (&self->client);
  session_replace_client (self, session_new_client (self, base_url));

  if (api_key != NULL && *api_key != '\0')
    {
      _ks_session_set_api_key (self, api_key);
      _ks_session_set_key_state (self, KS_KEY_STATE_PRESENT, NULL);
    }
  else
    {
      ks_client_set_api_key (self->client, NULL);
      _ks_session_set_key_state (self, KS_KEY_STATE_MISSING, _("No API key is set."));
    }
}

/* ---- getters ------------------------------------------------------------ */

KsSession *
ks_session_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (KS_TYPE_SESSION, "settings", settings, NULL);
}

KsClient *
ks_session_get_client (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  return self->client;
}

KsLibrary *
ks_session_get_library (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  return self->library;
}

GListModel *
ks_session_get_items (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->items);
}

gboolean
ks_session_get_demo (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), FALSE);
  return self->demo;
}

KsKeyState
ks_session_get_key_state (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), KS_KEY_STATE_UNKNOWN);
  return self->key_state;
}

const char *
ks_session_get_key_message (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  return self->key_message;
}

guint
ks_session_get_n_running (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), 0);
  return self->n_running;
}

/* ---- GObject ------------------------------------------------------------ */

static void
ks_session_constructed (GObject *object)
{
  KsSession *self = KS_SESSION (object);

  G_OBJECT_CLASS (ks_session_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new ("io.github.kontextstudio.KontextStudio");

  session_apply_base_url (self);
  g_signal_connect_object (self->settings, "changed::base-url",
                           G_CALLBACK (on_base_url_changed), self,
                           G_CONNECT_SWAPPED);

  _ks_session_init_library (self);
}

static void
ks_session_dispose (GObject *object)
{
  KsSession *self = KS_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->lookup_cancellable != NULL)
    g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  _ks_session_dispose_library (self);

  G_OBJECT_CLASS (ks_session_parent_class)->dispose (object);
}

static void
ks_session_finalize (GObject *object)
{
  KsSession *self = KS_SESSION (object);

  g_clear_object (&self->items);
  g_clear_object (&self->library);
  g_clear_pointer (&self->running_jobs, g_hash_table_unref);
  g_clear_error (&self->load_problem);
  g_clear_object (&self->client);
  g_clear_object (&self->sim_server);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  g_clear_pointer (&self->key_message, g_free);

  G_OBJECT_CLASS (ks_session_parent_class)->finalize (object);
}

static void
ks_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsSession *self = KS_SESSION (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_LIBRARY:
      g_value_set_object (value, self->library);
      break;

    case PROP_DEMO:
      g_value_set_boolean (value, self->demo);
      break;

    case PROP_KEY_STATE:
      g_value_set_enum (value, self->key_state);
      break;

    case PROP_KEY_MESSAGE:
      g_value_set_string (value, self->key_message);
      break;

    case PROP_ITEMS:
      g_value_set_object (value, self->items);
      break;

    case PROP_N_RUNNING:
      g_value_set_uint (value, self->n_running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_session_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KsSession *self = KS_SESSION (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_session_class_init (KsSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_session_constructed;
  object_class->dispose = ks_session_dispose;
  object_class->finalize = ks_session_finalize;
  object_class->get_property = ks_session_get_property;
  object_class->set_property = ks_session_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         KS_TYPE_CLIENT,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LIBRARY] =
    g_param_spec_object ("library", NULL, NULL,
                         KS_TYPE_LIBRARY,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DEMO] =
    g_param_spec_boolean ("demo", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KEY_STATE] =
    g_param_spec_enum ("key-state", NULL, NULL,
                       KS_TYPE_KEY_STATE, KS_KEY_STATE_UNKNOWN,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KEY_MESSAGE] =
    g_param_spec_string ("key-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_ITEMS] =
    g_param_spec_object ("items", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[JOB_FINISHED] =
    g_signal_new ("job-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, KS_TYPE_JOB);
  signals[PROBLEM] =
    g_signal_new ("problem",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[NOTICE] =
    g_signal_new ("notice",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ks_session_init (KsSession *self)
{
  self->running_jobs = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->cancellable = g_cancellable_new ();
  self->key_state = KS_KEY_STATE_UNKNOWN;
}
