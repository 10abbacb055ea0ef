/* ks-sim-server-routes.c: HTTP routing, auth and the queue API replies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "ks-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ks-sim-server-private.h"
#include "ks-core-enums.h"
#include "ks-json.h"

#define KONTEXT_PREFIX "fal-ai/flux-pro/kontext"

/* The request's body as a JSON object; NULL if it is empty or not one. */
JsonNode *
_ks_sim_server_read_json_object (SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonNode) root = NULL;

  if (g_bytes_get_size (body) > 0)
    root = ks_json_parse_bytes (body, NULL);

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return g_steal_pointer (&root);
}

static gboolean
query_flag (GHashTable *query,
            const char *name)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  return value != NULL &&
         (g_str_equal (value, "1") || g_ascii_strcasecmp (value, "true") == 0);
}

static gboolean
check_auth (KsSimServer       *self,
            SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *header;
  const char *key = NULL;

  if (self->api_key == NULL || *self->api_key == '\0')
    return TRUE;

  header = soup_message_headers_get_one (headers, "Authorization");
  if (header != NULL)
    {
      if (g_ascii_strncasecmp (header, "Key ", 4) == 0)
        key = header + 4;
      else if (g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
        key = header + 7;
    }

  while (key != NULL && *key == ' ')
    key++;

  return key != NULL && g_str_equal (key, self->api_key);
}

static void
handle_submit (KsSimServer       *self,
               SoupServerMessage *msg,
               const char        *endpoint_id,
               KsSimFault         fault)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *text = NULL;
  const char *timeout;
  gboolean low_priority;
  Job *job;
  KsMode mode = KS_MODE_EDIT;

  if (!g_str_has_prefix (endpoint_id, KONTEXT_PREFIX) ||
      (endpoint_id[strlen (KONTEXT_PREFIX)] != '\0' &&
       endpoint_id[strlen (KONTEXT_PREFIX)] != '/'))
    {
      g_autofree char *detail = g_strdup_printf ("Application '%s' not found", endpoint_id);

      _ks_sim_server_respond_detail (self, msg, 404, detail, KS_SIM_FAULT_NONE);
      return;
    }

  if (g_str_has_suffix (endpoint_id, "/text-to-image"))
    mode = KS_MODE_TEXT_TO_IMAGE;
  else if (g_str_has_suffix (endpoint_id, "/multi"))
    mode = KS_MODE_MULTI;

  input = _ks_sim_server_read_json_object (msg);
  if (input == NULL)
    {
      g_autoptr(JsonArray) details = json_array_new ();

      _ks_sim_server_add_detail (details, NULL, "Input should be a valid dictionary or object to extract fields from",
                                 "model_attributes_type", NULL);
      text = _ks_sim_server_details_json (details);
      _ks_sim_server_respond_text (self, msg, 422, text, KS_SIM_FAULT_NONE);
      return;
    }

  low_priority = g_strcmp0 (soup_message_headers_get_one (request_headers, "x-fal-queue-priority"), "low") == 0;
  timeout = soup_message_headers_get_one (request_headers, "x-fal-request-timeout");
  job = _ks_sim_server_job_submit (self, endpoint_id, mode, input, low_priority,
                                   timeout != NULL ? g_ascii_strtod (timeout, NULL) : 0);

  g_debug ("accepted %s for %s", job->id, endpoint_id);

  reply = _ks_sim_server_job_status_node (self, job, FALSE);
  json_object_remove_member (json_node_get_object (reply), "logs");
  text = _ks_sim_server_node_to_string (reply);
  _ks_sim_server_set_request_id (msg, job->id);
  _ks_sim_server_respond_text (self, msg, 200, text, fault);
}

static Job *
lookup_job (KsSimServer       *self,
            SoupServerMessage *msg,
            const char        *owner,
            const char        *alias,
            const char        *id)
{
  Job *job = g_hash_table_lookup (self->jobs, id);
  g_autofree char *root = g_strdup_printf ("%s/%s", owner, alias);

  if (job == NULL || !g_str_equal (job->app_root, root))
    {
      _ks_sim_server_respond_detail (self, msg, 404, "Request not found", KS_SIM_FAULT_NONE);
      return NULL;
    }

  return job;
}

