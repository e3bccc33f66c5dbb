/* qe_config.h - the run configuration: STM32 model zoo user_config.yaml,
 * TI Tiny ML Tensorlab keys and Quantizer's own quantization options.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A key table (qe_config_key_at()) names every key Quantizer reads, with its
 * type, allowed values, default and a one-line help. Loading checks a YAML
 * document against it:
 *   - a value of the wrong type or out of range is an ERROR naming
 *     file:line:column, the key and the value;
 *   - a key not in the table is a WARNING (on the context) with its
 *     location, and a "did you mean" when a sibling key is one typo away;
 *   - sections Quantizer does not use (training hyper-parameters, tools,
 *     deployment details, hydra internals...) are accepted without a word;
 *   - mlflow is accepted, with one warning saying that the run history goes
 *     to Quantizer's SQLite database instead;
 *   - contradictory settings (QAT, a model path given twice with two
 *     values, 2-bit activations, per-channel ONNX below opset 13...) are one
 *     error sentence each, at the location of the key at fault.
 * The result is a qe_config: the effective settings, defaults filled in,
 * paths made absolute, ${now:...} resolved, that the rest of the engine
 * reads, and that qe_config_dump() writes back as YAML (stored with every
 * run, loadable again to repeat the run).
 *
 * Where the model zoo and Tensorlab disagree on a default, the model zoo
 * wins: Quantizer reads model-zoo files first of all.
 */
#ifndef QE_CONFIG_H
#define QE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "qe_core.h"
#include "qe_data.h"
#include "qe_quant_types.h"
#include "qe_yaml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- enumerations (names: qe_config_enum_name) ------------------------- */

/* operation_mode (model zoo services; Quantizer does not train). */
typedef enum qe_op_mode {
  QE_MODE_QUANTIZATION = 0, /* "quantization" */
  QE_MODE_EVALUATION,       /* "evaluation" */
  QE_MODE_BENCHMARKING,     /* "benchmarking" */
  QE_MODE_DEPLOYMENT,       /* "deployment" */
  QE_MODE_PREDICTION,       /* "prediction" */
  QE_MODE_CHAIN_EQE,        /* "chain_eqe": evaluate, quantize, evaluate */
  QE_MODE_CHAIN_QB,         /* "chain_qb": quantize, benchmark */
  QE_MODE_CHAIN_EQEB,       /* "chain_eqeb": evaluate, quantize, evaluate, benchmark */
  QE_MODE_CHAIN_QD,         /* "chain_qd": quantize, deploy */
  QE_MODE_CHAIN_QE,         /* "chain_qe": quantize, evaluate the quantized model */
  /* The model zoo's modes that train: refused with one sentence
   * (qe_op_mode_steps() is 0 for them). */
  QE_MODE_TRAINING,    /* "training" */
  QE_MODE_CHAIN_TQE,   /* "chain_tqe" */
  QE_MODE_CHAIN_TQEB,  /* "chain_tqeb" */
  QE_MODE_CHAIN_TBQEB, /* "chain_tbqeb" */
  QE_MODE_CHAIN_TB,    /* "chain_tb" */
  QE_MODE_COUNT
} qe_op_mode;

/* What a mode does, in order: qe_config.steps is a mask of these. */
typedef enum qe_step {
  QE_STEP_EVALUATE_FLOAT = 1u << 0, /* evaluate the model as given */
  QE_STEP_QUANTIZE = 1u << 1,
  QE_STEP_EVALUATE_QUANTIZED = 1u << 2,
  QE_STEP_BENCHMARK = 1u << 3,
  QE_STEP_DEPLOY = 1u << 4,
  QE_STEP_PREDICT = 1u << 5,
} qe_step;

/* quantization.quantizer: which format the quantized model is written in. */
typedef enum qe_quantizer {
  QE_QUANTIZER_TFLITE = 0, /* "TFlite_converter": full-integer .tflite */
  QE_QUANTIZER_ONNX,       /* "Onnx_quantizer": ONNX QDQ */
  QE_QUANTIZER_COUNT
} qe_quantizer;

/* quantization.quantization_input_type / quantization_output_type */
typedef enum qe_io_type {
  QE_IO_INT8 = 0, /* "int8" */
  QE_IO_UINT8,    /* "uint8" */
  QE_IO_FLOAT,    /* "float" */
  QE_IO_COUNT
} qe_io_type;

/* quantization.granularity (qe_granularity) and
 * quantization.calibration_method (qe_calib_method, Quantizer's own key)
 * are the quantizer's own enumerations: qe_quant_types.h. */

