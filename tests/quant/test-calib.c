/* test-calib.c - calibration observers, methods and quantization parameters
 * on synthetic tensors with known answers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_calib.h"
#include "qz-check-fatal.h"

#define NEAR(a, b, tol) CHECK(fabs((double)(a) - (double)(b)) <= (tol))

static uint64_t rng = 88172645463325252ull;
static double urand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}
static double nrand(void)
{
  double u1 = urand(), u2 = urand();
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

static void test_minmax_and_growth(qe_ctx *ctx)
{
  qe_calib_obs *o;
  CHECK(qe_calib_obs_new(2048, &o, ctx) == QE_OK);
  float a[4] = { 0.5f, -0.25f, 0.1f, 0.0f };
  qe_calib_obs_add(o, a, 4, NULL);
  float b[3] = { 7.0f, -3.0f, 2.0f }; /* forces the histogram to grow */
  size_t bad = 99;
  qe_calib_obs_add(o, b, 3, &bad);
  CHECK(bad == 0);
  float c[3] = { NAN, INFINITY, 1.0f };
  qe_calib_obs_add(o, c, 3, &bad);
  CHECK(bad == 2);
  CHECK(qe_calib_obs_count(o) == 8);
  CHECK(qe_calib_obs_batches(o) == 3);
  float lo, hi;
  CHECK(qe_calib_obs_range(o, QE_CALIB_MINMAX, NULL, &lo, &hi, ctx) == QE_OK);
  CHECK(lo == -3.0f && hi == 7.0f);
  NEAR(qe_calib_obs_mean(o), (0.5 - 0.25 + 0.1 + 7 - 3 + 2 + 1) / 8.0, 1e-9);
  /* every value is still counted once after growth */
  uint64_t h[8];
  qe_calib_obs_histogram(o, -3.0f, 7.0f, 8, h);
  uint64_t total = 0;
  for (int i = 0; i < 8; i++)
    total += h[i];
  CHECK(total == 8);
  CHECK(qe_calib_obs_clipped_fraction(o, -10, 10) == 0.0);
  NEAR(qe_calib_obs_clipped_fraction(o, -1, 1.5), 3.0 / 8.0, 1e-12);
  qe_calib_obs_free(o);
}

static void test_moving_average(qe_ctx *ctx)
{
  qe_calib_obs *o;
  CHECK(qe_calib_obs_new(256, &o, ctx) == QE_OK);
  qe_calib_obs_set_moving_average(o, 0.01);
  double emin = 0, emax = 0;
  for (int b = 0; b < 50; b++) {
    float x[16];
    float bmin = 1e30f, bmax = -1e30f;
    for (int i = 0; i < 16; i++) {
      x[i] = (float)(nrand() * (1 + b % 7));
      bmin = fminf(bmin, x[i]);
      bmax = fmaxf(bmax, x[i]);
    }
    qe_calib_obs_add(o, x, 16, NULL);
    if (b == 0) {
      emin = bmin;
      emax = bmax;
    } else {
      emin = emin * 0.99 + 0.01 * bmin;
      emax = emax * 0.99 + 0.01 * bmax;
    }
  }
  float lo, hi;
  CHECK(qe_calib_obs_range(o, QE_CALIB_MOVING_AVERAGE, NULL, &lo, &hi, ctx) == QE_OK);
  NEAR(lo, emin, 1e-5);
  NEAR(hi, emax, 1e-5);
  qe_calib_obs_free(o);
}

static void test_percentile_entropy_mse(qe_ctx *ctx)
{
  qe_calib_obs *o;
  CHECK(qe_calib_obs_new(2048, &o, ctx) == QE_OK);
  const size_t n = 200000;
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)nrand();
  x[0] = 40.0f; /* one far outlier */
  for (size_t i = 0; i < n; i += 1000)
    qe_calib_obs_add(o, x + i, 1000, NULL);
  qe_calib_params p;
  qe_calib_params_init(&p);
  float lo, hi;
  p.percentile = 99.0; /* central 99 %: +-2.576 sigma */
  CHECK(qe_calib_obs_range(o, QE_CALIB_PERCENTILE, &p, &lo, &hi, ctx) == QE_OK);
  NEAR(hi, 2.576, 0.06);
  NEAR(lo, -2.576, 0.06);
  /* entropy clips the outlier: threshold well inside (3, 10) sigma */
  CHECK(qe_calib_obs_range(o, QE_CALIB_ENTROPY, &p, &lo, &hi, ctx) == QE_OK);
  CHECK(hi > 2.5f && hi < 10.0f && lo < -2.5f && lo > -10.0f);
  NEAR(hi, -lo, 1e-6);
  /* mse: one outlier's squared clipping error (~35^2) outweighs the
   * rounding noise of 200000 values, so it narrows the range only in part;
   * it stays inside [min, max] and keeps the bulk */
  CHECK(qe_calib_obs_range(o, QE_CALIB_MSE, &p, &lo, &hi, ctx) == QE_OK);
  CHECK(hi > 2.0f && hi < 40.0f && lo < -2.0f && lo >= qe_calib_obs_min(o));
  /* minmax keeps it */
  CHECK(qe_calib_obs_range(o, QE_CALIB_MINMAX, &p, &lo, &hi, ctx) == QE_OK);
  CHECK(hi == 40.0f);

  /* a ReLU-like tensor: entropy gives [0, t] */
  qe_calib_obs_reset(o);
  for (size_t i = 0; i < n; i++)
    x[i] = fabsf(x[i]);
  qe_calib_obs_add(o, x, n, NULL);
  CHECK(qe_calib_obs_range(o, QE_CALIB_ENTROPY, &p, &lo, &hi, ctx) == QE_OK);
  CHECK(lo >= 0.0f && lo == qe_calib_obs_min(o) && hi > 2.5f && hi < 10.0f);

  /* empty: a clear error */
  qe_calib_obs_reset(o);
  CHECK(qe_calib_obs_range(o, QE_CALIB_MINMAX, &p, &lo, &hi, ctx) == QE_ERR_DATA);
  free(x);
  /* constant zero tensor */
  float z[5] = { 0 };
  qe_calib_obs_add(o, z, 5, NULL);
  for (int m = 0; m < QE_CALIB_COUNT; m++) {
    CHECK(qe_calib_obs_range(o, (qe_calib_method)m, &p, &lo, &hi, ctx) == QE_OK);
    CHECK(lo == 0.0f && hi == 0.0f);
  }
  qe_calib_obs_free(o);
}

