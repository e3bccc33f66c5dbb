/* qe_graph_internal.h - the op registry and helpers shared by the graph
 * area's sources (shape inference, kernels, runtime, passes). Not installed;
 * other engine areas (quant, tflite) may include it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One registry entry per op: a shape/type inference function, a float
 * reference execute function and a MAC count function. Inference works on
 * qe_vinfo (dtype, shape with -1 for unknown dims, and the value when it is
 * known: constants statically, every input at run time), so the same code
 * serves static shape inference, constant folding and the runtime, which
 * re-infers each node on the actual arrays (that is how a symbolic batch is
 * bound). A fast path (SIMD) can later sit beside an entry's reference
 * execute function without changing callers.
 */
#ifndef QE_GRAPH_INTERNAL_H
#define QE_GRAPH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe/qe_graph.h"
#include "qe/qe_tensor.h"
#include "qe_internal.h"

/* The latest default-domain opset the engine implements. */
#define QE_OPSET_MAX 17
#define QE_OPSET_MIN 7
/* Largest single dimension shape inference accepts (2^31). */
#define QE_MAX_DIM ((int64_t)1 << 31)

typedef struct qe_vinfo {
  bool present;   /* false for an omitted optional input */
  qe_dtype dtype; /* UNDEFINED when unknown */
  int rank;       /* -1 when unknown */
  int64_t dims[QE_MAX_RANK];
  const qe_array *value; /* known value, or NULL */
} qe_vinfo;

typedef struct qe_infer_args {
  const qe_node *node;
  int64_t opset; /* the node's opset (QE_OPSET_MAX when 0) */
  int n_in;
  const qe_vinfo *in;
  int n_out;
  qe_vinfo *out; /* zeroed by the caller; fill dtype, rank, dims */
  qe_ctx *ctx;
} qe_infer_args;

typedef struct qe_scratch {
  void *p;
  size_t cap;
} qe_scratch;

typedef struct qe_exec_args {
  const qe_node *node;
  int64_t opset;
  int n_in;
  const qe_array *const *in; /* NULL entries for omitted inputs */
  int n_out;
  qe_array *const *out; /* allocated with the inferred dtype and shape */
  qe_scratch *scratch;
  qe_ctx *ctx;
} qe_exec_args;

typedef qe_status (*qe_infer_fn)(const qe_infer_args *a);
typedef qe_status (*qe_exec_fn)(const qe_exec_args *a);
/* MACs of the node for the given (inferred) shapes; dims may be -1. */
typedef int64_t (*qe_macs_fn)(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                              int n_out);

typedef struct qe_op_def {
  qe_op op;
  qe_infer_fn infer;
  qe_exec_fn exec;
  qe_macs_fn macs; /* NULL: no multiply-accumulates worth counting */
  int min_inputs, max_inputs;
  int min_outputs, max_outputs;
} qe_op_def;

/* The registry entry of @op, NULL when the engine has none. */
const qe_op_def *qe_op_get(qe_op op);

/* Per-family tables (one file per family, engine/graph/ops_*.c). */
extern const qe_op_def qe_ops_conv[];
extern const size_t qe_ops_conv_count;
extern const qe_op_def qe_ops_elementwise[];
extern const size_t qe_ops_elementwise_count;
extern const qe_op_def qe_ops_norm[];
extern const size_t qe_ops_norm_count;
extern const qe_op_def qe_ops_pool[];
extern const size_t qe_ops_pool_count;
extern const qe_op_def qe_ops_reduce[];
extern const size_t qe_ops_reduce_count;
extern const qe_op_def qe_ops_shape[];
extern const size_t qe_ops_shape_count;
extern const qe_op_def qe_ops_resize[];
extern const size_t qe_ops_resize_count;
extern const qe_op_def qe_ops_quant[];
extern const size_t qe_ops_quant_count;
extern const qe_op_def qe_ops_index[];
extern const size_t qe_ops_index_count;
extern const qe_op_def qe_ops_rnn[];
extern const size_t qe_ops_rnn_count;

/* Run inference of one node (checks input/output counts, then the op's
 * function); the message names the node. */
qe_status qe_node_infer(const qe_node *n, const qe_vinfo *in, qe_vinfo *out, qe_ctx *ctx);
/* Node-level support check: op known, domain default, opset in range. */
bool qe_node_supported(const qe_node *n, const char **why);

/* ---- helpers for op implementations ----------------------------------- */

/* Set a QE_ERR_SHAPE (or @st) error prefixed with "node 'name' (Op): ". */
qe_status qe_op_error(const qe_node *n, qe_ctx *ctx, qe_status st, const char *fmt, ...)
    QE_PRINTF(4, 5);

/* Scratch memory for one call (reused across calls). */
void *qe_scratch_get(const qe_exec_args *a, size_t bytes);

/* Row-major strides (in elements) of the first @rank @dims into @st. */
static inline void qe_row_strides(const int64_t *dims, int rank, int64_t *st)
{
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    st[i] = s;
    s *= dims[i];
  }
}

/* Steps the row-major multi-index @idx over the first @rank @dims (the
 * last dim fastest; back to all zeros after the last element). */
