/* qe_report.c - the results of a run and report.json.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe_report.h"

static void eval_init(qe_report_eval *e)
{
  memset(e, 0, sizeof *e);
  e->accuracy = NAN;
  e->samples = -1;
  e->macro_precision = e->macro_recall = e->macro_f1 = NAN;
  e->weighted_precision = e->weighted_recall = e->weighted_f1 = NAN;
  e->balanced_accuracy = NAN;
}

static void eval_clear(qe_report_eval *e)
{
  free(e->per_class);
  free(e->confusion);
  eval_init(e);
}

qe_status qe_report_new(qe_report **out, qe_ctx *ctx)
{
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_new: no output");
  qe_report *r = calloc(1, sizeof *r);
  if (!r)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  r->model.params = r->model.macs = -1;
  eval_init(&r->float_eval);
  eval_init(&r->quant_eval);
  r->size.float_bytes = r->size.quantized_bytes = r->size.weights_bytes = r->size.arena_bytes = -1;
  r->board.flash_bytes = r->board.ram_bytes = -1;
  r->board.clock_mhz = r->board.latency_ms = NAN;
  r->started = r->finished = -1;
  *out = r;
  return QE_OK;
}

void qe_report_free(qe_report *r)
{
  if (!r)
    return;
  free(r->model.path);
  free(r->model.format);
  free(r->model.quantized_path);
  free(r->model.quantized_format);
  for (size_t i = 0; i < r->n_classes; i++)
    free(r->class_names[i]);
  free(r->class_names);
  eval_clear(&r->float_eval);
  eval_clear(&r->quant_eval);
  for (size_t i = 0; i < r->n_layers; i++) {
    free(r->layers[i].name);
    free(r->layers[i].op);
  }
  free(r->layers);
  free(r->board.id);
  free(r->board.name);
  qe_yaml_doc_free(r->config);
  for (size_t i = 0; i < r->n_warnings; i++)
    free(r->warnings[i]);
  free(r->warnings);
  free(r->run_id);
  free(r);
}

qe_status qe_report_set_string(char **field, const char *value, qe_ctx *ctx)
{
  if (!field)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_set_string: no field");
  char *copy = NULL;
  if (value && !(copy = qe_strdup(value)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  free(*field);
  *field = copy;
  return QE_OK;
}

qe_status qe_report_set_classes(qe_report *r, size_t n, const char *const *names, qe_ctx *ctx)
{
  if (!r)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_set_classes: no report");
  if (r->n_classes && r->n_classes != n && (r->float_eval.per_class || r->quant_eval.per_class))
    return qe_error(ctx, QE_ERR_INVALID, "the report already holds metrics of %zu classes, not %zu",
                    r->n_classes, n);
  char **copy = calloc(n ? n : 1, sizeof(char *));
  if (!copy)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    copy[i] = names && names[i] ? qe_strdup(names[i]) : qe_strdup_printf("%zu", i);
    if (!copy[i]) {
      for (size_t k = 0; k < i; k++)
        free(copy[k]);
      free(copy);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
  }
  for (size_t i = 0; i < r->n_classes; i++)
    free(r->class_names[i]);
  free(r->class_names);
  r->class_names = copy;
  r->n_classes = n;
  return QE_OK;
}

qe_status qe_report_set_eval(qe_report *r, qe_report_eval *which, const qe_cls_result *m,
                             qe_ctx *ctx)
{
  if (!r || !which || !m)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_set_eval: no report or metrics");
  if (r->n_classes == 0) {
    qe_status st = qe_report_set_classes(r, m->n_classes, NULL, ctx);
    if (st != QE_OK)
      return st;
  }
  if (m->n_classes != r->n_classes)
    return qe_error(ctx, QE_ERR_INVALID, "metrics of %zu classes for a report of %zu classes",
                    m->n_classes, r->n_classes);
  size_t n = m->n_classes;
  qe_report_class *pc = calloc(n, sizeof *pc);
  int64_t *conf = malloc(n * n * sizeof(int64_t));
  if (!pc || !conf) {
    free(pc);
    free(conf);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (size_t c = 0; c < n; c++) {
    pc[c].precision = m->per_class[c].precision;
    pc[c].recall = m->per_class[c].recall;
    pc[c].f1 = m->per_class[c].f1;
    pc[c].support = (int64_t)m->per_class[c].support;
  }
  for (size_t i = 0; i < n * n; i++)
    conf[i] = (int64_t)m->confusion[i];
  qe_latency_stats keep = which->latency;
  eval_clear(which);
  which->latency = keep;
  which->present = true;
  which->accuracy = m->accuracy;
  which->samples = (int64_t)m->total;
  which->n_classes = n;
  which->per_class = pc;
  which->confusion = conf;
  which->macro_precision = m->macro_precision;
  which->macro_recall = m->macro_recall;
  which->macro_f1 = m->macro_f1;
  which->weighted_precision = m->weighted_precision;
  which->weighted_recall = m->weighted_recall;
  which->weighted_f1 = m->weighted_f1;
  which->balanced_accuracy = m->balanced_accuracy;
  return QE_OK;
}

void qe_report_set_latency(qe_report_eval *which, const qe_latency_stats *s)
{
  if (which && s)
    which->latency = *s;
}

void qe_report_set_output_error(qe_report *r, const qe_err_result *e)
{
  if (!r || !e)
    return;
  r->output_error = *e;
  r->has_output_error = true;
}

qe_status qe_report_add_layer(qe_report *r, const char *name, const char *op, double sqnr_db,
                              qe_ctx *ctx)
{
  if (!r)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_add_layer: no report");
  if (!qe_grow((void **)&r->layers, &r->cap_layers, r->n_layers + 1, sizeof(qe_report_layer)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_report_layer *l = &r->layers[r->n_layers];
  l->name = qe_strdup(name ? name : "");
  l->op = qe_strdup(op ? op : "");
  l->sqnr_db = sqnr_db;
  if (!l->name || !l->op) {
    free(l->name);
    free(l->op);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  r->n_layers++;
  return QE_OK;
}

qe_status qe_report_add_warning(qe_report *r, const char *text, qe_ctx *ctx)
{
  if (!r || !text)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_add_warning: no report or text");
  if (!qe_grow((void **)&r->warnings, &r->cap_warnings, r->n_warnings + 1, sizeof(char *)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  char *copy = qe_strdup(text);
  if (!copy)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  r->warnings[r->n_warnings++] = copy;
  return QE_OK;
}

qe_status qe_report_add_ctx_warnings(qe_report *r, const qe_ctx *from, qe_ctx *ctx)
{
  for (size_t i = 0; i < qe_ctx_warning_count(from); i++) {
    qe_status st = qe_report_add_warning(r, qe_ctx_warning(from, i), ctx);
    if (st != QE_OK)
      return st;
  }
  return QE_OK;
}

qe_status qe_report_set_config(qe_report *r, const qe_config *cfg, qe_ctx *ctx)
{
  if (!r || !cfg)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_set_config: no report or configuration");
  qe_yaml_doc *d = NULL;
  qe_status st = qe_config_effective_doc(cfg, &d, ctx);
  if (st != QE_OK)
    return st;
  qe_yaml_doc_free(r->config);
  r->config = d;
  return QE_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON */

