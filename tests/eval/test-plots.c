/* test-plots.c - every plot rendered from the sample report to PNG, SVG and
 * PDF (kept in the build folder: tests/eval/plots/), checked to be valid
 * and non-trivial: PNGs decode with varied pixels, SVGs parse as XML with
 * drawing elements, PDFs have their header, trailer and pages; the HTML and
 * PDF reports embed what they should; odd inputs do not crash.
 *
 *   test-plots OUTDIR
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fontconfig/fontconfig.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "../eval/sample-report.h"
#include "qe/qe.h"
#include "qz-plots.h"
#include "qz-report-doc.h"

static char *outdir;

/* Distinct colours and the share of pixels that differ from the corner
 * (background) pixel. */
static void png_stats(const char *path, int *w, int *h, guint *colors, double *ink)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  g_assert_cmpint(cairo_surface_status(s), ==, CAIRO_STATUS_SUCCESS);
  *w = cairo_image_surface_get_width(s);
  *h = cairo_image_surface_get_height(s);
  int stride = cairo_image_surface_get_stride(s);
  const guint8 *data = cairo_image_surface_get_data(s);
  guint32 bg = *(const guint32 *)data;
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  guint64 differ = 0;
  for (int y = 0; y < *h; y++)
    for (int x = 0; x < *w; x++) {
      guint32 p = *(const guint32 *)(data + (gsize)y * (gsize)stride + (gsize)x * 4);
      g_hash_table_add(seen, GUINT_TO_POINTER(p));
      differ += p != bg;
    }
  *colors = g_hash_table_size(seen);
  *ink = (double)differ / ((double)*w * (double)*h);
  g_hash_table_unref(seen);
  cairo_surface_destroy(s);
}

typedef struct {
  int depth;
  gboolean root_is_svg;
  guint drawing;
} svg_state;

static void svg_start(GMarkupParseContext *c, const char *name, const char **an, const char **av,
                      gpointer user, GError **error)
{
  svg_state *s = user;
  if (s->depth++ == 0)
    s->root_is_svg = strcmp(name, "svg") == 0;
  if (strcmp(name, "path") == 0 || strcmp(name, "rect") == 0 || strcmp(name, "use") == 0 ||
      strcmp(name, "image") == 0 || strcmp(name, "g") == 0)
    s->drawing++;
}

static void svg_end(GMarkupParseContext *c, const char *name, gpointer user, GError **error)
{
  ((svg_state *)user)->depth--;
}

static void check_svg(const char *path)
{
  g_autofree char *text = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(path, &text, &len, NULL));
  /* Skip the XML declaration, GMarkup does not take it. */
  const char *start = strstr(text, "<svg");
  g_assert_nonnull(start);
  GMarkupParser p = { svg_start, svg_end, NULL, NULL, NULL };
  svg_state st = { 0 };
  GMarkupParseContext *ctx = g_markup_parse_context_new(&p, 0, &st, NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok =
      g_markup_parse_context_parse(ctx, start, (gssize)(len - (gsize)(start - text)), &error) &&
      g_markup_parse_context_end_parse(ctx, &error);
  if (!ok)
    g_error("%s: not valid XML: %s", path, error->message);
  g_markup_parse_context_free(ctx);
  g_assert_true(st.root_is_svg);
  g_assert_cmpuint(st.drawing, >, 10);
}

static guint count_substr(const char *hay, gsize len, const char *needle)
{
  guint n = 0;
  gsize nl = strlen(needle);
  for (gsize i = 0; i + nl <= len; i++)
    if (memcmp(hay + i, needle, nl) == 0)
      n++;
  return n;
}

/* Pages in a PDF: "/Type /Page" objects that are not "/Type /Pages". */
static guint check_pdf(const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >, 1000);
  g_assert_true(memcmp(data, "%PDF-", 5) == 0);
  g_assert_nonnull(g_strrstr_len(data + len - 32, 32, "%%EOF"));
  return count_substr(data, len, "/Type /Page") - count_substr(data, len, "/Type /Pages");
}

