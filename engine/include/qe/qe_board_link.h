/* qe_board_link.h - host side of the runner protocol (targets/PROTOCOL.md).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Talks to the runner firmware on a board (or in QEMU): identity, input
 * tensors in, inference with the board's cycle counter around it, outputs
 * back. Every request is idempotent, so a frame lost or corrupted on the
 * wire (CRC mismatch, NAK, timeout) is simply sent again, a bounded number
 * of times.
 */
#ifndef QE_BOARD_LINK_H
#define QE_BOARD_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "qe_board_port.h"
#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QE_LINK_PROTOCOL_VERSION 1
#define QE_LINK_SYNC0            0xA5
#define QE_LINK_SYNC1            0x5A
#define QE_LINK_MAX_PAYLOAD      1024 /* largest payload any runner accepts */

enum {
  QE_LINK_MSG_HELLO = 0x01,
  QE_LINK_MSG_PING = 0x02,
  QE_LINK_MSG_WRITE_INPUT = 0x03,
  QE_LINK_MSG_RUN = 0x04,
  QE_LINK_MSG_READ_OUTPUT = 0x05,
  QE_LINK_MSG_NAK = 0x7E,
  QE_LINK_MSG_ERROR = 0x7F,
  QE_LINK_REPLY = 0x80,
};

/* What board_cycles() counts on the runner. */
typedef enum {
  QE_COUNTER_CPU_CYCLES = 0, /* DWT CYCCNT, core clock cycles */
  QE_COUNTER_SYSTICK = 1,    /* SysTick ticks at the core clock (QEMU: virtual time) */
} qe_counter_kind;

typedef struct {
  unsigned protocol_version;
  unsigned max_payload;
  uint32_t clock_hz;
  uint32_t free_ram;
  uint32_t arena_bytes;
  uint32_t input_bytes;
  uint32_t output_bytes;
  uint32_t model_id;
  qe_counter_kind counter;
  char firmware_version[32];
  char board_id[64];
  char model_name[64];
} qe_runner_info;

typedef struct {
  int32_t model_status; /* 0: the model ran */
  uint32_t iterations;
  uint64_t first; /* counter ticks of the first run */
  uint64_t min, max;
  uint64_t total; /* all runs together */
} qe_run_result;

typedef struct qe_link qe_link;

/* Takes ownership of @port (closed by qe_link_free). */
qe_link *qe_link_new(qe_port *port);
void qe_link_free(qe_link *link);
/* Per-request answer timeout (default 2000 ms) and retry count (default 4). */
void qe_link_set_timeout(qe_link *link, int timeout_ms, int retries);
/* Frames re-sent because of NAKs, bad CRCs or timeouts, since the start. */
unsigned qe_link_retries(const qe_link *link);

/* HELLO; retried for up to @wait_ms while the board boots. */
qe_status qe_link_hello(qe_link *link, int wait_ms, qe_runner_info *info, qe_ctx *ctx);
/* PING: the runner echoes @len bytes; QE_ERR_VERIFY when the echo differs. */
qe_status qe_link_ping(qe_link *link, const void *data, size_t len, qe_ctx *ctx);
qe_status qe_link_write_input(qe_link *link, const void *data, size_t len, qe_ctx *ctx);
qe_status qe_link_run(qe_link *link, uint32_t iterations, qe_run_result *result, qe_ctx *ctx);
qe_status qe_link_read_output(qe_link *link, void *buf, size_t len, qe_ctx *ctx);

/* On-target validation: run @n_samples inputs (each info->input_bytes
 * long, back to back in @inputs) on the board and through @host_run on the
 * host, and compare the outputs byte for byte. @iterations runs per sample
 * on the board (>= 1) give the cycle statistics. Progress and cancel go
 * through the context ("validating on the board"). A mismatch is not an
 * error of this call: the report says what differed. */
typedef qe_status (*qe_host_run_fn)(void *user_data, const void *input, size_t input_len,
                                    void *output, size_t output_len, qe_ctx *ctx);

typedef struct {
  size_t samples;
  size_t mismatched_samples; /* outputs not bit-identical to the host's */
  size_t mismatched_bytes;
  long first_mismatch_sample; /* -1 when all matched */
  long first_mismatch_byte;
  int first_board_value, first_host_value;
  uint64_t ticks_min, ticks_max; /* per inference, over every run */
  double ticks_mean;             /* total / runs */
  double ms_mean;                /* ticks_mean / clock */
  unsigned link_retries;
} qe_validation;

qe_status qe_link_validate(qe_link *link, const qe_runner_info *info, const void *inputs,
                           size_t n_samples, uint32_t iterations, qe_host_run_fn host_run,
                           void *user_data, qe_validation *report, qe_ctx *ctx);

/* CRC-32/ISO-HDLC (the zlib/Ethernet CRC) used by the frames. */
uint32_t qe_crc32(uint32_t crc, const void *data, size_t len);
/* Encode one frame into @out (room for len + 10 bytes); returns its size. */
size_t qe_link_encode(uint8_t type, uint8_t seq, const void *payload, size_t len, uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif /* QE_BOARD_LINK_H */
