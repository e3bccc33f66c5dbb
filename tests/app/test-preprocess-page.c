/* test-preprocess-page.c - the Preprocessing page writes the model zoo's
 * preprocessing keys and previews an example as a run prepares it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qz-data-summary.h"
#include "qz-preprocess-page.h"
#include "qz-test.h"

static gboolean page_idle(gpointer data)
{
  return !qz_preprocess_page_get_busy(data);
}

static void test_preprocess_page(void)
{
  g_autofree char *yaml =
      g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "data", "example", "user_config.yaml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(yaml);
  g_autoptr(GError) error = NULL;
  QzProject *project = qz_project_new_from_file(file, &error);
  g_autoptr(QzDataSummary) summary = NULL;
  GtkWidget *page = qz_preprocess_page_new();
  GtkWidget *window = gtk_window_new();
  AdwComboRow *range;
  const char *text;

  g_assert_no_error(error);
  /* What the Model page found: a (N, 1, 28, 28) input. */
  {
    g_autoptr(QzModelInfo) info = qz_model_info_load(
        g_file_peek_path(qz_project_get_model_file(project)), NULL, NULL, &error);

    g_assert_no_error(error);
    qz_project_set_model_info(project, info);
  }
  /* What the Data page found: the examples are pictures. */
  summary = qz_data_summary_load(qz_project_get_doc(project), NULL, 50, NULL, NULL, &error);
  g_assert_no_error(error);
  qz_project_set_data_summary(project, summary);

  g_object_ref(page);
  gtk_window_set_child(GTK_WINDOW(window), page);
  gtk_window_set_default_size(GTK_WINDOW(window), 900, 1000);
  gtk_window_present(GTK_WINDOW(window));
  qz_preprocess_page_set_project(QZ_PREPROCESS_PAGE(page), project);
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));

  /* The example's file says 1/255: pixels become 0 to 1. */
  range = ADW_COMBO_ROW(
      qz_test_find(page, ADW_TYPE_COMBO_ROW, qz_test_row_titled, (gpointer) "Value Range"));
  g_assert_nonnull(range);
  g_assert_cmpuint(adw_combo_row_get_selected(range), ==, 0);
  text = qz_preprocess_page_get_values_text(QZ_PREPROCESS_PAGE(page));
  g_test_message("%s", text);
  /* Pixels 0…254 of this picture, divided by 255, laid out as the model
   * (channels first). */
  g_assert_nonnull(strstr(text, "from 0 to 0.996,"));
  g_assert_nonnull(strstr(text, "[1, 28, 28]"));
  qz_test_wait_frames(window, 2);
  g_free(qz_test_screenshot(window, "preprocess-page.png"));

  /* −1 to 1: the keys `qz run` reads, and the preview follows. */
  adw_combo_row_set_selected(range, 1);
  g_assert_cmpstr(qz_project_get_string(project, "preprocessing.rescaling.scale"), ==, "1/127.5");
  g_assert_cmpstr(qz_project_get_string(project, "preprocessing.rescaling.offset"), ==, "-1");
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));
  text = qz_preprocess_page_get_values_text(QZ_PREPROCESS_PAGE(page));
  g_test_message("%s", text);
  g_assert_nonnull(strstr(text, "from -1 to 0.992,"));

  gtk_window_destroy(GTK_WINDOW(window));
  qz_test_flush();
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/preprocess-page/preview", test_preprocess_page);

  return g_test_run();
}
