/* qe_qmodel.h - the integer model: a TFLite-like IR of int8 tensors and
 * builtin operators, its prepare step and a host executor.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A qe_qmodel is what the post-training quantizer produces from a float
 * qe_graph, what the TFLite reader makes of an int8 .tflite file, and what
 * the TFLite writer and the C code generator consume. It mirrors a TFLite
 * subgraph: NHWC tensors with per-tensor or per-channel affine quantization
 * (real = scale * (q - zero_point)), operators from a builtin set with
 * their options, graph inputs and outputs, and metadata.
 *
 * The structures are open: fill them with the qe_qmodel_add_*() helpers,
 * which copy and keep the arrays consistent, and read any field directly.
 * Tensors and ops are referred to by index; never keep a pointer into the
 * arrays across an add.
 *
 * Operator inputs follow TFLite's order and conventions:
 *   CONV_2D            input, filter (OHWI int8), bias (int32, optional)
 *   DEPTHWISE_CONV_2D  input, filter (1HW(C*M) int8), bias (optional)
 *   FULLY_CONNECTED    input, weights ([out][in] int8), bias (optional)
 *   ADD, MUL           a, b (4-D broadcast)
 *   CONCATENATION      inputs... (same scale and zero point as the output)
 *   PAD                input, paddings (int32 [rank][2] constant)
 *   RESHAPE            input, shape (int32 constant, optional: the output
 *                      tensor's shape is what counts)
 *   TRANSPOSE          input, perm (int32 constant)
 *   MEAN               input, axes (int32 constant)
 *   RESIZE_*           input (NHWC), size (int32 constant [2]: H, W)
 *   SUB, DIV, SQUARED_DIFFERENCE  a, b (4-D broadcast as ADD; DIV and
 *                      SQRT are float only, as in TFLite)
 *   BATCH_MATMUL       lhs, rhs (rank 2 to 4, batch dims broadcast;
 *                      opt.adj_x / adj_y transpose their last two dims)
 *   GATHER             input, indices (int32/int64 constant), along
 *                      opt.axis
 *   MEAN               (int8) any axes; H and W of a 4-D tensor with
 *                      keep_dims take TFLite's requantizing path
 *   ONNX               the inputs of qe_qop.graph, in order: any ONNX node
 *                      kept in float with no TFLite operator, run by the
 *                      engine's float runtime (engine only: the TFLite
 *                      writer and the C export refuse a model holding one)
 *   others             input (RSQRT and GELU run in int8 as 256-entry
 *                      tables, as TFLite computes them)
 * Every op has one output. Ops that could not be quantized run in float
 * between DEQUANTIZE and QUANTIZE: the executor runs the float32 version
 * of each op above too.
 */
#ifndef QE_QMODEL_H
#define QE_QMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

struct qe_graph;

#define QE_QMAX_RANK 6

/* X-macro list of operators: (enum suffix, TFLite BuiltinOperator code,
 * TFLite name). The enum and the tables are generated from it. */
#define QE_QOP_LIST(X)                                      \
  X(ADD, 0, "ADD")                                          \
  X(AVERAGE_POOL_2D, 1, "AVERAGE_POOL_2D")                  \
  X(CONCATENATION, 2, "CONCATENATION")                      \
  X(CONV_2D, 3, "CONV_2D")                                  \
  X(DEPTHWISE_CONV_2D, 4, "DEPTHWISE_CONV_2D")              \
  X(DEQUANTIZE, 6, "DEQUANTIZE")                            \
  X(FULLY_CONNECTED, 9, "FULLY_CONNECTED")                  \
  X(LOGISTIC, 14, "LOGISTIC")                               \
  X(MAX_POOL_2D, 17, "MAX_POOL_2D")                         \
  X(MUL, 18, "MUL")                                         \
  X(RELU, 19, "RELU")                                       \
  X(RELU6, 21, "RELU6")                                     \
  X(RESHAPE, 22, "RESHAPE")                                 \
  X(SOFTMAX, 25, "SOFTMAX")                                 \
  X(TANH, 28, "TANH")                                       \
  X(PAD, 34, "PAD")                                         \
  X(TRANSPOSE, 39, "TRANSPOSE")                             \
  X(MEAN, 40, "MEAN")                                       \
  X(QUANTIZE, 114, "QUANTIZE")                              \
  X(HARD_SWISH, 117, "HARD_SWISH")                          \
  X(RESIZE_BILINEAR, 23, "RESIZE_BILINEAR")                 \
  X(RESIZE_NEAREST_NEIGHBOR, 97, "RESIZE_NEAREST_NEIGHBOR") \
  X(GATHER, 36, "GATHER")                                   \
  X(SUB, 41, "SUB")                                         \
  X(DIV, 42, "DIV")                                         \
  X(SQRT, 75, "SQRT")                                       \
  X(RSQRT, 76, "RSQRT")                                     \
  X(SQUARED_DIFFERENCE, 99, "SQUARED_DIFFERENCE")           \
  X(BATCH_MATMUL, 126, "BATCH_MATMUL")                      \
  X(GELU, 150, "GELU")                                      \
  X(ONNX, -1, "ONNX")

