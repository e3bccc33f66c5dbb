/* board.h - what the portable runner needs from a board's glue.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One glue file per board family (boards/<family>.c) implements these. The
 * runner itself (runner.c) is portable C with no board knowledge.
 */
#ifndef QR_BOARD_H
#define QR_BOARD_H

#include <stdint.h>

/* What board_cycles() counts; sent in HELLO so the host can say it plainly. */
enum {
  QR_COUNTER_CPU_CYCLES = 0, /* DWT CYCCNT: real core clock cycles */
  QR_COUNTER_SYSTICK = 1,    /* SysTick ticks on the core clock (QEMU: icount-driven) */
};

/* Clocks, UART and the cycle counter. Called once before anything else. */
void board_init(void);
/* Blocking transmit of one byte. */
void board_uart_putc(uint8_t c);
/* One received byte, or -1 when none is waiting (never blocks). */
int board_uart_getc(void);
/* Free-running 64-bit counter of what board_counter_kind() says. */
uint64_t board_cycles(void);
uint8_t board_counter_kind(void);
uint32_t board_clock_hz(void);
/* Bytes of RAM nothing uses (Cortex-M: between the end of static data and
 * the bottom of the stack, from the linker script, in startup.c). */
uint32_t board_free_ram(void);

/* Identity (from the glue's build flags). */
extern const char board_id[];

/* The protocol loop (runner.c); never returns. */
void qr_runner_main(void);

#endif /* QR_BOARD_H */
