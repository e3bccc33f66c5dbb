/* qe_resize.c - tf.image.resize, reimplemented from its documented
 * semantics (see qe_data_proc.h for the rules of each method).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * TensorFlow 2's tf.image.resize(antialias=False) calls ResizeBilinear,
 * ResizeNearestNeighbor and ResizeBicubic with half_pixel_centers=True,
 * ResizeArea, and ScaleAndTranslate for lanczos3/lanczos5/gaussian/
 * mitchellcubic (and for bilinear/bicubic when antialias=True, with the
 * triangle and Keys kernels). Index arithmetic is single precision, as
 * there, so the same source pixels are chosen at every boundary.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_data_proc.h"
#include "qe_internal.h"

/* ---- bilinear ---------------------------------------------------------------- */

typedef struct {
  int lo, hi;
  float lerp;
} lin_w;

static void bilinear_weights(int out, int in, float scale, lin_w *w)
{
  for (int i = 0; i < out; i++) {
    float p = ((float)i + 0.5f) * scale - 0.5f;
    float pf = floorf(p);
    int lo = (int)pf;
    int hi = (int)ceilf(p);
    w[i].lo = lo < 0 ? 0 : lo;
    w[i].hi = hi > in - 1 ? in - 1 : hi;
    w[i].lerp = p - pf;
  }
}

static void resize_bilinear(const float *src, int h, int w, int c, float *dst, int oh, int ow,
                            lin_w *xw, lin_w *yw)
{
  bilinear_weights(ow, w, (float)w / (float)ow, xw);
  bilinear_weights(oh, h, (float)h / (float)oh, yw);
  for (int y = 0; y < oh; y++) {
    const float *r0 = src + (size_t)yw[y].lo * w * c;
    const float *r1 = src + (size_t)yw[y].hi * w * c;
    float yl = yw[y].lerp;
    float *o = dst + (size_t)y * ow * c;
    for (int x = 0; x < ow; x++) {
      size_t a = (size_t)xw[x].lo * c, b = (size_t)xw[x].hi * c;
      float xl = xw[x].lerp;
      for (int k = 0; k < c; k++) {
        float tl = r0[a + k], tr = r0[b + k], bl = r1[a + k], br = r1[b + k];
        float top = tl + (tr - tl) * xl;
        float bottom = bl + (br - bl) * xl;
        o[(size_t)x * c + k] = top + (bottom - top) * yl;
      }
    }
  }
}

/* ---- nearest ----------------------------------------------------------------- */

static void nearest_index(int out, int in, float scale, int *idx)
{
  for (int i = 0; i < out; i++) {
    int v = (int)floorf(((float)i + 0.5f) * scale);
    if (v > in - 1)
      v = in - 1;
    if (v < 0)
      v = 0;
    idx[i] = v;
  }
}

static void resize_nearest(const float *src, int h, int w, int c, float *dst, int oh, int ow,
                           int *xi, int *yi)
{
  nearest_index(ow, w, (float)w / (float)ow, xi);
  nearest_index(oh, h, (float)h / (float)oh, yi);
  for (int y = 0; y < oh; y++) {
    const float *r = src + (size_t)yi[y] * w * c;
    float *o = dst + (size_t)y * ow * c;
    for (int x = 0; x < ow; x++)
      memcpy(o + (size_t)x * c, r + (size_t)xi[x] * c, sizeof(float) * (size_t)c);
  }
}

/* ---- bicubic (TF weight table) ----------------------------------------------- */

#define CUBIC_TABLE 1024

static float cubic_table[(CUBIC_TABLE + 1) * 2];
static pthread_once_t cubic_once = PTHREAD_ONCE_INIT;

