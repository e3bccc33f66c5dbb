/* test-tflite-peer.c - single-op int8 models written by the engine's TFLite
 * writer run in TFLite 2.9 (libtensorflowlite_c.so from npm tfjs-tflite-node,
 * loaded with dlopen) and in the engine: outputs must be bit-identical.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exit 77 (skipped) when the library is absent. Usage:
 *   test-tflite-peer [cases-per-op [seed]]
 */
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_qmodel.h"
#include "qe/qe_tflite.h"
#include "tflite-peer.h"
#include "single-op.h"

static char tfl_error[1024];
/* Bytes malloc'ed by the last TfLiteInterpreterAllocateTensors() call. */
static size_t tfl_alloc_bytes;

static void reporter(void *user, const char *fmt, va_list args)
{
  const size_t len = strlen(tfl_error);
  (void)user;
  if (len + 4 < sizeof(tfl_error)) {
    if (len > 0)
      strcat(tfl_error, " | ");
    vsnprintf(tfl_error + strlen(tfl_error), sizeof(tfl_error) - strlen(tfl_error), fmt, args);
  }
}

/* Run the flatbuffer in TFLite. Returns 0 on success. */
static int run_tflite(const uint8_t *fb, size_t size, const qe_qmodel *m, void *const *inputs,
                      void *output, size_t out_bytes)
{
  tfl_interp tr;
  TfLiteInterpreter *it;
  size_t i;
  int rc = -1;
  tfl_error[0] = '\0';
  it = tfl_open(&tr, fb, size, reporter, NULL);
  if (tr.model == NULL) {
    snprintf(tfl_error, sizeof(tfl_error), "TfLiteModelCreate failed");
    return -1;
  }
  if (it == NULL)
    goto out;
  {
    const struct mallinfo2 before = mallinfo2();
    if (tfl.AllocateTensors(it) != kTfLiteOk)
      goto out;
    tfl_alloc_bytes = mallinfo2().uordblks - before.uordblks;
  }
  for (i = 0; i < m->n_inputs; i++) {
    const qe_qtensor *t = &m->tensors[m->inputs[i]];
    const size_t bytes = (size_t)qe_qtensor_count(t) * qe_qtensor_elem_size(t);
    if (tfl.CopyFromBuffer(tfl.GetInputTensor(it, (int32_t)i), inputs[i], bytes) != kTfLiteOk)
      goto out;
  }
  if (tfl.Invoke(it) != kTfLiteOk)
    goto out;
  if (tfl.ByteSize(tfl.GetOutputTensor(it, 0)) != out_bytes) {
    snprintf(tfl_error, sizeof(tfl_error), "output of %zu bytes, expected %zu",
             tfl.ByteSize(tfl.GetOutputTensor(it, 0)), out_bytes);
    goto out;
  }
  if (tfl.CopyToBuffer(tfl.GetOutputTensor(it, 0), output, out_bytes) != kTfLiteOk)
    goto out;
  rc = 0;
out:
  tfl_close(&tr);
  return rc;
}

/* Run @m on the engine with CONV_2D rounded as @rounding. */
static int run_engine(qe_qmodel *m, qe_rounding rounding, void *const *inputs, void *output,
                      size_t out_bytes, qe_ctx *ctx)
{
  qe_qexec *e = NULL;
  size_t i;
  m->conv_rounding = rounding;
  if (qe_qmodel_prepare(m, ctx) != QE_OK || qe_qexec_new(m, &e, ctx) != QE_OK)
    return -1;
  for (i = 0; i < m->n_inputs; i++) {
    const qe_qtensor *t = &m->tensors[m->inputs[i]];
    memcpy(qe_qexec_input(e, i), inputs[i], (size_t)qe_qtensor_count(t) * qe_qtensor_elem_size(t));
  }
  if (qe_qexec_run(e, ctx) != QE_OK) {
    qe_qexec_free(e);
    return -1;
  }
  memcpy(output, qe_qexec_output(e, 0), out_bytes);
  qe_qexec_free(e);
  return 0;
}

