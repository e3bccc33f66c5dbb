/* qz-bars-view.h - a bar chart (qzplots) as a widget, with the numbers as
 * its text alternative.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QZ_TYPE_BARS_VIEW (qz_bars_view_get_type())
G_DECLARE_FINAL_TYPE(QzBarsView, qz_bars_view, QZ, BARS_VIEW, GtkWidget)

GtkWidget *qz_bars_view_new(void);

/* Groups (classes) along x, @n_series bars in each; @values is n_groups x
 * n_series, group-major (NaN: none). @value_format is a printf format for
 * one double ("%.0f", "%.1f%%"). Everything is copied. */
void qz_bars_view_set_data(QzBarsView *self, const char *title, const char *y_label, guint n_groups,
                           const char *const *group_labels, guint n_series,
                           const char *const *series_labels, const double *values,
                           const char *value_format);

/* The numbers in words, one group a line ("coat: tuning 20, testing 30"),
 * which is also the chart's accessible description. */
const char *qz_bars_view_get_text(QzBarsView *self);

/* Write the chart as PNG, SVG or PDF (from @path's extension). */
gboolean qz_bars_view_export(QzBarsView *self, const char *path, GError **error);

G_END_DECLS
