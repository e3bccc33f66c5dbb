/* qz-window.h - the main window: start page, wizard steps and history.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-application.h"
#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_WINDOW (qz_window_get_type())
G_DECLARE_FINAL_TYPE(QzWindow, qz_window, QZ, WINDOW, AdwApplicationWindow)

QzWindow *qz_window_new(QzApplication *application);

QzProject *qz_window_get_project(QzWindow *self);

/* Start a project from @file (an ONNX or TFLite model) and show its step. */
void qz_window_open_model(QzWindow *self, GFile *file);
/* Show @project in the wizard, at its first step. */
void qz_window_open_project(QzWindow *self, QzProject *project);
/* Open a project from a YAML run configuration; a toast gives the reason
 * when it cannot be read. */
gboolean qz_window_open_config(QzWindow *self, GFile *file);
/* Save the project as YAML into @file; a toast gives the reason of a
 * failure. */
gboolean qz_window_save_project(QzWindow *self, GFile *file);
/* Open the bundled example project; a toast explains when it is missing. */
void qz_window_open_example(QzWindow *self);

/* "start", a step id ("model" ... "deploy") or "history". */
const char *qz_window_get_page_id(QzWindow *self);
void qz_window_show_page(QzWindow *self, const char *page_id);
/* The page widget shown for @page_id, or NULL. */
GtkWidget *qz_window_get_page(QzWindow *self, const char *page_id);

/* A cancellable for one piece of work started from this window (a new one
 * each call, owned by the window: ref it to keep it). The page may cancel
 * it to stop its own work; win.cancel, a new project and closing the
 * window cancel all of them. */
GCancellable *qz_window_get_cancellable(QzWindow *self);

/* A short message at the bottom of the window. */
void qz_window_add_toast(QzWindow *self, const char *message);

G_END_DECLS
