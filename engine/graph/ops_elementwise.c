/* ops_elementwise.c - broadcasting binary ops, variadic Sum/Mean/Min/Max,
 * Where, PRelu, unary math, activations, Clip and Cast.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * float32 has contiguous fast loops per op; other numeric types go through
 * a per-element double (floats) or int64 (integers) path, enough for the
 * shape arithmetic exporters emit and for conformance.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

/* Loops written to be vectorized: GCC does that at -O3 whatever the build
 * type. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

/* ---- broadcasting iterator -------------------------------------------- */

typedef struct bc_iter {
  int r;
  int nin;
  int64_t dims[QE_MAX_RANK];
  int64_t st[3][QE_MAX_RANK];
} bc_iter;

static void bc_setup(bc_iter *it, const qe_array *out, int nin, const qe_array *const *ins)
{
  int r = out->rank;
  int64_t dims[QE_MAX_RANK], st[3][QE_MAX_RANK];
  for (int i = 0; i < r; i++)
    dims[i] = out->dims[i];
  for (int k = 0; k < nin; k++) {
    const qe_array *in = ins[k];
    int64_t s = 1;
    for (int i = r - 1; i >= 0; i--) {
      int ii = i - (r - in->rank);
      int64_t d = ii >= 0 ? in->dims[ii] : 1;
      st[k][i] = (d == 1 && dims[i] != 1) ? 0 : s;
      if (d == 1)
        st[k][i] = 0;
      s *= d;
    }
  }
  /* Coalesce adjacent dims (drop unit dims, merge compatible strides). */
  int w = 0;
  for (int i = 0; i < r; i++) {
    if (dims[i] == 1)
      continue;
    if (w > 0) {
      bool merge = true;
      for (int k = 0; k < nin; k++)
        if (it->st[k][w - 1] != st[k][i] * dims[i])
          merge = false;
      if (merge) {
        it->dims[w - 1] *= dims[i];
        for (int k = 0; k < nin; k++)
          it->st[k][w - 1] = st[k][i];
        continue;
      }
    }
    it->dims[w] = dims[i];
    for (int k = 0; k < nin; k++)
      it->st[k][w] = st[k][i];
    w++;
  }
  if (w == 0) {
    it->dims[0] = 1;
    for (int k = 0; k < nin; k++)
      it->st[k][0] = 0;
    w = 1;
  }
  it->r = w;
  it->nin = nin;
}

/* Calls row(user, offs[nin], yoff, n, inner_strides[nin]) for every row. */
typedef void (*bc_row_fn)(void *user, const int64_t *off, int64_t yoff, int64_t n,
                          const int64_t *sinner);

static void bc_run(const bc_iter *it, bc_row_fn fn, void *user)
{
  int r = it->r;
  int64_t inner = it->dims[r - 1];
  int64_t sinner[3] = { 0, 0, 0 };
  for (int k = 0; k < it->nin; k++)
    sinner[k] = it->st[k][r - 1];
  int64_t outer = 1;
  for (int i = 0; i < r - 1; i++)
    outer *= it->dims[i];
  int64_t idx[QE_MAX_RANK] = { 0 };
  int64_t off[3] = { 0, 0, 0 };
  for (int64_t o = 0; o < outer; o++) {
    fn(user, off, o * inner, inner, sinner);
    for (int i = r - 2; i >= 0; i--) {
      idx[i]++;
      for (int k = 0; k < it->nin; k++)
        off[k] += it->st[k][i];
      if (idx[i] < it->dims[i])
        break;
      for (int k = 0; k < it->nin; k++)
        off[k] -= it->st[k][i] * idx[i];
      idx[i] = 0;
    }
  }
}

/* ---- binary ops --------------------------------------------------------- */

static bool is_compare(qe_op op)
{
  return op == QE_OP_EQUAL || op == QE_OP_GREATER || op == QE_OP_LESS ||
         op == QE_OP_GREATER_OR_EQUAL || op == QE_OP_LESS_OR_EQUAL;
}

static bool is_logic(qe_op op)
{
  return op == QE_OP_AND || op == QE_OP_OR || op == QE_OP_XOR;
}

typedef struct bin_ctx {
  qe_op op;
  bool fmod_mode;
  const qe_array *a, *b;
  qe_array *y;
} bin_ctx;

