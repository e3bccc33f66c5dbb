/* test-pages.c - every wizard page: builds from its template, takes a
 * project, has an accessible name, and is freed when its owner lets go.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-history-page.h"
#include "qz-start-page.h"
#include "qz-steps.h"
#include "qz-test.h"

typedef struct {
  const char *name;
  GType (*get_type)(void);
  const char *label;
} PageCase;

static gboolean page_idle(gpointer data)
{
  gboolean busy = FALSE;

  if (g_object_class_find_property(G_OBJECT_GET_CLASS(data), "busy") != NULL)
    g_object_get(data, "busy", &busy, NULL);
  return !busy;
}

static void test_page(gconstpointer data)
{
  const PageCase *c = data;
  QzProject *project = qz_project_new();
  GtkWidget *page = g_object_new(c->get_type(), NULL);
  QzProject *got = NULL;

  g_object_ref_sink(page);
  g_assert_true(ADW_IS_BIN(page));

  g_object_set(page, "project", project, NULL);
  g_object_get(page, "project", &got, NULL);
  g_assert_true(got == project);
  g_object_unref(got);

  gtk_test_accessible_assert_role(page, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_test_accessible_assert_property(page, GTK_ACCESSIBLE_PROPERTY_LABEL, c->label);

  /* Pages that read files in a thread hold themselves until it is done. */
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));
  qz_test_flush();
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  static PageCase cases[QZ_N_STEPS + 2];
  guint n = 0;

  qz_test_init(&argc, &argv);

  cases[n++] = (PageCase){ "start", qz_start_page_get_type, "Start" };
  for (guint i = 0; i < QZ_N_STEPS; i++)
    cases[n++] =
        (PageCase){ qz_step_get_info(i)->id, qz_step_get_info(i)->get_type, qz_step_get_title(i) };
  cases[n++] = (PageCase){ "history", qz_history_page_get_type, "History" };

  for (guint i = 0; i < n; i++) {
    g_autofree char *path = g_strdup_printf("/app/pages/%s", cases[i].name);

    g_test_add_data_func(path, &cases[i], test_page);
  }

  return g_test_run();
}
