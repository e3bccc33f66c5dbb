/* qz-data.c - `qz data PATH [--json]`: describe a data set and warn about
 * problems in it (counts per class, balance, size, leakage, value ranges,
 * unreadable files).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qe/qe_data.h"
#include "qe/qe_json.h"
#include "qz-cli.h"

static gboolean parse_shape(const char *text, qe_data_options *o)
{
  g_auto(GStrv) parts = g_strsplit_set(text, ",x() ", -1);
  int rank = 0;
  for (int i = 0; parts[i]; i++) {
    if (!parts[i][0])
      continue;
    char *end;
    gint64 v = g_ascii_strtoll(parts[i], &end, 10);
    if (*end || rank >= QE_MAX_RANK || v < -1 || v > (1 << 24))
      return FALSE;
    o->input_shape[rank++] = v;
  }
  o->input_rank = rank;
  return rank > 0;
}

int qz_cmd_data(int argc, char **argv)
{
  gboolean json = FALSE, quiet = FALSE, no_split = FALSE;
  char *kind_s = NULL, *shape_s = NULL, *layout_s = NULL, *classes_s = NULL;
  char *color_s = NULL, *interp_s = NULL, *scale_s = NULL, *offset_s = NULL;
  int max_decode = 0, threads = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the report as JSON on stdout", NULL },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind_s,
      "images, audio, series or tensors (default: detect)", "KIND" },
    { "input-shape", 0, 0, G_OPTION_ARG_STRING, &shape_s,
      "Model input shape, e.g. 1,128,128,3 (preprocess as the model would)", "DIMS" },
    { "layout", 0, 0, G_OPTION_ARG_STRING, &layout_s, "Input layout: nhwc (default) or nchw",
      "LAYOUT" },
    { "class-names", 0, 0, G_OPTION_ARG_STRING, &classes_s, "Comma-separated class names",
      "NAMES" },
    { "color-mode", 0, 0, G_OPTION_ARG_STRING, &color_s, "grayscale, rgb or rgba", "MODE" },
    { "interpolation", 0, 0, G_OPTION_ARG_STRING, &interp_s, "Resize method (bilinear, ...)",
      "METHOD" },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &scale_s, "Rescaling scale, e.g. 1/127.5", "X" },
    { "offset", 0, 0, G_OPTION_ARG_STRING, &offset_s, "Rescaling offset, e.g. -1", "X" },
    { "no-split", 0, 0, G_OPTION_ARG_NONE, &no_split,
      "Do not hold out a validation split (validation_split 0.2 otherwise)", NULL },
    { "max-decode", 0, 0, G_OPTION_ARG_INT, &max_decode,
      "Decode at most N samples for value ranges and duplicates (default: all)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Worker threads (default: CPUs)", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress output", NULL },
    G_OPTION_ENTRY_NULL
  };
  int rc;
  if (!qz_parse_options("data", "PATH",
                        "Describe a data set: samples per class, balance, size advice, "
                        "calibration/test leakage, value ranges and unreadable files.",
                        entries, &argc, &argv, &rc))
    return rc;
  if (argc != 2)
    return qz_usage_error("data", "expected one PATH (a folder, CSV or .npz)");
  if (max_decode < 0 || threads < 0 || threads > 256)
    return qz_usage_error("data", "--max-decode and --threads must be positive");

  qe_ctx *ctx = qe_ctx_new();
  qe_data_options o;
  qe_data_options_init(&o);
  int kind = QE_DATA_AUTO, v;
  g_auto(GStrv) class_names = NULL;
  if (kind_s) {
    const char *names[] = { "auto", "images", "audio", "series", "tensors" };
    gboolean ok = FALSE;
    for (int i = 0; i < QE_DATA_KIND_COUNT; i++)
      if (g_ascii_strcasecmp(kind_s, names[i]) == 0)
        kind = i, ok = TRUE;
    if (!ok) {
      qe_ctx_free(ctx);
      return qz_usage_error("data", "--kind must be images, audio, series or tensors");
    }
  }
  if (shape_s && !parse_shape(shape_s, &o)) {
    qe_ctx_free(ctx);
    return qz_usage_error("data", "--input-shape: '%s' is not a list of dimensions", shape_s);
  }
  struct {
    const char *text;
    qe_data_enum e;
    int *field;
  } enums[] = {
    { layout_s, QE_ENUM_LAYOUT, (int *)&o.layout },
    { color_s, QE_ENUM_COLOR_MODE, (int *)&o.color_mode },
    { interp_s, QE_ENUM_INTERP, (int *)&o.interpolation },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(enums); i++) {
    if (!enums[i].text)
      continue;
    if (qe_data_enum_parse(enums[i].e, enums[i].text, &v, ctx)) {
      rc = qz_usage_error("data", "%s", qe_ctx_error(ctx));
      qe_ctx_free(ctx);
      return rc;
    }
    *enums[i].field = v;
  }
  if ((scale_s && qe_data_parse_number(scale_s, &o.rescale_scale, ctx)) ||
      (offset_s && qe_data_parse_number(offset_s, &o.rescale_offset, ctx))) {
    rc = qz_usage_error("data", "%s", qe_ctx_error(ctx));
    qe_ctx_free(ctx);
    return rc;
  }
  if (classes_s) {
    class_names = g_strsplit(classes_s, ",", -1);
    for (int i = 0; class_names[i]; i++)
      g_strstrip(class_names[i]);
    o.class_names = (const char *const *)class_names;
    o.n_class_names = g_strv_length(class_names);
  }
  if (no_split)
    o.validation_split = -1;
  o.threads = threads;

  QzProgress *progress = qz_progress_new(quiet || json);
  qe_ctx_set_progress(ctx, qz_progress_cb, progress);
  qe_dataset *ds = NULL;
  qe_data_report *rep = NULL;
  qe_status st = qe_dataset_open(argv[1], (qe_data_kind)kind, &o, &ds, ctx);
  if (!st) {
    qe_diag_options dopt = { .max_decode = (size_t)max_decode, .threads = threads };
    st = qe_data_diagnose(ds, &dopt, &rep, ctx);
  }
  qz_progress_done(progress);
  qz_progress_free(progress);
  if (st) {
    rc = qz_fail("data", "%s", qe_ctx_error(ctx));
    qe_dataset_free(ds);
    qe_ctx_free(ctx);
    g_free(kind_s), g_free(shape_s), g_free(layout_s), g_free(classes_s);
    g_free(color_s), g_free(interp_s), g_free(scale_s), g_free(offset_s);
    return rc;
  }
  if (qe_data_report_usable(rep) == 0) {
    size_t ns = qe_dataset_skipped_count(ds);
    rc = qz_fail("data", "no usable sample: all %zu files or rows failed (first: %s: %s)", ns,
                 ns ? qe_dataset_skipped_path(ds, 0) : "",
                 ns ? qe_dataset_skipped_reason(ds, 0) : "");
    qe_data_report_free(rep);
    qe_dataset_free(ds);
    qe_ctx_free(ctx);
    g_free(kind_s), g_free(shape_s), g_free(layout_s), g_free(classes_s);
    g_free(color_s), g_free(interp_s), g_free(scale_s), g_free(offset_s);
    return rc;
  }
  if (json) {
    qe_json *j = qe_json_new(TRUE);
    qe_data_report_to_json(rep, ds, j);
    size_t len;
    const char *text = qe_json_text(j, &len);
    if (text)
      fwrite(text, 1, len, stdout), fputc('\n', stdout);
    qe_json_free(j);
  } else {
    size_t n = qe_data_report_usable(rep);
    printf("%s: %zu usable samples of %s, %zu classes\n", argv[1], n,
           qe_data_kind_name(qe_dataset_kind(ds)), qe_data_report_class_count(rep));
    int64_t dims[QE_MAX_RANK];
    int rank = qe_dataset_item_shape(ds, dims);
    if (rank) {
      printf("Model input per sample: (");
      for (int i = 0; i < rank; i++)
        printf("%s%" G_GINT64_FORMAT, i ? ", " : "", dims[i]);
      printf(")\n");
    }
    printf("\n  %-24s %8s %8s %8s %8s %8s\n", "class", "total", "train", "valid", "test", "calib");
    for (size_t c = 0; c < qe_data_report_class_count(rep); c++) {
      const qe_diag_class *k = qe_data_report_class(rep, c);
      printf("  %-24.24s %8zu %8zu %8zu %8zu %8zu\n", k->name, k->count,
             k->per_subset[QE_SUBSET_TRAINING], k->per_subset[QE_SUBSET_VALIDATION],
             k->per_subset[QE_SUBSET_TEST], k->per_subset[QE_SUBSET_CALIBRATION]);
    }
    const qe_diag_histogram *h = qe_data_report_histogram(rep);
    if (h->count)
      printf("\nValues after preprocessing: min %g, max %g, mean %g, std %g (%" G_GUINT64_FORMAT
             " values)\n",
             h->min, h->max, h->mean, h->std, h->count);
    size_t nd = qe_data_report_duplicate_count(rep);
    if (nd)
      printf("Identical samples: %zu pairs, %zu between calibration and evaluation\n", nd,
             qe_data_report_leak_count(rep));
    size_t ns = qe_dataset_skipped_count(ds);
    if (ns) {
      printf("\nSkipped (%zu):\n", ns);
      for (size_t i = 0; i < ns && i < 50; i++)
        printf("  %s: %s\n", qe_dataset_skipped_path(ds, i), qe_dataset_skipped_reason(ds, i));
      if (ns > 50)
        printf("  ... and %zu more (use --json for the full list)\n", ns - 50);
    }
    printf("\n");
    for (size_t i = 0; i < qe_data_report_message_count(rep); i++) {
      const qe_diag_message *m = qe_data_report_message(rep, i);
      printf("%s: %s\n",
             m->level == QE_DIAG_WARNING ? "Warning"
             : m->level == QE_DIAG_ERROR ? "Error"
                                         : "Note",
             m->text);
    }
  }
  qe_data_report_free(rep);
  qe_dataset_free(ds);
  qe_ctx_free(ctx);
  g_free(kind_s), g_free(shape_s), g_free(layout_s), g_free(classes_s);
  g_free(color_s), g_free(interp_s), g_free(scale_s), g_free(offset_s);
  return QZ_EXIT_OK;
}
