/* qz-infer.c - `qz infer MODEL --input FILE.npy|FILE.pb [--input ...] [-o DIR]
 * [--rounding micro|tflite|ort]`: run a model on the engine (ONNX float/QDQ on
 * the float runtime, TFLite int8/float on the integer executor), one --input
 * per graph input in order, and write DIR/<output name>.npy per graph output
 * (names made file-safe). --rounding picks how the integer executor rounds
 * (qe_rounding): micro (default) as TFLite Micro / CMSIS-NN on the board,
 * tflite as TFLite on a PC, ort as ONNX Runtime runs the QDQ export.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_graph.h"
#include "qe/qe_json.h"
#include "qe/qe_npy.h"
#include "qe/qe_onnx.h"
#include "qe/qe_qmodel.h"
#include "qe/qe_runtime.h"
#include "qe/qe_tflite.h"
#include "qz-cli.h"

/* Letters, digits, '.', '-' and '_' kept; anything else becomes '_';
 * leading dots too (no hidden files, no "..") */
static char *file_safe(const char *name)
{
  GString *s = g_string_new(NULL);
  for (const char *p = name; *p; p++) {
    char c = *p;
    gboolean ok = g_ascii_isalnum(c) || c == '-' || c == '_' || (c == '.' && s->len > 0);
    g_string_append_c(s, ok ? c : '_');
  }
  if (s->len == 0)
    g_string_append(s, "output");
  return g_string_free(s, FALSE);
}

static qe_status read_input(const char *path, qe_array **out, qe_ctx *ctx)
{
  if (g_str_has_suffix(path, ".pb"))
    return qe_onnx_read_tensor(path, out, NULL, ctx);
  if (g_str_has_suffix(path, ".npy"))
    return qe_npy_read(path, out, ctx);
  return qe_error(ctx, QE_ERR_INVALID, "%s: inputs must be .npy or ONNX TensorProto .pb files",
                  path);
}

