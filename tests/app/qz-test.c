/* qz-test.c - helpers for the app's GTK tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <time.h>

#include "qz-application.h"
#include "qz-test.h"

void qz_test_init(int *argc, char ***argv)
{
  g_test_init(argc, argv, NULL);
  if (!gtk_init_check()) {
    g_printerr("no display: skipping (run under xvfb-run)\n");
    exit(77);
  }
  adw_init();
  qz_application_init_i18n();
  /* What AdwApplication does for the app: its icons and style sheet from
   * the resources, so that widgets tested alone look as in the app. */
  {
    GdkDisplay *display = gdk_display_get_default();
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new();

    gtk_icon_theme_add_resource_path(gtk_icon_theme_get_for_display(display),
                                     "/io/github/quantizer/Quantizer/icons");
    gtk_css_provider_load_from_resource(css, "/io/github/quantizer/Quantizer/style.css");
    gtk_style_context_add_provider_for_display(display, GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  /* Screenshots and checks right after a change see its end state. */
  g_object_set(gtk_settings_get_default(), "gtk-enable-animations", FALSE, NULL);
}

typedef struct {
  gboolean (*cond)(gpointer);
  gpointer data;
  gboolean timed_out;
} WaitData;

static gboolean wait_timeout_cb(gpointer user_data)
{
  ((WaitData *)user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean qz_test_wait_until(gboolean (*cond)(gpointer data), gpointer data, guint timeout_ms)
{
  WaitData wait = { cond, data, FALSE };
  guint id = g_timeout_add(timeout_ms, wait_timeout_cb, &wait);

  while (!cond(data) && !wait.timed_out)
    g_main_context_iteration(NULL, TRUE);
  if (!wait.timed_out)
    g_source_remove(id);
  return cond(data);
}

static void after_paint_cb(GdkFrameClock *clock, guint *count)
{
  (*count)++;
}

typedef struct {
  guint *count;
  guint target;
} FrameWait;

static gboolean frames_done(gpointer data)
{
  FrameWait *w = data;
  return *w->count >= w->target;
}

void qz_test_wait_frames(GtkWidget *widget, guint frames)
{
  GdkFrameClock *clock;
  guint count = 0;
  FrameWait w = { &count, frames };
  gulong id;

  qz_test_flush();
  clock = gtk_widget_get_frame_clock(widget);
  g_assert_nonnull(clock);
  id = g_signal_connect(clock, "after-paint", G_CALLBACK(after_paint_cb), &count);
  for (guint i = 0; i < frames; i++) {
    gtk_widget_queue_draw(widget);
    gdk_frame_clock_request_phase(clock, GDK_FRAME_CLOCK_PHASE_PAINT);
    qz_test_wait_until(frames_done, &(FrameWait){ &count, i + 1 }, 2000);
  }
  g_assert_true(frames_done(&w));
  g_signal_handler_disconnect(clock, id);
  qz_test_flush();
}

void qz_test_flush(void)
{
  while (g_main_context_iteration(NULL, FALSE))
    ;
}

static gboolean button_released(gpointer data)
{
  return !gtk_widget_has_css_class(GTK_WIDGET(data), "keyboard-activating");
}

void qz_test_activate(GtkWidget *widget)
{
  g_object_ref(widget);
  gtk_widget_activate(widget);
  if (GTK_IS_BUTTON(widget))
    g_assert_true(qz_test_wait_until(button_released, widget, 2000));
  qz_test_flush();
  g_object_unref(widget);
}

char *qz_test_screenshot(GtkWidget *widget, const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  const char *dir = g_getenv("QZ_SCREENSHOT_DIR");
  int width = gtk_widget_get_width(widget);
  int height = gtk_widget_get_height(widget);
  GskRenderer *renderer = gtk_native_get_renderer(gtk_widget_get_native(widget));
  char *path;

  g_assert_cmpint(width, >, 0);
  g_assert_cmpint(height, >, 0);

  gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), width, height);
  node = gtk_snapshot_free_to_node(g_steal_pointer(&snapshot));
  g_assert_nonnull(node);
  texture = gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
  g_assert_nonnull(texture);

  if (dir == NULL)
    dir = ".";
  g_mkdir_with_parents(dir, 0755);
  path = g_build_filename(dir, name, NULL);
  g_assert_true(gdk_texture_save_to_png(texture, path));
  g_test_message("screenshot: %s (%dx%d)", path, width, height);
  return path;
}

GtkWidget *qz_test_find(GtkWidget *root, GType type, gboolean (*match)(GtkWidget *w, gpointer data),
                        gpointer data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE(root, type) && (match == NULL || match(root, data)))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child(root); child != NULL;
       child = gtk_widget_get_next_sibling(child)) {
    GtkWidget *found = qz_test_find(child, type, match, data);

    if (found != NULL)
      return found;
  }
  return NULL;
}

static gboolean button_label_matches(GtkWidget *w, gpointer data)
{
  return gtk_widget_get_mapped(w) && g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), data) == 0;
}

GtkWidget *qz_test_find_button(GtkWidget *root, const char *label)
{
  return qz_test_find(root, GTK_TYPE_BUTTON, button_label_matches, (gpointer)label);
}

