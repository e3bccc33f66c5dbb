/* qz-history-page.c - the runs kept in the history.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The runs of the project's model (or of every project), newest first:
 * date, status, board, accuracy before and after, size. Each can be opened
 * again (its stored settings become the project), run again, or deleted;
 * two ticked runs are compared number by number. The history is the
 * engine's database, read in a worker thread.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qe/qe_history.h"
#include "qz-history-page.h"
#include "qz-history.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-run-page.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzHistoryPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkSwitch *all_switch;
  GtkListBox *runs_list;
  GtkWidget *compare_button;
  GtkBox *comparison_box;

  /* Owned references */
  QzProject *project;
  QzJob *job;
  GPtrArray *runs; /* QzHistoryRun */
  GArray *ticked;  /* gint64 run ids, at most two */
  gboolean reload;
};

G_DEFINE_FINAL_TYPE(QzHistoryPage, qz_history_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, N_PROPS };

static GParamSpec *properties[N_PROPS];

static const char *status_words(int status)
{
  switch (status) {
  case QE_RUN_RUNNING:
    return _("running");
  case QE_RUN_FINISHED:
    return _("finished");
  case QE_RUN_FAILED:
    return _("failed");
  case QE_RUN_CANCELLED:
    return _("stopped");
  case QE_RUN_INTERRUPTED:
  default:
    return _("interrupted");
  }
}

/* ---- the list ----------------------------------------------------------- */

static void tick_toggled_cb(GtkCheckButton *check, QzHistoryPage *self)
{
  gint64 id = *(gint64 *)g_object_get_data(G_OBJECT(check), "run-id");

  if (gtk_check_button_get_active(check)) {
    g_array_append_val(self->ticked, id);
  } else {
    for (guint i = 0; i < self->ticked->len; i++)
      if (g_array_index(self->ticked, gint64, i) == id)
        g_array_remove_index(self->ticked, i--);
  }
  gtk_widget_set_sensitive(self->compare_button, self->ticked->len == 2);
}

static GMenuModel *row_menu(gint64 id)
{
  GMenu *menu = g_menu_new();
  GMenuItem *item;

  item = g_menu_item_new(_("_Open Its Settings"), NULL);
  g_menu_item_set_action_and_target_value(item, "history.open", g_variant_new_int64(id));
  g_menu_append_item(menu, item);
  g_object_unref(item);
  item = g_menu_item_new(_("_Run It Again"), NULL);
  g_menu_item_set_action_and_target_value(item, "history.rerun", g_variant_new_int64(id));
  g_menu_append_item(menu, item);
  g_object_unref(item);
  item = g_menu_item_new(_("_Delete"), NULL);
  g_menu_item_set_action_and_target_value(item, "history.delete", g_variant_new_int64(id));
  g_menu_append_item(menu, item);
  g_object_unref(item);
  return G_MENU_MODEL(menu);
}

