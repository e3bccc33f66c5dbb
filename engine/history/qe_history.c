/* qe_history.c - the run history in SQLite.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_history.h"

/* 'QzHi' */
#define QE_HISTORY_APP_ID 0x517a4869

static const char *const status_names[] = { "running", "finished", "failed", "cancelled",
                                            "interrupted" };
_Static_assert(sizeof status_names / sizeof status_names[0] == QE_RUN_STATUS_COUNT,
               "a name per run status");

const char *qe_run_status_name(qe_run_status s)
{
  return (unsigned)s < QE_RUN_STATUS_COUNT ? status_names[s] : "";
}

static qe_run_status status_parse(const char *s)
{
  for (int i = 0; i < QE_RUN_STATUS_COUNT; i++)
    if (s && strcmp(s, status_names[i]) == 0)
      return (qe_run_status)i;
  return QE_RUN_INTERRUPTED;
}

/* Schema: migrations[v] takes a database from user_version v to v + 1. */
static const char *const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE projects("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  created REAL NOT NULL);"
  "CREATE TABLE runs("
  "  id INTEGER PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
  "  status TEXT NOT NULL CHECK (status IN "
  "    ('running', 'finished', 'failed', 'cancelled', 'interrupted')),"
  "  mode TEXT, model_path TEXT, board TEXT, output_dir TEXT,"
  "  config_yaml TEXT NOT NULL,"
  "  engine_version TEXT NOT NULL,"
  "  owner TEXT,"
  "  started REAL NOT NULL,"
  "  finished REAL,"
  "  message TEXT);"
  "CREATE INDEX runs_by_project ON runs(project_id);"
  "CREATE INDEX runs_by_status ON runs(status);"
  "CREATE TABLE run_datasets("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  role TEXT NOT NULL, path TEXT, fingerprint TEXT, samples INTEGER);"
  "CREATE INDEX run_datasets_by_run ON run_datasets(run_id);"
  "CREATE TABLE metrics("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  model TEXT NOT NULL, name TEXT NOT NULL, value REAL,"
  "  PRIMARY KEY (run_id, model, name));"
  "CREATE TABLE class_metrics("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  model TEXT NOT NULL, class_index INTEGER NOT NULL, class_name TEXT,"
  "  precision REAL, recall REAL, f1 REAL, support INTEGER,"
  "  PRIMARY KEY (run_id, model, class_index));"
  "CREATE TABLE layer_stats("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  layer_index INTEGER NOT NULL, name TEXT, op TEXT, sqnr_db REAL,"
  "  PRIMARY KEY (run_id, layer_index));"
  "CREATE TABLE artifacts("
  "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL, path TEXT NOT NULL);"
  "CREATE INDEX artifacts_by_run ON artifacts(run_id);",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == QE_HISTORY_SCHEMA_VERSION,
               "a migration per schema version");

struct qe_history {
  sqlite3 *db;
  char *path;
  int busy_ms;
  bool read_only;
  size_t interrupted;
  void (*hook)(void *);
  void *hook_data;
};

void qe_history_options_init(qe_history_options *o)
{
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->busy_timeout_ms = 5000;
}

/* One sentence for an SQLite failure while doing @what. */
static qe_status db_error(const qe_history *h, int rc, const char *what, qe_ctx *ctx)
{
  const char *path = h->path;
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return qe_error(ctx, QE_ERR_BUSY,
                    "%s: the run history is locked by another program (waited %d ms while %s); "
                    "try again when it has finished",
                    path, h->busy_ms, what);
  case SQLITE_NOTADB:
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: this file is not a run history (not an SQLite database); it was left "
                    "untouched",
                    path);
  case SQLITE_CORRUPT:
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: the run history is corrupt (%s); it was left untouched: move it away "
                    "to start a new one",
                    path, sqlite3_errmsg(h->db));
  case SQLITE_READONLY:
    return qe_error(ctx, QE_ERR_IO,
                    "%s: the run history cannot be written (read-only file or folder) while %s",
                    path, what);
  case SQLITE_FULL:
    return qe_error(ctx, QE_ERR_IO, "%s: the disk is full while %s", path, what);
  case SQLITE_CANTOPEN:
    return qe_error(ctx, QE_ERR_IO, "%s: the run history cannot be opened (%s)", path,
                    sqlite3_errmsg(h->db));
  case SQLITE_NOMEM:
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory while %s", path, what);
  default:
    return qe_error(ctx, QE_ERR_IO, "%s: %s while %s", path,
                    h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc), what);
  }
}

static qe_status exec(qe_history *h, const char *sql, const char *what, qe_ctx *ctx)
{
  int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? QE_OK : db_error(h, rc, what, ctx);
}

static void rollback(qe_history *h)
{
  if (!sqlite3_get_autocommit(h->db))
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

static qe_status prepare(qe_history *h, const char *sql, sqlite3_stmt **st, const char *what,
                         qe_ctx *ctx)
{
  int rc = sqlite3_prepare_v2(h->db, sql, -1, st, NULL);
  return rc == SQLITE_OK ? QE_OK : db_error(h, rc, what, ctx);
}

/* Run a statement to completion (no rows wanted). Finalizes it. */
static qe_status step_done(qe_history *h, sqlite3_stmt *st, const char *what, qe_ctx *ctx)
{
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? QE_OK : db_error(h, rc, what, ctx);
}

static qe_status pragma_int(qe_history *h, const char *sql, int64_t *out, qe_ctx *ctx)
{
  sqlite3_stmt *st;
  qe_status s = prepare(h, sql, &st, "reading the database header", ctx);
  if (s != QE_OK)
    return s;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? QE_OK : db_error(h, rc, "reading the database header", ctx);
}

static double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Run owners: "host:pid:start time" */

static unsigned long long process_start(long pid)
{
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* Field 22 (starttime), counted after the ")" that ends the command. */
  char *p = strrchr(buf, ')');
  if (!p)
    return 0;
  p++;
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p + 1, ' ');
  }
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

