#define G_LOG_DOMAIN "ks-session"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-session-private.h"

/* The key and the connection: looking the key up, storing it, and
 * "Test connection". */

/* The endpoint whose request space "Test connection" asks about. */
#define TEST_ENDPOINT_ID "fal-ai/flux-pro/kontext"

static char *
dup_host (const char *base_url)
{
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  int port;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (base_url);

  port = g_uri_get_port (uri);
  if (port > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), port);

  return g_strdup (g_uri_get_host (uri));
}

/* ---- the key ------------------------------------------------------------ */

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KsSession) self = user_data;
  g_autoptr(GError) error = NULL;
  KsKeySource key_source = KS_KEY_SOURCE_NONE;
  char *key;

  key = ks_credentials_lookup_finish (result, &key_source, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->lookup_cancellable);

  /* The demo or an explicit service took over meanwhile. */
  if (self->demo || self->overridden)
    {
      ks_credentials_free_key (key);
      return;
    }

  if (key != NULL)
    {
      _ks_session_set_api_key (self, key);
      ks_credentials_free_key (key);
      g_debug ("A key was found (%s)",
               key_source == KS_KEY_SOURCE_ENVIRONMENT ? "environment" : "keyring");
      _ks_session_set_key_state (self, KS_KEY_STATE_PRESENT, NULL);
      return;
    }

  g_clear_pointer (&self->api_key, ks_credentials_free_key);
  ks_client_set_api_key (self->client, NULL);

  if (g_error_matches (error, KS_ERROR, KS_ERROR_KEYRING))
    {
      g_autofree char *message =
        g_strdup_printf (_("The keyring could not be reached: %s You can still enter a key; "
                           "it is then used until Kontext Studio closes."),
                         error->message);

      _ks_session_set_key_state (self, KS_KEY_STATE_KEYRING_ERROR, message);
      _ks_session_emit_problem (self, error);
      return;
    }

  _ks_session_set_key_state (self, KS_KEY_STATE_MISSING,
                         error != NULL ? error->message : _("No API key is set."));
}

void
ks_session_load_key (KsSession *self)
{
  g_return_if_fail (KS_IS_SESSION (self));

  if (self->demo)
    return;

  if (self->lookup_cancellable != NULL)
    g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  self->lookup_cancellable = g_cancellable_new ();
  self->overridden = FALSE;

  _ks_session_set_key_state (self, KS_KEY_STATE_LOOKING, NULL);
  ks_credentials_lookup_async (_ks_session_key_base_url (self),
                               0,
                               self->lookup_cancellable,
                               lookup_cb,
                               g_object_ref (self));
}

typedef struct
{
  char *key;
} StoreData;

static void
store_data_free (StoreData *data)
{
  ks_credentials_free_key (data->key);
  g_free (data);
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KsSession *self = g_task_get_source_object (task);
  StoreData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!ks_credentials_store_finish (result, &error) &&
      !g_error_matches (error, KS_ERROR, KS_ERROR_KEYRING))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->lookup_cancellable != NULL)
    g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  _ks_session_set_api_key (self, data->key);

  if (error != NULL)
    {
      /* No keyring: the key still works for this run, and the user is told. */
      g_autofree char *message =
        g_strdup_printf (_("Your key could not be saved in the keyring (%s) "
                           "It is used until Kontext Studio closes."),
                         error->message);

      _ks_session_set_key_state (self, KS_KEY_STATE_PRESENT, message);
      _ks_session_emit_problem (self, error);
    }
  else
    _ks_session_set_key_state (self, KS_KEY_STATE_PRESENT, NULL);

  g_task_return_boolean (task, TRUE);
}

void
ks_session_store_key_async (KsSession           *self,
                            const char          *key,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *trimmed = NULL;
  StoreData *data;

  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_session_store_key_async);

  trimmed = g_strstrip (_ks_session_secure_strdup (key));
  if (*trimmed == '\0')
    {
      ks_credentials_free_key (g_steal_pointer (&trimmed));
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_NO_KEY,
                               _("The key is empty. Paste the key from your fal.ai dashboard."));
      return;
    }

  /* A real key means the real service. */
  if (self->demo)
    ks_session_stop_demo (self);
  self->overridden = FALSE;

  data = g_new0 (StoreData, 1);
  data->key = g_steal_pointer (&trimmed);
  g_task_set_task_data (task, data, (GDestroyNotify) store_data_free);

  ks_credentials_store_async (_ks_session_key_base_url (self), data->key, 0, cancellable,
                              store_cb, g_steal_pointer (&task));
}

