/* fallback-transformer.c - a transformer through the quantizer: the
 * LayerNormalization, Gather, activation x activation MatMul and erf-GELU
 * nodes of tests/models/tiny_transformer (and its opset-13 export, where
 * LayerNorm is ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add) become TFLite builtins
 * in int8 (MEAN, SUB, SQUARED_DIFFERENCE, RSQRT, GATHER, BATCH_MATMUL,
 * GELU); what the user keeps in float runs in float between DEQUANTIZE and
 * QUANTIZE; a node no TFLite operator stands for runs in float as an ONNX
 * node. Checked against independent implementations:
 *   - float and int8 accuracy on the model's 500 held-out test digits, and
 *     the report's list of the nodes that ran in float, in plain words;
 *   - TFLite 2.9 (libtensorflowlite_c from npm tfjs-tflite-node, dlopen)
 *     runs the written .tflite bit-identically to the engine on every test
 *     sample (the engine rounding FULLY_CONNECTED / BATCH_MATMUL as TFLite's
 *     host kernels do);
 *   - the generated C module, compiled with the host's cc, gives the
 *     engine's outputs bit for bit (skipped without a compiler);
 *   - a node without any TFLite operator (a lone Erf) runs in the engine,
 *     while the TFLite writer and the C export refuse it by name; 4-bit
 *     activations, which a .tflite file cannot clamp, are refused too.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fallback-transformer [MAX_TEST_SAMPLES]. TFLite parts are skipped
 * with a note when the library is absent.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qe/qe.h"
#include "qe/qe_codegen.h"
#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_quantize.h"
#include "qe/qe_runtime.h"
#include "qe/qe_tflite.h"
#include "tflite-peer.h"
#include "qz-check.h"
#include "qz-shell.h"

static bool tfl_ok; /* TFLite 2.9 loaded */

/* ---- data --------------------------------------------------------------- */

typedef struct data {
  qe_array *x; /* float32 [n, ...] */
  int64_t *y;
  size_t n, per; /* samples, values per sample */
} data;

static bool load_data(const char *path, size_t max, data *d, qe_ctx *ctx)
{
  qe_npz *z = NULL;
  qe_array *x = NULL, *y = NULL, *yi = NULL;
  bool ok = false;
  memset(d, 0, sizeof *d);
  if (qe_npz_open(path, &z, ctx) != QE_OK || qe_npz_read(z, "x", &x, ctx) != QE_OK ||
      qe_npz_read(z, "y", &y, ctx) != QE_OK || qe_array_to_f32(x, &d->x, ctx) != QE_OK)
    goto out;
  d->n = (size_t)x->dims[0];
  if (max && d->n > max)
    d->n = max;
  d->per = (size_t)(qe_array_count(x) / x->dims[0]);
  d->y = calloc(d->n + 1, sizeof *d->y);
  if (!d->y)
    goto out;
  for (size_t i = 0; i < d->n; i++)
    d->y[i] = y->dtype == QE_DT_I64 ? ((const int64_t *)y->data)[i]
                                    : (int64_t)((const int32_t *)y->data)[i];
  (void)yi;
  ok = true;
out:
  qe_npz_close(z);
  qe_array_free(x);
  qe_array_free(y);
  return ok;
}

static void free_data(data *d)
{
  qe_array_free(d->x);
  free(d->y);
}

