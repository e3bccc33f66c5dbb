/* ops_shape.c - shape and data movement: Identity, Dropout, Flatten,
 * Reshape, Transpose, Squeeze, Unsqueeze, Concat, Split, Slice, Gather,
 * Pad, Expand, Tile, Shape, Size, Constant, ConstantOfShape, Range,
 * DepthToSpace, SpaceToDepth. Type-generic (elements moved as bytes).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

static bool movable(qe_dtype t)
{
  return t == QE_DT_UNDEFINED || (qe_dtype_size(t) > 0);
}

static qe_status check_movable(const qe_infer_args *a, qe_dtype t)
{
  if (!movable(t))
    return UNSUP("type %s is not supported", qe_dtype_name(t));
  return QE_OK;
}

/* A data-movement op: input 0 of a movable type, output 0 of the same. */
static qe_status movable_like_input(const qe_infer_args *a)
{
  qe_status st = check_movable(a, a->in[0].dtype);
  if (st == QE_OK)
    a->out[0].dtype = a->in[0].dtype;
  return st;
}

/* Gather, GatherElements: movable data (input 0), int32 or int64 indices
 * (input 1). */
static qe_status check_gather_types(const qe_infer_args *a)
{
  const qe_dtype it = a->in[1].dtype;
  qe_status st = check_movable(a, a->in[0].dtype);
  if (st != QE_OK)
    return st;
  if (it != QE_DT_UNDEFINED && it != QE_DT_I64 && it != QE_DT_I32)
    return ERR("indices must be int32 or int64");
  return QE_OK;
}

/* Ints from an attribute (older opsets) or an input (newer). *have false
 * when neither is given; QE_OK with *known false when the input exists but
 * its value is not known yet. */
static qe_status ints_arg(const qe_infer_args *a, const char *attr, int input, int64_t *out,
                          size_t max, size_t *n, bool *have, bool *known)
{
  *have = false;
  *known = true;
  *n = 0;
  size_t c;
  const int64_t *v = qe_node_ints(a->node, attr, &c);
  if (v) {
    if (c > max)
      return ERR("attribute %s has too many values", attr);
    memcpy(out, v, c * sizeof(int64_t));
    *n = c;
    *have = true;
    return QE_OK;
  }
  if (input >= 0 && input < a->n_in && a->in[input].present) {
    *have = true;
    if (!a->in[input].value) {
      *known = false;
      return QE_OK;
    }
    if (a->in[input].value->rank > 1)
      return ERR("input %d must be a 1-D tensor", input);
    if (!qe_array_get_ints(a->in[input].value, out, max, n))
      return ERR("input %d has too many values or the wrong type", input);
  }
  return QE_OK;
}

static qe_status copy_exec(const qe_exec_args *a)
{
  size_t nb = qe_array_nbytes(a->in[0]);
  if (nb)
    memcpy(a->out[0]->data, a->in[0]->data, nb);
  for (int i = 1; i < a->n_out; i++)
    if (a->out[i] && a->out[i]->dtype == QE_DT_BOOL)
      memset(a->out[i]->data, 1, qe_array_nbytes(a->out[i]));
  return QE_OK;
}

/* ---- Identity, Dropout -------------------------------------------------- */

static qe_status identity_infer(const qe_infer_args *a)
{
  qe_status st = check_movable(a, a->in[0].dtype);
  if (st != QE_OK)
    return st;
  qe_vinfo_set(&a->out[0], a->in[0].dtype, a->in[0].rank, a->in[0].dims);
  return QE_OK;
}

static qe_status dropout_infer(const qe_infer_args *a)
{
  if (a->n_in > 2 && a->in[2].present) {
    if (!a->in[2].value)
      return UNSUP("training_mode must be a constant");
    if (qe_array_get_i64(a->in[2].value, 0) != 0)
      return UNSUP("training mode (random dropout) is not run by the engine");
  }
  qe_status st = identity_infer(a);
  if (st == QE_OK && a->n_out > 1)
    qe_vinfo_set(&a->out[1], QE_DT_BOOL, a->in[0].rank, a->in[0].dims);
  return st;
}

/* ---- Flatten, Reshape --------------------------------------------------- */

static qe_status flatten_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  a->out[0].rank = 2;
  if (x->rank < 0)
    return QE_OK;
  int64_t axis = qe_node_int(a->node, "axis", 1);
  if (axis < 0)
    axis += x->rank;
  if (axis < 0 || axis > x->rank)
    return ERR("axis %lld out of range for rank %d", (long long)qe_node_int(a->node, "axis", 1),
               x->rank);
  a->out[0].dims[0] = qe_dims_prod(x->dims, 0, (int)axis);
  a->out[0].dims[1] = qe_dims_prod(x->dims, (int)axis, x->rank);
  return QE_OK;
}

static qe_status reshape_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  int64_t shape[QE_MAX_RANK];
  size_t n = 0;
  if (a->opset < 5) {
    bool have, known;
    if ((st = ints_arg(a, "shape", -1, shape, QE_MAX_RANK, &n, &have, &known)) != QE_OK)
      return st;
  } else {
    if (a->n_in < 2 || !a->in[1].present)
      return ERR("the shape input is missing");
    const qe_vinfo *s = &a->in[1];
    if (!s->value) {
      if (s->rank == 1 && s->dims[0] >= 0) {
        if (s->dims[0] > QE_MAX_RANK)
          return UNSUP("rank %lld", (long long)s->dims[0]);
        a->out[0].rank = (int)s->dims[0];
      }
      return QE_OK;
    }
    if (s->value->dtype != QE_DT_I64 && s->value->dtype != QE_DT_I32)
      return ERR("shape must be int64");
    if (!qe_array_get_ints(s->value, shape, QE_MAX_RANK, &n))
      return UNSUP("the target shape has more than %d dimensions", QE_MAX_RANK);
  }
  bool allowzero = qe_node_int(a->node, "allowzero", 0) != 0;
  int minus = -1;
  int64_t known = 1;
  bool unknown = false;
  int64_t out[QE_MAX_RANK];
  for (size_t i = 0; i < n; i++) {
    int64_t d = shape[i];
    if (d == 0 && !allowzero) {
      if ((int)i >= x->rank && x->rank >= 0)
        return ERR("0 in the target shape copies a dimension the input does not have");
      d = x->rank >= 0 ? x->dims[i] : -1;
    }
    if (d == -1 && shape[i] == -1) {
      if (minus >= 0)
        return ERR("more than one -1 in the target shape");
      minus = (int)i;
      out[i] = -1;
      continue;
    }
    if (d < -1)
      return ERR("invalid dimension %lld in the target shape", (long long)d);
    out[i] = d;
    if (d < 0)
      unknown = true;
    else if (d > 0 && known > ((int64_t)1 << 50) / d)
      return ERR("the target shape is absurdly large");
    else
      known *= d;
  }
  int64_t total = x->rank >= 0 ? qe_dims_prod(x->dims, 0, x->rank) : -1;
  if (minus >= 0) {
    if (total >= 0 && !unknown) {
      if (known == 0 || total % known)
        return ERR("cannot reshape %lld elements with a -1 dimension", (long long)total);
      out[minus] = total / known;
    }
  } else if (total >= 0 && !unknown && total != known) {
    return ERR("cannot reshape %lld elements into %lld", (long long)total, (long long)known);
  }
  qe_vinfo_set(&a->out[0], x->dtype, (int)n, out);
  return QE_OK;
}

