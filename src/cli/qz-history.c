/* qz-history.c - `qz history`.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-cli.h"

int qz_cmd_history(int argc, char **argv)
{
  static const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("history", "", "The run history (issue: run history).", entries, &argc,
                        &argv, &rc))
    return rc;
  return qz_not_built("history", "The run history (issue: run history)");
}
