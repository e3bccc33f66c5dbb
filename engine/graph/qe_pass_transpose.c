/* qe_pass_transpose.c - Transpose optimization (qe_pass_cancel_transposes).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Graphs converted from TensorFlow or TFLite keep their NHWC tensors and
 * wrap every layout-sensitive op (Conv, the pools, Resize) in a Transpose
 * to NCHW before it and one back to NHWC after it. Between two such ops sit
 * ops whose result does not depend on the layout (Relu, Add, Clip...) or
 * depends on it only through an axis or a per-axis list (Concat, Pad,
 * Split, Slice, the reductions, Softmax). The pass moves the Transposes
 * down through those ops until they meet their inverse:
 *
 *  1. Simplify: a Transpose of a Transpose becomes one Transpose with the
 *     composed permutation, or nothing when they compose to the identity;
 *     identity Transposes go; two Transposes of one tensor with one
 *     permutation become one; a Reshape of a Transpose that moves only
 *     size-1 axes reads the Transpose's input; Transposes nobody reads go.
 *  2. Push: a node reading the output of Transpose(P) is rewritten to read
 *     its input instead. Its other operands follow: constants are permuted
 *     by P^-1 (after numpy's left-padding to the rank), operands of size 1
 *     stay as they are, any other tensor gets a new Transpose(P^-1). Axis
 *     attributes and per-axis lists are mapped through P (axis a becomes
 *     P[a]) and each output gets a Transpose(P) (for a reduction that drops
 *     axes, P restricted to the axes left, often the identity). A node is
 *     rewritten only when it removes more Transposes from its inputs than
 *     it adds to them.
 *  Both steps repeat, in topological order, until nothing changes.
 *
 * Every rewrite gives the same values: elementwise ops, Concat, Pad,
 * Split, Slice and Softmax compute exactly the same numbers on permuted
 * data; reductions over several axes may add in another order (rounding
 * only). Graph outputs keep their names and shapes.
 */
#include <stdio.h>
#include <string.h>

#include "qe_graph_internal.h"

/* Nodes with more operands or outputs than this are left alone. */
#define TP_MAX_IN  64
#define TP_MAX_OUT 16

typedef enum family {
  F_NONE = 0,
  F_UNARY,     /* elementwise on input 0; other inputs are scalars */
  F_BROADCAST, /* elementwise with numpy broadcasting over all inputs */
  F_CONCAT,    /* axis */
  F_SPLIT,     /* axis, several outputs */
  F_PAD,       /* per-axis pads */
  F_REDUCE,    /* axes, keepdims */
  F_ARG,       /* ArgMax / ArgMin: axis, keepdims */
  F_AXIS,      /* Softmax-like, opset >= 13: axis */
  F_SLICE,     /* opset >= 10: axes input */
} family;

typedef enum src_kind {
  SRC_KEEP = 0, /* not a layout operand, or left as it is (size 1) */
  SRC_CANCEL,   /* read through Transpose(P): read its input */
  SRC_CONST,    /* a constant, permuted by P^-1 */
  SRC_NEWT,     /* a tensor that gets a Transpose(P^-1) */
} src_kind;

typedef struct push_plan {
  int r;                    /* rank of the permuted tensors */
  int P[QE_MAX_RANK];       /* the permutation moved below the node */
  int inv[QE_MAX_RANK];     /* P^-1 */
  src_kind src[TP_MAX_IN];  /* per input */
  int gain, cost;           /* Transposes read through / added at the inputs */
  int freed;                /* input Transposes nobody reads afterwards */
  int n_out_t;              /* Transposes added after the outputs */
  int out_rank[TP_MAX_OUT]; /* rank of each output */
  int out_perm[TP_MAX_OUT][QE_MAX_RANK];
  bool out_t[TP_MAX_OUT]; /* the output needs a Transpose after the node */
  /* reductions */
  bool reduce_all;
  bool mask[QE_MAX_RANK]; /* axes reduced (input order) */
  bool keepdims;
  bool axes_input; /* ReduceSum opset >= 13: axes in input 1 */
} push_plan;

/* ---- small helpers ----------------------------------------------------------- */

static int64_t node_opset(const qe_node *n)
{
  return n->opset ? n->opset : QE_OPSET_MAX;
}

/* The permutation of Transpose node @n (default: reversed axes, which needs
 * the input's rank). */
static bool transpose_perm(const qe_graph *g, const qe_node *n, int *perm, int *rank)
{
  if (n->op != QE_OP_TRANSPOSE || (n->domain && n->domain[0]) || n->n_outputs < 1 ||
      n->fused_act != QE_OP_UNKNOWN)
    return false;
  int in = qe_node_input(n, 0);
  if (in < 0 || qe_node_output(n, 0) < 0)
    return false;
  int r = g->tensors[in].rank;
  size_t c;
  const int64_t *p = qe_node_ints(n, "perm", &c);
  if (p) {
    if ((r >= 0 && (int)c != r) || c > QE_MAX_RANK)
      return false;
    r = (int)c;
    bool seen[QE_MAX_RANK] = { false };
    for (int i = 0; i < r; i++) {
      int ax;
      if (!qe_norm_axis(p[i], r, &ax) || seen[ax])
        return false;
      seen[ax] = true;
      perm[i] = ax;
    }
  } else {
    if (r < 0)
      return false;
    for (int i = 0; i < r; i++)
      perm[i] = r - 1 - i;
  }
  *rank = r;
  return true;
}

