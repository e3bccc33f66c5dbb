/* quant-tool.c - drives the post-training quantizer for the tests: quantize
 * a model with an .npz calibration set, measure float and int8 accuracy on
 * a test .npz, and dump what the ONNX Runtime comparison needs.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * quant-tool MODEL.onnx CALIB.npz OUTDIR [test=TEST.npz] [dump=N]
 *            [limit=N] [key=value ...]
 * key=value: any qe_quant_options_set() key, plus float_node=NAME,
 * diag=N (diagnostic samples, default 0), isolated=0|1.
 * Writes OUTDIR/model_qdq.onnx, OUTDIR/model.tflite, OUTDIR/quant.json
 * (the quantizer's report part); with dump=N also OUTDIR/x.npy (the first N
 * test samples) and OUTDIR/engine_out.npy (the int8 model's first output
 * as integers, int32) plus "out_scale"/"out_zero_point" in the summary.
 * Prints one JSON summary line on stdout. Exit 0 ok, 1 on any error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qe/qe.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_json.h"
#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_quantize.h"
#include "qe/qe_runtime.h"
#include "qe/qe_tflite.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int fail(qe_ctx *ctx, const char *what)
{
  fprintf(stderr, "quant-tool: %s: %s\n", what, qe_ctx_error(ctx));
  return 1;
}

static size_t argmax_f(const float *v, size_t n)
{
  size_t b = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

/* debug=N: per-tensor agreement between the int8 model and the QDQ graph
 * run by the engine's float runtime (QuantizeLinear as ONNX defines it),
 * over N test samples: prints the tensors that differ. */
typedef struct dbg {
  const qe_quant_result *r;
  const qe_runtime *rt;
  uint64_t *n, *diff1, *diffbig;
  int *qdq_t; /* qmodel tensor -> QDQ graph tensor holding the int8 value */
  unsigned char *nhwc;
  const char *dump_dir; /* write sample 0's int8 tensors here (plain order) */
  size_t sample;
} dbg;

static int dbg_obs(void *ud, const qe_qmodel *m, int op, int tensor, const void *data, size_t size)
{
  dbg *d = ud;
  (void)op;
  (void)size;
  int t = d->qdq_t[tensor];
  if (t < 0 || m->tensors[tensor].type != QE_DT_I8)
    return 0;
  const qe_array *ref = qe_runtime_tensor(d->rt, t);
  if (!ref)
    return 0;
  const qe_qtensor *qt = &m->tensors[tensor];
  int64_t n = qe_array_count(ref);
  if (n != qe_qtensor_count(qt))
    return 0;
  int64_t C = 1, H = 1, W = 1;
  bool nhwc = d->nhwc[tensor];
  if (nhwc) {
    C = ref->dims[1];
    H = ref->rank == 4 ? ref->dims[2] : 1;
    W = ref->rank == 4 ? ref->dims[3] : ref->dims[2];
  }
  int off = ref->dtype == QE_DT_U8 ? 128 : 0;
  qe_array *dump = NULL;
  if (d->dump_dir && d->sample == 0)
    qe_array_new(QE_DT_I8, ref->rank, ref->dims, &dump, NULL);
  for (int64_t i = 0; i < n; i++) {
    int64_t j = i;
    if (nhwc) {
      int64_t w = i % W, h = (i / W) % H, c = (i / (W * H)) % C, b = i / (W * H * C);
      j = ((b * H + h) * W + w) * C + c;
    }
    int a = ((const int8_t *)data)[j];
    int b = ref->dtype == QE_DT_U8 ? ((const uint8_t *)ref->data)[i] - off
                                   : ((const int8_t *)ref->data)[i];
    int dd = abs(a - b);
    if (dump)
      ((int8_t *)dump->data)[i] = (int8_t)a;
    d->n[tensor]++;
    d->diff1[tensor] += dd == 1;
    d->diffbig[tensor] += dd > 1;
  }
  if (dump) {
    char path[4096], name[512];
    snprintf(name, sizeof name, "%s", d->r->qdq->tensors[t].name);
    size_t nl = strlen(name);
    if (nl > 10 && strcmp(name + nl - 10, "_quantized") == 0)
      name[nl - 10] = '\0';
    for (char *c = name; *c; c++)
      if (*c == '/')
        *c = '_';
    snprintf(path, sizeof path, "%s/%s.npy", d->dump_dir, name);
    qe_npy_write(path, dump, NULL);
    qe_array_free(dump);
  }
  return 0;
}

