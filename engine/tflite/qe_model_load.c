/* qe_model_load.c - open an ONNX or TFLite model by its content
 * (qe_model.h).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_model.h"
#include "qe/qe_onnx.h"
#include "qe/qe_tflite.h"
#include "qe_internal.h"

qe_model_format qe_model_sniff(const void *head, size_t size)
{
  const unsigned char *h = head;
  if (h && size >= 8 && memcmp(h + 4, "TFL3", 4) == 0)
    return QE_MODEL_FORMAT_TFLITE;
  return QE_MODEL_FORMAT_ONNX;
}

const char *qe_model_kind_name(qe_model_kind kind)
{
  switch (kind) {
  case QE_MODEL_ONNX_FLOAT:
    return "float ONNX";
  case QE_MODEL_ONNX_QUANTIZED:
    return "quantized ONNX";
  case QE_MODEL_TFLITE_FLOAT:
    return "float TFLite";
  case QE_MODEL_TFLITE_INT8:
    return "int8 TFLite";
  }
  return "?";
}

const char *qe_model_format_name(qe_model_format format)
{
  return format == QE_MODEL_FORMAT_TFLITE ? "tflite" : "onnx";
}

/* QDQ or QOperator nodes: the ONNX model is quantized already. */
static bool graph_quantized(const qe_graph *g)
{
  for (size_t i = 0; i < g->n_nodes; i++) {
    switch (g->nodes[i].op) {
    case QE_OP_QUANTIZE_LINEAR:
    case QE_OP_DEQUANTIZE_LINEAR:
    case QE_OP_DYNAMIC_QUANTIZE_LINEAR:
    case QE_OP_CONV_INTEGER:
    case QE_OP_MAT_MUL_INTEGER:
    case QE_OP_QLINEAR_CONV:
    case QE_OP_QLINEAR_MAT_MUL:
      return true;
    default:
      break;
    }
    const char *t = g->nodes[i].op_type ? g->nodes[i].op_type : "";
    if (strncmp(t, "QLinear", 7) == 0)
      return true;
  }
  return false;
}

/* Integer activations (not just integer constants): an int8 model. */
static bool qmodel_integer(const qe_qmodel *m)
{
  for (size_t i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];
    if (!t->data && (t->type == QE_DT_I8 || t->type == QE_DT_U8 || t->type == QE_DT_I16))
      return true;
  }
  return false;
}

