/* qe_history.h - the run history: an SQLite database of projects, runs,
 * their effective configuration, data fingerprints, metrics, per-class
 * metrics, per-layer statistics and artifacts.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Durability: the database runs in WAL mode with synchronous=FULL. A run is
 * inserted as 'running' in one transaction (qe_history_begin_run) and
 * completed in one transaction (qe_history_finish_run: metrics, classes,
 * layers, artifacts and the final status together), so a crash or a kill
 * never loses a finished run and never leaves a half-written run that looks
 * finished. Each running run records its owner (host, pid and the process
 * start time); on open, runs left 'running' by a process of this host that
 * no longer exists are marked 'interrupted'.
 *
 * Safety: the schema version is PRAGMA user_version (migrations run in a
 * transaction) and the file is tagged with PRAGMA application_id. A file
 * that is not a database, is corrupt (quick_check), belongs to another
 * program, was written by a newer Quantizer or stays locked is refused with
 * one sentence naming the file; it is never overwritten or recreated.
 */
#ifndef QE_HISTORY_H
#define QE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"
#include "qe_report.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QE_HISTORY_SCHEMA_VERSION 1

typedef enum qe_run_status {
  QE_RUN_RUNNING = 0, /* "running" */
  QE_RUN_FINISHED,    /* "finished" */
  QE_RUN_FAILED,      /* "failed" */
  QE_RUN_CANCELLED,   /* "cancelled" */
  QE_RUN_INTERRUPTED, /* "interrupted": its process died while it ran */
  QE_RUN_STATUS_COUNT
} qe_run_status;

const char *qe_run_status_name(qe_run_status s);

typedef struct qe_history qe_history;

typedef struct qe_history_options {
  bool create;         /* create the file (and its folder) when missing */
  bool read_only;      /* no writes at all (no migration, no marking) */
  int busy_timeout_ms; /* wait for a lock this long; default 5000 */
} qe_history_options;

void qe_history_options_init(qe_history_options *o);

/* The default location: $XDG_DATA_HOME/quantizer/history.db, else
 * $HOME/.local/share/quantizer/history.db. */
qe_status qe_history_default_path(char *buf, size_t size, qe_ctx *ctx);

qe_status qe_history_open(const char *path, const qe_history_options *opt, qe_history **out,
                          qe_ctx *ctx);
void qe_history_close(qe_history *h);
/* Runs marked 'interrupted' by the last open. */
size_t qe_history_interrupted_on_open(const qe_history *h);

/* A data set used by a run. */
typedef struct qe_history_dataset {
  const char *role; /* "calibration", "evaluation", ... */
  const char *path;
  const char *fingerprint; /* qe_history_fingerprint() or the data engine's hash */
  int64_t samples;         /* -1 unknown */
} qe_history_dataset;

typedef struct qe_history_run_info {
  const char *project; /* created when new; NULL = "<unnamed>" */
  const char *mode;    /* operation_mode */
  const char *model_path;
  const char *board; /* NULL: none */
  const char *output_dir;
  const char *config_yaml; /* the effective configuration (qe_config_dump) */
  const qe_history_dataset *datasets;
  size_t n_datasets;
} qe_history_run_info;

/* Insert a run as 'running'; *run_id receives its id. */
qe_status qe_history_begin_run(qe_history *h, const qe_history_run_info *info, int64_t *run_id,
                               qe_ctx *ctx);

typedef struct qe_history_artifact {
  const char *kind; /* "quantized_model", "report_json", "report_html", "plot", ... */
  const char *path;
} qe_history_artifact;

/* Complete a running run in one transaction: @status (finished, failed or
 * cancelled), @message (failure reason, may be NULL), the numbers of
 * @report (may be NULL) and the artifacts. A run that is not 'running' is
 * QE_ERR_INVALID. */
qe_status qe_history_finish_run(qe_history *h, int64_t run_id, qe_run_status status,
                                const char *message, const qe_report *report,
                                const qe_history_artifact *artifacts, size_t n_artifacts,
                                qe_ctx *ctx);

/* Called just before the final transaction of qe_history_finish_run
 * commits (tests use it to kill a writer there). */
void qe_history_set_commit_hook(qe_history *h, void (*fn)(void *), void *user_data);

/* One row of the list. Strings are owned by the list. NaN / -1: unknown. */
typedef struct qe_history_run {
  int64_t id;
  const char *project;
  qe_run_status status;
  const char *mode;
  const char *model_path;
  const char *board;
  const char *output_dir;
  const char *engine_version;
  const char *message;
  double started, finished; /* Unix seconds; finished NaN while running */
  double float_accuracy, quantized_accuracy;
  double float_latency_ms, quantized_latency_ms;
  int64_t float_bytes, quantized_bytes, arena_bytes;
} qe_history_run;

typedef struct qe_history_list qe_history_list;

/* All runs, newest first. */
qe_status qe_history_list_runs(qe_history *h, qe_history_list **out, qe_ctx *ctx);
size_t qe_history_list_count(const qe_history_list *l);
const qe_history_run *qe_history_list_at(const qe_history_list *l, size_t i);
void qe_history_list_free(qe_history_list *l);

/* Everything about one run. */
typedef struct qe_history_metric {
  const char *model; /* "float", "quantized" or "" (sizes, output error...) */
  const char *name;
  double value;
} qe_history_metric;

typedef struct qe_history_class_metric {
  const char *model;
  int64_t index;
  const char *name;
  double precision, recall, f1;
  int64_t support;
} qe_history_class_metric;

typedef struct qe_history_layer {
  int64_t index;
  const char *name, *op;
  double sqnr_db;
} qe_history_layer;

typedef struct qe_history_detail {
  qe_history_run run;
  const char *config_yaml; /* the stored effective configuration: repeat the run with it */
  const qe_history_dataset *datasets;
  size_t n_datasets;
  const qe_history_metric *metrics;
  size_t n_metrics;
  const qe_history_class_metric *classes;
  size_t n_classes;
  const qe_history_layer *layers;
  size_t n_layers;
  const qe_history_artifact *artifacts;
  size_t n_artifacts;
} qe_history_detail;

/* QE_ERR_INVALID "run N is not in the history" when absent. */
qe_status qe_history_get_run(qe_history *h, int64_t run_id, qe_history_detail **out, qe_ctx *ctx);
void qe_history_detail_free(qe_history_detail *d);

/* Delete a run and everything recorded with it (not the files). A run
 * still running in a live process is refused. */
qe_status qe_history_delete_run(qe_history *h, int64_t run_id, qe_ctx *ctx);

/* A cheap fingerprint of a file or folder tree: FNV-1a 64 over the sorted
 * relative names, sizes and modification times (and, for files up to
 * 1 MiB, their bytes). "fnv1a64:<16 hex>:<files>" into @buf (>= 48 bytes). */
qe_status qe_history_fingerprint(const char *path, char *buf, size_t size, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_HISTORY_H */
