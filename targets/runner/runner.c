/* runner.c - the portable on-board runner: framed serial protocol loop.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Speaks the protocol of targets/PROTOCOL.md over the board's UART: answers
 * HELLO with the board's identity, takes input tensors, runs the linked model
 * slot with the cycle counter around it and hands back outputs. Portable C11:
 * no libc beyond <stdint.h>/<string.h>, no heap, no board knowledge
 * (board.h is the only way out).
 *
 * Wire bytes are handled as values 0..255 held in uint8_t, masked wherever
 * a wider value is narrowed, and model tensors are copied element by
 * element (never memcpy between the wire buffers and int8 tensors): so the
 * loop is also right where a char is 16 bits wide (TI C28x, where the
 * exported CCS project maps int8_t/uint8_t onto 16-bit storage).
 *
 * qr_runner_main() is the loop; main() calls it unless QR_NO_MAIN is
 * defined (the ESP-IDF project calls it from app_main()).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "model_slot.h"
#include "runner_proto.h"

#ifndef QR_FIRMWARE_VERSION
#define QR_FIRMWARE_VERSION "0.0.0"
#endif

static uint8_t rx_buf[QR_FRAME_OVERHEAD + QR_MAX_PAYLOAD];
static uint8_t tx_payload[QR_MAX_PAYLOAD];

static void put_u16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v & 0xFFu);
  p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

static void put_u32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)((v >> (8 * i)) & 0xFFu);
}

static void put_u64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)((v >> (8 * i)) & 0xFFu);
}

static uint32_t get_u32(const uint8_t *p)
{
  return (uint32_t)(p[0] & 0xFFu) | (uint32_t)(p[1] & 0xFFu) << 8 | (uint32_t)(p[2] & 0xFFu) << 16 |
         (uint32_t)(p[3] & 0xFFu) << 24;
}

static uint16_t get_u16(const uint8_t *p)
{
  return (uint16_t)((uint16_t)(p[0] & 0xFFu) | (uint16_t)((p[1] & 0xFFu) << 8));
}

/* A wire byte as the int8 value it encodes (two's complement), and back. */
static int8_t wire_to_s8(uint8_t b)
{
  const int v = (int)(b & 0xFFu);
  return (int8_t)(v >= 128 ? v - 256 : v);
}

static uint8_t s8_to_wire(int8_t v)
{
  return (uint8_t)((unsigned)(v + 256) & 0xFFu);
}

static void send_frame(uint8_t type, uint8_t seq, const uint8_t *payload, uint16_t len)
{
  uint8_t hdr[QR_HEADER_SIZE];
  uint8_t tail[4];
  hdr[0] = QR_SYNC0;
  hdr[1] = QR_SYNC1;
  hdr[2] = type;
  hdr[3] = seq;
  put_u16(hdr + 4, len);
  uint32_t crc = qr_crc32_update(0, hdr + 2, QR_HEADER_SIZE - 2);
  crc = qr_crc32_update(crc, payload, len);
  put_u32(tail, crc);
  for (size_t i = 0; i < QR_HEADER_SIZE; i++)
    board_uart_putc(hdr[i]);
  for (size_t i = 0; i < len; i++)
    board_uart_putc(payload[i]);
  for (size_t i = 0; i < 4; i++)
    board_uart_putc(tail[i]);
}

static void send_error(uint8_t seq, uint8_t req_type, uint16_t code, const char *msg)
{
  size_t n = strlen(msg);
  if (n > QR_MAX_PAYLOAD - 4)
    n = QR_MAX_PAYLOAD - 4;
  put_u16(tx_payload, code);
  put_u16(tx_payload + 2, req_type);
  for (size_t i = 0; i < n; i++)
    tx_payload[4 + i] = (uint8_t)((unsigned char)msg[i] & 0xFFu);
  send_frame(QR_MSG_ERROR, seq, tx_payload, (uint16_t)(4 + n));
}

static size_t put_str(uint8_t *p, size_t room, const char *s)
{
  size_t n = strlen(s) + 1;
  if (n > room)
    return 0;
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)((unsigned char)s[i] & 0xFFu);
  return n;
}

static void handle_hello(uint8_t seq)
{
  const qr_model_info *mi = qr_model_get_info();
  uint32_t free_ram = board_free_ram();
  uint8_t *p = tx_payload;
  put_u16(p + 0, QR_PROTOCOL_VERSION);
  put_u16(p + 2, QR_MAX_PAYLOAD);
  put_u32(p + 4, board_clock_hz());
  put_u32(p + 8, free_ram);
  put_u32(p + 12, mi->arena_bytes);
  put_u32(p + 16, mi->input_bytes);
  put_u32(p + 20, mi->output_bytes);
  put_u32(p + 24, qr_model_id());
  p[28] = board_counter_kind();
  p[29] = 0;
  size_t n = 30;
  n += put_str(p + n, QR_MAX_PAYLOAD - n, QR_FIRMWARE_VERSION);
  n += put_str(p + n, QR_MAX_PAYLOAD - n, board_id);
  n += put_str(p + n, QR_MAX_PAYLOAD - n, mi->name);
  send_frame(QR_MSG_HELLO | QR_REPLY, seq, tx_payload, (uint16_t)n);
}