/* ---- Transpose ---------------------------------------------------------- */

static qe_status get_perm(const qe_node *node, int rank, int *perm, qe_ctx *ctx)
{
  size_t c;
  const int64_t *p = qe_node_ints(node, "perm", &c);
  if (!p) {
    for (int i = 0; i < rank; i++)
      perm[i] = rank - 1 - i;
    return QE_OK;
  }
  if ((int)c != rank)
    return qe_op_error(node, ctx, QE_ERR_SHAPE, "perm has %zu values for rank %d", c, rank);
  unsigned seen = 0;
  for (int i = 0; i < rank; i++) {
    int ax;
    if (!qe_norm_axis(p[i], rank, &ax) || (seen & (1u << ax)))
      return qe_op_error(node, ctx, QE_ERR_SHAPE, "perm is not a permutation");
    seen |= 1u << ax;
    perm[i] = ax;
  }
  return QE_OK;
}

static qe_status transpose_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  if (x->rank < 0)
    return QE_OK;
  int perm[QE_MAX_RANK];
  if ((st = get_perm(a->node, x->rank, perm, a->ctx)) != QE_OK)
    return st;
  int64_t d[QE_MAX_RANK];
  for (int i = 0; i < x->rank; i++)
    d[i] = x->dims[perm[i]];
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, d);
  return QE_OK;
}

/* Generic strided copy: out[idx] = in[sum idx[i]*st[i]] over out dims. */
static void strided_copy(const uint8_t *in, uint8_t *out, int r, const int64_t *dims,
                         const int64_t *st, size_t es)
{
  if (r == 0) {
    memcpy(out, in, es);
    return;
  }
  int64_t inner = dims[r - 1], sin = st[r - 1];
  int64_t outer = 1;
  for (int i = 0; i < r - 1; i++)
    outer *= dims[i];
  if (inner == 0 || outer == 0)
    return;
  int64_t idx[QE_MAX_RANK] = { 0 };
  int64_t off = 0;
  for (int64_t o = 0; o < outer; o++) {
    uint8_t *dst = out + o * inner * (int64_t)es;
    const uint8_t *src = in + off * (int64_t)es;
    if (sin == 1)
      memcpy(dst, src, (size_t)inner * es);
    else if (es == 4)
      for (int64_t i = 0; i < inner; i++)
        memcpy(dst + i * 4, src + i * sin * 4, 4);
    else
      for (int64_t i = 0; i < inner; i++)
        memcpy(dst + i * (int64_t)es, src + i * sin * (int64_t)es, es);
    for (int i = r - 2; i >= 0; i--) {
      idx[i]++;
      off += st[i];
      if (idx[i] < dims[i])
        break;
      off -= st[i] * idx[i];
      idx[i] = 0;
    }
  }
}

static qe_status transpose_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int perm[QE_MAX_RANK];
  qe_status st = get_perm(a->node, X->rank, perm, a->ctx);
  if (st != QE_OK)
    return st;
  int64_t xs[QE_MAX_RANK], ost[QE_MAX_RANK];
  qe_row_strides(X->dims, X->rank, xs);
  for (int i = 0; i < X->rank; i++)
    ost[i] = xs[perm[i]];
  strided_copy(X->data, a->out[0]->data, X->rank, a->out[0]->dims, ost, qe_dtype_size(X->dtype));
  return QE_OK;
}

/* ---- Squeeze, Unsqueeze -------------------------------------------------- */

static qe_status squeeze_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  int64_t axes[QE_MAX_RANK];
  size_t n;
  bool have, known;
  if ((st = ints_arg(a, "axes", 1, axes, QE_MAX_RANK, &n, &have, &known)) != QE_OK)
    return st;
  if (x->rank < 0 || !known)
    return QE_OK;
  bool drop[QE_MAX_RANK] = { false };
  if (have) {
    for (size_t i = 0; i < n; i++) {
      int ax;
      if (!qe_norm_axis(axes[i], x->rank, &ax))
        return ERR("axis %lld out of range", (long long)axes[i]);
      if (x->dims[ax] >= 0 && x->dims[ax] != 1)
        return ERR("cannot squeeze axis %d of size %lld", ax, (long long)x->dims[ax]);
      drop[ax] = true;
    }
  } else {
    for (int i = 0; i < x->rank; i++) {
      if (x->dims[i] < 0)
        return QE_OK; /* unknown which ones */
      drop[i] = x->dims[i] == 1;
    }
  }
  int64_t d[QE_MAX_RANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (!drop[i])
      d[r++] = x->dims[i];
  qe_vinfo_set(&a->out[0], x->dtype, r, d);
  return QE_OK;
}

static qe_status unsqueeze_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  int64_t axes[QE_MAX_RANK];
  size_t n;
  bool have, known;
  if ((st = ints_arg(a, "axes", 1, axes, QE_MAX_RANK, &n, &have, &known)) != QE_OK)
    return st;
  if (!have)
    return ERR("axes are required");
  if (x->rank < 0 || !known)
    return QE_OK;
  int r = x->rank + (int)n;
  if (r > QE_MAX_RANK)
    return UNSUP("rank %d", r);
  bool ins[QE_MAX_RANK] = { false };
  for (size_t i = 0; i < n; i++) {
    int ax;
    if (!qe_norm_axis(axes[i], r, &ax) || ins[ax])
      return ERR("axis %lld out of range or repeated", (long long)axes[i]);
    ins[ax] = true;
  }
  int64_t d[QE_MAX_RANK];
  int k = 0;
  for (int i = 0; i < r; i++)
    d[i] = ins[i] ? 1 : x->dims[k++];
  qe_vinfo_set(&a->out[0], x->dtype, r, d);
  return QE_OK;
}

