/* qz-history.c - `qz history`: list, show, print the configuration of and
 * delete runs kept in the run history.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "qe/qe.h"
#include "qe/qe_history.h"
#include "qe/qe_json.h"
#include "qz-cli.h"

static const char *summary =
    "The run history: every quantization, evaluation or benchmark run, with its\n"
    "settings, data, results and files.\n"
    "\n"
    "  qz history [--json]            list the runs, newest first\n"
    "  qz history show ID [--json]    everything recorded about run ID\n"
    "  qz history config ID           the effective configuration of run ID, as YAML:\n"
    "                                 save it and give it to 'qz run' to repeat the run\n"
    "  qz history delete ID           forget run ID (its files are kept)\n"
    "\n"
    "The history lives in $XDG_DATA_HOME/quantizer/history.db (--db to use another).";

static void local_time(double t, char *buf, size_t size)
{
  if (isnan(t)) {
    snprintf(buf, size, "-");
    return;
  }
  time_t tt = (time_t)t;
  struct tm tm;
  if (!localtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M", &tm))
    snprintf(buf, size, "?");
}

static void run_to_json(const qe_history_run *r, qe_json *j)
{
  qe_json_kv_int(j, "id", r->id);
  qe_json_kv_string(j, "project", r->project);
  qe_json_kv_string(j, "status", qe_run_status_name(r->status));
  qe_json_kv_string(j, "mode", r->mode);
  qe_json_kv_string(j, "model_path", r->model_path);
  qe_json_kv_string(j, "board", r->board);
  qe_json_kv_string(j, "output_dir", r->output_dir);
  qe_json_kv_string(j, "engine_version", r->engine_version);
  qe_json_kv_string(j, "message", r->message);
  qe_json_kv_time(j, "started", r->started);
  qe_json_kv_time(j, "finished", r->finished);
  qe_json_kv_number(j, "float_accuracy", r->float_accuracy);
  qe_json_kv_number(j, "quantized_accuracy", r->quantized_accuracy);
  qe_json_kv_number(j, "float_latency_ms", r->float_latency_ms);
  qe_json_kv_number(j, "quantized_latency_ms", r->quantized_latency_ms);
  qe_json_kv_count(j, "float_bytes", r->float_bytes);
  qe_json_kv_count(j, "quantized_bytes", r->quantized_bytes);
  qe_json_kv_count(j, "arena_bytes", r->arena_bytes);
}

static void percent(double v, char *buf, size_t size)
{
  if (isnan(v))
    snprintf(buf, size, "-");
  else
    snprintf(buf, size, "%.2f%%", v * 100.0);
}

static void bytes_text(int64_t v, char *buf, size_t size)
{
  if (v < 0)
    snprintf(buf, size, "-");
  else if (v >= 1024 * 1024)
    snprintf(buf, size, "%.2f MiB", (double)v / (1024.0 * 1024.0));
  else if (v >= 1024)
    snprintf(buf, size, "%.1f KiB", (double)v / 1024.0);
  else
    snprintf(buf, size, "%lld B", (long long)v);
}

/* Open @path for reading and marking interrupted runs. *missing is set
 * when there is no history file yet (not an error for listing). */
static qe_history *open_history(const char *path, gboolean *missing, qe_ctx *ctx)
{
  qe_history_options o;
  qe_history_options_init(&o);
  qe_history *h = NULL;
  *missing = !g_file_test(path, G_FILE_TEST_EXISTS);
  if (*missing)
    return NULL;
  if (qe_history_open(path, &o, &h, ctx) != QE_OK)
    return NULL;
  return h;
}

static int cmd_list(const char *db, gboolean json, qe_ctx *ctx)
{
  gboolean missing;
  qe_history *h = open_history(db, &missing, ctx);
  if (!h && !missing)
    return qz_fail("history", "%s", qe_ctx_error(ctx));
  qe_history_list *l = NULL;
  if (h && qe_history_list_runs(h, &l, ctx) != QE_OK) {
    qe_history_close(h);
    return qz_fail("history", "%s", qe_ctx_error(ctx));
  }
  size_t n = qe_history_list_count(l);
  if (json) {
    qe_json *j = qe_json_new(TRUE);
    qe_json_begin_object(j);
    qe_json_kv_string(j, "database", db);
    qe_json_key(j, "runs");
    qe_json_begin_array(j);
    for (size_t i = 0; i < n; i++) {
      qe_json_begin_object(j);
      run_to_json(qe_history_list_at(l, i), j);
      qe_json_end_object(j);
    }
    qe_json_end_array(j);
    qe_json_end_object(j);
    printf("%s\n", qe_json_text(j, NULL));
    qe_json_free(j);
  } else if (n == 0) {
    printf("No runs recorded yet (history: %s).\n", db);
  } else {
    printf("%5s  %-11s  %-16s  %-14s  %-12s  %9s  %9s  %10s  %s\n", "ID", "STATUS", "STARTED",
           "PROJECT", "MODE", "FLOAT", "QUANT", "SIZE", "MODEL");
    for (size_t i = 0; i < n; i++) {
      const qe_history_run *r = qe_history_list_at(l, i);
      char started[32], fa[16], qa[16], size[24];
      local_time(r->started, started, sizeof started);
      percent(r->float_accuracy, fa, sizeof fa);
      percent(r->quantized_accuracy, qa, sizeof qa);
      bytes_text(r->quantized_bytes, size, sizeof size);
      g_autofree char *model = r->model_path ? g_path_get_basename(r->model_path) : NULL;
      printf("%5lld  %-11s  %-16s  %-14.14s  %-12.12s  %9s  %9s  %10s  %s\n", (long long)r->id,
             qe_run_status_name(r->status), started, r->project ? r->project : "",
             r->mode ? r->mode : "-", fa, qa, size, model ? model : "-");
    }
  }
  if (h && qe_history_interrupted_on_open(h) > 0 && !json)
    fprintf(stderr,
            "qz history: %zu run(s) were marked interrupted: the program running them "
            "had stopped.\n",
            qe_history_interrupted_on_open(h));
  qe_history_list_free(l);
  qe_history_close(h);
  return QZ_EXIT_OK;
}

