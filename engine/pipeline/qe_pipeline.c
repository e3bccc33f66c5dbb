/* qe_pipeline.c - one run of a configuration: load, read data, quantize,
 * evaluate, measure, export, report, remember.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qe/qe_codegen.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_json.h"
#include "qe/qe_metrics.h"
#include "qe/qe_pipeline.h"
#include "qe/qe_quantize.h"
#include "qe/qe_tflite.h"
#include "qe_pipeline_private.h"

static const char *const phase_names[] = {
  [QE_PHASE_LOAD_MODEL] = "loading model",
  [QE_PHASE_READ_DATA] = "reading data",
  [QE_PHASE_CALIBRATE] = "calibrating",
  [QE_PHASE_QUANTIZE] = "quantizing",
  [QE_PHASE_EVALUATE_FLOAT] = "evaluating float model",
  [QE_PHASE_EVALUATE_QUANTIZED] = "evaluating quantized model",
  [QE_PHASE_LATENCY] = "measuring latency",
  [QE_PHASE_EXPORT] = "exporting",
  [QE_PHASE_DEPLOY] = "deploying",
  [QE_PHASE_REPORT] = "writing report",
};
static_assert(QE_ARRAY_LEN(phase_names) == QE_PHASE_COUNT, "a name per phase");

/* Keep at most this many bytes of float outputs to compare the quantized
 * model's outputs with (the output error); beyond, it is not computed. */
#define REF_LIMIT ((size_t)256 << 20)

const char *qe_pipeline_phase_name(qe_pipeline_phase phase)
{
  return (unsigned)phase < QE_PHASE_COUNT ? phase_names[phase] : "";
}

typedef struct artifact {
  char *kind;
  char *rel;  /* relative to the output folder */
  char *path; /* final path */
} artifact;

struct qe_pipeline {
  const qe_config *cfg;
  qe_pipeline_options opt;
  bool ran;
  qe_run_status status;
  qe_report *report;

  /* progress, shared with other threads */
  pthread_mutex_t lock;
  atomic_int cancel;
  qe_pipeline_phase phase;
  double phase_fraction, overall;
  /* progress, running thread only */
  unsigned phases;
  double weight[QE_PHASE_COUNT];
  double seconds[QE_PHASE_COUNT];
  double phase_t0, t0, last_forward_ms;
  int last_forwarded_phase;
  double sub_lo, sub_hi;  /* inner fractions land in [sub_lo, sub_hi] of the phase */
  qe_ctx *wctx;           /* the run's working context */
  size_t warnings_copied; /* of wctx into the report */

  /* the run log */
  char *log;
  size_t log_len, log_cap;

  /* models and data */
  qe_pl_model *model;  /* as given */
  qe_pl_model *qmodel; /* the quantizer's int8 model, or the given one when quantized */
  qe_quant_result *quant;
  qe_dataset *ds;
  qe_subset eval_subset, calib_subset;
  size_t n_eval, n_calib;
  bool labelled;
  float *latency_input;
  float *ref;
  size_t ref_len, ref_cap, ref_rows;
  bool ref_overflow;
  char *quant_json;

  /* board */
  qe_board *board;
  qe_board_check_result check;
  bool has_check;

  /* outputs */
  char *output_dir, *staging, *quantized_rel;
  artifact *artifacts;
  size_t n_artifacts, cap_artifacts;
  qe_history_artifact *views; /* (kind, path) of each, for the history */
  size_t cap_views;

  char *model_path; /* the model file, canonical */

  /* history */
  qe_history *hist;
  int64_t run_id;
};

void qe_pipeline_options_init(qe_pipeline_options *o)
{
  memset(o, 0, sizeof *o);
  o->write_outputs = true;
  o->use_history = true;
  o->latency_runs = -1;
  o->warmup_runs = -1;
  o->diag_samples = 32;
}

qe_status qe_pipeline_new(const qe_config *cfg, const qe_pipeline_options *opt, qe_pipeline **out,
                          qe_ctx *ctx)
{
  if (!out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_pipeline_new: no output");
  *out = NULL;
  if (!cfg)
    return qe_error(ctx, QE_ERR_INVALID, "qe_pipeline_new: no configuration");
  qe_pipeline *p = calloc(1, sizeof *p);
  if (!p)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  p->cfg = cfg;
  if (opt)
    p->opt = *opt;
  else
    qe_pipeline_options_init(&p->opt);
  p->status = QE_RUN_RUNNING;
  p->run_id = -1;
  p->last_forwarded_phase = -1;
  p->sub_hi = 1.0;
  atomic_init(&p->cancel, 0);
  for (int i = 0; i < QE_PHASE_COUNT; i++)
    p->seconds[i] = NAN;
  if (pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p);
    return qe_error(ctx, QE_ERR_NOMEM, "cannot create a lock");
  }
  qe_status st = qe_report_new(&p->report, ctx);
  if (st) {
    pthread_mutex_destroy(&p->lock);
    free(p);
    return st;
  }
  *out = p;
  return QE_OK;
}

void qe_pipeline_free(qe_pipeline *p)
{
  if (!p)
    return;
  qe_report_free(p->report);
  free(p->log);
  qe_pl_model_free(p->model);
  qe_pl_model_free(p->qmodel);
  qe_quant_result_free(p->quant);
  qe_dataset_free(p->ds);
  free(p->latency_input);
  free(p->ref);
  free(p->quant_json);
  if (p->has_check)
    qe_board_check_clear(&p->check);
  qe_board_free(p->board);
  free(p->output_dir);
  free(p->staging);
  free(p->quantized_rel);
  free(p->model_path);
  for (size_t i = 0; i < p->n_artifacts; i++) {
    free(p->artifacts[i].kind);
    free(p->artifacts[i].rel);
    free(p->artifacts[i].path);
  }
  free(p->artifacts);
  free(p->views);
  qe_history_close(p->hist);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

void qe_pipeline_cancel(qe_pipeline *p)
{
  if (p)
    atomic_store(&p->cancel, 1);
}

void qe_pipeline_get_progress(qe_pipeline *p, qe_pipeline_phase *phase, double *phase_fraction,
                              double *overall)
{
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  if (phase)
    *phase = p->phase;
  if (phase_fraction)
    *phase_fraction = p->phase_fraction;
  if (overall)
    *overall = p->overall;
  pthread_mutex_unlock(&p->lock);
}

/* ---- the log ------------------------------------------------------------ */

static void logf_(qe_pipeline *p, const char *fmt, ...) QE_PRINTF(2, 3);
static void logf_(qe_pipeline *p, const char *fmt, ...)
{
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  char stamp[32];
  snprintf(stamp, sizeof stamp, "[%8.2f s] ", p->t0 > 0 ? (qe_time_ms() - p->t0) / 1000.0 : 0.0);
  size_t add = strlen(stamp) + strlen(line) + 1;
  if (!qe_grow((void **)&p->log, &p->log_cap, p->log_len + add + 1, 1))
    return;
  p->log_len +=
      (size_t)snprintf(p->log + p->log_len, p->log_cap - p->log_len, "%s%s\n", stamp, line);
}

static void warn(qe_pipeline *p, const char *fmt, ...) QE_PRINTF(2, 3);
static void warn(qe_pipeline *p, const char *fmt, ...)
{
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  qe_warn(p->wctx, "%s", line);
  logf_(p, "warning: %s", line);
}

/* ---- progress ----------------------------------------------------------- */

static double overall_of(const qe_pipeline *p, qe_pipeline_phase phase, double frac)
{
  double total = 0, done = 0;
  for (int i = 0; i < QE_PHASE_COUNT; i++) {
    if (!(p->phases & (1u << i)))
      continue;
    total += p->weight[i];
    if (i < (int)phase)
      done += p->weight[i];
  }
  if (total <= 0)
    return -1;
  if ((p->phases & (1u << phase)) && frac > 0)
    done += p->weight[phase] * (frac > 1 ? 1 : frac);
  return done / total;
}

/* Record @frac of the current phase and tell the caller (throttled). */
static int forward(qe_pipeline *p, double frac, bool force)
{
  if (atomic_load(&p->cancel))
    return 1;
  pthread_mutex_lock(&p->lock);
  /* never backwards within a phase; unknown (< 0): as far as known */
  if (frac < p->phase_fraction)
    frac = p->phase_fraction;
  p->phase_fraction = frac;
  /* never backwards either, when the weights change (after reading data) */
  double o = overall_of(p, p->phase, frac);
  if (o > p->overall || p->overall < 0)
    p->overall = o;
  double overall = p->overall;
  pthread_mutex_unlock(&p->lock);
  if (!p->opt.progress)
    return 0;
  double now = qe_time_ms();
  if (!force && (int)p->phase == p->last_forwarded_phase && now - p->last_forward_ms < 30.0)
    return 0;
  p->last_forward_ms = now;
  p->last_forwarded_phase = (int)p->phase;
  return p->opt.progress(p->opt.progress_data, p->opt.overall_progress ? overall : frac,
                         phase_names[p->phase]);
}

static void end_phase(qe_pipeline *p)
{
  if (p->phase_t0 > 0) {
    double s = (qe_time_ms() - p->phase_t0) / 1000.0;
    p->seconds[p->phase] = isnan(p->seconds[p->phase]) ? s : p->seconds[p->phase] + s;
    logf_(p, "%s: done in %.2f s", phase_names[p->phase], s);
  }
  p->phase_t0 = 0;
}

static qe_status begin_phase(qe_pipeline *p, qe_pipeline_phase phase)
{
  end_phase(p);
  pthread_mutex_lock(&p->lock);
  p->phase = phase;
  p->phase_fraction = 0;
  pthread_mutex_unlock(&p->lock);
  p->phases |= 1u << phase;
  p->phase_t0 = qe_time_ms();
  p->sub_lo = 0;
  p->sub_hi = 1;
  logf_(p, "%s", phase_names[phase]);
  return qe_progress(p->wctx, 0.0, phase_names[phase]);
}

static qe_status phase_fraction(qe_pipeline *p, double f)
{
  return qe_progress(p->wctx, f, phase_names[p->phase]);
}

/* The working context's progress callback: the engine's own phases are
 * folded into the pipeline's. */
static int on_progress(void *user, double fraction, const char *inner)
{
  qe_pipeline *p = user;
  if (!inner)
    inner = "";
  if (strcmp(inner, phase_names[p->phase]) == 0 && p->sub_lo == 0 && p->sub_hi == 1)
    return forward(p, fraction, fraction <= 0 || fraction >= 1);
  double lo = -1, hi = -1;
  if (p->phase == QE_PHASE_CALIBRATE || p->phase == QE_PHASE_QUANTIZE) {
    if (!strcmp(inner, "preparing") && p->phase == QE_PHASE_CALIBRATE)
      lo = 0, hi = 0.05;
    else if (!strcmp(inner, "equalizing"))
      lo = 0.05, hi = 0.15;
    else if (!strcmp(inner, "calibrating"))
      lo = 0.15, hi = 1;
    else if (!strcmp(inner, "quantizing") || !strcmp(inner, "correcting biases") ||
             !strcmp(inner, "diagnosing")) {
      if (p->phase == QE_PHASE_CALIBRATE) {
        /* the quantizer moved on */
        end_phase(p);
        pthread_mutex_lock(&p->lock);
        p->phase = QE_PHASE_QUANTIZE;
        p->phase_fraction = 0;
        pthread_mutex_unlock(&p->lock);
        p->phases |= 1u << QE_PHASE_QUANTIZE;
        p->phase_t0 = qe_time_ms();
        logf_(p, "%s", phase_names[QE_PHASE_QUANTIZE]);
        return forward(p, 0, true);
      }
      if (!strcmp(inner, "diagnosing"))
        lo = 0.3, hi = 1;
      else
        lo = 0, hi = 0.3;
    }
  } else if (!strcmp(inner, "measuring latency") || !strcmp(inner, phase_names[p->phase])) {
    lo = p->sub_lo, hi = p->sub_hi;
  }
  if (lo < 0 || fraction < 0)
    return forward(p, -1, false) ? 1 : 0; /* cancel check only */
  return forward(p, lo + (hi - lo) * (fraction > 1 ? 1 : fraction), false);
}

/* ---- boards ---------------------------------------------------------------- */

static bool contains_ci(const char *hay, const char *needle)
{
  if (!hay || !needle || !*needle)
    return false;
  size_t n = strlen(needle);
  for (const char *h = hay; *h; h++)
    if (strncasecmp(h, needle, n) == 0)
      return true;
  return false;
}

/* The board named @name: its id exactly, its id in any case, else the one
 * board whose id, name or MCU contains it (Tensorlab's target_device
 * 'F28P55' is the LAUNCHXL-F28P55X). */
static qe_status find_board(qe_pipeline *p, const char *name, qe_ctx *ctx)
{
  const char *key = p->cfg->board_key ? p->cfg->board_key : "quantization.board";
  if (!p->opt.boards_dir)
    return qe_error(ctx, QE_ERR_INVALID,
                    "%s '%s': no folder of board descriptions was given to look it up", key, name);
  qe_board_list *list = NULL;
  qe_status st = qe_board_list_load(p->opt.boards_dir, &list, ctx);
  if (st)
    return st;
  const qe_board *hit = qe_board_list_find(list, name);
  size_t matches = 0;
  for (size_t i = 0; !hit && i < list->n; i++)
    if (strcasecmp(list->boards[i]->id, name) == 0)
      hit = list->boards[i];
  for (size_t i = 0; !hit && i < list->n; i++) {
    const qe_board *b = list->boards[i];
    if (contains_ci(b->id, name) || contains_ci(b->name, name) || contains_ci(b->mcu, name))
      matches++;
  }
  if (!hit && matches == 1) {
    for (size_t i = 0; i < list->n; i++) {
      const qe_board *b = list->boards[i];
      if (contains_ci(b->id, name) || contains_ci(b->name, name) || contains_ci(b->mcu, name))
        hit = b;
    }
  }
  if (!hit) {
    char known[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < list->n && len + 64 < sizeof known; i++)
      len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "",
                              list->boards[i]->id);
    qe_board_list_free(list);
    return qe_error(ctx, QE_ERR_INVALID, "%s '%s' is %s; the boards are: %s", key, name,
                    matches > 1 ? "ambiguous" : "not a known board", known);
  }
  st = qe_board_load(hit->path, &p->board, ctx);
  qe_board_list_free(list);
  return st;
}

