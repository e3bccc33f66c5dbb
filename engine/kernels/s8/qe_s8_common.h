/* qe_s8_common.h - helpers private to the int8 kernel sources.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_S8_COMMON_H
#define QE_S8_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "qe_kernels_s8.h"
#include "qe_requant_s8.h"

/* Weight @i of a filter stored as @w (see qe_kweights). */
static inline int32_t qe_k_weight(const int8_t *w, int32_t i, qe_kweights storage)
{
  if (storage == QE_KW_4_PACKED) {
    const uint8_t b = (uint8_t)w[i >> 1];
    const int32_t v = (i & 1) ? ((b >> 4) & 0x0f) : (b & 0x0f);
    return v >= 8 ? v - 16 : v;
  }
  if (storage == QE_KW_2_PACKED) {
    const uint8_t b = (uint8_t)w[i >> 2];
    const int32_t v = (b >> ((i & 3) * 2)) & 0x03;
    return v >= 2 ? v - 4 : v;
  }
  return w[i];
}

static inline int qe_k_dims_ok(const qe_kdims *d)
{
  return d != NULL && d->n > 0 && d->h > 0 && d->w > 0 && d->c > 0;
}

/* Round half away from zero to int32, saturating (TfLiteRound followed by a
 * cast, without libm; NaN gives 0). Exact: for |x| < 2^23 the fraction
 * x - trunc(x) is representable, and larger floats are integers. */
static inline int32_t qe_k_round_f32(float x)
{
  int32_t t;
  float frac;
  if (!(x == x))
    return 0;
  if (x >= 2147483520.0f)
    return INT32_MAX;
  if (x <= -2147483648.0f)
    return INT32_MIN;
  t = (int32_t)x;
  frac = x - (float)t;
  if (frac >= 0.5f)
    t++;
  else if (frac <= -0.5f)
    t--;
  return t;
}

/* The same in double precision (TFLite's QUANTIZE divides in double). */
static inline int32_t qe_k_round_f64(double x)
{
  int32_t t;
  double frac;
  if (!(x == x))
    return 0;
  if (x >= 2147483647.0)
    return INT32_MAX;
  if (x <= -2147483648.0)
    return INT32_MIN;
  t = (int32_t)x;
  frac = x - (double)t;
  if (frac >= 0.5)
    t++;
  else if (frac <= -0.5)
    t--;
  return t;
}

/* Steps the multi-index @idx over dims[axes[0]] .. dims[axes[n - 1]] (the
 * last fastest; back to zeros after the last element). */
static inline void qe_k_index_next(int32_t *idx, const int32_t *dims, const int32_t *axes,
                                   int32_t n)
{
  int32_t i;
  for (i = n - 1; i >= 0; i--) {
    if (++idx[i] < dims[axes[i]])
      break;
    idx[i] = 0;
  }
}

/* Strides of @d for the output @o (TFLite's 4-D broadcast): 0 along
 * broadcast dims. Returns 0 when a dim neither matches nor is 1. */
static inline int qe_k_bcast_strides(const qe_kdims *d, const qe_kdims *o, int32_t s[4])
{
  const int32_t dims[4] = { d->n, d->h, d->w, d->c };
  const int32_t odims[4] = { o->n, o->h, o->w, o->c };
  int32_t stride = 1;
  int i;
  for (i = 3; i >= 0; i--) {
    if (dims[i] != odims[i] && dims[i] != 1)
      return 0;
    s[i] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
  return 1;
}

/* How ADD, SUB and SQUARED_DIFFERENCE combine their rescaled inputs. */
typedef enum qe_k_rescaled_op {
  QE_K_RESCALED_ADD,
  QE_K_RESCALED_SUB,
  QE_K_RESCALED_SQUARED_DIFFERENCE
} qe_k_rescaled_op;

/* ADD, SUB and SQUARED_DIFFERENCE with TFLite's 4-D broadcast: each input
 * plus its offset, shifted left by left_shift (at most @max_left_shift,
 * the bound that keeps every step in int32) and rescaled by its
 * multiplier; the two combined by @op and rescaled to the output. */
static inline qe_kstatus qe_k_rescaled_binary(qe_k_rescaled_op op, int32_t max_left_shift,
                                              const qe_kadd_params *p, const qe_kdims *in1_dims,
                                              const int8_t *in1, const qe_kdims *in2_dims,
                                              const int8_t *in2, const qe_kdims *out_dims,
                                              int8_t *out)
{
  int32_t s1[4], s2[4];
  int32_t n, h, w, c;
  size_t o = 0;

  if (p == NULL || p->left_shift < 0 || p->left_shift > max_left_shift || p->input1_offset < -128 ||
      p->input1_offset > 128 || p->input2_offset < -128 || p->input2_offset > 128 ||
      p->act_min > p->act_max || p->input1_shift > 0 || p->input2_shift > 0 ||
      p->output_shift > 0 || in1 == NULL || in2 == NULL || out == NULL || !qe_k_dims_ok(in1_dims) ||
      !qe_k_dims_ok(in2_dims) || !qe_k_dims_ok(out_dims))
    return QE_K_ERR_ARG;
  if (!qe_k_bcast_strides(in1_dims, out_dims, s1) || !qe_k_bcast_strides(in2_dims, out_dims, s2))
    return QE_K_ERR_SIZE;

  for (n = 0; n < out_dims->n; n++)
    for (h = 0; h < out_dims->h; h++)
      for (w = 0; w < out_dims->w; w++)
        for (c = 0; c < out_dims->c; c++, o++) {
          const int32_t a = in1[n * s1[0] + h * s1[1] + w * s1[2] + c * s1[3]] + p->input1_offset;
          const int32_t bv = in2[n * s2[0] + h * s2[1] + w * s2[2] + c * s2[3]] + p->input2_offset;
          /* |a|, |bv| <= 256: a * 2^22 < 2^31, and the rescaled values
           * (multipliers < 1) sum or differ below 2^31; with left_shift
           * <= 7 they are below 2^15, so their difference squared stays
           * below 2^31. */
          const int32_t sa =
              qe_k_mbqm(a * (INT32_C(1) << p->left_shift), p->input1_multiplier, p->input1_shift);
          const int32_t sb =
              qe_k_mbqm(bv * (INT32_C(1) << p->left_shift), p->input2_multiplier, p->input2_shift);
          const int32_t d = sa - sb;
          const int32_t x =
              op == QE_K_RESCALED_ADD ? sa + sb : (op == QE_K_RESCALED_SUB ? d : d * d);
          int32_t r = qe_k_mbqm(x, p->output_multiplier, p->output_shift) + p->output_offset;
          out[o] = (int8_t)qe_k_clamp(r, p->act_min, p->act_max);
        }
  return QE_K_OK;
}

#endif /* QE_S8_COMMON_H */
