/* qe_data_options.c - defaults, name tables and checks of qe_data_options.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qe/qe_data.h"
#include "qe_internal.h"

typedef struct {
  const char *name;
  int value;
} enum_alias;

static const char *const interp_names[] = { "bilinear", "nearest",  "bicubic",  "area",
                                            "lanczos3", "lanczos5", "gaussian", "mitchellcubic" };
static_assert(QE_ARRAY_LEN(interp_names) == QE_INTERP_COUNT, "interp names");
static const char *const aspect_names[] = { "fit", "crop" };
static_assert(QE_ARRAY_LEN(aspect_names) == QE_ASPECT_COUNT, "aspect names");
static const char *const color_names[] = { "auto", "grayscale", "rgb", "rgba" };
static_assert(QE_ARRAY_LEN(color_names) == QE_COLOR_COUNT, "color names");
static const char *const layout_names[] = { "nhwc", "nchw" };
static_assert(QE_ARRAY_LEN(layout_names) == QE_LAYOUT_COUNT, "layout names");
static const char *const window_names[] = { "hann", "hamming", "blackman", "boxcar" };
static_assert(QE_ARRAY_LEN(window_names) == QE_WINDOW_COUNT, "window names");
static const char *const pad_names[] = { "constant", "reflect", "edge", "symmetric", "wrap" };
static_assert(QE_ARRAY_LEN(pad_names) == QE_PAD_COUNT, "pad names");
static const char *const mel_norm_names[] = { "slaney", "none" };
static_assert(QE_ARRAY_LEN(mel_norm_names) == QE_MEL_NORM_COUNT, "mel norm names");
static const char *const db_ref_names[] = { "max", "fixed" };
static_assert(QE_ARRAY_LEN(db_ref_names) == QE_DB_REF_COUNT, "db ref names");
static const char *const lengthen_names[] = { "after", "before", "none" };
static_assert(QE_ARRAY_LEN(lengthen_names) == QE_LENGTHEN_COUNT, "lengthen names");
static const char *const series_norm_names[] = { "none", "dataset", "per_sample" };
static_assert(QE_ARRAY_LEN(series_norm_names) == QE_SERIES_NORM_COUNT, "norm names");
static const char *const series_layout_names[] = { "auto", "row_per_sample", "row_per_channel" };
static_assert(QE_ARRAY_LEN(series_layout_names) == QE_SERIES_LAYOUT_COUNT, "layout names");
static const char *const downsample_names[] = { "decimate", "mean" };
static_assert(QE_ARRAY_LEN(downsample_names) == QE_DOWNSAMPLE_COUNT, "downsample names");

/* Other spellings seen in model-zoo YAML files and librosa calls. */
static const enum_alias interp_alias[] = { { "nearest_neighbor", QE_INTERP_NEAREST },
                                           { "linear", QE_INTERP_BILINEAR },
                                           { "cubic", QE_INTERP_BICUBIC },
                                           { NULL, 0 } };
static const enum_alias color_alias[] = { { "gray", QE_COLOR_GRAYSCALE },
                                          { "greyscale", QE_COLOR_GRAYSCALE },
                                          { "grey", QE_COLOR_GRAYSCALE },
                                          { NULL, 0 } };
static const enum_alias window_alias[] = { { "hanning", QE_WINDOW_HANN },
                                           { "ones", QE_WINDOW_BOXCAR },
                                           { "rectangular", QE_WINDOW_BOXCAR },
                                           { "rect", QE_WINDOW_BOXCAR },
                                           { NULL, 0 } };
static const enum_alias mel_norm_alias[] = {
  { "null", QE_MEL_NORM_NONE }, { "~", QE_MEL_NORM_NONE }, { "", QE_MEL_NORM_NONE }, { NULL, 0 }
};
static const enum_alias db_ref_alias[] = { { "np.max", QE_DB_REF_MAX }, { NULL, 0 } };
static const enum_alias series_norm_alias[] = { { "false", QE_SERIES_NORM_NONE },
                                                { "true", QE_SERIES_NORM_DATASET },
                                                { "sample", QE_SERIES_NORM_SAMPLE },
                                                { NULL, 0 } };
