#define G_LOG_DOMAIN "ks-library"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-error.h"
#include "ks-job.h"
#include "ks-library-private.h"
#include "ks-params.h"
#include "ks-record.h"

/* Jobs that write into the library: new ones, resubmissions, and the
 * unfinished ones taken up again after a restart. */

static GQuark
demo_base_quark (void)
{
  return g_quark_from_static_string ("ks-library-demo-base-url");
}

/* Base URLs compare without their trailing slashes (the client strips
 * them). */
static gboolean
same_base (const char *a,
           const char *b)
{
  gsize la, lb;

  if (a == NULL || b == NULL)
    return FALSE;

  la = strlen (a);
  lb = strlen (b);
  while (la > 0 && a[la - 1] == '/')
    la--;
  while (lb > 0 && b[lb - 1] == '/')
    lb--;

  return la == lb && g_ascii_strncasecmp (a, b, la) == 0;
}

void
ks_library_set_demo_base_url (KsLibrary  *self,
                              const char *base_url)
{
  g_return_if_fail (KS_IS_LIBRARY (self));

  g_object_set_qdata_full (G_OBJECT (self), demo_base_quark (),
                           g_strdup (base_url), g_free);
}

const char *
ks_library_get_demo_base_url (KsLibrary *self)
{
  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);

  return g_object_get_qdata (G_OBJECT (self), demo_base_quark ());
}

/* ---- new jobs --------------------------------------------------------------- */

KsJob *
ks_library_create_job (KsLibrary  *self,
                       KsClient   *client,
                       KsParams   *params,
                       const char *parent_id,
                       guint       parent_image)
{
  g_autoptr(KsRecord) record = NULL;
  const char *base_url;
  KsJob *job;

  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (KS_IS_CLIENT (client), NULL);
  g_return_val_if_fail (KS_IS_PARAMS (params), NULL);

  base_url = ks_client_get_base_url (client);
  record = ks_record_new (params, base_url,
                          same_base (base_url, ks_library_get_demo_base_url (self)));
  if (parent_id != NULL)
    ks_record_set_parent (record, parent_id, parent_image);

  ks_library_add (self, record);

  job = ks_job_new (client, ks_record_get_params (record));
  ks_job_set_library (job, self, record);

  return job;
}

KsRecord *
ks_library_resubmit (KsLibrary *self,
                     KsRecord  *record,
                     KsClient  *client)
{
  g_autoptr(KsParams) params = NULL;
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(KsJob) job = NULL;
  GPtrArray *references;

  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (KS_IS_RECORD (record), NULL);
  g_return_val_if_fail (KS_IS_CLIENT (client), NULL);

  params = ks_params_copy (ks_record_get_params (record));

  /* The references as they were sent, from the library: the files the
   * user gave may have moved since. */
  references = ks_record_get_references (record);
  if (references != NULL && references->len > 0)
    {
      sources = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < references->len; i++)
        {
          const KsRecordReference *ref = g_ptr_array_index (references, i);

          if (ref->file != NULL)
            {
              g_autoptr(GFile) file = ks_library_resolve (self, ref->file);
              g_ptr_array_add (sources, g_file_get_path (file));
            }
          else
            g_ptr_array_add (sources, g_strdup (ref->url));
        }
      g_ptr_array_add (sources, NULL);
      ks_params_set_references (params, (const char * const *) sources->pdata);
    }

  job = ks_library_create_job (self, client, params,
                               ks_record_get_parent_id (record),
                               ks_record_get_parent_image (record));
  /* A job of a sweep stays on its contact sheet. */
  if (ks_record_get_batch_id (record) != NULL)
    ks_record_set_batch (ks_job_get_record (job),
                         ks_record_get_batch_id (record),
                         ks_record_get_batch_label (record));

  /* The new record holds its job until the run ends. */
  return ks_job_get_record (job);
}

/* ---- following a failed job again --------------------------------------- */

/* The service's own word on the job, or a result that is gone: following
 * the same request again would only repeat it. */
static gboolean
is_final_verdict (const char *code)
{
  static const int verdicts[] = {
    KS_ERROR_VALIDATION,
    KS_ERROR_CONTENT_POLICY,
    KS_ERROR_FAILED,
    KS_ERROR_CANCELLED,
    KS_ERROR_EXPIRED,
    KS_ERROR_NOT_FOUND,
    KS_ERROR_INVALID_PARAMS,
  };

  if (code == NULL)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (verdicts); i++)
    if (g_strcmp0 (code, ks_error_code_nick (verdicts[i])) == 0)
      return TRUE;

  return FALSE;
}

gboolean
ks_record_can_follow_again (KsRecord *record)
{
  g_return_val_if_fail (KS_IS_RECORD (record), FALSE);

  return ks_record_get_state (record) == KS_RECORD_STATE_FAILED &&
         ks_record_get_request (record) != NULL &&
         ks_record_get_job (record) == NULL &&
         !ks_record_get_simulated (record) &&
         !is_final_verdict (ks_record_get_error_code (record));
}

KsJob *
ks_library_follow_again (KsLibrary *self,
                         KsRecord  *record,
                         KsClient  *client)
{
  KsJob *job;

  g_return_val_if_fail (KS_IS_LIBRARY (self), NULL);
  g_return_val_if_fail (KS_IS_RECORD (record), NULL);
  g_return_val_if_fail (KS_IS_CLIENT (client), NULL);

  if (!ks_record_can_follow_again (record))
    return NULL;

  job = ks_job_new_for_request (client, ks_record_get_params (record),
                                ks_record_get_request (record));
  ks_job_set_library (job, self, record);

  return job;
}

/* ---- resume ------------------------------------------------------------------- */

typedef struct
{
  KsResumeSummary summary;
  guint           pending;
} Resume;

