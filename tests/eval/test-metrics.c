/* test-metrics.c - metrics on hand-computed cases, streaming, bad input.
 * (scikit-learn agreement on random cases: check_sklearn.py.)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_metrics.h"
#include "qz-check-fatal.h"

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12)

static void test_classification(qe_ctx *ctx)
{
  qe_cls_metrics *m = NULL;
  CHECK(qe_cls_metrics_new(3, &m, ctx) == QE_OK && qe_cls_metrics_classes(m) == 3);
  /* y = [0 0 0 1 1 2], p = [0 0 1 1 0 0]: class 2 is never predicted. */
  const int32_t y[] = { 0, 0, 0, 1, 1, 2 }, p[] = { 0, 0, 1, 1, 0, 0 };
  CHECK(qe_cls_metrics_add_batch(m, y, p, 6, ctx) == QE_OK);
  qe_cls_result *r = NULL;
  CHECK(qe_cls_metrics_compute(m, &r, ctx) == QE_OK);
  CHECK(r->total == 6 && NEAR(r->accuracy, 3.0 / 6.0));
  CHECK(NEAR(r->per_class[0].precision, 2.0 / 4.0) && NEAR(r->per_class[0].recall, 2.0 / 3.0));
  CHECK(NEAR(r->per_class[0].f1, 2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3)));
  CHECK(NEAR(r->per_class[1].precision, 0.5) && NEAR(r->per_class[1].recall, 0.5));
  CHECK(r->per_class[2].precision == 0 && r->per_class[2].zero_division_precision);
  CHECK(r->per_class[2].recall == 0 && !r->per_class[2].zero_division_recall);
  CHECK(r->per_class[2].support == 1 && r->per_class[0].support == 3);
  CHECK(r->confusion[0 * 3 + 1] == 1 && r->confusion[2 * 3 + 0] == 1);
  CHECK(NEAR(r->macro_recall, (2.0 / 3 + 0.5 + 0) / 3));
  CHECK(NEAR(r->weighted_recall, r->accuracy));
  CHECK(NEAR(r->balanced_accuracy, (2.0 / 3 + 0.5 + 0) / 3));
  qe_cls_result_free(r);

  /* Bad input names the culprit and adds nothing. */
  CHECK(qe_cls_metrics_add(m, 3, 0, ctx) == QE_ERR_INVALID);
  CHECK(strcmp(qe_ctx_error(ctx), "label 3 is not a class (0 to 2)") == 0);
  const int32_t yb[] = { 0, 1 }, pb[] = { 0, -1 };
  CHECK(qe_cls_metrics_add_batch(m, yb, pb, 2, ctx) == QE_ERR_INVALID);
  CHECK(strcmp(qe_ctx_error(ctx), "sample 1: prediction -1 is not a class (0 to 2)") == 0);
  const float scores[] = { NAN, 0.2f, 0.7f };
  CHECK(qe_cls_metrics_add_scores(m, 2, scores, ctx) == QE_OK);
  const float nans[] = { NAN, NAN, NAN };
  CHECK(qe_cls_metrics_add_scores(m, 2, nans, ctx) == QE_ERR_NUMERIC);
  CHECK(qe_cls_metrics_compute(m, &r, ctx) == QE_OK);
  CHECK(r->total == 8 && r->confusion[2 * 3 + 2] == 1);
  qe_cls_result_free(r);

  qe_cls_metrics_reset(m);
  CHECK(qe_cls_metrics_compute(m, &r, ctx) == QE_ERR_DATA && r == NULL);
  qe_cls_metrics *other = NULL;
  CHECK(qe_cls_metrics_new(4, &other, ctx) == QE_OK);
  CHECK(qe_cls_metrics_merge(m, other, ctx) == QE_ERR_INVALID);
  qe_cls_metrics_free(other);
  qe_cls_metrics_free(m);
  CHECK(qe_cls_metrics_new(0, &m, ctx) == QE_ERR_INVALID && m == NULL);
  qe_cls_metrics_free(NULL);
  qe_cls_result_free(NULL);
}

