/* qe_tflite_graph.c - a float TFLite model as a qe_graph with ONNX
 * semantics: TFLite's NHWC layout kept on the tensors, layout-sensitive
 * ops (conv, depthwise, pools) wrapped in Transposes to NCHW and back, so
 * qe_pass_cancel_transposes() can remove the pairs between them.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_tflite.h"
#include "qe_internal.h"
#include "qe_qmodel_private.h"

typedef struct cctx {
  const qe_qmodel *m;
  qe_graph *g;
  int *map; /* qmodel tensor -> graph tensor (-1 unmapped) */
  qe_ctx *ctx;
} cctx;

static qe_status add_tensor(cctx *c, const char *base, int rank, const int64_t *dims, int *idx)
{
  char *name = qe_graph_unique_name(c->g, base);
  qe_status st;
  if (name == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  st = qe_graph_add_tensor(c->g, name, QE_DT_F32, rank, dims, idx, c->ctx);
  free(name);
  return st;
}

static qe_status add_const(cctx *c, const char *base, qe_dtype type, int rank, const int64_t *dims,
                           const void *data, int *idx)
{
  qe_array *a = NULL;
  char *name;
  qe_status st;
  if ((st = qe_array_new(type, rank, dims, &a, c->ctx)) != QE_OK)
    return st;
  memcpy(a->data, data, qe_array_nbytes(a));
  name = qe_graph_unique_name(c->g, base);
  if (name == NULL) {
    qe_array_free(a);
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  }
  st = qe_graph_add_initializer_owned(c->g, name, a, idx, c->ctx);
  free(name);
  return st;
}

static qe_status add_node(cctx *c, qe_op op, const char *base, int n_in, const int *in, int out,
                          int *idx)
{
  char *name = qe_graph_unique_name(c->g, base ? base : qe_op_name(op));
  qe_status st;
  if (name == NULL)
    return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
  st = qe_graph_add_node(c->g, op, name, n_in, in, 1, &out, idx, c->ctx);
  free(name);
  return st;
}

/* The graph tensor of qmodel tensor @t (constants and inputs made on
 * first use). */
static qe_status tensor_of(cctx *c, int t, int *out)
{
  const qe_qtensor *x = &c->m->tensors[t];
  int64_t dims[QE_QMAX_RANK];
  int i;
  qe_status st;
  if (c->map[t] >= 0) {
    *out = c->map[t];
    return QE_OK;
  }
  for (i = 0; i < x->rank; i++)
    dims[i] = x->dims[i];
  if (x->data != NULL) {
    qe_array *a = NULL;
    char *name;
    if (x->type != QE_DT_F32 && x->type != QE_DT_I32 && x->type != QE_DT_I64)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "tensor '%s': %s constants in a float model",
                      x->name, qe_dtype_name(x->type));
    if ((st = qe_array_new(x->type, x->rank, dims, &a, c->ctx)) != QE_OK)
      return st;
    memcpy(a->data, x->data, qe_array_nbytes(a));
    name = qe_graph_unique_name(c->g, x->name[0] ? x->name : "const");
    st = name ? qe_graph_add_initializer_owned(c->g, name, a, &c->map[t], c->ctx)
              : qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
    free(name);
    if (name == NULL)
      qe_array_free(a);
  } else {
    if (x->type != QE_DT_F32)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                      "tensor '%s' is %s: only float models convert to a graph (read int8 "
                      "models as a qe_qmodel)",
                      x->name, qe_dtype_name(x->type));
    st = add_tensor(c, x->name[0] ? x->name : "t", x->rank, dims, &c->map[t]);
  }
  if (st == QE_OK)
    *out = c->map[t];
  return st;
}

/* A Transpose of graph tensor @in with @perm into a new tensor. */
static qe_status transpose(cctx *c, int in, const int64_t *perm, int rank, int *out)
{
  const qe_tensor *t = &c->g->tensors[in];
  int64_t dims[QE_MAX_RANK];
  int i, node;
  qe_status st;
  char base[160];
  for (i = 0; i < rank; i++)
    dims[i] = t->dims[perm[i]];
  snprintf(base, sizeof(base), "%s_t", t->name);
  if ((st = add_tensor(c, base, rank, dims, out)) != QE_OK ||
      (st = add_node(c, QE_OP_TRANSPOSE, base, 1, &in, *out, &node)) != QE_OK)
    return st;
  return qe_node_set_ints(&c->g->nodes[node], "perm", (size_t)rank, perm, c->ctx);
}

