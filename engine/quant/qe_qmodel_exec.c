/* qe_qmodel_exec.c - the host executor of an int8 model: one arena planned
 * by engine/plan, the int8 kernels, the float fallback, and a per-op
 * observer for per-layer diagnostics.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "qe/qe_plan.h"
#include "qe_internal.h"
#include "qe_qmodel_private.h"

#define ARENA_ALIGN 16

struct qe_qexec {
  qe_qmodel *m;
  unsigned char *arena_mem; /* malloc'ed, arena is the aligned start */
  unsigned char *arena;
  size_t arena_size;
  int64_t *offsets; /* per tensor, -1 for constants / unused */
  void **data;      /* per tensor */
  void **scratch;   /* per op, NULL when none */
  const void **in_ptrs;
  size_t max_inputs;
  int32_t *consumers; /* per tensor: how many ops read it (QE_ROUND_ORT) */
  qe_qobserver_fn observer;
  void *observer_data;
};

static bool is_activation(const qe_qmodel *m, size_t t)
{
  return m->tensors[t].data == NULL;
}

qe_status qe_qmodel_plan(const qe_qmodel *m, int64_t **tensor_offsets, int64_t **scratch_offsets,
                         size_t *arena_bytes, qe_ctx *ctx)
{
  qe_plan_buffer *bufs = NULL;
  size_t *offs = NULL, *buf_of = NULL, *scratch_buf = NULL;
  int64_t *toff = NULL, *soff = NULL;
  size_t n_bufs = 0, i;
  const size_t n_t = m != NULL ? m->n_tensors : 0;
  qe_status st;

  if (tensor_offsets)
    *tensor_offsets = NULL;
  if (scratch_offsets)
    *scratch_offsets = NULL;
  if (m == NULL || m->prep == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "the model must be prepared before planning");
  if ((st = qe_alloc(ctx, n_t + m->n_ops + 1, sizeof(qe_plan_buffer), "plan", (void **)&bufs)) !=
          QE_OK ||
      (st = qe_alloc(ctx, n_t + m->n_ops + 1, sizeof(size_t), "plan", (void **)&offs)) != QE_OK ||
      (st = qe_alloc(ctx, n_t + 1, sizeof(size_t), "plan", (void **)&buf_of)) != QE_OK ||
      (st = qe_alloc(ctx, m->n_ops + 1, sizeof(size_t), "plan", (void **)&scratch_buf)) != QE_OK ||
      (st = qe_alloc(ctx, n_t + 1, sizeof(int64_t), "plan", (void **)&toff)) != QE_OK ||
      (st = qe_alloc(ctx, m->n_ops + 1, sizeof(int64_t), "plan", (void **)&soff)) != QE_OK)
    goto out;
  for (i = 0; i < n_t; i++)
    buf_of[i] = SIZE_MAX;
  for (i = 0; i < m->n_inputs; i++) {
    const size_t t = (size_t)m->inputs[i];
    if (!is_activation(m, t) || buf_of[t] != SIZE_MAX)
      continue;
    buf_of[t] = n_bufs;
    bufs[n_bufs].size =
        (size_t)qe_qtensor_count(&m->tensors[t]) * qe_qtensor_elem_size(&m->tensors[t]);
    bufs[n_bufs].first_use = 0;
    bufs[n_bufs].last_use = 0;
    n_bufs++;
  }
  for (i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    const size_t t = (size_t)op->output;
    int k;
    for (k = 0; k < op->n_inputs; k++) {
      const int it = op->inputs[k];
      if (it >= 0 && buf_of[it] != SIZE_MAX && bufs[buf_of[it]].last_use < (int)i)
        bufs[buf_of[it]].last_use = (int)i;
    }
    buf_of[t] = n_bufs;
    bufs[n_bufs].size =
        (size_t)qe_qtensor_count(&m->tensors[t]) * qe_qtensor_elem_size(&m->tensors[t]);
    bufs[n_bufs].first_use = (int)i;
    bufs[n_bufs].last_use = (int)i;
    n_bufs++;
    scratch_buf[i] = SIZE_MAX;
    if (m->prep->ops[i].scratch_size > 0) {
      scratch_buf[i] = n_bufs;
      bufs[n_bufs].size = m->prep->ops[i].scratch_size;
      bufs[n_bufs].first_use = bufs[n_bufs].last_use = (int)i;
      n_bufs++;
    }
  }
  for (i = 0; i < m->n_outputs; i++) {
    const size_t t = (size_t)m->outputs[i];
    if (buf_of[t] != SIZE_MAX)
      bufs[buf_of[t]].last_use = (int)m->n_ops;
  }
  if ((st = qe_plan_greedy(bufs, n_bufs, ARENA_ALIGN, offs, arena_bytes, ctx)) != QE_OK)
    goto out;
  for (i = 0; i < n_t; i++)
    toff[i] = buf_of[i] != SIZE_MAX ? (int64_t)offs[buf_of[i]] : -1;
  for (i = 0; i < m->n_ops; i++)
    soff[i] = scratch_buf[i] != SIZE_MAX ? (int64_t)offs[scratch_buf[i]] : -1;
  if (tensor_offsets) {
    *tensor_offsets = toff;
    toff = NULL;
  }
  if (scratch_offsets) {
    *scratch_offsets = soff;
    soff = NULL;
  }
out:
  free(bufs);
  free(offs);
  free(buf_of);
  free(scratch_buf);
  free(toff);
  free(soff);
  return st;
}