static bool perm_identity(const int *p, int r)
{
  for (int i = 0; i < r; i++)
    if (p[i] != i)
      return false;
  return true;
}

/* The Transpose producing @t, with its permutation; -1 when none. */
static int producing_transpose(const qe_graph *g, int t, int *perm, int *rank)
{
  if (t < 0)
    return -1;
  int p = qe_graph_producer(g, t);
  if (p < 0 || !transpose_perm(g, &g->nodes[p], perm, rank))
    return -1;
  return p;
}

static bool all_ones(const int64_t *dims, int rank)
{
  for (int i = 0; i < rank; i++)
    if (dims[i] != 1)
      return false;
  return true;
}

/* @a (rank <= r, left-padded with ones to rank r) transposed by @perm. */
static qe_status array_transpose(const qe_array *a, int r, const int *perm, qe_array **out,
                                 qe_ctx *ctx)
{
  int64_t full[QE_MAX_RANK], od[QE_MAX_RANK], stride[QE_MAX_RANK], idx[QE_MAX_RANK] = { 0 };
  const int pad = r - a->rank;
  for (int i = 0; i < r; i++)
    full[i] = i < pad ? 1 : a->dims[i - pad];
  for (int i = 0; i < r; i++)
    od[i] = full[perm[i]];
  int64_t s = 1;
  for (int i = r - 1; i >= 0; i--) {
    stride[i] = s;
    s *= full[i];
  }
  qe_status st = qe_array_new(a->dtype, r, od, out, ctx);
  if (st != QE_OK)
    return st;
  const size_t es = qe_dtype_size(a->dtype);
  const int64_t n = qe_array_count(*out);
  char *dst = (*out)->data;
  const char *src = a->data;
  for (int64_t e = 0; e < n; e++) {
    int64_t off = 0;
    for (int i = 0; i < r; i++)
      off += idx[i] * stride[perm[i]];
    memcpy(dst + (size_t)e * es, src + (size_t)off * es, es);
    for (int i = r - 1; i >= 0; i--) {
      if (++idx[i] < od[i])
        break;
      idx[i] = 0;
    }
  }
  return QE_OK;
}

