/* qe_pipeline_model.c - one model behind one interface for the pipeline:
 * float or QDQ ONNX on the float runtime, float or int8 TFLite and the
 * quantizer's int8 model on the integer executor.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe_onnx.h"
#include "qe/qe_tflite.h"
#include "qe_pipeline_private.h"

static bool is_tflite_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  unsigned char head[8];
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  return n == sizeof head && memcmp(head + 4, "TFL3", 4) == 0;
}

static bool graph_is_qdq(const qe_graph *g)
{
  for (size_t i = 0; i < g->n_nodes; i++) {
    const char *t = g->nodes[i].op_type ? g->nodes[i].op_type : "";
    if (strcmp(t, "QuantizeLinear") == 0 || strcmp(t, "DequantizeLinear") == 0 ||
        strncmp(t, "QLinear", 7) == 0 || strcmp(t, "ConvInteger") == 0 ||
        strcmp(t, "MatMulInteger") == 0)
      return true;
  }
  return false;
}

static bool qmodel_is_integer(const qe_qmodel *m)
{
  for (size_t i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    if (!t->data && (t->type == QE_DT_I8 || t->type == QE_DT_U8 || t->type == QE_DT_I16))
      return true;
  }
  return false;
}

/* MACs of the integer model's convolutions and fully-connected layers. */
static int64_t qmodel_macs(const qe_qmodel *m)
{
  int64_t macs = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    if (op->output < 0 || (size_t)op->output >= m->n_tensors || op->n_inputs < 2)
      continue;
    int64_t out = qe_qtensor_count(&m->tensors[op->output]);
    int w = op->inputs[1];
    if (out < 0 || w < 0 || (size_t)w >= m->n_tensors)
      continue;
    const qe_qtensor *wt = &m->tensors[w];
    switch (op->type) {
    case QE_QOP_CONV_2D: /* OHWI: H*W*I per output */
      if (wt->rank == 4)
        macs += out * (int64_t)wt->dims[1] * wt->dims[2] * wt->dims[3];
      break;
    case QE_QOP_DEPTHWISE_CONV_2D: /* 1HW(C*M) */
      if (wt->rank == 4)
        macs += out * (int64_t)wt->dims[1] * wt->dims[2];
      break;
    case QE_QOP_FULLY_CONNECTED: /* [out][in] */
      if (wt->rank == 2)
        macs += out * (int64_t)wt->dims[1];
      break;
    default:
      break;
    }
  }
  return macs;
}

static void qmodel_params(const qe_qmodel *m, int64_t *params, int64_t *bytes)
{
  int64_t n = 0, b = 0;
  for (size_t i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    if (!t->data)
      continue;
    /* shape operands (int32 without quantization) are not parameters */
    if (t->type == QE_DT_I32 && t->n_quant == 0)
      continue;
    int64_t c = qe_qtensor_count(t);
    if (c > 0)
      n += c;
    b += (int64_t)t->data_size;
  }
  *params = n;
  *bytes = b;
}

static qe_status set_input_dims(qe_pl_model *m, int rank, const int64_t *dims, const char *name,
                                qe_ctx *ctx)
{
  if (rank < 0 || rank > QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "input '%s' has no known shape; Quantizer needs a fixed input shape", name);
  m->in_rank = rank;
  for (int k = 0; k < rank; k++) {
    int64_t d = dims[k];
    if (d < 0 && k == 0)
      d = 1; /* the batch axis */
    if (d <= 0) {
      char buf[96];
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "input '%s' is shaped %s: axis %d has no fixed size (only the batch axis "
                      "may vary)",
                      name, qe_dims_to_string(dims, rank, buf, sizeof buf), k);
    }
    m->in_dims[k] = d;
  }
  int64_t c = qe_dims_count(m->in_dims, rank);
  if (c <= 0)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "input '%s' has no elements", name);
  m->in_count = (size_t)c;
  return QE_OK;
}

static qe_status finish_load(qe_pl_model *m, qe_ctx *ctx)
{
  qe_status st;
  if (m->graph) {
    const qe_graph *g = m->graph;
    if (g->n_inputs != 1)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "the model has %zu inputs; Quantizer's data sets feed models with one input",
                      g->n_inputs);
    const qe_tensor *t = &g->tensors[g->inputs[0]];
    if ((st = set_input_dims(m, t->rank, t->dims, t->name, ctx)) != QE_OK)
      return st;
    m->n_outputs = g->n_outputs;
    qe_model_stats *stats = NULL;
    if (qe_graph_stats(g, &stats, ctx) == QE_OK && stats) {
      m->params = stats->params;
      m->macs = stats->shapes_known ? stats->macs : -1;
      m->weights_bytes = stats->param_bytes;
    }
    qe_model_stats_free(stats);
  } else {
    const qe_qmodel *q = m->qmodel;
    if (q->n_inputs != 1)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "the model has %zu inputs; Quantizer's data sets feed models with one input",
                      q->n_inputs);
    const qe_qtensor *t = &q->tensors[q->inputs[0]];
    int64_t d[QE_MAX_RANK];
    for (int k = 0; k < t->rank && k < QE_MAX_RANK; k++)
      d[k] = t->dims[k];
    if ((st = set_input_dims(m, t->rank, d, t->name ? t->name : "input", ctx)) != QE_OK)
      return st;
    m->n_outputs = q->n_outputs;
    qmodel_params(q, &m->params, &m->weights_bytes);
    m->macs = qmodel_macs(q);
  }
  if (m->n_outputs == 0)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "the model has no output");
  m->out = calloc(m->n_outputs, sizeof *m->out);
  m->out_count = calloc(m->n_outputs, sizeof *m->out_count);
  if (!m->out || !m->out_count)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return qe_array_new(QE_DT_F32, m->in_rank, m->in_dims, &m->in, ctx);
}

