#define G_LOG_DOMAIN "ks-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client-private.h"
#include "ks-core-enums.h"
#include "ks-error.h"

#define USER_AGENT            "KontextStudio/" PACKAGE_VERSION
#define STREAM_READ_TIMEOUT_S 60    /* default: the server pings at least every 15 s */

G_DEFINE_FINAL_TYPE (KsClient, ks_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_STORAGE_URL,
  PROP_AUTH_SCHEME,
  PROP_REQUEST_TIMEOUT,
  PROP_PRIORITY,
  PROP_STORE_IO,
  PROP_UPLOAD_REFERENCES,
  PROP_RETRY_BASE_DELAY,
  PROP_MAX_RETRIES,
  PROP_POLL_INTERVAL,
  PROP_USE_STREAMING,
  PROP_HTTP_TIMEOUT,
  PROP_STREAM_TIMEOUT,
  PROP_MAX_DOWNLOAD_BYTES,
  PROP_NETWORK_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- URLs ------------------------------------------------------------------ */

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* https anywhere, http only to this computer. */
gboolean
_ks_client_check_url (const char  *url,
                      const char  *what,
                      GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri != NULL &&
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
      g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0)
    {
      g_set_error (error, KS_ERROR, KS_ERROR_INSECURE,
                   _("The %s address must start with https://."), what);
      return FALSE;
    }

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      /* Translators: %s is what the address is for, e.g. "service" or "image". */
      g_set_error (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                   _("The %s address is not a valid URL."), what);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  if (g_ascii_strcasecmp (scheme, "http") == 0 && host_is_loopback (host))
    return TRUE;

  g_set_error (error, KS_ERROR, KS_ERROR_INSECURE,
               _("The %s address uses plain http to “%s”. Use https; plain http is only allowed to this computer."),
               what, host);

  return FALSE;
}

gboolean
ks_client_check_base_url (const char  *base_url,
                          GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  if (!_ks_client_check_url (base_url, _("service"), error))
    return FALSE;

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                           _("The service address must not contain a user name, a query or a fragment."));
      return FALSE;
    }

  return TRUE;
}

static int
uri_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;

  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
}

static gboolean
same_origin (const char *a,
             const char *b)
{
  g_autoptr(GUri) ua = g_uri_parse (a, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) ub = g_uri_parse (b, G_URI_FLAGS_NONE, NULL);

  return ua != NULL && ub != NULL &&
         g_uri_get_host (ua) != NULL && g_uri_get_host (ub) != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (ua), g_uri_get_scheme (ub)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (ua), g_uri_get_host (ub)) == 0 &&
         uri_port (ua) == uri_port (ub);
}

char *
_ks_client_url_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup ("?");

  return g_strdup (g_uri_get_host (uri));
}

char *
_ks_client_with_logs_query (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *query = NULL;

  if (uri == NULL)
    return NULL;

  if (g_uri_get_query (uri) != NULL && strstr (g_uri_get_query (uri), "logs=") != NULL)
    return g_strdup (url);

  query = g_uri_get_query (uri) != NULL ? g_strconcat (g_uri_get_query (uri), "&logs=1", NULL)
                                        : g_strdup ("logs=1");

  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                     g_uri_get_host (uri), g_uri_get_port (uri),
                     g_uri_get_path (uri), query, NULL);
}

/* Checks an address that will carry the key: https (or loopback http), and
 * on the configured service, never on a host a reply named. */
gboolean
_ks_client_check_api_url (KsClient    *self,
                          const char  *url,
                          GError     **error)
{
  if (!ks_client_check_base_url (self->base_url, error))
    return FALSE;

  if (!_ks_client_check_url (url, _("request"), error))
    return FALSE;

  if (!same_origin (url, self->base_url) &&
      !(ks_base_url_is_fal (self->base_url) && same_origin (url, KS_DEFAULT_BASE_URL)))
    {
      g_autofree char *host = _ks_client_url_host (url);

      g_set_error (error, KS_ERROR, KS_ERROR_INSECURE,
                   _("The request belongs to another service (%s) than the configured one; the key is not sent there."),
                   host);
      return FALSE;
    }

  return TRUE;
}

/* ---- Sessions ---------------------------------------------------------------- */

