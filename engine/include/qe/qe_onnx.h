/* qe_onnx.h - read and write ONNX models and tensors (protobuf-c).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads IR versions 3-8 with opsets 7-17 of the default domain: the graph,
 * initializers (raw_data or typed fields, external data files next to the
 * model), value infos, doc strings and metadata. Nodes of ops the engine
 * does not know, or of other domains (com.microsoft, ai.onnx.ml), are kept
 * as QE_OP_UNKNOWN so the model can be shown; qe_graph_check_supported()
 * and qe_runtime_new() list them all in one message.
 *
 * Writes any qe_graph back to ONNX (fused activations become separate nodes
 * again; tensor quantization parameters are not written: the quantizer
 * expresses them as QuantizeLinear/DequantizeLinear nodes).
 */
#ifndef QE_ONNX_H
#define QE_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_graph.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read @path. Warnings (NaN/Inf weights, ignored fields) go to qe_warn(). */
qe_status qe_onnx_load(const char *path, qe_graph **out, qe_ctx *ctx);
/* Read an in-memory model. @name is used in messages; @base_dir is where
 * external data files are looked for (NULL: external data refused). */
qe_status qe_onnx_load_buffer(const uint8_t *data, size_t len, const char *name,
                              const char *base_dir, qe_graph **out, qe_ctx *ctx);

typedef struct qe_onnx_save_options {
  int64_t opset;                /* default-domain opset to declare; 0 = keep the
                                 * graph's (13 if it has none). QDQ per-axis needs
                                 * >= 13 (QE_ERR_INVALID otherwise). */
  int64_t ir_version;           /* 0 = what the opset needs (opset 13-14: 7, 15+: 8) */
  const char *producer_name;    /* NULL: the graph's, else "quantizer" */
  const char *producer_version; /* NULL: the graph's, else the engine's */
} qe_onnx_save_options;

/* Write @g as an ONNX model to @path atomically. @opt may be NULL. */
qe_status qe_onnx_save(const qe_graph *g, const char *path, const qe_onnx_save_options *opt,
                       qe_ctx *ctx);
/* The same into a malloc'ed buffer. */
qe_status qe_onnx_save_buffer(const qe_graph *g, const qe_onnx_save_options *opt, uint8_t **data,
                              size_t *len, qe_ctx *ctx);

/* A serialized TensorProto (.pb files of the ONNX test data, `qz infer
 * --input x.pb`). *name (may be NULL) receives its name, malloc'ed. */
qe_status qe_onnx_read_tensor(const char *path, qe_array **out, char **name, qe_ctx *ctx);
qe_status qe_onnx_parse_tensor(const uint8_t *data, size_t len, const char *what, qe_array **out,
                               char **name, qe_ctx *ctx);
/* Write @a as a TensorProto named @name. */
qe_status qe_onnx_write_tensor(const char *path, const qe_array *a, const char *name, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_ONNX_H */
