/* qe_metrics.c - classification, output-error and latency metrics.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "qe/qe_metrics.h"

#define QE_MAX_CLASSES 65536

/* ------------------------------------------------------------------------ */
/* Classification */

struct qe_cls_metrics {
  size_t n;
  uint64_t *confusion; /* n x n */
  uint64_t total;
};

qe_status qe_cls_metrics_new(size_t n_classes, qe_cls_metrics **out, qe_ctx *ctx)
{
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_cls_metrics_new: no output");
  *out = NULL;
  if (n_classes < 1 || n_classes > QE_MAX_CLASSES)
    return qe_error(ctx, QE_ERR_INVALID, "%zu classes: the metrics take 1 to %d classes", n_classes,
                    QE_MAX_CLASSES);
  qe_cls_metrics *m = calloc(1, sizeof *m);
  if (!m)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = qe_alloc(ctx, n_classes * n_classes, sizeof(uint64_t), "a confusion matrix",
                          (void **)&m->confusion);
  if (st != QE_OK) {
    free(m);
    return st;
  }
  m->n = n_classes;
  *out = m;
  return QE_OK;
}

void qe_cls_metrics_free(qe_cls_metrics *m)
{
  if (!m)
    return;
  free(m->confusion);
  free(m);
}

void qe_cls_metrics_reset(qe_cls_metrics *m)
{
  if (!m)
    return;
  memset(m->confusion, 0, m->n * m->n * sizeof(uint64_t));
  m->total = 0;
}

size_t qe_cls_metrics_classes(const qe_cls_metrics *m)
{
  return m ? m->n : 0;
}

qe_status qe_cls_metrics_add(qe_cls_metrics *m, int64_t label, int64_t pred, qe_ctx *ctx)
{
  if (!m)
    return qe_error(ctx, QE_ERR_INVALID, "qe_cls_metrics_add: no metrics");
  if (label < 0 || (uint64_t)label >= m->n)
    return qe_error(ctx, QE_ERR_INVALID, "label %" PRId64 " is not a class (0 to %zu)", label,
                    m->n - 1);
  if (pred < 0 || (uint64_t)pred >= m->n)
    return qe_error(ctx, QE_ERR_INVALID, "prediction %" PRId64 " is not a class (0 to %zu)", pred,
                    m->n - 1);
  m->confusion[(size_t)label * m->n + (size_t)pred]++;
  m->total++;
  return QE_OK;
}

qe_status qe_cls_metrics_add_batch(qe_cls_metrics *m, const int32_t *labels, const int32_t *preds,
                                   size_t n, qe_ctx *ctx)
{
  if (n && (!labels || !preds))
    return qe_error(ctx, QE_ERR_INVALID, "qe_cls_metrics_add_batch: no labels or predictions");
  for (size_t i = 0; i < n; i++) {
    qe_status st = qe_cls_metrics_add(m, labels[i], preds[i], ctx);
    if (st != QE_OK)
      return qe_error_prefix(ctx, "sample %zu", i);
  }
  return QE_OK;
}

qe_status qe_cls_metrics_add_scores(qe_cls_metrics *m, int64_t label, const float *scores,
                                    qe_ctx *ctx)
{
  if (!m || !scores)
    return qe_error(ctx, QE_ERR_INVALID, "qe_cls_metrics_add_scores: no metrics or scores");
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < m->n; i++) {
    if (isnan(scores[i]))
      continue;
    if (best == SIZE_MAX || scores[i] > scores[best])
      best = i;
  }
  if (best == SIZE_MAX)
    return qe_error(ctx, QE_ERR_NUMERIC, "every score of the sample is NaN");
  return qe_cls_metrics_add(m, label, (int64_t)best, ctx);
}

qe_status qe_cls_metrics_merge(qe_cls_metrics *m, const qe_cls_metrics *other, qe_ctx *ctx)
{
  if (!m || !other || m->n != other->n)
    return qe_error(ctx, QE_ERR_INVALID, "merging metrics of different class counts");
  for (size_t i = 0; i < m->n * m->n; i++)
    m->confusion[i] += other->confusion[i];
  m->total += other->total;
  return QE_OK;
}