qe_status qe_qexec_new(qe_qmodel *m, qe_qexec **out, qe_ctx *ctx)
{
  qe_qexec *e;
  int64_t *soff = NULL;
  size_t i;
  const size_t n_t = m != NULL ? m->n_tensors : 0;
  qe_status st;

  *out = NULL;
  if (m == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "no model");
  if (m->prep == NULL && (st = qe_qmodel_prepare(m, ctx)) != QE_OK)
    return st;
  e = calloc(1, sizeof(*e));
  if (e == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  e->m = m;
  if ((st = qe_alloc(ctx, n_t + 1, sizeof(void *), "tensor pointers", (void **)&e->data)) !=
          QE_OK ||
      (st = qe_alloc(ctx, m->n_ops + 1, sizeof(void *), "scratch", (void **)&e->scratch)) !=
          QE_OK ||
      (st = qe_qmodel_plan(m, &e->offsets, &soff, &e->arena_size, ctx)) != QE_OK)
    goto fail;
  if ((st = qe_alloc(ctx, e->arena_size + ARENA_ALIGN, 1, "activation arena",
                     (void **)&e->arena_mem)) != QE_OK)
    goto fail;
  e->arena = e->arena_mem + ((ARENA_ALIGN - ((uintptr_t)e->arena_mem % ARENA_ALIGN)) % ARENA_ALIGN);
  for (i = 0; i < n_t; i++)
    e->data[i] = e->offsets[i] >= 0 ? (void *)(e->arena + e->offsets[i]) : m->tensors[i].data;
  for (i = 0; i < m->n_ops; i++) {
    if (m->ops[i].n_inputs > (int)e->max_inputs)
      e->max_inputs = (size_t)m->ops[i].n_inputs;
    if (soff[i] >= 0)
      e->scratch[i] = e->arena + soff[i];
  }
  if ((st = qe_alloc(ctx, e->max_inputs + 1, sizeof(void *), "inputs", (void **)&e->in_ptrs)) !=
          QE_OK ||
      (st = qe_alloc(ctx, n_t + 1, sizeof(int32_t), "consumers", (void **)&e->consumers)) != QE_OK)
    goto fail;
  for (i = 0; i < m->n_ops; i++) {
    int k;
    for (k = 0; k < m->ops[i].n_inputs; k++)
      if (m->ops[i].inputs[k] >= 0 && (size_t)m->ops[i].inputs[k] < n_t)
        e->consumers[m->ops[i].inputs[k]]++;
  }
  free(soff);
  *out = e;
  return QE_OK;
fail:
  free(soff);
  qe_qexec_free(e);
  return st;
}

void qe_qexec_free(qe_qexec *e)
{
  if (e == NULL)
    return;
  free(e->arena_mem);
  free(e->offsets);
  free(e->data);
  free(e->scratch);
  free(e->in_ptrs);
  free(e->consumers);
  free(e);
}

void qe_qexec_set_observer(qe_qexec *e, qe_qobserver_fn fn, void *user_data)
{
  e->observer = fn;
  e->observer_data = user_data;
}

void *qe_qexec_input(qe_qexec *e, size_t i)
{
  return e != NULL && i < e->m->n_inputs ? e->data[e->m->inputs[i]] : NULL;
}

const void *qe_qexec_output(const qe_qexec *e, size_t i)
{
  return e != NULL && i < e->m->n_outputs ? e->data[e->m->outputs[i]] : NULL;
}

const void *qe_qexec_tensor(const qe_qexec *e, int tensor)
{
  return e != NULL && tensor >= 0 && (size_t)tensor < e->m->n_tensors ? e->data[tensor] : NULL;
}

size_t qe_qexec_arena_size(const qe_qexec *e)
{
  return e != NULL ? e->arena_size : 0;
}

int64_t qe_qexec_tensor_offset(const qe_qexec *e, int tensor)
{
  return e != NULL && tensor >= 0 && (size_t)tensor < e->m->n_tensors ? e->offsets[tensor] : -1;
}

static qe_kstatus run_s8(const qe_qmodel *m, size_t i, const void *const *in, void *out,
                         void *scratch)
{
  const qe_qop *op = &m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
  const size_t n = (size_t)qe_qtensor_count(&m->tensors[op->output]);
  const int32_t *bias = op->n_inputs > 2 ? (const int32_t *)in[2] : NULL;

  switch (op->type) {
  case QE_QOP_CONV_2D:
    return qe_s8_conv(&p->conv, &p->quant, &p->in_dims, in[0], &p->filter_dims, in[1], bias,
                      &p->out_dims, out, scratch);
  case QE_QOP_DEPTHWISE_CONV_2D:
    return qe_s8_depthwise_conv(&p->conv, &p->quant, &p->in_dims, in[0], &p->filter_dims, in[1],
                                bias, &p->out_dims, out);
  case QE_QOP_FULLY_CONNECTED:
    return qe_s8_fully_connected(&p->fc, &p->quant, p->fc_batches, p->fc_accum, p->fc_out, in[0],
                                 in[1], bias, out);
  case QE_QOP_ADD:
    return qe_s8_add(&p->add, &p->in_dims, in[0], &p->in2_dims, in[1], &p->out_dims, out);
  case QE_QOP_MUL:
    return qe_s8_mul(&p->mul, &p->in_dims, in[0], &p->in2_dims, in[1], &p->out_dims, out);
  case QE_QOP_AVERAGE_POOL_2D:
    return qe_s8_avg_pool(&p->pool, &p->in_dims, in[0], &p->out_dims, out);
  case QE_QOP_MAX_POOL_2D:
    return qe_s8_max_pool(&p->pool, &p->in_dims, in[0], &p->out_dims, out);
  case QE_QOP_MEAN:
    if (p->mean_general)
      return qe_s8_mean(&p->mean, p->rank, p->dims, p->mean_axes_mask, in[0], out);
    return qe_s8_mean_hw(&p->mean, &p->in_dims, in[0], out);
  case QE_QOP_SUB:
    return qe_s8_sub(&p->add, &p->in_dims, in[0], &p->in2_dims, in[1], &p->out_dims, out);
  case QE_QOP_SQUARED_DIFFERENCE:
    return qe_s8_squared_difference(&p->add, &p->in_dims, in[0], &p->in2_dims, in[1], &p->out_dims,
                                    out);
  case QE_QOP_BATCH_MATMUL:
    return qe_s8_batch_matmul(&p->bmm, p->bmm_lhs, in[0], p->bmm_rhs, in[1], out);
  case QE_QOP_GATHER:
    return qe_k_gather(p->elem_size, p->gather_outer, p->gather_axis_dim, p->gather_inner,
                       p->gather_indices, p->gather_n, in[0], out);
  case QE_QOP_RSQRT:
  case QE_QOP_GELU:
    return qe_s8_lut(p->lut, n, in[0], out);
  case QE_QOP_SOFTMAX:
    return qe_s8_softmax(&p->softmax, p->rows, p->depth, in[0], out);
  case QE_QOP_LOGISTIC:
  case QE_QOP_TANH:
    return qe_s8_lut(p->lut, n, in[0], out);
  case QE_QOP_HARD_SWISH:
    return qe_s8_hard_swish(&p->hswish, n, in[0], out);
  case QE_QOP_PAD: {
    const int8_t v8 = (int8_t)p->pad_value_i8;
    const int32_t v32 = 0;
    return qe_k_pad(p->elem_size, p->rank, p->dims, p->pad_before, p->pad_after,
                    p->elem_size == 1 ? (const void *)&v8 : (const void *)&v32, in[0], out);
  }
  case QE_QOP_TRANSPOSE:
    return qe_k_transpose(p->elem_size, p->rank, p->dims, p->perm, in[0], out);
  case QE_QOP_CONCATENATION:
    return qe_k_concat(p->elem_size, op->n_inputs, in, p->concat_axis_dims, p->concat_outer,
                       p->concat_inner, out);
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR:
    return qe_k_resize_nearest(p->elem_size, &p->in_dims, p->resize_h, p->resize_w, p->resize_ymap,
                               p->resize_xmap, in[0], out);
  case QE_QOP_RESIZE_BILINEAR:
    return qe_s8_resize_bilinear(&p->resize, &p->in_dims, p->resize_h, p->resize_w, in[0], out);
  default:
    return QE_K_ERR_ARG;
  }
}

qe_status qe_qexec_run(qe_qexec *e, qe_ctx *ctx)
{
  const qe_qmodel *m;
  size_t i;
  qe_status st;

  if (e == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "no executor");
  m = e->m;
  if (m->prep == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "the model changed after the executor was made");
  for (i = 0; i < m->n_ops; i++) {
    const qe_qop *op = &m->ops[i];
    const qe_qop_prep *p = qe_qmodel_op_prep(m, i);
    const qe_qtensor *ot = &m->tensors[op->output];
    const size_t n = (size_t)qe_qtensor_count(ot);
    void *out = e->data[op->output];
    qe_kstatus ks = QE_K_OK;
    int k;

    for (k = 0; k < op->n_inputs; k++)
      e->in_ptrs[k] = op->inputs[k] >= 0 ? e->data[op->inputs[k]] : NULL;
    if (m->conv_rounding == QE_ROUND_ORT && qe_qmodel_ort_runs(m, i))
      ks = qe_qmodel_run_ort_op(m, i, e->consumers, (const void *const *)e->in_ptrs, out);
    else
      switch (p->impl) {
      case QE_QIMPL_S8:
        ks = run_s8(m, i, (const void *const *)e->in_ptrs, out, e->scratch[i]);
        break;
      case QE_QIMPL_F32:
        if ((st = qe_qmodel_run_float_op(m, i, (const void *const *)e->in_ptrs, out, ctx)) != QE_OK)
          return st;
        break;
      case QE_QIMPL_QUANTIZE:
        ks = qe_k_quantize_f32(e->in_ptrs[0], n, p->q_scale, p->q_zero_point, p->q_unsigned, out);
        break;
      case QE_QIMPL_DEQUANT:
        ks = qe_k_dequantize_f32(e->in_ptrs[0], p->q_unsigned, n, p->q_scale, p->q_zero_point, out);
        break;
      case QE_QIMPL_REQUANT:
        ks = qe_k_requantize(&p->requant, n, e->in_ptrs[0], out);
        break;
      case QE_QIMPL_COPY:
        ks = qe_k_copy(n * p->elem_size, e->in_ptrs[0], out);
        break;
      }
    if (ks != QE_K_OK)
      return qe_error(ctx, QE_ERR_INTERNAL, "op %zu (%s): the kernel refused its arguments (%d)", i,
                      qe_qop_name(op->type), (int)ks);
    if (e->observer != NULL &&
        e->observer(e->observer_data, m, (int)i, op->output, out, n * p->elem_size) != 0)
      return qe_error(ctx, QE_ERR_CANCELLED, "stopped by the observer after op %zu", i);
    if ((i & 15) == 15 && (st = qe_progress(ctx, (double)i / (double)m->n_ops, "running")) != QE_OK)
      return st;
  }
  return QE_OK;
}

qe_status qe_qexec_run_arrays(qe_qexec *e, size_t n_inputs, const qe_array *const *inputs,
                              qe_array ***outputs, qe_ctx *ctx)
{
  const qe_qmodel *m;
  qe_array **outs = NULL;
  qe_status st;
  size_t i;

  *outputs = NULL;
  if (e == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "no executor");
  m = e->m;
  if (n_inputs != m->n_inputs)
    return qe_error(ctx, QE_ERR_INVALID, "%zu inputs given, the model has %zu", n_inputs,
                    m->n_inputs);
  for (i = 0; i < n_inputs; i++) {
    const qe_qtensor *t = &m->tensors[m->inputs[i]];
    const int64_t count = qe_qtensor_count(t);
    void *dst = e->data[m->inputs[i]];
    if (qe_array_count(inputs[i]) != count)
      return qe_error(ctx, QE_ERR_SHAPE, "input %zu '%s': %lld values given, %lld expected", i,
                      t->name, (long long)qe_array_count(inputs[i]), (long long)count);
    if (inputs[i]->dtype == t->type) {
      memcpy(dst, inputs[i]->data, (size_t)count * qe_qtensor_elem_size(t));
    } else if ((t->type == QE_DT_I8 || t->type == QE_DT_U8 || t->type == QE_DT_F32) &&
               qe_dtype_is_float(inputs[i]->dtype)) {
      qe_array *f = NULL;
      if ((st = qe_array_to_f32(inputs[i], &f, ctx)) != QE_OK)
        return st;
      if (t->type == QE_DT_F32)
        memcpy(dst, f->data, (size_t)count * sizeof(float));
      else if (t->n_quant != 1 ||
               qe_k_quantize_f32(f->data, (size_t)count, t->scale[0], t->zero_point[0],
                                 t->type == QE_DT_U8, dst) != QE_K_OK) {
        qe_array_free(f);
        return qe_error(ctx, QE_ERR_INVALID, "input %zu '%s': cannot quantize float data", i,
                        t->name);
      }
      qe_array_free(f);
    } else {
      return qe_error(ctx, QE_ERR_INVALID, "input %zu '%s' is %s, %s data given", i, t->name,
                      qe_dtype_name(t->type), qe_dtype_name(inputs[i]->dtype));
    }
  }
  if ((st = qe_qexec_run(e, ctx)) != QE_OK)
    return st;
  outs = calloc(m->n_outputs + 1, sizeof(qe_array *));
  if (outs == NULL)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (i = 0; i < m->n_outputs; i++) {
    const qe_qtensor *t = &m->tensors[m->outputs[i]];
    int64_t dims[QE_QMAX_RANK];
    int k;
    for (k = 0; k < t->rank; k++)
      dims[k] = t->dims[k];
    if ((st = qe_array_new(t->type, t->rank, dims, &outs[i], ctx)) != QE_OK) {
      size_t j;
      for (j = 0; j < i; j++)
        qe_array_free(outs[j]);
      free(outs);
      return st;
    }
    memcpy(outs[i]->data, e->data[m->outputs[i]], qe_array_nbytes(outs[i]));
  }
  *outputs = outs;
  return QE_OK;
}