static SoupSession *
create_session (KsClient *self,
                gboolean  for_streams)
{
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  SoupSession *session;

  session = g_object_new (SOUP_TYPE_SESSION,
                          "user-agent", USER_AGENT,
                          "max-conns", for_streams ? 256 : 32,
                          "max-conns-per-host", for_streams ? 128 : 12,
                          "timeout", for_streams ? self->stream_timeout : self->http_timeout,
                          "idle-timeout", for_streams ? 0 : 60,
                          NULL);

  /* A proxy from the environment must never intercept loopback. */
  if (uri != NULL && host_is_loopback (g_uri_get_host (uri)))
    soup_session_set_proxy_resolver (session, NULL);

  return session;
}

SoupSession *
_ks_client_get_session (KsClient *self,
                        gboolean  for_streams)
{
  SoupSession **slot = for_streams ? &self->stream_session : &self->session;

  if (*slot == NULL)
    *slot = create_session (self, for_streams);

  return *slot;
}

static void
drop_sessions (KsClient *self)
{
  /* Operations under way keep their own reference. */
  g_clear_object (&self->session);
  g_clear_object (&self->stream_session);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ks_client_finalize (GObject *object)
{
  KsClient *self = (KsClient *) object;

  drop_sessions (self);
  g_clear_object (&self->network_monitor);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_free (self->base_url);
  g_free (self->storage_url);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);

  G_OBJECT_CLASS (ks_client_parent_class)->finalize (object);
}

