/* qz-history.c - the run history (the engine's SQLite database), read and
 * changed from worker threads.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The database is the one `qz run` and `qz history` use
 * ($XDG_DATA_HOME/quantizer/history.db). Each call opens it, does one thing
 * and closes it again, so that any thread may call.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qe/qe_history.h"
#include "qz-history.h"
#include "qz-model-info.h"

void qz_history_run_free(QzHistoryRun *run)
{
  if (run == NULL)
    return;
  g_free(run->project);
  g_free(run->model_path);
  g_free(run->board);
  g_free(run->output_dir);
  g_free(run->message);
  g_free(run);
}

/* Open the history; *h NULL and TRUE when there is none yet. */
static gboolean open_history(gboolean write, qe_history **h, qe_ctx *ctx, GError **error)
{
  char path[4096];
  qe_history_options opt;

  *h = NULL;
  if (qe_history_default_path(path, sizeof path, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    return FALSE;
  }
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    return TRUE;
  qe_history_options_init(&opt);
  opt.read_only = !write;
  if (qe_history_open(path, &opt, h, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    return FALSE;
  }
  return TRUE;
}

GPtrArray *qz_history_list(GError **error)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func((GDestroyNotify)qz_history_run_free);
  qe_ctx *ctx = qe_ctx_new();
  qe_history *h = NULL;
  qe_history_list *list = NULL;

  if (!open_history(FALSE, &h, ctx, error)) {
    g_clear_pointer(&runs, g_ptr_array_unref);
    goto out;
  }
  if (h == NULL)
    goto out;
  if (qe_history_list_runs(h, &list, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    g_clear_pointer(&runs, g_ptr_array_unref);
    goto out;
  }
  for (size_t i = 0; i < qe_history_list_count(list); i++) {
    const qe_history_run *r = qe_history_list_at(list, i);
    QzHistoryRun *run = g_new0(QzHistoryRun, 1);

    run->id = r->id;
    run->project = g_strdup(r->project);
    run->status = r->status;
    run->model_path = g_strdup(r->model_path);
    run->board = g_strdup(r->board);
    run->output_dir = g_strdup(r->output_dir);
    run->message = g_strdup(r->message);
    run->started = r->started;
    run->float_accuracy = r->float_accuracy;
    run->quantized_accuracy = r->quantized_accuracy;
    run->quantized_bytes = r->quantized_bytes;
    run->arena_bytes = r->arena_bytes;
    run->quantized_latency_ms = r->quantized_latency_ms;
    g_ptr_array_add(runs, run);
  }
out:
  qe_history_list_free(list);
  qe_history_close(h);
  qe_ctx_free(ctx);
  return runs;
}

static qe_history_detail *get_detail(gint64 id, qe_history **h, qe_ctx *ctx, GError **error)
{
  qe_history_detail *d = NULL;

  if (!open_history(FALSE, h, ctx, error))
    return NULL;
  if (*h == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no history of runs yet"));
    return NULL;
  }
  if (qe_history_get_run(*h, id, &d, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    return NULL;
  }
  return d;
}

char *qz_history_get_config(gint64 id, GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_history *h = NULL;
  qe_history_detail *d = get_detail(id, &h, ctx, error);
  char *yaml = NULL;

  if (d != NULL) {
    if (d->config_yaml != NULL && d->config_yaml[0] != '\0')
      yaml = g_strdup(d->config_yaml);
    else
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("Run %d has no stored settings"),
                  (int)id);
  }
  qe_history_detail_free(d);
  qe_history_close(h);
  qe_ctx_free(ctx);
  return yaml;
}

GPtrArray *qz_history_get_metrics(gint64 id, GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_history *h = NULL;
  qe_history_detail *d = get_detail(id, &h, ctx, error);
  GPtrArray *out = NULL;

  if (d != NULL) {
    out = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < d->n_metrics; i++) {
      const qe_history_metric *m = &d->metrics[i];

      if (isnan(m->value))
        continue;
      g_ptr_array_add(out, m->model != NULL && m->model[0] != '\0'
                               ? g_strdup_printf("%s %s", m->model, m->name)
                               : g_strdup(m->name));
      g_ptr_array_add(out, g_strdup_printf("%.6g", m->value));
    }
  }
  qe_history_detail_free(d);
  qe_history_close(h);
  qe_ctx_free(ctx);
  return out;
}

gboolean qz_history_delete(gint64 id, GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_history *h = NULL;
  gboolean ok = FALSE;

  if (open_history(TRUE, &h, ctx, error) && h != NULL) {
    ok = qe_history_delete_run(h, id, ctx) == QE_OK;
    if (!ok)
      qz_set_engine_error(error, ctx);
  }
  qe_history_close(h);
  qe_ctx_free(ctx);
  return ok;
}
