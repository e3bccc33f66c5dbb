/* qz-plots.h - comparison plots drawn with cairo (no GTK): used by the
 * GUI's plot widgets and by the CLI's reports.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every drawing function takes a cairo_t, the size of the area to fill
 * (user units: pixels on screen, points in PDF) and a chart description
 * whose strings are labels the caller provides (translated by the GUI).
 * Nothing is kept between calls. Colours come from the GNOME palette; a
 * theme (light or dark) gives background, text and grid colours.
 */
#pragma once

#include <cairo.h>
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
  double r, g, b;
} QzColor;

/* GNOME palette (HIG): 1 is the lightest shade, 5 the darkest. */
#define QZ_BLUE_3   ((QzColor){ 0x35 / 255.0, 0x84 / 255.0, 0xe4 / 255.0 })
#define QZ_BLUE_5   ((QzColor){ 0x1a / 255.0, 0x5f / 255.0, 0xb4 / 255.0 })
#define QZ_GREEN_4  ((QzColor){ 0x2e / 255.0, 0xc2 / 255.0, 0x7e / 255.0 })
#define QZ_YELLOW_5 ((QzColor){ 0xe5 / 255.0, 0xa5 / 255.0, 0x0a / 255.0 })
#define QZ_ORANGE_3 ((QzColor){ 0xff / 255.0, 0x78 / 255.0, 0x00 / 255.0 })
#define QZ_ORANGE_5 ((QzColor){ 0xc6 / 255.0, 0x46 / 255.0, 0x00 / 255.0 })
#define QZ_RED_3    ((QzColor){ 0xe0 / 255.0, 0x1b / 255.0, 0x24 / 255.0 })
#define QZ_PURPLE_3 ((QzColor){ 0x91 / 255.0, 0x41 / 255.0, 0xac / 255.0 })
#define QZ_BROWN_3  ((QzColor){ 0x98 / 255.0, 0x6a / 255.0, 0x44 / 255.0 })

typedef struct {
  QzColor background;
  QzColor text;
  QzColor muted; /* axis labels, secondary text */
  QzColor grid;
  gboolean paint_background; /* FALSE: draw on what is there (GTK widgets) */
  const char *font;          /* font family; NULL: "Cantarell, sans-serif" */
  double font_size;          /* base size in user units; 0: 12 */
} QzPlotTheme;

/* The light and dark themes (Adwaita's window colours). */
const QzPlotTheme *qz_plot_theme_light(void);
const QzPlotTheme *qz_plot_theme_dark(void);

/* The colour of series @i (blue, orange, green, purple, brown, yellow...):
 * series 0 is the float model, series 1 the quantized one everywhere. */
QzColor qz_plot_series_color(size_t i);

/* ---- grouped bars: accuracy / F1 per class, float vs int8 ------------- */

typedef struct {
  const char *title;
  const char *y_label;
  size_t n_groups;                  /* classes */
  const char *const *group_labels;  /* n_groups */
  size_t n_series;                  /* float, quantized, ... */
  const char *const *series_labels; /* n_series */
  const double *values;             /* n_groups x n_series, group-major; NaN = none */
  double y_min, y_max;              /* NaN: from the data (0 included) */
  double value_scale;               /* ticks and labels show value * scale; 0: 1 */
  const char *value_format;         /* printf for one double, e.g. "%.0f%%"; NULL "%.3g" */
  const gboolean *hatched;          /* n_series or NULL: hatch a series (estimates) */
} QzBarChart;

void qz_plot_bars(cairo_t *cr, double width, double height, const QzBarChart *chart,
                  const QzPlotTheme *theme);

/* ---- confusion matrices side by side ------------------------------------ */

typedef struct {
  const char *title;     /* "Float", "Quantized (int8)" */
  size_t n;              /* classes */
  const int64_t *counts; /* n x n, row = true class, column = predicted */
} QzConfusion;

typedef struct {
  const char *title;
  const char *true_label;      /* "True class" */
  const char *predicted_label; /* "Predicted class" */
  const char *const *class_labels;
  size_t n_matrices; /* 1 or 2 */
  const QzConfusion *matrices;
} QzConfusionChart;

/* Cells are shaded by the share of their row (recall), the count written
 * inside when it fits; the diagonal is outlined. */
void qz_plot_confusion(cairo_t *cr, double width, double height, const QzConfusionChart *chart,
                       const QzPlotTheme *theme);

