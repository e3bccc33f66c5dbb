/* test-config.c - the run configuration: the seed examples (model zoo image
 * classification, audio event detection, arc fault detection; Tensorlab)
 * load without errors, the effective configuration round-trips, and bad
 * input gives one sentence at the exact location.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qe/qe.h"
#include "qe/qe_config.h"
#include "qe/qe_fileutil.h"
#include "qz-check-fatal.h"

#define CHECK_STR(got, expected)                                                                   \
  do {                                                                                             \
    const char *g_ = (got), *e_ = (expected);                                                      \
    if (strcmp(g_, e_) != 0) {                                                                     \
      fprintf(stderr, "%s:%d: text differs\n  got:      %s\n  expected: %s\n", __FILE__, __LINE__, \
              g_, e_);                                                                             \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static char src_dir[1024], fixture[1024];
static time_t fixed_now;

static void touch(const char *rel, bool dir)
{
  char path[2048];
  qe_ctx *ctx = qe_ctx_new();
  snprintf(path, sizeof path, "%s/%s", fixture, rel);
  if (dir) {
    CHECK(qe_mkdir_p(path, ctx) == QE_OK);
  } else {
    char parent[2048];
    snprintf(parent, sizeof parent, "%s", path);
    *strrchr(parent, '/') = '\0';
    CHECK(qe_mkdir_p(parent, ctx) == QE_OK);
    CHECK(qe_write_file_atomic(path, "x", 1, ctx) == QE_OK);
  }
  qe_ctx_free(ctx);
}

/* The places the example files name, relative to the fixture folder. Only
 * their existence is checked here; the data tests read real data. */
static void make_fixture(void)
{
  const char *build = getenv("QZ_BUILD_ROOT");
  snprintf(fixture, sizeof fixture, "%s/tests/config/fixture", build ? build : ".");
  touch("models/mobilenet_v2_0.35_128_fft.tflite", false);
  touch("models/yamnet_esc10.tflite", false);
  touch("models/st_conv_freq_4channels_512.tflite", false);
  touch("datasets/flower_photos/daisy", true);
  touch("datasets/ESC-50/audio", true);
  touch("datasets/ESC-50/meta/esc50.csv", false);
  touch("datasets/afd_test_bench/Arc_and_Normal_train.csv", false);
}

static qe_config_options options(void)
{
  qe_config_options o;
  qe_config_options_init(&o);
  o.base_dir = fixture;
  o.now = fixed_now;
  return o;
}

static qe_config *load_example(const char *name, qe_ctx *ctx, const char *const *ov, size_t n_ov)
{
  char path[2048];
  snprintf(path, sizeof path, "%s/tests/config/configs/%s", src_dir, name);
  qe_config_options o = options();
  o.overrides = ov;
  o.n_overrides = n_ov;
  qe_config *cfg = NULL;
  qe_ctx_clear_warnings(ctx);
  if (qe_config_load_file(path, &o, &cfg, ctx) != QE_OK) {
    fprintf(stderr, "%s: %s\n", name, qe_ctx_error(ctx));
    exit(1);
  }
  /* No example key is unknown to Quantizer. */
  for (size_t i = 0; i < qe_ctx_warning_count(ctx); i++) {
    fprintf(stderr, "  warning: %s\n", qe_ctx_warning(ctx, i));
    CHECK(strstr(qe_ctx_warning(ctx, i), "unknown key") == NULL);
  }
  return cfg;
}

static bool has_warning(qe_ctx *ctx, const char *text)
{
  for (size_t i = 0; i < qe_ctx_warning_count(ctx); i++)
    if (strstr(qe_ctx_warning(ctx, i), text))
      return true;
  return false;
}

static char *fixture_path(const char *rel)
{
  static char buf[4][2048];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", fixture, rel);
  return buf[k];
}

/* Dump, load the dump again, dump again: the same text. */
static void check_roundtrip(qe_config *cfg, qe_ctx *ctx)
{
  char *text = NULL;
  size_t len = 0;
  CHECK(qe_config_dump(cfg, &text, &len, ctx) == QE_OK);
  qe_yaml_doc *doc = NULL;
  CHECK(qe_yaml_load_string(text, len, "effective.yaml", &doc, ctx) == QE_OK);
  qe_config_options o = options();
  o.base_dir = "/nonexistent"; /* paths in the dump are absolute */
  qe_config *again = NULL;
  if (qe_config_load_doc(doc, &o, &again, ctx) != QE_OK) {
    fprintf(stderr, "reloading the dump: %s\n%s", qe_ctx_error(ctx), text);
    exit(1);
  }
  char *text2 = NULL;
  CHECK(qe_config_dump(again, &text2, NULL, ctx) == QE_OK);
  CHECK_STR(text2, text);
  CHECK(again->mode == cfg->mode && again->steps == cfg->steps);
  CHECK(strcmp(again->output_dir_pattern, cfg->output_dir_pattern) == 0);
  CHECK(strcmp(again->model_path, cfg->model_path) == 0);
  CHECK(again->weight_bits == cfg->weight_bits && again->power_of_two == cfg->power_of_two);
  CHECK(again->calib_method == cfg->calib_method);
  free(text2);
  free(text);
  qe_config_free(again);
  qe_yaml_doc_free(doc);
}

