/* qz-window.c - the main window: start page, wizard steps and history.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window shows either the start page or the wizard. The wizard is an
 * AdwLeaflet: the list of steps on the left (a number, a title and a state
 * for each) and the current step's page on the right, with Back and Next
 * below it. At narrow widths the leaflet folds and shows one side at a
 * time, with a button back to the list.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-board-page.h"
#include "qz-compare-page.h"
#include "qz-data-page.h"
#include "qz-deploy-page.h"
#include "qz-history-page.h"
#include "qz-model-page.h"
#include "qz-preprocess-page.h"
#include "qz-quantizer-page.h"
#include "qz-run-page.h"
#include "qz-start-page.h"
#include "qz-step-row.h"
#include "qz-steps.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzWindow {
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  AdwLeaflet *leaflet;
  GtkListBox *steps_list;
  AdwWindowTitle *sidebar_title;
  AdwWindowTitle *page_title;
  GtkStack *pages_stack;
  GtkActionBar *action_bar;
  GtkWidget *start_page;
  GtkWidget *model_page;
  GtkWidget *data_page;
  GtkWidget *preprocess_page;
  GtkWidget *quantizer_page;
  GtkWidget *board_page;
  GtkWidget *run_page;
  GtkWidget *compare_page;
  GtkWidget *deploy_page;
  GtkWidget *history_page;

  /* Borrowed: the sidebar rows, owned by steps_list */
  QzStepRow *step_rows[QZ_N_STEPS];
  QzStepRow *history_row;

  /* Owned references */
  GSettings *settings;
  QzProject *project;
  GCancellable *cancellable;
  GPtrArray *job_cancellables; /* one per piece of work started, see below */
  GtkNativeDialog *file_chooser;

  /* The step shown in the wizard, or -1 for the history */
  int current;
};

G_DEFINE_FINAL_TYPE(QzWindow, qz_window, ADW_TYPE_APPLICATION_WINDOW)

#define QZ_N_PAGES (QZ_N_STEPS + 1)

/* The pages in the order of QzStep, History last. */
static void qz_window_get_pages(QzWindow *self, GtkWidget *pages[QZ_N_PAGES])
{
  pages[QZ_STEP_MODEL] = self->model_page;
  pages[QZ_STEP_DATA] = self->data_page;
  pages[QZ_STEP_PREPROCESSING] = self->preprocess_page;
  pages[QZ_STEP_QUANTIZER] = self->quantizer_page;
  pages[QZ_STEP_BOARD] = self->board_page;
  pages[QZ_STEP_RUN] = self->run_page;
  pages[QZ_STEP_COMPARE] = self->compare_page;
  pages[QZ_STEP_DEPLOY] = self->deploy_page;
  pages[QZ_N_STEPS] = self->history_page;
}

/* ---- step states -------------------------------------------------------- */

/* Which steps have their engine part in this build. Steps without it show
 * a status page saying what will appear there. */
static gboolean qz_step_available(QzStep step)
{
  switch (step) {
  case QZ_STEP_MODEL:
  case QZ_STEP_DATA:
  case QZ_STEP_RUN:
  case QZ_STEP_COMPARE:
  case QZ_STEP_QUANTIZER:
  case QZ_STEP_BOARD:
  case QZ_STEP_PREPROCESSING:
  case QZ_STEP_DEPLOY:
    return TRUE;
  case QZ_N_STEPS:
  default:
    return FALSE;
  }
}

