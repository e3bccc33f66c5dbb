/* qz-preprocess-page.c - step 3: the examples prepared as the model expects.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The settings of the model zoo's preprocessing and feature_extraction
 * sections that matter for the kind of examples (pictures: value range,
 * resizing, proportions, colors; sounds: mel bands, patch length, sample
 * rate; series: normalization, time or frequency domain), with what the
 * model's input says, and a live preview: one example as stored and as the
 * model will get it, prepared by the engine exactly as a run prepares it,
 * with the range of its values.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qe/qe_data.h"
#include "qz-data-summary.h"
#include "qz-job.h"
#include "qz-page-common.h"
#include "qz-preprocess-page.h"
#include "qz-utils.h"
#include "qz-window.h"

typedef struct {
  int kind; /* qe_data_kind the row is for */
  const char *key;
  const char *title;
  const char *subtitle;
  const char *values[8];
  const char *labels[8];
  const char *fallback;
} Choice;

/* Value ranges: scale and offset of Keras' Rescaling, written as the model
 * zoo writes them. */
static const struct {
  const char *scale, *offset;
  double s, o;
  const char *label;
} ranges[] = {
  { "1/255", "0", 1.0 / 255.0, 0.0, N_("From 0 to 1 (pixels divided by 255)") },
  { "1/127.5", "-1", 1.0 / 127.5, -1.0, N_("From −1 to 1") },
  { "1", "0", 1.0, 0.0, N_("From 0 to 255, as stored") },
};

static const Choice choices[] = {
  { QE_DATA_IMAGES,
    "preprocessing.resizing.interpolation",
    N_("Resizing"),
    N_("How pictures of another size are brought to the model’s size"),
    { "bilinear", "nearest", "bicubic", "area", "lanczos3", "mitchellcubic" },
    { N_("Smooth (bilinear)"), N_("Nearest pixel"), N_("Sharper (bicubic)"),
      N_("Average of the area"), N_("Lanczos"), N_("Mitchell") },
    "bilinear" },
  { QE_DATA_IMAGES,
    "preprocessing.resizing.aspect_ratio",
    N_("Proportions"),
    N_("Pictures of other proportions are stretched, or cropped first"),
    { "fit", "crop" },
    { N_("Stretch to fit"), N_("Crop to the same proportions") },
    "fit" },
  { QE_DATA_IMAGES,
    "preprocessing.color_mode",
    N_("Colors"),
    N_("Gray levels or colors, as the model was trained"),
    { "auto", "grayscale", "rgb", "rgba" },
    { N_("As the model’s input says"), N_("Gray levels"), N_("Colors (RGB)"),
      N_("Colors with transparency (RGBA)") },
    "auto" },
  { QE_DATA_SERIES,
    "preprocessing.normalization",
    N_("Normalization"),
    N_("Shift and scale the values so that they center on zero"),
    { "False", "True", "per_sample" },
    { N_("None"), N_("Over all the examples"), N_("Each example on its own") },
    "False" },
};

static const struct {
  int kind;
  const char *key;
  const char *title;
  const char *subtitle;
  double lo, hi, step, fallback;
} numbers[] = {
  { QE_DATA_AUDIO, "feature_extraction.n_mels", N_("Frequency Bands"),
    N_("Rows of the spectrogram (mel bands)"), 8, 256, 1, 64 },
  { QE_DATA_AUDIO, "feature_extraction.patch_length", N_("Frames per Input"),
    N_("Columns of the spectrogram the model sees at once"), 4, 1024, 1, 96 },
  { QE_DATA_AUDIO, "preprocessing.target_rate", N_("Sample Rate"),
    N_("Sounds are resampled to this many samples per second"), 4000, 96000, 1000, 16000 },
};

struct _QzPreprocessPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwActionRow *expects_row;
  GtkWidget *settings_group;
  GtkWidget *another_button;
  GtkPicture *before_picture;
  GtkPicture *after_picture;
  GtkLabel *values_label;

  /* Borrowed: rows in settings_group */
  AdwComboRow *range_row;
  AdwComboRow *choice_rows[G_N_ELEMENTS(choices)];
  GtkWidget *number_rows[G_N_ELEMENTS(numbers)];
  GtkSpinButton *number_spins[G_N_ELEMENTS(numbers)];
  GtkWidget *time_domain_row;
  GtkSwitch *time_domain_switch;

  /* Owned references */
  QzProject *project;
  QzJob *job;
  GCancellable *cancellable;
  gsize index;
  guint reload_id;
  gboolean reload;
  gboolean updating;
};