static void test_flowers(qe_ctx *ctx)
{
  qe_config *cfg = load_example("flowers_quantization.yaml", ctx, NULL, 0);
  CHECK(cfg->mode == QE_MODE_QUANTIZATION && cfg->steps == QE_STEP_QUANTIZE);
  CHECK_STR(cfg->model_path, fixture_path("models/mobilenet_v2_0.35_128_fft.tflite"));
  CHECK(cfg->quantizer == QE_QUANTIZER_TFLITE);
  CHECK(cfg->input_type == QE_IO_UINT8 && cfg->output_type == QE_IO_FLOAT);
  CHECK(cfg->granularity == QE_GRANULARITY_PER_CHANNEL && !cfg->optimize);
  CHECK(cfg->target_opset == 17);
  /* calib_moving_average applies to the ONNX quantizer only. */
  CHECK(cfg->calib_method == QE_CALIB_MINMAX);
  CHECK(has_warning(ctx, "flowers_quantization.yaml:34:18: quantization.extra_options "
                         "calib_moving_average applies to Onnx_quantizer only"));
  CHECK(has_warning(ctx, "flowers_quantization.yaml:40:1: mlflow is accepted but not used"));
  CHECK(cfg->data_kind == QE_CONFIG_DATA_IMAGES);
  CHECK(cfg->n_class_names == 5 && strcmp(cfg->class_names[2], "roses") == 0);
  CHECK_STR(cfg->quantization_path, fixture_path("datasets/flower_photos"));
  CHECK(cfg->test_path == NULL && cfg->quantization_split == 0.4 && cfg->dataset_seed == 0);
  CHECK(cfg->validation_split < 0);
  CHECK_STR(cfg->output_dir, fixture_path("experiments_outputs/2024_03_05_06_07_08"));
  CHECK_STR(cfg->output_dir_pattern, "./experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}");
  CHECK_STR(cfg->export_dir, "quantized_models");
  CHECK(cfg->board == NULL);
  /* The data sections stay readable in the document. */
  double scale = 0;
  CHECK(qe_yaml_get_double(qe_yaml_root(qe_config_doc(cfg)), "preprocessing.rescaling.scale",
                           &scale, ctx) == QE_OK &&
        scale == 1 / 127.5);
  check_roundtrip(cfg, ctx);

  /* The effective configuration writes defaults out. */
  char *text = NULL;
  CHECK(qe_config_dump(cfg, &text, NULL, ctx) == QE_OK);
  CHECK(strstr(text, "calibration_method: minmax\n") != NULL);
  CHECK(strstr(text, "weight_bits: 8\n") != NULL);
  CHECK(strstr(text, "global_seed: 123\n") != NULL);
  CHECK(strstr(text, "dir: ./experiments_outputs/${now:%Y_%m_%d_%H_%M_%S}\n") != NULL);
  CHECK(strstr(text, "extra_options") == NULL);
  CHECK(strstr(text, "scale: 1/127.5") != NULL);
  free(text);
  qe_config_free(cfg);

  /* The same file quantized with ONNX: the moving average is used. */
  const char *ov[] = { "quantization.quantizer=Onnx_quantizer", "operation_mode=chain_qb" };
  cfg = load_example("flowers_quantization.yaml", ctx, ov, 2);
  CHECK(cfg->quantizer == QE_QUANTIZER_ONNX && cfg->calib_method == QE_CALIB_MOVING_AVERAGE);
  CHECK(cfg->steps == (QE_STEP_QUANTIZE | QE_STEP_BENCHMARK));
  CHECK(has_warning(ctx, "quantization.quantization_input_type uint8 has no effect with "
                         "Onnx_quantizer"));
  check_roundtrip(cfg, ctx);
  qe_config_free(cfg);
}

static void test_esc10(qe_ctx *ctx)
{
  qe_config *cfg = load_example("esc10_quantization.yaml", ctx, NULL, 0);
  CHECK(cfg->mode == QE_MODE_QUANTIZATION);
  CHECK_STR(cfg->project_name, "myproject");
  CHECK(cfg->global_seed == 120 && !cfg->deterministic_ops && cfg->display_figures);
  CHECK(cfg->data_kind == QE_CONFIG_DATA_AUDIO);
  CHECK(cfg->n_class_names == 10 && strcmp(cfg->class_names[9], "sea_waves") == 0);
  CHECK_STR(cfg->training_path, fixture_path("datasets/ESC-50/audio"));
  CHECK_STR(cfg->training_csv_path, fixture_path("datasets/ESC-50/meta/esc50.csv"));
  CHECK(cfg->validation_split == 0.2 && cfg->quantization_split == 0.1);
  CHECK(cfg->quantization_path == NULL);
  CHECK(cfg->input_type == QE_IO_FLOAT && cfg->output_type == QE_IO_UINT8);
  CHECK(cfg->granularity == QE_GRANULARITY_PER_CHANNEL);
  CHECK(cfg->dataset_seed == 120);
  CHECK(qe_ctx_warning_count(ctx) == 0);
  const qe_yaml_node *fe = qe_yaml_path(qe_yaml_root(qe_config_doc(cfg)), "feature_extraction");
  CHECK(qe_yaml_node_count(fe) == 16);
  check_roundtrip(cfg, ctx);
  qe_config_free(cfg);

  /* The audio guide's Windows paths are read with '/'. */
  const char *ov[] = { "dataset.training_csv_path=datasets\\ESC-50\\meta\\esc50.csv" };
  cfg = load_example("esc10_quantization.yaml", ctx, ov, 1);
  CHECK_STR(cfg->training_csv_path, fixture_path("datasets/ESC-50/meta/esc50.csv"));
  CHECK(has_warning(ctx, "is written with '\\' (Windows)"));
  qe_config_free(cfg);
}

