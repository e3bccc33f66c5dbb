/* qe_graph.h - the engine's graph IR: tensors, nodes, attributes, shape
 * inference, passes and model statistics.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A qe_graph is what every reader builds (ONNX, TFLite) and every later
 * stage consumes (quantizer, runtime, code generator, writers). It is an
 * open structure: callers may read every field directly, and change it
 * through the functions below, which keep the arrays consistent.
 *
 * Tensors and nodes are referred to by index (int). Adding a tensor or a
 * node may move the arrays, so never keep a qe_tensor* or qe_node* across an
 * add; keep the index. Removing nodes keeps tensor indices; qe_graph_compact()
 * renumbers tensors (it returns the old->new map).
 *
 * Shapes: rank -1 means unknown rank. A dimension is >= 0 when known; -1
 * when symbolic or unknown, with its name (ONNX dim_param, e.g. "N" or
 * "batch_size") in dim_params[i] when it had one. The runtime binds the
 * symbolic dimensions from the arrays given at run time.
 *
 * Ops: one enum (ending in QE_OP_COUNT) with a name table checked by a
 * static_assert; an op the engine does not know is QE_OP_UNKNOWN and keeps
 * its op_type and domain strings, so a model with unknown ops can still be
 * displayed (qz info) and its unsupported nodes listed in one message.
 * Every op keeps its state in its inputs and attributes (no hidden state):
 * weights are constant tensors, never copied into a kernel.
 */
#ifndef QE_GRAPH_H
#define QE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list of ops: (enum suffix, ONNX op_type). Add new ops at the end
 * of a family; the enum and the name table are generated from this list. */
