/* qz-deploy-page.c - step 8: put the quantized model on the board.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Deploying is what `qz deploy` does: build the board's runner program with
 * the model's generated C code, flash it (or start it in the QEMU emulator
 * for the emulated boards), and run examples on the board and on this
 * computer to check that the answers are the same. The page runs that
 * command as a subprocess (GSubprocess, never blocking the main loop),
 * with a Cancel that stops it, and shows its JSON result in words.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include "qe/qe_board.h"
#include "qe/qe_yaml.h"
#include "qz-deploy-page.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzDeployPage {
  AdwBin parent_instance;

  /* Template widgets */
  AdwActionRow *model_row;
  AdwActionRow *board_row;
  AdwComboRow *port_row;
  GtkSpinButton *validate_spin;
  AdwComboRow *inputs_row;
  GtkWidget *deploy_button;
  GtkWidget *cancel_button;
  GtkProgressBar *progress_bar;
  GtkWidget *verdict_box;
  GtkImage *verdict_icon;
  GtkLabel *verdict_title;
  GtkLabel *verdict_text;

  /* Owned references */
  QzProject *project;
  QzJob *job;         /* finds the boards plugged in */
  GPtrArray *ports;   /* char*: ports where the chosen board is plugged in */
  gboolean emulated;  /* the chosen board runs in QEMU */
  char *detected_for; /* the board the ports were found for */
  char *board_name;   /* its name, "NUCLEO-F446RE" */
  GSubprocess *process;
  GCancellable *cancellable;
  GPid pid;                         /* of qz deploy, leading its process group */
  char *work_dir;                   /* its build folder and configuration */
  GCancellable *window_cancellable; /* the window's Cancel, forwarded */
  gulong window_cancel_id;
  guint pulse_id;
  char *last_json;
  gboolean made_up;          /* check with made-up inputs though there are examples */
  gboolean checked_examples; /* the deployment under way uses the examples */
  gboolean updating;
  int outcome; /* 0 none yet, 1 the board answered as this computer, -1 not */
};

G_DEFINE_FINAL_TYPE(QzDeployPage, qz_deploy_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, PROP_OUTCOME, N_PROPS };

static GParamSpec *properties[N_PROPS];

/* ---- what is there to deploy ------------------------------------------- */

static const char *quantized_tflite(QzDeployPage *self)
{
  QzRunResult *r = self->project != NULL ? qz_project_get_run_result(self->project) : NULL;

  if (r == NULL || r->quantized_path == NULL || g_strcmp0(r->quantized_format, "tflite") != 0)
    return NULL;
  return r->quantized_path;
}

static const char *chosen_board(QzDeployPage *self)
{
  return self->project != NULL ? qz_project_get_string(self->project, "quantization.board") : NULL;
}

static void set_verdict(QzDeployPage *self, gboolean good, const char *title, const char *text)
{
  qz_set_verdict(self->verdict_icon, self->verdict_title, self->verdict_text,
                 good ? "object-select-symbolic" : "dialog-warning-symbolic",
                 good ? "success" : "warning", title, text != NULL ? text : "");
  gtk_widget_set_visible(self->verdict_box, TRUE);
  self->outcome = good ? 1 : -1;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_OUTCOME]);
}