static void test_afd(qe_ctx *ctx)
{
  qe_config *cfg = load_example("afd_quantization.yaml", ctx, NULL, 0);
  CHECK(cfg->mode == QE_MODE_QUANTIZATION);
  CHECK(cfg->input_rank == 3 && cfg->input_shape[0] == 4 && cfg->input_shape[1] == 512 &&
        cfg->input_shape[2] == 1);
  CHECK(cfg->model_name == NULL);
  CHECK(cfg->deterministic_ops && cfg->global_seed == 123);
  CHECK(cfg->data_kind == QE_CONFIG_DATA_SERIES);
  CHECK_STR(cfg->training_path, fixture_path("datasets/afd_test_bench/Arc_and_Normal_train.csv"));
  CHECK_STR(cfg->quantization_path, cfg->training_path);
  CHECK(cfg->validation_split < 0 && cfg->test_split < 0 && cfg->quantization_split < 0);
  CHECK_STR(cfg->output_dir, fixture_path("tf/src/experiments_outputs/2024_03_05_06_07_08"));
  CHECK(cfg->input_type == QE_IO_INT8 && cfg->output_type == QE_IO_INT8);
  check_roundtrip(cfg, ctx);

  /* uint8 output with a board that needs int8: one sentence at the key. */
  qe_config_free(cfg);
  const char *ov[] = { "quantization.quantization_output_type=uint8" };
  cfg = load_example("afd_quantization.yaml", ctx, ov, 1);
  qe_config_target t = { .id = "NUCLEO-H743ZI2", .int8_io_only = true };
  CHECK(qe_config_check_target(cfg, &t, ctx) == QE_ERR_INVALID);
  CHECK_STR(qe_ctx_error(ctx),
            "override 'quantization.quantization_output_type=uint8':1:1: "
            "quantization.quantization_output_type is uint8, but board NUCLEO-H743ZI2 needs "
            "int8 input and output; set it to int8");
  qe_config_free(cfg);
  cfg = load_example("esc10_quantization.yaml", ctx, NULL, 0);
  CHECK(qe_config_check_target(cfg, &t, ctx) == QE_ERR_INVALID);
  CHECK(strstr(qe_ctx_error(ctx), "configs/esc10_quantization.yaml:75:29: "
                                  "quantization.quantization_input_type is float, but board "
                                  "NUCLEO-H743ZI2 needs int8 input and output; set it to int8"));
  qe_config_free(cfg);
}

static void test_tensorlab(qe_ctx *ctx)
{
  qe_config *cfg = load_example("tensorlab_arc_fault.yaml", ctx, NULL, 0);
  /* No operation_mode: evaluate, quantize, evaluate. */
  CHECK(cfg->mode == QE_MODE_CHAIN_EQE);
  CHECK(cfg->ti_quantization == 2 && cfg->power_of_two);
  CHECK(cfg->weight_bits == 8 && cfg->activation_bits == 8);
  CHECK_STR(cfg->board, "F28P55");
  CHECK_STR(cfg->board_key, "common.target_device");
  CHECK_STR(cfg->model_name, "CLS_4k_NPU");
  qe_config_target t = { .id = "F28P55",
                         .needs_power_of_two = true,
                         .weight_bits = (1u << 8) | (1u << 4) | (1u << 2) };
  CHECK(qe_config_check_target(cfg, &t, ctx) == QE_OK);
  check_roundtrip(cfg, ctx);
  qe_config_free(cfg);

  const char *ov4[] = { "training.quantization_weight_bitwidth=4", "training.quantization=1" };
  cfg = load_example("tensorlab_arc_fault.yaml", ctx, ov4, 2);
  CHECK(cfg->weight_bits == 4 && !cfg->power_of_two);
  qe_config_free(cfg);
}

/* Load @text as "bad.yaml" (through a file when @via_file) and expect
 * @status with @message. */
static void expect_error(const char *text, const char *const *ov, size_t n_ov, qe_status status,
                         const char *message)
{
  qe_ctx *ctx = qe_ctx_new();
  char path[2048];
  snprintf(path, sizeof path, "%s/bad.yaml", fixture);
  CHECK(qe_write_file_atomic(path, text, strlen(text), ctx) == QE_OK);
  qe_config_options o = options();
  o.overrides = ov;
  o.n_overrides = n_ov;
  qe_config *cfg = NULL;
  qe_status st = qe_config_load_file(path, &o, &cfg, ctx);
  char expected[4096];
  /* "@" in the message stands for the file's path. */
  size_t used = 0;
  for (const char *m = message; *m && used + strlen(path) + 2 < sizeof expected; m++) {
    if (*m == '@') {
      memcpy(expected + used, path, strlen(path));
      used += strlen(path);
    } else {
      expected[used++] = *m;
    }
  }
  expected[used] = '\0';
  if (st != status || cfg != NULL || strcmp(qe_ctx_error(ctx), expected) != 0) {
    fprintf(stderr, "for:\n%s\n  status:   %d (expected %d)\n  got:      %s\n  expected: %s\n",
            text, st, status, qe_ctx_error(ctx), expected);
    exit(1);
  }
  qe_ctx_free(ctx);
}