static const int64_t to_nchw[4] = { 0, 3, 1, 2 }, to_nhwc[4] = { 0, 2, 3, 1 };

/* Fused activation after graph tensor @y, producing @final. */
static qe_status activation(cctx *c, qe_activation a, int y, int final, const char *base)
{
  int node, ins[3];
  qe_status st;
  if (a == QE_ACT_NONE)
    return QE_OK; /* caller wrote into final directly */
  if (a == QE_ACT_RELU)
    return add_node(c, QE_OP_RELU, base, 1, &y, final, &node);
  {
    const float lo = a == QE_ACT_RELU6 ? 0.0f : -1.0f, hi = a == QE_ACT_RELU6 ? 6.0f : 1.0f;
    ins[0] = y;
    if ((st = add_const(c, "clip_min", QE_DT_F32, 0, NULL, &lo, &ins[1])) != QE_OK ||
        (st = add_const(c, "clip_max", QE_DT_F32, 0, NULL, &hi, &ins[2])) != QE_OK)
      return st;
    return add_node(c, QE_OP_CLIP, base, 3, ins, final, &node);
  }
}

/* The tensor an op writes before its fused activation. */
static qe_status pre_act(cctx *c, qe_activation a, int final, int *y)
{
  const qe_tensor *t = &c->g->tensors[final];
  char base[160];
  if (a == QE_ACT_NONE) {
    *y = final;
    return QE_OK;
  }
  snprintf(base, sizeof(base), "%s_preact", t->name);
  return add_tensor(c, base, t->rank, t->dims, y);
}

