/* test-ort-rounding.c - QE_ROUND_ORT, the executor computing as ONNX
 * Runtime's CPU kernels run the QDQ export: round half to even after a
 * float32 scale (MlasRequantizeOutput, MlasQuantizeLinear), MLAS's
 * QLinearAdd fixed point (ties away from zero), and a one-op model whose
 * outputs fall on exact ties, where the default (TFLite's fixed point:
 * here one rounding step, ties toward +infinity) and ORT's rounding must differ as stated.
 * Expected values are worked out by hand in the comments.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "qe/qe_qmodel.h"
#include "qe_qmodel_private.h"

static int failures;

#define CHECK(cond, ...)                                    \
  do {                                                      \
    if (!(cond)) {                                          \
      failures++;                                           \
      fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                         \
      fputc('\n', stderr);                                  \
    }                                                       \
  } while (0)

static void test_scalar(void)
{
  /* int32 sum times a float scale, ties to even */
  CHECK(qe_ort_requantize(5, 0.5f, 0) == 2, "5 * 0.5 = 2.5 -> 2");
  CHECK(qe_ort_requantize(7, 0.5f, 0) == 4, "7 * 0.5 = 3.5 -> 4");
  CHECK(qe_ort_requantize(-5, 0.5f, 0) == -2, "-2.5 -> -2");
  CHECK(qe_ort_requantize(-5, 0.5f, 3) == 1, "-2.5 -> -2, + 3");
  CHECK(qe_ort_requantize(1000, 1.0f, 10) == 127, "saturates high");
  CHECK(qe_ort_requantize(-1000, 1.0f, -10) == -128, "saturates low");
  /* QuantizeLinear: x / scale in float32 */
  CHECK(qe_ort_quantize(0.25f, 0.1f, 0, -128, 127) == 2, "0.25 / 0.1 = 2.4999999 -> 2");
  CHECK(qe_ort_quantize(1.0f, 0.4f, 0, -128, 127) == 2, "1 / 0.4 = 2.5 (float) -> 2");
  CHECK(qe_ort_quantize(300.0f, 1.0f, 0, 0, 255) == 255, "uint8 saturates");
  CHECK(qe_ort_quantize(-3.0f, 1.0f, 0, 0, 255) == 0, "uint8 floor");
  /* QLinearAdd: equal scales give exact sums */
  CHECK(qe_ort_add(10, 2, 1.0f, -7, -1, 1.0f, 5, 1.0f) == 8 - 6 + 5, "exact add");
  /* halves: (1 + 0) * 0.5 / 1 = 0.5 -> 1 (half away from zero), and
   * -0.5 -> -1, where a float QuantizeLinear gives 0 */
  CHECK(qe_ort_add(1, 0, 0.5f, 0, 0, 0.5f, 0, 1.0f) == 1, "QLinearAdd 0.5 -> 1");
  CHECK(qe_ort_add(-1, 0, 0.5f, 0, 0, 0.5f, 0, 1.0f) == -1, "QLinearAdd -0.5 -> -1");
  CHECK(qe_ort_add(3, 0, 0.5f, 0, 0, 0.5f, 0, 1.0f) == 2, "QLinearAdd 1.5 -> 2");
  CHECK(qe_ort_add(100, 0, 1.0f, 100, 0, 1.0f, 0, 1.0f) == 127, "QLinearAdd saturates");
  CHECK(qe_ort_quantize(0.5f, 1.0f, 0, -128, 127) == 0, "float path 0.5 -> 0");
}

/* One FULLY_CONNECTED: x (scale 0.5) times one weight 1 (scale 1) into y
 * (scale 1): y = x / 2, a tie for every odd x. */
static void test_model(void)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_qmodel *m = NULL;
  qe_qexec *e = NULL;
  const int32_t dx[2] = { 1, 4 }, dw[2] = { 1, 4 }, db[1] = { 1 }, dy[2] = { 1, 1 };
  const int8_t w[4] = { 1, 0, 0, 0 };
  const int32_t b[1] = { 0 };
  const float sx = 0.5f, sw = 1.0f, sb = 0.5f, sy = 1.0f;
  const int32_t z = 0;
  const int8_t xs[4] = { 5, 7, -5, 3 };
  const int8_t want_ort[4] = { 2, 4, -2, 2 }; /* 2.5, 3.5, -2.5, 1.5 to even */
  const int8_t want_tfl[4] = { 3, 4, -2, 2 }; /* ties up (the nudge) */
  int tx, tw, tb, ty, in[3];
  size_t mode, k;

  if (qe_qmodel_new(&m, ctx) != QE_OK ||
      qe_qmodel_add_tensor(m, "x", QE_DT_I8, 2, dx, NULL, 0, 1, &sx, &z, 0, &tx, ctx) != QE_OK ||
      qe_qmodel_add_tensor(m, "w", QE_DT_I8, 2, dw, w, sizeof w, 1, &sw, &z, 0, &tw, ctx) !=
          QE_OK ||
      qe_qmodel_add_tensor(m, "b", QE_DT_I32, 1, db, b, sizeof b, 1, &sb, &z, 0, &tb, ctx) !=
          QE_OK ||
      qe_qmodel_add_tensor(m, "y", QE_DT_I8, 2, dy, NULL, 0, 1, &sy, &z, 0, &ty, ctx) != QE_OK) {
    CHECK(0, "model: %s", qe_ctx_error(ctx));
    goto out;
  }
  in[0] = tx;
  in[1] = tw;
  in[2] = tb;
  if (qe_qmodel_add_op(m, QE_QOP_FULLY_CONNECTED, 3, in, ty, NULL, "fc", NULL, ctx) != QE_OK ||
      qe_qmodel_add_input(m, tx, ctx) != QE_OK || qe_qmodel_add_output(m, ty, ctx) != QE_OK ||
      qe_qexec_new(m, &e, ctx) != QE_OK) {
    CHECK(0, "model: %s", qe_ctx_error(ctx));
    goto out;
  }
  for (mode = 0; mode < 2; mode++) {
    m->conv_rounding = mode ? QE_ROUND_ORT : QE_ROUND_DOUBLE;
    for (k = 0; k < 4; k++) {
      int8_t *xi = qe_qexec_input(e, 0);
      const int8_t *yo;
      memset(xi, 0, 4);
      xi[0] = xs[k];
      if (qe_qexec_run(e, ctx) != QE_OK) {
        CHECK(0, "run: %s", qe_ctx_error(ctx));
        goto out;
      }
      yo = qe_qexec_output(e, 0);
      CHECK(yo[0] == (mode ? want_ort[k] : want_tfl[k]), "%s: x = %d gives %d, expected %d",
            mode ? "ort" : "default", xs[k], yo[0], mode ? want_ort[k] : want_tfl[k]);
    }
  }
out:
  qe_qexec_free(e);
  qe_qmodel_free(m);
  qe_ctx_free(ctx);
}

int main(void)
{
  test_scalar();
  test_model();
  printf("%d failures\n", failures);
  return failures ? 1 : 0;
}