gboolean
ks_session_store_key_finish (KsSession     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (KS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- test connection ---------------------------------------------------- */

typedef struct
{
  KsClient *client;
  char     *host;
} TestData;

static void
test_data_free (TestData *data)
{
  g_clear_object (&data->client);
  g_free (data->host);
  g_free (data);
}

static void
test_status_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestData *data = g_task_get_task_data (task);
  g_autoptr(KsStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  status = ks_client_get_status_finish (KS_CLIENT (source), result, &error);

  if (status != NULL)
    {
      /* No service knows a request id made up a moment ago, but an answer
       * is an answer. */
      g_task_return_pointer (task,
                             g_strdup_printf (_("Connected to %s: the service answered and accepted the key."),
                                              data->host),
                             g_free);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (error->domain == KS_ERROR)
    {
      switch ((KsError) error->code)
        {
        case KS_ERROR_NOT_FOUND:
        case KS_ERROR_EXPIRED:
          g_task_return_pointer (task,
                                 g_strdup_printf (_("Connected to %s: the service answered and accepted the key."),
                                                  data->host),
                                 g_free);
          return;

        case KS_ERROR_UNAUTHORIZED:
          g_task_return_new_error (task, KS_ERROR, KS_ERROR_UNAUTHORIZED,
                                   _("%s answered, but refused the key. Check that you copied the whole key "
                                     "from your dashboard, and that the authorization scheme matches the service."),
                                   data->host);
          return;

        case KS_ERROR_FORBIDDEN:
          g_task_return_new_error (task, KS_ERROR, KS_ERROR_FORBIDDEN,
                                   _("%s accepted the key, but the account cannot run jobs: %s"),
                                   data->host, error->message);
          return;

        case KS_ERROR_NETWORK:
        case KS_ERROR_TIMEOUT:
          g_task_return_new_error (task, KS_ERROR, KS_ERROR_NETWORK,
                                   _("Could not reach %s. Check your internet connection and the service address. (%s)"),
                                   data->host, error->message);
          return;

        case KS_ERROR_INVALID_PARAMS:
        case KS_ERROR_NO_KEY:
        case KS_ERROR_KEYRING:
        case KS_ERROR_VALIDATION:
        case KS_ERROR_CONTENT_POLICY:
        case KS_ERROR_RATE_LIMITED:
        case KS_ERROR_SERVER:
        case KS_ERROR_MALFORMED:
        case KS_ERROR_BAD_IMAGE:
        case KS_ERROR_TOO_LARGE:
        case KS_ERROR_UNSUPPORTED_FORMAT:
        case KS_ERROR_FAILED:
        case KS_ERROR_CANCELLED:
        case KS_ERROR_ALREADY_COMPLETED:
        case KS_ERROR_INSECURE:
        case KS_ERROR_IO:
        default:
          break;
        }
    }

  g_task_return_new_error (task, KS_ERROR, KS_ERROR_SERVER,
                           _("%s answered, but not as a fal queue would: %s"),
                           data->host, error->message);
}

void
ks_session_test_connection_async (KsSession           *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(KsRequest) request = NULL;
  g_autofree char *request_id = NULL;
  const char *base_url;
  TestData *data;
  KsAuthScheme scheme;
  KsPriority priority;
  gboolean store_io;

  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_session_test_connection_async);

  base_url = ks_client_get_base_url (self->client);

  if (self->api_key == NULL)
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_NO_KEY,
                               _("No API key is set for this service. Enter your key first."));
      return;
    }

  /* A client of its own: the same connection settings, but no retries, so
   * that an unreachable service is reported at once. */
  g_object_get (self->client,
                "auth-scheme", &scheme,
                "priority", &priority,
                "store-io", &store_io,
                NULL);

  data = g_new0 (TestData, 1);
  data->host = dup_host (base_url);
  data->client = ks_client_new (base_url);
  g_object_set (data->client,
                "auth-scheme", scheme,
                "priority", priority,
                "store-io", store_io,
                "max-retries", 0,
                "http-timeout", 20,
                NULL);
  ks_client_set_api_key (data->client, self->api_key);
  g_task_set_task_data (task, data, (GDestroyNotify) test_data_free);

  request_id = g_uuid_string_random ();
  request = ks_request_new (base_url, TEST_ENDPOINT_ID, request_id);
  if (request == NULL)
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                               _("The service address “%s” cannot be used."), base_url);
      return;
    }

  ks_client_get_status_async (data->client, request, cancellable,
                              test_status_cb, g_steal_pointer (&task));
}

char *
ks_session_test_connection_finish (KsSession     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
