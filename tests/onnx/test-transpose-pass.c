/* test-transpose-pass.c - the Transpose optimization (qe_pass_cancel_transposes)
 * keeps every output bit for bit and removes what it should.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 1. One graph per op family the pass moves Transposes through (unary and
 *    broadcasting elementwise ops with constant operands of every rank,
 *    Concat, Split, Pad in both opset forms, reductions with and without
 *    keepdims, ArgMax, Softmax, Slice, QuantizeLinear/DequantizeLinear):
 *    NCHW in, Transpose to NHWC, the op, Transpose back; afterwards no
 *    Transpose may be left (or the one a reduction needs).
 * 2. The TFLite conversion pattern (Transposes around each Conv, a Relu, a
 *    channel Pad and a residual Add between them): only the Transposes at
 *    the NHWC input and output stay.
 * 3. What must not change: a Transpose feeding an op with another plain
 *    operand (nothing to gain), a Reshape, Softmax of opset 11; a
 *    Transpose whose output is also a graph output keeps it.
 * 4. 300 random graphs of [3,3,3,3] tensors (every permutation keeps the
 *    shape, so a wrong axis shows in the values, not as a shape error):
 *    random Transposes, elementwise ops against constants and other
 *    tensors, reductions over one axis, Concat + Slice, Pad + Slice,
 *    Softmax; outputs must be bit-identical and Transposes never more.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_graph.h"
#include "qe/qe_runtime.h"
#define QZ_CHECK_STREAM stdout
#include "qz-check.h"

/* ---- a small graph builder ------------------------------------------------- */

typedef struct gb {
  qe_graph *g;
  unsigned seed;
  int n; /* names */
} gb;

static float frand(gb *b, float lo, float hi)
{
  b->seed = b->seed * 1103515245u + 12345u;
  return lo + (hi - lo) * (float)((b->seed >> 8) & 0xffff) / 65535.0f;
}

static unsigned urand(gb *b, unsigned n)
{
  b->seed = b->seed * 1103515245u + 12345u;
  return (b->seed >> 10) % n;
}

static void gb_init(gb *b, unsigned seed)
{
  if (qe_graph_new(&b->g, NULL) != QE_OK)
    abort();
  qe_graph_set_opset(b->g, "", 13, NULL);
  b->seed = seed;
  b->n = 0;
}

static qe_array *rand_array(gb *b, qe_dtype dt, int rank, const int64_t *dims)
{
  qe_array *a;
  if (qe_array_new(dt, rank, dims, &a, NULL) != QE_OK)
    abort();
  for (int64_t i = 0; i < qe_array_count(a); i++) {
    if (dt == QE_DT_F32)
      ((float *)a->data)[i] = frand(b, -2, 2);
    else if (dt == QE_DT_BOOL)
      ((uint8_t *)a->data)[i] = (uint8_t)urand(b, 2);
  }
  return a;
}

static int input(gb *b, const char *name, int rank, const int64_t *dims)
{
  int t;
  if (qe_graph_add_tensor(b->g, name, QE_DT_F32, rank, dims, &t, NULL) != QE_OK ||
      qe_graph_add_input(b->g, t, NULL) != QE_OK)
    abort();
  return t;
}

static int cnst(gb *b, qe_array *a)
{
  char name[32];
  int t;
  snprintf(name, sizeof name, "c%d", b->n++);
  if (qe_graph_add_initializer_owned(b->g, name, a, &t, NULL) != QE_OK)
    abort();
  return t;
}

static int cnst_rand(gb *b, int rank, const int64_t *dims)
{
  return cnst(b, rand_array(b, QE_DT_F32, rank, dims));
}

static int cnst_i64(gb *b, int n, const int64_t *v)
{
  qe_array *a;
  int64_t d = n;
  if (qe_array_new(QE_DT_I64, 1, &d, &a, NULL) != QE_OK)
    abort();
  memcpy(a->data, v, (size_t)n * sizeof(int64_t));
  return cnst(b, a);
}

static int cnst_f32(gb *b, float v)
{
  qe_array *a;
  if (qe_array_new(QE_DT_F32, 0, NULL, &a, NULL) != QE_OK)
    abort();
  *(float *)a->data = v;
  return cnst(b, a);
}

