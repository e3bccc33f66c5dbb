/* test-runtime.c - the float runtime's API: observer hook, intermediate
 * tensors, symbolic batch bound at run time with buffers reused, cancel,
 * input type conversion, and QDQ (per-tensor and per-axis) as ONNX defines
 * it (values computed here by hand from the ONNX formulas).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_graph.h"
#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_runtime.h"
#define QZ_CHECK_STREAM stdout
#include "qz-check.h"

typedef struct seen {
  int calls;
  int last_node;
  int stop_after;
  int order_ok;
  const qe_runtime *rt;
  int mismatch;
} seen;

static int observer(void *user, const qe_graph *g, int node, int n_outputs, const int *tensors,
                    const qe_array *const *outputs)
{
  seen *s = user;
  if (node <= s->last_node)
    s->order_ok = 0;
  s->last_node = node;
  s->calls++;
  for (int i = 0; i < n_outputs; i++) {
    if (tensors[i] < 0)
      continue;
    /* The value handed over is the one qe_runtime_tensor() gives. */
    if (qe_runtime_tensor(s->rt, tensors[i]) != outputs[i])
      s->mismatch++;
    if (g->nodes[node].outputs[i] != tensors[i])
      s->mismatch++;
  }
  return s->stop_after && s->calls >= s->stop_after;
}

static int cancel_progress(void *user, double fraction, const char *phase)
{
  int *n = user;
  return ++*n >= 3;
}

