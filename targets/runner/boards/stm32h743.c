/* stm32h743.c - runner glue for the NUCLEO-H743ZI2 (STM32H743ZI, Cortex-M7).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written from the register descriptions of ST RM0433 (STM32H742/743/750/
 * 753 reference manual), UM2407 (Nucleo-144 user manual) and the Arm
 * Cortex-M7 TRM (caches); no HAL.
 *
 * Power: the H743 has no SMPS; the supply configuration (PWR_CR3, writable
 * once after reset) is set to the LDO, then voltage scale 1. Silicon
 * revision V (DBGMCU_IDCODE REV_ID 0x2003) also reaches VOS0 by setting
 * SYSCFG_PWRCR.ODEN on top of scale 1 and runs at 480 MHz; revision Y
 * (0x1003) stops at 400 MHz in scale 1. board_clock_hz() reports what was
 * set, and HELLO carries it to the host.
 *
 * Clock: the 64 MHz HSI into PLL1: /M=4 = 16 MHz (input range 8-16 MHz),
 * wide VCO xN=60 = 960 MHz (rev V) or xN=50 = 800 MHz (rev Y), /P=2 =
 * 480 or 400 MHz for the core. AXI/AHB /2 = 240 or 200 MHz, every APB /2
 * = 120 or 100 MHz. Flash: 4 wait states with WRHIGHFREQ=2 (RM0433 table
 * 17: 240 MHz AXI at VOS0 needs 4; 200 MHz at VOS1 needs only 2 - the
 * larger value is kept for both, at no cost once the L1 caches hold the
 * loops).
 *
 * Caches: I-cache and D-cache on (invalidated first, Cortex-M7 TRM:
 * 32-byte lines, 4-way D-cache, set/way invalidate through DCISW). Nothing
 * here uses DMA, so no cache maintenance is needed afterwards.
 *
 * Serial: USART3 on PD8 (TX) / PD9 (RX), alternate function 7: the
 * STLINK-V3E's virtual COM port (UM2407 6.9). Its kernel clock is PCLK1
 * (RCC_D2CCIP2R reset value), 120 or 100 MHz: BRR = PCLK1 / 115200
 * (16x oversampling). Overrun detection is off (CR3.OVRDIS): a lost byte
 * shows as a bad CRC and the host resends.
 *
 * Memory: code in flash bank 1 at 0x08000000, data, arena and stack in the
 * 512 KiB AXI SRAM at 0x24000000 (cached); the TCMs stay unused.
 *
 * Verified here: builds warning-free, fits, vector table and entry point
 * (tests/boards/test_runner_images.py). No emulator models the H7's RCC,
 * PWR and USART, so the clock set-up and the link need a real board.
 */
#include <stdint.h>

#include "../board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#ifndef QR_BOARD_ID
#define QR_BOARD_ID "nucleo-h743zi2"
#endif

/* RCC (RM0433 8.7) */
#define RCC_BASE      0x58024400u
#define RCC_CR        REG32(RCC_BASE + 0x00u)
#define RCC_CFGR      REG32(RCC_BASE + 0x10u)
#define RCC_D1CFGR    REG32(RCC_BASE + 0x18u)
#define RCC_D2CFGR    REG32(RCC_BASE + 0x1Cu)
#define RCC_D3CFGR    REG32(RCC_BASE + 0x20u)
#define RCC_PLLCKSELR REG32(RCC_BASE + 0x28u)
#define RCC_PLLCFGR   REG32(RCC_BASE + 0x2Cu)
#define RCC_PLL1DIVR  REG32(RCC_BASE + 0x30u)
#define RCC_AHB4ENR   REG32(RCC_BASE + 0xE0u)
#define RCC_APB1LENR  REG32(RCC_BASE + 0xE8u)
#define RCC_APB4ENR   REG32(RCC_BASE + 0xF4u)
#define CR_HSIRDY     (1u << 2)
#define CR_PLL1ON     (1u << 24)
#define CR_PLL1RDY    (1u << 25)
/* PWR (RM0433 6.8) */
#define PWR_CSR1       REG32(0x58024804u)
#define PWR_CR3        REG32(0x5802480Cu)
#define PWR_D3CR       REG32(0x58024818u)
#define CSR1_ACTVOSRDY (1u << 13)
#define D3CR_VOSRDY    (1u << 13)
/* SYSCFG_PWRCR (RM0433 12.3): ODEN selects VOS0 */
#define SYSCFG_PWRCR REG32(0x5800042Cu)
/* Flash interface (RM0433 4.9) */
#define FLASH_ACR REG32(0x52002000u)
/* Debug MCU id: REV_ID in bits 31:16 */
#define DBGMCU_IDCODE REG32(0x5C001000u)
#define REV_V         0x2003u
/* GPIOD (RM0433 11.4) */
#define GPIOD_MODER REG32(0x58020C00u)
#define GPIOD_AFRH  REG32(0x58020C24u)
/* USART3 (RM0433 48.7) */
#define USART_BASE 0x40004800u
#define USART_CR1  REG32(USART_BASE + 0x00u)
#define USART_CR3  REG32(USART_BASE + 0x08u)
#define USART_BRR  REG32(USART_BASE + 0x0Cu)
#define USART_ISR  REG32(USART_BASE + 0x1Cu)
#define USART_ICR  REG32(USART_BASE + 0x20u)
#define USART_RDR  REG32(USART_BASE + 0x24u)
#define USART_TDR  REG32(USART_BASE + 0x28u)
#define ISR_RXNE   (1u << 5)
#define ISR_TXE    (1u << 7)
/* Cortex-M7 system control block and cache maintenance (Armv7-M ARM B3.2) */
#define SCB_CCR     REG32(0xE000ED14u)
#define SCB_CCSIDR  REG32(0xE000ED80u)
#define SCB_CSSELR  REG32(0xE000ED84u)
#define SCB_ICIALLU REG32(0xE000EF50u)
#define SCB_DCISW   REG32(0xE000EF60u)
#define CCR_DC      (1u << 16)
#define CCR_IC      (1u << 17)

