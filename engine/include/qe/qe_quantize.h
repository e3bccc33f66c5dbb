/* qe_quantize.h - post-training quantization: a float qe_graph and a stream
 * of calibration samples in, an int8 qe_qmodel (TFLite-like, NHWC) and an
 * ONNX QDQ graph with the very same scales and zero points out, plus
 * per-layer diagnostics.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * THE PIPELINE (qe_quantize()):
 *  1. prepare the float graph: fold constants, drop identities, fold
 *     BatchNormalization into convolutions (qe_graph_optimize());
 *  2. optimize (optional): cross-layer equalization and bias correction
 *     (below);
 *  3. calibrate: run the float graph over the samples; an observer sees
 *     every tensor and feeds one qe_calib_obs per tensor (histograms,
 *     never the activations themselves: memory does not grow with the
 *     number of samples);
 *  4. choose scales: weights symmetric per output channel (convolutions;
 *     fully-connected weights are per tensor, as TFLite's quantization spec
 *     and the TFLite / TFLite Micro versions on boards need) or per tensor on
 *     a narrow grid (-127..127 for 8 bits, -7..7 for 4, -1..1 for 2; 7-bit
 *     with reduce_range; 4- and 2-bit weights clipped where the squared
 *     error is least), biases int32 with scale s_in * s_w, activations
 *     affine (or symmetric) on the activation grid; power-of-two scales on
 *     request (TI NPU);
 *  5. lower to the int8 model: ONNX NCHW becomes NHWC (a TRANSPOSE is
 *     inserted where a Flatten/Reshape needs the original element order),
 *     Relu / Relu6 / Clip(-1,1) fuse into the producing op as clamps, ops
 *     the int8 kernels cannot take run in float between DEQUANTIZE and
 *     QUANTIZE (each listed with the reason). The model keeps the source
 *     model's input and output shapes (NCHW stays NCHW at the interface);
 *  6. export the QDQ graph from the same parameters;
 *  7. diagnose (optional): per-layer SQNR of the int8 model against float.
 *
 * CROSS-LAYER EQUALIZATION (Nagel et al. 2019, "Data-Free Quantization"):
 * for consecutive layers conv1 -> [Relu] -> conv2 (conv2 a plain or a
 * depthwise convolution, or Gemm; the middle tensor used by nothing else),
 * output channel i of conv1 is divided by s_i and input channel i of conv2
 * multiplied by s_i, s_i = sqrt(r1_i / r2_i) (r = per-channel weight range),
 * which makes both layers' per-channel ranges equal. ReLU commutes with a
 * positive scale; ReLU6 (Clip(0,6)) does not: its clip at 6 becomes 6 * s_i
 * in the original units. The engine keeps the model's function on the
 * calibration data exactly: for a pair through ReLU6, a channel whose
 * pre-activation maximum m_i on the calibration data exceeds 6 (so the
 * clip is active) keeps s_i = 1, and the others are bounded below by
 * s_i >= m_i / 6 (the new clip point stays above every value seen). Pairs
 * through any other activation are skipped. Iterated over all pairs until
 * the scales settle (at most 20 sweeps).
 *
 * BIAS CORRECTION (Nagel et al. 2019, section 4.2, empirical form): for
 * each convolution / fully-connected layer, the quantization error of its
 * weights (W_q - W) shifts the expected output by (W_q - W) E[x]; E[x] (per
 * input channel) is measured on the calibration data through the float
 * model, and the shift is subtracted from the bias before it is quantized.
 */
#ifndef QE_QUANTIZE_H
#define QE_QUANTIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_calib.h"
#include "qe_core.h"
#include "qe_graph.h"
#include "qe_json.h"
#include "qe_qmodel.h"
#include "qe_quant_types.h" /* qe_granularity */
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- calibration samples ----------------------------------------------- */

/* A stream of samples, one array per graph input (batch axis 1 or none),
 * that can be read several times (equalization, calibration, bias
 * correction and diagnostics each take a pass). */
typedef struct qe_samples qe_samples;

typedef struct qe_samples_vtable {
  /* (Re)start the stream. */
  qe_status (*begin)(void *user_data, qe_ctx *ctx);
  /* The next sample: *inputs points to n_inputs arrays owned by the source
   * and valid until the next call; *done = true at the end. */
  qe_status (*next)(void *user_data, const qe_array *const **inputs, bool *done, qe_ctx *ctx);
  void (*free)(void *user_data);
} qe_samples_vtable;

/* A source from callbacks. @count: samples per pass (0 when unknown);
 * @description: a short phrase for the report ("200 samples of x.npz"). */
qe_status qe_samples_new(const qe_samples_vtable *vt, void *user_data, size_t n_inputs,
                         size_t count, const char *description, qe_samples **out, qe_ctx *ctx);
/* The rows of the `x` member of an .npz (or a lone .npy), first axis the
 * samples, at most @max (0 = all). QE_ERR_DATA when empty. */
