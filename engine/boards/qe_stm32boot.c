/* qe_stm32boot.c - the STM32 system bootloader over a UART (ST AN3155).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Protocol (AN3155 v3.1): the host sends 0x7F so the bootloader measures
 * the baud rate and answers ACK (0x79). Each command is its code and the
 * code's complement; the bootloader ACKs or NACKs (0x1F). Addresses are 4
 * bytes MSB first plus their XOR; data blocks are (N-1), N bytes and the
 * XOR of all of them. Reads carry no checksum, so everything written is
 * read back and compared.
 *
 * Recovery: when an answer is missing or garbled, the bootloader may still
 * be inside a command waiting for bytes. Sending single 0x7F bytes until it
 * answers brings it back to the command level (a data phase ends with a bad
 * checksum and a NACK; at the command level 0x7F 0x7F is a bad command and
 * a NACK). The block is then read back: unchanged (erased) means the write
 * can safely be sent again, equal means it went through and only the ACK
 * was lost, anything else is reported (the block is half-programmed).
 */
#include "qe_internal.h"

#include "qe/qe_board_flash.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ACK  0x79
#define NACK 0x1F

#define CMD_GET       0x00
#define CMD_GET_ID    0x02
#define CMD_READ      0x11
#define CMD_GO        0x21
#define CMD_WRITE     0x31
#define CMD_ERASE     0x43
#define CMD_EXT_ERASE 0x44

#define BYTE_TIMEOUT_MS  1000
#define ERASE_TIMEOUT_MS 40000

typedef struct {
  uint16_t pid;
  const char *name;
  uint32_t flash_bytes;
  const uint16_t *sectors_kb; /* NULL: uniform pages */
  size_t n_sectors;
  uint32_t page_bytes;
} part_info;

static const uint16_t f4_1m[] = { 16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128 };
static const uint16_t f446[] = { 16, 16, 16, 16, 64, 128, 128, 128 };
static const uint16_t h7_2m[] = { 128, 128, 128, 128, 128, 128, 128, 128,
                                  128, 128, 128, 128, 128, 128, 128, 128 };

static const part_info parts[] = {
  { 0x410, "STM32F10x medium-density", 128 * 1024, NULL, 0, 1024 },
  { 0x414, "STM32F10x high-density", 512 * 1024, NULL, 0, 2048 },
  { 0x413, "STM32F405/407/415/417", 1024 * 1024, f4_1m, QE_ARRAY_LEN(f4_1m), 0 },
  { 0x421, "STM32F446", 512 * 1024, f446, QE_ARRAY_LEN(f446), 0 },
  { 0x450, "STM32H742/743/750/753", 2048 * 1024, h7_2m, QE_ARRAY_LEN(h7_2m), 0 },
  { 0x482, "STM32U575/585", 2048 * 1024, NULL, 0, 8192 },
};

static const part_info *find_part(uint16_t pid)
{
  for (size_t i = 0; i < QE_ARRAY_LEN(parts); i++)
    if (parts[i].pid == pid)
      return &parts[i];
  return NULL;
}

const char *qe_stm32_part_name(uint16_t pid, uint32_t *flash_bytes)
{
  const part_info *p = find_part(pid);
  if (flash_bytes)
    *flash_bytes = p ? p->flash_bytes : 0;
  return p ? p->name : NULL;
}

typedef enum { R_ACK, R_NACK, R_TIMEOUT, R_GARBAGE, R_GONE } reply;

typedef struct {
  qe_port *port;
  qe_ctx *ctx;
  unsigned retries;
} boot;

static reply get_ack(boot *b, int timeout_ms)
{
  uint8_t c;
  qe_ctx *tmp = qe_ctx_new();
  qe_status st = qe_port_read(b->port, &c, 1, timeout_ms, NULL, tmp);
  reply r;
  if (st == QE_ERR_TIMEOUT)
    r = R_TIMEOUT;
  else if (st != QE_OK) {
    qe_error(b->ctx, st, "%s", qe_ctx_error(tmp));
    r = R_GONE;
  } else
    r = c == ACK ? R_ACK : c == NACK ? R_NACK : R_GARBAGE;
  qe_ctx_free(tmp);
  return r;
}