static GtkWidget *run_row(QzHistoryPage *self, const QzHistoryRun *run)
{
  GtkWidget *row = adw_action_row_new();
  GtkWidget *check = gtk_check_button_new();
  GtkWidget *value = gtk_label_new(NULL);
  GtkWidget *menu = gtk_menu_button_new();
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local((gint64)run->started);
  g_autofree char *date = when != NULL ? g_date_time_format(when, "%x %X") : g_strdup("");
  g_autofree char *model =
      run->model_path != NULL ? g_path_get_basename(run->model_path) : g_strdup("");
  g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, run->id);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *fa = qz_format_percent(run->float_accuracy);
  g_autofree char *qa = qz_format_percent(run->quantized_accuracy);
  g_autofree char *size =
      run->quantized_bytes > 0 ? qz_format_bytes((guint64)run->quantized_bytes) : g_strdup("–");
  g_autofree char *numbers = g_strdup_printf("%s → %s\n%s", fa, qa, size);
  g_autofree char *menu_label = NULL;
  gint64 *idp = g_new(gint64, 1);

  /* Translators: "Run 12: fashion_example" */
  title = g_strdup_printf(_("Run %s: %s"), id, run->project != NULL ? run->project : model);
  subtitle = g_strdup_printf(
      /* Translators: "25/11/2026 14:15:24, finished, model fashion_cnn.onnx, board nucleo-f446re"
       */
      _("%s, %s, model %s, board %s"), date, status_words(run->status), model,
      run->board != NULL ? run->board : _("none"));
  adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);

  *idp = run->id;
  g_object_set_data_full(G_OBJECT(check), "run-id", idp, g_free);
  gtk_widget_set_valign(check, GTK_ALIGN_CENTER);
  /* Translators: the accessible name of the box that ticks a run */
  {
    g_autofree char *tick = g_strdup_printf(_("Compare run %s"), id);

    gtk_accessible_update_property(GTK_ACCESSIBLE(check), GTK_ACCESSIBLE_PROPERTY_LABEL, tick, -1);
  }
  g_signal_connect(check, "toggled", G_CALLBACK(tick_toggled_cb), self);
  adw_action_row_add_prefix(ADW_ACTION_ROW(row), check);

  gtk_label_set_label(GTK_LABEL(value), numbers);
  gtk_label_set_justify(GTK_LABEL(value), GTK_JUSTIFY_RIGHT);
  gtk_label_set_xalign(GTK_LABEL(value), 1.0f);
  gtk_widget_add_css_class(value, "numeric");
  gtk_widget_set_valign(value, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), value);

  gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(menu), "view-more-symbolic");
  gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(menu), row_menu(run->id));
  g_object_unref(gtk_menu_button_get_menu_model(GTK_MENU_BUTTON(menu)));
  gtk_widget_set_valign(menu, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class(menu, "flat");
  menu_label = g_strdup_printf(_("What to do with run %s"), id);
  gtk_widget_set_tooltip_text(menu, menu_label);
  gtk_accessible_update_property(GTK_ACCESSIBLE(menu), GTK_ACCESSIBLE_PROPERTY_LABEL, menu_label,
                                 -1);
  adw_action_row_add_suffix(ADW_ACTION_ROW(row), menu);
  return row;
}

static gboolean run_belongs(QzHistoryPage *self, const QzHistoryRun *run)
{
  GFile *model;

  if (gtk_switch_get_active(self->all_switch) || self->project == NULL)
    return TRUE;
  model = qz_project_get_model_file(self->project);
  return model != NULL && g_strcmp0(run->model_path, g_file_peek_path(model)) == 0;
}

static void show_runs(QzHistoryPage *self)
{
  guint shown = 0;

  qz_remove_children(GTK_WIDGET(self->runs_list));
  g_array_set_size(self->ticked, 0);
  gtk_widget_set_sensitive(self->compare_button, FALSE);
  for (guint i = 0; self->runs != NULL && i < self->runs->len; i++) {
    const QzHistoryRun *run = g_ptr_array_index(self->runs, i);

    if (!run_belongs(self, run))
      continue;
    gtk_list_box_append(self->runs_list, run_row(self, run));
    shown++;
  }
  if (shown == 0 && !gtk_switch_get_active(self->all_switch) && self->runs != NULL &&
      self->runs->len > 0) {
    GtkWidget *row = adw_action_row_new();

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                  _("No run of this model yet. Switch on the runs of every "
                                    "project to see the others."));
    gtk_list_box_append(self->runs_list, row);
    shown++;
  }
  gtk_stack_set_visible_child_name(self->stack, shown > 0 ? "runs" : "empty");
}

static void filter_changed_cb(QzHistoryPage *self)
{
  show_runs(self);
}

/* ---- loading ------------------------------------------------------------ */

static gpointer list_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                            GError **error)
{
  return qz_history_list(error);
}

static void list_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzHistoryPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *runs = qz_job_run_finish(QZ_JOB(object), result, &error);

  if (self->stack == NULL) { /* disposed meanwhile */
    g_clear_pointer(&runs, g_ptr_array_unref);
    return;
  }

  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
  if (self->reload) {
    self->reload = FALSE;
    g_clear_pointer(&runs, g_ptr_array_unref);
    qz_history_page_refresh(self);
    return;
  }
  g_clear_pointer(&self->runs, g_ptr_array_unref);
  self->runs = runs;
  if (runs == NULL) {
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

    if (root != NULL && QZ_IS_WINDOW(root))
      qz_window_add_toast(QZ_WINDOW(root), error->message);
  }
  show_runs(self);
}