static qe_status add_const(qe_graph *g, const char *base, qe_array *a, int *idx, qe_ctx *ctx)
{
  char *name = qe_graph_unique_name(g, base);
  if (!name) {
    qe_array_free(a);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  qe_status st = qe_graph_add_initializer_owned(g, name, a, idx, ctx);
  free(name);
  return st;
}

static qe_status add_i64_const(qe_graph *g, const char *base, size_t n, const int64_t *v, int *idx,
                               qe_ctx *ctx)
{
  const int64_t d = (int64_t)n;
  qe_array *a = NULL;
  qe_status st = qe_array_new(QE_DT_I64, 1, &d, &a, ctx);
  if (st != QE_OK)
    return st;
  if (n)
    memcpy(a->data, v, n * sizeof(int64_t));
  return add_const(g, base, a, idx, ctx);
}

/* A new tensor like @like (dtype) with dims @dims (rank @r; NULL: unknown). */
static qe_status add_tensor_like(qe_graph *g, int like, const char *suffix, int r,
                                 const int64_t *dims, int *idx, qe_ctx *ctx)
{
  char base[320];
  snprintf(base, sizeof base, "%s%s", g->tensors[like].name, suffix);
  char *name = qe_graph_unique_name(g, base);
  if (!name)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  int64_t unk[QE_MAX_RANK];
  for (int i = 0; i < QE_MAX_RANK; i++)
    unk[i] = -1;
  qe_status st =
      qe_graph_add_tensor(g, name, g->tensors[like].dtype, r, dims ? dims : unk, idx, ctx);
  free(name);
  return st;
}

/* A Transpose node @in -> @out with @perm. */
static qe_status add_transpose(qe_graph *g, const char *base, int in, int out, const int *perm,
                               int r, qe_ctx *ctx)
{
  char *name = qe_graph_unique_name(g, base);
  if (!name)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  int node;
  qe_status st = qe_graph_add_node(g, QE_OP_TRANSPOSE, name, 1, &in, 1, &out, &node, ctx);
  free(name);
  if (st != QE_OK)
    return st;
  int64_t p[QE_MAX_RANK];
  for (int i = 0; i < r; i++)
    p[i] = perm[i];
  return qe_node_set_ints(&g->nodes[node], "perm", (size_t)r, p, ctx);
}

static bool const_ints(const qe_graph *g, int t, int64_t *v, size_t max, size_t *n)
{
  if (t < 0 || !g->tensors[t].data || !qe_dtype_is_int(g->tensors[t].data->dtype))
    return false;
  return qe_array_get_ints(g->tensors[t].data, v, max, n);
}

/* True when Transpose @t (perm @p, rank @r) moves only axes of size 1: the
 * axes of other sizes stay in their order, so the data does not move. */
static bool order_kept(const qe_graph *g, const qe_node *t, const int *p, int r)
{
  const qe_tensor *x = &g->tensors[qe_node_input(t, 0)];
  if (x->rank != r)
    return false;
  int last = -1;
  for (int i = 0; i < r; i++) {
    if (x->dims[p[i]] < 0)
      return false;
    if (x->dims[p[i]] == 1)
      continue;
    if (p[i] < last)
      return false;
    last = p[i];
  }
  return true;
}

/* ---- step 1: simplify --------------------------------------------------------- */

/* One sweep; *n_changed counts the rewrites. Removes the dead Transposes. */
static qe_status simplify(qe_graph *g, size_t *n_changed, qe_ctx *ctx)
{
  size_t changes = 0;
  qe_status st = QE_OK;
  bool *dead = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
  if (!dead)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < g->n_nodes; i++) {
    int p2[QE_MAX_RANK], r2;
    if (dead[i] || !transpose_perm(g, &g->nodes[i], p2, &r2))
      continue;
    int src = qe_node_input(&g->nodes[i], 0), out = qe_node_output(&g->nodes[i], 0);
    if (perm_identity(p2, r2)) {
      if (qe_graph_bypass(g, src, out)) {
        dead[i] = true;
        changes++;
      }
      continue;
    }
    int p1[QE_MAX_RANK], r1;
    int t1 = producing_transpose(g, src, p1, &r1);
    if (t1 >= 0 && !dead[t1] && r1 == r2) {
      int comp[QE_MAX_RANK];
      for (int k = 0; k < r1; k++)
        comp[k] = p1[p2[k]];
      int src1 = qe_node_input(&g->nodes[t1], 0);
      if (perm_identity(comp, r1)) {
        if (qe_graph_bypass(g, src1, out)) {
          dead[i] = true;
          changes++;
        }
      } else {
        int64_t pv[QE_MAX_RANK];
        for (int k = 0; k < r1; k++)
          pv[k] = comp[k];
        if ((st = qe_node_set_ints(&g->nodes[i], "perm", (size_t)r1, pv, ctx)) != QE_OK)
          break;
        g->nodes[i].inputs[0] = src1;
        changes++;
      }
      continue;
    }
    /* the same Transpose of the same tensor earlier: read that one */
    for (size_t j = 0; j < i; j++) {
      int pj[QE_MAX_RANK], rj;
      if (dead[j] || qe_node_input(&g->nodes[j], 0) != src ||
          !transpose_perm(g, &g->nodes[j], pj, &rj) || rj != r2 ||
          memcmp(pj, p2, sizeof(int) * (size_t)r2) != 0)
        continue;
      int outj = qe_node_output(&g->nodes[j], 0);
      if (qe_graph_is_output(g, out))
        break;
      qe_graph_replace_uses(g, out, outj);
      dead[i] = true;
      changes++;
      break;
    }
  }
  /* A Reshape of a Transpose that moves only size-1 axes (the elements keep
   * their order) reads the Transpose's input: a Reshape sees only the order. */
  for (size_t i = 0; i < g->n_nodes && st == QE_OK; i++) {
    qe_node *n = &g->nodes[i];
    if (dead[i] || n->op != QE_OP_RESHAPE || (n->domain && n->domain[0]))
      continue;
    int p[QE_MAX_RANK], r;
    int t = producing_transpose(g, qe_node_input(n, 0), p, &r);
    if (t < 0 || dead[t] || !order_kept(g, &g->nodes[t], p, r))
      continue;
    /* a 0 in the shape copies an input dimension (unless allowzero) */
    int64_t shape[QE_MAX_RANK];
    size_t ns = 0;
    if (!const_ints(g, qe_node_input(n, 1), shape, QE_MAX_RANK, &ns))
      continue;
    bool zero = false;
    for (size_t k = 0; k < ns; k++)
      zero = zero || shape[k] == 0;
    if (zero && !qe_node_int(n, "allowzero", 0))
      continue;
    n->inputs[0] = qe_node_input(&g->nodes[t], 0);
    changes++;
  }
  /* Transposes nobody reads (repeat: one may feed another) */
  bool again = st == QE_OK;
  while (again) {
    again = false;
    for (size_t i = 0; i < g->n_nodes; i++) {
      const qe_node *n = &g->nodes[i];
      if (dead[i] || n->op != QE_OP_TRANSPOSE)
        continue;
      int out = qe_node_output(n, 0);
      if (out < 0 || qe_graph_is_output(g, out))
        continue;
      bool used = false;
      for (size_t j = 0; j < g->n_nodes && !used; j++) {
        if (dead[j])
          continue;
        for (int k = 0; k < g->nodes[j].n_inputs; k++)
          used = used || g->nodes[j].inputs[k] == out;
      }
      if (!used) {
        dead[i] = true;
        again = true;
        changes++;
      }
    }
  }
  size_t n_dead = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    n_dead += dead[i];
  if (st == QE_OK && n_dead)
    st = qe_graph_remove_nodes(g, dead, ctx);
  free(dead);
  *n_changed = changes;
  return st;
}

