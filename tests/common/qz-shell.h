/* qz-shell.h - sh(): run a printf-formatted shell command (at most 8 KiB)
 * with system(); its status.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QZ_TESTS_QZ_SHELL_H
#define QZ_TESTS_QZ_SHELL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int sh(const char *fmt, ...)
{
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return system(cmd);
}

#endif