static void fill_cubic_table(void)
{
  const double a = -0.5;
  for (int i = 0; i <= CUBIC_TABLE; i++) {
    float x = (float)(i * 1.0 / CUBIC_TABLE);
    cubic_table[i * 2] = (float)(((a + 2) * x - (a + 3)) * x * x + 1);
    x += 1.0f;
    cubic_table[i * 2 + 1] = (float)(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
  }
}

static void init_cubic_table(void)
{
  pthread_once(&cubic_once, fill_cubic_table);
}

typedef struct {
  int idx[4];
  float w[4];
} cubic_w;

static int bound(int v, int limit)
{
  return v < 0 ? 0 : (v > limit - 1 ? limit - 1 : v);
}

static void cubic_weights(int out, int in, float scale, cubic_w *cw)
{
  for (int i = 0; i < out; i++) {
    float loc_f = ((float)i + 0.5f) * scale - 0.5f;
    int loc = (int)floorf(loc_f);
    float delta = loc_f - (float)loc;
    int off = (int)lrintf(delta * CUBIC_TABLE);
    cubic_w *p = &cw[i];
    p->idx[0] = bound(loc - 1, in);
    p->w[0] = p->idx[0] == loc - 1 ? cubic_table[off * 2 + 1] : 0.0f;
    p->idx[1] = bound(loc, in);
    p->w[1] = p->idx[1] == loc ? cubic_table[off * 2] : 0.0f;
    p->idx[2] = bound(loc + 1, in);
    p->w[2] = p->idx[2] == loc + 1 ? cubic_table[(CUBIC_TABLE - off) * 2] : 0.0f;
    p->idx[3] = bound(loc + 2, in);
    p->w[3] = p->idx[3] == loc + 2 ? cubic_table[(CUBIC_TABLE - off) * 2 + 1] : 0.0f;
    float sum = p->w[0] + p->w[1] + p->w[2] + p->w[3];
    if (fabsf(sum) >= 1000.0f * 1.17549435e-38f) {
      float inv = 1.0f / sum;
      for (int k = 0; k < 4; k++)
        p->w[k] *= inv;
    }
  }
}

static void resize_bicubic(const float *src, int h, int w, int c, float *dst, int oh, int ow,
                           cubic_w *xw, cubic_w *yw)
{
  init_cubic_table();
  cubic_weights(ow, w, (float)w / (float)ow, xw);
  cubic_weights(oh, h, (float)h / (float)oh, yw);
  for (int y = 0; y < oh; y++) {
    const cubic_w *yp = &yw[y];
    const float *rows[4];
    for (int j = 0; j < 4; j++)
      rows[j] = src + (size_t)yp->idx[j] * w * c;
    float *o = dst + (size_t)y * ow * c;
    for (int x = 0; x < ow; x++) {
      const cubic_w *xp = &xw[x];
      for (int k = 0; k < c; k++) {
        float v[4];
        for (int j = 0; j < 4; j++) {
          const float *r = rows[j];
          v[j] =
              r[(size_t)xp->idx[0] * c + k] * xp->w[0] + r[(size_t)xp->idx[1] * c + k] * xp->w[1] +
              r[(size_t)xp->idx[2] * c + k] * xp->w[2] + r[(size_t)xp->idx[3] * c + k] * xp->w[3];
        }
        o[(size_t)x * c + k] =
            v[0] * yp->w[0] + v[1] * yp->w[1] + v[2] * yp->w[2] + v[3] * yp->w[3];
      }
    }
  }
}

/* ---- area ---------------------------------------------------------------------- */

typedef struct {
  int start, end;
  float start_scale, end_scale;
} area_w;

static void area_weights(int out, float scale, area_w *aw)
{
  for (int i = 0; i < out; i++) {
    float t0 = (float)i * scale;
    float t1 = (float)(i + 1) * scale;
    aw[i].start = (int)floorf(t0);
    aw[i].end = (int)ceilf(t1);
    aw[i].start_scale = ((float)aw[i].start + 1 > t1) ? scale : (float)aw[i].start + 1 - t0;
    aw[i].end_scale = ((float)aw[i].end - 1 < t0) ? scale : t1 - ((float)aw[i].end - 1);
  }
}

static void resize_area(const float *src, int h, int w, int c, float *dst, int oh, int ow,
                        area_w *xw, area_w *yw, float *acc)
{
  float hs = (float)h / (float)oh, ws = (float)w / (float)ow;
  area_weights(ow, ws, xw);
  area_weights(oh, hs, yw);
  float norm = 1.0f / (hs * ws);
  for (int y = 0; y < oh; y++) {
    float *o = dst + (size_t)y * ow * c;
    for (int x = 0; x < ow; x++) {
      const area_w *xp = &xw[x];
      for (int k = 0; k < c; k++)
        acc[k] = 0.0f;
      for (int i = yw[y].start; i < yw[y].end; i++) {
        float in_y = (float)y * hs, in_y1 = (float)(y + 1) * hs;
        float sy = ((float)i < in_y) ? (((float)i + 1 > in_y1) ? hs : (float)i + 1 - in_y)
                                     : (((float)i + 1 > in_y1) ? in_y1 - (float)i : 1.0f);
        const float *r = src + (size_t)bound(i, h) * w * c;
        for (int k = 0; k < c; k++) {
          float sum_y = 0.0f;
          float sx = xp->start_scale;
          int offs = 0;
          if (xp->start + 1 != xp->end) {
            for (int xx = xp->start; xx < xp->end - 1; xx++) {
              sum_y += r[(size_t)bound(xx, w) * c + k] * sx;
              sx = 1.0f;
            }
            sx = xp->end_scale;
            offs = xp->end - 1 - xp->start;
          }
          sum_y += r[(size_t)bound(xp->start + offs, w) * c + k] * sx;
          acc[k] += sum_y * sy;
        }
      }
      for (int k = 0; k < c; k++)
        o[(size_t)x * c + k] = acc[k] * norm;
    }
  }
}

/* ---- scale and translate ------------------------------------------------------- */

typedef float (*kernel_fn)(float x);

static float k_lanczos(float x, float radius)
{
  const float pi = 3.14159265359f;
  x = fabsf(x);
  if (x > radius)
    return 0.0f;
  if (x <= 1e-3f)
    return 1.0f;
  return radius * sinf(pi * x) * sinf(pi * x / radius) / (pi * pi * x * x);
}

static float k_lanczos3(float x)
{
  return k_lanczos(x, 3.0f);
}

static float k_lanczos5(float x)
{
  return k_lanczos(x, 5.0f);
}

static float k_gaussian(float x)
{
  const float radius = 1.5f, sigma = 0.5f;
  x = fabsf(x);
  if (x >= radius)
    return 0.0f;
  return (float)exp(-(double)x * x / (2.0 * sigma * sigma));
}

static float k_triangle(float x)
{
  x = fabsf(x);
  return x < 1.0f ? 1.0f - x : 0.0f;
}

static float k_keys(float x)
{
  x = fabsf(x);
  if (x >= 2.0f)
    return 0.0f;
  if (x >= 1.0f)
    return ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f;
  return ((1.5f * x - 2.5f) * x) * x + 1.0f;
}

static float k_mitchell(float x)
{
  x = fabsf(x);
  if (x >= 2.0f)
    return 0.0f;
  if (x >= 1.0f)
    return (((-7.0f / 18.0f) * x + 2.0f) * x - 10.0f / 3.0f) * x + 16.0f / 9.0f;
  return (((7.0f / 6.0f) * x - 2.0f) * x) * x + 8.0f / 9.0f;
}

typedef struct {
  int span; /* taps per output */
  int *starts;
  float *weights; /* out * span */
} spans;

static qe_status compute_spans(kernel_fn k, float radius, int out, int in, bool antialias, spans *s,
                               qe_ctx *ctx)
{
  float scale = (float)out / (float)in;
  float inv_scale = (float)(1.0 / (double)scale);
  float kscale = antialias ? (inv_scale > 1.0f ? inv_scale : 1.0f) : 1.0f;
  int span = 2 * (int)ceilf(radius * kscale) + 1;
  if (span > in)
    span = in;
  s->span = span;
  s->starts = calloc((size_t)out, sizeof(int));
  s->weights = calloc((size_t)out * (size_t)span, sizeof(float));
  float *tmp = malloc(sizeof(float) * (size_t)(span + 2));
  if (!s->starts || !s->weights || !tmp) {
    free(tmp);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory for resize weights");
  }
  float inv_k = 1.0f / kscale;
  for (int x = 0; x < out; x++) {
    float sample = ((float)x + 0.5f) * inv_scale;
    if (sample < 0 || sample > (float)in)
      continue;
    int a = (int)ceilf(sample - radius * kscale - 0.5f);
    int b = (int)floorf(sample + radius * kscale - 0.5f);
    a = a < 0 ? 0 : (a > in - 1 ? in - 1 : a);
    b = (b < 0 ? 0 : (b > in - 1 ? in - 1 : b)) + 1;
    int n = b - a;
    if (n > span)
      n = span; /* cannot happen with the widths above; stay in bounds anyway */
    float total = 0.0f;
    for (int i = 0; i < n; i++) {
      float pos = (float)(a + i) + 0.5f - sample;
      tmp[i] = k(fabsf(pos * inv_k));
      total += tmp[i];
    }
    if (fabsf(total) >= 1000.0f * 1.17549435e-38f) {
      float inv = 1.0f / total;
      for (int i = 0; i < n; i++)
        s->weights[(size_t)x * span + i] = tmp[i] * inv;
    }
    s->starts[x] = a;
  }
  free(tmp);
  return QE_OK;
}

static qe_status resize_scale_translate(const float *src, int h, int w, int c, float *dst, int oh,
                                        int ow, kernel_fn k, float radius, bool antialias,
                                        float *inter, qe_ctx *ctx)
{
  spans cs = { 0 }, rs = { 0 };
  qe_status st = compute_spans(k, radius, ow, w, antialias, &cs, ctx);
  if (!st)
    st = compute_spans(k, radius, oh, h, antialias, &rs, ctx);
  if (st)
    goto done;
  /* Horizontal pass into [h, ow, c], then vertical. */
  for (int y = 0; y < h; y++) {
    const float *r = src + (size_t)y * w * c;
    float *o = inter + (size_t)y * ow * c;
    for (int x = 0; x < ow; x++) {
      const float *wt = cs.weights + (size_t)x * cs.span;
      int a = cs.starts[x];
      int n = QE_MIN(cs.span, w - a);
      for (int kk = 0; kk < c; kk++) {
        float sum = 0.0f;
        for (int i = 0; i < n; i++)
          sum += r[(size_t)(a + i) * c + kk] * wt[i];
        o[(size_t)x * c + kk] = sum;
      }
    }
  }
  for (int y = 0; y < oh; y++) {
    const float *wt = rs.weights + (size_t)y * rs.span;
    int a = rs.starts[y];
    int n = QE_MIN(rs.span, h - a);
    float *o = dst + (size_t)y * ow * c;
    size_t row = (size_t)ow * c;
    for (size_t j = 0; j < row; j++)
      o[j] = 0.0f;
    for (int i = 0; i < n; i++) {
      const float *r = inter + (size_t)(a + i) * row;
      float wv = wt[i];
      for (size_t j = 0; j < row; j++)
        o[j] += r[j] * wv;
    }
  }
done:
  free(cs.starts);
  free(cs.weights);
  free(rs.starts);
  free(rs.weights);
  return st;
}

/* ---- entry points ------------------------------------------------------------- */

size_t qe_image_resize_scratch_size(int h, int w, int c, int oh, int ow)
{
  (void)w;
  (void)oh;
  if (h <= 0 || c <= 0 || ow <= 0)
    return 0;
  return (size_t)h * (size_t)ow * (size_t)c;
}

qe_status qe_image_resize(const float *src, int h, int w, int c, float *dst, int oh, int ow,
                          qe_interp method, bool antialias, float *scratch, qe_ctx *ctx)
{
  if (h <= 0 || w <= 0 || c <= 0 || oh <= 0 || ow <= 0 || c > 4096)
    return qe_error(ctx, QE_ERR_INVALID, "resize from %d x %d x %d to %d x %d is not possible", h,
                    w, c, oh, ow);
  if ((unsigned)method >= QE_INTERP_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "unknown interpolation %d", (int)method);
  if (antialias && method == QE_INTERP_BILINEAR)
    method = QE_INTERP_COUNT; /* triangle through scale-and-translate below */
  qe_status st = QE_OK;
  void *wx = NULL, *wy = NULL;
  float *own = NULL;
  switch ((int)method) {
  case QE_INTERP_BILINEAR:
    wx = malloc(sizeof(lin_w) * (size_t)ow);
    wy = malloc(sizeof(lin_w) * (size_t)oh);
    if (!wx || !wy)
      goto nomem;
    resize_bilinear(src, h, w, c, dst, oh, ow, wx, wy);
    break;
  case QE_INTERP_NEAREST:
    wx = malloc(sizeof(int) * (size_t)ow);
    wy = malloc(sizeof(int) * (size_t)oh);
    if (!wx || !wy)
      goto nomem;
    resize_nearest(src, h, w, c, dst, oh, ow, wx, wy);
    break;
  case QE_INTERP_AREA:
    wx = malloc(sizeof(area_w) * (size_t)ow);
    wy = malloc(sizeof(area_w) * (size_t)oh);
    own = malloc(sizeof(float) * (size_t)c);
    if (!wx || !wy || !own)
      goto nomem;
    resize_area(src, h, w, c, dst, oh, ow, wx, wy, own);
    break;
  case QE_INTERP_BICUBIC:
    if (!antialias) {
      wx = malloc(sizeof(cubic_w) * (size_t)ow);
      wy = malloc(sizeof(cubic_w) * (size_t)oh);
      if (!wx || !wy)
        goto nomem;
      resize_bicubic(src, h, w, c, dst, oh, ow, wx, wy);
      break;
    }
    /* fall through: Keys cubic through scale-and-translate */
    /* FALLTHROUGH */
  default: {
    kernel_fn k;
    float radius;
    switch ((int)method) {
    case QE_INTERP_BICUBIC:
      k = k_keys, radius = 2.0f;
      break;
    case QE_INTERP_LANCZOS3:
      k = k_lanczos3, radius = 3.0f;
      break;
    case QE_INTERP_LANCZOS5:
      k = k_lanczos5, radius = 5.0f;
      break;
    case QE_INTERP_GAUSSIAN:
      k = k_gaussian, radius = 1.5f;
      break;
    case QE_INTERP_MITCHELLCUBIC:
      k = k_mitchell, radius = 2.0f;
      break;
    default:
      k = k_triangle, radius = 1.0f;
      break;
    }
    float *inter = scratch;
    if (!inter) {
      size_t n;
      if (!qe_mul_size((size_t)h * (size_t)ow, (size_t)c, &n))
        goto nomem;
      own = malloc(sizeof(float) * n);
      if (!own)
        goto nomem;
      inter = own;
    }
    st = resize_scale_translate(src, h, w, c, dst, oh, ow, k, radius, antialias, inter, ctx);
    break;
  }
  }
  free(wx);
  free(wy);
  free(own);
  return st;
nomem:
  free(wx);
  free(wy);
  free(own);
  return qe_error(ctx, QE_ERR_NOMEM, "out of memory resizing %d x %d to %d x %d", h, w, oh, ow);
}

void qe_image_crop_box(int h, int w, int th, int tw, int *y0, int *x0, int *ch, int *cw)
{
  int crop_h = (int)((float)((int64_t)w * th) / (float)tw);
  int crop_w = (int)((float)((int64_t)h * tw) / (float)th);
  if (crop_h > h)
    crop_h = h;
  if (crop_w > w)
    crop_w = w;
  if (crop_h < 1)
    crop_h = 1;
  if (crop_w < 1)
    crop_w = 1;
  *y0 = (int)((float)(h - crop_h) / 2.0f);
  *x0 = (int)((float)(w - crop_w) / 2.0f);
  *ch = crop_h;
  *cw = crop_w;
}
