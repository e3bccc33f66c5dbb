/* ops_reduce.c - ReduceMean/Max/Min/Sum/Prod/L2, ArgMax, ArgMin.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Accumulates in double over any set of axes, for every numeric type.
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

/* Which axes are reduced; *known false when the axes input is not known. */
static qe_status reduce_axes(const qe_node *n, int64_t opset, qe_ctx *ctx, int rank,
                             const qe_array *axes_in, bool axes_present, bool *mask, bool *known,
                             bool *noop)
{
  *known = true;
  *noop = false;
  for (int i = 0; i < QE_MAX_RANK; i++)
    mask[i] = false;
  int64_t axes[QE_MAX_RANK];
  size_t na = 0;
  bool have = false;
  size_t c;
  const int64_t *av = qe_node_ints(n, "axes", &c);
  bool input_form = n->op == QE_OP_REDUCE_SUM && opset >= 13;
  if (!input_form && av) {
    if (c > QE_MAX_RANK)
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "too many axes");
    memcpy(axes, av, c * sizeof(int64_t));
    na = c;
    have = true;
  } else if (input_form && axes_present) {
    if (!axes_in) {
      *known = false;
      return QE_OK;
    }
    if (!qe_array_get_ints(axes_in, axes, QE_MAX_RANK, &na))
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "too many axes");
    have = na > 0;
  }
  if (!have) {
    if (input_form && qe_node_int(n, "noop_with_empty_axes", 0)) {
      *noop = true;
      return QE_OK;
    }
    for (int i = 0; i < rank; i++)
      mask[i] = true;
    return QE_OK;
  }
  for (size_t i = 0; i < na; i++) {
    int ax;
    if (!qe_norm_axis(axes[i], rank, &ax))
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "axis %lld out of range", (long long)axes[i]);
    mask[ax] = true;
  }
  return QE_OK;
}

static bool numeric(qe_dtype t)
{
  return t == QE_DT_UNDEFINED ||
         ((qe_dtype_is_float(t) || qe_dtype_is_int(t)) && t != QE_DT_BF16 && t != QE_DT_I4);
}

