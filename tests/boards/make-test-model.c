/* make-test-model.c - small int8 TFLite models for the deploy tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   make-test-model cnn OUT.tflite    16x16x1 -> conv 3x3x8 (per-channel,
 *        ReLU) -> depthwise 3x3 -> max pool 2x2 -> fully connected 512->10
 *        -> softmax; weights from a fixed pseudo-random sequence.
 *   make-test-model big OUT.tflite    one fully connected layer with 1.5 MiB
 *        of weights (too big for a 1 MiB flash).
 * Built with the engine's own qe_qmodel API and TFLite writer, at test time
 * (deterministic, no training).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_qmodel.h"
#include "qe/qe_tflite.h"

static uint32_t rng = 12345u;
/* "cnn-p2": the same network with per-tensor weights and power-of-two
 * scales everywhere (what the ESP32-S3's constraints ask for). */
static int pot;

static float sc(float s)
{
  if (!pot)
    return s;
  float p = 1.0f;
  while (p > s * 1.4142f)
    p *= 0.5f;
  return p;
}

static int8_t r8(void)
{
  rng = rng * 1664525u + 1013904223u;
  return (int8_t)(rng >> 24);
}

#define TRY(x)                                                     \
  do {                                                             \
    if ((x) != QE_OK) {                                            \
      fprintf(stderr, "make-test-model: %s\n", qe_ctx_error(ctx)); \
      exit(1);                                                     \
    }                                                              \
  } while (0)

static int act(qe_qmodel *m, const char *name, int rank, const int32_t *dims, float scale, int zp,
               qe_ctx *ctx)
{
  int idx;
  int32_t z = zp;
  scale = sc(scale);
  TRY(qe_qmodel_add_tensor(m, name, QE_DT_I8, rank, dims, NULL, 0, 1, &scale, &z, 0, &idx, ctx));
  return idx;
}

static int weights(qe_qmodel *m, const char *name, int rank, const int32_t *dims, int n_ch,
                   int qdim, float base, qe_ctx *ctx)
{
  size_t n = 1;
  for (int i = 0; i < rank; i++)
    n *= (size_t)dims[i];
  int8_t *w = malloc(n);
  for (size_t i = 0; i < n; i++)
    w[i] = r8();
  if (pot)
    n_ch = 1;
  float *s = malloc(sizeof(float) * (size_t)n_ch);
  int32_t *z = calloc((size_t)n_ch, sizeof(int32_t));
  for (int c = 0; c < n_ch; c++)
    s[c] = sc(base * (1.0f + 0.07f * (float)c));
  int idx;
  TRY(qe_qmodel_add_tensor(m, name, QE_DT_I8, rank, dims, w, n, (size_t)n_ch, s, z, qdim, &idx,
                           ctx));
  free(w);
  free(s);
  free(z);
  return idx;
}

static int bias(qe_qmodel *m, const char *name, int n, float in_scale, const qe_qtensor *w,
                qe_ctx *ctx)
{
  int32_t *b = malloc(sizeof(int32_t) * (size_t)n);
  float *s = malloc(sizeof(float) * (size_t)n);
  int32_t *z = calloc((size_t)n, sizeof(int32_t));
  for (int c = 0; c < n; c++) {
    b[c] = (int32_t)r8() * 40;
    s[c] = sc(in_scale) * w->scale[w->n_quant > 1 ? c : 0];
  }
  int32_t dims[1] = { n };
  int idx;
  TRY(qe_qmodel_add_tensor(m, name, QE_DT_I32, 1, dims, b, sizeof(int32_t) * (size_t)n, (size_t)n,
                           s, z, 0, &idx, ctx));
  free(b);
  free(s);
  free(z);
  return idx;
}

