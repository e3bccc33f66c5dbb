/* qe_config.c - the run configuration: key table, checks, effective settings.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qe/qe_config.h"
#include "qe_config_private.h"

/* ------------------------------------------------------------------------ */
/* Enumerations */

static const char *const mode_names[] = {
  [QE_MODE_QUANTIZATION] = "quantization", [QE_MODE_EVALUATION] = "evaluation",
  [QE_MODE_BENCHMARKING] = "benchmarking", [QE_MODE_DEPLOYMENT] = "deployment",
  [QE_MODE_PREDICTION] = "prediction",     [QE_MODE_CHAIN_EQE] = "chain_eqe",
  [QE_MODE_CHAIN_QB] = "chain_qb",         [QE_MODE_CHAIN_EQEB] = "chain_eqeb",
  [QE_MODE_CHAIN_QD] = "chain_qd",         [QE_MODE_CHAIN_QE] = "chain_qe",
  [QE_MODE_TRAINING] = "training",         [QE_MODE_CHAIN_TQE] = "chain_tqe",
  [QE_MODE_CHAIN_TQEB] = "chain_tqeb",     [QE_MODE_CHAIN_TBQEB] = "chain_tbqeb",
  [QE_MODE_CHAIN_TB] = "chain_tb",         NULL,
};
static_assert(QE_ARRAY_LEN(mode_names) == QE_MODE_COUNT + 1, "a name per mode");

static const char *const quantizer_names[] = { "TFlite_converter", "Onnx_quantizer", NULL };
static_assert(QE_ARRAY_LEN(quantizer_names) == QE_QUANTIZER_COUNT + 1, "a name per quantizer");
static const char *const io_names[] = { "int8", "uint8", "float", NULL };
static_assert(QE_ARRAY_LEN(io_names) == QE_IO_COUNT + 1, "a name per io type");
static const char *const granularity_names[] = { "per_channel", "per_tensor", NULL };
static_assert(QE_ARRAY_LEN(granularity_names) == QE_GRANULARITY_COUNT + 1,
              "a name per granularity");
static const char *const calib_names[] = { "minmax",     "moving-average",
                                           "percentile", "entropy",
                                           "mse",        NULL };
static_assert(QE_ARRAY_LEN(calib_names) == QE_CALIB_COUNT + 1, "a name per method");
static const char *const data_kind_names[] = { "auto", "images", "audio", "series", NULL };
static_assert(QE_ARRAY_LEN(data_kind_names) == QE_CONFIG_DATA_KIND_COUNT + 1,
              "a name per data kind");

static const char *const *const enum_tables[] = {
  [QE_CONFIG_ENUM_MODE] = mode_names,   [QE_CONFIG_ENUM_QUANTIZER] = quantizer_names,
  [QE_CONFIG_ENUM_IO_TYPE] = io_names,  [QE_CONFIG_ENUM_GRANULARITY] = granularity_names,
  [QE_CONFIG_ENUM_CALIB] = calib_names, [QE_CONFIG_ENUM_DATA_KIND] = data_kind_names,
};
static_assert(QE_ARRAY_LEN(enum_tables) == QE_CONFIG_ENUM_COUNT, "a table per enumeration");

const char *qe_config_enum_name(qe_config_enum e, int value)
{
  if ((unsigned)e >= QE_CONFIG_ENUM_COUNT || value < 0)
    return "";
  const char *const *t = enum_tables[e];
  for (int i = 0; t[i]; i++)
    if (i == value)
      return t[i];
  return "";
}

int qe_config_enum_parse(qe_config_enum e, const char *name)
{
  if ((unsigned)e >= QE_CONFIG_ENUM_COUNT || !name)
    return -1;
  const char *const *t = enum_tables[e];
  for (int i = 0; t[i]; i++)
    if (strcmp(t[i], name) == 0)
      return i;
  for (int i = 0; t[i]; i++)
    if (strcasecmp(t[i], name) == 0)
      return i;
  return -1;
}

unsigned qe_op_mode_steps(qe_op_mode mode)
{
  switch (mode) {
  case QE_MODE_QUANTIZATION:
    return QE_STEP_QUANTIZE;
  case QE_MODE_EVALUATION:
    return QE_STEP_EVALUATE_FLOAT;
  case QE_MODE_BENCHMARKING:
    return QE_STEP_BENCHMARK;
  case QE_MODE_DEPLOYMENT:
    return QE_STEP_DEPLOY;
  case QE_MODE_PREDICTION:
    return QE_STEP_PREDICT;
  case QE_MODE_CHAIN_EQE:
    return QE_STEP_EVALUATE_FLOAT | QE_STEP_QUANTIZE | QE_STEP_EVALUATE_QUANTIZED;
  case QE_MODE_CHAIN_QB:
    return QE_STEP_QUANTIZE | QE_STEP_BENCHMARK;
  case QE_MODE_CHAIN_EQEB:
    return QE_STEP_EVALUATE_FLOAT | QE_STEP_QUANTIZE | QE_STEP_EVALUATE_QUANTIZED |
           QE_STEP_BENCHMARK;
  case QE_MODE_CHAIN_QD:
    return QE_STEP_QUANTIZE | QE_STEP_DEPLOY;
  case QE_MODE_CHAIN_QE:
    return QE_STEP_QUANTIZE | QE_STEP_EVALUATE_QUANTIZED;
  case QE_MODE_TRAINING:
  case QE_MODE_CHAIN_TQE:
  case QE_MODE_CHAIN_TQEB:
  case QE_MODE_CHAIN_TBQEB:
  case QE_MODE_CHAIN_TB:
  case QE_MODE_COUNT:
    break;
  }
  return 0;
}

/* "quantization, evaluation, ... or chain_qe" in @buf: the modes Quantizer
 * can run, from the table (the ones that train left out). */
static const char *mode_list(char *buf, size_t size)
{
  int last = -1;
  for (int m = 0; m < QE_MODE_COUNT; m++)
    if (qe_op_mode_steps((qe_op_mode)m))
      last = m;
  size_t used = 0;
  buf[0] = '\0';
  for (int m = 0, k = 0; m < QE_MODE_COUNT && used < size; m++) {
    if (!qe_op_mode_steps((qe_op_mode)m))
      continue;
    int w = snprintf(buf + used, size - used, "%s%s",
                     k == 0      ? ""
                     : m == last ? " or "
                                 : ", ",
                     mode_names[m]);
    if (w < 0)
      break;
    used += (size_t)w;
    k++;
  }
  return buf;
}

/* ------------------------------------------------------------------------ */
/* The key table */

static const char *const quantization_type_names[] = { "PTQ", "QAT", NULL };
static const char *const extra_options_names[] = { "calib_moving_average", NULL };
static const char *const weight_bits_names[] = { "8", "4", "2", NULL };
static const char *const ti_quant_names[] = { "0", "1", "2", NULL };
static const char *const aspect_names[] = { "fit", "crop", NULL };
static const char *const interp_names[] = { "bilinear", "nearest",       "bicubic",
                                            "area",     "lanczos3",      "lanczos5",
                                            "gaussian", "mitchellcubic", NULL };
static const char *const color_names[] = { "auto", "grayscale", "rgb", "rgba", NULL };
static const char *const window_names[] = { "hann", "hamming",     "blackman", "boxcar",
                                            "ones", "rectangular", NULL };
static const char *const pad_names[] = { "constant", "reflect", "edge", "symmetric", "wrap", NULL };
static const char *const norm_names[] = { "slaney", "None", NULL };
static const char *const db_ref_names[] = { "max", "fixed", NULL };
static const char *const lengthen_names[] = { "after", "before", "none", NULL };
static const char *const series_norm_names[] = { "False", "True", "per_sample", NULL };
static const char *const downsample_names[] = { "decimate", "mean", NULL };
static const char *const layout_names[] = { "auto", "row_per_sample", "row_per_channel", NULL };

#define NONE_MIN (-INFINITY)
#define NONE_MAX INFINITY
#define SEC(p, h)                                                                  \
  {                                                                                \
    .path = p, .type = QE_CFG_SECTION, .min = NONE_MIN, .max = NONE_MAX, .help = h \
  }
#define ANY(p, h)                                                              \
  {                                                                            \
    .path = p, .type = QE_CFG_ANY, .min = NONE_MIN, .max = NONE_MAX, .help = h \
  }
#define KEY(p, t, d, h)                                                         \
  {                                                                             \
    .path = p, .type = t, .min = NONE_MIN, .max = NONE_MAX, .def = d, .help = h \
  }
#define NUM(p, t, lo, hi, d, h)                                     \
  {                                                                 \
    .path = p, .type = t, .min = lo, .max = hi, .def = d, .help = h \
  }
#define CHO(p, c, d, h)                                                                         \
  {                                                                                             \
    .path = p, .type = QE_CFG_CHOICE, .choices = c, .min = NONE_MIN, .max = NONE_MAX, .def = d, \
    .help = h                                                                                   \
  }

