/* test-wizard-walk.c - the real window, step by step, with a screenshot of
 * every page at 1280x800 and of the folded layout at a phone's width.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PNGs land in $QZ_SCREENSHOT_DIR (tests/app/screenshots in the build
 * directory) as the test's artifacts.
 */
#include "config.h"

#include "qz-deploy-page.h"
#include "qz-steps.h"
#include "qz-test.h"
#include "qz-utils.h"
#include "qz-window.h"

static QzApplication *app;

static QzWindow *find_window(void)
{
  for (GList *l = gtk_application_get_windows(GTK_APPLICATION(app)); l; l = l->next)
    if (QZ_IS_WINDOW(l->data))
      return l->data;
  return NULL;
}

static void shoot(QzWindow *window, const char *name)
{
  g_autofree char *path = NULL;

  qz_test_wait_frames(GTK_WIDGET(window), 2);
  path = qz_test_screenshot(GTK_WIDGET(window), name);
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

static gboolean page_idle(gpointer data)
{
  gboolean busy = FALSE;

  if (g_object_class_find_property(G_OBJECT_GET_CLASS(data), "busy") != NULL)
    g_object_get(data, "busy", &busy, NULL);
  return !busy;
}

static gboolean deploy_finished(gpointer data)
{
  return !qz_deploy_page_get_busy(data) && qz_deploy_page_get_outcome(data) != 0;
}

static gboolean run_finished(gpointer data)
{
  QzWindow *window = data;
  GtkWidget *page = qz_window_get_page(window, "run");

  return page_idle(page) && qz_project_get_run_result(qz_window_get_project(window)) != NULL;
}

static void assert_page_shown(QzWindow *window, const char *id)
{
  GtkWidget *page = qz_window_get_page(window, id);

  /* Pages that read files in a thread show the result, not the spinner. */
  g_assert_true(qz_test_wait_until(page_idle, page, 60000));
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, id);
  g_assert_nonnull(page);
  g_assert_true(gtk_widget_get_mapped(page));
  g_assert_cmpint(gtk_widget_get_width(page), >, 0);
}

static void test_walk_wide(void)
{
  QzWindow *window;
  GtkWidget *next;
  int width, height;

  g_application_activate(G_APPLICATION(app));
  window = find_window();
  g_assert_nonnull(window);
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  gtk_window_get_default_size(GTK_WINDOW(window), &width, &height);
  g_assert_cmpint(width, ==, 1280);
  g_assert_cmpint(height, ==, 800);

  assert_page_shown(window, "start");
  shoot(window, "00-start.png");

  /* The example project, step by step with Next. */
  if (qz_find_example_dir() == NULL) {
    g_test_message("no example project in this tree: the walk uses an empty project");
    gtk_widget_activate_action(GTK_WIDGET(window), "win.new-project", NULL);
  } else {
    gtk_widget_activate_action(GTK_WIDGET(window), "win.open-example", NULL);
    g_assert_true(qz_project_get_is_example(qz_window_get_project(window)));
  }
  for (guint i = 0; i < QZ_N_STEPS; i++) {
    g_autofree char *name = g_strdup_printf("%02u-%s.png", i + 1, qz_step_get_info(i)->id);

    assert_page_shown(window, qz_step_get_info(i)->id);
    shoot(window, name);
    if (g_str_equal(qz_step_get_info(i)->id, "data") && qz_find_example_dir() != NULL) {
      /* The example's folders were read to the end. */
      g_assert_nonnull(qz_project_get_data_summary(qz_window_get_project(window)));
    } else if (g_str_equal(qz_step_get_info(i)->id, "run") && qz_find_example_dir() != NULL) {
      /* Keep the defaults and run: the main loop stays responsive, and
       * the page shows the result. */
      GtkWidget *start = qz_test_find_button(GTK_WIDGET(window), "_Start");
      QzStall stall = { 0 };

      g_assert_nonnull(start);
      qz_test_stall_start(&stall);
      qz_test_activate(start);
      g_assert_true(qz_test_wait_until(run_finished, window, 600000));
      qz_test_stall_stop(&stall);
      g_assert_cmpint(stall.longest_busy, <, 100 * 1000);
      shoot(window, "06-run-done.png");
    } else if (g_str_equal(qz_step_get_info(i)->id, "compare") && qz_find_example_dir() != NULL) {
      /* The numbers of the run are those qz reports for the project. */
      QzRunResult *r = qz_project_get_run_result(qz_window_get_project(window));

      g_assert_nonnull(r);
      g_assert_cmpint(r->status, ==, QE_RUN_FINISHED);
      qz_test_assert_matches_qz(r);
    } else if (g_str_equal(qz_step_get_info(i)->id, "deploy") && qz_find_example_dir() != NULL) {
      /* The example's board is emulated: Deploy runs the model in QEMU. */
      g_autofree char *qemu = g_find_program_in_path("qemu-system-arm");
      g_autofree char *gcc = g_find_program_in_path("arm-none-eabi-gcc");
      GtkWidget *page = qz_window_get_page(window, "deploy");
      GtkWidget *deploy = qz_test_find_button(GTK_WIDGET(window), "_Deploy");

      g_assert_nonnull(deploy);
      if (qemu == NULL || gcc == NULL) {
        g_test_message("QEMU or the Arm compiler is not installed: no deploy in the walk");
        g_assert_false(gtk_widget_get_sensitive(deploy));
      } else {
        qz_test_activate(deploy);
        g_assert_true(qz_test_wait_until(deploy_finished, page, 600000));
        shoot(window, "08-deploy-done.png");
        g_assert_cmpint(qz_deploy_page_get_outcome(QZ_DEPLOY_PAGE(page)), ==, 1);
      }
    }
    if (i + 1 < QZ_N_STEPS) {
      next = qz_test_find_button(GTK_WIDGET(window), "_Next");
      g_assert_nonnull(next);
      qz_test_activate(next);
    }
  }

  gtk_widget_activate_action(GTK_WIDGET(window), "win.show-history", NULL);
  assert_page_shown(window, "history");
  shoot(window, "09-history.png");

  /* A new project starts empty at its first step. */
  gtk_widget_activate_action(GTK_WIDGET(window), "win.new-project", NULL);
  assert_page_shown(window, "model");
  shoot(window, "10-new-project.png");

  gtk_window_destroy(GTK_WINDOW(window));
}

