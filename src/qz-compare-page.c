/* qz-compare-page.c - step 7: the original and the quantized model side by
 * side.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the last run of the project: the numbers in a summary, the charts
 * of the report (accuracy and F1 per class, confusion matrices, memory
 * against the board's limits, time per example, precision lost in each
 * layer), each with its numbers in a table for whoever cannot see it, the
 * quantizer's advice, and buttons that run again with one setting changed.
 * The runs of the same model in the history are plotted against each other
 * (accuracy against size), so that a better setting is easy to spot.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qe/qe_history.h"
#include "qz-chart-view.h"
#include "qz-compare-page.h"
#include "qz-page-common.h"
#include "qz-run-page.h"
#include "qz-run-result.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzComparePage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkLabel *run_label;
  GtkBox *content_box;

  /* Owned references */
  QzProject *project;
  QzRunResult *result;
  GPtrArray *charts; /* QzChartView, borrowed from the content box */
  GtkNativeDialog *chooser;
  QzPlotFormat export_format;

  /* The history plot: points kept alive while shown */
  QzScatterChart *pareto;
  double *pareto_x, *pareto_y;
  GStrv pareto_labels;
};

G_DEFINE_FINAL_TYPE(QzComparePage, qz_compare_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, N_PROPS };

static GParamSpec *properties[N_PROPS];

/* ---- helpers ------------------------------------------------------------ */

/* A table of numbers under a chart, shown on demand. */
static GtkWidget *numbers_table(const char *const *columns, guint n_columns, GPtrArray *cells)
{
  GtkWidget *expander = gtk_expander_new_with_mnemonic(_("Show the _Numbers"));
  GtkWidget *grid = gtk_grid_new();

  gtk_grid_set_column_spacing(GTK_GRID(grid), 18);
  gtk_grid_set_row_spacing(GTK_GRID(grid), 4);
  gtk_widget_set_margin_top(grid, 6);
  for (guint c = 0; c < n_columns; c++) {
    GtkWidget *label = gtk_label_new(columns[c]);

    gtk_widget_add_css_class(label, "heading");
    gtk_label_set_xalign(GTK_LABEL(label), c == 0 ? 0.0f : 1.0f);
    gtk_grid_attach(GTK_GRID(grid), label, (int)c, 0, 1, 1);
  }
  for (guint i = 0; i < cells->len; i++) {
    GtkWidget *label = gtk_label_new(g_ptr_array_index(cells, i));
    guint c = i % n_columns;

    gtk_label_set_xalign(GTK_LABEL(label), c == 0 ? 0.0f : 1.0f);
    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    if (c > 0)
      gtk_widget_add_css_class(label, "numeric");
    gtk_grid_attach(GTK_GRID(grid), label, (int)c, (int)(1 + i / n_columns), 1, 1);
  }
  gtk_expander_set_child(GTK_EXPANDER(expander), grid);
  return expander;
}

static char *cells_text(const char *const *columns, guint n_columns, GPtrArray *cells)
{
  GString *s = g_string_new(NULL);

  for (guint i = 0; i < cells->len; i++) {
    guint c = i % n_columns;

    if (c > 0)
      g_string_append_printf(s, ", %s %s", columns[c], (char *)g_ptr_array_index(cells, i));
    else
      g_string_append_printf(s, "%s%s:", i > 0 ? "; " : "", (char *)g_ptr_array_index(cells, i));
  }
  return g_string_free(s, FALSE);
}

static void add_chart(QzComparePage *self, const char *title, const char *description,
                      QzPlotDrawFunc draw, gconstpointer chart, double width, double height,
                      const char *const *columns, guint n_columns, GPtrArray *cells)
{
  GtkWidget *group;
  GtkWidget *view;
  g_autofree char *text = NULL;

  if (chart == NULL)
    return;
  group = qz_add_group(self->content_box, title, description);
  view = qz_chart_view_new();
  gtk_widget_add_css_class(view, "card");
  text = cells != NULL ? cells_text(columns, n_columns, cells) : NULL;
  qz_chart_view_set_chart(QZ_CHART_VIEW(view), draw, chart, self->result,
                          (GBoxedCopyFunc)qz_run_result_ref, (GDestroyNotify)qz_run_result_unref,
                          title, text, width, height);
  adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), view);
  if (cells != NULL && cells->len > 0)
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group),
                              numbers_table(columns, n_columns, cells));
  g_ptr_array_add(self->charts, view);
}

