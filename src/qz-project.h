/* qz-project.h - what the person chose so far: model, data, board, settings.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qz-model-info.h"

G_BEGIN_DECLS

#define QZ_TYPE_PROJECT (qz_project_get_type())
G_DECLARE_FINAL_TYPE(QzProject, qz_project, QZ, PROJECT, GObject)

QzProject *qz_project_new(void);

/* A short name for window titles: the model's file name without extension,
 * or "New Project" when no model was chosen yet. */
const char *qz_project_get_title(QzProject *self);

GFile *qz_project_get_model_file(QzProject *self);
void qz_project_set_model_file(QzProject *self, GFile *file);

/* The summary read from the model file, once the Model page read it; and
 * the reason it could not be read, if so. */
QzModelInfo *qz_project_get_model_info(QzProject *self);
void qz_project_set_model_info(QzProject *self, QzModelInfo *info);
const char *qz_project_get_model_error(QzProject *self);
void qz_project_set_model_error(QzProject *self, const char *error);

GFile *qz_project_get_data_file(QzProject *self);
void qz_project_set_data_file(QzProject *self, GFile *file);

/* The folder of the bundled example project when this project is it. */
GFile *qz_project_get_example_dir(QzProject *self);
void qz_project_set_example_dir(QzProject *self, GFile *dir);
gboolean qz_project_get_is_example(QzProject *self);

G_END_DECLS