void qz_history_page_refresh(QzHistoryPage *self)
{
  g_return_if_fail(QZ_IS_HISTORY_PAGE(self));

  if (qz_job_get_busy(self->job)) {
    self->reload = TRUE;
    return;
  }
  qz_job_run_async(self->job, list_worker, NULL, NULL, (GDestroyNotify)g_ptr_array_unref, NULL,
                   list_done_cb, g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

/* ---- comparing two ------------------------------------------------------ */

typedef struct {
  gint64 a, b;
  GPtrArray *ma, *mb;
} CompareData;

static void compare_data_free(CompareData *d)
{
  g_clear_pointer(&d->ma, g_ptr_array_unref);
  g_clear_pointer(&d->mb, g_ptr_array_unref);
  g_free(d);
}

static gpointer compare_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                               GError **error)
{
  CompareData *d = task_data;
  CompareData *out = g_new0(CompareData, 1);

  out->a = d->a;
  out->b = d->b;
  out->ma = qz_history_get_metrics(d->a, error);
  if (out->ma != NULL)
    out->mb = qz_history_get_metrics(d->b, error);
  if (out->mb == NULL) {
    compare_data_free(out);
    return NULL;
  }
  return out;
}

/* Plain words for the measures people look at first; the others keep the
 * engine's names (report.json's keys). */
static const struct {
  const char *key;
  const char *words;
} metric_words[] = {
  { "float accuracy", N_("Accuracy of the original model") },
  { "quantized accuracy", N_("Accuracy of the quantized model") },
  { "float macro_f1", N_("F1 score of the original model") },
  { "quantized macro_f1", N_("F1 score of the quantized model") },
  { "size.float_bytes", N_("Size of the original model (bytes)") },
  { "size.quantized_bytes", N_("Size of the quantized model (bytes)") },
  { "size.arena_bytes", N_("Working memory (bytes)") },
  { "float latency_ms", N_("Time per example, original (ms)") },
  { "quantized latency_ms", N_("Time per example, quantized (ms)") },
  { "output_error.cos", N_("How alike the answers are (cosine)") },
};

static const char *metric_name(const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS(metric_words); i++)
    if (g_str_equal(metric_words[i].key, key))
      return _(metric_words[i].words);
  return key;
}

static const char *metric_of(GPtrArray *m, const char *key)
{
  for (guint i = 0; i + 1 < m->len; i += 2)
    if (g_str_equal(g_ptr_array_index(m, i), key))
      return g_ptr_array_index(m, i + 1);
  return "–";
}

/* A row of the comparison: the measure (in bold when @known), then its
 * value in each of the two runs. */
static void attach_measure(GtkWidget *grid, int row, const char *const cells[3], gboolean known)
{
  for (int c = 0; c < 3; c++) {
    GtkWidget *label = gtk_label_new(cells[c]);

    gtk_label_set_xalign(GTK_LABEL(label), c == 0 ? 0.0f : 1.0f);
    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    gtk_widget_set_margin_start(label, c == 0 ? 12 : 0);
    gtk_widget_set_margin_end(label, c == 2 ? 12 : 0);
    if (c > 0)
      gtk_widget_add_css_class(label, "numeric");
    else if (known)
      gtk_widget_add_css_class(label, "heading");
    gtk_grid_attach(GTK_GRID(grid), label, c, row, 1, 1);
  }
}