/* Which quantization settings the user gave (the board's defaults fill
 * the others). */
enum {
  SET_CALIB = 1u << 0,
  SET_GRANULARITY = 1u << 1,
  SET_WEIGHT_BITS = 1u << 2,
  SET_ACTIVATION_BITS = 1u << 3,
  SET_POWER_OF_TWO = 1u << 4,
  SET_INPUT_TYPE = 1u << 5,
  SET_OUTPUT_TYPE = 1u << 6,
  SET_EQUALIZE = 1u << 7,
  SET_BIAS_CORRECTION = 1u << 8,
};

static void board_target(const qe_pipeline *p, unsigned set, qe_config_target *t)
{
  const qe_board *b = p->board;
  memset(t, 0, sizeof *t);
  t->id = b->id;
  bool npu_io = b->has_npu && b->q_input_type && b->q_output_type &&
                strcmp(b->q_input_type, "int8") == 0 && strcmp(b->q_output_type, "int8") == 0;
  /* only what the user set can contradict the board: the board's own
   * defaults fill the rest */
  if (set & (SET_INPUT_TYPE | SET_OUTPUT_TYPE)) {
    t->int8_io_only = npu_io;
    t->float_io_forbidden = b->has_npu;
  }
  if (set & SET_POWER_OF_TWO)
    t->needs_power_of_two = b->c_power_of_two_scales;
  if (set & SET_GRANULARITY)
    t->per_tensor_only = b->c_per_tensor_weights;
  if (set & SET_WEIGHT_BITS)
    for (size_t i = 0; i < b->n_weight_bits; i++)
      t->weight_bits |= 1u << b->weight_bits[i];
  if (set & SET_ACTIVATION_BITS)
    for (size_t i = 0; i < b->n_activation_bits; i++)
      t->activation_bits |= 1u << b->activation_bits[i];
}

/* ---- settings ---------------------------------------------------------- */

static bool doc_has(const qe_config *cfg, const char *path)
{
  const qe_yaml_node *n = qe_yaml_path(qe_yaml_root(qe_config_doc(cfg)), path);
  return n && !qe_yaml_node_is_null(n);
}

static qe_dtype io_dtype(qe_io_type t)
{
  return t == QE_IO_UINT8 ? QE_DT_U8 : t == QE_IO_FLOAT ? QE_DT_F32 : QE_DT_I8;
}

static unsigned quant_set_mask(const qe_pipeline *p)
{
  const qe_config *cfg = p->cfg;
  bool onnx = cfg->quantizer == QE_QUANTIZER_ONNX;
  unsigned set = 0;
  if (doc_has(cfg, "quantization.calibration_method") ||
      (onnx && doc_has(cfg, "quantization.extra_options")))
    set |= SET_CALIB;
  if (doc_has(cfg, "quantization.granularity"))
    set |= SET_GRANULARITY;
  if (doc_has(cfg, "quantization.weight_bits") ||
      doc_has(cfg, "training.quantization_weight_bitwidth"))
    set |= SET_WEIGHT_BITS;
  if (doc_has(cfg, "quantization.activation_bits") ||
      doc_has(cfg, "training.quantization_activation_bitwidth"))
    set |= SET_ACTIVATION_BITS;
  if (doc_has(cfg, "quantization.power_of_two") || cfg->ti_quantization == 2)
    set |= SET_POWER_OF_TWO;
  if (onnx || doc_has(cfg, "quantization.quantization_input_type"))
    set |= SET_INPUT_TYPE;
  if (onnx || doc_has(cfg, "quantization.quantization_output_type"))
    set |= SET_OUTPUT_TYPE;
  if (doc_has(cfg, "quantization.equalization") || doc_has(cfg, "quantization.optimize"))
    set |= SET_EQUALIZE;
  if (doc_has(cfg, "quantization.bias_correction") || doc_has(cfg, "quantization.optimize"))
    set |= SET_BIAS_CORRECTION;
  return set;
}

/* The quantizer's options: what the user set wins, the board fills the
 * rest, the configuration's defaults fill what neither says. */
static qe_status quant_options(const qe_pipeline *p, qe_quant_options *o, qe_ctx *ctx)
{
  const qe_config *cfg = p->cfg;
  qe_status st;
  qe_quant_options_init(o);
  /* the configuration's values (defaults included) */
  o->calib_method = cfg->calib_method;
  o->calib.percentile = cfg->calib_percentile;
  o->calib.moving_average_constant = cfg->moving_average_constant;
  o->granularity = cfg->granularity;
  o->weight_bits = cfg->weight_bits;
  o->activation_bits = cfg->activation_bits;
  o->power_of_two = cfg->power_of_two;
  o->equalize = cfg->equalization || cfg->optimize;
  o->bias_correction = cfg->bias_correction || cfg->optimize;
  bool onnx = cfg->quantizer == QE_QUANTIZER_ONNX;
  /* the QDQ model keeps float input and output (the model zoo's rule) */
  o->input_type = onnx ? QE_DT_F32 : io_dtype(cfg->input_type);
  o->output_type = onnx ? QE_DT_F32 : io_dtype(cfg->output_type);
  o->target_opset = cfg->target_opset < 13 ? 13 : cfg->target_opset;
  o->diag_samples = p->opt.diag_samples;
  o->diag_isolated = false;
  o->board = p->board ? p->board->id : NULL;
  int ti = cfg->ti_quantization;
  if (ti == 2 && (st = qe_quant_options_set(o, "quantization", "2", ctx)) != QE_OK)
    return st;

  if (p->board) {
    qe_quant_options b;
    qe_quant_options_init(&b);
    if ((st = qe_quant_options_from_board(&b, p->board->path, ctx)) != QE_OK)
      return st;
    o->min_weight_bits = b.min_weight_bits;
    o->max_weight_bits = b.max_weight_bits;
    o->min_activation_bits = b.min_activation_bits;
    o->max_activation_bits = b.max_activation_bits;
    unsigned set = quant_set_mask(p);
    if (!(set & SET_CALIB))
      o->calib_method = b.calib_method;
    if (!(set & SET_GRANULARITY) && ti != 2)
      o->granularity = b.granularity;
    if (!(set & SET_WEIGHT_BITS))
      o->weight_bits = b.weight_bits;
    if (!(set & SET_ACTIVATION_BITS))
      o->activation_bits = b.activation_bits;
    if (!(set & SET_POWER_OF_TWO) && ti != 2)
      o->power_of_two = b.power_of_two;
    if (!(set & SET_INPUT_TYPE))
      o->input_type = b.input_type;
    if (!(set & SET_OUTPUT_TYPE))
      o->output_type = b.output_type;
    if (!(set & SET_EQUALIZE))
      o->equalize = b.equalize;
    if (!(set & SET_BIAS_CORRECTION))
      o->bias_correction = b.bias_correction;
    if (ti != 2)
      o->activation_symmetric = b.activation_symmetric;
    o->reduce_range = b.reduce_range;
  }
  /* the TFLite writer refuses narrow activations: say so before any work */
  if (!onnx && o->activation_bits < 8)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "%d-bit activations: a .tflite file cannot hold their clamps; use quantizer: "
                    "Onnx_quantizer (or 8-bit activations)",
                    o->activation_bits);
  return qe_quant_options_validate(o, ctx);
}

