/* sample-report.h - a filled qe_report for the report and plot tests: a
 * five-class flowers classifier, float vs int8, with a board.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "qe/qe_metrics.h"
#include "qe/qe_report.h"

static const char *const sample_classes[] = { "daisy", "dandelion", "roses", "sunflowers",
                                              "tulips" };

/* Deterministic predictions: the float model is right 90% of the time, the
 * quantized one 85%; the last class is never predicted by the int8 model. */
static qe_cls_result *sample_metrics(int quantized, qe_ctx *ctx)
{
  qe_cls_metrics *m = NULL;
  qe_cls_result *r = NULL;
  if (qe_cls_metrics_new(5, &m, ctx) != QE_OK)
    return NULL;
  for (int i = 0; i < 200; i++) {
    int label = (i * 7) % 5;
    int pred = label;
    if (i % (quantized ? 7 : 10) == 3)
      pred = (label + 1 + i % 3) % 5;
    if (quantized && pred == 4)
      pred = 3;
    qe_cls_metrics_add(m, label, pred, ctx);
  }
  qe_cls_metrics_compute(m, &r, ctx);
  qe_cls_metrics_free(m);
  return r;
}

static qe_report *sample_report(qe_ctx *ctx)
{
  qe_report *r = NULL;
  if (qe_report_new(&r, ctx) != QE_OK)
    return NULL;
  qe_report_set_string(&r->model.path, "/data/models/mobilenet_v2_0.35_128.onnx", ctx);
  qe_report_set_string(&r->model.format, "onnx", ctx);
  qe_report_set_string(&r->model.quantized_path,
                       "/data/out/quantized_models/mobilenet_v2_0.35_128_int8.tflite", ctx);
  qe_report_set_string(&r->model.quantized_format, "tflite", ctx);
  r->model.params = 410208;
  r->model.macs = 15400000;
  qe_report_set_classes(r, 5, sample_classes, ctx);
  qe_cls_result *f = sample_metrics(0, ctx), *q = sample_metrics(1, ctx);
  qe_report_set_eval(r, &r->float_eval, f, ctx);
  qe_report_set_eval(r, &r->quant_eval, q, ctx);
  qe_cls_result_free(f);
  qe_cls_result_free(q);
  qe_latency_stats lf = { 20, 4.25, 4.3, 4.1, 5.0, 0.2, 4.6 };
  qe_latency_stats lq = { 20, 1.75, 1.8, 1.7, 2.2, 0.1, 1.9 };
  qe_report_set_latency(&r->float_eval, &lf);
  qe_report_set_latency(&r->quant_eval, &lq);
  r->size.float_bytes = 1640832;
  r->size.quantized_bytes = 498000;
  r->size.weights_bytes = 410208;
  r->size.arena_bytes = 196608;
  qe_err_result e = { .count = 1000,
                      .rows = 200,
                      .acc = 0.94,
                      .rmse = 0.021,
                      .mae = 0.012,
                      .l2r = 0.043,
                      .mean = 0.0004,
                      .std = 0.02,
                      .nse = 0.9981,
                      .cos = 0.9991,
                      .max_abs = 0.2 };
  qe_report_set_output_error(r, &e);
  static const char *const ops[] = { "Conv", "DepthwiseConv", "Conv", "Add", "Gemm" };
  for (int i = 0; i < 24; i++) {
    char name[64];
    snprintf(name, sizeof name, "block_%d/%s", i, ops[i % 5]);
    double sqnr = 38.0 - 0.6 * i + 6.0 * sin(i * 1.3);
    if (i == 17)
      sqnr = 9.5; /* one bad layer */
    qe_report_add_layer(r, name, ops[i % 5], sqnr, ctx);
  }
  qe_report_set_string(&r->board.id, "NUCLEO-H743ZI2", ctx);
  qe_report_set_string(&r->board.name, "STM32H743 Nucleo-144", ctx);
  r->board.flash_bytes = 2 * 1024 * 1024;
  r->board.ram_bytes = 1024 * 1024;
  r->board.clock_mhz = 480;
  r->board.latency_ms = 38.5;
  r->board.latency_measured = 0;
  qe_report_add_warning(r,
                        "flowers.yaml:34:18: quantization.extra_options applies to "
                        "Onnx_quantizer only; it is ignored",
                        ctx);
  qe_report_set_string(&r->run_id, "17", ctx);
  r->started = 1709618828;
  r->finished = 1709618890;
  return r;
}
