/* test-tflite-model.c - the quantized models as TFLite runs them: each real
 * trained model of tests/models is quantized (int8 input and output), the
 * .tflite the engine writes is loaded into TFLite 2.9 (libtensorflowlite_c
 * from npm tfjs-tflite-node, dlopen) and run on the same int8 inputs as the
 * engine's executor; the outputs are compared element by element.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: test-tflite-model [MAX_SAMPLES]. Exit 77 when the peer is absent.
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

#include "qe/qe.h"
#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_quantize.h"
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

static int load(const char *root)
{
  char path[4096];
  snprintf(path, sizeof(path),
           "%s/tests/peers/node_modules/tfjs-tflite-node/cc_deps/linux_amd64/"
           "libtensorflowlite_c.so",
           root);
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
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

static int failures;

/* Debugging: every activation tensor becomes a model output too. */
static qe_status debug_outputs(qe_qmodel *m, qe_ctx *ctx)
{
  for (size_t i = 0; i < m->n_ops; i++) {
    int t = m->ops[i].output;
    bool is_out = false;
    for (size_t k = 0; k < m->n_outputs; k++)
      is_out |= m->outputs[k] == t;
    if (!is_out && qe_qmodel_add_output(m, t, ctx) != QE_OK)
      return QE_ERR_NOMEM;
  }
  return qe_qmodel_prepare(m, ctx);
}

