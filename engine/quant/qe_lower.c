/* qe_lower.c - lowering of the prepared float graph (ONNX semantics, NCHW)
 * to the int8 model (TFLite semantics, NHWC), from the quantizer's plan,
 * activation parameters and quantized weights.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every graph tensor may have up to four representations in the int8 model:
 * int8 or float, in the graph's own element order ("plain") or channels-last
 * ("nhwc": [N, H, W, C] for a 4-D [N, C, H, W], [N, 1, L, C] for a 3-D
 * [N, C, L]). Each op asks for its inputs in the form it needs; the missing
 * forms are made on demand with QUANTIZE / DEQUANTIZE, and TRANSPOSE or
 * RESHAPE (a RESHAPE alone when the element order does not change, e.g. a
 * single channel or a 1x1 image). Model inputs and outputs keep the source
 * model's shapes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe_quant_internal.h"

typedef struct lower {
  qstate *q;
  qe_graph *g;
  qe_qmodel *m;
  const qn_kind *kinds;
  int (*rep)[2][2];
  int *prim;
  unsigned char *prim_nhwc;
  qe_ctx *ctx;
} lower;

static qe_status oom(lower *L)
{
  return qe_error(L->ctx, QE_ERR_NOMEM, "out of memory while building the int8 model");
}

static int onnx_rank(const lower *L, int t)
{
  return L->g->tensors[t].rank;
}

/* Graph dims -> int32 (checked). */
static qe_status dims32(lower *L, int t, int32_t *d, int *rank)
{
  const qe_tensor *x = &L->g->tensors[t];
  if (x->rank < 0 || x->rank > QE_QMAX_RANK)
    return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "tensor '%s': rank %d (at most %d)", x->name,
                    x->rank, QE_QMAX_RANK);
  for (int k = 0; k < x->rank; k++) {
    if (x->dims[k] < 0 || x->dims[k] > INT32_MAX)
      return qe_error(L->ctx, QE_ERR_SHAPE, "tensor '%s': dimension %d is %lld", x->name, k,
                      (long long)x->dims[k]);
    d[k] = (int32_t)x->dims[k];
  }
  *rank = x->rank;
  return QE_OK;
}

static void to_nhwc_dims(const int32_t *d, int r, int32_t *o)
{
  if (r == 4) {
    o[0] = d[0];
    o[1] = d[2];
    o[2] = d[3];
    o[3] = d[1];
  } else { /* r == 3 */
    o[0] = d[0];
    o[1] = 1;
    o[2] = d[2];
    o[3] = d[1];
  }
}

static bool nhwc_trivial(const int32_t *d, int r)
{
  if (r == 4)
    return d[1] == 1 || (int64_t)d[2] * d[3] == 1;
  return d[1] == 1 || d[2] == 1;
}

static qe_status add_tensor(lower *L, const char *name, qe_dtype type, int rank,
                            const int32_t *dims, const void *data, size_t size, size_t nq,
                            const float *scale, const int32_t *zp, int qdim, int *idx)
{
  return qe_qmodel_add_tensor(L->m, name, type, rank, dims, data, size, nq, scale, zp, qdim, idx,
                              L->ctx);
}

static qe_status add_op(lower *L, qe_qop_type type, int n_in, const int *in, int out,
                        const qe_qop_options *opt, const char *name)
{
  return qe_qmodel_add_op(L->m, type, n_in, in, out, opt, name, NULL, L->ctx);
}

/* An activation tensor of the int8 model for graph tensor @t. */
static qe_status new_act(lower *L, int t, int dt, int lay, const char *suffix, int *out)
{
  int32_t d[QE_QMAX_RANK], nd[4];
  int r;
  qe_status st = dims32(L, t, d, &r);
  if (st)
    return st;
  const int32_t *dims = d;
  if (lay == LAY_NHWC) {
    if (r != 3 && r != 4)
      return qe_error(L->ctx, QE_ERR_INTERNAL, "channels-last form of a rank-%d tensor", r);
    to_nhwc_dims(d, r, nd);
    dims = nd;
    r = 4;
  }
  char *name = qe_strdup_printf("%s%s", L->g->tensors[t].name, suffix ? suffix : "");
  if (!name)
    return oom(L);
  if (dt == REP_Q) {
    const qstate *q = L->q;
    if (!q->has_qp[t]) {
      free(name);
      return qe_error(L->ctx, QE_ERR_INTERNAL, "tensor '%s' has no quantization parameters",
                      L->g->tensors[t].name);
    }
    st = add_tensor(L, name, QE_DT_I8, r, dims, NULL, 0, 1, &q->qp[t].scale, &q->qp[t].zero_point,
                    0, out);
  } else {
    st = add_tensor(L, name, QE_DT_F32, r, dims, NULL, 0, 0, NULL, NULL, 0, out);
  }
  free(name);
  if (st)
    return st;
  L->rep[t][dt][lay] = *out;
  return QE_OK;
}

static qe_status const_i32(lower *L, const char *base, const char *what, int n, const int32_t *v,
                           int rank2, int *idx)
{
  char *name = qe_strdup_printf("%s/%s", base, what);
  if (!name)
    return oom(L);
  int32_t dims[2] = { n, 2 };
  qe_status st;
  if (rank2)
    st = add_tensor(L, name, QE_DT_I32, 2, dims, v, (size_t)n * 2 * sizeof(int32_t), 0, NULL, NULL,
                    0, idx);
  else
    st = add_tensor(L, name, QE_DT_I32, 1, dims, v, (size_t)n * sizeof(int32_t), 0, NULL, NULL, 0,
                    idx);
  free(name);
  return st;
}

/* RESHAPE @in (qmodel tensor) into a new tensor like @like's type and quant
 * with dims @d (rank @r). */
static qe_status emit_reshape(lower *L, int in, const int32_t *d, int r, const char *name, int *out)
{
  const qe_qtensor *it = &L->m->tensors[in];
  qe_dtype type = it->type;
  float scale = it->n_quant ? it->scale[0] : 0;
  int32_t zp = it->n_quant ? it->zero_point[0] : 0;
  size_t nq = it->n_quant ? 1 : 0;
  qe_status st = add_tensor(L, name, type, r, d, NULL, 0, nq, &scale, &zp, 0, out);
  if (st)
    return st;
  int shape;
  if ((st = const_i32(L, name, "shape", r, d, 0, &shape)) != QE_OK)
    return st;
  int ins[2] = { in, shape };
  return add_op(L, QE_QOP_RESHAPE, 2, ins, *out, NULL, name);
}

static qe_status emit_transpose(lower *L, int in, const int32_t *perm, int r, const char *name,
                                int *out)
{
  const qe_qtensor *it = &L->m->tensors[in];
  int32_t d[QE_QMAX_RANK];
  for (int k = 0; k < r; k++)
    d[k] = it->dims[perm[k]];
  float scale = it->n_quant ? it->scale[0] : 0;
  int32_t zp = it->n_quant ? it->zero_point[0] : 0;
  qe_status st =
      add_tensor(L, name, it->type, r, d, NULL, 0, it->n_quant ? 1 : 0, &scale, &zp, 0, out);
  if (st)
    return st;
  int p;
  if ((st = const_i32(L, name, "perm", r, perm, 0, &p)) != QE_OK)
    return st;
  int ins[2] = { in, p };
  return add_op(L, QE_QOP_TRANSPOSE, 2, ins, *out, NULL, name);
}

