/* qz-start-page.c - the Start page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the window shows first: start a new project from a model, open the
 * example project, or continue with the project already open. The rows
 * activate the window's actions, so the page itself knows no window.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-start-page.h"
#include "qz-utils.h"

struct _QzStartPage {
  AdwBin parent_instance;

  /* Template widgets */
  AdwStatusPage *status_page;
  GtkWidget *continue_group;
  AdwActionRow *continue_row;

  /* Owned references */
  QzProject *project;
};

G_DEFINE_FINAL_TYPE(QzStartPage, qz_start_page, ADW_TYPE_BIN)

enum { PROP_0, PROP_PROJECT, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_start_page_dispose(GObject *object)
{
  QzStartPage *self = QZ_START_PAGE(object);

  /* The bin unparents its child first, so that disposing the template
   * does not leave it a dangling child. */
  adw_bin_set_child(ADW_BIN(self), NULL);
  gtk_widget_dispose_template(GTK_WIDGET(self), QZ_TYPE_START_PAGE);
  g_clear_object(&self->project);

  G_OBJECT_CLASS(qz_start_page_parent_class)->dispose(object);
}

static void qz_start_page_get_property(GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
  QzStartPage *self = QZ_START_PAGE(object);

  switch (prop_id) {
  case PROP_PROJECT:
    g_value_set_object(value, self->project);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_start_page_set_property(GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
  QzStartPage *self = QZ_START_PAGE(object);

  switch (prop_id) {
  case PROP_PROJECT:
    qz_start_page_set_project(self, g_value_get_object(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_start_page_class_init(QzStartPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_start_page_dispose;
  object_class->get_property = qz_start_page_get_property;
  object_class->set_property = qz_start_page_set_property;

  properties[PROP_PROJECT] =
      g_param_spec_object("project", NULL, NULL, QZ_TYPE_PROJECT,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/io/github/quantizer/Quantizer/qz-start-page.ui");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, status_page);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, continue_group);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, continue_row);
}

static void qz_start_page_init(QzStartPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  adw_status_page_set_icon_name(self->status_page, APP_ID);
}

/* Offer to go back to the project when one was started. */
static void qz_start_page_update(QzStartPage *self)
{
  gboolean started = self->project != NULL && qz_project_get_model_file(self->project) != NULL;

  gtk_widget_set_visible(self->continue_group, started);
  if (started) {
    g_autofree char *title =
        /* Translators: %s is the project's name */
        g_strdup_printf(_("_Continue with “%s”"), qz_project_get_title(self->project));

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->continue_row), title);
  }
}

GtkWidget *qz_start_page_new(void)
{
  return g_object_new(QZ_TYPE_START_PAGE, NULL);
}

QzProject *qz_start_page_get_project(QzStartPage *self)
{
  g_return_val_if_fail(QZ_IS_START_PAGE(self), NULL);
  return self->project;
}

void qz_start_page_set_project(QzStartPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_START_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (self->project == project)
    return;
  if (self->project != NULL)
    g_signal_handlers_disconnect_by_func(self->project, qz_start_page_update, self);
  g_set_object(&self->project, project);
  if (project != NULL)
    g_signal_connect_object(project, "notify::title", G_CALLBACK(qz_start_page_update), self,
                            G_CONNECT_SWAPPED);
  qz_start_page_update(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}
