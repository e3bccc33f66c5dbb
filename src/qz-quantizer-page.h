/* qz-quantizer-page.h - the Quantizer page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_QUANTIZER_PAGE (qz_quantizer_page_get_type())
G_DECLARE_FINAL_TYPE(QzQuantizerPage, qz_quantizer_page, QZ, QUANTIZER_PAGE, AdwBin)

GtkWidget *qz_quantizer_page_new(void);
QzProject *qz_quantizer_page_get_project(QzQuantizerPage *self);
void qz_quantizer_page_set_project(QzQuantizerPage *self, QzProject *project);
/* Why the settings do not work together, as said on the page, or NULL. */
const char *qz_quantizer_page_get_problem(QzQuantizerPage *self);

G_END_DECLS