static void owner_string(char *buf, size_t size)
{
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  host[sizeof host - 1] = '\0';
  long pid = (long)getpid();
  snprintf(buf, size, "%s:%ld:%llu", host, pid, process_start(pid));
}

/* Is the process that owns a run still there? Unknown hosts count as alive:
 * we cannot tell. */
static bool owner_alive(const char *owner)
{
  char host[256] = "";
  if (!owner)
    return false;
  const char *c2 = strrchr(owner, ':');
  if (!c2 || c2 == owner)
    return false;
  const char *c1 = c2 - 1;
  while (c1 > owner && *c1 != ':')
    c1--;
  if (*c1 != ':')
    return false;
  if (gethostname(host, sizeof host - 1) != 0)
    return true;
  host[sizeof host - 1] = '\0';
  if ((size_t)(c1 - owner) != strlen(host) || strncmp(owner, host, strlen(host)) != 0)
    return true;
  long pid = strtol(c1 + 1, NULL, 10);
  unsigned long long start = strtoull(c2 + 1, NULL, 10);
  if (pid <= 0)
    return false;
  unsigned long long now_start = process_start(pid);
  return now_start != 0 && now_start == start;
}

/* ------------------------------------------------------------------------ */
/* Opening */

qe_status qe_history_default_path(char *buf, size_t size, qe_ctx *ctx)
{
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (xdg && xdg[0] == '/')
    n = snprintf(buf, size, "%s/quantizer/history.db", xdg);
  else if (home && *home)
    n = snprintf(buf, size, "%s/.local/share/quantizer/history.db", home);
  else
    return qe_error(ctx, QE_ERR_INVALID,
                    "neither XDG_DATA_HOME nor HOME is set: name the history with --db");
  if (n < 0 || (size_t)n >= size)
    return qe_error(ctx, QE_ERR_INVALID, "the history path is too long");
  return QE_OK;
}

static qe_status mark_interrupted(qe_history *h, qe_ctx *ctx)
{
  sqlite3_stmt *st;
  qe_status s = exec(h, "BEGIN IMMEDIATE", "checking for interrupted runs", ctx);
  if (s != QE_OK)
    return s;
  s = prepare(h, "SELECT id, owner FROM runs WHERE status = 'running'", &st,
              "checking for interrupted runs", ctx);
  if (s != QE_OK) {
    rollback(h);
    return s;
  }
  int64_t dead[256];
  size_t n_dead = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && n_dead < QE_ARRAY_LEN(dead))
    if (!owner_alive((const char *)sqlite3_column_text(st, 1)))
      dead[n_dead++] = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    rollback(h);
    return db_error(h, rc, "checking for interrupted runs", ctx);
  }
  for (size_t i = 0; i < n_dead; i++) {
    s = prepare(h,
                "UPDATE runs SET status = 'interrupted', finished = ?, owner = NULL, message = "
                "'the program running it stopped before the end (crash, kill or power loss)' "
                "WHERE id = ? AND status = 'running'",
                &st, "marking interrupted runs", ctx);
    if (s != QE_OK) {
      rollback(h);
      return s;
    }
    sqlite3_bind_double(st, 1, now_seconds());
    sqlite3_bind_int64(st, 2, dead[i]);
    if ((s = step_done(h, st, "marking interrupted runs", ctx)) != QE_OK) {
      rollback(h);
      return s;
    }
  }
  s = exec(h, "COMMIT", "marking interrupted runs", ctx);
  if (s != QE_OK) {
    rollback(h);
    return s;
  }
  h->interrupted = n_dead;
  return QE_OK;
}

static qe_status check_and_migrate(qe_history *h, qe_ctx *ctx)
{
  int64_t app_id = 0, version = 0, objects = 0;
  qe_status s;
  if ((s = pragma_int(h, "PRAGMA application_id", &app_id, ctx)) != QE_OK ||
      (s = pragma_int(h, "PRAGMA user_version", &version, ctx)) != QE_OK ||
      (s = pragma_int(h, "SELECT count(*) FROM sqlite_master", &objects, ctx)) != QE_OK)
    return s;
  if (app_id != 0 && app_id != QE_HISTORY_APP_ID)
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: this database belongs to another program (application id 0x%08" PRIx64
                    "); it was left untouched",
                    h->path, (uint64_t)app_id);
  if (app_id == 0 && objects > 0)
    return qe_error(ctx, QE_ERR_PARSE,
                    "%s: this SQLite database is not a Quantizer run history; it was left "
                    "untouched",
                    h->path);
  if (version > QE_HISTORY_SCHEMA_VERSION)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "%s: the run history was written by a newer Quantizer (schema %" PRId64
                    ", this version reads up to %d); it was left untouched",
                    h->path, version, QE_HISTORY_SCHEMA_VERSION);
  /* Whole-file check: a damaged history is reported, never written to. */
  sqlite3_stmt *st;
  if ((s = prepare(h, "PRAGMA quick_check", &st, "checking the database", ctx)) != QE_OK)
    return s;
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    return db_error(h, rc, "checking the database", ctx);
  }
  const char *res = (const char *)sqlite3_column_text(st, 0);
  if (!res || strcmp(res, "ok") != 0) {
    qe_status e = qe_error(ctx, QE_ERR_PARSE,
                           "%s: the run history is corrupt (%s); it was left untouched: move it "
                           "away to start a new one",
                           h->path, res ? res : "unreadable");
    sqlite3_finalize(st);
    return e;
  }
  sqlite3_finalize(st);

  if (version < QE_HISTORY_SCHEMA_VERSION) {
    if (h->read_only)
      return qe_error(ctx, QE_ERR_UNSUPPORTED,
                      "%s: the run history needs an update to schema %d, which a read-only "
                      "open cannot do",
                      h->path, QE_HISTORY_SCHEMA_VERSION);
    if ((s = exec(h, "BEGIN IMMEDIATE", "updating the history's tables", ctx)) != QE_OK)
      return s;
    /* Read again inside the transaction: another process may have done it. */
    if ((s = pragma_int(h, "PRAGMA user_version", &version, ctx)) != QE_OK) {
      rollback(h);
      return s;
    }
    for (int64_t v = version; v < QE_HISTORY_SCHEMA_VERSION; v++) {
      if ((s = exec(h, migrations[v], "updating the history's tables", ctx)) != QE_OK) {
        rollback(h);
        return s;
      }
    }
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             QE_HISTORY_APP_ID, QE_HISTORY_SCHEMA_VERSION);
    if ((s = exec(h, sql, "updating the history's tables", ctx)) != QE_OK ||
        (s = exec(h, "COMMIT", "updating the history's tables", ctx)) != QE_OK) {
      rollback(h);
      return s;
    }
  }
  return QE_OK;
}