qe_status qe_samples_from_npz(const char *path, size_t max, qe_samples **out, qe_ctx *ctx);
/* The rows of an array (copied; first axis the samples). */
qe_status qe_samples_from_array(const qe_array *x, size_t max, const char *description,
                                qe_samples **out, qe_ctx *ctx);
/* Random data shaped like @g's inputs (symbolic dims 1): @count samples,
 * uniform in [lo, hi) (or normal with mean lo and deviation hi when
 * @normal), from a fixed @seed. Labelled "random data" in the report. */
qe_status qe_samples_random(const qe_graph *g, size_t count, bool normal, float lo, float hi,
                            uint64_t seed, qe_samples **out, qe_ctx *ctx);
/* The samples of @subset (a qe_subset) of a data set opened with the data
 * engine (engine/data: image folders, WAV + CSV, CSV series...), streamed
 * through its loader, each reshaped to the model input @dims (rank @rank,
 * batch axis included). @ds is borrowed: it must outlive the source. */
struct qe_dataset;
qe_status qe_samples_from_dataset(struct qe_dataset *ds, int subset, const int64_t *dims, int rank,
                                  const char *description, qe_samples **out, qe_ctx *ctx);
void qe_samples_free(qe_samples *s);
size_t qe_samples_count(const qe_samples *s);
bool qe_samples_is_random(const qe_samples *s);
const char *qe_samples_description(const qe_samples *s);

/* ---- options ------------------------------------------------------------ */

typedef struct qe_quant_options {
  qe_calib_method calib_method; /* default minmax */
  qe_calib_params calib;        /* bins, percentile... (qe_calib_params_init) */
  qe_granularity granularity;   /* weights; default per-channel */
  int weight_bits;              /* 8 (default), 4 or 2 */
  int activation_bits;          /* 8 (default) or 4: the int8 model's activation
                                 * tensors are narrowed (qe_qtensor.weight_bits;
                                 * MEAN, HARD_SWISH, SOFTMAX, LOGISTIC, TANH
                                 * outputs and the model input stay 8-bit), the
                                 * QDQ export clips before quantizing; a .tflite
                                 * file cannot carry the clamps */
  bool activation_symmetric;    /* zero point 0; default false (affine) */
  qe_dtype activation_type;     /* QE_DT_I8 (default) or QE_DT_U8: the storage
                                 * type of activations in the ONNX QDQ export;
                                 * the int8 model holds the same values as
                                 * int8 (zero point - 128, same scale) */
  qe_dtype input_type;          /* model input: QE_DT_F32 (default), I8, U8 */
  qe_dtype output_type;         /* model output: QE_DT_F32 (default), I8, U8 */
  bool power_of_two;            /* power-of-two scales (TI NPU) */
  bool reduce_range;            /* 7-bit weights (grid -63..63) */
  bool equalize;                /* cross-layer equalization (default false) */
  bool bias_correction;         /* default false */
  int target_opset;             /* ONNX QDQ export, 13..21; default 17 */
  size_t max_samples;           /* calibration samples used, 0 = all */
  /* Node names to keep in float (mixed precision / debugging). */
  const char *const *float_nodes;
  size_t n_float_nodes;
  /* Diagnostics: per-layer SQNR over this many samples (0: none). */
  size_t diag_samples; /* default 32 */
  bool diag_isolated;  /* also the isolated SQNR (one model per layer) */
  /* Largest weight / activation bit widths the target takes (0 = any);
   * e.g. from a board description. Asking for more is an error. */
  int max_weight_bits, min_weight_bits;
  int max_activation_bits, min_activation_bits;
  const char *board; /* for messages: "board 'stm32h747' ..." */
} qe_quant_options;

void qe_quant_options_init(qe_quant_options *o);
/* Check ranges and combinations; the message names the setting. */
qe_status qe_quant_options_validate(const qe_quant_options *o, qe_ctx *ctx);

/* Settings in the model zoo's / Tensorlab's words, applied on top of @o:
 *   quantization_input_type / quantization_output_type  int8|uint8|float
 *   granularity                per_channel|per_tensor (also with '-')
 *   optimize                   true: equalization + bias correction
 *   target_opset               13..21
 *   extra_options              calib_moving_average
 *   quantization               0 (float: QE_ERR_INVALID, nothing to do),
 *                              1 (generic), 2 (TI NPU: power-of-two
 *                              scales, symmetric activations)
 *   quantization_weight_bitwidth, quantization_activation_bitwidth
 *   calib_method, weight_bits, activation_bits, power_of_two,
 *   reduce_range, activation_type, equalize, bias_correction (the
 *   engine's own names)
 * Values are strings as written in YAML. QE_ERR_INVALID naming the key. */
qe_status qe_quant_options_set(qe_quant_options *o, const char *key, const char *value,
                               qe_ctx *ctx);

/* A board description (targets/<id>.yaml): its `quantization` section
 * gives defaults (granularity, weight_bits, activation_bits, power_of_two,
 * input_type, output_type, calib_method, equalize, bias_correction) and
 * its `weight_bits` / `activation_bits` lists the widths it can take
 * (min/max_*_bits). A board asking for per-tensor weights gets
 * equalization and bias correction unless its section sets them. Apply it
 * before the user's own settings. */
