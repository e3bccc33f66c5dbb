/* startup.c - reset handler and vector table for the Cortex-M runner.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Copies .data from flash, clears .bss and calls main(). The linker script
 * of each board places .isr_vector first in flash and defines the symbols.
 */
#include <stdint.h>

#include "board.h"

extern uint32_t __qr_data_load[], __qr_data_start[], __qr_data_end[];
extern uint32_t __qr_bss_start[], __qr_bss_end[];
extern uint32_t __qr_stack_top[];
/* Bounds of the RAM nothing uses (end of static data, bottom of the
 * stack), from sections.ld. */
extern uint8_t __qr_free_start[];
extern uint8_t __qr_free_end[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));

uint32_t board_free_ram(void)
{
  return (uint32_t)(__qr_free_end - __qr_free_start);
}

void Default_Handler(void)
{
  for (;;) {
  }
}

void Reset_Handler(void)
{
  uint32_t *src = __qr_data_load;
  for (uint32_t *dst = __qr_data_start; dst < __qr_data_end;)
    *dst++ = *src++;
  for (uint32_t *dst = __qr_bss_start; dst < __qr_bss_end;)
    *dst++ = 0;
  main();
  for (;;) {
  }
}

typedef void (*qr_vector)(void);

/* The 16 architectural entries; the runner polls its UART and needs no
 * device interrupts. */
__attribute__((section(".isr_vector"), used)) const qr_vector qr_vectors[16] = {
  (qr_vector)(uintptr_t)__qr_stack_top,
  Reset_Handler,
  NMI_Handler,
  HardFault_Handler,
  Default_Handler, /* MemManage */
  Default_Handler, /* BusFault */
  Default_Handler, /* UsageFault */
  Default_Handler, /* SecureFault (v8-M) */
  0,
  0,
  0,
  Default_Handler, /* SVCall */
  Default_Handler, /* DebugMon */
  0,
  Default_Handler, /* PendSV */
  SysTick_Handler,
};