int qz_cmd_infer(int argc, char **argv)
{
  g_auto(GStrv) inputs = NULL;
  g_autofree char *outdir = NULL;
  gboolean json = FALSE;
  g_autofree char *rounding = NULL;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs,
      "Input tensor (.npy or .pb), one per model input, in order", "FILE" },
    { "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
      "Folder for the output .npy files (default: the current folder)", "DIR" },
    { "rounding", 0, 0, G_OPTION_ARG_STRING, &rounding,
      "How an int8 .tflite model rounds: micro (default: as TFLite Micro and CMSIS-NN on "
      "the board), tflite (as TFLite on a PC) or ort (as ONNX Runtime runs the exported "
      "QDQ model)",
      "MODE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON on standard output", NULL },
    G_OPTION_ENTRY_NULL
  };
  int rc;
  if (!qz_parse_options("infer", "MODEL", "Run a model on the engine and save its outputs.",
                        entries, &argc, &argv, &rc))
    return rc;
  qe_rounding round_mode = QE_ROUND_DOUBLE;
  if (rounding) {
    if (!g_strcmp0(rounding, "micro"))
      round_mode = QE_ROUND_DOUBLE;
    else if (!g_strcmp0(rounding, "tflite"))
      round_mode = QE_ROUND_HALF_UP;
    else if (!g_strcmp0(rounding, "ort"))
      round_mode = QE_ROUND_ORT;
    else
      return qz_usage_error("infer", "--rounding must be micro, tflite or ort");
  }
  if (argc != 2)
    return qz_usage_error("infer", argc < 2 ? "a MODEL file is needed" : "only one MODEL please");
  if (!inputs || !inputs[0])
    return qz_usage_error("infer", "give one --input FILE per model input");
  const char *path = argv[1];
  const char *dir = outdir ? outdir : ".";
  qe_ctx *ctx = qe_ctx_new();
  qe_graph *g = NULL;
  qe_runtime *rt = NULL;
  guint n_in = g_strv_length(inputs);
  qe_array **arrays = g_new0(qe_array *, n_in);
  int ret = QZ_EXIT_OK;
  GHashTable *used = NULL;
  qe_json *j = NULL;
  qe_qmodel *qm = NULL;
  qe_qexec *qx = NULL;
  qe_array **qouts = NULL;
  size_t n_out = 0;
  gboolean tflite = g_str_has_suffix(path, ".tflite");
  if (!tflite && !g_str_has_suffix(path, ".onnx") && !g_str_has_suffix(path, ".ONNX")) {
    ret = qz_fail("infer", "%s: give an ONNX (.onnx) or TFLite (.tflite) model", path);
    goto out;
  }
  if (rounding && !tflite) {
    ret = qz_usage_error("infer", "--rounding applies to int8 .tflite models only");
    goto out;
  }
  size_t model_inputs;
  if (tflite) {
    if (qe_tflite_load(path, &qm, ctx) != QE_OK) {
      ret = qz_fail("infer", "%s", qe_ctx_error(ctx));
      goto out;
    }
    qm->conv_rounding = round_mode;
    model_inputs = qm->n_inputs;
  } else {
    if (qe_onnx_load(path, &g, ctx) != QE_OK) {
      ret = qz_fail("infer", "%s", qe_ctx_error(ctx));
      goto out;
    }
    model_inputs = g->n_inputs;
  }
  qz_print_warnings("infer", ctx, 0);
  if (n_in != model_inputs) {
    GString *names = g_string_new(NULL);
    for (size_t i = 0; i < model_inputs; i++)
      g_string_append_printf(names, "%s'%s'", i ? ", " : "",
                             tflite ? qm->tensors[qm->inputs[i]].name
                                    : g->tensors[g->inputs[i]].name);
    ret =
        qz_fail("infer", "%s has %zu input%s (%s) but %u --input file%s given", path, model_inputs,
                model_inputs == 1 ? "" : "s", names->str, n_in, n_in == 1 ? " was" : "s were");
    g_string_free(names, TRUE);
    goto out;
  }
  for (guint i = 0; i < n_in; i++)
    if (read_input(inputs[i], &arrays[i], ctx) != QE_OK) {
      ret = qz_fail("infer", "%s", qe_ctx_error(ctx));
      goto out;
    }
  if (tflite) {
    if (qe_qexec_new(qm, &qx, ctx) != QE_OK ||
        qe_qexec_run_arrays(qx, n_in, (const qe_array *const *)arrays, &qouts, ctx) != QE_OK) {
      ret = qz_fail("infer", "%s: %s", path, qe_ctx_error(ctx));
      goto out;
    }
    n_out = qm->n_outputs;
  } else {
    if (qe_runtime_new(g, &rt, ctx) != QE_OK ||
        qe_runtime_run(rt, n_in, (const qe_array *const *)arrays, ctx) != QE_OK) {
      ret = qz_fail("infer", "%s: %s", path, qe_ctx_error(ctx));
      goto out;
    }
    n_out = g->n_outputs;
  }
  if (qe_mkdir_p(dir, ctx) != QE_OK) {
    ret = qz_fail("infer", "%s", qe_ctx_error(ctx));
    goto out;
  }
  j = json ? qe_json_new(TRUE) : NULL;
  if (j) {
    qe_json_begin_object(j);
    qe_json_key(j, "outputs");
    qe_json_begin_array(j);
  }
  used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (size_t k = 0; k < n_out; k++) {
    const qe_array *a = tflite ? qouts[k] : qe_runtime_output(rt, k);
    const char *name = tflite ? qm->tensors[qm->outputs[k]].name : g->tensors[g->outputs[k]].name;
    if (!name || !*name)
      name = "output";
    g_autofree char *safe = file_safe(name);
    g_autofree char *file = g_strdup_printf("%s.npy", safe);
    for (int n = 1; g_hash_table_contains(used, file); n++) {
      g_free(file);
      file = g_strdup_printf("%s_%d.npy", safe, n);
    }
    g_hash_table_add(used, g_strdup(file));
    g_autofree char *out = g_build_filename(dir, file, NULL);
    if (qe_npy_write(out, a, ctx) != QE_OK) {
      ret = qz_fail("infer", "%s", qe_ctx_error(ctx));
      goto out;
    }
    char shape[256];
    qe_dims_to_string(a->dims, a->rank, shape, sizeof shape);
    if (j) {
      qe_json_begin_object(j);
      qe_json_kv_string(j, "name", name);
      qe_json_kv_string(j, "dtype", qe_dtype_name(a->dtype));
      qe_json_key(j, "shape");
      qe_json_begin_array(j);
      for (int d = 0; d < a->rank; d++)
        qe_json_int(j, a->dims[d]);
      qe_json_end_array(j);
      qe_json_kv_string(j, "file", out);
      qe_json_end_object(j);
    } else {
      printf("%s %s %s -> %s\n", name, qe_dtype_name(a->dtype), shape, out);
    }
  }
  if (j) {
    qe_json_end_array(j);
    qe_json_end_object(j);
    size_t len;
    const char *text = qe_json_text(j, &len);
    if (text)
      printf("%s\n", text);
  }
out:
  qe_json_free(j);
  if (used)
    g_hash_table_destroy(used);
  for (guint i = 0; i < n_in; i++)
    qe_array_free(arrays[i]);
  g_free(arrays);
  if (qouts) {
    for (size_t k = 0; k < n_out; k++)
      qe_array_free(qouts[k]);
    free(qouts);
  }
  qe_qexec_free(qx);
  qe_qmodel_free(qm);
  qe_runtime_free(rt);
  qe_graph_free(g);
  qe_ctx_free(ctx);
  return ret;
}
