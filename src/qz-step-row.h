/* qz-step-row.h - one step in the wizard's sidebar: number, title, state.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  QZ_STEP_STATE_TODO,        /* not done yet: shows the number */
  QZ_STEP_STATE_DONE,        /* done: shows a check mark */
  QZ_STEP_STATE_ATTENTION,   /* something needs fixing: shows a warning */
  QZ_STEP_STATE_UNAVAILABLE, /* not available in this version: dimmed */
} QzStepState;

#define QZ_TYPE_STEP_STATE (qz_step_state_get_type())
GType qz_step_state_get_type(void);

#define QZ_TYPE_STEP_ROW (qz_step_row_get_type())
G_DECLARE_FINAL_TYPE(QzStepRow, qz_step_row, QZ, STEP_ROW, GtkListBoxRow)

/* @number 0 shows @icon_name instead of a number (the History row). */
GtkWidget *qz_step_row_new(const char *id, guint number, const char *title, const char *subtitle,
                           const char *icon_name);

const char *qz_step_row_get_id(QzStepRow *self);
guint qz_step_row_get_number(QzStepRow *self);
const char *qz_step_row_get_title(QzStepRow *self);
QzStepState qz_step_row_get_state(QzStepRow *self);
void qz_step_row_set_state(QzStepRow *self, QzStepState state);
/* The row of the step shown now: highlighted (assistive technologies hear
 * the step from the page's title instead). */
gboolean qz_step_row_get_current(QzStepRow *self);
void qz_step_row_set_current(QzStepRow *self, gboolean current);

G_END_DECLS
