/* qe_graph.c - building, editing and checking the graph IR.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe/qe_graph.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "qe_graph_internal.h"
#include "qe_internal.h"

#define QE_OP_NAME_(e, s) s,
static const char *const op_names[] = { QE_OP_LIST(QE_OP_NAME_) };
#undef QE_OP_NAME_
static_assert(QE_ARRAY_LEN(op_names) == QE_OP_COUNT, "every qe_op needs a name");

const char *qe_op_name(qe_op op)
{
  return (unsigned)op < QE_OP_COUNT ? op_names[op] : "?";
}

qe_op qe_op_from_name(const char *op_type)
{
  if (!op_type || !*op_type)
    return QE_OP_UNKNOWN;
  for (int i = 1; i < QE_OP_COUNT; i++)
    if (strcmp(op_names[i], op_type) == 0)
      return (qe_op)i;
  return QE_OP_UNKNOWN;
}

/* ---- attributes ------------------------------------------------------- */

void qe_attr_clear(qe_attr *a)
{
  if (!a)
    return;
  free(a->name);
  free(a->s);
  free(a->ints);
  free(a->floats);
  if (a->strings)
    for (size_t i = 0; i < a->n; i++)
      free(a->strings[i]);
  free(a->strings);
  qe_array_free(a->t);
  memset(a, 0, sizeof *a);
}

qe_status qe_array_clone(const qe_array *a, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!a)
    return QE_OK;
  qe_status st = qe_array_new(a->dtype, a->rank, a->dims, out, ctx);
  if (st != QE_OK)
    return st;
  size_t nb = qe_array_nbytes(a);
  if (nb)
    memcpy((*out)->data, a->data, nb);
  return QE_OK;
}

static qe_status attr_copy(qe_attr *dst, const qe_attr *src, qe_ctx *ctx)
{
  memset(dst, 0, sizeof *dst);
  dst->type = src->type;
  dst->i = src->i;
  dst->f = src->f;
  dst->n = src->n;
  dst->s_len = src->s_len;
  dst->name = qe_strdup(src->name);
  if (!dst->name)
    goto nomem;
  if (src->s) {
    dst->s = malloc(src->s_len + 1);
    if (!dst->s)
      goto nomem;
    memcpy(dst->s, src->s, src->s_len + 1);
  }
  if (src->ints) {
    dst->ints = malloc((src->n ? src->n : 1) * sizeof(int64_t));
    if (!dst->ints)
      goto nomem;
    memcpy(dst->ints, src->ints, src->n * sizeof(int64_t));
  }
  if (src->floats) {
    dst->floats = malloc((src->n ? src->n : 1) * sizeof(float));
    if (!dst->floats)
      goto nomem;
    memcpy(dst->floats, src->floats, src->n * sizeof(float));
  }
  if (src->strings) {
    dst->strings = calloc(src->n ? src->n : 1, sizeof(char *));
    if (!dst->strings)
      goto nomem;
    for (size_t i = 0; i < src->n; i++)
      if (!(dst->strings[i] = qe_strdup(src->strings[i] ? src->strings[i] : "")))
        goto nomem;
  }
  if (src->t && qe_array_clone(src->t, &dst->t, ctx) != QE_OK) {
    qe_attr_clear(dst);
    return qe_ctx_status(ctx);
  }
  return QE_OK;
nomem:
  qe_attr_clear(dst);
  return qe_error(ctx, QE_ERR_NOMEM, "out of memory copying an attribute");
}

const qe_attr *qe_node_attr(const qe_node *n, const char *name)
{
  if (!n)
    return NULL;
  for (size_t i = 0; i < n->n_attrs; i++)
    if (n->attrs[i].name && strcmp(n->attrs[i].name, name) == 0)
      return &n->attrs[i];
  return NULL;
}

int64_t qe_node_int(const qe_node *n, const char *name, int64_t def)
{
  const qe_attr *a = qe_node_attr(n, name);
  return a && a->type == QE_ATTR_INT ? a->i : def;
}

float qe_node_float(const qe_node *n, const char *name, float def)
{
  const qe_attr *a = qe_node_attr(n, name);
  if (a && a->type == QE_ATTR_FLOAT)
    return a->f;
  if (a && a->type == QE_ATTR_INT)
    return (float)a->i;
  return def;
}

const char *qe_node_string(const qe_node *n, const char *name, const char *def)
{
  const qe_attr *a = qe_node_attr(n, name);
  return a && a->type == QE_ATTR_STRING ? a->s : def;
}

const int64_t *qe_node_ints(const qe_node *n, const char *name, size_t *count)
{
  const qe_attr *a = qe_node_attr(n, name);
  *count = 0;
  if (!a || a->type != QE_ATTR_INTS)
    return NULL;
  *count = a->n;
  return a->ints ? a->ints : (const int64_t *)"";
}