static reply put(boot *b, const uint8_t *data, size_t n)
{
  qe_ctx *tmp = qe_ctx_new();
  qe_status st = qe_port_write(b->port, data, n, BYTE_TIMEOUT_MS * 2, tmp);
  reply r = R_ACK;
  if (st == QE_ERR_TIMEOUT)
    r = R_TIMEOUT;
  else if (st != QE_OK) {
    qe_error(b->ctx, st, "%s", qe_ctx_error(tmp));
    r = R_GONE;
  }
  qe_ctx_free(tmp);
  return r;
}

static reply command(boot *b, uint8_t cmd)
{
  uint8_t c[2] = { cmd, (uint8_t)~cmd };
  reply r = put(b, c, 2);
  return r == R_ACK ? get_ack(b, BYTE_TIMEOUT_MS) : r;
}

static reply send_addr(boot *b, uint32_t addr)
{
  uint8_t a[5] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
                   (uint8_t)addr, 0 };
  a[4] = a[0] ^ a[1] ^ a[2] ^ a[3];
  reply r = put(b, a, 5);
  return r == R_ACK ? get_ack(b, BYTE_TIMEOUT_MS) : r;
}

/* Bring the bootloader back to its command level (see the top comment). */
static reply resync(boot *b)
{
  for (int i = 0; i < 300; i++) {
    uint8_t s = 0x7F;
    reply r = put(b, &s, 1);
    if (r == R_GONE)
      return r;
    r = get_ack(b, 30);
    if (r == R_GONE)
      return r;
    if (r != R_TIMEOUT) {
      /* Let a second answer (to the 0x7F pair) arrive, then drop it. */
      get_ack(b, 60);
      qe_ctx *tmp = qe_ctx_new();
      qe_port_discard_input(b->port, tmp);
      qe_ctx_free(tmp);
      return R_ACK;
    }
  }
  return R_TIMEOUT;
}

static qe_status gone_or(boot *b, reply r, const char *what, uint32_t addr)
{
  const char *port = qe_port_name(b->port);
  switch (r) {
  case R_GONE:
    return qe_error_prefix(b->ctx,
                           "%s at 0x%08X; the flash is incomplete: plug the board "
                           "back in and flash again",
                           what, (unsigned)addr);
  case R_NACK:
    return qe_error(b->ctx, QE_ERR_DEVICE,
                    "%s: the STM32 bootloader refused %s at 0x%08X (NACK): the address may be "
                    "outside the flash or write-protected",
                    port, what, (unsigned)addr);
  case R_TIMEOUT:
    return qe_error(b->ctx, QE_ERR_TIMEOUT,
                    "%s: the STM32 bootloader stopped answering during %s at 0x%08X", port, what,
                    (unsigned)addr);
  default:
    return qe_error(b->ctx, QE_ERR_DEVICE,
                    "%s: unexpected answer from the STM32 bootloader during %s at 0x%08X", port,
                    what, (unsigned)addr);
  }
}

qe_status qe_stm32_connect(qe_port *port, qe_stm32_info *info, qe_ctx *ctx)
{
  boot b = { port, ctx, 0 };
  memset(info, 0, sizeof *info);
  qe_status st = qe_port_discard_input(port, ctx);
  if (st != QE_OK)
    return st;
  reply r = R_TIMEOUT;
  for (int i = 0; i < 5 && r != R_ACK && r != R_NACK; i++) {
    uint8_t s = 0x7F;
    r = put(&b, &s, 1);
    if (r == R_ACK)
      r = get_ack(&b, 500);
    if (r == R_GONE)
      return qe_ctx_status(ctx);
  }
  if (r == R_NACK) /* already in sync: 0x7F taken as a command */
    r = resync(&b);
  if (r == R_GONE)
    return qe_ctx_status(ctx);
  if (r != R_ACK)
    return qe_error(ctx, QE_ERR_TIMEOUT,
                    "%s: no answer from the STM32 bootloader (is BOOT0 high and the board reset "
                    "into the bootloader, and is this the right port?)",
                    qe_port_name(port));
  uint8_t buf[260];
  r = command(&b, CMD_GET);
  if (r != R_ACK)
    return gone_or(&b, r, "GET", 0);
  if (qe_port_read(port, buf, 2, BYTE_TIMEOUT_MS, NULL, ctx) != QE_OK)
    return qe_error_prefix(ctx, "GET");
  size_t n = buf[0]; /* bytes after the version */
  info->bootloader_version = buf[1];
  if (qe_port_read(port, buf + 2, n + 1, BYTE_TIMEOUT_MS, NULL, ctx) != QE_OK)
    return qe_error_prefix(ctx, "GET");
  if (buf[2 + n] != ACK)
    return gone_or(&b, R_GARBAGE, "GET", 0);
  info->n_commands = QE_MIN(n, sizeof info->commands);
  memcpy(info->commands, buf + 2, info->n_commands);
  r = command(&b, CMD_GET_ID);
  if (r != R_ACK)
    return gone_or(&b, r, "GET_ID", 0);
  if (qe_port_read(port, buf, 1, BYTE_TIMEOUT_MS, NULL, ctx) != QE_OK)
    return qe_error_prefix(ctx, "GET_ID");
  n = (size_t)buf[0] + 1;
  if (n < 2 || n > 8 || qe_port_read(port, buf + 1, n + 1, BYTE_TIMEOUT_MS, NULL, ctx) != QE_OK)
    return qe_error(ctx, QE_ERR_DEVICE, "%s: GET_ID: malformed answer", qe_port_name(port));
  if (buf[n + 1] != ACK)
    return gone_or(&b, R_GARBAGE, "GET_ID", 0);
  info->pid = (uint16_t)(buf[1] << 8 | buf[2]);
  return QE_OK;
}

