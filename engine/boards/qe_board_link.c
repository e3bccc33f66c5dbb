/* qe_board_link.c - host side of the runner protocol.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include "qe/qe_board_link.h"

#include <string.h>
#include <time.h>

struct qe_link {
  qe_port *port;
  uint8_t seq;
  int timeout_ms;
  int retries;
  unsigned retried;
  unsigned max_payload; /* from HELLO; QE_LINK_MAX_PAYLOAD until then */
  uint8_t frame[QE_LINK_MAX_PAYLOAD + 16];
};

static uint32_t crc_table[256];

static void crc_init(void)
{
  if (crc_table[1])
    return;
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    crc_table[i] = c;
  }
}

uint32_t qe_crc32(uint32_t crc, const void *data, size_t len)
{
  const uint8_t *p = data;
  crc_init();
  crc = ~crc;
  while (len--)
    crc = crc_table[(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

static void put_u32(uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

size_t qe_link_encode(uint8_t type, uint8_t seq, const void *payload, size_t len, uint8_t *out)
{
  out[0] = QE_LINK_SYNC0;
  out[1] = QE_LINK_SYNC1;
  out[2] = type;
  out[3] = seq;
  out[4] = (uint8_t)len;
  out[5] = (uint8_t)(len >> 8);
  if (len)
    memcpy(out + 6, payload, len);
  put_u32(out + 6 + len, qe_crc32(0, out + 2, 4 + len));
  return len + 10;
}

qe_link *qe_link_new(qe_port *port)
{
  qe_link *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  l->port = port;
  l->timeout_ms = 2000;
  l->retries = 4;
  l->max_payload = QE_LINK_MAX_PAYLOAD;
  return l;
}

void qe_link_free(qe_link *link)
{
  if (!link)
    return;
  qe_port_close(link->port);
  free(link);
}

void qe_link_set_timeout(qe_link *link, int timeout_ms, int retries)
{
  link->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
  link->retries = retries >= 0 ? retries : 0;
}

unsigned qe_link_retries(const qe_link *link)
{
  return link ? link->retried : 0;
}

static const char *msg_name(uint8_t type)
{
  switch (type) {
  case QE_LINK_MSG_HELLO:
    return "HELLO";
  case QE_LINK_MSG_PING:
    return "PING";
  case QE_LINK_MSG_WRITE_INPUT:
    return "WRITE_INPUT";
  case QE_LINK_MSG_RUN:
    return "RUN";
  case QE_LINK_MSG_READ_OUTPUT:
    return "READ_OUTPUT";
  default:
    return "request";
  }
}

typedef enum { RX_OK, RX_RETRY, RX_FAIL } rx_result;

/* Read one frame answering @seq. RX_RETRY on timeouts, NAKs and bad
 * frames; RX_FAIL (error set) when the link is gone or the runner refused. */
static rx_result receive(qe_link *l, uint8_t req, uint8_t seq, uint8_t *reply, size_t cap,
                         size_t *reply_len, qe_ctx *ctx)
{
  qe_ctx *tmp = qe_ctx_new();
  rx_result res = RX_RETRY;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + l->timeout_ms;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int left = (int)(deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000));
    if (left <= 0)
      break;
    uint8_t b;
    qe_status st = qe_port_read(l->port, &b, 1, left, NULL, tmp);
    if (st == QE_ERR_TIMEOUT)
      break;
    if (st != QE_OK) {
      qe_error(ctx, st, "%s", qe_ctx_error(tmp));
      res = RX_FAIL;
      break;
    }
    if (b != QE_LINK_SYNC0)
      continue;
    uint8_t *f = l->frame;
    f[0] = b;
    st = qe_port_read(l->port, f + 1, 1, left, NULL, tmp);
    if (st == QE_OK && f[1] != QE_LINK_SYNC1)
      continue;
    if (st == QE_OK)
      st = qe_port_read(l->port, f + 2, 4, left, NULL, tmp);
    size_t len = (size_t)f[4] | (size_t)f[5] << 8;
    if (st == QE_OK && len > QE_LINK_MAX_PAYLOAD)
      continue; /* not a frame header after all */
    if (st == QE_OK)
      st = qe_port_read(l->port, f + 6, len + 4, left, NULL, tmp);
    if (st == QE_ERR_TIMEOUT)
      break;
    if (st != QE_OK) {
      qe_error(ctx, st, "%s", qe_ctx_error(tmp));
      res = RX_FAIL;
      break;
    }
    if (qe_crc32(0, f + 2, 4 + len) != get_u32(f + 6 + len))
      break; /* corrupted on the way: ask again */
    if (f[3] != seq)
      continue; /* a late answer to an earlier try */
    if (f[2] == QE_LINK_MSG_NAK)
      break;
    if (f[2] == QE_LINK_MSG_ERROR) {
      char msg[128] = "";
      size_t n = len > 4 ? QE_MIN(len - 4, sizeof msg - 1) : 0;
      memcpy(msg, f + 10, n);
      msg[n] = '\0';
      for (size_t i = 0; i < n; i++)
        if ((unsigned char)msg[i] < 0x20)
          msg[i] = ' ';
      qe_error(ctx, QE_ERR_DEVICE, "%s: the runner refused %s: %s", qe_port_name(l->port),
               msg_name(req), msg);
      res = RX_FAIL;
      break;
    }
    if (f[2] != (uint8_t)(req | QE_LINK_REPLY) || len > cap)
      break;
    memcpy(reply, f + 6, len);
    *reply_len = len;
    res = RX_OK;
    break;
  }
  qe_ctx_free(tmp);
  return res;
}

static qe_status transact(qe_link *l, uint8_t type, const void *payload, size_t len, uint8_t *reply,
                          size_t cap, size_t *reply_len, int retries, qe_ctx *ctx)
{
  uint8_t out[QE_LINK_MAX_PAYLOAD + 16];
  if (len > l->max_payload)
    return qe_error(ctx, QE_ERR_INTERNAL, "%s payload of %zu bytes is too long", msg_name(type),
                    len);
  for (int attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0)
      l->retried++;
    uint8_t seq = ++l->seq;
    qe_status st = qe_port_discard_input(l->port, ctx);
    if (st != QE_OK)
      return st;
    size_t n = qe_link_encode(type, seq, payload, len, out);
    st = qe_port_write(l->port, out, n, l->timeout_ms, ctx);
    if (st != QE_OK)
      return st;
    rx_result r = receive(l, type, seq, reply, cap, reply_len, ctx);
    if (r == RX_OK)
      return QE_OK;
    if (r == RX_FAIL)
      return qe_ctx_status(ctx);
  }
  return qe_error(ctx, QE_ERR_TIMEOUT,
                  "%s: no valid answer to %s after %d tries (is the runner firmware on the "
                  "board, and the baud rate right?)",
                  qe_port_name(l->port), msg_name(type), retries + 1);
}

static void copy_str(char *dst, size_t cap, const uint8_t **p, const uint8_t *end)
{
  size_t n = 0;
  while (*p < end && **p) {
    if (n + 1 < cap)
      dst[n++] = (char)((**p >= 0x20 && **p < 0x7F) ? **p : '?');
    (*p)++;
  }
  dst[n] = '\0';
  if (*p < end)
    (*p)++;
}

qe_status qe_link_hello(qe_link *l, int wait_ms, qe_runner_info *info, qe_ctx *ctx)
{
  uint8_t r[QE_LINK_MAX_PAYLOAD];
  size_t n = 0;
  int saved = l->timeout_ms;
  /* While a board boots (or QEMU starts) bytes are lost: short tries. */
  int per_try = QE_MIN(saved, 250);
  int tries = wait_ms / per_try + 1;
  l->timeout_ms = per_try;
  qe_status st = transact(l, QE_LINK_MSG_HELLO, NULL, 0, r, sizeof r, &n, tries, ctx);
  l->timeout_ms = saved;
  if (st != QE_OK)
    return st;
  if (n < 30)
    return qe_error(ctx, QE_ERR_PARSE, "%s: HELLO answer of %zu bytes is too short",
                    qe_port_name(l->port), n);
  memset(info, 0, sizeof *info);
  info->protocol_version = (unsigned)(r[0] | r[1] << 8);
  info->max_payload = (unsigned)(r[2] | r[3] << 8);
  info->clock_hz = get_u32(r + 4);
  info->free_ram = get_u32(r + 8);
  info->arena_bytes = get_u32(r + 12);
  info->input_bytes = get_u32(r + 16);
  info->output_bytes = get_u32(r + 20);
  info->model_id = get_u32(r + 24);
  info->counter = r[28] == 1 ? QE_COUNTER_SYSTICK : QE_COUNTER_CPU_CYCLES;
  const uint8_t *p = r + 30, *end = r + n;
  copy_str(info->firmware_version, sizeof info->firmware_version, &p, end);
  copy_str(info->board_id, sizeof info->board_id, &p, end);
  copy_str(info->model_name, sizeof info->model_name, &p, end);
  if (info->protocol_version != QE_LINK_PROTOCOL_VERSION)
    return qe_error(ctx, QE_ERR_UNSUPPORTED,
                    "%s: the runner speaks protocol version %u, this Quantizer speaks %d "
                    "(flash the runner again)",
                    qe_port_name(l->port), info->protocol_version, QE_LINK_PROTOCOL_VERSION);
  if (info->max_payload < 16 || info->max_payload > QE_LINK_MAX_PAYLOAD)
    return qe_error(ctx, QE_ERR_PARSE, "%s: HELLO: maximum payload %u is out of range",
                    qe_port_name(l->port), info->max_payload);
  l->max_payload = info->max_payload;
  return QE_OK;
}

qe_status qe_link_ping(qe_link *l, const void *data, size_t len, qe_ctx *ctx)
{
  uint8_t r[QE_LINK_MAX_PAYLOAD];
  size_t n = 0;
  qe_status st = transact(l, QE_LINK_MSG_PING, data, len, r, sizeof r, &n, l->retries, ctx);
  if (st != QE_OK)
    return st;
  if (n != len || (len && memcmp(r, data, len) != 0))
    return qe_error(ctx, QE_ERR_VERIFY, "%s: PING echo differs from what was sent",
                    qe_port_name(l->port));
  return QE_OK;
}

qe_status qe_link_write_input(qe_link *l, const void *data, size_t len, qe_ctx *ctx)
{
  const uint8_t *b = data;
  uint8_t pl[QE_LINK_MAX_PAYLOAD], r[16];
  size_t chunk = l->max_payload - 4, n = 0;
  for (size_t off = 0; off < len || (len == 0 && off == 0); off += chunk) {
    size_t k = QE_MIN(chunk, len - off);
    put_u32(pl, (uint32_t)off);
    if (k)
      memcpy(pl + 4, b + off, k);
    qe_status st =
        transact(l, QE_LINK_MSG_WRITE_INPUT, pl, k + 4, r, sizeof r, &n, l->retries, ctx);
    if (st != QE_OK)
      return st;
    if (len == 0)
      break;
  }
  return QE_OK;
}

qe_status qe_link_run(qe_link *l, uint32_t iterations, qe_run_result *res, qe_ctx *ctx)
{
  uint8_t pl[4], r[64];
  size_t n = 0;
  put_u32(pl, iterations);
  /* An inference can take a while: give it its own, longer timeout. */
  int saved = l->timeout_ms;
  l->timeout_ms = saved * 10;
  qe_status st = transact(l, QE_LINK_MSG_RUN, pl, 4, r, sizeof r, &n, l->retries, ctx);
  l->timeout_ms = saved;
  if (st != QE_OK)
    return st;
  if (n < 40)
    return qe_error(ctx, QE_ERR_PARSE, "%s: RUN answer of %zu bytes is too short",
                    qe_port_name(l->port), n);
  res->model_status = (int32_t)get_u32(r);
  res->iterations = get_u32(r + 4);
  res->first = get_u64(r + 8);
  res->min = get_u64(r + 16);
  res->max = get_u64(r + 24);
  res->total = get_u64(r + 32);
  if (res->model_status != 0)
    return qe_error(ctx, QE_ERR_DEVICE, "%s: the model failed on the board (code %d)",
                    qe_port_name(l->port), (int)res->model_status);
  return QE_OK;
}

qe_status qe_link_read_output(qe_link *l, void *buf, size_t len, qe_ctx *ctx)
{
  uint8_t *b = buf, pl[6];
  size_t chunk = l->max_payload;
  for (size_t off = 0; off < len; off += chunk) {
    size_t k = QE_MIN(chunk, len - off), n = 0;
    put_u32(pl, (uint32_t)off);
    pl[4] = (uint8_t)k;
    pl[5] = (uint8_t)(k >> 8);
    qe_status st = transact(l, QE_LINK_MSG_READ_OUTPUT, pl, 6, b + off, k, &n, l->retries, ctx);
    if (st != QE_OK)
      return st;
    if (n != k)
      return qe_error(ctx, QE_ERR_PARSE, "%s: READ_OUTPUT gave %zu bytes, %zu asked",
                      qe_port_name(l->port), n, k);
  }
  return QE_OK;
}

qe_status qe_link_validate(qe_link *l, const qe_runner_info *info, const void *inputs,
                           size_t n_samples, uint32_t iterations, qe_host_run_fn host_run,
                           void *user_data, qe_validation *rep, qe_ctx *ctx)
{
  memset(rep, 0, sizeof *rep);
  rep->first_mismatch_sample = -1;
  rep->first_mismatch_byte = -1;
  rep->ticks_min = UINT64_MAX;
  if (iterations < 1)
    iterations = 1;
  size_t in_len = info->input_bytes, out_len = info->output_bytes;
  if (out_len == 0 || in_len == 0)
    return qe_error(ctx, QE_ERR_INVALID, "the runner's model has no input or no output");
  uint8_t *board_out = NULL, *host_out = NULL;
  qe_status st = qe_alloc(ctx, out_len, 1, "board output", (void **)&board_out);
  if (st == QE_OK)
    st = qe_alloc(ctx, out_len, 1, "host output", (void **)&host_out);
  double total_ticks = 0, runs = 0;
  const uint8_t *in = inputs;
  for (size_t s = 0; st == QE_OK && s < n_samples; s++) {
    st = qe_progress(ctx, (double)s / (double)n_samples, "validating on the board");
    if (st != QE_OK)
      break;
    const uint8_t *x = in + s * in_len;
    qe_run_result rr;
    st = qe_link_write_input(l, x, in_len, ctx);
    if (st == QE_OK)
      st = qe_link_run(l, iterations, &rr, ctx);
    if (st == QE_OK)
      st = qe_link_read_output(l, board_out, out_len, ctx);
    if (st == QE_OK)
      st = host_run(user_data, x, in_len, host_out, out_len, ctx);
    if (st != QE_OK)
      break;
    rep->samples++;
    if (rr.min < rep->ticks_min)
      rep->ticks_min = rr.min;
    if (rr.max > rep->ticks_max)
      rep->ticks_max = rr.max;
    total_ticks += (double)rr.total;
    runs += rr.iterations;
    size_t bad = 0;
    for (size_t i = 0; i < out_len; i++) {
      if (board_out[i] == host_out[i])
        continue;
      if (bad == 0 && rep->first_mismatch_sample < 0) {
        rep->first_mismatch_sample = (long)s;
        rep->first_mismatch_byte = (long)i;
        rep->first_board_value = (int8_t)board_out[i];
        rep->first_host_value = (int8_t)host_out[i];
      }
      bad++;
    }
    if (bad) {
      rep->mismatched_samples++;
      rep->mismatched_bytes += bad;
    }
  }
  if (st == QE_OK)
    st = qe_progress(ctx, 1.0, "validating on the board");
  if (runs > 0) {
    rep->ticks_mean = total_ticks / runs;
    if (info->clock_hz)
      rep->ms_mean = rep->ticks_mean * 1000.0 / info->clock_hz;
  } else {
    rep->ticks_min = 0;
  }
  rep->link_retries = l->retried;
  free(board_out);
  free(host_out);
  return st;
}
