/* qz-model-info.c - what the Model page shows about a model file.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ONNX models are read into the engine's graph, whose statistics give the
 * parameters, multiply-accumulates, operation histogram and the nodes the
 * engine cannot run. TFLite models are read into the engine's integer
 * model; their multiply-accumulates are counted here for the ops that do
 * nearly all the work (convolutions and fully connected layers).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_onnx.h"
#include "qe/qe_qmodel.h"
#include "qe/qe_tflite.h"
#include "qz-model-info.h"

G_DEFINE_QUARK(qz - engine - error - quark, qz_engine_error)

G_DEFINE_BOXED_TYPE(QzModelInfo, qz_model_info, qz_model_info_ref, qz_model_info_unref)

static void tensor_info_free(QzTensorInfo *t)
{
  g_free(t->name);
  g_free(t->dtype);
  g_free(t);
}

static void op_count_free(QzOpCount *c)
{
  g_free(c->op);
  g_free(c);
}

static void unsupported_free(QzUnsupportedNode *u)
{
  g_free(u->node);
  g_free(u->op);
  g_free(u);
}

static QzModelInfo *qz_model_info_new(const char *path)
{
  QzModelInfo *info = g_new0(QzModelInfo, 1);

  g_atomic_ref_count_init(&info->ref);
  info->path = g_strdup(path);
  info->inputs = g_ptr_array_new_with_free_func((GDestroyNotify)tensor_info_free);
  info->outputs = g_ptr_array_new_with_free_func((GDestroyNotify)tensor_info_free);
  info->ops = g_ptr_array_new_with_free_func((GDestroyNotify)op_count_free);
  info->unsupported = g_ptr_array_new_with_free_func((GDestroyNotify)unsupported_free);
  info->warnings = g_ptr_array_new_with_free_func(g_free);
  info->macs = -1;
  return info;
}

QzModelInfo *qz_model_info_ref(QzModelInfo *info)
{
  g_return_val_if_fail(info != NULL, NULL);
  g_atomic_ref_count_inc(&info->ref);
  return info;
}

void qz_model_info_unref(QzModelInfo *info)
{
  g_return_if_fail(info != NULL);

  if (!g_atomic_ref_count_dec(&info->ref))
    return;
  g_free(info->path);
  g_free(info->format);
  g_free(info->details);
  g_ptr_array_unref(info->inputs);
  g_ptr_array_unref(info->outputs);
  g_ptr_array_unref(info->ops);
  g_ptr_array_unref(info->unsupported);
  g_free(info->unsupported_message);
  g_ptr_array_unref(info->warnings);
  g_free(info);
}

void qz_set_engine_error(GError **error, qe_ctx *ctx)
{
  const char *message = qe_ctx_error(ctx);

  g_set_error_literal(error, QZ_ENGINE_ERROR, qe_ctx_status(ctx),
                      message[0] != '\0' ? message : qe_status_to_string(qe_ctx_status(ctx)));
}

static void take_warnings(QzModelInfo *info, qe_ctx *ctx)
{
  for (size_t i = 0; i < qe_ctx_warning_count(ctx); i++)
    g_ptr_array_add(info->warnings, g_strdup(qe_ctx_warning(ctx, i)));
}

static QzOpCount *find_op(QzModelInfo *info, const char *op)
{
  for (guint i = 0; i < info->ops->len; i++) {
    QzOpCount *c = g_ptr_array_index(info->ops, i);

    if (g_str_equal(c->op, op))
      return c;
  }
  return NULL;
}

static void count_op(QzModelInfo *info, const char *op, gboolean supported)
{
  QzOpCount *c = find_op(info, op);

  if (c == NULL) {
    c = g_new0(QzOpCount, 1);
    c->op = g_strdup(op);
    c->supported = supported;
    g_ptr_array_add(info->ops, c);
  }
  c->count++;
}

/* ---- ONNX --------------------------------------------------------------- */

static QzTensorInfo *graph_tensor_info(const qe_tensor *t)
{
  QzTensorInfo *info = g_new0(QzTensorInfo, 1);

  info->name = g_strdup(t->name);
  info->dtype = g_strdup(qe_dtype_name(t->dtype));
  info->rank = MIN(t->rank, (int)G_N_ELEMENTS(info->dims));
  for (int i = 0; i < info->rank; i++)
    info->dims[i] = t->dims[i];
  return info;
}