int main(int argc, char **argv)
{
  if (argc != 3)
    return 2;
  qe_ctx *ctx = qe_ctx_new();
  qe_qmodel *m = NULL;
  TRY(qe_qmodel_new(&m, ctx));
  qe_qop_options o;
  pot = strcmp(argv[1], "cnn-p2") == 0;
  if (strcmp(argv[1], "cnn") == 0 || pot) {
    const int32_t din[4] = { 1, 16, 16, 1 }, dconv[4] = { 1, 16, 16, 8 }, dpool[4] = { 1, 8, 8, 8 },
                  dfc[2] = { 1, 10 };
    int x = act(m, "input", 4, din, 0.02f, -3, ctx);
    const int32_t wd[4] = { 8, 3, 3, 1 };
    int w1 = weights(m, "conv/weights", 4, wd, 8, 0, 0.004f, ctx);
    int b1 = bias(m, "conv/bias", 8, 0.02f, &m->tensors[w1], ctx);
    int y1 = act(m, "conv", 4, dconv, 0.03f, -128, ctx);
    qe_qop_options_init(&o);
    o.padding = QE_PAD_SAME;
    o.stride_h = o.stride_w = 1;
    o.activation = QE_ACT_RELU;
    TRY(qe_qmodel_add_op(m, QE_QOP_CONV_2D, 3, (int[]){ x, w1, b1 }, y1, &o, "conv", NULL, ctx));
    const int32_t wdw[4] = { 1, 3, 3, 8 };
    int w2 = weights(m, "dw/weights", 4, wdw, 8, 3, 0.01f, ctx);
    int b2 = bias(m, "dw/bias", 8, 0.03f, &m->tensors[w2], ctx);
    int y2 = act(m, "dw", 4, dconv, 0.05f, 2, ctx);
    qe_qop_options_init(&o);
    o.padding = QE_PAD_SAME;
    o.stride_h = o.stride_w = 1;
    o.depth_multiplier = 1;
    TRY(qe_qmodel_add_op(m, QE_QOP_DEPTHWISE_CONV_2D, 3, (int[]){ y1, w2, b2 }, y2, &o, "dw", NULL,
                         ctx));
    int y3 = act(m, "pool", 4, dpool, 0.05f, 2, ctx);
    qe_qop_options_init(&o);
    o.padding = QE_PAD_VALID;
    o.stride_h = o.stride_w = 2;
    o.filter_h = o.filter_w = 2;
    TRY(qe_qmodel_add_op(m, QE_QOP_MAX_POOL_2D, 1, (int[]){ y2 }, y3, &o, "pool", NULL, ctx));
    const int32_t dr[2] = { 1, 512 };
    int y4 = act(m, "flatten", 2, dr, 0.05f, 2, ctx);
    int32_t shape_v[2] = { 1, 512 };
    const int32_t dshape[1] = { 2 };
    int sh;
    TRY(qe_qmodel_add_tensor(m, "flatten/shape", QE_DT_I32, 1, dshape, shape_v, sizeof shape_v, 0,
                             NULL, NULL, 0, &sh, ctx));
    qe_qop_options_init(&o);
    TRY(qe_qmodel_add_op(m, QE_QOP_RESHAPE, 2, (int[]){ y3, sh }, y4, &o, "flatten", NULL, ctx));
    const int32_t wfc[2] = { 10, 512 };
    int w5 = weights(m, "fc/weights", 2, wfc, 1, 0, 0.002f, ctx);
    int b5 = bias(m, "fc/bias", 10, 0.05f, &m->tensors[w5], ctx);
    int y5 = act(m, "fc", 2, dfc, 0.1f, 0, ctx);
    qe_qop_options_init(&o);
    TRY(qe_qmodel_add_op(m, QE_QOP_FULLY_CONNECTED, 3, (int[]){ y4, w5, b5 }, y5, &o, "fc", NULL,
                         ctx));
    int y6 = act(m, "softmax", 2, dfc, 1.0f / 256.0f, -128, ctx);
    qe_qop_options_init(&o);
    o.beta = 1.0f;
    TRY(qe_qmodel_add_op(m, QE_QOP_SOFTMAX, 1, (int[]){ y5 }, y6, &o, "softmax", NULL, ctx));
    TRY(qe_qmodel_add_input(m, x, ctx));
    TRY(qe_qmodel_add_output(m, y6, ctx));
  } else if (strcmp(argv[1], "big") == 0) {
    const int32_t din[2] = { 1, 1536 }, dout[2] = { 1, 1024 };
    int x = act(m, "input", 2, din, 0.02f, 0, ctx);
    const int32_t wfc[2] = { 1024, 1536 };
    int w = weights(m, "fc/weights", 2, wfc, 1, 0, 0.001f, ctx);
    int b = bias(m, "fc/bias", 1024, 0.02f, &m->tensors[w], ctx);
    int y = act(m, "fc", 2, dout, 0.1f, 0, ctx);
    qe_qop_options_init(&o);
    TRY(qe_qmodel_add_op(m, QE_QOP_FULLY_CONNECTED, 3, (int[]){ x, w, b }, y, &o, "fc", NULL, ctx));
    TRY(qe_qmodel_add_input(m, x, ctx));
    TRY(qe_qmodel_add_output(m, y, ctx));
  } else {
    return 2;
  }
  TRY(qe_tflite_save(m, argv[2], ctx));
  qe_qmodel_free(m);
  qe_ctx_free(ctx);
  return 0;
}
