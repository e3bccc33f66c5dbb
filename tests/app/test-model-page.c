/* test-model-page.c - the Model page reads a model in a thread and shows
 * what the onnx Python package says is in it; a broken file gets a clear
 * message naming it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "qz-model-info.h"
#include "qz-model-page.h"
#include "qz-test.h"

static char *example_model(void)
{
  return g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "data", "example", "fashion_cnn.onnx", NULL);
}

/* The onnx package's view of @path: one fact a line, split in words. */
static GPtrArray *onnx_summary(const char *path)
{
  g_autofree char *script =
      g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "tests", "app", "onnx-summary.py", NULL);
  const char *argv[] = { "/usr/bin/python3", script, path, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *facts = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  int status;

  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("onnx-summary.py failed: %s", err);
  lines = g_strsplit(out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_ptr_array_add(facts, g_strsplit(lines[i], " ", -1));
  return facts;
}

static gint64 fact_int(GPtrArray *facts, const char *kind, const char *name)
{
  for (guint i = 0; i < facts->len; i++) {
    char **f = g_ptr_array_index(facts, i);

    if (g_str_equal(f[0], kind) && name == NULL)
      return g_ascii_strtoll(f[1], NULL, 10);
    if (g_str_equal(f[0], kind) && name != NULL && g_str_equal(f[1], name))
      return g_ascii_strtoll(f[2], NULL, 10);
  }
  g_error("no fact %s %s", kind, name ? name : "");
}

static void assert_tensors(GPtrArray *tensors, GPtrArray *facts, const char *kind)
{
  guint n = 0;

  for (guint i = 0; i < facts->len; i++) {
    char **f = g_ptr_array_index(facts, i);
    const QzTensorInfo *t;

    if (!g_str_equal(f[0], kind))
      continue;
    g_assert_cmpuint(n, <, tensors->len);
    t = g_ptr_array_index(tensors, n++);
    g_assert_cmpstr(t->name, ==, f[1]);
    g_assert_cmpint(t->rank, ==, g_strv_length(f) - 2);
    for (int d = 1; d < t->rank; d++) /* the batch axis may be symbolic */
      g_assert_cmpint(t->dims[d], ==, g_ascii_strtoll(f[2 + d], NULL, 10));
  }
  g_assert_cmpuint(n, ==, tensors->len);
}

static void test_model_info_matches_onnx(void)
{
  g_autofree char *path = example_model();
  g_autoptr(GPtrArray) facts = onnx_summary(path);
  guint n_ops = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(QzModelInfo) info = qz_model_info_load(path, NULL, NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(info);
  g_assert_cmpstr(info->format, ==, "onnx");
  assert_tensors(info->inputs, facts, "input");
  assert_tensors(info->outputs, facts, "output");
  g_assert_cmpint(info->params, ==, fact_int(facts, "params", NULL));
  g_assert_cmpint(info->n_nodes, ==, fact_int(facts, "nodes", NULL));
  for (guint i = 0; i < facts->len; i++)
    n_ops += g_str_equal(((char **)g_ptr_array_index(facts, i))[0], "op");
  g_assert_cmpuint(info->ops->len, ==, n_ops);
  for (guint i = 0; i < info->ops->len; i++) {
    const QzOpCount *c = g_ptr_array_index(info->ops, i);

    g_assert_cmpint(c->count, ==, fact_int(facts, "op", c->op));
    g_assert_true(c->supported);
  }
  g_assert_cmpuint(info->unsupported->len, ==, 0);
  g_assert_false(info->quantized);
  /* Convolutions and the dense layer: far more than one per weight. */
  g_assert_cmpint(info->macs, >, info->params);
}

static void test_model_info_tflite(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "tests", "peers", "node_modules", "@mediapipe",
                       "face_detection", "face_detection_short_range.tflite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QzModelInfo) info = NULL;

  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_test_skip("the MediaPipe face detection model (npm peer) is not installed");
    return;
  }
  info = qz_model_info_load(path, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(info->format, ==, "tflite");
  /* MediaPipe's short-range face detector: one 128 × 128 RGB input. */
  g_assert_cmpuint(info->inputs->len, ==, 1);
  g_assert_cmpint(((QzTensorInfo *)g_ptr_array_index(info->inputs, 0))->dims[1], ==, 128);
  g_assert_cmpint(((QzTensorInfo *)g_ptr_array_index(info->inputs, 0))->dims[3], ==, 3);
  g_assert_cmpuint(info->ops->len, >, 0);
  g_assert_cmpint(info->params, >, 0);
}

static gboolean page_idle(gpointer data)
{
  return !qz_model_page_get_busy(data);
}

static gboolean label_contains(GtkWidget *w, gpointer data)
{
  return strstr(gtk_label_get_label(GTK_LABEL(w)), data) != NULL;
}

static void test_model_page_shows_model(void)
{
  g_autofree char *path = example_model();
  g_autoptr(GFile) file = g_file_new_for_path(path);
  QzProject *project = qz_project_new();
  GtkWidget *page = qz_model_page_new();
  GtkWidget *window = gtk_window_new();
  GtkStack *stack;

  g_object_ref(page);
  gtk_window_set_child(GTK_WINDOW(window), page);
  gtk_window_set_default_size(GTK_WINDOW(window), 800, 900);
  gtk_window_present(GTK_WINDOW(window));

  qz_model_page_set_project(QZ_MODEL_PAGE(page), project);
  qz_project_set_model_file(project, file);
  g_assert_true(qz_model_page_get_busy(QZ_MODEL_PAGE(page)));
  g_assert_true(qz_test_wait_until(page_idle, page, 20000));

  stack = GTK_STACK(qz_test_find(page, GTK_TYPE_STACK, NULL, NULL));
  g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, "model");
  g_assert_nonnull(qz_project_get_model_info(project));
  g_assert_null(qz_project_get_model_error(project));
  /* The inputs in plain words, the verdict, the operations. */
  g_assert_nonnull(qz_test_find(page, GTK_TYPE_LABEL, label_contains,
                                (gpointer) "a 28 × 28 picture in gray levels"));
  g_assert_nonnull(qz_test_find(page, GTK_TYPE_LABEL, label_contains,
                                (gpointer) "Quantizer can run every part of this model"));
  g_assert_nonnull(qz_test_find(page, GTK_TYPE_LABEL, label_contains,
                                (gpointer) "10 scores, one for each class"));
  g_assert_nonnull(qz_test_find(page, GTK_TYPE_LABEL, label_contains, (gpointer) "Conv"));
  qz_test_wait_frames(window, 2);
  g_free(qz_test_screenshot(window, "model-page.png"));

  gtk_window_destroy(GTK_WINDOW(window));
  qz_test_flush();
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

static void test_model_page_bad_file(void)
{
  g_autofree char *dir = g_dir_make_tmp("qz-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "broken.onnx", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(path);
  QzProject *project = qz_project_new();
  GtkWidget *page = qz_model_page_new();
  AdwStatusPage *status;
  GtkStack *stack;

  g_object_ref_sink(page);
  static const char garbage[] = "\x0a\xff\xff\xff\xff\x0f garbage";

  g_assert_true(g_file_set_contents(path, garbage, sizeof garbage - 1, NULL));
  qz_model_page_set_project(QZ_MODEL_PAGE(page), project);
  qz_project_set_model_file(project, file);
  g_assert_true(qz_test_wait_until(page_idle, page, 20000));

  stack = GTK_STACK(qz_test_find(page, GTK_TYPE_STACK, NULL, NULL));
  g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, "error");
  status = ADW_STATUS_PAGE(gtk_stack_get_child_by_name(stack, "error"));
  /* The engine's message names the file. */
  g_assert_nonnull(strstr(adw_status_page_get_description(status), "broken.onnx"));
  g_assert_nonnull(qz_project_get_model_error(project));
  g_assert_null(qz_project_get_model_info(project));

  /* Fixing the choice clears the error. */
  {
    g_autofree char *good = example_model();
    g_autoptr(GFile) good_file = g_file_new_for_path(good);

    qz_project_set_model_file(project, good_file);
    g_assert_null(qz_project_get_model_error(project));
    g_assert_true(qz_test_wait_until(page_idle, page, 20000));
    g_assert_cmpstr(gtk_stack_get_visible_child_name(stack), ==, "model");
  }

  g_unlink(path);
  g_rmdir(dir);
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/model-page/info-matches-onnx", test_model_info_matches_onnx);
  g_test_add_func("/app/model-page/info-tflite", test_model_info_tflite);
  g_test_add_func("/app/model-page/shows-model", test_model_page_shows_model);
  g_test_add_func("/app/model-page/bad-file", test_model_page_bad_file);

  return g_test_run();
}
