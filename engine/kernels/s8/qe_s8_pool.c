/* qe_s8_pool.c - AVERAGE_POOL_2D, MAX_POOL_2D and MEAN over H,W, int8
 * (TFLite's reference integer pooling and Mean, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

static int pool_ok(const qe_kpool_params *p, const qe_kdims *in_dims, const qe_kdims *out_dims)
{
  return p != NULL && qe_k_dims_ok(in_dims) && qe_k_dims_ok(out_dims) && p->stride_h > 0 &&
         p->stride_w > 0 && p->filter_h > 0 && p->filter_w > 0 && p->pad_h >= 0 && p->pad_w >= 0 &&
         p->act_min <= p->act_max && in_dims->n == out_dims->n && in_dims->c == out_dims->c;
}

/* The window of output (@oy, @ox): its top-left corner in the input (iy0,
 * ix0, may be negative) and the filter rows / columns [fy0, fy1) x [fx0,
 * fx1) that fall inside the input. */
typedef struct pool_window {
  int32_t iy0, ix0, fy0, fx0, fy1, fx1;
} pool_window;

static pool_window window_at(const qe_kpool_params *p, const qe_kdims *in_dims, int32_t oy,
                             int32_t ox)
{
  pool_window w;
  w.iy0 = oy * p->stride_h - p->pad_h;
  w.ix0 = ox * p->stride_w - p->pad_w;
  w.fy0 = w.iy0 < 0 ? -w.iy0 : 0;
  w.fx0 = w.ix0 < 0 ? -w.ix0 : 0;
  w.fy1 = p->filter_h < in_dims->h - w.iy0 ? p->filter_h : in_dims->h - w.iy0;
  w.fx1 = p->filter_w < in_dims->w - w.ix0 ? p->filter_w : in_dims->w - w.ix0;
  return w;
}

/* Index of element (@b, @y, @x, @c) of an NHWC tensor of dims @d. */
static size_t nhwc_index(const qe_kdims *d, int32_t b, int32_t y, int32_t x, int32_t c)
{
  return (((size_t)b * d->h + y) * d->w + x) * (size_t)d->c + c;
}

qe_kstatus qe_s8_avg_pool(const qe_kpool_params *p, const qe_kdims *in_dims, const int8_t *in,
                          const qe_kdims *out_dims, int8_t *out)
{
  int32_t b, oy, ox, c, y, x;

  if (in == NULL || out == NULL || !pool_ok(p, in_dims, out_dims))
    return QE_K_ERR_ARG;
  /* The window sum: at most filter_h * filter_w values of magnitude <= 128. */
  if ((int64_t)p->filter_h * p->filter_w > (INT32_C(1) << 23))
    return QE_K_ERR_SIZE;

  for (b = 0; b < out_dims->n; b++)
    for (oy = 0; oy < out_dims->h; oy++)
      for (ox = 0; ox < out_dims->w; ox++) {
        const pool_window wd = window_at(p, in_dims, oy, ox);
        for (c = 0; c < out_dims->c; c++) {
          int32_t acc = 0, count = 0;
          for (y = wd.fy0; y < wd.fy1; y++)
            for (x = wd.fx0; x < wd.fx1; x++) {
              acc += in[nhwc_index(in_dims, b, wd.iy0 + y, wd.ix0 + x, c)];
              count++;
            }
          if (count == 0)
            return QE_K_ERR_SIZE;
          /* Round half away from zero. */
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          out[nhwc_index(out_dims, b, oy, ox, c)] = (int8_t)qe_k_clamp(acc, p->act_min, p->act_max);
        }
      }
  return QE_K_OK;
}

qe_kstatus qe_s8_max_pool(const qe_kpool_params *p, const qe_kdims *in_dims, const int8_t *in,
                          const qe_kdims *out_dims, int8_t *out)
{
  int32_t b, oy, ox, c, y, x;

  if (in == NULL || out == NULL || !pool_ok(p, in_dims, out_dims))
    return QE_K_ERR_ARG;

  for (b = 0; b < out_dims->n; b++)
    for (oy = 0; oy < out_dims->h; oy++)
      for (ox = 0; ox < out_dims->w; ox++) {
        const pool_window wd = window_at(p, in_dims, oy, ox);
        for (c = 0; c < out_dims->c; c++) {
          int32_t m = -128;
          for (y = wd.fy0; y < wd.fy1; y++)
            for (x = wd.fx0; x < wd.fx1; x++) {
              const int32_t v = in[nhwc_index(in_dims, b, wd.iy0 + y, wd.ix0 + x, c)];
              if (v > m)
                m = v;
            }
          out[nhwc_index(out_dims, b, oy, ox, c)] = (int8_t)qe_k_clamp(m, p->act_min, p->act_max);
        }
      }
  return QE_K_OK;
}

qe_kstatus qe_s8_mean_hw(const qe_kmean_params *p, const qe_kdims *in_dims, const int8_t *in,
                         int8_t *out)
{
  int32_t b, c, i;
  int32_t count;

  if (p == NULL || in == NULL || out == NULL || !qe_k_dims_ok(in_dims) || p->mode < 0 ||
      p->mode > QE_K_MEAN_FLOAT)
    return QE_K_ERR_ARG;
  /* The sum of H*W values of magnitude <= 255 stays below 2^31 for H*W <
   * 2^23. */
  if ((int64_t)in_dims->h * in_dims->w >= (INT32_C(1) << 23))
    return QE_K_ERR_SIZE;
  count = in_dims->h * in_dims->w;

  for (b = 0; b < in_dims->n; b++)
    for (c = 0; c < in_dims->c; c++) {
      const int8_t *src = in + (size_t)b * count * in_dims->c + c;
      int32_t acc = 0;
      if (p->mode == QE_K_MEAN_REQUANT) {
        for (i = 0; i < count; i++)
          acc += src[(size_t)i * in_dims->c] - p->input_zero_point;
        acc = qe_k_mbqm(acc, p->multiplier, p->shift);
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        acc += p->output_zero_point;
      } else if (p->mode == QE_K_MEAN_SAME) {
        for (i = 0; i < count; i++)
          acc += src[(size_t)i * in_dims->c];
        acc = acc / count;
      } else {
        /* Single precision, operation by operation as TFLite. */
        const float bias = (float)(-p->input_zero_point) * p->scale;
        float mean;
        int32_t r;
        for (i = 0; i < count; i++)
          acc += src[(size_t)i * in_dims->c];
        mean = (float)acc / (float)count;
        r = qe_k_round_f32(mean * p->scale + bias);
        acc = qe_k_clamp(r, -100000, 100000) + p->output_zero_point;
      }
      out[(size_t)b * in_dims->c + c] = (int8_t)qe_k_clamp(acc, -128, 127);
    }
  return QE_K_OK;
}