static void describe(const qe_qmodel *m)
{
  size_t i;
  for (i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    int k;
    fprintf(stderr, "  tensor %zu '%s' %s [", i, t->name, qe_dtype_name(t->type));
    for (k = 0; k < t->rank; k++)
      fprintf(stderr, "%s%d", k ? "," : "", (int)t->dims[k]);
    fprintf(stderr, "]");
    if (t->n_quant > 0)
      fprintf(stderr, " scale %.9g zp %d (%zu)", (double)t->scale[0], (int)t->zero_point[0],
              t->n_quant);
    fprintf(stderr, "\n");
  }
  for (i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    fprintf(stderr,
            "  op %s pad %d stride %dx%d dil %dx%d filter %dx%d act %d axis %d beta %g keep %d\n",
            qe_qop_name(op->type), op->opt.padding, op->opt.stride_h, op->opt.stride_w,
            op->opt.dilation_h, op->opt.dilation_w, op->opt.filter_h, op->opt.filter_w,
            op->opt.activation, op->opt.axis, (double)op->opt.beta, op->opt.keep_dims);
  }
}

/* The float versions of the same ops (the executor's float fallback)
 * against TFLite's float kernels: within 1e-5 relative. */
static int float_pass(int per_op, so_rng *rng, qe_ctx *ctx)
{
  int k, failed = 0, total = 0;
  for (k = 0; k < SO_COUNT; k++) {
    int c, attempts = 0, ok = 0;
    if (k == SO_FC_PER_CHANNEL || k == SO_REQUANTIZE || k == SO_QUANTIZE_FLOAT ||
        k == SO_DEQUANTIZE)
      continue;
    for (c = 0; c < per_op && attempts < per_op * 20; attempts++) {
      qe_qmodel *q = so_make((so_kind)k, rng), *m;
      void *inputs[4] = { NULL };
      float *want, *got;
      size_t i, n, out_bytes;
      double worst = 0.0;
      uint8_t *fb = NULL;
      size_t fb_size = 0;
      if (q == NULL)
        continue;
      m = so_to_float(q);
      qe_qmodel_free(q);
      if (m == NULL)
        continue;
      c++;
      total++;
      n = (size_t)qe_qtensor_count(&m->tensors[m->outputs[0]]);
      out_bytes = n * 4;
      for (i = 0; i < m->n_inputs; i++) {
        const size_t ni = (size_t)qe_qtensor_count(&m->tensors[m->inputs[i]]);
        size_t j;
        inputs[i] = malloc(ni * 4 + 4);
        for (j = 0; j < ni; j++)
          ((float *)inputs[i])[j] = so_float(rng, -3.0f, 3.0f);
      }
      want = calloc(n + 1, 4);
      got = calloc(n + 1, 4);
      if (qe_tflite_write(m, &fb, &fb_size, ctx) != QE_OK ||
          run_tflite(fb, fb_size, m, inputs, want, out_bytes) != 0 ||
          run_engine(m, QE_ROUND_DOUBLE, inputs, got, out_bytes, ctx) != 0) {
        fprintf(stderr, "FAIL float %s case %d: %s %s\n", so_kind_name(k), c, qe_ctx_error(ctx),
                tfl_error);
        failed++;
      } else {
        for (i = 0; i < n; i++) {
          const double d = fabs((double)want[i] - (double)got[i]) /
                           (fabs((double)want[i]) > 1.0 ? fabs((double)want[i]) : 1.0);
          worst = d > worst ? d : worst;
        }
        if (worst > 1e-5) {
          fprintf(stderr, "FAIL float %s case %d: relative difference %.3g\n", so_kind_name(k), c,
                  worst);
          if (failed < 3)
            describe(m);
          failed++;
        } else {
          ok++;
        }
      }
      for (i = 0; i < m->n_inputs; i++)
        free(inputs[i]);
      free(want);
      free(got);
      free(fb);
      qe_qmodel_free(m);
    }
    printf("float %-16s %4d within 1e-5 of %d\n", so_kind_name(k), ok, c);
  }
  printf("float ops vs TFLite: %d of %d cases within 1e-5\n", total - failed, total);
  return failed;
}

