/* ops_index.c - index-driven ops: TopK, EyeLike, OneHot, ScatterElements
 * (and the older Scatter), GatherND, ScatterND. Type-generic where the op
 * only moves elements.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qe_graph_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

static bool numeric(qe_dtype t)
{
  return t == QE_DT_UNDEFINED || ((qe_dtype_is_float(t) || qe_dtype_is_int(t) || t == QE_DT_BOOL) &&
                                  t != QE_DT_BF16 && t != QE_DT_I4);
}

static bool index_type(qe_dtype t)
{
  return t == QE_DT_UNDEFINED || t == QE_DT_I64 || t == QE_DT_I32;
}

/* ---- TopK ------------------------------------------------------------------ */

typedef struct kv {
  double v;
  int64_t i;
} kv;

static int cmp_largest(const void *pa, const void *pb)
{
  const kv *a = pa, *b = pb;
  if (a->v != b->v)
    return a->v > b->v ? -1 : 1;
  return a->i < b->i ? -1 : (a->i > b->i);
}

static int cmp_smallest(const void *pa, const void *pb)
{
  const kv *a = pa, *b = pb;
  if (a->v != b->v)
    return a->v < b->v ? -1 : 1;
  return a->i < b->i ? -1 : (a->i > b->i);
}

static bool topk_k(const qe_node *n, int64_t opset, const qe_array *kin, int64_t *k)
{
  if (opset < 10) {
    const qe_attr *at = qe_node_attr(n, "k");
    if (!at)
      return false;
    *k = at->i;
    return true;
  }
  if (!kin || qe_array_count(kin) != 1)
    return false;
  *k = qe_array_get_i64(kin, 0);
  return true;
}

static qe_status topk_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (!numeric(x->dtype) || x->dtype == QE_DT_BOOL)
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  a->out[0].dtype = x->dtype;
  if (a->n_out > 1)
    a->out[1].dtype = QE_DT_I64;
  if (x->rank < 0)
    return QE_OK;
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", -1), x->rank, &ax))
    return ERR("axis out of range");
  int64_t k = -1;
  if (topk_k(a->node, a->opset, a->n_in > 1 ? a->in[1].value : NULL, &k) &&
      (k < 0 || (x->dims[ax] >= 0 && k > x->dims[ax])))
    return ERR("k = %lld is not in [0, %lld]", (long long)k, (long long)x->dims[ax]);
  int64_t d[QE_MAX_RANK];
  memcpy(d, x->dims, sizeof d);
  d[ax] = k;
  for (int i = 0; i < a->n_out; i++)
    qe_vinfo_set(&a->out[i], i == 0 ? x->dtype : QE_DT_I64, x->rank, d);
  return QE_OK;
}

static qe_status topk_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", -1), X->rank, &ax);
  int64_t k = a->out[0]->dims[ax];
  bool largest = qe_node_int(a->node, "largest", 1) != 0;
  int64_t outer = qe_dims_prod(X->dims, 0, ax), len = X->dims[ax];
  int64_t inner = qe_dims_prod(X->dims, ax + 1, X->rank);
  kv *buf = qe_scratch_get(a, (size_t)(len ? len : 1) * sizeof(kv));
  if (!buf)
    return QE_ERR_NOMEM;
  qe_array *V = a->out[0], *I = a->n_out > 1 ? a->out[1] : NULL;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      for (int64_t i = 0; i < len; i++) {
        buf[i].v = qe_array_get_f64(X, (size_t)((o * len + i) * inner + in));
        buf[i].i = i;
      }
      qsort(buf, (size_t)len, sizeof(kv), largest ? cmp_largest : cmp_smallest);
      for (int64_t j = 0; j < k; j++) {
        size_t dst = (size_t)((o * k + j) * inner + in);
        size_t src = (size_t)((o * len + buf[j].i) * inner + in);
        size_t es = qe_dtype_size(X->dtype);
        memcpy((char *)V->data + dst * es, (const char *)X->data + src * es, es);
        if (I)
          ((int64_t *)I->data)[dst] = buf[j].i;
      }
    }
  return QE_OK;
}

/* ---- EyeLike, OneHot ----------------------------------------------------------- */

static qe_status eyelike_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_dtype dt = x->dtype;
  const qe_attr *d = qe_node_attr(a->node, "dtype");
  if (d)
    dt = qe_dtype_from_onnx(d->i);
  if (!numeric(dt) || dt == QE_DT_UNDEFINED)
    return UNSUP("type %s", qe_dtype_name(dt));
  if (x->rank >= 0 && x->rank != 2)
    return ERR("input must be 2-D");
  qe_vinfo_set(&a->out[0], dt, x->rank, x->dims);
  return QE_OK;
}

