/* qe_tensor.h - element types and plain dense arrays, shared by every area
 * of the engine (graph IR, data sets, .npy files, kernels' callers).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_TENSOR_H
#define QE_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element types. The values are the engine's own; readers map ONNX
 * TensorProto.DataType and TFLite TensorType onto them. */
typedef enum qe_dtype {
  QE_DT_UNDEFINED = 0,
  QE_DT_F32,
  QE_DT_F16,
  QE_DT_F64,
  QE_DT_BF16,
  QE_DT_I8,
  QE_DT_U8,
  QE_DT_I16,
  QE_DT_U16,
  QE_DT_I32,
  QE_DT_U32,
  QE_DT_I64,
  QE_DT_U64,
  QE_DT_BOOL,
  QE_DT_I4, /* packed two per byte, low nibble first (sub-byte weights) */
  QE_DT_STRING,
  QE_DT_COUNT
} qe_dtype;

/* Bytes per element (0 for UNDEFINED, STRING and the packed I4). */
size_t qe_dtype_size(qe_dtype t);
/* Short lower-case name: "float32", "int8", ... ("undefined" if unknown). */
const char *qe_dtype_name(qe_dtype t);
/* Parse a name as written by qe_dtype_name() or numpy ("f4", "<i8", ...);
 * returns QE_DT_UNDEFINED if unknown. */
qe_dtype qe_dtype_from_name(const char *name);
bool qe_dtype_is_float(qe_dtype t);
bool qe_dtype_is_int(qe_dtype t);

/* IEEE half <-> float conversion (round to nearest even), bfloat16 too. */
float qe_half_to_float(uint16_t h);
uint16_t qe_float_to_half(float f);
float qe_bf16_to_float(uint16_t h);

#define QE_MAX_RANK 8

/* A plain dense, C-ordered array that owns its data. */
typedef struct qe_array {
  qe_dtype dtype;
  int rank;
  int64_t dims[QE_MAX_RANK];
  void *data; /* malloc'ed, qe_array_nbytes() bytes */
} qe_array;

/* Number of elements (1 for rank 0); -1 on overflow or negative dims. */
int64_t qe_dims_count(const int64_t *dims, int rank);
int64_t qe_array_count(const qe_array *a);
size_t qe_array_nbytes(const qe_array *a);

/* Allocate a zeroed array (dims copied). Sizes checked against the limit. */
qe_status qe_array_new(qe_dtype dtype, int rank, const int64_t *dims, qe_array **out, qe_ctx *ctx);
void qe_array_free(qe_array *a);
/* A float32 copy of @a (any numeric dtype). */
qe_status qe_array_to_f32(const qe_array *a, qe_array **out, qe_ctx *ctx);
/* "[1, 3, 224, 224]" into @buf. */
const char *qe_dims_to_string(const int64_t *dims, int rank, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* QE_TENSOR_H */
