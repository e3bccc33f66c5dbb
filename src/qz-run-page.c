/* qz-run-page.c - step 6: quantize and measure, with progress and Cancel.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The run is the engine's pipeline (qe_pipeline.h), the same code path as
 * `qz run`, on the project's configuration, in a worker thread (QzJob).
 * The page lists the phases with the one under way, the progress of the
 * whole run and the time left, and a Cancel that stops the engine at its
 * next safe point; a cancelled run writes nothing. The result goes to the
 * project for the Compare, Board and Deploy pages.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qe/qe_pipeline.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-run-page.h"
#include "qz-run-result.h"
#include "qz-steps.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzRunPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwStatusPage *ready_page;
  GtkListBox *plan_list;
  GtkWidget *start_button;
  AdwStatusPage *running_page;
  GtkProgressBar *progress_bar;
  GtkLabel *eta_label;
  GtkListBox *phase_list;
  AdwStatusPage *failed_page;
  GtkWidget *verdict_box;
  GtkImage *verdict_icon;
  GtkLabel *verdict_title;
  GtkLabel *verdict_text;
  GtkBox *results_box;

  /* Borrowed: one row per phase, owned by phase_list */
  GtkWidget *phase_rows[QE_PHASE_COUNT];
  GtkWidget *phase_icons[QE_PHASE_COUNT];

  /* Owned references */
  QzProject *project;
  QzJob *job;
  GCancellable *cancellable;
  int current_phase;
};

G_DEFINE_FINAL_TYPE(QzRunPage, qz_run_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, N_PROPS };

static GParamSpec *properties[N_PROPS];

/* ---- phases ------------------------------------------------------------- */

static const char *const phase_labels[QE_PHASE_COUNT] = {
  [QE_PHASE_LOAD_MODEL] = N_("Reading the model"),
  [QE_PHASE_READ_DATA] = N_("Reading the examples"),
  [QE_PHASE_CALIBRATE] = N_("Finding the number ranges"),
  [QE_PHASE_QUANTIZE] = N_("Quantizing"),
  [QE_PHASE_EVALUATE_FLOAT] = N_("Measuring the original model"),
  [QE_PHASE_EVALUATE_QUANTIZED] = N_("Measuring the quantized model"),
  [QE_PHASE_LATENCY] = N_("Timing both models"),
  [QE_PHASE_EXPORT] = N_("Saving the quantized model"),
  [QE_PHASE_DEPLOY] = N_("Putting it on the board"),
  [QE_PHASE_REPORT] = N_("Writing the report"),
};

static int phase_from_name(const char *name)
{
  for (int i = 0; i < QE_PHASE_COUNT; i++)
    if (g_strcmp0(qe_pipeline_phase_name(i), name) == 0)
      return i;
  return -1;
}

