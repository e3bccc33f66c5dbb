/* qz-quantizer-page.c - step 4: how the numbers are made smaller.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A simple mode offers the settings recommended for the chosen board (from
 * its description in targets/) or, without a board, settings every board
 * runs. The advanced mode shows every setting of the engine's quantization
 * section, each with a one-line explanation. Every change is checked at
 * once as `qz run` would check it, against the board's limits too; what
 * does not work together is said above the settings, not silently blocked.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "qe/qe_board.h"
#include "qz-page-common.h"
#include "qz-quantizer-page.h"
#include "qz-utils.h"

typedef struct {
  const char *key;
  const char *title;
  const char *subtitle;
  const char *fallback;  /* the engine's default when the key is absent */
  const char *values[6]; /* YAML spellings */
  const char *labels[6]; /* what the person sees */
} ChoiceSetting;

static const ChoiceSetting choices[] = {
  { "quantization.quantizer",
    N_("Format"),
    N_("The file the quantized model is saved as"),
    "TFlite_converter",
    { "TFlite_converter", "Onnx_quantizer" },
    { N_("TensorFlow Lite: for microcontrollers"), N_("ONNX with quantization nodes") } },
  { "quantization.calibration_method",
    N_("Ranges From the Examples"),
    N_("How the range of values of each layer is chosen from the examples"),
    "minmax",
    { "minmax", "moving-average", "percentile", "entropy", "mse" },
    { N_("Everything seen (min–max)"), N_("Average of each batch"),
      N_("All but the rarest values (percentile)"), N_("Least information lost (entropy)"),
      N_("Least error (MSE)") } },
  { "quantization.granularity",
    N_("Scales of the Weights"),
    N_("One scale for each output channel is finer; one per layer is simpler for some chips"),
    "per_channel",
    { "per_channel", "per_tensor" },
    { N_("One per channel"), N_("One per layer") } },
  { "quantization.quantization_input_type",
    N_("Input Numbers"),
    N_("What the quantized model takes: whole numbers, or real numbers it converts itself"),
    "int8",
    { "int8", "uint8", "float" },
    { N_("Whole numbers from −128 to 127"), N_("Whole numbers from 0 to 255"),
      N_("Real numbers") } },
  { "quantization.quantization_output_type",
    N_("Output Numbers"),
    N_("What the quantized model answers with"),
    "int8",
    { "int8", "uint8", "float" },
    { N_("Whole numbers from −128 to 127"), N_("Whole numbers from 0 to 255"),
      N_("Real numbers") } },
  { "quantization.weight_bits",
    N_("Bits per Weight"),
    N_("Fewer bits make the model smaller, but less precise"),
    "8",
    { "8", "4", "2" },
    { N_("8 bits"), N_("4 bits"), N_("2 bits") } },
  { "quantization.activation_bits",
    N_("Bits per Value Between Layers"),
    N_("Fewer bits need less working memory, but lose more precision"),
    "8",
    { "8", "4" },
    { N_("8 bits"), N_("4 bits") } },
};

typedef struct {
  const char *key;
  const char *title;
  const char *subtitle;
} SwitchSetting;

static const SwitchSetting switches[] = {
  { "quantization.power_of_two", N_("Scales Are Powers of Two"),
    N_("Some chips (NPUs) can only shift bits instead of multiplying") },
  { "quantization.equalization", N_("Balance the Layers First"),
    N_("Evens out the ranges of weights between neighbouring layers before quantizing") },
  { "quantization.bias_correction", N_("Correct the Shift From Rounding"),
    N_("Moves each layer’s output back where it was before the weights were rounded") },
};

struct _QzQuantizerPage {
  AdwBin parent_instance;

  /* Template widgets */
  AdwActionRow *recommended_row;
  GtkWidget *use_button;
  GtkSwitch *advanced_switch;
  GtkWidget *problem_group;
  AdwActionRow *problem_row;
  GtkWidget *advanced_group;

