/* kontext-sim-server: the local fal-compatible service as a program
 *
 * Prints its base URL as the first line on stdout, then serves until it
 * is interrupted or terminated.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "kontext-sim-server"

#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <stdio.h>

#include "ks-sim-server.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);

  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(KsSimServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *plan = NULL;
  int port = 0;
  int queue_delay = 300;
  int run_time = 700;
  int workers = 4;
  int log_lines = 4;
  int ping_interval = 10000;
  const GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("Port to listen on (0: any free port)"), "N" },
    { "queue-delay", 0, 0, G_OPTION_ARG_INT, &queue_delay, N_("Milliseconds a job waits in the queue"), "MS" },
    { "run-time", 0, 0, G_OPTION_ARG_INT, &run_time, N_("Milliseconds a job runs"), "MS" },
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, N_("How many jobs run at once"), "N" },
    { "log-lines", 0, 0, G_OPTION_ARG_INT, &log_lines, N_("Log lines per job"), "N" },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &ping_interval, N_("Milliseconds between stream pings"), "MS" },
    { "key", 0, 0, G_OPTION_ARG_STRING, &key, N_("The only key accepted"), "KEY" },
    { "plan", 0, 0, G_OPTION_ARG_STRING, &plan, N_("A fault plan, e.g. “submit:429*2, stream:drop”"), "PLAN" },
    { NULL }
  };

  context = g_option_context_new (_("— a local fal-compatible queue service"));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (port < 0 || port > 65535 || queue_delay < 0 || run_time < 0 || workers < 1 ||
      log_lines < 0 || ping_interval < 0)
    {
      g_printerr ("%s\n", _("Ports, times and counts must be positive numbers."));
      return 2;
    }

  server = ks_sim_server_new ();
  g_object_set (server,
                "queue-delay", (guint) queue_delay,
                "run-time", (guint) run_time,
                "workers", (guint) workers,
                "log-lines", (guint) log_lines,
                "ping-interval", (guint) ping_interval,
                "api-key", key,
                NULL);

  if (plan != NULL && !ks_sim_server_load_plan (server, plan, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (!ks_sim_server_listen (server, (guint) port, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("%s\n", ks_sim_server_get_base_url (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  return 0;
}
