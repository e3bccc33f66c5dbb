/* qe_core.c - status strings, error context, progress and allocation.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define QE_MAX_WARNINGS 256
#define QE_MSG_MAX      1024

struct qe_ctx {
  qe_status status;
  char message[QE_MSG_MAX];
  char *warnings[QE_MAX_WARNINGS];
  size_t n_warnings;
  size_t n_dropped_warnings;
  qe_progress_fn progress;
  void *progress_data;
  int cancelled;
  uint64_t alloc_limit;
};

static const char *const status_strings[] = {
  [QE_OK] = "Success",
  [QE_ERR_INVALID] = "Invalid argument or setting",
  [QE_ERR_IO] = "A file could not be opened, read or written",
  [QE_ERR_PARSE] = "The file is corrupt or not in the expected format",
  [QE_ERR_UNSUPPORTED] = "Not supported by this version of Quantizer",
  [QE_ERR_SHAPE] = "Tensor shapes or types do not fit together",
  [QE_ERR_NOMEM] = "Out of memory, or a size above the engine's limits",
  [QE_ERR_CANCELLED] = "Cancelled",
  [QE_ERR_DATA] = "The data set is empty, unreadable or inconsistent",
  [QE_ERR_NUMERIC] = "A value is not a finite number or out of range",
  [QE_ERR_DEVICE] = "The board or serial port failed or was disconnected",
  [QE_ERR_TIMEOUT] = "The board did not answer in time",
  [QE_ERR_VERIFY] = "Verification failed: the data read back does not match",
  [QE_ERR_BUSY] = "The resource is in use by another program",
  [QE_ERR_INTERNAL] = "Internal error in the engine (please report it)",
};
static_assert(QE_ARRAY_LEN(status_strings) == QE_STATUS_COUNT, "every qe_status needs a string");

const char *qe_status_to_string(qe_status status)
{
  if ((unsigned)status >= QE_STATUS_COUNT || !status_strings[status])
    return "Unknown status";
  return status_strings[status];
}

const char *qe_version(void)
{
  return QE_VERSION_STRING;
}

qe_ctx *qe_ctx_new(void)
{
  qe_ctx *ctx = calloc(1, sizeof *ctx);
  if (ctx)
    ctx->alloc_limit = (uint64_t)4 << 30;
  return ctx;
}

void qe_ctx_free(qe_ctx *ctx)
{
  if (!ctx)
    return;
  qe_ctx_clear_warnings(ctx);
  free(ctx);
}

const char *qe_ctx_error(const qe_ctx *ctx)
{
  return ctx ? ctx->message : "";
}

qe_status qe_ctx_status(const qe_ctx *ctx)
{
  return ctx ? ctx->status : QE_OK;
}

void qe_ctx_clear(qe_ctx *ctx)
{
  if (!ctx)
    return;
  ctx->status = QE_OK;
  ctx->message[0] = '\0';
  ctx->cancelled = 0;
}

qe_status qe_verror(qe_ctx *ctx, qe_status status, const char *fmt, va_list ap)
{
  if (!ctx)
    return status;
  ctx->status = status;
  if (fmt)
    vsnprintf(ctx->message, sizeof ctx->message, fmt, ap);
  else
    snprintf(ctx->message, sizeof ctx->message, "%s", qe_status_to_string(status));
  /* Keep messages on one line: callers print them as one sentence. */
  for (char *p = ctx->message; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  return status;
}

qe_status qe_error(qe_ctx *ctx, qe_status status, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  qe_verror(ctx, status, fmt, ap);
  va_end(ap);
  return status;
}

qe_status qe_error_prefix(qe_ctx *ctx, const char *fmt, ...)
{
  char prefix[QE_MSG_MAX];
  char old[QE_MSG_MAX];
  va_list ap;
  if (!ctx)
    return QE_ERR_INTERNAL;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, ctx->message, sizeof old);
  size_t n = strlen(prefix);
  memcpy(ctx->message, prefix, n + 1);
  if (old[0] && n + 2 < sizeof ctx->message) {
    memcpy(ctx->message + n, ": ", 3);
    size_t room = sizeof ctx->message - n - 3;
    size_t olen = strnlen(old, room);
    memcpy(ctx->message + n + 2, old, olen);
    ctx->message[n + 2 + olen] = '\0';
  }
  return ctx->status;
}

