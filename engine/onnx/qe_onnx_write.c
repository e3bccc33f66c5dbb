/* qe_onnx_write.c - write a qe_graph as an ONNX model (protobuf-c pack).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every protobuf-c object is allocated from a small arena freed at the
 * end. Fused activations are written as separate nodes again; nodes read at
 * an older opset are converted where the schema moved attributes to inputs
 * (Squeeze, Unsqueeze, ReduceSum, Split at 13; Clip at 11) and refused
 * where the meaning changed in a way that cannot be rewritten.
 */
#include "qe/qe_onnx.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe_graph_internal.h"
#include "qe_onnx_internal.h"

typedef struct arena {
  void **items;
  size_t n, cap;
  bool failed;
} arena;

static void *arena_alloc(arena *a, size_t size)
{
  if (a->failed)
    return NULL;
  if (!qe_grow((void **)&a->items, &a->cap, a->n + 1, sizeof(void *))) {
    a->failed = true;
    return NULL;
  }
  void *p = calloc(1, size ? size : 1);
  if (!p) {
    a->failed = true;
    return NULL;
  }
  a->items[a->n++] = p;
  return p;
}

static char *arena_str(arena *a, const char *s)
{
  if (!s)
    return NULL;
  size_t n = strlen(s);
  char *d = arena_alloc(a, n + 1);
  if (d)
    memcpy(d, s, n + 1);
  return d;
}

static void arena_free(arena *a)
{
  for (size_t i = 0; i < a->n; i++)
    free(a->items[i]);
  free(a->items);
}

/* Growable pointer lists for repeated fields. */
typedef struct plist {
  void **v;
  size_t n, cap;
} plist;

static bool plist_add(arena *ar, plist *l, void *p)
{
  if (!p)
    return false;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 16;
    void **nv = arena_alloc(ar, nc * sizeof(void *));
    if (!nv)
      return false;
    if (l->n)
      memcpy(nv, l->v, l->n * sizeof(void *));
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->n++] = p;
  return true;
}

static int64_t ir_for_opset(int64_t opset)
{
  if (opset <= 8)
    return 3;
  if (opset == 9)
    return 4;
  if (opset == 10)
    return 5;
  if (opset == 11)
    return 6;
  if (opset <= 14)
    return 7;
  return 8;
}

static Onnx__TensorProto *make_tensor(arena *ar, const char *name, const qe_array *a)
{
  Onnx__TensorProto *t = arena_alloc(ar, sizeof *t);
  if (!t)
    return NULL;
  onnx__tensor_proto__init(t);
  t->name = arena_str(ar, name);
  t->has_data_type = 1;
  t->data_type = qe_dtype_to_onnx(a->dtype);
  t->n_dims = (size_t)a->rank;
  t->dims = arena_alloc(ar, (a->rank ? a->rank : 1) * sizeof(int64_t));
  if (!t->dims)
    return NULL;
  for (int i = 0; i < a->rank; i++)
    t->dims[i] = a->dims[i];
  size_t nb = qe_array_nbytes(a);
  t->has_raw_data = 1;
  t->raw_data.len = nb;
  t->raw_data.data = arena_alloc(ar, nb);
  if (!t->raw_data.data)
    return NULL;
  if (nb)
    memcpy(t->raw_data.data, a->data, nb);
  return t;
}

