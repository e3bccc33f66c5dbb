/* qz-job.c - engine work in a GTask thread, with progress and cancel.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As Sysprof's document loader does, the worker writes its progress under a
 * mutex and schedules one idle on the main context that started the job;
 * the idle copies the values and notifies "fraction", "message" and
 * "remaining", which pages bind to progress bars and labels. The worker
 * never touches widgets and the main loop never waits for the worker.
 */
#include "config.h"

#include "qz-job.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

struct _QzJob {
  GObject parent_instance;

  /* Main thread only */
  gboolean busy;
  double fraction;
  char *message;
  double remaining;
  gint64 started_at;

  /* Shared with the worker, under @lock */
  GMutex lock;
  GMainContext *context;
  GCancellable *cancellable;
  double pending_fraction;
  char *pending_message;
  gboolean idle_queued;
};

G_DEFINE_FINAL_TYPE(QzJob, qz_job, G_TYPE_OBJECT)

enum { PROP_0, PROP_BUSY, PROP_FRACTION, PROP_MESSAGE, PROP_REMAINING, N_PROPS };

static GParamSpec *properties[N_PROPS];

typedef struct {
  QzJobFunc func;
  gpointer task_data;
  GDestroyNotify task_data_free;
  GDestroyNotify result_free;
} RunData;

static void run_data_free(RunData *data)
{
  if (data->task_data_free != NULL && data->task_data != NULL)
    data->task_data_free(data->task_data);
  g_free(data);
}

static void qz_job_dispose(GObject *object)
{
  QzJob *self = QZ_JOB(object);

  g_mutex_lock(&self->lock);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->context, g_main_context_unref);
  g_mutex_unlock(&self->lock);

  G_OBJECT_CLASS(qz_job_parent_class)->dispose(object);
}

static void qz_job_finalize(GObject *object)
{
  QzJob *self = QZ_JOB(object);

  g_clear_pointer(&self->message, g_free);
  g_clear_pointer(&self->pending_message, g_free);
  g_mutex_clear(&self->lock);

  G_OBJECT_CLASS(qz_job_parent_class)->finalize(object);
}

static void qz_job_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  QzJob *self = QZ_JOB(object);

  switch (prop_id) {
  case PROP_BUSY:
    g_value_set_boolean(value, self->busy);
    break;
  case PROP_FRACTION:
    g_value_set_double(value, self->fraction);
    break;
  case PROP_MESSAGE:
    g_value_set_string(value, self->message);
    break;
  case PROP_REMAINING:
    g_value_set_double(value, self->remaining);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_job_class_init(QzJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->dispose = qz_job_dispose;
  object_class->finalize = qz_job_finalize;
  object_class->get_property = qz_job_get_property;

  properties[PROP_BUSY] =
      g_param_spec_boolean("busy", NULL, NULL, FALSE,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRACTION] =
      g_param_spec_double("fraction", NULL, NULL, -1.0, 1.0, 0.0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
      g_param_spec_string("message", NULL, NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REMAINING] =
      g_param_spec_double("remaining", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void qz_job_init(QzJob *self)
{
  g_mutex_init(&self->lock);
  self->remaining = -1.0;
}

QzJob *qz_job_new(void)
{
  return g_object_new(QZ_TYPE_JOB, NULL);
}

static void qz_job_set_busy(QzJob *self, gboolean busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

/* Main thread: take what the worker reported and tell the bindings. */
static void qz_job_flush(QzJob *self)
{
  g_autofree char *message = NULL;
  double fraction;

  g_mutex_lock(&self->lock);
  fraction = self->pending_fraction;
  message = g_steal_pointer(&self->pending_message);
  g_mutex_unlock(&self->lock);

  g_object_freeze_notify(G_OBJECT(self));
  if (fraction != self->fraction) {
    double remaining = -1.0;
    gint64 elapsed = g_get_monotonic_time() - self->started_at;

    self->fraction = fraction;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_FRACTION]);

    /* Wait for a little progress and a second of work before guessing. */
    if (fraction >= 0.02 && fraction < 1.0 && elapsed > G_USEC_PER_SEC)
      remaining = (elapsed / (double)G_USEC_PER_SEC) * (1.0 - fraction) / fraction;
    if (remaining != self->remaining) {
      self->remaining = remaining;
      g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_REMAINING]);
    }
  }
  if (message != NULL && g_strcmp0(message, self->message) != 0) {
    g_free(self->message);
    self->message = g_steal_pointer(&message);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MESSAGE]);
  }
  g_object_thaw_notify(G_OBJECT(self));
}

static gboolean qz_job_flush_idle(gpointer user_data)
{
  QzJob *self = QZ_JOB(user_data);

  g_mutex_lock(&self->lock);
  self->idle_queued = FALSE;
  g_mutex_unlock(&self->lock);
  qz_job_flush(self);

  return G_SOURCE_REMOVE;
}

gboolean qz_job_report(QzJob *self, double fraction, const char *message)
{
  gboolean cancelled;
  GSource *source = NULL;

  g_return_val_if_fail(QZ_IS_JOB(self), FALSE);

  if (fraction > 1.0)
    fraction = 1.0;
  if (fraction < 0.0)
    fraction = -1.0;

  g_mutex_lock(&self->lock);
  self->pending_fraction = fraction;
  if (message != NULL) {
    g_free(self->pending_message);
    self->pending_message = g_strdup(message);
  }
  if (!self->idle_queued && self->context != NULL) {
    self->idle_queued = TRUE;
    source = g_idle_source_new();
    /* Before the next frame is drawn (GDK_PRIORITY_REDRAW is lower). */
    g_source_set_priority(source, G_PRIORITY_HIGH_IDLE);
    g_source_set_callback(source, qz_job_flush_idle, g_object_ref(self), g_object_unref);
    g_source_set_static_name(source, "[quantizer] job progress");
    g_source_attach(source, self->context);
  }
  cancelled = self->cancellable != NULL && g_cancellable_is_cancelled(self->cancellable);
  g_mutex_unlock(&self->lock);

  g_clear_pointer(&source, g_source_unref);

  return !cancelled;
}

