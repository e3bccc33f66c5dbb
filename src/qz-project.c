/* qz-project.c - the project: one run configuration, kept as the YAML
 * document the `qz` tool runs, plus what the pages learned about it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every choice a page makes is a key of a model-zoo style configuration
 * ("dataset.quantization_path", "quantization.granularity"), so saving the
 * project writes the very file `qz run` reads, and opening a model-zoo file
 * fills the pages. Paths are kept absolute. The document is only touched
 * on the main thread; workers get a copy (qz_project_dup_doc()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "qz-model-info.h"
#include "qz-project.h"

struct _QzProject {
  GObject parent_instance;

  /* Owned */
  qe_yaml_doc *doc;
  GFile *file;
  GStrv warnings;
  char *problem;
  gboolean modified;
  GFile *model_file; /* cache of model.model_path */
  GFile *example_dir;
  QzModelInfo *model_info;
  char *model_error;
  QzDataSummary *data_summary;
  char *data_error;
  QzRunResult *run_result;
  char *title;
};

G_DEFINE_FINAL_TYPE(QzProject, qz_project, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_FILE,
  PROP_MODIFIED,
  PROP_MODEL_FILE,
  PROP_MODEL_INFO,
  PROP_MODEL_ERROR,
  PROP_DATA_SUMMARY,
  PROP_DATA_ERROR,
  PROP_RUN_RESULT,
  PROP_EXAMPLE_DIR,
  PROP_IS_EXAMPLE,
  N_PROPS
};

enum { CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Keys holding files or folders, made absolute when a file is read. */
static const char *const path_keys[] = {
  "model.model_path",
  "general.model_path",
  "dataset.training_path",
  "dataset.validation_path",
  "dataset.quantization_path",
  "dataset.test_path",
  "dataset.prediction_path",
  "dataset.training_audio_path",
  "dataset.validation_audio_path",
  "dataset.quantization_audio_path",
  "dataset.test_audio_path",
  "dataset.training_csv_path",
  "dataset.validation_csv_path",
  "dataset.quantization_csv_path",
  "dataset.test_csv_path",
};

/* Where runs of projects write their results: the model zoo writes them
 * below the working folder, which for a desktop app is nowhere useful. */
static char *default_output_pattern(void)
{
  g_autofree char *dir = g_build_filename(g_get_user_data_dir(), "quantizer", "experiments", NULL);

  return g_strdup_printf("%s/${now:%%Y_%%m_%%d_%%H_%%M_%%S}", dir);
}

static void qz_project_update_title(QzProject *self)
{
  const char *name = qz_project_get_string(self, "general.project_name");
  g_autofree char *title = NULL;

  if (name != NULL && name[0] != '\0' && !g_str_equal(name, "<unnamed>")) {
    title = g_strdup(name);
  } else if (self->model_file != NULL) {
    g_autofree char *base = g_file_get_basename(self->model_file);
    char *dot = strrchr(base, '.');

    if (dot != NULL && dot != base)
      *dot = '\0';
    title = g_steal_pointer(&base);
  } else {
    title = g_strdup(_("New Project"));
  }

  if (g_strcmp0(title, self->title) != 0) {
    g_free(self->title);
    self->title = g_steal_pointer(&title);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_TITLE]);
  }
}

static void qz_project_update_model_file(QzProject *self)
{
  const char *path = qz_project_get_string(self, "model.model_path");
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    path = qz_project_get_string(self, "general.model_path");
  if (path != NULL && path[0] != '\0')
    file = g_file_new_for_path(path);

  if (file == self->model_file ||
      (file != NULL && self->model_file != NULL && g_file_equal(file, self->model_file)))
    return;
  g_set_object(&self->model_file, file);
  /* What was read from the old file does not hold for the new one. */
  qz_project_set_model_info(self, NULL);
  qz_project_set_model_error(self, NULL);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODEL_FILE]);
}

static void qz_project_set_modified(QzProject *self, gboolean modified)
{
  if (self->modified == modified)
    return;
  self->modified = modified;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODIFIED]);
}

