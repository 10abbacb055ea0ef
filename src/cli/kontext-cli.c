#define G_LOG_DOMAIN "ks-cli"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "ks-cli-private.h"

static void
cli_clear (Cli *cli)
{
  g_clear_pointer (&cli->images, g_strfreev);
  g_clear_pointer (&cli->prompt, g_free);
  g_clear_pointer (&cli->model, g_free);
  g_clear_pointer (&cli->endpoint, g_free);
  g_clear_pointer (&cli->guidance, g_free);
  g_clear_pointer (&cli->aspect, g_free);
  g_clear_pointer (&cli->safety, g_free);
  g_clear_pointer (&cli->seed, g_free);
  g_clear_pointer (&cli->num_images, g_free);
  g_clear_pointer (&cli->format, g_free);
  g_clear_pointer (&cli->out_dir, g_free);
  g_clear_pointer (&cli->base_url, g_free);
  g_clear_pointer (&cli->auth, g_free);
  g_clear_pointer (&cli->request_id, g_free);
  g_clear_pointer (&cli->record_id, g_free);
  g_clear_pointer (&cli->library_dir, g_free);
  g_clear_pointer (&cli->loop, g_main_loop_unref);
  g_clear_pointer (&cli->output, ks_cli_output_free);
  g_clear_object (&cli->job);
  g_clear_object (&cli->client);
  g_clear_object (&cli->params);
  g_clear_pointer (&cli->resumed_jobs, g_ptr_array_unref);
  g_clear_object (&cli->library);
  g_clear_object (&cli->directory);
  g_clear_object (&cli->cancellable);
  g_clear_error (&cli->job_error);
  g_clear_handle_id (&cli->sigint_source, g_source_remove);
  g_clear_handle_id (&cli->timeout_source, g_source_remove);
  g_clear_pointer (&cli->saved_paths, g_ptr_array_unref);
  g_queue_clear_full (&cli->save_queue, g_object_unref);
}

static const char exit_codes_help[] =
  N_("Commands:\n"
     "  edit         edit one image (--image), or several with --image repeated\n"
     "  generate     make an image from the prompt alone\n"
     "  status ID    print the current state of a request once\n"
     "  result ID    follow a request to its end and save its images\n"
     "  cancel ID    ask the service to cancel a request\n"
     "  list         print the library, newest first (--json: every field)\n"
     "  resume       take up every job left unfinished (a crash, Ctrl+C)\n"
     "  resubmit ID  send a library record again (ID: its first 8 characters\n"
     "               are enough), e.g. one whose submit may not have arrived;\n"
     "               a job the service took and that failed while its result\n"
     "               was fetched is followed again at no new cost (--new sends\n"
     "               it as a new job all the same)\n"
     "\n"
     "The key comes from FAL_KEY, else from the keyring. Images are saved as\n"
     "DIR/<request-id>-<n>.<ext> with a sidecar DIR/<request-id>-<n>.json;\n"
     "their paths are printed on stdout, progress goes to stderr.\n"
     "\n"
     "Every job is also kept in the library ($KS_LIBRARY_DIR, else\n"
     "$XDG_DATA_HOME/kontext-studio/library, or --library DIR), written before\n"
     "the submit is sent, so that nothing paid for is lost; --no-library\n"
     "opts out. The library is the one Kontext Studio shows.\n"
     "\n"
     "Exit status:\n"
     "  0    success\n"
     "  1    anything else (a file could not be written; cancel: the request\n"
     "       had already completed)\n"
     "  2    usage or invalid parameters\n"
     "  3    no API key (FAL_KEY unset and nothing in the keyring, or no keyring)\n"
     "  4    the key was refused (401)\n"
     "  5    account locked or out of balance (403)\n"
     "  6    the service rejected a parameter (422)\n"
     "  7    content policy violation\n"
     "  8    rate limited (429), still after retries\n"
     "  9    server error (5xx), still after retries\n"
     "  10   timeout (--timeout, or the service's start deadline)\n"
     "  11   network: unreachable, or the connection dropped\n"
     "  12   a reply that could not be understood\n"
     "  13   unknown request, or its result has expired\n"
     "  14   an image (reference or result) that could not be read\n"
     "  15   the job was cancelled\n"
     "  16   the model failed\n"
     "  17   resume: a job taken up again failed or had expired on the server\n"
     "  18   the library could not be read or written\n"
     "  130  interrupted (Ctrl+C): the job goes on; follow it with\n"
     "       kontext-cli status ID, fetch it with kontext-cli result ID, or\n"
     "       take it up with kontext-cli resume");