#define QE_OP_LIST(X)                                         \
  X(UNKNOWN, "")                                              \
  /* linear algebra and convolution */                        \
  X(CONV, "Conv")                                             \
  X(CONV_TRANSPOSE, "ConvTranspose")                          \
  X(GEMM, "Gemm")                                             \
  X(MATMUL, "MatMul")                                         \
  /* elementwise binary */                                    \
  X(ADD, "Add")                                               \
  X(SUB, "Sub")                                               \
  X(MUL, "Mul")                                               \
  X(DIV, "Div")                                               \
  X(POW, "Pow")                                               \
  X(MIN, "Min")                                               \
  X(MAX, "Max")                                               \
  X(SUM, "Sum")                                               \
  X(MEAN, "Mean")                                             \
  X(EQUAL, "Equal")                                           \
  X(GREATER, "Greater")                                       \
  X(LESS, "Less")                                             \
  X(GREATER_OR_EQUAL, "GreaterOrEqual")                       \
  X(LESS_OR_EQUAL, "LessOrEqual")                             \
  X(AND, "And")                                               \
  X(OR, "Or")                                                 \
  X(XOR, "Xor")                                               \
  X(MOD, "Mod")                                               \
  X(PRELU, "PRelu")                                           \
  X(WHERE, "Where")                                           \
  /* elementwise unary and activations */                     \
  X(ABS, "Abs")                                               \
  X(NEG, "Neg")                                               \
  X(EXP, "Exp")                                               \
  X(LOG, "Log")                                               \
  X(SQRT, "Sqrt")                                             \
  X(RECIPROCAL, "Reciprocal")                                 \
  X(FLOOR, "Floor")                                           \
  X(CEIL, "Ceil")                                             \
  X(ROUND, "Round")                                           \
  X(SIGN, "Sign")                                             \
  X(NOT, "Not")                                               \
  X(ERF, "Erf")                                               \
  X(SIN, "Sin")                                               \
  X(COS, "Cos")                                               \
  X(TAN, "Tan")                                               \
  X(ATAN, "Atan")                                             \
  X(ASIN, "Asin")                                             \
  X(ACOS, "Acos")                                             \
  X(SINH, "Sinh")                                             \
  X(COSH, "Cosh")                                             \
  X(ASINH, "Asinh")                                           \
  X(ACOSH, "Acosh")                                           \
  X(ATANH, "Atanh")                                           \
  X(IS_NAN, "IsNaN")                                          \
  X(IS_INF, "IsInf")                                          \
  X(RELU, "Relu")                                             \
  X(LEAKY_RELU, "LeakyRelu")                                  \
  X(ELU, "Elu")                                               \
  X(SELU, "Selu")                                             \
  X(CELU, "Celu")                                             \
  X(SIGMOID, "Sigmoid")                                       \
  X(HARD_SIGMOID, "HardSigmoid")                              \
  X(HARD_SWISH, "HardSwish")                                  \
  X(TANH, "Tanh")                                             \
  X(SOFTPLUS, "Softplus")                                     \
  X(SOFTSIGN, "Softsign")                                     \
  X(THRESHOLDED_RELU, "ThresholdedRelu")                      \
  X(SHRINK, "Shrink")                                         \
  X(CLIP, "Clip")                                             \
  X(IDENTITY, "Identity")                                     \
  X(DROPOUT, "Dropout")                                       \
  X(CAST, "Cast")                                             \
  X(CAST_LIKE, "CastLike")                                    \
  /* normalization and softmax */                             \
  X(SOFTMAX, "Softmax")                                       \
  X(LOG_SOFTMAX, "LogSoftmax")                                \
  X(BATCH_NORM, "BatchNormalization")                         \
  X(INSTANCE_NORM, "InstanceNormalization")                   \
  X(LAYER_NORM, "LayerNormalization")                         \
  X(LRN, "LRN")                                               \
  X(HARDMAX, "Hardmax")                                       \
  /* pooling */                                               \
  X(MAX_POOL, "MaxPool")                                      \
  X(AVERAGE_POOL, "AveragePool")                              \
  X(GLOBAL_AVERAGE_POOL, "GlobalAveragePool")                 \
  X(GLOBAL_MAX_POOL, "GlobalMaxPool")                         \
  /* reductions */                                            \
  X(REDUCE_MEAN, "ReduceMean")                                \
  X(REDUCE_MAX, "ReduceMax")                                  \
  X(REDUCE_MIN, "ReduceMin")                                  \
  X(REDUCE_SUM, "ReduceSum")                                  \
  X(REDUCE_PROD, "ReduceProd")                                \
  X(REDUCE_L2, "ReduceL2")                                    \
  X(REDUCE_L1, "ReduceL1")                                    \
  X(REDUCE_SUM_SQUARE, "ReduceSumSquare")                     \
  X(REDUCE_LOG_SUM, "ReduceLogSum")                           \
  X(REDUCE_LOG_SUM_EXP, "ReduceLogSumExp")                    \
  X(ARG_MAX, "ArgMax")                                        \
  X(ARG_MIN, "ArgMin")                                        \
  /* shape and data movement */                               \
  X(FLATTEN, "Flatten")                                       \
  X(RESHAPE, "Reshape")                                       \
  X(TRANSPOSE, "Transpose")                                   \
  X(SQUEEZE, "Squeeze")                                       \
  X(UNSQUEEZE, "Unsqueeze")                                   \
  X(CONCAT, "Concat")                                         \
  X(SPLIT, "Split")                                           \
  X(SLICE, "Slice")                                           \
  X(GATHER, "Gather")                                         \
  X(PAD, "Pad")                                               \
  X(EXPAND, "Expand")                                         \
  X(TILE, "Tile")                                             \
  X(SHAPE, "Shape")                                           \
  X(SIZE, "Size")                                             \
  X(CONSTANT, "Constant")                                     \
  X(CONSTANT_OF_SHAPE, "ConstantOfShape")                     \
  X(RANGE, "Range")                                           \
  X(RESIZE, "Resize")                                         \
  X(UPSAMPLE, "Upsample")                                     \
  X(DEPTH_TO_SPACE, "DepthToSpace")                           \
  X(SPACE_TO_DEPTH, "SpaceToDepth")                           \
  X(GATHER_ELEMENTS, "GatherElements")                        \
  X(TRILU, "Trilu")                                           \
  X(CUM_SUM, "CumSum")                                        \
  X(TOP_K, "TopK")                                            \
  X(EYE_LIKE, "EyeLike")                                      \
  X(ONE_HOT, "OneHot")                                        \
  X(SCATTER_ELEMENTS, "ScatterElements")                      \
  X(SCATTER, "Scatter")                                       \
  X(GATHER_ND, "GatherND")                                    \
  X(SCATTER_ND, "ScatterND")                                  \
  /* recurrent */                                             \
  X(RNN, "RNN")                                               \
  X(GRU, "GRU")                                               \
  X(LSTM, "LSTM")                                             \
  /* more */                                                  \
  X(BIT_SHIFT, "BitShift")                                    \
  X(NON_ZERO, "NonZero")                                      \
  X(COMPRESS, "Compress")                                     \
  X(DYNAMIC_QUANTIZE_LINEAR, "DynamicQuantizeLinear")         \
  X(MEAN_VARIANCE_NORMALIZATION, "MeanVarianceNormalization") \
  X(EINSUM, "Einsum")                                         \
  X(NON_MAX_SUPPRESSION, "NonMaxSuppression")                 \
  X(HANN_WINDOW, "HannWindow")                                \
  X(HAMMING_WINDOW, "HammingWindow")                          \
  X(BLACKMAN_WINDOW, "BlackmanWindow")                        \
  X(REVERSE_SEQUENCE, "ReverseSequence")                      \
  X(DET, "Det")                                               \
  X(GRID_SAMPLE, "GridSample")                                \
  X(UNIQUE, "Unique")                                         \
  /* quantization */                                          \
  X(QUANTIZE_LINEAR, "QuantizeLinear")                        \
  X(DEQUANTIZE_LINEAR, "DequantizeLinear")                    \
  X(CONV_INTEGER, "ConvInteger")                              \
  X(MAT_MUL_INTEGER, "MatMulInteger")                         \
  X(QLINEAR_CONV, "QLinearConv")                              \
  X(QLINEAR_MAT_MUL, "QLinearMatMul")