G_DEFINE_FINAL_TYPE(QzPreprocessPage, qz_preprocess_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_preprocess_page_load(QzPreprocessPage *self);

static int data_kind(QzPreprocessPage *self)
{
  QzDataSummary *s = self->project != NULL ? qz_project_get_data_summary(self->project) : NULL;

  return s != NULL ? s->kind : QE_DATA_AUTO;
}

/* ---- the settings ------------------------------------------------------- */

static guint range_index(QzPreprocessPage *self)
{
  const char *scale = qz_project_get_string(self->project, "preprocessing.rescaling.scale");
  const char *offset = qz_project_get_string(self->project, "preprocessing.rescaling.offset");
  double s = 1.0 / 255.0, o = 0.0;

  /* Defaults of the data engine: 1/255 and 0. */
  if (scale != NULL)
    qe_data_parse_number(scale, &s, NULL);
  if (offset != NULL)
    qe_data_parse_number(offset, &o, NULL);
  for (guint i = 0; i < G_N_ELEMENTS(ranges); i++)
    if (fabs(ranges[i].s - s) < 1e-9 && fabs(ranges[i].o - o) < 1e-9)
      return i;
  return G_N_ELEMENTS(ranges); /* another one, set in the file */
}

static void update_from_project(QzPreprocessPage *self)
{
  QzModelInfo *model;
  int kind = data_kind(self);
  g_autofree char *expects = NULL;

  if (self->project == NULL)
    return;
  self->updating = TRUE;

  model = qz_project_get_model_info(self->project);
  if (model != NULL && model->inputs->len > 0) {
    const QzTensorInfo *in = g_ptr_array_index(model->inputs, 0);
    g_autofree char *shape = qz_tensor_info_shape_text(in);
    g_autofree char *plain = qz_tensor_info_describe(in, TRUE);

    expects = plain != NULL ? g_strdup_printf("%s (%s, %s)", plain, in->dtype, shape)
                            : g_strdup_printf("%s, %s", in->dtype, shape);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->expects_row), expects);
    adw_action_row_set_subtitle(self->expects_row,
                                _("Pictures of another size are resized to this size"));
  } else {
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->expects_row),
                                  _("Read on the Model step"));
    adw_action_row_set_subtitle(self->expects_row, NULL);
  }

  gtk_widget_set_visible(GTK_WIDGET(self->range_row), kind == QE_DATA_IMAGES);
  adw_combo_row_set_selected(self->range_row, range_index(self));
  for (guint i = 0; i < G_N_ELEMENTS(choices); i++) {
    const char *v = qz_project_get_string(self->project, choices[i].key);
    guint selected = 0;

    for (guint j = 0; choices[i].values[j] != NULL; j++)
      if (g_ascii_strcasecmp(choices[i].values[j], v != NULL ? v : choices[i].fallback) == 0)
        selected = j;
    adw_combo_row_set_selected(self->choice_rows[i], selected);
    gtk_widget_set_visible(GTK_WIDGET(self->choice_rows[i]), kind == choices[i].kind);
  }
  for (guint i = 0; i < G_N_ELEMENTS(numbers); i++) {
    gtk_spin_button_set_value(
        self->number_spins[i],
        qz_project_get_double(self->project, numbers[i].key, numbers[i].fallback));
    gtk_widget_set_visible(self->number_rows[i], kind == numbers[i].kind);
  }
  gtk_switch_set_active(self->time_domain_switch,
                        qz_project_get_boolean(self->project, "preprocessing.time_domain", TRUE));
  gtk_widget_set_visible(self->time_domain_row, kind == QE_DATA_SERIES);
  self->updating = FALSE;
}

static void range_changed_cb(AdwComboRow *row, GParamSpec *pspec, QzPreprocessPage *self)
{
  guint i = adw_combo_row_get_selected(row);

  if (self->updating || self->project == NULL || i >= G_N_ELEMENTS(ranges))
    return;
  qz_project_set_string(self->project, "preprocessing.rescaling.scale", ranges[i].scale);
  qz_project_set_string(self->project, "preprocessing.rescaling.offset", ranges[i].offset);
}

