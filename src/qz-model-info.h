/* qz-model-info.h - what the Model page shows about a model file.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qe/qe_core.h"

G_BEGIN_DECLS

typedef struct {
  char *name;
  char *dtype; /* "float32", "int8", ... */
  int rank;    /* -1: unknown */
  gint64 dims[8];
} QzTensorInfo;

typedef struct {
  char *op; /* "Conv", "CONV_2D" */
  gsize count;
  gboolean supported;
} QzOpCount;

typedef struct {
  char *node;
  char *op;
} QzUnsupportedNode;

typedef struct _QzModelInfo QzModelInfo;

struct _QzModelInfo {
  /*< private >*/
  gatomicrefcount ref;

  /*< public, read-only >*/
  char *path;
  char *format;       /* "onnx" or "tflite" */
  char *details;      /* "ONNX, opset 13, made by pytorch 1.13.1" (English) */
  GPtrArray *inputs;  /* QzTensorInfo */
  GPtrArray *outputs; /* QzTensorInfo */
  gint64 params;      /* elements of the weights */
  gint64 param_bytes; /* their bytes as stored */
  gint64 macs;        /* multiply-accumulates per example; -1 unknown */
  gsize n_nodes;
  GPtrArray *ops;            /* QzOpCount, in order of first appearance */
  GPtrArray *unsupported;    /* QzUnsupportedNode */
  char *unsupported_message; /* the engine's one-line list, or NULL */
  GPtrArray *warnings;       /* char*, from the reader */
  gboolean quantized;        /* integer weights already */
};

#define QZ_TYPE_MODEL_INFO (qz_model_info_get_type())
GType qz_model_info_get_type(void);

QzModelInfo *qz_model_info_ref(QzModelInfo *info);
void qz_model_info_unref(QzModelInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QzModelInfo, qz_model_info_unref)

/* Read @path (ONNX or TFLite, by content) and gather the summary. Runs in a
 * worker thread: @progress (a qe_progress_fn) and @progress_data report and
 * cancel. On failure returns NULL with @error set to the engine's message,
 * which names the file and the place at fault. */
QzModelInfo *qz_model_info_load(const char *path, int (*progress)(void *, double, const char *),
                                void *progress_data, GError **error);

/* "1 × 28 × 28", "batch × 3 × 224 × 224", "unknown" (translated). */
char *qz_tensor_info_shape_text(const QzTensorInfo *t);
/* A plain reading of an input or output: "a 28 × 28 picture, 1 channel",
 * "10 scores, one for each class", or NULL when it cannot be told. */
char *qz_tensor_info_describe(const QzTensorInfo *t, gboolean is_input);

/* Errors of the engine, with its qe_status as the code. */
#define QZ_ENGINE_ERROR (qz_engine_error_quark())
GQuark qz_engine_error_quark(void);
/* Sets @error (QZ_ENGINE_ERROR, the status as code) to @ctx's message, or
 * to the status in words when the engine left none. */
void qz_set_engine_error(GError **error, qe_ctx *ctx);

G_END_DECLS