/* ---- Concat, Split -------------------------------------------------------- */

static qe_status concat_infer(const qe_infer_args *a)
{
  qe_dtype dt = QE_DT_UNDEFINED;
  int rank = -1;
  for (int i = 0; i < a->n_in; i++) {
    const qe_vinfo *v = &a->in[i];
    if (!v->present)
      return ERR("input %d is missing", i);
    if (v->dtype != QE_DT_UNDEFINED) {
      if (dt != QE_DT_UNDEFINED && v->dtype != dt)
        return ERR("inputs of different types");
      dt = v->dtype;
    }
    if (v->rank >= 0) {
      if (rank >= 0 && v->rank != rank)
        return ERR("inputs of ranks %d and %d", rank, v->rank);
      rank = v->rank;
    }
  }
  qe_status st = check_movable(a, dt);
  if (st != QE_OK)
    return st;
  a->out[0].dtype = dt;
  if (rank < 0)
    return QE_OK;
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", rank > 0 ? 1 : 0), rank, &ax))
    return ERR("axis out of range for rank %d", rank);
  int64_t d[QE_MAX_RANK];
  for (int k = 0; k < rank; k++)
    d[k] = -2;
  d[ax] = 0;
  for (int i = 0; i < a->n_in; i++) {
    const qe_vinfo *v = &a->in[i];
    if (v->rank < 0) {
      d[ax] = -1;
      continue;
    }
    for (int k = 0; k < rank; k++) {
      if (k == ax) {
        if (d[ax] >= 0)
          d[ax] = v->dims[k] < 0 ? -1 : d[ax] + v->dims[k];
        continue;
      }
      if (v->dims[k] >= 0) {
        if (d[k] >= 0 && d[k] != v->dims[k])
          return ERR("input %d has %lld on axis %d, expected %lld", i, (long long)v->dims[k], k,
                     (long long)d[k]);
        d[k] = v->dims[k];
      }
    }
  }
  for (int k = 0; k < rank; k++)
    if (d[k] == -2)
      d[k] = -1;
  qe_vinfo_set(&a->out[0], dt, rank, d);
  return QE_OK;
}

static qe_status concat_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", Y->rank > 0 ? 1 : 0), Y->rank, &ax);
  size_t es = qe_dtype_size(Y->dtype);
  int64_t outer = qe_dims_prod(Y->dims, 0, ax);
  int64_t inner = qe_dims_prod(Y->dims, ax + 1, Y->rank);
  int64_t yrow = Y->dims[ax] * inner;
  int64_t off = 0;
  for (int i = 0; i < a->n_in; i++) {
    const qe_array *X = a->in[i];
    int64_t xrow = X->dims[ax] * inner;
    if (xrow == 0)
      continue;
    for (int64_t o = 0; o < outer; o++)
      memcpy((uint8_t *)Y->data + (o * yrow + off) * (int64_t)es,
             (const uint8_t *)X->data + o * xrow * (int64_t)es, (size_t)xrow * es);
    off += xrow;
  }
  return QE_OK;
}

static qe_status split_sizes(const qe_infer_args *a, int64_t total, int64_t *sizes, bool *known)
{
  int64_t sp[64];
  size_t n;
  bool have;
  *known = true;
  qe_status st = ints_arg(a, "split", 1, sp, 64, &n, &have, known);
  if (st != QE_OK)
    return st;
  if (have && !*known)
    return QE_OK;
  if (have) {
    if ((int)n != a->n_out)
      return ERR("split has %zu sizes for %d outputs", n, a->n_out);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
      if (sp[i] < 0)
        return ERR("negative split size");
      sizes[i] = sp[i];
      sum += sp[i];
    }
    if (total >= 0 && sum != total)
      return ERR("split sizes add up to %lld, the axis has %lld", (long long)sum, (long long)total);
    return QE_OK;
  }
  if (total < 0) {
    *known = false;
    return QE_OK;
  }
  int64_t per = (total + a->n_out - 1) / a->n_out;
  for (int i = 0; i < a->n_out; i++) {
    int64_t left = total - per * i;
    sizes[i] = left < 0 ? 0 : (left < per ? left : per);
  }
  return QE_OK;
}

static qe_status split_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = check_movable(a, x->dtype);
  if (st != QE_OK)
    return st;
  if (a->n_out > 64)
    return UNSUP("more than 64 outputs");
  for (int i = 0; i < a->n_out; i++)
    a->out[i].dtype = x->dtype;
  if (x->rank < 0)
    return QE_OK;
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", 0), x->rank, &ax))
    return ERR("axis out of range");
  int64_t sizes[64];
  bool known;
  if ((st = split_sizes(a, x->dims[ax], sizes, &known)) != QE_OK)
    return st;
  for (int i = 0; i < a->n_out; i++) {
    qe_vinfo_set(&a->out[i], x->dtype, x->rank, x->dims);
    a->out[i].dims[ax] = known ? sizes[i] : -1;
  }
  return QE_OK;
}

static qe_status split_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", 0), X->rank, &ax);
  size_t es = qe_dtype_size(X->dtype);
  int64_t outer = qe_dims_prod(X->dims, 0, ax), inner = qe_dims_prod(X->dims, ax + 1, X->rank);
  int64_t xrow = X->dims[ax] * inner, off = 0;
  for (int i = 0; i < a->n_out; i++) {
    qe_array *Y = a->out[i];
    int64_t cnt = 0;
    for (int k = 0; k < a->n_out; k++)
      (void)k;
    if (!Y) {
      /* Omitted output: still advance by its size, which we do not know;
       * ONNX requires outputs to be listed, so this is rare. */
      continue;
    }
    cnt = Y->dims[ax] * inner;
    for (int64_t o = 0; o < outer && cnt; o++)
      memcpy((uint8_t *)Y->data + o * cnt * (int64_t)es,
             (const uint8_t *)X->data + (o * xrow + off) * (int64_t)es, (size_t)cnt * es);
    off += cnt;
  }
  return QE_OK;
}

/* ---- Slice ---------------------------------------------------------------- */

typedef struct slice_plan {
  int64_t start[QE_MAX_RANK], step[QE_MAX_RANK], count[QE_MAX_RANK];
} slice_plan;