static void choice_changed_cb(AdwComboRow *row, GParamSpec *pspec, QzPreprocessPage *self)
{
  const Choice *c = g_object_get_data(G_OBJECT(row), "setting");
  guint i = adw_combo_row_get_selected(row);

  if (self->updating || self->project == NULL || i == GTK_INVALID_LIST_POSITION)
    return;
  qz_project_set_string(self->project, c->key, c->values[i]);
}

static void number_changed_cb(GtkSpinButton *spin, QzPreprocessPage *self)
{
  guint i = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(spin), "index"));

  if (self->updating || self->project == NULL)
    return;
  qz_project_set_int(self->project, numbers[i].key, (gint64)gtk_spin_button_get_value(spin));
}

static void time_domain_changed_cb(QzPreprocessPage *self)
{
  if (self->updating || self->project == NULL)
    return;
  qz_project_set_boolean(self->project, "preprocessing.time_domain",
                         gtk_switch_get_active(self->time_domain_switch));
}

static GtkWidget *combo_row(const char *title, const char *subtitle, const char *const *labels,
                            gboolean translate)
{
  GtkStringList *model = gtk_string_list_new(NULL);
  GtkWidget *row = adw_combo_row_new();

  for (guint j = 0; labels[j] != NULL; j++)
    gtk_string_list_append(model, translate ? _(labels[j]) : labels[j]);
  adw_combo_row_set_model(ADW_COMBO_ROW(row), G_LIST_MODEL(model));
  g_object_unref(model);
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
  adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
  return row;
}

static void build_rows(QzPreprocessPage *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP(self->settings_group);
  const char *range_labels[G_N_ELEMENTS(ranges) + 2];
  GtkWidget *row;

  for (guint i = 0; i < G_N_ELEMENTS(ranges); i++)
    range_labels[i] = _(ranges[i].label);
  range_labels[G_N_ELEMENTS(ranges)] = _("Other, as the project file says");
  range_labels[G_N_ELEMENTS(ranges) + 1] = NULL;
  row = combo_row(_("Value Range"),
                  _("The numbers each pixel becomes; the model was trained on one range"),
                  range_labels, FALSE);
  g_signal_connect(row, "notify::selected", G_CALLBACK(range_changed_cb), self);
  adw_preferences_group_add(group, row);
  self->range_row = ADW_COMBO_ROW(row);

  for (guint i = 0; i < G_N_ELEMENTS(choices); i++) {
    row = combo_row(_(choices[i].title), _(choices[i].subtitle), choices[i].labels, TRUE);
    g_object_set_data(G_OBJECT(row), "setting", (gpointer)&choices[i]);
    g_signal_connect(row, "notify::selected", G_CALLBACK(choice_changed_cb), self);
    adw_preferences_group_add(group, row);
    self->choice_rows[i] = ADW_COMBO_ROW(row);
  }
  for (guint i = 0; i < G_N_ELEMENTS(numbers); i++) {
    GtkWidget *spin = gtk_spin_button_new_with_range(numbers[i].lo, numbers[i].hi, numbers[i].step);

    row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _(numbers[i].title));
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), _(numbers[i].subtitle));
    gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
    gtk_accessible_update_property(GTK_ACCESSIBLE(spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _(numbers[i].title), -1);
    g_object_set_data(G_OBJECT(spin), "index", GUINT_TO_POINTER(i));
    g_signal_connect(spin, "value-changed", G_CALLBACK(number_changed_cb), self);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), spin);
    adw_preferences_group_add(group, row);
    self->number_rows[i] = row;
    self->number_spins[i] = GTK_SPIN_BUTTON(spin);
  }
  self->time_domain_row = adw_action_row_new();
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->time_domain_row),
                                _("Values as Measured"));
  adw_action_row_set_subtitle(ADW_ACTION_ROW(self->time_domain_row),
                              _("Off: the model gets the frequencies of each series instead"));
  self->time_domain_switch = GTK_SWITCH(gtk_switch_new());
  gtk_widget_set_valign(GTK_WIDGET(self->time_domain_switch), GTK_ALIGN_CENTER);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self->time_domain_switch),
                                 GTK_ACCESSIBLE_PROPERTY_LABEL, _("Values as Measured"), -1);
  g_signal_connect_swapped(self->time_domain_switch, "notify::active",
                           G_CALLBACK(time_domain_changed_cb), self);
  adw_action_row_add_suffix(ADW_ACTION_ROW(self->time_domain_row),
                            GTK_WIDGET(self->time_domain_switch));
  adw_action_row_set_activatable_widget(ADW_ACTION_ROW(self->time_domain_row),
                                        GTK_WIDGET(self->time_domain_switch));
  adw_preferences_group_add(group, self->time_domain_row);
}

