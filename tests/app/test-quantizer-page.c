/* test-quantizer-page.c - the Quantizer page writes the quantization
 * section, offers the board's recommended settings, and explains what does
 * not work together instead of blocking it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "qz-quantizer-page.h"
#include "qz-test.h"

static void test_quantizer_page_settings(void)
{
  QzProject *project = qz_test_example_project();
  GtkWidget *page = qz_quantizer_page_new();
  AdwComboRow *bits;

  g_object_ref_sink(page);
  qz_quantizer_page_set_project(QZ_QUANTIZER_PAGE(page), project);
  g_assert_null(qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(page)));

  /* Choosing 4-bit weights in the list writes the key `qz run` reads. */
  bits = ADW_COMBO_ROW(
      qz_test_find(page, ADW_TYPE_COMBO_ROW, qz_test_row_titled, (gpointer) "Bits per Weight"));
  g_assert_nonnull(bits);
  adw_combo_row_set_selected(bits, 1);
  g_assert_cmpstr(qz_project_get_string(project, "quantization.weight_bits"), ==, "4");

  /* A key changed elsewhere (a loaded file) shows in the list. */
  qz_project_set_string(project, "quantization.weight_bits", "2");
  g_assert_cmpuint(adw_combo_row_get_selected(bits), ==, 2);

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

static void test_quantizer_page_explains(void)
{
  QzProject *project = qz_test_example_project();
  GtkWidget *page = qz_quantizer_page_new();
  const char *problem;

  g_object_ref_sink(page);
  qz_quantizer_page_set_project(QZ_QUANTIZER_PAGE(page), project);

  /* Per-channel ONNX needs opset 13: said in the engine's words, with the
   * key, while the setting stays as chosen. */
  qz_project_set_string(project, "quantization.quantizer", "Onnx_quantizer");
  g_assert_null(qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(page)));
  qz_project_set_int(project, "quantization.target_opset", 10);
  problem = qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(page));
  g_assert_nonnull(problem);
  g_assert_nonnull(strstr(problem, "opset"));
  g_assert_cmpstr(qz_project_get_string(project, "quantization.target_opset"), ==, "10");

  /* Fixed: the explanation goes. */
  qz_project_set_int(project, "quantization.target_opset", 17);
  g_assert_null(qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(page)));

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

static void test_quantizer_page_recommended(void)
{
  QzProject *project = qz_test_example_project();
  GtkWidget *page = qz_quantizer_page_new();
  GtkWidget *use;
  g_autoptr(GError) error = NULL;
  qe_config *cfg;

  g_object_ref_sink(page);
  qz_quantizer_page_set_project(QZ_QUANTIZER_PAGE(page), project);
  /* Settings that differ from the board's recommendation. */
  qz_project_set_string(project, "quantization.quantizer", "Onnx_quantizer");
  qz_project_set_string(project, "quantization.weight_bits", "4");
  qz_project_set_string(project, "quantization.board", "nucleo-f446re");
  use = qz_test_find(page, GTK_TYPE_BUTTON, qz_test_button_labelled,
                     (gpointer) "_Use These Settings");
  g_assert_nonnull(use);
  g_signal_emit_by_name(use, "clicked");

  /* The board's recommendation, for a microcontroller: TFLite, int8. */
  g_assert_cmpstr(qz_project_get_string(project, "quantization.quantizer"), ==, "TFlite_converter");
  g_assert_cmpstr(qz_project_get_string(project, "quantization.weight_bits"), ==, "8");
  if (qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(page)) != NULL)
    g_error("problem: %s", qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(page)));
  cfg = qz_project_load_config(project, FALSE, &error);
  g_assert_no_error(error);
  qe_config_free(cfg);

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/quantizer-page/settings", test_quantizer_page_settings);
  g_test_add_func("/app/quantizer-page/explains", test_quantizer_page_explains);
  g_test_add_func("/app/quantizer-page/recommended", test_quantizer_page_recommended);

  return g_test_run();
}
