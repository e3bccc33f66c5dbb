/* qe_config_data.c - the dataset / preprocessing / feature_extraction
 * sections of a run configuration as the data engine's qe_data_options.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <string.h>

#include "qe/qe_config.h"
#include "qe/qe_data.h"
#include "qe_config_private.h"

static const struct {
  const char *path;
  qe_data_enum e;
} data_enums[] = {
  { "preprocessing.resizing.interpolation", QE_ENUM_INTERP },
  { "preprocessing.resizing.aspect_ratio", QE_ENUM_ASPECT },
  { "preprocessing.color_mode", QE_ENUM_COLOR_MODE },
  { "preprocessing.lengthen", QE_ENUM_LENGTHEN },
  { "preprocessing.normalization", QE_ENUM_SERIES_NORM },
  { "preprocessing.downsampling_method", QE_ENUM_DOWNSAMPLE },
  { "dataset.series_layout", QE_ENUM_SERIES_LAYOUT },
  { "feature_extraction.window", QE_ENUM_WINDOW },
  { "feature_extraction.pad_mode", QE_ENUM_PAD_MODE },
  { "feature_extraction.norm", QE_ENUM_MEL_NORM },
  { "feature_extraction.db_ref", QE_ENUM_DB_REF },
};

static int data_enum_for(const char *path)
{
  for (size_t i = 0; i < QE_ARRAY_LEN(data_enums); i++)
    if (strcmp(data_enums[i].path, path) == 0)
      return (int)data_enums[i].e;
  return -1;
}

bool qe_config_data_choice_ok(const char *path, const char *text)
{
  int e = data_enum_for(path);
  int v;
  return e >= 0 && text && qe_data_enum_parse((qe_data_enum)e, text, &v, NULL) == QE_OK;
}

typedef struct {
  const qe_yaml_node *root;
  qe_ctx *ctx;
  qe_status st;
} reader;

static const qe_yaml_node *at(reader *r, const char *path)
{
  const qe_yaml_node *n = qe_yaml_path(r->root, path);
  return n && !qe_yaml_node_is_null(n) ? n : NULL;
}

static void get_double(reader *r, const char *path, double *out)
{
  if (r->st == QE_OK)
    r->st = qe_yaml_get_double(r->root, path, out, r->ctx);
}

static void get_int(reader *r, const char *path, int *out)
{
  int64_t v = *out;
  if (r->st == QE_OK && (r->st = qe_yaml_get_int(r->root, path, &v, r->ctx)) == QE_OK)
    *out = (int)v; /* ranges were checked against the key table */
}

static void get_bool(reader *r, const char *path, bool *out)
{
  if (r->st == QE_OK)
    r->st = qe_yaml_get_bool(r->root, path, out, r->ctx);
}

static void get_text(reader *r, const char *path, const char **out)
{
  if (r->st == QE_OK)
    r->st = qe_yaml_get_string(r->root, path, out, r->ctx);
}

/* An enumeration through the data engine's own names and aliases. */
static void get_enum(reader *r, const char *path, int *out)
{
  const qe_yaml_node *n = at(r, path);
  if (r->st != QE_OK || !n)
    return;
  int e = data_enum_for(path);
  if (e < 0) {
    r->st = qe_error(r->ctx, QE_ERR_INTERNAL, "%s is not a data enumeration", path);
    return;
  }
  int v;
  const char *text = qe_yaml_node_text(n);
  if (!text) {
    r->st = qe_yaml_error(r->ctx, QE_ERR_INVALID, n, "%s must be a single value", path);
    return;
  }
  if (qe_data_enum_parse((qe_data_enum)e, text, &v, r->ctx) != QE_OK) {
    char where[512];
    r->st = qe_error_prefix(r->ctx, "%s", qe_yaml_node_where(n, where, sizeof where));
    return;
  }
  *out = v;
}

