/* qz-info.c - `qz info MODEL [--json]`: inputs, outputs, op histogram,
 * parameters, MACs per layer and in total, unsupported ops by node name.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "qe/qe_graph.h"
#include "qe/qe_json.h"
#include "qe/qe_model.h"
#include "qe/qe_onnx.h"
#include "qe/qe_qmodel.h"
#include "qe/qe_tflite.h"
#include "qz-cli.h"

/* "[N, 1, 28, 28]" using dim_param names for symbolic dims. */
static char *shape_string(const qe_tensor *t)
{
  if (t->rank < 0)
    return g_strdup("unknown");
  GString *s = g_string_new("[");
  for (int i = 0; i < t->rank; i++) {
    if (i)
      g_string_append(s, ", ");
    if (t->dims[i] >= 0)
      g_string_append_printf(s, "%" G_GINT64_FORMAT, t->dims[i]);
    else
      g_string_append(s, t->dim_params[i] ? t->dim_params[i] : "?");
  }
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

static void json_tensor(qe_json *j, const qe_tensor *t)
{
  qe_json_begin_object(j);
  qe_json_kv_string(j, "name", t->name);
  qe_json_kv_string(j, "dtype", qe_dtype_name(t->dtype));
  qe_json_key(j, "shape");
  if (t->rank < 0) {
    qe_json_null(j);
  } else {
    qe_json_begin_array(j);
    for (int i = 0; i < t->rank; i++) {
      if (t->dims[i] >= 0)
        qe_json_int(j, t->dims[i]);
      else
        qe_json_string(j, t->dim_params[i] ? t->dim_params[i] : "?");
    }
    qe_json_end_array(j);
  }
  qe_json_end_object(j);
}

/* One entry of "layers": node @i of the graph @st describes. */
static void json_layer(qe_json *j, const qe_node *n, const qe_model_stats *st, size_t i)
{
  qe_json_begin_object(j);
  qe_json_kv_string(j, "name", n->name);
  qe_json_kv_string(j, "op", n->op_type);
  qe_json_kv_int(j, "macs", st->node_macs[i]);
  qe_json_kv_int(j, "params", st->node_params[i]);
  qe_json_end_object(j);
}

static char *thousands(gint64 v)
{
  g_autofree char *raw = g_strdup_printf("%" G_GINT64_FORMAT, v);
  GString *s = g_string_new(NULL);
  size_t n = strlen(raw), lead = raw[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < n; i++) {
    g_string_append_c(s, raw[i]);
    size_t left = n - i - 1;
    if (i >= lead && left > 0 && left % 3 == 0)
      g_string_append_c(s, ',');
  }
  return g_string_free(s, FALSE);
}

/* The layers that compute or hold something, one a line. */
static void print_layers(const qe_graph *g, const qe_model_stats *st)
{
  printf("Layers:\n");
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (st->node_macs[i] == 0 && st->node_params[i] == 0)
      continue;
    g_autofree char *m = thousands(st->node_macs[i]);
    g_autofree char *p = thousands(st->node_params[i]);
    printf("  %-32s %-20s MACs %14s  params %10s\n", g->nodes[i].name, g->nodes[i].op_type, m, p);
  }
}

