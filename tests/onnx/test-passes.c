/* test-passes.c - every graph pass keeps the outputs numerically the same,
 * and does what it is for.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 1. Synthetic graphs built with the IR API: a Shape/Gather/Unsqueeze/
 *    Concat/Reshape chain (folded to a constant), Identity/Dropout, Conv +
 *    BatchNormalization + Relu (folded and fused), Gemm + BN, and an NHWC
 *    graph as TensorFlow converters write it (Transposes around Conv, Relu
 *    and a bias Add) whose Transpose pairs must cancel.
 * 2. Real models: the .onnx files of tests/models (inputs from their _test.npz) and the
 *    ONNX conformance models of pytorch-converted and simple: each pass
 *    alone and the whole pipeline, outputs compared with the original graph
 *    within 1e-5 of the output's magnitude.
 */
#include <dirent.h>
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

typedef qe_status (*pass_fn)(qe_graph *, size_t *, qe_ctx *);

static qe_status pipeline(qe_graph *g, size_t *changed, qe_ctx *ctx)
{
  size_t before = g->n_nodes, c;
  qe_status st = qe_graph_optimize(g, ctx);
  if (st == QE_OK)
    st = qe_pass_fuse_activations(g, &c, ctx);
  *changed = before - g->n_nodes;
  return st;
}

static const struct {
  const char *name;
  pass_fn fn;
} passes[] = {
  { "fold-constants", qe_pass_fold_constants },
  { "remove-identity", qe_pass_remove_identity },
  { "fold-batchnorm", qe_pass_fold_batchnorm },
  { "fuse-activations", qe_pass_fuse_activations },
  { "cancel-transposes", qe_pass_cancel_transposes },
  { "pipeline", pipeline },
};

static double max_rel_diff(const qe_array *a, const qe_array *b)
{
  if (a->rank != b->rank || memcmp(a->dims, b->dims, sizeof(int64_t) * a->rank) ||
      a->dtype != b->dtype)
    return INFINITY;
  int64_t n = qe_array_count(a);
  if (a->dtype != QE_DT_F32)
    return memcmp(a->data, b->data, qe_array_nbytes(a)) ? INFINITY : 0;
  const float *x = a->data, *y = b->data;
  double mx = 0, md = 0;
  for (int64_t i = 0; i < n; i++) {
    mx = fmax(mx, fabs(y[i]));
    if (isnan(x[i]) != isnan(y[i]))
      return INFINITY;
    if (!isnan(x[i]))
      md = fmax(md, fabs((double)x[i] - y[i]));
  }
  return md / (mx > 1e-30 ? mx : 1.0);
}

/* Apply every pass to a copy of @g and compare outputs on @inputs. Returns
 * the changes made by pass @which (index into passes[]) or -1. */
static long check_passes(const char *label, const qe_graph *g, size_t n_in,
                         const qe_array *const *inputs, int which)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_array **ref = NULL;
  long result = -1;
  if (qe_run_graph(g, n_in, inputs, &ref, ctx) != QE_OK) {
    CHECK(0, "%s: original does not run: %s", label, qe_ctx_error(ctx));
    qe_ctx_free(ctx);
    return -1;
  }
  for (size_t p = 0; p < sizeof passes / sizeof passes[0]; p++) {
    qe_graph *c = NULL;
    size_t changed = 0;
    qe_array **out = NULL;
    if (qe_graph_clone(g, &c, ctx) != QE_OK || passes[p].fn(c, &changed, ctx) != QE_OK) {
      CHECK(0, "%s: pass %s failed: %s", label, passes[p].name, qe_ctx_error(ctx));
      qe_graph_free(c);
      continue;
    }
    if ((int)p == which)
      result = (long)changed;
    if (qe_graph_validate(c, ctx) != QE_OK || qe_run_graph(c, n_in, inputs, &out, ctx) != QE_OK) {
      CHECK(0, "%s: after %s the graph does not run: %s", label, passes[p].name, qe_ctx_error(ctx));
      qe_graph_free(c);
      continue;
    }
    CHECK(c->n_outputs == g->n_outputs, "%s: %s changed the outputs", label, passes[p].name);
    for (size_t k = 0; k < g->n_outputs && k < c->n_outputs; k++) {
      CHECK(strcmp(g->tensors[g->outputs[k]].name, c->tensors[c->outputs[k]].name) == 0,
            "%s: %s renamed output %zu", label, passes[p].name, k);
      double d = max_rel_diff(out[k], ref[k]);
      CHECK(d <= 1e-5, "%s: after %s output %zu differs by %g of its magnitude", label,
            passes[p].name, k, d);
      qe_array_free(out[k]);
    }
    free(out);
    qe_graph_free(c);
  }
  for (size_t k = 0; k < g->n_outputs; k++)
    qe_array_free(ref[k]);
  free(ref);
  qe_ctx_free(ctx);
  return result;
}

