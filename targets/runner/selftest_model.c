/* selftest_model.c - the runner's built-in self-test model.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small int8 CNN run by the engine's own portable kernels
 * (engine/kernels/s8, the very sources the engine and the generated code
 * use): 12x12x3 input -> 3x3 CONV_2D (8 channels, per-channel requant,
 * ReLU) -> 2x2 MAX_POOL_2D -> FULLY_CONNECTED (288 -> 10). Its weights come
 * from a fixed linear congruential sequence, so the host builds the same
 * model from this same file (tests/boards) and compares the board's outputs
 * with its own bit for bit. It is what a runner image holds when no
 * generated model is linked: enough to check a board, its toolchain, the
 * link and the cycle counter end to end.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model_slot.h"
#include "qe_kernels_s8.h"
#include "runner_proto.h"

#define IN_H   12
#define IN_W   12
#define IN_C   3
#define CONV_C 8
#define POOL_H 6
#define POOL_W 6
#define FC_IN  (POOL_H * POOL_W * CONV_C)
#define FC_OUT 10

static int8_t conv_w[CONV_C * 3 * 3 * IN_C];
static int32_t conv_b[CONV_C];
static int32_t conv_mult[CONV_C], conv_shift[CONV_C];
static int8_t fc_w[FC_OUT * FC_IN];
static int32_t fc_b[FC_OUT];
static int32_t fc_mult[1] = { 0x5A3C1E0F }, fc_shift[1] = { -9 };

static int8_t input[IN_H * IN_W * IN_C];
static int8_t conv_out[IN_H * IN_W * CONV_C];
static int8_t pool_out[FC_IN];
static int8_t output[FC_OUT];
static int16_t scratch[3 * 3 * IN_C];
static uint32_t model_id;

static const qr_model_info info = {
  "self-test CNN (conv 3x3x8, max pool, fc 10)",
  sizeof input,
  sizeof output,
  sizeof conv_out + sizeof pool_out + sizeof scratch,
};

static uint32_t lcg_state;

static int8_t lcg_s8(void)
{
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return (int8_t)(lcg_state >> 24);
}

int qr_model_init(void)
{
  lcg_state = 0x51A7E57u;
  for (size_t i = 0; i < sizeof conv_w; i++)
    conv_w[i] = lcg_s8();
  for (int o = 0; o < CONV_C; o++) {
    conv_b[o] = (int32_t)lcg_s8() * 37;
    conv_mult[o] = 0x40000000 + o * 0x05000000; /* within [2^30, 2^31) */
    conv_shift[o] = -7 - (o & 1);
  }
  for (size_t i = 0; i < sizeof fc_w; i++)
    fc_w[i] = lcg_s8();
  for (int o = 0; o < FC_OUT; o++)
    fc_b[o] = (int32_t)lcg_s8() * 211;
  uint32_t crc = qr_crc32(conv_w, sizeof conv_w);
  crc ^= qr_crc32(conv_b, sizeof conv_b);
  crc ^= qr_crc32(fc_w, sizeof fc_w);
  crc ^= qr_crc32(fc_b, sizeof fc_b);
  model_id = crc;
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
  return model_id;
}

int qr_model_run(void)
{
  const qe_kdims in_dims = { 1, IN_H, IN_W, IN_C };
  const qe_kdims filt_dims = { CONV_C, 3, 3, IN_C };
  const qe_kdims conv_dims = { 1, IN_H, IN_W, CONV_C };
  const qe_kdims pool_dims = { 1, POOL_H, POOL_W, CONV_C };
  const qe_kconv_params cp = {
    .input_offset = 3, /* input zero point -3 */
    .output_offset = -128,
    .stride_h = 1,
    .stride_w = 1,
    .pad_h = 1,
    .pad_w = 1,
    .dilation_h = 1,
    .dilation_w = 1,
    .depth_multiplier = 1,
    .act_min = -128, /* ReLU with output zero point -128 */
    .act_max = 127,
    .weights = QE_KW_8,
  };
  const qe_kquant cq = { conv_mult, conv_shift, 1, QE_K_ROUND_DOUBLE };
  qe_kstatus st = qe_s8_conv(&cp, &cq, &in_dims, input, &filt_dims, conv_w, conv_b, &conv_dims,
                             conv_out, scratch);
  if (st != QE_K_OK)
    return 10 + (int)st;
  const qe_kpool_params pp = { 2, 2, 2, 2, 0, 0, -128, 127 };
  st = qe_s8_max_pool(&pp, &conv_dims, conv_out, &pool_dims, pool_out);
  if (st != QE_K_OK)
    return 20 + (int)st;
  const qe_kfc_params fp = { 128, 0, 5, -128, 127, QE_KW_8 };
  const qe_kquant fq = { fc_mult, fc_shift, 0, QE_K_ROUND_DOUBLE };
  st = qe_s8_fully_connected(&fp, &fq, 1, FC_IN, FC_OUT, pool_out, fc_w, fc_b, output);
  if (st != QE_K_OK)
    return 30 + (int)st;
  return 0;
}
