/* qe_qdq.c - the ONNX QDQ form of a quantized model: the prepared float
 * graph with QuantizeLinear/DequantizeLinear pairs on every tensor the int8
 * model holds in int8, and int8 weights / int32 biases behind
 * DequantizeLinear, all with exactly the int8 model's scales and zero
 * points (uint8 activations: zero point + 128, the same real values).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe/qe_onnx.h"
#include "qe_quant_internal.h"

typedef struct qdq {
  qstate *q;
  qe_graph *g; /* the copy being edited */
  qe_ctx *ctx;
} qdq;

static qe_status oom(qdq *Q)
{
  return qe_error(Q->ctx, QE_ERR_NOMEM, "out of memory while building the QDQ model");
}

static qe_status add_init(qdq *Q, const char *base, qe_dtype dt, int rank, const int64_t *dims,
                          const void *data, int *idx)
{
  qe_array *a = NULL;
  qe_status st = qe_array_new(dt, rank, dims, &a, Q->ctx);
  if (st)
    return st;
  if (data)
    memcpy(a->data, data, qe_array_nbytes(a));
  char *name = qe_graph_unique_name(Q->g, base);
  if (!name) {
    qe_array_free(a);
    return oom(Q);
  }
  st = qe_graph_add_initializer_owned(Q->g, name, a, idx, Q->ctx);
  free(name);
  return st;
}

static qe_status add_tensor(qdq *Q, const char *base, qe_dtype dt, const qe_tensor *like, int *idx)
{
  char *name = qe_graph_unique_name(Q->g, base);
  if (!name)
    return oom(Q);
  int rank = like->rank;
  int64_t dims[QE_MAX_RANK];
  memcpy(dims, like->dims, sizeof dims);
  qe_status st = qe_graph_add_tensor(Q->g, name, dt, rank, dims, idx, Q->ctx);
  free(name);
  return st;
}

/* Scale and zero-point initializers: per tensor (n == 1, scalars) or per
 * axis (n values). */
static qe_status qparams_init(qdq *Q, const char *base, size_t n, const float *scale,
                              const int32_t *zp, qe_dtype zdt, int *si, int *zi)
{
  char *sn = qe_strdup_printf("%s_scale", base), *zn = qe_strdup_printf("%s_zero_point", base);
  void *zbuf = malloc(n * 4);
  qe_status st = QE_OK;
  if (!sn || !zn || !zbuf) {
    st = oom(Q);
    goto out;
  }
  for (size_t k = 0; k < n; k++) {
    if (zdt == QE_DT_I8)
      ((int8_t *)zbuf)[k] = (int8_t)zp[k];
    else if (zdt == QE_DT_U8)
      ((uint8_t *)zbuf)[k] = (uint8_t)zp[k];
    else
      ((int32_t *)zbuf)[k] = zp[k];
  }
  int64_t d[1] = { (int64_t)n };
  int rank = n == 1 ? 0 : 1;
  if ((st = add_init(Q, sn, QE_DT_F32, rank, d, scale, si)) != QE_OK)
    goto out;
  st = add_init(Q, zn, zdt, rank, d, zbuf, zi);
out:
  free(sn);
  free(zn);
  free(zbuf);
  return st;
}

static qe_status add_node(qdq *Q, qe_op op, const char *base, int n_in, const int *in, int out,
                          int *idx)
{
  char *name = qe_strdup(base);
  if (!name)
    return oom(Q);
  qe_status st = qe_graph_add_node(Q->g, op, name, n_in, in, 1, &out, idx, Q->ctx);
  free(name);
  return st;
}

