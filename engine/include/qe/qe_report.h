/* qe_report.h - the results of a run and their report.json.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One qe_report holds everything a run measured: the model, float and
 * quantized evaluations, sizes, the output error between float and
 * quantized outputs, per-layer SQNR, board estimates, the effective
 * configuration and the warnings. report.json carries (the DESIGN.md
 * contract; fields are only ever added):
 *
 *   model        {path, format, params, macs, quantized_path, quantized_format}
 *   float,       {accuracy, per_class {name: {precision, recall, f1, support}},
 *   quantized     confusion [[...]], latency_ms, samples, macro_*, weighted_*,
 *                 balanced_accuracy, latency {runs, median_ms, ...}}  (null when not run)
 *   size         {float_bytes, quantized_bytes, weights_bytes, arena_bytes}
 *   output_error {rmse, mae, l2r, cos, nse, acc, mean, std, max_abs, count}
 *   layers       [{name, op, sqnr_db}]
 *   board        {id, name, flash_bytes, ram_bytes, fits_flash, fits_ram,
 *                 latency_ms, latency_source "estimate"|"measured", clock_mhz}
 *   classes      [names]
 *   config       the effective settings (qe_config_effective_doc as JSON)
 *   warnings     [sentences]
 *   quantizer_version, run {id, started, finished}
 *
 * Unknown numbers are NaN (doubles) or -1 (counts and sizes) in the struct
 * and null in JSON.
 */
#ifndef QE_REPORT_H
#define QE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_config.h"
#include "qe_core.h"
#include "qe_json.h"
#include "qe_metrics.h"
#include "qe_yaml.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qe_report_class {
  double precision, recall, f1;
  int64_t support;
} qe_report_class;

/* One evaluation (float or quantized model). */
typedef struct qe_report_eval {
  bool present; /* false: this model was not evaluated */
  double accuracy;
  int64_t samples;
  size_t n_classes;           /* = the report's n_classes */
  qe_report_class *per_class; /* n_classes */
  int64_t *confusion;         /* n_classes x n_classes, row = true label */
  double macro_precision, macro_recall, macro_f1;
  double weighted_precision, weighted_recall, weighted_f1;
  double balanced_accuracy;
  qe_latency_stats latency; /* runs == 0: not measured */
} qe_report_eval;

typedef struct qe_report_layer {
  char *name;
  char *op;
  double sqnr_db;
} qe_report_layer;

typedef struct qe_report_board {
  char *id; /* NULL: no board chosen */
  char *name;
  int64_t flash_bytes, ram_bytes; /* the board's limits */
  double clock_mhz;
  double latency_ms;     /* on the board */
  bool latency_measured; /* false: an estimate from the board description */
} qe_report_board;

typedef struct qe_report {
  struct {
    char *path, *format;
    int64_t params, macs;
    char *quantized_path, *quantized_format;
  } model;
  size_t n_classes;
  char **class_names; /* n_classes */
  qe_report_eval float_eval, quant_eval;
  struct {
    int64_t float_bytes, quantized_bytes, weights_bytes, arena_bytes;
  } size;
  bool has_output_error;
  qe_err_result output_error;
  qe_report_layer *layers;
  size_t n_layers;
  qe_report_board board;
  qe_yaml_doc *config; /* effective configuration, may be NULL */
  char **warnings;
  size_t n_warnings;
  char *run_id;
  int64_t started, finished; /* Unix seconds; -1 unknown */
  /* private */
  size_t cap_layers, cap_warnings;
} qe_report;

/* A report with every number unknown. */
qe_status qe_report_new(qe_report **out, qe_ctx *ctx);
void qe_report_free(qe_report *r);

/* Copy helpers (strings are copied; NULL clears). */
qe_status qe_report_set_string(char **field, const char *value, qe_ctx *ctx);
qe_status qe_report_set_classes(qe_report *r, size_t n, const char *const *names, qe_ctx *ctx);
/* Fill @which (&r->float_eval or &r->quant_eval) from computed metrics; the
 * class count must match (names default to "0", "1", ...). */
qe_status qe_report_set_eval(qe_report *r, qe_report_eval *which, const qe_cls_result *m,
                             qe_ctx *ctx);
void qe_report_set_latency(qe_report_eval *which, const qe_latency_stats *s);
void qe_report_set_output_error(qe_report *r, const qe_err_result *e);
qe_status qe_report_add_layer(qe_report *r, const char *name, const char *op, double sqnr_db,
                              qe_ctx *ctx);
qe_status qe_report_add_warning(qe_report *r, const char *text, qe_ctx *ctx);
/* Copy the context's warnings into the report. */
qe_status qe_report_add_ctx_warnings(qe_report *r, const qe_ctx *from, qe_ctx *ctx);
/* Store the effective configuration of @cfg. */
qe_status qe_report_set_config(qe_report *r, const qe_config *cfg, qe_ctx *ctx);

/* Write the report as one JSON object. */
void qe_report_to_json(const qe_report *r, qe_json *j);
/* Pieces of report.json that other JSON (the run history's) repeats:
 * one layer {"name", "op", "sqnr_db"} as an object, and one class's
 * "precision", "recall", "f1", "support" (null when negative) into the
 * object open on @j. */
void qe_report_layer_to_json(qe_json *j, const char *name, const char *op, double sqnr_db);
void qe_report_class_to_json(qe_json *j, double precision, double recall, double f1,
                             int64_t support);
/* report.json, written atomically. */
qe_status qe_report_write_json(const qe_report *r, const char *path, qe_ctx *ctx);

/* A YAML tree as JSON: maps become objects, sequences arrays; plain
 * scalars that read as null, booleans, integers or finite numbers become
 * those, everything else a string. */
void qe_yaml_to_json(const qe_yaml_node *node, qe_json *j);

#ifdef __cplusplus
}
#endif
#endif /* QE_REPORT_H */
