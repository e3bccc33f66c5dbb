/* test-history.c - the run history: runs, metrics and details round-trip;
 * a writer killed with SIGKILL (while running, and inside its final
 * transaction) leaves earlier runs intact and its own run marked
 * 'interrupted' with nothing half-written; locked, corrupt, foreign and
 * newer-schema databases are refused with one sentence and left untouched.
 *
 *   test-history HISTORY_WRITER WORKDIR
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../eval/sample-report.h"
#include "qe/qe.h"
#include "qe/qe_fileutil.h"
#include "qe/qe_history.h"
#include "qz-check-fatal.h"

static const char *writer;
static char workdir[2048];

static void db_path(const char *name, char *buf, size_t size)
{
  snprintf(buf, size, "%s/%s", workdir, name);
  unlink(buf);
  char extra[2100];
  snprintf(extra, sizeof extra, "%s-wal", buf);
  unlink(extra);
  snprintf(extra, sizeof extra, "%s-shm", buf);
  unlink(extra);
}

static qe_history *open_db(const char *path, bool create, qe_ctx *ctx)
{
  qe_history_options o;
  qe_history_options_init(&o);
  o.create = create;
  qe_history *h = NULL;
  OK(qe_history_open(path, &o, &h, ctx));
  return h;
}

static double metric(const qe_history_detail *d, const char *model, const char *name)
{
  for (size_t i = 0; i < d->n_metrics; i++)
    if (strcmp(d->metrics[i].model, model) == 0 && strcmp(d->metrics[i].name, name) == 0)
      return d->metrics[i].value;
  return NAN;
}

static void test_roundtrip(qe_ctx *ctx)
{
  char path[2100];
  db_path("roundtrip/sub/history.db", path, sizeof path);
  qe_history *h = open_db(path, true, ctx); /* creates the folders */
  qe_report *r = sample_report(ctx);
  qe_history_dataset ds[2] = { { "calibration", "/data/flowers", "fnv1a64:00:3", 120 },
                               { "evaluation", "/data/flowers_test", NULL, -1 } };
  qe_history_run_info info = { .project = "flowers",
                               .mode = "chain_eqe",
                               .model_path = "/m.onnx",
                               .output_dir = "/out/1",
                               .config_yaml = "operation_mode: chain_eqe\nquantization:\n  "
                                              "weight_bits: 8\n",
                               .datasets = ds,
                               .n_datasets = 2 };
  int64_t a, b, c;
  OK(qe_history_begin_run(h, &info, &a, ctx));
  qe_history_artifact arts[2] = { { "quantized_model", "/out/1/q.tflite" },
                                  { "report_json", "/out/1/report.json" } };
  OK(qe_history_finish_run(h, a, QE_RUN_FINISHED, NULL, r, arts, 2, ctx));
  CHECK(qe_history_finish_run(h, a, QE_RUN_FAILED, "x", NULL, NULL, 0, ctx) == QE_ERR_INVALID);
  CHECK(strcmp(qe_ctx_error(ctx), "run 1 is already finished") == 0);
  CHECK(qe_history_finish_run(h, a, QE_RUN_RUNNING, NULL, NULL, NULL, 0, ctx) == QE_ERR_INVALID);
  info.project = "other";
  info.n_datasets = 0;
  OK(qe_history_begin_run(h, &info, &b, ctx));
  OK(qe_history_finish_run(h, b, QE_RUN_FAILED, "model.onnx: node 3: unsupported op", NULL, NULL, 0,
                           ctx));
  OK(qe_history_begin_run(h, &info, &c, ctx));
  info.config_yaml = NULL;
  int64_t bad;
  CHECK(qe_history_begin_run(h, &info, &bad, ctx) == QE_ERR_INVALID);

  qe_history_list *l = NULL;
  OK(qe_history_list_runs(h, &l, ctx));
  CHECK(qe_history_list_count(l) == 3);
  const qe_history_run *run = qe_history_list_at(l, 0);
  CHECK(run->id == c && run->status == QE_RUN_RUNNING && isnan(run->finished));
  run = qe_history_list_at(l, 1);
  CHECK(run->id == b && run->status == QE_RUN_FAILED && strstr(run->message, "unsupported op"));
  run = qe_history_list_at(l, 2);
  CHECK(run->id == a && run->status == QE_RUN_FINISHED && strcmp(run->project, "flowers") == 0);
  CHECK(fabs(run->float_accuracy - r->float_eval.accuracy) < 1e-15);
  CHECK(fabs(run->quantized_accuracy - r->quant_eval.accuracy) < 1e-15);
  CHECK(run->quantized_bytes == 498000 && run->arena_bytes == 196608);
  CHECK(run->quantized_latency_ms == 1.75 && run->finished >= run->started);
  CHECK(strcmp(run->engine_version, qe_version()) == 0);
  CHECK(qe_history_list_at(l, 3) == NULL);
  qe_history_list_free(l);

  qe_history_detail *d = NULL;
  OK(qe_history_get_run(h, a, &d, ctx));
  CHECK(strstr(d->config_yaml, "weight_bits: 8") != NULL);
  CHECK(d->n_datasets == 2 && strcmp(d->datasets[0].role, "calibration") == 0 &&
        d->datasets[0].samples == 120 && d->datasets[1].fingerprint == NULL &&
        d->datasets[1].samples == -1);
  CHECK(metric(d, "float", "accuracy") == r->float_eval.accuracy);
  CHECK(metric(d, "quantized", "macro_f1") == r->quant_eval.macro_f1);
  CHECK(metric(d, "", "output_error.cos") == 0.9991);
  CHECK(metric(d, "", "board.latency_ms_estimated") == 38.5);
  CHECK(metric(d, "", "size.weights_bytes") == 410208);
  CHECK(d->n_classes == 10 && strcmp(d->classes[0].model, "float") == 0 &&
        strcmp(d->classes[9].name, "tulips") == 0 && d->classes[9].precision == 0);
  CHECK(d->n_layers == 24 && d->layers[17].sqnr_db == 9.5 &&
        strcmp(d->layers[1].op, "DepthwiseConv") == 0);
  CHECK(d->n_artifacts == 2 && strcmp(d->artifacts[1].path, "/out/1/report.json") == 0);
  qe_history_detail_free(d);
  CHECK(qe_history_get_run(h, 99, &d, ctx) == QE_ERR_INVALID && d == NULL);
  CHECK(strcmp(qe_ctx_error(ctx), "run 99 is not in the history") == 0);

  /* Deleting: a run of this live process is refused; others go with all
   * their rows, and the project without runs too. */
  CHECK(qe_history_delete_run(h, c, ctx) == QE_ERR_BUSY);
  CHECK(strcmp(qe_ctx_error(ctx), "run 3 is still running; stop it first") == 0);
  OK(qe_history_delete_run(h, a, ctx));
  CHECK(qe_history_delete_run(h, a, ctx) == QE_ERR_INVALID);
  OK(qe_history_list_runs(h, &l, ctx));
  CHECK(qe_history_list_count(l) == 2);
  qe_history_list_free(l);
  qe_history_close(h);

  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  sqlite3_stmt *st;
  CHECK(sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM metrics WHERE run_id = 1) + (SELECT "
                           "count(*) FROM class_metrics WHERE run_id = 1) + (SELECT count(*) "
                           "FROM layer_stats WHERE run_id = 1) + (SELECT count(*) FROM "
                           "artifacts WHERE run_id = 1) + (SELECT count(*) FROM projects WHERE "
                           "name = 'flowers'), (SELECT journal_mode FROM pragma_journal_mode)",
                           -1, &st, NULL) == SQLITE_OK);
  CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0);
  CHECK(strcmp((const char *)sqlite3_column_text(st, 1), "wal") == 0);
  sqlite3_finalize(st);
  sqlite3_close(db);

  /* Read-only opens never write, and a missing file is not created. */
  qe_history_options o;
  qe_history_options_init(&o);
  o.read_only = true;
  OK(qe_history_open(path, &o, &h, ctx));
  OK(qe_history_list_runs(h, &l, ctx));
  CHECK(qe_history_list_count(l) == 2);
  qe_history_list_free(l);
  qe_history_close(h);
  char missing[2100];
  db_path("missing.db", missing, sizeof missing);
  CHECK(qe_history_open(missing, &o, &h, ctx) == QE_ERR_IO && h == NULL);
  qe_history_options_init(&o);
  CHECK(qe_history_open(missing, &o, &h, ctx) == QE_ERR_IO);
  CHECK(strstr(qe_ctx_error(ctx), "there is no run history here yet") != NULL);
  struct stat sb;
  CHECK(stat(missing, &sb) != 0 && errno == ENOENT);
  qe_report_free(r);
}

