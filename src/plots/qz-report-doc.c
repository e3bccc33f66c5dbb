/* qz-report-doc.c - HTML and PDF reports of a run.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "qe/qe_fileutil.h"
#include "qe/qe_yaml.h"
#include "qz-report-doc.h"

void qz_report_labels_init(QzReportLabels *l)
{
  l->title = _("Quantization report");
  l->float_model = _("Float");
  l->quantized_model = _("Quantized");
  l->accuracy_title = _("Accuracy per class");
  l->f1_title = _("F1 score per class");
  l->score_axis = _("Score (%)");
  l->precision = _("Precision");
  l->recall = _("Recall");
  l->confusion_title = _("What was predicted for each class");
  l->true_class = _("True class");
  l->predicted_class = _("Predicted class");
  l->memory_title = _("Memory");
  l->flash_float = _("Flash: float model");
  l->flash_quantized = _("Flash: quantized model");
  l->ram_arena = _("RAM: working memory");
  l->board_flash = _("board flash");
  l->board_ram = _("board RAM");
  l->does_not_fit = _("does not fit");
  l->latency_title = _("Time per inference");
  l->latency_axis = _("Milliseconds");
  l->host_float = _("This computer, float");
  l->host_quantized = _("This computer, quantized");
  l->board_estimated = _("Board (estimate)");
  l->board_measured = _("Board (measured)");
  l->sqnr_title = _("Error added by each layer");
  l->sqnr_axis = _("Signal to noise (dB)");
  l->sqnr_threshold = _("below 20 dB: noticeable error");
  l->summary_title = _("Summary");
  l->metric = _("Measure");
  l->model_path = _("Model");
  l->format = _("Format");
  l->parameters = _("Parameters");
  l->macs = _("Multiply-accumulates");
  l->samples = _("Test samples");
  l->accuracy = _("Accuracy");
  l->macro_f1 = _("Macro F1");
  l->weighted_f1 = _("Weighted F1");
  l->model_size = _("Model size");
  l->weights = _("Weights");
  l->arena = _("Working memory (RAM)");
  l->latency = _("Time per inference");
  l->output_error = _("Output difference, float vs quantized");
  l->board = _("Board");
  l->warnings = _("Warnings");
  l->settings = _("Settings");
  l->not_measured = _("not measured");
  l->generated_by = _("Made by Quantizer");
}

/* ------------------------------------------------------------------------ */
/* Charts from a report */

static gpointer own(QzReportCharts *c, gpointer p)
{
  g_ptr_array_add(c->owned, p);
  return p;
}

static QzBarChart *class_bars(QzReportCharts *c, const qe_report *r, const QzReportLabels *l,
                              const char *title, gboolean f1)
{
  const qe_report_eval *e[2] = { &r->float_eval, &r->quant_eval };
  if (!e[0]->per_class && !e[1]->per_class)
    return NULL;
  size_t n = r->n_classes;
  QzBarChart *b = own(c, g_new0(QzBarChart, 1));
  double *v = own(c, g_new(double, n * 2));
  const char **series = own(c, g_new(const char *, 2));
  series[0] = l->float_model;
  series[1] = l->quantized_model;
  for (size_t k = 0; k < n; k++)
    for (size_t s = 0; s < 2; s++)
      v[k * 2 + s] =
          e[s]->per_class ? (f1 ? e[s]->per_class[k].f1 : e[s]->per_class[k].recall) : NAN;
  b->title = title;
  b->y_label = l->score_axis;
  b->n_groups = n;
  b->group_labels = (const char *const *)r->class_names;
  b->n_series = 2;
  b->series_labels = series;
  b->values = v;
  b->y_min = 0;
  b->y_max = 1;
  b->value_scale = 100;
  b->value_format = "%.0f";
  return b;
}

