/* test-accessible.c - on every page of the real window, every page and
 * every button has a name that assistive technologies can say.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 names a button after its label, but says the mnemonic underscore
 * too ("_Next Next") and names icon-only buttons after their class, so
 * such buttons need an explicit accessible label.
 */
#include "config.h"

#include "qz-steps.h"
#include "qz-test.h"
#include "qz-window.h"

static QzApplication *app;

static gboolean button_is_named(GtkWidget *button)
{
  const char *label;

  /* A mnemonic label is said without its underscore, once. */
  if (GTK_IS_BUTTON(button) && gtk_button_get_use_underline(GTK_BUTTON(button)) &&
      gtk_button_get_label(GTK_BUTTON(button)) != NULL) {
    g_autofree char *expected = g_strdup(gtk_button_get_label(GTK_BUTTON(button)));
    g_autofree char *problem = NULL;

    g_strdelimit(expected, "_", '\x01');
    {
      /* remove the mnemonic marker */
      GString *s = g_string_new(NULL);
      for (const char *p = expected; *p; p++)
        if (*p != '\x01')
          g_string_append_c(s, *p);
      g_free(expected);
      expected = g_string_free(s, FALSE);
    }
    problem = gtk_test_accessible_check_property(GTK_ACCESSIBLE(button),
                                                 GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
    if (problem != NULL) {
      g_test_message("mnemonic button “%s”: %s", gtk_button_get_label(GTK_BUTTON(button)), problem);
      return FALSE;
    }
    return !gtk_test_accessible_has_relation(GTK_ACCESSIBLE(button),
                                             GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  }

  if (gtk_test_accessible_has_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      gtk_test_accessible_has_relation(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  /* The inner toggle of a GtkMenuButton is named by the menu button. */
  if (GTK_IS_MENU_BUTTON(gtk_widget_get_parent(button)))
    return button_is_named(gtk_widget_get_parent(button));
  if (GTK_IS_MENU_BUTTON(button))
    return FALSE;
  label = gtk_button_get_label(GTK_BUTTON(button));
  return label != NULL && *label != '\0' && !gtk_button_get_use_underline(GTK_BUTTON(button));
}

static void check_buttons(GtkWidget *root, const char *page, guint *checked)
{
  for (GtkWidget *child = gtk_widget_get_first_child(root); child != NULL;
       child = gtk_widget_get_next_sibling(child)) {
    if (!gtk_widget_get_mapped(child))
      continue;
    if (GTK_IS_BUTTON(child) || GTK_IS_MENU_BUTTON(child)) {
      if (!button_is_named(child))
        g_error("page %s: a %s (label “%s”, tooltip “%s”) has no accessible name", page,
                G_OBJECT_TYPE_NAME(child),
                GTK_IS_BUTTON(child) ? gtk_button_get_label(GTK_BUTTON(child)) : "",
                gtk_widget_get_tooltip_text(child));
      (*checked)++;
    }
    check_buttons(child, page, checked);
  }
}

static void check_page(QzWindow *window, const char *id)
{
  GtkWidget *page;
  guint checked = 0;

  qz_window_show_page(window, id);
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  page = qz_window_get_page(window, id);
  g_assert_true(gtk_widget_get_mapped(page));
  g_assert_true(
      gtk_test_accessible_has_property(GTK_ACCESSIBLE(page), GTK_ACCESSIBLE_PROPERTY_LABEL));
  check_buttons(GTK_WIDGET(window), id, &checked);
  g_assert_cmpuint(checked, >, 0);
  g_test_message("%s: %u buttons named", id, checked);
}

static void test_accessible_names(void)
{
  QzWindow *window = qz_window_new(app);

  g_object_ref(window);
  gtk_window_present(GTK_WINDOW(window));

  check_page(window, "start");
  for (guint i = 0; i < QZ_N_STEPS; i++)
    check_page(window, qz_step_get_info(i)->id);
  check_page(window, "history");

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

  g_test_add_func("/app/accessible/names", test_accessible_names);

  ret = g_test_run();
  qz_test_flush();
  g_object_unref(app);
  return ret;
}
