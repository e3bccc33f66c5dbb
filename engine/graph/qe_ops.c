/* qe_ops.c - the op registry, helpers for op implementations, whole-graph
 * shape inference and support checks.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qe_graph_internal.h"

static const struct {
  const qe_op_def *defs;
  const size_t *count;
} families[] = {
  { qe_ops_conv, &qe_ops_conv_count },     { qe_ops_elementwise, &qe_ops_elementwise_count },
  { qe_ops_norm, &qe_ops_norm_count },     { qe_ops_pool, &qe_ops_pool_count },
  { qe_ops_reduce, &qe_ops_reduce_count }, { qe_ops_shape, &qe_ops_shape_count },
  { qe_ops_resize, &qe_ops_resize_count }, { qe_ops_quant, &qe_ops_quant_count },
  { qe_ops_index, &qe_ops_index_count },   { qe_ops_rnn, &qe_ops_rnn_count },
};

const qe_op_def *qe_op_get(qe_op op)
{
  if (op <= QE_OP_UNKNOWN || op >= QE_OP_COUNT)
    return NULL;
  for (size_t f = 0; f < QE_ARRAY_LEN(families); f++)
    for (size_t i = 0; i < *families[f].count; i++)
      if (families[f].defs[i].op == op)
        return &families[f].defs[i];
  return NULL;
}

bool qe_op_supported(qe_op op)
{
  const qe_op_def *d = qe_op_get(op);
  return d && d->infer && d->exec;
}

/* Opsets 1-6: ops whose meaning differs from opset 7 in ways the kernels do
 * not follow. Everything else means the same (consumed_inputs, is_test and
 * the like are ignored by inference anyway). */
static bool legacy_ok(const qe_node *n)
{
  switch (n->op) {
  case QE_OP_CAST:     /* 'to' was a string before 6 */
  case QE_OP_TILE:     /* tiles/axis inputs before 6 */
  case QE_OP_UPSAMPLE: /* width_scale/height_scale before 7 */
    return false;
  case QE_OP_PAD:
    return !qe_node_attr(n, "paddings");
  case QE_OP_BATCH_NORM:
    return qe_node_int(n, "spatial", 1) == 1;
  default:
    return true;
  }
}

bool qe_node_supported(const qe_node *n, const char **why)
{
  static const char *const reasons[] = { "op not implemented", "domain not supported",
                                         "opset outside 1-17",
                                         "meaning before opset 7 not implemented" };
  if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0) {
    *why = reasons[1];
    return false;
  }
  if (!qe_op_supported(n->op)) {
    *why = reasons[0];
    return false;
  }
  if (n->opset != 0 && (n->opset < 1 || n->opset > QE_OPSET_MAX)) {
    *why = reasons[2];
    return false;
  }
  if (n->opset != 0 && n->opset < QE_OPSET_MIN && !legacy_ok(n)) {
    *why = reasons[3];
    return false;
  }
  return true;
}

qe_status qe_op_error(const qe_node *n, qe_ctx *ctx, qe_status st, const char *fmt, ...)
{
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return qe_error(ctx, st, "node '%s' (%s): %s", n->name ? n->name : "",
                  n->op_type ? n->op_type : qe_op_name(n->op), msg);
}

void *qe_scratch_get(const qe_exec_args *a, size_t bytes)
{
  qe_scratch *s = a->scratch;
  if (bytes == 0)
    bytes = 1;
  if (bytes > qe_ctx_alloc_limit(a->ctx)) {
    qe_error(a->ctx, QE_ERR_NOMEM, "node '%s': scratch of %zu bytes is above the limit",
             a->node->name, bytes);
    return NULL;
  }
  if (s->cap < bytes) {
    void *p = realloc(s->p, bytes);
    if (!p) {
      qe_error(a->ctx, QE_ERR_NOMEM, "node '%s': out of memory for %zu bytes of scratch",
               a->node->name, bytes);
      return NULL;
    }
    s->p = p;
    s->cap = bytes;
  }
  return s->p;
}

bool qe_norm_axis(int64_t axis, int rank, int *out)
{
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return false;
  *out = (int)axis;
  return true;
}