static qe_status slice_plan_make(const qe_infer_args *a, const qe_vinfo *x, slice_plan *p,
                                 bool *known)
{
  int64_t starts[QE_MAX_RANK], ends[QE_MAX_RANK], axes[QE_MAX_RANK], steps[QE_MAX_RANK];
  size_t ns, ne, na = 0, nst = 0;
  bool have, k1, k2, k3 = true, k4 = true;
  qe_status st;
  int r = x->rank;
  *known = false;
  if (a->opset < 10) {
    if ((st = ints_arg(a, "starts", -1, starts, QE_MAX_RANK, &ns, &have, &k1)) != QE_OK ||
        (st = ints_arg(a, "ends", -1, ends, QE_MAX_RANK, &ne, &have, &k2)) != QE_OK ||
        (st = ints_arg(a, "axes", -1, axes, QE_MAX_RANK, &na, &have, &k3)) != QE_OK)
      return st;
    if (!have)
      na = 0;
  } else {
    if ((st = ints_arg(a, "", 1, starts, QE_MAX_RANK, &ns, &have, &k1)) != QE_OK ||
        (st = ints_arg(a, "", 2, ends, QE_MAX_RANK, &ne, &have, &k2)) != QE_OK)
      return st;
    if ((st = ints_arg(a, "", 3, axes, QE_MAX_RANK, &na, &have, &k3)) != QE_OK)
      return st;
    if (!have)
      na = 0;
    if ((st = ints_arg(a, "", 4, steps, QE_MAX_RANK, &nst, &have, &k4)) != QE_OK)
      return st;
    if (!have)
      nst = 0;
  }
  if (!k1 || !k2 || !k3 || !k4 || r < 0)
    return QE_OK;
  if (ns != ne || (na && na != ns) || (nst && nst != ns))
    return ERR("starts, ends, axes and steps have different lengths");
  for (int i = 0; i < r; i++) {
    p->start[i] = 0;
    p->step[i] = 1;
    p->count[i] = x->dims[i];
  }
  unsigned seen = 0;
  bool dims_known = true;
  for (size_t i = 0; i < ns; i++) {
    int ax;
    if (!qe_norm_axis(na ? axes[i] : (int64_t)i, r, &ax) || (seen & (1u << ax)))
      return ERR("axis out of range or repeated");
    seen |= 1u << ax;
    int64_t step = nst ? steps[i] : 1;
    if (step == 0)
      return ERR("step 0");
    int64_t dim = x->dims[ax];
    if (dim < 0) {
      dims_known = false;
      p->count[ax] = -1;
      continue;
    }
    int64_t s = starts[i], e = ends[i];
    if (s < 0)
      s += dim;
    if (e < 0 && e > INT64_MIN / 2)
      e += dim;
    else if (e <= INT64_MIN / 2)
      e = -1;
    if (step > 0) {
      s = s < 0 ? 0 : (s > dim ? dim : s);
      e = e < 0 ? 0 : (e > dim ? dim : e);
      p->count[ax] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = s < 0 ? -1 : (s > dim - 1 ? dim - 1 : s);
      e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
      p->count[ax] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    p->start[ax] = s;
    p->step[ax] = step;
  }
  *known = dims_known;
  return QE_OK;
}

static qe_status slice_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  if (x->rank < 0)
    return QE_OK;
  a->out[0].rank = x->rank;
  slice_plan p;
  bool known;
  if ((st = slice_plan_make(a, x, &p, &known)) != QE_OK)
    return st;
  int64_t k1 = 1;
  (void)k1;
  if (!known) {
    /* Shape partly known: dims not sliced stay. */
    return QE_OK;
  }
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, p.count);
  return QE_OK;
}

static qe_status slice_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_vinfo vin[5], vout[1];
  for (int i = 0; i < a->n_in && i < 5; i++)
    qe_vinfo_from_array(&vin[i], a->in[i]);
  qe_infer_args ia = { a->node, a->opset, a->n_in, vin, 1, vout, a->ctx };
  slice_plan p;
  bool known;
  qe_status st = slice_plan_make(&ia, &vin[0], &p, &known);
  if (st != QE_OK)
    return st;
  if (qe_array_count(a->out[0]) == 0)
    return QE_OK;
  int64_t xs[QE_MAX_RANK], ost[QE_MAX_RANK], off = 0;
  qe_row_strides(X->dims, X->rank, xs);
  for (int i = 0; i < X->rank; i++) {
    off += p.start[i] * xs[i];
    ost[i] = p.step[i] * xs[i];
  }
  size_t es = qe_dtype_size(X->dtype);
  strided_copy((const uint8_t *)X->data + off * (int64_t)es, a->out[0]->data, X->rank,
               a->out[0]->dims, ost, es);
  return QE_OK;
}

/* ---- Gather --------------------------------------------------------------- */

static qe_status gather_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *ind = &a->in[1];
  qe_status st = check_gather_types(a);
  if (st != QE_OK)
    return st;
  a->out[0].dtype = x->dtype;
  if (x->rank < 0 || ind->rank < 0)
    return QE_OK;
  int ax;
  if (!qe_norm_axis(qe_node_int(a->node, "axis", 0), x->rank, &ax))
    return ERR("axis out of range");
  int r = x->rank - 1 + ind->rank;
  if (r > QE_MAX_RANK)
    return UNSUP("rank %d", r);
  int64_t d[QE_MAX_RANK];
  int k = 0;
  for (int i = 0; i < ax; i++)
    d[k++] = x->dims[i];
  for (int i = 0; i < ind->rank; i++)
    d[k++] = ind->dims[i];
  for (int i = ax + 1; i < x->rank; i++)
    d[k++] = x->dims[i];
  if (ind->value && x->dims[ax] >= 0) {
    int64_t c = qe_array_count(ind->value);
    for (int64_t i = 0; i < c; i++) {
      int64_t v = qe_array_get_i64(ind->value, (size_t)i);
      if (v < -x->dims[ax] || v >= x->dims[ax])
        return ERR("index %lld out of range for a dimension of %lld", (long long)v,
                   (long long)x->dims[ax]);
    }
  }
  qe_vinfo_set(&a->out[0], x->dtype, r, d);
  return QE_OK;
}

