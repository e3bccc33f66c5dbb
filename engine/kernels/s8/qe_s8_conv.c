/* qe_s8_conv.c - CONV_2D and DEPTHWISE_CONV_2D, int8 with per-channel
 * requantization (TFLite's reference ConvPerChannel and
 * DepthwiseConvPerChannel, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "qe_s8_common.h"

size_t qe_s8_conv_get_buffer_size(const qe_kdims *filter)
{
  if (filter == NULL || filter->h <= 0 || filter->w <= 0 || filter->c <= 0)
    return 0;
  return (size_t)filter->h * (size_t)filter->w * (size_t)filter->c * sizeof(int16_t);
}

size_t qe_s8_depthwise_conv_get_buffer_size(const qe_kdims *filter)
{
  (void)filter;
  return 0;
}

static int conv_params_ok(const qe_kconv_params *p)
{
  return p->stride_h > 0 && p->stride_w > 0 && p->dilation_h > 0 && p->dilation_w > 0 &&
         p->pad_h >= 0 && p->pad_w >= 0 && p->act_min <= p->act_max && p->act_min >= -128 &&
         p->act_max <= 127 && p->input_offset >= -127 && p->input_offset <= 128 &&
         p->output_offset >= -128 && p->output_offset <= 127;
}

/* The output of accumulator @acc of output channel @oc: the bias added,
 * rescaled (per channel or per tensor, rounded as @q says), offset and
 * clamped to the activation range. */
static int8_t conv_output(const qe_kconv_params *p, const qe_kquant *q, const int32_t *bias,
                          int32_t oc, int32_t acc)
{
  const int32_t qi = q->per_channel ? oc : 0;
  if (bias != NULL)
    acc = qe_k_add_bias(acc, bias[oc]);
  acc = q->rounding == QE_K_ROUND_HALF_UP ? qe_k_mbqm_half_up(acc, q->multiplier[qi], q->shift[qi])
                                          : qe_k_mbqm(acc, q->multiplier[qi], q->shift[qi]);
  acc += p->output_offset;
  return (int8_t)qe_k_clamp(acc, p->act_min, p->act_max);
}

qe_kstatus qe_s8_conv(const qe_kconv_params *p, const qe_kquant *q, const qe_kdims *in_dims,
                      const int8_t *in, const qe_kdims *filter_dims, const int8_t *filter,
                      const int32_t *bias, const qe_kdims *out_dims, int8_t *out, void *scratch)
{
  int32_t b, oy, ox, oc, ky, kx, ic;
  int32_t column_len;
  int16_t *column = (int16_t *)scratch;

  if (p == NULL || q == NULL || in == NULL || filter == NULL || out == NULL || scratch == NULL ||
      !qe_k_dims_ok(in_dims) || !qe_k_dims_ok(filter_dims) || !qe_k_dims_ok(out_dims) ||
      !conv_params_ok(p))
    return QE_K_ERR_ARG;
  if (in_dims->c != filter_dims->c || out_dims->c != filter_dims->n || in_dims->n != out_dims->n)
    return QE_K_ERR_SIZE;
  /* Accumulator bound: column_len products of magnitude < 2^15 each. */
  if ((int64_t)filter_dims->h * filter_dims->w * filter_dims->c > QE_K_MAX_ACCUM)
    return QE_K_ERR_SIZE;
  column_len = filter_dims->h * filter_dims->w * filter_dims->c;

  for (b = 0; b < out_dims->n; b++) {
    for (oy = 0; oy < out_dims->h; oy++) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_dims->w; ox++) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        int16_t *col = column;
        /* Gather the receptive field once, as (x + input_offset) in
         * [-255, 255]; pixels outside the image contribute 0, which is
         * what skipping them in the reference loop amounts to. */
        for (ky = 0; ky < filter_dims->h; ky++) {
          const int32_t iy = in_y0 + p->dilation_h * ky;
          for (kx = 0; kx < filter_dims->w; kx++) {
            const int32_t ix = in_x0 + p->dilation_w * kx;
            if (iy < 0 || iy >= in_dims->h || ix < 0 || ix >= in_dims->w) {
              memset(col, 0, (size_t)in_dims->c * sizeof(int16_t));
            } else {
              const int8_t *src =
                  in + (((size_t)b * in_dims->h + iy) * in_dims->w + ix) * (size_t)in_dims->c;
              for (ic = 0; ic < in_dims->c; ic++)
                col[ic] = (int16_t)(src[ic] + p->input_offset);
            }
            col += in_dims->c;
          }
        }
        for (oc = 0; oc < out_dims->c; oc++) {
          const int32_t base = oc * column_len;
          int32_t acc = 0;
          int32_t i;
          /* |w| <= 128, |col| <= 255: |acc| <= column_len * 32640 < 2^31
           * because column_len <= QE_K_MAX_ACCUM (checked above). */
          if (p->weights == QE_KW_8) {
            const int8_t *w = filter + base;
            for (i = 0; i < column_len; i++)
              acc += (int32_t)w[i] * column[i];
          } else {
            for (i = 0; i < column_len; i++)
              acc += qe_k_weight(filter, base + i, p->weights) * column[i];
          }
          out[(((size_t)b * out_dims->h + oy) * out_dims->w + ox) * (size_t)out_dims->c + oc] =
              conv_output(p, q, bias, oc, acc);
        }
      }
    }
  }
  return QE_K_OK;
}

