/* runner_proto.h - constants of the runner's framed serial protocol.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * targets/PROTOCOL.md is the specification; the host side lives in
 * engine/boards/qe_board_link.c and repeats these numbers in
 * engine/include/qe/qe_board_link.h (a test checks they agree).
 */
#ifndef QR_RUNNER_PROTO_H
#define QR_RUNNER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define QR_PROTOCOL_VERSION 1
#define QR_SYNC0            0xA5
#define QR_SYNC1            0x5A
#define QR_HEADER_SIZE      6 /* sync0 sync1 type seq len_lo len_hi */
#define QR_FRAME_OVERHEAD   (QR_HEADER_SIZE + 4)
#define QR_MAX_PAYLOAD      1024
#define QR_MAX_ITERATIONS   1000u
#define QR_REPLY            0x80

enum {
  QR_MSG_HELLO = 0x01,
  QR_MSG_PING = 0x02,
  QR_MSG_WRITE_INPUT = 0x03,
  QR_MSG_RUN = 0x04,
  QR_MSG_READ_OUTPUT = 0x05,
  QR_MSG_NAK = 0x7E,
  QR_MSG_ERROR = 0x7F,
};

enum {
  QR_NAK_CRC = 1,
  QR_NAK_TOO_LONG = 2,
};

enum {
  QR_ERR_FORMAT = 1,
  QR_ERR_UNKNOWN = 2,
  QR_ERR_RANGE = 3,
};

/* CRC-32/ISO-HDLC (zlib's crc32): poly 0xEDB88320 reflected, init and
 * final xor 0xFFFFFFFF. qr_crc32_update(0, ...) starts a new CRC. */
uint32_t qr_crc32_update(uint32_t crc, const void *data, size_t n);
uint32_t qr_crc32(const void *data, size_t n);

#endif /* QR_RUNNER_PROTO_H */
