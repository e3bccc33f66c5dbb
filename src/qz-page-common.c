/* qz-page-common.c - the plumbing every step page shares.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "qz-page-common.h"

static GQuark page_info_quark(void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string("qz-page-info");
  return quark;
}

static const QzPageInfo *info_of(GObject *object)
{
  return g_type_get_qdata(G_OBJECT_TYPE(object), page_info_quark());
}

void qz_page_class_install(GtkWidgetClass *klass, const QzPageInfo *info, GParamSpec **properties,
                           guint n_properties)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  g_return_if_fail(info != NULL && info->resource != NULL && info->get_project != NULL &&
                   info->set_project != NULL);
  g_return_if_fail(n_properties >
                   (info->get_busy != NULL ? QZ_PAGE_PROP_BUSY : QZ_PAGE_PROP_PROJECT));

  g_type_set_qdata(G_OBJECT_CLASS_TYPE(klass), page_info_quark(), (gpointer)info);
  gtk_widget_class_set_template_from_resource(klass, info->resource);
  gtk_widget_class_set_accessible_role(klass, GTK_ACCESSIBLE_ROLE_GROUP);
  object_class->get_property = qz_page_get_property;
  object_class->set_property = qz_page_set_property;
  properties[QZ_PAGE_PROP_PROJECT] =
      g_param_spec_object("project", NULL, NULL, QZ_TYPE_PROJECT,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  if (info->get_busy != NULL)
    properties[QZ_PAGE_PROP_BUSY] =
        g_param_spec_boolean("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, n_properties, properties);
}

void qz_page_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  const QzPageInfo *info = info_of(object);

  if (prop_id == QZ_PAGE_PROP_PROJECT)
    g_value_set_object(value, info->get_project(object));
  else if (prop_id == QZ_PAGE_PROP_BUSY && info->get_busy != NULL)
    g_value_set_boolean(value, info->get_busy(object));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

void qz_page_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  if (prop_id == QZ_PAGE_PROP_PROJECT)
    info_of(object)->set_project(object, g_value_get_object(value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

gboolean qz_page_swap_project(gpointer page, QzProject **slot, QzProject *project)
{
  if (*slot == project)
    return FALSE;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data(*slot, page);
  g_set_object(slot, project);
  return TRUE;
}

void qz_page_connect_project(QzProject *project, gpointer page, GCallback callback,
                             const char *signal, ...)
{
  va_list args;

  va_start(args, signal);
  for (const char *name = signal; name != NULL; name = va_arg(args, const char *))
    g_signal_connect_object(project, name, callback, page, G_CONNECT_SWAPPED);
  va_end(args);
}

void qz_page_dispose(AdwBin *page, GType type, QzProject **project, GCancellable **cancellable)
{
  if (cancellable != NULL && *cancellable != NULL)
    g_cancellable_cancel(*cancellable);
  if (*project != NULL)
    g_signal_handlers_disconnect_by_data(*project, page);
  /* The bin unparents its child first, so that disposing the template
   * does not leave it a dangling child. */
  adw_bin_set_child(page, NULL);
  gtk_widget_dispose_template(GTK_WIDGET(page), type);
  g_clear_object(project);
  if (cancellable != NULL)
    g_clear_object(cancellable);
}
