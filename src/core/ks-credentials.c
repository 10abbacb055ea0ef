#define G_LOG_DOMAIN "ks-credentials"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "ks-credentials.h"
#include "ks-error.h"

/* The key is kept per service base URL, so that fal's key and a
 * compatible service's token live side by side. Nothing in this file ever
 * prints a key: errors carry libsecret's and D-Bus's words, never a value. */

#define DEFAULT_BASE_URL "https://queue.fal.run"

static const SecretSchema ks_secret_schema = {
  "io.github.kontextstudio.KontextStudio.ApiKey",
  SECRET_SCHEMA_NONE,
  {
    { "base-url", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef struct
{
  GCancellable *cancellable;     /* handed to libsecret; cancelled on timeout */
  GSource      *timeout_source;
  GSource      *cancel_source;   /* follows the caller's cancellable */
  guint         timeout_ms;
  KsKeySource   source;
  gboolean      returned;
} Call;

static void
call_free (Call *call)
{
  if (call->timeout_source != NULL)
    g_source_destroy (call->timeout_source);
  g_clear_pointer (&call->timeout_source, g_source_unref);
  if (call->cancel_source != NULL)
    g_source_destroy (call->cancel_source);
  g_clear_pointer (&call->cancel_source, g_source_unref);
  g_clear_object (&call->cancellable);
  g_free (call);
}

/* A copy in non-pageable memory, freed with ks_credentials_free_key(). */
static char *
secure_strdup (const char *text)
{
  SecretValue *value = secret_value_new (text, -1, "text/plain");

  return secret_value_unref_to_password (value, NULL);
}

static char *
normalize_base_url (const char *base_url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (base_url == NULL || *base_url == '\0')
    base_url = DEFAULT_BASE_URL;

  uri = g_uri_parse (base_url, G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  text = uri != NULL ? g_uri_to_string (uri) : g_strdup (base_url);

  len = strlen (text);
  while (len > 0 && text[len - 1] == '/')
    text[--len] = '\0';

  return g_steal_pointer (&text);
}

static guint
timeout_seconds (guint timeout_ms)
{
  return MAX (1, (timeout_ms + 999) / 1000);
}

/* Only the first outcome counts: a timeout or a cancellation answers at
 * once, and whatever libsecret reports afterwards is dropped. */
static gboolean
call_begin_return (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  if (call->returned)
    return FALSE;

  call->returned = TRUE;
  if (call->timeout_source != NULL)
    g_source_destroy (call->timeout_source);
  if (call->cancel_source != NULL)
    g_source_destroy (call->cancel_source);

  return TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  g_debug ("The keyring did not answer within %u ms", call->timeout_ms);

  if (call_begin_return (task))
    {
      g_cancellable_cancel (call->cancellable);
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_KEYRING,
                               _("The keyring did not answer within %u s. It may be locked "
                                 "behind a prompt nobody can see, or not running. Unlock it, "
                                 "or set FAL_KEY in the environment."),
                               timeout_seconds (call->timeout_ms));
    }

  return G_SOURCE_REMOVE;
}

static gboolean
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  if (call_begin_return (task))
    {
      g_cancellable_cancel (call->cancellable);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The keyring operation was cancelled."));
    }

  return G_SOURCE_REMOVE;
}

static GTask *
call_new (guint                timeout_ms,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task;
  Call *call;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "ks-credentials");

  call = g_new0 (Call, 1);
  call->cancellable = g_cancellable_new ();
  call->timeout_ms = timeout_ms > 0 ? timeout_ms : KS_CREDENTIALS_DEFAULT_TIMEOUT_MS;
  call->source = KS_KEY_SOURCE_NONE;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  return task;
}

/* Arms the deadline and the caller's cancellation, both on the task's
 * main context. The sources hold no reference: call_free() removes them. */
static void
call_arm (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  call->timeout_source = g_timeout_source_new (call->timeout_ms);
  g_task_attach_source (task, call->timeout_source, on_timeout);

  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, call->cancel_source, (GSourceFunc) on_caller_cancelled);
    }
}