/* ---- the preview -------------------------------------------------------- */

static GdkTexture *texture_of(const QzSamplePicture *p)
{
  if (p == NULL)
    return NULL;
  return gdk_memory_texture_new(p->width, p->height,
                                p->rgb ? GDK_MEMORY_R8G8B8 : GDK_MEMORY_DEFAULT, p->pixels,
                                (gsize)p->stride);
}

typedef struct {
  qe_yaml_doc *doc;
  QzModelInfo *model;
  gsize index;
} PreviewData;

static void preview_data_free(PreviewData *d)
{
  qe_yaml_doc_free(d->doc);
  g_clear_pointer(&d->model, qz_model_info_unref);
  g_free(d);
}

static gpointer preview_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                               GError **error)
{
  PreviewData *d = task_data;

  return qz_data_preview_load(d->doc, d->model, d->index, qz_job_progress_cb, job, error);
}

static void preview_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzPreprocessPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(QzDataPreview) pv = qz_job_run_finish(QZ_JOB(object), result, &error);
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) after = NULL;
  g_autofree char *text = NULL;

  if (self->stack == NULL) /* disposed meanwhile */
    return;
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
  if (self->reload) {
    self->reload = FALSE;
    qz_preprocess_page_load(self);
    return;
  }
  if (pv == NULL) {
    gtk_picture_set_paintable(self->before_picture, NULL);
    gtk_picture_set_paintable(self->after_picture, NULL);
    gtk_label_set_label(self->values_label, error->message);
    return;
  }
  before = texture_of(pv->before);
  after = texture_of(pv->after);
  gtk_picture_set_paintable(self->before_picture, GDK_PAINTABLE(before));
  gtk_picture_set_paintable(self->after_picture, GDK_PAINTABLE(after));
  {
    g_autofree char *name = g_path_get_basename(pv->path != NULL ? pv->path : "");
    g_autofree char *alt_before =
        /* Translators: text alternative of the example as stored, e.g.
         * "coat_0001.png, class coat, as stored" */
        g_strdup_printf(_("%s, class %s, as stored"), name,
                        pv->class_name != NULL ? pv->class_name : "–");

    gtk_picture_set_alternative_text(self->before_picture, alt_before);
  }
  text = g_strdup_printf(
      /* Translators: "Example 3 of 500 (class coat): the model gets values from 0 to 1, 0.29 on
       * average, shaped [1, 28, 28]" */
      _("Example %u of %u (class %s): the model gets values from %.3g to %.3g, %.3g on average, "
        "shaped %s"),
      (guint)pv->index + 1, (guint)pv->count, pv->class_name != NULL ? pv->class_name : "–",
      pv->min, pv->max, pv->mean, pv->input_shape != NULL ? pv->input_shape : "?");
  gtk_label_set_label(self->values_label, text);
  gtk_picture_set_alternative_text(self->after_picture, text);
}

