/* qz-quantize.c - `qz quantize`.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-cli.h"

int qz_cmd_quantize(int argc, char **argv)
{
  static const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("quantize", "", "Quantization (issue: post-training quantization).",
                        entries, &argc, &argv, &rc))
    return rc;
  return qz_not_built("quantize", "Quantization (issue: post-training quantization)");
}
