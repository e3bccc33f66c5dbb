/* ops_resize.c - Resize (nearest, linear, cubic; every coordinate
 * transformation mode) and Upsample (float32).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "qe_graph_internal.h"

#define ERR(...)   qe_op_error(a->node, a->ctx, QE_ERR_SHAPE, __VA_ARGS__)
#define UNSUP(...) qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, __VA_ARGS__)

typedef struct resize_params {
  int rank;
  double scale[QE_MAX_RANK];
  int64_t out[QE_MAX_RANK];
  double roi_start[QE_MAX_RANK], roi_end[QE_MAX_RANK];
  bool linear;
  bool cubic;
  bool exclude_outside;
  double cubic_a;
  bool known;
  int ctm;   /* 0 half_pixel 1 asymmetric 2 align_corners 3 pytorch_half_pixel
                4 tf_half_pixel_for_nn 5 tf_crop_and_resize */
  int nmode; /* 0 round_prefer_floor 1 round_prefer_ceil 2 floor 3 ceil */
} resize_params;

static bool is_upsample(const qe_node *n, int64_t opset)
{
  return n->op == QE_OP_UPSAMPLE || opset < 11;
}

static qe_status resize_params_make(const qe_infer_args *a, resize_params *p)
{
  const qe_node *n = a->node;
  const qe_vinfo *x = &a->in[0];
  memset(p, 0, sizeof *p);
  p->rank = x->rank;
  const char *mode = qe_node_string(n, "mode", "nearest");
  if (strcmp(mode, "nearest") == 0)
    p->linear = false;
  else if (strcmp(mode, "linear") == 0 || strcmp(mode, "bilinear") == 0)
    p->linear = true;
  else if (strcmp(mode, "cubic") == 0 && !is_upsample(n, a->opset))
    p->linear = p->cubic = true;
  else
    return UNSUP("mode '%s' (nearest, linear and cubic are supported)", mode);
  p->cubic_a = qe_node_float(n, "cubic_coeff_a", -0.75f);
  p->exclude_outside = qe_node_int(n, "exclude_outside", 0) != 0;
  bool up = is_upsample(n, a->opset);
  if (up) {
    p->ctm = 1;
    p->nmode = 2;
  } else {
    static const char *const ctms[] = { "half_pixel",           "asymmetric",
                                        "align_corners",        "pytorch_half_pixel",
                                        "tf_half_pixel_for_nn", "tf_crop_and_resize" };
    const char *c = qe_node_string(n, "coordinate_transformation_mode", "half_pixel");
    p->ctm = -1;
    for (int i = 0; i < 6; i++)
      if (strcmp(c, ctms[i]) == 0)
        p->ctm = i;
    if (p->ctm < 0)
      return UNSUP("coordinate_transformation_mode '%s'", c);
    static const char *const nms[] = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };
    const char *nm = qe_node_string(n, "nearest_mode", "round_prefer_floor");
    p->nmode = -1;
    for (int i = 0; i < 4; i++)
      if (strcmp(nm, nms[i]) == 0)
        p->nmode = i;
    if (p->nmode < 0)
      return UNSUP("nearest_mode '%s'", nm);
  }
  if (x->rank < 0)
    return QE_OK;
  for (int i = 0; i < x->rank; i++) {
    p->roi_start[i] = 0;
    p->roi_end[i] = 1;
  }
  /* Scales: Upsample-7 attribute; Upsample-9 / Resize-10 input 1; Resize-11+
   * inputs 2 (scales) or 3 (sizes), roi input 1. */
  const qe_array *scales = NULL, *sizes = NULL, *roi = NULL;
  bool pending = false;
  size_t fc = 0;
  const float *fs = qe_node_floats(n, "scales", &fc);
  if (n->op == QE_OP_UPSAMPLE && fs) {
    if ((int)fc != x->rank)
      return ERR("scales has %zu values for rank %d", fc, x->rank);
    for (int i = 0; i < x->rank; i++)
      p->scale[i] = fs[i];
  } else if (up) {
    if (a->n_in < 2 || !a->in[1].present)
      return ERR("scales are missing");
    scales = a->in[1].value;
    pending = !scales;
  } else {
    if (a->n_in > 1 && a->in[1].present) {
      roi = a->in[1].value;
      if (!roi && p->ctm == 5)
        pending = true;
    }
    if (a->n_in > 3 && a->in[3].present && a->in[3].rank != 1)
      pending = pending || !a->in[3].value;
    if (a->n_in > 3 && a->in[3].present) {
      sizes = a->in[3].value;
      if (!sizes)
        pending = true;
      else if (qe_array_count(sizes) == 0)
        sizes = NULL;
    }
    if (!sizes && a->n_in > 2 && a->in[2].present) {
      scales = a->in[2].value;
      if (!scales)
        pending = true;
      else if (qe_array_count(scales) == 0)
        scales = NULL;
    }
    if (!pending && !sizes && !scales)
      return ERR("neither scales nor sizes are given");
  }
  if (pending)
    return QE_OK;
  if (roi && p->ctm == 5) {
    if (qe_array_count(roi) != 2 * x->rank)
      return ERR("roi must have %d values", 2 * x->rank);
    for (int i = 0; i < x->rank; i++) {
      p->roi_start[i] = qe_array_get_f64(roi, (size_t)i);
      p->roi_end[i] = qe_array_get_f64(roi, (size_t)(i + x->rank));
    }
  }
  if (sizes) {
    if (qe_array_count(sizes) != x->rank)
      return ERR("sizes must have %d values", x->rank);
    for (int i = 0; i < x->rank; i++) {
      p->out[i] = qe_array_get_i64(sizes, (size_t)i);
      if (p->out[i] < 0 || p->out[i] > ((int64_t)1 << 32))
        return ERR("invalid size %lld", (long long)p->out[i]);
      p->scale[i] = x->dims[i] > 0 ? (double)p->out[i] / (double)x->dims[i] : 1.0;
    }
  } else {
    if (scales) {
      if (qe_array_count(scales) != x->rank)
        return ERR("scales must have %d values", x->rank);
      for (int i = 0; i < x->rank; i++)
        p->scale[i] = qe_array_get_f64(scales, (size_t)i);
    }
    for (int i = 0; i < x->rank; i++) {
      if (!(p->scale[i] > 0) || p->scale[i] > 1e6)
        return ERR("invalid scale %g", p->scale[i]);
      if (x->dims[i] < 0) {
        p->out[i] = -1;
        continue;
      }
      double len = (double)x->dims[i] * (p->roi_end[i] - p->roi_start[i]) * p->scale[i];
      /* float32 scales: compute as ONNX does, in float */
      if (!(len >= 0) || len > 1e12)
        return ERR("output size %g on axis %d", len, i);
      p->out[i] = (int64_t)floor(len);
    }
  }
  p->known = true;
  return QE_OK;
}

