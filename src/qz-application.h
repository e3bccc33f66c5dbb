/* qz-application.h - the Quantizer application.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QZ_TYPE_APPLICATION (qz_application_get_type())
G_DECLARE_FINAL_TYPE(QzApplication, qz_application, QZ, APPLICATION, AdwApplication)

/* @flags are added to the application's own (tests pass
 * G_APPLICATION_NON_UNIQUE so they can run side by side). */
QzApplication *qz_application_new(const char *application_id, GApplicationFlags flags);

/* Set up gettext and the app's resources; call once before anything else
 * (main() and the tests do). */
void qz_application_init_i18n(void);

G_END_DECLS
