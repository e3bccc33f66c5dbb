/* qz-test.c - helpers for the app's GTK tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

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