static qe_status conv_like(cctx *c, size_t i, int x, int y)
{
  const qe_qop *op = &c->m->ops[i];
  const qe_qop_prep *p = qe_qmodel_op_prep(c->m, i);
  const bool dw = op->type == QE_QOP_DEPTHWISE_CONV_2D;
  const bool pool = op->type == QE_QOP_AVERAGE_POOL_2D || op->type == QE_QOP_MAX_POOL_2D;
  const qe_qtensor *in = &c->m->tensors[op->inputs[0]], *out = &c->m->tensors[op->output];
  int xt, yt, yy, node, ins[3], n_in = 1;
  int64_t dims[4], pads[4], strides[2], dil[2], kshape[2];
  qe_status st;
  qe_op gop = op->type == QE_QOP_AVERAGE_POOL_2D ? QE_OP_AVERAGE_POOL
              : op->type == QE_QOP_MAX_POOL_2D   ? QE_OP_MAX_POOL
                                                 : QE_OP_CONV;
  int64_t fh, fw, eh, ew;

  if ((st = transpose(c, x, to_nchw, 4, &xt)) != QE_OK)
    return st;
  ins[0] = xt;
  if (pool) {
    fh = op->opt.filter_h;
    fw = op->opt.filter_w;
  } else {
    const qe_qtensor *w = &c->m->tensors[op->inputs[1]];
    const int64_t O = dw ? w->dims[3] : w->dims[0], H = w->dims[1], W = w->dims[2],
                  I = dw ? 1 : w->dims[3];
    const int64_t wd[4] = { O, I, H, W };
    const float *src = w->data;
    float *wt;
    int64_t o, ky, kx, ic;
    fh = H;
    fw = W;
    if (w->type != QE_DT_F32 || src == NULL)
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "op %zu (%s): weights must be float constants", i,
                      qe_qop_name(op->type));
    wt = malloc((size_t)(O * I * H * W) * sizeof(float) + 4);
    if (wt == NULL)
      return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
    /* OHWI (conv) or 1HW(C*M) (depthwise) -> OIHW */
    for (o = 0; o < O; o++)
      for (ic = 0; ic < I; ic++)
        for (ky = 0; ky < H; ky++)
          for (kx = 0; kx < W; kx++)
            wt[((o * I + ic) * H + ky) * W + kx] =
                dw ? src[(ky * W + kx) * O + o] : src[((o * H + ky) * W + kx) * I + ic];
    st = add_const(c, w->name, QE_DT_F32, 4, wd, wt, &ins[1]);
    free(wt);
    if (st != QE_OK)
      return st;
    n_in = 2;
    if (op->n_inputs > 2 && op->inputs[2] >= 0) {
      if ((st = tensor_of(c, op->inputs[2], &ins[2])) != QE_OK)
        return st;
      n_in = 3;
    }
  }
  /* TFLite's SAME puts the odd pixel at the end: explicit pads. */
  eh = (fh - 1) * (pool ? 1 : op->opt.dilation_h) + 1;
  ew = (fw - 1) * (pool ? 1 : op->opt.dilation_w) + 1;
  {
    const int64_t th = QE_MAX(0, (int64_t)(out->dims[1] - 1) * op->opt.stride_h + eh - in->dims[1]);
    const int64_t tw = QE_MAX(0, (int64_t)(out->dims[2] - 1) * op->opt.stride_w + ew - in->dims[2]);
    pads[0] = th / 2;
    pads[1] = tw / 2;
    pads[2] = th - th / 2;
    pads[3] = tw - tw / 2;
  }
  (void)p;
  strides[0] = op->opt.stride_h;
  strides[1] = op->opt.stride_w;
  dil[0] = op->opt.dilation_h;
  dil[1] = op->opt.dilation_w;
  kshape[0] = fh;
  kshape[1] = fw;
  dims[0] = out->dims[0];
  dims[1] = out->dims[3];
  dims[2] = out->dims[1];
  dims[3] = out->dims[2];
  {
    char base[160];
    snprintf(base, sizeof(base), "%s_nchw", c->g->tensors[y].name);
    if ((st = add_tensor(c, base, 4, dims, &yt)) != QE_OK)
      return st;
    /* the fused activation stays in NCHW, between the Transposes */
    yy = yt;
    if (op->opt.activation != QE_ACT_NONE) {
      snprintf(base, sizeof(base), "%s_nchw_preact", c->g->tensors[y].name);
      if ((st = add_tensor(c, base, 4, dims, &yy)) != QE_OK)
        return st;
    }
  }
  if ((st = add_node(c, gop, op->name, n_in, ins, yy, &node)) != QE_OK)
    return st;
  {
    qe_node *n = &c->g->nodes[node];
    if ((st = qe_node_set_ints(n, "pads", 4, pads, c->ctx)) != QE_OK ||
        (st = qe_node_set_ints(n, "strides", 2, strides, c->ctx)) != QE_OK ||
        (st = qe_node_set_ints(n, "kernel_shape", 2, kshape, c->ctx)) != QE_OK)
      return st;
    if (!pool && (st = qe_node_set_ints(n, "dilations", 2, dil, c->ctx)) != QE_OK)
      return st;
    if (dw && (st = qe_node_set_int(n, "group", in->dims[3], c->ctx)) != QE_OK)
      return st;
  }
  if (op->opt.activation != QE_ACT_NONE &&
      (st = activation(c, op->opt.activation, yy, yt, op->name)) != QE_OK)
    return st;
  {
    /* back to NHWC */
    int node2;
    if ((st = add_node(c, QE_OP_TRANSPOSE, NULL, 1, &yt, y, &node2)) != QE_OK ||
        (st = qe_node_set_ints(&c->g->nodes[node2], "perm", 4, to_nhwc, c->ctx)) != QE_OK)
      return st;
  }
  return QE_OK;
}