static void test_bad_input(void)
{
  const char *head = "operation_mode: quantization\n"
                     "model:\n"
                     "  model_path: models/st_conv_freq_4channels_512.tflite\n";
  char text[4096];

  /* Syntax errors. */
  expect_error("operation_mode: quantization\nmodel:\n  model_path: [a\n", NULL, 0, QE_ERR_PARSE,
               "@:4:1: did not find expected ',' or ']' while parsing a flow sequence (line 3)");
  expect_error("general:\n  project_name: a\n   logs_dir: b\n", NULL, 0, QE_ERR_PARSE,
               "@:3:12: mapping values are not allowed in this context");
  expect_error("a:\n\tb: 1\n", NULL, 0, QE_ERR_PARSE,
               "@:2:1: found character that cannot start any token while scanning for the next "
               "token (line 2)");

  /* Wrong types. */
  snprintf(text, sizeof text, "%sgeneral:\n  global_seed: abc\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:16: general.global_seed must be an integer, not 'abc'");
  snprintf(text, sizeof text, "%squantization:\n  granularity: per-chanel\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:16: quantization.granularity must be one of per_channel, per_tensor, not "
               "'per-chanel'");
  snprintf(text, sizeof text, "%squantization:\n  optimize: maybe\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:13: quantization.optimize must be true or false, not 'maybe'");
  snprintf(text, sizeof text, "%sdataset:\n  class_names: daisy\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:16: dataset.class_names must be a list such as [a, b, c], not 'daisy'");
  snprintf(text, sizeof text, "%spreprocessing:\n  rescaling: 0.5\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:14: preprocessing.rescaling must be a section of keys (indented below it), "
               "not '0.5'");
  snprintf(text, sizeof text, "%sdataset:\n  quantization_split: 1.5\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:23: dataset.quantization_split must be between 0 and 1, not 1.5");
  snprintf(text, sizeof text, "%squantization:\n  target_opset: 9\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:17: quantization.target_opset must be between 10 and 17, not 9");
  expect_error("operation_mode: quantization\nmodel:\n  model_path: m\n  input_shape: (4,x,1)\n",
               NULL, 0, QE_ERR_INVALID,
               "@:4:16: model.input_shape must be a shape such as (4,512,1) or [128, 128, 3], "
               "not '(4,x,1)'");
  expect_error("operation_mode: quantise\n", NULL, 0, QE_ERR_INVALID,
               "@:1:17: operation_mode must be one of quantization, evaluation, benchmarking, "
               "deployment, prediction, chain_eqe, chain_qb, chain_eqeb, chain_qd or chain_qe, "
               "not 'quantise'");
  expect_error("- a\n- b\n", NULL, 0, QE_ERR_INVALID,
               "@:1:1: a configuration is a map of sections (general:, dataset:, ...), not a "
               "list");
  const char *ov_bad[] = { "quantization.weight_bits=3" };
  expect_error(head, ov_bad, 1, QE_ERR_INVALID,
               "override 'quantization.weight_bits=3':1:1: quantization.weight_bits must be "
               "one of 8, 4, 2, not '3'");

  /* Missing required settings and paths. */
  expect_error("general:\n  project_name: x\n", NULL, 0, QE_ERR_INVALID,
               "@: operation_mode is missing; set it to quantization, evaluation, "
               "benchmarking, deployment, prediction, chain_eqe, chain_qb, chain_eqeb, "
               "chain_qd or chain_qe");
  expect_error("operation_mode: quantization\ngeneral:\n  project_name: x\n", NULL, 0,
               QE_ERR_INVALID,
               "@: model.model_path is missing: operation_mode quantization needs the model "
               "to quantize");
  expect_error("operation_mode: evaluation\nmodel:\n  model_name: x\n", NULL, 0, QE_ERR_INVALID,
               "@:2:1: model.model_path is missing: operation_mode evaluation needs the model "
               "to work on");
  snprintf(text, sizeof text, "%s", head);
  text[0] = '\0';
  snprintf(text, sizeof text,
           "operation_mode: quantization\nmodel:\n  model_path: models/missing.onnx\n");
  char msg[2048];
  snprintf(msg, sizeof msg,
           "@:3:15: model.model_path: '%s/models/missing.onnx': no such file or folder", fixture);
  expect_error(text, NULL, 0, QE_ERR_IO, msg);
  snprintf(text, sizeof text, "%sdataset:\n  quantization_path: datasets/nothing_here\n", head);
  snprintf(msg, sizeof msg,
           "@:5:22: dataset.quantization_path: '%s/datasets/nothing_here': no such file or "
           "folder",
           fixture);
  expect_error(text, NULL, 0, QE_ERR_IO, msg);
  snprintf(text, sizeof text, "%sdataset:\n  class_names: [a, b]\n", head);
  const char *ov_eqe[] = { "operation_mode=chain_eqe" };
  expect_error(text, ov_eqe, 1, QE_ERR_INVALID,
               "@:4:1: operation_mode chain_eqe evaluates the model, but the dataset section "
               "names no samples; set dataset.test_path (or validation_path, or training_path "
               "with a validation_split)");
  const char *ov_qd[] = { "operation_mode=chain_qd" };
  expect_error(head, ov_qd, 1, QE_ERR_INVALID,
               "@: operation_mode chain_qd deploys to a board, but no board is set; set "
               "quantization.board (or deployment.hardware_setup.board)");

  /* Contradictions. */
  snprintf(text, sizeof text, "%squantization:\n  quantization_type: QAT\n", head);
  expect_error(text, NULL, 0, QE_ERR_UNSUPPORTED,
               "@:5:22: quantization.quantization_type is QAT, but Quantizer does post-training "
               "quantization (PTQ) only; set it to PTQ, or train with QAT in your training "
               "tool and give Quantizer the result");
  snprintf(text, sizeof text,
           "%straining:\n  quantization: 2\n  quantization_method: 'QAT'\n"
           "  quantization_weight_bitwidth: 8\n",
           head);
  expect_error(text, NULL, 0, QE_ERR_UNSUPPORTED,
               "@:6:24: training.quantization_method is QAT, but Quantizer does post-training "
               "quantization (PTQ) only; set it to PTQ");
  expect_error("operation_mode: chain_tqe\n", NULL, 0, QE_ERR_UNSUPPORTED,
               "@:1:17: operation_mode 'chain_tqe' includes training, which Quantizer does not "
               "do; train the model first, then use chain_qe with model.model_path");
  snprintf(text, sizeof text, "%sgeneral:\n  model_path: models/yamnet_esc10.tflite\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:15: general.model_path and model.model_path (@:3:15) name two different "
               "models; keep only model.model_path");
  snprintf(text, sizeof text, "%squantization:\n  activation_bits: 2\n", head);
  expect_error(text, NULL, 0, QE_ERR_UNSUPPORTED,
               "@:5:20: 2-bit activations are not supported; use 8 (or 4) bits for "
               "activations, weights can still have 2 bits");
  snprintf(text, sizeof text,
           "%squantization:\n  weight_bits: 4\ntraining:\n  quantization: 1\n"
           "  quantization_weight_bitwidth: 8\n",
           head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:16: quantization.weight_bits is 4, but "
               "training.quantization_weight_bitwidth (@:8:33) is 8; keep one");
  snprintf(text, sizeof text,
           "%squantization:\n  power_of_two: False\ntraining:\n  quantization: 2\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:17: quantization.power_of_two is False, but TI NPU quantization "
               "(training.quantization: 2) needs power-of-two scales with 8-bit weights; "
               "remove it or set it to True");
  snprintf(text, sizeof text, "%squantization:\n  quantizer: Onnx_quantizer\n  target_opset: 11\n",
           head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:6:17: quantization.target_opset is 11, but per-channel ONNX QDQ needs opset "
               "13 or later; raise it or use granularity per_tensor");
  snprintf(text, sizeof text,
           "%squantization:\n  quantizer: Onnx_quantizer\n  extra_options: calib_moving_average\n"
           "  calibration_method: entropy\n",
           head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:7:23: quantization.calibration_method is entropy, but "
               "quantization.extra_options (@:6:18) asks for calib_moving_average; keep one");
  snprintf(text, sizeof text, "%straining:\n  quantization: 0\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:5:17: training.quantization is 0 (keep the model in floating point), but "
               "operation_mode quantization asks to quantize it; set training.quantization to "
               "1 or 2");
  snprintf(text, sizeof text,
           "%sdataset:\n  training_path: datasets/flower_photos\n"
           "  test_split: 0.5\n  validation_split: 0.5\n",
           head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:6:15: dataset.test_split (0.5) and validation_split (0.5) leave no training "
               "samples; their sum must be below 1");
  /* Interpolation errors name the key. */
  snprintf(text, sizeof text, "%shydra:\n  run:\n    dir: out/${nowww:%%Y}\n", head);
  expect_error(text, NULL, 0, QE_ERR_INVALID,
               "@:6:10: unknown resolver 'nowww' in '${nowww:%Y}' (known: now, oc.env)");
}

