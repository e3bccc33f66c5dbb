/* qz-run-result.c - the numbers of one run, copied out of the engine's
 * pipeline for the Run, Compare, Board and Deploy pages.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "qz-run-result.h"

G_DEFINE_BOXED_TYPE(QzRunResult, qz_run_result, qz_run_result_ref, qz_run_result_unref)

static void layer_free(QzLayerResult *l)
{
  g_free(l->name);
  g_free(l->op);
  g_free(l);
}

static void issue_free(QzBoardIssue *i)
{
  g_free(i->layer);
  g_free(i->op_type);
  g_free(i->message);
  g_free(i);
}

static void eval_clear(QzEvalResult *e)
{
  g_clear_pointer(&e->per_class, g_free);
  g_clear_pointer(&e->confusion, g_free);
}

QzRunResult *qz_run_result_ref(QzRunResult *result)
{
  g_return_val_if_fail(result != NULL, NULL);
  g_atomic_ref_count_inc(&result->ref);
  return result;
}

void qz_run_result_unref(QzRunResult *r)
{
  g_return_if_fail(r != NULL);

  if (!g_atomic_ref_count_dec(&r->ref))
    return;
  g_free(r->output_dir);
  g_free(r->report_json);
  g_free(r->log);
  g_free(r->model_path);
  g_free(r->model_format);
  g_free(r->quantized_path);
  g_free(r->quantized_format);
  g_strfreev(r->class_names);
  eval_clear(&r->float_eval);
  eval_clear(&r->quant_eval);
  g_ptr_array_unref(r->layers);
  g_strfreev(r->advice);
  g_strfreev(r->warnings);
  g_free(r->board_id);
  g_free(r->board_name);
  g_ptr_array_unref(r->issues);
  g_clear_pointer(&r->charts, qz_report_charts_free);
  g_clear_pointer(&r->pipeline, qe_pipeline_free);
  g_clear_pointer(&r->config, qe_config_free);
  g_free(r);
}

static void copy_eval(QzEvalResult *to, const qe_report_eval *from, size_t n_classes)
{
  to->present = from->present;
  if (!from->present)
    return;
  to->accuracy = from->accuracy;
  to->samples = from->samples;
  to->macro_f1 = from->macro_f1;
  to->weighted_f1 = from->weighted_f1;
  to->latency_measured = from->latency.runs > 0;
  to->latency_ms = from->latency.median_ms;
  if (n_classes > 0 && from->per_class != NULL) {
    to->per_class = g_new0(QzClassMetrics, n_classes);
    for (size_t i = 0; i < n_classes; i++) {
      to->per_class[i].precision = from->per_class[i].precision;
      to->per_class[i].recall = from->per_class[i].recall;
      to->per_class[i].f1 = from->per_class[i].f1;
      to->per_class[i].support = from->per_class[i].support;
    }
  }
  if (n_classes > 0 && from->confusion != NULL)
    to->confusion = g_memdup2(from->confusion, sizeof(gint64) * n_classes * n_classes);
}

static GStrv copy_strings(char *const *strings, size_t n)
{
  GStrv out = g_new0(char *, n + 1);

  for (size_t i = 0; i < n; i++)
    out[i] = g_strdup(strings[i] != NULL ? strings[i] : "");
  return out;
}

QzRunResult *qz_run_result_new_from_pipeline(qe_pipeline *p, qe_config *cfg)
{
  QzRunResult *r = g_new0(QzRunResult, 1);
  const qe_report *rep = qe_pipeline_report(p);
  const qe_board_check_result *check = qe_pipeline_board_check(p);
  qe_ctx *ctx = qe_ctx_new();
  char *json = NULL;
  size_t n_advice;

  g_atomic_ref_count_init(&r->ref);
  r->status = qe_pipeline_status(p);
  r->run_id = qe_pipeline_run_id(p);
  r->output_dir = g_strdup(qe_pipeline_output_dir(p));
  if (qe_pipeline_report_json(p, true, &json, ctx) == QE_OK) {
    r->report_json = g_strdup(json);
    free(json);
  }
  qe_ctx_free(ctx);
  r->log = g_strdup(qe_pipeline_log(p));

  r->model_path = g_strdup(rep->model.path);
  r->model_format = g_strdup(rep->model.format);
  r->quantized_path = g_strdup(rep->model.quantized_path);
  r->quantized_format = g_strdup(rep->model.quantized_format);
  r->params = rep->model.params;
  r->macs = rep->model.macs;

  r->n_classes = rep->n_classes;
  r->class_names = copy_strings(rep->class_names, rep->n_classes);
  copy_eval(&r->float_eval, &rep->float_eval, rep->n_classes);
  copy_eval(&r->quant_eval, &rep->quant_eval, rep->n_classes);

  r->float_bytes = rep->size.float_bytes;
  r->quantized_bytes = rep->size.quantized_bytes;
  r->weights_bytes = rep->size.weights_bytes;
  r->arena_bytes = rep->size.arena_bytes;
  r->has_output_error = rep->has_output_error;
  r->rmse = rep->output_error.rmse;
  r->mae = rep->output_error.mae;
  r->l2r = rep->output_error.l2r;
  r->cos = rep->output_error.cos;
  r->nse = rep->output_error.nse;

  r->layers = g_ptr_array_new_with_free_func((GDestroyNotify)layer_free);
  for (size_t i = 0; i < rep->n_layers; i++) {
    QzLayerResult *l = g_new0(QzLayerResult, 1);

    l->name = g_strdup(rep->layers[i].name);
    l->op = g_strdup(rep->layers[i].op);
    l->sqnr_db = rep->layers[i].sqnr_db;
    g_ptr_array_add(r->layers, l);
  }
  n_advice = qe_pipeline_advice_count(p);
  r->advice = g_new0(char *, n_advice + 1);
  for (size_t i = 0; i < n_advice; i++)
    r->advice[i] = g_strdup(qe_pipeline_advice(p, i));
  r->warnings = copy_strings(rep->warnings, rep->n_warnings);

  r->board_id = g_strdup(rep->board.id);
  r->board_name = g_strdup(rep->board.name);
  r->board_flash = rep->board.flash_bytes;
  r->board_ram = rep->board.ram_bytes;
  r->board_latency_ms = rep->board.latency_ms;
  r->board_latency_measured = rep->board.latency_measured;
  r->issues = g_ptr_array_new_with_free_func((GDestroyNotify)issue_free);
  if (check != NULL) {
    r->has_check = TRUE;
    r->deployable = check->deployable;
    r->flash_needed = check->flash_needed;
    r->flash_available = check->flash_available;
    r->ram_needed = check->ram_needed;
    r->ram_available = check->ram_available;
    for (size_t i = 0; i < check->n_issues; i++) {
      QzBoardIssue *issue = g_new0(QzBoardIssue, 1);

      issue->error = check->issues[i].severity == QE_CHECK_ERROR;
      issue->layer = g_strdup(check->issues[i].op_name);
      issue->op_type = g_strdup(check->issues[i].op_type);
      issue->message = g_strdup(check->issues[i].message);
      g_ptr_array_add(r->issues, issue);
    }
  }
  for (int i = 0; i < QE_PHASE_COUNT; i++)
    r->phase_seconds[i] = qe_pipeline_phase_seconds(p, i);
  {
    QzReportLabels labels;

    qz_report_labels_init(&labels);
    r->charts = qz_report_charts_new(rep, &labels);
  }
  r->pipeline = p;
  r->config = cfg;
  return r;
}
