/* qe_pipeline_private.h - what the pipeline's sources share (not installed).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_PIPELINE_PRIVATE_H
#define QE_PIPELINE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe/qe_core.h"
#include "qe/qe_data.h"
#include "qe/qe_graph.h"
#include "qe/qe_qmodel.h"
#include "qe/qe_runtime.h"
#include "qe/qe_tensor.h"

/* ---- a model to run: float ONNX, QDQ ONNX, float or int8 TFLite ---------- */

typedef enum qe_pl_kind {
  QE_PL_ONNX_FLOAT = 0,
  QE_PL_ONNX_QDQ,
  QE_PL_TFLITE_FLOAT, /* run as a qe_graph (qe_tflite_load_graph) */
  QE_PL_TFLITE_INT8,
  QE_PL_QMODEL, /* the quantizer's int8 model (borrowed) */
} qe_pl_kind;

typedef struct qe_pl_model {
  qe_pl_kind kind;
  qe_graph *graph;   /* ONNX kinds and float TFLite (owned) */
  qe_qmodel *qmodel; /* int8 TFLite (owned) and QE_PL_QMODEL (borrowed) */
  bool own_qmodel;
  qe_runtime *rt;
  qe_qexec *ex;
  /* The single input, batch axis 1 (symbolic dims bound to 1). */
  int in_rank;
  int64_t in_dims[QE_MAX_RANK];
  size_t in_count;
  qe_array *in;
  /* Outputs after a run, as float (int8/uint8 dequantized). */
  size_t n_outputs;
  float **out;
  size_t *out_count;
  /* Statistics: -1 when unknown. */
  int64_t params, macs, weights_bytes;
  bool quantized; /* QDQ or integer model */
} qe_pl_model;

/* Load @path (by its content: ONNX protobuf or a "TFL3" flatbuffer). */
qe_status qe_pl_model_load(const char *path, qe_pl_model **out, qe_ctx *ctx);
/* Wrap @m (borrowed; it must outlive the wrapper). */
qe_status qe_pl_model_from_qmodel(qe_qmodel *m, qe_pl_model **out, qe_ctx *ctx);
void qe_pl_model_free(qe_pl_model *m);
/* Make the runtime / executor (after the model is final). */
qe_status qe_pl_model_prepare(qe_pl_model *m, qe_ctx *ctx);
/* Run one sample of m->in_count floats; outputs land in m->out. */
qe_status qe_pl_model_run(qe_pl_model *m, const float *in, qe_ctx *ctx);
/* Planned activation bytes of an integer model (0 when not one). */
size_t qe_pl_model_arena(const qe_pl_model *m);
/* "onnx" or "tflite". */
const char *qe_pl_model_format(const qe_pl_model *m);
/* Input layout guess: NCHW for ONNX images and channels-first 4-D inputs. */
qe_layout qe_pl_model_layout(const qe_pl_model *m);
/* A metadata value of the model (ONNX metadata_props, TFLite metadata). */
const char *qe_pl_model_meta(const qe_pl_model *m, const char *key);
/* The class names in output order, from the model's "classes" metadata
 * ("a,b,c" or a JSON list); NULL when it has none. Free with
 * qe_pl_strv_free(). */
char **qe_pl_model_classes(const qe_pl_model *m, size_t *n);
void qe_pl_strv_free(char **v, size_t n);

/* ---- small helpers (qe_pipeline_util.c) --------------------------------- */

/* Remove @path and everything below it (no symlinks followed). */
void qe_pl_remove_tree(const char *path);
/* Size of a file, -1 when it cannot be read. */
int64_t qe_pl_file_size(const char *path);
/* Join two path parts with '/' (malloc'ed). */
char *qe_pl_join(const char *a, const char *b);

#endif /* QE_PIPELINE_PRIVATE_H */
