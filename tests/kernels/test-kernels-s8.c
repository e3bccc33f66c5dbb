/* test-kernels-s8.c - the int8 kernels' arithmetic: requantization
 * primitives against an exact (128-bit) statement of TFLite's double
 * rounding, QuantizeMultiplier's edge cases, packed sub-byte weights equal
 * to unpacked ones, per-channel FULLY_CONNECTED against a naive int64
 * reference, argument checks and the accumulator bound.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_qmodel.h"
#include "qe_kernels_s8.h"
#include "qe_requant_s8.h"
#include "qz-check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

/* Round n / 2^k half away from zero, exactly, by division. */
static __int128 div_pot_away(__int128 n, int k)
{
  const __int128 d = (__int128)1 << k;
  const __int128 q = n / d, r = n % d; /* truncating */
  if (r * 2 >= d)
    return q + 1;
  if (r * 2 <= -d)
    return q - 1;
  return q;
}

/* Round n / 2^k half up (ties toward +infinity), exactly. */
static __int128 div_pot_up(__int128 n, int k)
{
  const __int128 d = (__int128)1 << k;
  __int128 f = n / d;
  if (n % d != 0 && n < 0)
    f -= 1; /* floor */
  return (n - f * d) * 2 >= d ? f + 1 : f;
}

/* TFLite's double rounding stated exactly: round(x*2^ls*M / 2^31) half up,
 * then round(./2^rs) half away from zero. */
static int32_t mbqm_exact(int32_t x, int32_t m, int shift)
{
  const int ls = shift > 0 ? shift : 0, rs = shift > 0 ? 0 : -shift;
  __int128 hi = div_pot_up((__int128)((int64_t)x * ((int64_t)1 << ls)) * m, 31);
  if (hi > INT32_MAX)
    hi = INT32_MAX;
  return (int32_t)div_pot_away(hi, rs);
}

static void test_primitives(void)
{
  int i;
  CHECK(qe_k_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX, "srdhm saturation");
  CHECK(qe_k_srdhm(1 << 30, 1 << 30) == 1 << 29, "srdhm 0.5*0.5");
  CHECK(qe_k_srdhm(-(1 << 30), 1 << 30) == -(1 << 29), "srdhm -0.5*0.5");
  CHECK(qe_k_srdhm(-3, 1 << 30) == -1 && qe_k_srdhm(3, 1 << 30) == 2, "srdhm ties up");
  CHECK(qe_k_rdbpot(5, 1) == 3 && qe_k_rdbpot(-5, 1) == -3, "rdbpot ties away from zero");
  CHECK(qe_k_rdbpot(4, 1) == 2 && qe_k_rdbpot(-3, 1) == -2 && qe_k_rdbpot(7, 2) == 2,
        "rdbpot values");
  CHECK(qe_k_rdbpot(-1, 31) == 0 && qe_k_rdbpot(INT32_MIN, 31) == -1, "rdbpot by 31");
  for (i = 0; i < 200000; i++) {
    const int32_t x = (int32_t)rnd() >> (rnd() % 24);
    const int32_t m = (int32_t)((1u << 30) + (rnd() % (1u << 30)));
    const int shift = -(int)(rnd() % 20) + (i % 4 == 0 ? (int)(rnd() % 4) : 0);
    if (shift > 0 && (x > (INT32_MAX >> shift) || x < (INT32_MIN >> shift)))
      continue;
    if (qe_k_mbqm(x, m, shift) != mbqm_exact(x, m, shift)) {
      CHECK(0, "mbqm(%d, %d, %d) = %d, exact %d", x, m, shift, qe_k_mbqm(x, m, shift),
            mbqm_exact(x, m, shift));
      break;
    }
  }
  checks++;
  /* the second step: away from zero (double) or up (ruy's half-up) */
  CHECK(qe_k_mbqm(-10, 1 << 30, -1) == -3, "double: -2.5 -> -3");
  CHECK(qe_k_mbqm_half_up(-10, 1 << 30, -1) == -2, "half-up: -2.5 -> -2");
  CHECK(qe_k_mbqm(-5, 1 << 30, 0) == -2 && qe_k_mbqm(5, 1 << 30, 0) == 3, "first step: half up");
  CHECK(qe_k_mbqm_half_up(3, 1 << 30, -1) == 1, "half-up 0.75 -> 1");
}

