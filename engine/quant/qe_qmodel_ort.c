/* qe_qmodel_ort.c - QE_ROUND_ORT: the int8 model computed as ONNX Runtime's
 * CPU execution provider computes the model's QDQ export, on the host only
 * (the s8 kernels and their TFLite numerics are untouched).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What ONNX Runtime 1.x does with a QDQ model on an x86 CPU (learnt from
 * its optimizer and MLAS sources, and from the graphs it writes with
 * optimizedModelFilePath):
 *
 *  - QDQS8ToU8Transformer turns an int8 Q -> DQ pair into uint8 (zero point
 *    + 128, the same real values) only when the Q has one consumer, i.e.
 *    when the tensor is read by one node. The node-unit selectors then fuse
 *    DQ -> op -> Q into one QLinear kernel only when the activation types
 *    agree (all uint8 for Conv / Gemm on x86, all the same for Add and
 *    unary ops). So a node next to a tensor read by two nodes (a residual
 *    branch) runs in float32 between DequantizeLinear and QuantizeLinear.
 *  - QLinearConv and QGemm (and depthwise): the int32 sum plus the int32
 *    bias, converted to float and multiplied by the float32 scale
 *    (x_scale * w_scale[c] / y_scale, in that order), clamped to the
 *    output range less the zero point, rounded to nearest even
 *    (cvtps2dq), plus the zero point (MlasRequantizeOutput).
 *  - QLinearGlobalAveragePool: the int32 sum less zero_point * N, times the
 *    float32 x_scale / (y_scale * N), rounded as above.
 *  - QLinearAdd: the XNNPACK-style fixed point of MLAS: both scale ratios
 *    to 22-bit multipliers (shift 21 - exponent of the larger), the
 *    products summed in int32 and shifted right rounding half away from
 *    zero, plus the zero point, saturated.
 *  - QLinearAveragePool: float32 dequantized values summed, divided by the
 *    count, then nearbyint(y / y_scale + zero_point).
 *  - QuantizeLinear: x / scale in float32, clamped, rounded to nearest
 *    even, plus the zero point (MlasQuantizeLinear). DequantizeLinear:
 *    float(q - zero_point) * scale.
 *  - Ops left in float (Add, Conv next to a shared tensor; Mul, which the
 *    engine always computes this way (QLinearMul is not reproduced); Sigmoid,
 *    Tanh, HardSwish; requantizing Concat inputs): dequantize, the float
 *    op, QuantizeLinear. Elementwise ops are reproduced exactly in
 *    float32; a float convolution's sum is taken exactly (in double) and
 *    rounded once to float32, where MLAS sums in float32 in its own order
 *    (they can differ only within a few float32 ulps of a rounding tie).
 *
 * Ops with no requantization (pad, pools of max, reshape, transpose,
 * concatenation of one grid) and SOFTMAX keep the engine's kernels.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "qe_internal.h"
#include "qe_qmodel_private.h"

static int32_t clampi(int32_t v, int32_t lo, int32_t hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* MlasRequantizeOutput / MlasQuantizeLinear's last steps: @v already
 * scaled, clamped to [lo - zp, hi - zp], rounded to nearest even, plus zp. */
static int32_t round_clamp(float v, int32_t zp, int32_t lo, int32_t hi)
{
  const float fmin = (float)(lo - zp), fmax = (float)(hi - zp);
  if (!(v >= fmin)) /* also NaN, as MAXPS returns its second operand */
    v = fmin;
  if (v > fmax)
    v = fmax;
  return (int32_t)lrintf(v) + zp;
}

int32_t qe_ort_requantize(int32_t acc, float scale, int32_t zero_point)
{
  return round_clamp((float)acc * scale, zero_point, -128, 127);
}

int32_t qe_ort_quantize(float x, float scale, int32_t zero_point, int32_t lo, int32_t hi)
{
  return round_clamp(x / scale, zero_point, lo, hi);
}

