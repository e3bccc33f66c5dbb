/* test-pipeline.c - the run pipeline (qe_pipeline.h) on real models and data:
 * phases in order with monotonic overall progress; cancel from the progress
 * callback in the middle of calibration and cancel from another thread
 * leave no file, no staging folder, no extra thread (and, in the sanitizer
 * build, no leak), and a 'cancelled' history row; a failing run leaves
 * nothing and a 'failed' row; a second run into an existing output folder
 * replaces its files; staging folders of dead processes are cleaned; the
 * pipeline's numbers equal report.json's.
 *
 *   test-pipeline WORKDIR
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qe/qe.h"
#include "qe/qe_config.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_history.h"
#include "qe/qe_pipeline.h"
#include "qe/qe_yaml.h"
#include "qz-check-fatal.h"

static char src[1024], work[1024], boards[1100], db[1100];

static void rm_rf(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
        continue;
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      rm_rf(sub);
    }
    if (d)
      closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

static bool exists(const char *path)
{
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Entries of @dir, as one sorted-insensitive string (for comparisons). */
static size_t count_entries(const char *dir, const char *containing)
{
  size_t n = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
        (!containing || strstr(e->d_name, containing)))
      n++;
  if (d)
    closedir(d);
  return n;
}

static size_t thread_count(void)
{
  return count_entries("/proc/self/task", NULL);
}

/* The AFD seed (arc fault detection on the small CSVs) as chain_eqe, or the
 * flowers seed (MobileNetV2 on JPEGs, 150 calibration images). */
static qe_config *load_config(const char *which, const char *out_dir, const char *mode, qe_ctx *ctx)
{
  char text[8192];
  if (strcmp(which, "afd") == 0)
    snprintf(text, sizeof text,
             "operation_mode: %s\n"
             "general: {project_name: pipeline-test}\n"
             "model: {model_path: %s/tests/models/conv1d_series.onnx}\n"
             "dataset:\n"
             "  class_names: [normal, arc]\n"
             "  training_path: %s/tests/seeds-data/afd/Arc_and_Normal_quantization.csv\n"
             "  test_path: %s/tests/seeds-data/afd/Arc_and_Normal_test.csv\n"
             "preprocessing: {downsampling: False, normalization: True, time_domain: True}\n"
             "quantization: {quantizer: TFlite_converter}\n"
             "evaluation: {latency_runs: 3, warmup_runs: 1}\n"
             "hydra: {run: {dir: %s}}\n",
             mode, src, src, src, out_dir);
  else
    snprintf(text, sizeof text,
             "operation_mode: %s\n"
             "general: {project_name: pipeline-test, model_path: "
             "%s/tests/models/mobilenetv2_tiny.onnx}\n"
             "dataset:\n"
             "  class_names: [t-shirt_top, trouser, pullover, dress, coat, sandal, shirt, "
             "sneaker, bag, ankle_boot]\n"
             "  quantization_path: %s/tests/seeds-data/fashion_photos\n"
             "  test_path: %s/tests/seeds-data/fashion_photos_test\n"
             "preprocessing:\n"
             "  rescaling: {scale: 1/127.5, offset: -1}\n"
             "  resizing: {aspect_ratio: fit, interpolation: nearest}\n"
             "  color_mode: rgb\n"
             "evaluation: {latency_runs: 3, warmup_runs: 1}\n"
             "hydra: {run: {dir: %s}}\n",
             mode, src, src, src, out_dir);
  qe_yaml_doc *doc = NULL;
  OK(qe_yaml_load_string(text, strlen(text), "test config", &doc, ctx));
  qe_config_options co;
  qe_config_options_init(&co);
  qe_config *cfg = NULL;
  OK(qe_config_load_doc(doc, &co, &cfg, ctx));
  qe_yaml_doc_free(doc);
  return cfg;
}

static void options(qe_pipeline_options *po)
{
  qe_pipeline_options_init(po);
  po->history_path = db;
  po->boards_dir = boards;
  po->diag_samples = 4;
}

static qe_run_status history_status(int64_t id, char *message, size_t size)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_history *h = NULL;
  qe_history_detail *d = NULL;
  qe_history_options o;
  qe_history_options_init(&o);
  o.read_only = true;
  OK(qe_history_open(db, &o, &h, ctx));
  OK(qe_history_get_run(h, id, &d, ctx));
  qe_run_status s = d->run.status;
  if (message)
    snprintf(message, size, "%s", d->run.message ? d->run.message : "");
  qe_history_detail_free(d);
  qe_history_close(h);
  qe_ctx_free(ctx);
  return s;
}

/* ---- phases and progress ------------------------------------------------- */

