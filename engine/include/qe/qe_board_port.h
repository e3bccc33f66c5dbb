/* qe_board_port.h - byte links to boards: serial ports, ptys and sockets.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One handle type for every way the engine talks to a board:
 *
 *   /dev/ttyACM0, /dev/ttyUSB0 ...  a real serial port, through libserialport
 *                                   (baud, 8N1 or 8E1, DTR/RTS lines)
 *   /dev/pts/N                      a pseudo-terminal (QEMU's -serial pty,
 *                                   the test emulators). Opened with plain
 *                                   termios: Linux ptys reject parity and
 *                                   the modem-control ioctls libserialport
 *                                   insists on, and carry no baud rate, so
 *                                   parity and DTR/RTS are accepted and
 *                                   ignored there.
 *   unix:/path/to/socket            a Unix stream socket (QEMU -chardev socket)
 *   tcp:HOST:PORT                   a TCP stream (QEMU -serial tcp:...)
 *
 * (The tests set QZ_PORT_PTY_AS_SERIAL=1 to send ptys through libserialport
 * too, under tests/boards/ptyshim.c, and so check the real-port code path
 * and its 8E1 settings.)
 *
 * Every open port is locked with flock(LOCK_EX) (and TIOCEXCL on real
 * ports), so a second program holding it is reported as QE_ERR_BUSY with a
 * plain message instead of two programs garbling each other's bytes.
 */
#ifndef QE_BOARD_PORT_H
#define QE_BOARD_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QE_PARITY_NONE = 0,
  QE_PARITY_EVEN,
} qe_parity;

typedef struct {
  uint32_t baud;    /* 0 means 115200 */
  qe_parity parity; /* 8 data bits, 1 stop bit always */
} qe_port_config;

typedef struct qe_port qe_port;

qe_status qe_port_open(const char *name, const qe_port_config *config, qe_port **out, qe_ctx *ctx);
void qe_port_close(qe_port *port);
const char *qe_port_name(const qe_port *port);
/* Non-zero when the link is a pty or socket (no real UART behind it). */
int qe_port_is_virtual(const qe_port *port);

/* Write all @len bytes within @timeout_ms. */
qe_status qe_port_write(qe_port *port, const void *data, size_t len, int timeout_ms, qe_ctx *ctx);
/* Read exactly @len bytes; QE_ERR_TIMEOUT when they do not all arrive
 * within @timeout_ms (*got, if given, says how many did). */
qe_status qe_port_read(qe_port *port, void *buf, size_t len, int timeout_ms, size_t *got,
                       qe_ctx *ctx);
/* Drop whatever was received and not read yet. */
qe_status qe_port_discard_input(qe_port *port, qe_ctx *ctx);
qe_status qe_port_set_baud(qe_port *port, uint32_t baud, qe_ctx *ctx);
/* Drive DTR and RTS (1 asserted, 0 released, -1 unchanged). A no-op on
 * ptys and sockets. */
qe_status qe_port_set_lines(qe_port *port, int dtr, int rts, qe_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* QE_BOARD_PORT_H */
