/* qe_s8_mean.c - MEAN over any set of axes, int8 (TFLite's general integer
 * paths of reduce.cc: reference Mean when input and output share their
 * quantization, QuantizedMeanOrSum otherwise; bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

qe_kstatus qe_s8_mean(const qe_kmean_params *p, int32_t rank, const int32_t *dims,
                      int32_t axes_mask, const int8_t *in, int8_t *out)
{
  int32_t strides[QE_K_MAX_RANK], kept[QE_K_MAX_RANK], red[QE_K_MAX_RANK];
  int32_t kidx[QE_K_MAX_RANK], ridx[QE_K_MAX_RANK];
  int32_t n_kept = 0, n_red = 0, i;
  int64_t count = 1, n_out = 1, o, r;

  if (p == NULL || dims == NULL || in == NULL || out == NULL || rank < 1 || rank > QE_K_MAX_RANK ||
      (p->mode != QE_K_MEAN_SAME && p->mode != QE_K_MEAN_FLOAT))
    return QE_K_ERR_ARG;
  strides[rank - 1] = 1;
  for (i = rank - 1; i >= 0; i--) {
    if (dims[i] <= 0)
      return QE_K_ERR_ARG;
    if (i < rank - 1)
      strides[i] = strides[i + 1] * dims[i + 1];
    if (axes_mask & (1 << i)) {
      red[n_red++] = i;
      count *= dims[i];
    } else {
      kept[n_kept++] = i;
      n_out *= dims[i];
    }
  }
  /* the sum of count values of magnitude <= 128 stays exact in int32 */
  if (count >= ((int64_t)1 << 23))
    return QE_K_ERR_SIZE;
  /* the axes were listed last first: walk them first to last */
  for (i = 0; i < n_kept / 2; i++) {
    const int32_t t = kept[i];
    kept[i] = kept[n_kept - 1 - i];
    kept[n_kept - 1 - i] = t;
  }
  for (i = 0; i < n_red / 2; i++) {
    const int32_t t = red[i];
    red[i] = red[n_red - 1 - i];
    red[n_red - 1 - i] = t;
  }
  for (i = 0; i < n_kept; i++)
    kidx[i] = 0;
  for (o = 0; o < n_out; o++) {
    size_t base = 0;
    int32_t acc = 0;
    for (i = 0; i < n_kept; i++)
      base += (size_t)kidx[i] * (size_t)strides[kept[i]];
    for (i = 0; i < n_red; i++)
      ridx[i] = 0;
    for (r = 0; r < count; r++) {
      size_t off = base;
      for (i = 0; i < n_red; i++)
        off += (size_t)ridx[i] * (size_t)strides[red[i]];
      acc += in[off];
      qe_k_index_next(ridx, dims, red, n_red);
    }
    if (p->mode == QE_K_MEAN_SAME) {
      acc = acc / (int32_t)count;
    } else {
      /* Single precision, operation by operation as TFLite. */
      const float bias = (float)(-p->input_zero_point) * p->scale;
      const float mean = (float)acc / (float)count;
      acc = qe_k_clamp(qe_k_round_f32(mean * p->scale + bias), -100000, 100000) +
            p->output_zero_point;
    }
    out[o] = (int8_t)qe_k_clamp(acc, -128, 127);
    qe_k_index_next(kidx, dims, kept, n_kept);
  }
  return QE_K_OK;
}
