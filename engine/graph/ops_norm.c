/* ops_norm.c - Softmax, LogSoftmax, BatchNormalization,
 * InstanceNormalization, LayerNormalization and LRN (float32).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

/* Loops written to be vectorized: GCC does that at -O3 whatever the build
 * type. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

static qe_status f32_only(const qe_infer_args *a)
{
  for (int i = 0; i < a->n_in; i++)
    if (a->in[i].present && a->in[i].dtype != QE_DT_UNDEFINED && a->in[i].dtype != QE_DT_F32)
      return UNSUP("input %d of type %s (only float32 runs in float)", i,
                   qe_dtype_name(a->in[i].dtype));
  return QE_OK;
}

static qe_status same_infer(const qe_infer_args *a)
{
  qe_vinfo_set(&a->out[0], QE_DT_F32, a->in[0].rank, a->in[0].dims);
  return QE_OK;
}

/* ---- Softmax, LogSoftmax ------------------------------------------------ */

static qe_status softmax_infer(const qe_infer_args *a)
{
  qe_status st = f32_only(a);
  if (st != QE_OK)
    return st;
  if (a->in[0].rank >= 0) {
    int ax;
    int64_t axis = qe_node_int(a->node, "axis", a->opset < 13 ? 1 : -1);
    if (!qe_norm_axis(axis, a->in[0].rank == 0 ? 1 : a->in[0].rank, &ax))
      return ERR("axis %lld out of range", (long long)axis);
  }
  return same_infer(a);
}

static qe_status softmax_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int r = X->rank;
  int ax;
  int64_t axis = qe_node_int(a->node, "axis", a->opset < 13 ? 1 : -1);
  if (r == 0) {
    *(float *)a->out[0]->data = a->node->op == QE_OP_LOG_SOFTMAX ? 0.0f : 1.0f;
    return QE_OK;
  }
  qe_norm_axis(axis, r, &ax);
  int64_t outer = qe_dims_prod(X->dims, 0, ax), len, inner;
  if (a->opset < 13) {
    len = qe_dims_prod(X->dims, ax, r);
    inner = 1;
  } else {
    len = X->dims[ax];
    inner = qe_dims_prod(X->dims, ax + 1, r);
  }
  const float *x = X->data;
  float *y = a->out[0]->data;
  bool lg = a->node->op == QE_OP_LOG_SOFTMAX;
  if (a->node->op == QE_OP_HARDMAX) {
    for (int64_t o = 0; o < outer; o++)
      for (int64_t in = 0; in < inner; in++) {
        const float *xp = x + o * len * inner + in;
        float *yp = y + o * len * inner + in;
        int64_t best = 0;
        for (int64_t i = 0; i < len; i++) {
          yp[i * inner] = 0.0f;
          if (xp[i * inner] > xp[best * inner])
            best = i;
        }
        if (len)
          yp[best * inner] = 1.0f;
      }
    return QE_OK;
  }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      const float *xp = x + o * len * inner + in;
      float *yp = y + o * len * inner + in;
      float mx = -INFINITY;
      for (int64_t i = 0; i < len; i++)
        mx = xp[i * inner] > mx ? xp[i * inner] : mx;
      double sum = 0;
      for (int64_t i = 0; i < len; i++) {
        float e = expf(xp[i * inner] - mx);
        if (!lg)
          yp[i * inner] = e;
        sum += e;
      }
      if (lg) {
        float ls = (float)log(sum);
        for (int64_t i = 0; i < len; i++)
          yp[i * inner] = xp[i * inner] - mx - ls;
      } else {
        float inv = (float)(1.0 / sum);
        for (int64_t i = 0; i < len; i++)
          yp[i * inner] *= inv;
      }
    }
  return QE_OK;
}

/* ---- BatchNormalization -------------------------------------------------- */

static qe_status bn_infer(const qe_infer_args *a)
{
  qe_status st = f32_only(a);
  if (st != QE_OK)
    return st;
  if (qe_node_int(a->node, "training_mode", 0) != 0 || a->n_out > 1)
    return UNSUP("training mode (batch statistics) is not run by the engine");
  const qe_vinfo *x = &a->in[0];
  if (x->rank >= 0 && x->rank < 2)
    return ERR("input of rank %d", x->rank);
  int64_t C = x->rank >= 2 ? x->dims[1] : -1;
  for (int i = 1; i < 5; i++) {
    const qe_vinfo *p = &a->in[i];
    if (p->rank < 0)
      continue;
    if (p->rank != 1 || (C >= 0 && p->dims[0] >= 0 && p->dims[0] != C))
      return ERR("parameter %d does not have %lld values", i, (long long)C);
  }
  return same_infer(a);
}

static qe_status bn_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  const float *x = X->data, *sc = a->in[1]->data, *b = a->in[2]->data, *m = a->in[3]->data,
              *v = a->in[4]->data;
  float *y = a->out[0]->data;
  float eps = qe_node_float(a->node, "epsilon", 1e-5f);
  int64_t N = X->dims[0], C = X->dims[1], S = qe_dims_prod(X->dims, 2, X->rank);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      float k = sc[c] / sqrtf(v[c] + eps);
      float off = b[c] - m[c] * k;
      const float *xp = x + (n * C + c) * S;
      float *yp = y + (n * C + c) * S;
      for (int64_t i = 0; i < S; i++)
        yp[i] = xp[i] * k + off;
    }
  return QE_OK;
}