/* ---- synthetic graphs ------------------------------------------------------- */

static qe_array *rand_array(int rank, const int64_t *dims, unsigned *seed, float lo, float hi)
{
  qe_array *a;
  if (qe_array_new(QE_DT_F32, rank, dims, &a, NULL) != QE_OK)
    abort();
  float *f = a->data;
  for (int64_t i = 0; i < qe_array_count(a); i++) {
    *seed = *seed * 1103515245u + 12345u;
    f[i] = lo + (hi - lo) * (float)((*seed >> 8) & 0xffff) / 65535.0f;
  }
  return a;
}

static int add_init(qe_graph *g, const char *name, qe_array *a)
{
  int t;
  if (qe_graph_add_initializer_owned(g, name, a, &t, NULL) != QE_OK)
    abort();
  return t;
}

static int add_t(qe_graph *g, const char *name)
{
  int t;
  if (qe_graph_add_tensor(g, name, QE_DT_UNDEFINED, -1, NULL, &t, NULL) != QE_OK)
    abort();
  return t;
}

static int node(qe_graph *g, qe_op op, const char *name, int n_in, const int *in, int out)
{
  int idx;
  if (qe_graph_add_node(g, op, name, n_in, in, 1, &out, &idx, NULL) != QE_OK)
    abort();
  return idx;
}

static void test_shape_chain(void)
{
  qe_graph *g;
  qe_graph_new(&g, NULL);
  qe_graph_set_opset(g, "", 13, NULL);
  int64_t xd[4] = { 2, 3, 4, 5 };
  int x;
  qe_graph_add_tensor(g, "x", QE_DT_F32, 4, xd, &x, NULL);
  qe_graph_add_input(g, x, NULL);
  int s = add_t(g, "s"), s0 = add_t(g, "s0"), u = add_t(g, "u"), cat = add_t(g, "cat"),
      y = add_t(g, "y");
  node(g, QE_OP_SHAPE, "shape", 1, &x, s);
  int64_t zero = 0, m1 = -1, ax0 = 0;
  qe_array *a0, *am1, *aax;
  qe_array_new(QE_DT_I64, 0, NULL, &a0, NULL);
  *(int64_t *)a0->data = zero;
  qe_array_new(QE_DT_I64, 1, (int64_t[]){ 1 }, &am1, NULL);
  *(int64_t *)am1->data = m1;
  qe_array_new(QE_DT_I64, 1, (int64_t[]){ 1 }, &aax, NULL);
  *(int64_t *)aax->data = ax0;
  int c0 = add_init(g, "zero", a0), cm1 = add_init(g, "minus1", am1), cax = add_init(g, "ax", aax);
  node(g, QE_OP_GATHER, "gather", 2, (int[]){ s, c0 }, s0);
  node(g, QE_OP_UNSQUEEZE, "unsq", 2, (int[]){ s0, cax }, u);
  int ci = node(g, QE_OP_CONCAT, "concat", 2, (int[]){ u, cm1 }, cat);
  qe_node_set_int(&g->nodes[ci], "axis", 0, NULL);
  node(g, QE_OP_RESHAPE, "reshape", 2, (int[]){ x, cat }, y);
  qe_graph_add_output(g, y, NULL);
  unsigned seed = 1;
  qe_array *in = rand_array(4, xd, &seed, -1, 1);
  long folded = check_passes("shape-chain", g, 1, (const qe_array *const *)&in, 0);
  CHECK(folded == 4, "shape chain: %ld nodes folded, expected 4", folded);
  qe_graph *c;
  size_t ch;
  qe_graph_clone(g, &c, NULL);
  qe_pass_fold_constants(c, &ch, NULL);
  CHECK(c->n_nodes == 1 && c->nodes[0].op == QE_OP_RESHAPE, "only Reshape should remain");
  qe_graph_free(c);
  qe_array_free(in);
  qe_graph_free(g);
}

