/* qz-run-page.h - the Run page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_RUN_PAGE (qz_run_page_get_type())
G_DECLARE_FINAL_TYPE(QzRunPage, qz_run_page, QZ, RUN_PAGE, AdwBin)

GtkWidget *qz_run_page_new(void);
QzProject *qz_run_page_get_project(QzRunPage *self);
void qz_run_page_set_project(QzRunPage *self, QzProject *project);
/* Start a run of the project's configuration (what Start does). */
void qz_run_page_start(QzRunPage *self);
/* Stop the run at the engine's next safe point; it keeps nothing. */
void qz_run_page_cancel(QzRunPage *self);
/* Whether a run is under way. */
gboolean qz_run_page_get_busy(QzRunPage *self);

G_END_DECLS
