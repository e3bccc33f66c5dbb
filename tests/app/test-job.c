/* test-job.c - QzJob: work in a thread, progress on the main loop, cancel.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qe/qe.h"
#include "qz-job.h"
#include "qz-test.h"

typedef struct {
  GThread *main_thread;
  guint fraction_notifies;
  gboolean wrong_thread;
  double last_fraction;
  char *last_message;
  gboolean done;
  gpointer result;
  GError *error;
  guint busy_at_callback;
} Watch;

static void fraction_cb(QzJob *job, GParamSpec *pspec, Watch *w)
{
  if (g_thread_self() != w->main_thread)
    w->wrong_thread = TRUE;
  w->fraction_notifies++;
  w->last_fraction = qz_job_get_fraction(job);
}

static void message_cb(QzJob *job, GParamSpec *pspec, Watch *w)
{
  g_free(w->last_message);
  w->last_message = g_strdup(qz_job_get_message(job));
}

static void done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  Watch *w = user_data;

  w->busy_at_callback = qz_job_get_busy(QZ_JOB(object));
  w->result = qz_job_run_finish(QZ_JOB(object), result, &w->error);
  w->done = TRUE;
}

/* The worker thread drops its task, and with it a reference to the job,
 * a moment after the result reached the main loop. */
static gboolean only_ref(gpointer data)
{
  return g_atomic_int_get(&G_OBJECT(data)->ref_count) == 1;
}

static gboolean watch_done(gpointer data)
{
  return ((Watch *)data)->done;
}

/* A worker that counts to 50, reporting as it goes. */
static gpointer counting_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                                GError **error)
{
  guint *steps = task_data;

  for (guint i = 1; i <= *steps; i++) {
    g_usleep(2000);
    if (!qz_job_report(job, i / (double)*steps, i < *steps ? "counting" : "finished"))
      return NULL;
  }
  return g_strdup_printf("counted to %u", *steps);
}

static void test_job_progress(void)
{
  QzJob *job = qz_job_new();
  Watch w = { .main_thread = g_thread_self() };
  guint *steps = g_new(guint, 1);

  *steps = 50;
  g_signal_connect(job, "notify::fraction", G_CALLBACK(fraction_cb), &w);
  g_signal_connect(job, "notify::message", G_CALLBACK(message_cb), &w);

  qz_job_run_async(job, counting_worker, steps, g_free, g_free, NULL, done_cb, &w);
  g_assert_true(qz_job_get_busy(job));
  g_assert_true(qz_test_wait_until(watch_done, &w, 10000));

  g_assert_no_error(w.error);
  g_assert_cmpstr(w.result, ==, "counted to 50");
  g_assert_false(w.wrong_thread);
  g_assert_cmpuint(w.fraction_notifies, >=, 2);
  /* Progress is coalesced, never lost: the last report arrives. */
  g_assert_cmpfloat(w.last_fraction, ==, 1.0);
  g_assert_cmpstr(w.last_message, ==, "finished");
  /* The job is idle again before the caller hears about the result. */
  g_assert_false(w.busy_at_callback);
  g_assert_false(qz_job_get_busy(job));

  g_free(w.result);
  g_free(w.last_message);
  qz_test_flush();
  g_assert_true(qz_test_wait_until(only_ref, job, 5000));
  g_assert_finalize_object(job);
}

/* A worker that runs until cancelled, through the engine's progress
 * callback as real engine work does. */
static gpointer engine_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                              GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_status status = QE_OK;
  gint *started = task_data;

  qe_ctx_set_progress(ctx, qz_job_progress_cb, job);
  for (guint i = 0; status == QE_OK && i < 100000; i++) {
    status = qe_progress(ctx, -1.0, "calibrating");
    g_atomic_int_set(started, 1);
    g_usleep(1000);
  }
  if (status != QE_OK) {
    g_set_error(error, G_IO_ERROR,
                status == QE_ERR_CANCELLED ? G_IO_ERROR_CANCELLED : G_IO_ERROR_FAILED, "%s",
                qe_ctx_error(ctx));
    qe_ctx_free(ctx);
    return NULL;
  }
  qe_ctx_free(ctx);
  return g_strdup("not cancelled");
}

static gboolean worker_started(gpointer data)
{
  return g_atomic_int_get((gint *)data) != 0;
}

static void test_job_cancel(void)
{
  QzJob *job = qz_job_new();
  GCancellable *cancellable = g_cancellable_new();
  Watch w = { .main_thread = g_thread_self() };
  gint *started = g_new0(gint, 1);
  gint64 cancelled_at;

  qz_job_run_async(job, engine_worker, started, g_free, g_free, cancellable, done_cb, &w);
  g_assert_true(qz_test_wait_until(worker_started, started, 10000));
  g_assert_true(qz_job_get_busy(job));

  cancelled_at = g_get_monotonic_time();
  g_cancellable_cancel(cancellable);
  g_assert_true(qz_test_wait_until(watch_done, &w, 10000));

  /* The engine stopped at its next progress call. */
  g_assert_cmpint(g_get_monotonic_time() - cancelled_at, <, 2 * G_USEC_PER_SEC);
  g_assert_error(w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null(w.result);
  g_assert_false(qz_job_get_busy(job));
  g_assert_cmpstr(qz_job_get_message(job), ==, "calibrating");

  g_clear_error(&w.error);
  qz_test_flush();
  g_assert_true(qz_test_wait_until(only_ref, job, 5000));
  g_assert_finalize_object(cancellable);
  g_assert_finalize_object(job);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/job/progress", test_job_progress);
  g_test_add_func("/app/job/cancel", test_job_cancel);

  return g_test_run();
}
