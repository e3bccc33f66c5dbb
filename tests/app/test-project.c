/* test-project.c - QzProject: the choices every page shares.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-project.h"
#include "qz-test.h"

static void count_cb(GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void test_project_title(void)
{
  QzProject *project = qz_project_new();
  g_autoptr(GFile) model = g_file_new_for_path("/tmp/some folder/kws_model.v2.onnx");
  g_autoptr(GFile) same = g_file_new_for_path("/tmp/some folder/kws_model.v2.onnx");
  guint title_changes = 0, model_changes = 0;

  g_signal_connect(project, "notify::title", G_CALLBACK(count_cb), &title_changes);
  g_signal_connect(project, "notify::model-file", G_CALLBACK(count_cb), &model_changes);

  g_assert_cmpstr(qz_project_get_title(project), ==, "New Project");
  g_assert_null(qz_project_get_model_file(project));

  qz_project_set_model_file(project, model);
  g_assert_cmpstr(qz_project_get_title(project), ==, "kws_model.v2");
  g_assert_true(qz_project_get_model_file(project) == model);
  g_assert_cmpuint(model_changes, ==, 1);
  g_assert_cmpuint(title_changes, ==, 1);

  /* The same file again changes nothing. */
  qz_project_set_model_file(project, same);
  g_assert_cmpuint(model_changes, ==, 1);

  qz_project_set_model_file(project, NULL);
  g_assert_cmpstr(qz_project_get_title(project), ==, "New Project");
  g_assert_cmpuint(model_changes, ==, 2);
  g_assert_cmpuint(title_changes, ==, 2);

  g_assert_finalize_object(project);
}

static void test_project_example(void)
{
  QzProject *project = qz_project_new();
  g_autoptr(GFile) dir = g_file_new_for_path("/tmp/example");
  guint changes = 0;

  g_signal_connect(project, "notify::is-example", G_CALLBACK(count_cb), &changes);
  g_assert_false(qz_project_get_is_example(project));
  qz_project_set_example_dir(project, dir);
  g_assert_true(qz_project_get_is_example(project));
  g_assert_true(qz_project_get_example_dir(project) == dir);
  g_assert_cmpuint(changes, ==, 1);

  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/project/title", test_project_title);
  g_test_add_func("/app/project/example", test_project_example);

  return g_test_run();
}