static void test_quantize_multiplier(void)
{
  int32_t m;
  int s;
  qe_quantize_multiplier(0.5, &m, &s);
  CHECK(m == 1 << 30 && s == 0, "0.5 -> %d, %d", m, s);
  qe_quantize_multiplier(1.0, &m, &s);
  CHECK(m == 1 << 30 && s == 1, "1.0 -> %d, %d", m, s);
  qe_quantize_multiplier(1.0 - 1e-12, &m, &s); /* q rounds up to 2^31: folded */
  CHECK(m == 1 << 30 && s == 1, "1-1e-12 -> %d, %d", m, s);
  qe_quantize_multiplier(0.75, &m, &s);
  CHECK(m == 3 << 29 && s == 0, "0.75 -> %d, %d", m, s);
  qe_quantize_multiplier(1e-12, &m, &s); /* below 2^-31: flushed */
  CHECK(m == 0 && s == 0, "1e-12 -> %d, %d", m, s);
  qe_quantize_multiplier(0.0, &m, &s);
  CHECK(m == 0 && s == 0, "0 -> %d, %d", m, s);
  qe_quantize_multiplier(3.0, &m, &s);
  CHECK(m == 3 << 29 && s == 2, "3 -> %d, %d", m, s);
}

static void pack(const int8_t *v, int n, int bits, int8_t *out)
{
  int i;
  memset(out, 0, (size_t)(n * bits + 7) / 8);
  for (i = 0; i < n; i++) {
    const int per = 8 / bits;
    out[i / per] = (int8_t)((uint8_t)out[i / per] |
                            (uint8_t)((v[i] & ((1 << bits) - 1)) << ((i % per) * bits)));
  }
}

static void test_packed(void)
{
  enum { CIN = 5, COUT = 6, KH = 3, KW = 2, H = 7, W = 6 };
  int8_t in[H * W * CIN], w8[COUT * KH * KW * CIN], wp[COUT * KH * KW * CIN], o1[H * W * COUT],
      o2[H * W * COUT];
  int32_t mult[COUT], shift[COUT], bias[COUT];
  int16_t scratch[KH * KW * CIN];
  qe_kdims id = { 1, H, W, CIN }, fd = { COUT, KH, KW, CIN }, od = { 1, H, W, COUT };
  qe_kconv_params p;
  qe_kquant q = { mult, shift, 1, 0 };
  int bits, i;
  for (i = 0; i < (int)sizeof(in); i++)
    in[i] = (int8_t)rnd();
  for (i = 0; i < COUT; i++) {
    mult[i] = (int32_t)((1u << 30) + rnd() % (1u << 30));
    shift[i] = -(int32_t)(rnd() % 8);
    bias[i] = (int32_t)(rnd() % 2000) - 1000;
  }
  memset(&p, 0, sizeof(p));
  p.input_offset = 3;
  p.output_offset = -5;
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.pad_h = 1;
  p.pad_w = 0;
  p.depth_multiplier = 1;
  p.act_min = -128;
  p.act_max = 127;
  for (bits = 4; bits >= 2; bits -= 2) {
    const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
    for (i = 0; i < (int)sizeof(w8); i++)
      w8[i] = (int8_t)(lo + (int)(rnd() % (uint32_t)(hi - lo + 1)));
    pack(w8, (int)sizeof(w8), bits, wp);
    p.weights = QE_KW_8;
    CHECK(qe_s8_conv(&p, &q, &id, in, &fd, w8, bias, &od, o1, scratch) == QE_K_OK, "conv");
    p.weights = bits == 4 ? QE_KW_4_PACKED : QE_KW_2_PACKED;
    CHECK(qe_s8_conv(&p, &q, &id, in, &fd, wp, bias, &od, o2, scratch) == QE_K_OK, "conv packed");
    CHECK(memcmp(o1, o2, sizeof(o1)) == 0, "conv with %d-bit packed weights differs", bits);
    {
      qe_kfc_params f = { 3, 0, -5, -128, 127, QE_KW_8 };
      CHECK(qe_s8_fully_connected(&f, &q, 2, KH * KW * CIN / 2, COUT, in, w8, bias, o1) == QE_K_OK,
            "fc");
      f.weights = bits == 4 ? QE_KW_4_PACKED : QE_KW_2_PACKED;
      CHECK(qe_s8_fully_connected(&f, &q, 2, KH * KW * CIN / 2, COUT, in, wp, bias, o2) == QE_K_OK,
            "fc packed");
      CHECK(memcmp(o1, o2, 2 * COUT) == 0, "fc with %d-bit packed weights differs", bits);
    }
  }
}

