/* qz-plots.c - comparison plots drawn with cairo.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qz-plots.h"

/* ------------------------------------------------------------------------ */
/* Themes and colours */

static const QzPlotTheme light_theme = {
  .background = { 1.0, 1.0, 1.0 },
  .text = { 0x24 / 255.0, 0x1f / 255.0, 0x31 / 255.0 },
  .muted = { 0x5e / 255.0, 0x5c / 255.0, 0x64 / 255.0 },
  .grid = { 0xde / 255.0, 0xdd / 255.0, 0xda / 255.0 },
  .paint_background = TRUE,
};

static const QzPlotTheme dark_theme = {
  .background = { 0x24 / 255.0, 0x24 / 255.0, 0x24 / 255.0 },
  .text = { 1.0, 1.0, 1.0 },
  .muted = { 0xc0 / 255.0, 0xbf / 255.0, 0xbc / 255.0 },
  .grid = { 0x3d / 255.0, 0x38 / 255.0, 0x46 / 255.0 },
  .paint_background = TRUE,
};

const QzPlotTheme *qz_plot_theme_light(void)
{
  return &light_theme;
}

const QzPlotTheme *qz_plot_theme_dark(void)
{
  return &dark_theme;
}

QzColor qz_plot_series_color(size_t i)
{
  const QzColor palette[] = { QZ_BLUE_3,   QZ_ORANGE_3, QZ_GREEN_4,
                              QZ_PURPLE_3, QZ_BROWN_3,  QZ_YELLOW_5 };
  return palette[i % G_N_ELEMENTS(palette)];
}

