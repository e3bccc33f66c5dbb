/* ops_quant.c - QuantizeLinear and DequantizeLinear exactly as ONNX
 * defines them (opset 10 per-tensor, opset 13 per-axis): int8, uint8 and
 * int32 (dequantize), round half to even, saturation.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

/* Validate scale / zero point shapes against the input; *axis_out is -1
 * for per-tensor. */
static qe_status qparams(const qe_infer_args *a, int *axis_out)
{
  const qe_vinfo *x = &a->in[0], *s = &a->in[1];
  const qe_vinfo *zp = a->n_in > 2 && a->in[2].present ? &a->in[2] : NULL;
  *axis_out = -1;
  if (s->dtype != QE_DT_UNDEFINED && s->dtype != QE_DT_F32)
    return UNSUP("scale of type %s", qe_dtype_name(s->dtype));
  if (s->rank > 1)
    return ERR("scale must be a scalar or 1-D");
  if (zp && zp->rank >= 0 && s->rank >= 0 &&
      (zp->rank != s->rank ||
       (s->rank == 1 && zp->dims[0] >= 0 && s->dims[0] >= 0 && zp->dims[0] != s->dims[0])))
    return ERR("zero point and scale shapes differ");
  bool per_axis = s->rank == 1 && !(s->dims[0] == 1 && a->opset < 13);
  if (s->rank == 1 && s->dims[0] == 1 && x->rank >= 0) {
    /* A 1-element 1-D scale is per-tensor unless the axis has size 1. */
    int ax;
    if (!qe_norm_axis(qe_node_int(a->node, "axis", 1), x->rank, &ax) || x->dims[ax] != 1)
      per_axis = false;
  }
  if (!per_axis)
    return QE_OK;
  if (a->opset < 13)
    return ERR("per-axis parameters need opset 13");
  if (x->rank < 0)
    return QE_OK;
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", 1), x->rank, &ax))
    return ERR("axis out of range for rank %d", x->rank);
  if (x->dims[ax] >= 0 && s->dims[0] >= 0 && s->dims[0] != x->dims[ax])
    return ERR("%lld scales for an axis of %lld", (long long)s->dims[0], (long long)x->dims[ax]);
  *axis_out = ax;
  return QE_OK;
}

static qe_status q_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_F32 && x->dtype != QE_DT_I32)
    return UNSUP("input of type %s", qe_dtype_name(x->dtype));
  qe_dtype out = QE_DT_U8;
  if (a->n_in > 2 && a->in[2].present)
    out = a->in[2].dtype;
  if (out != QE_DT_U8 && out != QE_DT_I8 && out != QE_DT_UNDEFINED)
    return UNSUP("quantizing to %s", qe_dtype_name(out));
  int ax;
  qe_status st = qparams(a, &ax);
  if (st != QE_OK)
    return st;
  qe_vinfo_set(&a->out[0], out, x->rank, x->dims);
  return QE_OK;
}

static qe_status dq_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_U8 && x->dtype != QE_DT_I8 &&
      x->dtype != QE_DT_I32)
    return UNSUP("input of type %s", qe_dtype_name(x->dtype));
  if (a->n_in > 2 && a->in[2].present && a->in[2].dtype != QE_DT_UNDEFINED &&
      x->dtype != QE_DT_UNDEFINED && a->in[2].dtype != x->dtype)
    return ERR("zero point type %s differs from the input's %s", qe_dtype_name(a->in[2].dtype),
               qe_dtype_name(x->dtype));
  int ax;
  qe_status st = qparams(a, &ax);
  if (st != QE_OK)
    return st;
  qe_vinfo_set(&a->out[0], QE_DT_F32, x->rank, x->dims);
  return QE_OK;
}