void qe_cls_result_free(qe_cls_result *r)
{
  if (!r)
    return;
  free(r->per_class);
  free(r->confusion);
  free(r);
}

qe_status qe_cls_metrics_compute(const qe_cls_metrics *m, qe_cls_result **out, qe_ctx *ctx)
{
  if (!m || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_cls_metrics_compute: no metrics or output");
  *out = NULL;
  if (m->total == 0)
    return qe_error(ctx, QE_ERR_DATA, "no samples were evaluated");
  size_t n = m->n;
  qe_cls_result *r = calloc(1, sizeof *r);
  if (!r)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  r->per_class = calloc(n, sizeof *r->per_class);
  r->confusion = malloc(n * n * sizeof(uint64_t));
  if (!r->per_class || !r->confusion) {
    qe_cls_result_free(r);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  memcpy(r->confusion, m->confusion, n * n * sizeof(uint64_t));
  r->n_classes = n;
  r->total = m->total;

  uint64_t correct = 0;
  for (size_t c = 0; c < n; c++) {
    qe_class_stats *s = &r->per_class[c];
    uint64_t tp = m->confusion[c * n + c], support = 0, predicted = 0;
    for (size_t k = 0; k < n; k++) {
      support += m->confusion[c * n + k];
      predicted += m->confusion[k * n + c];
    }
    correct += tp;
    s->support = support;
    s->predicted = predicted;
    /* sklearn's _prf_divide: 0 where the denominator is 0. */
    s->zero_division_precision = predicted == 0;
    s->zero_division_recall = support == 0;
    s->precision = predicted ? (double)tp / (double)predicted : 0.0;
    s->recall = support ? (double)tp / (double)support : 0.0;
    /* F-beta with beta = 1 from precision and recall, as sklearn computes it. */
    double denom = s->precision + s->recall;
    s->f1 = denom == 0.0 ? 0.0 : 2.0 * s->precision * s->recall / denom;
  }
  r->accuracy = (double)correct / (double)m->total;

  /* Averages: sums in class order, divided at the end, as numpy does for
   * these short vectors (pairwise summation only starts past 8 elements;
   * the difference is far below 1e-12 either way). */
  double sp = 0, sr = 0, sf = 0, wp = 0, wr = 0, wf = 0, rec_sum = 0;
  uint64_t wsum = 0;
  size_t with_support = 0;
  for (size_t c = 0; c < n; c++) {
    const qe_class_stats *s = &r->per_class[c];
    sp += s->precision;
    sr += s->recall;
    sf += s->f1;
    wp += s->precision * (double)s->support;
    wr += s->recall * (double)s->support;
    wf += s->f1 * (double)s->support;
    wsum += s->support;
    if (s->support) {
      rec_sum += s->recall;
      with_support++;
    }
  }
  r->macro_precision = sp / (double)n;
  r->macro_recall = sr / (double)n;
  r->macro_f1 = sf / (double)n;
  r->weighted_precision = wp / (double)wsum;
  r->weighted_recall = wr / (double)wsum;
  r->weighted_f1 = wf / (double)wsum;
  r->balanced_accuracy = with_support ? rec_sum / (double)with_support : 0.0;
  *out = r;
  return QE_OK;
}

/* ------------------------------------------------------------------------ */
/* Output error */

/* Kahan-Babuska (Neumaier) compensated sum. */
typedef struct {
  double sum, comp;
} ksum;

static inline void ks_add(ksum *k, double v)
{
  double t = k->sum + v;
  if (fabs(k->sum) >= fabs(v))
    k->comp += (k->sum - t) + v;
  else
    k->comp += (v - t) + k->sum;
  k->sum = t;
}

static inline double ks_value(const ksum *k)
{
  return k->sum + k->comp;
}

/* Welford running mean and sum of squared deviations. */
typedef struct {
  uint64_t n;
  double mean, m2;
} welford;

static inline void wf_add(welford *w, double v)
{
  w->n++;
  double d = v - w->mean;
  w->mean += d / (double)w->n;
  w->m2 += d * (v - w->mean);
}

struct qe_err_metrics {
  size_t row_len;
  uint64_t rows, rows_equal;
  ksum sq, abs, ref_sq, y_sq, dot;
  welford err, ref;
  double max_abs;
};

qe_status qe_err_metrics_new(size_t row_len, qe_err_metrics **out, qe_ctx *ctx)
{
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_err_metrics_new: no output");
  *out = calloc(1, sizeof **out);
  if (!*out)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  (*out)->row_len = row_len;
  return QE_OK;
}

void qe_err_metrics_free(qe_err_metrics *m)
{
  free(m);
}

void qe_err_metrics_reset(qe_err_metrics *m)
{
  if (!m)
    return;
  size_t row_len = m->row_len;
  memset(m, 0, sizeof *m);
  m->row_len = row_len;
}

static void err_add_one(qe_err_metrics *m, double r, double y)
{
  double d = r - y;
  ks_add(&m->sq, d * d);
  ks_add(&m->abs, fabs(d));
  ks_add(&m->ref_sq, r * r);
  ks_add(&m->y_sq, y * y);
  ks_add(&m->dot, r * y);
  wf_add(&m->err, d);
  wf_add(&m->ref, r);
  if (fabs(d) > m->max_abs)
    m->max_abs = fabs(d);
}

static inline double value_at(const void *p, bool f64, size_t i)
{
  return f64 ? ((const double *)p)[i] : (double)((const float *)p)[i];
}

static qe_status err_add(qe_err_metrics *m, const void *ref, const void *y, size_t n, bool f64,
                         qe_ctx *ctx)
{
  if (!m || (n && (!ref || !y)))
    return qe_error(ctx, QE_ERR_INVALID, "qe_err_metrics_add: no metrics or values");
  if (m->row_len && n % m->row_len)
    return qe_error(ctx, QE_ERR_SHAPE, "%zu output values are not whole rows of %zu", n,
                    m->row_len);
  /* Check everything first, so a bad batch adds nothing. */
  for (size_t i = 0; i < n; i++) {
    double r = value_at(ref, f64, i), v = value_at(y, f64, i);
    if (!isfinite(r) || !isfinite(v))
      return qe_error(ctx, QE_ERR_NUMERIC, "output value %zu is not finite (%s %g)", i,
                      isfinite(r) ? "test" : "reference", isfinite(r) ? v : r);
  }
  for (size_t i = 0; i < n; i++)
    err_add_one(m, value_at(ref, f64, i), value_at(y, f64, i));
  if (m->row_len) {
    /* ACC: same argmax (first maximum) in both rows. */
    for (size_t r0 = 0; r0 < n; r0 += m->row_len) {
      size_t ar = 0, ay = 0;
      for (size_t k = 1; k < m->row_len; k++) {
        if (value_at(ref, f64, r0 + k) > value_at(ref, f64, r0 + ar))
          ar = k;
        if (value_at(y, f64, r0 + k) > value_at(y, f64, r0 + ay))
          ay = k;
      }
      m->rows++;
      m->rows_equal += ar == ay;
    }
  }
  return QE_OK;
}

qe_status qe_err_metrics_add(qe_err_metrics *m, const float *ref, const float *y, size_t n,
                             qe_ctx *ctx)
{
  return err_add(m, ref, y, n, false, ctx);
}

qe_status qe_err_metrics_add_f64(qe_err_metrics *m, const double *ref, const double *y, size_t n,
                                 qe_ctx *ctx)
{
  return err_add(m, ref, y, n, true, ctx);
}

qe_status qe_err_metrics_compute(const qe_err_metrics *m, qe_err_result *out, qe_ctx *ctx)
{
  if (!m || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_err_metrics_compute: no metrics or output");
  memset(out, 0, sizeof *out);
  if (m->err.n == 0)
    return qe_error(ctx, QE_ERR_DATA, "no outputs were compared");
  double n = (double)m->err.n;
  out->count = m->err.n;
  out->rows = m->rows;
  out->acc = m->rows ? (double)m->rows_equal / (double)m->rows : NAN;
  out->rmse = sqrt(ks_value(&m->sq) / n);
  out->mae = ks_value(&m->abs) / n;
  double ref_norm = sqrt(ks_value(&m->ref_sq)), y_norm = sqrt(ks_value(&m->y_sq));
  out->l2r = ref_norm > 0 ? sqrt(ks_value(&m->sq)) / ref_norm : NAN;
  out->mean = m->err.mean;
  out->std = sqrt(m->err.m2 / n);
  out->nse = m->ref.m2 > 0 ? 1.0 - ks_value(&m->sq) / m->ref.m2 : NAN;
  out->cos = ref_norm > 0 && y_norm > 0 ? ks_value(&m->dot) / (ref_norm * y_norm) : NAN;
  out->max_abs = m->max_abs;
  return QE_OK;
}

/* ------------------------------------------------------------------------ */
/* Latency */

struct qe_latency {
  double *ms;
  size_t n, cap;
};

qe_status qe_latency_new(qe_latency **out, qe_ctx *ctx)
{
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_latency_new: no output");
  *out = calloc(1, sizeof **out);
  return *out ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
}

void qe_latency_free(qe_latency *l)
{
  if (!l)
    return;
  free(l->ms);
  free(l);
}

void qe_latency_reset(qe_latency *l)
{
  if (l)
    l->n = 0;
}

qe_status qe_latency_add(qe_latency *l, double ms, qe_ctx *ctx)
{
  if (!l)
    return qe_error(ctx, QE_ERR_INVALID, "qe_latency_add: no latency");
  if (!isfinite(ms) || ms < 0)
    return qe_error(ctx, QE_ERR_NUMERIC, "a run time of %g ms is not valid", ms);
  if (!qe_grow((void **)&l->ms, &l->cap, l->n + 1, sizeof(double)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  l->ms[l->n++] = ms;
  return QE_OK;
}

double qe_time_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

qe_status qe_latency_compute(const qe_latency *l, qe_latency_stats *out, qe_ctx *ctx)
{
  if (!l || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_latency_compute: no latency or output");
  memset(out, 0, sizeof *out);
  if (l->n == 0)
    return qe_error(ctx, QE_ERR_DATA, "no timed runs");
  double *s = malloc(l->n * sizeof(double));
  if (!s)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  memcpy(s, l->ms, l->n * sizeof(double));
  qsort(s, l->n, sizeof(double), cmp_double);
  size_t n = l->n;
  out->runs = n;
  out->min_ms = s[0];
  out->max_ms = s[n - 1];
  out->median_ms = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
  welford w = { 0 };
  for (size_t i = 0; i < n; i++)
    wf_add(&w, s[i]);
  out->mean_ms = w.mean;
  out->std_ms = sqrt(w.m2 / (double)n);
  double pos = 0.9 * (double)(n - 1);
  size_t lo = (size_t)floor(pos);
  size_t hi = lo + 1 < n ? lo + 1 : lo;
  out->p90_ms = s[lo] + (s[hi] - s[lo]) * (pos - (double)lo);
  free(s);
  return QE_OK;
}

qe_status qe_latency_measure(qe_timed_fn fn, void *user_data, int warmup, int runs,
                             qe_latency_stats *out, qe_ctx *ctx)
{
  if (!fn || !out || warmup < 0 || runs < 1)
    return qe_error(ctx, QE_ERR_INVALID,
                    "qe_latency_measure: no function, or %d warm-up and %d timed runs", warmup,
                    runs);
  qe_latency *l = NULL;
  qe_status st = qe_latency_new(&l, ctx);
  if (st != QE_OK)
    return st;
  int total = warmup + runs;
  for (int i = 0; i < total && st == QE_OK; i++) {
    if ((st = qe_progress(ctx, (double)i / (double)total, "measuring latency")) != QE_OK)
      break;
    double t0 = qe_time_ms();
    st = fn(user_data, ctx);
    double t1 = qe_time_ms();
    if (st == QE_OK && i >= warmup)
      st = qe_latency_add(l, t1 - t0, ctx);
  }
  if (st == QE_OK)
    st = qe_latency_compute(l, out, ctx);
  qe_latency_free(l);
  return st;
}
