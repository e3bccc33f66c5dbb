/* qe_qmodel_float.c - float32 versions of the int8 model's ops, for the
 * layers that stay in float between DEQUANTIZE and QUANTIZE. Host only
 * (libm); plain loops in the order of TFLite's reference kernels.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe/qe_runtime.h"
#include "qe_internal.h"
#include "qe_qmodel_private.h"

static float clampf(float v, float lo, float hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

static void conv_f32(const qe_qop_prep *p, bool depthwise, const float *in, const float *w,
                     const float *bias, float *out)
{
  const qe_kdims *id = &p->in_dims, *fd = &p->filter_dims, *od = &p->out_dims;
  const qe_kconv_params *c = &p->conv;
  int32_t b, oy, ox, oc, ky, kx, ic;
  for (b = 0; b < od->n; b++)
    for (oy = 0; oy < od->h; oy++)
      for (ox = 0; ox < od->w; ox++)
        for (oc = 0; oc < od->c; oc++) {
          float acc = 0.0f;
          for (ky = 0; ky < fd->h; ky++) {
            const int32_t iy = oy * c->stride_h - c->pad_h + c->dilation_h * ky;
            if (iy < 0 || iy >= id->h)
              continue;
            for (kx = 0; kx < fd->w; kx++) {
              const int32_t ix = ox * c->stride_w - c->pad_w + c->dilation_w * kx;
              const float *src;
              if (ix < 0 || ix >= id->w)
                continue;
              src = in + (((size_t)b * id->h + iy) * id->w + ix) * (size_t)id->c;
              if (depthwise) {
                acc += src[oc / c->depth_multiplier] * w[((size_t)ky * fd->w + kx) * fd->c + oc];
              } else {
                const float *wr = w + (((size_t)oc * fd->h + ky) * fd->w + kx) * (size_t)fd->c;
                for (ic = 0; ic < id->c; ic++)
                  acc += src[ic] * wr[ic];
              }
            }
          }
          if (bias != NULL)
            acc += bias[oc];
          out[(((size_t)b * od->h + oy) * od->w + ox) * (size_t)od->c + oc] =
              clampf(acc, p->act_min_f, p->act_max_f);
        }
}

static void pool_f32(const qe_qop_prep *p, bool avg, const float *in, float *out)
{
  const qe_kdims *id = &p->in_dims, *od = &p->out_dims;
  const qe_kpool_params *q = &p->pool;
  int32_t b, oy, ox, c, y, x;
  for (b = 0; b < od->n; b++)
    for (oy = 0; oy < od->h; oy++)
      for (ox = 0; ox < od->w; ox++)
        for (c = 0; c < od->c; c++) {
          const int32_t iy0 = oy * q->stride_h - q->pad_h, ix0 = ox * q->stride_w - q->pad_w;
          float acc = avg ? 0.0f : -INFINITY;
          int count = 0;
          for (y = QE_MAX(0, -iy0); y < QE_MIN(q->filter_h, id->h - iy0); y++)
            for (x = QE_MAX(0, -ix0); x < QE_MIN(q->filter_w, id->w - ix0); x++) {
              const float v =
                  in[(((size_t)b * id->h + iy0 + y) * id->w + ix0 + x) * (size_t)id->c + c];
              if (avg)
                acc += v;
              else if (v > acc)
                acc = v;
              count++;
            }
          if (avg)
            acc = count > 0 ? acc / (float)count : 0.0f;
          out[(((size_t)b * od->h + oy) * od->w + ox) * (size_t)od->c + c] =
              clampf(acc, p->act_min_f, p->act_max_f);
        }
}

float qe_qmodel_gelu_f32(float x, bool approximate)
{
  if (approximate) {
    const float k = (float)(1.12837916709551257390 * 0.70710678118654752440);
    return 0.5f * x * (1.f + tanhf(k * (x + 0.044715f * x * x * x)));
  }
  /* erf in double, as TFLite 2.9's expression types make it */
  return (float)((double)(0.5f * x) * (1.0 + erf((double)x * 0.70710678118654752440)));
}

