/* qz-model-page.h - the Model page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_MODEL_PAGE (qz_model_page_get_type())
G_DECLARE_FINAL_TYPE(QzModelPage, qz_model_page, QZ, MODEL_PAGE, AdwBin)

GtkWidget *qz_model_page_new(void);
QzProject *qz_model_page_get_project(QzModelPage *self);
void qz_model_page_set_project(QzModelPage *self, QzProject *project);
/* Whether the model file is being read now. */
gboolean qz_model_page_get_busy(QzModelPage *self);

G_END_DECLS