/* Layout conversion of graph tensor @t from representation (dt, from). */
static qe_status convert_layout(lower *L, int t, int dt, int to, int *out)
{
  const int from = !to;
  int src = L->rep[t][dt][from];
  int32_t d[QE_QMAX_RANK], nd[4];
  int r;
  qe_status st = dims32(L, t, d, &r);
  if (st)
    return st;
  if (r != 3 && r != 4)
    return qe_error(L->ctx, QE_ERR_INTERNAL, "layout change of rank-%d tensor '%s'", r,
                    L->g->tensors[t].name);
  to_nhwc_dims(d, r, nd);
  const char *tn = L->g->tensors[t].name;
  char *name = qe_strdup_printf("%s%s%s", tn, dt == REP_Q ? "" : "_float",
                                to == LAY_NHWC ? "_nhwc" : "_nchw");
  char *mid = qe_strdup_printf("%s%s_cl", tn, dt == REP_Q ? "" : "_float");
  if (!name || !mid) {
    free(name);
    free(mid);
    return oom(L);
  }
  if (nhwc_trivial(d, r)) {
    st = to == LAY_NHWC ? emit_reshape(L, src, nd, 4, name, out)
                        : emit_reshape(L, src, d, r, name, out);
  } else if (to == LAY_NHWC) {
    if (r == 4) {
      static const int32_t perm[4] = { 0, 2, 3, 1 };
      st = emit_transpose(L, src, perm, 4, name, out);
    } else {
      static const int32_t perm[3] = { 0, 2, 1 };
      int tmp;
      st = emit_transpose(L, src, perm, 3, mid, &tmp);
      if (!st)
        st = emit_reshape(L, tmp, nd, 4, name, out);
    }
  } else {
    if (r == 4) {
      static const int32_t perm[4] = { 0, 3, 1, 2 };
      st = emit_transpose(L, src, perm, 4, name, out);
    } else {
      int32_t cl[3] = { d[0], d[2], d[1] };
      static const int32_t perm[3] = { 0, 2, 1 };
      int tmp;
      st = emit_reshape(L, src, cl, 3, mid, &tmp);
      if (!st)
        st = emit_transpose(L, tmp, perm, 3, name, out);
    }
  }
  free(name);
  free(mid);
  if (!st)
    L->rep[t][dt][to] = *out;
  return st;
}

static qe_status convert_type(lower *L, int t, int to_dt, int lay, int *out)
{
  int src = L->rep[t][!to_dt][lay];
  qe_status st = new_act(L, t, to_dt, lay,
                         to_dt == REP_Q ? (lay == LAY_NHWC ? "_nhwc_int8" : "_int8")
                                        : (lay == LAY_NHWC ? "_nhwc_float" : "_float"),
                         out);
  if (st)
    return st;
  char *name = qe_strdup(L->m->tensors[*out].name);
  if (!name)
    return oom(L);
  st = add_op(L, to_dt == REP_Q ? QE_QOP_QUANTIZE : QE_QOP_DEQUANTIZE, 1, &src, *out, NULL, name);
  free(name);
  return st;
}

/* A constant graph tensor used as an activation operand. */
static qe_status const_operand(lower *L, int t, int dt, int lay, int *out);

/* Graph tensor @t as representation (dt, lay), made on demand. */
static qe_status need(lower *L, int t, int dt, int lay, int *out)
{
  if (L->rep[t][dt][lay] >= 0) {
    *out = L->rep[t][dt][lay];
    return QE_OK;
  }
  if (L->g->tensors[t].data)
    return const_operand(L, t, dt, lay, out);
  qe_status st;
  if (L->rep[t][dt][!lay] >= 0)
    return convert_layout(L, t, dt, lay, out);
  if (L->rep[t][!dt][lay] >= 0)
    return convert_type(L, t, dt, lay, out);
  if (L->rep[t][!dt][!lay] >= 0) {
    int tmp;
    if ((st = convert_type(L, t, dt, !lay, &tmp)) != QE_OK)
      return st;
    return convert_layout(L, t, dt, lay, out);
  }
  return qe_error(L->ctx, QE_ERR_INTERNAL, "tensor '%s' is used before it is computed",
                  L->g->tensors[t].name);
}

/* Permute constant data of ONNX dims @d (rank r <= 4, right-aligned to
 * rank @rr with leading 1s) into the channels-last order of rank @rr. */
static void nhwc_data(const float *src, const int32_t *d, int rr, float *dst)
{
  /* rr == 4: [a,b,c,e] -> [a,c,e,b]; rr == 3: [a,b,c] -> [a,1,c,b] */
  int32_t a = d[0], b = d[1], c = d[2], e = rr == 4 ? d[3] : 1;
  for (int32_t i0 = 0; i0 < a; i0++)
    for (int32_t i1 = 0; i1 < b; i1++)
      for (int32_t i2 = 0; i2 < c; i2++)
        for (int32_t i3 = 0; i3 < e; i3++) {
          size_t s = (((size_t)i0 * b + i1) * c + i2) * e + i3;
          size_t o = (((size_t)i0 * c + i2) * e + i3) * b + i1;
          dst[o] = src[s];
        }
}

static qe_status const_operand(lower *L, int t, int dt, int lay, int *out)
{
  const qe_tensor *x = &L->g->tensors[t];
  qe_array *f = NULL;
  qe_status st = qe_array_to_f32(x->data, &f, L->ctx);
  if (st)
    return st;
  int32_t d[QE_QMAX_RANK], nd[4];
  int r = x->rank;
  if (r > QE_QMAX_RANK) {
    qe_array_free(f);
    return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "constant '%s' of rank %d", x->name, r);
  }
  for (int k = 0; k < r; k++)
    d[k] = (int32_t)x->dims[k];
  const int64_t n = qe_array_count(f);
  float *data = f->data;
  float *perm = NULL;
  const int32_t *dims = d;
  int qr = r;
  if (lay == LAY_NHWC) {
    /* right-align to the rank of the layout (3 or 4) */
    int rr = r <= 3 ? 3 : 4;
    if (r > 4) {
      qe_array_free(f);
      return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "constant '%s' of rank %d", x->name, r);
    }
    int32_t full[4] = { 1, 1, 1, 1 };
    for (int k = 0; k < r; k++)
      full[rr - r + k] = d[k];
    perm = malloc((n > 0 ? (size_t)n : 1) * sizeof(float));
    if (!perm) {
      qe_array_free(f);
      return oom(L);
    }
    nhwc_data(data, full, rr, perm);
    to_nhwc_dims(full, rr, nd);
    dims = nd;
    qr = 4;
    data = perm;
  }
  char *name = qe_strdup_printf("%s%s%s", x->name, lay == LAY_NHWC ? "_nhwc" : "",
                                dt == REP_Q ? "_int8" : "");
  if (!name) {
    st = oom(L);
    goto out;
  }
  if (dt == REP_F) {
    st = add_tensor(L, name, QE_DT_F32, qr, dims, data, (size_t)n * sizeof(float), 0, NULL, NULL, 0,
                    out);
  } else {
    float lo = 0, hi = 0;
    for (int64_t k = 0; k < n; k++) {
      lo = fminf(lo, data[k]);
      hi = fmaxf(hi, data[k]);
    }
    qe_qparams qp = qe_choose_qparams(lo, hi, -128, 127, false, L->q->o->power_of_two);
    int8_t *qd = malloc(n > 0 ? (size_t)n : 1);
    if (!qd) {
      st = oom(L);
      goto out;
    }
    for (int64_t k = 0; k < n; k++)
      qd[k] = (int8_t)qe_quantize_value(data[k], qp.scale, qp.zero_point, -128, 127);
    st = add_tensor(L, name, QE_DT_I8, qr, dims, qd, (size_t)n, 1, &qp.scale, &qp.zero_point, 0,
                    out);
    free(qd);
  }
  if (!st)
    L->rep[t][dt][lay] = *out;
out:
  free(name);
  free(perm);
  qe_array_free(f);
  return st;
}

static int lay_of(const lower *L, int t)
{
  int r = onnx_rank(L, t);
  if (r != 3 && r != 4)
    return LAY_PLAIN;
  return (L->rep[t][0][LAY_NHWC] >= 0 || L->rep[t][1][LAY_NHWC] >= 0) ? LAY_NHWC : LAY_PLAIN;
}

static int out_tensor(const lower *L, int node)
{
  const qnode *qn = &L->q->nodes[node];
  const qe_node *n = &L->g->nodes[node];
  if (qn->act_node >= 0)
    return qe_node_output(&L->g->nodes[qn->act_node], 0);
  return qe_node_output(n, 0);
}

/* Narrow (e.g. 4-bit) activations: the int8 tensor an op writes is clamped
 * to the activation grid (qe_qtensor.weight_bits on an activation), except
 * where the int8 kernels cannot clamp (MEAN, HARD_SWISH) or TFLite fixes
 * 8-bit output parameters (SOFTMAX, LOGISTIC, TANH): those stay 8-bit. */
