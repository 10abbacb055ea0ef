#define G_LOG_DOMAIN "ks-job"

#include "config.h"

#include <glib/gi18n.h>

#include "ks-client.h"
#include "ks-error.h"
#include "ks-job-private.h"

/* A run of a job, from ks_job_run_async() to its end, and the cancel
 * sent to the service. */

/* ---- the end of a run --------------------------------------------------- */

static void
complete_cancel_waiters (KsJob        *self,
                         gboolean      accepted,
                         const GError *error)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (self->cancel_waiters == NULL || self->cancel_waiters->len == 0)
    return;

  waiters = g_steal_pointer (&self->cancel_waiters);
  self->cancel_waiters = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, accepted);
    }
}

/* Stops timers and in-flight work, and completes the run. */
void
_ks_job_end_run (KsJob        *self,
                 const GError *run_error)
{
  g_autoptr(GTask) task = NULL;

  _ks_job_stop_clock (self);
  _ks_job_stop_sources (self);
  _ks_job_stop_waiting (self);

  /* Whatever is still on the wire (other downloads, an open stream) is
   * of no use any more. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  /* A cancel still waiting for the request id will never be sent. */
  if (self->request == NULL && !self->cancel_in_flight)
    {
      if (self->state == KS_JOB_STATE_CANCELLED)
        complete_cancel_waiters (self, TRUE, NULL);
      else
        {
          g_autoptr(GError) error = NULL;

          if (ks_job_state_is_finished (self->state))
            error = g_error_new_literal (KS_ERROR, KS_ERROR_ALREADY_COMPLETED,
                                         _("The job ended before it reached the service: there is nothing to cancel."));
          else
            error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _("Stopped before the service named the request."));
          complete_cancel_waiters (self, FALSE, error);
        }
    }

  task = g_steal_pointer (&self->run_task);
  if (task == NULL)
    return;

  /* Last of all: the record is saved as the run leaves the job. */
  _ks_job_journal_end (self, run_error);

  if (run_error != NULL)
    g_task_return_error (task, g_error_copy (run_error));
  else
    g_task_return_boolean (task, TRUE);
}

/* The caller's cancellable fired: stop following, leave the state as it
 * was (the job may well go on on the server). */
static gboolean
user_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  KsJob *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!_ks_job_is_running (self))
    return G_SOURCE_REMOVE;

  g_debug ("Stopped following the job locally");

  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Stopped following the job; it may still run on the service."));
  _ks_job_end_run (self, error);

  return G_SOURCE_REMOVE;
}

/* ---- waiting for the network -------------------------------------------- */

/* Starts the steps: follows the request the job was made for, or
 * prepares and submits. */
static void
job_go (KsJob *self)
{
  if (self->request != NULL)
    {
      /* Following an existing request: time counts from now. */
      _ks_job_start_clock (self);
      if (self->cancel_waiters->len > 0)
        _ks_job_send_cancel (self);
      _ks_job_follow_status (self);
    }
  else
    _ks_job_prepare (self);
}

void
_ks_job_stop_waiting (KsJob *self)
{
  if (self->monitor != NULL)
    {
      g_clear_signal_handler (&self->network_handler, self->monitor);
      g_clear_object (&self->monitor);
    }
  if (self->context != NULL)
    _ks_job_remove_source (&self->network_source, self->context);
}

static gboolean
network_back_cb (gpointer user_data)
{
  KsJob *self = user_data;

  self->network_source = 0;

  if (!_ks_job_is_running (self) || self->state != KS_JOB_STATE_WAITING)
    return G_SOURCE_REMOVE;

  /* The monitor may change its mind more than once. */
  if (!ks_client_is_online (self->client))
    return G_SOURCE_REMOVE;

  g_debug ("The network is back");
  _ks_job_stop_waiting (self);
  job_go (self);

  return G_SOURCE_REMOVE;
}

/* The monitor may emit from wherever it lives: the job goes on from its
 * own main context. */
static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  KsJob *self = user_data;
  g_autoptr(GSource) source = NULL;

  if (!available || self->network_source != 0 || self->context == NULL)
    return;

  source = g_idle_source_new ();
  g_source_set_callback (source, network_back_cb, self, NULL);
  g_source_set_static_name (source, "[ks-job-network]");
  self->network_source = g_source_attach (source, self->context);
}