static void handle_write_input(uint8_t seq, const uint8_t *pl, uint16_t len)
{
  const qr_model_info *mi = qr_model_get_info();
  if (len < 4) {
    send_error(seq, QR_MSG_WRITE_INPUT, QR_ERR_FORMAT, "WRITE_INPUT needs an offset");
    return;
  }
  uint32_t off = get_u32(pl);
  uint32_t n = (uint32_t)len - 4;
  if (off > mi->input_bytes || n > mi->input_bytes - off) {
    send_error(seq, QR_MSG_WRITE_INPUT, QR_ERR_RANGE, "input offset past the input tensor");
    return;
  }
  int8_t *in = qr_model_input() + off;
  for (uint32_t i = 0; i < n; i++)
    in[i] = wire_to_s8(pl[4 + i]);
  send_frame(QR_MSG_WRITE_INPUT | QR_REPLY, seq, NULL, 0);
}

static void handle_read_output(uint8_t seq, const uint8_t *pl, uint16_t len)
{
  const qr_model_info *mi = qr_model_get_info();
  if (len != 6) {
    send_error(seq, QR_MSG_READ_OUTPUT, QR_ERR_FORMAT, "READ_OUTPUT needs offset and length");
    return;
  }
  uint32_t off = get_u32(pl);
  uint32_t n = get_u16(pl + 4);
  if (n > QR_MAX_PAYLOAD || off > mi->output_bytes || n > mi->output_bytes - off) {
    send_error(seq, QR_MSG_READ_OUTPUT, QR_ERR_RANGE, "output range past the output tensor");
    return;
  }
  const int8_t *out = qr_model_output() + off;
  for (uint32_t i = 0; i < n; i++)
    tx_payload[i] = s8_to_wire(out[i]);
  send_frame(QR_MSG_READ_OUTPUT | QR_REPLY, seq, tx_payload, (uint16_t)n);
}

static void handle_run(uint8_t seq, const uint8_t *pl, uint16_t len)
{
  if (len != 4) {
    send_error(seq, QR_MSG_RUN, QR_ERR_FORMAT, "RUN needs an iteration count");
    return;
  }
  uint32_t iters = get_u32(pl);
  if (iters < 1 || iters > QR_MAX_ITERATIONS) {
    send_error(seq, QR_MSG_RUN, QR_ERR_RANGE, "RUN iteration count out of range");
    return;
  }
  uint64_t first = 0, lo = UINT64_MAX, hi = 0, total = 0;
  int rc = 0;
  uint32_t done = 0;
  for (; done < iters; done++) {
    uint64_t t0 = board_cycles();
    rc = qr_model_run();
    uint64_t dt = board_cycles() - t0;
    total += dt;
    if (done == 0)
      first = dt;
    if (dt < lo)
      lo = dt;
    if (dt > hi)
      hi = dt;
    if (rc != 0) {
      done++;
      break;
    }
  }
  put_u32(tx_payload, (uint32_t)rc);
  put_u32(tx_payload + 4, done);
  put_u64(tx_payload + 8, first);
  put_u64(tx_payload + 16, lo);
  put_u64(tx_payload + 24, hi);
  put_u64(tx_payload + 32, total);
  send_frame(QR_MSG_RUN | QR_REPLY, seq, tx_payload, 40);
}

static void dispatch(uint8_t type, uint8_t seq, const uint8_t *pl, uint16_t len)
{
  switch (type) {
  case QR_MSG_HELLO:
    handle_hello(seq);
    break;
  case QR_MSG_PING:
    send_frame(QR_MSG_PING | QR_REPLY, seq, pl, len);
    break;
  case QR_MSG_WRITE_INPUT:
    handle_write_input(seq, pl, len);
    break;
  case QR_MSG_RUN:
    handle_run(seq, pl, len);
    break;
  case QR_MSG_READ_OUTPUT:
    handle_read_output(seq, pl, len);
    break;
  default:
    send_error(seq, type, QR_ERR_UNKNOWN, "unknown message type");
    break;
  }
}

static uint8_t read_byte(void)
{
  int c;
  while ((c = board_uart_getc()) < 0) {
  }
  return (uint8_t)(c & 0xFF);
}

void qr_runner_main(void)
{
  board_init();
  if (qr_model_init() != 0) {
    /* Still answer: HELLO works, RUN reports the model's failure. */
  }
  for (;;) {
    /* Hunt for the sync pair. */
    if (read_byte() != QR_SYNC0)
      continue;
    uint8_t b = read_byte();
    while (b == QR_SYNC0)
      b = read_byte();
    if (b != QR_SYNC1)
      continue;
    rx_buf[0] = QR_SYNC0;
    rx_buf[1] = QR_SYNC1;
    for (size_t i = 2; i < QR_HEADER_SIZE; i++)
      rx_buf[i] = read_byte();
    uint8_t type = rx_buf[2], seq = rx_buf[3];
    uint16_t len = get_u16(rx_buf + 4);
    if (len > QR_MAX_PAYLOAD) {
      uint8_t why = QR_NAK_TOO_LONG;
      send_frame(QR_MSG_NAK, seq, &why, 1);
      continue;
    }
    for (size_t i = 0; i < (size_t)len + 4; i++)
      rx_buf[QR_HEADER_SIZE + i] = read_byte();
    uint32_t want = get_u32(rx_buf + QR_HEADER_SIZE + len);
    if (qr_crc32_update(0, rx_buf + 2, QR_HEADER_SIZE - 2 + (size_t)len) != want) {
      uint8_t why = QR_NAK_CRC;
      send_frame(QR_MSG_NAK, seq, &why, 1);
      continue;
    }
    dispatch(type, seq, rx_buf + QR_HEADER_SIZE, len);
  }
}

#ifndef QR_NO_MAIN
int main(void)
{
  qr_runner_main();
  return 0;
}
#endif