static void
ks_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsClient *self = KS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_STORAGE_URL:
      g_value_set_string (value, self->storage_url);
      break;
    case PROP_AUTH_SCHEME:
      g_value_set_enum (value, self->auth_scheme);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, self->request_timeout);
      break;
    case PROP_PRIORITY:
      g_value_set_enum (value, self->priority);
      break;
    case PROP_STORE_IO:
      g_value_set_boolean (value, self->store_io);
      break;
    case PROP_UPLOAD_REFERENCES:
      g_value_set_boolean (value, self->upload_references);
      break;
    case PROP_RETRY_BASE_DELAY:
      g_value_set_uint (value, self->retry_base_delay);
      break;
    case PROP_MAX_RETRIES:
      g_value_set_uint (value, self->max_retries);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    case PROP_USE_STREAMING:
      g_value_set_boolean (value, self->use_streaming);
      break;
    case PROP_HTTP_TIMEOUT:
      g_value_set_uint (value, self->http_timeout);
      break;
    case PROP_STREAM_TIMEOUT:
      g_value_set_uint (value, self->stream_timeout);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, ks_client_get_network_monitor (self));
      break;
    case PROP_MAX_DOWNLOAD_BYTES:
      g_value_set_uint64 (value, self->max_download_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define SET_FIELD(field, new_value, prop)               \
  G_STMT_START {                                        \
    if (self->field != (new_value))                     \
      {                                                 \
        self->field = (new_value);                      \
        g_object_notify_by_pspec (object, properties[prop]); \
      }                                                 \
  } G_STMT_END

static void
ks_client_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsClient *self = KS_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      ks_client_set_base_url (self, g_value_get_string (value));
      break;
    case PROP_STORAGE_URL:
      if (g_strcmp0 (self->storage_url, g_value_get_string (value)) != 0)
        {
          g_free (self->storage_url);
          self->storage_url = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_AUTH_SCHEME:
      ks_client_set_auth_scheme (self, g_value_get_enum (value));
      break;
    case PROP_REQUEST_TIMEOUT:
      SET_FIELD (request_timeout, g_value_get_uint (value), PROP_REQUEST_TIMEOUT);
      break;
    case PROP_PRIORITY:
      SET_FIELD (priority, (KsPriority) g_value_get_enum (value), PROP_PRIORITY);
      break;
    case PROP_STORE_IO:
      SET_FIELD (store_io, g_value_get_boolean (value) ? 1 : 0, PROP_STORE_IO);
      break;
    case PROP_UPLOAD_REFERENCES:
      SET_FIELD (upload_references, g_value_get_boolean (value) ? 1 : 0, PROP_UPLOAD_REFERENCES);
      break;
    case PROP_RETRY_BASE_DELAY:
      SET_FIELD (retry_base_delay, g_value_get_uint (value), PROP_RETRY_BASE_DELAY);
      break;
    case PROP_MAX_RETRIES:
      SET_FIELD (max_retries, g_value_get_uint (value), PROP_MAX_RETRIES);
      break;
    case PROP_POLL_INTERVAL:
      SET_FIELD (poll_interval, g_value_get_uint (value), PROP_POLL_INTERVAL);
      break;
    case PROP_USE_STREAMING:
      SET_FIELD (use_streaming, g_value_get_boolean (value) ? 1 : 0, PROP_USE_STREAMING);
      break;
    case PROP_HTTP_TIMEOUT:
      if (self->http_timeout != g_value_get_uint (value))
        {
          self->http_timeout = g_value_get_uint (value);
          drop_sessions (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_STREAM_TIMEOUT:
      if (self->stream_timeout != g_value_get_uint (value))
        {
          self->stream_timeout = g_value_get_uint (value);
          drop_sessions (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_DOWNLOAD_BYTES:
      SET_FIELD (max_download_bytes, g_value_get_uint64 (value), PROP_MAX_DOWNLOAD_BYTES);
      break;
    case PROP_NETWORK_MONITOR:
      ks_client_set_network_monitor (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#undef SET_FIELD

static void
ks_client_class_init (KsClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ks_client_finalize;
  object_class->get_property = ks_client_get_property;
  object_class->set_property = ks_client_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, KS_DEFAULT_BASE_URL, flags);
  properties[PROP_STORAGE_URL] =
    g_param_spec_string ("storage-url", NULL, NULL, NULL, flags);
  properties[PROP_AUTH_SCHEME] =
    g_param_spec_enum ("auth-scheme", NULL, NULL, KS_TYPE_AUTH_SCHEME, KS_AUTH_KEY, flags);
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL, 0, 24 * 3600, 0, flags);
  properties[PROP_PRIORITY] =
    g_param_spec_enum ("priority", NULL, NULL, KS_TYPE_PRIORITY, KS_PRIORITY_DEFAULT, flags);
  properties[PROP_STORE_IO] =
    g_param_spec_boolean ("store-io", NULL, NULL, TRUE, flags);
  properties[PROP_UPLOAD_REFERENCES] =
    g_param_spec_boolean ("upload-references", NULL, NULL, FALSE, flags);
  properties[PROP_RETRY_BASE_DELAY] =
    g_param_spec_uint ("retry-base-delay", NULL, NULL, 0, 60000, 1000, flags);
  properties[PROP_MAX_RETRIES] =
    g_param_spec_uint ("max-retries", NULL, NULL, 0, 20, 5, flags);
  properties[PROP_POLL_INTERVAL] =
    g_param_spec_uint ("poll-interval", NULL, NULL, 10, 60000, 500, flags);
  properties[PROP_USE_STREAMING] =
    g_param_spec_boolean ("use-streaming", NULL, NULL, TRUE, flags);
  properties[PROP_HTTP_TIMEOUT] =
    g_param_spec_uint ("http-timeout", NULL, NULL, 1, 3600, 60, flags);
  properties[PROP_STREAM_TIMEOUT] =
    g_param_spec_uint ("stream-timeout", NULL, NULL, 1, 3600, STREAM_READ_TIMEOUT_S, flags);
  properties[PROP_MAX_DOWNLOAD_BYTES] =
    g_param_spec_uint64 ("max-download-bytes", NULL, NULL, 1024, G_MAXUINT32, 64 * 1024 * 1024, flags);

  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_client_init (KsClient *self)
{
  self->base_url = g_strdup (KS_DEFAULT_BASE_URL);
  self->auth_scheme = KS_AUTH_KEY;
  self->priority = KS_PRIORITY_DEFAULT;
  self->store_io = TRUE;
  self->retry_base_delay = 1000;
  self->max_retries = 5;
  self->poll_interval = 500;
  self->use_streaming = TRUE;
  self->http_timeout = 60;
  self->stream_timeout = STREAM_READ_TIMEOUT_S;
  self->max_download_bytes = 64 * 1024 * 1024;
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

KsClient *
ks_client_new (const char *base_url)
{
  return g_object_new (KS_TYPE_CLIENT,
                       "base-url", base_url != NULL ? base_url : KS_DEFAULT_BASE_URL,
                       NULL);
}

void
ks_client_set_api_key (KsClient   *self,
                       const char *api_key)
{
  g_autofree char *key = NULL;

  g_return_if_fail (KS_IS_CLIENT (self));

  if (api_key != NULL)
    key = g_strstrip (g_strdup (api_key));

  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);

  if (key != NULL && key[0] != '\0')
    {
      /* A header value cannot carry line breaks or other control bytes. */
      for (const char *p = key; *p != '\0'; p++)
        if ((guchar) *p < 0x20 || (guchar) *p == 0x7f)
          {
            g_warning ("Ignoring an API key that contains control characters");
            return;
          }
      self->api_key = g_steal_pointer (&key);
    }
}

gboolean
ks_client_has_api_key (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return self->api_key != NULL;
}

const char *
ks_client_get_base_url (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);

  return self->base_url;
}

void
ks_client_set_base_url (KsClient   *self,
                        const char *base_url)
{
  g_autofree char *value = NULL;
  gsize len;

  g_return_if_fail (KS_IS_CLIENT (self));

  value = g_strdup (base_url != NULL ? base_url : KS_DEFAULT_BASE_URL);
  g_strstrip (value);
  len = strlen (value);
  while (len > 0 && value[len - 1] == '/')
    value[--len] = '\0';

  if (g_strcmp0 (self->base_url, value) == 0)
    return;

  g_free (self->base_url);
  self->base_url = g_steal_pointer (&value);
  drop_sessions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
}

gboolean
ks_client_is_fal_base (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return ks_base_url_is_fal (self->base_url);
}

KsAuthScheme
ks_client_get_auth_scheme (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), KS_AUTH_KEY);

  return self->auth_scheme;
}

void
ks_client_set_auth_scheme (KsClient     *self,
                           KsAuthScheme  scheme)
{
  g_return_if_fail (KS_IS_CLIENT (self));

  if (self->auth_scheme == scheme)
    return;

  self->auth_scheme = scheme;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_SCHEME]);
}

gboolean
ks_client_get_upload_references (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return self->upload_references;
}

gboolean
ks_client_get_use_streaming (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  return self->use_streaming;
}

guint
ks_client_get_poll_interval (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), 500);

  return self->poll_interval;
}