int32_t qe_ort_add(int32_t a, int32_t za, float sa, int32_t b, int32_t zb, float sb, int32_t zc,
                   float sc)
{
  const float ra = sa / sc, rb = sb / sc;
  const float g = ra > rb ? ra : rb;
  uint32_t bits;
  memcpy(&bits, &g, sizeof bits);
  const int32_t e = (int32_t)((bits >> 23) & 0xff) - 127;
  const int32_t shift = 21 - e;
  if (shift < 13 || shift > 31) /* outside MLAS's range: float arithmetic */
    return round_clamp(((float)(a - za) * sa + (float)(b - zb) * sb) / sc, zc, -128, 127);
  const float mf = ldexpf(1.0f, shift);
  const int64_t ma = lrintf(ra * mf), mb = lrintf(rb * mf);
  const int64_t acc64 = ma * (int64_t)(a - za) + mb * (int64_t)(b - zb);
  const int32_t acc = (int32_t)acc64;
  const int32_t mask = (int32_t)(((int64_t)1 << shift) - 1);
  const int32_t rem = (acc & mask) - (acc < 0 ? 1 : 0);
  int32_t q = (acc >> shift) + (rem > (mask >> 1) ? 1 : 0);
  q = clampi(q, INT16_MIN, INT16_MAX);
  return clampi(q + zc, -128, 127);
}

/* int8 activation tensors read by more than one op stay int8 in ONNX
 * Runtime (no uint8 conversion), which keeps their neighbours in float. */
static bool shared(const int32_t *consumers, const qe_qtensor *t, int idx)
{
  return t->data == NULL && consumers[idx] > 1;
}

/* Whether ONNX Runtime fuses op @i into its QLinear kernel (see above):
 * every int8 activation input and the output alike, and for conv and gemm
 * all of them uint8 (read by one node). */
static bool ort_fused(const qe_qmodel *m, size_t i, const int32_t *consumers, bool need_u8)
{
  const qe_qop *op = &m->ops[i];
  const bool out_shared = shared(consumers, &m->tensors[op->output], op->output);
  int k;
  if (need_u8 && out_shared)
    return false;
  for (k = 0; k < op->n_inputs; k++) {
    const int t = op->inputs[k];
    if (t < 0 || m->tensors[t].data != NULL || m->tensors[t].type != QE_DT_I8)
      continue;
    if (shared(consumers, &m->tensors[t], t) != out_shared)
      return false;
  }
  return true;
}

static float wscale(const qe_qtensor *w, int32_t c)
{
  return w->n_quant > 1 ? w->scale[c] : w->scale[0];
}

/* One output of conv / depthwise / gemm from its int32 sum (bias
 * included). */
static int8_t conv_out(int64_t acc, float sx, float sw, float sy, int32_t zy, bool fused,
                       int32_t act_min, int32_t act_max)
{
  int32_t y;
  if (fused) {
    const float scale = sx * sw / sy;
    y = round_clamp((float)acc * scale, zy, -128, 127);
  } else {
    const float real = (float)((double)acc * (double)sx * (double)sw);
    y = round_clamp(real / sy, zy, -128, 127);
  }
  return (int8_t)clampi(y, act_min, act_max);
}

static qe_kstatus ort_conv(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                           bool fused, bool depthwise)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_kconv_params *c = &p->conv;
  const qe_qtensor *tx = &m->tensors[op->inputs[0]], *tw = &m->tensors[op->inputs[1]];
  const qe_qtensor *ty = &m->tensors[op->output];
  const int8_t *x = in[0], *w = in[1];
  const int32_t *bias = op->n_inputs > 2 ? (const int32_t *)in[2] : NULL;
  const qe_kdims *id = &p->in_dims, *fd = &p->filter_dims, *od = &p->out_dims;
  int8_t *y = out;
  const int32_t zx = -c->input_offset, zy = c->output_offset;
  const int32_t mult = depthwise ? (c->depth_multiplier > 0 ? c->depth_multiplier : 1) : 1;
  int32_t n, oy, ox, o;

  if (c->weights != QE_KW_8 || tx->n_quant < 1 || ty->n_quant < 1 || tw->n_quant < 1)
    return QE_K_ERR_ARG;
  for (n = 0; n < od->n; n++)
    for (oy = 0; oy < od->h; oy++)
      for (ox = 0; ox < od->w; ox++)
        for (o = 0; o < od->c; o++) {
          int64_t acc = bias ? bias[o] : 0;
          int32_t ky, kx, ci;
          for (ky = 0; ky < fd->h; ky++) {
            const int32_t iy = oy * c->stride_h - c->pad_h + ky * c->dilation_h;
            if (iy < 0 || iy >= id->h)
              continue;
            for (kx = 0; kx < fd->w; kx++) {
              const int32_t ix = ox * c->stride_w - c->pad_w + kx * c->dilation_w;
              const int8_t *px;
              if (ix < 0 || ix >= id->w)
                continue;
              px = x + (((size_t)n * id->h + iy) * id->w + ix) * id->c;
              if (depthwise) {
                const int32_t wv = w[((size_t)ky * fd->w + kx) * fd->c + o];
                acc += (int64_t)wv * (px[o / mult] - zx);
              } else {
                const int8_t *pw = w + (((size_t)o * fd->h + ky) * fd->w + kx) * fd->c;
                for (ci = 0; ci < fd->c; ci++)
                  acc += (int64_t)pw[ci] * (px[ci] - zx);
              }
            }
          }
          y[(((size_t)n * od->h + oy) * od->w + ox) * od->c + o] = conv_out(
              acc, tx->scale[0], wscale(tw, o), ty->scale[0], zy, fused, c->act_min, c->act_max);
        }
  return QE_K_OK;
}