static void row_f32(void *user, const int64_t *off, int64_t yoff, int64_t n, const int64_t *s)
{
  bin_ctx *c = user;
  const float *a = (const float *)c->a->data + off[0];
  const float *b = (const float *)c->b->data + off[1];
  float *restrict y = (float *)c->y->data + yoff;
  const int64_t sa = s[0], sb = s[1];
#define LOOP(expr)                                \
  do {                                            \
    if (sa == 1 && sb == 1)                       \
      for (int64_t i = 0; i < n; i++) {           \
        const float x = a[i], z = b[i];           \
        y[i] = (expr);                            \
      }                                           \
    else if (sa == 1 && sb == 0) {                \
      const float z = b[0];                       \
      for (int64_t i = 0; i < n; i++) {           \
        const float x = a[i];                     \
        y[i] = (expr);                            \
      }                                           \
    } else                                        \
      for (int64_t i = 0; i < n; i++) {           \
        const float x = a[i * sa], z = b[i * sb]; \
        y[i] = (expr);                            \
      }                                           \
  } while (0)
  switch (c->op) {
  case QE_OP_ADD:
  case QE_OP_SUM:
  case QE_OP_MEAN:
    LOOP(x + z);
    break;
  case QE_OP_SUB:
    LOOP(x - z);
    break;
  case QE_OP_MUL:
    LOOP(x * z);
    break;
  case QE_OP_DIV:
    LOOP(x / z);
    break;
  case QE_OP_POW:
    LOOP(powf(x, z));
    break;
  case QE_OP_MIN:
    LOOP(isnan(x) || isnan(z) ? NAN : (x < z ? x : z));
    break;
  case QE_OP_MAX:
    LOOP(isnan(x) || isnan(z) ? NAN : (x > z ? x : z));
    break;
  case QE_OP_PRELU:
    LOOP(x < 0 ? x * z : x);
    break;
  case QE_OP_MOD:
    LOOP(c->fmod_mode ? fmodf(x, z) : x - z * floorf(x / z));
    break;
  default:
    break;
  }
#undef LOOP
}

static int64_t int_div(int64_t x, int64_t z)
{
  if (z == 0)
    return 0;
  if (z == -1)
    return x == INT64_MIN ? INT64_MIN : -x;
  return x / z;
}

static int64_t int_mod(int64_t x, int64_t z, bool fmod_mode)
{
  if (z == 0)
    return 0;
  if (z == -1)
    return 0;
  int64_t r = x % z;
  if (!fmod_mode && r != 0 && ((r < 0) != (z < 0)))
    r += z;
  return r;
}

static void row_generic(void *user, const int64_t *off, int64_t yoff, int64_t n, const int64_t *s)
{
  bin_ctx *c = user;
  bool fl = qe_dtype_is_float(c->a->dtype);
  for (int64_t i = 0; i < n; i++) {
    size_t ia = (size_t)(off[0] + i * s[0]), ib = (size_t)(off[1] + i * s[1]);
    size_t iy = (size_t)(yoff + i);
    if (c->op == QE_OP_POW) {
      double x = qe_array_get_f64(c->a, ia), z = qe_array_get_f64(c->b, ib);
      qe_array_set_f64(c->y, iy, pow(x, z));
      continue;
    }
    if (is_logic(c->op)) {
      bool x = qe_array_get_i64(c->a, ia) != 0, z = qe_array_get_i64(c->b, ib) != 0;
      bool v = c->op == QE_OP_AND ? (x && z) : c->op == QE_OP_OR ? (x || z) : (x != z);
      qe_array_set_i64(c->y, iy, v);
      continue;
    }
    if (fl) {
      double x = qe_array_get_f64(c->a, ia), z = qe_array_get_f64(c->b, ib), v = 0;
      switch (c->op) {
      case QE_OP_ADD:
      case QE_OP_SUM:
      case QE_OP_MEAN:
        v = x + z;
        break;
      case QE_OP_SUB:
        v = x - z;
        break;
      case QE_OP_MUL:
        v = x * z;
        break;
      case QE_OP_DIV:
        v = x / z;
        break;
      case QE_OP_MIN:
        v = isnan(x) || isnan(z) ? NAN : (x < z ? x : z);
        break;
      case QE_OP_MAX:
        v = isnan(x) || isnan(z) ? NAN : (x > z ? x : z);
        break;
      case QE_OP_PRELU:
        v = x < 0 ? x * z : x;
        break;
      case QE_OP_MOD:
        v = c->fmod_mode ? fmod(x, z) : x - z * floor(x / z);
        break;
      case QE_OP_EQUAL:
        v = x == z;
        break;
      case QE_OP_GREATER:
        v = x > z;
        break;
      case QE_OP_LESS:
        v = x < z;
        break;
      case QE_OP_GREATER_OR_EQUAL:
        v = x >= z;
        break;
      case QE_OP_LESS_OR_EQUAL:
        v = x <= z;
        break;
      default:
        break;
      }
      qe_array_set_f64(c->y, iy, v);
    } else {
      int64_t x = qe_array_get_i64(c->a, ia), z = qe_array_get_i64(c->b, ib), v = 0;
      bool u64 = c->a->dtype == QE_DT_U64;
      switch (c->op) {
      case QE_OP_ADD:
      case QE_OP_SUM:
      case QE_OP_MEAN:
        v = (int64_t)((uint64_t)x + (uint64_t)z);
        break;
      case QE_OP_SUB:
        v = (int64_t)((uint64_t)x - (uint64_t)z);
        break;
      case QE_OP_MUL:
        v = (int64_t)((uint64_t)x * (uint64_t)z);
        break;
      case QE_OP_DIV:
        v = u64 ? (z ? (int64_t)((uint64_t)x / (uint64_t)z) : 0) : int_div(x, z);
        break;
      case QE_OP_MIN:
        v = u64 ? ((uint64_t)x < (uint64_t)z ? x : z) : (x < z ? x : z);
        break;
      case QE_OP_MAX:
        v = u64 ? ((uint64_t)x > (uint64_t)z ? x : z) : (x > z ? x : z);
        break;
      case QE_OP_PRELU:
        v = x < 0 ? x * z : x;
        break;
      case QE_OP_MOD:
        v = int_mod(x, z, c->fmod_mode);
        break;
      case QE_OP_BIT_SHIFT: {
        /* unsigned types only; fmod_mode carries direction LEFT */
        uint64_t ux = (uint64_t)x, uz = (uint64_t)z;
        v = uz >= 64 ? 0 : (int64_t)(c->fmod_mode ? ux << uz : ux >> uz);
        break;
      }
      case QE_OP_EQUAL:
        v = x == z;
        break;
      case QE_OP_GREATER:
        v = u64 ? (uint64_t)x > (uint64_t)z : x > z;
        break;
      case QE_OP_LESS:
        v = u64 ? (uint64_t)x < (uint64_t)z : x < z;
        break;
      case QE_OP_GREATER_OR_EQUAL:
        v = u64 ? (uint64_t)x >= (uint64_t)z : x >= z;
        break;
      case QE_OP_LESS_OR_EQUAL:
        v = u64 ? (uint64_t)x <= (uint64_t)z : x <= z;
        break;
      default:
        break;
      }
      qe_array_set_i64(c->y, iy, v);
    }
  }
}

