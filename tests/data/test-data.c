/* test-data.c - contracts of engine/data: number and name parsing, option
 * checks, stratified seeded splits and the calibration source rule, the
 * loader's determinism across thread counts, caching, cancellation and
 * random calibration data.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qe/qe_data.h"
#include "qe/qe_npy.h"
#define QZ_CHECK_STREAM stdout
#include "qz-check.h"

static void test_numbers(qe_ctx *ctx)
{
  struct {
    const char *s;
    double v;
  } good[] = { { "1/127.5", 1 / 127.5 }, { "-1", -1 },     { "1./255", 1 / 255.0 },
               { " 0.5 ", 0.5 },         { "2e-3", 2e-3 }, { "-1/3", -1 / 3.0 },
               { "1/255.0", 1 / 255.0 }, { "+4 / 2", 2.0 } };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    double v = 0;
    qe_status st = qe_data_parse_number(good[i].s, &v, ctx);
    CHECK(st == QE_OK && v == good[i].v, "parse '%s' -> %g (%s)", good[i].s, v, qe_ctx_error(ctx));
  }
  const char *bad[] = { "", "abc", "1/0", "1/2/3", "1+2", "nan", "inf", "0x10", "1/", "3 4" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double v;
    CHECK(qe_data_parse_number(bad[i], &v, ctx) != QE_OK, "'%s' should not parse", bad[i]);
  }
  int v;
  CHECK(qe_data_enum_parse(QE_ENUM_INTERP, "Lanczos3", &v, ctx) == QE_OK && v == QE_INTERP_LANCZOS3,
        "lanczos3");
  CHECK(qe_data_enum_parse(QE_ENUM_MEL_NORM, "None", &v, ctx) == QE_OK && v == QE_MEL_NORM_NONE,
        "norm None");
  CHECK(qe_data_enum_parse(QE_ENUM_SERIES_NORM, "True", &v, ctx) == QE_OK &&
            v == QE_SERIES_NORM_DATASET,
        "normalization True");
  CHECK(qe_data_enum_parse(QE_ENUM_WINDOW, "kaiser", &v, ctx) == QE_ERR_INVALID &&
            strstr(qe_ctx_error(ctx), "hann"),
        "unknown window lists the choices: %s", qe_ctx_error(ctx));
  for (int e = 0; e < QE_ENUM_COUNT; e++)
    CHECK(qe_data_enum_name((qe_data_enum)e, 0)[0] != '\0', "enum %d has names", e);
}

static void test_options(qe_ctx *ctx)
{
  qe_data_options o;
  qe_data_options_init(&o);
  CHECK(qe_data_options_validate(&o, ctx) == QE_OK, "defaults valid: %s", qe_ctx_error(ctx));
  CHECK(o.validation_split == 0.2 && o.seed == 123 && o.n_mels == 64 && o.power == 2.0 &&
            o.interpolation == QE_INTERP_BILINEAR && fabs(o.rescale_scale - 1 / 255.0) < 1e-12,
        "model zoo defaults");
  o.power = 3;
  CHECK(qe_data_options_validate(&o, ctx) == QE_ERR_INVALID &&
            strstr(qe_ctx_error(ctx), "feature_extraction.power"),
        "power 3 refused naming the key: %s", qe_ctx_error(ctx));
  qe_data_options_init(&o);
  o.quantization_split = 1.5;
  CHECK(qe_data_options_validate(&o, ctx) != QE_OK &&
            strstr(qe_ctx_error(ctx), "quantization_split"),
        "quantization_split 1.5 refused");
  qe_data_options_init(&o);
  o.window_length = 1024;
  CHECK(qe_data_options_validate(&o, ctx) != QE_OK, "window_length > n_fft refused");
  qe_data_options_init(&o);
  const char *dup[] = { "a", "b", "a" };
  o.class_names = dup;
  o.n_class_names = 3;
  CHECK(qe_data_options_validate(&o, ctx) != QE_OK && strstr(qe_ctx_error(ctx), "twice"),
        "duplicate class name refused");
}

/* An .npz of n samples of 3 values, labels i % 3 with class sizes 60/30/10. */
static char *make_npz(const char *dir, const char *name, size_t n, float base, qe_ctx *ctx)
{
  char *path = malloc(strlen(dir) + strlen(name) + 2);
  sprintf(path, "%s/%s", dir, name);
  int64_t xd[2] = { (int64_t)n, 3 }, yd[1] = { (int64_t)n };
  qe_array *x, *y;
  qe_array_new(QE_DT_F32, 2, xd, &x, ctx);
  qe_array_new(QE_DT_I64, 1, yd, &y, ctx);
  for (size_t i = 0; i < n; i++) {
    for (int k = 0; k < 3; k++)
      ((float *)x->data)[i * 3 + k] = base + (float)i + 0.25f * k;
    size_t r = i % 10;
    ((int64_t *)y->data)[i] = r < 6 ? 0 : r < 9 ? 1 : 2;
  }
  const char *names[2] = { "x", "y" };
  const qe_array *arrs[2] = { x, y };
  if (qe_npz_write(path, 2, names, arrs, ctx) != QE_OK)
    printf("npz write: %s\n", qe_ctx_error(ctx));
  qe_array_free(x);
  qe_array_free(y);
  return path;
}

