/* qz-quantize.c - `qz quantize MODEL --data PATH [...] -o OUTDIR`: post-
 * training quantization of a float ONNX model. Writes the quantized model
 * (OUTDIR/quantized_models/model_quantized.tflite, or .onnx for --format
 * onnx) and OUTDIR/report.json; nothing is written when quantization fails.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include "qe/qe_codegen.h"
#include "qe/qe_data.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_json.h"
#include "qe/qe_model.h"
#include "qe/qe_onnx.h"
#include "qe/qe_quantize.h"
#include "qe/qe_tflite.h"
#include "qz-cli.h"

#define CMD "quantize"

/* targets/<id>.yaml: $QZ_TARGETS_DIR, the source tree, the installed data. */
static char *find_board(const char *id)
{
  g_autofree char *file = g_strdup_printf("%s.yaml", id);
  const char *env = g_getenv("QZ_TARGETS_DIR");
  const char *dirs[3] = { env, SOURCE_ROOT "/targets", PKGDATADIR "/targets" };
  for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
    if (!dirs[i])
      continue;
    char *p = g_build_filename(dirs[i], file, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
      return p;
    g_free(p);
  }
  return NULL;
}

static int64_t file_size(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static void write_report(qe_json *j, const char *model, const qe_graph *g, const qe_quant_result *r,
                         const char *qpath, const char *format, int64_t arena)
{
  qe_model_stats *stats = NULL;
  qe_ctx *ctx = qe_ctx_new();
  qe_graph_stats(g, &stats, ctx);
  qe_json_begin_object(j);
  qe_json_kv_string(j, "quantizer_version", PACKAGE_VERSION);
  qe_json_key(j, "model");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "path", model);
  qe_json_kv_string(j, "format", g->source_format ? g->source_format : "onnx");
  qe_json_kv_int(j, "params", stats ? stats->params : -1);
  qe_json_kv_int(j, "macs", stats ? stats->macs : -1);
  qe_json_kv_string(j, "quantized_path", qpath);
  qe_json_kv_string(j, "quantized_format", format);
  qe_json_end_object(j);
  /* qz quantize does not evaluate (qz evaluate / qz run do) */
  qe_json_key(j, "float");
  qe_json_null(j);
  qe_json_key(j, "quantized");
  qe_json_null(j);
  int64_t wbytes = 0;
  for (size_t i = 0; i < r->qmodel->n_tensors; i++)
    if (r->qmodel->tensors[i].data)
      wbytes += (int64_t)r->qmodel->tensors[i].data_size;
  qe_json_key(j, "size");
  qe_json_begin_object(j);
  qe_json_kv_int(j, "float_bytes", file_size(model));
  qe_json_kv_int(j, "quantized_bytes", file_size(qpath));
  qe_json_kv_int(j, "weights_bytes", wbytes);
  qe_json_kv_int(j, "arena_bytes", arena);
  qe_json_end_object(j);
  qe_json_key(j, "output_error");
  qe_json_null(j);
  qe_quant_result_to_json(r, j); /* quantization, layers, float_ops, advice */
  qe_json_key(j, "config");
  qe_json_begin_object(j);
  const qe_quant_options *o = &r->options;
  qe_json_key(j, "quantization");
  qe_json_begin_object(j);
  qe_json_kv_string(j, "quantizer",
                    strcmp(format, "onnx") == 0 ? "Onnx_quantizer" : "TFlite_converter");
  qe_json_kv_string(j, "quantization_type", "PTQ");
  qe_json_kv_string(j, "quantization_input_type",
                    o->input_type == QE_DT_F32 ? "float" : qe_dtype_name(o->input_type));
  qe_json_kv_string(j, "quantization_output_type",
                    o->output_type == QE_DT_F32 ? "float" : qe_dtype_name(o->output_type));
  qe_json_kv_string(j, "granularity",
                    o->granularity == QE_GRANULARITY_PER_CHANNEL ? "per_channel" : "per_tensor");
  qe_json_kv_bool(j, "optimize", o->equalize && o->bias_correction);
  qe_json_kv_int(j, "target_opset", o->target_opset);
  qe_json_kv_string(j, "calib_method", qe_calib_method_name(o->calib_method));
  qe_json_kv_int(j, "quantization_weight_bitwidth", o->weight_bits);
  qe_json_kv_int(j, "quantization_activation_bitwidth", o->activation_bits);
  qe_json_kv_bool(j, "power_of_two", o->power_of_two);
  qe_json_kv_string(j, "export_dir", "quantized_models");
  qe_json_end_object(j);
  qe_json_end_object(j);
  qe_json_key(j, "warnings");
  qe_json_begin_array(j);
  if (r->random_calibration)
    qe_json_string(j, "Calibrated on random data: the model's size and speed are right, its "
                      "accuracy is not meaningful.");
  for (size_t i = 0; i < r->n_float_ops; i++)
    qe_json_string(j, r->float_ops[i]);
  qe_json_end_array(j);
  qe_json_end_object(j);
  qe_model_stats_free(stats);
  qe_ctx_free(ctx);
}

