/* qe_calib.c - streaming range observers, calibration methods and the
 * choice of quantization parameters (see qe_calib.h).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "qe/qe_calib.h"
#include "qe_internal.h"

struct qe_calib_obs {
  int bins;
  double width;  /* bin width, 0 until a non-zero value was seen */
  uint64_t *pos; /* x >= 0: bin floor(x / width) */
  uint64_t *neg; /* x < 0: bin floor(-x / width) */
  uint64_t count, batches;
  float min, max;
  double sum;
  double ema_min, ema_max;
  double ema_c; /* moving-average constant */
};

static const char *const method_names[QE_CALIB_COUNT] = {
  [QE_CALIB_MINMAX] = "minmax",
  [QE_CALIB_MOVING_AVERAGE] = "moving-average",
  [QE_CALIB_PERCENTILE] = "percentile",
  [QE_CALIB_ENTROPY] = "entropy",
  [QE_CALIB_MSE] = "mse",
};

const char *qe_calib_method_name(qe_calib_method m)
{
  return (unsigned)m < QE_CALIB_COUNT ? method_names[m] : "?";
}

qe_status qe_calib_method_parse(const char *name, qe_calib_method *out, qe_ctx *ctx)
{
  static const struct {
    const char *name;
    qe_calib_method m;
  } aliases[] = {
    { "minmax", QE_CALIB_MINMAX },
    { "min-max", QE_CALIB_MINMAX },
    { "min_max", QE_CALIB_MINMAX },
    { "moving-average", QE_CALIB_MOVING_AVERAGE },
    { "moving_average", QE_CALIB_MOVING_AVERAGE },
    { "calib_moving_average", QE_CALIB_MOVING_AVERAGE },
    { "percentile", QE_CALIB_PERCENTILE },
    { "entropy", QE_CALIB_ENTROPY },
    { "kl", QE_CALIB_ENTROPY },
    { "mse", QE_CALIB_MSE },
  };
  for (size_t i = 0; name && i < QE_ARRAY_LEN(aliases); i++) {
    if (strcasecmp(name, aliases[i].name) == 0) {
      *out = aliases[i].m;
      return QE_OK;
    }
  }
  return qe_error(ctx, QE_ERR_INVALID,
                  "calibration method '%s' is not known (use minmax, moving-average, "
                  "percentile, entropy or mse)",
                  name ? name : "(null)");
}

void qe_calib_params_init(qe_calib_params *p)
{
  p->bins = 2048;
  p->percentile = 99.999;
  p->moving_average_constant = 0.01;
  p->entropy_target_bins = 128;
  p->mse_bits = 8;
}

qe_status qe_calib_obs_new(int bins, qe_calib_obs **out, qe_ctx *ctx)
{
  *out = NULL;
  if (bins < 16 || bins > (1 << 16))
    return qe_error(ctx, QE_ERR_INVALID, "histogram bins %d: must be in 16..65536", bins);
  qe_calib_obs *o = calloc(1, sizeof *o);
  if (!o)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory for a calibration histogram");
  o->bins = bins;
  o->ema_c = 0.01;
  o->pos = calloc((size_t)bins, sizeof *o->pos);
  o->neg = calloc((size_t)bins, sizeof *o->neg);
  if (!o->pos || !o->neg) {
    qe_calib_obs_free(o);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory for a calibration histogram");
  }
  *out = o;
  return QE_OK;
}

void qe_calib_obs_free(qe_calib_obs *o)
{
  if (!o)
    return;
  free(o->pos);
  free(o->neg);
  free(o);
}

void qe_calib_obs_reset(qe_calib_obs *o)
{
  memset(o->pos, 0, (size_t)o->bins * sizeof *o->pos);
  memset(o->neg, 0, (size_t)o->bins * sizeof *o->neg);
  o->width = 0;
  o->count = o->batches = 0;
  o->min = o->max = 0;
  o->sum = 0;
  o->ema_min = o->ema_max = 0;
}

