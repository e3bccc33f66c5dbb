/* ops_conv.c - Conv, ConvTranspose, Gemm and MatMul (float reference).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Convolutions are im2col + the blocked qe_sgemm(); 1-D and 2-D are the
 * 3-D code with unit leading spatial dims.
 */
#include <stdio.h>
#include <string.h>

#include "qe_graph_internal.h"

/* Loops written to be vectorized: GCC does that at -O3 whatever the build
 * type. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

/* ---- geometry --------------------------------------------------------- */

static qe_status get_ints(const qe_node *n, qe_ctx *ctx, const char *name, int nsp, int64_t def,
                          int64_t *out, size_t want)
{
  size_t c;
  const int64_t *v = qe_node_ints(n, name, &c);
  for (size_t i = 0; i < want; i++)
    out[i] = def;
  if (!v)
    return QE_OK;
  if (c != want)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "attribute %s has %zu values, expected %zu", name, c,
                       want);
  for (size_t i = 0; i < want; i++)
    out[i] = v[i];
  (void)nsp;
  return QE_OK;
}

qe_status qe_conv_geometry(const qe_node *n, qe_ctx *ctx, int nsp, const int64_t *in_sp,
                           const int64_t *kernel, bool ceil_mode, qe_conv_geom *g)
{
  memset(g, 0, sizeof *g);
  if (nsp < 1 || nsp > 3)
    return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "%d spatial dimensions (1 to 3 supported)", nsp);
  g->nsp = nsp;
  int64_t pads[6];
  qe_status st;
  if ((st = get_ints(n, ctx, "strides", nsp, 1, g->s, nsp)) != QE_OK ||
      (st = get_ints(n, ctx, "dilations", nsp, 1, g->d, nsp)) != QE_OK ||
      (st = get_ints(n, ctx, "pads", nsp, 0, pads, 2 * nsp)) != QE_OK)
    return st;
  if (kernel) {
    for (int i = 0; i < nsp; i++)
      g->k[i] = kernel[i];
  } else {
    size_t c;
    const int64_t *ks = qe_node_ints(n, "kernel_shape", &c);
    if (!ks || c != (size_t)nsp)
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "kernel_shape must have %d values", nsp);
    for (int i = 0; i < nsp; i++)
      g->k[i] = ks[i];
  }
  const char *ap = qe_node_string(n, "auto_pad", "NOTSET");
  for (int i = 0; i < nsp; i++) {
    if (g->s[i] < 1 || g->d[i] < 1 || g->k[i] < 1 || g->k[i] > (1 << 20) || g->s[i] > (1 << 20) ||
        g->d[i] > (1 << 20))
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "invalid kernel, stride or dilation on axis %d", i);
    g->pb[i] = pads[i];
    g->pe[i] = pads[i + nsp];
    if (g->pb[i] < 0 || g->pe[i] < 0 || g->pb[i] > (1 << 20) || g->pe[i] > (1 << 20))
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "invalid pads");
    g->in[i] = in_sp[i];
    int64_t ek = g->d[i] * (g->k[i] - 1) + 1;
    if (in_sp[i] < 0) {
      g->out[i] = -1;
      continue;
    }
    if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
      int64_t o = (in_sp[i] + g->s[i] - 1) / g->s[i];
      int64_t total = (o - 1) * g->s[i] + ek - in_sp[i];
      if (total < 0)
        total = 0;
      if (strcmp(ap, "SAME_UPPER") == 0) {
        g->pb[i] = total / 2;
        g->pe[i] = total - total / 2;
      } else {
        g->pe[i] = total / 2;
        g->pb[i] = total - total / 2;
      }
      g->out[i] = o;
    } else {
      if (strcmp(ap, "VALID") == 0)
        g->pb[i] = g->pe[i] = 0;
      else if (strcmp(ap, "NOTSET") != 0 && ap[0])
        return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "auto_pad '%s' is not known", ap);
      int64_t span = in_sp[i] + g->pb[i] + g->pe[i] - ek;
      if (span < 0)
        return qe_op_error(n, ctx, QE_ERR_SHAPE,
                           "the window (%lld) is larger than the padded input (%lld) on axis %d",
                           (long long)ek, (long long)(in_sp[i] + g->pb[i] + g->pe[i]), i);
      if (ceil_mode) {
        g->out[i] = (span + g->s[i] - 1) / g->s[i] + 1;
        /* The last window must start inside the input or the begin pad. */
        if ((g->out[i] - 1) * g->s[i] >= in_sp[i] + g->pb[i])
          g->out[i]--;
      } else {
        g->out[i] = span / g->s[i] + 1;
      }
    }
  }
  return QE_OK;
}

/* Map 1..3 spatial dims onto 3 (leading ones unit). */
static void geom3(const qe_conv_geom *g, int64_t in[3], int64_t out[3], int64_t k[3], int64_t s[3],
                  int64_t d[3], int64_t pb[3])
{
  int off = 3 - g->nsp;
  for (int i = 0; i < 3; i++) {
    in[i] = out[i] = k[i] = s[i] = d[i] = 1;
    pb[i] = 0;
  }
  for (int i = 0; i < g->nsp; i++) {
    in[off + i] = g->in[i];
    out[off + i] = g->out[i];
    k[off + i] = g->k[i];
    s[off + i] = g->s[i];
    d[off + i] = g->d[i];
    pb[off + i] = g->pb[i];
  }
}