static void test_conv_bn_relu(void)
{
  qe_graph *g;
  qe_graph_new(&g, NULL);
  qe_graph_set_opset(g, "", 13, NULL);
  unsigned seed = 7;
  int64_t xd[4] = { 2, 3, 8, 8 }, wd[4] = { 4, 3, 3, 3 }, cd[1] = { 4 };
  int x;
  qe_graph_add_tensor(g, "x", QE_DT_F32, 4, xd, &x, NULL);
  qe_graph_add_input(g, x, NULL);
  int w = add_init(g, "w", rand_array(4, wd, &seed, -1, 1));
  int b = add_init(g, "b", rand_array(1, cd, &seed, -1, 1));
  int sc = add_init(g, "scale", rand_array(1, cd, &seed, 0.5f, 2));
  int bi = add_init(g, "bias", rand_array(1, cd, &seed, -1, 1));
  int mu = add_init(g, "mean", rand_array(1, cd, &seed, -1, 1));
  int va = add_init(g, "var", rand_array(1, cd, &seed, 0.1f, 2));
  int c = add_t(g, "c"), i1 = add_t(g, "i1"), bn = add_t(g, "bn"), r = add_t(g, "r"),
      d = add_t(g, "d");
  int cn = node(g, QE_OP_CONV, "conv", 3, (int[]){ x, w, b }, c);
  qe_node_set_ints(&g->nodes[cn], "pads", 4, (int64_t[]){ 1, 1, 1, 1 }, NULL);
  node(g, QE_OP_IDENTITY, "ident", 1, &c, i1);
  node(g, QE_OP_BATCH_NORM, "bn", 5, (int[]){ i1, sc, bi, mu, va }, bn);
  node(g, QE_OP_RELU, "relu", 1, &bn, r);
  node(g, QE_OP_DROPOUT, "drop", 1, &r, d);
  qe_graph_add_output(g, d, NULL);
  qe_array *in = rand_array(4, xd, &seed, -1, 1);
  CHECK(check_passes("conv-bn-relu", g, 1, (const qe_array *const *)&in, 1) == 2,
        "Identity and Dropout should both go");
  /* BN folds only once the Identity is gone; fuse after that. */
  qe_graph *cg;
  size_t ch;
  qe_graph_clone(g, &cg, NULL);
  qe_pass_remove_identity(cg, &ch, NULL);
  qe_pass_fold_batchnorm(cg, &ch, NULL);
  CHECK(ch == 1, "BN should fold into the Conv");
  qe_pass_fuse_activations(cg, &ch, NULL);
  CHECK(ch == 1 && cg->n_nodes == 1 && cg->nodes[0].fused_act == QE_OP_RELU,
        "Relu should fuse into the Conv (%zu nodes left)", cg->n_nodes);
  CHECK(strcmp(cg->tensors[cg->outputs[0]].name, "d") == 0, "output name kept");
  qe_array **o1 = NULL, **o2 = NULL;
  qe_run_graph(g, 1, (const qe_array *const *)&in, &o1, NULL);
  qe_run_graph(cg, 1, (const qe_array *const *)&in, &o2, NULL);
  CHECK(o1 && o2 && max_rel_diff(o1[0], o2[0]) <= 1e-5, "folded graph differs");
  if (o1)
    qe_array_free(o1[0]);
  if (o2)
    qe_array_free(o2[0]);
  free(o1);
  free(o2);
  /* Written back to ONNX: the fused Relu becomes a node again. */
  uint8_t *buf;
  size_t len;
  qe_graph *back = NULL;
  CHECK(qe_onnx_save_buffer(cg, NULL, &buf, &len, NULL) == QE_OK, "save fused graph");
  CHECK(qe_onnx_load_buffer(buf, len, "fused", NULL, &back, NULL) == QE_OK, "reload");
  CHECK(back && back->n_nodes == 2 && back->nodes[1].op == QE_OP_RELU, "Relu written back");
  if (back)
    check_passes("conv-bn-relu-saved", back, 1, (const qe_array *const *)&in, -1);
  free(buf);
  qe_graph_free(back);
  qe_graph_free(cg);
  qe_array_free(in);
  qe_graph_free(g);
}

