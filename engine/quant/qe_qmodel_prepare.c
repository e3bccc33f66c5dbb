/* qe_qmodel_prepare.c - validation of an int8 model and computation of the
 * kernels' parameters, exactly as TFLite's Prepare functions compute them
 * (the float/double precision of each step matters for bit-exactness and
 * is kept as TFLite has it).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_graph.h"
#include "qe_internal.h"
#include "qe_qmodel_private.h"
#include "qe_requant_s8.h"

typedef struct pctx {
  qe_qmodel *m;
  size_t i; /* op index */
  const qe_qop *op;
  qe_qop_prep *p;
  qe_ctx *ctx;
} pctx;

static qe_status op_error(pctx *c, qe_status st, const char *fmt, ...) QE_PRINTF(3, 4);

static qe_status op_error(pctx *c, qe_status st, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (c->op->name != NULL && c->op->name[0] != '\0')
    return qe_error(c->ctx, st, "op %zu (%s '%s'): %s", c->i, qe_qop_name(c->op->type), c->op->name,
                    msg);
  return qe_error(c->ctx, st, "op %zu (%s): %s", c->i, qe_qop_name(c->op->type), msg);
}

/* Input @k's tensor, NULL when omitted. */
static qe_qtensor *in_t(pctx *c, int k)
{
  if (k >= c->op->n_inputs || c->op->inputs[k] < 0)
    return NULL;
  return &c->m->tensors[c->op->inputs[k]];
}

static qe_qtensor *out_t(pctx *c)
{
  return &c->m->tensors[c->op->output];
}

static qe_status need_inputs(pctx *c, int min, int max)
{
  int k;
  if (c->op->n_inputs < min || c->op->n_inputs > max)
    return op_error(c, QE_ERR_INVALID, "%d inputs, expected %d to %d", c->op->n_inputs, min, max);
  for (k = 0; k < min; k++)
    if (c->op->inputs[k] < 0)
      return op_error(c, QE_ERR_INVALID, "input %d is missing", k);
  return QE_OK;
}

static qe_status need_type(pctx *c, const qe_qtensor *t, const char *what, qe_dtype type)
{
  if (t->type != type)
    return op_error(c, QE_ERR_UNSUPPORTED, "%s '%s' is %s, expected %s", what, t->name,
                    qe_dtype_name(t->type), qe_dtype_name(type));
  return QE_OK;
}

/* Per-tensor quantization of an 8-bit activation. */
static qe_status need_qparams(pctx *c, const qe_qtensor *t, const char *what)
{
  if (t->n_quant != 1)
    return op_error(c, QE_ERR_INVALID, "%s '%s' needs per-tensor quantization (has %zu scales)",
                    what, t->name, t->n_quant);
  if (!(t->scale[0] > 0.0f) || !isfinite(t->scale[0]))
    return op_error(c, QE_ERR_NUMERIC, "%s '%s' has scale %g", what, t->name, (double)t->scale[0]);
  if (t->type == QE_DT_I8 && (t->zero_point[0] < -128 || t->zero_point[0] > 127))
    return op_error(c, QE_ERR_INVALID, "%s '%s' has zero point %d outside int8", what, t->name,
                    (int)t->zero_point[0]);
  if (t->type == QE_DT_U8 && (t->zero_point[0] < 0 || t->zero_point[0] > 255))
    return op_error(c, QE_ERR_INVALID, "%s '%s' has zero point %d outside uint8", what, t->name,
                    (int)t->zero_point[0]);
  return QE_OK;
}

/* Two float inputs (@a, @b). */
static qe_status need_f32_binary(pctx *c, const qe_qtensor *a, const qe_qtensor *b)
{
  qe_status st = need_type(c, a, "input 0", QE_DT_F32);
  return st != QE_OK ? st : need_type(c, b, "input 1", QE_DT_F32);
}

/* Two int8 inputs (@a, @b) and an int8 output @out, all with per-tensor
 * quantization. */
static qe_status need_s8_binary(pctx *c, const qe_qtensor *a, const qe_qtensor *b,
                                const qe_qtensor *out)
{
  qe_status st;
  if ((st = need_type(c, a, "input 0", QE_DT_I8)) != QE_OK ||
      (st = need_type(c, b, "input 1", QE_DT_I8)) != QE_OK ||
      (st = need_type(c, out, "output", QE_DT_I8)) != QE_OK ||
      (st = need_qparams(c, a, "input 0")) != QE_OK ||
      (st = need_qparams(c, b, "input 1")) != QE_OK ||
      (st = need_qparams(c, out, "output")) != QE_OK)
    return st;
  return QE_OK;
}

/* int8 input @in and output @out with per-tensor quantization; between
 * the type and the quantization checks, when @w is not NULL, weights of
 * int8 or int4 (@w_what: "filter", "weights"; @w_is: "is", "are"). */
static qe_status need_s8_io(pctx *c, const qe_qtensor *in, const qe_qtensor *out,
                            const qe_qtensor *w, const char *w_what, const char *w_is)
{
  qe_status st;
  if ((st = need_type(c, in, "input", QE_DT_I8)) != QE_OK ||
      (st = need_type(c, out, "output", QE_DT_I8)) != QE_OK)
    return st;
  if (w != NULL && w->type != QE_DT_I8 && w->type != QE_DT_I4)
    return op_error(c, QE_ERR_UNSUPPORTED, "%s '%s' %s %s, expected int8 or int4", w_what, w->name,
                    w_is, qe_dtype_name(w->type));
  if ((st = need_qparams(c, in, "input")) != QE_OK ||
      (st = need_qparams(c, out, "output")) != QE_OK)
    return st;
  return QE_OK;
}

static qe_status need_const(pctx *c, const qe_qtensor *t, const char *what)
{
  int64_t n = qe_qtensor_count(t);
  size_t es = qe_qtensor_elem_size(t);
  size_t need = 0;
  if (t->type == QE_DT_I4)
    need = n < 0 ? 0 : (size_t)(n + 1) / 2;
  else if (n >= 0)
    need = (size_t)n * es;
  if (t->data == NULL || n < 0 || t->data_size < need)
    return op_error(c, QE_ERR_INVALID, "%s '%s' must be a constant of %zu bytes (has %zu)", what,
                    t->name, need, t->data == NULL ? (size_t)0 : t->data_size);
  return QE_OK;
}

static bool same_dims(const qe_qtensor *t, int rank, const int32_t *dims)
{
  int i;
  if (t->rank != rank)
    return false;
  for (i = 0; i < rank; i++)
    if (t->dims[i] != dims[i])
      return false;
  return true;
}

static const char *dims_str(const int32_t *d, int rank, char *buf, size_t size)
{
  int64_t v[QE_QMAX_RANK];
  int i;
  for (i = 0; i < rank && i < QE_QMAX_RANK; i++)
    v[i] = d[i];
  return qe_dims_to_string(v, rank, buf, size);
}

static qe_status need_out_dims(pctx *c, int rank, const int32_t *dims)
{
  char a[96], b[96];
  const qe_qtensor *o = out_t(c);
  if (!same_dims(o, rank, dims))
    return op_error(c, QE_ERR_SHAPE, "output '%s' has shape %s, the op makes %s", o->name,
                    dims_str(o->dims, o->rank, a, sizeof(a)), dims_str(dims, rank, b, sizeof(b)));
  return QE_OK;
}

/* Reads element @k of an int32 or int64 constant. */
static int64_t const_int(const qe_qtensor *t, int64_t k)
{
  if (t->type == QE_DT_I64)
    return ((const int64_t *)t->data)[k];
  return ((const int32_t *)t->data)[k];
}

static qe_status need_int_const(pctx *c, const qe_qtensor *t, const char *what)
{
  if (t->type != QE_DT_I32 && t->type != QE_DT_I64)
    return op_error(c, QE_ERR_UNSUPPORTED, "%s '%s' is %s, expected int32", what, t->name,
                    qe_dtype_name(t->type));
  return need_const(c, t, what);
}

/* TFLite's CalculateActivationRangeQuantized. */
static void act_range_q(qe_activation a, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                        int32_t *lo, int32_t *hi)
{
#define QUANT_(f) (zp + (int32_t)roundf((f) / scale))
  *lo = qmin;
  *hi = qmax;
  if (a == QE_ACT_RELU) {
    *lo = QE_MAX(qmin, QUANT_(0.0f));
  } else if (a == QE_ACT_RELU6) {
    *lo = QE_MAX(qmin, QUANT_(0.0f));
    *hi = QE_MIN(qmax, QUANT_(6.0f));
  } else if (a == QE_ACT_RELU_N1_TO_1) {
    *lo = QE_MAX(qmin, QUANT_(-1.0f));
    *hi = QE_MIN(qmax, QUANT_(1.0f));
  }
#undef QUANT_
}

static void act_range_f(qe_activation a, float *lo, float *hi)
{
  *lo = -INFINITY;
  *hi = INFINITY;
  if (a == QE_ACT_RELU) {
    *lo = 0.0f;
  } else if (a == QE_ACT_RELU6) {
    *lo = 0.0f;
    *hi = 6.0f;
  } else if (a == QE_ACT_RELU_N1_TO_1) {
    *lo = -1.0f;
    *hi = 1.0f;
  }
}

/* Narrow activations: an int8 activation tensor (no data) whose weight_bits
 * is 2..7 holds values of that many bits; ops clamp their output to it
 * (-8..7 for 4 bits). */
static bool narrow_bits(const qe_qtensor *t)
{
  return !t->data && t->type == QE_DT_I8 && t->weight_bits >= 2 && t->weight_bits < 8;
}

