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

qe_kstatus qe_k_resize_nearest(size_t elem_size, const qe_kdims *in_dims, int32_t out_h,
                               int32_t out_w, const int32_t *y_map, const int32_t *x_map,
                               const void *in, void *out)
{
  int32_t b, y, x;
  const uint8_t *src = (const uint8_t *)in;
  uint8_t *dst = (uint8_t *)out;
  size_t pixel;
  if (elem_size == 0 || !qe_k_dims_ok(in_dims) || out_h <= 0 || out_w <= 0 || y_map == NULL ||
      x_map == NULL || in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  pixel = (size_t)in_dims->c * elem_size;
  for (y = 0; y < out_h; y++)
    if (y_map[y] < 0 || y_map[y] >= in_dims->h)
      return QE_K_ERR_ARG;
  for (x = 0; x < out_w; x++)
    if (x_map[x] < 0 || x_map[x] >= in_dims->w)
      return QE_K_ERR_ARG;
  for (b = 0; b < in_dims->n; b++)
    for (y = 0; y < out_h; y++)
      for (x = 0; x < out_w; x++) {
        memcpy(dst, src + (((size_t)b * in_dims->h + y_map[y]) * in_dims->w + x_map[x]) * pixel,
               pixel);
        dst += pixel;
      }
  return QE_K_OK;
}

/* TFLite's ComputeInterpolationValuesInteger. */
static void interp10(int32_t value, int32_t scale_10, int32_t half_pixel, int32_t size,
                     int32_t *scaled, int32_t *lo, int32_t *hi)
{
  *scaled = half_pixel ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
  *lo = *scaled / (1 << 10);
  if (*lo < 0)
    *lo = 0;
  *hi = (*scaled + (1 << 10) - 1) / (1 << 10);
  if (*hi > size - 1)
    *hi = size - 1;
}

qe_kstatus qe_s8_resize_bilinear(const qe_kresize_params *p, const qe_kdims *in_dims, int32_t out_h,
                                 int32_t out_w, const int8_t *in, int8_t *out)
{
  int32_t b, y, x, c;
  if (p == NULL || !qe_k_dims_ok(in_dims) || out_h <= 0 || out_w <= 0 || in == NULL ||
      out == NULL || p->scale_10_h < 0 || p->scale_10_w < 0)
    return QE_K_ERR_ARG;
  /* Coordinates in Q10 stay within int32 for sizes below 2^20. */
  if (out_h >= (INT32_C(1) << 20) / 2 || out_w >= (INT32_C(1) << 20) / 2 ||
      p->scale_10_h > (INT32_C(1) << 20) || p->scale_10_w > (INT32_C(1) << 20) ||
      (int64_t)out_h * p->scale_10_h >= INT32_MAX / 2 ||
      (int64_t)out_w * p->scale_10_w >= INT32_MAX / 2)
    return QE_K_ERR_SIZE;
  for (b = 0; b < in_dims->n; b++)
    for (y = 0; y < out_h; y++) {
      int32_t iy, y0, y1;
      interp10(y, p->scale_10_h, p->half_pixel_centers, in_dims->h, &iy, &y0, &y1);
      for (x = 0; x < out_w; x++) {
        int32_t ix, x0, x1;
        const int8_t *r0, *r1;
        int64_t wy1, wy0, wx1, wx0;
        interp10(x, p->scale_10_w, p->half_pixel_centers, in_dims->w, &ix, &x0, &x1);
        r0 = in + ((size_t)b * in_dims->h + y0) * in_dims->w * (size_t)in_dims->c;
        r1 = in + ((size_t)b * in_dims->h + y1) * in_dims->w * (size_t)in_dims->c;
        wy1 = iy - (1 << 10) * y0;
        wy0 = (1 << 10) - wy1;
        wx1 = ix - (1 << 10) * x0;
        wx0 = (1 << 10) - wx1;
        for (c = 0; c < in_dims->c; c++) {
          /* |v| <= 128 and |weights| < 2^11 each: |sum| < 2^31 in int64. */
          const int64_t s = (int64_t)r0[(size_t)x0 * in_dims->c + c] * wy0 * wx0 +
                            (int64_t)r1[(size_t)x0 * in_dims->c + c] * wy1 * wx0 +
                            (int64_t)r0[(size_t)x1 * in_dims->c + c] * wy0 * wx1 +
                            (int64_t)r1[(size_t)x1 * in_dims->c + c] * wy1 * wx1;
          const int64_t round = s > 0 ? (INT32_C(1) << 19) : -(INT32_C(1) << 19);
          const int64_t v = (s + round) / (INT32_C(1) << 20);
          *out++ = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
        }
      }
    }
  return QE_K_OK;
}