/* ---- start -------------------------------------------------------------- */

static void
cli_start_command (Cli *cli)
{
  g_autoptr(KsRequest) request = NULL;

  if (cli->request_id != NULL)
    {
      request = ks_request_new (cli->base_url, cli->endpoint_id, cli->request_id);
      if (request == NULL)
        {
          g_autoptr(GError) error = g_error_new (KS_ERROR, KS_ERROR_INVALID_PARAMS,
                                                 _("“%s” is not a request ID."),
                                                 cli->request_id);
          _ks_cli_fail (cli, error);
          return;
        }
    }

  if (cli->command == COMMAND_EDIT || cli->command == COMMAND_GENERATE ||
      cli->command == COMMAND_RESUME || cli->command == COMMAND_RESUBMIT)
    {
      g_autoptr(GError) error = NULL;

      if (!cli->no_library && !_ks_cli_open_library (cli, &error))
        {
          _ks_cli_report_error (cli, error, NULL);
          _ks_cli_quit (cli, KS_CLI_EXIT_LIBRARY);
          return;
        }
    }

  switch (cli->command)
    {
    case COMMAND_EDIT:
    case COMMAND_GENERATE:
      if (cli->library != NULL)
        cli->job = ks_library_create_job (cli->library, cli->client, cli->params, NULL, 0);
      else
        cli->job = ks_job_new (cli->client, cli->params);
      _ks_cli_run_job (cli);
      break;

    case COMMAND_RESULT:
      cli->job = ks_job_new_for_request (cli->client, NULL, request);
      _ks_cli_run_job (cli);
      break;

    case COMMAND_STATUS:
      _ks_cli_start_status (cli, request);
      break;

    case COMMAND_CANCEL:
      _ks_cli_start_cancel (cli, request);
      break;

    case COMMAND_RESUME:
      _ks_cli_start_resume (cli);
      break;

    case COMMAND_RESUBMIT:
      _ks_cli_start_resubmit (cli);
      break;

    case COMMAND_LIST:
    default:
      g_assert_not_reached ();
    }
}

static void
key_lookup_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  KsKeySource source = KS_KEY_SOURCE_NONE;
  char *key;

  key = ks_credentials_lookup_finish (result, &source, &error);
  if (key == NULL)
    {
      if (cli->interrupted)
        {
          _ks_cli_quit (cli, KS_CLI_EXIT_INTERRUPTED);
          return;
        }

      if (g_error_matches (error, KS_ERROR, KS_ERROR_KEYRING))
        ks_cli_output_message (cli->output,
                               _("The keyring could not be read, and FAL_KEY is not set."));
      _ks_cli_report_error (cli, error, NULL);
      ks_cli_output_message (cli->output,
                             _("Set FAL_KEY=<key id>:<secret>, or store the key from Kontext Studio's preferences."));
      _ks_cli_quit (cli, KS_CLI_EXIT_NO_KEY);
      return;
    }

  g_debug ("Using the key from %s",
           source == KS_KEY_SOURCE_ENVIRONMENT ? "the environment" : "the keyring");
  ks_client_set_api_key (cli->client, key);
  ks_credentials_free_key (key);

  cli_start_command (cli);
}

static gboolean
on_sigint (gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->interrupted)
    {
      /* A second Ctrl+C: leave now. */
      cli->exit_code = KS_CLI_EXIT_INTERRUPTED;
      g_main_loop_quit (cli->loop);
      return G_SOURCE_CONTINUE;
    }

  cli->interrupted = TRUE;
  g_cancellable_cancel (cli->cancellable);

  return G_SOURCE_CONTINUE;
}

/* ---- options ------------------------------------------------------------ */

