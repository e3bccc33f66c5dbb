/* qz-data-page.h - the Data page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_DATA_PAGE (qz_data_page_get_type())
G_DECLARE_FINAL_TYPE(QzDataPage, qz_data_page, QZ, DATA_PAGE, AdwBin)

GtkWidget *qz_data_page_new(void);
QzProject *qz_data_page_get_project(QzDataPage *self);
void qz_data_page_set_project(QzDataPage *self, QzProject *project);
/* Use @file (a folder or a file) as the examples, or as the examples to
 * test with: what choosing it in the file chooser does. */
void qz_data_page_choose(QzDataPage *self, GFile *file, gboolean for_testing);
/* Whether the examples are being read, or will be in a moment. */
gboolean qz_data_page_get_busy(QzDataPage *self);

G_END_DECLS