static void im2col(const float *x, int64_t C, const qe_conv_geom *g, float *col)
{
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3];
  geom3(g, in, out, k, s, d, pb);
  int64_t osp = out[0] * out[1] * out[2];
  int64_t isp = in[0] * in[1] * in[2];
  for (int64_t c = 0; c < C; c++) {
    const float *xc = x + c * isp;
    for (int64_t kd = 0; kd < k[0]; kd++)
      for (int64_t kh = 0; kh < k[1]; kh++)
        for (int64_t kw = 0; kw < k[2]; kw++) {
          float *row = col + (((c * k[0] + kd) * k[1] + kh) * k[2] + kw) * osp;
          for (int64_t od = 0; od < out[0]; od++) {
            int64_t id = od * s[0] - pb[0] + kd * d[0];
            for (int64_t oh = 0; oh < out[1]; oh++) {
              int64_t ih = oh * s[1] - pb[1] + kh * d[1];
              float *r = row + (od * out[1] + oh) * out[2];
              if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1]) {
                memset(r, 0, (size_t)out[2] * sizeof(float));
                continue;
              }
              const float *xr = xc + (id * in[1] + ih) * in[2];
              int64_t base = -pb[2] + kw * d[2];
              if (s[2] == 1) {
                for (int64_t ow = 0; ow < out[2]; ow++) {
                  int64_t iw = ow + base;
                  r[ow] = (iw >= 0 && iw < in[2]) ? xr[iw] : 0.0f;
                }
              } else {
                for (int64_t ow = 0; ow < out[2]; ow++) {
                  int64_t iw = ow * s[2] + base;
                  r[ow] = (iw >= 0 && iw < in[2]) ? xr[iw] : 0.0f;
                }
              }
            }
          }
        }
  }
}

static void col2im_add(const float *col, int64_t C, const qe_conv_geom *g, float *y)
{
  /* Here g->in is the transposed conv's input (the col's columns) and
   * g->out its output. */
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3];
  geom3(g, in, out, k, s, d, pb);
  int64_t osp = out[0] * out[1] * out[2];
  int64_t isp = in[0] * in[1] * in[2];
  for (int64_t c = 0; c < C; c++) {
    float *yc = y + c * osp;
    for (int64_t kd = 0; kd < k[0]; kd++)
      for (int64_t kh = 0; kh < k[1]; kh++)
        for (int64_t kw = 0; kw < k[2]; kw++) {
          const float *row = col + (((c * k[0] + kd) * k[1] + kh) * k[2] + kw) * isp;
          for (int64_t id = 0; id < in[0]; id++) {
            int64_t od = id * s[0] - pb[0] + kd * d[0];
            if (od < 0 || od >= out[0])
              continue;
            for (int64_t ih = 0; ih < in[1]; ih++) {
              int64_t oh = ih * s[1] - pb[1] + kh * d[1];
              if (oh < 0 || oh >= out[1])
                continue;
              const float *r = row + (id * in[1] + ih) * in[2];
              float *yr = yc + (od * out[1] + oh) * out[2];
              for (int64_t iw = 0; iw < in[2]; iw++) {
                int64_t ow = iw * s[2] - pb[2] + kw * d[2];
                if (ow >= 0 && ow < out[2])
                  yr[ow] += r[iw];
              }
            }
          }
        }
  }
}

/* Depthwise convolution (one input and one output channel per group):
 * direct loops with the output row innermost; for each kernel tap the valid
 * output range is computed once, so the inner loop has no bounds checks. */
static void depthwise(const float *x, const float *w, const float *b, float *y, int64_t N,
                      int64_t C, const qe_conv_geom *g)
{
  int64_t in[3], out[3], k[3], s[3], d[3], pb[3];
  geom3(g, in, out, k, s, d, pb);
  int64_t isp = in[0] * in[1] * in[2], osp = out[0] * out[1] * out[2];
  int64_t kvol = k[0] * k[1] * k[2];
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      const float *xc = x + (n * C + c) * isp;
      float *yc = y + (n * C + c) * osp;
      const float *wc = w + c * kvol;
      float bv = b ? b[c] : 0.0f;
      for (int64_t i = 0; i < osp; i++)
        yc[i] = bv;
      for (int64_t od = 0; od < out[0]; od++)
        for (int64_t kd = 0; kd < k[0]; kd++) {
          int64_t id = od * s[0] - pb[0] + kd * d[0];
          if (id < 0 || id >= in[0])
            continue;
          for (int64_t oh = 0; oh < out[1]; oh++)
            for (int64_t kh = 0; kh < k[1]; kh++) {
              int64_t ih = oh * s[1] - pb[1] + kh * d[1];
              if (ih < 0 || ih >= in[1])
                continue;
              const float *restrict xr = xc + (id * in[1] + ih) * in[2];
              float *restrict yr = yc + (od * out[1] + oh) * out[2];
              for (int64_t kw = 0; kw < k[2]; kw++) {
                const float wv = wc[(kd * k[1] + kh) * k[2] + kw];
                int64_t off = kw * d[2] - pb[2];
                int64_t lo = off >= 0 ? 0 : (-off + s[2] - 1) / s[2];
                int64_t hi = in[2] - 1 - off >= 0 ? (in[2] - 1 - off) / s[2] + 1 : 0;
                if (hi > out[2])
                  hi = out[2];
                if (s[2] == 1) {
                  const float *restrict xs = xr + off;
                  for (int64_t ow = lo; ow < hi; ow++)
                    yr[ow] += wv * xs[ow];
                } else {
                  for (int64_t ow = lo; ow < hi; ow++)
                    yr[ow] += wv * xr[ow * s[2] + off];
                }
              }
            }
        }
    }
}