/* Per-channel FULLY_CONNECTED (not checkable against TFLite 2.9) against a
 * naive int64 statement. */
static void test_fc_per_channel(void)
{
  enum { B = 3, K = 37, N = 9 };
  int8_t x[B * K], w[N * K], out[B * N];
  int32_t mult[N], shift[N], bias[N];
  qe_kfc_params p = { -7, 0, 11, -128, 127, QE_KW_8 };
  qe_kquant q = { mult, shift, 1, 0 };
  int i, b, o, k;
  for (i = 0; i < B * K; i++)
    x[i] = (int8_t)rnd();
  for (i = 0; i < N * K; i++)
    w[i] = (int8_t)(rnd() % 255 - 127);
  for (i = 0; i < N; i++) {
    qe_quantize_multiplier(0.0001 + (rnd() % 1000) * 1e-6, &mult[i], (int *)&shift[i]);
    bias[i] = (int32_t)(rnd() % 20000) - 10000;
  }
  CHECK(qe_s8_fully_connected(&p, &q, B, K, N, x, w, bias, out) == QE_K_OK, "fc per-channel");
  for (b = 0; b < B; b++)
    for (o = 0; o < N; o++) {
      int64_t acc = bias[o];
      int32_t want;
      for (k = 0; k < K; k++)
        acc += (int64_t)w[o * K + k] * (x[b * K + k] - 7);
      want = mbqm_exact((int32_t)acc, mult[o], shift[o]) + 11;
      want = want < -128 ? -128 : (want > 127 ? 127 : want);
      CHECK(out[b * N + o] == want, "fc per-channel [%d][%d]: %d, expected %d", b, o,
            out[b * N + o], want);
    }
}

static void test_arguments(void)
{
  int8_t buf[16] = { 0 };
  int16_t scratch[8];
  int32_t m = 1 << 30, s = 0;
  qe_kquant q = { &m, &s, 0, 0 };
  qe_kconv_params p;
  qe_kdims d = { 1, 1, 1, 1 }, big = { 1, 300, 300, 1 };
  memset(&p, 0, sizeof(p));
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.act_min = -128;
  p.act_max = 127;
  CHECK(qe_s8_conv(NULL, &q, &d, buf, &d, buf, NULL, &d, buf, scratch) == QE_K_ERR_ARG, "NULL");
  p.stride_h = 0;
  CHECK(qe_s8_conv(&p, &q, &d, buf, &d, buf, NULL, &d, buf, scratch) == QE_K_ERR_ARG, "stride 0");
  p.stride_h = 1;
  /* 300*300 products exceed the accumulator bound */
  CHECK(qe_s8_conv(&p, &q, &big, buf, &big, buf, NULL, &d, buf, scratch) != QE_K_OK, "bound");
  CHECK(qe_s8_conv_get_buffer_size(&big) == 300 * 300 * 2, "buffer size");
  CHECK(qe_s8_depthwise_conv_get_buffer_size(&big) == 0, "dw buffer size");
  {
    qe_kfc_params f = { 0, 0, 0, -128, 127, QE_KW_8 };
    CHECK(qe_s8_fully_connected(&f, &q, 1, QE_K_MAX_ACCUM + 1, 1, buf, buf, NULL, buf) ==
              QE_K_ERR_SIZE,
          "fc bound");
  }
}

int main(void)
{
  test_primitives();
  test_quantize_multiplier();
  test_packed();
  test_fc_per_channel();
  test_arguments();
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