static bool numeric(qe_dtype t)
{
  return qe_dtype_is_float(t) || qe_dtype_is_int(t) || t == QE_DT_BOOL;
}

static qe_status check_numeric(const qe_node *n, qe_ctx *ctx, qe_dtype t)
{
  if (t == QE_DT_UNDEFINED || (numeric(t) && t != QE_DT_I4 && t != QE_DT_BF16))
    return QE_OK;
  return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "type %s is not supported", qe_dtype_name(t));
}

static qe_status binary_infer_(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  if (n->op == QE_OP_BIT_SHIFT) {
    const char *dir = qe_node_string(n, "direction", "");
    qe_dtype t = a->in[0].dtype;
    if (strcmp(dir, "LEFT") && strcmp(dir, "RIGHT"))
      return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "direction must be LEFT or RIGHT");
    if (t != QE_DT_UNDEFINED && t != QE_DT_U8 && t != QE_DT_U16 && t != QE_DT_U32 && t != QE_DT_U64)
      return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "needs unsigned integers");
  }
  qe_op op = n->op;
  qe_dtype dt = QE_DT_UNDEFINED;
  int r = 0;
  int64_t d[QE_MAX_RANK];
  bool known_rank = true;
  qe_status st;
  for (int i = 0; i < a->n_in; i++) {
    const qe_vinfo *v = &a->in[i];
    if (!v->present)
      return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "input %d is missing", i);
    if ((st = check_numeric(n, a->ctx, v->dtype)) != QE_OK)
      return st;
    if (i == 0 || (op != QE_OP_POW && op != QE_OP_PRELU)) {
      if (dt != QE_DT_UNDEFINED && v->dtype != QE_DT_UNDEFINED && v->dtype != dt)
        return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "inputs of different types (%s and %s)",
                           qe_dtype_name(dt), qe_dtype_name(v->dtype));
      if (v->dtype != QE_DT_UNDEFINED)
        dt = v->dtype;
    }
    if (v->rank < 0) {
      known_rank = false;
      continue;
    }
    if (i == 0 || !known_rank) {
      if (i == 0) {
        r = v->rank;
        memcpy(d, v->dims, sizeof d);
      }
      continue;
    }
    int64_t od[QE_MAX_RANK];
    int orr;
    if (!qe_broadcast_shape(r, d, v->rank, v->dims, &orr, od)) {
      char b1[128], b2[128];
      return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "shapes %s and %s do not broadcast",
                         qe_dims_to_string(d, r, b1, sizeof b1),
                         qe_dims_to_string(v->dims, v->rank, b2, sizeof b2));
    }
    r = orr;
    memcpy(d, od, sizeof d);
  }
  if (op == QE_OP_PRELU && known_rank && a->in[0].rank >= 0 && r != a->in[0].rank)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "slope does not broadcast to the input");
  if (is_logic(op) && dt != QE_DT_UNDEFINED && dt != QE_DT_BOOL)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "needs bool inputs");
  qe_dtype odt = (is_compare(op) || is_logic(op)) ? QE_DT_BOOL : dt;
  if (known_rank)
    qe_vinfo_set(&a->out[0], odt, r, d);
  else
    a->out[0].dtype = odt;
  return QE_OK;
}

/* Opsets before 7: with broadcast=1 and an axis, B lines up with A from
 * that axis on; padding B's shape with trailing ones gives the same result
 * under numpy broadcasting. Returns the padded rank (or B's own). */