static qe_status need_f32(const qe_node *n, qe_ctx *ctx, const qe_vinfo *v, const char *what)
{
  if (v->present && v->dtype != QE_DT_F32 && v->dtype != QE_DT_UNDEFINED)
    return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "%s of type %s (only float32 runs in float)",
                       what, qe_dtype_name(v->dtype));
  return QE_OK;
}

/* ---- Conv ------------------------------------------------------------- */

static qe_status conv_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  const qe_vinfo *x = &a->in[0], *w = &a->in[1];
  qe_status st;
  if ((st = need_f32(n, a->ctx, x, "input")) != QE_OK ||
      (st = need_f32(n, a->ctx, w, "weights")) != QE_OK)
    return st;
  a->out[0].dtype = QE_DT_F32;
  int rank = x->rank >= 0 ? x->rank : w->rank;
  if (rank < 0)
    return QE_OK;
  if (rank < 3 || rank > 5)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "input of rank %d (3 to 5 supported)", rank);
  if (w->rank >= 0 && w->rank != rank)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "weights of rank %d for an input of rank %d",
                       w->rank, rank);
  int nsp = rank - 2;
  int64_t group = qe_node_int(n, "group", 1);
  if (group < 1)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "group %lld", (long long)group);
  int64_t kernel[3] = { -1, -1, -1 };
  size_t kc;
  const int64_t *ks = qe_node_ints(n, "kernel_shape", &kc);
  for (int i = 0; i < nsp; i++)
    kernel[i] = (ks && kc == (size_t)nsp) ? ks[i] : (w->rank == rank ? w->dims[2 + i] : -1);
  int64_t in_sp[3] = { -1, -1, -1 };
  if (x->rank == rank)
    for (int i = 0; i < nsp; i++)
      in_sp[i] = x->dims[2 + i];
  int64_t M = w->rank == rank ? w->dims[0] : -1;
  if (x->rank == rank && w->rank == rank && x->dims[1] >= 0 && w->dims[1] >= 0 &&
      x->dims[1] != w->dims[1] * group)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE,
                       "input has %lld channels but weights expect %lld x group %lld",
                       (long long)x->dims[1], (long long)w->dims[1], (long long)group);
  if (M >= 0 && M % group)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "%lld output channels not divisible by group",
                       (long long)M);
  if (a->n_in > 2 && a->in[2].present && a->in[2].rank >= 0 &&
      (a->in[2].rank != 1 || (M >= 0 && a->in[2].dims[0] >= 0 && a->in[2].dims[0] != M)))
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "bias shape does not match %lld channels",
                       (long long)M);
  for (int i = 0; i < nsp; i++)
    if (kernel[i] < 0) {
      a->out[0].rank = rank;
      return QE_OK;
    }
  qe_conv_geom g;
  if ((st = qe_conv_geometry(n, a->ctx, nsp, in_sp, kernel, false, &g)) != QE_OK)
    return st;
  if (w->rank == rank)
    for (int i = 0; i < nsp; i++)
      if (w->dims[2 + i] >= 0 && w->dims[2 + i] != kernel[i])
        return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "kernel_shape does not match the weights");
  int64_t od[QE_MAX_RANK];
  od[0] = x->rank == rank ? x->dims[0] : -1;
  od[1] = M;
  for (int i = 0; i < nsp; i++)
    od[2 + i] = g.out[i];
  qe_vinfo_set(&a->out[0], QE_DT_F32, rank, od);
  return QE_OK;
}

static qe_status conv_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  const qe_array *X = a->in[0], *W = a->in[1];
  const qe_array *B = a->n_in > 2 ? a->in[2] : NULL;
  qe_array *Y = a->out[0];
  int nsp = X->rank - 2;
  int64_t group = qe_node_int(n, "group", 1);
  qe_conv_geom g;
  qe_status st = qe_conv_geometry(n, a->ctx, nsp, X->dims + 2, W->dims + 2, false, &g);
  if (st != QE_OK)
    return st;
  int64_t N = X->dims[0], C = X->dims[1], M = W->dims[0];
  int64_t Cg = C / group, Mg = M / group;
  int64_t kvol = qe_dims_prod(W->dims, 2, W->rank);
  int64_t isp = qe_dims_prod(X->dims, 2, X->rank);
  int64_t osp = qe_dims_prod(Y->dims, 2, Y->rank);
  bool pointwise = kvol == 1;
  for (int i = 0; i < nsp; i++)
    pointwise = pointwise && g.s[i] == 1 && g.pb[i] == 0 && g.pe[i] == 0;
  if (Cg == 1 && Mg == 1 && kvol > 1) {
    depthwise(X->data, W->data, B ? B->data : NULL, Y->data, N, C, &g);
    return QE_OK;
  }
  float *col = NULL;
  if (!pointwise) {
    size_t bytes;
    if (!qe_mul_size((size_t)(Cg * kvol), (size_t)osp * sizeof(float), &bytes))
      return qe_op_error(n, a->ctx, QE_ERR_NOMEM, "im2col buffer too large");
    col = qe_scratch_get(a, bytes);
    if (!col)
      return QE_ERR_NOMEM;
  }
  const float *x = X->data, *w = W->data, *b = B ? B->data : NULL;
  float *y = Y->data;
  for (int64_t nn = 0; nn < N; nn++)
    for (int64_t gi = 0; gi < group; gi++) {
      const float *xg = x + (nn * C + gi * Cg) * isp;
      float *yg = y + (nn * M + gi * Mg) * osp;
      const float *src = xg;
      if (!pointwise) {
        im2col(xg, Cg, &g, col);
        src = col;
      }
      qe_sgemm(false, false, Mg, osp, Cg * kvol, 1.0f, w + gi * Mg * Cg * kvol, Cg * kvol, src, osp,
               0.0f, yg, osp);
      if (b)
        for (int64_t m = 0; m < Mg; m++) {
          float bv = b[gi * Mg + m];
          float *yr = yg + m * osp;
          for (int64_t j = 0; j < osp; j++)
            yr[j] += bv;
        }
    }
  return QE_OK;
}

