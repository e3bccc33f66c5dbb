/* qz-check-fatal.h - the checks of the C tests that stop at the first
 * failure: CHECK(cond) prints "file:line: check failed: cond" on stderr
 * and exits 1; OK(call) does the same when @call does not return QE_OK,
 * with the message of the `ctx` in scope. (qz-check.h counts failures and
 * goes on instead.)
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QZ_TESTS_QZ_CHECK_FATAL_H
#define QZ_TESTS_QZ_CHECK_FATAL_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

#define OK(call)                                                                               \
  do {                                                                                         \
    if ((call) != QE_OK) {                                                                     \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, qe_ctx_error(ctx)); \
      exit(1);                                                                                 \
    }                                                                                          \
  } while (0)

#endif
