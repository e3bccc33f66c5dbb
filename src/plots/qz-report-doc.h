/* qz-report-doc.h - the human report of a run: the comparison plots built
 * from a qe_report, written as one HTML file (plots embedded as PNG data
 * URIs, so it can be mailed) or a multi-page PDF.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "qe/qe_pipeline.h"
#include "qe/qe_report.h"
#include "qz-plots.h"

G_BEGIN_DECLS

/* Every word the report shows. qz_report_labels_init() fills them
 * translated (gettext domain GETTEXT_PACKAGE); callers may replace any. */
typedef struct {
  const char *title;
  const char *float_model, *quantized_model;
  const char *accuracy_title, *f1_title, *score_axis, *precision, *recall;
  const char *confusion_title, *true_class, *predicted_class;
  const char *memory_title, *flash_float, *flash_quantized, *ram_arena, *board_flash, *board_ram,
      *does_not_fit;
  const char *latency_title, *latency_axis, *host_float, *host_quantized, *board_estimated,
      *board_measured;
  const char *sqnr_title, *sqnr_axis, *sqnr_threshold;
  const char *summary_title, *metric, *model_path, *format, *parameters, *macs, *samples, *accuracy,
      *macro_f1, *weighted_f1, *model_size, *weights, *arena, *latency, *output_error, *board,
      *warnings, *settings, *not_measured, *generated_by;
} QzReportLabels;

void qz_report_labels_init(QzReportLabels *l);

/* The charts of a report (any may be absent when the report lacks the
 * numbers: the pointer is then NULL). Arrays are owned by the struct. */
typedef struct {
  QzBarChart *accuracy;        /* recall (per-class accuracy), float vs quantized */
  QzBarChart *f1;              /* F1 per class */
  QzConfusionChart *confusion; /* float and quantized side by side */
  QzLimitChart *memory;        /* flash and RAM against the board */
  QzBarChart *latency;         /* host measured, board estimated/measured */
  QzSqnrChart *sqnr;           /* per layer, worst highlighted */
  /* private */
  GPtrArray *owned;
} QzReportCharts;

QzReportCharts *qz_report_charts_new(const qe_report *r, const QzReportLabels *l);
void qz_report_charts_free(QzReportCharts *c);

/* Write the report; atomically. */
gboolean qz_report_write_html(const qe_report *r, const QzReportLabels *l, const char *path,
                              GError **error);
gboolean qz_report_write_pdf(const qe_report *r, const QzReportLabels *l, const char *path,
                             GError **error);

/* The files of a run, into the pipeline's staging folder @staging_dir:
 * the plots (plots/accuracy.png, f1, confusion, memory, latency, sqnr: those
 * the report has data for), report.html and report.pdf, each recorded as an
 * artifact of @p. A qe_pipeline_files_fn (@user_data unused) for `qz run`
 * and the app alike. */
qe_status qz_report_write_run_files(void *user_data, qe_pipeline *p, const char *staging_dir,
                                    qe_ctx *ctx);

G_END_DECLS