qe_status qe_history_open(const char *path, const qe_history_options *opt_in, qe_history **out,
                          qe_ctx *ctx)
{
  qe_history_options opt;
  if (opt_in)
    opt = *opt_in;
  else
    qe_history_options_init(&opt);
  if (!path || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_open: no path or output");
  *out = NULL;
  struct stat sb;
  bool exists = stat(path, &sb) == 0;
  if (exists && S_ISDIR(sb.st_mode))
    return qe_error(ctx, QE_ERR_IO, "%s: is a folder, not a run history", path);
  if (!exists && (!opt.create || opt.read_only))
    return qe_error(ctx, QE_ERR_IO, "%s: there is no run history here yet", path);
  if (!exists) {
    char *dir = qe_strdup(path);
    if (!dir)
      return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    qe_status s = QE_OK;
    if (slash && slash != dir) {
      *slash = '\0';
      s = qe_mkdir_p(dir, ctx);
    }
    free(dir);
    if (s != QE_OK)
      return s;
  }
  qe_history *h = calloc(1, sizeof *h);
  if (!h || !(h->path = qe_strdup(path))) {
    free(h);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  h->busy_ms = opt.busy_timeout_ms > 0 ? opt.busy_timeout_ms : 5000;
  h->read_only = opt.read_only;
  int flags = opt.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!exists)
    flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path, &h->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
  qe_status s = QE_OK;
  if (rc != SQLITE_OK) {
    s = db_error(h, rc, "opening", ctx);
    goto fail;
  }
  sqlite3_extended_result_codes(h->db, 1);
  sqlite3_busy_timeout(h->db, h->busy_ms);
  if ((s = check_and_migrate(h, ctx)) != QE_OK)
    goto fail;
  if (!h->read_only) {
    /* WAL is persistent: set once, kept in the file. */
    if ((s = exec(h, "PRAGMA journal_mode = WAL", "switching to WAL", ctx)) != QE_OK)
      goto fail;
  }
  if ((s = exec(h, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "opening", ctx)) != QE_OK)
    goto fail;
  if (!h->read_only && (s = mark_interrupted(h, ctx)) != QE_OK)
    goto fail;
  *out = h;
  return QE_OK;
fail:
  qe_history_close(h);
  return s;
}

void qe_history_close(qe_history *h)
{
  if (!h)
    return;
  sqlite3_close(h->db);
  free(h->path);
  free(h);
}

size_t qe_history_interrupted_on_open(const qe_history *h)
{
  return h ? h->interrupted : 0;
}

void qe_history_set_commit_hook(qe_history *h, void (*fn)(void *), void *user_data)
{
  if (!h)
    return;
  h->hook = fn;
  h->hook_data = user_data;
}

/* ------------------------------------------------------------------------ */
/* Writing runs */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

qe_status qe_history_begin_run(qe_history *h, const qe_history_run_info *info, int64_t *run_id,
                               qe_ctx *ctx)
{
  if (!h || !info || !run_id)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_begin_run: no history, run or output");
  if (!info->config_yaml)
    return qe_error(ctx, QE_ERR_INVALID, "a run needs its effective configuration");
  const char *what = "recording the start of a run";
  const char *project = info->project ? info->project : "<unnamed>";
  double now = now_seconds();
  sqlite3_stmt *st = NULL;
  qe_status s = exec(h, "BEGIN IMMEDIATE", what, ctx);
  if (s != QE_OK)
    return s;
  if ((s = prepare(h, "INSERT OR IGNORE INTO projects(name, created) VALUES (?, ?)", &st, what,
                   ctx)) != QE_OK)
    goto fail;
  bind_text(st, 1, project);
  sqlite3_bind_double(st, 2, now);
  if ((s = step_done(h, st, what, ctx)) != QE_OK)
    goto fail;
  char owner[512];
  owner_string(owner, sizeof owner);
  if ((s = prepare(h,
                   "INSERT INTO runs(project_id, status, mode, model_path, board, output_dir, "
                   "config_yaml, engine_version, owner, started) VALUES ((SELECT id FROM "
                   "projects WHERE name = ?), 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
                   &st, what, ctx)) != QE_OK)
    goto fail;
  bind_text(st, 1, project);
  bind_text(st, 2, info->mode);
  bind_text(st, 3, info->model_path);
  bind_text(st, 4, info->board);
  bind_text(st, 5, info->output_dir);
  bind_text(st, 6, info->config_yaml);
  bind_text(st, 7, qe_version());
  bind_text(st, 8, owner);
  sqlite3_bind_double(st, 9, now);
  if ((s = step_done(h, st, what, ctx)) != QE_OK)
    goto fail;
  int64_t id = sqlite3_last_insert_rowid(h->db);
  for (size_t i = 0; i < info->n_datasets; i++) {
    const qe_history_dataset *d = &info->datasets[i];
    if ((s = prepare(h,
                     "INSERT INTO run_datasets(run_id, role, path, fingerprint, samples) VALUES "
                     "(?, ?, ?, ?, ?)",
                     &st, what, ctx)) != QE_OK)
      goto fail;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, d->role ? d->role : "data");
    bind_text(st, 3, d->path);
    bind_text(st, 4, d->fingerprint);
    if (d->samples >= 0)
      sqlite3_bind_int64(st, 5, d->samples);
    else
      sqlite3_bind_null(st, 5);
    if ((s = step_done(h, st, what, ctx)) != QE_OK)
      goto fail;
  }
  if ((s = exec(h, "COMMIT", what, ctx)) != QE_OK)
    goto fail;
  *run_id = id;
  return QE_OK;
fail:
  rollback(h);
  return s;
}