/* What the data section describes (guessed from the keys used). */
typedef enum qe_config_data_kind {
  QE_CONFIG_DATA_AUTO = 0, /* decided from the files */
  QE_CONFIG_DATA_IMAGES,   /* rescaling / resizing / color_mode */
  QE_CONFIG_DATA_AUDIO,    /* *_audio_path, *_csv_path, feature_extraction */
  QE_CONFIG_DATA_SERIES,   /* downsampling / normalization / time_domain */
  QE_CONFIG_DATA_KIND_COUNT
} qe_config_data_kind;

typedef enum qe_config_enum {
  QE_CONFIG_ENUM_MODE,
  QE_CONFIG_ENUM_QUANTIZER,
  QE_CONFIG_ENUM_IO_TYPE,
  QE_CONFIG_ENUM_GRANULARITY,
  QE_CONFIG_ENUM_CALIB,
  QE_CONFIG_ENUM_DATA_KIND,
  QE_CONFIG_ENUM_COUNT
} qe_config_enum;

/* The YAML spelling of @value ("" when out of range). */
const char *qe_config_enum_name(qe_config_enum e, int value);
/* Parse a YAML spelling (exact, then ASCII case-insensitive); -1 if none. */
int qe_config_enum_parse(qe_config_enum e, const char *name);
/* The steps of @mode (0 for the training modes). */
unsigned qe_op_mode_steps(qe_op_mode mode);

/* ---- the key table ----------------------------------------------------- */

typedef enum qe_config_type {
  QE_CFG_SECTION = 0, /* a map of the keys below it */
  QE_CFG_STRING,      /* text */
  QE_CFG_PATH,        /* a file or folder; relative to the base folder */
  QE_CFG_BOOL,        /* True / False */
  QE_CFG_INT,         /* integer within [min, max] */
  QE_CFG_NUMBER,      /* number (fractions such as 1/127.5 too) within [min, max] */
  QE_CFG_CHOICE,      /* one of choices */
  QE_CFG_STRING_LIST, /* [a, b, c] */
  QE_CFG_SHAPE,       /* (4,512,1) or [128, 128, 3] */
  QE_CFG_ANY,         /* anything below is accepted unchecked */
  QE_CFG_TYPE_COUNT
} qe_config_type;

typedef struct qe_config_key {
  const char *path; /* dotted: "quantization.granularity" */
  qe_config_type type;
  const char *const *choices; /* QE_CFG_CHOICE: NULL-terminated */
  double min, max;            /* QE_CFG_INT / QE_CFG_NUMBER bounds (inclusive) */
  const char *def;            /* default as YAML text; NULL: unset / decided elsewhere */
  const char *help;           /* one line, English */
} qe_config_key;

size_t qe_config_key_count(void);
const qe_config_key *qe_config_key_at(size_t index);
/* The entry for @path exactly (sections included), NULL when not in the
 * table (keys under a QE_CFG_ANY section are not listed). */
const qe_config_key *qe_config_key_find(const char *path);
/* "text", "file or folder", "true or false", ... */
const char *qe_config_type_name(qe_config_type type);

/* ---- loading ------------------------------------------------------------ */

typedef struct qe_config_options {
  /* Relative paths in the file are resolved against this folder (the model
   * zoo resolves them against the folder it runs in): NULL = the current
   * working directory. */
  const char *base_dir;
  /* Check that the model and data paths exist (default true). */
  bool check_files;
  /* The time ${now:...} formats (hydra.run.dir); 0 = now. */
  time_t now;
  /* Hydra command-line overrides applied before checking (qe_yaml_override
   * syntax), in order. */
  const char *const *overrides;
  size_t n_overrides;
} qe_config_options;

void qe_config_options_init(qe_config_options *opt);

/* The effective settings. Strings are owned by the qe_config (valid until
 * qe_config_free); NULL means unset. */