static gboolean
parse_command (Cli     *cli,
               int      argc,
               char   **argv,
               GError **error)
{
  enum { NO_ID, REQUEST_ID, RECORD_ID };
  static const struct {
    const char *name;
    Command     command;
    int         takes;
  } commands[] = {
    { "edit", COMMAND_EDIT, NO_ID },
    { "generate", COMMAND_GENERATE, NO_ID },
    { "status", COMMAND_STATUS, REQUEST_ID },
    { "result", COMMAND_RESULT, REQUEST_ID },
    { "cancel", COMMAND_CANCEL, REQUEST_ID },
    { "list", COMMAND_LIST, NO_ID },
    { "resume", COMMAND_RESUME, NO_ID },
    { "resubmit", COMMAND_RESUBMIT, RECORD_ID },
  };

  if (argc < 2)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("No command given: edit, generate, status, result, cancel, "
                             "list, resume or resubmit."));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (argv[1], commands[i].name) != 0)
        continue;

      cli->command = commands[i].command;
      if (commands[i].takes == REQUEST_ID)
        {
          if (argc != 3)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("“%s” takes exactly one request ID."), argv[1]);
              return FALSE;
            }
          if (!ks_request_id_is_valid (argv[2]))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("“%s” is not a request ID."), argv[2]);
              return FALSE;
            }
          cli->request_id = g_strdup (argv[2]);
        }
      else if (commands[i].takes == RECORD_ID)
        {
          if (argc != 3)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("“%s” takes exactly one record ID (as “kontext-cli list” shows it)."),
                           argv[1]);
              return FALSE;
            }
          /* Record ids are UUIDs: hex digits and dashes. */
          if (strlen (argv[2]) < 4 || strspn (argv[2], "0123456789abcdefABCDEF-") != strlen (argv[2]))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("“%s” is not a record ID (at least its first 4 characters, as "
                             "“kontext-cli list” shows it)."), argv[2]);
              return FALSE;
            }
          cli->record_id = g_ascii_strdown (argv[2], -1);
        }
      else if (argc != 2)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       _("Unexpected argument “%s”."), argv[2]);
          return FALSE;
        }
      return TRUE;
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
               _("Unknown command “%s”: use edit, generate, status, result, cancel, "
                 "list, resume or resubmit."), argv[1]);
  return FALSE;
}

static gboolean
set_param (KsParams    *params,
           const char  *field,
           const char  *value,
           GError     **error)
{
  if (value == NULL)
    return TRUE;

  return ks_params_set_from_string (params, field, value, error);
}

static gboolean
build_params (Cli     *cli,
              GError **error)
{
  const KsEndpoint *endpoint;
  KsModel model = KS_MODEL_PRO;
  KsMode mode;
  guint n_images = cli->images ? g_strv_length (cli->images) : 0;

  if (cli->command == COMMAND_GENERATE)
    {
      if (n_images > 0)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                               _("“generate” takes no --image: use “edit” to change an image."));
          return FALSE;
        }
      mode = KS_MODE_TEXT_TO_IMAGE;
    }
  else
    {
      if (n_images == 0)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                               _("“edit” needs --image FILE|URL (repeat it to combine several images)."));
          return FALSE;
        }
      mode = n_images > 1 ? KS_MODE_MULTI : KS_MODE_EDIT;
    }

  if (cli->endpoint != NULL)
    {
      endpoint = ks_endpoint_lookup (cli->endpoint);
      if (endpoint == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown endpoint “%s”."), cli->endpoint);
          return FALSE;
        }
      if (ks_endpoint_get_mode (endpoint) != mode)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Endpoint “%s” does not fit “%s” with %u image(s)."),
                       cli->endpoint, cli->command == COMMAND_GENERATE ? "generate" : "edit", n_images);
          return FALSE;
        }
    }
  else
    {
      if (cli->model != NULL && !ks_model_from_string (cli->model, &model))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown model “%s”: use pro or max."), cli->model);
          return FALSE;
        }
      endpoint = ks_endpoint_find (model, mode);
    }

  cli->params = ks_params_new (endpoint);
  cli->endpoint_id = ks_endpoint_get_id (endpoint);

  if (cli->prompt != NULL)
    ks_params_set_prompt (cli->params, cli->prompt);

  for (guint i = 0; i < n_images; i++)
    {
      const char *image = cli->images[i];

      if (!ks_reference_is_remote (image) && !g_file_test (image, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("No such image file: %s"), image);
          return FALSE;
        }
      ks_params_add_reference (cli->params, image);
    }

  if (!set_param (cli->params, "guidance_scale", cli->guidance, error) ||
      !set_param (cli->params, "aspect_ratio", cli->aspect, error) ||
      !set_param (cli->params, "safety_tolerance", cli->safety, error) ||
      !set_param (cli->params, "seed", cli->seed, error) ||
      !set_param (cli->params, "num_images", cli->num_images, error) ||
      !set_param (cli->params, "output_format", cli->format, error))
    return FALSE;

  if (cli->enhance_prompt)
    ks_params_set_enhance_prompt (cli->params, TRUE);
  if (cli->sync_mode)
    ks_params_set_sync_mode (cli->params, TRUE);

  return ks_params_validate (cli->params, error);
}