static void narrow_range(const qe_qtensor *t, int32_t *lo, int32_t *hi)
{
  if (!narrow_bits(t))
    return;
  const int32_t m = (int32_t)1 << (t->weight_bits - 1);
  *lo = QE_MAX(*lo, -m);
  *hi = QE_MIN(*hi, m - 1);
}

static qe_status set_act(pctx *c)
{
  const qe_qtensor *o = out_t(c);
  if ((unsigned)c->op->opt.activation > QE_ACT_RELU6)
    return op_error(c, QE_ERR_UNSUPPORTED, "fused activation %d", (int)c->op->opt.activation);
  act_range_f(c->op->opt.activation, &c->p->act_min_f, &c->p->act_max_f);
  if (o->type == QE_DT_I8) {
    int32_t lo, hi;
    act_range_q(c->op->opt.activation, o->scale[0], o->zero_point[0], -128, 127, &lo, &hi);
    narrow_range(o, &lo, &hi);
    c->p->conv.act_min = c->p->fc.act_min = c->p->add.act_min = c->p->mul.act_min =
        c->p->pool.act_min = lo;
    c->p->conv.act_max = c->p->fc.act_max = c->p->add.act_max = c->p->mul.act_max =
        c->p->pool.act_max = hi;
    if (lo > hi)
      return op_error(c, QE_ERR_INVALID, "fused activation leaves no output value");
  }
  return QE_OK;
}

/* CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED in float: input, weights
 * (@w_what) and bias (when not NULL) float, the fused activation set. */
static qe_status prep_weighted_f32(pctx *c, const qe_qtensor *in, const qe_qtensor *w,
                                   const char *w_what, const qe_qtensor *bias)
{
  qe_status st;
  c->p->impl = QE_QIMPL_F32;
  if ((st = need_type(c, in, "input", QE_DT_F32)) != QE_OK ||
      (st = need_type(c, w, w_what, QE_DT_F32)) != QE_OK ||
      (bias != NULL && (st = need_type(c, bias, "bias", QE_DT_F32)) != QE_OK))
    return st;
  return set_act(c);
}

/* TFLite's ComputeOutSize and ComputePaddingWithOffset, in 64 bits (the
 * sizes come from files). */
static int64_t conv_out_size(qe_padding pad, int64_t in, int64_t filter, int64_t stride,
                             int64_t dil)
{
  const int64_t eff = (filter - 1) * dil + 1;
  if (pad == QE_PAD_SAME)
    return (in + stride - 1) / stride;
  return (in + stride - eff) / stride;
}

static int32_t conv_pad(int64_t stride, int64_t dil, int64_t in, int64_t filter, int64_t out)
{
  const int64_t eff = (filter - 1) * dil + 1;
  const int64_t total = (out - 1) * stride + eff - in;
  return total > 0 ? (int32_t)(total / 2) : 0;
}

static qe_status check_window(pctx *c, int32_t in_h, int32_t in_w, int32_t fh, int32_t fw,
                              int32_t *oh, int32_t *ow)
{
  const qe_qop_options *o = &c->op->opt;
  if (o->stride_h <= 0 || o->stride_w <= 0 || o->dilation_h <= 0 || o->dilation_w <= 0 ||
      o->stride_h > 1024 || o->stride_w > 1024 || o->dilation_h > 1024 || o->dilation_w > 1024)
    return op_error(c, QE_ERR_INVALID, "strides %dx%d / dilations %dx%d must be in 1..1024",
                    (int)o->stride_h, (int)o->stride_w, (int)o->dilation_h, (int)o->dilation_w);
  if (o->padding != QE_PAD_SAME && o->padding != QE_PAD_VALID)
    return op_error(c, QE_ERR_INVALID, "unknown padding %d", (int)o->padding);
  if (fh <= 0 || fw <= 0)
    return op_error(c, QE_ERR_SHAPE, "window %dx%d", (int)fh, (int)fw);
  {
    const int64_t h = conv_out_size(o->padding, in_h, fh, o->stride_h, o->dilation_h);
    const int64_t w = conv_out_size(o->padding, in_w, fw, o->stride_w, o->dilation_w);
    *oh = h > 0 && h <= INT32_MAX ? (int32_t)h : 0;
    *ow = w > 0 && w <= INT32_MAX ? (int32_t)w : 0;
  }
  if (*oh <= 0 || *ow <= 0)
    return op_error(c, QE_ERR_SHAPE, "a %dx%d window does not fit a %dx%d input", (int)fh, (int)fw,
                    (int)in_h, (int)in_w);
  return QE_OK;
}

/* Per-channel multipliers of conv / depthwise / FC: real = s_in * s_w[i] /
 * s_out in double precision (TFLite's PopulateConvolutionQuantizationParams)
 * or, when @float_product, the product s_in * s_w rounded to float first
 * (TFLite's GetQuantizedConvolutionMultipler, used by per-tensor FC). */