static void
resume_maybe_complete (GTask *task)
{
  Resume *resume = g_task_get_task_data (task);

  if (resume->pending > 0)
    return;

  g_task_return_boolean (task, TRUE);
}

static void
resumed_job_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Resume *resume = g_task_get_task_data (task);
  KsJob *job = KS_JOB (object);
  KsRecord *record = ks_job_get_record (job);
  g_autoptr(GError) error = NULL;

  ks_job_run_finish (job, result, &error);

  switch (ks_record_get_state (record))
    {
    case KS_RECORD_STATE_COMPLETED:
      resume->summary.completed++;
      break;
    case KS_RECORD_STATE_EXPIRED:
      resume->summary.expired++;
      break;
    case KS_RECORD_STATE_WAITING:
    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_UNKNOWN:
    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
    case KS_RECORD_STATE_FAILED:
    case KS_RECORD_STATE_CANCELLED:
    default:
      resume->summary.failed++;
      break;
    }

  resume->pending--;
  resume_maybe_complete (task);
}

/* A record sent to the built-in demo service: that service and its
 * results died with the process that ran it. */
static void
expire_simulated (KsLibrary *self,
                  KsRecord  *record)
{
  g_autoptr(GError) error = NULL;

  error = g_error_new_literal (KS_ERROR, KS_ERROR_EXPIRED,
                               _("This job ran on the built-in demo service, which keeps nothing "
                                 "once the app is closed. Submit it again to get a result."));
  ks_record_set_error (record, error);
  _ks_library_set_state_and_save (self, record, KS_RECORD_STATE_EXPIRED);
}

static void
resume_record (KsLibrary *self,
               KsRecord  *record,
               KsClient  *client,
               GTask     *task)
{
  Resume *resume = g_task_get_task_data (task);
  KsRecordState state = ks_record_get_state (record);
  g_autoptr(KsJob) job = NULL;

  /* Running in this process already. */
  if (ks_record_get_job (record) != NULL)
    return;

  /* Running in another one: it downloads and writes it. */
  if (ks_library_is_owned_elsewhere (self, record))
    {
      resume->summary.elsewhere++;
      return;
    }

  if (state == KS_RECORD_STATE_UNKNOWN)
    {
      resume->summary.unknown++;
      return;
    }

  if (!ks_record_state_is_unfinished (state))
    return;

  if (ks_record_get_simulated (record))
    {
      expire_simulated (self, record);
      resume->summary.expired++;
      return;
    }

  if (!same_base (ks_record_get_base_url (record), ks_client_get_base_url (client)))
    {
      resume->summary.skipped++;
      return;
    }

  switch (state)
    {
    case KS_RECORD_STATE_WAITING:
      job = ks_job_new (client, ks_record_get_params (record));
      break;

    case KS_RECORD_STATE_IN_QUEUE:
    case KS_RECORD_STATE_IN_PROGRESS:
    case KS_RECORD_STATE_DOWNLOADING:
      if (ks_record_get_request (record) != NULL)
        job = ks_job_new_for_request (client, ks_record_get_params (record),
                                      ks_record_get_request (record));
      break;

    case KS_RECORD_STATE_SUBMITTING:
    case KS_RECORD_STATE_UNKNOWN:
    case KS_RECORD_STATE_COMPLETED:
    case KS_RECORD_STATE_FAILED:
    case KS_RECORD_STATE_CANCELLED:
    case KS_RECORD_STATE_EXPIRED:
    default:
      break;
    }

  /* Submitting (a record of this process's that never loaded), or sent
   * without a request id on record: it may have been billed, and cannot
   * be followed. */
  if (job == NULL)
    {
      _ks_library_set_state_and_save (self, record, KS_RECORD_STATE_UNKNOWN);
      resume->summary.unknown++;
      return;
    }

  ks_job_set_library (job, self, record);
  resume->summary.resumed++;
  resume->pending++;

  _ks_library_emit_job_started (self, job);

  ks_job_run_async (job,
                    g_task_get_cancellable (task),
                    resumed_job_done_cb,
                    g_object_ref (task));
}

void
ks_library_resume_async (KsLibrary           *self,
                         KsClient            *client,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) records = NULL;
  Resume *resume;

  g_return_if_fail (KS_IS_LIBRARY (self));
  g_return_if_fail (KS_IS_CLIENT (client));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_library_resume_async);
  resume = g_new0 (Resume, 1);
  g_task_set_task_data (task, resume, g_free);

  /* Records and trash, oldest first: they go out in the order they were
   * made. Listed first, as resuming changes the models. */
  records = _ks_library_list_resumable (self);
  g_ptr_array_set_free_func (records, g_object_unref);
  for (guint i = 0; i < records->len; i++)
    g_object_ref (g_ptr_array_index (records, i));

  /* One extra so that a job that ends at once does not complete early. */
  resume->pending = 1;

  for (guint i = 0; i < records->len; i++)
    resume_record (self, g_ptr_array_index (records, i), client, task);

  g_debug ("Resuming %u jobs (%u unknown, %u skipped, %u elsewhere, %u expired)",
           resume->summary.resumed, resume->summary.unknown,
           resume->summary.skipped, resume->summary.elsewhere, resume->summary.expired);

  resume->pending--;
  resume_maybe_complete (task);
}

gboolean
ks_library_resume_finish (KsLibrary        *self,
                          GAsyncResult     *result,
                          KsResumeSummary  *summary,
                          GError          **error)
{
  Resume *resume;

  g_return_val_if_fail (KS_IS_LIBRARY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  /* As far as it got, even when stopped. */
  resume = g_task_get_task_data (G_TASK (result));
  if (summary != NULL)
    *summary = resume->summary;

  return g_task_propagate_boolean (G_TASK (result), error);
}