bool qe_broadcast_shape(int ra, const int64_t *da, int rb, const int64_t *db, int *rout,
                        int64_t *dout)
{
  int r = QE_MAX(ra, rb);
  if (r > QE_MAX_RANK)
    return false;
  for (int i = 0; i < r; i++) {
    int ia = i - (r - ra), ib = i - (r - rb);
    int64_t a = ia >= 0 ? da[ia] : 1;
    int64_t b = ib >= 0 ? db[ib] : 1;
    int64_t o;
    if (a == b)
      o = a;
    else if (a == 1)
      o = b;
    else if (b == 1)
      o = a;
    else if (a < 0)
      o = b; /* unknown vs known: the known one, unless it is 1 */
    else if (b < 0)
      o = a;
    else
      return false;
    dout[i] = o;
  }
  *rout = r;
  return true;
}

/* Element @i of an integer or bool array in @v (a uint64 wraps to
 * int64); false for the float types. */
static bool get_int(const qe_array *a, size_t i, int64_t *v)
{
  const void *d = a->data;
  switch (a->dtype) {
  case QE_DT_I64:
    *v = ((const int64_t *)d)[i];
    return true;
  case QE_DT_I32:
    *v = ((const int32_t *)d)[i];
    return true;
  case QE_DT_U64:
    *v = (int64_t)((const uint64_t *)d)[i];
    return true;
  case QE_DT_I8:
    *v = ((const int8_t *)d)[i];
    return true;
  case QE_DT_U8:
  case QE_DT_BOOL:
    *v = ((const uint8_t *)d)[i];
    return true;
  case QE_DT_I16:
    *v = ((const int16_t *)d)[i];
    return true;
  case QE_DT_U16:
    *v = ((const uint16_t *)d)[i];
    return true;
  case QE_DT_U32:
    *v = ((const uint32_t *)d)[i];
    return true;
  default:
    return false;
  }
}

/* @v truncated to int64, saturating; NaN gives 0. */
static int64_t f64_to_i64(double v)
{
  if (isnan(v))
    return 0;
  if (v >= 9.2e18)
    return INT64_MAX;
  if (v <= -9.2e18)
    return INT64_MIN;
  return (int64_t)v;
}

double qe_array_get_f64(const qe_array *a, size_t i)
{
  const void *d = a->data;
  int64_t v;
  switch (a->dtype) {
  case QE_DT_F32:
    return ((const float *)d)[i];
  case QE_DT_F64:
    return ((const double *)d)[i];
  case QE_DT_F16:
    return qe_half_to_float(((const uint16_t *)d)[i]);
  case QE_DT_BF16:
    return qe_bf16_to_float(((const uint16_t *)d)[i]);
  case QE_DT_U64:
    return (double)((const uint64_t *)d)[i];
  default:
    return get_int(a, i, &v) ? (double)v : 0;
  }
}

int64_t qe_array_get_i64(const qe_array *a, size_t i)
{
  int64_t v;
  if (get_int(a, i, &v))
    return v;
  return f64_to_i64(qe_array_get_f64(a, i));
}

void qe_array_set_f64(qe_array *a, size_t i, double v)
{
  void *d = a->data;
  switch (a->dtype) {
  case QE_DT_F32:
    ((float *)d)[i] = (float)v;
    return;
  case QE_DT_F64:
    ((double *)d)[i] = v;
    return;
  case QE_DT_F16:
    ((uint16_t *)d)[i] = qe_float_to_half((float)v);
    return;
  case QE_DT_BOOL:
    ((uint8_t *)d)[i] = v != 0;
    return;
  default:
    break;
  }
  qe_array_set_i64(a, i, f64_to_i64(v));
}