typedef struct {
  qe_history *h;
  sqlite3_stmt *st;
  int64_t run;
  const char *what;
  qe_ctx *ctx;
  qe_status s;
} metric_writer;

static void put_metric(metric_writer *w, const char *model, const char *name, double v)
{
  if (w->s != QE_OK || !isfinite(v))
    return;
  sqlite3_reset(w->st);
  sqlite3_bind_int64(w->st, 1, w->run);
  bind_text(w->st, 2, model);
  bind_text(w->st, 3, name);
  sqlite3_bind_double(w->st, 4, v);
  int rc = sqlite3_step(w->st);
  if (rc != SQLITE_DONE)
    w->s = db_error(w->h, rc, w->what, w->ctx);
}

static void put_count(metric_writer *w, const char *model, const char *name, int64_t v)
{
  if (v >= 0)
    put_metric(w, model, name, (double)v);
}

static void put_eval(metric_writer *w, const char *model, const qe_report_eval *e)
{
  if (e->present) {
    put_metric(w, model, "accuracy", e->accuracy);
    put_count(w, model, "samples", e->samples);
    put_metric(w, model, "macro_precision", e->macro_precision);
    put_metric(w, model, "macro_recall", e->macro_recall);
    put_metric(w, model, "macro_f1", e->macro_f1);
    put_metric(w, model, "weighted_precision", e->weighted_precision);
    put_metric(w, model, "weighted_recall", e->weighted_recall);
    put_metric(w, model, "weighted_f1", e->weighted_f1);
    put_metric(w, model, "balanced_accuracy", e->balanced_accuracy);
  }
  if (e->latency.runs) {
    put_metric(w, model, "latency_ms", e->latency.median_ms);
    put_metric(w, model, "latency_mean_ms", e->latency.mean_ms);
    put_metric(w, model, "latency_p90_ms", e->latency.p90_ms);
    put_metric(w, model, "latency_runs", (double)e->latency.runs);
  }
}

static qe_status put_classes(qe_history *h, int64_t run, const char *model, const qe_report *r,
                             const qe_report_eval *e, const char *what, qe_ctx *ctx)
{
  if (!e->present || !e->per_class)
    return QE_OK;
  sqlite3_stmt *st;
  qe_status s = prepare(h,
                        "INSERT INTO class_metrics(run_id, model, class_index, class_name, "
                        "precision, recall, f1, support) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        &st, what, ctx);
  if (s != QE_OK)
    return s;
  for (size_t c = 0; c < e->n_classes; c++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, run);
    bind_text(st, 2, model);
    sqlite3_bind_int64(st, 3, (int64_t)c);
    bind_text(st, 4, c < r->n_classes ? r->class_names[c] : NULL);
    sqlite3_bind_double(st, 5, e->per_class[c].precision);
    sqlite3_bind_double(st, 6, e->per_class[c].recall);
    sqlite3_bind_double(st, 7, e->per_class[c].f1);
    sqlite3_bind_int64(st, 8, e->per_class[c].support);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
      sqlite3_finalize(st);
      return db_error(h, rc, what, ctx);
    }
  }
  sqlite3_finalize(st);
  return QE_OK;
}