#define QE_QOP_ENUM_(e, code, name) QE_QOP_##e,
typedef enum qe_qop_type { QE_QOP_LIST(QE_QOP_ENUM_) QE_QOP_COUNT } qe_qop_type;
#undef QE_QOP_ENUM_

/* "CONV_2D"...; "?" when out of range. */
const char *qe_qop_name(qe_qop_type op);
/* TFLite BuiltinOperator code of @op, -1 when out of range or when TFLite
 * has no such operator (QE_QOP_ONNX). */
int qe_qop_tflite_code(qe_qop_type op);
/* The op of a TFLite builtin code, QE_QOP_COUNT when the engine has none. */
qe_qop_type qe_qop_from_tflite_code(int code);

/* How the host executor requantizes (qe_qmodel.conv_rounding):
 *   QE_ROUND_DOUBLE   TFLite's reference fixed point (multiplier + shift,
 *                     rounded twice): TFLite Micro, CMSIS-NN and the
 *                     board compute exactly this. The default.
 *   QE_ROUND_HALF_UP  as DOUBLE, but CONV_2D and FULLY_CONNECTED round both
 *                     steps half up, as TFLite's host kernels (ruy, x86) do.
 *   QE_ROUND_ORT      as ONNX Runtime's CPU kernels compute the model's
 *                     ONNX QDQ export: float32 scales and round half to
 *                     even (QLinearConv, QGemm, QLinearGlobalAveragePool),
 *                     MLAS's QLinearAdd fixed point, and the ops ONNX
 *                     Runtime leaves in float between Dequantize/Quantize
 *                     (next to a tensor read by two nodes) in float32.
 *                     Host only: the generated C code and the board keep
 *                     DOUBLE. */
typedef enum qe_rounding {
  QE_ROUND_DOUBLE = 0,
  QE_ROUND_HALF_UP = 1,
  QE_ROUND_ORT = 2,
} qe_rounding;

typedef enum qe_padding {
  QE_PAD_SAME = 0, /* TFLite's SAME: output = ceil(in / stride) */
  QE_PAD_VALID = 1,
} qe_padding;

typedef enum qe_activation {
  QE_ACT_NONE = 0,
  QE_ACT_RELU = 1,
  QE_ACT_RELU_N1_TO_1 = 2,
  QE_ACT_RELU6 = 3,
} qe_activation;

/* The options of every op, in one struct (fields not used by an op are
 * ignored). Defaults (qe_qop_options_init): strides and dilations 1,
 * depth_multiplier 1, beta 1, axis 0 (CONCATENATION, GATHER), keep_dims
 * false. */
typedef struct qe_qop_options {
  qe_padding padding;         /* CONV_2D, DEPTHWISE_CONV_2D, pools */
  int32_t stride_h, stride_w; /* CONV_2D, DEPTHWISE_CONV_2D, pools */
  int32_t dilation_h, dilation_w;
  int32_t depth_multiplier;   /* DEPTHWISE_CONV_2D */
  int32_t filter_h, filter_w; /* pools */
  qe_activation activation;   /* fused: conv, dw, FC, ADD, MUL, pools, CONCAT */
  int32_t axis;               /* CONCATENATION, GATHER (negative counts from the end) */
  float beta;                 /* SOFTMAX */
  bool keep_dims;             /* MEAN; FULLY_CONNECTED keep_num_dims */
  bool align_corners;         /* RESIZE_* */
  bool half_pixel_centers;    /* RESIZE_* */
  bool adj_x, adj_y;          /* BATCH_MATMUL */
  bool approximate;           /* GELU: the tanh form */
} qe_qop_options;

void qe_qop_options_init(qe_qop_options *o);

