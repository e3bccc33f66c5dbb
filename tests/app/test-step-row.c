/* test-step-row.c - QzStepRow: number, title and state, said in words.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-step-row.h"
#include "qz-test.h"

static void count_cb(GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void test_step_row_states(void)
{
  GtkWidget *row = qz_step_row_new("data", 2, "Data", "Examples to tune and test with", NULL);
  QzStepRow *step = QZ_STEP_ROW(row);
  guint notified = 0;

  g_object_ref_sink(row);
  g_signal_connect(row, "notify::state", G_CALLBACK(count_cb), &notified);

  g_assert_cmpstr(qz_step_row_get_id(step), ==, "data");
  g_assert_cmpuint(qz_step_row_get_number(step), ==, 2);
  g_assert_cmpstr(qz_step_row_get_title(step), ==, "Data");
  g_assert_cmpint(qz_step_row_get_state(step), ==, QZ_STEP_STATE_TODO);
  gtk_test_accessible_assert_property(row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Step 2: Data");
  gtk_test_accessible_assert_property(row, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      "Examples to tune and test with");

  qz_step_row_set_state(step, QZ_STEP_STATE_DONE);
  g_assert_cmpint(qz_step_row_get_state(step), ==, QZ_STEP_STATE_DONE);
  gtk_test_accessible_assert_property(row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Step 2: Data, done");

  qz_step_row_set_state(step, QZ_STEP_STATE_DONE); /* no change, no notification */
  qz_step_row_set_state(step, QZ_STEP_STATE_ATTENTION);
  gtk_test_accessible_assert_property(row, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      "Step 2: Data, needs attention");
  qz_step_row_set_state(step, QZ_STEP_STATE_UNAVAILABLE);
  gtk_test_accessible_assert_property(row, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      "Step 2: Data, not available yet");
  g_assert_cmpuint(notified, ==, 3);

  g_assert_finalize_object(row);
}

static void test_step_row_history(void)
{
  GtkWidget *row = qz_step_row_new("history", 0, "History", NULL, "document-open-recent-symbolic");

  g_object_ref_sink(row);
  /* No number: the accessible name is the title alone. */
  gtk_test_accessible_assert_property(row, GTK_ACCESSIBLE_PROPERTY_LABEL, "History");
  g_assert_finalize_object(row);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/step-row/states", test_step_row_states);
  g_test_add_func("/app/step-row/history", test_step_row_history);

  return g_test_run();
}