static qe_status eyelike_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t k = qe_node_int(a->node, "k", 0), R = Y->dims[0], C = Y->dims[1];
  memset(Y->data, 0, qe_array_nbytes(Y));
  for (int64_t i = 0; i < R; i++)
    if (i + k >= 0 && i + k < C)
      qe_array_set_f64(Y, (size_t)(i * C + i + k), 1.0);
  return QE_OK;
}

static qe_status onehot_infer(const qe_infer_args *a)
{
  const qe_vinfo *ind = &a->in[0], *depth = &a->in[1], *vals = &a->in[2];
  if (!numeric(ind->dtype) || !numeric(vals->dtype))
    return UNSUP("types %s / %s", qe_dtype_name(ind->dtype), qe_dtype_name(vals->dtype));
  if (vals->rank >= 0 && qe_dims_prod(vals->dims, 0, vals->rank) != 2)
    return ERR("values must hold [off, on]");
  a->out[0].dtype = vals->dtype;
  if (ind->rank < 0)
    return QE_OK;
  int r = ind->rank + 1;
  if (r > QE_MAX_RANK)
    return UNSUP("rank %d", r);
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", -1), r, &ax))
    return ERR("axis out of range");
  int64_t dp = -1;
  if (depth->value) {
    double dv = qe_array_get_f64(depth->value, 0);
    if (!(dv >= 1) || dv > 1e9)
      return ERR("depth %g", dv);
    dp = (int64_t)dv;
  }
  int64_t d[QE_MAX_RANK];
  for (int i = 0, k = 0; i < r; i++)
    d[i] = i == ax ? dp : ind->dims[k++];
  qe_vinfo_set(&a->out[0], vals->dtype, r, d);
  return QE_OK;
}

static qe_status onehot_exec(const qe_exec_args *a)
{
  const qe_array *I = a->in[0], *V = a->in[2];
  qe_array *Y = a->out[0];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", -1), Y->rank, &ax);
  int64_t depth = Y->dims[ax];
  int64_t outer = qe_dims_prod(Y->dims, 0, ax), inner = qe_dims_prod(Y->dims, ax + 1, Y->rank);
  size_t es = qe_dtype_size(Y->dtype);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t d = 0; d < depth; d++)
      for (int64_t in = 0; in < inner; in++) {
        int64_t v = qe_array_get_i64(I, (size_t)(o * inner + in));
        if (v < 0)
          v += depth;
        size_t dst = (size_t)((o * depth + d) * inner + in);
        memcpy((char *)Y->data + dst * es, (const char *)V->data + (v == d ? es : 0), es);
      }
  return QE_OK;
}

/* ---- ScatterElements / Scatter ----------------------------------------------- */

static qe_status scatter_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *ind = &a->in[1], *up = &a->in[2];
  if (!numeric(x->dtype) || !index_type(ind->dtype))
    return UNSUP("types %s / %s", qe_dtype_name(x->dtype), qe_dtype_name(ind->dtype));
  if (up->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_UNDEFINED && up->dtype != x->dtype)
    return ERR("updates type differs from data");
  const char *red = qe_node_string(a->node, "reduction", "none");
  if (strcmp(red, "none") && strcmp(red, "add") && strcmp(red, "mul"))
    return UNSUP("reduction '%s'", red);
  if (ind->rank >= 0 && up->rank >= 0 &&
      (ind->rank != up->rank || memcmp(ind->dims, up->dims, sizeof(int64_t) * ind->rank)))
    return ERR("indices and updates shapes differ");
  if (x->rank >= 0 && ind->rank >= 0 && x->rank != ind->rank)
    return ERR("data and indices ranks differ");
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
  return QE_OK;
}

static void reduce_into(qe_array *Y, size_t dst, const qe_array *U, size_t src, int red)
{
  if (red == 0) {
    size_t es = qe_dtype_size(Y->dtype);
    memcpy((char *)Y->data + dst * es, (const char *)U->data + src * es, es);
  } else if (qe_dtype_is_float(Y->dtype)) {
    double v = qe_array_get_f64(Y, dst), u = qe_array_get_f64(U, src);
    qe_array_set_f64(Y, dst, red == 1 ? v + u : v * u);
  } else {
    int64_t v = qe_array_get_i64(Y, dst), u = qe_array_get_i64(U, src);
    qe_array_set_i64(Y, dst, red == 1 ? v + u : v * u);
  }
}

static int reduction(const qe_node *n)
{
  const char *red = qe_node_string(n, "reduction", "none");
  return strcmp(red, "add") == 0 ? 1 : strcmp(red, "mul") == 0 ? 2 : 0;
}

