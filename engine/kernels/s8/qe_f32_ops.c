/* qe_f32_ops.c - float32 kernels for the layers of an int8 model that are
 * kept in float: elementwise arithmetic, clamps, square roots, MEAN,
 * FULLY_CONNECTED and BATCH_MATMUL, in the order of TFLite's reference
 * float kernels. Portable C99 without libm.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "qe_s8_common.h"

static float bits_to_float(uint32_t u)
{
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

float qe_k_sqrtf(float x)
{
  uint32_t u, m, one;
  uint64_t a, rem, res, bit;
  int32_t ex, t, s;
  memcpy(&u, &x, sizeof u);
  if (x != x || x == 0.0f || u == 0x7f800000u)
    return x; /* NaN, +-0 and +infinity are their own roots */
  if (u >> 31)
    return bits_to_float(0x7fc00000u); /* negative: NaN */
  ex = (int32_t)((u >> 23) & 0xff);
  m = u & 0x7fffffu;
  if (ex == 0) {
    /* subnormal: value = m * 2^-149; normalize the leading bit to 2^23 */
    ex = -126;
    while (m < 0x800000u) {
      m <<= 1;
      ex--;
    }
  } else {
    m |= 0x800000u;
    ex -= 127;
  }
  /* value = m * 2^t with m in [2^23, 2^24); make t even */
  t = ex - 23;
  if (t & 1) {
    m <<= 1;
    t--;
  }
  /* a = m * 2^s in [2^46, 2^48), s even: its root has 24 bits */
  s = m >= 0x1000000u ? 22 : 24;
  a = (uint64_t)m << s;
  /* integer square root: res = floor(sqrt(a)), rem = a - res^2 */
  rem = a;
  res = 0;
  bit = (uint64_t)1 << 62;
  while (bit > rem)
    bit >>= 2;
  while (bit != 0) {
    if (rem >= res + bit) {
      rem -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  /* round to nearest: up when sqrt(a) >= res + 1/2, i.e. rem > res (no
   * ties: the root of an integer is never a half-integer) */
  if (rem > res)
    res++;
  t = (t - s) / 2;
  one = (uint32_t)res;
  if (one == 0x1000000u) {
    one >>= 1;
    t++;
  }
  /* one in [2^23, 2^24): the value one * 2^t, t + 23 the exponent */
  return bits_to_float(((uint32_t)(t + 23 + 127) << 23) | (one & 0x7fffffu));
}

static float clampf(float v, float lo, float hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

qe_kstatus qe_f32_binary(int32_t op, float act_min, float act_max, const qe_kdims *in1_dims,
                         const float *in1, const qe_kdims *in2_dims, const float *in2,
                         const qe_kdims *out_dims, float *out)
{
  int32_t s1[4], s2[4];
  int32_t n, h, w, c;
  size_t o = 0;

  if (in1 == NULL || in2 == NULL || out == NULL || !qe_k_dims_ok(in1_dims) ||
      !qe_k_dims_ok(in2_dims) || !qe_k_dims_ok(out_dims) || op < QE_KF32_ADD ||
      op > QE_KF32_SQUARED_DIFFERENCE || !(act_min <= act_max))
    return QE_K_ERR_ARG;
  if (!qe_k_bcast_strides(in1_dims, out_dims, s1) || !qe_k_bcast_strides(in2_dims, out_dims, s2))
    return QE_K_ERR_SIZE;
  for (n = 0; n < out_dims->n; n++)
    for (h = 0; h < out_dims->h; h++)
      for (w = 0; w < out_dims->w; w++)
        for (c = 0; c < out_dims->c; c++, o++) {
          const float a = in1[n * s1[0] + h * s1[1] + w * s1[2] + c * s1[3]];
          const float b = in2[n * s2[0] + h * s2[1] + w * s2[2] + c * s2[3]];
          float v;
          switch (op) {
          case QE_KF32_SUB:
            v = a - b;
            break;
          case QE_KF32_MUL:
            v = a * b;
            break;
          case QE_KF32_DIV:
            v = a / b;
            break;
          case QE_KF32_SQUARED_DIFFERENCE: {
            const float d = a - b;
            v = d * d;
            break;
          }
          default:
            v = a + b;
            break;
          }
          out[o] = clampf(v, act_min, act_max);
        }
  return QE_K_OK;
}

qe_kstatus qe_f32_clamp(float lo, float hi, size_t count, const float *in, float *out)
{
  size_t i;
  if (in == NULL || out == NULL || !(lo <= hi))
    return QE_K_ERR_ARG;
  for (i = 0; i < count; i++)
    out[i] = clampf(in[i], lo, hi);
  return QE_K_OK;
}

qe_kstatus qe_f32_sqrt(int32_t reciprocal, size_t count, const float *in, float *out)
{
  size_t i;
  if (in == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (i = 0; i < count; i++)
    out[i] = reciprocal ? 1.0f / qe_k_sqrtf(in[i]) : qe_k_sqrtf(in[i]);
  return QE_K_OK;
}

qe_kstatus qe_f32_mean(int32_t rank, const int32_t *dims, int32_t axes_mask, const float *in,
                       float *out)
{
  int32_t strides[QE_K_MAX_RANK], kept[QE_K_MAX_RANK], red[QE_K_MAX_RANK];
  int32_t kidx[QE_K_MAX_RANK], ridx[QE_K_MAX_RANK];
  int32_t n_kept = 0, n_red = 0, i;
  int64_t count = 1, n_out = 1, o, r;

  if (dims == NULL || in == NULL || out == NULL || rank < 1 || rank > QE_K_MAX_RANK)
    return QE_K_ERR_ARG;
  strides[rank - 1] = 1;
  for (i = rank - 1; i >= 0; i--) {
    if (dims[i] <= 0)
      return QE_K_ERR_ARG;
    if (i < rank - 1)
      strides[i] = strides[i + 1] * dims[i + 1];
  }
  for (i = 0; i < rank; i++) {
    if (axes_mask & (1 << i)) {
      red[n_red++] = i;
      count *= dims[i];
    } else {
      kept[n_kept++] = i;
      n_out *= dims[i];
    }
  }
  for (i = 0; i < n_kept; i++)
    kidx[i] = 0;
  for (o = 0; o < n_out; o++) {
    size_t base = 0;
    float acc = 0.0f;
    for (i = 0; i < n_kept; i++)
      base += (size_t)kidx[i] * (size_t)strides[kept[i]];
    for (i = 0; i < n_red; i++)
      ridx[i] = 0;
    /* the reduced elements of one output, in input order */
    for (r = 0; r < count; r++) {
      size_t off = base;
      for (i = 0; i < n_red; i++)
        off += (size_t)ridx[i] * (size_t)strides[red[i]];
      acc += in[off];
      qe_k_index_next(ridx, dims, red, n_red);
    }
    out[o] = acc / (float)count;
    qe_k_index_next(kidx, dims, kept, n_kept);
  }
  return QE_K_OK;
}

qe_kstatus qe_f32_fully_connected(int32_t batches, int32_t accum_depth, int32_t out_depth,
                                  float act_min, float act_max, const float *in,
                                  const float *weights, const float *bias, float *out)
{
  int32_t b, o, d;
  if (in == NULL || weights == NULL || out == NULL || batches <= 0 || accum_depth <= 0 ||
      out_depth <= 0 || !(act_min <= act_max))
    return QE_K_ERR_ARG;
  for (b = 0; b < batches; b++)
    for (o = 0; o < out_depth; o++) {
      float acc = 0.0f;
      for (d = 0; d < accum_depth; d++)
        acc += in[(size_t)b * accum_depth + d] * weights[(size_t)o * accum_depth + d];
      if (bias != NULL)
        acc += bias[o];
      out[(size_t)b * out_depth + o] = clampf(acc, act_min, act_max);
    }
  return QE_K_OK;
}

qe_kstatus qe_f32_batch_matmul(const qe_kbmm_params *p, const int32_t *ld, const float *lhs,
                               const int32_t *rd, const float *rhs, float *out)
{
  int32_t b0, b1, i, j, k, m, kd, nn, ob0, ob1;
  int d;
  if (p == NULL || ld == NULL || rd == NULL || lhs == NULL || rhs == NULL || out == NULL)
    return QE_K_ERR_ARG;
  for (d = 0; d < 4; d++)
    if (ld[d] <= 0 || rd[d] <= 0)
      return QE_K_ERR_ARG;
  for (d = 0; d < 2; d++)
    if (ld[d] != rd[d] && ld[d] != 1 && rd[d] != 1)
      return QE_K_ERR_SIZE;
  m = p->adj_x ? ld[3] : ld[2];
  kd = p->adj_x ? ld[2] : ld[3];
  nn = p->adj_y ? rd[2] : rd[3];
  if (kd != (p->adj_y ? rd[3] : rd[2]))
    return QE_K_ERR_SIZE;
  ob0 = ld[0] > rd[0] ? ld[0] : rd[0];
  ob1 = ld[1] > rd[1] ? ld[1] : rd[1];
  for (b0 = 0; b0 < ob0; b0++)
    for (b1 = 0; b1 < ob1; b1++) {
      const float *l = lhs + ((size_t)(ld[0] > 1 ? b0 : 0) * ld[1] + (size_t)(ld[1] > 1 ? b1 : 0)) *
                                 (size_t)ld[2] * (size_t)ld[3];
      const float *r = rhs + ((size_t)(rd[0] > 1 ? b0 : 0) * rd[1] + (size_t)(rd[1] > 1 ? b1 : 0)) *
                                 (size_t)rd[2] * (size_t)rd[3];
      float *y = out + ((size_t)b0 * ob1 + (size_t)b1) * (size_t)m * (size_t)nn;
      for (i = 0; i < m; i++)
        for (j = 0; j < nn; j++) {
          float acc = 0.0f;
          for (k = 0; k < kd; k++)
            acc += l[p->adj_x ? (size_t)k * m + i : (size_t)i * kd + k] *
                   r[p->adj_y ? (size_t)j * kd + k : (size_t)k * nn + j];
          y[(size_t)i * nn + j] = acc;
        }
    }
  return QE_K_OK;
}
