/* tflite-peer.c - TFLite 2.9's C library for the tests (tflite-peer.h).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "tflite-peer.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tfl_api tfl;

const char *tfl_load(const char *root)
{
  static char why[4200];
  char path[4096];
  if (root == NULL)
    root = getenv("QZ_SOURCE_ROOT");
  snprintf(path, sizeof path,
           "%s/tests/peers/node_modules/tfjs-tflite-node/cc_deps/linux_amd64/"
           "libtensorflowlite_c.so",
           root ? root : ".");
  tfl.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (tfl.lib == NULL) {
    snprintf(why, sizeof why, "TFLite C library not loadable (%s)", dlerror());
    return why;
  }
#define SYM(f, n)                                                         \
  do {                                                                    \
    *(void **)(&tfl.f) = dlsym(tfl.lib, n);                               \
    if (tfl.f == NULL) {                                                  \
      snprintf(why, sizeof why, "%s missing from the TFLite library", n); \
      return why;                                                         \
    }                                                                     \
  } while (0)
  SYM(Version, "TfLiteVersion");
  SYM(ModelCreate, "TfLiteModelCreate");
  SYM(ModelDelete, "TfLiteModelDelete");
  SYM(OptionsCreate, "TfLiteInterpreterOptionsCreate");
  SYM(OptionsDelete, "TfLiteInterpreterOptionsDelete");
  SYM(SetNumThreads, "TfLiteInterpreterOptionsSetNumThreads");
  SYM(SetErrorReporter, "TfLiteInterpreterOptionsSetErrorReporter");
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
  return NULL;
}

bool tfl_load_or_skip(const char *root)
{
  const char *why = tfl_load(root);
  if (why != NULL)
    printf("SKIP: %s\n", why);
  return why == NULL;
}

bool tfl_bitexact_or_skip(void)
{
  if (__builtin_cpu_supports("avx"))
    return true;
  printf("SKIP: this CPU has no AVX, so TFLite's ruy rounds CONV_2D and FULLY_CONNECTED "
         "once (its portable path), which the engine does not reproduce\n");
  return false;
}

TfLiteInterpreter *tfl_open(tfl_interp *r, const void *fb, size_t size, tfl_reporter reporter,
                            void *user)
{
  memset(r, 0, sizeof *r);
  r->model = tfl.ModelCreate(fb, size);
  if (r->model == NULL)
    return NULL;
  r->options = tfl.OptionsCreate();
  tfl.SetNumThreads(r->options, 1);
  if (reporter != NULL)
    tfl.SetErrorReporter(r->options, reporter, user);
  r->it = tfl.InterpreterCreate(r->model, r->options);
  return r->it;
}

TfLiteInterpreter *tfl_open_allocated(tfl_interp *r, const void *fb, size_t size)
{
  if (tfl_open(r, fb, size, NULL, NULL) == NULL || tfl.AllocateTensors(r->it) != kTfLiteOk)
    return NULL;
  return r->it;
}

void tfl_close(tfl_interp *r)
{
  if (r->it != NULL)
    tfl.InterpreterDelete(r->it);
  if (r->options != NULL)
    tfl.OptionsDelete(r->options);
  if (r->model != NULL)
    tfl.ModelDelete(r->model);
  memset(r, 0, sizeof *r);
}

bool tfl_io_sizes_are(TfLiteInterpreter *it, size_t in_bytes, size_t out_bytes)
{
  return tfl.ByteSize(tfl.GetInputTensor(it, 0)) == in_bytes &&
         tfl.ByteSize(tfl.GetOutputTensor(it, 0)) == out_bytes;
}

bool tfl_invoke1(TfLiteInterpreter *it, const void *in, size_t in_bytes, void *out,
                 size_t out_bytes)
{
  return tfl.CopyFromBuffer(tfl.GetInputTensor(it, 0), in, in_bytes) == kTfLiteOk &&
         tfl.Invoke(it) == kTfLiteOk &&
         tfl.CopyToBuffer(tfl.GetOutputTensor(it, 0), out, out_bytes) == kTfLiteOk;
}
