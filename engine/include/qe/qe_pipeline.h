/* qe_pipeline.h - one run: a configuration in, a quantized model, its
 * evaluation, report.json and a history entry out.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The `qz run` command, `qz evaluate` and the app's Run and Compare pages
 * all go through this one code path, so the numbers they show are the same.
 *
 * A run follows the steps of the configuration's operation_mode
 * (qe_config.steps; the model zoo's services and chains, Tensorlab's
 * `training.quantization` 0/1/2):
 *
 *   phase                        what happens
 *   ---------------------------  -----------------------------------------------
 *   loading model                ONNX (float or QDQ) or TFLite (float or int8);
 *                                parameters and MACs counted
 *   reading data                 the dataset section (or one data path) opened with
 *                                the preprocessing options and the model's input
 *                                shape and layout; class names, subsets
 *   calibrating, quantizing      post-training quantization with the
 *                                configuration's settings over the board's defaults
 *                                (engine/quant), per-layer SQNR
 *   evaluating float model,      the test (else validation) subset through each
 *   evaluating quantized model   model: accuracy, per-class precision/recall/F1/
 *                                support, confusion matrix (scikit-learn's
 *                                definitions, qe_metrics.h); the ST Edge AI output
 *                                error between float and quantized outputs
 *   measuring latency            host latency of each model: median of N warm runs;
 *                                with a board, the board's estimate (qe_board_check)
 *   exporting                    the quantized model under <export_dir>/ (TFLite or
 *                                ONNX QDQ as the quantizer says), C source on request
 *   deploying                    handed to the caller's deploy function (the
 *                                engine does not flash by itself)
 *   writing report               report.json, .hydra/config.yaml (the effective
 *                                settings), logs/run.log, the caller's own files
 *
 * Files. Everything is written into a hidden staging folder beside the
 * output folder (".<name>.partial.<pid>.<n>") and moved into place at the
 * end: the whole folder is renamed when the output folder does not exist
 * yet, else each file is renamed into it. A run that fails or is cancelled
 * removes its staging folder: nothing half-written is ever left under the
 * output folder. Staging folders of processes that died (SIGKILL, power
 * loss) are removed by the next run in the same parent folder.
 *
 * History. When a history is used, the run is inserted as 'running' before
 * any work and completed in one transaction at the end (finished, failed or
 * cancelled, with the report's numbers, per-class and per-layer figures and
 * the artifacts). A process killed in between leaves a run that the next
 * opening of the history marks 'interrupted' (qe_history.h).
 *
 * Threads. A pipeline keeps all its state in its handle (no globals), so it
 * can run on any worker thread. qe_pipeline_cancel() and
 * qe_pipeline_get_progress() may be called from any other thread while it
 * runs; everything else belongs to the thread that runs it until
 * qe_pipeline_run() returns. The progress callback is called on the
 * running thread.
 */
#ifndef QE_PIPELINE_H
#define QE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_board.h"
#include "qe_config.h"
#include "qe_core.h"
#include "qe_history.h"
#include "qe_report.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qe_pipeline_phase {
  QE_PHASE_LOAD_MODEL = 0,     /* "loading model" */
  QE_PHASE_READ_DATA,          /* "reading data" */
  QE_PHASE_CALIBRATE,          /* "calibrating" */
  QE_PHASE_QUANTIZE,           /* "quantizing" */
  QE_PHASE_EVALUATE_FLOAT,     /* "evaluating float model" */
  QE_PHASE_EVALUATE_QUANTIZED, /* "evaluating quantized model" */
  QE_PHASE_LATENCY,            /* "measuring latency" */
  QE_PHASE_EXPORT,             /* "exporting" */
  QE_PHASE_DEPLOY,             /* "deploying" */
  QE_PHASE_REPORT,             /* "writing report" */
  QE_PHASE_COUNT
} qe_pipeline_phase;

/* The phase's name as passed to the progress callback ("" when out of
 * range). English; the app translates it. */
const char *qe_pipeline_phase_name(qe_pipeline_phase phase);

typedef struct qe_pipeline qe_pipeline;

/* Called in the "writing report" phase with the staging folder, before the
 * files are moved into place: write more files there (plots, the HTML
 * report) and add them with qe_pipeline_add_artifact() (path relative to
 * @staging_dir). A non-OK status fails the run (nothing is moved). */
typedef qe_status (*qe_pipeline_files_fn)(void *user_data, qe_pipeline *p, const char *staging_dir,
                                          qe_ctx *ctx);

/* Deploy @model_path (the exported quantized model, still in the staging
 * folder: valid during the call) to board @board_id. Called in the
 * "deploying" phase; progress and cancel through @ctx. *latency_ms (NaN on
 * entry) receives the latency measured on the board, when it was. */
typedef qe_status (*qe_pipeline_deploy_fn)(void *user_data, const char *model_path,
                                           const char *board_id, double *latency_ms, qe_ctx *ctx);

