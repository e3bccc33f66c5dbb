/* qz-steps.c - the wizard's steps, in order.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "qz-board-page.h"
#include "qz-compare-page.h"
#include "qz-data-page.h"
#include "qz-deploy-page.h"
#include "qz-model-page.h"
#include "qz-preprocess-page.h"
#include "qz-quantizer-page.h"
#include "qz-run-page.h"
#include "qz-steps.h"

static const QzStepInfo steps[] = {
  [QZ_STEP_MODEL] = { "model", NC_("step", "Model"), NC_("step", "Choose the trained network"),
                      "qz-model-symbolic", qz_model_page_get_type },
  [QZ_STEP_DATA] = { "data", NC_("step", "Data"), NC_("step", "Examples to tune and test with"),
                     "qz-data-symbolic", qz_data_page_get_type },
  [QZ_STEP_PREPROCESSING] = { "preprocessing", NC_("step", "Preprocessing"),
                              NC_("step", "Prepare examples as the model expects"),
                              "qz-prepare-symbolic", qz_preprocess_page_get_type },
  [QZ_STEP_QUANTIZER] = { "quantizer", NC_("step", "Quantizer"),
                          NC_("step", "How numbers are made smaller"), "qz-quantize-symbolic",
                          qz_quantizer_page_get_type },
  [QZ_STEP_BOARD] = { "board", NC_("step", "Board"), NC_("step", "The chip it will run on"),
                      "qz-chip-symbolic", qz_board_page_get_type },
  [QZ_STEP_RUN] = { "run", NC_("step", "Run"), NC_("step", "Quantize and measure"),
                    "qz-run-symbolic", qz_run_page_get_type },
  [QZ_STEP_COMPARE] = { "compare", NC_("step", "Compare"),
                        NC_("step", "Before and after, side by side"), "qz-compare-symbolic",
                        qz_compare_page_get_type },
  [QZ_STEP_DEPLOY] = { "deploy", NC_("step", "Deploy"), NC_("step", "Put it on the board"),
                       "qz-deploy-symbolic", qz_deploy_page_get_type },
};

G_STATIC_ASSERT(G_N_ELEMENTS(steps) == QZ_N_STEPS);

const QzStepInfo *qz_step_get_info(QzStep step)
{
  g_return_val_if_fail(step < QZ_N_STEPS, NULL);
  return &steps[step];
}

const char *qz_step_get_title(QzStep step)
{
  g_return_val_if_fail(step < QZ_N_STEPS, NULL);
  return g_dpgettext2(GETTEXT_PACKAGE, "step", steps[step].title);
}

const char *qz_step_get_subtitle(QzStep step)
{
  g_return_val_if_fail(step < QZ_N_STEPS, NULL);
  return g_dpgettext2(GETTEXT_PACKAGE, "step", steps[step].subtitle);
}

int qz_step_from_id(const char *id)
{
  if (id == NULL)
    return -1;
  for (guint i = 0; i < QZ_N_STEPS; i++)
    if (strcmp(steps[i].id, id) == 0)
      return (int)i;
  return -1;
}
