/* qe_pipeline_private.h - what the pipeline's sources share (not installed).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * qe_config.h and qe_quantize.h (through qe_calib.h) both define the enums
 * qe_calib_method and qe_granularity, so no source can include both: the
 * quantizer is reached through qe_pipeline_quant.c, which includes
 * qe_quantize.h and not qe_config.h, with the plain settings below. The two
 * enums list the same values in the same order (minmax, moving-average,
 * percentile, entropy, mse; per-channel, per-tensor), so ints cross over.
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

/* ---- quantization (qe_pipeline_quant.c) -------------------------------- */

/* Which settings the user gave (the board's defaults fill the others). */
enum {
  QE_PL_SET_CALIB = 1u << 0,
  QE_PL_SET_GRANULARITY = 1u << 1,
  QE_PL_SET_WEIGHT_BITS = 1u << 2,
  QE_PL_SET_ACTIVATION_BITS = 1u << 3,
  QE_PL_SET_POWER_OF_TWO = 1u << 4,
  QE_PL_SET_INPUT_TYPE = 1u << 5,
  QE_PL_SET_OUTPUT_TYPE = 1u << 6,
  QE_PL_SET_EQUALIZE = 1u << 7,
  QE_PL_SET_BIAS_CORRECTION = 1u << 8,
};

typedef struct qe_pl_qsettings {
  int calib_method; /* qe_calib_method */
  double percentile;
  double moving_average_constant;
  int granularity; /* 0 per-channel, 1 per-tensor */
  int weight_bits, activation_bits;
  bool power_of_two, equalize, bias_correction;
  qe_dtype input_type, output_type; /* F32, I8, U8 */
  int ti_quantization;              /* -1, 0, 1, 2 (Tensorlab) */
  int target_opset;
  size_t diag_samples;
  unsigned set_mask;
  const char *board_yaml; /* board description file, NULL: none */
  const char *board_id;
} qe_pl_qsettings;

typedef struct qe_pl_quant qe_pl_quant;

/* Calibrate and quantize @g. Samples: @subset of @ds (reshaped to the model
 * input @dims/@rank) when @ds is not NULL and its calibration source is not
 * random, else @random_count random samples uniform in [0, 1) from @seed.
 * @description names the data for the report. */
qe_status qe_pl_quantize(const qe_graph *g, qe_dataset *ds, int subset, const int64_t *dims,
                         int rank, const char *description, size_t random_count, uint64_t seed,
                         const qe_pl_qsettings *s, qe_pl_quant **out, qe_ctx *ctx);
void qe_pl_quant_free(qe_pl_quant *q);
qe_qmodel *qe_pl_quant_qmodel(const qe_pl_quant *q);
bool qe_pl_quant_random(const qe_pl_quant *q);
const char *qe_pl_quant_calibration(const qe_pl_quant *q);
size_t qe_pl_quant_layer_count(const qe_pl_quant *q);
void qe_pl_quant_layer(const qe_pl_quant *q, size_t i, const char **name, const char **op,
                       double *sqnr_db);
size_t qe_pl_quant_advice_count(const qe_pl_quant *q);
const char *qe_pl_quant_advice(const qe_pl_quant *q, size_t i);
size_t qe_pl_quant_float_op_count(const qe_pl_quant *q);
const char *qe_pl_quant_float_op(const qe_pl_quant *q, size_t i);
/* The settings as used, in words ("per-channel", "minmax", ...). */
void qe_pl_quant_describe(const qe_pl_quant *q, int *weight_bits, int *activation_bits,
                          const char **granularity, const char **calib_method, bool *power_of_two);
/* qe_quant_result_to_json()'s keys as one JSON object text (free()). */
char *qe_pl_quant_json(const qe_pl_quant *q);
/* Save the ONNX QDQ graph. */
qe_status qe_pl_quant_save_onnx(const qe_pl_quant *q, const char *path, qe_ctx *ctx);

/* ---- small helpers (qe_pipeline_util.c) --------------------------------- */

/* Remove @path and everything below it (no symlinks followed). */
void qe_pl_remove_tree(const char *path);
/* Size of a file, -1 when it cannot be read. */
int64_t qe_pl_file_size(const char *path);
/* Join two path parts with '/' (malloc'ed). */
char *qe_pl_join(const char *a, const char *b);

#endif /* QE_PIPELINE_PRIVATE_H */