static int64_t conv_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                         int n_out)
{
  if (in[1].rank < 3 || out[0].rank < 3)
    return 0;
  int64_t kvol = qe_dims_prod(in[1].dims, 1, in[1].rank); /* Cg * k */
  int64_t o = qe_dims_prod(out[0].dims, 0, out[0].rank);
  return kvol < 0 || o < 0 ? 0 : kvol * o;
}

/* ---- ConvTranspose ----------------------------------------------------- */

static qe_status convt_geometry(const qe_node *n, qe_ctx *ctx, int nsp, const int64_t *in_sp,
                                const int64_t *kernel, qe_conv_geom *g)
{
  memset(g, 0, sizeof *g);
  g->nsp = nsp;
  int64_t pads[6], opad[3], oshape[3];
  qe_status st;
  if ((st = get_ints(n, ctx, "strides", nsp, 1, g->s, nsp)) != QE_OK ||
      (st = get_ints(n, ctx, "dilations", nsp, 1, g->d, nsp)) != QE_OK ||
      (st = get_ints(n, ctx, "pads", nsp, 0, pads, 2 * nsp)) != QE_OK ||
      (st = get_ints(n, ctx, "output_padding", nsp, 0, opad, nsp)) != QE_OK)
    return st;
  size_t osc;
  const int64_t *os = qe_node_ints(n, "output_shape", &osc);
  if (os && osc != (size_t)nsp && osc != (size_t)nsp + 2)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "output_shape has %zu values", osc);
  for (int i = 0; os && i < nsp; i++)
    oshape[i] = os[osc == (size_t)nsp ? i : i + 2];
  const char *ap = qe_node_string(n, "auto_pad", "NOTSET");
  bool same = strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0;
  for (int i = 0; i < nsp; i++) {
    g->k[i] = kernel[i];
    g->in[i] = in_sp[i];
    if (g->s[i] < 1 || g->d[i] < 1 || g->k[i] < 1 || g->s[i] > (1 << 20) || g->d[i] > (1 << 20) ||
        pads[i] < 0 || pads[i + nsp] < 0 || opad[i] < 0 || g->k[i] > (1 << 20))
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "invalid kernel, stride, dilation or pads");
    int64_t ek = g->d[i] * (g->k[i] - 1) + 1;
    if (in_sp[i] < 0) {
      g->out[i] = -1;
      continue;
    }
    int64_t full = g->s[i] * (in_sp[i] - 1) + opad[i] + ek;
    if (os || same) {
      int64_t target = os ? oshape[i] : in_sp[i] * g->s[i];
      int64_t total = full - target;
      if (total < 0)
        total = 0; /* the output is padded at the end with zeros */
      if (strcmp(ap, "SAME_UPPER") == 0) {
        g->pb[i] = total / 2;
        g->pe[i] = total - total / 2;
      } else {
        g->pb[i] = total - total / 2;
        g->pe[i] = total / 2;
      }
      g->out[i] = target;
    } else {
      g->pb[i] = pads[i];
      g->pe[i] = pads[i + nsp];
      g->out[i] = full - g->pb[i] - g->pe[i];
    }
    if (g->out[i] < 1)
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "empty output on axis %d", i);
  }
  return QE_OK;
}

static qe_status convt_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  const qe_vinfo *x = &a->in[0], *w = &a->in[1];
  qe_status st;
  if ((st = need_f32(n, a->ctx, x, "input")) != QE_OK ||
      (st = need_f32(n, a->ctx, w, "weights")) != QE_OK)
    return st;
  a->out[0].dtype = QE_DT_F32;
  int rank = x->rank >= 0 ? x->rank : w->rank;
  if (rank < 0)
    return QE_OK;
  if (rank < 3 || rank > 5 || (w->rank >= 0 && w->rank != rank))
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "input of rank %d, weights of rank %d", rank,
                       w->rank);
  int nsp = rank - 2;
  int64_t group = qe_node_int(n, "group", 1);
  if (group < 1)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "group %lld", (long long)group);
  if (w->rank != rank || x->rank != rank) {
    a->out[0].rank = rank;
    return QE_OK;
  }
  if (x->dims[1] >= 0 && w->dims[0] >= 0 && x->dims[1] != w->dims[0])
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "input has %lld channels, weights %lld",
                       (long long)x->dims[1], (long long)w->dims[0]);
  qe_conv_geom g;
  if ((st = convt_geometry(n, a->ctx, nsp, x->dims + 2, w->dims + 2, &g)) != QE_OK)
    return st;
  int64_t od[QE_MAX_RANK];
  od[0] = x->dims[0];
  od[1] = w->dims[1] < 0 ? -1 : w->dims[1] * group;
  for (int i = 0; i < nsp; i++)
    od[2 + i] = g.out[i];
  qe_vinfo_set(&a->out[0], QE_DT_F32, rank, od);
  return QE_OK;
}