/* Double the bin width until @mag fits, merging bin pairs. */
static void grow(qe_calib_obs *o, double mag)
{
  const int n = o->bins;
  while (mag >= o->width * n) {
    for (int b = 0; b < n / 2; b++) {
      o->pos[b] = o->pos[2 * b] + o->pos[2 * b + 1];
      o->neg[b] = o->neg[2 * b] + o->neg[2 * b + 1];
    }
    if (n & 1) {
      /* odd bin count: the last bin joins the last merged one */
      o->pos[n / 2 - 1] += o->pos[n - 1];
      o->neg[n / 2 - 1] += o->neg[n - 1];
    }
    memset(o->pos + n / 2, 0, (size_t)(n - n / 2) * sizeof *o->pos);
    memset(o->neg + n / 2, 0, (size_t)(n - n / 2) * sizeof *o->neg);
    o->width *= 2;
  }
}

void qe_calib_obs_add(qe_calib_obs *o, const float *x, size_t n, size_t *n_nonfinite)
{
  size_t bad = 0, good = 0;
  float bmin = FLT_MAX, bmax = -FLT_MAX;
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    if (!isfinite(v)) {
      bad++;
      continue;
    }
    good++;
    bmin = v < bmin ? v : bmin;
    bmax = v > bmax ? v : bmax;
    sum += v;
  }
  if (n_nonfinite)
    *n_nonfinite = bad;
  if (good == 0)
    return;
  const double mag = fmax(fabs((double)bmin), fabs((double)bmax));
  if (mag > 0) {
    if (o->width == 0)
      o->width = mag / o->bins * (1.0 + 1e-6);
    /* Values within a hair of the top edge (float rounding) go to the
     * last bin below; only real overflow grows the histogram. */
    if (mag >= o->width * o->bins * (1.0 + 1e-6))
      grow(o, mag);
  }
  const int top = o->bins - 1;
  const double inv = o->width > 0 ? 1.0 / o->width : 0;
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    if (!isfinite(v))
      continue;
    if (v >= 0) {
      long b = (long)(v * inv);
      o->pos[b > top ? top : b]++;
    } else {
      long b = (long)(-(double)v * inv);
      o->neg[b > top ? top : b]++;
    }
  }
  if (o->count == 0) {
    o->min = bmin;
    o->max = bmax;
    o->ema_min = bmin;
    o->ema_max = bmax;
  } else {
    o->min = bmin < o->min ? bmin : o->min;
    o->max = bmax > o->max ? bmax : o->max;
    o->ema_min += o->ema_c * ((double)bmin - o->ema_min);
    o->ema_max += o->ema_c * ((double)bmax - o->ema_max);
  }
  o->count += good;
  o->sum += sum;
  o->batches++;
}

void qe_calib_obs_set_moving_average(qe_calib_obs *o, double c)
{
  if (c > 0 && c <= 1)
    o->ema_c = c;
}

uint64_t qe_calib_obs_count(const qe_calib_obs *o)
{
  return o->count;
}

uint64_t qe_calib_obs_batches(const qe_calib_obs *o)
{
  return o->batches;
}

float qe_calib_obs_min(const qe_calib_obs *o)
{
  return o->min;
}

float qe_calib_obs_max(const qe_calib_obs *o)
{
  return o->max;
}

double qe_calib_obs_mean(const qe_calib_obs *o)
{
  return o->count ? o->sum / (double)o->count : 0.0;
}

/* Signed view: index k in [0, 2 * bins): k < bins is neg[bins - 1 - k]
 * (the most negative first), else pos[k - bins]. Bin k covers
 * [(k - bins) * w, (k - bins + 1) * w). */
static uint64_t sbin(const qe_calib_obs *o, int k)
{
  return k < o->bins ? o->neg[o->bins - 1 - k] : o->pos[k - o->bins];
}

static double sbin_center(const qe_calib_obs *o, int k)
{
  return ((double)(k - o->bins) + 0.5) * o->width;
}

void qe_calib_obs_histogram(const qe_calib_obs *o, float lo, float hi, size_t n, uint64_t *out)
{
  memset(out, 0, n * sizeof *out);
  if (n == 0 || o->count == 0)
    return;
  if (o->width == 0 || !(hi > lo)) {
    out[0] = o->count;
    return;
  }
  for (int k = 0; k < 2 * o->bins; k++) {
    uint64_t c = sbin(o, k);
    if (!c)
      continue;
    double x = sbin_center(o, k);
    double f = (x - lo) / ((double)hi - lo) * (double)n;
    long b = (long)floor(f);
    b = b < 0 ? 0 : b >= (long)n ? (long)n - 1 : b;
    out[b] += c;
  }
}