static qe_status gather_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *I = a->in[1];
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", 0), X->rank, &ax);
  size_t es = qe_dtype_size(X->dtype);
  int64_t outer = qe_dims_prod(X->dims, 0, ax), inner = qe_dims_prod(X->dims, ax + 1, X->rank);
  int64_t dim = X->dims[ax], ni = qe_array_count(I);
  uint8_t *y = a->out[0]->data;
  const uint8_t *x = X->data;
  for (int64_t j = 0; j < ni; j++) {
    int64_t v = qe_array_get_i64(I, (size_t)j);
    if (v < 0)
      v += dim;
    if (v < 0 || v >= dim)
      return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "index %lld out of range",
                         (long long)qe_array_get_i64(I, (size_t)j));
  }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < ni; j++) {
      int64_t v = qe_array_get_i64(I, (size_t)j);
      if (v < 0)
        v += dim;
      memcpy(y + ((o * ni + j) * inner) * (int64_t)es, x + ((o * dim + v) * inner) * (int64_t)es,
             (size_t)inner * es);
    }
  return QE_OK;
}

/* ---- Pad ------------------------------------------------------------------ */

static qe_status pad_params(const qe_infer_args *a, int rank, int64_t *pads, bool *known)
{
  size_t n;
  bool have;
  qe_status st = ints_arg(a, a->opset < 11 ? "pads" : "", a->opset < 11 ? -1 : 1, pads,
                          2 * QE_MAX_RANK, &n, &have, known);
  if (st != QE_OK || !*known)
    return st;
  if (a->opset >= 11 && a->n_in > 3 && a->in[3].present)
    return UNSUP("the axes input of Pad");
  if (!have || (int)n != 2 * rank)
    return ERR("pads has %zu values for rank %d", n, rank);
  return QE_OK;
}

static qe_status pad_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  const char *mode = qe_node_string(a->node, "mode", "constant");
  if (strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge"))
    return UNSUP("mode '%s'", mode);
  if (x->rank < 0)
    return QE_OK;
  int64_t pads[2 * QE_MAX_RANK];
  bool known;
  if ((st = pad_params(a, x->rank, pads, &known)) != QE_OK)
    return st;
  a->out[0].rank = x->rank;
  if (!known)
    return QE_OK;
  int64_t d[QE_MAX_RANK];
  for (int i = 0; i < x->rank; i++) {
    if (x->dims[i] < 0) {
      d[i] = -1;
      continue;
    }
    d[i] = x->dims[i] + pads[i] + pads[i + x->rank];
    if (d[i] < 0 || pads[i] > ((int64_t)1 << 40) || pads[i + x->rank] > ((int64_t)1 << 40))
      return ERR("pads give a negative or absurd size on axis %d", i);
    if (strcmp(mode, "reflect") == 0 &&
        (pads[i] >= x->dims[i] || pads[i + x->rank] >= x->dims[i]) &&
        (pads[i] > 0 || pads[i + x->rank] > 0))
      return ERR("reflect pads must be smaller than the dimension");
    if (strcmp(mode, "edge") == 0 && x->dims[i] == 0 && (pads[i] > 0 || pads[i + x->rank] > 0))
      return ERR("edge padding of an empty axis");
  }
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, d);
  return QE_OK;
}

static qe_status pad_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  qe_vinfo vin[4], vout[1];
  for (int i = 0; i < a->n_in && i < 4; i++)
    qe_vinfo_from_array(&vin[i], a->in[i]);
  qe_infer_args ia = { a->node, a->opset, a->n_in, vin, 1, vout, a->ctx };
  int64_t pads[2 * QE_MAX_RANK];
  bool known;
  qe_status st = pad_params(&ia, X->rank, pads, &known);
  if (st != QE_OK)
    return st;
  const char *mode = qe_node_string(a->node, "mode", "constant");
  int m = strcmp(mode, "reflect") == 0 ? 1 : strcmp(mode, "edge") == 0 ? 2 : 0;
  size_t es = qe_dtype_size(X->dtype);
  /* Constant value, in the output type. */
  uint8_t cval[8] = { 0 };
  {
    qe_array tmp = { .dtype = Y->dtype, .rank = 0, .data = cval };
    double v = 0;
    if (a->opset < 11)
      v = qe_node_float(a->node, "value", 0.0f);
    else if (a->n_in > 2 && a->in[2] && qe_array_count(a->in[2]) > 0)
      v = qe_array_get_f64(a->in[2], 0);
    if (qe_dtype_is_float(Y->dtype) || Y->dtype == QE_DT_BOOL)
      qe_array_set_f64(&tmp, 0, v);
    else if (a->opset >= 11 && a->n_in > 2 && a->in[2] && qe_array_count(a->in[2]) > 0)
      qe_array_set_i64(&tmp, 0, qe_array_get_i64(a->in[2], 0));
    else
      qe_array_set_f64(&tmp, 0, v);
  }
  int r = Y->rank;
  int64_t total = qe_array_count(Y);
  int64_t xs[QE_MAX_RANK];
  qe_row_strides(X->dims, r, xs);
  int64_t idx[QE_MAX_RANK] = { 0 };
  const uint8_t *x = X->data;
  uint8_t *y = Y->data;
  for (int64_t o = 0; o < total; o++) {
    int64_t off = 0;
    bool outside = false;
    for (int i = 0; i < r; i++) {
      int64_t p = idx[i] - pads[i], dim = X->dims[i];
      if (p < 0 || p >= dim) {
        if (m == 0) {
          outside = true;
          break;
        } else if (m == 2) {
          p = p < 0 ? 0 : dim - 1;
        } else {
          /* reflect without repeating the edge */
          int64_t period = 2 * (dim - 1);
          if (period == 0)
            p = 0;
          else {
            p = p % period;
            if (p < 0)
              p += period;
            if (p >= dim)
              p = period - p;
          }
        }
      }
      off += p * xs[i];
    }
    memcpy(y + o * (int64_t)es, outside ? cval : x + off * (int64_t)es, es);
    qe_index_next(idx, Y->dims, r);
  }
  return QE_OK;
}

/* ---- Expand, Tile ----------------------------------------------------------- */

static qe_status expand_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *s = &a->in[1];
  qe_status st = check_movable(a, x->dtype);
  if (st != QE_OK)
    return st;
  a->out[0].dtype = x->dtype;
  if (!s->value) {
    if (s->rank == 1 && s->dims[0] >= 0 && x->rank >= 0)
      a->out[0].rank = (int)QE_MAX(s->dims[0], x->rank);
    if (a->out[0].rank > QE_MAX_RANK)
      return UNSUP("rank too high");
    return QE_OK;
  }
  int64_t shape[QE_MAX_RANK];
  size_t n;
  if (!qe_array_get_ints(s->value, shape, QE_MAX_RANK, &n))
    return UNSUP("shape of rank above %d", QE_MAX_RANK);
  for (size_t i = 0; i < n; i++)
    if (shape[i] < 0)
      return ERR("negative dimension in shape");
  if (x->rank < 0)
    return QE_OK;
  int r;
  int64_t d[QE_MAX_RANK];
  if (!qe_broadcast_shape(x->rank, x->dims, (int)n, shape, &r, d))
    return ERR("shape does not broadcast with the input");
  /* Expand to 0 where the input has 1: broadcast picks the other value. */
  qe_vinfo_set(&a->out[0], x->dtype, r, d);
  return QE_OK;
}