/* qe_quant_result_to_json()'s keys as one JSON object text (free()). */
static char *quant_json(const qe_quant_result *r)
{
  qe_json *j = qe_json_new(false);
  if (!j)
    return NULL;
  qe_json_begin_object(j);
  qe_quant_result_to_json(r, j);
  qe_json_end_object(j);
  const char *t = qe_json_text(j, NULL);
  char *s = t ? qe_strdup(t) : NULL;
  qe_json_free(j);
  return s;
}

/* ---- outputs ----------------------------------------------------------- */

static qe_status add_artifact(qe_pipeline *p, const char *kind, const char *rel, qe_ctx *ctx)
{
  if (!qe_grow((void **)&p->artifacts, &p->cap_artifacts, p->n_artifacts + 1, sizeof(artifact)) ||
      !qe_grow((void **)&p->views, &p->cap_views, p->n_artifacts + 1, sizeof *p->views))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  artifact *a = &p->artifacts[p->n_artifacts];
  a->kind = qe_strdup(kind);
  a->rel = qe_strdup(rel);
  a->path = p->output_dir ? qe_pl_join(p->output_dir, rel) : qe_strdup(rel);
  if (!a->kind || !a->rel || !a->path) {
    free(a->kind);
    free(a->rel);
    free(a->path);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  p->views[p->n_artifacts] = (qe_history_artifact){ a->kind, a->path };
  p->n_artifacts++;
  return QE_OK;
}

qe_status qe_pipeline_add_artifact(qe_pipeline *p, const char *kind, const char *relative_path,
                                   qe_ctx *ctx)
{
  if (!p || !kind || !relative_path || relative_path[0] == '/' || strstr(relative_path, ".."))
    return qe_error(ctx, QE_ERR_INVALID,
                    "qe_pipeline_add_artifact: a kind and a path inside the output folder");
  return add_artifact(p, kind, relative_path, ctx);
}

/* The staging path of @rel (malloc'ed). */
static char *staged(const qe_pipeline *p, const char *rel)
{
  return qe_pl_join(p->staging, rel);
}

static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    return qe_strdup(".");
  if (slash == path)
    return qe_strdup("/");
  return qe_strndup(path, (size_t)(slash - path));
}

/* Remove staging folders of processes that are gone. */
static void clean_stale(const char *parent)
{
  DIR *d = opendir(parent);
  if (!d)
    return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *mark = strstr(e->d_name, ".partial.");
    if (e->d_name[0] != '.' || !mark)
      continue;
    long pid = strtol(mark + 9, NULL, 10);
    if (pid <= 0 || pid == (long)getpid())
      continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
      continue;
    char *path = qe_pl_join(parent, e->d_name);
    qe_pl_remove_tree(path);
    free(path);
  }
  closedir(d);
}

static qe_status make_staging(qe_pipeline *p, qe_ctx *ctx)
{
  p->output_dir = qe_strdup(p->cfg->output_dir);
  if (!p->output_dir)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  size_t len = strlen(p->output_dir);
  while (len > 1 && p->output_dir[len - 1] == '/')
    p->output_dir[--len] = '\0';
  char *parent = dir_of(p->output_dir);
  if (!parent)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  qe_status st = qe_mkdir_p(parent, ctx);
  if (st) {
    free(parent);
    return qe_error_prefix(ctx, "output folder (hydra.run.dir)");
  }
  clean_stale(parent);
  const char *base = strrchr(p->output_dir, '/');
  base = base ? base + 1 : p->output_dir;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  for (int attempt = 0; attempt < 100; attempt++) {
    free(p->staging);
    p->staging = qe_strdup_printf("%s/.%s.partial.%ld.%lx%02d", parent, base, (long)getpid(),
                                  (unsigned long)ts.tv_nsec, attempt);
    if (!p->staging)
      break;
    if (mkdir(p->staging, 0777) == 0) {
      free(parent);
      return QE_OK;
    }
    if (errno != EEXIST) {
      st = qe_error(ctx, QE_ERR_IO, "%s: cannot create a folder: %s", p->staging, strerror(errno));
      free(p->staging);
      p->staging = NULL;
      free(parent);
      return st;
    }
  }
  free(parent);
  free(p->staging);
  p->staging = NULL;
  return qe_error(ctx, QE_ERR_IO, "cannot create a staging folder beside %s", p->output_dir);
}

/* Move the staged files into @dst (which exists), replacing older ones. */
static qe_status merge_into(const char *src, const char *dst, int depth, qe_ctx *ctx)
{
  DIR *d = opendir(src);
  if (!d)
    return qe_error(ctx, QE_ERR_IO, "%s: cannot list: %s", src, strerror(errno));
  qe_status st = QE_OK;
  struct dirent *e;
  while (st == QE_OK && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char *s = qe_pl_join(src, e->d_name), *t = qe_pl_join(dst, e->d_name);
    struct stat sb, tb;
    if (!s || !t) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    } else if (lstat(s, &sb) == 0 && S_ISDIR(sb.st_mode) && depth < 16) {
      if (lstat(t, &tb) == 0 && S_ISDIR(tb.st_mode))
        st = merge_into(s, t, depth + 1, ctx);
      else if (rename(s, t) != 0)
        st = qe_error(ctx, QE_ERR_IO, "%s: cannot move into place: %s", t, strerror(errno));
    } else if (rename(s, t) != 0) {
      st = qe_error(ctx, QE_ERR_IO, "%s: cannot move into place: %s", t, strerror(errno));
    }
    free(s);
    free(t);
  }
  closedir(d);
  return st;
}