static int legacy_b_rank(const qe_node *n, int64_t opset, int ra, int rb)
{
  /* PRelu before 7: a 1-D slope runs along the channel axis (1). */
  if (n->op == QE_OP_PRELU && opset < 7 && rb == 1 && ra >= 3)
    return ra - 1;
  const qe_attr *ax = qe_node_attr(n, "axis");
  if (opset >= 7 || !qe_node_int(n, "broadcast", 0) || !ax || ax->type != QE_ATTR_INT || ra < 0 ||
      rb < 0)
    return rb;
  int64_t axis = ax->i < 0 ? ax->i + ra : ax->i;
  if (axis < 0 || axis + rb > ra)
    return rb;
  return (int)(ra - axis);
}

static qe_status binary_infer(const qe_infer_args *a)
{
  if (a->n_in == 2 && a->opset < 7 && a->node->op != QE_OP_SUM && a->node->op != QE_OP_MEAN &&
      a->node->op != QE_OP_MIN && a->node->op != QE_OP_MAX) {
    int rb = legacy_b_rank(a->node, a->opset, a->in[0].rank, a->in[1].rank);
    if (rb != a->in[1].rank) {
      qe_vinfo in2[2] = { a->in[0], a->in[1] };
      for (int i = a->in[1].rank; i < rb; i++)
        in2[1].dims[i] = 1;
      in2[1].rank = rb;
      qe_infer_args b = *a;
      b.in = in2;
      return binary_infer_(&b);
    }
  }
  return binary_infer_(a);
}

static qe_status binary_apply(qe_op op, bool fmod_mode, const qe_array *A, const qe_array *B,
                              qe_array *Y)
{
  bc_iter it;
  const qe_array *ins[2] = { A, B };
  bc_setup(&it, Y, 2, ins);
  bin_ctx c = { op, fmod_mode, A, B, Y };
  bool fast = A->dtype == QE_DT_F32 && B->dtype == QE_DT_F32 && Y->dtype == QE_DT_F32;
  bc_run(&it, fast ? row_f32 : row_generic, &c);
  return QE_OK;
}

/* Broadcast copy of @src into @Y (same dtype). */
typedef struct copy_ctx {
  const qe_array *src;
  qe_array *y;
  size_t es;
} copy_ctx;

static void row_copy(void *user, const int64_t *off, int64_t yoff, int64_t n, const int64_t *s)
{
  copy_ctx *c = user;
  const uint8_t *src = (const uint8_t *)c->src->data + off[0] * (int64_t)c->es;
  uint8_t *dst = (uint8_t *)c->y->data + yoff * (int64_t)c->es;
  if (s[0] == 1) {
    memcpy(dst, src, (size_t)n * c->es);
  } else if (c->es == 4) {
    uint32_t v;
    memcpy(&v, src, 4);
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + i * 4, &v, 4);
  } else {
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + i * (int64_t)c->es, src, c->es);
  }
}

void qe_broadcast_copy(const qe_array *src, qe_array *y)
{
  bc_iter it;
  const qe_array *ins[1] = { src };
  if (qe_array_count(y) == 0)
    return;
  bc_setup(&it, y, 1, ins);
  copy_ctx c = { src, y, qe_dtype_size(src->dtype) };
  bc_run(&it, row_copy, &c);
}

static qe_status binary_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  qe_op op = n->op;
  bool fmod_mode = qe_node_int(n, "fmod", 0) != 0;
  if (op == QE_OP_BIT_SHIFT)
    fmod_mode = strcmp(qe_node_string(n, "direction", ""), "LEFT") == 0;
  if (qe_array_count(a->out[0]) == 0)
    return QE_OK;
  if (op == QE_OP_SUM || op == QE_OP_MEAN || op == QE_OP_MIN || op == QE_OP_MAX) {
    qe_array *Y = a->out[0];
    qe_broadcast_copy(a->in[0], Y);
    for (int i = 1; i < a->n_in; i++)
      binary_apply(op, false, Y, a->in[i], Y);
    if (op == QE_OP_MEAN && a->n_in > 1) {
      size_t cnt = (size_t)qe_array_count(Y);
      for (size_t i = 0; i < cnt; i++)
        qe_array_set_f64(Y, i, qe_array_get_f64(Y, i) / a->n_in);
    }
    return QE_OK;
  }
  const qe_array *B = a->in[1];
  qe_array legacy;
  int rb = legacy_b_rank(n, a->opset, a->in[0]->rank, B->rank);
  if (rb != B->rank) {
    legacy = *B;
    for (int i = B->rank; i < rb; i++)
      legacy.dims[i] = 1;
    legacy.rank = rb;
    B = &legacy;
  }
  return binary_apply(op, fmod_mode, a->in[0], B, a->out[0]);
}

/* ---- Where ------------------------------------------------------------ */