static qe_status resize_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0];
  if (x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_F32)
    return UNSUP("type %s (only float32 runs in float)", qe_dtype_name(x->dtype));
  resize_params p;
  qe_status st = resize_params_make(a, &p);
  if (st != QE_OK)
    return st;
  a->out[0].dtype = QE_DT_F32;
  if (x->rank < 0)
    return QE_OK;
  if (!p.known) {
    a->out[0].rank = x->rank;
    return QE_OK;
  }
  qe_vinfo_set(&a->out[0], QE_DT_F32, x->rank, p.out);
  return QE_OK;
}

static double to_original(const resize_params *p, int ax, int64_t xo, int64_t in, int64_t iout)
{
  double s = p->scale[ax];
  /* ONNX uses the unrounded resized length (input length x scale). */
  double out = (double)in * s;
  (void)iout;
  switch (p->ctm) {
  case 0:
    return ((double)xo + 0.5) / s - 0.5;
  case 1:
    return (double)xo / s;
  case 2:
    return out == 1 ? 0.0 : (double)xo * (double)(in - 1) / (out - 1);
  case 3:
    return out > 1 ? ((double)xo + 0.5) / s - 0.5 : 0.0;
  case 4:
    return ((double)xo + 0.5) / s;
  default: {
    double st = p->roi_start[ax], en = p->roi_end[ax];
    if (out > 1)
      return st * (double)(in - 1) + (double)xo * (en - st) * (double)(in - 1) / (out - 1);
    return 0.5 * (st + en) * (double)(in - 1);
  }
  }
}

static int64_t nearest_index(int mode, double x)
{
  double f = floor(x);
  double frac = x - f;
  switch (mode) {
  case 0:
    return (int64_t)(frac == 0.5 ? f : round(x));
  case 1:
    return (int64_t)(frac == 0.5 ? f + 1 : round(x));
  case 2:
    return (int64_t)f;
  default:
    return (int64_t)ceil(x);
  }
}

