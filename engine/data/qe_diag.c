/* qe_diag.c - data set diagnostics: counts, balance, size guidance,
 * duplicates and leakage, value histograms, unreadable files.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Size guidance comes from the guides our users follow: the STM32 model zoo
 * ("tens to hundreds of representative input samples are enough"; arc fault
 * detection: "Use >100 samples", balanced, 200-1000 typical) and the
 * ESP32-S3 TFLite-Micro checklist (200-500 calibration images; a separate
 * validation suite of 50-200 images).
 */
#include <math.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe_data_internal.h"
#include "qe_internal.h"

typedef struct {
  size_t a, b;
  bool leak;
} dup_pair;

struct qe_data_report {
  qe_diag_class *classes;
  size_t n_classes;
  double imbalance;
  qe_diag_message *msgs;
  size_t n_msgs, cap_msgs;
  qe_diag_histogram hist;
  double hist_lo, hist_width; /* bins cover [lo, lo + 64 * width) */
  bool hist_init;
  dup_pair *dups;
  size_t n_dups, cap_dups, n_leaks;
  size_t decoded, decode_failed, usable;
  size_t subset_n[QE_SUBSET_COUNT];
  qe_calib_source calib;
  qe_data_kind kind;
  size_t n_samples;
};

static void add_msg(qe_data_report *r, qe_diag_level lvl, const char *code, const char *fmt, ...)
    QE_PRINTF(4, 5);

static void add_msg(qe_data_report *r, qe_diag_level lvl, const char *code, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (!qe_grow((void **)&r->msgs, &r->cap_msgs, r->n_msgs + 1, sizeof(qe_diag_message)))
    return;
  char *t = qe_strdup(buf);
  if (!t)
    return;
  r->msgs[r->n_msgs].level = lvl;
  r->msgs[r->n_msgs].code = code;
  r->msgs[r->n_msgs].text = t;
  r->n_msgs++;
}

/* Histogram over a range that doubles (exactly, by merging bins) when a
 * value falls outside it. */
static void hist_add(qe_data_report *r, double v)
{
  qe_diag_histogram *h = &r->hist;
  if (!isfinite(v)) {
    h->non_finite++;
    return;
  }
  if (!r->hist_init) {
    r->hist_init = true;
    r->hist_lo = v;
    r->hist_width = fabs(v) > 0 ? fabs(v) * 1e-6 : 1e-6;
    h->min = h->max = v;
  }
  for (;;) {
    double hi = r->hist_lo + QE_DIAG_BINS * r->hist_width;
    if (v >= r->hist_lo && v < hi)
      break;
    uint64_t nb[QE_DIAG_BINS] = { 0 };
    if (v >= hi) {
      for (int i = 0; i < QE_DIAG_BINS; i++)
        nb[i / 2] += h->bins[i];
    } else {
      for (int i = 0; i < QE_DIAG_BINS; i++)
        nb[(i + QE_DIAG_BINS) / 2] += h->bins[i];
      r->hist_lo -= QE_DIAG_BINS * r->hist_width;
    }
    r->hist_width *= 2;
    memcpy(h->bins, nb, sizeof nb);
  }
  int b = (int)((v - r->hist_lo) / r->hist_width);
  if (b < 0)
    b = 0;
  if (b >= QE_DIAG_BINS)
    b = QE_DIAG_BINS - 1;
  h->bins[b]++;
  if (v < h->min)
    h->min = v;
  if (v > h->max)
    h->max = v;
  /* running mean and variance (Welford) */
  h->count++;
  double d = v - h->mean;
  h->mean += d / (double)h->count;
  h->std += d * (v - h->mean); /* sum of squares until finished */
}

typedef struct {
  uint64_t h[2];
  size_t idx;
} hash_entry;

