/* qz-project.h - the project: one run configuration, kept as the YAML
 * document the `qz` tool runs, plus what the pages learned about it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "qe/qe_config.h"
#include "qe/qe_yaml.h"
#include "qz-data-summary.h"
#include "qz-model-info.h"
#include "qz-run-result.h"

G_BEGIN_DECLS

#define QZ_TYPE_PROJECT (qz_project_get_type())
G_DECLARE_FINAL_TYPE(QzProject, qz_project, QZ, PROJECT, GObject)

/* A new project: a model-zoo style configuration with Quantizer's defaults
 * (evaluate, quantize to int8 with per-channel weights, evaluate). */
QzProject *qz_project_new(void);
/* A project read from a model-zoo / Tensorlab / Quantizer YAML file. A file
 * that is not YAML is an error naming file:line:column. The settings are
 * then checked as `qz run` checks them; what is wrong or missing is kept
 * (qz_project_get_problem()) for the pages to show and fix. Paths are made
 * absolute, so the project can be saved anywhere. */
QzProject *qz_project_new_from_file(GFile *file, GError **error);

/* A project from YAML text (a configuration stored in the history, with
 * absolute paths); @name names it in messages. Not saved yet. */
QzProject *qz_project_new_from_yaml(const char *text, const char *name, GError **error);

/* Write the configuration to @file (atomically) and remember it. */
gboolean qz_project_save(QzProject *self, GFile *file, GError **error);
/* The YAML file the project was read from or saved to, or NULL. */
GFile *qz_project_get_file(QzProject *self);
/* Whether there are changes since it was read or saved. */
gboolean qz_project_get_modified(QzProject *self);
/* The first problem the settings had when the file was read (the engine's
 * message, with file:line:column), or NULL. */
const char *qz_project_get_problem(QzProject *self);
/* Warnings found when the file was read (unknown keys, ...). */
const char *const *qz_project_get_warnings(QzProject *self);

/* A short name: general.project_name, else the model's file name without
 * extension, else "New Project". */
const char *qz_project_get_title(QzProject *self);

/* ---- the configuration ---------------------------------------------------
 * Keys are dotted model-zoo paths ("dataset.quantization_path"). Setting a
 * key emits "changed" with the key's first part as detail
 * ("changed::dataset"). */
const qe_yaml_doc *qz_project_get_doc(QzProject *self);
/* The text of a scalar key, NULL when absent or null. */
const char *qz_project_get_string(QzProject *self, const char *key);
gboolean qz_project_get_boolean(QzProject *self, const char *key, gboolean fallback);
double qz_project_get_double(QzProject *self, const char *key, double fallback);
/* @value NULL writes a YAML null. */
void qz_project_set_string(QzProject *self, const char *key, const char *value);
void qz_project_set_boolean(QzProject *self, const char *key, gboolean value);
void qz_project_set_double(QzProject *self, const char *key, double value);
void qz_project_set_int(QzProject *self, const char *key, gint64 value);
/* A key's value as a file (absolute paths in the document), or NULL. */
GFile *qz_project_get_path(QzProject *self, const char *key);
void qz_project_set_path(QzProject *self, const char *key, GFile *file);

/* The checked configuration (the same check `qz run` does), or NULL with
 * @error naming the key at fault. @check_files also checks that the model
 * and data paths exist. Thread-safe: works on a copy of the document. */
qe_config *qz_project_load_config(QzProject *self, gboolean check_files, GError **error);
/* A copy of the document for a worker thread (qe_yaml_doc_free()). */
qe_yaml_doc *qz_project_dup_doc(QzProject *self);

/* ---- convenience for the model --------------------------------------- */
GFile *qz_project_get_model_file(QzProject *self);
void qz_project_set_model_file(QzProject *self, GFile *file);

/* The summary read from the model file, once the Model page read it; and
 * the reason it could not be read, if so. */
QzModelInfo *qz_project_get_model_info(QzProject *self);
void qz_project_set_model_info(QzProject *self, QzModelInfo *info);
const char *qz_project_get_model_error(QzProject *self);
void qz_project_set_model_error(QzProject *self, const char *error);

/* What the Data page found in the examples the configuration names, and
 * the reason they cannot be used, if so. */
QzDataSummary *qz_project_get_data_summary(QzProject *self);
void qz_project_set_data_summary(QzProject *self, QzDataSummary *summary);
const char *qz_project_get_data_error(QzProject *self);
void qz_project_set_data_error(QzProject *self, const char *error);

/* The result of the last run of this project (Run page), or NULL. */
QzRunResult *qz_project_get_run_result(QzProject *self);
void qz_project_set_run_result(QzProject *self, QzRunResult *result);

/* The folder of the bundled example project when this project is it. */
GFile *qz_project_get_example_dir(QzProject *self);
void qz_project_set_example_dir(QzProject *self, GFile *dir);
gboolean qz_project_get_is_example(QzProject *self);

G_END_DECLS