/* Axis layout for the exec functions. */
static void layout(const qe_array *X, int ax, int64_t *outer, int64_t *ch, int64_t *inner)
{
  if (ax < 0) {
    *outer = 1;
    *ch = 1;
    *inner = qe_array_count(X);
    return;
  }
  *outer = qe_dims_prod(X->dims, 0, ax);
  *ch = X->dims[ax];
  *inner = qe_dims_prod(X->dims, ax + 1, X->rank);
}

static int exec_axis(const qe_exec_args *a)
{
  qe_vinfo vin[3], vout[1];
  for (int i = 0; i < a->n_in && i < 3; i++)
    qe_vinfo_from_array(&vin[i], a->in[i]);
  qe_infer_args ia = { a->node, a->opset, a->n_in, vin, 1, vout, a->ctx };
  int ax = -1;
  qparams(&ia, &ax);
  return ax;
}

static qe_status q_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *S = a->in[1];
  const qe_array *Z = a->n_in > 2 ? a->in[2] : NULL;
  qe_array *Y = a->out[0];
  int ax = exec_axis(a);
  int64_t outer, ch, inner;
  layout(X, ax, &outer, &ch, &inner);
  double lo = Y->dtype == QE_DT_I8 ? -128 : 0, hi = Y->dtype == QE_DT_I8 ? 127 : 255;
  const float *s = S->data;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < ch; c++) {
      float sc = s[ax < 0 ? 0 : c];
      double zp = Z ? qe_array_get_f64(Z, (size_t)(ax < 0 ? 0 : c)) : 0;
      for (int64_t i = 0; i < inner; i++) {
        size_t k = (size_t)((o * ch + c) * inner + i);
        double x = X->dtype == QE_DT_F32 ? ((const float *)X->data)[k]
                                         : (double)((const int32_t *)X->data)[k];
        /* x / scale in float, as the reference computes it. */
        float q = (float)x / sc;
        double v = nearbyint((double)q) + zp;
        if (isnan(v))
          v = 0;
        v = v < lo ? lo : (v > hi ? hi : v);
        if (Y->dtype == QE_DT_I8)
          ((int8_t *)Y->data)[k] = (int8_t)v;
        else
          ((uint8_t *)Y->data)[k] = (uint8_t)v;
      }
    }
  return QE_OK;
}

static qe_status dq_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *S = a->in[1];
  const qe_array *Z = a->n_in > 2 ? a->in[2] : NULL;
  float *y = a->out[0]->data;
  int ax = exec_axis(a);
  int64_t outer, ch, inner;
  layout(X, ax, &outer, &ch, &inner);
  const float *s = S->data;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < ch; c++) {
      float sc = s[ax < 0 ? 0 : c];
      int64_t zp = Z ? qe_array_get_i64(Z, (size_t)(ax < 0 ? 0 : c)) : 0;
      for (int64_t i = 0; i < inner; i++) {
        size_t k = (size_t)((o * ch + c) * inner + i);
        int64_t q = qe_array_get_i64(X, k);
        y[k] = (float)(q - zp) * sc;
      }
    }
  return QE_OK;
}

/* DynamicQuantizeLinear: uint8 with a range that always includes 0. */
static qe_status dql_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_F32)
    return UNSUP("input of type %s", qe_dtype_name(x->dtype));
  qe_vinfo_set(&a->out[0], QE_DT_U8, x->rank, x->dims);
  if (a->n_out > 1)
    qe_vinfo_set(&a->out[1], QE_DT_F32, 0, NULL);
  if (a->n_out > 2)
    qe_vinfo_set(&a->out[2], QE_DT_U8, 0, NULL);
  return QE_OK;
}