static const qe_config_key keys[] = {
  CHO("operation_mode", mode_names, NULL,
      "What to do: quantization, evaluation, benchmarking, deployment or a chain (chain_eqe...)"),

  SEC("general", "Project-wide settings"),
  KEY("general.project_name", QE_CFG_STRING, "<unnamed>", "Name of the project"),
  KEY("general.logs_dir", QE_CFG_STRING, "logs", "Folder for logs, inside the output folder"),
  KEY("general.saved_models_dir", QE_CFG_STRING, "saved_models",
      "Folder for models, inside the output folder"),
  KEY("general.model_path", QE_CFG_PATH, NULL,
      "The float model (older model-zoo files; model.model_path is preferred)"),
  KEY("general.model_type", QE_CFG_STRING, NULL, "Model family (informative)"),
  NUM("general.global_seed", QE_CFG_INT, 0, 4294967295.0, "123", "Seed of the random generators"),
  KEY("general.deterministic_ops", QE_CFG_BOOL, "False", "Use deterministic operations only"),
  KEY("general.display_figures", QE_CFG_BOOL, "True", "Draw the plots of the run"),
  NUM("general.gpu_memory_limit", QE_CFG_NUMBER, 0, NONE_MAX, NULL,
      "GPU memory for TensorFlow (not used by Quantizer)"),
  NUM("general.num_threads_tflite", QE_CFG_INT, 1, 1024, NULL,
      "TFLite interpreter threads (not used by Quantizer)"),

  SEC("model", "The model to quantize or evaluate"),
  KEY("model.model_path", QE_CFG_PATH, NULL, "The float (or quantized) model: .onnx or .tflite"),
  KEY("model.model_name", QE_CFG_STRING, NULL, "Model name (informative)"),
  KEY("model.model_type", QE_CFG_STRING, NULL, "Model family (informative)"),
  KEY("model.input_shape", QE_CFG_SHAPE, NULL,
      "Shape of one model input without the batch axis, e.g. (4,512,1)"),

  SEC("dataset", "Where the samples come from"),
  KEY("dataset.name", QE_CFG_STRING, NULL, "Data set name"),
  KEY("dataset.dataset_name", QE_CFG_STRING, NULL, "Data set name (Tensorlab, arc fault)"),
  KEY("dataset.class_names", QE_CFG_STRING_LIST, NULL, "Class names, in label order"),
  KEY("dataset.training_path", QE_CFG_PATH, NULL, "Training set: folder or CSV file"),
  KEY("dataset.validation_path", QE_CFG_PATH, NULL, "Validation set"),
  KEY("dataset.test_path", QE_CFG_PATH, NULL, "Test set (used for evaluation)"),
  KEY("dataset.quantization_path", QE_CFG_PATH, NULL, "Calibration (representative) set"),
  KEY("dataset.prediction_path", QE_CFG_PATH, NULL, "Samples to predict"),
  KEY("dataset.training_audio_path", QE_CFG_PATH, NULL, "Audio: folder of training clips"),
  KEY("dataset.training_csv_path", QE_CFG_PATH, NULL, "Audio: ESC-50 style CSV of training"),
  KEY("dataset.validation_audio_path", QE_CFG_PATH, NULL, "Audio: validation clips"),
  KEY("dataset.validation_csv_path", QE_CFG_PATH, NULL, "Audio: validation CSV"),
  KEY("dataset.quantization_audio_path", QE_CFG_PATH, NULL, "Audio: calibration clips"),
  KEY("dataset.quantization_csv_path", QE_CFG_PATH, NULL, "Audio: calibration CSV"),
  KEY("dataset.test_audio_path", QE_CFG_PATH, NULL, "Audio: test clips"),
  KEY("dataset.test_csv_path", QE_CFG_PATH, NULL, "Audio: test CSV"),
  NUM("dataset.validation_split", QE_CFG_NUMBER, 0, 1, NULL,
      "Fraction of the training set kept for validation (0.2 when unset)"),
  NUM("dataset.test_split", QE_CFG_NUMBER, 0, 1, NULL,
      "Fraction of the training set kept for testing"),
  NUM("dataset.quantization_split", QE_CFG_NUMBER, 0, 1, NULL,
      "Fraction of the calibration source used to calibrate"),
  NUM("dataset.seed", QE_CFG_INT, 0, 18446744073709551615.0, "123", "Seed of the splits"),
  KEY("dataset.to_cache", QE_CFG_BOOL, NULL, "Keep decoded samples in memory"),
  KEY("dataset.shuffle", QE_CFG_BOOL, NULL, "Shuffle (training only; not used)"),
  KEY("dataset.check_image_files", QE_CFG_BOOL, NULL, "Check image files (always done)"),
  KEY("dataset.file_extension", QE_CFG_STRING, NULL, "Audio: extension added to CSV names"),
  KEY("dataset.multi_label", QE_CFG_BOOL, NULL, "Audio: several labels per clip"),
  KEY("dataset.use_garbage_class", QE_CFG_BOOL, NULL, "Audio: gather other classes in one"),
  NUM("dataset.n_samples_per_garbage_class", QE_CFG_INT, 0, NONE_MAX, NULL,
      "Audio: samples per class in the garbage class"),
  KEY("dataset.expand_last_dim", QE_CFG_BOOL, NULL, "Audio: add a channel axis to patches"),
  CHO("dataset.series_layout", layout_names, NULL,
      "Series CSV: one row per sample or one row per channel (auto from the header)"),
  KEY("dataset.label_column", QE_CFG_STRING, NULL, "Series CSV: name of the label column"),

  SEC("preprocessing", "How samples become model inputs"),
  SEC("preprocessing.rescaling", "Images: value = pixel * scale + offset"),
  NUM("preprocessing.rescaling.scale", QE_CFG_NUMBER, NONE_MIN, NONE_MAX, NULL,
      "Images: scale, e.g. 1/255 or 1/127.5"),
  NUM("preprocessing.rescaling.offset", QE_CFG_NUMBER, NONE_MIN, NONE_MAX, NULL,
      "Images: offset, e.g. 0 or -1"),
  SEC("preprocessing.resizing", "Images: resizing to the model input"),
  CHO("preprocessing.resizing.aspect_ratio", aspect_names, NULL,
      "Images: fit (stretch) or crop (keep the aspect ratio)"),
  CHO("preprocessing.resizing.interpolation", interp_names, NULL, "Images: resizing method"),
  CHO("preprocessing.color_mode", color_names, NULL,
      "Images: grayscale, rgb, rgba (or auto: from the model input)"),
  NUM("preprocessing.min_length", QE_CFG_NUMBER, 0, NONE_MAX, NULL,
      "Audio: shortest clip, seconds (shorter ones are repeated)"),
  NUM("preprocessing.max_length", QE_CFG_NUMBER, 0, NONE_MAX, NULL, "Audio: longest clip, seconds"),
  NUM("preprocessing.target_rate", QE_CFG_INT, 0, 768000, NULL, "Audio: sample rate, Hz"),
  NUM("preprocessing.top_db", QE_CFG_NUMBER, NONE_MIN, NONE_MAX, NULL,
      "Audio: silence threshold, dB below the peak"),
  NUM("preprocessing.frame_length", QE_CFG_INT, 1, 1 << 24, NULL,
      "Audio: silence removal frame, samples"),
  NUM("preprocessing.hop_length", QE_CFG_INT, 1, 1 << 24, NULL,
      "Audio: silence removal hop, samples"),
  KEY("preprocessing.trim_last_second", QE_CFG_BOOL, NULL, "Audio: drop the last second"),
  CHO("preprocessing.lengthen", lengthen_names, NULL,
      "Audio: repeat short clips after or before silence removal"),
  KEY("preprocessing.downsampling", QE_CFG_BOOL, NULL, "Series: downsample to the input length"),
  CHO("preprocessing.downsampling_method", downsample_names, NULL,
      "Series: decimate or mean of blocks"),
  CHO("preprocessing.normalization", series_norm_names, NULL,
      "Series: z-score with the training set's statistics (True) or per sample"),
  KEY("preprocessing.time_domain", QE_CFG_BOOL, NULL,
      "Series: feed the values (True) or their spectrum magnitude (False)"),

  SEC("feature_extraction", "Audio: log-mel spectrogram patches"),
  NUM("feature_extraction.patch_length", QE_CFG_INT, 1, 1 << 20, NULL, "Frames per patch"),
  NUM("feature_extraction.n_mels", QE_CFG_INT, 1, 4096, NULL, "Mel bands"),
  NUM("feature_extraction.overlap", QE_CFG_NUMBER, 0, 0.999999, NULL,
      "Overlap between patches, fraction"),
  NUM("feature_extraction.n_fft", QE_CFG_INT, 2, 1 << 20, NULL, "FFT length"),
  NUM("feature_extraction.hop_length", QE_CFG_INT, 1, 1 << 20, NULL, "Hop between frames"),
  NUM("feature_extraction.window_length", QE_CFG_INT, 0, 1 << 20, NULL, "Window length"),
  CHO("feature_extraction.window", window_names, NULL, "Window function"),
  KEY("feature_extraction.center", QE_CFG_BOOL, NULL, "Centre the frames (pad the clip)"),
  CHO("feature_extraction.pad_mode", pad_names, NULL, "Padding when centring"),
  NUM("feature_extraction.power", QE_CFG_NUMBER, 1, 2, NULL, "1: magnitude, 2: power"),
  NUM("feature_extraction.fmin", QE_CFG_NUMBER, 0, NONE_MAX, NULL, "Lowest mel frequency, Hz"),
  NUM("feature_extraction.fmax", QE_CFG_NUMBER, NONE_MIN, NONE_MAX, NULL,
      "Highest mel frequency, Hz"),
  CHO("feature_extraction.norm", norm_names, NULL, "Mel filter normalization: slaney or None"),
  KEY("feature_extraction.htk", QE_CFG_BOOL, NULL, "HTK mel scale (else Slaney)"),
  KEY("feature_extraction.to_db", QE_CFG_BOOL, NULL, "Decibels (else natural log)"),
  NUM("feature_extraction.top_db", QE_CFG_NUMBER, NONE_MIN, NONE_MAX, NULL,
      "dB floor below the clip's peak"),
  CHO("feature_extraction.db_ref", db_ref_names, NULL, "dB reference: max or fixed"),
  NUM("feature_extraction.db_ref_value", QE_CFG_NUMBER, 0, NONE_MAX, NULL,
      "dB reference value when db_ref is fixed"),
  KEY("feature_extraction.include_last_patch", QE_CFG_BOOL, NULL,
      "Add a patch ending at the last frame"),

  SEC("quantization", "How the model is quantized"),
  CHO("quantization.quantizer", quantizer_names, "TFlite_converter",
      "Output format: TFlite_converter (.tflite) or Onnx_quantizer (ONNX QDQ)"),
  CHO("quantization.quantization_type", quantization_type_names, "PTQ",
      "PTQ (post-training quantization); QAT is not supported"),
  CHO("quantization.quantization_input_type", io_names, "int8",
      "Type of the model input: int8, uint8 or float"),
  CHO("quantization.quantization_output_type", io_names, "int8",
      "Type of the model output: int8, uint8 or float"),
  CHO("quantization.granularity", granularity_names, "per_channel",
      "Weight scales per output channel or one per tensor"),
  KEY("quantization.optimize", QE_CFG_BOOL, "False", "Simplify the model before quantizing"),
  NUM("quantization.target_opset", QE_CFG_INT, 10, 17, "17", "ONNX opset of the QDQ model"),
  KEY("quantization.export_dir", QE_CFG_STRING, "quantized_models",
      "Folder of the quantized model, inside the output folder"),
  CHO("quantization.extra_options", extra_options_names, NULL,
      "calib_moving_average: moving-average calibration (Onnx_quantizer)"),
  CHO("quantization.calibration_method", calib_names, "minmax",
      "How activation ranges are found: minmax, moving-average, percentile, entropy or mse"),
  NUM("quantization.calibration_percentile", QE_CFG_NUMBER, 50, 100, "99.999",
      "Percentile method: the percentile of |values| kept"),
  NUM("quantization.moving_average_constant", QE_CFG_NUMBER, 0, 1, "0.01",
      "Moving-average method: weight of each new batch"),
  CHO("quantization.weight_bits", weight_bits_names, "8", "Bits per weight: 8, 4 or 2"),
  CHO("quantization.activation_bits", weight_bits_names, "8", "Bits per activation: 8 or 4"),
  KEY("quantization.power_of_two", QE_CFG_BOOL, "False",
      "Restrict scales to powers of two (NPUs, bit shifts)"),
  KEY("quantization.equalization", QE_CFG_BOOL, "False",
      "Equalize weight ranges across layers before quantizing"),
  KEY("quantization.bias_correction", QE_CFG_BOOL, "False",
      "Correct the output shift caused by rounding the weights"),
  KEY("quantization.board", QE_CFG_STRING, NULL, "Target board id (see qz boards)"),

  SEC("evaluation", "How models are evaluated"),
  KEY("evaluation.target", QE_CFG_STRING, NULL, "Where to evaluate (Quantizer: on the host)"),
  KEY("evaluation.gen_npy_input", QE_CFG_BOOL, NULL, "Save the inputs as .npy"),
  KEY("evaluation.gen_npy_output", QE_CFG_BOOL, NULL, "Save the outputs as .npy"),
  KEY("evaluation.npy_in_name", QE_CFG_STRING, NULL, "Name of the saved inputs"),
  KEY("evaluation.npy_out_name", QE_CFG_STRING, NULL, "Name of the saved outputs"),
  KEY("evaluation.profile", QE_CFG_STRING, NULL, "Evaluation profile (informative)"),
  NUM("evaluation.latency_runs", QE_CFG_INT, 1, 100000, "20",
      "Timed runs for the host latency (the median is reported)"),
  NUM("evaluation.warmup_runs", QE_CFG_INT, 0, 100000, "2", "Untimed runs before timing"),

  SEC("benchmarking", "Footprint and latency measurement"),
  KEY("benchmarking.board", QE_CFG_STRING, NULL, "Board to benchmark on"),

  ANY("deployment", "Deployment settings (C project, IDE, board)"),
  KEY("deployment.hardware_setup.board", QE_CFG_STRING, NULL, "Board to deploy to"),
  KEY("deployment.hardware_setup.serie", QE_CFG_STRING, NULL, "STM32 series"),

  ANY("hydra", "Hydra settings; run.dir names the output folder"),
  KEY("hydra.run.dir", QE_CFG_STRING, "experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}",
      "Output folder of a run; ${now:FORMAT} is the start time"),
  ANY("mlflow", "MLflow settings (not used: runs go to Quantizer's history)"),
  KEY("mlflow.uri", QE_CFG_STRING, NULL, "MLflow tracking folder (not used)"),
  ANY("tools", "Paths of ST Edge AI and STM32CubeIDE (not used)"),
  ANY("data_augmentation", "Training augmentation (not used)"),
  ANY("prediction", "Prediction settings"),
  ANY("defaults", "Hydra defaults list (not used)"),

  /* TI Tiny ML Tensorlab */
  ANY("common", "Tensorlab: task and target device"),
  KEY("common.target_device", QE_CFG_STRING, NULL, "Tensorlab: target device (board id)"),
  KEY("common.task_type", QE_CFG_STRING, NULL, "Tensorlab: task type (informative)"),
  ANY("training", "Training settings (only Tensorlab's quantization keys are used)"),
  CHO("training.quantization", ti_quant_names, NULL,
      "Tensorlab: 0 float, 1 standard quantization, 2 TI NPU quantization"),
  CHO("training.quantization_method", quantization_type_names, NULL,
      "Tensorlab: PTQ (QAT is not supported)"),
  CHO("training.quantization_weight_bitwidth", weight_bits_names, NULL,
      "Tensorlab: bits per weight"),
  CHO("training.quantization_activation_bitwidth", weight_bits_names, NULL,
      "Tensorlab: bits per activation"),
  KEY("training.model_name", QE_CFG_STRING, NULL, "Tensorlab: model name"),
  ANY("data_processing_feature_extraction", "Tensorlab: feature extraction (not used)"),
  ANY("testing", "Tensorlab: testing (not used)"),
  ANY("compilation", "Tensorlab: compilation (not used)"),
};