static qe_kstatus ort_fc(const qe_qmodel *m, size_t i, const void *const *in, void *out, bool fused)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_qtensor *tx = &m->tensors[op->inputs[0]], *tw = &m->tensors[op->inputs[1]];
  const qe_qtensor *ty = &m->tensors[op->output];
  const int8_t *x = in[0], *w = in[1];
  const int32_t *bias = op->n_inputs > 2 ? (const int32_t *)in[2] : NULL;
  int8_t *y = out;
  int32_t b, o, k;

  if (p->fc.weights != QE_KW_8 || tx->n_quant < 1 || ty->n_quant < 1 || tw->n_quant < 1)
    return QE_K_ERR_ARG;
  for (b = 0; b < p->fc_batches; b++)
    for (o = 0; o < p->fc_out; o++) {
      const int8_t *xr = x + (size_t)b * p->fc_accum, *wr = w + (size_t)o * p->fc_accum;
      int64_t acc = bias ? bias[o] : 0;
      for (k = 0; k < p->fc_accum; k++)
        acc += (int64_t)(wr[k] + p->fc.filter_offset) * (xr[k] + p->fc.input_offset);
      y[(size_t)b * p->fc_out + o] =
          conv_out(acc, tx->scale[0], wscale(tw, o), ty->scale[0], p->fc.output_offset, fused,
                   p->fc.act_min, p->fc.act_max);
    }
  return QE_K_OK;
}

static size_t bidx(const qe_kdims *d, int32_t n, int32_t h, int32_t w, int32_t c)
{
  return (((size_t)(d->n == 1 ? 0 : n) * d->h + (d->h == 1 ? 0 : h)) * d->w + (d->w == 1 ? 0 : w)) *
             d->c +
         (d->c == 1 ? 0 : c);
}

static qe_kstatus ort_binary(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                             bool fused)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_qtensor *ta = &m->tensors[op->inputs[0]], *tb = &m->tensors[op->inputs[1]];
  const qe_qtensor *tc = &m->tensors[op->output];
  const int8_t *a = in[0], *b = in[1];
  int8_t *y = out;
  const bool is_add = op->type == QE_QOP_ADD;
  const int32_t za = is_add ? -p->add.input1_offset : -p->mul.input1_offset;
  const int32_t zb = is_add ? -p->add.input2_offset : -p->mul.input2_offset;
  const int32_t zc = is_add ? p->add.output_offset : p->mul.output_offset;
  const int32_t lo = is_add ? p->add.act_min : p->mul.act_min;
  const int32_t hi = is_add ? p->add.act_max : p->mul.act_max;
  const qe_kdims *od = &p->out_dims;
  int32_t n, h, w, c;

  if (ta->n_quant < 1 || tb->n_quant < 1 || tc->n_quant < 1)
    return QE_K_ERR_ARG;
  for (n = 0; n < od->n; n++)
    for (h = 0; h < od->h; h++)
      for (w = 0; w < od->w; w++)
        for (c = 0; c < od->c; c++) {
          const int32_t qa = a[bidx(&p->in_dims, n, h, w, c)];
          const int32_t qb = b[bidx(&p->in2_dims, n, h, w, c)];
          int32_t v;
          if (is_add && fused) {
            v = qe_ort_add(qa, za, ta->scale[0], qb, zb, tb->scale[0], zc, tc->scale[0]);
          } else {
            const float fa = (float)(qa - za) * ta->scale[0];
            const float fb = (float)(qb - zb) * tb->scale[0];
            const float r = is_add ? fa + fb : fa * fb;
            v = qe_ort_quantize(r, tc->scale[0], zc, -128, 127);
          }
          y[(((size_t)n * od->h + h) * od->w + w) * od->c + c] = (int8_t)clampi(v, lo, hi);
        }
  return QE_K_OK;
}