/* A node with one output (a new tensor, shapes left to inference). */
static int op(gb *b, qe_op o, int n_in, const int *in, int *node)
{
  char name[32];
  int t, nd;
  snprintf(name, sizeof name, "t%d", b->n++);
  if (qe_graph_add_tensor(b->g, name, QE_DT_UNDEFINED, -1, NULL, &t, NULL) != QE_OK)
    abort();
  snprintf(name, sizeof name, "n%d", b->n++);
  if (qe_graph_add_node(b->g, o, name, n_in, in, 1, &t, &nd, NULL) != QE_OK)
    abort();
  if (node)
    *node = nd;
  return t;
}

static int op1(gb *b, qe_op o, int x)
{
  return op(b, o, 1, &x, NULL);
}

static int op2(gb *b, qe_op o, int x, int y)
{
  int in[2] = { x, y };
  return op(b, o, 2, in, NULL);
}

static int transpose(gb *b, int x, const int64_t *perm)
{
  int nd;
  int t = op(b, QE_OP_TRANSPOSE, 1, &x, &nd);
  qe_node_set_ints(&b->g->nodes[nd], "perm", 4, perm, NULL);
  return t;
}

static const int64_t TO_NHWC[4] = { 0, 2, 3, 1 }, TO_NCHW[4] = { 0, 3, 1, 2 };

static size_t count_op(const qe_graph *g, qe_op o)
{
  size_t c = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    c += g->nodes[i].op == o;
  return c;
}

/* Run @g before and after the pass on random inputs; outputs must be
 * bit-identical (within @tol of their magnitude when @tol > 0). Returns
 * the number of Transposes left (-1 on failure); @g is replaced by the
 * optimized graph. */
static long check(const char *label, qe_graph **gp, double tol, unsigned seed)
{
  qe_graph *g = *gp, *c = NULL;
  qe_ctx *ctx = qe_ctx_new();
  gb rb = { .seed = seed };
  qe_array *ins[4] = { NULL };
  qe_array **ref = NULL, **out = NULL;
  long left = -1;
  size_t changed = 0;
  for (size_t i = 0; i < g->n_inputs && i < 4; i++) {
    const qe_tensor *t = &g->tensors[g->inputs[i]];
    ins[i] = rand_array(&rb, QE_DT_F32, t->rank, t->dims);
  }
  if (qe_run_graph(g, g->n_inputs, (const qe_array *const *)ins, &ref, ctx) != QE_OK) {
    CHECK(0, "%s: the graph does not run: %s", label, qe_ctx_error(ctx));
    goto out;
  }
  const size_t before = count_op(g, QE_OP_TRANSPOSE);
  if (qe_graph_clone(g, &c, ctx) != QE_OK || qe_pass_cancel_transposes(c, &changed, ctx) != QE_OK) {
    CHECK(0, "%s: the pass failed: %s", label, qe_ctx_error(ctx));
    goto out;
  }
  if (qe_graph_validate(c, ctx) != QE_OK ||
      qe_run_graph(c, c->n_inputs, (const qe_array *const *)ins, &out, ctx) != QE_OK) {
    CHECK(0, "%s: after the pass the graph does not run: %s", label, qe_ctx_error(ctx));
    goto out;
  }
  left = (long)count_op(c, QE_OP_TRANSPOSE);
  CHECK((size_t)left <= before, "%s: %ld Transposes after, %zu before", label, left, before);
  CHECK(changed == before - (size_t)left, "%s: *changed %zu, removed %zu", label, changed,
        before - (size_t)left);
  CHECK(c->n_outputs == g->n_outputs, "%s: outputs changed", label);
  for (size_t k = 0; k < g->n_outputs && k < c->n_outputs; k++) {
    const qe_array *a = ref[k], *o = out[k];
    CHECK(strcmp(g->tensors[g->outputs[k]].name, c->tensors[c->outputs[k]].name) == 0,
          "%s: output %zu renamed", label, k);
    if (a->rank != o->rank || memcmp(a->dims, o->dims, sizeof(int64_t) * (size_t)a->rank) ||
        a->dtype != o->dtype) {
      CHECK(0, "%s: output %zu changed shape or type", label, k);
      continue;
    }
    if (tol <= 0 || a->dtype != QE_DT_F32) {
      CHECK(memcmp(a->data, o->data, qe_array_nbytes(a)) == 0,
            "%s: output %zu is not bit-identical", label, k);
    } else {
      const float *x = a->data, *y = o->data;
      double md = 0, mx = 0;
      for (int64_t e = 0; e < qe_array_count(a); e++) {
        md = fmax(md, fabs((double)x[e] - y[e]));
        mx = fmax(mx, fabs(x[e]));
      }
      CHECK(md <= tol * (mx > 1 ? mx : 1), "%s: output %zu differs by %g", label, k, md);
    }
  }
out:
  for (size_t k = 0; ref && k < g->n_outputs; k++)
    qe_array_free(ref[k]);
  for (size_t k = 0; out && c && k < c->n_outputs; k++)
    qe_array_free(out[k]);
  free(ref);
  free(out);
  for (int i = 0; i < 4; i++)
    qe_array_free(ins[i]);
  if (left >= 0) {
    qe_graph_free(g);
    *gp = c;
  } else {
    qe_graph_free(c);
  }
  qe_ctx_free(ctx);
  return left;
}