size_t qe_config_key_count(void)
{
  return QE_ARRAY_LEN(keys);
}

const qe_config_key *qe_config_key_at(size_t index)
{
  return index < QE_ARRAY_LEN(keys) ? &keys[index] : NULL;
}

const qe_config_key *qe_config_key_find(const char *path)
{
  if (!path)
    return NULL;
  for (size_t i = 0; i < QE_ARRAY_LEN(keys); i++)
    if (strcmp(keys[i].path, path) == 0)
      return &keys[i];
  return NULL;
}

const char *qe_config_type_name(qe_config_type type)
{
  static const char *const names[] = {
    [QE_CFG_SECTION] = "a section of keys",
    [QE_CFG_STRING] = "text",
    [QE_CFG_PATH] = "a file or folder",
    [QE_CFG_BOOL] = "true or false",
    [QE_CFG_INT] = "an integer",
    [QE_CFG_NUMBER] = "a number",
    [QE_CFG_CHOICE] = "one of a list",
    [QE_CFG_STRING_LIST] = "a list of names",
    [QE_CFG_SHAPE] = "a shape such as (4,512,1)",
    [QE_CFG_ANY] = "anything",
  };
  static_assert(QE_ARRAY_LEN(names) == QE_CFG_TYPE_COUNT, "a name per type");
  return (unsigned)type < QE_CFG_TYPE_COUNT ? names[type] : "";
}

/* ------------------------------------------------------------------------ */
/* Private state */

struct qe_config_private {
  qe_yaml_doc *raw; /* overrides applied, ${...} not resolved */
  qe_yaml_doc *doc; /* resolved */
  char *base_dir;
  char **pool;
  size_t n_pool, cap_pool;
  const char **class_names;
};

static const char *keep(qe_config *cfg, char *s)
{
  struct qe_config_private *p = cfg->priv;
  if (!s)
    return NULL;
  if (!qe_grow((void **)&p->pool, &p->cap_pool, p->n_pool + 1, sizeof(char *))) {
    free(s);
    return NULL;
  }
  p->pool[p->n_pool++] = s;
  return s;
}

void qe_config_options_init(qe_config_options *opt)
{
  if (!opt)
    return;
  memset(opt, 0, sizeof *opt);
  opt->check_files = true;
}

void qe_config_free(qe_config *cfg)
{
  if (!cfg)
    return;
  if (cfg->priv) {
    qe_yaml_doc_free(cfg->priv->raw);
    qe_yaml_doc_free(cfg->priv->doc);
    free(cfg->priv->base_dir);
    for (size_t i = 0; i < cfg->priv->n_pool; i++)
      free(cfg->priv->pool[i]);
    free(cfg->priv->pool);
    free(cfg->priv->class_names);
    free(cfg->priv);
  }
  free(cfg);
}

const qe_yaml_doc *qe_config_doc(const qe_config *cfg)
{
  return cfg && cfg->priv ? cfg->priv->doc : NULL;
}

/* ------------------------------------------------------------------------ */
/* Checking against the table */

static size_t edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63)
    return SIZE_MAX;
  size_t prev[64], cur[64];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
      size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
      cur[j] = QE_MIN(sub, QE_MIN(del, ins));
    }
    memcpy(prev, cur, (lb + 1) * sizeof(size_t));
  }
  return prev[lb];
}

static const char *last_segment(const char *path)
{
  const char *dot = strrchr(path, '.');
  return dot ? dot + 1 : path;
}

/* A suggestion for the unknown key @path: a sibling one or two typos away,
 * or the same name in another section. */
