/* qe_qmodel_private.h - prepared per-op data of a qe_qmodel, shared by the
 * executor, the TFLite writer and the C code generator (not installed).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_QMODEL_PRIVATE_H
#define QE_QMODEL_PRIVATE_H

#include <stdbool.h>

#include "qe/qe_qmodel.h"
#include "qe_kernels_s8.h"

/* Which implementation an op runs with. */
typedef enum qe_qimpl {
  QE_QIMPL_S8 = 0,   /* the int8 kernels */
  QE_QIMPL_F32,      /* float fallback */
  QE_QIMPL_QUANTIZE, /* float -> int8/uint8 */
  QE_QIMPL_REQUANT,  /* int8/uint8 -> int8/uint8, RELU/RELU6 on int8 */
  QE_QIMPL_DEQUANT,  /* int8/uint8 -> float */
  QE_QIMPL_COPY,     /* RESHAPE: a byte copy of any type */
} qe_qimpl;

typedef struct qe_qop_prep {
  qe_qimpl impl;
  size_t elem_size; /* bytes per element of the output */
  qe_kdims in_dims, in2_dims, filter_dims, out_dims;
  /* CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED */
  qe_kconv_params conv;
  qe_kfc_params fc;
  int32_t fc_batches, fc_accum, fc_out;
  int32_t *multiplier, *shift; /* owned, n_channels entries */
  int32_t n_channels;
  qe_kquant quant;
  /* ADD / MUL */
  qe_kadd_params add;
  qe_kmul_params mul;
  /* pools, MEAN */
  qe_kpool_params pool;
  qe_kmean_params mean;
  /* activations */
  qe_ksoftmax_params softmax;
  float softmax_table[256];
  int32_t rows, depth;
  int8_t lut[256];
  qe_khard_swish_params hswish;
  /* conversions */
  qe_krequant_params requant;
  float q_scale;
  int32_t q_zero_point;
  int32_t q_unsigned;
  /* data movement */
  int32_t rank;
  int32_t dims[QE_K_MAX_RANK]; /* input dims (TRANSPOSE, PAD) */
  int32_t perm[QE_K_MAX_RANK];
  int32_t pad_before[QE_K_MAX_RANK], pad_after[QE_K_MAX_RANK];
  int32_t pad_value_i8;
  int32_t concat_outer, concat_inner;
  int32_t *concat_axis_dims; /* owned, n_inputs entries */
  /* float fallback: fused activation as a clamp */
  float act_min_f, act_max_f;
  int32_t mean_axes_mask; /* MEAN: bit i set when axis i is reduced */
  int32_t mean_general;   /* int8 MEAN other than over H, W: qe_s8_mean() */
  /* RESIZE_*: nearest-neighbour index maps (owned), bilinear Q10 scales */
  int32_t *resize_ymap, *resize_xmap;
  int32_t resize_h, resize_w;
  qe_kresize_params resize;
  /* BATCH_MATMUL: operand dims as 4 values (leading 1s) */
  qe_kbmm_params bmm;
  int32_t bmm_lhs[4], bmm_rhs[4];
  /* GATHER: the input as [outer, axis_dim, inner]; indices (owned) */
  int32_t gather_outer, gather_axis_dim, gather_inner, gather_n;
  int32_t *gather_indices;
  size_t scratch_size;
} qe_qop_prep;

struct qe_qprep {
  qe_qop_prep *ops;
  size_t n_ops;
  size_t scratch_size;
};

/* The prepared op @i (model prepared). */
static inline const qe_qop_prep *qe_qmodel_op_prep(const qe_qmodel *m, size_t i)
{
  return &m->prep->ops[i];
}

void qe_qprep_free(struct qe_qprep *p);

/* Run op @i in float (qe_qmodel_float.c). @in holds the op's input data
 * pointers (NULL for omitted inputs). */
qe_status qe_qmodel_run_float_op(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                                 qe_ctx *ctx);

/* The qe_kf32_op of a binary op (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE). */
int32_t qe_qmodel_f32_op(qe_qop_type t);

/* TFLite 2.9's GeluTransform (float), for the float op and the int8 table. */
float qe_qmodel_gelu_f32(float x, bool approximate);

/* QE_ROUND_ORT (qe_qmodel_ort.c): whether op @i has an ONNX Runtime form,
 * and run it. @consumers: how many ops read each tensor. */
bool qe_qmodel_ort_runs(const qe_qmodel *m, size_t i);
qe_kstatus qe_qmodel_run_ort_op(const qe_qmodel *m, size_t i, const int32_t *consumers,
                                const void *const *in, void *out);
/* ONNX Runtime's scalar arithmetic, exposed for the unit test:
 * MlasRequantizeOutput of one int32 sum (int8 output), MlasQuantizeLinear
 * of one float into [lo, hi], and MLAS's QLinearAdd of two int8 values. */
int32_t qe_ort_requantize(int32_t acc, float scale, int32_t zero_point);
int32_t qe_ort_quantize(float x, float scale, int32_t zero_point, int32_t lo, int32_t hi);
int32_t qe_ort_add(int32_t a, int32_t za, float sa, int32_t b, int32_t zb, float sb, int32_t zc,
                   float sc);

/* The 4-D NHWC view TFLite takes of a tensor of rank <= 4 (leading 1s). */
bool qe_qtensor_dims4(const qe_qtensor *t, qe_kdims *d);

#endif /* QE_QMODEL_PRIVATE_H */
