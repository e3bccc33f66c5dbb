/* qe_runtime.c - runs a qe_graph in float with the reference kernels.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each run re-infers every node's output shape from the actual input
 * arrays (cheap next to the kernels), which binds symbolic dims; buffers
 * are kept per tensor and grown only when a run needs more.
 */
#include "qe/qe_runtime.h"

#include <string.h>

#include "qe_graph_internal.h"

struct qe_runtime {
  const qe_graph *g;
  int *order;
  qe_array **vals; /* per tensor, runtime-owned (NULL for constants) */
  size_t *caps;    /* bytes allocated in vals[t]->data */
  unsigned char *computed;
  qe_scratch scratch;
  qe_observer_fn observer;
  void *observer_data;
  bool ran;
};

void qe_runtime_free(qe_runtime *rt)
{
  if (!rt)
    return;
  if (rt->vals)
    for (size_t i = 0; i < rt->g->n_tensors; i++)
      qe_array_free(rt->vals[i]);
  free(rt->vals);
  free(rt->caps);
  free(rt->computed);
  free(rt->order);
  free(rt->scratch.p);
  free(rt);
}

qe_status qe_runtime_new(const qe_graph *g, qe_runtime **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_status st;
  if ((st = qe_graph_check_supported(g, ctx)) != QE_OK)
    return st;
  if ((st = qe_graph_validate(g, ctx)) != QE_OK)
    return st;
  qe_runtime *rt = calloc(1, sizeof *rt);
  if (!rt)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  rt->g = g;
  size_t nt = g->n_tensors ? g->n_tensors : 1;
  rt->vals = calloc(nt, sizeof *rt->vals);
  rt->caps = calloc(nt, sizeof *rt->caps);
  rt->computed = calloc(nt, 1);
  if (!rt->vals || !rt->caps || !rt->computed) {
    qe_runtime_free(rt);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  if ((st = qe_graph_order(g, &rt->order, ctx)) != QE_OK) {
    qe_runtime_free(rt);
    return st;
  }
  /* Static checks (types, attributes, shapes as far as known). The graph
   * is not modified: write_shapes is false. */
  if ((st = qe_graph_propagate((qe_graph *)g, false, NULL, ctx)) != QE_OK) {
    qe_runtime_free(rt);
    return st;
  }
  *out = rt;
  return QE_OK;
}

void qe_runtime_set_observer(qe_runtime *rt, qe_observer_fn fn, void *user_data)
{
  rt->observer = fn;
  rt->observer_data = user_data;
}

/* Make vals[t] an array of the given type and shape, reusing its buffer. */
static qe_status ensure(qe_runtime *rt, int t, qe_dtype dt, int rank, const int64_t *dims,
                        qe_ctx *ctx)
{
  int64_t cnt = qe_dims_count(dims, rank);
  size_t es = qe_dtype_size(dt);
  if (cnt < 0 || es == 0)
    return qe_error(ctx, QE_ERR_SHAPE, "tensor '%s': invalid shape or type %s",
                    rt->g->tensors[t].name, qe_dtype_name(dt));
  size_t bytes;
  if (!qe_mul_size((size_t)cnt, es, &bytes) || bytes > qe_ctx_alloc_limit(ctx))
    return qe_error(ctx, QE_ERR_NOMEM, "tensor '%s' would need %lld x %zu bytes, above the limit",
                    rt->g->tensors[t].name, (long long)cnt, es);
  qe_array *a = rt->vals[t];
  if (!a) {
    a = calloc(1, sizeof *a);
    if (!a)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    rt->vals[t] = a;
  }
  if (rt->caps[t] < bytes || !a->data) {
    void *p = realloc(a->data, bytes ? bytes : 1);
    if (!p)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory for tensor '%s' (%zu bytes)",
                      rt->g->tensors[t].name, bytes);
    a->data = p;
    rt->caps[t] = bytes ? bytes : 1;
  }
  a->dtype = dt;
  a->rank = rank;
  for (int i = 0; i < QE_MAX_RANK; i++)
    a->dims[i] = i < rank ? dims[i] : 0;
  /* Not cleared: every kernel writes all of its outputs. */
  return QE_OK;
}