static bool has_cmd(const qe_stm32_info *info, uint8_t c)
{
  for (size_t i = 0; i < info->n_commands; i++)
    if (info->commands[i] == c)
      return true;
  return false;
}

static reply read_block(boot *b, uint32_t addr, uint8_t *out, size_t n)
{
  reply r = command(b, CMD_READ);
  if (r == R_ACK)
    r = send_addr(b, addr);
  if (r != R_ACK)
    return r;
  uint8_t c[2] = { (uint8_t)(n - 1), (uint8_t) ~(n - 1) };
  r = put(b, c, 2);
  if (r == R_ACK)
    r = get_ack(b, BYTE_TIMEOUT_MS);
  if (r != R_ACK)
    return r;
  qe_ctx *tmp = qe_ctx_new();
  qe_status st = qe_port_read(b->port, out, n, BYTE_TIMEOUT_MS, NULL, tmp);
  if (st == QE_ERR_TIMEOUT)
    r = R_TIMEOUT;
  else if (st != QE_OK) {
    qe_error(b->ctx, st, "%s", qe_ctx_error(tmp));
    r = R_GONE;
  }
  qe_ctx_free(tmp);
  return r;
}

static reply write_block(boot *b, uint32_t addr, const uint8_t *data, size_t n)
{
  reply r = command(b, CMD_WRITE);
  if (r == R_ACK)
    r = send_addr(b, addr);
  if (r != R_ACK)
    return r;
  uint8_t buf[258];
  buf[0] = (uint8_t)(n - 1);
  uint8_t x = buf[0];
  for (size_t i = 0; i < n; i++) {
    buf[1 + i] = data[i];
    x ^= data[i];
  }
  buf[1 + n] = x;
  r = put(b, buf, n + 2);
  return r == R_ACK ? get_ack(b, BYTE_TIMEOUT_MS) : r;
}

/* A read with retries (reads are always safe to repeat). */
static qe_status read_retry(boot *b, uint32_t addr, uint8_t *out, size_t n, int retries)
{
  reply r = R_TIMEOUT;
  for (int a = 0; a <= retries; a++) {
    if (a > 0) {
      b->retries++;
      if (resync(b) == R_GONE)
        return gone_or(b, R_GONE, "READ_MEMORY", addr);
    }
    r = read_block(b, addr, out, n);
    if (r == R_ACK || r == R_GONE)
      break;
  }
  return r == R_ACK ? QE_OK : gone_or(b, r, "READ_MEMORY", addr);
}

qe_status qe_stm32_read(qe_port *port, uint32_t address, void *buf, size_t len, qe_ctx *ctx)
{
  boot b = { port, ctx, 0 };
  for (size_t off = 0; off < len; off += 256) {
    size_t n = QE_MIN((size_t)256, len - off);
    qe_status st = read_retry(&b, address + (uint32_t)off, (uint8_t *)buf + off, n, 3);
    if (st != QE_OK)
      return st;
  }
  return QE_OK;
}

