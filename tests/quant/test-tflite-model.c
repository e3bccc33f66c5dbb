/* test-tflite-model.c - the quantized models as TFLite runs them: each real
 * trained model of tests/models is quantized, the .tflite the engine writes
 * is loaded into TFLite 2.9 (libtensorflowlite_c from npm tfjs-tflite-node,
 * dlopen) and run on the same inputs as the engine's executor, on every
 * test sample; the outputs must be bit-identical.
 *
 * The engine runs twice. With QE_ROUND_HALF_UP it rounds CONV_2D and
 * FULLY_CONNECTED as TFLite on a PC does (ruy's AVX / AVX2 / AVX-512
 * kernels round the final right shift of the requantization half up;
 * every other op, depthwise included, uses TFLite's reference
 * arithmetic): this run must be bit-identical. (Skipped on an x86-64
 * without AVX, where ruy's portable path rounds once.) With its default
 * QE_ROUND_DOUBLE (TFLite Micro's, CMSIS-NN's, the board's rounding: half
 * away from zero) the two differ on the accumulators that land on a
 * negative exact tie - rare in one layer (tests/tflite/
 * bitexact-requant-sweep.c shows they are the only difference), but a
 * deep network spreads each one-LSB flip: that run is
 * reported, as how far a board's output is from TFLite on a PC.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: test-tflite-model [MAX_SAMPLES] (0 or none: all). Exit 77 when the
 * peer is absent. QZ_DEBUG_TFLITE=1: every activation also becomes an
 * output and the first sample's tensors are compared op by op.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_quantize.h"
#include "qe/qe_tflite.h"
#include "tflite-peer.h"

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

/* A model and the quantizer's settings for it. */
typedef struct variant {
  const char *model;
  const char *label;
  qe_dtype io; /* input and output type */
  qe_calib_method calib;
  qe_granularity granularity;
  bool optimize; /* equalization + bias correction */
} variant;

static void set_input(const qe_qtensor *it, const float *src, size_t n, uint8_t *dst)
{
  for (size_t i = 0; i < n; i++) {
    if (it->type == QE_DT_F32)
      memcpy(dst + 4 * i, &src[i], 4);
    else if (it->type == QE_DT_U8)
      dst[i] = (uint8_t)qe_quantize_value(src[i], it->scale[0], it->zero_point[0], 0, 255);
    else
      dst[i] =
          (uint8_t)(int8_t)qe_quantize_value(src[i], it->scale[0], it->zero_point[0], -128, 127);
  }
}

/* |a - b| of output element @i in LSB: int8 / uint8 directly; a float
 * output made by DEQUANTIZE in LSB of the quantized tensor @lsb (0 when
 * the bits are equal). */
static int elem_diff(qe_dtype t, float lsb, const uint8_t *a, const uint8_t *b, size_t i)
{
  if (t == QE_DT_F32) {
    float fa, fb;
    if (memcmp(a + 4 * i, b + 4 * i, 4) == 0)
      return 0;
    memcpy(&fa, a + 4 * i, 4);
    memcpy(&fb, b + 4 * i, 4);
    /* different bits are at least one LSB apart */
    return lsb > 0.0f ? (int)fmax(1.0, round(fabs((double)fa - (double)fb) / (double)lsb)) : 1000;
  }
  if (t == QE_DT_U8)
    return abs((int)a[i] - (int)b[i]);
  return abs((int)(int8_t)a[i] - (int)(int8_t)b[i]);
}

/* The scale of the int8 tensor a float output is dequantized from. */
static float output_lsb(const qe_qmodel *m)
{
  for (size_t i = 0; i < m->n_ops; i++)
    if (m->ops[i].output == m->outputs[0] && m->ops[i].type == QE_QOP_DEQUANTIZE &&
        m->tensors[m->ops[i].inputs[0]].n_quant > 0)
      return m->tensors[m->ops[i].inputs[0]].scale[0];
  return 0.0f;
}

typedef struct agreement {
  size_t same, one, total, samples_same;
  int worst;
  long first_sample, first_elem;
} agreement;

/* Run the engine on every sample (inputs @qin, @n_in_bytes each) and
 * compare with TFLite's outputs @want. */