/* ---- try another setting ------------------------------------------------ */

static void try_clicked_cb(GtkButton *button, QzComparePage *self)
{
  const char *key = g_object_get_data(G_OBJECT(button), "key");
  const char *value = g_object_get_data(G_OBJECT(button), "value");
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

  if (self->project == NULL)
    return;
  if (g_str_equal(value, "true") || g_str_equal(value, "false"))
    qz_project_set_boolean(self->project, key, g_str_equal(value, "true"));
  else
    qz_project_set_string(self->project, key, value);
  if (root != NULL && QZ_IS_WINDOW(root)) {
    GtkWidget *run = qz_window_get_page(QZ_WINDOW(root), "run");

    qz_window_show_page(QZ_WINDOW(root), "run");
    qz_run_page_start(QZ_RUN_PAGE(run));
  }
}

static void add_try_row(QzComparePage *self, GtkWidget *group, const char *title,
                        const char *subtitle, const char *key, const char *value)
{
  GtkWidget *row = qz_add_value_row(group, title, subtitle, NULL);
  GtkWidget *button = gtk_button_new_with_mnemonic(_("_Try It"));

  gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
  g_object_set_data_full(G_OBJECT(button), "key", g_strdup(key), g_free);
  g_object_set_data_full(G_OBJECT(button), "value", g_strdup(value), g_free);
  g_signal_connect(button, "clicked", G_CALLBACK(try_clicked_cb), self);
  gtk_widget_set_tooltip_text(button, title);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), button);
  adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), button);
}

static void add_tries(QzComparePage *self)
{
  QzProject *p = self->project;
  GtkWidget *group = qz_add_group(self->content_box, _("Try Another Setting"),
                                  _("Each button changes one setting and runs again. The new run "
                                    "joins the comparison of runs below."));
  const char *calib = qz_project_get_string(p, "quantization.calibration_method");
  const char *granularity = qz_project_get_string(p, "quantization.granularity");

  if (g_strcmp0(calib, "percentile") != 0)
    add_try_row(self, group, _("Ignore rare extreme values"),
                _("Percentile calibration: the ranges leave out the rarest values, so common "
                  "ones get finer steps"),
                "quantization.calibration_method", "percentile");
  if (g_strcmp0(calib, "mse") != 0)
    add_try_row(self, group, _("Choose ranges by the least error"),
                _("Each range is the one that loses the least, measured on your examples"),
                "quantization.calibration_method", "mse");
  if (g_strcmp0(granularity, "per_tensor") == 0)
    add_try_row(self, group, _("One scale per channel"),
                _("Finer steps for the weights; most boards run it"), "quantization.granularity",
                "per_channel");
  if (!qz_project_get_boolean(p, "quantization.equalization", FALSE))
    add_try_row(self, group, _("Balance the layers first"),
                _("Equalization evens out the ranges of weights between layers"),
                "quantization.equalization", "true");
  if (!qz_project_get_boolean(p, "quantization.bias_correction", FALSE))
    add_try_row(self, group, _("Correct the shift from rounding"),
                _("Bias correction moves each layer’s output back where it was"),
                "quantization.bias_correction", "true");
  qz_fix_button_names(group);
}

/* ---- the runs in the history ------------------------------------------- */

static void free_pareto(QzComparePage *self)
{
  g_clear_pointer(&self->pareto, g_free);
  g_clear_pointer(&self->pareto_x, g_free);
  g_clear_pointer(&self->pareto_y, g_free);
  g_clear_pointer(&self->pareto_labels, g_strfreev);
}

