/* stm32u585.c - runner glue for the B-U585I-IOT02A (STM32U585AI, Cortex-M33).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written from the register descriptions of ST RM0456 (STM32U575/585
 * reference manual) and UM2839 (B-U585I-IOT02A user manual); no HAL.
 *
 * Security: the runner is built for the part as shipped, TrustZone
 * disabled (option byte TZEN=0). The core then runs without security
 * attribution and every address is the plain (non-secure) one: flash at
 * 0x08000000, SRAM at 0x20000000, peripherals at 0x4xxxxxxx. A board whose
 * TZEN was set needs a secure image (secure aliases 0x0C000000,
 * 0x30000000, 0x5xxxxxxx, SAU/GTZC set-up before a non-secure world):
 * that is not built here; the runner would fault on its first peripheral
 * access, and the host then reports that the board never answered.
 *
 * Clock: MSIS at its 4 MHz reset range feeds PLL1: /M=1 (input range
 * 4-8 MHz), xN=80 (VCO 320 MHz), /R=2 = 160 MHz SYSCLK. RM0456 10.5.4:
 * above 55 MHz needs voltage range 1 and the EPOD booster (its clock is
 * the PLL1 input, 4 MHz, within the 4-16 MHz it needs: PLL1MBOOST=/1), and
 * 4 flash wait states at 160 MHz in range 1. The AHB prescaler goes
 * through /2 for the switch (the step RM0456 asks for when SYSCLK jumps
 * above 80 MHz), then /1; APB1/2/3 /1. The instruction cache (ICACHE) is
 * turned on.
 *
 * Serial: USART1 on PA9 (TX) / PA10 (RX), alternate function 7: the
 * STLINK-V3E's virtual COM port (UM2839 7.11). Kernel clock PCLK2 (the
 * reset choice of RCC_CCIPR1.USART1SEL) = 160 MHz: BRR = 160e6 / 115200
 * = 1389 (16x oversampling). Overrun detection off (CR3.OVRDIS).
 *
 * Memory: SRAM1, SRAM2 and SRAM3 form 768 KiB from 0x20000000, all
 * clocked from reset; SRAM4 (16 KiB at 0x28000000) is not used.
 *
 * Verified here: builds warning-free, fits, vector table and entry point
 * (tests/boards/test_runner_images.py). QEMU has no STM32U5 machine, so
 * the clock set-up and the link need a real board.
 */
#include <stdint.h>

#include "../board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#ifndef QR_BOARD_ID
#define QR_BOARD_ID "b-u585i-iot02a"
#endif

/* RCC (RM0456 11.8), non-secure alias */
#define RCC_BASE     0x46020C00u
#define RCC_CR       REG32(RCC_BASE + 0x00u)
#define RCC_CFGR1    REG32(RCC_BASE + 0x1Cu)
#define RCC_CFGR2    REG32(RCC_BASE + 0x20u)
#define RCC_CFGR3    REG32(RCC_BASE + 0x24u)
#define RCC_PLL1CFGR REG32(RCC_BASE + 0x28u)
#define RCC_PLL1DIVR REG32(RCC_BASE + 0x34u)
#define RCC_AHB2ENR1 REG32(RCC_BASE + 0x8Cu)
#define RCC_AHB3ENR  REG32(RCC_BASE + 0x94u)
#define RCC_APB2ENR  REG32(RCC_BASE + 0xA4u)
#define CR_MSISRDY   (1u << 2)
#define CR_PLL1ON    (1u << 24)
#define CR_PLL1RDY   (1u << 25)
/* PWR (RM0456 10.10) */
#define PWR_VOSR      REG32(0x4602080Cu)
#define VOSR_BOOSTRDY (1u << 14)
#define VOSR_VOSRDY   (1u << 15)
#define VOSR_RANGE1   (3u << 16)
#define VOSR_BOOSTEN  (1u << 18)
/* Flash (RM0456 7.9) and instruction cache (RM0456 8.7) */
#define FLASH_ACR REG32(0x40022000u)
#define ICACHE_CR REG32(0x40030400u)
/* GPIOA (RM0456 13.4) */
#define GPIOA_MODER REG32(0x42020000u)
#define GPIOA_AFRH  REG32(0x42020024u)
/* USART1 (RM0456 67.8) */
#define USART_BASE 0x40013800u
#define USART_CR1  REG32(USART_BASE + 0x00u)
#define USART_CR3  REG32(USART_BASE + 0x08u)
#define USART_BRR  REG32(USART_BASE + 0x0Cu)
#define USART_ISR  REG32(USART_BASE + 0x1Cu)
#define USART_ICR  REG32(USART_BASE + 0x20u)
#define USART_RDR  REG32(USART_BASE + 0x24u)
#define USART_TDR  REG32(USART_BASE + 0x28u)
#define ISR_RXNE   (1u << 5)
#define ISR_TXE    (1u << 7)

