/* test-deploy-page.c - the Deploy page puts the example's quantized model
 * on an emulated board (QEMU) and says that the board answers as this
 * computer does; Cancel stops a deployment under way.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qz-deploy-page.h"
#include "qz-run-page.h"
#include "qz-test.h"

/* The example project's board, the emulated Cortex-M55: `qz deploy`
 * starts it in QEMU. */
#define BOARD "qemu-mps3-an547"

static gboolean run_idle(gpointer data)
{
  return !qz_run_page_get_busy(data);
}

static gboolean deploy_idle(gpointer data)
{
  return !qz_deploy_page_get_busy(data);
}

static gboolean have_tools(void)
{
  g_autofree char *qemu = g_find_program_in_path("qemu-system-arm");
  g_autofree char *gcc = g_find_program_in_path("arm-none-eabi-gcc");

  return qemu != NULL && gcc != NULL;
}

/* A project with a finished run, as the Run page leaves it. */
static QzProject *quantized_project(void)
{
  QzProject *project = qz_test_example_project();
  GtkWidget *run = qz_run_page_new();
  QzRunResult *r;

  g_object_ref_sink(run);
  qz_run_page_set_project(QZ_RUN_PAGE(run), project);
  qz_run_page_start(QZ_RUN_PAGE(run));
  g_assert_true(qz_test_wait_until(run_idle, run, 600000));
  g_assert_finalize_object(run);

  r = qz_project_get_run_result(project);
  g_assert_nonnull(r);
  g_assert_cmpint(r->status, ==, QE_RUN_FINISHED);
  g_assert_cmpstr(r->quantized_format, ==, "tflite");
  g_assert_cmpstr(qz_project_get_string(project, "quantization.board"), ==, BOARD);
  return project;
}

/* The processes running below this one: children, their children and so
 * on (this process is the subreaper, so orphans stay below it), zombies
 * left out. Keys are pids, values "pid (name)". */
static GHashTable *descendants(void)
{
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  g_autoptr(GHashTable) parent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) what = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *me = g_strdup_printf("%d", (int)getpid());
  const char *name;
  gboolean grew = TRUE;

  while ((name = g_dir_read_name(proc)) != NULL) {
    g_autofree char *path = g_build_filename("/proc", name, "stat", NULL);
    g_autofree char *stat = NULL;
    g_auto(GStrv) fields = NULL;
    const char *after;

    if (!g_ascii_isdigit(name[0]) || !g_file_get_contents(path, &stat, NULL, NULL))
      continue;
    /* "pid (comm) state ppid ...": comm may hold spaces. */
    if ((after = strrchr(stat, ')')) == NULL)
      continue;
    fields = g_strsplit(after + 2, " ", 3);
    if (g_strv_length(fields) < 2 || g_str_equal(fields[0], "Z"))
      continue;
    g_hash_table_insert(parent, g_strdup(name), g_strdup(fields[1]));
    g_hash_table_insert(what, g_strdup(name), g_strndup(stat, (gsize)(after + 1 - stat)));
  }
  while (grew) {
    GHashTableIter iter;
    gpointer pid, ppid;

    grew = FALSE;
    g_hash_table_iter_init(&iter, parent);
    while (g_hash_table_iter_next(&iter, &pid, &ppid))
      if (!g_hash_table_contains(set, pid) &&
          (g_str_equal(ppid, me) || g_hash_table_contains(set, ppid))) {
        g_hash_table_insert(set, g_strdup(pid), g_strdup(g_hash_table_lookup(what, pid)));
        grew = TRUE;
      }
  }
  return set;
}

/* How many processes run below this one that did not before, and whose
 * name holds @name (NULL: any). */
static guint n_new_descendants(GHashTable *before, const char *name, gboolean tell)
{
  g_autoptr(GHashTable) now = descendants();
  GHashTableIter iter;
  gpointer pid, what;
  guint n = 0;

  g_hash_table_iter_init(&iter, now);
  while (g_hash_table_iter_next(&iter, &pid, &what))
    if (!g_hash_table_contains(before, pid) && (name == NULL || strstr(what, name) != NULL)) {
      if (tell)
        g_test_message("running: %s", (char *)what);
      n++;
    }
  return n;
}

