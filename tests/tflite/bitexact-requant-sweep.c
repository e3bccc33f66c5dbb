/* bitexact-requant-sweep.c - the requantization of CONV_2D,
 * FULLY_CONNECTED, DEPTHWISE_CONV_2D and MEAN in TFLite 2.9
 * (libtensorflowlite_c.so from npm tfjs-tflite-node, dlopen) against the
 * engine, on chosen accumulators rather than random ones: for every output
 * value of the int8 range, the accumulators around its rounding tie (where
 * rounding rules differ), and the accumulators where a multiplier made
 * from a float product of the scales differs from one made from a double
 * product. MEAN over H and W on every possible sum.
 *
 * What it pins down (measured with this test on TFLite 2.9, x86-64):
 *  - CONV_2D and FULLY_CONNECTED in TFLite on a PC go through ruy, whose
 *    x86 kernels round both steps of the requantization half up:
 *      y = (acc * 2^left * M + 2^30) >> 31;  y = (y + 2^(r-1)) >> r
 *    where the reference kernels (TFLite Micro, CMSIS-NN, the engine's
 *    default) round the second step half away from zero. They differ on
 *    exactly the accumulators whose y is a negative exact tie (y mod 2^r =
 *    2^(r-1), y < 0): the engine with QE_ROUND_HALF_UP must equal TFLite
 *    everywhere, with QE_ROUND_DOUBLE everywhere except on those.
 *  - DEPTHWISE_CONV_2D uses the reference rounding (QE_ROUND_DOUBLE).
 *  - the real multiplier of a per-channel CONV_2D / DEPTHWISE is
 *    double(s_in) * double(s_w) / double(s_out); of a per-tensor
 *    FULLY_CONNECTED it is double(float(s_in * s_w)) / double(s_out) (the
 *    product rounded to float first, as TFLite's and TFLite Micro's
 *    GetQuantizedConvolutionMultipler do). The two differ in the low bits.
 *  - MEAN keep_dims over H, W rescales the integer sum first and divides
 *    by the count after, rounding each step: the result differs from the
 *    exactly rounded mean near ties (printed; this is what TFLite and
 *    TFLite Micro compute).
 * ruy picks its kernels by CPU: the rounding above is that of its AVX,
 * AVX2 and AVX-512 kernels (checked under qemu-x86_64 -cpu SandyBridge /
 * Haswell and on an AVX-512 host). On an x86-64 without AVX ruy runs its
 * portable C++ path, which rounds once ((acc * M + 2^(30+r)) >> (31+r)),
 * a third rounding the engine does not offer: the test is skipped there.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit 77 (skipped) when the library is absent.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_qmodel.h"
#include "qe/qe_tflite.h"
#include "tflite-peer.h"
#include "qe_requant_s8.h"

static int failures;

static void fail(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(const char *what, const char *fmt, ...)
{
  va_list ap;
  if (failures++ >= 20)
    return;
  printf("FAIL %s: ", what);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

/* Run a one-input, one-output int8 model in TFLite. 0 on success. */
static int run_tflite(const qe_qmodel *m, const int8_t *in, size_t n_in, int8_t *out, size_t n_out,
                      qe_ctx *ctx)
{
  uint8_t *fb = NULL;
  size_t fb_size = 0;
  tfl_interp tr;
  TfLiteInterpreter *it;
  int rc = -1;
  if (qe_tflite_write(m, &fb, &fb_size, ctx) != QE_OK)
    return -1;
  it = tfl_open_allocated(&tr, fb, fb_size);
  if (it != NULL && tfl_io_sizes_are(it, n_in, n_out) && tfl_invoke1(it, in, n_in, out, n_out))
    rc = 0;
  tfl_close(&tr);
  free(fb);
  return rc;
}

static int run_engine(qe_qmodel *m, qe_rounding rounding, const int8_t *in, size_t n_in,
                      int8_t *out, size_t n_out, qe_ctx *ctx)
{
  qe_qexec *e = NULL;
  m->conv_rounding = rounding;
  if (qe_qmodel_prepare(m, ctx) != QE_OK || qe_qexec_new(m, &e, ctx) != QE_OK)
    return -1;
  memcpy(qe_qexec_input(e, 0), in, n_in);
  if (qe_qexec_run(e, ctx) != QE_OK) {
    qe_qexec_free(e);
    return -1;
  }
  memcpy(out, qe_qexec_output(e, 0), n_out);
  qe_qexec_free(e);
  return 0;
}

