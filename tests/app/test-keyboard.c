/* test-keyboard.c - every step reached with the keyboard alone.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4 offers no way to inject key events, so this test does what the
 * keys are bound to: Tab is gtk_widget_child_focus(window, TAB_FORWARD)
 * (with the wrap-around GtkWindow does), Enter and Space activate the
 * focused widget, the arrow keys in the step list emit "move-cursor", and a
 * shortcut runs the action GtkApplication maps it to. The AT-SPI test
 * (test-atspi.py) presses real keys through the X server.
 */
#include "config.h"

#include "qz-step-row.h"
#include "qz-steps.h"
#include "qz-test.h"
#include "qz-window.h"

static QzApplication *app;

/* Press Tab once; returns the newly focused widget. */
static GtkWidget *press_tab(QzWindow *window)
{
  if (!gtk_widget_child_focus(GTK_WIDGET(window), GTK_DIR_TAB_FORWARD)) {
    gtk_window_set_focus(GTK_WINDOW(window), NULL);
    gtk_widget_child_focus(GTK_WIDGET(window), GTK_DIR_TAB_FORWARD);
  }
  return gtk_root_get_focus(GTK_ROOT(window));
}

/* Press Tab until @match accepts the focus widget or its ancestor; the
 * widget that matched, or NULL after going round the whole window. */
static GtkWidget *tab_to(QzWindow *window, gboolean (*match)(GtkWidget *, gpointer), gpointer data)
{
  for (guint i = 0; i < 300; i++) {
    GtkWidget *focus = press_tab(window);

    if (g_test_verbose())
      g_test_message("page %s, focus: %s %s", qz_window_get_page_id(window),
                     focus ? G_OBJECT_TYPE_NAME(focus) : "none",
                     focus && GTK_IS_BUTTON(focus) ? gtk_button_get_label(GTK_BUTTON(focus)) : "");
    for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent(w))
      if (match(w, data))
        return w;
  }
  return NULL;
}

static gboolean is_button_labelled(GtkWidget *w, gpointer label)
{
  return GTK_IS_BUTTON(w) && g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), label) == 0;
}

static gboolean is_step_list(GtkWidget *w, gpointer data)
{
  return GTK_IS_LIST_BOX(w);
}

static void press_shortcut(QzWindow *window, const char *accel)
{
  g_auto(GStrv) actions = gtk_application_get_actions_for_accel(GTK_APPLICATION(app), accel);
  g_autofree char *name = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull(actions);
  g_assert_nonnull(actions[0]);
  g_action_parse_detailed_name(actions[0], &name, &target, &error);
  g_assert_no_error(error);
  g_assert_true(gtk_widget_activate_action_variant(GTK_WIDGET(window), name, target));
}

static void test_keyboard_steps(void)
{
  QzWindow *window = qz_window_new(app);
  GtkWidget *widget;

  g_object_ref(window);
  gtk_window_present(GTK_WINDOW(window));
  qz_test_wait_frames(GTK_WIDGET(window), 1);

  /* On the start page the wizard's buttons are out of the Tab chain. */
  g_assert_null(tab_to(window, is_button_labelled, (gpointer) "_Next"));
  press_shortcut(window, "<Control>n");
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "model");
  qz_test_wait_frames(GTK_WIDGET(window), 1);

  /* Tab to Next and press Enter, step after step. */
  for (guint i = 1; i < QZ_N_STEPS; i++) {
    widget = tab_to(window, is_button_labelled, (gpointer) "_Next");
    g_assert_nonnull(widget);
    g_assert_true(gtk_widget_has_focus(widget));
    qz_test_activate(widget);
    qz_test_flush();
    g_assert_cmpstr(qz_window_get_page_id(window), ==, qz_step_get_info(i)->id);
  }

  /* Back with the Alt+Left shortcut, forward with Ctrl+Page Down. */
  press_shortcut(window, "<Alt>Left");
  g_assert_cmpstr(qz_window_get_page_id(window), ==, qz_step_get_info(QZ_N_STEPS - 2)->id);
  press_shortcut(window, "<Control>Page_Down");
  g_assert_cmpstr(qz_window_get_page_id(window), ==, qz_step_get_info(QZ_N_STEPS - 1)->id);
  press_shortcut(window, "<Alt>1");
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "model");

  /* In the list of steps, the Down arrow moves the focus without leaving
   * the page; Enter shows the focused step. */
  widget = tab_to(window, is_step_list, NULL);
  g_assert_nonnull(widget);
  for (guint i = 1; i <= QZ_N_STEPS; i++) {
    GtkWidget *focus;

    g_signal_emit_by_name(widget, "move-cursor", GTK_MOVEMENT_DISPLAY_LINES, 1, FALSE, FALSE);
    qz_test_flush();
    g_assert_cmpstr(qz_window_get_page_id(window), ==, "model");
    focus = gtk_root_get_focus(GTK_ROOT(window));
    g_assert_true(QZ_IS_STEP_ROW(focus));
    g_assert_cmpuint(qz_step_row_get_number(QZ_STEP_ROW(focus)), ==, i < QZ_N_STEPS ? i + 1 : 0);
  }
  /* The last row is the History. */
  qz_test_activate(gtk_root_get_focus(GTK_ROOT(window)));
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "history");

  gtk_window_destroy(GTK_WINDOW(window));
  g_assert_finalize_object(window);
}

static gboolean is_row_titled(GtkWidget *w, gpointer data)
{
  return ADW_IS_PREFERENCES_ROW(w) &&
         g_strcmp0(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(w)), data) == 0;
}

static void test_keyboard_start_page(void)
{
  QzWindow *window = qz_window_new(app);
  GtkWidget *row;

  g_object_ref(window);
  gtk_window_present(GTK_WINDOW(window));
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  g_assert_cmpstr(qz_window_get_page_id(window), ==, "start");

  row = tab_to(window, is_row_titled, (gpointer) "_New Project");
  g_assert_nonnull(row);
  g_assert_true(gtk_widget_get_focusable(row));
  row = tab_to(window, is_row_titled, (gpointer) "Open the _Example Project");
  g_assert_nonnull(row);
  /* Enter on it opens the example, or says plainly that it is missing. */
  qz_test_activate(row);
  qz_test_flush();
  if (qz_project_get_is_example(qz_window_get_project(window)))
    g_assert_cmpstr(qz_window_get_page_id(window), ==, "model");
  else
    g_assert_cmpstr(qz_window_get_page_id(window), ==, "start");

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

  g_test_add_func("/app/keyboard/steps", test_keyboard_steps);
  g_test_add_func("/app/keyboard/start-page", test_keyboard_start_page);

  ret = g_test_run();
  qz_test_flush();
  g_object_unref(app);
  return ret;
}