static qe_status set_channel_multipliers(pctx *c, const qe_qtensor *in, const qe_qtensor *w,
                                         const qe_qtensor *bias, const qe_qtensor *out,
                                         int32_t n_channels, int qdim, bool float_product)
{
  qe_qop_prep *p = c->p;
  int32_t k;
  bool per_channel;

  if (w->n_quant != 1 && w->n_quant != (size_t)n_channels)
    return op_error(c, QE_ERR_INVALID,
                    "input 1 '%s': %zu weight scales, expected 1 or %d (one per output channel)",
                    w->name, w->n_quant, (int)n_channels);
  per_channel = w->n_quant > 1;
  if (per_channel && w->quantized_dimension != qdim)
    return op_error(c, QE_ERR_INVALID, "input 1 '%s': quantized_dimension %d, expected %d", w->name,
                    w->quantized_dimension, qdim);
  for (k = 0; k < (int32_t)w->n_quant; k++) {
    if (!(w->scale[k] > 0.0f) || !isfinite(w->scale[k]))
      return op_error(c, QE_ERR_NUMERIC, "input 1 '%s': scale %d is %g", w->name, (int)k,
                      (double)w->scale[k]);
    if (w->zero_point[k] != 0 && (per_channel || c->op->type != QE_QOP_FULLY_CONNECTED))
      return op_error(c, QE_ERR_UNSUPPORTED,
                      "input 1 '%s': weights must be symmetric (zero point %d at %d)", w->name,
                      (int)w->zero_point[k], (int)k);
  }
  if (bias != NULL) {
    if (bias->type != QE_DT_I32)
      return op_error(c, QE_ERR_UNSUPPORTED, "bias '%s' is %s, expected int32", bias->name,
                      qe_dtype_name(bias->type));
    if (qe_qtensor_count(bias) != n_channels)
      return op_error(c, QE_ERR_SHAPE, "bias '%s' has %lld values, expected %d", bias->name,
                      (long long)qe_qtensor_count(bias), (int)n_channels);
  }
  p->multiplier = calloc((size_t)n_channels, sizeof(int32_t));
  p->shift = calloc((size_t)n_channels, sizeof(int32_t));
  if (p->multiplier == NULL || p->shift == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  p->n_channels = n_channels;
  for (k = 0; k < n_channels; k++) {
    const float ws = w->scale[per_channel ? k : 0];
    double real;
    int shift;
    if (float_product)
      real = (double)(float)(in->scale[0] * ws) / (double)out->scale[0];
    else
      real = (double)in->scale[0] * (double)ws / (double)out->scale[0];
    qe_quantize_multiplier(real, &p->multiplier[k], &shift);
    if (shift > 30)
      return op_error(c, QE_ERR_NUMERIC, "channel %d: rescale factor %g is too large", (int)k,
                      real);
    p->shift[k] = shift;
  }
  p->quant.multiplier = p->multiplier;
  p->quant.shift = p->shift;
  p->quant.per_channel = 1;
  return QE_OK;
}

static qe_kweights weight_storage(const qe_qtensor *w)
{
  return w->type == QE_DT_I4 ? QE_KW_4_PACKED : QE_KW_8;
}

static qe_status prep_conv(pctx *c, bool depthwise)
{
  qe_qop_prep *p = c->p;
  qe_qtensor *in, *w, *bias, *out;
  int32_t oh, ow, odims[4];
  bool is_float;
  qe_status st;

  if ((st = need_inputs(c, 2, 3)) != QE_OK)
    return st;
  in = in_t(c, 0);
  w = in_t(c, 1);
  bias = in_t(c, 2);
  out = out_t(c);
  is_float = out->type == QE_DT_F32;
  if (in->rank != 4 || w->rank != 4)
    return op_error(c, QE_ERR_SHAPE, "input '%s' and filter '%s' must be 4-D (NHWC, %s)", in->name,
                    w->name, depthwise ? "1HWC" : "OHWI");
  if ((st = need_const(c, w, "filter")) != QE_OK)
    return st;
  if (depthwise) {
    if (w->dims[0] != 1 || w->dims[3] % in->dims[3] != 0)
      return op_error(c, QE_ERR_SHAPE, "filter '%s' must be [1, H, W, C*M] for %d input channels",
                      w->name, (int)in->dims[3]);
  } else if (w->dims[3] != in->dims[3]) {
    return op_error(c, QE_ERR_SHAPE, "filter '%s' has %d input channels, the input has %d", w->name,
                    (int)w->dims[3], (int)in->dims[3]);
  }
  if ((st = check_window(c, in->dims[1], in->dims[2], w->dims[1], w->dims[2], &oh, &ow)) != QE_OK)
    return st;
  odims[0] = in->dims[0];
  odims[1] = oh;
  odims[2] = ow;
  odims[3] = depthwise ? w->dims[3] : w->dims[0];
  if ((st = need_out_dims(c, 4, odims)) != QE_OK)
    return st;
  if (bias != NULL && (st = need_const(c, bias, "bias")) != QE_OK)
    return st;
  p->conv.stride_h = c->op->opt.stride_h;
  p->conv.stride_w = c->op->opt.stride_w;
  p->conv.dilation_h = c->op->opt.dilation_h;
  p->conv.dilation_w = c->op->opt.dilation_w;
  p->conv.pad_h = conv_pad(p->conv.stride_h, p->conv.dilation_h, in->dims[1], w->dims[1], oh);
  p->conv.pad_w = conv_pad(p->conv.stride_w, p->conv.dilation_w, in->dims[2], w->dims[2], ow);
  p->conv.depth_multiplier = depthwise ? w->dims[3] / in->dims[3] : 1;
  qe_qtensor_dims4(in, &p->in_dims);
  qe_qtensor_dims4(w, &p->filter_dims);
  qe_qtensor_dims4(out, &p->out_dims);
  if (is_float)
    return prep_weighted_f32(c, in, w, "filter", bias);
  if ((st = need_s8_io(c, in, out, w, "filter", "is")) != QE_OK)
    return st;
  if ((int64_t)w->dims[1] * w->dims[2] * (depthwise ? 1 : w->dims[3]) > QE_K_MAX_ACCUM)
    return op_error(c, QE_ERR_UNSUPPORTED,
                    "filter '%s' sums more than %d products per output (int32 accumulator bound)",
                    w->name, QE_K_MAX_ACCUM);
  p->impl = QE_QIMPL_S8;
  p->conv.input_offset = -in->zero_point[0];
  p->conv.output_offset = out->zero_point[0];
  p->conv.weights = weight_storage(w);
  if ((st = set_channel_multipliers(c, in, w, bias, out, odims[3], depthwise ? 3 : 0, false)) !=
      QE_OK)
    return st;
  if (!depthwise) {
    p->scratch_size = qe_s8_conv_get_buffer_size(&p->filter_dims);
    p->quant.rounding =
        c->m->conv_rounding == QE_ROUND_HALF_UP ? QE_K_ROUND_HALF_UP : QE_K_ROUND_DOUBLE;
  }
  return set_act(c);
}

static qe_status prep_fc(pctx *c)
{
  qe_qop_prep *p = c->p;
  qe_qtensor *in, *w, *bias, *out;
  int64_t count;
  int32_t k, n_out;
  qe_status st;

  if ((st = need_inputs(c, 2, 3)) != QE_OK)
    return st;
  in = in_t(c, 0);
  w = in_t(c, 1);
  bias = in_t(c, 2);
  out = out_t(c);
  if (w->rank != 2)
    return op_error(c, QE_ERR_SHAPE, "weights '%s' must be 2-D [out][in]", w->name);
  if (out->rank < 1)
    return op_error(c, QE_ERR_SHAPE, "output '%s' must have a rank of 1 or more", out->name);
  if ((st = need_const(c, w, "weights")) != QE_OK)
    return st;
  if (bias != NULL && (st = need_const(c, bias, "bias")) != QE_OK)
    return st;
  k = w->dims[1];
  n_out = w->dims[0];
  count = qe_qtensor_count(in);
  if (k <= 0 || count <= 0 || count % k != 0)
    return op_error(c, QE_ERR_SHAPE, "input '%s' (%lld values) is not a multiple of %d", in->name,
                    (long long)count, (int)k);
  p->fc_batches = (int32_t)(count / k);
  p->fc_accum = k;
  p->fc_out = n_out;
  if (qe_qtensor_count(out) != (int64_t)p->fc_batches * n_out || out->dims[out->rank - 1] != n_out)
    return op_error(c, QE_ERR_SHAPE, "output '%s' must hold %d x %d values", out->name,
                    (int)p->fc_batches, (int)n_out);
  if (out->type == QE_DT_F32)
    return prep_weighted_f32(c, in, w, "weights", bias);
  if ((st = need_s8_io(c, in, out, w, "weights", "are")) != QE_OK)
    return st;
  if (w->n_quant < 1)
    return op_error(c, QE_ERR_INVALID, "weights '%s' are not quantized", w->name);
  if (k > (w->zero_point[0] == 0 ? QE_K_MAX_ACCUM : QE_K_MAX_ACCUM / 2))
    return op_error(c, QE_ERR_UNSUPPORTED,
                    "%d inputs per output exceed the int32 accumulator bound", (int)k);
  p->impl = QE_QIMPL_S8;
  p->fc.input_offset = -in->zero_point[0];
  p->fc.filter_offset = -w->zero_point[0];
  p->fc.output_offset = out->zero_point[0];
  p->fc.weights = weight_storage(w);
  if ((st = set_channel_multipliers(c, in, w, bias, out, n_out, 0, w->n_quant == 1)) != QE_OK)
    return st;
  p->quant.per_channel = w->n_quant > 1;
  p->quant.rounding =
      c->m->conv_rounding == QE_ROUND_HALF_UP ? QE_K_ROUND_HALF_UP : QE_K_ROUND_DOUBLE;
  return set_act(c);
}

/* Output dims of a 4-D broadcast, TFLite style (rank <= 4). */
static qe_status prep_binary(pctx *c)
{
  qe_qop_prep *p = c->p;
  qe_qtensor *a, *b, *out;
  int32_t d[QE_QMAX_RANK];
  int rank, i;
  qe_status st;

  if ((st = need_inputs(c, 2, 2)) != QE_OK)
    return st;
  a = in_t(c, 0);
  b = in_t(c, 1);
  out = out_t(c);
  if (a->rank > 4 || b->rank > 4)
    return op_error(c, QE_ERR_UNSUPPORTED, "inputs of rank %d and %d (at most 4)", a->rank,
                    b->rank);
  rank = QE_MAX(a->rank, b->rank);
  for (i = 0; i < rank; i++) {
    const int ia = i - (rank - a->rank), ib = i - (rank - b->rank);
    const int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return op_error(c, QE_ERR_SHAPE,
                      "inputs '%s' and '%s' do not broadcast at axis %d (%d vs %d)", a->name,
                      b->name, i, (int)da, (int)db);
    d[i] = da == 1 ? db : da;
  }
  if ((st = need_out_dims(c, rank, d)) != QE_OK)
    return st;
  qe_qtensor_dims4(a, &p->in_dims);
  qe_qtensor_dims4(b, &p->in2_dims);
  qe_qtensor_dims4(out, &p->out_dims);
  if (out->type == QE_DT_F32) {
    p->impl = QE_QIMPL_F32;
    if ((st = need_f32_binary(c, a, b)) != QE_OK)
      return st;
    if (c->op->type == QE_QOP_SQUARED_DIFFERENCE && c->op->opt.activation != QE_ACT_NONE)
      return op_error(c, QE_ERR_UNSUPPORTED, "SQUARED_DIFFERENCE has no fused activation");
    return set_act(c);
  }
  if (c->op->type == QE_QOP_DIV)
    return op_error(c, QE_ERR_UNSUPPORTED, "DIV runs in float only (TFLite has no int8 DIV)");
  if ((st = need_s8_binary(c, a, b, out)) != QE_OK)
    return st;
  p->impl = QE_QIMPL_S8;
  if (c->op->type == QE_QOP_SQUARED_DIFFERENCE) {
    /* TFLite squared_difference.cc: left shift 7, the output multiplier
     * (2 max scale)^2 / (2^14 out scale), the product 2^14 * out scale in
     * float. No fused activation: the output is clamped to int8 (or to a
     * narrow activation's range). */
    const double twice_max = 2.0 * (double)QE_MAX(a->scale[0], b->scale[0]);
    const double r1 = (double)a->scale[0] / twice_max;
    const double r2 = (double)b->scale[0] / twice_max;
    const double ro = (twice_max * twice_max) / (double)((float)(1 << 14) * out->scale[0]);
    int s1, s2, so;
    int32_t lo = -128, hi = 127;
    if (c->op->opt.activation != QE_ACT_NONE)
      return op_error(c, QE_ERR_UNSUPPORTED, "SQUARED_DIFFERENCE has no fused activation");
    p->add.input1_offset = -a->zero_point[0];
    p->add.input2_offset = -b->zero_point[0];
    p->add.output_offset = out->zero_point[0];
    p->add.left_shift = 7;
    qe_quantize_multiplier(r1, &p->add.input1_multiplier, &s1);
    qe_quantize_multiplier(r2, &p->add.input2_multiplier, &s2);
    qe_quantize_multiplier(ro, &p->add.output_multiplier, &so);
    /* TFLite's QuantizeMultiplierSmallerThanOneExp aborts on a factor of 1
     * or more */
    if (!(ro < 1.0) || s1 > 0 || s2 > 0 || so > 0)
      return op_error(c, QE_ERR_NUMERIC,
                      "output '%s' scale %g is too small for the squares of inputs of scales %g "
                      "and %g",
                      out->name, (double)out->scale[0], (double)a->scale[0], (double)b->scale[0]);
    p->add.input1_shift = s1;
    p->add.input2_shift = s2;
    p->add.output_shift = so;
    narrow_range(out, &lo, &hi);
    p->add.act_min = lo;
    p->add.act_max = hi;
    act_range_f(QE_ACT_NONE, &p->act_min_f, &p->act_max_f);
    return QE_OK;
  }
  if (c->op->type == QE_QOP_ADD || c->op->type == QE_QOP_SUB) {
    /* TFLite add.cc / sub.cc: the float max doubled is exact; the
     * divisions are in double. */
    const int left_shift = 20;
    const double twice_max = (double)(2 * QE_MAX(a->scale[0], b->scale[0]));
    const double r1 = (double)a->scale[0] / twice_max;
    const double r2 = (double)b->scale[0] / twice_max;
    const double ro = twice_max / (double)((float)(1 << left_shift) * out->scale[0]);
    int s1, s2, so;
    p->add.input1_offset = -a->zero_point[0];
    p->add.input2_offset = -b->zero_point[0];
    p->add.output_offset = out->zero_point[0];
    p->add.left_shift = left_shift;
    qe_quantize_multiplier(r1, &p->add.input1_multiplier, &s1);
    qe_quantize_multiplier(r2, &p->add.input2_multiplier, &s2);
    qe_quantize_multiplier(ro, &p->add.output_multiplier, &so);
    if (s1 > 0 || s2 > 0 || so > 0)
      return op_error(c, QE_ERR_NUMERIC,
                      "output '%s' scale %g is too small for inputs of scales %g and %g", out->name,
                      (double)out->scale[0], (double)a->scale[0], (double)b->scale[0]);
    p->add.input1_shift = s1;
    p->add.input2_shift = s2;
    p->add.output_shift = so;
  } else {
    /* TFLite mul.cc: the product and the quotient in float. */
    const float real = a->scale[0] * b->scale[0] / out->scale[0];
    int s;
    p->mul.input1_offset = -a->zero_point[0];
    p->mul.input2_offset = -b->zero_point[0];
    p->mul.output_offset = out->zero_point[0];
    qe_quantize_multiplier((double)real, &p->mul.output_multiplier, &s);
    if (s > 14)
      return op_error(c, QE_ERR_NUMERIC, "rescale factor %g is too large", (double)real);
    p->mul.output_shift = s;
  }
  return set_act(c);
}

static qe_status prep_pool(pctx *c)
{
  qe_qop_prep *p = c->p;
  qe_qtensor *in, *out;
  int32_t oh, ow, odims[4];
  qe_status st;

  if ((st = need_inputs(c, 1, 1)) != QE_OK)
    return st;
  in = in_t(c, 0);
  out = out_t(c);
  if (in->rank != 4)
    return op_error(c, QE_ERR_SHAPE, "input '%s' must be 4-D NHWC", in->name);
  if (c->op->opt.dilation_h != 1 || c->op->opt.dilation_w != 1)
    return op_error(c, QE_ERR_INVALID, "pooling has no dilation");
  if ((st = check_window(c, in->dims[1], in->dims[2], c->op->opt.filter_h, c->op->opt.filter_w, &oh,
                         &ow)) != QE_OK)
    return st;
  odims[0] = in->dims[0];
  odims[1] = oh;
  odims[2] = ow;
  odims[3] = in->dims[3];
  if ((st = need_out_dims(c, 4, odims)) != QE_OK)
    return st;
  p->pool.stride_h = c->op->opt.stride_h;
  p->pool.stride_w = c->op->opt.stride_w;
  p->pool.filter_h = c->op->opt.filter_h;
  p->pool.filter_w = c->op->opt.filter_w;
  p->pool.pad_h = conv_pad(p->pool.stride_h, 1, in->dims[1], p->pool.filter_h, oh);
  p->pool.pad_w = conv_pad(p->pool.stride_w, 1, in->dims[2], p->pool.filter_w, ow);
  qe_qtensor_dims4(in, &p->in_dims);
  qe_qtensor_dims4(out, &p->out_dims);
  if (out->type == QE_DT_F32) {
    p->impl = QE_QIMPL_F32;
    if ((st = need_type(c, in, "input", QE_DT_F32)) != QE_OK)
      return st;
    return set_act(c);
  }
  if ((st = need_s8_io(c, in, out, NULL, NULL, NULL)) != QE_OK)
    return st;
  if (in->scale[0] != out->scale[0] || in->zero_point[0] != out->zero_point[0])
    return op_error(c, QE_ERR_INVALID, "input '%s' and output '%s' must share scale and zero point",
                    in->name, out->name);
  p->impl = QE_QIMPL_S8;
  return set_act(c);
}

static qe_status prep_mean(pctx *c)
{
  qe_qop_prep *p = c->p;
  qe_qtensor *in, *axes, *out;
  int32_t d[QE_QMAX_RANK];
  int64_t k, n_axes;
  int i, rank = 0;
  qe_status st;

  if ((st = need_inputs(c, 2, 2)) != QE_OK)
    return st;
  in = in_t(c, 0);
  axes = in_t(c, 1);
  out = out_t(c);
  if ((st = need_int_const(c, axes, "axes")) != QE_OK)
    return st;
  n_axes = qe_qtensor_count(axes);
  p->mean_axes_mask = 0;
  for (k = 0; k < n_axes; k++) {
    int64_t a = const_int(axes, k);
    if (a < 0)
      a += in->rank;
    if (a < 0 || a >= in->rank)
      return op_error(c, QE_ERR_INVALID, "axis %lld out of range for rank %d",
                      (long long)const_int(axes, k), in->rank);
    p->mean_axes_mask |= 1 << a;
  }
  for (i = 0; i < in->rank; i++) {
    if (p->mean_axes_mask & (1 << i)) {
      if (c->op->opt.keep_dims)
        d[rank++] = 1;
    } else {
      d[rank++] = in->dims[i];
    }
  }
  if ((st = need_out_dims(c, rank, d)) != QE_OK)
    return st;
  p->rank = in->rank;
  for (i = 0; i < in->rank; i++)
    p->dims[i] = in->dims[i];
  if (out->type == QE_DT_F32) {
    p->impl = QE_QIMPL_F32;
    return need_type(c, in, "input", QE_DT_F32);
  }
  if (in->rank > QE_K_MAX_RANK)
    return op_error(c, QE_ERR_UNSUPPORTED, "int8 MEAN of rank %d (at most %d)", in->rank,
                    QE_K_MAX_RANK);
  if ((st = need_s8_io(c, in, out, NULL, NULL, NULL)) != QE_OK)
    return st;
  {
    int s;
    qe_quantize_multiplier((double)in->scale[0] / (double)out->scale[0], &p->mean.multiplier, &s);
    if (s > 8)
      return op_error(c, QE_ERR_NUMERIC, "input/output scale ratio too large");
    p->mean.shift = s;
  }
  /* TFLite's three paths (reduce.cc). */
  if (c->op->opt.keep_dims)
    p->mean.mode = QE_K_MEAN_REQUANT;
  else if (in->scale[0] == out->scale[0] && in->zero_point[0] == out->zero_point[0])
    p->mean.mode = QE_K_MEAN_SAME;
  else
    p->mean.mode = QE_K_MEAN_FLOAT;
  p->mean.scale = in->scale[0] / out->scale[0];
  p->mean.input_zero_point = in->zero_point[0];
  p->mean.output_zero_point = out->zero_point[0];
  p->impl = QE_QIMPL_S8;
  if (in->rank == 4 && p->mean_axes_mask == 0x6) {
    qe_qtensor_dims4(in, &p->in_dims);
    return QE_OK;
  }
  /* Any other axes: TFLite's general paths (no requantizing one). */
  p->mean_general = 1;
  if (p->mean.mode == QE_K_MEAN_REQUANT)
    p->mean.mode = in->scale[0] == out->scale[0] && in->zero_point[0] == out->zero_point[0]
                       ? QE_K_MEAN_SAME
                       : QE_K_MEAN_FLOAT;
  {
    int64_t count = 1;
    for (i = 0; i < in->rank; i++)
      if (p->mean_axes_mask & (1 << i))
        count *= in->dims[i];
    if (count >= ((int64_t)1 << 23))
      return op_error(c, QE_ERR_UNSUPPORTED, "MEAN over %lld values (int32 sum bound)",
                      (long long)count);
  }
  return QE_OK;
}

static qe_status prep_unary_shape(pctx *c, const qe_qtensor **in_out, const qe_qtensor **out_out)
{
  qe_status st;
  const qe_qtensor *in, *out;
  if ((st = need_inputs(c, 1, 1)) != QE_OK)
    return st;
  in = in_t(c, 0);
  out = out_t(c);
  if ((st = need_out_dims(c, in->rank, in->dims)) != QE_OK)
    return st;
  *in_out = in;
  *out_out = out;
  return QE_OK;
}

/* gemmlowp's SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0. */
static int32_t sat_shift_left(int32_t x, int exponent)
{
  const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold)
    return INT32_MAX;
  if (x < -threshold)
    return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

/* TFLite's GetInvSqrtQuantizedMultiplierExp(input, kReverseShift = -1):
 * 1 / sqrt(input) as a Q0.31 multiplier and a shift, by five
 * Newton-Raphson steps in gemmlowp's fixed point (3 integer bits),
 * operation by operation. */
static void inv_sqrt_multiplier(int32_t input, int32_t *mult, int *shift)
{
  int32_t x, half_input;
  const int32_t half_three = (1 << 28) + (1 << 27);
  unsigned lz, pairs;
  int i;
  if (input <= 1) {
    *mult = INT32_MAX;
    *shift = 0;
    return;
  }
  *shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++*shift;
  }
  for (lz = 0; lz < 32 && !((uint32_t)input & (0x80000000u >> lz)); lz++)
    ;
  pairs = (lz - 1) / 2 - 1;
  *shift -= (int)pairs;
  input <<= 2 * pairs;
  half_input = qe_k_rdbpot(input >> 1, 1);
  x = 1 << 28; /* F3 one */
  for (i = 0; i < 5; i++) {
    const int32_t x3 = sat_shift_left(qe_k_srdhm(qe_k_srdhm(x, x), x), 6);
    x = sat_shift_left(qe_k_srdhm(half_three, x) - qe_k_srdhm(half_input, x3), 3);
  }
  x = qe_k_srdhm(x, 1518500250); /* times sqrt(2) / 2 */
  *mult = x;
  if (*shift < 0) {
    *mult = (int32_t)((uint32_t)*mult << -*shift);
    *shift = 0;
  }
  *shift = -*shift;
}