static void check_model(const char *root, const char *name, size_t max, bool deep)
{
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_samples *s = NULL;
  qe_quant_result *r = NULL;
  qe_qexec *e = NULL;
  uint8_t *buf = NULL;
  size_t size = 0;
  qe_npz *z = NULL;
  qe_array *x = NULL, *xf = NULL;
  TfLiteModel *tm = NULL;
  TfLiteInterpreterOptions *opt = NULL;
  TfLiteInterpreter *in = NULL;
  int8_t *qin = NULL, *a = NULL, *b = NULL;

  snprintf(path, sizeof path, "%s/tests/models/%s.onnx", root, name);
  if (qe_onnx_load(path, &g, ctx) != QE_OK) {
    printf("SKIP %s: %s\n", name, qe_ctx_error(ctx));
    goto out;
  }
  snprintf(path, sizeof path, "%s/tests/models/%s_calib.npz", root, name);
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.input_type = o.output_type = QE_DT_I8;
  o.calib_method = QE_CALIB_PERCENTILE;
  o.equalize = o.bias_correction = true;
  o.diag_samples = 0;
  if (qe_samples_from_npz(path, 0, &s, ctx) != QE_OK || qe_quantize(g, s, &o, &r, ctx) != QE_OK ||
      (getenv("QZ_DEBUG_TFLITE") && debug_outputs(r->qmodel, ctx) != QE_OK) ||
      qe_tflite_write(r->qmodel, &buf, &size, ctx) != QE_OK ||
      qe_qexec_new(r->qmodel, &e, ctx) != QE_OK) {
    printf("FAIL %s: %s\n", name, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  tm = tfl.ModelCreate(buf, size);
  opt = tfl.OptionsCreate();
  tfl.SetNumThreads(opt, 1);
  in = tm ? tfl.InterpreterCreate(tm, opt) : NULL;
  if (!in || tfl.AllocateTensors(in) != kTfLiteOk) {
    printf("FAIL %s: TFLite refused the model\n", name);
    failures++;
    goto out;
  }
  const qe_qtensor *it = &r->qmodel->tensors[r->qmodel->inputs[0]];
  const qe_qtensor *ot = &r->qmodel->tensors[r->qmodel->outputs[0]];
  const size_t n_in = (size_t)qe_qtensor_count(it), n_out = (size_t)qe_qtensor_count(ot);
  if (tfl.ByteSize(tfl.GetInputTensor(in, 0)) != n_in ||
      tfl.ByteSize(tfl.GetOutputTensor(in, 0)) != n_out) {
    printf("FAIL %s: TFLite's tensor sizes differ from the engine's\n", name);
    failures++;
    goto out;
  }
  snprintf(path, sizeof path, "%s/tests/models/%s_test.npz", root, name);
  if (qe_npz_open(path, &z, ctx) != QE_OK || qe_npz_read(z, "x", &x, ctx) != QE_OK ||
      qe_array_to_f32(x, &xf, ctx) != QE_OK) {
    printf("FAIL %s: %s\n", name, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  size_t n = (size_t)x->dims[0];
  if (n > max)
    n = max;
  qin = malloc(n_in);
  a = malloc(n_out);
  b = malloc(n_out);
  size_t same = 0, one = 0, total = 0, samples_same = 0;
  int worst = 0;
  for (size_t k = 0; k < n; k++) {
    const float *src = (const float *)xf->data + k * n_in;
    for (size_t i = 0; i < n_in; i++)
      qin[i] = (int8_t)qe_quantize_value(src[i], it->scale[0], it->zero_point[0], -128, 127);
    memcpy(qe_qexec_input(e, 0), qin, n_in);
    if (qe_qexec_run(e, ctx) != QE_OK) {
      printf("FAIL %s: %s\n", name, qe_ctx_error(ctx));
      failures++;
      goto out;
    }
    memcpy(a, qe_qexec_output(e, 0), n_out);
    if (tfl.CopyFromBuffer(tfl.GetInputTensor(in, 0), qin, n_in) != kTfLiteOk ||
        tfl.Invoke(in) != kTfLiteOk ||
        tfl.CopyToBuffer(tfl.GetOutputTensor(in, 0), b, n_out) != kTfLiteOk) {
      printf("FAIL %s: TFLite could not run sample %zu\n", name, k);
      failures++;
      goto out;
    }
    bool all = true;
    for (size_t i = 0; i < n_out; i++) {
      int d = abs((int)a[i] - (int)b[i]);
      same += d == 0;
      one += d <= 1;
      worst = d > worst ? d : worst;
      all &= d == 0;
    }
    samples_same += all;
    total += n_out;
    if (getenv("QZ_DEBUG_TFLITE") && k == 0) {
      /* every op's output: the first that differs */
      for (size_t oo = 1; oo < r->qmodel->n_outputs; oo++) {
        const qe_qtensor *t = &r->qmodel->tensors[r->qmodel->outputs[oo]];
        size_t nb = tfl.ByteSize(tfl.GetOutputTensor(in, (int32_t)oo));
        uint8_t *tb = malloc(nb);
        tfl.CopyToBuffer(tfl.GetOutputTensor(in, (int32_t)oo), tb, nb);
        const uint8_t *eb = qe_qexec_output(e, oo);
        size_t diff = 0;
        int mx = 0;
        for (size_t i = 0; i < nb; i++) {
          int d =
              t->type == QE_DT_I8 ? abs((int)(int8_t)tb[i] - (int)(int8_t)eb[i]) : (tb[i] != eb[i]);
          diff += d != 0;
          mx = d > mx ? d : mx;
        }
        printf("  %-60s %s %zu bytes, %zu differ (max %d)\n", t->name, qe_dtype_name(t->type), nb,
               diff, mx);
        free(tb);
      }
    }
  }
  printf("%-18s %4zu samples: identical %.4f, within 1 LSB %.4f, max %d LSB; samples fully "
         "identical %zu\n",
         name, n, (double)same / (double)total, (double)one / (double)total, worst, samples_same);
  /* TFLite's host CONV_2D (ruy) rounds once where the reference kernels
   * (the engine, TFLite Micro, CMSIS-NN) round twice: a tie now and then
   * differs by one LSB, and through a deep network such differences
   * spread. So the bound is kept for the shallow models; the deep one
   * (MobileNetV2, 50+ layers) is reported. */
  if (!deep && (double)one / (double)total < 0.999) {
    printf("FAIL %s: TFLite agrees within 1 LSB on only %.4f of the outputs\n", name,
           (double)one / (double)total);
    failures++;
  }
out:
  free(qin);
  free(a);
  free(b);
  if (in)
    tfl.InterpreterDelete(in);
  if (opt)
    tfl.OptionsDelete(opt);
  if (tm)
    tfl.ModelDelete(tm);
  qe_npz_close(z);
  qe_array_free(x);
  qe_array_free(xf);
  free(buf);
  qe_qexec_free(e);
  qe_quant_result_free(r);
  qe_samples_free(s);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

int main(int argc, char **argv)
{
  const char *root = getenv("QZ_SOURCE_ROOT");
  size_t max = argc > 1 ? (size_t)atol(argv[1]) : 200;
  if (!root)
    root = ".";
  if (!load(root))
    return 77;
  static const char *const models[] = { "fashion_cnn", "mobilenetv2_tiny", "conv1d_series",
                                        "audio_kws" };
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    check_model(root, models[i], max, strcmp(models[i], "mobilenetv2_tiny") == 0);
  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures ? 1 : 0;
}
