/* qe_equalize.c - cross-layer equalization (Nagel et al. 2019), with the
 * ReLU6 rule documented in qe_quantize.h.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe_quant_internal.h"

void qe_equalize_scales(size_t n, const float *r1, const float *r2, const float *lo,
                        const float *hi, float *s)
{
  for (size_t i = 0; i < n; i++) {
    float v = 1.0f;
    if (r1[i] > 0 && r2[i] > 0 && isfinite(r1[i]) && isfinite(r2[i]))
      v = sqrtf(r1[i] / r2[i]);
    if (lo && v < lo[i])
      v = lo[i];
    if (hi && v > hi[i])
      v = hi[i];
    s[i] = v;
  }
}

typedef struct eq_pair {
  int n1, n2;
  int relu6;      /* the middle activation is a ReLU6 */
  int mid;        /* conv1's output tensor */
  size_t C;       /* channels between the layers */
  float *S;       /* cumulative scale per channel */
  float *lo, *hi; /* bounds on S (ReLU6) */
} eq_pair;

static bool const_owned(const qe_graph *g, int t)
{
  return t >= 0 && qe_quant_const_f32(g, t) && qe_graph_use_count(g, t) == 1;
}

static int single_consumer(const qe_graph *g, int t)
{
  if (qe_graph_use_count(g, t) != 1)
    return -1;
  for (size_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == t)
      return -1;
  for (size_t i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] == t)
        return k == 0 ? (int)i : -1;
  return -1;
}

/* A convolution whose weights and bias can be rescaled: plain or
 * depthwise. *dw set for depthwise. */
static bool eq_conv(const qe_graph *g, int i, bool *dw)
{
  const qe_node *n = &g->nodes[i];
  if (n->op != QE_OP_CONV || !const_owned(g, qe_node_input(n, 1)))
    return false;
  int b = qe_node_input(n, 2);
  if (b >= 0 && !const_owned(g, b))
    return false;
  const qe_tensor *x = &g->tensors[qe_node_input(n, 0)];
  const qe_tensor *w = &g->tensors[qe_node_input(n, 1)];
  int64_t group = qe_node_int(n, "group", 1);
  if (x->rank < 3 || w->rank < 3)
    return false;
  *dw = group > 1 && group == x->dims[1] && w->dims[1] == 1;
  return group == 1 || *dw;
}

/* Per-channel weight ranges: r1 over conv1's output channels, r2 over
 * conv2's input channels. */
static void ranges(const qe_graph *g, const eq_pair *p, float *r1, float *r2)
{
  const qe_node *a = &g->nodes[p->n1], *b = &g->nodes[p->n2];
  const qe_tensor *w1 = &g->tensors[qe_node_input(a, 1)], *w2 = &g->tensors[qe_node_input(b, 1)];
  const float *d1 = w1->data->data, *d2 = w2->data->data;
  const int64_t per1 = qe_quant_tensor_count(w1) / w1->dims[0];
  for (size_t c = 0; c < p->C; c++) {
    float m = 0;
    for (int64_t k = 0; k < per1; k++)
      m = fmaxf(m, fabsf(d1[c * per1 + k]));
    r1[c] = m;
    r2[c] = 0;
  }
  bool dw2 = false;
  eq_conv(g, p->n2, &dw2);
  const int64_t M2 = w2->dims[0], Cg2 = w2->dims[1];
  const int64_t ksz = qe_quant_tensor_count(w2) / (M2 * Cg2);
  for (int64_t m = 0; m < M2; m++)
    for (int64_t j = 0; j < Cg2; j++) {
      int64_t c = dw2 ? m / (M2 / (int64_t)p->C) : j;
      for (int64_t k = 0; k < ksz; k++)
        r2[c] = fmaxf(r2[c], fabsf(d2[(m * Cg2 + j) * ksz + k]));
    }
}

static void apply(qe_graph *g, const eq_pair *p, const float *s)
{
  const qe_node *a = &g->nodes[p->n1], *b = &g->nodes[p->n2];
  const qe_tensor *w1 = &g->tensors[qe_node_input(a, 1)], *w2 = &g->tensors[qe_node_input(b, 1)];
  float *d1 = w1->data->data, *d2 = w2->data->data;
  const int64_t per1 = qe_quant_tensor_count(w1) / w1->dims[0];
  int bt = qe_node_input(a, 2);
  float *b1 = bt >= 0 ? g->tensors[bt].data->data : NULL;
  for (size_t c = 0; c < p->C; c++) {
    for (int64_t k = 0; k < per1; k++)
      d1[c * per1 + k] /= s[c];
    if (b1)
      b1[c] /= s[c];
  }
  bool dw2 = false;
  eq_conv(g, p->n2, &dw2);
  const int64_t M2 = w2->dims[0], Cg2 = w2->dims[1];
  const int64_t ksz = qe_quant_tensor_count(w2) / (M2 * Cg2);
  for (int64_t m = 0; m < M2; m++)
    for (int64_t j = 0; j < Cg2; j++) {
      int64_t c = dw2 ? m / (M2 / (int64_t)p->C) : j;
      for (int64_t k = 0; k < ksz; k++)
        d2[(m * Cg2 + j) * ksz + k] *= s[c];
    }
}