/* TFLite's float ResizeBilinear (ComputeInterpolationValues). */
static void resize_bilinear_f32(const qe_qop_prep *p, const qe_qop_options *o, const float *in,
                                float *out)
{
  const qe_kdims *d = &p->in_dims;
  const int32_t oh = p->resize_h, ow = p->resize_w;
  const float hs =
      (o->align_corners && oh > 1) ? (float)(d->h - 1) / (float)(oh - 1) : (float)d->h / (float)oh;
  const float ws =
      (o->align_corners && ow > 1) ? (float)(d->w - 1) / (float)(ow - 1) : (float)d->w / (float)ow;
  int32_t b, y, x, c;
  for (b = 0; b < d->n; b++)
    for (y = 0; y < oh; y++) {
      const float iy = o->half_pixel_centers ? ((float)y + 0.5f) * hs - 0.5f : (float)y * hs;
      const int32_t y0 = QE_MAX((int32_t)floorf(iy), 0);
      const int32_t y1 = QE_MIN((int32_t)ceilf(iy), d->h - 1);
      for (x = 0; x < ow; x++) {
        const float ix = o->half_pixel_centers ? ((float)x + 0.5f) * ws - 0.5f : (float)x * ws;
        const int32_t x0 = QE_MAX((int32_t)floorf(ix), 0);
        const int32_t x1 = QE_MIN((int32_t)ceilf(ix), d->w - 1);
        const float *r0 = in + ((size_t)b * d->h + y0) * d->w * (size_t)d->c;
        const float *r1 = in + ((size_t)b * d->h + y1) * d->w * (size_t)d->c;
        for (c = 0; c < d->c; c++)
          *out++ = r0[(size_t)x0 * d->c + c] * (1 - (iy - y0)) * (1 - (ix - x0)) +
                   r1[(size_t)x0 * d->c + c] * (iy - y0) * (1 - (ix - x0)) +
                   r0[(size_t)x1 * d->c + c] * (1 - (iy - y0)) * (ix - x0) +
                   r1[(size_t)x1 * d->c + c] * (iy - y0) * (ix - x0);
      }
    }
}

/* An ONNX node kept in float, run by the engine's float runtime. */
static qe_status run_onnx(const qe_qmodel *m, const qe_qop *op, const void *const *in, void *out,
                          qe_ctx *ctx)
{
  const qe_graph *g = op->graph;
  qe_array *arrays[16] = { NULL };
  qe_array **outs = NULL;
  qe_status st = QE_OK;
  int k;
  if (op->n_inputs > 16)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "ONNX op '%s': more than 16 inputs",
                    op->name ? op->name : "");
  for (k = 0; k < op->n_inputs && !st; k++) {
    const qe_tensor *t = &g->tensors[g->inputs[k]];
    if ((st = qe_array_new(QE_DT_F32, t->rank, t->dims, &arrays[k], ctx)) == QE_OK)
      memcpy(arrays[k]->data, in[k], qe_array_nbytes(arrays[k]));
  }
  if (!st)
    st = qe_run_graph(g, (size_t)op->n_inputs, (const qe_array *const *)arrays, &outs, ctx);
  if (!st) {
    const qe_qtensor *ot = &m->tensors[op->output];
    const size_t bytes = (size_t)qe_qtensor_count(ot) * sizeof(float);
    if (outs[0] == NULL || outs[0]->dtype != QE_DT_F32 || qe_array_nbytes(outs[0]) != bytes)
      st = qe_error(ctx, QE_ERR_INTERNAL, "ONNX op '%s': output of an unexpected type or shape",
                    op->name ? op->name : "");
    else
      memcpy(out, outs[0]->data, bytes);
  }
  for (k = 0; k < op->n_inputs; k++)
    qe_array_free(arrays[k]);
  for (k = 0; outs && (size_t)k < g->n_outputs; k++)
    qe_array_free(outs[k]);
  free(outs);
  return st;
}

int32_t qe_qmodel_f32_op(qe_qop_type t)
{
  switch (t) {
  case QE_QOP_SUB:
    return QE_KF32_SUB;
  case QE_QOP_MUL:
    return QE_KF32_MUL;
  case QE_QOP_DIV:
    return QE_KF32_DIV;
  case QE_QOP_SQUARED_DIFFERENCE:
    return QE_KF32_SQUARED_DIFFERENCE;
  default:
    return QE_KF32_ADD;
  }
}