static void set_color(cairo_t *cr, QzColor c)
{
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void set_color_alpha(cairo_t *cr, QzColor c, double a)
{
  cairo_set_source_rgba(cr, c.r, c.g, c.b, a);
}

static QzColor mix(QzColor a, QzColor b, double t)
{
  return (QzColor){ a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

/* ------------------------------------------------------------------------ */
/* Text */

static double base_size(const QzPlotTheme *t)
{
  return t->font_size > 0 ? t->font_size : 12.0;
}

static void set_font(cairo_t *cr, const QzPlotTheme *t, double factor, gboolean bold)
{
  const char *family = t->font ? t->font : "Cantarell";
  cairo_select_font_face(cr, family, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, base_size(t) * factor);
}

static double text_width(cairo_t *cr, const char *s)
{
  cairo_text_extents_t e;
  if (!s || !*s)
    return 0;
  cairo_text_extents(cr, s, &e);
  return e.x_advance;
}

/* @s shortened with "…" so that it is at most @max_w wide. */
static char *ellipsize(cairo_t *cr, const char *s, double max_w)
{
  if (!s)
    return g_strdup("");
  if (text_width(cr, s) <= max_w)
    return g_strdup(s);
  glong n = g_utf8_strlen(s, -1);
  for (glong keep = n - 1; keep > 0; keep--) {
    const char *end = g_utf8_offset_to_pointer(s, keep);
    char *t = g_strdup_printf("%.*s…", (int)(end - s), s);
    if (text_width(cr, t) <= max_w)
      return t;
    g_free(t);
  }
  return g_strdup("…");
}

/* Draw @s with its anchor at (x, y): @ha 0 left, 0.5 centre, 1 right; the
 * text is vertically centred on y. */
static void draw_text(cairo_t *cr, double x, double y, const char *s, double ha)
{
  if (!s || !*s)
    return;
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  double w = text_width(cr, s);
  cairo_move_to(cr, x - w * ha, y + (fe.ascent - fe.descent) / 2.0);
  cairo_show_text(cr, s);
}

static void draw_text_rotated(cairo_t *cr, double x, double y, const char *s, double angle,
                              double ha)
{
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  draw_text(cr, 0, 0, s, ha);
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Axes */

/* Tick spacing of 1, 2 or 5 times a power of ten giving about @n ticks. */
static double nice_step(double range, int n)
{
  if (!(range > 0) || !isfinite(range))
    return 1.0;
  double raw = range / n;
  double p = pow(10.0, floor(log10(raw)));
  double f = raw / p;
  double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * p;
}

static void format_value(char *buf, size_t size, const char *fmt, double v)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  snprintf(buf, size, fmt ? fmt : "%.3g", v);
#pragma GCC diagnostic pop
}

static void paint_background(cairo_t *cr, double w, double h, const QzPlotTheme *t)
{
  if (!t->paint_background)
    return;
  set_color(cr, t->background);
  cairo_rectangle(cr, 0, 0, w, h);
  cairo_fill(cr);
}

/* The title across the top; returns the height used. */
static double draw_title(cairo_t *cr, double w, const char *title, const QzPlotTheme *t)
{
  if (!title || !*title)
    return base_size(t) * 0.6;
  set_font(cr, t, 1.25, TRUE);
  set_color(cr, t->text);
  g_autofree char *s = ellipsize(cr, title, w - 16);
  draw_text(cr, w / 2, base_size(t) * 1.2, s, 0.5);
  return base_size(t) * 2.4;
}

/* The start of every chart: the theme (light when NULL), a saved cairo
 * state that the chart restores, the background and the title. Returns
 * where the plot begins below the title. */
static double begin_chart(cairo_t *cr, double width, double height, const char *title,
                          const QzPlotTheme **t)
{
  if (*t == NULL)
    *t = &light_theme;
  cairo_save(cr);
  paint_background(cr, width, height, *t);
  return draw_title(cr, width, title, *t);
}

typedef struct {
  double x0, y0, x1, y1; /* plot area (y0 top) */
  double vmin, vmax;
} frame;

static double map_y(const frame *f, double v)
{
  return f->y1 - (v - f->vmin) / (f->vmax - f->vmin) * (f->y1 - f->y0);
}

/* Horizontal grid lines and tick labels at the left of the frame. */
static void draw_y_axis(cairo_t *cr, const frame *f, double scale, const char *fmt,
                        const QzPlotTheme *t)
{
  double step = nice_step((f->vmax - f->vmin) * scale, 5) / scale;
  set_font(cr, t, 0.85, FALSE);
  cairo_set_line_width(cr, 1.0);
  for (double v = ceil(f->vmin / step - 1e-9) * step; v <= f->vmax + step * 1e-6; v += step) {
    double y = round(map_y(f, v)) + 0.5;
    set_color(cr, t->grid);
    cairo_move_to(cr, f->x0, y);
    cairo_line_to(cr, f->x1, y);
    cairo_stroke(cr);
    char buf[64];
    format_value(buf, sizeof buf, fmt, fabs(v) < step * 1e-9 ? 0.0 : v * scale);
    set_color(cr, t->muted);
    draw_text(cr, f->x0 - 6, y, buf, 1.0);
  }
}

static double y_axis_width(cairo_t *cr, double vmin, double vmax, double scale, const char *fmt,
                           const QzPlotTheme *t)
{
  double step = nice_step((vmax - vmin) * scale, 5) / scale, w = 0;
  set_font(cr, t, 0.85, FALSE);
  for (double v = ceil(vmin / step - 1e-9) * step; v <= vmax + step * 1e-6; v += step) {
    char buf[64];
    format_value(buf, sizeof buf, fmt, v * scale);
    w = MAX(w, text_width(cr, buf));
  }
  return w + 10;
}

/* Legend entries in a row, right-aligned at (x_right, y). Returns its width. */
static double draw_legend(cairo_t *cr, double x_right, double y, size_t n,
                          const char *const *labels, const QzColor *colors, const gboolean *hatched,
                          gboolean draw, const QzPlotTheme *t)
{
  set_font(cr, t, 0.9, FALSE);
  double sq = base_size(t) * 0.8, gap = base_size(t) * 0.4, total = 0;
  for (size_t i = 0; i < n; i++)
    total += sq + gap + text_width(cr, labels[i]) + (i + 1 < n ? gap * 3 : 0);
  if (!draw)
    return total;
  double x = x_right - total;
  for (size_t i = 0; i < n; i++) {
    set_color(cr, colors[i]);
    cairo_rectangle(cr, x, y - sq / 2, sq, sq);
    if (hatched && hatched[i]) {
      cairo_set_line_width(cr, 1.5);
      cairo_stroke(cr);
      cairo_move_to(cr, x, y + sq / 2);
      cairo_line_to(cr, x + sq, y - sq / 2);
      cairo_stroke(cr);
    } else {
      cairo_fill(cr);
    }
    x += sq + gap;
    set_color(cr, t->text);
    draw_text(cr, x, y, labels[i], 0.0);
    x += text_width(cr, labels[i]) + gap * 3;
  }
  return total;
}

/* A rectangle filled with @c, or outlined and hatched with it. */
static void fill_bar(cairo_t *cr, double x, double y, double w, double h, QzColor c,
                     gboolean hatched)
{
  if (w <= 0 || h <= 0)
    return;
  if (!hatched) {
    set_color(cr, c);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    return;
  }
  cairo_save(cr);
  set_color_alpha(cr, c, 0.18);
  cairo_rectangle(cr, x, y, w, h);
  cairo_fill_preserve(cr);
  cairo_clip_preserve(cr);
  set_color(cr, c);
  cairo_set_line_width(cr, 1.5);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 1.2);
  for (double d = -h; d < w; d += 6) {
    cairo_move_to(cr, x + d, y + h);
    cairo_line_to(cr, x + d + h, y);
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Grouped bars */

void qz_plot_bars(cairo_t *cr, double width, double height, const QzBarChart *c,
                  const QzPlotTheme *t)
{
  double top = begin_chart(cr, width, height, c->title, &t);
  double fs = base_size(t);
  double scale = c->value_scale > 0 ? c->value_scale : 1.0;
  size_t ng = c->n_groups, ns = c->n_series;

  /* Value range: 0 included, a little head room. */
  double lo = 0, hi = 0;
  for (size_t i = 0; i < ng * ns; i++)
    if (isfinite(c->values[i])) {
      lo = MIN(lo, c->values[i]);
      hi = MAX(hi, c->values[i]);
    }
  if (isfinite(c->y_min))
    lo = c->y_min;
  if (isfinite(c->y_max))
    hi = c->y_max;
  else
    hi = hi + (hi - lo) * 0.08;
  if (!(hi > lo))
    hi = lo + 1;

  /* Legend row. */
  QzColor colors[16];
  for (size_t s = 0; s < ns && s < 16; s++)
    colors[s] = qz_plot_series_color(s);
  size_t nl = MIN(ns, (size_t)16);
  double legend_y = top + fs * 0.3;
  top += fs * 1.6;

  /* Left: y label and tick labels. */
  double left = y_axis_width(cr, lo, hi, scale, c->value_format, t) + (c->y_label ? fs * 1.8 : 4);
  double right = width - fs;
  double plot_w = right - left;
  double gw = ng ? plot_w / (double)ng : plot_w;

  /* Bottom: group labels, rotated when they do not fit. */
  set_font(cr, t, 0.9, FALSE);
  double max_label = 0;
  for (size_t g = 0; g < ng; g++)
    max_label = MAX(max_label, text_width(cr, c->group_labels ? c->group_labels[g] : ""));
  gboolean rotate = max_label > gw * 0.95;
  double label_room = rotate ? MIN(max_label * 0.72 + fs, height * 0.3) : fs * 1.6;
  frame f = { left, top + fs * 0.4, right, height - label_room - fs * 0.4, lo, hi };
  if (f.y1 - f.y0 < fs * 3) {
    cairo_restore(cr);
    return; /* too small to draw anything useful */
  }

  draw_legend(cr, right, legend_y, nl, c->series_labels, colors, c->hatched, TRUE, t);
  draw_y_axis(cr, &f, scale, c->value_format, t);
  if (c->y_label) {
    set_font(cr, t, 0.9, FALSE);
    set_color(cr, t->muted);
    g_autofree char *yl = ellipsize(cr, c->y_label, f.y1 - f.y0);
    draw_text_rotated(cr, fs * 0.8, (f.y0 + f.y1) / 2, yl, -G_PI / 2, 0.5);
  }

  /* Bars. */
  double bw = gw * 0.8 / (double)MAX(ns, (size_t)1);
  double zero_y = map_y(&f, MAX(lo, MIN(0.0, hi)));
  set_font(cr, t, 0.75, FALSE);
  for (size_t g = 0; g < ng; g++) {
    double gx = f.x0 + gw * (double)g + gw * 0.1;
    for (size_t s = 0; s < ns; s++) {
      double v = c->values[g * ns + s];
      if (!isfinite(v))
        continue;
      double vy = map_y(&f, MAX(lo, MIN(v, hi)));
      double x = gx + bw * (double)s;
      fill_bar(cr, x + 1, MIN(vy, zero_y), bw - 2, fabs(zero_y - vy), colors[s % 16],
               c->hatched && c->hatched[s]);
      char buf[64];
      format_value(buf, sizeof buf, c->value_format, v * scale);
      if (text_width(cr, buf) <= bw + 2) {
        if (vy - fs * 0.6 > f.y0 - fs * 0.2) {
          set_color(cr, t->text);
          draw_text(cr, x + bw / 2, vy - fs * 0.55, buf, 0.5);
        } else if (fabs(zero_y - vy) > fs * 1.4 && !(c->hatched && c->hatched[s])) {
          /* No room above a full bar: write inside it. */
          set_color(cr, (QzColor){ 1, 1, 1 });
          draw_text(cr, x + bw / 2, vy + fs * 0.6, buf, 0.5);
        }
      }
    }
  }
  /* Axis line and group labels. */
  set_color(cr, t->muted);
  cairo_set_line_width(cr, 1.0);
  cairo_move_to(cr, f.x0, round(zero_y) + 0.5);
  cairo_line_to(cr, f.x1, round(zero_y) + 0.5);
  cairo_stroke(cr);
  set_font(cr, t, 0.9, FALSE);
  set_color(cr, t->text);
  for (size_t g = 0; g < ng && c->group_labels; g++) {
    double cx = f.x0 + gw * ((double)g + 0.5);
    if (rotate) {
      g_autofree char *s = ellipsize(cr, c->group_labels[g], (label_room - fs * 0.5) / 0.72);
      draw_text_rotated(cr, cx + fs * 0.3, f.y1 + fs * 0.6, s, -G_PI / 4, 1.0);
    } else {
      draw_text(cr, cx, f.y1 + fs * 0.9, c->group_labels[g], 0.5);
    }
  }
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Confusion matrices */

void qz_plot_confusion(cairo_t *cr, double width, double height, const QzConfusionChart *c,
                       const QzPlotTheme *t)
{
  double top = begin_chart(cr, width, height, c->title, &t);
  double fs = base_size(t);
  size_t nm = MAX(MIN(c->n_matrices, (size_t)2), (size_t)1);
  if (c->n_matrices == 0 || !c->matrices) {
    cairo_restore(cr);
    return;
  }
  size_t n = c->matrices[0].n;
  if (n == 0) {
    cairo_restore(cr);
    return;
  }
  /* Class label room: as wide as the longest, within a quarter of a panel. */
  double panel_w = width / (double)nm;
  set_font(cr, t, 0.8, FALSE);
  double label_w = 0;
  for (size_t i = 0; i < n; i++)
    label_w = MAX(label_w, text_width(cr, c->class_labels ? c->class_labels[i] : ""));
  label_w = MIN(label_w + fs * 0.5, panel_w * 0.28);
  double axis_room = fs * 1.6;
  for (size_t m = 0; m < nm; m++) {
    const QzConfusion *cm = &c->matrices[m];
    if (cm->n != n)
      continue;
    double px = panel_w * (double)m;
    double avail_w = panel_w - label_w - axis_room - fs;
    double avail_h = height - top - fs * 1.8 - label_w - axis_room;
    double cell = MIN(avail_w, avail_h) / (double)n;
    if (cell < 2)
      continue;
    double gx = px + axis_room + label_w + (avail_w - cell * (double)n) / 2;
    double gy = top + fs * 1.8;
    /* Panel title. */
    set_font(cr, t, 1.0, TRUE);
    set_color(cr, t->text);
    g_autofree char *pt = ellipsize(cr, cm->title, panel_w - fs);
    draw_text(cr, gx + cell * (double)n / 2, top + fs * 0.6, pt, 0.5);
    /* Cells. */
    double cell_font = MIN(0.8, cell / fs * 0.42);
    for (size_t i = 0; i < n; i++) {
      int64_t row = 0;
      for (size_t j = 0; j < n; j++)
        row += cm->counts[i * n + j];
      for (size_t j = 0; j < n; j++) {
        int64_t v = cm->counts[i * n + j];
        double share = row > 0 ? (double)v / (double)row : 0;
        QzColor base = i == j ? QZ_BLUE_3 : QZ_RED_3;
        QzColor col = mix(t->background, base, v > 0 ? 0.12 + 0.88 * share : 0.0);
        double x = gx + cell * (double)j, y = gy + cell * (double)i;
        set_color(cr, col);
        cairo_rectangle(cr, x, y, cell, cell);
        cairo_fill(cr);
        if (cell_font >= 0.45) {
          char buf[32];
          snprintf(buf, sizeof buf, "%lld", (long long)v);
          set_font(cr, t, cell_font, i == j);
          if (text_width(cr, buf) < cell - 2) {
            gboolean dark_cell = share > 0.55;
            set_color(cr, dark_cell ? (QzColor){ 1, 1, 1 } : t->text);
            draw_text(cr, x + cell / 2, y + cell / 2, buf, 0.5);
          }
        }
      }
    }
    /* Grid and diagonal outline. */
    set_color(cr, t->grid);
    cairo_set_line_width(cr, 1.0);
    for (size_t k = 0; k <= n; k++) {
      cairo_move_to(cr, gx, gy + cell * (double)k);
      cairo_line_to(cr, gx + cell * (double)n, gy + cell * (double)k);
      cairo_move_to(cr, gx + cell * (double)k, gy);
      cairo_line_to(cr, gx + cell * (double)k, gy + cell * (double)n);
    }
    cairo_stroke(cr);
    set_color(cr, QZ_BLUE_5);
    cairo_set_line_width(cr, 1.5);
    for (size_t k = 0; k < n; k++)
      cairo_rectangle(cr, gx + cell * (double)k, gy + cell * (double)k, cell, cell);
    cairo_stroke(cr);
    /* Class labels: rows on the left, columns below, rotated. */
    set_font(cr, t, MIN(0.8, MAX(0.5, cell / fs * 0.8)), FALSE);
    set_color(cr, t->text);
    for (size_t k = 0; k < n && c->class_labels; k++) {
      if (cell < fs * 0.45)
        break;
      g_autofree char *s = ellipsize(cr, c->class_labels[k], label_w - fs * 0.3);
      draw_text(cr, gx - fs * 0.3, gy + cell * ((double)k + 0.5), s, 1.0);
      draw_text_rotated(cr, gx + cell * ((double)k + 0.5), gy + cell * (double)n + fs * 0.3, s,
                        -G_PI / 2, 1.0);
    }
    set_font(cr, t, 0.85, FALSE);
    set_color(cr, t->muted);
    if (c->true_label)
      draw_text_rotated(cr, px + fs * 0.7, gy + cell * (double)n / 2, c->true_label, -G_PI / 2,
                        0.5);
    if (c->predicted_label)
      draw_text(cr, gx + cell * (double)n / 2,
                MIN(height - fs * 0.7, gy + cell * (double)n + label_w + fs * 0.9),
                c->predicted_label, 0.5);
  }
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Sizes against limits */

char *qz_plot_format_bytes(double b)
{
  if (!isfinite(b))
    return g_strdup("–");
  if (fabs(b) >= 1024.0 * 1024.0)
    return g_strdup_printf("%.2f MiB", b / (1024.0 * 1024.0));
  if (fabs(b) >= 1024.0)
    return g_strdup_printf("%.1f KiB", b / 1024.0);
  return g_strdup_printf("%.0f B", b);
}

void qz_plot_limits(cairo_t *cr, double width, double height, const QzLimitChart *c,
                    const QzPlotTheme *t)
{
  double top = begin_chart(cr, width, height, c->title, &t);
  double fs = base_size(t);
  size_t n = c->n_bars;
  if (n == 0) {
    cairo_restore(cr);
    return;
  }
  double vmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (isfinite(c->bars[i].value))
      vmax = MAX(vmax, c->bars[i].value);
    if (isfinite(c->bars[i].limit))
      vmax = MAX(vmax, c->bars[i].limit);
  }
  if (!(vmax > 0))
    vmax = 1;
  vmax *= 1.05;
  set_font(cr, t, 0.9, FALSE);
  double label_w = 0;
  for (size_t i = 0; i < n; i++)
    label_w = MAX(label_w, text_width(cr, c->bars[i].label));
  label_w = MIN(label_w + fs, width * 0.35);
  double x0 = label_w, x1 = width - fs * 1.5;
  double y0 = top, y1 = height - fs * 2.0;
  double row = (y1 - y0) / (double)n;
  if (row < fs * 0.8 || x1 - x0 < fs * 4) {
    cairo_restore(cr);
    return;
  }
  /* Byte ticks in a unit that suits the range. */
  double unit = vmax >= 2 * 1024 * 1024 ? 1024.0 * 1024.0 : vmax >= 2048 ? 1024.0 : 1.0;
  const char *unit_name = unit > 1024 ? "MiB" : unit > 1 ? "KiB" : "B";
  double step = nice_step(vmax / unit, 5) * unit;
  set_font(cr, t, 0.8, FALSE);
  cairo_set_line_width(cr, 1.0);
  for (double v = 0; v <= vmax + step * 1e-6; v += step) {
    double x = round(x0 + v / vmax * (x1 - x0)) + 0.5;
    set_color(cr, t->grid);
    cairo_move_to(cr, x, y0);
    cairo_line_to(cr, x, y1);
    cairo_stroke(cr);
    char buf[64];
    snprintf(buf, sizeof buf, "%g %s", v / unit, unit_name);
    set_color(cr, t->muted);
    draw_text(cr, x, y1 + fs * 0.8, buf, 0.5);
  }
  for (size_t i = 0; i < n; i++) {
    const QzLimitBar *b = &c->bars[i];
    double cy = y0 + row * ((double)i + 0.5);
    double bh = MIN(row * 0.6, fs * 2.2);
    gboolean has_limit = isfinite(b->limit) && b->limit > 0;
    gboolean over = has_limit && isfinite(b->value) && b->value > b->limit;
    QzColor col = !has_limit ? QZ_BLUE_3 : over ? QZ_RED_3 : QZ_GREEN_4;
    set_font(cr, t, 0.9, FALSE);
    set_color(cr, t->text);
    g_autofree char *lab = ellipsize(cr, b->label, label_w - fs * 0.6);
    draw_text(cr, x0 - fs * 0.5, cy, lab, 1.0);
    double bw = isfinite(b->value) ? b->value / vmax * (x1 - x0) : 0;
    fill_bar(cr, x0, cy - bh / 2, bw, bh, col, FALSE);
    /* Value text: inside the bar when it fits, else after it. */
    g_autofree char *vt = qz_plot_format_bytes(b->value);
    g_autofree char *full =
        over && c->over_text ? g_strdup_printf("%s (%s)", vt, c->over_text) : g_strdup(vt);
    set_font(cr, t, 0.8, over);
    double tw = text_width(cr, full);
    if (tw + fs < bw) {
      set_color(cr, (QzColor){ 1, 1, 1 });
      draw_text(cr, x0 + bw - fs * 0.4, cy, full, 1.0);
    } else {
      set_color(cr, over ? QZ_RED_3 : t->text);
      draw_text(cr, MIN(x0 + bw + fs * 0.4, x1 - tw), cy, full, 0.0);
    }
    if (has_limit) {
      double lx = round(x0 + b->limit / vmax * (x1 - x0)) + 0.5;
      double dash[] = { 4.0, 3.0 };
      cairo_set_dash(cr, dash, 2, 0);
      set_color(cr, QZ_RED_3);
      cairo_set_line_width(cr, 2.0);
      cairo_move_to(cr, lx, cy - row * 0.45);
      cairo_line_to(cr, lx, cy + row * 0.45);
      cairo_stroke(cr);
      cairo_set_dash(cr, NULL, 0, 0);
      if (b->limit_label && row > fs * 2.2) {
        set_font(cr, t, 0.7, FALSE);
        set_color(cr, QZ_RED_3);
        double lw = text_width(cr, b->limit_label);
        draw_text(cr, MIN(lx + 3, x1 + fs * 1.5 - lw), cy - bh / 2 - fs * 0.45, b->limit_label,
                  0.0);
      }
    }
  }
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Per-layer SQNR */

static int cmp_by_value(gconstpointer a, gconstpointer b, gpointer data)
{
  const double *v = data;
  double x = v[*(const size_t *)a], y = v[*(const size_t *)b];
  return (x > y) - (x < y);
}

void qz_plot_sqnr(cairo_t *cr, double width, double height, const QzSqnrChart *c,
                  const QzPlotTheme *t)
{
  double top = begin_chart(cr, width, height, c->title, &t);
  double fs = base_size(t);
  size_t n = c->n_layers;
  if (n == 0) {
    cairo_restore(cr);
    return;
  }
  double hi = 0, lo = 0;
  size_t measured = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(c->sqnr_db[i])) {
      hi = MAX(hi, c->sqnr_db[i]);
      lo = MIN(lo, c->sqnr_db[i]);
      measured++;
    }
  if (isfinite(c->threshold_db))
    hi = MAX(hi, c->threshold_db);
  hi = hi * 1.1 + 1;
  /* The worst layers, lowest SQNR first. */
  g_autofree size_t *order = g_new(size_t, n);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(c->sqnr_db[i]))
      order[m++] = i;
  g_qsort_with_data(order, (gint)m, sizeof(size_t), cmp_by_value, (gpointer)c->sqnr_db);
  size_t worst = MIN(c->worst, m);
  g_autofree gboolean *is_worst = g_new0(gboolean, n);
  for (size_t k = 0; k < worst; k++)
    is_worst[order[k]] = TRUE;

  /* Names of the worst layers listed on the right. */
  set_font(cr, t, 0.8, FALSE);
  double list_w = 0;
  for (size_t k = 0; k < worst; k++) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.1f dB  ", c->sqnr_db[order[k]]);
    list_w = MAX(list_w, text_width(cr, buf) + text_width(cr, c->layer_names[order[k]]));
  }
  list_w = worst ? MIN(list_w + fs * 1.5, width * 0.38) : 0;
  if (isfinite(c->threshold_db) && c->threshold_label)
    top += fs * 1.2;
  double left = y_axis_width(cr, lo, hi, 1.0, "%.0f", t) + (c->y_label ? fs * 1.8 : 4);
  frame f = { left, top + fs * 0.4, width - fs - list_w, height - fs * 2.2, lo, hi };
  if (f.x1 - f.x0 < fs * 4 || f.y1 - f.y0 < fs * 3) {
    cairo_restore(cr);
    return;
  }
  draw_y_axis(cr, &f, 1.0, "%.0f", t);
  if (c->y_label) {
    set_font(cr, t, 0.9, FALSE);
    set_color(cr, t->muted);
    draw_text_rotated(cr, fs * 0.8, (f.y0 + f.y1) / 2, c->y_label, -G_PI / 2, 0.5);
  }
  double bw = (f.x1 - f.x0) / (double)n;
  double zero_y = map_y(&f, 0);
  for (size_t i = 0; i < n; i++) {
    double v = c->sqnr_db[i];
    if (!isfinite(v))
      continue;
    gboolean below = isfinite(c->threshold_db) && v < c->threshold_db;
    QzColor col = is_worst[i] ? QZ_RED_3 : below ? QZ_ORANGE_3 : QZ_BLUE_3;
    double y = map_y(&f, v);
    double gap = bw > 4 ? 1 : 0;
    fill_bar(cr, f.x0 + bw * (double)i + gap / 2, MIN(y, zero_y), MAX(bw - gap, 0.6),
             fabs(zero_y - y), col, FALSE);
  }
  /* Layer index ticks along the bottom. */
  set_font(cr, t, 0.8, FALSE);
  set_color(cr, t->muted);
  double step = MAX(1.0, nice_step((double)n, 8));
  for (double k = 0; k < (double)n; k += step) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f", k);
    draw_text(cr, f.x0 + bw * (k + 0.5), f.y1 + fs * 0.8, buf, 0.5);
  }
  if (isfinite(c->threshold_db)) {
    double y = round(map_y(&f, c->threshold_db)) + 0.5;
    double dash[] = { 5.0, 4.0 };
    cairo_set_dash(cr, dash, 2, 0);
    set_color(cr, QZ_ORANGE_5);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, f.x0, y);
    cairo_line_to(cr, f.x1, y);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (c->threshold_label) {
      /* In the legend row above the plot, not over the bars. */
      double sx = f.x0;
      double sy = top - fs * 0.1;
      cairo_set_dash(cr, dash, 2, 0);
      cairo_move_to(cr, sx, sy);
      cairo_line_to(cr, sx + fs * 1.6, sy);
      cairo_stroke(cr);
      cairo_set_dash(cr, NULL, 0, 0);
      set_font(cr, t, 0.8, FALSE);
      draw_text(cr, sx + fs * 2.0, sy, c->threshold_label, 0.0);
    }
  }
  /* The worst layers: numbered marks above their bars and a list. */
  double ly = f.y0 + fs * 0.5;
  for (size_t k = 0; k < worst; k++) {
    size_t i = order[k];
    char num[32];
    snprintf(num, sizeof num, "%zu", k + 1);
    set_font(cr, t, 0.7, TRUE);
    set_color(cr, QZ_RED_3);
    double bx = f.x0 + bw * ((double)i + 0.5);
    double by = map_y(&f, MAX(c->sqnr_db[i], 0.0)) - fs * 0.6;
    draw_text(cr, bx, by - fs * 0.7 * (double)(k % 2), num, 0.5);
    if (list_w > 0 && ly < f.y1) {
      char buf[64];
      snprintf(buf, sizeof buf, "%zu. %.1f dB  ", k + 1, c->sqnr_db[i]);
      set_font(cr, t, 0.8, FALSE);
      set_color(cr, QZ_RED_3);
      double x = f.x1 + fs;
      draw_text(cr, x, ly, buf, 0.0);
      set_color(cr, t->text);
      double used = text_width(cr, buf);
      g_autofree char *name = ellipsize(cr, c->layer_names[i], list_w - fs - used);
      draw_text(cr, x + used, ly, name, 0.0);
      ly += fs * 1.3;
    }
  }
  (void)measured;
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Pareto scatter */

size_t qz_plot_pareto_front(const double *x, const double *y, size_t n, size_t *out)
{
  g_autofree size_t *idx = g_new(size_t, n ? n : 1);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i]) && isfinite(y[i]))
      idx[m++] = i;
  /* By x ascending, then y descending: a point is on the front when its y
   * beats every point with a smaller (or equal) x before it. */
  for (size_t a = 1; a < m; a++)
    for (size_t b = a; b > 0; b--) {
      size_t p = idx[b - 1], q = idx[b];
      if (x[q] < x[p] || (x[q] == x[p] && y[q] > y[p])) {
        idx[b - 1] = q;
        idx[b] = p;
      } else {
        break;
      }
    }
  size_t k = 0;
  double best = -INFINITY;
  for (size_t a = 0; a < m; a++)
    if (y[idx[a]] > best) {
      best = y[idx[a]];
      out[k++] = idx[a];
    }
  return k;
}

