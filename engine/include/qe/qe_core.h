/* qe_core.h - status codes, error context and progress callbacks of the
 * Quantizer engine.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine is a plain C11 library. It never prints, never aborts on bad
 * input and never exits: every entry point returns a qe_status, and the
 * qe_ctx it was given holds a one-line message naming the file, node, line or
 * byte at fault (qe_ctx_error()). Long operations take a qe_progress_fn that
 * may cancel by returning non-zero, as SQLite's progress handler does.
 */
#ifndef QE_CORE_H
#define QE_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QE_VERSION_MAJOR  0
#define QE_VERSION_MINOR  1
#define QE_VERSION_MICRO  0
#define QE_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define QE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define QE_WARN_UNUSED       __attribute__((warn_unused_result))
#else
#define QE_PRINTF(fmt, args)
#define QE_WARN_UNUSED
#endif

/* Result codes. Every code has a one-line meaning (qe_status_to_string()). */
typedef enum qe_status {
  QE_OK = 0,          /* success */
  QE_ERR_INVALID,     /* an argument or a setting is not valid */
  QE_ERR_IO,          /* a file could not be opened, read or written */
  QE_ERR_PARSE,       /* a file is corrupt or not in the expected format */
  QE_ERR_UNSUPPORTED, /* valid input that this engine does not support */
  QE_ERR_SHAPE,       /* tensor shapes or types do not fit together */
  QE_ERR_NOMEM,       /* out of memory, or a size above the engine's limits */
  QE_ERR_CANCELLED,   /* the progress callback asked to stop */
  QE_ERR_DATA,        /* a data set is empty, unreadable or inconsistent */
  QE_ERR_NUMERIC,     /* NaN, infinity or an out-of-range value */
  QE_ERR_DEVICE,      /* a board or serial port failed or went away */
  QE_ERR_TIMEOUT,     /* a board did not answer in time */
  QE_ERR_VERIFY,      /* read-back, checksum or comparison mismatch */
  QE_ERR_BUSY,        /* a resource is held by someone else */
  QE_ERR_INTERNAL,    /* a bug in the engine; please report it */
  QE_STATUS_COUNT
} qe_status;

/* A short English sentence for @status; never NULL. */
const char *qe_status_to_string(qe_status status);

/* Progress callback: @fraction in [0,1] (or negative when unknown), @phase a
 * short English phrase such as "calibrating". Return non-zero to cancel; the
 * operation then stops soon and returns QE_ERR_CANCELLED. */
typedef int (*qe_progress_fn)(void *user_data, double fraction, const char *phase);

/* The error context. One per thread of work: it is not thread-safe itself,
 * but two contexts never share state. Destructors accept NULL. */
typedef struct qe_ctx qe_ctx;

qe_ctx *qe_ctx_new(void);
void qe_ctx_free(qe_ctx *ctx);

/* The message of the last error, or "" when there was none. Valid until the
 * next call that sets an error on @ctx. */
const char *qe_ctx_error(const qe_ctx *ctx);
/* The status of the last error, QE_OK when there was none. */
qe_status qe_ctx_status(const qe_ctx *ctx);
void qe_ctx_clear(qe_ctx *ctx);

/* Set the error of @ctx and return @status, so callers write
 *   return qe_error(ctx, QE_ERR_PARSE, "%s: byte %zu: ...", path, off);
 * @ctx may be NULL (the message is then dropped). */
qe_status qe_error(qe_ctx *ctx, qe_status status, const char *fmt, ...) QE_PRINTF(3, 4);
qe_status qe_verror(qe_ctx *ctx, qe_status status, const char *fmt, va_list ap);
/* Prefix the current error message with "prefix: ", keeping its status. */
qe_status qe_error_prefix(qe_ctx *ctx, const char *fmt, ...) QE_PRINTF(2, 3);

/* Warnings (non-fatal): kept in order, up to a bounded number. */
void qe_warn(qe_ctx *ctx, const char *fmt, ...) QE_PRINTF(2, 3);
size_t qe_ctx_warning_count(const qe_ctx *ctx);
const char *qe_ctx_warning(const qe_ctx *ctx, size_t index);
void qe_ctx_clear_warnings(qe_ctx *ctx);

/* Progress reporting tied to the context: the engine calls qe_progress() at
 * safe points; it returns QE_ERR_CANCELLED (with a message) when the
 * callback asked to stop. */
void qe_ctx_set_progress(qe_ctx *ctx, qe_progress_fn fn, void *user_data);
qe_status qe_progress(qe_ctx *ctx, double fraction, const char *phase);
/* Non-zero once a cancel was requested through the callback. */
int qe_ctx_cancelled(const qe_ctx *ctx);

/* Upper bound on any single allocation the engine makes on behalf of input
 * data (default 4 GiB); protects against absurd dimensions in files. */
void qe_ctx_set_alloc_limit(qe_ctx *ctx, uint64_t bytes);
uint64_t qe_ctx_alloc_limit(const qe_ctx *ctx);

const char *qe_version(void);

#ifdef __cplusplus
}
#endif
#endif /* QE_CORE_H */
