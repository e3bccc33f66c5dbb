/* test-equalize.c - cross-layer equalization on small synthetic graphs: the
 * float function is unchanged, per-channel ranges become equal, and the
 * ReLU6 rule keeps the clip where calibration data reach it.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_graph.h"
#include "qe/qe_quantize.h"
#include "qe/qe_runtime.h"
#include "qz-check-fatal.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (float)((double)(rng >> 11) / 9007199254740992.0) * 2.0f - 1.0f;
}

static int add_const(qe_graph *g, const char *name, int rank, const int64_t *dims, float *scale,
                     qe_ctx *ctx)
{
  qe_array *a = NULL;
  CHECK(qe_array_new(QE_DT_F32, rank, dims, &a, ctx) == QE_OK);
  float *d = a->data;
  int64_t n = qe_array_count(a), per = n / dims[0];
  for (int64_t i = 0; i < n; i++)
    d[i] = frand() * (scale ? scale[i / per] : 1.0f);
  int idx;
  CHECK(qe_graph_add_initializer_owned(g, name, a, &idx, ctx) == QE_OK);
  return idx;
}

/* x [1,2,6,6] -> conv1 (3 ch, 3x3, pads 1) -> act -> conv2 (depthwise when
 * @dw, else 2 ch 1x1) -> y. */
static qe_graph *build(bool relu6, bool dw, qe_ctx *ctx)
{
  qe_graph *g;
  CHECK(qe_graph_new(&g, ctx) == QE_OK);
  CHECK(qe_graph_set_opset(g, "", 13, ctx) == QE_OK);
  int64_t xd[4] = { 1, 2, 6, 6 };
  int x, t1, t2, y;
  CHECK(qe_graph_add_tensor(g, "x", QE_DT_F32, 4, xd, &x, ctx) == QE_OK);
  CHECK(qe_graph_add_input(g, x, ctx) == QE_OK);
  float s1[3] = { 10.0f, 0.05f, 1.0f }; /* very different channel ranges */
  int64_t w1d[4] = { 3, 2, 3, 3 }, b1d[1] = { 3 };
  int w1 = add_const(g, "w1", 4, w1d, s1, ctx), b1 = add_const(g, "b1", 1, b1d, NULL, ctx);
  int64_t w2d[4] = { dw ? 3 : 2, dw ? 1 : 3, dw ? 3 : 1, dw ? 3 : 1 };
  int w2 = add_const(g, "w2", 4, w2d, NULL, ctx);
  CHECK(qe_graph_add_tensor(g, "t1", QE_DT_UNDEFINED, -1, NULL, &t1, ctx) == QE_OK);
  CHECK(qe_graph_add_tensor(g, "t2", QE_DT_UNDEFINED, -1, NULL, &t2, ctx) == QE_OK);
  CHECK(qe_graph_add_tensor(g, "y", QE_DT_UNDEFINED, -1, NULL, &y, ctx) == QE_OK);
  int in1[3] = { x, w1, b1 }, n;
  CHECK(qe_graph_add_node(g, QE_OP_CONV, "conv1", 3, in1, 1, &t1, &n, ctx) == QE_OK);
  int64_t pads[4] = { 1, 1, 1, 1 };
  CHECK(qe_node_set_ints(&g->nodes[n], "pads", 4, pads, ctx) == QE_OK);
  if (relu6) {
    int64_t sd[1] = { 0 };
    qe_array *lo = NULL, *hi = NULL;
    CHECK(qe_array_new(QE_DT_F32, 0, sd, &lo, ctx) == QE_OK);
    CHECK(qe_array_new(QE_DT_F32, 0, sd, &hi, ctx) == QE_OK);
    ((float *)hi->data)[0] = 6.0f;
    int tl, th;
    CHECK(qe_graph_add_initializer_owned(g, "lo", lo, &tl, ctx) == QE_OK);
    CHECK(qe_graph_add_initializer_owned(g, "hi", hi, &th, ctx) == QE_OK);
    int ia[3] = { t1, tl, th };
    CHECK(qe_graph_add_node(g, QE_OP_CLIP, "relu6", 3, ia, 1, &t2, &n, ctx) == QE_OK);
  } else {
    CHECK(qe_graph_add_node(g, QE_OP_RELU, "relu", 1, &t1, 1, &t2, &n, ctx) == QE_OK);
  }
  int in2[2] = { t2, w2 };
  CHECK(qe_graph_add_node(g, QE_OP_CONV, "conv2", 2, in2, 1, &y, &n, ctx) == QE_OK);
  if (dw) {
    CHECK(qe_node_set_int(&g->nodes[n], "group", 3, ctx) == QE_OK);
    CHECK(qe_node_set_ints(&g->nodes[n], "pads", 4, pads, ctx) == QE_OK);
  }
  CHECK(qe_graph_add_output(g, y, ctx) == QE_OK);
  CHECK(qe_graph_infer_shapes(g, ctx) == QE_OK);
  return g;
}

