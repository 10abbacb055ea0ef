#define G_LOG_DOMAIN "ks-cli"

#include "config.h"

#include <stdio.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-cli-output.h"

struct _KsCliOutput
{
  gboolean  json;
  gboolean  tty;
  gboolean  progress_showing;  /* a line without newline is on the terminal */
  char     *last_key;
};

int
ks_cli_exit_code_for_error (const GError *error)
{
  if (error == NULL)
    return KS_CLI_EXIT_OK;

  if (error->domain == G_OPTION_ERROR)
    return KS_CLI_EXIT_USAGE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return KS_CLI_EXIT_INTERRUPTED;

  if (error->domain != KS_ERROR)
    return KS_CLI_EXIT_OTHER;

  switch ((KsError) error->code)
    {
    case KS_ERROR_INVALID_PARAMS:
    case KS_ERROR_INSECURE:
      return KS_CLI_EXIT_USAGE;
    case KS_ERROR_NO_KEY:
    case KS_ERROR_KEYRING:
      return KS_CLI_EXIT_NO_KEY;
    case KS_ERROR_UNAUTHORIZED:
      return KS_CLI_EXIT_UNAUTHORIZED;
    case KS_ERROR_FORBIDDEN:
      return KS_CLI_EXIT_FORBIDDEN;
    case KS_ERROR_VALIDATION:
      return KS_CLI_EXIT_VALIDATION;
    case KS_ERROR_CONTENT_POLICY:
      return KS_CLI_EXIT_CONTENT_POLICY;
    case KS_ERROR_RATE_LIMITED:
      return KS_CLI_EXIT_RATE_LIMITED;
    case KS_ERROR_SERVER:
      return KS_CLI_EXIT_SERVER;
    case KS_ERROR_TIMEOUT:
      return KS_CLI_EXIT_TIMEOUT;
    case KS_ERROR_NETWORK:
      return KS_CLI_EXIT_NETWORK;
    case KS_ERROR_MALFORMED:
      return KS_CLI_EXIT_MALFORMED;
    case KS_ERROR_EXPIRED:
    case KS_ERROR_NOT_FOUND:
      return KS_CLI_EXIT_NOT_FOUND;
    case KS_ERROR_BAD_IMAGE:
    case KS_ERROR_TOO_LARGE:
    case KS_ERROR_UNSUPPORTED_FORMAT:
      return KS_CLI_EXIT_BAD_IMAGE;
    case KS_ERROR_CANCELLED:
      return KS_CLI_EXIT_CANCELLED;
    case KS_ERROR_FAILED:
      return KS_CLI_EXIT_FAILED;
    case KS_ERROR_ALREADY_COMPLETED:
    case KS_ERROR_IO:
    default:
      return KS_CLI_EXIT_OTHER;
    }
}

KsCliOutput *
ks_cli_output_new (gboolean json)
{
  KsCliOutput *self = g_new0 (KsCliOutput, 1);

  self->json = json;
  self->tty = isatty (STDERR_FILENO);

  return self;
}

void
ks_cli_output_free (KsCliOutput *self)
{
  if (self == NULL)
    return;

  ks_cli_output_end_progress (self);
  g_free (self->last_key);
  g_free (self);
}

gboolean
ks_cli_output_is_json (KsCliOutput *self)
{
  return self->json;
}

void
ks_cli_output_end_progress (KsCliOutput *self)
{
  if (!self->progress_showing)
    return;

  fputs ("\r\033[K", stderr);
  fflush (stderr);
  self->progress_showing = FALSE;
}

void
ks_cli_output_progress (KsCliOutput *self,
                        const char  *key,
                        const char  *text)
{
  if (self->tty)
    {
      fprintf (stderr, "\r\033[K%s", text);
      fflush (stderr);
      self->progress_showing = TRUE;
      return;
    }

  if (g_strcmp0 (self->last_key, key) == 0)
    return;

  g_free (self->last_key);
  self->last_key = g_strdup (key);
  fprintf (stderr, "%s\n", text);
  fflush (stderr);
}

void
ks_cli_output_message (KsCliOutput *self,
                       const char  *format,
                       ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  ks_cli_output_end_progress (self);
  fprintf (stderr, "%s\n", text);
  fflush (stderr);
}

void
ks_cli_output_result (KsCliOutput *self,
                      const char  *line)
{
  if (self->json)
    return;

  fprintf (stdout, "%s\n", line);
  fflush (stdout);
}

JsonObject *
ks_cli_event_new (const char *type)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", type);

  return event;
}

void
ks_cli_output_event (KsCliOutput *self,
                     JsonObject  *event)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_take_object (root, event);

  if (!self->json)
    return;

  text = json_to_string (root, FALSE);
  fprintf (stdout, "%s\n", text);
  fflush (stdout);
}
