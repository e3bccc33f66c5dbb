/* runner_crc.c - CRC-32 of the runner protocol (portable, no table).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "runner_proto.h"

uint32_t qr_crc32_update(uint32_t crc, const void *data, size_t n)
{
  const uint8_t *p = data;
  crc = ~crc;
  while (n--) {
    crc ^= (uint32_t)(*p++ & 0xFFu); /* one octet, also where a char is wider */
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t qr_crc32(const void *data, size_t n)
{
  return qr_crc32_update(0, data, n);
}
