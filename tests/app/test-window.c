/* test-window.c - QzWindow: steps in order, back and next, the start page,
 * the history, window state kept in GSettings.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-steps.h"
#include "qz-test.h"
#include "qz-window.h"

static QzApplication *app;

static void test_window_steps(void)
{
  QzWindow *window = qz_window_new(app);
  GtkWidget *back, *next;

  g_object_ref(window);
  gtk_window_present(GTK_WINDOW(window));
  qz_test_wait_frames(GTK_WIDGET(window), 1);

  g_assert_cmpstr(qz_window_get_page_id(window), ==, "start");

  gtk_widget_activate_action(GTK_WIDGET(window), "win.new-project", NULL);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "model");
  g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(window)), ==, "New Project — Quantizer");

  back = qz_test_find_button(GTK_WIDGET(window), "_Back");
  next = qz_test_find_button(GTK_WIDGET(window), "_Next");
  g_assert_nonnull(back);
  g_assert_nonnull(next);
  g_assert_false(gtk_widget_is_sensitive(back));
  g_assert_true(gtk_widget_is_sensitive(next));

  /* Next walks the steps in order; the last step has no Next. */
  for (guint i = 1; i < QZ_N_STEPS; i++) {
    qz_test_activate(next);
    g_assert_cmpstr(qz_window_get_page_id(window), ==, qz_step_get_info(i)->id);
    g_assert_true(gtk_widget_is_sensitive(back));
  }
  g_assert_false(gtk_widget_is_sensitive(next));

  /* Back walks them backwards. */
  for (int i = QZ_N_STEPS - 2; i >= 0; i--) {
    qz_test_activate(back);
    g_assert_cmpstr(qz_window_get_page_id(window), ==, qz_step_get_info(i)->id);
  }
  g_assert_false(gtk_widget_is_sensitive(back));

  /* A step by number (Alt+1...8), the history and the start page. */
  gtk_widget_activate_action(GTK_WIDGET(window), "win.go-step", "i", 4);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "board");
  gtk_widget_activate_action(GTK_WIDGET(window), "win.show-history", NULL);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "history");
  g_assert_false(gtk_widget_get_mapped(next));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.show-start", NULL);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "start");
  gtk_widget_activate_action(GTK_WIDGET(window), "win.show-wizard", NULL);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "history");

  gtk_window_destroy(GTK_WINDOW(window));
  g_assert_finalize_object(window);
}

static void test_window_open_model(void)
{
  QzWindow *window = qz_window_new(app);
  g_autoptr(GFile) file = g_file_new_for_path("/nonexistent/folder/tiny_cnn.onnx");
  QzProject *first;

  g_object_ref(window);
  first = qz_window_get_project(window);
  qz_window_open_model(window, file);
  /* From the start page a model begins a new project. */
  g_assert_true(qz_window_get_project(window) != first);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "model");
  g_assert_true(g_file_equal(qz_project_get_model_file(qz_window_get_project(window)), file));
  g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(window)), ==, "tiny_cnn — Quantizer");

  gtk_window_destroy(GTK_WINDOW(window));
  g_assert_finalize_object(window);
}

static void test_window_cancel(void)
{
  QzWindow *window = qz_window_new(app);
  GCancellable *first;

  g_object_ref(window);
  first = g_object_ref(qz_window_get_cancellable(window));
  g_assert_false(g_cancellable_is_cancelled(first));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.cancel", NULL);
  g_assert_true(g_cancellable_is_cancelled(first));
  g_assert_false(g_cancellable_is_cancelled(qz_window_get_cancellable(window)));
  g_object_unref(first);

  gtk_window_destroy(GTK_WINDOW(window));
  g_assert_finalize_object(window);
}

static void test_window_state_saved(void)
{
  g_autoptr(GSettings) settings = g_settings_new(APP_ID_BASE);
  QzWindow *window;
  int width, height;

  g_settings_set_int(settings, "window-width", 900);
  g_settings_set_int(settings, "window-height", 600);
  window = qz_window_new(app);
  g_object_ref(window);
  gtk_window_get_default_size(GTK_WINDOW(window), &width, &height);
  g_assert_cmpint(width, ==, 900);
  g_assert_cmpint(height, ==, 600);

  gtk_window_present(GTK_WINDOW(window));
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  gtk_window_set_default_size(GTK_WINDOW(window), 1000, 700);
  /* close-request is only sent to a realized window. */
  gtk_window_close(GTK_WINDOW(window));
  g_assert_cmpint(g_settings_get_int(settings, "window-width"), ==, 1000);
  g_assert_cmpint(g_settings_get_int(settings, "window-height"), ==, 700);
  g_assert_false(g_settings_get_boolean(settings, "window-maximized"));

  g_assert_finalize_object(window);
}

static void test_window_accels(void)
{
  static const struct {
    const char *accel;
    const char *action;
  } expected[] = {
    { "<Alt>Right", "win.go-next" },
    { "<Control>Page_Down", "win.go-next" },
    { "<Alt>Left", "win.go-back" },
    { "<Control>Page_Up", "win.go-back" },
    { "<Control>o", "win.open-model" },
    { "<Control>q", "app.quit" },
    { "F1", "win.help" },
    { "<Control>n", "win.new-project" },
    { "<Alt>3", "win.go-step(2)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_auto(GStrv) actions =
        gtk_application_get_actions_for_accel(GTK_APPLICATION(app), expected[i].accel);
    g_assert_nonnull(actions);
    g_assert_cmpstr(actions[0], ==, expected[i].action);
  }
}

int main(int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  qz_test_init(&argc, &argv);

  app = qz_application_new(APP_ID ".Test", G_APPLICATION_NON_UNIQUE);
  g_application_register(G_APPLICATION(app), NULL, &error);
  g_assert_no_error(error);

  g_test_add_func("/app/window/steps", test_window_steps);
  g_test_add_func("/app/window/open-model", test_window_open_model);
  g_test_add_func("/app/window/cancel", test_window_cancel);
  g_test_add_func("/app/window/state-saved", test_window_state_saved);
  g_test_add_func("/app/window/accels", test_window_accels);

  ret = g_test_run();
  qz_test_flush();
  g_object_unref(app);
  return ret;
}