static QzStepState qz_window_step_state(QzWindow *self, QzStep step)
{
  QzProject *p = self->project;
  QzModelInfo *model = qz_project_get_model_info(p);
  QzDataSummary *data = qz_project_get_data_summary(p);

  if (!qz_step_available(step))
    return QZ_STEP_STATE_UNAVAILABLE;
  switch (step) {
  case QZ_STEP_MODEL:
    if (qz_project_get_model_error(p) != NULL ||
        (model != NULL && (model->unsupported->len > 0 || model->unsupported_message != NULL)))
      return QZ_STEP_STATE_ATTENTION;
    return model != NULL ? QZ_STEP_STATE_DONE : QZ_STEP_STATE_TODO;
  case QZ_STEP_DATA:
    if (qz_project_get_data_error(p) != NULL || (data != NULL && data->calibration_random))
      return QZ_STEP_STATE_ATTENTION;
    return data != NULL ? QZ_STEP_STATE_DONE : QZ_STEP_STATE_TODO;
  case QZ_STEP_RUN: {
    QzRunResult *run = qz_project_get_run_result(p);

    if (run == NULL)
      return QZ_STEP_STATE_TODO;
    return run->status == QE_RUN_FINISHED ? QZ_STEP_STATE_DONE : QZ_STEP_STATE_ATTENTION;
  }
  case QZ_STEP_COMPARE:
    return qz_project_get_run_result(p) != NULL ? QZ_STEP_STATE_DONE : QZ_STEP_STATE_TODO;
  case QZ_STEP_QUANTIZER:
    return qz_quantizer_page_get_problem(QZ_QUANTIZER_PAGE(self->quantizer_page)) != NULL
               ? QZ_STEP_STATE_ATTENTION
               : QZ_STEP_STATE_DONE;
  case QZ_STEP_BOARD: {
    QzRunResult *run = qz_project_get_run_result(p);
    const char *board = qz_project_get_string(p, "quantization.board");

    if (board == NULL)
      return QZ_STEP_STATE_TODO;
    if (run != NULL && run->has_check && g_strcmp0(run->board_id, board) == 0 && !run->deployable)
      return QZ_STEP_STATE_ATTENTION;
    return QZ_STEP_STATE_DONE;
  }
  case QZ_STEP_PREPROCESSING:
    /* Nothing to choose before there are examples; then the defaults or
     * the file's settings are a preparation. */
    return data != NULL ? QZ_STEP_STATE_DONE : QZ_STEP_STATE_TODO;
  case QZ_STEP_DEPLOY:
    switch (qz_deploy_page_get_outcome(QZ_DEPLOY_PAGE(self->deploy_page))) {
    case 1:
      return QZ_STEP_STATE_DONE;
    case -1:
      return QZ_STEP_STATE_ATTENTION;
    default:
      return QZ_STEP_STATE_TODO;
    }
  case QZ_N_STEPS:
  default:
    return QZ_STEP_STATE_TODO;
  }
}

static void qz_window_update_states(QzWindow *self)
{
  for (guint i = 0; i < QZ_N_STEPS; i++)
    qz_step_row_set_state(self->step_rows[i], qz_window_step_state(self, i));
}

static void qz_window_update_titles(QzWindow *self)
{
  const char *project_title = qz_project_get_title(self->project);
  g_autofree char *window_title = NULL;

  adw_window_title_set_title(self->sidebar_title, project_title);
  if (qz_project_get_is_example(self->project)) {
    adw_window_title_set_subtitle(self->sidebar_title, _("Example project"));
  } else if (qz_project_get_modified(self->project) || qz_project_get_file(self->project) == NULL) {
    adw_window_title_set_subtitle(self->sidebar_title, _("Not saved"));
  } else {
    g_autofree char *name = g_file_get_basename(qz_project_get_file(self->project));

    adw_window_title_set_subtitle(self->sidebar_title, name);
  }

  if (g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "start") == 0) {
    gtk_window_set_title(GTK_WINDOW(self), _("Quantizer"));
    return;
  }

  if (self->current >= 0) {
    g_autofree char *subtitle =
        /* Translators: shown under the step's name, e.g. "Step 2 of 8" */
        g_strdup_printf(_("Step %d of %d"), self->current + 1, (int)QZ_N_STEPS);

    adw_window_title_set_title(self->page_title, qz_step_get_title(self->current));
    adw_window_title_set_subtitle(self->page_title, subtitle);
  } else {
    adw_window_title_set_title(self->page_title, _("History"));
    adw_window_title_set_subtitle(self->page_title, project_title);
  }
  /* Translators: the window title, e.g. "digits — Quantizer" */
  window_title = g_strdup_printf(_("%s — Quantizer"), project_title);
  gtk_window_set_title(GTK_WINDOW(self), window_title);
}

static void qz_window_update_navigation(QzWindow *self)
{
  gboolean wizard = g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "wizard") == 0;
  gboolean step = wizard && self->current >= 0;

  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.go-back", step && self->current > 0);
  gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.go-next",
                                step && self->current < QZ_N_STEPS - 1);
  gtk_widget_set_visible(GTK_WIDGET(self->action_bar), self->current >= 0);
}