/* ---- 1. one graph per family ------------------------------------------------ */

static const int64_t NCHW[4] = { 2, 3, 4, 5 }; /* NHWC: [2, 4, 5, 3] */

typedef int (*body_fn)(gb *b, int x, int x2); /* x, x2: NHWC views of the inputs */

static void family(const char *label, body_fn body, long expect_left, double tol)
{
  gb b;
  gb_init(&b, 0x1234u + (unsigned)strlen(label));
  int x = input(&b, "x", 4, NCHW), x2 = input(&b, "x2", 4, NCHW);
  int h = transpose(&b, x, TO_NHWC), h2 = transpose(&b, x2, TO_NHWC);
  int y = body(&b, h, h2);
  /* back to NCHW when the result is 4-D */
  qe_graph_infer_shapes(b.g, NULL);
  int out = b.g->tensors[y].rank == 4 ? transpose(&b, y, TO_NCHW) : y;
  qe_graph_add_output(b.g, out, NULL);
  if (qe_graph_infer_shapes(b.g, NULL) != QE_OK) {
    CHECK(0, "%s: the test graph is wrong", label);
    qe_graph_free(b.g);
    return;
  }
  long left = check(label, &b.g, tol, 99);
  CHECK(left == expect_left, "%s: %ld Transposes left, expected %ld", label, left, expect_left);
  printf("%-34s %zu nodes, %ld Transposes left\n", label, b.g->n_nodes, left);
  qe_graph_free(b.g);
}

static int body_unary(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  int t = op1(b, QE_OP_RELU, x);
  t = op1(b, QE_OP_SIGMOID, t);
  t = op(b, QE_OP_LEAKY_RELU, 1, &t, &nd);
  qe_node_set_float(&b->g->nodes[nd], "alpha", 0.3f, NULL);
  int clip[3] = { t, cnst_f32(b, -0.25f), cnst_f32(b, 0.75f) };
  return op(b, QE_OP_CLIP, 3, clip, NULL);
}

static int body_broadcast(gb *b, int x, int x2)
{
  const int64_t c1[1] = { 3 }, c3[3] = { 4, 1, 3 }, c4[4] = { 1, 4, 5, 3 }, s[1] = { 1 };
  int t = op2(b, QE_OP_ADD, x, cnst_rand(b, 1, c1)); /* per channel */
  t = op2(b, QE_OP_MUL, cnst_rand(b, 3, c3), t);     /* rank 3, first operand */
  t = op2(b, QE_OP_SUB, t, cnst_rand(b, 4, c4));     /* full rank */
  t = op2(b, QE_OP_DIV, t, cnst_rand(b, 1, s));      /* size 1 */
  t = op2(b, QE_OP_MAX, t, x2);                      /* two transposed tensors */
  t = op(b, QE_OP_PRELU, 2, (int[]){ t, cnst_rand(b, 1, c1) }, NULL);
  int cond = cnst(b, rand_array(b, QE_DT_BOOL, 1, c1));
  return op(b, QE_OP_WHERE, 3, (int[]){ cond, t, cnst_rand(b, 3, c3) }, NULL);
}

