/* qe_mel.c - librosa's mel filterbank, STFT and power_to_db, the model zoo's
 * patches, and the time-series FFT features; FFTW3 for the transforms.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "qe/qe_data_proc.h"
#include "qe_data_internal.h"
#include "qe_internal.h"

/* FFTW's planner is not thread-safe: plans are made and destroyed under
 * this lock; executing a plan on its own buffers is. */
static pthread_mutex_t fftw_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- mel scale (librosa.hz_to_mel / mel_to_hz) ------------------------------ */

static double hz_to_mel(double f, bool htk)
{
  if (htk)
    return 2595.0 * log10(1.0 + f / 700.0);
  const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = log(6.4) / 27.0;
  if (f >= min_log_hz)
    return min_log_mel + log(f / min_log_hz) / logstep;
  return f / f_sp;
}

static double mel_to_hz(double m, bool htk)
{
  if (htk)
    return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
  const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = log(6.4) / 27.0;
  if (m >= min_log_mel)
    return min_log_hz * exp(logstep * (m - min_log_mel));
  return f_sp * m;
}

qe_status qe_mel_filterbank(int sr, int n_fft, int n_mels, double fmin, double fmax, bool htk,
                            qe_mel_norm norm, float *out, qe_ctx *ctx)
{
  if (sr <= 0 || n_fft < 2 || n_mels <= 0)
    return qe_error(ctx, QE_ERR_INVALID, "mel filterbank: sr %d, n_fft %d, n_mels %d", sr, n_fft,
                    n_mels);
  if (fmax < 0)
    fmax = sr / 2.0;
  int nb = n_fft / 2 + 1;
  double *melf = malloc(sizeof(double) * (size_t)(n_mels + 2));
  if (!melf)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory for the mel filterbank");
  double lo = hz_to_mel(fmin, htk), hi = hz_to_mel(fmax, htk);
  for (int i = 0; i < n_mels + 2; i++) {
    /* numpy.linspace(lo, hi, n): lo + i * step, the last one exactly hi */
    double m = (i == n_mels + 1) ? hi : lo + (hi - lo) * i / (double)(n_mels + 1);
    melf[i] = mel_to_hz(m, htk);
  }
  for (int m = 0; m < n_mels; m++) {
    double d0 = melf[m + 1] - melf[m], d1 = melf[m + 2] - melf[m + 1];
    double enorm = norm == QE_MEL_NORM_SLANEY ? 2.0 / (melf[m + 2] - melf[m]) : 1.0;
    for (int k = 0; k < nb; k++) {
      double f = (double)k * sr / n_fft; /* numpy.fft.rfftfreq */
      double lower = -(melf[m] - f) / d0;
      double upper = (melf[m + 2] - f) / d1;
      double w = QE_MAX(0.0, QE_MIN(lower, upper));
      out[(size_t)m * nb + k] = (float)((float)w * enorm);
    }
  }
  free(melf);
  return QE_OK;
}

/* ---- windows (scipy.signal.get_window, fftbins=True) ----------------------- */

static void make_window(qe_window kind, int n, double *w)
{
  for (int i = 0; i < n; i++) {
    double t = 2.0 * M_PI * i / n;
    switch (kind) {
    case QE_WINDOW_HAMMING:
      w[i] = 0.54 - 0.46 * cos(t);
      break;
    case QE_WINDOW_BLACKMAN:
      w[i] = 0.42 - 0.5 * cos(t) + 0.08 * cos(2.0 * t);
      break;
    case QE_WINDOW_BOXCAR:
      w[i] = 1.0;
      break;
    default:
      w[i] = 0.5 - 0.5 * cos(t);
      break;
    }
  }
}

/* ---- the plan ---------------------------------------------------------------- */

struct qe_mel_plan {
  int sr, n_fft, hop, n_mels, nb;
  bool center;
  qe_pad_mode pad;
  double power;
  bool to_db;
  qe_db_ref db_ref;
  double db_ref_value, top_db;
  double *window;       /* n_fft, zero-padded at the centre */
  float *mel;           /* n_mels x nb */
  int *mel_lo, *mel_hi; /* non-zero bin range per band */
  double *in;           /* fftw buffers: double, float loses ~1e-3 dB near the floor */
  fftw_complex *spec;
  fftw_plan plan;
  double *mag; /* nb */
};