static void
handle_result (KsSimServer       *self,
               SoupServerMessage *msg,
               Job               *job,
               KsSimFault         fault)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  _ks_sim_server_set_request_id (msg, job->id);

  if (job->state != JOB_COMPLETED)
    {
      _ks_sim_server_respond_detail (self, msg, 400, "Request is still in progress", fault);
      return;
    }

  if (job->error_type != NULL && g_str_equal (job->error_type, "request_cancelled"))
    {
      g_autofree char *text = _ks_sim_server_detail_json (DETAIL_CANCELLED, "request_cancelled");

      soup_message_headers_replace (headers, "X-Fal-Error-Type", "request_cancelled");
      _ks_sim_server_respond_text (self, msg, 400, text, fault);
      return;
    }

  if (job->result_status == 504)
    soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
  if (job->result_error_type != NULL)
    soup_message_headers_replace (headers, "X-Fal-Error-Type", job->result_error_type);

  _ks_sim_server_respond_text (self, msg, job->result_status, job->result_body, fault);
}

static void
handle_cancel (KsSimServer       *self,
               SoupServerMessage *msg,
               Job               *job,
               KsSimFault         fault)
{
  _ks_sim_server_set_request_id (msg, job->id);

  if (job->state == JOB_COMPLETED)
    {
      _ks_sim_server_respond_text (self, msg, 400, "{\"status\":\"ALREADY_COMPLETED\"}", fault);
      return;
    }

  _ks_sim_server_job_complete (self, job, DETAIL_CANCELLED, "request_cancelled");
  _ks_sim_server_respond_text (self, msg, 202, "{\"status\":\"CANCELLATION_REQUESTED\"}", fault);
}

static void
handle_plan (KsSimServer       *self,
             SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *plan = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_autoptr(GError) error = NULL;

  if (!ks_sim_server_load_plan (self, plan, &error))
    {
      _ks_sim_server_respond_detail (self, msg, 400, error->message, KS_SIM_FAULT_NONE);
      return;
    }

  _ks_sim_server_respond_text (self, msg, 200, "{\"status\":\"OK\"}", KS_SIM_FAULT_NONE);
}

/* GET /_sim/stats: the counters, for tests that drive the standalone
 * program from another process. */
static void
handle_stats (KsSimServer       *self,
              SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GEnumClass *klass = g_type_class_ref (KS_TYPE_SIM_STEP);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "requests");
  json_builder_begin_object (builder);
  for (guint i = 0; i < KS_SIM_N_STEPS; i++)
    {
      GEnumValue *value = g_enum_get_value (klass, i);
      const char *nick = value->value_nick;

      if (g_str_has_prefix (nick, "step-"))
        nick += strlen ("step-");
      json_builder_set_member_name (builder, nick);
      json_builder_add_int_value (builder, self->counts[i]);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "jobs");
  json_builder_add_int_value (builder, self->inputs->len);
  json_builder_set_member_name (builder, "connections");
  json_builder_add_int_value (builder, self->connections);

  /* How many accepted jobs asked for each prompt: a harness that gives
   * every job its own prompt sees a duplicate submit at once. */
  json_builder_set_member_name (builder, "prompts");
  json_builder_begin_object (builder);
  {
    g_autoptr(GHashTable) prompts = g_hash_table_new (g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer key, value;

    for (guint i = 0; i < self->inputs->len; i++)
      {
        JsonNode *input = g_ptr_array_index (self->inputs, i);
        const char *prompt = NULL;

        if (JSON_NODE_HOLDS_OBJECT (input))
          prompt = json_object_get_string_member_with_default (json_node_get_object (input), "prompt", NULL);
        if (prompt == NULL)
          continue;
        g_hash_table_insert (prompts, (gpointer) prompt,
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (prompts, prompt)) + 1));
      }
    g_hash_table_iter_init (&iter, prompts);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        json_builder_set_member_name (builder, key);
        json_builder_add_int_value (builder, GPOINTER_TO_UINT (value));
      }
  }
  json_builder_end_object (builder);

  /* Where each job known now stands, for harnesses that act at a step. */
  json_builder_set_member_name (builder, "job_states");
  json_builder_begin_array (builder);
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->jobs);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        Job *job = value;
        const char *prompt = NULL;
        static const char * const names[] = { "queued", "running", "completed" };

        if (job->input != NULL && JSON_NODE_HOLDS_OBJECT (job->input))
          prompt = json_object_get_string_member_with_default (json_node_get_object (job->input), "prompt", NULL);
        json_builder_begin_object (builder);
        _ks_sim_server_add_string_member (builder, "id", job->id);
        json_builder_set_member_name (builder, "prompt");
        if (prompt != NULL)
          json_builder_add_string_value (builder, prompt);
        else
          json_builder_add_null_value (builder);
        _ks_sim_server_add_string_member (builder, "state", names[job->state]);
        /* When it became COMPLETED, in monotonic µs (CLOCK_MONOTONIC, the
         * same clock in every process): benchmarks measure from it. */
        json_builder_set_member_name (builder, "completed_us");
        json_builder_add_int_value (builder, job->state == JOB_COMPLETED ? job->completed_us : 0);
        json_builder_end_object (builder);
      }
  }
  json_builder_end_array (builder);

  json_builder_end_object (builder);
  g_type_class_unref (klass);

  root = json_builder_get_root (builder);
  text = _ks_sim_server_node_to_string (root);
  _ks_sim_server_respond_text (self, msg, 200, text, KS_SIM_FAULT_NONE);
}

