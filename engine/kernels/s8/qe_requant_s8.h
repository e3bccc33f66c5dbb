/* qe_requant_s8.h - TFLite's fixed-point requantization primitives, the
 * one rounding mode of the int8 kernels (see qe_kernels_s8.h).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Portable C99 (<stdint.h> and <limits.h> only); included by the kernels,
 * by the engine's prepare step and by generated code. Constants of 2^15
 * and more are written INT32_C(1) << n, so that the arithmetic is the
 * same where int is 16 bits wide (TI C28x; tests/boards checks the
 * kernels with clang --target=msp430, a 16-bit-int target).
 */
#ifndef QE_REQUANT_S8_H
#define QE_REQUANT_S8_H

#include <limits.h>
#include <stdint.h>

/* (a * b * 2) >> 32 rounded half up (ties toward +infinity: the nudge is
 * 2^30 for positive products, 1 - 2^30 for negative ones, then a
 * truncating division), saturating the one
 * overflowing case a == b == INT32_MIN (gemmlowp's
 * SaturatingRoundingDoublingHighMul). The 64-bit product of two int32
 * cannot overflow int64 (|a*b| <= 2^62). */
static inline int32_t qe_k_srdhm(int32_t a, int32_t b)
{
  int64_t ab;
  int32_t nudge;
  if (a == b && a == INT32_MIN)
    return INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  nudge = ab >= 0 ? (INT32_C(1) << 30) : (1 - (INT32_C(1) << 30));
  /* Division (truncation toward zero), not a shift, as the reference. */
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded half away from zero, 0 <= exponent <= 31
 * (gemmlowp's RoundingDivideByPOT). */
static inline int32_t qe_k_rdbpot(int32_t x, int32_t exponent)
{
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * multiplier * 2^(shift - 31) with TFLite's double rounding
 * (MultiplyByQuantizedMultiplier). A positive shift is applied before the
 * multiplication, as the reference does; callers keep x * 2^shift inside
 * int32 (prepare checks the shifts it makes). */
static inline int32_t qe_k_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  return qe_k_rdbpot(qe_k_srdhm((int32_t)((uint32_t)x << left_shift), multiplier), right_shift);
}

/* The rounding of TFLite's host CONV_2D and FULLY_CONNECTED, which run
 * through ruy's x86 kernels: the same two steps, each rounded half up
 * (toward +infinity) instead of half away from zero:
 *   y = (x * 2^left_shift * M + 2^30) >> 31;  y = (y + 2^(r-1)) >> r.
 * Not the engine's default (TFLite Micro and CMSIS-NN round as
 * qe_k_mbqm()); kept so that the engine can reproduce TFLite on a host
 * bit for bit. The two differ by one LSB on rare ties. */
static inline int32_t qe_k_mbqm_half_up(int32_t x, int32_t multiplier, int32_t shift)
{
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  const int64_t p = (int64_t)(int32_t)((uint32_t)x << left_shift) * (int64_t)multiplier;
  const int64_t y = (p + ((int64_t)1 << 30)) >> 31;
  const int64_t r = right_shift > 0 ? (y + ((int64_t)1 << (right_shift - 1))) >> right_shift : y;
  return r > INT32_MAX ? INT32_MAX : (int32_t)r;
}

/* int16 versions (HARD_SWISH). */
static inline int16_t qe_k_srdhm16(int16_t a, int16_t b)
{
  int32_t ab;
  int32_t nudge;
  if (a == b && a == INT16_MIN)
    return INT16_MAX;
  ab = (int32_t)a * (int32_t)b;
  nudge = ab >= 0 ? (INT32_C(1) << 14) : (1 - (INT32_C(1) << 14));
  return (int16_t)((ab + nudge) / (INT32_C(1) << 15));
}

/* The same without rounding (toward zero): ARM's SQDMULH. */
static inline int16_t qe_k_sdhm16(int16_t a, int16_t b)
{
  int32_t ab;
  if (a == b && a == INT16_MIN)
    return INT16_MAX;
  ab = (int32_t)a * (int32_t)b;
  return (int16_t)(ab / (INT32_C(1) << 15));
}

static inline int16_t qe_k_rdbpot16(int16_t x, int32_t exponent)
{
  const int16_t mask = (int16_t)((INT32_C(1) << exponent) - 1);
  const int16_t remainder = (int16_t)(x & mask);
  const int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
  return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static inline int16_t qe_k_sat_left_shift16(int16_t value, int32_t amount)
{
  int64_t r = (int64_t)value * ((int64_t)1 << amount);
  if (r > INT16_MAX)
    r = INT16_MAX;
  if (r < INT16_MIN)
    r = INT16_MIN;
  return (int16_t)r;
}

static inline int32_t qe_k_clamp(int32_t v, int32_t lo, int32_t hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* acc + bias, saturated to int32 (see QE_K_MAX_ACCUM). */
static inline int32_t qe_k_add_bias(int32_t acc, int32_t bias)
{
  const int64_t s = (int64_t)acc + (int64_t)bias;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

#endif /* QE_REQUANT_S8_H */