qe_status qe_elements_walk(const qe_node *n, qe_ctx *ctx, const qe_array *X, const qe_array *I,
                           int axis, void (*fn)(int64_t e, int64_t off, void *user), void *user)
{
  const int r = X->rank;
  int64_t xs[QE_MAX_RANK], idx[QE_MAX_RANK] = { 0 };
  qe_row_strides(X->dims, r, xs);
  int64_t total = qe_array_count(I);
  for (int64_t e = 0; e < total; e++) {
    int64_t v = qe_array_get_i64(I, (size_t)e);
    if (v < 0)
      v += X->dims[axis];
    if (v < 0 || v >= X->dims[axis])
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "index %lld out of range",
                         (long long)qe_array_get_i64(I, (size_t)e));
    int64_t off = 0;
    for (int i = 0; i < r; i++) {
      int64_t k = i == axis ? v : idx[i];
      if (k >= X->dims[i])
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "indices larger than the data");
      off += k * xs[i];
    }
    fn(e, off, user);
    qe_index_next(idx, I->dims, r);
  }
  return QE_OK;
}

typedef struct scatter_el {
  qe_array *Y;
  const qe_array *U;
  int red;
} scatter_el;

static void scatter_one(int64_t e, int64_t off, void *user)
{
  const scatter_el *s = user;
  reduce_into(s->Y, (size_t)off, s->U, (size_t)e, s->red);
}

static qe_status scatter_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *I = a->in[1];
  scatter_el s = { a->out[0], a->in[2], reduction(a->node) };
  memcpy(s.Y->data, X->data, qe_array_nbytes(X));
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", 0), X->rank, &ax);
  return qe_elements_walk(a->node, a->ctx, X, I, ax, scatter_one, &s);
}

/* ---- GatherND, ScatterND -------------------------------------------------------- */

static qe_status gathernd_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *ind = &a->in[1];
  if (!numeric(x->dtype) || (ind->dtype != QE_DT_UNDEFINED && ind->dtype != QE_DT_I64))
    return UNSUP("types %s / %s", qe_dtype_name(x->dtype), qe_dtype_name(ind->dtype));
  a->out[0].dtype = x->dtype;
  if (x->rank < 0 || ind->rank < 0 || ind->dims[ind->rank - 1] < 0)
    return QE_OK;
  int64_t b = qe_node_int(a->node, "batch_dims", 0);
  int64_t q = ind->dims[ind->rank - 1];
  if (ind->rank < 1 || b < 0 || b >= ind->rank || b + q > x->rank)
    return ERR("indices do not fit the data");
  int r = ind->rank - 1 + x->rank - (int)(b + q);
  if (r > QE_MAX_RANK)
    return UNSUP("rank %d", r);
  int64_t d[QE_MAX_RANK];
  int k = 0;
  for (int i = 0; i < ind->rank - 1; i++)
    d[k++] = ind->dims[i];
  for (int i = (int)(b + q); i < x->rank; i++)
    d[k++] = x->dims[i];
  qe_vinfo_set(&a->out[0], x->dtype, r, d);
  return QE_OK;
}

/* Offset of the slice selected by index tuple @t (of @q values) for batch
 * position @bpos; -1 when out of range. */
static int64_t nd_offset(const qe_array *X, int64_t b, int64_t q, const int64_t *t, int64_t bpos)
{
  int64_t xs[QE_MAX_RANK];
  qe_row_strides(X->dims, X->rank, xs);
  int64_t off = 0, rem = bpos;
  for (int i = (int)b - 1; i >= 0; i--) {
    off += (rem % X->dims[i]) * xs[i];
    rem /= X->dims[i];
  }
  for (int64_t j = 0; j < q; j++) {
    int64_t v = t[j], dim = X->dims[b + j];
    if (v < 0)
      v += dim;
    if (v < 0 || v >= dim)
      return -1;
    off += v * xs[b + j];
  }
  return off;
}

static qe_status gathernd_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *I = a->in[1];
  int64_t b = qe_node_int(a->node, "batch_dims", 0), q = I->dims[I->rank - 1];
  int64_t n_t = qe_dims_prod(I->dims, 0, I->rank - 1);
  int64_t per_batch = qe_dims_prod(I->dims, (int)b, I->rank - 1);
  int64_t slice = qe_dims_prod(X->dims, (int)(b + q), X->rank);
  size_t es = qe_dtype_size(X->dtype);
  const int64_t *ix = I->data;
  for (int64_t t = 0; t < n_t; t++) {
    int64_t off = nd_offset(X, b, q, ix + t * q, per_batch ? t / per_batch : 0);
    if (off < 0)
      return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "index out of range");
    memcpy((char *)a->out[0]->data + t * slice * (int64_t)es,
           (const char *)X->data + off * (int64_t)es, (size_t)slice * es);
  }
  return QE_OK;
}