double qe_calib_obs_clipped_fraction(const qe_calib_obs *o, float lo, float hi)
{
  if (o->count == 0 || o->width == 0)
    return 0.0;
  uint64_t out = 0;
  for (int k = 0; k < 2 * o->bins; k++) {
    double x = sbin_center(o, k);
    if (x < lo || x > hi)
      out += sbin(o, k);
  }
  return (double)out / (double)o->count;
}

/* ---- methods -------------------------------------------------------- */

static void range_percentile(const qe_calib_obs *o, double pct, float *lo, float *hi)
{
  const double cut = (double)o->count * (100.0 - pct) / 200.0;
  const int nb = 2 * o->bins;
  double acc = 0;
  double l = o->min, h = o->max;
  for (int k = 0; k < nb; k++) {
    acc += (double)sbin(o, k);
    if (acc > cut) {
      l = (double)(k - o->bins) * o->width; /* lower edge of the bin */
      break;
    }
  }
  acc = 0;
  for (int k = nb - 1; k >= 0; k--) {
    acc += (double)sbin(o, k);
    if (acc > cut) {
      h = (double)(k - o->bins + 1) * o->width; /* upper edge */
      break;
    }
  }
  *lo = (float)fmax(l, (double)o->min);
  *hi = (float)fmin(h, (double)o->max);
}

/* KL(P || Q) of TensorRT's calibrator for threshold bin @i of the |x|
 * histogram @h (n bins), quantized into @nq bins. @p and @q: scratch of i
 * doubles. */
static double kl_at(const double *h, int n, int i, int nq, double *p, double *q)
{
  double outliers = 0;
  for (int k = i; k < n; k++)
    outliers += h[k];
  for (int k = 0; k < i; k++)
    p[k] = h[k];
  p[i - 1] += outliers;
  /* Quantize: bin k (< i) goes to quantized bin floor(k * nq / i); each
   * quantized bin's mass is spread evenly over its non-empty source bins. */
  int k = 0;
  for (int j = 0; j < nq; j++) {
    int start = k;
    double mass = 0;
    int nonzero = 0;
    while (k < i && (int)(((int64_t)k * nq) / i) == j) {
      mass += h[k];
      nonzero += h[k] != 0;
      k++;
    }
    for (int t = start; t < k; t++)
      q[t] = (h[t] != 0 && nonzero) ? mass / nonzero : 0;
  }
  double sp = 0, sq = 0;
  int qzero = 0;
  for (int t = 0; t < i; t++) {
    sp += p[t];
    sq += q[t];
    qzero += q[t] <= 0;
  }
  if (sp <= 0 || sq <= 0)
    return INFINITY;
  /* Smooth Q as MXNet's calibrator does, so a bin P has and Q lacks (the
   * folded outliers over an empty last bin) costs a finite amount: empty
   * bins get eps, taken evenly from the others. */
  const double eps = 1e-4;
  const double take = qzero ? eps * qzero / (double)(i - qzero) : 0;
  double kl = 0;
  for (int t = 0; t < i; t++) {
    if (p[t] <= 0)
      continue;
    double pp = p[t] / sp;
    double qq = q[t] > 0 ? q[t] / sq - take : eps;
    if (qq <= 0)
      qq = eps;
    kl += pp * log(pp / qq);
  }
  return kl;
}

