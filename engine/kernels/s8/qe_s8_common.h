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

#endif /* QE_S8_COMMON_H */