static size_t argmax_f(const float *v, size_t n)
{
  size_t b = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

static size_t argmax_i8(const int8_t *v, size_t n)
{
  size_t b = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

/* Float accuracy of graph @g; predictions into @pred. */
static double float_accuracy(const qe_graph *g, const data *d, size_t *pred, qe_ctx *ctx)
{
  qe_runtime *rt = NULL;
  qe_array *row = NULL;
  size_t ok = 0;
  int64_t dims[QE_MAX_RANK];
  memcpy(dims, d->x->dims, sizeof dims);
  dims[0] = 1;
  if (qe_runtime_new(g, &rt, ctx) != QE_OK ||
      qe_array_new(QE_DT_F32, d->x->rank, dims, &row, ctx) != QE_OK) {
    qe_runtime_free(rt);
    return -1;
  }
  for (size_t i = 0; i < d->n; i++) {
    memcpy(row->data, (const float *)d->x->data + i * d->per, d->per * sizeof(float));
    const qe_array *in[1] = { row };
    if (qe_runtime_run(rt, 1, in, ctx) != QE_OK)
      break;
    const qe_array *o = qe_runtime_output(rt, 0);
    pred[i] = argmax_f(o->data, (size_t)qe_array_count(o));
    ok += (int64_t)pred[i] == d->y[i];
  }
  qe_array_free(row);
  qe_runtime_free(rt);
  return (double)ok / (double)d->n;
}

/* The int8 inputs of every sample, quantized with the model's input
 * parameters. */
static int8_t *int8_inputs(const qe_qmodel *m, const data *d)
{
  const qe_qtensor *it = &m->tensors[m->inputs[0]];
  int8_t *q = malloc(d->n * d->per + 1);
  for (size_t i = 0; q && i < d->n * d->per; i++)
    q[i] = (int8_t)qe_quantize_value(((const float *)d->x->data)[i], it->scale[0],
                                     it->zero_point[0], -128, 127);
  return q;
}

/* The engine's int8 outputs of every sample (n x n_out). */
static int8_t *engine_outputs(qe_qmodel *m, const int8_t *qin, size_t n, size_t per, size_t n_out,
                              qe_ctx *ctx)
{
  qe_qexec *e = NULL;
  int8_t *out = malloc(n * n_out + 1);
  if (!out || qe_qmodel_prepare(m, ctx) != QE_OK || qe_qexec_new(m, &e, ctx) != QE_OK) {
    free(out);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(qe_qexec_input(e, 0), qin + i * per, per);
    if (qe_qexec_run(e, ctx) != QE_OK) {
      free(out);
      out = NULL;
      break;
    }
    memcpy(out + i * n_out, qe_qexec_output(e, 0), n_out);
  }
  qe_qexec_free(e);
  return out;
}

/* TFLite's outputs of every sample, NULL when TFLite refused the model. */
static int8_t *tflite_outputs(const uint8_t *fb, size_t size, const int8_t *qin, size_t n,
                              size_t per, size_t n_out)
{
  tfl_interp tr;
  TfLiteInterpreter *in = tfl_open_allocated(&tr, fb, size);
  int8_t *out = malloc(n * n_out + 1);
  if (!in || !tfl_io_sizes_are(in, per, n_out)) {
    free(out);
    out = NULL;
  }
  for (size_t i = 0; out && i < n; i++) {
    if (!tfl_invoke1(in, qin + i * per, per, out + i * n_out, n_out)) {
      free(out);
      out = NULL;
    }
  }
  tfl_close(&tr);
  return out;
}

/* Export @m as C, build it with cc and run it on the first @n samples:
 * the outputs against @want. Returns the number of samples compared (0
 * when no compiler). */
static size_t codegen_check(qe_qmodel *m, const char *dir, const int8_t *qin, size_t n, size_t per,
                            size_t n_out, const int8_t *want, qe_ctx *ctx)
{
  char path[4200];
  qe_codegen_options opt = { "tt" };
  FILE *f;
  if (sh("command -v cc >/dev/null 2>&1") != 0) {
    printf("note: no C compiler, the C export is not run\n");
    return 0;
  }
  if (qe_codegen_c_module(m, &opt, dir, ctx) != QE_OK) {
    CHECK(0, "C export: %s", qe_ctx_error(ctx));
    return 0;
  }
  snprintf(path, sizeof path, "%s/in.bin", dir);
  f = fopen(path, "wb");
  fwrite(qin, 1, n * per, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/main.c", dir);
  f = fopen(path, "w");
  fprintf(f, "#include <stdio.h>\n#include \"tt.h\"\n"
             "int main(void)\n{\n  static int8_t in[TT_INPUT_SIZE], out[TT_OUTPUT_SIZE];\n"
             "  FILE *f = fopen(\"in.bin\", \"rb\");\n  if (!f)\n    return 2;\n"
             "  while (fread(in, 1, sizeof in, f) == sizeof in) {\n"
             "    if (tt_run(in, out) != 0)\n      return 3;\n"
             "    fwrite(out, 1, sizeof out, stdout);\n  }\n  fclose(f);\n  return 0;\n}\n");
  fclose(f);
  if (sh("cd '%s' && cc -std=c99 -Wall -Wextra -Werror -pedantic -O1 -o run *.c 2> cc.log", dir) !=
      0) {
    CHECK(0, "the generated C module does not compile cleanly (%s/cc.log)", dir);
    return 0;
  }
  if (sh("cd '%s' && ./run > out.bin", dir) != 0) {
    CHECK(0, "the generated C module failed to run");
    return 0;
  }
  snprintf(path, sizeof path, "%s/out.bin", dir);
  f = fopen(path, "rb");
  int8_t *got = malloc(n * n_out + 1);
  size_t rd = f ? fread(got, 1, n * n_out, f) : 0;
  if (f)
    fclose(f);
  CHECK(rd == n * n_out && memcmp(got, want, n * n_out) == 0,
        "the generated C module's outputs differ from the engine's (%zu bytes read)", rd);
  free(got);
  return n;
}

static void op_histogram(const qe_qmodel *m)
{
  int counts[QE_QOP_COUNT] = { 0 };
  for (size_t i = 0; i < m->n_ops; i++)
    counts[m->ops[i].type]++;
  printf("  int8 model: %zu ops:", m->n_ops);
  for (int k = 0; k < QE_QOP_COUNT; k++)
    if (counts[k])
      printf(" %s x%d", qe_qop_name((qe_qop_type)k), counts[k]);
  printf("\n");
}

/* Quantize @model, evaluate, run in TFLite and as C. */
static void check_transformer(const char *root, const char *model, const char *const *float_nodes,
                              size_t n_float_nodes, const char *c_refusal, size_t max,
                              const char *work)
{
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_samples *s = NULL;
  qe_quant_result *r = NULL;
  data d;
  bool have_data = false;
  size_t *pf = NULL, n_out;
  int8_t *qin = NULL, *eng = NULL, *tfo = NULL;
  uint8_t *fb = NULL;
  size_t fb_size = 0;

  printf("%s%s\n", model, n_float_nodes ? " (some nodes kept in float)" : "");
  snprintf(path, sizeof path, "%s/tests/models/%s.onnx", root, model);
  CHECK(qe_onnx_load(path, &g, ctx) == QE_OK, "%s: %s", model, qe_ctx_error(ctx));
  snprintf(path, sizeof path, "%s/tests/models/tiny_transformer_calib.npz", root);
  CHECK(g && qe_samples_from_npz(path, 0, &s, ctx) == QE_OK, "calibration: %s", qe_ctx_error(ctx));
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.input_type = o.output_type = QE_DT_I8;
  o.diag_samples = 0;
  o.float_nodes = float_nodes;
  o.n_float_nodes = n_float_nodes;
  if (!g || !s || qe_quantize(g, s, &o, &r, ctx) != QE_OK) {
    CHECK(0, "%s: quantize: %s", model, qe_ctx_error(ctx));
    goto out;
  }
  op_histogram(r->qmodel);
  printf("  nodes that run in float: %s\n", r->n_float_ops ? "" : "none");
  for (size_t i = 0; i < r->n_float_ops; i++)
    printf("    - %s\n", r->float_ops[i]);
  CHECK(r->n_float_ops == (n_float_nodes ? n_float_nodes : 0),
        "%zu float entries in the report, expected %zu", r->n_float_ops, n_float_nodes);
  for (size_t k = 0; k < n_float_nodes; k++) {
    bool named = false;
    for (size_t i = 0; i < r->n_float_ops; i++)
      named |= strstr(r->float_ops[i], float_nodes[k]) != NULL &&
               strstr(r->float_ops[i], "kept in float as asked") != NULL;
    CHECK(named, "the report does not say '%s' runs in float", float_nodes[k]);
  }

  snprintf(path, sizeof path, "%s/tests/models/tiny_transformer_test.npz", root);
  have_data = load_data(path, max, &d, ctx);
  CHECK(have_data, "test data: %s", qe_ctx_error(ctx));
  if (!have_data)
    goto out;
  pf = calloc(d.n + 1, sizeof *pf);
  const double acc_f = float_accuracy(g, &d, pf, ctx);
  const qe_qtensor *ot = &r->qmodel->tensors[r->qmodel->outputs[0]];
  n_out = (size_t)qe_qtensor_count(ot);
  qin = int8_inputs(r->qmodel, &d);
  /* TFLite's host FULLY_CONNECTED / BATCH_MATMUL round as ruy does */
  r->qmodel->conv_rounding = QE_ROUND_HALF_UP;
  eng = engine_outputs(r->qmodel, qin, d.n, d.per, n_out, ctx);
  CHECK(eng != NULL, "engine: %s", qe_ctx_error(ctx));
  if (!eng)
    goto out;
  size_t ok_q = 0, agree = 0;
  for (size_t i = 0; i < d.n; i++) {
    const size_t p = argmax_i8(eng + i * n_out, n_out);
    ok_q += (int64_t)p == d.y[i];
    agree += p == pf[i];
  }
  const double acc_q = (double)ok_q / (double)d.n;
  printf("  accuracy on %zu test digits: float %.4f, int8 %.4f (drop %.2f points); int8 agrees "
         "with float on %.4f\n",
         d.n, acc_f, acc_q, 100.0 * (acc_f - acc_q), (double)agree / (double)d.n);
  CHECK(acc_f > 0.9 && acc_q >= acc_f - 0.01, "int8 accuracy %.4f against float %.4f", acc_q,
        acc_f);

  /* TFLite 2.9, bit for bit */
  if (qe_tflite_write(r->qmodel, &fb, &fb_size, ctx) != QE_OK) {
    CHECK(0, "TFLite write: %s", qe_ctx_error(ctx));
  } else if (tfl_ok) {
    tfo = tflite_outputs(fb, fb_size, qin, d.n, d.per, n_out);
    CHECK(tfo != NULL, "TFLite %s refused the model", tfl.Version());
    if (tfo) {
      size_t same = 0, samples_same = 0;
      int worst = 0;
      for (size_t i = 0; i < d.n; i++) {
        bool all = true;
        for (size_t k = 0; k < n_out; k++) {
          const int dd = abs(eng[i * n_out + k] - tfo[i * n_out + k]);
          same += dd == 0;
          all &= dd == 0;
          worst = dd > worst ? dd : worst;
        }
        samples_same += all;
      }
      printf("  TFLite %s: %zu of %zu samples bit-identical (%zu of %zu outputs, max %d LSB)\n",
             tfl.Version(), samples_same, d.n, same, d.n * n_out, worst);
      CHECK(samples_same == d.n, "TFLite differs from the engine on %zu samples",
            d.n - samples_same);
    }
  }

  /* the generated C module (or its refusal, naming the layer) */
  {
    char dir[4096];
    static int k;
    snprintf(dir, sizeof dir, "%s/%s-%d", work, model, k++);
    if (c_refusal) {
      qe_codegen_options copt = { "tt" };
      CHECK(qe_codegen_c_module(r->qmodel, &copt, dir, ctx) == QE_ERR_UNSUPPORTED &&
                strstr(qe_ctx_error(ctx), c_refusal),
            "C export: \"%s\"", qe_ctx_error(ctx));
      printf("  C export refused: %s\n", qe_ctx_error(ctx));
    } else {
      const size_t nc = d.n < 50 ? d.n : 50;
      const size_t done = codegen_check(r->qmodel, dir, qin, nc, d.per, n_out, eng, ctx);
      if (done)
        printf("  generated C module: %zu samples bit-identical to the engine\n", done);
    }
  }
out:
  free(pf);
  free(qin);
  free(eng);
  free(tfo);
  free(fb);
  if (have_data)
    free_data(&d);
  qe_quant_result_free(r);
  qe_samples_free(s);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

/* A node with no TFLite operator at all: x -> Gemm -> Erf -> Gemm -> y. */
static void check_onnx_node(const char *work)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_samples *s = NULL;
  qe_quant_result *r = NULL;
  qe_array *w1 = NULL, *w2 = NULL, *x = NULL;
  int64_t d_in[2] = { 1, 6 }, d_h[2] = { 1, 5 }, d_out[2] = { 1, 3 }, dw1[2] = { 5, 6 },
          dw2[2] = { 3, 5 };
  int t_x, t_h, t_e, t_y, t_w1, t_w2;
  uint64_t rng = 12345;
  printf("a lone Erf (no TFLite operator)\n");
  qe_graph_new(&g, ctx);
  qe_array_new(QE_DT_F32, 2, dw1, &w1, ctx);
  qe_array_new(QE_DT_F32, 2, dw2, &w2, ctx);
  for (int64_t k = 0; k < 30; k++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    ((float *)w1->data)[k] = (float)((int)(rng >> 40) % 1000) / 1000.0f - 0.5f;
  }
  for (int64_t k = 0; k < 15; k++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    ((float *)w2->data)[k] = (float)((int)(rng >> 40) % 1000) / 1000.0f - 0.5f;
  }
  qe_graph_add_tensor(g, "x", QE_DT_F32, 2, d_in, &t_x, ctx);
  qe_graph_add_tensor(g, "h", QE_DT_F32, 2, d_h, &t_h, ctx);
  qe_graph_add_tensor(g, "e", QE_DT_F32, 2, d_h, &t_e, ctx);
  qe_graph_add_tensor(g, "y", QE_DT_F32, 2, d_out, &t_y, ctx);
  qe_graph_add_initializer(g, "w1", w1, &t_w1, ctx);
  qe_graph_add_initializer(g, "w2", w2, &t_w2, ctx);
  qe_graph_add_input(g, t_x, ctx);
  qe_graph_add_output(g, t_y, ctx);
  {
    int in1[2] = { t_x, t_w1 }, in2[2] = { t_e, t_w2 }, n1, n2;
    qe_graph_add_node(g, QE_OP_GEMM, "fc1", 2, in1, 1, &t_h, &n1, ctx);
    qe_node_set_int(&g->nodes[n1], "transB", 1, ctx);
    qe_graph_add_node(g, QE_OP_ERF, "erf", 1, &t_h, 1, &t_e, NULL, ctx);
    qe_graph_add_node(g, QE_OP_GEMM, "fc2", 2, in2, 1, &t_y, &n2, ctx);
    qe_node_set_int(&g->nodes[n2], "transB", 1, ctx);
  }
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.diag_samples = 0;
  o.input_type = o.output_type = QE_DT_I8;
  if (qe_samples_random(g, 64, false, -2.0f, 2.0f, 7, &s, ctx) != QE_OK ||
      qe_quantize(g, s, &o, &r, ctx) != QE_OK) {
    CHECK(0, "quantize: %s", qe_ctx_error(ctx));
    goto out;
  }
  op_histogram(r->qmodel);
  CHECK(r->n_float_ops == 1 && strstr(r->float_ops[0], "'erf'") &&
            strstr(r->float_ops[0], "ONNX node"),
        "the report does not list the Erf as an ONNX node in float");
  for (size_t i = 0; i < r->n_float_ops; i++)
    printf("    - %s\n", r->float_ops[i]);
  /* the engine runs it: close to the float model */
  {
    qe_qexec *e = NULL;
    qe_array **outs = NULL, *ref = NULL;
    double worst = 0, span = 0;
    qe_array_new(QE_DT_F32, 2, d_in, &x, ctx);
    for (int k = 0; k < 6; k++)
      ((float *)x->data)[k] = 0.3f * (float)k - 0.8f;
    const qe_array *in[1] = { x };
    qe_array **fo = NULL;
    if (qe_qexec_new(r->qmodel, &e, ctx) != QE_OK ||
        qe_qexec_run_arrays(e, 1, in, &outs, ctx) != QE_OK ||
        qe_run_graph(g, 1, in, &fo, ctx) != QE_OK) {
      CHECK(0, "run: %s", qe_ctx_error(ctx));
    } else {
      ref = fo[0];
      const qe_qtensor *ot = &r->qmodel->tensors[r->qmodel->outputs[0]];
      for (int k = 0; k < 3; k++) {
        const double a =
            (double)ot->scale[0] * (((const int8_t *)outs[0]->data)[k] - ot->zero_point[0]);
        const double b = ((const float *)ref->data)[k];
        worst = fabs(a - b) > worst ? fabs(a - b) : worst;
        span = fabs(b) > span ? fabs(b) : span;
      }
      printf("  engine vs float: max |difference| %.4f (outputs up to %.3f)\n", worst, span);
      CHECK(worst <= 0.05 * (span > 1 ? span : 1), "the int8 model is far from float");
      qe_array_free(outs[0]);
      free(outs);
      qe_array_free(ref);
      free(fo);
    }
    qe_qexec_free(e);
  }
  /* TFLite and C cannot hold it: refused, naming the node and the op */
  {
    uint8_t *fb = NULL;
    size_t size = 0;
    qe_codegen_options copt = { "m" };
    char dir[4096];
    CHECK(qe_tflite_write(r->qmodel, &fb, &size, ctx) == QE_ERR_UNSUPPORTED &&
              strstr(qe_ctx_error(ctx), "'erf'") && strstr(qe_ctx_error(ctx), "Erf"),
          "TFLite writer: \"%s\"", qe_ctx_error(ctx));
    printf("  TFLite writer: %s\n", qe_ctx_error(ctx));
    free(fb);
    snprintf(dir, sizeof dir, "%s/erf", work);
    CHECK(qe_codegen_c_module(r->qmodel, &copt, dir, ctx) == QE_ERR_UNSUPPORTED &&
              strstr(qe_ctx_error(ctx), "erf"),
          "C export: \"%s\"", qe_ctx_error(ctx));
    printf("  C export: %s\n", qe_ctx_error(ctx));
    char path[4096];
    snprintf(path, sizeof path, "%s/erf_qdq.onnx", work);
    CHECK(qe_quant_save_onnx(r, path, ctx) == QE_OK, "QDQ export: %s", qe_ctx_error(ctx));
  }
out:
  qe_array_free(w1);
  qe_array_free(w2);
  qe_array_free(x);
  qe_quant_result_free(r);
  qe_samples_free(s);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

/* 4-bit activations: the int8 model clamps them, a .tflite file cannot; the
 * writer refuses, naming the tensor, and the ONNX export carries them. */
static void check_narrow(const char *root, const char *work)
{
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_samples *s = NULL;
  qe_quant_result *r = NULL;
  uint8_t *fb = NULL;
  size_t size = 0;
  printf("tiny_transformer with 4-bit activations\n");
  snprintf(path, sizeof path, "%s/tests/models/tiny_transformer.onnx", root);
  qe_onnx_load(path, &g, ctx);
  snprintf(path, sizeof path, "%s/tests/models/tiny_transformer_calib.npz", root);
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.activation_bits = 4;
  o.diag_samples = 0;
  if (!g || qe_samples_from_npz(path, 50, &s, ctx) != QE_OK ||
      qe_quantize(g, s, &o, &r, ctx) != QE_OK) {
    CHECK(0, "quantize: %s", qe_ctx_error(ctx));
  } else {
    CHECK(qe_tflite_write(r->qmodel, &fb, &size, ctx) == QE_ERR_UNSUPPORTED &&
              strstr(qe_ctx_error(ctx), "4-bit activations") &&
              strstr(qe_ctx_error(ctx), "cannot carry"),
          "TFLite writer: \"%s\"", qe_ctx_error(ctx));
    printf("  TFLite writer: %s\n", qe_ctx_error(ctx));
    snprintf(path, sizeof path, "%s/narrow_qdq.onnx", work);
    CHECK(qe_quant_save_onnx(r, path, ctx) == QE_OK, "QDQ export: %s", qe_ctx_error(ctx));
  }
  free(fb);
  qe_quant_result_free(r);
  qe_samples_free(s);
  qe_graph_free(g);
  qe_ctx_free(ctx);
}

int main(int argc, char **argv)
{
  const char *root = getenv("QZ_SOURCE_ROOT");
  const size_t max = argc > 1 ? (size_t)atol(argv[1]) : 0;
  char tmpl[] = "/tmp/qz-fallback-XXXXXX";
  const char *work = mkdtemp(tmpl);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!root)
    root = ".";
  if (!work) {
    printf("FAIL: no temporary folder\n");
    return 1;
  }
  const char *why = tfl_load(root);
  tfl_ok = why == NULL;
  if (why)
    printf("note: %s: TFLite checks skipped\n", why);
  check_transformer(root, "tiny_transformer", NULL, 0, NULL, max, work);
  check_transformer(root, "tiny_transformer_opset13", NULL, 0, NULL, max, work);
  {
    /* mixed precision: two LayerNorms kept in float (MEAN, SUB,
     * SQUARED_DIFFERENCE, ADD, RSQRT, MUL in float: TFLite and C) */
    static const char *const keep[] = { "/blocks/blocks.0/ln1/LayerNormalization",
                                        "/ln/LayerNormalization" };
    check_transformer(root, "tiny_transformer", keep, 2, NULL, max, work);
  }
  {
    /* a GELU kept in float: TFLite runs it; the C export (no libm in the
     * kernels) refuses it by name */
    static const char *const keep[] = { "/blocks/blocks.1/gelu/Mul_1" };
    check_transformer(root, "tiny_transformer", keep, 1, "'/blocks/blocks.1/gelu/Mul_1' (GELU)",
                      max, work);
  }
  check_onnx_node(work);
  check_narrow(root, work);
  printf("%d checks, %d failed\n", checks, failures);
  if (failures == 0)
    sh("rm -rf '%s'", work);
  else
    printf("files kept in %s\n", work);
  return failures ? 1 : 0;
}