static int body_concat(gb *b, int x, int x2)
{
  int nd;
  int t = op(b, QE_OP_CONCAT, 3, (int[]){ x, x2, x }, &nd);
  qe_node_set_int(&b->g->nodes[nd], "axis", -1, NULL);
  const int64_t cd[4] = { 2, 4, 5, 2 };
  t = op(b, QE_OP_CONCAT, 2, (int[]){ t, cnst_rand(b, 4, cd) }, &nd);
  qe_node_set_int(&b->g->nodes[nd], "axis", 3, NULL);
  return t;
}

static int body_split(gb *b, int x, int x2)
{
  (void)x2;
  int outs[2], nd;
  char n0[16], n1[16];
  snprintf(n0, sizeof n0, "s%d", b->n++);
  snprintf(n1, sizeof n1, "s%d", b->n++);
  qe_graph_add_tensor(b->g, n0, QE_DT_UNDEFINED, -1, NULL, &outs[0], NULL);
  qe_graph_add_tensor(b->g, n1, QE_DT_UNDEFINED, -1, NULL, &outs[1], NULL);
  int split = cnst_i64(b, 2, (const int64_t[]){ 1, 3 });
  qe_graph_add_node(b->g, QE_OP_SPLIT, "split", 2, (int[]){ x, split }, 2, outs, &nd, NULL);
  qe_node_set_int(&b->g->nodes[nd], "axis", 1, NULL);
  int r = op1(b, QE_OP_NEG, outs[0]);
  int e = op1(b, QE_OP_EXP, outs[1]);
  int t = op(b, QE_OP_CONCAT, 2, (int[]){ e, r }, &nd);
  qe_node_set_int(&b->g->nodes[nd], "axis", 1, NULL);
  return t;
}

static int body_pad(gb *b, int x, int x2)
{
  (void)x2;
  const int64_t pads[8] = { 0, 1, 0, 2, 0, 2, 1, 3 };
  int t = op(b, QE_OP_PAD, 3, (int[]){ x, cnst_i64(b, 8, pads), cnst_f32(b, 0.5f) }, NULL);
  int nd;
  t = op(b, QE_OP_PAD, 1, &t, &nd); /* opset 2..10: pads as an attribute */
  b->g->nodes[nd].opset = 9;
  qe_node_set_string(&b->g->nodes[nd], "mode", "edge", NULL);
  qe_node_set_ints(&b->g->nodes[nd], "pads", 8, (const int64_t[]){ 0, 0, 1, 1, 0, 2, 0, 0 }, NULL);
  return t;
}

static int body_reduce_keep(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  int t = op(b, QE_OP_REDUCE_MAX, 1, &x, &nd);
  qe_node_set_ints(&b->g->nodes[nd], "axes", 1, (const int64_t[]){ -1 }, NULL);
  /* ReduceSum opset 13: axes as an input */
  int s = op(b, QE_OP_REDUCE_SUM, 2, (int[]){ x, cnst_i64(b, 1, (const int64_t[]){ 2 }) }, NULL);
  return op2(b, QE_OP_ADD, t, s);
}

static int body_reduce_drop(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  /* global average pooling as TFLite's MEAN: [N, C] out, no Transpose left */
  int t = op(b, QE_OP_REDUCE_MEAN, 1, &x, &nd);
  qe_node_set_ints(&b->g->nodes[nd], "axes", 2, (const int64_t[]){ 1, 2 }, NULL);
  qe_node_set_int(&b->g->nodes[nd], "keepdims", 0, NULL);
  return t;
}