static void test_output_error(qe_ctx *ctx)
{
  qe_err_metrics *m = NULL;
  CHECK(qe_err_metrics_new(2, &m, ctx) == QE_OK);
  /* ref = [1 3 | 2 0], y = [1 2 | 0 1]: d = [0 1 2 -1]. */
  const float ref[] = { 1, 3, 2, 0 }, y[] = { 1, 2, 0, 1 };
  CHECK(qe_err_metrics_add(m, ref, y, 4, ctx) == QE_OK);
  qe_err_result r;
  CHECK(qe_err_metrics_compute(m, &r, ctx) == QE_OK);
  CHECK(r.count == 4 && r.rows == 2);
  CHECK(NEAR(r.acc, 0.5)); /* row 1 argmax 1 vs 0, row 2 argmax 0 vs 1 */
  CHECK(NEAR(r.rmse, sqrt(6.0 / 4)) && NEAR(r.mae, 1.0));
  CHECK(NEAR(r.l2r, sqrt(6.0) / sqrt(14.0)) && NEAR(r.mean, 0.5));
  CHECK(NEAR(r.std, sqrt(((0 - .5) * (0 - .5) + .25 + 2.25 + 2.25) / 4)));
  CHECK(NEAR(r.nse, 1.0 - 6.0 / 5.0)); /* mean(ref) = 1.5, SS = .25+2.25+.25+2.25 */
  CHECK(NEAR(r.cos, (1 + 6 + 0 + 0) / (sqrt(14.0) * sqrt(6.0))));
  CHECK(NEAR(r.max_abs, 2.0));
  CHECK(qe_err_metrics_add(m, ref, y, 3, ctx) == QE_ERR_SHAPE);
  const float bad[] = { 1, INFINITY };
  CHECK(qe_err_metrics_add(m, ref, bad, 2, ctx) == QE_ERR_NUMERIC);
  CHECK(strcmp(qe_ctx_error(ctx), "output value 1 is not finite (test inf)") == 0);
  /* Nothing of the bad batch was added. */
  CHECK(qe_err_metrics_compute(m, &r, ctx) == QE_OK && r.count == 4);

  /* A constant, all-zero reference: the ratios are undefined. */
  qe_err_metrics_reset(m);
  const float zero[] = { 0, 0 }, one[] = { 1, 1 };
  CHECK(qe_err_metrics_add(m, zero, one, 2, ctx) == QE_OK);
  CHECK(qe_err_metrics_compute(m, &r, ctx) == QE_OK);
  CHECK(isnan(r.nse) && isnan(r.l2r) && isnan(r.cos) && NEAR(r.rmse, 1.0));
  qe_err_metrics_free(m);

  /* Streaming a million values keeps the precision: the mean error of a
   * constant offset of 1e-3 on values around 1e4. */
  CHECK(qe_err_metrics_new(0, &m, ctx) == QE_OK);
  double a[1000], b[1000];
  for (int k = 0; k < 1000; k++) {
    for (int i = 0; i < 1000; i++) {
      a[i] = 1e4 + (double)((i * 7919 + k) % 1000) / 1000.0;
      b[i] = a[i] - 1e-3;
    }
    CHECK(qe_err_metrics_add_f64(m, a, b, 1000, ctx) == QE_OK);
  }
  CHECK(qe_err_metrics_compute(m, &r, ctx) == QE_OK);
  CHECK(r.count == 1000000 && fabs(r.mean - 1e-3) < 1e-12 && r.std < 1e-9);
  CHECK(isnan(r.acc));
  qe_err_metrics_reset(m);
  CHECK(qe_err_metrics_compute(m, &r, ctx) == QE_ERR_DATA);
  qe_err_metrics_free(m);
}

static void test_latency(qe_ctx *ctx)
{
  qe_latency *l = NULL;
  CHECK(qe_latency_new(&l, ctx) == QE_OK);
  qe_latency_stats s;
  CHECK(qe_latency_compute(l, &s, ctx) == QE_ERR_DATA);
  const double ms[] = { 5, 1, 4, 2, 3, 100 };
  for (int i = 0; i < 6; i++)
    CHECK(qe_latency_add(l, ms[i], ctx) == QE_OK);
  CHECK(qe_latency_add(l, -1, ctx) == QE_ERR_NUMERIC);
  CHECK(qe_latency_add(l, NAN, ctx) == QE_ERR_NUMERIC);
  CHECK(qe_latency_compute(l, &s, ctx) == QE_OK);
  CHECK(s.runs == 6 && NEAR(s.median_ms, 3.5) && s.min_ms == 1 && s.max_ms == 100);
  CHECK(NEAR(s.p90_ms, 5 + (100 - 5) * 0.5)); /* pos 4.5 */
  qe_latency_reset(l);
  CHECK(qe_latency_add(l, 2, ctx) == QE_OK);
  CHECK(qe_latency_compute(l, &s, ctx) == QE_OK && s.median_ms == 2 && s.p90_ms == 2);
  qe_latency_free(l);
  double t0 = qe_time_ms(), t1 = qe_time_ms();
  CHECK(t1 >= t0 && t0 > 0);
}

static qe_status busy_work(void *user, qe_ctx *ctx)
{
  int *calls = user;
  volatile double x = 0;
  for (int i = 0; i < 20000 * (1 + *calls % 3); i++)
    x += i * 1e-9;
  (*calls)++;
  return *calls == 1000 ? qe_error(ctx, QE_ERR_DEVICE, "board went away") : QE_OK;
}

static int cancel_at_five(void *user, double fraction, const char *phase)
{
  int *n = user;
  return ++*n >= 5;
}

static void test_latency_measure(qe_ctx *ctx)
{
  int calls = 0;
  qe_latency_stats s;
  CHECK(qe_latency_measure(busy_work, &calls, 3, 11, &s, ctx) == QE_OK);
  CHECK(calls == 14 && s.runs == 11 && s.min_ms > 0);
  CHECK(s.min_ms <= s.median_ms && s.median_ms <= s.max_ms && s.p90_ms <= s.max_ms);
  CHECK(qe_latency_measure(busy_work, &calls, 0, 0, &s, ctx) == QE_ERR_INVALID);
  calls = 990; /* the 1000th call fails: its error is returned */
  CHECK(qe_latency_measure(busy_work, &calls, 2, 20, &s, ctx) == QE_ERR_DEVICE);
  CHECK(strcmp(qe_ctx_error(ctx), "board went away") == 0);
  int ticks = 0;
  calls = 0;
  qe_ctx_set_progress(ctx, cancel_at_five, &ticks);
  CHECK(qe_latency_measure(busy_work, &calls, 2, 20, &s, ctx) == QE_ERR_CANCELLED);
  CHECK(calls == 4);
  qe_ctx_set_progress(ctx, NULL, NULL);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  test_classification(ctx);
  test_output_error(ctx);
  test_latency(ctx);
  test_latency_measure(ctx);
  qe_ctx_free(ctx);
  printf("ok\n");
  return 0;
}
