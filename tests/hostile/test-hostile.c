/* Hostile reference files: a corpus made here, at run time, each file
 * prepared as a reference exactly as a dropped or opened file is
 * (ks_reference_prepare_async on its path), in a child process bounded in
 * address space (RLIMIT_AS) and in time. Each must give a correct
 * reference or a KS error that says what is wrong; never a crash, a hang
 * or running out of memory. A table of what happened ends the run.
 *
 *   KS_HOSTILE_MEMORY_MB   address space of each child (default 1024)
 *   KS_HOSTILE_TIMEOUT_S   time allowed per file (default 10)
 *   KS_HOSTILE_ONLY        prepare only the file of this name
 *   KS_HOSTILE_KEEP        keep the corpus (its folder is printed)
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ks-error.h"
#include "ks-reference.h"
#include "hostile-corpus.h"
#include "hostile-check.h"

static char *corpus_dir;
static char *fifo_path;
static guint16 http_port;
static guint http_connections;
static GString *table;
static guint n_made;

/* The child ------------------------------------------------------------ */

static guint64
peak_rss (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);

  return (guint64) usage.ru_maxrss * 1024;
}

static void
prepared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static int
child_main (const char *path,
            const char *out_path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(KsPreparedReference) ref = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) formats = NULL;
  g_autofree char *json = NULL;
  const char *limit_text = g_getenv ("KS_HOSTILE_MEMORY_MB");
  guint64 limit_mb = limit_text != NULL ? g_ascii_strtoull (limit_text, NULL, 10) : 1024;
  struct rlimit limit = { limit_mb << 20, limit_mb << 20 };
  guint64 base;

#ifdef __SANITIZE_ADDRESS__
  /* AddressSanitizer reserves terabytes of address space for its shadow
   * memory, so no address-space limit can apply; the bound on the peak
   * resident memory still does. */
  limit_mb = 0;
#endif
  if (limit_mb > 0 && setrlimit (RLIMIT_AS, &limit) != 0)
    g_error ("setrlimit: %s", g_strerror (errno));

  /* What every preparation pays anyway: the loaders' list, the types. */
  formats = gdk_pixbuf_get_formats ();
  g_type_ensure (G_TYPE_TASK);
  base = peak_rss ();

  ks_reference_prepare_async (path, NULL, NULL, prepared_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ref = ks_reference_prepare_finish (result, &error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, ref != NULL);
  if (ref != NULL)
    {
      if (!g_file_set_contents (out_path, g_bytes_get_data (ref->bytes, NULL),
                                g_bytes_get_size (ref->bytes), &error))
        g_error ("%s", error->message);

      json_builder_set_member_name (builder, "mime_type");
      json_builder_add_string_value (builder, ref->mime_type);
      json_builder_set_member_name (builder, "sha256");
      json_builder_add_string_value (builder, ref->sha256);
      json_builder_set_member_name (builder, "url_prefix_ok");
      json_builder_add_boolean_value (builder, g_str_has_prefix (ref->url, "data:image/"));
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, ref->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, ref->height);
      json_builder_set_member_name (builder, "original_width");
      json_builder_add_int_value (builder, ref->original_width);
      json_builder_set_member_name (builder, "original_height");
      json_builder_add_int_value (builder, ref->original_height);
    }
  else
    {
      json_builder_set_member_name (builder, "domain");
      json_builder_add_string_value (builder, g_quark_to_string (error->domain));
      json_builder_set_member_name (builder, "code");
      json_builder_add_int_value (builder, error->code);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
    }
  json_builder_set_member_name (builder, "base_rss");
  json_builder_add_int_value (builder, base);
  json_builder_set_member_name (builder, "peak_rss");
  json_builder_add_int_value (builder, peak_rss ());
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  /* As UTF-8, whatever the locale (g_print would convert it). */
  fputs (json, stdout);
  fputs ("\n", stdout);
  fflush (stdout);

  return 0;
}

/* The parent ----------------------------------------------------------- */

