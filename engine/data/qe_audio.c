/* qe_audio.c - sound files (libsndfile), resampling (libsoxr) and the model
 * zoo's temporal preprocessing (librosa.load + librosa.effects.split).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>
#include <soxr.h>

#include "qe/qe_data_proc.h"
#include "qe_internal.h"

/* Longest clip read: one hour at 48 kHz. */
#define QE_AUDIO_MAX_FRAMES ((sf_count_t)48000 * 3600)

/* libsndfile quietly shortens a WAV whose data chunk runs past the end of
 * the file; a truncated download should be reported, not half-used. */
static qe_status check_wav_length(const char *path, qe_ctx *ctx)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return QE_OK; /* sf_open reports it */
  qe_status st = QE_OK;
  uint8_t h[12];
  struct stat sb;
  if (fread(h, 1, 12, f) == 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVE", 4) == 0 &&
      fstat(fileno(f), &sb) == 0) {
    uint64_t pos = 12, size = (uint64_t)sb.st_size;
    for (int guard = 0; guard < 1000 && pos + 8 <= size; guard++) {
      uint8_t c[8];
      if (fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(c, 1, 8, f) != 8)
        break;
      uint32_t len =
          (uint32_t)c[4] | (uint32_t)c[5] << 8 | (uint32_t)c[6] << 16 | (uint32_t)c[7] << 24;
      if (memcmp(c, "data", 4) == 0) {
        uint64_t avail = size - pos - 8;
        if (len != 0 && len != 0xFFFFFFFFu && len > avail)
          st = qe_error(ctx, QE_ERR_PARSE,
                        "%s: truncated WAV: the data chunk declares %u bytes, the file holds "
                        "%llu",
                        path, (unsigned)len, (unsigned long long)avail);
        break;
      }
      pos += 8 + (uint64_t)len + (len & 1);
    }
  }
  fclose(f);
  return st;
}

qe_status qe_audio_read(const char *path, double max_seconds, qe_array **out, int *rate,
                        qe_ctx *ctx)
{
  *out = NULL;
  qe_status cst = check_wav_length(path, ctx);
  if (cst)
    return cst;
  SF_INFO info;
  memset(&info, 0, sizeof info);
  SNDFILE *sf = sf_open(path, SFM_READ, &info);
  if (!sf)
    return qe_error(ctx, QE_ERR_PARSE, "%s: not a readable sound file: %s", path,
                    sf_strerror(NULL));
  qe_status st = QE_OK;
  float *buf = NULL;
  qe_array *a = NULL;
  if (info.samplerate <= 0 || info.channels <= 0 || info.channels > 256) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: %d channels at %d Hz", path, info.channels,
                  info.samplerate);
    goto done;
  }
  sf_count_t want = info.frames;
  if (max_seconds > 0) {
    double lim = floor(max_seconds * info.samplerate);
    if (lim < (double)want)
      want = (sf_count_t)lim;
  }
  if (want < 0 || want > QE_AUDIO_MAX_FRAMES) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: %lld frames is more than this engine reads", path,
                  (long long)want);
    goto done;
  }
  if (want == 0) {
    st = qe_error(ctx, QE_ERR_DATA, "%s: the sound file holds no samples", path);
    goto done;
  }
  int64_t dims[1] = { want };
  if ((st = qe_array_new(QE_DT_F32, 1, dims, &a, ctx)))
    goto done;
  size_t chunk = 65536;
  buf = malloc(sizeof(float) * chunk * (size_t)info.channels);
  if (!buf) {
    st = qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  float *y = a->data;
  sf_count_t got = 0;
  while (got < want) {
    sf_count_t n = QE_MIN((sf_count_t)chunk, want - got);
    sf_count_t r = sf_readf_float(sf, buf, n);
    if (r <= 0)
      break;
    for (sf_count_t i = 0; i < r; i++) {
      double s = 0;
      for (int ch = 0; ch < info.channels; ch++)
        s += buf[i * info.channels + ch];
      y[got + i] = (float)(s / info.channels);
    }
    got += r;
  }
  if (sf_error(sf) != SF_ERR_NO_ERROR) {
    st = qe_error(ctx, QE_ERR_PARSE, "%s: corrupt sound file: %s", path, sf_strerror(sf));
    goto done;
  }
  if (got < want) {
    st = qe_error(ctx, QE_ERR_PARSE,
                  "%s: truncated sound file: the header promises %lld frames, "
                  "only %lld could be read",
                  path, (long long)want, (long long)got);
    goto done;
  }
  for (sf_count_t i = 0; i < got; i++)
    if (!isfinite(y[i])) {
      st = qe_error(ctx, QE_ERR_NUMERIC, "%s: sample %lld is not a finite number", path,
                    (long long)i);
      goto done;
    }
  *rate = info.samplerate;
  *out = a;
  a = NULL;
done:
  free(buf);
  qe_array_free(a);
  sf_close(sf);
  return st;
}