static qe_status scatternd_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *ind = &a->in[1];
  if (!numeric(x->dtype) || (ind->dtype != QE_DT_UNDEFINED && ind->dtype != QE_DT_I64))
    return UNSUP("types %s / %s", qe_dtype_name(x->dtype), qe_dtype_name(ind->dtype));
  const char *red = qe_node_string(a->node, "reduction", "none");
  if (strcmp(red, "none") && strcmp(red, "add") && strcmp(red, "mul"))
    return UNSUP("reduction '%s'", red);
  if (x->rank >= 0 && ind->rank >= 1 && ind->dims[ind->rank - 1] > x->rank)
    return ERR("index tuples longer than the data's rank");
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
  return QE_OK;
}

static qe_status scatternd_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *I = a->in[1], *U = a->in[2];
  qe_array *Y = a->out[0];
  memcpy(Y->data, X->data, qe_array_nbytes(X));
  int64_t q = I->dims[I->rank - 1], n_t = qe_dims_prod(I->dims, 0, I->rank - 1);
  int64_t slice = qe_dims_prod(X->dims, (int)q, X->rank);
  if (qe_array_count(U) != n_t * slice)
    return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "updates do not fit the indices");
  int red = reduction(a->node);
  const int64_t *ix = I->data;
  for (int64_t t = 0; t < n_t; t++) {
    int64_t off = nd_offset(X, 0, q, ix + t * q, 0);
    if (off < 0)
      return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "index out of range");
    for (int64_t j = 0; j < slice; j++)
      reduce_into(Y, (size_t)(off + j), U, (size_t)(t * slice + j), red);
  }
  return QE_OK;
}

/* ---- NonZero, Compress (output size from the values) ------------------------- */

static qe_status nonzero_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (!numeric(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  int64_t d[2] = { x->rank < 0 ? -1 : (x->rank ? x->rank : 1), -1 };
  if (x->value) {
    int64_t c = qe_array_count(x->value), nz = 0;
    for (int64_t i = 0; i < c; i++)
      nz += qe_array_get_f64(x->value, (size_t)i) != 0;
    d[1] = nz;
  }
  qe_vinfo_set(&a->out[0], QE_DT_I64, 2, d);
  return QE_OK;
}

static qe_status nonzero_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int64_t *y = a->out[0]->data, nz = a->out[0]->dims[1], c = qe_array_count(X), k = 0;
  int r = X->rank;
  int64_t idx[QE_MAX_RANK] = { 0 };
  for (int64_t e = 0; e < c; e++) {
    if (qe_array_get_f64(X, (size_t)e) != 0) {
      for (int i = 0; i < (r ? r : 1); i++)
        y[i * nz + k] = r ? idx[i] : 0;
      k++;
    }
    qe_index_next(idx, X->dims, r);
  }
  return QE_OK;
}

static qe_status compress_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *cond = &a->in[1];
  if (!numeric(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  if (cond->dtype != QE_DT_UNDEFINED && cond->dtype != QE_DT_BOOL)
    return ERR("condition must be bool");
  if (cond->rank > 1)
    return ERR("condition must be 1-D");
  const qe_attr *axa = qe_node_attr(a->node, "axis");
  int64_t kept = -1;
  if (cond->value) {
    kept = 0;
    for (int64_t i = 0; i < qe_array_count(cond->value); i++)
      kept += qe_array_get_i64(cond->value, (size_t)i) != 0;
  }
  if (!axa) {
    qe_vinfo_set(&a->out[0], x->dtype, 1, &kept);
    return QE_OK;
  }
  if (x->rank < 0) {
    a->out[0].dtype = x->dtype;
    return QE_OK;
  }
  int ax;
  if (!qe_norm_axis(axa->i, x->rank, &ax))
    return ERR("axis out of range");
  if (cond->rank == 1 && cond->dims[0] > x->dims[ax] && x->dims[ax] >= 0)
    return ERR("condition longer than the axis");
  int64_t d[QE_MAX_RANK];
  memcpy(d, x->dims, sizeof d);
  d[ax] = kept;
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, d);
  return QE_OK;
}

static qe_status compress_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *C = a->in[1];
  const qe_attr *axa = qe_node_attr(a->node, "axis");
  size_t es = qe_dtype_size(X->dtype);
  int64_t nc = qe_array_count(C);
  char *y = a->out[0]->data;
  if (!axa) {
    int64_t c = qe_array_count(X), k = 0;
    for (int64_t i = 0; i < c && i < nc; i++)
      if (qe_array_get_i64(C, (size_t)i))
        memcpy(y + (k++) * (int64_t)es, (const char *)X->data + i * (int64_t)es, es);
    return QE_OK;
  }
  int ax;
  qe_norm_axis(axa->i, X->rank, &ax);
  int64_t outer = qe_dims_prod(X->dims, 0, ax), len = X->dims[ax];
  int64_t inner = qe_dims_prod(X->dims, ax + 1, X->rank), kept = a->out[0]->dims[ax];
  for (int64_t o = 0; o < outer; o++) {
    int64_t k = 0;
    for (int64_t i = 0; i < len && i < nc; i++)
      if (qe_array_get_i64(C, (size_t)i)) {
        memcpy(y + ((o * kept + k) * inner) * (int64_t)es,
               (const char *)X->data + ((o * len + i) * inner) * (int64_t)es, (size_t)inner * es);
        k++;
      }
  }
  return QE_OK;
}

