/* qz-model-page.c - step 1: the trained model and what is in it.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * When the project's model file changes, the page reads it in a worker
 * thread (QzJob, cancelled by the window's Stop) and shows a summary: a
 * verdict in one sentence, the size and amount of work, the inputs and
 * outputs in plain words, the operations counted by kind, the parts the
 * engine cannot run and what to do about them. A file that cannot be read
 * gets the engine's message, which names the place at fault, and a way to
 * try another file.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-job.h"
#include "qz-model-info.h"
#include "qz-model-page.h"
#include "qz-page-common.h"
#include "qz-utils.h"
#include "qz-window.h"

struct _QzModelPage {
  AdwBin parent_instance;

  /* Template widgets */
  GtkStack *stack;
  AdwStatusPage *loading_page;
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
  AdwActionRow *file_row;
  GtkLabel *size_label;
  GtkWidget *verdict_box;
  GtkImage *verdict_icon;
  GtkLabel *verdict_title;
  GtkLabel *verdict_text;
  GtkBox *summary_box;

  /* Owned references */
  QzProject *project;
  QzJob *job;
  GCancellable *cancellable;
  char *loading_path; /* the file the job reads */
  gboolean reload;    /* read again when the job ends */
};

G_DEFINE_FINAL_TYPE(QzModelPage, qz_model_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, PROP_BUSY, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void qz_model_page_load(QzModelPage *self);

/* ---- plain words for operations ---------------------------------------- */

static const struct {
  const char *ops; /* ONNX and TFLite names, separated by '|' */
  const char *text;
} op_words[] = {
  { "|Conv|CONV_2D|ConvTranspose|", N_("Convolution: finds patterns in small patches") },
  { "|DEPTHWISE_CONV_2D|", N_("Depthwise convolution: finds patterns in each channel") },
  { "|Gemm|MatMul|FULLY_CONNECTED|", N_("Fully connected: weighs every value it gets") },
  { "|Relu|RELU|RELU6|Clip|LeakyRelu|PRelu|", N_("Activation: keeps the positive values") },
  { "|Sigmoid|LOGISTIC|Tanh|TANH|HardSigmoid|HardSwish|HARD_SWISH|Elu|Selu|Softplus|",
    N_("Activation: squeezes values into a range") },
  { "|MaxPool|AveragePool|GlobalAveragePool|GlobalMaxPool|MAX_POOL_2D|AVERAGE_POOL_2D|MEAN|",
    N_("Pooling: makes the picture smaller") },
  { "|Softmax|SOFTMAX|LogSoftmax|", N_("Softmax: turns scores into probabilities") },
  { "|Reshape|Flatten|Transpose|Squeeze|Unsqueeze|RESHAPE|TRANSPOSE|",
    N_("Reshaping: arranges the values differently") },
  { "|Add|Sub|Mul|Div|Sum|ADD|MUL|", N_("Arithmetic: adds or multiplies values") },
  { "|BatchNormalization|LayerNormalization|InstanceNormalization|",
    N_("Normalization: rescales the values") },
  { "|Concat|CONCATENATION|", N_("Joining: puts values side by side") },
  { "|Pad|PAD|", N_("Padding: adds a border") },
  { "|QuantizeLinear|DequantizeLinear|QUANTIZE|DEQUANTIZE|",
    N_("Conversion between whole numbers and real numbers") },
};

static const char *op_description(const char *op)
{
  g_autofree char *key = g_strdup_printf("|%s|", op);

  for (guint i = 0; i < G_N_ELEMENTS(op_words); i++)
    if (strstr(op_words[i].ops, key) != NULL)
      return _(op_words[i].text);
  return NULL;
}

/* ---- building the summary ---------------------------------------------- */

static void add_icon(GtkWidget *row, const char *icon_name, const char *css_class)
{
  GtkWidget *image = gtk_image_new_from_icon_name(icon_name);

  gtk_accessible_update_property(GTK_ACCESSIBLE(image), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_valign(image, GTK_ALIGN_CENTER);
  if (css_class != NULL)
    gtk_widget_add_css_class(image, css_class);
  adw_action_row_add_prefix(ADW_ACTION_ROW(row), image);
}

static void add_tensor_rows(GtkWidget *group, GPtrArray *tensors, gboolean inputs)
{
  for (guint i = 0; i < tensors->len; i++) {
    const QzTensorInfo *t = g_ptr_array_index(tensors, i);
    g_autofree char *shape = qz_tensor_info_shape_text(t);
    g_autofree char *plain = qz_tensor_info_describe(t, inputs);
    g_autofree char *subtitle = NULL;

    if (plain != NULL)
      /* Translators: "float32, 1 × 1 × 28 × 28: a 28 × 28 picture in gray levels" */
      subtitle = g_strdup_printf(_("%s, %s: %s"), t->dtype, shape, plain);
    else
      /* Translators: "float32, 1 × 10" (the number type and the shape) */
      subtitle = g_strdup_printf(_("%s, %s"), t->dtype, shape);
    qz_add_value_row(group, t->name, subtitle, NULL);
  }
}

static int compare_op_counts(gconstpointer a, gconstpointer b)
{
  const QzOpCount *x = *(QzOpCount *const *)a;
  const QzOpCount *y = *(QzOpCount *const *)b;

  if (x->count != y->count)
    return x->count < y->count ? 1 : -1;
  return g_strcmp0(x->op, y->op);
}

static void add_op_rows(GtkWidget *group, const QzModelInfo *info)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_copy(info->ops, NULL, NULL);
  gsize max = 1;

  /* The copy borrows the elements. */
  g_ptr_array_set_free_func(sorted, NULL);
  g_ptr_array_sort(sorted, compare_op_counts);
  if (sorted->len > 0)
    max = MAX(((QzOpCount *)g_ptr_array_index(sorted, 0))->count, 1);

  for (guint i = 0; i < sorted->len; i++) {
    const QzOpCount *c = g_ptr_array_index(sorted, i);
    g_autofree char *count = g_strdup_printf("%" G_GSIZE_FORMAT, c->count);
    const char *words = c->supported ? op_description(c->op) : _("Quantizer cannot run this");
    GtkWidget *row = qz_add_value_row(group, c->op, words, NULL);
    GtkWidget *bar = gtk_level_bar_new_for_interval(0, (double)max);
    GtkWidget *label = gtk_label_new(count);

    gtk_level_bar_set_value(GTK_LEVEL_BAR(bar), (double)c->count);
    gtk_widget_set_size_request(bar, 96, -1);
    gtk_widget_set_valign(bar, GTK_ALIGN_CENTER);
    gtk_accessible_update_property(GTK_ACCESSIBLE(bar), GTK_ACCESSIBLE_PROPERTY_LABEL, c->op, -1);
    gtk_widget_add_css_class(label, "numeric");
    gtk_widget_set_valign(label, GTK_ALIGN_CENTER);
    gtk_label_set_width_chars(GTK_LABEL(label), 4);
    gtk_label_set_xalign(GTK_LABEL(label), 1.0);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), bar);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), label);
    if (!c->supported)
      add_icon(row, "dialog-warning-symbolic", "warning");
  }
}