static gboolean tooltip_matches(GtkWidget *w, gpointer data)
{
  return g_strcmp0(gtk_widget_get_tooltip_text(w), data) == 0;
}

static gboolean has_css_class(GtkWidget *w, gpointer data)
{
  return gtk_widget_has_css_class(w, data);
}

static void test_walk_narrow(void)
{
  QzWindow *window = qz_window_new(app);
  AdwLeaflet *leaflet;
  GtkWidget *steps_button;
  GtkListBoxRow *row;

  g_object_ref(window);
  gtk_window_set_default_size(GTK_WINDOW(window), 360, 720);
  gtk_window_present(GTK_WINDOW(window));
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  shoot(window, "narrow-00-start.png");

  gtk_widget_activate_action(GTK_WIDGET(window), "win.new-project", NULL);
  leaflet = ADW_LEAFLET(qz_test_find(GTK_WIDGET(window), ADW_TYPE_LEAFLET, NULL, NULL));
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  g_assert_true(adw_leaflet_get_folded(leaflet));
  g_assert_cmpstr(adw_leaflet_get_visible_child_name(leaflet), ==, "content");
  assert_page_shown(window, "model");
  shoot(window, "narrow-01-model.png");

  gtk_widget_activate_action(GTK_WIDGET(window), "win.go-next", NULL);
  assert_page_shown(window, "data");
  shoot(window, "narrow-02-data.png");

  /* The back button in the header shows the list of steps... */
  steps_button =
      qz_test_find(GTK_WIDGET(window), GTK_TYPE_BUTTON, tooltip_matches, (gpointer) "All Steps");
  g_assert_nonnull(steps_button);
  g_assert_true(gtk_widget_get_mapped(steps_button));
  qz_test_activate(steps_button);
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  g_assert_cmpstr(adw_leaflet_get_visible_child_name(leaflet), ==, "sidebar");
  shoot(window, "narrow-03-steps.png");

  /* ...and choosing a step there shows it. */
  row = gtk_list_box_get_row_at_index(
      GTK_LIST_BOX(qz_test_find(GTK_WIDGET(window), GTK_TYPE_LIST_BOX, has_css_class,
                                (gpointer) "navigation-sidebar")),
      4);
  qz_test_activate(GTK_WIDGET(row));
  assert_page_shown(window, "board");
  g_assert_cmpstr(adw_leaflet_get_visible_child_name(leaflet), ==, "content");

  gtk_window_destroy(GTK_WINDOW(window));
  g_assert_finalize_object(window);
}

int main(int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  qz_test_init(&argc, &argv);

  app = qz_application_new(APP_ID ".Test", G_APPLICATION_NON_UNIQUE);
  g_application_register(G_APPLICATION(app), NULL, &error);
  g_assert_no_error(error);

  g_test_add_func("/app/walk/wide", test_walk_wide);
  g_test_add_func("/app/walk/narrow", test_walk_narrow);

  ret = g_test_run();
  qz_test_flush();
  g_object_unref(app);
  return ret;
}