char *qz_test_example_path(const char *rel)
{
  return g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "data", "example", rel, NULL);
}

QzProject *qz_test_example_project(void)
{
  g_autofree char *yaml = qz_test_example_path("user_config.yaml");
  g_autoptr(GFile) file = g_file_new_for_path(yaml);
  g_autoptr(GError) error = NULL;
  QzProject *project = qz_project_new_from_file(file, &error);

  g_assert_no_error(error);
  return project;
}

gboolean qz_test_row_titled(GtkWidget *w, gpointer data)
{
  return g_strcmp0(adw_preferences_row_get_title(ADW_PREFERENCES_ROW(w)), data) == 0;
}

gboolean qz_test_button_labelled(GtkWidget *w, gpointer data)
{
  return g_strcmp0(gtk_button_get_label(GTK_BUTTON(w)), data) == 0;
}

static gint64 thread_cpu_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean stall_tick(gpointer data)
{
  QzStall *s = data;
  gint64 wall = g_get_monotonic_time();
  gint64 cpu = thread_cpu_us();

  if (s->last_wall != 0) {
    s->longest_wall = MAX(s->longest_wall, wall - s->last_wall);
    s->longest_busy = MAX(s->longest_busy, cpu - s->last_cpu);
  }
  s->last_wall = wall;
  s->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

void qz_test_stall_start(QzStall *stall)
{
  stall->source = g_timeout_add(5, stall_tick, stall);
}

void qz_test_stall_stop(QzStall *stall)
{
  g_clear_handle_id(&stall->source, g_source_remove);
  g_print("# longest main loop stall: %.1f ms, of which the main thread worked %.1f ms\n",
          stall->longest_wall / 1000.0, stall->longest_busy / 1000.0);
}

/* `qz run` on the example, in its folder, writing into @out. */
GHashTable *qz_test_qz_run_numbers(const char *out)
{
  g_autofree char *dir = qz_test_example_path("");
  g_autofree char *qz = g_build_filename(g_getenv("QZ_BUILD_ROOT"), "src", "cli", "qz", NULL);
  g_autofree char *override = g_strdup_printf("hydra.run.dir=%s", out);
  g_autofree char *report = g_build_filename(out, "report.json", NULL);
  g_autofree char *script =
      g_build_filename(g_getenv("QZ_SOURCE_ROOT"), "tests", "app", "report-numbers.py", NULL);
  const char *run_argv[] = {
    qz, "run", "--config-path", ".", "--config-name", "user_config.yaml", override, NULL
  };
  const char *py_argv[] = { "/usr/bin/python3", script, report, NULL };
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *numbers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  int status;

  g_assert_true(g_spawn_sync(dir, (char **)run_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                             NULL, &stderr_text, &status, &error));
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("qz run failed: %s", stderr_text);
  g_clear_pointer(&stderr_text, g_free);
  g_assert_true(g_spawn_sync(NULL, (char **)py_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                             &stdout_text, &stderr_text, &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  lines = g_strsplit(stdout_text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit(lines[i], " ", 2);

    if (kv[0] != NULL && kv[1] != NULL)
      g_hash_table_insert(numbers, g_strdup(kv[0]), g_strdup(kv[1]));
  }
  return numbers;
}

double qz_test_number(GHashTable *numbers, const char *key)
{
  const char *v = g_hash_table_lookup(numbers, key);

  g_assert_nonnull(v);
  return g_ascii_strtod(v, NULL);
}

void qz_test_assert_matches_qz(const QzRunResult *r)
{
  g_autofree char *out = g_dir_make_tmp("qz-cli-run-XXXXXX", NULL);
  g_autoptr(GHashTable) cli = qz_test_qz_run_numbers(out);
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", out);

  g_assert_cmpfloat_with_epsilon(r->float_eval.accuracy, qz_test_number(cli, "float_accuracy"),
                                 1e-12);
  g_assert_cmpfloat_with_epsilon(r->quant_eval.accuracy, qz_test_number(cli, "quantized_accuracy"),
                                 1e-12);
  g_assert_cmpint(r->quantized_bytes, ==, (gint64)qz_test_number(cli, "quantized_bytes"));
  g_assert_cmpint(r->float_bytes, ==, (gint64)qz_test_number(cli, "float_bytes"));
  g_assert_cmpint(r->arena_bytes, ==, (gint64)qz_test_number(cli, "arena_bytes"));
  g_assert_cmpint(r->params, ==, (gint64)qz_test_number(cli, "params"));
  g_assert_cmpint(r->macs, ==, (gint64)qz_test_number(cli, "macs"));
  for (guint i = 0; i < r->layers->len; i++) {
    g_autofree char *key = g_strdup_printf("sqnr_%u", i);

    g_assert_cmpfloat_with_epsilon(((QzLayerResult *)g_ptr_array_index(r->layers, i))->sqnr_db,
                                   qz_test_number(cli, key), 1e-9);
  }
  g_test_message("GUI and qz: float %.4f, quantized %.4f", r->float_eval.accuracy,
                 r->quant_eval.accuracy);
  g_assert_cmpint(system(rm), ==, 0);
}
