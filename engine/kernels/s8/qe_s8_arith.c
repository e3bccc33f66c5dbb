/* qe_s8_arith.c - SUB and SQUARED_DIFFERENCE, int8 with TFLite's 4-D
 * broadcast (reference Sub / BroadcastQuantSubSlow and the integer
 * SquaredDifference of squared_difference.cc, bit for bit).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_s8_common.h"

/* Strides of @d for the output @o: 0 along broadcast dims. Returns 0 when
 * a dim neither matches nor is 1. */
static int strides_of(const qe_kdims *d, const qe_kdims *o, int32_t s[4])
{
  const int32_t dims[4] = { d->n, d->h, d->w, d->c };
  const int32_t odims[4] = { o->n, o->h, o->w, o->c };
  int32_t stride = 1;
  int i;
  for (i = 3; i >= 0; i--) {
    if (dims[i] != odims[i] && dims[i] != 1)
      return 0;
    s[i] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
  return 1;
}

static int params_ok(const qe_kadd_params *p, int32_t max_left_shift)
{
  return p != NULL && p->left_shift >= 0 && p->left_shift <= max_left_shift &&
         p->input1_offset >= -128 && p->input1_offset <= 128 && p->input2_offset >= -128 &&
         p->input2_offset <= 128 && p->act_min <= p->act_max && p->input1_shift <= 0 &&
         p->input2_shift <= 0 && p->output_shift <= 0;
}

qe_kstatus qe_s8_sub(const qe_kadd_params *p, const qe_kdims *in1_dims, const int8_t *in1,
                     const qe_kdims *in2_dims, const int8_t *in2, const qe_kdims *out_dims,
                     int8_t *out)
{
  int32_t s1[4], s2[4];
  int32_t n, h, w, c;
  size_t o = 0;

  if (!params_ok(p, 22) || in1 == NULL || in2 == NULL || out == NULL || !qe_k_dims_ok(in1_dims) ||
      !qe_k_dims_ok(in2_dims) || !qe_k_dims_ok(out_dims))
    return QE_K_ERR_ARG;
  if (!strides_of(in1_dims, out_dims, s1) || !strides_of(in2_dims, out_dims, s2))
    return QE_K_ERR_SIZE;

  for (n = 0; n < out_dims->n; n++)
    for (h = 0; h < out_dims->h; h++)
      for (w = 0; w < out_dims->w; w++)
        for (c = 0; c < out_dims->c; c++, o++) {
          const int32_t a = in1[n * s1[0] + h * s1[1] + w * s1[2] + c * s1[3]] + p->input1_offset;
          const int32_t bv = in2[n * s2[0] + h * s2[1] + w * s2[2] + c * s2[3]] + p->input2_offset;
          /* |a|, |bv| <= 256 and left_shift <= 22 keep a * 2^shift below
           * 2^31; the rescaled values (multipliers < 1) differ by less
           * than 2^31. */
          const int32_t sa =
              qe_k_mbqm(a * (1 << p->left_shift), p->input1_multiplier, p->input1_shift);
          const int32_t sb =
              qe_k_mbqm(bv * (1 << p->left_shift), p->input2_multiplier, p->input2_shift);
          int32_t r = qe_k_mbqm(sa - sb, p->output_multiplier, p->output_shift) + p->output_offset;
          out[o] = (int8_t)qe_k_clamp(r, p->act_min, p->act_max);
        }
  return QE_K_OK;
}

qe_kstatus qe_s8_squared_difference(const qe_kadd_params *p, const qe_kdims *in1_dims,
                                    const int8_t *in1, const qe_kdims *in2_dims, const int8_t *in2,
                                    const qe_kdims *out_dims, int8_t *out)
{
  int32_t s1[4], s2[4];
  int32_t n, h, w, c;
  size_t o = 0;

  /* left_shift <= 7: the rescaled values are below 2^15 in magnitude, so
   * their difference squared stays below 2^31. */
  if (!params_ok(p, 7) || in1 == NULL || in2 == NULL || out == NULL || !qe_k_dims_ok(in1_dims) ||
      !qe_k_dims_ok(in2_dims) || !qe_k_dims_ok(out_dims))
    return QE_K_ERR_ARG;
  if (!strides_of(in1_dims, out_dims, s1) || !strides_of(in2_dims, out_dims, s2))
    return QE_K_ERR_SIZE;

  for (n = 0; n < out_dims->n; n++)
    for (h = 0; h < out_dims->h; h++)
      for (w = 0; w < out_dims->w; w++)
        for (c = 0; c < out_dims->c; c++, o++) {
          const int32_t a = in1[n * s1[0] + h * s1[1] + w * s1[2] + c * s1[3]] + p->input1_offset;
          const int32_t bv = in2[n * s2[0] + h * s2[1] + w * s2[2] + c * s2[3]] + p->input2_offset;
          const int32_t sa =
              qe_k_mbqm(a * (1 << p->left_shift), p->input1_multiplier, p->input1_shift);
          const int32_t sb =
              qe_k_mbqm(bv * (1 << p->left_shift), p->input2_multiplier, p->input2_shift);
          const int32_t d = sa - sb;
          int32_t r = qe_k_mbqm(d * d, p->output_multiplier, p->output_shift) + p->output_offset;
          out[o] = (int8_t)qe_k_clamp(r, p->act_min, p->act_max);
        }
  return QE_K_OK;
}