/* A tensor. Activations have data == NULL; constants own their bytes
 * (data_size bytes; int8/uint8/int16/int32/float32 little-endian as in
 * memory on the host). Quantization: n_quant entries of scale/zero_point;
 * 0 for unquantized (float, or int32 shape operands), 1 per-tensor, or
 * dims[quantized_dimension] per-channel. */
typedef struct qe_qtensor {
  char *name;
  qe_dtype type; /* QE_DT_I8, U8, I16, I32 or F32 (I64 only for constants) */
  int rank;
  int32_t dims[QE_QMAX_RANK];
  void *data;
  size_t data_size;
  size_t n_quant;
  float *scale;
  int32_t *zero_point;
  int quantized_dimension;
  /* 8 normally; 4 or 2 when a constant holds narrower weights in int8
   * containers (values within [-2^(bits-1), 2^(bits-1)-1]). On an int8
   * activation tensor (no data), 2..7 narrows the activation the same way:
   * the op producing it clamps its output to that range (conv, depthwise,
   * fully connected, ADD, MUL, pools, requantizing QUANTIZE, RELU/RELU6,
   * LOGISTIC/TANH tables); MEAN, SOFTMAX, HARD_SWISH and float QUANTIZE
   * cannot (prepare refuses). 0 or 8: full int8. A .tflite file cannot
   * carry this clamp. */
  int weight_bits;
} qe_qtensor;

typedef struct qe_qop {
  qe_qop_type type;
  int n_inputs;
  int *inputs; /* tensor indices, -1 for an omitted optional input */
  int output;  /* one output tensor */
  qe_qop_options opt;
  int version; /* TFLite op version; 0 = let the writer choose */
  char *name;  /* for messages and diagnostics (may be NULL) */
  /* QE_QOP_ONNX: a float graph of the one ONNX node (its constant inputs
   * as initializers; graph inputs = the op's inputs, one graph output =
   * the op's output), owned; NULL for every other op. */
  struct qe_graph *graph;
} qe_qop;

typedef struct qe_qmodel {
  qe_qtensor *tensors;
  size_t n_tensors, cap_tensors;
  qe_qop *ops; /* in execution order */
  size_t n_ops, cap_ops;
  int *inputs;
  size_t n_inputs;
  int *outputs;
  size_t n_outputs;
  char *description; /* the TFLite model description, or NULL */
  char **meta_keys;  /* metadata key/value strings (the writer stores them
                        as a JSON "quantizer_settings" metadata buffer) */
  char **meta_values;
  size_t n_meta;
  struct qe_qprep *prep; /* filled by qe_qmodel_prepare(); private */
  /* CONV_2D and FULLY_CONNECTED requantization: QE_ROUND_DOUBLE (default)
   * is TFLite's reference rounding, which TFLite Micro, CMSIS-NN and
   * TFLite's own depthwise kernel use; QE_ROUND_HALF_UP reproduces
   * TFLite's host CONV_2D / FULLY_CONNECTED (ruy's x86 kernels), off by
   * one LSB on rare ties; QE_ROUND_ORT computes every requantizing op as
   * ONNX Runtime runs the QDQ export (see qe_rounding). Read by the
   * executor at run time. */
  qe_rounding conv_rounding;
} qe_qmodel;

qe_status qe_qmodel_new(qe_qmodel **out, qe_ctx *ctx);
/* Frees everything including prepared data; accepts NULL. */
void qe_qmodel_free(qe_qmodel *m);

/* Add a tensor (name copied; @dims copied, rank <= QE_QMAX_RANK; @data of
 * @data_size bytes copied when not NULL; quantization copied when n_quant >
 * 0). *index receives its index. */
qe_status qe_qmodel_add_tensor(qe_qmodel *m, const char *name, qe_dtype type, int rank,
                               const int32_t *dims, const void *data, size_t data_size,
                               size_t n_quant, const float *scale, const int32_t *zero_point,
                               int quantized_dimension, int *index, qe_ctx *ctx);
/* Add an operator (inputs copied; @opt NULL for defaults). */
qe_status qe_qmodel_add_op(qe_qmodel *m, qe_qop_type type, int n_inputs, const int *inputs,
                           int output, const qe_qop_options *opt, const char *name, int *index,
                           qe_ctx *ctx);
/* Give op @op (a QE_QOP_ONNX) its graph; the model takes ownership of @g,
 * also on failure. */