static qe_status dql_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  const float *x = X->data;
  int64_t n = qe_array_count(X);
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < n; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  float scale = (hi - lo) / 255.0f;
  double zp = scale > 0 ? nearbyint((double)(0.0f - lo / scale)) : 0;
  zp = zp < 0 ? 0 : (zp > 255 ? 255 : zp);
  uint8_t *y = a->out[0]->data;
  for (int64_t i = 0; i < n; i++) {
    double v = scale > 0 ? nearbyint((double)(x[i] / scale)) + zp : zp;
    y[i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
  }
  if (a->n_out > 1 && a->out[1])
    *(float *)a->out[1]->data = scale;
  if (a->n_out > 2 && a->out[2])
    *(uint8_t *)a->out[2]->data = (uint8_t)zp;
  return QE_OK;
}

/* ---- integer convolution and matrix product (QOperator models) -------------- */

/* Zero point @zp (may be NULL) at index @i (per-channel when it has more
 * than one element). */
static int32_t zp_at(const qe_array *zp, int64_t i)
{
  if (!zp || qe_array_count(zp) == 0)
    return 0;
  return (int32_t)qe_array_get_i64(zp, (size_t)(qe_array_count(zp) == 1 ? 0 : i));
}

static float scale_at(const qe_array *s, int64_t i)
{
  return (float)qe_array_get_f64(s, (size_t)(qe_array_count(s) == 1 ? 0 : i));
}

static bool is8(qe_dtype t)
{
  return t == QE_DT_UNDEFINED || t == QE_DT_I8 || t == QE_DT_U8;
}

/* Integer convolution into int64 accumulators: acc[n, m, out...] =
 * sum (x - xz) (w - wz[m]); padding contributes 0 (it holds x's zero
 * point). */
static qe_status int_conv(const qe_exec_args *a, const qe_array *X, const qe_array *W,
                          const qe_array *xz, const qe_array *wz, int64_t *acc,
                          const int64_t *out_dims)
{
  int nsp = X->rank - 2;
  qe_conv_geom g;
  qe_status st = qe_conv_geometry(a->node, a->ctx, nsp, X->dims + 2, W->dims + 2, false, &g);
  if (st != QE_OK)
    return st;
  int64_t in[3] = { 1, 1, 1 }, out[3] = { 1, 1, 1 }, k[3] = { 1, 1, 1 }, s[3] = { 1, 1, 1 },
          d[3] = { 1, 1, 1 }, pb[3] = { 0, 0, 0 };
  int off = 3 - nsp;
  for (int i = 0; i < nsp; i++) {
    in[off + i] = g.in[i];
    out[off + i] = out_dims[2 + i];
    k[off + i] = g.k[i];
    s[off + i] = g.s[i];
    d[off + i] = g.d[i];
    pb[off + i] = g.pb[i];
  }
  int64_t group = qe_node_int(a->node, "group", 1);
  int64_t N = X->dims[0], C = X->dims[1], M = W->dims[0], Cg = C / group, Mg = M / group;
  int64_t isp = in[0] * in[1] * in[2], osp = out[0] * out[1] * out[2];
  int64_t kvol = k[0] * k[1] * k[2];
  int32_t x0 = zp_at(xz, 0);
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++) {
      int64_t gi = m / Mg;
      int32_t w0 = zp_at(wz, m);
      for (int64_t od = 0; od < out[0]; od++)
        for (int64_t oh = 0; oh < out[1]; oh++)
          for (int64_t ow = 0; ow < out[2]; ow++) {
            int64_t sum = 0;
            for (int64_t c = 0; c < Cg; c++) {
              int64_t xc = (n * C + gi * Cg + c) * isp, wc = (m * Cg + c) * kvol;
              for (int64_t kd = 0; kd < k[0]; kd++) {
                int64_t id = od * s[0] - pb[0] + kd * d[0];
                if (id < 0 || id >= in[0])
                  continue;
                for (int64_t kh = 0; kh < k[1]; kh++) {
                  int64_t ih = oh * s[1] - pb[1] + kh * d[1];
                  if (ih < 0 || ih >= in[1])
                    continue;
                  for (int64_t kw = 0; kw < k[2]; kw++) {
                    int64_t iw = ow * s[2] - pb[2] + kw * d[2];
                    if (iw < 0 || iw >= in[2])
                      continue;
                    int64_t xv = qe_array_get_i64(X, (size_t)(xc + (id * in[1] + ih) * in[2] + iw));
                    int64_t wv = qe_array_get_i64(W, (size_t)(wc + (kd * k[1] + kh) * k[2] + kw));
                    sum += (xv - x0) * (wv - w0);
                  }
                }
              }
            }
            acc[(n * M + m) * osp + (od * out[1] + oh) * out[2] + ow] = sum;
          }
    }
  return QE_OK;
}