/* After every change of the document. */
static void qz_project_changed(QzProject *self, const char *key)
{
  g_autofree char *section = g_strdup(key);
  char *dot = strchr(section, '.');

  if (dot != NULL)
    *dot = '\0';
  g_object_freeze_notify(G_OBJECT(self));
  qz_project_update_model_file(self);
  qz_project_update_title(self);
  qz_project_set_modified(self, TRUE);
  g_signal_emit(self, signals[CHANGED], g_quark_from_string(section), key);
  g_object_thaw_notify(G_OBJECT(self));
}

static void qz_project_dispose(GObject *object)
{
  QzProject *self = QZ_PROJECT(object);

  g_clear_object(&self->file);
  g_clear_object(&self->model_file);
  g_clear_object(&self->example_dir);

  G_OBJECT_CLASS(qz_project_parent_class)->dispose(object);
}

static void qz_project_finalize(GObject *object)
{
  QzProject *self = QZ_PROJECT(object);

  g_clear_pointer(&self->doc, qe_yaml_doc_free);
  g_clear_pointer(&self->warnings, g_strfreev);
  g_clear_pointer(&self->problem, g_free);
  g_clear_pointer(&self->title, g_free);
  g_clear_pointer(&self->model_info, qz_model_info_unref);
  g_clear_pointer(&self->model_error, g_free);
  g_clear_pointer(&self->data_summary, qz_data_summary_unref);
  g_clear_pointer(&self->data_error, g_free);
  g_clear_pointer(&self->run_result, qz_run_result_unref);

  G_OBJECT_CLASS(qz_project_parent_class)->finalize(object);
}