int qz_cmd_quantize(int argc, char **argv)
{
  g_autofree char *random_range = NULL;
  g_autofree char *data = NULL, *outdir = NULL, *calib = NULL, *gran = NULL, *in_type = NULL,
                  *out_type = NULL, *format = NULL, *board = NULL, *act_type = NULL;
  g_auto(GStrv) float_nodes = NULL;
  g_auto(GStrv) sets = NULL;
  int wbits = 0, abits = 0, opset = 0, random_n = 200, max_samples = 0, diag = 32;
  double percentile = 0;
  gboolean pow2 = FALSE, reduce = FALSE, equalize = FALSE, bias = FALSE, optimize = FALSE;
  gboolean json = FALSE, quiet = FALSE, sym = FALSE, no_isolated = FALSE;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "Calibration data: an .npz/.npy of preprocessed samples (x, y), an image folder, a "
      "WAV + CSV pair or a CSV series; without it, random data",
      "PATH" },
    { "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &outdir, "Folder for the results (needed)",
      "OUTDIR" },
    { "calib-method", 0, 0, G_OPTION_ARG_STRING, &calib,
      "minmax (default), moving-average, percentile, entropy or mse", "METHOD" },
    { "percentile", 0, 0, G_OPTION_ARG_DOUBLE, &percentile,
      "Percentile kept by --calib-method percentile (default 99.999)", "P" },
    { "granularity", 0, 0, G_OPTION_ARG_STRING, &gran,
      "Weight scales per-channel (default) or per-tensor", "G" },
    { "input-type", 0, 0, G_OPTION_ARG_STRING, &in_type,
      "Model input: float (default), int8, uint8", "TYPE" },
    { "output-type", 0, 0, G_OPTION_ARG_STRING, &out_type,
      "Model output: float (default), int8, uint8", "TYPE" },
    { "activation-type", 0, 0, G_OPTION_ARG_STRING, &act_type,
      "Activations in the ONNX export: int8 (default) or uint8", "TYPE" },
    { "symmetric-activations", 0, 0, G_OPTION_ARG_NONE, &sym, "Activations with zero point 0",
      NULL },
    { "weight-bits", 0, 0, G_OPTION_ARG_INT, &wbits, "8 (default), 4 or 2", "BITS" },
    { "activation-bits", 0, 0, G_OPTION_ARG_INT, &abits, "8 (default) or 4", "BITS" },
    { "power-of-two", 0, 0, G_OPTION_ARG_NONE, &pow2, "Power-of-two scales (TI NPU)", NULL },
    { "reduce-range", 0, 0, G_OPTION_ARG_NONE, &reduce, "7-bit weights", NULL },
    { "equalize", 0, 0, G_OPTION_ARG_NONE, &equalize, "Cross-layer equalization", NULL },
    { "bias-correction", 0, 0, G_OPTION_ARG_NONE, &bias, "Bias correction", NULL },
    { "optimize", 0, 0, G_OPTION_ARG_NONE, &optimize,
      "Both equalization and bias correction (the model zoo's optimize: True)", NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "tflite (default), onnx (QDQ) or c (the .tflite, a C inference module and the .tflite as "
      "a C array)",
      "FMT" },
    { "target-opset", 0, 0, G_OPTION_ARG_INT, &opset, "ONNX opset of the QDQ export (default 17)",
      "N" },
    { "board", 'b', 0, G_OPTION_ARG_STRING, &board,
      "Take the defaults and limits of a board (see qz boards)", "ID" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
      "A model-zoo / Tensorlab quantization key, e.g. --set quantization=2", "KEY=VALUE" },
    { "float-node", 0, 0, G_OPTION_ARG_STRING_ARRAY, &float_nodes, "Keep this node in float",
      "NAME" },
    { "max-samples", 0, 0, G_OPTION_ARG_INT, &max_samples, "Use at most N calibration samples",
      "N" },
    { "random-samples", 0, 0, G_OPTION_ARG_INT, &random_n,
      "Random calibration samples when there is no --data (default 200)", "N" },
    { "random-range", 0, 0, G_OPTION_ARG_STRING, &random_range,
      "Random data: uniform in [LO, HI) (default 0,1), or normal:MEAN,STD", "LO,HI" },
    { "diagnostic-samples", 0, 0, G_OPTION_ARG_INT, &diag,
      "Samples for the per-layer error (default 32, 0: none)", "N" },
    { "no-isolated", 0, 0, G_OPTION_ARG_NONE, &no_isolated,
      "Skip the per-layer error with only that layer quantized", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON summary on standard output", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress", NULL },
    G_OPTION_ENTRY_NULL
  };
  int rc;
  if (!qz_parse_options(CMD, "MODEL", "Quantize a float model to int8.", entries, &argc, &argv,
                        &rc))
    return rc;
  if (argc != 2)
    return qz_usage_error(CMD, argc < 2 ? "a MODEL file is needed" : "only one MODEL please");
  if (!outdir)
    return qz_usage_error(CMD, "give the output folder with -o OUTDIR");
  if (format && strcmp(format, "tflite") != 0 && strcmp(format, "onnx") != 0 &&
      strcmp(format, "c") != 0)
    return qz_usage_error(CMD, "--format must be tflite, onnx or c, not '%s'", format);
  if (max_samples < 0 || random_n <= 0 || diag < 0)
    return qz_usage_error(CMD, "sample counts must be positive");
  const char *model = argv[1];
  const char *fmt = format ? format : "tflite";

  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_samples *samples = NULL;
  qe_dataset *dataset = NULL;
  qe_quant_result *r = NULL;
  qe_qexec *ex = NULL;
  QzProgress *prog = NULL;
  int ret = QZ_EXIT_OK;
  g_autofree char *board_path = NULL, *qdir = NULL, *qpath = NULL, *rpath = NULL;
  g_autofree char *cdir = NULL, *adir = NULL, *c_note = NULL;
  size_t c_const = 0, c_arena = 0;
  qe_quant_options o;
  qe_quant_options_init(&o);
  o.diag_samples = (size_t)diag;
  o.diag_isolated = !no_isolated;
  o.max_samples = (size_t)max_samples;