const float *qe_node_floats(const qe_node *n, const char *name, size_t *count)
{
  const qe_attr *a = qe_node_attr(n, name);
  *count = 0;
  if (!a || a->type != QE_ATTR_FLOATS)
    return NULL;
  *count = a->n;
  return a->floats ? a->floats : (const float *)"";
}

int qe_node_input(const qe_node *n, int i)
{
  return i >= 0 && i < n->n_inputs ? n->inputs[i] : -1;
}

int qe_node_output(const qe_node *n, int i)
{
  return i >= 0 && i < n->n_outputs ? n->outputs[i] : -1;
}

/* A slot for attribute @name: the existing one cleared, or a new one. */
static qe_attr *attr_slot(qe_node *n, const char *name, qe_ctx *ctx)
{
  for (size_t i = 0; i < n->n_attrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) {
      qe_attr_clear(&n->attrs[i]);
      n->attrs[i].name = qe_strdup(name);
      if (!n->attrs[i].name) {
        /* Drop the slot. */
        memmove(&n->attrs[i], &n->attrs[i + 1], (n->n_attrs - i - 1) * sizeof(qe_attr));
        n->n_attrs--;
        qe_error(ctx, QE_ERR_NOMEM, "out of memory");
        return NULL;
      }
      return &n->attrs[i];
    }
  qe_attr *na = realloc(n->attrs, (n->n_attrs + 1) * sizeof(qe_attr));
  if (!na) {
    qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    return NULL;
  }
  n->attrs = na;
  qe_attr *a = &n->attrs[n->n_attrs];
  memset(a, 0, sizeof *a);
  a->name = qe_strdup(name);
  if (!a->name) {
    qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    return NULL;
  }
  n->n_attrs++;
  return a;
}

qe_status qe_node_set_int(qe_node *n, const char *name, int64_t v, qe_ctx *ctx)
{
  qe_attr *a = attr_slot(n, name, ctx);
  if (!a)
    return QE_ERR_NOMEM;
  a->type = QE_ATTR_INT;
  a->i = v;
  return QE_OK;
}

qe_status qe_node_set_float(qe_node *n, const char *name, float v, qe_ctx *ctx)
{
  qe_attr *a = attr_slot(n, name, ctx);
  if (!a)
    return QE_ERR_NOMEM;
  a->type = QE_ATTR_FLOAT;
  a->f = v;
  return QE_OK;
}

qe_status qe_node_set_string(qe_node *n, const char *name, const char *v, qe_ctx *ctx)
{
  qe_attr *a = attr_slot(n, name, ctx);
  if (!a)
    return QE_ERR_NOMEM;
  a->type = QE_ATTR_STRING;
  a->s = qe_strdup(v ? v : "");
  if (!a->s)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  a->s_len = strlen(a->s);
  return QE_OK;
}

qe_status qe_node_set_ints(qe_node *n, const char *name, size_t count, const int64_t *v,
                           qe_ctx *ctx)
{
  qe_attr *a = attr_slot(n, name, ctx);
  if (!a)
    return QE_ERR_NOMEM;
  a->type = QE_ATTR_INTS;
  a->ints = malloc((count ? count : 1) * sizeof(int64_t));
  if (!a->ints)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (count)
    memcpy(a->ints, v, count * sizeof(int64_t));
  a->n = count;
  return QE_OK;
}

qe_status qe_node_set_floats(qe_node *n, const char *name, size_t count, const float *v,
                             qe_ctx *ctx)
{
  qe_attr *a = attr_slot(n, name, ctx);
  if (!a)
    return QE_ERR_NOMEM;
  a->type = QE_ATTR_FLOATS;
  a->floats = malloc((count ? count : 1) * sizeof(float));
  if (!a->floats)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (count)
    memcpy(a->floats, v, count * sizeof(float));
  a->n = count;
  return QE_OK;
}

qe_status qe_node_set_tensor(qe_node *n, const char *name, const qe_array *t, qe_ctx *ctx)
{
  qe_attr *a = attr_slot(n, name, ctx);
  if (!a)
    return QE_ERR_NOMEM;
  a->type = QE_ATTR_TENSOR;
  return qe_array_clone(t, &a->t, ctx);
}

/* ---- tensors and nodes ------------------------------------------------ */

void qe_tensor_clear(qe_tensor *t)
{
  free(t->name);
  for (int i = 0; i < QE_MAX_RANK; i++)
    free(t->dim_params[i]);
  qe_array_free(t->data);
  if (t->quant) {
    free(t->quant->scale);
    free(t->quant->zero_point);
    free(t->quant);
  }
  free(t->doc);
  memset(t, 0, sizeof *t);
}

void qe_node_clear(qe_node *n)
{
  free(n->name);
  free(n->op_type);
  free(n->domain);
  free(n->inputs);
  free(n->outputs);
  for (size_t i = 0; i < n->n_attrs; i++)
    qe_attr_clear(&n->attrs[i]);
  free(n->attrs);
  free(n->doc);
  memset(n, 0, sizeof *n);
}

