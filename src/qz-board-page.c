/* qz-board-page.c - step 5: the chip the model will run on.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One card for each board description in targets/: name, processor, clock,
 * flash and RAM, and two bars that say whether the model fits. After a run
 * the bars use the run's figures (the weights and the working memory the
 * memory planner found, plus the runner's share, as the engine's board
 * check counts them); before, the flash is estimated from the model's
 * weights and the RAM is said to be known after the run. Boards plugged in
 * now (USB ids from the descriptions) are marked. Choosing a card writes
 * quantization.board; the layers that board cannot run well, found by the
 * last run, are listed below.
 */
#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "qe/qe_board.h"
#include "qz-board-page.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzBoardPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
  GtkLabel *intro_label;
  GtkFlowBox *cards_box;
  GtkWidget *no_board_button;
  GtkBox *issues_box;

  /* Owned references */
  QzProject *project;
  QzJob *job;
  GCancellable *cancellable;
  qe_board_list *boards;
  qe_detected_port *ports;
  size_t n_ports;
};

G_DEFINE_FINAL_TYPE(QzBoardPage, qz_board_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, N_PROPS };

static GParamSpec *properties[N_PROPS];

/* ---- the fit of the model ---------------------------------------------- */

typedef struct {
  gboolean known;
  guint64 bytes;
  gboolean estimate;
} Need;

static Need flash_need(QzBoardPage *self)
{
  QzRunResult *r = self->project != NULL ? qz_project_get_run_result(self->project) : NULL;
  QzModelInfo *m = self->project != NULL ? qz_project_get_model_info(self->project) : NULL;
  Need n = { FALSE, 0, FALSE };

  if (r != NULL && r->weights_bytes > 0) {
    n.known = TRUE;
    n.bytes = (guint64)r->weights_bytes + QE_RUNNER_FLASH_BYTES;
  } else if (m != NULL && m->params > 0) {
    const char *bits = qz_project_get_string(self->project, "quantization.weight_bits");
    int b = bits != NULL ? atoi(bits) : 8;

    n.known = TRUE;
    n.estimate = TRUE;
    n.bytes = (guint64)m->params * (guint64)(b > 0 ? b : 8) / 8 + QE_RUNNER_FLASH_BYTES;
  }
  return n;
}

static Need ram_need(QzBoardPage *self)
{
  QzRunResult *r = self->project != NULL ? qz_project_get_run_result(self->project) : NULL;
  Need n = { FALSE, 0, FALSE };

  if (r != NULL && r->arena_bytes > 0) {
    n.known = TRUE;
    n.bytes = (guint64)r->arena_bytes + QE_RUNNER_RAM_BYTES;
  }
  return n;
}

/* ---- cards -------------------------------------------------------------- */

static const qe_detected_port *port_of(QzBoardPage *self, const qe_board *b)
{
  for (size_t i = 0; i < self->n_ports; i++)
    for (size_t j = 0; j < self->ports[i].n_boards; j++)
      if (self->ports[i].boards[j] == b)
        return &self->ports[i];
  return NULL;
}

static GtkWidget *fit_bar(const char *what, Need need, guint64 available, GString *said)
{
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label = gtk_label_new(NULL);
  GtkWidget *bar = gtk_level_bar_new_for_interval(0, 1);
  g_autofree char *have = qz_format_bytes(available);
  g_autofree char *text = NULL;

  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_label_set_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 28);
  gtk_widget_add_css_class(label, "caption");
  gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value(GTK_LEVEL_BAR(bar), GTK_LEVEL_BAR_OFFSET_FULL);
  if (need.known && available > 0) {
    g_autofree char *needed = qz_format_bytes(need.bytes);
    double f = (double)need.bytes / (double)available;

    gtk_level_bar_set_value(GTK_LEVEL_BAR(bar), MIN(f, 1.0));
    if (f > 1.0) {
      gtk_widget_add_css_class(bar, "over");
      /* Translators: "Flash: needs 2.1 MB, has 1.0 MB: does not fit" */
      text = g_strdup_printf(_("%s: needs %s, has %s: does not fit"), what, needed, have);
    } else if (need.estimate) {
      /* Translators: "Flash: about 48 kB of 512 kB" */
      text = g_strdup_printf(_("%s: about %s of %s"), what, needed, have);
    } else {
      /* Translators: "RAM: 40 kB of 128 kB" */
      text = g_strdup_printf(_("%s: %s of %s"), what, needed, have);
    }
  } else {
    gtk_widget_set_visible(bar, FALSE);
    /* Translators: "RAM: 128 kB; what the model needs is known after the first run" */
    text =
        g_strdup_printf(_("%s: %s; what the model needs is known after the first run"), what, have);
  }
  gtk_label_set_label(GTK_LABEL(label), text);
  gtk_accessible_update_property(GTK_ACCESSIBLE(bar), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  g_string_append_printf(said, "%s. ", text);
  gtk_box_append(GTK_BOX(box), label);
  gtk_box_append(GTK_BOX(box), bar);
  return box;
}

