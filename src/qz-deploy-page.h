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
/* Look again for the chosen board (plugged in, or emulated). */
void qz_deploy_page_refresh(QzDeployPage *self);
/* Check with made-up inputs even when the project has test examples. */
void qz_deploy_page_set_made_up_inputs(QzDeployPage *self, gboolean made_up);
/* What Deploy does: `qz deploy` on the last run's model and the board. */
void qz_deploy_page_deploy(QzDeployPage *self);
/* Whether a deployment or the search for boards is under way. */
gboolean qz_deploy_page_get_busy(QzDeployPage *self);
/* Whether Deploy can be pressed (model, board and connection known). */
gboolean qz_deploy_page_get_ready(QzDeployPage *self);
/* 0 before a deployment, 1 when the board answered as this computer,
 * -1 when it did not or the deployment failed. */
int qz_deploy_page_get_outcome(QzDeployPage *self);
/* The outcome in one sentence, NULL before one. */
const char *qz_deploy_page_get_verdict(QzDeployPage *self);

G_END_DECLS
