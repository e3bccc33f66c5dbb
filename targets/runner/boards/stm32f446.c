/* stm32f446.c - runner glue for the NUCLEO-F446RE (STM32F446RE, Cortex-M4F).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written from the register descriptions of ST RM0390 (STM32F446xx
 * reference manual) and UM1724 (Nucleo-64 user manual); no HAL.
 *
 * Clock: the 16 MHz HSI feeds the main PLL: /M=8 (2 MHz into the VCO),
 * xN=180 (VCO 360 MHz), /P=2 = 180 MHz SYSCLK. 180 MHz needs voltage scale
 * 1 and the over-drive mode (RM0390 5.1.4: scale 1 without over-drive
 * stops at 168 MHz), and 5 flash wait states at 2.7-3.6 V (RM0390 table
 * 5, the NUCLEO supplies 3.3 V). AHB /1 = 180 MHz, APB1 /4 = 45 MHz (its
 * maximum), APB2 /2 = 90 MHz. The HSI is factory-trimmed to 1 % at 25 C:
 * well within a UART's tolerance, and it needs no solder bridge (the
 * ST-LINK's 8 MHz MCO only reaches HSE on some board revisions).
 *
 * Serial: USART2 on PA2 (TX) / PA3 (RX), alternate function 7: the pins
 * the ST-LINK/V2-1's virtual COM port is wired to (UM1724 6.8). 115200
 * 8N1 from the 45 MHz APB1 clock with 16x oversampling: USARTDIV =
 * 45e6 / (16 x 115200) = 24.414, i.e. mantissa 24 and fraction 7/16:
 * BRR = 45e6 / 115200 = 390.625, rounded to 391 = 0x187 (115089 baud, 0.1 % slow).
 *
 * Cycle counter: DWT CYCCNT (cortexm_counter.c, QR_USE_DWT).
 *
 * Verified here: builds warning-free, fits the part's flash and RAM, vector
 * table and entry point (tests/boards/test_runner_images.py). No emulator
 * models this part's RCC, PWR and flash interface, so the clock set-up
 * and the USART2 link need a real board to be proven.
 */
#include <stdint.h>

#include "../board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#ifndef QR_BOARD_ID
#define QR_BOARD_ID "nucleo-f446re"
#endif

/* RCC (RM0390 6.3) */
#define RCC_BASE    0x40023800u
#define RCC_CR      REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u)
#define RCC_CFGR    REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define CR_HSIRDY   (1u << 1)
#define CR_PLLON    (1u << 24)
#define CR_PLLRDY   (1u << 25)
/* PWR (RM0390 5.4) */
#define PWR_CR      REG32(0x40007000u)
#define PWR_CSR     REG32(0x40007004u)
#define PWR_VOS_1   (3u << 14)
#define PWR_ODEN    (1u << 16)
#define PWR_ODSWEN  (1u << 17)
#define PWR_VOSRDY  (1u << 14)
#define PWR_ODRDY   (1u << 16)
#define PWR_ODSWRDY (1u << 17)
/* Flash interface (RM0390 3.8) */
#define FLASH_ACR REG32(0x40023C00u)
/* GPIOA (RM0390 7.4) */
#define GPIOA_MODER REG32(0x40020000u)
#define GPIOA_AFRL  REG32(0x40020020u)
/* USART2 (RM0390 25.6) */
#define USART_BASE 0x40004400u
#define USART_SR   REG32(USART_BASE + 0x00u)
#define USART_DR   REG32(USART_BASE + 0x04u)
#define USART_BRR  REG32(USART_BASE + 0x08u)
#define USART_CR1  REG32(USART_BASE + 0x0Cu)
#define SR_ORE     (1u << 3)
#define SR_RXNE    (1u << 5)
#define SR_TXE     (1u << 7)

#define CLOCK_HZ 180000000u

const char board_id[] = QR_BOARD_ID;

void qr_counter_init(void);

static void clock_180mhz(void)
{
  while (!(RCC_CR & CR_HSIRDY)) {
  }
  /* The power interface clock, then scale 1 (applied when the PLL runs). */
  RCC_APB1ENR |= 1u << 28; /* PWREN */
  (void)RCC_APB1ENR;       /* read back: the clock is on before PWR is touched */
  PWR_CR = (PWR_CR & ~(3u << 14)) | PWR_VOS_1;
  /* Main PLL from HSI: M=8, N=180, P=2 (00), Q=8, R=2. */
  RCC_PLLCFGR = 8u | (180u << 6) | (0u << 16) | (0u << 22) | (8u << 24) | (2u << 28);
  RCC_CR |= CR_PLLON;
  /* Over-drive (RM0390 5.1.4 "Entering Over-drive mode"): ODEN, wait
   * ODRDY, then ODSWEN, wait ODSWRDY, with the PLL already started. */
  PWR_CR |= PWR_ODEN;
  while (!(PWR_CSR & PWR_ODRDY)) {
  }
  PWR_CR |= PWR_ODSWEN;
  while (!(PWR_CSR & PWR_ODSWRDY)) {
  }
  /* 5 wait states before the clock rises; prefetch and both caches on. */
  FLASH_ACR = 5u | (1u << 8) | (1u << 9) | (1u << 10);
  while ((FLASH_ACR & 0xFu) != 5u) {
  }
  /* AHB /1, APB1 /4 (101), APB2 /2 (100). */
  RCC_CFGR = (RCC_CFGR & ~((0xFu << 4) | (7u << 10) | (7u << 13))) | (5u << 10) | (4u << 13);
  while (!(RCC_CR & CR_PLLRDY)) {
  }
  while (!(PWR_CSR & PWR_VOSRDY)) {
  }
  RCC_CFGR = (RCC_CFGR & ~3u) | 2u; /* SW = PLL */
  while (((RCC_CFGR >> 2) & 3u) != 2u) {
  }
}

void board_init(void)
{
  clock_180mhz();
  RCC_AHB1ENR |= 1u << 0;  /* GPIOA */
  RCC_APB1ENR |= 1u << 17; /* USART2 */
  (void)RCC_APB1ENR;
  /* PA2 = TX, PA3 = RX: alternate function 7. */
  GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);
  GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);
  USART_CR1 = 0;
  USART_BRR = 0x187u;                             /* 45 MHz / 115200 = 390.625 -> 391 */
  USART_CR1 = (1u << 13) | (1u << 3) | (1u << 2); /* UE | TE | RE, 8N1 */
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
  uint32_t sr = USART_SR;
  if (sr & SR_RXNE)
    return (int)(USART_DR & 0xFFu);
  if (sr & SR_ORE)
    (void)USART_DR; /* SR then DR clears an overrun; the host resends */
  return -1;
}

uint32_t board_clock_hz(void)
{
  return CLOCK_HZ;
}