/* ---- accumulators worth testing --------------------------------------- */

typedef struct accs {
  int32_t *v;
  size_t n, cap;
} accs;

static void accs_add(accs *a, int64_t v)
{
  if (v < -2000000000 || v > 2000000000)
    return;
  if (a->n == a->cap) {
    a->cap = a->cap ? 2 * a->cap : 1024;
    a->v = realloc(a->v, a->cap * sizeof(int32_t));
    if (a->v == NULL)
      abort();
  }
  a->v[a->n++] = (int32_t)v;
}

/* floor(a / b) for b > 0 */
static int64_t floor_div(int64_t a, int64_t b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The accumulator where mbqm_half_up(acc, M, shift) first reaches @t,
 * i.e. the smallest acc with (acc * 2^l * M + 2^30) >> 31 >= t * 2^r -
 * 2^(r-1) (r > 0), as an exact integer. */
static int64_t step_start(int64_t t, int32_t M, int shift)
{
  const int r = shift < 0 ? -shift : 0, l = shift > 0 ? shift : 0;
  const int64_t y = r > 0 ? t * ((int64_t)1 << r) - ((int64_t)1 << (r - 1)) : t;
  /* acc * M * 2^l >= y * 2^31 - 2^30 */
  const int64_t need = y * ((int64_t)1 << 31) - ((int64_t)1 << 30);
  const int64_t den = (int64_t)M << l;
  return -floor_div(-need, den);
}

/* Every accumulator within @k of each rounding step of the output range
 * (the ties), plus the accumulators where a multiplier from the float
 * product of the scales (@Mf) and one from the double product (@Md) give
 * different results; returns how many of the latter. */
static size_t tie_accs(accs *a, int32_t M, int shift, int32_t Mf, int sf, int32_t Md, int sd,
                       int zp_out, int k)
{
  int64_t t;
  size_t apart = 0;
  for (t = -128 - zp_out; t <= 128 - zp_out; t++) {
    const int64_t s = step_start(t, M, shift);
    int64_t d;
    for (d = -k; d <= k; d++)
      accs_add(a, s + d);
    if (Mf != Md || sf != sd) {
      int64_t s1 = step_start(t, Mf, sf), s2 = step_start(t, Md, sd), x;
      if (s1 > s2) {
        const int64_t tmp = s1;
        s1 = s2;
        s2 = tmp;
      }
      for (x = s1; x < s2 && x < s1 + 8; x++) {
        accs_add(a, x);
        apart++;
      }
    }
  }
  return apart;
}

/* y of the second rounding step: (acc * 2^l * M + 2^30) >> 31 */
static int64_t first_step(int32_t acc, int32_t M, int shift)
{
  const int l = shift > 0 ? shift : 0;
  return ((int64_t)(int32_t)((uint32_t)acc << l) * M + ((int64_t)1 << 30)) >> 31;
}

static int is_negative_tie(int32_t acc, int32_t M, int shift)
{
  const int r = shift < 0 ? -shift : 0;
  const int64_t y = first_step(acc, M, shift);
  return r > 0 && y < 0 && (y & (((int64_t)1 << r) - 1)) == ((int64_t)1 << (r - 1));
}

/* ---- CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ---------------------- */

typedef struct sweep {
  qe_qop_type op;
  int pixels; /* conv/dw: output pixels; FC: batch */
  float in_s, w_s, out_s;
  int32_t zp_in, zp_out;
} sweep;

static void check_sweep(const sweep *s, qe_ctx *ctx)
{
  const char *name = qe_qop_name(s->op);
  const bool fc = s->op == QE_QOP_FULLY_CONNECTED, dw = s->op == QE_QOP_DEPTHWISE_CONV_2D;
  int32_t Mf, Md, M;
  int sf, sd, shift;
  accs a = { 0 };
  size_t n, c, i, n_in, n_out, diff_double = 0, ties = 0, wrong_product = 0, apart;
  const int failures_before = failures;
  int8_t *w, *x, *want, *got_up, *got_dbl;
  int32_t *bias, *acc;
  float *ws, *bs;
  int32_t *zs;
  qe_qmodel *m = NULL;
  int tin, tw, tb, tout, ins[3];
  const float bscale = s->in_s * s->w_s;
  char what[96];

  qe_quantize_multiplier((double)(float)(s->in_s * s->w_s) / (double)s->out_s, &Mf, &sf);
  qe_quantize_multiplier((double)s->in_s * (double)s->w_s / (double)s->out_s, &Md, &sd);
  M = fc ? Mf : Md;
  shift = fc ? sf : sd;
  snprintf(what, sizeof what, "%s shift %d pixels %d", name, shift, s->pixels);
  apart = tie_accs(&a, M, shift, Mf, sf, Md, sd, s->zp_out, 3);
  n = a.n;

  /* channel c: weight w[c] != 0, input x0 at pixel 0, bias chosen so
   * that acc(pixel 0, c) = a.v[c]; the other pixels get other inputs. */
  w = malloc(n);
  bias = malloc(n * sizeof(int32_t));
  ws = malloc(n * sizeof(float));
  bs = malloc(n * sizeof(float));
  zs = calloc(n, sizeof(int32_t));
  n_in = (size_t)s->pixels * (dw ? n : 1);
  n_out = (size_t)s->pixels * n;
  x = malloc(n_in);
  acc = malloc(n_out * sizeof(int32_t));
  want = malloc(n_out);
  got_up = malloc(n_out);
  got_dbl = malloc(n_out);
  for (i = 0; i < n_in; i++)
    x[i] = (int8_t)(i < (dw ? n : 1) ? s->zp_in + 3 : (int)((i * 37 + 11) % 256) - 128);
  for (c = 0; c < n; c++) {
    w[c] = (int8_t)((int)((c * 73 + 5) % 253) - 126);
    if (w[c] == 0)
      w[c] = 1;
    bias[c] = a.v[c] - w[c] * 3;
    ws[c] = s->w_s;
    bs[c] = bscale;
  }
  for (i = 0; i < (size_t)s->pixels; i++)
    for (c = 0; c < n; c++) {
      const int xv = dw ? x[i * n + c] : x[i];
      acc[i * n + c] = bias[c] + w[c] * (xv - s->zp_in);
    }

  qe_qmodel_new(&m, ctx);
  {
    const int32_t bd[1] = { (int32_t)n };
    int32_t id[4], wd[4], od[4];
    int rank = fc ? 2 : 4;
    if (fc) {
      id[0] = s->pixels, id[1] = 1;
      wd[0] = (int32_t)n, wd[1] = 1;
      od[0] = s->pixels, od[1] = (int32_t)n;
    } else {
      id[0] = 1, id[1] = 1, id[2] = s->pixels, id[3] = dw ? (int32_t)n : 1;
      wd[0] = dw ? 1 : (int32_t)n, wd[1] = 1, wd[2] = 1, wd[3] = dw ? (int32_t)n : 1;
      od[0] = 1, od[1] = 1, od[2] = s->pixels, od[3] = (int32_t)n;
    }
    qe_qmodel_add_tensor(m, "input", QE_DT_I8, rank, id, NULL, 0, 1, &s->in_s, &s->zp_in, 0, &tin,
                         ctx);
    qe_qmodel_add_tensor(m, "weights", QE_DT_I8, rank, wd, w, n, fc ? 1 : n, ws, zs, dw ? 3 : 0,
                         &tw, ctx);
    qe_qmodel_add_tensor(m, "bias", QE_DT_I32, 1, bd, bias, n * sizeof(int32_t), fc ? 1 : n, bs, zs,
                         0, &tb, ctx);
    qe_qmodel_add_tensor(m, "output", QE_DT_I8, rank, od, NULL, 0, 1, &s->out_s, &s->zp_out, 0,
                         &tout, ctx);
  }
  ins[0] = tin;
  ins[1] = tw;
  ins[2] = tb;
  qe_qmodel_add_op(m, s->op, 3, ins, tout, NULL, "op", NULL, ctx);
  qe_qmodel_add_input(m, tin, ctx);
  qe_qmodel_add_output(m, tout, ctx);

  if (run_tflite(m, x, n_in, want, n_out, ctx) != 0 ||
      run_engine(m, QE_ROUND_HALF_UP, x, n_in, got_up, n_out, ctx) != 0 ||
      run_engine(m, QE_ROUND_DOUBLE, x, n_in, got_dbl, n_out, ctx) != 0) {
    printf("FAIL %s: %s\n", what, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  for (i = 0; i < n_out; i++) {
    const int32_t other_M = fc ? Md : Mf, other_shift = fc ? sd : sf;
    const int expect_up = qe_k_clamp(qe_k_mbqm_half_up(acc[i], M, shift) + s->zp_out, -128, 127);
    const int expect_dbl = qe_k_clamp(qe_k_mbqm(acc[i], M, shift) + s->zp_out, -128, 127);
    const int other = qe_k_clamp((dw ? qe_k_mbqm(acc[i], other_M, other_shift)
                                     : qe_k_mbqm_half_up(acc[i], other_M, other_shift)) +
                                     s->zp_out,
                                 -128, 127);
    const int tf = want[i];
    const int tie = is_negative_tie(acc[i], M, shift);
    ties += tie && expect_up != expect_dbl;
    wrong_product += other != tf;
    /* the formula itself, then the engine */
    if (tf != (dw ? expect_dbl : expect_up))
      fail(what, "acc %ld: TFLite %d, formula %d", (long)acc[i], tf, dw ? expect_dbl : expect_up);
    if (!dw && got_up[i] != tf)
      fail(what, "acc %ld: TFLite %d, engine (half-up rounding) %d", (long)acc[i], tf, got_up[i]);
    if (got_dbl[i] != (dw ? tf : expect_dbl))
      fail(what, "acc %ld: expected %d, engine (default rounding) %d", (long)acc[i],
           dw ? tf : expect_dbl, got_dbl[i]);
    if (got_dbl[i] != tf) {
      diff_double++;
      if (dw || !tie)
        fail(what, "acc %ld: TFLite %d, engine (default rounding) %d, not a negative tie",
             (long)acc[i], tf, got_dbl[i]);
    }
  }
  printf("%-44s %6zu outputs (%zu accumulators near ties): %s; default rounding off "
         "TFLite on %zu (negative ties: %zu); %s-product multiplier would miss %zu\n",
         what, n_out, n, failures == failures_before ? "bit-exact" : "DIFFER", diff_double, ties,
         fc ? "double" : "float", wrong_product);
  /* the sweep must reach what it is about */
  if (!dw && shift < 0 && ties == 0)
    fail(what, "no negative tie among the accumulators (M %ld shift %d)", (long)M, shift);
  if (apart > 0 && wrong_product == 0)
    fail(what, "the other product's multiplier cannot be told apart (M %ld vs %ld)", (long)Mf,
         (long)Md);
out:
  qe_qmodel_free(m);
  free(a.v);
  free(w);
  free(bias);
  free(ws);
  free(bs);
  free(zs);
  free(x);
  free(acc);
  free(want);
  free(got_up);
  free(got_dbl);
}

/* ---- MEAN keep_dims over H and W: every sum ----------------------------- */

static void check_mean(int h, int w, float in_s, int32_t zp_in, float out_s, int32_t zp_out,
                       qe_ctx *ctx)
{
  const int count = h * w;
  const int n = 255 * count + 1; /* one channel per possible sum */
  const size_t n_in = (size_t)count * (size_t)n;
  int8_t *x = malloc(n_in), *want = malloc((size_t)n), *got = malloc((size_t)n);
  qe_qmodel *m = NULL;
  int tin, tax, tout, c, k, ins[2], inexact = 0, bad = 0;
  char what[96];
  const int32_t axes[2] = { 1, 2 }, ad[1] = { 2 };
  const int32_t id[4] = { 1, h, w, n }, od[4] = { 1, 1, 1, n };
  qe_qop_options o;

  snprintf(what, sizeof what, "MEAN %dx%d scale ratio %.4g", h, w, (double)(in_s / out_s));
  /* channel c: values summing to -128 * count + c, spread evenly */
  for (c = 0; c < n; c++)
    for (k = 0; k < count; k++)
      x[(size_t)k * n + c] = (int8_t)(-128 + c / count + (k < c % count ? 1 : 0));
  qe_qop_options_init(&o);
  o.keep_dims = true;
  qe_qmodel_new(&m, ctx);
  qe_qmodel_add_tensor(m, "input", QE_DT_I8, 4, id, NULL, 0, 1, &in_s, &zp_in, 0, &tin, ctx);
  qe_qmodel_add_tensor(m, "axes", QE_DT_I32, 1, ad, axes, sizeof axes, 0, NULL, NULL, 0, &tax, ctx);
  qe_qmodel_add_tensor(m, "output", QE_DT_I8, 4, od, NULL, 0, 1, &out_s, &zp_out, 0, &tout, ctx);
  ins[0] = tin;
  ins[1] = tax;
  qe_qmodel_add_op(m, QE_QOP_MEAN, 2, ins, tout, &o, "mean", NULL, ctx);
  qe_qmodel_add_input(m, tin, ctx);
  qe_qmodel_add_output(m, tout, ctx);
  if (run_tflite(m, x, n_in, want, (size_t)n, ctx) != 0 ||
      run_engine(m, QE_ROUND_DOUBLE, x, n_in, got, (size_t)n, ctx) != 0) {
    printf("FAIL %s: %s\n", what, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  for (c = 0; c < n; c++) {
    const int64_t sum = (int64_t)(-128 * count + c) - (int64_t)zp_in * count;
    const double v = (double)sum * (double)in_s / ((double)out_s * count) + zp_out;
    const double r = v < -128.0 ? -128.0 : (v > 127.0 ? 127.0 : floor(v + 0.5));
    if (want[c] != got[c]) {
      bad++;
      fail(what, "sum %ld: TFLite %d, engine %d", (long)sum, want[c], got[c]);
    }
    /* how often the two-step rounding misses the exact mean (ties apart) */
    inexact += fabs(v - floor(v) - 0.5) > 1e-9 && (double)want[c] != r;
  }
  printf("%-44s %6d sums: %s; TFLite's rescale-then-divide differs from the exactly "
         "rounded mean on %d (%.2f%%)\n",
         what, n, bad ? "DIFFER" : "bit-exact", inexact, 100.0 * inexact / n);
out:
  qe_qmodel_free(m);
  free(x);
  free(want);
  free(got);
}

int main(void)
{
  qe_ctx *ctx;
  /* Output scales chosen so that the right shift r of the multiplier
   * spans 1..20, plus a left shift; zero points off centre. */
  static const float out_scales[] = { 0.00003f, 0.00023f, 0.0052f, 0.047f,
                                      0.31f,    3.7f,     61.0f,   2400.0f };
  static const qe_qop_type ops[] = { QE_QOP_CONV_2D, QE_QOP_FULLY_CONNECTED,
                                     QE_QOP_DEPTHWISE_CONV_2D };
  size_t i, k;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!tfl_load_or_skip(NULL))
    return 77;
  if (!tfl_bitexact_or_skip())
    return 77;
  ctx = qe_ctx_new();
  for (k = 0; k < sizeof ops / sizeof ops[0]; k++)
    for (i = 0; i < sizeof out_scales / sizeof out_scales[0]; i++) {
      /* scales whose float and double products differ */
      sweep s = { ops[k], i % 2 ? 1 : 5, 0.0123457f, 0.00731113f, out_scales[i], -7, 9 };
      check_sweep(&s, ctx);
    }
  check_mean(2, 2, 0.0371f, -128, 0.0289f, -3, ctx);
  check_mean(2, 2, 0.05f, 5, 0.05f, 5, ctx);
  check_mean(3, 3, 0.11f, 17, 0.013f, -100, ctx);
  check_mean(4, 4, 0.0093f, -20, 0.021f, 12, ctx);
  check_mean(1, 7, 0.02f, 0, 0.0171f, 0, ctx);
  qe_ctx_free(ctx);
  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures ? 1 : 0;
}
