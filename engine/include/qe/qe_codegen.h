/* qe_codegen.h - C export of an int8 model.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two forms, both plain C99 that builds warnings-free with -std=c99 -Wall
 * -Wextra -Werror under gcc, clang and arm-none-eabi-gcc:
 *
 *  1. The .tflite flatbuffer as a 16-byte aligned const unsigned char
 *     array with its length (what `xxd -i` gives, for TFLite Micro).
 *  2. A standalone inference module: PREFIX.h / PREFIX.c with the weights
 *     as const arrays, every multiplier, shift and table the kernels need,
 *     a static arena of the planned size and
 *         int PREFIX_run(const int8_t *in, int8_t *out);
 *     plus the engine's own kernel sources (engine/kernels/s8, copied byte
 *     for byte from the files the engine is built from) and a README.md.
 *     Host-compiled, it gives the engine's outputs bit for bit.
 */
#ifndef QE_CODEGEN_H
#define QE_CODEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_qmodel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write OUT_DIR/NAME.c and OUT_DIR/NAME.h holding @data as
 * `const unsigned char NAME[]` (aligned to 16) and `const unsigned int
 * NAME_len`. @name must be a C identifier. */
qe_status qe_codegen_tflite_array(const uint8_t *data, size_t size, const char *name,
                                  const char *out_dir, qe_ctx *ctx);

typedef struct qe_codegen_options {
  const char *prefix; /* C identifier prefix of the API and files; "model" */
} qe_codegen_options;

/* Write the standalone module for @m into @out_dir (created if needed).
 * The model must be full-integer with one int8 or uint8 input and one
 * int8 or uint8 output (QE_ERR_UNSUPPORTED naming the op otherwise, e.g.
 * a layer left in float). Files are written atomically. */
qe_status qe_codegen_c_module(qe_qmodel *m, const qe_codegen_options *opt, const char *out_dir,
                              qe_ctx *ctx);

/* Sizes of the module that qe_codegen_c_module() writes: constant bytes
 * (weights, biases, multipliers, tables) and the static arena. */
qe_status qe_codegen_sizes(qe_qmodel *m, size_t *const_bytes, size_t *arena_bytes, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_CODEGEN_H */
