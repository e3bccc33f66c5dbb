/* qe_passes.c - graph passes that keep the outputs numerically the same:
 * constant folding, Identity/Dropout removal, BatchNormalization folding,
 * activation fusion (Transpose optimization is in qe_pass_transpose.c).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Passes never change a graph output's name: when a removed node produced
 * a graph output, its producer is made to write that tensor directly.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe_graph_internal.h"

/* Number of node inputs reading @t (graph outputs not counted). */
static size_t node_uses(const qe_graph *g, int t)
{
  size_t c = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      c += g->nodes[i].inputs[k] == t;
  return c;
}

static int only_consumer(const qe_graph *g, int t)
{
  int who = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == t) {
        if (who >= 0 && who != (int)i)
          return -1;
        who = (int)i;
      }
  return who;
}

bool qe_graph_bypass(qe_graph *g, int in, int out)
{
  if (in < 0 || out < 0)
    return false;
  if (!qe_graph_is_output(g, out)) {
    qe_graph_replace_uses(g, out, in);
    return true;
  }
  int p = qe_graph_producer(g, in);
  if (p < 0 || qe_graph_is_output(g, in) || qe_graph_is_input(g, in) || g->tensors[in].data)
    return false;
  qe_node *pn = &g->nodes[p];
  for (int k = 0; k < pn->n_outputs; k++)
    if (pn->outputs[k] == in)
      pn->outputs[k] = out;
  /* Other readers of @in now read @out. */
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == in)
        g->nodes[i].inputs[k] = out;
  return true;
}

static qe_status finish(qe_graph *g, bool *remove, size_t removed, qe_ctx *ctx)
{
  qe_status st = QE_OK;
  if (removed) {
    st = qe_graph_remove_nodes(g, remove, ctx);
    if (st == QE_OK)
      st = qe_graph_compact(g, NULL, ctx);
  }
  free(remove);
  return st;
}

/* ---- constant folding ------------------------------------------------------ */

qe_status qe_pass_fold_constants(qe_graph *g, size_t *changed, qe_ctx *ctx)
{
  if (changed)
    *changed = 0;
  qe_array **vals = NULL;
  qe_status st = qe_graph_propagate(g, false, &vals, ctx);
  if (st != QE_OK)
    return st;
  bool *remove = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
  if (!remove) {
    for (size_t t = 0; t < g->n_tensors; t++)
      qe_array_free(vals[t]);
    free(vals);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    qe_node *nd = &g->nodes[i];
    /* Keep QDQ pairs: they are the quantization the model carries. */
    if (nd->op == QE_OP_QUANTIZE_LINEAR || nd->op == QE_OP_DEQUANTIZE_LINEAR ||
        nd->op == QE_OP_UNKNOWN)
      continue;
    bool all = nd->n_outputs > 0;
    for (int k = 0; k < nd->n_outputs; k++)
      if (nd->outputs[k] >= 0 && !vals[nd->outputs[k]])
        all = false;
    if (!all)
      continue;
    for (int k = 0; k < nd->n_outputs; k++) {
      int t = nd->outputs[k];
      if (t < 0)
        continue;
      qe_graph_set_tensor_data(g, t, vals[t]);
      vals[t] = NULL;
    }
    remove[i] = true;
    n++;
  }
  for (size_t t = 0; t < g->n_tensors; t++)
    qe_array_free(vals[t]);
  free(vals);
  if (changed)
    *changed = n;
  return finish(g, remove, n, ctx);
}

/* ---- Identity / Dropout ------------------------------------------------------ */