  /* Borrowed: rows in advanced_group */
  AdwComboRow *choice_rows[G_N_ELEMENTS(choices)];
  GtkSwitch *switch_widgets[G_N_ELEMENTS(switches)];
  GtkWidget *percentile_row;
  GtkSpinButton *percentile_spin;

  /* Owned references */
  QzProject *project;
  qe_board *board; /* the chosen board's description, or NULL */
  gboolean updating;
};

G_DEFINE_FINAL_TYPE(QzQuantizerPage, qz_quantizer_page, ADW_TYPE_BIN)

enum { PROP_PROJECT = QZ_PAGE_PROP_PROJECT, N_PROPS };

static GParamSpec *properties[N_PROPS];

/* ---- the recommended settings ------------------------------------------ */

typedef struct {
  const char *quantizer, *granularity, *input, *output, *weight_bits, *activation_bits;
  gboolean power_of_two;
} Recommended;

static Recommended recommended(QzQuantizerPage *self)
{
  static char wbits[8], abits[8];
  Recommended r = { NULL, "per_channel", "int8", "int8", "8", "8", FALSE };
  const qe_board *b = self->board;

  if (b != NULL) {
    /* Microcontrollers run TensorFlow Lite models. */
    r.quantizer = "TFlite_converter";
    /* Board files write "per-channel"; configurations "per_channel". */
    if (b->q_granularity != NULL)
      r.granularity = strstr(b->q_granularity, "tensor") != NULL ? "per_tensor" : "per_channel";
    if (b->q_input_type != NULL)
      r.input = b->q_input_type;
    if (b->q_output_type != NULL)
      r.output = b->q_output_type;
    if (b->q_weight_bits > 0) {
      g_snprintf(wbits, sizeof wbits, "%d", b->q_weight_bits);
      r.weight_bits = wbits;
    }
    if (b->q_activation_bits > 0) {
      g_snprintf(abits, sizeof abits, "%d", b->q_activation_bits);
      r.activation_bits = abits;
    }
    r.power_of_two = b->q_power_of_two;
  }
  return r;
}

static const char *value_of(QzQuantizerPage *self, const char *key, const char *fallback)
{
  const char *v = self->project != NULL ? qz_project_get_string(self->project, key) : NULL;

  return v != NULL ? v : fallback;
}

static gboolean uses_recommended(QzQuantizerPage *self)
{
  Recommended r = recommended(self);

  return (r.quantizer == NULL ||
          g_str_equal(value_of(self, "quantization.quantizer", "TFlite_converter"), r.quantizer)) &&
         g_str_equal(value_of(self, "quantization.granularity", "per_channel"), r.granularity) &&
         g_str_equal(value_of(self, "quantization.quantization_input_type", "int8"), r.input) &&
         g_str_equal(value_of(self, "quantization.quantization_output_type", "int8"), r.output) &&
         g_str_equal(value_of(self, "quantization.weight_bits", "8"), r.weight_bits) &&
         g_str_equal(value_of(self, "quantization.activation_bits", "8"), r.activation_bits) &&
         qz_project_get_boolean(self->project, "quantization.power_of_two", FALSE) ==
             r.power_of_two &&
         g_str_equal(value_of(self, "quantization.calibration_method", "minmax"), "minmax");
}

static void use_recommended_clicked_cb(QzQuantizerPage *self)
{
  Recommended r = recommended(self);
  QzProject *p = self->project;

  if (p == NULL)
    return;
  if (r.quantizer != NULL)
    qz_project_set_string(p, "quantization.quantizer", r.quantizer);
  qz_project_set_string(p, "quantization.granularity", r.granularity);
  qz_project_set_string(p, "quantization.quantization_input_type", r.input);
  qz_project_set_string(p, "quantization.quantization_output_type", r.output);
  qz_project_set_string(p, "quantization.weight_bits", r.weight_bits);
  qz_project_set_string(p, "quantization.activation_bits", r.activation_bits);
  qz_project_set_boolean(p, "quantization.power_of_two", r.power_of_two);
  qz_project_set_string(p, "quantization.calibration_method", "minmax");
  if (qz_project_get_string(p, "quantization.extra_options") != NULL)
    qz_project_set_string(p, "quantization.extra_options", NULL);
}