static const enum_alias lengthen_alias[] = { { "false", QE_LENGTHEN_NONE }, { NULL, 0 } };

typedef struct {
  const char *what; /* for messages */
  const char *const *names;
  int count;
  const enum_alias *alias;
} enum_table;

static const enum_table tables[] = {
  [QE_ENUM_INTERP] = { "preprocessing.resizing.interpolation", interp_names, QE_INTERP_COUNT,
                       interp_alias },
  [QE_ENUM_ASPECT] = { "preprocessing.resizing.aspect_ratio", aspect_names, QE_ASPECT_COUNT, NULL },
  [QE_ENUM_COLOR_MODE] = { "preprocessing.color_mode", color_names, QE_COLOR_COUNT, color_alias },
  [QE_ENUM_LAYOUT] = { "input layout", layout_names, QE_LAYOUT_COUNT, NULL },
  [QE_ENUM_WINDOW] = { "feature_extraction.window", window_names, QE_WINDOW_COUNT, window_alias },
  [QE_ENUM_PAD_MODE] = { "feature_extraction.pad_mode", pad_names, QE_PAD_COUNT, NULL },
  [QE_ENUM_MEL_NORM] = { "feature_extraction.norm", mel_norm_names, QE_MEL_NORM_COUNT,
                         mel_norm_alias },
  [QE_ENUM_DB_REF] = { "feature_extraction.db_ref", db_ref_names, QE_DB_REF_COUNT, db_ref_alias },
  [QE_ENUM_LENGTHEN] = { "preprocessing.lengthen", lengthen_names, QE_LENGTHEN_COUNT,
                         lengthen_alias },
  [QE_ENUM_SERIES_NORM] = { "preprocessing.normalization", series_norm_names, QE_SERIES_NORM_COUNT,
                            series_norm_alias },
  [QE_ENUM_SERIES_LAYOUT] = { "series layout", series_layout_names, QE_SERIES_LAYOUT_COUNT, NULL },
  [QE_ENUM_DOWNSAMPLE] = { "downsampling method", downsample_names, QE_DOWNSAMPLE_COUNT, NULL },
};
static_assert(QE_ARRAY_LEN(tables) == QE_ENUM_COUNT, "every enumeration needs a table");

const char *qe_data_enum_name(qe_data_enum e, int value)
{
  if ((unsigned)e >= QE_ENUM_COUNT || value < 0 || value >= tables[e].count)
    return "";
  return tables[e].names[value];
}

qe_status qe_data_enum_parse(qe_data_enum e, const char *name, int *value, qe_ctx *ctx)
{
  if ((unsigned)e >= QE_ENUM_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "unknown enumeration %d", (int)e);
  const enum_table *t = &tables[e];
  if (!name)
    name = "";
  /* Trim surrounding blanks and quotes as YAML leaves them sometimes. */
  while (*name == ' ' || *name == '\'' || *name == '"')
    name++;
  size_t len = strlen(name);
  while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\'' || name[len - 1] == '"'))
    len--;
  for (int i = 0; i < t->count; i++)
    if (strlen(t->names[i]) == len && strncasecmp(t->names[i], name, len) == 0) {
      *value = i;
      return QE_OK;
    }
  for (const enum_alias *a = t->alias; a && a->name; a++)
    if (strlen(a->name) == len && strncasecmp(a->name, name, len) == 0) {
      *value = a->value;
      return QE_OK;
    }
  char list[256] = "";
  size_t used = 0;
  for (int i = 0; i < t->count && used < sizeof list; i++) {
    int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", t->names[i]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  return qe_error(ctx, QE_ERR_INVALID, "%s: '%.*s' is not one of %s", t->what, (int)QE_MIN(len, 64),
                  name, list);
}