static QzModelInfo *load_onnx(const char *path, qe_ctx *ctx, GError **error)
{
  g_autoptr(QzModelInfo) info = qz_model_info_new(path);
  g_autoptr(GString) details = g_string_new("ONNX");
  qe_graph *g = NULL;
  qe_model_stats *st = NULL;

  if (qe_onnx_load(path, &g, ctx) != QE_OK || qe_progress(ctx, 0.7, "reading") != QE_OK ||
      qe_graph_stats(g, &st, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    qe_graph_free(g);
    return NULL;
  }
  take_warnings(info, ctx);

  info->format = g_strdup("onnx");
  g_string_append_printf(details, ", opset %" G_GINT64_FORMAT, (gint64)qe_graph_opset(g, ""));
  if (g->producer_name != NULL && g->producer_name[0] != '\0')
    g_string_append_printf(details, ", %s %s", g->producer_name,
                           g->producer_version != NULL ? g->producer_version : "");
  info->details = g_strdup(g_strstrip(details->str));

  for (size_t i = 0; i < g->n_inputs; i++)
    g_ptr_array_add(info->inputs, graph_tensor_info(&g->tensors[g->inputs[i]]));
  for (size_t i = 0; i < g->n_outputs; i++)
    g_ptr_array_add(info->outputs, graph_tensor_info(&g->tensors[g->outputs[i]]));

  info->params = st->params;
  info->param_bytes = st->param_bytes;
  info->macs = st->shapes_known || st->macs > 0 ? st->macs : -1;
  info->n_nodes = g->n_nodes;
  for (size_t i = 0; i < st->n_ops; i++) {
    QzOpCount *c = g_new0(QzOpCount, 1);

    c->op = g_strdup(st->ops[i].op_type);
    c->count = st->ops[i].count;
    c->supported = st->ops[i].supported;
    g_ptr_array_add(info->ops, c);
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];

    if (n->op == QE_OP_QUANTIZE_LINEAR || n->op == QE_OP_DEQUANTIZE_LINEAR)
      info->quantized = TRUE;
    if (!qe_op_supported(n->op) || (n->domain != NULL && n->domain[0] != '\0')) {
      QzUnsupportedNode *u = g_new0(QzUnsupportedNode, 1);

      u->node = g_strdup(n->name);
      u->op = n->domain != NULL && n->domain[0] != '\0'
                  ? g_strdup_printf("%s.%s", n->domain, n->op_type)
                  : g_strdup(n->op_type);
      g_ptr_array_add(info->unsupported, u);
    }
  }
  if (st->unsupported != NULL)
    info->unsupported_message = g_strdup(st->unsupported);

  qe_model_stats_free(st);
  qe_graph_free(g);
  return g_steal_pointer(&info);
}

/* ---- TFLite ------------------------------------------------------------- */

static QzTensorInfo *qtensor_info(const qe_qtensor *t)
{
  QzTensorInfo *info = g_new0(QzTensorInfo, 1);

  info->name = g_strdup(t->name != NULL ? t->name : "");
  info->dtype = g_strdup(qe_dtype_name(t->type));
  info->rank = MIN(t->rank, (int)G_N_ELEMENTS(info->dims));
  for (int i = 0; i < info->rank; i++)
    info->dims[i] = t->dims[i];
  return info;
}

static gint64 qtensor_elements(const qe_qmodel *m, int index)
{
  return index >= 0 && (size_t)index < m->n_tensors ? qe_qtensor_count(&m->tensors[index]) : 0;
}

/* Multiply-accumulates of the ops that carry the weights. */
static gint64 qop_macs(const qe_qmodel *m, const qe_qop *op)
{
  const qe_qtensor *w;
  gint64 out = qtensor_elements(m, op->output);

  if (op->n_inputs < 2 || op->inputs[1] < 0 || (size_t)op->inputs[1] >= m->n_tensors)
    return 0;
  w = &m->tensors[op->inputs[1]];
  switch (op->type) {
  case QE_QOP_CONV_2D:
    /* weights [O, KH, KW, I]: each output element sums KH * KW * I products */
    return w->rank == 4 ? out * w->dims[1] * w->dims[2] * w->dims[3] : 0;
  case QE_QOP_DEPTHWISE_CONV_2D:
    /* weights [1, KH, KW, C*M] */
    return w->rank == 4 ? out * w->dims[1] * w->dims[2] : 0;
  case QE_QOP_FULLY_CONNECTED:
    /* weights [O, I] */
    return w->rank == 2 ? out * w->dims[1] : 0;
  default:
    return 0;
  }
}