static void narrow_output(lower *L, qe_qop_type op, int qt)
{
  const int bits = L->q->o->activation_bits;
  if (bits >= 8 || op == QE_QOP_MEAN || op == QE_QOP_HARD_SWISH || op == QE_QOP_SOFTMAX ||
      op == QE_QOP_LOGISTIC || op == QE_QOP_TANH)
    return;
  if (L->m->tensors[qt].type == QE_DT_I8)
    L->m->tensors[qt].weight_bits = bits;
}

static qe_status make_output(lower *L, int node, int dt, int lay, int *out)
{
  int t = out_tensor(L, node);
  qe_status st = new_act(L, t, dt, lay, NULL, out);
  if (st)
    return st;
  if (dt == REP_Q)
    narrow_output(L, L->q->nodes[node].qop, *out);
  L->prim[t] = *out;
  L->prim_nhwc[t] = (unsigned char)lay;
  return QE_OK;
}

/* ---- spatial geometry ------------------------------------------------------ */

typedef struct geom {
  int32_t kh, kw, sh, sw, dh, dw;
  int32_t pt, pl, pb, pr;
  int32_t H, W, OH, OW;
} geom;

static qe_status read_geom(lower *L, const qe_node *n, int x, int y, int32_t kh, int32_t kw,
                           geom *G)
{
  const qe_tensor *xt = &L->g->tensors[x], *yt = &L->g->tensors[y];
  const int r = xt->rank, sp = r - 2;
  size_t cnt, cnt_d, cnt_p;
  const int64_t *s = qe_node_ints(n, "strides", &cnt);
  const int64_t *dl = qe_node_ints(n, "dilations", &cnt_d);
  const int64_t *p = qe_node_ints(n, "pads", &cnt_p);
  memset(G, 0, sizeof *G);
  G->kh = kh;
  G->kw = kw;
  G->sh = G->sw = G->dh = G->dw = 1;
  if (sp == 2) {
    G->H = (int32_t)xt->dims[2];
    G->W = (int32_t)xt->dims[3];
    G->OH = (int32_t)yt->dims[2];
    G->OW = (int32_t)yt->dims[3];
    if (s) {
      G->sh = (int32_t)s[0];
      G->sw = (int32_t)s[1];
    }
    if (dl) {
      G->dh = (int32_t)dl[0];
      G->dw = (int32_t)dl[1];
    }
    if (p) {
      G->pt = (int32_t)p[0];
      G->pl = (int32_t)p[1];
      G->pb = (int32_t)p[2];
      G->pr = (int32_t)p[3];
    }
  } else {
    G->H = 1;
    G->W = (int32_t)xt->dims[2];
    G->OH = 1;
    G->OW = (int32_t)yt->dims[2];
    if (s)
      G->sw = (int32_t)s[0];
    if (dl)
      G->dw = (int32_t)dl[0];
    if (p) {
      G->pl = (int32_t)p[0];
      G->pr = (int32_t)p[1];
    }
  }
  const char *ap = qe_node_string(n, "auto_pad", "NOTSET");
  if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
    int32_t th = (G->OH - 1) * G->sh + (G->kh - 1) * G->dh + 1 - G->H;
    int32_t tw = (G->OW - 1) * G->sw + (G->kw - 1) * G->dw + 1 - G->W;
    th = th > 0 ? th : 0;
    tw = tw > 0 ? tw : 0;
    bool upper = !strcmp(ap, "SAME_UPPER");
    G->pt = upper ? th / 2 : th - th / 2;
    G->pb = th - G->pt;
    G->pl = upper ? tw / 2 : tw - tw / 2;
    G->pr = tw - G->pl;
  } else if (!strcmp(ap, "VALID")) {
    G->pt = G->pl = G->pb = G->pr = 0;
  }
  if (G->sh <= 0 || G->sw <= 0 || G->dh <= 0 || G->dw <= 0)
    return qe_error(L->ctx, QE_ERR_INVALID, "node '%s': strides and dilations must be positive",
                    n->name);
  return QE_OK;
}

/* 0: VALID, 1: SAME (TFLite's), 2: needs an explicit PAD. */
static int padding_kind(const geom *G)
{
  if (!G->pt && !G->pl && !G->pb && !G->pr)
    return 0;
  const int32_t eh = (G->kh - 1) * G->dh + 1, ew = (G->kw - 1) * G->dw + 1;
  const int32_t oh = (G->H + G->sh - 1) / G->sh, ow = (G->W + G->sw - 1) / G->sw;
  int32_t th = (oh - 1) * G->sh + eh - G->H, tw = (ow - 1) * G->sw + ew - G->W;
  th = th > 0 ? th : 0;
  tw = tw > 0 ? tw : 0;
  if (oh == G->OH && ow == G->OW && G->pt == th / 2 && G->pb == th - th / 2 && G->pl == tw / 2 &&
      G->pr == tw - tw / 2)
    return 1;
  return 2;
}

/* PAD an NHWC tensor (int8 pads with the zero point, i.e. real 0). */
static qe_status emit_pad_nhwc(lower *L, int in, const geom *G, const char *base, int *out)
{
  const qe_qtensor *it = &L->m->tensors[in];
  int32_t d[4] = { it->dims[0], it->dims[1] + G->pt + G->pb, it->dims[2] + G->pl + G->pr,
                   it->dims[3] };
  float scale = it->n_quant ? it->scale[0] : 0;
  int32_t zp = it->n_quant ? it->zero_point[0] : 0;
  char *name = qe_strdup_printf("%s/pad", base);
  if (!name)
    return oom(L);
  qe_status st =
      add_tensor(L, name, it->type, 4, d, NULL, 0, it->n_quant ? 1 : 0, &scale, &zp, 0, out);
  int32_t pads[8] = { 0, 0, G->pt, G->pb, G->pl, G->pr, 0, 0 };
  int pt;
  if (!st)
    st = const_i32(L, name, "paddings", 4, pads, 1, &pt);
  if (!st) {
    int ins[2] = { in, pt };
    st = add_op(L, QE_QOP_PAD, 2, ins, *out, NULL, name);
  }
  free(name);
  return st;
}

/* ---- ops -------------------------------------------------------------------- */