static void add_history_chart(QzComparePage *self)
{
  QzRunResult *r = self->result;
  char path[4096];
  qe_ctx *ctx = qe_ctx_new();
  qe_history *h = NULL;
  qe_history_list *list = NULL;
  qe_history_options opt;
  GArray *xs = g_array_new(FALSE, FALSE, sizeof(double));
  GArray *ys = g_array_new(FALSE, FALSE, sizeof(double));
  GPtrArray *labels = g_ptr_array_new();
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
  const char *columns[] = { _("Run"), _("Size"), _("Accuracy") };
  gssize highlight = -1;

  free_pareto(self);
  qe_history_options_init(&opt);
  /* One quick read of a small database; the runs list is short. */
  if (r->run_id >= 0 && qe_history_default_path(path, sizeof path, ctx) == QE_OK &&
      g_file_test(path, G_FILE_TEST_EXISTS) && qe_history_open(path, &opt, &h, ctx) == QE_OK &&
      qe_history_list_runs(h, &list, ctx) == QE_OK) {
    for (size_t i = 0; i < qe_history_list_count(list); i++) {
      const qe_history_run *run = qe_history_list_at(list, i);

      if (run->status != QE_RUN_FINISHED || g_strcmp0(run->model_path, r->model_path) != 0 ||
          isnan(run->quantized_accuracy) || run->quantized_bytes <= 0)
        continue;
      if (run->id == r->run_id)
        highlight = (gssize)xs->len;
      g_array_append_val(xs, (double){ run->quantized_bytes / 1024.0 });
      g_array_append_val(ys, (double){ run->quantized_accuracy * 100.0 });
      {
        g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, run->id);

        /* Translators: a point of the chart of runs, e.g. "run 12" */
        g_ptr_array_add(labels, g_strdup_printf(_("run %s"), id));
      }
      g_ptr_array_add(cells, g_strdup_printf("%" G_GINT64_FORMAT, run->id));
      g_ptr_array_add(cells, qz_format_bytes((guint64)run->quantized_bytes));
      g_ptr_array_add(cells, qz_format_percent(run->quantized_accuracy));
    }
  }
  qe_history_list_free(list);
  qe_history_close(h);
  qe_ctx_free(ctx);

  g_ptr_array_add(labels, NULL);
  self->pareto_labels = (GStrv)g_ptr_array_free(labels, FALSE);
  if (xs->len >= 2) {
    self->pareto_x = (double *)g_array_free(xs, FALSE);
    self->pareto_y = (double *)g_array_free(ys, FALSE);
    self->pareto = g_new0(QzScatterChart, 1);
    self->pareto->title = _("Accuracy against size, run by run");
    self->pareto->x_label = _("Size of the quantized model (KiB)");
    self->pareto->y_label = _("Accuracy (%)");
    self->pareto->n_points = g_strv_length(self->pareto_labels);
    self->pareto->x = self->pareto_x;
    self->pareto->y = self->pareto_y;
    self->pareto->point_labels = (const char *const *)self->pareto_labels;
    self->pareto->highlight = highlight;
    self->pareto->frontier_label = _("Best trade-offs");
    /* The chart belongs to the page, which outlives its own views. */
    add_chart(self, _("All Runs of This Model"),
              _("Up and to the left is better: more accurate and smaller. The runs on the line "
                "are the best trade-offs found so far."),
              qz_plot_draw_pareto, self->pareto, 800, 420, columns, 3, cells);
  } else {
    g_array_free(xs, TRUE);
    g_array_free(ys, TRUE);
  }
}

/* ---- building the page -------------------------------------------------- */

static void clear_content(QzComparePage *self)
{
  g_ptr_array_set_size(self->charts, 0);
  qz_remove_children(GTK_WIDGET(self->content_box));
  free_pareto(self);
}