static void qz_preprocess_page_load(QzPreprocessPage *self)
{
  PreviewData *d;
  GtkRoot *root;
  GCancellable *cancellable = NULL;

  g_clear_handle_id(&self->reload_id, g_source_remove);
  if (self->project == NULL)
    return;
  if (qz_project_get_data_summary(self->project) == NULL) {
    gtk_stack_set_visible_child_name(self->stack, "empty");
    return;
  }
  update_from_project(self);
  gtk_stack_set_visible_child_name(self->stack, "prepare");
  if (qz_job_get_busy(self->job)) {
    self->reload = TRUE;
    return;
  }
  root = gtk_widget_get_root(GTK_WIDGET(self));
  if (root != NULL && QZ_IS_WINDOW(root))
    cancellable = qz_window_get_cancellable(QZ_WINDOW(root));
  g_clear_object(&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();

  d = g_new0(PreviewData, 1);
  d->doc = qz_project_dup_doc(self->project);
  if (qz_project_get_model_info(self->project) != NULL)
    d->model = qz_model_info_ref(qz_project_get_model_info(self->project));
  d->index = self->index;
  qz_job_run_async(self->job, preview_worker, d, (GDestroyNotify)preview_data_free,
                   (GDestroyNotify)qz_data_preview_free, self->cancellable, preview_done_cb,
                   g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

static gboolean reload_timeout_cb(gpointer user_data)
{
  QzPreprocessPage *self = QZ_PREPROCESS_PAGE(user_data);

  self->reload_id = 0;
  qz_preprocess_page_load(self);
  return G_SOURCE_REMOVE;
}

static void schedule_reload(QzPreprocessPage *self)
{
  g_clear_handle_id(&self->reload_id, g_source_remove);
  self->reload_id = g_timeout_add(300, reload_timeout_cb, self);
}

static void another_clicked_cb(QzPreprocessPage *self)
{
  self->index++;
  qz_preprocess_page_load(self);
}

static void project_changed_cb(QzPreprocessPage *self)
{
  update_from_project(self);
  schedule_reload(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_preprocess_page_dispose(GObject *object)
{
  QzPreprocessPage *self = QZ_PREPROCESS_PAGE(object);

  g_clear_handle_id(&self->reload_id, g_source_remove);
  qz_page_dispose(ADW_BIN(self), QZ_TYPE_PREPROCESS_PAGE, &self->project, &self->cancellable);

  G_OBJECT_CLASS(qz_preprocess_page_parent_class)->dispose(object);
}

static void qz_preprocess_page_finalize(GObject *object)
{
  QzPreprocessPage *self = QZ_PREPROCESS_PAGE(object);

  g_clear_object(&self->job);

  G_OBJECT_CLASS(qz_preprocess_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-preprocess-page.ui",
  .get_project = (QzPageGetProject)qz_preprocess_page_get_project,
  .set_project = (QzPageSetProject)qz_preprocess_page_set_project,
  .get_busy = (QzPageGetBusy)qz_preprocess_page_get_busy,
};

static void qz_preprocess_page_class_init(QzPreprocessPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_preprocess_page_dispose;
  object_class->finalize = qz_preprocess_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, expects_row);
  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, settings_group);
  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, another_button);
  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, before_picture);
  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, after_picture);
  gtk_widget_class_bind_template_child(widget_class, QzPreprocessPage, values_label);
  gtk_widget_class_bind_template_callback(widget_class, another_clicked_cb);
}

static void qz_preprocess_page_init(QzPreprocessPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  build_rows(self);
  qz_fix_button_names(self);
  self->job = qz_job_new();
}

GtkWidget *qz_preprocess_page_new(void)
{
  return g_object_new(QZ_TYPE_PREPROCESS_PAGE, NULL);
}

QzProject *qz_preprocess_page_get_project(QzPreprocessPage *self)
{
  g_return_val_if_fail(QZ_IS_PREPROCESS_PAGE(self), NULL);
  return self->project;
}

void qz_preprocess_page_set_project(QzPreprocessPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_PREPROCESS_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  self->index = 0;
  if (project != NULL) {
    qz_page_connect_project(project, self, G_CALLBACK(project_changed_cb), "changed::preprocessing",
                            "changed::feature_extraction", "notify::data-summary",
                            "notify::model-info", NULL);
  }
  qz_preprocess_page_load(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_preprocess_page_get_busy(QzPreprocessPage *self)
{
  g_return_val_if_fail(QZ_IS_PREPROCESS_PAGE(self), FALSE);
  return qz_job_get_busy(self->job) || self->reload_id != 0;
}

const char *qz_preprocess_page_get_values_text(QzPreprocessPage *self)
{
  g_return_val_if_fail(QZ_IS_PREPROCESS_PAGE(self), NULL);
  return gtk_label_get_label(self->values_label);
}