int main(int argc, char **argv)
{
  const int per_op = argc > 1 ? atoi(argv[1]) : 60;
  /* The engine runs CONV_2D / FULLY_CONNECTED with TFLite's host (ruy)
   * rounding for the bit-exact check and with its default double rounding
   * for the 1-LSB check. */
  so_rng rng = { argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed1234abcdull };
  qe_ctx *ctx = qe_ctx_new();
  int k, total = 0, failed = 0, skipped_kinds = 0;
  int counts[SO_COUNT] = { 0 };
  size_t double_diffs = 0, double_elems = 0;

  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!tfl_load_or_skip(NULL))
    return 77;
  printf("TFLite %s\n", tfl.Version());
  for (k = 0; k < SO_COUNT; k++) {
    int c, attempts = 0, kind_failed = 0;
    if (k == SO_FC_PER_CHANNEL) {
      /* TFLite 2.9 reads one weight scale for FULLY_CONNECTED; per-channel
       * FC came in later versions. Checked against the float reference in
       * tests/kernels instead. */
      printf("%-16s not comparable with TFLite 2.9 (per-channel FC unsupported there)\n",
             so_kind_name(k));
      continue;
    }
    for (c = 0; c < per_op && attempts < per_op * 20; attempts++) {
      qe_qmodel *m = so_make((so_kind)k, &rng), *back = NULL;
      uint8_t *fb = NULL;
      size_t fb_size = 0, out_bytes, i;
      void *inputs[4] = { NULL };
      void *want, *got, *got_back, *got_double;
      const qe_qtensor *ot;
      if (m == NULL)
        continue;
      c++;
      total++;
      ot = &m->tensors[m->outputs[0]];
      out_bytes = (size_t)qe_qtensor_count(ot) * qe_qtensor_elem_size(ot);
      for (i = 0; i < m->n_inputs; i++) {
        const qe_qtensor *t = &m->tensors[m->inputs[i]];
        inputs[i] = malloc((size_t)qe_qtensor_count(t) * qe_qtensor_elem_size(t) + 1);
        so_fill_input(m, (int)i, inputs[i], &rng);
      }
      want = calloc(out_bytes + 1, 1);
      got = calloc(out_bytes + 1, 1);
      got_back = calloc(out_bytes + 1, 1);
      got_double = calloc(out_bytes + 1, 1);
      if (qe_tflite_write(m, &fb, &fb_size, ctx) != QE_OK) {
        fprintf(stderr, "FAIL %s case %d: write: %s\n", so_kind_name(k), c, qe_ctx_error(ctx));
        failed++;
        kind_failed++;
      } else if (run_tflite(fb, fb_size, m, inputs, want, out_bytes) != 0) {
        fprintf(stderr, "FAIL %s case %d: TFLite refused the model: %s\n", so_kind_name(k), c,
                tfl_error);
        describe(m);
        failed++;
        kind_failed++;
      } else if (run_engine(m, QE_ROUND_HALF_UP, inputs, got, out_bytes, ctx) != 0 ||
                 run_engine(m, QE_ROUND_DOUBLE, inputs, got_double, out_bytes, ctx) != 0) {
        fprintf(stderr, "FAIL %s case %d: engine: %s\n", so_kind_name(k), c, qe_ctx_error(ctx));
        failed++;
        kind_failed++;
      } else if (qe_tflite_read(fb, fb_size, "written", &back, ctx) != QE_OK ||
                 run_engine(back, QE_ROUND_HALF_UP, inputs, got_back, out_bytes, ctx) != 0) {
        fprintf(stderr, "FAIL %s case %d: read back: %s\n", so_kind_name(k), c, qe_ctx_error(ctx));
        failed++;
        kind_failed++;
      } else if (memcmp(want, got, out_bytes) != 0 || memcmp(want, got_back, out_bytes) != 0) {
        size_t j, diffs = 0, first = 0;
        const bool is_f = ot->type == QE_DT_F32;
        for (j = 0; j < out_bytes; j += is_f ? 4 : 1)
          if (memcmp((char *)want + j, (char *)got + j, is_f ? 4 : 1) != 0) {
            if (diffs++ == 0)
              first = j;
          }
        fprintf(stderr,
                "FAIL %s case %d: %zu of %zu outputs differ; first at %zu: tflite %d engine %d\n",
                so_kind_name(k), c, diffs, out_bytes / (is_f ? 4 : 1), first / (is_f ? 4 : 1),
                is_f ? 0 : ((int8_t *)want)[first], is_f ? 0 : ((int8_t *)got)[first]);
        if (kind_failed < 2)
          describe(m);
        failed++;
        kind_failed++;
      } else {
        /* The engine's default rounding differs from TFLite's host CONV_2D
         * (ruy) by at most one LSB, on ties only. */
        size_t j, diffs = 0;
        int maxd = 0;
        if (ot->type == QE_DT_I8)
          for (j = 0; j < out_bytes; j++) {
            const int d = abs(((int8_t *)want)[j] - ((int8_t *)got_double)[j]);
            diffs += d != 0;
            maxd = d > maxd ? d : maxd;
          }
        else if (memcmp(want, got_double, out_bytes) != 0)
          maxd = 99;
        if (maxd > 1 ||
            (m->ops[0].type != QE_QOP_CONV_2D && m->ops[0].type != QE_QOP_FULLY_CONNECTED &&
             m->ops[0].type != QE_QOP_BATCH_MATMUL && maxd > 0)) {
          fprintf(stderr, "FAIL %s case %d: default rounding differs by %d LSB\n", so_kind_name(k),
                  c, maxd);
          failed++;
          kind_failed++;
        } else {
          counts[k]++;
          double_diffs += diffs;
          double_elems += out_bytes;
        }
      }
      for (i = 0; i < m->n_inputs; i++)
        free(inputs[i]);
      free(want);
      free(got);
      free(got_back);
      free(got_double);
      free(fb);
      qe_qmodel_free(m);
      qe_qmodel_free(back);
    }
    if (c == 0)
      skipped_kinds++;
    printf("%-16s %4d bit-exact of %d\n", so_kind_name(k), counts[k], c);
  }
  /* A small network of eleven ops, weights and inputs drawn anew. */
  {
    int c, ok = 0;
    for (c = 0; c < per_op / 2 + 1; c++) {
      qe_qmodel *m = so_make_net(&rng);
      uint8_t *fb = NULL;
      size_t fb_size = 0;
      int8_t in[12 * 12 * 3], want[8], got[8];
      void *inputs[1] = { in };
      size_t i;
      total++;
      for (i = 0; i < sizeof(in); i++)
        in[i] = (int8_t)so_int(&rng, -128, 127);
      if (m == NULL || qe_tflite_write(m, &fb, &fb_size, ctx) != QE_OK ||
          run_tflite(fb, fb_size, m, inputs, want, 5) != 0 ||
          run_engine(m, QE_ROUND_HALF_UP, inputs, got, 5, ctx) != 0 || memcmp(want, got, 5) != 0) {
        fprintf(stderr, "FAIL net %d: %s %s\n", c, qe_ctx_error(ctx), tfl_error);
        failed++;
      } else {
        ok++;
        if (c == 0) {
          /* TFLite's C API does not report its arena; what its
           * AllocateTensors() malloc'ed (activation arena plus per-op
           * persistent data) bounds it from above. */
          qe_qexec *e = NULL;
          if (qe_qexec_new(m, &e, ctx) == QE_OK)
            printf("planner: engine arena %zu bytes (activations + scratch); TFLite "
                   "AllocateTensors malloc'ed %zu bytes (arena + persistent op data)\n",
                   qe_qexec_arena_size(e), tfl_alloc_bytes);
          qe_qexec_free(e);
        }
      }
      free(fb);
      qe_qmodel_free(m);
    }
    printf("%-16s %4d bit-exact of %d\n", "net (11 ops)", ok, c);
  }
  printf("bit-exact vs TFLite: %d of %d cases (%d failed)\n", total - failed, total, failed);
  failed += float_pass(per_op / 3 + 1, &rng, ctx);
  printf("CONV_2D / FULLY_CONNECTED / BATCH_MATMUL with the engine's default (double) rounding: "
         "%zu of %zu "
         "outputs 1 LSB off TFLite's ruy path\n",
         double_diffs, double_elems);
  qe_ctx_free(ctx);
  return failed == 0 && skipped_kinds == 0 ? 0 : 1;
}