static qe_status convt_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  const qe_array *X = a->in[0], *W = a->in[1];
  const qe_array *B = a->n_in > 2 ? a->in[2] : NULL;
  qe_array *Y = a->out[0];
  int nsp = X->rank - 2;
  int64_t group = qe_node_int(n, "group", 1);
  qe_conv_geom g;
  qe_status st = convt_geometry(n, a->ctx, nsp, X->dims + 2, W->dims + 2, &g);
  if (st != QE_OK)
    return st;
  /* col2im works with "in" = the ConvTranspose input and "out" = output. */
  int64_t N = X->dims[0], C = X->dims[1], Mg = W->dims[1], M = Mg * group, Cg = C / group;
  int64_t kvol = qe_dims_prod(W->dims, 2, W->rank);
  int64_t isp = qe_dims_prod(X->dims, 2, X->rank);
  int64_t osp = qe_dims_prod(Y->dims, 2, Y->rank);
  size_t bytes;
  if (!qe_mul_size((size_t)(Mg * kvol), (size_t)isp * sizeof(float), &bytes))
    return qe_op_error(n, a->ctx, QE_ERR_NOMEM, "column buffer too large");
  float *col = qe_scratch_get(a, bytes);
  if (!col)
    return QE_ERR_NOMEM;
  const float *x = X->data, *w = W->data, *b = B ? B->data : NULL;
  float *y = Y->data;
  memset(y, 0, (size_t)(N * M * osp) * sizeof(float));
  for (int64_t nn = 0; nn < N; nn++)
    for (int64_t gi = 0; gi < group; gi++) {
      const float *xg = x + (nn * C + gi * Cg) * isp;
      const float *wg = w + gi * Cg * Mg * kvol;
      /* col[Mg*kvol, isp] = Wg^T [Mg*kvol, Cg] * Xg [Cg, isp] */
      qe_sgemm(true, false, Mg * kvol, isp, Cg, 1.0f, wg, Mg * kvol, xg, isp, 0.0f, col, isp);
      col2im_add(col, Mg, &g, y + (nn * M + gi * Mg) * osp);
    }
  if (b)
    for (int64_t nn = 0; nn < N; nn++)
      for (int64_t m = 0; m < M; m++) {
        float *yr = y + (nn * M + m) * osp;
        for (int64_t j = 0; j < osp; j++)
          yr[j] += b[m];
      }
  return QE_OK;
}

static int64_t convt_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                          int n_out)
{
  if (in[0].rank < 3 || in[1].rank < 3)
    return 0;
  int64_t xs = qe_dims_prod(in[0].dims, 0, in[0].rank);
  int64_t wk = qe_dims_prod(in[1].dims, 1, in[1].rank);
  return xs < 0 || wk < 0 ? 0 : xs * wk;
}

/* ---- Gemm ------------------------------------------------------------- */

static qe_status gemm_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  const qe_vinfo *A = &a->in[0], *B = &a->in[1];
  qe_status st;
  if ((st = need_f32(n, a->ctx, A, "A")) != QE_OK || (st = need_f32(n, a->ctx, B, "B")) != QE_OK)
    return st;
  if (a->n_in > 2 && (st = need_f32(n, a->ctx, &a->in[2], "C")) != QE_OK)
    return st;
  a->out[0].dtype = QE_DT_F32;
  a->out[0].rank = 2;
  if ((A->rank >= 0 && A->rank != 2) || (B->rank >= 0 && B->rank != 2))
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "A and B must be matrices (ranks %d and %d)",
                       A->rank, B->rank);
  bool ta = qe_node_int(n, "transA", 0) != 0, tb = qe_node_int(n, "transB", 0) != 0;
  int64_t M = A->rank == 2 ? A->dims[ta ? 1 : 0] : -1;
  int64_t Ka = A->rank == 2 ? A->dims[ta ? 0 : 1] : -1;
  int64_t Kb = B->rank == 2 ? B->dims[tb ? 1 : 0] : -1;
  int64_t N = B->rank == 2 ? B->dims[tb ? 0 : 1] : -1;
  if (Ka >= 0 && Kb >= 0 && Ka != Kb)
    return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "inner dimensions %lld and %lld differ",
                       (long long)Ka, (long long)Kb);
  if (a->n_in > 2 && a->in[2].present && a->in[2].rank >= 0) {
    const qe_vinfo *C = &a->in[2];
    int64_t md[2] = { M, N }, od[QE_MAX_RANK];
    int orank;
    if (C->rank > 2 || !qe_broadcast_shape(2, md, C->rank, C->dims, &orank, od) ||
        (M >= 0 && od[0] != M) || (N >= 0 && od[1] != N))
      return qe_op_error(n, a->ctx, QE_ERR_SHAPE, "C does not broadcast to [%lld, %lld]",
                         (long long)M, (long long)N);
  }
  a->out[0].dims[0] = M;
  a->out[0].dims[1] = N;
  return QE_OK;
}

