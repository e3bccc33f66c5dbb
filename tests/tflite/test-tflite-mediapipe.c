/* test-tflite-mediapipe.c - real TFLite models with fp16 weights from npm
 * (@mediapipe/face_detection, @mediapipe/hands): read them (DEQUANTIZE of
 * fp16 constants folded), list their ops, run them in float on the engine
 * and in TFLite 2.9 (dlopen), outputs within 1e-4. Models the engine
 * cannot run must be refused naming the operator.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "tensorflow/lite/c/c_api.h"
#pragma GCC diagnostic pop

#include "qe/qe_fileutil.h"
#include "qe/qe_tflite.h"

static struct {
  __typeof__(&TfLiteModelCreate) ModelCreate;
  __typeof__(&TfLiteModelDelete) ModelDelete;
  __typeof__(&TfLiteInterpreterOptionsCreate) OptionsCreate;
  __typeof__(&TfLiteInterpreterOptionsDelete) OptionsDelete;
  __typeof__(&TfLiteInterpreterOptionsSetNumThreads) SetNumThreads;
  __typeof__(&TfLiteInterpreterCreate) InterpreterCreate;
  __typeof__(&TfLiteInterpreterDelete) InterpreterDelete;
  __typeof__(&TfLiteInterpreterAllocateTensors) AllocateTensors;
  __typeof__(&TfLiteInterpreterInvoke) Invoke;
  __typeof__(&TfLiteInterpreterGetInputTensor) GetInputTensor;
  __typeof__(&TfLiteInterpreterGetOutputTensor) GetOutputTensor;
  __typeof__(&TfLiteInterpreterGetOutputTensorCount) GetOutputTensorCount;
  __typeof__(&TfLiteTensorCopyFromBuffer) CopyFromBuffer;
  __typeof__(&TfLiteTensorCopyToBuffer) CopyToBuffer;
  __typeof__(&TfLiteTensorByteSize) ByteSize;
} tfl;

static int failures;

static int load(const char *root)
{
  char path[4096];
  void *lib;
  snprintf(path, sizeof(path),
           "%s/tests/peers/node_modules/tfjs-tflite-node/cc_deps/linux_amd64/"
           "libtensorflowlite_c.so",
           root);
  lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    printf("SKIP: %s\n", dlerror());
    return 0;
  }
#define SYM(f, n)                                   \
  if ((*(void **)(&tfl.f) = dlsym(lib, n)) == NULL) \
    return 0;
  SYM(ModelCreate, "TfLiteModelCreate");
  SYM(ModelDelete, "TfLiteModelDelete");
  SYM(OptionsCreate, "TfLiteInterpreterOptionsCreate");
  SYM(OptionsDelete, "TfLiteInterpreterOptionsDelete");
  SYM(SetNumThreads, "TfLiteInterpreterOptionsSetNumThreads");
  SYM(InterpreterCreate, "TfLiteInterpreterCreate");
  SYM(InterpreterDelete, "TfLiteInterpreterDelete");
  SYM(AllocateTensors, "TfLiteInterpreterAllocateTensors");
  SYM(Invoke, "TfLiteInterpreterInvoke");
  SYM(GetInputTensor, "TfLiteInterpreterGetInputTensor");
  SYM(GetOutputTensor, "TfLiteInterpreterGetOutputTensor");
  SYM(GetOutputTensorCount, "TfLiteInterpreterGetOutputTensorCount");
  SYM(CopyFromBuffer, "TfLiteTensorCopyFromBuffer");
  SYM(CopyToBuffer, "TfLiteTensorCopyToBuffer");
  SYM(ByteSize, "TfLiteTensorByteSize");
#undef SYM
  return 1;
}

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
  TfLiteModel *tm;
  TfLiteInterpreterOptions *opt;
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
  tm = tfl.ModelCreate(data, size);
  opt = tfl.OptionsCreate();
  tfl.SetNumThreads(opt, 1);
  interp = tm ? tfl.InterpreterCreate(tm, opt) : NULL;
  if (interp == NULL || tfl.AllocateTensors(interp) != kTfLiteOk ||
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
    if (worst > 1e-4) {
      printf("FAIL %s: float outputs differ from TFLite by %.3g (relative to max(1, |y|))\n", rel,
             worst);
      failures++;
    } else {
      printf("  %s: %zu output values within %.2g of TFLite (bound 1e-4)\n", rel, n_values, worst);
    }
  }
  free(input);
  if (interp)
    tfl.InterpreterDelete(interp);
  tfl.OptionsDelete(opt);
  if (tm)
    tfl.ModelDelete(tm);
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
  if (!load(root))
    return 77;
  check_model(root, "@mediapipe/hands/hand_landmark_lite.tflite");
  check_model(root, "@mediapipe/face_detection/face_detection_short_range.tflite");
  check_refused(root, "@mediapipe/face_detection/face_detection_full_range.tflite",
                "operator 249: RESIZE_BILINEAR is not supported");
  check_refused(root, "@mediapipe/face_detection/face_detection_full_range_sparse.tflite",
                "sparse tensors");
  printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
