/* single-op.c - randomized single-operator int8 models for the tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "single-op.h"

static const char *const kind_names[SO_COUNT] = {
  "conv",
  "conv-4bit",
  "conv-2bit",
  "conv-packed4",
  "depthwise",
  "fc",
  "fc-per-channel",
  "add",
  "mul",
  "avg-pool",
  "max-pool",
  "mean",
  "softmax",
  "logistic",
  "tanh",
  "hard-swish",
  "pad",
  "concat",
  "transpose",
  "reshape",
  "requantize",
  "relu",
  "relu6",
  "quantize-float",
  "dequantize",
  "resize-bilinear",
  "resize-nearest",
  "sub",
  "squared-difference",
  "rsqrt",
  "gelu",
  "gather",
  "batch-matmul",
  "mean-axes",
};

const char *so_kind_name(so_kind k)
{
  return (unsigned)k < SO_COUNT ? kind_names[k] : "?";
}

uint32_t so_next(so_rng *r)
{
  /* xorshift64* */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return (uint32_t)((r->s * 2685821657736338717ull) >> 32);
}

int so_int(so_rng *r, int lo, int hi)
{
  return lo + (int)(so_next(r) % (uint32_t)(hi - lo + 1));
}

float so_float(so_rng *r, float lo, float hi)
{
  return lo + (hi - lo) * (float)(so_next(r) >> 8) / (float)(1u << 24);
}

/* A log-uniform scale. */
static float rscale(so_rng *r, float lo, float hi)
{
  return expf(so_float(r, logf(lo), logf(hi)));
}

static int act_tensor(qe_qmodel *m, const char *name, qe_dtype t, int rank, const int32_t *dims,
                      float scale, int32_t zp)
{
  int idx = -1;
  if (t == QE_DT_F32)
    qe_qmodel_add_tensor(m, name, t, rank, dims, NULL, 0, 0, NULL, NULL, 0, &idx, NULL);
  else
    qe_qmodel_add_tensor(m, name, t, rank, dims, NULL, 0, 1, &scale, &zp, 0, &idx, NULL);
  return idx;
}

static int const_i32(qe_qmodel *m, const char *name, int rank, const int32_t *dims,
                     const int32_t *v, size_t n)
{
  int idx = -1;
  qe_qmodel_add_tensor(m, name, QE_DT_I32, rank, dims, v, n * 4, 0, NULL, NULL, 0, &idx, NULL);
  return idx;
}

static int32_t out_size(qe_padding pad, int32_t in, int32_t f, int32_t s, int32_t d)
{
  const int32_t eff = (f - 1) * d + 1;
  return pad == QE_PAD_SAME ? (in + s - 1) / s : (in + s - eff) / s;
}

static int rzp(so_rng *r)
{
  return so_int(r, 0, 3) == 0 ? 0 : so_int(r, -128, 127);
}

static qe_activation ract(so_rng *r)
{
  static const qe_activation a[] = { QE_ACT_NONE, QE_ACT_NONE, QE_ACT_RELU, QE_ACT_RELU6 };
  return a[so_int(r, 0, 3)];
}

static qe_qmodel *finish(qe_qmodel *m, int in0, int out)
{
  qe_qmodel_add_input(m, in0, NULL);
  qe_qmodel_add_output(m, out, NULL);
  if (qe_qmodel_prepare(m, NULL) != QE_OK) {
    qe_qmodel_free(m);
    return NULL;
  }
  return m;
}