static qe_status expand_exec(const qe_exec_args *a)
{
  qe_broadcast_copy(a->in[0], a->out[0]);
  return QE_OK;
}

static qe_status tile_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *rp = &a->in[1];
  qe_status st = check_movable(a, x->dtype);
  if (st != QE_OK)
    return st;
  a->out[0].dtype = x->dtype;
  a->out[0].rank = x->rank;
  if (!rp->value || x->rank < 0)
    return QE_OK;
  int64_t reps[QE_MAX_RANK];
  size_t n;
  if (!qe_array_get_ints(rp->value, reps, QE_MAX_RANK, &n) || (int)n != x->rank)
    return ERR("repeats must have one value per input dimension");
  int64_t d[QE_MAX_RANK];
  for (int i = 0; i < x->rank; i++) {
    if (reps[i] < 0 || reps[i] > ((int64_t)1 << 31))
      return ERR("invalid repeat %lld", (long long)reps[i]);
    d[i] = x->dims[i] < 0 ? -1 : x->dims[i] * reps[i];
  }
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, d);
  return QE_OK;
}

static qe_status tile_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  size_t es = qe_dtype_size(X->dtype);
  int r = Y->rank;
  int64_t total = qe_array_count(Y);
  int64_t xs[QE_MAX_RANK], idx[QE_MAX_RANK] = { 0 };
  qe_row_strides(X->dims, r, xs);
  for (int64_t o = 0; o < total; o++) {
    int64_t off = 0;
    for (int i = 0; i < r; i++)
      off += (idx[i] % X->dims[i]) * xs[i];
    memcpy((uint8_t *)Y->data + o * (int64_t)es, (const uint8_t *)X->data + off * (int64_t)es, es);
    qe_index_next(idx, Y->dims, r);
  }
  return QE_OK;
}

/* ---- Shape, Size ------------------------------------------------------------ */

static void shape_range(const qe_node *n, int rank, int *s, int *e)
{
  int64_t start = qe_node_int(n, "start", 0);
  int64_t end = qe_node_int(n, "end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = start < 0 ? 0 : (start > rank ? rank : start);
  end = end < 0 ? 0 : (end > rank ? rank : end);
  *s = (int)start;
  *e = (int)(end < start ? start : end);
}

static qe_status shape_infer(const qe_infer_args *a)
{
  a->out[0].dtype = QE_DT_I64;
  a->out[0].rank = 1;
  if (a->in[0].rank < 0)
    return QE_OK;
  int s, e;
  shape_range(a->node, a->in[0].rank, &s, &e);
  a->out[0].dims[0] = e - s;
  return QE_OK;
}

static qe_status shape_exec(const qe_exec_args *a)
{
  int s, e;
  shape_range(a->node, a->in[0]->rank, &s, &e);
  int64_t *y = a->out[0]->data;
  for (int i = s; i < e; i++)
    y[i - s] = a->in[0]->dims[i];
  return QE_OK;
}

static qe_status size_infer(const qe_infer_args *a)
{
  qe_vinfo_set(&a->out[0], QE_DT_I64, 0, NULL);
  return QE_OK;
}

static qe_status size_exec(const qe_exec_args *a)
{
  *(int64_t *)a->out[0]->data = qe_array_count(a->in[0]);
  return QE_OK;
}

/* ---- Constant, ConstantOfShape, Range ---------------------------------------- */

static qe_status constant_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  const qe_attr *v = qe_node_attr(n, "value");
  if (v && v->type == QE_ATTR_TENSOR && v->t) {
    qe_vinfo_set(&a->out[0], v->t->dtype, v->t->rank, v->t->dims);
    return QE_OK;
  }
  if ((v = qe_node_attr(n, "value_float")) && v->type == QE_ATTR_FLOAT) {
    qe_vinfo_set(&a->out[0], QE_DT_F32, 0, NULL);
    return QE_OK;
  }
  if ((v = qe_node_attr(n, "value_int")) && v->type == QE_ATTR_INT) {
    qe_vinfo_set(&a->out[0], QE_DT_I64, 0, NULL);
    return QE_OK;
  }
  if ((v = qe_node_attr(n, "value_floats")) && v->type == QE_ATTR_FLOATS) {
    int64_t d = (int64_t)v->n;
    qe_vinfo_set(&a->out[0], QE_DT_F32, 1, &d);
    return QE_OK;
  }
  if ((v = qe_node_attr(n, "value_ints")) && v->type == QE_ATTR_INTS) {
    int64_t d = (int64_t)v->n;
    qe_vinfo_set(&a->out[0], QE_DT_I64, 1, &d);
    return QE_OK;
  }
  return UNSUP("only tensor, float(s) and int(s) values are supported");
}

static qe_status constant_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  const qe_attr *v = qe_node_attr(n, "value");
  qe_array *Y = a->out[0];
  if (v && v->type == QE_ATTR_TENSOR && v->t) {
    memcpy(Y->data, v->t->data, qe_array_nbytes(v->t));
  } else if ((v = qe_node_attr(n, "value_float")) && v->type == QE_ATTR_FLOAT) {
    *(float *)Y->data = v->f;
  } else if ((v = qe_node_attr(n, "value_int")) && v->type == QE_ATTR_INT) {
    *(int64_t *)Y->data = v->i;
  } else if ((v = qe_node_attr(n, "value_floats")) && v->type == QE_ATTR_FLOATS) {
    memcpy(Y->data, v->floats, v->n * sizeof(float));
  } else if ((v = qe_node_attr(n, "value_ints")) && v->type == QE_ATTR_INTS) {
    memcpy(Y->data, v->ints, v->n * sizeof(int64_t));
  }
  return QE_OK;
}