#define QE_OP_ENUM_(e, s) QE_OP_##e,
typedef enum qe_op { QE_OP_LIST(QE_OP_ENUM_) QE_OP_COUNT } qe_op;
#undef QE_OP_ENUM_

/* The ONNX op_type of @op ("" for QE_OP_UNKNOWN, "?" out of range). */
const char *qe_op_name(qe_op op);
/* The op for an ONNX op_type of the default domain, QE_OP_UNKNOWN if none. */
qe_op qe_op_from_name(const char *op_type);
/* True when the engine can infer shapes for and run @op in float. */
bool qe_op_supported(qe_op op);

/* ---- attributes ------------------------------------------------------- */

typedef enum qe_attr_type {
  QE_ATTR_UNDEFINED = 0,
  QE_ATTR_INT,
  QE_ATTR_FLOAT,
  QE_ATTR_STRING,
  QE_ATTR_INTS,
  QE_ATTR_FLOATS,
  QE_ATTR_STRINGS,
  QE_ATTR_TENSOR,
  QE_ATTR_GRAPH, /* a sub-graph (If, Loop): kept as a marker only, not run */
  QE_ATTR_COUNT
} qe_attr_type;

typedef struct qe_attr {
  char *name;
  qe_attr_type type;
  int64_t i;      /* INT */
  float f;        /* FLOAT */
  char *s;        /* STRING (NUL-terminated; s_len bytes, may hold NULs) */
  size_t s_len;   /* STRING */
  size_t n;       /* count of ints / floats / strings */
  int64_t *ints;  /* INTS */
  float *floats;  /* FLOATS */
  char **strings; /* STRINGS */
  qe_array *t;    /* TENSOR */
} qe_attr;

/* ---- tensors ---------------------------------------------------------- */

/* Quantization parameters of a tensor (as a TFLite tensor or an ONNX QDQ
 * pair describes it): real = scale * (q - zero_point). Per-tensor when
 * per_axis is false (count 1), else one scale and zero point per index of
 * dimension @axis (count = dims[axis]). */
typedef struct qe_quant {
  bool per_axis;
  int axis;
  size_t count;
  float *scale;
  int32_t *zero_point;
  int bits;       /* 8, 4, 2, 16 or 32 */
  qe_dtype dtype; /* storage type: I8, U8, I32, I4, ... */
} qe_quant;

typedef enum qe_tensor_flags {
  QE_TENSOR_INPUT = 1 << 0,  /* a graph input */
  QE_TENSOR_OUTPUT = 1 << 1, /* a graph output */
  QE_TENSOR_CONST = 1 << 2,  /* constant data (initializer or folded) */
} qe_tensor_flags;

typedef struct qe_tensor {
  char *name;
  qe_dtype dtype;                /* QE_DT_UNDEFINED until inferred */
  int rank;                      /* -1: unknown */
  int64_t dims[QE_MAX_RANK];     /* -1: symbolic or unknown */
  char *dim_params[QE_MAX_RANK]; /* names of symbolic dims, or NULL */
  qe_array *data;                /* constant data (owned), or NULL */
  qe_quant *quant;               /* optional (owned), or NULL */
  char *doc;                     /* doc string, or NULL */
  unsigned flags;                /* qe_tensor_flags */
} qe_tensor;