/* Start the writer, wait for its line, kill it. Returns the run id. */
static int64_t run_and_kill(const char *path, int finished, const char *mode, const char *expect)
{
  int fds[2];
  CHECK(pipe(fds) == 0);
  char n[16];
  snprintf(n, sizeof n, "%d", finished);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execl(writer, writer, path, n, mode, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char line[256] = "";
  CHECK(fgets(line, sizeof line, f) != NULL);
  fclose(f);
  CHECK(strncmp(line, expect, strlen(expect)) == 0);
  long long id = atoll(line + strlen(expect) + 1);
  CHECK(kill(pid, SIGKILL) == 0);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  return id;
}

static void check_after_kill(const char *path, int64_t killed, int finished, qe_ctx *ctx)
{
  qe_history *h = open_db(path, false, ctx);
  CHECK(qe_history_interrupted_on_open(h) == 1);
  qe_history_list *l = NULL;
  OK(qe_history_list_runs(h, &l, ctx));
  CHECK(qe_history_list_count(l) == (size_t)finished + 1);
  for (size_t i = 0; i < qe_history_list_count(l); i++) {
    const qe_history_run *run = qe_history_list_at(l, i);
    qe_history_detail *d = NULL;
    OK(qe_history_get_run(h, run->id, &d, ctx));
    if (run->id == killed) {
      CHECK(run->status == QE_RUN_INTERRUPTED && !isnan(run->finished));
      CHECK(strstr(run->message, "stopped before the end") != NULL);
      /* Nothing of the final transaction is there. */
      CHECK(d->n_metrics == 0 && d->n_classes == 0 && d->n_layers == 0 && d->n_artifacts == 0);
      CHECK(d->n_datasets == 1);
    } else {
      CHECK(run->status == QE_RUN_FINISHED);
      CHECK(d->n_metrics > 20 && d->n_classes == 10 && d->n_layers == 24 && d->n_artifacts == 1);
      CHECK(run->quantized_bytes == 498000);
    }
    qe_history_detail_free(d);
  }
  qe_history_list_free(l);
  /* The killed run can now be deleted; no run is marked twice. */
  OK(qe_history_delete_run(h, killed, ctx));
  qe_history_close(h);
  h = open_db(path, false, ctx);
  CHECK(qe_history_interrupted_on_open(h) == 0);
  qe_history_close(h);
}

static void test_crash(qe_ctx *ctx)
{
  char path[2100];
  db_path("crash-begin.db", path, sizeof path);
  int64_t id = run_and_kill(path, 3, "begin", "RUNNING");
  CHECK(id == 4);
  check_after_kill(path, id, 3, ctx);

  db_path("crash-commit.db", path, sizeof path);
  id = run_and_kill(path, 2, "commit", "COMMITTING");
  CHECK(id == 3);
  check_after_kill(path, id, 2, ctx);

  /* A second writer killed on a history that already has runs. */
  id = run_and_kill(path, 1, "commit", "COMMITTING");
  check_after_kill(path, id, 3, ctx);
}

static char *slurp(const char *path, size_t *len)
{
  uint8_t *data = NULL;
  qe_ctx *ctx = qe_ctx_new();
  CHECK(qe_read_file(path, &data, len, ctx) == QE_OK);
  qe_ctx_free(ctx);
  return (char *)data;
}

/* Open must fail with @status and a message containing @text, leaving the
 * file byte for byte as it was. */
static void expect_refused(const char *path, int busy_ms, qe_status status, const char *text)
{
  size_t len0, len1;
  char *before = slurp(path, &len0);
  qe_ctx *ctx = qe_ctx_new();
  qe_history_options o;
  qe_history_options_init(&o);
  o.create = true;
  o.busy_timeout_ms = busy_ms;
  qe_history *h = NULL;
  qe_status st = qe_history_open(path, &o, &h, ctx);
  if (st != status || h != NULL || !strstr(qe_ctx_error(ctx), text) ||
      strncmp(qe_ctx_error(ctx), path, strlen(path)) != 0) {
    fprintf(stderr, "%s: status %d, message: %s\n  expected %d with: %s\n", path, st,
            qe_ctx_error(ctx), status, text);
    exit(1);
  }
  printf("refused: %s\n", qe_ctx_error(ctx));
  char *after = slurp(path, &len1);
  CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
  free(before);
  free(after);
  qe_ctx_free(ctx);
}

static void test_refusals(qe_ctx *ctx)
{
  char path[2100];
  /* Not a database. */
  db_path("text.db", path, sizeof path);
  const char *text = "these are my notes, not a database\n";
  CHECK(qe_write_file_atomic(path, text, strlen(text) * 200 / 200, ctx) == QE_OK);
  char big[8192];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = text[i % strlen(text)];
  CHECK(qe_write_file_atomic(path, big, sizeof big, ctx) == QE_OK);
  expect_refused(path, 100, QE_ERR_PARSE, "not a run history (not an SQLite database)");

  /* Another program's SQLite database. */
  db_path("foreign.db", path, sizeof path);
  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES ('mine')", NULL,
                     NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  expect_refused(path, 100, QE_ERR_PARSE, "not a Quantizer run history");
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "PRAGMA application_id = 1234", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  expect_refused(path, 100, QE_ERR_PARSE, "belongs to another program");

  /* Written by a newer Quantizer. */
  db_path("newer.db", path, sizeof path);
  qe_history_close(open_db(path, true, ctx));
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99", NULL, NULL,
                     NULL) == SQLITE_OK);
  sqlite3_close(db);
  expect_refused(path, 100, QE_ERR_UNSUPPORTED,
                 "written by a newer Quantizer (schema 99, this version reads up to 1)");

  /* Corrupt: a b-tree page overwritten. */
  db_path("corrupt.db", path, sizeof path);
  qe_history *h = open_db(path, true, ctx);
  qe_report *r = sample_report(ctx);
  qe_history_run_info info = { .project = "p", .config_yaml = "a: 1\n" };
  for (int i = 0; i < 5; i++) {
    int64_t id;
    OK(qe_history_begin_run(h, &info, &id, ctx));
    OK(qe_history_finish_run(h, id, QE_RUN_FINISHED, NULL, r, NULL, 0, ctx));
  }
  qe_report_free(r);
  qe_history_close(h);
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  int page = 0;
  sqlite3_stmt *st;
  CHECK(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = 'metrics'", -1, &st,
                           NULL) == SQLITE_OK);
  CHECK(sqlite3_step(st) == SQLITE_ROW);
  page = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  CHECK(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  size_t len;
  char *bytes = slurp(path, &len);
  CHECK(page > 1 && (size_t)page * 4096 <= len);
  memset(bytes + (size_t)(page - 1) * 4096, 0x5a, 4096);
  CHECK(qe_write_file_atomic(path, bytes, len, ctx) == QE_OK);
  free(bytes);
  expect_refused(path, 100, QE_ERR_PARSE, "the run history is corrupt");

  /* Locked by another writer for longer than the busy timeout. */
  db_path("locked.db", path, sizeof path);
  h = open_db(path, true, ctx);
  int64_t id;
  OK(qe_history_begin_run(h, &info, &id, ctx));
  qe_history_close(h);
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
  qe_history_options o;
  qe_history_options_init(&o);
  o.busy_timeout_ms = 200;
  h = NULL;
  CHECK(qe_history_open(path, &o, &h, ctx) == QE_ERR_BUSY && h == NULL);
  CHECK(strstr(qe_ctx_error(ctx), "locked by another program (waited 200 ms") != NULL);
  printf("refused: %s\n", qe_ctx_error(ctx));
  CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  h = open_db(path, false, ctx);
  qe_history_close(h);

  /* A folder is not a history. */
  db_path("afolder", path, sizeof path);
  CHECK(qe_mkdir_p(path, ctx) == QE_OK);
  CHECK(qe_history_open(path, NULL, &h, ctx) == QE_ERR_IO);
  CHECK(strstr(qe_ctx_error(ctx), "is a folder") != NULL);
}

