/* qe_data_internal.h - shared between the files of engine/data (not installed).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_DATA_INTERNAL_H
#define QE_DATA_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe/qe_data.h"
#include "qe/qe_data_proc.h"

/* Which path of the dataset section a sample was listed from. */
enum { ORIGIN_TRAIN = 0, ORIGIN_VALIDATION, ORIGIN_QUANTIZATION, ORIGIN_TEST, ORIGIN_COUNT };

typedef struct {
  char *path;       /* file path, raw bytes (NULL for rows of an in-memory set) */
  char *display;    /* UTF-8 safe form of path */
  size_t row;       /* CSV line (1-based) or .npz index; 0 = n/a */
  char *label_name; /* label as text before classes are known (NULL: label_int) */
  long long label_int;
  int32_t label; /* class index after finalize, -1 unlabeled */
  uint32_t subsets;
  uint8_t origin;
  /* series and tensors: the raw values, in memory */
  float *values;
  size_t n_values;
  int32_t *chan_labels; /* row_per_channel series */
  size_t n_chan_labels;
  uint64_t hash[2]; /* content hash (series/tensors at open; files in diagnose) */
  bool hashed;
} qe_ds_sample;

typedef struct {
  float *data; /* n_items * item_count floats */
  size_t n_items;
} qe_cache_entry;

struct qe_dataset {
  qe_data_options opt;
  /* owned copies of the option strings */
  char *s_name, *s_paths[8], *s_ext, *s_label_column;
  char **s_class_names;

  qe_data_kind kind;
  char **folder_classes; /* class folder names seen while listing (even empty ones) */
  size_t n_folder_classes, cap_folder_classes;
  char **classes;
  size_t n_classes;
  bool labels_are_names;

  qe_ds_sample *samples;
  size_t n_samples, cap_samples;

  size_t *subset_idx[QE_SUBSET_COUNT];
  size_t subset_n[QE_SUBSET_COUNT];
  qe_calib_source calib;

  pthread_mutex_t lock; /* skipped list and cache */
  char **skip_path, **skip_reason;
  size_t n_skip, cap_skip;
  size_t n_filtered; /* ESC-50 rows of categories outside class_names (model zoo: dropped) */

  /* the model input of one item */
  int item_rank;
  int64_t item_dims[QE_MAX_RANK];
  size_t item_count;

  /* images */
  int img_h, img_w, img_c; /* target; img_h == 0: keep the decoded size */
  qe_color_mode img_mode;
  /* series */
  size_t ser_channels, ser_len; /* C, L (model) */
  size_t ser_raw;               /* values per channel in the file (0 = varies) */
  float *norm_mean, *norm_std;  /* QE_SERIES_NORM_DATASET: 1 or ser_len values */
  size_t norm_len;
  /* tensors */
  int x_rank;
  int64_t x_dims[QE_MAX_RANK];

  /* cache (to_cache) */
  qe_cache_entry *cache;
  uint64_t cache_bytes;
  bool cache_full;
};

/* Per-thread state for producing samples. */
typedef struct {
  qe_ctx *ctx;
  qe_mel_plan *mel;
  int mel_rate;
  qe_rfft_plan *rfft;
  float *scratch;
  size_t scratch_cap;
} qe_worker;

void qe_worker_init(qe_worker *w);
void qe_worker_clear(qe_worker *w);

/* What producing one sample gives. */
typedef struct {
  float *data; /* n_items * item_count */
  size_t n_items;
  size_t item_count;
  int rank;
  int64_t dims[QE_MAX_RANK];
  bool borrowed; /* data belongs to the cache */
  uint64_t hash[2];
  bool hashed;
  /* preview extras */
  qe_array *raw;
  int raw_rate;
  qe_array *features;
} qe_produced;

enum { PRODUCE_HASH = 1, PRODUCE_PREVIEW = 2, PRODUCE_NO_CACHE = 4 };

/* Decode and preprocess sample @index into @out (errors on w->ctx). */
qe_status qe_ds_produce(qe_dataset *ds, size_t index, qe_worker *w, int flags, qe_produced *out);
void qe_produced_clear(qe_produced *p);
/* Random calibration tensor @k (uniform [0,1), seeded). */
qe_status qe_ds_random_item(qe_dataset *ds, size_t k, qe_produced *out, qe_ctx *ctx);

/* Add to the skipped list (thread-safe). */
void qe_ds_skip(qe_dataset *ds, const char *path, const char *fmt, ...) QE_PRINTF(3, 4);

/* A 128-bit content hash (two independent 64-bit FNV-style lanes). */
void qe_hash128(const void *data, size_t len, uint64_t out[2]);

/* UTF-8 safe copy of a file name: invalid bytes become \xNN. */
char *qe_display_name(const char *raw);

/* Image helpers for qe_image.c users. */
bool qe_data_is_image_bytes(const uint8_t *d, size_t len);
const char *qe_data_image_refusal(const uint8_t *d, size_t len);

int qe_data_default_threads(void);

/* The transform length of an rfft plan. */
size_t qe_rfft_plan_size(const qe_rfft_plan *p);

/* Series features of one sample before/after normalization (C x L). */
qe_status qe_ds_series_features(qe_dataset *ds, const qe_ds_sample *s, qe_worker *w, float *out,
                                bool normalize, qe_ctx *ctx);

/* Deterministic generator: xoshiro256** seeded by splitmix64. */
typedef struct {
  uint64_t s[4];
} qe_rng;
void qe_rng_seed(qe_rng *r, uint64_t seed);
uint64_t qe_rng_next(qe_rng *r);

#endif /* QE_DATA_INTERNAL_H */
