/* qe_plan.h - activation memory planning: tensor lifetimes to offsets in
 * one arena, greedy by size as TFLite Micro's GreedyMemoryPlanner.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each buffer is live from the op that first writes it (first_use) to the
 * last op that reads it (last_use), both inclusive. Two buffers whose
 * lifetimes intersect never share bytes. Buffers are placed largest first
 * (ties: earlier first_use, then index), each at the lowest offset where it
 * fits between the buffers already placed that are live at the same time.
 */
#ifndef QE_PLAN_H
#define QE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qe_plan_buffer {
  size_t size;   /* bytes (0: not placed, offset 0) */
  int first_use; /* op index */
  int last_use;  /* op index >= first_use */
} qe_plan_buffer;

/* Place @n buffers; offsets[i] receives buffer i's offset (a multiple of
 * @alignment, a power of two), *arena_size the bytes needed. */
qe_status qe_plan_greedy(const qe_plan_buffer *bufs, size_t n, size_t alignment, size_t *offsets,
                         size_t *arena_size, qe_ctx *ctx);

/* QE_ERR_VERIFY naming the two buffers when two live-at-once buffers
 * overlap or one runs past @arena_size. */
qe_status qe_plan_check(const qe_plan_buffer *bufs, size_t n, const size_t *offsets,
                        size_t arena_size, qe_ctx *ctx);

/* Lower bound of any plan: the largest sum of sizes live at one op. */
size_t qe_plan_peak_live(const qe_plan_buffer *bufs, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* QE_PLAN_H */