static void show_result(QzComparePage *self)
{
  QzRunResult *r = self->result;
  const QzEvalResult *f, *q;
  const QzReportCharts *c;
  GtkWidget *group;
  g_autofree char *when = NULL;

  clear_content(self);
  if (r == NULL) {
    gtk_stack_set_visible_child_name(self->stack, "empty");
    return;
  }
  f = &r->float_eval;
  q = &r->quant_eval;
  c = r->charts;

  if (r->run_id >= 0) {
    g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, r->run_id);

    /* Translators: "Run 12, saved in /home/…/experiments/2026_11_25_14_15_24" */
    when =
        g_strdup_printf(_("Run %s, saved in %s"), id, r->output_dir != NULL ? r->output_dir : "");
  } else
    when = g_strdup(r->output_dir != NULL ? r->output_dir : "");
  gtk_label_set_label(self->run_label, when);

  /* Summary */
  group = qz_add_group(self->content_box, _("Side by Side"), NULL);
  {
    g_autofree char *fa = qz_format_percent(f->present ? f->accuracy : NAN);
    g_autofree char *qa = qz_format_percent(q->present ? q->accuracy : NAN);
    g_autofree char *v = g_strdup_printf("%s → %s", fa, qa);

    qz_add_value_row(group, _("Accuracy"), _("Share of the test examples answered right"), v);
  }
  if (f->present || q->present) {
    g_autofree char *v = g_strdup_printf("%.3f → %.3f", f->present ? f->macro_f1 : NAN,
                                         q->present ? q->macro_f1 : NAN);

    qz_add_value_row(group, _("F1 score, averaged over classes"),
                     _("Balances examples missed and examples wrongly claimed; 1 is perfect"), v);
  }
  if (r->float_bytes > 0 && r->quantized_bytes > 0) {
    g_autofree char *fb = qz_format_bytes((guint64)r->float_bytes);
    g_autofree char *qb = qz_format_bytes((guint64)r->quantized_bytes);
    g_autofree char *v = g_strdup_printf("%s → %s", fb, qb);
    g_autofree char *sub = g_strdup_printf(
        /* Translators: "3.1 times smaller" */
        _("%.1f times smaller"), (double)r->float_bytes / (double)r->quantized_bytes);

    qz_add_value_row(group, _("Model size"), sub, v);
  }
  if (r->arena_bytes > 0) {
    g_autofree char *v = qz_format_bytes((guint64)r->arena_bytes);

    qz_add_value_row(group, _("Working memory"), _("RAM the quantized model needs while it runs"),
                     v);
  }
  if (f->latency_measured && q->latency_measured) {
    g_autofree char *v = g_strdup_printf("%.3f ms → %.3f ms", f->latency_ms, q->latency_ms);

    qz_add_value_row(group, _("Time per example on this computer"),
                     _("Microcontrollers are slower; the board’s estimate is in the time chart"),
                     v);
  }
  if (r->has_output_error && !isnan(r->cos)) {
    g_autofree char *v = g_strdup_printf("%.4f", r->cos);

    qz_add_value_row(group, _("How alike the answers are"),
                     _("Cosine similarity of the scores of both models: 1 means the same answers"),
                     v);
  }

  /* Charts with their numbers */
  if (c != NULL && r->n_classes > 0 && f->present && q->present && f->per_class != NULL &&
      q->per_class != NULL) {
    g_autoptr(GPtrArray) acc = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) f1 = g_ptr_array_new_with_free_func(g_free);
    const char *acc_columns[] = { _("Class"), _("Original"), _("Quantized") };

    for (guint i = 0; i < r->n_classes; i++) {
      g_ptr_array_add(acc, g_strdup(r->class_names[i]));
      g_ptr_array_add(acc, qz_format_percent(f->per_class[i].recall));
      g_ptr_array_add(acc, qz_format_percent(q->per_class[i].recall));
      g_ptr_array_add(f1, g_strdup(r->class_names[i]));
      g_ptr_array_add(f1, g_strdup_printf("%.3f", f->per_class[i].f1));
      g_ptr_array_add(f1, g_strdup_printf("%.3f", q->per_class[i].f1));
    }
    add_chart(self, _("Accuracy of Each Class"),
              _("For each class, the share of its examples answered right, before and after."),
              qz_plot_draw_bars, c->accuracy, 800, 450, acc_columns, 3, acc);
    add_chart(self, _("F1 Score of Each Class"), NULL, qz_plot_draw_bars, c->f1, 800, 450,
              acc_columns, 3, f1);
  }
  if (c != NULL && c->confusion != NULL && q->confusion != NULL) {
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
    const char *columns[] = { _("True class"), _("Most often taken for"), _("Times") };

    /* The numbers: each class's most common mistake in the quantized model. */
    for (guint i = 0; i < r->n_classes; i++) {
      gint64 best = 0;
      guint best_j = i;

      for (guint j = 0; j < r->n_classes; j++)
        if (j != i && q->confusion[i * r->n_classes + j] > best) {
          best = q->confusion[i * r->n_classes + j];
          best_j = j;
        }
      g_ptr_array_add(cells, g_strdup(r->class_names[i]));
      g_ptr_array_add(cells, g_strdup(best > 0 ? r->class_names[best_j] : "–"));
      g_ptr_array_add(cells, g_strdup_printf("%" G_GINT64_FORMAT, best));
    }
    add_chart(self, _("What Was Taken for What"),
              _("Each row is a true class, each column what the model answered. The diagonal "
                "holds the right answers."),
              qz_plot_draw_confusion, c->confusion, 1000, 520, columns, 3, cells);
  }
  if (c != NULL && c->memory != NULL) {
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
    const char *columns[] = { _("What"), _("Bytes"), _("The board has") };

    for (size_t i = 0; i < c->memory->n_bars; i++) {
      const QzLimitBar *b = &c->memory->bars[i];

      g_ptr_array_add(cells, g_strdup(b->label));
      g_ptr_array_add(cells, qz_format_bytes((guint64)b->value));
      g_ptr_array_add(cells, isnan(b->limit) ? g_strdup("–") : qz_format_bytes((guint64)b->limit));
    }
    add_chart(self, _("Memory"), _("Flash holds the model, RAM its work while it runs."),
              qz_plot_draw_limits, c->memory, 800, 360, columns, 3, cells);
  }
  if (c != NULL && c->latency != NULL) {
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
    const char *columns[] = { _("Where"), _("Milliseconds") };

    for (size_t i = 0; i < c->latency->n_groups * c->latency->n_series; i++)
      if (!isnan(c->latency->values[i])) {
        g_ptr_array_add(cells, g_strdup(c->latency->n_series > 1
                                            ? c->latency->series_labels[i % c->latency->n_series]
                                            : c->latency->group_labels[i]));
        g_ptr_array_add(cells, g_strdup_printf("%.3f", c->latency->values[i]));
      }
    add_chart(self, _("Time per Example"),
              _("Measured on this computer; estimated for the board when one is chosen."),
              qz_plot_draw_bars, c->latency, 800, 400, columns, 2, cells);
  }
  if (c != NULL && c->sqnr != NULL && r->layers->len > 0) {
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func(g_free);
    const char *columns[] = { _("Layer"), _("Signal to noise (dB)") };

    for (guint i = 0; i < r->layers->len; i++) {
      const QzLayerResult *l = g_ptr_array_index(r->layers, i);

      g_ptr_array_add(cells, g_strdup(l->name));
      g_ptr_array_add(cells, g_strdup_printf("%.1f", l->sqnr_db));
    }
    add_chart(self, _("Precision Lost in Each Layer"),
              _("How much of each layer’s output is signal rather than rounding noise. Higher is "
                "better; below 20 dB the error is noticeable."),
              qz_plot_draw_sqnr, c->sqnr, 1000, 450, columns, 2, cells);
  }

  /* Advice */
  if (r->advice != NULL && r->advice[0] != NULL) {
    group = qz_add_group(self->content_box, _("What the Quantizer Noticed"), NULL);
    for (guint i = 0; r->advice[i] != NULL; i++) {
      GtkWidget *row = qz_add_value_row(group, r->advice[i], NULL, NULL);
      GtkWidget *icon = gtk_image_new_from_icon_name("dialog-information-symbolic");

      gtk_accessible_update_property(GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Note"),
                                     -1);
      adw_action_row_add_prefix(ADW_ACTION_ROW(row), icon);
    }
  }
  if (self->project != NULL)
    add_tries(self);
  add_history_chart(self);

  gtk_stack_set_visible_child_name(self->stack, "compare");
}