qe_status qe_graph_new(qe_graph **out, qe_ctx *ctx)
{
  *out = calloc(1, sizeof **out);
  if (!*out)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return QE_OK;
}

void qe_graph_free(qe_graph *g)
{
  if (!g)
    return;
  for (size_t i = 0; i < g->n_tensors; i++)
    qe_tensor_clear(&g->tensors[i]);
  free(g->tensors);
  for (size_t i = 0; i < g->n_nodes; i++)
    qe_node_clear(&g->nodes[i]);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  for (size_t i = 0; i < g->n_opsets; i++)
    free(g->opsets[i].domain);
  free(g->opsets);
  free(g->producer_name);
  free(g->producer_version);
  free(g->domain);
  free(g->doc);
  free(g->name);
  free(g->graph_doc);
  for (size_t i = 0; i < g->n_metadata; i++) {
    free(g->metadata[i].key);
    free(g->metadata[i].value);
  }
  free(g->metadata);
  free(g->source_path);
  free(g->source_format);
  free(g);
}

static bool dup_str(char **dst, const char *src)
{
  *dst = NULL;
  if (!src)
    return true;
  *dst = qe_strdup(src);
  return *dst != NULL;
}

static qe_status tensor_copy(qe_tensor *d, const qe_tensor *s, qe_ctx *ctx)
{
  memset(d, 0, sizeof *d);
  d->dtype = s->dtype;
  d->rank = s->rank;
  memcpy(d->dims, s->dims, sizeof d->dims);
  d->flags = s->flags;
  bool ok = dup_str(&d->name, s->name) && dup_str(&d->doc, s->doc);
  for (int i = 0; i < QE_MAX_RANK; i++)
    ok = ok && dup_str(&d->dim_params[i], s->dim_params[i]);
  if (ok && s->quant) {
    d->quant = calloc(1, sizeof *d->quant);
    ok = d->quant != NULL;
    if (ok) {
      *d->quant = *s->quant;
      d->quant->scale = malloc((s->quant->count ? s->quant->count : 1) * sizeof(float));
      d->quant->zero_point = malloc((s->quant->count ? s->quant->count : 1) * sizeof(int32_t));
      ok = d->quant->scale && d->quant->zero_point;
      if (ok && s->quant->count) {
        memcpy(d->quant->scale, s->quant->scale, s->quant->count * sizeof(float));
        memcpy(d->quant->zero_point, s->quant->zero_point, s->quant->count * sizeof(int32_t));
      }
    }
  }
  if (!ok) {
    qe_tensor_clear(d);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory copying a graph");
  }
  if (s->data && qe_array_clone(s->data, &d->data, ctx) != QE_OK) {
    qe_tensor_clear(d);
    return qe_ctx_status(ctx);
  }
  return QE_OK;
}

static qe_status node_copy(qe_node *d, const qe_node *s, qe_ctx *ctx)
{
  memset(d, 0, sizeof *d);
  *d = *s;
  d->name = d->op_type = d->domain = d->doc = NULL;
  d->inputs = d->outputs = NULL;
  d->attrs = NULL;
  d->n_attrs = 0;
  bool ok = dup_str(&d->name, s->name) && dup_str(&d->op_type, s->op_type) &&
            dup_str(&d->domain, s->domain) && dup_str(&d->doc, s->doc);
  d->inputs = malloc((s->n_inputs ? s->n_inputs : 1) * sizeof(int));
  d->outputs = malloc((s->n_outputs ? s->n_outputs : 1) * sizeof(int));
  d->attrs = calloc(s->n_attrs ? s->n_attrs : 1, sizeof(qe_attr));
  ok = ok && d->inputs && d->outputs && d->attrs;
  if (ok && s->n_inputs)
    memcpy(d->inputs, s->inputs, s->n_inputs * sizeof(int));
  if (ok && s->n_outputs)
    memcpy(d->outputs, s->outputs, s->n_outputs * sizeof(int));
  if (!ok) {
    qe_node_clear(d);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory copying a graph");
  }
  for (size_t i = 0; i < s->n_attrs; i++) {
    if (attr_copy(&d->attrs[i], &s->attrs[i], ctx) != QE_OK) {
      qe_node_clear(d);
      return qe_ctx_status(ctx);
    }
    d->n_attrs++;
  }
  return QE_OK;
}

