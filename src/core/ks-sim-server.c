/* ks-sim-server.c: a fal-compatible queue service on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-sim-server-private.h"
#include "ks-error.h"

/* The object, its properties, listening, and the counters tests read.
 * The rest of the service lives in ks-sim-server-*.c (see the private
 * header for which part does what). */

G_DEFINE_FINAL_TYPE (KsSimServer, ks_sim_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_QUEUE_DELAY,
  PROP_RUN_TIME,
  PROP_WORKERS,
  PROP_LOG_LINES,
  PROP_LOG_WINDOW,
  PROP_PING_INTERVAL,
  PROP_API_KEY,
  PROP_RESULT_TTL,
  PROP_RETRY_AFTER,
  PROP_BASE_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ */
/* Shared by the parts                                                */

GSource *
_ks_sim_server_add_timeout (KsSimServer *self,
                            guint        interval_ms,
                            GSourceFunc  func,
                            gpointer     data)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);

  return source;
}

void
_ks_sim_server_clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

char *
_ks_sim_server_node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);

  return json_generator_to_data (generator, NULL);
}

void
_ks_sim_server_add_string_member (JsonBuilder *builder,
                                  const char  *name,
                                  const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* {"detail":"…","error_type":"…"}, the shape of fal's plain errors. */
char *
_ks_sim_server_detail_json (const char *detail,
                            const char *error_type)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  _ks_sim_server_add_string_member (builder, "detail", detail);
  if (error_type != NULL)
    _ks_sim_server_add_string_member (builder, "error_type", error_type);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return _ks_sim_server_node_to_string (root);
}

/* ------------------------------------------------------------------ */
/* The object                                                          */

static void
ks_sim_server_dispose (GObject *object)
{
  KsSimServer *self = (KsSimServer *) object;

  /* Let go of every open message before the server closes them, so no
   * handler of ours runs on a half-destroyed server. */
  _ks_sim_server_close_streams (self);
  _ks_sim_server_close_writers (self);
  g_clear_list (&self->held, g_object_unref);

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }

  g_queue_clear (&self->queue);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  ks_sim_server_clear_faults (self);

  G_OBJECT_CLASS (ks_sim_server_parent_class)->dispose (object);
}

static void
ks_sim_server_finalize (GObject *object)
{
  KsSimServer *self = (KsSimServer *) object;

  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->completed_times, g_hash_table_unref);
  g_clear_pointer (&self->files, g_hash_table_unref);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);

  G_OBJECT_CLASS (ks_sim_server_parent_class)->finalize (object);
}

static guint *
uint_field (KsSimServer *self,
            guint        prop_id)
{
  switch (prop_id)
    {
    case PROP_QUEUE_DELAY: return &self->queue_delay;
    case PROP_RUN_TIME: return &self->run_time;
    case PROP_WORKERS: return &self->workers;
    case PROP_LOG_LINES: return &self->log_lines;
    case PROP_LOG_WINDOW: return &self->log_window;
    case PROP_PING_INTERVAL: return &self->ping_interval;
    case PROP_RESULT_TTL: return &self->result_ttl;
    case PROP_RETRY_AFTER: return &self->retry_after;
    default: return NULL;
    }
}

