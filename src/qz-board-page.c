/* qz-board-page.c - the Board page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine part behind this page has not landed yet: the page says
 * plainly what will appear here (ui/qz-board-page.ui) and shows no data.
 */
#include "config.h"

#include "qz-board-page.h"
#include "qz-utils.h"

struct _QzBoardPage {
  AdwBin parent_instance;

  /* Owned references */
  QzProject *project;
};

G_DEFINE_FINAL_TYPE(QzBoardPage, qz_board_page, ADW_TYPE_BIN)

enum { PROP_0, PROP_PROJECT, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_board_page_dispose(GObject *object)
{
  QzBoardPage *self = QZ_BOARD_PAGE(object);

  /* The bin unparents its child first, so that disposing the template
   * does not leave it a dangling child. */
  adw_bin_set_child(ADW_BIN(self), NULL);
  gtk_widget_dispose_template(GTK_WIDGET(self), QZ_TYPE_BOARD_PAGE);
  g_clear_object(&self->project);

  G_OBJECT_CLASS(qz_board_page_parent_class)->dispose(object);
}

static void qz_board_page_get_property(GObject *object, guint prop_id, GValue *value,
                                       GParamSpec *pspec)
{
  QzBoardPage *self = QZ_BOARD_PAGE(object);

  switch (prop_id) {
  case PROP_PROJECT:
    g_value_set_object(value, self->project);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_board_page_set_property(GObject *object, guint prop_id, const GValue *value,
                                       GParamSpec *pspec)
{
  QzBoardPage *self = QZ_BOARD_PAGE(object);

  switch (prop_id) {
  case PROP_PROJECT:
    qz_board_page_set_project(self, g_value_get_object(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_board_page_class_init(QzBoardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_board_page_dispose;
  object_class->get_property = qz_board_page_get_property;
  object_class->set_property = qz_board_page_set_property;

  properties[PROP_PROJECT] =
      g_param_spec_object("project", NULL, NULL, QZ_TYPE_PROJECT,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/io/github/quantizer/Quantizer/qz-board-page.ui");
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void qz_board_page_init(QzBoardPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
}

GtkWidget *qz_board_page_new(void)
{
  return g_object_new(QZ_TYPE_BOARD_PAGE, NULL);
}

QzProject *qz_board_page_get_project(QzBoardPage *self)
{
  g_return_val_if_fail(QZ_IS_BOARD_PAGE(self), NULL);
  return self->project;
}

void qz_board_page_set_project(QzBoardPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_BOARD_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (g_set_object(&self->project, project))
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}