qe_status qe_graph_clone(const qe_graph *g, qe_graph **out, qe_ctx *ctx)
{
  qe_graph *c;
  qe_status st = qe_graph_new(&c, ctx);
  if (st != QE_OK)
    return st;
  c->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(qe_tensor));
  c->nodes = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(qe_node));
  c->inputs = malloc((g->n_inputs ? g->n_inputs : 1) * sizeof(int));
  c->outputs = malloc((g->n_outputs ? g->n_outputs : 1) * sizeof(int));
  c->opsets = calloc(g->n_opsets ? g->n_opsets : 1, sizeof(qe_opset_import));
  c->metadata = calloc(g->n_metadata ? g->n_metadata : 1, sizeof(qe_prop));
  if (!c->tensors || !c->nodes || !c->inputs || !c->outputs || !c->opsets || !c->metadata)
    goto nomem;
  c->cap_tensors = g->n_tensors ? g->n_tensors : 1;
  c->cap_nodes = g->n_nodes ? g->n_nodes : 1;
  for (size_t i = 0; i < g->n_tensors; i++) {
    if (tensor_copy(&c->tensors[i], &g->tensors[i], ctx) != QE_OK)
      goto fail;
    c->n_tensors++;
  }
  for (size_t i = 0; i < g->n_nodes; i++) {
    if (node_copy(&c->nodes[i], &g->nodes[i], ctx) != QE_OK)
      goto fail;
    c->n_nodes++;
  }
  if (g->n_inputs)
    memcpy(c->inputs, g->inputs, g->n_inputs * sizeof(int));
  c->n_inputs = g->n_inputs;
  if (g->n_outputs)
    memcpy(c->outputs, g->outputs, g->n_outputs * sizeof(int));
  c->n_outputs = g->n_outputs;
  for (size_t i = 0; i < g->n_opsets; i++) {
    c->opsets[i].version = g->opsets[i].version;
    if (!dup_str(&c->opsets[i].domain, g->opsets[i].domain))
      goto nomem;
    c->n_opsets++;
  }
  for (size_t i = 0; i < g->n_metadata; i++) {
    c->n_metadata++;
    if (!dup_str(&c->metadata[i].key, g->metadata[i].key) ||
        !dup_str(&c->metadata[i].value, g->metadata[i].value))
      goto nomem;
  }
  c->ir_version = g->ir_version;
  c->model_version = g->model_version;
  if (!dup_str(&c->producer_name, g->producer_name) ||
      !dup_str(&c->producer_version, g->producer_version) || !dup_str(&c->domain, g->domain) ||
      !dup_str(&c->doc, g->doc) || !dup_str(&c->name, g->name) ||
      !dup_str(&c->graph_doc, g->graph_doc) || !dup_str(&c->source_path, g->source_path) ||
      !dup_str(&c->source_format, g->source_format))
    goto nomem;
  *out = c;
  return QE_OK;
nomem:
  qe_error(ctx, QE_ERR_NOMEM, "out of memory copying a graph");
fail:
  qe_graph_free(c);
  *out = NULL;
  return qe_ctx_status(ctx);
}

int64_t qe_graph_opset(const qe_graph *g, const char *domain)
{
  if (!domain || strcmp(domain, "ai.onnx") == 0)
    domain = "";
  for (size_t i = 0; i < g->n_opsets; i++) {
    const char *d = g->opsets[i].domain ? g->opsets[i].domain : "";
    if (strcmp(d, "ai.onnx") == 0)
      d = "";
    if (strcmp(d, domain) == 0)
      return g->opsets[i].version;
  }
  return 0;
}

qe_status qe_graph_set_opset(qe_graph *g, const char *domain, int64_t version, qe_ctx *ctx)
{
  if (!domain)
    domain = "";
  for (size_t i = 0; i < g->n_opsets; i++)
    if (strcmp(g->opsets[i].domain ? g->opsets[i].domain : "", domain) == 0) {
      g->opsets[i].version = version;
      return QE_OK;
    }
  qe_opset_import *n = realloc(g->opsets, (g->n_opsets + 1) * sizeof *n);
  if (!n)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  g->opsets = n;
  g->opsets[g->n_opsets].domain = qe_strdup(domain);
  if (!g->opsets[g->n_opsets].domain)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  g->opsets[g->n_opsets++].version = version;
  return QE_OK;
}

