/* test-translation.c - with LANGUAGE=de the running window speaks German.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run with LANGUAGE=de and LC_ALL=C.UTF-8 (tests/app/meson.build); the
 * translations come from the build tree ($QZ_LOCALEDIR).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-test.h"
#include "qz-window.h"

static gboolean label_is(GtkWidget *w, gpointer data)
{
  return g_strcmp0(gtk_label_get_label(GTK_LABEL(w)), data) == 0;
}

static void test_translation_german(void)
{
  QzApplication *app = qz_application_new(APP_ID ".Test", G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  QzWindow *window;

  g_assert_cmpstr(g_getenv("LANGUAGE"), ==, "de");
  g_application_register(G_APPLICATION(app), NULL, &error);
  g_assert_no_error(error);

  window = qz_window_new(app);
  g_object_ref(window);
  gtk_window_present(GTK_WINDOW(window));
  qz_test_wait_frames(GTK_WIDGET(window), 1);

  /* Strings from a template (ui/), from C code, and from the step table. */
  g_assert_nonnull(qz_test_find(GTK_WIDGET(window), GTK_TYPE_LABEL, label_is,
                                (gpointer) "Willkommen bei Quantizer"));
  gtk_widget_activate_action(GTK_WIDGET(window), "win.new-project", NULL);
  qz_test_wait_frames(GTK_WIDGET(window), 1);
  g_assert_nonnull(qz_test_find_button(GTK_WIDGET(window), "_Weiter"));
  g_assert_nonnull(qz_test_find_button(GTK_WIDGET(window), "_Zurück"));
  g_assert_cmpstr(gtk_window_get_title(GTK_WINDOW(window)), ==, "Neues Projekt — Quantizer");
  g_assert_nonnull(
      qz_test_find(GTK_WIDGET(window), GTK_TYPE_LABEL, label_is, (gpointer) "Schritt 1 von 8"));
  g_assert_nonnull(
      qz_test_find(GTK_WIDGET(window), GTK_TYPE_LABEL, label_is, (gpointer) "Vorverarbeitung"));
  g_free(qz_test_screenshot(GTK_WIDGET(window), "de-01-model.png"));

  gtk_window_destroy(GTK_WINDOW(window));
  g_assert_finalize_object(window);
  qz_test_flush();
  g_object_unref(app);
}

int main(int argc, char *argv[])
{
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/translation/german", test_translation_german);

  return g_test_run();
}
