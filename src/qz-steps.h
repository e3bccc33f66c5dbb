/* qz-steps.h - the wizard's steps, in order.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  QZ_STEP_MODEL,
  QZ_STEP_DATA,
  QZ_STEP_PREPROCESSING,
  QZ_STEP_QUANTIZER,
  QZ_STEP_BOARD,
  QZ_STEP_RUN,
  QZ_STEP_COMPARE,
  QZ_STEP_DEPLOY,
  QZ_N_STEPS
} QzStep;

typedef struct {
  const char *id;        /* stack page name and help page id */
  const char *title;     /* untranslated; use qz_step_get_title() */
  const char *subtitle;  /* untranslated one-line description */
  const char *icon_name; /* symbolic icon */
  GType (*get_type)(void);
} QzStepInfo;

const QzStepInfo *qz_step_get_info(QzStep step);
/* Translated title and subtitle. */
const char *qz_step_get_title(QzStep step);
const char *qz_step_get_subtitle(QzStep step);
/* The step whose id is @id, or -1. */
int qz_step_from_id(const char *id);

/* The History view is not a step but shares the page machinery. */
#define QZ_HISTORY_ID "history"

G_END_DECLS
