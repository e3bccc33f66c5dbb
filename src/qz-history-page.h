/* qz-history-page.h - the History page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_HISTORY_PAGE (qz_history_page_get_type())
G_DECLARE_FINAL_TYPE(QzHistoryPage, qz_history_page, QZ, HISTORY_PAGE, AdwBin)

GtkWidget *qz_history_page_new(void);
QzProject *qz_history_page_get_project(QzHistoryPage *self);
void qz_history_page_set_project(QzHistoryPage *self, QzProject *project);
/* Read the history again. */
void qz_history_page_refresh(QzHistoryPage *self);
/* Whether the history is being read. */
gboolean qz_history_page_get_busy(QzHistoryPage *self);
/* How many runs the list shows. */
guint qz_history_page_get_n_runs(QzHistoryPage *self);

G_END_DECLS