static qe_status gemm_exec(const qe_exec_args *a)
{
  const qe_node *n = a->node;
  const qe_array *A = a->in[0], *B = a->in[1], *C = a->n_in > 2 ? a->in[2] : NULL;
  qe_array *Y = a->out[0];
  bool ta = qe_node_int(n, "transA", 0) != 0, tb = qe_node_int(n, "transB", 0) != 0;
  float alpha = qe_node_float(n, "alpha", 1.0f), beta = qe_node_float(n, "beta", 1.0f);
  int64_t M = Y->dims[0], N = Y->dims[1], K = A->dims[ta ? 0 : 1];
  float *y = Y->data;
  if (C && beta != 0.0f) {
    const float *c = C->data;
    int64_t cm = C->rank == 2 ? C->dims[0] : 1;
    int64_t cn = C->rank >= 1 ? C->dims[C->rank - 1] : 1;
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++)
        y[i * N + j] = c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
  } else {
    beta = 0.0f;
  }
  qe_sgemm(ta, tb, M, N, K, alpha, A->data, A->dims[1], B->data, B->dims[1], beta, y, N);
  return QE_OK;
}

static int64_t gemm_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                         int n_out)
{
  if (in[0].rank != 2 || out[0].rank != 2)
    return 0;
  bool ta = qe_node_int(n, "transA", 0) != 0;
  int64_t K = in[0].dims[ta ? 0 : 1];
  int64_t o = qe_dims_prod(out[0].dims, 0, 2);
  return K < 0 || o < 0 ? 0 : K * o;
}

/* ---- MatMul ----------------------------------------------------------- */

static qe_status matmul_shape(const qe_node *n, qe_ctx *ctx, int ra, const int64_t *da, int rb,
                              const int64_t *db, int *ro, int64_t *dout)
{
  if (ra < 1 || rb < 1)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "MatMul of scalars");
  int64_t a2[QE_MAX_RANK + 1], b2[QE_MAX_RANK + 1];
  int ra2 = ra, rb2 = rb;
  memcpy(a2, da, ra * sizeof(int64_t));
  memcpy(b2, db, rb * sizeof(int64_t));
  if (ra == 1) {
    a2[0] = 1;
    a2[1] = da[0];
    ra2 = 2;
  }
  if (rb == 1) {
    b2[1] = 1;
    b2[0] = db[0];
    rb2 = 2;
  }
  int64_t Ka = a2[ra2 - 1], Kb = b2[rb2 - 2];
  if (Ka >= 0 && Kb >= 0 && Ka != Kb)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "inner dimensions %lld and %lld differ", (long long)Ka,
                       (long long)Kb);
  int rbatch = 0;
  int64_t bd[QE_MAX_RANK];
  if (!qe_broadcast_shape(ra2 - 2, a2, rb2 - 2, b2, &rbatch, bd))
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "batch dimensions do not broadcast");
  int r = rbatch;
  if (ra != 1)
    bd[r++] = a2[ra2 - 2];
  if (rb != 1)
    bd[r++] = b2[rb2 - 1];
  if (r > QE_MAX_RANK)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "rank too high");
  *ro = r;
  memcpy(dout, bd, r * sizeof(int64_t));
  return QE_OK;
}

static qe_status matmul_infer(const qe_infer_args *a)
{
  const qe_node *n = a->node;
  qe_status st;
  if ((st = need_f32(n, a->ctx, &a->in[0], "A")) != QE_OK ||
      (st = need_f32(n, a->ctx, &a->in[1], "B")) != QE_OK)
    return st;
  a->out[0].dtype = QE_DT_F32;
  if (a->in[0].rank < 0 || a->in[1].rank < 0)
    return QE_OK;
  int r = 0;
  int64_t d[QE_MAX_RANK];
  if ((st = matmul_shape(n, a->ctx, a->in[0].rank, a->in[0].dims, a->in[1].rank, a->in[1].dims, &r,
                         d)) != QE_OK)
    return st;
  qe_vinfo_set(&a->out[0], QE_DT_F32, r, d);
  return QE_OK;
}

static qe_status matmul_exec(const qe_exec_args *a)
{
  const qe_array *A = a->in[0], *B = a->in[1];
  qe_array *Y = a->out[0];
  int ra = A->rank, rb = B->rank;
  int64_t M = ra == 1 ? 1 : A->dims[ra - 2], K = A->dims[ra - 1];
  int64_t N = rb == 1 ? 1 : B->dims[rb - 1];
  int ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
  int64_t na = qe_dims_prod(A->dims, 0, ba), nbb = qe_dims_prod(B->dims, 0, bb);
  const float *pa = A->data, *pb = B->data;
  float *py = Y->data;
  int64_t ldb = rb == 1 ? 1 : N;
  if (nbb == 1) {
    /* B shared by every batch: one tall GEMM. */
    qe_sgemm(false, false, na * M, N, K, 1.0f, pa, K, pb, ldb, 0.0f, py, N);
    return QE_OK;
  }
  int rbatch = QE_MAX(ba, bb);
  int64_t bd[QE_MAX_RANK], ad[QE_MAX_RANK], bdd[QE_MAX_RANK];
  for (int i = 0; i < rbatch; i++) {
    int ia = i - (rbatch - ba), ib = i - (rbatch - bb);
    ad[i] = ia >= 0 ? A->dims[ia] : 1;
    bdd[i] = ib >= 0 ? B->dims[ib] : 1;
    bd[i] = QE_MAX(ad[i], bdd[i]);
  }
  int64_t total = qe_dims_prod(bd, 0, rbatch);
  for (int64_t t = 0; t < total; t++) {
    int64_t rem = t, oa = 0, ob = 0, sa = 1, sb = 1;
    for (int i = rbatch - 1; i >= 0; i--) {
      int64_t idx = rem % bd[i];
      rem /= bd[i];
      oa += (ad[i] == 1 ? 0 : idx) * sa;
      ob += (bdd[i] == 1 ? 0 : idx) * sb;
      sa *= ad[i];
      sb *= bdd[i];
    }
    qe_sgemm(false, false, M, N, K, 1.0f, pa + oa * M * K, K, pb + ob * K * N, ldb, 0.0f,
             py + t * M * N, N);
  }
  return QE_OK;
}