static gboolean
setup (Cli     *cli,
       int      argc,
       char   **argv,
       GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  const char *env_base;
  GOptionEntry entries[] = {
    { "image", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &cli->images,
      N_("Image to edit: a file or an http(s) URL; repeat for several"), N_("FILE|URL") },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &cli->prompt,
      N_("What to do or draw"), N_("TEXT") },
    { "model", 'm', 0, G_OPTION_ARG_STRING, &cli->model,
      N_("FLUX.1 Kontext model: pro (default) or max"), N_("pro|max") },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &cli->endpoint,
      N_("Endpoint id, e.g. fal-ai/flux-pro/kontext/max (instead of --model)"), N_("ID") },
    { "guidance", 'g', 0, G_OPTION_ARG_STRING, &cli->guidance,
      N_("Guidance scale, 1 to 20 (default 3.5)"), "N" },
    { "aspect", 'a', 0, G_OPTION_ARG_STRING, &cli->aspect,
      N_("Aspect ratio: 21:9 16:9 4:3 3:2 1:1 2:3 3:4 9:16 9:21"), N_("RATIO") },
    { "safety", 0, 0, G_OPTION_ARG_STRING, &cli->safety,
      N_("Safety tolerance, 1 (strictest) to 6 (default 2)"), "N" },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &cli->seed,
      N_("Seed, 0 to 18446744073709551615 (default: random)"), "N" },
    { "num-images", 'n', 0, G_OPTION_ARG_STRING, &cli->num_images,
      N_("How many images, 1 to 4 (default 1)"), "N" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &cli->format,
      N_("Output format: jpeg (default) or png"), N_("jpeg|png") },
    { "enhance-prompt", 0, 0, G_OPTION_ARG_NONE, &cli->enhance_prompt,
      N_("Let the service enhance the prompt"), NULL },
    { "sync-mode", 0, 0, G_OPTION_ARG_NONE, &cli->sync_mode,
      N_("Return images inline, not kept in the service's history"), NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &cli->out_dir,
      N_("Directory for the images (default: the current one; created if missing)"), N_("DIR") },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &cli->base_url,
      N_("Queue service (default: $KONTEXT_BASE_URL or https://queue.fal.run)"), N_("URL") },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &cli->auth,
      N_("Authorization scheme: key (fal, default) or bearer"), N_("key|bearer") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &cli->json,
      N_("Print one JSON object per event on stdout"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &cli->timeout,
      N_("Give up following after this many seconds (the job goes on)"), N_("SECONDS") },
    { "upload", 0, 0, G_OPTION_ARG_NONE, &cli->upload,
      N_("Upload local images through the service's storage instead of inlining them"), NULL },
    { "poll", 0, 0, G_OPTION_ARG_NONE, &cli->poll,
      N_("Follow the status by polling instead of streaming"), NULL },
    { "retry-delay", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &cli->retry_base_delay,
      N_("First delay between retries, in milliseconds"), N_("MS") },
    { "poll-interval", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &cli->poll_interval,
      N_("Delay between status polls, in milliseconds"), N_("MS") },
    { "library", 'l', 0, G_OPTION_ARG_FILENAME, &cli->library_dir,
      N_("The library that keeps every job (default: $KS_LIBRARY_DIR, else "
         "$XDG_DATA_HOME/kontext-studio/library)"), N_("DIR") },
    { "no-library", 0, 0, G_OPTION_ARG_NONE, &cli->no_library,
      N_("edit, generate: keep nothing in the library (only --out)"), NULL },
    { "new", 0, 0, G_OPTION_ARG_NONE, &cli->new_submit,
      N_("resubmit: always send a new job, even when the service has the first one"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &cli->version,
      N_("Print the version and exit"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("COMMAND [ID] — edit and generate images with FLUX.1 Kontext"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, _(exit_codes_help));

  if (!g_option_context_parse (context, &argc, &argv, error))
    return FALSE;

  if (cli->version)
    return TRUE;

  if (!parse_command (cli, argc, argv, error))
    return FALSE;

  if (cli->base_url == NULL)
    {
      env_base = g_getenv ("KONTEXT_BASE_URL");
      cli->base_url = g_strdup (env_base != NULL && env_base[0] != '\0' ? env_base : KS_DEFAULT_BASE_URL);
    }
  if (!ks_client_check_base_url (cli->base_url, error))
    return FALSE;

  if (cli->timeout < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--timeout must be a number of seconds."));
      return FALSE;
    }

  cli->client = ks_client_new (cli->base_url);
  if (cli->auth != NULL)
    {
      if (g_ascii_strcasecmp (cli->auth, "key") == 0)
        ks_client_set_auth_scheme (cli->client, KS_AUTH_KEY);
      else if (g_ascii_strcasecmp (cli->auth, "bearer") == 0)
        ks_client_set_auth_scheme (cli->client, KS_AUTH_BEARER);
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown --auth “%s”: use key or bearer."), cli->auth);
          return FALSE;
        }
    }
  g_object_set (cli->client,
                "upload-references", cli->upload,
                "use-streaming", !cli->poll,
                NULL);
  if (cli->retry_base_delay > 0)
    g_object_set (cli->client, "retry-base-delay", (guint) cli->retry_base_delay, NULL);
  if (cli->poll_interval > 0)
    g_object_set (cli->client, "poll-interval", (guint) cli->poll_interval, NULL);

  switch (cli->command)
    {
    case COMMAND_EDIT:
    case COMMAND_GENERATE:
      if (!build_params (cli, error))
        return FALSE;
      break;

    case COMMAND_STATUS:
    case COMMAND_RESULT:
    case COMMAND_CANCEL:
      {
        const KsEndpoint *endpoint;
        KsModel model = KS_MODEL_PRO;

        if (cli->endpoint != NULL)
          endpoint = ks_endpoint_lookup (cli->endpoint);
        else if (cli->model == NULL || ks_model_from_string (cli->model, &model))
          endpoint = ks_endpoint_find (model, KS_MODE_EDIT);
        else
          endpoint = NULL;

        if (endpoint == NULL)
          {
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                         _("Unknown model or endpoint: use --model pro|max or --endpoint ID."));
            return FALSE;
          }
        cli->endpoint_id = ks_endpoint_get_id (endpoint);
      }
      break;

    case COMMAND_LIST:
    case COMMAND_RESUME:
    case COMMAND_RESUBMIT:
      if (cli->no_library)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       _("“%s” works on the library: drop --no-library."), argv[1]);
          return FALSE;
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (cli->command == COMMAND_EDIT || cli->command == COMMAND_GENERATE ||
      cli->command == COMMAND_RESULT || cli->command == COMMAND_RESUBMIT)
    {
      g_autoptr(GError) local_error = NULL;

      cli->directory = g_file_new_for_commandline_arg (cli->out_dir ? cli->out_dir : ".");
      if (!g_file_make_directory_with_parents (cli->directory, NULL, &local_error) &&
          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_autofree char *path = g_file_get_path (cli->directory);

          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Cannot create the output directory %s: %s"),
                       path, local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  Cli cli = { 0 };
  g_autoptr(GError) error = NULL;
  int exit_code;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("kontext-cli");
  /* stdout is for scripts: diagnostics, even debug output, go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (!setup (&cli, argc, argv, &error))
    {
      cli.output = ks_cli_output_new (cli.json);
      if (error->domain == G_OPTION_ERROR)
        {
          JsonObject *event = ks_cli_event_new ("error");

          json_object_set_string_member (event, "code", "usage");
          json_object_set_int_member (event, "exit_code", KS_CLI_EXIT_USAGE);
          json_object_set_string_member (event, "message", error->message);
          ks_cli_output_event (cli.output, event);
          ks_cli_output_message (cli.output, _("Error: %s"), error->message);
          ks_cli_output_message (cli.output, _("Run “kontext-cli --help” for the options."));
          exit_code = KS_CLI_EXIT_USAGE;
        }
      else
        {
          _ks_cli_report_error (&cli, error, NULL);
          exit_code = ks_cli_exit_code_for_error (error);
        }
      cli_clear (&cli);
      return exit_code;
    }

  if (cli.version)
    {
      g_print ("kontext-cli %s\n", PACKAGE_VERSION);
      cli_clear (&cli);
      return KS_CLI_EXIT_OK;
    }

  cli.output = ks_cli_output_new (cli.json);

  if (cli.command == COMMAND_LIST)
    {
      /* Nothing to send: no key needed. */
      exit_code = _ks_cli_list (&cli);
      cli_clear (&cli);
      return exit_code;
    }

  cli.loop = g_main_loop_new (NULL, FALSE);
  cli.cancellable = g_cancellable_new ();
  cli.saved_paths = g_ptr_array_new_with_free_func (g_free);
  cli.sigint_source = g_unix_signal_add (SIGINT, on_sigint, &cli);

  ks_credentials_lookup_async (cli.base_url,
                               KS_CREDENTIALS_DEFAULT_TIMEOUT_MS,
                               cli.cancellable,
                               key_lookup_cb,
                               &cli);

  g_main_loop_run (cli.loop);

  /* Whatever happened, the library has everything before we leave. */
  if (cli.library != NULL)
    ks_library_flush (cli.library);

  exit_code = cli.exit_code;
  cli_clear (&cli);

  return exit_code;
}
