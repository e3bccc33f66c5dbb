/* qz-cli.h - the `qz` command-line tool: shared declarations.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every sub-command lives in its own file (qz-<name>.c) and has the
 * signature of QzCommandFunc. Exit codes follow the contract in DESIGN.md:
 * 0 success, 1 user error (one line naming the culprit), 2 usage error.
 */
#pragma once

#include <glib.h>

#include "qe/qe_core.h"

G_BEGIN_DECLS

enum {
  QZ_EXIT_OK = 0,
  QZ_EXIT_ERROR = 1,
  QZ_EXIT_USAGE = 2,
};

typedef int (*QzCommandFunc)(int argc, char **argv);

typedef struct {
  const char *name;
  const char *args;    /* synopsis after the name */
  const char *summary; /* one line */
  QzCommandFunc func;
} QzCommand;

/* The sub-commands (one file each). */
int qz_cmd_info(int argc, char **argv);
int qz_cmd_infer(int argc, char **argv);
int qz_cmd_quantize(int argc, char **argv);
int qz_cmd_evaluate(int argc, char **argv);
int qz_cmd_run(int argc, char **argv);
int qz_cmd_data(int argc, char **argv);
int qz_cmd_history(int argc, char **argv);
int qz_cmd_boards(int argc, char **argv);
int qz_cmd_deploy(int argc, char **argv);

/* Print "qz CMD: message" on stderr (one line) and return QZ_EXIT_ERROR. */
int qz_fail(const char *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Print a usage error and the hint to run --help; return QZ_EXIT_USAGE. */
int qz_usage_error(const char *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Parse @entries for sub-command @cmd; on failure prints and returns FALSE
 * with *exit_code set. @param_string names positional arguments. */
gboolean qz_parse_options(const char *cmd, const char *param_string, const char *summary,
                          const GOptionEntry *entries, int *argc, char ***argv, int *exit_code);
/* Board descriptions and prebuilt runner images (qz-boards.c). */
char *qz_boards_dir(void);
char *qz_firmware_dir(void);
/* For commands whose engine part has not landed yet. */
int qz_not_built(const char *cmd, const char *what);
/* Print the warnings of @ctx from the @from-th on as "qz CMD: warning: ..."
 * lines on stderr. */
void qz_print_warnings(const char *cmd, qe_ctx *ctx, size_t from);
/* Does @path name a YAML configuration (.yaml, .yml, .YAML)? */
gboolean qz_is_yaml(const char *path);

/* Terminal progress: a bar with ETA on a terminal, plain lines otherwise,
 * nothing with --quiet. Usable as a qe_progress_fn. */
typedef struct QzProgress QzProgress;
QzProgress *qz_progress_new(gboolean quiet);
void qz_progress_free(QzProgress *p);
int qz_progress_cb(void *user_data, double fraction, const char *phase);
void qz_progress_done(QzProgress *p);

G_END_DECLS
