/* test-data-page.c - the Data page opens the examples as a run will, and
 * its counts are those of the files on disk.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "qz-bars-view.h"
#include "qz-data-page.h"
#include "qz-test.h"

/* Files per class folder below @dir, counted with GDir (not the engine). */
static GHashTable *count_files(const char *dir)
{
  GHashTable *counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) top = g_dir_open(dir, 0, NULL);
  const char *name;

  g_assert_nonnull(top);
  while ((name = g_dir_read_name(top)) != NULL) {
    g_autofree char *sub = g_build_filename(dir, name, NULL);
    g_autoptr(GDir) d = g_dir_open(sub, 0, NULL);
    guint n = 0;

    if (d == NULL)
      continue;
    while (g_dir_read_name(d) != NULL)
      n++;
    g_hash_table_insert(counts, g_strdup(name), GUINT_TO_POINTER(n));
  }
  return counts;
}

static gboolean page_idle(gpointer data)
{
  return !qz_data_page_get_busy(data);
}

static const char *stack_child(GtkWidget *page)
{
  return gtk_stack_get_visible_child_name(
      GTK_STACK(qz_test_find(page, GTK_TYPE_STACK, NULL, NULL)));
}

static void test_data_page_example(void)
{
  g_autofree char *calib_dir = qz_test_example_path("dataset/quantization");
  g_autofree char *test_dir = qz_test_example_path("dataset/test");
  g_autoptr(GHashTable) calib = count_files(calib_dir);
  g_autoptr(GHashTable) test = count_files(test_dir);
  QzProject *project = qz_test_example_project();
  GtkWidget *window = gtk_window_new();
  GtkWidget *page = qz_data_page_new();
  QzDataSummary *s;
  guint calib_total = 0, test_total = 0;
  GHashTableIter iter;
  gpointer value;

  g_object_ref(page);
  gtk_window_set_child(GTK_WINDOW(window), page);
  gtk_window_set_default_size(GTK_WINDOW(window), 900, 1200);
  gtk_window_present(GTK_WINDOW(window));
  qz_data_page_set_project(QZ_DATA_PAGE(page), project);
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));

  g_assert_cmpstr(stack_child(page), ==, "data");
  s = qz_project_get_data_summary(project);
  g_assert_nonnull(s);
  g_assert_null(qz_project_get_data_error(project));

  g_hash_table_iter_init(&iter, calib);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    calib_total += GPOINTER_TO_UINT(value);
  g_hash_table_iter_init(&iter, test);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    test_total += GPOINTER_TO_UINT(value);

  g_assert_cmpuint(s->classes->len, ==, g_hash_table_size(calib));
  g_assert_cmpuint(s->calibration, ==, calib_total);
  g_assert_cmpuint(s->evaluation, ==, test_total);
  g_assert_false(s->calibration_random);
  for (guint i = 0; i < s->classes->len; i++) {
    const QzClassCount *c = g_ptr_array_index(s->classes, i);

    g_assert_cmpuint(c->calibration, ==, GPOINTER_TO_UINT(g_hash_table_lookup(calib, c->name)));
    g_assert_cmpuint(c->evaluation, ==, GPOINTER_TO_UINT(g_hash_table_lookup(test, c->name)));
  }
  /* One picture of each class. */
  g_assert_cmpuint(s->pictures->len, ==, s->classes->len);
  /* The chart says its numbers in words. */
  {
    QzBarsView *chart = QZ_BARS_VIEW(qz_test_find(page, QZ_TYPE_BARS_VIEW, NULL, NULL));

    g_assert_nonnull(strstr(qz_bars_view_get_text(chart), "coat:"));
  }
  qz_test_wait_frames(window, 2);
  g_free(qz_test_screenshot(window, "data-page.png"));

  gtk_window_destroy(GTK_WINDOW(window));
  qz_test_flush();
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

/* One folder: some examples kept apart, stratified, by the split. */
static void test_data_page_single_folder(void)
{
  g_autofree char *test_dir = qz_test_example_path("dataset/test");
  g_autoptr(GFile) folder = g_file_new_for_path(test_dir);
  QzProject *project = qz_test_example_project();
  GtkWidget *page = qz_data_page_new();
  QzDataSummary *s;

  g_object_ref_sink(page);
  qz_data_page_set_project(QZ_DATA_PAGE(page), project);
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));

  /* Switch off separate examples, then choose one folder. */
  qz_project_set_string(project, "dataset.quantization_path", NULL);
  qz_project_set_string(project, "dataset.test_path", NULL);
  qz_data_page_choose(QZ_DATA_PAGE(page), folder, FALSE);
  qz_project_set_double(project, "dataset.validation_split", 0.2);
  g_assert_cmpstr(qz_project_get_string(project, "dataset.training_path"), ==, test_dir);
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));

  s = qz_project_get_data_summary(project);
  g_assert_nonnull(s);
  /* 30 pictures in each of 10 classes: 6 of each kept for testing. */
  g_assert_cmpuint(s->evaluation, ==, 60);
  g_assert_cmpuint(s->calibration, ==, 240);
  for (guint i = 0; i < s->classes->len; i++)
    g_assert_cmpuint(((QzClassCount *)g_ptr_array_index(s->classes, i))->evaluation, ==, 6);

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

static void test_data_page_bad_folder(void)
{
  g_autofree char *dir = g_dir_make_tmp("qz-data-XXXXXX", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path(dir);
  QzProject *project = qz_test_example_project();
  GtkWidget *page = qz_data_page_new();
  g_autofree char *base = g_path_get_basename(dir);

  g_object_ref_sink(page);
  qz_data_page_set_project(QZ_DATA_PAGE(page), project);
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));
  qz_data_page_choose(QZ_DATA_PAGE(page), folder, FALSE);
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));

  /* An empty folder: the reason names it; the choice stays to be fixed. */
  g_assert_cmpstr(stack_child(page), ==, "error");
  g_assert_nonnull(qz_project_get_data_error(project));
  g_assert_nonnull(strstr(qz_project_get_data_error(project), base));
  g_assert_null(qz_project_get_data_summary(project));

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
  g_rmdir(dir);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/data-page/example", test_data_page_example);
  g_test_add_func("/app/data-page/single-folder", test_data_page_single_folder);
  g_test_add_func("/app/data-page/bad-folder", test_data_page_bad_folder);

  return g_test_run();
}