static qe_kstatus ort_mean_hw(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                              bool fused)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_qtensor *tx = &m->tensors[op->inputs[0]], *ty = &m->tensors[op->output];
  const qe_kdims *d = &p->in_dims;
  const int8_t *x = in[0];
  int8_t *y = out;
  const int32_t zx = p->mean.input_zero_point, zy = p->mean.output_zero_point;
  const int32_t count = d->h * d->w;
  int32_t n, c, k;

  if (tx->n_quant < 1 || ty->n_quant < 1 || count <= 0)
    return QE_K_ERR_ARG;
  for (n = 0; n < d->n; n++)
    for (c = 0; c < d->c; c++) {
      int32_t acc = -zx * count;
      for (k = 0; k < count; k++)
        acc += x[((size_t)n * count + k) * d->c + c];
      if (fused) {
        const float scale = tx->scale[0] / (ty->scale[0] * (float)count);
        y[(size_t)n * d->c + c] = (int8_t)round_clamp((float)acc * scale, zy, -128, 127);
      } else {
        const float mean = (float)((double)acc * (double)tx->scale[0] / (double)count);
        y[(size_t)n * d->c + c] = (int8_t)qe_ort_quantize(mean, ty->scale[0], zy, -128, 127);
      }
    }
  return QE_K_OK;
}

static qe_kstatus ort_avg_pool(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                               bool fused)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_qtensor *tx = &m->tensors[op->inputs[0]], *ty = &m->tensors[op->output];
  const qe_kpool_params *pp = &p->pool;
  const qe_kdims *id = &p->in_dims, *od = &p->out_dims;
  const int8_t *x = in[0];
  int8_t *y = out;
  const int32_t zx = tx->n_quant ? tx->zero_point[0] : 0, zy = ty->n_quant ? ty->zero_point[0] : 0;
  int32_t n, oy, ox, c;

  if (tx->n_quant < 1 || ty->n_quant < 1)
    return QE_K_ERR_ARG;
  for (n = 0; n < od->n; n++)
    for (oy = 0; oy < od->h; oy++)
      for (ox = 0; ox < od->w; ox++)
        for (c = 0; c < od->c; c++) {
          const int32_t y0 = oy * pp->stride_h - pp->pad_h, x0 = ox * pp->stride_w - pp->pad_w;
          const int32_t ys = y0 < 0 ? 0 : y0, xs = x0 < 0 ? 0 : x0;
          const int32_t ye = y0 + pp->filter_h < id->h ? y0 + pp->filter_h : id->h;
          const int32_t xe = x0 + pp->filter_w < id->w ? x0 + pp->filter_w : id->w;
          float sum = 0.0f;
          int32_t yy, xx, v;
          for (yy = ys; yy < ye; yy++)
            for (xx = xs; xx < xe; xx++)
              sum += tx->scale[0] *
                     (float)(x[(((size_t)n * id->h + yy) * id->w + xx) * id->c + c] - zx);
          sum /= (float)((ye - ys) * (xe - xs));
          if (fused) {
            /* QLinearAveragePool: nearbyint(y / y_scale + zero_point) */
            float t = sum / ty->scale[0];
            t += (float)zy;
            v = clampi((int32_t)lrintf(t), -128, 127);
          } else {
            v = qe_ort_quantize(sum, ty->scale[0], zy, -128, 127);
          }
          y[(((size_t)n * od->h + oy) * od->w + ox) * od->c + c] =
              (int8_t)clampi(v, pp->act_min, pp->act_max);
        }
  return QE_K_OK;
}

/* Sigmoid (QLinearSigmoid's table), Tanh and HardSwish (float between
 * DequantizeLinear and QuantizeLinear): one table of the 256 inputs. */
static qe_kstatus ort_unary(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                            size_t count)
{
  const qe_qop *op = &m->ops[i];
  const qe_qtensor *tx = &m->tensors[op->inputs[0]], *ty = &m->tensors[op->output];
  const int8_t *x = in[0];
  int8_t *y = out, table[256];
  int32_t q;
  size_t k;

  if (tx->n_quant < 1 || ty->n_quant < 1)
    return QE_K_ERR_ARG;
  for (q = -128; q < 128; q++) {
    const float v = (float)(q - tx->zero_point[0]) * tx->scale[0];
    float r;
    if (op->type == QE_QOP_LOGISTIC)
      r = 1.0f / (1.0f + expf(-v));
    else if (op->type == QE_QOP_TANH)
      r = tanhf(v);
    else {
      float hs = v * (1.0f / 6.0f) + 0.5f;
      hs = hs < 0.0f ? 0.0f : hs > 1.0f ? 1.0f : hs;
      r = v * hs;
    }
    table[(uint8_t)(int8_t)q] =
        (int8_t)qe_ort_quantize(r, ty->scale[0], ty->zero_point[0], -128, 127);
  }
  if (ty->weight_bits >= 2 && ty->weight_bits < 8) {
    const int32_t half = (int32_t)1 << (ty->weight_bits - 1);
    for (q = 0; q < 256; q++)
      table[q] = (int8_t)clampi(table[q], -half, half - 1);
  }
  for (k = 0; k < count; k++)
    y[k] = table[(uint8_t)x[k]];
  return QE_K_OK;
}