static gboolean parse_id(const char *text, gint64 *id)
{
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_strtoll(text, &end, 10);
  if (errno || !end || *end || end == text || v <= 0)
    return FALSE;
  *id = v;
  return TRUE;
}

static qe_history *open_existing(const char *db, qe_ctx *ctx, int *rc)
{
  gboolean missing;
  qe_history *h = open_history(db, &missing, ctx);
  if (!h)
    *rc = missing ? qz_fail("history", "%s: there is no run history here yet", db)
                  : qz_fail("history", "%s", qe_ctx_error(ctx));
  return h;
}

static void show_text(const qe_history_detail *d)
{
  const qe_history_run *r = &d->run;
  char started[32], finished[32];
  local_time(r->started, started, sizeof started);
  local_time(r->finished, finished, sizeof finished);
  printf("Run %lld (%s)\n", (long long)r->id, qe_run_status_name(r->status));
  printf("  project:    %s\n", r->project ? r->project : "-");
  printf("  mode:       %s\n", r->mode ? r->mode : "-");
  printf("  model:      %s\n", r->model_path ? r->model_path : "-");
  if (r->board)
    printf("  board:      %s\n", r->board);
  printf("  output:     %s\n", r->output_dir ? r->output_dir : "-");
  printf("  started:    %s\n  finished:   %s\n", started, finished);
  printf("  engine:     %s\n", r->engine_version ? r->engine_version : "-");
  if (r->message)
    printf("  message:    %s\n", r->message);
  if (d->n_datasets) {
    printf("Data:\n");
    for (size_t i = 0; i < d->n_datasets; i++) {
      const qe_history_dataset *s = &d->datasets[i];
      printf("  %-12s %s", s->role, s->path ? s->path : "-");
      if (s->samples >= 0)
        printf(" (%lld samples)", (long long)s->samples);
      if (s->fingerprint)
        printf(" [%s]", s->fingerprint);
      printf("\n");
    }
  }
  if (d->n_metrics) {
    printf("Metrics:\n");
    for (size_t i = 0; i < d->n_metrics; i++) {
      const qe_history_metric *m = &d->metrics[i];
      printf("  %-10s %-28s %.10g\n", m->model[0] ? m->model : "-", m->name, m->value);
    }
  }
  if (d->n_classes) {
    printf("Per class:\n  %-10s %-20s %9s %9s %9s %8s\n", "model", "class", "precision", "recall",
           "f1", "support");
    for (size_t i = 0; i < d->n_classes; i++) {
      const qe_history_class_metric *c = &d->classes[i];
      printf("  %-10s %-20.20s %9.4f %9.4f %9.4f %8lld\n", c->model, c->name ? c->name : "?",
             c->precision, c->recall, c->f1, (long long)c->support);
    }
  }
  if (d->n_layers) {
    printf("Layers (SQNR, dB):\n");
    for (size_t i = 0; i < d->n_layers; i++)
      printf("  %4lld %-40.40s %-16.16s %8.2f\n", (long long)d->layers[i].index,
             d->layers[i].name ? d->layers[i].name : "", d->layers[i].op ? d->layers[i].op : "",
             d->layers[i].sqnr_db);
  }
  if (d->n_artifacts) {
    printf("Files:\n");
    for (size_t i = 0; i < d->n_artifacts; i++)
      printf("  %-16s %s\n", d->artifacts[i].kind, d->artifacts[i].path);
  }
}

