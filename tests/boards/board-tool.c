/* board-tool.c - drives the engine's board code for the tests/boards
 * Python harnesses (which start emulators and QEMU around it).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   board-tool selftest PORT SAMPLES ITERATIONS SEED
 *       HELLO, then SAMPLES random inputs through the runner's built-in
 *       self-test model and through the same model on the host (the
 *       engine's kernels, targets/runner/selftest_model.c); prints one
 *       line of key=value results; exit 0 only when bit-identical.
 *   board-tool ping PORT BYTES ROUNDS
 *       echo throughput and integrity of the link.
 *   board-tool stm32 PORT IMAGE EXPECT_PID GO
 *       flash IMAGE at 0x08000000 through the STM32 UART bootloader (8E1).
 *   board-tool msd LABEL IMAGE TIMEOUT_MS
 *       copy IMAGE to the ST-LINK drive LABEL ("-": any) and wait for it.
 *   board-tool tool NAME IMAGE
 *       flash IMAGE at 0x08000000 with st-flash|openocd|dfu-util|cubeprog.
 *   board-tool esp PORT IMAGE OFFSET FLASH_BYTES
 *       flash IMAGE through the ESP32-S3 ROM loader, MD5-verified.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_slot.h"
#include "qe/qe_board_flash.h"
#include "qe/qe_board_link.h"
#include "qe/qe_fileutil.h"

static qe_status host_selftest(void *user, const void *in, size_t in_len, void *out, size_t out_len,
                               qe_ctx *ctx)
{
  (void)user;
  const qr_model_info *mi = qr_model_get_info();
  if (in_len != mi->input_bytes || out_len != mi->output_bytes)
    return qe_error(ctx, QE_ERR_SHAPE, "self-test model sizes differ from the board's");
  memcpy(qr_model_input(), in, in_len);
  int rc = qr_model_run();
  if (rc != 0)
    return qe_error(ctx, QE_ERR_INTERNAL, "host self-test model failed (%d)", rc);
  memcpy(out, qr_model_output(), out_len);
  return QE_OK;
}

static int fail(qe_ctx *ctx)
{
  printf("error status=%d message=%s\n", (int)qe_ctx_status(ctx), qe_ctx_error(ctx));
  qe_ctx_free(ctx);
  return 1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int stm32(qe_ctx *ctx, char **argv)
{
  qe_port_config cfg = { 115200, QE_PARITY_EVEN };
  qe_port *port = NULL;
  uint8_t *img = NULL;
  size_t len = 0;
  if (qe_read_file(argv[3], &img, &len, ctx) != QE_OK)
    return fail(ctx);
  if (qe_port_open(argv[2], &cfg, &port, ctx) != QE_OK) {
    free(img);
    return fail(ctx);
  }
  qe_stm32_options o = { 0 };
  o.expect_pid = (uint16_t)strtoul(argv[4], NULL, 0);
  o.go = atoi(argv[5]) != 0;
  qe_flash_report rep;
  qe_status st = qe_stm32_flash(port, &o, img, len, &rep, ctx);
  qe_port_close(port);
  free(img);
  if (st != QE_OK)
    return fail(ctx);
  printf("flashed bytes=%zu seconds=%.3f retries=%u chip=0x%03X detail=\"%s\" kib_per_s=%.1f\n",
         rep.bytes, rep.seconds, rep.retries, (unsigned)rep.chip_id, rep.detail,
         rep.seconds > 0 ? rep.bytes / 1024.0 / rep.seconds : 0.0);
  qe_ctx_free(ctx);
  return 0;
}

static int report(const qe_flash_report *rep)
{
  printf("flashed bytes=%zu seconds=%.3f retries=%u chip=0x%03X detail=\"%s\" kib_per_s=%.1f\n",
         rep->bytes, rep->seconds, rep->retries, (unsigned)rep->chip_id, rep->detail,
         rep->seconds > 0 ? rep->bytes / 1024.0 / rep->seconds : 0.0);
  return 0;
}

static int espflash(qe_ctx *ctx, char **argv)
{
  qe_port *port = NULL;
  uint8_t *img = NULL;
  size_t len = 0;
  if (qe_read_file(argv[3], &img, &len, ctx) != QE_OK)
    return fail(ctx);
  if (qe_port_open(argv[2], NULL, &port, ctx) != QE_OK) {
    free(img);
    return fail(ctx);
  }
  qe_esp_options o = { 0 };
  o.offset = (uint32_t)strtoul(argv[4], NULL, 0);
  o.flash_bytes = (uint32_t)strtoul(argv[5], NULL, 0);
  o.run = true;
  qe_flash_report rep;
  qe_status st = qe_esp_flash(port, &o, img, len, &rep, ctx);
  qe_port_close(port);
  free(img);
  if (st != QE_OK)
    return fail(ctx);
  report(&rep);
  qe_ctx_free(ctx);
  return 0;
}

static int msdflash(qe_ctx *ctx, char **argv)
{
  uint8_t *img = NULL;
  size_t len = 0;
  char *dir = NULL;
  if (qe_read_file(argv[3], &img, &len, ctx) != QE_OK)
    return fail(ctx);
  if (qe_stlink_msd_find(strcmp(argv[2], "-") ? argv[2] : NULL, &dir, ctx) != QE_OK) {
    free(img);
    return fail(ctx);
  }
  qe_flash_report rep;
  qe_status st = qe_stlink_msd_flash(dir, img, len, atoi(argv[4]), &rep, ctx);
  free(img);
  free(dir);
  if (st != QE_OK)
    return fail(ctx);
  report(&rep);
  qe_ctx_free(ctx);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: board-tool selftest|ping PORT ...\n");
    return 2;
  }
  qe_ctx *ctx = qe_ctx_new();
  qe_port *port = NULL;
  if (strcmp(argv[1], "stm32") == 0 && argc >= 6)
    return stm32(ctx, argv);
  if (strcmp(argv[1], "esp") == 0 && argc >= 6)
    return espflash(ctx, argv);
  if (strcmp(argv[1], "msd") == 0 && argc >= 5)
    return msdflash(ctx, argv);
  if (strcmp(argv[1], "tool") == 0 && argc >= 4) {
    static const char *const names[] = { "st-flash", "openocd", "dfu-util", "cubeprog" };
    for (int t = 0; t < 4; t++)
      if (strcmp(argv[2], names[t]) == 0) {
        qe_flash_report rep;
        if (qe_flash_with_tool((qe_flash_tool)t, argv[3], 0x08000000u, NULL, &rep, ctx) != QE_OK)
          return fail(ctx);
        report(&rep);
        qe_ctx_free(ctx);
        return 0;
      }
    return 2;
  }
  if (qe_port_open(argv[2], NULL, &port, ctx) != QE_OK)
    return fail(ctx);
  qe_link *link = qe_link_new(port);
  qe_runner_info info;
  if (qe_link_hello(link, 10000, &info, ctx) != QE_OK) {
    qe_link_free(link);
    return fail(ctx);
  }
  printf("hello board=%s firmware=%s model=\"%s\" clock_hz=%" PRIu32 " free_ram=%" PRIu32
         " arena=%" PRIu32 " in=%" PRIu32 " out=%" PRIu32 " model_id=%08" PRIx32 " counter=%d\n",
         info.board_id, info.firmware_version, info.model_name, info.clock_hz, info.free_ram,
         info.arena_bytes, info.input_bytes, info.output_bytes, info.model_id, (int)info.counter);
  int rc = 0;
  if (strcmp(argv[1], "selftest") == 0 && argc >= 6) {
    size_t samples = strtoul(argv[3], NULL, 10);
    uint32_t iters = (uint32_t)strtoul(argv[4], NULL, 10);
    uint32_t seed = (uint32_t)strtoul(argv[5], NULL, 10);
    qr_model_init();
    if (qr_model_id() != info.model_id) {
      printf("model_id mismatch host=%08" PRIx32 " board=%08" PRIx32 "\n", qr_model_id(),
             info.model_id);
      rc = 1;
    }
    int8_t *inputs = malloc(samples * info.input_bytes + 1);
    for (size_t i = 0; i < samples * info.input_bytes; i++) {
      seed = seed * 1103515245u + 12345u;
      inputs[i] = (int8_t)(seed >> 16);
    }
    qe_validation v;
    double t0 = now_s();
    qe_status st =
        qe_link_validate(link, &info, inputs, samples, iters, host_selftest, NULL, &v, ctx);
    double dt = now_s() - t0;
    free(inputs);
    if (st != QE_OK) {
      qe_link_free(link);
      return fail(ctx);
    }
    printf("validate samples=%zu mismatched_samples=%zu mismatched_bytes=%zu ticks_min=%" PRIu64
           " ticks_max=%" PRIu64 " ticks_mean=%.3f ms_mean=%.4f retries=%u seconds=%.3f\n",
           v.samples, v.mismatched_samples, v.mismatched_bytes, v.ticks_min, v.ticks_max,
           v.ticks_mean, v.ms_mean, v.link_retries, dt);
    if (v.mismatched_samples || v.samples != samples)
      rc = 1;
  } else if (strcmp(argv[1], "ping") == 0 && argc >= 5) {
    size_t n = strtoul(argv[3], NULL, 10), rounds = strtoul(argv[4], NULL, 10);
    uint8_t buf[1024];
    if (n > sizeof buf)
      n = sizeof buf;
    for (size_t i = 0; i < n; i++)
      buf[i] = (uint8_t)(i * 7 + 1);
    double t0 = now_s();
    for (size_t r = 0; r < rounds; r++) {
      buf[0] = (uint8_t)r;
      if (qe_link_ping(link, buf, n, ctx) != QE_OK) {
        qe_link_free(link);
        return fail(ctx);
      }
    }
    double dt = now_s() - t0;
    printf("ping bytes=%zu rounds=%zu seconds=%.3f retries=%u\n", n, rounds, dt,
           qe_link_retries(link));
  } else {
    fprintf(stderr, "board-tool: bad arguments\n");
    rc = 2;
  }
  qe_link_free(link);
  qe_ctx_free(ctx);
  return rc;
}