static qe_status put_report(qe_history *h, int64_t run, const qe_report *r, const char *what,
                            qe_ctx *ctx)
{
  metric_writer w = { h, NULL, run, what, ctx, QE_OK };
  qe_status s = prepare(h,
                        "INSERT OR REPLACE INTO metrics(run_id, model, name, value) VALUES "
                        "(?, ?, ?, ?)",
                        &w.st, what, ctx);
  if (s != QE_OK)
    return s;
  put_eval(&w, "float", &r->float_eval);
  put_eval(&w, "quantized", &r->quant_eval);
  put_count(&w, "", "model.params", r->model.params);
  put_count(&w, "", "model.macs", r->model.macs);
  put_count(&w, "", "size.float_bytes", r->size.float_bytes);
  put_count(&w, "", "size.quantized_bytes", r->size.quantized_bytes);
  put_count(&w, "", "size.weights_bytes", r->size.weights_bytes);
  put_count(&w, "", "size.arena_bytes", r->size.arena_bytes);
  if (r->has_output_error) {
    const qe_err_result *e = &r->output_error;
    put_metric(&w, "", "output_error.rmse", e->rmse);
    put_metric(&w, "", "output_error.mae", e->mae);
    put_metric(&w, "", "output_error.l2r", e->l2r);
    put_metric(&w, "", "output_error.cos", e->cos);
    put_metric(&w, "", "output_error.nse", e->nse);
    put_metric(&w, "", "output_error.acc", e->acc);
    put_metric(&w, "", "output_error.mean", e->mean);
    put_metric(&w, "", "output_error.std", e->std);
    put_metric(&w, "", "output_error.max_abs", e->max_abs);
  }
  if (r->board.id) {
    put_metric(&w, "",
               r->board.latency_measured ? "board.latency_ms_measured"
                                         : "board.latency_ms_estimated",
               r->board.latency_ms);
    put_count(&w, "", "board.flash_bytes", r->board.flash_bytes);
    put_count(&w, "", "board.ram_bytes", r->board.ram_bytes);
  }
  sqlite3_finalize(w.st);
  if (w.s != QE_OK)
    return w.s;
  if ((s = put_classes(h, run, "float", r, &r->float_eval, what, ctx)) != QE_OK ||
      (s = put_classes(h, run, "quantized", r, &r->quant_eval, what, ctx)) != QE_OK)
    return s;
  sqlite3_stmt *st;
  if ((s = prepare(h,
                   "INSERT INTO layer_stats(run_id, layer_index, name, op, sqnr_db) VALUES (?, "
                   "?, ?, ?, ?)",
                   &st, what, ctx)) != QE_OK)
    return s;
  for (size_t i = 0; i < r->n_layers; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, (int64_t)i);
    bind_text(st, 3, r->layers[i].name);
    bind_text(st, 4, r->layers[i].op);
    if (isfinite(r->layers[i].sqnr_db))
      sqlite3_bind_double(st, 5, r->layers[i].sqnr_db);
    else
      sqlite3_bind_null(st, 5);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
      sqlite3_finalize(st);
      return db_error(h, rc, what, ctx);
    }
  }
  sqlite3_finalize(st);
  return QE_OK;
}

/* Starts a write transaction and steps @sql, a SELECT from runs WHERE id
 * = ?, for @run_id: QE_OK with the run's row in *@st (the caller
 * finalizes it, then commits or rolls back), else the error with the
 * transaction rolled back. */
static qe_status begin_with_run(qe_history *h, const char *sql, int64_t run_id, sqlite3_stmt **st,
                                const char *what, qe_ctx *ctx)
{
  qe_status s = exec(h, "BEGIN IMMEDIATE", what, ctx);
  if (s != QE_OK)
    return s;
  if ((s = prepare(h, sql, st, what, ctx)) != QE_OK)
    goto fail;
  sqlite3_bind_int64(*st, 1, run_id);
  int rc = sqlite3_step(*st);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(*st);
    s = rc == SQLITE_DONE
            ? qe_error(ctx, QE_ERR_INVALID, "run %" PRId64 " is not in the history", run_id)
            : db_error(h, rc, what, ctx);
    goto fail;
  }
  return QE_OK;
fail:
  rollback(h);
  return s;
}