static qe_status lower_conv(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const qnode *qn = &L->q->nodes[i];
  const int x = qe_node_input(n, 0);
  const qe_tensor *wt = &L->g->tensors[qn->w_tensor];
  const int r = L->g->tensors[x].rank;
  const bool dw = qn->qop == QE_QOP_DEPTHWISE_CONV_2D;
  const int32_t M = (int32_t)wt->dims[0], Cg = (int32_t)wt->dims[1];
  const int32_t kh = r == 4 ? (int32_t)wt->dims[2] : 1;
  const int32_t kw = r == 4 ? (int32_t)wt->dims[3] : (int32_t)wt->dims[2];
  const int32_t Cin = (int32_t)L->g->tensors[x].dims[1];
  geom G;
  qe_status st = read_geom(L, n, x, out_tensor(L, i), kh, kw, &G);
  if (st)
    return st;
  int in;
  if ((st = need(L, x, dt, LAY_NHWC, &in)) != QE_OK)
    return st;
  int pk = padding_kind(&G);
  if (pk == 2 && (st = emit_pad_nhwc(L, in, &G, n->name, &in)) != QE_OK)
    return st;
  /* filter */
  const size_t kcount = (size_t)M * Cg * kh * kw;
  const size_t esz = dt == REP_Q ? 1 : sizeof(float);
  uint8_t *buf = malloc(kcount ? kcount * esz : 1);
  if (!buf)
    return oom(L);
  const float *wf = wt->data->data;
  for (int32_t m = 0; m < M; m++)
    for (int32_t c = 0; c < Cg; c++)
      for (int32_t y = 0; y < kh; y++)
        for (int32_t xx = 0; xx < kw; xx++) {
          size_t s = (((size_t)m * Cg + c) * kh + y) * kw + xx;
          size_t o = dw ? ((size_t)y * kw + xx) * M + m : (((size_t)m * kh + y) * kw + xx) * Cg + c;
          if (dt == REP_Q)
            buf[o] = (uint8_t)qn->wq[s];
          else
            ((float *)buf)[o] = wf[s];
        }
  int32_t fd[4] = { dw ? 1 : M, kh, kw, dw ? M : Cg };
  char *fname = qe_strdup_printf("%s%s", wt->name, dt == REP_Q ? "_int8" : "_ohwi");
  char *bname = qe_strdup_printf("%s/bias", n->name);
  int filt = -1, bias = -1;
  if (!fname || !bname) {
    st = oom(L);
    goto out;
  }
  if (dt == REP_Q) {
    int32_t *zps = calloc((size_t)M, sizeof *zps);
    if (!zps) {
      st = oom(L);
      goto out;
    }
    st = add_tensor(L, fname, QE_DT_I8, 4, fd, buf, kcount, qn->n_wscale, qn->wscale, zps,
                    dw ? 3 : 0, &filt);
    if (!st) {
      L->m->tensors[filt].weight_bits = L->q->o->reduce_range ? 8 : L->q->o->weight_bits;
      int32_t bd[1] = { M };
      /* one bias scale with per-tensor weights: TFLite reads a tensor's
       * single scale only when it has one (else 0, and its check that the
       * bias scale is input scale x weight scale fails) */
      st = add_tensor(L, bname, QE_DT_I32, 1, bd, qn->bq, (size_t)M * sizeof(int32_t), qn->n_wscale,
                      qn->bscale, zps, 0, &bias);
    }
    free(zps);
  } else {
    st = add_tensor(L, fname, QE_DT_F32, 4, fd, buf, kcount * sizeof(float), 0, NULL, NULL, 0,
                    &filt);
    if (!st) {
      float *b = calloc((size_t)M, sizeof *b);
      const float *src = qn->b_tensor >= 0 ? qe_quant_const_f32(L->g, qn->b_tensor) : NULL;
      if (!b) {
        st = oom(L);
        goto out;
      }
      for (int32_t m = 0; m < M; m++)
        b[m] = src ? src[m] : 0.0f;
      int32_t bd[1] = { M };
      st = add_tensor(L, bname, QE_DT_F32, 1, bd, b, (size_t)M * sizeof(float), 0, NULL, NULL, 0,
                      &bias);
      free(b);
    }
  }
  if (st)
    goto out;
  int o;
  if ((st = make_output(L, i, dt, LAY_NHWC, &o)) != QE_OK)
    goto out;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.padding = pk == 1 ? QE_PAD_SAME : QE_PAD_VALID;
  opt.stride_h = G.sh;
  opt.stride_w = G.sw;
  opt.dilation_h = G.dh;
  opt.dilation_w = G.dw;
  opt.activation = qn->act;
  if (dw)
    opt.depth_multiplier = Cin ? M / Cin : 1;
  {
    int ins[3] = { in, filt, bias };
    st = add_op(L, qn->qop, 3, ins, o, &opt, n->name);
  }
out:
  free(buf);
  free(fname);
  free(bname);
  return st;
}

static qe_status lower_fc(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const qnode *qn = &L->q->nodes[i];
  const int x = qe_node_input(n, 0);
  const qe_tensor *wt = &L->g->tensors[qn->w_tensor];
  const bool gemm = n->op == QE_OP_GEMM;
  const int32_t N = (int32_t)(gemm ? wt->dims[0] : wt->dims[1]);
  const int32_t K = (int32_t)(gemm ? wt->dims[1] : wt->dims[0]);
  int in;
  qe_status st = need(L, x, dt, LAY_PLAIN, &in);
  if (st)
    return st;
  const size_t cnt = (size_t)N * K;
  const size_t esz = dt == REP_Q ? 1 : sizeof(float);
  uint8_t *buf = malloc(cnt ? cnt * esz : 1);
  char *fname = qe_strdup_printf("%s%s", wt->name, dt == REP_Q ? "_int8" : "_nk");
  char *bname = qe_strdup_printf("%s/bias", n->name);
  int32_t *zps = calloc((size_t)N, sizeof *zps);
  float *bf = calloc((size_t)N, sizeof *bf);
  int filt = -1, bias = -1, o;
  if (!buf || !fname || !bname || !zps || !bf) {
    st = oom(L);
    goto out;
  }
  const float *wf = wt->data->data;
  for (int32_t r = 0; r < N; r++)
    for (int32_t c = 0; c < K; c++) {
      size_t s = gemm ? (size_t)r * K + c : (size_t)c * N + r;
      size_t d = (size_t)r * K + c;
      if (dt == REP_Q)
        buf[d] = (uint8_t)qn->wq[s];
      else
        ((float *)buf)[d] = wf[s];
    }
  int32_t fd[2] = { N, K }, bd[1] = { N };
  if (dt == REP_Q) {
    st = add_tensor(L, fname, QE_DT_I8, 2, fd, buf, cnt, qn->n_wscale, qn->wscale, zps, 0, &filt);
    if (!st) {
      L->m->tensors[filt].weight_bits = L->q->o->reduce_range ? 8 : L->q->o->weight_bits;
      st = add_tensor(L, bname, QE_DT_I32, 1, bd, qn->bq, (size_t)N * sizeof(int32_t), qn->n_wscale,
                      qn->bscale, zps, 0, &bias); /* one scale: see above */
    }
  } else {
    st = add_tensor(L, fname, QE_DT_F32, 2, fd, buf, cnt * sizeof(float), 0, NULL, NULL, 0, &filt);
    const float *src = qn->b_tensor >= 0 ? qe_quant_const_f32(L->g, qn->b_tensor) : NULL;
    for (int32_t k = 0; k < N; k++)
      bf[k] = src ? src[k] : 0.0f;
    if (!st)
      st = add_tensor(L, bname, QE_DT_F32, 1, bd, bf, (size_t)N * sizeof(float), 0, NULL, NULL, 0,
                      &bias);
  }
  if (st || (st = make_output(L, i, dt, LAY_PLAIN, &o)) != QE_OK)
    goto out;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.activation = qn->act;
  opt.keep_dims = L->g->tensors[x].rank > 2;
  {
    int ins[3] = { in, filt, bias };
    st = add_op(L, QE_QOP_FULLY_CONNECTED, 3, ins, o, &opt, n->name);
  }
out:
  free(buf);
  free(fname);
  free(bname);
  free(zps);
  free(bf);
  return st;
}

static qe_status lower_binary(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const qnode *qn = &L->q->nodes[i];
  int a = n->inputs[0], b = n->inputs[1];
  if (qn->n_operands == 2) {
    a = qn->operands[0];
    b = qn->operands[1];
  }
  int y = out_tensor(L, i);
  int r = onnx_rank(L, y);
  int lay = LAY_PLAIN;
  if (qn->const_input >= 0) {
    int act = qn->const_input == 0 ? b : a;
    if (onnx_rank(L, act) == r && (r == 3 || r == 4) &&
        onnx_rank(L, qn->const_input == 0 ? a : b) <= r)
      lay = lay_of(L, act);
  } else if (onnx_rank(L, a) == r && onnx_rank(L, b) == r && (r == 3 || r == 4)) {
    lay = (lay_of(L, a) == LAY_NHWC || lay_of(L, b) == LAY_NHWC) ? LAY_NHWC : LAY_PLAIN;
  }
  int ia, ib, o;
  qe_status st;
  if ((st = need(L, a, dt, lay, &ia)) != QE_OK || (st = need(L, b, dt, lay, &ib)) != QE_OK ||
      (st = make_output(L, i, dt, lay, &o)) != QE_OK)
    return st;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.activation = qn->act;
  int ins[2] = { ia, ib };
  return add_op(L, qn->qop, 2, ins, o, &opt, n->name);
}

static int nhwc_axis(int axis, int r)
{
  static const int a4[4] = { 0, 3, 1, 2 }, a3[3] = { 0, 3, 2 };
  return r == 4 ? a4[axis] : a3[axis];
}

