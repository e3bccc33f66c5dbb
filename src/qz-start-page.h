/* qz-start-page.h - the Start page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_START_PAGE (qz_start_page_get_type())
G_DECLARE_FINAL_TYPE(QzStartPage, qz_start_page, QZ, START_PAGE, AdwBin)

GtkWidget *qz_start_page_new(void);
QzProject *qz_start_page_get_project(QzStartPage *self);
void qz_start_page_set_project(QzStartPage *self, QzProject *project);

G_END_DECLS