static void run_result_changed_cb(QzComparePage *self)
{
  QzRunResult *r = self->project != NULL ? qz_project_get_run_result(self->project) : NULL;

  if (r == self->result)
    return;
  g_clear_pointer(&self->result, qz_run_result_unref);
  if (r != NULL)
    self->result = qz_run_result_ref(r);
  show_result(self);
}

/* ---- actions ------------------------------------------------------------ */

static void export_response_cb(QzComparePage *self, int response, GtkNativeDialog *dialog)
{
  static const char *const extensions[] = { "png", "svg", "pdf" };

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) folder = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    g_autoptr(GError) error = NULL;
    guint written = 0;

    if (folder != NULL && g_file_peek_path(folder) != NULL)
      written = qz_compare_page_export(self, g_file_peek_path(folder), self->export_format, &error);
    if (written > 0 || error != NULL) {
      GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
      g_autofree char *message =
          error != NULL ? g_strdup(error->message)
                        : g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u chart saved as %s",
                                                      "%u charts saved as %s", written),
                                          written, extensions[self->export_format]);

      if (root != NULL && QZ_IS_WINDOW(root))
        qz_window_add_toast(QZ_WINDOW(root), message);
    }
  }
  gtk_native_dialog_destroy(dialog);
  g_clear_object(&self->chooser);
}

