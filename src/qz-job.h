/* qz-job.h - engine work in a GTask thread, with progress and cancel.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define QZ_TYPE_JOB (qz_job_get_type())
G_DECLARE_FINAL_TYPE(QzJob, qz_job, QZ, JOB, GObject)

/* Runs in a worker thread. Must not touch widgets; reports progress with
 * qz_job_report() or by passing qz_job_progress_cb to the engine. Returns
 * a result (freed with the GDestroyNotify given to qz_job_run_async() when
 * nobody takes it) or NULL with @error set. */
typedef gpointer (*QzJobFunc)(QzJob *job, gpointer task_data, GCancellable *cancellable,
                              GError **error);

QzJob *qz_job_new(void);

/* Start @func in a thread. Only one run at a time per job. */
void qz_job_run_async(QzJob *self, QzJobFunc func, gpointer task_data,
                      GDestroyNotify task_data_free, GDestroyNotify result_free,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The worker's result (transfer full), or NULL with @error set. */
gpointer qz_job_run_finish(QzJob *self, GAsyncResult *result, GError **error);

/* Thread-safe: record progress; the main loop sees it in an idle. @fraction
 * in [0,1] or negative when unknown; @message may be NULL to keep the last.
 * Returns FALSE when the job was cancelled and the worker should stop. */
gboolean qz_job_report(QzJob *self, double fraction, const char *message);

/* A qe_progress_fn whose user_data is the QzJob: the engine's progress
 * lands in the job, and a cancelled job makes the engine stop. */
int qz_job_progress_cb(void *user_data, double fraction, const char *phase);

/* Main thread: the last reported values. */
gboolean qz_job_get_busy(QzJob *self);
double qz_job_get_fraction(QzJob *self);
const char *qz_job_get_message(QzJob *self);
/* Seconds still to go, estimated from the progress so far; negative when
 * it cannot be told yet. */
double qz_job_get_remaining(QzJob *self);

G_END_DECLS