/* ---- step 2: push ------------------------------------------------------------- */

static family family_of(const qe_node *n)
{
  if ((n->domain && n->domain[0]) || n->n_inputs > TP_MAX_IN || n->n_outputs > TP_MAX_OUT ||
      n->n_outputs < 1)
    return F_NONE;
  const int64_t opset = node_opset(n);
  switch (n->op) {
  case QE_OP_RELU:
  case QE_OP_LEAKY_RELU:
  case QE_OP_ELU:
  case QE_OP_SELU:
  case QE_OP_CELU:
  case QE_OP_SIGMOID:
  case QE_OP_HARD_SIGMOID:
  case QE_OP_HARD_SWISH:
  case QE_OP_TANH:
  case QE_OP_SOFTPLUS:
  case QE_OP_SOFTSIGN:
  case QE_OP_THRESHOLDED_RELU:
  case QE_OP_SHRINK:
  case QE_OP_ABS:
  case QE_OP_NEG:
  case QE_OP_EXP:
  case QE_OP_LOG:
  case QE_OP_SQRT:
  case QE_OP_RECIPROCAL:
  case QE_OP_FLOOR:
  case QE_OP_CEIL:
  case QE_OP_ROUND:
  case QE_OP_SIGN:
  case QE_OP_NOT:
  case QE_OP_ERF:
  case QE_OP_SIN:
  case QE_OP_COS:
  case QE_OP_TAN:
  case QE_OP_ATAN:
  case QE_OP_ASIN:
  case QE_OP_ACOS:
  case QE_OP_SINH:
  case QE_OP_COSH:
  case QE_OP_ASINH:
  case QE_OP_ACOSH:
  case QE_OP_ATANH:
  case QE_OP_IS_NAN:
  case QE_OP_IS_INF:
  case QE_OP_IDENTITY:
  case QE_OP_CAST:
  case QE_OP_CLIP:
  case QE_OP_QUANTIZE_LINEAR:
  case QE_OP_DEQUANTIZE_LINEAR:
    return n->n_outputs == 1 ? F_UNARY : F_NONE;
  case QE_OP_ADD:
  case QE_OP_SUB:
  case QE_OP_MUL:
  case QE_OP_DIV:
  case QE_OP_POW:
  case QE_OP_MIN:
  case QE_OP_MAX:
  case QE_OP_SUM:
  case QE_OP_MEAN:
  case QE_OP_EQUAL:
  case QE_OP_GREATER:
  case QE_OP_LESS:
  case QE_OP_GREATER_OR_EQUAL:
  case QE_OP_LESS_OR_EQUAL:
  case QE_OP_AND:
  case QE_OP_OR:
  case QE_OP_XOR:
  case QE_OP_MOD:
  case QE_OP_PRELU:
  case QE_OP_WHERE:
  case QE_OP_BIT_SHIFT:
    return n->n_outputs == 1 ? F_BROADCAST : F_NONE;
  case QE_OP_CONCAT:
    return n->n_outputs == 1 ? F_CONCAT : F_NONE;
  case QE_OP_SPLIT:
    return F_SPLIT;
  case QE_OP_PAD:
    return n->n_outputs == 1 && n->n_inputs <= 3 ? F_PAD : F_NONE;
  case QE_OP_REDUCE_MEAN:
  case QE_OP_REDUCE_MAX:
  case QE_OP_REDUCE_MIN:
  case QE_OP_REDUCE_SUM:
  case QE_OP_REDUCE_PROD:
  case QE_OP_REDUCE_L1:
  case QE_OP_REDUCE_L2:
  case QE_OP_REDUCE_SUM_SQUARE:
  case QE_OP_REDUCE_LOG_SUM:
  case QE_OP_REDUCE_LOG_SUM_EXP:
    return n->n_outputs == 1 ? F_REDUCE : F_NONE;
  case QE_OP_ARG_MAX:
  case QE_OP_ARG_MIN:
    return n->n_outputs == 1 ? F_ARG : F_NONE;
  case QE_OP_SOFTMAX:
  case QE_OP_LOG_SOFTMAX:
  case QE_OP_HARDMAX:
    return n->n_outputs == 1 && opset >= 13 ? F_AXIS : F_NONE;
  case QE_OP_SLICE:
    return n->n_outputs == 1 && opset >= 10 ? F_SLICE : F_NONE;
  default:
    return F_NONE;
  }
}

static bool is_layout_input(family f, int k)
{
  return k == 0 || f == F_BROADCAST || f == F_CONCAT;
}

