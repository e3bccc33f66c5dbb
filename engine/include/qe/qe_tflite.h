/* qe_tflite.h - TFLite flatbuffers: the full-integer writer and the
 * reader (int8 models into a qe_qmodel; float32 / fp16-weight models).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The schema is TFLite's (file identifier "TFL3", schema version 3),
 * written and read with the engine's own flatbuffer code. The writer emits
 * both builtin_code and deprecated_builtin_code, op versions that TFLite
 * and TFLite Micro accept for int8, per-channel quantization with
 * quantized_dimension, 16-byte aligned buffers, a description and
 * metadata ("min_runtime_version" and "quantizer": the tool, its version
 * and the settings that made the model, as JSON).
 *
 * The reader verifies the whole file before using it (offsets, vtables,
 * vector sizes, tensor and buffer indices, op codes), reads subgraph 0 and
 * rejects custom ops and op versions it does not know with a message
 * naming the operator index. DEQUANTIZE ops whose input is a constant
 * float16 (or int8) tensor are folded into float32 constants, so fp16-
 * weight models read as float models.
 */
#ifndef QE_TFLITE_H
#define QE_TFLITE_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_qmodel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serialize @m (prepared or not; it is validated) into a malloc'ed buffer.
 * Sub-byte (int4-packed) weights are written unpacked in int8 containers,
 * as TFLite 2.x kernels expect. */
qe_status qe_tflite_write(const qe_qmodel *m, uint8_t **out, size_t *size, qe_ctx *ctx);
/* The same into @path, atomically. */
qe_status qe_tflite_save(const qe_qmodel *m, const char *path, qe_ctx *ctx);

/* Read a .tflite image (@name used in messages, e.g. the path). Any mix of
 * int8, uint8, int32 and float32 tensors the qe_qmodel can hold; float ops
 * run through the executor's float path. */
qe_status qe_tflite_read(const void *data, size_t size, const char *name, qe_qmodel **out,
                         qe_ctx *ctx);
qe_status qe_tflite_load(const char *path, qe_qmodel **out, qe_ctx *ctx);

/* A float model (float32, or fp16 weights) as a qe_graph with ONNX
 * semantics: tensors keep TFLite's NHWC shapes; CONV_2D, DEPTHWISE_CONV_2D
 * and the pools become Conv / AveragePool / MaxPool between Transposes to
 * NCHW and back (qe_graph_optimize() cancels the pairs between layers),
 * weights are converted to OIHW, SAME padding becomes explicit pads, fused
 * activations become Relu / Clip nodes, FULLY_CONNECTED a Gemm. Int8
 * models are refused (read them with qe_tflite_read()). */
struct qe_graph;
qe_status qe_tflite_read_graph(const void *data, size_t size, const char *name,
                               struct qe_graph **out, qe_ctx *ctx);
qe_status qe_tflite_load_graph(const char *path, struct qe_graph **out, qe_ctx *ctx);
/* The conversion itself, for a prepared float qe_qmodel. */
qe_status qe_qmodel_to_graph(const qe_qmodel *m, struct qe_graph **out, qe_ctx *ctx);

/* A one-line summary of the operators of subgraph 0 without converting
 * anything ("CONV_2D x12, DEPTHWISE_CONV_2D x9, ..."), unknown and custom
 * ops included; malloc'ed into *out. */
qe_status qe_tflite_list_ops(const void *data, size_t size, const char *name, char **out,
                             qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_TFLITE_H */