QzReportCharts *qz_report_charts_new(const qe_report *r, const QzReportLabels *l)
{
  QzReportCharts *c = g_new0(QzReportCharts, 1);
  c->owned = g_ptr_array_new_with_free_func(g_free);
  c->accuracy = class_bars(c, r, l, l->accuracy_title, FALSE);
  c->f1 = class_bars(c, r, l, l->f1_title, TRUE);

  /* Confusion matrices. */
  QzConfusion *m = own(c, g_new0(QzConfusion, 2));
  size_t nm = 0;
  if (r->float_eval.confusion)
    m[nm++] = (QzConfusion){ l->float_model, r->n_classes, r->float_eval.confusion };
  if (r->quant_eval.confusion)
    m[nm++] = (QzConfusion){ l->quantized_model, r->n_classes, r->quant_eval.confusion };
  if (nm) {
    c->confusion = own(c, g_new0(QzConfusionChart, 1));
    *c->confusion = (QzConfusionChart){ l->confusion_title,
                                        l->true_class,
                                        l->predicted_class,
                                        (const char *const *)r->class_names,
                                        nm,
                                        m };
  }

  /* Memory against the board. */
  QzLimitBar *bars = own(c, g_new0(QzLimitBar, 3));
  size_t nb = 0;
  double flash = r->board.id && r->board.flash_bytes >= 0 ? (double)r->board.flash_bytes : NAN;
  double ram = r->board.id && r->board.ram_bytes >= 0 ? (double)r->board.ram_bytes : NAN;
  char *flash_label = NULL, *ram_label = NULL;
  if (isfinite(flash)) {
    g_autofree char *b = qz_plot_format_bytes(flash);
    flash_label = own(c, g_strdup_printf("%s %s", l->board_flash, b));
  }
  if (isfinite(ram)) {
    g_autofree char *b = qz_plot_format_bytes(ram);
    ram_label = own(c, g_strdup_printf("%s %s", l->board_ram, b));
  }
  if (r->size.float_bytes >= 0)
    bars[nb++] = (QzLimitBar){ l->flash_float, (double)r->size.float_bytes, flash, flash_label };
  if (r->size.quantized_bytes >= 0)
    bars[nb++] =
        (QzLimitBar){ l->flash_quantized, (double)r->size.quantized_bytes, flash, flash_label };
  if (r->size.arena_bytes >= 0)
    bars[nb++] = (QzLimitBar){ l->ram_arena, (double)r->size.arena_bytes, ram, ram_label };
  if (nb) {
    c->memory = own(c, g_new0(QzLimitChart, 1));
    *c->memory = (QzLimitChart){ l->memory_title, nb, bars, l->does_not_fit };
  }

  /* Latency: one bar per measurement, the board's hatched when estimated. */
  const char **names = own(c, g_new0(const char *, 3));
  double *lat = own(c, g_new(double, 9));
  gboolean *hatch = own(c, g_new0(gboolean, 3));
  size_t nl = 0;
  double vals[3];
  if (r->float_eval.latency.runs) {
    names[nl] = l->host_float;
    vals[nl++] = r->float_eval.latency.median_ms;
  }
  if (r->quant_eval.latency.runs) {
    names[nl] = l->host_quantized;
    vals[nl++] = r->quant_eval.latency.median_ms;
  }
  if (r->board.id && isfinite(r->board.latency_ms)) {
    names[nl] = r->board.latency_measured ? l->board_measured : l->board_estimated;
    hatch[nl] = !r->board.latency_measured;
    vals[nl++] = r->board.latency_ms;
  }
  if (nl) {
    /* A diagonal matrix: group i only has series i, so each bar gets its
     * own colour and legend entry. */
    for (size_t i = 0; i < nl; i++)
      for (size_t s = 0; s < nl; s++)
        lat[i * nl + s] = i == s ? vals[i] : NAN;
    c->latency = own(c, g_new0(QzBarChart, 1));
    *c->latency = (QzBarChart){ .title = l->latency_title,
                                .y_label = l->latency_axis,
                                .n_groups = nl,
                                .group_labels = names,
                                .n_series = nl,
                                .series_labels = names,
                                .values = lat,
                                .y_min = 0,
                                .y_max = NAN,
                                .value_scale = 1,
                                .value_format = "%.3g",
                                .hatched = hatch };
  }

  if (r->n_layers) {
    const char **ln = own(c, g_new(const char *, r->n_layers));
    double *sq = own(c, g_new(double, r->n_layers));
    for (size_t i = 0; i < r->n_layers; i++) {
      ln[i] = r->layers[i].name;
      sq[i] = r->layers[i].sqnr_db;
    }
    c->sqnr = own(c, g_new0(QzSqnrChart, 1));
    *c->sqnr = (QzSqnrChart){
      l->sqnr_title, l->sqnr_axis,     r->n_layers, ln, sq, MIN(r->n_layers, (size_t)5),
      20.0,          l->sqnr_threshold
    };
  }
  return c;
}