static void compare_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzHistoryPage) self = user_data;
  g_autoptr(GError) error = NULL;
  CompareData *d = qz_job_run_finish(QZ_JOB(object), result, &error);
  GtkWidget *group, *grid, *label;

  if (self->stack == NULL) { /* disposed meanwhile */
    g_clear_pointer(&d, compare_data_free);
    return;
  }
  g_autofree char *title = NULL;
  g_autofree char *ida = NULL;
  g_autofree char *idb = NULL;
  int row = 1;

  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
  qz_remove_children(GTK_WIDGET(self->comparison_box));
  if (d == NULL) {
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

    if (root != NULL && QZ_IS_WINDOW(root))
      qz_window_add_toast(QZ_WINDOW(root), error->message);
    return;
  }

  ida = g_strdup_printf("%" G_GINT64_FORMAT, d->a);
  idb = g_strdup_printf("%" G_GINT64_FORMAT, d->b);
  /* Translators: "Run 3 and Run 5" */
  title = g_strdup_printf(_("Run %s and Run %s"), ida, idb);
  group = adw_preferences_group_new();
  adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group), title);
  grid = gtk_grid_new();
  gtk_grid_set_column_spacing(GTK_GRID(grid), 24);
  gtk_grid_set_row_spacing(GTK_GRID(grid), 6);
  gtk_widget_add_css_class(grid, "card");
  gtk_widget_set_margin_top(grid, 6);
  {
    const char *heads[] = { _("Measure"), ida, idb };

    for (int c = 0; c < 3; c++) {
      label = gtk_label_new(heads[c]);
      gtk_widget_add_css_class(label, "heading");
      gtk_label_set_xalign(GTK_LABEL(label), c == 0 ? 0.0f : 1.0f);
      gtk_widget_set_margin_top(label, 12);
      gtk_widget_set_margin_start(label, c == 0 ? 12 : 0);
      gtk_widget_set_margin_end(label, c == 2 ? 12 : 0);
      gtk_grid_attach(GTK_GRID(grid), label, c, 0, 1, 1);
    }
  }
  /* The plain measures first, then every other measure either run has. */
  for (guint i = 0; i < G_N_ELEMENTS(metric_words); i++) {
    const char *cells[3] = { _(metric_words[i].words), metric_of(d->ma, metric_words[i].key),
                             metric_of(d->mb, metric_words[i].key) };

    if (g_str_equal(cells[1], "–") && g_str_equal(cells[2], "–"))
      continue;
    attach_measure(grid, row++, cells, TRUE);
  }
  for (guint i = 0; i + 1 < d->ma->len + d->mb->len; i += 2) {
    GPtrArray *src = i < d->ma->len ? d->ma : d->mb;
    guint k = i < d->ma->len ? i : i - d->ma->len;
    const char *key = g_ptr_array_index(src, k);
    const char *cells[3];

    if (src == d->mb && g_strcmp0(metric_of(d->ma, key), "–") != 0)
      continue;
    if (metric_name(key) != key)
      continue;
    cells[0] = key;
    cells[1] = metric_of(d->ma, key);
    cells[2] = metric_of(d->mb, key);
    attach_measure(grid, row++, cells, FALSE);
  }
  gtk_widget_set_margin_bottom(gtk_grid_get_child_at(GTK_GRID(grid), 0, row - 1), 12);
  adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), grid);
  gtk_box_append(self->comparison_box, group);
  compare_data_free(d);
}