/* ---- showing pages ------------------------------------------------------ */

/* Highlight the row of the page shown. The list has no selection: moving
 * the keyboard focus along it must not change the page, Enter or a click
 * does. */
static void qz_window_mark_current_row(QzWindow *self)
{
  for (guint i = 0; i < QZ_N_STEPS; i++)
    qz_step_row_set_current(self->step_rows[i], self->current == (int)i);
  qz_step_row_set_current(self->history_row, self->current < 0);
}

void qz_window_show_page(QzWindow *self, const char *page_id)
{
  int step;

  g_return_if_fail(QZ_IS_WINDOW(self));
  g_return_if_fail(page_id != NULL);

  if (g_str_equal(page_id, "start")) {
    gtk_stack_set_visible_child_name(self->main_stack, "start");
    gtk_widget_grab_focus(self->start_page);
  } else {
    step = qz_step_from_id(page_id);
    if (step < 0 && !g_str_equal(page_id, QZ_HISTORY_ID)) {
      g_critical("No page called “%s”", page_id);
      return;
    }
    self->current = step;
    gtk_stack_set_visible_child_name(self->pages_stack, page_id);
    gtk_stack_set_visible_child_name(self->main_stack, "wizard");
    qz_window_mark_current_row(self);
    adw_leaflet_set_visible_child_name(self->leaflet, "content");
  }

  qz_window_update_navigation(self);
  qz_window_update_titles(self);
}

const char *qz_window_get_page_id(QzWindow *self)
{
  g_return_val_if_fail(QZ_IS_WINDOW(self), NULL);

  if (g_strcmp0(gtk_stack_get_visible_child_name(self->main_stack), "start") == 0)
    return "start";
  return gtk_stack_get_visible_child_name(self->pages_stack);
}

GtkWidget *qz_window_get_page(QzWindow *self, const char *page_id)
{
  g_return_val_if_fail(QZ_IS_WINDOW(self), NULL);
  g_return_val_if_fail(page_id != NULL, NULL);

  if (g_str_equal(page_id, "start"))
    return self->start_page;
  return gtk_stack_get_child_by_name(self->pages_stack, page_id);
}

static void steps_list_row_activated_cb(QzWindow *self, GtkListBoxRow *row, GtkListBox *list)
{
  qz_window_show_page(self, qz_step_row_get_id(QZ_STEP_ROW(row)));
}

