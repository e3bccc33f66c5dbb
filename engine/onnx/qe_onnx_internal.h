/* qe_onnx_internal.h - shared by the ONNX reader and writer.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_ONNX_INTERNAL_H
#define QE_ONNX_INTERNAL_H

#include "onnx.pb-c.h"
#include "qe/qe_tensor.h"

/* A TensorProto as a new array; @what names it in messages; @base_dir is
 * where external data is looked for (NULL: refused). */
qe_status qe_onnx_tensor_to_array(const Onnx__TensorProto *t, const char *what,
                                  const char *base_dir, qe_array **out, qe_ctx *ctx);

#endif /* QE_ONNX_INTERNAL_H */