static int64_t elems_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                          int n_out)
{
  int64_t c = out[0].rank >= 0 ? qe_dims_prod(out[0].dims, 0, out[0].rank) : -1;
  return c < 0 ? 0 : c;
}

/* ---- InstanceNormalization ------------------------------------------------- */

static qe_status in_infer(const qe_infer_args *a)
{
  qe_status st = f32_only(a);
  if (st != QE_OK)
    return st;
  const qe_vinfo *x = &a->in[0];
  if (x->rank >= 0 && x->rank < 3)
    return ERR("input of rank %d", x->rank);
  return same_infer(a);
}

static qe_status in_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  const float *x = X->data, *sc = a->in[1]->data, *b = a->in[2]->data;
  float *y = a->out[0]->data;
  float eps = qe_node_float(a->node, "epsilon", 1e-5f);
  int64_t N = X->dims[0], C = X->dims[1], S = qe_dims_prod(X->dims, 2, X->rank);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      const float *xp = x + (n * C + c) * S;
      float *yp = y + (n * C + c) * S;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < S; i++)
        mean += xp[i];
      mean /= (double)S;
      for (int64_t i = 0; i < S; i++)
        var += (xp[i] - mean) * (xp[i] - mean);
      var /= (double)S;
      float k = (float)(sc[c] / sqrt(var + eps));
      float off = (float)(b[c] - mean * k);
      for (int64_t i = 0; i < S; i++)
        yp[i] = xp[i] * k + off;
    }
  return QE_OK;
}

/* ---- LayerNormalization ------------------------------------------------------ */

static qe_status ln_infer(const qe_infer_args *a)
{
  qe_status st = f32_only(a);
  if (st != QE_OK)
    return st;
  const qe_vinfo *x = &a->in[0];
  if (x->rank < 0)
    return same_infer(a);
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", -1), x->rank, &ax))
    return ERR("axis out of range");
  int64_t nd[QE_MAX_RANK];
  int nr = x->rank - ax;
  memcpy(nd, x->dims + ax, nr * sizeof(int64_t));
  for (int i = 1; i < a->n_in; i++) {
    const qe_vinfo *p = &a->in[i];
    if (!p->present || p->rank < 0)
      continue;
    int r;
    int64_t od[QE_MAX_RANK];
    if (!qe_broadcast_shape(nr, nd, p->rank, p->dims, &r, od) || r != nr)
      return ERR("scale/bias do not broadcast to the normalized shape");
  }
  same_infer(a);
  for (int i = 1; i < a->n_out; i++) {
    qe_vinfo_set(&a->out[i], QE_DT_F32, x->rank, x->dims);
    for (int k = ax; k < x->rank; k++)
      a->out[i].dims[k] = 1;
  }
  return QE_OK;
}

static qe_status ln_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", -1), X->rank, &ax);
  float eps = qe_node_float(a->node, "epsilon", 1e-5f);
  int64_t outer = qe_dims_prod(X->dims, 0, ax), len = qe_dims_prod(X->dims, ax, X->rank);
  /* Expand scale and bias to the normalized shape once. */
  float *sb = qe_scratch_get(a, (size_t)len * 2 * sizeof(float));
  if (!sb)
    return QE_ERR_NOMEM;
  for (int k = 0; k < 2; k++) {
    const qe_array *P = a->n_in > 1 + k ? a->in[1 + k] : NULL;
    qe_array tmp = { .dtype = QE_DT_F32, .rank = X->rank - ax, .data = sb + k * len };
    memcpy(tmp.dims, X->dims + ax, (size_t)tmp.rank * sizeof(int64_t));
    if (P)
      qe_broadcast_copy(P, &tmp);
    else
      for (int64_t i = 0; i < len; i++)
        sb[k * len + i] = k == 0 ? 1.0f : 0.0f;
  }
  const float *x = X->data;
  float *y = a->out[0]->data;
  float *om = a->n_out > 1 && a->out[1] ? a->out[1]->data : NULL;
  float *oi = a->n_out > 2 && a->out[2] ? a->out[2]->data : NULL;
  for (int64_t o = 0; o < outer; o++) {
    const float *xp = x + o * len;
    float *yp = y + o * len;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < len; i++)
      mean += xp[i];
    mean /= (double)len;
    for (int64_t i = 0; i < len; i++)
      var += (xp[i] - mean) * (xp[i] - mean);
    var /= (double)len;
    float inv = (float)(1.0 / sqrt(var + eps));
    float fm = (float)mean;
    for (int64_t i = 0; i < len; i++)
      yp[i] = (xp[i] - fm) * inv * sb[i] + sb[len + i];
    if (om)
      om[o] = fm;
    if (oi)
      oi[o] = inv;
  }
  return QE_OK;
}