static qe_kstatus ort_requant(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                              size_t count)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const qe_krequant_params *r = &p->requant;
  const qe_qtensor *tx = &m->tensors[op->inputs[0]], *ty = &m->tensors[op->output];
  size_t k;

  if (tx->n_quant < 1 || ty->n_quant < 1)
    return QE_K_ERR_ARG;
  for (k = 0; k < count; k++) {
    const int32_t q = r->in_unsigned ? ((const uint8_t *)in[0])[k] : ((const int8_t *)in[0])[k];
    const float v = (float)(q - r->input_zero_point) * tx->scale[0];
    const int32_t lo = r->out_unsigned ? 0 : -128, hi = r->out_unsigned ? 255 : 127;
    const int32_t o = clampi(qe_ort_quantize(v, ty->scale[0], r->output_zero_point, lo, hi),
                             r->act_min, r->act_max);
    if (r->out_unsigned)
      ((uint8_t *)out)[k] = (uint8_t)o;
    else
      ((int8_t *)out)[k] = (int8_t)o;
  }
  return QE_K_OK;
}

static qe_kstatus ort_quantize(const qe_qop_prep *p, const float *x, size_t count, void *out)
{
  const int32_t lo = p->q_unsigned ? 0 : -128, hi = p->q_unsigned ? 255 : 127;
  size_t k;
  for (k = 0; k < count; k++) {
    const int32_t o = qe_ort_quantize(x[k], p->q_scale, p->q_zero_point, lo, hi);
    if (p->q_unsigned)
      ((uint8_t *)out)[k] = (uint8_t)o;
    else
      ((int8_t *)out)[k] = (int8_t)o;
  }
  return QE_K_OK;
}

bool qe_qmodel_ort_runs(const qe_qmodel *m, size_t i)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  switch (p->impl) {
  case QE_QIMPL_QUANTIZE:
  case QE_QIMPL_REQUANT:
    return true;
  case QE_QIMPL_S8:
    break;
  default:
    return false;
  }
  switch (op->type) {
  case QE_QOP_CONV_2D:
  case QE_QOP_DEPTHWISE_CONV_2D:
    return p->conv.weights == QE_KW_8;
  case QE_QOP_FULLY_CONNECTED:
    return p->fc.weights == QE_KW_8;
  case QE_QOP_ADD:
  case QE_QOP_MUL:
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
  case QE_QOP_HARD_SWISH:
    return true;
  case QE_QOP_MEAN:
    return !p->mean_general;
  default:
    return false;
  }
}

qe_kstatus qe_qmodel_run_ort_op(const qe_qmodel *m, size_t i, const int32_t *consumers,
                                const void *const *in, void *out)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const size_t n = (size_t)qe_qtensor_count(&m->tensors[op->output]);

  if (p->impl == QE_QIMPL_QUANTIZE)
    return ort_quantize(p, in[0], n, out);
  if (p->impl == QE_QIMPL_REQUANT)
    return ort_requant(m, i, in, out, n);
  switch (op->type) {
  case QE_QOP_CONV_2D:
    return ort_conv(m, i, in, out, ort_fused(m, i, consumers, true), false);
  case QE_QOP_DEPTHWISE_CONV_2D:
    return ort_conv(m, i, in, out, ort_fused(m, i, consumers, true), true);
  case QE_QOP_FULLY_CONNECTED:
    return ort_fc(m, i, in, out, ort_fused(m, i, consumers, true));
  case QE_QOP_ADD:
  case QE_QOP_MUL:
    return ort_binary(m, i, in, out, ort_fused(m, i, consumers, false));
  case QE_QOP_MEAN:
    return ort_mean_hw(m, i, in, out, ort_fused(m, i, consumers, false));
  case QE_QOP_AVERAGE_POOL_2D:
    return ort_avg_pool(m, i, in, out, ort_fused(m, i, consumers, false));
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
  case QE_QOP_HARD_SWISH:
    return ort_unary(m, i, in, out, n);
  default:
    return QE_K_ERR_ARG;
  }
}