/* The int64 accumulators of @n outputs (scratch). */
static int64_t *accumulators(const qe_exec_args *a, int64_t n)
{
  return qe_scratch_get(a, (size_t)(n ? n : 1) * sizeof(int64_t));
}

/* ConvInteger / MatMulInteger: the accumulators as the int32 output. */
static void store_i32(qe_array *Y, const int64_t *acc, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    ((int32_t *)Y->data)[i] = (int32_t)acc[i];
}

/* QLinearConv / QLinearMatMul: the output type, y_zero_point's (else x's). */
static qe_dtype ql_out_type(const qe_infer_args *a)
{
  return a->in[7].dtype != QE_DT_UNDEFINED ? a->in[7].dtype : a->in[0].dtype;
}

static qe_status conv_shape(const qe_infer_args *a, int xi, int wi, qe_dtype out_t)
{
  const qe_vinfo *x = &a->in[xi], *w = &a->in[wi];
  if (!is8(x->dtype) || !is8(w->dtype))
    return UNSUP("types %s / %s (int8 and uint8 only)", qe_dtype_name(x->dtype),
                 qe_dtype_name(w->dtype));
  a->out[0].dtype = out_t;
  if (x->rank < 0 || w->rank < 0)
    return QE_OK;
  if (x->rank < 3 || x->rank > 5 || w->rank != x->rank)
    return ERR("input and weights of ranks %d and %d", x->rank, w->rank);
  int64_t group = qe_node_int(a->node, "group", 1);
  if (group < 1 || (x->dims[1] >= 0 && w->dims[1] >= 0 && x->dims[1] != w->dims[1] * group) ||
      (w->dims[0] >= 0 && w->dims[0] % group))
    return ERR("channels do not match the weights and group");
  qe_conv_geom g;
  qe_status st =
      qe_conv_geometry(a->node, a->ctx, x->rank - 2, x->dims + 2, w->dims + 2, false, &g);
  if (st != QE_OK)
    return st;
  int64_t d[QE_MAX_RANK] = { x->dims[0], w->dims[0] };
  for (int i = 0; i < g.nsp; i++)
    d[2 + i] = g.out[i];
  qe_vinfo_set(&a->out[0], out_t, x->rank, d);
  return QE_OK;
}

static qe_status convint_infer(const qe_infer_args *a)
{
  return conv_shape(a, 0, 1, QE_DT_I32);
}

static qe_status convint_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t n = qe_array_count(Y);
  int64_t *acc = accumulators(a, n);
  if (!acc)
    return QE_ERR_NOMEM;
  qe_status st = int_conv(a, a->in[0], a->in[1], a->n_in > 2 ? a->in[2] : NULL,
                          a->n_in > 3 ? a->in[3] : NULL, acc, Y->dims);
  if (st != QE_OK)
    return st;
  store_i32(Y, acc, n);
  return QE_OK;
}

static qe_status qlconv_infer(const qe_infer_args *a)
{
  qe_dtype yt = ql_out_type(a);
  if (!is8(yt))
    return UNSUP("output type %s", qe_dtype_name(yt));
  if (a->n_in > 8 && a->in[8].present && a->in[8].dtype != QE_DT_UNDEFINED &&
      a->in[8].dtype != QE_DT_I32)
    return ERR("bias must be int32");
  return conv_shape(a, 0, 3, yt);
}