void qe_mel_plan_free(qe_mel_plan *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&fftw_lock);
  if (p->plan)
    fftw_destroy_plan(p->plan);
  pthread_mutex_unlock(&fftw_lock);
  fftw_free(p->in);
  fftw_free(p->spec);
  free(p->window);
  free(p->mel);
  free(p->mel_lo);
  free(p->mel_hi);
  free(p->mag);
  free(p);
}

qe_status qe_mel_plan_new(int sr, const qe_data_options *o, qe_mel_plan **out, qe_ctx *ctx)
{
  *out = NULL;
  qe_status st = qe_data_options_validate(o, ctx);
  if (st)
    return st;
  if (sr <= 0)
    return qe_error(ctx, QE_ERR_INVALID, "sample rate %d Hz", sr);
  qe_mel_plan *p = calloc(1, sizeof *p);
  if (!p)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  p->sr = sr;
  p->n_fft = o->n_fft;
  p->hop = o->spec_hop_length;
  p->n_mels = o->n_mels;
  p->nb = o->n_fft / 2 + 1;
  p->center = o->center;
  p->pad = o->pad_mode;
  p->power = o->power;
  p->to_db = o->to_db;
  p->db_ref = o->db_ref;
  p->db_ref_value = o->db_ref_value;
  p->top_db = o->fe_top_db;
  int wl = o->window_length > 0 ? o->window_length : o->n_fft;
  p->window = calloc((size_t)p->n_fft, sizeof(double));
  p->mel = malloc(sizeof(float) * (size_t)p->n_mels * (size_t)p->nb);
  p->mel_lo = malloc(sizeof(int) * (size_t)p->n_mels);
  p->mel_hi = malloc(sizeof(int) * (size_t)p->n_mels);
  p->mag = malloc(sizeof(double) * (size_t)p->nb);
  double *w = malloc(sizeof(double) * (size_t)wl);
  p->in = fftw_malloc(sizeof(double) * (size_t)p->n_fft);
  p->spec = fftw_malloc(sizeof(fftw_complex) * (size_t)p->nb);
  if (!p->window || !p->mel || !p->mel_lo || !p->mel_hi || !p->mag || !w || !p->in || !p->spec) {
    free(w);
    qe_mel_plan_free(p);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory for the spectrogram");
  }
  make_window(o->window, wl, w);
  int lpad = (p->n_fft - wl) / 2; /* librosa.util.pad_center */
  for (int i = 0; i < wl; i++)
    p->window[lpad + i] = w[i];
  free(w);
  if ((st = qe_mel_filterbank(sr, p->n_fft, p->n_mels, o->fmin, o->fmax, o->htk, o->norm, p->mel,
                              ctx))) {
    qe_mel_plan_free(p);
    return st;
  }
  for (int m = 0; m < p->n_mels; m++) {
    int lo = p->nb, hi = 0;
    for (int k = 0; k < p->nb; k++)
      if (p->mel[(size_t)m * p->nb + k] != 0.0f) {
        if (k < lo)
          lo = k;
        hi = k + 1;
      }
    p->mel_lo[m] = lo < hi ? lo : 0;
    p->mel_hi[m] = hi;
  }
  pthread_mutex_lock(&fftw_lock);
  p->plan = fftw_plan_dft_r2c_1d(p->n_fft, p->in, p->spec, FFTW_ESTIMATE);
  pthread_mutex_unlock(&fftw_lock);
  if (!p->plan) {
    qe_mel_plan_free(p);
    return qe_error(ctx, QE_ERR_INTERNAL, "FFTW could not plan a %d-point transform", o->n_fft);
  }
  *out = p;
  return QE_OK;
}

size_t qe_mel_frames(const qe_mel_plan *p, size_t n)
{
  size_t len = n + (p->center ? 2 * (size_t)(p->n_fft / 2) : 0);
  if (n == 0 || len < (size_t)p->n_fft)
    return 0;
  return 1 + (len - (size_t)p->n_fft) / (size_t)p->hop;
}