void qz_report_charts_free(QzReportCharts *c)
{
  if (!c)
    return;
  g_ptr_array_unref(c->owned);
  g_free(c);
}

/* ------------------------------------------------------------------------ */
/* Summary rows shared by HTML and PDF */

typedef struct {
  char *name, *float_text, *quant_text;
} summary_row;

static char *pct(double v, const QzReportLabels *l)
{
  return isfinite(v) ? g_strdup_printf("%.2f %%", v * 100.0) : g_strdup(l->not_measured);
}

static char *count_text(int64_t v, const QzReportLabels *l)
{
  return v >= 0 ? g_strdup_printf("%" G_GINT64_FORMAT, v) : g_strdup(l->not_measured);
}

static char *bytes_text(int64_t v, const QzReportLabels *l)
{
  return v >= 0 ? qz_plot_format_bytes((double)v) : g_strdup(l->not_measured);
}

static char *ms_text(const qe_report_eval *e, const QzReportLabels *l)
{
  return e->latency.runs ? g_strdup_printf("%.3g ms", e->latency.median_ms)
                         : g_strdup(l->not_measured);
}

static GArray *summary_rows(const qe_report *r, const QzReportLabels *l)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(summary_row));
#define ROW(n, f, q)                          \
  do {                                        \
    summary_row row_ = { g_strdup(n), f, q }; \
    g_array_append_val(a, row_);              \
  } while (0)
  ROW(l->samples, count_text(r->float_eval.samples, l), count_text(r->quant_eval.samples, l));
  ROW(l->accuracy, pct(r->float_eval.accuracy, l), pct(r->quant_eval.accuracy, l));
  ROW(l->macro_f1, pct(r->float_eval.macro_f1, l), pct(r->quant_eval.macro_f1, l));
  ROW(l->weighted_f1, pct(r->float_eval.weighted_f1, l), pct(r->quant_eval.weighted_f1, l));
  ROW(l->model_size, bytes_text(r->size.float_bytes, l), bytes_text(r->size.quantized_bytes, l));
  ROW(l->weights, g_strdup(""), bytes_text(r->size.weights_bytes, l));
  ROW(l->arena, g_strdup(""), bytes_text(r->size.arena_bytes, l));
  ROW(l->latency, ms_text(&r->float_eval, l), ms_text(&r->quant_eval, l));
#undef ROW
  return a;
}

static void summary_rows_free(GArray *a)
{
  for (guint i = 0; i < a->len; i++) {
    summary_row *row = &g_array_index(a, summary_row, i);
    g_free(row->name);
    g_free(row->float_text);
    g_free(row->quant_text);
  }
  g_array_unref(a);
}

static char *output_error_text(const qe_report *r)
{
  if (!r->has_output_error)
    return NULL;
  const qe_err_result *e = &r->output_error;
  g_autofree char *acc =
      isfinite(e->acc) ? g_strdup_printf(" · ACC %.2f %%", e->acc * 100) : g_strdup("");
  return g_strdup_printf("RMSE %.4g · MAE %.4g · L2R %.4g · COS %.6f · NSE %.6f%s", e->rmse, e->mae,
                         e->l2r, e->cos, e->nse, acc);
}

static char *config_text(const qe_report *r)
{
  char *text = NULL;
  size_t len;
  if (!r->config || qe_yaml_emit(qe_yaml_root(r->config), &text, &len, NULL) != QE_OK)
    return NULL;
  char *copy = g_strndup(text, len);
  free(text);
  return copy;
}

/* The charts to show, in order, with their sizes (points). */
typedef struct {
  QzPlotDrawFunc draw;
  gconstpointer chart;
  double w, h;
} chart_item;