static void requant(qe_array *Y, int64_t i, double v, int32_t yz)
{
  double q = nearbyint(v) + yz;
  double lo = Y->dtype == QE_DT_I8 ? -128 : 0, hi = Y->dtype == QE_DT_I8 ? 127 : 255;
  if (isnan(q))
    q = yz;
  q = q < lo ? lo : (q > hi ? hi : q);
  qe_array_set_i64(Y, (size_t)i, (int64_t)q);
}

static qe_status qlconv_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t n = qe_array_count(Y);
  int64_t *acc = accumulators(a, n);
  if (!acc)
    return QE_ERR_NOMEM;
  const qe_array *xs = a->in[1], *ws = a->in[4], *ys = a->in[6], *yz = a->in[7];
  const qe_array *B = a->n_in > 8 ? a->in[8] : NULL;
  qe_status st = int_conv(a, a->in[0], a->in[3], a->in[2], a->in[5], acc, Y->dims);
  if (st != QE_OK)
    return st;
  int64_t M = Y->dims[1], osp = qe_dims_prod(Y->dims, 2, Y->rank);
  float xsv = scale_at(xs, 0), ysv = scale_at(ys, 0);
  int32_t yzv = zp_at(yz, 0);
  for (int64_t i = 0; i < n; i++) {
    int64_t m = (i / osp) % M;
    int64_t v = acc[i] + (B ? qe_array_get_i64(B, (size_t)m) : 0);
    float mult = xsv * scale_at(ws, m) / ysv;
    requant(Y, i, (double)((float)v * mult), yzv);
  }
  return QE_OK;
}

/* MatMul on integers: A [..., M, K] - a_zp (scalar or per row M),
 * B [..., K, N] - b_zp (scalar or per column N); 2-D B or matching
 * batches. */
static qe_status int_matmul(const qe_exec_args *a, const qe_array *A, const qe_array *B,
                            const qe_array *az, const qe_array *bz, int64_t *acc, const qe_array *Y)
{
  int ra = A->rank, rb = B->rank;
  int64_t M = ra == 1 ? 1 : A->dims[ra - 2], K = A->dims[ra - 1], N = rb == 1 ? 1 : B->dims[rb - 1];
  int64_t batches = qe_array_count(Y) / (M * N > 0 ? M * N : 1);
  int64_t na = qe_array_count(A) / (M * K > 0 ? M * K : 1);
  int64_t nb = qe_array_count(B) / (K * N > 0 ? K * N : 1);
  if ((na != 1 && na != batches) || (nb != 1 && nb != batches))
    return qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, "broadcast batch dimensions");
  for (int64_t t = 0; t < batches; t++) {
    int64_t ao = (na == 1 ? 0 : t) * M * K, bo = (nb == 1 ? 0 : t) * K * N;
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        int64_t s = 0;
        int32_t a0 = zp_at(az, i), b0 = zp_at(bz, j);
        for (int64_t k = 0; k < K; k++)
          s += (qe_array_get_i64(A, (size_t)(ao + i * K + k)) - a0) *
               (qe_array_get_i64(B, (size_t)(bo + k * N + j)) - b0);
        acc[(t * M + i) * N + j] = s;
      }
  }
  return QE_OK;
}