qe_status qe_pass_remove_identity(qe_graph *g, size_t *changed, qe_ctx *ctx)
{
  if (changed)
    *changed = 0;
  bool *remove = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
  if (!remove)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    qe_node *nd = &g->nodes[i];
    if (nd->op != QE_OP_IDENTITY && nd->op != QE_OP_DROPOUT)
      continue;
    if (nd->domain && nd->domain[0])
      continue;
    if (nd->op == QE_OP_DROPOUT) {
      if (qe_node_int(nd, "training_mode", 0))
        continue;
      int tm = qe_node_input(nd, 2);
      if (tm >= 0 && (!g->tensors[tm].data || qe_array_get_i64(g->tensors[tm].data, 0) != 0))
        continue;
      int mask = qe_node_output(nd, 1);
      if (mask >= 0 && (node_uses(g, mask) || qe_graph_is_output(g, mask)))
        continue;
    }
    int in = qe_node_input(nd, 0), out = qe_node_output(nd, 0);
    if (in < 0 || out < 0)
      continue;
    if (!qe_graph_bypass(g, in, out))
      continue;
    remove[i] = true;
    n++;
  }
  if (changed)
    *changed = n;
  return finish(g, remove, n, ctx);
}

/* ---- BatchNormalization folding -------------------------------------------- */

static bool const_f32(const qe_graph *g, int t, int64_t count)
{
  return t >= 0 && g->tensors[t].data && g->tensors[t].data->dtype == QE_DT_F32 &&
         (count < 0 || qe_array_count(g->tensors[t].data) == count);
}

