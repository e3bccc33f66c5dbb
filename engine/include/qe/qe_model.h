/* qe_model.h - one entry point for the models users bring: an ONNX or a
 * TFLite file, told apart by its content (not its name), read into the
 * form the engine runs and quantizes.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   ONNX, float              -> qe_graph (the reader's, as in the file)
 *   ONNX, QDQ or QOperator   -> qe_graph (already quantized)
 *   TFLite, float32 or fp16  -> qe_graph with ONNX semantics (NHWC tensors,
 *     weights                   Transposes around Conv / pools / Resize;
 *                               qe_graph_optimize() removes the pairs)
 *   TFLite, int8             -> qe_qmodel (prepared; quantization kept)
 *
 * A TFLite file is recognised by its "TFL3" file identifier; anything else
 * is read as ONNX (protobuf has no magic number), so a file that is
 * neither fails with the ONNX reader's message.
 */
#ifndef QE_MODEL_H
#define QE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_graph.h"
#include "qe_qmodel.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qe_model_format {
  QE_MODEL_FORMAT_ONNX = 0,
  QE_MODEL_FORMAT_TFLITE,
} qe_model_format;

typedef enum qe_model_kind {
  QE_MODEL_ONNX_FLOAT = 0,
  QE_MODEL_ONNX_QUANTIZED, /* QuantizeLinear/DequantizeLinear or QLinear* nodes */
  QE_MODEL_TFLITE_FLOAT,   /* float32 weights, or fp16 behind DEQUANTIZE */
  QE_MODEL_TFLITE_INT8,    /* int8 / uint8 activations */
} qe_model_kind;

typedef struct qe_model {
  qe_model_kind kind;
  qe_model_format format;
  bool quantized;    /* ONNX_QUANTIZED or TFLITE_INT8 */
  qe_graph *graph;   /* ONNX kinds and TFLITE_FLOAT (owned), else NULL */
  qe_qmodel *qmodel; /* TFLITE_INT8 (owned, prepared), else NULL */
  char *path;        /* the file, or the name given to qe_model_read() */
} qe_model;

/* The format of a file's first bytes (at least 8 for TFLite's identifier). */
qe_model_format qe_model_sniff(const void *head, size_t size);

/* Read a model from memory. @name names it in messages; @base_dir is where
 * an ONNX model's external data files are (NULL: refused). */
qe_status qe_model_read(const void *data, size_t size, const char *name, const char *base_dir,
                        qe_model **out, qe_ctx *ctx);
/* Read a model file (external data next to it). */
qe_status qe_model_load(const char *path, qe_model **out, qe_ctx *ctx);
void qe_model_free(qe_model *m);

/* "float ONNX", "quantized ONNX", "float TFLite", "int8 TFLite". */
const char *qe_model_kind_name(qe_model_kind kind);
/* "onnx" or "tflite". */
const char *qe_model_format_name(qe_model_format format);

/* Take the graph out of @m (the caller owns it; NULL when there is none). */
qe_graph *qe_model_steal_graph(qe_model *m);

/* Size and cost of either form, per sample (batch 1): parameters (elements
 * of weights and biases), their bytes as stored, multiply-accumulates of
 * convolutions and matrix products. -1 where a figure cannot be had (shapes
 * unknown). The graph's are qe_graph_stats()'s. */
typedef struct qe_model_size {
  int64_t params;
  int64_t param_bytes;
  int64_t macs;
} qe_model_size;
qe_status qe_model_measure(const qe_model *m, qe_model_size *out, qe_ctx *ctx);
/* MACs of an integer model's CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED ops (counted as qe_graph_stats() counts Conv and Gemm). */
int64_t qe_qmodel_macs(const qe_qmodel *m);

#ifdef __cplusplus
}
#endif
#endif /* QE_MODEL_H */