static size_t count_label(const qe_dataset *ds, qe_subset s, int32_t lab)
{
  size_t n, c = 0;
  const size_t *idx = qe_dataset_subset(ds, s, &n);
  for (size_t i = 0; i < n; i++) {
    qe_sample_info info;
    qe_dataset_sample(ds, idx[i], &info, NULL);
    c += info.label == lab;
  }
  return c;
}

static void test_splits(const char *dir, qe_ctx *ctx)
{
  char *train = make_npz(dir, "train.npz", 1000, 0, ctx);
  char *quant = make_npz(dir, "quant.npz", 200, 5000, ctx);
  qe_data_options o;
  qe_data_options_init(&o);
  o.training_path = train;
  o.test_split = 0.1;
  o.validation_split = 0.2;
  qe_dataset *ds;
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds, ctx) == QE_OK, "open: %s", qe_ctx_error(ctx));
  if (!ds)
    return;
  size_t ntr, nva, nte, nca;
  const size_t *tr = qe_dataset_subset(ds, QE_SUBSET_TRAINING, &ntr);
  qe_dataset_subset(ds, QE_SUBSET_VALIDATION, &nva);
  qe_dataset_subset(ds, QE_SUBSET_TEST, &nte);
  qe_dataset_subset(ds, QE_SUBSET_CALIBRATION, &nca);
  CHECK(nte == 100 && nva == 200 && ntr == 700, "split sizes %zu/%zu/%zu", ntr, nva, nte);
  CHECK(count_label(ds, QE_SUBSET_TEST, 0) == 60 && count_label(ds, QE_SUBSET_TEST, 1) == 30 &&
            count_label(ds, QE_SUBSET_TEST, 2) == 10,
        "test split stratified");
  CHECK(count_label(ds, QE_SUBSET_VALIDATION, 2) == 20, "validation split stratified");
  CHECK(qe_dataset_calibration_source(ds) == QE_CALIB_TRAINING_SET && nca == 700,
        "no quantization path: calibration = training (%zu)", nca);
  size_t nev;
  qe_dataset_subset(ds, QE_SUBSET_EVALUATION, &nev);
  CHECK(nev == 100, "evaluation = test set");
  for (size_t i = 0; i < qe_dataset_count(ds); i++) {
    qe_sample_info s;
    qe_dataset_sample(ds, i, &s, ctx);
    int roles = !!(s.subsets & (1u << QE_SUBSET_TRAINING)) +
                !!(s.subsets & (1u << QE_SUBSET_VALIDATION)) +
                !!(s.subsets & (1u << QE_SUBSET_TEST));
    CHECK(roles == 1, "sample %zu in exactly one of train/valid/test", i);
  }
  /* same seed, same split; another seed, another split */
  size_t first_train = tr[0];
  qe_dataset *ds2;
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds2, ctx) == QE_OK, "reopen");
  size_t n2;
  const size_t *tr2 = qe_dataset_subset(ds2, QE_SUBSET_TRAINING, &n2);
  CHECK(n2 == ntr && memcmp(tr, tr2, ntr * sizeof(size_t)) == 0, "seeded split repeats");
  qe_dataset_free(ds2);
  o.seed = 7;
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds2, ctx) == QE_OK, "reopen seed 7");
  tr2 = qe_dataset_subset(ds2, QE_SUBSET_TRAINING, &n2);
  CHECK(n2 == ntr && memcmp(tr, tr2, ntr * sizeof(size_t)) != 0, "other seed, other split");
  (void)first_train;
  qe_dataset_free(ds2);
  qe_dataset_free(ds);

  /* quantization path + split: a stratified fraction of the quantization set */
  qe_data_options_init(&o);
  o.training_path = train;
  o.quantization_path = quant;
  o.quantization_split = 0.25;
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds, ctx) == QE_OK, "open q: %s",
        qe_ctx_error(ctx));
  if (ds) {
    qe_dataset_subset(ds, QE_SUBSET_CALIBRATION, &nca);
    CHECK(qe_dataset_calibration_source(ds) == QE_CALIB_QUANTIZATION_SPLIT && nca == 50,
          "quantization split: %zu", nca);
    CHECK(count_label(ds, QE_SUBSET_CALIBRATION, 0) == 30, "calibration stratified");
    size_t nc;
    const size_t *ci = qe_dataset_subset(ds, QE_SUBSET_CALIBRATION, &nc);
    bool all_quant = true;
    for (size_t i = 0; i < nc; i++) {
      qe_sample_info s;
      qe_dataset_sample(ds, ci[i], &s, ctx);
      all_quant &= strstr(s.path, "quant.npz") != NULL;
    }
    CHECK(all_quant, "calibration comes from the quantization path only");
    qe_dataset_free(ds);
  }
  /* training + quantization_split */
  qe_data_options_init(&o);
  o.training_path = train;
  o.validation_split = -1;
  o.quantization_split = 0.1;
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds, ctx) == QE_OK, "open t");
  if (ds) {
    qe_dataset_subset(ds, QE_SUBSET_CALIBRATION, &nca);
    CHECK(qe_dataset_calibration_source(ds) == QE_CALIB_TRAINING_SPLIT && nca == 100,
          "training split calibration %zu", nca);
    qe_dataset_free(ds);
  }
  /* no path at all: random data shaped like the model input */
  qe_data_options_init(&o);
  o.input_rank = 4;
  o.input_shape[0] = 1, o.input_shape[1] = 8, o.input_shape[2] = 8, o.input_shape[3] = 3;
  o.random_samples = 4;
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds, ctx) == QE_OK, "open random: %s",
        qe_ctx_error(ctx));
  if (ds) {
    CHECK(qe_dataset_calibration_source(ds) == QE_CALIB_RANDOM, "random source");
    qe_loader *l;
    size_t items = 0;
    bool in_range = true;
    if (qe_loader_new(ds, QE_SUBSET_CALIBRATION, 2, &l, ctx) == QE_OK) {
      qe_data_item it;
      bool done;
      while (qe_loader_next(l, &it, &done, ctx) == QE_OK && !done) {
        items++;
        in_range &= it.count == 192 && it.rank == 3 && it.dims[2] == 3;
        for (size_t k = 0; k < it.count; k++)
          in_range &= it.data[k] >= 0.0f && it.data[k] < 1.0f;
      }
      qe_loader_free(l);
    }
    CHECK(items == 4 && in_range, "4 random items in [0,1) shaped 8x8x3 (%zu)", items);
    qe_dataset_free(ds);
  }
  qe_data_options_init(&o);
  CHECK(qe_dataset_open_config(&o, QE_DATA_AUTO, &ds, ctx) == QE_ERR_DATA &&
            strstr(qe_ctx_error(ctx), "input shape"),
        "no path, no shape: clear error (%s)", qe_ctx_error(ctx));
  unlink(train);
  unlink(quant);
  free(train);
  free(quant);
}