static qe_status where_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  if (a->in[0].dtype != QE_DT_UNDEFINED && a->in[0].dtype != QE_DT_BOOL)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "condition must be bool");
  qe_dtype dt = a->in[1].dtype != QE_DT_UNDEFINED ? a->in[1].dtype : a->in[2].dtype;
  if (a->in[1].dtype != QE_DT_UNDEFINED && a->in[2].dtype != QE_DT_UNDEFINED &&
      a->in[1].dtype != a->in[2].dtype)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "X and Y types differ");
  if (dt == QE_DT_STRING)
    return qe_op_error(n, a->ctx, QE_ERR_UNSUPPORTED, "string tensors");
  a->out[0].dtype = dt;
  if (a->in[0].rank < 0 || a->in[1].rank < 0 || a->in[2].rank < 0)
    return QE_OK;
  int r1, r2;
  int64_t d1[QE_MAX_RANK], d2[QE_MAX_RANK];
  if (!qe_broadcast_shape(a->in[0].rank, a->in[0].dims, a->in[1].rank, a->in[1].dims, &r1, d1) ||
      !qe_broadcast_shape(r1, d1, a->in[2].rank, a->in[2].dims, &r2, d2))
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "shapes do not broadcast");
  qe_vinfo_set(&a->out[0], dt, r2, d2);
  return QE_OK;
}

typedef struct where_ctx {
  const qe_array *c, *x, *y;
  qe_array *o;
  size_t es;
} where_ctx;

static void row_where(void *user, const int64_t *off, int64_t yoff, int64_t n, const int64_t *s)
{
  where_ctx *w = user;
  const uint8_t *c = (const uint8_t *)w->c->data;
  const uint8_t *x = w->x->data, *y = w->y->data;
  uint8_t *o = w->o->data;
  for (int64_t i = 0; i < n; i++) {
    bool t = c[off[0] + i * s[0]] != 0;
    const uint8_t *src =
        t ? x + (off[1] + i * s[1]) * (int64_t)w->es : y + (off[2] + i * s[2]) * (int64_t)w->es;
    memcpy(o + (yoff + i) * (int64_t)w->es, src, w->es);
  }
}

static qe_status where_exec(const qe_exec_args *a)
{
  if (qe_array_count(a->out[0]) == 0)
    return QE_OK;
  bc_iter it;
  const qe_array *ins[3] = { a->in[0], a->in[1], a->in[2] };
  bc_setup(&it, a->out[0], 3, ins);
  where_ctx w = { a->in[0], a->in[1], a->in[2], a->out[0], qe_dtype_size(a->out[0]->dtype) };
  bc_run(&it, row_where, &w);
  return QE_OK;
}

/* ---- unary ops and activations ----------------------------------------- */

static bool unary_float_only(qe_op op)
{
  switch (op) {
  case QE_OP_ABS:
  case QE_OP_NEG:
  case QE_OP_SIGN:
  case QE_OP_NOT:
  case QE_OP_IDENTITY:
  case QE_OP_RELU:
  case QE_OP_CLIP:
    return false;
  default:
    return true;
  }
}

static qe_status unary_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  const qe_vinfo *x = &a->in[0];
  qe_status st;
  if ((st = check_numeric(n, a->ctx, x->dtype)) != QE_OK)
    return st;
  if (x->dtype != QE_DT_UNDEFINED) {
    if (n->op == QE_OP_NOT && x->dtype != QE_DT_BOOL)
      return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "needs a bool input");
    if (unary_float_only(n->op) && !qe_dtype_is_float(x->dtype))
      return qe_op_error(n, a->ctx, QE_ERR_UNSUPPORTED, "type %s is not supported",
                         qe_dtype_name(x->dtype));
  }
  if (n->op == QE_OP_CLIP) {
    for (int i = 1; i < a->n_in; i++)
      if (a->in[i].present && a->in[i].rank > 0 &&
          qe_dims_prod(a->in[i].dims, 0, a->in[i].rank) != 1)
        return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "min and max must be scalars");
  }
  qe_vinfo_set(&a->out[0], x->dtype, x->rank, x->dims);
  return QE_OK;
}

static float selu_alpha(const qe_node *n)
{
  return qe_node_float(n, "alpha", 1.67326319217681884765625f);
}