/* Index into the signal for padded position @i (numpy.pad semantics). */
static bool pad_index(qe_pad_mode mode, long long i, long long n, long long *out)
{
  if (i >= 0 && i < n) {
    *out = i;
    return true;
  }
  switch (mode) {
  case QE_PAD_EDGE:
    *out = i < 0 ? 0 : n - 1;
    return true;
  case QE_PAD_WRAP: {
    long long m = i % n;
    *out = m < 0 ? m + n : m;
    return true;
  }
  case QE_PAD_SYMMETRIC: {
    long long period = 2 * n;
    long long m = i % period;
    if (m < 0)
      m += period;
    *out = m < n ? m : period - 1 - m;
    return true;
  }
  case QE_PAD_REFLECT: {
    if (n == 1) {
      *out = 0;
      return true;
    }
    long long period = 2 * (n - 1);
    long long m = i % period;
    if (m < 0)
      m += period;
    *out = m < n ? m : period - m;
    return true;
  }
  default:
    return false; /* constant zero */
  }
}

qe_status qe_mel_spectrogram(qe_mel_plan *p, const float *y, size_t n, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  size_t frames = qe_mel_frames(p, n);
  if (frames == 0)
    return qe_error(ctx, QE_ERR_DATA, "clip of %zu samples is shorter than one FFT frame (%d)", n,
                    p->n_fft);
  int64_t dims[2] = { p->n_mels, (int64_t)frames };
  qe_array *a;
  qe_status st = qe_array_new(QE_DT_F32, 2, dims, &a, ctx);
  if (st)
    return st;
  float *S = a->data;
  long long off = p->center ? p->n_fft / 2 : 0;
  for (size_t t = 0; t < frames; t++) {
    long long start = (long long)(t * (size_t)p->hop) - off;
    for (int i = 0; i < p->n_fft; i++) {
      long long idx = start + i, src;
      float v = 0.0f;
      if (pad_index(p->pad, idx, (long long)n, &src))
        v = y[src];
      p->in[i] = (double)v * p->window[i];
    }
    fftw_execute(p->plan);
    for (int k = 0; k < p->nb; k++) {
      double re = p->spec[k][0], im = p->spec[k][1];
      double m2 = re * re + im * im;
      p->mag[k] = p->power == 2.0 ? m2 : sqrt(m2);
    }
    for (int m = 0; m < p->n_mels; m++) {
      const float *w = p->mel + (size_t)m * p->nb;
      double acc = 0;
      for (int k = p->mel_lo[m]; k < p->mel_hi[m]; k++)
        acc += (double)w[k] * p->mag[k];
      S[(size_t)m * frames + t] = (float)acc;
    }
  }
  size_t count = (size_t)p->n_mels * frames;
  if (!p->to_db) {
    for (size_t i = 0; i < count; i++)
      S[i] = (float)log((double)S[i] + 1e-4);
  } else {
    /* power 2: power_to_db(S, ref, amin=1e-10); power 1: amplitude_to_db,
     * i.e. power_to_db(S^2, ref^2, amin=1e-10). */
    double ref;
    if (p->db_ref == QE_DB_REF_MAX) {
      double mx = 0;
      for (size_t i = 0; i < count; i++)
        if (fabs(S[i]) > mx)
          mx = fabs(S[i]);
      ref = mx;
    } else {
      ref = p->db_ref_value;
    }
    if (p->power == 1.0) {
      for (size_t i = 0; i < count; i++)
        S[i] = S[i] * S[i];
      ref = ref * ref;
    }
    qe_power_to_db(S, count, ref, 1e-10, p->top_db);
  }
  *out = a;
  return QE_OK;
}

void qe_power_to_db(float *s, size_t n, double ref, double amin, double top_db)
{
  double r = 10.0 * log10(QE_MAX(amin, fabs(ref)));
  double mx = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double v = 10.0 * log10(QE_MAX(amin, (double)s[i])) - r;
    s[i] = (float)v;
    if (v > mx)
      mx = v;
  }
  if (top_db >= 0) {
    float floor_v = (float)(mx - top_db);
    for (size_t i = 0; i < n; i++)
      if (s[i] < floor_v)
        s[i] = floor_v;
  }
}

