/* qz-common.c - option parsing, errors and progress for the `qz` tool.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "qz-cli.h"

int qz_fail(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start(ap, fmt);
  msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_strdelimit(msg, "\n\r", ' ');
  fprintf(stderr, "qz %s: %s\n", cmd, msg);
  return QZ_EXIT_ERROR;
}

int qz_usage_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start(ap, fmt);
  msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "qz %s: %s\nTry 'qz %s --help' for more information.\n", cmd, msg, cmd);
  return QZ_EXIT_USAGE;
}

gboolean qz_parse_options(const char *cmd, const char *param_string, const char *summary,
                          const GOptionEntry *entries, int *argc, char ***argv, int *exit_code)
{
  g_autoptr(GOptionContext) octx = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *params = g_strdup_printf("%s %s", cmd, param_string ? param_string : "");

  g_set_prgname("qz");
  octx = g_option_context_new(params);
  g_option_context_set_summary(octx, summary);
  g_option_context_add_main_entries(octx, entries, NULL);
  g_option_context_set_strict_posix(octx, FALSE);
  if (!g_option_context_parse(octx, argc, argv, &error)) {
    *exit_code = qz_usage_error(cmd, "%s", error->message);
    return FALSE;
  }
  *exit_code = QZ_EXIT_OK;
  return TRUE;
}

int qz_not_built(const char *cmd, const char *what)
{
  fprintf(stderr, "qz %s: %s is not built yet in this version of Quantizer.\n", cmd, what);
  return QZ_EXIT_ERROR;
}

void qz_print_warnings(const char *cmd, qe_ctx *ctx, size_t from)
{
  for (size_t i = from; i < qe_ctx_warning_count(ctx); i++)
    fprintf(stderr, "qz %s: warning: %s\n", cmd, qe_ctx_warning(ctx, i));
}

gboolean qz_is_yaml(const char *path)
{
  return g_str_has_suffix(path, ".yaml") || g_str_has_suffix(path, ".yml") ||
         g_str_has_suffix(path, ".YAML");
}

struct QzProgress {
  gboolean quiet;
  gboolean tty;
  gint64 start_us;
  gint64 last_us;
  char *last_phase;
  double phase_start_fraction;
  gint64 phase_start_us;
  int last_percent;
};

QzProgress *qz_progress_new(gboolean quiet)
{
  QzProgress *p = g_new0(QzProgress, 1);
  p->quiet = quiet;
  p->tty = isatty(STDERR_FILENO);
  p->start_us = g_get_monotonic_time();
  p->last_percent = -1;
  return p;
}

void qz_progress_free(QzProgress *p)
{
  if (!p)
    return;
  g_free(p->last_phase);
  g_free(p);
}

int qz_progress_cb(void *user_data, double fraction, const char *phase)
{
  QzProgress *p = user_data;
  gint64 now = g_get_monotonic_time();
  if (!p || p->quiet)
    return 0;
  if (!phase)
    phase = "";
  if (g_strcmp0(phase, p->last_phase) != 0) {
    if (p->tty && p->last_phase)
      fputc('\n', stderr);
    g_free(p->last_phase);
    p->last_phase = g_strdup(phase);
    p->phase_start_fraction = fraction < 0 ? 0 : fraction;
    p->phase_start_us = now;
    p->last_percent = -1;
    if (!p->tty)
      fprintf(stderr, "%s...\n", phase);
  }
  int percent = fraction < 0 ? -1 : (int)(fraction * 100.0 + 0.5);
  if (p->tty) {
    /* Redraw at most ten times a second. */
    if (now - p->last_us < 100000 && percent != 100)
      return 0;
    p->last_us = now;
    char eta[32] = "";
    double done = fraction - p->phase_start_fraction;
    if (fraction > 0 && done > 0.01 && now - p->phase_start_us > 500000) {
      double secs = (now - p->phase_start_us) / 1e6 * (1.0 - fraction) / done;
      g_snprintf(eta, sizeof eta, " ETA %d:%02d", (int)secs / 60, (int)secs % 60);
    }
    if (percent >= 0) {
      int width = 30, filled = percent * width / 100;
      fprintf(stderr, "\r%-28.28s [", phase);
      for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
      fprintf(stderr, "] %3d%%%s   ", percent, eta);
    } else {
      fprintf(stderr, "\r%-28.28s ...", phase);
    }
    fflush(stderr);
  } else if (percent >= 0 && percent / 25 != p->last_percent / 25) {
    fprintf(stderr, "%s: %d%%\n", phase, percent);
  }
  p->last_percent = percent;
  return 0;
}

void qz_progress_done(QzProgress *p)
{
  if (p && !p->quiet && p->tty && p->last_phase)
    fputc('\n', stderr);
}