void qe_array_set_i64(qe_array *a, size_t i, int64_t v)
{
  void *d = a->data;
  switch (a->dtype) {
  case QE_DT_I64:
    ((int64_t *)d)[i] = v;
    break;
  case QE_DT_I32:
    ((int32_t *)d)[i] = (int32_t)v;
    break;
  case QE_DT_U64:
    ((uint64_t *)d)[i] = (uint64_t)v;
    break;
  case QE_DT_I8:
    ((int8_t *)d)[i] = (int8_t)v;
    break;
  case QE_DT_U8:
    ((uint8_t *)d)[i] = (uint8_t)v;
    break;
  case QE_DT_BOOL:
    ((uint8_t *)d)[i] = v != 0;
    break;
  case QE_DT_I16:
    ((int16_t *)d)[i] = (int16_t)v;
    break;
  case QE_DT_U16:
    ((uint16_t *)d)[i] = (uint16_t)v;
    break;
  case QE_DT_U32:
    ((uint32_t *)d)[i] = (uint32_t)v;
    break;
  case QE_DT_F32:
  case QE_DT_F64:
  case QE_DT_F16:
    qe_array_set_f64(a, i, (double)v);
    break;
  default:
    break;
  }
}

bool qe_array_get_ints(const qe_array *a, int64_t *out, size_t max, size_t *n)
{
  int64_t c = qe_array_count(a);
  *n = 0;
  if (c < 0 || (size_t)c > max)
    return false;
  if (!qe_dtype_is_int(a->dtype) && !qe_dtype_is_float(a->dtype) && a->dtype != QE_DT_BOOL)
    return false;
  for (int64_t i = 0; i < c; i++)
    out[i] = qe_array_get_i64(a, (size_t)i);
  *n = (size_t)c;
  return true;
}

int64_t qe_dims_prod(const int64_t *dims, int from, int to)
{
  int64_t p = 1;
  for (int i = from; i < to; i++) {
    if (dims[i] < 0)
      return -1;
    if (dims[i] > 0 && p > ((int64_t)1 << 62) / dims[i])
      return -1; /* beyond any real tensor: treated as unknown */
    p *= dims[i];
  }
  return p;
}

void qe_vinfo_set(qe_vinfo *v, qe_dtype dt, int rank, const int64_t *dims)
{
  v->present = true;
  v->dtype = dt;
  v->rank = rank;
  for (int i = 0; i < QE_MAX_RANK; i++)
    v->dims[i] = (i < rank && dims) ? dims[i] : -1;
}

void qe_vinfo_from_array(qe_vinfo *v, const qe_array *a)
{
  memset(v, 0, sizeof *v);
  if (!a) {
    v->rank = -1;
    return;
  }
  qe_vinfo_set(v, a->dtype, a->rank, a->dims);
  v->value = a;
}

bool qe_vinfo_known(const qe_vinfo *v)
{
  if (v->rank < 0)
    return false;
  for (int i = 0; i < v->rank; i++)
    if (v->dims[i] < 0)
      return false;
  return true;
}

qe_status qe_node_infer(const qe_node *n, const qe_vinfo *in, qe_vinfo *out, qe_ctx *ctx)
{
  const qe_op_def *d = qe_op_get(n->op);
  if (!d || !d->infer)
    return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "this op is not supported");
  if (n->n_inputs < d->min_inputs || (d->max_inputs >= 0 && n->n_inputs > d->max_inputs))
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "has %d inputs, expected %d to %d", n->n_inputs,
                       d->min_inputs, d->max_inputs);
  if (n->n_outputs < d->min_outputs || (d->max_outputs >= 0 && n->n_outputs > d->max_outputs))
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "has %d outputs, expected %d to %d", n->n_outputs,
                       d->min_outputs, d->max_outputs);
  for (int i = 0; i < d->min_inputs && i < n->n_inputs; i++)
    if (!in[i].present)
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "input %d is required", i);
  /* Bounded dims keep every op's shape arithmetic free of overflow. */
  for (int i = 0; i < n->n_inputs; i++)
    for (int k = 0; in[i].present && k < in[i].rank; k++)
      if (in[i].dims[k] > QE_MAX_DIM)
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "dimension %d of input %d is %lld, above %lld", k,
                           i, (long long)in[i].dims[k], (long long)QE_MAX_DIM);
  for (int i = 0; i < n->n_outputs; i++) {
    memset(&out[i], 0, sizeof out[i]);
    out[i].rank = -1;
    for (int k = 0; k < QE_MAX_RANK; k++)
      out[i].dims[k] = -1;
  }
  qe_infer_args a = { .node = n,
                      .opset = n->opset ? n->opset : QE_OPSET_MAX,
                      .n_in = n->n_inputs,
                      .in = in,
                      .n_out = n->n_outputs,
                      .out = out,
                      .ctx = ctx };
  qe_status st = d->infer(&a);
  if (st != QE_OK)
    return st;
  for (int i = 0; i < n->n_outputs; i++)
    out[i].present = n->outputs[i] >= 0;
  return QE_OK;
}