static int64_t matmul_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                           int n_out)
{
  if (in[0].rank < 1 || out[0].rank < 0)
    return 0;
  int64_t K = in[0].dims[in[0].rank - 1];
  int64_t o = qe_dims_prod(out[0].dims, 0, out[0].rank);
  return K < 0 || o < 0 ? 0 : K * o;
}

/* ---- Einsum (reference: one loop over every index combination) ---------- */

#define EIN_MAX 16

typedef struct ein_plan {
  int n_in;
  int nl; /* distinct letters */
  char letters[EIN_MAX];
  int64_t size[EIN_MAX];
  int in_rank[8];
  int in_map[8][QE_MAX_RANK]; /* letter index per input axis */
  int out_rank;
  int out_map[QE_MAX_RANK];
} ein_plan;

static int ein_letter(ein_plan *p, char c)
{
  for (int i = 0; i < p->nl; i++)
    if (p->letters[i] == c)
      return i;
  if (p->nl >= EIN_MAX)
    return -1;
  p->letters[p->nl] = c;
  p->size[p->nl] = -1;
  return p->nl++;
}

/* Parse the equation against the input ranks; ellipses become the letters
 * 'A', 'B', ... (right-aligned across inputs, numpy style). */
static qe_status ein_parse(const qe_node *n, qe_ctx *ctx, int n_in, const int *ranks,
                           const int64_t *const *dims, ein_plan *p)
{
  const char *eq = qe_node_string(n, "equation", NULL);
  memset(p, 0, sizeof *p);
  p->n_in = n_in;
  if (!eq || n_in > 8)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "missing equation or too many inputs");
  char terms[9][64];
  int nt = 0, k = 0;
  bool arrow = false;
  char lhs_out[64] = "";
  for (const char *c = eq;; c++) {
    if (*c == ' ')
      continue;
    if (*c == ',' || *c == '\0' || (*c == '-' && c[1] == '>')) {
      if (nt >= 9 || k >= 63)
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "equation too long");
      terms[nt][k] = '\0';
      nt++;
      k = 0;
      if (*c == '-') {
        c++;
        arrow = true;
        snprintf(lhs_out, sizeof lhs_out, "%s", c + 1);
        break;
      }
      if (*c == '\0')
        break;
      continue;
    }
    if (k >= 63)
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "equation too long");
    terms[nt][k++] = *c;
  }
  if (nt != n_in)
    return qe_op_error(n, ctx, QE_ERR_SHAPE, "equation has %d terms for %d inputs", nt, n_in);
  int ell_rank = 0;
  for (int t = 0; t < n_in; t++) {
    char *e = strstr(terms[t], "...");
    int explicit_n = (int)strlen(terms[t]) - (e ? 3 : 0);
    if (e) {
      int er = ranks[t] - explicit_n;
      if (er < 0)
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "term %d does not match its input's rank", t);
      ell_rank = er > ell_rank ? er : ell_rank;
    }
  }
  for (int t = 0; t < n_in; t++) {
    int ax = 0;
    const char *s = terms[t];
    int explicit_n = (int)strlen(s) - (strstr(s, "...") ? 3 : 0);
    for (; *s; s++) {
      if (s[0] == '.' && s[1] == '.' && s[2] == '.') {
        int er = ranks[t] - explicit_n;
        for (int e = 0; e < er; e++) {
          int li = ein_letter(p, (char)('A' + (ell_rank - er) + e));
          if (li < 0 || ax >= QE_MAX_RANK)
            return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "too many indices");
          p->in_map[t][ax++] = li;
        }
        s += 2;
        continue;
      }
      if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "bad character in equation");
      int li = ein_letter(p, *s);
      if (li < 0 || ax >= QE_MAX_RANK)
        return qe_op_error(n, ctx, QE_ERR_UNSUPPORTED, "too many indices");
      p->in_map[t][ax++] = li;
    }
    if (ax != ranks[t])
      return qe_op_error(n, ctx, QE_ERR_SHAPE, "term %d has %d indices, input rank %d", t, ax,
                         ranks[t]);
    p->in_rank[t] = ax;
    for (int i = 0; i < ax; i++) {
      int li = p->in_map[t][i];
      int64_t d = dims ? dims[t][i] : -1;
      if (d >= 0 && p->size[li] >= 0 && p->size[li] != d && p->size[li] != 1 && d != 1)
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "index '%c' has sizes %lld and %lld",
                           p->letters[li], (long long)p->size[li], (long long)d);
      if (d >= 0 && (p->size[li] < 0 || p->size[li] == 1))
        p->size[li] = d;
    }
  }
  /* Output: explicit, or ellipsis letters then letters seen once, sorted. */
  p->out_rank = 0;
  if (arrow) {
    for (const char *s = lhs_out; *s; s++) {
      if (*s == ' ')
        continue;
      if (s[0] == '.' && s[1] == '.' && s[2] == '.') {
        for (int e = 0; e < ell_rank; e++)
          p->out_map[p->out_rank++] = ein_letter(p, (char)('A' + e));
        s += 2;
        continue;
      }
      int li = -1;
      for (int i = 0; i < p->nl; i++)
        if (p->letters[i] == *s)
          li = i;
      if (li < 0 || p->out_rank >= QE_MAX_RANK)
        return qe_op_error(n, ctx, QE_ERR_SHAPE, "output index '%c' is not in the inputs", *s);
      p->out_map[p->out_rank++] = li;
    }
  } else {
    for (int e = 0; e < ell_rank; e++)
      p->out_map[p->out_rank++] = ein_letter(p, (char)('A' + e));
    for (char c = 'a'; c <= 'z'; c++) {
      int li = -1, count = 0;
      for (int i = 0; i < p->nl; i++)
        if (p->letters[i] == c)
          li = i;
      if (li < 0)
        continue;
      for (int t = 0; t < n_in; t++)
        for (int i = 0; i < p->in_rank[t]; i++)
          count += p->in_map[t][i] == li;
      if (count == 1 && p->out_rank < QE_MAX_RANK)
        p->out_map[p->out_rank++] = li;
    }
  }
  return QE_OK;
}