void qz_plot_pareto(cairo_t *cr, double width, double height, const QzScatterChart *c,
                    const QzPlotTheme *t)
{
  double top = begin_chart(cr, width, height, c->title, &t);
  double fs = base_size(t);
  size_t n = c->n_points;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double xv = c->x[i], yv = c->y[i];
    if (!isfinite(xv) || !isfinite(yv) || (c->log_x && xv <= 0))
      continue;
    if (c->log_x)
      xv = log10(xv);
    xmin = MIN(xmin, xv);
    xmax = MAX(xmax, xv);
    ymin = MIN(ymin, yv);
    ymax = MAX(ymax, yv);
  }
  if (!isfinite(xmin)) {
    cairo_restore(cr);
    return;
  }
  double xpad = (xmax - xmin) * 0.08 + (xmax == xmin ? 0.5 : 0);
  double ypad = (ymax - ymin) * 0.1 + (ymax == ymin ? 0.5 : 0);
  xmin -= xpad;
  xmax += xpad;
  ymin -= ypad;
  ymax += ypad;
  double legend_y = top + fs * 0.3;
  top += c->frontier_label ? fs * 1.6 : 0;
  double left = y_axis_width(cr, ymin, ymax, 1.0, "%.3g", t) + (c->y_label ? fs * 1.8 : 4);
  frame f = { left, top + fs * 0.4, width - fs * 1.5, height - fs * 3.2, ymin, ymax };
  if (f.x1 - f.x0 < fs * 4 || f.y1 - f.y0 < fs * 3) {
    cairo_restore(cr);
    return;
  }
  draw_y_axis(cr, &f, 1.0, "%.3g", t);
  /* x ticks */
  set_font(cr, t, 0.85, FALSE);
  double xs = c->log_x ? 1.0 : nice_step(xmax - xmin, 5);
  for (double v = ceil(xmin / xs) * xs; v <= xmax + xs * 1e-6; v += xs) {
    double x = round(f.x0 + (v - xmin) / (xmax - xmin) * (f.x1 - f.x0)) + 0.5;
    set_color(cr, t->grid);
    cairo_move_to(cr, x, f.y0);
    cairo_line_to(cr, x, f.y1);
    cairo_stroke(cr);
    char buf[64];
    snprintf(buf, sizeof buf, "%.4g", c->log_x ? pow(10.0, v) : v);
    set_color(cr, t->muted);
    draw_text(cr, x, f.y1 + fs * 0.8, buf, 0.5);
  }
  set_font(cr, t, 0.9, FALSE);
  set_color(cr, t->muted);
  if (c->x_label)
    draw_text(cr, (f.x0 + f.x1) / 2, height - fs * 0.8, c->x_label, 0.5);
  if (c->y_label)
    draw_text_rotated(cr, fs * 0.8, (f.y0 + f.y1) / 2, c->y_label, -G_PI / 2, 0.5);