static qe_status erase(boot *b, const qe_stm32_info *info, const part_info *part, uint32_t base,
                       uint32_t addr, size_t len, char *detail, size_t dcap)
{
  uint32_t off = addr - base, end = off + (uint32_t)len;
  uint16_t units[256];
  size_t n = 0;
  if (part && part->sectors_kb) {
    uint32_t s = 0;
    for (size_t i = 0; i < part->n_sectors; i++) {
      uint32_t e = s + part->sectors_kb[i] * 1024u;
      if (e > off && s < end)
        units[n++] = (uint16_t)i;
      s = e;
    }
  } else if (part && part->page_bytes) {
    for (uint32_t p = off / part->page_bytes; p * part->page_bytes < end && n < 256; p++)
      units[n++] = (uint16_t)p;
    if (n == 256)
      n = 0; /* too many pages for one command: erase everything */
  }
  bool ext = has_cmd(info, CMD_EXT_ERASE);
  if (!ext && !has_cmd(info, CMD_ERASE))
    return qe_error(b->ctx, QE_ERR_UNSUPPORTED, "%s: this STM32 bootloader offers no erase command",
                    qe_port_name(b->port));
  reply r = command(b, ext ? CMD_EXT_ERASE : CMD_ERASE);
  if (r != R_ACK)
    return gone_or(b, r, "ERASE", addr);
  uint8_t buf[2 + 2 * 256 + 1];
  size_t k = 0;
  if (n == 0) {
    snprintf(detail, dcap, "bootloader v%u.%u, mass erase", info->bootloader_version >> 4,
             info->bootloader_version & 15);
    if (ext) {
      buf[k++] = 0xFF;
      buf[k++] = 0xFF;
      buf[k++] = 0x00;
    } else {
      buf[k++] = 0xFF;
      buf[k++] = 0x00;
    }
  } else if (ext) {
    snprintf(detail, dcap, "bootloader v%u.%u, extended erase of %zu %s",
             info->bootloader_version >> 4, info->bootloader_version & 15, n,
             part->sectors_kb ? "sectors" : "pages");
    buf[k++] = (uint8_t)((n - 1) >> 8);
    buf[k++] = (uint8_t)(n - 1);
    for (size_t i = 0; i < n; i++) {
      buf[k++] = (uint8_t)(units[i] >> 8);
      buf[k++] = (uint8_t)units[i];
    }
    uint8_t x = 0;
    for (size_t i = 0; i < k; i++)
      x ^= buf[i];
    buf[k++] = x;
  } else {
    snprintf(detail, dcap, "bootloader v%u.%u, erase of %zu pages", info->bootloader_version >> 4,
             info->bootloader_version & 15, n);
    buf[k++] = (uint8_t)(n - 1);
    for (size_t i = 0; i < n; i++)
      buf[k++] = (uint8_t)units[i];
    uint8_t x = 0;
    for (size_t i = 0; i < k; i++)
      x ^= buf[i];
    buf[k++] = x;
  }
  r = put(b, buf, k);
  if (r == R_ACK)
    r = get_ack(b, ERASE_TIMEOUT_MS);
  return r == R_ACK ? QE_OK : gone_or(b, r, "ERASE", addr);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool all_ff(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0xFF)
      return false;
  return true;
}

