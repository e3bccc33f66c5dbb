/* ops_pool.c - MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool
 * (float32, 1 to 3 spatial dims).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

/* Loops written to be vectorized: GCC does that at -O3 whatever the build
 * type. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

static qe_status pool_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  bool is_max = a->node->op == QE_OP_MAX_POOL;
  /* MaxPool also takes int8/uint8 (opset 12): exact through float. */
  if (x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_F32 &&
      !(is_max && (x->dtype == QE_DT_I8 || x->dtype == QE_DT_U8)))
    return UNSUP("type %s (only float32 runs in float)", qe_dtype_name(x->dtype));
  qe_dtype dt = x->dtype == QE_DT_UNDEFINED ? QE_DT_F32 : x->dtype;
  a->out[0].dtype = dt;
  if (x->rank < 0)
    return QE_OK;
  if (x->rank < 3 || x->rank > 5)
    return ERR("input of rank %d (3 to 5 supported)", x->rank);
  qe_conv_geom g;
  bool ceil_mode = qe_node_int(a->node, "ceil_mode", 0) != 0;
  qe_status st = qe_conv_geometry(a->node, a->ctx, x->rank - 2, x->dims + 2, NULL, ceil_mode, &g);
  if (st != QE_OK)
    return st;
  int64_t d[QE_MAX_RANK];
  d[0] = x->dims[0];
  d[1] = x->dims[1];
  for (int i = 0; i < g.nsp; i++)
    d[2 + i] = g.out[i];
  qe_vinfo_set(&a->out[0], dt, x->rank, d);
  if (a->n_out > 1)
    qe_vinfo_set(&a->out[1], QE_DT_I64, x->rank, d);
  return QE_OK;
}

static qe_status pool_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_conv_geom g;
  bool ceil_mode = qe_node_int(a->node, "ceil_mode", 0) != 0;
  qe_status st = qe_conv_geometry(a->node, a->ctx, X->rank - 2, X->dims + 2, NULL, ceil_mode, &g);
  if (st != QE_OK)
    return st;
  bool is_max = a->node->op == QE_OP_MAX_POOL;
  bool include_pad = qe_node_int(a->node, "count_include_pad", 0) != 0;
  int64_t in[3] = { 1, 1, 1 }, out[3] = { 1, 1, 1 }, k[3] = { 1, 1, 1 }, s[3] = { 1, 1, 1 },
          d[3] = { 1, 1, 1 }, pb[3] = { 0, 0, 0 }, pe[3] = { 0, 0, 0 };
  int off = 3 - g.nsp;
  for (int i = 0; i < g.nsp; i++) {
    in[off + i] = g.in[i];
    out[off + i] = g.out[i];
    k[off + i] = g.k[i];
    s[off + i] = g.s[i];
    d[off + i] = g.d[i];
    pb[off + i] = g.pb[i];
    pe[off + i] = g.pe[i];
  }
  int64_t NC = X->dims[0] * X->dims[1];
  int64_t isp = in[0] * in[1] * in[2], osp = out[0] * out[1] * out[2];
  /* int8/uint8 MaxPool: through float copies (exact). */
  int64_t nx = qe_array_count(X), ny = qe_array_count(a->out[0]);
  bool conv = X->dtype != QE_DT_F32;
  float *fx = NULL, *fy = NULL;
  int64_t *yi = a->n_out > 1 && a->out[1] ? a->out[1]->data : NULL;
  bool colmajor = qe_node_int(a->node, "storage_order", 0) != 0;
  int64_t tot = out[0] + out[1] + out[2];
  size_t rng_bytes = (size_t)tot * 3 * sizeof(int64_t);
  size_t conv_bytes = conv ? (size_t)(nx + ny) * sizeof(float) : 0;
  uint8_t *scr = qe_scratch_get(a, rng_bytes + conv_bytes);
  if (!scr)
    return QE_ERR_NOMEM;
  int64_t *rng = (int64_t *)scr;
  if (conv) {
    fx = (float *)(scr + rng_bytes);
    fy = fx + nx;
    for (int64_t i = 0; i < nx; i++)
      fx[i] = (float)qe_array_get_f64(X, (size_t)i);
  }
  const float *x = conv ? fx : X->data;
  float *y = conv ? fy : a->out[0]->data;
  /* Per axis and output index: the range of taps inside the input [lo,
   * hi) and the number inside input + pads (count_include_pad). Computed
   * once, so the window loops below have no bounds checks. */
  int64_t base[3] = { 0, out[0], out[0] + out[1] };
  for (int ax = 0; ax < 3; ax++)
    for (int64_t o = 0; o < out[ax]; o++) {
      int64_t *r = rng + (base[ax] + o) * 3, lo = -1, hi = 0, np = 0;
      for (int64_t kk = 0; kk < k[ax]; kk++) {
        int64_t i = o * s[ax] - pb[ax] + kk * d[ax];
        if (i >= 0 && i < in[ax]) {
          if (lo < 0)
            lo = kk;
          hi = kk + 1;
        }
        np += i >= -pb[ax] && i < in[ax] + pe[ax];
      }
      r[0] = lo < 0 ? 0 : lo;
      r[1] = lo < 0 ? 0 : hi;
      r[2] = np;
    }
  for (int64_t nc = 0; nc < NC; nc++) {
    const float *xp = x + nc * isp;
    float *yp = y + nc * osp;
    for (int64_t od = 0; od < out[0]; od++) {
      const int64_t *rd = rng + (base[0] + od) * 3;
      for (int64_t oh = 0; oh < out[1]; oh++) {
        const int64_t *rh = rng + (base[1] + oh) * 3;
        for (int64_t ow = 0; ow < out[2]; ow++) {
          const int64_t *rw = rng + (base[2] + ow) * 3;
          float mx = -INFINITY;
          bool nan = false;
          double sum = 0;
          int64_t arg = -1;
          for (int64_t kd = rd[0]; kd < rd[1]; kd++) {
            int64_t id = od * s[0] - pb[0] + kd * d[0];
            for (int64_t kh = rh[0]; kh < rh[1]; kh++) {
              int64_t ih = oh * s[1] - pb[1] + kh * d[1];
              const float *row = xp + (id * in[1] + ih) * in[2] + ow * s[2] - pb[2];
              if (is_max && yi) {
                for (int64_t kw = rw[0]; kw < rw[1]; kw++) {
                  float v = row[kw * d[2]];
                  if (v > mx || arg < 0) {
                    int64_t iw = ow * s[2] - pb[2] + kw * d[2];
                    mx = v;
                    arg =
                        colmajor ? (iw * in[1] + ih) * in[0] + id : (id * in[1] + ih) * in[2] + iw;
                  }
                }
              } else if (is_max) {
                for (int64_t kw = rw[0]; kw < rw[1]; kw++) {
                  float v = row[kw * d[2]];
                  mx = v > mx ? v : mx;
                  nan = nan || v != v;
                }
              } else {
                for (int64_t kw = rw[0]; kw < rw[1]; kw++)
                  sum += row[kw * d[2]];
              }
            }
          }
          float r;
          if (is_max) {
            r = nan ? NAN : mx;
          } else {
            int64_t div = include_pad ? rd[2] * rh[2] * rw[2]
                                      : (rd[1] - rd[0]) * (rh[1] - rh[0]) * (rw[1] - rw[0]);
            r = div > 0 ? (float)(sum / (double)div) : 0.0f;
          }
          yp[(od * out[1] + oh) * out[2] + ow] = r;
          if (yi)
            yi[nc * osp + (od * out[1] + oh) * out[2] + ow] = nc * isp + (arg < 0 ? 0 : arg);
        }
      }
    }
  }
  if (conv)
    for (int64_t i = 0; i < ny; i++)
      qe_array_set_f64(a->out[0], (size_t)i, fy[i]);
  return QE_OK;
}