int qz_job_progress_cb(void *user_data, double fraction, const char *phase)
{
  return qz_job_report(QZ_JOB(user_data), fraction, phase) ? 0 : 1;
}

/* Engine work yields to the main loop: the worker (and the threads the
 * engine starts from it, which inherit it) runs at a lower priority, so
 * drawing and input are never starved on a busy machine. Pool threads keep
 * it for the next job; raising it back needs privileges. */
static void lower_thread_priority(void)
{
#ifdef __linux__
  pid_t tid = (pid_t)syscall(SYS_gettid);

  if (getpriority(PRIO_PROCESS, (id_t)tid) < 10)
    setpriority(PRIO_PROCESS, (id_t)tid, 10);
#endif
}

static void qz_job_thread(GTask *task, gpointer source_object, gpointer task_data,
                          GCancellable *cancellable)
{
  QzJob *self = QZ_JOB(source_object);
  RunData *data = task_data;
  g_autoptr(GError) error = NULL;
  gpointer result;

  lower_thread_priority();
  result = data->func(self, data->task_data, cancellable, &error);
  if (result == NULL && error == NULL && g_cancellable_is_cancelled(cancellable))
    g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");

  if (error != NULL) {
    if (result != NULL && data->result_free != NULL)
      data->result_free(result);
    g_task_return_error(task, g_steal_pointer(&error));
  } else {
    g_task_return_pointer(task, result, data->result_free);
  }
}

static void qz_job_done(QzJob *self)
{
  /* The last report may still wait for its idle. */
  qz_job_flush(self);

  g_mutex_lock(&self->lock);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->context, g_main_context_unref);
  g_mutex_unlock(&self->lock);

  g_object_freeze_notify(G_OBJECT(self));
  if (self->remaining != -1.0) {
    self->remaining = -1.0;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_REMAINING]);
  }
  qz_job_set_busy(self, FALSE);
  g_object_thaw_notify(G_OBJECT(self));
}

/* Main thread: the worker finished. Clear "busy" first so that the caller's
 * callback sees an idle job (and may start the next run), then pass the
 * result on to the caller's task. */
static void qz_job_inner_done(GObject *object, GAsyncResult *result, gpointer user_data)
{
  QzJob *self = QZ_JOB(object);
  g_autoptr(GTask) outer = G_TASK(user_data);
  RunData *data = g_task_get_task_data(G_TASK(result));
  GDestroyNotify result_free = data->result_free;
  g_autoptr(GError) error = NULL;
  gpointer value;

  value = g_task_propagate_pointer(G_TASK(result), &error);
  qz_job_done(self);

  if (error != NULL)
    g_task_return_error(outer, g_steal_pointer(&error));
  else
    g_task_return_pointer(outer, value, result_free);
}

void qz_job_run_async(QzJob *self, QzJobFunc func, gpointer task_data,
                      GDestroyNotify task_data_free, GDestroyNotify result_free,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) inner = NULL;
  RunData *data;

  g_return_if_fail(QZ_IS_JOB(self));
  g_return_if_fail(func != NULL);
  g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));
  g_return_if_fail(!self->busy);

  data = g_new0(RunData, 1);
  data->func = func;
  data->task_data = task_data;
  data->task_data_free = task_data_free;
  data->result_free = result_free;

  task = g_task_new(self, cancellable, callback, user_data);
  g_task_set_source_tag(task, qz_job_run_async);

  inner = g_task_new(self, cancellable, qz_job_inner_done, g_object_ref(task));
  g_task_set_source_tag(inner, qz_job_thread);
  g_task_set_task_data(inner, data, (GDestroyNotify)run_data_free);
  /* The worker's result must reach qz_job_inner_done() even when cancelled. */
  g_task_set_check_cancellable(inner, FALSE);

  g_mutex_lock(&self->lock);
  g_set_object(&self->cancellable, cancellable);
  self->context = g_main_context_ref_thread_default();
  self->pending_fraction = 0.0;
  g_clear_pointer(&self->pending_message, g_free);
  g_mutex_unlock(&self->lock);

  g_object_freeze_notify(G_OBJECT(self));
  self->started_at = g_get_monotonic_time();
  self->fraction = 0.0;
  g_clear_pointer(&self->message, g_free);
  self->remaining = -1.0;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_FRACTION]);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MESSAGE]);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_REMAINING]);
  qz_job_set_busy(self, TRUE);
  g_object_thaw_notify(G_OBJECT(self));

  g_task_run_in_thread(inner, qz_job_thread);
}

gpointer qz_job_run_finish(QzJob *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(QZ_IS_JOB(self), NULL);
  g_return_val_if_fail(g_task_is_valid(result, self), NULL);

  return g_task_propagate_pointer(G_TASK(result), error);
}

gboolean qz_job_get_busy(QzJob *self)
{
  g_return_val_if_fail(QZ_IS_JOB(self), FALSE);
  return self->busy;
}

double qz_job_get_fraction(QzJob *self)
{
  g_return_val_if_fail(QZ_IS_JOB(self), 0.0);
  return self->fraction;
}

const char *qz_job_get_message(QzJob *self)
{
  g_return_val_if_fail(QZ_IS_JOB(self), NULL);
  return self->message;
}

double qz_job_get_remaining(QzJob *self)
{
  g_return_val_if_fail(QZ_IS_JOB(self), -1.0);
  return self->remaining;
}
