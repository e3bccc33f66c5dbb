/* qz-history.h - the run history (the engine's SQLite database), read and
 * changed from worker threads.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  gint64 id;
  char *project;
  int status; /* qe_run_status */
  char *model_path;
  char *board;
  char *output_dir;
  char *message;
  double started;                            /* Unix seconds */
  double float_accuracy, quantized_accuracy; /* NaN: unknown */
  gint64 quantized_bytes, arena_bytes;       /* -1: unknown */
  double quantized_latency_ms;
} QzHistoryRun;

void qz_history_run_free(QzHistoryRun *run);

/* All runs, newest first (an empty array when there is no history yet). */
GPtrArray *qz_history_list(GError **error);
/* The effective configuration stored with run @id (YAML text). */
char *qz_history_get_config(gint64 id, GError **error);
/* A few numbers of run @id for the comparison of two runs: "key" → value
 * pairs ("float accuracy", "quantized bytes", ...), in display order. */
GPtrArray *qz_history_get_metrics(gint64 id, GError **error);
gboolean qz_history_delete(gint64 id, GError **error);

G_END_DECLS
