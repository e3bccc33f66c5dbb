/* qz-run.c - `qz run --config-path DIR --config-name FILE.yaml [key=value...]`:
 * a model-zoo style run of a YAML configuration, through the engine's
 * pipeline (qe_pipeline.h, the same code the app's Run page uses), with
 * the plots and the human report (HTML, PDF) written beside report.json.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <fontconfig/fontconfig.h>

#include "qe/qe.h"
#include "qe/qe_config.h"
#include "qe/qe_history.h"
#include "qe/qe_pipeline.h"
#include "qe/qe_yaml.h"
#include "qz-cli.h"
#include "qz-report-doc.h"

#define CMD "run"

static const char *summary =
    "Run a YAML configuration of the STM32 model zoo (user_config.yaml) or of TI\n"
    "Tiny ML Tensorlab, as 'python stm32ai_main.py --config-path DIR --config-name\n"
    "FILE' does. operation_mode says what to do:\n"
    "\n"
    "  quantization   quantize the float model (model.model_path) after calibrating\n"
    "                 on the dataset's quantization (or training) samples, or on\n"
    "                 random data when there are none\n"
    "  evaluation     accuracy, per-class precision/recall/F1 and the confusion\n"
    "                 matrix of the model on the test (else validation) samples\n"
    "  benchmarking   sizes, RAM, host latency and the board's estimated latency\n"
    "  deployment     check the quantized model against the board, write its C code\n"
    "                 and flash it (through 'qz deploy')\n"
    "  chain_eqe      evaluate the float model, quantize, evaluate the quantized one\n"
    "  chain_eqeb     the same, then benchmark;  chain_qb: quantize, benchmark;\n"
    "  chain_qd       quantize, deploy;  chain_qe: quantize, evaluate\n"
    "The modes that train (training, chain_tqe, chain_tqeb, chain_tbqeb, chain_tb)\n"
    "are refused: Quantizer quantizes trained models.\n"
    "Tensorlab files (no operation_mode) quantize when training.quantization is\n"
    "1 or 2 (2: TI NPU style, power-of-two scales) and evaluate otherwise.\n"
    "Quantizer does post-training quantization only: QAT settings are refused.\n"
    "\n"
    "Overrides after the options change the file's settings, as Hydra does:\n"
    "  key.sub=value   set (e.g. quantization.granularity=per_tensor)\n"
    "  +key=value      add a key that is not in the file\n"
    "  ++key=value     add or replace\n"
    "  ~key            remove\n"
    "\n"
    "Outputs go to hydra.run.dir (default experiments_outputs/<date_time>/):\n"
    "  <export_dir>/model_quantized.tflite (or .onnx)   the quantized model\n"
    "  <export_dir>/c_model/, c_array/                  C code (deployment, --export-c)\n"
    "  report.json, report.html, report.pdf, plots/*.png  results\n"
    "  .hydra/config.yaml, .hydra/overrides.yaml         the effective settings\n"
    "  logs/run.log                                      what happened, with times\n"
    "The folder appears only when the run succeeds; a failed or cancelled run\n"
    "(Ctrl+C) leaves nothing behind. Every run is recorded in the history\n"
    "(see 'qz history'); --rerun ID runs a recorded run's settings again.\n"
    "Relative paths in the file are taken from the current folder, as the\n"
    "model zoo does.";

/* Ctrl+C cancels the running pipeline (an atomic store: safe in a signal
 * handler). */
static qe_pipeline *volatile running;

static void on_signal(int sig)
{
  (void)sig;
  qe_pipeline_cancel(running);
}

typedef struct {
  char *port;
  const qe_config *cfg; /* its test set validates on the board */
} DeployData;

/* Does the configuration name any data (else calibration was random and
 * the board is validated with random inputs)? */
static gboolean config_has_data(const qe_config *c)
{
  return c && (c->test_path || c->validation_path || c->training_path || c->quantization_path);
}

/* Flash through `qz deploy` (the boards engineer's code path): this very
 * executable, run again. */
/* The number after "key": in @json, from @from on; NaN when absent. */
static double json_number_after(const char *json, const char *from, const char *key)
{
  const char *p = from ? strstr(json, from) : json;
  g_autofree char *k = g_strdup_printf("\"%s\":", key);
  p = p ? strstr(p, k) : NULL;
  if (!p)
    return NAN;
  char *end = NULL;
  double v = g_ascii_strtod(p + strlen(k), &end);
  return end == p + strlen(k) ? NAN : v;
}

