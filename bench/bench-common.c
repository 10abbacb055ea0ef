/* bench-common.c: what the benchmark programs share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <libsoup/soup.h>

#include "bench-common.h"
#include "ks-endpoint.h"
#include "ks-params.h"

/* ---- the local service ---------------------------------------------------- */

struct _BenchServer
{
  GSubprocess *process;
  char        *base_url;
  SoupSession *session;   /* for /_sim/stats only */
};

BenchServer *
bench_server_start (const char * const  *args,
                    GError             **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  const char *exe = g_getenv ("KS_SIM_SERVER");
  BenchServer *self;

  if (exe == NULL)
    exe = SIM_SERVER_EXE;

  g_ptr_array_add (argv, (gpointer) exe);
  g_ptr_array_add (argv, (gpointer) "--key");
  g_ptr_array_add (argv, (gpointer) BENCH_KEY);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  self = g_new0 (BenchServer, 1);
  self->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  if (self->process == NULL)
    {
      bench_server_stop (self);
      return NULL;
    }

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "http://"))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "%s did not print its base URL", exe);
      bench_server_stop (self);
      return NULL;
    }

  self->base_url = g_steal_pointer (&line);
  self->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);

  return self;
}

const char *
bench_server_get_base_url (BenchServer *self)
{
  return self->base_url;
}

JsonObject *
bench_server_get_stats (BenchServer  *self,
                        GError      **error)
{
  g_autofree char *url = g_strdup_printf ("%s/_sim/stats", self->base_url);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  body = soup_session_send_and_read (self->session, msg, NULL, error);
  if (body == NULL)
    return NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "/_sim/stats answered %u", soup_message_get_status (msg));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   g_bytes_get_size (body), error))
    return NULL;

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "/_sim/stats is not an object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

gint64
bench_stats_completed_us (JsonObject *stats,
                          const char *request_id)
{
  JsonArray *states;

  if (request_id == NULL || !json_object_has_member (stats, "job_states"))
    return 0;

  states = json_object_get_array_member (stats, "job_states");
  for (guint i = 0; states != NULL && i < json_array_get_length (states); i++)
    {
      JsonObject *state = json_array_get_object_element (states, i);

      if (state != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (state, "id", NULL), request_id) == 0)
        return json_object_get_int_member_with_default (state, "completed_us", 0);
    }

  return 0;
}

void
bench_server_stop (BenchServer *self)
{
  if (self == NULL)
    return;

  if (self->process != NULL)
    {
      g_subprocess_send_signal (self->process, SIGTERM);
      g_subprocess_wait (self->process, NULL, NULL);
    }
  g_clear_object (&self->process);
  g_clear_object (&self->session);
  g_free (self->base_url);
  g_free (self);
}

/* ---- our client ------------------------------------------------------------ */

static void
delete_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL)
    {
      GFileInfo *info = NULL;
      GFile *child = NULL;

      if (!g_file_enumerator_iterate (children, &info, &child, NULL, NULL) || info == NULL)
        break;
      delete_tree (child);
    }

  g_file_delete (file, NULL, NULL);
}

BenchApp *
bench_app_new (const char  *base_url,
               gboolean     use_streaming,
               GError     **error)
{
  g_autoptr(BenchApp) app = g_new0 (BenchApp, 1);
  g_autofree char *path = g_dir_make_tmp ("ks-bench-library-XXXXXX", error);

  if (path == NULL)
    return NULL;

  app->dir = g_file_new_for_path (path);
  app->library = ks_library_new (app->dir);
  if (!ks_library_load (app->library, NULL, error))
    return NULL;

  app->client = ks_client_new (base_url);
  ks_client_set_api_key (app->client, BENCH_KEY);
  g_object_set (app->client, "use-streaming", use_streaming, NULL);

  return g_steal_pointer (&app);
}

void
bench_app_free (BenchApp *app)
{
  if (app->library != NULL)
    ks_library_flush (app->library);
  g_clear_object (&app->library);
  g_clear_object (&app->client);
  if (app->dir != NULL)
    delete_tree (app->dir);
  g_clear_object (&app->dir);
  g_free (app);
}

KsJob *
bench_app_new_job (BenchApp   *app,
                   const char *prompt)
{
  const KsEndpoint *endpoint = ks_endpoint_lookup ("fal-ai/flux-pro/kontext/text-to-image");
  g_autoptr(KsParams) params = NULL;

  g_assert (endpoint != NULL);
  params = ks_params_new (endpoint);
  ks_params_set_prompt (params, prompt);
  ks_params_set_aspect_ratio (params, "1:1");
  ks_params_set_output_format (params, "jpeg");
  ks_params_set_num_images (params, 1);

  return g_object_ref (ks_library_create_job (app->library, app->client, params, NULL, 0));
}

void
bench_wait_for (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;

  return G_SOURCE_REMOVE;
}

void
bench_spin_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  bench_wait_for (&done);
}

/* ---- figures ------------------------------------------------------------ */

