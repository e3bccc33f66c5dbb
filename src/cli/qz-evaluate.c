/* qz-evaluate.c - `qz evaluate`.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-cli.h"

int qz_cmd_evaluate(int argc, char **argv)
{
  static const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("evaluate", "", "Evaluation (issue: evaluation and reports).", entries,
                        &argc, &argv, &rc))
    return rc;
  return qz_not_built("evaluate", "Evaluation (issue: evaluation and reports)");
}
