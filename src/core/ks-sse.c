#define G_LOG_DOMAIN "ks-sse"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-error.h"
#include "ks-sse.h"

struct _KsSseParser
{
  gsize             max_line;
  KsSseEventFunc    event_func;
  KsSseCommentFunc  comment_func;
  gpointer          user_data;

  GString          *line;         /* the line being read, without its end */
  GString          *data;         /* the event's data lines, each followed by LF */
  char             *event_type;   /* NULL: "message" */
  guint             skip_lf : 1;  /* the last byte seen was a CR: a LF right after it belongs to it */
  guint             at_start : 1; /* nothing read yet: a byte order mark may come */
  guint             failed : 1;
};

KsSseParser *
ks_sse_parser_new (gsize            max_line,
                   KsSseEventFunc   event_func,
                   KsSseCommentFunc comment_func,
                   gpointer         user_data)
{
  KsSseParser *self;

  g_return_val_if_fail (max_line > 0, NULL);

  self = g_new0 (KsSseParser, 1);
  self->max_line = max_line;
  self->event_func = event_func;
  self->comment_func = comment_func;
  self->user_data = user_data;
  self->line = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->at_start = TRUE;

  return self;
}

void
ks_sse_parser_free (KsSseParser *self)
{
  if (self == NULL)
    return;

  g_string_free (self->line, TRUE);
  g_string_free (self->data, TRUE);
  g_free (self->event_type);
  g_free (self);
}

static void
dispatch_event (KsSseParser *self)
{
  g_autofree char *event_type = g_steal_pointer (&self->event_type);

  /* No data: nothing to dispatch, only the type is reset. */
  if (self->data->len == 0)
    return;

  /* The data buffer ends in the LF of its last line: drop it. */
  g_string_truncate (self->data, self->data->len - 1);

  if (self->event_func != NULL)
    self->event_func (event_type != NULL && event_type[0] != '\0' ? event_type : "message",
                      self->data->str, self->user_data);

  g_string_truncate (self->data, 0);
}

static gboolean
process_line (KsSseParser  *self,
              GError      **error)
{
  const char *line = self->line->str;
  const char *colon;
  g_autofree char *field = NULL;
  const char *value;

  if (self->line->len == 0)
    {
      dispatch_event (self);
      return TRUE;
    }

  if (line[0] == ':')
    {
      value = line + 1;
      if (*value == ' ')
        value++;
      if (self->comment_func != NULL)
        self->comment_func (value, self->user_data);
      return TRUE;
    }

  colon = strchr (line, ':');
  if (colon != NULL)
    {
      field = g_strndup (line, colon - line);
      value = colon + 1;
      if (*value == ' ')
        value++;
    }
  else
    {
      field = g_strdup (line);
      value = "";
    }

  if (strcmp (field, "data") == 0)
    {
      if (self->data->len + strlen (value) + 1 > self->max_line)
        {
          g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                       _("The status stream sent an event larger than %lu bytes."),
                       (unsigned long) self->max_line);
          return FALSE;
        }
      g_string_append (self->data, value);
      g_string_append_c (self->data, '\n');
    }
  else if (strcmp (field, "event") == 0)
    {
      g_free (self->event_type);
      self->event_type = g_strdup (value);
    }
  /* "id", "retry" and unknown fields are ignored. */

  return TRUE;
}

gboolean
ks_sse_parser_feed (KsSseParser  *self,
                    const char   *data,
                    gsize         length,
                    GError      **error)
{
  gsize i = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->failed)
    {
      g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                           _("The status stream had already sent unreadable data."));
      return FALSE;
    }

  while (i < length)
    {
      gsize start = i;
      gsize end;

      /* A UTF-8 byte order mark at the very start is skipped; it may come
       * split across chunks, so it is matched byte by byte. */
      if (self->at_start)
        {
          static const guchar bom[] = { 0xEF, 0xBB, 0xBF };
          gsize have = self->line->len;

          if (have < 3 && (guchar) data[i] == bom[have])
            {
              g_string_append_c (self->line, data[i]);
              i++;
              if (self->line->len == 3)
                {
                  g_string_truncate (self->line, 0);
                  self->at_start = FALSE;
                }
              continue;
            }
          self->at_start = FALSE;
        }

      if (self->skip_lf)
        {
          self->skip_lf = FALSE;
          if (data[i] == '\n')
            {
              i++;
              continue;
            }
        }

      for (end = start; end < length && data[end] != '\n' && data[end] != '\r'; end++)
        ;

      if (self->line->len + (end - start) > self->max_line)
        {
          self->failed = TRUE;
          g_set_error (error, KS_ERROR, KS_ERROR_MALFORMED,
                       _("The status stream sent a line longer than %lu bytes."),
                       (unsigned long) self->max_line);
          return FALSE;
        }

      g_string_append_len (self->line, data + start, end - start);
      i = end;

      if (end < length)
        {
          /* A line ended: CR, LF, or CR LF (the LF may come in the next chunk). */
          self->skip_lf = data[end] == '\r';
          i++;

          if (memchr (self->line->str, '\0', self->line->len) != NULL)
            {
              self->failed = TRUE;
              g_set_error_literal (error, KS_ERROR, KS_ERROR_MALFORMED,
                                   _("The status stream sent a line containing a NUL byte."));
              return FALSE;
            }

          if (!process_line (self, error))
            {
              self->failed = TRUE;
              return FALSE;
            }
          g_string_truncate (self->line, 0);
        }
    }

  return TRUE;
}
