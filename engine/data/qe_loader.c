/* qe_loader.c - producing model inputs from samples, the threaded loader,
 * previews and thumbnails.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe_data_internal.h"
#include "qe_internal.h"

void qe_worker_init(qe_worker *w)
{
  memset(w, 0, sizeof *w);
  w->ctx = qe_ctx_new();
}

void qe_worker_clear(qe_worker *w)
{
  qe_mel_plan_free(w->mel);
  qe_rfft_plan_free(w->rfft);
  free(w->scratch);
  qe_ctx_free(w->ctx);
  memset(w, 0, sizeof *w);
}

void qe_produced_clear(qe_produced *p)
{
  if (!p->borrowed)
    free(p->data);
  qe_array_free(p->raw);
  qe_array_free(p->features);
  memset(p, 0, sizeof *p);
}

static float *worker_scratch(qe_worker *w, size_t n)
{
  if (n > w->scratch_cap) {
    float *s = realloc(w->scratch, sizeof(float) * n);
    if (!s)
      return NULL;
    w->scratch = s;
    w->scratch_cap = n;
  }
  return w->scratch;
}

/* ---- images ------------------------------------------------------------------ */

/* JPEG DCT scaling keeps at least this many times the target size: only
 * much larger photos are reduced while decoding (a 4000 x 3000 photo for a
 * 224 x 224 input decodes at 1/2), so typical data sets decode in full and
 * match tf.image.resize exactly; measured on smooth 500 x 375 JPEGs at a 2x
 * margin the outputs moved by 1.1 levels of 255 on average. */
#define QE_DCT_MARGIN 4