static const char *parse_plain(const char *p, double *v)
{
  char *end;
  errno = 0;
  *v = strtod(p, &end);
  if (end == p || errno == ERANGE)
    return NULL;
  /* strtod accepts "inf", "nan" and hex floats: numbers in configs are
   * decimal, so refuse what a person would not mean. */
  for (const char *q = p; q < end; q++)
    if (!(isdigit((unsigned char)*q) || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
          *q == '-'))
      return NULL;
  return end;
}

qe_status qe_data_parse_number(const char *text, double *out, qe_ctx *ctx)
{
  if (!text)
    return qe_error(ctx, QE_ERR_PARSE, "empty number");
  const char *p = text;
  while (*p == ' ' || *p == '\t')
    p++;
  double a, b = 1.0;
  const char *q = parse_plain(p, &a);
  if (!q)
    return qe_error(ctx, QE_ERR_PARSE, "'%s' is not a number (e.g. 0.5, -1 or 1/127.5)", text);
  while (*q == ' ' || *q == '\t')
    q++;
  if (*q == '/') {
    q++;
    while (*q == ' ' || *q == '\t')
      q++;
    q = parse_plain(q, &b);
    if (!q)
      return qe_error(ctx, QE_ERR_PARSE, "'%s': expected a number after '/'", text);
    if (b == 0.0)
      return qe_error(ctx, QE_ERR_NUMERIC, "'%s': division by zero", text);
    while (*q == ' ' || *q == '\t')
      q++;
  }
  if (*q != '\0')
    return qe_error(ctx, QE_ERR_PARSE, "'%s': unexpected '%c' (only one '/' is allowed)", text, *q);
  double v = a / b;
  if (!isfinite(v))
    return qe_error(ctx, QE_ERR_NUMERIC, "'%s' is not a finite number", text);
  *out = v;
  return QE_OK;
}

void qe_data_options_init(qe_data_options *o)
{
  memset(o, 0, sizeof *o);
  o->sort_class_names = true;
  o->validation_split = 0.2;
  o->quantization_split = -1;
  o->test_split = -1;
  o->seed = 123;
  o->to_cache = false;
  o->file_extension = ".wav";
  o->layout = QE_LAYOUT_NHWC;

  o->rescale_scale = 1.0 / 255.0;
  o->rescale_offset = 0.0;
  o->interpolation = QE_INTERP_BILINEAR;
  o->aspect_ratio = QE_ASPECT_FIT;
  o->antialias = false;
  o->color_mode = QE_COLOR_AUTO;
  o->jpeg_dct_scaling = true;

  o->downsampling = false;
  o->downsample_method = QE_DOWNSAMPLE_DECIMATE;
  o->normalization = QE_SERIES_NORM_NONE;
  o->norm_epsilon = 1e-8;
  o->time_domain = true;
  o->series_layout = QE_SERIES_AUTO;

  o->min_length = 1;
  o->max_length = 10;
  o->target_rate = 16000;
  o->top_db = 60;
  o->frame_length = 2048;
  o->hop_length = 512;
  o->trim_last_second = false;
  o->lengthen = QE_LENGTHEN_AFTER;

  o->patch_length = 96;
  o->n_mels = 64;
  o->overlap = 0.25;
  o->n_fft = 512;
  o->spec_hop_length = 160;
  o->window_length = 400;
  o->window = QE_WINDOW_HANN;
  o->center = true;
  o->pad_mode = QE_PAD_CONSTANT;
  o->power = 2.0;
  o->fmin = 20;
  o->fmax = 20000;
  o->norm = QE_MEL_NORM_SLANEY;
  o->htk = false;
  o->to_db = true;
  o->fe_top_db = 80;
  o->db_ref = QE_DB_REF_MAX;
  o->db_ref_value = 1.0;
  o->include_last_patch = false;

  o->threads = 0;
  o->queue_depth = 0;
  o->cache_limit = (uint64_t)1 << 30;
  o->random_samples = 5;
}

