/* qe_internal.h - helpers shared by the engine's sources (not installed).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_INTERNAL_H
#define QE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "qe/qe_core.h"

#define QE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define QE_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define QE_MAX(a, b)    ((a) > (b) ? (a) : (b))

/* Overflow-checked size arithmetic: return false on overflow. */
static inline bool qe_mul_size(size_t a, size_t b, size_t *out)
{
  if (a != 0 && b > SIZE_MAX / a)
    return false;
  *out = a * b;
  return true;
}

static inline bool qe_add_size(size_t a, size_t b, size_t *out)
{
  if (b > SIZE_MAX - a)
    return false;
  *out = a + b;
  return true;
}

/* Allocate @n elements of @size bytes, zeroed, refusing sizes over the
 * context's limit with QE_ERR_NOMEM and a message naming @what. */
qe_status qe_alloc(qe_ctx *ctx, size_t n, size_t size, const char *what, void **out);

/* strdup that returns NULL on NULL input. */
char *qe_strdup(const char *s);
char *qe_strndup(const char *s, size_t n);
/* printf into a newly allocated string (NULL on failure). */
char *qe_strdup_printf(const char *fmt, ...) QE_PRINTF(1, 2);

/* Grow a dynamic array so it holds at least @need elements of @elem bytes.
 * *cap is updated. Returns false when memory ran out. */
bool qe_grow(void **items, size_t *cap, size_t need, size_t elem);

#endif /* QE_INTERNAL_H */
