/* qz-bars-view.c - a bar chart (qzplots) as a widget, with the numbers as
 * its text alternative.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The drawing is the plots library's, the same that the exported report
 * uses, in Adwaita's light or dark colors as the style manager says. For
 * assistive technologies the chart is an image whose description lists
 * every number.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "qz-bars-view.h"
#include "qz-plots.h"

struct _QzBarsView {
  GtkWidget parent_instance;

  /* Owned */
  char *title;
  char *y_label;
  GStrv group_labels;
  GStrv series_labels;
  double *values;
  guint n_groups;
  guint n_series;
  char *value_format;
  char *text;
};

G_DEFINE_FINAL_TYPE(QzBarsView, qz_bars_view, GTK_TYPE_WIDGET)

static void fill_chart(QzBarsView *self, QzBarChart *chart)
{
  memset(chart, 0, sizeof *chart);
  chart->title = self->title;
  chart->y_label = self->y_label;
  chart->n_groups = self->n_groups;
  chart->group_labels = (const char *const *)self->group_labels;
  chart->n_series = self->n_series;
  chart->series_labels = (const char *const *)self->series_labels;
  chart->values = self->values;
  chart->y_min = NAN;
  chart->y_max = NAN;
  chart->value_format = self->value_format;
}

static void qz_bars_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  QzBarsView *self = QZ_BARS_VIEW(widget);
  int width = gtk_widget_get_width(widget);
  int height = gtk_widget_get_height(widget);
  QzPlotTheme theme;
  QzBarChart chart;
  cairo_t *cr;

  if (self->n_groups == 0 || width <= 0 || height <= 0)
    return;

  theme = *(adw_style_manager_get_dark(adw_style_manager_get_default()) ? qz_plot_theme_dark()
                                                                        : qz_plot_theme_light());
  theme.paint_background = FALSE;
  fill_chart(self, &chart);
  cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, width, height));
  qz_plot_bars(cr, width, height, &chart, &theme);
  cairo_destroy(cr);
}

static void qz_bars_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                                 int *minimum, int *natural, int *minimum_baseline,
                                 int *natural_baseline)
{
  QzBarsView *self = QZ_BARS_VIEW(widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL) {
    *minimum = 240;
    *natural = MAX(480, (int)self->n_groups * 48);
  } else {
    *minimum = 220;
    *natural = 280;
  }
}

static void style_changed_cb(QzBarsView *self)
{
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void qz_bars_view_finalize(GObject *object)
{
  QzBarsView *self = QZ_BARS_VIEW(object);

  g_free(self->title);
  g_free(self->y_label);
  g_strfreev(self->group_labels);
  g_strfreev(self->series_labels);
  g_free(self->values);
  g_free(self->value_format);
  g_free(self->text);

  G_OBJECT_CLASS(qz_bars_view_parent_class)->finalize(object);
}

static void qz_bars_view_class_init(QzBarsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->finalize = qz_bars_view_finalize;
  widget_class->snapshot = qz_bars_view_snapshot;
  widget_class->measure = qz_bars_view_measure;
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name(widget_class, "bars-view");
}

static void qz_bars_view_init(QzBarsView *self)
{
  g_signal_connect_object(adw_style_manager_get_default(), "notify::dark",
                          G_CALLBACK(style_changed_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *qz_bars_view_new(void)
{
  return g_object_new(QZ_TYPE_BARS_VIEW, NULL);
}

static GStrv copy_labels(const char *const *labels, guint n)
{
  GStrv out = g_new0(char *, n + 1);

  for (guint i = 0; i < n; i++)
    out[i] = g_strdup(labels != NULL && labels[i] != NULL ? labels[i] : "");
  return out;
}

void qz_bars_view_set_data(QzBarsView *self, const char *title, const char *y_label, guint n_groups,
                           const char *const *group_labels, guint n_series,
                           const char *const *series_labels, const double *values,
                           const char *value_format)
{
  GString *text;

  g_return_if_fail(QZ_IS_BARS_VIEW(self));
  g_return_if_fail(n_groups == 0 || values != NULL);

  g_free(self->title);
  self->title = g_strdup(title);
  g_free(self->y_label);
  self->y_label = g_strdup(y_label);
  g_strfreev(self->group_labels);
  self->group_labels = copy_labels(group_labels, n_groups);
  g_strfreev(self->series_labels);
  self->series_labels = copy_labels(series_labels, n_series);
  g_free(self->values);
  self->values = g_memdup2(values, sizeof(double) * n_groups * n_series);
  self->n_groups = n_groups;
  self->n_series = n_series;
  g_free(self->value_format);
  self->value_format = g_strdup(value_format != NULL ? value_format : "%.3g");

  text = g_string_new(NULL);
  for (guint g = 0; g < n_groups; g++) {
    g_string_append_printf(text, "%s:", self->group_labels[g]);
    for (guint s = 0; s < n_series; s++) {
      char number[64];
      double v = self->values[g * n_series + s];

      if (isnan(v)) {
        g_strlcpy(number, "–", sizeof number);
      } else {
        /* The format comes from the caller, one double as the chart uses. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        g_snprintf(number, sizeof number, self->value_format, v);
#pragma GCC diagnostic pop
      }
      g_string_append_printf(text, "%s %s %s", s > 0 ? "," : "",
                             n_series > 1 ? self->series_labels[s] : "", number);
    }
    g_string_append_c(text, '\n');
  }
  g_free(self->text);
  self->text = g_string_free(text, FALSE);

  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 title != NULL ? title : "", GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                 self->text, -1);
  gtk_widget_queue_resize(GTK_WIDGET(self));
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

const char *qz_bars_view_get_text(QzBarsView *self)
{
  g_return_val_if_fail(QZ_IS_BARS_VIEW(self), NULL);
  return self->text;
}

gboolean qz_bars_view_export(QzBarsView *self, const char *path, GError **error)
{
  QzBarChart chart;
  QzPlotFormat format;

  g_return_val_if_fail(QZ_IS_BARS_VIEW(self), FALSE);

  if (!qz_plot_format_from_path(path, &format)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                /* Translators: %s is a file name */
                _("%s: the name must end in .png, .svg or .pdf"), path);
    return FALSE;
  }
  fill_chart(self, &chart);
  return qz_plot_export(qz_plot_draw_bars, &chart, 720, 400, 2.0, path, format, error);
}