static void set_verdict(QzModelPage *self, const char *icon, const char *css, const char *title,
                        const char *text)
{
  qz_set_verdict(self->verdict_icon, self->verdict_title, self->verdict_text, icon, css, title,
                 text);
}

static void show_info(QzModelPage *self, const QzModelInfo *info)
{
  GtkWidget *group;
  g_autofree char *params = qz_format_count(info->params);
  g_autofree char *bytes = qz_format_bytes((guint64)MAX(info->param_bytes, 0));
  g_autofree char *params_text = NULL;
  g_autofree char *bytes_text = NULL;
  g_autofree char *layers = g_strdup_printf("%" G_GSIZE_FORMAT, info->n_nodes);
  guint n_unsupported = info->unsupported->len;

  qz_remove_children(GTK_WIDGET(self->summary_box));

  if (n_unsupported > 0 || info->unsupported_message != NULL)
    set_verdict(self, "dialog-warning-symbolic", "warning",
                _("Some parts of this model cannot be run"),
                _("Quantizer can show this model, but it cannot quantize it until the parts "
                  "listed below are replaced."));
  else if (info->quantized)
    set_verdict(self, "dialog-information-symbolic", "accent", _("This model is quantized already"),
                _("Quantizer is made to quantize models that use real numbers. You can still "
                  "look at this one and measure it."));
  else
    set_verdict(self, "object-select-symbolic", "success",
                _("Quantizer can run every part of this model"),
                _("Next, choose the examples to tune and test it with."));

  /* Summary */
  group = qz_add_group(self->summary_box, _("Summary"), NULL);
  /* Translators: e.g. "1.2 million numbers" (the weights of the model) */
  params_text = g_strdup_printf(_("%s numbers"), params);
  /* Translators: e.g. "97.3 kB in the file" */
  bytes_text = g_strdup_printf(_("%s in the file"), bytes);
  qz_add_value_row(group, _("Weights"), bytes_text, params_text);
  if (info->macs >= 0) {
    g_autofree char *macs = qz_format_count(info->macs);
    /* Translators: e.g. "2.1 million" multiplications to process one example */
    g_autofree char *macs_text = g_strdup_printf(_("%s multiplications"), macs);

    qz_add_value_row(group, _("Work for one example"),
                     _("Multiplications and additions to process one input"), macs_text);
  } else {
    qz_add_value_row(group, _("Work for one example"), _("Cannot be counted for this model"), NULL);
  }
  qz_add_value_row(group, _("Layers"), _("Steps of computation in the model"), layers);
  qz_add_value_row(group, _("Format"), info->details, NULL);

  /* Inputs and outputs */
  if (info->inputs->len > 0) {
    group = qz_add_group(self->summary_box,
                         g_dngettext(GETTEXT_PACKAGE, "Input", "Inputs", info->inputs->len),
                         _("What the model expects to be given"));
    add_tensor_rows(group, info->inputs, TRUE);
  }
  if (info->outputs->len > 0) {
    group = qz_add_group(self->summary_box,
                         g_dngettext(GETTEXT_PACKAGE, "Output", "Outputs", info->outputs->len),
                         _("What the model answers"));
    add_tensor_rows(group, info->outputs, FALSE);
  }

  /* What cannot be run */
  if (n_unsupported > 0 || info->unsupported_message != NULL) {
    guint shown = MIN(n_unsupported, 50);
    GtkWidget *row;

    group = qz_add_group(self->summary_box, _("What Cannot Be Run"),
                         _("Export the model again using only standard operations (for PyTorch, "
                           "torch.onnx.export with opset_version 13 or newer), or replace these "
                           "layers with common ones such as convolutions and fully connected "
                           "layers."));
    for (guint i = 0; i < shown; i++) {
      const QzUnsupportedNode *u = g_ptr_array_index(info->unsupported, i);

      row = qz_add_value_row(group, u->node[0] != '\0' ? u->node : _("(unnamed)"), u->op, NULL);
      add_icon(row, "dialog-warning-symbolic", "warning");
    }
    if (n_unsupported > shown) {
      g_autofree char *more =
          g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "and %u more part", "and %u more parts",
                                      n_unsupported - shown),
                          n_unsupported - shown);

      qz_add_value_row(group, more, NULL, NULL);
    }
    if (n_unsupported == 0 && info->unsupported_message != NULL) {
      row = qz_add_value_row(group, info->unsupported_message, NULL, NULL);
      add_icon(row, "dialog-warning-symbolic", "warning");
    }
  }

  /* Operations */
  if (info->ops->len > 0) {
    group =
        qz_add_group(self->summary_box, _("Operations"), _("What the model does, counted by kind"));
    add_op_rows(group, info);
  }

  /* Warnings from the reader */
  if (info->warnings->len > 0) {
    group = qz_add_group(self->summary_box, _("Warnings"), NULL);
    for (guint i = 0; i < info->warnings->len; i++) {
      GtkWidget *row = qz_add_value_row(group, g_ptr_array_index(info->warnings, i), NULL, NULL);

      add_icon(row, "dialog-warning-symbolic", "warning");
    }
  }

  gtk_widget_set_visible(self->verdict_box, TRUE);
}

