/* qe_k_quantize.c - QUANTIZE (float -> int8/uint8, int8/uint8 ->
 * int8/uint8) and DEQUANTIZE, as TFLite's reference kernels.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

qe_kstatus qe_k_quantize_f32(const float *in, size_t count, float scale, int32_t zero_point,
                             int32_t out_unsigned, void *out)
{
  const int32_t lo = out_unsigned ? 0 : -128;
  const int32_t hi = out_unsigned ? 255 : 127;
  size_t i;

  if (in == NULL || out == NULL || !(scale > 0.0f) || zero_point < lo || zero_point > hi)
    return QE_K_ERR_ARG;
  for (i = 0; i < count; i++) {
    const int32_t r = qe_k_round_f64((double)in[i] / (double)scale);
    /* Saturating add: r may be near INT32_MAX for huge inputs. */
    const int32_t v =
        r > INT32_MAX - 255 ? INT32_MAX - 255 : (r < INT32_MIN + 255 ? INT32_MIN + 255 : r);
    const int32_t q = qe_k_clamp(v + zero_point, lo, hi);
    if (out_unsigned)
      ((uint8_t *)out)[i] = (uint8_t)q;
    else
      ((int8_t *)out)[i] = (int8_t)q;
  }
  return QE_K_OK;
}

qe_kstatus qe_k_dequantize_f32(const void *in, int32_t in_unsigned, size_t count, float scale,
                               int32_t zero_point, float *out)
{
  const double s = (double)scale;
  size_t i;

  if (in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (i = 0; i < count; i++) {
    const int32_t q =
        in_unsigned ? (int32_t)((const uint8_t *)in)[i] : (int32_t)((const int8_t *)in)[i];
    out[i] = (float)(s * (double)(q - zero_point));
  }
  return QE_K_OK;
}

qe_kstatus qe_k_requantize(const qe_krequant_params *p, size_t count, const void *in, void *out)
{
  size_t i;
  int32_t lo, hi;

  if (p == NULL || in == NULL || out == NULL || p->shift > 8)
    return QE_K_ERR_ARG;
  lo = p->out_unsigned ? 0 : -128;
  hi = p->out_unsigned ? 255 : 127;
  if (p->act_min > lo)
    lo = p->act_min;
  if (p->act_max < hi)
    hi = p->act_max;
  if (lo > hi)
    return QE_K_ERR_ARG;
  for (i = 0; i < count; i++) {
    const int32_t q =
        p->in_unsigned ? (int32_t)((const uint8_t *)in)[i] : (int32_t)((const int8_t *)in)[i];
    /* |q - zp| <= 255; with shift <= 8 the pre-shift stays below 2^16. */
    const int32_t v =
        qe_k_mbqm(q - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
    if (p->out_unsigned)
      ((uint8_t *)out)[i] = (uint8_t)qe_k_clamp(v, lo, hi);
    else
      ((int8_t *)out)[i] = (int8_t)qe_k_clamp(v, lo, hi);
  }
  return QE_K_OK;
}