/* QuantizeLinear -> DequantizeLinear after activation tensor @t. */
static qe_status qdq_activation(qdq *Q, int t)
{
  const qstate *q = Q->q;
  const bool u8 = q->o->activation_type == QE_DT_U8;
  const qe_dtype qt = u8 ? QE_DT_U8 : QE_DT_I8;
  int32_t zp = q->qp[t].zero_point + (u8 ? 128 : 0);
  float scale = q->qp[t].scale;
  char *base = qe_strdup(Q->g->tensors[t].name);
  if (!base)
    return oom(Q);
  int si, zi, tq, tdq, qn, dqn;
  /* narrow (e.g. 4-bit) activations: clamp to the grid before quantizing,
   * as the int8 model's ops do */
  int bits = 0;
  for (int lay = 0; lay < 2 && q->m; lay++) {
    int r = q->rep[t][REP_Q][lay];
    if (r >= 0 && q->m->tensors[r].weight_bits >= 2 && q->m->tensors[r].weight_bits < 8)
      bits = q->m->tensors[r].weight_bits;
  }
  int src = t;
  if (bits) {
    const int32_t zq = q->qp[t].zero_point, m = (int32_t)1 << (bits - 1);
    const float lo = scale * (float)(-m - zq), hi = scale * (float)(m - 1 - zq);
    char *cn = qe_strdup_printf("%s_clip%d", base, bits);
    char *cl = qe_strdup_printf("%s_clip%d_min", base, bits);
    char *ch = qe_strdup_printf("%s_clip%d_max", base, bits);
    int ti, tl, th, cnode;
    const int64_t d0[1] = { 1 };
    qe_status cs = (!cn || !cl || !ch) ? oom(Q) : QE_OK;
    if (!cs)
      cs = add_init(Q, cl, QE_DT_F32, 0, d0, &lo, &tl);
    if (!cs)
      cs = add_init(Q, ch, QE_DT_F32, 0, d0, &hi, &th);
    if (!cs) {
      qe_tensor like = Q->g->tensors[t];
      cs = add_tensor(Q, cn, QE_DT_F32, &like, &ti);
    }
    if (!cs) {
      int in[3] = { t, tl, th };
      cs = add_node(Q, QE_OP_CLIP, cn, 3, in, ti, &cnode);
    }
    free(cn);
    free(cl);
    free(ch);
    if (cs) {
      free(base);
      return cs;
    }
    src = ti;
  }
  qe_status st = qparams_init(Q, base, 1, &scale, &zp, qt, &si, &zi);
  char *nq = qe_strdup_printf("%s_quantized", base),
       *ndq = qe_strdup_printf("%s_dequantized", base);
  char *nqn = qe_strdup_printf("%s_QuantizeLinear", base),
       *ndqn = qe_strdup_printf("%s_DequantizeLinear", base);
  if (!nq || !ndq || !nqn || !ndqn) {
    st = oom(Q);
    goto out;
  }
  if (st)
    goto out;
  {
    qe_tensor like = Q->g->tensors[t];
    if ((st = add_tensor(Q, nq, qt, &like, &tq)) != QE_OK ||
        (st = add_tensor(Q, ndq, QE_DT_F32, &like, &tdq)) != QE_OK)
      goto out;
  }
  {
    int in[3] = { src, si, zi };
    if ((st = add_node(Q, QE_OP_QUANTIZE_LINEAR, nqn, 3, in, tq, &qn)) != QE_OK)
      goto out;
  }
  {
    int in[3] = { tq, si, zi };
    if ((st = add_node(Q, QE_OP_DEQUANTIZE_LINEAR, ndqn, 3, in, tdq, &dqn)) != QE_OK)
      goto out;
  }
  /* consumers read the dequantized value */
  for (size_t i = 0; i < Q->g->n_nodes; i++) {
    if ((int)i == qn ||
        (src != t && Q->g->nodes[i].n_outputs > 0 && Q->g->nodes[i].outputs[0] == src))
      continue;
    qe_node *n = &Q->g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == t)
        n->inputs[k] = tdq;
  }
  /* a graph output keeps its name: it becomes the dequantized tensor */
  for (size_t i = 0; i < Q->g->n_outputs; i++) {
    if (Q->g->outputs[i] != t)
      continue;
    Q->g->outputs[i] = tdq;
    char *a = Q->g->tensors[t].name;
    char *b = Q->g->tensors[tdq].name;
    Q->g->tensors[t].name = b;
    Q->g->tensors[tdq].name = a;
    Q->g->tensors[tdq].flags |= QE_TENSOR_OUTPUT;
    Q->g->tensors[t].flags &= ~(unsigned)QE_TENSOR_OUTPUT;
  }
out:
  free(base);
  free(nq);
  free(ndq);
  free(nqn);
  free(ndqn);
  return st;
}

/* Replace input @k of node @ni (a constant) with int8/int32 data behind a
 * DequantizeLinear. */