void qe_yaml_to_json(const qe_yaml_node *node, qe_json *j)
{
  switch (qe_yaml_node_kind(node)) {
  case QE_YAML_MAP:
    qe_json_begin_object(j);
    for (size_t i = 0; i < qe_yaml_node_count(node); i++) {
      qe_json_key(j, qe_yaml_node_key(node, i));
      qe_yaml_to_json(qe_yaml_node_item(node, i), j);
    }
    qe_json_end_object(j);
    return;
  case QE_YAML_SEQ:
    qe_json_begin_array(j);
    for (size_t i = 0; i < qe_yaml_node_count(node); i++)
      qe_yaml_to_json(qe_yaml_node_item(node, i), j);
    qe_json_end_array(j);
    return;
  case QE_YAML_SCALAR:
    break;
  }
  const char *t = qe_yaml_node_text(node);
  if (!node || !t) {
    qe_json_null(j);
    return;
  }
  if (qe_yaml_node_style(node) != QE_YAML_PLAIN) {
    qe_json_string(j, t);
    return;
  }
  bool b;
  int64_t i;
  double d;
  if (qe_yaml_node_is_null(node))
    qe_json_null(j);
  else if (qe_yaml_node_bool(node, &b, NULL) == QE_OK)
    qe_json_bool(j, b);
  else if (qe_yaml_node_int(node, &i, NULL) == QE_OK)
    qe_json_int(j, i);
  else if (!strchr(t, '/') && qe_yaml_node_double(node, &d, NULL) == QE_OK && isfinite(d))
    qe_json_number(j, d);
  else
    qe_json_string(j, t);
}