static qe_status resize_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0];
  qe_array *Y = a->out[0];
  qe_vinfo vin[4], vout[1];
  for (int i = 0; i < a->n_in && i < 4; i++)
    qe_vinfo_from_array(&vin[i], a->in[i]);
  qe_infer_args ia = { a->node, a->opset, a->n_in, vin, 1, vout, a->ctx };
  resize_params p;
  qe_status st = resize_params_make(&ia, &p);
  if (st != QE_OK)
    return st;
  int r = X->rank;
  float extrap = qe_node_float(a->node, "extrapolation_value", 0.0f);
  /* Per axis and output index: up to 4 source indices with weights (1 tap
   * for nearest, 2 for linear, 4 for cubic), or outside (tf_crop_and_resize
   * extrapolation). Source indices are clamped: edge padding, as ONNX. */
  int taps = p.cubic ? 4 : (p.linear ? 2 : 1);
  int64_t tot = 0;
  for (int i = 0; i < r; i++)
    tot += Y->dims[i];
  size_t per = (size_t)taps * (sizeof(int64_t) + sizeof(double));
  uint8_t *buf = qe_scratch_get(a, (size_t)tot * (per + 1));
  if (!buf)
    return QE_ERR_NOMEM;
  int64_t *ti = (int64_t *)buf;
  double *tw = (double *)(ti + tot * taps);
  uint8_t *outside = (uint8_t *)(tw + tot * taps);
  int64_t base[QE_MAX_RANK];
  int64_t bsum = 0;
  double A = p.cubic_a;
  for (int ax = 0; ax < r; ax++) {
    base[ax] = bsum;
    int64_t in = X->dims[ax], out = Y->dims[ax];
    for (int64_t o = 0; o < out; o++) {
      double xo = to_original(&p, ax, o, in, out);
      /* NaN or huge roi/scales: keep the index arithmetic defined. */
      if (!(xo > -1e15))
        xo = -1e15;
      if (xo > 1e15)
        xo = 1e15;
      int64_t k = bsum + o;
      int64_t *idx = ti + k * taps;
      double *w = tw + k * taps;
      outside[k] = p.ctm == 5 && (xo < 0 || xo > (double)(in - 1));
      if (p.cubic) {
        double f = floor(xo), t = xo - f;
        double c[4] = { ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
                        ((A + 2) * t - (A + 3)) * t * t + 1,
                        ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1,
                        ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A };
        double sum = 0;
        for (int j = 0; j < 4; j++) {
          int64_t s0 = (int64_t)f - 1 + j;
          if (p.exclude_outside && (s0 < 0 || s0 >= in))
            c[j] = 0;
          sum += c[j];
          idx[j] = s0 < 0 ? 0 : (s0 >= in ? in - 1 : s0);
        }
        for (int j = 0; j < 4; j++)
          w[j] = p.exclude_outside && sum != 0 ? c[j] / sum : c[j];
      } else if (p.linear) {
        double xc = xo < 0 ? 0 : (xo > (double)(in - 1) ? (double)(in - 1) : xo);
        int64_t f = (int64_t)floor(xc);
        idx[0] = f;
        idx[1] = f + 1 < in ? f + 1 : in - 1;
        w[1] = xc - (double)f;
        w[0] = 1.0 - w[1];
      } else {
        int64_t v = nearest_index(p.nmode, xo);
        idx[0] = v < 0 ? 0 : (v >= in ? in - 1 : v);
        w[0] = 1.0;
      }
    }
    bsum += out;
  }
  int64_t xs[QE_MAX_RANK], st_ = 1;
  for (int i = r - 1; i >= 0; i--) {
    xs[i] = st_;
    st_ *= X->dims[i];
  }
  /* Axes that interpolate; the others use their first tap (weight 1). */
  int lin_axes[QE_MAX_RANK], nl = 0;
  bool interp[QE_MAX_RANK] = { false };
  if (taps > 1)
    for (int i = 0; i < r; i++)
      if (X->dims[i] != Y->dims[i] || p.scale[i] != 1.0 || p.ctm == 5) {
        lin_axes[nl++] = i;
        interp[i] = true;
      }
  if (nl > 6)
    return qe_op_error(a->node, a->ctx, QE_ERR_UNSUPPORTED, "interpolating %d axes at once", nl);
  int64_t total = qe_array_count(Y);
  int64_t oidx[QE_MAX_RANK] = { 0 };
  const float *x = X->data;
  float *y = Y->data;
  int64_t combos = 1;
  for (int j = 0; j < nl; j++)
    combos *= taps;
  for (int64_t o = 0; o < total; o++) {
    bool out_of = false;
    int64_t off0 = 0;
    for (int i = 0; i < r; i++) {
      int64_t k = base[i] + oidx[i];
      out_of = out_of || outside[k];
      if (!interp[i])
        off0 += ti[k * taps] * xs[i];
    }
    if (out_of) {
      y[o] = extrap;
    } else if (nl == 0) {
      y[o] = x[off0];
    } else {
      double acc = 0;
      for (int64_t c = 0; c < combos; c++) {
        double wt = 1;
        int64_t off = off0, rem = c;
        for (int j = 0; j < nl; j++) {
          int ax = lin_axes[j];
          int64_t k = base[ax] + oidx[ax];
          int tap = (int)(rem % taps);
          rem /= taps;
          wt *= tw[k * taps + tap];
          off += ti[k * taps + tap] * xs[ax];
        }
        if (wt != 0)
          acc += wt * x[off];
      }
      y[o] = (float)acc;
    }
    qe_index_next(oidx, Y->dims, r);
  }
  return QE_OK;
}

