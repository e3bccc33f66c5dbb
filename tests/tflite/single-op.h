/* single-op.h - randomized single-operator int8 models for the tests
 * (TFLite peer comparison, TFLite round trip, C code generation).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SINGLE_OP_H
#define SINGLE_OP_H

#include <stdint.h>

#include "qe/qe_qmodel.h"

typedef enum so_kind {
  SO_CONV,
  SO_CONV_4BIT,    /* 4-bit values in int8 containers */
  SO_CONV_2BIT,    /* 2-bit values in int8 containers */
  SO_CONV_PACKED4, /* int4 packed weights (engine only; written unpacked) */
  SO_DEPTHWISE,
  SO_FC,
  SO_FC_PER_CHANNEL,
  SO_ADD,
  SO_MUL,
  SO_AVG_POOL,
  SO_MAX_POOL,
  SO_MEAN,
  SO_SOFTMAX,
  SO_LOGISTIC,
  SO_TANH,
  SO_HARD_SWISH,
  SO_PAD,
  SO_CONCAT,
  SO_TRANSPOSE,
  SO_RESHAPE,
  SO_REQUANTIZE,
  SO_RELU,
  SO_RELU6,
  SO_QUANTIZE_FLOAT, /* float in -> int8 out */
  SO_DEQUANTIZE,     /* int8 in -> float out */
  SO_RESIZE_BILINEAR,
  SO_RESIZE_NEAREST,
  SO_SUB,
  SO_SQUARED_DIFFERENCE,
  SO_RSQRT, /* input zero point -128: TFLite refuses values below it */
  SO_GELU,
  SO_GATHER,
  SO_BATCH_MATMUL,
  SO_MEAN_AXES, /* MEAN over other axes than H, W of a 4-D tensor */
  SO_COUNT
} so_kind;

const char *so_kind_name(so_kind k);

typedef struct so_rng {
  uint64_t s;
} so_rng;

uint32_t so_next(so_rng *r);
/* Uniform integer in [lo, hi]. */
int so_int(so_rng *r, int lo, int hi);
float so_float(so_rng *r, float lo, float hi);

/* A random single-op model of kind @k (prepared). NULL when the random
 * draw was not valid for the op (the caller draws again). */
qe_qmodel *so_make(so_kind k, so_rng *r);

/* Fill the model's inputs with random bytes / floats. */
void so_fill_input(const qe_qmodel *m, int i, void *data, so_rng *r);

/* The float32 version of a model made by so_make(): quantized tensors
 * become float (constants dequantized), QUANTIZE/DEQUANTIZE excluded.
 * NULL for models that have no float version. */
qe_qmodel *so_to_float(const qe_qmodel *m);
/* Make every graph input after the first a constant of random values
 * (for exports that take one input). */
void so_freeze_extra_inputs(qe_qmodel *m, so_rng *r);

/* A small int8 network of many ops (conv, depthwise, hard-swish, add,
 * pad, max-pool, mean, reshape, fully-connected, softmax), prepared. */
qe_qmodel *so_make_net(so_rng *r);

#endif /* SINGLE_OP_H */
