/* qe_flash_msd.c - flashing through the ST-LINK's mass-storage drive.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ST-LINK/V2-1 and V3 probes show a small FAT drive. A .bin copied to it
 * is programmed at the start of flash by the probe, which checks the
 * programming itself; the drive then re-appears without the file, and with
 * FAIL.TXT when something went wrong (its text says what).
 */
#include "qe_internal.h"

#include "qe/qe_board_flash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMAGE_NAME "QZ_IMAGE.BIN"

static bool has_file(const char *dir, const char *name)
{
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return stat(path, &st) == 0;
}

static bool is_stlink_name(const char *base)
{
  return strncmp(base, "NODE_", 5) == 0 || strncmp(base, "NOD_", 4) == 0 ||
         strncmp(base, "DIS_", 4) == 0;
}

/* Does folder @dir look like the drive we want? */
static bool matches(const char *dir, const char *label)
{
  const char *base = strrchr(dir, '/');
  base = base ? base + 1 : dir;
  if (label)
    return strcmp(base, label) == 0;
  return is_stlink_name(base) && has_file(dir, "DETAILS.TXT");
}

/* Look at @root itself and its direct sub-folders. */
static char *scan(const char *root, const char *label)
{
  if (matches(root, label))
    return qe_strdup(root);
  DIR *d = opendir(root);
  if (!d)
    return NULL;
  char *found = NULL;
  struct dirent *e;
  while (!found && (e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char *p = qe_strdup_printf("%s/%s", root, e->d_name);
    struct stat st;
    if (p && stat(p, &st) == 0 && S_ISDIR(st.st_mode) && matches(p, label))
      found = p;
    else
      free(p);
  }
  closedir(d);
  return found;
}

qe_status qe_stlink_msd_find(const char *label, char **mount_dir, qe_ctx *ctx)
{
  *mount_dir = NULL;
  const char *roots = getenv("QZ_MSD_ROOTS");
  char *found = NULL;
  if (roots && *roots) {
    char *copy = qe_strdup(roots), *save = NULL;
    for (char *r = copy ? strtok_r(copy, ":", &save) : NULL; r && !found;
         r = strtok_r(NULL, ":", &save))
      found = scan(r, label);
    free(copy);
  } else {
    FILE *f = fopen("/proc/self/mounts", "r");
    char line[4096];
    while (f && !found && fgets(line, sizeof line, f)) {
      char dev[1024], dir[2048];
      if (sscanf(line, "%1023s %2047s", dev, dir) != 2)
        continue;
      /* Octal escapes (\040 for a space) in mount points. */
      char *w = dir;
      for (const char *r = dir; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
          *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
          r += 3;
        } else {
          *w++ = *r;
        }
      }
      *w = '\0';
      if (matches(dir, label))
        found = qe_strdup(dir);
    }
    if (f)
      fclose(f);
    const char *user = getenv("USER");
    for (int i = 0; !found && user && i < 2; i++) {
      char *r = qe_strdup_printf(i == 0 ? "/media/%s" : "/run/media/%s", user);
      if (r)
        found = scan(r, label);
      free(r);
    }
  }
  if (!found)
    return qe_error(ctx, QE_ERR_DEVICE,
                    "no ST-LINK drive%s%s is mounted (plug the board in and wait for its drive "
                    "to appear, or pick another flash method)",
                    label ? " " : "", label ? label : "");
  *mount_dir = found;
  return QE_OK;
}

static void sleep_ms(int ms)
{
  struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

qe_status qe_stlink_msd_flash(const char *dir, const void *image, size_t len, int timeout_ms,
                              qe_flash_report *rep, qe_ctx *ctx)
{
  memset(rep, 0, sizeof *rep);
  if (len == 0)
    return qe_error(ctx, QE_ERR_INVALID, "the image is empty");
  char path[4096], fail[4096];
  snprintf(path, sizeof path, "%s/%s", dir, IMAGE_NAME);
  snprintf(fail, sizeof fail, "%s/FAIL.TXT", dir);
  struct stat st;
  time_t old_fail = stat(fail, &st) == 0 ? st.st_mtime : 0;
  int64_t t0 = now_ms();
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return qe_error(ctx, QE_ERR_IO, "%s: cannot write to the ST-LINK drive: %s", path,
                    strerror(errno));
  const uint8_t *p = image;
  size_t done = 0;
  qe_status s = QE_OK;
  while (done < len && s == QE_OK) {
    s = qe_progress(ctx, 0.8 * (double)done / (double)len, "copying to the ST-LINK drive");
    if (s != QE_OK)
      break;
    size_t n = QE_MIN((size_t)65536, len - done);
    ssize_t k = write(fd, p + done, n);
    if (k <= 0)
      s = qe_error(ctx, QE_ERR_IO, "%s: writing failed: %s (was the board unplugged?)", path,
                   k < 0 ? strerror(errno) : "no space");
    else
      done += (size_t)k;
  }
  if (s == QE_OK && fsync(fd) != 0)
    s = qe_error(ctx, QE_ERR_IO, "%s: %s", path, strerror(errno));
  close(fd);
  if (s != QE_OK)
    return s;
  /* Wait for the probe to take the file. A probe that failed writes
   * FAIL.TXT when its drive comes back, which may be a moment after the
   * image vanished: success is only declared once the drive has been back
   * without FAIL.TXT for SETTLE_MS. */
  enum { SETTLE_MS = 1500 };
  int64_t deadline = now_ms() + timeout_ms;
  int64_t taken_at = -1;
  while (now_ms() < deadline) {
    s = qe_progress(ctx, 0.9, "the ST-LINK is programming the board");
    if (s != QE_OK)
      return s;
    if (stat(fail, &st) == 0 && (old_fail == 0 || st.st_mtime != old_fail)) {
      char msg[256] = "";
      FILE *f = fopen(fail, "r");
      size_t n = f ? fread(msg, 1, sizeof msg - 1, f) : 0;
      if (f)
        fclose(f);
      msg[n] = '\0';
      for (size_t i = 0; i < n; i++)
        if (msg[i] == '\r' || msg[i] == '\n')
          msg[i] = ' ';
      return qe_error(ctx, QE_ERR_DEVICE, "the ST-LINK could not program the board: %s",
                      n ? msg : "(FAIL.TXT is empty)");
    }
    if (!has_file(dir, IMAGE_NAME) && has_file(dir, "DETAILS.TXT")) {
      if (taken_at < 0) {
        taken_at = now_ms();
        deadline = QE_MAX(deadline, taken_at + SETTLE_MS + 500);
      }
      if (now_ms() - taken_at < SETTLE_MS) {
        sleep_ms(100);
        continue;
      }
      rep->bytes = len;
      rep->seconds = (double)(now_ms() - t0) / 1000.0;
      snprintf(rep->detail, sizeof rep->detail,
               "ST-LINK drive %s: programmed and checked by the probe, no FAIL.TXT", dir);
      return qe_progress(ctx, 1.0, "the ST-LINK is programming the board");
    }
    sleep_ms(100);
  }
  return qe_error(ctx, QE_ERR_TIMEOUT,
                  "%s: the ST-LINK did not take the image within %d s (is its firmware up to "
                  "date?)",
                  dir, timeout_ms / 1000);
}
