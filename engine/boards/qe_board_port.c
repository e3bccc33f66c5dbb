/* qe_board_port.c - serial ports (libserialport), ptys and sockets.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "qe_internal.h"

#include "qe/qe_board_port.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <libserialport.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

typedef enum { PORT_SERIAL, PORT_PTY, PORT_SOCKET } port_kind;

struct qe_port {
  port_kind kind;
  char *name;
  int fd;             /* pty and socket; the lock fd for serial */
  struct sp_port *sp; /* serial only */
};

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static qe_status sp_fail(qe_ctx *ctx, const char *name, const char *what)
{
  char *msg = sp_last_error_message();
  int err = errno;
  qe_status st;
  if (err == EBUSY || err == EWOULDBLOCK)
    st = qe_error(ctx, QE_ERR_BUSY,
                  "%s: the port is in use by another program (close any serial monitor, IDE "
                  "or flasher that has it open)",
                  name);
  else if (err == EACCES || err == EPERM)
    st = qe_error(ctx, QE_ERR_DEVICE,
                  "%s: permission denied (add yourself to the 'dialout' group, then log in "
                  "again)",
                  name);
  else if (err == ENOENT || err == ENODEV || err == ENXIO)
    st = qe_error(ctx, QE_ERR_DEVICE, "%s: no such port (is the board plugged in?)", name);
  else
    st = qe_error(ctx, QE_ERR_DEVICE, "%s: %s: %s", name, what, msg ? msg : strerror(err));
  if (msg)
    sp_free_error_message(msg);
  return st;
}

static qe_status lock_fd(int fd, const char *name, qe_ctx *ctx)
{
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return qe_error(ctx, QE_ERR_BUSY,
                      "%s: the port is in use by another program (close any serial monitor, "
                      "IDE or flasher that has it open)",
                      name);
    return qe_error(ctx, QE_ERR_DEVICE, "%s: cannot lock: %s", name, strerror(errno));
  }
  return QE_OK;
}

static int is_pty_fd(int fd)
{
  struct stat st;
  char link[64], target[64];
  if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
    unsigned maj = major(st.st_rdev);
    if (maj >= 136 && maj <= 143) /* UNIX98 pty slaves */
      return 1;
  }
  /* A pty standing in for a USB device (umockdev) may report the device's
   * numbers; the name the kernel gives the open file does not lie. */
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n > 0) {
    target[n] = '\0';
    return strncmp(target, "/dev/pts/", 9) == 0;
  }
  return 0;
}

static int is_pty(const char *name)
{
  if (strncmp(name, "/dev/pts/", 9) == 0)
    return 1;
  int fd = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return 0;
  int r = is_pty_fd(fd);
  close(fd);
  return r;
}

static speed_t baud_to_speed(uint32_t baud)
{
  switch (baud) {
  case 9600:
    return B9600;
  case 19200:
    return B19200;
  case 38400:
    return B38400;
  case 57600:
    return B57600;
  case 230400:
    return B230400;
  case 460800:
    return B460800;
  case 921600:
    return B921600;
  default:
    return B115200;
  }
}

static qe_status open_pty(qe_port *p, const qe_port_config *cfg, qe_ctx *ctx)
{
  p->fd = open(p->name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (p->fd < 0) {
    if (errno == ENOENT || errno == ENXIO || errno == EIO)
      return qe_error(ctx, QE_ERR_DEVICE, "%s: no such port (is the emulator running?)", p->name);
    return qe_error(ctx, QE_ERR_DEVICE, "%s: %s", p->name, strerror(errno));
  }
  qe_status st = lock_fd(p->fd, p->name, ctx);
  if (st != QE_OK)
    return st;
  struct termios tio;
  if (tcgetattr(p->fd, &tio) == 0) {
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    cfsetispeed(&tio, baud_to_speed(cfg->baud));
    cfsetospeed(&tio, baud_to_speed(cfg->baud));
    tcsetattr(p->fd, TCSANOW, &tio);
  }
  return QE_OK;
}

static qe_status open_socket(qe_port *p, qe_ctx *ctx)
{
  if (strncmp(p->name, "unix:", 5) == 0) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    const char *path = p->name + 5;
    if (strlen(path) >= sizeof sa.sun_path)
      return qe_error(ctx, QE_ERR_INVALID, "%s: socket path too long", p->name);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->fd < 0 || connect(p->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
      return qe_error(ctx, QE_ERR_DEVICE, "%s: cannot connect: %s", p->name, strerror(errno));
  } else {
    char host[256];
    const char *spec = p->name + 4, *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host)
      return qe_error(ctx, QE_ERR_INVALID, "%s: expected tcp:HOST:PORT", p->name);
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &res);
    if (gai != 0)
      return qe_error(ctx, QE_ERR_DEVICE, "%s: %s", p->name, gai_strerror(gai));
    int err = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
      p->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (p->fd >= 0 && connect(p->fd, ai->ai_addr, ai->ai_addrlen) == 0)
        break;
      err = errno;
      if (p->fd >= 0)
        close(p->fd);
      p->fd = -1;
    }
    freeaddrinfo(res);
    if (p->fd < 0)
      return qe_error(ctx, QE_ERR_DEVICE, "%s: cannot connect: %s", p->name, strerror(err));
  }
  fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
  return QE_OK;
}