/* ---- loading ------------------------------------------------------------ */

static void update_file_row(QzModelPage *self, GFile *file)
{
  g_autofree char *base = g_file_get_basename(file);
  g_autofree char *name = g_markup_escape_text(base, -1);
  g_autofree char *folder = NULL;
  g_autofree char *size = NULL;
  g_autoptr(GFile) parent = g_file_get_parent(file);
  g_autoptr(GFileInfo) info = NULL;

  if (parent != NULL)
    folder = g_file_get_parse_name(parent);
  info =
      g_file_query_info(file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL)
    size = qz_format_bytes((guint64)g_file_info_get_size(info));
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->file_row), name);
  adw_action_row_set_subtitle(self->file_row, folder);
  gtk_label_set_label(self->size_label, size != NULL ? size : _("Cannot be read"));
}

static gpointer load_worker(QzJob *job, gpointer task_data, GCancellable *cancellable,
                            GError **error)
{
  return qz_model_info_load(task_data, qz_job_progress_cb, job, error);
}

static void load_done_cb(GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QzModelPage) self = user_data;
  g_autoptr(QzModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = qz_job_run_finish(QZ_JOB(object), result, &error);
  if (self->stack == NULL) /* disposed meanwhile */
    return;
  gtk_spinner_stop(self->spinner);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);

  if (self->reload || self->project == NULL) {
    self->reload = FALSE;
    qz_model_page_load(self);
    return;
  }

  if (info != NULL) {
    show_info(self, info);
    qz_project_set_model_info(self->project, info);
    gtk_stack_set_visible_child_name(self->stack, "model");
    return;
  }

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    adw_status_page_set_title(self->error_page, _("Reading Was Stopped"));
    adw_status_page_set_description(self->error_page,
                                    _("The model was not read to the end. Try again, or open "
                                      "another model."));
  } else {
    adw_status_page_set_title(self->error_page, _("This Model Cannot Be Read"));
    {
      g_autofree char *escaped = g_markup_escape_text(error->message, -1);

      adw_status_page_set_description(self->error_page, escaped);
    }
  }
  qz_project_set_model_error(self->project, error->message);
  gtk_stack_set_visible_child_name(self->stack, "error");
}