/* ---- showing the project's settings ------------------------------------ */

static void load_board(QzQuantizerPage *self)
{
  const char *id =
      self->project != NULL ? qz_project_get_string(self->project, "quantization.board") : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  qe_ctx *ctx;

  if (self->board != NULL && id != NULL && g_strcmp0(self->board->id, id) == 0)
    return;
  g_clear_pointer(&self->board, qe_board_free);
  if (id == NULL || (dir = qz_find_boards_dir()) == NULL)
    return;
  /* One small YAML file: read here. */
  path = g_strdup_printf("%s/%s.yaml", dir, id);
  ctx = qe_ctx_new();
  if (qe_board_load(path, &self->board, ctx) != QE_OK)
    self->board = NULL;
  qe_ctx_free(ctx);
}

/* Check the settings as a run would, and against the board. */
static void check_settings(QzQuantizerPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;
  qe_config *cfg = qz_project_load_config(self->project, FALSE, &error);

  if (cfg == NULL) {
    /* Only what this page can fix: the quantization section. */
    if (strstr(error->message, "quantization.") != NULL)
      problem = g_strdup(error->message);
  } else if (self->board != NULL) {
    qe_config_target target = { 0 };
    qe_ctx *ctx = qe_ctx_new();

    target.id = self->board->id;
    target.per_tensor_only = self->board->c_per_tensor_weights;
    target.needs_power_of_two = self->board->c_power_of_two_scales;
    for (size_t i = 0; i < self->board->n_weight_bits; i++)
      target.weight_bits |= 1u << self->board->weight_bits[i];
    for (size_t i = 0; i < self->board->n_activation_bits; i++)
      target.activation_bits |= 1u << self->board->activation_bits[i];
    if (qe_config_check_target(cfg, &target, ctx) != QE_OK)
      problem = g_strdup(qe_ctx_error(ctx));
    qe_ctx_free(ctx);
  }
  qe_config_free(cfg);

  gtk_widget_set_visible(self->problem_group, problem != NULL);
  if (problem != NULL)
    adw_action_row_set_subtitle(self->problem_row, problem);
  if (problem != NULL && !gtk_switch_get_active(self->advanced_switch))
    gtk_switch_set_active(self->advanced_switch, TRUE);
}

static void update_from_project(QzQuantizerPage *self)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  Recommended r;
  gboolean in_use;

  if (self->project == NULL)
    return;
  load_board(self);
  r = recommended(self);
  self->updating = TRUE;

  if (self->board != NULL)
    /* Translators: %s is a board, e.g. "Recommended for NUCLEO-F446RE" */
    title = g_strdup_printf(_("Recommended for %s"),
                            self->board->name != NULL ? self->board->name : self->board->id);
  else
    title = g_strdup(_("Recommended for Any Board"));
  subtitle = g_strdup_printf(
      /* Translators: "8-bit weights with one scale per channel, 8-bit values between layers,
       * ranges from all the examples" */
      _("%s-bit weights with %s, %s-bit values between layers, ranges from everything the "
        "examples show%s"),
      r.weight_bits,
      g_str_equal(r.granularity, "per_tensor") ? _("one scale per layer")
                                               : _("one scale per channel"),
      r.activation_bits, r.power_of_two ? _(", scales that are powers of two") : "");
  adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->recommended_row), title);
  adw_action_row_set_subtitle(self->recommended_row, subtitle);
  in_use = uses_recommended(self);
  gtk_widget_set_sensitive(self->use_button, !in_use);
  gtk_button_set_label(GTK_BUTTON(self->use_button),
                       in_use ? _("In Use") : _("_Use These Settings"));
  qz_fix_button_names(self->use_button);

  for (guint i = 0; i < G_N_ELEMENTS(choices); i++) {
    const char *v = value_of(self, choices[i].key, choices[i].fallback);
    guint selected = 0;

    for (guint j = 0; choices[i].values[j] != NULL; j++)
      if (g_str_equal(choices[i].values[j], v))
        selected = j;
    adw_combo_row_set_selected(self->choice_rows[i], selected);
  }
  for (guint i = 0; i < G_N_ELEMENTS(switches); i++)
    gtk_switch_set_active(self->switch_widgets[i],
                          qz_project_get_boolean(self->project, switches[i].key, FALSE));
  gtk_widget_set_visible(
      self->percentile_row,
      g_str_equal(value_of(self, "quantization.calibration_method", "minmax"), "percentile"));
  gtk_spin_button_set_value(
      self->percentile_spin,
      qz_project_get_double(self->project, "quantization.calibration_percentile", 99.999));
  self->updating = FALSE;

  check_settings(self);
}