static qe_qmodel *make_conv(so_rng *r, so_kind k)
{
  const bool dw = k == SO_DEPTHWISE;
  const int n = so_int(r, 1, 2), h = so_int(r, 1, 12), w = so_int(r, 1, 12);
  const int cin = so_int(r, 1, dw ? 6 : 8), mult = dw ? so_int(r, 1, 3) : 1;
  const int cout = dw ? cin * mult : so_int(r, 1, 8);
  const int kh = so_int(r, 1, 4), kw = so_int(r, 1, 4);
  qe_qop_options o;
  qe_qmodel *m = NULL;
  const float in_s = rscale(r, 0.005f, 0.1f);
  const int32_t in_zp = rzp(r);
  int wmax = k == SO_CONV_4BIT || k == SO_CONV_PACKED4 ? 7 : (k == SO_CONV_2BIT ? 1 : 127);
  int wmin = k == SO_CONV_4BIT || k == SO_CONV_PACKED4 ? -8 : (k == SO_CONV_2BIT ? -2 : -127);
  int32_t in_dims[4] = { n, h, w, cin }, wdims[4], odims[4], bdims[1] = { cout };
  int8_t *wv;
  int32_t *bias;
  float *ws, *bs;
  int32_t *wz, *bz;
  int per_channel = so_int(r, 0, 3) != 0, nq, i, oh, ow, K, tin, tw, tb, tout, ins[3];
  size_t nw;
  qe_qop_options_init(&o);
  o.padding = so_int(r, 0, 1) ? QE_PAD_VALID : QE_PAD_SAME;
  o.stride_h = so_int(r, 1, 3);
  o.stride_w = so_int(r, 1, 3);
  o.dilation_h = so_int(r, 0, 3) == 0 ? 2 : 1;
  o.dilation_w = so_int(r, 0, 3) == 0 ? 2 : 1;
  o.depth_multiplier = mult;
  o.activation = ract(r);
  oh = out_size(o.padding, h, kh, o.stride_h, o.dilation_h);
  ow = out_size(o.padding, w, kw, o.stride_w, o.dilation_w);
  if (oh <= 0 || ow <= 0)
    return NULL;
  if (dw) {
    wdims[0] = 1;
    wdims[1] = kh;
    wdims[2] = kw;
    wdims[3] = cout;
  } else {
    wdims[0] = cout;
    wdims[1] = kh;
    wdims[2] = kw;
    wdims[3] = cin;
  }
  odims[0] = n;
  odims[1] = oh;
  odims[2] = ow;
  odims[3] = cout;
  K = kh * kw * (dw ? 1 : cin);
  nw = (size_t)wdims[0] * kh * kw * wdims[3];
  nq = per_channel ? cout : 1;
  wv = malloc(nw);
  bias = malloc(sizeof(int32_t) * cout);
  ws = malloc(sizeof(float) * nq);
  wz = calloc(nq, sizeof(int32_t));
  bs = malloc(sizeof(float) * cout);
  bz = calloc(cout, sizeof(int32_t));
  for (i = 0; i < (int)nw; i++)
    wv[i] = (int8_t)so_int(r, wmin, wmax);
  for (i = 0; i < nq; i++)
    ws[i] = rscale(r, 0.002f, 0.05f);
  for (i = 0; i < cout; i++) {
    bs[i] = in_s * ws[per_channel ? i : 0];
    bias[i] = so_int(r, -20000, 20000);
  }
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", QE_DT_I8, 4, in_dims, in_s, in_zp);
  if (k == SO_CONV_PACKED4) {
    uint8_t *packed = calloc((nw + 1) / 2, 1);
    for (i = 0; i < (int)nw; i++)
      packed[i / 2] |= (uint8_t)((wv[i] & 15) << ((i & 1) * 4));
    qe_qmodel_add_tensor(m, "weights", QE_DT_I4, 4, wdims, packed, (nw + 1) / 2, nq, ws, wz,
                         dw ? 3 : 0, &tw, NULL);
    free(packed);
  } else {
    qe_qmodel_add_tensor(m, "weights", QE_DT_I8, 4, wdims, wv, nw, nq, ws, wz, dw ? 3 : 0, &tw,
                         NULL);
  }
  m->tensors[tw].weight_bits = wmax == 127 ? 8 : (wmax == 7 ? 4 : 2);
  qe_qmodel_add_tensor(m, "bias", QE_DT_I32, 1, bdims, bias, sizeof(int32_t) * cout,
                       per_channel ? cout : 1, bs, bz, 0, &tb, NULL);
  {
    /* Output scale: about two standard deviations of the accumulator. */
    const float acc_std = 60.0f * (float)wmax * 0.6f * sqrtf((float)K) + 1.0f;
    const float out_s = in_s * ws[0] * acc_std * so_float(r, 0.5f, 3.0f) / 127.0f;
    tout = act_tensor(m, "output", QE_DT_I8, 4, odims, out_s, rzp(r));
  }
  ins[0] = tin;
  ins[1] = tw;
  ins[2] = tb;
  qe_qmodel_add_op(m, dw ? QE_QOP_DEPTHWISE_CONV_2D : QE_QOP_CONV_2D, 3, ins, tout, &o, "op", NULL,
                   NULL);
  free(wv);
  free(bias);
  free(ws);
  free(wz);
  free(bs);
  free(bz);
  return finish(m, tin, tout);
}

static qe_qmodel *make_fc(so_rng *r, bool per_channel)
{
  const int batches = so_int(r, 1, 3), kin = so_int(r, 1, 40), kout = so_int(r, 1, 12);
  const float in_s = rscale(r, 0.005f, 0.1f);
  const int nq = per_channel ? kout : 1;
  int32_t in_dims[2] = { batches, kin }, wdims[2] = { kout, kin }, bdims[1] = { kout },
          odims[2] = { batches, kout };
  int8_t *wv = malloc((size_t)kin * kout);
  int32_t *bias = malloc(sizeof(int32_t) * kout), *wz = calloc(nq, 4), *bz = calloc(kout, 4);
  float *ws = malloc(sizeof(float) * nq), *bs = malloc(sizeof(float) * kout);
  qe_qmodel *m = NULL;
  qe_qop_options o;
  int i, tin, tw, tb, tout, ins[3];
  for (i = 0; i < kin * kout; i++)
    wv[i] = (int8_t)so_int(r, -127, 127);
  for (i = 0; i < nq; i++)
    ws[i] = rscale(r, 0.002f, 0.05f);
  for (i = 0; i < kout; i++) {
    bias[i] = so_int(r, -20000, 20000);
    bs[i] = in_s * ws[per_channel ? i : 0];
  }
  qe_qop_options_init(&o);
  o.activation = ract(r);
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", QE_DT_I8, 2, in_dims, in_s, rzp(r));
  qe_qmodel_add_tensor(m, "weights", QE_DT_I8, 2, wdims, wv, (size_t)kin * kout, nq, ws, wz, 0, &tw,
                       NULL);
  qe_qmodel_add_tensor(m, "bias", QE_DT_I32, 1, bdims, bias, 4 * (size_t)kout,
                       per_channel ? kout : 1, bs, bz, 0, &tb, NULL);
  tout = act_tensor(
      m, "output", QE_DT_I8, 2, odims,
      in_s * ws[0] * 60.0f * 76.0f * sqrtf((float)kin) * so_float(r, 0.5f, 3.0f) / 127.0f, rzp(r));
  ins[0] = tin;
  ins[1] = tw;
  ins[2] = tb;
  qe_qmodel_add_op(m, QE_QOP_FULLY_CONNECTED, 3, ins, tout, &o, "op", NULL, NULL);
  free(wv);
  free(bias);
  free(wz);
  free(bz);
  free(ws);
  free(bs);
  return finish(m, tin, tout);
}

