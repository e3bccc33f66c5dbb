/* test-history-page.c - the History page lists the runs `qz run` recorded,
 * compares two, opens one's settings and deletes one.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "qz-history-page.h"
#include "qz-history.h"
#include "qz-test.h"

static void qz_run_example(const char *out)
{
  g_autofree char *dir = g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "data", "example", NULL);
  g_autofree char *qz = g_build_filename(g_getenv("QZ_BUILD_ROOT"), "src", "cli", "qz", NULL);
  g_autofree char *override = g_strdup_printf("hydra.run.dir=%s", out);
  const char *argv[] = { qz,       "run", "--config-path", ".", "--config-name", "user_config.yaml",
                         override, NULL };
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                             &err, &status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("qz run failed: %s", err);
}

static gboolean page_idle(gpointer data)
{
  return !qz_history_page_get_busy(data);
}

static gboolean label_contains(GtkWidget *w, gpointer data)
{
  return strstr(gtk_label_get_label(GTK_LABEL(w)), data) != NULL;
}

static void collect_checks(GtkWidget *root, GPtrArray *out)
{
  if (GTK_IS_CHECK_BUTTON(root))
    g_ptr_array_add(out, root);
  for (GtkWidget *c = gtk_widget_get_first_child(root); c != NULL;
       c = gtk_widget_get_next_sibling(c))
    collect_checks(c, out);
}

static void test_history_page(void)
{
  g_autofree char *model =
      g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "data", "example", "fashion_cnn.onnx", NULL);
  g_autoptr(GFile) model_file = g_file_new_for_path(model);
  g_autofree char *tmp = g_dir_make_tmp("qz-history-XXXXXX", NULL);
  g_autofree char *out1 = g_build_filename(tmp, "run1", NULL);
  g_autofree char *out2 = g_build_filename(tmp, "run2", NULL);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  QzProject *project = qz_project_new();
  QzProject *again;
  GtkWidget *page = qz_history_page_new();
  GtkWidget *window = gtk_window_new();
  GtkWidget *compare;
  gint64 first, second;

  qz_run_example(out1);
  qz_run_example(out2);
  runs = qz_history_list(&error);
  g_assert_no_error(error);
  g_assert_cmpuint(runs->len, ==, 2);
  second = ((QzHistoryRun *)g_ptr_array_index(runs, 0))->id;
  first = ((QzHistoryRun *)g_ptr_array_index(runs, 1))->id;

  g_object_ref(page);
  gtk_window_set_child(GTK_WINDOW(window), page);
  gtk_window_set_default_size(GTK_WINDOW(window), 900, 900);
  gtk_window_present(GTK_WINDOW(window));
  qz_project_set_model_file(project, model_file);
  qz_history_page_set_project(QZ_HISTORY_PAGE(page), project);
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));
  g_assert_cmpuint(qz_history_page_get_n_runs(QZ_HISTORY_PAGE(page)), ==, 2);

  /* Tick both and compare them. */
  {
    g_autoptr(GPtrArray) checks = g_ptr_array_new();

    collect_checks(page, checks);
    g_assert_cmpuint(checks->len, ==, 2);
    for (guint i = 0; i < checks->len; i++)
      gtk_check_button_set_active(g_ptr_array_index(checks, i), TRUE);
  }
  compare = qz_test_find_button(page, "C_ompare the Two");
  g_assert_nonnull(compare);
  g_assert_true(gtk_widget_get_sensitive(compare));
  g_signal_emit_by_name(compare, "clicked");
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));
  g_assert_nonnull(qz_test_find(page, GTK_TYPE_LABEL, label_contains, (gpointer) "accuracy"));
  qz_test_wait_frames(window, 2);
  g_free(qz_test_screenshot(window, "history-page.png"));

  /* The stored settings open as a project with the same model. */
  yaml = qz_history_get_config(first, &error);
  g_assert_no_error(error);
  again = qz_project_new_from_yaml(yaml, "run", &error);
  g_assert_no_error(error);
  g_assert_true(g_file_equal(qz_project_get_model_file(again), model_file));
  g_assert_finalize_object(again);

  /* Deleting one leaves the other. */
  g_assert_true(qz_history_delete(second, &error));
  qz_history_page_refresh(QZ_HISTORY_PAGE(page));
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));
  g_assert_cmpuint(qz_history_page_get_n_runs(QZ_HISTORY_PAGE(page)), ==, 1);

  gtk_window_destroy(GTK_WINDOW(window));
  qz_test_flush();
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  /* A history of its own, before GLib reads the environment. */
  g_autofree char *data = g_dir_make_tmp("qz-history-data-XXXXXX", NULL);

  g_setenv("XDG_DATA_HOME", data, TRUE);
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/history-page/runs", test_history_page);

  return g_test_run();
}
