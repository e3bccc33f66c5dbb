/* qz-utils.c - small helpers shared by the app's pages.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-utils.h"

static GFile *existing_dir(const char *path)
{
  if (path == NULL || *path == '\0')
    return NULL;
  if (!g_file_test(path, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_file_new_for_path(path);
}

GFile *qz_find_example_dir(void)
{
  g_autofree char *installed = g_build_filename(PKGDATADIR, "example", NULL);
  g_autofree char *source = NULL;
  const char *root = g_getenv("QZ_SOURCE_ROOT");
  GFile *dir;

  if ((dir = existing_dir(g_getenv("QZ_EXAMPLE_DIR"))) != NULL)
    return dir;
  if ((dir = existing_dir(installed)) != NULL)
    return dir;
  if (root != NULL)
    source = g_build_filename(root, "data", "example", NULL);
  return existing_dir(source);
}

char *qz_find_boards_dir(void)
{
  g_autofree char *installed = g_build_filename(PKGDATADIR, "boards", NULL);
  const char *env = g_getenv("QZ_BOARDS_DIR");
  const char *root = g_getenv("QZ_SOURCE_ROOT");

  if (env != NULL && g_file_test(env, G_FILE_TEST_IS_DIR))
    return g_strdup(env);
  if (g_file_test(installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&installed);
  if (root != NULL) {
    g_autofree char *source = g_build_filename(root, "targets", NULL);

    if (g_file_test(source, G_FILE_TEST_IS_DIR))
      return g_steal_pointer(&source);
  }
  return NULL;
}

char *qz_format_remaining(double seconds)
{
  if (seconds < 0)
    return NULL;
  if (seconds < 50)
    return g_strdup(_("Less than a minute left"));
  if (seconds < 60 * 60) {
    int minutes = (int)(seconds / 60.0 + 0.5);

    return g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "About %d minute left", "About %d minutes left", minutes),
        minutes);
  }
  {
    int hours = (int)(seconds / 3600.0 + 0.5);

    return g_strdup_printf(
        g_dngettext(GETTEXT_PACKAGE, "About %d hour left", "About %d hours left", hours), hours);
  }
}

char *qz_help_uri(const char *page_id)
{
  const char *dir = g_getenv("QZ_HELP_DIR");

  if (dir != NULL && *dir != '\0') {
    if (page_id != NULL)
      return g_strdup_printf("ghelp:%s?%s", dir, page_id);
    return g_strdup_printf("ghelp:%s", dir);
  }
  if (page_id != NULL)
    return g_strdup_printf("help:%s/%s", APP_ID_BASE, page_id);
  return g_strdup_printf("help:%s", APP_ID_BASE);
}

const char *qz_locale_dir(void)
{
  const char *dir = g_getenv("QZ_LOCALEDIR");

  if (dir != NULL && *dir != '\0')
    return dir;
  return LOCALEDIR;
}

char *qz_format_bytes(guint64 bytes)
{
  return g_format_size(bytes);
}

char *qz_format_count(gint64 count)
{
  if (count >= 1000000000)
    /* Translators: a large count, e.g. "1.2 billion" */
    return g_strdup_printf(_("%.1f billion"), count / 1e9);
  if (count >= 1000000)
    /* Translators: a large count, e.g. "3.4 million" */
    return g_strdup_printf(_("%.1f million"), count / 1e6);
  return g_strdup_printf("%'" G_GINT64_FORMAT, count);
}

static char *strip_mnemonic(const char *label)
{
  GString *s = g_string_new(NULL);

  for (const char *p = label; *p != '\0'; p++) {
    if (*p == '_' && p[1] == '_')
      g_string_append_c(s, *++p);
    else if (*p != '_')
      g_string_append_c(s, *p);
  }
  return g_string_free(s, FALSE);
}

void qz_fix_button_names(gpointer root)
{
  g_return_if_fail(GTK_IS_WIDGET(root));

  if (GTK_IS_BUTTON(root) && gtk_button_get_use_underline(GTK_BUTTON(root)) &&
      gtk_button_get_label(GTK_BUTTON(root)) != NULL) {
    g_autofree char *name = strip_mnemonic(gtk_button_get_label(GTK_BUTTON(root)));
    const char *tooltip = gtk_widget_get_tooltip_text(GTK_WIDGET(root));

    gtk_accessible_reset_relation(GTK_ACCESSIBLE(root), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
    gtk_accessible_update_property(GTK_ACCESSIBLE(root), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
    if (tooltip != NULL)
      gtk_accessible_update_property(GTK_ACCESSIBLE(root), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                     tooltip, -1);
  }
  for (GtkWidget *child = gtk_widget_get_first_child(root); child != NULL;
       child = gtk_widget_get_next_sibling(child))
    qz_fix_button_names(child);
}