static QzModelInfo *load_tflite(const char *path, qe_ctx *ctx, GError **error)
{
  g_autoptr(QzModelInfo) info = qz_model_info_new(path);
  qe_qmodel *m = NULL;
  gboolean *is_io;

  if (qe_tflite_load(path, &m, ctx) != QE_OK) {
    /* A model with operators the engine does not know still gets a list
     * of them, so the page can say what stands in the way. */
    if (qe_ctx_status(ctx) == QE_ERR_UNSUPPORTED) {
      g_autofree char *message = g_strdup(qe_ctx_error(ctx));
      uint8_t *data = NULL;
      size_t len = 0;
      char *ops = NULL;

      if (qe_read_file(path, &data, &len, ctx) == QE_OK &&
          qe_tflite_list_ops(data, len, path, &ops, ctx) == QE_OK) {
        info->format = g_strdup("tflite");
        info->details = g_strdup_printf("TensorFlow Lite; %s", ops);
        info->unsupported_message = g_steal_pointer(&message);
        free(ops);
        free(data);
        info->macs = -1;
        return g_steal_pointer(&info);
      }
      free(data);
    }
    qz_set_engine_error(error, ctx);
    return NULL;
  }
  take_warnings(info, ctx);

  info->format = g_strdup("tflite");
  info->details = g_strdup(m->description != NULL && m->description[0] != '\0' ? m->description
                                                                               : "TensorFlow Lite");
  for (size_t i = 0; i < m->n_inputs; i++)
    g_ptr_array_add(info->inputs, qtensor_info(&m->tensors[m->inputs[i]]));
  for (size_t i = 0; i < m->n_outputs; i++)
    g_ptr_array_add(info->outputs, qtensor_info(&m->tensors[m->outputs[i]]));

  is_io = g_new0(gboolean, m->n_tensors + 1);
  for (size_t i = 0; i < m->n_inputs; i++)
    is_io[m->inputs[i]] = TRUE;
  info->macs = 0;
  for (size_t i = 0; i < m->n_ops; i++) {
    count_op(info, qe_qop_name(m->ops[i].type), TRUE);
    info->macs += qop_macs(m, &m->ops[i]);
  }
  for (size_t i = 0; i < m->n_tensors; i++) {
    const qe_qtensor *t = &m->tensors[i];

    if (t->data != NULL && !is_io[i]) {
      info->params += qe_qtensor_count(t);
      info->param_bytes += t->data_size;
    }
    if (t->n_quant > 0 && (t->type == QE_DT_I8 || t->type == QE_DT_U8))
      info->quantized = TRUE;
  }
  g_free(is_io);
  info->n_nodes = m->n_ops;

  qe_qmodel_free(m);
  return g_steal_pointer(&info);
}

static gboolean looks_like_tflite(const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GFileInputStream) in = g_file_read(file, NULL, NULL);
  guint8 head[8] = { 0 };

  if (in == NULL)
    return g_str_has_suffix(path, ".tflite");
  if (!g_input_stream_read_all(G_INPUT_STREAM(in), head, sizeof head, NULL, NULL, NULL))
    return FALSE;
  /* FlatBuffer file identifier at bytes 4..7 */
  return memcmp(head + 4, "TFL3", 4) == 0;
}

QzModelInfo *qz_model_info_load(const char *path, int (*progress)(void *, double, const char *),
                                void *progress_data, GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  QzModelInfo *info;

  g_return_val_if_fail(path != NULL, NULL);

  if (ctx == NULL) {
    g_set_error_literal(error, QZ_ENGINE_ERROR, QE_ERR_NOMEM, qe_status_to_string(QE_ERR_NOMEM));
    return NULL;
  }
  if (progress != NULL)
    qe_ctx_set_progress(ctx, progress, progress_data);

  if (qe_progress(ctx, 0.0, "reading") != QE_OK) {
    qz_set_engine_error(error, ctx);
    qe_ctx_free(ctx);
    return NULL;
  }
  if (looks_like_tflite(path))
    info = load_tflite(path, ctx, error);
  else
    info = load_onnx(path, ctx, error);
  if (info != NULL)
    qe_progress(ctx, 1.0, "reading");
  qe_ctx_free(ctx);
  return info;
}

char *qz_tensor_info_shape_text(const QzTensorInfo *t)
{
  GString *s;

  if (t->rank < 0)
    return g_strdup(_("unknown"));
  if (t->rank == 0)
    /* Translators: the shape of a single number */
    return g_strdup(_("a single value"));
  s = g_string_new(NULL);
  for (int i = 0; i < t->rank; i++) {
    if (i > 0)
      g_string_append(s, " × ");
    if (t->dims[i] >= 0)
      g_string_append_printf(s, "%" G_GINT64_FORMAT, t->dims[i]);
    else if (i == 0)
      /* Translators: a dimension of any size, at the batch position */
      g_string_append(s, _("batch"));
    else
      g_string_append(s, "?");
  }
  return g_string_free(s, FALSE);
}

char *qz_tensor_info_describe(const QzTensorInfo *t, gboolean is_input)
{
  const gint64 *d = t->dims;

  if (t->rank == 4 && is_input) {
    gint64 c, h, w;

    if (d[1] >= 1 && d[1] <= 4 && d[3] > 4) { /* NCHW */
      c = d[1];
      h = d[2];
      w = d[3];
    } else if (d[3] >= 1 && d[3] <= 4) { /* NHWC */
      h = d[1];
      w = d[2];
      c = d[3];
    } else {
      return NULL;
    }
    if (h <= 0 || w <= 0)
      return NULL;
    if (w > G_MAXINT || h > G_MAXINT)
      return NULL;
    if (c == 1)
      /* Translators: a model input, e.g. "a 28 × 28 picture in gray levels" */
      return g_strdup_printf(_("a %d × %d picture in gray levels"), (int)w, (int)h);
    if (c == 3)
      /* Translators: a model input, e.g. "a 96 × 96 color picture" */
      return g_strdup_printf(_("a %d × %d color picture"), (int)w, (int)h);
    return NULL;
  }
  if (t->rank == 2 && !is_input && d[1] > 1 && d[1] <= G_MAXINT)
    /* Translators: a model output, e.g. "10 scores, one for each class" */
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%d score, one for each class",
                                       "%d scores, one for each class", (gulong)d[1]),
                           (int)d[1]);
  return NULL;
}
