/* qz-data-page.c - step 2: the examples to tune and test with.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page writes the dataset section of the project (a folder as
 * training_path with a validation split, or two folders as
 * quantization_path and test_path, the way the example project does), and
 * whenever that section or the model changes it opens the examples in a
 * worker thread exactly as a run will: kind, classes, how many examples
 * tune and how many test, the engine's diagnostics (imbalance, too few
 * examples, leakage between tuning and testing, unreadable files) and one
 * picture of each class.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qe/qe_data.h"
#include "qz-bars-view.h"
#include "qz-data-page.h"
#include "qz-data-summary.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzDataPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwStatusPage *loading_page;
  GtkProgressBar *progress_bar;
  AdwStatusPage *error_page;
  AdwActionRow *source_row;
  GtkImage *kind_icon;
  AdwActionRow *test_source_row;
  GtkSwitch *separate_switch;
  GtkWidget *verdict_box;
  GtkImage *verdict_icon;
  GtkLabel *verdict_title;
  GtkLabel *verdict_text;
  GtkWidget *split_group;
  AdwActionRow *test_row;
  GtkScale *test_scale;
  AdwActionRow *calib_row;
  GtkScale *calib_scale;
  GtkWidget *classes_group;
  QzBarsView *classes_chart;
  GtkWidget *pictures_group;
  GtkFlowBox *pictures_box;
  GtkBox *details_box;

  /* Owned references */
  QzProject *project;
  QzJob *job;
  GCancellable *cancellable;
  GtkNativeDialog *chooser;

  guint reload_id;   /* debounce of changes */
  guint pulse_id;    /* progress of unknown length */
  gboolean reload;   /* read again when the job ends */
  gboolean updating; /* writing the widgets from the project */
};

G_DEFINE_FINAL_TYPE(QzDataPage, qz_data_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_data_page_load(QzDataPage *self);

/* ---- what the engine noticed, in plain words ---------------------------- */

static const struct {
  const char *code;
  const char *title;
} message_titles[] = {
  { "empty-class", N_("A class has no usable example") },
  { "imbalance", N_("Some classes have far more examples than others") },
  { "unlabeled", N_("Some examples have no class") },
  { "calibration-random", N_("No examples to tune with") },
  { "calibration-small", N_("Few examples to tune with") },
  { "calibration-images", N_("Enough examples to tune with") },
  { "calibration-large", N_("More examples than tuning needs") },
  { "calibration-series", N_("Few series to tune with") },
  { "no-evaluation", N_("No examples to test with") },
  { "evaluation-small", N_("Few examples to test with") },
  { "leakage", N_("The same examples tune and test") },
  { "duplicates", N_("Some examples are the same") },
  { "filtered", N_("Some examples were left out") },
  { "skipped", N_("Some files could not be used") },
  { "non-finite", N_("Some values are not numbers") },
  { "partial", N_("Only part of the examples was checked") },
};

static const char *message_title(const QzDataMessage *m)
{
  for (guint i = 0; i < G_N_ELEMENTS(message_titles); i++)
    if (g_strcmp0(message_titles[i].code, m->code) == 0)
      return _(message_titles[i].title);
  return NULL;
}

static const char *kind_name(int kind)
{
  switch (kind) {
  case QE_DATA_IMAGES:
    return _("Pictures");
  case QE_DATA_AUDIO:
    return _("Sounds");
  case QE_DATA_SERIES:
    return _("Measurements");
  case QE_DATA_TENSORS:
    return _("Tensors");
  default:
    return _("Examples");
  }
}

static const char *kind_icon(int kind)
{
  switch (kind) {
  case QE_DATA_IMAGES:
    return "image-x-generic-symbolic";
  case QE_DATA_AUDIO:
    return "audio-x-generic-symbolic";
  default:
    return "qz-data-symbolic";
  }
}

/* ---- the dataset section ------------------------------------------------ */

static gboolean project_is_separate(QzProject *project)
{
  return qz_project_get_string(project, "dataset.training_path") == NULL &&
         qz_project_get_string(project, "dataset.quantization_path") != NULL;
}

static const char *source_key(QzProject *project)
{
  return project_is_separate(project) ? "dataset.quantization_path" : "dataset.training_path";
}

static const char *test_key(QzProject *project)
{
  return qz_project_get_string(project, "dataset.test_path") != NULL ||
                 qz_project_get_string(project, "dataset.validation_path") == NULL
             ? "dataset.test_path"
             : "dataset.validation_path";
}

/* @role NULL: the folder's name as title; else @role as title and the
 * path below it. */
static void set_row_path(AdwActionRow *row, const char *path, const char *role,
                         const char *title_if_none)
{
  g_autofree char *escaped = NULL;

  if (path == NULL) {
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title_if_none);
    adw_action_row_set_subtitle(row, NULL);
    return;
  }
  if (role != NULL) {
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), role);
    escaped = g_markup_escape_text(path, -1);
    adw_action_row_set_subtitle(row, escaped);
  } else {
    g_autofree char *name = g_path_get_basename(path);
    g_autofree char *folder = g_path_get_dirname(path);

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), name);
    escaped = g_markup_escape_text(folder, -1);
    adw_action_row_set_subtitle(row, escaped);
  }
}