qe_status qe_node_eval(const qe_node *n, const qe_array *const *in, qe_array **outs,
                       qe_scratch *scratch, qe_ctx *ctx)
{
  const qe_op_def *d = qe_op_get(n->op);
  int ni = n->n_inputs, no = n->n_outputs;
  qe_vinfo vin[64], vout[64];
  if (ni > 64 || no > 64)
    return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "too many inputs or outputs to evaluate");
  for (int i = 0; i < no; i++)
    outs[i] = NULL;
  for (int i = 0; i < ni; i++)
    qe_vinfo_from_array(&vin[i], in[i]);
  qe_status st = qe_node_infer(n, vin, vout, ctx);
  if (st != QE_OK)
    return st;
  if (!d->exec)
    return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "this op cannot be run");
  for (int i = 0; i < no; i++) {
    if (!vout[i].present && n->outputs[i] < 0)
      continue;
    if (!qe_vinfo_known(&vout[i])) {
      st = qe_op_error(n, ctx, QE_ERR_INTERNAL, "output %d shape unknown after inference", i);
      goto fail;
    }
    st = qe_array_new(vout[i].dtype, vout[i].rank, vout[i].dims, &outs[i], ctx);
    if (st != QE_OK)
      goto fail;
  }
  qe_exec_args a = { .node = n,
                     .opset = n->opset ? n->opset : QE_OPSET_MAX,
                     .n_in = ni,
                     .in = in,
                     .n_out = no,
                     .out = outs,
                     .scratch = scratch,
                     .ctx = ctx };
  st = d->exec(&a);
  if (st != QE_OK)
    goto fail;
  if (n->fused_act != QE_OP_UNKNOWN && outs[0] && outs[0]->dtype == QE_DT_F32)
    qe_apply_fused_act(n, outs[0]->data, (size_t)qe_array_count(outs[0]));
  return QE_OK;
fail:
  for (int i = 0; i < no; i++) {
    qe_array_free(outs[i]);
    outs[i] = NULL;
  }
  return st;
}

void qe_apply_fused_act(const qe_node *node, float *x, size_t n)
{
  switch (node->fused_act) {
  case QE_OP_RELU:
    for (size_t i = 0; i < n; i++)
      x[i] = x[i] < 0 ? 0 : x[i];
    break;
  case QE_OP_CLIP:
    for (size_t i = 0; i < n; i++)
      x[i] = x[i] < node->act_min ? node->act_min : (x[i] > node->act_max ? node->act_max : x[i]);
    break;
  case QE_OP_LEAKY_RELU:
    for (size_t i = 0; i < n; i++)
      x[i] = x[i] < 0 ? x[i] * node->act_alpha : x[i];
    break;
  case QE_OP_SIGMOID:
    for (size_t i = 0; i < n; i++)
      x[i] = 1.0f / (1.0f + expf(-x[i]));
    break;
  case QE_OP_HARD_SIGMOID:
    for (size_t i = 0; i < n; i++) {
      float v = node->act_alpha * x[i] + node->act_beta;
      x[i] = v < 0 ? 0 : (v > 1 ? 1 : v);
    }
    break;
  case QE_OP_HARD_SWISH:
    for (size_t i = 0; i < n; i++) {
      float v = x[i] / 6.0f + 0.5f;
      x[i] = x[i] * (v < 0 ? 0 : (v > 1 ? 1 : v));
    }
    break;
  case QE_OP_TANH:
    for (size_t i = 0; i < n; i++)
      x[i] = tanhf(x[i]);
    break;
  default:
    break;
  }
}

/* ---- whole-graph checks ------------------------------------------------ */

static void full_op_type(const qe_node *n, char *buf, size_t size)
{
  if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)
    snprintf(buf, size, "%s.%s", n->domain, n->op_type ? n->op_type : "");
  else
    snprintf(buf, size, "%s", n->op_type ? n->op_type : qe_op_name(n->op));
}