static void set_phase_state(QzRunPage *self, int phase, const char *state)
{
  GtkWidget *icon = self->phase_icons[phase];
  const char *description = NULL;

  if (g_str_equal(state, "running")) {
    gtk_image_set_from_icon_name(GTK_IMAGE(icon), "media-playback-start-symbolic");
    gtk_widget_remove_css_class(self->phase_rows[phase], "dim-label");
    /* Translators: the state of a phase of a run, said by screen readers */
    description = _("under way");
  } else if (g_str_equal(state, "done")) {
    gtk_image_set_from_icon_name(GTK_IMAGE(icon), "object-select-symbolic");
    gtk_widget_remove_css_class(self->phase_rows[phase], "dim-label");
    /* Translators: the state of a phase of a run, said by screen readers */
    description = _("done");
  } else {
    gtk_image_set_from_icon_name(GTK_IMAGE(icon), NULL);
    gtk_widget_add_css_class(self->phase_rows[phase], "dim-label");
    /* Translators: the state of a phase of a run, said by screen readers */
    description = _("waiting");
  }
  gtk_accessible_update_property(GTK_ACCESSIBLE(self->phase_rows[phase]),
                                 GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
}

static void reset_phases(QzRunPage *self)
{
  for (int i = 0; i < QE_PHASE_COUNT; i++) {
    set_phase_state(self, i, "waiting");
    gtk_widget_set_visible(self->phase_rows[i], i != QE_PHASE_DEPLOY);
  }
  self->current_phase = -1;
}

static void build_phase_rows(QzRunPage *self)
{
  for (int i = 0; i < QE_PHASE_COUNT; i++) {
    GtkWidget *row = adw_action_row_new();
    GtkWidget *icon = gtk_image_new();

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _(phase_labels[i]));
    gtk_widget_set_size_request(icon, 16, 16);
    gtk_accessible_update_property(GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
    adw_action_row_add_prefix(ADW_ACTION_ROW(row), icon);
    gtk_list_box_append(self->phase_list, row);
    self->phase_rows[i] = row;
    self->phase_icons[i] = icon;
  }
  reset_phases(self);
}

/* ---- progress ----------------------------------------------------------- */

static void job_message_cb(QzRunPage *self)
{
  int phase = phase_from_name(qz_job_get_message(self->job));

  if (phase < 0 || phase == self->current_phase)
    return;
  /* Phases come in order; those passed are done. */
  for (int i = 0; i < phase; i++)
    set_phase_state(self, i, "done");
  set_phase_state(self, phase, "running");
  self->current_phase = phase;
  adw_status_page_set_description(self->running_page, _(phase_labels[phase]));
}

static void job_fraction_cb(QzRunPage *self)
{
  double f = qz_job_get_fraction(self->job);

  if (f >= 0) {
    g_autofree char *text = g_strdup_printf("%.0f %%", f * 100.0);

    gtk_progress_bar_set_fraction(self->progress_bar, f);
    gtk_progress_bar_set_text(self->progress_bar, text);
  }
}

static void job_remaining_cb(QzRunPage *self)
{
  g_autofree char *text = qz_format_remaining(qz_job_get_remaining(self->job));

  gtk_label_set_label(self->eta_label, text != NULL ? text : "");
}

/* ---- the plan before a run ---------------------------------------------- */

static GtkWidget *plan_row(GtkListBox *list, const char *icon, const char *title,
                           const char *subtitle)
{
  GtkWidget *row = adw_action_row_new();
  GtkWidget *image = gtk_image_new_from_icon_name(icon);

  adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
  gtk_accessible_update_property(GTK_ACCESSIBLE(image), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  adw_action_row_add_prefix(ADW_ACTION_ROW(row), image);
  gtk_list_box_append(list, row);
  return row;
}

/* The step a configuration key belongs to, for "fix it there". */
static int step_of_problem(const char *message)
{
  if (strstr(message, "dataset.") != NULL || strstr(message, "dataset section") != NULL)
    return 1;
  if (strstr(message, "preprocessing.") != NULL || strstr(message, "feature_extraction.") != NULL)
    return 2;
  if (strstr(message, "quantization.board") != NULL)
    return 4;
  if (strstr(message, "quantization.") != NULL)
    return 3;
  if (strstr(message, "model.") != NULL || strstr(message, "model_path") != NULL)
    return 0;
  return -1;
}

static void update_plan(QzRunPage *self)
{
  QzProject *p = self->project;
  g_autoptr(GError) error = NULL;
  qe_config *cfg;
  QzDataSummary *data;
  GFile *model;

  if (p == NULL)
    return;
  qz_remove_children(GTK_WIDGET(self->plan_list));

  model = qz_project_get_model_file(p);
  if (model != NULL) {
    g_autofree char *name = g_file_get_basename(model);

    plan_row(self->plan_list, "qz-model-symbolic", _("Model"), name);
  }
  data = qz_project_get_data_summary(p);
  if (data != NULL) {
    g_autofree char *text =
        /* Translators: "200 examples to tune with, 300 to test with" */
        g_strdup_printf(_("%u examples to tune with, %u to test with"), (guint)data->calibration,
                        (guint)data->evaluation);

    plan_row(self->plan_list, "qz-data-symbolic", _("Examples"), text);
  }
  {
    const char *granularity = qz_project_get_string(p, "quantization.granularity");
    const char *bits = qz_project_get_string(p, "quantization.weight_bits");
    g_autofree char *text = g_strdup_printf(
        /* Translators: "8-bit weights, one scale per channel" */
        _("%s-bit weights, %s"), bits != NULL ? bits : "8",
        g_strcmp0(granularity, "per_tensor") == 0 ? _("one scale per layer")
                                                  : _("one scale per channel"));

    plan_row(self->plan_list, "qz-quantize-symbolic", _("Quantizer"), text);
  }
  {
    const char *board = qz_project_get_string(p, "quantization.board");

    plan_row(self->plan_list, "qz-chip-symbolic", _("Board"),
             board != NULL ? board : _("None chosen: only this computer measures"));
  }

  cfg = qz_project_load_config(p, TRUE, &error);
  if (cfg == NULL) {
    GtkWidget *row = plan_row(self->plan_list, "dialog-warning-symbolic",
                              _("Something must be fixed first"), error->message);
    int step = step_of_problem(error->message);

    if (step >= 0) {
      GtkWidget *button = gtk_button_new_with_mnemonic(_("_Fix It"));
      g_autofree char *tooltip =
          /* Translators: %s is a step, e.g. "Go to the step Data" */
          g_strdup_printf(_("Go to the step %s"), qz_step_get_title(step));

      gtk_widget_set_tooltip_text(button, tooltip);
      gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name(GTK_ACTIONABLE(button), "win.go-step");
      gtk_actionable_set_action_target(GTK_ACTIONABLE(button), "i", step);
      adw_action_row_add_suffix(ADW_ACTION_ROW(row), button);
      qz_fix_button_names(button);
    }
    gtk_widget_set_sensitive(self->start_button, FALSE);
  } else {
    gtk_widget_set_sensitive(self->start_button, TRUE);
    qe_config_free(cfg);
  }
}

/* ---- results ------------------------------------------------------------ */

static void set_verdict(QzRunPage *self, const char *icon, const char *css, const char *title,
                        const char *text)
{
  qz_set_verdict(self->verdict_icon, self->verdict_title, self->verdict_text, icon, css, title,
                 text);
}

static void open_folder_clicked_cb(GtkButton *button, gpointer user_data)
{
  const char *dir = g_object_get_data(G_OBJECT(button), "folder");
  g_autoptr(GFile) file = g_file_new_for_path(dir);
  g_autofree char *uri = g_file_get_uri(file);

  gtk_show_uri(GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(button))), uri, GDK_CURRENT_TIME);
}