static qe_status engine_vs_tflite(qe_qmodel *m, qe_rounding rounding, const uint8_t *qin,
                                  size_t n_in_bytes, const uint8_t *want, size_t n_out,
                                  size_t out_bytes, size_t n, agreement *ag, qe_ctx *ctx)
{
  qe_qexec *e = NULL;
  const qe_dtype ot = m->tensors[m->outputs[0]].type;
  const float lsb = output_lsb(m);
  memset(ag, 0, sizeof *ag);
  ag->first_sample = ag->first_elem = -1;
  m->conv_rounding = rounding;
  if (qe_qmodel_prepare(m, ctx) != QE_OK || qe_qexec_new(m, &e, ctx) != QE_OK)
    return qe_ctx_status(ctx);
  for (size_t k = 0; k < n; k++) {
    memcpy(qe_qexec_input(e, 0), qin + k * n_in_bytes, n_in_bytes);
    if (qe_qexec_run(e, ctx) != QE_OK) {
      qe_qexec_free(e);
      return qe_ctx_status(ctx);
    }
    const uint8_t *got = qe_qexec_output(e, 0);
    bool all = true;
    for (size_t i = 0; i < n_out; i++) {
      const int d = elem_diff(ot, lsb, got, want + k * out_bytes, i);
      ag->same += d == 0;
      ag->one += d <= 1;
      ag->worst = d > ag->worst ? d : ag->worst;
      if (d != 0 && ag->first_sample < 0) {
        ag->first_sample = (long)k;
        ag->first_elem = (long)i;
      }
      all &= d == 0;
    }
    ag->samples_same += all;
    ag->total += n_out;
  }
  qe_qexec_free(e);
  return QE_OK;
}

/* QZ_DEBUG_TFLITE: one sample's tensors, op by op, against TFLite's (the
 * engine with TFLite's rounding). */
static void debug_tensors(qe_qmodel *m, TfLiteInterpreter *in, const uint8_t *qin,
                          size_t n_in_bytes, qe_ctx *ctx)
{
  qe_qexec *e = NULL;
  m->conv_rounding = QE_ROUND_HALF_UP;
  if (qe_qmodel_prepare(m, ctx) != QE_OK || qe_qexec_new(m, &e, ctx) != QE_OK)
    return;
  memcpy(qe_qexec_input(e, 0), qin, n_in_bytes);
  if (qe_qexec_run(e, ctx) != QE_OK ||
      tfl.CopyFromBuffer(tfl.GetInputTensor(in, 0), qin, n_in_bytes) != kTfLiteOk ||
      tfl.Invoke(in) != kTfLiteOk) {
    qe_qexec_free(e);
    return;
  }
  for (size_t oo = 1; oo < m->n_outputs; oo++) {
    const qe_qtensor *t = &m->tensors[m->outputs[oo]];
    size_t nb = tfl.ByteSize(tfl.GetOutputTensor(in, (int32_t)oo));
    uint8_t *tb = malloc(nb);
    tfl.CopyToBuffer(tfl.GetOutputTensor(in, (int32_t)oo), tb, nb);
    const uint8_t *eb = qe_qexec_output(e, oo);
    size_t diff = 0;
    int mx = 0;
    for (size_t i = 0; i < nb; i++) {
      int d = t->type == QE_DT_I8 ? abs((int)(int8_t)tb[i] - (int)(int8_t)eb[i]) : (tb[i] != eb[i]);
      diff += d != 0;
      mx = d > mx ? d : mx;
    }
    printf("  %-60s %s %zu bytes, %zu differ (max %d)\n", t->name, qe_dtype_name(t->type), nb, diff,
           mx);
    free(tb);
  }
  qe_qexec_free(e);
}

