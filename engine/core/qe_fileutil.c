/* qe_fileutil.c - whole-file reads and atomic writes.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe/qe_fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qe_internal.h"

qe_status qe_read_file(const char *path, uint8_t **data, size_t *len, qe_ctx *ctx)
{
  *data = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return qe_error(ctx, QE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return qe_error(ctx, QE_ERR_IO, "%s: not a regular file", path);
  }
  if ((uint64_t)st.st_size >= qe_ctx_alloc_limit(ctx)) {
    close(fd);
    return qe_error(ctx, QE_ERR_NOMEM, "%s: file of %lld bytes is above the limit", path,
                    (long long)st.st_size);
  }
  size_t size = (size_t)st.st_size;
  uint8_t *buf = malloc(size + 1);
  if (!buf) {
    close(fd);
    return qe_error(ctx, QE_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, size);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = errno;
      free(buf);
      close(fd);
      return qe_error(ctx, QE_ERR_IO, "%s: read failed at byte %zu: %s", path, got,
                      n == 0 ? "file shrank while reading" : strerror(e));
    }
    got += (size_t)n;
  }
  close(fd);
  buf[size] = '\0';
  *data = buf;
  *len = size;
  return QE_OK;
}

qe_status qe_write_file_atomic(const char *path, const void *data, size_t len, qe_ctx *ctx)
{
  char *tmp = qe_strdup_printf("%s.tmp-XXXXXX", path);
  if (!tmp)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  int fd = mkstemp(tmp);
  if (fd < 0) {
    qe_status st = qe_error(ctx, QE_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    free(tmp);
    return st;
  }
  const uint8_t *p = data;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      qe_status st = qe_error(ctx, QE_ERR_IO, "%s: write failed: %s", path, strerror(errno));
      close(fd);
      unlink(tmp);
      free(tmp);
      return st;
    }
    done += (size_t)n;
  }
  /* Regular permissions for a user file (mkstemp makes 0600). */
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0 || fsync(fd) != 0 || close(fd) != 0) {
    qe_status st = qe_error(ctx, QE_ERR_IO, "%s: cannot finish writing: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return st;
  }
  if (rename(tmp, path) != 0) {
    qe_status st =
        qe_error(ctx, QE_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return st;
  }
  free(tmp);
  return QE_OK;
}

qe_status qe_mkdir_p(const char *path, qe_ctx *ctx)
{
  char *buf = qe_strdup(path);
  if (!buf)
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory");
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
        qe_status st =
            qe_error(ctx, QE_ERR_IO, "%s: cannot create folder: %s", buf, strerror(errno));
        free(buf);
        return st;
      }
      *p = c;
      if (c == '\0')
        break;
    }
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    free(buf);
    return qe_error(ctx, QE_ERR_IO, "%s: exists and is not a folder", path);
  }
  free(buf);
  return QE_OK;
}