static qe_status prep_activation(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *in, *out;
  qe_status st;
  int32_t v;

  if ((st = prep_unary_shape(c, &in, &out)) != QE_OK)
    return st;
  if (in->rank >= 1) {
    p->depth = in->rank > 0 ? in->dims[in->rank - 1] : 1;
    p->rows = p->depth > 0 ? (int32_t)(qe_qtensor_count(in) / p->depth) : 0;
  } else {
    p->depth = p->rows = 1;
  }
  if (out->type == QE_DT_F32) {
    p->impl = QE_QIMPL_F32;
    if (c->op->type == QE_QOP_RELU)
      act_range_f(QE_ACT_RELU, &p->act_min_f, &p->act_max_f);
    else if (c->op->type == QE_QOP_RELU6)
      act_range_f(QE_ACT_RELU6, &p->act_min_f, &p->act_max_f);
    return need_type(c, in, "input", QE_DT_F32);
  }
  if (c->op->type == QE_QOP_SQRT)
    return op_error(c, QE_ERR_UNSUPPORTED, "SQRT runs in float only (TFLite has no int8 SQRT)");
  if ((st = need_s8_io(c, in, out, NULL, NULL, NULL)) != QE_OK)
    return st;
  p->impl = QE_QIMPL_S8;
  switch (c->op->type) {
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH: {
    /* TFLite's PopulateLookupTable, in float. */
    const float inv_scale = 1.0f / out->scale[0];
    if (c->op->type == QE_QOP_LOGISTIC &&
        (out->scale[0] != 1.0f / 256 || out->zero_point[0] != -128))
      return op_error(c, QE_ERR_INVALID, "output '%s' must have scale 1/256 and zero point -128",
                      out->name);
    for (v = -128; v <= 127; v++) {
      const float x = in->scale[0] * (float)(v - in->zero_point[0]);
      const float y = c->op->type == QE_QOP_LOGISTIC ? 1.0f / (1.0f + expf(-x)) : tanhf(x);
      const float r = roundf(y * inv_scale);
      const int32_t q = (int32_t)(r + (float)out->zero_point[0]);
      int32_t lo = -128, hi = 127;
      narrow_range(out, &lo, &hi);
      p->lut[(uint8_t)(int8_t)v] = (int8_t)QE_MAX(lo, QE_MIN(hi, q));
    }
    break;
  }
  case QE_QOP_RSQRT: {
    /* TFLite's RsqrtEvalQuantized for every int8 value, as a table. Values
     * below the input zero point (negative reals) make TFLite fail ("Rsqrt
     * is only defined for positive values"); the table maps them to 127
     * as it does zero. */
    const double real = 1.0 / (double)(sqrtf(in->scale[0]) * out->scale[0]);
    int32_t mult, lo = -128, hi = 127;
    int sh;
    qe_quantize_multiplier(real, &mult, &sh);
    if (!(real > 0.0) || !isfinite(real) || sh > 30)
      return op_error(c, QE_ERR_NUMERIC, "rescale factor %g is out of range for RSQRT", real);
    narrow_range(out, &lo, &hi);
    for (v = -128; v <= 127; v++) {
      const int32_t value = v - in->zero_point[0];
      int32_t q = 127;
      if (value > 0) {
        int32_t im;
        int ish;
        inv_sqrt_multiplier(value, &im, &ish);
        q = qe_k_mbqm(qe_k_mbqm(1, im, ish + 20), mult, sh - 20) + out->zero_point[0];
        q = QE_MAX(-128, QE_MIN(127, q));
      }
      p->lut[(uint8_t)(int8_t)v] = (int8_t)QE_MAX(lo, QE_MIN(hi, q));
    }
    break;
  }
  case QE_QOP_GELU: {
    /* TFLite's PopulateLookupTable with GeluTransform, in float. */
    const float inv_scale = 1.0f / out->scale[0];
    int32_t lo = -128, hi = 127;
    narrow_range(out, &lo, &hi);
    for (v = -128; v <= 127; v++) {
      const float x = in->scale[0] * (float)(v - in->zero_point[0]);
      const float r = roundf(qe_qmodel_gelu_f32(x, c->op->opt.approximate) * inv_scale);
      const int32_t q = (int32_t)(r + (float)out->zero_point[0]);
      p->lut[(uint8_t)(int8_t)v] = (int8_t)QE_MAX(lo, QE_MIN(hi, q));
    }
    break;
  }
  case QE_QOP_SOFTMAX: {
    /* TFLite's PopulateSoftmaxLookupTable. */
    const float scale = -in->scale[0] * c->op->opt.beta;
    if (!(c->op->opt.beta > 0.0f) || !isfinite(c->op->opt.beta))
      return op_error(c, QE_ERR_INVALID, "beta %g", (double)c->op->opt.beta);
    if (in->rank < 1 || p->depth <= 0)
      return op_error(c, QE_ERR_SHAPE, "input '%s' is empty", in->name);
    for (v = 0; v <= 255; v++)
      p->softmax_table[255 - v] = expf(scale * (float)v);
    p->softmax.table = p->softmax_table;
    p->softmax.output_scale = out->scale[0];
    p->softmax.output_zero_point = out->zero_point[0];
    break;
  }
  case QE_QOP_HARD_SWISH: {
    /* TFLite's HardSwishPrepare, in float. */
    const float hires_input_scale = (1.0f / 128.0f) * in->scale[0];
    const float reluish_scale = 3.0f / 32768.0f;
    const float output_multiplier = hires_input_scale / out->scale[0];
    const float reluish_multiplier = hires_input_scale / reluish_scale;
    int32_t m32;
    int e;
    p->hswish.input_zero_point = in->zero_point[0];
    p->hswish.output_zero_point = out->zero_point[0];
    qe_quantize_multiplier((double)output_multiplier, &m32, &e);
    p->hswish.output_multiplier_exponent = e;
    p->hswish.output_multiplier_fixedpoint_int16 =
        m32 >= INT32_MAX - (1 << 15) ? INT16_MAX : (int16_t)((m32 + (1 << 15)) >> 16);
    if (e > 0 || e < -15)
      return op_error(c, QE_ERR_NUMERIC, "output '%s' scale %g is out of range for HARD_SWISH",
                      out->name, (double)out->scale[0]);
    qe_quantize_multiplier((double)reluish_multiplier, &m32, &e);
    p->hswish.reluish_multiplier_exponent = e;
    p->hswish.reluish_multiplier_fixedpoint_int16 =
        m32 >= INT32_MAX - (1 << 15) ? INT16_MAX : (int16_t)((m32 + (1 << 15)) >> 16);
    if (e > 15 || e < -15)
      return op_error(c, QE_ERR_NUMERIC, "input '%s' scale %g is out of range for HARD_SWISH",
                      in->name, (double)in->scale[0]);
    break;
  }
  case QE_QOP_RELU:
  case QE_QOP_RELU6: {
    int s;
    p->impl = QE_QIMPL_REQUANT;
    p->requant.input_zero_point = in->zero_point[0];
    p->requant.output_zero_point = out->zero_point[0];
    qe_quantize_multiplier((double)in->scale[0] / (double)out->scale[0], &p->requant.multiplier,
                           &s);
    if (s > 8)
      return op_error(c, QE_ERR_NUMERIC, "input/output scale ratio too large");
    p->requant.shift = s;
    act_range_q(c->op->type == QE_QOP_RELU ? QE_ACT_RELU : QE_ACT_RELU6, out->scale[0],
                out->zero_point[0], -128, 127, &p->requant.act_min, &p->requant.act_max);
    narrow_range(out, &p->requant.act_min, &p->requant.act_max);
    break;
  }
  default:
    break;
  }
  return QE_OK;
}