static void show_result(QzRunPage *self, const QzRunResult *r)
{
  GtkWidget *group;
  const QzEvalResult *f = &r->float_eval, *q = &r->quant_eval;

  qz_remove_children(GTK_WIDGET(self->results_box));

  if (f->present && q->present) {
    double drop = (f->accuracy - q->accuracy) * 100.0;
    g_autofree char *title = g_strdup_printf(
        /* Translators: "The quantized model is right 88.7 % of the time (89.3 % before)" */
        _("The quantized model is right %.1f %% of the time (%.1f %% before)"), q->accuracy * 100.0,
        f->accuracy * 100.0);
    g_autofree char *text = NULL;

    if (drop <= 1.0)
      text = g_strdup(_("It kept its accuracy. Compare shows the details, class by class."));
    else if (drop <= 3.0)
      text = g_strdup(_("It lost a little accuracy. Compare shows where, and what to try."));
    else
      text = g_strdup(_("It lost accuracy. Compare shows which classes and layers suffer, and "
                        "what to try next."));
    set_verdict(self, drop <= 1.0 ? "object-select-symbolic" : "dialog-warning-symbolic",
                drop <= 1.0 ? "success" : (drop <= 3.0 ? "accent" : "warning"), title, text);
  } else if (q->present || f->present) {
    g_autofree char *title = g_strdup_printf(_("The model is right %.1f %% of the time"),
                                             (q->present ? q->accuracy : f->accuracy) * 100.0);

    set_verdict(self, "object-select-symbolic", "success", title,
                _("The run measured one model; Compare shows the details."));
  } else {
    set_verdict(self, "object-select-symbolic", "success", _("The run is finished"),
                _("This run did not measure accuracy."));
  }

  group = qz_add_group(self->results_box, _("Results"), NULL);
  if (f->present || q->present) {
    g_autofree char *fa = f->present ? qz_format_percent(f->accuracy) : g_strdup("–");
    g_autofree char *qa = q->present ? qz_format_percent(q->accuracy) : g_strdup("–");
    g_autofree char *value = g_strdup_printf("%s → %s", fa, qa);
    g_autofree char *samples = g_strdup_printf(
        /* Translators: how many examples measured the accuracy */
        g_dngettext(GETTEXT_PACKAGE, "Measured on %d example", "Measured on %d examples",
                    (gulong)MAX(f->samples, q->samples)),
        (int)MAX(f->samples, q->samples));

    qz_add_value_row(group, _("Accuracy"), samples, value);
  }
  if (r->float_bytes > 0 || r->quantized_bytes > 0) {
    g_autofree char *fb = r->float_bytes > 0 ? qz_format_bytes(r->float_bytes) : g_strdup("–");
    g_autofree char *qb =
        r->quantized_bytes > 0 ? qz_format_bytes(r->quantized_bytes) : g_strdup("–");
    g_autofree char *value = g_strdup_printf("%s → %s", fb, qb);

    qz_add_value_row(group, _("Model size"), _("The original file and the quantized one"), value);
  }
  if (r->arena_bytes > 0) {
    g_autofree char *ram = qz_format_bytes(r->arena_bytes);

    qz_add_value_row(group, _("Working memory"), _("RAM the quantized model needs while it runs"),
                     ram);
  }
  if (f->latency_measured || q->latency_measured) {
    g_autofree char *fl =
        f->latency_measured ? g_strdup_printf("%.2f ms", f->latency_ms) : g_strdup("–");
    g_autofree char *ql =
        q->latency_measured ? g_strdup_printf("%.2f ms", q->latency_ms) : g_strdup("–");
    g_autofree char *value = g_strdup_printf("%s → %s", fl, ql);

    qz_add_value_row(group, _("Time per example on this computer"), NULL, value);
  }
  if (r->board_id != NULL && r->board_latency_ms > 0) {
    g_autofree char *value = g_strdup_printf("%.1f ms", r->board_latency_ms);

    qz_add_value_row(group, r->board_name != NULL ? r->board_name : r->board_id,
                     r->board_latency_measured ? _("Time per example, measured on the board")
                                               : _("Time per example, estimated for the board"),
                     value);
  }
  if (r->output_dir != NULL) {
    GtkWidget *row = qz_add_value_row(group, _("Saved in"), r->output_dir, NULL);
    GtkWidget *button = gtk_button_new_with_mnemonic(_("_Open Folder"));

    gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class(button, "flat");
    g_object_set_data_full(G_OBJECT(button), "folder", g_strdup(r->output_dir), g_free);
    g_signal_connect(button, "clicked", G_CALLBACK(open_folder_clicked_cb), NULL);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), button);
  }

  if (r->warnings != NULL && r->warnings[0] != NULL) {
    group = qz_add_group(self->results_box, _("Warnings"), NULL);
    for (guint i = 0; r->warnings[i] != NULL && i < 50; i++)
      qz_add_value_row(group, r->warnings[i], NULL, NULL);
  }
  qz_fix_button_names(self->results_box);
  gtk_stack_set_visible_child_name(self->stack, "done");
}