static qe_status convert_op(cctx *c, size_t i)
{
  const qe_qop *op = &c->m->ops[i];
  const qe_qtensor *out = &c->m->tensors[op->output];
  int x = -1, y, yy, node, ins[3];
  int64_t dims[QE_QMAX_RANK];
  int k;
  qe_status st;

  for (k = 0; k < out->rank; k++)
    dims[k] = out->dims[k];
  if ((st = tensor_of(c, op->output, &y)) != QE_OK)
    return st;
  if (op->n_inputs > 0 && op->inputs[0] >= 0 && (st = tensor_of(c, op->inputs[0], &x)) != QE_OK)
    return st;
  switch (op->type) {
  case QE_QOP_CONV_2D:
  case QE_QOP_DEPTHWISE_CONV_2D:
  case QE_QOP_AVERAGE_POOL_2D:
  case QE_QOP_MAX_POOL_2D:
    return conv_like(c, i, x, y);
  case QE_QOP_FULLY_CONNECTED: {
    const qe_qop_prep *p = qe_qmodel_op_prep(c->m, i);
    const int64_t flat[2] = { p->fc_batches, p->fc_accum }, two[1] = { 2 };
    const int64_t gd[2] = { p->fc_batches, p->fc_out };
    int a = x, shape, gy;
    if (c->g->tensors[x].rank != 2) {
      if ((st = add_const(c, "fc_shape", QE_DT_I64, 1, two, flat, &shape)) != QE_OK ||
          (st = add_tensor(c, "fc_in", 2, flat, &a)) != QE_OK)
        return st;
      ins[0] = x;
      ins[1] = shape;
      if ((st = add_node(c, QE_OP_RESHAPE, NULL, 2, ins, a, &node)) != QE_OK)
        return st;
    }
    if ((st = pre_act(c, op->opt.activation, y, &yy)) != QE_OK)
      return st;
    gy = yy;
    if (out->rank != 2 && (st = add_tensor(c, "fc_out", 2, gd, &gy)) != QE_OK)
      return st;
    ins[0] = a;
    if ((st = tensor_of(c, op->inputs[1], &ins[1])) != QE_OK)
      return st;
    k = 2;
    if (op->n_inputs > 2 && op->inputs[2] >= 0) {
      if ((st = tensor_of(c, op->inputs[2], &ins[2])) != QE_OK)
        return st;
      k = 3;
    }
    if ((st = add_node(c, QE_OP_GEMM, op->name, k, ins, gy, &node)) != QE_OK ||
        (st = qe_node_set_int(&c->g->nodes[node], "transB", 1, c->ctx)) != QE_OK)
      return st;
    if (gy != yy) {
      const int64_t r[1] = { out->rank };
      if ((st = add_const(c, "fc_out_shape", QE_DT_I64, 1, r, dims, &shape)) != QE_OK)
        return st;
      ins[0] = gy;
      ins[1] = shape;
      if ((st = add_node(c, QE_OP_RESHAPE, NULL, 2, ins, yy, &node)) != QE_OK)
        return st;
    }
    return activation(c, op->opt.activation, yy, y, op->name);
  }
  case QE_QOP_ADD:
  case QE_QOP_MUL:
    if ((st = pre_act(c, op->opt.activation, y, &yy)) != QE_OK)
      return st;
    ins[0] = x;
    if ((st = tensor_of(c, op->inputs[1], &ins[1])) != QE_OK ||
        (st = add_node(c, op->type == QE_QOP_ADD ? QE_OP_ADD : QE_OP_MUL, op->name, 2, ins, yy,
                       &node)) != QE_OK)
      return st;
    return activation(c, op->opt.activation, yy, y, op->name);
  case QE_QOP_RELU:
    return add_node(c, QE_OP_RELU, op->name, 1, &x, y, &node);
  case QE_QOP_RELU6:
    return activation(c, QE_ACT_RELU6, x, y, op->name);
  case QE_QOP_LOGISTIC:
    return add_node(c, QE_OP_SIGMOID, op->name, 1, &x, y, &node);
  case QE_QOP_TANH:
    return add_node(c, QE_OP_TANH, op->name, 1, &x, y, &node);
  case QE_QOP_HARD_SWISH:
    return add_node(c, QE_OP_HARD_SWISH, op->name, 1, &x, y, &node);
  case QE_QOP_SOFTMAX: {
    int a = x;
    if (op->opt.beta != 1.0f) {
      const int64_t *xd = c->g->tensors[x].dims;
      int b;
      if ((st = add_const(c, "beta", QE_DT_F32, 0, NULL, &op->opt.beta, &b)) != QE_OK ||
          (st = add_tensor(c, "softmax_in", c->g->tensors[x].rank, xd, &a)) != QE_OK)
        return st;
      ins[0] = x;
      ins[1] = b;
      if ((st = add_node(c, QE_OP_MUL, NULL, 2, ins, a, &node)) != QE_OK)
        return st;
    }
    if ((st = add_node(c, QE_OP_SOFTMAX, op->name, 1, &a, y, &node)) != QE_OK)
      return st;
    return qe_node_set_int(&c->g->nodes[node], "axis", -1, c->ctx);
  }
  case QE_QOP_RESHAPE: {
    const int64_t r[1] = { out->rank };
    int shape;
    if ((st = add_const(c, "shape", QE_DT_I64, 1, r, dims, &shape)) != QE_OK)
      return st;
    ins[0] = x;
    ins[1] = shape;
    return add_node(c, QE_OP_RESHAPE, op->name, 2, ins, y, &node);
  }
  case QE_QOP_TRANSPOSE:
  case QE_QOP_PAD:
  case QE_QOP_MEAN: {
    const qe_qop_prep *p = qe_qmodel_op_prep(c->m, i);
    int64_t v[2 * QE_QMAX_RANK];
    int n = 0;
    if (op->type == QE_QOP_TRANSPOSE) {
      for (k = 0; k < p->rank; k++)
        v[k] = p->perm[k];
      if ((st = add_node(c, QE_OP_TRANSPOSE, op->name, 1, &x, y, &node)) != QE_OK)
        return st;
      return qe_node_set_ints(&c->g->nodes[node], "perm", (size_t)p->rank, v, c->ctx);
    }
    if (op->type == QE_QOP_MEAN) {
      for (k = 0; k < p->rank; k++)
        if (p->mean_axes_mask & (1 << k))
          v[n++] = k;
      if ((st = add_node(c, QE_OP_REDUCE_MEAN, op->name, 1, &x, y, &node)) != QE_OK ||
          (st = qe_node_set_ints(&c->g->nodes[node], "axes", (size_t)n, v, c->ctx)) != QE_OK)
        return st;
      return qe_node_set_int(&c->g->nodes[node], "keepdims", op->opt.keep_dims, c->ctx);
    }
    {
      const int64_t pd[1] = { 2 * p->rank };
      int pads;
      for (k = 0; k < p->rank; k++) {
        v[k] = p->pad_before[k];
        v[p->rank + k] = p->pad_after[k];
      }
      if ((st = add_const(c, "pads", QE_DT_I64, 1, pd, v, &pads)) != QE_OK)
        return st;
      ins[0] = x;
      ins[1] = pads;
      return add_node(c, QE_OP_PAD, op->name, 2, ins, y, &node);
    }
  }
  case QE_QOP_RESIZE_BILINEAR:
  case QE_QOP_RESIZE_NEAREST_NEIGHBOR: {
    const bool bl = op->type == QE_QOP_RESIZE_BILINEAR;
    const int64_t four[1] = { 4 };
    const int64_t sizes[4] = { out->dims[0], out->dims[3], out->dims[1], out->dims[2] };
    int xt, yt, sz, node2;
    const char *ctm = op->opt.align_corners         ? "align_corners"
                      : !op->opt.half_pixel_centers ? "asymmetric"
                      : bl                          ? "half_pixel"
                                                    : "tf_half_pixel_for_nn";
    if ((st = transpose(c, x, to_nchw, 4, &xt)) != QE_OK ||
        (st = add_const(c, "sizes", QE_DT_I64, 1, four, sizes, &sz)) != QE_OK ||
        (st = add_tensor(c, "resized", 4, sizes, &yt)) != QE_OK)
      return st;
    ins[0] = xt;
    ins[1] = -1;
    ins[2] = -1;
    {
      int rin[4] = { xt, -1, -1, sz };
      if ((st = add_node(c, QE_OP_RESIZE, op->name, 4, rin, yt, &node)) != QE_OK)
        return st;
    }
    if ((st = qe_node_set_string(&c->g->nodes[node], "mode", bl ? "linear" : "nearest", c->ctx)) !=
            QE_OK ||
        (st = qe_node_set_string(&c->g->nodes[node], "coordinate_transformation_mode", ctm,
                                 c->ctx)) != QE_OK ||
        (!bl && (st = qe_node_set_string(&c->g->nodes[node], "nearest_mode",
                                         op->opt.align_corners ? "round_prefer_ceil" : "floor",
                                         c->ctx)) != QE_OK))
      return st;
    if ((st = add_node(c, QE_OP_TRANSPOSE, NULL, 1, &yt, y, &node2)) != QE_OK)
      return st;
    return qe_node_set_ints(&c->g->nodes[node2], "perm", 4, to_nhwc, c->ctx);
  }
  case QE_QOP_CONCATENATION: {
    int *cin = malloc(sizeof(int) * (size_t)op->n_inputs + 1);
    int axis = op->opt.axis < 0 ? op->opt.axis + out->rank : op->opt.axis;
    if (cin == NULL)
      return qe_error(c->ctx, QE_ERR_NOMEM, "out of memory");
    for (k = 0; k < op->n_inputs; k++)
      if ((st = tensor_of(c, op->inputs[k], &cin[k])) != QE_OK) {
        free(cin);
        return st;
      }
    if (op->opt.activation != QE_ACT_NONE) {
      free(cin);
      return qe_error(c->ctx, QE_ERR_UNSUPPORTED, "op %zu (CONCATENATION): fused activation", i);
    }
    st = add_node(c, QE_OP_CONCAT, op->name, op->n_inputs, cin, y, &node);
    free(cin);
    if (st != QE_OK)
      return st;
    return qe_node_set_int(&c->g->nodes[node], "axis", axis, c->ctx);
  }
  default:
    return qe_error(c->ctx, QE_ERR_UNSUPPORTED,
                    "op %zu (%s): quantized ops do not convert to a float graph", i,
                    qe_qop_name(op->type));
  }
}