static void rdims(so_rng *r, int rank, int32_t *d, int maxd)
{
  int i;
  for (i = 0; i < rank; i++)
    d[i] = so_int(r, 1, maxd);
}

static qe_qmodel *make_binary(so_rng *r, so_kind k)
{
  const bool mul = k == SO_MUL;
  int32_t od[4], ad[4], bd[4];
  const int rank = so_int(r, 1, 4);
  int rb = rank, i, ta, tb, tout, ins[2];
  const float sa = rscale(r, 0.005f, 0.1f), sb = rscale(r, 0.005f, 0.1f);
  float so;
  qe_qmodel *m = NULL;
  qe_qop_options o;
  rdims(r, rank, od, 6);
  for (i = 0; i < rank; i++) {
    ad[i] = so_int(r, 0, 2) == 0 ? 1 : od[i];
    bd[i] = so_int(r, 0, 2) == 0 ? 1 : od[i];
  }
  /* the output shape is the broadcast of both */
  for (i = 0; i < rank; i++)
    od[i] = ad[i] > bd[i] ? ad[i] : bd[i];
  if (so_int(r, 0, 2) == 0 && rank > 1) {
    /* lower-rank second input */
    rb = rank - 1;
    memmove(bd, bd + 1, sizeof(int32_t) * (size_t)rb);
  }
  qe_qop_options_init(&o);
  o.activation = k == SO_SQUARED_DIFFERENCE ? QE_ACT_NONE : ract(r);
  if (k == SO_SQUARED_DIFFERENCE) {
    const float ms = sa > sb ? sa : sb;
    so = 256.0f * ms * 256.0f * ms / 255.0f * so_float(r, 0.02f, 1.0f);
  } else {
    so = mul ? sa * sb * 128.0f * 128.0f / 127.0f * so_float(r, 0.1f, 1.0f)
             : (sa > sb ? sa : sb) * so_float(r, 1.0f, 2.5f);
  }
  qe_qmodel_new(&m, NULL);
  ta = act_tensor(m, "a", QE_DT_I8, rank, ad, sa, rzp(r));
  tb = act_tensor(m, "b", QE_DT_I8, rb, bd, sb, rzp(r));
  tout = act_tensor(m, "output", QE_DT_I8, rank, od, so, rzp(r));
  ins[0] = ta;
  ins[1] = tb;
  qe_qmodel_add_op(m,
                   k == SO_MUL                  ? QE_QOP_MUL
                   : k == SO_SUB                ? QE_QOP_SUB
                   : k == SO_SQUARED_DIFFERENCE ? QE_QOP_SQUARED_DIFFERENCE
                                                : QE_QOP_ADD,
                   2, ins, tout, &o, "op", NULL, NULL);
  qe_qmodel_add_input(m, ta, NULL);
  qe_qmodel_add_input(m, tb, NULL);
  qe_qmodel_add_output(m, tout, NULL);
  if (qe_qmodel_prepare(m, NULL) != QE_OK) {
    qe_qmodel_free(m);
    return NULL;
  }
  return m;
}

static qe_qmodel *make_pool(so_rng *r, bool avg)
{
  const int n = so_int(r, 1, 2), h = so_int(r, 1, 12), w = so_int(r, 1, 12), c = so_int(r, 1, 6);
  int32_t id[4] = { n, h, w, c }, od[4];
  qe_qop_options o;
  qe_qmodel *m = NULL;
  const float s = rscale(r, 0.005f, 0.1f);
  const int32_t zp = rzp(r);
  int tin, tout;
  qe_qop_options_init(&o);
  o.padding = so_int(r, 0, 1) ? QE_PAD_VALID : QE_PAD_SAME;
  o.stride_h = so_int(r, 1, 3);
  o.stride_w = so_int(r, 1, 3);
  o.filter_h = so_int(r, 1, 4);
  o.filter_w = so_int(r, 1, 4);
  o.activation = ract(r);
  od[0] = n;
  od[1] = out_size(o.padding, h, o.filter_h, o.stride_h, 1);
  od[2] = out_size(o.padding, w, o.filter_w, o.stride_w, 1);
  od[3] = c;
  if (od[1] <= 0 || od[2] <= 0)
    return NULL;
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", QE_DT_I8, 4, id, s, zp);
  tout = act_tensor(m, "output", QE_DT_I8, 4, od, s, zp);
  qe_qmodel_add_op(m, avg ? QE_QOP_AVERAGE_POOL_2D : QE_QOP_MAX_POOL_2D, 1, &tin, tout, &o, "op",
                   NULL, NULL);
  return finish(m, tin, tout);
}

