/* test-run-page.c - a run of the example project from the Run page: its
 * numbers are those `qz run` reports for the same configuration, the main
 * loop never stalls, and Cancel during calibration leaves nothing behind.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "qz-compare-page.h"
#include "qz-run-page.h"
#include "qz-test.h"

static char *example_path(const char *rel)
{
  return g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "data", "example", rel, NULL);
}

static QzProject *example_project(void)
{
  g_autofree char *yaml = example_path("user_config.yaml");
  g_autoptr(GFile) file = g_file_new_for_path(yaml);
  g_autoptr(GError) error = NULL;
  QzProject *project = qz_project_new_from_file(file, &error);

  g_assert_no_error(error);
  return project;
}

static gboolean page_idle(gpointer data)
{
  return !qz_run_page_get_busy(data);
}

/* Main loop stalls: the longest gap between two runs of a 5 ms timer, and
 * how much of it the main thread spent working (its CPU time). On a
 * machine shared with other busy processes the gap also holds time the
 * thread waited for a CPU; the work is what the app controls. */
typedef struct {
  gint64 last_wall;
  gint64 last_cpu;
  gint64 longest_wall;
  gint64 longest_busy;
} Stall;

static gint64 thread_cpu_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean stall_tick(gpointer data)
{
  Stall *s = data;
  gint64 wall = g_get_monotonic_time();
  gint64 cpu = thread_cpu_us();

  if (s->last_wall != 0) {
    s->longest_wall = MAX(s->longest_wall, wall - s->last_wall);
    s->longest_busy = MAX(s->longest_busy, cpu - s->last_cpu);
  }
  s->last_wall = wall;
  s->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

/* `qz run` on the example, in its folder, writing into @out. */
static GHashTable *qz_run_numbers(const char *out)
{
  g_autofree char *dir = example_path("");
  g_autofree char *qz = g_build_filename(g_getenv("QZ_BUILD_ROOT"), "src", "cli", "qz", NULL);
  g_autofree char *override = g_strdup_printf("hydra.run.dir=%s", out);
  g_autofree char *report = g_build_filename(out, "report.json", NULL);
  g_autofree char *script =
      g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "tests", "app", "report-numbers.py", NULL);
  const char *run_argv[] = {
    qz, "run", "--config-path", ".", "--config-name", "user_config.yaml", override, NULL
  };
  const char *py_argv[] = { "/usr/bin/python3", script, report, NULL };
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *numbers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  int status;

  g_assert_true(g_spawn_sync(dir, (char **)run_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                             NULL, &stderr_text, &status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("qz run failed: %s", stderr_text);
  g_clear_pointer(&stderr_text, g_free);
  g_assert_true(g_spawn_sync(NULL, (char **)py_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &stdout_text, &stderr_text, &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  lines = g_strsplit(stdout_text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit(lines[i], " ", 2);

    if (kv[0] != NULL && kv[1] != NULL)
      g_hash_table_insert(numbers, g_strdup(kv[0]), g_strdup(kv[1]));
  }
  return numbers;
}

static double number(GHashTable *numbers, const char *key)
{
  const char *v = g_hash_table_lookup(numbers, key);

  g_assert_nonnull(v);
  return g_ascii_strtod(v, NULL);
}

static void test_run_matches_qz(void)
{
  QzProject *project = example_project();
  GtkWidget *window = gtk_window_new();
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *run = qz_run_page_new();
  GtkWidget *compare = qz_compare_page_new();
  g_autofree char *out = g_dir_make_tmp("qz-cli-run-XXXXXX", NULL);
  g_autoptr(GHashTable) cli = NULL;
  QzRunResult *r;
  Stall stall = { 0 };
  guint tick;

  g_object_ref(run);
  g_object_ref(compare);
  gtk_widget_set_hexpand(run, TRUE);
  gtk_widget_set_hexpand(compare, TRUE);
  gtk_box_append(GTK_BOX(box), run);
  gtk_box_append(GTK_BOX(box), compare);
  gtk_window_set_child(GTK_WINDOW(window), box);
  gtk_window_set_default_size(GTK_WINDOW(window), 1600, 1000);
  gtk_window_present(GTK_WINDOW(window));
  qz_run_page_set_project(QZ_RUN_PAGE(run), project);
  qz_compare_page_set_project(QZ_COMPARE_PAGE(compare), project);
  qz_test_wait_frames(window, 1);

  tick = g_timeout_add(5, stall_tick, &stall);
  qz_run_page_start(QZ_RUN_PAGE(run));
  g_assert_true(qz_run_page_get_busy(QZ_RUN_PAGE(run)));
  g_assert_true(qz_test_wait_until(page_idle, run, 600000));
  g_source_remove(tick);
  g_print("# longest main loop stall during the run: %.1f ms, of which the main thread "
          "worked %.1f ms\n",
          stall.longest_wall / 1000.0, stall.longest_busy / 1000.0);
  g_assert_cmpint(stall.longest_busy, <, 100 * 1000);

  r = qz_project_get_run_result(project);
  g_assert_nonnull(r);
  g_assert_cmpint(r->status, ==, QE_RUN_FINISHED);
  g_assert_true(qz_compare_page_get_result(QZ_COMPARE_PAGE(compare)) == r);
  g_assert_nonnull(r->output_dir);
  g_assert_true(g_file_test(r->output_dir, G_FILE_TEST_IS_DIR));

  /* The same numbers as `qz run` on the same configuration. */
  cli = qz_run_numbers(out);
  g_assert_cmpfloat_with_epsilon(r->float_eval.accuracy, number(cli, "float_accuracy"), 1e-12);
  g_assert_cmpfloat_with_epsilon(r->quant_eval.accuracy, number(cli, "quantized_accuracy"), 1e-12);
  g_assert_cmpint(r->quantized_bytes, ==, (gint64)number(cli, "quantized_bytes"));
  g_assert_cmpint(r->float_bytes, ==, (gint64)number(cli, "float_bytes"));
  g_assert_cmpint(r->arena_bytes, ==, (gint64)number(cli, "arena_bytes"));
  g_assert_cmpint(r->params, ==, (gint64)number(cli, "params"));
  g_assert_cmpint(r->macs, ==, (gint64)number(cli, "macs"));
  for (guint i = 0; i < r->layers->len; i++) {
    g_autofree char *key = g_strdup_printf("sqnr_%u", i);

    g_assert_cmpfloat_with_epsilon(((QzLayerResult *)g_ptr_array_index(r->layers, i))->sqnr_db,
                                   number(cli, key), 1e-9);
  }
  g_test_message("GUI and qz: float %.4f, quantized %.4f", r->float_eval.accuracy,
                 r->quant_eval.accuracy);

  qz_test_wait_frames(window, 2);
  g_free(qz_test_screenshot(window, "run-and-compare.png"));

  gtk_window_destroy(GTK_WINDOW(window));
  qz_test_flush();
  g_assert_finalize_object(run);
  g_assert_finalize_object(compare);
  g_assert_finalize_object(project);
}

/* Threads of the process other than GLib's pool workers (idle ones stay). */
static guint count_threads(void)
{
  g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *comm_path = g_build_filename("/proc/self/task", name, "comm", NULL);
    g_autofree char *comm = NULL;

    if (g_file_get_contents(comm_path, &comm, NULL, NULL) && g_str_has_prefix(comm, "pool-"))
      continue;
    n++;
  }
  return n;
}

static gboolean calibrating(gpointer data)
{
  GtkWidget *page = data;
  const char *msg = NULL;

  /* The running page says the phase under way. */
  msg = adw_status_page_get_description(ADW_STATUS_PAGE(gtk_stack_get_child_by_name(
      GTK_STACK(qz_test_find(page, GTK_TYPE_STACK, NULL, NULL)), "running")));
  return !qz_run_page_get_busy(QZ_RUN_PAGE(page)) ||
         g_strcmp0(msg, "Finding the number ranges") == 0;
}

static void count_entries(const char *dir, guint *outputs, guint *partial)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;

  *outputs = *partial = 0;
  if (d == NULL)
    return;
  while ((name = g_dir_read_name(d)) != NULL) {
    if (strstr(name, ".partial.") != NULL)
      (*partial)++;
    else
      (*outputs)++;
  }
}

static void test_run_cancel(void)
{
  QzProject *project = example_project();
  GtkWidget *page = qz_run_page_new();
  g_autofree char *experiments =
      g_build_filename(g_get_user_data_dir(), "quantizer", "experiments", NULL);
  guint outputs_before, partial_before, outputs_after, partial_after;
  guint threads_before;

  g_object_ref_sink(page);
  qz_run_page_set_project(QZ_RUN_PAGE(page), project);
  /* Many examples to tune with, so that the run is still calibrating when
   * it is cancelled: the test set tunes too. */
  count_entries(experiments, &outputs_before, &partial_before);
  threads_before = count_threads();

  qz_run_page_start(QZ_RUN_PAGE(page));
  g_assert_true(qz_test_wait_until(calibrating, page, 120000));
  g_assert_true(qz_run_page_get_busy(QZ_RUN_PAGE(page)));
  qz_run_page_cancel(QZ_RUN_PAGE(page));
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));

  /* Nothing kept: no result, no output folder, no staging folder. */
  g_assert_null(qz_project_get_run_result(project));
  count_entries(experiments, &outputs_after, &partial_after);
  g_assert_cmpuint(outputs_after, ==, outputs_before);
  g_assert_cmpuint(partial_after, ==, 0);
  /* The loader threads of the engine are gone. */
  qz_test_flush();
  g_assert_cmpuint(count_threads(), <=, threads_before);

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/run-page/matches-qz", test_run_matches_qz);
  g_test_add_func("/app/run-page/cancel", test_run_cancel);

  return g_test_run();
}