static void suggest(const char *path, char *buf, size_t size)
{
  buf[0] = '\0';
  const char *name = last_segment(path);
  size_t plen = (size_t)(name - path);
  size_t best = 3;
  for (size_t i = 0; i < QE_ARRAY_LEN(keys); i++) {
    const char *k = keys[i].path;
    const char *kn = last_segment(k);
    if ((size_t)(kn - k) != plen || strncmp(k, path, plen) != 0)
      continue;
    size_t d = edit_distance(name, kn);
    if (d < best && d * 3 <= strlen(name)) {
      best = d;
      snprintf(buf, size, "; did you mean '%s'?", kn);
    }
  }
  if (buf[0])
    return;
  for (size_t i = 0; i < QE_ARRAY_LEN(keys); i++)
    if (strcmp(last_segment(keys[i].path), name) == 0 && strcmp(keys[i].path, path) != 0) {
      snprintf(buf, size, "; it belongs in '%s'", keys[i].path);
      return;
    }
}

static bool parse_shape_text(const char *s, int *rank, int64_t dims[8])
{
  int r = 0;
  const char *p = s;
  while (*p == ' ')
    p++;
  char open = *p;
  if (open == '(' || open == '[')
    p++;
  for (;;) {
    while (*p == ' ')
      p++;
    if (*p == ')' || *p == ']' || !*p)
      break;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno || v < -1 || v > INT32_MAX || r >= 8)
      return false;
    dims[r++] = v;
    p = end;
    while (*p == ' ')
      p++;
    if (*p == ',')
      p++;
    else if (*p && *p != ')' && *p != ']')
      return false;
  }
  if ((open == '(' && *p != ')') || (open == '[' && *p != ']') ||
      (open != '(' && open != '[' && *p))
    return false;
  if (*p)
    p++;
  while (*p == ' ')
    p++;
  if (*p || r == 0)
    return false;
  *rank = r;
  return true;
}

static qe_status node_shape(const qe_yaml_node *n, int *rank, int64_t dims[8], qe_ctx *ctx)
{
  char path[256];
  qe_yaml_node_path(n, path, sizeof path);
  if (qe_yaml_node_kind(n) == QE_YAML_SEQ) {
    size_t c = qe_yaml_node_count(n);
    if (c == 0 || c > 8)
      return qe_yaml_error(ctx, QE_ERR_INVALID, n, "%s must have 1 to 8 dimensions, not %zu", path,
                           c);
    for (size_t i = 0; i < c; i++) {
      int64_t v;
      qe_status st = qe_yaml_node_int(qe_yaml_node_item(n, i), &v, ctx);
      if (st != QE_OK)
        return st;
      if (v < -1 || v > INT32_MAX)
        return qe_yaml_error(ctx, QE_ERR_INVALID, qe_yaml_node_item(n, i),
                             "%s: dimension %" PRId64 " is out of range", path, v);
      dims[i] = v;
    }
    *rank = (int)c;
    return QE_OK;
  }
  const char *t = qe_yaml_node_text(n);
  if (!t || !parse_shape_text(t, rank, dims))
    return qe_yaml_error(ctx, QE_ERR_INVALID, n,
                         "%s must be a shape such as (4,512,1) or [128, 128, 3], not %s%s%s", path,
                         t ? "'" : "", t ? t : "a map", t ? "'" : "");
  return QE_OK;
}

static qe_status check_value(const qe_config_key *k, const qe_yaml_node *n, qe_ctx *ctx)
{
  char path[256];
  qe_yaml_node_path(n, path, sizeof path);
  if (qe_yaml_node_is_null(n))
    return QE_OK;
  switch (k->type) {
  case QE_CFG_SECTION:
    if (qe_yaml_node_kind(n) != QE_YAML_MAP)
      return qe_yaml_error(
          ctx, QE_ERR_INVALID, n, "%s must be a section of keys (indented below it), not %s%s%s",
          path, qe_yaml_node_text(n) ? "'" : "",
          qe_yaml_node_text(n) ? qe_yaml_node_text(n) : "a list", qe_yaml_node_text(n) ? "'" : "");
    return QE_OK;
  case QE_CFG_STRING:
  case QE_CFG_PATH: {
    const char *s;
    return qe_yaml_node_string(n, &s, ctx);
  }
  case QE_CFG_BOOL: {
    bool b;
    return qe_yaml_node_bool(n, &b, ctx);
  }
  case QE_CFG_INT: {
    int64_t v;
    qe_status st = qe_yaml_node_int(n, &v, ctx);
    if (st != QE_OK)
      return st;
    if ((double)v < k->min || (double)v > k->max)
      return qe_yaml_error(ctx, QE_ERR_INVALID, n, "%s must be between %.15g and %.15g, not %s",
                           path, k->min, k->max, qe_yaml_node_text(n));
    return QE_OK;
  }
  case QE_CFG_NUMBER: {
    double v;
    qe_status st = qe_yaml_node_double(n, &v, ctx);
    if (st != QE_OK)
      return st;
    if (isnan(v) || v < k->min || v > k->max) {
      if (isinf(k->max))
        return qe_yaml_error(ctx, QE_ERR_INVALID, n, "%s must be %.15g or more, not %s", path,
                             k->min, qe_yaml_node_text(n));
      if (isinf(k->min))
        return qe_yaml_error(ctx, QE_ERR_INVALID, n, "%s must be %.15g or less, not %s", path,
                             k->max, qe_yaml_node_text(n));
      return qe_yaml_error(ctx, QE_ERR_INVALID, n, "%s must be between %.15g and %.15g, not %s",
                           path, k->min, k->max, qe_yaml_node_text(n));
    }
    return QE_OK;
  }
  case QE_CFG_CHOICE: {
    int i;
    /* The data engine also takes aliases ("hanning", "False"...). */
    if (qe_config_data_choice_ok(k->path, qe_yaml_node_text(n)))
      return QE_OK;
    /* An unknown operation_mode: name the modes Quantizer can run (the
     * ones that train are in the table only to be refused in words). */
    const char *t = qe_yaml_node_text(n);
    if (k->choices == mode_names && t && qe_config_enum_parse(QE_CONFIG_ENUM_MODE, t) < 0) {
      char modes[256];
      return qe_yaml_error(ctx, QE_ERR_INVALID, n, "%s must be one of %s, not '%s'", path,
                           mode_list(modes, sizeof modes), t);
    }
    return qe_yaml_node_enum(n, k->choices, &i, ctx);
  }
  case QE_CFG_STRING_LIST:
    if (qe_yaml_node_kind(n) != QE_YAML_SEQ)
      return qe_yaml_error(
          ctx, QE_ERR_INVALID, n, "%s must be a list such as [a, b, c], not %s%s%s", path,
          qe_yaml_node_text(n) ? "'" : "", qe_yaml_node_text(n) ? qe_yaml_node_text(n) : "a map",
          qe_yaml_node_text(n) ? "'" : "");
    for (size_t i = 0; i < qe_yaml_node_count(n); i++) {
      const qe_yaml_node *item = qe_yaml_node_item(n, i);
      if (qe_yaml_node_kind(item) != QE_YAML_SCALAR || qe_yaml_node_is_null(item))
        return qe_yaml_error(ctx, QE_ERR_INVALID, item, "%s: item %zu must be a name", path, i + 1);
    }
    return QE_OK;
  case QE_CFG_SHAPE: {
    int r;
    int64_t d[8];
    return node_shape(n, &r, d, ctx);
  }
  default:
    return QE_OK;
  }
}

/* Is @path under a QE_CFG_ANY section? */
static bool under_any(const char *path)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *dot = strrchr(buf, '.'); dot; dot = strrchr(buf, '.')) {
    *dot = '\0';
    const qe_config_key *k = qe_config_key_find(buf);
    if (k && k->type == QE_CFG_ANY)
      return true;
  }
  return false;
}

static qe_status check_map(const qe_yaml_node *map, const char *prefix, qe_ctx *ctx)
{
  for (size_t i = 0; i < qe_yaml_node_count(map); i++) {
    const char *key = qe_yaml_node_key(map, i);
    const qe_yaml_node *val = qe_yaml_node_item(map, i);
    char path[256];
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
    const qe_config_key *k = qe_config_key_find(path);
    if (!k) {
      char hint[160];
      suggest(path, hint, sizeof hint);
      qe_yaml_warn(ctx, qe_yaml_node_key_node(map, i), "unknown key '%s' is ignored%s", path, hint);
      continue;
    }
    qe_status st = check_value(k, val, ctx);
    if (st != QE_OK)
      return st;
    if (k->type == QE_CFG_SECTION && qe_yaml_node_kind(val) == QE_YAML_MAP) {
      st = check_map(val, path, ctx);
      if (st != QE_OK)
        return st;
    }
  }
  return QE_OK;
}

static qe_status check_doc(const qe_yaml_doc *doc, qe_ctx *ctx)
{
  const qe_yaml_node *root = qe_yaml_root(doc);
  if (qe_yaml_node_kind(root) != QE_YAML_MAP) {
    char where[512];
    return qe_error(ctx, QE_ERR_INVALID,
                    "%s: a configuration is a map of sections (general:, dataset:, ...), not %s",
                    qe_yaml_node_where(root, where, sizeof where),
                    qe_yaml_node_kind(root) == QE_YAML_SEQ ? "a list" : "a single value");
  }
  qe_status st = check_map(root, "", ctx);
  if (st != QE_OK)
    return st;
  /* Typed keys inside free-form sections. */
  for (size_t i = 0; i < QE_ARRAY_LEN(keys); i++) {
    if (!under_any(keys[i].path))
      continue;
    const qe_yaml_node *n = qe_yaml_path(root, keys[i].path);
    if (n && (st = check_value(&keys[i], n, ctx)) != QE_OK)
      return st;
  }
  return QE_OK;
}

