/* tflite-fuzz.c - libFuzzer entry point for the TFLite reader: read the
 * bytes, list the ops, and when the model is accepted, write it back and
 * run it once on the executor (allocations capped at 64 MiB).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_tflite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_qmodel *m = NULL;
  char *ops = NULL;
  if (ctx == NULL)
    return 0;
  qe_ctx_set_alloc_limit(ctx, 64u << 20);
  if (qe_tflite_list_ops(data, size, "fuzz", &ops, ctx) == QE_OK)
    free(ops);
  if (qe_tflite_read(data, size, "fuzz", &m, ctx) == QE_OK) {
    uint8_t *out = NULL;
    size_t out_size = 0;
    qe_qexec *e = NULL;
    int64_t work = 0;
    size_t i;
    if (qe_tflite_write(m, &out, &out_size, ctx) == QE_OK)
      free(out);
    /* Run only models of modest size: the fuzzer looks for memory errors,
     * not for slow convolutions. */
    for (i = 0; i < m->n_tensors; i++)
      work += qe_qtensor_count(&m->tensors[i]);
    if (work < (1 << 20) && qe_qexec_new(m, &e, ctx) == QE_OK) {
      for (i = 0; i < m->n_inputs; i++) {
        const qe_qtensor *t = &m->tensors[m->inputs[i]];
        memset(qe_qexec_input(e, i), 0x11, (size_t)qe_qtensor_count(t) * qe_qtensor_elem_size(t));
      }
      qe_qexec_run(e, ctx);
    }
    qe_qexec_free(e);
  }
  qe_qmodel_free(m);
  qe_ctx_free(ctx);
  return 0;
}
