/* qe_s8_batch_matmul.c - BATCH_MATMUL of two int8 tensors (TFLite's
 * integer BatchMatMul, bit for bit: the reference kernel's double rounding
 * or, with QE_K_ROUND_HALF_UP, the ruy path TFLite takes on a host).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

qe_kstatus qe_s8_batch_matmul(const qe_kbmm_params *p, const int32_t *lhs_dims, const int8_t *lhs,
                              const int32_t *rhs_dims, const int8_t *rhs, int8_t *out)
{
  int32_t b0, b1, i, j, k, m, kd, kr, nn, ob0, ob1;
  int d;

  if (p == NULL || lhs_dims == NULL || rhs_dims == NULL || lhs == NULL || rhs == NULL ||
      out == NULL || p->lhs_offset < -128 || p->lhs_offset > 128 || p->rhs_offset < -128 ||
      p->rhs_offset > 128 || p->act_min > p->act_max || p->act_min < -128 || p->act_max > 127)
    return QE_K_ERR_ARG;
  for (d = 0; d < 4; d++)
    if (lhs_dims[d] <= 0 || rhs_dims[d] <= 0)
      return QE_K_ERR_ARG;
  for (d = 0; d < 2; d++)
    if (lhs_dims[d] != rhs_dims[d] && lhs_dims[d] != 1 && rhs_dims[d] != 1)
      return QE_K_ERR_SIZE;
  m = p->adj_x ? lhs_dims[3] : lhs_dims[2];
  kd = p->adj_x ? lhs_dims[2] : lhs_dims[3];
  kr = p->adj_y ? rhs_dims[3] : rhs_dims[2];
  nn = p->adj_y ? rhs_dims[2] : rhs_dims[3];
  if (kd != kr)
    return QE_K_ERR_SIZE;
  /* |x + offset| <= 255 on both sides: each product is below 2^16, so
   * QE_K_MAX_ACCUM / 2 of them stay below 2^31. */
  if (kd > QE_K_MAX_ACCUM / 2)
    return QE_K_ERR_SIZE;
  ob0 = lhs_dims[0] > rhs_dims[0] ? lhs_dims[0] : rhs_dims[0];
  ob1 = lhs_dims[1] > rhs_dims[1] ? lhs_dims[1] : rhs_dims[1];

  for (b0 = 0; b0 < ob0; b0++)
    for (b1 = 0; b1 < ob1; b1++) {
      const size_t lb =
          ((size_t)(lhs_dims[0] > 1 ? b0 : 0) * lhs_dims[1] + (size_t)(lhs_dims[1] > 1 ? b1 : 0)) *
          (size_t)lhs_dims[2] * (size_t)lhs_dims[3];
      const size_t rb =
          ((size_t)(rhs_dims[0] > 1 ? b0 : 0) * rhs_dims[1] + (size_t)(rhs_dims[1] > 1 ? b1 : 0)) *
          (size_t)rhs_dims[2] * (size_t)rhs_dims[3];
      int8_t *y = out + ((size_t)b0 * ob1 + (size_t)b1) * (size_t)m * (size_t)nn;
      for (i = 0; i < m; i++)
        for (j = 0; j < nn; j++) {
          int32_t acc = 0, v;
          for (k = 0; k < kd; k++) {
            const int32_t a = lhs[lb + (p->adj_x ? (size_t)k * m + i : (size_t)i * kd + k)];
            const int32_t b = rhs[rb + (p->adj_y ? (size_t)j * kd + k : (size_t)k * nn + j)];
            acc += (a + p->lhs_offset) * (b + p->rhs_offset);
          }
          v = p->rounding == QE_K_ROUND_HALF_UP ? qe_k_mbqm_half_up(acc, p->multiplier, p->shift)
                                                : qe_k_mbqm(acc, p->multiplier, p->shift);
          v += p->output_offset;
          y[(size_t)i * nn + j] = (int8_t)qe_k_clamp(v, p->act_min, p->act_max);
        }
    }
  return QE_K_OK;
}