static qe_pl_model *model_alloc(void)
{
  qe_pl_model *m = calloc(1, sizeof *m);
  if (m)
    m->params = m->macs = m->weights_bytes = -1;
  return m;
}

qe_status qe_pl_model_load(const char *path, qe_pl_model **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_pl_model *m = model_alloc();
  if (!m)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st;
  if (is_tflite_file(path)) {
    if ((st = qe_tflite_load(path, &m->qmodel, ctx)) != QE_OK)
      goto fail;
    m->own_qmodel = true;
    m->quantized = qmodel_is_integer(m->qmodel);
    m->kind = m->quantized ? QE_PL_TFLITE_INT8 : QE_PL_TFLITE_FLOAT;
    if (!m->quantized) {
      /* a float model runs (and quantizes) as a graph, NHWC kept */
      qe_qmodel_free(m->qmodel);
      m->qmodel = NULL;
      m->own_qmodel = false;
      if ((st = qe_tflite_load_graph(path, &m->graph, ctx)) != QE_OK)
        goto fail;
    }
  } else {
    if ((st = qe_onnx_load(path, &m->graph, ctx)) != QE_OK)
      goto fail;
    m->quantized = graph_is_qdq(m->graph);
    m->kind = m->quantized ? QE_PL_ONNX_QDQ : QE_PL_ONNX_FLOAT;
  }
  if ((st = finish_load(m, ctx)) != QE_OK) {
    qe_error_prefix(ctx, "%s", path);
    goto fail;
  }
  *out = m;
  return QE_OK;
fail:
  qe_pl_model_free(m);
  return st;
}

qe_status qe_pl_model_from_qmodel(qe_qmodel *q, qe_pl_model **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_pl_model *m = model_alloc();
  if (!m)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  m->kind = QE_PL_QMODEL;
  m->qmodel = q;
  m->quantized = true;
  qe_status st = finish_load(m, ctx);
  if (st) {
    qe_pl_model_free(m);
    return st;
  }
  *out = m;
  return QE_OK;
}

void qe_pl_model_free(qe_pl_model *m)
{
  if (!m)
    return;
  qe_runtime_free(m->rt);
  qe_qexec_free(m->ex);
  if (m->own_qmodel)
    qe_qmodel_free(m->qmodel);
  qe_graph_free(m->graph);
  qe_array_free(m->in);
  for (size_t i = 0; m->out && i < m->n_outputs; i++)
    free(m->out[i]);
  free(m->out);
  free(m->out_count);
  free(m);
}

qe_status qe_pl_model_prepare(qe_pl_model *m, qe_ctx *ctx)
{
  if (m->rt || m->ex)
    return QE_OK;
  if (m->graph)
    return qe_runtime_new(m->graph, &m->rt, ctx);
  return qe_qexec_new(m->qmodel, &m->ex, ctx);
}

/* Keep output @i as floats (int8/uint8 dequantized with the tensor's
 * first scale and zero point). */
static qe_status keep_output(qe_pl_model *m, size_t i, const qe_array *a, const float *scale,
                             const int32_t *zp, qe_ctx *ctx)
{
  int64_t c = qe_array_count(a);
  if (c < 0)
    return qe_error(ctx, QE_ERR_SHAPE, "output %zu has an invalid shape", i);
  if (m->out_count[i] != (size_t)c || !m->out[i]) {
    free(m->out[i]);
    m->out[i] = NULL;
    void *buf = NULL;
    qe_status st = qe_alloc(ctx, c ? (size_t)c : 1, sizeof(float), "model output", &buf);
    if (st)
      return st;
    m->out[i] = buf;
    m->out_count[i] = (size_t)c;
  }
  float *dst = m->out[i];
  float s = scale ? scale[0] : 1.0f;
  int32_t z = zp ? zp[0] : 0;
  switch (a->dtype) {
  case QE_DT_F32:
    memcpy(dst, a->data, (size_t)c * sizeof(float));
    break;
  case QE_DT_I8:
    for (int64_t k = 0; k < c; k++)
      dst[k] = s * (float)(((const int8_t *)a->data)[k] - z);
    break;
  case QE_DT_U8:
    for (int64_t k = 0; k < c; k++)
      dst[k] = s * (float)(((const uint8_t *)a->data)[k] - z);
    break;
  default: {
    qe_array *f = NULL;
    qe_status st = qe_array_to_f32(a, &f, ctx);
    if (st)
      return st;
    memcpy(dst, f->data, (size_t)c * sizeof(float));
    qe_array_free(f);
  }
  }
  return QE_OK;
}