static qe_status einsum_infer(const qe_infer_args *a)
{
  int ranks[8];
  const int64_t *dims[8];
  for (int i = 0; i < a->n_in && i < 8; i++) {
    qe_dtype t = a->in[i].dtype;
    if (t != QE_DT_UNDEFINED && t != QE_DT_F32 && t != QE_DT_F64)
      return qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, "type %s (float32/64 only)",
                         qe_dtype_name(t));
    if (i > 0 && t != QE_DT_UNDEFINED && a->in[0].dtype != QE_DT_UNDEFINED && t != a->in[0].dtype)
      return qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, "inputs of different types");
    if (a->in[i].rank < 0) {
      a->out[0].dtype = a->in[0].dtype;
      return QE_OK;
    }
    ranks[i] = a->in[i].rank;
    dims[i] = a->in[i].dims;
  }
  ein_plan p;
  qe_status st = ein_parse(a->node, a->ctx, a->n_in, ranks, dims, &p);
  if (st != QE_OK)
    return st;
  int64_t d[QE_MAX_RANK];
  for (int i = 0; i < p.out_rank; i++)
    d[i] = p.size[p.out_map[i]];
  qe_vinfo_set(&a->out[0], a->in[0].dtype, p.out_rank, d);
  return QE_OK;
}

static qe_status einsum_exec(const qe_exec_args *a)
{
  int ranks[8];
  const int64_t *dims[8];
  for (int i = 0; i < a->n_in; i++) {
    ranks[i] = a->in[i]->rank;
    dims[i] = a->in[i]->dims;
  }
  ein_plan p;
  qe_status st = ein_parse(a->node, a->ctx, a->n_in, ranks, dims, &p);
  if (st != QE_OK)
    return st;
  /* strides of each letter in each input (0 when absent or broadcast) */
  int64_t ist[8][EIN_MAX], ost[EIN_MAX] = { 0 };
  memset(ist, 0, sizeof ist);
  for (int t = 0; t < p.n_in; t++) {
    int64_t s = 1;
    for (int i = ranks[t] - 1; i >= 0; i--) {
      if (dims[t][i] != 1)
        ist[t][p.in_map[t][i]] += s;
      s *= dims[t][i];
    }
  }
  int64_t s = 1;
  for (int i = p.out_rank - 1; i >= 0; i--) {
    ost[p.out_map[i]] += s;
    s *= p.size[p.out_map[i]];
  }
  int64_t ny = qe_array_count(a->out[0]);
  double *y = qe_scratch_get(a, (size_t)(ny ? ny : 1) * sizeof(double));
  if (!y)
    return QE_ERR_NOMEM;
  memset(y, 0, (size_t)ny * sizeof(double));
  int64_t total = 1;
  for (int l = 0; l < p.nl; l++) {
    int64_t sz = p.size[l] < 0 ? 1 : p.size[l];
    if (sz > 0 && total > ((int64_t)1 << 30) / sz)
      return qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, "too many index combinations");
    total *= sz;
  }
  int64_t idx[EIN_MAX] = { 0 }, off[8] = { 0 }, yo = 0;
  for (int64_t e = 0; e < total; e++) {
    double v = 1.0;
    for (int t = 0; t < p.n_in; t++)
      v *= qe_array_get_f64(a->in[t], (size_t)off[t]);
    y[yo] += v;
    for (int l = p.nl - 1; l >= 0; l--) {
      idx[l]++;
      for (int t = 0; t < p.n_in; t++)
        off[t] += ist[t][l];
      yo += ost[l];
      if (idx[l] < p.size[l])
        break;
      for (int t = 0; t < p.n_in; t++)
        off[t] -= ist[t][l] * idx[l];
      yo -= ost[l] * idx[l];
      idx[l] = 0;
    }
  }
  for (int64_t i = 0; i < ny; i++)
    qe_array_set_f64(a->out[0], (size_t)i, y[i]);
  return QE_OK;
}

const qe_op_def qe_ops_conv[] = {
  { QE_OP_CONV, conv_infer, conv_exec, conv_macs, 2, 3, 1, 1 },
  { QE_OP_CONV_TRANSPOSE, convt_infer, convt_exec, convt_macs, 2, 3, 1, 1 },
  { QE_OP_GEMM, gemm_infer, gemm_exec, gemm_macs, 2, 3, 1, 1 },
  { QE_OP_MATMUL, matmul_infer, matmul_exec, matmul_macs, 2, 2, 1, 1 },
  { QE_OP_EINSUM, einsum_infer, einsum_exec, NULL, 1, 8, 1, 1 },
};
const size_t qe_ops_conv_count = QE_ARRAY_LEN(qe_ops_conv);