static void export_all(const char *name, QzPlotDrawFunc draw, gconstpointer chart, double w,
                       double h, guint min_colors)
{
  static const char *const ext[] = { "png", "svg", "pdf" };
  for (int f = 0; f < 3; f++) {
    g_autofree char *file = g_strdup_printf("%s/%s.%s", outdir, name, ext[f]);
    QzPlotFormat fmt;
    g_assert_true(qz_plot_format_from_path(file, &fmt));
    g_autoptr(GError) error = NULL;
    if (!qz_plot_export(draw, chart, w, h, 1.0, file, fmt, &error))
      g_error("%s: %s", file, error->message);
    if (fmt == QZ_PLOT_PNG) {
      int pw, ph;
      guint colors;
      double ink;
      png_stats(file, &pw, &ph, &colors, &ink);
      g_assert_cmpint(pw, ==, (int)ceil(w));
      g_assert_cmpint(ph, ==, (int)ceil(h));
      g_test_message("%s: %u colours, %.1f%% ink", file, colors, ink * 100);
      g_assert_cmpuint(colors, >=, min_colors);
      g_assert_cmpfloat(ink, >, 0.03);
      g_assert_cmpfloat(ink, <, 0.9);
    } else if (fmt == QZ_PLOT_SVG) {
      check_svg(file);
    } else {
      g_assert_cmpuint(check_pdf(file), ==, 1);
    }
  }
  /* The dark theme draws too, on a dark background. */
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)h);
  cairo_t *cr = cairo_create(s);
  draw(cr, w, h, chart, qz_plot_theme_dark());
  g_assert_cmpint(cairo_status(cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy(cr);
  g_autofree char *dark = g_strdup_printf("%s/%s-dark.png", outdir, name);
  g_assert_cmpint(cairo_surface_write_to_png(s, dark), ==, CAIRO_STATUS_SUCCESS);
  const guint8 *px = cairo_image_surface_get_data(s);
  g_assert_cmpuint(px[0] + px[1] + px[2], <, 3 * 64); /* dark corner */
  cairo_surface_destroy(s);
}

static qe_report *report;
static QzReportLabels labels;

static void test_report_charts(void)
{
  QzReportCharts *c = qz_report_charts_new(report, &labels);
  g_assert_nonnull(c->accuracy);
  g_assert_nonnull(c->f1);
  g_assert_nonnull(c->confusion);
  g_assert_nonnull(c->memory);
  g_assert_nonnull(c->latency);
  g_assert_nonnull(c->sqnr);
  g_assert_cmpuint(c->accuracy->n_groups, ==, 5);
  g_assert_cmpfloat(c->accuracy->values[0], ==, report->float_eval.per_class[0].recall);
  g_assert_cmpfloat(c->f1->values[2 * 4 + 1], ==, report->quant_eval.per_class[4].f1);
  g_assert_cmpuint(c->confusion->n_matrices, ==, 2);
  g_assert_cmpuint(c->memory->n_bars, ==, 3);
  g_assert_cmpfloat(c->memory->bars[2].limit, ==, 1024 * 1024);
  g_assert_cmpuint(c->latency->n_groups, ==, 3);
  g_assert_true(c->latency->hatched[2]); /* the board's latency is an estimate */
  g_assert_cmpuint(c->sqnr->n_layers, ==, 24);

  export_all("accuracy-per-class", qz_plot_draw_bars, c->accuracy, 640, 320, 8);
  export_all("f1-per-class", qz_plot_draw_bars, c->f1, 640, 320, 8);
  export_all("confusion", qz_plot_draw_confusion, c->confusion, 760, 420, 8);
  export_all("memory", qz_plot_draw_limits, c->memory, 720, 260, 6);
  export_all("latency", qz_plot_draw_bars, c->latency, 600, 300, 6);
  export_all("sqnr", qz_plot_draw_sqnr, c->sqnr, 900, 340, 6);
  qz_report_charts_free(c);
}

static void test_pareto(void)
{
  /* Six runs: size in KiB, accuracy in %. */
  const double x[] = { 480, 250, 130, 260, 125, 600 };
  const double y[] = { 91.0, 90.2, 84.5, 88.0, 80.0, 90.5 };
  const char *labels_[] = { "run 1", "run 2", "run 3", "run 4", "run 5", "run 6" };
  size_t front[6];
  size_t nf = qz_plot_pareto_front(x, y, 6, front);
  /* 125 (80), 130 (84.5), 250 (90.2), 480 (91.0) */
  g_assert_cmpuint(nf, ==, 4);
  g_assert_cmpuint(front[0], ==, 4);
  g_assert_cmpuint(front[1], ==, 2);
  g_assert_cmpuint(front[2], ==, 1);
  g_assert_cmpuint(front[3], ==, 0);
  QzScatterChart sc = { "Accuracy against size",
                        "Quantized size (KiB)",
                        "Accuracy (%)",
                        6,
                        x,
                        y,
                        labels_,
                        1,
                        "Best trade-offs",
                        FALSE };
  export_all("pareto-size", qz_plot_draw_pareto, &sc, 640, 400, 6);
  sc.log_x = TRUE;
  sc.x_label = "Latency (ms, log scale)";
  export_all("pareto-latency-log", qz_plot_draw_pareto, &sc, 640, 400, 6);
  const double nan_x[] = { NAN, 1 }, nan_y[] = { 1, NAN };
  g_assert_cmpuint(qz_plot_pareto_front(nan_x, nan_y, 2, front), ==, 0);
}

static void test_documents(void)
{
  g_autofree char *html = g_strdup_printf("%s/report.html", outdir);
  g_autoptr(GError) error = NULL;
  if (!qz_report_write_html(report, &labels, html, &error))
    g_error("%s", error->message);
  g_autofree char *text = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(html, &text, &len, NULL));
  g_assert_true(g_str_has_prefix(text, "<!DOCTYPE html>"));
  g_assert_cmpuint(count_substr(text, len, "src=\"data:image/png;base64,"), ==, 6);
  /* Class names are escaped, and the settings and warnings are there. */
  g_assert_nonnull(strstr(text, "a &lt;b&gt; &amp; c"));
  g_assert_null(strstr(text, "a <b> & c"));
  g_assert_nonnull(strstr(text, "calibration_method: minmax"));
  g_assert_nonnull(strstr(text, "extra_options applies to Onnx_quantizer only"));
  /* The first embedded image decodes to a PNG. */
  const char *b64 = strstr(text, "base64,") + 7;
  const char *end = strchr(b64, '"');
  g_autofree char *one = g_strndup(b64, (gsize)(end - b64));
  gsize plen;
  g_autofree guchar *png = g_base64_decode(one, &plen);
  g_assert_cmpuint(plen, >, 1000);
  g_assert_true(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);

  g_autofree char *pdf = g_strdup_printf("%s/report.pdf", outdir);
  if (!qz_report_write_pdf(report, &labels, pdf, &error))
    g_error("%s", error->message);
  /* Summary, six plots, settings. */
  g_assert_cmpuint(check_pdf(pdf), >=, 8);

  /* A report with nothing measured still makes a document. */
  qe_report *empty = NULL;
  g_assert_cmpint(qe_report_new(&empty, NULL), ==, QE_OK);
  g_autofree char *ehtml = g_strdup_printf("%s/report-empty.html", outdir);
  g_assert_true(qz_report_write_html(empty, &labels, ehtml, NULL));
  g_autofree char *epdf = g_strdup_printf("%s/report-empty.pdf", outdir);
  g_assert_true(qz_report_write_pdf(empty, &labels, epdf, NULL));
  g_assert_cmpuint(check_pdf(epdf), ==, 1);
  qe_report_free(empty);
  /* An unwritable place is an error, not a crash. */
  g_assert_false(qz_report_write_html(report, &labels, "/nonexistent/dir/r.html", &error) &&
                 error == NULL);
}

