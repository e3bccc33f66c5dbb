/* qz-page-common.h - the plumbing every step page shares.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each page is its own final AdwBin subclass built from a template, with a
 * "project" property (read-write, notified explicitly) and most with a
 * read-only "busy" property. The pages hand their public setter and busy
 * getter to qz_page_class_install(), which installs both properties and
 * the get_property / set_property that read and write them.
 */
#pragma once

#include <adwaita.h>

#include "qz-project.h"

G_BEGIN_DECLS

/* The ids of the shared properties; a page's own come after them. */
enum { QZ_PAGE_PROP_PROJECT = 1, QZ_PAGE_PROP_BUSY };

typedef void (*QzPageSetProject)(gpointer page, QzProject *project);
typedef QzProject *(*QzPageGetProject)(gpointer page);
typedef gboolean (*QzPageGetBusy)(gpointer page);

/* What a page tells qz_page_class_install(); static, it is kept. */
typedef struct {
  const char *resource; /* the template */
  QzPageGetProject get_project;
  QzPageSetProject set_project;
  QzPageGetBusy get_busy; /* NULL: the page has no "busy" property */
} QzPageInfo;

/* Sets @klass's template from @info's resource and its accessible role
 * (a group), creates "project" at properties[QZ_PAGE_PROP_PROJECT] and, with a
 * get_busy, "busy" at properties[QZ_PAGE_PROP_BUSY], installs these and
 * any further ones the page has put in @properties (@n_properties in all,
 * slot 0 unused), and sets the get_property and set_property of @klass to
 * qz_page_get_property() and qz_page_set_property(). */
void qz_page_class_install(GtkWidgetClass *klass, const QzPageInfo *info, GParamSpec **properties,
                           guint n_properties);

/* The get_property and set_property of the shared properties, for a page
 * with further properties to call for the ids that are not its own. */
void qz_page_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
void qz_page_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec);

/* The start of a page's set_project: FALSE when @project is already in
 * *@slot; otherwise drops @page's handlers on the old project, puts a
 * reference on @project in *@slot and returns TRUE. */
gboolean qz_page_swap_project(gpointer page, QzProject **slot, QzProject *project);

/* Connects @callback, swapped to @page and for as long as @page lives, to
 * each of the signals named after it on @project (NULL-terminated). */
void qz_page_connect_project(QzProject *project, gpointer page, GCallback callback,
                             const char *signal, ...) G_GNUC_NULL_TERMINATED;

/* The end of a page's dispose, before chaining up: cancels *@cancellable
 * (may be NULL) and drops it, drops @page's handlers on *@project and the
 * project, and disposes the template of @type. */
void qz_page_dispose(AdwBin *page, GType type, QzProject **project, GCancellable **cancellable);

G_END_DECLS