qe_status qe_graph_check_supported(const qe_graph *g, qe_ctx *ctx)
{
  char msg[900];
  size_t count = 0, len = 0;
  msg[0] = '\0';
  for (size_t i = 0; i < g->n_nodes; i++) {
    const char *why;
    if (qe_node_supported(&g->nodes[i], &why))
      continue;
    count++;
  }
  if (count == 0)
    return QE_OK;
  len = (size_t)snprintf(msg, sizeof msg, "%zu unsupported node%s:", count, count == 1 ? "" : "s");
  size_t listed = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    const char *why;
    const qe_node *n = &g->nodes[i];
    if (qe_node_supported(n, &why))
      continue;
    char op[160], item[400];
    full_op_type(n, op, sizeof op);
    if ((n->opset > QE_OPSET_MAX || (n->opset && n->opset < QE_OPSET_MIN)) &&
        qe_op_supported(n->op))
      snprintf(item, sizeof item, "%s '%s' (%s, opset %lld)", listed ? "," : "", n->name, op,
               (long long)n->opset);
    else
      snprintf(item, sizeof item, "%s '%s' (%s)", listed ? "," : "", n->name, op);
    size_t il = strlen(item);
    if (len + il + 16 >= sizeof msg) {
      snprintf(msg + len, sizeof msg - len, ", and %zu more", count - listed);
      break;
    }
    memcpy(msg + len, item, il + 1);
    len += il;
    listed++;
  }
  return qe_error(ctx, QE_ERR_UNSUPPORTED, "%s", msg);
}

/* ---- shape inference with value propagation ---------------------------- */

/* Values are computed for nodes whose inputs are all known when the result
 * is small (shape arithmetic), so Reshape/Slice/... downstream of Shape get
 * exact shapes. */
#define QE_PROPAGATE_MAX_ELEMS 65536

static bool small_enough(const qe_vinfo *v, int n)
{
  for (int i = 0; i < n; i++) {
    if (!v[i].present)
      continue;
    int64_t c = qe_dims_prod(v[i].dims, 0, v[i].rank);
    if (v[i].rank < 0 || c < 0 || c > QE_PROPAGATE_MAX_ELEMS)
      return false;
  }
  return true;
}

