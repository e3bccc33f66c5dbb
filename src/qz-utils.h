/* qz-utils.h - small helpers shared by the app's pages.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The bundled example project's folder: $QZ_EXAMPLE_DIR (set by `meson
 * devenv`), the installed copy, or $QZ_SOURCE_ROOT/data/example (tests).
 * NULL when none exists. */
GFile *qz_find_example_dir(void);

/* The folder of the board descriptions: $QZ_BOARDS_DIR, the installed
 * copy, or $QZ_SOURCE_ROOT/targets. NULL when none exists. */
char *qz_find_boards_dir(void);

/* "about 2 minutes left", "less than a minute left" for @seconds. */
char *qz_format_remaining(double seconds);

/* The URI that opens the help on @page_id (NULL: the index): the installed
 * Mallard pages ("help:APP/PAGE"), or $QZ_HELP_DIR when running from the
 * build tree. */
char *qz_help_uri(const char *page_id);

/* The folder translations are read from: $QZ_LOCALEDIR (build tree) or the
 * installed LOCALEDIR. */
const char *qz_locale_dir(void);

/* "3.2 MB", "12 kB", as the file manager writes sizes. */
char *qz_format_bytes(guint64 bytes);
/* "1.2 million", "12,345" in the user's locale. */
char *qz_format_count(gint64 count);

/* "89.3 %" for 0.893, "–" for NaN (nothing to show). */
char *qz_format_percent(double fraction);

/* Removes every child of @container, a GtkBox, GtkFlowBox or GtkListBox. */
void qz_remove_children(GtkWidget *container);

/* A group of rows titled @title, with @description (may be NULL) below
 * the title, appended to @box. */
GtkWidget *qz_add_group(GtkBox *box, const char *title, const char *description);

/* A row titled @title with @subtitle (may be NULL) added to @group, and
 * at its end, when not NULL, @value: selectable, in numeric digits, the
 * label named after @title. Neither is read as markup. */
GtkWidget *qz_add_value_row(GtkWidget *group, const char *title, const char *subtitle,
                            const char *value);

/* A page's verdict: @icon_name in @icon, with @css_class ("success",
 * "warning" or "accent") its only one of these, @title and @text in the
 * two labels. */
void qz_set_verdict(GtkImage *icon, GtkLabel *title_label, GtkLabel *text_label,
                    const char *icon_name, const char *css_class, const char *title,
                    const char *text);

/* GTK 4.8 names a button with a mnemonic label twice, underscore included
 * ("_Next Next"). Give every such button below @root the plain label as
 * its accessible name (and its tooltip as description). Call after the
 * template is built. */
void qz_fix_button_names(gpointer root);

G_END_DECLS