#define PX(v) (f.x0 + ((c->log_x ? log10(v) : (v)) - xmin) / (xmax - xmin) * (f.x1 - f.x0))
#define PY(v) map_y(&f, (v))
  /* Front as a step line: better accuracy costs size. */
  g_autofree size_t *front = g_new(size_t, n ? n : 1);
  size_t nf = qz_plot_pareto_front(c->x, c->y, n, front);
  if (nf > 0) {
    set_color_alpha(cr, QZ_GREEN_4, 0.9);
    cairo_set_line_width(cr, 2.0);
    cairo_move_to(cr, PX(c->x[front[0]]), PY(c->y[front[0]]));
    for (size_t k = 1; k < nf; k++) {
      cairo_line_to(cr, PX(c->x[front[k]]), PY(c->y[front[k - 1]]));
      cairo_line_to(cr, PX(c->x[front[k]]), PY(c->y[front[k]]));
    }
    cairo_stroke(cr);
  }
  g_autofree gboolean *on_front = g_new0(gboolean, n ? n : 1);
  for (size_t k = 0; k < nf; k++)
    on_front[front[k]] = TRUE;
  set_font(cr, t, 0.75, FALSE);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(c->x[i]) || !isfinite(c->y[i]) || (c->log_x && c->x[i] <= 0))
      continue;
    double px = PX(c->x[i]), py = PY(c->y[i]);
    QzColor col = on_front[i] ? QZ_GREEN_4 : QZ_BLUE_3;
    set_color(cr, col);
    cairo_arc(cr, px, py, fs * 0.35, 0, 2 * G_PI);
    cairo_fill(cr);
    if ((gssize)i == c->highlight) {
      set_color(cr, QZ_ORANGE_3);
      cairo_set_line_width(cr, 2.5);
      cairo_arc(cr, px, py, fs * 0.7, 0, 2 * G_PI);
      cairo_stroke(cr);
    }
    if (c->point_labels && c->point_labels[i]) {
      set_color(cr, t->text);
      double tw = text_width(cr, c->point_labels[i]);
      gboolean flip = px + fs * 0.8 + tw > f.x1;
      draw_text(cr, flip ? px - fs * 0.8 : px + fs * 0.8, py - fs * 0.5, c->point_labels[i],
                flip ? 1.0 : 0.0);
    }
  }