static qe_status deploy_with_qz(void *user, const char *model, const char *board,
                                double *latency_ms, qe_ctx *ctx)
{
  DeployData *d = user;
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_ptr_array_add(args, self ? self : (char *)"qz");
  g_ptr_array_add(args, (char *)"deploy");
  g_ptr_array_add(args, (char *)model);
  g_ptr_array_add(args, (char *)"--board");
  g_ptr_array_add(args, (char *)board);
  if (d->port) {
    g_ptr_array_add(args, (char *)"--port");
    g_ptr_array_add(args, d->port);
  }
  /* The configuration's test (else validation) samples go to the board,
   * preprocessed as the evaluation read them: qz deploy --data reads the
   * effective configuration (overrides applied, paths absolute). */
  g_autofree char *tmpdir = NULL, *cfg_yaml = NULL;
  if (config_has_data(d->cfg)) {
    char *text = NULL;
    size_t len = 0;
    tmpdir = g_dir_make_tmp("qz-run-deploy-XXXXXX", NULL);
    if (tmpdir && qe_config_dump(d->cfg, &text, &len, ctx) == QE_OK) {
      cfg_yaml = g_build_filename(tmpdir, "config.yaml", NULL);
      if (!g_file_set_contents(cfg_yaml, text, (gssize)len, NULL))
        g_clear_pointer(&cfg_yaml, g_free);
    }
    free(text);
    if (cfg_yaml) {
      g_ptr_array_add(args, (char *)"--data");
      g_ptr_array_add(args, cfg_yaml);
    }
  }
  g_ptr_array_add(args, (char *)"--quiet");
  g_ptr_array_add(args, (char *)"--json");
  g_ptr_array_add(args, NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  gboolean spawned = g_spawn_sync(NULL, (char **)args->pdata, NULL, self ? 0 : G_SPAWN_SEARCH_PATH,
                                  NULL, NULL, &out, &err, &status, &error);
  if (cfg_yaml)
    g_unlink(cfg_yaml);
  if (tmpdir)
    g_rmdir(tmpdir);
  if (!spawned)
    return qe_error(ctx, QE_ERR_DEVICE, "qz deploy could not be started: %s", error->message);
  if (!g_spawn_check_wait_status(status, NULL)) {
    g_strstrip(err);
    const char *last = strrchr(err, '\n');
    return qe_error(ctx, QE_ERR_DEVICE, "deployment to %s failed: %s", board,
                    last ? last + 1 : (*err ? err : "qz deploy failed"));
  }
  /* the on-target validation: the latency measured on the board */
  if (out && strstr(out, "\"bit_identical\": false"))
    qe_warn(ctx, "board %s: the board's outputs differ from the host's (see qz deploy)", board);
  *latency_ms = out ? json_number_after(out, "\"validation\"", "latency_ms") : NAN;
  return QE_OK;
}

static void print_eval(const char *what, const qe_report_eval *e)
{
  if (e->present && !isnan(e->accuracy))
    printf("%-18s accuracy %6.2f %%  macro F1 %.4f  (%lld samples)\n", what, 100.0 * e->accuracy,
           e->macro_f1, (long long)e->samples);
  if (e->latency.runs)
    printf("%-18s host latency %.4f ms (median of %zu runs)\n", what, e->latency.median_ms,
           e->latency.runs);
}

static void print_bytes(const char *label, int64_t v)
{
  if (v < 0)
    return;
  if (v >= 1 << 20)
    printf("  %s %.2f MiB", label, v / 1048576.0);
  else if (v >= 1 << 10)
    printf("  %s %.1f KiB", label, v / 1024.0);
  else
    printf("  %s %lld B", label, (long long)v);
}

static void print_summary(qe_pipeline *p)
{
  const qe_report *r = qe_pipeline_report(p);
  const char *dir = qe_pipeline_output_dir(p);
  if (dir)
    printf("Output folder: %s\n", dir);
  if (r->model.quantized_path && strcmp(r->model.quantized_path, r->model.path) != 0)
    printf("Quantized model: %s\n", r->model.quantized_path);
  print_eval("Float model:", &r->float_eval);
  print_eval("Quantized model:", &r->quant_eval);
  if (r->has_output_error)
    printf("Output error: RMSE %.4g, L2R %.4g, cosine %.6f\n", r->output_error.rmse,
           r->output_error.l2r, r->output_error.cos);
  if (r->size.float_bytes >= 0 || r->size.quantized_bytes >= 0) {
    printf("Sizes:");
    print_bytes("float", r->size.float_bytes);
    print_bytes("quantized", r->size.quantized_bytes);
    print_bytes("weights", r->size.weights_bytes);
    print_bytes("arena", r->size.arena_bytes);
    printf("\n");
  }
  if (r->board.id && !isnan(r->board.latency_ms))
    printf("Board %s: estimated %.3f ms at %.0f MHz (an estimate from its description)\n",
           r->board.id, r->board.latency_ms, r->board.clock_mhz);
  const qe_board_check_result *c = qe_pipeline_board_check(p);
  if (c)
    printf("Board %s: %s (flash %llu of %llu bytes, RAM %llu of %llu bytes)\n", r->board.id,
           c->deployable ? "fits" : "does NOT fit or breaks its limits",
           (unsigned long long)c->flash_needed, (unsigned long long)c->flash_available,
           (unsigned long long)c->ram_needed, (unsigned long long)c->ram_available);
  for (size_t i = 0; i < qe_pipeline_advice_count(p) && i < 3; i++)
    printf("Hint: %s\n", qe_pipeline_advice(p, i));
  if (qe_pipeline_run_id(p) >= 0)
    printf("History: run %lld\n", (long long)qe_pipeline_run_id(p));
}

/* The stored configuration of run @id. */
static int load_rerun(const char *db, gint64 id, char **yaml)
{
  qe_ctx *ctx = qe_ctx_new();
  char buf[4096];
  const char *path = db;
  int rc = QZ_EXIT_OK;
  qe_history *h = NULL;
  qe_history_detail *d = NULL;
  qe_history_options o;
  qe_history_options_init(&o);
  o.read_only = true;
  if (!path) {
    if (qe_history_default_path(buf, sizeof buf, ctx) != QE_OK) {
      rc = qz_fail(CMD, "%s", qe_ctx_error(ctx));
      goto out;
    }
    path = buf;
  }
  if (qe_history_open(path, &o, &h, ctx) != QE_OK || qe_history_get_run(h, id, &d, ctx) != QE_OK) {
    rc = qz_fail(CMD, "--rerun %lld: %s", (long long)id, qe_ctx_error(ctx));
    goto out;
  }
  if (!d->config_yaml || !*d->config_yaml) {
    rc = qz_fail(CMD, "--rerun %lld: the history has no configuration for this run", (long long)id);
    goto out;
  }
  *yaml = g_strdup(d->config_yaml);
out:
  qe_history_detail_free(d);
  qe_history_close(h);
  qe_ctx_free(ctx);
  return rc;
}

int qz_cmd_run(int argc, char **argv)
{
  g_autofree char *config_path = NULL, *config_name = NULL, *db = NULL, *port = NULL;
  gint64 rerun = -1;
  int latency_runs = -1, max_samples = 0;
  gboolean json = FALSE, quiet = FALSE, no_history = FALSE, export_c = FALSE;
  const GOptionEntry entries[] = {
    { "config-path", 0, 0, G_OPTION_ARG_FILENAME, &config_path,
      "Folder of the configuration file (default: the current folder)", "DIR" },
    { "config-name", 0, 0, G_OPTION_ARG_FILENAME, &config_name,
      "The configuration file (default user_config.yaml; .yaml may be left out)", "FILE" },
    { "rerun", 0, 0, G_OPTION_ARG_INT64, &rerun,
      "Run again with the settings recorded for run ID in the history", "ID" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db,
      "The history database (default $XDG_DATA_HOME/quantizer/history.db)", "PATH" },
    { "no-history", 0, 0, G_OPTION_ARG_NONE, &no_history, "Do not record the run in the history",
      NULL },
    { "export-c", 0, 0, G_OPTION_ARG_NONE, &export_c, "Also write the quantized model as C source",
      NULL },
    { "port", 'p', 0, G_OPTION_ARG_FILENAME, &port, "Deployment: the board's serial port", "DEV" },
    { "max-samples", 0, 0, G_OPTION_ARG_INT, &max_samples,
      "Evaluate at most N samples (default: all)", "N" },
    { "latency-runs", 0, 0, G_OPTION_ARG_INT, &latency_runs,
      "Timed runs for the host latency (default: evaluation.latency_runs, 20; 0: none)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print report.json on standard output", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress and no summary", NULL },
    G_OPTION_ENTRY_NULL
  };
  int rc;
  if (!qz_parse_options(CMD, "[--config-path DIR] [--config-name FILE.yaml] [key.sub=value...]",
                        summary, entries, &argc, &argv, &rc))
    return rc;
  if (max_samples < 0)
    return qz_usage_error(CMD, "--max-samples must not be negative");
  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-' || (!strchr(argv[i], '=') && argv[i][0] != '~'))
      return qz_usage_error(CMD, "'%s' is not an override (key.sub=value, +key=value, ~key)",
                            argv[i]);
  if (rerun >= 0 && (config_path || config_name))
    return qz_usage_error(CMD, "--rerun takes the configuration from the history: leave out "
                               "--config-path and --config-name");

  const char *const *overrides = (const char *const *)(argv + 1);
  size_t n_overrides = argc > 1 ? (size_t)(argc - 1) : 0;
  g_autofree char *rerun_yaml = NULL;
  g_autofree char *file = NULL;
  if (rerun >= 0) {
    if ((rc = load_rerun(db, rerun, &rerun_yaml)) != QZ_EXIT_OK)
      return rc;
  } else {
    const char *name = config_name ? config_name : "user_config.yaml";
    g_autofree char *with_ext = g_str_has_suffix(name, ".yaml") || g_str_has_suffix(name, ".yml")
                                    ? g_strdup(name)
                                    : g_strdup_printf("%s.yaml", name);
    file = g_build_filename(config_path ? config_path : ".", with_ext, NULL);
  }

  qe_ctx *ctx = qe_ctx_new();
  qe_config *cfg = NULL;
  qe_pipeline *p = NULL;
  qe_yaml_doc *doc = NULL;
  QzProgress *prog = NULL;
  g_autofree char *boards = qz_boards_dir();
  int ret = QZ_EXIT_OK;
  qe_config_options co;
  qe_config_options_init(&co);
  co.overrides = overrides;
  co.n_overrides = n_overrides;
  qe_status st;
  if (rerun_yaml) {
    g_autofree char *name = g_strdup_printf("history run %lld", (long long)rerun);
    st = qe_yaml_load_string(rerun_yaml, strlen(rerun_yaml), name, &doc, ctx);
    if (st == QE_OK)
      st = qe_config_load_doc(doc, &co, &cfg, ctx);
  } else {
    st = qe_config_load_file(file, &co, &cfg, ctx);
  }
  if (st != QE_OK) {
    ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
    goto out;
  }
  if (!quiet)
    qz_print_warnings(CMD, ctx, 0);

  DeployData dd = { port, cfg };
  qe_pipeline_options po;
  qe_pipeline_options_init(&po);
  prog = qz_progress_new(quiet || json);
  po.progress = qz_progress_cb;
  po.progress_data = prog;
  po.use_history = !no_history;
  po.history_path = db;
  po.boards_dir = boards;
  po.export_c = export_c;
  po.latency_runs = latency_runs;
  po.max_eval_samples = (size_t)max_samples;
  po.overrides = overrides;
  po.n_overrides = n_overrides;
  po.write_files = qz_report_write_run_files; /* plots, report.html, report.pdf */
  po.deploy = deploy_with_qz;
  po.deploy_data = &dd;
  if (qe_pipeline_new(cfg, &po, &p, ctx) != QE_OK) {
    ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
    goto out;
  }
  size_t warnings_before = qe_ctx_warning_count(ctx);
  running = p;
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  st = qe_pipeline_run(p, ctx);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  running = NULL;
  qz_progress_done(prog);
  if (!quiet)
    qz_print_warnings(CMD, ctx, warnings_before);
  if (st == QE_ERR_CANCELLED) {
    ret = qz_fail(CMD, "cancelled; nothing was written%s",
                  qe_pipeline_run_id(p) >= 0 ? " (the history records the run as cancelled)" : "");
    goto out;
  }
  if (st != QE_OK) {
    ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
    goto out;
  }
  if (json) {
    char *text = NULL;
    if (qe_pipeline_report_json(p, true, &text, ctx) != QE_OK) {
      ret = qz_fail(CMD, "%s", qe_ctx_error(ctx));
      goto out;
    }
    fputs(text, stdout);
    free(text);
  } else if (!quiet) {
    print_summary(p);
  }
out:
  qz_progress_free(prog);
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_yaml_doc_free(doc);
  qe_ctx_free(ctx);
  /* the report's text was drawn with cairo's fonts: release their caches */
  cairo_debug_reset_static_data();
  FcFini();
  return ret;
}