/* Whether the configuration names examples (a test set, else others). */
static gboolean has_examples(QzProject *project)
{
  static const char *const keys[] = { "dataset.test_path", "dataset.validation_path",
                                      "dataset.quantization_path", "dataset.training_path" };

  for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
    if (qz_project_get_string(project, keys[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* Check with the project's examples (else made-up inputs). */
static gboolean use_examples(QzDeployPage *self)
{
  return self->project != NULL && has_examples(self->project) && !self->made_up;
}

static void update_state(QzDeployPage *self)
{
  QzRunResult *r = self->project != NULL ? qz_project_get_run_result(self->project) : NULL;
  const char *model = quantized_tflite(self);
  const char *board = chosen_board(self);
  g_autoptr(GtkStringList) ports = gtk_string_list_new(NULL);
  gboolean ready;

  if (model != NULL)
    adw_action_row_set_subtitle(self->model_row, model);
  else if (r != NULL && r->quantized_path != NULL)
    adw_action_row_set_subtitle(self->model_row,
                                _("The last run saved an ONNX model; boards run TensorFlow Lite "
                                  "models. Choose that format on the Quantizer step and run "
                                  "again."));
  else
    adw_action_row_set_subtitle(self->model_row, _("Run the quantizer first"));

  if (board == NULL)
    adw_action_row_set_subtitle(self->board_row, _("Choose a board on the Board step"));
  else if (g_strcmp0(self->detected_for, board) == 0 && self->board_name != NULL)
    adw_action_row_set_subtitle(self->board_row, self->board_name);
  else
    adw_action_row_set_subtitle(self->board_row, board);

  if (board != NULL && g_strcmp0(self->detected_for, board) == 0) {
    if (self->emulated)
      gtk_string_list_append(ports, _("Emulator (QEMU)"));
    for (guint i = 0; self->ports != NULL && i < self->ports->len; i++)
      gtk_string_list_append(ports, g_ptr_array_index(self->ports, i));
  }
  adw_combo_row_set_model(self->port_row, G_LIST_MODEL(ports));
  if (g_list_model_get_n_items(G_LIST_MODEL(ports)) == 0)
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->port_row),
                                board != NULL ? _("Plug the board in over USB")
                                              : _("Known once a board is chosen"));
  else
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self->port_row), NULL);

  {
    gboolean examples = self->project != NULL && has_examples(self->project);
    GListModel *inputs = adw_combo_row_get_model(self->inputs_row);
    guint want;

    self->updating = TRUE;
    /* Built again only when the choices change: not from inside a change
     * of the selection, which the old model would not survive. */
    if (inputs == NULL || g_list_model_get_n_items(inputs) != (examples ? 2u : 1u)) {
      g_autoptr(GtkStringList) list = gtk_string_list_new(NULL);

      if (examples)
        gtk_string_list_append(list, _("Test examples of the project"));
      gtk_string_list_append(list, _("Made-up inputs"));
      adw_combo_row_set_model(self->inputs_row, G_LIST_MODEL(list));
    }
    want = use_examples(self) || !examples ? 0 : 1;
    if (adw_combo_row_get_selected(self->inputs_row) != want)
      adw_combo_row_set_selected(self->inputs_row, want);
    adw_action_row_set_subtitle(
        ADW_ACTION_ROW(self->inputs_row),
        use_examples(self) ? _("Prepared as for the run")
                           : _("Shows that the program works, not how good its answers are"));
    self->updating = FALSE;
  }

  ready = model != NULL && board != NULL && g_list_model_get_n_items(G_LIST_MODEL(ports)) > 0 &&
          self->process == NULL;
  gtk_widget_set_sensitive(self->deploy_button, ready);
}

/* ---- finding the board -------------------------------------------------- */

typedef struct {
  char *board;
  char *name;
  GPtrArray *ports;
  gboolean emulated;
} Detected;

static void detected_free(Detected *d)
{
  g_free(d->board);
  g_free(d->name);
  g_clear_pointer(&d->ports, g_ptr_array_unref);
  g_free(d);
}