static inline void qe_index_next(int64_t *idx, const int64_t *dims, int rank)
{
  for (int i = rank - 1; i >= 0; i--) {
    if (++idx[i] < dims[i])
      break;
    idx[i] = 0;
  }
}

/* GatherElements / ScatterElements: for each element @e of the indices @I
 * (as many dims as @X, none larger), the offset in @X of the element it
 * selects along @axis goes to @fn(e, offset, user). An error naming @n
 * when an index is out of range or the indices are larger than the data
 * (elements before it were visited). */
qe_status qe_elements_walk(const qe_node *n, qe_ctx *ctx, const qe_array *X, const qe_array *I,
                           int axis, void (*fn)(int64_t e, int64_t off, void *user), void *user);

/* Normalise @axis (may be negative) into [0, rank); false when out of range. */
bool qe_norm_axis(int64_t axis, int rank, int *out);
/* Numpy broadcasting of two shapes (-1 = unknown); false when incompatible. */
bool qe_broadcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout,
                        int64_t *dout);
/* Values of an int32/int64 (or float, truncated) array; at most @max. */
bool qe_array_get_ints(const qe_array *a, int64_t *out, size_t max, size_t *n);
/* Element @i of a numeric array as double / as int64. */
double qe_array_get_f64(const qe_array *a, size_t i);
int64_t qe_array_get_i64(const qe_array *a, size_t i);
/* Store @v into element @i with the array's dtype (saturating casts as C
 * conversion would, NaN->0 for ints). */
void qe_array_set_f64(qe_array *a, size_t i, double v);
void qe_array_set_i64(qe_array *a, size_t i, int64_t v);
qe_status qe_array_clone(const qe_array *a, qe_array **out, qe_ctx *ctx);
/* Product of dims[from..to); -1 when a dim is unknown or the product
 * exceeds 2^62. */
int64_t qe_dims_prod(const int64_t *dims, int from, int to);
/* out = in (shape of @in) when all dims known. */
void qe_vinfo_set(qe_vinfo *v, qe_dtype dt, int rank, const int64_t *dims);
/* Fill a vinfo from an array (value attached). */
void qe_vinfo_from_array(qe_vinfo *v, const qe_array *a);
/* True when all dims of @v are known. */
bool qe_vinfo_known(const qe_vinfo *v);

/* Tensor/node internals shared with readers and passes. */
void qe_attr_clear(qe_attr *a);
void qe_tensor_clear(qe_tensor *t);
void qe_node_clear(qe_node *n);
int *qe_graph_producers(const qe_graph *g, qe_ctx *ctx);

/* Make a node with one input @in and one output @out that leaves the values
 * as they are disappear: readers of @out read @in. When @out is a graph
 * output, @in's producer writes @out instead (and @in's other readers read
 * @out). False when that cannot be done (@in is a graph input or output, or
 * a constant). The caller removes the node. */
bool qe_graph_bypass(qe_graph *g, int in, int out);
/* A topological order of the nodes (malloc'ed n_nodes indices). */
qe_status qe_graph_order(const qe_graph *g, int **order, qe_ctx *ctx);

/* Evaluate one node on known arrays into newly allocated outputs (used by
 * constant folding). outs[i] NULL for omitted outputs. */
qe_status qe_node_eval(const qe_node *n, const qe_array *const *in, qe_array **outs,
                       qe_scratch *scratch, qe_ctx *ctx);

/* Generic float GEMM: C[M,N] (ldc) = alpha * op(A)[M,K] * op(B)[K,N] +
 * beta * C. Blocked for cache; the reference every fast path is checked
 * against. */
void qe_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
              int64_t ldc);

/* Shape inference over the graph with small-value propagation. With
 * @write_shapes the tensors' dtype/shape are updated; @values (may be NULL)
 * receives n_tensors computed values (NULL where unknown) to free. */
qe_status qe_graph_propagate(qe_graph *g, bool write_shapes, qe_array ***values, qe_ctx *ctx);

/* Geometry of a convolution or pooling window over up to 3 spatial dims. */
typedef struct qe_conv_geom {
  int nsp; /* spatial dims (1..3) */
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
} qe_conv_geom;
/* From the node's kernel_shape (or @kernel when given), strides, dilations,
 * pads and auto_pad; @in_sp may hold -1 (out then -1). */
qe_status qe_conv_geometry(const qe_node *n, qe_ctx *ctx, int nsp, const int64_t *in_sp,
                           const int64_t *kernel, bool ceil_mode, qe_conv_geom *g);

/* ONNX TensorProto.DataType <-> qe_dtype (UNDEFINED / 0 when unknown). */
qe_dtype qe_dtype_from_onnx(int64_t onnx_type);
int qe_dtype_to_onnx(qe_dtype t);
/* Numpy-broadcast copy of @src into @y (same dtype, y's shape). */
void qe_broadcast_copy(const qe_array *src, qe_array *y);

/* Apply a fused activation to @n floats in place. */
void qe_apply_fused_act(const qe_node *node, float *x, size_t n);

#endif /* QE_GRAPH_INTERNAL_H */