/* ---- NonMaxSuppression -------------------------------------------------------- */

typedef struct nms_cand {
  float score;
  int64_t box;
} nms_cand;

static int nms_cmp(const void *pa, const void *pb)
{
  const nms_cand *a = pa, *b = pb;
  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return a->box < b->box ? -1 : (a->box > b->box);
}

/* Corners (y1, x1, y2, x2) normalised so y1 <= y2, x1 <= x2. */
static void nms_corners(const float *b, bool center, float *c)
{
  if (center) {
    c[0] = b[1] - b[3] / 2;
    c[1] = b[0] - b[2] / 2;
    c[2] = b[1] + b[3] / 2;
    c[3] = b[0] + b[2] / 2;
  } else {
    c[0] = fminf(b[0], b[2]);
    c[1] = fminf(b[1], b[3]);
    c[2] = fmaxf(b[0], b[2]);
    c[3] = fmaxf(b[1], b[3]);
  }
}

static float nms_iou(const float *a, const float *b)
{
  float ih = fminf(a[2], b[2]) - fmaxf(a[0], b[0]);
  float iw = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
  if (ih <= 0 || iw <= 0)
    return 0;
  float inter = ih * iw;
  float uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? inter / uni : 0;
}

/* Run NMS; writes the selections (3 values each) into @out when not NULL;
 * returns their count, or -1 when memory ran out. */
static int64_t nms_run(const qe_node *n, const qe_array *const *in, int n_in, int64_t *out)
{
  const qe_array *B = in[0], *S = in[1];
  int64_t nb = B->dims[0], nbox = B->dims[1], nc = S->dims[1];
  int64_t max_out = n_in > 2 && in[2] && qe_array_count(in[2]) ? qe_array_get_i64(in[2], 0) : 0;
  float iou_th = n_in > 3 && in[3] && qe_array_count(in[3]) ? (float)qe_array_get_f64(in[3], 0) : 0;
  bool has_st = n_in > 4 && in[4] && qe_array_count(in[4]);
  float score_th = has_st ? (float)qe_array_get_f64(in[4], 0) : 0;
  bool center = qe_node_int(n, "center_point_box", 0) != 0;
  if (max_out <= 0 || nbox == 0)
    return 0;
  nms_cand *cand = malloc((size_t)nbox * sizeof *cand);
  int64_t *sel = malloc((size_t)nbox * sizeof *sel);
  if (!cand || !sel) {
    free(cand);
    free(sel);
    return -1;
  }
  const float *boxes = B->data, *scores = S->data;
  int64_t total = 0;
  for (int64_t b = 0; b < nb; b++)
    for (int64_t c = 0; c < nc; c++) {
      int64_t m = 0, ns = 0;
      for (int64_t i = 0; i < nbox; i++) {
        float sc = scores[(b * nc + c) * nbox + i];
        if (!has_st || sc > score_th) {
          cand[m].score = sc;
          cand[m++].box = i;
        }
      }
      qsort(cand, (size_t)m, sizeof *cand, nms_cmp);
      for (int64_t k = 0; k < m && ns < max_out; k++) {
        float ck[4];
        nms_corners(boxes + (b * nbox + cand[k].box) * 4, center, ck);
        bool keep = true;
        for (int64_t s = 0; s < ns && keep; s++) {
          float cs[4];
          nms_corners(boxes + (b * nbox + sel[s]) * 4, center, cs);
          keep = nms_iou(ck, cs) <= iou_th;
        }
        if (!keep)
          continue;
        sel[ns++] = cand[k].box;
        if (out) {
          out[total * 3] = b;
          out[total * 3 + 1] = c;
          out[total * 3 + 2] = cand[k].box;
        }
        total++;
      }
    }
  free(cand);
  free(sel);
  return total;
}