static qe_status check_split(double v, const char *key, qe_ctx *ctx)
{
  if (v < 0)
    return QE_OK; /* unset */
  if (!(v > 0.0 && v <= 1.0))
    return qe_error(ctx, QE_ERR_INVALID, "dataset.%s must be in (0, 1], not %g", key, v);
  return QE_OK;
}

qe_status qe_data_options_validate(const qe_data_options *o, qe_ctx *ctx)
{
  qe_status st;
  if (!o)
    return qe_error(ctx, QE_ERR_INVALID, "no data options");
  if ((st = check_split(o->validation_split, "validation_split", ctx)) ||
      (st = check_split(o->quantization_split, "quantization_split", ctx)) ||
      (st = check_split(o->test_split, "test_split", ctx)))
    return st;
  if (o->validation_split >= 1.0 || o->test_split >= 1.0)
    return qe_error(ctx, QE_ERR_INVALID,
                    "dataset.validation_split and dataset.test_split must be below 1");
  if (o->validation_split > 0 && o->test_split > 0 && o->validation_split + o->test_split >= 1.0)
    return qe_error(ctx, QE_ERR_INVALID,
                    "dataset.validation_split + dataset.test_split leave no training data");
  if (o->n_class_names > 0 && !o->class_names)
    return qe_error(ctx, QE_ERR_INVALID, "dataset.class_names is missing");
  for (size_t i = 0; i < o->n_class_names; i++) {
    if (!o->class_names[i] || !o->class_names[i][0])
      return qe_error(ctx, QE_ERR_INVALID, "dataset.class_names[%zu] is empty", i);
    for (size_t k = 0; k < i; k++)
      if (strcmp(o->class_names[i], o->class_names[k]) == 0)
        return qe_error(ctx, QE_ERR_INVALID, "dataset.class_names: '%s' is listed twice",
                        o->class_names[i]);
  }
  if (o->input_rank < 0 || o->input_rank > QE_MAX_RANK)
    return qe_error(ctx, QE_ERR_INVALID, "model input rank %d is out of range", o->input_rank);
  if ((unsigned)o->layout >= QE_LAYOUT_COUNT || (unsigned)o->interpolation >= QE_INTERP_COUNT ||
      (unsigned)o->aspect_ratio >= QE_ASPECT_COUNT || (unsigned)o->color_mode >= QE_COLOR_COUNT ||
      (unsigned)o->window >= QE_WINDOW_COUNT || (unsigned)o->pad_mode >= QE_PAD_COUNT ||
      (unsigned)o->norm >= QE_MEL_NORM_COUNT || (unsigned)o->db_ref >= QE_DB_REF_COUNT ||
      (unsigned)o->lengthen >= QE_LENGTHEN_COUNT ||
      (unsigned)o->normalization >= QE_SERIES_NORM_COUNT ||
      (unsigned)o->series_layout >= QE_SERIES_LAYOUT_COUNT ||
      (unsigned)o->downsample_method >= QE_DOWNSAMPLE_COUNT)
    return qe_error(ctx, QE_ERR_INVALID, "a data option holds an unknown enumeration value");
  if (!isfinite(o->rescale_scale) || !isfinite(o->rescale_offset))
    return qe_error(ctx, QE_ERR_INVALID, "preprocessing.rescaling must be finite numbers");
  if (!(o->norm_epsilon >= 0) || !isfinite(o->norm_epsilon))
    return qe_error(ctx, QE_ERR_INVALID, "normalization epsilon must be >= 0");
  /* audio */
  if (!(o->min_length >= 0) || !(o->max_length >= 0) || o->min_length > 3600 ||
      o->max_length > 36000)
    return qe_error(ctx, QE_ERR_INVALID,
                    "preprocessing.min_length / max_length must be seconds in a sane range");
  if (o->max_length > 0 && o->min_length > o->max_length)
    return qe_error(ctx, QE_ERR_INVALID, "preprocessing.min_length (%g) is above max_length (%g)",
                    o->min_length, o->max_length);
  if (o->target_rate < 0 || o->target_rate > 768000)
    return qe_error(ctx, QE_ERR_INVALID, "preprocessing.target_rate %d Hz is out of range",
                    o->target_rate);
  if (o->frame_length <= 0 || o->hop_length <= 0 || o->frame_length > (1 << 24) ||
      o->hop_length > (1 << 24))
    return qe_error(ctx, QE_ERR_INVALID,
                    "preprocessing.frame_length and hop_length must be positive");
  if (o->patch_length <= 0 || o->patch_length > (1 << 20))
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.patch_length must be positive");
  if (o->n_mels <= 0 || o->n_mels > 4096)
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.n_mels must be in 1..4096");
  if (!(o->overlap >= 0.0 && o->overlap < 1.0))
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.overlap must be in [0, 1)");
  if ((int)floor(o->patch_length * o->overlap) >= o->patch_length)
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.overlap leaves no new frames");
  if (o->n_fft < 2 || o->n_fft > (1 << 20))
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.n_fft must be in 2..1048576");
  if (o->spec_hop_length <= 0 || o->spec_hop_length > (1 << 20))
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.hop_length must be positive");
  if (o->window_length < 0 || o->window_length > o->n_fft)
    return qe_error(ctx, QE_ERR_INVALID,
                    "feature_extraction.window_length (%d) must be between 1 and n_fft (%d)",
                    o->window_length, o->n_fft);
  if (o->power != 1.0 && o->power != 2.0)
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.power must be 1.0 or 2.0, not %g",
                    o->power);
  if (!(o->fmin >= 0) || !isfinite(o->fmin) || !isfinite(o->fmax) ||
      (o->fmax >= 0 && o->fmax <= o->fmin))
    return qe_error(ctx, QE_ERR_INVALID,
                    "feature_extraction.fmin (%g) must be >= 0 and below fmax (%g)", o->fmin,
                    o->fmax);
  if (o->db_ref == QE_DB_REF_FIXED && !(o->db_ref_value > 0))
    return qe_error(ctx, QE_ERR_INVALID, "feature_extraction.db_ref_value must be > 0");
  if (o->threads < 0 || o->threads > 256)
    return qe_error(ctx, QE_ERR_INVALID, "loader threads must be in 0..256");
  if (o->random_samples > 1000000)
    return qe_error(ctx, QE_ERR_INVALID, "random_samples is too large");
  return QE_OK;
}

const char *qe_data_kind_name(qe_data_kind kind)
{
  static const char *const names[] = { "auto", "images", "audio", "series", "tensors" };
  static_assert(QE_ARRAY_LEN(names) == QE_DATA_KIND_COUNT, "kind names");
  return (unsigned)kind < QE_DATA_KIND_COUNT ? names[kind] : "unknown";
}

const char *qe_subset_name(qe_subset s)
{
  static const char *const names[] = { "all",  "training",    "validation",
                                       "test", "calibration", "evaluation" };
  static_assert(QE_ARRAY_LEN(names) == QE_SUBSET_COUNT, "subset names");
  return (unsigned)s < QE_SUBSET_COUNT ? names[s] : "unknown";
}

const char *qe_calib_source_name(qe_calib_source s)
{
  static const char *const names[] = {
    "all of the quantization set",
    "a stratified fraction (quantization_split) of the quantization set",
    "the training samples",
    "a stratified fraction (quantization_split) of the training samples",
    "random data (no quantization or training set was given)",
  };
  static_assert(QE_ARRAY_LEN(names) == QE_CALIB_SOURCE_COUNT, "calibration source names");
  return (unsigned)s < QE_CALIB_SOURCE_COUNT ? names[s] : "unknown";
}
