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

#include <glib/gstdio.h>

#include "qz-compare-page.h"
#include "qz-run-page.h"
#include "qz-test.h"

static gboolean page_idle(gpointer data)
{
  return !qz_run_page_get_busy(data);
}

static void test_run_matches_qz(void)
{
  QzProject *project = qz_test_example_project();
  GtkWidget *window = gtk_window_new();
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *run = qz_run_page_new();
  GtkWidget *compare = qz_compare_page_new();
  QzRunResult *r;
  QzStall stall = { 0 };

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

  qz_test_stall_start(&stall);
  qz_run_page_start(QZ_RUN_PAGE(run));
  g_assert_true(qz_run_page_get_busy(QZ_RUN_PAGE(run)));
  g_assert_true(qz_test_wait_until(page_idle, run, 600000));
  qz_test_stall_stop(&stall);
  g_assert_cmpint(stall.longest_busy, <, 100 * 1000);

  r = qz_project_get_run_result(project);
  g_assert_nonnull(r);
  g_assert_cmpint(r->status, ==, QE_RUN_FINISHED);
  g_assert_true(qz_compare_page_get_result(QZ_COMPARE_PAGE(compare)) == r);
  g_assert_nonnull(r->output_dir);
  g_assert_true(g_file_test(r->output_dir, G_FILE_TEST_IS_DIR));

  /* The same numbers as `qz run` on the same configuration. */
  qz_test_assert_matches_qz(r);

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
  QzProject *project = qz_test_example_project();
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
