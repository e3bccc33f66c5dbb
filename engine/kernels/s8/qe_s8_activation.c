/* qe_s8_activation.c - SOFTMAX, LOGISTIC/TANH (lookup table) and
 * HARD_SWISH, int8 (TFLite's kernels, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

qe_kstatus qe_s8_lut(const int8_t *table, size_t count, const int8_t *in, int8_t *out)
{
  size_t i;
  if (table == NULL || in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (i = 0; i < count; i++)
    out[i] = table[(uint8_t)in[i] & 0xFFu]; /* the octet, also where uint8_t is wider */
  return QE_K_OK;
}

qe_kstatus qe_s8_softmax(const qe_ksoftmax_params *p, int32_t rows, int32_t depth, const int8_t *in,
                         int8_t *out)
{
  int32_t r, j;

  if (p == NULL || p->table == NULL || in == NULL || out == NULL || rows <= 0 || depth <= 0 ||
      !(p->output_scale > 0.0f))
    return QE_K_ERR_ARG;

  for (r = 0; r < rows; r++) {
    const int8_t *x = in + (size_t)r * depth;
    int8_t *y = out + (size_t)r * depth;
    int32_t max_val = -128;
    const float *t;
    float sum = 0.0f, inv;
    for (j = 0; j < depth; j++)
      if (x[j] > max_val)
        max_val = x[j];
    /* t[x] = table[255 - (max - x)] = exp(-scale * beta * (max - x)); the
     * index stays in [0, 255] since max - x is in [0, 255]. */
    t = p->table + (255 - max_val);
    /* Summed in order in single precision, as TFLite does. The row's
     * maximum contributes exp(0) = 1, so sum >= 1. */
    for (j = 0; j < depth; j++)
      sum += t[x[j]];
    inv = 1.0f / (sum * p->output_scale);
    for (j = 0; j < depth; j++) {
      const int32_t v = qe_k_round_f32(t[x[j]] * inv) + p->output_zero_point;
      y[j] = (int8_t)qe_k_clamp(v, -128, 127);
    }
  }
  return QE_K_OK;
}

qe_kstatus qe_s8_hard_swish(const qe_khard_swish_params *p, size_t count, const int8_t *in,
                            int8_t *out)
{
  size_t i;

  if (p == NULL || in == NULL || out == NULL || p->output_multiplier_exponent > 0 ||
      p->output_multiplier_exponent < -15 || p->reluish_multiplier_exponent > 15 ||
      p->reluish_multiplier_exponent < -15 || p->input_zero_point < -128 ||
      p->input_zero_point > 127)
    return QE_K_ERR_ARG;

  for (i = 0; i < count; i++) {
    /* |in - zp| <= 255, so the value times 2^7 fits int16. */
    const int16_t input_value = (int16_t)(in[i] - p->input_zero_point);
    const int16_t hires = (int16_t)(input_value * (1 << 7));
    const int16_t preshift_out = qe_k_srdhm16(hires, p->output_multiplier_fixedpoint_int16);
    int16_t reluish = hires;
    int16_t pre, outv;
    int32_t v;
    /* Rescale so that real 3.0 maps to 32768 (saturating), with the left
     * shift split so that any saturation happens on the last bit only. */
    if (p->reluish_multiplier_exponent > 0)
      reluish = qe_k_sat_left_shift16(reluish, p->reluish_multiplier_exponent - 1);
    reluish = qe_k_srdhm16(reluish, p->reluish_multiplier_fixedpoint_int16);
    if (p->reluish_multiplier_exponent > 0)
      reluish = qe_k_sat_left_shift16(reluish, 1);
    if (p->reluish_multiplier_exponent < 0)
      reluish = qe_k_rdbpot16(reluish, -p->reluish_multiplier_exponent);
    /* [-1, 1] -> [0, 1] in Q0.15. */
    reluish = (int16_t)((reluish + (INT32_C(1) << 15)) >> 1);
    pre = qe_k_sdhm16(reluish, preshift_out);
    outv = qe_k_rdbpot16(pre, -p->output_multiplier_exponent);
    v = outv + p->output_zero_point;
    out[i] = (int8_t)qe_k_clamp(v, -128, 127);
  }
  return QE_K_OK;
}