const char board_id[] = QR_BOARD_ID;
static uint32_t clock_hz = 64000000u; /* HSI until board_init() */

void qr_counter_init(void);

static inline void barriers(void)
{
  __asm__ volatile("dsb 0xF\n\tisb 0xF" ::: "memory");
}

static void caches_on(void)
{
  /* I-cache: invalidate all, enable. */
  barriers();
  SCB_ICIALLU = 0;
  barriers();
  SCB_CCR |= CCR_IC;
  barriers();
  /* D-cache: select level 1 data, invalidate every set and way. */
  SCB_CSSELR = 0;
  barriers();
  const uint32_t ccsidr = SCB_CCSIDR;
  const uint32_t sets = (ccsidr >> 13) & 0x7FFFu; /* NumSets - 1 */
  const uint32_t ways = (ccsidr >> 3) & 0x3FFu;   /* Associativity - 1 */
  for (uint32_t s = 0; s <= sets; s++)
    for (uint32_t w = 0; w <= ways; w++)
      SCB_DCISW = (s << 5) | (w << 30); /* 32-byte lines, 4 ways (M7 TRM) */
  barriers();
  SCB_CCR |= CCR_DC;
  barriers();
}

static void clock_max(void)
{
  const int rev_v = (DBGMCU_IDCODE >> 16) == REV_V;
  /* Supply from the LDO (LDOEN=1, BYPASS=0, SCUEN cleared by the write). */
  PWR_CR3 = (PWR_CR3 & ~0x7u) | (1u << 1);
  while (!(PWR_CSR1 & CSR1_ACTVOSRDY)) {
  }
  /* Voltage scale 1, then VOS0 on revision V. */
  PWR_D3CR = (PWR_D3CR & ~(3u << 14)) | (3u << 14);
  while (!(PWR_D3CR & D3CR_VOSRDY)) {
  }
  if (rev_v) {
    RCC_APB4ENR |= 1u << 1; /* SYSCFGEN */
    (void)RCC_APB4ENR;
    SYSCFG_PWRCR |= 1u;
    while (!(PWR_D3CR & D3CR_VOSRDY)) {
    }
  }
  /* Flash: 4 wait states, programming delay 2, before the clock rises. */
  FLASH_ACR = 4u | (2u << 4);
  while ((FLASH_ACR & 0xFu) != 4u) {
  }
  while (!(RCC_CR & CR_HSIRDY)) {
  }
  /* PLL1 from HSI (PLLSRC=00), DIVM1=4. */
  RCC_PLLCKSELR = (RCC_PLLCKSELR & ~(3u | (0x3Fu << 4))) | (4u << 4);
  /* PLL1: integer mode, wide VCO, input range 8-16 MHz (RGE=3), P out. */
  RCC_PLLCFGR = (RCC_PLLCFGR & ~0x7FFu & ~(7u << 16)) | (3u << 2) | (1u << 16);
  const uint32_t n = rev_v ? 60u : 50u;
  /* DIVN1 = N-1, DIVP1 = 2-1, DIVQ1 = 4-1, DIVR1 = 2-1 (Q, R unused). */
  RCC_PLL1DIVR = (n - 1u) | (1u << 9) | (3u << 16) | (1u << 24);
  RCC_CR |= CR_PLL1ON;
  while (!(RCC_CR & CR_PLL1RDY)) {
  }
  /* D1: core /1, AXI/AHB (HPRE) /2, APB3 /2. D2: APB1, APB2 /2. D3: APB4 /2. */
  RCC_D1CFGR = (0u << 8) | (4u << 4) | 8u;
  RCC_D2CFGR = (4u << 4) | (4u << 8);
  RCC_D3CFGR = 4u << 4;
  RCC_CFGR = (RCC_CFGR & ~7u) | 3u; /* SW = PLL1 */
  while (((RCC_CFGR >> 3) & 7u) != 3u) {
  }
  clock_hz = rev_v ? 480000000u : 400000000u;
}

void board_init(void)
{
  clock_max();
  caches_on();
  RCC_AHB4ENR |= 1u << 3;   /* GPIOD */
  RCC_APB1LENR |= 1u << 18; /* USART3 */
  (void)RCC_APB1LENR;
  /* PD8 = TX, PD9 = RX: alternate function 7. */
  GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (0xAu << 16);
  GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | 0x77u;
  USART_CR1 = 0;
  USART_CR3 = 1u << 12; /* OVRDIS */
  const uint32_t pclk1 = clock_hz / 4u;
  USART_BRR = (pclk1 + 115200u / 2u) / 115200u;
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
    USART_ICR = 0xFu; /* clear framing/noise/parity flags, if any */
    return -1;
  }
  return (int)(USART_RDR & 0xFFu);
}

uint32_t board_clock_hz(void)
{
  return clock_hz;
}
