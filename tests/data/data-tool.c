/* data-tool.c - runs one preprocessing step of engine/data on .npy files so
 * the Python tests can compare it with their numpy references.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   data-tool resize IN.npy OUT.npy METHOD OH OW [antialias]
 *   data-tool filterbank OUT.npy SR N_FFT N_MELS FMIN FMAX HTK(0|1) NORM
 *   data-tool mel IN.npy OUT.npy SR [key=value...]     (feature_extraction keys)
 *   data-tool temporal IN.npy OUT.npy SR [key=value...] (preprocessing keys)
 *   data-tool resample IN.npy OUT.npy FROM TO
 *   data-tool rfft IN.npy OUT.npy BINS
 *   data-tool zscore IN.npy OUT.npy EPS
 *   data-tool decode IMAGE OUT.npy MODE
 *   data-tool thumb IMAGE OUT.npy MAX_SIDE
 *   data-tool load PATH OUT.npz SUBSET THREADS [key=value...]  (writes x, y)
 *   data-tool open-config OUT.npz SUBSET [key=value...]        (dataset section)
 * Exit 0 on success, 1 with the engine's message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_data.h"
#include "qe/qe_data_proc.h"
#include "qe/qe_npy.h"

static int fail(qe_ctx *ctx)
{
  fprintf(stderr, "data-tool: %s\n", qe_ctx_error(ctx));
  return 1;
}

static qe_status write_f32(const char *path, int rank, const int64_t *dims, const float *data,
                           qe_ctx *ctx)
{
  qe_array *a;
  qe_status st = qe_array_new(QE_DT_F32, rank, dims, &a, ctx);
  if (st)
    return st;
  memcpy(a->data, data, qe_array_nbytes(a));
  st = qe_npy_write(path, a, ctx);
  qe_array_free(a);
  return st;
}

static qe_status read_f32(const char *path, qe_array **out, qe_ctx *ctx)
{
  qe_array *a;
  qe_status st = qe_npy_read(path, &a, ctx);
  if (st)
    return st;
  st = qe_array_to_f32(a, out, ctx);
  qe_array_free(a);
  return st;
}

static char *class_store[256];

/* key=value settings onto the options (the keys of the YAML sections). */
static qe_status set_option(qe_data_options *o, const char *kv, qe_ctx *ctx)
{
  const char *eq = strchr(kv, '=');
  if (!eq)
    return qe_error(ctx, QE_ERR_INVALID, "'%s' is not key=value", kv);
  char key[64];
  snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
  const char *v = eq + 1;
  double d = 0;
  int e;
  struct {
    const char *k;
    qe_data_enum en;
    int *f;
  } enums[] = {
    { "interpolation", QE_ENUM_INTERP, (int *)&o->interpolation },
    { "aspect_ratio", QE_ENUM_ASPECT, (int *)&o->aspect_ratio },
    { "color_mode", QE_ENUM_COLOR_MODE, (int *)&o->color_mode },
    { "layout", QE_ENUM_LAYOUT, (int *)&o->layout },
    { "window", QE_ENUM_WINDOW, (int *)&o->window },
    { "pad_mode", QE_ENUM_PAD_MODE, (int *)&o->pad_mode },
    { "norm", QE_ENUM_MEL_NORM, (int *)&o->norm },
    { "db_ref", QE_ENUM_DB_REF, (int *)&o->db_ref },
    { "lengthen", QE_ENUM_LENGTHEN, (int *)&o->lengthen },
    { "normalization", QE_ENUM_SERIES_NORM, (int *)&o->normalization },
    { "series_layout", QE_ENUM_SERIES_LAYOUT, (int *)&o->series_layout },
    { "downsample_method", QE_ENUM_DOWNSAMPLE, (int *)&o->downsample_method },
  };
  for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++)
    if (strcmp(key, enums[i].k) == 0) {
      qe_status st = qe_data_enum_parse(enums[i].en, v, &e, ctx);
      if (!st)
        *enums[i].f = e;
      return st;
    }
  struct {
    const char *k;
    bool *f;
  } bools[] = {
    { "center", &o->center },
    { "htk", &o->htk },
    { "to_db", &o->to_db },
    { "include_last_patch", &o->include_last_patch },
    { "trim_last_second", &o->trim_last_second },
    { "antialias", &o->antialias },
    { "to_cache", &o->to_cache },
    { "downsampling", &o->downsampling },
    { "time_domain", &o->time_domain },
    { "jpeg_dct_scaling", &o->jpeg_dct_scaling },
    { "sort_class_names", &o->sort_class_names },
  };
  for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
    if (strcmp(key, bools[i].k) == 0) {
      *bools[i].f = strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0;
      return QE_OK;
    }
  const char **strs[] = { &o->training_path,       &o->training_csv_path, &o->validation_path,
                          &o->validation_csv_path, &o->quantization_path, &o->quantization_csv_path,
                          &o->test_path,           &o->test_csv_path,     &o->label_column,
                          &o->file_extension };
  const char *strk[] = { "training_path",       "training_csv_path", "validation_path",
                         "validation_csv_path", "quantization_path", "quantization_csv_path",
                         "test_path",           "test_csv_path",     "label_column",
                         "file_extension" };
  for (size_t i = 0; i < sizeof strk / sizeof strk[0]; i++)
    if (strcmp(key, strk[i]) == 0) {
      *strs[i] = v;
      return QE_OK;
    }
  if (strcmp(key, "class_names") == 0) {
    size_t n = 0;
    char *copy = strdup(v), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < 256; t = strtok_r(NULL, ",", &save))
      class_store[n++] = strdup(t);
    free(copy);
    o->class_names = (const char *const *)class_store;
    o->n_class_names = n;
    return QE_OK;
  }
  if (strcmp(key, "input_shape") == 0) {
    int r = 0;
    char *copy = strdup(v), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && r < QE_MAX_RANK; t = strtok_r(NULL, ",", &save))
      o->input_shape[r++] = strtoll(t, NULL, 10);
    free(copy);
    o->input_rank = r;
    return QE_OK;
  }
  qe_status st = qe_data_parse_number(v, &d, ctx);
  if (st)
    return st;
  struct {
    const char *k;
    double *f;
  } dbls[] = {
    { "scale", &o->rescale_scale },
    { "offset", &o->rescale_offset },
    { "min_length", &o->min_length },
    { "max_length", &o->max_length },
    { "top_db", &o->top_db },
    { "overlap", &o->overlap },
    { "power", &o->power },
    { "fmin", &o->fmin },
    { "fmax", &o->fmax },
    { "fe_top_db", &o->fe_top_db },
    { "db_ref_value", &o->db_ref_value },
    { "validation_split", &o->validation_split },
    { "quantization_split", &o->quantization_split },
    { "test_split", &o->test_split },
    { "norm_epsilon", &o->norm_epsilon },
  };
  for (size_t i = 0; i < sizeof dbls / sizeof dbls[0]; i++)
    if (strcmp(key, dbls[i].k) == 0) {
      *dbls[i].f = d;
      return QE_OK;
    }
  struct {
    const char *k;
    int *f;
  } ints[] = {
    { "target_rate", &o->target_rate },
    { "frame_length", &o->frame_length },
    { "hop_length", &o->hop_length },
    { "patch_length", &o->patch_length },
    { "n_mels", &o->n_mels },
    { "n_fft", &o->n_fft },
    { "spec_hop_length", &o->spec_hop_length },
    { "window_length", &o->window_length },
    { "threads", &o->threads },
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if (strcmp(key, ints[i].k) == 0) {
      *ints[i].f = (int)d;
      return QE_OK;
    }
  if (strcmp(key, "seed") == 0) {
    o->seed = (uint64_t)d;
    return QE_OK;
  }
  if (strcmp(key, "random_samples") == 0) {
    o->random_samples = (size_t)d;
    return QE_OK;
  }
  if (strcmp(key, "cache_limit") == 0) {
    o->cache_limit = (uint64_t)d;
    return QE_OK;
  }
  if (strcmp(key, "queue_depth") == 0) {
    o->queue_depth = (size_t)d;
    return QE_OK;
  }
  return qe_error(ctx, QE_ERR_INVALID, "unknown key '%s'", key);
}