/* The reduced axes of a reduction (or ArgMax) over rank @r. */
static bool reduce_mask(const qe_graph *g, const qe_node *n, family f, int r, push_plan *pp)
{
  for (int i = 0; i < QE_MAX_RANK; i++)
    pp->mask[i] = false;
  pp->keepdims = qe_node_int(n, "keepdims", 1) != 0;
  pp->reduce_all = false;
  pp->axes_input = false;
  if (f == F_ARG) {
    int ax;
    if (!qe_norm_axis(qe_node_int(n, "axis", 0), r, &ax))
      return false;
    pp->mask[ax] = true;
    return true;
  }
  int64_t axes[QE_MAX_RANK];
  size_t na = 0;
  if (n->op == QE_OP_REDUCE_SUM && node_opset(n) >= 13) {
    pp->axes_input = true;
    int at = qe_node_input(n, 1);
    if (at >= 0 && !const_ints(g, at, axes, QE_MAX_RANK, &na))
      return false;
    if (na == 0) {
      if (qe_node_int(n, "noop_with_empty_axes", 0))
        return false; /* an identity: left to others */
      pp->reduce_all = true;
    }
  } else {
    size_t c;
    const int64_t *av = qe_node_ints(n, "axes", &c);
    if (n->n_inputs > 1 && qe_node_input(n, 1) >= 0)
      return false; /* axes as an input in an opset the engine reads as attributes */
    if (!av || c == 0) {
      pp->reduce_all = true;
    } else {
      if (c > QE_MAX_RANK)
        return false;
      memcpy(axes, av, c * sizeof(int64_t));
      na = c;
    }
  }
  if (pp->reduce_all) {
    for (int i = 0; i < r; i++)
      pp->mask[i] = true;
    return true;
  }
  for (size_t i = 0; i < na; i++) {
    int ax;
    if (!qe_norm_axis(axes[i], r, &ax))
      return false;
    pp->mask[ax] = true;
  }
  return true;
}

/* Can node @ni be rewritten with Transpose(P) (rank r) moved below it?
 * Fills @pp (sources, gain/cost, outputs). @conservative: only when the
 * number of Transposes does not grow; else whenever more operands are read
 * through a Transpose(P) than get a new one. */