qe_status qe_quant_options_from_board(qe_quant_options *o, const char *board_yaml, qe_ctx *ctx);

/* ---- results ------------------------------------------------------------ */

#define QE_DIAG_HIST_BINS 64

typedef struct qe_layer_diag {
  char *name;    /* graph node name (a made-up one when the node had none) */
  char *op_type; /* ONNX op type ("Conv") */
  char *qop;     /* int8 op it became ("CONV_2D"), or "float" */
  int node;      /* index in qe_quant_result.graph */
  int qop_index; /* index in the qmodel, -1 when it had none of its own */
  bool in_float; /* runs in float in the int8 model */
  char *float_reason;
  /* error of this layer's output against float, dB (NaN when not measured) */
  double sqnr_db;          /* whole int8 model */
  double sqnr_isolated_db; /* only this layer quantized */
  /* weights (conv / FC), else n_channels 0 */
  size_t n_channels;
  float *channel_absmax; /* n_channels values */
  float weight_absmax_min, weight_absmax_max;
  float weight_scale_min, weight_scale_max;
  /* output activation */
  float seen_min, seen_max; /* calibration extremes */
  float range_lo, range_hi; /* clipping range chosen */
  float scale;
  int32_t zero_point;
  double clipped_fraction;          /* calibration values outside the range */
  uint64_t hist[QE_DIAG_HIST_BINS]; /* over [seen_min, seen_max] */
} qe_layer_diag;

typedef struct qe_quant_result {
  qe_graph *graph;          /* the prepared float graph (after folding, CLE, BC) */
  qe_qmodel *qmodel;        /* the int8 model (prepared) */
  qe_graph *qdq;            /* the ONNX QDQ graph */
  qe_quant_options options; /* as used (pointers not owned) */
  char *calibration;        /* "200 samples of calib.npz" / "random data: ..." */
  bool random_calibration;
  size_t calibration_samples;
  size_t equalized_pairs, bias_corrected_layers;
  qe_layer_diag *layers; /* every node that computes something */
  size_t n_layers;
  /* The layers that hurt most, worst first, with a sentence each. */
  size_t *ranking;
  char **advice;
  size_t n_ranked;
  /* Ops kept in float: "node 'x' (LayerNormalization): no int8 kernel". */
  char **float_ops;
  size_t n_float_ops;
  /* Map from graph tensor to the qmodel tensor holding it (-1: none) and
   * whether it is in NHWC order there (1) or in the graph's order (0). */
  int *tensor_map;
  unsigned char *tensor_nhwc;
  size_t n_tensor_map;
  struct qe_quant_priv *priv; /* the quantizer's state (diagnostics) */
} qe_quant_result;

/* Quantize @g (not modified) with @samples (never NULL: pass
 * qe_samples_random() to calibrate on random data). Progress phases: "preparing", "equalizing",
 * "calibrating", "quantizing", "correcting biases", "diagnosing". */
qe_status qe_quantize(const qe_graph *g, qe_samples *samples, const qe_quant_options *o,
                      qe_quant_result **out, qe_ctx *ctx);
void qe_quant_result_free(qe_quant_result *r);

/* Write the result's part of report.json into the open object @j: the keys
 * "quantization" {...settings, calibration...}, "layers" [...],
 * "float_ops" [...], "advice" [...]. */
void qe_quant_result_to_json(const qe_quant_result *r, qe_json *j);

/* Save the QDQ graph (atomically), opset from the options. */
qe_status qe_quant_save_onnx(const qe_quant_result *r, const char *path, qe_ctx *ctx);

/* Per-layer SQNR of @r->qmodel against the float graph over @samples (at
 * most @max, 0 = all); fills layers[].sqnr_db (and sqnr_isolated_db when
 * @isolated), and the ranking. Called by qe_quantize() when diag_samples
 * is set. */
qe_status qe_quant_diagnose(qe_quant_result *r, qe_samples *samples, size_t max, bool isolated,
                            qe_ctx *ctx);

/* ---- building blocks (exposed for tests and the GUI) ------------------- */

/* Cross-layer equalization of @g in place (see above). @channel_max: NULL,
 * or per graph tensor (n_tensors entries) NULL or the per-channel maxima of
 * that tensor measured on calibration data (channels along axis 1), used
 * for pairs through ReLU6; without them such pairs are skipped. *pairs
 * receives the number of pairs equalized. */
qe_status qe_equalize(qe_graph *g, const float *const *channel_max, size_t *pairs, qe_ctx *ctx);

/* The equalization scales of one pair: r1[i], r2[i] the per-channel weight
 * ranges (max |w|) of the first layer's output channel i and the second
 * layer's input channel i; s[i] = sqrt(r1 / r2), 1 where either is 0;
 * then bounded to [lo[i], hi[i]] when given (NULL: no bound). */
void qe_equalize_scales(size_t n, const float *r1, const float *r2, const float *lo,
                        const float *hi, float *s);

#ifdef __cplusplus
}
#endif
#endif /* QE_QUANTIZE_H */
