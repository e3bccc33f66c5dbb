/* qe_s8_arith.c - SUB and SQUARED_DIFFERENCE, int8 with TFLite's 4-D
 * broadcast (reference Sub / BroadcastQuantSubSlow and the integer
 * SquaredDifference of squared_difference.cc, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

qe_kstatus qe_s8_sub(const qe_kadd_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out)
{
  return qe_k_rescaled_binary(QE_K_RESCALED_SUB, 22, p, in1_dims, in1, in2_dims, in2, out_dims,
                              out);
}

qe_kstatus qe_s8_squared_difference(const qe_kadd_params *p, const qe_kdims *in1_dims,
                                    const int8_t *in1, const qe_kdims *in2_dims, const int8_t *in2,
                                    const qe_kdims *out_dims, int8_t *out)
{
  return qe_k_rescaled_binary(QE_K_RESCALED_SQUARED_DIFFERENCE, 7, p, in1_dims, in1, in2_dims, in2,
                              out_dims, out);
}