#undef PX
#undef PY
  if (c->frontier_label) {
    QzColor col = QZ_GREEN_4;
    draw_legend(cr, f.x1, legend_y, 1, &c->frontier_label, &col, NULL, TRUE, t);
  }
  cairo_restore(cr);
}

/* ------------------------------------------------------------------------ */
/* Adapters and export */

/* Each chart's drawing as a QzPlotDrawFunc, which takes the chart untyped. */
#define QZ_PLOT_ADAPTER(kind, Chart)                                             \
  void qz_plot_draw_##kind(cairo_t *cr, double w, double h, gconstpointer chart, \
                           const QzPlotTheme *theme)                             \
  {                                                                              \
    qz_plot_##kind(cr, w, h, (const Chart *)chart, theme);                       \
  }

QZ_PLOT_ADAPTER(bars, QzBarChart)
QZ_PLOT_ADAPTER(confusion, QzConfusionChart)
QZ_PLOT_ADAPTER(limits, QzLimitChart)
QZ_PLOT_ADAPTER(sqnr, QzSqnrChart)
QZ_PLOT_ADAPTER(pareto, QzScatterChart)
#undef QZ_PLOT_ADAPTER

gboolean qz_plot_format_from_path(const char *path, QzPlotFormat *format)
{
  if (!path)
    return FALSE;
  const char *dot = strrchr(path, '.');
  if (!dot)
    return FALSE;
  if (g_ascii_strcasecmp(dot, ".png") == 0)
    *format = QZ_PLOT_PNG;
  else if (g_ascii_strcasecmp(dot, ".svg") == 0)
    *format = QZ_PLOT_SVG;
  else if (g_ascii_strcasecmp(dot, ".pdf") == 0)
    *format = QZ_PLOT_PDF;
  else
    return FALSE;
  return TRUE;
}

