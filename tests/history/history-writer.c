/* history-writer.c - writes runs into a history database, for the crash
 * test (test-history-crash.c):
 *
 *   history-writer DB N begin   N finished runs, then one run begun and left
 *                               running: prints "RUNNING <id>" and waits
 *   history-writer DB N commit  N finished runs, then one run whose final
 *                               transaction is paused just before COMMIT:
 *                               prints "COMMITTING <id>" and waits
 *
 * Each finished run carries the sample report's numbers (sample-report.h).
 * The test kills this program with SIGKILL while it waits.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../eval/sample-report.h"
#include "qe/qe.h"
#include "qe/qe_history.h"

static int64_t pending;

static void pause_forever(void *data)
{
  (void)data;
  printf("COMMITTING %lld\n", (long long)pending);
  fflush(stdout);
  for (;;)
    pause();
}

static int fail(qe_ctx *ctx)
{
  fprintf(stderr, "history-writer: %s\n", qe_ctx_error(ctx));
  return 1;
}

int main(int argc, char **argv)
{
  if (argc != 4)
    return 2;
  qe_ctx *ctx = qe_ctx_new();
  qe_history_options o;
  qe_history_options_init(&o);
  o.create = true;
  qe_history *h = NULL;
  if (qe_history_open(argv[1], &o, &h, ctx) != QE_OK)
    return fail(ctx);
  qe_report *r = sample_report(ctx);
  int n = atoi(argv[2]);
  qe_history_dataset ds = { "calibration", "/data/flower_photos", "fnv1a64:0123456789abcdef:5",
                            200 };
  qe_history_run_info info = { .project = "flowers",
                               .mode = "chain_eqe",
                               .model_path = "/data/models/mobilenet.onnx",
                               .board = "NUCLEO-H743ZI2",
                               .output_dir = "/data/out",
                               .config_yaml = "operation_mode: chain_eqe\n",
                               .datasets = &ds,
                               .n_datasets = 1 };
  qe_history_artifact art = { "report_json", "/data/out/report.json" };
  for (int i = 0; i < n; i++) {
    int64_t id;
    if (qe_history_begin_run(h, &info, &id, ctx) != QE_OK ||
        qe_history_finish_run(h, id, QE_RUN_FINISHED, NULL, r, &art, 1, ctx) != QE_OK)
      return fail(ctx);
  }
  if (qe_history_begin_run(h, &info, &pending, ctx) != QE_OK)
    return fail(ctx);
  if (strcmp(argv[3], "begin") == 0) {
    printf("RUNNING %lld\n", (long long)pending);
    fflush(stdout);
    for (;;)
      pause();
  }
  qe_history_set_commit_hook(h, pause_forever, NULL);
  qe_history_finish_run(h, pending, QE_RUN_FINISHED, NULL, r, &art, 1, ctx);
  return fail(ctx); /* not reached: the hook waits to be killed */
}