typedef struct
{
  char       *stdout_text;
  char       *stderr_text;
  gboolean    done;
  gboolean    hung;
  GSubprocess *process;
} Run;

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result,
                                        &run->stdout_text, &run->stderr_text, NULL);
  run->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Run *run = user_data;

  run->hung = TRUE;
  g_subprocess_force_exit (run->process);

  return G_SOURCE_REMOVE;
}

static gboolean
incoming_cb (GSocketService     *service,
             GSocketConnection  *connection,
             GObject            *source_object,
             gpointer            user_data)
{
  http_connections++;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

static guint
timeout_seconds (const HostileEntry *entry)
{
  const char *text = g_getenv ("KS_HOSTILE_TIMEOUT_S");
  guint seconds = text != NULL ? MAX (1, (guint) g_ascii_strtoull (text, NULL, 10)) : 10;

  return MAX (seconds, entry->max_seconds);
}

static void
add_row (const char *name,
         gsize       size,
         const char *outcome,
         gint64      ms,
         gint64      memory)
{
  g_autofree char *size_text = g_format_size (size);
  g_autofree char *memory_text = memory >= 0 ? g_strdup_printf ("%.1f MB", memory / 1048576.0) : g_strdup ("-");
  g_autofree char *cut = g_utf8_substring (outcome, 0, MIN (g_utf8_strlen (outcome, -1), 60));
  g_autoptr(GString) line = g_string_new (NULL);
  glong width;

  g_strdelimit (cut, "\r\n", ' ');
  g_string_append_printf (line, "%-28s %10s  %s", name, size_text, cut);
  /* Pad by characters, not bytes: the messages are UTF-8. */
  width = g_utf8_strlen (line->str, -1);
  for (; width < 28 + 1 + 10 + 2 + 60; width++)
    g_string_append_c (line, ' ');
  g_string_append_printf (line, " %7" G_GINT64_FORMAT " %10s\n", ms, memory_text);
  g_string_append (table, line->str);
}

static void
test_entry (gconstpointer user_data)
{
  const HostileEntry *entry = user_data;
  g_autofree char *path = g_build_filename (corpus_dir, entry->name, NULL);
  g_autofree char *out_path = g_strconcat (path, ".sent", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *outcome = NULL;
  Run run = { 0, };
  GStatBuf st;
  gint64 start, elapsed_ms, memory = -1;
  guint timer;
  guint connections_before = http_connections;
  const char *only = g_getenv ("KS_HOSTILE_ONLY");

  if (only != NULL && !g_str_equal (only, entry->name))
    {
      g_test_skip ("not the file asked for in KS_HOSTILE_ONLY");
      return;
    }

  if (g_stat (path, &st) != 0)
    {
      g_test_skip ("this system cannot write the file's format");
      add_row (entry->name, 0, "not made: format not writable here", 0, -1);
      return;
    }

  g_assert_nonnull (self);
  g_unlink (out_path);

  start = g_get_monotonic_time ();
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, self, "--prepare", path, out_path, NULL);
  g_assert_no_error (error);
  run.process = process;
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &run);
  timer = g_timeout_add_seconds (timeout_seconds (entry), timeout_cb, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_wait (process, NULL, NULL);
  if (!run.hung)
    g_source_remove (timer);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  if (run.hung)
    {
      outcome = g_strdup_printf ("HANG (killed after %u s)", timeout_seconds (entry));
      g_ptr_array_add (problems, g_strdup (outcome));
    }
  else if (g_subprocess_get_if_signaled (process))
    {
      outcome = g_strdup_printf ("CRASH (signal %d)", g_subprocess_get_term_sig (process));
      g_ptr_array_add (problems, g_strdup_printf ("%s; stderr: %s", outcome, run.stderr_text));
    }
  else if (g_subprocess_get_exit_status (process) != 0)
    {
      outcome = g_strdup_printf ("CRASH (exit %d)", g_subprocess_get_exit_status (process));
      g_ptr_array_add (problems, g_strdup_printf ("%s; stderr: %s", outcome, run.stderr_text));
    }
  else if (!json_parser_load_from_data (parser, run.stdout_text, -1, &error))
    {
      outcome = g_strdup ("BAD REPORT");
      g_ptr_array_add (problems, g_strdup_printf ("the child's report is not JSON (%s): %s",
                                                  error->message, run.stdout_text));
    }
  else
    {
      JsonObject *report = json_node_get_object (json_parser_get_root (parser));

      memory = json_object_get_int_member_with_default (report, "peak_rss", 0) -
               json_object_get_int_member_with_default (report, "base_rss", 0);
      outcome = hostile_check_report (entry, path, report, out_path, problems);
    }

  if (http_connections != connections_before)
    g_ptr_array_add (problems, g_strdup_printf ("%u connection(s) to the network were made",
                                                http_connections - connections_before));

  add_row (entry->name, st.st_size, outcome, elapsed_ms, memory);
  g_strdelimit (outcome, "\r\n", ' ');
  g_test_message ("%s: %s, %" G_GINT64_FORMAT " ms", entry->name, outcome, elapsed_ms);

  if (problems->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (problems, NULL);
      joined = g_strjoinv ("; ", (char **) problems->pdata);
      /* One line: TAP takes nothing else. */
      g_strdelimit (joined, "\r\n", ' ');
      g_test_fail_printf ("%s: %s", entry->name, joined);
    }

  g_free (run.stdout_text);
  g_free (run.stderr_text);
}

static void
test_corpus (void)
{
  /* At least forty hostile files, each made by this test. */
  g_assert_cmpuint (n_made, >=, 40);
}

static void
test_table (void)
{
  g_auto(GStrv) lines = NULL;
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");

  g_string_prepend (table, "file                               size  outcome                                                        time ms   peak mem\n");
  lines = g_strsplit (table->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_test_message ("%s", lines[i]);

  if (builddir != NULL)
    {
      g_autofree char *path = g_build_filename (builddir, "hostile-table.txt", NULL);

      g_file_set_contents (path, table->str, table->len, NULL);
    }

  g_assert_cmpuint (http_connections, ==, 0);
}

static void
make_corpus (const HostileEntry *corpus,
             guint               n_entries)
{
  HostileContext context = { corpus_dir, fifo_path, http_port };

  for (guint i = 0; i < n_entries; i++)
    {
      g_autofree char *path = g_build_filename (corpus_dir, corpus[i].name, NULL);
      g_autoptr(GBytes) bytes = corpus[i].make (&corpus[i], &context);
      g_autoptr(GError) error = NULL;

      if (bytes == NULL)
        continue;
      g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
      g_assert_no_error (error);
      n_made++;
    }
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GError) error = NULL;
  const HostileEntry *corpus;
  guint n_entries;
  int status;

  if (argc == 4 && g_str_equal (argv[1], "--prepare"))
    return child_main (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  corpus_dir = g_dir_make_tmp ("hostile-XXXXXX", &error);
  g_assert_no_error (error);
  fifo_path = g_build_filename (corpus_dir, "never-written.fifo", NULL);
  g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);

  /* Anything that fetches a remote part of an SVG would knock here. */
  service = g_socket_service_new ();
  http_port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), NULL);
  g_socket_service_start (service);

  table = g_string_new (NULL);
  corpus = hostile_corpus (&n_entries);
  make_corpus (corpus, n_entries);

  g_test_add_func ("/hostile/corpus/made", test_corpus);
  for (guint i = 0; i < n_entries; i++)
    {
      g_autofree char *test_path = g_strconcat ("/hostile/file/", corpus[i].name, NULL);

      g_test_add_data_func (test_path, &corpus[i], test_entry);
    }
  g_test_add_func ("/hostile/summary/table", test_table);

  status = g_test_run ();

  g_socket_service_stop (service);
  if (g_getenv ("KS_HOSTILE_KEEP") != NULL)
    g_printerr ("The corpus is kept in %s\n", corpus_dir);
  else
    remove_dir (corpus_dir);
  g_free (corpus_dir);
  g_free (fifo_path);
  g_string_free (table, TRUE);

  return status;
}