/* Degenerate sizes and data must draw nothing wrong (ASan watches). */
static void test_odd_inputs(void)
{
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 300, 200);
  cairo_t *cr = cairo_create(s);
  const double v[] = { NAN, NAN };
  const char *g[] = { "only class" };
  const char *sl[] = { "float", "int8" };
  QzBarChart b = { NULL, NULL, 1, g, 2, sl, v, NAN, NAN, 0, NULL, NULL };
  for (double w = 1; w <= 300; w *= 3)
    qz_plot_bars(cr, w, w * 0.6, &b, NULL);
  /* 120 classes with long names. */
  enum { N = 120 };
  static char names_buf[N][64];
  static const char *names[N];
  static double vals[N * 2];
  static int64_t conf[N * N];
  for (int i = 0; i < N; i++) {
    g_snprintf(names_buf[i], sizeof names_buf[i], "a rather long class name number %d", i);
    names[i] = names_buf[i];
    vals[2 * i] = (i % 10) / 10.0;
    vals[2 * i + 1] = (i % 7) / 7.0;
    conf[i * N + i] = i;
    conf[i * N + (i + 1) % N] = 3;
  }
  QzBarChart many = { "t", "y", N, names, 2, sl, vals, 0, 1, 100, "%.0f", NULL };
  qz_plot_bars(cr, 300, 200, &many, NULL);
  QzConfusion cm = { "x", N, conf };
  QzConfusionChart cc = { "t", "true", "pred", names, 1, &cm };
  qz_plot_confusion(cr, 300, 200, &cc, NULL);
  qz_plot_confusion(cr, 3, 2, &cc, NULL);
  QzLimitBar lb[2] = { { "a", 10, 5, "limit" }, { "b", NAN, NAN, NULL } };
  QzLimitChart lc = { NULL, 2, lb, "too big" };
  qz_plot_limits(cr, 300, 200, &lc, NULL);
  qz_plot_limits(cr, 5, 5, &lc, NULL);
  static double sq[N];
  for (int i = 0; i < N; i++)
    sq[i] = i % 5 == 0 ? NAN : (double)(i % 40) - 5;
  QzSqnrChart sc = { "t", "dB", N, names, sq, 50, 20, "20 dB" };
  qz_plot_sqnr(cr, 300, 200, &sc, NULL);
  QzSqnrChart none = { NULL, NULL, 0, NULL, NULL, 3, NAN, NULL };
  qz_plot_sqnr(cr, 300, 200, &none, NULL);
  const double one_x[] = { 5 }, one_y[] = { 0.5 };
  QzScatterChart p = { NULL, NULL, NULL, 1, one_x, one_y, NULL, 0, NULL, TRUE };
  qz_plot_pareto(cr, 300, 200, &p, NULL);
  g_assert_cmpint(cairo_status(cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  g_autofree char *b1 = qz_plot_format_bytes(1536);
  g_assert_cmpstr(b1, ==, "1.5 KiB");
  g_autofree char *b2 = qz_plot_format_bytes(3 * 1024 * 1024);
  g_assert_cmpstr(b2, ==, "3.00 MiB");
  QzPlotFormat f;
  g_assert_false(qz_plot_format_from_path("plot.gif", &f));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  outdir = g_strdup(argc > 1 ? argv[1] : "plots");
  g_mkdir_with_parents(outdir, 0755);
  qe_ctx *ctx = qe_ctx_new();
  report = sample_report(ctx);
  /* A class name that needs escaping in HTML. */
  g_free(report->class_names[1]);
  report->class_names[1] = g_strdup("a <b> & c");
  const char *cfg_path = g_getenv("QZ_SOURCE_ROOT");
  g_autofree char *cfg_file = g_strdup_printf("%s/tests/config/configs/flowers_quantization.yaml",
                                              cfg_path ? cfg_path : ".");
  qe_config_options o;
  qe_config_options_init(&o);
  o.check_files = false;
  qe_config *cfg = NULL;
  g_assert_cmpint(qe_config_load_file(cfg_file, &o, &cfg, ctx), ==, QE_OK);
  g_assert_cmpint(qe_report_set_config(report, cfg, ctx), ==, QE_OK);
  qe_config_free(cfg);
  qz_report_labels_init(&labels);
  g_test_add_func("/plots/report-charts", test_report_charts);
  g_test_add_func("/plots/pareto", test_pareto);
  g_test_add_func("/plots/documents", test_documents);
  g_test_add_func("/plots/odd-inputs", test_odd_inputs);
  int rc = g_test_run();
  qe_report_free(report);
  qe_ctx_free(ctx);
  g_free(outdir);
  /* Drop cairo's and fontconfig's caches so the leak checker sees only
   * what the plots would leak. */
  cairo_debug_reset_static_data();
  FcFini();
  return rc;
}