static int64_t pool_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                         int n_out)
{
  size_t c;
  const int64_t *ks = qe_node_ints(n, "kernel_shape", &c);
  int64_t kv = 1;
  for (size_t i = 0; ks && i < c; i++)
    kv *= ks[i];
  int64_t o = out[0].rank >= 0 ? qe_dims_prod(out[0].dims, 0, out[0].rank) : -1;
  return o < 0 ? 0 : o * kv;
}

static qe_status gpool_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_F32)
    return UNSUP("type %s (only float32 runs in float)", qe_dtype_name(x->dtype));
  a->out[0].dtype = QE_DT_F32;
  if (x->rank < 0)
    return QE_OK;
  if (x->rank < 2)
    return ERR("input of rank %d", x->rank);
  int64_t d[QE_MAX_RANK];
  for (int i = 0; i < x->rank; i++)
    d[i] = i < 2 ? x->dims[i] : 1;
  qe_vinfo_set(&a->out[0], QE_DT_F32, x->rank, d);
  return QE_OK;
}

static qe_status gpool_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  int64_t NC = X->dims[0] * X->dims[1], S = qe_dims_prod(X->dims, 2, X->rank);
  const float *x = X->data;
  float *y = a->out[0]->data;
  bool is_max = a->node->op == QE_OP_GLOBAL_MAX_POOL;
  for (int64_t i = 0; i < NC; i++) {
    const float *xp = x + i * S;
    if (is_max) {
      float m = -INFINITY;
      for (int64_t j = 0; j < S; j++)
        m = xp[j] > m ? xp[j] : m;
      y[i] = m;
    } else {
      double s = 0;
      for (int64_t j = 0; j < S; j++)
        s += xp[j];
      y[i] = S ? (float)(s / (double)S) : 0.0f;
    }
  }
  return QE_OK;
}

static int64_t gpool_macs(const qe_node *n, const qe_vinfo *in, int n_in, const qe_vinfo *out,
                          int n_out)
{
  int64_t c = in[0].rank >= 0 ? qe_dims_prod(in[0].dims, 0, in[0].rank) : -1;
  return c < 0 ? 0 : c;
}

const qe_op_def qe_ops_pool[] = {
  { QE_OP_MAX_POOL, pool_infer, pool_exec, pool_macs, 1, 1, 1, 2 },
  { QE_OP_AVERAGE_POOL, pool_infer, pool_exec, pool_macs, 1, 1, 1, 1 },
  { QE_OP_GLOBAL_AVERAGE_POOL, gpool_infer, gpool_exec, gpool_macs, 1, 1, 1, 1 },
  { QE_OP_GLOBAL_MAX_POOL, gpool_infer, gpool_exec, gpool_macs, 1, 1, 1, 1 },
};
const size_t qe_ops_pool_count = QE_ARRAY_LEN(qe_ops_pool);
