/* qz-evaluate.c - `qz evaluate MODEL --data PATH [--json]`: the metrics of
 * one model (float ONNX or TFLite, ONNX QDQ, int8 TFLite) on a data set,
 * through the same pipeline as `qz run` (operation_mode evaluation, nothing
 * written, no history entry).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_config.h"
#include "qe/qe_pipeline.h"
#include "qe/qe_yaml.h"
#include "qz-cli.h"

#define CMD "evaluate"

static const char *summary =
    "Measure one model on a data set: accuracy, per-class precision, recall, F1\n"
    "and support, macro and weighted averages, the confusion matrix, and the\n"
    "host latency (median of warm runs). The model may be a float ONNX or\n"
    "TFLite model, an ONNX QDQ model or an int8 TFLite model.\n"
    "\n"
    "--data takes:\n"
    "  an .npz holding x (samples, already preprocessed, shaped like the model\n"
    "    input with the batch axis first), y (integer labels) and optionally\n"
    "    classes (names)\n"
    "  an image folder (one sub-folder per class), a WAV folder with its ESC-50\n"
    "    style CSV (or the folder holding audio/ and meta/), a CSV series file:\n"
    "    all of it is evaluated, preprocessed with the defaults\n"
    "  a YAML configuration (.yaml): its dataset, preprocessing and\n"
    "    feature_extraction sections; the test (else validation) samples are\n"
    "    evaluated";

static void print_eval(const qe_report *r, const char *title, const qe_report_eval *e)
{
  if (!e->present && e->latency.runs == 0)
    return;
  printf("%s\n", title);
  if (e->present && !isnan(e->accuracy)) {
    printf("  accuracy %.4f on %lld samples\n", e->accuracy, (long long)e->samples);
    size_t w = 12; /* "weighted avg" */
    for (size_t c = 0; c < r->n_classes; c++)
      w = MAX(w, strlen(r->class_names[c]));
    printf("  %-*s  precision  recall  f1-score  support\n", (int)w, "class");
    for (size_t c = 0; c < e->n_classes && c < r->n_classes; c++)
      printf("  %-*s  %9.4f  %6.4f  %8.4f  %7lld\n", (int)w, r->class_names[c],
             e->per_class[c].precision, e->per_class[c].recall, e->per_class[c].f1,
             (long long)e->per_class[c].support);
    printf("  %-*s  %9.4f  %6.4f  %8.4f  %7lld\n", (int)w, "macro avg", e->macro_precision,
           e->macro_recall, e->macro_f1, (long long)e->samples);
    printf("  %-*s  %9.4f  %6.4f  %8.4f  %7lld\n", (int)w, "weighted avg", e->weighted_precision,
           e->weighted_recall, e->weighted_f1, (long long)e->samples);
    printf("  confusion matrix (rows: true class, columns: predicted):\n");
    for (size_t a = 0; a < e->n_classes; a++) {
      printf("   ");
      for (size_t b = 0; b < e->n_classes; b++)
        printf(" %5lld", (long long)e->confusion[a * e->n_classes + b]);
      printf("\n");
    }
  } else if (e->samples >= 0) {
    printf("  %lld samples (no class labels: no accuracy)\n", (long long)e->samples);
  }
  if (e->latency.runs)
    printf("  host latency: median %.4f ms over %zu runs (min %.4f, p90 %.4f)\n",
           e->latency.median_ms, e->latency.runs, e->latency.min_ms, e->latency.p90_ms);
}