static guint64
read_timeslices (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", name, "schedstat", NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) fields = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      fields = g_strsplit (g_strstrip (text), " ", -1);
      if (g_strv_length (fields) >= 3)
        total += g_ascii_strtoull (fields[2], NULL, 10);
    }

  return total;
}

void
bench_usage_now (BenchUsage *usage)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  usage->user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  usage->sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  usage->cpu_s = usage->user_s + usage->sys_s;
  usage->wall_s = g_get_monotonic_time () / 1e6;
  usage->max_rss_bytes = (guint64) ru.ru_maxrss * 1024;
  usage->voluntary_switches = ru.ru_nvcsw;
  usage->involuntary_switches = ru.ru_nivcsw;
  usage->timeslices = read_timeslices ();
}

void
bench_usage_diff (const BenchUsage *before,
                  const BenchUsage *after,
                  BenchUsage       *out)
{
  out->cpu_s = after->cpu_s - before->cpu_s;
  out->user_s = after->user_s - before->user_s;
  out->sys_s = after->sys_s - before->sys_s;
  out->wall_s = after->wall_s - before->wall_s;
  out->max_rss_bytes = after->max_rss_bytes;
  out->voluntary_switches = after->voluntary_switches - before->voluntary_switches;
  out->involuntary_switches = after->involuntary_switches - before->involuntary_switches;
  /* Threads that ended in between take their slices with them. */
  out->timeslices = after->timeslices > before->timeslices ? after->timeslices - before->timeslices : 0;
}

void
bench_add_usage (JsonBuilder      *builder,
                 const char       *name,
                 const BenchUsage *usage)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  bench_add_double (builder, "cpu_s", usage->cpu_s);
  bench_add_double (builder, "user_s", usage->user_s);
  bench_add_double (builder, "sys_s", usage->sys_s);
  bench_add_double (builder, "wall_s", usage->wall_s);
  bench_add_double (builder, "peak_rss_mb", usage->max_rss_bytes / 1e6);
  bench_add_int (builder, "voluntary_switches", usage->voluntary_switches);
  bench_add_int (builder, "involuntary_switches", usage->involuntary_switches);
  json_builder_end_object (builder);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (GArray *values,
                  double  p)
{
  guint rank;

  if (values->len == 0)
    return -1;

  g_array_sort (values, compare_doubles);
  rank = (guint) (p / 100.0 * values->len + 0.999999);
  rank = CLAMP (rank, 1, values->len);

  return g_array_index (values, double, rank - 1);
}

void
bench_add_double (JsonBuilder *builder,
                  const char  *name,
                  double       value)
{
  json_builder_set_member_name (builder, name);
  /* Three decimals are plenty for milliseconds and seconds alike. */
  json_builder_add_double_value (builder, (gint64) (value * 1000 + (value < 0 ? -0.5 : 0.5)) / 1000.0);
}

void
bench_add_int (JsonBuilder *builder,
               const char  *name,
               gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
bench_add_bool (JsonBuilder *builder,
                const char  *name,
                gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

void
bench_add_string (JsonBuilder *builder,
                  const char  *name,
                  const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
bench_add_samples (JsonBuilder *builder,
                   const char  *name,
                   GArray      *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < values->len; i++)
    json_builder_add_double_value (builder,
                                   (gint64) (g_array_index (values, double, i) * 1000 + 0.5) / 1000.0);
  json_builder_end_array (builder);
}

void
bench_add_machine (JsonBuilder *builder)
{
  g_autofree char *loadavg = NULL;

  json_builder_set_member_name (builder, "machine");
  json_builder_begin_object (builder);
  bench_add_int (builder, "cpus", g_get_num_processors ());
  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    {
      g_auto(GStrv) fields = g_strsplit (loadavg, " ", -1);

      /* What else ran: figures taken on a busy machine are not comparable. */
      bench_add_double (builder, "loadavg_1min_at_start", g_ascii_strtod (fields[0], NULL));
    }
  json_builder_end_object (builder);
}

void
bench_print (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* As UTF-8 whatever the locale: g_print() would convert it. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

/* ---- the official client -------------------------------------------------- */

JsonObject *
bench_run_official (const char          *script,
                    const char * const  *args,
                    GError             **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *module = g_build_filename (BENCH_OFFICIAL_DIR, "node_modules", "@fal-ai",
                                              "client", "package.json", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  JsonNode *root;

  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "node is not installed");
      return NULL;
    }
  if (!g_file_test (module, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "the official client is missing: run %s/install.sh", BENCH_OFFICIAL_DIR);
      return NULL;
    }

  g_ptr_array_add (argv, g_steal_pointer (&node));
  g_ptr_array_add (argv, g_build_filename (BENCH_OFFICIAL_DIR, script, NULL));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (BENCH_OFFICIAL_DIR, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT,
                     NULL, NULL, &out, &err, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "%s: %s: ", script, err != NULL ? g_strstrip (err) : "");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, out, -1, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s printed no JSON object", script);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}
