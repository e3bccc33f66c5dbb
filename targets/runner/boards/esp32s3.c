/* esp32s3.c - runner glue for the ESP32-S3 under ESP-IDF (USB-Serial/JTAG).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compiled by ESP-IDF (idf.py build) in the project `qz deploy --board
 * esp32-s3-devkitc-1` exports: Debian has no Xtensa compiler, so
 * Quantizer cannot build this image itself.
 *
 * Serial: the chip's own USB-Serial/JTAG controller (the DevKitC-1's "USB"
 * connector, 303A:1001) through ESP-IDF's usb_serial_jtag driver; it is a
 * USB CDC port, so the baud rate the host sets does not matter. The
 * project's sdkconfig.defaults moves ESP-IDF's console (boot and log
 * messages) to UART0, the "UART" connector, and switches its secondary
 * console off, so nothing but runner frames goes out on this port.
 *
 * Cycle counter: the Xtensa CCOUNT register (esp_cpu_get_cycle_count(),
 * core clock cycles, 32 bits) extended to 64 bits across wrap-arounds, as
 * the Cortex-M glue does with DWT CYCCNT. The core runs at
 * CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ (240 MHz in sdkconfig.defaults).
 *
 * Free RAM: the 8-bit capable heap left (heap_caps_get_free_size).
 *
 * The model runs in app_main's task; the task watchdog is off in
 * sdkconfig.defaults, since one inference or the wait for the host may be
 * longer than its period.
 */
#include <stdint.h>

#include "driver/usb_serial_jtag.h"
#include "esp_cpu.h"
#include "esp_heap_caps.h"
#include "freertos/FreeRTOS.h"
#include "sdkconfig.h"

#include "board.h"

#ifndef QR_BOARD_ID
#define QR_BOARD_ID "esp32-s3-devkitc-1"
#endif

const char board_id[] = QR_BOARD_ID;

static uint32_t last_low, high;

void board_init(void)
{
  usb_serial_jtag_driver_config_t cfg = USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT();
  cfg.rx_buffer_size = 2048;
  cfg.tx_buffer_size = 2048;
  usb_serial_jtag_driver_install(&cfg);
  last_low = (uint32_t)esp_cpu_get_cycle_count();
}

void board_uart_putc(uint8_t c)
{
  while (usb_serial_jtag_write_bytes(&c, 1, portMAX_DELAY) != 1) {
  }
}

int board_uart_getc(void)
{
  uint8_t c;
  /* Waits at most one tick, so the idle task gets the core while the
   * host is quiet; the runner's loop asks again. */
  if (usb_serial_jtag_read_bytes(&c, 1, 1) == 1)
    return (int)(c & 0xFFu);
  return -1;
}

uint64_t board_cycles(void)
{
  uint32_t now = (uint32_t)esp_cpu_get_cycle_count();
  if (now < last_low)
    high++;
  last_low = now;
  return (uint64_t)high << 32 | now;
}

uint8_t board_counter_kind(void)
{
  return QR_COUNTER_CPU_CYCLES;
}

uint32_t board_clock_hz(void)
{
  return (uint32_t)CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ * 1000000u;
}

uint32_t board_free_ram(void)
{
  return (uint32_t)heap_caps_get_free_size(MALLOC_CAP_8BIT);
}

void app_main(void);
void app_main(void)
{
  qr_runner_main();
}
