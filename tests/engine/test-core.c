/* test-core.c - status strings, error context, progress and cancel.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe.h"
#include "qe_internal.h"
#include "qz-check-fatal.h"

static int cancel_after_two(void *user, double fraction, const char *phase)
{
  int *calls = user;
  (void)fraction;
  (void)phase;
  return ++*calls > 2;
}

int main(void)
{
  for (int s = 0; s < QE_STATUS_COUNT; s++)
    CHECK(strlen(qe_status_to_string((qe_status)s)) > 0);
  CHECK(strcmp(qe_status_to_string((qe_status)999), "Unknown status") == 0);

  qe_ctx *ctx = qe_ctx_new();
  CHECK(ctx);
  CHECK(qe_ctx_status(ctx) == QE_OK && qe_ctx_error(ctx)[0] == '\0');
  CHECK(qe_error(ctx, QE_ERR_PARSE, "model.onnx: byte %d: bad\nvarint", 17) == QE_ERR_PARSE);
  CHECK(strcmp(qe_ctx_error(ctx), "model.onnx: byte 17: bad varint") == 0);
  qe_error_prefix(ctx, "loading %s", "x");
  CHECK(strcmp(qe_ctx_error(ctx), "loading x: model.onnx: byte 17: bad varint") == 0);
  CHECK(qe_ctx_status(ctx) == QE_ERR_PARSE);
  qe_ctx_clear(ctx);
  CHECK(qe_ctx_status(ctx) == QE_OK);

  for (int i = 0; i < 300; i++)
    qe_warn(ctx, "warning %d", i);
  CHECK(qe_ctx_warning_count(ctx) == 256);
  CHECK(strcmp(qe_ctx_warning(ctx, 3), "warning 3") == 0);
  CHECK(qe_ctx_warning(ctx, 999) == NULL);

  int calls = 0;
  qe_ctx_set_progress(ctx, cancel_after_two, &calls);
  CHECK(qe_progress(ctx, 0.1, "calibrating") == QE_OK);
  CHECK(qe_progress(ctx, 0.2, "calibrating") == QE_OK);
  CHECK(qe_progress(ctx, 0.3, "calibrating") == QE_ERR_CANCELLED);
  CHECK(qe_ctx_cancelled(ctx));
  CHECK(strstr(qe_ctx_error(ctx), "calibrating") != NULL);

  void *p = NULL;
  qe_ctx_set_alloc_limit(ctx, 1024);
  CHECK(qe_alloc(ctx, 2048, 1, "a tensor", &p) == QE_ERR_NOMEM && p == NULL);
  CHECK(qe_alloc(ctx, SIZE_MAX / 2, 4, "a tensor", &p) == QE_ERR_NOMEM && p == NULL);
  CHECK(qe_alloc(ctx, 16, 4, "a tensor", &p) == QE_OK && p != NULL);
  free(p);

  qe_ctx_free(ctx);
  qe_ctx_free(NULL);
  CHECK(qe_error(NULL, QE_ERR_IO, "dropped") == QE_ERR_IO);
  printf("engine/core: ok\n");
  return 0;
}
