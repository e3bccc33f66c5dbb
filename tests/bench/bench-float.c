/* bench-float.c - time the float engine on a model: prints ms per run.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-float MODEL.onnx RUNS INPUT.npy [INPUT.npy ...]
 * One warm-up run (buffers allocated), then RUNS timed runs of the same
 * prepared runtime, as the calibration loop uses it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_runtime.h"

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: bench-float MODEL RUNS INPUT.npy...\n");
    return 2;
  }
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_runtime *rt = NULL;
  int runs = atoi(argv[2]), n = argc - 3, rc = 0;
  qe_array *in[16] = { 0 };
  if (n > 16 || qe_onnx_load(argv[1], &g, ctx) != QE_OK || qe_runtime_new(g, &rt, ctx) != QE_OK) {
    fprintf(stderr, "bench-float: %s\n", qe_ctx_error(ctx));
    rc = 1;
    goto out;
  }
  for (int i = 0; i < n; i++)
    if (qe_npy_read(argv[3 + i], &in[i], ctx) != QE_OK) {
      fprintf(stderr, "bench-float: %s\n", qe_ctx_error(ctx));
      rc = 1;
      goto out;
    }
  if (qe_runtime_run(rt, (size_t)n, (const qe_array *const *)in, ctx) != QE_OK) {
    fprintf(stderr, "bench-float: %s\n", qe_ctx_error(ctx));
    rc = 1;
    goto out;
  }
  double t0 = now_ms();
  for (int r = 0; r < runs; r++)
    qe_runtime_run(rt, (size_t)n, (const qe_array *const *)in, ctx);
  printf("ms_per_run %.4f\n", (now_ms() - t0) / runs);
out:
  for (int i = 0; i < n; i++)
    qe_array_free(in[i]);
  qe_runtime_free(rt);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  return rc;
}