static int body_reduce_drop_perm(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  /* [N, H, W, C] -> [N, W, C]: [N, C, W] untransposed, so one Transpose */
  int t = op(b, QE_OP_REDUCE_L2, 1, &x, &nd);
  qe_node_set_ints(&b->g->nodes[nd], "axes", 1, (const int64_t[]){ 1 }, NULL);
  qe_node_set_int(&b->g->nodes[nd], "keepdims", 0, NULL);
  return op1(b, QE_OP_RELU, t);
}

static int body_argmax(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  int t = op(b, QE_OP_ARG_MAX, 1, &x, &nd);
  qe_node_set_int(&b->g->nodes[nd], "axis", 3, NULL);
  qe_node_set_int(&b->g->nodes[nd], "keepdims", 1, NULL);
  return t; /* int64, compared exactly */
}

static int body_softmax(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  int t = op(b, QE_OP_SOFTMAX, 1, &x, &nd);
  qe_node_set_int(&b->g->nodes[nd], "axis", -1, NULL);
  t = op(b, QE_OP_LOG_SOFTMAX, 1, &t, &nd);
  qe_node_set_int(&b->g->nodes[nd], "axis", 1, NULL);
  return t;
}

static int body_slice(gb *b, int x, int x2)
{
  (void)x2;
  int s[5] = { x, cnst_i64(b, 2, (const int64_t[]){ 1, 0 }),
               cnst_i64(b, 2, (const int64_t[]){ 4, 2 }),
               cnst_i64(b, 2, (const int64_t[]){ 1, -1 }),
               cnst_i64(b, 2, (const int64_t[]){ 2, 1 }) };
  int t = op(b, QE_OP_SLICE, 5, s, NULL);
  /* without axes: the first ones */
  int s2[3] = { t, cnst_i64(b, 3, (const int64_t[]){ 0, 1, 1 }),
                cnst_i64(b, 3, (const int64_t[]){ 2, 2, 5 }) };
  return op(b, QE_OP_SLICE, 3, s2, NULL);
}

static int body_qdq(gb *b, int x, int x2)
{
  (void)x2;
  qe_array *zp;
  qe_array_new(QE_DT_I8, 0, NULL, &zp, NULL);
  *(int8_t *)zp->data = 3;
  int z = cnst(b, zp), s = cnst_f32(b, 0.05f);
  int q = op(b, QE_OP_QUANTIZE_LINEAR, 3, (int[]){ x, s, z }, NULL);
  return op(b, QE_OP_DEQUANTIZE_LINEAR, 3, (int[]){ q, s, z }, NULL);
}

/* Nothing to gain: the Add's other operand is a plain NHWC-shaped tensor
 * (a Reshape of the second input), so pushing would add a Transpose for
 * the one it removes. */
static int body_plain_operand(gb *b, int x, int x2)
{
  (void)x2;
  int plain =
      op2(b, QE_OP_RESHAPE, b->g->inputs[1], cnst_i64(b, 4, (const int64_t[]){ 2, 4, 5, 3 }));
  return op2(b, QE_OP_ADD, x, plain);
}

static int body_reshape(gb *b, int x, int x2)
{
  (void)x2;
  return op2(b, QE_OP_RESHAPE, op1(b, QE_OP_RELU, x), cnst_i64(b, 2, (const int64_t[]){ 2, -1 }));
}

static int body_softmax11(gb *b, int x, int x2)
{
  (void)x2;
  int nd;
  int t = op(b, QE_OP_SOFTMAX, 1, &x, &nd);
  b->g->nodes[nd].opset = 11; /* flattens from the axis on: layout-bound */
  qe_node_set_int(&b->g->nodes[nd], "axis", 3, NULL);
  return t;
}

/* ---- 2. the TFLite pattern ------------------------------------------------------ */

