/* qe_plan.c - greedy-by-size arena planner (TFLite Micro's algorithm).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "qe/qe_plan.h"
#include "qe_internal.h"

/* Buffer a goes before b: larger first, then earlier first use, then
 * index (a total order, so the plan is deterministic). */
static bool size_before(const qe_plan_buffer *bufs, size_t a, size_t b)
{
  if (bufs[a].size != bufs[b].size)
    return bufs[a].size > bufs[b].size;
  if (bufs[a].first_use != bufs[b].first_use)
    return bufs[a].first_use < bufs[b].first_use;
  return a < b;
}

static bool offset_before(const size_t *offsets, size_t a, size_t b)
{
  return offsets[a] != offsets[b] ? offsets[a] < offsets[b] : a < b;
}

/* Insertion sorts (no global state, so planning is thread-safe). */
static void sort_by_size(size_t *v, size_t n, const qe_plan_buffer *bufs)
{
  size_t i, j;
  for (i = 1; i < n; i++) {
    const size_t x = v[i];
    for (j = i; j > 0 && size_before(bufs, x, v[j - 1]); j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

static void sort_by_offset(size_t *v, size_t n, const size_t *offsets)
{
  size_t i, j;
  for (i = 1; i < n; i++) {
    const size_t x = v[i];
    for (j = i; j > 0 && offset_before(offsets, x, v[j - 1]); j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

static bool overlap_time(const qe_plan_buffer *a, const qe_plan_buffer *b)
{
  return a->first_use <= b->last_use && b->first_use <= a->last_use;
}

qe_status qe_plan_greedy(const qe_plan_buffer *bufs, size_t n, size_t alignment, size_t *offsets,
                         size_t *arena_size, qe_ctx *ctx)
{
  size_t *order = NULL, *placed = NULL, *live = NULL;
  size_t n_placed = 0, arena = 0, i, k;
  qe_status st;

  if ((n > 0 && (bufs == NULL || offsets == NULL)) || arena_size == NULL || alignment == 0 ||
      (alignment & (alignment - 1)) != 0)
    return qe_error(ctx, QE_ERR_INVALID, "memory planner: invalid arguments");
  for (i = 0; i < n; i++)
    if (bufs[i].last_use < bufs[i].first_use || bufs[i].size > SIZE_MAX / 2)
      return qe_error(ctx, QE_ERR_INVALID,
                      "memory planner: buffer %zu: last use %d before first use %d", i,
                      bufs[i].last_use, bufs[i].first_use);
  *arena_size = 0;
  if (n == 0)
    return QE_OK;
  if ((st = qe_alloc(ctx, n, sizeof(size_t), "plan order", (void **)&order)) != QE_OK)
    return st;
  if ((st = qe_alloc(ctx, n, sizeof(size_t), "plan", (void **)&placed)) != QE_OK ||
      (st = qe_alloc(ctx, n, sizeof(size_t), "plan", (void **)&live)) != QE_OK) {
    free(order);
    free(placed);
    return st;
  }
  for (i = 0; i < n; i++) {
    order[i] = i;
    offsets[i] = 0;
  }
  sort_by_size(order, n, bufs);

  for (k = 0; k < n; k++) {
    const size_t b = order[k];
    const size_t size = (bufs[b].size + alignment - 1) & ~(alignment - 1);
    size_t n_live = 0, cand = 0, j;
    if (bufs[b].size == 0)
      continue;
    /* The placed buffers live at the same time, by offset. */
    for (j = 0; j < n_placed; j++)
      if (overlap_time(&bufs[placed[j]], &bufs[b]))
        live[n_live++] = placed[j];
    sort_by_offset(live, n_live, offsets);
    /* First gap that fits. */
    for (j = 0; j < n_live; j++) {
      const size_t o = offsets[live[j]];
      const size_t end = o + ((bufs[live[j]].size + alignment - 1) & ~(alignment - 1));
      if (o >= cand + size)
        break;
      if (end > cand)
        cand = end;
    }
    offsets[b] = cand;
    if (cand + size > arena)
      arena = cand + size;
    placed[n_placed++] = b;
  }
  *arena_size = arena;
  free(order);
  free(placed);
  free(live);
  return QE_OK;
}

qe_status qe_plan_check(const qe_plan_buffer *bufs, size_t n, const size_t *offsets,
                        size_t arena_size, qe_ctx *ctx)
{
  size_t i, j;
  for (i = 0; i < n; i++) {
    if (bufs[i].size == 0)
      continue;
    if (offsets[i] + bufs[i].size > arena_size)
      return qe_error(ctx, QE_ERR_VERIFY,
                      "memory plan: buffer %zu ends at %zu past the arena (%zu)", i,
                      offsets[i] + bufs[i].size, arena_size);
    for (j = i + 1; j < n; j++) {
      if (bufs[j].size == 0 || !overlap_time(&bufs[i], &bufs[j]))
        continue;
      if (offsets[i] < offsets[j] + bufs[j].size && offsets[j] < offsets[i] + bufs[i].size)
        return qe_error(ctx, QE_ERR_VERIFY,
                        "memory plan: buffers %zu [%zu, +%zu) and %zu [%zu, +%zu) are live at "
                        "once and overlap",
                        i, offsets[i], bufs[i].size, j, offsets[j], bufs[j].size);
    }
  }
  return QE_OK;
}

size_t qe_plan_peak_live(const qe_plan_buffer *bufs, size_t n)
{
  size_t peak = 0, i;
  int t, t0 = 0, t1 = -1;
  for (i = 0; i < n; i++) {
    if (i == 0 || bufs[i].first_use < t0)
      t0 = bufs[i].first_use;
    if (bufs[i].last_use > t1)
      t1 = bufs[i].last_use;
  }
  for (t = t0; t <= t1; t++) {
    size_t s = 0;
    for (i = 0; i < n; i++)
      if (bufs[i].first_use <= t && t <= bufs[i].last_use)
        s += bufs[i].size;
    if (s > peak)
      peak = s;
  }
  return peak;
}