static qe_status commit_outputs(qe_pipeline *p, qe_ctx *ctx)
{
  struct stat sb;
  if (lstat(p->output_dir, &sb) != 0 && errno == ENOENT && rename(p->staging, p->output_dir) == 0) {
    free(p->staging);
    p->staging = NULL;
    return QE_OK;
  }
  if (lstat(p->output_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return qe_error(ctx, QE_ERR_IO, "%s: the output folder cannot be created (%s)", p->output_dir,
                    errno ? strerror(errno) : "not a folder");
  qe_status st = merge_into(p->staging, p->output_dir, 0, ctx);
  if (st == QE_OK) {
    qe_pl_remove_tree(p->staging);
    free(p->staging);
    p->staging = NULL;
  }
  return st;
}

/* ---- data ---------------------------------------------------------------- */

static bool config_has_data(const qe_config *c)
{
  return c->training_path || c->validation_path || c->test_path || c->quantization_path ||
         c->training_csv_path || c->validation_csv_path || c->test_csv_path ||
         c->quantization_csv_path;
}

static qe_status read_data(qe_pipeline *p, qe_ctx *ctx)
{
  const qe_config *cfg = p->cfg;
  qe_data_options dopt;
  qe_data_kind kind = QE_DATA_AUTO;
  qe_status st = qe_config_data_options(cfg, &dopt, &kind, ctx);
  if (st)
    return st;
  /* the model file says what one input is */
  const qe_pl_model *m = p->model;
  int64_t cfg_count = cfg->input_rank ? qe_dims_count(cfg->input_shape, cfg->input_rank) : -1;
  if (cfg_count > 0 && cfg_count != (int64_t)m->in_count) {
    char a[96], b[96];
    warn(p, "model.input_shape %s does not match the model's input %s; the model's is used",
         qe_dims_to_string(cfg->input_shape, cfg->input_rank, a, sizeof a),
         qe_dims_to_string(m->in_dims, m->in_rank, b, sizeof b));
  }
  /* the model's input as it is, batch axis included (the data engine knows
   * (1, 4, 512) from (4, 512, 1)) */
  dopt.input_rank = m->in_rank;
  for (int k = 0; k < m->in_rank; k++)
    dopt.input_shape[k] = m->in_dims[k];
  dopt.layout = qe_pl_model_layout(m);
  if (p->opt.threads > 0)
    dopt.threads = p->opt.threads;
  if (p->opt.random_samples)
    dopt.random_samples = p->opt.random_samples;
  /* A model that names its classes ("classes" metadata, in output order)
   * is read with its own order: class folders and CSV categories are
   * otherwise numbered in sorted order, as the model zoo does, which is
   * only right for models trained that way. */
  size_t n_mc = 0;
  char **mc = qe_pl_model_classes(m, &n_mc);
  bool tentative = false;
  if (mc && dopt.n_class_names == n_mc) {
    bool same = true;
    for (size_t i = 0; i < n_mc && same; i++) {
      bool found = false;
      for (size_t k = 0; k < n_mc && !found; k++)
        found = strcmp(mc[i], dopt.class_names[k]) == 0;
      same = found;
    }
    if (same) {
      dopt.class_names = (const char *const *)mc;
      dopt.sort_class_names = false;
    }
  } else if (mc && dopt.n_class_names == 0) {
    dopt.class_names = (const char *const *)mc;
    dopt.n_class_names = n_mc;
    dopt.sort_class_names = false;
    tentative = true;
  }
  const char *what;
  for (int attempt = 0; attempt < 2; attempt++) {
    if (p->opt.data_path) {
      dopt.validation_split = -1;
      dopt.test_split = -1;
      dopt.quantization_split = -1;
      what = p->opt.data_path;
      st = qe_dataset_open(p->opt.data_path, QE_DATA_AUTO, &dopt, &p->ds, ctx);
      p->eval_subset = QE_SUBSET_ALL;
      p->calib_subset = QE_SUBSET_ALL;
    } else {
      what = "the dataset section";
      st = qe_dataset_open_config(&dopt, kind, &p->ds, ctx);
      p->eval_subset = QE_SUBSET_EVALUATION;
      p->calib_subset = QE_SUBSET_CALIBRATION;
    }
    if (st == QE_OK && tentative && qe_dataset_skipped_count(p->ds) > 0) {
      /* the data names other classes than the model: read it as it is */
      qe_dataset_free(p->ds);
      p->ds = NULL;
      st = QE_ERR_DATA;
    }
    if (st == QE_OK || !tentative || st == QE_ERR_CANCELLED)
      break;
    tentative = false;
    dopt.class_names = NULL;
    dopt.n_class_names = 0;
    dopt.sort_class_names = true;
    qe_ctx_clear(ctx);
  }
  if (st != QE_OK && st != QE_ERR_CANCELLED) {
    /* name the data when the data engine's message does not */
    const char *cand[] = { p->opt.data_path,           cfg->test_path,        cfg->validation_path,
                           cfg->quantization_path,     cfg->training_path,    cfg->test_csv_path,
                           cfg->quantization_csv_path, cfg->training_csv_path };
    bool named = false;
    const char *first = NULL;
    for (size_t i = 0; i < QE_ARRAY_LEN(cand); i++) {
      if (!cand[i])
        continue;
      if (!first)
        first = cand[i];
      const char *base = strrchr(cand[i], '/');
      base = base ? base + 1 : cand[i];
      if (*base && strstr(qe_ctx_error(ctx), base))
        named = true;
    }
    if (!named && first)
      qe_error_prefix(ctx, "%s", first);
  }
  if (st == QE_OK && dopt.class_names == (const char *const *)mc && mc)
    logf_(p, "classes: in the model's output order (its 'classes' metadata)");
  qe_pl_strv_free(mc, n_mc);
  if (st)
    return st;
  size_t skipped = qe_dataset_skipped_count(p->ds);
  for (size_t i = 0; i < skipped && i < 10; i++)
    warn(p, "%s: left out: %s", qe_dataset_skipped_path(p->ds, i),
         qe_dataset_skipped_reason(p->ds, i));
  if (skipped > 10)
    warn(p, "%zu more files or rows of the data were left out", skipped - 10);
  qe_dataset_subset(p->ds, p->eval_subset, &p->n_eval);
  qe_dataset_subset(p->ds, p->calib_subset, &p->n_calib);
  if (p->opt.max_eval_samples && p->n_eval > p->opt.max_eval_samples)
    p->n_eval = p->opt.max_eval_samples;
  size_t nc = qe_dataset_class_count(p->ds);
  p->labelled = nc > 0;
  if (nc > 0) {
    const char **names = calloc(nc, sizeof *names);
    if (!names)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < nc; c++)
      names[c] = qe_dataset_class_name(p->ds, c);
    st = qe_report_set_classes(p->report, nc, names, ctx);
    free(names);
    if (st)
      return st;
  }
  logf_(p, "data: %s, %s: %zu samples, %zu classes; evaluation: %zu (%s), calibration: %zu (%s)",
        what, qe_data_kind_name(qe_dataset_kind(p->ds)), qe_dataset_count(p->ds), nc, p->n_eval,
        qe_subset_name(p->eval_subset), p->n_calib,
        qe_calib_source_name(qe_dataset_calibration_source(p->ds)));
  return QE_OK;
}

/* ---- evaluation -------------------------------------------------------- */

static qe_status keep_ref(qe_pipeline *p, const qe_pl_model *m, qe_ctx *ctx)
{
  if (p->ref_overflow)
    return QE_OK;
  size_t need = 0;
  for (size_t i = 0; i < m->n_outputs; i++)
    need += m->out_count[i];
  if ((p->ref_len + need) * sizeof(float) > REF_LIMIT) {
    p->ref_overflow = true;
    warn(p, "the float outputs are too many to keep: the output error is not computed");
    return QE_OK;
  }
  if (!qe_grow((void **)&p->ref, &p->ref_cap, p->ref_len + need, sizeof(float)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < m->n_outputs; i++) {
    memcpy(p->ref + p->ref_len, m->out[i], m->out_count[i] * sizeof(float));
    p->ref_len += m->out_count[i];
  }
  p->ref_rows++;
  return QE_OK;
}

/* Run the evaluation subset through @m. @which: &report->float_eval or
 * quant_eval. @keep: store the outputs (float pass); @compare: compare
 * with the stored ones (quantized pass). */
static qe_status evaluate(qe_pipeline *p, qe_pl_model *m, qe_report_eval *which, bool keep,
                          bool compare, qe_ctx *ctx)
{
  qe_status st = qe_pl_model_prepare(m, ctx);
  if (st)
    return st;
  size_t nc = p->report->n_classes;
  bool classify = p->labelled && nc > 0 && m->n_outputs >= 1;
  qe_cls_metrics *cm = NULL;
  qe_err_metrics *em = NULL;
  qe_loader *l = NULL;
  size_t done_n = 0, ref_pos = 0;
  bool classify_checked = false;
  if (compare && p->ref_rows > 0 && !p->ref_overflow &&
      (st = qe_err_metrics_new(classify ? nc : 0, &em, ctx)) != QE_OK)
    goto out;
  if ((st = qe_loader_new(p->ds, p->eval_subset, p->opt.threads, &l, ctx)) != QE_OK)
    goto out;
  for (;;) {
    qe_data_item item;
    bool done = false;
    if ((st = qe_loader_next(l, &item, &done, ctx)) != QE_OK)
      goto out;
    if (done || (p->opt.max_eval_samples && done_n >= p->opt.max_eval_samples))
      break;
    if (item.count != m->in_count) {
      char got[96], want[96];
      qe_sample_info info = { 0 };
      qe_dataset_sample(p->ds, item.sample, &info, NULL);
      st = qe_error(ctx, QE_ERR_DATA,
                    "%s: the sample is shaped %s (%zu values), the model's input takes %s",
                    info.path ? info.path : "evaluation data",
                    qe_dims_to_string(item.dims, item.rank, got, sizeof got), item.count,
                    qe_dims_to_string(m->in_dims, m->in_rank, want, sizeof want));
      goto out;
    }
    if (!p->latency_input) {
      void *buf = NULL;
      if ((st = qe_alloc(ctx, m->in_count, sizeof(float), "latency input", &buf)) != QE_OK)
        goto out;
      memcpy(buf, item.data, m->in_count * sizeof(float));
      p->latency_input = buf;
    }
    if ((st = qe_pl_model_run(m, item.data, ctx)) != QE_OK) {
      qe_error_prefix(ctx, "evaluation, sample %zu", done_n);
      goto out;
    }
    if (classify && !classify_checked) {
      classify_checked = true;
      if (m->out_count[0] != nc) {
        warn(p,
             "the model's output has %zu values but the data has %zu classes: accuracy is not "
             "computed",
             m->out_count[0], nc);
        classify = false;
      } else if ((st = qe_cls_metrics_new(nc, &cm, ctx)) != QE_OK) {
        goto out;
      }
    }
    if (classify && item.label >= 0 &&
        (st = qe_cls_metrics_add_scores(cm, item.label, m->out[0], ctx)) != QE_OK)
      goto out;
    if (keep && (st = keep_ref(p, m, ctx)) != QE_OK)
      goto out;
    if (em && done_n < p->ref_rows) {
      for (size_t i = 0; i < m->n_outputs && st == QE_OK; i++) {
        if (ref_pos + m->out_count[i] > p->ref_len) {
          st = qe_error(ctx, QE_ERR_INTERNAL, "the quantized model's outputs outnumber the float");
          break;
        }
        st = qe_err_metrics_add(em, p->ref + ref_pos, m->out[i], m->out_count[i], ctx);
        ref_pos += m->out_count[i];
      }
      if (st)
        goto out;
    }
    done_n++;
    size_t total = qe_loader_samples_total(l);
    double f = total ? (double)qe_loader_samples_done(l) / (double)total : -1;
    if (p->opt.max_eval_samples && p->n_eval)
      f = (double)done_n / (double)p->n_eval;
    if ((st = phase_fraction(p, f > 1 ? 1 : f)) != QE_OK)
      goto out;
  }
  if (done_n == 0) {
    st = qe_error(ctx, QE_ERR_DATA, "the evaluation data holds no usable sample");
    goto out;
  }
  if (cm) {
    qe_cls_result *res = NULL;
    if ((st = qe_cls_metrics_compute(cm, &res, ctx)) != QE_OK)
      goto out;
    st = qe_report_set_eval(p->report, which, res, ctx);
    logf_(p, "accuracy %.4f on %llu samples (macro F1 %.4f)", res->accuracy,
          (unsigned long long)res->total, res->macro_f1);
    qe_cls_result_free(res);
    if (st)
      goto out;
  } else {
    which->samples = (int64_t)done_n;
  }
  if (em) {
    qe_err_result er;
    if ((st = qe_err_metrics_compute(em, &er, ctx)) != QE_OK)
      goto out;
    qe_report_set_output_error(p->report, &er);
    logf_(p, "output error: rmse %.6g, l2r %.6g, cos %.6g", er.rmse, er.l2r, er.cos);
  }
out:
  qe_loader_free(l);
  qe_cls_metrics_free(cm);
  qe_err_metrics_free(em);
  return st;
}

/* ---- latency -------------------------------------------------------------- */

typedef struct {
  qe_pl_model *m;
  const float *in;
} timed_run;

static qe_status run_once(void *user, qe_ctx *ctx)
{
  timed_run *t = user;
  return qe_pl_model_run(t->m, t->in, ctx);
}

static qe_status measure(qe_pipeline *p, qe_pl_model *m, qe_report_eval *which, double lo,
                         double hi, qe_ctx *ctx)
{
  int runs = p->opt.latency_runs >= 0 ? p->opt.latency_runs : p->cfg->latency_runs;
  int warm = p->opt.warmup_runs >= 0 ? p->opt.warmup_runs : p->cfg->warmup_runs;
  if (runs <= 0)
    return QE_OK;
  qe_status st = qe_pl_model_prepare(m, ctx);
  if (st)
    return st;
  float *zeros = NULL;
  if (!p->latency_input || p->model->in_count != m->in_count) {
    void *buf = NULL;
    if ((st = qe_alloc(ctx, m->in_count, sizeof(float), "latency input", &buf)) != QE_OK)
      return st;
    zeros = buf;
  }
  timed_run t = { m, zeros ? zeros : p->latency_input };
  p->sub_lo = lo;
  p->sub_hi = hi;
  qe_latency_stats ls;
  st = qe_latency_measure(run_once, &t, warm, runs, &ls, ctx);
  free(zeros);
  if (st == QE_OK) {
    qe_report_set_latency(which, &ls);
    logf_(p, "%s model: median %.4f ms over %zu runs",
          which == &p->report->float_eval ? "float" : "quantized", ls.median_ms, ls.runs);
  }
  return st;
}

/* ---- the steps ------------------------------------------------------------ */

#define TRY(x)               \
  do {                       \
    if ((st = (x)) != QE_OK) \
      return st;             \
  } while (0)

static qe_status history_begin(qe_pipeline *p, qe_ctx *ctx)
{
  const qe_config *cfg = p->cfg;
  char path[4096];
  const char *hpath = p->opt.history_path;
  qe_status st;
  if (!hpath) {
    TRY(qe_history_default_path(path, sizeof path, ctx));
    hpath = path;
  }
  qe_history_options ho;
  qe_history_options_init(&ho);
  ho.create = true;
  if ((st = qe_history_open(hpath, &ho, &p->hist, ctx)) != QE_OK)
    return st;
  char *yaml = NULL;
  size_t ylen = 0;
  TRY(qe_config_dump(cfg, &yaml, &ylen, ctx));
  static const char *const roles[] = { "training",     "validation",      "test",
                                       "quantization", "training_csv",    "validation_csv",
                                       "test_csv",     "quantization_csv" };
  const char *paths[] = { cfg->training_path,     cfg->validation_path,
                          cfg->test_path,         cfg->quantization_path,
                          cfg->training_csv_path, cfg->validation_csv_path,
                          cfg->test_csv_path,     cfg->quantization_csv_path };
  static_assert(QE_ARRAY_LEN(roles) == QE_ARRAY_LEN(paths), "a role per path");
  qe_history_dataset sets[QE_ARRAY_LEN(paths) + 1];
  char prints[QE_ARRAY_LEN(paths) + 1][64];
  size_t n = 0;
  if (p->opt.data_path) {
    sets[n] = (qe_history_dataset){ "data", p->opt.data_path, NULL, -1 };
    if (qe_history_fingerprint(p->opt.data_path, prints[n], sizeof prints[n], NULL) == QE_OK)
      sets[n].fingerprint = prints[n];
    n++;
  } else {
    for (size_t i = 0; i < QE_ARRAY_LEN(paths); i++) {
      if (!paths[i])
        continue;
      sets[n] = (qe_history_dataset){ roles[i], paths[i], NULL, -1 };
      if (qe_history_fingerprint(paths[i], prints[n], sizeof prints[n], NULL) == QE_OK)
        sets[n].fingerprint = prints[n];
      n++;
    }
  }
  qe_history_run_info info = {
    .project = cfg->project_name,
    .mode = qe_config_enum_name(QE_CONFIG_ENUM_MODE, (int)cfg->mode),
    .model_path = p->model_path,
    .board = p->board ? p->board->id : cfg->board,
    .output_dir = p->opt.write_outputs ? cfg->output_dir : NULL,
    .config_yaml = yaml,
    .datasets = sets,
    .n_datasets = n,
  };
  st = qe_history_begin_run(p->hist, &info, &p->run_id, ctx);
  free(yaml);
  return st;
}

static qe_status step_load(qe_pipeline *p, qe_ctx *ctx)
{
  const qe_config *cfg = p->cfg;
  unsigned steps = cfg->steps;
  qe_status st;
  TRY(begin_phase(p, QE_PHASE_LOAD_MODEL));
  logf_(p, "model: %s", p->model_path);
  TRY(qe_pl_model_load(p->model_path, &p->model, ctx));
  qe_pl_model *m = p->model;
  static const char *const kinds[] = { "float ONNX", "ONNX QDQ (quantized)", "float TFLite",
                                       "int8 TFLite", "int8" };
  logf_(p, "%s model, %lld parameters, %lld MACs", kinds[m->kind], (long long)m->params,
        (long long)m->macs);
  const char *mode = qe_config_enum_name(QE_CONFIG_ENUM_MODE, (int)cfg->mode);
  if (steps & QE_STEP_PREDICT)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "operation_mode %s is not supported: Quantizer quantizes, evaluates, "
                    "benchmarks and deploys; use evaluation to run a model over data",
                    mode);
  if ((steps & QE_STEP_QUANTIZE) && m->quantized)
    return qe_error(ctx, QE_ERR_INVALID,
                    "%s is already quantized (%s), but operation_mode %s quantizes a float "
                    "model; use evaluation, benchmarking or deployment with it",
                    cfg->model_path, kinds[m->kind], mode);
  if ((steps & QE_STEP_DEPLOY) && !(steps & QE_STEP_QUANTIZE) && !m->quantized)
    return qe_error(ctx, QE_ERR_INVALID,
                    "%s is a float model, but operation_mode %s deploys a quantized one; use "
                    "chain_qd to quantize and deploy it",
                    cfg->model_path, mode);
  if (!m->quantized && (steps & QE_STEP_EVALUATE_QUANTIZED) && !(steps & QE_STEP_QUANTIZE))
    return qe_error(ctx, QE_ERR_INVALID, "operation_mode %s has no quantized model to evaluate",
                    mode);
  if (m->quantized) {
    /* the given model is the quantized one */
    TRY(qe_report_set_string(&p->report->model.quantized_path, p->model_path, ctx));
    TRY(qe_report_set_string(&p->report->model.quantized_format, qe_pl_model_format(m), ctx));
  }
  TRY(qe_report_set_string(&p->report->model.path, p->model_path, ctx));
  TRY(qe_report_set_string(&p->report->model.format, qe_pl_model_format(m), ctx));
  p->report->model.params = m->params;
  p->report->model.macs = m->macs;
  int64_t fsize = qe_pl_file_size(p->model_path);
  if (m->quantized)
    p->report->size.quantized_bytes = fsize;
  else
    p->report->size.float_bytes = fsize;
  if (p->board) {
    qe_report_board *rb = &p->report->board;
    TRY(qe_report_set_string(&rb->id, p->board->id, ctx));
    TRY(qe_report_set_string(&rb->name, p->board->name, ctx));
    rb->flash_bytes = (int64_t)p->board->flash_bytes;
    rb->ram_bytes = (int64_t)p->board->ram_bytes;
    rb->clock_mhz = (double)p->board->clock_hz / 1e6;
    logf_(p, "board: %s (%s)", p->board->id, p->board->name);
  }
  return phase_fraction(p, 1.0);
}

/* Which phases this run goes through, with rough weights (in units of one
 * inference of one sample) for the overall fraction. */
static void plan(qe_pipeline *p)
{
  unsigned steps = p->cfg->steps;
  bool given_q = p->model && p->model->quantized;
  bool need_data =
      p->opt.data_path ||
      (config_has_data(p->cfg) &&
       (steps & (QE_STEP_QUANTIZE | QE_STEP_EVALUATE_FLOAT | QE_STEP_EVALUATE_QUANTIZED)));
  unsigned ph = 1u << QE_PHASE_LOAD_MODEL;
  if (need_data)
    ph |= 1u << QE_PHASE_READ_DATA;
  if (steps & QE_STEP_QUANTIZE)
    ph |= (1u << QE_PHASE_CALIBRATE) | (1u << QE_PHASE_QUANTIZE);
  if ((steps & QE_STEP_EVALUATE_FLOAT) && !given_q)
    ph |= 1u << QE_PHASE_EVALUATE_FLOAT;
  if ((steps & QE_STEP_EVALUATE_QUANTIZED) || ((steps & QE_STEP_EVALUATE_FLOAT) && given_q))
    ph |= 1u << QE_PHASE_EVALUATE_QUANTIZED;
  int runs = p->opt.latency_runs >= 0 ? p->opt.latency_runs : p->cfg->latency_runs;
  if (runs > 0)
    ph |= 1u << QE_PHASE_LATENCY;
  if (p->opt.write_outputs && ((steps & QE_STEP_QUANTIZE) || (steps & QE_STEP_DEPLOY)))
    ph |= 1u << QE_PHASE_EXPORT;
  if (steps & QE_STEP_DEPLOY)
    ph |= 1u << QE_PHASE_DEPLOY;
  ph |= 1u << QE_PHASE_REPORT;
  p->phases |= ph;
  size_t n_eval = p->n_eval ? p->n_eval : 100, n_calib = p->n_calib ? p->n_calib : 5;
  int warm = p->opt.warmup_runs >= 0 ? p->opt.warmup_runs : p->cfg->warmup_runs;
  p->weight[QE_PHASE_LOAD_MODEL] = 5;
  p->weight[QE_PHASE_READ_DATA] = 5;
  p->weight[QE_PHASE_CALIBRATE] = 5 + 2.0 * (double)n_calib;
  p->weight[QE_PHASE_QUANTIZE] = 10 + 2.0 * (double)p->opt.diag_samples;
  p->weight[QE_PHASE_EVALUATE_FLOAT] = (double)n_eval;
  p->weight[QE_PHASE_EVALUATE_QUANTIZED] = (double)n_eval;
  p->weight[QE_PHASE_LATENCY] = 2.0 * (runs + (warm > 0 ? warm : 0));
  p->weight[QE_PHASE_EXPORT] = 5;
  p->weight[QE_PHASE_DEPLOY] = 50;
  p->weight[QE_PHASE_REPORT] = 10;
}

static qe_status step_quantize(qe_pipeline *p, qe_ctx *ctx)
{
  qe_status st;
  TRY(begin_phase(p, QE_PHASE_CALIBRATE));
  qe_quant_options o;
  TRY(quant_options(p, &o, ctx));
  const qe_pl_model *m = p->model;
  char desc[4096];
  snprintf(desc, sizeof desc, "%s",
           p->opt.data_path            ? p->opt.data_path
           : p->cfg->quantization_path ? p->cfg->quantization_path
           : p->cfg->training_path     ? p->cfg->training_path
                                       : "the data set");
  bool random = !p->ds || p->n_calib == 0;
  /* (without any data the configuration has said so already) */
  if (random && (p->ds || p->opt.data_path))
    warn(p, "no calibration samples in the data: calibrating on random data; the sizes and speed "
            "are right, the accuracy is not meaningful");
  else if (random)
    logf_(p, "calibrating on random data");
  size_t nrand = p->opt.random_samples ? p->opt.random_samples : 5;
  /* the data set's calibration subset (reshaped to the model input), else
   * random samples uniform in [0, 1) */
  qe_samples *samples = NULL;
  if (!random)
    st = qe_samples_from_dataset(p->ds, p->calib_subset, m->in_dims, m->in_rank, desc, &samples,
                                 ctx);
  else
    st = qe_samples_random(m->graph, nrand, false, 0.0f, 1.0f, (uint64_t)p->cfg->global_seed,
                           &samples, ctx);
  if (st)
    return st;
  st = qe_quantize(m->graph, samples, &o, &p->quant, ctx);
  qe_samples_free(samples);
  if (st)
    return st;
  if (p->phase == QE_PHASE_CALIBRATE) /* no "quantizing" was reported */
    TRY(begin_phase(p, QE_PHASE_QUANTIZE));
  TRY(phase_fraction(p, 1.0));
  const qe_quant_result *q = p->quant;
  const qe_quant_options *u = &q->options; /* as used */
  logf_(p, "quantized: %d-bit weights (%s), %d-bit activations, %s calibration on %s%s",
        u->reduce_range ? 7 : u->weight_bits,
        u->granularity == QE_GRANULARITY_PER_CHANNEL ? "per-channel" : "per-tensor",
        u->activation_bits, qe_calib_method_name(u->calib_method),
        q->calibration ? q->calibration : "", u->power_of_two ? ", power-of-two scales" : "");
  for (size_t i = 0; i < q->n_float_ops; i++)
    warn(p, "%s", q->float_ops[i]);
  for (size_t i = 0; i < q->n_layers; i++)
    TRY(qe_report_add_layer(p->report, q->layers[i].name, q->layers[i].op_type,
                            q->layers[i].sqnr_db, ctx));
  const char *classes = qe_pl_model_meta(p->model, "classes");
  if (classes)
    TRY(qe_qmodel_set_metadata(q->qmodel, "classes", classes, ctx));
  p->quant_json = quant_json(q);
  if (!p->quant_json)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  TRY(qe_pl_model_from_qmodel(q->qmodel, &p->qmodel, ctx));
  return qe_pl_model_prepare(p->qmodel, ctx);
}

static qe_status step_board_and_sizes(qe_pipeline *p, qe_ctx *ctx)
{
  qe_pl_model *q = p->qmodel;
  if (!q)
    return QE_OK;
  qe_status st;
  TRY(qe_pl_model_prepare(q, ctx));
  qe_report *r = p->report;
  r->size.arena_bytes = (int64_t)qe_pl_model_arena(q);
  r->size.weights_bytes = q->weights_bytes;
  if (r->size.quantized_bytes < 0) {
    /* not written (yet): the size of the TFLite flatbuffer */
    uint8_t *buf = NULL;
    size_t len = 0;
    if (qe_tflite_write(q->qmodel, &buf, &len, NULL) == QE_OK)
      r->size.quantized_bytes = (int64_t)len;
    free(buf);
  }
  if (p->board) {
    TRY(qe_board_check(p->board, q->qmodel, &p->check, ctx));
    p->has_check = true;
    r->board.latency_ms = p->check.est_ms;
    r->board.latency_measured = false;
    logf_(p, "board %s: flash %llu of %llu bytes, RAM %llu of %llu bytes, estimated %.3f ms%s",
          p->board->id, (unsigned long long)p->check.flash_needed,
          (unsigned long long)p->check.flash_available, (unsigned long long)p->check.ram_needed,
          (unsigned long long)p->check.ram_available, p->check.est_ms,
          p->check.deployable ? "" : " (does not fit or break its limits)");
    if (!p->check.deployable)
      for (size_t i = 0; i < p->check.n_issues; i++)
        if (p->check.issues[i].severity == QE_CHECK_ERROR)
          warn(p, "board %s: %s: %s", p->board->id, p->check.issues[i].op_name,
               p->check.issues[i].message);
  }
  return QE_OK;
}

static qe_status write_text(qe_pipeline *p, const char *rel, const char *kind, const char *text,
                            size_t len, qe_ctx *ctx)
{
  char *path = staged(p, rel);
  char *dir = path ? dir_of(path) : NULL;
  qe_status st = !path || !dir ? qe_error(ctx, QE_ERR_NOMEM, "out of memory") : QE_OK;
  if (!st)
    st = qe_mkdir_p(dir, ctx);
  if (!st)
    st = qe_write_file_atomic(path, text, len, ctx);
  if (!st && kind)
    st = add_artifact(p, kind, rel, ctx);
  free(path);
  free(dir);
  return st;
}

static qe_status step_export(qe_pipeline *p, qe_ctx *ctx)
{
  const qe_config *cfg = p->cfg;
  qe_status st;
  TRY(begin_phase(p, QE_PHASE_EXPORT));
  const char *edir = cfg->export_dir ? cfg->export_dir : "quantized_models";
  char *dir = staged(p, edir);
  if (!dir)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  st = qe_mkdir_p(dir, ctx);
  free(dir);
  if (st)
    return st;
  qe_qmodel *qm = p->qmodel ? p->qmodel->qmodel : NULL;
  if (p->quant) {
    bool onnx = cfg->quantizer == QE_QUANTIZER_ONNX;
    p->quantized_rel = qe_strdup_printf("%s/model_quantized.%s", edir, onnx ? "onnx" : "tflite");
    char *path = p->quantized_rel ? staged(p, p->quantized_rel) : NULL;
    if (!path)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    st = onnx ? qe_quant_save_onnx(p->quant, path, ctx) : qe_tflite_save(qm, path, ctx);
    if (st == QE_OK) {
      p->report->size.quantized_bytes = qe_pl_file_size(path);
      st = add_artifact(p, "quantized_model", p->quantized_rel, ctx);
    }
    free(path);
    if (st)
      return st;
    TRY(qe_report_set_string(&p->report->model.quantized_path,
                             p->artifacts[p->n_artifacts - 1].path, ctx));
    TRY(qe_report_set_string(&p->report->model.quantized_format, onnx ? "onnx" : "tflite", ctx));
    logf_(p, "wrote %s", p->quantized_rel);
    TRY(phase_fraction(p, 0.5));
  }
  bool want_c = p->opt.export_c || (cfg->steps & QE_STEP_DEPLOY);
  const qe_yaml_node *ec = qe_yaml_path(qe_yaml_root(qe_config_doc(cfg)), "deployment.export_c");
  bool yaml_c = false;
  if (ec && qe_yaml_node_bool(ec, &yaml_c, ctx) != QE_OK)
    return qe_ctx_status(ctx);
  if ((want_c || yaml_c) && qm) {
    char *rel = qe_strdup_printf("%s/c_model", edir);
    char *cdir = rel ? staged(p, rel) : NULL;
    qe_codegen_options co = { "model" };
    st = cdir ? qe_codegen_c_module(qm, &co, cdir, ctx) : qe_error(ctx, QE_ERR_NOMEM, "oom");
    if (st == QE_OK) {
      st = add_artifact(p, "c_model", rel, ctx);
      logf_(p, "wrote %s (C source)", rel);
    } else if (st != QE_ERR_CANCELLED && !(cfg->steps & QE_STEP_DEPLOY)) {
      warn(p, "no C module: %s", qe_ctx_error(ctx));
      qe_pl_remove_tree(cdir);
      st = QE_OK;
    }
    free(rel);
    free(cdir);
    if (st)
      return st;
    /* the .tflite as a C array, for TFLite Micro (none when TFLite cannot
     * hold the model: narrow activations, ONNX nodes kept in float) */
    uint8_t *buf = NULL;
    size_t len = 0;
    st = qe_tflite_write(qm, &buf, &len, ctx);
    if (st == QE_ERR_UNSUPPORTED && !(cfg->steps & QE_STEP_DEPLOY)) {
      warn(p, "no TFLite C array: %s", qe_ctx_error(ctx));
      return phase_fraction(p, 1.0);
    }
    if (st)
      return st;
    rel = qe_strdup_printf("%s/c_array", edir);
    cdir = rel ? staged(p, rel) : NULL;
    st = cdir ? qe_codegen_tflite_array(buf, len, "model_tflite", cdir, ctx)
              : qe_error(ctx, QE_ERR_NOMEM, "oom");
    free(buf);
    if (st == QE_OK)
      st = add_artifact(p, "c_array", rel, ctx);
    free(rel);
    free(cdir);
    if (st)
      return st;
  }
  return phase_fraction(p, 1.0);
}

static qe_status step_deploy(qe_pipeline *p, qe_ctx *ctx)
{
  qe_status st;
  TRY(begin_phase(p, QE_PHASE_DEPLOY));
  if (!p->board)
    return qe_error(ctx, QE_ERR_INVALID, "deployment needs a board: set quantization.board");
  if (p->has_check && !p->check.deployable) {
    for (size_t i = 0; i < p->check.n_issues; i++)
      if (p->check.issues[i].severity == QE_CHECK_ERROR)
        return qe_error(ctx, QE_ERR_INVALID, "board %s: %s: %s", p->board->id,
                        p->check.issues[i].op_name, p->check.issues[i].message);
    return qe_error(ctx, QE_ERR_INVALID,
                    "board %s: the model does not fit (flash %llu of %llu bytes, RAM %llu of "
                    "%llu bytes)",
                    p->board->id, (unsigned long long)p->check.flash_needed,
                    (unsigned long long)p->check.flash_available,
                    (unsigned long long)p->check.ram_needed,
                    (unsigned long long)p->check.ram_available);
  }
  char *model = NULL;
  if (p->quantized_rel && p->staging)
    model = staged(p, p->quantized_rel);
  else
    model = qe_strdup(p->cfg->model_path);
  if (!model)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (!p->opt.deploy) {
    char *final = p->quantized_rel && p->output_dir ? qe_pl_join(p->output_dir, p->quantized_rel)
                                                    : qe_strdup(p->cfg->model_path);
    warn(p,
         "the model was checked against board %s but not flashed: this program does not flash "
         "boards; run 'qz deploy %s --board %s'",
         p->board->id, final ? final : "MODEL", p->board->id);
    free(final);
    free(model);
    return phase_fraction(p, 1.0);
  }
  double measured = NAN;
  st = p->opt.deploy(p->opt.deploy_data, model, p->board->id, &measured, ctx);
  free(model);
  if (st)
    return st;
  if (!isnan(measured) && measured >= 0) {
    p->report->board.latency_ms = measured;
    p->report->board.latency_measured = true;
    logf_(p, "deployed to %s: %.4f ms measured on the board", p->board->id, measured);
  } else {
    logf_(p, "deployed to %s", p->board->id);
  }
  return phase_fraction(p, 1.0);
}

static void json_extras(const qe_pipeline *p, qe_json *j)
{
  const qe_config *cfg = p->cfg;
  qe_json_kv_string(j, "mode", qe_config_enum_name(QE_CONFIG_ENUM_MODE, (int)cfg->mode));
  qe_json_kv_string(j, "status", qe_run_status_name(p->status));
  qe_json_kv_string(j, "output_dir", p->opt.write_outputs ? p->output_dir : NULL);
  qe_json_key(j, "history_run_id");
  if (p->run_id >= 0)
    qe_json_int(j, p->run_id);
  else
    qe_json_null(j);
  qe_json_key(j, "quantizer");
  if (p->quant_json)
    qe_json_raw(j, p->quant_json);
  else
    qe_json_null(j);
  qe_json_key(j, "advice");
  qe_json_begin_array(j);
  for (size_t i = 0; p->quant && i < p->quant->n_ranked; i++)
    qe_json_string(j, p->quant->advice[i]);
  qe_json_end_array(j);
  qe_json_key(j, "board_check");
  if (p->has_check) {
    const qe_board_check_result *c = &p->check;
    qe_json_begin_object(j);
    qe_json_kv_bool(j, "deployable", c->deployable);
    qe_json_kv_int(j, "flash_needed", (int64_t)c->flash_needed);
    qe_json_kv_int(j, "flash_available", (int64_t)c->flash_available);
    qe_json_kv_int(j, "ram_needed", (int64_t)c->ram_needed);
    qe_json_kv_int(j, "ram_available", (int64_t)c->ram_available);
    qe_json_kv_int(j, "macs", (int64_t)c->macs);
    qe_json_kv_number(j, "estimated_ms", c->est_ms);
    qe_json_kv_int(j, "layers", (int64_t)c->n_layers);
    qe_json_kv_int(j, "npu_layers", (int64_t)c->npu_layers);
    qe_json_key(j, "issues");
    qe_json_begin_array(j);
    for (size_t i = 0; i < c->n_issues; i++) {
      qe_json_begin_object(j);
      qe_json_kv_string(j, "severity",
                        c->issues[i].severity == QE_CHECK_ERROR ? "error" : "npu_fallback");
      qe_json_kv_string(j, "layer", c->issues[i].op_name);
      qe_json_kv_string(j, "op", c->issues[i].op_type);
      qe_json_kv_string(j, "message", c->issues[i].message);
      qe_json_end_object(j);
    }
    qe_json_end_array(j);
    qe_json_end_object(j);
  } else {
    qe_json_null(j);
  }
  qe_json_key(j, "phases");
  qe_json_begin_array(j);
  for (int i = 0; i < QE_PHASE_COUNT; i++) {
    if (isnan(p->seconds[i]))
      continue;
    qe_json_begin_object(j);
    qe_json_kv_string(j, "name", phase_names[i]);
    qe_json_kv_number(j, "seconds", p->seconds[i]);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_key(j, "artifacts");
  qe_json_begin_array(j);
  for (size_t i = 0; i < p->n_artifacts; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "kind", p->artifacts[i].kind);
    qe_json_kv_string(j, "path", p->artifacts[i].path);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
}

qe_status qe_pipeline_report_json(const qe_pipeline *p, bool pretty, char **out, qe_ctx *ctx)
{
  if (!p || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_pipeline_report_json: no pipeline or output");
  *out = NULL;
  qe_json *a = qe_json_new(pretty), *b = qe_json_new(false);
  qe_status st = QE_OK;
  if (!a || !b) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  qe_report_to_json(p->report, a);
  qe_json_begin_object(b);
  json_extras(p, b);
  qe_json_end_object(b);
  size_t la = 0, lb = 0;
  const char *ta = qe_json_text(a, &la), *tb = qe_json_text(b, &lb);
  if (!ta || !tb || la < 2 || lb < 2) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  /* splice: the report's object without its closing brace, then the
   * extras' members */
  size_t end = la;
  while (end > 0 && ta[end - 1] != '}')
    end--;
  if (end == 0) {
    st = qe_error(ctx, QE_ERR_INTERNAL, "the report's JSON is not an object");
    goto out;
  }
  end--; /* at the '}' */
  size_t keep = end;
  while (keep > 0 && (ta[keep - 1] == '\n' || ta[keep - 1] == ' '))
    keep--;
  bool empty = keep > 0 && ta[keep - 1] == '{';
  char *s = malloc(keep + lb + 8);
  if (!s) {
    st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto out;
  }
  size_t n = 0;
  memcpy(s, ta, keep);
  n = keep;
  if (lb > 2) {
    if (!empty)
      s[n++] = ',';
    if (pretty) {
      s[n++] = '\n';
      s[n++] = ' ';
      s[n++] = ' ';
    }
    memcpy(s + n, tb + 1, lb - 2);
    n += lb - 2;
  }
  if (pretty)
    s[n++] = '\n';
  s[n++] = '}';
  if (pretty)
    s[n++] = '\n';
  s[n] = '\0';
  *out = s;
out:
  qe_json_free(a);
  qe_json_free(b);
  return st;
}

static qe_status step_report(qe_pipeline *p, qe_ctx *ctx)
{
  qe_status st;
  TRY(begin_phase(p, QE_PHASE_REPORT));
  if (!p->opt.write_outputs)
    return phase_fraction(p, 1.0);
  const qe_config *cfg = p->cfg;
  /* the effective configuration, as Hydra keeps it */
  char *yaml = NULL;
  size_t ylen = 0;
  TRY(qe_config_dump(cfg, &yaml, &ylen, ctx));
  st = write_text(p, ".hydra/config.yaml", "config", yaml, ylen, ctx);
  free(yaml);
  if (st)
    return st;
  {
    size_t cap = 64, len = 0;
    for (size_t i = 0; i < p->opt.n_overrides; i++)
      cap += strlen(p->opt.overrides[i]) * 2 + 8;
    char *ov = malloc(cap);
    if (!ov)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    if (p->opt.n_overrides == 0)
      len += (size_t)snprintf(ov, cap, "[]\n");
    for (size_t i = 0; i < p->opt.n_overrides; i++) {
      len += (size_t)snprintf(ov + len, cap - len, "- '");
      for (const char *c = p->opt.overrides[i]; *c && len + 3 < cap; c++) {
        if (*c == '\'')
          ov[len++] = '\'';
        ov[len++] = *c;
      }
      len += (size_t)snprintf(ov + len, cap - len, "'\n");
    }
    st = write_text(p, ".hydra/overrides.yaml", NULL, ov, len, ctx);
    free(ov);
    if (st)
      return st;
  }
  TRY(add_artifact(p, "report_json", "report.json", ctx));
  TRY(phase_fraction(p, 0.2));
  if (p->opt.write_files) {
    TRY(p->opt.write_files(p->opt.write_files_data, p, p->staging, ctx));
    TRY(phase_fraction(p, 0.8));
  }
  /* report.json: warnings so far, the end time; the log last */
  for (; p->warnings_copied < qe_ctx_warning_count(p->wctx); p->warnings_copied++)
    TRY(qe_report_add_warning(p->report, qe_ctx_warning(p->wctx, p->warnings_copied), ctx));
  p->report->finished = (int64_t)time(NULL);
  const char *logs = cfg->logs_dir ? cfg->logs_dir : "logs";
  char *log_rel = qe_strdup_printf("%s/run.log", logs);
  if (!log_rel)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  st = add_artifact(p, "log", log_rel, ctx);
  if (st) {
    free(log_rel);
    return st;
  }
  end_phase(p);
  /* report.json is moved into place only when all went well */
  p->status = QE_RUN_FINISHED;
  char *json = NULL;
  st = qe_pipeline_report_json(p, true, &json, ctx);
  if (st == QE_OK)
    st = write_text(p, "report.json", NULL, json, strlen(json), ctx);
  free(json);
  if (st == QE_OK) {
    logf_(p, "report written; moving the files to %s", p->output_dir);
    st = write_text(p, log_rel, NULL, p->log ? p->log : "", p->log_len, ctx);
  }
  free(log_rel);
  if (st)
    return st;
  /* the last chance to cancel: after this, the files are in place */
  TRY(phase_fraction(p, 0.95));
  TRY(commit_outputs(p, ctx));
  return QE_OK;
}

static qe_status run_steps(qe_pipeline *p, qe_ctx *ctx)
{
  const qe_config *cfg = p->cfg;
  unsigned steps = cfg->steps;
  qe_status st;
  p->model_path = realpath(cfg->model_path, NULL);
  if (!p->model_path && !(p->model_path = qe_strdup(cfg->model_path)))
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  if (cfg->board)
    TRY(find_board(p, cfg->board, ctx));
  if (p->board && (steps & QE_STEP_QUANTIZE)) {
    /* settings that contradict the board: before any work */
    qe_config_target t;
    board_target(p, quant_set_mask(p), &t);
    TRY(qe_config_check_target(cfg, &t, ctx));
  }
  if (p->opt.use_history) {
    TRY(history_begin(p, ctx));
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)p->run_id);
    TRY(qe_report_set_string(&p->report->run_id, id, ctx));
  }
  if (p->opt.write_outputs)
    TRY(make_staging(p, ctx));
  p->phases = 1u << QE_PHASE_LOAD_MODEL;
  p->weight[QE_PHASE_LOAD_MODEL] = 1;
  TRY(step_load(p, ctx));
  plan(p);
  const qe_pl_model *m = p->model;
  bool given_q = m->quantized;
  if (p->phases & (1u << QE_PHASE_READ_DATA)) {
    TRY(begin_phase(p, QE_PHASE_READ_DATA));
    TRY(read_data(p, ctx));
    plan(p); /* with the sample counts */
    TRY(phase_fraction(p, 1.0));
  }
  if (steps & QE_STEP_QUANTIZE)
    TRY(step_quantize(p, ctx));
  else if (given_q) {
    /* evaluation / benchmarking / deployment of a quantized model */
    if (m->qmodel) {
      TRY(qe_pl_model_from_qmodel(m->qmodel, &p->qmodel, ctx));
      TRY(qe_pl_model_prepare(p->qmodel, ctx));
    }
  }
  bool eval_f = (p->phases & (1u << QE_PHASE_EVALUATE_FLOAT)) != 0;
  bool eval_q = (p->phases & (1u << QE_PHASE_EVALUATE_QUANTIZED)) != 0;
  if ((eval_f || eval_q) && (!p->ds || p->n_eval == 0)) {
    const char *why = !p->ds ? "the configuration names no data set"
                             : "the data set has no test or validation samples";
    if (cfg->mode == QE_MODE_EVALUATION)
      return qe_error(ctx, QE_ERR_DATA,
                      "operation_mode evaluation needs data to evaluate on, but %s; set "
                      "dataset.test_path (or training_path with a validation_split)",
                      why);
    warn(p, "the models are not evaluated: %s (set dataset.test_path)", why);
    p->phases &= ~((1u << QE_PHASE_EVALUATE_FLOAT) | (1u << QE_PHASE_EVALUATE_QUANTIZED));
    eval_f = eval_q = false;
  }
  if (eval_f) {
    TRY(begin_phase(p, QE_PHASE_EVALUATE_FLOAT));
    TRY(evaluate(p, p->model, &p->report->float_eval, eval_q && p->qmodel != NULL, false, ctx));
  }
  if (eval_q) {
    TRY(begin_phase(p, QE_PHASE_EVALUATE_QUANTIZED));
    qe_pl_model *qm = p->qmodel ? p->qmodel : p->model;
    TRY(evaluate(p, qm, &p->report->quant_eval, false, eval_f, ctx));
  }
  if (p->phases & (1u << QE_PHASE_LATENCY)) {
    TRY(begin_phase(p, QE_PHASE_LATENCY));
    bool two = !given_q && p->qmodel;
    if (!given_q)
      TRY(measure(p, p->model, &p->report->float_eval, 0, two ? 0.5 : 1, ctx));
    if (p->qmodel)
      TRY(measure(p, p->qmodel, &p->report->quant_eval, two ? 0.5 : 0, 1, ctx));
    else if (given_q) /* a QDQ ONNX model runs on the float runtime */
      TRY(measure(p, p->model, &p->report->quant_eval, 0, 1, ctx));
  }
  TRY(step_board_and_sizes(p, ctx));
  if (p->board && !p->qmodel)
    warn(p, "board %s: the estimate of size and speed on the board needs the quantized model",
         p->board->id);
  if (p->phases & (1u << QE_PHASE_EXPORT))
    TRY(step_export(p, ctx));
  if (p->phases & (1u << QE_PHASE_DEPLOY))
    TRY(step_deploy(p, ctx));
  return step_report(p, ctx);
}

qe_status qe_pipeline_run(qe_pipeline *p, qe_ctx *ctx)
{
  if (!p)
    return qe_error(ctx, QE_ERR_INVALID, "qe_pipeline_run: no pipeline");
  if (p->ran)
    return qe_error(ctx, QE_ERR_INVALID, "a pipeline runs only once; make a new one");
  p->ran = true;
  p->t0 = qe_time_ms();
  p->report->started = (int64_t)time(NULL);
  qe_ctx *w = qe_ctx_new();
  if (!w)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  p->wctx = w;
  if (ctx)
    qe_ctx_set_alloc_limit(w, qe_ctx_alloc_limit(ctx));
  qe_ctx_set_progress(w, on_progress, p);
  logf_(p, "Quantizer %s: %s, operation_mode %s", qe_version(),
        p->cfg->source ? p->cfg->source : "configuration",
        qe_config_enum_name(QE_CONFIG_ENUM_MODE, (int)p->cfg->mode));
  /* warnings given while loading the configuration go into the report */
  qe_status st = ctx ? qe_report_add_ctx_warnings(p->report, ctx, w) : QE_OK;
  if (st == QE_OK)
    st = qe_report_set_config(p->report, p->cfg, w);
  if (st == QE_OK)
    st = run_steps(p, w);
  end_phase(p);
  p->status = st == QE_OK              ? QE_RUN_FINISHED
              : st == QE_ERR_CANCELLED ? QE_RUN_CANCELLED
                                       : QE_RUN_FAILED;
  if (st != QE_OK) {
    logf_(p, "%s: %s", p->status == QE_RUN_CANCELLED ? "cancelled" : "failed", qe_ctx_error(w));
    if (p->staging) {
      qe_pl_remove_tree(p->staging);
      free(p->staging);
      p->staging = NULL;
    }
    /* nothing was written: forget the artifacts */
    for (size_t i = 0; i < p->n_artifacts; i++) {
      free(p->artifacts[i].kind);
      free(p->artifacts[i].rel);
      free(p->artifacts[i].path);
    }
    p->n_artifacts = 0;
    free(p->output_dir);
    p->output_dir = NULL;
  }
  if (p->report->finished < 0)
    p->report->finished = (int64_t)time(NULL);
  for (; p->warnings_copied < qe_ctx_warning_count(w); p->warnings_copied++)
    qe_report_add_warning(p->report, qe_ctx_warning(w, p->warnings_copied), NULL);
  if (p->hist && p->run_id >= 0) {
    qe_ctx *hc = qe_ctx_new();
    qe_status hs = hc ? qe_history_finish_run(p->hist, p->run_id, p->status,
                                              st == QE_OK ? NULL : qe_ctx_error(w), p->report,
                                              p->views, p->n_artifacts, hc)
                      : QE_ERR_NOMEM;
    if (hs != QE_OK && st == QE_OK) {
      st = qe_error(w, hs, "history: %s", hc ? qe_ctx_error(hc) : "out of memory");
      p->status = QE_RUN_FAILED;
    }
    qe_ctx_free(hc);
  }
  /* hand the outcome to the caller's context */
  for (size_t i = 0; ctx && i < qe_ctx_warning_count(w); i++)
    qe_warn(ctx, "%s", qe_ctx_warning(w, i));
  if (st != QE_OK)
    qe_error(ctx, st, "%s", qe_ctx_error(w));
  p->wctx = NULL;
  qe_ctx_free(w);
  return st;
}

/* ---- results ------------------------------------------------------------ */

qe_run_status qe_pipeline_status(const qe_pipeline *p)
{
  return p ? p->status : QE_RUN_FAILED;
}

const qe_report *qe_pipeline_report(const qe_pipeline *p)
{
  return p ? p->report : NULL;
}

int64_t qe_pipeline_run_id(const qe_pipeline *p)
{
  return p ? p->run_id : -1;
}

const char *qe_pipeline_output_dir(const qe_pipeline *p)
{
  return p && p->opt.write_outputs && p->status == QE_RUN_FINISHED ? p->output_dir : NULL;
}

unsigned qe_pipeline_phases(const qe_pipeline *p)
{
  return p ? p->phases : 0;
}

unsigned qe_pipeline_expected_phases(const qe_config *cfg, const qe_pipeline_options *opt)
{
  if (!cfg)
    return 0;
  qe_pipeline_options def;
  if (!opt) {
    qe_pipeline_options_init(&def);
    opt = &def;
  }
  unsigned steps = cfg->steps, ph = 1u << QE_PHASE_LOAD_MODEL;
  if (opt->data_path || config_has_data(cfg))
    ph |= 1u << QE_PHASE_READ_DATA;
  if (steps & QE_STEP_QUANTIZE)
    ph |= (1u << QE_PHASE_CALIBRATE) | (1u << QE_PHASE_QUANTIZE);
  if (ph & (1u << QE_PHASE_READ_DATA)) {
    if (steps & QE_STEP_EVALUATE_FLOAT)
      ph |= 1u << QE_PHASE_EVALUATE_FLOAT;
    if (steps & QE_STEP_EVALUATE_QUANTIZED)
      ph |= 1u << QE_PHASE_EVALUATE_QUANTIZED;
  }
  if ((opt->latency_runs >= 0 ? opt->latency_runs : cfg->latency_runs) > 0)
    ph |= 1u << QE_PHASE_LATENCY;
  if (opt->write_outputs && (steps & (QE_STEP_QUANTIZE | QE_STEP_DEPLOY)))
    ph |= 1u << QE_PHASE_EXPORT;
  if (steps & QE_STEP_DEPLOY)
    ph |= 1u << QE_PHASE_DEPLOY;
  return ph | (1u << QE_PHASE_REPORT);
}

double qe_pipeline_phase_seconds(const qe_pipeline *p, qe_pipeline_phase phase)
{
  return p && (unsigned)phase < QE_PHASE_COUNT ? p->seconds[phase] : NAN;
}

size_t qe_pipeline_artifact_count(const qe_pipeline *p)
{
  return p ? p->n_artifacts : 0;
}

const qe_history_artifact *qe_pipeline_artifact(const qe_pipeline *p, size_t i)
{
  return p && i < p->n_artifacts ? &p->views[i] : NULL;
}

size_t qe_pipeline_advice_count(const qe_pipeline *p)
{
  return p && p->quant ? p->quant->n_ranked : 0;
}

const char *qe_pipeline_advice(const qe_pipeline *p, size_t i)
{
  return p && p->quant && i < p->quant->n_ranked ? p->quant->advice[i] : NULL;
}

const qe_board_check_result *qe_pipeline_board_check(const qe_pipeline *p)
{
  return p && p->has_check ? &p->check : NULL;
}

const qe_board *qe_pipeline_board(const qe_pipeline *p)
{
  return p ? p->board : NULL;
}

const char *qe_pipeline_log(const qe_pipeline *p)
{
  return p && p->log ? p->log : "";
}
