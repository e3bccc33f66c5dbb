/* test-boards.c - board descriptions, protocol framing and checksums.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../engine/boards/qe_md5.h"
#include "qe/qe_board.h"
#include "qe/qe_board_link.h"
#include "qe/qe_fileutil.h"
#include "runner_proto.h"

static int failures;

#define CHECK(cond, ...) \
  do {                   \
    if (cond) {          \
      printf("ok - ");   \
    } else {             \
      printf("FAIL - "); \
      failures++;        \
    }                    \
    printf(__VA_ARGS__); \
    printf("\n");        \
  } while (0)

static void test_descriptions(const char *dir)
{
  qe_ctx *ctx = qe_ctx_new();
  qe_board_list *l = NULL;
  qe_status st = qe_board_list_load(dir, &l, ctx);
  CHECK(st == QE_OK, "every description in %s loads (%s)", dir, qe_ctx_error(ctx));
  if (st != QE_OK) {
    qe_ctx_free(ctx);
    return;
  }
  CHECK(l->n >= 11, "%zu boards described", l->n);
  static const char *const ids[] = { "nucleo-f446re",      "nucleo-h743zi2",     "b-u585i-iot02a",
                                     "stm32n6570-dk",      "esp32-s3-devkitc-1", "launchxl-f28p55x",
                                     "qemu-netduinoplus2", "qemu-mps2-an386",    "qemu-mps2-an500",
                                     "qemu-mps2-an505",    "qemu-mps3-an547" };
  for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
    const qe_board *b = qe_board_list_find(l, ids[i]);
    CHECK(b && b->clock_hz && b->flash_bytes && b->ram_bytes && b->n_flash_methods &&
              b->cycles_per_mac[QE_OPC_CONV] > 0 && b->q_weight_bits == 8,
          "%s: core, clock, memory, flash methods, latency model, defaults", ids[i]);
  }
  const qe_board *n = qe_board_list_find(l, "nucleo-f446re");
  CHECK(n && n->n_usb == 1 && n->usb[0].vid == 0x0483 && n->usb[0].pid == 0x374B &&
            n->stm32_pid == 0x421 && qe_board_has_method(n, "stlink-msd"),
        "NUCLEO-F446RE: ST-LINK/V2-1 0483:374B, bootloader PID 0x421, ST-LINK drive");
  const qe_board *ti = qe_board_list_find(l, "launchxl-f28p55x");
  CHECK(ti && ti->has_npu && ti->npu.channel_multiple == 4 && ti->npu.power_of_two_scales &&
            ti->npu.first_conv_input_channels == 1 && ti->npu.conv_max_kernel_h == 7 &&
            ti->npu.maxpool_max_kernel == 4 && ti->npu.fc_min_inputs_8 == 16 &&
            ti->npu.n_conv_strides == 3 && qe_board_has_method(ti, "ccs-project") &&
            ti->usb[0].vid == 0x0451 && ti->usb[0].pid == 0xBEF3,
        "LAUNCHXL-F28P55X: NPU limits (x4 channels, 2^n scales, kernel limits), XDS110, CCS");
  const qe_board *esp = qe_board_list_find(l, "esp32-s3-devkitc-1");
  CHECK(esp && esp->c_per_tensor_weights && esp->c_power_of_two_scales && esp->q_power_of_two &&
            esp->n_usb >= 3 && qe_board_has_method(esp, "esp-rom"),
        "ESP32-S3-DevKitC-1: per-tensor, power-of-two, USB-Serial/JTAG + bridges, ROM loader");
  const qe_board *q = qe_board_list_find(l, "qemu-mps3-an547");
  CHECK(q && q->qemu_machine && strcmp(q->qemu_machine, "mps3-an547") == 0 && q->runner_image,
        "qemu-mps3-an547: QEMU machine and prebuilt runner named");
  qe_board_list_free(l);
  qe_ctx_free(ctx);
}

static void expect_error(const char *yaml, const char *where, const char *words)
{
  char path[] = "/tmp/qz-board-XXXXXX.yaml";
  int fd = mkstemps(path, 5);
  if (fd < 0 || write(fd, yaml, strlen(yaml)) != (ssize_t)strlen(yaml)) {
    CHECK(0, "temporary file");
    return;
  }
  close(fd);
  qe_ctx *ctx = qe_ctx_new();
  qe_board *b = NULL;
  qe_status st = qe_board_load(path, &b, ctx);
  char want[256];
  snprintf(want, sizeof want, "%s:%s", path, where);
  CHECK((st == QE_ERR_PARSE || st == QE_ERR_INVALID) && !b && strstr(qe_ctx_error(ctx), want) &&
            strstr(qe_ctx_error(ctx), words),
        "bad description -> %s", qe_ctx_error(ctx));
  qe_board_free(b);
  qe_ctx_free(ctx);
  unlink(path);
}

static const char good_head[] = "id: x\nname: X\nvendor: V\ncore: cortex-m4\n";

static void test_errors(void)
{
  char y[1024];
  snprintf(y, sizeof y,
           "%sclock_hz: 1000\nmemory: {flash_bytes: 1, ram_bytes: 1}\n"
           "flash_methods: [qemu]\nemulator: {qemu_machine: m}\nlatency:\n"
           "  cycles_per_mac: {conv: 1, convolution: 2}\n",
           good_head);
  expect_error(y, "10:29", "unknown key 'convolution'");
  snprintf(y, sizeof y, "%sclock_hz: fast\n", good_head);
  expect_error(y, "5:11", "integer");
  snprintf(y, sizeof y,
           "%sclock_hz: 1\nmemory: {flash_bytes: 1, ram_bytes: 1}\n"
           "flash_methods: [jtag-magic]\n",
           good_head);
  expect_error(y, "7:17", "jtag-magic");
  snprintf(y, sizeof y,
           "%sclock_hz: 1\nmemory: {flash_bytes: 1, ram_bytes: 1}\n"
           "flash_methods: [qemu]\nweight_bits: [8, 3]\n",
           good_head);
  expect_error(y, "8:18", "8, 4 or 2");
  expect_error("name: X\n", "1:1", "no id");
}

static void test_checksums(void)
{
  static const char v[] = "123456789";
  CHECK(qe_crc32(0, v, 9) == 0xCBF43926u, "host CRC-32 check value 0xCBF43926");
  CHECK(qr_crc32(v, 9) == 0xCBF43926u, "runner CRC-32 check value 0xCBF43926");
  CHECK(qe_crc32(qe_crc32(0, v, 4), v + 4, 5) == 0xCBF43926u, "host CRC-32 is incremental");
  CHECK(QE_LINK_SYNC0 == QR_SYNC0 && QE_LINK_SYNC1 == QR_SYNC1 &&
            QE_LINK_MAX_PAYLOAD == QR_MAX_PAYLOAD && (int)QE_LINK_MSG_RUN == (int)QR_MSG_RUN &&
            (int)QE_LINK_MSG_NAK == (int)QR_MSG_NAK &&
            (int)QE_LINK_MSG_ERROR == (int)QR_MSG_ERROR && (int)QE_LINK_REPLY == QR_REPLY &&
            QE_LINK_PROTOCOL_VERSION == QR_PROTOCOL_VERSION,
        "host and runner protocol constants agree");
  uint8_t f[32];
  size_t n = qe_link_encode(QE_LINK_MSG_PING, 7, "ab", 2, f);
  CHECK(n == 12 && f[0] == 0xA5 && f[1] == 0x5A && f[2] == 2 && f[3] == 7 && f[4] == 2 &&
            f[5] == 0 && f[6] == 'a' &&
            qr_crc32(f + 2, 6) ==
                (uint32_t)(f[8] | f[9] << 8 | f[10] << 16 | (uint32_t)f[11] << 24),
        "frame layout: sync, type, seq, length, payload, CRC over type..payload");
  static const struct {
    const char *in, *md5;
  } md5v[] = {
    { "", "d41d8cd98f00b204e9800998ecf8427e" },
    { "abc", "900150983cd24fb0d6963f7d28e17f72" },
    { "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
      "57edf4a22be3c955ac49da2e2107b67a" },
  };
  for (size_t i = 0; i < sizeof md5v / sizeof *md5v; i++) {
    qe_md5_ctx m;
    uint8_t d[16];
    char hex[33];
    qe_md5_init(&m);
    qe_md5_update(&m, md5v[i].in, strlen(md5v[i].in) / 2);
    qe_md5_update(&m, md5v[i].in + strlen(md5v[i].in) / 2,
                  strlen(md5v[i].in) - strlen(md5v[i].in) / 2);
    qe_md5_final(&m, d);
    for (int k = 0; k < 16; k++)
      snprintf(hex + 2 * k, 3, "%02x", d[k]);
    CHECK(strcmp(hex, md5v[i].md5) == 0, "MD5 RFC 1321 vector %zu (%s)", i, hex);
  }
}

int main(void)
{
  const char *src = getenv("QZ_SOURCE_ROOT");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/targets", src ? src : ".");
  test_descriptions(dir);
  test_errors();
  test_checksums();
  printf("%d failed\n", failures);
  return failures ? 1 : 0;
}