/* Show the project's choices in the widgets. */
static void update_from_project(QzDataPage *self)
{
  QzProject *p = self->project;
  gboolean separate;
  double split;

  if (p == NULL)
    return;
  self->updating = TRUE;
  separate = project_is_separate(p);
  gtk_switch_set_active(self->separate_switch, separate);
  set_row_path(self->source_row, qz_project_get_string(p, source_key(p)),
               separate ? _("Examples to tune with") : NULL, _("No examples chosen"));
  set_row_path(self->test_source_row, qz_project_get_string(p, test_key(p)),
               _("Examples to test with"), _("Choose the examples to test with"));
  gtk_widget_set_visible(GTK_WIDGET(self->test_source_row), separate);
  gtk_widget_set_visible(GTK_WIDGET(self->test_row), !separate);

  split = qz_project_get_double(p, "dataset.validation_split", 0.2);
  gtk_range_set_value(GTK_RANGE(self->test_scale), split * 100.0);
  split = qz_project_get_double(p, "dataset.quantization_split", -1.0);
  gtk_range_set_value(GTK_RANGE(self->calib_scale), split > 0 ? split * 100.0 : 100.0);
  self->updating = FALSE;
}

static void use_single_folder(QzDataPage *self, GFile *folder)
{
  QzProject *p = self->project;

  qz_project_set_path(p, "dataset.training_path", folder);
  qz_project_set_string(p, "dataset.quantization_path", NULL);
  qz_project_set_string(p, "dataset.test_path", NULL);
  qz_project_set_string(p, "dataset.validation_path", NULL);
  if (qz_project_get_double(p, "dataset.validation_split", -1.0) <= 0)
    qz_project_set_double(p, "dataset.validation_split", 0.2);
}

/* ---- choosing ------------------------------------------------------------ */

typedef enum {
  CHOOSE_SOURCE_FOLDER,
  CHOOSE_SOURCE_FILE,
  CHOOSE_TEST_FOLDER,
} ChooseWhat;

static void chooser_response_cb(QzDataPage *self, int response, GtkNativeDialog *dialog)
{
  ChooseWhat what = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(dialog), "what"));

  if (response == GTK_RESPONSE_ACCEPT && self->project != NULL) {
    g_autoptr(GFile) file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));

    if (file != NULL)
      qz_data_page_choose(self, file, what == CHOOSE_TEST_FOLDER);
  }
  gtk_native_dialog_destroy(dialog);
  g_clear_object(&self->chooser);
}

static void run_chooser(QzDataPage *self, ChooseWhat what)
{
  GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
  gboolean folder = what != CHOOSE_SOURCE_FILE;
  GtkFileChooserNative *native;

  if (self->chooser != NULL) {
    gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
  }
  native = gtk_file_chooser_native_new(
      what == CHOOSE_TEST_FOLDER ? _("Choose the Examples to Test With") : _("Choose the Examples"),
      GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL,
      folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER : GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"),
      _("_Cancel"));
  if (!folder) {
    g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

    gtk_file_filter_set_name(filter, _("Tables and tensors (CSV, NumPy)"));
    gtk_file_filter_add_pattern(filter, "*.csv");
    gtk_file_filter_add_pattern(filter, "*.npz");
    gtk_file_filter_add_pattern(filter, "*.npy");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(native), filter);
  }
  self->chooser = GTK_NATIVE_DIALOG(native);
  g_object_set_data(G_OBJECT(native), "what", GINT_TO_POINTER(what));
  gtk_native_dialog_set_modal(self->chooser, TRUE);
  g_signal_connect_object(native, "response", G_CALLBACK(chooser_response_cb), self,
                          G_CONNECT_SWAPPED);
  gtk_native_dialog_show(self->chooser);
}