static void print_text(const char *path, const qe_graph *g, const qe_model_stats *st)
{
  printf("Model: %s\n", path);
  printf("Format: ONNX, IR version %" G_GINT64_FORMAT ", opset %" G_GINT64_FORMAT "\n",
         (gint64)g->ir_version, (gint64)qe_graph_opset(g, ""));
  if (g->producer_name && *g->producer_name)
    printf("Producer: %s %s\n", g->producer_name, g->producer_version ? g->producer_version : "");
  if (g->doc && *g->doc)
    printf("Description: %s\n", g->doc);
  for (size_t i = 0; i < g->n_metadata; i++)
    printf("Metadata: %s = %s\n", g->metadata[i].key, g->metadata[i].value);
  printf("Inputs:\n");
  for (size_t i = 0; i < g->n_inputs; i++) {
    const qe_tensor *t = &g->tensors[g->inputs[i]];
    g_autofree char *sh = shape_string(t);
    printf("  %s  %s %s\n", t->name, qe_dtype_name(t->dtype), sh);
  }
  printf("Outputs:\n");
  for (size_t i = 0; i < g->n_outputs; i++) {
    const qe_tensor *t = &g->tensors[g->outputs[i]];
    g_autofree char *sh = shape_string(t);
    printf("  %s  %s %s\n", t->name, qe_dtype_name(t->dtype), sh);
  }
  g_autofree char *params = thousands(st->params);
  g_autofree char *macs = thousands(st->macs);
  printf("Parameters: %s (%.1f KiB)\n", params, (double)st->param_bytes / 1024.0);
  printf("MACs: %s per sample%s\n", macs, st->shapes_known ? "" : " (shapes partly unknown)");
  printf("Operators (%zu nodes):", g->n_nodes);
  for (size_t i = 0; i < st->n_ops; i++)
    printf("%s %s x%zu%s", i ? "," : "", st->ops[i].op_type, st->ops[i].count,
           st->ops[i].supported ? "" : " (unsupported)");
  printf("\n");
  print_layers(g, st);
  if (st->n_unsupported)
    printf("Unsupported: %s\n", st->unsupported);
  else
    printf("Unsupported: none (every node can run on the engine)\n");
}

static void print_json(const char *path, const qe_graph *g, const qe_model_stats *st)
{
  qe_json *j = qe_json_new(TRUE);
  qe_json_begin_object(j);
  qe_json_key(j, "model");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "path", path);
  qe_json_kv_string(j, "format", "onnx");
  qe_json_kv_int(j, "ir_version", g->ir_version);
  qe_json_kv_int(j, "opset", qe_graph_opset(g, ""));
  qe_json_kv_string(j, "producer", g->producer_name ? g->producer_name : "");
  qe_json_kv_string(j, "producer_version", g->producer_version ? g->producer_version : "");
  qe_json_kv_string(j, "doc", g->doc ? g->doc : "");
  qe_json_key(j, "metadata");
  qe_json_begin_object(j);
  for (size_t i = 0; i < g->n_metadata; i++)
    qe_json_kv_string(j, g->metadata[i].key, g->metadata[i].value);
  qe_json_end_object(j);
  qe_json_kv_int(j, "params", st->params);
  qe_json_kv_int(j, "param_bytes", st->param_bytes);
  qe_json_kv_int(j, "macs", st->macs);
  qe_json_end_object(j);
  qe_json_key(j, "inputs");
  qe_json_begin_array(j);
  for (size_t i = 0; i < g->n_inputs; i++)
    json_tensor(j, &g->tensors[g->inputs[i]]);
  qe_json_end_array(j);
  qe_json_key(j, "outputs");
  qe_json_begin_array(j);
  for (size_t i = 0; i < g->n_outputs; i++)
    json_tensor(j, &g->tensors[g->outputs[i]]);
  qe_json_end_array(j);
  qe_json_kv_int(j, "params", st->params);
  qe_json_kv_int(j, "macs", st->macs);
  qe_json_kv_bool(j, "shapes_known", st->shapes_known);
  qe_json_kv_int(j, "nodes", (int64_t)g->n_nodes);
  qe_json_key(j, "ops");
  qe_json_begin_object(j);
  for (size_t i = 0; i < st->n_ops; i++)
    qe_json_kv_int(j, st->ops[i].op_type, (int64_t)st->ops[i].count);
  qe_json_end_object(j);
  qe_json_key(j, "layers");
  qe_json_begin_array(j);
  for (size_t i = 0; i < g->n_nodes; i++) {
    json_layer(j, &g->nodes[i], st, i);
  }
  qe_json_end_array(j);
  qe_json_key(j, "unsupported");
  qe_json_begin_array(j);
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    if (qe_op_supported(n->op) && (!n->domain || !*n->domain))
      continue;
    qe_json_begin_object(j);
    qe_json_kv_string(j, "name", n->name);
    qe_json_kv_string(j, "op", n->op_type);
    qe_json_kv_string(j, "domain", n->domain ? n->domain : "");
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_kv_string(j, "unsupported_message", st->unsupported ? st->unsupported : "");
  qe_json_end_object(j);
  size_t len;
  const char *text = qe_json_text(j, &len);
  if (text)
    printf("%s\n", text);
  qe_json_free(j);
}

