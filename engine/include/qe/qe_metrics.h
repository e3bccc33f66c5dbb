/* qe_metrics.h - classification metrics, output-error metrics (ST Edge AI
 * validation) and latency statistics, all accumulated in a stream.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Classification (qe_cls_metrics): feed (label, prediction) pairs one by
 * one or in batches; only the confusion matrix is kept. The results are
 * scikit-learn's: accuracy_score, precision_recall_fscore_support with
 * average=None, 'macro' and 'weighted', confusion_matrix, for the labels
 * 0..n_classes-1 (classes missing from both labels and predictions are
 * included, as sklearn does when given labels=range(n)). A zero division
 * (no predictions of a class for precision, no samples of it for recall,
 * precision + recall = 0 for F1) gives 0, sklearn's zero_division="warn"
 * value; qe_cls_result.zero_division_* say where it happened.
 *
 * Output error (qe_err_metrics): the ST Edge AI Core "validation" metrics
 * between reference outputs (the float model) and outputs under test (the
 * quantized model), element-wise over all outputs fed:
 *   ACC   classification agreement: argmax of each reference row equals the
 *         argmax of the test row (rows of `row_len` elements)
 *   RMSE  sqrt(mean((ref - y)^2))
 *   MAE   mean(|ref - y|)
 *   L2R   ||ref - y||_2 / ||ref||_2
 *   MEAN  mean(ref - y)            (the bias of the error)
 *   STD   population std of (ref - y)
 *   NSE   1 - sum((ref - y)^2) / sum((ref - mean(ref))^2)  (Nash-Sutcliffe)
 *   COS   sum(ref * y) / (||ref|| ||y||)                    (cosine)
 * Sums are kept in double with Kahan-Babuska compensation, and the
 * variances are computed from running means (Welford), so a stream of
 * millions of values keeps ~1e-12 relative accuracy.
 *
 * Latency (qe_latency): record N timed runs (after the warm-up runs the
 * caller did not record); the median (mean of the two middle values for an
 * even N), mean, min, max, population std and the 90th percentile (linear
 * interpolation, numpy's default).
 */
#ifndef QE_METRICS_H
#define QE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- classification ------------------------------------------------------ */

typedef struct qe_cls_metrics qe_cls_metrics;

/* @n_classes in [1, 65536]. */
qe_status qe_cls_metrics_new(size_t n_classes, qe_cls_metrics **out, qe_ctx *ctx);
void qe_cls_metrics_free(qe_cls_metrics *m);
void qe_cls_metrics_reset(qe_cls_metrics *m);
size_t qe_cls_metrics_classes(const qe_cls_metrics *m);

/* One sample: @label the true class, @pred the predicted one. Labels or
 * predictions outside [0, n_classes) are QE_ERR_INVALID naming them. */
qe_status qe_cls_metrics_add(qe_cls_metrics *m, int64_t label, int64_t pred, qe_ctx *ctx);
qe_status qe_cls_metrics_add_batch(qe_cls_metrics *m, const int32_t *labels, const int32_t *preds,
                                   size_t n, qe_ctx *ctx);
/* Predict argmax(@scores[0..n_classes)) (first maximum; NaN never wins) and
 * add it with @label. */
qe_status qe_cls_metrics_add_scores(qe_cls_metrics *m, int64_t label, const float *scores,
                                    qe_ctx *ctx);
/* Merge the counts of @other (same class count) into @m: for threads. */
qe_status qe_cls_metrics_merge(qe_cls_metrics *m, const qe_cls_metrics *other, qe_ctx *ctx);

typedef struct qe_class_stats {
  double precision, recall, f1;
  uint64_t support; /* samples whose label is this class */
  uint64_t predicted;
  bool zero_division_precision; /* nothing was predicted as this class */
  bool zero_division_recall;    /* no sample of this class */
} qe_class_stats;

typedef struct qe_cls_result {
  size_t n_classes;
  uint64_t total;
  double accuracy;
  qe_class_stats *per_class; /* n_classes */
  uint64_t *confusion;       /* n_classes x n_classes, row = true label, col = predicted */
  double macro_precision, macro_recall, macro_f1;
  double weighted_precision, weighted_recall, weighted_f1;
  double balanced_accuracy; /* mean recall over classes with support (sklearn's) */
} qe_cls_result;

/* Compute the metrics of what was added so far (QE_ERR_DATA when nothing
 * was). Free with qe_cls_result_free. */
qe_status qe_cls_metrics_compute(const qe_cls_metrics *m, qe_cls_result **out, qe_ctx *ctx);
void qe_cls_result_free(qe_cls_result *r);

/* ---- output error (ST Edge AI validation metrics) ------------------------ */

typedef struct qe_err_metrics qe_err_metrics;

/* @row_len: elements per output row for ACC (the class count of a
 * classifier's output); 0 disables ACC. */
qe_status qe_err_metrics_new(size_t row_len, qe_err_metrics **out, qe_ctx *ctx);
void qe_err_metrics_free(qe_err_metrics *m);
void qe_err_metrics_reset(qe_err_metrics *m);
/* @n elements of reference and test output; for ACC @n must be a multiple
 * of row_len. Non-finite values are QE_ERR_NUMERIC naming the index. */
qe_status qe_err_metrics_add(qe_err_metrics *m, const float *ref, const float *y, size_t n,
                             qe_ctx *ctx);
qe_status qe_err_metrics_add_f64(qe_err_metrics *m, const double *ref, const double *y, size_t n,
                                 qe_ctx *ctx);

typedef struct qe_err_result {
  uint64_t count; /* elements */
  uint64_t rows;  /* rows compared for ACC */
  double acc;     /* NaN when ACC is disabled or no rows */
  double rmse, mae, l2r, mean, std, nse, cos;
  double max_abs; /* largest |ref - y| */
} qe_err_result;

/* NSE is NaN when the reference is constant, L2R when it is all zero, COS
 * when either side is all zero (the ratios are undefined there). */
qe_status qe_err_metrics_compute(const qe_err_metrics *m, qe_err_result *out, qe_ctx *ctx);

/* ---- latency --------------------------------------------------------------- */

typedef struct qe_latency qe_latency;

qe_status qe_latency_new(qe_latency **out, qe_ctx *ctx);
void qe_latency_free(qe_latency *l);
void qe_latency_reset(qe_latency *l);
/* One timed run, in milliseconds (finite, >= 0). */
qe_status qe_latency_add(qe_latency *l, double ms, qe_ctx *ctx);
/* Monotonic clock in milliseconds, for timing runs. */
double qe_time_ms(void);

typedef struct qe_latency_stats {
  size_t runs;
  double median_ms, mean_ms, min_ms, max_ms, std_ms, p90_ms;
} qe_latency_stats;

qe_status qe_latency_compute(const qe_latency *l, qe_latency_stats *out, qe_ctx *ctx);

/* One inference (or whatever is timed); a non-OK status stops measuring. */
typedef qe_status (*qe_timed_fn)(void *user_data, qe_ctx *ctx);

/* Run @fn @warmup times untimed, then @runs times timed (monotonic clock),
 * and compute the statistics. Progress "measuring latency" between runs;
 * QE_ERR_CANCELLED when the callback asks to stop. */
qe_status qe_latency_measure(qe_timed_fn fn, void *user_data, int warmup, int runs,
                             qe_latency_stats *out, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_METRICS_H */