static qe_qmodel *make_unary(so_rng *r, so_kind k)
{
  const int rank = so_int(r, 1, 4);
  int32_t d[4];
  float in_s = rscale(r, 0.005f, 0.2f), out_s;
  int32_t in_zp = rzp(r), out_zp;
  qe_qop_type type;
  qe_qop_options o;
  qe_qmodel *m = NULL;
  qe_dtype it = QE_DT_I8, ot = QE_DT_I8;
  int tin, tout;
  rdims(r, rank, d, k == SO_SOFTMAX ? 40 : 8);
  qe_qop_options_init(&o);
  out_s = rscale(r, 0.005f, 0.2f);
  out_zp = rzp(r);
  switch (k) {
  case SO_SOFTMAX:
    type = QE_QOP_SOFTMAX;
    o.beta = so_int(r, 0, 1) ? 1.0f : so_float(r, 0.3f, 2.0f);
    out_s = 1.0f / 256;
    out_zp = -128;
    break;
  case SO_LOGISTIC:
    type = QE_QOP_LOGISTIC;
    out_s = 1.0f / 256;
    out_zp = -128;
    break;
  case SO_TANH:
    type = QE_QOP_TANH;
    out_s = 1.0f / 128;
    out_zp = 0;
    break;
  case SO_HARD_SWISH:
    type = QE_QOP_HARD_SWISH;
    in_s = rscale(r, 0.01f, 0.1f);
    out_s = in_s * so_float(r, 0.3f, 1.5f);
    break;
  case SO_REQUANTIZE:
    type = QE_QOP_QUANTIZE;
    out_s = in_s * so_float(r, 0.2f, 4.0f);
    break;
  case SO_RELU:
  case SO_RELU6:
    type = k == SO_RELU ? QE_QOP_RELU : QE_QOP_RELU6;
    out_s = in_s * so_float(r, 0.3f, 2.0f);
    break;
  case SO_QUANTIZE_FLOAT:
    type = QE_QOP_QUANTIZE;
    it = QE_DT_F32;
    break;
  case SO_DEQUANTIZE:
    type = QE_QOP_DEQUANTIZE;
    ot = QE_DT_F32;
    break;
  case SO_RSQRT:
    type = QE_QOP_RSQRT;
    in_zp = -128;
    out_s = 1.0f / sqrtf(in_s) / 127.0f * so_float(r, 0.05f, 1.0f);
    break;
  case SO_GELU:
    type = QE_QOP_GELU;
    o.approximate = so_int(r, 0, 3) == 0;
    out_s = in_s * so_float(r, 0.3f, 1.5f);
    break;
  default:
    return NULL;
  }
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", it, rank, d, in_s, in_zp);
  tout = act_tensor(m, "output", ot, rank, d, out_s, out_zp);
  qe_qmodel_add_op(m, type, 1, &tin, tout, &o, "op", NULL, NULL);
  return finish(m, tin, tout);
}