static void qz_project_get_property(GObject *object, guint prop_id, GValue *value,
                                    GParamSpec *pspec)
{
  QzProject *self = QZ_PROJECT(object);

  switch (prop_id) {
  case PROP_TITLE:
    g_value_set_string(value, qz_project_get_title(self));
    break;
  case PROP_FILE:
    g_value_set_object(value, self->file);
    break;
  case PROP_MODIFIED:
    g_value_set_boolean(value, self->modified);
    break;
  case PROP_MODEL_FILE:
    g_value_set_object(value, self->model_file);
    break;
  case PROP_MODEL_INFO:
    g_value_set_boxed(value, self->model_info);
    break;
  case PROP_MODEL_ERROR:
    g_value_set_string(value, self->model_error);
    break;
  case PROP_DATA_SUMMARY:
    g_value_set_boxed(value, self->data_summary);
    break;
  case PROP_DATA_ERROR:
    g_value_set_string(value, self->data_error);
    break;
  case PROP_RUN_RESULT:
    g_value_set_boxed(value, self->run_result);
    break;
  case PROP_EXAMPLE_DIR:
    g_value_set_object(value, self->example_dir);
    break;
  case PROP_IS_EXAMPLE:
    g_value_set_boolean(value, qz_project_get_is_example(self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_project_set_property(GObject *object, guint prop_id, const GValue *value,
                                    GParamSpec *pspec)
{
  QzProject *self = QZ_PROJECT(object);

  switch (prop_id) {
  case PROP_MODEL_FILE:
    qz_project_set_model_file(self, g_value_get_object(value));
    break;
  case PROP_MODEL_INFO:
    qz_project_set_model_info(self, g_value_get_boxed(value));
    break;
  case PROP_MODEL_ERROR:
    qz_project_set_model_error(self, g_value_get_string(value));
    break;
  case PROP_DATA_SUMMARY:
    qz_project_set_data_summary(self, g_value_get_boxed(value));
    break;
  case PROP_DATA_ERROR:
    qz_project_set_data_error(self, g_value_get_string(value));
    break;
  case PROP_RUN_RESULT:
    qz_project_set_run_result(self, g_value_get_boxed(value));
    break;
  case PROP_EXAMPLE_DIR:
    qz_project_set_example_dir(self, g_value_get_object(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_project_class_init(QzProjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->dispose = qz_project_dispose;
  object_class->finalize = qz_project_finalize;
  object_class->get_property = qz_project_get_property;
  object_class->set_property = qz_project_set_property;

  properties[PROP_TITLE] =
      g_param_spec_string("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FILE] =
      g_param_spec_object("file", NULL, NULL, G_TYPE_FILE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
      g_param_spec_boolean("modified", NULL, NULL, FALSE,
                           G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_FILE] =
      g_param_spec_object("model-file", NULL, NULL, G_TYPE_FILE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_INFO] =
      g_param_spec_boxed("model-info", NULL, NULL, QZ_TYPE_MODEL_INFO,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_ERROR] =
      g_param_spec_string("model-error", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATA_SUMMARY] =
      g_param_spec_boxed("data-summary", NULL, NULL, QZ_TYPE_DATA_SUMMARY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATA_ERROR] =
      g_param_spec_string("data-error", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_RESULT] =
      g_param_spec_boxed("run-result", NULL, NULL, QZ_TYPE_RUN_RESULT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXAMPLE_DIR] =
      g_param_spec_object("example-dir", NULL, NULL, G_TYPE_FILE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_EXAMPLE] = g_param_spec_boolean("is-example", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  /* A key of the configuration changed; the detail is its first part
   * ("dataset", "quantization", ...), the argument the whole key. */
  signals[CHANGED] =
      g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0,
                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void qz_project_init(QzProject *self)
{
}

/* Quantizer's defaults, in the model zoo's words. */
static qe_yaml_doc *default_doc(void)
{
  qe_yaml_doc *doc = qe_yaml_doc_new(_("New Project"));
  g_autofree char *output = default_output_pattern();
  qe_ctx *ctx = qe_ctx_new();

  qe_yaml_set_string(doc, "operation_mode", "chain_eqe", ctx);
  qe_yaml_set_double(doc, "dataset.validation_split", 0.2, ctx);
  qe_yaml_set_int(doc, "dataset.seed", 123, ctx);
  qe_yaml_set_string(doc, "quantization.quantizer", "Onnx_quantizer", ctx);
  qe_yaml_set_string(doc, "quantization.quantization_type", "PTQ", ctx);
  qe_yaml_set_string(doc, "quantization.quantization_input_type", "int8", ctx);
  qe_yaml_set_string(doc, "quantization.quantization_output_type", "float", ctx);
  qe_yaml_set_string(doc, "quantization.granularity", "per_channel", ctx);
  qe_yaml_set_string(doc, "quantization.export_dir", "quantized_models", ctx);
  qe_yaml_set_string(doc, "hydra.run.dir", output, ctx);
  qe_ctx_free(ctx);
  return doc;
}

QzProject *qz_project_new(void)
{
  QzProject *self = g_object_new(QZ_TYPE_PROJECT, NULL);

  self->doc = default_doc();
  qz_project_update_title(self);
  return self;
}

/* A project from the document @doc (taken), read from @file (may be NULL)
 * whose folder @base resolves relative paths. */
static QzProject *qz_project_new_from_doc(qe_yaml_doc *doc, GFile *file, const char *base)
{
  QzProject *self;
  qe_ctx *ctx = qe_ctx_new();
  qe_config *cfg = NULL;
  qe_config_options opt;
  const qe_yaml_node *root;
  const char *run_dir;
  GPtrArray *warnings;
  g_autofree char *problem = NULL;

  /* Check it as `qz run` would, but let missing folders through: the
   * pages show what is missing or wrong and let it be fixed. The first
   * problem is kept to be told when the project opens. */
  qe_config_options_init(&opt);
  opt.base_dir = base;
  opt.check_files = false;
  if (qe_config_load_doc(doc, &opt, &cfg, ctx) != QE_OK)
    problem = g_strdup(qe_ctx_error(ctx));
  qe_config_free(cfg);

  /* Absolute paths, so that the project can be saved anywhere. */
  root = qe_yaml_root(doc);
  for (guint i = 0; base != NULL && i < G_N_ELEMENTS(path_keys); i++) {
    const char *value = qe_yaml_node_text(qe_yaml_path(root, path_keys[i]));

    if (value != NULL && value[0] != '\0' && !g_path_is_absolute(value)) {
      g_autofree char *abs = g_build_filename(base, value, NULL);
      g_autoptr(GFile) canon = g_file_new_for_path(abs);

      qe_yaml_set_string(doc, path_keys[i], g_file_peek_path(canon), ctx);
    }
  }
  run_dir = qe_yaml_node_text(qe_yaml_path(root, "hydra.run.dir"));
  if (run_dir == NULL || !g_path_is_absolute(run_dir)) {
    g_autofree char *output = default_output_pattern();

    qe_yaml_set_string(doc, "hydra.run.dir", output, ctx);
  }

  warnings = g_ptr_array_new();
  for (size_t i = 0; i < qe_ctx_warning_count(ctx); i++)
    g_ptr_array_add(warnings, g_strdup(qe_ctx_warning(ctx, i)));
  g_ptr_array_add(warnings, NULL);
  qe_ctx_free(ctx);

  self = g_object_new(QZ_TYPE_PROJECT, NULL);
  self->doc = doc;
  self->file = file != NULL ? g_object_ref(file) : NULL;
  self->warnings = (GStrv)g_ptr_array_free(warnings, FALSE);
  self->problem = g_steal_pointer(&problem);
  qz_project_update_model_file(self);
  qz_project_update_title(self);
  return self;
}

QzProject *qz_project_new_from_file(GFile *file, GError **error)
{
  g_autoptr(GFile) dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *base = NULL;
  qe_ctx *ctx;
  qe_yaml_doc *doc = NULL;

  g_return_val_if_fail(G_IS_FILE(file), NULL);

  path = g_file_get_path(file);
  if (path == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                _("%s: only files on this computer can be opened"), g_file_peek_path(file));
    return NULL;
  }
  dir = g_file_get_parent(file);
  base = g_file_get_path(dir);

  ctx = qe_ctx_new();
  if (qe_yaml_load_file(path, &doc, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    qe_ctx_free(ctx);
    return NULL;
  }
  qe_ctx_free(ctx);
  return qz_project_new_from_doc(doc, file, base);
}

QzProject *qz_project_new_from_yaml(const char *text, const char *name, GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_yaml_doc *doc = NULL;
  QzProject *self;

  g_return_val_if_fail(text != NULL, NULL);

  if (qe_yaml_load_string(text, strlen(text), name, &doc, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    qe_ctx_free(ctx);
    return NULL;
  }
  qe_ctx_free(ctx);
  self = qz_project_new_from_doc(doc, NULL, NULL);
  /* Not saved anywhere yet. */
  self->modified = TRUE;
  return self;
}

gboolean qz_project_save(QzProject *self, GFile *file, GError **error)
{
  g_autofree char *path = NULL;
  qe_ctx *ctx;

  g_return_val_if_fail(QZ_IS_PROJECT(self), FALSE);
  g_return_val_if_fail(G_IS_FILE(file), FALSE);

  path = g_file_get_path(file);
  if (path == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                _("%s: only files on this computer can be written"), g_file_peek_path(file));
    return FALSE;
  }
  ctx = qe_ctx_new();
  if (qe_yaml_save(self->doc, path, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    qe_ctx_free(ctx);
    return FALSE;
  }
  qe_ctx_free(ctx);

  if (self->file == NULL || !g_file_equal(self->file, file)) {
    g_set_object(&self->file, file);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_FILE]);
  }
  qz_project_set_modified(self, FALSE);
  return TRUE;
}

GFile *qz_project_get_file(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->file;
}

gboolean qz_project_get_modified(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), FALSE);
  return self->modified;
}

const char *const *qz_project_get_warnings(QzProject *self)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail(QZ_IS_PROJECT(self), none);
  return self->warnings != NULL ? (const char *const *)self->warnings : none;
}

const char *qz_project_get_problem(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->problem;
}

const char *qz_project_get_title(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->title;
}

/* ---- keys --------------------------------------------------------------- */

const qe_yaml_doc *qz_project_get_doc(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->doc;
}

qe_yaml_doc *qz_project_dup_doc(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return qe_yaml_doc_copy(self->doc);
}

const char *qz_project_get_string(QzProject *self, const char *key)
{
  const qe_yaml_node *node;

  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  g_return_val_if_fail(key != NULL, NULL);

  node = qe_yaml_path(qe_yaml_root(self->doc), key);
  if (node == NULL || qe_yaml_node_is_null(node))
    return NULL;
  return qe_yaml_node_text(node);
}

gboolean qz_project_get_boolean(QzProject *self, const char *key, gboolean fallback)
{
  bool value = fallback;

  g_return_val_if_fail(QZ_IS_PROJECT(self), fallback);
  if (qe_yaml_get_bool(qe_yaml_root(self->doc), key, &value, NULL) != QE_OK)
    return fallback;
  return value;
}

double qz_project_get_double(QzProject *self, const char *key, double fallback)
{
  double value = fallback;

  g_return_val_if_fail(QZ_IS_PROJECT(self), fallback);
  if (qe_yaml_get_double(qe_yaml_root(self->doc), key, &value, NULL) != QE_OK)
    return fallback;
  return value;
}

/* Setting a key can only fail when memory runs out or the path crosses a
 * scalar; both are bugs of the caller. */
static void check_set(qe_status status, qe_ctx *ctx, const char *key)
{
  if (status != QE_OK)
    g_critical("Cannot set %s: %s", key, qe_ctx_error(ctx));
  qe_ctx_free(ctx);
}

void qz_project_set_string(QzProject *self, const char *key, const char *value)
{
  qe_ctx *ctx = qe_ctx_new();

  g_return_if_fail(QZ_IS_PROJECT(self));
  if (g_strcmp0(qz_project_get_string(self, key), value) == 0) {
    qe_ctx_free(ctx);
    return;
  }
  if (value != NULL)
    check_set(qe_yaml_set_string(self->doc, key, value, ctx), ctx, key);
  else
    check_set(qe_yaml_set_null(self->doc, key, ctx), ctx, key);
  qz_project_changed(self, key);
}

void qz_project_set_boolean(QzProject *self, const char *key, gboolean value)
{
  qe_ctx *ctx = qe_ctx_new();

  g_return_if_fail(QZ_IS_PROJECT(self));
  check_set(qe_yaml_set_bool(self->doc, key, value, ctx), ctx, key);
  qz_project_changed(self, key);
}

void qz_project_set_double(QzProject *self, const char *key, double value)
{
  qe_ctx *ctx = qe_ctx_new();

  g_return_if_fail(QZ_IS_PROJECT(self));
  check_set(qe_yaml_set_double(self->doc, key, value, ctx), ctx, key);
  qz_project_changed(self, key);
}

void qz_project_set_int(QzProject *self, const char *key, gint64 value)
{
  qe_ctx *ctx = qe_ctx_new();

  g_return_if_fail(QZ_IS_PROJECT(self));
  check_set(qe_yaml_set_int(self->doc, key, value, ctx), ctx, key);
  qz_project_changed(self, key);
}

GFile *qz_project_get_path(QzProject *self, const char *key)
{
  const char *value = qz_project_get_string(self, key);

  if (value == NULL || value[0] == '\0')
    return NULL;
  return g_file_new_for_path(value);
}

void qz_project_set_path(QzProject *self, const char *key, GFile *file)
{
  g_return_if_fail(QZ_IS_PROJECT(self));
  g_return_if_fail(file == NULL || G_IS_FILE(file));

  qz_project_set_string(self, key, file != NULL ? g_file_peek_path(file) : NULL);
}

qe_config *qz_project_load_config(QzProject *self, gboolean check_files, GError **error)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_config_options opt;
  qe_config *cfg = NULL;

  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);

  qe_config_options_init(&opt);
  opt.check_files = check_files;
  if (qe_config_load_doc(self->doc, &opt, &cfg, ctx) != QE_OK)
    qz_set_engine_error(error, ctx);
  qe_ctx_free(ctx);
  return cfg;
}

/* ---- the model ---------------------------------------------------------- */

GFile *qz_project_get_model_file(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->model_file;
}

void qz_project_set_model_file(QzProject *self, GFile *file)
{
  g_return_if_fail(QZ_IS_PROJECT(self));
  g_return_if_fail(file == NULL || G_IS_FILE(file));

  /* One place for the model: the model zoo refuses two. */
  if (qz_project_get_string(self, "general.model_path") != NULL) {
    qe_ctx *ctx = qe_ctx_new();

    qe_yaml_remove(self->doc, "general.model_path", ctx);
    qe_ctx_free(ctx);
  }
  qz_project_set_path(self, "model.model_path", file);
}

QzModelInfo *qz_project_get_model_info(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->model_info;
}

void qz_project_set_model_info(QzProject *self, QzModelInfo *info)
{
  g_return_if_fail(QZ_IS_PROJECT(self));

  if (self->model_info == info)
    return;
  if (info != NULL)
    qz_model_info_ref(info);
  g_clear_pointer(&self->model_info, qz_model_info_unref);
  self->model_info = info;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODEL_INFO]);
}

const char *qz_project_get_model_error(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->model_error;
}

void qz_project_set_model_error(QzProject *self, const char *error)
{
  g_return_if_fail(QZ_IS_PROJECT(self));

  if (g_strcmp0(self->model_error, error) == 0)
    return;
  g_free(self->model_error);
  self->model_error = g_strdup(error);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODEL_ERROR]);
}

/* ---- the data ---------------------------------------------------------- */

QzDataSummary *qz_project_get_data_summary(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->data_summary;
}

void qz_project_set_data_summary(QzProject *self, QzDataSummary *summary)
{
  g_return_if_fail(QZ_IS_PROJECT(self));

  if (self->data_summary == summary)
    return;
  if (summary != NULL)
    qz_data_summary_ref(summary);
  g_clear_pointer(&self->data_summary, qz_data_summary_unref);
  self->data_summary = summary;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_DATA_SUMMARY]);
}

