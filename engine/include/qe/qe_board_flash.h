/* qe_board_flash.h - putting an image on a board.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Flashers written here (no external tool needed):
 *   - the STM32 system bootloader over a UART (ST AN3155), 8E1;
 *   - the ESP32-S3 ROM serial loader (SLIP, esptool's protocol);
 *   - the ST-LINK mass-storage drive (NODE_* / DIS_* volume).
 * And external tools when installed (st-flash, openocd, dfu-util,
 * STM32_Programmer_CLI), their failures told in plain words.
 *
 * Every flasher reports progress through the context ("erasing",
 * "writing", "verifying") and stops with QE_ERR_CANCELLED when asked. None
 * reports success unless the image was read back (or its MD5 computed by
 * the chip) and matched: QE_ERR_VERIFY otherwise.
 */
#ifndef QE_BOARD_FLASH_H
#define QE_BOARD_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qe_board_port.h"
#include "qe_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a flash operation did, for the user and the tests. */
typedef struct {
  size_t bytes;     /* image bytes written and verified */
  double seconds;   /* erase + write + verify */
  unsigned retries; /* commands sent again after a NACK, timeout or bad read */
  uint32_t chip_id; /* STM32 product ID, or ESP chip magic */
  char detail[128]; /* e.g. "bootloader v3.1, extended erase, 5 sectors" */
} qe_flash_report;

/* ---- STM32 system bootloader, UART (AN3155) --------------------------- */

typedef struct {
  uint32_t address;     /* where the image goes; 0 = 0x08000000 */
  uint16_t expect_pid;  /* product ID the board must report; 0 = any */
  uint32_t flash_bytes; /* flash size of the part; 0 = from the PID table */
  bool go;              /* start the image afterwards (GO to address) */
  int retries;          /* per command; default (0) 3 */
} qe_stm32_options;

typedef struct {
  uint8_t bootloader_version; /* 0x31 = v3.1 */
  uint16_t pid;
  uint8_t commands[32];
  size_t n_commands;
} qe_stm32_info;

/* Sync with the bootloader (0x7F), GET and GET_ID. The port must be open at
 * 8E1 (qe_port_config.parity = QE_PARITY_EVEN). */
qe_status qe_stm32_connect(qe_port *port, qe_stm32_info *info, qe_ctx *ctx);
/* Erase what the image covers, write it in 256-byte blocks, read it all
 * back and compare; GO when asked. */
qe_status qe_stm32_flash(qe_port *port, const qe_stm32_options *opt, const void *image, size_t len,
                         qe_flash_report *report, qe_ctx *ctx);
/* Read @len bytes at @address (READ_MEMORY, 256 bytes a command). */
qe_status qe_stm32_read(qe_port *port, uint32_t address, void *buf, size_t len, qe_ctx *ctx);
/* The part's name and flash size for a product ID, NULL when unknown. */
const char *qe_stm32_part_name(uint16_t pid, uint32_t *flash_bytes);

/* ---- ST-LINK mass-storage drive ----------------------------------------- */

/* The drive an ST-LINK/V2-1 or V3 shows (NODE_F446RE, NOD_H743ZI,
 * DIS_U585AI...): a mounted folder called @label, else (label NULL) any
 * NODE_* / NOD_* / DIS_* folder holding DETAILS.TXT. Searched among the
 * mount points of /proc/self/mounts and the folders /media/USER/,
 * /run/media/USER/; $QZ_MSD_ROOTS (colon-separated folders) replaces all
 * that (tests). *mount_dir: free(). */
qe_status qe_stlink_msd_find(const char *label, char **mount_dir, qe_ctx *ctx);
/* Copy the image to the drive and wait (up to @timeout_ms) for the ST-LINK
 * to take it: the file disappears when it has programmed and verified the
 * flash, and FAIL.TXT appears when it could not (its text is the error).
 * Success only when the file was taken and no FAIL.TXT came. */
qe_status qe_stlink_msd_flash(const char *mount_dir, const void *image, size_t len, int timeout_ms,
                              qe_flash_report *report, qe_ctx *ctx);

/* ---- external tools ------------------------------------------------------ */

typedef enum {
  QE_TOOL_ST_FLASH = 0, /* stlink-tools: st-flash (verifies after writing) */
  QE_TOOL_OPENOCD,      /* openocd "program ... verify reset exit" */
  QE_TOOL_DFU_UTIL,     /* dfu-util download, then upload and compare */
  QE_TOOL_CUBEPROG,     /* STM32_Programmer_CLI -w ... -v */
} qe_flash_tool;

/* The program's name ("st-flash"). */
const char *qe_flash_tool_program(qe_flash_tool tool);
/* Flash @image_path at @address with an installed tool. @openocd_target is
 * OpenOCD's target script ("target/stm32f4x.cfg"). The tool's failures are
 * told in plain words (no probe, permission, not powered, verify failed);
 * the tool's own last line follows. Success only when the tool verified
 * (st-flash, openocd verify, STM32_Programmer_CLI -v) or, for dfu-util,
 * the image read back matches. QE_ERR_UNSUPPORTED when it is not installed. */
qe_status qe_flash_with_tool(qe_flash_tool tool, const char *image_path, uint32_t address,
                             const char *openocd_target, qe_flash_report *report, qe_ctx *ctx);

/* ---- ESP32-S3 ROM serial loader (esptool's protocol) -------------------- */

typedef enum {
  QE_ESP_RESET_NONE = 0, /* the chip is already in its loader (or a pty) */
  QE_ESP_RESET_CLASSIC,  /* USB-serial bridge: DTR/RTS drive IO0/EN */
  QE_ESP_RESET_USB_JTAG, /* the chip's own USB-Serial/JTAG (303A:1001) */
} qe_esp_reset;

typedef struct {
  uint32_t offset;      /* flash offset of the image (0x10000 for an app) */
  uint32_t expect_chip; /* chip id that must answer; 0 = 9 (ESP32-S3) */
  uint32_t flash_bytes; /* flash size; 0 = 8 MiB */
  qe_esp_reset reset;
  bool run;    /* leave the loader and run the image afterwards */
  int retries; /* per block; default (0) 3 */
} qe_esp_options;

/* Reset into the ROM loader, SYNC, identify the chip (GET_SECURITY_INFO,
 * else READ_REG of the magic word at 0x40001000), SPI_ATTACH,
 * SPI_SET_PARAMS, FLASH_BEGIN (erase), FLASH_DATA blocks of 1 KiB with
 * their checksums, SPI_FLASH_MD5 over the image against its own MD5, and
 * FLASH_END. QE_ERR_VERIFY unless the MD5s match. */
qe_status qe_esp_flash(qe_port *port, const qe_esp_options *opt, const void *image, size_t len,
                       qe_flash_report *report, qe_ctx *ctx);
/* A chip id's name ("ESP32-S3"), or "unknown chip". */
const char *qe_esp_chip_name(uint32_t chip_id);

#ifdef __cplusplus
}
#endif
#endif /* QE_BOARD_FLASH_H */
