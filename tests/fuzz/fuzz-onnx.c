/* fuzz-onnx.c - libFuzzer target for the ONNX reader, shape inference,
 * model statistics, runtime preparation, the kernels (models whose inputs
 * have small static shapes run on zeros) and the writer.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built with clang -fsanitize=fuzzer when meson is set up with
 * -Dfuzzing=true; fuzz-onnx-regress.c drives the same entry point from a
 * main() over a corpus (and deterministic mutations of it) in the normal
 * test suite, with any compiler.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>

#include "qe/qe_graph.h"
#include "qe/qe_onnx.h"
#include "qe/qe_runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qe_ctx *ctx = qe_ctx_new();
  if (!ctx)
    return 0;
  /* Keep every allocation small: a fuzzer must not be able to make the
   * engine allocate gigabytes. */
  qe_ctx_set_alloc_limit(ctx, 64u << 20);
  qe_graph *g = NULL;
  if (qe_onnx_load_buffer(data, size, "fuzz.onnx", NULL, &g, ctx) == QE_OK) {
    qe_model_stats *st = NULL;
    if (qe_graph_stats(g, &st, ctx) == QE_OK)
      qe_model_stats_free(st);
    qe_runtime *rt = NULL;
    if (qe_runtime_new(g, &rt, ctx) == QE_OK) {
      /* Run it on zeros when every input has a small static shape: the
       * kernels see hostile attributes and shapes too. */
      qe_array *ins[16] = { 0 };
      size_t n = g->n_inputs <= 16 ? g->n_inputs : 0;
      bool ok = g->n_inputs <= 16;
      for (size_t i = 0; ok && i < n; i++) {
        const qe_tensor *t = &g->tensors[g->inputs[i]];
        int64_t c = t->rank >= 0 ? qe_dims_count(t->dims, t->rank) : -1;
        ok = c >= 0 && c <= 65536 && qe_dtype_size(t->dtype) > 0 &&
             qe_array_new(t->dtype, t->rank, t->dims, &ins[i], ctx) == QE_OK;
      }
      if (ok)
        qe_runtime_run(rt, n, (const qe_array *const *)ins, ctx);
      for (size_t i = 0; i < n; i++)
        qe_array_free(ins[i]);
      qe_runtime_free(rt);
    }
    qe_graph *c = NULL;
    if (qe_graph_clone(g, &c, ctx) == QE_OK) {
      qe_graph_infer_shapes(c, ctx);
      qe_graph_free(c);
    }
    uint8_t *out = NULL;
    size_t len = 0;
    if (qe_onnx_save_buffer(g, NULL, &out, &len, ctx) == QE_OK) {
      qe_graph *back = NULL;
      qe_onnx_load_buffer(out, len, "fuzz-saved.onnx", NULL, &back, ctx);
      qe_graph_free(back);
      free(out);
    }
    qe_graph_free(g);
  }
  qe_array *a = NULL;
  if (qe_onnx_parse_tensor(data, size, "fuzz.pb", &a, NULL, ctx) == QE_OK)
    qe_array_free(a);
  qe_ctx_free(ctx);
  return 0;
}
