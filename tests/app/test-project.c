/* test-project.c - QzProject: the run configuration every page shares,
 * kept as the YAML document `qz run` reads.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "qz-project.h"
#include "qz-test.h"

static void count_cb(GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void changed_cb(QzProject *project, const char *key, GPtrArray *keys)
{
  g_ptr_array_add(keys, g_strdup(key));
}

static void test_project_defaults(void)
{
  QzProject *project = qz_project_new();
  g_autoptr(GError) error = NULL;
  qe_config *cfg;

  g_assert_cmpstr(qz_project_get_title(project), ==, "New Project");
  g_assert_null(qz_project_get_model_file(project));
  g_assert_null(qz_project_get_file(project));
  g_assert_false(qz_project_get_modified(project));
  g_assert_cmpstr(qz_project_get_string(project, "operation_mode"), ==, "chain_eqe");
  g_assert_cmpstr(qz_project_get_string(project, "quantization.granularity"), ==, "per_channel");

  /* Without a model the engine says what is missing... */
  cfg = qz_project_load_config(project, FALSE, &error);
  g_assert_null(cfg);
  g_assert_nonnull(strstr(error->message, "model.model_path"));
  g_clear_error(&error);

  /* ...and with one and its examples, the defaults are a configuration
   * it accepts. */
  {
    g_autoptr(GFile) model = g_file_new_for_path("/tmp/model.onnx");
    g_autoptr(GFile) data = g_file_new_for_path("/tmp/examples");

    qz_project_set_model_file(project, model);
    qz_project_set_path(project, "dataset.training_path", data);
  }
  cfg = qz_project_load_config(project, FALSE, &error);
  g_assert_no_error(error);
  g_assert_nonnull(cfg);
  g_assert_cmpint(cfg->granularity, ==, QE_GRANULARITY_PER_CHANNEL);
  g_assert_true(g_path_is_absolute(cfg->output_dir));
  qe_config_free(cfg);

  g_assert_finalize_object(project);
}

static void test_project_keys(void)
{
  QzProject *project = qz_project_new();
  g_autoptr(GFile) model = g_file_new_for_path("/tmp/some folder/kws_model.v2.onnx");
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  guint title_changes = 0, model_changes = 0;

  g_signal_connect(project, "notify::title", G_CALLBACK(count_cb), &title_changes);
  g_signal_connect(project, "notify::model-file", G_CALLBACK(count_cb), &model_changes);
  g_signal_connect(project, "changed::dataset", G_CALLBACK(changed_cb), keys);

  qz_project_set_model_file(project, model);
  g_assert_cmpstr(qz_project_get_string(project, "model.model_path"), ==,
                  "/tmp/some folder/kws_model.v2.onnx");
  g_assert_cmpstr(qz_project_get_title(project), ==, "kws_model.v2");
  g_assert_true(g_file_equal(qz_project_get_model_file(project), model));
  g_assert_cmpuint(model_changes, ==, 1);
  g_assert_cmpuint(title_changes, ==, 1);
  g_assert_true(qz_project_get_modified(project));

  /* The same value again changes nothing. */
  qz_project_set_model_file(project, model);
  g_assert_cmpuint(model_changes, ==, 1);

  /* Only "changed::dataset" handlers hear about dataset keys. */
  qz_project_set_double(project, "dataset.validation_split", 0.3);
  qz_project_set_string(project, "quantization.granularity", "per_tensor");
  qz_project_set_string(project, "dataset.test_path", "/data/test");
  g_assert_cmpuint(keys->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(keys, 0), ==, "dataset.validation_split");
  g_assert_cmpfloat(qz_project_get_double(project, "dataset.validation_split", -1), ==, 0.3);
  g_assert_cmpstr(qz_project_get_string(project, "quantization.granularity"), ==, "per_tensor");

  qz_project_set_string(project, "general.project_name", "Keyword spotting");
  g_assert_cmpstr(qz_project_get_title(project), ==, "Keyword spotting");

  g_assert_finalize_object(project);
}