qe_status qe_history_finish_run(qe_history *h, int64_t run_id, qe_run_status status,
                                const char *message, const qe_report *report,
                                const qe_history_artifact *artifacts, size_t n_artifacts,
                                qe_ctx *ctx)
{
  if (!h)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_finish_run: no history");
  if (status != QE_RUN_FINISHED && status != QE_RUN_FAILED && status != QE_RUN_CANCELLED)
    return qe_error(ctx, QE_ERR_INVALID, "a run ends finished, failed or cancelled, not %s",
                    qe_run_status_name(status));
  const char *what = "recording the results of a run";
  sqlite3_stmt *st;
  qe_status s = begin_with_run(h, "SELECT status FROM runs WHERE id = ?", run_id, &st, what, ctx);
  if (s != QE_OK)
    return s;
  qe_run_status cur = status_parse((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (cur != QE_RUN_RUNNING) {
    s = qe_error(ctx, QE_ERR_INVALID, "run %" PRId64 " is already %s", run_id,
                 qe_run_status_name(cur));
    goto fail;
  }
  if (report && (s = put_report(h, run_id, report, what, ctx)) != QE_OK)
    goto fail;
  for (size_t i = 0; i < n_artifacts; i++) {
    if (!artifacts[i].path)
      continue;
    if ((s = prepare(h, "INSERT INTO artifacts(run_id, kind, path) VALUES (?, ?, ?)", &st, what,
                     ctx)) != QE_OK)
      goto fail;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, artifacts[i].kind ? artifacts[i].kind : "file");
    bind_text(st, 3, artifacts[i].path);
    if ((s = step_done(h, st, what, ctx)) != QE_OK)
      goto fail;
  }
  if ((s = prepare(h,
                   "UPDATE runs SET status = ?, finished = ?, message = ?, owner = NULL WHERE "
                   "id = ?",
                   &st, what, ctx)) != QE_OK)
    goto fail;
  bind_text(st, 1, qe_run_status_name(status));
  sqlite3_bind_double(st, 2, now_seconds());
  bind_text(st, 3, message);
  sqlite3_bind_int64(st, 4, run_id);
  if ((s = step_done(h, st, what, ctx)) != QE_OK)
    goto fail;
  if (h->hook)
    h->hook(h->hook_data);
  if ((s = exec(h, "COMMIT", what, ctx)) != QE_OK)
    goto fail;
  return QE_OK;
fail:
  rollback(h);
  return s;
}

qe_status qe_history_delete_run(qe_history *h, int64_t run_id, qe_ctx *ctx)
{
  if (!h)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_delete_run: no history");
  const char *what = "deleting a run";
  sqlite3_stmt *st;
  qe_status s =
      begin_with_run(h, "SELECT status, owner FROM runs WHERE id = ?", run_id, &st, what, ctx);
  if (s != QE_OK)
    return s;
  bool live = status_parse((const char *)sqlite3_column_text(st, 0)) == QE_RUN_RUNNING &&
              owner_alive((const char *)sqlite3_column_text(st, 1));
  sqlite3_finalize(st);
  if (live) {
    s = qe_error(ctx, QE_ERR_BUSY, "run %" PRId64 " is still running; stop it first", run_id);
    goto fail;
  }
  if ((s = prepare(h, "DELETE FROM runs WHERE id = ?", &st, what, ctx)) != QE_OK)
    goto fail;
  sqlite3_bind_int64(st, 1, run_id);
  if ((s = step_done(h, st, what, ctx)) != QE_OK)
    goto fail;
  /* Drop projects left without runs. */
  if ((s = exec(h, "DELETE FROM projects WHERE id NOT IN (SELECT DISTINCT project_id FROM runs)",
                what, ctx)) != QE_OK)
    goto fail;
  if ((s = exec(h, "COMMIT", what, ctx)) != QE_OK)
    goto fail;
  return QE_OK;
fail:
  rollback(h);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Reading */

/* Strings copied out of result rows, freed together. */
typedef struct {
  char **v;
  size_t n, cap;
} strpool;

static const char *pool_text(strpool *p, sqlite3_stmt *st, int col, bool *oom)
{
  const unsigned char *t = sqlite3_column_text(st, col);
  if (!t)
    return NULL;
  char *c = qe_strdup((const char *)t);
  if (!c || !qe_grow((void **)&p->v, &p->cap, p->n + 1, sizeof(char *))) {
    free(c);
    *oom = true;
    return NULL;
  }
  p->v[p->n++] = c;
  return c;
}

static void pool_free(strpool *p)
{
  for (size_t i = 0; i < p->n; i++)
    free(p->v[i]);
  free(p->v);
}

static double col_real(sqlite3_stmt *st, int col)
{
  return sqlite3_column_type(st, col) == SQLITE_NULL ? NAN : sqlite3_column_double(st, col);
}

static int64_t col_count(sqlite3_stmt *st, int col)
{
  return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, col);
}

#define RUN_COLUMNS                                                                    \
  "SELECT r.id, p.name, r.status, r.mode, r.model_path, r.board, r.output_dir, "       \
  "r.engine_version, r.message, r.started, r.finished, "                               \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = 'float' AND name = "     \
  "'accuracy'), "                                                                      \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = 'quantized' AND name = " \
  "'accuracy'), "                                                                      \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = 'float' AND name = "     \
  "'latency_ms'), "                                                                    \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = 'quantized' AND name = " \
  "'latency_ms'), "                                                                    \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = '' AND name = "          \
  "'size.float_bytes'), "                                                              \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = '' AND name = "          \
  "'size.quantized_bytes'), "                                                          \
  "(SELECT value FROM metrics WHERE run_id = r.id AND model = '' AND name = "          \
  "'size.arena_bytes') "                                                               \
  "FROM runs r JOIN projects p ON p.id = r.project_id "

static void read_run(sqlite3_stmt *st, strpool *p, qe_history_run *r, bool *oom)
{
  r->id = sqlite3_column_int64(st, 0);
  r->project = pool_text(p, st, 1, oom);
  r->status = status_parse((const char *)sqlite3_column_text(st, 2));
  r->mode = pool_text(p, st, 3, oom);
  r->model_path = pool_text(p, st, 4, oom);
  r->board = pool_text(p, st, 5, oom);
  r->output_dir = pool_text(p, st, 6, oom);
  r->engine_version = pool_text(p, st, 7, oom);
  r->message = pool_text(p, st, 8, oom);
  r->started = col_real(st, 9);
  r->finished = col_real(st, 10);
  r->float_accuracy = col_real(st, 11);
  r->quantized_accuracy = col_real(st, 12);
  r->float_latency_ms = col_real(st, 13);
  r->quantized_latency_ms = col_real(st, 14);
  double fb = col_real(st, 15), qb = col_real(st, 16), ab = col_real(st, 17);
  r->float_bytes = isnan(fb) ? -1 : (int64_t)fb;
  r->quantized_bytes = isnan(qb) ? -1 : (int64_t)qb;
  r->arena_bytes = isnan(ab) ? -1 : (int64_t)ab;
}

struct qe_history_list {
  qe_history_run *runs;
  size_t n, cap;
  strpool pool;
};

qe_status qe_history_list_runs(qe_history *h, qe_history_list **out, qe_ctx *ctx)
{
  if (!h || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_list_runs: no history or output");
  *out = NULL;
  qe_history_list *l = calloc(1, sizeof *l);
  if (!l)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  sqlite3_stmt *st;
  qe_status s = prepare(h, RUN_COLUMNS "ORDER BY r.id DESC", &st, "listing runs", ctx);
  if (s != QE_OK) {
    qe_history_list_free(l);
    return s;
  }
  int rc;
  bool oom = false;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!qe_grow((void **)&l->runs, &l->cap, l->n + 1, sizeof(qe_history_run))) {
      oom = true;
      break;
    }
    memset(&l->runs[l->n], 0, sizeof(qe_history_run));
    read_run(st, &l->pool, &l->runs[l->n++], &oom);
  }
  sqlite3_finalize(st);
  if (oom) {
    qe_history_list_free(l);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  if (rc != SQLITE_DONE) {
    qe_history_list_free(l);
    return db_error(h, rc, "listing runs", ctx);
  }
  *out = l;
  return QE_OK;
}