static cairo_status_t append_bytes(void *closure, const unsigned char *data, unsigned int len)
{
  g_byte_array_append(closure, data, len);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *qz_plot_render(QzPlotDrawFunc draw, gconstpointer chart, double width, double height,
                       double scale, QzPlotFormat format, GError **error)
{
  g_return_val_if_fail(draw != NULL && width > 0 && height > 0, NULL);
  GByteArray *out = g_byte_array_new();
  cairo_surface_t *s;
  if (scale <= 0)
    scale = 1;
  switch (format) {
  case QZ_PLOT_SVG:
    s = cairo_svg_surface_create_for_stream(append_bytes, out, width, height);
    break;
  case QZ_PLOT_PDF:
    s = cairo_pdf_surface_create_for_stream(append_bytes, out, width, height);
    break;
  default:
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(width * scale),
                                   (int)ceil(height * scale));
    break;
  }
  cairo_t *cr = cairo_create(s);
  if (format == QZ_PLOT_PNG)
    cairo_scale(cr, scale, scale);
  QzPlotTheme theme = light_theme;
  theme.paint_background = TRUE;
  draw(cr, width, height, chart, &theme);
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  if (format == QZ_PLOT_PNG && st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_write_to_png_stream(s, append_bytes, out);
  cairo_surface_finish(s);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS) {
    g_byte_array_unref(out);
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "drawing the plot failed: %s",
                cairo_status_to_string(st));
    return NULL;
  }
  return g_byte_array_free_to_bytes(out);
}

gboolean qz_plot_export(QzPlotDrawFunc draw, gconstpointer chart, double width, double height,
                        double scale, const char *path, QzPlotFormat format, GError **error)
{
  g_autoptr(GBytes) bytes = qz_plot_render(draw, chart, width, height, scale, format, error);
  if (!bytes)
    return FALSE;
  gsize len;
  const char *data = g_bytes_get_data(bytes, &len);
  return g_file_set_contents(path, data, (gssize)len, error);
}