static size_t chart_list(const QzReportCharts *c, const qe_report *r, chart_item *out)
{
  size_t n = 0;
  double cw = MAX(520.0, MIN(1000.0, 90.0 * (double)r->n_classes + 160.0));
  if (c->accuracy)
    out[n++] = (chart_item){ qz_plot_draw_bars, c->accuracy, cw, 320 };
  if (c->f1)
    out[n++] = (chart_item){ qz_plot_draw_bars, c->f1, cw, 320 };
  if (c->confusion) {
    double side = MIN(460.0, MAX(240.0, 38.0 * (double)r->n_classes + 140.0));
    out[n++] = (chart_item){ qz_plot_draw_confusion, c->confusion,
                             side * (double)c->confusion->n_matrices, side + 60 };
  }
  if (c->memory)
    out[n++] = (chart_item){ qz_plot_draw_limits, c->memory, 720,
                             80.0 + 60.0 * (double)c->memory->n_bars };
  if (c->latency)
    out[n++] = (chart_item){ qz_plot_draw_bars, c->latency, 600, 300 };
  if (c->sqnr)
    out[n++] = (chart_item){ qz_plot_draw_sqnr, c->sqnr, 900, 340 };
  return n;
}

/* ------------------------------------------------------------------------ */
/* HTML */

static void html_escape_append(GString *s, const char *text)
{
  g_autofree char *e = g_markup_escape_text(text ? text : "", -1);
  g_string_append(s, e);
}

/* A row of the summary table: the measure, the original model's value and
 * the quantized model's (@head: the row of headings). */
static void html_summary_row(GString *s, gboolean head, const char *name, const char *float_text,
                             const char *quant_text)
{
  const char *open = head ? "<th>" : "<td class=\"num\">";
  const char *close = head ? "</th>" : "</td>";

  g_string_append(s, head ? "<tr><th>" : "<tr><td>");
  html_escape_append(s, name);
  g_string_append_printf(s, "%s%s", close, open);
  html_escape_append(s, float_text);
  g_string_append_printf(s, "%s%s", close, open);
  html_escape_append(s, quant_text);
  g_string_append_printf(s, "%s</tr>\n", close);
}