static Onnx__ValueInfoProto *make_value_info(arena *ar, const qe_tensor *tt)
{
  Onnx__ValueInfoProto *vi = arena_alloc(ar, sizeof *vi);
  Onnx__TypeProto *tp = arena_alloc(ar, sizeof *tp);
  Onnx__TypeProto__Tensor *tt_ = arena_alloc(ar, sizeof *tt_);
  if (!vi || !tp || !tt_)
    return NULL;
  onnx__value_info_proto__init(vi);
  onnx__type_proto__init(tp);
  onnx__type_proto__tensor__init(tt_);
  vi->name = arena_str(ar, tt->name);
  if (tt->doc)
    vi->doc_string = arena_str(ar, tt->doc);
  vi->type = tp;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt_;
  if (tt->dtype != QE_DT_UNDEFINED) {
    tt_->has_elem_type = 1;
    tt_->elem_type = qe_dtype_to_onnx(tt->dtype);
  }
  if (tt->rank >= 0) {
    Onnx__TensorShapeProto *sh = arena_alloc(ar, sizeof *sh);
    if (!sh)
      return NULL;
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = (size_t)tt->rank;
    sh->dim = arena_alloc(ar, (tt->rank ? tt->rank : 1) * sizeof(void *));
    if (!sh->dim)
      return NULL;
    for (int i = 0; i < tt->rank; i++) {
      Onnx__TensorShapeProto__Dimension *d = arena_alloc(ar, sizeof *d);
      if (!d)
        return NULL;
      onnx__tensor_shape_proto__dimension__init(d);
      if (tt->dims[i] >= 0) {
        d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d->dim_value = tt->dims[i];
      } else if (tt->dim_params[i]) {
        d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
        d->dim_param = arena_str(ar, tt->dim_params[i]);
      }
      sh->dim[i] = d;
    }
    tt_->shape = sh;
  }
  return vi;
}

static Onnx__AttributeProto *make_attr(arena *ar, const qe_attr *at)
{
  Onnx__AttributeProto *p = arena_alloc(ar, sizeof *p);
  if (!p)
    return NULL;
  onnx__attribute_proto__init(p);
  p->name = arena_str(ar, at->name);
  p->has_type = 1;
  switch (at->type) {
  case QE_ATTR_INT:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    p->has_i = 1;
    p->i = at->i;
    break;
  case QE_ATTR_FLOAT:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    p->has_f = 1;
    p->f = at->f;
    break;
  case QE_ATTR_STRING:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    p->has_s = 1;
    p->s.len = at->s_len;
    p->s.data = arena_alloc(ar, at->s_len + 1);
    if (!p->s.data)
      return NULL;
    memcpy(p->s.data, at->s, at->s_len);
    break;
  case QE_ATTR_INTS:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    p->n_ints = at->n;
    p->ints = arena_alloc(ar, (at->n ? at->n : 1) * sizeof(int64_t));
    if (!p->ints)
      return NULL;
    if (at->n)
      memcpy(p->ints, at->ints, at->n * sizeof(int64_t));
    break;
  case QE_ATTR_FLOATS:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    p->n_floats = at->n;
    p->floats = arena_alloc(ar, (at->n ? at->n : 1) * sizeof(float));
    if (!p->floats)
      return NULL;
    if (at->n)
      memcpy(p->floats, at->floats, at->n * sizeof(float));
    break;
  case QE_ATTR_STRINGS:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
    p->n_strings = at->n;
    p->strings = arena_alloc(ar, (at->n ? at->n : 1) * sizeof(ProtobufCBinaryData));
    if (!p->strings)
      return NULL;
    for (size_t i = 0; i < at->n; i++) {
      p->strings[i].data = (uint8_t *)arena_str(ar, at->strings[i]);
      p->strings[i].len = strlen(at->strings[i]);
    }
    break;
  case QE_ATTR_TENSOR:
    p->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    p->t = make_tensor(ar, "", at->t);
    if (!p->t)
      return NULL;
    break;
  default:
    return NULL;
  }
  return p;
}

typedef struct writer {
  const qe_graph *g;
  arena ar;
  plist nodes, inits, names;
  int64_t opset;
  qe_ctx *ctx;
} writer;

/* A name unique in the graph and among the names this writer invented. */
static char *fresh_name(writer *w, const char *base)
{
  char buf[512];
  for (unsigned k = 0;; k++) {
    if (k == 0)
      snprintf(buf, sizeof buf, "%s", base);
    else
      snprintf(buf, sizeof buf, "%s_%u", base, k);
    bool clash = qe_graph_find_tensor(w->g, buf) >= 0;
    for (size_t i = 0; i < w->names.n && !clash; i++)
      clash = strcmp((const char *)w->names.v[i], buf) == 0;
    if (!clash)
      break;
  }
  char *s = arena_str(&w->ar, buf);
  if (s && !plist_add(&w->ar, &w->names, s))
    return NULL;
  return s;
}