typedef struct qe_pipeline_options {
  /* Progress: @progress gets (fraction, phase name) with the names above;
   * return non-zero to cancel. The fraction is that of the phase, or of the
   * whole run when @overall_progress is set (for an ETA). May be NULL. */
  qe_progress_fn progress;
  void *progress_data;
  bool overall_progress;

  /* Write the output folder (default true). false: compute only (the app's
   * quick previews, `qz evaluate`). */
  bool write_outputs;
  /* Record the run in the history (default true). */
  bool use_history;
  /* The history database; NULL = qe_history_default_path(). Created when
   * missing; never recreated when unreadable (the run fails instead). */
  const char *history_path;
  /* Folder of the board descriptions (targets/<id>.yaml); NULL: a board named
   * by the configuration is an error naming the missing folder. */
  const char *boards_dir;

  /* Calibrate and evaluate on this one data set (folder, CSV, WAV folder
   * with its CSV, .npz) instead of the configuration's dataset section;
   * its preprocessing options still come from the configuration. */
  const char *data_path;
  /* Also write the C source of the quantized model (<export_dir>/c_model/).
   * Deployment modes, and `deployment.export_c: True`, set it too. */
  bool export_c;
  /* Host latency: timed and warm-up runs; < 0: the configuration's
   * evaluation.latency_runs / warmup_runs. 0 timed runs: not measured. */
  int latency_runs, warmup_runs;
  /* Evaluate at most this many samples (0 = all of the subset). */
  size_t max_eval_samples;
  /* Random calibration samples when there is no calibration data (0: the
   * data engine's random_samples, 5 as the model zoo). */
  size_t random_samples;
  /* Samples for the per-layer SQNR (default 32; 0: none). */
  size_t diag_samples;
  /* Data loader threads (0: the data options' value). */
  int threads;
  /* The command-line overrides of this run, recorded in
   * .hydra/overrides.yaml (informative: the configuration has them applied
   * already). */
  const char *const *overrides;
  size_t n_overrides;

  qe_pipeline_files_fn write_files;
  void *write_files_data;
  qe_pipeline_deploy_fn deploy;
  void *deploy_data;
} qe_pipeline_options;

void qe_pipeline_options_init(qe_pipeline_options *o);

/* A pipeline for @cfg (borrowed: it must outlive the pipeline) and @opt
 * (copied; strings borrowed, they must outlive the pipeline too). */
qe_status qe_pipeline_new(const qe_config *cfg, const qe_pipeline_options *opt, qe_pipeline **out,
                          qe_ctx *ctx);
void qe_pipeline_free(qe_pipeline *p);

/* Run once. QE_ERR_CANCELLED when cancelled (the run is then recorded as
 * cancelled and nothing is written). Warnings of the run go to @ctx and
 * into the report. A pipeline runs only once. */
qe_status qe_pipeline_run(qe_pipeline *p, qe_ctx *ctx);

/* Ask a running pipeline to stop at the next safe point. Any thread. */
void qe_pipeline_cancel(qe_pipeline *p);

/* Where the run is now. Any thread. @phase_fraction / @overall may be
 * negative when unknown. Any pointer may be NULL. */
void qe_pipeline_get_progress(qe_pipeline *p, qe_pipeline_phase *phase, double *phase_fraction,
                              double *overall);

/* ---- results (after qe_pipeline_run, on the thread that ran it) -------- */

/* QE_RUN_RUNNING before the run ended, then finished, failed or cancelled. */
qe_run_status qe_pipeline_status(const qe_pipeline *p);
/* The numbers of the run (never NULL after qe_pipeline_new). */
const qe_report *qe_pipeline_report(const qe_pipeline *p);
/* The complete report.json text (the report plus the pipeline's own keys:
 * mode, evaluated, quantization, advice, float_ops, board_check, phases,
 * artifacts, output_dir). *out: free(). */
qe_status qe_pipeline_report_json(const qe_pipeline *p, bool pretty, char **out, qe_ctx *ctx);
/* The history's id of the run, -1 without history. */
int64_t qe_pipeline_run_id(const qe_pipeline *p);
/* The output folder (absolute), NULL when nothing was written. */
const char *qe_pipeline_output_dir(const qe_pipeline *p);
/* Mask (1u << qe_pipeline_phase) of the phases this run goes through
 * (known once the model is loaded). */
unsigned qe_pipeline_phases(const qe_pipeline *p);
/* The phases a run of @cfg is expected to go through, before it starts (a
 * float model with data assumed; the run may skip some): for the app's
 * list of phases. Any thread. */
unsigned qe_pipeline_expected_phases(const qe_config *cfg, const qe_pipeline_options *opt);
/* Seconds spent in @phase; NaN when it did not run. */
double qe_pipeline_phase_seconds(const qe_pipeline *p, qe_pipeline_phase phase);
/* Files written, with their final paths once the run finished. */
size_t qe_pipeline_artifact_count(const qe_pipeline *p);
const qe_history_artifact *qe_pipeline_artifact(const qe_pipeline *p, size_t i);
/* For the write_files callback: record a file (path relative to the
 * staging folder); its final path is computed. */
qe_status qe_pipeline_add_artifact(qe_pipeline *p, const char *kind, const char *relative_path,
                                   qe_ctx *ctx);
/* The quantizer's advice, worst layers first (plain sentences). */
size_t qe_pipeline_advice_count(const qe_pipeline *p);
const char *qe_pipeline_advice(const qe_pipeline *p, size_t i);
/* The board pre-flight check of the quantized model, NULL without board or
 * quantized model. */
const qe_board_check_result *qe_pipeline_board_check(const qe_pipeline *p);
/* The board used (NULL: none). */
const qe_board *qe_pipeline_board(const qe_pipeline *p);
/* The run log (one line per event), as written to logs/run.log. */
const char *qe_pipeline_log(const qe_pipeline *p);

#ifdef __cplusplus
}
#endif
#endif /* QE_PIPELINE_H */
