/* qz-utils.c - small helpers shared by the app's pages.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

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

char *qz_format_percent(double fraction)
{
  return isnan(fraction) ? g_strdup("–") : g_strdup_printf("%.1f %%", fraction * 100.0);
}

void qz_remove_children(GtkWidget *container)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child(container)) != NULL) {
    if (GTK_IS_FLOW_BOX(container))
      gtk_flow_box_remove(GTK_FLOW_BOX(container), child);
    else if (GTK_IS_LIST_BOX(container))
      gtk_list_box_remove(GTK_LIST_BOX(container), child);
    else
      gtk_box_remove(GTK_BOX(container), child);
  }
}

GtkWidget *qz_add_group(GtkBox *box, const char *title, const char *description)
{
  GtkWidget *group = adw_preferences_group_new();

  adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), title);
  if (description != NULL)
    adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(group), description);
  gtk_box_append(box, group);
  return group;
}

GtkWidget *qz_add_value_row(GtkWidget *group, const char *title, const char *subtitle,
                            const char *value)
{
  GtkWidget *row = adw_action_row_new();

  adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
  if (value != NULL) {
    GtkWidget *label = gtk_label_new(value);

    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    gtk_widget_add_css_class(label, "numeric");
    gtk_widget_set_valign(label, GTK_ALIGN_CENTER);
    gtk_widget_set_name(label, title);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), label);
  }
  adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
  return row;
}

void qz_set_verdict(GtkImage *icon, GtkLabel *title_label, GtkLabel *text_label,
                    const char *icon_name, const char *css_class, const char *title,
                    const char *text)
{
  static const char *const classes[] = { "success", "warning", "accent" };

  gtk_image_set_from_icon_name(icon, icon_name);
  for (guint i = 0; i < G_N_ELEMENTS(classes); i++)
    gtk_widget_remove_css_class(GTK_WIDGET(icon), classes[i]);
  gtk_widget_add_css_class(GTK_WIDGET(icon), css_class);
  gtk_label_set_label(title_label, title);
  gtk_label_set_label(text_label, text);
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