static qe_status lower_concat(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  int y = out_tensor(L, i);
  int r = onnx_rank(L, y);
  int64_t axis = qe_node_int(n, "axis", 1);
  if (axis < 0)
    axis += r;
  if (axis < 0 || axis >= r)
    return qe_error(L->ctx, QE_ERR_INVALID, "node '%s': axis out of range", n->name);
  int lay = LAY_NHWC;
  if (r != 3 && r != 4)
    lay = LAY_PLAIN;
  for (int k = 0; k < n->n_inputs && lay == LAY_NHWC; k++)
    if (!L->g->tensors[n->inputs[k]].data && lay_of(L, n->inputs[k]) != LAY_NHWC)
      lay = LAY_PLAIN;
  int *ins = calloc((size_t)n->n_inputs, sizeof *ins);
  if (!ins)
    return oom(L);
  qe_status st = QE_OK;
  const qe_qparams *oq = &L->q->qp[y];
  for (int k = 0; k < n->n_inputs && !st; k++) {
    int t = n->inputs[k];
    st = need(L, t, dt, lay, &ins[k]);
    if (st || dt != REP_Q)
      continue;
    const qe_qtensor *it = &L->m->tensors[ins[k]];
    if (it->scale[0] != oq->scale || it->zero_point[0] != oq->zero_point) {
      /* TFLite's CONCATENATION needs the inputs on the output's grid */
      char *name = qe_strdup_printf("%s_requant_%d", n->name, k);
      int rq;
      if (!name) {
        st = oom(L);
        break;
      }
      st = add_tensor(L, name, QE_DT_I8, it->rank, it->dims, NULL, 0, 1, &oq->scale,
                      &oq->zero_point, 0, &rq);
      if (!st) {
        narrow_output(L, QE_QOP_QUANTIZE, rq);
        st = add_op(L, QE_QOP_QUANTIZE, 1, &ins[k], rq, NULL, name);
      }
      free(name);
      ins[k] = rq;
    }
  }
  int o;
  if (!st)
    st = make_output(L, i, dt, lay, &o);
  if (!st) {
    qe_qop_options opt;
    qe_qop_options_init(&opt);
    opt.axis = lay == LAY_NHWC ? nhwc_axis((int)axis, r) : (int)axis;
    st = add_op(L, QE_QOP_CONCATENATION, n->n_inputs, ins, o, &opt, n->name);
  }
  free(ins);
  return st;
}

static qe_status lower_pool(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const qnode *qn = &L->q->nodes[i];
  const int x = qe_node_input(n, 0), y = out_tensor(L, i);
  const qe_tensor *xt = &L->g->tensors[x];
  const int r = xt->rank;
  int32_t kh = 1, kw = 1;
  if (n->op == QE_OP_GLOBAL_MAX_POOL) {
    kh = r == 4 ? (int32_t)xt->dims[2] : 1;
    kw = r == 4 ? (int32_t)xt->dims[3] : (int32_t)xt->dims[2];
  } else {
    size_t cnt = 0;
    const int64_t *k = qe_node_ints(n, "kernel_shape", &cnt);
    if (!k || (int)cnt != r - 2)
      return qe_error(L->ctx, QE_ERR_INVALID, "node '%s': kernel_shape missing", n->name);
    kh = r == 4 ? (int32_t)k[0] : 1;
    kw = r == 4 ? (int32_t)k[1] : (int32_t)k[0];
  }
  geom G;
  qe_status st = read_geom(L, n, x, y, kh, kw, &G);
  if (st)
    return st;
  if (G.dh != 1 || G.dw != 1)
    return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "node '%s': dilated pooling is not supported",
                    n->name);
  int pk = padding_kind(&G);
  if (qe_node_int(n, "ceil_mode", 0)) {
    int32_t fh = (G.H + G.pt + G.pb - G.kh) / G.sh + 1, fw = (G.W + G.pl + G.pr - G.kw) / G.sw + 1;
    if (fh != G.OH || fw != G.OW)
      return qe_error(L->ctx, QE_ERR_UNSUPPORTED,
                      "node '%s': ceil_mode pooling that changes the output size is not supported",
                      n->name);
  }
  int in;
  if ((st = need(L, x, dt, LAY_NHWC, &in)) != QE_OK)
    return st;
  if (pk == 2) {
    if (n->op == QE_OP_AVERAGE_POOL && qe_node_int(n, "count_include_pad", 0)) {
      if ((st = emit_pad_nhwc(L, in, &G, n->name, &in)) != QE_OK)
        return st;
    } else {
      return qe_error(L->ctx, QE_ERR_UNSUPPORTED,
                      "node '%s': pooling with this padding (%d,%d,%d,%d) has no TFLite "
                      "equivalent",
                      n->name, G.pt, G.pl, G.pb, G.pr);
    }
  } else if (pk == 1 && n->op == QE_OP_AVERAGE_POOL && qe_node_int(n, "count_include_pad", 0)) {
    if ((st = emit_pad_nhwc(L, in, &G, n->name, &in)) != QE_OK)
      return st;
    pk = 0;
  }
  int o;
  if ((st = make_output(L, i, dt, LAY_NHWC, &o)) != QE_OK)
    return st;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.padding = pk == 1 ? QE_PAD_SAME : QE_PAD_VALID;
  opt.stride_h = G.sh;
  opt.stride_w = G.sw;
  opt.filter_h = G.kh;
  opt.filter_w = G.kw;
  opt.activation = qn->act;
  return add_op(L, qn->qop, 1, &in, o, &opt, n->name);
}

static qe_status lower_mean(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = qe_node_input(n, 0), y = out_tensor(L, i);
  int in;
  qe_status st = need(L, x, dt, LAY_NHWC, &in);
  if (st)
    return st;
  const int32_t axes[2] = { 1, 2 };
  char *name = qe_strdup_printf("%s", n->name);
  if (!name)
    return oom(L);
  int ax;
  st = const_i32(L, name, "axes", 2, axes, 0, &ax);
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.keep_dims = true;
  int yr = onnx_rank(L, y);
  if (!st && (yr == 3 || yr == 4)) {
    int o;
    st = make_output(L, i, dt, LAY_NHWC, &o);
    if (!st) {
      int ins[2] = { in, ax };
      st = add_op(L, QE_QOP_MEAN, 2, ins, o, &opt, n->name);
    }
  } else if (!st) {
    /* keepdims = 0: MEAN into [N, 1, 1, C], then RESHAPE to the graph's */
    const qe_qtensor *it = &L->m->tensors[in];
    int32_t kd[4] = { it->dims[0], 1, 1, it->dims[3] };
    char *tn = qe_strdup_printf("%s_keepdims", L->g->tensors[y].name);
    int tmp, o;
    if (!tn) {
      free(name);
      return oom(L);
    }
    const qstate *q = L->q;
    if (dt == REP_Q)
      st = add_tensor(L, tn, QE_DT_I8, 4, kd, NULL, 0, 1, &q->qp[y].scale, &q->qp[y].zero_point, 0,
                      &tmp);
    else
      st = add_tensor(L, tn, QE_DT_F32, 4, kd, NULL, 0, 0, NULL, NULL, 0, &tmp);
    if (!st) {
      int ins[2] = { in, ax };
      st = add_op(L, QE_QOP_MEAN, 2, ins, tmp, &opt, n->name);
    }
    if (!st)
      st = make_output(L, i, dt, LAY_PLAIN, &o);
    if (!st) {
      int32_t d[QE_QMAX_RANK];
      int r;
      st = dims32(L, y, d, &r);
      int shape;
      if (!st)
        st = const_i32(L, tn, "shape", r, d, 0, &shape);
      if (!st) {
        int ins[2] = { tmp, shape };
        st = add_op(L, QE_QOP_RESHAPE, 2, ins, o, NULL, tn);
      }
    }
    free(tn);
  }
  free(name);
  return st;
}