static void choose_clicked_cb(GtkButton *button, QzBoardPage *self)
{
  if (self->project != NULL)
    qz_project_set_string(self->project, "quantization.board",
                          g_object_get_data(G_OBJECT(button), "board"));
}

/* A line of a board's card, wrapped to the card's width; screen readers
 * hear it as part of the Choose button's description (@said). */
static void card_text(GtkWidget *card, GString *said, const char *text, const char *css_class)
{
  GtkWidget *label = gtk_label_new(text);

  gtk_label_set_xalign(GTK_LABEL(label), 0);
  gtk_label_set_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 28);
  gtk_widget_add_css_class(label, css_class);
  gtk_box_append(GTK_BOX(card), label);
  g_string_append_printf(said, "%s. ", text);
}

static GtkWidget *board_card(QzBoardPage *self, const qe_board *b, gboolean chosen)
{
  GtkWidget *card = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
  GtkWidget *button;
  const qe_detected_port *port = port_of(self, b);
  g_autofree char *chip = NULL;
  g_autoptr(GString) said = g_string_new(NULL);

  gtk_widget_add_css_class(card, "card");
  gtk_widget_add_css_class(card, "board-card");
  /* Narrow cards, so that two or three fit side by side. */
  gtk_widget_set_size_request(card, 260, -1);
  if (chosen)
    gtk_widget_add_css_class(card, "chosen");
  card_text(card, said, b->name != NULL ? b->name : b->id, "heading");

  /* Translators: "STM32F446RE, cortex-m4 at 180 MHz" */
  chip = g_strdup_printf(_("%s, %s at %.0f MHz"), b->mcu != NULL ? b->mcu : b->id,
                         b->core != NULL ? b->core : "", b->clock_hz / 1e6);
  card_text(card, said, chip, "dim-label");

  gtk_box_append(GTK_BOX(card), fit_bar(_("Flash"), flash_need(self), b->flash_bytes, said));
  gtk_box_append(GTK_BOX(card), fit_bar(_("RAM"), ram_need(self), b->ram_bytes, said));

  if (b->has_npu) {
    g_autofree char *text = g_strdup_printf(
        /* Translators: %s names the accelerator, e.g. "An NPU (NPU) speeds up layers that
         * follow its rules" */
        _("Has an accelerator (%s) for the layers that follow its rules"),
        b->npu.name != NULL ? b->npu.name : "NPU");

    card_text(card, said, text, "caption");
  }
  if (port != NULL) {
    GtkWidget *plugged = gtk_label_new(NULL);
    g_autofree char *text =
        /* Translators: %s is a serial port, e.g. "Plugged in on /dev/ttyACM0" */
        g_strdup_printf(_("Plugged in on %s"), port->port);

    gtk_label_set_label(GTK_LABEL(plugged), text);
    gtk_label_set_xalign(GTK_LABEL(plugged), 0);
    gtk_widget_add_css_class(plugged, "plugged");
    gtk_box_append(GTK_BOX(card), plugged);
    g_string_append_printf(said, "%s. ", text);
  }

  button = gtk_button_new_with_mnemonic(chosen ? _("Chosen") : _("_Choose"));
  gtk_widget_set_sensitive(button, !chosen);
  gtk_widget_set_halign(button, GTK_ALIGN_START);
  if (!chosen)
    gtk_widget_add_css_class(button, "suggested-action");
  g_object_set_data_full(G_OBJECT(button), "board", g_strdup(b->id), g_free);
  g_signal_connect(button, "clicked", G_CALLBACK(choose_clicked_cb), self);
  gtk_box_append(GTK_BOX(card), button);
  qz_fix_button_names(button);
  gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                 said->str, -1);
  gtk_widget_set_name(card, b->id);
  return card;
}