int qz_cmd_evaluate(int argc, char **argv)
{
  g_autofree char *data = NULL, *board = NULL;
  gboolean json = FALSE, quiet = FALSE;
  int latency_runs = -1, max_samples = 0;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "The data: .npz, image folder, WAV + CSV, CSV series, or a YAML configuration (needed)",
      "PATH" },
    { "board", 'b', 0, G_OPTION_ARG_STRING, &board,
      "Also estimate the latency and check the fit on this board (see qz boards)", "ID" },
    { "max-samples", 0, 0, G_OPTION_ARG_INT, &max_samples, "Evaluate at most N samples", "N" },
    { "latency-runs", 0, 0, G_OPTION_ARG_INT, &latency_runs,
      "Timed runs for the host latency (default 20; 0: none)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "Print the results as JSON on standard output (report.json's fields)", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress", NULL },
    G_OPTION_ENTRY_NULL
  };
  int rc;
  if (!qz_parse_options(CMD, "MODEL --data PATH", summary, entries, &argc, &argv, &rc))
    return rc;
  if (argc != 2)
    return qz_usage_error(CMD, argc < 2 ? "a MODEL file is needed" : "only one MODEL please");
  if (!data)
    return qz_usage_error(CMD, "give the data with --data PATH");
  if (max_samples < 0)
    return qz_usage_error(CMD, "--max-samples must not be negative");
  const char *model = argv[1];
  if (!g_file_test(model, G_FILE_TEST_IS_REGULAR))
    return qz_fail(CMD, "%s: no such model file", model);
  if (!g_file_test(data, G_FILE_TEST_EXISTS))
    return qz_fail(CMD, "%s: no such file or folder", data);

  qe_ctx *ctx = qe_ctx_new();
  qe_yaml_doc *doc = NULL;
  qe_config *cfg = NULL;
  qe_pipeline *p = NULL;
  QzProgress *prog = NULL;
  g_autofree char *abs_model = g_canonicalize_filename(model, NULL);
  g_autofree char *boards = qz_boards_dir();
  int ret = QZ_EXIT_OK;
  qe_status st;
  if (qz_is_yaml(data)) {
    /* the configuration's data sections, this model, evaluation */
    st = qe_yaml_load_file(data, &doc, ctx);
    if (st == QE_OK && qe_yaml_path(qe_yaml_root(doc), "general.model_path"))
      st = qe_yaml_remove(doc, "general.model_path", ctx);
  } else {
    doc = qe_yaml_doc_new("qz evaluate");
    st = doc ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  if (st == QE_OK)
    st = qe_yaml_set_string(doc, "operation_mode", "evaluation", ctx);
  if (st == QE_OK)
    st = qe_yaml_set_string(doc, "model.model_path", abs_model, ctx);
  if (st == QE_OK && !qz_is_yaml(data)) {
    /* the pipeline opens --data itself (po.data_path); naming it as the
     * test set tells the configuration there is data to evaluate on */
    g_autofree char *abs_data = g_canonicalize_filename(data, NULL);
    st = qe_yaml_set_string(doc, "dataset.test_path", abs_data, ctx);
  }
  if (st == QE_OK && board)
    st = qe_yaml_set_string(doc, "quantization.board", board, ctx);
  if (st == QE_OK) {
    qe_config_options co;
    qe_config_options_init(&co);
    st = qe_config_load_doc(doc, &co, &cfg, ctx);
  }
  if (st != QE_OK) {
    ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
    goto out;
  }
  if (!quiet)
    qz_print_warnings(CMD, ctx, 0);
  size_t warnings_before = qe_ctx_warning_count(ctx);

  qe_pipeline_options po;
  qe_pipeline_options_init(&po);
  prog = qz_progress_new(quiet || json);
  po.progress = qz_progress_cb;
  po.progress_data = prog;
  po.write_outputs = false;
  po.use_history = false;
  po.boards_dir = boards;
  po.data_path = qz_is_yaml(data) ? NULL : data;
  po.latency_runs = latency_runs;
  po.max_eval_samples = (size_t)max_samples;
  if (qe_pipeline_new(cfg, &po, &p, ctx) != QE_OK || qe_pipeline_run(p, ctx) != QE_OK) {
    qz_progress_done(prog);
    ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
    goto out;
  }
  qz_progress_done(prog);
  if (!quiet)
    qz_print_warnings(CMD, ctx, warnings_before);
  if (json) {
    char *text = NULL;
    if (qe_pipeline_report_json(p, true, &text, ctx) != QE_OK) {
      ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
      goto out;
    }
    fputs(text, stdout);
    free(text);
  } else {
    const qe_report *r = qe_pipeline_report(p);
    printf("%s (%s)\n", model, r->model.format ? r->model.format : "?");
    print_eval(r, "Float model", &r->float_eval);
    print_eval(r, "Quantized model", &r->quant_eval);
    if (r->board.id && !isnan(r->board.latency_ms))
      printf("Board %s: estimated %.3f ms (from its description)\n", r->board.id,
             r->board.latency_ms);
  }
out:
  qz_progress_free(prog);
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_yaml_doc_free(doc);
  qe_ctx_free(ctx);
  return ret;
}