static qe_status nms_infer(const qe_infer_args *a)
{
  const qe_vinfo *bx = &a->in[0], *sc = &a->in[1];
  if ((bx->dtype != QE_DT_UNDEFINED && bx->dtype != QE_DT_F32) ||
      (sc->dtype != QE_DT_UNDEFINED && sc->dtype != QE_DT_F32))
    return UNSUP("boxes and scores must be float32");
  if (bx->rank >= 0 && (bx->rank != 3 || (bx->dims[2] >= 0 && bx->dims[2] != 4)))
    return ERR("boxes must be [batch, boxes, 4]");
  if (sc->rank >= 0 && sc->rank != 3)
    return ERR("scores must be [batch, classes, boxes]");
  if (bx->rank == 3 && sc->rank == 3 &&
      ((bx->dims[0] >= 0 && sc->dims[0] >= 0 && bx->dims[0] != sc->dims[0]) ||
       (bx->dims[1] >= 0 && sc->dims[2] >= 0 && bx->dims[1] != sc->dims[2])))
    return ERR("boxes and scores do not match");
  int64_t d[2] = { -1, 3 };
  bool known = bx->value && sc->value;
  for (int i = 2; i < a->n_in && known; i++)
    if (a->in[i].present && !a->in[i].value)
      known = false;
  if (known) {
    const qe_array *ins[5] = { 0 };
    for (int i = 0; i < a->n_in && i < 5; i++)
      ins[i] = a->in[i].present ? a->in[i].value : NULL;
    int64_t c = nms_run(a->node, ins, a->n_in, NULL);
    if (c < 0)
      return qe_op_error(a->node, a->ctx, QE_ERR_NOMEM, "out of memory");
    d[0] = c;
  }
  qe_vinfo_set(&a->out[0], QE_DT_I64, 2, d);
  return QE_OK;
}

static qe_status nms_exec(const qe_exec_args *a)
{
  if (nms_run(a->node, a->in, a->n_in, a->out[0]->data) < 0)
    return qe_op_error(a->node, a->ctx, QE_ERR_NOMEM, "out of memory");
  return QE_OK;
}

/* ---- windows, ReverseSequence, Det ------------------------------------------- */

static qe_status window_infer(const qe_infer_args *a)
{
  qe_dtype dt = qe_dtype_from_onnx(qe_node_int(a->node, "output_datatype", 1));
  if (!qe_dtype_is_float(dt) && !qe_dtype_is_int(dt))
    return UNSUP("output_datatype %lld", (long long)qe_node_int(a->node, "output_datatype", 1));
  int64_t d = -1;
  if (a->in[0].value) {
    d = qe_array_get_i64(a->in[0].value, 0);
    if (d < 0 || d > ((int64_t)1 << 30))
      return ERR("size %lld", (long long)d);
  }
  qe_vinfo_set(&a->out[0], dt, 1, &d);
  return QE_OK;
}

static qe_status window_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t n = Y->dims[0];
  bool periodic = qe_node_int(a->node, "periodic", 1) != 0;
  double N1 = (double)(periodic ? n : n - 1);
  for (int64_t i = 0; i < n; i++) {
    double t = N1 > 0 ? 2.0 * M_PI * (double)i / N1 : 0, v;
    switch (a->node->op) {
    case QE_OP_HANN_WINDOW:
      v = 0.5 - 0.5 * cos(t);
      break;
    case QE_OP_HAMMING_WINDOW:
      v = 25.0 / 46.0 - 21.0 / 46.0 * cos(t);
      break;
    default:
      v = 0.42 - 0.5 * cos(t) + 0.08 * cos(2 * t);
    }
    qe_array_set_f64(Y, (size_t)i, v);
  }
  return QE_OK;
}

static qe_status revseq_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (!numeric(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  int64_t ta = qe_node_int(a->node, "time_axis", 0), ba = qe_node_int(a->node, "batch_axis", 1);
  if (!((ta == 0 && ba == 1) || (ta == 1 && ba == 0)))
    return ERR("time_axis and batch_axis must be 0 and 1");
  if (x->rank >= 0 && x->rank < 2)
    return ERR("input of rank %d", x->rank);
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
  return QE_OK;
}

static qe_status revseq_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *L = a->in[1];
  int64_t ta = qe_node_int(a->node, "time_axis", 0);
  int64_t T = X->dims[ta], B = X->dims[1 - ta], inner = qe_dims_prod(X->dims, 2, X->rank);
  size_t es = qe_dtype_size(X->dtype);
  if (qe_array_count(L) != B)
    return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "sequence_lens must have %lld values",
                       (long long)B);
  for (int64_t b = 0; b < B; b++) {
    int64_t len = qe_array_get_i64(L, (size_t)b);
    if (len < 0 || len > T)
      return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "sequence length %lld", (long long)len);
    for (int64_t t = 0; t < T; t++) {
      int64_t src = t < len ? len - 1 - t : t;
      int64_t so = ta == 0 ? src * B + b : b * T + src;
      int64_t d = ta == 0 ? t * B + b : b * T + t;
      memcpy((char *)a->out[0]->data + d * inner * (int64_t)es,
             (const char *)X->data + so * inner * (int64_t)es, (size_t)inner * es);
    }
  }
  return QE_OK;
}