static qe_qmodel *make_movement(so_rng *r, so_kind k)
{
  qe_qmodel *m = NULL;
  const float s = rscale(r, 0.005f, 0.1f);
  const int32_t zp = rzp(r);
  int32_t d[4], od[4];
  int rank = so_int(r, 1, 4), i, tin, tout, targ, ins[3];
  qe_qop_options o;
  qe_qop_options_init(&o);
  rdims(r, rank, d, 6);
  qe_qmodel_new(&m, NULL);
  switch (k) {
  case SO_MEAN: {
    int32_t axes[2] = { 1, 2 }, ad[1] = { 2 };
    rank = 4;
    rdims(r, 4, d, 9);
    o.keep_dims = so_int(r, 0, 1);
    tin = act_tensor(m, "input", QE_DT_I8, 4, d, s, zp);
    targ = const_i32(m, "axes", 1, ad, axes, 2);
    od[0] = d[0];
    if (o.keep_dims) {
      od[1] = od[2] = 1;
      od[3] = d[3];
    } else {
      od[1] = d[3];
    }
    tout = act_tensor(m, "output", QE_DT_I8, o.keep_dims ? 4 : 2, od, s * so_float(r, 0.5f, 2.0f),
                      rzp(r));
    ins[0] = tin;
    ins[1] = targ;
    qe_qmodel_add_op(m, QE_QOP_MEAN, 2, ins, tout, &o, "op", NULL, NULL);
    break;
  }
  case SO_PAD: {
    int32_t pads[8], pd[2] = { rank, 2 };
    for (i = 0; i < rank; i++) {
      pads[2 * i] = so_int(r, 0, 2);
      pads[2 * i + 1] = so_int(r, 0, 2);
      od[i] = d[i] + pads[2 * i] + pads[2 * i + 1];
    }
    tin = act_tensor(m, "input", QE_DT_I8, rank, d, s, zp);
    targ = const_i32(m, "paddings", 2, pd, pads, (size_t)rank * 2);
    tout = act_tensor(m, "output", QE_DT_I8, rank, od, s, zp);
    ins[0] = tin;
    ins[1] = targ;
    qe_qmodel_add_op(m, QE_QOP_PAD, 2, ins, tout, &o, "op", NULL, NULL);
    break;
  }
  case SO_TRANSPOSE: {
    int32_t perm[4], pd[1] = { rank };
    for (i = 0; i < rank; i++)
      perm[i] = i;
    for (i = rank - 1; i > 0; i--) {
      const int j = so_int(r, 0, i);
      const int32_t t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    for (i = 0; i < rank; i++)
      od[i] = d[perm[i]];
    tin = act_tensor(m, "input", QE_DT_I8, rank, d, s, zp);
    targ = const_i32(m, "perm", 1, pd, perm, (size_t)rank);
    tout = act_tensor(m, "output", QE_DT_I8, rank, od, s, zp);
    ins[0] = tin;
    ins[1] = targ;
    qe_qmodel_add_op(m, QE_QOP_TRANSPOSE, 2, ins, tout, &o, "op", NULL, NULL);
    break;
  }
  case SO_RESHAPE: {
    int32_t n = 1, sd[1] = { 2 }, shape[2];
    for (i = 0; i < rank; i++)
      n *= d[i];
    shape[0] = d[0];
    shape[1] = n / d[0];
    tin = act_tensor(m, "input", QE_DT_I8, rank, d, s, zp);
    targ = const_i32(m, "shape", 1, sd, shape, 2);
    tout = act_tensor(m, "output", QE_DT_I8, 2, shape, s, zp);
    ins[0] = tin;
    ins[1] = targ;
    qe_qmodel_add_op(m, QE_QOP_RESHAPE, 2, ins, tout, &o, "op", NULL, NULL);
    break;
  }
  case SO_CONCAT: {
    const int n_in = so_int(r, 2, 3), axis = so_int(r, 0, rank - 1);
    int j;
    memcpy(od, d, sizeof(od));
    od[axis] = 0;
    for (j = 0; j < n_in; j++) {
      int32_t dj[4];
      char name[16];
      memcpy(dj, d, sizeof(dj));
      dj[axis] = so_int(r, 1, 4);
      od[axis] += dj[axis];
      snprintf(name, sizeof(name), "in%d", j);
      ins[j] = act_tensor(m, name, QE_DT_I8, rank, dj, s, zp);
    }
    o.axis = so_int(r, 0, 1) ? axis : axis - rank;
    tout = act_tensor(m, "output", QE_DT_I8, rank, od, s, zp);
    qe_qmodel_add_op(m, QE_QOP_CONCATENATION, n_in, ins, tout, &o, "op", NULL, NULL);
    for (j = 0; j < n_in; j++)
      qe_qmodel_add_input(m, ins[j], NULL);
    qe_qmodel_add_output(m, tout, NULL);
    if (qe_qmodel_prepare(m, NULL) != QE_OK) {
      qe_qmodel_free(m);
      return NULL;
    }
    return m;
  }
  default:
    qe_qmodel_free(m);
    return NULL;
  }
  return finish(m, tin, tout);
}

static qe_qmodel *make_gather(so_rng *r)
{
  qe_qmodel *m = NULL;
  qe_qop_options o;
  const float s = rscale(r, 0.005f, 0.1f);
  const int32_t zp = rzp(r);
  const int rank = so_int(r, 1, 4), irank = so_int(r, 0, 2);
  int32_t d[4], id[2], od[6], idx[16];
  int axis = so_int(r, 0, rank - 1), n = 1, i, orank = 0, tin, tidx, tout, ins[2];
  rdims(r, rank, d, 6);
  rdims(r, irank, id, 3);
  for (i = 0; i < irank; i++)
    n *= id[i];
  for (i = 0; i < n; i++)
    idx[i] = so_int(r, 0, d[axis] - 1);
  for (i = 0; i < axis; i++)
    od[orank++] = d[i];
  for (i = 0; i < irank; i++)
    od[orank++] = id[i];
  for (i = axis + 1; i < rank; i++)
    od[orank++] = d[i];
  qe_qop_options_init(&o);
  o.axis = so_int(r, 0, 1) ? axis : axis - rank;
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", QE_DT_I8, rank, d, s, zp);
  tidx = const_i32(m, "indices", irank, id, idx, (size_t)n);
  tout = act_tensor(m, "output", QE_DT_I8, orank, od, s, zp);
  ins[0] = tin;
  ins[1] = tidx;
  qe_qmodel_add_op(m, QE_QOP_GATHER, 2, ins, tout, &o, "op", NULL, NULL);
  return finish(m, tin, tout);
}

static qe_qmodel *make_batch_matmul(so_rng *r)
{
  qe_qmodel *m = NULL;
  qe_qop_options o;
  const int ra = so_int(r, 2, 4), rb = so_int(r, 2, 4), rank = ra > rb ? ra : rb;
  const int mm = so_int(r, 1, 8), kk = so_int(r, 1, 24), nn = so_int(r, 1, 8);
  const float sa = rscale(r, 0.005f, 0.1f), sb = rscale(r, 0.005f, 0.1f);
  int32_t full[4], ad[4], bd[4], od[4];
  int i, ta, tb, tout, ins[2];
  qe_qop_options_init(&o);
  o.adj_x = so_int(r, 0, 2) == 0;
  o.adj_y = so_int(r, 0, 2) == 0;
  full[0] = so_int(r, 1, 2);
  full[1] = so_int(r, 1, 3);
  /* batch dims of each operand: the full one, or 1 (broadcast) */
  for (i = 0; i < rank - 2; i++) {
    const int32_t f = full[4 - rank + i];
    const int ia = i - (rank - ra), ib = i - (rank - rb);
    if (ia >= 0)
      ad[ia] = so_int(r, 0, 3) == 0 ? 1 : f;
    if (ib >= 0)
      bd[ib] = so_int(r, 0, 3) == 0 ? 1 : f;
    od[i] = f;
  }
  for (i = 0; i < rank - 2; i++) {
    const int ia = i - (rank - ra), ib = i - (rank - rb);
    const int32_t a = ia >= 0 ? ad[ia] : 1, b = ib >= 0 ? bd[ib] : 1;
    od[i] = a > b ? a : b;
  }
  ad[ra - 2] = o.adj_x ? kk : mm;
  ad[ra - 1] = o.adj_x ? mm : kk;
  bd[rb - 2] = o.adj_y ? nn : kk;
  bd[rb - 1] = o.adj_y ? kk : nn;
  od[rank - 2] = mm;
  od[rank - 1] = nn;
  qe_qmodel_new(&m, NULL);
  ta = act_tensor(m, "a", QE_DT_I8, ra, ad, sa, rzp(r));
  tb = act_tensor(m, "b", QE_DT_I8, rb, bd, sb, rzp(r));
  tout = act_tensor(m, "output", QE_DT_I8, rank, od,
                    sa * sb * 70.0f * 70.0f * sqrtf((float)kk) * so_float(r, 0.3f, 2.0f) / 127.0f,
                    rzp(r));
  ins[0] = ta;
  ins[1] = tb;
  qe_qmodel_add_op(m, QE_QOP_BATCH_MATMUL, 2, ins, tout, &o, "op", NULL, NULL);
  qe_qmodel_add_input(m, ta, NULL);
  qe_qmodel_add_input(m, tb, NULL);
  qe_qmodel_add_output(m, tout, NULL);
  if (qe_qmodel_prepare(m, NULL) != QE_OK) {
    qe_qmodel_free(m);
    return NULL;
  }
  return m;
}

static qe_qmodel *make_mean_axes(so_rng *r)
{
  qe_qmodel *m = NULL;
  qe_qop_options o;
  const int rank = so_int(r, 1, 4);
  const float s = rscale(r, 0.005f, 0.1f);
  const int32_t zp = rzp(r);
  int32_t d[4], od[4], axes[4], ad[1];
  int n_axes = 0, i, orank = 0, tin, tax, tout, ins[2], mask = 0;
  rdims(r, rank, d, 8);
  for (i = 0; i < rank; i++)
    if (so_int(r, 0, 1)) {
      axes[n_axes++] = so_int(r, 0, 1) ? i : i - rank;
      mask |= 1 << i;
    }
  if (n_axes == 0) {
    axes[n_axes++] = rank - 1;
    mask |= 1 << (rank - 1);
  }
  if (rank == 4 && mask == 0x6)
    return NULL; /* the H, W case is SO_MEAN */
  qe_qop_options_init(&o);
  o.keep_dims = so_int(r, 0, 1);
  for (i = 0; i < rank; i++) {
    if (mask & (1 << i)) {
      if (o.keep_dims)
        od[orank++] = 1;
    } else {
      od[orank++] = d[i];
    }
  }
  if (orank == 0)
    return NULL; /* a scalar: drawn again */
  ad[0] = n_axes;
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", QE_DT_I8, rank, d, s, zp);
  tax = const_i32(m, "axes", 1, ad, axes, (size_t)n_axes);
  if (so_int(r, 0, 2) == 0)
    tout = act_tensor(m, "output", QE_DT_I8, orank, od, s, zp);
  else
    tout = act_tensor(m, "output", QE_DT_I8, orank, od, s * so_float(r, 0.3f, 2.0f), rzp(r));
  ins[0] = tin;
  ins[1] = tax;
  qe_qmodel_add_op(m, QE_QOP_MEAN, 2, ins, tout, &o, "op", NULL, NULL);
  return finish(m, tin, tout);
}

static qe_qmodel *make_resize(so_rng *r, bool bilinear)
{
  qe_qmodel *m = NULL;
  qe_qop_options o;
  const float s = rscale(r, 0.005f, 0.1f);
  const int32_t zp = rzp(r);
  int32_t d[4], od[4], size[2], sd[1] = { 2 };
  int tin, tsize, tout, ins[2], mode = so_int(r, 0, 2);
  rdims(r, 4, d, 7);
  d[0] = so_int(r, 1, 2);
  size[0] = so_int(r, 1, 2 * d[1] + 3);
  size[1] = so_int(r, 1, 2 * d[2] + 3);
  od[0] = d[0];
  od[1] = size[0];
  od[2] = size[1];
  od[3] = d[3];
  qe_qop_options_init(&o);
  o.align_corners = mode == 1;
  o.half_pixel_centers = mode == 2;
  qe_qmodel_new(&m, NULL);
  tin = act_tensor(m, "input", QE_DT_I8, 4, d, s, zp);
  tsize = const_i32(m, "size", 1, sd, size, 2);
  tout = act_tensor(m, "output", QE_DT_I8, 4, od, s, zp);
  ins[0] = tin;
  ins[1] = tsize;
  qe_qmodel_add_op(m, bilinear ? QE_QOP_RESIZE_BILINEAR : QE_QOP_RESIZE_NEAREST_NEIGHBOR, 2, ins,
                   tout, &o, "op", NULL, NULL);
  return finish(m, tin, tout);
}

qe_qmodel *so_make(so_kind k, so_rng *r)
{
  switch (k) {
  case SO_CONV:
  case SO_CONV_4BIT:
  case SO_CONV_2BIT:
  case SO_CONV_PACKED4:
  case SO_DEPTHWISE:
    return make_conv(r, k);
  case SO_FC:
  case SO_FC_PER_CHANNEL:
    return make_fc(r, k == SO_FC_PER_CHANNEL);
  case SO_ADD:
  case SO_MUL:
  case SO_SUB:
  case SO_SQUARED_DIFFERENCE:
    return make_binary(r, k);
  case SO_GATHER:
    return make_gather(r);
  case SO_BATCH_MATMUL:
    return make_batch_matmul(r);
  case SO_MEAN_AXES:
    return make_mean_axes(r);
  case SO_AVG_POOL:
  case SO_MAX_POOL:
    return make_pool(r, k == SO_AVG_POOL);
  case SO_MEAN:
  case SO_PAD:
  case SO_CONCAT:
  case SO_TRANSPOSE:
  case SO_RESHAPE:
    return make_movement(r, k);
  case SO_RESIZE_BILINEAR:
  case SO_RESIZE_NEAREST:
    return make_resize(r, k == SO_RESIZE_BILINEAR);
  default:
    return make_unary(r, k);
  }
}

void so_fill_input(const qe_qmodel *m, int i, void *data, so_rng *r)
{
  const qe_qtensor *t = &m->tensors[m->inputs[i]];
  const int64_t n = qe_qtensor_count(t);
  int64_t k;
  if (t->type == QE_DT_F32) {
    float *f = data;
    const qe_qtensor *o = &m->tensors[m->outputs[0]];
    const float range = o->n_quant ? 150.0f * o->scale[0] : 5.0f;
    for (k = 0; k < n; k++)
      f[k] = so_float(r, -range, range);
    /* exact ties of the rounding, now and then */
    if (n > 0 && o->n_quant == 1)
      f[0] = 2.5f * o->scale[0];
  } else {
    int8_t *b = data;
    for (k = 0; k < n; k++)
      b[k] = (int8_t)so_int(r, -128, 127);
  }
}

qe_qmodel *so_to_float(const qe_qmodel *m)
{
  qe_qmodel *f = NULL;
  size_t i;
  for (i = 0; i < m->n_ops; i++)
    if (m->ops[i].type == QE_QOP_QUANTIZE || m->ops[i].type == QE_QOP_DEQUANTIZE)
      return NULL;
  qe_qmodel_new(&f, NULL);
  for (i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    const int64_t n = qe_qtensor_count(t);
    float *v = NULL;
    int64_t k;
    qe_dtype type = t->type;
    if (t->n_quant > 0 && (t->type == QE_DT_I8 || t->type == QE_DT_I4 || t->type == QE_DT_I32)) {
      type = QE_DT_F32;
      if (t->data != NULL) {
        int64_t inner = 1;
        int d;
        v = malloc((size_t)n * sizeof(float) + 4);
        for (d = t->quantized_dimension + 1; d < t->rank; d++)
          inner *= t->dims[d];
        for (k = 0; k < n; k++) {
          const size_t ch =
              t->n_quant > 1 ? (size_t)((k / inner) % t->dims[t->quantized_dimension]) : 0;
          int32_t q;
          if (t->type == QE_DT_I32)
            q = ((const int32_t *)t->data)[k];
          else if (t->type == QE_DT_I4) {
            const uint8_t b = ((const uint8_t *)t->data)[k / 2];
            q = (k & 1) ? (b >> 4) : (b & 15);
            q = q >= 8 ? q - 16 : q;
          } else
            q = ((const int8_t *)t->data)[k];
          v[k] = t->scale[ch] * (float)(q - t->zero_point[ch]);
        }
      }
    }
    qe_qmodel_add_tensor(f, t->name, type, t->rank, t->dims, v ? (const void *)v : t->data,
                         v ? (size_t)n * sizeof(float) : t->data_size, 0, NULL, NULL, 0, NULL,
                         NULL);
    free(v);
  }
  for (i = 0; i < m->n_ops; i++)
    qe_qmodel_add_op(f, m->ops[i].type, m->ops[i].n_inputs, m->ops[i].inputs, m->ops[i].output,
                     &m->ops[i].opt, m->ops[i].name, NULL, NULL);
  for (i = 0; i < m->n_inputs; i++)
    qe_qmodel_add_input(f, m->inputs[i], NULL);
  for (i = 0; i < m->n_outputs; i++)
    qe_qmodel_add_output(f, m->outputs[i], NULL);
  if (qe_qmodel_prepare(f, NULL) != QE_OK) {
    qe_qmodel_free(f);
    return NULL;
  }
  return f;
}

void so_freeze_extra_inputs(qe_qmodel *m, so_rng *r)
{
  size_t i;
  for (i = 1; i < m->n_inputs; i++) {
    qe_qtensor *t = &m->tensors[m->inputs[i]];
    const size_t n = (size_t)qe_qtensor_count(t) * qe_qtensor_elem_size(t);
    int8_t *v = malloc(n + 1);
    size_t k;
    for (k = 0; k < n; k++)
      v[k] = (int8_t)so_int(r, -128, 127);
    t->data = v;
    t->data_size = n;
  }
  if (m->n_inputs > 1)
    m->n_inputs = 1;
  qe_qmodel_prepare(m, NULL);
}

/* Adds an int8 activation tensor. */
static int act8(qe_qmodel *m, const char *name, int rank, const int32_t *d, float s, int32_t zp)
{
  return act_tensor(m, name, QE_DT_I8, rank, d, s, zp);
}

static int weights8(qe_qmodel *m, so_rng *r, const char *name, int rank, const int32_t *d,
                    int n_scales, int qdim, float *scales)
{
  int64_t n = 1, k;
  int8_t *v;
  int32_t *z = calloc((size_t)n_scales, 4);
  int i, idx;
  for (i = 0; i < rank; i++)
    n *= d[i];
  v = malloc((size_t)n);
  for (k = 0; k < n; k++)
    v[k] = (int8_t)so_int(r, -127, 127);
  for (i = 0; i < n_scales; i++)
    scales[i] = rscale(r, 0.002f, 0.02f);
  qe_qmodel_add_tensor(m, name, QE_DT_I8, rank, d, v, (size_t)n, (size_t)n_scales, scales, z, qdim,
                       &idx, NULL);
  free(v);
  free(z);
  return idx;
}

static int bias32(qe_qmodel *m, so_rng *r, const char *name, int n, float in_s, const float *w_s)
{
  int32_t *v = malloc(4 * (size_t)n), *z = calloc((size_t)n, 4), d[1] = { n };
  float *s = malloc(4 * (size_t)n);
  int i, idx;
  for (i = 0; i < n; i++) {
    v[i] = so_int(r, -3000, 3000);
    s[i] = in_s * w_s[i];
  }
  qe_qmodel_add_tensor(m, name, QE_DT_I32, 1, d, v, 4 * (size_t)n, (size_t)n, s, z, 0, &idx, NULL);
  free(v);
  free(z);
  free(s);
  return idx;
}

qe_qmodel *so_make_net(so_rng *r)
{
  qe_qmodel *m = NULL;
  qe_qop_options o;
  float ws[16];
  int32_t d_in[4] = { 1, 12, 12, 3 }, d_c1[4] = { 1, 12, 12, 8 }, w1[4] = { 8, 3, 3, 3 },
          dw[4] = { 1, 3, 3, 8 }, d_dw[4] = { 1, 6, 6, 8 }, d_b[4] = { 1, 1, 1, 8 },
          pads[8] = { 0, 0, 1, 1, 1, 1, 0, 0 }, pd[2] = { 4, 2 }, d_pad[4] = { 1, 8, 8, 8 },
          d_mp[4] = { 1, 4, 4, 8 }, d_mean[4] = { 1, 1, 1, 8 }, axes[2] = { 1, 2 }, ad[1] = { 2 },
          d_flat[2] = { 1, 8 }, fcw[2] = { 5, 8 }, d_fc[2] = { 1, 5 }, sh[1] = { 2 };
  int t_in, t_w1, t_b1, t_c1, t_w2, t_b2, t_dw, t_hs, t_cb, t_add, t_pads, t_pad, t_mp, t_axes,
      t_mean, t_shape, t_flat, t_fw, t_fb, t_fc, t_sm, ins[3];
  const float s_in = 0.02f, s_c1 = 0.05f, s_dw = 0.08f, s_hs = 0.06f, s_add = 0.07f, s_mean = 0.05f,
              s_fc = 0.1f;
  int8_t cb[8];
  int i;

  qe_qmodel_new(&m, NULL);
  t_in = act8(m, "image", 4, d_in, s_in, -3);
  t_w1 = weights8(m, r, "conv/w", 4, w1, 8, 0, ws);
  t_b1 = bias32(m, r, "conv/b", 8, s_in, ws);
  t_c1 = act8(m, "conv", 4, d_c1, s_c1, -128);
  qe_qop_options_init(&o);
  o.activation = QE_ACT_RELU6;
  ins[0] = t_in;
  ins[1] = t_w1;
  ins[2] = t_b1;
  qe_qmodel_add_op(m, QE_QOP_CONV_2D, 3, ins, t_c1, &o, "conv", NULL, NULL);

  t_w2 = weights8(m, r, "dw/w", 4, dw, 8, 3, ws);
  t_b2 = bias32(m, r, "dw/b", 8, s_c1, ws);
  t_dw = act8(m, "dw", 4, d_dw, s_dw, 5);
  qe_qop_options_init(&o);
  o.stride_h = o.stride_w = 2;
  ins[0] = t_c1;
  ins[1] = t_w2;
  ins[2] = t_b2;
  qe_qmodel_add_op(m, QE_QOP_DEPTHWISE_CONV_2D, 3, ins, t_dw, &o, "dw", NULL, NULL);

  t_hs = act8(m, "hswish", 4, d_dw, s_hs, -20);
  qe_qmodel_add_op(m, QE_QOP_HARD_SWISH, 1, &t_dw, t_hs, NULL, "hswish", NULL, NULL);

  for (i = 0; i < 8; i++)
    cb[i] = (int8_t)so_int(r, -100, 100);
  {
    float s = 0.03f;
    int32_t z = 0;
    qe_qmodel_add_tensor(m, "shift", QE_DT_I8, 4, d_b, cb, 8, 1, &s, &z, 0, &t_cb, NULL);
  }
  t_add = act8(m, "add", 4, d_dw, s_add, 0);
  ins[0] = t_hs;
  ins[1] = t_cb;
  qe_qmodel_add_op(m, QE_QOP_ADD, 2, ins, t_add, NULL, "add", NULL, NULL);

  t_pads = const_i32(m, "pads", 2, pd, pads, 8);
  t_pad = act8(m, "pad", 4, d_pad, s_add, 0);
  ins[0] = t_add;
  ins[1] = t_pads;
  qe_qmodel_add_op(m, QE_QOP_PAD, 2, ins, t_pad, NULL, "pad", NULL, NULL);

  t_mp = act8(m, "pool", 4, d_mp, s_add, 0);
  qe_qop_options_init(&o);
  o.filter_h = o.filter_w = 2;
  o.stride_h = o.stride_w = 2;
  qe_qmodel_add_op(m, QE_QOP_MAX_POOL_2D, 1, &t_pad, t_mp, &o, "pool", NULL, NULL);

  t_axes = const_i32(m, "axes", 1, ad, axes, 2);
  t_mean = act8(m, "mean", 4, d_mean, s_mean, 3);
  qe_qop_options_init(&o);
  o.keep_dims = true;
  ins[0] = t_mp;
  ins[1] = t_axes;
  qe_qmodel_add_op(m, QE_QOP_MEAN, 2, ins, t_mean, &o, "mean", NULL, NULL);

  t_shape = const_i32(m, "shape", 1, sh, d_flat, 2);
  t_flat = act8(m, "flat", 2, d_flat, s_mean, 3);
  ins[0] = t_mean;
  ins[1] = t_shape;
  qe_qmodel_add_op(m, QE_QOP_RESHAPE, 2, ins, t_flat, NULL, "flatten", NULL, NULL);

  t_fw = weights8(m, r, "fc/w", 2, fcw, 1, 0, ws);
  {
    float bws[5];
    for (i = 0; i < 5; i++)
      bws[i] = ws[0];
    t_fb = bias32(m, r, "fc/b", 5, s_mean, bws);
    /* per-tensor weights: one bias scale */
    m->tensors[t_fb].n_quant = 1;
  }
  t_fc = act8(m, "logits", 2, d_fc, s_fc, -10);
  ins[0] = t_flat;
  ins[1] = t_fw;
  ins[2] = t_fb;
  qe_qmodel_add_op(m, QE_QOP_FULLY_CONNECTED, 3, ins, t_fc, NULL, "fc", NULL, NULL);

  t_sm = act8(m, "probs", 2, d_fc, 1.0f / 256, -128);
  qe_qmodel_add_op(m, QE_QOP_SOFTMAX, 1, &t_fc, t_sm, NULL, "softmax", NULL, NULL);
  return finish(m, t_in, t_sm);
}