qe_status qe_equalize(qe_graph *g, const float *const *channel_max, size_t *pairs, qe_ctx *ctx)
{
  eq_pair *P = NULL;
  size_t np = 0, cap = 0;
  qe_status st = QE_OK;
  float *r1 = NULL, *r2 = NULL, *s = NULL;
  size_t maxc = 0;
  if (pairs)
    *pairs = 0;
  for (size_t i = 0; i < g->n_nodes; i++) {
    bool dw1, dw2;
    if (!eq_conv(g, (int)i, &dw1))
      continue;
    int t1 = qe_node_output(&g->nodes[i], 0);
    int c = single_consumer(g, t1);
    if (c < 0)
      continue;
    int relu6 = 0;
    const qe_node *cn = &g->nodes[c];
    int n2 = -1;
    if (cn->op == QE_OP_CONV) {
      n2 = c;
    } else if (cn->op == QE_OP_RELU || cn->op == QE_OP_CLIP) {
      qe_activation act;
      if (!qe_quant_act_of(g, cn, &act) || act == QE_ACT_RELU_N1_TO_1)
        continue;
      if (act == QE_ACT_RELU6) {
        if (!channel_max || !channel_max[t1])
          continue;
        relu6 = 1;
      }
      n2 = single_consumer(g, qe_node_output(cn, 0));
    }
    if (n2 < 0 || !eq_conv(g, n2, &dw2))
      continue;
    const qe_tensor *w1 = &g->tensors[qe_node_input(&g->nodes[i], 1)];
    const qe_tensor *x2 = &g->tensors[qe_node_input(&g->nodes[n2], 0)];
    size_t C = (size_t)w1->dims[0];
    if (x2->rank < 2 || (size_t)x2->dims[1] != C)
      continue;
    if (!qe_grow((void **)&P, &cap, np + 1, sizeof *P)) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      goto out;
    }
    eq_pair *p = &P[np++];
    memset(p, 0, sizeof *p);
    p->n1 = (int)i;
    p->n2 = n2;
    p->relu6 = relu6;
    p->mid = t1;
    p->C = C;
    p->S = malloc(C * sizeof(float));
    p->lo = malloc(C * sizeof(float));
    p->hi = malloc(C * sizeof(float));
    if (!p->S || !p->lo || !p->hi) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      goto out;
    }
    for (size_t k = 0; k < C; k++) {
      p->S[k] = 1.0f;
      p->lo[k] = 1e-6f;
      p->hi[k] = 1e6f;
      if (relu6) {
        float m = channel_max[t1][k];
        if (m > 6.0f) {
          p->lo[k] = p->hi[k] = 1.0f; /* the clip is active: keep it at 6 */
        } else if (m > 0) {
          p->lo[k] = m / 6.0f; /* the new clip point 6 S stays above m */
        }
      }
    }
    maxc = C > maxc ? C : maxc;
  }
  if (np == 0)
    goto out;
  r1 = malloc(maxc * sizeof *r1);
  r2 = malloc(maxc * sizeof *r2);
  s = malloc(maxc * sizeof *s);
  if (!r1 || !r2 || !s) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (int sweep = 0; sweep < 20; sweep++) {
    double change = 0;
    for (size_t k = 0; k < np; k++) {
      eq_pair *p = &P[k];
      ranges(g, p, r1, r2);
      qe_equalize_scales(p->C, r1, r2, NULL, NULL, s);
      for (size_t c = 0; c < p->C; c++) {
        float want = p->S[c] * s[c];
        if (want < p->lo[c])
          want = p->lo[c];
        if (want > p->hi[c])
          want = p->hi[c];
        s[c] = want / p->S[c];
        p->S[c] = want;
        change = fmax(change, fabs(log((double)s[c])));
      }
      apply(g, p, s);
    }
    if ((st = qe_progress(ctx, -1.0, "equalizing")) != QE_OK)
      goto out;
    if (change < 1e-3)
      break;
  }
  if (pairs)
    *pairs = np;
out:
  for (size_t k = 0; k < np; k++) {
    free(P[k].S);
    free(P[k].lo);
    free(P[k].hi);
  }
  free(P);
  free(r1);
  free(r2);
  free(s);
  return st;
}