static GError *
keyring_error (const GError *error)
{
  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return g_error_new_literal (KS_ERROR, KS_ERROR_KEYRING,
                                _("The keyring is locked. Unlock it (for example in "
                                  "Passwords and Keys), or set FAL_KEY in the environment."));

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_NO_SUCH_OBJECT))
    return g_error_new (KS_ERROR, KS_ERROR_KEYRING,
                        _("The keyring has no default collection to keep the key in (%s). "
                          "Create one in Passwords and Keys, or set FAL_KEY in the environment."),
                        error->message);

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED))
    return g_error_new_literal (KS_ERROR, KS_ERROR_KEYRING,
                                _("No keyring service is running. Start GNOME Keyring (or "
                                  "another Secret Service), or set FAL_KEY in the environment."));

  /* Reaching the session bus failed before any call was made: no
   * DBUS_SESSION_BUS_ADDRESS and nothing to autolaunch, a dead socket, a
   * refused connection. */
  if (error->domain == G_IO_ERROR ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_FILE_NOT_FOUND) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED))
    return g_error_new (KS_ERROR, KS_ERROR_KEYRING,
                        _("The keyring cannot be reached because there is no session "
                          "message bus (%s). Run inside a desktop session, or set FAL_KEY "
                          "in the environment."),
                        error->message);

  return g_error_new (KS_ERROR, KS_ERROR_KEYRING,
                      _("The keyring could not be used (%s). Check it in Passwords and "
                        "Keys, or set FAL_KEY in the environment."),
                      error->message);
}

/* Answers with @error in our words, unless the task has already answered. */
static void
call_return_error (GTask  *task,
                   GError *error)
{
  g_assert (error != NULL);

  if (!call_begin_return (task))
    return;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, keyring_error (error));
  else if (!g_task_return_error_if_cancelled (task))
    /* Cancelled without the caller asking: libsecret shares one pending
     * connection, and an earlier call gave up on it. */
    g_task_return_new_error (task, KS_ERROR, KS_ERROR_KEYRING,
                             _("The keyring did not answer. It may be locked behind a "
                               "prompt nobody can see, or not running. Unlock it, or set "
                               "FAL_KEY in the environment."));
}

/* ---- Lookup ---------------------------------------------------------------- */

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Call *call = g_task_get_task_data (task);
  char *key;

  key = secret_password_lookup_nonpageable_finish (result, &error);

  if (call->returned)
    {
      ks_credentials_free_key (key);
      return;
    }

  if (error != NULL)
    {
      ks_credentials_free_key (key);
      g_debug ("Keyring lookup failed: %s", error->message);
      call_return_error (task, error);
      return;
    }

  call_begin_return (task);

  if (key == NULL || *key == '\0')
    {
      ks_credentials_free_key (key);
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_NO_KEY,
                               _("No API key is set. Add your fal.ai key in Preferences, "
                                 "or set FAL_KEY in the environment."));
      return;
    }

  call->source = KS_KEY_SOURCE_KEYRING;
  g_task_return_pointer (task, key, (GDestroyNotify) ks_credentials_free_key);
}

/**
 * ks_credentials_lookup_async:
 * @base_url: (nullable): the service the key is for; %NULL for fal's queue
 * @timeout_ms: how long the keyring may take; 0 for the default
 *
 * Finds the API key: FAL_KEY when it is set and not empty, else the
 * keyring's entry for @base_url.
 */
void
ks_credentials_lookup_async (const char          *base_url,
                             guint                timeout_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  const char *environment_key;
  Call *call;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = call_new (timeout_ms, cancellable, callback, user_data, ks_credentials_lookup_async);
  call = g_task_get_task_data (task);

  environment_key = g_getenv ("FAL_KEY");
  if (environment_key != NULL && *environment_key != '\0')
    {
      g_debug ("Using the API key from the environment");
      call->returned = TRUE;
      call->source = KS_KEY_SOURCE_ENVIRONMENT;
      g_task_return_pointer (task, secure_strdup (environment_key),
                             (GDestroyNotify) ks_credentials_free_key);
      return;
    }

  url = normalize_base_url (base_url);
  call_arm (task);
  secret_password_lookup (&ks_secret_schema, call->cancellable,
                          lookup_cb, g_object_ref (task),
                          "base-url", url,
                          NULL);
}

