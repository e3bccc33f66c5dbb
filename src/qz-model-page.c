/* qz-model-page.c - the Model page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the chosen model file. Opening happens through the window's
 * win.open-model action (file chooser) or by dropping a file on the window.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-model-page.h"
#include "qz-utils.h"

struct _QzModelPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwActionRow *file_row;
  GtkLabel *size_label;

  /* Owned references */
  QzProject *project;
};

G_DEFINE_FINAL_TYPE(QzModelPage, qz_model_page, ADW_TYPE_BIN)

enum { PROP_0, PROP_PROJECT, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_model_page_dispose(GObject *object)
{
  QzModelPage *self = QZ_MODEL_PAGE(object);

  /* The bin unparents its child first, so that disposing the template
   * does not leave it a dangling child. */
  adw_bin_set_child(ADW_BIN(self), NULL);
  gtk_widget_dispose_template(GTK_WIDGET(self), QZ_TYPE_MODEL_PAGE);
  g_clear_object(&self->project);

  G_OBJECT_CLASS(qz_model_page_parent_class)->dispose(object);
}

static void qz_model_page_get_property(GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
  QzModelPage *self = QZ_MODEL_PAGE(object);

  switch (prop_id) {
  case PROP_PROJECT:
    g_value_set_object(value, self->project);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_model_page_set_property(GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
  QzModelPage *self = QZ_MODEL_PAGE(object);

  switch (prop_id) {
  case PROP_PROJECT:
    qz_model_page_set_project(self, g_value_get_object(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_model_page_class_init(QzModelPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_model_page_dispose;
  object_class->get_property = qz_model_page_get_property;
  object_class->set_property = qz_model_page_set_property;

  properties[PROP_PROJECT] =
      g_param_spec_object("project", NULL, NULL, QZ_TYPE_PROJECT,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/io/github/quantizer/Quantizer/qz-model-page.ui");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, file_row);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, size_label);
}

static void qz_model_page_update(QzModelPage *self)
{
  GFile *file = self->project != NULL ? qz_project_get_model_file(self->project) : NULL;
  g_autofree char *name = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *size = NULL;
  g_autoptr(GFile) parent = NULL;
  g_autoptr(GFileInfo) info = NULL;

  if (file == NULL) {
    gtk_stack_set_visible_child_name(self->stack, "empty");
    return;
  }

  name = g_file_get_basename(file);
  parent = g_file_get_parent(file);
  if (parent != NULL)
    folder = g_file_get_parse_name(parent);
  info =
      g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL)
    size = qz_format_bytes((guint64)g_file_info_get_size(info));

  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->file_row), name);
  adw_action_row_set_subtitle(self->file_row, folder);
  gtk_label_set_label(self->size_label, size != NULL ? size : _("Cannot be read"));
  gtk_stack_set_visible_child_name(self->stack, "model");
}

static void qz_model_page_init(QzModelPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
}

GtkWidget *qz_model_page_new(void)
{
  return g_object_new(QZ_TYPE_MODEL_PAGE, NULL);
}

QzProject *qz_model_page_get_project(QzModelPage *self)
{
  g_return_val_if_fail(QZ_IS_MODEL_PAGE(self), NULL);
  return self->project;
}

void qz_model_page_set_project(QzModelPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_MODEL_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (self->project == project)
    return;
  if (self->project != NULL)
    g_signal_handlers_disconnect_by_func(self->project, qz_model_page_update, self);
  g_set_object(&self->project, project);
  if (project != NULL)
    g_signal_connect_object(project, "notify::model-file", G_CALLBACK(qz_model_page_update), self,
                            G_CONNECT_SWAPPED);
  qz_model_page_update(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}
