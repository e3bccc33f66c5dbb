/* test-tflite-mediapipe.c - real TFLite models with fp16 weights from npm
 * (@mediapipe/face_detection, @mediapipe/hands): read them (DEQUANTIZE of
 * fp16 constants folded), list their ops, run them in float on the engine
 * and in TFLite 2.9 (dlopen), outputs within 1e-4. Models the engine
 * cannot run must be refused naming the operator.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_plan.h"
#include "qe/qe_runtime.h"
#include "qe/qe_tflite.h"
#include "tflite-peer.h"

static int failures;

static void check_model(const char *root, const char *rel)
{
  char path[4096];
  uint8_t *data = NULL;
  size_t size = 0, i, n_in;
  qe_ctx *ctx = qe_ctx_new();
  qe_qmodel *m = NULL;
  qe_qexec *e = NULL;
  char *ops = NULL;
  float *input = NULL;
  const qe_qtensor *it;
  tfl_interp tr;
  TfLiteInterpreter *interp;
  double worst = 0.0;
  size_t n_values = 0;

  snprintf(path, sizeof(path), "%s/tests/peers/node_modules/%s", root, rel);
  if (qe_read_file(path, &data, &size, ctx) != QE_OK) {
    printf("FAIL %s: %s\n", rel, qe_ctx_error(ctx));
    failures++;
    qe_ctx_free(ctx);
    return;
  }
  if (qe_tflite_list_ops(data, size, rel, &ops, ctx) != QE_OK) {
    printf("FAIL %s: list ops: %s\n", rel, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  printf("%s: %s\n", rel, ops);
  if (qe_tflite_read(data, size, rel, &m, ctx) != QE_OK) {
    printf("FAIL %s: read: %s\n", rel, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  if (qe_qexec_new(m, &e, ctx) != QE_OK) {
    printf("FAIL %s: executor: %s\n", rel, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  it = &m->tensors[m->inputs[0]];
  n_in = (size_t)qe_qtensor_count(it);
  /* A smooth image in [-1, 1]. Kept aside: the arena space of the input is
   * reused by later layers once the first layer has read it. */
  input = malloc(n_in * sizeof(float) + 4);
  for (i = 0; i < n_in; i++)
    input[i] = (float)(sin(0.013 * (double)i) * 0.9 + 0.05 * cos(0.7 * (double)i));
  memcpy(qe_qexec_input(e, 0), input, n_in * sizeof(float));
  if (qe_qexec_run(e, ctx) != QE_OK) {
    printf("FAIL %s: run: %s\n", rel, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  interp = tfl_open_allocated(&tr, data, size);
  if (interp == NULL ||
      tfl.CopyFromBuffer(tfl.GetInputTensor(interp, 0), input, n_in * 4) != kTfLiteOk ||
      tfl.Invoke(interp) != kTfLiteOk) {
    printf("FAIL %s: TFLite could not run it\n", rel);
    failures++;
  } else {
    for (i = 0; i < m->n_outputs && i < (size_t)tfl.GetOutputTensorCount(interp); i++) {
      const TfLiteTensor *ot = tfl.GetOutputTensor(interp, (int32_t)i);
      const size_t bytes = tfl.ByteSize(ot);
      const qe_qtensor *qt = &m->tensors[m->outputs[i]];
      const float *mine = qe_qexec_output(e, i);
      float *ref = malloc(bytes + 4);
      size_t k, n = bytes / 4;
      double maxdiff = 0.0, maxref = 0.0;
      if ((size_t)qe_qtensor_count(qt) != n) {
        printf("FAIL %s: output %zu has %lld values, TFLite %zu\n", rel, i,
               (long long)qe_qtensor_count(qt), n);
        failures++;
        free(ref);
        continue;
      }
      tfl.CopyToBuffer(ot, ref, bytes);
      for (k = 0; k < n; k++) {
        const double d = fabs((double)mine[k] - (double)ref[k]);
        maxdiff = d > maxdiff ? d : maxdiff;
        maxref = fabs(ref[k]) > maxref ? fabs(ref[k]) : maxref;
      }
      n_values += n;
      /* absolute 1e-4 on values of order 1; relative beyond */
      if (maxdiff / (maxref > 1.0 ? maxref : 1.0) > worst)
        worst = maxdiff / (maxref > 1.0 ? maxref : 1.0);
      printf("  output %zu '%s': %zu values, max |engine - TFLite| %.3g (max |TFLite| %.3g)\n", i,
             qt->name, n, maxdiff, maxref);
      free(ref);
    }
    /* The same model as a qe_graph (ONNX semantics), optimized, on the
     * graph runtime. */
    {
      qe_graph *g = NULL;
      qe_array *x = NULL, **gout = NULL;
      size_t n_tr = 0, n_nodes = 0, j;
      int64_t dims[QE_QMAX_RANK];
      int d;
      for (d = 0; d < it->rank; d++)
        dims[d] = it->dims[d];
      if (qe_tflite_read_graph(data, size, rel, &g, ctx) != QE_OK ||
          qe_graph_optimize(g, ctx) != QE_OK ||
          qe_array_new(QE_DT_F32, it->rank, dims, &x, ctx) != QE_OK) {
        printf("FAIL %s: graph: %s\n", rel, qe_ctx_error(ctx));
        failures++;
      } else {
        const qe_array *const xin[1] = { x };
        memcpy(x->data, input, n_in * sizeof(float));
        for (j = 0; j < g->n_nodes; j++)
          n_tr += g->nodes[j].op == QE_OP_TRANSPOSE;
        n_nodes = g->n_nodes;
        if (qe_run_graph(g, 1, xin, &gout, ctx) != QE_OK) {
          printf("FAIL %s: graph run: %s\n", rel, qe_ctx_error(ctx));
          failures++;
        } else {
          double gworst = 0.0;
          for (i = 0; i < g->n_outputs && i < (size_t)tfl.GetOutputTensorCount(interp); i++) {
            const TfLiteTensor *ot = tfl.GetOutputTensor(interp, (int32_t)i);
            const size_t n = tfl.ByteSize(ot) / 4;
            float *ref = malloc(n * 4 + 4);
            const float *mine = gout[i]->data;
            double maxref = 0.0, maxdiff = 0.0;
            size_t k;
            tfl.CopyToBuffer(ot, ref, n * 4);
            if ((size_t)qe_array_count(gout[i]) != n) {
              printf("FAIL %s: graph output %zu size\n", rel, i);
              failures++;
              free(ref);
              continue;
            }
            for (k = 0; k < n; k++) {
              const double dd = fabs((double)mine[k] - (double)ref[k]);
              maxdiff = dd > maxdiff ? dd : maxdiff;
              maxref = fabs(ref[k]) > maxref ? fabs(ref[k]) : maxref;
            }
            if (maxdiff / (maxref > 1.0 ? maxref : 1.0) > gworst)
              gworst = maxdiff / (maxref > 1.0 ? maxref : 1.0);
            free(ref);
          }
          printf("  as a qe_graph: %zu nodes, %zu Transposes left after the passes; outputs "
                 "within %.2g of TFLite\n",
                 n_nodes, n_tr, gworst);
          if (gworst > 1e-4) {
            printf("FAIL %s: graph outputs differ from TFLite by %.3g\n", rel, gworst);
            failures++;
          }
          for (j = 0; j < g->n_outputs; j++)
            qe_array_free(gout[j]);
          free(gout);
        }
      }
      qe_array_free(x);
      qe_graph_free(g);
    }
    /* The planner on a real model: arena against the peak of live
     * activations (a lower bound) and the sum of all activations. */
    {
      size_t sum = 0, peak = 0, t;
      qe_plan_buffer *pb = calloc(m->n_tensors + 1, sizeof(*pb));
      size_t nb = 0;
      for (t = 0; t < m->n_tensors; t++) {
        const qe_qtensor *q = &m->tensors[t];
        if (q->data == NULL)
          sum += (size_t)qe_qtensor_count(q) * qe_qtensor_elem_size(q);
      }
      /* lifetimes as the executor builds them */
      for (i = 0; i < m->n_ops; i++) {
        const qe_qop *op = &m->ops[i];
        size_t b;
        int kk;
        pb[nb].size = (size_t)qe_qtensor_count(&m->tensors[op->output]) *
                      qe_qtensor_elem_size(&m->tensors[op->output]);
        pb[nb].first_use = pb[nb].last_use = (int)i;
        for (b = 0; b < m->n_outputs; b++)
          if (m->outputs[b] == op->output)
            pb[nb].last_use = (int)m->n_ops;
        for (b = i + 1; b < m->n_ops; b++)
          for (kk = 0; kk < m->ops[b].n_inputs; kk++)
            if (m->ops[b].inputs[kk] == op->output && pb[nb].last_use < (int)b)
              pb[nb].last_use = (int)b;
        nb++;
      }
      pb[nb].size = n_in * sizeof(float);
      pb[nb].first_use = 0;
      pb[nb].last_use = 0;
      for (i = 0; i < m->n_ops; i++) {
        int kk;
        for (kk = 0; kk < m->ops[i].n_inputs; kk++)
          if (m->ops[i].inputs[kk] == m->inputs[0])
            pb[nb].last_use = (int)i;
      }
      nb++;
      peak = qe_plan_peak_live(pb, nb);
      printf("  planner: arena %zu bytes; live-peak lower bound %zu (arena/bound %.3f); all "
             "activations %zu (%.1fx the arena)\n",
             qe_qexec_arena_size(e), peak, (double)qe_qexec_arena_size(e) / (double)peak, sum,
             (double)sum / (double)qe_qexec_arena_size(e));
      if (qe_qexec_arena_size(e) < peak) {
        printf("FAIL %s: arena below the live peak\n", rel);
        failures++;
      }
      free(pb);
    }
    if (worst > 1e-4) {
      printf("FAIL %s: float outputs differ from TFLite by %.3g (relative to max(1, |y|))\n", rel,
             worst);
      failures++;
    } else {
      printf("  %s: %zu output values within %.2g of TFLite (bound 1e-4)\n", rel, n_values, worst);
    }
  }
  free(input);
  tfl_close(&tr);
out:
  free(ops);
  qe_qexec_free(e);
  qe_qmodel_free(m);
  free(data);
  qe_ctx_free(ctx);
}

static void check_refused(const char *root, const char *rel, const char *what)
{
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_qmodel *m = NULL;
  snprintf(path, sizeof(path), "%s/tests/peers/node_modules/%s", root, rel);
  if (qe_tflite_load(path, &m, ctx) != QE_ERR_UNSUPPORTED ||
      strstr(qe_ctx_error(ctx), what) == NULL) {
    printf("FAIL %s: expected a refusal naming \"%s\", got \"%s\"\n", rel, what, qe_ctx_error(ctx));
    failures++;
  } else {
    printf("%s: refused as expected: %s\n", rel, qe_ctx_error(ctx));
  }
  qe_qmodel_free(m);
  qe_ctx_free(ctx);
}

int main(void)
{
  const char *root = getenv("QZ_SOURCE_ROOT");
  char probe[4096];
  FILE *f;
  if (root == NULL)
    root = ".";
  snprintf(probe, sizeof(probe),
           "%s/tests/peers/node_modules/@mediapipe/hands/hand_landmark_lite.tflite", root);
  if ((f = fopen(probe, "rb")) == NULL) {
    printf("SKIP: the @mediapipe models are not installed in tests/peers\n");
    return 77;
  }
  fclose(f);
  if (!tfl_load_or_skip(root))
    return 77;
  check_model(root, "@mediapipe/hands/hand_landmark_lite.tflite");
  check_model(root, "@mediapipe/face_detection/face_detection_short_range.tflite");
  check_model(root, "@mediapipe/face_detection/face_detection_full_range.tflite");
  check_refused(root, "@mediapipe/face_detection/face_detection_full_range_sparse.tflite",
                "sparse tensors");
  printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