static void choose_folder_clicked_cb(QzDataPage *self)
{
  run_chooser(self, CHOOSE_SOURCE_FOLDER);
}

static void choose_file_clicked_cb(QzDataPage *self)
{
  run_chooser(self, CHOOSE_SOURCE_FILE);
}

static void choose_test_folder_clicked_cb(QzDataPage *self)
{
  run_chooser(self, CHOOSE_TEST_FOLDER);
}

void qz_data_page_choose(QzDataPage *self, GFile *file, gboolean for_testing)
{
  g_return_if_fail(QZ_IS_DATA_PAGE(self));
  g_return_if_fail(G_IS_FILE(file));

  if (self->project == NULL)
    return;
  if (for_testing) {
    qz_project_set_path(self->project, test_key(self->project), file);
  } else if (project_is_separate(self->project)) {
    qz_project_set_path(self->project, "dataset.quantization_path", file);
  } else {
    use_single_folder(self, file);
  }
}

static void separate_switch_cb(QzDataPage *self)
{
  QzProject *p = self->project;
  gboolean on = gtk_switch_get_active(self->separate_switch);
  g_autofree char *source = NULL;

  if (self->updating || p == NULL || on == project_is_separate(p))
    return;
  source = g_strdup(qz_project_get_string(p, source_key(p)));
  if (on) {
    /* The examples chosen so far tune; a second folder will test. */
    qz_project_set_string(p, "dataset.quantization_path", source);
    qz_project_set_string(p, "dataset.training_path", NULL);
  } else {
    qz_project_set_string(p, "dataset.training_path", source);
    qz_project_set_string(p, "dataset.quantization_path", NULL);
    qz_project_set_string(p, "dataset.test_path", NULL);
    qz_project_set_string(p, "dataset.validation_path", NULL);
  }
  update_from_project(self);
}

static void test_scale_changed_cb(QzDataPage *self)
{
  if (self->updating || self->project == NULL)
    return;
  qz_project_set_double(self->project, "dataset.validation_split",
                        gtk_range_get_value(GTK_RANGE(self->test_scale)) / 100.0);
}

static void calib_scale_changed_cb(QzDataPage *self)
{
  double v = gtk_range_get_value(GTK_RANGE(self->calib_scale));

  if (self->updating || self->project == NULL)
    return;
  if (v >= 99.5)
    qz_project_set_string(self->project, "dataset.quantization_split", NULL);
  else
    qz_project_set_double(self->project, "dataset.quantization_split", v / 100.0);
}

static void reload_clicked_cb(QzDataPage *self)
{
  qz_data_page_load(self);
}

/* ---- showing the summary ----------------------------------------------- */

static void set_verdict(QzDataPage *self, const char *icon, const char *css, const char *title,
                        const char *text)
{
  qz_set_verdict(self->verdict_icon, self->verdict_title, self->verdict_text, icon, css, title,
                 text);
}