static void test_qparams(qe_ctx *ctx)
{
  int32_t qmin, qmax;
  qe_qgrid(8, false, &qmin, &qmax);
  CHECK(qmin == -128 && qmax == 127);
  qe_qgrid(8, true, &qmin, &qmax);
  CHECK(qmin == -127 && qmax == 127);
  qe_qgrid(4, true, &qmin, &qmax);
  CHECK(qmin == -7 && qmax == 7);
  qe_qgrid(2, true, &qmin, &qmax);
  CHECK(qmin == -1 && qmax == 1);

  /* [0, 6] on int8: scale 6/255, zero point -128, 0 exact */
  qe_qparams q = qe_choose_qparams(0.0f, 6.0f, -128, 127, false, false);
  NEAR(q.scale, 6.0 / 255.0, 1e-7);
  CHECK(q.zero_point == -128);
  /* range not holding 0 is widened */
  q = qe_choose_qparams(1.0f, 3.0f, -128, 127, false, false);
  NEAR(q.scale, 3.0 / 255.0, 1e-7);
  CHECK(q.zero_point == -128);
  q = qe_choose_qparams(-2.0f, 1.0f, -128, 127, false, false);
  NEAR(q.scale, 3.0 / 255.0, 1e-7);
  CHECK(q.zero_point == (int32_t)lround(-128 + 2.0 / (3.0 / 255.0)));
  /* symmetric */
  q = qe_choose_qparams(-2.0f, 1.0f, -128, 127, true, false);
  NEAR(q.scale, 2.0 / 127.0, 1e-7);
  CHECK(q.zero_point == 0);
  /* power of two, rounded up */
  q = qe_choose_qparams(-2.0f, 1.0f, -128, 127, true, true);
  CHECK(q.scale == 0.03125f); /* 2/127 = 0.01575 -> 2^-5 (rounded up) */
  q = qe_choose_qparams(0.0f, 1.0f, -128, 127, false, true);
  CHECK(q.scale == 0.0078125f && q.zero_point == -128); /* 1/255 -> 2^-7 */
  /* exact powers stay */
  CHECK(qe_weight_scale(127.0f * 0.25f, 127, true) == 0.25f);
  CHECK(qe_weight_scale(0.0f, 127, false) == 1.0f);
  /* zero-width ranges */
  q = qe_choose_qparams(0.0f, 0.0f, -128, 127, false, false);
  CHECK(q.scale == 1.0f && q.zero_point == 0);
  q = qe_choose_qparams(-8.0f, 7.0f, -8, 7, false, false); /* 4-bit grid */
  CHECK(q.scale == 1.0f && q.zero_point == 0);
  /* quantize: half away from zero, clamped */
  CHECK(qe_quantize_value(2.5f, 1.0f, 0, -128, 127) == 3);
  CHECK(qe_quantize_value(-2.5f, 1.0f, 0, -128, 127) == -3);
  CHECK(qe_quantize_value(1000.0f, 1.0f, 0, -128, 127) == 127);
  CHECK(qe_quantize_value(NAN, 1.0f, 0, -128, 127) == -128);

  qe_calib_method m;
  CHECK(qe_calib_method_parse("calib_moving_average", &m, ctx) == QE_OK &&
        m == QE_CALIB_MOVING_AVERAGE);
  CHECK(qe_calib_method_parse("KL", &m, ctx) == QE_OK && m == QE_CALIB_ENTROPY);
  CHECK(qe_calib_method_parse("bogus", &m, ctx) == QE_ERR_INVALID);
  CHECK(strstr(qe_ctx_error(ctx), "bogus") != NULL);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  test_minmax_and_growth(ctx);
  test_moving_average(ctx);
  test_percentile_entropy_mse(ctx);
  test_qparams(ctx);
  qe_ctx_free(ctx);
  printf("calib: ok\n");
  return 0;
}