static void show_json(const qe_history_detail *d, const char *db)
{
  qe_json *j = qe_json_new(TRUE);
  qe_json_begin_object(j);
  qe_json_kv_string(j, "database", db);
  run_to_json(&d->run, j);
  qe_json_kv_string(j, "config_yaml", d->config_yaml);
  qe_json_key(j, "datasets");
  qe_json_begin_array(j);
  for (size_t i = 0; i < d->n_datasets; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "role", d->datasets[i].role);
    qe_json_kv_string(j, "path", d->datasets[i].path);
    qe_json_kv_string(j, "fingerprint", d->datasets[i].fingerprint);
    qe_json_kv_count(j, "samples", d->datasets[i].samples);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  /* Metrics as {model: {name: value}}, "" as "run". */
  qe_json_key(j, "metrics");
  qe_json_begin_object(j);
  const char *open_model = NULL;
  for (size_t i = 0; i < d->n_metrics; i++) {
    const qe_history_metric *m = &d->metrics[i];
    if (!open_model || strcmp(open_model, m->model) != 0) {
      if (open_model)
        qe_json_end_object(j);
      qe_json_key(j, m->model[0] ? m->model : "run");
      qe_json_begin_object(j);
      open_model = m->model;
    }
    qe_json_kv_number(j, m->name, m->value);
  }
  if (open_model)
    qe_json_end_object(j);
  qe_json_end_object(j);
  qe_json_key(j, "per_class");
  qe_json_begin_array(j);
  for (size_t i = 0; i < d->n_classes; i++) {
    const qe_history_class_metric *c = &d->classes[i];
    qe_json_begin_object(j);
    qe_json_kv_string(j, "model", c->model);
    qe_json_kv_int(j, "index", c->index);
    qe_json_kv_string(j, "name", c->name);
    qe_report_class_to_json(j, c->precision, c->recall, c->f1, c->support);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_key(j, "layers");
  qe_json_begin_array(j);
  for (size_t i = 0; i < d->n_layers; i++)
    qe_report_layer_to_json(j, d->layers[i].name, d->layers[i].op, d->layers[i].sqnr_db);
  qe_json_end_array(j);
  qe_json_key(j, "artifacts");
  qe_json_begin_array(j);
  for (size_t i = 0; i < d->n_artifacts; i++) {
    qe_json_begin_object(j);
    qe_json_kv_string(j, "kind", d->artifacts[i].kind);
    qe_json_kv_string(j, "path", d->artifacts[i].path);
    qe_json_end_object(j);
  }
  qe_json_end_array(j);
  qe_json_end_object(j);
  printf("%s\n", qe_json_text(j, NULL));
  qe_json_free(j);
}

static int history_main(int argc, char **argv, qe_ctx *ctx)
{
  gboolean json = FALSE;
  g_autofree char *db = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON on standard output", NULL },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "The history database to use", "PATH" },
    G_OPTION_ENTRY_NULL
  };
  int rc;
  if (!qz_parse_options("history", "[show ID | config ID | delete ID]", summary, entries, &argc,
                        &argv, &rc))
    return rc;
  if (!db) {
    char buf[4096];
    if (qe_history_default_path(buf, sizeof buf, ctx) != QE_OK)
      return qz_fail("history", "%s", qe_ctx_error(ctx));
    db = g_strdup(buf);
  }
  if (argc <= 1)
    return cmd_list(db, json, ctx);
  const char *sub = argv[1];
  if (strcmp(sub, "list") == 0 && argc == 2)
    return cmd_list(db, json, ctx);
  if (strcmp(sub, "show") != 0 && strcmp(sub, "config") != 0 && strcmp(sub, "delete") != 0)
    return qz_usage_error("history", "unknown action '%s' (show, config or delete)", sub);
  if (argc != 3)
    return qz_usage_error("history", "'%s' takes one run id", sub);
  gint64 id;
  if (!parse_id(argv[2], &id))
    return qz_usage_error("history", "'%s' is not a run id (a positive number)", argv[2]);
  qe_history *h = open_existing(db, ctx, &rc);
  if (!h)
    return rc;
  rc = QZ_EXIT_OK;
  if (strcmp(sub, "delete") == 0) {
    if (qe_history_delete_run(h, id, ctx) != QE_OK)
      rc = qz_fail("history", "%s", qe_ctx_error(ctx));
    else if (json)
      printf("{\"deleted\": %lld}\n", (long long)id);
    else
      printf("Run %lld deleted from the history.\n", (long long)id);
  } else {
    qe_history_detail *d = NULL;
    if (qe_history_get_run(h, id, &d, ctx) != QE_OK) {
      rc = qz_fail("history", "%s", qe_ctx_error(ctx));
    } else if (strcmp(sub, "config") == 0) {
      fputs(d->config_yaml ? d->config_yaml : "", stdout);
    } else if (json) {
      show_json(d, db);
    } else {
      show_text(d);
    }
    qe_history_detail_free(d);
  }
  qe_history_close(h);
  return rc;
}

int qz_cmd_history(int argc, char **argv)
{
  qe_ctx *ctx = qe_ctx_new();
  if (!ctx)
    return qz_fail("history", "out of memory");
  int rc = history_main(argc, argv, ctx);
  qe_ctx_free(ctx);
  return rc;
}
