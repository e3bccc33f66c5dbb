/* qe_codegen_private.h - the kernel sources embedded at build time.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_CODEGEN_PRIVATE_H
#define QE_CODEGEN_PRIVATE_H

#include <stddef.h>

typedef struct qe_embedded_file {
  const char *name;
  const unsigned char *data;
  size_t size;
} qe_embedded_file;

/* The sources of engine/kernels/s8, byte for byte; ends with a NULL name. */
extern const qe_embedded_file qe_kernel_sources[];

#endif /* QE_CODEGEN_PRIVATE_H */