static void
job_wait_for_network (KsJob *self)
{
  g_debug ("Offline: waiting for the network");

  self->monitor = g_object_ref (ks_client_get_network_monitor (self->client));
  self->network_handler = g_signal_connect (self->monitor, "network-changed",
                                            G_CALLBACK (network_changed_cb), self);
  _ks_job_set_state (self, KS_JOB_STATE_WAITING);
}

/* ---- cancel on the service ---------------------------------------------- */

static void
cancel_reply_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KsJob) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean accepted;

  accepted = ks_client_cancel_finish (KS_CLIENT (object), result, &error);
  self->cancel_in_flight = FALSE;

  g_debug ("Cancel %s", accepted ? "accepted" : error->message);

  complete_cancel_waiters (self, accepted, error);
}

void
_ks_job_send_cancel (KsJob *self)
{
  g_assert (self->request != NULL);

  if (self->cancel_in_flight)
    return;

  self->cancel_in_flight = TRUE;
  /* Not the run's cancellable: the cancel must reach the service even if
   * the caller stops following the job. Each waiter has its own. */
  ks_client_cancel_async (self->client,
                          self->request,
                          NULL,
                          cancel_reply_cb,
                          g_object_ref (self));
}

/* ---- public API ---------------------------------------------------------- */

void
ks_job_run_async (KsJob               *self,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_JOB (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_job_run_async);
  /* The job's state is the truth, whatever happened to the cancellable
   * after it ended. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->run_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The job is already running."));
      return;
    }

  if (ks_job_state_is_finished (self->state))
    {
      if (self->state == KS_JOB_STATE_COMPLETED)
        g_task_return_boolean (task, TRUE);
      else if (self->error != NULL)
        g_task_return_error (task, g_error_copy (self->error));
      else
        g_task_return_new_error (task, KS_ERROR, KS_ERROR_CANCELLED,
                                 _("The job was cancelled."));
      return;
    }

  if (self->request == NULL && self->params == NULL)
    {
      g_task_return_new_error (task, KS_ERROR, KS_ERROR_INVALID_PARAMS,
                               _("The job has neither parameters nor a request to follow."));
      return;
    }

  self->run_task = g_steal_pointer (&task);

  /* A run after a local stop: the record names the job again. */
  if (self->library != NULL)
    _ks_job_journal_attach (self, self->library, self->record);

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (cancellable != NULL)
    {
      self->user_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->user_cancel_source,
                             G_SOURCE_FUNC (user_cancelled_cb), self, NULL);
      g_source_set_static_name (self->user_cancel_source, "[ks-job-cancel]");
      g_source_attach (self->user_cancel_source, self->context);
    }

  if (!ks_client_is_online (self->client))
    job_wait_for_network (self);
  else
    job_go (self);
}

gboolean
ks_job_run_finish (KsJob         *self,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (KS_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_job_cancel_async (KsJob               *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KS_IS_JOB (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_job_cancel_async);

  self->cancel_requested = TRUE;

  if (self->request != NULL)
    {
      g_ptr_array_add (self->cancel_waiters, g_steal_pointer (&task));
      _ks_job_send_cancel (self);
      return;
    }

  if (ks_job_state_is_finished (self->state))
    {
      if (self->state == KS_JOB_STATE_CANCELLED)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_new_error (task, KS_ERROR, KS_ERROR_ALREADY_COMPLETED,
                                 _("The job ended before it reached the service: there is nothing to cancel."));
      return;
    }

  if (!_ks_job_is_running (self))
    {
      /* Never started: it never will. */
      _ks_job_cancel_unstarted (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->cancel_waiters, g_steal_pointer (&task));

  /* Waiting or preparing: nothing has reached the service, the submit is
   * never sent. Submitting: the cancel goes out as soon as the service
   * names the request. */
  if (self->state == KS_JOB_STATE_WAITING ||
      self->state == KS_JOB_STATE_PREPARING)
    _ks_job_cancelled (self);
}

gboolean
ks_job_cancel_finish (KsJob         *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (KS_IS_JOB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

