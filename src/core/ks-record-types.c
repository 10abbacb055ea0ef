#define G_LOG_DOMAIN "ks-record"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-record.h"

/* The record's states and its boxed parts: references and images. */

/* ---- state ---------------------------------------------------------------- */

static const char * const state_nicks[] = {
  [KS_RECORD_STATE_WAITING] = "waiting",
  [KS_RECORD_STATE_SUBMITTING] = "submitting",
  [KS_RECORD_STATE_UNKNOWN] = "unknown",
  [KS_RECORD_STATE_IN_QUEUE] = "in-queue",
  [KS_RECORD_STATE_IN_PROGRESS] = "in-progress",
  [KS_RECORD_STATE_DOWNLOADING] = "downloading",
  [KS_RECORD_STATE_COMPLETED] = "completed",
  [KS_RECORD_STATE_FAILED] = "failed",
  [KS_RECORD_STATE_CANCELLED] = "cancelled",
  [KS_RECORD_STATE_EXPIRED] = "expired",
};

const char *
ks_record_state_to_string (KsRecordState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_nicks), NULL);

  return state_nicks[state];
}

gboolean
ks_record_state_from_string (const char    *nick,
                             KsRecordState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (nick == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (state_nicks); i++)
    {
      if (g_str_equal (nick, state_nicks[i]))
        {
          *state = (KsRecordState) i;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
ks_record_state_is_unfinished (KsRecordState state)
{
  switch (state)
    {
    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
      return TRUE;

    case KS_RECORD_STATE_UNKNOWN:
    case KS_RECORD_STATE_COMPLETED:
    case KS_RECORD_STATE_FAILED:
    case KS_RECORD_STATE_CANCELLED:
    case KS_RECORD_STATE_EXPIRED:
    default:
      return FALSE;
    }
}

/* ---- boxed types ------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (KsRecordReference, ks_record_reference,
                     ks_record_reference_copy, ks_record_reference_free)

KsRecordReference *
ks_record_reference_copy (const KsRecordReference *self)
{
  KsRecordReference *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KsRecordReference, 1);
  copy->source_name = g_strdup (self->source_name);
  copy->url = g_strdup (self->url);
  copy->sha256 = g_strdup (self->sha256);
  copy->mime_type = g_strdup (self->mime_type);
  copy->file = g_strdup (self->file);
  copy->width = self->width;
  copy->height = self->height;

  return copy;
}

void
ks_record_reference_free (KsRecordReference *self)
{
  if (self == NULL)
    return;

  g_free (self->source_name);
  g_free (self->url);
  g_free (self->sha256);
  g_free (self->mime_type);
  g_free (self->file);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (KsRecordImage, ks_record_image,
                     ks_record_image_copy, ks_record_image_free)

KsRecordImage *
ks_record_image_copy (const KsRecordImage *self)
{
  KsRecordImage *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KsRecordImage, 1);
  copy->index = self->index;
  copy->url = g_strdup (self->url);
  copy->content_type = g_strdup (self->content_type);
  copy->file = g_strdup (self->file);
  copy->width = self->width;
  copy->height = self->height;
  copy->has_nsfw_concepts = self->has_nsfw_concepts;

  return copy;
}

void
ks_record_image_free (KsRecordImage *self)
{
  if (self == NULL)
    return;

  g_free (self->url);
  g_free (self->content_type);
  g_free (self->file);
  g_free (self);
}