static bool plan_push(const qe_graph *g, int ni, family f, const int *P, int r, push_plan *pp,
                      bool conservative)
{
  const qe_node *n = &g->nodes[ni];
  memset(pp, 0, sizeof *pp);
  pp->r = r;
  for (int i = 0; i < r; i++) {
    pp->P[i] = P[i];
    pp->inv[P[i]] = i;
  }
  /* operands */
  for (int k = 0; k < n->n_inputs; k++) {
    int t = n->inputs[k];
    pp->src[k] = SRC_KEEP;
    if (t < 0)
      continue;
    const qe_tensor *x = &g->tensors[t];
    if (!is_layout_input(f, k)) {
      /* scalars of a unary op (Clip bounds, Q/DQ scale and zero point) */
      if (f == F_UNARY && (x->rank < 0 || qe_dims_count(x->dims, x->rank) != 1))
        return false;
      continue;
    }
    int tp[QE_MAX_RANK], tr;
    if (producing_transpose(g, t, tp, &tr) >= 0 && tr == r &&
        memcmp(tp, P, sizeof(int) * (size_t)r) == 0) {
      pp->src[k] = SRC_CANCEL;
      pp->gain++;
      continue;
    }
    if (x->rank < 0 || x->rank > r)
      return false;
    if (x->rank < r && f != F_BROADCAST)
      return false;
    if (all_ones(x->dims, x->rank))
      continue; /* size 1: the same under any permutation */
    if (x->data) {
      if (qe_dtype_size(x->data->dtype) == 0)
        return false;
      pp->src[k] = SRC_CONST;
      continue;
    }
    if (x->rank < r)
      return false; /* a lower-rank activation broadcast: would need a Reshape */
    pp->src[k] = SRC_NEWT;
    pp->cost++;
  }
  if (pp->gain <= pp->cost)
    return false;
  /* the input Transposes only this node reads */
  for (int k = 0; k < n->n_inputs; k++) {
    if (pp->src[k] != SRC_CANCEL)
      continue;
    bool first = true;
    for (int j = 0; j < k; j++)
      first = first && !(pp->src[j] == SRC_CANCEL && n->inputs[j] == n->inputs[k]);
    if (!first)
      continue;
    size_t here = 0;
    for (int j = 0; j < n->n_inputs; j++)
      here += n->inputs[j] == n->inputs[k];
    if (here == qe_graph_use_count(g, n->inputs[k]) && !qe_graph_is_output(g, n->inputs[k]))
      pp->freed++;
  }
  /* attributes */
  int out_rank = r;
  switch (f) {
  case F_CONCAT:
  case F_SPLIT:
  case F_AXIS: {
    int ax;
    int64_t def = f == F_AXIS ? -1 : f == F_SPLIT ? 0 : 1;
    if (f == F_CONCAT && !qe_node_attr(n, "axis"))
      return false;
    if (!qe_norm_axis(qe_node_int(n, "axis", def), r, &ax))
      return false;
    break;
  }
  case F_PAD: {
    int64_t pads[2 * QE_MAX_RANK];
    size_t np = 0;
    if (node_opset(n) < 11) {
      const int64_t *pv = qe_node_ints(n, "pads", &np);
      if (!pv || np != (size_t)(2 * r))
        return false;
    } else if (!const_ints(g, qe_node_input(n, 1), pads, 2 * QE_MAX_RANK, &np) ||
               np != (size_t)(2 * r)) {
      return false;
    }
    break;
  }
  case F_REDUCE:
  case F_ARG:
    if (!reduce_mask(g, n, f, r, pp))
      return false;
    if (!pp->keepdims) {
      out_rank = 0;
      for (int a = 0; a < r; a++)
        out_rank += !pp->mask[a];
    }
    break;
  case F_SLICE: {
    int64_t v[QE_MAX_RANK];
    size_t ns = 0, ne = 0, na = 0;
    if (!const_ints(g, qe_node_input(n, 1), v, QE_MAX_RANK, &ns) ||
        !const_ints(g, qe_node_input(n, 2), v, QE_MAX_RANK, &ne) || ns != ne)
      return false;
    int at = qe_node_input(n, 3);
    if (at >= 0) {
      if (!const_ints(g, at, v, QE_MAX_RANK, &na) || na != ns)
        return false;
      for (size_t i = 0; i < na; i++) {
        int ax;
        if (!qe_norm_axis(v[i], r, &ax))
          return false;
      }
    } else if (ns > (size_t)r) {
      return false;
    }
    break;
  }
  case F_UNARY:
    if ((n->op == QE_OP_QUANTIZE_LINEAR || n->op == QE_OP_DEQUANTIZE_LINEAR) &&
        qe_node_input(n, 1) < 0)
      return false;
    break;
  default:
    break;
  }
  /* outputs */
  for (int j = 0; j < n->n_outputs; j++) {
    int y = n->outputs[j];
    pp->out_rank[j] = out_rank;
    if (f == F_REDUCE || f == F_ARG) {
      if (pp->keepdims) {
        memcpy(pp->out_perm[j], P, sizeof(int) * (size_t)r);
      } else {
        /* P restricted to the axes left, renumbered */
        int k = 0;
        for (int a = 0; a < r; a++) {
          if (pp->mask[a])
            continue;
          int rank_of = 0;
          for (int b = 0; b < r; b++)
            rank_of += !pp->mask[b] && P[b] < P[a];
          pp->out_perm[j][k++] = rank_of;
        }
      }
    } else {
      memcpy(pp->out_perm[j], P, sizeof(int) * (size_t)r);
    }
    pp->out_t[j] = y >= 0 && !perm_identity(pp->out_perm[j], out_rank);
    if (pp->out_t[j] && g->tensors[y].rank == out_rank && all_ones(g->tensors[y].dims, out_rank))
      pp->out_t[j] = false;
    pp->n_out_t += pp->out_t[j];
  }
  if (conservative && pp->cost + pp->n_out_t > pp->freed)
    return false;
  return true;
}