static void test_gemm_bn(void)
{
  qe_graph *g;
  qe_graph_new(&g, NULL);
  qe_graph_set_opset(g, "", 13, NULL);
  unsigned seed = 11;
  int64_t xd[2] = { 3, 6 }, wd[2] = { 5, 6 }, cd[1] = { 5 };
  int x;
  qe_graph_add_tensor(g, "x", QE_DT_F32, 2, xd, &x, NULL);
  qe_graph_add_input(g, x, NULL);
  int w = add_init(g, "w", rand_array(2, wd, &seed, -1, 1));
  int b = add_init(g, "b", rand_array(1, cd, &seed, -1, 1));
  int ps[4];
  ps[0] = add_init(g, "s", rand_array(1, cd, &seed, 0.5f, 2));
  ps[1] = add_init(g, "o", rand_array(1, cd, &seed, -1, 1));
  ps[2] = add_init(g, "m", rand_array(1, cd, &seed, -1, 1));
  ps[3] = add_init(g, "v", rand_array(1, cd, &seed, 0.1f, 2));
  int gm = add_t(g, "gm"), y = add_t(g, "y");
  int gi = node(g, QE_OP_GEMM, "gemm", 3, (int[]){ x, w, b }, gm);
  qe_node_set_int(&g->nodes[gi], "transB", 1, NULL);
  qe_node_set_float(&g->nodes[gi], "beta", 0.5f, NULL);
  node(g, QE_OP_BATCH_NORM, "bn", 5, (int[]){ gm, ps[0], ps[1], ps[2], ps[3] }, y);
  qe_graph_add_output(g, y, NULL);
  qe_array *in = rand_array(2, xd, &seed, -1, 1);
  CHECK(check_passes("gemm-bn", g, 1, (const qe_array *const *)&in, 2) == 1,
        "BN should fold into the Gemm");
  qe_array_free(in);
  qe_graph_free(g);
}

/* NHWC in, NHWC out, as tf2onnx writes a Conv block. */
static void test_nhwc_transposes(void)
{
  qe_graph *g;
  qe_graph_new(&g, NULL);
  qe_graph_set_opset(g, "", 13, NULL);
  unsigned seed = 5;
  int64_t xd[4] = { 1, 6, 6, 3 }, w1d[4] = { 4, 3, 3, 3 }, w2d[4] = { 4, 4, 1, 1 }, bd[1] = { 4 };
  int x;
  qe_graph_add_tensor(g, "x", QE_DT_F32, 4, xd, &x, NULL);
  qe_graph_add_input(g, x, NULL);
  int w1 = add_init(g, "w1", rand_array(4, w1d, &seed, -1, 1));
  int w2 = add_init(g, "w2", rand_array(4, w2d, &seed, -1, 1));
  int bias = add_init(g, "bias_nhwc", rand_array(1, bd, &seed, -1, 1));
  const char *names[] = { "t0", "c1", "t1", "r1", "a1", "t2", "c2", "y" };
  int t[8];
  for (int i = 0; i < 8; i++)
    t[i] = add_t(g, names[i]);
  int64_t to_nchw[4] = { 0, 3, 1, 2 }, to_nhwc[4] = { 0, 2, 3, 1 };
  int n;
  n = node(g, QE_OP_TRANSPOSE, "tr0", 1, &x, t[0]);
  qe_node_set_ints(&g->nodes[n], "perm", 4, to_nchw, NULL);
  n = node(g, QE_OP_CONV, "conv1", 2, (int[]){ t[0], w1 }, t[1]);
  qe_node_set_ints(&g->nodes[n], "pads", 4, (int64_t[]){ 1, 1, 1, 1 }, NULL);
  n = node(g, QE_OP_TRANSPOSE, "tr1", 1, &t[1], t[2]);
  qe_node_set_ints(&g->nodes[n], "perm", 4, to_nhwc, NULL);
  node(g, QE_OP_RELU, "relu1", 1, &t[2], t[3]);
  node(g, QE_OP_ADD, "biasadd", 2, (int[]){ t[3], bias }, t[4]);
  n = node(g, QE_OP_TRANSPOSE, "tr2", 1, &t[4], t[5]);
  qe_node_set_ints(&g->nodes[n], "perm", 4, to_nchw, NULL);
  node(g, QE_OP_CONV, "conv2", 2, (int[]){ t[5], w2 }, t[6]);
  n = node(g, QE_OP_TRANSPOSE, "tr3", 1, &t[6], t[7]);
  qe_node_set_ints(&g->nodes[n], "perm", 4, to_nhwc, NULL);
  qe_graph_add_output(g, t[7], NULL);
  qe_array *in = rand_array(4, xd, &seed, -1, 1);
  long c = check_passes("nhwc", g, 1, (const qe_array *const *)&in, 4);
  CHECK(c == 2, "the middle Transpose pair should cancel (%ld nodes removed)", c);
  qe_graph *cg;
  size_t ch;
  qe_graph_clone(g, &cg, NULL);
  qe_pass_cancel_transposes(cg, &ch, NULL);
  size_t nt = 0;
  for (size_t i = 0; i < cg->n_nodes; i++)
    nt += cg->nodes[i].op == QE_OP_TRANSPOSE;
  CHECK(nt == 2, "2 Transposes should remain (at the NHWC input and output), %zu do", nt);
  qe_graph_free(cg);
  qe_array_free(in);
  qe_graph_free(g);
}

