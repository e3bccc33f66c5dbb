/* qz-start-page.c - the Start page.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the window shows first: start a new project from a model, open the
 * example project, or continue with the project already open. The rows
 * activate the window's actions, so the page itself knows no window.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-history.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-start-page.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzStartPage {
  AdwBin parent_instance;

  /* Template widgets */
  AdwStatusPage *status_page;
  GtkWidget *continue_group;
  AdwActionRow *continue_row;
  GtkWidget *recent_group;
  GtkListBox *recent_list;

  /* Owned */
  QzJob *job;

  /* Owned references */
  QzProject *project;
};

G_DEFINE_FINAL_TYPE(QzStartPage, qz_start_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_start_page_dispose(GObject *object)
{
  QzStartPage *self = QZ_START_PAGE(object);

  qz_page_dispose(ADW_BIN(self), QZ_TYPE_START_PAGE, &self->project, NULL);
  g_clear_object(&self->job);

  G_OBJECT_CLASS(qz_start_page_parent_class)->dispose(object);
}

/* ---- recent projects, from the history -------------------------------- */

static gpointer recent_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                              GError **error)
{
  return qz_history_list(error);
}

static void recent_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzStartPage) self = user_data;
  g_autoptr(GPtrArray) runs = qz_job_run_finish(QZ_JOB(object), result, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GtkWidget *child;
  guint shown = 0;

  if (self->recent_list == NULL) /* disposed meanwhile */
    return;

  while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->recent_list))) != NULL)
    gtk_list_box_remove(self->recent_list, child);
  /* The newest finished run of each project and model, five at most. */
  for (guint i = 0; runs != NULL && i < runs->len && shown < 5; i++) {
    const QzHistoryRun *run = g_ptr_array_index(runs, i);
    g_autofree char *key = g_strdup_printf("%s\n%s", run->project ? run->project : "",
                                           run->model_path ? run->model_path : "");
    g_autofree char *model = NULL;
    g_autoptr(GDateTime) when = NULL;
    g_autofree char *date = NULL;
    g_autofree char *subtitle = NULL;
    GtkWidget *row;
    gint64 *id;

    if (run->status != 1 /* finished */ || g_hash_table_contains(seen, key))
      continue;
    g_hash_table_add(seen, g_steal_pointer(&key));
    model = run->model_path != NULL ? g_path_get_basename(run->model_path) : g_strdup("");
    when = g_date_time_new_from_unix_local((gint64)run->started);
    date = when != NULL ? g_date_time_format(when, "%x") : g_strdup("");
    /* Translators: "fashion_cnn.onnx, last run 25/11/2026" */
    subtitle = g_strdup_printf(_("%s, last run %s"), model, date);
    row = adw_action_row_new();
    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row),
                                  run->project != NULL ? run->project : model);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row),
                              gtk_image_new_from_icon_name("go-next-symbolic"));
    id = g_new(gint64, 1);
    *id = run->id;
    g_object_set_data_full(G_OBJECT(row), "run-id", id, g_free);
    gtk_list_box_append(self->recent_list, row);
    shown++;
  }
  gtk_widget_set_visible(self->recent_group, shown > 0);
}

static void refresh_recent(QzStartPage *self)
{
  if (qz_job_get_busy(self->job))
    return;
  qz_job_run_async(self->job, recent_worker, NULL, NULL, (GDestroyNotify)g_ptr_array_unref, NULL,
                   recent_done_cb, g_object_ref(self));
}

static void recent_activated_cb(QzStartPage *self, GtkListBoxRow *row)
{
  gint64 *id = g_object_get_data(G_OBJECT(row), "run-id");
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  g_autoptr(QzProject) project = NULL;

  if (id == NULL || root == NULL || !QZ_IS_WINDOW(root))
    return;
  yaml = qz_history_get_config(*id, &error);
  if (yaml != NULL)
    project = qz_project_new_from_yaml(
        yaml, adw_preferences_row_get_title(ADW_PREFERENCES_ROW(row)), &error);
  if (project == NULL) {
    qz_window_add_toast(QZ_WINDOW(root), error->message);
    return;
  }
  qz_window_open_project(QZ_WINDOW(root), project);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-start-page.ui",
  .get_project = (QzPageGetProject)qz_start_page_get_project,
  .set_project = (QzPageSetProject)qz_start_page_set_project,
};

static void qz_start_page_class_init(QzStartPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_start_page_dispose;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzStartPage, status_page);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, continue_group);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, continue_row);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, recent_group);
  gtk_widget_class_bind_template_child(widget_class, QzStartPage, recent_list);
  gtk_widget_class_bind_template_callback(widget_class, recent_activated_cb);
}

static void qz_start_page_init(QzStartPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  self->job = qz_job_new();
  /* The history may have grown since the page was last shown. */
  g_signal_connect(self, "map", G_CALLBACK(refresh_recent), NULL);
  qz_fix_button_names(self);
  adw_status_page_set_icon_name(self->status_page, APP_ID);
}

/* Offer to go back to the project when one was started. */
static void qz_start_page_update(QzStartPage *self)
{
  gboolean started = self->project != NULL && qz_project_get_model_file(self->project) != NULL;

  gtk_widget_set_visible(self->continue_group, started);
  if (started) {
    g_autofree char *title =
        /* Translators: %s is the project's name */
        g_strdup_printf(_("_Continue with “%s”"), qz_project_get_title(self->project));

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->continue_row), title);
  }
}

GtkWidget *qz_start_page_new(void)
{
  return g_object_new(QZ_TYPE_START_PAGE, NULL);
}

QzProject *qz_start_page_get_project(QzStartPage *self)
{
  g_return_val_if_fail(QZ_IS_START_PAGE(self), NULL);
  return self->project;
}

void qz_start_page_set_project(QzStartPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_START_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL)
    g_signal_connect_object(project, "notify::title", G_CALLBACK(qz_start_page_update), self,
                            G_CONNECT_SWAPPED);
  qz_start_page_update(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}
