/* qe_s8_fully_connected.c - FULLY_CONNECTED int8, per-tensor or
 * per-channel (TFLite's reference FullyConnected, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

qe_kstatus qe_s8_fully_connected(const qe_kfc_params *p, const qe_kquant *q, int32_t batches,
                                 int32_t accum_depth, int32_t out_depth, const int8_t *in,
                                 const int8_t *filter, const int32_t *bias, int8_t *out)
{
  int32_t b, o, d;

  if (p == NULL || q == NULL || in == NULL || filter == NULL || out == NULL || batches <= 0 ||
      accum_depth <= 0 || out_depth <= 0 || p->act_min > p->act_max || p->act_min < -128 ||
      p->act_max > 127 || p->input_offset < -127 || p->input_offset > 128 ||
      p->filter_offset < -127 || p->filter_offset > 128)
    return QE_K_ERR_ARG;
  /* |w + filter_offset| <= 255 and |x + input_offset| <= 255 would allow
   * products up to 65025 < 2^16; with symmetric weights (filter_offset 0)
   * the bound is 32640 < 2^15. Either way accum_depth <= QE_K_MAX_ACCUM / 2
   * keeps |acc| < 2^31 for asymmetric weights, QE_K_MAX_ACCUM otherwise. */
  if (accum_depth > (p->filter_offset == 0 ? QE_K_MAX_ACCUM : QE_K_MAX_ACCUM / 2))
    return QE_K_ERR_SIZE;

  for (b = 0; b < batches; b++) {
    const int8_t *x = in + (size_t)b * accum_depth;
    for (o = 0; o < out_depth; o++) {
      const int32_t qi = q->per_channel ? o : 0;
      const int32_t base = o * accum_depth;
      int32_t acc = 0;
      if (p->weights == QE_KW_8) {
        const int8_t *w = filter + base;
        for (d = 0; d < accum_depth; d++)
          acc += (w[d] + p->filter_offset) * (x[d] + p->input_offset);
      } else {
        for (d = 0; d < accum_depth; d++)
          acc += (qe_k_weight(filter, base + d, p->weights) + p->filter_offset) *
                 (x[d] + p->input_offset);
      }
      if (bias != NULL)
        acc = qe_k_add_bias(acc, bias[o]);
      acc = q->rounding == QE_K_ROUND_HALF_UP
                ? qe_k_mbqm_half_up(acc, q->multiplier[qi], q->shift[qi])
                : qe_k_mbqm(acc, q->multiplier[qi], q->shift[qi]);
      acc += p->output_offset;
      out[(size_t)b * out_depth + o] = (int8_t)qe_k_clamp(acc, p->act_min, p->act_max);
    }
  }
  return QE_K_OK;
}
