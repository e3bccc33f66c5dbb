/* qz-chart-view.c - one chart of the plots library as a widget: drawn in
 * the theme's colors, exportable, with a text alternative.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The drawing is the plots library's, the same the exported report uses.
 * The chart data belong to their owner (a run result), which the view
 * keeps alive while it shows them.
 */
#include "config.h"

#include <adwaita.h>

#include "qz-chart-view.h"

struct _QzChartView {
  GtkWidget parent_instance;

  QzPlotDrawFunc draw;
  gconstpointer chart;
  gpointer owner;
  GDestroyNotify owner_unref;
  char *title;
  char *text;
  double width, height;
};

G_DEFINE_FINAL_TYPE(QzChartView, qz_chart_view, GTK_TYPE_WIDGET)

static void qz_chart_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  QzChartView *self = QZ_CHART_VIEW(widget);
  int width = gtk_widget_get_width(widget);
  int height = gtk_widget_get_height(widget);
  QzPlotTheme theme;
  cairo_t *cr;

  if (self->draw == NULL || self->chart == NULL || width <= 0 || height <= 0)
    return;
  theme = *(adw_style_manager_get_dark(adw_style_manager_get_default()) ? qz_plot_theme_dark()
                                                                        : qz_plot_theme_light());
  theme.paint_background = FALSE;
  cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
  self->draw(cr, width, height, self->chart, &theme);
  cairo_destroy(cr);
}

static void qz_chart_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                                  int *minimum, int *natural, int *minimum_baseline,
                                  int *natural_baseline)
{
  QzChartView *self = QZ_CHART_VIEW(widget);
  double aspect = self->width > 0 ? self->height / self->width : 0.5;

  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *minimum = 280;
    *natural = (int)MAX(self->width, 480);
  } else {
    int w = for_size > 0 ? for_size : (int)MAX(self->width, 480);

    *minimum = 200;
    *natural = MAX(200, (int)(w * aspect));
  }
}

static GtkSizeRequestMode qz_chart_view_get_request_mode(GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void style_changed_cb(QzChartView *self)
{
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void qz_chart_view_clear(QzChartView *self)
{
  if (self->owner != NULL && self->owner_unref != NULL)
    self->owner_unref(self->owner);
  self->owner = NULL;
  self->owner_unref = NULL;
  self->chart = NULL;
  self->draw = NULL;
}

static void qz_chart_view_finalize(GObject *object)
{
  QzChartView *self = QZ_CHART_VIEW(object);

  qz_chart_view_clear(self);
  g_free(self->title);
  g_free(self->text);

  G_OBJECT_CLASS(qz_chart_view_parent_class)->finalize(object);
}

static void qz_chart_view_class_init(QzChartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->finalize = qz_chart_view_finalize;
  widget_class->snapshot = qz_chart_view_snapshot;
  widget_class->measure = qz_chart_view_measure;
  widget_class->get_request_mode = qz_chart_view_get_request_mode;
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name(widget_class, "chart-view");
}

static void qz_chart_view_init(QzChartView *self)
{
  self->width = 800;
  self->height = 400;
  g_signal_connect_object(adw_style_manager_get_default(), "notify::dark",
                          G_CALLBACK(style_changed_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *qz_chart_view_new(void)
{
  return g_object_new(QZ_TYPE_CHART_VIEW, NULL);
}

void qz_chart_view_set_chart(QzChartView *self, QzPlotDrawFunc draw, gconstpointer chart,
                             gpointer owner, GBoxedCopyFunc owner_ref, GDestroyNotify owner_unref,
                             const char *title, const char *text, double width, double height)
{
  g_return_if_fail(QZ_IS_CHART_VIEW(self));

  qz_chart_view_clear(self);
  self->draw = draw;
  self->chart = chart;
  if (owner != NULL && owner_ref != NULL) {
    self->owner = owner_ref(owner);
    self->owner_unref = owner_unref;
  }
  g_free(self->title);
  self->title = g_strdup(title);
  g_free(self->text);
  self->text = g_strdup(text);
  self->width = width > 0 ? width : 800;
  self->height = height > 0 ? height : 400;
  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 title != NULL ? title : "", GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                 text != NULL ? text : "", -1);
  gtk_widget_queue_resize(GTK_WIDGET(self));
}

const char *qz_chart_view_get_title(QzChartView *self)
{
  g_return_val_if_fail(QZ_IS_CHART_VIEW(self), NULL);
  return self->title;
}

const char *qz_chart_view_get_text(QzChartView *self)
{
  g_return_val_if_fail(QZ_IS_CHART_VIEW(self), NULL);
  return self->text;
}

gboolean qz_chart_view_export(QzChartView *self, const char *path, QzPlotFormat format,
                              GError **error)
{
  g_return_val_if_fail(QZ_IS_CHART_VIEW(self), FALSE);
  g_return_val_if_fail(self->draw != NULL, FALSE);

  return qz_plot_export(self->draw, self->chart, self->width, self->height,
                        format == QZ_PLOT_PNG ? 2.0 : 1.0, path, format, error);
}