void qe_warn(qe_ctx *ctx, const char *fmt, ...)
{
  char buf[QE_MSG_MAX];
  va_list ap;
  if (!ctx)
    return;
  if (ctx->n_warnings >= QE_MAX_WARNINGS) {
    ctx->n_dropped_warnings++;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *w = qe_strdup(buf);
  if (w)
    ctx->warnings[ctx->n_warnings++] = w;
}

size_t qe_ctx_warning_count(const qe_ctx *ctx)
{
  return ctx ? ctx->n_warnings : 0;
}

const char *qe_ctx_warning(const qe_ctx *ctx, size_t index)
{
  if (!ctx || index >= ctx->n_warnings)
    return NULL;
  return ctx->warnings[index];
}

void qe_ctx_clear_warnings(qe_ctx *ctx)
{
  if (!ctx)
    return;
  for (size_t i = 0; i < ctx->n_warnings; i++)
    free(ctx->warnings[i]);
  ctx->n_warnings = 0;
  ctx->n_dropped_warnings = 0;
}

void qe_ctx_set_progress(qe_ctx *ctx, qe_progress_fn fn, void *user_data)
{
  if (!ctx)
    return;
  ctx->progress = fn;
  ctx->progress_data = user_data;
}

qe_status qe_progress(qe_ctx *ctx, double fraction, const char *phase)
{
  if (!ctx)
    return QE_OK;
  if (ctx->cancelled)
    return qe_error(ctx, QE_ERR_CANCELLED, "Cancelled while %s", phase ? phase : "working");
  if (ctx->progress && ctx->progress(ctx->progress_data, fraction, phase ? phase : "") != 0) {
    ctx->cancelled = 1;
    return qe_error(ctx, QE_ERR_CANCELLED, "Cancelled while %s", phase ? phase : "working");
  }
  return QE_OK;
}

int qe_ctx_cancelled(const qe_ctx *ctx)
{
  return ctx ? ctx->cancelled : 0;
}

void qe_ctx_set_alloc_limit(qe_ctx *ctx, uint64_t bytes)
{
  if (ctx)
    ctx->alloc_limit = bytes;
}

uint64_t qe_ctx_alloc_limit(const qe_ctx *ctx)
{
  return ctx ? ctx->alloc_limit : ((uint64_t)4 << 30);
}

qe_status qe_alloc(qe_ctx *ctx, size_t n, size_t size, const char *what, void **out)
{
  size_t total;
  *out = NULL;
  if (!qe_mul_size(n, size, &total) || (uint64_t)total > qe_ctx_alloc_limit(ctx))
    return qe_error(
        ctx, QE_ERR_NOMEM, "%s would need %zu x %zu bytes, above the limit of %llu bytes",
        what ? what : "an allocation", n, size, (unsigned long long)qe_ctx_alloc_limit(ctx));
  *out = calloc(total ? total : 1, 1);
  if (!*out)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory allocating %zu bytes for %s", total,
                    what ? what : "an allocation");
  return QE_OK;
}

char *qe_strdup(const char *s)
{
  return s ? qe_strndup(s, strlen(s)) : NULL;
}

char *qe_strndup(const char *s, size_t n)
{
  if (!s)
    return NULL;
  size_t len = strnlen(s, n);
  char *d = malloc(len + 1);
  if (!d)
    return NULL;
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

char *qe_strdup_printf(const char *fmt, ...)
{
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = NULL;
  if (n >= 0 && (s = malloc((size_t)n + 1)))
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return s;
}

bool qe_grow(void **items, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return false;
    ncap *= 2;
  }
  size_t bytes;
  if (!qe_mul_size(ncap, elem, &bytes))
    return false;
  void *p = realloc(*items, bytes);
  if (!p)
    return false;
  *items = p;
  *cap = ncap;
  return true;
}
