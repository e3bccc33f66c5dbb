/* model_slot.h - the model the runner executes.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exactly one model slot is linked into a runner image: the built-in
 * self-test model (selftest_model.c, one layer run by the engine's own int8
 * kernels) or the adapter around the C module that `qz` generates for a
 * quantized model. The runner only sees this interface.
 */
#ifndef QR_MODEL_SLOT_H
#define QR_MODEL_SLOT_H

#include <stdint.h>

typedef struct {
  const char *name;      /* shown by the host */
  uint32_t input_bytes;  /* all inputs, concatenated in graph order */
  uint32_t output_bytes; /* all outputs, concatenated in graph order */
  uint32_t arena_bytes;  /* activation arena the model uses */
} qr_model_info;

/* Prepares the model once (precomputes what it needs); 0 on success. */
int qr_model_init(void);
const qr_model_info *qr_model_get_info(void);
/* The model's input and output buffers (input_bytes / output_bytes long). */
int8_t *qr_model_input(void);
int8_t *qr_model_output(void);
/* Runs one inference from qr_model_input() into qr_model_output();
 * 0 on success, a model-specific non-zero code otherwise. */
int qr_model_run(void);
/* CRC-32 (as in PROTOCOL.md) over the model's constant data, so the host
 * can tell that the board runs the model it expects. */
uint32_t qr_model_id(void);

#endif /* QR_MODEL_SLOT_H */