static float f32_unary(const qe_node *n, qe_op op, float x, float p0, float p1)
{
  switch (op) {
  case QE_OP_ABS:
    return fabsf(x);
  case QE_OP_NEG:
    return -x;
  case QE_OP_EXP:
    return expf(x);
  case QE_OP_LOG:
    return logf(x);
  case QE_OP_SQRT:
    return sqrtf(x);
  case QE_OP_RECIPROCAL:
    return 1.0f / x;
  case QE_OP_FLOOR:
    return floorf(x);
  case QE_OP_CEIL:
    return ceilf(x);
  case QE_OP_ROUND:
    return nearbyintf(x);
  case QE_OP_SIGN:
    return x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f);
  case QE_OP_ERF:
    return erff(x);
  case QE_OP_SIN:
    return sinf(x);
  case QE_OP_COS:
    return cosf(x);
  case QE_OP_TAN:
    return tanf(x);
  case QE_OP_ATAN:
    return atanf(x);
  case QE_OP_ASIN:
    return asinf(x);
  case QE_OP_ACOS:
    return acosf(x);
  case QE_OP_SINH:
    return sinhf(x);
  case QE_OP_COSH:
    return coshf(x);
  case QE_OP_ASINH:
    return asinhf(x);
  case QE_OP_ACOSH:
    return acoshf(x);
  case QE_OP_ATANH:
    return atanhf(x);
  case QE_OP_THRESHOLDED_RELU:
    return x > p0 ? x : 0.0f;
  case QE_OP_SHRINK:
    return x < -p0 ? x + p1 : (x > p0 ? x - p1 : 0.0f);
  case QE_OP_RELU:
    return x < 0 ? 0.0f : x;
  case QE_OP_LEAKY_RELU:
    return x < 0 ? x * p0 : x;
  case QE_OP_ELU:
    return x < 0 ? p0 * (expf(x) - 1.0f) : x;
  case QE_OP_SELU:
    return x <= 0 ? p1 * (p0 * expf(x) - p0) : p1 * x;
  case QE_OP_CELU:
    return fmaxf(0.0f, x) + fminf(0.0f, p0 * expm1f(x / p0));
  case QE_OP_SIGMOID:
    return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
  case QE_OP_HARD_SIGMOID: {
    float v = p0 * x + p1;
    return v < 0 ? 0.0f : (v > 1 ? 1.0f : v);
  }
  case QE_OP_HARD_SWISH: {
    float v = x / 6.0f + 0.5f;
    return x * (v < 0 ? 0.0f : (v > 1 ? 1.0f : v));
  }
  case QE_OP_TANH:
    return tanhf(x);
  case QE_OP_SOFTPLUS:
    return x > 20.0f ? x : log1pf(expf(x));
  case QE_OP_SOFTSIGN:
    return x / (1.0f + fabsf(x));
  case QE_OP_CLIP:
    return x < p0 ? p0 : (x > p1 ? p1 : x);
  default:
    (void)n;
    return x;
  }
}

static void unary_params(const qe_exec_args *a, double *p0, double *p1)
{
  const qe_node *n = a->node;
  qe_op op = n->op;
  *p0 = *p1 = 0;
  switch (op) {
  case QE_OP_LEAKY_RELU:
    *p0 = qe_node_float(n, "alpha", 0.01f);
    break;
  case QE_OP_ELU:
  case QE_OP_CELU:
    *p0 = qe_node_float(n, "alpha", 1.0f);
    break;
  case QE_OP_SELU:
    *p0 = selu_alpha(n);
    *p1 = qe_node_float(n, "gamma", 1.05070102214813232421875f);
    break;
  case QE_OP_HARD_SIGMOID:
    *p0 = qe_node_float(n, "alpha", 0.2f);
    *p1 = qe_node_float(n, "beta", 0.5f);
    break;
  case QE_OP_THRESHOLDED_RELU:
    *p0 = qe_node_float(n, "alpha", 1.0f);
    break;
  case QE_OP_SHRINK:
    *p0 = qe_node_float(n, "lambd", 0.5f);
    *p1 = qe_node_float(n, "bias", 0.0f);
    break;
  case QE_OP_CLIP:
    if (a->opset < 11) {
      *p0 = qe_node_float(n, "min", -FLT_MAX);
      *p1 = qe_node_float(n, "max", FLT_MAX);
    } else {
      bool fl = qe_dtype_is_float(a->in[0]->dtype);
      *p0 = fl ? -INFINITY : -9.2e18;
      *p1 = fl ? INFINITY : 9.2e18;
      if (a->n_in > 1 && a->in[1])
        *p0 = qe_array_get_f64(a->in[1], 0);
      if (a->n_in > 2 && a->in[2])
        *p1 = qe_array_get_f64(a->in[2], 0);
    }
    break;
  default:
    break;
  }
}