static void export_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzComparePage *self = QZ_COMPARE_PAGE(widget);
  const char *format = g_variant_get_string(parameter, NULL);
  GtkRoot *root = gtk_widget_get_root(widget);
  GtkFileChooserNative *native;

  if (g_str_equal(format, "svg"))
    self->export_format = QZ_PLOT_SVG;
  else if (g_str_equal(format, "pdf"))
    self->export_format = QZ_PLOT_PDF;
  else
    self->export_format = QZ_PLOT_PNG;

  if (self->chooser != NULL) {
    gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
  }
  native = gtk_file_chooser_native_new(
      _("Save the Charts in a Folder"), GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL,
      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Save"), _("_Cancel"));
  self->chooser = GTK_NATIVE_DIALOG(native);
  gtk_native_dialog_set_modal(self->chooser, TRUE);
  g_signal_connect_object(native, "response", G_CALLBACK(export_response_cb), self,
                          G_CONNECT_SWAPPED);
  gtk_native_dialog_show(self->chooser);
}

static void open_path(GtkWidget *widget, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autofree char *uri = g_file_get_uri(file);
  GtkRoot *root = gtk_widget_get_root(widget);

  gtk_show_uri(GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL, uri, GDK_CURRENT_TIME);
}

static void open_report_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzComparePage *self = QZ_COMPARE_PAGE(widget);
  g_autofree char *path = NULL;

  if (self->result == NULL || self->result->output_dir == NULL)
    return;
  path = g_build_filename(self->result->output_dir, "report.html", NULL);
  open_path(widget, path);
}

static void open_folder_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzComparePage *self = QZ_COMPARE_PAGE(widget);

  if (self->result != NULL && self->result->output_dir != NULL)
    open_path(widget, self->result->output_dir);
}

guint qz_compare_page_export(QzComparePage *self, const char *folder, QzPlotFormat format,
                             GError **error)
{
  static const char *const extensions[] = { "png", "svg", "pdf" };
  guint written = 0;

  g_return_val_if_fail(QZ_IS_COMPARE_PAGE(self), 0);

  for (guint i = 0; i < self->charts->len; i++) {
    QzChartView *view = g_ptr_array_index(self->charts, i);
    g_autofree char *name =
        g_strdup_printf("%02u-%s.%s", i + 1, qz_chart_view_get_title(view), extensions[format]);
    g_autofree char *path = NULL;

    g_strdelimit(name, "/\\:", '-');
    path = g_build_filename(folder, name, NULL);
    if (!qz_chart_view_export(view, path, format, error))
      return written;
    written++;
  }
  return written;
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_compare_page_dispose(GObject *object)
{
  QzComparePage *self = QZ_COMPARE_PAGE(object);

  if (self->chooser != NULL) {
    gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
  }
  qz_page_dispose(ADW_BIN(self), QZ_TYPE_COMPARE_PAGE, &self->project, NULL);
  g_clear_pointer(&self->result, qz_run_result_unref);

  G_OBJECT_CLASS(qz_compare_page_parent_class)->dispose(object);
}

static void qz_compare_page_finalize(GObject *object)
{
  QzComparePage *self = QZ_COMPARE_PAGE(object);

  g_ptr_array_unref(self->charts);
  free_pareto(self);

  G_OBJECT_CLASS(qz_compare_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-compare-page.ui",
  .get_project = (QzPageGetProject)qz_compare_page_get_project,
  .set_project = (QzPageSetProject)qz_compare_page_set_project,
};

static void qz_compare_page_class_init(QzComparePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_compare_page_dispose;
  object_class->finalize = qz_compare_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzComparePage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzComparePage, run_label);
  gtk_widget_class_bind_template_child(widget_class, QzComparePage, content_box);
  gtk_widget_class_install_action(widget_class, "compare.export", "s", export_action);
  gtk_widget_class_install_action(widget_class, "compare.open-report", NULL, open_report_action);
  gtk_widget_class_install_action(widget_class, "compare.open-folder", NULL, open_folder_action);
}

static void qz_compare_page_init(QzComparePage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->charts = g_ptr_array_new();
}

GtkWidget *qz_compare_page_new(void)
{
  return g_object_new(QZ_TYPE_COMPARE_PAGE, NULL);
}

QzProject *qz_compare_page_get_project(QzComparePage *self)
{
  g_return_val_if_fail(QZ_IS_COMPARE_PAGE(self), NULL);
  return self->project;
}

void qz_compare_page_set_project(QzComparePage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_COMPARE_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL)
    g_signal_connect_object(project, "notify::run-result", G_CALLBACK(run_result_changed_cb), self,
                            G_CONNECT_SWAPPED);
  run_result_changed_cb(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

QzRunResult *qz_compare_page_get_result(QzComparePage *self)
{
  g_return_val_if_fail(QZ_IS_COMPARE_PAGE(self), NULL);
  return self->result;
}