/* qz deploy built the program and started the emulator with it. */
static gboolean emulator_running(gpointer data)
{
  return n_new_descendants(data, "(qemu-system-", FALSE) > 0;
}

static gboolean no_new_descendants(gpointer data)
{
  return n_new_descendants(data, NULL, TRUE) == 0;
}

/* The work folders of the page are gone. */
static gboolean no_work_left(gpointer data)
{
  g_autoptr(GDir) dir = g_dir_open(g_get_tmp_dir(), 0, NULL);
  const char *name;

  while ((name = g_dir_read_name(dir)) != NULL)
    if (g_str_has_prefix(name, "quantizer-deploy-"))
      return FALSE;
  return TRUE;
}

static void test_deploy_before_run(void)
{
  QzProject *project = qz_test_example_project();
  GtkWidget *page = qz_deploy_page_new();
  GtkWidget *deploy;

  g_object_ref_sink(page);
  qz_deploy_page_set_project(QZ_DEPLOY_PAGE(page), project);
  g_assert_true(qz_test_wait_until(deploy_idle, page, 30000));
  /* Nothing to deploy yet: the page says what to do first. */
  g_assert_false(qz_deploy_page_get_ready(QZ_DEPLOY_PAGE(page)));
  g_assert_nonnull(qz_test_find(page, ADW_TYPE_ACTION_ROW, NULL, NULL));
  g_assert_cmpstr(adw_action_row_get_subtitle(
                      ADW_ACTION_ROW(qz_test_find(page, ADW_TYPE_ACTION_ROW, NULL, NULL))),
                  ==, "Run the quantizer first");
  deploy = qz_test_find(page, GTK_TYPE_BUTTON, qz_test_button_labelled, (gpointer) "_Deploy");
  g_assert_false(gtk_widget_get_sensitive(deploy));
  g_assert_cmpint(qz_deploy_page_get_outcome(QZ_DEPLOY_PAGE(page)), ==, 0);
  g_assert_null(qz_deploy_page_get_verdict(QZ_DEPLOY_PAGE(page)));

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

static void test_deploy_emulated(void)
{
  AdwComboRow *inputs;
  QzProject *project;
  GtkWidget *window;
  GtkWidget *page;

  if (!have_tools()) {
    g_test_skip("QEMU or the Arm compiler is not installed");
    return;
  }
  project = quantized_project();
  window = gtk_window_new();
  page = qz_deploy_page_new();
  g_object_ref(page);
  gtk_window_set_child(GTK_WINDOW(window), page);
  gtk_window_set_default_size(GTK_WINDOW(window), 900, 700);
  gtk_window_present(GTK_WINDOW(window));
  qz_deploy_page_set_project(QZ_DEPLOY_PAGE(page), project);
  g_assert_true(qz_test_wait_until(deploy_idle, page, 30000));
  /* The emulator counts as the board's connection. */
  g_assert_true(qz_deploy_page_get_ready(QZ_DEPLOY_PAGE(page)));
  /* The project's test examples are the first choice to check with. */
  inputs = ADW_COMBO_ROW(
      qz_test_find(page, ADW_TYPE_COMBO_ROW, qz_test_row_titled, (gpointer) "Check With"));
  g_assert_cmpuint(adw_combo_row_get_selected(inputs), ==, 0);
  g_assert_cmpstr(gtk_string_list_get_string(GTK_STRING_LIST(adw_combo_row_get_model(inputs)), 0),
                  ==, "Test examples of the project");
  /* `qz deploy --data` cannot read this model's test examples yet (it
   * takes the TFLite input [1, 1, 28, 28] for NHWC): made-up inputs. */
  adw_combo_row_set_selected(inputs, 1);

  qz_test_activate(qz_test_find_button(page, "_Deploy"));
  g_assert_cmpstr(qz_deploy_page_get_verdict(QZ_DEPLOY_PAGE(page)), ==, NULL);
  g_assert_true(qz_deploy_page_get_busy(QZ_DEPLOY_PAGE(page)));
  g_assert_true(qz_test_wait_until(deploy_idle, page, 600000));
  g_test_message("verdict: %s", qz_deploy_page_get_verdict(QZ_DEPLOY_PAGE(page)));
  g_assert_cmpstr(qz_deploy_page_get_verdict(QZ_DEPLOY_PAGE(page)), ==,
                  "The model runs on the board");
  g_assert_cmpint(qz_deploy_page_get_outcome(QZ_DEPLOY_PAGE(page)), ==, 1);
  g_assert_true(qz_deploy_page_get_ready(QZ_DEPLOY_PAGE(page)));
  g_assert_true(qz_test_wait_until(no_work_left, NULL, 10000));

  qz_test_wait_frames(window, 2);
  g_free(qz_test_screenshot(window, "deploy-page.png"));

  gtk_window_destroy(GTK_WINDOW(window));
  qz_test_flush();
  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

static void test_deploy_cancel(void)
{
  QzProject *project;
  GtkWidget *page;
  GtkWidget *cancel;
  g_autoptr(GHashTable) before = NULL;
  gint64 start;

  if (!have_tools()) {
    g_test_skip("QEMU or the Arm compiler is not installed");
    return;
  }
  project = quantized_project();
  page = qz_deploy_page_new();
  g_object_ref_sink(page);
  qz_deploy_page_set_project(QZ_DEPLOY_PAGE(page), project);
  g_assert_true(qz_test_wait_until(deploy_idle, page, 30000));

  before = descendants();
  qz_deploy_page_set_made_up_inputs(QZ_DEPLOY_PAGE(page), TRUE);
  qz_deploy_page_deploy(QZ_DEPLOY_PAGE(page));
  g_assert_true(qz_deploy_page_get_busy(QZ_DEPLOY_PAGE(page)));
  /* Cancel once the program runs in the emulator. */
  g_assert_true(qz_test_wait_until(emulator_running, before, 300000));
  n_new_descendants(before, NULL, TRUE);
  cancel = qz_test_find(page, GTK_TYPE_BUTTON, qz_test_button_labelled, (gpointer) "_Cancel");
  g_assert_true(gtk_widget_get_visible(cancel));
  g_signal_emit_by_name(cancel, "clicked");
  start = g_get_monotonic_time();
  g_assert_true(qz_test_wait_until(deploy_idle, page, 30000));
  /* Stopped at once, not after the checks finished. */
  g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpstr(qz_deploy_page_get_verdict(QZ_DEPLOY_PAGE(page)), ==,
                  "The deployment was stopped");
  g_assert_cmpint(qz_deploy_page_get_outcome(QZ_DEPLOY_PAGE(page)), ==, -1);
  /* Nothing it started goes on running, nothing it wrote stays. */
  g_assert_true(qz_test_wait_until(no_new_descendants, before, 1000));
  g_assert_true(qz_test_wait_until(no_work_left, NULL, 10000));

  g_assert_finalize_object(page);
  g_assert_finalize_object(project);
}

int main(int argc, char *argv[])
{
  g_autofree char *tmp = NULL;

  /* A temporary folder of its own, to see the page clean up after itself. */
  tmp = g_build_filename(g_getenv("QZ_BUILD_ROOT"), "tests", "app", "tmp-deploy-XXXXXX", NULL);
  g_assert_nonnull(g_mkdtemp(tmp));
  g_setenv("TMPDIR", tmp, TRUE);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  qz_test_init(&argc, &argv);

  g_test_add_func("/app/deploy-page/before-run", test_deploy_before_run);
  g_test_add_func("/app/deploy-page/emulated", test_deploy_emulated);
  g_test_add_func("/app/deploy-page/cancel", test_deploy_cancel);

  {
    int status = g_test_run();

    g_rmdir(tmp);
    return status;
  }
}