qe_status qe_graph_set_metadata(qe_graph *g, const char *key, const char *value, qe_ctx *ctx)
{
  for (size_t i = 0; i < g->n_metadata; i++)
    if (strcmp(g->metadata[i].key, key) == 0) {
      char *v = qe_strdup(value ? value : "");
      if (!v)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      free(g->metadata[i].value);
      g->metadata[i].value = v;
      return QE_OK;
    }
  qe_prop *n = realloc(g->metadata, (g->n_metadata + 1) * sizeof *n);
  if (!n)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  g->metadata = n;
  qe_prop *p = &g->metadata[g->n_metadata];
  p->key = qe_strdup(key);
  p->value = qe_strdup(value ? value : "");
  if (!p->key || !p->value) {
    free(p->key);
    free(p->value);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  g->n_metadata++;
  return QE_OK;
}

int qe_graph_find_tensor(const qe_graph *g, const char *name)
{
  if (!name)
    return -1;
  for (size_t i = 0; i < g->n_tensors; i++)
    if (g->tensors[i].name && strcmp(g->tensors[i].name, name) == 0)
      return (int)i;
  return -1;
}

qe_status qe_graph_add_tensor(qe_graph *g, const char *name, qe_dtype dtype, int rank,
                              const int64_t *dims, int *index, qe_ctx *ctx)
{
  if (index)
    *index = -1;
  if (!name || !*name)
    return qe_error(ctx, QE_ERR_INVALID, "a tensor needs a name");
  if (rank > QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "tensor '%s': rank %d is above the limit of %d", name,
                    rank, QE_MAX_RANK);
  if (qe_graph_find_tensor(g, name) >= 0)
    return qe_error(ctx, QE_ERR_INVALID, "tensor '%s' is defined twice", name);
  if (g->n_tensors >= INT32_MAX - 1)
    return qe_error(ctx, QE_ERR_NOMEM, "too many tensors");
  if (!qe_grow((void **)&g->tensors, &g->cap_tensors, g->n_tensors + 1, sizeof(qe_tensor)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_tensor *t = &g->tensors[g->n_tensors];
  memset(t, 0, sizeof *t);
  t->name = qe_strdup(name);
  if (!t->name)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  t->dtype = dtype;
  t->rank = rank < 0 ? -1 : rank;
  for (int i = 0; i < QE_MAX_RANK; i++)
    t->dims[i] = (i < rank && dims) ? dims[i] : -1;
  if (index)
    *index = (int)g->n_tensors;
  g->n_tensors++;
  return QE_OK;
}

void qe_graph_set_tensor_data(qe_graph *g, int tensor, qe_array *data)
{
  qe_tensor *t = &g->tensors[tensor];
  qe_array_free(t->data);
  t->data = data;
  if (data) {
    t->flags |= QE_TENSOR_CONST;
    t->dtype = data->dtype;
    t->rank = data->rank;
    for (int i = 0; i < QE_MAX_RANK; i++) {
      t->dims[i] = i < data->rank ? data->dims[i] : -1;
      free(t->dim_params[i]);
      t->dim_params[i] = NULL;
    }
  } else {
    t->flags &= ~(unsigned)QE_TENSOR_CONST;
  }
}

qe_status qe_graph_add_initializer_owned(qe_graph *g, const char *name, qe_array *data, int *index,
                                         qe_ctx *ctx)
{
  int idx;
  qe_status st = qe_graph_add_tensor(g, name, data->dtype, data->rank, data->dims, &idx, ctx);
  if (st != QE_OK) {
    qe_array_free(data);
    return st;
  }
  qe_graph_set_tensor_data(g, idx, data);
  if (index)
    *index = idx;
  return QE_OK;
}

qe_status qe_graph_add_initializer(qe_graph *g, const char *name, const qe_array *data, int *index,
                                   qe_ctx *ctx)
{
  qe_array *c;
  qe_status st = qe_array_clone(data, &c, ctx);
  if (st != QE_OK)
    return st;
  return qe_graph_add_initializer_owned(g, name, c, index, ctx);
}

char *qe_graph_unique_name(const qe_graph *g, const char *base)
{
  if (!base || !*base)
    base = "t";
  if (qe_graph_find_tensor(g, base) < 0) {
    bool node_clash = false;
    for (size_t i = 0; i < g->n_nodes && !node_clash; i++)
      node_clash = g->nodes[i].name && strcmp(g->nodes[i].name, base) == 0;
    if (!node_clash)
      return qe_strdup(base);
  }
  for (unsigned long k = 1;; k++) {
    char *s = qe_strdup_printf("%s_%lu", base, k);
    if (!s)
      return NULL;
    bool clash = qe_graph_find_tensor(g, s) >= 0;
    for (size_t i = 0; i < g->n_nodes && !clash; i++)
      clash = g->nodes[i].name && strcmp(g->nodes[i].name, s) == 0;
    if (!clash)
      return s;
    free(s);
  }
}

qe_status qe_graph_set_dim_param(qe_graph *g, int tensor, int axis, const char *param, qe_ctx *ctx)
{
  if (tensor < 0 || (size_t)tensor >= g->n_tensors || axis < 0 || axis >= QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_INVALID, "dimension %d of tensor %d does not exist", axis, tensor);
  char *p = NULL;
  if (param && !(p = qe_strdup(param)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  free(g->tensors[tensor].dim_params[axis]);
  g->tensors[tensor].dim_params[axis] = p;
  return QE_OK;
}

qe_status qe_graph_set_quant(qe_graph *g, int tensor, bool per_axis, int axis, size_t count,
                             const float *scale, const int32_t *zero_point, int bits,
                             qe_dtype dtype, qe_ctx *ctx)
{
  if (tensor < 0 || (size_t)tensor >= g->n_tensors || count == 0 || (!per_axis && count != 1))
    return qe_error(ctx, QE_ERR_INVALID, "invalid quantization parameters for tensor %d", tensor);
  qe_quant *q = calloc(1, sizeof *q);
  if (!q)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  q->scale = malloc(count * sizeof(float));
  q->zero_point = malloc(count * sizeof(int32_t));
  if (!q->scale || !q->zero_point) {
    free(q->scale);
    free(q->zero_point);
    free(q);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  memcpy(q->scale, scale, count * sizeof(float));
  if (zero_point)
    memcpy(q->zero_point, zero_point, count * sizeof(int32_t));
  else
    memset(q->zero_point, 0, count * sizeof(int32_t));
  q->per_axis = per_axis;
  q->axis = axis;
  q->count = count;
  q->bits = bits;
  q->dtype = dtype;
  qe_tensor *t = &g->tensors[tensor];
  if (t->quant) {
    free(t->quant->scale);
    free(t->quant->zero_point);
    free(t->quant);
  }
  t->quant = q;
  return QE_OK;
}

static qe_status append_index(int **arr, size_t *n, int v, qe_ctx *ctx)
{
  int *na = realloc(*arr, (*n + 1) * sizeof(int));
  if (!na)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  na[(*n)++] = v;
  *arr = na;
  return QE_OK;
}

qe_status qe_graph_add_input(qe_graph *g, int tensor, qe_ctx *ctx)
{
  if (tensor < 0 || (size_t)tensor >= g->n_tensors)
    return qe_error(ctx, QE_ERR_INVALID, "graph input: no tensor %d", tensor);
  qe_status st = append_index(&g->inputs, &g->n_inputs, tensor, ctx);
  if (st == QE_OK)
    g->tensors[tensor].flags |= QE_TENSOR_INPUT;
  return st;
}

qe_status qe_graph_add_output(qe_graph *g, int tensor, qe_ctx *ctx)
{
  if (tensor < 0 || (size_t)tensor >= g->n_tensors)
    return qe_error(ctx, QE_ERR_INVALID, "graph output: no tensor %d", tensor);
  qe_status st = append_index(&g->outputs, &g->n_outputs, tensor, ctx);
  if (st == QE_OK)
    g->tensors[tensor].flags |= QE_TENSOR_OUTPUT;
  return st;
}

qe_status qe_graph_add_node_typed(qe_graph *g, const char *op_type, const char *domain,
                                  const char *name, int n_inputs, const int *inputs, int n_outputs,
                                  const int *outputs, int *index, qe_ctx *ctx)
{
  if (index)
    *index = -1;
  if (n_inputs < 0 || n_outputs < 0 || n_inputs > 100000 || n_outputs > 100000)
    return qe_error(ctx, QE_ERR_INVALID, "node '%s': bad input/output count", name ? name : "");
  for (int i = 0; i < n_inputs; i++)
    if (inputs[i] < -1 || inputs[i] >= (int)g->n_tensors)
      return qe_error(ctx, QE_ERR_INVALID, "node '%s': input %d refers to no tensor",
                      name ? name : "", i);
  for (int i = 0; i < n_outputs; i++)
    if (outputs[i] < -1 || outputs[i] >= (int)g->n_tensors)
      return qe_error(ctx, QE_ERR_INVALID, "node '%s': output %d refers to no tensor",
                      name ? name : "", i);
  if (g->n_nodes >= INT32_MAX - 1)
    return qe_error(ctx, QE_ERR_NOMEM, "too many nodes");
  if (!qe_grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(qe_node)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_node *n = &g->nodes[g->n_nodes];
  memset(n, 0, sizeof *n);
  if (!domain || strcmp(domain, "ai.onnx") == 0)
    domain = "";
  n->name = qe_strdup(name ? name : "");
  n->op_type = qe_strdup(op_type ? op_type : "");
  n->domain = qe_strdup(domain);
  n->inputs = malloc((n_inputs ? n_inputs : 1) * sizeof(int));
  n->outputs = malloc((n_outputs ? n_outputs : 1) * sizeof(int));
  if (!n->name || !n->op_type || !n->domain || !n->inputs || !n->outputs) {
    qe_node_clear(n);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  if (n_inputs)
    memcpy(n->inputs, inputs, n_inputs * sizeof(int));
  if (n_outputs)
    memcpy(n->outputs, outputs, n_outputs * sizeof(int));
  n->n_inputs = n_inputs;
  n->n_outputs = n_outputs;
  n->op = domain[0] ? QE_OP_UNKNOWN : qe_op_from_name(op_type);
  n->fused_act = QE_OP_UNKNOWN;
  n->opset = qe_graph_opset(g, domain);
  if (index)
    *index = (int)g->n_nodes;
  g->n_nodes++;
  return QE_OK;
}

qe_status qe_graph_add_node(qe_graph *g, qe_op op, const char *name, int n_inputs,
                            const int *inputs, int n_outputs, const int *outputs, int *index,
                            qe_ctx *ctx)
{
  if ((unsigned)op >= QE_OP_COUNT || op == QE_OP_UNKNOWN)
    return qe_error(ctx, QE_ERR_INVALID, "node '%s': no such op %d", name ? name : "", (int)op);
  return qe_graph_add_node_typed(g, qe_op_name(op), "", name, n_inputs, inputs, n_outputs, outputs,
                                 index, ctx);
}

/* ---- editing ---------------------------------------------------------- */

qe_status qe_graph_remove_nodes(qe_graph *g, const bool *remove, qe_ctx *ctx)
{
  (void)ctx;
  size_t w = 0;
  for (size_t r = 0; r < g->n_nodes; r++) {
    if (remove[r]) {
      qe_node_clear(&g->nodes[r]);
      continue;
    }
    if (w != r)
      g->nodes[w] = g->nodes[r];
    w++;
  }
  g->n_nodes = w;
  return QE_OK;
}

void qe_graph_replace_uses_except(qe_graph *g, int from, int to, int except_node)
{
  for (size_t i = 0; i < g->n_nodes; i++) {
    if ((int)i == except_node)
      continue;
    qe_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] == from)
        n->inputs[k] = to;
  }
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == from) {
      g->outputs[i] = to;
      g->tensors[from].flags &= ~(unsigned)QE_TENSOR_OUTPUT;
      g->tensors[to].flags |= QE_TENSOR_OUTPUT;
    }
}

bool qe_graph_is_output(const qe_graph *g, int tensor)
{
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == tensor)
      return true;
  return false;
}

bool qe_graph_is_input(const qe_graph *g, int tensor)
{
  for (size_t i = 0; i < g->n_inputs; i++)
    if (g->inputs[i] == tensor)
      return true;
  return false;
}

void qe_graph_replace_uses(qe_graph *g, int from, int to)
{
  qe_graph_replace_uses_except(g, from, to, -1);
}

qe_status qe_graph_compact(qe_graph *g, int **map_out, qe_ctx *ctx)
{
  if (map_out)
    *map_out = NULL;
  size_t n = g->n_tensors;
  int *map = malloc((n ? n : 1) * sizeof(int));
  if (!map)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    map[i] = -1;
  for (size_t i = 0; i < g->n_inputs; i++)
    map[g->inputs[i]] = 0;
  for (size_t i = 0; i < g->n_outputs; i++)
    map[g->outputs[i]] = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *nd = &g->nodes[i];
    for (int k = 0; k < nd->n_inputs; k++)
      if (nd->inputs[k] >= 0)
        map[nd->inputs[k]] = 0;
    for (int k = 0; k < nd->n_outputs; k++)
      if (nd->outputs[k] >= 0)
        map[nd->outputs[k]] = 0;
  }
  size_t w = 0;
  for (size_t r = 0; r < n; r++) {
    if (map[r] < 0) {
      qe_tensor_clear(&g->tensors[r]);
      continue;
    }
    map[r] = (int)w;
    if (w != r)
      g->tensors[w] = g->tensors[r];
    w++;
  }
  g->n_tensors = w;
  for (size_t i = 0; i < g->n_inputs; i++)
    g->inputs[i] = map[g->inputs[i]];
  for (size_t i = 0; i < g->n_outputs; i++)
    g->outputs[i] = map[g->outputs[i]];
  for (size_t i = 0; i < g->n_nodes; i++) {
    qe_node *nd = &g->nodes[i];
    for (int k = 0; k < nd->n_inputs; k++)
      if (nd->inputs[k] >= 0)
        nd->inputs[k] = map[nd->inputs[k]];
    for (int k = 0; k < nd->n_outputs; k++)
      if (nd->outputs[k] >= 0)
        nd->outputs[k] = map[nd->outputs[k]];
  }
  if (map_out)
    *map_out = map;
  else
    free(map);
  return QE_OK;
}

int qe_graph_producer(const qe_graph *g, int tensor)
{
  if (tensor < 0)
    return -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_outputs; k++)
      if (g->nodes[i].outputs[k] == tensor)
        return (int)i;
  return -1;
}

size_t qe_graph_use_count(const qe_graph *g, int tensor)
{
  size_t c = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == tensor)
        c++;
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == tensor) {
      c++;
      break;
    }
  return c;
}