void qe_report_layer_to_json(qe_json *j, const char *name, const char *op, double sqnr_db)
{
  qe_json_begin_object(j);
  qe_json_kv_string(j, "name", name);
  qe_json_kv_string(j, "op", op);
  qe_json_kv_number(j, "sqnr_db", sqnr_db);
  qe_json_end_object(j);
}

void qe_report_class_to_json(qe_json *j, double precision, double recall, double f1,
                             int64_t support)
{
  qe_json_kv_number(j, "precision", precision);
  qe_json_kv_number(j, "recall", recall);
  qe_json_kv_number(j, "f1", f1);
  qe_json_kv_count(j, "support", support);
}

static void eval_to_json(const qe_report *r, const qe_report_eval *e, qe_json *j)
{
  if (!e->present && e->latency.runs == 0) {
    qe_json_null(j);
    return;
  }
  qe_json_begin_object(j);
  qe_json_kv_number(j, "accuracy", e->accuracy);
  qe_json_kv_count(j, "samples", e->samples);
  qe_json_key(j, "per_class");
  qe_json_begin_object(j);
  for (size_t c = 0; e->per_class && c < e->n_classes; c++) {
    qe_json_key(j, c < r->n_classes ? r->class_names[c] : "");
    qe_json_begin_object(j);
    qe_report_class_to_json(j, e->per_class[c].precision, e->per_class[c].recall,
                            e->per_class[c].f1, e->per_class[c].support);
    qe_json_end_object(j);
  }
  qe_json_end_object(j);
  qe_json_key(j, "confusion");
  if (e->confusion) {
    qe_json_begin_array(j);
    for (size_t a = 0; a < e->n_classes; a++) {
      qe_json_begin_array(j);
      for (size_t b = 0; b < e->n_classes; b++)
        qe_json_int(j, e->confusion[a * e->n_classes + b]);
      qe_json_end_array(j);
    }
    qe_json_end_array(j);
  } else {
    qe_json_null(j);
  }
  qe_json_kv_number(j, "latency_ms", e->latency.runs ? e->latency.median_ms : NAN);
  qe_json_kv_number(j, "macro_precision", e->macro_precision);
  qe_json_kv_number(j, "macro_recall", e->macro_recall);
  qe_json_kv_number(j, "macro_f1", e->macro_f1);
  qe_json_kv_number(j, "weighted_precision", e->weighted_precision);
  qe_json_kv_number(j, "weighted_recall", e->weighted_recall);
  qe_json_kv_number(j, "weighted_f1", e->weighted_f1);
  qe_json_kv_number(j, "balanced_accuracy", e->balanced_accuracy);
  qe_json_key(j, "latency");
  if (e->latency.runs) {
    qe_json_begin_object(j);
    qe_json_kv_int(j, "runs", (int64_t)e->latency.runs);
    qe_json_kv_number(j, "median_ms", e->latency.median_ms);
    qe_json_kv_number(j, "mean_ms", e->latency.mean_ms);
    qe_json_kv_number(j, "min_ms", e->latency.min_ms);
    qe_json_kv_number(j, "max_ms", e->latency.max_ms);
    qe_json_kv_number(j, "std_ms", e->latency.std_ms);
    qe_json_kv_number(j, "p90_ms", e->latency.p90_ms);
    qe_json_end_object(j);
  } else {
    qe_json_null(j);
  }
  qe_json_end_object(j);
}

