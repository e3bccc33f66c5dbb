/* qe_npy.h - NumPy .npy and .npz files (read and write).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * .npy format versions 1.0, 2.0 and 3.0; little- and big-endian numeric
 * dtypes (b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 f4 f8) and C or Fortran order (a
 * Fortran-ordered array is returned C-ordered). .npz archives as numpy
 * writes them (zip, stored or deflated, zip64 for large members); members
 * are read one at a time. Unicode string arrays ("<U…", e.g. `classes`) are
 * read as UTF-8 strings.
 */
#ifndef QE_NPY_H
#define QE_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read a .npy file or an in-memory .npy image (@name used in messages). */
qe_status qe_npy_read(const char *path, qe_array **out, qe_ctx *ctx);
qe_status qe_npy_parse(const uint8_t *data, size_t len, const char *name, qe_array **out,
                       qe_ctx *ctx);
/* Write @a as a version 1.0 .npy file (atomically). */
qe_status qe_npy_write(const char *path, const qe_array *a, qe_ctx *ctx);

typedef struct qe_npz qe_npz;
qe_status qe_npz_open(const char *path, qe_npz **out, qe_ctx *ctx);
void qe_npz_close(qe_npz *z);
/* Member names without the ".npy" suffix, in archive order. */
size_t qe_npz_count(const qe_npz *z);
const char *qe_npz_name(const qe_npz *z, size_t index);
/* QE_ERR_INVALID with a message listing the members if @name is absent. */
qe_status qe_npz_read(qe_npz *z, const char *name, qe_array **out, qe_ctx *ctx);
/* Unicode/bytes string array member (e.g. `classes`): *n strings, UTF-8,
 * each malloc'ed, the vector too; free with qe_strv_free(). */
qe_status qe_npz_read_strings(qe_npz *z, const char *name, char ***out, size_t *n, qe_ctx *ctx);
void qe_strv_free(char **v, size_t n);

/* Write an .npz (stored, no compression) with @n arrays named @names. */
qe_status qe_npz_write(const char *path, size_t n, const char *const *names,
                       const qe_array *const *arrays, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_NPY_H */
