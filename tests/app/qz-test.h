/* qz-test.h - helpers for the app's GTK tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* g_test_init() + gtk + libadwaita + the app's resources and translations.
 * Exits with 77 (skipped) when there is no display. */
void qz_test_init(int *argc, char ***argv);

/* Run the main loop until @cond(@data) holds or @timeout_ms passed;
 * returns whether it held. */
gboolean qz_test_wait_until(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms);
/* Run the main loop until @widget's frame clock painted @frames frames. */
void qz_test_wait_frames(GtkWidget *widget, guint frames);
/* Run pending main loop work without blocking. */
void qz_test_flush(void);

/* Activate @widget as Enter or a click does and wait for the result: a
 * GtkButton shows its pressed state for a moment before it emits
 * "clicked". */
void qz_test_activate(GtkWidget *widget);

/* Render @widget (its current size) into a PNG at @name under
 * $QZ_SCREENSHOT_DIR (or the current directory); returns the path. */
char *qz_test_screenshot(GtkWidget *widget, const char *name);

/* The first descendant of @root (depth first) of @type that @match accepts
 * (NULL: any); NULL when none. */
GtkWidget *qz_test_find(GtkWidget *root, GType type, gboolean (*match)(GtkWidget *w, gpointer data),
                        gpointer data);
/* The first visible, mapped GtkButton below @root whose label is @label. */
GtkWidget *qz_test_find_button(GtkWidget *root, const char *label);

G_END_DECLS