static char *add_const(writer *w, const char *base, qe_dtype dt, int rank, const int64_t *dims,
                       const void *data)
{
  char *name = fresh_name(w, base);
  qe_array a = { .dtype = dt, .rank = rank, .data = (void *)data };
  for (int i = 0; i < rank; i++)
    a.dims[i] = dims[i];
  if (!name)
    return NULL;
  Onnx__TensorProto *t = make_tensor(&w->ar, name, &a);
  if (!t || !plist_add(&w->ar, &w->inits, t))
    return NULL;
  return name;
}

static Onnx__NodeProto *new_node(writer *w, const char *name, const char *op_type,
                                 const char *domain, size_t n_in, size_t n_out)
{
  Onnx__NodeProto *np = arena_alloc(&w->ar, sizeof *np);
  if (!np)
    return NULL;
  onnx__node_proto__init(np);
  np->name = arena_str(&w->ar, name);
  np->op_type = arena_str(&w->ar, op_type);
  if (domain && domain[0])
    np->domain = arena_str(&w->ar, domain);
  np->input = arena_alloc(&w->ar, (n_in + 1) * sizeof(char *));
  np->output = arena_alloc(&w->ar, (n_out + 1) * sizeof(char *));
  np->attribute = arena_alloc(&w->ar, 16 * sizeof(void *));
  if (!np->input || !np->output || !np->attribute)
    return NULL;
  np->n_input = n_in;
  np->n_output = n_out;
  for (size_t i = 0; i < n_in; i++)
    np->input[i] = arena_str(&w->ar, "");
  for (size_t i = 0; i < n_out; i++)
    np->output[i] = arena_str(&w->ar, "");
  return np;
}

static const char *tname(const writer *w, int t)
{
  return t >= 0 ? w->g->tensors[t].name : "";
}

static bool op_changed_between(qe_op op, int64_t from, int64_t to)
{
  int64_t lo = QE_MIN(from, to), hi = QE_MAX(from, to);
  /* Versions at which the op's interface or meaning changed. */
  static const struct {
    qe_op op;
    int version;
  } changes[] = {
    { QE_OP_SLICE, 10 },
    { QE_OP_RESIZE, 11 },
    { QE_OP_PAD, 11 },
    { QE_OP_CLIP, 11 },
    { QE_OP_SOFTMAX, 13 },
    { QE_OP_LOG_SOFTMAX, 13 },
    { QE_OP_SQUEEZE, 13 },
    { QE_OP_UNSQUEEZE, 13 },
    { QE_OP_REDUCE_SUM, 13 },
    { QE_OP_SPLIT, 13 },
    { QE_OP_UPSAMPLE, 10 },
    { QE_OP_DROPOUT, 12 },
    { QE_OP_QUANTIZE_LINEAR, 13 },
    { QE_OP_DEQUANTIZE_LINEAR, 13 },
  };
  for (size_t i = 0; i < QE_ARRAY_LEN(changes); i++)
    if (changes[i].op == op && lo < changes[i].version && hi >= changes[i].version)
      return true;
  return false;
}