static void show_issues(QzBoardPage *self, const char *chosen)
{
  QzRunResult *r = self->project != NULL ? qz_project_get_run_result(self->project) : NULL;
  GtkWidget *group;

  qz_remove_children(GTK_WIDGET(self->issues_box));
  if (r == NULL || chosen == NULL || g_strcmp0(r->board_id, chosen) != 0 || r->issues->len == 0)
    return;

  group = adw_preferences_group_new();
  adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(group),
                                  _("What This Board Cannot Run Well"));
  adw_preferences_group_set_description(ADW_PREFERENCES_GROUP(group),
                                        _("Found by the last run, layer by layer."));
  for (guint i = 0; i < r->issues->len; i++) {
    const QzBoardIssue *issue = g_ptr_array_index(r->issues, i);
    GtkWidget *row = adw_action_row_new();
    GtkWidget *icon = gtk_image_new_from_icon_name(issue->error ? "dialog-warning-symbolic"
                                                                : "dialog-information-symbolic");
    g_autofree char *title = issue->op_type != NULL
                                 ? g_strdup_printf("%s (%s)", issue->layer, issue->op_type)
                                 : g_strdup(issue->layer);

    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), issue->message);
    if (issue->error)
      gtk_widget_add_css_class(icon, "warning");
    gtk_accessible_update_property(
        GTK_ACCESSIBLE(icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
        issue->error ? _("Cannot run") : _("Runs on the processor instead of the accelerator"), -1);
    adw_action_row_add_prefix(ADW_ACTION_ROW(row), icon);
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
  }
  gtk_box_append(self->issues_box, group);
}

static void show_boards(QzBoardPage *self)
{
  const char *chosen =
      self->project != NULL ? qz_project_get_string(self->project, "quantization.board") : NULL;
  guint n_plugged = 0;
  g_autofree char *intro = NULL;

  qz_remove_children(GTK_WIDGET(self->cards_box));
  if (self->boards == NULL)
    return;
  /* Plugged-in boards first, then by name. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < self->boards->n; i++) {
      const qe_board *b = self->boards->boards[i];
      gboolean plugged = port_of(self, b) != NULL;

      if (plugged != (pass == 0))
        continue;
      n_plugged += plugged;
      gtk_flow_box_append(self->cards_box, board_card(self, b, g_strcmp0(chosen, b->id) == 0));
    }
  intro = g_strdup_printf(
      g_dngettext(GETTEXT_PACKAGE,
                  "Quantizer knows %u board. Choose the one the model will run on: its limits "
                  "and its processor decide the best settings.",
                  "Quantizer knows %u boards. Choose the one the model will run on: its limits "
                  "and its processor decide the best settings.",
                  (gulong)self->boards->n),
      (guint)self->boards->n);
  if (n_plugged > 0) {
    g_autofree char *more =
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%s The board plugged in now comes first.",
                                    "%s The %u boards plugged in now come first.", n_plugged),
                        intro, n_plugged);

    g_free(intro);
    intro = g_steal_pointer(&more);
  }
  gtk_label_set_label(self->intro_label, intro);
  gtk_widget_set_sensitive(self->no_board_button, chosen != NULL);
  show_issues(self, chosen);
  gtk_stack_set_visible_child_name(self->stack, "boards");
}

/* ---- loading ------------------------------------------------------------ */

typedef struct {
  qe_board_list *boards;
  qe_detected_port *ports;
  size_t n_ports;
} Found;

static void found_free(Found *f)
{
  qe_board_list_free(f->boards);
  qe_detected_free(f->ports, f->n_ports);
  g_free(f);
}

static gpointer load_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                            GError **error)
{
  const char *dir = task_data;
  qe_ctx *ctx = qe_ctx_new();
  Found *f = g_new0(Found, 1);

  if (dir == NULL) {
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("The folder of board descriptions is not installed."));
    g_free(f);
    qe_ctx_free(ctx);
    return NULL;
  }
  if (qe_board_list_load(dir, &f->boards, ctx) != QE_OK) {
    qz_set_engine_error(error, ctx);
    g_free(f);
    qe_ctx_free(ctx);
    return NULL;
  }
  /* Boards plugged in: a missing /sys or USB list only means none. */
  if (qe_board_detect(f->boards, &f->ports, &f->n_ports, ctx) != QE_OK) {
    f->ports = NULL;
    f->n_ports = 0;
  }
  qe_ctx_free(ctx);
  return f;
}