/* ---- real models --------------------------------------------------------------- */

static void test_model_dir(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".onnx") != 0)
      continue;
    char path[2048], npz[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    snprintf(npz, sizeof npz, "%s/%.*s_test.npz", dir, (int)(l - 5), e->d_name);
    qe_ctx *ctx = qe_ctx_new();
    qe_graph *g = NULL;
    qe_npz *z = NULL;
    qe_array *x = NULL, *x4 = NULL;
    if (qe_onnx_load(path, &g, ctx) != QE_OK || g->n_inputs != 1 ||
        qe_npz_open(npz, &z, ctx) != QE_OK || qe_npz_read(z, "x", &x, ctx) != QE_OK) {
      printf("skip %s: %s\n", path, qe_ctx_error(ctx));
    } else {
      int64_t dims[QE_MAX_RANK];
      memcpy(dims, x->dims, sizeof dims);
      dims[0] = x->dims[0] < 4 ? x->dims[0] : 4;
      qe_array_new(x->dtype, x->rank, dims, &x4, ctx);
      memcpy(x4->data, x->data, qe_array_nbytes(x4));
      long bn = check_passes(path, g, 1, (const qe_array *const *)&x4, 2);
      printf("ok %s (%ld BatchNormalization folded)\n", path, bn);
    }
    qe_array_free(x);
    qe_array_free(x4);
    qe_npz_close(z);
    qe_graph_free(g);
    qe_ctx_free(ctx);
  }
  closedir(d);
}

static void test_conformance_dir(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s/model.onnx", dir, e->d_name);
    qe_ctx *ctx = qe_ctx_new();
    qe_graph *g = NULL;
    qe_array *ins[16] = { 0 };
    size_t ni = 0;
    qe_runtime *rt = NULL;
    if (qe_onnx_load(path, &g, ctx) == QE_OK && g->n_inputs <= 16 &&
        qe_runtime_new(g, &rt, ctx) == QE_OK) {
      bool ok = true;
      for (; ni < g->n_inputs && ok; ni++) {
        char ip[2100];
        snprintf(ip, sizeof ip, "%s/%s/test_data_set_0/input_%zu.pb", dir, e->d_name, ni);
        ok = qe_onnx_read_tensor(ip, &ins[ni], NULL, ctx) == QE_OK;
      }
      if (ok) {
        check_passes(path, g, ni, (const qe_array *const *)ins, -1);
        n++;
      }
    }
    for (size_t i = 0; i < ni; i++)
      qe_array_free(ins[i]);
    qe_runtime_free(rt);
    qe_graph_free(g);
    qe_ctx_free(ctx);
  }
  closedir(d);
  printf("ok %s: %d models checked\n", dir, n);
}

int main(void)
{
  test_shape_chain();
  test_conv_bn_relu();
  test_gemm_bn();
  test_nhwc_transposes();
  const char *src = getenv("QZ_SOURCE_ROOT");
  char dir[2048];
  snprintf(dir, sizeof dir, "%s/tests/models", src ? src : ".");
  test_model_dir(dir);
  test_conformance_dir("/usr/include/onnx/backend/test/data/pytorch-converted");
  test_conformance_dir("/usr/include/onnx/backend/test/data/simple");
  test_conformance_dir("/usr/include/onnx/backend/test/data/pytorch-operator");
  printf("%d failures\n", failures);
  return failures ? 1 : 0;
}