size_t qe_history_list_count(const qe_history_list *l)
{
  return l ? l->n : 0;
}

const qe_history_run *qe_history_list_at(const qe_history_list *l, size_t i)
{
  return l && i < l->n ? &l->runs[i] : NULL;
}

void qe_history_list_free(qe_history_list *l)
{
  if (!l)
    return;
  pool_free(&l->pool);
  free(l->runs);
  free(l);
}

typedef struct {
  qe_history_detail d;
  strpool pool;
  qe_history_dataset *datasets;
  qe_history_metric *metrics;
  qe_history_class_metric *classes;
  qe_history_layer *layers;
  qe_history_artifact *artifacts;
} detail_impl;

/* Read all rows of @sql (bound to @run_id) into a growing array, with
 * @read filling one element. */
static qe_status read_rows(qe_history *h, const char *sql, int64_t run_id, void **items, size_t *n,
                           size_t elem, void (*read)(sqlite3_stmt *, strpool *, void *, bool *),
                           strpool *pool, qe_ctx *ctx)
{
  sqlite3_stmt *st;
  size_t cap = 0;
  qe_status s = prepare(h, sql, &st, "reading a run", ctx);
  if (s != QE_OK)
    return s;
  sqlite3_bind_int64(st, 1, run_id);
  int rc;
  bool oom = false;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!qe_grow(items, &cap, *n + 1, elem)) {
      oom = true;
      break;
    }
    void *item = (char *)*items + *n * elem;
    memset(item, 0, elem);
    read(st, pool, item, &oom);
    (*n)++;
  }
  sqlite3_finalize(st);
  if (oom)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  return rc == SQLITE_DONE ? QE_OK : db_error(h, rc, "reading a run", ctx);
}

static void read_dataset(sqlite3_stmt *st, strpool *p, void *item, bool *oom)
{
  qe_history_dataset *d = item;
  d->role = pool_text(p, st, 0, oom);
  d->path = pool_text(p, st, 1, oom);
  d->fingerprint = pool_text(p, st, 2, oom);
  d->samples = col_count(st, 3);
}

static void read_metric(sqlite3_stmt *st, strpool *p, void *item, bool *oom)
{
  qe_history_metric *m = item;
  m->model = pool_text(p, st, 0, oom);
  m->name = pool_text(p, st, 1, oom);
  m->value = col_real(st, 2);
}

static void read_class(sqlite3_stmt *st, strpool *p, void *item, bool *oom)
{
  qe_history_class_metric *c = item;
  c->model = pool_text(p, st, 0, oom);
  c->index = sqlite3_column_int64(st, 1);
  c->name = pool_text(p, st, 2, oom);
  c->precision = col_real(st, 3);
  c->recall = col_real(st, 4);
  c->f1 = col_real(st, 5);
  c->support = col_count(st, 6);
}

static void read_layer(sqlite3_stmt *st, strpool *p, void *item, bool *oom)
{
  qe_history_layer *l = item;
  l->index = sqlite3_column_int64(st, 0);
  l->name = pool_text(p, st, 1, oom);
  l->op = pool_text(p, st, 2, oom);
  l->sqnr_db = col_real(st, 3);
}

static void read_artifact(sqlite3_stmt *st, strpool *p, void *item, bool *oom)
{
  qe_history_artifact *a = item;
  a->kind = pool_text(p, st, 0, oom);
  a->path = pool_text(p, st, 1, oom);
}

qe_status qe_history_get_run(qe_history *h, int64_t run_id, qe_history_detail **out, qe_ctx *ctx)
{
  if (!h || !out)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_get_run: no history or output");
  *out = NULL;
  detail_impl *d = calloc(1, sizeof *d);
  if (!d)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  /* One read transaction: a consistent view of the run. */
  qe_status s = exec(h, "BEGIN", "reading a run", ctx);
  if (s != QE_OK) {
    free(d);
    return s;
  }
  sqlite3_stmt *st;
  if ((s = prepare(h, RUN_COLUMNS "WHERE r.id = ?1", &st, "reading a run", ctx)) != QE_OK)
    goto fail;
  sqlite3_bind_int64(st, 1, run_id);
  int rc = sqlite3_step(st);
  bool oom = false;
  if (rc == SQLITE_ROW)
    read_run(st, &d->pool, &d->d.run, &oom);
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) {
    s = qe_error(ctx, QE_ERR_INVALID, "run %" PRId64 " is not in the history", run_id);
    goto fail;
  }
  if (rc != SQLITE_ROW) {
    s = db_error(h, rc, "reading a run", ctx);
    goto fail;
  }
  if ((s = prepare(h, "SELECT config_yaml FROM runs WHERE id = ?", &st, "reading a run", ctx)) !=
      QE_OK)
    goto fail;
  sqlite3_bind_int64(st, 1, run_id);
  if (sqlite3_step(st) == SQLITE_ROW)
    d->d.config_yaml = pool_text(&d->pool, st, 0, &oom);
  sqlite3_finalize(st);
  if (oom) {
    s = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if ((s = read_rows(h,
                     "SELECT role, path, fingerprint, samples FROM run_datasets WHERE run_id = ? "
                     "ORDER BY rowid",
                     run_id, (void **)&d->datasets, &d->d.n_datasets, sizeof(qe_history_dataset),
                     read_dataset, &d->pool, ctx)) != QE_OK ||
      (s = read_rows(h,
                     "SELECT model, name, value FROM metrics WHERE run_id = ? ORDER BY model, "
                     "name",
                     run_id, (void **)&d->metrics, &d->d.n_metrics, sizeof(qe_history_metric),
                     read_metric, &d->pool, ctx)) != QE_OK ||
      (s = read_rows(h,
                     "SELECT model, class_index, class_name, precision, recall, f1, support FROM "
                     "class_metrics WHERE run_id = ? ORDER BY model, class_index",
                     run_id, (void **)&d->classes, &d->d.n_classes, sizeof(qe_history_class_metric),
                     read_class, &d->pool, ctx)) != QE_OK ||
      (s = read_rows(h,
                     "SELECT layer_index, name, op, sqnr_db FROM layer_stats WHERE run_id = ? "
                     "ORDER BY layer_index",
                     run_id, (void **)&d->layers, &d->d.n_layers, sizeof(qe_history_layer),
                     read_layer, &d->pool, ctx)) != QE_OK ||
      (s = read_rows(h, "SELECT kind, path FROM artifacts WHERE run_id = ? ORDER BY rowid", run_id,
                     (void **)&d->artifacts, &d->d.n_artifacts, sizeof(qe_history_artifact),
                     read_artifact, &d->pool, ctx)) != QE_OK)
    goto fail;
  exec(h, "COMMIT", "reading a run", NULL);
  d->d.datasets = d->datasets;
  d->d.metrics = d->metrics;
  d->d.classes = d->classes;
  d->d.layers = d->layers;
  d->d.artifacts = d->artifacts;
  *out = &d->d;
  return QE_OK;
fail:
  rollback(h);
  qe_history_detail_free(&d->d);
  return s;
}