static qe_status qdq_const(qdq *Q, int ni, int k, qe_dtype dt, const void *data, size_t n_q,
                           const float *scale, const int32_t *zp, int axis)
{
  const int t = Q->g->nodes[ni].inputs[k];
  const qe_tensor like = Q->g->tensors[t];
  char *base = qe_strdup_printf("%s_%s", like.name, dt == QE_DT_I32 ? "int32" : "int8");
  char *dqname = qe_strdup_printf("%s_DequantizeLinear", like.name);
  char *outname = qe_strdup_printf("%s_dequantized", like.name);
  qe_status st = QE_OK;
  int qi, si, zi, dq, dqn;
  if (!base || !dqname || !outname) {
    st = oom(Q);
    goto out;
  }
  if ((st = add_init(Q, base, dt, like.rank, like.dims, data, &qi)) != QE_OK ||
      (st = qparams_init(Q, base, n_q, scale, zp, dt, &si, &zi)) != QE_OK ||
      (st = add_tensor(Q, outname, QE_DT_F32, &like, &dq)) != QE_OK)
    goto out;
  {
    int in[3] = { qi, si, zi };
    if ((st = add_node(Q, QE_OP_DEQUANTIZE_LINEAR, dqname, 3, in, dq, &dqn)) != QE_OK)
      goto out;
    if (n_q > 1 && (st = qe_node_set_int(&Q->g->nodes[dqn], "axis", axis, Q->ctx)) != QE_OK)
      goto out;
  }
  Q->g->nodes[ni].inputs[k] = dq;
out:
  free(base);
  free(dqname);
  free(outname);
  return st;
}

static qe_status ensure_input(qdq *Q, int ni, int k)
{
  qe_node *n = &Q->g->nodes[ni];
  if (n->n_inputs > k)
    return QE_OK;
  int *in = realloc(n->inputs, (size_t)(k + 1) * sizeof *in);
  if (!in)
    return oom(Q);
  for (int j = n->n_inputs; j <= k; j++)
    in[j] = -1;
  n->inputs = in;
  n->n_inputs = k + 1;
  return QE_OK;
}

static qe_status qdq_weights(qdq *Q, int ni)
{
  const qnode *qn = &Q->q->nodes[ni];
  qe_status st;
  int32_t *zeros = calloc(qn->n_out ? qn->n_out : 1, sizeof *zeros);
  if (!zeros)
    return oom(Q);
  st = qdq_const(Q, ni, 1, QE_DT_I8, qn->wq, qn->n_wscale, qn->wscale, zeros, qn->w_axis);
  if (st)
    goto out;
  const qe_node *n = &Q->g->nodes[ni];
  if (n->op == QE_OP_MATMUL) {
    /* no bias input: add one after the product when it is not zero */
    bool any = false;
    for (size_t c = 0; c < qn->n_out; c++)
      any |= qn->bq[c] != 0;
    if (!any)
      goto out;
    int y = n->outputs[0];
    qe_tensor like = Q->g->tensors[y];
    char *pn = qe_strdup_printf("%s_nobias", like.name);
    char *bn = qe_strdup_printf("%s_bias", n->name);
    char *an = qe_strdup_printf("%s_add_bias", n->name);
    int pre, bi, addn;
    int64_t bd[1] = { (int64_t)qn->n_out };
    if (!pn || !bn || !an)
      st = oom(Q);
    if (!st)
      st = add_tensor(Q, pn, QE_DT_F32, &like, &pre);
    if (!st)
      st = add_init(Q, bn, QE_DT_F32, 1, bd, qn->bias, &bi);
    if (!st) {
      Q->g->nodes[ni].outputs[0] = pre;
      int in[2] = { pre, bi };
      st = add_node(Q, QE_OP_ADD, an, 2, in, y, &addn);
    }
    if (!st)
      st = qdq_const(Q, addn, 1, QE_DT_I32, qn->bq, qn->n_out, qn->bscale, zeros, 0);
    free(pn);
    free(bn);
    free(an);
    goto out;
  }
  if (Q->g->nodes[ni].n_inputs < 3 || Q->g->nodes[ni].inputs[2] < 0) {
    if ((st = ensure_input(Q, ni, 2)) != QE_OK)
      goto out;
    char *bn = qe_strdup_printf("%s_bias", Q->g->nodes[ni].name);
    int64_t bd[1] = { (int64_t)qn->n_out };
    int bi;
    if (!bn) {
      st = oom(Q);
      goto out;
    }
    st = add_init(Q, bn, QE_DT_F32, 1, bd, NULL, &bi);
    free(bn);
    if (st)
      goto out;
    Q->g->nodes[ni].inputs[2] = bi;
  }
  st = qdq_const(Q, ni, 2, QE_DT_I32, qn->bq, qn->n_out, qn->bscale, zeros, 0);
out:
  free(zeros);
  return st;
}

