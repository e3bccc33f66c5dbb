/* shim_pty.c - the pseudo-terminal of the host stand-ins (see README).
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "shim_pty.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int master = -1;

int shim_pty_open(void)
{
  master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    perror("pty");
    exit(3);
  }
  /* Raw on our side too: bytes pass unchanged. */
  struct termios t;
  if (tcgetattr(master, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(master, TCSANOW, &t);
  }
  printf("pty %s\n", ptsname(master));
  fflush(stdout);
  return master;
}

int shim_pty_getc(int wait_ms)
{
  struct pollfd p[2] = { { master, POLLIN, 0 }, { 0, POLLIN, 0 } };
  int n = poll(p, 2, wait_ms);
  if (n > 0 && (p[1].revents & (POLLIN | POLLHUP))) {
    char c;
    if (read(0, &c, 1) <= 0)
      exit(0); /* the test closed our stdin: done */
  }
  if (n > 0 && (p[0].revents & POLLIN)) {
    unsigned char c;
    if (read(master, &c, 1) == 1)
      return c;
  }
  if (n > 0 && (p[0].revents & POLLHUP))
    usleep(1000); /* nobody has the other end open yet */
  return -1;
}

void shim_pty_putc(unsigned char c)
{
  while (write(master, &c, 1) != 1) {
  }
}

uint64_t shim_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