static void check_model(const char *root, const variant *v, size_t max)
{
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_samples *s = NULL;
  qe_quant_result *r = NULL;
  uint8_t *buf = NULL;
  size_t size = 0;
  qe_npz *z = NULL;
  qe_array *x = NULL, *xf = NULL;
  tfl_interp tr = { 0 };
  TfLiteInterpreter *in = NULL;
  uint8_t *qin = NULL, *want = NULL;
  const char *name = v->model;
  char label[128];

  snprintf(label, sizeof label, "%s%s%s", name, v->label[0] ? " " : "", v->label);
  snprintf(path, sizeof path, "%s/tests/models/%s.onnx", root, name);
  if (qe_onnx_load(path, &g, ctx) != QE_OK) {
    printf("FAIL %s: %s\n", label, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  snprintf(path, sizeof path, "%s/tests/models/%s_calib.npz", root, name);
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.input_type = o.output_type = v->io;
  o.calib_method = v->calib;
  o.granularity = v->granularity;
  o.equalize = o.bias_correction = v->optimize;
  o.diag_samples = 0;
  if (qe_samples_from_npz(path, 0, &s, ctx) != QE_OK || qe_quantize(g, s, &o, &r, ctx) != QE_OK ||
      (getenv("QZ_DEBUG_TFLITE") && debug_outputs(r->qmodel, ctx) != QE_OK) ||
      qe_tflite_write(r->qmodel, &buf, &size, ctx) != QE_OK) {
    printf("FAIL %s: %s\n", label, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  in = tfl_open_allocated(&tr, buf, size);
  if (!in) {
    printf("FAIL %s: TFLite refused the model\n", label);
    failures++;
    goto out;
  }
  qe_qmodel *m = r->qmodel;
  const qe_qtensor *it = &m->tensors[m->inputs[0]];
  const qe_qtensor *ot = &m->tensors[m->outputs[0]];
  const size_t n_in = (size_t)qe_qtensor_count(it), n_out = (size_t)qe_qtensor_count(ot);
  const size_t in_bytes = n_in * qe_qtensor_elem_size(it);
  const size_t out_bytes = n_out * qe_qtensor_elem_size(ot);
  if (!tfl_io_sizes_are(in, in_bytes, out_bytes)) {
    printf("FAIL %s: TFLite's tensor sizes differ from the engine's\n", label);
    failures++;
    goto out;
  }
  snprintf(path, sizeof path, "%s/tests/models/%s_test.npz", root, name);
  if (qe_npz_open(path, &z, ctx) != QE_OK || qe_npz_read(z, "x", &x, ctx) != QE_OK ||
      qe_array_to_f32(x, &xf, ctx) != QE_OK) {
    printf("FAIL %s: %s\n", label, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  size_t n = (size_t)x->dims[0];
  if (max > 0 && n > max)
    n = max;
  qin = malloc(n * in_bytes + 1);
  want = malloc(n * out_bytes + 1);
  for (size_t k = 0; k < n; k++) {
    set_input(it, (const float *)xf->data + k * n_in, n_in, qin + k * in_bytes);
    if (!tfl_invoke1(in, qin + k * in_bytes, in_bytes, want + k * out_bytes, out_bytes)) {
      printf("FAIL %s: TFLite could not run sample %zu\n", label, k);
      failures++;
      goto out;
    }
  }
  agreement host, board;
  if (engine_vs_tflite(m, QE_ROUND_HALF_UP, qin, in_bytes, want, n_out, out_bytes, n, &host, ctx) !=
          QE_OK ||
      engine_vs_tflite(m, QE_ROUND_DOUBLE, qin, in_bytes, want, n_out, out_bytes, n, &board, ctx) !=
          QE_OK) {
    printf("FAIL %s: %s\n", label, qe_ctx_error(ctx));
    failures++;
    goto out;
  }
  printf("%-34s %4zu samples x %3zu %s: TFLite's rounding: identical %.4f (%zu of %zu "
         "samples); TFLite Micro's: identical %.4f, within 1 LSB %.4f, max %d\n",
         label, n, n_out, qe_dtype_name(ot->type), (double)host.same / (double)host.total,
         host.samples_same, n, (double)board.same / (double)board.total,
         (double)board.one / (double)board.total, board.worst);
  if (host.same != host.total) {
    printf("FAIL %s: TFLite and the engine differ on %zu of %zu outputs (first: sample %ld, "
           "element %ld); QZ_DEBUG_TFLITE=1 compares every tensor\n",
           label, host.total - host.same, host.total, host.first_sample, host.first_elem);
    failures++;
  }
  if (getenv("QZ_DEBUG_TFLITE"))
    debug_tensors(m, in, qin + (host.first_sample > 0 ? (size_t)host.first_sample : 0) * in_bytes,
                  in_bytes, ctx);
out:
  free(qin);
  free(want);
  tfl_close(&tr);
  qe_npz_close(z);
  qe_array_free(x);
  qe_array_free(xf);
  free(buf);
  qe_quant_result_free(r);
  qe_samples_free(s);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

int main(int argc, char **argv)
{
  const char *root = getenv("QZ_SOURCE_ROOT");
  size_t max = argc > 1 ? (size_t)atol(argv[1]) : 0;
  if (!root)
    root = ".";
  if (!tfl_load_or_skip(root))
    return 77;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!tfl_bitexact_or_skip())
    return 77;
  /* The quantizer's settings of the other peer tests (int8 in and out,
   * percentile calibration, equalization + bias correction), then other
   * schemes on the small models: float and uint8 interfaces, per-tensor
   * weights, min-max calibration without the optimizations. */
  static const variant variants[] = {
    { "fashion_cnn", "", QE_DT_I8, QE_CALIB_PERCENTILE, QE_GRANULARITY_PER_CHANNEL, true },
    { "mobilenetv2_tiny", "", QE_DT_I8, QE_CALIB_PERCENTILE, QE_GRANULARITY_PER_CHANNEL, true },
    { "conv1d_series", "", QE_DT_I8, QE_CALIB_PERCENTILE, QE_GRANULARITY_PER_CHANNEL, true },
    { "audio_kws", "", QE_DT_I8, QE_CALIB_PERCENTILE, QE_GRANULARITY_PER_CHANNEL, true },
    { "audio_kws_zoo", "", QE_DT_I8, QE_CALIB_PERCENTILE, QE_GRANULARITY_PER_CHANNEL, true },
    { "fashion_cnn", "(float I/O, per-tensor)", QE_DT_F32, QE_CALIB_PERCENTILE,
      QE_GRANULARITY_PER_TENSOR, true },
    { "conv1d_series", "(uint8 I/O, min-max)", QE_DT_U8, QE_CALIB_MINMAX,
      QE_GRANULARITY_PER_CHANNEL, false },
    { "audio_kws", "(float I/O, entropy)", QE_DT_F32, QE_CALIB_ENTROPY, QE_GRANULARITY_PER_CHANNEL,
      false },
  };
  for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
    check_model(root, &variants[i], max);
  printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
  return failures ? 1 : 0;
}