static qe_status prep_quantize(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *in, *out;
  qe_status st;

  if ((st = prep_unary_shape(c, &in, &out)) != QE_OK)
    return st;
  if (c->op->type == QE_QOP_DEQUANTIZE) {
    if ((st = need_type(c, out, "output", QE_DT_F32)) != QE_OK)
      return st;
    if (in->type != QE_DT_I8 && in->type != QE_DT_U8)
      return op_error(c, QE_ERR_UNSUPPORTED, "input '%s' is %s, expected int8 or uint8", in->name,
                      qe_dtype_name(in->type));
    if ((st = need_qparams(c, in, "input")) != QE_OK)
      return st;
    p->impl = QE_QIMPL_DEQUANT;
    p->q_scale = in->scale[0];
    p->q_zero_point = in->zero_point[0];
    p->q_unsigned = in->type == QE_DT_U8;
    return QE_OK;
  }
  if (out->type != QE_DT_I8 && out->type != QE_DT_U8)
    return op_error(c, QE_ERR_UNSUPPORTED, "output '%s' is %s, expected int8 or uint8", out->name,
                    qe_dtype_name(out->type));
  if ((st = need_qparams(c, out, "output")) != QE_OK)
    return st;
  if (in->type == QE_DT_F32) {
    p->impl = QE_QIMPL_QUANTIZE;
    p->q_scale = out->scale[0];
    p->q_zero_point = out->zero_point[0];
    p->q_unsigned = out->type == QE_DT_U8;
    return QE_OK;
  }
  if (in->type != QE_DT_I8 && in->type != QE_DT_U8)
    return op_error(c, QE_ERR_UNSUPPORTED, "input '%s' is %s, expected float32, int8 or uint8",
                    in->name, qe_dtype_name(in->type));
  if ((st = need_qparams(c, in, "input")) != QE_OK)
    return st;
  {
    int s;
    p->impl = QE_QIMPL_REQUANT;
    p->requant.input_zero_point = in->zero_point[0];
    p->requant.output_zero_point = out->zero_point[0];
    p->requant.in_unsigned = in->type == QE_DT_U8;
    p->requant.out_unsigned = out->type == QE_DT_U8;
    p->requant.act_min = out->type == QE_DT_U8 ? 0 : -128;
    p->requant.act_max = out->type == QE_DT_U8 ? 255 : 127;
    narrow_range(out, &p->requant.act_min, &p->requant.act_max);
    qe_quantize_multiplier((double)in->scale[0] / (double)out->scale[0], &p->requant.multiplier,
                           &s);
    if (s > 8)
      return op_error(c, QE_ERR_NUMERIC, "input/output scale ratio too large");
    p->requant.shift = s;
  }
  return QE_OK;
}