/* TFLite models: tensors, the file's op histogram and parameters from the
 * integer model (qe_qmodel); MACs from the loaded model (a float model
 * through its graph, with the layers that compute). */
static char *qshape(const qe_qtensor *t)
{
  GString *s = g_string_new("[");
  for (int i = 0; i < t->rank; i++)
    g_string_append_printf(s, "%s%d", i ? ", " : "", (int)t->dims[i]);
  g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

static int info_tflite(const char *path, const qe_model *mdl, gboolean json, qe_ctx *ctx)
{
  qe_qmodel *m = NULL;
  qe_model_size size;
  qe_model_stats *gst = NULL;
  if (qe_tflite_load(path, &m, ctx) != QE_OK || qe_model_measure(mdl, &size, ctx) != QE_OK ||
      (mdl->graph && qe_graph_stats(mdl->graph, &gst, ctx) != QE_OK)) {
    qe_qmodel_free(m);
    return qz_fail("info", "%s", qe_ctx_error(ctx));
  }
  /* weights and biases the ops read (a float model's fp16 weights counted
   * as the float32 values the engine runs) */
  const gint64 params = size.params, bytes = size.param_bytes;
  /* op histogram in order of first appearance */
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  g_autoptr(GArray) counts = g_array_new(FALSE, TRUE, sizeof(guint));
  for (size_t i = 0; i < m->n_ops; i++) {
    const char *nm = qe_qop_name(m->ops[i].type);
    guint k;
    for (k = 0; k < names->len; k++)
      if (g_str_equal(g_ptr_array_index(names, k), nm))
        break;
    if (k == names->len) {
      g_ptr_array_add(names, (gpointer)nm);
      guint zero = 0;
      g_array_append_val(counts, zero);
    }
    g_array_index(counts, guint, k)++;
  }
  if (json) {
    qe_json *j = qe_json_new(TRUE);
    qe_json_begin_object(j);
    qe_json_key(j, "model");
    qe_json_begin_object(j);
    qe_json_kv_string(j, "path", path);
    qe_json_kv_string(j, "format", "tflite");
    qe_json_kv_int(j, "params", params);
    qe_json_kv_int(j, "param_bytes", bytes);
    qe_json_key(j, "macs");
    if (size.macs >= 0)
      qe_json_int(j, size.macs);
    else
      qe_json_null(j);
    qe_json_kv_string(j, "kind", qe_model_kind_name(mdl->kind));
    qe_json_end_object(j);
    for (int io = 0; io < 2; io++) {
      qe_json_key(j, io ? "outputs" : "inputs");
      qe_json_begin_array(j);
      size_t n = io ? m->n_outputs : m->n_inputs;
      for (size_t i = 0; i < n; i++) {
        const qe_qtensor *t = &m->tensors[io ? m->outputs[i] : m->inputs[i]];
        qe_json_begin_object(j);
        qe_json_kv_string(j, "name", t->name ? t->name : "");
        qe_json_kv_string(j, "dtype", qe_dtype_name(t->type));
        qe_json_key(j, "shape");
        qe_json_begin_array(j);
        for (int d = 0; d < t->rank; d++)
          qe_json_int(j, t->dims[d]);
        qe_json_end_array(j);
        qe_json_end_object(j);
      }
      qe_json_end_array(j);
    }
    qe_json_kv_int(j, "params", params);
    qe_json_key(j, "macs");
    if (size.macs >= 0)
      qe_json_int(j, size.macs);
    else
      qe_json_null(j);
    qe_json_key(j, "ops");
    qe_json_begin_object(j);
    for (guint k = 0; k < names->len; k++)
      qe_json_kv_int(j, g_ptr_array_index(names, k), g_array_index(counts, guint, k));
    qe_json_end_object(j);
    /* the layers that compute, as the float graph names them */
    qe_json_key(j, "layers");
    qe_json_begin_array(j);
    for (size_t i = 0; gst && i < mdl->graph->n_nodes; i++) {
      if (gst->node_macs[i] == 0 && gst->node_params[i] == 0)
        continue;
      json_layer(j, &mdl->graph->nodes[i], gst, i);
    }
    qe_json_end_array(j);
    qe_json_key(j, "unsupported");
    qe_json_begin_array(j);
    qe_json_end_array(j);
    qe_json_end_object(j);
    size_t len;
    const char *text = qe_json_text(j, &len);
    if (text)
      printf("%s\n", text);
    qe_json_free(j);
  } else {
    printf("Model: %s\nFormat: TFLite (%s)\n", path, qe_model_kind_name(mdl->kind));
    if (m->description && *m->description)
      printf("Description: %s\n", m->description);
    for (int io = 0; io < 2; io++) {
      printf("%s:\n", io ? "Outputs" : "Inputs");
      size_t n = io ? m->n_outputs : m->n_inputs;
      for (size_t i = 0; i < n; i++) {
        const qe_qtensor *t = &m->tensors[io ? m->outputs[i] : m->inputs[i]];
        g_autofree char *sh = qshape(t);
        printf("  %s  %s %s\n", t->name ? t->name : "", qe_dtype_name(t->type), sh);
      }
    }
    g_autofree char *p = thousands(params);
    printf("Parameters: %s (%.1f KiB)\n", p, (double)bytes / 1024.0);
    if (size.macs >= 0) {
      g_autofree char *mc = thousands(size.macs);
      printf("MACs: %s per sample\n", mc);
    } else {
      printf("MACs: unknown (shapes not known)\n");
    }
    printf("Operators (%zu ops):", m->n_ops);
    for (guint k = 0; k < names->len; k++)
      printf("%s %s x%u", k ? "," : "", (const char *)g_ptr_array_index(names, k),
             g_array_index(counts, guint, k));
    printf("\n");
    if (gst)
      print_layers(mdl->graph, gst);
  }
  qe_model_stats_free(gst);
  qe_qmodel_free(m);
  return QZ_EXIT_OK;
}

int qz_cmd_info(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json,
                                     "Print JSON on standard output", NULL },
                                   G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("info", "MODEL",
                        "Show a model's inputs, outputs, operators, parameters and MACs.", entries,
                        &argc, &argv, &rc))
    return rc;
  if (argc != 2)
    return qz_usage_error("info", argc < 2 ? "a MODEL file is needed" : "only one MODEL please");
  const char *path = argv[1];
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_model_stats *st = NULL;
  int ret = QZ_EXIT_OK;
  qe_model *mdl = NULL;
  /* ONNX or TFLite, told by the content */
  if (qe_model_load(path, &mdl, ctx) != QE_OK) {
    ret = qz_fail("info", "%s", qe_ctx_error(ctx));
    goto out;
  }
  qz_print_warnings("info", ctx, 0);
  if (mdl->format == QE_MODEL_FORMAT_TFLITE) {
    ret = info_tflite(path, mdl, json, ctx);
    qe_model_free(mdl);
    goto out;
  }
  g = qe_model_steal_graph(mdl);
  qe_model_free(mdl);
  if (qe_graph_stats(g, &st, ctx) != QE_OK) {
    ret = qz_fail("info", "%s", qe_ctx_error(ctx));
    goto out;
  }
  if (json)
    print_json(path, g, st);
  else
    print_text(path, g, st);
out:
  qe_model_stats_free(st);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  return ret;
}