static void steps_button_clicked_cb(QzWindow *self, GtkButton *button)
{
  adw_leaflet_navigate(self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  gtk_widget_grab_focus(GTK_WIDGET(self->steps_list));
}

static void steps_list_header_func(GtkListBoxRow *row, GtkListBoxRow *before, gpointer user_data)
{
  QzWindow *self = QZ_WINDOW(user_data);

  if (before != NULL && QZ_STEP_ROW(row) == self->history_row) {
    if (gtk_list_box_row_get_header(row) == NULL)
      gtk_list_box_row_set_header(row, gtk_separator_new(GTK_ORIENTATION_HORIZONTAL));
  } else {
    gtk_list_box_row_set_header(row, NULL);
  }
}

/* ---- project ------------------------------------------------------------ */

static void project_changed_cb(QzWindow *self, GParamSpec *pspec, QzProject *project)
{
  qz_window_update_states(self);
  qz_window_update_titles(self);
}

static void qz_window_set_project(QzWindow *self, QzProject *project)
{
  GtkWidget *pages[QZ_N_PAGES];

  if (self->project != NULL)
    g_signal_handlers_disconnect_by_func(self->project, project_changed_cb, self);
  g_set_object(&self->project, project);
  g_signal_connect_object(project, "notify", G_CALLBACK(project_changed_cb), self,
                          G_CONNECT_SWAPPED);

  g_object_set(self->start_page, "project", project, NULL);
  qz_window_get_pages(self, pages);
  for (guint i = 0; i < QZ_N_PAGES; i++)
    g_object_set(pages[i], "project", project, NULL);
  /* After the pages: they check the change first, then the steps show it. */
  g_signal_connect_object(project, "changed", G_CALLBACK(project_changed_cb), self,
                          G_CONNECT_SWAPPED);

  qz_window_update_states(self);
  qz_window_update_titles(self);
}

QzProject *qz_window_get_project(QzWindow *self)
{
  g_return_val_if_fail(QZ_IS_WINDOW(self), NULL);
  return self->project;
}

/* Stop the work started so far and give later work a fresh cancellable. */
static void cancel_jobs(QzWindow *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
  if (self->job_cancellables != NULL) {
    for (guint i = 0; i < self->job_cancellables->len; i++)
      g_cancellable_cancel(g_ptr_array_index(self->job_cancellables, i));
    g_ptr_array_set_size(self->job_cancellables, 0);
  }
}

static void qz_window_reset_cancellable(QzWindow *self)
{
  cancel_jobs(self);
  g_object_unref(self->cancellable);
  self->cancellable = g_cancellable_new();
}

static void qz_window_new_project(QzWindow *self)
{
  g_autoptr(QzProject) project = qz_project_new();

  /* Work for the old project has no one to report to any more. */
  qz_window_reset_cancellable(self);

  qz_window_set_project(self, project);
}

void qz_window_open_model(QzWindow *self, GFile *file)
{
  g_autoptr(GFile) parent = NULL;

  g_return_if_fail(QZ_IS_WINDOW(self));
  g_return_if_fail(G_IS_FILE(file));

  /* From the start page or the example, a model starts a new project; in
   * the wizard it replaces the model of the project being built. */
  if (g_str_equal(qz_window_get_page_id(self), "start") || qz_project_get_is_example(self->project))
    qz_window_new_project(self);

  parent = g_file_get_parent(file);
  if (self->settings != NULL && parent != NULL && g_file_peek_path(parent) != NULL)
    g_settings_set_string(self->settings, "last-folder", g_file_peek_path(parent));

  qz_project_set_model_file(self->project, file);
  qz_window_show_page(self, "model");
}

/* Show @project in the wizard, at its first step. */
void qz_window_open_project(QzWindow *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_WINDOW(self));
  g_return_if_fail(QZ_IS_PROJECT(project));

  qz_window_reset_cancellable(self);
  qz_window_set_project(self, project);
  qz_window_show_page(self, "model");
}

gboolean qz_window_open_config(QzWindow *self, GFile *file)
{
  g_autoptr(QzProject) project = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail(QZ_IS_WINDOW(self), FALSE);
  g_return_val_if_fail(G_IS_FILE(file), FALSE);

  project = qz_project_new_from_file(file, &error);
  if (project == NULL) {
    /* The message names the file, line and key at fault. */
    qz_window_add_toast(self, error->message);
    return FALSE;
  }
  qz_window_open_project(self, project);
  if (qz_project_get_problem(project) != NULL)
    qz_window_add_toast(self, qz_project_get_problem(project));
  return TRUE;
}

void qz_window_open_example(QzWindow *self)
{
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GFile) config = NULL;
  g_autoptr(QzProject) project = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail(QZ_IS_WINDOW(self));

  dir = qz_find_example_dir();
  if (dir == NULL) {
    qz_window_add_toast(self, _("The example project is not installed"));
    return;
  }
  config = g_file_get_child(dir, "user_config.yaml");
  project = qz_project_new_from_file(config, &error);
  if (project == NULL) {
    qz_window_add_toast(self, error->message);
    return;
  }
  qz_project_set_example_dir(project, dir);
  qz_window_open_project(self, project);
}

/* ---- actions ------------------------------------------------------------ */

typedef enum {
  CHOOSE_MODEL,
  CHOOSE_CONFIG,
  CHOOSE_SAVE,
} ChooserPurpose;

static void file_chooser_response_cb(QzWindow *self, int response, GtkNativeDialog *dialog)
{
  ChooserPurpose purpose = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(dialog), "purpose"));

  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
    g_autoptr(GFile) parent = file != NULL ? g_file_get_parent(file) : NULL;

    if (self->settings != NULL && parent != NULL && g_file_peek_path(parent) != NULL)
      g_settings_set_string(self->settings, "last-folder", g_file_peek_path(parent));
    if (file != NULL && purpose == CHOOSE_MODEL)
      qz_window_open_model(self, file);
    else if (file != NULL && purpose == CHOOSE_CONFIG)
      qz_window_open_config(self, file);
    else if (file != NULL && purpose == CHOOSE_SAVE)
      qz_window_save_project(self, file);
  }
  gtk_native_dialog_destroy(dialog);
  g_clear_object(&self->file_chooser);
}