static qe_status prep_reshape(pctx *c)
{
  const qe_qtensor *in, *out;
  qe_status st;
  if ((st = need_inputs(c, 1, 2)) != QE_OK)
    return st;
  in = in_t(c, 0);
  out = out_t(c);
  if (qe_qtensor_count(in) != qe_qtensor_count(out))
    return op_error(c, QE_ERR_SHAPE, "input '%s' has %lld values, output '%s' %lld", in->name,
                    (long long)qe_qtensor_count(in), out->name, (long long)qe_qtensor_count(out));
  if (in->type != out->type)
    return op_error(c, QE_ERR_INVALID, "input and output types differ");
  if (in->n_quant == 1 && out->n_quant == 1 &&
      (in->scale[0] != out->scale[0] || in->zero_point[0] != out->zero_point[0]))
    return op_error(c, QE_ERR_INVALID, "input '%s' and output '%s' must share quantization",
                    in->name, out->name);
  c->p->impl = QE_QIMPL_COPY;
  return QE_OK;
}

/* Ops that move values without computing (TRANSPOSE, PAD, GATHER): an int8 input and
 * output on one quantization grid, or float / int32 values; sets the
 * implementation. */
static qe_status need_moved_values(pctx *c, const qe_qtensor *in, const qe_qtensor *out)
{
  qe_status st;
  if (in->type == QE_DT_I8 || in->type == QE_DT_U8) {
    if ((st = need_qparams(c, in, "input")) != QE_OK ||
        (st = need_qparams(c, out, "output")) != QE_OK)
      return st;
    if (in->scale[0] != out->scale[0] || in->zero_point[0] != out->zero_point[0])
      return op_error(c, QE_ERR_INVALID, "input '%s' and output '%s' must share quantization",
                      in->name, out->name);
  } else if (in->type != QE_DT_F32 && in->type != QE_DT_I32) {
    return op_error(c, QE_ERR_UNSUPPORTED, "input '%s' is %s", in->name, qe_dtype_name(in->type));
  }
  c->p->impl = in->type == QE_DT_F32 ? QE_QIMPL_F32 : QE_QIMPL_S8;
  return QE_OK;
}

static qe_status prep_transpose_pad(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *in, *arg, *out;
  int32_t d[QE_QMAX_RANK];
  int i;
  qe_status st;

  if ((st = need_inputs(c, 2, 2)) != QE_OK)
    return st;
  in = in_t(c, 0);
  arg = in_t(c, 1);
  out = out_t(c);
  if ((st = need_int_const(c, arg, c->op->type == QE_QOP_PAD ? "paddings" : "perm")) != QE_OK)
    return st;
  if (in->rank < 1 || in->rank > QE_K_MAX_RANK)
    return op_error(c, QE_ERR_UNSUPPORTED, "input '%s' has rank %d (1 to %d)", in->name, in->rank,
                    QE_K_MAX_RANK);
  if (in->type != out->type)
    return op_error(c, QE_ERR_INVALID, "input and output types differ");
  p->rank = in->rank;
  for (i = 0; i < in->rank; i++)
    p->dims[i] = in->dims[i];
  if (c->op->type == QE_QOP_TRANSPOSE) {
    int seen = 0;
    if (qe_qtensor_count(arg) != in->rank)
      return op_error(c, QE_ERR_SHAPE, "perm '%s' has %lld entries for rank %d", arg->name,
                      (long long)qe_qtensor_count(arg), in->rank);
    for (i = 0; i < in->rank; i++) {
      int64_t a = const_int(arg, i);
      if (a < 0 || a >= in->rank || (seen & (1 << a)))
        return op_error(c, QE_ERR_INVALID, "perm '%s' is not a permutation", arg->name);
      seen |= 1 << a;
      p->perm[i] = (int32_t)a;
      d[i] = in->dims[a];
    }
  } else {
    if (qe_qtensor_count(arg) != 2 * in->rank)
      return op_error(c, QE_ERR_SHAPE, "paddings '%s' must be [%d][2]", arg->name, in->rank);
    for (i = 0; i < in->rank; i++) {
      int64_t b = const_int(arg, 2 * i), a = const_int(arg, 2 * i + 1);
      if (b < 0 || a < 0 || b > 65536 || a > 65536)
        return op_error(c, QE_ERR_INVALID, "paddings '%s' at axis %d: %lld, %lld", arg->name, i,
                        (long long)b, (long long)a);
      p->pad_before[i] = (int32_t)b;
      p->pad_after[i] = (int32_t)a;
      if ((int64_t)in->dims[i] + a + b > INT32_MAX)
        return op_error(c, QE_ERR_SHAPE, "padded axis %d is too large", i);
      d[i] = in->dims[i] + (int32_t)(a + b);
    }
  }
  if ((st = need_out_dims(c, in->rank, d)) != QE_OK)
    return st;
  if ((st = need_moved_values(c, in, out)) != QE_OK)
    return st;
  if (p->impl == QE_QIMPL_S8)
    p->pad_value_i8 = out->zero_point[0];
  return QE_OK;
}