static qe_status det_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && !qe_dtype_is_float(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  if (x->rank < 0) {
    a->out[0].dtype = x->dtype;
    return QE_OK;
  }
  if (x->rank < 2 || (x->dims[x->rank - 1] >= 0 && x->dims[x->rank - 2] >= 0 &&
                      x->dims[x->rank - 1] != x->dims[x->rank - 2]))
    return ERR("input must be square matrices");
  qe_vinfo_set(&a->out[0], x->dtype, x->rank - 2, x->dims);
  return QE_OK;
}

static qe_status det_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int64_t M = X->dims[X->rank - 1], mats = qe_dims_prod(X->dims, 0, X->rank - 2);
  double *m = qe_scratch_get(a, (size_t)(M > 0 ? M * M : 1) * sizeof(double));
  if (!m)
    return QE_ERR_NOMEM;
  for (int64_t k = 0; k < mats; k++) {
    for (int64_t i = 0; i < M * M; i++)
      m[i] = qe_array_get_f64(X, (size_t)(k * M * M + i));
    double det = 1;
    for (int64_t c = 0; c < M; c++) {
      int64_t p = c;
      for (int64_t r = c + 1; r < M; r++)
        if (fabs(m[r * M + c]) > fabs(m[p * M + c]))
          p = r;
      if (m[p * M + c] == 0) {
        det = 0;
        break;
      }
      if (p != c) {
        for (int64_t j = 0; j < M; j++) {
          double t = m[c * M + j];
          m[c * M + j] = m[p * M + j];
          m[p * M + j] = t;
        }
        det = -det;
      }
      det *= m[c * M + c];
      for (int64_t r = c + 1; r < M; r++) {
        double f = m[r * M + c] / m[c * M + c];
        for (int64_t j = c; j < M; j++)
          m[r * M + j] -= f * m[c * M + j];
      }
    }
    qe_array_set_f64(a->out[0], (size_t)k, det);
  }
  return QE_OK;
}

/* ---- Unique ---------------------------------------------------------------- */

typedef struct uq {
  const qe_array *x;
  int64_t outer, len, inner; /* slices along the axis: len slices of outer*inner */
} uq;

static double uq_at(const uq *u, int64_t slice, int64_t e)
{
  int64_t o = e / u->inner, i = e % u->inner;
  return qe_array_get_f64(u->x, (size_t)((o * u->len + slice) * u->inner + i));
}

static int uq_cmp(const uq *u, int64_t a, int64_t b)
{
  int64_t n = u->outer * u->inner;
  for (int64_t e = 0; e < n; e++) {
    double va = uq_at(u, a, e), vb = uq_at(u, b, e);
    if (va != vb)
      return va < vb ? -1 : 1;
  }
  return 0;
}

/* first[k] = slice index of the k-th unique (in output order), inv[s] =
 * output index of slice s, cnt[k]; returns the count of uniques. */
static int64_t uq_run(const uq *u, bool sorted, int64_t *first, int64_t *inv, int64_t *cnt)
{
  int64_t nu = 0;
  for (int64_t s = 0; s < u->len; s++) {
    int64_t k;
    for (k = 0; k < nu; k++)
      if (uq_cmp(u, first[k], s) == 0)
        break;
    if (k == nu) {
      first[nu] = s;
      cnt[nu++] = 0;
    }
    cnt[k]++;
    inv[s] = k;
  }
  if (sorted) {
    /* insertion sort of the uniques, carrying counts; then remap inv */
    int64_t *perm = inv + u->len; /* scratch: old index per new position */
    for (int64_t k = 0; k < nu; k++)
      perm[k] = k;
    for (int64_t i = 1; i < nu; i++)
      for (int64_t j = i; j > 0 && uq_cmp(u, first[perm[j - 1]], first[perm[j]]) > 0; j--) {
        int64_t t = perm[j];
        perm[j] = perm[j - 1];
        perm[j - 1] = t;
      }
    int64_t *pos = perm + nu; /* new position per old index */
    for (int64_t k = 0; k < nu; k++)
      pos[perm[k]] = k;
    int64_t *f2 = pos + nu, *c2 = f2 + nu;
    for (int64_t k = 0; k < nu; k++) {
      f2[k] = first[perm[k]];
      c2[k] = cnt[perm[k]];
    }
    memcpy(first, f2, (size_t)nu * sizeof(int64_t));
    memcpy(cnt, c2, (size_t)nu * sizeof(int64_t));
    for (int64_t s = 0; s < u->len; s++)
      inv[s] = pos[inv[s]];
  }
  return nu;
}

static bool uq_setup(const qe_node *n, const qe_array *x, uq *u, int *axis)
{
  const qe_attr *ax = qe_node_attr(n, "axis");
  u->x = x;
  *axis = -1;
  if (!ax) {
    u->outer = u->inner = 1;
    u->len = qe_array_count(x);
    return true;
  }
  int a;
  if (!qe_norm_axis(ax->i, x->rank, &a))
    return false;
  *axis = a;
  u->outer = qe_dims_prod(x->dims, 0, a);
  u->len = x->dims[a];
  u->inner = qe_dims_prod(x->dims, a + 1, x->rank);
  return true;
}