const char *qz_project_get_data_error(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->data_error;
}

void qz_project_set_data_error(QzProject *self, const char *error)
{
  g_return_if_fail(QZ_IS_PROJECT(self));

  if (g_strcmp0(self->data_error, error) == 0)
    return;
  g_free(self->data_error);
  self->data_error = g_strdup(error);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_DATA_ERROR]);
}

/* ---- the run ------------------------------------------------------------ */

QzRunResult *qz_project_get_run_result(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->run_result;
}

void qz_project_set_run_result(QzProject *self, QzRunResult *result)
{
  g_return_if_fail(QZ_IS_PROJECT(self));

  if (self->run_result == result)
    return;
  if (result != NULL)
    qz_run_result_ref(result);
  g_clear_pointer(&self->run_result, qz_run_result_unref);
  self->run_result = result;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_RUN_RESULT]);
}

/* ---- the example ------------------------------------------------------- */

GFile *qz_project_get_example_dir(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->example_dir;
}

void qz_project_set_example_dir(QzProject *self, GFile *dir)
{
  g_return_if_fail(QZ_IS_PROJECT(self));
  g_return_if_fail(dir == NULL || G_IS_FILE(dir));

  if (self->example_dir == dir ||
      (dir != NULL && self->example_dir != NULL && g_file_equal(dir, self->example_dir)))
    return;
  g_set_object(&self->example_dir, dir);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_EXAMPLE_DIR]);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_IS_EXAMPLE]);
}

gboolean qz_project_get_is_example(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), FALSE);
  return self->example_dir != NULL;
}
