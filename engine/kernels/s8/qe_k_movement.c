/* qe_k_movement.c - CONCATENATION, TRANSPOSE, PAD and RESHAPE for any
 * element size (int8 and float alike).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "qe_s8_common.h"

qe_kstatus qe_k_concat(size_t elem_size, int32_t n_inputs, const void *const *inputs,
                       const int32_t *axis_dims, int32_t outer, int32_t inner, void *out)
{
  int32_t o, i;
  uint8_t *dst = (uint8_t *)out;

  if (elem_size == 0 || n_inputs <= 0 || inputs == NULL || axis_dims == NULL || out == NULL ||
      outer < 0 || inner < 0)
    return QE_K_ERR_ARG;
  for (i = 0; i < n_inputs; i++)
    if (inputs[i] == NULL || axis_dims[i] < 0)
      return QE_K_ERR_ARG;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n_inputs; i++) {
      const size_t chunk = (size_t)axis_dims[i] * (size_t)inner * elem_size;
      memcpy(dst, (const uint8_t *)inputs[i] + (size_t)o * chunk, chunk);
      dst += chunk;
    }
  return QE_K_OK;
}

qe_kstatus qe_k_transpose(size_t elem_size, int32_t rank, const int32_t *in_dims,
                          const int32_t *perm, const void *in, void *out)
{
  int32_t in_strides[QE_K_MAX_RANK], out_dims[QE_K_MAX_RANK], idx[QE_K_MAX_RANK];
  int32_t i, seen = 0;
  size_t total = 1, k;
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;

  if (elem_size == 0 || rank < 1 || rank > QE_K_MAX_RANK || in_dims == NULL || perm == NULL ||
      in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (i = 0; i < rank; i++) {
    if (perm[i] < 0 || perm[i] >= rank || (seen & (1 << perm[i])) || in_dims[i] < 0)
      return QE_K_ERR_ARG;
    seen |= 1 << perm[i];
  }
  in_strides[rank - 1] = 1;
  for (i = rank - 2; i >= 0; i--)
    in_strides[i] = in_strides[i + 1] * in_dims[i + 1];
  for (i = 0; i < rank; i++) {
    out_dims[i] = in_dims[perm[i]];
    idx[i] = 0;
    total *= (size_t)out_dims[i];
  }
  for (k = 0; k < total; k++) {
    size_t off = 0;
    for (i = 0; i < rank; i++)
      off += (size_t)idx[i] * (size_t)in_strides[perm[i]];
    memcpy(dst + k * elem_size, src + off * elem_size, elem_size);
    for (i = rank - 1; i >= 0; i--) {
      if (++idx[i] < out_dims[i])
        break;
      idx[i] = 0;
    }
  }
  return QE_K_OK;
}

qe_kstatus qe_k_pad(size_t elem_size, int32_t rank, const int32_t *in_dims, const int32_t *before,
                    const int32_t *after, const void *pad_value, const void *in, void *out)
{
  int32_t out_dims[QE_K_MAX_RANK], idx[QE_K_MAX_RANK], in_strides[QE_K_MAX_RANK];
  int32_t i;
  size_t total = 1, k;
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;

  if (elem_size == 0 || rank < 1 || rank > QE_K_MAX_RANK || in_dims == NULL || before == NULL ||
      after == NULL || pad_value == NULL || in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (i = 0; i < rank; i++) {
    if (before[i] < 0 || after[i] < 0 || in_dims[i] < 0)
      return QE_K_ERR_ARG;
    out_dims[i] = in_dims[i] + before[i] + after[i];
    idx[i] = 0;
    total *= (size_t)out_dims[i];
  }
  in_strides[rank - 1] = 1;
  for (i = rank - 2; i >= 0; i--)
    in_strides[i] = in_strides[i + 1] * in_dims[i + 1];
  for (k = 0; k < total; k++) {
    size_t off = 0;
    int inside = 1;
    for (i = 0; i < rank; i++) {
      const int32_t j = idx[i] - before[i];
      if (j < 0 || j >= in_dims[i]) {
        inside = 0;
        break;
      }
      off += (size_t)j * (size_t)in_strides[i];
    }
    memcpy(dst + k * elem_size, inside ? src + off * elem_size : (const uint8_t *)pad_value,
           elem_size);
    for (i = rank - 1; i >= 0; i--) {
      if (++idx[i] < out_dims[i])
        break;
      idx[i] = 0;
    }
  }
  return QE_K_OK;
}

qe_kstatus qe_k_copy(size_t bytes, const void *in, void *out)
{
  if ((in == NULL || out == NULL) && bytes > 0)
    return QE_K_ERR_ARG;
  if (in != out && bytes > 0)
    memmove(out, in, bytes);
  return QE_K_OK;
}