static qe_status lower_pad(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = qe_node_input(n, 0);
  const int r = onnx_rank(L, x);
  int64_t pads[2 * QE_MAX_RANK];
  size_t cnt = 0;
  const int64_t *pa = qe_node_ints(n, "pads", &cnt);
  int pt = qe_node_input(n, 1);
  if (!pa && pt >= 0 && L->g->tensors[pt].data && L->g->tensors[pt].data->dtype == QE_DT_I64) {
    cnt = (size_t)qe_array_count(L->g->tensors[pt].data);
    pa = L->g->tensors[pt].data->data;
  }
  if (!pa || cnt != (size_t)(2 * r) || r > QE_QMAX_RANK)
    return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "node '%s': pads must be constant", n->name);
  memcpy(pads, pa, cnt * sizeof *pads);
  for (size_t k = 0; k < cnt; k++)
    if (pads[k] < 0)
      return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "node '%s': negative pads (cropping)", n->name);
  int lay = lay_of(L, x);
  int in, o;
  qe_status st = need(L, x, dt, lay, &in);
  if (st || (st = make_output(L, i, dt, lay, &o)) != QE_OK)
    return st;
  int32_t p[2 * QE_QMAX_RANK];
  int pr;
  if (lay == LAY_NHWC) {
    int32_t be[4][2] = { { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 } };
    be[0][0] = (int32_t)pads[0];
    be[0][1] = (int32_t)pads[r];
    be[3][0] = (int32_t)pads[1];
    be[3][1] = (int32_t)pads[r + 1];
    if (r == 4) {
      be[1][0] = (int32_t)pads[2];
      be[1][1] = (int32_t)pads[r + 2];
      be[2][0] = (int32_t)pads[3];
      be[2][1] = (int32_t)pads[r + 3];
    } else {
      be[2][0] = (int32_t)pads[2];
      be[2][1] = (int32_t)pads[r + 2];
    }
    memcpy(p, be, sizeof be);
    pr = 4;
  } else {
    for (int k = 0; k < r; k++) {
      p[2 * k] = (int32_t)pads[k];
      p[2 * k + 1] = (int32_t)pads[r + k];
    }
    pr = r;
  }
  int pc;
  if ((st = const_i32(L, n->name, "paddings", pr, p, 1, &pc)) != QE_OK)
    return st;
  int ins[2] = { in, pc };
  return add_op(L, QE_QOP_PAD, 2, ins, o, NULL, n->name);
}

static qe_status lower_reshape(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = qe_node_input(n, 0), y = out_tensor(L, i);
  int in, o;
  qe_status st = need(L, x, dt, LAY_PLAIN, &in);
  if (st || (st = make_output(L, i, dt, LAY_PLAIN, &o)) != QE_OK)
    return st;
  int32_t d[QE_QMAX_RANK];
  int r, shape;
  if ((st = dims32(L, y, d, &r)) != QE_OK ||
      (st = const_i32(L, n->name, "shape", r, d, 0, &shape)) != QE_OK)
    return st;
  int ins[2] = { in, shape };
  return add_op(L, QE_QOP_RESHAPE, 2, ins, o, NULL, n->name);
}

static qe_status lower_transpose(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = qe_node_input(n, 0);
  const int r = onnx_rank(L, x);
  int32_t perm[QE_QMAX_RANK];
  size_t cnt = 0;
  const int64_t *p = qe_node_ints(n, "perm", &cnt);
  for (int k = 0; k < r; k++)
    perm[k] = p && cnt == (size_t)r ? (int32_t)p[k] : r - 1 - k;
  int in, o, pc;
  qe_status st;
  /* NHWC -> NCHW of a 4-D tensor: its channels-last form is the input as
   * it is; NCHW -> NHWC of a tensor held channels-last: the result is that
   * form. No op then (graphs converted from TFLite keep such Transposes at
   * their input and before their output Reshapes). */
  const int y = out_tensor(L, i);
  static const int32_t nchw[4] = { 0, 3, 1, 2 }, nhwc[4] = { 0, 2, 3, 1 };
  const bool to_nchw = r == 4 && memcmp(perm, nchw, sizeof nchw) == 0;
  const bool to_nhwc = r == 4 && memcmp(perm, nhwc, sizeof nhwc) == 0 && lay_of(L, x) == LAY_NHWC;
  if ((to_nchw || to_nhwc) && !qe_graph_is_output(L->g, y) && L->g->tensors[y].rank == 4) {
    const int from = to_nchw ? LAY_PLAIN : LAY_NHWC, to = to_nchw ? LAY_NHWC : LAY_PLAIN;
    if ((st = need(L, x, dt, from, &in)) != QE_OK)
      return st;
    L->rep[y][dt][to] = in;
    L->prim[y] = in;
    L->prim_nhwc[y] = (unsigned char)to;
    return QE_OK;
  }
  st = need(L, x, dt, LAY_PLAIN, &in);
  if (st || (st = make_output(L, i, dt, LAY_PLAIN, &o)) != QE_OK ||
      (st = const_i32(L, n->name, "perm", r, perm, 0, &pc)) != QE_OK)
    return st;
  int ins[2] = { in, pc };
  return add_op(L, QE_QOP_TRANSPOSE, 2, ins, o, NULL, n->name);
}

/* TFLite's RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR (the quantizer took
 * only the forms they have). */
static qe_status lower_resize(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = qe_node_input(n, 0), y = out_tensor(L, i);
  const char *ctm = qe_node_string(n, "coordinate_transformation_mode", "half_pixel");
  int in, o, sz;
  qe_status st;
  if ((st = need(L, x, dt, LAY_NHWC, &in)) != QE_OK ||
      (st = make_output(L, i, dt, LAY_NHWC, &o)) != QE_OK)
    return st;
  const int32_t hw[2] = { (int32_t)L->g->tensors[y].dims[2], (int32_t)L->g->tensors[y].dims[3] };
  if ((st = const_i32(L, n->name, "size", 2, hw, 0, &sz)) != QE_OK)
    return st;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.align_corners = strcmp(ctm, "align_corners") == 0;
  opt.half_pixel_centers = strcmp(ctm, "half_pixel") == 0 ||
                           strcmp(ctm, "pytorch_half_pixel") == 0 ||
                           strcmp(ctm, "tf_half_pixel_for_nn") == 0;
  int ins[2] = { in, sz };
  return add_op(L, L->q->nodes[i].qop, 2, ins, o, &opt, n->name);
}

static qe_status lower_unary(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const qnode *qn = &L->q->nodes[i];
  const int x = qn->n_operands >= 1 ? qn->operands[0] : qe_node_input(n, 0);
  int lay = lay_of(L, x);
  if (qn->qop == QE_QOP_SOFTMAX) {
    int r = onnx_rank(L, x);
    int64_t axis = qe_node_int(n, "axis", n->opset && n->opset < 13 ? 1 : -1);
    if (axis < 0)
      axis += r;
    lay = (r == 4 && axis == 1) ? LAY_NHWC : LAY_PLAIN;
  }
  int in, o;
  qe_status st = need(L, x, dt, lay, &in);
  if (st || (st = make_output(L, i, dt, lay, &o)) != QE_OK)
    return st;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.beta = 1.0f;
  return add_op(L, qn->qop, 1, &in, o, &opt, n->name);
}

/* The values of an int64 / int32 constant, at most @max of them. */
static bool array_ints(const qe_array *a, int64_t *out, size_t max, size_t *n)
{
  const int64_t cnt = qe_array_count(a);
  if (!a || cnt < 0 || (size_t)cnt > max || (a->dtype != QE_DT_I64 && a->dtype != QE_DT_I32))
    return false;
  for (int64_t k = 0; k < cnt; k++)
    out[k] = a->dtype == QE_DT_I64 ? ((const int64_t *)a->data)[k] : ((const int32_t *)a->data)[k];
  *n = (size_t)cnt;
  return true;
}

static qe_status lower_batch_matmul(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  int ia, ib, o;
  qe_status st;
  if ((st = need(L, n->inputs[0], dt, LAY_PLAIN, &ia)) != QE_OK ||
      (st = need(L, n->inputs[1], dt, LAY_PLAIN, &ib)) != QE_OK ||
      (st = make_output(L, i, dt, LAY_PLAIN, &o)) != QE_OK)
    return st;
  int ins[2] = { ia, ib };
  return add_op(L, QE_QOP_BATCH_MATMUL, 2, ins, o, NULL, n->name);
}