static gpointer detect_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                              GError **error)
{
  const char *board = task_data;
  g_autofree char *dir = qz_find_boards_dir();
  qe_ctx *ctx = qe_ctx_new();
  qe_board_list *list = NULL;
  qe_detected_port *ports = NULL;
  size_t n_ports = 0;
  Detected *d = g_new0(Detected, 1);
  const qe_board *b;

  d->board = g_strdup(board);
  d->ports = g_ptr_array_new_with_free_func(g_free);
  if (dir != NULL && qe_board_list_load(dir, &list, ctx) == QE_OK &&
      (b = qe_board_list_find(list, board)) != NULL) {
    d->emulated = qe_board_has_method(b, "qemu");
    d->name = g_strdup(b->name);
    if (qe_board_detect(list, &ports, &n_ports, ctx) == QE_OK)
      for (size_t i = 0; i < n_ports; i++)
        for (size_t j = 0; j < ports[i].n_boards; j++)
          if (ports[i].boards[j] == b)
            g_ptr_array_add(d->ports, g_strdup(ports[i].port));
  }
  qe_detected_free(ports, n_ports);
  qe_board_list_free(list);
  qe_ctx_free(ctx);
  return d;
}

static void detect_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzDeployPage) self = user_data;
  Detected *d = qz_job_run_finish(QZ_JOB(object), result, NULL);

  if (self->deploy_button == NULL || d == NULL) { /* disposed meanwhile */
    if (d != NULL)
      detected_free(d);
    return;
  }
  g_free(self->detected_for);
  self->detected_for = g_steal_pointer(&d->board);
  g_free(self->board_name);
  self->board_name = g_steal_pointer(&d->name);
  g_clear_pointer(&self->ports, g_ptr_array_unref);
  self->ports = g_steal_pointer(&d->ports);
  self->emulated = d->emulated;
  detected_free(d);
  update_state(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

void qz_deploy_page_refresh(QzDeployPage *self)
{
  const char *board;

  g_return_if_fail(QZ_IS_DEPLOY_PAGE(self));
  board = chosen_board(self);
  update_state(self);
  if (board == NULL || qz_job_get_busy(self->job))
    return;
  qz_job_run_async(self->job, detect_worker, g_strdup(board), g_free, (GDestroyNotify)detected_free,
                   NULL, detect_done_cb, g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

/* ---- running qz deploy -------------------------------------------------- */

/* The `qz` beside this program, else the one on the PATH. */
static char *find_qz(void)
{
  g_autofree char *self_exe = g_file_read_link("/proc/self/exe", NULL);
  const char *env = g_getenv("QZ_CLI");

  if (env != NULL && g_file_test(env, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup(env);
  if (self_exe != NULL) {
    g_autofree char *dir = g_path_get_dirname(self_exe);
    g_autofree char *beside = g_build_filename(dir, "qz", NULL);
    g_autofree char *build = g_build_filename(dir, "cli", "qz", NULL);

    if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
      return g_steal_pointer(&beside);
    if (g_file_test(build, G_FILE_TEST_IS_EXECUTABLE))
      return g_steal_pointer(&build);
  }
  return g_find_program_in_path("qz");
}

/* The JSON `qz deploy --json` prints is YAML too (flow style), so the
 * engine's YAML reader gives its values by dotted path. */
static const char *json_text(qe_yaml_doc *doc, const char *path)
{
  qe_yaml_node *node = doc != NULL ? qe_yaml_path(qe_yaml_root(doc), path) : NULL;

  return node != NULL && qe_yaml_node_kind(node) == QE_YAML_SCALAR ? qe_yaml_node_text(node) : NULL;
}

static void stop_pulse(QzDeployPage *self)
{
  g_clear_handle_id(&self->pulse_id, g_source_remove);
  gtk_widget_set_visible(GTK_WIDGET(self->progress_bar), FALSE);
}

static gboolean pulse_cb(gpointer data)
{
  gtk_progress_bar_pulse(QZ_DEPLOY_PAGE(data)->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void show_result(QzDeployPage *self, const char *json)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_yaml_doc *doc = NULL;
  const char *ok, *identical, *samples, *mismatched, *latency, *flash, *ram, *method, *inputs;
  g_autofree char *flash_text = NULL;
  g_autofree char *ram_text = NULL;
  g_autofree char *text = NULL;
  g_autofree char *where = NULL;

  if (qe_yaml_load_string(json, strlen(json), "qz deploy", &doc, ctx) != QE_OK)
    doc = NULL;
  qe_ctx_free(ctx);
  ok = json_text(doc, "ok");
  identical = json_text(doc, "validation.bit_identical");
  samples = json_text(doc, "validation.samples");
  mismatched = json_text(doc, "validation.mismatched_samples");
  latency = json_text(doc, "validation.latency_ms");
  flash = json_text(doc, "check.flash_needed");
  ram = json_text(doc, "check.ram_needed");
  method = json_text(doc, "method");
  inputs = json_text(doc, "validation.inputs");
  flash_text = flash != NULL ? qz_format_bytes(g_ascii_strtoull(flash, NULL, 10)) : g_strdup("–");
  ram_text = ram != NULL ? qz_format_bytes(g_ascii_strtoull(ram, NULL, 10)) : g_strdup("–");

  if (g_strcmp0(identical, "true") == 0) {
    where = g_strdup_printf(
        g_strcmp0(method, "qemu") == 0
            /* Translators: "One takes 7.09 ms in the emulator (…)" */
            ? _("One takes %.2f ms in the emulator, which only estimates the real board’s speed.")
            /* Translators: "One takes 7.09 ms on the board." */
            : _("One takes %.2f ms on the board."),
        latency != NULL ? g_ascii_strtod(latency, NULL) : 0.0);
    guint n = samples != NULL ? (guint)g_ascii_strtoull(samples, NULL, 10) : 0;
    g_autofree char *same = g_strdup_printf(
        g_strcmp0(inputs, "random") == 0
            ? ngettext("%u made-up input gave the same answer on the board as on this computer.",
                       "%u made-up inputs gave the same answers on the board as on this computer.",
                       n)
            : ngettext("%u test example gave the same answer on the board as on this computer.",
                       "%u test examples gave the same answers on the board as on this computer.",
                       n),
        n);
    g_autofree char *size =
        g_strdup_printf(_("The program uses %s of flash and %s of RAM."), flash_text, ram_text);

    text = g_strjoin(" ", same, where, size, NULL);
    set_verdict(self, TRUE, _("The model runs on the board"), text);
  } else if (samples != NULL && g_strcmp0(samples, "0") != 0) {
    text = g_strdup_printf(
        _("%s of %s examples gave other answers on the board than on this computer."),
        mismatched != NULL ? mismatched : "?", samples);
    set_verdict(self, FALSE, _("The board answers differently"), text);
  } else if (g_strcmp0(ok, "true") == 0) {
    text = g_strdup_printf(_("The program uses %s of flash and %s of RAM."), flash_text, ram_text);
    set_verdict(self, TRUE, _("The model is on the board"), text);
  } else {
    set_verdict(self, FALSE, _("The deployment did not finish"), NULL);
  }
  if (doc != NULL)
    qe_yaml_doc_free(doc);
}

/* Remove a folder and what is in it, in a worker thread. */
static void remove_tree(GFile *file)
{
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children(
      file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;
  GFile *child;

  while (children != NULL && g_file_enumerator_iterate(children, &info, &child, NULL, NULL) &&
         info != NULL) {
    if (g_file_query_file_type(child, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL) ==
        G_FILE_TYPE_DIRECTORY)
      remove_tree(child);
    else
      g_file_delete(child, NULL, NULL);
  }
  g_file_delete(file, NULL, NULL);
}

static void remove_tree_thread(GTask *task, gpointer source, gpointer task_data,
                               GCancellable *cancellable)
{
  remove_tree(task_data);
  g_task_return_boolean(task, TRUE);
}

/* Stop following the window's Cancel and remove the work folder. */
static void forget_work(QzDeployPage *self)
{
  if (self->window_cancellable != NULL) {
    g_cancellable_disconnect(self->window_cancellable, self->window_cancel_id);
    self->window_cancel_id = 0;
    g_clear_object(&self->window_cancellable);
  }
  if (self->work_dir != NULL) {
    g_autoptr(GTask) task = g_task_new(NULL, NULL, NULL, NULL);

    g_task_set_task_data(task, g_file_new_for_path(self->work_dir), g_object_unref);
    g_task_run_in_thread(task, remove_tree_thread);
    g_clear_pointer(&self->work_dir, g_free);
  }
}

/* Stop qz deploy and what it started (the compiler, QEMU, the flasher):
 * they share its process group. */
static void stop_process(QzDeployPage *self)
{
  if (self->process != NULL && self->pid > 0 && g_subprocess_get_identifier(self->process) != NULL)
    kill(-self->pid, SIGKILL);
}

static void child_setup(gpointer data)
{
  setpgid(0, 0);
}

static void deploy_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzDeployPage) self = user_data;
  GSubprocess *process = G_SUBPROCESS(object);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  gboolean finished = g_subprocess_communicate_utf8_finish(process, result, &out, &err, &error);

  if (self->deploy_button == NULL) /* disposed meanwhile */
    return;
  stop_pulse(self);
  gtk_widget_set_visible(self->cancel_button, FALSE);
  g_clear_object(&self->process);
  self->pid = 0;
  forget_work(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);

  if (!finished || g_cancellable_is_cancelled(self->cancellable)) {
    set_verdict(self, FALSE, _("The deployment was stopped"),
                _("The board may hold only part of the program. Deploy again when you are ready."));
  } else if (g_subprocess_get_if_exited(process) && g_subprocess_get_exit_status(process) == 0) {
    g_free(self->last_json);
    self->last_json = g_strdup(out);
    show_result(self, out);
  } else {
    /* `qz` says what went wrong in one line. */
    g_auto(GStrv) lines = g_strsplit(err != NULL ? g_strstrip(err) : "", "\n", -1);
    guint n = lines != NULL ? g_strv_length(lines) : 0;

    const char *why =
        n > 0 && lines[n - 1][0] != '\0' ? lines[n - 1] : _("qz deploy failed without a message");
    g_autofree char *text =
        self->checked_examples
            /* Translators: %s is qz's reason, one line */
            ? g_strdup_printf(_("%s\nChecking with made-up inputs may work where the test "
                                "examples do not."),
                              why)
            : g_strdup(why);

    set_verdict(self, FALSE, _("The deployment did not finish"), text);
  }
  update_state(self);
}

void qz_deploy_page_deploy(QzDeployPage *self)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *qz = find_qz();
  const char *model = quantized_tflite(self);
  const char *board = chosen_board(self);
  guint port = adw_combo_row_get_selected(self->port_row);
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  QzRunResult *run;

  g_return_if_fail(QZ_IS_DEPLOY_PAGE(self));
  if (self->process != NULL || model == NULL || board == NULL)
    return;
  run = qz_project_get_run_result(self->project);
  if (qz == NULL) {
    set_verdict(self, FALSE, _("The qz program is not installed"),
                _("Deploying uses the qz command-line tool that comes with Quantizer."));
    return;
  }

  g_ptr_array_add(argv, g_strdup(qz));
  g_ptr_array_add(argv, g_strdup("deploy"));
  g_ptr_array_add(argv, g_strdup(model));
  g_ptr_array_add(argv, g_strdup_printf("--board=%s", board));
  /* The first choice is the emulator for emulated boards. */
  if (!(self->emulated && port == 0) && self->ports != NULL) {
    guint i = self->emulated ? port - 1 : port;

    if (i < self->ports->len)
      g_ptr_array_add(argv,
                      g_strdup_printf("--port=%s", (char *)g_ptr_array_index(self->ports, i)));
  }
  g_ptr_array_add(argv, g_strdup_printf("--validate=%d",
                                        gtk_spin_button_get_value_as_int(self->validate_spin)));
  /* The program is built in a folder of ours, removed afterwards even
   * when the deployment is stopped. */
  self->work_dir = g_dir_make_tmp("quantizer-deploy-XXXXXX", &error);
  if (self->work_dir == NULL) {
    set_verdict(self, FALSE, _("The deployment did not start"), error->message);
    return;
  }
  g_ptr_array_add(argv, g_strdup_printf("--build-dir=%s/build", self->work_dir));
  /* Check with the test examples of the run that made the model, prepared
   * as that run prepared them, rather than with made-up inputs. */
  self->checked_examples = FALSE;
  if (run->config != NULL && use_examples(self)) {
    g_autofree char *config = g_build_filename(self->work_dir, "config.yaml", NULL);
    g_autofree char *text = NULL;
    size_t len = 0;
    qe_ctx *ctx = qe_ctx_new();

    if (qe_config_dump(run->config, &text, &len, ctx) == QE_OK &&
        g_file_set_contents(config, text, (gssize)len, NULL)) {
      g_ptr_array_add(argv, g_strdup_printf("--data=%s", config));
      self->checked_examples = TRUE;
    }
    qe_ctx_free(ctx);
  }
  g_ptr_array_add(argv, g_strdup("--json"));
  g_ptr_array_add(argv, NULL);

  launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
  {
    g_autofree char *boards = qz_find_boards_dir();

    if (boards != NULL)
      g_subprocess_launcher_setenv(launcher, "QZ_BOARDS_DIR", boards, TRUE);
  }
  self->process = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &error);
  if (self->process == NULL) {
    forget_work(self);
    set_verdict(self, FALSE, _("The deployment did not start"), error->message);
    return;
  }
  self->pid = (GPid)atoi(g_subprocess_get_identifier(self->process));
  g_clear_object(&self->cancellable);
  self->cancellable = g_cancellable_new();
  if (root != NULL && QZ_IS_WINDOW(root)) {
    self->window_cancellable = g_object_ref(qz_window_get_cancellable(QZ_WINDOW(root)));
    self->window_cancel_id =
        g_cancellable_connect(self->window_cancellable, G_CALLBACK(g_cancellable_cancel),
                              g_object_ref(self->cancellable), g_object_unref);
  }
  g_signal_connect_object(self->cancellable, "cancelled", G_CALLBACK(stop_process), self,
                          G_CONNECT_SWAPPED);

  gtk_widget_set_visible(self->verdict_box, FALSE);
  gtk_widget_set_visible(GTK_WIDGET(self->progress_bar), TRUE);
  gtk_widget_set_visible(self->cancel_button, TRUE);
  gtk_widget_set_sensitive(self->deploy_button, FALSE);
  self->pulse_id = g_timeout_add(100, pulse_cb, self);
  g_subprocess_communicate_utf8_async(self->process, NULL, NULL, deploy_done_cb,
                                      g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

static void inputs_selected_cb(QzDeployPage *self)
{
  if (self->updating || self->project == NULL || !has_examples(self->project))
    return;
  qz_deploy_page_set_made_up_inputs(self, adw_combo_row_get_selected(self->inputs_row) == 1);
}

void qz_deploy_page_set_made_up_inputs(QzDeployPage *self, gboolean made_up)
{
  g_return_if_fail(QZ_IS_DEPLOY_PAGE(self));
  if (self->made_up == made_up)
    return;
  self->made_up = made_up;
  update_state(self);
}

static void deploy_clicked_cb(QzDeployPage *self)
{
  qz_deploy_page_deploy(self);
}

static void cancel_clicked_cb(QzDeployPage *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel(self->cancellable);
}

static void project_changed_cb(QzDeployPage *self)
{
  if (self->process == NULL)
    qz_deploy_page_refresh(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_deploy_page_dispose(GObject *object)
{
  QzDeployPage *self = QZ_DEPLOY_PAGE(object);

  stop_process(self);
  forget_work(self);
  g_clear_handle_id(&self->pulse_id, g_source_remove);
  qz_page_dispose(ADW_BIN(self), QZ_TYPE_DEPLOY_PAGE, &self->project, NULL);

  G_OBJECT_CLASS(qz_deploy_page_parent_class)->dispose(object);
}

static void qz_deploy_page_finalize(GObject *object)
{
  QzDeployPage *self = QZ_DEPLOY_PAGE(object);

  g_clear_object(&self->job);
  g_clear_object(&self->process);
  g_clear_object(&self->cancellable);
  g_clear_pointer(&self->ports, g_ptr_array_unref);
  g_free(self->detected_for);
  g_free(self->board_name);
  g_free(self->last_json);

  G_OBJECT_CLASS(qz_deploy_page_parent_class)->finalize(object);
}

/* "outcome" is the deploy page's own; the rest are every page's. */
static void qz_deploy_page_get_property(GObject *object, guint prop_id, GValue *value,
                                        GParamSpec *pspec)
{
  if (prop_id == PROP_OUTCOME)
    g_value_set_int(value, QZ_DEPLOY_PAGE(object)->outcome);
  else
    qz_page_get_property(object, prop_id, value, pspec);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-deploy-page.ui",
  .get_project = (QzPageGetProject)qz_deploy_page_get_project,
  .set_project = (QzPageSetProject)qz_deploy_page_set_project,
  .get_busy = (QzPageGetBusy)qz_deploy_page_get_busy,
};

static void qz_deploy_page_class_init(QzDeployPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_deploy_page_dispose;
  object_class->finalize = qz_deploy_page_finalize;
  properties[PROP_OUTCOME] =
      g_param_spec_int("outcome", NULL, NULL, -1, 1, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);
  object_class->get_property = qz_deploy_page_get_property;

  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, model_row);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, board_row);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, port_row);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, validate_spin);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, inputs_row);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, deploy_button);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, cancel_button);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, progress_bar);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, verdict_box);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, verdict_icon);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, verdict_title);
  gtk_widget_class_bind_template_child(widget_class, QzDeployPage, verdict_text);
  gtk_widget_class_bind_template_callback(widget_class, deploy_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, inputs_selected_cb);
}