/* ---- nodes ------------------------------------------------------------ */

typedef struct qe_node {
  char *name; /* never NULL after a reader ("" if the file had none) */
  qe_op op;
  char *op_type; /* as in the file ("Conv", "FusedConv", ...) */
  char *domain;  /* "" for the default ONNX domain */
  int64_t opset; /* opset version of @domain the node follows; 0 = latest */
  int n_inputs;
  int *inputs; /* tensor indices; -1 for an omitted optional input */
  int n_outputs;
  int *outputs; /* tensor indices; -1 for an omitted optional output */
  size_t n_attrs;
  qe_attr *attrs;
  char *doc;
  /* Activation fused into this node by qe_pass_fuse_activations(): applied
   * to every output element after the op itself. QE_OP_UNKNOWN when none.
   * Supported: RELU, CLIP (act_min/act_max), LEAKY_RELU (act_alpha),
   * SIGMOID, HARD_SIGMOID (act_alpha, act_beta), HARD_SWISH, TANH.
   * Writers emit it as a separate node again. */
  qe_op fused_act;
  float act_alpha, act_beta, act_min, act_max;
} qe_node;

/* ---- the graph -------------------------------------------------------- */

typedef struct qe_opset_import {
  char *domain; /* "" for the default domain */
  int64_t version;
} qe_opset_import;

typedef struct qe_prop {
  char *key;
  char *value;
} qe_prop;

typedef struct qe_graph {
  qe_tensor *tensors;
  size_t n_tensors, cap_tensors;
  qe_node *nodes;
  size_t n_nodes, cap_nodes;
  int *inputs; /* graph inputs (never constant tensors) */
  size_t n_inputs;
  int *outputs; /* graph outputs */
  size_t n_outputs;

  qe_opset_import *opsets;
  size_t n_opsets;
  int64_t ir_version;
  char *producer_name;
  char *producer_version;
  char *domain;
  int64_t model_version;
  char *doc;       /* model doc string */
  char *name;      /* graph name */
  char *graph_doc; /* graph doc string */
  qe_prop *metadata;
  size_t n_metadata;
  char *source_path;   /* the file it was read from, or NULL */
  char *source_format; /* "onnx", "tflite", ... or NULL */
} qe_graph;

qe_status qe_graph_new(qe_graph **out, qe_ctx *ctx);
void qe_graph_free(qe_graph *g);
/* A deep copy. */
qe_status qe_graph_clone(const qe_graph *g, qe_graph **out, qe_ctx *ctx);

/* The version of the opset imported for @domain ("" or "ai.onnx" for the
 * default one), 0 when not imported. */
int64_t qe_graph_opset(const qe_graph *g, const char *domain);
qe_status qe_graph_set_opset(qe_graph *g, const char *domain, int64_t version, qe_ctx *ctx);
qe_status qe_graph_set_metadata(qe_graph *g, const char *key, const char *value, qe_ctx *ctx);

/* Tensors. Names must be unique (QE_ERR_INVALID otherwise); dims may be
 * NULL when rank <= 0. */
int qe_graph_find_tensor(const qe_graph *g, const char *name);
qe_status qe_graph_add_tensor(qe_graph *g, const char *name, qe_dtype dtype, int rank,
                              const int64_t *dims, int *index, qe_ctx *ctx);
/* A constant tensor holding a copy of @data (dtype and shape taken from it). */
qe_status qe_graph_add_initializer(qe_graph *g, const char *name, const qe_array *data, int *index,
                                   qe_ctx *ctx);
/* The same, taking ownership of @data (freed on failure too). */
qe_status qe_graph_add_initializer_owned(qe_graph *g, const char *name, qe_array *data, int *index,
                                         qe_ctx *ctx);
/* A name not used yet, made from @base ("conv1_quant", "conv1_quant_1"...);
 * malloc'ed, NULL when memory ran out. */
char *qe_graph_unique_name(const qe_graph *g, const char *base);
/* Replace a tensor's constant data (takes ownership; NULL makes it
 * non-constant). Updates dtype, rank and dims. */