static const qe_array *value_of(const qe_runtime *rt, int t)
{
  if (t < 0)
    return NULL;
  if (rt->g->tensors[t].data)
    return rt->g->tensors[t].data;
  return rt->computed[t] ? rt->vals[t] : NULL;
}

static qe_status set_input(qe_runtime *rt, size_t i, const qe_array *in, qe_ctx *ctx)
{
  const qe_graph *g = rt->g;
  int t = g->inputs[i];
  const qe_tensor *tt = &g->tensors[t];
  char b1[160], b2[160];
  if (!in)
    return qe_error(ctx, QE_ERR_INVALID, "input '%s': no array given", tt->name);
  if (tt->rank >= 0) {
    bool ok = in->rank == tt->rank;
    for (int d = 0; ok && d < tt->rank; d++)
      if (tt->dims[d] >= 0 && tt->dims[d] != in->dims[d])
        ok = false;
    if (!ok)
      return qe_error(ctx, QE_ERR_SHAPE, "input '%s' has shape %s, the model expects %s", tt->name,
                      qe_dims_to_string(in->dims, in->rank, b1, sizeof b1),
                      qe_dims_to_string(tt->dims, tt->rank, b2, sizeof b2));
  }
  qe_dtype dt = tt->dtype != QE_DT_UNDEFINED ? tt->dtype : in->dtype;
  if (dt != in->dtype && (qe_dtype_size(in->dtype) == 0 || qe_dtype_size(dt) == 0))
    return qe_error(ctx, QE_ERR_INVALID, "input '%s' is %s, the model expects %s", tt->name,
                    qe_dtype_name(in->dtype), qe_dtype_name(dt));
  qe_status st = ensure(rt, t, dt, in->rank, in->dims, ctx);
  if (st != QE_OK)
    return st;
  qe_array *dst = rt->vals[t];
  if (dt == in->dtype) {
    memcpy(dst->data, in->data, qe_array_nbytes(in));
  } else {
    size_t n = (size_t)qe_array_count(in);
    bool ints = !qe_dtype_is_float(dt) && !qe_dtype_is_float(in->dtype);
    for (size_t k = 0; k < n; k++) {
      if (ints)
        qe_array_set_i64(dst, k, qe_array_get_i64(in, k));
      else
        qe_array_set_f64(dst, k, qe_array_get_f64(in, k));
    }
  }
  rt->computed[t] = 1;
  return QE_OK;
}

