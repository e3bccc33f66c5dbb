/* generated_model.c - the model slot around a generated C module.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * engine/codegen writes model.h / model.c (weights, multipliers, a static
 * arena and `int model_run(const int8_t *in, int8_t *out)` on the engine's
 * own kernels); `qz deploy` compiles them with this adapter into the
 * runner. QR_MODEL_NAME and QR_MODEL_ID (CRC-32 of model.c, reported in
 * HELLO) come from the build command.
 */
#include <stdint.h>

#include "model.h"
#include "model_slot.h"

#ifndef QR_MODEL_NAME
#define QR_MODEL_NAME "model"
#endif
#ifndef QR_MODEL_ID
#define QR_MODEL_ID 0u
#endif

static int8_t input[MODEL_INPUT_SIZE];
static int8_t output[MODEL_OUTPUT_SIZE];

static const qr_model_info info = {
  QR_MODEL_NAME,
  MODEL_INPUT_SIZE,
  MODEL_OUTPUT_SIZE,
  MODEL_ARENA_SIZE,
};

int qr_model_init(void)
{
  return 0;
}

const qr_model_info *qr_model_get_info(void)
{
  return &info;
}

int8_t *qr_model_input(void)
{
  return input;
}

int8_t *qr_model_output(void)
{
  return output;
}

uint32_t qr_model_id(void)
{
  return QR_MODEL_ID;
}

int qr_model_run(void)
{
  return model_run(input, output);
}