qe_status qe_config_data_options(const qe_config *cfg, qe_data_options *o, qe_data_kind *kind,
                                 qe_ctx *ctx)
{
  if (!cfg || !o)
    return qe_error(ctx, QE_ERR_INVALID, "qe_config_data_options: no configuration or output");
  qe_data_options_init(o);
  reader r = { qe_yaml_root(qe_config_doc(cfg)), ctx, QE_OK };

  /* dataset */
  o->name = cfg->dataset_name;
  o->class_names = cfg->class_names;
  o->n_class_names = cfg->n_class_names;
  o->training_path = cfg->training_path;
  o->training_csv_path = cfg->training_csv_path;
  o->validation_path = cfg->validation_path;
  o->validation_csv_path = cfg->validation_csv_path;
  o->quantization_path = cfg->quantization_path;
  o->quantization_csv_path = cfg->quantization_csv_path;
  o->test_path = cfg->test_path;
  o->test_csv_path = cfg->test_csv_path;
  if (cfg->validation_split >= 0)
    o->validation_split = cfg->validation_split;
  o->quantization_split = cfg->quantization_split;
  o->test_split = cfg->test_split;
  if (at(&r, "dataset.seed"))
    o->seed = (uint64_t)cfg->dataset_seed;
  get_bool(&r, "dataset.to_cache", &o->to_cache);
  get_text(&r, "dataset.file_extension", &o->file_extension);
  get_text(&r, "dataset.label_column", &o->label_column);
  int layout = (int)o->series_layout;
  get_enum(&r, "dataset.series_layout", &layout);
  o->series_layout = (qe_series_layout)layout;

  /* model input */
  o->input_rank = cfg->input_rank;
  for (int i = 0; i < cfg->input_rank && i < QE_MAX_RANK; i++)
    o->input_shape[i] = cfg->input_shape[i];

  /* images */
  get_double(&r, "preprocessing.rescaling.scale", &o->rescale_scale);
  get_double(&r, "preprocessing.rescaling.offset", &o->rescale_offset);
  int v;
  v = (int)o->interpolation;
  get_enum(&r, "preprocessing.resizing.interpolation", &v);
  o->interpolation = (qe_interp)v;
  v = (int)o->aspect_ratio;
  get_enum(&r, "preprocessing.resizing.aspect_ratio", &v);
  o->aspect_ratio = (qe_aspect)v;
  v = (int)o->color_mode;
  get_enum(&r, "preprocessing.color_mode", &v);
  o->color_mode = (qe_color_mode)v;

  /* time series */
  get_bool(&r, "preprocessing.downsampling", &o->downsampling);
  v = (int)o->downsample_method;
  get_enum(&r, "preprocessing.downsampling_method", &v);
  o->downsample_method = (qe_downsample)v;
  v = (int)o->normalization;
  get_enum(&r, "preprocessing.normalization", &v);
  o->normalization = (qe_series_norm)v;
  get_bool(&r, "preprocessing.time_domain", &o->time_domain);

  /* audio: temporal preprocessing */
  get_double(&r, "preprocessing.min_length", &o->min_length);
  get_double(&r, "preprocessing.max_length", &o->max_length);
  get_int(&r, "preprocessing.target_rate", &o->target_rate);
  get_double(&r, "preprocessing.top_db", &o->top_db);
  get_int(&r, "preprocessing.frame_length", &o->frame_length);
  get_int(&r, "preprocessing.hop_length", &o->hop_length);
  get_bool(&r, "preprocessing.trim_last_second", &o->trim_last_second);
  v = (int)o->lengthen;
  get_enum(&r, "preprocessing.lengthen", &v);
  o->lengthen = (qe_lengthen)v;

  /* audio: feature extraction */
  get_int(&r, "feature_extraction.patch_length", &o->patch_length);
  get_int(&r, "feature_extraction.n_mels", &o->n_mels);
  get_double(&r, "feature_extraction.overlap", &o->overlap);
  get_int(&r, "feature_extraction.n_fft", &o->n_fft);
  get_int(&r, "feature_extraction.hop_length", &o->spec_hop_length);
  get_int(&r, "feature_extraction.window_length", &o->window_length);
  v = (int)o->window;
  get_enum(&r, "feature_extraction.window", &v);
  o->window = (qe_window)v;
  get_bool(&r, "feature_extraction.center", &o->center);
  v = (int)o->pad_mode;
  get_enum(&r, "feature_extraction.pad_mode", &v);
  o->pad_mode = (qe_pad_mode)v;
  get_double(&r, "feature_extraction.power", &o->power);
  get_double(&r, "feature_extraction.fmin", &o->fmin);
  get_double(&r, "feature_extraction.fmax", &o->fmax);
  v = (int)o->norm;
  get_enum(&r, "feature_extraction.norm", &v);
  o->norm = (qe_mel_norm)v;
  get_bool(&r, "feature_extraction.htk", &o->htk);
  get_bool(&r, "feature_extraction.to_db", &o->to_db);
  get_double(&r, "feature_extraction.top_db", &o->fe_top_db);
  v = (int)o->db_ref;
  get_enum(&r, "feature_extraction.db_ref", &v);
  o->db_ref = (qe_db_ref)v;
  get_double(&r, "feature_extraction.db_ref_value", &o->db_ref_value);
  get_bool(&r, "feature_extraction.include_last_patch", &o->include_last_patch);
  if (r.st != QE_OK)
    return r.st;

  /* The data engine's own checks (combinations); they name the key. */
  qe_status st = qe_data_options_validate(o, ctx);
  if (st != QE_OK)
    return qe_error_prefix(ctx, "%s", cfg->source);
  if (kind) {
    switch (cfg->data_kind) {
    case QE_CONFIG_DATA_IMAGES:
      *kind = QE_DATA_IMAGES;
      break;
    case QE_CONFIG_DATA_AUDIO:
      *kind = QE_DATA_AUDIO;
      break;
    case QE_CONFIG_DATA_SERIES:
      *kind = QE_DATA_SERIES;
      break;
    default:
      *kind = QE_DATA_AUTO;
      break;
    }
  }
  return QE_OK;
}