static qe_status reduce_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (!numeric(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  a->out[0].dtype = x->dtype;
  if (x->rank < 0)
    return QE_OK;
  bool mask[QE_MAX_RANK], known, noop;
  bool ap = a->n_in > 1 && a->in[1].present;
  qe_status st = reduce_axes(a->node, a->opset, a->ctx, x->rank, ap ? a->in[1].value : NULL, ap,
                             mask, &known, &noop);
  if (st != QE_OK)
    return st;
  bool keep = qe_node_int(a->node, "keepdims", 1) != 0;
  if (!known) {
    if (keep)
      a->out[0].rank = x->rank;
    return QE_OK;
  }
  if (noop) {
    qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
    return QE_OK;
  }
  int64_t d[QE_MAX_RANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++) {
    if (mask[i]) {
      if (x->dims[i] == 0 && (a->node->op == QE_OP_REDUCE_MAX || a->node->op == QE_OP_REDUCE_MIN))
        return ERR("reducing an empty axis");
      if (keep)
        d[r++] = 1;
    } else {
      d[r++] = x->dims[i];
    }
  }
  qe_vinfo_set(&a->out[0], x->dtype, r, d);
  return QE_OK;
}

static qe_status reduce_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  bool mask[QE_MAX_RANK], known, noop;
  bool ap = a->n_in > 1 && a->in[1];
  qe_status st = reduce_axes(a->node, a->opset, a->ctx, X->rank, ap ? a->in[1] : NULL, ap, mask,
                             &known, &noop);
  if (st != QE_OK)
    return st;
  size_t ny = (size_t)qe_array_count(Y);
  if (noop) {
    memcpy(Y->data, X->data, qe_array_nbytes(X));
    return QE_OK;
  }
  qe_op op = a->node->op;
  double *acc = qe_scratch_get(a, ny * sizeof(double));
  if (!acc)
    return QE_ERR_NOMEM;
  double init = op == QE_OP_REDUCE_MAX    ? -INFINITY
                : op == QE_OP_REDUCE_MIN  ? INFINITY
                : op == QE_OP_REDUCE_PROD ? 1.0
                                          : 0.0;
  for (size_t i = 0; i < ny; i++)
    acc[i] = init;
  /* Output strides per input axis (0 for reduced axes). */
  int r = X->rank;
  int64_t ost[QE_MAX_RANK], s = 1;
  for (int i = r - 1; i >= 0; i--) {
    ost[i] = mask[i] ? 0 : s;
    s *= mask[i] ? 1 : X->dims[i];
  }
  int64_t total = qe_array_count(X), count = 1;
  for (int i = 0; i < r; i++)
    if (mask[i])
      count *= X->dims[i];
  int64_t idx[QE_MAX_RANK] = { 0 }, off = 0;
  bool f32 = X->dtype == QE_DT_F32;
  const float *xf = X->data;
  for (int64_t e = 0; e < total; e++) {
    double v = f32 ? xf[e] : qe_array_get_f64(X, (size_t)e);
    double *p = &acc[off];
    switch (op) {
    case QE_OP_REDUCE_MAX:
      *p = (v > *p || isnan(v)) ? v : *p;
      break;
    case QE_OP_REDUCE_MIN:
      *p = (v < *p || isnan(v)) ? v : *p;
      break;
    case QE_OP_REDUCE_PROD:
      *p *= v;
      break;
    case QE_OP_REDUCE_L2:
    case QE_OP_REDUCE_SUM_SQUARE:
      *p += v * v;
      break;
    case QE_OP_REDUCE_L1:
      *p += fabs(v);
      break;
    case QE_OP_REDUCE_LOG_SUM_EXP:
      *p += exp(v);
      break;
    default:
      *p += v;
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
  for (size_t i = 0; i < ny; i++) {
    double v = acc[i];
    if (op == QE_OP_REDUCE_MEAN)
      v = count ? v / (double)count : NAN;
    else if (op == QE_OP_REDUCE_L2)
      v = sqrt(v);
    else if (op == QE_OP_REDUCE_LOG_SUM || op == QE_OP_REDUCE_LOG_SUM_EXP)
      v = log(v);
    qe_array_set_f64(Y, i, v);
  }
  return QE_OK;
}

static qe_status argmax_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (!numeric(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  a->out[0].dtype = QE_DT_I64;
  if (x->rank < 0)
    return QE_OK;
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", 0), x->rank, &ax))
    return ERR("axis out of range");
  if (x->dims[ax] == 0)
    return ERR("empty axis");
  bool keep = qe_node_int(a->node, "keepdims", 1) != 0;
  int64_t d[QE_MAX_RANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (i != ax)
      d[r++] = x->dims[i];
    else if (keep)
      d[r++] = 1;
  qe_vinfo_set(&a->out[0], QE_DT_I64, r, d);
  return QE_OK;
}

static qe_status argmax_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", 0), X->rank, &ax);
  bool last = qe_node_int(a->node, "select_last_index", 0) != 0;
  bool is_max = a->node->op == QE_OP_ARG_MAX;
  int64_t outer = qe_dims_prod(X->dims, 0, ax), len = X->dims[ax];
  int64_t inner = qe_dims_prod(X->dims, ax + 1, X->rank);
  int64_t *y = a->out[0]->data;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      int64_t best = 0;
      double bv = qe_array_get_f64(X, (size_t)(o * len * inner + in));
      for (int64_t i = 1; i < len; i++) {
        double v = qe_array_get_f64(X, (size_t)((o * len + i) * inner + in));
        bool better = is_max ? (last ? v >= bv : v > bv) : (last ? v <= bv : v < bv);
        if (better) {
          bv = v;
          best = i;
        }
      }
      y[o * inner + in] = best;
    }
  return QE_OK;
}

const qe_op_def qe_ops_reduce[] = {
  { QE_OP_REDUCE_MEAN, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_MAX, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_MIN, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_SUM, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_PROD, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_L2, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_L1, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_SUM_SQUARE, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_LOG_SUM, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_REDUCE_LOG_SUM_EXP, reduce_infer, reduce_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_ARG_MAX, argmax_infer, argmax_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_ARG_MIN, argmax_infer, argmax_exec, NULL, 1, 1, 1, 1 },
};
const size_t qe_ops_reduce_count = QE_ARRAY_LEN(qe_ops_reduce);
