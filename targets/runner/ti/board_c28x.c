/* board_c28x.c - runner glue for the LAUNCHXL-F28P55X (TMS320F28P550SJ9).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built by TI's C2000 compiler in the Code Composer Studio project that
 * `qz deploy --board launchxl-f28p55x` exports, on TI's C2000Ware
 * driverlib and device support (device.c: Device_init() sets the PLL for
 * DEVICE_SYSCLK_FREQ, 150 MHz, disables the watchdog and sets the flash
 * wait states; device.h with _LAUNCHXL_F28P55X defined names the SCI-A
 * pins that the LaunchPad routes to the XDS110's back-channel UART).
 *
 * Serial: SCI-A, 115200 8N1 from the low-speed peripheral clock, FIFOs on.
 * A receive error (overrun, framing) stops an SCI until it is reset, so
 * board_uart_getc() resets it; the host resends what was lost.
 * Cycle counter: CPU timer 1 counting SYSCLK down from 0xFFFFFFFF (no
 * prescaler), extended to 64 bits across wrap-arounds: core clock cycles.
 * Free RAM: the words between the end of .bss (linker symbol qr_bss_end,
 * f28p55x_runner.cmd) and the end of the RAM block it is in, in bytes.
 *
 * NOT compiled or run here: TI's compiler and driverlib are not on Debian.
 * See the project's README.md for what was checked.
 */
#include "driverlib.h"
#include "device.h"

#include "board.h"

#ifndef QR_BOARD_ID
#define QR_BOARD_ID "launchxl-f28p55x"
#endif

const char board_id[] = QR_BOARD_ID;

extern uint16_t qr_bss_end[];
#define QR_RAM_END 0x18000UL /* end of RAMGS0..3 + RAMLS8..9 (f28p55x_runner.cmd) */

static uint32_t last_elapsed, high;

void board_init(void)
{
  Device_init();
  Device_initGPIO();
  GPIO_setPinConfig(DEVICE_GPIO_CFG_SCIRXDA);
  GPIO_setPinConfig(DEVICE_GPIO_CFG_SCITXDA);
  GPIO_setPadConfig(DEVICE_GPIO_PIN_SCIRXDA, GPIO_PIN_TYPE_STD);
  GPIO_setQualificationMode(DEVICE_GPIO_PIN_SCIRXDA, GPIO_QUAL_ASYNC);
  GPIO_setPadConfig(DEVICE_GPIO_PIN_SCITXDA, GPIO_PIN_TYPE_STD);
  GPIO_setQualificationMode(DEVICE_GPIO_PIN_SCITXDA, GPIO_QUAL_ASYNC);

  SCI_performSoftwareReset(SCIA_BASE);
  SCI_setConfig(SCIA_BASE, DEVICE_LSPCLK_FREQ, 115200,
                SCI_CONFIG_WLEN_8 | SCI_CONFIG_STOP_ONE | SCI_CONFIG_PAR_NONE);
  SCI_resetChannels(SCIA_BASE);
  SCI_resetRxFIFO(SCIA_BASE);
  SCI_resetTxFIFO(SCIA_BASE);
  SCI_enableFIFO(SCIA_BASE);
  SCI_enableModule(SCIA_BASE);
  SCI_performSoftwareReset(SCIA_BASE);

  CPUTimer_stopTimer(CPUTIMER1_BASE);
  CPUTimer_setPeriod(CPUTIMER1_BASE, 0xFFFFFFFFUL);
  CPUTimer_setPreScaler(CPUTIMER1_BASE, 0);
  CPUTimer_reloadTimerCounter(CPUTIMER1_BASE);
  CPUTimer_startTimer(CPUTIMER1_BASE);
  last_elapsed = 0;
}

void board_uart_putc(uint8_t c)
{
  SCI_writeCharBlockingFIFO(SCIA_BASE, (uint16_t)(c & 0xFFU));
}

int board_uart_getc(void)
{
  if (SCI_getRxStatus(SCIA_BASE) & SCI_RXSTATUS_ERROR) {
    SCI_performSoftwareReset(SCIA_BASE);
    return -1;
  }
  if (SCI_getRxFIFOStatus(SCIA_BASE) == SCI_FIFO_RX0)
    return -1;
  return (int)(SCI_readCharNonBlocking(SCIA_BASE) & 0xFFU);
}

uint64_t board_cycles(void)
{
  uint32_t elapsed = 0xFFFFFFFFUL - CPUTimer_getTimerCount(CPUTIMER1_BASE);
  if (elapsed < last_elapsed)
    high++;
  last_elapsed = elapsed;
  return (uint64_t)high << 32 | elapsed;
}

uint8_t board_counter_kind(void)
{
  return QR_COUNTER_CPU_CYCLES;
}

uint32_t board_clock_hz(void)
{
  return (uint32_t)DEVICE_SYSCLK_FREQ;
}

uint32_t board_free_ram(void)
{
  uint32_t end = (uint32_t)(uintptr_t)qr_bss_end;
  return end < QR_RAM_END ? (uint32_t)(QR_RAM_END - end) * 2UL : 0UL;
}
