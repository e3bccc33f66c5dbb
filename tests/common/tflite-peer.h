/* tflite-peer.h - TFLite 2.9's C library (libtensorflowlite_c.so from npm
 * tfjs-tflite-node in tests/peers, loaded with dlopen) for the tests that
 * compare the engine with it: the function table, loading, and an
 * interpreter on a flatbuffer in memory.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QZ_TESTS_TFLITE_PEER_H
#define QZ_TESTS_TFLITE_PEER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "tensorflow/lite/c/c_api.h"
#pragma GCC diagnostic pop

/* The library's entry points the tests use, filled by tfl_load(). */
typedef struct tfl_api {
  void *lib;
  __typeof__(&TfLiteVersion) Version;
  __typeof__(&TfLiteModelCreate) ModelCreate;
  __typeof__(&TfLiteModelDelete) ModelDelete;
  __typeof__(&TfLiteInterpreterOptionsCreate) OptionsCreate;
  __typeof__(&TfLiteInterpreterOptionsDelete) OptionsDelete;
  __typeof__(&TfLiteInterpreterOptionsSetNumThreads) SetNumThreads;
  __typeof__(&TfLiteInterpreterOptionsSetErrorReporter) SetErrorReporter;
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
} tfl_api;

extern tfl_api tfl;

/* Loads the library from the source tree @root (NULL: $QZ_SOURCE_ROOT,
 * else "."). NULL when every entry point was found, else why not (a
 * static string, for the caller's SKIP line). */
const char *tfl_load(const char *root);

/* tfl_load(), printing "SKIP: " and why not when it fails (the test then
 * exits 77): true when loaded. */
bool tfl_load_or_skip(const char *root);

/* Whether TFLite here rounds CONV_2D and FULLY_CONNECTED as the engine's
 * QE_ROUND_HALF_UP does: ruy's AVX / AVX2 / AVX-512 kernels do; on an
 * x86-64 without AVX its portable path rounds once, which the engine does
 * not reproduce (tests/tflite/bitexact-requant-sweep.c). Prints a SKIP
 * line and returns false there. */
bool tfl_bitexact_or_skip(void);

typedef void (*tfl_reporter)(void *user, const char *fmt, va_list args);

/* A model, its options (one thread) and its interpreter. */
typedef struct tfl_interp {
  TfLiteModel *model;
  TfLiteInterpreterOptions *options;
  TfLiteInterpreter *it;
} tfl_interp;

/* Creates the model on @fb (@size bytes, kept alive by the caller until
 * tfl_close()), the options (one thread; @reporter with @user when not
 * NULL) and the interpreter, without allocating its tensors. The
 * interpreter, or NULL when TFLite refused the model. Call tfl_close() in
 * either case. */
TfLiteInterpreter *tfl_open(tfl_interp *r, const void *fb, size_t size, tfl_reporter reporter,
                            void *user);

/* tfl_open() without a reporter, then AllocateTensors(): NULL when a step
 * failed. */
TfLiteInterpreter *tfl_open_allocated(tfl_interp *r, const void *fb, size_t size);

/* Frees what tfl_open() made; accepts a zeroed or half-made one. */
void tfl_close(tfl_interp *r);

/* Input 0 and output 0 hold @in_bytes and @out_bytes. */
bool tfl_io_sizes_are(TfLiteInterpreter *it, size_t in_bytes, size_t out_bytes);

/* Copies @in_bytes of @in into input 0, invokes, copies output 0 into @out
 * (@out_bytes). false when a step failed. */
bool tfl_invoke1(TfLiteInterpreter *it, const void *in, size_t in_bytes, void *out,
                 size_t out_bytes);

#endif
