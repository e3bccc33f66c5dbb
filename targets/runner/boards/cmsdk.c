/* cmsdk.c - runner glue for Arm MPS2/MPS3 FPGA images (CMSDK APB UART).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used for QEMU's mps2-an386 (Cortex-M4, UART0 at 0x40004000, 25 MHz) and
 * mps3-an547 (Cortex-M55, UART0 at 0x49303000, 32 MHz): QR_UART_BASE and
 * QR_CLOCK_HZ come from the build flags (targets/meson.build).
 */
#include <stdint.h>

#include "../board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#ifndef QR_BOARD_ID
#define QR_BOARD_ID "cmsdk"
#endif

#define UART_DATA    REG32(QR_UART_BASE + 0x00u)
#define UART_STATE   REG32(QR_UART_BASE + 0x04u)
#define UART_CTRL    REG32(QR_UART_BASE + 0x08u)
#define UART_BAUDDIV REG32(QR_UART_BASE + 0x10u)

#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)

const char board_id[] = QR_BOARD_ID;

void qr_counter_init(void);

void board_init(void)
{
  /* 115200 baud: BAUDDIV = clock / baud (at least 16 by the CMSDK spec). */
  uint32_t div = QR_CLOCK_HZ / 115200u;
  UART_BAUDDIV = div < 16u ? 16u : div;
  UART_CTRL = 0x3u; /* TX enable | RX enable, no interrupts */
  qr_counter_init();
}

void board_uart_putc(uint8_t c)
{
  while (UART_STATE & STATE_TXFULL) {
  }
  UART_DATA = c;
}

int board_uart_getc(void)
{
  if (!(UART_STATE & STATE_RXFULL))
    return -1;
  return (int)(UART_DATA & 0xFFu);
}

uint32_t board_clock_hz(void)
{
  return QR_CLOCK_HZ;
}