static void compare_clicked_cb(QzHistoryPage *self)
{
  CompareData *d;

  if (self->ticked->len != 2 || qz_job_get_busy(self->job))
    return;
  d = g_new0(CompareData, 1);
  d->a = g_array_index(self->ticked, gint64, 0);
  d->b = g_array_index(self->ticked, gint64, 1);
  qz_job_run_async(self->job, compare_worker, d, (GDestroyNotify)compare_data_free,
                   (GDestroyNotify)compare_data_free, NULL, compare_done_cb, g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

/* ---- actions on one run ------------------------------------------------- */

/* Reading one stored configuration is one small query. */
static QzProject *project_of_run(QzHistoryPage *self, gint64 id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = qz_history_get_config(id, &error);
  g_autofree char *name = g_strdup_printf("run %" G_GINT64_FORMAT, id);
  QzProject *project = NULL;
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

  if (yaml != NULL)
    project = qz_project_new_from_yaml(yaml, name, &error);
  if (project == NULL && root != NULL && QZ_IS_WINDOW(root))
    qz_window_add_toast(QZ_WINDOW(root), error->message);
  return project;
}

static void open_action(GtkWidget *widget, const char *name, GVariant *parameter)
{
  QzHistoryPage *self = QZ_HISTORY_PAGE(widget);
  g_autoptr(QzProject) project = project_of_run(self, g_variant_get_int64(parameter));
  GtkRoot *root = gtk_widget_get_root(widget);

  if (project != NULL && root != NULL && QZ_IS_WINDOW(root))
    qz_window_open_project(QZ_WINDOW(root), project);
}

static void rerun_action(GtkWidget *widget, const char *name, GVariant *parameter)
{
  QzHistoryPage *self = QZ_HISTORY_PAGE(widget);
  g_autoptr(QzProject) project = project_of_run(self, g_variant_get_int64(parameter));
  GtkRoot *root = gtk_widget_get_root(widget);

  if (project != NULL && root != NULL && QZ_IS_WINDOW(root)) {
    qz_window_open_project(QZ_WINDOW(root), project);
    qz_window_show_page(QZ_WINDOW(root), "run");
    qz_run_page_start(QZ_RUN_PAGE(qz_window_get_page(QZ_WINDOW(root), "run")));
  }
}

static void delete_response_cb(AdwMessageDialog *dialog, const char *response, QzHistoryPage *self)
{
  gint64 id = *(gint64 *)g_object_get_data(G_OBJECT(dialog), "run-id");
  g_autoptr(GError) error = NULL;

  if (!g_str_equal(response, "delete"))
    return;
  if (!qz_history_delete(id, &error)) {
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

    if (root != NULL && QZ_IS_WINDOW(root))
      qz_window_add_toast(QZ_WINDOW(root), error->message);
  }
  qz_history_page_refresh(self);
}

static void delete_action(GtkWidget *widget, const char *name, GVariant *parameter)
{
  QzHistoryPage *self = QZ_HISTORY_PAGE(widget);
  GtkRoot *root = gtk_widget_get_root(widget);
  gint64 *id = g_new(gint64, 1);
  g_autofree char *ids = NULL;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  *id = g_variant_get_int64(parameter);
  ids = g_strdup_printf("%" G_GINT64_FORMAT, *id);
  /* Translators: "Delete Run 12?" */
  heading = g_strdup_printf(_("Delete Run %s?"), ids);
  dialog = adw_message_dialog_new(GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL, heading,
                                  _("The run leaves the history. Its folder of results stays "
                                    "where it is."));
  adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("_Cancel"), "delete",
                                   _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "delete",
                                             ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
  g_object_set_data_full(G_OBJECT(dialog), "run-id", id, g_free);
  g_signal_connect_object(dialog, "response", G_CALLBACK(delete_response_cb), self, 0);
  gtk_window_present(GTK_WINDOW(dialog));
}

static void project_changed_cb(QzHistoryPage *self)
{
  show_runs(self);
}

static void run_finished_cb(QzHistoryPage *self)
{
  /* A new run is in the history. */
  qz_history_page_refresh(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_history_page_dispose(GObject *object)
{
  QzHistoryPage *self = QZ_HISTORY_PAGE(object);

  qz_page_dispose(ADW_BIN(self), QZ_TYPE_HISTORY_PAGE, &self->project, NULL);

  G_OBJECT_CLASS(qz_history_page_parent_class)->dispose(object);
}

static void qz_history_page_finalize(GObject *object)
{
  QzHistoryPage *self = QZ_HISTORY_PAGE(object);

  g_clear_object(&self->job);
  g_clear_pointer(&self->runs, g_ptr_array_unref);
  g_array_unref(self->ticked);

  G_OBJECT_CLASS(qz_history_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-history-page.ui",
  .get_project = (QzPageGetProject)qz_history_page_get_project,
  .set_project = (QzPageSetProject)qz_history_page_set_project,
  .get_busy = (QzPageGetBusy)qz_history_page_get_busy,
};

static void qz_history_page_class_init(QzHistoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_history_page_dispose;
  object_class->finalize = qz_history_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzHistoryPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzHistoryPage, all_switch);
  gtk_widget_class_bind_template_child(widget_class, QzHistoryPage, runs_list);
  gtk_widget_class_bind_template_child(widget_class, QzHistoryPage, compare_button);
  gtk_widget_class_bind_template_child(widget_class, QzHistoryPage, comparison_box);
  gtk_widget_class_bind_template_callback(widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback(widget_class, compare_clicked_cb);
  gtk_widget_class_install_action(widget_class, "history.open", "x", open_action);
  gtk_widget_class_install_action(widget_class, "history.rerun", "x", rerun_action);
  gtk_widget_class_install_action(widget_class, "history.delete", "x", delete_action);
}

static void qz_history_page_init(QzHistoryPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->job = qz_job_new();
  self->ticked = g_array_new(FALSE, FALSE, sizeof(gint64));
}

GtkWidget *qz_history_page_new(void)
{
  return g_object_new(QZ_TYPE_HISTORY_PAGE, NULL);
}

QzProject *qz_history_page_get_project(QzHistoryPage *self)
{
  g_return_val_if_fail(QZ_IS_HISTORY_PAGE(self), NULL);
  return self->project;
}

void qz_history_page_set_project(QzHistoryPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_HISTORY_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL) {
    g_signal_connect_object(project, "notify::model-file", G_CALLBACK(project_changed_cb), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(project, "notify::run-result", G_CALLBACK(run_finished_cb), self,
                            G_CONNECT_SWAPPED);
  }
  qz_history_page_refresh(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_history_page_get_busy(QzHistoryPage *self)
{
  g_return_val_if_fail(QZ_IS_HISTORY_PAGE(self), FALSE);
  return qz_job_get_busy(self->job);
}

guint qz_history_page_get_n_runs(QzHistoryPage *self)
{
  guint n = 0;

  g_return_val_if_fail(QZ_IS_HISTORY_PAGE(self), 0);
  for (guint i = 0; self->runs != NULL && i < self->runs->len; i++)
    n += run_belongs(self, g_ptr_array_index(self->runs, i));
  return n;
}