static qe_status prep_concat(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *out = out_t(c);
  int axis = c->op->opt.axis, k, i;
  int64_t outer = 1, inner = 1, sum = 0;
  qe_status st;

  if (c->op->n_inputs < 1)
    return op_error(c, QE_ERR_INVALID, "no inputs");
  if (axis < 0)
    axis += out->rank;
  if (axis < 0 || axis >= out->rank)
    return op_error(c, QE_ERR_INVALID, "axis %d out of range for rank %d", (int)c->op->opt.axis,
                    out->rank);
  if (c->op->opt.activation != QE_ACT_NONE)
    return op_error(c, QE_ERR_UNSUPPORTED, "fused activation on CONCATENATION");
  p->concat_axis_dims = calloc((size_t)c->op->n_inputs, sizeof(int32_t));
  if (p->concat_axis_dims == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  for (k = 0; k < c->op->n_inputs; k++) {
    const qe_qtensor *in = in_t(c, k);
    if (in == NULL)
      return op_error(c, QE_ERR_INVALID, "input %d is missing", k);
    if (in->rank != out->rank || in->type != out->type)
      return op_error(c, QE_ERR_SHAPE, "input %d '%s' differs in rank or type from the output", k,
                      in->name);
    for (i = 0; i < out->rank; i++)
      if (i != axis && in->dims[i] != out->dims[i])
        return op_error(c, QE_ERR_SHAPE, "input %d '%s' differs from the output at axis %d", k,
                        in->name, i);
    if (out->type == QE_DT_I8) {
      if ((st = need_qparams(c, in, "input")) != QE_OK)
        return st;
      if (in->scale[0] != out->scale[0] || in->zero_point[0] != out->zero_point[0])
        return op_error(c, QE_ERR_INVALID,
                        "input %d '%s' must have the output's scale and zero point", k, in->name);
    }
    p->concat_axis_dims[k] = in->dims[axis];
    sum += in->dims[axis];
  }
  if (sum != out->dims[axis])
    return op_error(c, QE_ERR_SHAPE, "inputs sum to %lld along axis %d, the output has %d",
                    (long long)sum, axis, (int)out->dims[axis]);
  for (i = 0; i < axis; i++)
    outer *= out->dims[i];
  for (i = axis + 1; i < out->rank; i++)
    inner *= out->dims[i];
  if (outer > INT32_MAX || inner > INT32_MAX)
    return op_error(c, QE_ERR_SHAPE, "tensor too large");
  p->concat_outer = (int32_t)outer;
  p->concat_inner = (int32_t)inner;
  if (out->type != QE_DT_I8 && out->type != QE_DT_F32 && out->type != QE_DT_I32 &&
      out->type != QE_DT_U8)
    return op_error(c, QE_ERR_UNSUPPORTED, "output '%s' is %s", out->name,
                    qe_dtype_name(out->type));
  p->impl = out->type == QE_DT_F32 ? QE_QIMPL_F32 : QE_QIMPL_S8;
  return QE_OK;
}

/* TFLite's GetNearestNeighbor. */
static int32_t nearest(int32_t v, int32_t in, int32_t out, bool align, bool half)
{
  const float scale =
      (align && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
  const float offset = half ? 0.5f : 0.0f;
  int32_t r = align ? (int32_t)roundf(((float)v + offset) * scale)
                    : (int32_t)floorf(((float)v + offset) * scale);
  if (r > in - 1)
    r = in - 1;
  if (half && r < 0)
    r = 0;
  return r;
}

static qe_status prep_resize(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *in, *size, *out;
  int32_t d[4], oh, ow, k;
  qe_status st;
  if ((st = need_inputs(c, 2, 2)) != QE_OK)
    return st;
  in = in_t(c, 0);
  size = in_t(c, 1);
  out = out_t(c);
  if (in->rank != 4)
    return op_error(c, QE_ERR_SHAPE, "input '%s' must be 4-D NHWC", in->name);
  if ((st = need_int_const(c, size, "size")) != QE_OK)
    return st;
  if (qe_qtensor_count(size) != 2)
    return op_error(c, QE_ERR_SHAPE, "size '%s' must hold 2 values", size->name);
  oh = (int32_t)const_int(size, 0);
  ow = (int32_t)const_int(size, 1);
  if (oh <= 0 || ow <= 0 || oh > (1 << 18) || ow > (1 << 18))
    return op_error(c, QE_ERR_SHAPE, "size %d x %d", (int)oh, (int)ow);
  if (c->op->opt.align_corners && c->op->opt.half_pixel_centers)
    return op_error(c, QE_ERR_INVALID, "align_corners and half_pixel_centers together");
  if (in->dims[1] > (1 << 18) || in->dims[2] > (1 << 18))
    return op_error(c, QE_ERR_SHAPE, "input '%s' is too large to resize", in->name);

  d[0] = in->dims[0];
  d[1] = oh;
  d[2] = ow;
  d[3] = in->dims[3];
  if ((st = need_out_dims(c, 4, d)) != QE_OK)
    return st;
  if (in->type != out->type)
    return op_error(c, QE_ERR_INVALID, "input and output types differ");
  qe_qtensor_dims4(in, &p->in_dims);
  p->resize_h = oh;
  p->resize_w = ow;
  p->resize_ymap = calloc((size_t)oh, sizeof(int32_t));
  p->resize_xmap = calloc((size_t)ow, sizeof(int32_t));
  if (p->resize_ymap == NULL || p->resize_xmap == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  for (k = 0; k < oh; k++)
    p->resize_ymap[k] =
        nearest(k, in->dims[1], oh, c->op->opt.align_corners, c->op->opt.half_pixel_centers);
  for (k = 0; k < ow; k++)
    p->resize_xmap[k] =
        nearest(k, in->dims[2], ow, c->op->opt.align_corners, c->op->opt.half_pixel_centers);
  /* TFLite's ResizeBilinearInteger scales, Q10 */
  p->resize.scale_10_h = ((1 << 10) * in->dims[1] + oh / 2) / oh;
  p->resize.scale_10_w = ((1 << 10) * in->dims[2] + ow / 2) / ow;
  if (c->op->opt.align_corners && oh > 1)
    p->resize.scale_10_h = ((1 << 10) * (in->dims[1] - 1) + (oh - 1) / 2) / (oh - 1);
  if (c->op->opt.align_corners && ow > 1)
    p->resize.scale_10_w = ((1 << 10) * (in->dims[2] - 1) + (ow - 1) / 2) / (ow - 1);
  p->resize.half_pixel_centers = c->op->opt.half_pixel_centers;
  if (out->type == QE_DT_F32) {
    p->impl = QE_QIMPL_F32;
    return QE_OK;
  }
  if ((st = need_qparams(c, in, "input")) != QE_OK ||
      (st = need_qparams(c, out, "output")) != QE_OK)
    return st;
  if (in->type != QE_DT_I8 &&
      !(in->type == QE_DT_U8 && c->op->type == QE_QOP_RESIZE_NEAREST_NEIGHBOR))
    return op_error(c, QE_ERR_UNSUPPORTED, "input '%s' is %s", in->name, qe_dtype_name(in->type));
  if (in->scale[0] != out->scale[0] || in->zero_point[0] != out->zero_point[0])
    return op_error(c, QE_ERR_INVALID, "input '%s' and output '%s' must share quantization",
                    in->name, out->name);
  p->impl = QE_QIMPL_S8;
  return QE_OK;
}

static qe_status prep_gather(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *in, *idx, *out;
  int32_t d[QE_QMAX_RANK];
  int axis, rank = 0, i;
  int64_t n, k, outer = 1, inner = 1;
  qe_status st;

  if ((st = need_inputs(c, 2, 2)) != QE_OK)
    return st;
  in = in_t(c, 0);
  idx = in_t(c, 1);
  out = out_t(c);
  if ((st = need_int_const(c, idx, "indices")) != QE_OK)
    return st;
  axis = c->op->opt.axis < 0 ? c->op->opt.axis + in->rank : c->op->opt.axis;
  if (in->rank < 1 || axis < 0 || axis >= in->rank)
    return op_error(c, QE_ERR_INVALID, "axis %d out of range for rank %d", (int)c->op->opt.axis,
                    in->rank);
  if (in->rank - 1 + idx->rank > QE_QMAX_RANK)
    return op_error(c, QE_ERR_UNSUPPORTED, "output rank above %d", QE_QMAX_RANK);
  for (i = 0; i < axis; i++) {
    d[rank++] = in->dims[i];
    outer *= in->dims[i];
  }
  for (i = 0; i < idx->rank; i++)
    d[rank++] = idx->dims[i];
  for (i = axis + 1; i < in->rank; i++) {
    d[rank++] = in->dims[i];
    inner *= in->dims[i];
  }
  if ((st = need_out_dims(c, rank, d)) != QE_OK)
    return st;
  n = qe_qtensor_count(idx);
  if (n > INT32_MAX / 2 || outer > INT32_MAX || inner > INT32_MAX)
    return op_error(c, QE_ERR_SHAPE, "tensor too large");
  p->gather_indices = calloc((size_t)n + 1, sizeof(int32_t));
  if (p->gather_indices == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  for (k = 0; k < n; k++) {
    const int64_t v = const_int(idx, k);
    /* TFLite's GATHER takes no negative index */
    if (v < 0 || v >= in->dims[axis])
      return op_error(c, QE_ERR_INVALID, "index %lld of '%s' is outside 0..%d", (long long)v,
                      idx->name, (int)in->dims[axis] - 1);
    p->gather_indices[k] = (int32_t)v;
  }
  p->gather_n = (int32_t)n;
  p->gather_outer = (int32_t)outer;
  p->gather_axis_dim = in->dims[axis];
  p->gather_inner = (int32_t)inner;
  if (in->type != out->type)
    return op_error(c, QE_ERR_INVALID, "input and output types differ");
  return need_moved_values(c, in, out);
}

static qe_status prep_batch_matmul(pctx *c)
{
  qe_qop_prep *p = c->p;
  const qe_qtensor *a, *b, *out;
  int32_t d[4], ld[4] = { 1, 1, 1, 1 }, rd[4] = { 1, 1, 1, 1 };
  int rank, i;
  qe_status st;

  if ((st = need_inputs(c, 2, 2)) != QE_OK)
    return st;
  a = in_t(c, 0);
  b = in_t(c, 1);
  out = out_t(c);
  if (a->rank < 2 || a->rank > 4 || b->rank < 2 || b->rank > 4)
    return op_error(c, QE_ERR_UNSUPPORTED, "operands of rank %d and %d (2 to 4)", a->rank, b->rank);
  if (c->op->opt.activation != QE_ACT_NONE)
    return op_error(c, QE_ERR_UNSUPPORTED, "BATCH_MATMUL has no fused activation");
  rank = QE_MAX(a->rank, b->rank);
  for (i = 0; i < a->rank; i++)
    ld[4 - a->rank + i] = a->dims[i];
  for (i = 0; i < b->rank; i++)
    rd[4 - b->rank + i] = b->dims[i];
  for (i = 0; i < 2; i++) {
    if (ld[i] != rd[i] && ld[i] != 1 && rd[i] != 1)
      return op_error(c, QE_ERR_SHAPE, "batch dims of '%s' and '%s' do not broadcast", a->name,
                      b->name);
    d[i] = QE_MAX(ld[i], rd[i]);
  }
  d[2] = c->op->opt.adj_x ? ld[3] : ld[2];
  d[3] = c->op->opt.adj_y ? rd[2] : rd[3];
  if ((c->op->opt.adj_x ? ld[2] : ld[3]) != (c->op->opt.adj_y ? rd[3] : rd[2]))
    return op_error(c, QE_ERR_SHAPE, "'%s' and '%s' do not multiply (inner dims %d and %d)",
                    a->name, b->name, (int)(c->op->opt.adj_x ? ld[2] : ld[3]),
                    (int)(c->op->opt.adj_y ? rd[3] : rd[2]));
  if ((st = need_out_dims(c, rank, d + 4 - rank)) != QE_OK)
    return st;
  memcpy(p->bmm_lhs, ld, sizeof(ld));
  memcpy(p->bmm_rhs, rd, sizeof(rd));
  p->bmm.adj_x = c->op->opt.adj_x;
  p->bmm.adj_y = c->op->opt.adj_y;
  if (out->type == QE_DT_F32) {
    p->impl = QE_QIMPL_F32;
    if ((st = need_f32_binary(c, a, b)) != QE_OK)
      return st;
    return QE_OK;
  }
  if ((st = need_s8_binary(c, a, b, out)) != QE_OK)
    return st;
  {
    /* TFLite's GetQuantizedConvolutionMultipler: the product of the input
     * scales in float, divided in double. */
    const int32_t k = c->op->opt.adj_x ? ld[2] : ld[3];
    const double real = (double)(float)(a->scale[0] * b->scale[0]) / (double)out->scale[0];
    int sh;
    if (k > QE_K_MAX_ACCUM / 2)
      return op_error(c, QE_ERR_UNSUPPORTED,
                      "%d products per output exceed the int32 accumulator bound", (int)k);
    qe_quantize_multiplier(real, &p->bmm.multiplier, &sh);
    /* a left shift must keep the largest sum (k * 255 * 255) in int32 */
    if (sh > 0 && ((int64_t)k * 65025) > ((int64_t)INT32_MAX >> sh))
      return op_error(c, QE_ERR_NUMERIC, "rescale factor %g is too large", real);
    p->bmm.shift = sh;
  }
  p->bmm.lhs_offset = -a->zero_point[0];
  p->bmm.rhs_offset = -b->zero_point[0];
  p->bmm.output_offset = out->zero_point[0];
  p->bmm.rounding =
      c->m->conv_rounding == QE_ROUND_HALF_UP ? QE_K_ROUND_HALF_UP : QE_K_ROUND_DOUBLE;
  p->bmm.act_min = -128;
  p->bmm.act_max = 127;
  narrow_range(out, &p->bmm.act_min, &p->bmm.act_max);
  p->impl = QE_QIMPL_S8;
  return QE_OK;
}

/* An ONNX node kept in float: its graph's inputs and output match the op's
 * tensors (float32, same shapes). */
static qe_status prep_onnx(pctx *c)
{
  const struct qe_graph *g = c->op->graph;
  const qe_qtensor *out = out_t(c);
  int k, d;
  if (g == NULL)
    return op_error(c, QE_ERR_INVALID, "no ONNX graph");
  if ((int)g->n_inputs != c->op->n_inputs || g->n_outputs != 1)
    return op_error(c, QE_ERR_INVALID, "its ONNX graph has %zu inputs and %zu outputs for %d and 1",
                    g->n_inputs, g->n_outputs, c->op->n_inputs);
  for (k = -1; k < c->op->n_inputs; k++) {
    const qe_qtensor *t = k < 0 ? out : in_t(c, k);
    const qe_tensor *gt = &g->tensors[k < 0 ? g->outputs[0] : g->inputs[k]];
    bool same = t != NULL && t->rank == gt->rank;
    for (d = 0; same && d < t->rank; d++)
      same = t->dims[d] == gt->dims[d];
    if (t == NULL || t->type != QE_DT_F32 || !same)
      return op_error(c, QE_ERR_INVALID, "%s %d does not match its ONNX graph (float32, shape)",
                      k < 0 ? "output" : "input", k < 0 ? 0 : k);
  }
  c->p->impl = QE_QIMPL_F32;
  return QE_OK;
}

static qe_status prepare_op(pctx *c)
{
  int k;
  const qe_qop *op = c->op;
  if ((unsigned)op->type >= QE_QOP_COUNT)
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "op %zu: unknown operator %d", c->i, (int)op->type);
  if (op->output < 0 || (size_t)op->output >= c->m->n_tensors)
    return op_error(c, QE_ERR_INVALID, "output tensor index %d out of range", op->output);
  for (k = 0; k < op->n_inputs; k++)
    if (op->inputs[k] >= (int)c->m->n_tensors || op->inputs[k] < -1)
      return op_error(c, QE_ERR_INVALID, "input %d: tensor index %d out of range", k,
                      op->inputs[k]);
  if (qe_qtensor_count(out_t(c)) < 0 || qe_qtensor_elem_size(out_t(c)) == 0)
    return op_error(c, QE_ERR_UNSUPPORTED, "output '%s' has type %s", out_t(c)->name,
                    qe_dtype_name(out_t(c)->type));
  c->p->elem_size = qe_qtensor_elem_size(out_t(c));
  if (narrow_bits(out_t(c)) &&
      (op->type == QE_QOP_MEAN || op->type == QE_QOP_SOFTMAX || op->type == QE_QOP_HARD_SWISH ||
       (op->type == QE_QOP_QUANTIZE && op->n_inputs > 0 && op->inputs[0] >= 0 &&
        (size_t)op->inputs[0] < c->m->n_tensors && c->m->tensors[op->inputs[0]].type == QE_DT_F32)))
    return op_error(c, QE_ERR_UNSUPPORTED,
                    "output '%s': %d-bit activations cannot be produced here", out_t(c)->name,
                    out_t(c)->weight_bits);
  /* Activations and weights are never empty (shape operands may be). */
  for (k = -1; k < op->n_inputs; k++) {
    const qe_qtensor *t = k < 0 ? out_t(c) : in_t(c, k);
    int d;
    if (t == NULL || (t->data != NULL && t->type == QE_DT_I32 && t->rank <= 1))
      continue;
    for (d = 0; d < t->rank; d++)
      if (t->dims[d] <= 0)
        return op_error(c, QE_ERR_SHAPE, "%s '%s' has an empty dimension %d",
                        k < 0 ? "output" : "input", t->name, d);
  }
  switch (op->type) {
  case QE_QOP_CONV_2D:
    return prep_conv(c, false);
  case QE_QOP_DEPTHWISE_CONV_2D:
    return prep_conv(c, true);
  case QE_QOP_FULLY_CONNECTED:
    return prep_fc(c);
  case QE_QOP_ADD:
  case QE_QOP_MUL:
  case QE_QOP_SUB:
  case QE_QOP_DIV:
  case QE_QOP_SQUARED_DIFFERENCE:
    return prep_binary(c);
  case QE_QOP_BATCH_MATMUL:
    return prep_batch_matmul(c);
  case QE_QOP_ONNX:
    return prep_onnx(c);
  case QE_QOP_GATHER:
    return prep_gather(c);
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
    return prep_pool(c);
  case QE_QOP_MEAN:
    return prep_mean(c);
  case QE_QOP_SOFTMAX:
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
  case QE_QOP_HARD_SWISH:
  case QE_QOP_RELU:
  case QE_QOP_RELU6:
  case QE_QOP_RSQRT:
  case QE_QOP_SQRT:
  case QE_QOP_GELU:
    return prep_activation(c);
  case QE_QOP_QUANTIZE:
  case QE_QOP_DEQUANTIZE:
    return prep_quantize(c);
  case QE_QOP_RESHAPE:
    return prep_reshape(c);
  case QE_QOP_TRANSPOSE:
  case QE_QOP_PAD:
    return prep_transpose_pad(c);
  case QE_QOP_CONCATENATION:
    return prep_concat(c);
  case QE_QOP_RESIZE_BILINEAR:
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    return prep_resize(c);
  default:
    return op_error(c, QE_ERR_UNSUPPORTED, "operator not supported");
  }
}

qe_status qe_qmodel_prepare(qe_qmodel *m, qe_ctx *ctx)
{
  struct qe_qprep *prep;
  unsigned char *written = NULL;
  qe_status st = QE_OK;
  size_t i;

  if (m == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "no model");
  qe_qprep_free(m->prep);
  m->prep = NULL;
  if (m->n_inputs == 0 || m->n_outputs == 0)
    return qe_error(ctx, QE_ERR_INVALID, "the model has %zu inputs and %zu outputs", m->n_inputs,
                    m->n_outputs);
  prep = calloc(1, sizeof(*prep));
  if (prep == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (m->n_ops > 0 && (prep->ops = calloc(m->n_ops, sizeof(qe_qop_prep))) == NULL) {
    free(prep);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  prep->n_ops = m->n_ops;
  if ((st = qe_alloc(ctx, m->n_tensors + 1, 1, "tensor flags", (void **)&written)) != QE_OK) {
    qe_qprep_free(prep);
    return st;
  }
  /* Tensors are written once: by being a graph input, a constant or one
   * op's output; ops read only what was written before them. */
  for (i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    if (t->data != NULL)
      written[i] = 1;
    if (t->n_quant > 1 && (t->quantized_dimension < 0 || t->quantized_dimension >= t->rank ||
                           (size_t)t->dims[t->quantized_dimension] != t->n_quant)) {
      st = qe_error(ctx, QE_ERR_INVALID,
                    "tensor %zu '%s': %zu scales do not match quantized dimension %d", i, t->name,
                    t->n_quant, t->quantized_dimension);
      goto out;
    }
  }
  for (i = 0; i < m->n_inputs; i++) {
    if (m->inputs[i] < 0 || (size_t)m->inputs[i] >= m->n_tensors) {
      st =
          qe_error(ctx, QE_ERR_INVALID, "input %zu: tensor index %d out of range", i, m->inputs[i]);
      goto out;
    }
    written[m->inputs[i]] = 1;
  }
  for (i = 0; i < m->n_ops; i++) {
    pctx c;
    int k;
    c.m = m;
    c.i = i;
    c.op = &m->ops[i];
    c.p = &prep->ops[i];
    c.ctx = ctx;
    if ((st = prepare_op(&c)) != QE_OK)
      goto out;
    for (k = 0; k < c.op->n_inputs; k++)
      if (c.op->inputs[k] >= 0 && !written[c.op->inputs[k]]) {
        st = op_error(&c, QE_ERR_INVALID, "input %d '%s' is read before any op writes it", k,
                      m->tensors[c.op->inputs[k]].name);
        goto out;
      }
    if (written[c.op->output]) {
      st = op_error(&c, QE_ERR_INVALID, "output '%s' is written twice",
                    m->tensors[c.op->output].name);
      goto out;
    }
    written[c.op->output] = 1;
    if (c.p->scratch_size > prep->scratch_size)
      prep->scratch_size = c.p->scratch_size;
    if ((st = qe_progress(ctx, m->n_ops ? (double)i / (double)m->n_ops : 1.0, "preparing")) !=
        QE_OK)
      goto out;
  }
  for (i = 0; i < m->n_outputs; i++)
    if (m->outputs[i] < 0 || (size_t)m->outputs[i] >= m->n_tensors || !written[m->outputs[i]]) {
      st = qe_error(ctx, QE_ERR_INVALID, "output %zu (tensor %d) is never written", i,
                    m->outputs[i]);
      goto out;
    }
out:
  free(written);
  if (st != QE_OK) {
    qe_qprep_free(prep);
    return st;
  }
  m->prep = prep;
  return QE_OK;
}

size_t qe_qmodel_scratch_size(const qe_qmodel *m)
{
  return m != NULL && m->prep != NULL ? m->prep->scratch_size : 0;
}