/* ---- running ------------------------------------------------------------ */

typedef struct {
  qe_yaml_doc *doc;
  char *boards_dir;
} RunData;

static void run_data_free(RunData *d)
{
  qe_yaml_doc_free(d->doc);
  g_free(d->boards_dir);
  g_free(d);
}

static gpointer run_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                           GError **error)
{
  RunData *d = task_data;
  qe_ctx *ctx = qe_ctx_new();
  qe_config_options copt;
  qe_pipeline_options popt;
  qe_config *cfg = NULL;
  qe_pipeline *p = NULL;
  QzRunResult *result = NULL;
  qe_status status;

  qe_config_options_init(&copt);
  status = qe_config_load_doc(d->doc, &copt, &cfg, ctx);
  if (status == QE_OK) {
    qe_pipeline_options_init(&popt);
    popt.progress = qz_job_progress_cb;
    popt.progress_data = job;
    popt.overall_progress = true;
    popt.boards_dir = d->boards_dir;
    popt.write_files = qz_report_write_run_files; /* as `qz run` writes them */
    status = qe_pipeline_new(cfg, &popt, &p, ctx);
  }
  if (status == QE_OK)
    status = qe_pipeline_run(p, ctx);

  if (status == QE_OK) {
    /* The result keeps the pipeline and its configuration alive. */
    result = qz_run_result_new_from_pipeline(p, cfg);
    p = NULL;
    cfg = NULL;
  } else if (status == QE_ERR_CANCELLED || g_cancellable_is_cancelled(cancellable))
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, qe_ctx_error(ctx));
  else
    g_set_error_literal(error, QZ_ENGINE_ERROR, status,
                        qe_ctx_error(ctx)[0] != '\0' ? qe_ctx_error(ctx)
                                                     : qe_status_to_string(status));

  qe_pipeline_free(p);
  qe_config_free(cfg);
  qe_ctx_free(ctx);
  return result;
}