qe_status qe_qmodel_run_float_op(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                                 qe_ctx *ctx)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_qtensor *ot = &m->tensors[op->output];
  const size_t n = (size_t)qe_qtensor_count(ot);
  const float *x = in[0];
  float *y = out;
  size_t k;
  qe_kstatus ks = QE_K_OK;

  switch (op->type) {
  case QE_QOP_CONV_2D:
  case QE_QOP_DEPTHWISE_CONV_2D:
    conv_f32(p, op->type == QE_QOP_DEPTHWISE_CONV_2D, x, in[1],
             op->n_inputs > 2 ? (const float *)in[2] : NULL, y);
    break;
  case QE_QOP_FULLY_CONNECTED:
    ks = qe_f32_fully_connected(p->fc_batches, p->fc_accum, p->fc_out, p->act_min_f, p->act_max_f,
                                x, in[1], op->n_inputs > 2 ? (const float *)in[2] : NULL, y);
    break;
  case QE_QOP_ADD:
  case QE_QOP_MUL:
  case QE_QOP_SUB:
  case QE_QOP_DIV:
  case QE_QOP_SQUARED_DIFFERENCE:
    ks = qe_f32_binary(qe_qmodel_f32_op(op->type), p->act_min_f, p->act_max_f, &p->in_dims, x,
                       &p->in2_dims, in[1], &p->out_dims, y);
    break;
  case QE_QOP_BATCH_MATMUL:
    ks = qe_f32_batch_matmul(&p->bmm, p->bmm_lhs, x, p->bmm_rhs, in[1], y);
    break;
  case QE_QOP_GATHER:
    ks = qe_k_gather(sizeof(float), p->gather_outer, p->gather_axis_dim, p->gather_inner,
                     p->gather_indices, p->gather_n, x, y);
    break;
  case QE_QOP_SQRT:
  case QE_QOP_RSQRT:
    ks = qe_f32_sqrt(op->type == QE_QOP_RSQRT, n, x, y);
    break;
  case QE_QOP_GELU:
    for (k = 0; k < n; k++)
      y[k] = qe_qmodel_gelu_f32(x[k], op->opt.approximate);
    break;
  case QE_QOP_ONNX:
    return run_onnx(m, op, in, out, ctx);
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
    pool_f32(p, op->type == QE_QOP_AVERAGE_POOL_2D, x, y);
    break;
  case QE_QOP_MEAN:
    ks = qe_f32_mean(p->rank, p->dims, p->mean_axes_mask, x, y);
    break;
  case QE_QOP_SOFTMAX: {
    int32_t r, j;
    for (r = 0; r < p->rows; r++) {
      const float *xr = x + (size_t)r * p->depth;
      float *yr = y + (size_t)r * p->depth;
      float mx = xr[0], sum = 0.0f;
      for (j = 1; j < p->depth; j++)
        mx = xr[j] > mx ? xr[j] : mx;
      for (j = 0; j < p->depth; j++) {
        yr[j] = expf((xr[j] - mx) * op->opt.beta);
        sum += yr[j];
      }
      for (j = 0; j < p->depth; j++)
        yr[j] /= sum;
    }
    break;
  }
  case QE_QOP_LOGISTIC:
    for (k = 0; k < n; k++)
      y[k] = 1.0f / (1.0f + expf(-x[k]));
    break;
  case QE_QOP_TANH:
    for (k = 0; k < n; k++)
      y[k] = tanhf(x[k]);
    break;
  case QE_QOP_HARD_SWISH:
    for (k = 0; k < n; k++)
      y[k] = x[k] * clampf(x[k] + 3.0f, 0.0f, 6.0f) / 6.0f;
    break;
  case QE_QOP_RELU:
  case QE_QOP_RELU6:
    ks = qe_f32_clamp(p->act_min_f, p->act_max_f, n, x, y);
    break;
  case QE_QOP_PAD: {
    const float zero = 0.0f;
    ks = qe_k_pad(sizeof(float), p->rank, p->dims, p->pad_before, p->pad_after, &zero, x, y);
    break;
  }
  case QE_QOP_TRANSPOSE:
    ks = qe_k_transpose(sizeof(float), p->rank, p->dims, p->perm, x, y);
    break;
  case QE_QOP_CONCATENATION:
    ks = qe_k_concat(sizeof(float), op->n_inputs, in, p->concat_axis_dims, p->concat_outer,
                     p->concat_inner, y);
    break;
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    ks = qe_k_resize_nearest(sizeof(float), &p->in_dims, p->resize_h, p->resize_w, p->resize_ymap,
                             p->resize_xmap, x, y);
    break;
  case QE_QOP_RESIZE_BILINEAR:
    resize_bilinear_f32(p, &op->opt, x, y);
    break;
  default:
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "op %zu (%s): no float implementation", i,
                    qe_qop_name(op->type));
  }
  if (ks != QE_K_OK)
    return qe_error(ctx, QE_ERR_INTERNAL, "op %zu (%s): float kernel refused its arguments (%d)", i,
                    qe_qop_name(op->type), (int)ks);
  return QE_OK;
}
