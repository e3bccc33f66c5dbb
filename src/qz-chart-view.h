/* qz-chart-view.h - one chart of the plots library as a widget: drawn in
 * the theme's colors, exportable, with a text alternative.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "qz-plots.h"

G_BEGIN_DECLS

#define QZ_TYPE_CHART_VIEW (qz_chart_view_get_type())
G_DECLARE_FINAL_TYPE(QzChartView, qz_chart_view, QZ, CHART_VIEW, GtkWidget)

GtkWidget *qz_chart_view_new(void);

/* Show @chart drawn by @draw. @owner (ref-counted with @owner_ref /
 * @owner_unref, e.g. the run result the chart belongs to) keeps @chart
 * alive; @text says the chart's numbers in words for assistive
 * technologies. @width x @height is the size it is exported at. */
void qz_chart_view_set_chart(QzChartView *self, QzPlotDrawFunc draw, gconstpointer chart,
                             gpointer owner, GBoxedCopyFunc owner_ref, GDestroyNotify owner_unref,
                             const char *title, const char *text, double width, double height);

const char *qz_chart_view_get_title(QzChartView *self);
const char *qz_chart_view_get_text(QzChartView *self);

/* Write the chart as PNG, SVG or PDF (@format). */
gboolean qz_chart_view_export(QzChartView *self, const char *path, QzPlotFormat format,
                              GError **error);

G_END_DECLS