static void test_warnings(qe_ctx *ctx)
{
  const char *text = "operation_mode: quantization\n"
                     "model:\n"
                     "  model_path: models/st_conv_freq_4channels_512.tflite\n"
                     "quantization:\n"
                     "  granularty: per_tensor\n"
                     "  model_path: x\n"
                     "general:\n"
                     "  quantizer: x\n"
                     "extra_section:\n"
                     "  a: 1\n"
                     "tools:\n"
                     "  stedgeai:\n"
                     "    version: 10.0\n"
                     "training:\n"
                     "  epochs: 100\n"
                     "deployment:\n"
                     "  hardware_setup:\n"
                     "    serie: STM32H7\n"
                     "    board: NUCLEO-H743ZI2\n"
                     "benchmarking:\n"
                     "  board: B-U585I-IOT02A\n";
  qe_yaml_doc *doc = NULL;
  CHECK(qe_yaml_load_string(text, strlen(text), "warn.yaml", &doc, ctx) == QE_OK);
  qe_config_options o = options();
  qe_config *cfg = NULL;
  qe_ctx_clear_warnings(ctx);
  CHECK(qe_config_load_doc(doc, &o, &cfg, ctx) == QE_OK);
  const char *expected[] = {
    "warn.yaml:5:3: unknown key 'quantization.granularty' is ignored; did you mean "
    "'granularity'?",
    "warn.yaml:6:3: unknown key 'quantization.model_path' is ignored; it belongs in "
    "'general.model_path'",
    "warn.yaml:8:3: unknown key 'general.quantizer' is ignored; it belongs in "
    "'quantization.quantizer'",
    "warn.yaml:9:1: unknown key 'extra_section' is ignored",
    "warn.yaml:21:10: benchmarking.board 'B-U585I-IOT02A' differs from "
    "deployment.hardware_setup.board 'NUCLEO-H743ZI2' (warn.yaml:19:12), which is used",
    "warn.yaml:1:1: no quantization_path or training_path: the model will be calibrated on "
    "random data, so its accuracy will not mean anything (size and speed still do)",
  };
  for (size_t i = 0; i < qe_ctx_warning_count(ctx); i++)
    fprintf(stderr, "  warning: %s\n", qe_ctx_warning(ctx, i));
  CHECK(qe_ctx_warning_count(ctx) == sizeof expected / sizeof expected[0]);
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
    CHECK_STR(qe_ctx_warning(ctx, i), expected[i]);
  CHECK_STR(cfg->board, "NUCLEO-H743ZI2");
  CHECK(cfg->granularity == QE_GRANULARITY_PER_CHANNEL);
  /* Unknown keys are not in the effective configuration; free-form
   * sections are kept. */
  char *dump = NULL;
  CHECK(qe_config_dump(cfg, &dump, NULL, ctx) == QE_OK);
  CHECK(strstr(dump, "granularty") == NULL && strstr(dump, "extra_section") == NULL);
  CHECK(strstr(dump, "epochs: 100") != NULL && strstr(dump, "version: 10.0") != NULL);
  free(dump);
  qe_config_free(cfg);
  qe_yaml_doc_free(doc);
}

