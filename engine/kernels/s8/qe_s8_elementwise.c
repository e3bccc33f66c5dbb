/* qe_s8_elementwise.c - ADD and MUL, int8 with TFLite's 4-D broadcast
 * (reference BroadcastAdd4DSlow / BroadcastMul4DSlow, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

static int offset_ok(int32_t off)
{
  return off >= -128 && off <= 128;
}

qe_kstatus qe_s8_add(const qe_kadd_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out)
{
  return qe_k_rescaled_binary(QE_K_RESCALED_ADD, 22, p, in1_dims, in1, in2_dims, in2, out_dims,
                              out);
}

qe_kstatus qe_s8_mul(const qe_kmul_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out)
{
  int32_t s1[4], s2[4];
  int32_t n, h, w, c;
  size_t o = 0;

  if (p == NULL || in1 == NULL || in2 == NULL || out == NULL || !qe_k_dims_ok(in1_dims) ||
      !qe_k_dims_ok(in2_dims) || !qe_k_dims_ok(out_dims) || !offset_ok(p->input1_offset) ||
      !offset_ok(p->input2_offset) || p->act_min > p->act_max)
    return QE_K_ERR_ARG;
  if (!qe_k_bcast_strides(in1_dims, out_dims, s1) || !qe_k_bcast_strides(in2_dims, out_dims, s2))
    return QE_K_ERR_SIZE;

  for (n = 0; n < out_dims->n; n++)
    for (h = 0; h < out_dims->h; h++)
      for (w = 0; w < out_dims->w; w++)
        for (c = 0; c < out_dims->c; c++, o++) {
          const int32_t a = in1[n * s1[0] + h * s1[1] + w * s1[2] + c * s1[3]] + p->input1_offset;
          const int32_t bv = in2[n * s2[0] + h * s2[1] + w * s2[2] + c * s2[3]] + p->input2_offset;
          /* |a * bv| <= 256 * 256 = 2^16. */
          int32_t r = qe_k_mbqm(a * bv, p->output_multiplier, p->output_shift) + p->output_offset;
          out[o] = (int8_t)qe_k_clamp(r, p->act_min, p->act_max);
        }
  return QE_K_OK;
}