static void load_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzBoardPage) self = user_data;
  g_autoptr(GError) error = NULL;
  Found *f = qz_job_run_finish(QZ_JOB(object), result, &error);

  if (self->stack == NULL) { /* disposed meanwhile */
    if (f != NULL)
      found_free(f);
    return;
  }

  gtk_spinner_stop(self->spinner);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
  if (f == NULL) {
    g_autofree char *escaped = g_markup_escape_text(error->message, -1);

    adw_status_page_set_description(self->error_page, escaped);
    gtk_stack_set_visible_child_name(self->stack, "error");
    return;
  }
  qe_board_list_free(self->boards);
  qe_detected_free(self->ports, self->n_ports);
  self->boards = g_steal_pointer(&f->boards);
  self->ports = g_steal_pointer(&f->ports);
  self->n_ports = f->n_ports;
  found_free(f);
  show_boards(self);
}

void qz_board_page_refresh(QzBoardPage *self)
{
  GtkRoot *root;
  GCancellable *cancellable = NULL;

  g_return_if_fail(QZ_IS_BOARD_PAGE(self));
  if (qz_job_get_busy(self->job))
    return;
  root = gtk_widget_get_root(GTK_WIDGET(self));
  if (root != NULL && QZ_IS_WINDOW(root))
    cancellable = qz_window_get_cancellable(QZ_WINDOW(root));
  g_clear_object(&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();
  if (self->boards == NULL)
    gtk_stack_set_visible_child_name(self->stack, "loading");
  gtk_spinner_start(self->spinner);
  qz_job_run_async(self->job, load_worker, qz_find_boards_dir(), g_free, (GDestroyNotify)found_free,
                   self->cancellable, load_done_cb, g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

static void refresh_clicked_cb(QzBoardPage *self)
{
  qz_board_page_refresh(self);
}

static void no_board_clicked_cb(QzBoardPage *self)
{
  if (self->project != NULL)
    qz_project_set_string(self->project, "quantization.board", NULL);
}

static void project_changed_cb(QzBoardPage *self)
{
  if (self->boards != NULL)
    show_boards(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_board_page_dispose(GObject *object)
{
  QzBoardPage *self = QZ_BOARD_PAGE(object);

  qz_page_dispose(ADW_BIN(self), QZ_TYPE_BOARD_PAGE, &self->project, &self->cancellable);

  G_OBJECT_CLASS(qz_board_page_parent_class)->dispose(object);
}

static void qz_board_page_finalize(GObject *object)
{
  QzBoardPage *self = QZ_BOARD_PAGE(object);

  g_clear_object(&self->job);
  qe_board_list_free(self->boards);
  qe_detected_free(self->ports, self->n_ports);

  G_OBJECT_CLASS(qz_board_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-board-page.ui",
  .get_project = (QzPageGetProject)qz_board_page_get_project,
  .set_project = (QzPageSetProject)qz_board_page_set_project,
  .get_busy = (QzPageGetBusy)qz_board_page_get_busy,
};

static void qz_board_page_class_init(QzBoardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_board_page_dispose;
  object_class->finalize = qz_board_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, spinner);
  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, error_page);
  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, intro_label);
  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, cards_box);
  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, no_board_button);
  gtk_widget_class_bind_template_child(widget_class, QzBoardPage, issues_box);
  gtk_widget_class_bind_template_callback(widget_class, refresh_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, no_board_clicked_cb);
}

static void qz_board_page_init(QzBoardPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->job = qz_job_new();
}

GtkWidget *qz_board_page_new(void)
{
  return g_object_new(QZ_TYPE_BOARD_PAGE, NULL);
}

QzProject *qz_board_page_get_project(QzBoardPage *self)
{
  g_return_val_if_fail(QZ_IS_BOARD_PAGE(self), NULL);
  return self->project;
}

void qz_board_page_set_project(QzBoardPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_BOARD_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL) {
    qz_page_connect_project(project, self, G_CALLBACK(project_changed_cb), "changed::quantization",
                            "notify::run-result", "notify::model-info", NULL);
  }
  if (self->boards == NULL)
    qz_board_page_refresh(self);
  else
    show_boards(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_board_page_get_busy(QzBoardPage *self)
{
  g_return_val_if_fail(QZ_IS_BOARD_PAGE(self), FALSE);
  return qz_job_get_busy(self->job);
}