/* producer[t] = node index or -1, computed once. */
int *qe_graph_producers(const qe_graph *g, qe_ctx *ctx)
{
  int *p = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(int));
  if (!p) {
    qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < g->n_tensors; i++)
    p[i] = -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_outputs; k++) {
      int t = g->nodes[i].outputs[k];
      if (t >= 0 && (size_t)t < g->n_tensors)
        p[t] = (int)i;
    }
  return p;
}

qe_status qe_graph_order(const qe_graph *g, int **order_out, qe_ctx *ctx)
{
  size_t n = g->n_nodes;
  *order_out = NULL;
  int *prod = qe_graph_producers(g, ctx);
  int *order = malloc((n ? n : 1) * sizeof(int));
  unsigned char *state = calloc(n ? n : 1, 1); /* 0 new, 1 on stack, 2 done */
  int *stack = malloc((n ? n : 1) * sizeof(int));
  int *next_in = calloc(n ? n : 1, sizeof(int));
  qe_status st = QE_OK;
  if (!prod || !order || !state || !stack || !next_in) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory sorting the graph");
    goto out;
  }
  size_t n_order = 0;
  /* Iterative DFS in node order: keeps the existing order when valid. */
  for (size_t root = 0; root < n; root++) {
    if (state[root])
      continue;
    size_t sp = 0;
    stack[sp++] = (int)root;
    state[root] = 1;
    while (sp) {
      int v = stack[sp - 1];
      const qe_node *nd = &g->nodes[v];
      bool pushed = false;
      while (next_in[v] < nd->n_inputs) {
        int t = nd->inputs[next_in[v]++];
        if (t < 0 || (size_t)t >= g->n_tensors)
          continue;
        int p = prod[t];
        if (p < 0)
          continue;
        if (p == v) {
          st = qe_error(ctx, QE_ERR_INVALID, "node '%s' uses its own output '%s'", nd->name,
                        g->tensors[t].name);
          goto out;
        }
        if (state[p] == 1) {
          st = qe_error(ctx, QE_ERR_INVALID, "the graph has a cycle through node '%s'",
                        g->nodes[p].name);
          goto out;
        }
        if (state[p] == 0) {
          state[p] = 1;
          stack[sp++] = p;
          pushed = true;
          break;
        }
      }
      if (pushed)
        continue;
      state[v] = 2;
      order[n_order++] = v;
      sp--;
    }
  }
  *order_out = order;
  order = NULL;
