/* qe_flash_tool.c - flashing with the vendor and community tools.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include "qe/qe_board_flash.h"
#include "qe/qe_fileutil.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *qe_flash_tool_program(qe_flash_tool t)
{
  switch (t) {
  case QE_TOOL_ST_FLASH:
    return "st-flash";
  case QE_TOOL_OPENOCD:
    return "openocd";
  case QE_TOOL_DFU_UTIL:
    return "dfu-util";
  case QE_TOOL_CUBEPROG:
    return "STM32_Programmer_CLI";
  }
  return "?";
}

/* Run argv, collect stdout+stderr (the last 16 KiB). -1: not installed. */
static int run(char *const *argv, char *out, size_t cap, qe_ctx *ctx)
{
  int fds[2];
  if (pipe(fds) != 0)
    return -2;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return rc == ENOENT ? -1 : -2;
  }
  size_t n = 0;
  char buf[1024];
  ssize_t k;
  while ((k = read(fds[0], buf, sizeof buf)) > 0) {
    if (n + (size_t)k >= cap) { /* keep the tail */
      size_t drop = n + (size_t)k - (cap - 1);
      drop = QE_MIN(drop, n);
      memmove(out, out + drop, n - drop);
      n -= drop;
    }
    size_t take = QE_MIN((size_t)k, cap - 1 - n);
    memcpy(out + n, buf, take);
    n += take;
    (void)qe_progress(ctx, -1.0, "flashing");
  }
  out[n] = '\0';
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool has(const char *out, const char *s)
{
  return strstr(out, s) != NULL;
}

/* The last non-empty line of the tool's output. */
static void last_line(const char *out, char *line, size_t cap)
{
  size_t n = strlen(out);
  while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
    n--;
  size_t s = n;
  while (s && out[s - 1] != '\n')
    s--;
  snprintf(line, cap, "%.*s", (int)(n - s), out + s);
}

static qe_status explain(qe_flash_tool t, const char *out, int rc, qe_ctx *ctx)
{
  const char *tool = qe_flash_tool_program(t);
  char tail[200];
  last_line(out, tail, sizeof tail);
  const char *why = NULL;
  qe_status st = QE_ERR_DEVICE;
  if (has(out, "LIBUSB_ERROR_ACCESS") || has(out, "Permission denied") ||
      has(out, "permission denied") || has(out, "Cannot open DFU device"))
    why = "no permission to use the USB probe (install the probe's udev rules, or add yourself "
          "to the plugdev group, then plug it in again)";
  else if (has(out, "Couldn't find any ST-Link") || has(out, "No ST-LINK detected") ||
           has(out, "No STLink device found") || has(out, "open failed") ||
           has(out, "unable to open ST-Link") || has(out, "No ST-LINK/V2"))
    why = "no ST-LINK probe found (is the board plugged in, and no other program using it?)";
  else if (has(out, "No DFU capable USB device"))
    why = "no board in DFU mode (hold BOOT0 high and reset the board, then try again)";
  else if (has(out, "arget voltage") && (has(out, "too low") || has(out, "0.00")))
    why = "the microcontroller has no power (check the board's power jumper and cable)";
  else if (has(out, "unable to connect to the target") || has(out, "init mode failed") ||
           has(out, "Failed to connect") || has(out, "No target connected") ||
           has(out, "Unknown chip") || has(out, "unknown chip id") ||
           has(out, "No STM32 target found"))
    why = "the probe cannot reach the microcontroller (check the cable; holding RESET while "
          "connecting helps when the program on it disables the debug pins)";
  else if (has(out, "erify failed") || has(out, "erification failed") ||
           has(out, "contents differ") || has(out, "Verify ERROR") ||
           has(out, "checksum mismatch")) {
    why = "the flash does not read back what was written (verification failed)";
    st = QE_ERR_VERIFY;
  } else if (has(out, "write protected") || has(out, "read out protection") ||
             has(out, "RDP level"))
    why = "the flash is write- or read-protected (remove the protection with "
          "STM32CubeProgrammer first)";
  if (why)
    return qe_error(ctx, st, "%s: %s [%s]", tool, why, tail);
  return qe_error(ctx, QE_ERR_DEVICE, "%s failed (exit %d): %s", tool, rc,
                  *tail ? tail : "no message");
}