static void test_project_file_round_trip(void)
{
  g_autofree char *dir = g_dir_make_tmp("qz-project-XXXXXX", NULL);
  g_autofree char *yaml = g_build_filename(dir, "user_config.yaml", NULL);
  g_autofree char *saved = g_build_filename(dir, "saved.yaml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(yaml);
  g_autoptr(GFile) saved_file = g_file_new_for_path(saved);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_model = g_build_filename(dir, "models", "net.onnx", NULL);
  QzProject *project, *again;
  static const char text[] = "general:\n"
                             "  project_name: arc_fault\n"
                             "model:\n"
                             "  model_path: models/net.onnx\n"
                             "operation_mode: chain_eqe\n"
                             "dataset:\n"
                             "  quantization_path: data/calib\n"
                             "quantization:\n"
                             "  granularity: per_tensor\n";

  g_assert_true(g_file_set_contents(yaml, text, -1, NULL));
  project = qz_project_new_from_file(file, &error);
  g_assert_no_error(error);
  /* It names no examples to evaluate on: told, not refused. */
  g_assert_nonnull(strstr(qz_project_get_problem(project), "dataset"));
  g_assert_cmpstr(qz_project_get_title(project), ==, "arc_fault");
  /* Relative paths are made absolute against the file's folder. */
  g_assert_cmpstr(qz_project_get_string(project, "model.model_path"), ==, expected_model);
  g_assert_true(g_file_equal(qz_project_get_file(project), file));
  g_assert_false(qz_project_get_modified(project));

  qz_project_set_string(project, "quantization.granularity", "per_channel");
  g_assert_true(qz_project_get_modified(project));
  g_assert_true(qz_project_save(project, saved_file, &error));
  g_assert_no_error(error);
  g_assert_false(qz_project_get_modified(project));

  again = qz_project_new_from_file(saved_file, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(qz_project_get_string(again, "quantization.granularity"), ==, "per_channel");
  g_assert_cmpstr(qz_project_get_string(again, "model.model_path"), ==, expected_model);

  g_assert_finalize_object(again);
  g_assert_finalize_object(project);
  g_unlink(yaml);
  g_unlink(saved);
  g_rmdir(dir);
}

static void test_project_bad_file(void)
{
  g_autofree char *dir = g_dir_make_tmp("qz-project-XXXXXX", NULL);
  g_autofree char *yaml = g_build_filename(dir, "bad.yaml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(yaml);
  g_autoptr(GError) error = NULL;
  QzProject *project;

  /* Not YAML: refused, with the place named. */
  g_assert_true(
      g_file_set_contents(yaml, "quantization:\n  granularity: [per_channel\n", -1, NULL));
  project = qz_project_new_from_file(file, &error);
  g_assert_null(project);
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "bad.yaml"));
  g_clear_error(&error);

  /* YAML with a wrong setting: opened, and the problem is kept to be shown
   * and fixed. The engine names the file, the line and the key. */
  g_assert_true(g_file_set_contents(yaml, "quantization:\n  granularity: per-chanel\n", -1, NULL));
  project = qz_project_new_from_file(file, &error);
  g_assert_no_error(error);
  g_assert_nonnull(qz_project_get_problem(project));
  g_assert_nonnull(strstr(qz_project_get_problem(project), "bad.yaml:2"));
  g_assert_nonnull(strstr(qz_project_get_problem(project), "granularity"));
  g_assert_finalize_object(project);
  g_unlink(yaml);
  g_rmdir(dir);
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

  g_test_add_func("/app/project/defaults", test_project_defaults);
  g_test_add_func("/app/project/keys", test_project_keys);
  g_test_add_func("/app/project/file-round-trip", test_project_file_round_trip);
  g_test_add_func("/app/project/bad-file", test_project_bad_file);
  g_test_add_func("/app/project/example", test_project_example);

  return g_test_run();
}