static qe_status lower_gather(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = n->inputs[0], it = n->inputs[1];
  const int r = onnx_rank(L, x);
  int64_t axis = qe_node_int(n, "axis", 0);
  if (axis < 0)
    axis += r;
  if (axis < 0 || axis >= r)
    return qe_error(L->ctx, QE_ERR_INVALID, "node '%s': axis out of range", n->name);
  const qe_tensor *idx = &L->g->tensors[it];
  const int64_t cnt = qe_array_count(idx->data);
  const int64_t dim = L->g->tensors[x].dims[axis];
  int64_t iv[64];
  int32_t *v = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof *v);
  size_t got = 0;
  if (!v)
    return oom(L);
  /* ONNX allows negative indices, TFLite's GATHER does not */
  if (cnt <= 64 && array_ints(idx->data, iv, 64, &got) && (int64_t)got == cnt) {
    for (int64_t k = 0; k < cnt; k++)
      v[k] = (int32_t)(iv[k] < 0 ? iv[k] + dim : iv[k]);
  } else {
    free(v);
    return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "node '%s': more than 64 gather indices", n->name);
  }
  int in, o, ic;
  int32_t d[QE_QMAX_RANK];
  for (int k = 0; k < idx->rank && k < QE_QMAX_RANK; k++)
    d[k] = (int32_t)idx->dims[k];
  char *name = qe_strdup_printf("%s/indices", n->name);
  qe_status st = name ? QE_OK : oom(L);
  if (!st)
    st = add_tensor(L, name, QE_DT_I32, idx->rank, d, v, (size_t)cnt * sizeof *v, 0, NULL, NULL, 0,
                    &ic);
  free(name);
  free(v);
  if (st || (st = need(L, x, dt, LAY_PLAIN, &in)) != QE_OK ||
      (st = make_output(L, i, dt, LAY_PLAIN, &o)) != QE_OK)
    return st;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.axis = (int32_t)axis;
  int ins[2] = { in, ic };
  return add_op(L, QE_QOP_GATHER, 2, ins, o, &opt, n->name);
}

/* ReduceMean over any axes, in the graph's own element order. */
static qe_status lower_mean_general(lower *L, int i, int dt)
{
  const qe_node *n = &L->g->nodes[i];
  const int x = qe_node_input(n, 0);
  const int r = onnx_rank(L, x);
  size_t na = 0;
  const int64_t *axes = qe_node_ints(n, "axes", &na);
  int64_t buf[QE_QMAX_RANK];
  int at = qe_node_input(n, 1);
  if (!axes && at >= 0 && L->g->tensors[at].data) {
    size_t got = 0;
    if (array_ints(L->g->tensors[at].data, buf, QE_QMAX_RANK, &got)) {
      axes = buf;
      na = got;
    }
  }
  int32_t ax[QE_QMAX_RANK];
  int n_ax = 0;
  if (!axes || na == 0) {
    for (int k = 0; k < r; k++)
      ax[n_ax++] = k;
  } else {
    for (size_t k = 0; k < na && n_ax < QE_QMAX_RANK; k++)
      ax[n_ax++] = (int32_t)(axes[k] < 0 ? axes[k] + r : axes[k]);
  }
  int in, o, ac;
  qe_status st;
  if ((st = need(L, x, dt, LAY_PLAIN, &in)) != QE_OK ||
      (st = const_i32(L, n->name, "axes", n_ax, ax, 0, &ac)) != QE_OK ||
      (st = make_output(L, i, dt, LAY_PLAIN, &o)) != QE_OK)
    return st;
  qe_qop_options opt;
  qe_qop_options_init(&opt);
  opt.keep_dims = qe_node_int(n, "keepdims", 1) != 0;
  int ins[2] = { in, ac };
  return add_op(L, QE_QOP_MEAN, 2, ins, o, &opt, n->name);
}

/* An ONNX node kept in float: a one-node graph cut from the prepared graph
 * (its constant inputs as initializers), run by the float runtime. */
static qe_status lower_onnx(lower *L, int i)
{
  const qe_node *n = &L->g->nodes[i];
  int ins[16], n_in = 0, o;
  qe_status st;
  int acts[16];
  for (int k = 0; k < n->n_inputs; k++) {
    const int t = n->inputs[k];
    bool seen = false;
    if (t < 0 || L->g->tensors[t].data)
      continue;
    for (int j = 0; j < n_in; j++)
      seen |= acts[j] == t;
    if (seen)
      continue;
    if (n_in >= 16)
      return qe_error(L->ctx, QE_ERR_UNSUPPORTED, "node '%s': more than 16 inputs", n->name);
    if ((st = need(L, t, REP_F, LAY_PLAIN, &ins[n_in])) != QE_OK)
      return st;
    acts[n_in++] = t;
  }
  if ((st = make_output(L, i, REP_F, LAY_PLAIN, &o)) != QE_OK)
    return st;
  qe_graph *c = NULL;
  bool *drop = NULL;
  if ((st = qe_graph_clone(L->g, &c, L->ctx)) != QE_OK)
    return st;
  drop = calloc(c->n_nodes + 1, sizeof *drop);
  int *gi = malloc((size_t)(n_in + 1) * sizeof *gi);
  int *go = malloc(sizeof *go);
  if (!drop || !gi || !go) {
    st = oom(L);
    goto out;
  }
  for (size_t k = 0; k < c->n_nodes; k++)
    drop[k] = (int)k != i;
  for (size_t t = 0; t < c->n_tensors; t++)
    c->tensors[t].flags &= ~(unsigned)(QE_TENSOR_INPUT | QE_TENSOR_OUTPUT);
  for (int k = 0; k < n_in; k++) {
    gi[k] = acts[k];
    c->tensors[acts[k]].flags |= QE_TENSOR_INPUT;
  }
  go[0] = n->outputs[0];
  c->tensors[go[0]].flags |= QE_TENSOR_OUTPUT;
  free(c->inputs);
  free(c->outputs);
  c->inputs = gi;
  c->n_inputs = (size_t)n_in;
  c->outputs = go;
  c->n_outputs = 1;
  gi = go = NULL;
  if ((st = qe_graph_remove_nodes(c, drop, L->ctx)) != QE_OK ||
      (st = qe_graph_compact(c, NULL, L->ctx)) != QE_OK)
    goto out;
  int idx;
  if ((st = add_op(L, QE_QOP_ONNX, n_in, ins, o, NULL, n->name)) != QE_OK)
    goto out;
  idx = (int)L->m->n_ops - 1;
  st = qe_qmodel_set_op_graph(L->m, idx, c, L->ctx);
  c = NULL;
out:
  qe_graph_free(c);
  free(drop);
  free(gi);
  free(go);
  return st;
}

static qe_status lower_node(lower *L, int i)
{
  const qnode *qn = &L->q->nodes[i];
  qn_kind kind = L->kinds ? L->kinds[i] : qn->kind;
  if (kind == QN_NONE)
    return QE_OK;
  /* A general Clip is a requantization: it exists in int8 only. */
  if (qn->qop == QE_QOP_QUANTIZE)
    kind = QN_INT8;
  const int dt = kind == QN_INT8 ? REP_Q : REP_F;
  switch (qn->qop) {
  case QE_QOP_CONV_2D:
  case QE_QOP_DEPTHWISE_CONV_2D:
    return lower_conv(L, i, dt);
  case QE_QOP_FULLY_CONNECTED:
    return lower_fc(L, i, dt);
  case QE_QOP_ADD:
  case QE_QOP_MUL:
  case QE_QOP_SUB:
  case QE_QOP_DIV:
  case QE_QOP_SQUARED_DIFFERENCE:
    return lower_binary(L, i, dt);
  case QE_QOP_BATCH_MATMUL:
    return lower_batch_matmul(L, i, dt);
  case QE_QOP_GATHER:
    return lower_gather(L, i, dt);
  case QE_QOP_CONCATENATION:
    return lower_concat(L, i, dt);
  case QE_QOP_MAX_POOL_2D:
  case QE_QOP_AVERAGE_POOL_2D:
    return lower_pool(L, i, dt);
  case QE_QOP_MEAN:
    return qn->mean_general ? lower_mean_general(L, i, dt) : lower_mean(L, i, dt);
  case QE_QOP_PAD:
    return lower_pad(L, i, dt);
  case QE_QOP_RESHAPE:
    return lower_reshape(L, i, dt);
  case QE_QOP_TRANSPOSE:
    return lower_transpose(L, i, dt);
  case QE_QOP_RESIZE_BILINEAR:
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    return lower_resize(L, i, dt);
  case QE_QOP_SOFTMAX:
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
  case QE_QOP_HARD_SWISH:
  case QE_QOP_RELU:
  case QE_QOP_RELU6:
  case QE_QOP_QUANTIZE:
  case QE_QOP_RSQRT:
  case QE_QOP_SQRT:
  case QE_QOP_GELU:
    return lower_unary(L, i, dt);
  case QE_QOP_ONNX:
    return lower_onnx(L, i);
  default:
    return qe_error(L->ctx, QE_ERR_INTERNAL, "node '%s': no lowering for %s", L->g->nodes[i].name,
                    qe_qop_name(qn->qop));
  }
}

