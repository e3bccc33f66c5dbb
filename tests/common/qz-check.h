/* qz-check.h - the CHECK macro of the engine's C tests: counts the check
 * in `checks` and, when @cond is false, the failure in `failures`,
 * printing "FAIL file:line: " and the printf-style message (on stderr, or
 * on QZ_CHECK_STREAM when the test defines it before including this).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QZ_TESTS_QZ_CHECK_H
#define QZ_TESTS_QZ_CHECK_H

#include <stdio.h>

#ifndef QZ_CHECK_STREAM
#define QZ_CHECK_STREAM stderr
#endif

static int failures, checks;

#define CHECK(cond, ...)                                            \
  do {                                                              \
    checks++;                                                       \
    if (!(cond)) {                                                  \
      failures++;                                                   \
      fprintf(QZ_CHECK_STREAM, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(QZ_CHECK_STREAM, __VA_ARGS__);                        \
      fprintf(QZ_CHECK_STREAM, "\n");                               \
    }                                                               \
  } while (0)

#endif