static void
ks_sim_server_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsSimServer *self = KS_SIM_SERVER (object);
  guint *field = uint_field (self, prop_id);

  if (field != NULL)
    {
      g_value_set_uint (value, *field);
      return;
    }

  switch (prop_id)
    {
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;

    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sim_server_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KsSimServer *self = KS_SIM_SERVER (object);
  guint *field = uint_field (self, prop_id);

  if (field != NULL)
    {
      if (*field != g_value_get_uint (value))
        {
          *field = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
          if (prop_id == PROP_WORKERS && self->jobs != NULL)
            _ks_sim_server_schedule (self);
        }
      return;
    }

  switch (prop_id)
    {
    case PROP_API_KEY:
      if (g_strcmp0 (self->api_key, g_value_get_string (value)) != 0)
        {
          g_free (self->api_key);
          self->api_key = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
uint_param (const char *name,
            const char *blurb,
            guint       minimum,
            guint       maximum,
            guint       default_value)
{
  return g_param_spec_uint (name, NULL, blurb, minimum, maximum, default_value,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
ks_sim_server_class_init (KsSimServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_sim_server_dispose;
  object_class->finalize = ks_sim_server_finalize;
  object_class->get_property = ks_sim_server_get_property;
  object_class->set_property = ks_sim_server_set_property;

  properties[PROP_QUEUE_DELAY] =
    uint_param ("queue-delay", "Milliseconds a job waits in the queue", 0, G_MAXINT, 300);
  properties[PROP_RUN_TIME] =
    uint_param ("run-time", "Milliseconds a job runs", 0, G_MAXINT, 700);
  properties[PROP_WORKERS] =
    uint_param ("workers", "How many jobs run at once", 1, 1024, 4);
  properties[PROP_LOG_LINES] =
    uint_param ("log-lines", "Log lines emitted while a job runs", 0, 1000, 4);
  properties[PROP_LOG_WINDOW] =
    uint_param ("log-window", "How many of the latest log lines a status carries", 1, 1000, 3);
  properties[PROP_PING_INTERVAL] =
    uint_param ("ping-interval", "Milliseconds between pings on a status stream (0: none)", 0, G_MAXINT, 10000);
  properties[PROP_RESULT_TTL] =
    uint_param ("result-ttl", "Milliseconds a completed request is kept", 1, G_MAXINT, 3600 * 1000);
  properties[PROP_RETRY_AFTER] =
    uint_param ("retry-after", "Seconds sent in Retry-After with a 429", 0, 3600, 1);

  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, "The only key accepted, if set",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, "http://127.0.0.1:PORT once listening",
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_sim_server_init (KsSimServer *self)
{
  self->queue_delay = 300;
  self->run_time = 700;
  self->workers = 4;
  self->log_lines = 4;
  self->log_window = 3;
  self->ping_interval = 10000;
  self->result_ttl = 3600 * 1000;
  self->retry_after = 1;

  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _ks_sim_server_job_free);
  g_queue_init (&self->queue);
  self->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->completed_times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, _ks_sim_server_stored_file_free);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, _ks_sim_server_stored_file_free);
  for (guint i = 0; i < KS_SIM_N_STEPS; i++)
    g_queue_init (&self->faults[i]);
}

KsSimServer *
ks_sim_server_new (void)
{
  return g_object_new (KS_TYPE_SIM_SERVER, NULL);
}

/* Counts each connection once, at its first request. */
static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    KsSimServer       *self)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket == NULL || g_object_get_data (G_OBJECT (socket), "ks-sim-counted") != NULL)
    return;

  g_object_set_data (G_OBJECT (socket), "ks-sim-counted", GINT_TO_POINTER (1));
  self->connections++;
}

gboolean
ks_sim_server_listen (KsSimServer  *self,
                      guint         port,
                      GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  GSList *uris;
  int bound_port = 0;

  g_return_val_if_fail (KS_IS_SIM_SERVER (self), FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  self->context = g_main_context_ref_thread_default ();
  self->soup = soup_server_new ("server-header", "kontext-sim-server ", NULL);
  soup_server_add_handler (self->soup, NULL, _ks_sim_server_handle_request, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);

  if (!soup_server_listen_local (self->soup, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &local_error))
    {
      g_set_error (error, KS_ERROR, KS_ERROR_NETWORK,
                   _("The local service could not listen on port %u: %s"),
                   port, local_error->message);
      g_clear_object (&self->soup);
      return FALSE;
    }

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    bound_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_free (self->base_url);
  self->base_url = g_strdup_printf ("http://127.0.0.1:%d", bound_port);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);

  return TRUE;
}

const char *
ks_sim_server_get_base_url (KsSimServer *self)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), NULL);

  return self->base_url;
}

guint
ks_sim_server_get_request_count (KsSimServer *self,
                                 KsSimStep    step)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);
  g_return_val_if_fail (step < KS_SIM_N_STEPS, 0);

  return self->counts[step];
}

guint
ks_sim_server_get_job_count (KsSimServer *self)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);

  return self->inputs->len;
}

guint
ks_sim_server_get_fault_count (KsSimServer *self,
                               KsSimStep    step)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);
  g_return_val_if_fail (step < KS_SIM_N_STEPS, 0);

  return self->faulted[step];
}

guint
ks_sim_server_get_connection_count (KsSimServer *self)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);

  return self->connections;
}

JsonNode *
ks_sim_server_get_job_input (KsSimServer *self,
                             guint        n)
{
  g_return_val_if_fail (KS_IS_SIM_SERVER (self), NULL);

  if (n >= self->inputs->len)
    return NULL;

  return g_ptr_array_index (self->inputs, n);
}

gint64
ks_sim_server_get_completed_time (KsSimServer *self,
                                  const char  *request_id)
{
  gint64 *completed;

  g_return_val_if_fail (KS_IS_SIM_SERVER (self), 0);
  g_return_val_if_fail (request_id != NULL, 0);

  completed = g_hash_table_lookup (self->completed_times, request_id);

  return completed != NULL ? *completed : 0;
}