gboolean qz_report_write_html(const qe_report *r, const QzReportLabels *l, const char *path,
                              GError **error)
{
  QzReportCharts *charts = qz_report_charts_new(r, l);
  chart_item items[8];
  size_t n_items = chart_list(charts, r, items);
  GString *s = g_string_new(NULL);
  g_string_append(s, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>");
  html_escape_append(s, l->title);
  g_string_append(
      s, "</title>\n<style>\n"
         "body { font-family: Cantarell, 'Noto Sans', sans-serif; color: #241f31; "
         "max-width: 1040px; margin: 2em auto; padding: 0 1em; }\n"
         "h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }\n"
         "table { border-collapse: collapse; } td, th { padding: 0.3em 0.9em; "
         "border-bottom: 1px solid #deddda; text-align: left; }\n"
         "td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
         "img { max-width: 100%; height: auto; display: block; margin: 1em 0; }\n"
         ".warn { color: #c64600; } pre { background: #f6f5f4; padding: 1em; overflow-x: auto; }\n"
         ".muted { color: #5e5c64; }\n"
         "</style>\n</head>\n<body>\n<h1>");
  html_escape_append(s, l->title);
  g_string_append(s, "</h1>\n<p class=\"muted\">");
  html_escape_append(s, l->model_path);
  g_string_append(s, ": <code>");
  html_escape_append(s, r->model.path ? r->model.path : "");
  g_string_append(s, "</code>");
  if (r->model.format) {
    g_string_append(s, " · ");
    html_escape_append(s, r->model.format);
  }
  if (r->model.params >= 0)
    g_string_append_printf(s, " · %s %" G_GINT64_FORMAT, l->parameters, r->model.params);
  if (r->model.macs >= 0)
    g_string_append_printf(s, " · %s %" G_GINT64_FORMAT, l->macs, r->model.macs);
  if (r->board.id) {
    g_string_append(s, " · ");
    html_escape_append(s, l->board);
    g_string_append(s, " ");
    html_escape_append(s, r->board.name ? r->board.name : r->board.id);
  }
  g_string_append(s, "</p>\n<h2>");
  html_escape_append(s, l->summary_title);
  g_string_append(s, "</h2>\n<table>\n");
  html_summary_row(s, TRUE, l->metric, l->float_model, l->quantized_model);
  GArray *rows = summary_rows(r, l);
  for (guint i = 0; i < rows->len; i++) {
    summary_row *row = &g_array_index(rows, summary_row, i);
    html_summary_row(s, FALSE, row->name, row->float_text, row->quant_text);
  }
  summary_rows_free(rows);
  g_string_append(s, "</table>\n");
  /* Per class: precision, recall, F1 of both models. */
  const qe_report_eval *ev[2] = { &r->float_eval, &r->quant_eval };
  if (r->n_classes && (ev[0]->per_class || ev[1]->per_class)) {
    g_string_append(s, "<h2>");
    html_escape_append(s, l->f1_title);
    g_string_append(s, "</h2>\n<table>\n<tr><th></th>");
    const char *heads[3] = { l->precision, l->recall, "F1" };
    for (int m = 0; m < 2; m++)
      for (int k = 0; k < 3; k++) {
        g_string_append(s, "<th>");
        html_escape_append(s, m ? l->quantized_model : l->float_model);
        g_string_append(s, "<br>");
        html_escape_append(s, heads[k]);
        g_string_append(s, "</th>");
      }
    g_string_append(s, "<th>");
    html_escape_append(s, l->samples);
    g_string_append(s, "</th></tr>\n");
    for (size_t c = 0; c < r->n_classes; c++) {
      g_string_append(s, "<tr><td>");
      html_escape_append(s, r->class_names[c]);
      g_string_append(s, "</td>");
      int64_t support = -1;
      for (int m = 0; m < 2; m++) {
        const qe_report_class *pc = ev[m]->per_class ? &ev[m]->per_class[c] : NULL;
        double vals[3] = { pc ? pc->precision : NAN, pc ? pc->recall : NAN, pc ? pc->f1 : NAN };
        for (int k = 0; k < 3; k++) {
          if (isfinite(vals[k]))
            g_string_append_printf(s, "<td class=\"num\">%.1f %%</td>", vals[k] * 100);
          else
            g_string_append(s, "<td class=\"num\">–</td>");
        }
        if (pc)
          support = pc->support;
      }
      g_string_append_printf(s, "<td class=\"num\">%" G_GINT64_FORMAT "</td></tr>\n", support);
    }
    g_string_append(s, "</table>\n");
  }
  g_autofree char *oe = output_error_text(r);
  if (oe) {
    g_string_append(s, "<p>");
    html_escape_append(s, l->output_error);
    g_string_append(s, ": ");
    html_escape_append(s, oe);
    g_string_append(s, "</p>\n");
  }
  gboolean ok = TRUE;
  for (size_t i = 0; i < n_items && ok; i++) {
    g_autoptr(GBytes) png = qz_plot_render(items[i].draw, items[i].chart, items[i].w, items[i].h,
                                           2.0, QZ_PLOT_PNG, error);
    if (!png) {
      ok = FALSE;
      break;
    }
    gsize len;
    const guchar *data = g_bytes_get_data(png, &len);
    g_autofree char *b64 = g_base64_encode(data, len);
    g_string_append_printf(s, "<img width=\"%.0f\" height=\"%.0f\" alt=\"", items[i].w, items[i].h);
    const char *alt = items[i].draw == qz_plot_draw_confusion ? l->confusion_title
                      : items[i].draw == qz_plot_draw_limits  ? l->memory_title
                      : items[i].draw == qz_plot_draw_sqnr
                          ? l->sqnr_title
                          : ((const QzBarChart *)items[i].chart)->title;
    html_escape_append(s, alt);
    g_string_append_printf(s, "\" src=\"data:image/png;base64,%s\">\n", b64);
  }
  if (ok && r->n_warnings) {
    g_string_append(s, "<h2>");
    html_escape_append(s, l->warnings);
    g_string_append(s, "</h2>\n<ul>\n");
    for (size_t i = 0; i < r->n_warnings; i++) {
      g_string_append(s, "<li class=\"warn\">");
      html_escape_append(s, r->warnings[i]);
      g_string_append(s, "</li>\n");
    }
    g_string_append(s, "</ul>\n");
  }
  g_autofree char *cfg = config_text(r);
  if (ok && cfg) {
    g_string_append(s, "<h2>");
    html_escape_append(s, l->settings);
    g_string_append(s, "</h2>\n<pre>");
    html_escape_append(s, cfg);
    g_string_append(s, "</pre>\n");
  }
  if (ok) {
    g_string_append(s, "<p class=\"muted\">");
    html_escape_append(s, l->generated_by);
    g_string_append_printf(s, " %s</p>\n</body>\n</html>\n", qe_version());
    ok = g_file_set_contents(path, s->str, (gssize)s->len, error);
  }
  g_string_free(s, TRUE);
  qz_report_charts_free(charts);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* PDF: a summary page, then one plot per page (A4 landscape). */

#define PAGE_W 842.0
#define PAGE_H 595.0

static cairo_status_t pdf_append(void *closure, const unsigned char *data, unsigned int len)
{
  g_byte_array_append(closure, data, len);
  return CAIRO_STATUS_SUCCESS;
}

static void pdf_text(cairo_t *cr, double x, double y, double size, gboolean bold, const char *t)
{
  cairo_select_font_face(cr, "Cantarell", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, t ? t : "");
}

gboolean qz_report_write_pdf(const qe_report *r, const QzReportLabels *l, const char *path,
                             GError **error)
{
  QzReportCharts *charts = qz_report_charts_new(r, l);
  chart_item items[8];
  size_t n_items = chart_list(charts, r, items);
  GByteArray *out = g_byte_array_new();
  cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(pdf_append, out, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, l->title);
  cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "Quantizer");
  cairo_t *cr = cairo_create(surf);

  /* Page 1: summary. */
  cairo_set_source_rgb(cr, 0x24 / 255.0, 0x1f / 255.0, 0x31 / 255.0);
  pdf_text(cr, 48, 64, 22, TRUE, l->title);
  g_autofree char *model =
      g_strdup_printf("%s: %s%s%s", l->model_path, r->model.path ? r->model.path : "",
                      r->model.format ? "  ·  " : "", r->model.format ? r->model.format : "");
  pdf_text(cr, 48, 92, 10, FALSE, model);
  if (r->board.id) {
    g_autofree char *b =
        g_strdup_printf("%s: %s", l->board, r->board.name ? r->board.name : r->board.id);
    pdf_text(cr, 48, 108, 10, FALSE, b);
  }
  double y = 144;
  pdf_text(cr, 48, y, 14, TRUE, l->summary_title);
  y += 24;
  pdf_text(cr, 48, y, 10, TRUE, l->metric);
  pdf_text(cr, 300, y, 10, TRUE, l->float_model);
  pdf_text(cr, 460, y, 10, TRUE, l->quantized_model);
  GArray *rows = summary_rows(r, l);
  for (guint i = 0; i < rows->len; i++) {
    summary_row *row = &g_array_index(rows, summary_row, i);
    y += 18;
    pdf_text(cr, 48, y, 10, FALSE, row->name);
    pdf_text(cr, 300, y, 10, FALSE, row->float_text);
    pdf_text(cr, 460, y, 10, FALSE, row->quant_text);
  }
  summary_rows_free(rows);
  g_autofree char *oe = output_error_text(r);
  if (oe) {
    y += 30;
    pdf_text(cr, 48, y, 10, TRUE, l->output_error);
    y += 16;
    pdf_text(cr, 48, y, 10, FALSE, oe);
  }
  if (r->n_warnings) {
    y += 30;
    pdf_text(cr, 48, y, 10, TRUE, l->warnings);
    for (size_t i = 0; i < r->n_warnings && y < PAGE_H - 60; i++) {
      y += 15;
      cairo_set_source_rgb(cr, 0xc6 / 255.0, 0x46 / 255.0, 0);
      pdf_text(cr, 56, y, 8.5, FALSE, r->warnings[i]);
    }
  }
  cairo_set_source_rgb(cr, 0x5e / 255.0, 0x5c / 255.0, 0x64 / 255.0);
  g_autofree char *foot = g_strdup_printf("%s %s", l->generated_by, qe_version());
  pdf_text(cr, 48, PAGE_H - 32, 8, FALSE, foot);
  cairo_show_page(cr);

  /* One plot per page, scaled to fit with margins. */
  QzPlotTheme theme = *qz_plot_theme_light();
  for (size_t i = 0; i < n_items; i++) {
    double s = MIN((PAGE_W - 72) / items[i].w, (PAGE_H - 72) / items[i].h);
    cairo_save(cr);
    cairo_translate(cr, (PAGE_W - items[i].w * s) / 2, (PAGE_H - items[i].h * s) / 2);
    cairo_scale(cr, s, s);
    items[i].draw(cr, items[i].w, items[i].h, items[i].chart, &theme);
    cairo_restore(cr);
    cairo_show_page(cr);
  }
  g_autofree char *cfg = config_text(r);
  if (cfg) {
    /* The settings, as many pages as they need. */
    char **lines = g_strsplit(cfg, "\n", -1);
    y = 64;
    cairo_set_source_rgb(cr, 0x24 / 255.0, 0x1f / 255.0, 0x31 / 255.0);
    pdf_text(cr, 48, 48, 14, TRUE, l->settings);
    for (char **ln = lines; *ln; ln++) {
      if (y > PAGE_H - 40) {
        cairo_show_page(cr);
        y = 48;
      }
      cairo_select_font_face(cr, "monospace", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size(cr, 8);
      cairo_move_to(cr, 48, y);
      cairo_show_text(cr, *ln);
      y += 10;
    }
    g_strfreev(lines);
    cairo_show_page(cr);
  }
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surf);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(surf);
  cairo_surface_destroy(surf);
  qz_report_charts_free(charts);
  gboolean ok;
  if (st != CAIRO_STATUS_SUCCESS) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "writing the PDF report failed: %s",
                cairo_status_to_string(st));
    ok = FALSE;
  } else {
    ok = g_file_set_contents(path, (const char *)out->data, (gssize)out->len, error);
  }
  g_byte_array_unref(out);
  return ok;
}