static void
method_not_allowed (KsSimServer       *self,
                    SoupServerMessage *msg)
{
  _ks_sim_server_respond_detail (self, msg, 405, "Method Not Allowed", KS_SIM_FAULT_NONE);
}

/* Every request comes here: which step it is, its fault, auth, then the
 * handler. Control requests (/_sim/…) count as no step and take no fault. */
void
_ks_sim_server_handle_request (SoupServer        *server,
                               SoupServerMessage *msg,
                               const char        *path,
                               GHashTable        *query,
                               gpointer           user_data)
{
  KsSimServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_auto(GStrv) raw = g_strsplit (path, "/", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) seg = NULL;
  guint n;
  KsSimStep step = KS_SIM_N_STEPS;
  KsSimFault fault = KS_SIM_FAULT_NONE;
  gboolean is_get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  gboolean is_put = g_str_equal (method, "PUT");
  gboolean is_post = g_str_equal (method, "POST");
  gboolean needs_auth = TRUE;
  const char *request_id = NULL;

  for (guint i = 0; raw[i] != NULL; i++)
    if (*raw[i] != '\0')
      g_strv_builder_add (builder, raw[i]);
  seg = g_strv_builder_end (builder);
  n = g_strv_length (seg);

  /* Which step is this? */
  if (n >= 1 && g_str_equal (seg[0], "files"))
    {
      step = KS_SIM_STEP_IMAGE;
      needs_auth = FALSE;
    }
  else if (n == 2 && g_str_equal (seg[0], "_sim") &&
           (g_str_equal (seg[1], "plan") || g_str_equal (seg[1], "stats")))
    {
      if (is_post && g_str_equal (seg[1], "plan"))
        handle_plan (self, msg);
      else if (is_get && g_str_equal (seg[1], "stats"))
        handle_stats (self, msg);
      else
        method_not_allowed (self, msg);
      return;
    }
  else if (n >= 3 && g_str_equal (seg[0], "storage") && g_str_equal (seg[1], "upload"))
    {
      step = KS_SIM_STEP_UPLOAD;
      needs_auth = n == 3 && g_str_equal (seg[2], "initiate");
    }
  else if (n >= 4 && g_str_equal (seg[2], "requests"))
    {
      request_id = seg[3];
      if (n == 4)
        step = KS_SIM_STEP_RESULT;
      else if (n == 5 && g_str_equal (seg[4], "status"))
        step = KS_SIM_STEP_STATUS;
      else if (n == 6 && g_str_equal (seg[4], "status") && g_str_equal (seg[5], "stream"))
        step = KS_SIM_STEP_STREAM;
      else if (n == 5 && g_str_equal (seg[4], "cancel"))
        step = KS_SIM_STEP_CANCEL;
    }
  else if (n >= 2 && is_post)
    step = KS_SIM_STEP_SUBMIT;

  if (step == KS_SIM_N_STEPS)
    {
      _ks_sim_server_respond_detail (self, msg, 404, "Not Found", KS_SIM_FAULT_NONE);
      return;
    }

  self->counts[step]++;
  self->counts[KS_SIM_STEP_ANY]++;

  fault = _ks_sim_server_take_fault (self, msg, step);
  if (fault != KS_SIM_FAULT_NONE)
    {
      self->faulted[step]++;
      self->faulted[KS_SIM_STEP_ANY]++;
    }
  if (_ks_sim_server_respond_fault_code (self, msg, fault, request_id))
    return;

  if (needs_auth && !check_auth (self, msg))
    {
      _ks_sim_server_respond_detail (self, msg, 401, DETAIL_401, KS_SIM_FAULT_NONE);
      return;
    }

  switch (step)
    {
    case KS_SIM_STEP_SUBMIT:
      {
        g_autofree char *endpoint_id = g_strjoinv ("/", seg);

        handle_submit (self, msg, endpoint_id, fault);
      }
      return;

    case KS_SIM_STEP_STATUS:
    case KS_SIM_STEP_STREAM:
    case KS_SIM_STEP_RESULT:
    case KS_SIM_STEP_CANCEL:
      {
        Job *job;

        if ((step == KS_SIM_STEP_CANCEL && !is_put) ||
            (step != KS_SIM_STEP_CANCEL && !is_get))
          {
            method_not_allowed (self, msg);
            return;
          }

        job = lookup_job (self, msg, seg[0], seg[1], seg[3]);
        if (job == NULL)
          return;

        if (step == KS_SIM_STEP_STATUS)
          {
            g_autofree char *text = _ks_sim_server_job_status_text (self, job, query_flag (query, "logs"));

            _ks_sim_server_set_request_id (msg, job->id);
            _ks_sim_server_respond_text (self, msg, job->state == JOB_COMPLETED ? 200 : 202, text, fault);
          }
        else if (step == KS_SIM_STEP_STREAM && fault == KS_SIM_FAULT_OVERSIZED)
          {
            /* One event line that never ends. */
            static const char start[] = "data: {\"status\":\"IN_PROGRESS\",\"pad\":\"";
            g_autoptr(GBytes) body = g_bytes_new_static (start, strlen (start));

            _ks_sim_server_set_request_id (msg, job->id);
            _ks_sim_server_respond (self, msg, 200, "text/event-stream", body, fault);
          }
        else if (step == KS_SIM_STEP_STREAM && fault == KS_SIM_FAULT_HANG)
          _ks_sim_server_hold (self, msg);
        else if (step == KS_SIM_STEP_STREAM)
          _ks_sim_server_start_stream (self, msg, job, query_flag (query, "logs"), fault);
        else if (step == KS_SIM_STEP_RESULT)
          handle_result (self, msg, job, fault);
        else
          handle_cancel (self, msg, job, fault);
      }
      return;

    case KS_SIM_STEP_UPLOAD:
      if (n == 3 && g_str_equal (seg[2], "initiate") && is_post)
        _ks_sim_server_handle_upload_initiate (self, msg, fault);
      else if (n == 3 && is_put)
        _ks_sim_server_handle_upload_put (self, msg, seg[2], fault);
      else
        method_not_allowed (self, msg);
      return;

    case KS_SIM_STEP_IMAGE:
      {
        g_autofree char *joined = g_strjoinv ("/", seg);
        g_autofree char *file_path = g_strconcat ("/", joined, NULL);

        if (!is_get)
          method_not_allowed (self, msg);
        else
          _ks_sim_server_handle_file (self, msg, file_path, fault);
      }
      return;

    case KS_SIM_STEP_ANY:
    case KS_SIM_N_STEPS:
    default:
      g_assert_not_reached ();
    }
}