qe_status qe_runtime_run(qe_runtime *rt, size_t n_inputs, const qe_array *const *inputs,
                         qe_ctx *ctx)
{
  const qe_graph *g = rt->g;
  qe_status st;
  rt->ran = false;
  memset(rt->computed, 0, g->n_tensors ? g->n_tensors : 1);
  if (n_inputs != g->n_inputs)
    return qe_error(ctx, QE_ERR_INVALID, "the model has %zu input%s, %zu given", g->n_inputs,
                    g->n_inputs == 1 ? "" : "s", n_inputs);
  for (size_t i = 0; i < n_inputs; i++)
    if ((st = set_input(rt, i, inputs[i], ctx)) != QE_OK)
      return st;
  const qe_array *in[64];
  qe_array *outs[64];
  qe_vinfo vin[64], vout[64];
  for (size_t k = 0; k < g->n_nodes; k++) {
    const qe_node *n = &g->nodes[rt->order[k]];
    if (n->n_inputs > 64 || n->n_outputs > 64)
      return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "too many inputs or outputs");
    for (int i = 0; i < n->n_inputs; i++) {
      int t = n->inputs[i];
      in[i] = value_of(rt, t);
      if (t >= 0 && !in[i])
        return qe_op_error(n, ctx, QE_ERR_INVALID, "input '%s' was not computed",
                           g->tensors[t].name);
      qe_vinfo_from_array(&vin[i], in[i]);
    }
    if ((st = qe_node_infer(n, vin, vout, ctx)) != QE_OK)
      return st;
    for (int i = 0; i < n->n_outputs; i++) {
      int t = n->outputs[i];
      outs[i] = NULL;
      if (t < 0)
        continue;
      if (!qe_vinfo_known(&vout[i]) || vout[i].dtype == QE_DT_UNDEFINED)
        return qe_op_error(n, ctx, QE_ERR_INTERNAL, "output %d shape not known at run time", i);
      if ((st = ensure(rt, t, vout[i].dtype, vout[i].rank, vout[i].dims, ctx)) != QE_OK)
        return qe_error_prefix(ctx, "node '%s'", n->name);
      outs[i] = rt->vals[t];
    }
    const qe_op_def *d = qe_op_get(n->op);
    qe_exec_args a = { .node = n,
                       .opset = n->opset ? n->opset : QE_OPSET_MAX,
                       .n_in = n->n_inputs,
                       .in = in,
                       .n_out = n->n_outputs,
                       .out = outs,
                       .scratch = &rt->scratch,
                       .ctx = ctx };
    if ((st = d->exec(&a)) != QE_OK)
      return st;
    if (n->fused_act != QE_OP_UNKNOWN && outs[0] && outs[0]->dtype == QE_DT_F32)
      qe_apply_fused_act(n, outs[0]->data, (size_t)qe_array_count(outs[0]));
    for (int i = 0; i < n->n_outputs; i++)
      if (n->outputs[i] >= 0)
        rt->computed[n->outputs[i]] = 1;
    if (rt->observer && rt->observer(rt->observer_data, g, rt->order[k], n->n_outputs, n->outputs,
                                     (const qe_array *const *)outs) != 0)
      return qe_error(ctx, QE_ERR_CANCELLED, "stopped by the observer after node '%s'", n->name);
    if ((st = qe_progress(ctx, (double)(k + 1) / (double)g->n_nodes, "running the model")) != QE_OK)
      return st;
  }
  for (size_t i = 0; i < g->n_outputs; i++)
    if (!value_of(rt, g->outputs[i]))
      return qe_error(ctx, QE_ERR_INVALID, "output '%s' was not computed",
                      g->tensors[g->outputs[i]].name);
  rt->ran = true;
  return QE_OK;
}

const qe_array *qe_runtime_output(const qe_runtime *rt, size_t i)
{
  if (!rt->ran || i >= rt->g->n_outputs)
    return NULL;
  return value_of(rt, rt->g->outputs[i]);
}

const qe_array *qe_runtime_tensor(const qe_runtime *rt, int tensor)
{
  if (tensor < 0 || (size_t)tensor >= rt->g->n_tensors)
    return NULL;
  return value_of(rt, tensor);
}

qe_status qe_runtime_copy_output(const qe_runtime *rt, size_t i, qe_array **out, qe_ctx *ctx)
{
  const qe_array *a = qe_runtime_output(rt, i);
  *out = NULL;
  if (!a)
    return qe_error(ctx, QE_ERR_INVALID, "no output %zu (did the run succeed?)", i);
  return qe_array_clone(a, out, ctx);
}

qe_status qe_run_graph(const qe_graph *g, size_t n_inputs, const qe_array *const *inputs,
                       qe_array ***outputs, qe_ctx *ctx)
{
  *outputs = NULL;
  qe_runtime *rt;
  qe_status st = qe_runtime_new(g, &rt, ctx);
  if (st != QE_OK)
    return st;
  st = qe_runtime_run(rt, n_inputs, inputs, ctx);
  qe_array **outs = NULL;
  if (st == QE_OK) {
    outs = calloc(g->n_outputs ? g->n_outputs : 1, sizeof *outs);
    if (!outs)
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == QE_OK && i < g->n_outputs; i++)
      st = qe_runtime_copy_output(rt, i, &outs[i], ctx);
    if (st != QE_OK && outs) {
      for (size_t i = 0; i < g->n_outputs; i++)
        qe_array_free(outs[i]);
      free(outs);
      outs = NULL;
    }
  }
  qe_runtime_free(rt);
  *outputs = outs;
  return st;
}