static qe_status range_entropy(const qe_calib_obs *o, int nq, float *lo, float *hi, qe_ctx *ctx)
{
  const int n = o->bins;
  if (o->width == 0) {
    *lo = *hi = 0;
    return QE_OK;
  }
  /* Unsigned tensors (ReLU outputs) get twice the levels on one side. */
  if (o->min >= 0)
    nq *= 2;
  double *h = NULL;
  qe_status st = qe_alloc(ctx, (size_t)n * 3, sizeof(double), "entropy calibration", (void **)&h);
  if (st)
    return st;
  double *p = h + n, *q = h + 2 * n;
  int last = 0;
  for (int k = 0; k < n; k++) {
    h[k] = (double)o->pos[k] + (double)o->neg[k];
    if (h[k] > 0)
      last = k;
  }
  /* The bin holding zero (half of a ReLU output) would dominate the
   * divergence: flatten it to its neighbour, as TensorRT's calibrator
   * (pytorch-quantization's _compute_amax_entropy) does. */
  if (n > 1)
    h[0] = h[1];
  /* Thresholds past the last non-empty bin all clip nothing; stop there. */
  int stop = last + 1;
  double best = INFINITY;
  int best_i = stop;
  if (stop > nq) {
    /* at most ~512 candidate thresholds (each costs O(i)) */
    const int step = (stop - nq) / 512 + 1;
    for (int i = nq; i <= stop; i += step) {
      double kl = kl_at(h, n, i, nq, p, q);
      if (kl < best) {
        best = kl;
        best_i = i;
      }
    }
  }
  /* Never clip more than 0.1 % of the values: KL alone cuts saturated
   * ReLU6 outputs (a spike at 6) far too low. */
  {
    double total = 0, acc = 0;
    for (int k = 0; k < n; k++)
      total += (double)o->pos[k] + (double)o->neg[k];
    int floor_i = n;
    for (int k = n - 1; k >= 0; k--) {
      acc += (double)o->pos[k] + (double)o->neg[k];
      if (acc > total * 1e-3) {
        floor_i = k + 1;
        break;
      }
    }
    if (best_i < floor_i)
      best_i = floor_i;
  }
  free(h);
  const double t = (double)best_i * o->width;
  *lo = (float)fmax(-t, (double)o->min);
  *hi = (float)fmin(t, (double)o->max);
  return QE_OK;
}

/* Expected squared error of quantize-dequantize on [lo, hi] over the
 * histogram (per value; bin centers stand for their values). */
static double mse_cost(const qe_calib_obs *o, double lo, double hi, int bits)
{
  int32_t qmin, qmax;
  qe_qgrid(bits, false, &qmin, &qmax);
  qe_qparams qp = qe_choose_qparams((float)lo, (float)hi, qmin, qmax, false, false);
  const double s = qp.scale;
  const double rlo = s * (qmin - qp.zero_point), rhi = s * (qmax - qp.zero_point);
  double err = 0;
  const double noise = s * s / 12.0;
  for (int k = 0; k < 2 * o->bins; k++) {
    uint64_t c = sbin(o, k);
    if (!c)
      continue;
    double x = sbin_center(o, k);
    double e;
    if (x < rlo)
      e = (x - rlo) * (x - rlo);
    else if (x > rhi)
      e = (x - rhi) * (x - rhi);
    else
      e = noise;
    err += (double)c * e;
  }
  return err;
}

static void range_mse(const qe_calib_obs *o, int bits, float *lo, float *hi)
{
  const double mn = o->min, mx = o->max;
  if (o->width == 0 || mn == mx) {
    *lo = o->min;
    *hi = o->max;
    return;
  }
  /* 1. shrink both ends together */
  double best = INFINITY, bl = mn, bh = mx;
  for (int s = 1; s <= 100; s++) {
    double a = s / 100.0;
    double c = mse_cost(o, mn * a, mx * a, bits);
    if (c < best) {
      best = c;
      bl = mn * a;
      bh = mx * a;
    }
  }
  /* 2. refine each side alone (the other fixed), twice */
  for (int round = 0; round < 2; round++) {
    for (int s = 0; s <= 100; s++) {
      double l = mn * s / 100.0;
      double c = mse_cost(o, l, bh, bits);
      if (c < best) {
        best = c;
        bl = l;
      }
    }
    for (int s = 0; s <= 100; s++) {
      double h = mx * s / 100.0;
      double c = mse_cost(o, bl, h, bits);
      if (c < best) {
        best = c;
        bh = h;
      }
    }
  }
  *lo = (float)bl;
  *hi = (float)bh;
}

