/* qz-deploy.c - `qz deploy`.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-cli.h"

int qz_cmd_deploy(int argc, char **argv)
{
  static const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  int rc;
  if (!qz_parse_options("deploy", "", "Deployment (issue: boards).", entries, &argc, &argv, &rc))
    return rc;
  return qz_not_built("deploy", "Deployment (issue: boards)");
}
