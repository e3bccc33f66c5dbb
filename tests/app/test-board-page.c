/* test-board-page.c - the Board page shows a card for every board
 * description and writes the chosen one into the project.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-board-page.h"
#include "qz-test.h"

static gboolean page_idle(gpointer data)
{
  return !qz_board_page_get_busy(data);
}

static gboolean button_for(GtkWidget *w, gpointer data)
{
  return g_strcmp0(g_object_get_data(G_OBJECT(w), "board"), data) == 0;
}

static void test_board_page_cards(void)
{
  g_autofree char *targets = g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "targets", NULL);
  g_autoptr(GDir) dir = g_dir_open(targets, 0, NULL);
  QzProject *project = qz_project_new();
  GtkWidget *page = qz_board_page_new();
  GtkFlowBox *cards;
  GtkWidget *choose;
  const char *name;
  guint n_files = 0, n_cards = 0;

  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir)) != NULL)
    n_files += g_str_has_suffix(name, ".yaml");

  g_object_ref_sink(page);
  qz_board_page_set_project(QZ_BOARD_PAGE(page), project);
  g_assert_true(qz_test_wait_until(page_idle, page, 30000));

  cards = GTK_FLOW_BOX(qz_test_find(page, GTK_TYPE_FLOW_BOX, NULL, NULL));
  for (GtkWidget *c = gtk_widget_get_first_child(GTK_WIDGET(cards)); c != NULL;
       c = gtk_widget_get_next_sibling(c))
    n_cards++;
  g_assert_cmpuint(n_files, >, 0);
  g_assert_cmpuint(n_cards, ==, n_files);

  choose = qz_test_find(page, GTK_TYPE_BUTTON, button_for, (gpointer) "nucleo-f446re");
  g_assert_nonnull(choose);
  g_signal_emit_by_name(choose, "clicked");
  g_assert_cmpstr(qz_project_get_string(project, "quantization.board"), ==, "nucleo-f446re");
  /* The chosen card says so. */
  choose = qz_test_find(page, GTK_TYPE_BUTTON, button_for, (gpointer) "nucleo-f446re");
  g_assert_false(gtk_widget_get_sensitive(choose));

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/board-page/cards", test_board_page_cards);

  return g_test_run();
}