qe_status qe_qmodel_set_op_graph(qe_qmodel *m, int op, struct qe_graph *g, qe_ctx *ctx);
qe_status qe_qmodel_add_input(qe_qmodel *m, int tensor, qe_ctx *ctx);
qe_status qe_qmodel_add_output(qe_qmodel *m, int tensor, qe_ctx *ctx);
qe_status qe_qmodel_set_description(qe_qmodel *m, const char *text, qe_ctx *ctx);
qe_status qe_qmodel_set_metadata(qe_qmodel *m, const char *key, const char *value, qe_ctx *ctx);

/* Element count of tensor @t (-1 on overflow) and bytes of one element. */
int64_t qe_qtensor_count(const qe_qtensor *t);
size_t qe_qtensor_elem_size(const qe_qtensor *t);

/* TFLite's QuantizeMultiplier: @real >= 0 as a Q0.31 multiplier and a
 * shift (real = m * 2^(shift-31)), from frexp; 1<<31 folded into shift+1,
 * shifts below -31 flushed to 0. Host side only (uses libm). */
void qe_quantize_multiplier(double real, int32_t *multiplier, int *shift);

/* Validate the model and compute everything the kernels need: multipliers
 * and shifts, lookup tables, activation clamps, padding, scratch sizes.
 * Errors name the op index, its type and the tensor at fault, e.g.
 * "op 3 (CONV_2D): input 1 'conv1/weights': per-channel scales count 16,
 * expected 32". Idempotent: a second call recomputes. */
qe_status qe_qmodel_prepare(qe_qmodel *m, qe_ctx *ctx);

/* Size in bytes of the largest scratch buffer any op needs (after
 * prepare). */
size_t qe_qmodel_scratch_size(const qe_qmodel *m);

/* Plan the activation arena of a prepared model (engine/plan, greedy by
 * size with 16-byte aligned offsets) as the executor and the C export use
 * it: graph inputs live from the first op, each op's output from its op to
 * its last reader, graph outputs to the end, and each op's scratch buffer
 * during its op. *tensor_offsets (n_tensors entries, -1 for constants) and
 * *scratch_offsets (n_ops entries, -1 when an op needs no scratch) are
 * malloc'ed; either may be NULL when not wanted. */
qe_status qe_qmodel_plan(const qe_qmodel *m, int64_t **tensor_offsets, int64_t **scratch_offsets,
                         size_t *arena_bytes, qe_ctx *ctx);

/* ---- host executor ---------------------------------------------------- */

typedef struct qe_qexec qe_qexec;

/* Called after each op ran with the op's index and its output tensor's
 * bytes (int8, float... as the tensor's type), valid during the call only.
 * Return non-zero to stop the run (QE_ERR_CANCELLED). */
typedef int (*qe_qobserver_fn)(void *user_data, const qe_qmodel *m, int op, int tensor,
                               const void *data, size_t size);

/* Prepare (if not yet), plan the activation arena (engine/plan: greedy by
 * size, as TFLite Micro) and allocate it. The model must outlive the
 * executor and stay unchanged. */
qe_status qe_qexec_new(qe_qmodel *m, qe_qexec **out, qe_ctx *ctx);
void qe_qexec_free(qe_qexec *e);
void qe_qexec_set_observer(qe_qexec *e, qe_qobserver_fn fn, void *user_data);

/* The buffer of graph input / output @i inside the arena (tensor type and
 * shape as in the model), NULL when out of range. */
void *qe_qexec_input(qe_qexec *e, size_t i);
const void *qe_qexec_output(const qe_qexec *e, size_t i);
/* The bytes of any tensor after a run (constants and activations whose
 * arena space was not reused yet; use the observer for intermediates). */
const void *qe_qexec_tensor(const qe_qexec *e, int tensor);

/* Run once on the inputs already written with qe_qexec_input(). */
qe_status qe_qexec_run(qe_qexec *e, qe_ctx *ctx);

/* Planned arena bytes (activations only, 16-byte aligned offsets) and the
 * offset of each non-constant tensor in it (-1 for constants / unused). */
size_t qe_qexec_arena_size(const qe_qexec *e);
int64_t qe_qexec_tensor_offset(const qe_qexec *e, int tensor);

/* Convenience: copy qe_arrays in (converted to each input's type: float
 * arrays are quantized with the input's scale for int8/uint8 inputs), run,
 * and return one qe_array per output in its own type (*outputs malloc'ed;
 * free each with qe_array_free() and the vector with free()). */
qe_status qe_qexec_run_arrays(qe_qexec *e, size_t n_inputs, const qe_array *const *inputs,
                              qe_array ***outputs, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_QMODEL_H */