static qe_status write_node(writer *w, const qe_node *n)
{
  const qe_graph *g = w->g;
  qe_ctx *ctx = w->ctx;
  int64_t from = n->opset ? n->opset : w->opset;
  bool default_domain = !n->domain || !n->domain[0];
  bool upgrade_axes = false, upgrade_clip = false, drop_ratio = false;
  if (default_domain && n->op != QE_OP_UNKNOWN && op_changed_between(n->op, from, w->opset)) {
    if ((n->op == QE_OP_SQUEEZE || n->op == QE_OP_UNSQUEEZE || n->op == QE_OP_REDUCE_SUM ||
         n->op == QE_OP_SPLIT) &&
        from < 13 && w->opset >= 13)
      upgrade_axes = true;
    else if (n->op == QE_OP_CLIP && from < 11 && w->opset >= 11)
      upgrade_clip = true;
    else if (n->op == QE_OP_DROPOUT && from < 12 && w->opset >= 12)
      drop_ratio = true;
    else if ((n->op == QE_OP_QUANTIZE_LINEAR || n->op == QE_OP_DEQUANTIZE_LINEAR) && from < 13 &&
             w->opset >= 13)
      ; /* per-tensor QDQ means the same at 13 */
    else if ((n->op == QE_OP_SOFTMAX || n->op == QE_OP_LOG_SOFTMAX) && from < 13 &&
             w->opset >= 13) {
      int in = qe_node_input(n, 0);
      int rank = in >= 0 ? g->tensors[in].rank : -1;
      int ax;
      if (rank < 0 || !qe_norm_axis(qe_node_int(n, "axis", 1), rank, &ax) || ax != rank - 1)
        return qe_error(ctx, QE_ERR_UNSUPPORTED,
                        "node '%s' (%s, opset %lld) cannot be written at opset %lld: its axis "
                        "semantics changed",
                        n->name, n->op_type, (long long)from, (long long)w->opset);
    } else
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "node '%s' (%s) was read at opset %lld and cannot be converted to opset "
                      "%lld",
                      n->name, n->op_type, (long long)from, (long long)w->opset);
  }
  size_t extra_in = upgrade_clip ? 2 : (upgrade_axes ? 1 : 0);
  size_t n_in = (size_t)n->n_inputs;
  if (upgrade_axes && n->op == QE_OP_SPLIT && !qe_node_attr(n, "split"))
    extra_in = 0;
  if (upgrade_axes && n->op != QE_OP_SPLIT && !qe_node_attr(n, "axes"))
    extra_in = 0;
  Onnx__NodeProto *np =
      new_node(w, n->name, n->op_type, n->domain, n_in + extra_in, (size_t)n->n_outputs);
  if (!np)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (int i = 0; i < n->n_inputs; i++)
    np->input[i] = arena_str(&w->ar, tname(w, n->inputs[i]));
  for (int i = 0; i < n->n_outputs; i++)
    np->output[i] = arena_str(&w->ar, tname(w, n->outputs[i]));
  if (n->doc)
    np->doc_string = arena_str(&w->ar, n->doc);
  const char *moved = upgrade_axes ? (n->op == QE_OP_SPLIT ? "split" : "axes") : NULL;
  size_t na = 0;
  Onnx__AttributeProto **attrs = arena_alloc(&w->ar, (n->n_attrs + 1) * sizeof(void *));
  if (!attrs)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n->n_attrs; i++) {
    const qe_attr *at = &n->attrs[i];
    if (moved && strcmp(at->name, moved) == 0 && at->type == QE_ATTR_INTS) {
      int64_t d = (int64_t)at->n;
      char base[300];
      snprintf(base, sizeof base, "%s_%s", n->name, moved);
      char *cn = add_const(w, base, QE_DT_I64, 1, &d, at->ints);
      if (!cn)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      np->input[n_in] = cn;
      continue;
    }
    if (upgrade_clip && (strcmp(at->name, "min") == 0 || strcmp(at->name, "max") == 0))
      continue;
    if (drop_ratio && strcmp(at->name, "ratio") == 0)
      continue;
    if (at->type == QE_ATTR_GRAPH || at->type == QE_ATTR_UNDEFINED)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "node '%s': attribute '%s' (sub-graph or sparse) cannot be written", n->name,
                      at->name);
    Onnx__AttributeProto *p = make_attr(&w->ar, at);
    if (!p)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    attrs[na++] = p;
  }
  if (upgrade_clip) {
    float lo = qe_node_float(n, "min", -FLT_MAX), hi = qe_node_float(n, "max", FLT_MAX);
    char base[300];
    snprintf(base, sizeof base, "%s_min", n->name);
    np->input[n_in] = add_const(w, base, QE_DT_F32, 0, NULL, &lo);
    snprintf(base, sizeof base, "%s_max", n->name);
    np->input[n_in + 1] = add_const(w, base, QE_DT_F32, 0, NULL, &hi);
    if (!np->input[n_in] || !np->input[n_in + 1])
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  np->attribute = attrs;
  np->n_attribute = na;
  if (!plist_add(&w->ar, &w->nodes, np))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");

  /* A fused activation becomes its own node again. */
  if (n->fused_act != QE_OP_UNKNOWN && n->n_outputs > 0 && n->outputs[0] >= 0) {
    const char *out = tname(w, n->outputs[0]);
    char base[300];
    snprintf(base, sizeof base, "%s_preact", out);
    char *mid = fresh_name(w, base);
    snprintf(base, sizeof base, "%s_%s", n->name, qe_op_name(n->fused_act));
    char *an = fresh_name(w, base);
    size_t ain = n->fused_act == QE_OP_CLIP && w->opset >= 11 ? 3 : 1;
    Onnx__NodeProto *act = mid && an ? new_node(w, an, qe_op_name(n->fused_act), "", ain, 1) : NULL;
    if (!act)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    np->output[0] = mid;
    act->input[0] = mid;
    act->output[0] = arena_str(&w->ar, out);
    qe_attr at[2];
    size_t nat = 0;
    memset(at, 0, sizeof at);
    switch (n->fused_act) {
    case QE_OP_LEAKY_RELU:
      at[nat++] = (qe_attr){ .name = (char *)"alpha", .type = QE_ATTR_FLOAT, .f = n->act_alpha };
      break;
    case QE_OP_HARD_SIGMOID:
      at[nat++] = (qe_attr){ .name = (char *)"alpha", .type = QE_ATTR_FLOAT, .f = n->act_alpha };
      at[nat++] = (qe_attr){ .name = (char *)"beta", .type = QE_ATTR_FLOAT, .f = n->act_beta };
      break;
    case QE_OP_CLIP:
      if (w->opset >= 11) {
        snprintf(base, sizeof base, "%s_min", an);
        act->input[1] = add_const(w, base, QE_DT_F32, 0, NULL, &n->act_min);
        snprintf(base, sizeof base, "%s_max", an);
        act->input[2] = add_const(w, base, QE_DT_F32, 0, NULL, &n->act_max);
        if (!act->input[1] || !act->input[2])
          return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      } else {
        at[nat++] = (qe_attr){ .name = (char *)"min", .type = QE_ATTR_FLOAT, .f = n->act_min };
        at[nat++] = (qe_attr){ .name = (char *)"max", .type = QE_ATTR_FLOAT, .f = n->act_max };
      }
      break;
    default:
      break;
    }
    for (size_t i = 0; i < nat; i++) {
      act->attribute[i] = make_attr(&w->ar, &at[i]);
      if (!act->attribute[i])
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    act->n_attribute = nat;
    if (!plist_add(&w->ar, &w->nodes, act))
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  return QE_OK;
}

static qe_status check_qdq(const qe_graph *g, int64_t opset, qe_ctx *ctx)
{
  for (size_t i = 0; i < g->n_nodes; i++) {
    const qe_node *n = &g->nodes[i];
    if (n->op != QE_OP_QUANTIZE_LINEAR && n->op != QE_OP_DEQUANTIZE_LINEAR)
      continue;
    if (opset < 10)
      return qe_error(ctx, QE_ERR_INVALID, "node '%s' (%s) needs opset 10 or newer", n->name,
                      n->op_type);
    int s = qe_node_input(n, 1);
    if (s >= 0 && g->tensors[s].rank == 1 && g->tensors[s].dims[0] != 1 && opset < 13)
      return qe_error(ctx, QE_ERR_INVALID,
                      "node '%s' (%s) is per-axis, which needs opset 13 or newer (asked: %lld)",
                      n->name, n->op_type, (long long)opset);
  }
  return QE_OK;
}

qe_status qe_onnx_save_buffer(const qe_graph *g, const qe_onnx_save_options *opt, uint8_t **data,
                              size_t *len, qe_ctx *ctx)
{
  *data = NULL;
  *len = 0;
  writer w = { .g = g, .ctx = ctx };
  w.opset = opt && opt->opset ? opt->opset : qe_graph_opset(g, "");
  if (w.opset == 0)
    w.opset = 13;
  if (w.opset < QE_OPSET_MIN || w.opset > QE_OPSET_MAX)
    return qe_error(ctx, QE_ERR_INVALID, "opset %lld cannot be written (%d to %d can)",
                    (long long)w.opset, QE_OPSET_MIN, QE_OPSET_MAX);
  qe_status st = check_qdq(g, w.opset, ctx);
  if (st != QE_OK)
    return st;
  if ((st = qe_graph_validate(g, ctx)) != QE_OK)
    return st;
  int *order = NULL;
  if ((st = qe_graph_order(g, &order, ctx)) != QE_OK)
    return st;
  arena *ar = &w.ar;
  Onnx__ModelProto m;
  Onnx__GraphProto gp;
  onnx__model_proto__init(&m);
  onnx__graph_proto__init(&gp);
  m.has_ir_version = 1;
  m.ir_version = opt && opt->ir_version ? opt->ir_version : ir_for_opset(w.opset);
  const char *pn = opt && opt->producer_name ? opt->producer_name : g->producer_name;
  const char *pv = opt && opt->producer_version ? opt->producer_version : g->producer_version;
  m.producer_name = arena_str(ar, pn ? pn : "quantizer");
  m.producer_version = arena_str(ar, pv ? pv : qe_version());
  m.domain = arena_str(ar, g->domain);
  m.doc_string = arena_str(ar, g->doc);
  if (g->model_version) {
    m.has_model_version = 1;
    m.model_version = g->model_version;
  }
  /* Opsets: the default domain at w.opset, others as read. */
  m.opset_import = arena_alloc(ar, (g->n_opsets + 1) * sizeof(void *));
  if (!m.opset_import)
    goto nomem;
  Onnx__OperatorSetIdProto *def = arena_alloc(ar, sizeof *def);
  if (!def)
    goto nomem;
  onnx__operator_set_id_proto__init(def);
  def->domain = arena_str(ar, "");
  def->has_version = 1;
  def->version = w.opset;
  m.opset_import[m.n_opset_import++] = def;
  for (size_t i = 0; i < g->n_opsets; i++) {
    if (!g->opsets[i].domain || !g->opsets[i].domain[0])
      continue;
    Onnx__OperatorSetIdProto *o = arena_alloc(ar, sizeof *o);
    if (!o)
      goto nomem;
    onnx__operator_set_id_proto__init(o);
    o->domain = arena_str(ar, g->opsets[i].domain);
    o->has_version = 1;
    o->version = g->opsets[i].version;
    m.opset_import[m.n_opset_import++] = o;
  }
  m.metadata_props = arena_alloc(ar, (g->n_metadata + 1) * sizeof(void *));
  if (!m.metadata_props)
    goto nomem;
  for (size_t i = 0; i < g->n_metadata; i++) {
    Onnx__StringStringEntryProto *p = arena_alloc(ar, sizeof *p);
    if (!p)
      goto nomem;
    onnx__string_string_entry_proto__init(p);
    p->key = arena_str(ar, g->metadata[i].key);
    p->value = arena_str(ar, g->metadata[i].value);
    m.metadata_props[m.n_metadata_props++] = p;
  }
  m.graph = &gp;
  gp.name = arena_str(ar, g->name ? g->name : "graph");
  gp.doc_string = arena_str(ar, g->graph_doc);
  /* Initializers: constants used by a node or listed as outputs. */
  for (size_t t = 0; t < g->n_tensors; t++) {
    const qe_tensor *tt = &g->tensors[t];
    if (!tt->data || qe_graph_use_count(g, (int)t) == 0)
      continue;
    if (qe_dtype_to_onnx(tt->data->dtype) == 0)
      return free(order), arena_free(ar),
             qe_error(ctx, QE_ERR_UNSUPPORTED, "tensor '%s' of type %s cannot be written to ONNX",
                      tt->name, qe_dtype_name(tt->data->dtype));
    Onnx__TensorProto *tp = make_tensor(ar, tt->name, tt->data);
    if (!tp || !plist_add(ar, &w.inits, tp))
      goto nomem;
    if (tt->doc)
      tp->doc_string = arena_str(ar, tt->doc);
  }
  for (size_t k = 0; k < g->n_nodes; k++) {
    if ((st = write_node(&w, &g->nodes[order[k]])) != QE_OK) {
      free(order);
      arena_free(ar);
      return st;
    }
  }
  gp.node = (Onnx__NodeProto **)w.nodes.v;
  gp.n_node = w.nodes.n;
  gp.initializer = (Onnx__TensorProto **)w.inits.v;
  gp.n_initializer = w.inits.n;
  gp.input = arena_alloc(ar, (g->n_inputs + 1) * sizeof(void *));
  gp.output = arena_alloc(ar, (g->n_outputs + 1) * sizeof(void *));
  if (!gp.input || !gp.output)
    goto nomem;
  for (size_t i = 0; i < g->n_inputs; i++) {
    if (!(gp.input[i] = make_value_info(ar, &g->tensors[g->inputs[i]])))
      goto nomem;
    gp.n_input++;
  }
  for (size_t i = 0; i < g->n_outputs; i++) {
    if (!(gp.output[i] = make_value_info(ar, &g->tensors[g->outputs[i]])))
      goto nomem;
    gp.n_output++;
  }
  if (ar->failed)
    goto nomem;
  size_t sz = onnx__model_proto__get_packed_size(&m);
  uint8_t *buf = NULL;
  if (qe_alloc(ctx, sz ? sz : 1, 1, "the ONNX file", (void **)&buf) != QE_OK) {
    free(order);
    arena_free(ar);
    return qe_ctx_status(ctx);
  }
  *len = onnx__model_proto__pack(&m, buf);
  *data = buf;
  free(order);
  arena_free(ar);
  return QE_OK;
nomem:
  free(order);
  arena_free(ar);
  return qe_error(ctx, QE_ERR_NOMEM, "out of memory writing the ONNX model");
}

qe_status qe_onnx_save(const qe_graph *g, const char *path, const qe_onnx_save_options *opt,
                       qe_ctx *ctx)
{
  uint8_t *data;
  size_t len;
  qe_status st = qe_onnx_save_buffer(g, opt, &data, &len, ctx);
  if (st != QE_OK)
    return st;
  st = qe_write_file_atomic(path, data, len, ctx);
  free(data);
  return st;
}

qe_status qe_onnx_write_tensor(const char *path, const qe_array *a, const char *name, qe_ctx *ctx)
{
  arena ar = { 0 };
  if (qe_dtype_to_onnx(a->dtype) == 0)
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s: type %s cannot be written to ONNX", path,
                    qe_dtype_name(a->dtype));
  Onnx__TensorProto *t = make_tensor(&ar, name ? name : "", a);
  if (!t) {
    arena_free(&ar);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  size_t sz = onnx__tensor_proto__get_packed_size(t);
  uint8_t *buf = malloc(sz ? sz : 1);
  if (!buf) {
    arena_free(&ar);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  size_t n = onnx__tensor_proto__pack(t, buf);
  qe_status st = qe_write_file_atomic(path, buf, n, ctx);
  free(buf);
  arena_free(&ar);
  return st;
}