/* ---- GridSample (bilinear, nearest, bicubic; zeros, border, reflection) ----- */

static qe_status gs_infer(const qe_infer_args *a)
{
  const qe_vinfo *x = &a->in[0], *g = &a->in[1];
  if ((x->dtype != QE_DT_UNDEFINED && x->dtype != QE_DT_F32) ||
      (g->dtype != QE_DT_UNDEFINED && g->dtype != QE_DT_F32))
    return UNSUP("types %s / %s (float32 only)", qe_dtype_name(x->dtype), qe_dtype_name(g->dtype));
  const char *mode = qe_node_string(a->node, "mode", "bilinear");
  const char *pad = qe_node_string(a->node, "padding_mode", "zeros");
  if (strcmp(mode, "bilinear") && strcmp(mode, "nearest") && strcmp(mode, "bicubic"))
    return UNSUP("mode '%s'", mode);
  if (strcmp(pad, "zeros") && strcmp(pad, "border") && strcmp(pad, "reflection"))
    return UNSUP("padding_mode '%s'", pad);
  if ((x->rank >= 0 && x->rank != 4) || (g->rank >= 0 && (g->rank != 4 || g->dims[3] != 2)))
    return ERR("X must be [N, C, H, W] and grid [N, H_out, W_out, 2]");
  int64_t d[4] = { x->rank == 4 ? x->dims[0] : -1, x->rank == 4 ? x->dims[1] : -1,
                   g->rank == 4 ? g->dims[1] : -1, g->rank == 4 ? g->dims[2] : -1 };
  qe_vinfo_set(&a->out[0], QE_DT_F32, 4, d);
  return QE_OK;
}

static double gs_reflect(double v, double twice_low, double twice_high)
{
  if (twice_low == twice_high)
    return 0;
  double lo = twice_low / 2, span = (twice_high - twice_low) / 2;
  v = fabs(v - lo);
  double extra = fmod(v, span);
  double flips = floor(v / span);
  if (!isfinite(flips))
    return lo;
  return fmod(flips, 2.0) == 0 ? extra + lo : span - extra + lo;
}

static double gs_unnorm(double c, int64_t size, bool align)
{
  return align ? (c + 1) / 2 * (double)(size - 1) : ((c + 1) * (double)size - 1) / 2;
}

/* Apply border / reflection to a coordinate (pad 1 border, 2 reflection). */
static double gs_pad(double c, int64_t size, int pad, bool align)
{
  if (pad == 1) {
    c = c < 0 ? 0 : (c > (double)(size - 1) ? (double)(size - 1) : c);
  } else if (pad == 2) {
    c = align ? gs_reflect(c, 0, 2.0 * (double)(size - 1))
              : gs_reflect(c, -1, 2.0 * (double)size - 1);
    c = c < 0 ? 0 : (c > (double)(size - 1) ? (double)(size - 1) : c);
  }
  return c;
}