static qe_array *run(const qe_graph *g, const qe_array *x, qe_ctx *ctx)
{
  qe_array **out = NULL;
  const qe_array *in[1] = { x };
  CHECK(qe_run_graph(g, 1, in, &out, ctx) == QE_OK);
  qe_array *r = out[0];
  free(out);
  return r;
}

static float chan_absmax(const qe_graph *g, const char *w, int c, bool input_axis)
{
  const qe_tensor *t = &g->tensors[qe_graph_find_tensor(g, w)];
  const float *d = t->data->data;
  int64_t O = t->dims[0], I = t->dims[1], k = t->dims[2] * t->dims[3];
  float m = 0;
  for (int64_t o = 0; o < O; o++)
    for (int64_t i = 0; i < I; i++)
      for (int64_t j = 0; j < k; j++)
        if ((input_axis ? (I == 1 ? o : i) : o) == c)
          m = fmaxf(m, fabsf(d[(o * I + i) * k + j]));
  return m;
}

static void test_pair(bool relu6, bool dw, qe_ctx *ctx)
{
  qe_graph *g = build(relu6, dw, ctx);
  int64_t xd[4] = { 1, 2, 6, 6 };
  qe_array *x = NULL;
  CHECK(qe_array_new(QE_DT_F32, 4, xd, &x, ctx) == QE_OK);
  for (int64_t i = 0; i < 72; i++)
    ((float *)x->data)[i] = frand();
  qe_array *before = run(g, x, ctx);
  /* per-channel maxima of conv1's output on this "calibration" sample */
  float *cm = NULL;
  const float **chmax = calloc(g->n_tensors, sizeof *chmax);
  if (relu6) {
    qe_runtime *rt;
    const qe_array *in[1] = { x };
    CHECK(qe_runtime_new(g, &rt, ctx) == QE_OK);
    CHECK(qe_runtime_run(rt, 1, in, ctx) == QE_OK);
    const qe_array *t1 = qe_runtime_tensor(rt, qe_graph_find_tensor(g, "t1"));
    cm = calloc(3, sizeof *cm);
    for (int c = 0; c < 3; c++) {
      cm[c] = -INFINITY;
      for (int k = 0; k < 36; k++)
        cm[c] = fmaxf(cm[c], ((const float *)t1->data)[c * 36 + k]);
    }
    qe_runtime_free(rt);
    chmax[qe_graph_find_tensor(g, "t1")] = cm;
  }
  size_t pairs = 0;
  if (relu6) {
    /* without calibration maxima a pair through ReLU6 is left alone */
    CHECK(qe_equalize(g, NULL, &pairs, ctx) == QE_OK);
    CHECK(pairs == 0);
  }
  CHECK(qe_equalize(g, chmax, &pairs, ctx) == QE_OK);
  CHECK(pairs == 1);
  qe_array *after = run(g, x, ctx);
  for (int64_t i = 0; i < qe_array_count(before); i++) {
    float a = ((float *)before->data)[i], b = ((float *)after->data)[i];
    CHECK(fabsf(a - b) <= 1e-4f * (1.0f + fabsf(a)));
  }
  for (int c = 0; c < 3 && !relu6; c++) {
    float r1 = chan_absmax(g, "w1", c, false), r2 = chan_absmax(g, "w2", c, true);
    CHECK(fabsf(r1 - r2) <= 1e-3f * (r1 + r2)); /* equal ranges */
  }
  free(cm);
  free(chmax);
  qe_array_free(x);
  qe_array_free(before);
  qe_array_free(after);
  qe_graph_free(g);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  float r1[3] = { 4, 1, 0 }, r2[3] = { 1, 4, 2 }, lo[3] = { 0, 0.75f, 0 }, s[3];
  qe_equalize_scales(3, r1, r2, NULL, NULL, s);
  CHECK(s[0] == 2.0f && s[1] == 0.5f && s[2] == 1.0f);
  qe_equalize_scales(3, r1, r2, lo, NULL, s);
  CHECK(s[1] == 0.75f);
  test_pair(false, false, ctx);
  test_pair(false, true, ctx);
  test_pair(true, false, ctx);
  test_pair(true, true, ctx);
  qe_ctx_free(ctx);
  printf("equalize: ok\n");
  return 0;
}