static GtkWidget *picture_widget(const QzSamplePicture *p)
{
  g_autoptr(GdkTexture) texture =
      gdk_memory_texture_new(p->width, p->height, p->rgb ? GDK_MEMORY_R8G8B8 : GDK_MEMORY_DEFAULT,
                             p->pixels, (gsize)p->stride);
  GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *picture = gtk_picture_new_for_paintable(GDK_PAINTABLE(texture));
  GtkWidget *label = gtk_label_new(p->class_name);
  g_autofree char *name = g_path_get_basename(p->path != NULL ? p->path : "");
  g_autofree char *alt =
      /* Translators: the text alternative of a picture of an example, e.g.
       * "An example of class “coat” (coat_0001.png)" */
      g_strdup_printf(_("An example of class “%s” (%s)"), p->class_name, name);

  gtk_picture_set_can_shrink(GTK_PICTURE(picture), TRUE);
  gtk_picture_set_content_fit(GTK_PICTURE(picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_widget_set_size_request(picture, 96, 72);
  gtk_picture_set_alternative_text(GTK_PICTURE(picture), alt);
  gtk_widget_add_css_class(picture, "sample-picture");
  gtk_label_set_ellipsize(GTK_LABEL(label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class(label, "caption");
  gtk_box_append(GTK_BOX(box), picture);
  gtk_box_append(GTK_BOX(box), label);
  gtk_widget_set_tooltip_text(box, p->path);
  return box;
}

static GtkWidget *message_row(const char *title, const char *subtitle, int level)
{
  GtkWidget *row = adw_action_row_new();
  GtkWidget *image = gtk_image_new_from_icon_name(level >= 1 ? "dialog-warning-symbolic"
                                                             : "dialog-information-symbolic");

  adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
  gtk_widget_set_valign(image, GTK_ALIGN_CENTER);
  if (level >= 1)
    gtk_widget_add_css_class(image, "warning");
  gtk_accessible_update_property(GTK_ACCESSIBLE(image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                 level >= 1 ? _("Warning") : _("Note"), -1);
  adw_action_row_add_prefix(ADW_ACTION_ROW(row), image);
  return row;
}

static void show_summary(QzDataPage *self, const QzDataSummary *s)
{
  guint n_classes = s->classes->len;
  guint n_warnings = 0;
  g_autofree const char **labels = g_new0(const char *, n_classes + 1);
  g_autofree double *values = g_new0(double, n_classes * 2 + 1);
  const char *series[] = { _("Tuning"), _("Testing") };
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autofree char *tune = NULL;
  g_autofree char *test = NULL;
  GtkWidget *group;

  qz_remove_children(GTK_WIDGET(self->details_box));
  qz_remove_children(GTK_WIDGET(self->pictures_box));

  gtk_image_set_from_icon_name(self->kind_icon, kind_icon(s->kind));
  for (guint i = 0; i < s->messages->len; i++)
    if (((QzDataMessage *)g_ptr_array_index(s->messages, i))->level >= 1)
      n_warnings++;

  /* Verdict */
  title = g_strdup_printf(
      /* Translators: "Pictures: 500 examples in 10 classes" */
      g_dngettext(GETTEXT_PACKAGE, "%s: %u example in %u classes", "%s: %u examples in %u classes",
                  (gulong)s->total),
      kind_name(s->kind), (guint)s->total, n_classes);
  if (s->calibration_random)
    text = g_strdup(_("None of them can tune the model: it would be tuned on random values. "
                      "Give more examples, or use fewer of them for testing."));
  else
    text = g_strdup_printf(
        /* Translators: "200 tune the quantized model, 300 measure it." */
        _("%u tune the quantized model, %u measure it."), (guint)s->calibration,
        (guint)s->evaluation);
  if (n_warnings > 0 || s->calibration_random) {
    g_autofree char *more = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%s See the note below.",
                                                        "%s See the %u notes below.", n_warnings),
                                            text, n_warnings);

    set_verdict(self, "dialog-warning-symbolic", "warning", title, more);
  } else {
    set_verdict(self, "object-select-symbolic", "success", title, text);
  }

  /* Splits */
  tune = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u example sets the number ranges",
                                     "%u examples set the number ranges", (gulong)s->calibration),
                         (guint)s->calibration);
  test = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u example measures the accuracy",
                                     "%u examples measure the accuracy", (gulong)s->evaluation),
                         (guint)s->evaluation);
  adw_action_row_set_subtitle(self->calib_row, tune);
  adw_action_row_set_subtitle(self->test_row, test);

  /* Classes */
  for (guint i = 0; i < n_classes; i++) {
    const QzClassCount *c = g_ptr_array_index(s->classes, i);

    labels[i] = c->name;
    values[i * 2] = (double)c->calibration;
    values[i * 2 + 1] = (double)c->evaluation;
  }
  qz_bars_view_set_data(self->classes_chart, _("Examples of each class"), _("Examples"), n_classes,
                        labels, 2, series, values, "%.0f");
  gtk_widget_set_visible(self->classes_group, n_classes > 0);

  /* Pictures */
  for (guint i = 0; i < s->pictures->len; i++)
    gtk_flow_box_append(self->pictures_box, picture_widget(g_ptr_array_index(s->pictures, i)));
  gtk_widget_set_visible(self->pictures_group, s->pictures->len > 0);

  /* What the engine noticed */
  group = qz_add_group(self->details_box, _("What Quantizer Noticed"), NULL);
  for (guint i = 0; i < s->messages->len; i++) {
    const QzDataMessage *m = g_ptr_array_index(s->messages, i);
    const char *headline = message_title(m);

    if (g_strcmp0(m->code, "calibration-source") == 0)
      continue;
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group),
                              message_row(headline != NULL ? headline : m->text,
                                          headline != NULL ? m->text : NULL, m->level));
  }
  if (s->have_values) {
    g_autofree char *range = g_strdup_printf(
        /* Translators: the range of the numbers the model gets, e.g.
         * "From 0 to 1, 0.29 on average" */
        _("From %.3g to %.3g, %.3g on average"), s->min, s->max, s->mean);
    GtkWidget *row = message_row(_("Values the model gets"), range, 0);

    if (s->item_shape != NULL) {
      g_autofree char *shape = g_strdup_printf(
          /* Translators: %s is a shape such as [1, 28, 28] */
          _("From %.3g to %.3g, %.3g on average; each example is shaped %s"), s->min, s->max,
          s->mean, s->item_shape);

      adw_action_row_set_subtitle(ADW_ACTION_ROW(row), shape);
    }
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), row);
  }

  /* Files that could not be used */
  if (s->skipped->len > 0) {
    GtkWidget *expander = adw_expander_row_new();
    g_autofree char *count =
        g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u file could not be used",
                                    "%u files could not be used", s->skipped->len),
                        s->skipped->len);

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(expander), count);
    adw_expander_row_set_subtitle(ADW_EXPANDER_ROW(expander),
                                  _("They are left out; the others are used."));
    for (guint i = 0; i < MIN(s->skipped->len, 100u); i++) {
      const QzSkippedFile *f = g_ptr_array_index(s->skipped, i);
      GtkWidget *row = adw_action_row_new();

      adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
      adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), f->path);
      adw_action_row_set_subtitle(ADW_ACTION_ROW(row), f->reason);
      adw_expander_row_add_row(ADW_EXPANDER_ROW(expander), row);
    }
    adw_preferences_group_add(ADW_PREFERENCES_GROUP(group), expander);
  }
  gtk_widget_set_visible(group, gtk_widget_get_first_child(group) != NULL);
  qz_fix_button_names(self->details_box);

  gtk_widget_set_visible(self->split_group, TRUE);
  gtk_stack_set_visible_child_name(self->stack, "data");
}