#define TRY(expr)                                  \
  do {                                             \
    if ((expr) != QE_OK) {                         \
      ret = qz_fail(CMD, "%s", qe_ctx_error(ctx)); \
      goto out;                                    \
    }                                              \
  } while (0)

  if (board) {
    board_path = find_board(board);
    if (!board_path) {
      ret = qz_fail(CMD, "board '%s' is not known (qz boards lists them)", board);
      goto out;
    }
    o.board = board;
    TRY(qe_quant_options_from_board(&o, board_path, ctx));
  }
  for (size_t i = 0; sets && sets[i]; i++) {
    char *eq = strchr(sets[i], '=');
    if (!eq) {
      ret = qz_usage_error(CMD, "--set '%s': expected KEY=VALUE", sets[i]);
      goto out;
    }
    *eq = '\0';
    TRY(qe_quant_options_set(&o, sets[i], eq + 1, ctx));
  }
  if (calib)
    TRY(qe_quant_options_set(&o, "calib_method", calib, ctx));
  if (gran)
    TRY(qe_quant_options_set(&o, "granularity", gran, ctx));
  if (in_type)
    TRY(qe_quant_options_set(&o, "input_type", in_type, ctx));
  if (out_type)
    TRY(qe_quant_options_set(&o, "output_type", out_type, ctx));
  /* the C module's model_run() takes and gives int8 */
  if (strcmp(fmt, "c") == 0 && !in_type && o.input_type == QE_DT_F32)
    o.input_type = QE_DT_I8;
  if (strcmp(fmt, "c") == 0 && !out_type && o.output_type == QE_DT_F32)
    o.output_type = QE_DT_I8;
  if (act_type)
    TRY(qe_quant_options_set(&o, "activation_type", act_type, ctx));
  if (wbits)
    o.weight_bits = wbits;
  if (abits)
    o.activation_bits = abits;
  if (opset)
    o.target_opset = opset;
  if (percentile > 0)
    o.calib.percentile = percentile;
  if (pow2)
    o.power_of_two = TRUE;
  if (reduce)
    o.reduce_range = TRUE;
  if (sym)
    o.activation_symmetric = TRUE;
  if (equalize || optimize)
    o.equalize = TRUE;
  if (bias || optimize)
    o.bias_correction = TRUE;
  if (float_nodes) {
    o.float_nodes = (const char *const *)float_nodes;
    o.n_float_nodes = g_strv_length(float_nodes);
  }
  TRY(qe_quant_options_validate(&o, ctx));
  if (o.activation_bits < 8 && strcmp(fmt, "onnx") != 0) {
    ret = qz_fail(CMD,
                  "%d-bit activations: a .tflite file cannot hold their clamps; use --format onnx "
                  "(or 8-bit activations)",
                  o.activation_bits);
    goto out;
  }

  {
    /* ONNX or TFLite (float32, or fp16 weights), told by the content */
    qe_model *mdl = NULL;
    TRY(qe_model_load(model, &mdl, ctx));
    if (mdl->quantized) {
      ret = qz_fail(CMD, "%s is already quantized (%s): give the float model", model,
                    qe_model_kind_name(mdl->kind));
      qe_model_free(mdl);
      goto out;
    }
    g = qe_model_steal_graph(mdl);
    qe_model_free(mdl);
  }
  if (data && (g_str_has_suffix(data, ".npz") || g_str_has_suffix(data, ".npy"))) {
    TRY(qe_samples_from_npz(data, 0, &samples, ctx));
  } else if (data) {
    /* an image folder, WAV + CSV, CSV series...: the data engine decodes,
     * preprocesses (defaults) and streams it; all of it calibrates */
    if (g->n_inputs != 1) {
      ret = qz_fail(CMD, "%s: a data folder can feed a model with one input only", data);
      goto out;
    }
    const qe_tensor *it = &g->tensors[g->inputs[0]];
    qe_data_options dopt;
    qe_data_options_init(&dopt);
    dopt.validation_split = -1;
    dopt.input_rank = it->rank;
    for (int k = 0; k < it->rank && k < QE_MAX_RANK; k++)
      dopt.input_shape[k] = it->dims[k] > 0 ? it->dims[k] : 1;
    /* ONNX image models are channels-first */
    if (it->rank == 4 && it->dims[1] >= 1 && it->dims[1] <= 4)
      dopt.layout = QE_LAYOUT_NCHW;
    TRY(qe_dataset_open(data, QE_DATA_AUTO, &dopt, &dataset, ctx));
    TRY(qe_samples_from_dataset(dataset, QE_SUBSET_ALL, it->dims, it->rank, data, &samples, ctx));
  } else {
    gboolean normal = FALSE;
    double lo = 0.0, hi = 1.0;
    if (random_range) {
      const char *spec = random_range;
      if (g_str_has_prefix(spec, "normal:")) {
        normal = TRUE;
        spec += 7;
      }
      char *end = NULL;
      lo = g_ascii_strtod(spec, &end);
      if (end == spec || *end != ',' || (hi = g_ascii_strtod(end + 1, &end), *end != '\0') ||
          (!normal && !(hi > lo)) || (normal && !(hi > 0))) {
        ret = qz_usage_error(CMD, "--random-range '%s': expected LO,HI or normal:MEAN,STD",
                             random_range);
        goto out;
      }
    }
    TRY(qe_samples_random(g, (size_t)random_n, normal, (float)lo, (float)hi, 0x5eed, &samples,
                          ctx));
    if (!quiet)
      fprintf(stderr,
              "qz quantize: no --data: calibrating on random data (sizes are right, accuracy "
              "is not meaningful)\n");
  }
  prog = qz_progress_new(quiet || json);
  qe_ctx_set_progress(ctx, qz_progress_cb, prog);
  TRY(qe_quantize(g, samples, &o, &r, ctx));
  TRY(qe_qexec_new(r->qmodel, &ex, ctx));
  qz_progress_done(prog);

  /* outputs: each file through a temporary file + rename */
  qdir = g_build_filename(outdir, "quantized_models", NULL);
  qpath = g_build_filename(
      qdir, strcmp(fmt, "onnx") == 0 ? "model_quantized.onnx" : "model_quantized.tflite", NULL);
  rpath = g_build_filename(outdir, "report.json", NULL);
  TRY(qe_mkdir_p(qdir, ctx));
  if (strcmp(fmt, "onnx") == 0)
    TRY(qe_quant_save_onnx(r, qpath, ctx));
  else
    TRY(qe_tflite_save(r->qmodel, qpath, ctx));
  if (strcmp(fmt, "c") == 0) {
    /* C export beside the .tflite: the inference module (weights, the
     * engine's kernels, a static arena, model_run()) and the .tflite as a
     * C array for TFLite Micro */
    cdir = g_build_filename(qdir, "c_model", NULL);
    adir = g_build_filename(qdir, "c_array", NULL);
    qe_codegen_options co = { "model" };
    qe_status cst = qe_codegen_c_module(r->qmodel, &co, cdir, ctx);
    if (cst == QE_ERR_UNSUPPORTED) {
      c_note = g_strdup_printf("no C module: %s", qe_ctx_error(ctx));
      g_clear_pointer(&cdir, g_free);
    } else if (cst == QE_OK) {
      TRY(qe_codegen_sizes(r->qmodel, &c_const, &c_arena, ctx));
    } else {
      remove(qpath);
      ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
      goto out;
    }
    uint8_t *fb = NULL;
    size_t fb_len = 0;
    TRY(qe_tflite_write(r->qmodel, &fb, &fb_len, ctx));
    cst = qe_codegen_tflite_array(fb, fb_len, "model_tflite", adir, ctx);
    free(fb);
    if (cst != QE_OK) {
      remove(qpath);
      ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
      goto out;
    }
  }
  {
    qe_json *j = qe_json_new(true);
    write_report(j, model, g, r, qpath, fmt, (int64_t)qe_qexec_arena_size(ex));
    qe_status st = qe_json_write_file(j, rpath, ctx);
    qe_json_free(j);
    if (st) {
      remove(qpath);
      ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
      goto out;
    }
  }
  if (json) {
    qe_json *j = qe_json_new(true);
    qe_json_begin_object(j);
    qe_json_kv_string(j, "model", qpath);
    qe_json_kv_string(j, "report", rpath);
    qe_json_kv_string(j, "calibration", r->calibration);
    qe_json_kv_bool(j, "random_data", r->random_calibration);
    qe_json_kv_int(j, "float_ops", (int64_t)r->n_float_ops);
    if (adir) {
      qe_json_kv_string(j, "c_array", adir);
      qe_json_key(j, "c_model");
      if (cdir) {
        qe_json_begin_object(j);
        qe_json_kv_string(j, "path", cdir);
        qe_json_kv_int(j, "const_bytes", (int64_t)c_const);
        qe_json_kv_int(j, "arena_bytes", (int64_t)c_arena);
        qe_json_end_object(j);
      } else {
        qe_json_string(j, c_note ? c_note : "");
      }
    }
    qe_json_key(j, "advice");
    qe_json_begin_array(j);
    for (size_t i = 0; i < r->n_ranked; i++)
      qe_json_string(j, r->advice[i]);
    qe_json_end_array(j);
    qe_json_end_object(j);
    printf("%s\n", qe_json_text(j, NULL));
    qe_json_free(j);
  } else if (!quiet) {
    printf("%s\n%s\n", qpath, rpath);
    if (cdir)
      printf("%s (C module: %zu bytes of constants, a %zu-byte arena)\n", cdir, c_const, c_arena);
    if (adir)
      printf("%s (the .tflite as a C array)\n", adir);
    if (c_note)
      printf("note: %s\n", c_note);
    for (size_t i = 0; i < r->n_float_ops; i++)
      printf("note: %s\n", r->float_ops[i]);
    for (size_t i = 0; i < r->n_ranked && i < 3; i++)
      printf("hint: %s\n", r->advice[i]);
  }
#undef TRY
out:
  qz_progress_free(prog);
  qe_qexec_free(ex);
  qe_quant_result_free(r);
  qe_samples_free(samples);
  qe_dataset_free(dataset);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  return ret;
}
