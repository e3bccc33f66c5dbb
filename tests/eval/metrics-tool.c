/* metrics-tool.c - feed values from a text file through the engine's
 * streaming metrics and print the results as JSON, for check_sklearn.py.
 *
 *   metrics-tool cls N_CLASSES FILE   lines "label prediction"
 *   metrics-tool err ROW_LEN FILE     lines "reference test" (float32 values)
 *   metrics-tool lat FILE             lines "milliseconds"
 *
 * Values are fed in uneven chunks, so the streaming accumulation is what
 * gets compared.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_json.h"
#include "qe/qe_metrics.h"

static int fail(qe_ctx *ctx)
{
  fprintf(stderr, "metrics-tool: %s\n", qe_ctx_error(ctx));
  return 1;
}

static double *read_numbers(const char *path, size_t *n)
{
  FILE *f = fopen(path, "r");
  double *v = NULL;
  size_t cap = 0;
  *n = 0;
  if (!f)
    return NULL;
  double x;
  while (fscanf(f, "%lf", &x) == 1) {
    if (*n == cap) {
      cap = cap ? cap * 2 : 1024;
      double *nv = realloc(v, cap * sizeof *v);
      if (!nv) {
        free(v);
        fclose(f);
        return NULL;
      }
      v = nv;
    }
    v[(*n)++] = x;
  }
  fclose(f);
  return v;
}

static void per_class_array(qe_json *j, const char *key, const qe_cls_result *r, int which)
{
  qe_json_key(j, key);
  qe_json_begin_array(j);
  for (size_t c = 0; c < r->n_classes; c++) {
    const qe_class_stats *s = &r->per_class[c];
    if (which == 3)
      qe_json_int(j, (int64_t)s->support);
    else
      qe_json_number(j, which == 0 ? s->precision : which == 1 ? s->recall : s->f1);
  }
  qe_json_end_array(j);
}

static int do_cls(size_t n_classes, const double *v, size_t n, qe_ctx *ctx, qe_json *j)
{
  qe_cls_metrics *m = NULL;
  if (qe_cls_metrics_new(n_classes, &m, ctx) != QE_OK)
    return fail(ctx);
  /* Two halves in two accumulators, merged: what threads would do. */
  qe_cls_metrics *m2 = NULL;
  if (qe_cls_metrics_new(n_classes, &m2, ctx) != QE_OK)
    return fail(ctx);
  size_t pairs = n / 2;
  int32_t labels[7], preds[7];
  for (size_t i = 0; i < pairs;) {
    size_t chunk = 1 + i % 7;
    if (chunk > pairs - i)
      chunk = pairs - i;
    for (size_t k = 0; k < chunk; k++) {
      labels[k] = (int32_t)v[2 * (i + k)];
      preds[k] = (int32_t)v[2 * (i + k) + 1];
    }
    if (qe_cls_metrics_add_batch(i < pairs / 2 ? m : m2, labels, preds, chunk, ctx) != QE_OK)
      return fail(ctx);
    i += chunk;
  }
  if (qe_cls_metrics_merge(m, m2, ctx) != QE_OK)
    return fail(ctx);
  qe_cls_result *r = NULL;
  if (qe_cls_metrics_compute(m, &r, ctx) != QE_OK)
    return fail(ctx);
  qe_json_begin_object(j);
  qe_json_kv_number(j, "accuracy", r->accuracy);
  per_class_array(j, "precision", r, 0);
  per_class_array(j, "recall", r, 1);
  per_class_array(j, "f1", r, 2);
  per_class_array(j, "support", r, 3);
  qe_json_kv_number(j, "macro_precision", r->macro_precision);
  qe_json_kv_number(j, "macro_recall", r->macro_recall);
  qe_json_kv_number(j, "macro_f1", r->macro_f1);
  qe_json_kv_number(j, "weighted_precision", r->weighted_precision);
  qe_json_kv_number(j, "weighted_recall", r->weighted_recall);
  qe_json_kv_number(j, "weighted_f1", r->weighted_f1);
  qe_json_kv_number(j, "balanced_accuracy", r->balanced_accuracy);
  qe_json_key(j, "confusion");
  qe_json_begin_array(j);
  for (size_t a = 0; a < n_classes; a++) {
    qe_json_begin_array(j);
    for (size_t b = 0; b < n_classes; b++)
      qe_json_int(j, (int64_t)r->confusion[a * n_classes + b]);
    qe_json_end_array(j);
  }
  qe_json_end_array(j);
  qe_json_end_object(j);
  qe_cls_result_free(r);
  qe_cls_metrics_free(m);
  qe_cls_metrics_free(m2);
  return 0;
}

