/* qe_qmodel.c - building and freeing the integer model IR.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_graph.h"
#include "qe_internal.h"
#include "qe_qmodel_private.h"

#define QE_QOP_NAME_(e, code, name) name,
static const char *const qop_names[] = { QE_QOP_LIST(QE_QOP_NAME_) };
#undef QE_QOP_NAME_
#define QE_QOP_CODE_(e, code, name) code,
static const int qop_codes[] = { QE_QOP_LIST(QE_QOP_CODE_) };
#undef QE_QOP_CODE_
static_assert(sizeof(qop_names) / sizeof(qop_names[0]) == QE_QOP_COUNT, "op name table");
static_assert(sizeof(qop_codes) / sizeof(qop_codes[0]) == QE_QOP_COUNT, "op code table");

const char *qe_qop_name(qe_qop_type op)
{
  return (unsigned)op < QE_QOP_COUNT ? qop_names[op] : "?";
}

int qe_qop_tflite_code(qe_qop_type op)
{
  return (unsigned)op < QE_QOP_COUNT ? qop_codes[op] : -1;
}

qe_qop_type qe_qop_from_tflite_code(int code)
{
  int i;
  for (i = 0; i < QE_QOP_COUNT; i++)
    if (qop_codes[i] == code)
      return (qe_qop_type)i;
  return QE_QOP_COUNT;
}

void qe_qop_options_init(qe_qop_options *o)
{
  memset(o, 0, sizeof(*o));
  o->padding = QE_PAD_SAME;
  o->stride_h = o->stride_w = 1;
  o->dilation_h = o->dilation_w = 1;
  o->depth_multiplier = 1;
  o->filter_h = o->filter_w = 1;
  o->beta = 1.0f;
}

void qe_quantize_multiplier(double real, int32_t *multiplier, int *shift)
{
  double q;
  int64_t q_fixed;
  int s = 0;
  if (!(real > 0.0) || !isfinite(real)) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  q = frexp(real, &s);
  q_fixed = (int64_t)llround(q * (double)(1ll << 31));
  if (q_fixed == (1ll << 31)) {
    q_fixed /= 2;
    s++;
  }
  if (s < -31) {
    s = 0;
    q_fixed = 0;
  }
  *multiplier = (int32_t)q_fixed;
  *shift = s;
}

qe_status qe_qmodel_new(qe_qmodel **out, qe_ctx *ctx)
{
  qe_qmodel *m = calloc(1, sizeof(*m));
  if (m == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory creating an int8 model");
  *out = m;
  return QE_OK;
}

void qe_qprep_free(struct qe_qprep *p)
{
  size_t i;
  if (p == NULL)
    return;
  for (i = 0; i < p->n_ops; i++) {
    free(p->ops[i].multiplier);
    free(p->ops[i].shift);
    free(p->ops[i].concat_axis_dims);
    free(p->ops[i].resize_ymap);
    free(p->ops[i].resize_xmap);
    free(p->ops[i].gather_indices);
  }
  free(p->ops);
  free(p);
}

void qe_qmodel_free(qe_qmodel *m)
{
  size_t i;
  if (m == NULL)
    return;
  for (i = 0; i < m->n_tensors; i++) {
    qe_qtensor *t = &m->tensors[i];
    free(t->name);
    free(t->data);
    free(t->scale);
    free(t->zero_point);
  }
  for (i = 0; i < m->n_ops; i++) {
    free(m->ops[i].inputs);
    free(m->ops[i].name);
    qe_graph_free(m->ops[i].graph);
  }
  for (i = 0; i < m->n_meta; i++) {
    free(m->meta_keys[i]);
    free(m->meta_values[i]);
  }
  free(m->meta_keys);
  free(m->meta_values);
  free(m->tensors);
  free(m->ops);
  free(m->inputs);
  free(m->outputs);
  free(m->description);
  qe_qprep_free(m->prep);
  free(m);
}

static void drop_prep(qe_qmodel *m)
{
  qe_qprep_free(m->prep);
  m->prep = NULL;
}

qe_status qe_qmodel_add_tensor(qe_qmodel *m, const char *name, qe_dtype type, int rank,
                               const int32_t *dims, const void *data, size_t data_size,
                               size_t n_quant, const float *scale, const int32_t *zero_point,
                               int quantized_dimension, int *index, qe_ctx *ctx)
{
  qe_qtensor t;
  qe_status st;
  int i;

  if (m == NULL || rank < 0 || rank > QE_QMAX_RANK || (rank > 0 && dims == NULL) ||
      (n_quant > 0 && (scale == NULL || zero_point == NULL)))
    return qe_error(ctx, QE_ERR_INVALID, "tensor '%s': invalid arguments", name ? name : "");
  memset(&t, 0, sizeof(t));
  t.type = type;
  t.rank = rank;
  for (i = 0; i < rank; i++) {
    if (dims[i] < 0)
      return qe_error(ctx, QE_ERR_SHAPE, "tensor '%s': negative dimension %d", name ? name : "",
                      (int)dims[i]);
    t.dims[i] = dims[i];
  }
  t.quantized_dimension = quantized_dimension;
  t.weight_bits = 8;
  t.name = qe_strdup(name ? name : "");
  if (t.name == NULL)
    goto nomem;
  if (data != NULL && data_size > 0) {
    if ((st = qe_alloc(ctx, 1, data_size, "tensor data", &t.data)) != QE_OK) {
      free(t.name);
      return st;
    }
    memcpy(t.data, data, data_size);
    t.data_size = data_size;
  }
  if (n_quant > 0) {
    t.scale = malloc(n_quant * sizeof(float));
    t.zero_point = malloc(n_quant * sizeof(int32_t));
    if (t.scale == NULL || t.zero_point == NULL)
      goto nomem_free;
    memcpy(t.scale, scale, n_quant * sizeof(float));
    memcpy(t.zero_point, zero_point, n_quant * sizeof(int32_t));
    t.n_quant = n_quant;
  }
  if (!qe_grow((void **)&m->tensors, &m->cap_tensors, m->n_tensors + 1, sizeof(qe_qtensor)))
    goto nomem_free;
  m->tensors[m->n_tensors] = t;
  if (index != NULL)
    *index = (int)m->n_tensors;
  m->n_tensors++;
  drop_prep(m);
  return QE_OK;
nomem_free:
  free(t.scale);
  free(t.zero_point);
  free(t.data);
  free(t.name);
nomem:
  return qe_error(ctx, QE_ERR_NOMEM, "out of memory adding tensor '%s'", name ? name : "");
}

qe_status qe_qmodel_add_op(qe_qmodel *m, qe_qop_type type, int n_inputs, const int *inputs,
                           int output, const qe_qop_options *opt, const char *name, int *index,
                           qe_ctx *ctx)
{
  qe_qop op;
  if (m == NULL || (unsigned)type >= QE_QOP_COUNT || n_inputs < 0 ||
      (n_inputs > 0 && inputs == NULL))
    return qe_error(ctx, QE_ERR_INVALID, "op %zu: invalid arguments", m ? m->n_ops : 0);
  memset(&op, 0, sizeof(op));
  op.type = type;
  op.n_inputs = n_inputs;
  op.output = output;
  if (opt != NULL)
    op.opt = *opt;
  else
    qe_qop_options_init(&op.opt);
  if (n_inputs > 0) {
    op.inputs = malloc((size_t)n_inputs * sizeof(int));
    if (op.inputs == NULL)
      goto nomem;
    memcpy(op.inputs, inputs, (size_t)n_inputs * sizeof(int));
  }
  if (name != NULL && (op.name = qe_strdup(name)) == NULL)
    goto nomem;
  if (!qe_grow((void **)&m->ops, &m->cap_ops, m->n_ops + 1, sizeof(qe_qop)))
    goto nomem;
  m->ops[m->n_ops] = op;
  if (index != NULL)
    *index = (int)m->n_ops;
  m->n_ops++;
  drop_prep(m);
  return QE_OK;
nomem:
  free(op.inputs);
  free(op.name);
  return qe_error(ctx, QE_ERR_NOMEM, "out of memory adding op %zu", m->n_ops);
}

qe_status qe_qmodel_set_op_graph(qe_qmodel *m, int op, struct qe_graph *g, qe_ctx *ctx)
{
  if (m == NULL || op < 0 || (size_t)op >= m->n_ops || m->ops[op].type != QE_QOP_ONNX) {
    qe_graph_free(g);
    return qe_error(ctx, QE_ERR_INVALID, "op %d is not an ONNX op", op);
  }
  qe_graph_free(m->ops[op].graph);
  m->ops[op].graph = g;
  drop_prep(m);
  return QE_OK;
}

static qe_status add_index(int **v, size_t *n, int tensor, const qe_qmodel *m, qe_ctx *ctx)
{
  int *nv;
  if (tensor < 0 || (size_t)tensor >= m->n_tensors)
    return qe_error(ctx, QE_ERR_INVALID, "tensor index %d out of range (%zu tensors)", tensor,
                    m->n_tensors);
  nv = realloc(*v, (*n + 1) * sizeof(int));
  if (nv == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  nv[(*n)++] = tensor;
  *v = nv;
  return QE_OK;
}

qe_status qe_qmodel_add_input(qe_qmodel *m, int tensor, qe_ctx *ctx)
{
  drop_prep(m);
  return add_index(&m->inputs, &m->n_inputs, tensor, m, ctx);
}

qe_status qe_qmodel_add_output(qe_qmodel *m, int tensor, qe_ctx *ctx)
{
  drop_prep(m);
  return add_index(&m->outputs, &m->n_outputs, tensor, m, ctx);
}

qe_status qe_qmodel_set_description(qe_qmodel *m, const char *text, qe_ctx *ctx)
{
  char *d = qe_strdup(text);
  if (text != NULL && d == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  free(m->description);
  m->description = d;
  return QE_OK;
}

qe_status qe_qmodel_set_metadata(qe_qmodel *m, const char *key, const char *value, qe_ctx *ctx)
{
  size_t i;
  char *v, *k;
  char **nk, **nv;
  if (key == NULL || value == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "metadata: NULL key or value");
  for (i = 0; i < m->n_meta; i++)
    if (strcmp(m->meta_keys[i], key) == 0) {
      if ((v = qe_strdup(value)) == NULL)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      free(m->meta_values[i]);
      m->meta_values[i] = v;
      return QE_OK;
    }
  nk = realloc(m->meta_keys, (m->n_meta + 1) * sizeof(char *));
  if (nk == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  m->meta_keys = nk;
  nv = realloc(m->meta_values, (m->n_meta + 1) * sizeof(char *));
  if (nv == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  m->meta_values = nv;
  k = qe_strdup(key);
  v = qe_strdup(value);
  if (k == NULL || v == NULL) {
    free(k);
    free(v);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  m->meta_keys[m->n_meta] = k;
  m->meta_values[m->n_meta] = v;
  m->n_meta++;
  return QE_OK;
}

int64_t qe_qtensor_count(const qe_qtensor *t)
{
  int64_t n = 1;
  int i;
  for (i = 0; i < t->rank; i++) {
    if (t->dims[i] < 0 || (t->dims[i] > 0 && n > INT64_MAX / t->dims[i]))
      return -1;
    n *= t->dims[i];
  }
  return n;
}

size_t qe_qtensor_elem_size(const qe_qtensor *t)
{
  switch (t->type) {
  case QE_DT_I8:
  case QE_DT_U8:
  case QE_DT_BOOL:
    return 1;
  case QE_DT_I16:
  case QE_DT_U16:
  case QE_DT_F16:
    return 2;
  case QE_DT_I32:
  case QE_DT_U32:
  case QE_DT_F32:
    return 4;
  case QE_DT_I64:
  case QE_DT_U64:
  case QE_DT_F64:
    return 8;
  default:
    return 0;
  }
}

bool qe_qtensor_dims4(const qe_qtensor *t, qe_kdims *d)
{
  int32_t v[4] = { 1, 1, 1, 1 };
  int i;
  if (t->rank > 4)
    return false;
  for (i = 0; i < t->rank; i++)
    v[4 - t->rank + i] = t->dims[i];
  d->n = v[0];
  d->h = v[1];
  d->w = v[2];
  d->c = v[3];
  return true;
}
