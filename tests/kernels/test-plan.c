/* test-plan.c - the greedy-by-size arena planner: hand-checked layouts,
 * and on random lifetimes no two live buffers overlap and the arena lies
 * between the peak live size (a lower bound for any plan) and the sum of
 * all sizes. Prints the ratio to the lower bound.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include "qe/qe_plan.h"
#include "qz-check.h"

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  uint64_t s = 12345;
  double worst = 1.0, sum_ratio = 0.0;
  int trial;
  {
    /* A chain a -> b -> c: a and c can share, b sits beside them. */
    const qe_plan_buffer b[3] = { { 100, 0, 1 }, { 50, 1, 2 }, { 100, 2, 3 } };
    size_t off[3], arena;
    CHECK(qe_plan_greedy(b, 3, 16, off, &arena, ctx) == QE_OK, "%s", qe_ctx_error(ctx));
    CHECK(arena == 112 + 64 && off[0] == 0 && off[2] == 0 && off[1] == 112,
          "chain: arena %zu, offsets %zu %zu %zu", arena, off[0], off[1], off[2]);
    CHECK(qe_plan_check(b, 3, off, arena, ctx) == QE_OK, "%s", qe_ctx_error(ctx));
  }
  {
    /* An overlapping plan is caught. */
    const qe_plan_buffer b[2] = { { 10, 0, 1 }, { 10, 1, 2 } };
    const size_t off[2] = { 0, 5 };
    CHECK(qe_plan_check(b, 2, off, 32, ctx) == QE_ERR_VERIFY, "overlap not caught");
  }
  {
    const qe_plan_buffer b[1] = { { 10, 3, 1 } };
    size_t off[1], arena;
    CHECK(qe_plan_greedy(b, 1, 16, off, &arena, ctx) == QE_ERR_INVALID, "bad lifetime");
  }
  for (trial = 0; trial < 300; trial++) {
    qe_plan_buffer b[64];
    size_t off[64], arena, total = 0, peak;
    int n = 2 + trial % 60, i;
    for (i = 0; i < n; i++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      b[i].size = (size_t)((s >> 33) % 5000) + 1;
      b[i].first_use = (int)((s >> 20) % 40);
      b[i].last_use = b[i].first_use + (int)((s >> 10) % 6);
      total += (b[i].size + 15) & ~(size_t)15;
    }
    CHECK(qe_plan_greedy(b, (size_t)n, 16, off, &arena, ctx) == QE_OK, "%s", qe_ctx_error(ctx));
    CHECK(qe_plan_check(b, (size_t)n, off, arena, ctx) == QE_OK, "trial %d: %s", trial,
          qe_ctx_error(ctx));
    for (i = 0; i < n; i++)
      CHECK(off[i] % 16 == 0, "misaligned offset");
    peak = qe_plan_peak_live(b, (size_t)n);
    CHECK(arena >= peak && arena <= total, "arena %zu outside [%zu, %zu]", arena, peak, total);
    if ((double)arena / (double)peak > worst)
      worst = (double)arena / (double)peak;
    sum_ratio += (double)arena / (double)peak;
  }
  printf("random plans: arena / peak-live lower bound: mean %.3f, worst %.3f\n", sum_ratio / 300,
         worst);
  printf("%d checks, %d failed\n", checks, failures);
  qe_ctx_free(ctx);
  return failures ? 1 : 0;
}
