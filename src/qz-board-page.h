/* qz-board-page.h - the Board page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

#define QZ_TYPE_BOARD_PAGE (qz_board_page_get_type())
G_DECLARE_FINAL_TYPE(QzBoardPage, qz_board_page, QZ, BOARD_PAGE, AdwBin)

GtkWidget *qz_board_page_new(void);
QzProject *qz_board_page_get_project(QzBoardPage *self);
void qz_board_page_set_project(QzBoardPage *self, QzProject *project);
/* Read the board descriptions and look for boards plugged in, again. */
void qz_board_page_refresh(QzBoardPage *self);
/* Whether the boards are being read. */
gboolean qz_board_page_get_busy(QzBoardPage *self);

G_END_DECLS
