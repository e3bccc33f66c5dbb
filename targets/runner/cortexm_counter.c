/* cortexm_counter.c - the runner's cycle counter on Cortex-M.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two counters, chosen by the board's build flags:
 *
 *  - QR_USE_DWT: the Data Watchpoint and Trace unit's CYCCNT, a 32-bit
 *    count of core clock cycles (real Cortex-M3/M4/M7/M33/M55 silicon).
 *    Extended to 64 bits by noticing wrap-arounds between reads, which is
 *    exact as long as reads come less than 2^32 cycles apart (25 s at
 *    168 MHz; the runner reads it around every inference).
 *
 *  - QR_USE_SYSTICK: QEMU does not model DWT, so on emulated boards the
 *    24-bit SysTick down-counter runs from the core clock (CLKSOURCE=1) with
 *    an exception on every wrap extending it to 64 bits. QEMU drives SysTick
 *    from its virtual clock; under `-icount shift=0` every instruction
 *    advances that clock by exactly 1 ns, so the counts are repeatable run
 *    after run but measure "ns of virtual time x core MHz", not the
 *    pipeline cycles of real silicon.
 */
#include <stdint.h>

#include "board.h"

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#if defined(QR_USE_DWT)
#define DEMCR      REG32(0xE000EDFCu)
#define DWT_CTRL   REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR    REG32(0xE0001FB0u)

static uint32_t last_low, high;

void qr_counter_init(void);
void qr_counter_init(void)
{
  DEMCR |= 1u << 24;     /* TRCENA */
  DWT_LAR = 0xC5ACCE55u; /* unlock on parts that need it (M7) */
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u; /* CYCCNTENA */
}

uint64_t board_cycles(void)
{
  uint32_t now = DWT_CYCCNT;
  if (now < last_low)
    high++;
  last_low = now;
  return (uint64_t)high << 32 | now;
}

uint8_t board_counter_kind(void)
{
  return QR_COUNTER_CPU_CYCLES;
}

#elif defined(QR_USE_SYSTICK)
#define SYST_CSR       REG32(0xE000E010u)
#define SYST_RVR       REG32(0xE000E014u)
#define SYST_CVR       REG32(0xE000E018u)
#define SYST_RELOAD    0x00FFFFFFu
#define ICSR           REG32(0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)

static volatile uint32_t wraps;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
  wraps++;
}

void qr_counter_init(void);
void qr_counter_init(void)
{
  SYST_RVR = SYST_RELOAD;
  SYST_CVR = 0;
  SYST_CSR = 0x7u; /* ENABLE | TICKINT | CLKSOURCE=core clock */
}

uint64_t board_cycles(void)
{
  uint32_t v, w, pending;
  /* With interrupts masked, a wrap not yet counted shows as a pending
   * SysTick exception; the value is then re-read after that wrap. */
  __asm__ volatile("cpsid i" ::: "memory");
  v = SYST_CVR;
  pending = ICSR & ICSR_PENDSTSET;
  w = wraps;
  if (pending) {
    v = SYST_CVR;
    w++;
  }
  __asm__ volatile("cpsie i" ::: "memory");
  return (uint64_t)w * (SYST_RELOAD + 1u) + (SYST_RELOAD - v);
}

uint8_t board_counter_kind(void)
{
  return QR_COUNTER_SYSTICK;
}
#else
#error "define QR_USE_DWT (silicon) or QR_USE_SYSTICK (QEMU)"
#endif