/* Every default in the key table is what the effective configuration
 * holds when the key is not set. */
static void test_table_defaults(qe_ctx *ctx)
{
  const char *text = "operation_mode: quantization\n"
                     "model:\n"
                     "  model_path: models/st_conv_freq_4channels_512.tflite\n";
  qe_yaml_doc *doc = NULL;
  CHECK(qe_yaml_load_string(text, strlen(text), "min.yaml", &doc, ctx) == QE_OK);
  qe_config_options o = options();
  qe_config *cfg = NULL;
  CHECK(qe_config_load_doc(doc, &o, &cfg, ctx) == QE_OK);
  qe_yaml_doc *eff = NULL;
  CHECK(qe_config_effective_doc(cfg, &eff, ctx) == QE_OK);
  size_t checked = 0;
  for (size_t i = 0; i < qe_config_key_count(); i++) {
    const qe_config_key *k = qe_config_key_at(i);
    CHECK(k && k->path && k->help && k->help[0]);
    CHECK(qe_config_key_find(k->path) == k);
    if (k->type == QE_CFG_CHOICE)
      CHECK(k->choices && k->choices[0]);
    if (!k->def)
      continue;
    const qe_yaml_node *n = qe_yaml_path(qe_yaml_root(eff), k->path);
    if (!n)
      continue; /* e.g. dataset.seed: read by the data engine */
    checked++;
    const char *v = qe_yaml_node_text(n);
    double a, b;
    bool same = strcmp(v, k->def) == 0 ||
                (sscanf(v, "%lf", &a) == 1 && sscanf(k->def, "%lf", &b) == 1 && a == b);
    if (!same) {
      fprintf(stderr, "%s: default '%s' in the table, '%s' in effect\n", k->path, k->def, v);
      exit(1);
    }
  }
  CHECK(checked >= 20);
  CHECK(qe_config_key_find("nope") == NULL);
  CHECK(strcmp(qe_config_type_name(QE_CFG_SHAPE), "a shape such as (4,512,1)") == 0);
  CHECK(strcmp(qe_config_enum_name(QE_CONFIG_ENUM_CALIB, QE_CALIB_MSE), "mse") == 0);
  CHECK(qe_config_enum_parse(QE_CONFIG_ENUM_QUANTIZER, "onnx_quantizer") == QE_QUANTIZER_ONNX);
  CHECK(qe_config_enum_parse(QE_CONFIG_ENUM_MODE, "bogus") == -1);
  CHECK(qe_op_mode_steps(QE_MODE_CHAIN_EQEB) == (QE_STEP_EVALUATE_FLOAT | QE_STEP_QUANTIZE |
                                                 QE_STEP_EVALUATE_QUANTIZED | QE_STEP_BENCHMARK));
  qe_yaml_doc_free(eff);
  qe_config_free(cfg);
  qe_yaml_doc_free(doc);
}