static int parse_subset(const char *s)
{
  for (int i = 0; i < QE_SUBSET_COUNT; i++)
    if (strcmp(qe_subset_name((qe_subset)i), s) == 0)
      return i;
  return -1;
}

/* Run the loader and write x (stacked items) and y (labels) to an .npz. */
static int run_loader(qe_dataset *ds, const char *out, int subset, int threads, qe_ctx *ctx)
{
  qe_loader *l;
  if (qe_loader_new(ds, (qe_subset)subset, threads, &l, ctx))
    return fail(ctx);
  float *x = NULL;
  int32_t *y = NULL;
  size_t n = 0, cap = 0, count = 0;
  int rank = 0;
  int64_t dims[QE_MAX_RANK];
  for (;;) {
    qe_data_item it;
    bool done;
    if (qe_loader_next(l, &it, &done, ctx)) {
      qe_loader_free(l);
      free(x);
      free(y);
      return fail(ctx);
    }
    if (done)
      break;
    if (n == 0) {
      count = it.count;
      rank = it.rank;
      memcpy(dims, it.dims, sizeof dims);
    }
    if (it.count != count) {
      fprintf(stderr, "data-tool: items of different sizes\n");
      return 1;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      x = realloc(x, sizeof(float) * cap * count);
      y = realloc(y, sizeof(int32_t) * cap);
    }
    memcpy(x + n * count, it.data, sizeof(float) * count);
    y[n] = it.label;
    n++;
  }
  qe_loader_free(l);
  int64_t xd[QE_MAX_RANK];
  xd[0] = (int64_t)n;
  if (rank == 0) {
    rank = 1;
    dims[0] = (int64_t)count;
  }
  memcpy(xd + 1, dims, sizeof(int64_t) * (size_t)rank);
  qe_array *xa, *ya;
  int64_t yd[1] = { (int64_t)n };
  if (qe_array_new(QE_DT_F32, rank + 1, xd, &xa, ctx) || qe_array_new(QE_DT_I32, 1, yd, &ya, ctx))
    return fail(ctx);
  if (n) {
    memcpy(xa->data, x, sizeof(float) * n * count);
    memcpy(ya->data, y, sizeof(int32_t) * n);
  }
  const char *names[2] = { "x", "y" };
  const qe_array *arrs[2] = { xa, ya };
  qe_status st = qe_npz_write(out, 2, names, arrs, ctx);
  qe_array_free(xa);
  qe_array_free(ya);
  free(x);
  free(y);
  if (st)
    return fail(ctx);
  /* print the skipped list and subset sizes for the test to check */
  for (size_t i = 0; i < qe_dataset_skipped_count(ds); i++)
    printf("skipped\t%s\t%s\n", qe_dataset_skipped_path(ds, i), qe_dataset_skipped_reason(ds, i));
  for (size_t i = 0; i < qe_dataset_class_count(ds); i++)
    printf("class\t%s\n", qe_dataset_class_name(ds, i));
  printf("calibration\t%s\n", qe_calib_source_name(qe_dataset_calibration_source(ds)));
  printf("items\t%zu\n", n);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: data-tool COMMAND ...\n");
    return 2;
  }
  qe_ctx *ctx = qe_ctx_new();
  const char *cmd = argv[1];
  qe_data_options o;
  qe_data_options_init(&o);
  int rc = 0;
  if (strcmp(cmd, "resize") == 0 && argc >= 7) {
    qe_array *in;
    int m;
    if (read_f32(argv[2], &in, ctx) || qe_data_enum_parse(QE_ENUM_INTERP, argv[4], &m, ctx))
      return fail(ctx);
    int oh = atoi(argv[5]), ow = atoi(argv[6]);
    bool aa = argc > 7 && strcmp(argv[7], "antialias") == 0;
    int h = (int)in->dims[0], w = (int)in->dims[1], c = in->rank > 2 ? (int)in->dims[2] : 1;
    float *out = malloc(sizeof(float) * (size_t)oh * ow * c);
    int64_t d[3] = { oh, ow, c };
    if (qe_image_resize(in->data, h, w, c, out, oh, ow, (qe_interp)m, aa, NULL, ctx) ||
        write_f32(argv[3], 3, d, out, ctx))
      rc = fail(ctx);
    free(out);
    qe_array_free(in);
  } else if (strcmp(cmd, "filterbank") == 0 && argc >= 10) {
    int sr = atoi(argv[3]), n_fft = atoi(argv[4]), n_mels = atoi(argv[5]), norm;
    double fmin = atof(argv[6]), fmax = atof(argv[7]);
    if (qe_data_enum_parse(QE_ENUM_MEL_NORM, argv[9], &norm, ctx))
      return fail(ctx);
    float *fb = malloc(sizeof(float) * (size_t)n_mels * (n_fft / 2 + 1));
    int64_t d[2] = { n_mels, n_fft / 2 + 1 };
    if (qe_mel_filterbank(sr, n_fft, n_mels, fmin, fmax, atoi(argv[8]) != 0, (qe_mel_norm)norm, fb,
                          ctx) ||
        write_f32(argv[2], 2, d, fb, ctx))
      rc = fail(ctx);
    free(fb);
  } else if ((strcmp(cmd, "mel") == 0 || strcmp(cmd, "temporal") == 0) && argc >= 5) {
    qe_array *in;
    if (read_f32(argv[2], &in, ctx))
      return fail(ctx);
    for (int i = 5; i < argc; i++)
      if (set_option(&o, argv[i], ctx))
        return fail(ctx);
    int sr = atoi(argv[4]);
    if (strcmp(cmd, "mel") == 0) {
      qe_mel_plan *p;
      qe_array *S;
      if (qe_mel_plan_new(sr, &o, &p, ctx) ||
          qe_mel_spectrogram(p, in->data, (size_t)in->dims[0], &S, ctx))
        return fail(ctx);
      if (write_f32(argv[3], 2, S->dims, S->data, ctx))
        rc = fail(ctx);
      qe_array_free(S);
      qe_mel_plan_free(p);
    } else {
      size_t n = (size_t)in->dims[0];
      float *y = malloc(sizeof(float) * n);
      memcpy(y, in->data, sizeof(float) * n);
      int64_t d[1];
      if (qe_audio_temporal(&y, &n, sr, &o, ctx))
        rc = fail(ctx);
      else if ((d[0] = (int64_t)n), write_f32(argv[3], 1, d, y, ctx))
        rc = fail(ctx);
      free(y);
    }
    qe_array_free(in);
  } else if (strcmp(cmd, "resample") == 0 && argc >= 6) {
    qe_array *in, *out;
    if (read_f32(argv[2], &in, ctx) ||
        qe_audio_resample(in->data, (size_t)in->dims[0], atoi(argv[4]), atoi(argv[5]), &out, ctx))
      return fail(ctx);
    if (write_f32(argv[3], 1, out->dims, out->data, ctx))
      rc = fail(ctx);
    qe_array_free(in);
    qe_array_free(out);
  } else if (strcmp(cmd, "rfft") == 0 && argc >= 5) {
    qe_array *in;
    qe_rfft_plan *p;
    if (read_f32(argv[2], &in, ctx) || qe_rfft_plan_new((size_t)in->dims[0], &p, ctx))
      return fail(ctx);
    size_t bins = (size_t)atol(argv[4]);
    float *out = malloc(sizeof(float) * bins);
    int64_t d[1] = { (int64_t)bins };
    if (qe_rfft_magnitude(p, in->data, out, bins, ctx) || write_f32(argv[3], 1, d, out, ctx))
      rc = fail(ctx);
    free(out);
    qe_rfft_plan_free(p);
    qe_array_free(in);
  } else if (strcmp(cmd, "zscore") == 0 && argc >= 5) {
    qe_array *in;
    if (read_f32(argv[2], &in, ctx))
      return fail(ctx);
    qe_series_zscore(in->data, (size_t)qe_array_count(in), atof(argv[4]));
    if (write_f32(argv[3], in->rank, in->dims, in->data, ctx))
      rc = fail(ctx);
    qe_array_free(in);
  } else if (strcmp(cmd, "decode") == 0 && argc >= 5) {
    int mode;
    qe_array *img;
    if (qe_data_enum_parse(QE_ENUM_COLOR_MODE, argv[4], &mode, ctx) ||
        qe_image_decode_file(argv[2], (qe_color_mode)mode, 0, 0, &img, ctx))
      return fail(ctx);
    if (qe_npy_write(argv[3], img, ctx))
      rc = fail(ctx);
    qe_array_free(img);
  } else if (strcmp(cmd, "thumb") == 0 && argc >= 5) {
    qe_array *img;
    if (qe_image_thumbnail(argv[2], atoi(argv[4]), &img, ctx))
      return fail(ctx);
    if (qe_npy_write(argv[3], img, ctx))
      rc = fail(ctx);
    qe_array_free(img);
  } else if (strcmp(cmd, "load") == 0 && argc >= 6) {
    for (int i = 6; i < argc; i++)
      if (set_option(&o, argv[i], ctx))
        return fail(ctx);
    int subset = parse_subset(argv[4]);
    qe_dataset *ds;
    if (subset < 0 || qe_dataset_open(argv[2], QE_DATA_AUTO, &o, &ds, ctx))
      return fail(ctx);
    rc = run_loader(ds, argv[3], subset, atoi(argv[5]), ctx);
    qe_dataset_free(ds);
  } else if (strcmp(cmd, "open-config") == 0 && argc >= 4) {
    for (int i = 4; i < argc; i++)
      if (set_option(&o, argv[i], ctx))
        return fail(ctx);
    int subset = parse_subset(argv[3]);
    qe_dataset *ds;
    if (subset < 0 || qe_dataset_open_config(&o, QE_DATA_AUTO, &ds, ctx))
      return fail(ctx);
    rc = run_loader(ds, argv[2], subset, 2, ctx);
    qe_dataset_free(ds);
  } else {
    fprintf(stderr, "data-tool: unknown command or missing arguments: %s\n", cmd);
    rc = 2;
  }
  for (size_t i = 0; i < 256; i++)
    free(class_store[i]);
  qe_ctx_free(ctx);
  return rc;
}
