/* qe_md5.h - MD5 (RFC 1321), for checking the ESP ROM's SPI_FLASH_MD5.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef QE_MD5_H
#define QE_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t a, b, c, d;
  uint64_t bytes;
  uint8_t block[64];
} qe_md5_ctx;

void qe_md5_init(qe_md5_ctx *m);
void qe_md5_update(qe_md5_ctx *m, const void *data, size_t len);
void qe_md5_final(qe_md5_ctx *m, uint8_t digest[16]);

#endif /* QE_MD5_H */