static qe_status mm_shape(const qe_infer_args *a, int ai, int bi, qe_dtype out_t)
{
  const qe_vinfo *A = &a->in[ai], *B = &a->in[bi];
  if (!is8(A->dtype) || !is8(B->dtype))
    return UNSUP("types %s / %s (int8 and uint8 only)", qe_dtype_name(A->dtype),
                 qe_dtype_name(B->dtype));
  a->out[0].dtype = out_t;
  if (A->rank < 1 || B->rank < 1)
    return QE_OK;
  int64_t K1 = A->dims[A->rank - 1], K2 = B->rank == 1 ? B->dims[0] : B->dims[B->rank - 2];
  if (K1 >= 0 && K2 >= 0 && K1 != K2)
    return ERR("inner dimensions %lld and %lld differ", (long long)K1, (long long)K2);
  int r1, r;
  int64_t bd[QE_MAX_RANK], d[QE_MAX_RANK];
  int ba = A->rank > 2 ? A->rank - 2 : 0, bb = B->rank > 2 ? B->rank - 2 : 0;
  if (!qe_broadcast_shape(ba, A->dims, bb, B->dims, &r1, bd))
    return ERR("batch dimensions do not broadcast");
  r = r1;
  memcpy(d, bd, sizeof(int64_t) * r1);
  if (A->rank > 1)
    d[r++] = A->dims[A->rank - 2];
  if (B->rank > 1)
    d[r++] = B->dims[B->rank - 1];
  qe_vinfo_set(&a->out[0], out_t, r, d);
  return QE_OK;
}

static qe_status mmint_infer(const qe_infer_args *a)
{
  return mm_shape(a, 0, 1, QE_DT_I32);
}

static qe_status mmint_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t n = qe_array_count(Y);
  int64_t *acc = accumulators(a, n);
  if (!acc)
    return QE_ERR_NOMEM;
  qe_status st = int_matmul(a, a->in[0], a->in[1], a->n_in > 2 ? a->in[2] : NULL,
                            a->n_in > 3 ? a->in[3] : NULL, acc, Y);
  if (st != QE_OK)
    return st;
  store_i32(Y, acc, n);
  return QE_OK;
}

static qe_status qlmm_infer(const qe_infer_args *a)
{
  qe_dtype yt = ql_out_type(a);
  if (!is8(yt))
    return UNSUP("output type %s", qe_dtype_name(yt));
  return mm_shape(a, 0, 3, yt);
}

static qe_status qlmm_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t n = qe_array_count(Y);
  int64_t *acc = accumulators(a, n);
  if (!acc)
    return QE_ERR_NOMEM;
  qe_status st = int_matmul(a, a->in[0], a->in[3], a->in[2], a->in[5], acc, Y);
  if (st != QE_OK)
    return st;
  int64_t N = Y->rank >= 1 ? Y->dims[Y->rank - 1] : 1;
  int64_t M = Y->rank >= 2 ? Y->dims[Y->rank - 2] : 1;
  float ysv = scale_at(a->in[6], 0);
  int32_t yz = zp_at(a->in[7], 0);
  for (int64_t i = 0; i < n; i++) {
    int64_t col = i % N, row = (i / N) % M;
    float mult = scale_at(a->in[1], row) * scale_at(a->in[4], col) / ysv;
    requant(Y, i, (double)((float)acc[i] * mult), yz);
  }
  return QE_OK;
}

const qe_op_def qe_ops_quant[] = {
  { QE_OP_QUANTIZE_LINEAR, q_infer, q_exec, NULL, 2, 3, 1, 1 },
  { QE_OP_DEQUANTIZE_LINEAR, dq_infer, dq_exec, NULL, 2, 3, 1, 1 },
  { QE_OP_DYNAMIC_QUANTIZE_LINEAR, dql_infer, dql_exec, NULL, 1, 1, 1, 3 },
  { QE_OP_CONV_INTEGER, convint_infer, convint_exec, NULL, 2, 4, 1, 1 },
  { QE_OP_MAT_MUL_INTEGER, mmint_infer, mmint_exec, NULL, 2, 4, 1, 1 },
  { QE_OP_QLINEAR_CONV, qlconv_infer, qlconv_exec, NULL, 8, 9, 1, 1 },
  { QE_OP_QLINEAR_MAT_MUL, qlmm_infer, qlmm_exec, NULL, 8, 8, 1, 1 },
};
const size_t qe_ops_quant_count = QE_ARRAY_LEN(qe_ops_quant);