out:
  free(prod);
  free(order);
  free(state);
  free(stack);
  free(next_in);
  return st;
}

qe_status qe_graph_toposort(qe_graph *g, qe_ctx *ctx)
{
  size_t n = g->n_nodes;
  if (n == 0)
    return QE_OK;
  int *order;
  qe_status st = qe_graph_order(g, &order, ctx);
  if (st != QE_OK)
    return st;
  qe_node *sorted = malloc(n * sizeof(qe_node));
  if (!sorted) {
    free(order);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory sorting the graph");
  }
  for (size_t i = 0; i < n; i++)
    sorted[i] = g->nodes[order[i]];
  memcpy(g->nodes, sorted, n * sizeof(qe_node));
  free(sorted);
  free(order);
  return QE_OK;
}

qe_status qe_graph_validate(const qe_graph *g, qe_ctx *ctx)
{
  int *prod = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(int));
  if (!prod)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < g->n_tensors; i++)
    prod[i] = -1;
  qe_status st = QE_OK;
  for (size_t i = 0; i < g->n_inputs && st == QE_OK; i++)
    if (g->inputs[i] < 0 || (size_t)g->inputs[i] >= g->n_tensors)
      st = qe_error(ctx, QE_ERR_INVALID, "graph input %zu refers to no tensor", i);
  for (size_t i = 0; i < g->n_outputs && st == QE_OK; i++)
    if (g->outputs[i] < 0 || (size_t)g->outputs[i] >= g->n_tensors)
      st = qe_error(ctx, QE_ERR_INVALID, "graph output %zu refers to no tensor", i);
  /* Defined: inputs, constants, and outputs of earlier nodes. */
  unsigned char *defined = calloc(g->n_tensors ? g->n_tensors : 1, 1);
  if (!defined) {
    free(prod);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < g->n_tensors; i++)
    if (g->tensors[i].data)
      defined[i] = 1;
  for (size_t i = 0; i < g->n_inputs && st == QE_OK; i++)
    defined[g->inputs[i]] = 1;
  for (size_t i = 0; i < g->n_nodes && st == QE_OK; i++) {
    const qe_node *nd = &g->nodes[i];
    for (int k = 0; k < nd->n_inputs && st == QE_OK; k++) {
      int t = nd->inputs[k];
      if (t < -1 || t >= (int)g->n_tensors)
        st = qe_error(ctx, QE_ERR_INVALID, "node '%s': input %d refers to no tensor", nd->name, k);
      else if (t >= 0 && !defined[t])
        st = qe_error(ctx, QE_ERR_INVALID,
                      "node '%s': input '%s' is not a graph input, an initializer or the "
                      "output of an earlier node",
                      nd->name, g->tensors[t].name);
    }
    for (int k = 0; k < nd->n_outputs && st == QE_OK; k++) {
      int t = nd->outputs[k];
      if (t < -1 || t >= (int)g->n_tensors)
        st = qe_error(ctx, QE_ERR_INVALID, "node '%s': output %d refers to no tensor", nd->name, k);
      else if (t >= 0 &&
               (prod[t] >= 0 || g->tensors[t].data || (g->tensors[t].flags & QE_TENSOR_INPUT)))
        st = qe_error(ctx, QE_ERR_INVALID, "tensor '%s' is produced twice (by node '%s')",
                      g->tensors[t].name, nd->name);
      else if (t >= 0) {
        prod[t] = (int)i;
        defined[t] = 1;
      }
    }
  }
  for (size_t i = 0; i < g->n_outputs && st == QE_OK; i++)
    if (!defined[g->outputs[i]])
      st = qe_error(ctx, QE_ERR_INVALID, "graph output '%s' is never computed",
                    g->tensors[g->outputs[i]].name);
  free(defined);
  free(prod);
  return st;
}