/* ------------------------------------------------------------------------ */
/* Extraction */

/* A set (present and not null) node at @path. */
static const qe_yaml_node *set_at(const qe_config *cfg, const char *path)
{
  const qe_yaml_node *n = qe_yaml_path(qe_yaml_root(cfg->priv->doc), path);
  return n && !qe_yaml_node_is_null(n) ? n : NULL;
}

static const char *get_text(const qe_config *cfg, const char *path, const char *def)
{
  const qe_yaml_node *n = set_at(cfg, path);
  return n && qe_yaml_node_text(n) ? qe_yaml_node_text(n) : def;
}

static int get_choice(const qe_config *cfg, const char *path, int def)
{
  const qe_config_key *k = qe_config_key_find(path);
  const qe_yaml_node *n = set_at(cfg, path);
  int v = def;
  if (k && n)
    qe_yaml_node_enum(n, k->choices, &v, NULL);
  return v;
}

static int get_bits(const qe_config *cfg, const char *path, int def)
{
  const char *t = get_text(cfg, path, NULL);
  return t ? atoi(t) : def;
}

static bool is_absolute(const char *p)
{
  return p[0] == '/';
}

/* @text resolved against the base folder, '\' read as '/'. */
static const char *absolute_path(qe_config *cfg, const qe_yaml_node *n, const char *text,
                                 qe_ctx *ctx)
{
  char *copy = qe_strdup(text);
  if (!copy)
    return NULL;
  if (strchr(copy, '\\')) {
    for (char *p = copy; *p; p++)
      if (*p == '\\')
        *p = '/';
    char path[256];
    qe_yaml_warn(ctx, n, "%s is written with '\\' (Windows); read as '%s'",
                 qe_yaml_node_path(n, path, sizeof path), copy);
  }
  const char *p = copy;
  while (p[0] == '.' && p[1] == '/')
    p += 2;
  char *abs;
  if (is_absolute(copy))
    abs = qe_strdup(copy);
  else if (!*p || strcmp(p, ".") == 0)
    abs = qe_strdup(cfg->priv->base_dir);
  else
    abs = qe_strdup_printf("%s/%s", cfg->priv->base_dir, p);
  free(copy);
  /* No trailing slash (except "/"). */
  if (abs) {
    size_t l = strlen(abs);
    while (l > 1 && abs[l - 1] == '/')
      abs[--l] = '\0';
  }
  return keep(cfg, abs);
}

static qe_status get_path(qe_config *cfg, const char *key, const char **out, qe_ctx *ctx)
{
  const qe_yaml_node *n = set_at(cfg, key);
  *out = NULL;
  if (!n)
    return QE_OK;
  *out = absolute_path(cfg, n, qe_yaml_node_text(n), ctx);
  return *out ? QE_OK : qe_error(ctx, QE_ERR_NOMEM, "out of memory");
}

static qe_status check_exists(const qe_config *cfg, const char *key, const char *path, qe_ctx *ctx)
{
  struct stat st;
  if (!path || stat(path, &st) == 0)
    return QE_OK;
  int e = errno;
  return qe_yaml_error(ctx, QE_ERR_IO, set_at(cfg, key), "%s: '%s': %s", key, path,
                       e == ENOENT ? "no such file or folder" : strerror(e));
}

/* The location to blame for a missing key: its section's key, else the
 * document. */
static const qe_yaml_node *missing_at(const qe_config *cfg, const char *section)
{
  const qe_yaml_node *root = qe_yaml_root(cfg->priv->doc);
  for (size_t i = 0; section && i < qe_yaml_node_count(root); i++)
    if (strcmp(qe_yaml_node_key(root, i), section) == 0)
      return qe_yaml_node_key_node(root, i);
  return root;
}

static qe_status missing_error(const qe_config *cfg, const char *section, qe_ctx *ctx,
                               const char *fmt, ...) QE_PRINTF(4, 5);

