/* qz-data.c - `qz data`.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-cli.h"

int qz_cmd_data(int argc, char **argv)
{
  static const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("data", "", "Data set diagnostics (issue: data sets and preprocessing).",
                        entries, &argc, &argv, &rc))
    return rc;
  return qz_not_built("data", "Data set diagnostics (issue: data sets and preprocessing)");
}
