/* qe_calib.h - range calibration of one tensor over a stream of values,
 * and the choice of quantization parameters from a range.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A qe_calib_obs watches every value a tensor takes over the calibration
 * samples in bounded memory: exact min/max, a moving-average min/max, and a
 * histogram (never the values themselves). Calibration methods turn it into
 * a clipping range [lo, hi]:
 *
 *   minmax          the smallest and largest value seen.
 *   moving-average  ONNX Runtime's CalibMovingAverage: per batch (one call
 *                   of qe_calib_obs_add(); the quantizer adds one sample per
 *                   batch) min_t = min_{t-1} + c (bmin - min_{t-1}), likewise
 *                   max, with c = 0.01 by default.
 *   percentile      the central @percentile % of the values (99.999 by
 *                   default): (100 - p) / 2 % cut on each side, as ONNX
 *                   Runtime's asymmetric percentile calibrator does.
 *   entropy         TensorRT's KL-divergence threshold: the histogram of
 *                   |x| (2048 bins) is clipped at every candidate threshold
 *                   i in [target_bins, bins], outliers folded into the last
 *                   bin, quantized to target_bins (128 for 8-bit) bins and
 *                   expanded back over the non-empty bins; the threshold of
 *                   least KL(P || Q) wins, but never one that clips more
 *                   than 0.1 % of the values (KL alone cuts the saturation
 *                   spike of ReLU6 outputs far too low). The range is
 *                   [-t, t] intersected with [min, max] (so a ReLU output
 *                   gets [0, t]).
 *   mse             the range minimizing the expected squared error of
 *                   quantize-dequantize (rounding noise step^2 / 12 inside
 *                   the range, clipping error outside), searched over
 *                   shrink factors of [min, max] then refined per side.
 *
 * THE HISTOGRAM. Two halves of `bins` bins each, for x >= 0 and for -x > 0,
 * sharing one bin width w; each covers [0, bins * w). The width is set by
 * the first non-zero batch so its largest magnitude fills the bins; when a
 * later value falls beyond, w doubles and adjacent bins merge (exact, no
 * re-binning of old values), so the last range holds at least half the
 * bins' resolution. Memory: 2 * bins * 8 bytes per tensor.
 */
#ifndef QE_CALIB_H
#define QE_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_quant_types.h" /* qe_calib_method */

#ifdef __cplusplus
extern "C" {
#endif

/* "minmax", "moving-average", "percentile", "entropy", "mse". */
const char *qe_calib_method_name(qe_calib_method m);
/* Accepts the names above and "min-max", "min_max", "moving_average",
 * "calib_moving_average", "kl" (any case). QE_ERR_INVALID listing the
 * names otherwise. */
qe_status qe_calib_method_parse(const char *name, qe_calib_method *out, qe_ctx *ctx);

typedef struct qe_calib_params {
  int bins;                       /* histogram bins per half, default 2048 */
  double percentile;              /* default 99.999 */
  double moving_average_constant; /* default 0.01 (applied while adding:
                                   * qe_calib_obs_set_moving_average) */
  int entropy_target_bins;        /* default 128 (2^(bits-1) for bits-bit) */
  int mse_bits;                   /* bits of the grid mse assumes, default 8 */
} qe_calib_params;

void qe_calib_params_init(qe_calib_params *p);

typedef struct qe_calib_obs qe_calib_obs;

/* @bins in [16, 1 << 16]. */
qe_status qe_calib_obs_new(int bins, qe_calib_obs **out, qe_ctx *ctx);
void qe_calib_obs_free(qe_calib_obs *o);
void qe_calib_obs_reset(qe_calib_obs *o);
/* The moving-average constant used by later qe_calib_obs_add() calls
 * (0.01 by default; in (0, 1]). */
void qe_calib_obs_set_moving_average(qe_calib_obs *o, double c);

/* Add one batch of @n values. Non-finite values are not added: their count
 * goes to *n_nonfinite (may be NULL) and the caller decides (the quantizer
 * stops with QE_ERR_NUMERIC naming the tensor). */
void qe_calib_obs_add(qe_calib_obs *o, const float *x, size_t n, size_t *n_nonfinite);

/* Values added so far (finite ones), batches, exact extremes (0/0 when
 * empty), mean. */
uint64_t qe_calib_obs_count(const qe_calib_obs *o);
uint64_t qe_calib_obs_batches(const qe_calib_obs *o);
float qe_calib_obs_min(const qe_calib_obs *o);
float qe_calib_obs_max(const qe_calib_obs *o);
double qe_calib_obs_mean(const qe_calib_obs *o);

/* The histogram over [lo, hi] resampled into @n equal bins (display: the
 * GUI's activation histograms, report.json). @out gets n counts. */
void qe_calib_obs_histogram(const qe_calib_obs *o, float lo, float hi, size_t n, uint64_t *out);
/* Fraction of the values outside [lo, hi] (from the histogram). */
double qe_calib_obs_clipped_fraction(const qe_calib_obs *o, float lo, float hi);

/* The clipping range of @method. QE_ERR_DATA when nothing was added. A
 * constant tensor gives lo == hi (the caller widens it). */
qe_status qe_calib_obs_range(const qe_calib_obs *o, qe_calib_method method,
                             const qe_calib_params *p, float *lo, float *hi, qe_ctx *ctx);

/* ---- from a range to (scale, zero point) ------------------------------- */

typedef struct qe_qparams {
  float scale;
  int32_t zero_point;
  int32_t qmin, qmax; /* the integer grid (e.g. -128..127, or -8..7) */
} qe_qparams;

/* Integer grid of a signed @bits-bit type: [-2^(bits-1), 2^(bits-1) - 1];
 * with @narrow the lowest value is dropped (symmetric weights: -127..127). */
void qe_qgrid(int bits, bool narrow, int32_t *qmin, int32_t *qmax);

/* Affine parameters for the range [lo, hi] on the grid [qmin, qmax]
 * (signed storage). The range is first widened to hold 0 (so zero is exact,
 * as padding needs). @symmetric: zero point 0, scale max(|lo|, |hi|) /
 * qmax. @pow2: the scale rounded up to a power of two. A zero-width range
 * gets a scale such that the value itself is exact (1 when it is 0).
 * The zero point is rounded and clamped into the grid, as TFLite's
 * ChooseQuantizationParams does. */
qe_qparams qe_choose_qparams(float lo, float hi, int32_t qmin, int32_t qmax, bool symmetric,
                             bool pow2);

/* Symmetric scale for weights whose largest magnitude is @absmax on the
 * grid [-qmax, qmax]: absmax / qmax (1 when absmax is 0), rounded up to a
 * power of two with @pow2. */
float qe_weight_scale(float absmax, int32_t qmax, bool pow2);

/* round(x / scale) + zp clamped to [qmin, qmax], half away from zero. */
int32_t qe_quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax);

#ifdef __cplusplus
}
#endif
#endif /* QE_CALIB_H */
