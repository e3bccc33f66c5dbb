/* esp_shim.c - ESP-IDF calls of the ESP32-S3 runner glue, on a PC over a
 * pseudo-terminal (tests/boards/hostshim/README).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdint.h>

#include "driver/usb_serial_jtag.h"
#include "esp_cpu.h"
#include "esp_heap_caps.h"
#include "shim_pty.h"

void app_main(void);

static int installed;

esp_err_t usb_serial_jtag_driver_install(usb_serial_jtag_driver_config_t *cfg)
{
  (void)cfg;
  installed = 1;
  return ESP_OK;
}

int usb_serial_jtag_read_bytes(void *buf, uint32_t length, TickType_t ticks_to_wait)
{
  if (!installed || length < 1)
    return 0;
  /* FreeRTOS ticks of 10 ms (ESP-IDF's default CONFIG_FREERTOS_HZ=100). */
  int c = shim_pty_getc(ticks_to_wait == portMAX_DELAY ? -1 : (int)ticks_to_wait * 10);
  if (c < 0)
    return 0;
  *(uint8_t *)buf = (uint8_t)c;
  return 1;
}

int usb_serial_jtag_write_bytes(const void *src, size_t size, TickType_t ticks_to_wait)
{
  (void)ticks_to_wait;
  if (!installed)
    return 0;
  for (size_t i = 0; i < size; i++)
    shim_pty_putc(((const uint8_t *)src)[i]);
  return (int)size;
}

esp_cpu_cycle_count_t esp_cpu_get_cycle_count(void)
{
  /* 240 MHz from nanoseconds: what CCOUNT would read. */
  return (esp_cpu_cycle_count_t)(shim_ns() * 240u / 1000u);
}

size_t heap_caps_get_free_size(uint32_t caps)
{
  (void)caps;
  return 300u * 1024u;
}

int main(void)
{
  shim_pty_open();
  app_main();
  return 0;
}