static qe_status new_const(qe_graph *g, const char *base, qe_array *a, int *idx, qe_ctx *ctx)
{
  char *name = qe_graph_unique_name(g, base);
  if (!name) {
    qe_array_free(a);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  qe_status st = qe_graph_add_initializer_owned(g, name, a, idx, ctx);
  free(name);
  return st;
}

qe_status qe_pass_fold_batchnorm(qe_graph *g, size_t *changed, qe_ctx *ctx)
{
  if (changed)
    *changed = 0;
  bool *remove = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
  if (!remove)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  size_t n = 0;
  qe_status st = QE_OK;
  for (size_t i = 0; i < g->n_nodes && st == QE_OK; i++) {
    qe_node *bn = &g->nodes[i];
    if (bn->op != QE_OP_BATCH_NORM || bn->n_outputs != 1 || remove[i])
      continue;
    if (bn->domain && bn->domain[0])
      continue;
    int x = qe_node_input(bn, 0);
    int p = qe_graph_producer(g, x);
    if (p < 0 || remove[p] || qe_graph_is_output(g, x) || node_uses(g, x) != 1)
      continue;
    qe_node *pn = &g->nodes[p];
    if ((pn->op != QE_OP_CONV && pn->op != QE_OP_CONV_TRANSPOSE && pn->op != QE_OP_GEMM) ||
        pn->fused_act != QE_OP_UNKNOWN || pn->n_outputs != 1)
      continue;
    int w = qe_node_input(pn, 1), b = qe_node_input(pn, 2);
    if (!const_f32(g, w, -1) || (b >= 0 && !const_f32(g, b, -1)))
      continue;
    const qe_array *W = g->tensors[w].data;
    int64_t C;
    bool transB = false;
    if (pn->op == QE_OP_CONV)
      C = W->dims[0];
    else if (pn->op == QE_OP_CONV_TRANSPOSE)
      C = W->rank >= 2 ? W->dims[1] * qe_node_int(pn, "group", 1) : -1;
    else {
      if (W->rank != 2 || qe_node_int(pn, "transA", 0))
        continue;
      transB = qe_node_int(pn, "transB", 0) != 0;
      C = W->dims[transB ? 0 : 1];
    }
    if (C <= 0)
      continue;
    int ps[4];
    bool ok = true;
    for (int k = 0; k < 4; k++) {
      ps[k] = qe_node_input(bn, k + 1);
      ok = ok && const_f32(g, ps[k], C);
    }
    if (!ok)
      continue;
    if (b >= 0 && qe_array_count(g->tensors[b].data) != C)
      continue; /* Gemm C broadcast other than per-column: leave it */
    float beta_gemm = pn->op == QE_OP_GEMM ? qe_node_float(pn, "beta", 1.0f) : 1.0f;
    const float *sc = g->tensors[ps[0]].data->data, *bi = g->tensors[ps[1]].data->data,
                *mu = g->tensors[ps[2]].data->data, *var = g->tensors[ps[3]].data->data;
    float eps = qe_node_float(bn, "epsilon", 1e-5f);
    qe_array *nw = NULL, *nb = NULL;
    if ((st = qe_array_clone(W, &nw, ctx)) != QE_OK)
      break;
    if ((st = qe_array_new(QE_DT_F32, 1, &C, &nb, ctx)) != QE_OK) {
      qe_array_free(nw);
      break;
    }
    float *wd = nw->data, *bd = nb->data;
    const float *ob = b >= 0 ? g->tensors[b].data->data : NULL;
    int64_t total = qe_array_count(W);
    for (int64_t c = 0; c < C; c++) {
      float k = sc[c] / sqrtf(var[c] + eps);
      float b0 = ob ? ob[c] * beta_gemm : 0.0f;
      bd[c] = (b0 - mu[c]) * k + bi[c];
    }
    if (pn->op == QE_OP_CONV) {
      int64_t per = total / C;
      for (int64_t c = 0; c < C; c++) {
        float k = sc[c] / sqrtf(var[c] + eps);
        for (int64_t j = 0; j < per; j++)
          wd[c * per + j] *= k;
      }
    } else if (pn->op == QE_OP_CONV_TRANSPOSE) {
      int64_t group = qe_node_int(pn, "group", 1), Mg = W->dims[1];
      int64_t Cin = W->dims[0], Cg = Cin / group, kv = qe_dims_prod(W->dims, 2, W->rank);
      for (int64_t ci = 0; ci < Cin; ci++)
        for (int64_t j = 0; j < Mg; j++) {
          int64_t c = (ci / Cg) * Mg + j;
          float k = sc[c] / sqrtf(var[c] + eps);
          for (int64_t q = 0; q < kv; q++)
            wd[(ci * Mg + j) * kv + q] *= k;
        }
    } else {
      int64_t rows = W->dims[0], cols = W->dims[1];
      for (int64_t r = 0; r < rows; r++)
        for (int64_t cc = 0; cc < cols; cc++) {
          int64_t c = transB ? r : cc;
          wd[r * cols + cc] *= sc[c] / sqrtf(var[c] + eps);
        }
    }
    int nwi, nbi;
    char base[300];
    snprintf(base, sizeof base, "%s_bnfold_w", pn->name);
    if ((st = new_const(g, base, nw, &nwi, ctx)) != QE_OK) {
      qe_array_free(nb);
      break;
    }
    snprintf(base, sizeof base, "%s_bnfold_b", pn->name);
    if ((st = new_const(g, base, nb, &nbi, ctx)) != QE_OK)
      break;
    /* Pointers may have moved: look the nodes up again. */
    pn = &g->nodes[p];
    bn = &g->nodes[i];
    pn->inputs[1] = nwi;
    if (pn->n_inputs >= 3) {
      pn->inputs[2] = nbi;
    } else {
      int *ni = realloc(pn->inputs, 3 * sizeof(int));
      if (!ni) {
        st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        break;
      }
      pn->inputs = ni;
      pn->inputs[2] = nbi;
      pn->n_inputs = 3;
    }
    if (pn->op == QE_OP_GEMM && (st = qe_node_set_float(pn, "beta", 1.0f, ctx)) != QE_OK)
      break;
    pn->outputs[0] = bn->outputs[0];
    remove[i] = true;
    n++;
  }
  if (changed)
    *changed = n;
  qe_status st2 = finish(g, remove, n, ctx);
  return st != QE_OK ? st : st2;
}

/* ---- activation fusion ---------------------------------------------------------- */

static bool fusable_producer(qe_op op)
{
  switch (op) {
  case QE_OP_CONV:
  case QE_OP_CONV_TRANSPOSE:
  case QE_OP_GEMM:
  case QE_OP_MATMUL:
  case QE_OP_ADD:
  case QE_OP_SUB:
  case QE_OP_MUL:
  case QE_OP_BATCH_NORM:
  case QE_OP_AVERAGE_POOL:
  case QE_OP_GLOBAL_AVERAGE_POOL:
    return true;
  default:
    return false;
  }
}

qe_status qe_pass_fuse_activations(qe_graph *g, size_t *changed, qe_ctx *ctx)
{
  if (changed)
    *changed = 0;
  bool *remove = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
  if (!remove)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    qe_node *act = &g->nodes[i];
    if (act->domain && act->domain[0])
      continue;
    float lo = 0, hi = 0, alpha = 0, beta = 0;
    switch (act->op) {
    case QE_OP_RELU:
    case QE_OP_SIGMOID:
    case QE_OP_HARD_SWISH:
    case QE_OP_TANH:
      break;
    case QE_OP_LEAKY_RELU:
      alpha = qe_node_float(act, "alpha", 0.01f);
      break;
    case QE_OP_HARD_SIGMOID:
      alpha = qe_node_float(act, "alpha", 0.2f);
      beta = qe_node_float(act, "beta", 0.5f);
      break;
    case QE_OP_CLIP: {
      int64_t ops = act->opset ? act->opset : QE_OPSET_MAX;
      if (ops < 11) {
        lo = qe_node_float(act, "min", -INFINITY);
        hi = qe_node_float(act, "max", INFINITY);
      } else {
        int a = qe_node_input(act, 1), b = qe_node_input(act, 2);
        if ((a >= 0 && !const_f32(g, a, 1)) || (b >= 0 && !const_f32(g, b, 1)))
          continue;
        lo = a >= 0 ? ((const float *)g->tensors[a].data->data)[0] : -INFINITY;
        hi = b >= 0 ? ((const float *)g->tensors[b].data->data)[0] : INFINITY;
      }
      break;
    }
    default:
      continue;
    }
    int x = qe_node_input(act, 0);
    int p = qe_graph_producer(g, x);
    if (p < 0 || remove[p] || qe_graph_is_output(g, x) || only_consumer(g, x) != (int)i)
      continue;
    qe_node *pn = &g->nodes[p];
    if (!fusable_producer(pn->op) || pn->fused_act != QE_OP_UNKNOWN || pn->n_outputs != 1 ||
        (pn->domain && pn->domain[0]))
      continue;
    /* Add/Sub/Mul may be integer: fuse only when known to be float32 (the
     * other producers only run in float32). */
    bool arith = pn->op == QE_OP_ADD || pn->op == QE_OP_SUB || pn->op == QE_OP_MUL;
    if (g->tensors[x].dtype != QE_DT_F32 && (arith || g->tensors[x].dtype != QE_DT_UNDEFINED))
      continue;
    pn->fused_act = act->op;
    pn->act_min = lo;
    pn->act_max = hi;
    pn->act_alpha = alpha;
    pn->act_beta = beta;
    pn->outputs[0] = act->outputs[0];
    remove[i] = true;
    n++;
  }
  if (changed)
    *changed = n;
  return finish(g, remove, n, ctx);
}

/* Transpose cancellation: qe_pass_transpose.c. */

qe_status qe_graph_optimize(qe_graph *g, qe_ctx *ctx)
{
  size_t c;
  qe_status st;
  if ((st = qe_pass_fold_constants(g, &c, ctx)) != QE_OK ||
      (st = qe_pass_remove_identity(g, &c, ctx)) != QE_OK ||
      (st = qe_pass_fold_batchnorm(g, &c, ctx)) != QE_OK ||
      (st = qe_pass_cancel_transposes(g, &c, ctx)) != QE_OK ||
      (st = qe_graph_toposort(g, ctx)) != QE_OK || (st = qe_graph_infer_shapes(g, ctx)) != QE_OK)
    return st;
  return QE_OK;
}