static qe_status finish(qe_model *m, const char *name, qe_model **out, qe_ctx *ctx)
{
  if (name && !(m->path = qe_strdup(name))) {
    qe_model_free(m);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  *out = m;
  return QE_OK;
}

qe_status qe_model_read(const void *data, size_t size, const char *name, const char *base_dir,
                        qe_model **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_model *m = calloc(1, sizeof *m);
  if (!m)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st;
  m->format = qe_model_sniff(data, size);
  if (m->format == QE_MODEL_FORMAT_ONNX) {
    if ((st = qe_onnx_load_buffer(data, size, name, base_dir, &m->graph, ctx)) != QE_OK) {
      qe_model_free(m);
      return st;
    }
    m->quantized = graph_quantized(m->graph);
    m->kind = m->quantized ? QE_MODEL_ONNX_QUANTIZED : QE_MODEL_ONNX_FLOAT;
    if (name && !m->graph->source_path && !(m->graph->source_path = qe_strdup(name))) {
      qe_model_free(m);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    return finish(m, name, out, ctx);
  }
  qe_qmodel *q = NULL;
  if ((st = qe_tflite_read(data, size, name, &q, ctx)) != QE_OK) {
    qe_model_free(m);
    return st;
  }
  if (qmodel_integer(q)) {
    m->kind = QE_MODEL_TFLITE_INT8;
    m->quantized = true;
    m->qmodel = q;
    return finish(m, name, out, ctx);
  }
  /* a float model runs and quantizes as a graph */
  m->kind = QE_MODEL_TFLITE_FLOAT;
  st = qe_qmodel_to_graph(q, &m->graph, ctx);
  qe_qmodel_free(q);
  if (st != QE_OK) {
    qe_error_prefix(ctx, "%s", name ? name : "tflite");
    qe_model_free(m);
    return st;
  }
  if (name && !m->graph->source_path)
    m->graph->source_path = qe_strdup(name);
  return finish(m, name, out, ctx);
}

qe_status qe_model_load(const char *path, qe_model **out, qe_ctx *ctx)
{
  *out = NULL;
  uint8_t *data = NULL;
  size_t size = 0;
  qe_status st = qe_read_file(path, &data, &size, ctx);
  if (st != QE_OK)
    return st;
  /* external data files sit next to the model */
  char *dir = qe_strdup(path);
  if (!dir) {
    free(data);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  char *slash = strrchr(dir, '/');
  if (slash)
    slash[slash == dir ? 1 : 0] = '\0';
  else
    strcpy(dir, ".");
  st = qe_model_read(data, size, path, dir, out, ctx);
  free(dir);
  free(data);
  return st;
}

void qe_model_free(qe_model *m)
{
  if (!m)
    return;
  qe_graph_free(m->graph);
  qe_qmodel_free(m->qmodel);
  free(m->path);
  free(m);
}

qe_graph *qe_model_steal_graph(qe_model *m)
{
  qe_graph *g = m ? m->graph : NULL;
  if (m)
    m->graph = NULL;
  return g;
}

int64_t qe_qmodel_macs(const qe_qmodel *m)
{
  int64_t macs = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    if (op->output < 0 || (size_t)op->output >= m->n_tensors || op->n_inputs < 2)
      continue;
    const int64_t out = qe_qtensor_count(&m->tensors[op->output]);
    const int w = op->inputs[1];
    if (out < 0 || w < 0 || (size_t)w >= m->n_tensors || m->tensors[w].rank < 2)
      continue;
    const qe_qtensor *wt = &m->tensors[w];
    switch (op->type) {
    case QE_QOP_CONV_2D: /* OHWI: H * W * I per output value */
      if (wt->rank == 4)
        macs += out * (int64_t)wt->dims[1] * wt->dims[2] * wt->dims[3];
      break;
    case QE_QOP_DEPTHWISE_CONV_2D: /* 1HW(C*M): H * W per output value */
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

qe_status qe_model_measure(const qe_model *m, qe_model_size *out, qe_ctx *ctx)
{
  out->params = out->param_bytes = out->macs = -1;
  if (m->graph) {
    qe_model_stats *s = NULL;
    qe_status st = qe_graph_stats(m->graph, &s, ctx);
    if (st != QE_OK)
      return st;
    out->params = s->params;
    out->param_bytes = s->param_bytes;
    out->macs = s->shapes_known ? s->macs : -1;
    qe_model_stats_free(s);
    return QE_OK;
  }
  const qe_qmodel *q = m->qmodel;
  int64_t n = 0, b = 0;
  bool *used = calloc(q->n_tensors + 1, sizeof(bool));
  if (!used)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < q->n_ops; i++)
    for (int k = 0; k < q->ops[i].n_inputs; k++)
      if (q->ops[i].inputs[k] >= 0 && (size_t)q->ops[i].inputs[k] < q->n_tensors)
        used[q->ops[i].inputs[k]] = true;
  for (size_t i = 0; i < q->n_tensors; i++) {
    const qe_qtensor *t = &q->tensors[i];
    /* constants the ops read; shape operands (int32 without quantization)
     * are not parameters */
    if (!t->data || !used[i] || (t->type == QE_DT_I32 && t->n_quant == 0))
      continue;
    const int64_t c = qe_qtensor_count(t);
    n += c > 0 ? c : 0;
    b += (int64_t)t->data_size;
  }
  free(used);
  out->params = n;
  out->param_bytes = b;
  out->macs = qe_qmodel_macs(q);
  return QE_OK;
}