qe_status qe_flash_with_tool(qe_flash_tool t, const char *image_path, uint32_t address,
                             const char *openocd_target, qe_flash_report *rep, qe_ctx *ctx)
{
  memset(rep, 0, sizeof *rep);
  char addr[16], out[16384], cmd[4096], range[64], tgt[256];
  snprintf(addr, sizeof addr, "0x%08X", (unsigned)address);
  uint8_t *img = NULL, *back = NULL;
  size_t len = 0, blen = 0;
  qe_status st = qe_read_file(image_path, &img, &len, ctx);
  if (st != QE_OK)
    return st;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  char *readback = NULL;
  int rc;
  const char *prog = qe_flash_tool_program(t);
  if (t == QE_TOOL_ST_FLASH) {
    char *argv[] = { (char *)prog, (char *)"--reset", (char *)"write", (char *)image_path, addr,
                     NULL };
    rc = run(argv, out, sizeof out, ctx);
  } else if (t == QE_TOOL_OPENOCD) {
    snprintf(cmd, sizeof cmd, "program %s %s verify reset exit", image_path, addr);
    snprintf(tgt, sizeof tgt, "%s", openocd_target ? openocd_target : "target/stm32f4x.cfg");
    char *argv[] = { (char *)prog, (char *)"-f", (char *)"interface/stlink.cfg",
                     (char *)"-f", tgt,          (char *)"-c",
                     cmd,          NULL };
    rc = run(argv, out, sizeof out, ctx);
  } else if (t == QE_TOOL_DFU_UTIL) {
    /* Download, read back (DFU upload) to compare, then leave DFU mode. */
    snprintf(range, sizeof range, "%s", addr);
    char *argv[] = { (char *)prog, (char *)"-a", (char *)"0",        (char *)"-s",
                     range,        (char *)"-D", (char *)image_path, NULL };
    rc = run(argv, out, sizeof out, ctx);
    if (rc == 0) {
      readback = qe_strdup_printf("%s.readback", image_path);
      snprintf(range, sizeof range, "%s:%zu", addr, len);
      char *up[] = { (char *)prog, (char *)"-a", (char *)"0", (char *)"-s",
                     range,        (char *)"-U", readback,    NULL };
      if (readback)
        unlink(readback);
      rc = readback ? run(up, out, sizeof out, ctx) : -2;
    }
    if (rc == 0) {
      char leave[64], tmp[1024];
      snprintf(leave, sizeof leave, "%s:leave", addr);
      char *lv[] = { (char *)prog, (char *)"-a", (char *)"0", (char *)"-s",
                     leave,        (char *)"-e", NULL };
      (void)run(lv, tmp, sizeof tmp, ctx); /* the board may reset before answering */
    }
  } else {
    char *argv[] = { (char *)prog, (char *)"-c",       (char *)"port=SWD",
                     (char *)"-w", (char *)image_path, addr,
                     (char *)"-v", (char *)"-rst",     NULL };
    rc = run(argv, out, sizeof out, ctx);
  }
  if (rc == -1)
    st = qe_error(ctx, QE_ERR_UNSUPPORTED, "%s is not installed", prog);
  else if (rc == -2)
    st = qe_error(ctx, QE_ERR_IO, "cannot run %s", prog);
  else if (qe_ctx_cancelled(ctx))
    st = qe_error(ctx, QE_ERR_CANCELLED, "cancelled while %s was flashing", prog);
  else if (rc != 0 || has(out, "erify failed") || has(out, "Verify ERROR"))
    st = explain(t, out, rc, ctx);
  if (st == QE_OK && t == QE_TOOL_DFU_UTIL) {
    st = qe_read_file(readback, &back, &blen, ctx);
    if (st == QE_OK && (blen < len || memcmp(back, img, len) != 0))
      st = qe_error(ctx, QE_ERR_VERIFY,
                    "dfu-util: the flash does not read back what was written (verification "
                    "failed)");
  }
  if (readback)
    unlink(readback);
  free(readback);
  free(back);
  free(img);
  if (st != QE_OK)
    return st;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  rep->bytes = len;
  rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  snprintf(rep->detail, sizeof rep->detail, "%s, %s", prog,
           t == QE_TOOL_DFU_UTIL ? "read back and compared" : "verified by the tool");
  return QE_OK;
}