/* Every operation_mode of the model zoo's guides (../shared/seeds/ and the
 * model zoo's stm32ai_main.py): those Quantizer can run load with their
 * steps; those that train are one sentence naming the mode, never a list
 * of choices. */
static void test_modes(qe_ctx *ctx)
{
  static const struct {
    const char *name;
    unsigned steps;
  } runs[] = {
    { "quantization", QE_STEP_QUANTIZE },
    { "evaluation", QE_STEP_EVALUATE_FLOAT },
    { "benchmarking", QE_STEP_BENCHMARK },
    { "deployment", QE_STEP_DEPLOY },
    { "prediction", QE_STEP_PREDICT },
    { "chain_eqe", QE_STEP_EVALUATE_FLOAT | QE_STEP_QUANTIZE | QE_STEP_EVALUATE_QUANTIZED },
    { "chain_qb", QE_STEP_QUANTIZE | QE_STEP_BENCHMARK },
    { "chain_eqeb",
      QE_STEP_EVALUATE_FLOAT | QE_STEP_QUANTIZE | QE_STEP_EVALUATE_QUANTIZED | QE_STEP_BENCHMARK },
    { "chain_qd", QE_STEP_QUANTIZE | QE_STEP_DEPLOY },
    { "chain_qe", QE_STEP_QUANTIZE | QE_STEP_EVALUATE_QUANTIZED },
  };
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    char mode[64];
    snprintf(mode, sizeof mode, "operation_mode=%s", runs[i].name);
    /* a board for deployment, a folder for prediction */
    const char *ov[] = { mode, "quantization.board=nucleo-f446re",
                         "dataset.prediction_path=datasets/ESC-50/audio" };
    qe_config *cfg = load_example("esc10_quantization.yaml", ctx, ov, 3);
    CHECK(cfg->steps == runs[i].steps);
    CHECK_STR(qe_config_enum_name(QE_CONFIG_ENUM_MODE, (int)cfg->mode), runs[i].name);
    CHECK(qe_op_mode_steps(cfg->mode) == runs[i].steps);
    qe_config_free(cfg);
  }
  static const struct {
    const char *name, *instead;
  } trains[] = {
    { "training", "chain_eqe or quantization" },
    { "chain_tqe", "chain_qe" },
    { "chain_tqeb", "chain_eqeb" },
    { "chain_tbqeb", "chain_eqeb" },
    { "chain_tb", "benchmarking" },
  };
  for (size_t i = 0; i < sizeof trains / sizeof trains[0]; i++) {
    char text[128], msg[512];
    snprintf(text, sizeof text, "operation_mode: %s\n", trains[i].name);
    snprintf(msg, sizeof msg,
             "@:1:17: operation_mode '%s' includes training, which Quantizer does not do; "
             "train the model first, then use %s with model.model_path",
             trains[i].name, trains[i].instead);
    expect_error(text, NULL, 0, QE_ERR_UNSUPPORTED, msg);
    CHECK(qe_config_enum_parse(QE_CONFIG_ENUM_MODE, trains[i].name) >= 0);
  }
  /* the same from an override, and the list of modes when one is unknown */
  const char *ov_train[] = { "operation_mode=chain_tqeb" };
  expect_error("operation_mode: quantization\n", ov_train, 1, QE_ERR_UNSUPPORTED,
               "override 'operation_mode=chain_tqeb':1:1: operation_mode 'chain_tqeb' includes "
               "training, which Quantizer does not do; train the model first, then use "
               "chain_eqeb with model.model_path");
  const char *ov_bad[] = { "operation_mode=chain_q" };
  expect_error("operation_mode: quantization\n", ov_bad, 1, QE_ERR_INVALID,
               "override 'operation_mode=chain_q':1:1: operation_mode must be one of "
               "quantization, evaluation, benchmarking, deployment, prediction, chain_eqe, "
               "chain_qb, chain_eqeb, chain_qd or chain_qe, not 'chain_q'");
}