qe_kstatus qe_s8_depthwise_conv(const qe_kconv_params *p, const qe_kquant *q,
                                const qe_kdims *in_dims, const int8_t *in,
                                const qe_kdims *filter_dims, const int8_t *filter,
                                const int32_t *bias, const qe_kdims *out_dims, int8_t *out)
{
  int32_t b, oy, ox, ic, m, ky, kx;
  const int32_t mult = p != NULL ? p->depth_multiplier : 0;

  if (p == NULL || q == NULL || in == NULL || filter == NULL || out == NULL ||
      !qe_k_dims_ok(in_dims) || !qe_k_dims_ok(filter_dims) || !qe_k_dims_ok(out_dims) ||
      !conv_params_ok(p) || mult <= 0)
    return QE_K_ERR_ARG;
  if (filter_dims->n != 1 || (int64_t)in_dims->c * mult != out_dims->c ||
      filter_dims->c != out_dims->c || in_dims->n != out_dims->n)
    return QE_K_ERR_SIZE;
  if ((int64_t)filter_dims->h * filter_dims->w > QE_K_MAX_ACCUM)
    return QE_K_ERR_SIZE;

  for (b = 0; b < out_dims->n; b++) {
    for (oy = 0; oy < out_dims->h; oy++) {
      const int32_t in_y0 = oy * p->stride_h - p->pad_h;
      for (ox = 0; ox < out_dims->w; ox++) {
        const int32_t in_x0 = ox * p->stride_w - p->pad_w;
        for (ic = 0; ic < in_dims->c; ic++) {
          for (m = 0; m < mult; m++) {
            const int32_t oc = ic * mult + m;
            int32_t acc = 0;
            /* At most H*W <= QE_K_MAX_ACCUM products, each below 2^15 in
             * magnitude: no overflow. */
            for (ky = 0; ky < filter_dims->h; ky++) {
              const int32_t iy = in_y0 + p->dilation_h * ky;
              if (iy < 0 || iy >= in_dims->h)
                continue;
              for (kx = 0; kx < filter_dims->w; kx++) {
                const int32_t ix = in_x0 + p->dilation_w * kx;
                int32_t x, w;
                if (ix < 0 || ix >= in_dims->w)
                  continue;
                x = in[(((size_t)b * in_dims->h + iy) * in_dims->w + ix) * (size_t)in_dims->c + ic];
                w = qe_k_weight(filter, (ky * filter_dims->w + kx) * filter_dims->c + oc,
                                p->weights);
                acc += w * (x + p->input_offset);
              }
            }
            out[(((size_t)b * out_dims->h + oy) * out_dims->w + ox) * (size_t)out_dims->c + oc] =
                conv_output(p, q, bias, oc, acc);
          }
        }
      }
    }
  }
  return QE_K_OK;
}