static void test_model(const char *dir)
{
  char path[1024], npz[1024];
  snprintf(path, sizeof path, "%s/fashion_cnn.onnx", dir);
  snprintf(npz, sizeof npz, "%s/fashion_cnn_test.npz", dir);
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_npz *z = NULL;
  qe_array *x = NULL;
  if (qe_onnx_load(path, &g, ctx) != QE_OK || qe_npz_open(npz, &z, ctx) != QE_OK ||
      qe_npz_read(z, "x", &x, ctx) != QE_OK) {
    printf("SKIP model part: %s\n", qe_ctx_error(ctx));
    goto out;
  }
  qe_runtime *rt = NULL;
  CHECK(qe_runtime_new(g, &rt, ctx) == QE_OK, "runtime: %s", qe_ctx_error(ctx));
  if (!rt)
    goto out;
  seen s = { .last_node = -1, .order_ok = 1, .rt = rt };
  qe_runtime_set_observer(rt, observer, &s);
  /* Batch 32 then batch 1 then 32 again on one runtime. */
  qe_array *b32 = NULL, *b1 = NULL;
  int64_t d[QE_MAX_RANK];
  memcpy(d, x->dims, sizeof d);
  d[0] = 32;
  qe_array_new(QE_DT_F32, x->rank, d, &b32, ctx);
  memcpy(b32->data, x->data, qe_array_nbytes(b32));
  d[0] = 1;
  qe_array_new(QE_DT_F32, x->rank, d, &b1, ctx);
  memcpy(b1->data, (char *)x->data + 5 * qe_array_nbytes(b1), qe_array_nbytes(b1));
  CHECK(qe_runtime_run(rt, 1, (const qe_array *const *)&b32, ctx) == QE_OK, "batch 32: %s",
        qe_ctx_error(ctx));
  CHECK(s.calls == (int)g->n_nodes && s.order_ok && !s.mismatch,
        "observer called once per node in order (%d calls, %zu nodes, %d mismatches)", s.calls,
        g->n_nodes, s.mismatch);
  qe_array *y32 = NULL;
  qe_runtime_copy_output(rt, 0, &y32, ctx);
  CHECK(y32 && y32->dims[0] == 32 && y32->dims[1] == 10, "batch 32 output shape");
  /* Every intermediate is readable after the run. */
  for (size_t i = 0; i < g->n_nodes; i++)
    CHECK(qe_runtime_tensor(rt, g->nodes[i].outputs[0]) != NULL, "intermediate %zu", i);
  s.calls = 0;
  s.last_node = -1;
  CHECK(qe_runtime_run(rt, 1, (const qe_array *const *)&b1, ctx) == QE_OK, "batch 1: %s",
        qe_ctx_error(ctx));
  const qe_array *y1 = qe_runtime_output(rt, 0);
  CHECK(y1 && y1->dims[0] == 1, "batch 1 output shape");
  /* Sample 5 of batch 32 and the batch-1 run agree. */
  if (y1 && y32) {
    double md = 0;
    for (int k = 0; k < 10; k++)
      md = fmax(md, fabs(((float *)y1->data)[k] - ((float *)y32->data)[5 * 10 + k]));
    CHECK(md < 1e-5, "batch 1 vs batch 32 row 5 differ by %g", md);
  }
  CHECK(qe_runtime_run(rt, 1, (const qe_array *const *)&b32, ctx) == QE_OK, "batch 32 again");
  const qe_array *y32b = qe_runtime_output(rt, 0);
  CHECK(y32b && y32 && memcmp(y32b->data, y32->data, qe_array_nbytes(y32)) == 0,
        "same input, same output after a batch change");
  /* The observer stops the run. */
  s.calls = 0;
  s.last_node = -1;
  s.stop_after = 3;
  CHECK(qe_runtime_run(rt, 1, (const qe_array *const *)&b1, ctx) == QE_ERR_CANCELLED &&
            s.calls == 3,
        "observer stop");
  CHECK(qe_runtime_output(rt, 0) == NULL, "no output after a stopped run");
  s.stop_after = 0;
  /* The progress callback cancels. */
  int ticks = 0;
  qe_ctx_set_progress(ctx, cancel_progress, &ticks);
  CHECK(qe_runtime_run(rt, 1, (const qe_array *const *)&b1, ctx) == QE_ERR_CANCELLED,
        "progress cancel");
  qe_ctx_set_progress(ctx, NULL, NULL);
  qe_ctx_clear(ctx);
  /* float64 input converted to the model's float32. */
  qe_array *f64;
  qe_array_new(QE_DT_F64, b1->rank, b1->dims, &f64, ctx);
  for (int64_t i = 0; i < qe_array_count(b1); i++)
    ((double *)f64->data)[i] = ((float *)b1->data)[i];
  CHECK(qe_runtime_run(rt, 1, (const qe_array *const *)&f64, ctx) == QE_OK, "float64 input: %s",
        qe_ctx_error(ctx));
  qe_array_free(f64);
  qe_array_free(b1);
  qe_array_free(b32);
  qe_array_free(y32);
  qe_runtime_free(rt);
out:
  qe_array_free(x);
  qe_npz_close(z);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

/* x[2,3] -> QuantizeLinear(per-axis 1, int8) -> DequantizeLinear -> y, and
 * a uint8 per-tensor pair with a zero point, and int32 dequantization. */
static void test_qdq(void)
{
  qe_graph *g;
  qe_graph_new(&g, NULL);
  qe_graph_set_opset(g, "", 13, NULL);
  int x, q, y, s, z, q2, y2, s2, z2, bi, bs, by;
  qe_graph_add_tensor(g, "x", QE_DT_F32, 2, (int64_t[]){ 2, 3 }, &x, NULL);
  qe_graph_add_input(g, x, NULL);
  qe_array *sa, *za, *s2a, *z2a, *ba, *bsa;
  qe_array_new(QE_DT_F32, 1, (int64_t[]){ 3 }, &sa, NULL);
  qe_array_new(QE_DT_I8, 1, (int64_t[]){ 3 }, &za, NULL);
  float sv[3] = { 0.5f, 0.1f, 2.0f };
  int8_t zv[3] = { 0, -3, 10 };
  memcpy(sa->data, sv, sizeof sv);
  memcpy(za->data, zv, sizeof zv);
  qe_graph_add_initializer_owned(g, "s", sa, &s, NULL);
  qe_graph_add_initializer_owned(g, "z", za, &z, NULL);
  qe_array_new(QE_DT_F32, 0, NULL, &s2a, NULL);
  qe_array_new(QE_DT_U8, 0, NULL, &z2a, NULL);
  *(float *)s2a->data = 0.25f;
  *(uint8_t *)z2a->data = 128;
  qe_graph_add_initializer_owned(g, "s2", s2a, &s2, NULL);
  qe_graph_add_initializer_owned(g, "z2", z2a, &z2, NULL);
  qe_array_new(QE_DT_I32, 1, (int64_t[]){ 3 }, &ba, NULL);
  int32_t bv[3] = { -1000, 7, 123456 };
  memcpy(ba->data, bv, sizeof bv);
  qe_graph_add_initializer_owned(g, "bias_q", ba, &bi, NULL);
  qe_array_new(QE_DT_F32, 1, (int64_t[]){ 3 }, &bsa, NULL);
  float bsv[3] = { 0.001f, 0.5f, 1e-4f };
  memcpy(bsa->data, bsv, sizeof bsv);
  qe_graph_add_initializer_owned(g, "bias_s", bsa, &bs, NULL);
  const char *names[] = { "q", "y", "q2", "y2", "by" };
  int *idx[] = { &q, &y, &q2, &y2, &by };
  for (int i = 0; i < 5; i++)
    qe_graph_add_tensor(g, names[i], QE_DT_UNDEFINED, -1, NULL, idx[i], NULL);
  int n;
  qe_graph_add_node(g, QE_OP_QUANTIZE_LINEAR, "quant", 3, (int[]){ x, s, z }, 1, &q, &n, NULL);
  qe_node_set_int(&g->nodes[n], "axis", 1, NULL);
  qe_graph_add_node(g, QE_OP_DEQUANTIZE_LINEAR, "dequant", 3, (int[]){ q, s, z }, 1, &y, &n, NULL);
  qe_node_set_int(&g->nodes[n], "axis", 1, NULL);
  qe_graph_add_node(g, QE_OP_QUANTIZE_LINEAR, "quant_u8", 3, (int[]){ x, s2, z2 }, 1, &q2, NULL,
                    NULL);
  qe_graph_add_node(g, QE_OP_DEQUANTIZE_LINEAR, "dequant_u8", 3, (int[]){ q2, s2, z2 }, 1, &y2,
                    NULL, NULL);
  qe_graph_add_node(g, QE_OP_DEQUANTIZE_LINEAR, "dequant_bias", 2, (int[]){ bi, bs }, 1, &by, &n,
                    NULL);
  qe_node_set_int(&g->nodes[n], "axis", 0, NULL);
  int outs[5] = { q, y, q2, y2, by };
  for (int i = 0; i < 5; i++)
    qe_graph_add_output(g, outs[i], NULL);
  qe_array *in;
  qe_array_new(QE_DT_F32, 2, (int64_t[]){ 2, 3 }, &in, NULL);
  /* Includes ties (x/scale = k + 0.5) to check round-half-to-even and
   * values that saturate. */
  float xv[6] = { 0.25f, 0.15f, 300.0f, -100.0f, -0.05f, 5.0f };
  memcpy(in->data, xv, sizeof xv);
  qe_array **o = NULL;
  qe_ctx *ctx = qe_ctx_new();
  CHECK(qe_run_graph(g, 1, (const qe_array *const *)&in, &o, ctx) == QE_OK, "qdq run: %s",
        qe_ctx_error(ctx));
  if (o) {
    /* ONNX: q = saturate(round_half_even(x / s) + z). */
    int8_t want_q[6];
    float want_y[6];
    uint8_t want_q2[6];
    float want_y2[6];
    for (int i = 0; i < 6; i++) {
      int c = i % 3;
      double v = nearbyint((double)(xv[i] / sv[c])) + zv[c];
      v = v < -128 ? -128 : (v > 127 ? 127 : v);
      want_q[i] = (int8_t)v;
      want_y[i] = (float)(want_q[i] - zv[c]) * sv[c];
      double v2 = nearbyint((double)(xv[i] / 0.25f)) + 128;
      v2 = v2 < 0 ? 0 : (v2 > 255 ? 255 : v2);
      want_q2[i] = (uint8_t)v2;
      want_y2[i] = (float)(want_q2[i] - 128) * 0.25f;
    }
    CHECK(o[0]->dtype == QE_DT_I8 && memcmp(o[0]->data, want_q, 6) == 0, "per-axis int8 q");
    CHECK(memcmp(o[1]->data, want_y, sizeof want_y) == 0, "per-axis dequantized");
    CHECK(o[2]->dtype == QE_DT_U8 && memcmp(o[2]->data, want_q2, 6) == 0, "uint8 q");
    CHECK(memcmp(o[3]->data, want_y2, sizeof want_y2) == 0, "uint8 dequantized");
    /* 0.25/0.5 = 0.5 -> 0 (half to even); 0.15/0.1 = 1.5 (in float: 1.4999999) ... */
    CHECK(want_q[0] == 0, "round half to even: 0.5 -> 0");
    const float *yb = o[4]->data;
    CHECK(yb[0] == -1000 * 0.001f && yb[1] == 7 * 0.5f && yb[2] == 123456 * 1e-4f,
          "int32 per-axis dequantization");
    for (int i = 0; i < 5; i++)
      qe_array_free(o[i]);
    free(o);
  }
  /* The same graph written to ONNX: needs opset 13 for per-axis. */
  qe_onnx_save_options opt = { .opset = 12 };
  uint8_t *buf = NULL;
  size_t len;
  CHECK(qe_onnx_save_buffer(g, &opt, &buf, &len, ctx) == QE_ERR_INVALID &&
            strstr(qe_ctx_error(ctx), "opset 13"),
        "per-axis QDQ refused below opset 13: %s", qe_ctx_error(ctx));
  free(buf);
  opt.opset = 13;
  CHECK(qe_onnx_save_buffer(g, &opt, &buf, &len, ctx) == QE_OK, "saved at opset 13");
  free(buf);
  qe_array_free(in);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

int main(void)
{
  const char *src = getenv("QZ_SOURCE_ROOT");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/models", src ? src : ".");
  test_model(dir);
  test_qdq();
  printf("%d failures\n", failures);
  return failures ? 1 : 0;
}