static qe_status unary_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  size_t cnt = (size_t)qe_array_count(X);
  double p0, p1;
  unary_params(a, &p0, &p1);
  if (X->dtype == QE_DT_F32) {
    const float *x = X->data;
    float *y = Y->data;
    float f0 = (float)p0, f1 = (float)p1;
    switch (n->op) {
    case QE_OP_RELU:
      for (size_t i = 0; i < cnt; i++)
        y[i] = x[i] < 0 ? 0.0f : x[i];
      break;
    case QE_OP_CLIP:
      for (size_t i = 0; i < cnt; i++)
        y[i] = x[i] < f0 ? f0 : (x[i] > f1 ? f1 : x[i]);
      break;
    default:
      for (size_t i = 0; i < cnt; i++)
        y[i] = f32_unary(n, n->op, x[i], f0, f1);
    }
    return QE_OK;
  }
  if (qe_dtype_is_float(X->dtype)) {
    for (size_t i = 0; i < cnt; i++) {
      double x = qe_array_get_f64(X, i);
      double v;
      if (X->dtype == QE_DT_F64) {
        switch (n->op) {
        case QE_OP_EXP:
          v = exp(x);
          break;
        case QE_OP_LOG:
          v = log(x);
          break;
        case QE_OP_SQRT:
          v = sqrt(x);
          break;
        case QE_OP_TANH:
          v = tanh(x);
          break;
        case QE_OP_ERF:
          v = erf(x);
          break;
        case QE_OP_SIGMOID:
          v = 1.0 / (1.0 + exp(-x));
          break;
        case QE_OP_CLIP:
          v = x < p0 ? p0 : (x > p1 ? p1 : x);
          break;
        default:
          v = f32_unary(n, n->op, (float)x, (float)p0, (float)p1);
          if (n->op == QE_OP_ABS)
            v = fabs(x);
          else if (n->op == QE_OP_NEG)
            v = -x;
          else if (n->op == QE_OP_RELU)
            v = x < 0 ? 0 : x;
        }
      } else {
        v = f32_unary(n, n->op, (float)x, (float)p0, (float)p1);
      }
      qe_array_set_f64(Y, i, v);
    }
    return QE_OK;
  }
  /* Integer and bool types. */
  for (size_t i = 0; i < cnt; i++) {
    int64_t x = qe_array_get_i64(X, i), v = x;
    switch (n->op) {
    case QE_OP_ABS:
      v = x < 0 ? -x : x;
      break;
    case QE_OP_NEG:
      v = -x;
      break;
    case QE_OP_SIGN:
      v = x > 0 ? 1 : (x < 0 ? -1 : 0);
      break;
    case QE_OP_NOT:
      v = !x;
      break;
    case QE_OP_RELU:
      v = x < 0 ? 0 : x;
      break;
    case QE_OP_CLIP: {
      double dv = (double)x;
      v = dv < p0 ? (int64_t)p0 : (dv > p1 ? (int64_t)p1 : x);
      break;
    }
    default:
      break;
    }
    if (X->dtype == QE_DT_U64 && n->op == QE_OP_ABS)
      v = x;
    qe_array_set_i64(Y, i, v);
  }
  return QE_OK;
}

/* ---- Cast --------------------------------------------------------------- */

qe_dtype qe_dtype_from_onnx(int64_t t)
{
  switch (t) {
  case 1:
    return QE_DT_F32;
  case 2:
    return QE_DT_U8;
  case 3:
    return QE_DT_I8;
  case 4:
    return QE_DT_U16;
  case 5:
    return QE_DT_I16;
  case 6:
    return QE_DT_I32;
  case 7:
    return QE_DT_I64;
  case 8:
    return QE_DT_STRING;
  case 9:
    return QE_DT_BOOL;
  case 10:
    return QE_DT_F16;
  case 11:
    return QE_DT_F64;
  case 12:
    return QE_DT_U32;
  case 13:
    return QE_DT_U64;
  case 16:
    return QE_DT_BF16;
  default:
    return QE_DT_UNDEFINED;
  }
}

int qe_dtype_to_onnx(qe_dtype t)
{
  switch (t) {
  case QE_DT_F32:
    return 1;
  case QE_DT_U8:
    return 2;
  case QE_DT_I8:
    return 3;
  case QE_DT_U16:
    return 4;
  case QE_DT_I16:
    return 5;
  case QE_DT_I32:
    return 6;
  case QE_DT_I64:
    return 7;
  case QE_DT_STRING:
    return 8;
  case QE_DT_BOOL:
    return 9;
  case QE_DT_F16:
    return 10;
  case QE_DT_F64:
    return 11;
  case QE_DT_U32:
    return 12;
  case QE_DT_U64:
    return 13;
  case QE_DT_BF16:
    return 16;
  default:
    return 0;
  }
}

static qe_status cast_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  int64_t to = qe_node_int(n, "to", 0);
  qe_dtype dt = qe_dtype_from_onnx(to);
  if (dt == QE_DT_UNDEFINED || dt == QE_DT_STRING || dt == QE_DT_BF16)
    return qe_op_error(n, a->ctx, QE_ERR_UNSUPPORTED, "cast to ONNX type %lld", (long long)to);
  qe_status st = check_numeric(n, a->ctx, a->in[0].dtype);
  if (st != QE_OK)
    return st;
  qe_vinfo_set(&a->out[0], dt, a->in[0].rank, a->in[0].dims);
  return QE_OK;
}

static qe_status cast_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  size_t cnt = (size_t)qe_array_count(X);
  if (X->dtype == Y->dtype) {
    memcpy(Y->data, X->data, qe_array_nbytes(X));
    return QE_OK;
  }
  bool int_path = !qe_dtype_is_float(X->dtype) && !qe_dtype_is_float(Y->dtype);
  for (size_t i = 0; i < cnt; i++) {
    if (int_path)
      qe_array_set_i64(Y, i, qe_array_get_i64(X, i));
    else if (X->dtype == QE_DT_I64 && qe_dtype_is_float(Y->dtype))
      qe_array_set_f64(Y, i, (double)qe_array_get_i64(X, i));
    else
      qe_array_set_f64(Y, i, qe_array_get_f64(X, i));
  }
  return QE_OK;
}

