/* qz-application.c - the Quantizer application.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Handles the command line (`quantizer [--example] [FILE...]`) in the
 * primary instance, so a second `quantizer --example` reaches the running
 * one; owns the app-wide actions (about, quit) and their shortcuts.
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "qz-application.h"
#include "qz-resources.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzApplication {
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE(QzApplication, qz_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "example", 'e', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Open the bundled example project"), NULL },
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"),
    NULL },
  { G_OPTION_REMAINING, 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME_ARRAY, NULL, NULL,
    N_("[MODEL|CONFIG.yaml]") },
  { NULL }
};

void qz_application_init_i18n(void)
{
  static gsize initialized = 0;

  if (g_once_init_enter(&initialized)) {
    bindtextdomain(GETTEXT_PACKAGE, qz_locale_dir());
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    qz_register_resource();
    g_once_init_leave(&initialized, 1);
  }
}

static QzWindow *qz_application_get_main_window(QzApplication *self)
{
  for (GList *l = gtk_application_get_windows(GTK_APPLICATION(self)); l; l = l->next)
    if (QZ_IS_WINDOW(l->data))
      return QZ_WINDOW(l->data);
  return NULL;
}

static QzWindow *qz_application_ensure_window(QzApplication *self)
{
  QzWindow *window = qz_application_get_main_window(self);

  if (window == NULL)
    window = qz_window_new(self);
  return window;
}

static void qz_application_activate(GApplication *app)
{
  QzWindow *window = qz_application_ensure_window(QZ_APPLICATION(app));

  gtk_window_present(GTK_WINDOW(window));
}

static gint qz_application_handle_local_options(GApplication *app, GVariantDict *options)
{
  if (g_variant_dict_contains(options, "version")) {
    g_print("quantizer %s\n", PACKAGE_VERSION);
    return 0;
  }
  return -1;
}

static int qz_application_command_line(GApplication *app, GApplicationCommandLine *cmdline)
{
  QzApplication *self = QZ_APPLICATION(app);
  GVariantDict *options = g_application_command_line_get_options_dict(cmdline);
  g_autofree const char **remaining = NULL;
  QzWindow *window;

  g_variant_dict_lookup(options, G_OPTION_REMAINING, "^a&ay", &remaining);

  window = qz_application_ensure_window(self);
  gtk_window_present(GTK_WINDOW(window));

  if (g_variant_dict_contains(options, "example")) {
    qz_window_open_example(window);
  } else if (remaining != NULL && remaining[0] != NULL) {
    g_autoptr(GFile) file = g_application_command_line_create_file_for_arg(cmdline, remaining[0]);

    if (remaining[1] != NULL)
      g_application_command_line_printerr(
          cmdline, _("Only one model can be opened at a time; opening %s\n"), remaining[0]);
    qz_window_open_model(window, file);
  }

  return 0;
}

static void qz_application_about(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  QzApplication *self = QZ_APPLICATION(user_data);
  static const char *developers[] = { "The Quantizer developers", NULL };
  GtkWindow *parent = gtk_application_get_active_window(GTK_APPLICATION(self));
  AdwAboutWindow *about;

  about = ADW_ABOUT_WINDOW(adw_about_window_new());
  adw_about_window_set_application_name(about, _("Quantizer"));
  adw_about_window_set_application_icon(about, APP_ID);
  adw_about_window_set_developer_name(about, _("The Quantizer developers"));
  adw_about_window_set_version(about, PACKAGE_VERSION);
  adw_about_window_set_website(about, "https://github.com/quantizer/quantizer");
  adw_about_window_set_issue_url(about, "https://github.com/quantizer/quantizer/issues");
  adw_about_window_set_support_url(about, "https://github.com/quantizer/quantizer/discussions");
  adw_about_window_set_copyright(about, "© 2026 The Quantizer developers");
  adw_about_window_set_license_type(about, GTK_LICENSE_GPL_3_0);
  adw_about_window_set_developers(about, developers);
  /* Translators: Replace "translator-credits" with your name/username, and
   * optionally an email or URL. */
  adw_about_window_set_translator_credits(about, _("translator-credits"));
  adw_about_window_set_release_notes_version(about, PACKAGE_VERSION);
  adw_about_window_set_release_notes(
      about, _("<p>The first version of Quantizer.</p>"
               "<ul><li>A guide through the steps from a float model to a quantized one</li>"
               "<li>The command-line tool qz for scripts</li></ul>"));
  if (parent != NULL)
    gtk_window_set_transient_for(GTK_WINDOW(about), parent);
  gtk_window_set_modal(GTK_WINDOW(about), TRUE);
  gtk_window_present(GTK_WINDOW(about));
}

static void qz_application_quit(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  QzApplication *self = QZ_APPLICATION(user_data);
  g_autoptr(GList) windows = g_list_copy(gtk_application_get_windows(GTK_APPLICATION(self)));

  /* Close through close-request so each window saves its state and stops
   * its work. */
  for (GList *l = windows; l; l = l->next)
    gtk_window_close(GTK_WINDOW(l->data));
}

static const GActionEntry app_actions[] = {
  { "about", qz_application_about },
  { "quit", qz_application_quit },
};

static void qz_application_startup(GApplication *app)
{
  QzApplication *self = QZ_APPLICATION(app);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.new-project", { "<Control>n", NULL } },
    { "win.open-model", { "<Control>o", NULL } },
    { "win.open-config", { "<Control><Shift>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.go-back", { "<Alt>Left", "<Control>Page_Up", NULL } },
    { "win.go-next", { "<Alt>Right", "<Control>Page_Down", NULL } },
    { "win.show-history", { "<Control>h", NULL } },
    { "win.help", { "F1", NULL } },
    { "win.cancel", { "<Control>period", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  G_APPLICATION_CLASS(qz_application_parent_class)->startup(app);

  g_action_map_add_action_entries(G_ACTION_MAP(self), app_actions, G_N_ELEMENTS(app_actions), self);
  for (guint i = 0; i < G_N_ELEMENTS(accels); i++)
    gtk_application_set_accels_for_action(GTK_APPLICATION(self), accels[i].action,
                                          accels[i].accels);
  /* Alt+1 ... Alt+8 jump to a step. */
  for (guint i = 1; i <= 8; i++) {
    g_autofree char *detailed = g_strdup_printf("win.go-step(%u)", i - 1);
    g_autofree char *accel = g_strdup_printf("<Alt>%u", i);
    const char *list[] = { accel, NULL };

    gtk_application_set_accels_for_action(GTK_APPLICATION(self), detailed, list);
  }

  gtk_window_set_default_icon_name(APP_ID);
}

static void qz_application_class_init(QzApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

  app_class->activate = qz_application_activate;
  app_class->startup = qz_application_startup;
  app_class->command_line = qz_application_command_line;
  app_class->handle_local_options = qz_application_handle_local_options;
}

static void qz_application_init(QzApplication *self)
{
  g_application_add_main_option_entries(G_APPLICATION(self), option_entries);
  g_application_set_option_context_parameter_string(G_APPLICATION(self), _("[MODEL|CONFIG.yaml]"));
  g_application_set_option_context_summary(
      G_APPLICATION(self), _("Make a trained neural network fit a microcontroller."));
}

QzApplication *qz_application_new(const char *application_id, GApplicationFlags flags)
{
  qz_application_init_i18n();

  return g_object_new(QZ_TYPE_APPLICATION, "application-id", application_id, "flags",
                      flags | G_APPLICATION_HANDLES_COMMAND_LINE, "resource-base-path",
                      "/io/github/quantizer/Quantizer", NULL);
}