static void run_done_cb(GObject *object, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(QzRunPage) self = user_data;
  g_autoptr(QzRunResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = qz_job_run_finish(QZ_JOB(object), res, &error);
  if (self->stack == NULL) /* disposed meanwhile */
    return;
  gtk_widget_set_sensitive(self->start_button, TRUE);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
  if (self->project == NULL)
    return;

  if (result != NULL) {
    qz_project_set_run_result(self->project, result);
    show_result(self, result);
    return;
  }
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    update_plan(self);
    adw_status_page_set_description(self->ready_page,
                                    _("The last run was stopped. Nothing of it was kept."));
    gtk_stack_set_visible_child_name(self->stack, "ready");
    return;
  }
  {
    g_autofree char *escaped = g_markup_escape_text(error->message, -1);

    adw_status_page_set_description(self->failed_page, escaped);
  }
  gtk_stack_set_visible_child_name(self->stack, "failed");
}

void qz_run_page_start(QzRunPage *self)
{
  GtkRoot *root;
  GCancellable *cancellable = NULL;
  RunData *d;

  g_return_if_fail(QZ_IS_RUN_PAGE(self));

  if (self->project == NULL || qz_job_get_busy(self->job))
    return;

  root = gtk_widget_get_root(GTK_WIDGET(self));
  if (root != NULL && QZ_IS_WINDOW(root))
    cancellable = qz_window_get_cancellable(QZ_WINDOW(root));
  g_clear_object(&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();

  d = g_new0(RunData, 1);
  d->doc = qz_project_dup_doc(self->project);
  d->boards_dir = qz_find_boards_dir();

  reset_phases(self);
  gtk_progress_bar_set_fraction(self->progress_bar, 0);
  gtk_progress_bar_set_text(self->progress_bar, "0 %");
  gtk_label_set_label(self->eta_label, "");
  adw_status_page_set_description(self->running_page, NULL);
  gtk_stack_set_visible_child_name(self->stack, "running");

  qz_job_run_async(self->job, run_worker, d, (GDestroyNotify)run_data_free,
                   (GDestroyNotify)qz_run_result_unref, self->cancellable, run_done_cb,
                   g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

void qz_run_page_cancel(QzRunPage *self)
{
  g_return_if_fail(QZ_IS_RUN_PAGE(self));

  if (self->cancellable != NULL && qz_job_get_busy(self->job))
    g_cancellable_cancel(self->cancellable);
}

static void start_clicked_cb(QzRunPage *self)
{
  qz_run_page_start(self);
}

static void cancel_clicked_cb(QzRunPage *self)
{
  qz_run_page_cancel(self);
}

static void project_changed_cb(QzRunPage *self)
{
  if (qz_job_get_busy(self->job))
    return;
  update_plan(self);
  /* A changed configuration is a new plan; the result of the last run
   * stays in Compare until the next run. */
  if (!g_str_equal(gtk_stack_get_visible_child_name(self->stack), "done") ||
      qz_project_get_run_result(self->project) == NULL) {
    adw_status_page_set_description(self->ready_page, NULL);
    gtk_stack_set_visible_child_name(self->stack, "ready");
  }
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_run_page_dispose(GObject *object)
{
  QzRunPage *self = QZ_RUN_PAGE(object);

  qz_page_dispose(ADW_BIN(self), QZ_TYPE_RUN_PAGE, &self->project, &self->cancellable);

  G_OBJECT_CLASS(qz_run_page_parent_class)->dispose(object);
}

static void qz_run_page_finalize(GObject *object)
{
  QzRunPage *self = QZ_RUN_PAGE(object);

  g_clear_object(&self->job);

  G_OBJECT_CLASS(qz_run_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-run-page.ui",
  .get_project = (QzPageGetProject)qz_run_page_get_project,
  .set_project = (QzPageSetProject)qz_run_page_set_project,
  .get_busy = (QzPageGetBusy)qz_run_page_get_busy,
};

static void qz_run_page_class_init(QzRunPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_run_page_dispose;
  object_class->finalize = qz_run_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzRunPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, ready_page);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, plan_list);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, start_button);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, running_page);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, progress_bar);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, eta_label);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, phase_list);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, failed_page);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, verdict_box);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, verdict_icon);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, verdict_title);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, verdict_text);
  gtk_widget_class_bind_template_child(widget_class, QzRunPage, results_box);
  gtk_widget_class_bind_template_callback(widget_class, start_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, cancel_clicked_cb);
}