/* ---- LRN ------------------------------------------------------------------- */

static qe_status lrn_infer(const qe_infer_args *a)
{
  qe_status st = f32_only(a);
  if (st != QE_OK)
    return st;
  int64_t size = qe_node_int(a->node, "size", 0);
  if (size < 1)
    return ERR("size must be positive");
  if (a->in[0].rank >= 0 && a->in[0].rank < 2)
    return ERR("input of rank %d", a->in[0].rank);
  return same_infer(a);
}

static qe_status lrn_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  float alpha = qe_node_float(a->node, "alpha", 1e-4f),
        beta = qe_node_float(a->node, "beta", 0.75f);
  float bias = qe_node_float(a->node, "bias", 1.0f);
  int64_t size = qe_node_int(a->node, "size", 1);
  int64_t N = X->dims[0], C = X->dims[1], S = qe_dims_prod(X->dims, 2, X->rank);
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  const float *x = X->data;
  float *y = a->out[0]->data;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t s = 0; s < S; s++) {
        double sq = 0;
        for (int64_t k = c - lo; k <= c + hi; k++)
          if (k >= 0 && k < C) {
            float v = x[(n * C + k) * S + s];
            sq += v * v;
          }
        float v = x[(n * C + c) * S + s];
        y[(n * C + c) * S + s] = v / powf(bias + alpha / (float)size * (float)sq, beta);
      }
  return QE_OK;
}

/* ---- MeanVarianceNormalization ---------------------------------------------- */

static qe_status mvn_infer(const qe_infer_args *a)
{
  qe_status st = f32_only(a);
  if (st != QE_OK)
    return st;
  size_t c;
  const int64_t *axes = qe_node_ints(a->node, "axes", &c);
  for (size_t i = 0; axes && i < c && a->in[0].rank >= 0; i++) {
    int ax;
    if (!qe_norm_axis(axes[i], a->in[0].rank, &ax))
      return ERR("axis %lld out of range", (long long)axes[i]);
  }
  if (!axes && a->in[0].rank >= 0 && a->in[0].rank < 4)
    return ERR("the default axes [0, 2, 3] need a 4-D input");
  return same_infer(a);
}

static qe_status mvn_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int r = X->rank;
  bool mask[QE_MAX_RANK] = { false };
  size_t c;
  const int64_t *axes = qe_node_ints(a->node, "axes", &c);
  static const int64_t def[3] = { 0, 2, 3 };
  if (!axes) {
    axes = def;
    c = 3;
  }
  for (size_t i = 0; i < c; i++) {
    int ax;
    if (qe_norm_axis(axes[i], r, &ax))
      mask[ax] = true;
  }
  /* Statistics per kept index: strides of the reduced layout. */
  int64_t ost[QE_MAX_RANK], s = 1, cnt = 1;
  for (int i = r - 1; i >= 0; i--) {
    ost[i] = mask[i] ? 0 : s;
    s *= mask[i] ? 1 : X->dims[i];
    cnt *= mask[i] ? X->dims[i] : 1;
  }
  double *acc = qe_scratch_get(a, (size_t)s * 2 * sizeof(double));
  if (!acc)
    return QE_ERR_NOMEM;
  memset(acc, 0, (size_t)s * 2 * sizeof(double));
  const float *x = X->data;
  float *y = a->out[0]->data;
  int64_t total = qe_array_count(X);
  for (int pass = 0; pass < 2; pass++) {
    int64_t idx[QE_MAX_RANK] = { 0 }, off = 0;
    for (int64_t e = 0; e < total; e++) {
      if (pass == 0) {
        acc[off] += x[e];
        acc[s + off] += (double)x[e] * x[e];
      } else {
        double mean = acc[off] / (double)cnt;
        double var = acc[s + off] / (double)cnt - mean * mean;
        y[e] = (float)((x[e] - mean) / (sqrt(var > 0 ? var : 0) + 1e-9));
      }
      for (int i = r - 1; i >= 0; i--) {
        idx[i]++;
        off += ost[i];
        if (idx[i] < X->dims[i])
          break;
        off -= ost[i] * idx[i];
        idx[i] = 0;
      }
    }
  }
  return QE_OK;
}

const qe_op_def qe_ops_norm[] = {
  { QE_OP_SOFTMAX, softmax_infer, softmax_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_LOG_SOFTMAX, softmax_infer, softmax_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_HARDMAX, softmax_infer, softmax_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_BATCH_NORM, bn_infer, bn_exec, elems_macs, 5, 5, 1, 5 },
  { QE_OP_INSTANCE_NORM, in_infer, in_exec, elems_macs, 3, 3, 1, 1 },
  { QE_OP_LAYER_NORM, ln_infer, ln_exec, elems_macs, 2, 3, 1, 3 },
  { QE_OP_LRN, lrn_infer, lrn_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_MEAN_VARIANCE_NORMALIZATION, mvn_infer, mvn_exec, NULL, 1, 1, 1, 1 },
};
const size_t qe_ops_norm_count = QE_ARRAY_LEN(qe_ops_norm);