/* Rename any existing qmodel tensor called @name so the caller can use it. */
static qe_status free_name(lower *L, const char *name)
{
  for (size_t k = 0; k < L->m->n_tensors; k++) {
    qe_qtensor *t = &L->m->tensors[k];
    if (t->name && strcmp(t->name, name) == 0) {
      char *nn = qe_strdup_printf("%s_internal", name);
      if (!nn)
        return oom(L);
      free(t->name);
      t->name = nn;
    }
  }
  return QE_OK;
}

static qe_status lower_inputs(lower *L)
{
  const qe_quant_options *o = L->q->o;
  qe_status st;
  for (size_t i = 0; i < L->g->n_inputs; i++) {
    int t = L->g->inputs[i];
    int idx;
    if (o->input_type == QE_DT_F32) {
      if ((st = new_act(L, t, REP_F, LAY_PLAIN, NULL, &idx)) != QE_OK)
        return st;
    } else if (o->input_type == QE_DT_I8) {
      if ((st = new_act(L, t, REP_Q, LAY_PLAIN, NULL, &idx)) != QE_OK)
        return st;
    } else {
      /* uint8 input: same scale, zero point + 128, then QUANTIZE to int8 */
      int32_t d[QE_QMAX_RANK];
      int r;
      const qe_qparams *qp = &L->q->qp[t];
      int32_t zp = qp->zero_point + 128;
      if ((st = dims32(L, t, d, &r)) != QE_OK ||
          (st = add_tensor(L, L->g->tensors[t].name, QE_DT_U8, r, d, NULL, 0, 1, &qp->scale, &zp, 0,
                           &idx)) != QE_OK)
        return st;
      int q8;
      if ((st = new_act(L, t, REP_Q, LAY_PLAIN, "_int8", &q8)) != QE_OK ||
          (st = add_op(L, QE_QOP_QUANTIZE, 1, &idx, q8, NULL, L->m->tensors[q8].name)) != QE_OK)
        return st;
      L->rep[t][REP_Q][LAY_PLAIN] = q8;
    }
    if ((st = qe_qmodel_add_input(L->m, idx, L->ctx)) != QE_OK)
      return st;
    L->prim[t] = o->input_type == QE_DT_U8 ? L->rep[t][REP_Q][LAY_PLAIN] : idx;
    L->prim_nhwc[t] = LAY_PLAIN;
  }
  return QE_OK;
}

static qe_status lower_outputs(lower *L)
{
  const qe_quant_options *o = L->q->o;
  qe_status st;
  for (size_t i = 0; i < L->g->n_outputs; i++) {
    int t = L->g->outputs[i];
    const char *name = L->g->tensors[t].name;
    int idx;
    bool have_f = L->rep[t][REP_F][LAY_PLAIN] >= 0 || L->rep[t][REP_F][LAY_NHWC] >= 0;
    bool have_q = L->rep[t][REP_Q][LAY_PLAIN] >= 0 || L->rep[t][REP_Q][LAY_NHWC] >= 0;
    if (o->output_type == QE_DT_F32 && (have_f || !have_q)) {
      if ((st = need(L, t, REP_F, LAY_PLAIN, &idx)) != QE_OK)
        return st;
    } else if (o->output_type == QE_DT_F32) {
      int q8;
      if ((st = need(L, t, REP_Q, LAY_PLAIN, &q8)) != QE_OK || (st = free_name(L, name)) != QE_OK)
        return st;
      if ((st = add_tensor(L, name, QE_DT_F32, L->m->tensors[q8].rank, L->m->tensors[q8].dims, NULL,
                           0, 0, NULL, NULL, 0, &idx)) != QE_OK ||
          (st = add_op(L, QE_QOP_DEQUANTIZE, 1, &q8, idx, NULL, name)) != QE_OK)
        return st;
    } else {
      int q8;
      if ((st = need(L, t, REP_Q, LAY_PLAIN, &q8)) != QE_OK)
        return st;
      if (o->output_type == QE_DT_I8) {
        idx = q8;
        if (strcmp(L->m->tensors[q8].name, name) != 0) {
          if ((st = free_name(L, name)) != QE_OK)
            return st;
          char *nn = qe_strdup(name);
          if (!nn)
            return oom(L);
          free(L->m->tensors[q8].name);
          L->m->tensors[q8].name = nn;
        }
      } else {
        if ((st = free_name(L, name)) != QE_OK)
          return st;
        const qe_qtensor *qt = &L->m->tensors[q8];
        float scale = qt->scale[0];
        int32_t zp = qt->zero_point[0] + 128;
        if ((st = add_tensor(L, name, QE_DT_U8, qt->rank, qt->dims, NULL, 0, 1, &scale, &zp, 0,
                             &idx)) != QE_OK ||
            (st = add_op(L, QE_QOP_QUANTIZE, 1, &q8, idx, NULL, name)) != QE_OK)
          return st;
      }
    }
    if ((st = qe_qmodel_add_output(L->m, idx, L->ctx)) != QE_OK)
      return st;
  }
  return QE_OK;
}

qe_status qe_quant_lower(qstate *q, const qn_kind *kinds, qe_qmodel **out)
{
  *out = NULL;
  lower L = { .q = q, .g = q->g, .kinds = kinds, .ctx = q->ctx };
  const size_t nt = q->g->n_tensors;
  free(q->rep);
  free(q->prim);
  free(q->prim_nhwc);
  q->rep = malloc((nt ? nt : 1) * sizeof *q->rep);
  q->prim = malloc((nt ? nt : 1) * sizeof *q->prim);
  q->prim_nhwc = calloc(nt ? nt : 1, 1);
  if (!q->rep || !q->prim || !q->prim_nhwc)
    return qe_error(q->ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t t = 0; t < nt; t++) {
    q->rep[t][0][0] = q->rep[t][0][1] = q->rep[t][1][0] = q->rep[t][1][1] = -1;
    q->prim[t] = -1;
  }
  L.rep = q->rep;
  L.prim = q->prim;
  L.prim_nhwc = q->prim_nhwc;
  qe_status st = qe_qmodel_new(&L.m, q->ctx);
  if (st)
    return st;
  if ((st = lower_inputs(&L)) != QE_OK)
    goto fail;
  for (size_t i = 0; i < q->g->n_nodes; i++) {
    if ((st = lower_node(&L, (int)i)) != QE_OK) {
      if (st != QE_ERR_NOMEM)
        qe_error_prefix(q->ctx, "int8 model");
      goto fail;
    }
  }
  if ((st = lower_outputs(&L)) != QE_OK)
    goto fail;
  char desc[160];
  snprintf(desc, sizeof desc, "Quantized by Quantizer %s (%s weights %d-bit, %s calibration)",
           qe_version(),
           q->o->granularity == QE_GRANULARITY_PER_CHANNEL ? "per-channel" : "per-tensor",
           q->o->weight_bits, qe_calib_method_name(q->o->calib_method));
  if ((st = qe_qmodel_set_description(L.m, desc, q->ctx)) != QE_OK)
    goto fail;
  *out = L.m;
  return QE_OK;
fail:
  qe_qmodel_free(L.m);
  return st;
}
