/* qz-step-row.c - one step in the wizard's sidebar: number, title, state.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The badge at the start of the row shows the step's number, or a check
 * mark once the step is done, or a warning when something there needs
 * fixing. The accessible label says the same in words ("Step 2: Data,
 * done"), so screen readers hear what sighted people see.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "qz-step-row.h"

struct _QzStepRow {
  GtkListBoxRow parent_instance;

  /* Template widgets */
  GtkWidget *badge;
  GtkLabel *number_label;
  GtkImage *badge_image;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;

  /* Owned */
  char *id;
  char *icon_name;
  guint number;
  QzStepState state;
  gboolean current;
};

G_DEFINE_ENUM_TYPE(QzStepState, qz_step_state, G_DEFINE_ENUM_VALUE(QZ_STEP_STATE_TODO, "todo"),
                   G_DEFINE_ENUM_VALUE(QZ_STEP_STATE_DONE, "done"),
                   G_DEFINE_ENUM_VALUE(QZ_STEP_STATE_ATTENTION, "attention"),
                   G_DEFINE_ENUM_VALUE(QZ_STEP_STATE_UNAVAILABLE, "unavailable"))

G_DEFINE_FINAL_TYPE(QzStepRow, qz_step_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_ID,
  PROP_NUMBER,
  PROP_TITLE,
  PROP_SUBTITLE,
  PROP_ICON_NAME,
  PROP_STATE,
  PROP_CURRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void qz_step_row_update(QzStepRow *self)
{
  static const char *const state_classes[] = { "todo", "done", "attention", "unavailable" };
  g_autofree char *number = NULL;
  g_autofree char *label = NULL;
  const char *title = gtk_label_get_label(self->title_label);
  const char *state_words = NULL;

  for (guint i = 0; i < G_N_ELEMENTS(state_classes); i++)
    gtk_widget_remove_css_class(self->badge, state_classes[i]);
  gtk_widget_add_css_class(self->badge, state_classes[self->state]);

  if (self->number > 0)
    number = g_strdup_printf("%u", self->number);
  gtk_label_set_label(self->number_label, number != NULL ? number : "");

  switch (self->state) {
  case QZ_STEP_STATE_DONE:
    gtk_image_set_from_icon_name(self->badge_image, "object-select-symbolic");
    /* Translators: said by screen readers after a step's name */
    state_words = _("done");
    break;
  case QZ_STEP_STATE_ATTENTION:
    gtk_image_set_from_icon_name(self->badge_image, "dialog-warning-symbolic");
    /* Translators: said by screen readers after a step's name */
    state_words = _("needs attention");
    break;
  case QZ_STEP_STATE_UNAVAILABLE:
    /* Translators: said by screen readers after a step's name */
    state_words = _("not available yet");
    G_GNUC_FALLTHROUGH;
  case QZ_STEP_STATE_TODO:
  default:
    gtk_image_set_from_icon_name(self->badge_image, self->number == 0 ? self->icon_name : NULL);
    break;
  }
  gtk_widget_set_visible(GTK_WIDGET(self->number_label),
                         self->number > 0 && (self->state == QZ_STEP_STATE_TODO ||
                                              self->state == QZ_STEP_STATE_UNAVAILABLE));
  gtk_widget_set_visible(GTK_WIDGET(self->badge_image),
                         !gtk_widget_get_visible(GTK_WIDGET(self->number_label)));

  if (self->number > 0 && state_words != NULL)
    /* Translators: the accessible name of a step in the sidebar, e.g. "Step 2: Data, done" */
    label = g_strdup_printf(_("Step %u: %s, %s"), self->number, title, state_words);
  else if (self->number > 0)
    /* Translators: the accessible name of a step in the sidebar, e.g. "Step 2: Data" */
    label = g_strdup_printf(_("Step %u: %s"), self->number, title);
  else
    label = g_strdup(title);
  gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                 GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                 gtk_label_get_label(self->subtitle_label), -1);
}

static void qz_step_row_finalize(GObject *object)
{
  QzStepRow *self = QZ_STEP_ROW(object);

  g_clear_pointer(&self->id, g_free);
  g_clear_pointer(&self->icon_name, g_free);

  G_OBJECT_CLASS(qz_step_row_parent_class)->finalize(object);
}

static void qz_step_row_dispose(GObject *object)
{
  gtk_widget_dispose_template(GTK_WIDGET(object), QZ_TYPE_STEP_ROW);

  G_OBJECT_CLASS(qz_step_row_parent_class)->dispose(object);
}

