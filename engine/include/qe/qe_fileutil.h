/* qe_fileutil.h - whole-file reads and atomic writes.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_FILEUTIL_H
#define QE_FILEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read all of @path into a new buffer (NUL-terminated for convenience, the
 * terminator not counted in *len). Files above the context's allocation
 * limit are refused. Free with free(). */
qe_status qe_read_file(const char *path, uint8_t **data, size_t *len, qe_ctx *ctx);

/* Write @len bytes to @path through a temporary file in the same directory
 * and rename(), so a crash never leaves a half-written file under @path. */
qe_status qe_write_file_atomic(const char *path, const void *data, size_t len, qe_ctx *ctx);

/* mkdir -p */
qe_status qe_mkdir_p(const char *path, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_FILEUTIL_H */