qe_status qe_stm32_flash(qe_port *port, const qe_stm32_options *opt, const void *image, size_t len,
                         qe_flash_report *rep, qe_ctx *ctx)
{
  qe_stm32_options o = { 0 };
  if (opt)
    o = *opt;
  if (o.address == 0)
    o.address = 0x08000000u;
  if (o.retries <= 0)
    o.retries = 3;
  memset(rep, 0, sizeof *rep);
  double t0 = now_s();
  if (len == 0)
    return qe_error(ctx, QE_ERR_INVALID, "the image is empty");
  qe_stm32_info info;
  qe_status st = qe_progress(ctx, 0.0, "connecting to the STM32 bootloader");
  if (st == QE_OK)
    st = qe_stm32_connect(port, &info, ctx);
  if (st != QE_OK)
    return st;
  rep->chip_id = info.pid;
  const part_info *part = find_part(info.pid);
  if (o.expect_pid && info.pid != o.expect_pid) {
    const char *want = qe_stm32_part_name(o.expect_pid, NULL);
    return qe_error(ctx, QE_ERR_DEVICE,
                    "%s: wrong chip: the board answers with product ID 0x%03X (%s), the chosen "
                    "board has 0x%03X (%s); pick the right board or port",
                    qe_port_name(port), info.pid, part ? part->name : "unknown part", o.expect_pid,
                    want ? want : "?");
  }
  uint32_t flash = o.flash_bytes ? o.flash_bytes : part ? part->flash_bytes : 0;
  const uint32_t base = 0x08000000u;
  if (flash &&
      (o.address < base || o.address - base > flash || len > (size_t)(flash - (o.address - base))))
    return qe_error(ctx, QE_ERR_INVALID,
                    "the image (%zu bytes at 0x%08X) does not fit the %u KiB of flash of this "
                    "part",
                    len, (unsigned)o.address, (unsigned)(flash / 1024));
  boot b = { port, ctx, 0 };
  st = qe_progress(ctx, 0.02, "erasing");
  if (st == QE_OK)
    st = erase(&b, &info, part, base, o.address, len, rep->detail, sizeof rep->detail);
  if (st != QE_OK)
    return st;
  /* Write in 256-byte blocks; the last one padded to 4 bytes with 0xFF. */
  const uint8_t *img = image;
  size_t padded = (len + 3) & ~(size_t)3;
  uint8_t blk[256], back[256];
  for (size_t off = 0; off < padded; off += 256) {
    size_t n = QE_MIN((size_t)256, padded - off);
    memset(blk, 0xFF, n);
    memcpy(blk, img + off, QE_MIN(n, len - off));
    uint32_t addr = o.address + (uint32_t)off;
    st = qe_progress(ctx, 0.05 + 0.6 * (double)off / (double)padded, "writing");
    if (st != QE_OK)
      return qe_error_prefix(ctx, "flash incomplete (stopped at 0x%08X)", (unsigned)addr);
    reply r = R_TIMEOUT;
    for (int a = 0; a <= o.retries; a++) {
      r = write_block(&b, addr, blk, n);
      if (r == R_ACK || r == R_GONE)
        break;
      /* Safe to send again? Only when the block is still erased. */
      b.retries++;
      if (resync(&b) == R_GONE) {
        r = R_GONE;
        break;
      }
      st = read_retry(&b, addr, back, n, o.retries);
      if (st != QE_OK)
        return st;
      if (memcmp(back, blk, n) == 0) {
        r = R_ACK; /* it went through; only the answer was lost */
        break;
      }
      if (!all_ff(back, n))
        return qe_error(ctx, QE_ERR_VERIFY,
                        "%s: the block at 0x%08X is half-written after a failed write; flash "
                        "again (it is erased first)",
                        qe_port_name(port), (unsigned)addr);
    }
    if (r != R_ACK)
      return gone_or(&b, r, "WRITE_MEMORY", addr);
  }
  /* Read everything back. A mismatch is read once more (the line may have
   * garbled the read); a second mismatch is a verification failure. */
  for (size_t off = 0; off < padded; off += 256) {
    size_t n = QE_MIN((size_t)256, padded - off);
    uint32_t addr = o.address + (uint32_t)off;
    memset(blk, 0xFF, n);
    memcpy(blk, img + off, QE_MIN(n, len - off));
    st = qe_progress(ctx, 0.65 + 0.35 * (double)off / (double)padded, "verifying");
    if (st == QE_OK)
      st = read_retry(&b, addr, back, n, o.retries);
    if (st != QE_OK)
      return st;
    if (memcmp(back, blk, n) != 0) {
      b.retries++;
      st = read_retry(&b, addr, back, n, o.retries);
      if (st != QE_OK)
        return st;
      size_t i = 0;
      while (i < n && back[i] == blk[i])
        i++;
      if (i < n)
        return qe_error(ctx, QE_ERR_VERIFY,
                        "%s: verification failed at 0x%08X: wrote 0x%02X, read back 0x%02X "
                        "(the flash may be worn or write-protected)",
                        qe_port_name(port), (unsigned)(addr + i), blk[i], back[i]);
    }
  }
  if (o.go) {
    reply r = command(&b, CMD_GO);
    if (r == R_ACK)
      r = send_addr(&b, o.address);
    if (r != R_ACK)
      return gone_or(&b, r, "GO", o.address);
  }
  rep->bytes = len;
  rep->retries = b.retries;
  rep->seconds = now_s() - t0;
  return qe_progress(ctx, 1.0, "verifying");
}