/* Pixel (y, x) or 0 outside the image; coordinates are doubles so NaN and
 * huge values from the grid are rejected before any conversion. */
static float gs_px(const float *img, int64_t H, int64_t W, double y, double x)
{
  if (!(y >= 0 && y < (double)H && x >= 0 && x < (double)W))
    return 0.0f;
  return img[(int64_t)y * W + (int64_t)x];
}

static qe_status gs_exec(const qe_exec_args *a)
{
  const qe_array *X = a->in[0], *G = a->in[1];
  const char *mode = qe_node_string(a->node, "mode", "bilinear");
  const char *pads = qe_node_string(a->node, "padding_mode", "zeros");
  int m = strcmp(mode, "nearest") == 0 ? 1 : strcmp(mode, "bicubic") == 0 ? 2 : 0;
  int pad = strcmp(pads, "border") == 0 ? 1 : strcmp(pads, "reflection") == 0 ? 2 : 0;
  bool align = qe_node_int(a->node, "align_corners", 0) != 0;
  int64_t N = X->dims[0], C = X->dims[1], H = X->dims[2], W = X->dims[3];
  int64_t Ho = G->dims[1], Wo = G->dims[2];
  const float *x = X->data, *g = G->data;
  float *y = a->out[0]->data;
  const double A = -0.75;
  for (int64_t n = 0; n < N; n++)
    for (int64_t i = 0; i < Ho; i++)
      for (int64_t j = 0; j < Wo; j++) {
        const float *gp = g + ((n * Ho + i) * Wo + j) * 2;
        double ix = gs_unnorm(gp[0], W, align), iy = gs_unnorm(gp[1], H, align);
        for (int64_t c = 0; c < C; c++) {
          const float *img = x + (n * C + c) * H * W;
          double v;
          if (m == 2) {
            double fx = floor(ix), fy = floor(iy), tx = ix - fx, ty = iy - fy;
            double cx[4], cy[4];
            double t[2] = { tx, ty };
            double *cc[2] = { cx, cy };
            for (int k = 0; k < 2; k++) {
              double u = t[k];
              cc[k][0] = ((A * (u + 1) - 5 * A) * (u + 1) + 8 * A) * (u + 1) - 4 * A;
              cc[k][1] = ((A + 2) * u - (A + 3)) * u * u + 1;
              cc[k][2] = ((A + 2) * (1 - u) - (A + 3)) * (1 - u) * (1 - u) + 1;
              cc[k][3] = ((A * (2 - u) - 5 * A) * (2 - u) + 8 * A) * (2 - u) - 4 * A;
            }
            v = 0;
            for (int r = 0; r < 4; r++)
              for (int q = 0; q < 4; q++) {
                double sx = fx - 1 + q, sy = fy - 1 + r;
                if (pad) {
                  sx = gs_pad(sx, W, pad, align);
                  sy = gs_pad(sy, H, pad, align);
                }
                v += cy[r] * cx[q] * gs_px(img, H, W, sy, sx);
              }
          } else {
            double px = gs_pad(ix, W, pad, align), py = gs_pad(iy, H, pad, align);
            if (m == 1) {
              v = gs_px(img, H, W, nearbyint(py), nearbyint(px));
            } else {
              double x0 = floor(px), y0 = floor(py), wx = px - x0, wy = py - y0;
              double xi = x0, yi = y0;
              v = (1 - wy) *
                      ((1 - wx) * gs_px(img, H, W, yi, xi) + wx * gs_px(img, H, W, yi, xi + 1)) +
                  wy * ((1 - wx) * gs_px(img, H, W, yi + 1, xi) +
                        wx * gs_px(img, H, W, yi + 1, xi + 1));
            }
          }
          y[((n * C + c) * Ho + i) * Wo + j] = (float)v;
        }
      }
  return QE_OK;
}

const qe_op_def qe_ops_resize[] = {
  { QE_OP_RESIZE, resize_infer, resize_exec, NULL, 1, 4, 1, 1 },
  { QE_OP_UPSAMPLE, resize_infer, resize_exec, NULL, 1, 2, 1, 1 },
  { QE_OP_GRID_SAMPLE, gs_infer, gs_exec, NULL, 2, 2, 1, 1 },
};
const size_t qe_ops_resize_count = QE_ARRAY_LEN(qe_ops_resize);