qe_status qe_pl_model_run(qe_pl_model *m, const float *in, qe_ctx *ctx)
{
  qe_status st = qe_pl_model_prepare(m, ctx);
  if (st)
    return st;
  memcpy(m->in->data, in, m->in_count * sizeof(float));
  const qe_array *ins[1] = { m->in };
  if (m->rt) {
    if ((st = qe_runtime_run(m->rt, 1, ins, ctx)) != QE_OK)
      return st;
    for (size_t i = 0; i < m->n_outputs; i++) {
      const qe_array *a = qe_runtime_output(m->rt, i);
      if (!a)
        return qe_error(ctx, QE_ERR_INTERNAL, "output %zu was not computed", i);
      if ((st = keep_output(m, i, a, NULL, NULL, ctx)) != QE_OK)
        return st;
    }
    return QE_OK;
  }
  qe_array **outs = NULL;
  if ((st = qe_qexec_run_arrays(m->ex, 1, ins, &outs, ctx)) != QE_OK)
    return st;
  for (size_t i = 0; i < m->n_outputs && st == QE_OK; i++) {
    const qe_qtensor *t = &m->qmodel->tensors[m->qmodel->outputs[i]];
    st = keep_output(m, i, outs[i], t->n_quant ? t->scale : NULL, t->n_quant ? t->zero_point : NULL,
                     ctx);
  }
  for (size_t i = 0; i < m->n_outputs; i++)
    qe_array_free(outs[i]);
  free(outs);
  return st;
}

size_t qe_pl_model_arena(const qe_pl_model *m)
{
  return m->ex ? qe_qexec_arena_size(m->ex) : 0;
}

const char *qe_pl_model_format(const qe_pl_model *m)
{
  return m->kind == QE_PL_ONNX_FLOAT || m->kind == QE_PL_ONNX_QDQ ? "onnx" : "tflite";
}

qe_layout qe_pl_model_layout(const qe_pl_model *m)
{
  if (m->in_rank != 4)
    return QE_LAYOUT_NHWC;
  int64_t c1 = m->in_dims[1], c3 = m->in_dims[3];
  bool small1 = c1 >= 1 && c1 <= 4, small3 = c3 >= 1 && c3 <= 4;
  if (small3 && !small1)
    return QE_LAYOUT_NHWC;
  if (small1 && !small3)
    return QE_LAYOUT_NCHW;
  /* both or neither look like channels: ONNX (PyTorch) is channels-first */
  return m->kind == QE_PL_ONNX_FLOAT || m->kind == QE_PL_ONNX_QDQ ? QE_LAYOUT_NCHW : QE_LAYOUT_NHWC;
}

const char *qe_pl_model_meta(const qe_pl_model *m, const char *key)
{
  if (m->graph) {
    for (size_t i = 0; i < m->graph->n_metadata; i++)
      if (m->graph->metadata[i].key && strcmp(m->graph->metadata[i].key, key) == 0)
        return m->graph->metadata[i].value;
  } else if (m->qmodel) {
    for (size_t i = 0; i < m->qmodel->n_meta; i++)
      if (m->qmodel->meta_keys[i] && strcmp(m->qmodel->meta_keys[i], key) == 0)
        return m->qmodel->meta_values[i];
  }
  return NULL;
}

void qe_pl_strv_free(char **v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

/* "a,b,c" or ["a", "b", "c"]: the names, spaces and quotes trimmed. */
char **qe_pl_model_classes(const qe_pl_model *m, size_t *n)
{
  *n = 0;
  const char *text = qe_pl_model_meta(m, "classes");
  if (!text || !*text)
    return NULL;
  size_t cap = 1;
  for (const char *c = text; *c; c++)
    cap += *c == ',';
  char **v = calloc(cap, sizeof *v);
  if (!v)
    return NULL;
  const char *s = text;
  while (*s == ' ' || *s == '[')
    s++;
  size_t k = 0;
  while (*s && k < cap) {
    const char *e = strchr(s, ',');
    if (!e)
      e = s + strlen(s);
    const char *a = s, *b = e;
    while (a < b && (*a == ' ' || *a == '"' || *a == '\'' || *a == '['))
      a++;
    while (b > a &&
           (b[-1] == ' ' || b[-1] == '"' || b[-1] == '\'' || b[-1] == ']' || b[-1] == '\n'))
      b--;
    if (b > a && !(v[k++] = qe_strndup(a, (size_t)(b - a)))) {
      qe_pl_strv_free(v, k - 1);
      return NULL;
    }
    s = *e ? e + 1 : e;
  }
  if (k == 0) {
    free(v);
    return NULL;
  }
  *n = k;
  return v;
}