static qe_status serial_config(qe_port *p, const qe_port_config *cfg, qe_ctx *ctx)
{
  if (sp_set_baudrate(p->sp, (int)cfg->baud) != SP_OK || sp_set_bits(p->sp, 8) != SP_OK ||
      sp_set_parity(p->sp, cfg->parity == QE_PARITY_EVEN ? SP_PARITY_EVEN : SP_PARITY_NONE) !=
          SP_OK ||
      sp_set_stopbits(p->sp, 1) != SP_OK || sp_set_flowcontrol(p->sp, SP_FLOWCONTROL_NONE) != SP_OK)
    return sp_fail(ctx, p->name, "cannot configure");
  return QE_OK;
}

static qe_status open_serial(qe_port *p, const qe_port_config *cfg, qe_ctx *ctx)
{
  if (sp_get_port_by_name(p->name, &p->sp) != SP_OK)
    return sp_fail(ctx, p->name, "cannot find");
  errno = 0;
  if (sp_open(p->sp, SP_MODE_READ_WRITE) != SP_OK) {
    qe_status st = sp_fail(ctx, p->name, "cannot open");
    sp_free_port(p->sp);
    p->sp = NULL;
    return st;
  }
  int fd = -1;
  if (sp_get_port_handle(p->sp, &fd) == SP_OK && fd >= 0) {
    qe_status st = lock_fd(fd, p->name, ctx);
    if (st != QE_OK)
      return st;
#ifdef TIOCEXCL
    ioctl(fd, TIOCEXCL);
#endif
  }
  return serial_config(p, cfg, ctx);
}

qe_status qe_port_open(const char *name, const qe_port_config *config, qe_port **out, qe_ctx *ctx)
{
  qe_port_config cfg = { 115200, QE_PARITY_NONE };
  *out = NULL;
  if (!name || !*name)
    return qe_error(ctx, QE_ERR_INVALID, "no serial port given");
  if (config)
    cfg = *config;
  if (cfg.baud == 0)
    cfg.baud = 115200;
  qe_port *p = calloc(1, sizeof *p);
  if (!p || !(p->name = qe_strdup(name))) {
    free(p);
    return qe_error(ctx, QE_ERR_NOMEM, "out of memory opening %s", name);
  }
  p->fd = -1;
  qe_status st;
  if (strncmp(name, "unix:", 5) == 0 || strncmp(name, "tcp:", 4) == 0) {
    p->kind = PORT_SOCKET;
    st = open_socket(p, ctx);
  } else if (is_pty(name) && !getenv("QZ_PORT_PTY_AS_SERIAL")) {
    p->kind = PORT_PTY;
    st = open_pty(p, &cfg, ctx);
  } else {
    p->kind = PORT_SERIAL;
    st = open_serial(p, &cfg, ctx);
  }
  if (st != QE_OK) {
    qe_port_close(p);
    return st;
  }
  *out = p;
  return QE_OK;
}

void qe_port_close(qe_port *p)
{
  if (!p)
    return;
  if (p->sp) {
    sp_close(p->sp);
    sp_free_port(p->sp);
  } else if (p->fd >= 0) {
    close(p->fd);
  }
  free(p->name);
  free(p);
}

const char *qe_port_name(const qe_port *p)
{
  return p ? p->name : "";
}

int qe_port_is_virtual(const qe_port *p)
{
  return p && p->kind != PORT_SERIAL;
}

static qe_status gone(qe_port *p, qe_ctx *ctx, int err)
{
  return qe_error(ctx, QE_ERR_DEVICE, "%s: the board was disconnected (%s)", p->name,
                  err ? strerror(err) : "link closed");
}