static void tflite_pattern(void)
{
  gb b;
  gb_init(&b, 77);
  const int64_t xd[4] = { 1, 8, 8, 3 }, w1[4] = { 4, 3, 3, 3 }, w2[4] = { 4, 1, 3, 3 },
                w3[4] = { 6, 4, 1, 1 }, c4[1] = { 4 }, c6[1] = { 6 };
  int x = input(&b, "image", 4, xd);
  int nd;
  /* conv 3x3 + bias, Relu (separate, as TFLite's RELU op) */
  int t = transpose(&b, x, TO_NCHW);
  t = op(&b, QE_OP_CONV, 3, (int[]){ t, cnst_rand(&b, 4, w1), cnst_rand(&b, 1, c4) }, &nd);
  qe_node_set_ints(&b.g->nodes[nd], "pads", 4, (const int64_t[]){ 1, 1, 1, 1 }, NULL);
  t = transpose(&b, t, TO_NHWC);
  int a = op1(&b, QE_OP_RELU, t);
  /* depthwise + pointwise widening 4 -> 6 */
  t = transpose(&b, a, TO_NCHW);
  t = op(&b, QE_OP_CONV, 2, (int[]){ t, cnst_rand(&b, 4, w2) }, &nd);
  qe_node_set_ints(&b.g->nodes[nd], "pads", 4, (const int64_t[]){ 1, 1, 1, 1 }, NULL);
  qe_node_set_int(&b.g->nodes[nd], "group", 4, NULL);
  t = op(&b, QE_OP_CONV, 3, (int[]){ t, cnst_rand(&b, 4, w3), cnst_rand(&b, 1, c6) }, NULL);
  t = transpose(&b, t, TO_NHWC);
  /* BlazeFace's channel padding of the shortcut, the residual Add, Relu */
  int p = op(&b, QE_OP_PAD, 2,
             (int[]){ a, cnst_i64(&b, 8, (const int64_t[]){ 0, 0, 0, 0, 0, 0, 0, 2 }) }, NULL);
  t = op2(&b, QE_OP_ADD, p, t);
  t = op1(&b, QE_OP_RELU, t);
  /* max pool, a Clip (Relu6) and a bias in NHWC */
  int m = transpose(&b, t, TO_NCHW);
  m = op(&b, QE_OP_MAX_POOL, 1, &m, &nd);
  qe_node_set_ints(&b.g->nodes[nd], "kernel_shape", 2, (const int64_t[]){ 2, 2 }, NULL);
  qe_node_set_ints(&b.g->nodes[nd], "strides", 2, (const int64_t[]){ 2, 2 }, NULL);
  m = transpose(&b, m, TO_NHWC);
  m = op(&b, QE_OP_CLIP, 3, (int[]){ m, cnst_f32(&b, 0), cnst_f32(&b, 6) }, NULL);
  m = op2(&b, QE_OP_ADD, m, cnst_rand(&b, 1, c6));
  qe_graph_add_output(b.g, m, NULL);
  /* a second output: the feature map flattened, as the detector's heads */
  int f = op2(&b, QE_OP_RESHAPE, t, cnst_i64(&b, 3, (const int64_t[]){ 1, -1, 2 }));
  qe_graph_add_output(b.g, f, NULL);
  if (qe_graph_infer_shapes(b.g, NULL) != QE_OK) {
    CHECK(0, "tflite pattern: the test graph is wrong");
    qe_graph_free(b.g);
    return;
  }
  size_t before = count_op(b.g, QE_OP_TRANSPOSE), nodes = b.g->n_nodes;
  long left = check("tflite-pattern", &b.g, 0, 5);
  /* the NHWC input's and output's, and the one the Reshape needs (NHWC
   * element order) */
  CHECK(left == 3, "tflite pattern: %ld Transposes left, expected 3", left);
  printf("%-34s %zu -> %zu nodes, Transposes %zu -> %ld\n", "tflite-pattern", nodes, b.g->n_nodes,
         before, left);
  qe_graph_free(b.g);
}

/* A Transpose whose output is both read and a graph output stays. */
static void output_kept(void)
{
  gb b;
  gb_init(&b, 9);
  int x = input(&b, "x", 4, NCHW);
  int h = transpose(&b, x, TO_NHWC);
  int r = op1(&b, QE_OP_RELU, h);
  qe_graph_add_output(b.g, h, NULL);
  qe_graph_add_output(b.g, transpose(&b, r, TO_NCHW), NULL);
  qe_graph_infer_shapes(b.g, NULL);
  long left = check("output-kept", &b.g, 0, 3);
  CHECK(left == 1, "output-kept: %ld Transposes left, expected 1", left);
  qe_graph_free(b.g);
}