static qe_status missing_error(const qe_config *cfg, const char *section, qe_ctx *ctx,
                               const char *fmt, ...)
{
  char msg[768], where[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (section && qe_yaml_path(qe_yaml_root(cfg->priv->doc), section))
    return qe_error(ctx, QE_ERR_INVALID, "%s: %s",
                    qe_yaml_node_where(missing_at(cfg, section), where, sizeof where), msg);
  /* No such section: name the file only. */
  return qe_error(ctx, QE_ERR_INVALID, "%s: %s", cfg->source, msg);
}

static qe_status extract(qe_config *cfg, const qe_config_options *opt, qe_ctx *ctx)
{
  const qe_yaml_node *root = qe_yaml_root(cfg->priv->doc);
  const qe_yaml_node *n;
  char where[512], modes[256];
  qe_status st;

  /* -- TI Tensorlab -------------------------------------------------- */
  cfg->ti_quantization = -1;
  if ((n = set_at(cfg, "training.quantization")))
    cfg->ti_quantization = atoi(qe_yaml_node_text(n));
  bool ti_quantizes = cfg->ti_quantization == 1 || cfg->ti_quantization == 2;

  /* -- operation mode ------------------------------------------------ */
  if ((n = set_at(cfg, "operation_mode"))) {
    cfg->mode = (qe_op_mode)get_choice(cfg, "operation_mode", QE_MODE_QUANTIZATION);
  } else if (cfg->ti_quantization >= 0) {
    /* Tensorlab files have no operation_mode: quantize when asked to,
     * evaluate otherwise. */
    cfg->mode = ti_quantizes ? QE_MODE_CHAIN_EQE : QE_MODE_EVALUATION;
  } else {
    return missing_error(cfg, NULL, ctx, "operation_mode is missing; set it to %s",
                         mode_list(modes, sizeof modes));
  }
  cfg->steps = qe_op_mode_steps(cfg->mode);
  if (cfg->steps == 0) {
    /* the same chain without its training step */
    const char *instead = cfg->mode == QE_MODE_CHAIN_TQE     ? "chain_qe"
                          : cfg->mode == QE_MODE_CHAIN_TQEB  ? "chain_eqeb"
                          : cfg->mode == QE_MODE_CHAIN_TBQEB ? "chain_eqeb"
                          : cfg->mode == QE_MODE_CHAIN_TB    ? "benchmarking"
                                                             : "chain_eqe or quantization";
    return qe_yaml_error(ctx, QE_ERR_UNSUPPORTED, n,
                         "operation_mode '%s' includes training, which Quantizer does not do; "
                         "train the model first, then use %s with model.model_path",
                         qe_yaml_node_text(n), instead);
  }

  /* -- general ------------------------------------------------------- */
  cfg->project_name = get_text(cfg, "general.project_name", "<unnamed>");
  cfg->logs_dir = get_text(cfg, "general.logs_dir", "logs");
  cfg->saved_models_dir = get_text(cfg, "general.saved_models_dir", "saved_models");
  cfg->global_seed = 123;
  qe_yaml_get_int(root, "general.global_seed", &cfg->global_seed, NULL);
  cfg->deterministic_ops = false;
  qe_yaml_get_bool(root, "general.deterministic_ops", &cfg->deterministic_ops, NULL);
  cfg->display_figures = true;
  qe_yaml_get_bool(root, "general.display_figures", &cfg->display_figures, NULL);

  /* -- model --------------------------------------------------------- */
  const char *mp_model = NULL, *mp_general = NULL;
  if ((st = get_path(cfg, "model.model_path", &mp_model, ctx)) != QE_OK ||
      (st = get_path(cfg, "general.model_path", &mp_general, ctx)) != QE_OK)
    return st;
  if (mp_model && mp_general && strcmp(mp_model, mp_general) != 0)
    return qe_yaml_error(ctx, QE_ERR_INVALID, set_at(cfg, "general.model_path"),
                         "general.model_path and model.model_path (%s) name two different "
                         "models; keep only model.model_path",
                         qe_yaml_node_where(set_at(cfg, "model.model_path"), where, sizeof where));
  cfg->model_path = mp_model ? mp_model : mp_general;
  cfg->model_name = get_text(cfg, "model.model_name", get_text(cfg, "training.model_name", NULL));
  cfg->model_type = get_text(cfg, "model.model_type", get_text(cfg, "general.model_type", NULL));
  if ((n = set_at(cfg, "model.input_shape")) &&
      (st = node_shape(n, &cfg->input_rank, cfg->input_shape, ctx)) != QE_OK)
    return st;
  if (!cfg->model_path)
    return missing_error(
        cfg, "model", ctx, "model.model_path is missing: operation_mode %s needs the model to %s",
        mode_names[cfg->mode], (cfg->steps & QE_STEP_QUANTIZE) ? "quantize" : "work on");

  /* -- quantization -------------------------------------------------- */
  cfg->quantizer = (qe_quantizer)get_choice(cfg, "quantization.quantizer", QE_QUANTIZER_TFLITE);
  cfg->input_type = (qe_io_type)get_choice(cfg, "quantization.quantization_input_type", QE_IO_INT8);
  cfg->output_type =
      (qe_io_type)get_choice(cfg, "quantization.quantization_output_type", QE_IO_INT8);
  cfg->granularity =
      (qe_granularity)get_choice(cfg, "quantization.granularity", QE_GRANULARITY_PER_CHANNEL);
  cfg->optimize = false;
  qe_yaml_get_bool(root, "quantization.optimize", &cfg->optimize, NULL);
  int64_t opset = 17;
  qe_yaml_get_int(root, "quantization.target_opset", &opset, NULL);
  cfg->target_opset = (int)opset;
  cfg->export_dir = get_text(cfg, "quantization.export_dir", "quantized_models");
  cfg->calib_method =
      (qe_calib_method)get_choice(cfg, "quantization.calibration_method", QE_CALIB_MINMAX);
  cfg->calib_percentile = 99.999;
  qe_yaml_get_double(root, "quantization.calibration_percentile", &cfg->calib_percentile, NULL);
  cfg->moving_average_constant = 0.01;
  qe_yaml_get_double(root, "quantization.moving_average_constant", &cfg->moving_average_constant,
                     NULL);
  cfg->power_of_two = false;
  qe_yaml_get_bool(root, "quantization.power_of_two", &cfg->power_of_two, NULL);
  cfg->equalization = false;
  qe_yaml_get_bool(root, "quantization.equalization", &cfg->equalization, NULL);
  cfg->bias_correction = false;
  qe_yaml_get_bool(root, "quantization.bias_correction", &cfg->bias_correction, NULL);

  /* PTQ only. */
  if ((n = set_at(cfg, "quantization.quantization_type")) &&
      get_choice(cfg, "quantization.quantization_type", 0) == 1)
    return qe_yaml_error(ctx, QE_ERR_UNSUPPORTED, n,
                         "quantization.quantization_type is QAT, but Quantizer does "
                         "post-training quantization (PTQ) only; set it to PTQ, or train with "
                         "QAT in your training tool and give Quantizer the result");
  if (ti_quantizes && (n = set_at(cfg, "training.quantization_method")) &&
      get_choice(cfg, "training.quantization_method", 0) == 1)
    return qe_yaml_error(ctx, QE_ERR_UNSUPPORTED, n,
                         "training.quantization_method is QAT, but Quantizer does "
                         "post-training quantization (PTQ) only; set it to PTQ");
  if (cfg->ti_quantization == 0 && (cfg->steps & QE_STEP_QUANTIZE) && set_at(cfg, "operation_mode"))
    return qe_yaml_error(ctx, QE_ERR_INVALID, set_at(cfg, "training.quantization"),
                         "training.quantization is 0 (keep the model in floating point), but "
                         "operation_mode %s asks to quantize it; set training.quantization to "
                         "1 or 2",
                         mode_names[cfg->mode]);

  /* Bit widths: Quantizer's keys and Tensorlab's must agree. */
  cfg->weight_bits = get_bits(cfg, "quantization.weight_bits", 8);
  cfg->activation_bits = get_bits(cfg, "quantization.activation_bits", 8);
  static const struct {
    const char *ti, *own;
  } bit_keys[2] = { { "training.quantization_weight_bitwidth", "quantization.weight_bits" },
                    { "training.quantization_activation_bitwidth",
                      "quantization.activation_bits" } };
  int *fields[2] = { &cfg->weight_bits, &cfg->activation_bits };
  for (int i = 0; i < 2; i++) {
    const qe_yaml_node *ti = ti_quantizes ? set_at(cfg, bit_keys[i].ti) : NULL;
    if (!ti)
      continue;
    int v = atoi(qe_yaml_node_text(ti));
    const qe_yaml_node *own = set_at(cfg, bit_keys[i].own);
    if (own && atoi(qe_yaml_node_text(own)) != v)
      return qe_yaml_error(ctx, QE_ERR_INVALID, own, "%s is %s, but %s (%s) is %d; keep one",
                           bit_keys[i].own, qe_yaml_node_text(own), bit_keys[i].ti,
                           qe_yaml_node_where(ti, where, sizeof where), v);
    *fields[i] = v;
  }
  if (cfg->activation_bits == 2) {
    n = set_at(cfg, "quantization.activation_bits");
    if (!n)
      n = set_at(cfg, "training.quantization_activation_bitwidth");
    return qe_yaml_error(ctx, QE_ERR_UNSUPPORTED, n,
                         "2-bit activations are not supported; use 8 (or 4) bits for "
                         "activations, weights can still have 2 bits");
  }

  /* TI NPU style (training.quantization: 2): power-of-two scales with
   * 8-bit weights, per-channel weights. */
  if (cfg->ti_quantization == 2) {
    const qe_yaml_node *p2 = set_at(cfg, "quantization.power_of_two");
    if (cfg->weight_bits == 8) {
      if (p2 && !cfg->power_of_two)
        return qe_yaml_error(ctx, QE_ERR_INVALID, p2,
                             "quantization.power_of_two is False, but TI NPU quantization "
                             "(training.quantization: 2) needs power-of-two scales with 8-bit "
                             "weights; remove it or set it to True");
      cfg->power_of_two = true;
    }
    const qe_yaml_node *g = set_at(cfg, "quantization.granularity");
    if (g && cfg->granularity == QE_GRANULARITY_PER_TENSOR)
      return qe_yaml_error(ctx, QE_ERR_INVALID, g,
                           "quantization.granularity is per_tensor, but TI NPU quantization "
                           "(training.quantization: 2) quantizes weights per channel; set it "
                           "to per_channel");
  }

  /* extra_options calib_moving_average: ONNX only, and it is a method. */
  if ((n = set_at(cfg, "quantization.extra_options"))) {
    const qe_yaml_node *cm = set_at(cfg, "quantization.calibration_method");
    if (cfg->quantizer != QE_QUANTIZER_ONNX) {
      qe_yaml_warn(ctx, n,
                   "quantization.extra_options calib_moving_average applies to "
                   "Onnx_quantizer only; it is ignored with %s",
                   quantizer_names[cfg->quantizer]);
    } else if (cm && cfg->calib_method != QE_CALIB_MOVING_AVERAGE) {
      return qe_yaml_error(ctx, QE_ERR_INVALID, cm,
                           "quantization.calibration_method is %s, but "
                           "quantization.extra_options (%s) asks for calib_moving_average; "
                           "keep one",
                           qe_yaml_node_text(cm), qe_yaml_node_where(n, where, sizeof where));
    } else {
      cfg->calib_method = QE_CALIB_MOVING_AVERAGE;
    }
  }
  if (cfg->quantizer == QE_QUANTIZER_ONNX) {
    if (cfg->granularity == QE_GRANULARITY_PER_CHANNEL && cfg->target_opset < 13)
      return qe_yaml_error(ctx, QE_ERR_INVALID, set_at(cfg, "quantization.target_opset"),
                           "quantization.target_opset is %d, but per-channel ONNX QDQ needs "
                           "opset 13 or later; raise it or use granularity per_tensor",
                           cfg->target_opset);
    static const char *const io_keys[] = { "quantization.quantization_input_type",
                                           "quantization.quantization_output_type" };
    for (int i = 0; i < 2; i++)
      if ((n = set_at(cfg, io_keys[i])) && get_choice(cfg, io_keys[i], QE_IO_FLOAT) != QE_IO_FLOAT)
        qe_yaml_warn(ctx, n,
                     "%s %s has no effect with Onnx_quantizer: the QDQ model keeps float "
                     "input and output",
                     io_keys[i], qe_yaml_node_text(n));
  }

  /* Board: Quantizer's key, else the model zoo's, else Tensorlab's. */
  static const char *const board_keys[] = { "quantization.board", "deployment.hardware_setup.board",
                                            "benchmarking.board", "common.target_device" };
  const qe_yaml_node *board_node = NULL;
  for (size_t i = 0; i < QE_ARRAY_LEN(board_keys); i++) {
    if (!(n = set_at(cfg, board_keys[i])))
      continue;
    if (!board_node) {
      board_node = n;
      cfg->board = qe_yaml_node_text(n);
      cfg->board_key = board_keys[i];
    } else if (strcmp(qe_yaml_node_text(n), cfg->board) != 0) {
      qe_yaml_warn(ctx, n, "%s '%s' differs from %s '%s' (%s), which is used", board_keys[i],
                   qe_yaml_node_text(n), cfg->board_key, cfg->board,
                   qe_yaml_node_where(board_node, where, sizeof where));
    }
  }
  if ((cfg->steps & QE_STEP_DEPLOY) && !cfg->board)
    return missing_error(cfg, "quantization", ctx,
                         "operation_mode %s deploys to a board, but no board is set; set "
                         "quantization.board (or deployment.hardware_setup.board)",
                         mode_names[cfg->mode]);

  /* -- evaluation ---------------------------------------------------- */
  int64_t runs = 20, warm = 2;
  qe_yaml_get_int(root, "evaluation.latency_runs", &runs, NULL);
  qe_yaml_get_int(root, "evaluation.warmup_runs", &warm, NULL);
  cfg->latency_runs = (int)runs;
  cfg->warmup_runs = (int)warm;

  /* -- outputs ------------------------------------------------------- */
  const qe_yaml_node *raw_dir = qe_yaml_path(qe_yaml_root(cfg->priv->raw), "hydra.run.dir");
  cfg->output_dir_pattern = raw_dir && !qe_yaml_node_is_null(raw_dir)
                                ? qe_yaml_node_text(raw_dir)
                                : "experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}";
  if ((n = set_at(cfg, "hydra.run.dir"))) {
    cfg->output_dir = absolute_path(cfg, n, qe_yaml_node_text(n), ctx);
  } else {
    /* The default pattern, resolved with the same clock. */
    qe_yaml_doc *tmp = qe_yaml_doc_new("hydra.run.dir default");
    char *dir = NULL;
    if (!tmp || qe_yaml_set_string(tmp, "d", cfg->output_dir_pattern, ctx) != QE_OK ||
        qe_yaml_resolve(tmp, qe_yaml_path(qe_yaml_root(tmp), "d"), opt->now, &dir, ctx) != QE_OK) {
      qe_yaml_doc_free(tmp);
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    }
    qe_yaml_doc_free(tmp);
    cfg->output_dir = absolute_path(cfg, root, dir, ctx);
    free(dir);
  }
  if (!cfg->output_dir)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (qe_yaml_path(root, "mlflow"))
    qe_yaml_warn(ctx, missing_at(cfg, "mlflow"),
                 "mlflow is accepted but not used: Quantizer records every run in its own "
                 "history (SQLite, see 'qz history')");

  /* -- data ---------------------------------------------------------- */
  cfg->dataset_name = get_text(cfg, "dataset.name", get_text(cfg, "dataset.dataset_name", NULL));
  if ((n = set_at(cfg, "dataset.class_names"))) {
    size_t c = qe_yaml_node_count(n);
    cfg->priv->class_names = calloc(c ? c : 1, sizeof(char *));
    if (!cfg->priv->class_names)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c; i++)
      cfg->priv->class_names[i] = qe_yaml_node_text(qe_yaml_node_item(n, i));
    cfg->class_names = cfg->priv->class_names;
    cfg->n_class_names = c;
  }
  static const struct {
    const char *key, *audio_key;
    size_t offset;
  } path_keys[] = {
    { "dataset.training_path", "dataset.training_audio_path", offsetof(qe_config, training_path) },
    { "dataset.validation_path", "dataset.validation_audio_path",
      offsetof(qe_config, validation_path) },
    { "dataset.test_path", "dataset.test_audio_path", offsetof(qe_config, test_path) },
    { "dataset.quantization_path", "dataset.quantization_audio_path",
      offsetof(qe_config, quantization_path) },
    { "dataset.prediction_path", NULL, offsetof(qe_config, prediction_path) },
    { "dataset.training_csv_path", NULL, offsetof(qe_config, training_csv_path) },
    { "dataset.validation_csv_path", NULL, offsetof(qe_config, validation_csv_path) },
    { "dataset.test_csv_path", NULL, offsetof(qe_config, test_csv_path) },
    { "dataset.quantization_csv_path", NULL, offsetof(qe_config, quantization_csv_path) },
  };
  for (size_t i = 0; i < QE_ARRAY_LEN(path_keys); i++) {
    const char **field = (const char **)((char *)cfg + path_keys[i].offset);
    const char *a = NULL, *b = NULL;
    if ((st = get_path(cfg, path_keys[i].key, &a, ctx)) != QE_OK)
      return st;
    if (path_keys[i].audio_key && (st = get_path(cfg, path_keys[i].audio_key, &b, ctx)) != QE_OK)
      return st;
    if (a && b && strcmp(a, b) != 0)
      return qe_yaml_error(ctx, QE_ERR_INVALID, set_at(cfg, path_keys[i].audio_key),
                           "%s and %s name two different places; keep one", path_keys[i].key,
                           path_keys[i].audio_key);
    *field = a ? a : b;
  }
  cfg->validation_split = cfg->test_split = cfg->quantization_split = -1;
  qe_yaml_get_double(root, "dataset.validation_split", &cfg->validation_split, NULL);
  qe_yaml_get_double(root, "dataset.test_split", &cfg->test_split, NULL);
  qe_yaml_get_double(root, "dataset.quantization_split", &cfg->quantization_split, NULL);
  double vs = cfg->validation_split >= 0 ? cfg->validation_split : 0.2;
  if (cfg->test_split > 0 && vs + cfg->test_split >= 1.0)
    return qe_yaml_error(ctx, QE_ERR_INVALID, set_at(cfg, "dataset.test_split"),
                         "dataset.test_split (%g) and validation_split (%g) leave no training "
                         "samples; their sum must be below 1",
                         cfg->test_split, vs);
  cfg->dataset_seed = 123;
  qe_yaml_get_int(root, "dataset.seed", &cfg->dataset_seed, NULL);

  /* What kind of data the sections describe. */
  cfg->data_kind = QE_CONFIG_DATA_AUTO;
  if (set_at(cfg, "feature_extraction") || set_at(cfg, "dataset.training_csv_path") ||
      set_at(cfg, "dataset.training_audio_path") || set_at(cfg, "dataset.test_csv_path") ||
      set_at(cfg, "dataset.quantization_csv_path") || set_at(cfg, "preprocessing.target_rate"))
    cfg->data_kind = QE_CONFIG_DATA_AUDIO;
  else if (set_at(cfg, "preprocessing.rescaling") || set_at(cfg, "preprocessing.resizing") ||
           set_at(cfg, "preprocessing.color_mode"))
    cfg->data_kind = QE_CONFIG_DATA_IMAGES;
  else if (set_at(cfg, "preprocessing.downsampling") ||
           set_at(cfg, "preprocessing.normalization") || set_at(cfg, "preprocessing.time_domain"))
    cfg->data_kind = QE_CONFIG_DATA_SERIES;

  /* Evaluation needs labelled samples; calibration without any falls back
   * to random data, as in the model zoo. */
  bool eval_data = cfg->test_path || cfg->validation_path || cfg->training_path ||
                   cfg->test_csv_path || cfg->validation_csv_path || cfg->training_csv_path;
  if ((cfg->steps & (QE_STEP_EVALUATE_FLOAT | QE_STEP_EVALUATE_QUANTIZED)) && !eval_data)
    return missing_error(cfg, "dataset", ctx,
                         "operation_mode %s evaluates the model, but the dataset section names "
                         "no samples; set dataset.test_path (or validation_path, or "
                         "training_path with a validation_split)",
                         mode_names[cfg->mode]);
  if ((cfg->steps & QE_STEP_PREDICT) && !cfg->prediction_path)
    return missing_error(cfg, "dataset", ctx,
                         "operation_mode prediction needs dataset.prediction_path");
  if ((cfg->steps & QE_STEP_QUANTIZE) && !cfg->quantization_path && !cfg->training_path &&
      !cfg->quantization_csv_path && !cfg->training_csv_path)
    qe_yaml_warn(ctx, missing_at(cfg, "dataset"),
                 "no quantization_path or training_path: the model will be calibrated on "
                 "random data, so its accuracy will not mean anything (size and speed still "
                 "do)");

  /* -- files --------------------------------------------------------- */
  if (opt->check_files) {
    const char *model_key = mp_model ? "model.model_path" : "general.model_path";
    if ((st = check_exists(cfg, model_key, cfg->model_path, ctx)) != QE_OK)
      return st;
    for (size_t i = 0; i < QE_ARRAY_LEN(path_keys); i++) {
      const char *const *field = (const char *const *)((const char *)cfg + path_keys[i].offset);
      const char *key = set_at(cfg, path_keys[i].key) ? path_keys[i].key : path_keys[i].audio_key;
      if (*field && (st = check_exists(cfg, key, *field, ctx)) != QE_OK)
        return st;
    }
  }
  return QE_OK;
}