qe_status qe_port_write(qe_port *p, const void *data, size_t len, int timeout_ms, qe_ctx *ctx)
{
  const uint8_t *b = data;
  if (p->sp) {
    int n = sp_blocking_write(p->sp, b, len, (unsigned)(timeout_ms > 0 ? timeout_ms : 1));
    if (n < 0)
      return gone(p, ctx, errno);
    if ((size_t)n < len)
      return qe_error(ctx, QE_ERR_TIMEOUT, "%s: could not send %zu bytes within %d ms", p->name,
                      len, timeout_ms);
    if (sp_drain(p->sp) != SP_OK)
      return gone(p, ctx, errno);
    return QE_OK;
  }
  int64_t deadline = now_ms() + timeout_ms;
  size_t done = 0;
  while (done < len) {
    ssize_t n = p->kind == PORT_SOCKET ? send(p->fd, b + done, len - done, MSG_NOSIGNAL)
                                       : write(p->fd, b + done, len - done);
    if (n > 0) {
      done += (size_t)n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return gone(p, ctx, errno);
    int left = (int)(deadline - now_ms());
    if (left <= 0)
      return qe_error(ctx, QE_ERR_TIMEOUT, "%s: could not send %zu bytes within %d ms", p->name,
                      len, timeout_ms);
    struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
    poll(&pfd, 1, left);
  }
  return QE_OK;
}

qe_status qe_port_read(qe_port *p, void *buf, size_t len, int timeout_ms, size_t *got, qe_ctx *ctx)
{
  uint8_t *b = buf;
  size_t done = 0;
  int64_t deadline = now_ms() + timeout_ms;
  if (got)
    *got = 0;
  while (done < len) {
    int left = (int)(deadline - now_ms());
    if (p->sp) {
      if (left <= 0)
        break;
      int n = sp_blocking_read(p->sp, b + done, len - done, (unsigned)left);
      if (n < 0)
        return gone(p, ctx, errno);
      done += (size_t)n;
      continue;
    }
    ssize_t n = read(p->fd, b + done, len - done);
    if (n > 0) {
      done += (size_t)n;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      if (got)
        *got = done;
      return gone(p, ctx, n == 0 ? 0 : errno);
    }
    if (left <= 0)
      break;
    struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
    int r = poll(&pfd, 1, left);
    if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLIN)) {
      if (got)
        *got = done;
      return gone(p, ctx, 0);
    }
  }
  if (got)
    *got = done;
  if (done < len)
    return qe_error(ctx, QE_ERR_TIMEOUT, "%s: the board did not answer within %d ms", p->name,
                    timeout_ms);
  return QE_OK;
}

qe_status qe_port_discard_input(qe_port *p, qe_ctx *ctx)
{
  if (p->sp) {
    if (sp_flush(p->sp, SP_BUF_INPUT) != SP_OK)
      return gone(p, ctx, errno);
    return QE_OK;
  }
  uint8_t junk[256];
  for (;;) {
    ssize_t n = read(p->fd, junk, sizeof junk);
    if (n > 0)
      continue;
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
      return gone(p, ctx, n == 0 ? 0 : errno);
    return QE_OK;
  }
}

qe_status qe_port_set_baud(qe_port *p, uint32_t baud, qe_ctx *ctx)
{
  if (p->sp) {
    if (sp_set_baudrate(p->sp, (int)baud) != SP_OK)
      return sp_fail(ctx, p->name, "cannot set the baud rate");
    return QE_OK;
  }
  if (p->kind == PORT_PTY) {
    struct termios tio;
    if (tcgetattr(p->fd, &tio) == 0) {
      cfsetispeed(&tio, baud_to_speed(baud));
      cfsetospeed(&tio, baud_to_speed(baud));
      tcsetattr(p->fd, TCSANOW, &tio);
    }
  }
  return QE_OK;
}

qe_status qe_port_set_lines(qe_port *p, int dtr, int rts, qe_ctx *ctx)
{
  if (!p->sp)
    return QE_OK;
  if (dtr >= 0 && sp_set_dtr(p->sp, dtr ? SP_DTR_ON : SP_DTR_OFF) != SP_OK)
    return sp_fail(ctx, p->name, "cannot set DTR");
  if (rts >= 0 && sp_set_rts(p->sp, rts ? SP_RTS_ON : SP_RTS_OFF) != SP_OK)
    return sp_fail(ctx, p->name, "cannot set RTS");
  return QE_OK;
}