static void test_fingerprint(qe_ctx *ctx)
{
  char dir[2100], file[2200], a[64], b[64], c[64];
  snprintf(dir, sizeof dir, "%s/fp/data", workdir);
  CHECK(qe_mkdir_p(dir, ctx) == QE_OK);
  /* Start clean: an earlier run of the test left its files here. */
  snprintf(file, sizeof file, "%s/y.csv", dir);
  unlink(file);
  snprintf(file, sizeof file, "%s/x.csv", dir);
  CHECK(qe_write_file_atomic(file, "1,2,3\n", 6, ctx) == QE_OK);
  OK(qe_history_fingerprint(dir, a, sizeof a, ctx));
  OK(qe_history_fingerprint(dir, b, sizeof b, ctx));
  CHECK(strcmp(a, b) == 0 && strncmp(a, "fnv1a64:", 8) == 0 && strstr(a, ":1") != NULL);
  CHECK(qe_write_file_atomic(file, "1,2,4\n", 6, ctx) == QE_OK);
  OK(qe_history_fingerprint(file, c, sizeof c, ctx));
  char f1[64];
  CHECK(qe_write_file_atomic(file, "1,2,5\n", 6, ctx) == QE_OK);
  OK(qe_history_fingerprint(file, f1, sizeof f1, ctx));
  CHECK(strcmp(c, f1) != 0); /* same size, different bytes */
  snprintf(file, sizeof file, "%s/y.csv", dir);
  CHECK(qe_write_file_atomic(file, "9\n", 2, ctx) == QE_OK);
  OK(qe_history_fingerprint(dir, b, sizeof b, ctx));
  CHECK(strcmp(a, b) != 0 && strstr(b, ":2") != NULL);
  CHECK(qe_history_fingerprint("/nonexistent/x", a, sizeof a, ctx) == QE_ERR_IO);
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: test-history HISTORY_WRITER WORKDIR\n");
    return 2;
  }
  writer = argv[1];
  snprintf(workdir, sizeof workdir, "%s", argv[2]);
  qe_ctx *ctx = qe_ctx_new();
  CHECK(qe_mkdir_p(workdir, ctx) == QE_OK);
  char buf[1024];
  setenv("XDG_DATA_HOME", "/xdg", 1);
  OK(qe_history_default_path(buf, sizeof buf, ctx));
  CHECK(strcmp(buf, "/xdg/quantizer/history.db") == 0);
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/home/u", 1);
  OK(qe_history_default_path(buf, sizeof buf, ctx));
  CHECK(strcmp(buf, "/home/u/.local/share/quantizer/history.db") == 0);
  test_roundtrip(ctx);
  test_crash(ctx);
  test_refusals(ctx);
  test_fingerprint(ctx);
  qe_history_close(NULL);
  qe_history_list_free(NULL);
  qe_history_detail_free(NULL);
  qe_ctx_free(ctx);
  printf("ok\n");
  return 0;
}