typedef struct {
  char phases[16][64];
  int n;
  double last_overall;
  bool backwards;
} seen_t;

static int record(void *user, double fraction, const char *phase)
{
  seen_t *s = user;
  if (s->n == 0 || strcmp(s->phases[s->n - 1], phase) != 0) {
    if (s->n >= 16) {
      for (int i = 0; i < s->n; i++)
        fprintf(stderr, "phase %d: %s\n", i, s->phases[i]);
    }
    CHECK(s->n < 16);
    snprintf(s->phases[s->n++], sizeof s->phases[0], "%s", phase);
  }
  if (fraction >= 0) {
    if (fraction + 1e-12 < s->last_overall)
      s->backwards = true;
    s->last_overall = fraction;
  }
  return 0;
}

static void test_phases_and_report(void)
{
  qe_ctx *ctx = qe_ctx_new();
  char out[1200];
  snprintf(out, sizeof out, "%s/out/afd", work);
  qe_config *cfg = load_config("afd", out, "chain_eqe", ctx);
  qe_pipeline_options po;
  options(&po);
  seen_t seen = { .n = 0 };
  po.progress = record;
  po.progress_data = &seen;
  po.overall_progress = true;
  qe_pipeline *p = NULL;
  OK(qe_pipeline_new(cfg, &po, &p, ctx));
  OK(qe_pipeline_run(p, ctx));
  CHECK(qe_pipeline_status(p) == QE_RUN_FINISHED);
  static const char *const want[] = {
    "loading model",
    "reading data",
    "calibrating",
    "quantizing",
    "evaluating float model",
    "evaluating quantized model",
    "measuring latency",
    "exporting",
    "writing report",
  };
  const int n_want = (int)(sizeof want / sizeof want[0]);
  for (int i = 0; i < seen.n; i++)
    fprintf(stderr, "phase %d: %s\n", i, seen.phases[i]);
  CHECK(seen.n == n_want);
  for (int i = 0; i < n_want; i++)
    CHECK(strcmp(seen.phases[i], want[i]) == 0);
  CHECK(!seen.backwards);
  CHECK(seen.last_overall > 0.99 && seen.last_overall <= 1.0 + 1e-9);
  unsigned ph = qe_pipeline_phases(p);
  CHECK(qe_pipeline_expected_phases(cfg, &po) == ph);
  for (int i = 0; i < QE_PHASE_COUNT; i++)
    CHECK(((ph >> i) & 1) == (i != QE_PHASE_DEPLOY));
  CHECK(!isnan(qe_pipeline_phase_seconds(p, QE_PHASE_CALIBRATE)));
  CHECK(isnan(qe_pipeline_phase_seconds(p, QE_PHASE_DEPLOY)));

  /* the numbers: the float model's 95 % on these 40 test rows is in
   * tests/models/manifest.json (float_accuracy_seeds_csv_test) */
  const qe_report *r = qe_pipeline_report(p);
  CHECK(r->float_eval.present && r->quant_eval.present);
  CHECK(fabs(r->float_eval.accuracy - 0.95) < 1e-12);
  CHECK(r->float_eval.samples == 40 && r->quant_eval.samples == 40);
  CHECK(r->quant_eval.accuracy >= 0.85);
  CHECK(r->has_output_error && r->output_error.cos > 0.95 && r->output_error.rows == 40);
  CHECK(r->n_classes == 2 && strcmp(r->class_names[1], "arc") == 0);
  CHECK(r->size.arena_bytes > 0 && r->size.weights_bytes > 0 && r->size.quantized_bytes > 0);
  CHECK(r->float_eval.latency.runs == 3 && r->quant_eval.latency.runs == 3);
  CHECK(r->n_layers > 5);

  /* report.json holds the same numbers */
  char path[1400];
  snprintf(path, sizeof path, "%s/report.json", out);
  uint8_t *json = NULL;
  size_t len = 0;
  OK(qe_read_file(path, &json, &len, ctx));
  char *api = NULL;
  OK(qe_pipeline_report_json(p, true, &api, ctx));
  CHECK(strcmp((const char *)json, api) == 0);
  free(api);
  free(json);
  CHECK(strcmp(qe_pipeline_output_dir(p), out) == 0);
  for (size_t i = 0; i < qe_pipeline_artifact_count(p); i++)
    CHECK(exists(qe_pipeline_artifact(p, i)->path));
  snprintf(path, sizeof path, "%s/quantized_models/model_quantized.tflite", out);
  CHECK(exists(path));
  CHECK(count_entries(work, ".partial") == 0);
  CHECK(count_entries(path, NULL) == 0); /* a file, not a folder */
  CHECK(history_status(qe_pipeline_run_id(p), NULL, 0) == QE_RUN_FINISHED);
  CHECK(strstr(qe_pipeline_log(p), "calibrating: done") != NULL);

  /* a second run into the same folder replaces the files */
  struct stat before;
  CHECK(stat(path, &before) == 0);
  qe_pipeline_free(p);
  po.progress = NULL;
  OK(qe_pipeline_new(cfg, &po, &p, ctx));
  OK(qe_pipeline_run(p, ctx));
  struct stat after;
  CHECK(stat(path, &after) == 0);
  CHECK(after.st_ino != before.st_ino); /* renamed over */
  CHECK(count_entries(work, ".partial") == 0);
  /* a pipeline runs once */
  CHECK(qe_pipeline_run(p, ctx) == QE_ERR_INVALID);
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
}

