/* stm32f4.c - runner glue for STM32F4 parts (USART, clock, counter).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Used for the QEMU `netduinoplus2` machine (STM32F405RG; USART1 on
 * PA9/PA10 is QEMU's first serial port). The core runs from the reset clock
 * (HSI); QR_CLOCK_HZ is the core clock the counter runs at (QEMU's model of
 * this SoC clocks SysTick at 168 MHz whatever RCC says).
 */
#include <stdint.h>

#include "../board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#ifndef QR_USART_BASE
#define QR_USART_BASE 0x40011000u /* USART1 */
#endif
#ifndef QR_BOARD_ID
#define QR_BOARD_ID "stm32f4"
#endif

#define RCC_AHB1ENR REG32(0x40023830u)
#define RCC_APB2ENR REG32(0x40023844u)
#define GPIOA_MODER REG32(0x40020000u)
#define GPIOA_AFRH  REG32(0x40020024u)

#define USART_SR  REG32(QR_USART_BASE + 0x00u)
#define USART_DR  REG32(QR_USART_BASE + 0x04u)
#define USART_BRR REG32(QR_USART_BASE + 0x08u)
#define USART_CR1 REG32(QR_USART_BASE + 0x0Cu)

#define SR_RXNE (1u << 5)
#define SR_TXE  (1u << 7)

const char board_id[] = QR_BOARD_ID;

void qr_counter_init(void);

void board_init(void)
{
  RCC_AHB1ENR |= 1u << 0; /* GPIOA */
  RCC_APB2ENR |= 1u << 4; /* USART1 */
  /* PA9 = TX, PA10 = RX, alternate function 7. */
  GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 18)) | (0xAu << 18);
  GPIOA_AFRH = (GPIOA_AFRH & ~(0xFFu << 4)) | (0x77u << 4);
  /* 115200 baud from the 16 MHz HSI: 16e6 / 115200 = 138.9 -> 0x8B. */
  USART_BRR = 0x8Bu;
  USART_CR1 = (1u << 13) | (1u << 3) | (1u << 2); /* UE | TE | RE */
  qr_counter_init();
}

void board_uart_putc(uint8_t c)
{
  while (!(USART_SR & SR_TXE)) {
  }
  USART_DR = c;
}

int board_uart_getc(void)
{
  if (!(USART_SR & SR_RXNE))
    return -1;
  return (int)(USART_DR & 0xFFu);
}

uint32_t board_clock_hz(void)
{
  return QR_CLOCK_HZ;
}