/* Constant operands of Add / Mul / Concat, quantized as the int8 model's
 * const_operand() does (own range, affine int8). */
static qe_status qdq_const_operand(qdq *Q, int ni, int k)
{
  const int t = Q->g->nodes[ni].inputs[k];
  qe_array *f = NULL;
  qe_status st = qe_array_to_f32(Q->g->tensors[t].data, &f, Q->ctx);
  if (st)
    return st;
  const int64_t n = qe_array_count(f);
  const float *d = f->data;
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < n; i++) {
    lo = fminf(lo, d[i]);
    hi = fmaxf(hi, d[i]);
  }
  qe_qparams qp = qe_choose_qparams(lo, hi, -128, 127, false, Q->q->o->power_of_two);
  int8_t *qd = malloc(n > 0 ? (size_t)n : 1);
  if (!qd) {
    qe_array_free(f);
    return oom(Q);
  }
  for (int64_t i = 0; i < n; i++)
    qd[i] = (int8_t)qe_quantize_value(d[i], qp.scale, qp.zero_point, -128, 127);
  st = qdq_const(Q, ni, k, QE_DT_I8, qd, 1, &qp.scale, &qp.zero_point, 0);
  free(qd);
  qe_array_free(f);
  return st;
}

qe_status qe_quant_build_qdq(qstate *q, qe_graph **out)
{
  *out = NULL;
  qdq Q = { .q = q, .ctx = q->ctx };
  qe_status st = qe_graph_clone(q->g, &Q.g, q->ctx);
  if (st)
    return st;
  const size_t nn = q->g->n_nodes, nt = q->g->n_tensors;
  /* weights and constant operands first (node indices are stable: new
   * nodes go to the end) */
  for (size_t i = 0; i < nn && !st; i++) {
    const qnode *qn = &q->nodes[i];
    if (qn->kind != QN_INT8)
      continue;
    if (qn->has_w) {
      st = qdq_weights(&Q, (int)i);
    } else if (qn->qop == QE_QOP_ADD || qn->qop == QE_QOP_MUL || qn->qop == QE_QOP_CONCATENATION) {
      for (int k = 0; k < Q.g->nodes[i].n_inputs && !st; k++) {
        int t = Q.g->nodes[i].inputs[k];
        if (t >= 0 && Q.g->tensors[t].data && Q.g->tensors[t].dtype == QE_DT_F32)
          st = qdq_const_operand(&Q, (int)i, k);
      }
    }
  }
  /* activations held in int8 */
  for (size_t t = 0; t < nt && !st; t++) {
    if (q->g->tensors[t].data)
      continue;
    bool is_q = q->rep[t][REP_Q][LAY_PLAIN] >= 0 || q->rep[t][REP_Q][LAY_NHWC] >= 0;
    if (is_q && q->has_qp[t])
      st = qdq_activation(&Q, (int)t);
  }
  if (!st)
    st = qe_graph_toposort(Q.g, q->ctx);
  if (!st)
    st = qe_graph_compact(Q.g, NULL, q->ctx);
  if (!st)
    st = qe_graph_set_metadata(Q.g, "quantizer", "qdq", q->ctx);
  if (st) {
    qe_graph_free(Q.g);
    return st;
  }
  *out = Q.g;
  return QE_OK;
}

qe_status qe_quant_save_onnx(const qe_quant_result *r, const char *path, qe_ctx *ctx)
{
  if (!r || !r->qdq)
    return qe_error(ctx, QE_ERR_INVALID, "no QDQ model to save");
  qe_onnx_save_options opt = { 0 };
  opt.opset = r->options.target_opset;
  opt.producer_name = "quantizer";
  return qe_onnx_save(r->qdq, path, &opt, ctx);
}
