/* c28x_shim.c - the board glue of the TI project's runner, on a PC over a
 * pseudo-terminal, for its sources built with int8 storage emulated as 16
 * bits (-DQE_EMULATE_C28X_INT8 -include qe_c28x_int8.h; see README).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "board.h"
#include "shim_pty.h"

const char board_id[] = QR_BOARD_ID;

void board_init(void)
{
  shim_pty_open();
}

void board_uart_putc(uint8_t c)
{
  shim_pty_putc((unsigned char)(c & 0xFFu));
}

int board_uart_getc(void)
{
  return shim_pty_getc(10);
}

uint64_t board_cycles(void)
{
  return shim_ns() * 150u / 1000u; /* a 150 MHz core clock */
}

uint8_t board_counter_kind(void)
{
  return QR_COUNTER_CPU_CYCLES;
}

uint32_t board_clock_hz(void)
{
  return 150000000u;
}

uint32_t board_free_ram(void)
{
  return 0;
}
