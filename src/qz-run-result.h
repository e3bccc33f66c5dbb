/* qz-run-result.h - the numbers of one run, copied out of the engine's
 * pipeline for the Run, Compare, Board and Deploy pages.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "qe/qe_pipeline.h"
#include "qz-report-doc.h"

G_BEGIN_DECLS

typedef struct {
  double precision, recall, f1;
  gint64 support;
} QzClassMetrics;

typedef struct {
  gboolean present;
  double accuracy; /* 0..1 */
  gint64 samples;
  QzClassMetrics *per_class; /* n_classes */
  gint64 *confusion;         /* n_classes x n_classes, row = true class */
  double macro_f1, weighted_f1;
  gboolean latency_measured;
  double latency_ms; /* median on this computer */
} QzEvalResult;

typedef struct {
  char *name;
  char *op;
  double sqnr_db;
} QzLayerResult;

typedef struct {
  gboolean error; /* FALSE: runs, but on the CPU instead of the NPU */
  char *layer;
  char *op_type;
  char *message;
} QzBoardIssue;

typedef struct _QzRunResult QzRunResult;

struct _QzRunResult {
  /*< private >*/
  gatomicrefcount ref;

  /*< public, read-only >*/
  int status; /* qe_run_status */
  gint64 run_id;
  char *output_dir;
  char *report_json;
  char *log;

  char *model_path, *model_format;
  char *quantized_path, *quantized_format;
  gint64 params, macs;

  guint n_classes;
  GStrv class_names;
  QzEvalResult float_eval, quant_eval;

  gint64 float_bytes, quantized_bytes, weights_bytes, arena_bytes; /* -1 unknown */
  gboolean has_output_error;
  double rmse, mae, l2r, cos, nse;

  GPtrArray *layers; /* QzLayerResult, in model order */
  GStrv advice;      /* the quantizer's plain sentences, worst layers first */
  GStrv warnings;

  char *board_id, *board_name;
  gint64 board_flash, board_ram;
  double board_latency_ms;
  gboolean board_latency_measured;
  gboolean has_check, deployable;
  guint64 flash_needed, flash_available, ram_needed, ram_available;
  GPtrArray *issues; /* QzBoardIssue */

  double phase_seconds[QE_PHASE_COUNT]; /* NaN: the phase did not run */

  /* The report's charts (the plots library's, as in report.html), with
   * their words translated; any may be NULL. */
  QzReportCharts *charts;

  /*< private >*/
  qe_pipeline *pipeline;
  qe_config *config;
};

#define QZ_TYPE_RUN_RESULT (qz_run_result_get_type())
GType qz_run_result_get_type(void);
QzRunResult *qz_run_result_ref(QzRunResult *result);
void qz_run_result_unref(QzRunResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QzRunResult, qz_run_result_unref)

/* Copy what @p found. Call on the thread that ran it, after
 * qe_pipeline_run(). The result takes @p and @cfg (which @p borrows): the
 * charts point into the pipeline's report, which stays alive with them. */
QzRunResult *qz_run_result_new_from_pipeline(qe_pipeline *p, qe_config *cfg);

G_END_DECLS