static qe_status cos_infer(const qe_infer_args *a)
{
  const qe_attr *v = qe_node_attr(a->node, "value");
  qe_dtype dt = QE_DT_F32;
  if (v && v->type == QE_ATTR_TENSOR && v->t) {
    if (qe_array_count(v->t) != 1)
      return ERR("value must hold one element");
    dt = v->t->dtype;
  }
  const qe_vinfo *s = &a->in[0];
  a->out[0].dtype = dt;
  if (!s->value) {
    if (s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= QE_MAX_RANK)
      a->out[0].rank = (int)s->dims[0];
    return QE_OK;
  }
  int64_t d[QE_MAX_RANK];
  size_t n;
  if (!qe_array_get_ints(s->value, d, QE_MAX_RANK, &n))
    return UNSUP("shape of more than %d dimensions", QE_MAX_RANK);
  for (size_t i = 0; i < n; i++)
    if (d[i] < 0)
      return ERR("negative dimension");
  qe_vinfo_set(&a->out[0], dt, (int)n, d);
  return QE_OK;
}

static qe_status cos_exec(const qe_exec_args *a)
{
  const qe_attr *v = qe_node_attr(a->node, "value");
  qe_array *Y = a->out[0];
  size_t es = qe_dtype_size(Y->dtype), cnt = (size_t)qe_array_count(Y);
  if (!v || !v->t) {
    memset(Y->data, 0, qe_array_nbytes(Y));
    return QE_OK;
  }
  for (size_t i = 0; i < cnt; i++)
    memcpy((uint8_t *)Y->data + i * es, v->t->data, es);
  return QE_OK;
}

static qe_status range_infer(const qe_infer_args *a)
{
  qe_dtype dt = a->in[0].dtype;
  for (int i = 0; i < 3; i++) {
    if (a->in[i].dtype != QE_DT_UNDEFINED && a->in[i].dtype != dt)
      return ERR("inputs of different types");
    if (a->in[i].rank > 0 && qe_dims_prod(a->in[i].dims, 0, a->in[i].rank) != 1)
      return ERR("inputs must be scalars");
  }
  if (dt != QE_DT_UNDEFINED && dt != QE_DT_F32 && dt != QE_DT_F64 && dt != QE_DT_I16 &&
      dt != QE_DT_I32 && dt != QE_DT_I64)
    return UNSUP("type %s", qe_dtype_name(dt));
  a->out[0].dtype = dt;
  a->out[0].rank = 1;
  if (!a->in[0].value || !a->in[1].value || !a->in[2].value)
    return QE_OK;
  double s = qe_array_get_f64(a->in[0].value, 0), l = qe_array_get_f64(a->in[1].value, 0),
         d = qe_array_get_f64(a->in[2].value, 0);
  if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d))
    return ERR("invalid range");
  double c = ceil((l - s) / d);
  if (c < 0)
    c = 0;
  if (c > 1e12)
    return ERR("range of %g elements", c);
  a->out[0].dims[0] = (int64_t)c;
  return QE_OK;
}

static qe_status range_exec(const qe_exec_args *a)
{
  qe_array *Y = a->out[0];
  int64_t n = Y->dims[0];
  if (qe_dtype_is_float(Y->dtype)) {
    double s = qe_array_get_f64(a->in[0], 0), d = qe_array_get_f64(a->in[2], 0);
    for (int64_t i = 0; i < n; i++)
      qe_array_set_f64(Y, (size_t)i, s + (double)i * d);
  } else {
    int64_t s = qe_array_get_i64(a->in[0], 0), d = qe_array_get_i64(a->in[2], 0);
    for (int64_t i = 0; i < n; i++)
      qe_array_set_i64(Y, (size_t)i, s + i * d);
  }
  return QE_OK;
}

/* ---- DepthToSpace, SpaceToDepth ------------------------------------------------ */

static qe_status d2s_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = movable_like_input(a);
  if (st != QE_OK)
    return st;
  int64_t b = qe_node_int(a->node, "blocksize", 0);
  if (b < 1 || b > 4096)
    return ERR("blocksize %lld", (long long)b);
  if (x->rank < 0)
    return QE_OK;
  if (x->rank != 4)
    return ERR("input must be 4-D");
  const char *mode = qe_node_string(a->node, "mode", "DCR");
  if (a->node->op == QE_OP_DEPTH_TO_SPACE && strcmp(mode, "DCR") && strcmp(mode, "CRD"))
    return UNSUP("mode '%s'", mode);
  int64_t d[4] = { x->dims[0], x->dims[1], x->dims[2], x->dims[3] };
  if (a->node->op == QE_OP_DEPTH_TO_SPACE) {
    if (d[1] >= 0 && d[1] % (b * b))
      return ERR("channels not divisible by blocksize^2");
    d[1] = d[1] < 0 ? -1 : d[1] / (b * b);
    d[2] = d[2] < 0 ? -1 : d[2] * b;
    d[3] = d[3] < 0 ? -1 : d[3] * b;
  } else {
    if ((d[2] >= 0 && d[2] % b) || (d[3] >= 0 && d[3] % b))
      return ERR("spatial size not divisible by blocksize");
    d[1] = d[1] < 0 ? -1 : d[1] * b * b;
    d[2] = d[2] < 0 ? -1 : d[2] / b;
    d[3] = d[3] < 0 ? -1 : d[3] / b;
  }
  qe_vinfo_set(&a->out[0], x->dtype, 4, d);
  return QE_OK;
}

static qe_status d2s_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int64_t b = qe_node_int(a->node, "blocksize", 1);
  size_t es = qe_dtype_size(X->dtype);
  int64_t N = X->dims[0], C = X->dims[1], H = X->dims[2], W = X->dims[3];
  int64_t dims[6], st[6];
  if (a->node->op == QE_OP_DEPTH_TO_SPACE) {
    int64_t Co = C / (b * b);
    bool crd = strcmp(qe_node_string(a->node, "mode", "DCR"), "CRD") == 0;
    /* output [N, Co, H, b, W, b]; input channel = DCR: (b1*b + b2)*Co + c,
     * CRD: c*b*b + b1*b + b2 */
    int64_t sc = H * W, sh = W;
    dims[0] = N, st[0] = C * H * W;
    dims[1] = Co, st[1] = crd ? b * b * sc : sc;
    dims[2] = H, st[2] = sh;
    dims[3] = b, st[3] = crd ? b * sc : b * Co * sc;
    dims[4] = W, st[4] = 1;
    dims[5] = b, st[5] = crd ? sc : Co * sc;
  } else {
    /* output [N, b, b, C, H/b, W/b] order: out channel = (b1*b + b2)*C + c */
    int64_t Ho = H / b, Wo = W / b;
    dims[0] = N, st[0] = C * H * W;
    dims[1] = b, st[1] = W;
    dims[2] = b, st[2] = 1;
    dims[3] = C, st[3] = H * W;
    dims[4] = Ho, st[4] = b * W;
    dims[5] = Wo, st[5] = b;
  }
  strided_copy(X->data, a->out[0]->data, 6, dims, st, es);
  return QE_OK;
}