/* ---- cancel ---------------------------------------------------------------- */

typedef struct {
  int calls_in_calibration;
  bool cancelled;
} cancel_t;

static int cancel_mid_calibration(void *user, double fraction, const char *phase)
{
  cancel_t *c = user;
  if (strcmp(phase, "calibrating") == 0 && fraction > 0.2 && fraction < 0.9) {
    c->calls_in_calibration++;
    c->cancelled = true;
    return 1;
  }
  return 0;
}

static void test_cancel_from_callback(void)
{
  qe_ctx *ctx = qe_ctx_new();
  char out[1200];
  snprintf(out, sizeof out, "%s/out/cancelled", work);
  qe_config *cfg = load_config("flowers", out, "chain_eqe", ctx);
  char out_parent[1200];
  snprintf(out_parent, sizeof out_parent, "%s/out", work);
  size_t threads_before = thread_count();
  size_t entries_before = count_entries(out_parent, NULL);
  qe_pipeline_options po;
  options(&po);
  cancel_t c = { 0 };
  po.progress = cancel_mid_calibration;
  po.progress_data = &c;
  qe_pipeline *p = NULL;
  OK(qe_pipeline_new(cfg, &po, &p, ctx));
  CHECK(qe_pipeline_run(p, ctx) == QE_ERR_CANCELLED);
  CHECK(c.cancelled);
  CHECK(qe_pipeline_status(p) == QE_RUN_CANCELLED);
  CHECK(qe_pipeline_output_dir(p) == NULL);
  CHECK(qe_pipeline_artifact_count(p) == 0);
  CHECK(!exists(out));
  CHECK(count_entries(out_parent, NULL) == entries_before);
  CHECK(count_entries(out_parent, ".partial") == 0);
  CHECK(thread_count() == threads_before);
  CHECK(isnan(qe_pipeline_phase_seconds(p, QE_PHASE_EVALUATE_FLOAT)));
  CHECK(history_status(qe_pipeline_run_id(p), NULL, 0) == QE_RUN_CANCELLED);
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
}

typedef struct {
  qe_pipeline *p;
  qe_status st;
} thread_arg;

static void *run_thread(void *user)
{
  thread_arg *a = user;
  qe_ctx *ctx = qe_ctx_new();
  a->st = qe_pipeline_run(a->p, ctx);
  qe_ctx_free(ctx);
  return NULL;
}

static void test_cancel_from_other_thread(void)
{
  qe_ctx *ctx = qe_ctx_new();
  char out[1200];
  snprintf(out, sizeof out, "%s/out/cancelled2", work);
  qe_config *cfg = load_config("flowers", out, "quantization", ctx);
  size_t threads_before = thread_count();
  qe_pipeline_options po;
  options(&po);
  qe_pipeline *p = NULL;
  OK(qe_pipeline_new(cfg, &po, &p, ctx));
  thread_arg a = { p, QE_OK };
  pthread_t t;
  CHECK(pthread_create(&t, NULL, run_thread, &a) == 0);
  /* wait until it calibrates, then cancel */
  for (int i = 0; i < 20000; i++) {
    qe_pipeline_phase ph = QE_PHASE_LOAD_MODEL;
    double f = 0;
    qe_pipeline_get_progress(p, &ph, &f, NULL);
    if (ph == QE_PHASE_CALIBRATE && f > 0.2)
      break;
    usleep(1000);
  }
  qe_pipeline_cancel(p);
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(a.st == QE_ERR_CANCELLED);
  CHECK(qe_pipeline_status(p) == QE_RUN_CANCELLED);
  CHECK(!exists(out));
  char out_parent[1200];
  snprintf(out_parent, sizeof out_parent, "%s/out", work);
  CHECK(count_entries(out_parent, ".partial") == 0);
  CHECK(thread_count() == threads_before);
  CHECK(history_status(qe_pipeline_run_id(p), NULL, 0) == QE_RUN_CANCELLED);
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
}