/* Rewrite node @ni by @pp. */
static qe_status apply_push(qe_graph *g, int ni, family f, const push_plan *pp, qe_ctx *ctx)
{
  const int r = pp->r;
  qe_status st;
  char base[320];
  int orig[TP_MAX_IN];
  for (int k = 0; k < g->nodes[ni].n_inputs; k++)
    orig[k] = g->nodes[ni].inputs[k];
  /* operands */
  for (int k = 0; k < g->nodes[ni].n_inputs; k++) {
    int t = orig[k];
    switch (pp->src[k]) {
    case SRC_CANCEL: {
      int tp[QE_MAX_RANK], tr;
      int tn = producing_transpose(g, t, tp, &tr);
      g->nodes[ni].inputs[k] = qe_node_input(&g->nodes[tn], 0);
      break;
    }
    case SRC_CONST: {
      qe_array *a = NULL;
      int c;
      if ((st = array_transpose(g->tensors[t].data, r, pp->inv, &a, ctx)) != QE_OK)
        return st;
      snprintf(base, sizeof base, "%s_tp", g->tensors[t].name);
      if ((st = add_const(g, base, a, &c, ctx)) != QE_OK)
        return st;
      g->nodes[ni].inputs[k] = c;
      break;
    }
    case SRC_NEWT: {
      /* the same operand twice: one Transpose */
      int prev = -1;
      for (int j = 0; j < k && prev < 0; j++)
        if (pp->src[j] == SRC_NEWT && orig[j] == t)
          prev = g->nodes[ni].inputs[j];
      if (prev >= 0) {
        g->nodes[ni].inputs[k] = prev;
        break;
      }
      const qe_tensor *x = &g->tensors[t];
      int64_t d[QE_MAX_RANK];
      for (int i = 0; i < r; i++)
        d[i] = x->dims[pp->inv[i]];
      int nt;
      if ((st = add_tensor_like(g, t, "_tp", r, d, &nt, ctx)) != QE_OK)
        return st;
      snprintf(base, sizeof base, "%s_tp", g->nodes[ni].name);
      if ((st = add_transpose(g, base, t, nt, pp->inv, r, ctx)) != QE_OK)
        return st;
      g->nodes[ni].inputs[k] = nt;
      break;
    }
    default:
      break;
    }
  }
  /* attributes */
  qe_node *n = &g->nodes[ni];
  switch (f) {
  case F_CONCAT:
  case F_SPLIT:
  case F_AXIS:
  case F_ARG: {
    int ax;
    int64_t def = f == F_AXIS ? -1 : f == F_CONCAT ? 1 : 0;
    qe_norm_axis(qe_node_int(n, "axis", def), r, &ax);
    if ((st = qe_node_set_int(n, "axis", pp->P[ax], ctx)) != QE_OK)
      return st;
    break;
  }
  case F_PAD: {
    int64_t pads[2 * QE_MAX_RANK], np2[2 * QE_MAX_RANK];
    size_t np = 0;
    const bool attr = node_opset(n) < 11;
    if (attr) {
      const int64_t *pv = qe_node_ints(n, "pads", &np);
      memcpy(pads, pv, np * sizeof(int64_t));
    } else {
      const_ints(g, qe_node_input(n, 1), pads, 2 * QE_MAX_RANK, &np);
    }
    for (int a = 0; a < r; a++) {
      np2[pp->P[a]] = pads[a];
      np2[r + pp->P[a]] = pads[r + a];
    }
    if (attr) {
      if ((st = qe_node_set_ints(n, "pads", (size_t)(2 * r), np2, ctx)) != QE_OK)
        return st;
    } else {
      int c;
      snprintf(base, sizeof base, "%s_pads_tp", n->name);
      if ((st = add_i64_const(g, base, (size_t)(2 * r), np2, &c, ctx)) != QE_OK)
        return st;
      g->nodes[ni].inputs[1] = c;
    }
    break;
  }
  case F_REDUCE:
    if (!pp->reduce_all) {
      int64_t axes[QE_MAX_RANK];
      size_t na = 0;
      for (int a = 0; a < r; a++)
        if (pp->mask[a])
          axes[na++] = pp->P[a];
      if (pp->axes_input) {
        int c;
        snprintf(base, sizeof base, "%s_axes_tp", n->name);
        if ((st = add_i64_const(g, base, na, axes, &c, ctx)) != QE_OK)
          return st;
        g->nodes[ni].inputs[1] = c;
      } else if ((st = qe_node_set_ints(n, "axes", na, axes, ctx)) != QE_OK) {
        return st;
      }
    }
    break;
  case F_SLICE: {
    int64_t v[QE_MAX_RANK];
    size_t ns = 0, na = 0;
    const_ints(g, qe_node_input(n, 1), v, QE_MAX_RANK, &ns);
    int at = qe_node_input(n, 3);
    if (at >= 0) {
      const_ints(g, at, v, QE_MAX_RANK, &na);
    } else {
      na = ns;
      for (size_t i = 0; i < na; i++)
        v[i] = (int64_t)i;
    }
    for (size_t i = 0; i < na; i++) {
      int ax;
      qe_norm_axis(v[i], r, &ax);
      v[i] = pp->P[ax];
    }
    int c;
    snprintf(base, sizeof base, "%s_axes_tp", n->name);
    if ((st = add_i64_const(g, base, na, v, &c, ctx)) != QE_OK)
      return st;
    n = &g->nodes[ni];
    if (n->n_inputs < 4) {
      int *in = realloc(n->inputs, 5 * sizeof(int));
      if (!in)
        return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      n->inputs = in;
      for (int k = n->n_inputs; k < 5; k++)
        in[k] = -1;
      n->n_inputs = qe_node_input(n, 4) >= 0 ? 5 : 4;
    }
    n->inputs[3] = c;
    break;
  }
  default:
    break;
  }
  /* outputs: the node writes the untransposed result, a Transpose restores
   * the tensor the readers (and graph outputs) know */
  for (int j = 0; j < g->nodes[ni].n_outputs; j++) {
    if (!pp->out_t[j])
      continue;
    int y = g->nodes[ni].outputs[j];
    const qe_tensor *yt = &g->tensors[y];
    const int orank = pp->out_rank[j];
    int64_t d[QE_MAX_RANK];
    bool known = yt->rank == orank;
    /* y = transpose(y', perm): y'.dims[perm[i]] = y.dims[i] */
    for (int i = 0; known && i < orank; i++)
      d[pp->out_perm[j][i]] = yt->dims[i];
    int ny;
    if ((st = add_tensor_like(g, y, "_pre_tp", orank, known ? d : NULL, &ny, ctx)) != QE_OK)
      return st;
    g->nodes[ni].outputs[j] = ny;
    snprintf(base, sizeof base, "%s_tp_out", g->nodes[ni].name);
    if ((st = add_transpose(g, base, ny, y, pp->out_perm[j], orank, ctx)) != QE_OK)
      return st;
  }
  return QE_OK;
}