/* ---- GatherElements, Trilu, CumSum ---------------------------------------------- */

static qe_status gather_el_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *ind = &a->in[1];
  qe_status st = check_gather_types(a);
  if (st != QE_OK)
    return st;
  if (x->rank >= 0 && ind->rank >= 0 && x->rank != ind->rank)
    return ERR("data and indices ranks differ");
  int r = x->rank >= 0 ? x->rank : ind->rank;
  int ax;
  if (r >= 0 && !qe_norm_axis(qe_node_int(a->node, "axis", 0), r, &ax))
    return ERR("axis out of range");
  qe_vinfo_set(&a->out[0], x->dtype, ind->rank, ind->dims);
  return QE_OK;
}

typedef struct gather_el {
  const uint8_t *x;
  uint8_t *y;
  size_t es;
} gather_el;

static void gather_one(int64_t e, int64_t off, void *user)
{
  const gather_el *g = user;
  memcpy(g->y + e * (int64_t)g->es, g->x + off * (int64_t)g->es, g->es);
}

static qe_status gather_el_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *I = a->in[1];
  gather_el g = { X->data, a->out[0]->data, qe_dtype_size(X->dtype) };
  int ax;
  qe_norm_axis(qe_node_int(a->node, "axis", 0), X->rank, &ax);
  return qe_elements_walk(a->node, a->ctx, X, I, ax, gather_one, &g);
}

static qe_status trilu_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  qe_status st = check_movable(a, x->dtype);
  if (st != QE_OK)
    return st;
  if (x->rank >= 0 && x->rank < 2)
    return ERR("input must have at least 2 dimensions");
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
  return QE_OK;
}

static qe_status trilu_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  bool upper = qe_node_int(a->node, "upper", 1) != 0;
  int64_t k = a->n_in > 1 && a->in[1] ? qe_array_get_i64(a->in[1], 0) : 0;
  int64_t N = X->dims[X->rank - 2], M = X->dims[X->rank - 1];
  int64_t mats = qe_dims_prod(X->dims, 0, X->rank - 2);
  size_t es = qe_dtype_size(X->dtype);
  memcpy(a->out[0]->data, X->data, qe_array_nbytes(X));
  uint8_t *y = a->out[0]->data;
  for (int64_t m = 0; m < mats; m++)
    for (int64_t i = 0; i < N; i++)
      for (int64_t j = 0; j < M; j++) {
        bool keep = upper ? j - i >= k : j - i <= k;
        if (!keep)
          memset(y + ((m * N + i) * M + j) * (int64_t)es, 0, es);
      }
  return QE_OK;
}

static qe_status cumsum_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && !qe_dtype_is_float(x->dtype) && !qe_dtype_is_int(x->dtype))
    return UNSUP("type %s", qe_dtype_name(x->dtype));
  if (a->in[1].rank > 1 || (a->in[1].rank == 1 && a->in[1].dims[0] != 1))
    return ERR("axis must be a scalar");
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
  return QE_OK;
}

static qe_status cumsum_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  int ax;
  if (!qe_norm_axis(qe_array_get_i64(a->in[1], 0), X->rank, &ax))
    return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "axis out of range");
  bool excl = qe_node_int(a->node, "exclusive", 0) != 0;
  bool rev = qe_node_int(a->node, "reverse", 0) != 0;
  int64_t outer = qe_dims_prod(X->dims, 0, ax), len = X->dims[ax];
  int64_t inner = qe_dims_prod(X->dims, ax + 1, X->rank);
  bool fl = qe_dtype_is_float(X->dtype);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      double acc = 0;
      int64_t iacc = 0;
      for (int64_t t = 0; t < len; t++) {
        int64_t i = rev ? len - 1 - t : t;
        size_t k = (size_t)((o * len + i) * inner + in);
        if (fl) {
          double v = qe_array_get_f64(X, k);
          if (!excl)
            acc += v;
          qe_array_set_f64(Y, k, acc);
          if (excl)
            acc += v;
        } else {
          int64_t v = qe_array_get_i64(X, k);
          if (!excl)
            iacc += v;
          qe_array_set_i64(Y, k, iacc);
          if (excl)
            iacc += v;
        }
      }
    }
  return QE_OK;
}

const qe_op_def qe_ops_shape[] = {
  { QE_OP_IDENTITY, identity_infer, copy_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_DROPOUT, dropout_infer, copy_exec, NULL, 1, 3, 1, 2 },
  { QE_OP_FLATTEN, flatten_infer, copy_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_RESHAPE, reshape_infer, copy_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_SQUEEZE, squeeze_infer, copy_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_UNSQUEEZE, unsqueeze_infer, copy_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_TRANSPOSE, transpose_infer, transpose_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_CONCAT, concat_infer, concat_exec, NULL, 1, -1, 1, 1 },
  { QE_OP_SPLIT, split_infer, split_exec, NULL, 1, 2, 1, 64 },
  { QE_OP_SLICE, slice_infer, slice_exec, NULL, 1, 5, 1, 1 },
  { QE_OP_GATHER, gather_infer, gather_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_PAD, pad_infer, pad_exec, NULL, 1, 4, 1, 1 },
  { QE_OP_EXPAND, expand_infer, expand_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_TILE, tile_infer, tile_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_SHAPE, shape_infer, shape_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_SIZE, size_infer, size_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_CONSTANT, constant_infer, constant_exec, NULL, 0, 0, 1, 1 },
  { QE_OP_CONSTANT_OF_SHAPE, cos_infer, cos_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_RANGE, range_infer, range_exec, NULL, 3, 3, 1, 1 },
  { QE_OP_DEPTH_TO_SPACE, d2s_infer, d2s_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_SPACE_TO_DEPTH, d2s_infer, d2s_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_GATHER_ELEMENTS, gather_el_infer, gather_el_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_TRILU, trilu_infer, trilu_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_CUM_SUM, cumsum_infer, cumsum_exec, NULL, 2, 2, 1, 1 },
};
const size_t qe_ops_shape_count = QE_ARRAY_LEN(qe_ops_shape);