qe_status qe_graph_propagate(qe_graph *g, bool write_shapes, qe_array ***values_out, qe_ctx *ctx)
{
  if (values_out)
    *values_out = NULL;
  int *order = NULL;
  qe_status st = qe_graph_order(g, &order, ctx);
  if (st != QE_OK)
    return st;
  size_t nt = g->n_tensors;
  qe_array **vals = calloc(nt ? nt : 1, sizeof *vals);
  qe_vinfo *vi = calloc(nt ? nt : 1, sizeof *vi);
  qe_scratch scratch = { 0 };
  if (!vals || !vi) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (size_t t = 0; t < nt; t++) {
    const qe_tensor *tt = &g->tensors[t];
    if (tt->data) {
      qe_vinfo_from_array(&vi[t], tt->data);
    } else {
      qe_vinfo_set(&vi[t], tt->dtype, tt->rank, tt->dims);
    }
  }
  for (size_t k = 0; k < g->n_nodes; k++) {
    const qe_node *n = &g->nodes[order[k]];
    qe_vinfo in[64], out[64];
    if (n->n_inputs > 64 || n->n_outputs > 64) {
      st = qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "too many inputs or outputs");
      goto out;
    }
    if (!qe_op_supported(n->op) || (n->domain && n->domain[0]))
      continue; /* unknown ops: outputs stay as declared */
    for (int i = 0; i < n->n_inputs; i++) {
      int t = n->inputs[i];
      if (t < 0) {
        memset(&in[i], 0, sizeof in[i]);
        in[i].rank = -1;
      } else {
        in[i] = vi[t];
        in[i].value = vals[t] ? vals[t] : g->tensors[t].data;
      }
    }
    st = qe_node_infer(n, in, out, ctx);
    if (st != QE_OK)
      goto out;
    /* Values: evaluate when every present input has a value and the
     * inputs are small. */
    bool all_known = true;
    for (int i = 0; i < n->n_inputs; i++)
      if (in[i].present && !in[i].value)
        all_known = false;
    if (n->op == QE_OP_SHAPE || n->op == QE_OP_SIZE)
      all_known = in[0].present && qe_vinfo_known(&in[0]);
    qe_array *ov[64] = { 0 };
    if (all_known && small_enough(out, n->n_outputs) &&
        (n->op == QE_OP_SHAPE || n->op == QE_OP_SIZE || small_enough(in, n->n_inputs))) {
      const qe_array *ia[64];
      qe_array *dummy[64] = { 0 };
      bool ok = true;
      for (int i = 0; i < n->n_inputs; i++) {
        ia[i] = in[i].present ? in[i].value : NULL;
        if ((n->op == QE_OP_SHAPE || n->op == QE_OP_SIZE) && i == 0) {
          /* Shape needs only the dims: a zero-filled stand-in. */
          if (qe_array_new(in[0].dtype == QE_DT_UNDEFINED ? QE_DT_U8 : QE_DT_U8, in[0].rank,
                           in[0].dims, &dummy[0], NULL) != QE_OK) {
            ok = false;
            break;
          }
          ia[0] = dummy[0];
        }
      }
      if (ok) {
        qe_ctx *tmp = qe_ctx_new();
        if (tmp) {
          qe_ctx_set_alloc_limit(tmp, 64u << 20);
          if (qe_node_eval(n, ia, ov, &scratch, tmp) != QE_OK)
            memset(ov, 0, sizeof ov);
          qe_ctx_free(tmp);
        }
      }
      qe_array_free(dummy[0]);
    }
    for (int i = 0; i < n->n_outputs; i++) {
      int t = n->outputs[i];
      if (t < 0)
        continue;
      qe_vinfo *o = &out[i];
      qe_vinfo *cur = &vi[t];
      /* Keep declared dims where inference could not tell. */
      if (o->rank < 0 && cur->rank >= 0) {
        o->rank = cur->rank;
        memcpy(o->dims, cur->dims, sizeof o->dims);
      } else if (o->rank >= 0 && cur->rank == o->rank) {
        for (int d = 0; d < o->rank; d++)
          if (o->dims[d] < 0 && cur->dims[d] >= 0)
            o->dims[d] = cur->dims[d];
      }
      if (o->dtype == QE_DT_UNDEFINED)
        o->dtype = cur->dtype;
      vi[t] = *o;
      vi[t].value = NULL;
      vi[t].present = true;
      qe_array_free(vals[t]);
      vals[t] = ov[i];
      ov[i] = NULL;
      if (write_shapes) {
        qe_tensor *tt = &g->tensors[t];
        tt->dtype = o->dtype;
        if (tt->rank != o->rank) {
          for (int d = 0; d < QE_MAX_RANK; d++) {
            free(tt->dim_params[d]);
            tt->dim_params[d] = NULL;
          }
        }
        tt->rank = o->rank;
        for (int d = 0; d < QE_MAX_RANK; d++) {
          tt->dims[d] = d < o->rank ? o->dims[d] : -1;
          if (tt->dims[d] >= 0) {
            free(tt->dim_params[d]);
            tt->dim_params[d] = NULL;
          }
        }
      }
    }
    for (int i = 0; i < n->n_outputs; i++)
      qe_array_free(ov[i]);
  }
  if (values_out) {
    *values_out = vals;
    vals = NULL;
  }
out:
  if (vals)
    for (size_t t = 0; t < nt; t++)
      qe_array_free(vals[t]);
  free(vals);
  free(vi);
  free(order);
  free(scratch.p);
  return st;
}

qe_status qe_graph_infer_shapes(qe_graph *g, qe_ctx *ctx)
{
  return qe_graph_propagate(g, true, NULL, ctx);
}

/* ---- statistics ------------------------------------------------------- */

void qe_model_stats_free(qe_model_stats *s)
{
  if (!s)
    return;
  free(s->node_macs);
  free(s->node_params);
  for (size_t i = 0; i < s->n_ops; i++)
    free(s->ops[i].op_type);
  free(s->ops);
  free(s->unsupported);
  free(s);
}