static int do_err(size_t row_len, const double *v, size_t n, qe_ctx *ctx, qe_json *j)
{
  qe_err_metrics *m = NULL;
  if (qe_err_metrics_new(row_len, &m, ctx) != QE_OK)
    return fail(ctx);
  size_t count = n / 2;
  size_t step = row_len ? row_len : 1;
  float *ref = malloc((count + 1) * sizeof(float)), *y = malloc((count + 1) * sizeof(float));
  if (!ref || !y)
    return 1;
  for (size_t i = 0; i < count; i++) {
    ref[i] = (float)v[2 * i];
    y[i] = (float)v[2 * i + 1];
  }
  /* Uneven chunks of whole rows. */
  for (size_t i = 0, k = 0; i < count; k++) {
    size_t chunk = step * (1 + k % 5);
    if (chunk > count - i)
      chunk = count - i;
    if (qe_err_metrics_add(m, ref + i, y + i, chunk, ctx) != QE_OK)
      return fail(ctx);
    i += chunk;
  }
  qe_err_result r;
  if (qe_err_metrics_compute(m, &r, ctx) != QE_OK)
    return fail(ctx);
  qe_json_begin_object(j);
  qe_json_kv_int(j, "count", (int64_t)r.count);
  qe_json_kv_number(j, "acc", r.acc);
  qe_json_kv_number(j, "rmse", r.rmse);
  qe_json_kv_number(j, "mae", r.mae);
  qe_json_kv_number(j, "l2r", r.l2r);
  qe_json_kv_number(j, "mean", r.mean);
  qe_json_kv_number(j, "std", r.std);
  qe_json_kv_number(j, "nse", r.nse);
  qe_json_kv_number(j, "cos", r.cos);
  qe_json_kv_number(j, "max_abs", r.max_abs);
  qe_json_end_object(j);
  free(ref);
  free(y);
  qe_err_metrics_free(m);
  return 0;
}

static int do_lat(const double *v, size_t n, qe_ctx *ctx, qe_json *j)
{
  qe_latency *l = NULL;
  if (qe_latency_new(&l, ctx) != QE_OK)
    return fail(ctx);
  for (size_t i = 0; i < n; i++)
    if (qe_latency_add(l, v[i], ctx) != QE_OK)
      return fail(ctx);
  qe_latency_stats s;
  if (qe_latency_compute(l, &s, ctx) != QE_OK)
    return fail(ctx);
  qe_json_begin_object(j);
  qe_json_kv_number(j, "median", s.median_ms);
  qe_json_kv_number(j, "mean", s.mean_ms);
  qe_json_kv_number(j, "min", s.min_ms);
  qe_json_kv_number(j, "max", s.max_ms);
  qe_json_kv_number(j, "std", s.std_ms);
  qe_json_kv_number(j, "p90", s.p90_ms);
  qe_json_end_object(j);
  qe_latency_free(l);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: metrics-tool cls|err N FILE | lat FILE\n");
    return 2;
  }
  const char *file = strcmp(argv[1], "lat") == 0 ? argv[2] : argc > 3 ? argv[3] : NULL;
  if (!file)
    return 2;
  size_t n = 0;
  double *v = read_numbers(file, &n);
  if (!v) {
    fprintf(stderr, "metrics-tool: cannot read %s\n", file);
    return 1;
  }
  qe_ctx *ctx = qe_ctx_new();
  qe_json *j = qe_json_new(false);
  int rc;
  if (strcmp(argv[1], "cls") == 0)
    rc = do_cls((size_t)atol(argv[2]), v, n, ctx, j);
  else if (strcmp(argv[1], "err") == 0)
    rc = do_err((size_t)atol(argv[2]), v, n, ctx, j);
  else
    rc = do_lat(v, n, ctx, j);
  if (rc == 0)
    printf("%s\n", qe_json_text(j, NULL));
  qe_json_free(j);
  qe_ctx_free(ctx);
  free(v);
  return rc;
}
