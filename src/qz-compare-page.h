/* qz-compare-page.h - the Compare page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-plots.h"
#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_COMPARE_PAGE (qz_compare_page_get_type())
G_DECLARE_FINAL_TYPE(QzComparePage, qz_compare_page, QZ, COMPARE_PAGE, AdwBin)

GtkWidget *qz_compare_page_new(void);
QzProject *qz_compare_page_get_project(QzComparePage *self);
void qz_compare_page_set_project(QzComparePage *self, QzProject *project);
/* The run shown, or NULL. */
QzRunResult *qz_compare_page_get_result(QzComparePage *self);
/* Write every chart into @folder in @format; returns how many were
 * written (all of them unless @error is set). */
guint qz_compare_page_export(QzComparePage *self, const char *folder, QzPlotFormat format,
                             GError **error);

G_END_DECLS