static int debug_compare(const qe_quant_result *r, const qe_array *x, size_t n,
                         const char *dump_dir, qe_ctx *ctx)
{
  qe_runtime *rt = NULL;
  qe_qexec *ex = NULL;
  if (qe_runtime_new(r->qdq, &rt, ctx) || qe_qexec_new(r->qmodel, &ex, ctx))
    return fail(ctx, "debug");
  size_t nt = r->qmodel->n_tensors;
  dbg d = { r,
            rt,
            calloc(nt, 8),
            calloc(nt, 8),
            calloc(nt, 8),
            calloc(nt, sizeof(int)),
            calloc(nt, 1),
            dump_dir,
            0 };
  /* A qmodel tensor can stand for several graph tensors (a Transpose that
   * only changes the layout maps its output onto its input's channels-last
   * form): the graph tensor it is named after says its layout. */
  unsigned char *named = calloc(nt, 1);
  for (size_t t = 0; t < r->n_tensor_map && named; t++) {
    const int k = r->tensor_map[t];
    if (k < 0)
      continue;
    const char *gn = r->graph->tensors[t].name, *qn = r->qmodel->tensors[k].name;
    const size_t gl = gn ? strlen(gn) : 0;
    const bool owner =
        gn && qn && strncmp(gn, qn, gl) == 0 && (qn[gl] == '\0' || strcmp(qn + gl, "_int8") == 0);
    if (owner || !named[k])
      d.nhwc[k] = r->tensor_nhwc[t];
    named[k] |= owner;
  }
  free(named);
  for (size_t k = 0; k < nt; k++) {
    char name[512];
    snprintf(name, sizeof name, "%s_quantized", r->qmodel->tensors[k].name);
    d.qdq_t[k] = qe_graph_find_tensor(r->qdq, name);
    size_t nl = strlen(r->qmodel->tensors[k].name);
    if (d.qdq_t[k] < 0 && nl > 5 && strcmp(r->qmodel->tensors[k].name + nl - 5, "_int8") == 0 &&
        !strstr(r->qmodel->tensors[k].name, "_nhwc_int8")) {
      snprintf(name, sizeof name, "%.*s_quantized", (int)(nl - 5), r->qmodel->tensors[k].name);
      d.qdq_t[k] = qe_graph_find_tensor(r->qdq, name);
    }
  }
  qe_qexec_set_observer(ex, dbg_obs, &d);
  qe_array *row = NULL;
  int64_t dims[QE_MAX_RANK];
  memcpy(dims, x->dims, sizeof dims);
  dims[0] = 1;
  qe_array_new(QE_DT_F32, x->rank, dims, &row, ctx);
  size_t per = qe_array_nbytes(row);
  for (size_t i = 0; i < n; i++) {
    memcpy(row->data, (const uint8_t *)x->data + i * per, per);
    const qe_array *in[1] = { row };
    qe_array **outs = NULL;
    d.sample = i;
    if (qe_runtime_run(rt, 1, in, ctx) || qe_qexec_run_arrays(ex, 1, in, &outs, ctx))
      return fail(ctx, "debug run");
    for (size_t k = 0; k < r->qmodel->n_outputs; k++)
      qe_array_free(outs[k]);
    free(outs);
  }
  for (size_t k = 0; k < nt; k++)
    if (d.n[k])
      fprintf(stderr, "%-60s n=%8llu diff1=%.4f diff>1=%.4f\n", r->qmodel->tensors[k].name,
              (unsigned long long)d.n[k], (double)d.diff1[k] / d.n[k],
              (double)d.diffbig[k] / d.n[k]);
  qe_array_free(row);
  free(d.n);
  free(d.diff1);
  free(d.diffbig);
  free(d.qdq_t);
  free(d.nhwc);
  qe_runtime_free(rt);
  qe_qexec_free(ex);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: quant-tool MODEL CALIB.npz OUTDIR [test=X.npz] [key=value...]\n");
    return 2;
  }
  const char *model = argv[1], *calib = argv[2], *outdir = argv[3];
  const char *test = NULL;
  size_t dump = 0, limit = 0, debug = 0;
  qe_rounding rounding = QE_ROUND_DOUBLE;
  const char *dump_dir = NULL;
  bool snap = false;
  const char *float_nodes[64];
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.diag_samples = 0;
  qe_ctx *ctx = qe_ctx_new();
  for (int i = 4; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) {
      fprintf(stderr, "quant-tool: '%s' is not key=value\n", argv[i]);
      return 2;
    }
    *eq = '\0';
    const char *k = argv[i], *v = eq + 1;
    if (!strcmp(k, "test"))
      test = v;
    else if (!strcmp(k, "dump"))
      dump = (size_t)atol(v);
    else if (!strcmp(k, "snap"))
      snap = atoi(v) != 0;
    else if (!strcmp(k, "dumpdir"))
      dump_dir = v;
    else if (!strcmp(k, "debug"))
      debug = (size_t)atol(v);
    else if (!strcmp(k, "rounding")) {
      if (!strcmp(v, "ort"))
        rounding = QE_ROUND_ORT;
      else if (!strcmp(v, "tflite"))
        rounding = QE_ROUND_HALF_UP;
      else if (!strcmp(v, "micro"))
        rounding = QE_ROUND_DOUBLE;
      else {
        fprintf(stderr, "quant-tool: rounding=%s: expected ort, tflite or micro\n", v);
        return 2;
      }
    } else if (!strcmp(k, "limit"))
      limit = (size_t)atol(v);
    else if (!strcmp(k, "diag"))
      o.diag_samples = (size_t)atol(v);
    else if (!strcmp(k, "isolated"))
      o.diag_isolated = atoi(v) != 0;
    else if (!strcmp(k, "float_node") && o.n_float_nodes < 64)
      float_nodes[o.n_float_nodes++] = v;
    else if (qe_quant_options_set(&o, k, v, ctx) != QE_OK)
      return fail(ctx, "option");
  }
  o.float_nodes = float_nodes;
  qe_graph *g = NULL;
  qe_samples *s = NULL;
  qe_quant_result *r = NULL;
  if (qe_onnx_load(model, &g, ctx))
    return fail(ctx, model);
  if (qe_samples_from_npz(calib, 0, &s, ctx))
    return fail(ctx, calib);
  double t0 = now();
  if (qe_quantize(g, s, &o, &r, ctx))
    return fail(ctx, "quantize");
  double t_quant = now() - t0;
  r->qmodel->conv_rounding = rounding;
  if (qe_mkdir_p(outdir, ctx))
    return fail(ctx, outdir);
  char path[4096];
  snprintf(path, sizeof path, "%s/model_qdq.onnx", outdir);
  t0 = now();
  if (qe_quant_save_onnx(r, path, ctx))
    return fail(ctx, path);
  snprintf(path, sizeof path, "%s/model.tflite", outdir);
  if (o.activation_bits == 8 && qe_tflite_save(r->qmodel, path, ctx))
    return fail(ctx, path);
  double t_export = now() - t0;
  {
    qe_json *j = qe_json_new(true);
    qe_json_begin_object(j);
    qe_quant_result_to_json(r, j);
    qe_json_end_object(j);
    snprintf(path, sizeof path, "%s/quant.json", outdir);
    if (qe_json_write_file(j, path, ctx))
      return fail(ctx, path);
    qe_json_free(j);
  }
  qe_json *sum = qe_json_new(false);
  qe_json_begin_object(sum);
  qe_json_kv_number(sum, "quantize_s", t_quant);
  qe_json_kv_number(sum, "export_s", t_export);
  qe_json_kv_int(sum, "calibration_samples", (int64_t)r->calibration_samples);
  qe_json_kv_int(sum, "equalized_pairs", (int64_t)r->equalized_pairs);
  qe_json_kv_int(sum, "bias_corrected", (int64_t)r->bias_corrected_layers);
  qe_json_kv_int(sum, "int8_ops", (int64_t)r->qmodel->n_ops);
  qe_json_kv_int(sum, "float_ops", (int64_t)r->n_float_ops);
  if (test) {
    qe_npz *z = NULL;
    qe_array *x = NULL, *y = NULL;
    if (qe_npz_open(test, &z, ctx) || qe_npz_read(z, "x", &x, ctx) || qe_npz_read(z, "y", &y, ctx))
      return fail(ctx, test);
    qe_npz_close(z);
    qe_array *yi = NULL;
    if (qe_array_to_f32(y, &yi, ctx))
      return fail(ctx, "labels");
    qe_array *xf = NULL;
    if (qe_array_to_f32(x, &xf, ctx))
      return fail(ctx, "x");
    size_t n = (size_t)x->dims[0];
    if (limit && n > limit)
      n = limit;
    if (snap) {
      /* Put the test inputs on the int8 model's input grid, so the
       * rounding of ties (TFLite: half away from zero, ONNX: half to even)
       * cannot differ between the engine and ONNX Runtime. */
      int q8 = r->qmodel->inputs[0];
      for (size_t k = 0; k < r->qmodel->n_ops; k++)
        if (r->qmodel->ops[k].type == QE_QOP_QUANTIZE &&
            r->qmodel->ops[k].inputs[0] == r->qmodel->inputs[0])
          q8 = r->qmodel->ops[k].output;
      const qe_qtensor *it = &r->qmodel->tensors[q8];
      if (it->n_quant != 1)
        return fail(ctx, "snap: the input is not quantized per tensor");
      float *v = xf->data;
      int64_t cnt = qe_array_count(xf);
      for (int64_t k = 0; k < cnt; k++) {
        double qv = round((double)v[k] / it->scale[0]) + it->zero_point[0];
        qv = qv < -128 ? -128 : qv > 127 ? 127 : qv;
        v[k] = (float)((double)it->scale[0] * (qv - it->zero_point[0]));
      }
    }
    if (debug) {
      qe_array *x32 = NULL;
      if (qe_array_to_f32(snap ? xf : x, &x32, ctx) ||
          debug_compare(r, x32, debug < n ? debug : n, dump_dir, ctx))
        return 1;
      qe_array_free(x32);
    }
    qe_runtime *rt = NULL;
    qe_qexec *ex = NULL;
    if (qe_runtime_new(r->graph, &rt, ctx) || qe_qexec_new(r->qmodel, &ex, ctx))
      return fail(ctx, "runtime");
    qe_array *row = NULL;
    int64_t dims[QE_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[0] = 1;
    if (qe_array_new(QE_DT_F32, x->rank, dims, &row, ctx))
      return fail(ctx, "row");
    const size_t per = qe_array_nbytes(row);
    size_t ok_f = 0, ok_q = 0, agree = 0;
    const qe_qtensor *ot = &r->qmodel->tensors[r->qmodel->outputs[0]];
    size_t nout = (size_t)qe_qtensor_count(ot);
    /* the output grid of the model's first output (the tensor before a
     * final DEQUANTIZE when the output is float) */
    const qe_qtensor *gt = ot;
    if (ot->type == QE_DT_F32) {
      for (size_t k = 0; k < r->qmodel->n_ops; k++)
        if (r->qmodel->ops[k].output == r->qmodel->outputs[0] &&
            r->qmodel->ops[k].type == QE_QOP_DEQUANTIZE)
          gt = &r->qmodel->tensors[r->qmodel->ops[k].inputs[0]];
    }
    qe_array *dx = NULL, *dq = NULL;
    size_t nd = dump < n ? dump : n;
    if (nd) {
      int64_t dd[QE_MAX_RANK];
      memcpy(dd, x->dims, sizeof dd);
      dd[0] = (int64_t)nd;
      int64_t od[2] = { (int64_t)nd, (int64_t)nout };
      if (qe_array_new(QE_DT_F32, x->rank, dd, &dx, ctx) ||
          qe_array_new(QE_DT_I32, 2, od, &dq, ctx))
        return fail(ctx, "dump");
    }
    double t_f = 0, t_q = 0;
    float *fo = malloc(nout * sizeof *fo);
    for (size_t i = 0; i < n; i++) {
      memcpy(row->data, (const uint8_t *)xf->data + i * per, per);
      const qe_array *in[1] = { row };
      double a = now();
      if (qe_runtime_run(rt, 1, in, ctx))
        return fail(ctx, "float run");
      t_f += now() - a;
      const qe_array *fout = qe_runtime_output(rt, 0);
      size_t pf = argmax_f(fout->data, (size_t)qe_array_count(fout));
      qe_array **outs = NULL;
      a = now();
      if (qe_qexec_run_arrays(ex, 1, in, &outs, ctx))
        return fail(ctx, "int8 run");
      t_q += now() - a;
      const qe_array *qo = outs[0];
      for (size_t k = 0; k < nout; k++) {
        if (qo->dtype == QE_DT_F32)
          fo[k] = ((const float *)qo->data)[k];
        else if (qo->dtype == QE_DT_I8)
          fo[k] = ((const int8_t *)qo->data)[k];
        else
          fo[k] = ((const uint8_t *)qo->data)[k];
      }
      size_t pq = argmax_f(fo, nout);
      int label = (int)((const float *)yi->data)[i];
      ok_f += (int)pf == label;
      ok_q += (int)pq == label;
      agree += pf == pq;
      if (i < nd) {
        memcpy((uint8_t *)dx->data + i * per, row->data, per);
        for (size_t k = 0; k < nout; k++) {
          int32_t v;
          if (qo->dtype == QE_DT_F32) /* float output: back to the grid */
            v = gt->n_quant ? (int32_t)lrintf(fo[k] / gt->scale[0]) + gt->zero_point[0] : 0;
          else
            v = (int32_t)fo[k];
          ((int32_t *)dq->data)[i * nout + k] = v;
        }
      }
      for (size_t k = 0; k < r->qmodel->n_outputs; k++)
        qe_array_free(outs[k]);
      free(outs);
    }
    free(fo);
    qe_json_kv_int(sum, "test_samples", (int64_t)n);
    qe_json_kv_number(sum, "float_accuracy", (double)ok_f / (double)n);
    qe_json_kv_number(sum, "int8_accuracy", (double)ok_q / (double)n);
    qe_json_kv_number(sum, "agreement", (double)agree / (double)n);
    qe_json_kv_number(sum, "float_ms", 1000.0 * t_f / (double)n);
    qe_json_kv_number(sum, "int8_ms", 1000.0 * t_q / (double)n);
    if (nd) {
      qe_json_kv_number(sum, "out_scale", gt->n_quant ? gt->scale[0] : NAN);
      qe_json_kv_int(sum, "out_zero_point", gt->n_quant ? gt->zero_point[0] : 0);
      snprintf(path, sizeof path, "%s/x.npy", outdir);
      if (qe_npy_write(path, dx, ctx))
        return fail(ctx, path);
      snprintf(path, sizeof path, "%s/engine_out.npy", outdir);
      if (qe_npy_write(path, dq, ctx))
        return fail(ctx, path);
    }
    qe_array_free(dx);
    qe_array_free(dq);
    qe_array_free(row);
    qe_array_free(x);
    qe_array_free(xf);
    qe_array_free(y);
    qe_array_free(yi);
    qe_runtime_free(rt);
    qe_qexec_free(ex);
  }
  qe_json_key(sum, "advice");
  qe_json_begin_array(sum);
  for (size_t i = 0; i < r->n_ranked; i++)
    qe_json_string(sum, r->advice[i]);
  qe_json_end_array(sum);
  qe_json_end_object(sum);
  printf("%s\n", qe_json_text(sum, NULL));
  qe_json_free(sum);
  qe_quant_result_free(r);
  qe_samples_free(s);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  return 0;
}