/* Show the choices without a summary (nothing to test with yet). */
static void show_incomplete(QzDataPage *self, const char *title, const char *text)
{
  qz_remove_children(GTK_WIDGET(self->details_box));
  set_verdict(self, "dialog-warning-symbolic", "warning", title, text);
  gtk_widget_set_visible(self->classes_group, FALSE);
  gtk_widget_set_visible(self->pictures_group, FALSE);
  gtk_widget_set_visible(self->split_group, FALSE);
  gtk_stack_set_visible_child_name(self->stack, "data");
}

/* ---- loading ------------------------------------------------------------ */

typedef struct {
  qe_yaml_doc *doc;
  QzModelInfo *model;
} LoadData;

static void load_data_free(LoadData *d)
{
  qe_yaml_doc_free(d->doc);
  g_clear_pointer(&d->model, qz_model_info_unref);
  g_free(d);
}

static gpointer load_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                            GError **error)
{
  LoadData *d = task_data;

  /* Decode at most 1000 examples for the value statistics and the
   * duplicate check: enough to see problems, quick on large sets. */
  return qz_data_summary_load(d->doc, d->model, 1000, qz_job_progress_cb, job, error);
}

static gboolean pulse_cb(gpointer user_data)
{
  QzDataPage *self = QZ_DATA_PAGE(user_data);

  if (qz_job_get_fraction(self->job) < 0)
    gtk_progress_bar_pulse(self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static void job_fraction_cb(QzDataPage *self)
{
  double f = qz_job_get_fraction(self->job);

  if (f >= 0)
    gtk_progress_bar_set_fraction(self->progress_bar, f);
}

static void stop_pulse(QzDataPage *self)
{
  if (self->pulse_id != 0) {
    g_source_remove(self->pulse_id);
    self->pulse_id = 0;
  }
}

static void load_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzDataPage) self = user_data;
  g_autoptr(QzDataSummary) summary = NULL;
  g_autoptr(GError) error = NULL;

  summary = qz_job_run_finish(QZ_JOB(object), result, &error);
  if (self->stack == NULL) /* disposed meanwhile */
    return;
  stop_pulse(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);

  if (self->reload && self->project != NULL) {
    self->reload = FALSE;
    qz_data_page_load(self);
    return;
  }
  if (self->project == NULL)
    return;

  if (summary != NULL) {
    qz_project_set_data_error(self->project, NULL);
    qz_project_set_data_summary(self->project, summary);
    show_summary(self, summary);
    return;
  }

  qz_project_set_data_summary(self->project, NULL);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    adw_status_page_set_title(self->error_page, _("Looking Was Stopped"));
    adw_status_page_set_description(self->error_page,
                                    _("The examples were not read to the end. Try again when "
                                      "you are ready."));
    qz_project_set_data_error(self->project, NULL);
  } else {
    adw_status_page_set_title(self->error_page, _("These Examples Cannot Be Used"));
    {
      g_autofree char *escaped = g_markup_escape_text(error->message, -1);

      adw_status_page_set_description(self->error_page, escaped);
    }
    qz_project_set_data_error(self->project, error->message);
  }
  gtk_stack_set_visible_child_name(self->stack, "error");
}