qe_status qe_graph_stats(const qe_graph *g, qe_model_stats **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_model_stats *s = calloc(1, sizeof *s);
  if (!s)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  size_t nn = g->n_nodes;
  s->n_nodes = nn;
  s->node_macs = calloc(nn ? nn : 1, sizeof(int64_t));
  s->node_params = calloc(nn ? nn : 1, sizeof(int64_t));
  s->ops = calloc(nn ? nn : 1, sizeof(qe_op_count));
  unsigned char *counted = calloc(g->n_tensors ? g->n_tensors : 1, 1);
  if (!s->node_macs || !s->node_params || !s->ops || !counted)
    goto nomem;
  /* Histogram and parameters. */
  for (size_t i = 0; i < nn; i++) {
    const qe_node *n = &g->nodes[i];
    char op[200];
    full_op_type(n, op, sizeof op);
    size_t k;
    for (k = 0; k < s->n_ops; k++)
      if (strcmp(s->ops[k].op_type, op) == 0)
        break;
    if (k == s->n_ops) {
      s->ops[k].op_type = qe_strdup(op);
      if (!s->ops[k].op_type)
        goto nomem;
      const char *why;
      s->ops[k].supported = qe_node_supported(n, &why);
      s->n_ops++;
    }
    s->ops[k].count++;
    const char *why;
    if (!qe_node_supported(n, &why))
      s->n_unsupported++;
    for (int j = 0; j < n->n_inputs; j++) {
      int t = n->inputs[j];
      if (t < 0 || !g->tensors[t].data)
        continue;
      int64_t c = qe_array_count(g->tensors[t].data);
      if (c < 0)
        continue;
      s->node_params[i] += c;
      if (!counted[t]) {
        counted[t] = 1;
        s->params += c;
        s->param_bytes += (int64_t)qe_array_nbytes(g->tensors[t].data);
      }
    }
  }
  if (s->n_unsupported) {
    qe_ctx *tmp = qe_ctx_new();
    if (!tmp)
      goto nomem;
    qe_graph_check_supported(g, tmp);
    s->unsupported = qe_strdup(qe_ctx_error(tmp));
    qe_ctx_free(tmp);
  }
  /* MACs: shapes with symbolic dims bound to 1, on a copy. */
  qe_graph *c = NULL;
  qe_ctx *tmp = qe_ctx_new();
  if (!tmp)
    goto nomem;
  if (qe_graph_clone(g, &c, tmp) == QE_OK) {
    for (size_t i = 0; i < c->n_inputs; i++) {
      qe_tensor *t = &c->tensors[c->inputs[i]];
      for (int d = 0; d < t->rank; d++)
        if (t->dims[d] < 0)
          t->dims[d] = 1;
    }
    s->shapes_known = qe_graph_propagate(c, true, NULL, tmp) == QE_OK;
    for (size_t i = 0; i < nn; i++) {
      const qe_node *n = &c->nodes[i];
      const qe_op_def *d = qe_op_get(n->op);
      if (!d || !d->macs || (n->domain && n->domain[0]) || n->n_inputs > 64 || n->n_outputs > 64)
        continue;
      qe_vinfo in[64], o[64];
      for (int j = 0; j < n->n_inputs; j++) {
        int t = n->inputs[j];
        memset(&in[j], 0, sizeof in[j]);
        in[j].rank = -1;
        if (t >= 0)
          qe_vinfo_set(&in[j], c->tensors[t].dtype, c->tensors[t].rank, c->tensors[t].dims);
      }
      for (int j = 0; j < n->n_outputs; j++) {
        int t = n->outputs[j];
        memset(&o[j], 0, sizeof o[j]);
        o[j].rank = -1;
        if (t >= 0)
          qe_vinfo_set(&o[j], c->tensors[t].dtype, c->tensors[t].rank, c->tensors[t].dims);
      }
      int64_t m = d->macs(n, in, n->n_inputs, o, n->n_outputs);
      if (m > 0) {
        s->node_macs[i] = m;
        s->macs += m;
      }
    }
  }
  qe_graph_free(c);
  qe_ctx_free(tmp);
  free(counted);
  *out = s;
  return QE_OK;
nomem:
  free(counted);
  qe_model_stats_free(s);
  return qe_error(ctx, QE_ERR_NOMEM, "out of memory computing model statistics");
}