qe_status qz_report_write_run_files(void *user_data, qe_pipeline *p, const char *staging_dir,
                                    qe_ctx *ctx)
{
  (void)user_data;
  const qe_report *r = qe_pipeline_report(p);
  QzReportLabels labels;
  qz_report_labels_init(&labels);
  QzReportCharts *charts = qz_report_charts_new(r, &labels);
  g_autofree char *plots = g_build_filename(staging_dir, "plots", NULL);
  qe_status st = qe_mkdir_p(plots, ctx);
  struct {
    const char *name;
    QzPlotDrawFunc draw;
    gconstpointer chart;
    double w, h;
  } items[] = {
    { "accuracy.png", qz_plot_draw_bars, charts->accuracy, 800, 450 },
    { "f1.png", qz_plot_draw_bars, charts->f1, 800, 450 },
    { "confusion.png", qz_plot_draw_confusion, charts->confusion, 1000, 520 },
    { "memory.png", qz_plot_draw_limits, charts->memory, 800, 360 },
    { "latency.png", qz_plot_draw_bars, charts->latency, 800, 400 },
    { "sqnr.png", qz_plot_draw_sqnr, charts->sqnr, 1000, 450 },
  };
  for (size_t i = 0; st == QE_OK && i < G_N_ELEMENTS(items); i++) {
    if (!items[i].chart)
      continue;
    g_autofree char *path = g_build_filename(plots, items[i].name, NULL);
    g_autoptr(GError) error = NULL;
    if (!qz_plot_export(items[i].draw, items[i].chart, items[i].w, items[i].h, 1.0, path,
                        QZ_PLOT_PNG, &error)) {
      st = qe_error(ctx, QE_ERR_IO, "%s", error->message);
      break;
    }
    g_autofree char *rel = g_build_filename("plots", items[i].name, NULL);
    st = qe_pipeline_add_artifact(p, "plot", rel, ctx);
  }
  qz_report_charts_free(charts);
  if (st)
    return st;
  g_autoptr(GError) error = NULL;
  g_autofree char *html = g_build_filename(staging_dir, "report.html", NULL);
  if (!qz_report_write_html(r, &labels, html, &error))
    return qe_error(ctx, QE_ERR_IO, "%s", error->message);
  if ((st = qe_pipeline_add_artifact(p, "report_html", "report.html", ctx)) != QE_OK)
    return st;
  g_autofree char *pdf = g_build_filename(staging_dir, "report.pdf", NULL);
  if (!qz_report_write_pdf(r, &labels, pdf, &error))
    return qe_error(ctx, QE_ERR_IO, "%s", error->message);
  return qe_pipeline_add_artifact(p, "report_pdf", "report.pdf", ctx);
}