/* ---- sizes against a board's limits --------------------------------------- */

typedef struct {
  const char *label;       /* "Flash: float model" */
  double value;            /* bytes */
  double limit;            /* bytes, NaN: no limit */
  const char *limit_label; /* "board flash 2 MiB" or NULL */
} QzLimitBar;

typedef struct {
  const char *title;
  size_t n_bars;
  const QzLimitBar *bars;
  const char *over_text; /* appended to bars over their limit: "does not fit" */
} QzLimitChart;

/* Horizontal bars in bytes (KiB/MiB ticks), green when under the limit,
 * red when over, blue without a limit; the limit as a dashed line. */
void qz_plot_limits(cairo_t *cr, double width, double height, const QzLimitChart *chart,
                    const QzPlotTheme *theme);

/* ---- per-layer SQNR ------------------------------------------------------ */

typedef struct {
  const char *title;
  const char *y_label; /* "SQNR (dB)" */
  size_t n_layers;
  const char *const *layer_names;
  const double *sqnr_db; /* NaN: not measured */
  size_t worst;          /* highlight and name the @worst lowest layers */
  double threshold_db;   /* dashed line; NaN: none */
  const char *threshold_label;
} QzSqnrChart;

void qz_plot_sqnr(cairo_t *cr, double width, double height, const QzSqnrChart *chart,
                  const QzPlotTheme *theme);

/* ---- Pareto scatter across runs --------------------------------------- */

typedef struct {
  const char *title;
  const char *x_label; /* "Model size (KiB)" or "Latency (ms)" */
  const char *y_label; /* "Accuracy (%)" */
  size_t n_points;
  const double *x, *y;
  const char *const *point_labels; /* NULL or n_points ("run 12") */
  gssize highlight;                /* index of the current run, -1: none */
  const char *frontier_label;      /* legend of the Pareto front */
  gboolean log_x;
} QzScatterChart;

/* Points that are not beaten in both smaller x and larger y form the Pareto
 * front, drawn as a step line. */
void qz_plot_pareto(cairo_t *cr, double width, double height, const QzScatterChart *chart,
                    const QzPlotTheme *theme);
/* Indices of the Pareto-optimal points (smaller x, larger y), by x; returns
 * their count. @out holds n_points entries. */
size_t qz_plot_pareto_front(const double *x, const double *y, size_t n, size_t *out);

/* ---- export ----------------------------------------------------------------- */

typedef void (*QzPlotDrawFunc)(cairo_t *cr, double width, double height, gconstpointer chart,
                               const QzPlotTheme *theme);

typedef enum {
  QZ_PLOT_PNG,
  QZ_PLOT_SVG,
  QZ_PLOT_PDF,
} QzPlotFormat;

/* The format named by @path's extension (.png, .svg, .pdf); FALSE if none. */
gboolean qz_plot_format_from_path(const char *path, QzPlotFormat *format);

/* Draw into a PNG (@scale device pixels per unit), SVG or PDF file, written
 * atomically. The background is always painted. */
gboolean qz_plot_export(QzPlotDrawFunc draw, gconstpointer chart, double width, double height,
                        double scale, const char *path, QzPlotFormat format, GError **error);
/* The same into memory (for data URIs). */
GBytes *qz_plot_render(QzPlotDrawFunc draw, gconstpointer chart, double width, double height,
                       double scale, QzPlotFormat format, GError **error);

/* Adapters with the QzPlotDrawFunc signature. */
void qz_plot_draw_bars(cairo_t *cr, double w, double h, gconstpointer chart,
                       const QzPlotTheme *theme);
void qz_plot_draw_confusion(cairo_t *cr, double w, double h, gconstpointer chart,
                            const QzPlotTheme *theme);
void qz_plot_draw_limits(cairo_t *cr, double w, double h, gconstpointer chart,
                         const QzPlotTheme *theme);
void qz_plot_draw_sqnr(cairo_t *cr, double w, double h, gconstpointer chart,
                       const QzPlotTheme *theme);
void qz_plot_draw_pareto(cairo_t *cr, double w, double h, gconstpointer chart,
                         const QzPlotTheme *theme);

/* "1.5 MiB", "980 KiB", "512 B" */
char *qz_plot_format_bytes(double bytes);

G_END_DECLS
