/* main.c - the entry point of the Quantizer app.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything else lives in the static library the tests link as well.
 */
#include "config.h"

#include <locale.h>

#include "qz-application.h"

int main(int argc, char *argv[])
{
  g_autoptr(QzApplication) app = NULL;

  setlocale(LC_ALL, "");
  qz_application_init_i18n();

  app = qz_application_new(APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  return g_application_run(G_APPLICATION(app), argc, argv);
}