guint
ks_client_get_retry_base_delay (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), 1000);

  return self->retry_base_delay;
}

/* ---- Network --------------------------------------------------------------- */

GNetworkMonitor *
ks_client_get_network_monitor (KsClient *self)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);

  /* Asked for lazily: a client on loopback never needs one. */
  if (self->network_monitor == NULL)
    self->network_monitor = g_object_ref (g_network_monitor_get_default ());

  return self->network_monitor;
}

void
ks_client_set_network_monitor (KsClient        *self,
                               GNetworkMonitor *monitor)
{
  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  self->monitor_explicit = monitor != NULL;

  if (self->network_monitor == monitor)
    return;

  g_set_object (&self->network_monitor, monitor);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK_MONITOR]);
}

gboolean
ks_client_is_online (KsClient *self)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (KS_IS_CLIENT (self), FALSE);

  /* The system's monitor knows nothing useful about this computer's own
   * services: a loopback base is always reachable. A monitor given
   * explicitly is always asked. */
  if (!self->monitor_explicit)
    {
      uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
      if (uri != NULL && host_is_loopback (g_uri_get_host (uri)))
        return TRUE;
    }

  return g_network_monitor_get_network_available (ks_client_get_network_monitor (self));
}

/* ---- Uploads already made -------------------------------------------------- */

const char *
ks_client_lookup_upload (KsClient   *self,
                         const char *sha256)
{
  g_return_val_if_fail (KS_IS_CLIENT (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  return g_hash_table_lookup (self->uploads, sha256);
}

void
ks_client_remember_upload (KsClient   *self,
                           const char *sha256,
                           const char *file_url)
{
  g_return_if_fail (KS_IS_CLIENT (self));
  g_return_if_fail (sha256 != NULL);
  g_return_if_fail (file_url != NULL);

  g_hash_table_replace (self->uploads, g_strdup (sha256), g_strdup (file_url));
}