#define CLOCK_HZ 160000000u

const char board_id[] = QR_BOARD_ID;

void qr_counter_init(void);

static void clock_160mhz(void)
{
  RCC_AHB3ENR |= 1u << 2; /* PWREN */
  (void)RCC_AHB3ENR;
  /* Range 1. */
  PWR_VOSR = (PWR_VOSR & ~(3u << 16)) | VOSR_RANGE1;
  while (!(PWR_VOSR & VOSR_VOSRDY)) {
  }
  /* 4 wait states (and prefetch) before the clock rises. */
  FLASH_ACR = (FLASH_ACR & ~0xFu) | 4u | (1u << 8);
  while ((FLASH_ACR & 0xFu) != 4u) {
  }
  while (!(RCC_CR & CR_MSISRDY)) {
  }
  /* PLL1: source MSIS (01), RGE 4-8 MHz (00), M=1 (0), MBOOST /1 (0), R out. */
  RCC_PLL1CFGR = 1u | (0u << 2) | (0u << 8) | (0u << 12) | (1u << 18);
  /* N=80 (79), P=2 (1), Q=2 (1), R=2 (1). */
  RCC_PLL1DIVR = 79u | (1u << 9) | (1u << 16) | (1u << 24);
  /* EPOD booster, fed by the PLL1 input just chosen. */
  PWR_VOSR |= VOSR_BOOSTEN;
  while (!(PWR_VOSR & VOSR_BOOSTRDY)) {
  }
  RCC_CR |= CR_PLL1ON;
  while (!(RCC_CR & CR_PLL1RDY)) {
  }
  /* AHB /2 for the switch, APB1/2/3 /1. */
  RCC_CFGR2 = 8u;
  RCC_CFGR3 = 0u;
  RCC_CFGR1 = (RCC_CFGR1 & ~3u) | 3u; /* SW = PLL1 */
  while (((RCC_CFGR1 >> 2) & 3u) != 3u) {
  }
  for (volatile int i = 0; i < 200; i++) {
    /* >= 1 us at 80 MHz before AHB goes to /1 */
  }
  RCC_CFGR2 = 0u;
}

void board_init(void)
{
  clock_160mhz();
  ICACHE_CR |= 1u;         /* EN */
  RCC_AHB2ENR1 |= 1u << 0; /* GPIOA */
  RCC_APB2ENR |= 1u << 14; /* USART1 */
  (void)RCC_APB2ENR;
  /* PA9 = TX, PA10 = RX: alternate function 7. */
  GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 18)) | (0xAu << 18);
  GPIOA_AFRH = (GPIOA_AFRH & ~(0xFFu << 4)) | (0x77u << 4);
  USART_CR1 = 0;
  USART_CR3 = 1u << 12; /* OVRDIS */
  USART_BRR = (CLOCK_HZ + 115200u / 2u) / 115200u;
  USART_CR1 = (1u << 3) | (1u << 2) | 1u; /* TE | RE | UE, 8N1 */
  qr_counter_init();
}

void board_uart_putc(uint8_t c)
{
  while (!(USART_ISR & ISR_TXE)) {
  }
  USART_TDR = c;
}

int board_uart_getc(void)
{
  if (!(USART_ISR & ISR_RXNE)) {
    USART_ICR = 0xFu;
    return -1;
  }
  return (int)(USART_RDR & 0xFFu);
}

uint32_t board_clock_hz(void)
{
  return CLOCK_HZ;
}