/* ------------------------------------------------------------------------ */
/* Loading */

static qe_status load(qe_yaml_doc *doc, const qe_config_options *opt_in, qe_config **out,
                      qe_ctx *ctx)
{
  qe_config_options defaults;
  const qe_config_options *opt = opt_in;
  if (!opt) {
    qe_config_options_init(&defaults);
    opt = &defaults;
  }
  qe_config_options o = *opt;
  if (o.now == 0)
    o.now = time(NULL);

  qe_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg || !(cfg->priv = calloc(1, sizeof *cfg->priv))) {
    free(cfg);
    qe_yaml_doc_free(doc);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  cfg->priv->raw = doc;
  cfg->source = qe_yaml_doc_name(doc);
  qe_status st = QE_OK;

  if (o.base_dir) {
    cfg->priv->base_dir = qe_strdup(o.base_dir);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
      st = qe_error(ctx, QE_ERR_IO, "cannot read the current folder: %s", strerror(errno));
      goto fail;
    }
    cfg->priv->base_dir = qe_strdup(cwd);
  }
  if (!cfg->priv->base_dir) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < o.n_overrides; i++)
    if ((st = qe_yaml_override(doc, o.overrides[i], ctx)) != QE_OK)
      goto fail;
  cfg->priv->doc = qe_yaml_doc_copy(doc);
  if (!cfg->priv->doc) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if ((st = qe_yaml_resolve_all(cfg->priv->doc, o.now, ctx)) != QE_OK)
    goto fail;
  if ((st = check_doc(cfg->priv->doc, ctx)) != QE_OK)
    goto fail;
  if ((st = extract(cfg, &o, ctx)) != QE_OK)
    goto fail;
  *out = cfg;
  return QE_OK;
fail:
  qe_config_free(cfg);
  return st;
}

qe_status qe_config_load_file(const char *path, const qe_config_options *opt, qe_config **out,
                              qe_ctx *ctx)
{
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_config_load_file: no output");
  *out = NULL;
  qe_yaml_doc *doc = NULL;
  qe_status st = qe_yaml_load_file(path, &doc, ctx);
  if (st != QE_OK)
    return st;
  return load(doc, opt, out, ctx);
}

qe_status qe_config_load_doc(const qe_yaml_doc *doc, const qe_config_options *opt, qe_config **out,
                             qe_ctx *ctx)
{
  if (!out || !doc)
    return qe_error(ctx, QE_ERR_INVALID, "qe_config_load_doc: no document or no output");
  *out = NULL;
  qe_yaml_doc *copy = qe_yaml_doc_copy(doc);
  if (!copy)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return load(copy, opt, out, ctx);
}

/* ------------------------------------------------------------------------ */
/* Effective configuration */

/* Drop the keys that are not in the table (and not under a free-form
 * section) from @map. */