static qe_status castlike_infer(const qe_infer_args *a)
{
  qe_dtype dt = a->in[1].dtype;
  if (dt == QE_DT_STRING || dt == QE_DT_BF16 || dt == QE_DT_I4)
    return qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, "cast to %s", qe_dtype_name(dt));
  qe_status st = check_numeric(a->node, a->ctx, a->in[0].dtype);
  if (st != QE_OK)
    return st;
  qe_vinfo_set(&a->out[0], dt, a->in[0].rank, a->in[0].dims);
  return QE_OK;
}

static qe_status isx_infer(const qe_infer_args *a)
{
  if (a->in[0].dtype != QE_DT_UNDEFINED && !qe_dtype_is_float(a->in[0].dtype))
    return qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, "type %s",
                       qe_dtype_name(a->in[0].dtype));
  qe_vinfo_set(&a->out[0], QE_DT_BOOL, a->in[0].rank, a->in[0].dims);
  return QE_OK;
}

static qe_status isx_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  uint8_t *y = a->out[0]->data;
  size_t n = (size_t)qe_array_count(X);
  bool neg = qe_node_int(a->node, "detect_negative", 1) != 0;
  bool pos = qe_node_int(a->node, "detect_positive", 1) != 0;
  for (size_t i = 0; i < n; i++) {
    double v = qe_array_get_f64(X, i);
    if (a->node->op == QE_OP_IS_NAN)
      y[i] = isnan(v) != 0;
    else
      y[i] = isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
  }
  return QE_OK;
}

const qe_op_def qe_ops_elementwise[] = {
#define BIN(op)                                     \
  {                                                 \
    op, binary_infer, binary_exec, NULL, 2, 2, 1, 1 \
  }
  BIN(QE_OP_ADD),
  BIN(QE_OP_SUB),
  BIN(QE_OP_MUL),
  BIN(QE_OP_DIV),
  BIN(QE_OP_POW),
  BIN(QE_OP_EQUAL),
  BIN(QE_OP_GREATER),
  BIN(QE_OP_LESS),
  BIN(QE_OP_GREATER_OR_EQUAL),
  BIN(QE_OP_LESS_OR_EQUAL),
  BIN(QE_OP_AND),
  BIN(QE_OP_OR),
  BIN(QE_OP_XOR),
  BIN(QE_OP_MOD),
  BIN(QE_OP_PRELU),
  BIN(QE_OP_BIT_SHIFT),
#undef BIN
#define VAR(op)                                      \
  {                                                  \
    op, binary_infer, binary_exec, NULL, 1, -1, 1, 1 \
  }
  VAR(QE_OP_MIN),
  VAR(QE_OP_MAX),
  VAR(QE_OP_SUM),
  VAR(QE_OP_MEAN),
#undef VAR
  { QE_OP_WHERE, where_infer, where_exec, NULL, 3, 3, 1, 1 },
#define UN(op)                                    \
  {                                               \
    op, unary_infer, unary_exec, NULL, 1, 1, 1, 1 \
  }
  UN(QE_OP_ABS),
  UN(QE_OP_NEG),
  UN(QE_OP_EXP),
  UN(QE_OP_LOG),
  UN(QE_OP_SQRT),
  UN(QE_OP_RECIPROCAL),
  UN(QE_OP_FLOOR),
  UN(QE_OP_CEIL),
  UN(QE_OP_ROUND),
  UN(QE_OP_SIGN),
  UN(QE_OP_NOT),
  UN(QE_OP_ERF),
  UN(QE_OP_SIN),
  UN(QE_OP_COS),
  UN(QE_OP_TAN),
  UN(QE_OP_ATAN),
  UN(QE_OP_RELU),
  UN(QE_OP_LEAKY_RELU),
  UN(QE_OP_ELU),
  UN(QE_OP_SELU),
  UN(QE_OP_CELU),
  UN(QE_OP_SIGMOID),
  UN(QE_OP_HARD_SIGMOID),
  UN(QE_OP_HARD_SWISH),
  UN(QE_OP_TANH),
  UN(QE_OP_SOFTPLUS),
  UN(QE_OP_SOFTSIGN),
  UN(QE_OP_ASIN),
  UN(QE_OP_ACOS),
  UN(QE_OP_SINH),
  UN(QE_OP_COSH),
  UN(QE_OP_ASINH),
  UN(QE_OP_ACOSH),
  UN(QE_OP_ATANH),
  UN(QE_OP_THRESHOLDED_RELU),
  UN(QE_OP_SHRINK),
#undef UN
  { QE_OP_IS_NAN, isx_infer, isx_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_IS_INF, isx_infer, isx_exec, NULL, 1, 1, 1, 1 },
  { QE_OP_CAST_LIKE, castlike_infer, cast_exec, NULL, 2, 2, 1, 1 },
  { QE_OP_CLIP, unary_infer, unary_exec, NULL, 1, 3, 1, 1 },
  { QE_OP_CAST, cast_infer, cast_exec, NULL, 1, 1, 1, 1 },
};
const size_t qe_ops_elementwise_count = QE_ARRAY_LEN(qe_ops_elementwise);
