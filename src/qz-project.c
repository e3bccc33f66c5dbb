/* qz-project.c - what the person chose so far: model, data, board, settings.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The project is the one object every wizard page shares: pages read and
 * change it, and listen to its notifications to update themselves. It holds
 * choices only; results of engine work stay with the page that made them.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "qz-model-info.h"
#include "qz-project.h"

struct _QzProject {
  GObject parent_instance;

  /* Owned references */
  GFile *model_file;
  GFile *data_file;
  GFile *example_dir;
  QzModelInfo *model_info;
  char *model_error;
  char *title;
};

G_DEFINE_FINAL_TYPE(QzProject, qz_project, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_MODEL_FILE,
  PROP_MODEL_INFO,
  PROP_MODEL_ERROR,
  PROP_DATA_FILE,
  PROP_EXAMPLE_DIR,
  PROP_IS_EXAMPLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void qz_project_update_title(QzProject *self)
{
  g_autofree char *title = NULL;

  if (self->model_file != NULL) {
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

static void qz_project_dispose(GObject *object)
{
  QzProject *self = QZ_PROJECT(object);

  g_clear_object(&self->model_file);
  g_clear_object(&self->data_file);
  g_clear_object(&self->example_dir);

  G_OBJECT_CLASS(qz_project_parent_class)->dispose(object);
}

static void qz_project_finalize(GObject *object)
{
  QzProject *self = QZ_PROJECT(object);

  g_clear_pointer(&self->title, g_free);
  g_clear_pointer(&self->model_info, qz_model_info_unref);
  g_clear_pointer(&self->model_error, g_free);

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
  case PROP_MODEL_FILE:
    g_value_set_object(value, self->model_file);
    break;
  case PROP_MODEL_INFO:
    g_value_set_boxed(value, self->model_info);
    break;
  case PROP_MODEL_ERROR:
    g_value_set_string(value, self->model_error);
    break;
  case PROP_DATA_FILE:
    g_value_set_object(value, self->data_file);
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
  case PROP_DATA_FILE:
    qz_project_set_data_file(self, g_value_get_object(value));
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
  properties[PROP_MODEL_FILE] =
      g_param_spec_object("model-file", NULL, NULL, G_TYPE_FILE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_INFO] =
      g_param_spec_boxed("model-info", NULL, NULL, QZ_TYPE_MODEL_INFO,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_ERROR] =
      g_param_spec_string("model-error", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DATA_FILE] =
      g_param_spec_object("data-file", NULL, NULL, G_TYPE_FILE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXAMPLE_DIR] =
      g_param_spec_object("example-dir", NULL, NULL, G_TYPE_FILE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_EXAMPLE] = g_param_spec_boolean("is-example", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void qz_project_init(QzProject *self)
{
  qz_project_update_title(self);
}

QzProject *qz_project_new(void)
{
  return g_object_new(QZ_TYPE_PROJECT, NULL);
}

const char *qz_project_get_title(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->title;
}

GFile *qz_project_get_model_file(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->model_file;
}

static gboolean same_file(GFile *a, GFile *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return g_file_equal(a, b);
}

void qz_project_set_model_file(QzProject *self, GFile *file)
{
  g_return_if_fail(QZ_IS_PROJECT(self));
  g_return_if_fail(file == NULL || G_IS_FILE(file));

  if (same_file(self->model_file, file))
    return;
  g_object_freeze_notify(G_OBJECT(self));
  g_set_object(&self->model_file, file);
  /* What was read from the old file does not hold for the new one. */
  qz_project_set_model_info(self, NULL);
  qz_project_set_model_error(self, NULL);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_MODEL_FILE]);
  qz_project_update_title(self);
  g_object_thaw_notify(G_OBJECT(self));
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

GFile *qz_project_get_data_file(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->data_file;
}

void qz_project_set_data_file(QzProject *self, GFile *file)
{
  g_return_if_fail(QZ_IS_PROJECT(self));
  g_return_if_fail(file == NULL || G_IS_FILE(file));

  if (same_file(self->data_file, file))
    return;
  g_set_object(&self->data_file, file);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_DATA_FILE]);
}

GFile *qz_project_get_example_dir(QzProject *self)
{
  g_return_val_if_fail(QZ_IS_PROJECT(self), NULL);
  return self->example_dir;
}

void qz_project_set_example_dir(QzProject *self, GFile *dir)
{
  g_return_if_fail(QZ_IS_PROJECT(self));
  g_return_if_fail(dir == NULL || G_IS_FILE(dir));

  if (same_file(self->example_dir, dir))
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