/* ---- 4. random graphs ---------------------------------------------------------- */

static void random_perm(gb *b, int64_t *p)
{
  for (int i = 0; i < 4; i++)
    p[i] = i;
  for (int i = 3; i > 0; i--) {
    int j = (int)urand(b, (unsigned)i + 1);
    int64_t t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
}

static void random_graphs(int count)
{
  const int64_t D[4] = { 3, 3, 3, 3 };
  size_t t_before = 0, t_after = 0;
  int checked = 0;
  for (int gi = 0; gi < count; gi++) {
    gb b;
    gb_init(&b, 1000u + (unsigned)gi);
    int live[64], n_live = 0;
    live[n_live++] = input(&b, "a", 4, D);
    live[n_live++] = input(&b, "b", 4, D);
    const int steps = 6 + (int)urand(&b, 20);
    for (int s = 0; s < steps; s++) {
      int x = live[urand(&b, (unsigned)n_live)];
      int y = live[urand(&b, (unsigned)n_live)];
      int t, nd;
      int64_t p[4];
      switch (urand(&b, 11)) {
      case 0:
      case 1:
      case 2:
        random_perm(&b, p);
        t = transpose(&b, x, p);
        break;
      case 3: {
        static const qe_op un[] = { QE_OP_RELU, QE_OP_NEG, QE_OP_SIGMOID, QE_OP_ABS };
        t = op1(&b, un[urand(&b, 4)], x);
        break;
      }
      case 4: {
        static const qe_op bin[] = { QE_OP_ADD, QE_OP_MUL, QE_OP_SUB, QE_OP_MAX };
        int other;
        switch (urand(&b, 4)) {
        case 0:
          other = cnst_rand(&b, 1, D);
          break;
        case 1: {
          int64_t cd[4] = { 1, 3, 1, 3 };
          cd[urand(&b, 4)] = 1;
          other = cnst_rand(&b, 4, cd);
          break;
        }
        case 2:
          other = cnst_f32(&b, frand(&b, -1, 1));
          break;
        default:
          other = y;
        }
        t = urand(&b, 2) ? op2(&b, bin[urand(&b, 4)], x, other)
                         : op2(&b, bin[urand(&b, 4)], other, x);
        break;
      }
      case 5: { /* mean over one axis, kept, broadcast back */
        int r = op(&b, QE_OP_REDUCE_MEAN, 1, &x, &nd);
        qe_node_set_ints(&b.g->nodes[nd], "axes", 1, (const int64_t[]){ urand(&b, 4) }, NULL);
        t = op2(&b, QE_OP_ADD, r, y);
        break;
      }
      case 6: { /* concat, then slice back to 3 */
        int64_t ax = urand(&b, 4);
        int c = op(&b, QE_OP_CONCAT, 2, (int[]){ x, y }, &nd);
        qe_node_set_int(&b.g->nodes[nd], "axis", ax - (int64_t)urand(&b, 2) * 4, NULL);
        int64_t st = urand(&b, 4);
        int sl[4] = { c, cnst_i64(&b, 1, &st), cnst_i64(&b, 1, (const int64_t[]){ st + 3 }),
                      cnst_i64(&b, 1, &ax) };
        t = op(&b, QE_OP_SLICE, 4, sl, NULL);
        break;
      }
      case 7: { /* pad one axis, slice it back */
        int64_t ax = urand(&b, 4), pads[8] = { 0 };
        pads[ax] = 1;
        pads[4 + ax] = 1;
        int pd = op(&b, QE_OP_PAD, 2, (int[]){ x, cnst_i64(&b, 8, pads) }, NULL);
        int sl[4] = { pd, cnst_i64(&b, 1, (const int64_t[]){ 2 }),
                      cnst_i64(&b, 1, (const int64_t[]){ 5 }), cnst_i64(&b, 1, &ax) };
        t = op(&b, QE_OP_SLICE, 4, sl, NULL);
        break;
      }
      case 8:
        t = op(&b, QE_OP_SOFTMAX, 1, &x, &nd);
        qe_node_set_int(&b.g->nodes[nd], "axis", (int64_t)urand(&b, 4), NULL);
        break;
      case 9: { /* split in two, concat them swapped */
        int64_t ax = urand(&b, 4);
        int outs[2];
        char n0[16], n1[16];
        snprintf(n0, sizeof n0, "s%d", b.n++);
        snprintf(n1, sizeof n1, "s%d", b.n++);
        qe_graph_add_tensor(b.g, n0, QE_DT_UNDEFINED, -1, NULL, &outs[0], NULL);
        qe_graph_add_tensor(b.g, n1, QE_DT_UNDEFINED, -1, NULL, &outs[1], NULL);
        int sp = cnst_i64(&b, 2, (const int64_t[]){ 1, 2 });
        qe_graph_add_node(b.g, QE_OP_SPLIT, n0, 2, (int[]){ x, sp }, 2, outs, &nd, NULL);
        qe_node_set_int(&b.g->nodes[nd], "axis", ax, NULL);
        t = op(&b, QE_OP_CONCAT, 2, (int[]){ outs[1], outs[0] }, &nd);
        qe_node_set_int(&b.g->nodes[nd], "axis", ax, NULL);
        break;
      }
      default: { /* ArgMax kept, cast back to float and added */
        int am = op(&b, QE_OP_ARG_MAX, 1, &x, &nd);
        qe_node_set_int(&b.g->nodes[nd], "axis", (int64_t)urand(&b, 4), NULL);
        int cf = op1(&b, QE_OP_CAST, am);
        for (size_t k = 0; k < b.g->n_nodes; k++)
          if (qe_node_output(&b.g->nodes[k], 0) == cf)
            qe_node_set_int(&b.g->nodes[k], "to", 1, NULL);
        t = op2(&b, QE_OP_ADD, cf, y);
      }
      }
      if (n_live < 64)
        live[n_live++] = t;
    }
    /* outputs: the last tensor and one more, sometimes behind a Transpose */
    qe_graph_add_output(b.g, live[n_live - 1], NULL);
    int other = live[2 + urand(&b, (unsigned)(n_live - 2))];
    if (other != live[n_live - 1])
      qe_graph_add_output(b.g, other, NULL);
    if (qe_graph_infer_shapes(b.g, NULL) != QE_OK) {
      CHECK(0, "random graph %d is wrong", gi);
      qe_graph_free(b.g);
      continue;
    }
    char label[32];
    snprintf(label, sizeof label, "random-%d", gi);
    size_t before = count_op(b.g, QE_OP_TRANSPOSE);
    long left = check(label, &b.g, 0, 7u + (unsigned)gi);
    if (left >= 0) {
      t_before += before;
      t_after += (size_t)left;
      checked++;
    }
    qe_graph_free(b.g);
  }
  printf("%d random graphs checked: Transposes %zu -> %zu\n", checked, t_before, t_after);
  CHECK(checked == count, "only %d of %d random graphs checked", checked, count);
}

int main(int argc, char **argv)
{
  family("unary (Relu, Sigmoid, LeakyRelu, Clip)", body_unary, 0, 0);
  family("broadcast (constants of rank 0..4)", body_broadcast, 0, 0);
  family("concat", body_concat, 0, 0);
  family("split", body_split, 0, 0);
  family("pad (input and attribute forms)", body_pad, 0, 0);
  family("reduce keepdims", body_reduce_keep, 0, 0);
  family("reduce to [N, C]", body_reduce_drop, 0, 1e-6);
  family("reduce to [N, W, C]", body_reduce_drop_perm, 1, 0);
  family("argmax", body_argmax, 0, 0);
  family("softmax opset 13", body_softmax, 0, 0);
  family("slice", body_slice, 0, 0);
  family("quantize/dequantize", body_qdq, 0, 0);
  family("plain operand: no gain", body_plain_operand, 2, 0);
  family("reshape stops", body_reshape, 1, 0);
  family("softmax opset 11 stops", body_softmax11, 2, 0);
  tflite_pattern();
  output_kept();
  random_graphs(argc > 1 ? atoi(argv[1]) : 300);
  printf("%d failures\n", failures);
  return failures ? 1 : 0;
}