static void qz_data_page_load(QzDataPage *self)
{
  QzProject *p = self->project;
  GtkRoot *root;
  GCancellable *cancellable = NULL;
  LoadData *d;

  g_clear_handle_id(&self->reload_id, g_source_remove);
  if (p == NULL)
    return;
  if (qz_job_get_busy(self->job)) {
    self->reload = TRUE;
    g_cancellable_cancel(self->cancellable);
    return;
  }

  update_from_project(self);
  if (qz_project_get_string(p, source_key(p)) == NULL) {
    qz_project_set_data_summary(p, NULL);
    gtk_stack_set_visible_child_name(self->stack, "empty");
    return;
  }
  if (project_is_separate(p) && qz_project_get_string(p, test_key(p)) == NULL) {
    qz_project_set_data_summary(p, NULL);
    show_incomplete(self, _("Choose the examples to test with"),
                    _("The examples chosen above tune the model. Choose a second folder to "
                      "measure it, or switch off separate examples to keep some apart."));
    return;
  }

  root = gtk_widget_get_root(GTK_WIDGET(self));
  if (root != NULL && QZ_IS_WINDOW(root))
    cancellable = qz_window_get_cancellable(QZ_WINDOW(root));
  g_clear_object(&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();

  d = g_new0(LoadData, 1);
  d->doc = qz_project_dup_doc(p);
  if (qz_project_get_model_info(p) != NULL)
    d->model = qz_model_info_ref(qz_project_get_model_info(p));

  gtk_progress_bar_set_fraction(self->progress_bar, 0);
  gtk_stack_set_visible_child_name(self->stack, "loading");
  if (self->pulse_id == 0)
    self->pulse_id = g_timeout_add(100, pulse_cb, self);
  qz_job_run_async(self->job, load_worker, d, (GDestroyNotify)load_data_free,
                   (GDestroyNotify)qz_data_summary_unref, self->cancellable, load_done_cb,
                   g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

static gboolean reload_timeout_cb(gpointer user_data)
{
  QzDataPage *self = QZ_DATA_PAGE(user_data);

  self->reload_id = 0;
  qz_data_page_load(self);
  return G_SOURCE_REMOVE;
}

/* Sliders change the split many times a second while dragged: read the
 * examples again once they rest. */
static void schedule_reload(QzDataPage *self)
{
  g_clear_handle_id(&self->reload_id, g_source_remove);
  self->reload_id = g_timeout_add(400, reload_timeout_cb, self);
}

static void dataset_changed_cb(QzDataPage *self, const char *key)
{
  update_from_project(self);
  schedule_reload(self);
}

static void model_info_changed_cb(QzDataPage *self)
{
  /* The model's input shape decides how examples are prepared. */
  if (self->project != NULL && qz_project_get_model_info(self->project) != NULL &&
      qz_project_get_string(self->project, source_key(self->project)) != NULL)
    schedule_reload(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_data_page_dispose(GObject *object)
{
  QzDataPage *self = QZ_DATA_PAGE(object);

  g_clear_handle_id(&self->reload_id, g_source_remove);
  stop_pulse(self);
  if (self->chooser != NULL) {
    gtk_native_dialog_destroy(self->chooser);
    g_clear_object(&self->chooser);
  }
  qz_page_dispose(ADW_BIN(self), QZ_TYPE_DATA_PAGE, &self->project, &self->cancellable);

  G_OBJECT_CLASS(qz_data_page_parent_class)->dispose(object);
}

static void qz_data_page_finalize(GObject *object)
{
  QzDataPage *self = QZ_DATA_PAGE(object);

  g_clear_object(&self->job);

  G_OBJECT_CLASS(qz_data_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-data-page.ui",
  .get_project = (QzPageGetProject)qz_data_page_get_project,
  .set_project = (QzPageSetProject)qz_data_page_set_project,
  .get_busy = (QzPageGetBusy)qz_data_page_get_busy,
};

static void qz_data_page_class_init(QzDataPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_data_page_dispose;
  object_class->finalize = qz_data_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  g_type_ensure(QZ_TYPE_BARS_VIEW);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, loading_page);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, progress_bar);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, error_page);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, source_row);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, kind_icon);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, test_source_row);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, separate_switch);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, verdict_box);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, verdict_icon);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, verdict_title);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, verdict_text);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, split_group);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, test_row);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, test_scale);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, calib_row);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, calib_scale);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, classes_group);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, classes_chart);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, pictures_group);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, pictures_box);
  gtk_widget_class_bind_template_child(widget_class, QzDataPage, details_box);
  gtk_widget_class_bind_template_callback(widget_class, choose_folder_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, choose_file_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, choose_test_folder_clicked_cb);
  gtk_widget_class_bind_template_callback(widget_class, separate_switch_cb);
  gtk_widget_class_bind_template_callback(widget_class, reload_clicked_cb);
}

