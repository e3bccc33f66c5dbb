/* qz-run.c - `qz run`.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-cli.h"

int qz_cmd_run(int argc, char **argv)
{
  static const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("run", "", "Running YAML configurations (issue: YAML configuration).",
                        entries, &argc, &argv, &rc))
    return rc;
  return qz_not_built("run", "Running YAML configurations (issue: YAML configuration)");
}