static void qz_deploy_page_init(QzDeployPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->job = qz_job_new();
  /* Boards may have been plugged in since. */
  g_signal_connect(self, "map", G_CALLBACK(qz_deploy_page_refresh), NULL);
}

GtkWidget *qz_deploy_page_new(void)
{
  return g_object_new(QZ_TYPE_DEPLOY_PAGE, NULL);
}

QzProject *qz_deploy_page_get_project(QzDeployPage *self)
{
  g_return_val_if_fail(QZ_IS_DEPLOY_PAGE(self), NULL);
  return self->project;
}

void qz_deploy_page_set_project(QzDeployPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_DEPLOY_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL) {
    qz_page_connect_project(project, self, G_CALLBACK(project_changed_cb), "changed::quantization",
                            "notify::run-result", "changed::dataset", NULL);
  }
  gtk_widget_set_visible(self->verdict_box, FALSE);
  if (self->outcome != 0) {
    self->outcome = 0;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_OUTCOME]);
  }
  qz_deploy_page_refresh(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_deploy_page_get_busy(QzDeployPage *self)
{
  g_return_val_if_fail(QZ_IS_DEPLOY_PAGE(self), FALSE);
  return self->process != NULL || qz_job_get_busy(self->job);
}

gboolean qz_deploy_page_get_ready(QzDeployPage *self)
{
  g_return_val_if_fail(QZ_IS_DEPLOY_PAGE(self), FALSE);
  return gtk_widget_get_sensitive(self->deploy_button);
}

int qz_deploy_page_get_outcome(QzDeployPage *self)
{
  g_return_val_if_fail(QZ_IS_DEPLOY_PAGE(self), 0);
  return self->outcome;
}

const char *qz_deploy_page_get_verdict(QzDeployPage *self)
{
  g_return_val_if_fail(QZ_IS_DEPLOY_PAGE(self), NULL);
  return gtk_widget_get_visible(self->verdict_box) ? gtk_label_get_label(self->verdict_title)
                                                   : NULL;
}
