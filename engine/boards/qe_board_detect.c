/* qe_board_detect.c - which boards are plugged in (libserialport).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libserialport lists the serial ports and, for USB ones, reads the
 * vendor/product ids, product name and serial number (from sysfs on Linux).
 * A port whose VID:PID a board description lists is matched to that board;
 * the known probes and bridges are named even when no board lists them.
 */
#include "qe_internal.h"

#include "qe/qe_board.h"

#include <libserialport.h>
#include <string.h>

static const struct {
  uint16_t vid, pid;
  const char *name;
} probes[] = {
  { 0x0483, 0x3748, "ST-LINK/V2" },
  { 0x0483, 0x374B, "ST-LINK/V2-1" },
  { 0x0483, 0x374E, "STLINK-V3" },
  { 0x0483, 0x374F, "STLINK-V3" },
  { 0x0483, 0x3753, "STLINK-V3 (2 VCP)" },
  { 0x0483, 0x3754, "STLINK-V3 (no MSD)" },
  { 0x0483, 0xDF11, "STM32 USB DFU bootloader" },
  { 0x303A, 0x1001, "Espressif USB-Serial/JTAG" },
  { 0x10C4, 0xEA60, "CP210x USB-serial bridge" },
  { 0x1A86, 0x7523, "CH340 USB-serial bridge" },
  { 0x1A86, 0x55D4, "CH343 USB-serial bridge" },
  { 0x0451, 0xBEF3, "TI XDS110" },
  { 0x0451, 0xBEF4, "TI XDS110 (CMSIS-DAP)" },
  { 0x0403, 0x6001, "FTDI FT232R USB-serial bridge" },
  { 0x0403, 0x6010, "FTDI FT2232 (TI XDS100)" },
};

const char *qe_usb_probe_name(uint16_t vid, uint16_t pid)
{
  for (size_t i = 0; i < QE_ARRAY_LEN(probes); i++)
    if (probes[i].vid == vid && probes[i].pid == pid)
      return probes[i].name;
  return NULL;
}

void qe_detected_free(qe_detected_port *ports, size_t n)
{
  if (!ports)
    return;
  for (size_t i = 0; i < n; i++) {
    free(ports[i].port);
    free(ports[i].manufacturer);
    free(ports[i].product);
    free(ports[i].serial);
    free(ports[i].boards);
  }
  free(ports);
}

static int cmp_port(const void *a, const void *b)
{
  return strcmp(((const qe_detected_port *)a)->port, ((const qe_detected_port *)b)->port);
}

qe_status qe_board_detect(const qe_board_list *list, qe_detected_port **out, size_t *n, qe_ctx *ctx)
{
  struct sp_port **sp = NULL;
  *out = NULL;
  *n = 0;
  if (sp_list_ports(&sp) != SP_OK) {
    char *msg = sp_last_error_message();
    qe_status st = qe_error(ctx, QE_ERR_DEVICE, "cannot list the serial ports: %s",
                            msg ? msg : "unknown error");
    if (msg)
      sp_free_error_message(msg);
    return st;
  }
  size_t count = 0;
  while (sp[count])
    count++;
  qe_detected_port *ports = calloc(count + 1, sizeof *ports);
  if (!ports) {
    sp_free_port_list(sp);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  }
  size_t k = 0;
  qe_status st = QE_OK;
  for (size_t i = 0; i < count && st == QE_OK; i++) {
    qe_detected_port *d = &ports[k];
    d->port = qe_strdup(sp_get_port_name(sp[i]));
    if (!d->port) {
      st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
      break;
    }
    k++;
    if (sp_get_port_transport(sp[i]) != SP_TRANSPORT_USB)
      continue;
    int vid = 0, pid = 0;
    if (sp_get_port_usb_vid_pid(sp[i], &vid, &pid) == SP_OK) {
      d->vid = (uint16_t)vid;
      d->pid = (uint16_t)pid;
    }
    d->manufacturer = qe_strdup(sp_get_port_usb_manufacturer(sp[i]));
    d->product = qe_strdup(sp_get_port_usb_product(sp[i]));
    d->serial = qe_strdup(sp_get_port_usb_serial(sp[i]));
    d->probe = qe_usb_probe_name(d->vid, d->pid);
    for (size_t b = 0; list && b < list->n; b++) {
      const qe_board *bd = list->boards[b];
      for (size_t u = 0; u < bd->n_usb; u++) {
        if (bd->usb[u].vid != d->vid || bd->usb[u].pid != d->pid)
          continue;
        const qe_board **nb = realloc(d->boards, (d->n_boards + 1) * sizeof *nb);
        if (!nb) {
          st = qe_error(ctx, QE_ERR_NOMEM, "out of memory");
          break;
        }
        d->boards = nb;
        d->boards[d->n_boards++] = bd;
        if (!d->probe)
          d->probe = bd->usb[u].name;
        break;
      }
    }
  }
  sp_free_port_list(sp);
  if (st != QE_OK) {
    qe_detected_free(ports, k);
    return st;
  }
  qsort(ports, k, sizeof *ports, cmp_port);
  *out = ports;
  *n = k;
  return QE_OK;
}