void qe_graph_set_tensor_data(qe_graph *g, int tensor, qe_array *data);
/* Symbolic dimension name (copied; NULL clears). */
qe_status qe_graph_set_dim_param(qe_graph *g, int tensor, int axis, const char *param, qe_ctx *ctx);
/* Set quantization parameters (copied). @count is 1 when !per_axis. */
qe_status qe_graph_set_quant(qe_graph *g, int tensor, bool per_axis, int axis, size_t count,
                             const float *scale, const int32_t *zero_point, int bits,
                             qe_dtype dtype, qe_ctx *ctx);
qe_status qe_graph_add_input(qe_graph *g, int tensor, qe_ctx *ctx);
qe_status qe_graph_add_output(qe_graph *g, int tensor, qe_ctx *ctx);

/* Nodes. The node gets QE_OP @op, op_type qe_op_name(op), domain "" and the
 * given tensor indices (-1 allowed for omitted optional ones). */
qe_status qe_graph_add_node(qe_graph *g, qe_op op, const char *name, int n_inputs,
                            const int *inputs, int n_outputs, const int *outputs, int *index,
                            qe_ctx *ctx);
/* The same for any op_type/domain (op looked up when domain is default). */
qe_status qe_graph_add_node_typed(qe_graph *g, const char *op_type, const char *domain,
                                  const char *name, int n_inputs, const int *inputs, int n_outputs,
                                  const int *outputs, int *index, qe_ctx *ctx);
/* Attributes (replacing one of the same name). */
qe_status qe_node_set_int(qe_node *n, const char *name, int64_t v, qe_ctx *ctx);
qe_status qe_node_set_float(qe_node *n, const char *name, float v, qe_ctx *ctx);
qe_status qe_node_set_string(qe_node *n, const char *name, const char *v, qe_ctx *ctx);
qe_status qe_node_set_ints(qe_node *n, const char *name, size_t count, const int64_t *v,
                           qe_ctx *ctx);
qe_status qe_node_set_floats(qe_node *n, const char *name, size_t count, const float *v,
                             qe_ctx *ctx);
/* Copies @t. */
qe_status qe_node_set_tensor(qe_node *n, const char *name, const qe_array *t, qe_ctx *ctx);
/* Lookup; NULL when absent. */
const qe_attr *qe_node_attr(const qe_node *n, const char *name);
int64_t qe_node_int(const qe_node *n, const char *name, int64_t def);
float qe_node_float(const qe_node *n, const char *name, float def);
const char *qe_node_string(const qe_node *n, const char *name, const char *def);
/* Ints attribute: count in *count, NULL when absent. */
const int64_t *qe_node_ints(const qe_node *n, const char *name, size_t *count);
const float *qe_node_floats(const qe_node *n, const char *name, size_t *count);
/* Input @i's tensor index, -1 when absent or omitted. */
int qe_node_input(const qe_node *n, int i);
int qe_node_output(const qe_node *n, int i);

/* Edit. */
/* Remove the nodes whose flag is set in @remove (n_nodes flags). Tensors
 * stay (call qe_graph_compact() to drop those no longer used). */
qe_status qe_graph_remove_nodes(qe_graph *g, const bool *remove, qe_ctx *ctx);
/* Every use of tensor @from as a node input or graph output becomes @to. */
void qe_graph_replace_uses(qe_graph *g, int from, int to);
/* The same for the inputs of nodes other than @except_node (-1: all). */
void qe_graph_replace_uses_except(qe_graph *g, int from, int to, int except_node);
/* Drop tensors no node, input or output refers to; if @map is not NULL it
 * receives a malloc'ed old->new index map (-1 for dropped) of the old
 * n_tensors entries. */
qe_status qe_graph_compact(qe_graph *g, int **map, qe_ctx *ctx);
/* Order the nodes so every node comes after the producers of its inputs
 * (stable: keeps the existing order where it is already valid).
 * QE_ERR_INVALID naming a node on a cycle, or an input nobody produces. */
qe_status qe_graph_toposort(qe_graph *g, qe_ctx *ctx);
/* The node producing @tensor, -1 for inputs, constants and unknowns. */
int qe_graph_producer(const qe_graph *g, int tensor);
/* Whether @tensor is one of the graph's outputs / inputs. */
bool qe_graph_is_output(const qe_graph *g, int tensor);
bool qe_graph_is_input(const qe_graph *g, int tensor);
/* Number of node inputs (and graph outputs, each counted once) using @tensor. */
size_t qe_graph_use_count(const qe_graph *g, int tensor);