static int cmp_hash(const void *a, const void *b)
{
  const hash_entry *x = a, *y = b;
  if (x->h[0] != y->h[0])
    return x->h[0] < y->h[0] ? -1 : 1;
  if (x->h[1] != y->h[1])
    return x->h[1] < y->h[1] ? -1 : 1;
  return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

#define BIT(s) (1u << (s))

typedef struct {
  qe_dataset *ds;
  const size_t *todo;
  size_t n_todo;
  size_t next;
  pthread_mutex_t mu;
  qe_data_report *r;
  hash_entry *hashes;
  bool *have_hash;
  bool *failed;
  size_t done;
  bool cancel;
} diag_job;

typedef struct {
  diag_job *job;
  qe_worker w;
  pthread_t th;
} diag_thread;

static void *diag_main(void *arg)
{
  diag_thread *t = arg;
  diag_job *j = t->job;
  for (;;) {
    pthread_mutex_lock(&j->mu);
    if (j->cancel || j->next >= j->n_todo) {
      pthread_mutex_unlock(&j->mu);
      return NULL;
    }
    size_t si = j->todo[j->next++];
    pthread_mutex_unlock(&j->mu);
    qe_produced p;
    qe_ctx_clear(t->w.ctx);
    qe_status st = qe_ds_produce(j->ds, si, &t->w, PRODUCE_HASH | PRODUCE_NO_CACHE, &p);
    pthread_mutex_lock(&j->mu);
    j->done++;
    if (st) {
      j->r->decode_failed++;
      j->failed[si] = true;
      qe_ds_skip(j->ds, j->ds->samples[si].path, "%s", qe_ctx_error(t->w.ctx));
    } else {
      j->r->decoded++;
      size_t n = p.n_items * p.item_count;
      for (size_t i = 0; i < n; i++)
        hist_add(j->r, p.data[i]);
      if (p.hashed) {
        j->hashes[si].h[0] = p.hash[0];
        j->hashes[si].h[1] = p.hash[1];
        j->have_hash[si] = true;
      }
    }
    pthread_mutex_unlock(&j->mu);
    qe_produced_clear(&p);
  }
}

qe_status qe_data_diagnose(qe_dataset *ds, const qe_diag_options *opt, qe_data_report **out,
                           qe_ctx *ctx)
{
  *out = NULL;
  if (!ds)
    return qe_error(ctx, QE_ERR_INVALID, "no data set");
  qe_diag_options defo = { 0 };
  if (!opt)
    opt = &defo;
  qe_data_report *r = calloc(1, sizeof *r);
  if (!r)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  r->kind = ds->kind;
  r->calib = ds->calib;
  r->n_samples = ds->n_samples;
  for (int s = 0; s < QE_SUBSET_COUNT; s++)
    r->subset_n[s] = ds->subset_n[s];
  qe_status st = QE_OK;
  /* counts */
  r->n_classes = ds->n_classes;
  r->classes = calloc(ds->n_classes ? ds->n_classes : 1, sizeof(qe_diag_class));
  if (!r->classes) {
    qe_data_report_free(r);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (size_t c = 0; c < ds->n_classes; c++)
    r->classes[c].name = ds->classes[c];
  size_t unlabeled = 0;
  /* decode (all, or max_decode spread evenly) */
  size_t n = ds->n_samples;
  size_t want = opt->max_decode && opt->max_decode < n ? opt->max_decode : n;
  diag_job job;
  memset(&job, 0, sizeof job);
  job.ds = ds;
  job.r = r;
  size_t *todo = malloc(sizeof(size_t) * (want ? want : 1));
  job.hashes = calloc(n ? n : 1, sizeof(hash_entry));
  job.have_hash = calloc(n ? n : 1, sizeof(bool));
  job.failed = calloc(n ? n : 1, sizeof(bool));
  if (!todo || !job.hashes || !job.have_hash || !job.failed) {
    free(todo);
    free(job.hashes);
    free(job.have_hash);
    free(job.failed);
    qe_data_report_free(r);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < want; i++)
    todo[i] = want == n ? i : (size_t)((double)i * n / want);
  job.todo = todo;
  job.n_todo = want;
  pthread_mutex_init(&job.mu, NULL);
  int nt = opt->threads > 0 ? opt->threads : ds->opt.threads;
  if (nt <= 0)
    nt = qe_data_default_threads();
  if ((size_t)nt > want)
    nt = (int)QE_MAX(want, 1);
  diag_thread *th = calloc((size_t)nt, sizeof *th);
  int started = 0;
  if (!th) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  } else {
    for (int i = 0; i < nt; i++) {
      th[i].job = &job;
      qe_worker_init(&th[i].w);
      if (!th[i].w.ctx || pthread_create(&th[i].th, NULL, diag_main, &th[i]) != 0) {
        qe_worker_clear(&th[i].w);
        break;
      }
      started++;
    }
    if (started == 0 && want > 0)
      st = qe_error(ctx, QE_ERR_INTERNAL, "could not start diagnostic threads");
    /* report progress from this thread until the workers finish */
    while (!st) {
      pthread_mutex_lock(&job.mu);
      size_t d = job.done;
      pthread_mutex_unlock(&job.mu);
      if (d >= want)
        break;
      if ((st = qe_progress(ctx, want ? (double)d / want : 1.0, "checking data"))) {
        pthread_mutex_lock(&job.mu);
        job.cancel = true;
        pthread_mutex_unlock(&job.mu);
        break;
      }
      struct timespec ts = { 0, 20 * 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
    for (int i = 0; i < started; i++) {
      pthread_join(th[i].th, NULL);
      qe_worker_clear(&th[i].w);
    }
  }
  free(th);
  pthread_mutex_destroy(&job.mu);
  free(todo);
  if (!st) {
    /* counts of the samples that are usable (decoded, or not tried) */
    for (size_t i = 0; i < ds->n_samples; i++) {
      const qe_ds_sample *s = &ds->samples[i];
      if (job.failed[i])
        continue;
      r->usable++;
      if (s->label < 0 || (size_t)s->label >= ds->n_classes) {
        unlabeled++;
        continue;
      }
      qe_diag_class *c = &r->classes[s->label];
      c->count++;
      for (int k = 0; k < QE_SUBSET_COUNT; k++)
        if (s->subsets & BIT(k))
          c->per_subset[k]++;
    }
    for (int k = 0; k < QE_SUBSET_COUNT; k++) {
      r->subset_n[k] = 0;
      for (size_t i = 0; i < ds->subset_n[k]; i++)
        r->subset_n[k] += !job.failed[ds->subset_idx[k][i]];
    }
    /* finish statistics */
    if (r->hist.count > 1)
      r->hist.std = sqrt(r->hist.std / (double)r->hist.count);
    else
      r->hist.std = 0;
    if (!r->hist_init)
      r->hist.min = r->hist.max = 0;
    r->hist.bin_lo = r->hist_lo;
    r->hist.bin_width = r->hist_width;
    /* duplicates: sort by hash */
    hash_entry *he = malloc(sizeof(hash_entry) * (n ? n : 1));
    size_t nh = 0;
    if (he) {
      for (size_t i = 0; i < n; i++) {
        const qe_ds_sample *s = &ds->samples[i];
        if (job.have_hash[i] || s->hashed) {
          he[nh].h[0] = job.have_hash[i] ? job.hashes[i].h[0] : s->hash[0];
          he[nh].h[1] = job.have_hash[i] ? job.hashes[i].h[1] : s->hash[1];
          he[nh].idx = i;
          nh++;
        }
      }
      qsort(he, nh, sizeof *he, cmp_hash);
      for (size_t i = 0; i < nh;) {
        size_t j = i + 1;
        while (j < nh && he[j].h[0] == he[i].h[0] && he[j].h[1] == he[i].h[1])
          j++;
        for (size_t a = i; a < j; a++)
          for (size_t b = a + 1; b < j; b++) {
            uint32_t sa = ds->samples[he[a].idx].subsets, sb = ds->samples[he[b].idx].subsets;
            bool leak = ((sa & BIT(QE_SUBSET_CALIBRATION)) && (sb & BIT(QE_SUBSET_EVALUATION))) ||
                        ((sb & BIT(QE_SUBSET_CALIBRATION)) && (sa & BIT(QE_SUBSET_EVALUATION)));
            if (r->n_dups < 100000 &&
                qe_grow((void **)&r->dups, &r->cap_dups, r->n_dups + 1, sizeof(dup_pair))) {
              r->dups[r->n_dups].a = he[a].idx;
              r->dups[r->n_dups].b = he[b].idx;
              r->dups[r->n_dups].leak = leak;
              r->n_dups++;
              r->n_leaks += leak;
            }
          }
        i = j;
      }
      free(he);
    }
  }
  free(job.hashes);
  free(job.have_hash);
  free(job.failed);
  if (st) {
    qe_data_report_free(r);
    return st;
  }

  /* ---- messages ---- */
  size_t mn = SIZE_MAX, mx = 0;
  for (size_t c = 0; c < r->n_classes; c++) {
    mn = QE_MIN(mn, r->classes[c].count);
    mx = QE_MAX(mx, r->classes[c].count);
    if (r->classes[c].count == 0)
      add_msg(r, QE_DIAG_WARNING, "empty-class", "Class '%s' has no usable sample.",
              r->classes[c].name);
  }
  r->imbalance = r->n_classes == 0 ? 1.0 : (mn == 0 ? INFINITY : (double)mx / (double)mn);
  if (r->n_classes > 1 && r->imbalance > 1.5)
    add_msg(r, QE_DIAG_WARNING, "imbalance",
            "The classes are imbalanced: the largest has %.1f times as many samples as the "
            "smallest; balance them so calibration sees every class.",
            isinf(r->imbalance) ? 0.0 : r->imbalance);
  if (unlabeled && r->n_classes)
    add_msg(r, QE_DIAG_INFO, "unlabeled", "%zu samples carry no label.", unlabeled);
  size_t ncal = r->subset_n[QE_SUBSET_CALIBRATION];
  if (ds->calib == QE_CALIB_RANDOM) {
    add_msg(r, QE_DIAG_WARNING, "calibration-random",
            "No quantization or training data: calibration uses random data, good for a size "
            "estimate only, not for accuracy.");
  } else {
    add_msg(r, QE_DIAG_INFO, "calibration-source", "Calibration uses %s (%zu samples).",
            qe_calib_source_name(ds->calib), ncal);
    if (ncal < 10)
      add_msg(r, QE_DIAG_WARNING, "calibration-small",
              "Only %zu calibration samples: the STM32 model zoo finds that tens to hundreds of "
              "representative samples are needed.",
              ncal);
    if (ds->kind == QE_DATA_IMAGES && ncal < 200)
      add_msg(r, QE_DIAG_INFO, "calibration-images",
              "%zu calibration images: the TFLite-Micro checklist suggests 200 to 500 images "
              "covering every condition the camera will see.",
              ncal);
    if (ds->kind == QE_DATA_IMAGES && ncal > 500)
      add_msg(r, QE_DIAG_INFO, "calibration-large",
              "%zu calibration images: 200 to 500 are enough; more only make calibration "
              "slower.",
              ncal);
    else if (ds->kind != QE_DATA_IMAGES && ncal > 1000)
      add_msg(r, QE_DIAG_INFO, "calibration-large",
              "%zu calibration samples: tens to hundreds are enough; more only make "
              "calibration slower.",
              ncal);
    if (ds->kind == QE_DATA_SERIES && ncal <= 100)
      add_msg(r, QE_DIAG_WARNING, "calibration-series",
              "%zu calibration series: use more than 100 samples, balanced between classes.", ncal);
  }
  size_t neval = r->subset_n[QE_SUBSET_EVALUATION];
  if (neval == 0)
    add_msg(r, QE_DIAG_WARNING, "no-evaluation",
            "There is no test or validation set, so accuracy cannot be measured.");
  else if (ds->kind == QE_DATA_IMAGES && neval < 50)
    add_msg(r, QE_DIAG_INFO, "evaluation-small",
            "%zu evaluation images: keep a validation suite of 50 to 200 images separate from "
            "calibration.",
            neval);
  if (r->n_leaks)
    add_msg(r, QE_DIAG_WARNING, "leakage",
            "%zu samples appear in both the calibration and the evaluation set (same content): "
            "the accuracy measured will look better than it is.",
            r->n_leaks);
  if (r->n_dups > r->n_leaks)
    add_msg(r, QE_DIAG_INFO, "duplicates", "%zu pairs of samples have identical content.",
            r->n_dups - r->n_leaks);
  if (ds->n_filtered)
    add_msg(r, QE_DIAG_INFO, "filtered",
            "%zu rows of the CSV belong to categories not in class_names and are left out.",
            ds->n_filtered);
  size_t nskip = qe_dataset_skipped_count(ds);
  if (nskip)
    add_msg(r, QE_DIAG_WARNING, "skipped", "%zu files or rows could not be used (see the list).",
            nskip);
  if (r->hist.non_finite)
    add_msg(r, QE_DIAG_WARNING, "non-finite", "%llu preprocessed values are NaN or infinite.",
            (unsigned long long)r->hist.non_finite);
  if (want < n)
    add_msg(r, QE_DIAG_INFO, "partial",
            "Value ranges and duplicates come from %zu of the %zu samples.", want, n);
  *out = r;
  return QE_OK;
}

void qe_data_report_free(qe_data_report *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n_msgs; i++)
    free((char *)r->msgs[i].text);
  free(r->msgs);
  free(r->classes);
  free(r->dups);
  free(r);
}

size_t qe_data_report_usable(const qe_data_report *r)
{
  return r ? r->usable : 0;
}

size_t qe_data_report_class_count(const qe_data_report *r)
{
  return r ? r->n_classes : 0;
}

const qe_diag_class *qe_data_report_class(const qe_data_report *r, size_t index)
{
  return r && index < r->n_classes ? &r->classes[index] : NULL;
}

double qe_data_report_imbalance(const qe_data_report *r)
{
  return r ? r->imbalance : 1.0;
}

size_t qe_data_report_message_count(const qe_data_report *r)
{
  return r ? r->n_msgs : 0;
}

const qe_diag_message *qe_data_report_message(const qe_data_report *r, size_t index)
{
  return r && index < r->n_msgs ? &r->msgs[index] : NULL;
}

const qe_diag_histogram *qe_data_report_histogram(const qe_data_report *r)
{
  return r ? &r->hist : NULL;
}

size_t qe_data_report_duplicate_count(const qe_data_report *r)
{
  return r ? r->n_dups : 0;
}

size_t qe_data_report_leak_count(const qe_data_report *r)
{
  return r ? r->n_leaks : 0;
}

bool qe_data_report_duplicate(const qe_data_report *r, size_t i, size_t *a, size_t *b, bool *leak)
{
  if (!r || i >= r->n_dups)
    return false;
  *a = r->dups[i].a;
  *b = r->dups[i].b;
  *leak = r->dups[i].leak;
  return true;
}

void qe_data_report_to_json(const qe_data_report *r, const qe_dataset *ds, qe_json *j)
{
  static const char *const levels[] = { "info", "warning", "error" };
  qe_json_begin_object(j);
  qe_json_kv_string(j, "kind", qe_data_kind_name(r->kind));
  qe_json_kv_int(j, "samples", (int64_t)r->usable);
  qe_json_kv_int(j, "listed", (int64_t)r->n_samples);
  int64_t dims[QE_MAX_RANK];
  int rank = qe_dataset_item_shape(ds, dims);
  qe_json_key(j, "input_shape");
  qe_json_begin_array(j);
  for (int i = 0; i < rank; i++)
    qe_json_int(j, dims[i]);
  qe_json_end_array(j);
  qe_json_key(j, "subsets");
  qe_json_begin_object(j);
  for (int s = 1; s < QE_SUBSET_COUNT; s++)
    qe_json_kv_int(j, qe_subset_name((qe_subset)s), (int64_t)r->subset_n[s]);
  qe_json_end_object(j);
  qe_json_key(j, "calibration");
  qe_json_begin_object(j);
  static const char *const src_ids[] = { "quantization_set", "quantization_split", "training_set",
                                         "training_split", "random" };
  qe_json_kv_string(j, "source", src_ids[r->calib]);
  qe_json_kv_string(j, "description", qe_calib_source_name(r->calib));
  qe_json_kv_int(j, "samples",
                 r->calib == QE_CALIB_RANDOM ? (int64_t)qe_dataset_options(ds)->random_samples
                                             : (int64_t)r->subset_n[QE_SUBSET_CALIBRATION]);
  qe_json_end_object(j);
  qe_json_key(j, "classes");
  qe_json_begin_array(j);
  for (size_t c = 0; c < r->n_classes; c++) {
    const qe_diag_class *k = &r->classes[c];
    qe_json_begin_object(j);
    qe_json_kv_string(j, "name", k->name);
    qe_json_kv_int(j, "count", (int64_t)k->count);
    for (int s = 1; s < QE_SUBSET_COUNT; s++)
      qe_json_kv_int(j, qe_subset_name((qe_subset)s), (int64_t)k->per_subset[s]);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_kv_number(j, "imbalance", isinf(r->imbalance) ? -1.0 : r->imbalance);
  qe_json_key(j, "values");
  qe_json_begin_object(j);
  qe_json_kv_int(j, "count", (int64_t)r->hist.count);
  qe_json_kv_number(j, "min", r->hist.min);
  qe_json_kv_number(j, "max", r->hist.max);
  qe_json_kv_number(j, "mean", r->hist.mean);
  qe_json_kv_number(j, "std", r->hist.std);
  qe_json_kv_int(j, "non_finite", (int64_t)r->hist.non_finite);
  qe_json_kv_number(j, "histogram_min", r->hist_lo);
  qe_json_kv_number(j, "histogram_max", r->hist_lo + QE_DIAG_BINS * r->hist_width);
  qe_json_key(j, "histogram");
  qe_json_begin_array(j);
  for (int b = 0; b < QE_DIAG_BINS; b++)
    qe_json_int(j, (int64_t)r->hist.bins[b]);
  qe_json_end_array(j);
  qe_json_kv_int(j, "samples_decoded", (int64_t)r->decoded);
  qe_json_end_object(j);
  qe_json_key(j, "duplicates");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_dups && i < 1000; i++) {
    qe_sample_info a, b;
    qe_json_begin_object(j);
    if (qe_dataset_sample(ds, r->dups[i].a, &a, NULL) == QE_OK &&
        qe_dataset_sample(ds, r->dups[i].b, &b, NULL) == QE_OK) {
      qe_json_kv_string(j, "a", a.path);
      if (a.row)
        qe_json_kv_int(j, "a_row", (int64_t)a.row);
      qe_json_kv_string(j, "b", b.path);
      if (b.row)
        qe_json_kv_int(j, "b_row", (int64_t)b.row);
    }
    qe_json_kv_bool(j, "leak", r->dups[i].leak);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_kv_int(j, "leaks", (int64_t)r->n_leaks);
  qe_json_key(j, "skipped");
  qe_json_begin_array(j);
  size_t ns = qe_dataset_skipped_count(ds);
  for (size_t i = 0; i < ns; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "path", qe_dataset_skipped_path(ds, i));
    qe_json_kv_string(j, "reason", qe_dataset_skipped_reason(ds, i));
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_key(j, "messages");
  qe_json_begin_array(j);
  for (size_t i = 0; i < r->n_msgs; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "level", levels[r->msgs[i].level]);
    qe_json_kv_string(j, "code", r->msgs[i].code);
    qe_json_kv_string(j, "text", r->msgs[i].text);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_end_object(j);
}