qe_status qe_calib_obs_range(const qe_calib_obs *o, qe_calib_method method,
                             const qe_calib_params *p, float *lo, float *hi, qe_ctx *ctx)
{
  qe_calib_params def;
  if (!p) {
    qe_calib_params_init(&def);
    p = &def;
  }
  if (o->count == 0)
    return qe_error(ctx, QE_ERR_DATA, "no values were seen during calibration");
  switch (method) {
  case QE_CALIB_MINMAX:
    *lo = o->min;
    *hi = o->max;
    return QE_OK;
  case QE_CALIB_MOVING_AVERAGE:
    *lo = (float)o->ema_min;
    *hi = (float)o->ema_max;
    return QE_OK;
  case QE_CALIB_PERCENTILE:
    if (!(p->percentile > 0 && p->percentile <= 100))
      return qe_error(ctx, QE_ERR_INVALID, "percentile %g: must be in (0, 100]", p->percentile);
    range_percentile(o, p->percentile, lo, hi);
    return QE_OK;
  case QE_CALIB_ENTROPY:
    if (p->entropy_target_bins < 2 || p->entropy_target_bins > o->bins)
      return qe_error(ctx, QE_ERR_INVALID, "entropy target bins %d: must be in 2..%d",
                      p->entropy_target_bins, o->bins);
    return range_entropy(o, p->entropy_target_bins, lo, hi, ctx);
  case QE_CALIB_MSE:
    if (p->mse_bits < 2 || p->mse_bits > 16)
      return qe_error(ctx, QE_ERR_INVALID, "mse bits %d: must be in 2..16", p->mse_bits);
    range_mse(o, p->mse_bits, lo, hi);
    return QE_OK;
  default:
    return qe_error(ctx, QE_ERR_INVALID, "calibration method %d is not known", (int)method);
  }
}

/* ---- parameters ---------------------------------------------------- */

void qe_qgrid(int bits, bool narrow, int32_t *qmin, int32_t *qmax)
{
  if (bits < 2)
    bits = 2;
  if (bits > 31)
    bits = 31;
  *qmax = (int32_t)((1u << (bits - 1)) - 1);
  *qmin = -*qmax - (narrow ? 0 : 1);
}

static float pow2_up(float s)
{
  if (!(s > 0))
    return s;
  return (float)exp2(ceil(log2((double)s) - 1e-9));
}

qe_qparams qe_choose_qparams(float lo, float hi, int32_t qmin, int32_t qmax, bool symmetric,
                             bool pow2)
{
  qe_qparams r = { 1.0f, 0, qmin, qmax };
  double rmin = fmin((double)lo, 0.0), rmax = fmax((double)hi, 0.0);
  if (!isfinite(rmin) || !isfinite(rmax))
    return r;
  if (symmetric) {
    double a = fmax(-rmin, rmax);
    double s = a > 0 ? a / (double)qmax : 1.0;
    r.scale = (float)s;
    if (pow2)
      r.scale = pow2_up(r.scale);
    if (!(r.scale > 0))
      r.scale = FLT_MIN;
    r.zero_point = 0;
    if (r.zero_point < qmin)
      r.zero_point = qmin;
    return r;
  }
  if (rmax == rmin) {
    r.scale = 1.0f;
    r.zero_point = qmin > 0 ? qmin : (qmax < 0 ? qmax : 0);
    return r;
  }
  r.scale = (float)((rmax - rmin) / (double)(qmax - qmin));
  if (pow2)
    r.scale = pow2_up(r.scale);
  if (!(r.scale > 0))
    r.scale = FLT_MIN;
  double zp = (double)qmin - rmin / (double)r.scale;
  zp = round(zp);
  if (zp < qmin)
    zp = qmin;
  if (zp > qmax)
    zp = qmax;
  r.zero_point = (int32_t)zp;
  return r;
}

float qe_weight_scale(float absmax, int32_t qmax, bool pow2)
{
  float s = absmax > 0 && isfinite(absmax) ? (float)((double)absmax / (double)qmax) : 1.0f;
  if (pow2)
    s = pow2_up(s);
  if (!(s > 0))
    s = FLT_MIN;
  return s;
}

int32_t qe_quantize_value(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax)
{
  double v = round((double)x / (double)scale) + zero_point;
  if (!(v >= qmin))
    return qmin;
  if (v > qmax)
    return qmax;
  return (int32_t)v;
}