/* The data sections as the data engine's options. */
static void test_data_mapping(qe_ctx *ctx)
{
  qe_data_options o;
  qe_data_kind kind;
  qe_config *cfg = load_example("esc10_quantization.yaml", ctx, NULL, 0);
  if (qe_config_data_options(cfg, &o, &kind, ctx) != QE_OK) {
    fprintf(stderr, "%s\n", qe_ctx_error(ctx));
    exit(1);
  }
  CHECK(kind == QE_DATA_AUDIO);
  CHECK_STR(o.name, "esc10");
  CHECK(o.n_class_names == 10 && strcmp(o.class_names[1], "chainsaw") == 0);
  CHECK_STR(o.training_path, fixture_path("datasets/ESC-50/audio"));
  CHECK_STR(o.training_csv_path, fixture_path("datasets/ESC-50/meta/esc50.csv"));
  CHECK(o.quantization_path == NULL && o.test_csv_path == NULL);
  CHECK(o.validation_split == 0.2 && o.quantization_split == 0.1 && o.test_split < 0);
  CHECK(o.seed == 120 && o.to_cache && strcmp(o.file_extension, ".wav") == 0);
  CHECK(o.min_length == 1 && o.max_length == 10 && o.target_rate == 16000 && o.top_db == 60);
  CHECK(o.frame_length == 3200 && o.hop_length == 3200 && !o.trim_last_second);
  CHECK(o.lengthen == QE_LENGTHEN_AFTER);
  CHECK(o.patch_length == 96 && o.n_mels == 64 && o.overlap == 0.25 && o.n_fft == 512);
  CHECK(o.spec_hop_length == 160 && o.window_length == 400 && o.window == QE_WINDOW_HANN);
  CHECK(!o.center && o.pad_mode == QE_PAD_CONSTANT && o.power == 1.0);
  CHECK(o.fmin == 125 && o.fmax == 7500 && o.norm == QE_MEL_NORM_NONE && o.htk && !o.to_db);
  CHECK(!o.include_last_patch);
  /* Not in the file: the data engine's defaults. */
  CHECK(o.fe_top_db == 80 && o.db_ref == QE_DB_REF_MAX && o.input_rank == 0);
  qe_config_free(cfg);

  cfg = load_example("flowers_quantization.yaml", ctx, NULL, 0);
  CHECK(qe_config_data_options(cfg, &o, &kind, ctx) == QE_OK);
  CHECK(kind == QE_DATA_IMAGES);
  CHECK(o.rescale_scale == 1 / 127.5 && o.rescale_offset == -1);
  CHECK(o.interpolation == QE_INTERP_NEAREST && o.aspect_ratio == QE_ASPECT_FIT);
  CHECK(o.color_mode == QE_COLOR_RGB && o.seed == 0 && o.quantization_split == 0.4);
  CHECK_STR(o.quantization_path, fixture_path("datasets/flower_photos"));
  CHECK(o.validation_split == 0.2); /* model-zoo default */
  qe_config_free(cfg);

  cfg = load_example("afd_quantization.yaml", ctx, NULL, 0);
  CHECK(qe_config_data_options(cfg, &o, &kind, ctx) == QE_OK);
  CHECK(kind == QE_DATA_SERIES);
  CHECK(!o.downsampling && o.normalization == QE_SERIES_NORM_DATASET && !o.time_domain);
  CHECK(o.input_rank == 3 && o.input_shape[0] == 4 && o.input_shape[1] == 512);
  CHECK(o.seed == 123 && o.n_class_names == 2);
  qe_config_free(cfg);

  /* The data engine's aliases pass the key table too. */
  const char *ov[] = { "feature_extraction.window=hanning", "preprocessing.lengthen=False",
                       "feature_extraction.norm=slaney" };
  cfg = load_example("esc10_quantization.yaml", ctx, ov, 3);
  CHECK(qe_config_data_options(cfg, &o, NULL, ctx) == QE_OK);
  CHECK(o.window == QE_WINDOW_HANN && o.lengthen == QE_LENGTHEN_NONE &&
        o.norm == QE_MEL_NORM_SLANEY);
  qe_config_free(cfg);
  const char *bad[] = { "feature_extraction.window=triangle" };
  qe_config_options opt = options();
  opt.overrides = bad;
  opt.n_overrides = 1;
  char path[2048];
  snprintf(path, sizeof path, "%s/tests/config/configs/esc10_quantization.yaml", src_dir);
  cfg = NULL;
  CHECK(qe_config_load_file(path, &opt, &cfg, ctx) == QE_ERR_INVALID && cfg == NULL);
  CHECK_STR(qe_ctx_error(ctx), "override 'feature_extraction.window=triangle':1:1: "
                               "feature_extraction.window must be one of hann, hamming, "
                               "blackman, boxcar, ones, rectangular, not 'triangle'");
  /* Combinations the data engine refuses are reported with the file. */
  const char *combo[] = { "preprocessing.min_length=20" };
  opt.overrides = combo;
  CHECK(qe_config_load_file(path, &opt, &cfg, ctx) == QE_OK);
  CHECK(qe_config_data_options(cfg, &o, NULL, ctx) == QE_ERR_INVALID);
  CHECK(strstr(qe_ctx_error(ctx), "esc10_quantization.yaml: preprocessing.min_length (20) is "
                                  "above max_length (10)") != NULL);
  qe_config_free(cfg);
}

int main(void)
{
  const char *src = getenv("QZ_SOURCE_ROOT");
  snprintf(src_dir, sizeof src_dir, "%s", src ? src : "../..");
  struct tm tm = { .tm_year = 124,
                   .tm_mon = 2,
                   .tm_mday = 5,
                   .tm_hour = 6,
                   .tm_min = 7,
                   .tm_sec = 8,
                   .tm_isdst = -1 };
  fixed_now = mktime(&tm);
  make_fixture();
  qe_ctx *ctx = qe_ctx_new();
  test_flowers(ctx);
  test_esc10(ctx);
  test_afd(ctx);
  test_tensorlab(ctx);
  test_bad_input();
  test_warnings(ctx);
  test_table_defaults(ctx);
  test_modes(ctx);
  test_data_mapping(ctx);
  qe_config_free(NULL);
  qe_ctx_free(ctx);
  printf("ok\n");
  return 0;
}
