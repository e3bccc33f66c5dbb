/* qz-deploy-page.h - the Deploy page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_DEPLOY_PAGE (qz_deploy_page_get_type())
G_DECLARE_FINAL_TYPE(QzDeployPage, qz_deploy_page, QZ, DEPLOY_PAGE, AdwBin)

GtkWidget *qz_deploy_page_new(void);
QzProject *qz_deploy_page_get_project(QzDeployPage *self);
void qz_deploy_page_set_project(QzDeployPage *self, QzProject *project);

G_END_DECLS