static qe_status produce_image(qe_dataset *ds, const qe_ds_sample *s, qe_worker *w, int flags,
                               qe_produced *out, qe_ctx *ctx)
{
  const qe_data_options *o = &ds->opt;
  uint8_t *bytes;
  size_t len;
  qe_status st = qe_read_file(s->path, &bytes, &len, ctx);
  if (st)
    return st;
  if (flags & PRODUCE_HASH) {
    qe_hash128(bytes, len, out->hash);
    out->hashed = true;
  }
  int min_w = 0, min_h = 0;
  if (ds->img_h > 0 && o->jpeg_dct_scaling) {
    min_w = QE_DCT_MARGIN * ds->img_w;
    min_h = QE_DCT_MARGIN * ds->img_h;
    if (o->aspect_ratio == QE_ASPECT_CROP) {
      int iw, ih, ic;
      if (qe_image_probe(bytes, len, s->display, &iw, &ih, &ic, NULL) == QE_OK) {
        int y0, x0, ch, cw;
        qe_image_crop_box(ih, iw, ds->img_h, ds->img_w, &y0, &x0, &ch, &cw);
        min_w =
            (int)QE_MIN((int64_t)iw, (int64_t)ceil((double)QE_DCT_MARGIN * ds->img_w * iw / cw));
        min_h =
            (int)QE_MIN((int64_t)ih, (int64_t)ceil((double)QE_DCT_MARGIN * ds->img_h * ih / ch));
      }
    }
  }
  qe_array *img = NULL;
  st = qe_image_decode(bytes, len, s->display, ds->img_mode, min_w, min_h, &img, ctx);
  free(bytes);
  if (st)
    return st;
  int h = (int)img->dims[0], wd = (int)img->dims[1], c = (int)img->dims[2];
  int y0 = 0, x0 = 0, ch = h, cw = wd;
  int oh = ds->img_h > 0 ? ds->img_h : h, ow = ds->img_h > 0 ? ds->img_w : wd;
  if (ds->img_h > 0 && o->aspect_ratio == QE_ASPECT_CROP)
    qe_image_crop_box(h, wd, oh, ow, &y0, &x0, &ch, &cw);
  size_t n_in = (size_t)ch * (size_t)cw * (size_t)c;
  size_t n_out = (size_t)oh * (size_t)ow * (size_t)c;
  size_t n_scr = qe_image_resize_scratch_size(ch, cw, c, oh, ow);
  float *buf = worker_scratch(w, n_in + n_scr);
  float *res = malloc(sizeof(float) * n_out * 2);
  if (!buf || !res) {
    free(res);
    qe_array_free(img);
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory", s->display);
  }
  const uint8_t *px = img->data;
  for (int y = 0; y < ch; y++) {
    const uint8_t *row = px + ((size_t)(y + y0) * wd + x0) * c;
    float *dst = buf + (size_t)y * cw * c;
    for (size_t k = 0; k < (size_t)cw * c; k++)
      dst[k] = row[k];
  }
  float *resized = res + n_out;
  if (ds->img_h > 0) {
    st = qe_image_resize(buf, ch, cw, c, resized, oh, ow, o->interpolation, o->antialias,
                         buf + n_in, ctx);
  } else {
    memcpy(resized, buf, sizeof(float) * n_out);
  }
  if (st) {
    free(res);
    qe_array_free(img);
    return st;
  }
  float scale = (float)o->rescale_scale, offset = (float)o->rescale_offset;
  if (o->layout == QE_LAYOUT_NCHW) {
    for (int k = 0; k < c; k++)
      for (size_t i = 0; i < (size_t)oh * ow; i++)
        res[(size_t)k * oh * ow + i] = resized[i * c + k] * scale + offset;
    out->rank = 3;
    out->dims[0] = c, out->dims[1] = oh, out->dims[2] = ow;
  } else {
    for (size_t i = 0; i < n_out; i++)
      res[i] = resized[i] * scale + offset;
    out->rank = 3;
    out->dims[0] = oh, out->dims[1] = ow, out->dims[2] = c;
  }
  if (ds->item_rank > 0) {
    out->rank = ds->item_rank;
    memcpy(out->dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
  }
  float *shrunk = realloc(res, sizeof(float) * n_out);
  out->data = shrunk ? shrunk : res;
  out->n_items = 1;
  out->item_count = n_out;
  if (flags & PRODUCE_PREVIEW)
    out->raw = img;
  else
    qe_array_free(img);
  return QE_OK;
}

/* ---- audio ------------------------------------------------------------------- */

static qe_status produce_audio(qe_dataset *ds, const qe_ds_sample *s, qe_worker *w, int flags,
                               qe_produced *out, qe_ctx *ctx)
{
  const qe_data_options *o = &ds->opt;
  qe_status st;
  if (flags & PRODUCE_HASH) {
    uint8_t *bytes;
    size_t len;
    if ((st = qe_read_file(s->path, &bytes, &len, ctx)))
      return st;
    qe_hash128(bytes, len, out->hash);
    out->hashed = true;
    free(bytes);
  }
  qe_array *a = NULL, *r = NULL, *mel = NULL;
  int rate;
  if ((st = qe_audio_read(s->path, o->max_length, &a, &rate, ctx)))
    return st;
  int target = o->target_rate > 0 ? o->target_rate : rate;
  if (target != rate) {
    st = qe_audio_resample(a->data, (size_t)a->dims[0], rate, target, &r, ctx);
    if (st) {
      qe_error_prefix(ctx, "%s", s->display);
      qe_array_free(a);
      return st;
    }
  } else {
    r = a;
    a = NULL;
  }
  if (flags & PRODUCE_PREVIEW) {
    out->raw = a ? a : NULL;
    out->raw_rate = rate;
    a = NULL;
  }
  qe_array_free(a);
  /* temporal preprocessing works on a malloc'ed buffer it may grow */
  size_t n = (size_t)r->dims[0];
  float *y = malloc(sizeof(float) * (n ? n : 1));
  if (!y) {
    qe_array_free(r);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  memcpy(y, r->data, sizeof(float) * n);
  if ((flags & PRODUCE_PREVIEW) && !out->raw) {
    out->raw = r;
    out->raw_rate = rate;
  } else {
    qe_array_free(r);
  }
  if ((st = qe_audio_temporal(&y, &n, target, o, ctx))) {
    qe_error_prefix(ctx, "%s", s->display);
    free(y);
    return st;
  }
  if (!w->mel || w->mel_rate != target) {
    qe_mel_plan_free(w->mel);
    w->mel = NULL;
    if ((st = qe_mel_plan_new(target, o, &w->mel, ctx))) {
      free(y);
      return st;
    }
    w->mel_rate = target;
  }
  st = qe_mel_spectrogram(w->mel, y, n, &mel, ctx);
  free(y);
  if (st) {
    qe_error_prefix(ctx, "%s", s->display);
    return st;
  }
  size_t frames = (size_t)mel->dims[1];
  size_t np = qe_patch_count(frames, o->patch_length, o->overlap, o->include_last_patch);
  if (np == 0) {
    qe_array_free(mel);
    return qe_error(ctx, QE_ERR_DATA,
                    "%s: too short: %zu spectrogram frames, one patch needs patch_length %d",
                    s->display, frames, o->patch_length);
  }
  size_t nm = (size_t)o->n_mels, pl = (size_t)o->patch_length, per = nm * pl;
  float *data = malloc(sizeof(float) * per * np);
  if (!data) {
    qe_array_free(mel);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  const float *S = mel->data;
  for (size_t p = 0; p < np; p++) {
    size_t t0 = qe_patch_start(frames, o->patch_length, o->overlap, o->include_last_patch, p);
    for (size_t m = 0; m < nm; m++)
      memcpy(data + p * per + m * pl, S + m * frames + t0, sizeof(float) * pl);
  }
  out->data = data;
  out->n_items = np;
  out->item_count = per;
  out->rank = ds->item_rank;
  memcpy(out->dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
  if (flags & PRODUCE_PREVIEW)
    out->features = mel;
  else
    qe_array_free(mel);
  return QE_OK;
}

/* ---- series ------------------------------------------------------------------ */

qe_status qe_ds_series_features(qe_dataset *ds, const qe_ds_sample *s, qe_worker *w, float *out,
                                bool normalize, qe_ctx *ctx)
{
  const qe_data_options *o = &ds->opt;
  size_t C = QE_MAX(ds->ser_channels, 1), L = ds->ser_len;
  size_t raw = s->n_values / C;
  size_t T = o->time_domain ? L : 2 * L;
  float *tmp = worker_scratch(w, T);
  if (!tmp)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st;
  if (!o->time_domain && (!w->rfft || qe_rfft_plan_size(w->rfft) != T)) {
    qe_rfft_plan_free(w->rfft);
    w->rfft = NULL;
    if ((st = qe_rfft_plan_new(T, &w->rfft, ctx)))
      return st;
  }
  for (size_t c = 0; c < C; c++) {
    const float *x = s->values + c * raw;
    if (o->downsampling) {
      if ((st = qe_series_downsample(x, raw, T, o->downsample_method, tmp, ctx)))
        return st;
    } else {
      if (raw < T)
        return qe_error(ctx, QE_ERR_SHAPE, "%zu values per channel, %zu needed", raw, T);
      memcpy(tmp, x, sizeof(float) * T);
    }
    float *dst = out + c * L;
    if (o->time_domain)
      memcpy(dst, tmp, sizeof(float) * L);
    else if ((st = qe_rfft_magnitude(w->rfft, tmp, dst, L, ctx)))
      return st;
    if (!normalize)
      continue;
    if (o->normalization == QE_SERIES_NORM_SAMPLE) {
      qe_series_zscore(dst, L, o->norm_epsilon);
    } else if (o->normalization == QE_SERIES_NORM_DATASET && ds->norm_mean) {
      for (size_t t = 0; t < L; t++) {
        size_t k = ds->norm_len == 1 ? 0 : t;
        dst[t] = (float)(((double)dst[t] - ds->norm_mean[k]) / ds->norm_std[k]);
      }
    }
  }
  return QE_OK;
}

static qe_status produce_series(qe_dataset *ds, const qe_ds_sample *s, qe_worker *w, int flags,
                                qe_produced *out, qe_ctx *ctx)
{
  size_t C = QE_MAX(ds->ser_channels, 1), L = ds->ser_len;
  float *data = malloc(sizeof(float) * C * L);
  if (!data)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = qe_ds_series_features(ds, s, w, data, true, ctx);
  if (st) {
    free(data);
    if (s->row)
      qe_error_prefix(ctx, "line %zu", s->row);
    return st;
  }
  out->data = data;
  out->n_items = 1;
  out->item_count = C * L;
  out->rank = ds->item_rank;
  memcpy(out->dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
  if (flags & PRODUCE_PREVIEW) {
    int64_t dims[2] = { (int64_t)C, (int64_t)(s->n_values / C) };
    if (qe_array_new(QE_DT_F32, 2, dims, &out->raw, ctx) == QE_OK)
      memcpy(out->raw->data, s->values, sizeof(float) * s->n_values);
  }
  return QE_OK;
}

static qe_status produce_tensor(qe_dataset *ds, const qe_ds_sample *s, int flags, qe_produced *out,
                                qe_ctx *ctx)
{
  float *data = malloc(sizeof(float) * (s->n_values ? s->n_values : 1));
  if (!data)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  memcpy(data, s->values, sizeof(float) * s->n_values);
  out->data = data;
  out->n_items = 1;
  out->item_count = s->n_values;
  out->rank = ds->item_rank;
  memcpy(out->dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
  if (flags & PRODUCE_PREVIEW &&
      qe_array_new(QE_DT_F32, ds->x_rank, ds->x_dims, &out->raw, ctx) == QE_OK)
    memcpy(out->raw->data, s->values, sizeof(float) * s->n_values);
  return QE_OK;
}

qe_status qe_ds_produce(qe_dataset *ds, size_t index, qe_worker *w, int flags, qe_produced *out)
{
  memset(out, 0, sizeof *out);
  qe_ctx *ctx = w->ctx;
  if (index >= ds->n_samples)
    return qe_error(ctx, QE_ERR_INVALID, "sample %zu is out of range", index);
  const qe_ds_sample *s = &ds->samples[index];
  bool use_cache = ds->cache && !(flags & (PRODUCE_PREVIEW | PRODUCE_NO_CACHE));
  if (use_cache) {
    pthread_mutex_lock(&ds->lock);
    qe_cache_entry *e = &ds->cache[index];
    bool hit = e->data != NULL && (!(flags & PRODUCE_HASH) || s->hashed);
    if (hit) {
      out->data = e->data;
      out->n_items = e->n_items;
      out->item_count = ds->item_count;
      out->borrowed = true;
    }
    pthread_mutex_unlock(&ds->lock);
    if (hit) {
      out->rank = ds->item_rank;
      memcpy(out->dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
      if (s->hashed) {
        memcpy(out->hash, s->hash, sizeof out->hash);
        out->hashed = true;
      }
      return QE_OK;
    }
  }
  qe_status st;
  switch (ds->kind) {
  case QE_DATA_IMAGES:
    st = produce_image(ds, s, w, flags, out, ctx);
    break;
  case QE_DATA_AUDIO:
    st = produce_audio(ds, s, w, flags, out, ctx);
    break;
  case QE_DATA_SERIES:
    st = produce_series(ds, s, w, flags, out, ctx);
    break;
  case QE_DATA_TENSORS:
    st = produce_tensor(ds, s, flags, out, ctx);
    break;
  default:
    st = qe_error(ctx, QE_ERR_INVALID, "unknown data kind");
    break;
  }
  if (st) {
    qe_produced_clear(out);
    return st;
  }
  if (s->hashed && !out->hashed) {
    memcpy(out->hash, s->hash, sizeof out->hash);
    out->hashed = true;
  }
  if (use_cache && ds->item_count == out->item_count) {
    uint64_t bytes = (uint64_t)out->n_items * out->item_count * sizeof(float);
    pthread_mutex_lock(&ds->lock);
    if (!ds->cache[index].data && ds->cache_bytes + bytes <= ds->opt.cache_limit) {
      ds->cache[index].data = out->data;
      ds->cache[index].n_items = out->n_items;
      ds->cache_bytes += bytes;
      out->borrowed = true;
    } else if (ds->cache_bytes + bytes > ds->opt.cache_limit) {
      ds->cache_full = true;
    }
    pthread_mutex_unlock(&ds->lock);
  }
  return QE_OK;
}

qe_status qe_ds_random_item(qe_dataset *ds, size_t k, qe_produced *out, qe_ctx *ctx)
{
  memset(out, 0, sizeof *out);
  if (ds->item_count == 0)
    return qe_error(ctx, QE_ERR_SHAPE, "random calibration data needs the model input shape");
  float *d = malloc(sizeof(float) * ds->item_count);
  if (!d)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_rng r;
  qe_rng_seed(&r, ds->opt.seed * 0x9E3779B97F4A7C15ull + k);
  for (size_t i = 0; i < ds->item_count; i++)
    d[i] = (float)((qe_rng_next(&r) >> 40) * (1.0 / 16777216.0));
  out->data = d;
  out->n_items = 1;
  out->item_count = ds->item_count;
  out->rank = ds->item_rank;
  memcpy(out->dims, ds->item_dims, sizeof(int64_t) * QE_MAX_RANK);
  return QE_OK;
}

/* ---- the loader ----------------------------------------------------------------- */

enum { SLOT_EMPTY = 0, SLOT_READY };

typedef struct {
  int state;
  size_t seq;
  qe_produced p;
  qe_status st;
  char *err;
} slot;

typedef struct qe_loader_thread {
  struct qe_loader *l;
  pthread_t th;
  qe_worker w;
  bool started;
} loader_thread;

struct qe_loader {
  qe_dataset *ds;
  const size_t *idx;
  size_t n; /* samples (or random items) */
  bool random;
  int nthreads;
  loader_thread *threads;
  size_t depth;
  slot *ring;
  pthread_mutex_t mu;
  pthread_cond_t cv_work, cv_ready;
  size_t next_claim, next_out;
  bool stop;
  /* consumer */
  bool holding;
  size_t cur_item;
  qe_produced cur;
  size_t done;
  qe_worker sync; /* nthreads == 0 */
};

static void produce_seq(struct qe_loader *l, qe_worker *w, size_t seq, slot *out)
{
  qe_ctx_clear(w->ctx);
  if (l->random) {
    out->st = qe_ds_random_item(l->ds, seq, &out->p, w->ctx);
  } else {
    out->st = qe_ds_produce(l->ds, l->idx[seq], w, 0, &out->p);
  }
  out->err = out->st ? qe_strdup(qe_ctx_error(w->ctx)) : NULL;
}

static void *loader_main(void *arg)
{
  loader_thread *t = arg;
  struct qe_loader *l = t->l;
  for (;;) {
    pthread_mutex_lock(&l->mu);
    while (!l->stop && l->next_claim < l->n && l->next_claim >= l->next_out + l->depth)
      pthread_cond_wait(&l->cv_work, &l->mu);
    if (l->stop || l->next_claim >= l->n) {
      pthread_mutex_unlock(&l->mu);
      return NULL;
    }
    size_t seq = l->next_claim++;
    pthread_mutex_unlock(&l->mu);
    slot tmp;
    memset(&tmp, 0, sizeof tmp);
    produce_seq(l, &t->w, seq, &tmp);
    pthread_mutex_lock(&l->mu);
    slot *s = &l->ring[seq % l->depth];
    *s = tmp;
    s->seq = seq;
    s->state = SLOT_READY;
    pthread_cond_broadcast(&l->cv_ready);
    pthread_mutex_unlock(&l->mu);
  }
}

qe_status qe_loader_new(qe_dataset *ds, qe_subset subset, int threads, qe_loader **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!ds || (unsigned)subset >= QE_SUBSET_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "no data set or unknown subset");
  qe_loader *l = calloc(1, sizeof *l);
  if (!l)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  l->ds = ds;
  if (subset == QE_SUBSET_CALIBRATION && ds->calib == QE_CALIB_RANDOM) {
    l->random = true;
    l->n = ds->opt.random_samples;
    if (ds->item_count == 0) {
      free(l);
      return qe_error(ctx, QE_ERR_SHAPE, "random calibration data needs the model input shape");
    }
  } else {
    l->idx = qe_dataset_subset(ds, subset, &l->n);
  }
  if (threads <= 0)
    threads = ds->opt.threads;
  if (threads <= 0)
    threads = qe_data_default_threads();
  l->nthreads = (size_t)threads > l->n ? (int)l->n : threads;
  l->depth = ds->opt.queue_depth ? ds->opt.queue_depth : (size_t)QE_MAX(4 * threads, 4);
  if (l->depth < (size_t)l->nthreads + 1)
    l->depth = (size_t)l->nthreads + 1;
  l->ring = calloc(l->depth, sizeof(slot));
  l->threads = calloc((size_t)QE_MAX(l->nthreads, 1), sizeof(loader_thread));
  qe_worker_init(&l->sync);
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv_work, NULL);
  pthread_cond_init(&l->cv_ready, NULL);
  if (!l->ring || !l->threads || !l->sync.ctx) {
    qe_loader_free(l);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < l->nthreads; i++) {
    loader_thread *t = &l->threads[i];
    t->l = l;
    qe_worker_init(&t->w);
    if (!t->w.ctx || pthread_create(&t->th, NULL, loader_main, t) != 0) {
      qe_loader_free(l);
      return qe_error(ctx, QE_ERR_INTERNAL, "could not start loader thread %d", i);
    }
    t->started = true;
  }
  *out = l;
  return QE_OK;
}

static void release_current(qe_loader *l)
{
  if (!l->holding)
    return;
  qe_produced_clear(&l->cur);
  l->holding = false;
  pthread_mutex_lock(&l->mu);
  l->next_out++;
  pthread_cond_broadcast(&l->cv_work);
  pthread_mutex_unlock(&l->mu);
}

qe_status qe_loader_next(qe_loader *l, qe_data_item *item, bool *done, qe_ctx *ctx)
{
  memset(item, 0, sizeof *item);
  *done = false;
  for (;;) {
    if (l->holding && l->cur_item + 1 < l->cur.n_items) {
      l->cur_item++;
      break;
    }
    release_current(l);
    if (l->next_out >= l->n) {
      *done = true;
      return qe_progress(ctx, 1.0, "loading data");
    }
    qe_status pst = qe_progress(ctx, l->n ? (double)l->next_out / l->n : 1.0, "loading data");
    if (pst)
      return pst;
    slot s;
    if (l->nthreads == 0) {
      memset(&s, 0, sizeof s);
      produce_seq(l, &l->sync, l->next_out, &s);
    } else {
      pthread_mutex_lock(&l->mu);
      slot *rs = &l->ring[l->next_out % l->depth];
      while (!(rs->state == SLOT_READY && rs->seq == l->next_out))
        pthread_cond_wait(&l->cv_ready, &l->mu);
      s = *rs;
      memset(rs, 0, sizeof *rs);
      pthread_mutex_unlock(&l->mu);
    }
    l->done++;
    if (s.st) {
      /* skipped: list it and go on */
      size_t si = l->random ? SIZE_MAX : l->idx[l->next_out];
      qe_ds_skip(l->ds, si != SIZE_MAX ? l->ds->samples[si].path : "", "%s",
                 s.err ? s.err : qe_status_to_string(s.st));
      free(s.err);
      pthread_mutex_lock(&l->mu);
      l->next_out++;
      pthread_cond_broadcast(&l->cv_work);
      pthread_mutex_unlock(&l->mu);
      continue;
    }
    free(s.err);
    l->cur = s.p;
    l->holding = true;
    l->cur_item = 0;
    if (l->cur.n_items == 0)
      continue;
    break;
  }
  size_t seq = l->next_out;
  size_t si = l->random ? SIZE_MAX : l->idx[seq];
  item->data = l->cur.data + l->cur_item * l->cur.item_count;
  item->count = l->cur.item_count;
  item->rank = l->cur.rank;
  memcpy(item->dims, l->cur.dims, sizeof item->dims);
  item->sample = si;
  item->patch = l->cur_item;
  item->label = si == SIZE_MAX ? -1 : l->ds->samples[si].label;
  if (si != SIZE_MAX && l->ds->samples[si].n_chan_labels) {
    item->channel_labels = l->ds->samples[si].chan_labels;
    item->n_channel_labels = l->ds->samples[si].n_chan_labels;
  }
  return QE_OK;
}

size_t qe_loader_samples_done(const qe_loader *l)
{
  return l ? l->done : 0;
}

size_t qe_loader_samples_total(const qe_loader *l)
{
  return l ? l->n : 0;
}

void qe_loader_free(qe_loader *l)
{
  if (!l)
    return;
  if (l->threads) {
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cv_work);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->nthreads; i++) {
      if (l->threads[i].started)
        pthread_join(l->threads[i].th, NULL);
      qe_worker_clear(&l->threads[i].w);
    }
  }
  if (l->holding)
    qe_produced_clear(&l->cur);
  if (l->ring) {
    for (size_t i = 0; i < l->depth; i++) {
      if (l->ring[i].state == SLOT_READY)
        qe_produced_clear(&l->ring[i].p);
      free(l->ring[i].err);
    }
  }
  free(l->ring);
  free(l->threads);
  qe_worker_clear(&l->sync);
  pthread_mutex_destroy(&l->mu);
  pthread_cond_destroy(&l->cv_work);
  pthread_cond_destroy(&l->cv_ready);
  free(l);
}

/* ---- preview and thumbnails ------------------------------------------------------ */

qe_status qe_dataset_preview(qe_dataset *ds, size_t index, qe_preview **out, qe_ctx *ctx)
{
  *out = NULL;
  if (!ds || index >= ds->n_samples)
    return qe_error(ctx, QE_ERR_INVALID, "sample %zu is out of range", index);
  qe_worker w;
  qe_worker_init(&w);
  if (!w.ctx)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_produced p;
  qe_status st = qe_ds_produce(ds, index, &w, PRODUCE_PREVIEW, &p);
  if (st) {
    qe_error(ctx, st, "%s", qe_ctx_error(w.ctx));
    qe_worker_clear(&w);
    return st;
  }
  qe_worker_clear(&w);
  qe_preview *pv = calloc(1, sizeof *pv);
  if (!pv) {
    qe_produced_clear(&p);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  pv->kind = ds->kind;
  pv->label = ds->samples[index].label;
  pv->n_inputs = p.n_items;
  int64_t dims[QE_MAX_RANK];
  int rank = p.rank;
  memcpy(dims, p.dims, sizeof dims);
  if (rank == 0) {
    rank = 1;
    dims[0] = (int64_t)p.item_count;
  }
  if ((st = qe_array_new(QE_DT_F32, rank, dims, &pv->input, ctx))) {
    qe_produced_clear(&p);
    qe_preview_free(pv);
    return st;
  }
  memcpy(pv->input->data, p.data, sizeof(float) * p.item_count);
  pv->raw = p.raw;
  pv->raw_rate = p.raw_rate;
  pv->features = p.features;
  p.raw = p.features = NULL;
  qe_produced_clear(&p);
  *out = pv;
  return QE_OK;
}

void qe_preview_free(qe_preview *p)
{
  if (!p)
    return;
  qe_array_free(p->raw);
  qe_array_free(p->features);
  qe_array_free(p->input);
  free(p);
}

qe_status qe_image_thumbnail(const char *path, int max_side, qe_array **out, qe_ctx *ctx)
{
  *out = NULL;
  if (max_side < 1 || max_side > 8192)
    return qe_error(ctx, QE_ERR_INVALID, "thumbnail size %d is out of range", max_side);
  uint8_t *bytes;
  size_t len;
  qe_status st = qe_read_file(path, &bytes, &len, ctx);
  if (st)
    return st;
  int w0, h0, c0;
  qe_array *img = NULL;
  if (!(st = qe_image_probe(bytes, len, path, &w0, &h0, &c0, ctx))) {
    double f = (double)max_side / QE_MAX(w0, h0);
    int mw = f < 1 ? (int)ceil(w0 * f) : w0, mh = f < 1 ? (int)ceil(h0 * f) : h0;
    st = qe_image_decode(bytes, len, path, QE_COLOR_RGB, mw, mh, &img, ctx);
  }
  free(bytes);
  if (st)
    return st;
  int h = (int)img->dims[0], w = (int)img->dims[1];
  if (QE_MAX(h, w) <= max_side) {
    *out = img;
    return QE_OK;
  }
  double f = (double)max_side / QE_MAX(h, w);
  int oh = QE_MAX(1, (int)lround(h * f)), ow = QE_MAX(1, (int)lround(w * f));
  size_t nin = (size_t)h * w * 3, nout = (size_t)oh * ow * 3;
  float *src = malloc(sizeof(float) * nin), *dst = malloc(sizeof(float) * nout);
  int64_t dims[3] = { oh, ow, 3 };
  qe_array *t = NULL;
  if (!src || !dst) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  } else {
    for (size_t i = 0; i < nin; i++)
      src[i] = ((uint8_t *)img->data)[i];
    st = qe_image_resize(src, h, w, 3, dst, oh, ow, QE_INTERP_AREA, false, NULL, ctx);
    if (!st)
      st = qe_array_new(QE_DT_U8, 3, dims, &t, ctx);
    if (!st)
      for (size_t i = 0; i < nout; i++) {
        float v = dst[i] + 0.5f;
        ((uint8_t *)t->data)[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
      }
  }
  free(src);
  free(dst);
  qe_array_free(img);
  if (!st)
    *out = t;
  return st;
}
