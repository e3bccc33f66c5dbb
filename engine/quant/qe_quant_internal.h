/* qe_quant_internal.h - state shared by the post-training quantizer's
 * sources (pipeline, lowering, QDQ export, equalization, diagnostics).
 * Not installed.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_QUANT_INTERNAL_H
#define QE_QUANT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe/qe_calib.h"
#include "qe/qe_graph.h"
#include "qe/qe_qmodel.h"
#include "qe/qe_quantize.h"
#include "qe/qe_runtime.h"
#include "qe_internal.h"

/* How a node of the prepared graph becomes part of the int8 model. */
typedef enum qn_kind {
  QN_NONE = 0, /* nothing of its own: an activation fused into its producer */
  QN_INT8,     /* int8 kernels */
  QN_FLOAT,    /* float op between DEQUANTIZE and QUANTIZE */
} qn_kind;

typedef struct qnode {
  qn_kind kind;
  qe_qop_type qop;
  qe_activation act; /* fused activation (QN_INT8 / QN_FLOAT producers) */
  int act_node;      /* the activation node fused into this one, or -1 */
  int fused_into;    /* for a fused activation: its producer, or -1 */
  char *reason;      /* why it runs in float (QN_FLOAT), malloc'ed */
  /* Weights of Conv / Gemm / MatMul (ONNX layout of the prepared graph:
   * Conv [M, C/g, k...], Gemm normalized to alpha = beta = 1, MatMul
   * [K, N]). */
  bool has_w;
  int w_tensor, b_tensor; /* graph tensors (b -1 when absent) */
  int w_axis;             /* output-channel axis of the ONNX weights */
  size_t n_out;           /* output channels */
  size_t w_count;
  int8_t *wq;    /* quantized weights, ONNX layout */
  float *wscale; /* n_out (per-channel) or 1 */
  size_t n_wscale;
  float *bias;    /* n_out float biases after correction */
  int32_t *bq;    /* n_out int32 biases */
  float *bscale;  /* n_out */
  float *in_mean; /* per input channel mean (bias correction), or NULL */
  size_t n_in_mean;
  /* Add / Mul with a constant operand: which input is constant (-1) */
  int const_input;
  /* The int8 op's operands when they are not the node's own inputs: a
   * pattern of several nodes run as one op (GELU: x; RSQRT: the Sqrt's
   * input; SQUARED_DIFFERENCE: the Sub's operands; Pow(x, 2): x, x). */
  int n_operands;
  int operands[2];
  const char *pattern; /* "GELU", "Sqrt+Reciprocal"..., or NULL */
  bool mean_general;   /* MEAN over other axes than H, W (plain layout) */
} qnode;

/* Representations of a graph tensor in the int8 model: [int8|float]
 * [plain|nhwc] -> qmodel tensor index or -1. */
enum { REP_Q = 0, REP_F = 1 };
enum { LAY_PLAIN = 0, LAY_NHWC = 1 };

typedef struct qstate {
  qe_ctx *ctx;
  const qe_quant_options *o;
  qe_graph *g; /* prepared float graph */
  size_t nt, nn;
  qnode *nodes;
  /* calibration */
  qe_calib_obs **obs; /* per tensor, NULL when not observed */
  bool *has_qp;       /* per tensor: activation parameters chosen */
  qe_qparams *qp;     /* per tensor (int8 storage) */
  float *lo, *hi;     /* chosen clipping range per tensor */
  double **chan_sum;  /* per tensor: per-channel sums (bias correction) */
  uint64_t *chan_n;   /* per tensor: values per channel summed */
  int *chan_axis;     /* per tensor: channel axis for the sums, -1 none */
  /* lowering */
  qe_qmodel *m;
  int (*rep)[2][2];
  int *prim;                  /* per tensor: the representation its producer
                                 wrote (qmodel tensor), -1 */
  unsigned char *prim_nhwc;   /* its layout */
  int32_t act_qmin, act_qmax; /* activation grid */
  int32_t w_qmax;             /* weight grid (symmetric, narrow) */
  size_t n_int8_compute;      /* nodes with weights or arithmetic in int8 */
} qstate;

struct qe_quant_priv {
  qstate q;
};

/* qe_samples.c */
qe_status qe_samples_begin(qe_samples *s, qe_ctx *ctx);
qe_status qe_samples_next(qe_samples *s, const qe_array *const **inputs, size_t *n_inputs,
                          bool *done, qe_ctx *ctx);

/* qe_lower.c: build q->m from the plan, the parameters and the weights.
 * @kinds overrides the plan's node kinds when not NULL (diagnostics: one
 * layer quantized alone). */
qe_status qe_quant_lower(qstate *q, const qn_kind *kinds, qe_qmodel **out);
/* The qmodel tensor holding graph tensor @t's value as the lowering left
 * it (primary representation), with its layout. */

/* qe_qdq.c */
qe_status qe_quant_build_qdq(qstate *q, qe_graph **out);

/* Helpers shared by the sources. */
int64_t qe_quant_tensor_count(const qe_tensor *t);
/* Constant float data of graph tensor @t (f32), or NULL. */
const float *qe_quant_const_f32(const qe_graph *g, int t);
/* The op's Clip bounds (attributes before opset 11, constant inputs
 * after); false when not constant. */
bool qe_quant_clip_bounds(const qe_graph *g, const qe_node *n, float *lo, float *hi);
/* The int8 fused activation a Relu / Clip node stands for, QE_ACT_NONE with
 * false when it is none of RELU, RELU6, RELU_N1_TO_1. */
bool qe_quant_act_of(const qe_graph *g, const qe_node *n, qe_activation *act);
/* Choose a name for a node that has none: "<op>_<index>". malloc'ed. */
char *qe_quant_node_name(const qe_graph *g, int node);

#endif /* QE_QUANT_INTERNAL_H */
