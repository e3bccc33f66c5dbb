/* qe_quant_types.h - the quantization choices that the run configuration
 * (qe_config.h), the calibration (qe_calib.h) and the quantizer
 * (qe_quantize.h) share: one definition each, so every public header can
 * be included together (tests/engine checks that they can).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_QUANT_TYPES_H
#define QE_QUANT_TYPES_H

#ifdef __cplusplus
extern "C" {
#endif

/* How an activation range is chosen from the calibration samples
 * (qe_calib.h describes each; quantization.calibration_method in a
 * configuration, --calib-method for qz quantize). */
typedef enum qe_calib_method {
  QE_CALIB_MINMAX = 0,     /* "minmax": observed range */
  QE_CALIB_MOVING_AVERAGE, /* "moving-average": EMA of per-batch min/max */
  QE_CALIB_PERCENTILE,     /* "percentile": clip at a percentile */
  QE_CALIB_ENTROPY,        /* "entropy": KL-divergence threshold (TensorRT style) */
  QE_CALIB_MSE,            /* "mse": range minimizing quantization MSE */
  QE_CALIB_COUNT
} qe_calib_method;

/* Granularity of weight scales (activations are per tensor);
 * quantization.granularity in a configuration. */
typedef enum qe_granularity {
  QE_GRANULARITY_PER_CHANNEL = 0, /* "per_channel" (the default) */
  QE_GRANULARITY_PER_TENSOR,      /* "per_tensor" */
  QE_GRANULARITY_COUNT
} qe_granularity;

#ifdef __cplusplus
}
#endif

#endif /* QE_QUANT_TYPES_H */