/* Checks. */
/* Structural validity: indices in range, each tensor produced once, no
 * cycle, inputs defined. QE_ERR_INVALID with the first culprit. */
qe_status qe_graph_validate(const qe_graph *g, qe_ctx *ctx);
/* QE_ERR_UNSUPPORTED when nodes use ops, domains, attribute values or types
 * the engine cannot run; the message lists every such node once
 * ("3 unsupported nodes: 'n1' (com.microsoft.FusedConv), 'n7' (NonZero)"). */
qe_status qe_graph_check_supported(const qe_graph *g, qe_ctx *ctx);

/* Shape and type inference over the whole graph (symbolic dims stay -1).
 * Fills dtype/rank/dims of every non-input tensor; QE_ERR_SHAPE naming the
 * node when shapes do not fit. Constant inputs are used where an op needs
 * values (Reshape's shape, Slice's starts...). */
qe_status qe_graph_infer_shapes(qe_graph *g, qe_ctx *ctx);

/* ---- passes (each keeps the outputs numerically the same) ------------- */

/* Evaluate nodes whose inputs are all constant (Shape of a static shape
 * too) and turn their outputs into constants: folds the Shape / Gather /
 * Concat / Unsqueeze chains exporters emit. *changed (may be NULL) counts
 * the folded nodes. */
qe_status qe_pass_fold_constants(qe_graph *g, size_t *changed, qe_ctx *ctx);
/* Drop Identity and inference-mode Dropout nodes. */
qe_status qe_pass_remove_identity(qe_graph *g, size_t *changed, qe_ctx *ctx);
/* Fold BatchNormalization into a preceding Conv / ConvTranspose / Gemm
 * whose output is used only by it and whose weights are constant. */
qe_status qe_pass_fold_batchnorm(qe_graph *g, size_t *changed, qe_ctx *ctx);
/* Fuse Relu, Clip (constant bounds), LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish and Tanh into a preceding Conv, ConvTranspose, Gemm, MatMul,
 * Add... (qe_node.fused_act). */
qe_status qe_pass_fuse_activations(qe_graph *g, size_t *changed, qe_ctx *ctx);
/* Transpose optimization for graphs converted from NHWC frameworks: push
 * Transposes down through layout-free ops (elementwise ops, constant
 * operands permuted) and layout-permutable ones (Concat, Split, Pad, Slice,
 * reductions, ArgMax, Softmax of opset 13: axes remapped), compose and
 * cancel the pairs that meet, drop duplicates and the Transposes before a
 * Reshape that do not move data. Never leaves more Transposes than it
 * found; *changed counts those removed. Values stay the same (reductions
 * over several axes may round differently). See qe_pass_transpose.c. */
qe_status qe_pass_cancel_transposes(qe_graph *g, size_t *changed, qe_ctx *ctx);
/* The standard pipeline before running or quantizing: fold constants,
 * remove identities, fold BN, cancel transposes, infer shapes. Fusing
 * activations is left to the caller (the quantizer wants them separate or
 * fused depending on the target). */
qe_status qe_graph_optimize(qe_graph *g, qe_ctx *ctx);

/* ---- statistics (qz info, the model card) ----------------------------- */

typedef struct qe_op_count {
  char *op_type; /* "Conv", or "com.microsoft.FusedConv" for other domains */
  size_t count;
  bool supported;
} qe_op_count;

typedef struct qe_model_stats {
  int64_t params;       /* elements of constant tensors used by nodes */
  int64_t param_bytes;  /* their bytes as stored */
  int64_t macs;         /* multiply-accumulates per sample, batch 1 */
  int64_t *node_macs;   /* per node (n_nodes entries), 0 when not counted */
  int64_t *node_params; /* per node: elements of constant inputs */
  size_t n_nodes;
  qe_op_count *ops; /* op histogram, in order of first appearance */
  size_t n_ops;
  size_t n_unsupported; /* nodes the engine cannot run */
  char *unsupported;    /* qe_graph_check_supported()'s message or NULL */
  bool shapes_known;    /* false when shape inference failed (MACs partial) */
} qe_model_stats;

/* Statistics with symbolic dims bound to 1. Never fails on unsupported ops
 * (they are listed); fails only when memory runs out. */
qe_status qe_graph_stats(const qe_graph *g, qe_model_stats **out, qe_ctx *ctx);
void qe_model_stats_free(qe_model_stats *s);

#ifdef __cplusplus
}
#endif
#endif /* QE_GRAPH_H */