/* ---- failure and stale staging folders --------------------------------- */

static void test_failure_and_stale(void)
{
  qe_ctx *ctx = qe_ctx_new();
  char out[1300], stale[1400], out_parent[1200];
  snprintf(out_parent, sizeof out_parent, "%s/out", work);
  snprintf(out, sizeof out, "%s/failed", out_parent);
  /* a staging folder of a process that no longer exists */
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0)
    _exit(0);
  int status;
  CHECK(waitpid(child, &status, 0) == child);
  snprintf(stale, sizeof stale, "%s/.gone.partial.%ld.0", out_parent, (long)child);
  CHECK(mkdir(stale, 0777) == 0);
  char inner[1600];
  snprintf(inner, sizeof inner, "%s/report.json", stale);
  OK(qe_write_file_atomic(inner, "{}", 2, ctx));

  /* evaluation of a model on data of another shape fails */
  char text[8192];
  snprintf(text, sizeof text,
           "operation_mode: evaluation\n"
           "model: {model_path: %s/tests/models/fashion_cnn.onnx}\n"
           "dataset: {test_path: %s/tests/models/tiny_transformer_test.npz}\n"
           "hydra: {run: {dir: %s}}\n",
           src, src, out);
  qe_yaml_doc *doc = NULL;
  OK(qe_yaml_load_string(text, strlen(text), "failing config", &doc, ctx));
  qe_config_options co;
  qe_config_options_init(&co);
  qe_config *cfg = NULL;
  OK(qe_config_load_doc(doc, &co, &cfg, ctx));
  qe_yaml_doc_free(doc);
  qe_pipeline_options po;
  options(&po);
  qe_pipeline *p = NULL;
  OK(qe_pipeline_new(cfg, &po, &p, ctx));
  qe_status st = qe_pipeline_run(p, ctx);
  CHECK(st == QE_ERR_DATA || st == QE_ERR_SHAPE);
  if (!strstr(qe_ctx_error(ctx), "tiny_transformer_test.npz"))
    fprintf(stderr, "message: %s\n", qe_ctx_error(ctx));
  CHECK(strstr(qe_ctx_error(ctx), "tiny_transformer_test.npz") != NULL);
  CHECK(qe_pipeline_status(p) == QE_RUN_FAILED);
  CHECK(!exists(out));
  CHECK(!exists(stale)); /* cleaned by this run */
  CHECK(count_entries(out_parent, ".partial") == 0);
  char message[1024];
  CHECK(history_status(qe_pipeline_run_id(p), message, sizeof message) == QE_RUN_FAILED);
  CHECK(strstr(message, "tiny_transformer_test.npz") != NULL);
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
}

/* Without outputs and history (qz evaluate, the app's previews): nothing
 * is written anywhere. */
static void test_compute_only(void)
{
  qe_ctx *ctx = qe_ctx_new();
  char out[1200];
  snprintf(out, sizeof out, "%s/out/not-written", work);
  qe_config *cfg = load_config("afd", out, "evaluation", ctx);
  qe_pipeline_options po;
  options(&po);
  po.write_outputs = false;
  po.use_history = false;
  po.latency_runs = 0;
  qe_pipeline *p = NULL;
  OK(qe_pipeline_new(cfg, &po, &p, ctx));
  OK(qe_pipeline_run(p, ctx));
  const qe_report *r = qe_pipeline_report(p);
  CHECK(fabs(r->float_eval.accuracy - 0.95) < 1e-12);
  CHECK(!r->quant_eval.present);
  CHECK(r->float_eval.latency.runs == 0);
  CHECK(!exists(out));
  CHECK(qe_pipeline_run_id(p) == -1);
  CHECK(qe_pipeline_output_dir(p) == NULL);
  CHECK(!(qe_pipeline_phases(p) & (1u << QE_PHASE_LATENCY)));
  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: test-pipeline WORKDIR\n");
    return 2;
  }
  const char *root = getenv("QZ_SOURCE_ROOT");
  CHECK(root != NULL);
  snprintf(src, sizeof src, "%s", root);
  snprintf(work, sizeof work, "%s", argv[1]);
  snprintf(boards, sizeof boards, "%s/targets", src);
  rm_rf(work);
  qe_ctx *ctx = qe_ctx_new();
  OK(qe_mkdir_p(work, ctx));
  qe_ctx_free(ctx);
  snprintf(db, sizeof db, "%s/history.db", work);

  test_phases_and_report();
  test_cancel_from_callback();
  test_cancel_from_other_thread();
  test_failure_and_stale();
  test_compute_only();
  printf("pipeline: all checks passed\n");
  return 0;
}