void qe_history_detail_free(qe_history_detail *dd)
{
  if (!dd)
    return;
  detail_impl *d = (detail_impl *)dd; /* d is the first member */
  pool_free(&d->pool);
  free(d->datasets);
  free(d->metrics);
  free(d->classes);
  free(d->layers);
  free(d->artifacts);
  free(d);
}

/* ------------------------------------------------------------------------ */
/* Fingerprints */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
  const uint8_t *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= FNV_PRIME;
  }
  return h;
}

static uint64_t fnv_stat(uint64_t h, const char *rel, const struct stat *sb)
{
  h = fnv(h, rel, strlen(rel) + 1);
  int64_t size = (int64_t)sb->st_size, mtime = (int64_t)sb->st_mtim.tv_sec,
          mtime_ns = (int64_t)sb->st_mtim.tv_nsec;
  h = fnv(h, &size, sizeof size);
  h = fnv(h, &mtime, sizeof mtime);
  return fnv(h, &mtime_ns, sizeof mtime_ns);
}

static qe_status fingerprint_dir(const char *root, const char *rel, int depth, uint64_t *h,
                                 uint64_t *files, qe_ctx *ctx)
{
  char path[4096];
  int w = snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
  if (w < 0 || (size_t)w >= sizeof path)
    return qe_error(ctx, QE_ERR_IO, "%s/%s: path too long", root, rel);
  if (depth > 32)
    return qe_error(ctx, QE_ERR_DATA, "%s: folders nested too deep", path);
  struct dirent **names = NULL;
  int n = scandir(path, &names, NULL, alphasort);
  if (n < 0)
    return qe_error(ctx, QE_ERR_IO, "%s: cannot list: %s", path, strerror(errno));
  qe_status s = QE_OK;
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    if (s == QE_OK && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
      char sub[4096], full[4096];
      int w1 = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", name);
      int w2 = snprintf(full, sizeof full, "%s/%s", root, sub);
      struct stat sb;
      if (w1 < 0 || w2 < 0 || (size_t)w1 >= sizeof sub || (size_t)w2 >= sizeof full) {
        s = qe_error(ctx, QE_ERR_IO, "%s/%s: path too long", path, name);
      } else if (stat(full, &sb) != 0) {
        s = qe_error(ctx, QE_ERR_IO, "%s: %s", full, strerror(errno));
      } else if (S_ISDIR(sb.st_mode)) {
        *h = fnv(*h, sub, strlen(sub) + 1);
        s = fingerprint_dir(root, sub, depth + 1, h, files, ctx);
      } else {
        *h = fnv_stat(*h, sub, &sb);
        (*files)++;
      }
    }
    free(names[i]);
  }
  free(names);
  return s;
}

qe_status qe_history_fingerprint(const char *path, char *buf, size_t size, qe_ctx *ctx)
{
  if (!path || !buf || size < 48)
    return qe_error(ctx, QE_ERR_INVALID, "qe_history_fingerprint: no path or buffer too small");
  struct stat sb;
  if (stat(path, &sb) != 0)
    return qe_error(ctx, QE_ERR_IO, "%s: %s", path, strerror(errno));
  uint64_t h = FNV_OFFSET, files = 0;
  if (S_ISDIR(sb.st_mode)) {
    qe_status s = fingerprint_dir(path, "", 0, &h, &files, ctx);
    if (s != QE_OK)
      return s;
  } else {
    h = fnv_stat(h, "", &sb);
    files = 1;
    /* The bytes of a single file (a CSV, an .npz) up to 64 MiB. */
    if (sb.st_size <= (64 << 20)) {
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return qe_error(ctx, QE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
      uint8_t chunk[65536];
      ssize_t n;
      while ((n = read(fd, chunk, sizeof chunk)) > 0)
        h = fnv(h, chunk, (size_t)n);
      close(fd);
      if (n < 0)
        return qe_error(ctx, QE_ERR_IO, "%s: read failed: %s", path, strerror(errno));
    }
  }
  snprintf(buf, size, "fnv1a64:%016" PRIx64 ":%" PRIu64, h, files);
  return QE_OK;
}