/* ---- editing ------------------------------------------------------------ */

static void choice_changed_cb(AdwComboRow *row, GParamSpec *pspec, QzQuantizerPage *self)
{
  const ChoiceSetting *c = g_object_get_data(G_OBJECT(row), "setting");
  guint selected = adw_combo_row_get_selected(row);

  if (self->updating || self->project == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;
  qz_project_set_string(self->project, c->key, c->values[selected]);
  /* The model zoo's way to ask for moving-average calibration would
   * contradict the method chosen here. */
  if (g_str_equal(c->key, "quantization.calibration_method") &&
      qz_project_get_string(self->project, "quantization.extra_options") != NULL)
    qz_project_set_string(self->project, "quantization.extra_options", NULL);
}

static void switch_changed_cb(GtkSwitch *widget, GParamSpec *pspec, QzQuantizerPage *self)
{
  const SwitchSetting *s = g_object_get_data(G_OBJECT(widget), "setting");

  if (self->updating || self->project == NULL)
    return;
  qz_project_set_boolean(self->project, s->key, gtk_switch_get_active(widget));
}

static void percentile_changed_cb(QzQuantizerPage *self)
{
  if (self->updating || self->project == NULL)
    return;
  qz_project_set_double(self->project, "quantization.calibration_percentile",
                        gtk_spin_button_get_value(self->percentile_spin));
}

static void build_rows(QzQuantizerPage *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP(self->advanced_group);

  for (guint i = 0; i < G_N_ELEMENTS(choices); i++) {
    GtkStringList *model = gtk_string_list_new(NULL);
    GtkWidget *row = adw_combo_row_new();

    for (guint j = 0; choices[i].labels[j] != NULL; j++)
      gtk_string_list_append(model, _(choices[i].labels[j]));
    adw_combo_row_set_model(ADW_COMBO_ROW(row), G_LIST_MODEL(model));
    g_object_unref(model);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _(choices[i].title));
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), _(choices[i].subtitle));
    g_object_set_data(G_OBJECT(row), "setting", (gpointer)&choices[i]);
    g_signal_connect(row, "notify::selected", G_CALLBACK(choice_changed_cb), self);
    adw_preferences_group_add(group, row);
    self->choice_rows[i] = ADW_COMBO_ROW(row);

    if (g_str_equal(choices[i].key, "quantization.calibration_method")) {
      GtkWidget *spin = gtk_spin_button_new_with_range(50, 100, 0.001);

      self->percentile_row = adw_action_row_new();
      adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->percentile_row),
                                    _("Percentile Kept"));
      adw_action_row_set_subtitle(ADW_ACTION_ROW(self->percentile_row),
                                  _("Values beyond this percentile are clipped to the range"));
      gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spin), 3);
      gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
      gtk_accessible_update_property(GTK_ACCESSIBLE(spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                     _("Percentile kept"), -1);
      adw_action_row_add_suffix(ADW_ACTION_ROW(self->percentile_row), spin);
      adw_action_row_set_activatable_widget(ADW_ACTION_ROW(self->percentile_row), spin);
      self->percentile_spin = GTK_SPIN_BUTTON(spin);
      g_signal_connect_swapped(spin, "value-changed", G_CALLBACK(percentile_changed_cb), self);
      adw_preferences_group_add(group, self->percentile_row);
    }
  }
  for (guint i = 0; i < G_N_ELEMENTS(switches); i++) {
    GtkWidget *row = adw_action_row_new();
    GtkWidget *sw = gtk_switch_new();

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _(switches[i].title));
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), _(switches[i].subtitle));
    gtk_widget_set_valign(sw, GTK_ALIGN_CENTER);
    gtk_accessible_update_property(GTK_ACCESSIBLE(sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _(switches[i].title), -1);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), sw);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), sw);
    g_object_set_data(G_OBJECT(sw), "setting", (gpointer)&switches[i]);
    g_signal_connect(sw, "notify::active", G_CALLBACK(switch_changed_cb), self);
    adw_preferences_group_add(group, row);
    self->switch_widgets[i] = GTK_SWITCH(sw);
  }
}

