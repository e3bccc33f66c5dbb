/* qz-test.h - helpers for the app's GTK tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"
#include "qz-run-result.h"

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

/* @rel below the bundled example project (data/example in the sources). */
char *qz_test_example_path(const char *rel);
/* The bundled example project, loaded from its YAML (asserts it loads). */
QzProject *qz_test_example_project(void);

/* Matches for qz_test_find(): an AdwPreferencesRow titled @data, a
 * GtkButton labelled @data (with its mnemonic underscore). */
gboolean qz_test_row_titled(GtkWidget *w, gpointer data);
gboolean qz_test_button_labelled(GtkWidget *w, gpointer data);

/* Main loop stalls: the longest gap between two runs of a 5 ms timer, and
 * how much of it the main thread spent working (its CPU time). On a
 * machine shared with other busy processes the gap also holds time the
 * thread waited for a CPU; the work is what the app controls. */
typedef struct {
  gint64 last_wall;
  gint64 last_cpu;
  gint64 longest_wall;
  gint64 longest_busy;
  guint source;
} QzStall;

/* Start measuring stalls into @stall (zeroed by the caller). */
void qz_test_stall_start(QzStall *stall);
/* Stop measuring and print the longest stall as a test message. */
void qz_test_stall_stop(QzStall *stall);

/* `qz run` on the example project, in its folder, writing into @out: the
 * numbers the Compare page shows, as qz wrote them in report.json (keys as
 * tests/app/report-numbers.py prints them). */
GHashTable *qz_test_qz_run_numbers(const char *out);
/* The number under @key in @numbers (asserts it is there). */
double qz_test_number(GHashTable *numbers, const char *key);
/* Assert that @result (a finished run of the example project in the app)
 * holds the numbers `qz run` reports for the same configuration. */
void qz_test_assert_matches_qz(const QzRunResult *result);

G_END_DECLS
