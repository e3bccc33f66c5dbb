/* qz-preprocess-page.h - the Preprocess page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_PREPROCESS_PAGE (qz_preprocess_page_get_type())
G_DECLARE_FINAL_TYPE(QzPreprocessPage, qz_preprocess_page, QZ, PREPROCESS_PAGE, AdwBin)

GtkWidget *qz_preprocess_page_new(void);
QzProject *qz_preprocess_page_get_project(QzPreprocessPage *self);
void qz_preprocess_page_set_project(QzPreprocessPage *self, QzProject *project);
/* Whether the preview is being prepared, or will be in a moment. */
gboolean qz_preprocess_page_get_busy(QzPreprocessPage *self);
/* The sentence under the preview (values the model gets). */
const char *qz_preprocess_page_get_values_text(QzPreprocessPage *self);

G_END_DECLS