static void quantization_changed_cb(QzQuantizerPage *self)
{
  update_from_project(self);
}

/* ---- GObject ------------------------------------------------------------ */

static void qz_quantizer_page_dispose(GObject *object)
{
  QzQuantizerPage *self = QZ_QUANTIZER_PAGE(object);

  qz_page_dispose(ADW_BIN(self), QZ_TYPE_QUANTIZER_PAGE, &self->project, NULL);
  g_clear_pointer(&self->board, qe_board_free);

  G_OBJECT_CLASS(qz_quantizer_page_parent_class)->dispose(object);
}

static const QzPageInfo page_info = {
  .resource = "/io/github/quantizer/Quantizer/qz-quantizer-page.ui",
  .get_project = (QzPageGetProject)qz_quantizer_page_get_project,
  .set_project = (QzPageSetProject)qz_quantizer_page_set_project,
};

static void qz_quantizer_page_class_init(QzQuantizerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_quantizer_page_dispose;

  qz_page_class_install(widget_class, &page_info, properties, N_PROPS);

  gtk_widget_class_bind_template_child(widget_class, QzQuantizerPage, recommended_row);
  gtk_widget_class_bind_template_child(widget_class, QzQuantizerPage, use_button);
  gtk_widget_class_bind_template_child(widget_class, QzQuantizerPage, advanced_switch);
  gtk_widget_class_bind_template_child(widget_class, QzQuantizerPage, problem_group);
  gtk_widget_class_bind_template_child(widget_class, QzQuantizerPage, problem_row);
  gtk_widget_class_bind_template_child(widget_class, QzQuantizerPage, advanced_group);
  gtk_widget_class_bind_template_callback(widget_class, use_recommended_clicked_cb);
}

static void qz_quantizer_page_init(QzQuantizerPage *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
  build_rows(self);
  qz_fix_button_names(self);
}

GtkWidget *qz_quantizer_page_new(void)
{
  return g_object_new(QZ_TYPE_QUANTIZER_PAGE, NULL);
}

QzProject *qz_quantizer_page_get_project(QzQuantizerPage *self)
{
  g_return_val_if_fail(QZ_IS_QUANTIZER_PAGE(self), NULL);
  return self->project;
}

void qz_quantizer_page_set_project(QzQuantizerPage *self, QzProject *project)
{
  g_return_if_fail(QZ_IS_QUANTIZER_PAGE(self));
  g_return_if_fail(project == NULL || QZ_IS_PROJECT(project));

  if (!qz_page_swap_project(self, &self->project, project))
    return;
  if (project != NULL) {
    qz_page_connect_project(project, self, G_CALLBACK(quantization_changed_cb),
                            "changed::quantization", "changed::model", NULL);
    /* A file whose settings differ from the recommended ones opens in the
     * advanced mode, so that they can be seen. */
    gtk_switch_set_active(self->advanced_switch, FALSE);
    update_from_project(self);
    if (!uses_recommended(self))
      gtk_switch_set_active(self->advanced_switch, TRUE);
  }
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_PROJECT]);
}

const char *qz_quantizer_page_get_problem(QzQuantizerPage *self)
{
  g_return_val_if_fail(QZ_IS_QUANTIZER_PAGE(self), NULL);
  if (!gtk_widget_get_visible(self->problem_group))
    return NULL;
  return adw_action_row_get_subtitle(self->problem_row);
}