static void qz_data_page_init(QzDataPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->job = qz_job_new();
  g_object_bind_property(self->job, "message", self->loading_page, "description",
                         G_BINDING_DEFAULT);
  g_signal_connect_object(self->job, "notify::fraction", G_CALLBACK(job_fraction_cb), self,
                          G_CONNECT_SWAPPED);
  g_signal_connect_object(self->test_scale, "value-changed", G_CALLBACK(test_scale_changed_cb),
                          self, G_CONNECT_SWAPPED);
  g_signal_connect_object(self->calib_scale, "value-changed", G_CALLBACK(calib_scale_changed_cb),
                          self, G_CONNECT_SWAPPED);
}

GtkWidget *qz_data_page_new(void)
{
  return g_object_new(QZ_TYPE_DATA_PAGE, NULL);
}

QzProject *qz_data_page_get_project(QzDataPage *self)
{
  g_return_val_if_fail(QZ_IS_DATA_PAGE(self), NULL);
  return self->project;
}

void qz_data_page_set_project(QzDataPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_DATA_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL) {
    g_signal_connect_object(project, "changed::dataset", G_CALLBACK(dataset_changed_cb), self,
                            G_CONNECT_SWAPPED);
    g_signal_connect_object(project, "notify::model-info", G_CALLBACK(model_info_changed_cb), self,
                            G_CONNECT_SWAPPED);
  }
  qz_data_page_load(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_data_page_get_busy(QzDataPage *self)
{
  g_return_val_if_fail(QZ_IS_DATA_PAGE(self), FALSE);
  return qz_job_get_busy(self->job) || self->reload_id != 0;
}