static void qz_step_row_get_property(GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec)
{
  QzStepRow *self = QZ_STEP_ROW(object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string(value, self->id);
    break;
  case PROP_NUMBER:
    g_value_set_uint(value, self->number);
    break;
  case PROP_TITLE:
    g_value_set_string(value, gtk_label_get_label(self->title_label));
    break;
  case PROP_SUBTITLE:
    g_value_set_string(value, gtk_label_get_label(self->subtitle_label));
    break;
  case PROP_ICON_NAME:
    g_value_set_string(value, self->icon_name);
    break;
  case PROP_STATE:
    g_value_set_enum(value, self->state);
    break;
  case PROP_CURRENT:
    g_value_set_boolean(value, self->current);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_step_row_set_property(GObject *object, guint prop_id, const GValue *value,
                                     GParamSpec *pspec)
{
  QzStepRow *self = QZ_STEP_ROW(object);

  switch (prop_id) {
  case PROP_ID:
    g_free(self->id);
    self->id = g_value_dup_string(value);
    break;
  case PROP_NUMBER:
    self->number = g_value_get_uint(value);
    qz_step_row_update(self);
    break;
  case PROP_TITLE:
    gtk_label_set_label(self->title_label, g_value_get_string(value));
    qz_step_row_update(self);
    break;
  case PROP_SUBTITLE:
    gtk_label_set_label(self->subtitle_label, g_value_get_string(value));
    gtk_widget_set_visible(GTK_WIDGET(self->subtitle_label), g_value_get_string(value) != NULL);
    qz_step_row_update(self);
    break;
  case PROP_ICON_NAME:
    g_free(self->icon_name);
    self->icon_name = g_value_dup_string(value);
    qz_step_row_update(self);
    break;
  case PROP_STATE:
    qz_step_row_set_state(self, g_value_get_enum(value));
    break;
  case PROP_CURRENT:
    qz_step_row_set_current(self, g_value_get_boolean(value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
}

static void qz_step_row_class_init(QzStepRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose = qz_step_row_dispose;
  object_class->finalize = qz_step_row_finalize;
  object_class->get_property = qz_step_row_get_property;
  object_class->set_property = qz_step_row_set_property;

  properties[PROP_ID] = g_param_spec_string(
      "id", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NUMBER] =
      g_param_spec_uint("number", NULL, NULL, 0, G_MAXUINT, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
      g_param_spec_string("title", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] =
      g_param_spec_string("subtitle", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
      g_param_spec_string("icon-name", NULL, NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
      g_param_spec_enum("state", NULL, NULL, QZ_TYPE_STEP_STATE, QZ_STEP_STATE_TODO,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT] =
      g_param_spec_boolean("current", NULL, NULL, FALSE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource(widget_class,
                                              "/io/github/quantizer/Quantizer/qz-step-row.ui");
  gtk_widget_class_bind_template_child(widget_class, QzStepRow, badge);
  gtk_widget_class_bind_template_child(widget_class, QzStepRow, number_label);
  gtk_widget_class_bind_template_child(widget_class, QzStepRow, badge_image);
  gtk_widget_class_bind_template_child(widget_class, QzStepRow, title_label);
  gtk_widget_class_bind_template_child(widget_class, QzStepRow, subtitle_label);
}

static void qz_step_row_init(QzStepRow *self)
{
  gtk_widget_init_template(GTK_WIDGET(self));
}

GtkWidget *qz_step_row_new(const char *id, guint number, const char *title, const char *subtitle,
                           const char *icon_name)
{
  return g_object_new(QZ_TYPE_STEP_ROW, "id", id, "number", number, "title", title, "subtitle",
                      subtitle, "icon-name", icon_name, NULL);
}

const char *qz_step_row_get_id(QzStepRow *self)
{
  g_return_val_if_fail(QZ_IS_STEP_ROW(self), NULL);
  return self->id;
}

guint qz_step_row_get_number(QzStepRow *self)
{
  g_return_val_if_fail(QZ_IS_STEP_ROW(self), 0);
  return self->number;
}

const char *qz_step_row_get_title(QzStepRow *self)
{
  g_return_val_if_fail(QZ_IS_STEP_ROW(self), NULL);
  return gtk_label_get_label(self->title_label);
}

QzStepState qz_step_row_get_state(QzStepRow *self)
{
  g_return_val_if_fail(QZ_IS_STEP_ROW(self), QZ_STEP_STATE_TODO);
  return self->state;
}

void qz_step_row_set_state(QzStepRow *self, QzStepState state)
{
  g_return_if_fail(QZ_IS_STEP_ROW(self));
  g_return_if_fail(state <= QZ_STEP_STATE_UNAVAILABLE);

  if (self->state == state)
    return;
  self->state = state;
  qz_step_row_update(self);
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STATE]);
}

gboolean qz_step_row_get_current(QzStepRow *self)
{
  g_return_val_if_fail(QZ_IS_STEP_ROW(self), FALSE);
  return self->current;
}

void qz_step_row_set_current(QzStepRow *self, gboolean current)
{
  g_return_if_fail(QZ_IS_STEP_ROW(self));

  current = !!current;
  if (self->current == current)
    return;
  self->current = current;
  if (current)
    gtk_widget_add_css_class(GTK_WIDGET(self), "current");
  else
    gtk_widget_remove_css_class(GTK_WIDGET(self), "current");
  g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_CURRENT]);
}