static void qz_run_page_init(QzRunPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->job = qz_job_new();
  build_phase_rows(self);
  g_signal_connect_object(self->job, "notify::message", G_CALLBACK(job_message_cb), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(self->job, "notify::fraction", G_CALLBACK(job_fraction_cb), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(self->job, "notify::remaining", G_CALLBACK(job_remaining_cb), self,
                          G_CONNECT_SWAPPED);
}

GtkWidget *qz_run_page_new(void)
{
  return g_object_new(QZ_TYPE_RUN_PAGE, NULL);
}

QzProject *qz_run_page_get_project(QzRunPage *self)
{
  g_return_val_if_fail(QZ_IS_RUN_PAGE(self), NULL);
  return self->project;
}

void qz_run_page_set_project(QzRunPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_RUN_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (self->project == project)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
  qz_page_swap_project(self, &self->project, project);
  if (project != NULL) {
    qz_page_connect_project(project, self, G_CALLBACK(project_changed_cb), "changed",
                            "notify::data-summary", NULL);
    if (qz_project_get_run_result(project) != NULL)
      show_result(self, qz_project_get_run_result(project));
    else
      project_changed_cb(self);
  }
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_run_page_get_busy(QzRunPage *self)
{
  g_return_val_if_fail(QZ_IS_RUN_PAGE(self), FALSE);
  return qz_job_get_busy(self->job);
}