static int64_t *uq_buffers(int64_t len)
{
  /* first, inv (+ perm, pos, f2, c2 scratch after it), cnt */
  return malloc((size_t)(len ? len : 1) * 7 * sizeof(int64_t));
}

static qe_status unique_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (!numeric(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  const qe_attr *ax = qe_node_attr(a->node, "axis");
  int64_t nu = -1;
  int axis = -1;
  if (x->value) {
    uq u;
    if (!uq_setup(a->node, x->value, &u, &axis))
      return ERR("axis out of range");
    int64_t *buf = uq_buffers(u.len);
    if (!buf)
      return qe_op_error(a->node, a->ctx, QE_ERR_NOMEM, "out of memory");
    nu = uq_run(&u, qe_node_int(a->node, "sorted", 1) != 0, buf, buf + u.len, buf + 6 * u.len);
    free(buf);
  } else if (ax && x->rank >= 0 && !qe_norm_axis(ax->i, x->rank, &axis)) {
    return ERR("axis out of range");
  }
  if (ax && x->rank >= 0) {
    int64_t d[QE_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    if (axis >= 0)
      d[axis] = nu;
    qe_vinfo_set(&a->out[0], x->dtype, x->rank, d);
  } else if (!ax) {
    qe_vinfo_set(&a->out[0], x->dtype, 1, &nu);
  } else {
    a->out[0].dtype = x->dtype;
  }
  int64_t len = -1;
  if (x->rank >= 0)
    len = ax ? (axis >= 0 ? x->dims[axis] : -1) : qe_dims_prod(x->dims, 0, x->rank);
  for (int i = 1; i < a->n_out; i++)
    qe_vinfo_set(&a->out[i], QE_DT_I64, 1, i == 2 ? &len : &nu);
  return QE_OK;
}

static qe_status unique_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  uq u;
  int axis;
  uq_setup(a->node, X, &u, &axis);
  int64_t *buf = uq_buffers(u.len);
  if (!buf)
    return qe_op_error(a->node, a->ctx, QE_ERR_NOMEM, "out of memory");
  int64_t *first = buf, *inv = buf + u.len, *cnt = buf + 6 * u.len;
  int64_t nu = uq_run(&u, qe_node_int(a->node, "sorted", 1) != 0, first, inv, cnt);
  size_t es = qe_dtype_size(X->dtype);
  qe_array *Y = a->out[0];
  for (int64_t k = 0; k < nu; k++)
    for (int64_t o = 0; o < u.outer; o++)
      memcpy((char *)Y->data + ((o * nu + k) * u.inner) * (int64_t)es,
             (const char *)X->data + ((o * u.len + first[k]) * u.inner) * (int64_t)es,
             (size_t)u.inner * es);
  for (int i = 1; i < a->n_out; i++) {
    if (!a->out[i])
      continue;
    int64_t *o = a->out[i]->data;
    if (i == 1)
      memcpy(o, first, (size_t)nu * sizeof(int64_t));
    else if (i == 2)
      memcpy(o, inv, (size_t)u.len * sizeof(int64_t));
    else
      memcpy(o, cnt, (size_t)nu * sizeof(int64_t));
  }
  free(buf);
  return QE_OK;
}

const qe_op_def qe_ops_index[] = {
  { QE_OP_TOP_K, topk_infer, topk_exec, NULL, 1, 2, 1, 2 },
  { QE_OP_EYE_LIKE, eyelike_infer, eyelike_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_ONE_HOT, onehot_infer, onehot_exec, NULL, 3, 3, 1, 1 },
  { QE_OP_SCATTER_ELEMENTS, scatter_infer, scatter_exec, NULL, 3, 3, 1, 1 },
  { QE_OP_SCATTER, scatter_infer, scatter_exec, NULL, 3, 3, 1, 1 },
  { QE_OP_GATHER_ND, gathernd_infer, gathernd_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_SCATTER_ND, scatternd_infer, scatternd_exec, NULL, 3, 3, 1, 1 },
  { QE_OP_NON_ZERO, nonzero_infer, nonzero_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_COMPRESS, compress_infer, compress_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_NON_MAX_SUPPRESSION, nms_infer, nms_exec, NULL, 2, 5, 1, 1 },
  { QE_OP_HANN_WINDOW, window_infer, window_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_HAMMING_WINDOW, window_infer, window_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_BLACKMAN_WINDOW, window_infer, window_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_REVERSE_SEQUENCE, revseq_infer, revseq_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_DET, det_infer, det_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_UNIQUE, unique_infer, unique_exec, NULL, 1, 1, 1, 4 },
};
const size_t qe_ops_index_count = QE_ARRAY_LEN(qe_ops_index);