/* Try to push a Transpose below node @ni; *done when it was rewritten. */
static qe_status try_push(qe_graph *g, int ni, bool conservative, bool *done, qe_ctx *ctx)
{
  *done = false;
  const qe_node *n = &g->nodes[ni];
  if (n->op == QE_OP_TRANSPOSE)
    return QE_OK;
  family f = family_of(n);
  if (f == F_NONE)
    return QE_OK;
  push_plan best, cand;
  bool have = false;
  memset(&best, 0, sizeof best);
  for (int k = 0; k < n->n_inputs; k++) {
    if (!is_layout_input(f, k))
      continue;
    int P[QE_MAX_RANK], r;
    if (producing_transpose(g, n->inputs[k], P, &r) < 0 || perm_identity(P, r))
      continue;
    if (!plan_push(g, ni, f, P, r, &cand, conservative))
      continue;
    if (!have || cand.freed - cand.cost - cand.n_out_t > best.freed - best.cost - best.n_out_t ||
        (cand.freed - cand.cost - cand.n_out_t == best.freed - best.cost - best.n_out_t &&
         cand.gain - cand.cost > best.gain - best.cost)) {
      best = cand;
      have = true;
    }
  }
  if (!have)
    return QE_OK;
  qe_status st = apply_push(g, ni, f, &best, ctx);
  if (st == QE_OK)
    *done = true;
  return st;
}

static size_t count_transposes(const qe_graph *g)
{
  size_t c = 0;
  for (size_t i = 0; i < g->n_nodes; i++)
    c += g->nodes[i].op == QE_OP_TRANSPOSE;
  return c;
}

/* The whole optimization on @g in one mode. */
static qe_status optimize(qe_graph *g, bool conservative, qe_ctx *ctx)
{
  qe_status st = QE_OK;
  /* Each push moves Transposes strictly down the graph, so this ends; the
   * bound only guards against a mistake. */
  const size_t max_rounds = 4 * g->n_nodes + 16;
  for (size_t round = 0; round < max_rounds; round++) {
    size_t c;
    do {
      if ((st = simplify(g, &c, ctx)) != QE_OK)
        return st;
    } while (c);
    int *order = NULL;
    if ((st = qe_graph_order(g, &order, ctx)) != QE_OK)
      return st;
    const size_t n0 = g->n_nodes;
    size_t pushed = 0;
    for (size_t k = 0; k < n0 && st == QE_OK; k++) {
      bool done;
      st = try_push(g, order[k], conservative, &done, ctx);
      pushed += done;
    }
    free(order);
    if (st != QE_OK)
      return st;
    if (!pushed)
      break;
    if ((st = qe_graph_toposort(g, ctx)) != QE_OK)
      return st;
  }
  if ((st = qe_graph_toposort(g, ctx)) != QE_OK || (st = qe_graph_compact(g, NULL, ctx)) != QE_OK)
    return st;
  return QE_OK;
}

/* Pushing a Transpose into several branches pays only when they all meet
 * their inverse further down, which a local rule cannot see. So the pass
 * runs twice on copies: "aggressive" (push whenever more operands are read
 * through the Transpose than get a new one) and "conservative" (only
 * pushes that never add a Transpose), and keeps the result with fewer
 * Transposes (then fewer nodes). The conservative run never ends with
 * more Transposes than it started with, so neither does the pass. On an
 * error @g is left as it was. */
qe_status qe_pass_cancel_transposes(qe_graph *g, size_t *changed, qe_ctx *ctx)
{
  if (changed)
    *changed = 0;
  const size_t before = count_transposes(g);
  if (before == 0)
    return QE_OK;
  /* Known ranks and shapes let more nodes take part; a graph whose shapes
   * cannot all be inferred is still optimized where they are known. */
  qe_graph_infer_shapes(g, NULL);
  qe_graph *agg = NULL, *con = NULL;
  qe_status st;
  if ((st = qe_graph_clone(g, &agg, ctx)) != QE_OK ||
      (st = qe_graph_clone(g, &con, ctx)) != QE_OK || (st = optimize(agg, false, ctx)) != QE_OK ||
      (st = optimize(con, true, ctx)) != QE_OK) {
    qe_graph_free(agg);
    qe_graph_free(con);
    return st;
  }
  const size_t ta = count_transposes(agg), tc = count_transposes(con);
  qe_graph *best = tc < ta || (tc == ta && con->n_nodes < agg->n_nodes) ? con : agg;
  qe_graph tmp = *g;
  *g = *best;
  *best = tmp;
  qe_graph_free(agg);
  qe_graph_free(con);
  const size_t after = count_transposes(g);
  if (changed)
    *changed = before > after ? before - after : 0;
  return QE_OK;
}