static void qz_window_run_chooser(QzWindow *self, ChooserPurpose purpose)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new();
  GtkFileChooserNative *native;

  if (self->file_chooser != NULL) {
    gtk_native_dialog_destroy(self->file_chooser);
    g_clear_object(&self->file_chooser);
  }

  switch (purpose) {
  case CHOOSE_MODEL:
    native = gtk_file_chooser_native_new(_("Open Model"), GTK_WINDOW(self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
    gtk_file_filter_set_name(filter, _("Models (ONNX, TensorFlow Lite)"));
    gtk_file_filter_add_pattern(filter, "*.onnx");
    gtk_file_filter_add_pattern(filter, "*.tflite");
    break;
  case CHOOSE_CONFIG:
    native = gtk_file_chooser_native_new(_("Open Project"), GTK_WINDOW(self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
    gtk_file_filter_set_name(filter, _("Configuration files (YAML)"));
    gtk_file_filter_add_pattern(filter, "*.yaml");
    gtk_file_filter_add_pattern(filter, "*.yml");
    break;
  case CHOOSE_SAVE:
  default:
    native = gtk_file_chooser_native_new(_("Save Project"), GTK_WINDOW(self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
    gtk_file_filter_set_name(filter, _("Configuration files (YAML)"));
    gtk_file_filter_add_pattern(filter, "*.yaml");
    {
      g_autofree char *name = g_strdup_printf("%s.yaml", qz_project_get_title(self->project));

      gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(native), name);
    }
    break;
  }
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(native), filter);
  if (purpose != CHOOSE_SAVE) {
    gtk_file_filter_set_name(all, _("All Files"));
    gtk_file_filter_add_pattern(all, "*");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(native), all);
  }

  if (self->settings != NULL) {
    g_autofree char *last = g_settings_get_string(self->settings, "last-folder");

    if (last[0] != '\0' && g_file_test(last, G_FILE_TEST_IS_DIR)) {
      g_autoptr(GFile) folder = g_file_new_for_path(last);

      gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(native), folder, NULL);
    }
  }

  self->file_chooser = GTK_NATIVE_DIALOG(native);
  g_object_set_data(G_OBJECT(native), "purpose", GINT_TO_POINTER(purpose));
  gtk_native_dialog_set_modal(self->file_chooser, TRUE);
  g_signal_connect_object(native, "response", G_CALLBACK(file_chooser_response_cb), self,
                          G_CONNECT_SWAPPED);
  gtk_native_dialog_show(self->file_chooser);
}

gboolean qz_window_save_project(QzWindow *self, GFile *file)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail(QZ_IS_WINDOW(self), FALSE);

  if (!qz_project_save(self->project, file, &error)) {
    qz_window_add_toast(self, error->message);
    return FALSE;
  }
  /* The example is read-only where it is installed; a saved copy is the
   * user's own project. */
  qz_project_set_example_dir(self->project, NULL);
  qz_window_update_titles(self);
  return TRUE;
}

static void open_config_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_run_chooser(QZ_WINDOW(widget), CHOOSE_CONFIG);
}

static void save_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzWindow *self = QZ_WINDOW(widget);
  GFile *file = qz_project_get_file(self->project);

  if (file != NULL && !qz_project_get_is_example(self->project))
    qz_window_save_project(self, file);
  else
    qz_window_run_chooser(self, CHOOSE_SAVE);
}

static void save_as_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_run_chooser(QZ_WINDOW(widget), CHOOSE_SAVE);
}

static void open_model_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_run_chooser(QZ_WINDOW(widget), CHOOSE_MODEL);
}

static void new_project_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzWindow *self = QZ_WINDOW(widget);

  qz_window_new_project(self);
  qz_window_show_page(self, "model");
}

static void open_example_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_open_example(QZ_WINDOW(widget));
}

static void go_back_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzWindow *self = QZ_WINDOW(widget);

  if (self->current > 0)
    qz_window_show_page(self, qz_step_get_info(self->current - 1)->id);
}

static void go_next_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzWindow *self = QZ_WINDOW(widget);

  if (self->current >= 0 && self->current < QZ_N_STEPS - 1)
    qz_window_show_page(self, qz_step_get_info(self->current + 1)->id);
}