qe_status qe_audio_resample(const float *x, size_t n, int from, int to, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  if (from < 1 || to < 1 || from > 768000 || to > 768000 || (double)from / to > 256.0 ||
      (double)to / from > 256.0)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "cannot resample from %d Hz to %d Hz (rates must be 1..768000 Hz and within "
                    "a factor of 256)",
                    from, to);
  double olen_d = ceil((double)n * to / from);
  if (olen_d > (double)QE_AUDIO_MAX_FRAMES)
    return qe_error(ctx, QE_ERR_NOMEM, "resampled clip of %.0f samples is too long", olen_d);
  size_t olen = (size_t)olen_d;
  int64_t dims[1] = { (int64_t)(olen ? olen : 1) };
  qe_array *a;
  qe_status st = qe_array_new(QE_DT_F32, 1, dims, &a, ctx);
  if (st)
    return st;
  if (from == to) {
    memcpy(a->data, x, n * sizeof(float));
    *out = a;
    return QE_OK;
  }
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  soxr_runtime_spec_t rt = soxr_runtime_spec(1);
  size_t idone = 0, odone = 0;
  soxr_error_t err = soxr_oneshot(from, to, 1, x, n, &idone, a->data, olen, &odone, &io, &q, &rt);
  if (err) {
    qe_array_free(a);
    return qe_error(ctx, QE_ERR_UNSUPPORTED, "resampling from %d Hz to %d Hz failed: %s", from, to,
                    err);
  }
  if (odone == 0) {
    qe_array_free(a);
    return qe_error(ctx, QE_ERR_DATA, "the clip is too short to resample");
  }
  a->dims[0] = (int64_t)odone;
  *out = a;
  return QE_OK;
}

qe_status qe_audio_trim_silence(float *y, size_t *n, double top_db, int frame_length,
                                int hop_length, qe_ctx *ctx)
{
  size_t len = *n;
  if (top_db <= 0 || len == 0)
    return QE_OK;
  if (frame_length <= 0 || hop_length <= 0)
    return qe_error(ctx, QE_ERR_INVALID, "silence removal needs positive frame and hop lengths");
  size_t pad = (size_t)frame_length / 2;
  size_t plen = len + 2 * pad;
  if (plen < (size_t)frame_length)
    return QE_OK; /* librosa would refuse; keep the clip as it is */
  size_t frames = 1 + (plen - (size_t)frame_length) / (size_t)hop_length;
  /* prefix sums of squares over the zero-padded signal */
  double *pre = malloc(sizeof(double) * (len + 1));
  double *db = malloc(sizeof(double) * frames);
  bool *keep = calloc(frames, 1);
  size_t *edges = malloc(sizeof(size_t) * (frames + 2));
  if (!pre || !db || !keep || !edges) {
    free(pre);
    free(db);
    free(keep);
    free(edges);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory removing silence");
  }
  pre[0] = 0;
  for (size_t i = 0; i < len; i++)
    pre[i + 1] = pre[i] + (double)y[i] * y[i];
  double maxp = 0;
  for (size_t f = 0; f < frames; f++) {
    /* padded [f*hop, f*hop+fl) is signal [f*hop-pad, f*hop+fl-pad) */
    long long a = (long long)(f * (size_t)hop_length) - (long long)pad;
    long long b = a + frame_length;
    if (a < 0)
      a = 0;
    if (b > (long long)len)
      b = (long long)len;
    double p = b > a ? (pre[b] - pre[a]) / frame_length : 0.0;
    if (p < 0)
      p = 0;
    db[f] = p; /* mean square = rms^2 */
    if (p > maxp)
      maxp = p;
  }
  double ref = 10.0 * log10(QE_MAX(1e-10, maxp));
  for (size_t f = 0; f < frames; f++)
    keep[f] = 10.0 * log10(QE_MAX(1e-10, db[f])) - ref > -top_db;
  size_t ne = 0;
  if (keep[0])
    edges[ne++] = 0;
  for (size_t f = 1; f < frames; f++)
    if (keep[f] != keep[f - 1])
      edges[ne++] = f;
  if (keep[frames - 1])
    edges[ne++] = frames;
  size_t w = 0;
  for (size_t i = 0; i + 1 < ne; i += 2) {
    size_t s = QE_MIN(edges[i] * (size_t)hop_length, len);
    size_t e = QE_MIN(edges[i + 1] * (size_t)hop_length, len);
    if (e > s) {
      memmove(y + w, y + s, (e - s) * sizeof(float));
      w += e - s;
    }
  }
  free(pre);
  free(db);
  free(keep);
  free(edges);
  *n = w;
  return QE_OK;
}

static qe_status repeat_to(float **y, size_t *n, size_t target, qe_ctx *ctx)
{
  size_t len = *n;
  if (len == 0)
    return qe_error(ctx, QE_ERR_DATA, "the clip is empty after silence removal");
  size_t reps = target / len + 1;
  size_t total;
  if (!qe_mul_size(reps, len, &total))
    return qe_error(ctx, QE_ERR_NOMEM, "clip too long to repeat");
  size_t keep = QE_MIN(total, target);
  float *ny = realloc(*y, sizeof(float) * (keep ? keep : 1));
  if (!ny)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory repeating a clip");
  for (size_t i = len; i < keep; i++)
    ny[i] = ny[i % len];
  *y = ny;
  *n = keep;
  return QE_OK;
}

qe_status qe_audio_temporal(float **y, size_t *n, int rate, const qe_data_options *o, qe_ctx *ctx)
{
  qe_status st;
  size_t min_samples = (size_t)floor(o->min_length * rate);
  if (*n == 0)
    return qe_error(ctx, QE_ERR_DATA, "the clip is empty");
  if (o->lengthen == QE_LENGTHEN_BEFORE && *n < min_samples &&
      (st = repeat_to(y, n, min_samples, ctx)))
    return st;
  if ((st = qe_audio_trim_silence(*y, n, o->top_db, o->frame_length, o->hop_length, ctx)))
    return st;
  size_t secs = *n / (size_t)rate;
  if (o->trim_last_second && secs >= 1)
    *n = secs * (size_t)rate;
  if (o->lengthen == QE_LENGTHEN_AFTER && *n < min_samples &&
      (st = repeat_to(y, n, min_samples, ctx)))
    return st;
  if (*n == 0)
    return qe_error(ctx, QE_ERR_DATA, "the clip is empty after silence removal");
  return QE_OK;
}
