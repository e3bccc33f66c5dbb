/* qe_k_gather.c - GATHER along one axis with constant indices, any element
 * size (int8 and float alike).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "qe_s8_common.h"

qe_kstatus qe_k_gather(size_t elem_size, int32_t outer, int32_t axis_dim, int32_t inner,
                       const int32_t *indices, int32_t n_indices, const void *in, void *out)
{
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  const size_t chunk = (size_t)inner * elem_size;
  int32_t o, i;

  if (elem_size == 0 || outer < 0 || axis_dim <= 0 || inner < 0 || n_indices < 0 ||
      (n_indices > 0 && indices == NULL) || in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (i = 0; i < n_indices; i++)
    if (indices[i] < 0 || indices[i] >= axis_dim)
      return QE_K_ERR_ARG;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n_indices; i++) {
      memcpy(dst, src + ((size_t)o * axis_dim + (size_t)indices[i]) * chunk, chunk);
      dst += chunk;
    }
  return QE_K_OK;
}
