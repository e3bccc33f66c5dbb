/* ptyshim.c - LD_PRELOAD shim that lets serial-port programs run on Linux
 * pseudo-terminals in the tests.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pty has no UART: Linux keeps CS8 and drops PARENB whatever
 * tcsetattr() asks, and rejects the modem-control ioctls (TIOCMGET/SET/
 * BIS/BIC). Programs written for real ports (stm32flash, which verifies
 * the flags it set; libserialport, which reads the modem lines) then refuse
 * the port. For terminal file descriptors (every one is a pty in the tests;
 * under umockdev a pty even reports the major of the ttyACM it stands
 * for, so the shim cannot tell it by its device number), this shim remembers the termios
 * a program set and hands it back from tcgetattr(), and keeps a fake
 * modem-line word for the TIOCM* ioctls. (Only c_cflag is kept: the
 * other flags a pty takes as they are.) When QZ_PTYSHIM_LOG names a file,
 * every line-setting change is appended there ("cflag PARENB=1 CS8=1" and
 * "lines DTR=1 RTS=0"), so a test can check that a client asked for 8E1
 * and see the reset sequence it drove.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#define MAX_FD 1024

/* The kernel's termios2 (asm/termbits.h cannot be included beside
 * <termios.h>): libserialport reads and writes the line settings with the
 * TCGETS2/TCSETS2 ioctls as well as with tcgetattr(). */
struct k_termios2 {
  tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
  cc_t c_line;
  cc_t c_cc[19];
  speed_t c_ispeed, c_ospeed;
};
#define K_TCGETS2  _IOR('T', 0x2A, struct k_termios2)
#define K_TCSETS2  _IOW('T', 0x2B, struct k_termios2)
#define K_TCSETSW2 _IOW('T', 0x2C, struct k_termios2)
#define K_TCSETSF2 _IOW('T', 0x2D, struct k_termios2)

static struct termios saved[MAX_FD];
static char have_saved[MAX_FD];
static int mlines[MAX_FD];

static int is_pty(int fd)
{
  struct stat st;
  if (fd < 0 || fd >= MAX_FD || fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
    return 0;
  return isatty(fd);
}

static void log_line(const char *fmt, ...)
{
  const char *path = getenv("QZ_PTYSHIM_LOG");
  if (!path)
    return;
  FILE *f = fopen(path, "a");
  if (!f)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
  fclose(f);
}

int tcsetattr(int fd, int act, const struct termios *t)
{
  static int (*real)(int, int, const struct termios *);
  if (!real)
    real = (int (*)(int, int, const struct termios *))dlsym(RTLD_NEXT, "tcsetattr");
  int rc = real(fd, act, t);
  if (rc == 0 && is_pty(fd)) {
    saved[fd] = *t;
    have_saved[fd] = 1;
    log_line("cflag PARENB=%d PARODD=%d CS8=%d CSTOPB=%d speed=%u", (t->c_cflag & PARENB) ? 1 : 0,
             (t->c_cflag & PARODD) ? 1 : 0, (t->c_cflag & CSIZE) == CS8 ? 1 : 0,
             (t->c_cflag & CSTOPB) ? 1 : 0, (unsigned)cfgetospeed(t));
  }
  return rc;
}

int tcgetattr(int fd, struct termios *t)
{
  static int (*real)(int, struct termios *);
  if (!real)
    real = (int (*)(int, struct termios *))dlsym(RTLD_NEXT, "tcgetattr");
  int rc = real(fd, t);
  if (rc == 0 && fd >= 0 && fd < MAX_FD && have_saved[fd] && is_pty(fd))
    t->c_cflag = saved[fd].c_cflag;
  return rc;
}

int ioctl(int fd, unsigned long req, ...)
{
  static int (*real)(int, unsigned long, ...);
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (!real)
    real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  if ((req == TIOCMGET || req == TIOCMSET || req == TIOCMBIS || req == TIOCMBIC) && is_pty(fd)) {
    int *v = arg;
    int before = mlines[fd];
    if (req == TIOCMGET)
      *v = mlines[fd] | TIOCM_CTS | TIOCM_DSR | TIOCM_CD;
    else if (req == TIOCMSET)
      mlines[fd] = *v;
    else if (req == TIOCMBIS)
      mlines[fd] |= *v;
    else
      mlines[fd] &= ~*v;
    if (mlines[fd] != before)
      log_line("lines DTR=%d RTS=%d", (mlines[fd] & TIOCM_DTR) ? 1 : 0,
               (mlines[fd] & TIOCM_RTS) ? 1 : 0);
    return 0;
  }
  int rc = real(fd, req, arg);
  if (rc == 0 && arg && is_pty(fd)) {
    /* struct termios (kernel layout) and termios2 both start with the four
     * flag words: keep the asked-for c_cflag on the way in and out. */
    tcflag_t *w = arg;
    if (req == TCSETS || req == TCSETSW || req == TCSETSF || req == K_TCSETS2 ||
        req == K_TCSETSW2 || req == K_TCSETSF2) {
      if (!have_saved[fd])
        memset(&saved[fd], 0, sizeof saved[fd]);
      saved[fd].c_cflag = w[2];
      have_saved[fd] = 1;
      log_line("cflag PARENB=%d PARODD=%d CS8=%d CSTOPB=%d (ioctl)", (w[2] & PARENB) ? 1 : 0,
               (w[2] & PARODD) ? 1 : 0, (w[2] & CSIZE) == CS8 ? 1 : 0, (w[2] & CSTOPB) ? 1 : 0);
    } else if ((req == TCGETS || req == K_TCGETS2) && have_saved[fd]) {
      w[2] = saved[fd].c_cflag;
    }
  }
  return rc;
}
