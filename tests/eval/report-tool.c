/* report-tool.c - write the sample report (sample-report.h) with a
 * configuration as report.json, for check_report.py.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "qe/qe.h"
#include "sample-report.h"

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: report-tool CONFIG.yaml OUT.json\n");
    return 2;
  }
  qe_ctx *ctx = qe_ctx_new();
  qe_report *r = sample_report(ctx);
  qe_config_options o;
  qe_config_options_init(&o);
  o.check_files = false;
  qe_config *cfg = NULL;
  if (!r || qe_config_load_file(argv[1], &o, &cfg, ctx) != QE_OK ||
      qe_report_set_config(r, cfg, ctx) != QE_OK || qe_report_add_ctx_warnings(r, ctx, ctx) ||
      qe_report_write_json(r, argv[2], ctx) != QE_OK) {
    fprintf(stderr, "report-tool: %s\n", qe_ctx_error(ctx));
    return 1;
  }
  /* Empty report: every number unknown, still valid JSON. */
  qe_report *empty = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s.empty", argv[2]);
  if (qe_report_new(&empty, ctx) != QE_OK || qe_report_write_json(empty, path, ctx) != QE_OK) {
    fprintf(stderr, "report-tool: %s\n", qe_ctx_error(ctx));
    return 1;
  }
  qe_report_free(empty);
  qe_report_free(NULL);
  qe_config_free(cfg);
  qe_report_free(r);
  qe_ctx_free(ctx);
  return 0;
}