void qe_report_to_json(const qe_report *r, qe_json *j)
{
  if (!r || !j)
    return;
  qe_json_begin_object(j);
  qe_json_kv_string(j, "quantizer_version", qe_version());
  qe_json_key(j, "run");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "id", r->run_id);
  qe_json_kv_time(j, "started", (double)r->started);
  qe_json_kv_time(j, "finished", (double)r->finished);
  qe_json_end_object(j);

  qe_json_key(j, "model");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "path", r->model.path);
  qe_json_kv_string(j, "format", r->model.format);
  qe_json_kv_count(j, "params", r->model.params);
  qe_json_kv_count(j, "macs", r->model.macs);
  qe_json_kv_string(j, "quantized_path", r->model.quantized_path);
  qe_json_kv_string(j, "quantized_format", r->model.quantized_format);
  qe_json_end_object(j);

  qe_json_key(j, "classes");
  qe_json_begin_array(j);
  for (size_t c = 0; c < r->n_classes; c++)
    qe_json_string(j, r->class_names[c]);
  qe_json_end_array(j);

  qe_json_key(j, "float");
  eval_to_json(r, &r->float_eval, j);
  qe_json_key(j, "quantized");
  eval_to_json(r, &r->quant_eval, j);

  qe_json_key(j, "size");
  qe_json_begin_object(j);
  qe_json_kv_count(j, "float_bytes", r->size.float_bytes);
  qe_json_kv_count(j, "quantized_bytes", r->size.quantized_bytes);
  qe_json_kv_count(j, "weights_bytes", r->size.weights_bytes);
  qe_json_kv_count(j, "arena_bytes", r->size.arena_bytes);
  qe_json_end_object(j);

  qe_json_key(j, "output_error");
  if (r->has_output_error) {
    const qe_err_result *e = &r->output_error;
    qe_json_begin_object(j);
    qe_json_kv_number(j, "rmse", e->rmse);
    qe_json_kv_number(j, "mae", e->mae);
    qe_json_kv_number(j, "l2r", e->l2r);
    qe_json_kv_number(j, "cos", e->cos);
    qe_json_kv_number(j, "nse", e->nse);
    qe_json_kv_number(j, "acc", e->acc);
    qe_json_kv_number(j, "mean", e->mean);
    qe_json_kv_number(j, "std", e->std);
    qe_json_kv_number(j, "max_abs", e->max_abs);
    qe_json_kv_int(j, "count", (int64_t)e->count);
    qe_json_end_object(j);
  } else {
    qe_json_null(j);
  }

  qe_json_key(j, "layers");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_layers; i++)
    qe_report_layer_to_json(j, r->layers[i].name, r->layers[i].op, r->layers[i].sqnr_db);
  qe_json_end_array(j);

  qe_json_key(j, "board");
  if (r->board.id) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "id", r->board.id);
    qe_json_kv_string(j, "name", r->board.name);
    qe_json_kv_count(j, "flash_bytes", r->board.flash_bytes);
    qe_json_kv_count(j, "ram_bytes", r->board.ram_bytes);
    qe_json_kv_number(j, "clock_mhz", r->board.clock_mhz);
    int64_t flash_need = r->size.quantized_bytes;
    int64_t ram_need = r->size.arena_bytes;
    qe_json_key(j, "fits_flash");
    if (r->board.flash_bytes >= 0 && flash_need >= 0)
      qe_json_bool(j, flash_need <= r->board.flash_bytes);
    else
      qe_json_null(j);
    qe_json_key(j, "fits_ram");
    if (r->board.ram_bytes >= 0 && ram_need >= 0)
      qe_json_bool(j, ram_need <= r->board.ram_bytes);
    else
      qe_json_null(j);
    qe_json_kv_number(j, "latency_ms", r->board.latency_ms);
    qe_json_kv_string(j, "latency_source",
                      isnan(r->board.latency_ms)  ? NULL
                      : r->board.latency_measured ? "measured"
                                                  : "estimate");
    qe_json_end_object(j);
  } else {
    qe_json_null(j);
  }

  qe_json_key(j, "config");
  if (r->config)
    qe_yaml_to_json(qe_yaml_root(r->config), j);
  else
    qe_json_null(j);

  qe_json_key(j, "warnings");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_warnings; i++)
    qe_json_string(j, r->warnings[i]);
  qe_json_end_array(j);
  qe_json_end_object(j);
}

qe_status qe_report_write_json(const qe_report *r, const char *path, qe_ctx *ctx)
{
  if (!r || !path)
    return qe_error(ctx, QE_ERR_INVALID, "qe_report_write_json: no report or path");
  qe_json *j = qe_json_new(true);
  if (!j)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_report_to_json(r, j);
  qe_status st = qe_json_text(j, NULL) ? qe_json_write_file(j, path, ctx)
                                       : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_json_free(j);
  return st;
}