/**
 * ks_credentials_lookup_finish:
 * @source: (out) (optional): where the key came from
 *
 * Returns: (transfer full): the key, to be freed with
 *   ks_credentials_free_key(), or %NULL with @error set
 */
char *
ks_credentials_lookup_finish (GAsyncResult  *result,
                              KsKeySource   *source,
                              GError       **error)
{
  char *key;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_credentials_lookup_async, NULL);

  key = g_task_propagate_pointer (G_TASK (result), error);

  if (source != NULL)
    {
      Call *call = g_task_get_task_data (G_TASK (result));

      *source = key != NULL ? call->source : KS_KEY_SOURCE_NONE;
    }

  return key;
}

/* ---- Store ----------------------------------------------------------------- */

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      /* FALSE without an error: the unlock prompt was dismissed, or could
       * not be shown at all. */
      if (error == NULL)
        error = g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "prompt dismissed");
      g_debug ("Keyring store failed: %s", error->message);
      call_return_error (task, error);
      return;
    }

  if (call_begin_return (task))
    g_task_return_boolean (task, TRUE);
}

void
ks_credentials_store_async (const char          *base_url,
                            const char          *key,
                            guint                timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  g_autofree char *label = NULL;
  Call *call;

  g_return_if_fail (key != NULL && *key != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = call_new (timeout_ms, cancellable, callback, user_data, ks_credentials_store_async);
  call = g_task_get_task_data (task);

  url = normalize_base_url (base_url);
  /* Translators: the label of the key in Passwords and Keys; %s is a URL. */
  label = g_strdup_printf (_("Kontext Studio API key for %s"), url);

  call_arm (task);
  secret_password_store (&ks_secret_schema, SECRET_COLLECTION_DEFAULT, label, key,
                         call->cancellable, store_cb, g_object_ref (task),
                         "base-url", url,
                         NULL);
}

gboolean
ks_credentials_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_credentials_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Clear ----------------------------------------------------------------- */

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove, which is fine. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_debug ("Keyring clear failed: %s", error->message);
      call_return_error (task, error);
      return;
    }

  if (call_begin_return (task))
    g_task_return_boolean (task, TRUE);
}

void
ks_credentials_clear_async (const char          *base_url,
                            guint                timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  Call *call;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = call_new (timeout_ms, cancellable, callback, user_data, ks_credentials_clear_async);
  call = g_task_get_task_data (task);

  url = normalize_base_url (base_url);
  call_arm (task);
  secret_password_clear (&ks_secret_schema, call->cancellable,
                         clear_cb, g_object_ref (task),
                         "base-url", url,
                         NULL);
}

gboolean
ks_credentials_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_credentials_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Keys ------------------------------------------------------------------ */

void
ks_credentials_free_key (char *key)
{
  if (key != NULL)
    secret_password_free (key);
}

/**
 * ks_credentials_describe_key:
 *
 * Returns: (transfer full) (nullable): a form of @key that lets a person
 *   tell keys apart without revealing the secret part
 */
char *
ks_credentials_describe_key (const char *key)
{
  const char *colon;
  gsize len;

  if (key == NULL)
    return NULL;

  colon = strchr (key, ':');
  if (colon != NULL)
    {
      /* fal keys are "id:secret": the id is not secret. */
      if (colon == key)
        return g_strdup ("••••");
      return g_strdup_printf ("%.*s:••••", (int) (colon - key), key);
    }

  /* Bearer tokens: the last four characters, when that still leaves most
   * of the token hidden. */
  len = strlen (key);
  if (len >= 12 && g_str_is_ascii (key))
    return g_strdup_printf ("••••%s", key + len - 4);

  return g_strdup ("••••");
}
