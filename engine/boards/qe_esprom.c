/* qe_esprom.c - the ESP32-S3 ROM serial loader, host side.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The protocol of Espressif's esptool ("Serial Protocol" in its docs): SLIP
 * frames (0xC0 delimits, 0xDB 0xDC / 0xDB 0xDD escape 0xC0 / 0xDB).
 * Request: 0x00, op, u16 data size, u32 checksum (FLASH_DATA only: XOR of
 * the payload seeded with 0xEF), data. Response: 0x01, op, u16 size, u32
 * value, data ending in a status and an error byte (two status bytes on the
 * ESP32-S3 ROM). All numbers little-endian.
 */
#include "qe_internal.h"

#include "qe/qe_board_flash.h"
#include "qe_md5.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define OP_FLASH_BEGIN       0x02
#define OP_FLASH_DATA        0x03
#define OP_FLASH_END         0x04
#define OP_SYNC              0x08
#define OP_READ_REG          0x0A
#define OP_SPI_SET_PARAMS    0x0B
#define OP_SPI_ATTACH        0x0D
#define OP_SPI_FLASH_MD5     0x13
#define OP_GET_SECURITY_INFO 0x14

#define BLOCK         0x400
#define MAGIC_REG     0x40001000u
#define CHIP_ESP32_S3 9u

typedef struct {
  qe_port *port;
  qe_ctx *ctx;
  unsigned retries;
  uint8_t frame[2 * (BLOCK + 64)];
  uint8_t resp[BLOCK + 64];
} esp;

typedef enum { E_OK, E_STATUS, E_TIMEOUT, E_GONE } eres;

const char *qe_esp_chip_name(uint32_t id)
{
  switch (id) {
  case 0:
    return "ESP32";
  case 2:
    return "ESP32-S2";
  case 5:
    return "ESP32-C3";
  case 9:
    return "ESP32-S3";
  case 12:
    return "ESP32-C2";
  case 13:
    return "ESP32-C6";
  case 16:
    return "ESP32-H2";
  default:
    return "unknown chip";
  }
}