qe_status qe_qmodel_to_graph(const qe_qmodel *m, qe_graph **out, qe_ctx *ctx)
{
  cctx c;
  size_t i;
  qe_status st;
  *out = NULL;
  if (m == NULL || m->prep == NULL)
    return qe_error(ctx, QE_ERR_INVALID, "the model must be prepared");
  memset(&c, 0, sizeof(c));
  c.m = m;
  c.ctx = ctx;
  if ((st = qe_graph_new(&c.g, ctx)) != QE_OK)
    return st;
  c.map = malloc(sizeof(int) * (m->n_tensors + 1));
  if (c.map == NULL) {
    qe_graph_free(c.g);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (i = 0; i < m->n_tensors; i++)
    c.map[i] = -1;
  if ((st = qe_graph_set_opset(c.g, "", 13, ctx)) != QE_OK)
    goto fail;
  for (i = 0; i < m->n_inputs; i++) {
    int t;
    if ((st = tensor_of(&c, m->inputs[i], &t)) != QE_OK ||
        (st = qe_graph_add_input(c.g, t, ctx)) != QE_OK)
      goto fail;
  }
  for (i = 0; i < m->n_ops; i++)
    if ((st = convert_op(&c, i)) != QE_OK)
      goto fail;
  for (i = 0; i < m->n_outputs; i++) {
    int t;
    if ((st = tensor_of(&c, m->outputs[i], &t)) != QE_OK ||
        (st = qe_graph_add_output(c.g, t, ctx)) != QE_OK)
      goto fail;
  }
  c.g->source_format = qe_strdup("tflite");
  if (m->description)
    c.g->doc = qe_strdup(m->description);
  free(c.map);
  *out = c.g;
  return QE_OK;
fail:
  free(c.map);
  qe_graph_free(c.g);
  return st;
}

qe_status qe_tflite_read_graph(const void *data, size_t size, const char *name, qe_graph **out,
                               qe_ctx *ctx)
{
  qe_qmodel *m = NULL;
  qe_status st = qe_tflite_read(data, size, name, &m, ctx);
  *out = NULL;
  if (st != QE_OK)
    return st;
  st = qe_qmodel_to_graph(m, out, ctx);
  if (st != QE_OK)
    qe_error_prefix(ctx, "%s", name ? name : "tflite");
  qe_qmodel_free(m);
  return st;
}

qe_status qe_tflite_load_graph(const char *path, qe_graph **out, qe_ctx *ctx)
{
  uint8_t *data = NULL;
  size_t size = 0;
  qe_status st;
  *out = NULL;
  if ((st = qe_read_file(path, &data, &size, ctx)) != QE_OK)
    return st;
  st = qe_tflite_read_graph(data, size, path, out, ctx);
  if (st == QE_OK && (*out)->source_path == NULL)
    (*out)->source_path = qe_strdup(path);
  free(data);
  return st;
}