static int cancel_after;
static int cancel_cb(void *ud, double f, const char *phase)
{
  (void)ud;
  (void)f;
  (void)phase;
  return --cancel_after <= 0;
}

static double *drain(qe_dataset *ds, int threads, size_t *n, qe_ctx *ctx)
{
  qe_loader *l;
  *n = 0;
  if (qe_loader_new(ds, QE_SUBSET_ALL, threads, &l, ctx) != QE_OK)
    return NULL;
  double *sig = calloc(2000, sizeof(double));
  qe_data_item it;
  bool done;
  while (qe_loader_next(l, &it, &done, ctx) == QE_OK && !done && *n < 2000) {
    double s = it.label * 1000.0 + (double)it.sample;
    for (size_t k = 0; k < it.count; k++)
      s += it.data[k] * (k + 1);
    sig[(*n)++] = s;
  }
  qe_loader_free(l);
  return sig;
}

static void test_loader(const char *dir, qe_ctx *ctx)
{
  char *path = make_npz(dir, "l.npz", 300, 1, ctx);
  qe_data_options o;
  qe_data_options_init(&o);
  o.queue_depth = 2;
  qe_dataset *ds;
  CHECK(qe_dataset_open(path, QE_DATA_AUTO, &o, &ds, ctx) == QE_OK, "open: %s", qe_ctx_error(ctx));
  if (!ds)
    return;
  size_t n1, n4, n0;
  double *a = drain(ds, 1, &n1, ctx), *b = drain(ds, 4, &n4, ctx), *c = drain(ds, 3, &n0, ctx);
  CHECK(n1 == 300 && n4 == 300 && n0 == 300, "all items (%zu %zu %zu)", n1, n4, n0);
  CHECK(a && b && c && memcmp(a, b, sizeof(double) * 300) == 0 &&
            memcmp(a, c, sizeof(double) * 300) == 0,
        "same order and values whatever the thread count");
  free(a);
  free(b);
  free(c);
  /* cancel through the progress callback */
  cancel_after = 5;
  qe_ctx_set_progress(ctx, cancel_cb, NULL);
  qe_loader *l;
  qe_status st = QE_OK;
  size_t got = 0;
  if (qe_loader_new(ds, QE_SUBSET_ALL, 2, &l, ctx) == QE_OK) {
    qe_data_item it;
    bool done = false;
    while ((st = qe_loader_next(l, &it, &done, ctx)) == QE_OK && !done)
      got++;
    qe_loader_free(l);
  }
  CHECK(st == QE_ERR_CANCELLED && got < 10, "cancelled after %zu items", got);
  qe_ctx_set_progress(ctx, NULL, NULL);
  qe_ctx_clear(ctx);
  qe_dataset_free(ds);

  /* to_cache: the second pass is served from memory and equal */
  o.to_cache = true;
  CHECK(qe_dataset_open(path, QE_DATA_AUTO, &o, &ds, ctx) == QE_OK, "open cached");
  if (ds) {
    a = drain(ds, 2, &n1, ctx);
    b = drain(ds, 3, &n4, ctx);
    CHECK(a && b && n1 == 300 && n4 == 300 && memcmp(a, b, sizeof(double) * 300) == 0,
          "cached pass equal");
    free(a);
    free(b);
    qe_preview *pv;
    CHECK(qe_dataset_preview(ds, 3, &pv, ctx) == QE_OK && pv->input && pv->raw &&
              qe_array_count(pv->input) == 3 && ((float *)pv->input->data)[0] == 4.0f,
          "preview of sample 3");
    qe_preview_free(pv);
    qe_data_report *r;
    CHECK(qe_data_diagnose(ds, NULL, &r, ctx) == QE_OK, "diagnose: %s", qe_ctx_error(ctx));
    if (r) {
      const qe_diag_histogram *h = qe_data_report_histogram(r);
      CHECK(h->count == 900 && h->min == 1.0 && h->max == 300.5, "histogram range %g..%g (%llu)",
            h->min, h->max, (unsigned long long)h->count);
      uint64_t tot = 0;
      for (int k = 0; k < QE_DIAG_BINS; k++)
        tot += h->bins[k];
      CHECK(tot == 900, "histogram holds every value");
      CHECK(h->bin_lo <= h->min && h->max < h->bin_lo + QE_DIAG_BINS * h->bin_width &&
                h->bin_width > 0,
            "histogram bins cover [min, max]");
      CHECK(fabs(h->mean - 150.75) < 1e-9, "mean %g", h->mean);
      CHECK(qe_data_report_class_count(r) == 3 && qe_data_report_class(r, 0)->count == 180 &&
                fabs(qe_data_report_imbalance(r) - 6.0) < 1e-9,
            "class counts and imbalance");
      bool warned = false;
      for (size_t i = 0; i < qe_data_report_message_count(r); i++)
        warned |= strcmp(qe_data_report_message(r, i)->code, "imbalance") == 0;
      CHECK(warned, "imbalance warned");
      CHECK(qe_data_report_duplicate_count(r) == 0, "no duplicates");
      qe_data_report_free(r);
    }
    qe_dataset_free(ds);
  }
  unlink(path);
  free(path);
}

int main(void)
{
  qe_ctx *ctx = qe_ctx_new();
  char dir[] = "/tmp/qz-test-data-XXXXXX";
  if (!mkdtemp(dir)) {
    printf("mkdtemp failed\n");
    return 1;
  }
  test_numbers(ctx);
  test_options(ctx);
  test_splits(dir, ctx);
  test_loader(dir, ctx);
  rmdir(dir);
  qe_ctx_free(ctx);
  qe_dataset_free(NULL);
  qe_loader_free(NULL);
  qe_preview_free(NULL);
  qe_data_report_free(NULL);
  printf("%s\n", failures ? "some checks failed" : "all checks passed");
  return failures ? 1 : 0;
}