size_t qe_patch_count(size_t frames, int patch_length, double overlap, bool include_last)
{
  size_t pl = (size_t)patch_length;
  size_t ov = (size_t)floor(patch_length * overlap);
  if (pl == 0 || ov >= pl || frames < pl)
    return 0;
  size_t n = 1 + (frames - pl) / (pl - ov);
  return n + (include_last ? 1 : 0);
}

size_t qe_patch_start(size_t frames, int patch_length, double overlap, bool include_last,
                      size_t index)
{
  size_t pl = (size_t)patch_length;
  size_t ov = (size_t)floor(patch_length * overlap);
  size_t n = qe_patch_count(frames, patch_length, overlap, false);
  if (include_last && index == n)
    return frames - pl;
  return index * (pl - ov);
}

/* ---- time series ---------------------------------------------------------------- */

qe_status qe_series_downsample(const float *x, size_t n, size_t target, qe_downsample method,
                               float *out, qe_ctx *ctx)
{
  if (target == 0 || n < target)
    return qe_error(ctx, QE_ERR_SHAPE, "%zu values cannot be downsampled to %zu", n, target);
  size_t k = n / target;
  for (size_t i = 0; i < target; i++) {
    if (method == QE_DOWNSAMPLE_MEAN) {
      double s = 0;
      for (size_t j = 0; j < k; j++)
        s += x[i * k + j];
      out[i] = (float)(s / (double)k);
    } else {
      out[i] = x[i * k];
    }
  }
  return QE_OK;
}

struct qe_rfft_plan {
  size_t n;
  double *in;
  fftw_complex *out;
  fftw_plan plan;
};

qe_status qe_rfft_plan_new(size_t n, qe_rfft_plan **out, qe_ctx *ctx)
{
  *out = NULL;
  if (n < 1 || n > ((size_t)1 << 26))
    return qe_error(ctx, QE_ERR_INVALID, "FFT length %zu is out of range", n);
  qe_rfft_plan *p = calloc(1, sizeof *p);
  if (!p)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  p->n = n;
  p->in = fftw_malloc(sizeof(double) * n);
  p->out = fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1));
  if (p->in && p->out) {
    pthread_mutex_lock(&fftw_lock);
    p->plan = fftw_plan_dft_r2c_1d((int)n, p->in, p->out, FFTW_ESTIMATE);
    pthread_mutex_unlock(&fftw_lock);
  }
  if (!p->plan) {
    qe_rfft_plan_free(p);
    return qe_error(ctx, QE_ERR_NOMEM, "FFTW could not plan a %zu-point transform", n);
  }
  *out = p;
  return QE_OK;
}

size_t qe_rfft_plan_size(const qe_rfft_plan *p)
{
  return p ? p->n : 0;
}

void qe_rfft_plan_free(qe_rfft_plan *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&fftw_lock);
  if (p->plan)
    fftw_destroy_plan(p->plan);
  pthread_mutex_unlock(&fftw_lock);
  fftw_free(p->in);
  fftw_free(p->out);
  free(p);
}

qe_status qe_rfft_magnitude(qe_rfft_plan *p, const float *x, float *out, size_t bins, qe_ctx *ctx)
{
  if (bins > p->n / 2 + 1)
    return qe_error(ctx, QE_ERR_SHAPE, "%zu FFT bins asked of a %zu-point transform", bins, p->n);
  for (size_t i = 0; i < p->n; i++)
    p->in[i] = x[i];
  fftw_execute(p->plan);
  for (size_t k = 0; k < bins; k++)
    out[k] = (float)hypot(p->out[k][0], p->out[k][1]);
  return QE_OK;
}

void qe_series_zscore(float *x, size_t n, double eps)
{
  if (n == 0)
    return;
  double mean = 0;
  for (size_t i = 0; i < n; i++)
    mean += x[i];
  mean /= (double)n;
  double var = 0;
  for (size_t i = 0; i < n; i++)
    var += ((double)x[i] - mean) * ((double)x[i] - mean);
  double sd = sqrt(var / (double)n);
  for (size_t i = 0; i < n; i++)
    x[i] = (float)(((double)x[i] - mean) / (sd + eps));
}