static void qz_model_page_load(QzModelPage *self)
{
  GFile *file = self->project != NULL ? qz_project_get_model_file(self->project) : NULL;
  GtkRoot *root;
  GCancellable *cancellable = NULL;

  if (qz_job_get_busy(self->job)) {
    /* Finish the current read first; it is told to stop. */
    self->reload = TRUE;
    g_cancellable_cancel(self->cancellable);
    return;
  }

  qz_remove_children(GTK_WIDGET(self->summary_box));
  if (file == NULL || g_file_peek_path(file) == NULL) {
    gtk_stack_set_visible_child_name(self->stack, file == NULL ? "empty" : "error");
    if (file != NULL) {
      adw_status_page_set_title(self->error_page, _("This Model Cannot Be Read"));
      adw_status_page_set_description(self->error_page,
                                      _("Only files on this computer can be opened."));
    }
    return;
  }

  update_file_row(self, file);
  gtk_widget_set_visible(self->verdict_box, FALSE);

  root = gtk_widget_get_root(GTK_WIDGET(self));
  if (root != NULL && QZ_IS_WINDOW(root))
    cancellable = qz_window_get_cancellable(QZ_WINDOW(root));
  g_clear_object(&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref(cancellable) : g_cancellable_new();

  g_free(self->loading_path);
  self->loading_path = g_file_get_path(file);
  gtk_stack_set_visible_child_name(self->stack, "loading");
  gtk_spinner_start(self->spinner);
  qz_job_run_async(self->job, load_worker, g_strdup(self->loading_path), g_free,
                   (GDestroyNotify)qz_model_info_unref, self->cancellable, load_done_cb,
                   g_object_ref(self));
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_BUSY]);
}

static void model_file_changed_cb(QzModelPage *self)
{
  qz_model_page_load(self);
}

static void reload_clicked_cb(QzModelPage *self, GtkButton *button)
{
  qz_model_page_load(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_model_page_dispose(GObject *object)
{
  QzModelPage *self = QZ_MODEL_PAGE(object);

  qz_page_dispose(ADW_BIN(self), QZ_TYPE_MODEL_PAGE, &self->project, &self->cancellable);

  G_OBJECT_CLASS(qz_model_page_parent_class)->dispose(object);
}

static void qz_model_page_finalize(GObject *object)
{
  QzModelPage *self = QZ_MODEL_PAGE(object);

  g_clear_object(&self->job);
  g_clear_pointer(&self->loading_path, g_free);

  G_OBJECT_CLASS(qz_model_page_parent_class)->finalize(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-model-page.ui",
  .get_project = (QzPageGetProject)qz_model_page_get_project,
  .set_project = (QzPageSetProject)qz_model_page_set_project,
  .get_busy = (QzPageGetBusy)qz_model_page_get_busy,
};

static void qz_model_page_class_init(QzModelPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_model_page_dispose;
  object_class->finalize = qz_model_page_finalize;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzModelPage, stack);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, loading_page);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, spinner);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, error_page);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, file_row);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, size_label);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, verdict_box);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, verdict_icon);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, verdict_title);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, verdict_text);
  gtk_widget_class_bind_template_child(widget_class, QzModelPage, summary_box);
  gtk_widget_class_bind_template_callback(widget_class, reload_clicked_cb);
}

static void qz_model_page_init(QzModelPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  qz_fix_button_names(self);
  self->job = qz_job_new();
  g_object_bind_property(self->job, "message", self->loading_page, "description",
                         G_BINDING_DEFAULT);
}

GtkWidget *qz_model_page_new(void)
{
  return g_object_new(QZ_TYPE_MODEL_PAGE, NULL);
}

QzProject *qz_model_page_get_project(QzModelPage *self)
{
  g_return_val_if_fail(QZ_IS_MODEL_PAGE(self), NULL);
  return self->project;
}

void qz_model_page_set_project(QzModelPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_MODEL_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL)
    g_signal_connect_object(project, "notify::model-file", G_CALLBACK(model_file_changed_cb), self,
                            G_CONNECT_SWAPPED);
  qz_model_page_load(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

gboolean qz_model_page_get_busy(QzModelPage *self)
{
  g_return_val_if_fail(QZ_IS_MODEL_PAGE(self), FALSE);
  return qz_job_get_busy(self->job);
}
