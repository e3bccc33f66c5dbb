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

const qe_op_def qe_ops_quant[] = {
  { QE_OP_QUANTIZE_LINEAR, q_infer, q_exec, NULL, 2, 3, 1, 1 },
  { QE_OP_DEQUANTIZE_LINEAR, dq_infer, dq_exec, NULL, 2, 3, 1, 1 },
  { QE_OP_DYNAMIC_QUANTIZE_LINEAR, dql_infer, dql_exec, NULL, 1, 1, 1, 3 },
};
const size_t qe_ops_quant_count = QE_ARRAY_LEN(qe_ops_quant);