typedef struct qe_config {
  const char *source; /* the file (or document name) read */

  qe_op_mode mode;
  unsigned steps; /* qe_step mask */

  /* general */
  const char *project_name;     /* general.project_name; "<unnamed>" */
  const char *logs_dir;         /* general.logs_dir, under output_dir */
  const char *saved_models_dir; /* general.saved_models_dir, under output_dir */
  int64_t global_seed;          /* general.global_seed; 123 */
  bool deterministic_ops;       /* general.deterministic_ops */
  bool display_figures;         /* general.display_figures */

  /* model */
  const char *model_path; /* absolute: model.model_path or general.model_path */
  const char *model_name;
  const char *model_type;
  int input_rank; /* model.input_shape: 0 when not given */
  int64_t input_shape[8];

  /* quantization (model zoo) */
  qe_quantizer quantizer;
  qe_io_type input_type;
  qe_io_type output_type;
  qe_granularity granularity;
  bool optimize;
  int target_opset;
  const char *export_dir; /* under output_dir; "quantized_models" */
  /* quantization (Quantizer's own and Tensorlab's) */
  qe_calib_method calib_method;
  double calib_percentile;        /* percentile method: e.g. 99.99 */
  double moving_average_constant; /* moving-average method: 0.01 */
  int weight_bits;                /* 8, 4 or 2 */
  int activation_bits;            /* 8 or 4 */
  bool power_of_two;              /* scales are powers of two (TI NPU) */
  bool equalization;              /* cross-layer equalization before calibration */
  bool bias_correction;           /* correct the bias shift caused by weight rounding */
  int ti_quantization;            /* training.quantization: -1 unset, 0, 1 or 2 */
  const char *board;              /* target board id as written, NULL = none */
  const char *board_key;          /* the key it came from ("quantization.board", ...) */

  /* evaluation */
  int latency_runs; /* evaluation.latency_runs: timed runs (median reported) */
  int warmup_runs;  /* evaluation.warmup_runs: untimed runs before */

  /* outputs */
  const char *output_dir;         /* hydra.run.dir resolved, absolute */
  const char *output_dir_pattern; /* hydra.run.dir as written */

  /* data (the model zoo's dataset / preprocessing / feature_extraction
   * sections are kept in the document: qe_config_doc()) */
  qe_config_data_kind data_kind;
  const char *dataset_name;
  const char *const *class_names; /* NULL when not given */
  size_t n_class_names;
  const char *training_path, *validation_path, *test_path, *quantization_path,
      *prediction_path; /* absolute (audio: the *_audio_path folders) */
  const char *training_csv_path, *validation_csv_path, *test_csv_path,
      *quantization_csv_path;                              /* audio: the ESC-50 style CSVs */
  double validation_split, test_split, quantization_split; /* < 0 when unset */
  int64_t dataset_seed;

  struct qe_config_private *priv;
} qe_config;

/* Load, override, resolve and check @path. Warnings go to @ctx. @opt may be
 * NULL (defaults). */
qe_status qe_config_load_file(const char *path, const qe_config_options *opt, qe_config **out,
                              qe_ctx *ctx);
/* The same from a document in memory (copied; the GUI's project). */
qe_status qe_config_load_doc(const qe_yaml_doc *doc, const qe_config_options *opt, qe_config **out,
                             qe_ctx *ctx);
void qe_config_free(qe_config *cfg);

/* The checked document (overrides applied, ${...} resolved): the data
 * sections are read from it, and locations of keys found in it. */
const qe_yaml_doc *qe_config_doc(const qe_config *cfg);

/* The effective configuration as YAML: the document as loaded (unknown keys
 * dropped), with every key Quantizer interprets set to its effective value
 * (defaults written out, paths absolute) and hydra.run.dir as written.
 * Loading it again gives the same settings. *out: free(). */
qe_status qe_config_dump(const qe_config *cfg, char **out, size_t *len, qe_ctx *ctx);
/* The same as a document (qe_yaml_doc_free()). */
qe_status qe_config_effective_doc(const qe_config *cfg, qe_yaml_doc **out, qe_ctx *ctx);

/* The dataset, preprocessing and feature_extraction sections (and
 * model.input_shape) as the data engine's options, with its defaults for
 * what is not set; strings are borrowed from @cfg. *kind (may be NULL)
 * receives the kind of data the sections describe (QE_DATA_AUTO when they
 * do not say). The data engine's own checks run too. */
qe_status qe_config_data_options(const qe_config *cfg, qe_data_options *out, qe_data_kind *kind,
                                 qe_ctx *ctx);

/* What a target board imposes, filled by the caller from the board's
 * description (targets/). */
typedef struct qe_config_target {
  const char *id;          /* board id for messages */
  bool int8_io_only;       /* input and output tensors must be int8 */
  bool float_io_forbidden; /* no float input/output (integer-only runtime) */
  bool needs_power_of_two; /* scales must be powers of two (NPU) */
  bool per_tensor_only;    /* no per-channel weights */
  unsigned weight_bits;    /* mask: bit b set when b-bit weights work; 0 = any */
  unsigned activation_bits;
} qe_config_target;

/* Check the settings against @target: the first contradiction is an error
 * sentence at the key's location ("user_config.yaml:14:29:
 * quantization.quantization_output_type is uint8, but board F28P55 needs
 * int8 input and output; set it to int8"). */
qe_status qe_config_check_target(const qe_config *cfg, const qe_config_target *target, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_CONFIG_H */