static void go_step_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  int step = g_variant_get_int32(parameter);

  if (step >= 0 && step < QZ_N_STEPS)
    qz_window_show_page(QZ_WINDOW(widget), qz_step_get_info(step)->id);
}

static void show_history_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_show_page(QZ_WINDOW(widget), QZ_HISTORY_ID);
}

static void show_start_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_show_page(QZ_WINDOW(widget), "start");
}

static void show_wizard_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzWindow *self = QZ_WINDOW(widget);

  qz_window_show_page(self,
                      self->current >= 0 ? qz_step_get_info(self->current)->id : QZ_HISTORY_ID);
}

static void cancel_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  qz_window_reset_cancellable(QZ_WINDOW(widget));
}

static void help_launched_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish(result, &error)) {
    g_autofree char *message =
        /* Translators: %s is the reason, e.g. "no application handles help: links" */
        g_strdup_printf(_("Could not open the help: %s"), error->message);

    qz_window_add_toast(self, message);
  }
}

static void help_action(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  QzWindow *self = QZ_WINDOW(widget);
  const char *page = qz_window_get_page_id(self);
  g_autoptr(GAppLaunchContext) context = NULL;
  g_autofree char *uri = NULL;

  uri = qz_help_uri(g_str_equal(page, "start") ? NULL : page);
  context = G_APP_LAUNCH_CONTEXT(
      gdk_display_get_app_launch_context(gtk_widget_get_display(GTK_WIDGET(self))));
  g_app_info_launch_default_for_uri_async(uri, context, NULL, help_launched_cb, g_object_ref(self));
}

/* ---- drag and drop ------------------------------------------------------ */

static gboolean drop_target_drop_cb(QzWindow *self, const GValue *value, double x, double y,
                                    GtkDropTarget *target)
{
  GSList *files;

  if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed(value);
  if (files == NULL)
    return FALSE;
  qz_window_open_model(self, G_FILE(files->data));
  return TRUE;
}

/* ---- window ------------------------------------------------------------- */

void qz_window_add_toast(QzWindow *self, const char *message)
{
  g_return_if_fail(QZ_IS_WINDOW(self));
  adw_toast_overlay_add_toast(self->toast_overlay, adw_toast_new(message));
}

GCancellable *qz_window_get_cancellable(QzWindow *self)
{
  GCancellable *job;

  g_return_val_if_fail(QZ_IS_WINDOW(self), NULL);
  /* Each piece of work gets its own: a page that stops its own work to
   * start it again must not stop the other pages' work, nor leave them a
   * cancellable that is already cancelled. */
  job = g_cancellable_new();
  g_ptr_array_add(self->job_cancellables, job);
  return job;
}

static GSettings *qz_window_new_settings(void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* Without the schema (a build that was not installed, outside `meson
   * devenv`) the window simply does not remember its size. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup(source, APP_ID_BASE, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full(schema, NULL, NULL);
}

static gboolean qz_window_close_request(GtkWindow *window)
{
  QzWindow *self = QZ_WINDOW(window);

  cancel_jobs(self);

  if (self->settings != NULL) {
    gboolean maximized = gtk_window_is_maximized(window);

    g_settings_delay(self->settings);
    g_settings_set_boolean(self->settings, "window-maximized", maximized);
    if (!maximized) {
      int width, height;

      gtk_window_get_default_size(window, &width, &height);
      g_settings_set_int(self->settings, "window-width", width);
      g_settings_set_int(self->settings, "window-height", height);
    }
    g_settings_apply(self->settings);
  }

  return GTK_WINDOW_CLASS(qz_window_parent_class)->close_request(window);
}

static void qz_window_dispose(GObject *object)
{
  QzWindow *self = QZ_WINDOW(object);

  cancel_jobs(self);
  if (self->file_chooser != NULL) {
    gtk_native_dialog_destroy(self->file_chooser);
    g_clear_object(&self->file_chooser);
  }

  gtk_widget_dispose_template(GTK_WIDGET(self), QZ_TYPE_WINDOW);

  g_clear_object(&self->settings);
  g_clear_object(&self->project);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->job_cancellables, g_ptr_array_unref);

  G_OBJECT_CLASS(qz_window_parent_class)->dispose(object);
}