static qe_status drop_unknown(qe_yaml_doc *doc, const qe_yaml_node *map, const char *prefix,
                              qe_ctx *ctx)
{
  for (size_t i = qe_yaml_node_count(map); i-- > 0;) {
    char path[256];
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", qe_yaml_node_key(map, i));
    const qe_config_key *k = qe_config_key_find(path);
    if (!k) {
      qe_status st = qe_yaml_remove(doc, path, ctx);
      if (st != QE_OK)
        return st;
    } else if (k->type == QE_CFG_SECTION) {
      qe_status st = drop_unknown(doc, qe_yaml_node_item(map, i), path, ctx);
      if (st != QE_OK)
        return st;
    }
  }
  return QE_OK;
}

qe_status qe_config_effective_doc(const qe_config *cfg, qe_yaml_doc **out, qe_ctx *ctx)
{
  if (!cfg || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_config_effective_doc: no configuration");
  *out = NULL;
  /* Start from the resolved document, but keep hydra.run.dir as written
   * so that a repeated run gets a folder of its own. */
  qe_yaml_doc *d = qe_yaml_doc_copy(cfg->priv->doc);
  if (!d)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = drop_unknown(d, qe_yaml_root(d), "", ctx);
#define S(call)      \
  do {               \
    if (st == QE_OK) \
      st = (call);   \
  } while (0)
  S(qe_yaml_set_string(d, "operation_mode", mode_names[cfg->mode], ctx));
  S(qe_yaml_set_string(d, "general.project_name", cfg->project_name, ctx));
  S(qe_yaml_set_string(d, "general.logs_dir", cfg->logs_dir, ctx));
  S(qe_yaml_set_string(d, "general.saved_models_dir", cfg->saved_models_dir, ctx));
  S(qe_yaml_set_int(d, "general.global_seed", cfg->global_seed, ctx));
  S(qe_yaml_set_bool(d, "general.deterministic_ops", cfg->deterministic_ops, ctx));
  S(qe_yaml_set_bool(d, "general.display_figures", cfg->display_figures, ctx));
  if (st == QE_OK && qe_yaml_path(qe_yaml_root(d), "general.model_path"))
    st = qe_yaml_remove(d, "general.model_path", ctx);
  S(qe_yaml_set_string(d, "model.model_path", cfg->model_path, ctx));
  if (st == QE_OK && cfg->input_rank > 0) {
    qe_yaml_node *seq = NULL;
    st = qe_yaml_set_seq(d, "model.input_shape", &seq, ctx);
    for (int i = 0; st == QE_OK && i < cfg->input_rank; i++) {
      char b[32];
      snprintf(b, sizeof b, "%" PRId64, cfg->input_shape[i]);
      st = qe_yaml_seq_append_string(d, seq, b, false, ctx);
    }
  }
  S(qe_yaml_set_string(d, "quantization.quantizer", quantizer_names[cfg->quantizer], ctx));
  S(qe_yaml_set_string(d, "quantization.quantization_type", "PTQ", ctx));
  S(qe_yaml_set_string(d, "quantization.quantization_input_type", io_names[cfg->input_type], ctx));
  S(qe_yaml_set_string(d, "quantization.quantization_output_type", io_names[cfg->output_type],
                       ctx));
  S(qe_yaml_set_string(d, "quantization.granularity", granularity_names[cfg->granularity], ctx));
  S(qe_yaml_set_bool(d, "quantization.optimize", cfg->optimize, ctx));
  S(qe_yaml_set_int(d, "quantization.target_opset", cfg->target_opset, ctx));
  S(qe_yaml_set_string(d, "quantization.export_dir", cfg->export_dir, ctx));
  if (st == QE_OK && qe_yaml_path(qe_yaml_root(d), "quantization.extra_options") &&
      cfg->quantizer != QE_QUANTIZER_ONNX)
    st = qe_yaml_remove(d, "quantization.extra_options", ctx);
  S(qe_yaml_set_string(d, "quantization.calibration_method", calib_names[cfg->calib_method], ctx));
  S(qe_yaml_set_double(d, "quantization.calibration_percentile", cfg->calib_percentile, ctx));
  S(qe_yaml_set_double(d, "quantization.moving_average_constant", cfg->moving_average_constant,
                       ctx));
  S(qe_yaml_set_int(d, "quantization.weight_bits", cfg->weight_bits, ctx));
  S(qe_yaml_set_int(d, "quantization.activation_bits", cfg->activation_bits, ctx));
  S(qe_yaml_set_bool(d, "quantization.power_of_two", cfg->power_of_two, ctx));
  S(qe_yaml_set_bool(d, "quantization.equalization", cfg->equalization, ctx));
  S(qe_yaml_set_bool(d, "quantization.bias_correction", cfg->bias_correction, ctx));
  if (cfg->board)
    S(qe_yaml_set_string(d, "quantization.board", cfg->board, ctx));
  S(qe_yaml_set_int(d, "evaluation.latency_runs", cfg->latency_runs, ctx));
  S(qe_yaml_set_int(d, "evaluation.warmup_runs", cfg->warmup_runs, ctx));
  S(qe_yaml_set_string(d, "hydra.run.dir", cfg->output_dir_pattern, ctx));
  static const struct {
    const char *key;
    size_t offset;
  } paths[] = {
    { "dataset.training_path", offsetof(qe_config, training_path) },
    { "dataset.validation_path", offsetof(qe_config, validation_path) },
    { "dataset.test_path", offsetof(qe_config, test_path) },
    { "dataset.quantization_path", offsetof(qe_config, quantization_path) },
    { "dataset.prediction_path", offsetof(qe_config, prediction_path) },
    { "dataset.training_csv_path", offsetof(qe_config, training_csv_path) },
    { "dataset.validation_csv_path", offsetof(qe_config, validation_csv_path) },
    { "dataset.test_csv_path", offsetof(qe_config, test_csv_path) },
    { "dataset.quantization_csv_path", offsetof(qe_config, quantization_csv_path) },
  };
  static const char *const audio_keys[] = { "dataset.training_audio_path",
                                            "dataset.validation_audio_path",
                                            "dataset.test_audio_path",
                                            "dataset.quantization_audio_path" };
  for (size_t i = 0; st == QE_OK && i < QE_ARRAY_LEN(paths); i++) {
    const char *v = *(const char *const *)((const char *)cfg + paths[i].offset);
    /* Audio folders stay under their *_audio_path names. */
    const char *key = paths[i].key;
    if (i < QE_ARRAY_LEN(audio_keys) && qe_yaml_path(qe_yaml_root(d), audio_keys[i]) &&
        !qe_yaml_node_is_null(qe_yaml_path(qe_yaml_root(d), audio_keys[i])))
      key = audio_keys[i];
    if (v)
      st = qe_yaml_set_string(d, key, v, ctx);
  }
#undef S
  if (st != QE_OK) {
    qe_yaml_doc_free(d);
    return st;
  }
  *out = d;
  return QE_OK;
}

qe_status qe_config_dump(const qe_config *cfg, char **out, size_t *len, qe_ctx *ctx)
{
  qe_yaml_doc *d = NULL;
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_config_dump: no output");
  *out = NULL;
  qe_status st = qe_config_effective_doc(cfg, &d, ctx);
  if (st != QE_OK)
    return st;
  st = qe_yaml_emit(qe_yaml_root(d), out, len, ctx);
  qe_yaml_doc_free(d);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Target checks */

static const qe_yaml_node *blame(const qe_config *cfg, const char *key)
{
  const qe_yaml_node *n = set_at(cfg, key);
  return n ? n : qe_yaml_root(cfg->priv->doc);
}

qe_status qe_config_check_target(const qe_config *cfg, const qe_config_target *t, qe_ctx *ctx)
{
  if (!cfg || !t)
    return qe_error(ctx, QE_ERR_INVALID, "qe_config_check_target: no configuration or target");
  const char *id = t->id ? t->id : "the board";
  static const char *const io_keys[2] = { "quantization.quantization_input_type",
                                          "quantization.quantization_output_type" };
  qe_io_type io[2] = { cfg->input_type, cfg->output_type };
  for (int i = 0; i < 2; i++) {
    if (t->int8_io_only && io[i] != QE_IO_INT8)
      return qe_yaml_error(ctx, QE_ERR_INVALID, blame(cfg, io_keys[i]),
                           "%s is %s, but board %s needs int8 input and output; set it to int8",
                           io_keys[i], io_names[io[i]], id);
    if (t->float_io_forbidden && io[i] == QE_IO_FLOAT)
      return qe_yaml_error(ctx, QE_ERR_INVALID, blame(cfg, io_keys[i]),
                           "%s is float, but board %s runs integer models only; set it to int8 "
                           "or uint8",
                           io_keys[i], id);
  }
  if (t->needs_power_of_two && !cfg->power_of_two)
    return qe_yaml_error(ctx, QE_ERR_INVALID, blame(cfg, "quantization.power_of_two"),
                         "board %s needs power-of-two scales; set quantization.power_of_two to "
                         "True",
                         id);
  if (t->per_tensor_only && cfg->granularity == QE_GRANULARITY_PER_CHANNEL)
    return qe_yaml_error(ctx, QE_ERR_INVALID, blame(cfg, "quantization.granularity"),
                         "quantization.granularity is per_channel, but board %s supports "
                         "per_tensor only; set it to per_tensor",
                         id);
  if (t->weight_bits && !(t->weight_bits & (1u << cfg->weight_bits)))
    return qe_yaml_error(ctx, QE_ERR_INVALID, blame(cfg, "quantization.weight_bits"),
                         "%d-bit weights are not supported by board %s", cfg->weight_bits, id);
  if (t->activation_bits && !(t->activation_bits & (1u << cfg->activation_bits)))
    return qe_yaml_error(ctx, QE_ERR_INVALID, blame(cfg, "quantization.activation_bits"),
                         "%d-bit activations are not supported by board %s", cfg->activation_bits,
                         id);
  return QE_OK;
}