static void put32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static eres send_cmd(esp *e, uint8_t op, const uint8_t *data, size_t n, uint32_t chk)
{
  uint8_t hdr[8] = { 0x00, op, (uint8_t)n, (uint8_t)(n >> 8), 0, 0, 0, 0 };
  put32(hdr + 4, chk);
  size_t k = 0;
  e->frame[k++] = 0xC0;
  for (size_t i = 0; i < 8 + n; i++) {
    uint8_t b = i < 8 ? hdr[i] : data[i - 8];
    if (b == 0xC0) {
      e->frame[k++] = 0xDB;
      e->frame[k++] = 0xDC;
    } else if (b == 0xDB) {
      e->frame[k++] = 0xDB;
      e->frame[k++] = 0xDD;
    } else {
      e->frame[k++] = b;
    }
  }
  e->frame[k++] = 0xC0;
  qe_ctx *tmp = qe_ctx_new();
  qe_status st = qe_port_write(e->port, e->frame, k, 3000, tmp);
  eres r = st == QE_OK ? E_OK : st == QE_ERR_TIMEOUT ? E_TIMEOUT : E_GONE;
  if (r == E_GONE)
    qe_error(e->ctx, st, "%s", qe_ctx_error(tmp));
  qe_ctx_free(tmp);
  return r;
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One response to @op: its value and data (status bytes included). */
static eres recv_resp(esp *e, uint8_t op, int timeout_ms, uint32_t *value, size_t *len)
{
  int64_t deadline = now_ms() + timeout_ms;
  qe_ctx *tmp = qe_ctx_new();
  eres res = E_TIMEOUT;
  for (;;) {
    size_t n = 0;
    bool in = false, esc = false, done = false;
    while (!done) {
      int left = (int)(deadline - now_ms());
      uint8_t b;
      if (left <= 0)
        goto out;
      qe_status st = qe_port_read(e->port, &b, 1, left, NULL, tmp);
      if (st == QE_ERR_TIMEOUT)
        goto out;
      if (st != QE_OK) {
        qe_error(e->ctx, st, "%s", qe_ctx_error(tmp));
        res = E_GONE;
        goto out;
      }
      if (!in) {
        in = b == 0xC0;
        continue;
      }
      if (b == 0xC0) {
        if (n == 0)
          continue; /* back-to-back delimiters */
        done = true;
      } else if (esc) {
        if (n < sizeof e->resp)
          e->resp[n++] = b == 0xDC ? 0xC0 : 0xDB;
        esc = false;
      } else if (b == 0xDB) {
        esc = true;
      } else if (n < sizeof e->resp) {
        e->resp[n++] = b;
      }
    }
    if (n < 10 || e->resp[0] != 0x01 || e->resp[1] != op)
      continue; /* not ours (a late SYNC answer, noise) */
    size_t size = (size_t)e->resp[2] | (size_t)e->resp[3] << 8;
    if (size + 8 > n || size < 2)
      continue;
    *value = get32(e->resp + 4);
    memmove(e->resp, e->resp + 8, size);
    *len = size;
    res = e->resp[size - 2] == 0 ? E_OK : E_STATUS;
    break;
  }
out:
  qe_ctx_free(tmp);
  return res;
}

static eres command(esp *e, uint8_t op, const uint8_t *data, size_t n, uint32_t chk, int timeout_ms,
                    uint32_t *value, size_t *len)
{
  uint32_t v = 0;
  size_t l = 0;
  eres r = send_cmd(e, op, data, n, chk);
  if (r == E_OK)
    r = recv_resp(e, op, timeout_ms, &v, &l);
  if (value)
    *value = v;
  if (len)
    *len = l;
  return r;
}

static const char *rom_error(uint8_t code)
{
  switch (code) {
  case 0x05:
    return "the loader did not understand the request";
  case 0x06:
    return "the loader could not carry out the request";
  case 0x07:
    return "checksum mismatch";
  case 0x08:
    return "flash write error";
  case 0x09:
    return "flash read error";
  default:
    return "error";
  }
}

static qe_status fail(esp *e, eres r, const char *what)
{
  const char *port = qe_port_name(e->port);
  if (r == E_GONE)
    return qe_error_prefix(e->ctx,
                           "%s; the flash is incomplete: plug the board back in and "
                           "flash again",
                           what);
  if (r == E_TIMEOUT)
    return qe_error(e->ctx, QE_ERR_TIMEOUT, "%s: the ESP32 ROM loader stopped answering during %s",
                    port, what);
  return qe_error(e->ctx, QE_ERR_DEVICE, "%s: the ESP32 ROM loader refused %s: %s (0x%02X)", port,
                  what, rom_error(e->resp[1]), e->resp[1]);
}

static void sleep_ms(int ms)
{
  struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static qe_status reset_into_loader(esp *e, qe_esp_reset how)
{
  qe_status st = QE_OK;
  if (how == QE_ESP_RESET_CLASSIC) {
    /* DTR drives IO0 low, RTS drives EN low (through the board's
     * transistor pair): hold EN, release EN with IO0 low, release IO0. */
    st = qe_port_set_lines(e->port, 0, 1, e->ctx);
    sleep_ms(100);
    if (st == QE_OK)
      st = qe_port_set_lines(e->port, 1, 0, e->ctx);
    sleep_ms(50);
    if (st == QE_OK)
      st = qe_port_set_lines(e->port, 0, -1, e->ctx);
  } else if (how == QE_ESP_RESET_USB_JTAG) {
    /* The USB-Serial/JTAG peripheral maps the lines itself. */
    st = qe_port_set_lines(e->port, 0, 0, e->ctx);
    sleep_ms(100);
    if (st == QE_OK)
      st = qe_port_set_lines(e->port, 1, 0, e->ctx);
    sleep_ms(100);
    if (st == QE_OK)
      st = qe_port_set_lines(e->port, 0, 1, e->ctx);
    sleep_ms(100);
    if (st == QE_OK)
      st = qe_port_set_lines(e->port, 0, 0, e->ctx);
  }
  return st;
}

static qe_status sync_loader(esp *e)
{
  uint8_t d[36] = { 0x07, 0x07, 0x12, 0x20 };
  memset(d + 4, 0x55, 32);
  for (int attempt = 0; attempt < 10; attempt++) {
    uint32_t v;
    size_t n;
    eres r = command(e, OP_SYNC, d, sizeof d, 0, 150, &v, &n);
    if (r == E_GONE)
      return qe_ctx_status(e->ctx);
    if (r == E_OK) {
      /* The ROM answers SYNC eight times: let the rest arrive and drop them. */
      while (recv_resp(e, OP_SYNC, 100, &v, &n) == E_OK) {
      }
      return QE_OK;
    }
  }
  return qe_error(e->ctx, QE_ERR_TIMEOUT,
                  "%s: no answer from the ESP32 ROM loader (hold BOOT, press RESET, release "
                  "BOOT, and check the port)",
                  qe_port_name(e->port));
}

qe_status qe_esp_flash(qe_port *port, const qe_esp_options *opt, const void *image, size_t len,
                       qe_flash_report *rep, qe_ctx *ctx)
{
  qe_esp_options o = { 0 };
  if (opt)
    o = *opt;
  if (!o.expect_chip)
    o.expect_chip = CHIP_ESP32_S3;
  if (!o.flash_bytes)
    o.flash_bytes = 8u << 20;
  if (o.retries <= 0)
    o.retries = 3;
  memset(rep, 0, sizeof *rep);
  if (len == 0)
    return qe_error(ctx, QE_ERR_INVALID, "the image is empty");
  if (o.offset > o.flash_bytes || len > o.flash_bytes - o.offset)
    return qe_error(ctx, QE_ERR_INVALID,
                    "the image (%zu bytes at 0x%X) does not fit the %u KiB of flash", len,
                    (unsigned)o.offset, (unsigned)(o.flash_bytes / 1024));
  esp *e = calloc(1, sizeof *e);
  if (!e)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  e->port = port;
  e->ctx = ctx;
  int64_t t0 = now_ms();
  qe_status st = qe_progress(ctx, 0.0, "connecting to the ESP32 ROM loader");
  if (st == QE_OK)
    st = reset_into_loader(e, o.reset);
  if (st == QE_OK)
    st = qe_port_discard_input(port, ctx);
  if (st == QE_OK)
    st = sync_loader(e);
  if (st != QE_OK)
    goto done;

  /* Which chip: GET_SECURITY_INFO's chip id, else the magic register. */
  uint32_t v = 0, chip;
  size_t n = 0;
  eres r = command(e, OP_GET_SECURITY_INFO, NULL, 0, 0, 1000, &v, &n);
  if (r == E_OK && n >= 20) {
    chip = get32(e->resp + 12);
  } else if (r == E_GONE) {
    st = qe_ctx_status(ctx);
    goto done;
  } else {
    uint8_t a[4];
    put32(a, MAGIC_REG);
    r = command(e, OP_READ_REG, a, 4, 0, 1000, &v, &n);
    if (r != E_OK) {
      st = fail(e, r, "READ_REG");
      goto done;
    }
    chip = v == 0x9 ? CHIP_ESP32_S3 : v == 0x1B31506F ? 5u : v == 0x000007C6 ? 2u : 0xFFFFu;
  }
  rep->chip_id = chip;
  if (chip != o.expect_chip) {
    st = qe_error(ctx, QE_ERR_DEVICE,
                  "%s: wrong chip: the board answers as %s (chip id %u), the chosen board has "
                  "%s; pick the right board or port",
                  qe_port_name(port), qe_esp_chip_name(chip), (unsigned)chip,
                  qe_esp_chip_name(o.expect_chip));
    goto done;
  }

  uint8_t d[32];
  memset(d, 0, 8);
  r = command(e, OP_SPI_ATTACH, d, 8, 0, 1000, NULL, NULL);
  if (r != E_OK) {
    st = fail(e, r, "SPI_ATTACH");
    goto done;
  }
  put32(d, 0);
  put32(d + 4, o.flash_bytes);
  put32(d + 8, 64 * 1024);
  put32(d + 12, 4 * 1024);
  put32(d + 16, 256);
  put32(d + 20, 0xFFFF);
  r = command(e, OP_SPI_SET_PARAMS, d, 24, 0, 1000, NULL, NULL);
  if (r != E_OK) {
    st = fail(e, r, "SPI_SET_PARAMS");
    goto done;
  }

  /* The image as flashed: padded to 4 bytes with 0xFF (as esptool does). */
  size_t padded = (len + 3) & ~(size_t)3;
  uint32_t blocks = (uint32_t)((padded + BLOCK - 1) / BLOCK);
  st = qe_progress(ctx, 0.02, "erasing");
  if (st != QE_OK)
    goto done;
  put32(d, (uint32_t)padded);
  put32(d + 4, blocks);
  put32(d + 8, BLOCK);
  put32(d + 12, o.offset);
  put32(d + 16, 0); /* not encrypted */
  /* Erasing runs at roughly 30 s per MiB in the worst case. */
  int erase_ms = (int)QE_MAX(3000.0, 30000.0 * (double)padded / (1 << 20));
  r = command(e, OP_FLASH_BEGIN, d, 20, 0, erase_ms, NULL, NULL);
  if (r != E_OK) {
    st = fail(e, r, "FLASH_BEGIN (erase)");
    goto done;
  }
  const uint8_t *img = image;
  uint8_t pkt[16 + BLOCK];
  for (uint32_t seq = 0; seq < blocks; seq++) {
    size_t off = (size_t)seq * BLOCK;
    size_t take = QE_MIN((size_t)BLOCK, len - QE_MIN(len, off));
    st = qe_progress(ctx, 0.05 + 0.85 * (double)seq / blocks, "writing");
    if (st != QE_OK) {
      qe_error_prefix(ctx, "flash incomplete (stopped at 0x%X)", (unsigned)(o.offset + off));
      goto done;
    }
    memset(pkt + 16, 0xFF, BLOCK);
    memcpy(pkt + 16, img + off, take);
    put32(pkt, BLOCK);
    put32(pkt + 4, seq);
    put32(pkt + 8, 0);
    put32(pkt + 12, 0);
    uint8_t chk = 0xEF;
    for (size_t i = 0; i < BLOCK; i++)
      chk ^= pkt[16 + i];
    /* Sending a block again is safe: the ROM writes the same bytes to the
     * same place (NOR flash only clears bits, so equal data stays equal). */
    for (int a = 0;; a++) {
      r = command(e, OP_FLASH_DATA, pkt, sizeof pkt, chk, 3000, NULL, NULL);
      if (r == E_OK || r == E_GONE || a >= o.retries)
        break;
      e->retries++;
    }
    if (r != E_OK) {
      char what[64];
      snprintf(what, sizeof what, "FLASH_DATA at 0x%X", (unsigned)(o.offset + off));
      st = fail(e, r, what);
      goto done;
    }
  }

  /* The chip computes the MD5 of what it holds; compare with ours. */
  st = qe_progress(ctx, 0.92, "verifying");
  if (st != QE_OK)
    goto done;
  uint8_t want[16], got[16];
  qe_md5_ctx md5;
  qe_md5_init(&md5);
  qe_md5_update(&md5, img, len);
  static const uint8_t ff[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
  qe_md5_update(&md5, ff, padded - len);
  qe_md5_final(&md5, want);
  put32(d, o.offset);
  put32(d + 4, (uint32_t)padded);
  put32(d + 8, 0);
  put32(d + 12, 0);
  int md5_ms = (int)QE_MAX(3000.0, 8000.0 * (double)padded / (1 << 20));
  for (int a = 0;; a++) {
    r = command(e, OP_SPI_FLASH_MD5, d, 16, 0, md5_ms, NULL, &n);
    if (r == E_OK || r == E_GONE || a >= o.retries)
      break;
    e->retries++;
  }
  if (r != E_OK) {
    st = fail(e, r, "SPI_FLASH_MD5");
    goto done;
  }
  if (n == 32 + 2) { /* the ROM: 32 hex digits */
    for (int i = 0; i < 16; i++) {
      unsigned hi, lo;
      char hx[3] = { (char)e->resp[2 * i], (char)e->resp[2 * i + 1], 0 };
      if (sscanf(hx, "%1x%1x", &hi, &lo) != 2) {
        st =
            qe_error(ctx, QE_ERR_DEVICE, "%s: SPI_FLASH_MD5: malformed answer", qe_port_name(port));
        goto done;
      }
      got[i] = (uint8_t)(hi << 4 | lo);
    }
  } else if (n == 16 + 2) { /* a flasher stub: raw bytes */
    memcpy(got, e->resp, 16);
  } else {
    st = qe_error(ctx, QE_ERR_DEVICE, "%s: SPI_FLASH_MD5: answer of %zu bytes", qe_port_name(port),
                  n);
    goto done;
  }
  if (memcmp(want, got, 16) != 0) {
    st = qe_error(ctx, QE_ERR_VERIFY,
                  "%s: verification failed: the MD5 of the flash at 0x%X differs from the "
                  "image's (the flash may be worn, or the data was damaged on the way)",
                  qe_port_name(port), (unsigned)o.offset);
    goto done;
  }
  put32(d, o.run ? 0 : 1);
  r = command(e, OP_FLASH_END, d, 4, 0, 1000, NULL, NULL);
  if (r != E_OK && o.run && r == E_TIMEOUT)
    r = E_OK; /* a chip that reboots at once may not answer */
  if (r != E_OK) {
    st = fail(e, r, "FLASH_END");
    goto done;
  }
  rep->bytes = len;
  rep->retries = e->retries;
  rep->seconds = (double)(now_ms() - t0) / 1000.0;
  snprintf(rep->detail, sizeof rep->detail, "%s, %u blocks of 1 KiB, MD5 verified",
           qe_esp_chip_name(chip), (unsigned)blocks);
  st = qe_progress(ctx, 1.0, "verifying");
done:
  free(e);
  return st;
}