static void qz_window_class_init(QzWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

  object_class->dispose = qz_window_dispose;
  window_class->close_request = qz_window_close_request;

  g_type_ensure(QZ_TYPE_START_PAGE);
  g_type_ensure(QZ_TYPE_HISTORY_PAGE);
  for (guint i = 0; i < QZ_N_STEPS; i++)
    g_type_ensure(qz_step_get_info(i)->get_type());

  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/io/github/quantizer/Quantizer/qz-window.ui");
  gtk_widget_class_bind_template_child(widget_class, QzWindow, toast_overlay);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, main_stack);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, leaflet);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, steps_list);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, sidebar_title);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, page_title);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, pages_stack);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, action_bar);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, start_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, model_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, data_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, preprocess_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, quantizer_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, board_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, run_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, compare_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, deploy_page);
  gtk_widget_class_bind_template_child(widget_class, QzWindow, history_page);
  gtk_widget_class_bind_template_callback(widget_class, steps_button_clicked_cb);

  gtk_widget_class_install_action(widget_class, "win.new-project", NULL, new_project_action);
  gtk_widget_class_install_action(widget_class, "win.open-model", NULL, open_model_action);
  gtk_widget_class_install_action(widget_class, "win.open-example", NULL, open_example_action);
  gtk_widget_class_install_action(widget_class, "win.open-config", NULL, open_config_action);
  gtk_widget_class_install_action(widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action(widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action(widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action(widget_class, "win.go-next", NULL, go_next_action);
  gtk_widget_class_install_action(widget_class, "win.go-step", "i", go_step_action);
  gtk_widget_class_install_action(widget_class, "win.show-history", NULL, show_history_action);
  gtk_widget_class_install_action(widget_class, "win.show-start", NULL, show_start_action);
  gtk_widget_class_install_action(widget_class, "win.show-wizard", NULL, show_wizard_action);
  gtk_widget_class_install_action(widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action(widget_class, "win.help", NULL, help_action);
}

static void qz_window_init(QzWindow *self)
{
  g_autoptr(QzProject) project = qz_project_new();
  GtkDropTarget *drop;

  self->current = QZ_STEP_MODEL;
  self->cancellable = g_cancellable_new();
  self->job_cancellables = g_ptr_array_new_with_free_func(g_object_unref);

  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);

  if (g_str_equal(PROFILE, "development"))
    gtk_widget_add_css_class(GTK_WIDGET(self), "devel");

  for (guint i = 0; i < QZ_N_STEPS; i++) {
    const QzStepInfo *info = qz_step_get_info(i);
    GtkWidget *row = qz_step_row_new(info->id, i + 1, qz_step_get_title(i), qz_step_get_subtitle(i),
                                     info->icon_name);

    self->step_rows[i] = QZ_STEP_ROW(row);
    gtk_list_box_append(self->steps_list, row);
  }
  self->history_row =
      QZ_STEP_ROW(qz_step_row_new(QZ_HISTORY_ID, 0, _("History"), _("Earlier runs of this project"),
                                  "document-open-recent-symbolic"));
  gtk_list_box_append(self->steps_list, GTK_WIDGET(self->history_row));
  gtk_list_box_set_header_func(self->steps_list, steps_list_header_func, self, NULL);
  g_signal_connect_object(self->deploy_page, "notify::outcome", G_CALLBACK(qz_window_update_states),
                          self, G_CONNECT_SWAPPED);
  g_signal_connect_object(self->steps_list, "row-activated",
                          G_CALLBACK(steps_list_row_activated_cb), self, G_CONNECT_SWAPPED);

  drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object(drop, "drop", G_CALLBACK(drop_target_drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller(GTK_WIDGET(self->toast_overlay), GTK_EVENT_CONTROLLER(drop));

  self->settings = qz_window_new_settings();
  if (self->settings != NULL) {
    gtk_window_set_default_size(GTK_WINDOW(self),
                                g_settings_get_int(self->settings, "window-width"),
                                g_settings_get_int(self->settings, "window-height"));
    if (g_settings_get_boolean(self->settings, "window-maximized"))
      gtk_window_maximize(GTK_WINDOW(self));
  } else {
    gtk_window_set_default_size(GTK_WINDOW(self), 1280, 800);
  }

  qz_window_set_project(self, project);
  qz_window_show_page(self, "start");
}

QzWindow *qz_window_new(QzApplication *application)
{
  return g_object_new(QZ_TYPE_WINDOW, "application", application, NULL);
}
